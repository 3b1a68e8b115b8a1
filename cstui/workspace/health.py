"""Health: scores, flags and alerts per account, their daily history and manual ratings.

Scores are computed by :mod:`cstui.domain.health` from the account's data; the latest score,
band, flags and history are stored per account (``health`` table) so the portfolio's first
frame needs no computation. Depends on :mod:`.onboarding` and :mod:`.success_plans`
(both are health inputs).
"""

from __future__ import annotations

import contextlib
import functools
import gc
import hashlib
import json
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from datetime import date, timedelta
from functools import cached_property
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from cstui import clock, i18n
from cstui.config import Settings
from cstui.domain.enums import SurveyKind, Table
from cstui.domain.health import HealthInputs, HealthResult, compute_health, stored_trend
from cstui.domain.light import (
    LightAccount,
    LightActivity,
    LightContact,
    LightOnboarding,
    LightSuccessPlan,
    LightSurvey,
    LightUsage,
    SurveyLike,
)
from cstui.domain.score_history import (
    Point,
    advance,
    archived_months,
    daily_of,
    latest_on_or_before,
    merged,
    month_points,
    month_record,
    month_table,
    oldest_kept_month,
    reopened,
    stored_points,
    table_month,
    window_start,
)
from cstui.store import Change, NamedLock, Store, gc_paused
from cstui.workspace.onboarding import Onboarding
from cstui.workspace.repo import (
    HEALTH_INPUT_TABLES,
    HEALTH_TABLE,
    RATINGS_TABLE,
    AccountNotFound,
    Unsetting,
    Write,
    changed_fields,
    elsewhere,
    one_step,
    validate_plain,
)
from cstui.workspace.success_plans import SuccessPlans

if TYPE_CHECKING:
    from cstui.domain.alerts import Alert, Flag
    from cstui.domain.health_config import ManualRating
    from cstui.domain.models import Record


_SNOOZE_FIELDS = ("snoozed_until", "snooze_reason", "snoozed_by")
_BOOK_PASS = 100
"""More accounts than this make a pass over the book: whole tables are read, not each
account's records."""
_Groups = Mapping[str, Mapping[str, list[dict[str, Any]]]]
"""Stored records by table name, then by account id (each list in id order)."""


@functools.cache
def _input_models() -> tuple[type[Record], ...]:
    """The per-account input tables' models: usage, contacts, activities, surveys,
    onboarding, success plan. Looked up once, not imported again for each account of a
    pass over the book (nor at start-up, which needs no pydantic)."""
    from cstui.domain.models import (
        Activity,
        Contact,
        OnboardingPlan,
        SuccessPlan,
        SurveyResponse,
        UsageHistory,
    )

    return (UsageHistory, Contact, Activity, SurveyResponse, OnboardingPlan, SuccessPlan)


ArchivedScores = Callable[[str, Mapping[str, Sequence[str]]], dict[str, int]]
"""(ISO day, account id -> its archived months) -> each account's latest score on or
before that day in those months (see :meth:`Health.archived_scores`)."""
_PEEK_ARCHIVED = 200
"""Fewer accounts than this are looked up one by one in a month table, more stream it."""
RESCORE_LOCK = "rescore"
"""The named store lock (``rescore.lock``) held by the one process rescoring the whole book."""


class Health(Onboarding, SuccessPlans):
    def __init__(
        self, store: Store, *, user: str | None = None, settings: Settings | None = None
    ) -> None:
        self._summaries: dict[str, dict[str, Any]] | None = None
        super().__init__(store, user=user, settings=settings)

    def _forget(self, ch: Change, account_id: str | None) -> None:
        super()._forget(ch, account_id)
        if ch.table == HEALTH_TABLE and self._summaries is not None:
            # The live record, as _health_summaries() keeps them (read only, never mutated).
            record = self.store.peek(HEALTH_TABLE, ch.id)
            if record is None:
                self._summaries.pop(ch.id, None)
            else:
                self._summaries[ch.id] = record

    def _health_summaries(self) -> dict[str, dict[str, Any]]:
        if self._summaries is None:
            self._summaries = {r["id"]: r for r in self.store.scan(HEALTH_TABLE)}
        return self._summaries

    def _health_summary(self, account_id: str) -> dict[str, Any] | None:
        """One account's stored health summary, without reading the whole table unless
        it is read already (a screen shows one account at a time)."""
        if self._summaries is not None:
            return self._summaries.get(account_id)
        return self.store.peek(HEALTH_TABLE, account_id, keep=False)

    @staticmethod
    def _latest_nps_of(surveys: Iterable[SurveyLike]) -> int | None:
        cutoff = date.fromordinal(clock.today().toordinal() - 365)
        answers = [s for s in surveys if s.kind is SurveyKind.NPS and s.date >= cutoff]
        return max(answers, key=lambda s: (s.date, s.id)).score if answers else None

    def rating(self, account_id: str) -> ManualRating | None:
        record = self.store.peek(RATINGS_TABLE, account_id)
        if record is None:  # most accounts: no import per account in a pass over the book
            return None
        from cstui.domain.health_config import ManualRating

        return ManualRating.model_validate(record)

    def health_inputs(self, account_id: str) -> HealthInputs:
        from cstui.domain.models import Activity, Contact, SurveyResponse

        account = self.account(account_id)
        if account is None:
            raise AccountNotFound(i18n.msg("error.no_account", id=account_id))
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

    def _light_records(self, model: type[Record], account_id: str) -> list[dict[str, Any]]:
        """The account's stored records of ``model``, in id order (as ``_for_account``)."""
        peek = self.store.peek
        ids = self._account_ids(model, account_id)
        if not ids:
            return []
        return [r for i in sorted(ids) if (r := peek(model.table, i)) is not None]

    def _grouped(self, model: type[Record]) -> dict[str, list[dict[str, Any]]]:
        """Every stored record of ``model`` by account, each list in id order: one pass over
        the table for a whole-book rescore instead of a lookup per record."""
        out: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for record in self.store.scan(model.table):
            account_id = record.get("account_id")
            if isinstance(account_id, str):
                out[account_id].append(record)
        for records in out.values():
            if len(records) > 1:
                records.sort(key=itemgetter("id"))
        return out

    def light_health_inputs(
        self, account_id: str, groups: _Groups | None = None
    ) -> HealthInputs | None:
        """The score's inputs read straight from the stored records (no pydantic models for
        the account, usage, contacts, activities, surveys, onboarding and success plans):
        the whole-book rescore's path.
        ``groups``: tables already grouped by account (:meth:`_grouped`, by table name).
        None when there is no such account.
        """
        record = self.store.peek(Table.ACCOUNTS, account_id)
        if record is None:
            return None
        usage_model, contact, activity, survey, onboarding_model, plan_model = _input_models()

        def records(model: type[Record]) -> list[dict[str, Any]]:
            group = groups.get(model.table) if groups is not None else None
            if group is None:
                return self._light_records(model, account_id)
            return group.get(account_id, [])

        usage = records(usage_model)
        onboarding = records(onboarding_model)
        plan = records(plan_model)
        return HealthInputs(
            account=LightAccount.from_record(record),
            usage=LightUsage.from_record(usage[0]) if usage else None,
            contacts=[LightContact.from_record(r) for r in records(contact)],
            activities=[LightActivity.from_record(r) for r in records(activity)],
            surveys=[LightSurvey.from_record(r) for r in records(survey)],
            onboarding=LightOnboarding.from_record(onboarding[0]) if onboarding else None,
            success_plan=LightSuccessPlan.from_record(plan[0]) if plan else None,
            override=self.rating(account_id),
        )

    def health(self, account_id: str, as_of: date | None = None) -> HealthResult:
        """The full, explainable result for one account, computed now."""
        day = as_of or clock.today()
        return compute_health(self.health_inputs(account_id), self.settings.health, day)

    def flags(self, account_id: str, as_of: date | None = None) -> list[Flag]:
        from cstui.domain.alerts import compute_flags

        day = as_of or clock.today()
        inputs = self.health_inputs(account_id)
        result = compute_health(inputs, self.settings.health, day)
        return compute_flags(inputs, result, self.settings.health, day)

    def health_history(self, account_id: str) -> list[tuple[date, int]]:
        """Every stored daily score of the account, oldest first: its archived months
        (one record per month table) and the points its summary holds."""
        summary = self._health_summary(account_id) or {}
        archived = self._month_points(account_id, archived_months(summary))
        points = merged(*archived.values(), stored_points(summary))
        return [(date.fromisoformat(d), v) for d, v in points]

    def _month_points(self, account_id: str, months: Iterable[str]) -> dict[str, list[Point]]:
        """The account's points in these months' tables (a month it has no record in:
        left out), read from their places, nothing kept."""
        out: dict[str, list[Point]] = {}
        for month in months:
            record = self.store.peek(month_table(month), account_id, keep=False)
            if record is not None:
                out[month] = month_points(record)
        return out

    def evaluate(
        self,
        account_ids: Iterable[str] | None = None,
        as_of: date | None = None,
        *,
        cache_models: bool = True,
    ) -> list[tuple[HealthResult, list[Flag]]]:
        """Compute health and flags (pure reads; :meth:`record_health` persists them).

        Reads the stored records through :meth:`light_health_inputs` (the same formula as
        :meth:`health`, without building a model per record).

        ``cache_models=False`` for passes over the whole book: the models built for them are
        dropped afterwards instead of staying in memory for the life of the process.
        """
        return self._evaluate(account_ids, as_of or clock.today(), cache_models)[0]

    def _evaluate(
        self,
        account_ids: Iterable[str] | None,
        day: date,
        cache_models: bool,
        *,
        explain: bool = True,
    ) -> tuple[list[tuple[HealthResult, list[Flag]]], _Groups]:
        """:meth:`evaluate`, and the tables it grouped by account (none for a few accounts);
        ``explain=False``: results without their breakdown (only stored, never shown)."""
        if account_ids is not None:
            ids = list(account_ids)
        else:
            ids = [r["id"] for r in self.store.scan(Table.ACCOUNTS)]
        with contextlib.ExitStack() as stack:
            if not cache_models:
                stack.enter_context(self._uncached())
            stack.enter_context(gc_paused())  # many short-lived objects, no cycles
            groups: _Groups = {}
            if len(ids) > _BOOK_PASS:  # whole tables, not account by account
                self.preload(HEALTH_INPUT_TABLES)
                groups = self._input_groups()
            return self._score(ids, day, groups, explain=explain), groups

    def _input_groups(self) -> _Groups:
        """The score's per-account inputs grouped by account (for passes over the book)."""
        return {m.table: self._grouped(m) for m in _input_models()}

    def _score(
        self,
        ids: Iterable[str],
        day: date,
        groups: _Groups,
        *,
        flags: bool = True,
        explain: bool = True,
    ) -> list[tuple[HealthResult, list[Flag]]]:
        """Score (and with ``flags``, flag) these accounts on ``day``; ``explain=False``:
        without the breakdown (``compute_health``), for a pass that only stores scores."""
        from cstui.domain.alerts import compute_flags

        out = []
        config = self.settings.health
        for account_id in ids:
            inputs = self.light_health_inputs(account_id, groups)
            if inputs is None:
                continue
            result = compute_health(inputs, config, day, explain=explain)
            out.append((result, compute_flags(inputs, result, config, day) if flags else []))
        return out

    @gc_paused()  # new records (with their history lists), no cycles: no full collections
    def record_health(
        self,
        results: list[tuple[HealthResult, list[Flag]]],
        as_of: date | None = None,
        *,
        alerts: bool = True,
        surveys: Mapping[str, list[dict[str, Any]]] | None = None,
        quiet: bool = False,
    ) -> int:
        """Keep today's point of each score and reconcile alerts; writes only what changed.

        One history point per day per account: re-running on the same day replaces that
        day's point. Returns the number of records written. ``surveys``: the survey records
        by account when the caller grouped them (a pass over the book), for the latest NPS.
        """
        from cstui.domain.alerts import Alert

        day = as_of or clock.today()
        summary = (
            self._health_summaries().get if len(results) > _BOOK_PASS else self._health_summary
        )
        writes: list[Write] = []
        scope = set()
        all_flags: list[Flag] = []
        for result, flags in results:
            aid = result.account_id
            scope.add(aid)
            all_flags.extend(flags)
            current = summary(aid) or {}
            answers = surveys.get(aid, []) if surveys is not None else None
            fresh, moved, legacy = self._summary(result, flags, current, day, answers=answers)
            changed = changed_fields(current, fresh)
            if changed or legacy:
                writes.append(
                    (HEALTH_TABLE, aid, Unsetting(changed, ["history"]) if legacy else changed)
                )
            if moved:
                writes.extend(self._month_writes(aid, moved, archived_months(current)))
        reconciled = self._reconciled(scope, all_flags, day) if alerts else []
        if not writes and not reconciled:
            return 0
        with self.store.transaction(quiet=quiet) as txn:
            self._write_in(txn, writes)
            for record, before in reconciled:
                aid = record["id"]
                # The live record: the transaction caught up with every other process.
                old = self.store.peek(Alert.table, aid)
                if old is None:
                    values = record
                else:
                    # A teammate's snooze made since our copy was read is theirs to keep.
                    for name in _SNOOZE_FIELDS:
                        if old.get(name) != before.get(name):
                            record[name] = old.get(name)
                    if all(old.get(k) == v for k, v in record.items()):
                        continue
                    values = changed_fields(old, record)  # only what changed
                writes.append((Alert.table, aid, values))
                txn.write(Alert.table, aid, values)
        return len(writes)

    def _reconciled(
        self, scope: set[str], flags: list[Flag], day: date
    ) -> list[tuple[dict[str, Any], Mapping[str, Any]]]:
        """The alerts of the accounts in ``scope`` that today's ``flags`` change, each with
        its record as read before (empty for a new alert), from the stored records."""
        from cstui.domain.alerts import Alert, alert_record, reconcile_alert_records

        if len(scope) > _BOOK_PASS:
            stored = [r for r in self.store.scan(Alert.table) if r.get("account_id") in scope]
        else:  # one account rated or edited: its alerts, not the table (27 MB at 50,000)
            stored = [r for aid in sorted(scope) for r in self._light_records(Alert, aid)]
        existing = [alert_record(r) for r in stored]
        before = {a["id"]: a for a in existing}
        out: list[tuple[dict[str, Any], Mapping[str, Any]]] = []
        for alert in reconcile_alert_records(existing, flags, day, scope=scope):
            old = before.get(alert["id"])
            if old != alert:
                out.append((dict(alert), old or {}))
        return out

    def _summary(
        self,
        result: HealthResult,
        flags: list[Flag],
        current: Mapping[str, Any],
        day: date,
        *,
        nps: bool = True,
        answers: list[dict[str, Any]] | None = None,
    ) -> tuple[dict[str, Any], dict[str, list[Point]], bool]:
        """The account's health record after scoring on ``day`` (``current``: the record
        before), the points of the months that left its window, by month (see
        :mod:`cstui.domain.score_history`), and whether its old-layout ``history`` goes.
        One point per day: a second score on the same day replaces it. ``nps=False`` leaves
        out the latest NPS (a pass whose record is not the last); ``answers``: the
        account's survey records when the caller has them."""
        iso = day.isoformat()
        trend_days = self.settings.health.trend_days
        advanced = advance(self._window_of(current, day), day, result.score, trend_days)
        latest_nps = None
        if nps:
            if answers is None:
                from cstui.domain.models import SurveyResponse

                answers = self._light_records(SurveyResponse, result.account_id)
            latest_nps = self._latest_nps_of(
                LightSurvey.from_record(r) for r in answers if r.get("kind", "nps") == "nps"
            )
        summary = {
            "account_id": result.account_id,
            "score": result.score,
            "computed": result.computed_score,
            "band": result.band.value,
            "flags": [f.rule for f in flags],
            "as_of": iso,
            "daily": advanced.daily,
            "trend": stored_trend(advanced.recent, day, trend_days),
            "last_touch": None if result.last_touch is None else result.last_touch.isoformat(),
            "model": self.health_model_id,
            "nps": latest_nps,
        }
        return summary, advanced.moved, advanced.legacy

    def _window_of(self, current: Mapping[str, Any], day: date) -> Mapping[str, Any]:
        """``current``, with its archived months read back into its window when the window
        now starts earlier than it held (``trend.days`` was raised): the trend reads them."""
        start = window_start(day, self.settings.health.trend_days)
        held = daily_of(current).get("from")
        archived = archived_months(current)
        if not isinstance(held, str) or start >= held or not archived:
            return current
        wanted = [m for m in archived if m >= start[:7]]
        earlier = [m for m in archived if m < start[:7]]
        months = self._month_points(current["account_id"], [*wanted, *earlier[-1:]])
        return reopened(current, start, months)

    def archived_scores(self, iso: str, wanted: Mapping[str, Sequence[str]]) -> dict[str, int]:
        """Each wanted account's latest score on or before ``iso`` in its archived months:
        the months from ``iso``'s back, one table at a time, until each has one. Safe from a
        worker thread (store reads only)."""
        todo = {aid: set(months) for aid, months in wanted.items()}
        months = sorted({m for ms in todo.values() for m in ms if m <= iso[:7]}, reverse=True)
        out: dict[str, int] = {}
        for month in months:
            if not todo:
                break
            table = month_table(month)
            ids = [aid for aid, ms in todo.items() if month in ms]
            if len(ids) < _PEEK_ARCHIVED:
                records: Iterable[dict[str, Any] | None] = (
                    self.store.peek(table, aid, keep=False) for aid in ids
                )
            else:  # one month of the whole book: parsed for this pass, let go after it
                records = self.store.stream(table)
            for record in records:
                aid = record.get("account_id") if record else None
                if record is None or aid not in todo:
                    continue
                score = latest_on_or_before(month_points(record), iso)
                if score is not None:
                    out[aid] = score
                    del todo[aid]
        return out

    def _month_writes(
        self, account_id: str, moved: Mapping[str, list[Point]], archived: Sequence[str]
    ) -> list[Write]:
        """The writes that keep ``moved`` points in their months' tables; a month archived
        before (a synced summary brought its points back) keeps what it had too."""
        before = self._month_points(account_id, [m for m in moved if m in archived])
        writes: list[Write] = []
        for month, points in moved.items():
            record = month_record(account_id, month, merged(before.get(month, ()), points))
            writes.append((month_table(month), account_id, record))
        return writes

    def initial_health(self, days: Sequence[date]) -> dict[str, list[dict[str, Any]]]:
        """Score a freshly loaded book on each of ``days`` (oldest first), in memory.

        What :meth:`record_health` would leave after one pass per day (alerts reconciled on
        the last day only, as ``refresh_health``), but nothing is written: the health and
        alerts tables' records, for one ``Store.bulk_load`` (the demo: a put per account
        and day, each a journal line with its JSON round trip, cost most of a 50,000-account
        build). Needs an empty health and alerts table (a new book).
        """
        from cstui.domain.alerts import Alert, reconcile_alert_records

        summaries: dict[str, dict[str, Any]] = {}
        months: dict[str, dict[str, list[Point]]] = defaultdict(dict)  # month -> id -> points
        flags_now: list[Flag] = []
        scope: set[str] = set()
        ids = [r["id"] for r in self.store.scan(Table.ACCOUNTS)]
        with self._uncached(), gc_paused():
            groups = self._input_groups()
            surveys = groups[Table.SURVEYS]
            for n, day in enumerate(days):
                last = n == len(days) - 1  # earlier days: only their score is kept
                for result, flags in self._score(ids, day, groups, flags=last, explain=False):
                    aid = result.account_id
                    summaries[aid], moved, _ = self._summary(
                        result,
                        flags,
                        summaries.get(aid, {}),
                        day,
                        nps=last,
                        answers=surveys.get(aid, []),
                    )
                    for month, points in moved.items():
                        kept = months[month]
                        kept[aid] = merged(kept.get(aid, ()), points)
                    if last:
                        scope.add(aid)
                        flags_now.extend(flags)
        alerts = reconcile_alert_records([], flags_now, days[-1], scope=scope) if days else []
        return {
            HEALTH_TABLE: [{"id": aid, **summary} for aid, summary in summaries.items()],
            Alert.table: [dict(alert) for alert in alerts],
            **{
                month_table(month): [
                    {"id": aid, **month_record(aid, month, p)} for aid, p in by_account.items()
                ]
                for month, by_account in months.items()
            },
        }

    @cached_property
    def health_model_id(self) -> str:
        """A fingerprint of the health configuration, so a changed model forces a rescore."""
        raw = json.dumps(self.settings.health.raw, sort_keys=True, default=str)
        return hashlib.sha256(raw.encode()).hexdigest()[:12]

    def health_is_current(self, as_of: date | None = None) -> bool:
        """Every account was scored today with this model (by us or another process)."""
        from cstui.domain.models import Account

        iso = (as_of or clock.today()).isoformat()
        summaries = self._health_summaries()
        if len(summaries) < self.count(Account):
            return False
        model = self.health_model_id
        return all(s.get("as_of") == iso and s.get("model") == model for s in summaries.values())

    def refresh_health(
        self,
        account_ids: Iterable[str] | None = None,
        as_of: date | None = None,
        *,
        quiet: bool = False,
    ) -> int:
        """Score and flag these accounts (all by default) on ``as_of`` and keep the
        results; the records written. ``quiet``: the caches of this process are not told
        (see ``Store.transaction``): for a process that exits after."""
        day = as_of or clock.today()
        # One pause for the whole pass, and what it made let go before the collector runs
        # again: re-enabled between scoring and writing, its first pass walked every result.
        with gc_paused():
            results, groups = self._evaluate(
                account_ids, day, account_ids is not None, explain=False
            )
            written = self.record_health(
                results, as_of, surveys=groups.get(Table.SURVEYS), quiet=quiet
            )
            del results, groups
        return written

    def health_for_today(self) -> int:
        """Today's scores, flags and alerts for every account, computing only what is not
        stored already: the whole book when it was not scored today (under the rescore
        lock, or here when another process holds it), else only the accounts whose inputs
        changed after their summary was written (a CLI edit, an import, a sync with no app
        open to rescore them). Returns the accounts scored. For the CLI's reports: scoring
        every account on each ``cstui today`` took 4-5 s and 0.5 GB at 10,000 accounts."""
        if not self.health_is_current():
            if not self.rescore_if_due() and not self.health_is_current():
                self.refresh_health()  # another process is on it: do not show stale alerts
            return len(self._health_summaries())
        stale = self._stale_health()
        if stale:
            self.refresh_health(sorted(stale))
        return len(stale)

    def _stale_health(self) -> set[str]:
        """Accounts with a health input record written after their health summary (the
        store's ``_seq`` orders every write): only the tables changed since the earliest
        summary are read."""
        summaries = self._health_summaries()
        if not summaries:
            return set()
        since = min(int(s.get("_seq", 0)) for s in summaries.values())
        stale: set[str] = set()
        for account_id, seq in self._changed_accounts(since, HEALTH_INPUT_TABLES):
            summary = summaries.get(account_id)
            if summary is None or seq > int(summary.get("_seq", 0)):
                stale.add(account_id)
        return stale

    def release_health_inputs(self) -> None:
        """After a whole-book rescore: let go of the tables it parsed (the screens read
        them one account at a time); the accounts stay, the portfolio reads them all."""
        self.release(HEALTH_INPUT_TABLES - {Table.ACCOUNTS})

    def rescore_lock(self) -> NamedLock:
        """The lock the one process rescoring the whole book holds (one rescore a day per
        data folder: the others see it held and get the scores through the journal)."""
        return self.store.named_lock(RESCORE_LOCK)

    def rescore_elsewhere(self, as_of: date | None = None, *, poll: bool = True) -> bool | None:
        """:meth:`rescore_if_due` in a child process for a large book (see
        ``repo.elsewhere``); its scores reach this process through the journal, as another
        process's would, and this one never parses the whole book. Returns whether the
        child rescored; None for a small book (rescore it here). ``poll=False``: the caller
        polls (the app, on its own thread: a worker thread's poll ran the screens' change
        handlers off it)."""
        if not self._large_book():
            return None
        day = as_of or clock.today()
        store = self.store
        done = elsewhere(
            _rescore_in_child, str(store.data_dir), self.user, store.team, self.settings, day
        )
        if poll:
            self.poll()
        return done

    def rescore_if_due(self, as_of: date | None = None, *, quiet: bool = False) -> bool:
        """Rescore every account unless today's scores are in or another process is on it.

        Returns whether this process rescored. Under the rescore lock it first catches up
        with the journal: a process that just finished leaves nothing to do. ``quiet``:
        see :meth:`refresh_health`.
        """
        if self.health_is_current(as_of):
            return False
        lock = self.rescore_lock()
        if not lock.try_acquire():
            return False
        try:
            self.poll()
            if self.health_is_current(as_of):
                return False
            some = self.accounts_to_score(as_of)
            if some is not None:  # the book is scored for the day but for these
                self.refresh_health(sorted(some), as_of=as_of, quiet=quiet)
                return True
            self.refresh_health(as_of=as_of, quiet=quiet)
            self.empty_old_months(as_of or clock.today())
            return True
        finally:
            lock.release()

    def accounts_to_score(self, as_of: date | None = None) -> set[str] | None:
        """When every stored summary is of the day and the model, the accounts still to
        score: those with none (created by an import or a sync) or with an input written
        after theirs. None: the book is not scored for the day (score every account). An
        import of one account made the next start rescore the whole book (at 50,000
        accounts ~11 s of CPU)."""
        iso, model = (as_of or clock.today()).isoformat(), self.health_model_id
        summaries = self._health_summaries()
        if not summaries or any(
            s.get("as_of") != iso or s.get("model") != model for s in summaries.values()
        ):
            return None
        live = {r["id"] for r in self.store.stream(Table.ACCOUNTS)}  # not kept parsed
        return (live - summaries.keys()) | (self._stale_health() & live)

    def accounts_without_summary(self) -> set[str]:
        """The live accounts never scored (created by an import or a sync since the last
        rescore): the portfolio's rows cannot be kept while one has no summary."""
        live = {r["id"] for r in self.store.stream(Table.ACCOUNTS)}
        return live - self._health_summaries().keys()

    def empty_old_months(self, day: date) -> int:
        """Purge the month tables older than the months kept (``KEEP_MONTHS``), as the
        summary's 400 daily points were cut before; returns the records purged. Run by the
        one process rescoring the book: an emptied table costs nothing to read again."""
        oldest = oldest_kept_month(day)
        old = [t for t in self.store.tables() if (m := table_month(t)) is not None and m < oldest]
        purged = 0
        with self.store.chunked() as writer:
            for table in old:
                for record in list(self.store.stream(table)):
                    writer.purge(table, record["id"])
                    purged += 1
        return purged

    @one_step
    def set_rating(
        self, account_id: str, *, stars: int | None = None, score: int | None = None, reason: str
    ) -> ManualRating:
        """A CSM's own judgement replaces the computed score until cleared."""
        from cstui.domain.health_config import ManualRating

        self._require_account(account_id)
        data = {
            "stars": stars,
            "score": score,
            "reason": reason,
            "by": self.user,
            "at": clock.now(),
        }
        rating = validate_plain(ManualRating, data)
        self._put(
            RATINGS_TABLE, account_id, {"account_id": account_id, **rating.model_dump(mode="json")}
        )
        self.refresh_health([account_id])
        return rating

    @one_step
    def clear_rating(self, account_id: str) -> None:
        if self.store.get(RATINGS_TABLE, account_id) is not None:
            self._delete(RATINGS_TABLE, account_id)  # a tombstone: travels to the hub
            account = self.account(account_id)
            self._say(i18n.msg("undo.rating_cleared", name=account.name if account else account_id))
            self.refresh_health([account_id])

    def alerts(
        self,
        *,
        active_only: bool = True,
        as_of: date | None = None,
        account_ids: Collection[str] | None = None,
    ) -> list[Alert]:
        """The alerts (``account_ids``: of those accounts only, picked from the stored
        records before any model is built: one CSM's Today at 50,000 accounts built 40,000
        alerts to keep a quarter of them)."""
        from cstui.domain.alerts import Alert, is_active

        day = as_of or clock.today()
        if account_ids is None:
            items = self._all(Alert)
        else:
            items = [
                Alert.from_record(r)
                for r in self.store.stream(Alert.table)  # the table is not kept parsed
                if r.get("account_id") in account_ids and not (active_only and r.get("resolved"))
            ]
        if active_only:
            items = [a for a in items if is_active(a, day)]
        return sorted(items, key=lambda a: (a.first_seen, a.account_id, a.rule))

    def snooze_alert(self, alert_id: str, until: date, reason: str) -> Alert:
        from cstui.domain.alerts import Alert, snooze
        from cstui.domain.models import InvalidRecord

        if self._get(Alert, alert_id) is None:
            raise InvalidRecord.said(i18n.msg("error.no_alert", id=alert_id))
        if until <= clock.today():
            raise InvalidRecord.said(i18n.Msg("today.snooze.bad_date"), field="until")
        if not reason.strip():
            raise InvalidRecord.said(i18n.Msg("today.snooze.need_reason"), field="reason")

        def edit(alert: Alert) -> Alert:
            return snooze(alert, until, reason, self.user)

        return self._modify(Alert, alert_id, edit)

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


def _rescore_in_child(data_dir: str, user: str, team: bool, settings: Settings, day: date) -> bool:
    """The child's side of :meth:`Health.rescore_elsewhere`: open the folder, rescore if
    due, close (its ~90,000 lines at 50,000 accounts are past the close's limit: a
    checkpoint)."""
    clock.freeze(day)
    # A process that exits after one pass: the collector's passes over the parsed book
    # (0.6 s of a 50,000-account rescore) would find next to nothing to free.
    gc.disable()
    health = Health(Store(data_dir, actor=user, team=team), user=user, settings=settings)
    try:
        return health.rescore_if_due(day, quiet=True)  # its caches are never read again
    finally:
        health.close()
