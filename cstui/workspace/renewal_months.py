"""The renewals screen's months of the book, kept between its builds.

The screen lists fifteen months of the whole book's renewals, recorded and implied (48,000
at 50,000 accounts). Reading the accounts, the renewals and the ARR history for each build
(its open, and again after every edit) and making every renewal and every month's sums
again was most of its 1.8 s there. Here those records are read once and kept, as plain
tuples (40 MB at 50,000 accounts, for the session), current change by change; an account's
renewals are made again only when its records (the account, its renewals, its ARR changes)
or its band changed, a month's sums only when its renewals did, and everything when the
months or the day changed.

The renewals are made by :func:`cstui.domain.renewals.book_renewals`, as every list of
renewals is: a changed account's are made exactly as the whole book's are.
"""

from __future__ import annotations

import threading
from bisect import bisect_left, insort
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from operator import attrgetter
from typing import TYPE_CHECKING, Generic, TypeVar

from cstui.domain.enums import Table
from cstui.domain.history import AccountChange
from cstui.domain.light import LightAccount, LightRenewal, Plain
from cstui.domain.renewals import (
    MonthRow,
    Period,
    book_renewals,
    by_due,
    renewals_by_month,
    shown_between,
)

if TYPE_CHECKING:
    from cstui.store import Store

T = TypeVar("T")

FOLLOWED = frozenset({Table.ACCOUNTS, Table.RENEWALS, Table.ACCOUNT_HISTORY})
"""The tables the renewals are made from."""
READ_AGAIN_AFTER = 5_000
"""Changed records past which the tables are read again rather than each record looked up
(an import, a sync's first pull)."""
ALL_AGAIN_AFTER = 0.1
"""The share of the accounts past which all renewals are made again rather than those of
each changed account (a teammate's rescore moves many bands at once)."""
INSERT_AT_MOST = 64
"""Renewals made again that are put in their places one by one; more are sorted in."""


_due = attrgetter("due")


@dataclass(frozen=True)
class RenewalCalendar:
    """What the renewals screen shows of the book (see :meth:`RenewalMonths.calendar`)."""

    renewals: list[LightRenewal]
    """Due in its months, and the open ones due before them (overdue), by due date."""
    months: list[MonthRow[LightRenewal]]
    """Its months (:func:`~cstui.domain.renewals.renewals_by_month`)."""


class _ByAccount(Generic[T]):
    """One table's records of interest, by id, with each account's ids (a tuple: at 50,000
    accounts a dict per account was 5 MB more, and 20,000 more objects for each of the
    collector's full passes to walk)."""

    def __init__(self) -> None:
        self._items: dict[str, T] = {}
        self._account: dict[str, str] = {}
        self._ids: dict[str, tuple[str, ...]] = {}

    def put(self, record_id: str, account_id: str, item: T) -> None:
        """Keep a record not kept yet (:meth:`drop` it first)."""
        self._items[record_id] = item
        self._account[record_id] = account_id
        self._ids[account_id] = (*self._ids.get(account_id, ()), record_id)

    def drop(self, record_id: str) -> str | None:
        """Forget the record; the account it was of (None: it was not kept)."""
        account_id = self._account.pop(record_id, None)
        if account_id is None:
            return None
        del self._items[record_id]
        rest = tuple(i for i in self._ids[account_id] if i != record_id)
        if rest:
            self._ids[account_id] = rest
        else:
            del self._ids[account_id]
        return account_id

    def items(self, account_id: str | None = None) -> list[T]:
        """The account's records, or every record."""
        if account_id is None:
            return list(self._items.values())
        return [self._items[i] for i in self._ids.get(account_id, ())]


class RenewalMonths:
    """The records the screen's renewals are made from, kept current through
    :meth:`changed`, and the renewals and months last asked (:meth:`between`,
    :meth:`calendar`).

    :meth:`changed` may be called from any thread (a sync's worker commits there): it only
    notes the record, under a lock it never holds while reading the store, since the store
    tells its subscribers while holding its own. :meth:`between` reads the noted records
    on its caller's thread (the app's).
    """

    def __init__(self, store: Store) -> None:
        self._store = store
        self._lock = threading.Lock()
        self._following = False
        """Whether changes are noted: from the first read on."""
        self._changed: set[tuple[str, str]] = set()
        """(table, id) of the records changed since they were last read."""
        self._accounts: dict[str, Plain] = {}
        """Each account's :class:`LightAccount` as a plain tuple (kept for the session: see
        :data:`~cstui.domain.light.Plain`), as the recorded renewals."""
        self._recorded: _ByAccount[Plain] = _ByAccount()
        self._arr: _ByAccount[AccountChange] = _ByAccount()
        self._window: tuple[date, date, date] | None = None
        """(start, end, today) of the renewals made."""
        self._red: frozenset[str] = frozenset()
        """The accounts that were red when they were made (an open renewal's forecast)."""
        self._shown: list[LightRenewal] = []
        self._months: list[MonthRow[LightRenewal]] | None = None
        """The months of ``_shown`` as last asked (:meth:`calendar`); None: made again."""
        self._months_asked: tuple[date, int, date | None] | None = None
        self._moved: set[date] = set()
        """The months (first days) whose renewals changed since ``_months`` were made."""

    def changed(self, table: str, record_id: str) -> None:
        """Note a changed record (a store subscriber's hook: called for every change)."""
        if table in FOLLOWED and self._following:
            with self._lock:
                self._changed.add((table, record_id))

    def between(
        self, start: date, end: date, bands: Mapping[str, str], today: date
    ) -> list[LightRenewal]:
        """The book's renewals due from ``start`` until ``end`` and the open ones due before
        ``start``, by due date (see :func:`~cstui.domain.renewals.shown_between`);
        ``bands``: each account's band now. A new list each time (its renewals are shared:
        read them, never change them)."""
        changed = self._take_changed()
        everything = not self._following or len(changed) > READ_AGAIN_AFTER
        if everything:
            self._read_all()
            changed = self._take_changed()  # what changed while the tables streamed by
        dirty = self._read_changed(changed)
        red = frozenset(k for k, band in bands.items() if band == "red")
        dirty |= red ^ self._red
        window = (start, end, today)
        if (
            everything
            or window != self._window
            or len(dirty) > ALL_AGAIN_AFTER * len(self._accounts)
        ):
            accounts = map(LightAccount.from_plain, self._accounts.values())
            self._shown = self._made(accounts, None, bands, window)
            self._months = None
        elif dirty:
            kept = [r for r in self._shown if r.account_id not in dirty]
            gone = [r for r in self._shown if r.account_id in dirty]
            made: list[LightRenewal] = []
            for account_id in dirty:
                one = self._accounts.get(account_id)
                mine = [] if one is None else [LightAccount.from_plain(one)]
                made += self._made(mine, account_id, bands, window)
            if len(made) > INSERT_AT_MOST:
                kept = sorted(kept + made, key=by_due)
            else:  # in place: sorting 48,000 renewals again took 15 ms for one edit
                for r in made:
                    insort(kept, r, key=by_due)
            self._shown = kept
            self._moved.update(r.due.replace(day=1) for r in gone + made)
        self._window, self._red = window, red
        return list(self._shown)

    def calendar(
        self,
        start: date,
        months: int,
        open_from: date | None,
        bands: Mapping[str, str],
        today: date,
    ) -> RenewalCalendar:
        """The renewals of ``months`` months from ``start``'s (:meth:`between`), and those
        months (:func:`~cstui.domain.renewals.renewals_by_month`: open renewals due before
        ``open_from`` left out of theirs). The months are kept too: only those an account's
        renewals left or joined are made again (each month's sums took 50 ms at 50,000
        accounts)."""
        first = Period.containing(start, "month")
        shown = self.between(first.start, first.shift(months).start, bands, today)
        asked = (first.start, months, open_from)
        if self._months is None or asked != self._months_asked:
            self._months = renewals_by_month(self._shown, first.start, months, open_from)
        elif self._moved:
            self._months = [
                self._month_again(row, open_from) if row.month in self._moved else row
                for row in self._months
            ]
        self._months_asked, self._moved = asked, set()
        return RenewalCalendar(shown, list(self._months))

    def _month_again(
        self, row: MonthRow[LightRenewal], open_from: date | None
    ) -> MonthRow[LightRenewal]:
        """``row``'s month made again from the renewals due in it."""
        end = Period.containing(row.month, "month").shift(1).start
        shown = self._shown
        due_in = shown[bisect_left(shown, row.month, key=_due) : bisect_left(shown, end, key=_due)]
        return renewals_by_month(due_in, row.month, 1, open_from)[0]

    def _made(
        self,
        accounts: Iterable[LightAccount],
        account_id: str | None,
        bands: Mapping[str, str],
        window: tuple[date, date, date],
    ) -> list[LightRenewal]:
        """The renewals of ``accounts`` in the window, from the records of ``account_id``
        (None: of every account)."""
        start, end, today = window
        every = book_renewals(
            accounts,
            list(map(LightRenewal.from_plain, self._recorded.items(account_id))),
            make=LightRenewal,
            bands=bands,
            today=today,
            history=self._arr.items(account_id),
            since=start,
            until=end,
        )
        return [r for r in every if shown_between(r, start, end)]

    def _take_changed(self) -> set[tuple[str, str]]:
        with self._lock:
            changed, self._changed = self._changed, set()
        return changed

    def _read_all(self) -> None:
        """Read the three tables as they stream by (none kept parsed by the store)."""
        self._following = True  # from here on: a change during the read is read again
        stream = self._store.stream
        self._accounts = {
            r["id"]: LightAccount.from_record(r).plain() for r in stream(Table.ACCOUNTS)
        }
        self._recorded = _ByAccount()
        for r in stream(Table.RENEWALS):
            self._recorded.put(r["id"], r["account_id"], LightRenewal.from_record(r).plain())
        self._arr = _ByAccount()
        for r in stream(Table.ACCOUNT_HISTORY):
            if r.get("field") == "arr":  # what the ARR was on a past anniversary
                self._arr.put(r["id"], r["account_id"], AccountChange.from_record(r))
        self._window = None

    def _read_changed(self, changed: Iterable[tuple[str, str]]) -> set[str]:
        """Read the changed records again; the accounts whose renewals they change."""
        dirty: set[str] = set()
        peek = self._store.peek
        for table, record_id in changed:
            record = peek(table, record_id, keep=False)
            if table == Table.ACCOUNTS:
                dirty.add(record_id)
                if record is None:
                    self._accounts.pop(record_id, None)
                else:
                    self._accounts[record_id] = LightAccount.from_record(record).plain()
                continue
            kept = self._recorded if table == Table.RENEWALS else self._arr
            was = kept.drop(record_id)
            if was is not None:
                dirty.add(was)
            if record is None:
                continue
            account_id = record["account_id"]
            if table == Table.RENEWALS:
                self._recorded.put(record_id, account_id, LightRenewal.from_record(record).plain())
            elif record.get("field") == "arr":
                self._arr.put(record_id, account_id, AccountChange.from_record(record))
            else:
                continue
            dirty.add(account_id)
        return dirty
