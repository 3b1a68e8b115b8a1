"""A second CRM adapter from another package: a "CRM" kept in one JSON file.

It proves the plugin contract: registered through the ``cstui.crm_adapters`` entry point
(see the ``.dist-info`` next to this package), loaded by name, and driven by the same
engine as HubSpot. Options come from ``[echo]`` in sync.toml: ``state_file``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, ClassVar

from cstui.sync.adapters import (
    JSON,
    AdapterContext,
    Capability,
    CRMAdapter,
    Option,
    Outcome,
    Outgoing,
    PullPage,
    RemoteRecord,
)
from cstui.sync.schema import TableSpec

IMPORTED = True


class EchoAdapter(CRMAdapter):
    name: ClassVar[str] = "echo"
    label: ClassVar[str] = "Echo CRM"
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {Capability.PULL, Capability.PUSH, Capability.DELETE}
    )
    options: ClassVar[tuple[Option, ...]] = (Option("state_file", "where the CRM keeps its data"),)

    def __init__(self, context: AdapterContext) -> None:
        super().__init__(context)
        self.path = Path(str(self.settings.get("state_file", "echo-crm.json")))
        self.state: dict[str, Any] = (
            json.loads(self.path.read_text())
            if self.path.exists()
            else {"version": 0, "tables": {}}
        )
        self.calls = 0

    @property
    def requests(self) -> int:
        return self.calls

    def _save(self) -> None:
        self.path.write_text(json.dumps(self.state, indent=1, sort_keys=True))

    def pull(self, table: TableSpec, cursor: JSON | None) -> Iterator[PullPage]:
        self.calls += 1
        since = cursor if isinstance(cursor, int) else 0
        rows = self.state["tables"].get(table.table, {})
        fresh = [(rid, r) for rid, r in rows.items() if r["version"] > since and not r.get("gone")]
        yield PullPage(
            [
                RemoteRecord(rid, dict(r["values"]), r["cstui_id"], r.get("parent"))
                for rid, r in fresh
            ],
            self.state["version"],
        )

    def push(self, table: TableSpec, items: Sequence[Outgoing]) -> list[Outcome]:
        self.calls += 1
        rows = self.state["tables"].setdefault(table.table, {})
        by_cstui = {r["cstui_id"]: rid for rid, r in rows.items()}
        out = []
        for item in items:
            self.state["version"] += 1
            rid = item.remote_id or by_cstui.get(item.local_id) or f"e{self.state['version']}"
            row = rows.setdefault(rid, {"cstui_id": item.local_id, "values": {}})
            if item.delete:
                row["gone"] = True
            row["values"].update(item.values)
            if item.parent is not None:
                row["parent"] = item.parent
            row["version"] = self.state["version"]
            out.append(
                Outcome(item.local_id, True, remote_id=rid, parent_ok=item.parent is not None)
            )
        self._save()
        return out
