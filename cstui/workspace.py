"""The Workspace: the one API the UI and the CLI use.

Screens never touch the store or TinyDB; they ask the workspace questions ("the portfolio",
"this account's contacts") and tell it what happened ("log a call", "update this account").
Every mutation validates through the domain models first, so bad input raises
:class:`InvalidRecord` with readable sentences and writes nothing. Changes, local or picked up
from another process sharing the data directory, reach subscribers as
:class:`WorkspaceEvent`.
"""

from __future__ import annotations

import getpass
import os
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from cstui import clock
from cstui.domain.models import (
    Account,
    Activity,
    ActivityKind,
    Contact,
    FeatureRequest,
    InvalidRecord,
    OnboardingPlan,
    Priority,
    Record,
    Sentiment,
    SuccessPlan,
    SurveyResponse,
    Task,
    TaskSource,
    UsageHistory,
    validate,
)
from cstui.domain.portfolio import PortfolioRow, build_row, fold
from cstui.store import Change, Store

R = TypeVar("R", bound=Record)

#: Tables whose records belong to one account through ``account_id``.
_PER_ACCOUNT: tuple[type[Record], ...] = (
    Contact,
    UsageHistory,
    Activity,
    Task,
    OnboardingPlan,
    SuccessPlan,
    SurveyResponse,
)


def current_user() -> str:
    """Who is acting: ``CSTUI_USER`` or the login name (what ``owner:me`` means)."""
    return os.environ.get("CSTUI_USER") or getpass.getuser()


@dataclass(frozen=True)
class WorkspaceEvent:
    """What changed: the tables touched, the account ids affected, and whether it was us."""

    tables: frozenset[str]
    account_ids: frozenset[str]
    local: bool
    changes: tuple[Change, ...] = field(default=(), repr=False)


class AccountNotFound(LookupError):
    pass


class Workspace:
    """Facade over the store with per-account indexes kept current on every change."""

    def __init__(self, store: Store, *, user: str | None = None) -> None:
        self.store = store
        self.user = user or current_user()
        self._models: dict[str, dict[str, Record]] = defaultdict(dict)
        self._by_account: dict[str, dict[str, set[str]]] = {}
        self._last_touch: dict[str, date] | None = None
        self._rows: dict[str, PortfolioRow] | None = None
        self._rows_day: date | None = None
        self._listeners: list[Callable[[WorkspaceEvent], None]] = []
        self._unsubscribe = store.subscribe(self._on_changes)

    # ----------------------------------------------------------------- lifecycle
    @classmethod
    def open(cls, data_dir: Path | str, *, user: str | None = None, team: bool = False) -> Workspace:
        who = user or current_user()
        return cls(Store(data_dir, actor=who, team=team), user=who)

    @property
    def warnings(self) -> list[str]:
        return list(self.store.warnings)

    def close(self) -> None:
        self._unsubscribe()
        self.store.close(checkpoint=True)

    def poll(self) -> list[Change]:
        """Pick up edits made by other processes (another pane, a teammate)."""
        return self.store.poll()

    def subscribe(self, callback: Callable[[WorkspaceEvent], None]) -> Callable[[], None]:
        self._listeners.append(callback)
        return lambda: self._listeners.remove(callback)

    def _on_changes(self, changes: list[Change]) -> None:
        tables: set[str] = set()
        accounts: set[str] = set()
        for ch in changes:
            tables.add(ch.table)
            self._invalidate(ch)
            if ch.table == Account.table:
                accounts.add(ch.id)
            else:
                account_id = ch.set.get("account_id")
                if isinstance(account_id, str):
                    accounts.add(account_id)
        if not changes:
            return
        event = WorkspaceEvent(
            tables=frozenset(tables),
            account_ids=frozenset(accounts),
            local=all(ch.local for ch in changes),
            changes=tuple(changes),
        )
        for listener in list(self._listeners):
            listener(event)

    def _invalidate(self, ch: Change) -> None:
        old = self._models[ch.table].pop(ch.id, None)
        index = self._by_account.get(ch.table)
        if index is not None:
            old_account = getattr(old, "account_id", None)
            if old_account is None:
                # Not cached: find where it was indexed (rare: only uncached records).
                for ids in index.values():
                    ids.discard(ch.id)
            else:
                index.get(old_account, set()).discard(ch.id)
            record = self.store.get(ch.table, ch.id)
            if record is not None and isinstance(record.get("account_id"), str):
                index.setdefault(record["account_id"], set()).add(ch.id)
        if ch.table == Activity.table:
            self._last_touch = None
        if ch.table in (Account.table, Activity.table):
            if self._rows is not None and ch.table == Account.table:
                self._refresh_row(ch.id)
            elif ch.table == Activity.table:
                self._rows = None

    # ----------------------------------------------------------------- generic reads
    def _get(self, model: type[R], id: str) -> R | None:
        cached = self._models[model.table].get(id)
        if cached is not None:
            return cached  # type: ignore[return-value]
        record = self.store.get(model.table, id)
        if record is None:
            return None
        obj = model.from_record(record)
        self._models[model.table][id] = obj
        return obj

    def _all(self, model: type[R]) -> list[R]:
        out: list[R] = []
        for record in self.store.all(model.table):
            cached = self._models[model.table].get(record["id"])
            if cached is None:
                cached = model.from_record(record)
                self._models[model.table][record["id"]] = cached
            out.append(cached)  # type: ignore[arg-type]
        return out

    def _index(self, model: type[Record]) -> dict[str, set[str]]:
        index = self._by_account.get(model.table)
        if index is None:
            index = defaultdict(set)
            for record in self.store.all(model.table):
                account_id = record.get("account_id")
                if isinstance(account_id, str):
                    index[account_id].add(record["id"])
            self._by_account[model.table] = index
        return index

    def _for_account(self, model: type[R], account_id: str) -> list[R]:
        ids = self._index(model).get(account_id, set())
        return [obj for i in ids if (obj := self._get(model, i)) is not None]

    # ----------------------------------------------------------------- queries
    def accounts(self) -> list[Account]:
        return self._all(Account)

    def account(self, account_id: str) -> Account | None:
        return self._get(Account, account_id)

    def count(self, model: type[Record]) -> int:
        return self.store.count(model.table)

    def find_account(self, query: str) -> Account:
        """An account by id, exact name, or a unique part of its name (for the CLI)."""
        by_id = self.account(query)
        if by_id is not None:
            return by_id
        key = fold(query.strip())
        exact = [a for a in self.accounts() if fold(a.name) == key]
        if len(exact) == 1:
            return exact[0]
        partial = [a for a in self.accounts() if key in fold(a.name)]
        if len(partial) == 1:
            return partial[0]
        if not partial:
            raise AccountNotFound(f"No account matches '{query}'.")
        names = ", ".join(sorted(a.name for a in partial)[:5])
        more = "" if len(partial) <= 5 else f" and {len(partial) - 5} more"
        raise AccountNotFound(f"'{query}' matches {len(partial)} accounts: {names}{more}.")

    def contacts(self, account_id: str) -> list[Contact]:
        return sorted(self._for_account(Contact, account_id), key=lambda c: (not c.active, c.name))

    def activities(self, account_id: str) -> list[Activity]:
        """Newest first."""
        items = self._for_account(Activity, account_id)
        return sorted(items, key=lambda a: (a.date, a.id), reverse=True)

    def tasks(self, account_id: str | None = None, *, include_done: bool = False) -> list[Task]:
        items = self._for_account(Task, account_id) if account_id else self._all(Task)
        if not include_done:
            items = [t for t in items if not t.done]
        return sorted(items, key=lambda t: (t.done, t.due or date.max, t.title))

    def usage(self, account_id: str) -> UsageHistory | None:
        items = self._for_account(UsageHistory, account_id)
        return items[0] if items else None

    def onboarding(self, account_id: str) -> OnboardingPlan | None:
        items = self._for_account(OnboardingPlan, account_id)
        return items[0] if items else None

    def success_plan(self, account_id: str) -> SuccessPlan | None:
        items = self._for_account(SuccessPlan, account_id)
        return items[0] if items else None

    def surveys(self, account_id: str) -> list[SurveyResponse]:
        return sorted(self._for_account(SurveyResponse, account_id), key=lambda s: s.date)

    def requests(self) -> list[FeatureRequest]:
        return self._all(FeatureRequest)

    def last_touch(self, account_id: str) -> date | None:
        return self._last_touches().get(account_id)

    def _last_touches(self) -> dict[str, date]:
        if self._last_touch is None:
            latest: dict[str, date] = {}
            for record in self.store.all(Activity.table):
                account_id = record.get("account_id")
                day = date.fromisoformat(record["date"])
                if isinstance(account_id, str) and (
                    account_id not in latest or day > latest[account_id]
                ):
                    latest[account_id] = day
            self._last_touch = latest
        return self._last_touch

    # ----------------------------------------------------------------- portfolio
    def portfolio(self) -> list[PortfolioRow]:
        """One precomputed row per account (rebuilt per day and when its inputs change)."""
        today = clock.today()
        if self._rows is None or self._rows_day != today:
            touches = self._last_touches()
            self._rows = {
                a.id: build_row(a, touches.get(a.id), today) for a in self.accounts()
            }
            self._rows_day = today
        return list(self._rows.values())

    def _refresh_row(self, account_id: str) -> None:
        assert self._rows is not None
        account = self.account(account_id)
        if account is None:
            self._rows.pop(account_id, None)
        else:
            self._rows[account_id] = build_row(
                account, self.last_touch(account_id), self._rows_day or clock.today()
            )

    # ----------------------------------------------------------------- mutations
    def _save(self, model: type[R], data: Mapping[str, Any], *, new: bool) -> R:
        """Validate then write only the fields that changed (what sync will push)."""
        payload = dict(data)
        if new:
            payload["id"] = payload.get("id") or self.store.new_id()
            obj = validate(model, payload)
            self.store.put(model.table, obj.id, obj.to_record())
            return obj
        current = self.store.get(model.table, payload["id"])
        if current is None:
            raise InvalidRecord([f"That {model.__name__.lower()} no longer exists."])
        merged = {**current, **payload}
        obj = validate(model, merged)
        fresh = obj.to_record()
        changed = {k: v for k, v in fresh.items() if current.get(k) != v}
        if changed:
            self.store.put(model.table, obj.id, changed)
        return obj

    def create_account(self, data: Mapping[str, Any]) -> Account:
        return self._save(Account, data, new=True)

    def update_account(self, account_id: str, changes: Mapping[str, Any]) -> Account:
        return self._save(Account, {**changes, "id": account_id}, new=False)

    def delete_account(self, account_id: str) -> None:
        self.store.delete(Account.table, account_id)

    def _require_account(self, account_id: str) -> Account:
        account = self.account(account_id)
        if account is None:
            raise InvalidRecord([f"There is no account with id '{account_id}'."])
        return account

    def add_contact(self, account_id: str, data: Mapping[str, Any]) -> Contact:
        self._require_account(account_id)
        return self._save(Contact, {**data, "account_id": account_id}, new=True)

    def log_activity(
        self,
        account_id: str,
        summary: str,
        *,
        kind: ActivityKind | str = ActivityKind.NOTE,
        day: date | None = None,
        participants: Iterable[str] = (),
        sentiment: Sentiment | str = Sentiment.NEUTRAL,
        via_champion: bool = False,
    ) -> Activity:
        self._require_account(account_id)
        known = {c.id for c in self.contacts(account_id)}
        people = list(participants)
        unknown = [p for p in people if p not in known]
        if unknown:
            raise InvalidRecord([f"Participant '{p}' is not a contact of this account." for p in unknown])
        return self._save(
            Activity,
            {
                "account_id": account_id,
                "summary": summary,
                "kind": kind,
                "date": day or clock.today(),
                "participants": people,
                "sentiment": sentiment,
                "via_champion": via_champion,
                "created_by": self.user,
            },
            new=True,
        )

    def add_task(
        self,
        title: str,
        *,
        account_id: str | None = None,
        due: date | None = None,
        priority: Priority | str = Priority.NORMAL,
        source: TaskSource | str = TaskSource.MANUAL,
        owner: str | None = None,
        key: str = "",
    ) -> Task:
        if account_id is not None:
            self._require_account(account_id)
        return self._save(
            Task,
            {
                "title": title,
                "account_id": account_id,
                "due": due,
                "priority": priority,
                "source": source,
                "owner": owner or self.user,
                "key": key,
            },
            new=True,
        )

    def complete_task(self, task_id: str, done: bool = True) -> Task:
        return self._save(
            Task, {"id": task_id, "done": done, "done_on": clock.today() if done else None}, new=False
        )

    def record_survey(self, data: Mapping[str, Any]) -> SurveyResponse:
        self._require_account(str(data.get("account_id", "")))
        return self._save(SurveyResponse, data, new=True)

    # ----------------------------------------------------------------- bulk
    def load_tables(self, tables: Mapping[str, list[dict[str, Any]]]) -> int:
        """Write whole tables of already-validated records (demo data) in one batch."""
        count = 0
        with self.store.transaction() as txn:
            for table, records in tables.items():
                for record in records:
                    txn.put(table, record["id"], record)
                    count += 1
        return count

    def iter_records(self, model: type[R]) -> Iterator[dict[str, Any]]:
        """Raw records without meta fields, for export."""
        for record in self.store.all(model.table):
            yield {k: v for k, v in record.items() if not k.startswith("_")}
