"""Conflicts: a field changed on both sides (or a CRM-owned field edited locally).

A conflict is a record in the ``conflicts`` table, one per (adapter, table, record,
field), with the base value and both sides' values. While it is open the field is
neither pushed nor overwritten by pulls (a newer CRM value only updates ``theirs``); the
rest of the record keeps syncing. Nothing is decided for the user.

Resolving works purely through the base value, so the normal sync does the rest and both
sides end up equal:

* ``mine``: keep the local value; the base becomes the CRM's value, so the local value
  is a pending change and the next sync pushes it (even for a CRM-owned field);
* ``theirs``: the local value becomes the CRM's value; nothing to push;
* ``edit``: a new value (validated like any edit) is set locally and pushed.

If the CRM changes the field again before that push, the next pull opens a new
conflict rather than overwriting either side.

A record the CRM no longer has (archived there while cstui kept editing it) is a
conflict of kind ``deleted`` on the pseudo-field :data:`DELETED`. While it is open the
record (and the linking of its children) waits instead of failing every run:

* ``mine``: keep it and create it again in the CRM (the next sync pushes every field);
* ``theirs``: delete it here too.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import ValidationError

from cstui import clock
from cstui.domain.history import history_records
from cstui.domain.models import describe_errors
from cstui.i18n import Msg, msg, render
from cstui.store import Store, Txn

from .meta import get_meta, put_meta, same
from .schema import DEFAULT_TABLES, TableSpec

CONFLICTS_TABLE = "conflicts"
Choice = Literal["mine", "theirs", "edit"]
CHOICES: tuple[Choice, ...] = ("mine", "theirs", "edit")
Kind = Literal["both", "owned", "deleted"]
DELETED = "*"
"""The field of a ``deleted`` conflict: the whole record."""


@dataclass(frozen=True)
class Conflict:
    """An open conflict, as the Conflicts screen and ``cstui sync --resolve`` show it."""

    id: str
    adapter: str
    table: str
    record_id: str
    field: str
    label: str
    """What the record is called (account name, task title), for people."""
    kind: Kind
    """``both``: changed on both sides; ``owned``: a CRM-owned field was edited locally;
    ``deleted``: the record was deleted (archived) in the CRM."""
    base: Any
    mine: Any
    """The current local value."""
    theirs: Any
    """The CRM's latest value."""
    detected_at: str


class ResolveError(ValueError):
    """The conflict does not exist, the choice is unknown, or the edited value is invalid.

    ``str()`` is the English sentence (the CLI's); ``message`` words it in the reader's
    language where it is shown (the app's conflicts screen).
    """

    def __init__(self, message: Msg | str) -> None:
        super().__init__(render(message, "en"))
        self.message = message


def conflict_id(adapter: str, table: str, record_id: str, field: str) -> str:
    """A short, stable id: the same disagreement found twice is one conflict."""
    key = f"{adapter}|{table}|{record_id}|{field}".encode()
    return hashlib.sha256(key).hexdigest()[:10]


def describe(record: dict[str, Any]) -> str:
    for key in ("name", "title", "summary"):
        value = record.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()[:80]
    return str(record.get("id", ""))


def record_conflict(
    txn: Txn,
    *,
    adapter: str,
    table: str,
    record: dict[str, Any],
    field: str,
    base: Any,
    mine: Any,
    theirs: Any,
    kind: Kind,
) -> bool:
    """Open (or refresh) a conflict inside a transaction; True if it is new."""
    cid = conflict_id(adapter, table, record["id"], field)
    existing = txn.get(CONFLICTS_TABLE, cid)
    values = {
        "adapter": adapter,
        "table": table,
        "record_id": record["id"],
        "field": field,
        "label": describe(record),
        "kind": kind if existing is None else existing.get("kind", kind),
        "base": base,
        "mine": mine,
        "theirs": theirs,
    }
    if existing is None:
        values["detected_at"] = clock.now().isoformat(timespec="seconds")
    txn.put(CONFLICTS_TABLE, cid, values)
    return existing is None


def open_fields(store: Store, adapter: str) -> dict[tuple[str, str], set[str]]:
    """{(table, record id): fields in conflict} for one adapter."""
    out: dict[tuple[str, str], set[str]] = {}
    for rec in store.scan(CONFLICTS_TABLE):
        if rec.get("adapter") == adapter:
            out.setdefault((rec["table"], rec["record_id"]), set()).add(rec["field"])
    return out


def count_conflicts(store: Store, adapter: str | None = None) -> int:
    if adapter is None:
        return store.count(CONFLICTS_TABLE)
    return sum(1 for rec in store.scan(CONFLICTS_TABLE) if rec.get("adapter") == adapter)


def list_conflicts(store: Store, adapter: str | None = None) -> list[Conflict]:
    """Open conflicts, oldest first, with ``mine`` read live from the record."""
    out = []
    for rec in store.scan(CONFLICTS_TABLE):
        if adapter is not None and rec.get("adapter") != adapter:
            continue
        local = store.get(rec["table"], rec["record_id"]) or {}
        out.append(
            Conflict(
                id=rec["id"],
                adapter=rec.get("adapter", ""),
                table=rec["table"],
                record_id=rec["record_id"],
                field=rec["field"],
                label=rec.get("label", ""),
                kind=rec.get("kind", "both"),
                base=rec.get("base"),
                mine=local.get(rec["field"], rec.get("mine")),
                theirs=rec.get("theirs"),
                detected_at=rec.get("detected_at", ""),
            )
        )
    return sorted(out, key=lambda c: (c.detected_at, c.table, c.label, c.field))


def check(
    store: Store,
    conflict: str,
    choice: str,
    value: Any = None,
    tables: Sequence[TableSpec] = DEFAULT_TABLES,
) -> Conflict:
    """Everything :func:`resolve` would refuse, without changing anything (so a list of
    decisions can be checked whole before any of it is applied)."""
    if choice not in CHOICES:
        raise ResolveError(msg("sync.resolve.choice", choice=choice))
    found = next((c for c in list_conflicts(store) if c.id == conflict), None)
    if found is None:
        raise ResolveError(msg("sync.resolve.missing", conflict=conflict))
    if found.kind == "deleted" and choice == "edit":
        raise ResolveError(msg("sync.resolve.deleted", label=found.label))
    spec = next((t for t in tables if t.table == found.table), None)
    rec = store.get(found.table, found.record_id)
    if choice == "edit" and spec is not None and rec is not None and found.field in spec.names:
        try:
            spec.model.model_validate({**rec, found.field: value})
        except ValidationError as exc:
            raise ResolveError(" ".join(describe_errors(spec.model, exc))) from None
    return found


def resolve(
    store: Store,
    conflict: str,
    choice: str,
    value: Any = None,
    tables: Sequence[TableSpec] = DEFAULT_TABLES,
) -> Conflict:
    """Settle one conflict locally; the next sync makes the CRM agree. Returns it as it was.

    ``value`` is used with ``edit`` and is validated (and converted: "12" for a number)
    exactly as a form edit would be; an invalid value raises :class:`ResolveError` and
    changes nothing.
    """
    found = check(store, conflict, choice, value, tables)
    if found.adapter == "hub":  # its base lives in the hub's base store
        from .hub import HubSync

        with HubSync(store) as hub:
            hub.resolve(conflict, choice, value)
        return found
    specs = {t.table: t for t in tables}
    spec = specs.get(found.table)
    with store.transaction() as txn:
        rec = txn.get(found.table, found.record_id)
        if rec is None or spec is None:
            txn.purge(CONFLICTS_TABLE, conflict)  # the record is gone: nothing left to decide
            return found
        if found.kind == "deleted":
            _resolve_deleted(txn, found, rec, choice)
            txn.purge(CONFLICTS_TABLE, conflict)
            return found
        field = spec.field(found.field)
        current = txn.get(CONFLICTS_TABLE, conflict) or {}
        theirs = current.get("theirs", found.theirs)
        meta = get_meta(rec, found.adapter)
        base = meta["base"]
        changes: dict[str, Any] = {}
        if choice == "theirs":
            changes[field.name] = theirs
        elif choice == "edit":
            changes[field.name] = value
        base[field.name] = theirs
        new_value = changes.get(field.name, rec.get(field.name))
        if changes:
            try:
                valid = spec.model.model_validate({**rec, **changes}).to_record()
            except ValidationError as exc:
                raise ResolveError(" ".join(describe_errors(spec.model, exc))) from None
            new_value = valid.get(field.name)
            changes[field.name] = new_value
        force = [f for f in meta["force"] if f != field.name]
        if field.owner == "crm" and not same(new_value, theirs):
            force.append(field.name)
        meta["force"] = force
        meta["base"] = base
        txn.put(
            found.table, found.record_id, {**changes, "_sync": put_meta(rec, found.adapter, meta)}
        )
        for table, rid, values in history_records(
            found.table,
            found.record_id,
            rec,
            changes,
            clock.today(),
            source=f"crm:{found.adapter}",
            new_id=store.new_id,
        ):
            txn.put(table, rid, values)
        txn.purge(CONFLICTS_TABLE, conflict)
    return found


def _resolve_deleted(txn: Txn, found: Conflict, rec: dict[str, Any], choice: str) -> None:
    """Keep and re-create (forget the CRM id: the next sync creates it with every field),
    or delete here (a tombstone; archiving it again in the CRM is harmless)."""
    meta = get_meta(rec, found.adapter)
    meta["rid"] = None
    meta["assoc"] = None
    meta["base"] = {}
    meta["force"] = []
    txn.put(found.table, found.record_id, {"_sync": put_meta(rec, found.adapter, meta)})
    if choice == "theirs":
        txn.delete(found.table, found.record_id)
