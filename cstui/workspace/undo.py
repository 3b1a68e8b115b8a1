"""Undo and redo of this session's own changes, as new changes through the journal.

Every local write of the workspace goes through :class:`Recorder`, which keeps each touched
record as it was before the transaction. When the transaction has committed, the pair
(before, after) per record is one :class:`Step`; undoing it writes the inverse as a new
change (so other processes, the team hub and the CRM sync see an ordinary edit) and
deletions bring the record back. A field someone else changed since is left as they made
it: undo only reverts what is still as this session left it.

Not recorded: the daily rescore, CRM sync and imports (bulk loads in chunks): they are not
"the last change you made".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from cstui.i18n import Msg, msg
from cstui.store import Mutate, Store, Txn

Snapshot = dict[str, Any] | None
"""A record as stored (with its ``_deleted`` mark), or None when it did not exist."""

UNDO_LIMIT = 100
"""Steps kept per session: enough for a working session, bounded in memory."""

_NAME_FIELDS = ("title", "name", "summary", "question", "account_id")


def short(text: str, width: int = 40) -> str:
    """A name short enough for a one-line toast (an activity summary can be 10,000 chars)."""
    line = " ".join(text.split())
    return line if len(line) <= width else line[: width - 1] + "…"


def _fields(record: Snapshot) -> dict[str, Any]:
    """A record's own fields (no store-managed ``_`` fields, no id)."""
    if record is None:
        return {}
    return {k: v for k, v in record.items() if not k.startswith("_") and k != "id"}


def _live(record: Snapshot) -> bool:
    return record is not None and not record.get("_deleted")


@dataclass(frozen=True)
class Change:
    """One record before and after a step."""

    table: str
    id: str
    before: Snapshot
    after: Snapshot


@dataclass(frozen=True)
class Step:
    """What one user action changed, and how to say it (``Undid: …``)."""

    label: Msg
    changes: tuple[Change, ...]


class Recorder(Txn):
    """A transaction that notes each record as it was before its first write in it.

    It wraps the store's own transaction (which does the work) so the capabilities keep
    taking a :class:`Txn`.
    """

    def __init__(self, store: Store, inner: Txn) -> None:
        super().__init__(store)
        self._inner = inner
        self.before: dict[tuple[str, str], Snapshot] = {}

    def _note(self, table: str, id: str) -> None:
        if (table, id) not in self.before:
            self.before[(table, id)] = self._inner.get(table, id, include_deleted=True)

    def get(self, table: str, id: str, *, include_deleted: bool = False) -> dict[str, Any] | None:
        return self._inner.get(table, id, include_deleted=include_deleted)

    def put(
        self,
        table: str,
        id: str,
        set: Mapping[str, Any],
        unset: Iterable[str] = (),
        *,
        expect_rev: int | None = None,
    ) -> dict[str, Any]:
        self._note(table, id)
        return self._inner.put(table, id, set, unset, expect_rev=expect_rev)

    def write(self, table: str, id: str, set: Mapping[str, Any], unset: Iterable[str] = ()) -> None:
        # Every write goes to the inner transaction: one inherited from Txn would land in this
        # wrapper's own (never committed) buffer and be lost.
        self._note(table, id)
        self._inner.write(table, id, set, unset)

    def _put(
        self,
        table: str,
        id: str,
        set: Mapping[str, Any],
        unset: Iterable[str],
        expect_rev: int | None,
    ) -> dict[str, Any]:
        raise TypeError("Recorder forwards every write; a Txn method it lacks must be added")

    def update(self, table: str, id: str, mutate: Mutate) -> dict[str, Any] | None:
        self._note(table, id)
        return self._inner.update(table, id, mutate)

    def delete(self, table: str, id: str) -> None:
        self._note(table, id)
        self._inner.delete(table, id)

    def purge(self, table: str, id: str) -> None:
        self._note(table, id)
        self._inner.purge(table, id)

    def step(self, store: Store, label: Msg | None) -> Step | None:
        """The committed step (None if nothing really changed)."""
        changes = []
        for (table, id), before in self.before.items():
            after = store.get(table, id, include_deleted=True)
            if _fields(before) == _fields(after) and _live(before) == _live(after):
                continue
            changes.append(Change(table, id, before, after))
        if not changes:
            return None
        return Step(label or describe(changes), tuple(changes))


def revert(txn: Txn, change: Change) -> None:
    """Write ``change.before`` back over ``change.after``, field by field, leaving alone
    what was changed by someone else since (``txn`` holds the record as committed now)."""
    current = txn.get(change.table, change.id, include_deleted=True)
    if _live(current) != _live(change.after):
        return  # deleted or brought back by someone else since: theirs to keep
    if not _live(change.before):
        txn.delete(change.table, change.id)
        return
    now, after, before = _fields(current), _fields(change.after), _fields(change.before)
    still = {k for k in set(after) | set(before) if now.get(k, _GONE) == after.get(k, _GONE)}
    put = {k: before[k] for k in still if k in before and before[k] != after.get(k, _GONE)}
    unset = [k for k in still if k not in before and k in now]
    if put or unset or not _live(current):
        txn.put(change.table, change.id, put, unset)


_GONE = object()


def describe(changes: Iterable[Change]) -> Msg:
    """Words for a step nobody labelled: its first record's verb and name."""
    first = next(iter(changes))
    before, after = _fields(first.before), _fields(first.after)
    name = short(next((str(v) for k in _NAME_FIELDS if (v := (after or before).get(k))), first.id))
    if not _live(first.before):
        return msg("undo.created", name=name)
    if not _live(first.after):
        return msg("undo.deleted", name=name)
    ticked = _ticked(before, after)
    if ticked is not None:
        return ticked
    return msg("undo.edited", name=name)


def _ticked(before: Mapping[str, Any], after: Mapping[str, Any]) -> Msg | None:
    """'ticked X' when a done flag flipped, on the record or on one item of its list."""
    if before.get("done") != after.get("done") and "done" in after:
        key = "undo.ticked" if after["done"] else "undo.unticked"
        return msg(key, name=short(str(after.get("title", ""))))
    old_items = {i.get("id"): i for i in before.get("items") or [] if isinstance(i, dict)}
    for item in after.get("items") or []:
        if not isinstance(item, dict):
            continue
        old = old_items.get(item.get("id"))
        if old is not None and old.get("done") != item.get("done"):
            key = "undo.ticked" if item.get("done") else "undo.unticked"
            return msg(key, name=short(str(item.get("title", ""))))
    return None


def merge(steps: list[Step], label: Msg | None) -> Step | None:
    """One step for several (an action's transactions): each record from its first
    ``before`` to its last ``after``; worded by ``label`` or the first step."""
    if not steps:
        return None
    pairs: dict[tuple[str, str], Change] = {}
    for step in steps:
        for ch in step.changes:
            first = pairs.get((ch.table, ch.id))
            pairs[(ch.table, ch.id)] = (
                ch if first is None else Change(ch.table, ch.id, first.before, ch.after)
            )
    changes = tuple(
        ch
        for ch in pairs.values()
        if _fields(ch.before) != _fields(ch.after) or _live(ch.before) != _live(ch.after)
    )
    if not changes:
        return None
    return Step(label or steps[0].label, changes)


class History:
    """The session's undo and redo stacks."""

    def __init__(self) -> None:
        self.undo: list[Step] = []
        self.redo: list[Step] = []

    def done(self, step: Step) -> None:
        """A new change: it can be undone, and what was undone can no longer be redone."""
        self.undo.append(step)
        del self.undo[:-UNDO_LIMIT]
        self.redo.clear()
