"""A generic JSON REST CRM with a configurable field map (for in-house CRMs and gateways).

The protocol it expects, per local table (``resources`` maps tables to paths)::

    GET    {base_url}/{path}?since=<cursor>&limit=<n>
           -> {"items": [{"id": "...", "cstui_id": "...", "parent_id": "...", ...}],
               "cursor": "<opaque>", "more": true}
    PUT    {base_url}/{path}/{cstui id}     body: the mapped fields (+ "parent_id")
           -> {"id": "<the CRM's id>", ...}
    DELETE {base_url}/{path}/{cstui id}     -> 2xx, or 404 if already gone

``since`` is omitted on the first pull; pages are followed while ``more`` is true and the
cursor of each page is saved after it is applied. Writes are keyed by the cstui id in the
URL, so repeating one (after a crash or a lost answer) cannot create a duplicate. Field
values are sent as cstui stores them (text, numbers, true/false, ``YYYY-MM-DD`` dates);
``[rest.fields.<table>]`` renames them (``local = "remote"``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any, ClassVar
from urllib.parse import quote

from ..errors import ConfigError, GarbageResponse, Rejected
from ..schema import TableSpec
from ..transport import RateLimit, RetryPolicy, Transport
from .base import (
    JSON,
    AdapterContext,
    Capability,
    CRMAdapter,
    Option,
    Outcome,
    Outgoing,
    PullPage,
    RemoteRecord,
    option,
)

_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,100}$")


def _garbage(what: str, problem: str) -> GarbageResponse:
    return GarbageResponse(f"The CRM answered {what} with {problem}; nothing from it was used.")


class RestAdapter(CRMAdapter):
    """Generic JSON REST; see the module docstring for the protocol."""

    name: ClassVar[str] = "rest"
    label: ClassVar[str] = "the CRM"
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {Capability.PULL, Capability.PUSH, Capability.DELETE}
    )
    options: ClassVar[tuple[Option, ...]] = (
        Option("base_url", "API root (required); CSTUI_REST_URL overrides it"),
        Option("token_file", "private (0600) file holding the bearer token"),
        Option("timeout", "seconds to wait for each answer", 30.0),
        Option("requests_per_minute", "client-side request budget", 600),
        Option("page_size", "records per pull page", 100),
        Option("resources", "[rest.resources] local table = URL path", None),
        Option("fields", "[rest.fields.<table>] local field = remote key", None),
    )

    def __init__(self, context: AdapterContext) -> None:
        super().__init__(context)
        base_url = option(self, "base_url", str, "")
        if not base_url:
            raise ConfigError(
                f"{context.config.source}: [rest] base_url is required (or set CSTUI_REST_URL)."
            )
        timeout = option(self, "timeout", float, 30.0, low=0.05, high=600)
        per_minute = option(self, "requests_per_minute", int, 600, low=1)
        self.page_size = option(self, "page_size", int, 100, low=1, high=10_000)
        self.batch_size = self.page_size
        resources = option(self, "resources", dict, {})
        fields = option(self, "fields", dict, {})
        self.paths: dict[str, str] = {}
        self.fields: dict[str, dict[str, str]] = {}
        for table in context.tables:
            self.paths[table.table] = str(resources.get(table.table, table.table)).strip("/")
            mapping = fields.get(table.table, {})
            if not isinstance(mapping, dict):
                raise ConfigError(f"[rest.fields.{table.table}] must be a table.")
            self.fields[table.table] = {
                f.name: str(mapping.get(f.name, f.name)) for f in table.fields
            }
        self.transport = Transport(
            base_url,
            token=context.config.token(self.name, "REST CRM"),
            label=self.label,
            token_hint="Check CSTUI_REST_TOKEN or the token file.",
            timeout=timeout,
            limits={"default": RateLimit("default", per_minute, 60.0)},
            retry=context.retry or RetryPolicy(),
            cancel=context.cancel,
            http=context.http,
        )

    @property
    def requests(self) -> int:
        return self.transport.requests

    def close(self) -> None:
        self.transport.close()

    def pull(self, table: TableSpec, cursor: JSON | None) -> Iterator[PullPage]:
        path = self.paths[table.table]
        fields = self.fields[table.table]
        what = f"GET /{path}"
        while True:
            params = {"limit": str(self.page_size)}
            if isinstance(cursor, str) and cursor:
                params["since"] = cursor
            data = self.transport.request("GET", f"/{path}", params=params)
            if not isinstance(data, dict) or not isinstance(data.get("items"), list):
                raise _garbage(what, "no 'items' list")
            records = []
            for item in data["items"]:
                if not isinstance(item, dict):
                    raise _garbage(what, "an item that is not an object")
                rid = item.get("id")
                if isinstance(rid, int) and not isinstance(rid, bool):
                    rid = str(rid)
                if not isinstance(rid, str) or not _ID.match(rid):
                    raise _garbage(what, f"an item whose id is {rid!r}"[:80])
                values = {
                    local: item.get(remote) for local, remote in fields.items() if remote in item
                }
                cstui_id = item.get("cstui_id")
                parent = item.get("parent_id")
                records.append(
                    RemoteRecord(
                        rid,
                        values,
                        cstui_id if isinstance(cstui_id, str) else None,
                        str(parent) if isinstance(parent, str | int) else None,
                    )
                )
            new_cursor = data.get("cursor")
            if new_cursor is not None and not isinstance(new_cursor, str):
                raise _garbage(what, "a cursor that is not text")
            cursor = new_cursor if new_cursor else cursor
            yield PullPage(records, cursor)
            if data.get("more") is not True or not records:
                return

    def push(self, table: TableSpec, items: Sequence[Outgoing]) -> list[Outcome]:
        path = self.paths[table.table]
        fields = self.fields[table.table]
        out: list[Outcome] = []
        for item in items:
            url = f"/{path}/{quote(item.local_id, safe='')}"
            try:
                if item.delete:
                    self.transport.request("DELETE", url, accept=(404, 410))
                    out.append(Outcome(item.local_id, True, remote_id=item.remote_id))
                    continue
                body: dict[str, Any] = {fields[k]: v for k, v in item.values.items() if k in fields}
                if item.parent is not None:
                    body["parent_id"] = item.parent
                data = self.transport.request("PUT", url, json=body)
            except Rejected as exc:
                out.append(Outcome(item.local_id, False, error=str(exc)))
                continue
            rid = data.get("id") if isinstance(data, dict) else None
            if isinstance(rid, int) and not isinstance(rid, bool):
                rid = str(rid)
            if not isinstance(rid, str) or not _ID.match(rid):
                raise _garbage(f"PUT /{path}", "an answer without the record's id")
            out.append(
                Outcome(item.local_id, True, remote_id=rid, parent_ok=item.parent is not None)
            )
        return out
