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
import hashlib
import json
import os
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, ValidationError

from cstui import clock
from cstui.config import Settings, load_settings
from cstui.domain import cadence as cadence_rules
from cstui.domain import templates as onboarding_rules
from cstui.domain.alerts import Alert, Flag, compute_flags, is_active, reconcile_alerts, snooze
from cstui.domain.health import (
    HealthInputs,
    HealthResult,
    ManualRating,
    compute_health,
    trend,
)
from cstui.domain.models import (
    Account,
    Activity,
    ActivityKind,
    Audience,
    Contact,
    ContactRole,
    FeatureRequest,
    InvalidRecord,
    Objective,
    OnboardingItem,
    OnboardingPlan,
    OwnerSide,
    Priority,
    Record,
    ROIInputs,
    Sentiment,
    SuccessPlan,
    SurveyKind,
    SurveyResponse,
    Task,
    TaskSource,
    UsageHistory,
    validate,
)
from cstui.domain.portfolio import PortfolioRow, build_row, fold
from cstui.domain.success import (
    TEMPLATES,
    PlanInputError,
    Problem,
    SuccessTemplate,
    next_objective_id,
    objective_from_form,
    objectives_from_template,
    reading_from_form,
    roi_from_form,
    with_reading,
)
from cstui.domain.success import template as success_template
from cstui.store import Change, Store, gc_paused

if TYPE_CHECKING:
    from cstui.sync import Conflict as _Conflict
    from cstui.sync import Progress as _Progress
    from cstui.sync import SyncReport as _SyncReport
    from cstui.sync import SyncService as _SyncService
    from cstui.sync import SyncStatus as _SyncStatus

R = TypeVar("R", bound=Record)
M = TypeVar("M", bound=BaseModel)

HEALTH_TABLE = "health"
"""One record per account: the latest score, band and flags, and the daily score history."""
RATINGS_TABLE = "ratings"
"""One record per account with a CSM's manual health rating in force."""
HISTORY_DAYS = 400
HEALTH_INPUT_TABLES = frozenset(
    {
        Account.table,
        Contact.table,
        UsageHistory.table,
        Activity.table,
        OnboardingPlan.table,
        SuccessPlan.table,
        SurveyResponse.table,
        RATINGS_TABLE,
    }
)
"""A change to any of these may change an account's health, flags or alerts."""
VIEWS_TABLE = "views"
"""Saved portfolio views, per user: a name, a filter line and a sort."""


@dataclass(frozen=True)
class SavedView:
    """A named filter and sort; built-in views are named by an i18n key."""

    name: str
    filter: str
    sort: str = "renewal"
    reverse: bool = False
    builtin: bool = False


BUILTIN_VIEWS: tuple[SavedView, ...] = (
    SavedView("view.all", "", "renewal", False, True),
    SavedView("view.mine", "owner:me", "health", False, True),
    SavedView("view.at_risk", "band:red", "arr", True, True),
    SavedView("view.renewals", "renewal<90d", "renewal", False, True),
    SavedView("view.untouched", "flag:no-touch", "touch", True, True),
)


def changed_fields(current: Mapping[str, Any], fresh: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of ``fresh`` that differ from ``current`` (new keys count, even as None).

    Only these are written, so the journal, other processes and the CRM sync see exactly
    what changed.
    """
    return {k: v for k, v in fresh.items() if k not in current or current[k] != v}


def validate_plain(model: type[M], data: Mapping[str, Any]) -> M:
    """Validate a non-record model, raising InvalidRecord with readable sentences."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise InvalidRecord.from_error(model, exc) from None


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

    def __init__(
        self, store: Store, *, user: str | None = None, settings: Settings | None = None
    ) -> None:
        self.store = store
        self.user = user or current_user()
        self.settings = settings or load_settings()
        self._summaries: dict[str, dict[str, Any]] | None = None
        self._model_id: str | None = None
        self._latest_nps: dict[str, int] | None = None
        self._models: dict[str, dict[str, Record]] = defaultdict(dict)
        self._by_account: dict[str, dict[str, set[str]]] = {}
        self._last_touch: dict[str, date] | None = None
        self._rows: dict[str, PortfolioRow] | None = None
        self._rows_day: date | None = None
        self._listeners: list[Callable[[WorkspaceEvent], None]] = []
        self._closed = False
        self._unsubscribe = store.subscribe(self._on_changes)

    # ----------------------------------------------------------------- lifecycle
    @classmethod
    def open(
        cls, data_dir: Path | str, *, user: str | None = None, team: bool = False
    ) -> Workspace:
        who = user or current_user()
        return cls(Store(data_dir, actor=who, team=team), user=who)

    @property
    def warnings(self) -> list[str]:
        return list(self.store.warnings) + list(self.settings.errors)

    def close(self) -> None:
        """Checkpoint and release the store; calling it twice is harmless."""
        if self._closed:
            return
        self._closed = True
        self._unsubscribe()
        self.store.close(checkpoint=True)

    def preload(self, tables: Iterable[str]) -> None:
        """Parse these tables now (the store loads tables lazily); safe from a thread."""
        for table in tables:
            for _ in self.store.scan(table):
                break

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
            if ch.table == HEALTH_TABLE and self._summaries is not None:
                record = self.store.get(HEALTH_TABLE, ch.id)
                if record is None:
                    self._summaries.pop(ch.id, None)
                else:
                    self._summaries[ch.id] = record
                if self._rows is not None and ch.id in self._rows:
                    self._refresh_row(ch.id)
            if ch.table == SurveyResponse.table:
                self._latest_nps = None
                self._rows = None
            if ch.table == Account.table:
                accounts.add(ch.id)
            else:
                record = self.store.get(ch.table, ch.id, include_deleted=True) or ch.set
                account_id = record.get("account_id")
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
        if ch.table == Account.table:
            if self._rows is not None:
                self._refresh_row(ch.id)
            return
        record = self.store.get(ch.table, ch.id, include_deleted=True) or {}
        account_id = record.get("account_id") or getattr(old, "account_id", None)
        if not isinstance(account_id, str):
            return
        if ch.table == Activity.table and self._last_touch is not None:
            days = [a.date for a in self._for_account(Activity, account_id)]
            if days:
                self._last_touch[account_id] = max(days)
            else:
                self._last_touch.pop(account_id, None)
        elif ch.table == SurveyResponse.table and self._latest_nps is not None:
            latest = self._latest_nps_of(self._for_account(SurveyResponse, account_id))
            if latest is None:
                self._latest_nps.pop(account_id, None)
            else:
                self._latest_nps[account_id] = latest
        if ch.table in (Activity.table, SurveyResponse.table) and self._rows is not None:
            self._refresh_row(account_id)

    # ----------------------------------------------------------------- generic reads
    def _get(self, model: type[R], id: str) -> R | None:
        cached = self._models[model.table].get(id)
        if cached is not None:
            return cached  # type: ignore[return-value]
        record = self.store.peek(model.table, id)
        if record is None:
            return None
        obj = model.from_record(record)
        self._models[model.table][id] = obj
        return obj

    def _all(self, model: type[R]) -> list[R]:
        out: list[R] = []
        for record in self.store.scan(model.table):
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
            for record in self.store.scan(model.table):
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
        """The latest activity date; from the stored health summary until activities load."""
        loaded = self._last_touch is not None
        return self._touch(account_id, None if loaded else self._health_summaries().get(account_id))

    def _touch(self, account_id: str, summary: dict[str, Any] | None) -> date | None:
        """``last_touch`` with the account's health summary already looked up."""
        if self._last_touch is None and summary is not None and "last_touch" in summary:
            value = summary["last_touch"]
            return None if value is None else date.fromisoformat(value)
        return self._last_touches().get(account_id)

    def _last_touches(self) -> dict[str, date]:
        """Latest activity date per account (ISO dates compare correctly as text)."""
        if self._last_touch is None:
            latest: dict[str, str] = {}
            for record in self.store.scan(Activity.table):
                account_id = record.get("account_id")
                day = record["date"]
                if isinstance(account_id, str) and day > latest.get(account_id, ""):
                    latest[account_id] = day
            self._last_touch = {k: date.fromisoformat(v) for k, v in latest.items()}
        return self._last_touch

    def latest_nps(self, account_id: str) -> int | None:
        """The latest NPS answer of the last year; from the health summary until surveys load."""
        loaded = self._latest_nps is not None
        return self._nps(account_id, None if loaded else self._health_summaries().get(account_id))

    def _nps(self, account_id: str, summary: dict[str, Any] | None) -> int | None:
        """``latest_nps`` with the account's health summary already looked up."""
        if self._latest_nps is None:
            if summary is not None and "nps" in summary:
                value = summary["nps"]
                return value if isinstance(value, int) else None
            self._latest_nps = {}
            for account in {r["account_id"] for r in self.store.scan(SurveyResponse.table)}:
                latest = self._latest_nps_of(self._for_account(SurveyResponse, account))
                if latest is not None:
                    self._latest_nps[account] = latest
        return self._latest_nps.get(account_id)

    @staticmethod
    def _latest_nps_of(surveys: Iterable[SurveyResponse]) -> int | None:
        cutoff = date.fromordinal(clock.today().toordinal() - 365)
        answers = [s for s in surveys if s.kind is SurveyKind.NPS and s.date >= cutoff]
        return max(answers, key=lambda s: (s.date, s.id)).score if answers else None

    # ----------------------------------------------------------------- portfolio
    def portfolio(self) -> list[PortfolioRow]:
        """One precomputed row per account (rebuilt per day; single rows on change).

        Reads only the accounts and the stored health summaries, so the first frame does not
        wait for the large tables (activities, usage) to load.
        """
        today = clock.today()
        if self._rows is None or self._rows_day != today:
            self._rows_day = today
            summaries = self._health_summaries()
            with gc_paused():  # 10,000 rows: no full collections over the loaded book
                self._rows = {
                    r["id"]: self._row(r, summaries.get(r["id"]), today)
                    for r in self.store.scan(Account.table)
                }
        return list(self._rows.values())

    def _row(
        self, account: dict[str, Any], summary: dict[str, Any] | None, today: date
    ) -> PortfolioRow:
        """The row of one account, decorated from its stored health summary.

        The summary is looked up once by the caller: at 10,000 accounts, finding it again
        for the last touch and the NPS of each row was a measurable part of start-up.
        """
        row = build_row(account, self._touch(account["id"], summary), today)
        if summary is not None:
            row.health = summary.get("score")
            row.band = summary.get("band", "unknown")
            row.flags = tuple(summary.get("flags", ()))
            row.trend = summary.get("trend")
        row.nps = self._nps(row.id, summary)
        return row

    def _refresh_row(self, account_id: str) -> None:
        assert self._rows is not None
        record = self.store.get(Account.table, account_id)
        if record is None:
            self._rows.pop(account_id, None)
        else:
            day = self._rows_day or clock.today()
            summary = self._health_summaries().get(account_id)
            self._rows[account_id] = self._row(record, summary, day)

    # ----------------------------------------------------------------- health
    def _health_summaries(self) -> dict[str, dict[str, Any]]:
        if self._summaries is None:
            self._summaries = {r["id"]: r for r in self.store.scan(HEALTH_TABLE)}
        return self._summaries

    def rating(self, account_id: str) -> ManualRating | None:
        record = self.store.get(RATINGS_TABLE, account_id)
        return None if record is None else ManualRating.model_validate(record)

    def health_inputs(self, account_id: str) -> HealthInputs:
        account = self.account(account_id)
        if account is None:
            raise AccountNotFound(f"There is no account with id '{account_id}'.")
        return HealthInputs(
            account=account,
            usage=self.usage(account_id),
            contacts=self._for_account(Contact, account_id),
            activities=self._for_account(Activity, account_id),
            surveys=self._for_account(SurveyResponse, account_id),
            onboarding=self.onboarding(account_id),
            success_plan=self.success_plan(account_id),
            override=self.rating(account_id),
        )

    def health(self, account_id: str, as_of: date | None = None) -> HealthResult:
        """The full, explainable result for one account, computed now."""
        day = as_of or clock.today()
        return compute_health(self.health_inputs(account_id), self.settings.health, day)

    def flags(self, account_id: str, as_of: date | None = None) -> list[Flag]:
        day = as_of or clock.today()
        inputs = self.health_inputs(account_id)
        result = compute_health(inputs, self.settings.health, day)
        return compute_flags(inputs, result, self.settings.health, day)

    def health_history(self, account_id: str) -> list[tuple[date, int]]:
        summary = self._health_summaries().get(account_id) or {}
        return [(date.fromisoformat(d), v) for d, v in summary.get("history", [])]

    def evaluate(
        self, account_ids: Iterable[str] | None = None, as_of: date | None = None
    ) -> list[tuple[HealthResult, list[Flag]]]:
        """Compute health and flags (pure reads; :meth:`record_health` persists them)."""
        day = as_of or clock.today()
        ids = list(account_ids) if account_ids is not None else [a.id for a in self.accounts()]
        out = []
        config = self.settings.health
        for account_id in ids:
            if self.account(account_id) is None:
                continue
            inputs = self.health_inputs(account_id)
            result = compute_health(inputs, config, day)
            out.append((result, compute_flags(inputs, result, config, day)))
        return out

    def record_health(
        self,
        results: list[tuple[HealthResult, list[Flag]]],
        as_of: date | None = None,
        *,
        alerts: bool = True,
    ) -> int:
        """Keep today's point of each score and reconcile alerts; writes only what changed.

        One history point per day per account: re-running on the same day replaces that
        day's point. Returns the number of records written.
        """
        day = as_of or clock.today()
        iso = day.isoformat()
        summaries = self._health_summaries()
        writes: list[tuple[str, str, dict[str, Any]]] = []
        scope = set()
        all_flags: list[Flag] = []
        for result, flags in results:
            scope.add(result.account_id)
            all_flags.extend(flags)
            current = summaries.get(result.account_id) or {}
            history = [list(p) for p in current.get("history", [])]
            if result.score is not None:
                if history and history[-1][0] == iso:
                    history[-1] = [iso, result.score]
                elif not history or history[-1][0] < iso:
                    history.append([iso, result.score])
                history = history[-HISTORY_DAYS:]
            points = [(date.fromisoformat(d), v) for d, v in history]
            fresh = {
                "account_id": result.account_id,
                "score": result.score,
                "computed": result.computed_score,
                "band": result.band.value,
                "flags": [f.rule for f in flags],
                "as_of": iso,
                "history": history,
                "trend": trend(points, day, self.settings.health.trend_days),
                "last_touch": None if result.last_touch is None else result.last_touch.isoformat(),
                "model": self.health_model_id,
                "nps": self._latest_nps_of(self._for_account(SurveyResponse, result.account_id)),
            }
            changed = changed_fields(current, fresh)
            if changed:
                writes.append((HEALTH_TABLE, result.account_id, changed))
        existing = [a for a in self._all(Alert) if a.account_id in scope] if alerts else []
        for alert in reconcile_alerts(existing, all_flags, day, scope=scope) if alerts else []:
            old = self.store.get(Alert.table, alert.id)
            record = alert.to_record()
            if old is None or any(old.get(k) != v for k, v in record.items()):
                writes.append((Alert.table, alert.id, record))
        if writes:
            with self.store.transaction() as txn:
                for table, record_id, values in writes:
                    txn.put(table, record_id, values)
        return len(writes)

    @property
    def health_model_id(self) -> str:
        """A fingerprint of the health configuration, so a changed model forces a rescore."""
        if self._model_id is None:
            raw = json.dumps(self.settings.health.raw, sort_keys=True, default=str)
            self._model_id = hashlib.sha256(raw.encode()).hexdigest()[:12]
        return self._model_id

    def health_is_current(self, as_of: date | None = None) -> bool:
        """Every account was scored today with this model (by us or another process)."""
        iso = (as_of or clock.today()).isoformat()
        summaries = self._health_summaries()
        if len(summaries) < self.count(Account):
            return False
        model = self.health_model_id
        return all(s.get("as_of") == iso and s.get("model") == model for s in summaries.values())

    def refresh_health(
        self, account_ids: Iterable[str] | None = None, as_of: date | None = None
    ) -> int:
        return self.record_health(self.evaluate(account_ids, as_of), as_of)

    def set_rating(
        self, account_id: str, *, stars: int | None = None, score: int | None = None, reason: str
    ) -> ManualRating:
        """A CSM's own judgement replaces the computed score until cleared."""
        self._require_account(account_id)
        data = {
            "stars": stars,
            "score": score,
            "reason": reason,
            "by": self.user,
            "at": clock.now(),
        }
        rating = validate_plain(ManualRating, data)
        self.store.put(
            RATINGS_TABLE, account_id, {"account_id": account_id, **rating.model_dump(mode="json")}
        )
        self.refresh_health([account_id])
        return rating

    def clear_rating(self, account_id: str) -> None:
        if self.store.get(RATINGS_TABLE, account_id) is not None:
            self.store.purge(RATINGS_TABLE, account_id)
            self.refresh_health([account_id])

    def alerts(self, *, active_only: bool = True, as_of: date | None = None) -> list[Alert]:
        day = as_of or clock.today()
        items = self._all(Alert)
        if active_only:
            items = [a for a in items if is_active(a, day)]
        return sorted(items, key=lambda a: (a.first_seen, a.account_id, a.rule))

    def snooze_alert(self, alert_id: str, until: date, reason: str) -> Alert:
        alert = self._get(Alert, alert_id)
        if alert is None:
            raise InvalidRecord([f"There is no alert '{alert_id}'."])
        if until <= clock.today():
            raise InvalidRecord(["Snooze until a day after today."])
        try:
            snoozed = snooze(alert, until, reason, self.user)
        except ValueError as exc:
            raise InvalidRecord([str(exc)]) from None
        self.store.put(Alert.table, alert.id, snoozed.to_record())
        return snoozed

    # ----------------------------------------------------------------- saved views
    def views(self) -> list[SavedView]:
        """The built-in views, then this user's saved ones (by name)."""
        mine = [
            SavedView(
                name=r["name"],
                filter=r.get("filter", ""),
                sort=r.get("sort", "renewal"),
                reverse=bool(r.get("reverse", False)),
            )
            for r in self.store.all(VIEWS_TABLE)
            if r.get("user") == self.user
        ]
        return list(BUILTIN_VIEWS) + sorted(mine, key=lambda v: fold(v.name))

    def save_view(self, name: str, filter_text: str, sort: str, reverse: bool) -> SavedView:
        name = name.strip()
        if not name:
            raise InvalidRecord(["A view needs a name."], {"name": ["A view needs a name."]})
        if any(v.name == name for v in BUILTIN_VIEWS):
            msg = f"'{name}' is a built-in view; choose another name."
            raise InvalidRecord([msg], {"name": [msg]})
        view = SavedView(name=name, filter=filter_text, sort=sort, reverse=reverse)
        self.store.put(
            VIEWS_TABLE,
            f"{self.user}:{fold(name)}",
            {
                "user": self.user,
                "name": name,
                "filter": filter_text,
                "sort": sort,
                "reverse": reverse,
            },
        )
        return view

    def delete_view(self, name: str) -> None:
        key = f"{self.user}:{fold(name)}"
        if self.store.get(VIEWS_TABLE, key) is not None:
            self.store.purge(VIEWS_TABLE, key)

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
        changed = changed_fields(current, fresh)
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
            raise InvalidRecord(
                [f"Participant '{p}' is not a contact of this account." for p in unknown]
            )
        activity = self._save(
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
                "created_at": clock.now(),
            },
            new=True,
        )
        self._after_activity(activity)  # cadence tasks done, follow-up after a report
        return activity

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
            Task,
            {"id": task_id, "done": done, "done_on": clock.today() if done else None},
            new=False,
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

    # --- account screen helpers ---
    # Read-only helpers for cstui/screens/account.py (owned by the account screen).
    def health_series(
        self, account_id: str, days: int = 365, step: int = 7, as_of: date | None = None
    ) -> list[tuple[date, int]]:
        """Score history over ``days`` up to ``as_of`` for charts and the trend, oldest first.

        Stored daily points are used where they exist; gaps longer than ``step`` days are
        back-filled with scores computed at those past dates (the health model only reads
        data dated on or before its ``as_of``, so they are what the score was). Nothing is
        written. Today's point is always the live score, so the chart ends where the screen's
        headline number is.
        """
        from datetime import timedelta

        day = as_of or clock.today()
        start = day - timedelta(days=days)
        stored = {d: s for d, s in self.health_history(account_id) if start <= d <= day}
        inputs = self.health_inputs(account_id)
        config = self.settings.health
        series = dict(stored)
        known = sorted(stored)
        probe = start
        while probe < day:
            near = any(abs((d - probe).days) < step for d in known)
            if not near:
                score = compute_health(inputs, config, probe).score
                if score is not None:
                    series[probe] = score
            probe += timedelta(days=step)
        live = compute_health(inputs, config, day).score
        if live is not None:
            series[day] = live
        else:
            series.pop(day, None)
        return sorted(series.items())

    # --- success plans ---
    # Success plans, their objectives, KPI readings and ROI inputs. The rules live in
    # cstui/domain/success.py and roi.py; here every change is ONE validated write of the plan
    # record (a single store put), so a form's Enter saves all of it, or on InvalidRecord
    # (messages keyed by the form's field names, in the user's language) nothing at all.
    def success_templates(self) -> tuple[SuccessTemplate, ...]:
        return TEMPLATES

    @staticmethod
    def _plan_problems(problems: Iterable[Problem]) -> InvalidRecord:
        from cstui.i18n import t

        fields: dict[str, list[str]] = {}
        messages: list[str] = []
        for p in problems:
            text = t(p.key, **p.params)
            fields.setdefault(p.field, []).append(text)
            messages.append(text)
        return InvalidRecord(messages, fields)

    def _require_plan(self, account_id: str) -> SuccessPlan:
        self._require_account(account_id)
        plan = self.success_plan(account_id)
        if plan is None:
            raise self._plan_problems([Problem("", "success.error.no_plan")])
        return plan

    @staticmethod
    def _find_objective(plan: SuccessPlan, objective_id: str) -> int:
        for i, obj in enumerate(plan.objectives):
            if obj.id == objective_id:
                return i
        raise Workspace._plan_problems([Problem("", "success.error.no_objective")])

    def _live_contact_ids(self, account_id: str) -> set[str]:
        today = clock.today()
        return {
            c.id
            for c in self.contacts(account_id)
            if c.active and (c.left_on is None or c.left_on > today)
        }

    def _default_stakeholders(self, account_id: str) -> dict[Audience, str | None]:
        """Deep objectives belong to the executive who renews, light ones to the champion."""
        live = self._live_contact_ids(account_id)
        people = [c for c in self.contacts(account_id) if c.id in live]

        def first(*roles: ContactRole) -> str | None:
            for role in roles:
                for c in people:
                    if c.role is role:
                        return c.id
            return None

        return {
            Audience.DEEP: first(ContactRole.EXECUTIVE_SPONSOR, ContactRole.DECISION_MAKER),
            Audience.LIGHT: first(ContactRole.CHAMPION, ContactRole.ADMIN),
        }

    def create_success_plan(
        self,
        account_id: str,
        *,
        goal: str = "",
        template: str | None = None,
        replace: bool = False,
    ) -> SuccessPlan:
        """A plan, its objectives and KPIs proposed by ``template`` (the CSM then edits the
        baselines and targets). An existing plan is only replaced when asked to: its
        objectives and reading history go, its ROI inputs stay."""
        from cstui.i18n import language

        account = self._require_account(account_id)
        problems: list[Problem] = []
        tpl = None
        if template:
            tpl = success_template(template)
            if tpl is None:
                problems.append(Problem("template", "success.error.template", {"text": template}))
        lang = language()
        goal = (goal or "").strip() or (tpl.goal.get(lang) if tpl else "")
        if not goal and not problems:
            problems.append(Problem("goal", "success.error.goal"))
        current = self.success_plan(account_id)
        if current is not None and not replace:
            problems.append(Problem("replace", "success.error.plan_exists"))
        if problems:
            raise self._plan_problems(problems)
        objectives = (
            objectives_from_template(
                tpl,
                lang=lang,
                today=clock.today(),
                renewal=account.renewal_date,
                stakeholders=self._default_stakeholders(account_id),
            )
            if tpl
            else []
        )
        data: dict[str, Any] = {
            "account_id": account_id,
            "goal": goal,
            "template": tpl.id if tpl else "",
            "objectives": [o.model_dump(mode="json") for o in objectives],
        }
        if current is None:
            return self._save(SuccessPlan, data, new=True)
        return self._save(SuccessPlan, {**data, "id": current.id}, new=False)

    def update_success_plan(self, account_id: str, changes: Mapping[str, Any]) -> SuccessPlan:
        """Change the goal (KGI) or the template name; objectives have their own methods."""
        plan = self._require_plan(account_id)
        fresh: dict[str, Any] = {"id": plan.id}
        problems: list[Problem] = []
        if "goal" in changes:
            goal = str(changes["goal"] or "").strip()
            if not goal:
                problems.append(Problem("goal", "success.error.goal"))
            fresh["goal"] = goal
        if "template" in changes:
            name = str(changes["template"] or "")
            if name and success_template(name) is None:
                problems.append(Problem("template", "success.error.template", {"text": name}))
            fresh["template"] = name
        if problems:
            raise self._plan_problems(problems)
        return self._save(SuccessPlan, fresh, new=False)

    def add_objective(self, account_id: str, data: Mapping[str, Any]) -> Objective:
        """A new objective (form fields: ``success.OBJECTIVE_FIELDS``); a plan is created
        around it when the account has none yet, in the same write."""
        self._require_account(account_id)
        plan = self.success_plan(account_id)
        try:
            objective = objective_from_form(
                data,
                current=None,
                new_id=next_objective_id(plan),
                contacts=self._live_contact_ids(account_id),
                today=clock.today(),
            )
        except PlanInputError as exc:
            raise self._plan_problems(exc.problems) from None
        dumped = objective.model_dump(mode="json")
        if plan is None:
            self._save(
                SuccessPlan,
                {"account_id": account_id, "goal": "", "objectives": [dumped]},
                new=True,
            )
        else:
            objectives = [o.model_dump(mode="json") for o in plan.objectives]
            self._save(SuccessPlan, {"id": plan.id, "objectives": [*objectives, dumped]}, new=False)
        return objective

    def update_objective(
        self, account_id: str, objective_id: str, data: Mapping[str, Any]
    ) -> Objective:
        """Edit an objective and its KPI; fields left out keep their value, history stays.

        A stakeholder who has left may stay on an objective they already own (history), but
        cannot be newly chosen.
        """
        plan = self._require_plan(account_id)
        index = self._find_objective(plan, objective_id)
        current = plan.objectives[index]
        contacts = self._live_contact_ids(account_id)
        if current.stakeholder_id is not None:
            contacts.add(current.stakeholder_id)
        try:
            objective = objective_from_form(
                data, current=current, new_id=current.id, contacts=contacts, today=clock.today()
            )
        except PlanInputError as exc:
            raise self._plan_problems(exc.problems) from None
        objectives = [o.model_dump(mode="json") for o in plan.objectives]
        objectives[index] = objective.model_dump(mode="json")
        self._save(SuccessPlan, {"id": plan.id, "objectives": objectives}, new=False)
        return objective

    def remove_objective(self, account_id: str, objective_id: str) -> None:
        plan = self._require_plan(account_id)
        index = self._find_objective(plan, objective_id)
        objectives = [o.model_dump(mode="json") for o in plan.objectives]
        del objectives[index]
        self._save(SuccessPlan, {"id": plan.id, "objectives": objectives}, new=False)

    def record_kpi(
        self,
        account_id: str,
        objective_id: str,
        value: float | str | None,
        day: date | str | None = None,
    ) -> Objective:
        """Add a dated KPI reading (form fields ``value`` and ``date``, default today).

        Earlier readings are kept; a second reading on the same day replaces that day's.
        """
        plan = self._require_plan(account_id)
        index = self._find_objective(plan, objective_id)
        current = plan.objectives[index]
        problems: list[Problem] = []
        if current.kpi is None:
            problems.append(Problem("", "success.error.no_kpi"))
        try:
            number, when = reading_from_form(
                {"value": value, "date": day or clock.today()}, today=clock.today()
            )
        except PlanInputError as exc:
            problems.extend(exc.problems)
        if problems:
            raise self._plan_problems(problems)
        assert current.kpi is not None
        objective = current.model_copy(update={"kpi": with_reading(current.kpi, number, when)})
        objectives = [o.model_dump(mode="json") for o in plan.objectives]
        objectives[index] = objective.model_dump(mode="json")
        self._save(SuccessPlan, {"id": plan.id, "objectives": objectives}, new=False)
        return objective

    def set_roi(self, account_id: str, data: Mapping[str, Any]) -> ROIInputs:
        """Set the ROI inputs (form fields: ``success.ROI_FIELDS``); fields left out keep
        their value. Creates an empty plan to hold them when there is none."""
        account = self._require_account(account_id)
        plan = self.success_plan(account_id)
        try:
            roi = roi_from_form(
                data,
                current=plan.roi if plan else None,
                currency=account.currency,
            )
        except PlanInputError as exc:
            raise self._plan_problems(exc.problems) from None
        dumped = roi.model_dump(mode="json")
        if plan is None:
            self._save(SuccessPlan, {"account_id": account_id, "roi": dumped}, new=True)
        else:
            self._save(SuccessPlan, {"id": plan.id, "roi": dumped}, new=False)
        return roi

    # --- onboarding, tasks and cadence ---
    # Checklists from templates, the tasks generated from them and from the executive
    # cadence, follow-ups after reports, and edits that keep who/when. Generated tasks get
    # ids derived from their key (``onboarding:{plan}:{item}``, ``cadence:{account}:{kind}:
    # {due}``, ``followup:{activity}``): two processes (two panes on a shared server, a
    # retried sync) then write the same record instead of a duplicate, and a generated task
    # the CSM deleted stays deleted, because its tombstone is found by that id.

    _onboarding_cache: dict[str, onboarding_rules.OnboardingTemplate] | None = None
    _template_errors_cache: list[str] | None = None

    def onboarding_templates(self) -> dict[str, onboarding_rules.OnboardingTemplate]:
        """Shipped templates and the user's (``<config dir>/onboarding/*.toml``) by key,
        loaded once; problems go to :attr:`template_errors`, never stop the app."""
        if self._onboarding_cache is None:
            from cstui.paths import config_dir

            found, errors = onboarding_rules.load_templates(
                onboarding_rules.shipped_template_texts(),
                onboarding_rules.user_template_files(config_dir()),
            )
            self._onboarding_cache = found
            self._template_errors_cache = errors
        return dict(self._onboarding_cache)

    @property
    def template_errors(self) -> list[str]:
        """Problems found in template files (file, line, key), for ``cstui doctor``."""
        self.onboarding_templates()
        return list(self._template_errors_cache or [])

    def _require_onboarding_plan(self, account_id: str) -> OnboardingPlan:
        self._require_account(account_id)
        plan = self.onboarding(account_id)
        if plan is None:
            raise InvalidRecord(["This account has no onboarding plan yet; apply a template."])
        return plan

    def _write_all(self, writes: list[tuple[str, str, dict[str, Any] | None]]) -> int:
        """Commit puts (values) and deletions (None) as one atomic batch."""
        if writes:
            with self.store.transaction() as txn:
                for table, record_id, values in writes:
                    if values is None:
                        txn.delete(table, record_id)
                    else:
                        txn.put(table, record_id, values)
        return len(writes)

    def _task_put(
        self, task: Task | None, values: Mapping[str, Any], new_id: str = ""
    ) -> tuple[str, str, dict[str, Any] | None] | None:
        """The write that makes ``task`` (or a new task ``new_id``) hold ``values``, if any."""
        if task is None:
            created = validate(Task, {**values, "id": new_id or self.store.new_id()})
            return (Task.table, created.id, created.to_record())
        current = self.store.get(Task.table, task.id) or task.to_record()
        fresh = validate(Task, {**current, **values}).to_record()
        changed = changed_fields(current, fresh)
        return (Task.table, task.id, changed) if changed else None

    def _keyed_tasks(self, account_id: str, prefix: str) -> dict[str, list[Task]]:
        out: dict[str, list[Task]] = defaultdict(list)
        for task in self._for_account(Task, account_id):
            if task.key.startswith(prefix):
                out[task.key].append(task)
        return out

    def _onboarding_task_writes(
        self, account: Account, plan: OnboardingPlan
    ) -> list[tuple[str, str, dict[str, Any] | None]]:
        """Mirror the plan into tasks: one per open "us"-owned core item (title, due, done);
        an open task whose item is gone or no longer ours and core is deleted."""
        prefix = f"onboarding:{plan.id}:"
        live = self._keyed_tasks(account.id, prefix)
        writes: list[tuple[str, str, dict[str, Any] | None]] = []
        wanted: set[str] = set()
        for item in plan.items:
            if item.owner_side is not OwnerSide.US or not item.core:
                continue
            key = prefix + item.id
            wanted.add(key)
            values: dict[str, Any] = {
                "title": item.title,
                "due": item.due,
                "done": item.done,
                "done_on": (item.done_on or clock.today()) if item.done else None,
            }
            tasks = live.get(key, [])
            if tasks:
                for task in tasks:
                    write = self._task_put(task, values)
                    if write is not None:
                        writes.append(write)
            elif not item.done and self.store.get(Task.table, key, include_deleted=True) is None:
                write = self._task_put(
                    None,
                    {
                        **values,
                        "account_id": account.id,
                        "priority": Priority.NORMAL,
                        "source": TaskSource.ONBOARDING,
                        "owner": account.owner or self.user,
                        "key": key,
                    },
                    new_id=key,
                )
                if write is not None:
                    writes.append(write)
        for key, tasks in live.items():
            if key not in wanted:
                writes.extend((Task.table, t.id, None) for t in tasks if not t.done)
        return writes

    def _write_plan(self, plan: OnboardingPlan, existing: OnboardingPlan | None) -> OnboardingPlan:
        """Validate and save a plan with its mirrored tasks, in one batch."""
        account = self._require_account(plan.account_id)
        if existing is None:
            plan = plan.model_copy(update={"id": self.store.new_id()})
        saved = validate(OnboardingPlan, plan.to_record())
        record = saved.to_record()
        current = self.store.get(OnboardingPlan.table, saved.id)
        writes: list[tuple[str, str, dict[str, Any] | None]] = []
        changed = record if current is None else changed_fields(current, record)
        if changed:
            writes.append((OnboardingPlan.table, saved.id, changed))
        writes += self._onboarding_task_writes(account, saved)
        self._write_all(writes)
        return saved

    def apply_onboarding_template(
        self, account_id: str, template_key: str, start: date
    ) -> OnboardingPlan:
        """Apply (or re-apply) a template from ``start``; idempotent, never duplicates items.

        Titles are written in the account's language (``cadence.account_lang``): the
        checklist is shared with the customer. Tasks are created for "us"-owned core items.
        """
        account = self._require_account(account_id)
        templates = self.onboarding_templates()
        template = templates.get(template_key)
        if template is None:
            known = ", ".join(sorted(templates)) or "none"
            msg = f"There is no onboarding template '{template_key}'; templates: {known}."
            raise InvalidRecord([msg], {"template": [msg]})
        existing = self.onboarding(account_id)
        plan = onboarding_rules.apply_template(
            template, start, existing, account_id, cadence_rules.account_lang(account)
        )
        return self._write_plan(plan, existing)

    _ITEM_FIELDS = frozenset(
        {"done", "done_on", "title", "due", "owner_side", "core", "notes", "phase", "first_value"}
    )

    def _check_phase(self, plan: OnboardingPlan, phase: str) -> None:
        phases = onboarding_rules.phase_order(plan)
        if plan.phase_names and phase not in phases:
            msg = f"'{phase}' is not a phase of this plan; phases: {', '.join(phases)}."
            raise InvalidRecord([msg], {"phase": [msg]})

    @staticmethod
    def _one_first_value(items: list[OnboardingItem], keep: str) -> list[OnboardingItem]:
        """A plan has one first-value milestone: marking one unmarks the others."""
        return [
            it.model_copy(update={"first_value": False}) if it.first_value and it.id != keep else it
            for it in items
        ]

    def set_onboarding_item(self, account_id: str, item_id: str, **changes: Any) -> OnboardingPlan:
        """Change one item: done (sets done_on to today, or clears it), title, due,
        owner_side, core, notes, phase, first_value, done_on."""
        plan = self._require_onboarding_plan(account_id)
        index = next((n for n, it in enumerate(plan.items) if it.id == item_id), None)
        if index is None:
            raise InvalidRecord([f"There is no onboarding item '{item_id}' in this plan."])
        unknown = sorted(set(changes) - self._ITEM_FIELDS)
        if unknown:
            fields = {k: [f"'{k}' cannot be changed on an onboarding item."] for k in unknown}
            raise InvalidRecord([m for ms in fields.values() for m in ms], fields)
        if "phase" in changes:
            self._check_phase(plan, str(changes["phase"]))
        item = plan.items[index]
        data = {**item.model_dump(), **changes}
        if "done" in changes:
            if changes["done"] and not item.done:
                data["done_on"] = changes.get("done_on") or clock.today()
            elif not changes["done"]:
                data["done_on"] = None
        try:
            fresh = OnboardingItem.model_validate(data)
        except ValidationError as exc:
            raise InvalidRecord.from_error(OnboardingItem, exc) from None
        if "due" in changes and fresh.due is not None:
            fresh = fresh.model_copy(update={"offset_days": (fresh.due - plan.start).days})
        items = list(plan.items)
        items[index] = fresh
        if fresh.first_value:
            items = self._one_first_value(items, fresh.id)
        return self._write_plan(plan.model_copy(update={"items": items}), plan)

    def add_onboarding_item(
        self,
        account_id: str,
        *,
        phase: str,
        title: str,
        due: date | None,
        owner_side: str = "us",
        core: bool = True,
        first_value: bool = False,
    ) -> OnboardingPlan:
        """Add an item by hand (kept by every re-apply), after the last item of its phase.

        Without a plan yet, an empty one starting at the contract start (else today) is
        created to hold it.
        """
        account = self._require_account(account_id)
        existing = self.onboarding(account_id)
        plan = existing or OnboardingPlan(
            id="", account_id=account_id, start=account.contract_start or clock.today()
        )
        self._check_phase(plan, phase)
        try:
            item = OnboardingItem.model_validate(
                {
                    "id": f"{onboarding_rules.OWN_PREFIX}{self.store.new_id()}",
                    "phase": phase,
                    "title": title,
                    "due": due,
                    "offset_days": (due - plan.start).days if due is not None else 0,
                    "owner_side": owner_side,
                    "core": core,
                    "first_value": first_value,
                }
            )
        except ValidationError as exc:
            raise InvalidRecord.from_error(OnboardingItem, exc) from None
        items = list(plan.items)
        last = max((n for n, it in enumerate(items) if it.phase == item.phase), default=None)
        items.insert(len(items) if last is None else last + 1, item)
        if item.first_value:
            items = self._one_first_value(items, item.id)
        return self._write_plan(plan.model_copy(update={"items": items}), existing)

    def remove_onboarding_item(self, account_id: str, item_id: str) -> OnboardingPlan:
        """Remove an item; a template item is remembered so re-applying does not revive it."""
        plan = self._require_onboarding_plan(account_id)
        items = [it for it in plan.items if it.id != item_id]
        if len(items) == len(plan.items):
            raise InvalidRecord([f"There is no onboarding item '{item_id}' in this plan."])
        removed = list(plan.removed)
        if not item_id.startswith(onboarding_rules.OWN_PREFIX) and item_id not in removed:
            removed.append(item_id)
        return self._write_plan(plan.model_copy(update={"items": items, "removed": removed}), plan)

    def move_onboarding_item(self, account_id: str, item_id: str, delta: int) -> OnboardingPlan:
        """Move an item ``delta`` places within its phase, stopping at the phase's ends."""
        plan = self._require_onboarding_plan(account_id)
        item = next((it for it in plan.items if it.id == item_id), None)
        if item is None:
            raise InvalidRecord([f"There is no onboarding item '{item_id}' in this plan."])
        slots = [n for n, it in enumerate(plan.items) if it.phase == item.phase]
        group = [plan.items[n] for n in slots]
        at = group.index(item)
        to = min(max(at + delta, 0), len(group) - 1)
        if to == at:
            return plan
        group.insert(to, group.pop(at))
        items = list(plan.items)
        for n, it in zip(slots, group, strict=True):
            items[n] = it
        return self._write_plan(plan.model_copy(update={"items": items}), plan)

    def set_onboarding_kpis(
        self,
        account_id: str,
        *,
        satisfaction: int | None,
        comprehension_ok: bool | None,
        initial_goal_achieved: bool | None,
    ) -> OnboardingPlan:
        """The onboarding KPIs entered in a form (None clears one)."""
        plan = self._require_onboarding_plan(account_id)
        return self._save(
            OnboardingPlan,
            {
                "id": plan.id,
                "satisfaction": satisfaction,
                "comprehension_ok": comprehension_ok,
                "initial_goal_achieved": initial_goal_achieved,
            },
            new=False,
        )

    def onboarding_progress(
        self, account_id: str, as_of: date | None = None
    ) -> onboarding_rules.Progress | None:
        plan = self.onboarding(account_id)
        if plan is None:
            return None
        return onboarding_rules.progress(plan, as_of or clock.today())

    def average_ttv(self, account_ids: Iterable[str] | None = None) -> float | None:
        """Mean time to value in days over the plans whose first value was reached."""
        from cstui.domain.metrics import mean

        wanted = None if account_ids is None else set(account_ids)
        values = [
            ttv
            for plan in self._all(OnboardingPlan)
            if wanted is None or plan.account_id in wanted
            if (ttv := onboarding_rules.plan_ttv(plan)) is not None
        ]
        return mean(values)

    def touchpoints(
        self, account_id: str, as_of: date | None = None
    ) -> list[cadence_rules.Touchpoint]:
        account = self._require_account(account_id)
        return cadence_rules.touchpoints(
            account,
            self.onboarding(account_id),
            self._for_account(Activity, account_id),
            as_of or clock.today(),
        )

    def sync_cadence_tasks(
        self, account_ids: Iterable[str] | None = None, as_of: date | None = None
    ) -> int:
        """One task per executive touchpoint whose window is open; returns records written.

        Idempotent. High and mid touch accounts only (``cadence.CADENCE_TIERS``), not churned
        ones. The task is written in the account's language (``cadence.account_lang``:
        Japanese for a Japanese name or a yen contract): title = the touchpoint, notes = its
        agenda; pre-renewal is high priority. A task is created from 30 days before the due
        date until the window closes (a late one is still worth holding; after that a report
        can no longer count). A touchpoint done by a report completes its open task; done
        tasks are never reopened; an open task keeps the due date the CSM gave it unless the
        touchpoint moved out of reach (renewal date changed).
        """
        day = as_of or clock.today()
        ids = [a.id for a in self.accounts()] if account_ids is None else list(account_ids)
        unscored = self.settings.health.unscored_stages
        writes: list[tuple[str, str, dict[str, Any] | None]] = []
        for account_id in ids:
            account = self.account(account_id)
            if (
                account is None
                or account.stage in unscored
                or account.tier not in cadence_rules.CADENCE_TIERS
            ):
                continue
            points = self.touchpoints(account_id, day)
            if not points:
                continue
            lang = cadence_rules.account_lang(account)
            live = self._keyed_tasks(account_id, f"cadence:{account_id}:")
            for point in points:
                key = f"cadence:{account_id}:{point.kind.value}"
                tasks = live.get(key, [])
                open_task = next((t for t in tasks if not t.done), None)
                write: tuple[str, str, dict[str, Any] | None] | None = None
                if point.status == "done":
                    if open_task is not None:
                        write = self._task_put(open_task, {"done": True, "done_on": point.done_on})
                elif open_task is not None:
                    due = open_task.due
                    if due is None or not point.opens <= due <= point.closes:
                        write = self._task_put(open_task, {"due": point.due})
                elif any(t.due is not None and abs((t.due - point.due).days) <= 180 for t in tasks):
                    pass  # done by hand for this term: never reopened
                elif point.opens <= day <= point.closes:
                    task_id = f"{key}:{point.due.isoformat()}"
                    if self.store.get(Task.table, task_id, include_deleted=True) is None:
                        write = self._task_put(
                            None,
                            {
                                "account_id": account_id,
                                "title": point.label(lang),
                                "notes": point.agenda(lang),
                                "due": point.due,
                                "priority": Priority.HIGH
                                if point.kind is cadence_rules.TouchpointKind.PRE_RENEWAL
                                else Priority.NORMAL,
                                "source": TaskSource.CADENCE,
                                "owner": account.owner or self.user,
                                "key": key,
                            },
                            new_id=task_id,
                        )
                if write is not None:
                    writes.append(write)
        return self._write_all(writes)

    def _after_activity(self, activity: Activity) -> None:
        """Hooks of a logged (or edited) activity: a report or QBR completes the open
        cadence task of the touchpoint it counts for; a report sent through the champion
        gets a follow-up task a week later ("how did the executive receive it?")."""
        from datetime import timedelta

        account = self.account(activity.account_id)
        if account is None:
            return
        writes: list[tuple[str, str, dict[str, Any] | None]] = []
        if activity.kind in cadence_rules.REPORT_KINDS:
            day = max(clock.today(), activity.date)
            live = self._keyed_tasks(account.id, f"cadence:{account.id}:")
            for point in self.touchpoints(account.id, day):
                if point.activity_id != activity.id:
                    continue
                for task in live.get(f"cadence:{account.id}:{point.kind.value}", []):
                    if not task.done:
                        write = self._task_put(task, {"done": True, "done_on": activity.date})
                        if write is not None:
                            writes.append(write)
        if activity.via_champion and activity.kind is ActivityKind.EXEC_REPORT:
            key = f"followup:{activity.id}"
            if self.store.get(Task.table, key, include_deleted=True) is None:
                lang = cadence_rules.account_lang(account)
                contacts = self.contacts(account.id)
                champions = [c for c in contacts if c.role is ContactRole.CHAMPION]
                named = [c for c in champions if c.id in activity.participants]
                active = [c for c in champions if c.active]
                found = named or active or champions
                who = found[0] if found else None
                if lang == "ja":
                    name = f"{who.name}さん" if who is not None else "チャンピオン"
                    title = f"{name}に、決裁者が報告をどう受け止めたか確認する"
                else:
                    name = who.name if who is not None else "the champion"
                    title = f"Ask {name} how the executive received the report"
                write = self._task_put(
                    None,
                    {
                        "account_id": account.id,
                        "title": title,
                        "notes": activity.summary,
                        "due": activity.date + timedelta(days=7),
                        "priority": Priority.NORMAL,
                        "source": TaskSource.CADENCE,
                        "owner": self.user,
                        "key": key,
                    },
                    new_id=key,
                )
                if write is not None:
                    writes.append(write)
        self._write_all(writes)

    _ACTIVITY_FIELDS = frozenset(
        {"kind", "date", "summary", "participants", "sentiment", "via_champion", "story"}
    )

    def update_activity(self, activity_id: str, changes: Mapping[str, Any]) -> Activity:
        """Edit an activity; who logged it and when stay, the editor and time are added."""
        current = self._get(Activity, activity_id)
        if current is None:
            raise InvalidRecord([f"There is no activity '{activity_id}'."])
        record = current.to_record()
        refused = sorted(
            k for k in changes if k not in self._ACTIVITY_FIELDS and record.get(k) != changes[k]
        )
        if refused:
            fields = {k: [f"'{k}' cannot be changed on an activity."] for k in refused}
            raise InvalidRecord([m for ms in fields.values() for m in ms], fields)
        data = {k: v for k, v in changes.items() if k in self._ACTIVITY_FIELDS}
        if "participants" in data:
            known = {c.id for c in self.contacts(current.account_id)}
            unknown = [p for p in data["participants"] if p not in known]
            if unknown:
                msgs = [f"Participant '{p}' is not a contact of this account." for p in unknown]
                raise InvalidRecord(msgs, {"participants": msgs})
        probe = validate(Activity, {**record, **data})
        if probe.to_record() == record:
            return current
        data.update({"id": activity_id, "edited_by": self.user, "edited_at": clock.now()})
        activity = self._save(Activity, data, new=False)
        self._after_activity(activity)
        return activity

    _TASK_FIELDS = frozenset({"title", "due", "priority", "done", "done_on", "notes", "owner"})

    def update_task(self, task_id: str, changes: Mapping[str, Any]) -> Task:
        """Edit a task. Ticking an onboarding task ticks its checklist item too."""
        current = self._get(Task, task_id)
        if current is None:
            raise InvalidRecord([f"There is no task '{task_id}'."])
        record = current.to_record()
        refused = sorted(
            k for k in changes if k not in self._TASK_FIELDS and record.get(k) != changes[k]
        )
        if refused:
            fields = {k: [f"'{k}' cannot be changed on a task."] for k in refused}
            raise InvalidRecord([m for ms in fields.values() for m in ms], fields)
        data = {k: v for k, v in changes.items() if k in self._TASK_FIELDS}
        if "done" in data:
            if data["done"] and not current.done:
                data["done_on"] = data.get("done_on") or clock.today()
            elif not data["done"]:
                data["done_on"] = None
        task = self._save(Task, {**data, "id": task_id}, new=False)
        if task.done != current.done and task.key.startswith("onboarding:") and task.account_id:
            plan = self.onboarding(task.account_id)
            prefix = f"onboarding:{plan.id}:" if plan is not None else ""
            if plan is not None and task.key.startswith(prefix):
                item_id = task.key.removeprefix(prefix)
                item = next((it for it in plan.items if it.id == item_id), None)
                if item is not None and item.done != task.done:
                    self.set_onboarding_item(task.account_id, item_id, done=task.done)
        return task

    def delete_task(self, task_id: str) -> None:
        """Delete a task (a tombstone, so sync can pass it on; generated ones stay gone)."""
        if self._get(Task, task_id) is None:
            raise InvalidRecord([f"There is no task '{task_id}'."])
        self.store.delete(Task.table, task_id)

    # --- kpis, renewals and voc ---
    # This block may only add to the class: the names below are imported in the class body
    # for the annotations only (they are strings at run time); bodies import locally.
    from cstui.domain import renewals as _kpi
    from cstui.domain import tiers as _tiers
    from cstui.domain import voc as _voc
    from cstui.domain.models import Forecast as _Forecast
    from cstui.domain.models import LoopStatus as _LoopStatus
    from cstui.domain.models import Outcome as _Outcome
    from cstui.domain.models import Renewal as _Renewal
    from cstui.surveys import ImportReport as _ImportReport

    @property
    def kpi_config(self) -> _kpi.KPIConfig:
        """Shipped kpis.toml overlaid with the user's (a broken user file keeps defaults)."""
        from cstui.domain import renewals as kpi
        from cstui.paths import config_dir

        cached = self.__dict__.get("_kpi_cfg")
        if isinstance(cached, kpi.KPIConfig):
            return cached
        cfg = kpi.default_kpi_config()
        errors: list[str] = []
        path = config_dir() / "kpis.toml"
        if path.is_file():
            try:
                cfg = kpi.parse_kpi_config(path.read_text(encoding="utf-8"), str(path), cfg)
            except kpi.KPIConfigError as exc:
                errors.append(f"{exc} (the default KPI settings are used instead)")
            except (OSError, UnicodeDecodeError) as exc:
                errors.append(f"{path}: cannot be read ({exc}); defaults are used.")
        self.__dict__["_kpi_cfg"] = cfg
        self.__dict__["kpi_config_errors"] = errors
        return cfg

    def _bands(self) -> dict[str, str]:
        return {k: str(v.get("band", "unknown")) for k, v in self._health_summaries().items()}

    def _bands_at(self, day: date) -> list[_kpi.BandRow]:
        """Each account's band on ``day``: its last stored score on or before that day."""
        from cstui.domain import renewals as kpi
        from cstui.domain.health import band_for

        if day >= clock.today():
            return [kpi.BandRow(k, v) for k, v in self._bands().items()]
        iso = day.isoformat()
        rows = []
        for account_id, summary in self._health_summaries().items():
            points = [p for p in summary.get("history", []) if p[0] <= iso]
            score = points[-1][1] if points else None
            rows.append(kpi.BandRow(account_id, band_for(score, self.settings.health).value))
        return rows

    def _recorded_renewals(self, account_id: str | None = None) -> list[_Renewal]:
        from cstui.domain.models import Renewal

        model = Renewal
        return self._for_account(model, account_id) if account_id else self._all(model)

    def renewals(self, account_id: str | None = None) -> list[_Renewal]:
        """Recorded renewals plus the ones the accounts imply (``implied=True``), by due date.

        See :func:`cstui.domain.renewals.implied_renewals`: the next renewal of each account
        is always there (open until an outcome is recorded), past anniversaries of current
        customers count as renewed, churned accounts without a record as churned.
        """
        from cstui.domain import renewals as kpi

        recorded = self._recorded_renewals(account_id)
        if account_id:
            account = self.account(account_id)
            accounts = [account] if account is not None else []
        else:
            accounts = self.accounts()
        implied = kpi.implied_renewals(accounts, recorded, bands=self._bands(), today=clock.today())
        return sorted(recorded + implied, key=lambda r: (r.due, r.account_id))

    def _renewal_for(self, account: Account, due: date | None) -> _Renewal:
        """The stored renewal due on ``due`` (default: the account's renewal date), or a new
        unsaved one at the account's ARR."""
        from cstui.domain import renewals as kpi
        from cstui.domain.models import Renewal

        day = due or account.renewal_date
        if day is None:
            msg = f"{account.name} has no renewal date; set one on the account first."
            raise InvalidRecord([msg], {"due": [msg]})
        rid = kpi.renewal_id(account.id, day)
        stored = self._get(Renewal, rid)
        if stored is not None:
            return stored
        implied = [r for r in self.renewals(account.id) if r.id == rid]
        if implied:
            return implied[0].model_copy(update={"implied": False})
        return Renewal(
            id=rid, account_id=account.id, due=day, arr_due=account.arr, currency=account.currency
        )

    def record_renewal_outcome(
        self,
        account_id: str,
        *,
        outcome: _Outcome | str,
        new_arr: int | None = None,
        churn_reason: str | None = None,
        closed_on: date | None = None,
        due: date | None = None,
        notes: str | None = None,
    ) -> _Renewal:
        """Record what happened at the account's current renewal (or the one due on ``due``).

        Creates the renewal record when missing. Churned: the account's stage becomes
        churned (``churn_reason`` must be a configured reason). Renewed / expanded /
        downgraded: the account's ARR becomes ``new_arr`` (renewed defaults to the ARR due)
        and, if the account's renewal date is this renewal's, it moves on by one year; a
        churned or renewal-stage account goes back to adoption. Renewal and account are
        written in one transaction; the account's health is rescored.
        """
        from cstui.domain import renewals as kpi
        from cstui.domain.models import Outcome, Renewal, Stage

        account = self._require_account(account_id)
        try:
            result = Outcome(outcome)
        except ValueError:
            choices = ", ".join(o.value for o in Outcome)
            msg = f"'{outcome}' is not an outcome; choose one of: {choices}."
            raise InvalidRecord([msg], {"outcome": [msg]}) from None
        current = self._renewal_for(account, due)
        if result is Outcome.CHURNED:
            amount: int | None = 0
        elif result is Outcome.RENEWED and new_arr is None:
            amount = current.arr_due
        else:
            amount = new_arr
        data = {
            **current.to_record(),
            "outcome": result,
            "new_arr": amount,
            "churn_reason": churn_reason if result is Outcome.CHURNED else None,
            "closed_on": closed_on or clock.today(),
            "implied": False,
        }
        if notes is not None:
            data["notes"] = notes
        renewal = validate(Renewal, data)
        problems = kpi.check_outcome(renewal, self.kpi_config.churn_reasons)
        if problems:
            raise InvalidRecord([m for ms in problems.values() for m in ms], problems)
        changes: dict[str, Any] = {}
        if result is Outcome.CHURNED:
            changes["stage"] = Stage.CHURNED.value
        else:
            changes["arr"] = renewal.new_arr
            if account.renewal_date == renewal.due:
                changes["renewal_date"] = kpi.add_years(renewal.due, 1).isoformat()
            if account.stage in (Stage.CHURNED, Stage.RENEWAL):
                changes["stage"] = Stage.ADOPTION.value
        current_account = self.store.get(Account.table, account.id) or {}
        fresh = validate(Account, {**current_account, **changes}).to_record()
        changed = changed_fields(current_account, fresh)
        with self.store.transaction() as txn:
            txn.put(Renewal.table, renewal.id, renewal.to_record())
            if changed:
                txn.put(Account.table, account.id, changed)
        self.refresh_health([account.id])
        return renewal

    def set_forecast(
        self, account_id: str, forecast: _Forecast | str, *, due: date | None = None
    ) -> _Renewal:
        """Set the forecast category of the account's current renewal (recording it)."""
        from cstui.domain.models import Forecast, Renewal

        account = self._require_account(account_id)
        try:
            value = Forecast(forecast)
        except ValueError:
            choices = ", ".join(f.value for f in Forecast)
            msg = f"'{forecast}' is not a forecast; choose one of: {choices}."
            raise InvalidRecord([msg], {"forecast": [msg]}) from None
        current = self._renewal_for(account, due)
        renewal = validate(Renewal, {**current.to_record(), "forecast": value, "implied": False})
        self.store.put(Renewal.table, renewal.id, renewal.to_record())
        return renewal

    def renewals_by_month(
        self, start: date | None = None, months: int = 12, slice: str = "all"
    ) -> list[_kpi.MonthRow]:
        """The renewals screen: ``months`` rows from ``start``'s month (default: this month)."""
        from cstui.domain import renewals as kpi

        keep = self._slice(slice)
        ids = {a.id for a in self.accounts() if keep(a)}
        items = [r for r in self.renewals() if r.account_id in ids]
        return kpi.renewals_by_month(items, start or clock.today(), months)

    def _slice(self, slice: str) -> Callable[[Account], bool]:
        from cstui.domain import renewals as kpi

        try:
            return kpi.parse_slice(slice, self.user)
        except ValueError as exc:
            raise InvalidRecord([str(exc)], {"slice": [str(exc)]}) from None

    def _period(self, period: str) -> _kpi.Period:
        from cstui.domain import renewals as kpi

        try:
            return kpi.Period.parse(period)
        except ValueError as exc:
            raise InvalidRecord([str(exc)], {"period": [str(exc)]}) from None

    def _kpis_for(
        self, period: _kpi.Period, slice: str, renewals: list[_Renewal]
    ) -> _kpi.KPIReport:
        from cstui.domain import renewals as kpi

        self._slice(slice)
        return kpi.compute_kpis(
            self.accounts(),
            renewals,
            self._all(SurveyResponse),
            self._all(OnboardingPlan),
            self._bands_at(period.end),
            period,
            slice,
            user=self.user,
            config=self.kpi_config,
        )

    def kpi_report(self, period: str, slice: str = "all") -> _kpi.KPIReport:
        """Every KPI for a period ("2026Q3", "2026-09", "2026") and slice (all, mine,
        tier:high|mid|tech, owner:NAME). Health uses the bands at the period's end."""
        return self._kpis_for(self._period(period), slice, self.renewals())

    def kpi_trend(self, period: str, n: int = 4, slice: str = "all") -> list[_kpi.KPIReport]:
        """Reports for the ``n`` periods ending with ``period``, oldest first."""
        renewals = self.renewals()
        return [self._kpis_for(p, slice, renewals) for p in self._period(period).last(n)]

    def import_surveys(self, text: str) -> _ImportReport:
        """Import a CSV of survey responses: all rows or none (see :mod:`cstui.surveys`).

        Rescores the accounts answered for, so a detractor raises its alert at once.
        """
        from cstui.surveys import import_surveys, validate_surveys

        responses, report = validate_surveys(self, text)
        if report.errors:
            return report
        report = import_surveys(self, text)
        self.refresh_health(sorted({r.account_id for r in responses}))
        return report

    # voice of the customer
    def _request_data(self, data: Mapping[str, Any]) -> dict[str, Any]:
        out = dict(data)
        problems: dict[str, list[str]] = {}
        for account_id in out.get("account_ids") or []:
            if self.account(account_id) is None:
                problems.setdefault("account_ids", []).append(
                    f"There is no account with id '{account_id}'."
                )
        for contact_id in out.get("contact_ids") or []:
            if self._get(Contact, contact_id) is None:
                problems.setdefault("contact_ids", []).append(
                    f"There is no contact with id '{contact_id}'."
                )
        if problems:
            raise InvalidRecord([m for ms in problems.values() for m in ms], problems)
        return out

    def add_request(self, data: Mapping[str, Any]) -> FeatureRequest:
        """A new feature request / feedback (title, verbatim, account_ids, contact_ids)."""
        payload = self._request_data(data)
        payload.setdefault("created", clock.today())
        return self._save(FeatureRequest, payload, new=True)

    def update_request(self, request_id: str, changes: Mapping[str, Any]) -> FeatureRequest:
        payload = self._request_data(changes)
        return self._save(FeatureRequest, {**payload, "id": request_id}, new=False)

    def set_request_status(self, request_id: str, status: _LoopStatus | str) -> FeatureRequest:
        """Move the loop (listening → analysing → acting → told → monitoring); any step may
        be chosen, so a mistake can be undone."""
        return self.update_request(request_id, {"status": status})

    def ship_request(self, request_id: str) -> list[Task]:
        """Mark shipped and create a "tell the customer" task per requesting account.

        Tasks have source ``voc`` and key ``voc:{request}:{account}`` (shipping twice adds
        none), are due in a week and go to the account's owner. The loop stays at
        ``acting`` until every one of them is done, then reads ``told``
        (:func:`cstui.domain.voc.loop_status`; :meth:`close_told_loops` stores it).
        """
        from datetime import timedelta

        from cstui.domain import voc
        from cstui.domain.models import LoopStatus

        request = self._get(FeatureRequest, request_id)
        if request is None:
            raise InvalidRecord([f"There is no request '{request_id}'."])
        status = request.status
        if status in (LoopStatus.LISTENING, LoopStatus.ANALYSING):
            status = LoopStatus.ACTING
        existing = {t.key for t in self._all(Task) if t.key.startswith(f"voc:{request.id}:")}
        due = clock.today() + timedelta(days=7)
        tasks: list[Task] = []
        for account_id in request.account_ids:
            account = self.account(account_id)
            key = voc.tell_task_key(request.id, account_id)
            if account is None or key in existing:
                continue
            tasks.append(
                validate(
                    Task,
                    {
                        "id": self.store.new_id(),
                        "title": f"Tell {account.name} that “{request.title}” has shipped",
                        "account_id": account_id,
                        "due": due,
                        "source": TaskSource.VOC,
                        "owner": account.owner or self.user,
                        "key": key,
                    },
                )
            )
        fresh = request.model_copy(update={"shipped": True, "status": status}).to_record()
        current = self.store.get(FeatureRequest.table, request.id) or {}
        changed = changed_fields(current, fresh)
        with self.store.transaction() as txn:
            if changed:
                txn.put(FeatureRequest.table, request.id, changed)
            for task in tasks:
                txn.put(Task.table, task.id, task.to_record())
        return tasks

    def request_tasks(self, request_id: str) -> list[Task]:
        """The "tell the customer" tasks of a request, done or not."""
        prefix = f"voc:{request_id}:"
        return [t for t in self._all(Task) if t.key.startswith(prefix)]

    def request_status(self, request_id: str) -> _LoopStatus:
        """The loop status, ``told`` as soon as every tell task of a shipped request is done."""
        from cstui.domain import voc

        request = self._get(FeatureRequest, request_id)
        if request is None:
            raise InvalidRecord([f"There is no request '{request_id}'."])
        return voc.loop_status(request, self.request_tasks(request_id))

    def close_told_loops(self) -> int:
        """Store ``told`` on shipped requests whose tell tasks are all done; returns how many.

        Call after completing tasks (the status already *reads* told without it).
        """
        from cstui.domain import voc
        from cstui.domain.models import LoopStatus

        tasks = [t for t in self._all(Task) if t.key.startswith("voc:")]
        closed = 0
        for request in self.requests():
            if voc.loop_status(request, tasks) != request.status:
                self._save(
                    FeatureRequest,
                    {"id": request.id, "status": LoopStatus.TOLD},
                    new=False,
                )
                closed += 1
        return closed

    def ranked_requests(self) -> list[_voc.RankedRequest]:
        """Requests by the ARR of the accounts asking (mixed currencies converted with the
        kpis.toml rates into its report currency), then by ARR at risk (red band)."""
        from cstui.domain import voc

        accounts = {a.id: a for a in self.accounts()}
        cfg = self.kpi_config
        tasks = [t for t in self._all(Task) if t.key.startswith("voc:")]
        requests = self.requests()
        statuses = {r.id: voc.loop_status(r, tasks) for r in requests}
        return voc.rank_requests(
            requests,
            accounts,
            self._bands(),
            currency=cfg.report_currency,
            rates=cfg.rates,
            statuses=statuses,
        )

    def tier_suggestions(self) -> list[_tiers.TierSuggestion]:
        """Accounts whose ARR has crossed a tier threshold (kpis.toml ``[tiers.*]``)."""
        from cstui.domain import tiers

        return tiers.tier_suggestions(self.accounts(), self.kpi_config)

    # --- qbr ---
    # Quarterly business reviews (issue 6). Every number comes from the rule that computes it
    # elsewhere (health, objective status, roi.compute, metrics.nps); cstui/domain/qbr.py only
    # selects and words them and cstui/report/qbr.py renders them. A delivered review reads
    # its frozen snapshot, never live data, so it stays what the customer was shown.
    # Names imported in the class body are for the annotations only; bodies import locally.
    from cstui.domain.models import QBR as _QBR
    from cstui.domain.qbr import QBRData as _QBRData
    from cstui.domain.renewals import Period as _Period

    @staticmethod
    def _qbr_period(period: str | None) -> _Period:
        from cstui.domain import qbr as q

        try:
            return q.parse_period(period or q.default_period(clock.today()))
        except ValueError as exc:
            raise InvalidRecord([str(exc)]) from None

    def qbr_record(self, account_id: str, period: str) -> _QBR | None:
        """The stored review of a quarter, or None (never creates one, unlike :meth:`qbr`)."""
        from cstui.domain.models import QBR

        return self._get(QBR, f"{account_id}:{period}")

    def qbr_data(self, account_id: str, period: str | None = None, lang: str = "en") -> _QBRData:
        """The review's numbers: live, or the frozen snapshot once it was delivered."""
        from cstui.domain import qbr as q
        from cstui.domain.models import QBRStatus

        account = self._require_account(account_id)
        p = self._qbr_period(period)
        record = self.qbr_record(account_id, p.label)
        if record is not None and record.status is QBRStatus.DELIVERED and record.frozen:
            return q.from_json(record.frozen["data"])
        return self._qbr_live(account, p, lang, record)

    def _qbr_live(self, account: Account, p: _Period, lang: str, record: _QBR | None) -> _QBRData:
        from cstui import i18n
        from cstui.domain import qbr as q
        from cstui.domain import roi
        from cstui.domain.models import QBR, LoopStatus, QBRStatus
        from cstui.domain.success import summarize

        today = clock.today()
        if p.start > today:
            raise InvalidRecord([f"{p.label} has not started yet."])
        aid = account.id
        end = min(p.end, today)  # a quarter still running: its numbers so far
        h_start = self.health(aid, as_of=p.start).score
        h_end = self.health(aid, as_of=end).score
        points = dict(self.health_series(aid, days=(end - p.start).days, step=7, as_of=end))
        points = {d: s for d, s in points.items() if p.start <= d <= end}
        for day, score in ((p.start, h_start), (end, h_end)):  # ends = the headline numbers
            if score is None:
                points.pop(day, None)
            else:
                points[day] = score
        usage = self.usage(aid)
        snaps = usage.snapshots if usage is not None else []
        in_period = [s for s in snaps if p.start <= s.date <= end]
        upto = [s for s in snaps if s.date <= end]
        last = upto[-1] if upto else None
        surveys = [s for s in self.surveys(aid) if p.start <= s.date <= end]
        plan = self.success_plan(aid)
        ratio = self.settings.health.on_track_ratio
        kpis: list[q.KPIRow] = []
        for obj in plan.objectives if plan is not None else []:
            if obj.kpi is None:
                continue
            s = summarize(obj, end, ratio, account.contract_start)
            kpis.append(
                q.KPIRow(
                    objective=obj.title,
                    audience=obj.audience.value,
                    kpi=obj.kpi.name,
                    unit=obj.kpi.unit,
                    baseline=obj.kpi.baseline,
                    current=s.current,
                    target=obj.kpi.target,
                    progress=s.progress,
                    status=None if s.status is None else s.status.value,
                )
            )
        roi_period = roi_ytd = None
        if plan is not None and plan.roi is not None:
            roi_period, roi_ytd = q.roi_rows(
                roi.compute(plan.roi),
                plan.roi.annual_fee,
                plan.roi.currency,
                p,
                account.contract_start,
            )
        marked = set(record.stories) if record is not None else set()
        stories = [
            q.StoryRow(
                activity_id=a.id,
                date=a.date,
                kind=a.kind.value,
                summary=a.summary,
                marked=(a.id in marked) if record is not None else a.story,
            )
            for a in sorted(self.activities(aid), key=lambda a: (a.date, a.id))
            if p.start <= a.date <= p.end
        ]
        config = self.settings.health
        flags = [
            (
                config.flag_label(f.rule, lang) if f.rule in config.flags.labels else f.rule,
                f.text(lang),
            )
            for f in self.flags(aid)
        ]
        open_requests = [
            r.title
            for r in self.requests()
            if aid in r.account_ids
            and not r.shipped
            and r.status not in (LoopStatus.TOLD, LoopStatus.MONITORING)
        ]
        point = cadence_rules.next_touchpoint(self.touchpoints(aid))
        previous = max(
            (
                r
                for r in self._for_account(QBR, aid)
                if r.status is QBRStatus.DELIVERED and r.frozen and r.period < p.label
            ),
            key=lambda r: r.period,
            default=None,
        )
        before = (
            None
            if previous is None or previous.frozen is None
            else q.from_json(previous.frozen["data"])
        )
        data = q.QBRData(
            account_id=aid,
            account=q.AccountInfo(
                name=account.name,
                tier=account.tier.value,
                stage=account.stage.value,
                arr=account.arr,
                currency=account.currency,
                renewal_date=account.renewal_date,
                owner=account.owner,
            ),
            period=p.label,
            period_start=p.start,
            period_end=p.end,
            as_of=today,
            lang=lang,
            health_start=h_start,
            health_end=h_end,
            health_series=sorted(points.items()),
            usage_series=[(s.date, s.active_users, s.logins) for s in in_period],
            adoption=q.Adoption(
                active_users=None if last is None else last.active_users,
                seats=account.seats,
                features_used=None if last is None else last.features_used,
                features_total=None if usage is None else usage.features_total,
            ),
            support=None if last is None else last.open_tickets,
            nps=[s.score for s in surveys if s.kind is SurveyKind.NPS],
            csat=[s.score for s in surveys if s.kind is SurveyKind.CSAT],
            kpis=kpis,
            roi_period=roi_period,
            roi_ytd=roi_ytd,
            stories=stories,
            risks=q.risk_lines(flags, kpis, open_requests, lang),
            next_steps=q.next_step_lines(
                account.upsell_ideas,
                None if point is None else (point.label(lang), point.due, point.agenda(lang)),
                lang,
            ),
            changes=[],
            previous_period=None if previous is None else previous.period,
        )
        data.changes = q.change_lines(before, data, lang)
        data.summary_draft = q.draft_summary(data, lang, i18n.money)
        return data

    def qbr_view(self, account_id: str, period: str) -> _QBR:
        """The stored review, or the draft it would start as, unsaved: viewing writes nothing.

        Stories the timeline already marked as success stories start marked.
        """
        from cstui.domain.models import QBR

        self._require_account(account_id)
        p = self._qbr_period(period)
        existing = self.qbr_record(account_id, p.label)
        if existing is not None:
            return existing
        stories = sorted(
            a.id
            for a in self._for_account(Activity, account_id)
            if a.story and p.start <= a.date <= p.end
        )
        data = {"id": f"{account_id}:{p.label}", "account_id": account_id, "period": p.label}
        return validate(QBR, {**data, "stories": stories})

    def qbr(self, account_id: str, period: str) -> _QBR:
        """The review record of a quarter, saved as a draft on first use."""
        from cstui.domain.models import QBR

        view = self.qbr_view(account_id, period)
        if self.qbr_record(account_id, view.period) is not None:
            return view
        return self._save(QBR, view.to_record(), new=True)

    def _qbr_editable(self, account_id: str, period: str) -> _QBR:
        from cstui.domain.models import QBRStatus

        record = self.qbr(account_id, period)
        if record.status is QBRStatus.DELIVERED:
            raise InvalidRecord([f"This QBR was delivered on {record.delivered_on} and is frozen."])
        return record

    def update_qbr_section(self, account_id: str, period: str, section: str, text: str) -> _QBR:
        from cstui.domain import qbr as q
        from cstui.domain.models import QBR

        if section not in q.SECTIONS:
            raise InvalidRecord(
                [f"'{section}' is not a QBR section; use one of {', '.join(q.SECTIONS)}."]
            )
        record = self._qbr_editable(account_id, period)
        sections = {**record.sections, section: text}
        return self._save(QBR, {"id": record.id, "sections": sections}, new=False)

    def mark_story(self, account_id: str, period: str, activity_id: str, marked: bool) -> _QBR:
        from cstui.domain.models import QBR

        record = self._qbr_editable(account_id, period)
        activity = self._get(Activity, activity_id)
        if activity is None or activity.account_id != account_id:
            raise InvalidRecord([f"Activity '{activity_id}' is not one of this account's."])
        stories = [s for s in record.stories if s != activity_id]
        if marked:
            stories.append(activity_id)
        return self._save(QBR, {"id": record.id, "stories": stories}, new=False)

    def set_qbr_status(
        self, account_id: str, period: str, status: str, *, lang: str | None = None
    ) -> _QBR:
        """draft ⇄ ready → delivered. Delivering freezes the numbers and the edited text,
        logs a QBR activity and schedules a follow-up task 14 days later; a delivered review
        never goes back (what the customer saw must stay readable as it was)."""
        from datetime import timedelta

        from cstui.domain import qbr as q
        from cstui.domain.models import QBR, QBRStatus

        try:
            target = QBRStatus(status)
        except ValueError:
            raise InvalidRecord(
                [f"'{status}' is not a QBR status; use draft, ready or delivered."]
            ) from None
        record = self.qbr(account_id, period)
        if record.status is QBRStatus.DELIVERED:
            if target is QBRStatus.DELIVERED:
                return record
            raise InvalidRecord([f"This QBR was delivered on {record.delivered_on} and is frozen."])
        if target is not QBRStatus.DELIVERED:
            return self._save(QBR, {"id": record.id, "status": target}, new=False)
        account = self._require_account(account_id)
        words = lang or cadence_rules.account_lang(account)
        data = self.qbr_data(account_id, record.period, words)
        today = clock.today()
        frozen = {
            "data": q.to_json(data),
            "sections": dict(record.sections),
            "stories": list(record.stories),
        }
        saved = self._save(
            QBR,
            {"id": record.id, "status": target, "frozen": frozen, "delivered_on": today},
            new=False,
        )
        if words == "ja":
            summary = f"QBR {record.period} を実施"
            title = f"QBR {record.period} のフォローアップ：要約と合意した次のステップを送る"
        else:
            summary = f"QBR {record.period} delivered"
            title = f"Follow up on QBR {record.period}: send the summary and agreed next steps"
        self.log_activity(account_id, summary, kind=ActivityKind.QBR, day=today)
        key = f"qbr-followup:{account_id}:{record.period}"
        if self.store.get(Task.table, key, include_deleted=True) is None:
            write = self._task_put(
                None,
                {
                    "account_id": account_id,
                    "title": title,
                    "due": today + timedelta(days=14),
                    "priority": Priority.NORMAL,
                    "source": TaskSource.QBR,
                    "owner": self.user,
                    "key": key,
                },
                new_id=key,
            )
            if write is not None:
                self._write_all([write])
        return saved

    def qbrs_due(self, as_of: date | None = None) -> list[tuple[str, str, date, str]]:
        """(account id, period, due date, "due" | "overdue") for every high- or mid-touch,
        not churned account whose review of the last full quarter is not delivered yet.
        Due 30 days after the quarter ends; accounts whose contract started after the
        quarter are skipped (nothing to review)."""
        from cstui.domain import qbr as q
        from cstui.domain.models import QBRStatus, Stage, Tier

        day = as_of or clock.today()
        p = q.parse_period(q.default_period(day))
        due = q.due_date(p)
        out: list[tuple[str, str, date, str]] = []
        for account in sorted(self.accounts(), key=lambda a: (fold(a.name), a.id)):
            if account.tier not in (Tier.HIGH, Tier.MID) or account.stage is Stage.CHURNED:
                continue
            if account.contract_start is not None and account.contract_start > p.end:
                continue
            record = self.qbr_record(account.id, p.label)
            if record is not None and record.status is QBRStatus.DELIVERED:
                continue
            out.append((account.id, p.label, due, "overdue" if day > due else "due"))
        return out

    # --- sync ---
    # The UI's door to the CRM sync (cstui.sync). Status, conflicts and resolving are local
    # and use this store; a run opens its own Store on the same folder so nothing commits
    # through this one from a worker thread (subscribers fire in the committing thread);
    # the app's poll then picks the sync's writes up on the UI thread.
    def _sync_service(self, store: Store | None = None) -> _SyncService:
        from cstui.sync import SyncService

        return SyncService(store or self.store)

    def sync_setup_problem(self) -> str | None:
        """Why a sync cannot start (no token, bad sync.toml), or None; no network."""
        from cstui.sync import SyncError

        try:
            service = self._sync_service()
            service.config.token(service.adapter_name)
        except SyncError as exc:
            return str(exc)
        return None

    def sync_status(self) -> _SyncStatus:
        """Pending, conflicts, last sync (~0.2 s at 40k records: call it from a thread)."""
        return self._sync_service().status()

    def sync_conflicts(self) -> list[_Conflict]:
        return self._sync_service().list_conflicts()

    def resolve_conflict(self, conflict_id: str, choice: str, value: Any = None) -> _Conflict:
        """Keep ``mine``, take ``theirs`` or ``edit``; raises ResolveError if invalid."""
        return self._sync_service().resolve(conflict_id, choice, value)

    def run_sync(
        self,
        progress: Callable[[_Progress], None] | None = None,
        cancel: threading.Event | None = None,
    ) -> _SyncReport:
        """One full sync on a second Store of this folder (for a worker thread).

        Raises ``SyncError`` (``Cancelled`` when ``cancel`` was set).
        """
        store = Store(self.store.data_dir, actor=self.store.actor, team=self.store.team)
        try:
            return self._sync_service(store).run(progress=progress, cancel=cancel)
        finally:
            store.close(checkpoint=False)
