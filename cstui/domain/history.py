"""The history of an account's commercial facts: what its ARR, stage and currency were when.

An account record holds today's values only. A report of a closed period (GRR, NRR, LTV,
ARR at the start) and a QBR of a past quarter need the values that held *then*, so every
change of a tracked field made outside a renewal outcome (an edit of the account, a CSV
import, a CRM pull) is kept as an :class:`AccountChange`: account, day, field, old and new
value. The records live in their own table (``account_history``), written in the same
transaction as the account, so they go through the journal, undo and the team hub like any
record; the CRM never sees them (its tables are listed in ``sync/schema.py``).

Renewal outcomes are ARR events of their own (``renewals.arr_on`` reads both); a renewal
outcome still records the *stage* it changes here, dated on the outcome's day.

Reading: :func:`value_on` gives a field's value at the end of a day: the new value of the
last change on or before it, else the old value of the first change after it (a book
without history, or a day before the first recorded change, reads as it did before: the
value the first change replaced, or the account's value when nothing was ever recorded).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date
from typing import Any, ClassVar, Final, Literal

from cstui.domain.enums import Table
from cstui.domain.models import Record

TRACKED: Final[tuple[str, ...]] = ("arr", "stage", "currency")
"""The account fields whose history is kept."""

Tracked = Literal["arr", "stage", "currency"]


class AccountChange(Record):
    """One change of a tracked account field on a day (the id is a new record id: two
    changes on one day, or on two laptops, are both kept and ordered by id)."""

    table: ClassVar[str] = Table.ACCOUNT_HISTORY

    account_id: str
    day: date
    field: Tracked
    old: int | str | None = None
    new: int | str | None = None
    source: str = ""
    """What made the change: ``edit``, ``import``, ``renewal``, ``crm:<adapter>``."""


def changes_between(
    account_id: str,
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    day: date,
    *,
    source: str,
    new_id: Callable[[], str],
    fields: Iterable[str] = TRACKED,
) -> list[AccountChange]:
    """The changes of the tracked ``fields`` from the record ``before`` to ``after`` (which
    may hold only the changed fields: a field it leaves out did not change). A field missing
    from ``before`` (a new account) is no change: its first value is not a move."""
    out = []
    for name in fields:
        if name not in after or name not in before or before[name] == after[name]:
            continue
        out.append(
            AccountChange(
                id=new_id(),
                account_id=account_id,
                day=day,
                field=name,
                old=_plain(before[name]),
                new=_plain(after[name]),
                source=source,
            )
        )
    return out


def _plain(value: Any) -> int | str | None:
    if value is None or isinstance(value, int | str):
        return value  # a StrEnum is a str
    return str(value)


def oldest_first(changes: Iterable[AccountChange]) -> list[AccountChange]:
    """Changes by day, then by id (record ids sort by creation time)."""
    return sorted(changes, key=lambda c: (c.day, c.id))


def of_field(changes: Iterable[AccountChange], account_id: str, field: str) -> list[AccountChange]:
    """One account's changes of one field, oldest first."""
    return oldest_first(c for c in changes if c.account_id == account_id and c.field == field)


def value_on(
    changes: Iterable[AccountChange], account_id: str, field: str, day: date, current: Any
) -> Any:
    """``field``'s value for the account at the end of ``day`` (``current``: today's value,
    used when no change was ever recorded)."""
    held: Any = None
    found = False
    for c in of_field(changes, account_id, field):
        if c.day > day:
            return c.old if not found else held
        held, found = c.new, True
    return held if found else current


def history_records(
    table: str,
    record_id: str,
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    day: date,
    *,
    source: str,
    new_id: Callable[[], str],
) -> list[tuple[str, str, dict[str, Any]]]:
    """(table, id, record) of the history to write with a change of any table's record:
    the tracked changes of an account, nothing for other tables. For code that writes
    records generically (the CRM sync)."""
    if table != "accounts":
        return []
    changes = changes_between(record_id, before, after, day, source=source, new_id=new_id)
    return [(AccountChange.table, c.id, c.to_record()) for c in changes]
