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
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from cstui import clock
from cstui.config import Settings, load_settings
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
    Contact,
    FeatureRequest,
    InvalidRecord,
    OnboardingPlan,
    Priority,
    Record,
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
from cstui.store import Change, Store

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
        record = self.store.get(model.table, id)
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
        if self._last_touch is None:
            summary = self._health_summaries().get(account_id)
            if summary is not None and "last_touch" in summary:
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
        if self._latest_nps is None:
            summary = self._health_summaries().get(account_id)
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
            self._rows = {
                r["id"]: self._decorate(build_row(r, self.last_touch(r["id"]), today))
                for r in self.store.scan(Account.table)
            }
        return list(self._rows.values())

    def _decorate(self, row: PortfolioRow) -> PortfolioRow:
        """Health, trend, flags and NPS from the stored summaries (no recomputation)."""
        summary = self._health_summaries().get(row.id)
        if summary is not None:
            row.health = summary.get("score")
            row.band = summary.get("band", "unknown")
            row.flags = tuple(summary.get("flags", ()))
            row.trend = summary.get("trend")
        row.nps = self.latest_nps(row.id)
        return row

    def _refresh_row(self, account_id: str) -> None:
        assert self._rows is not None
        record = self.store.get(Account.table, account_id)
        if record is None:
            self._rows.pop(account_id, None)
        else:
            day = self._rows_day or clock.today()
            self._rows[account_id] = self._decorate(
                build_row(record, self.last_touch(account_id), day)
            )

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
