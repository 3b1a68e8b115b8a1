"""Renewals and KPIs: renewal outcomes and forecasts, the renewals calendar, KPI reports.

Also the KPI settings (``kpis.toml``: churn reasons, currencies, tier thresholds) and the
tier suggestions they drive. Rules in :mod:`cstui.domain.renewals`. Depends on
:mod:`.health` (bands at a date; an outcome rescores the account).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from cstui import clock, i18n
from cstui.config import Settings
from cstui.domain import tiers
from cstui.domain.enums import Forecast, Outcome, Stage, Table
from cstui.domain.health import HealthConfig, band_for
from cstui.domain.light import (
    LightAccount,
    LightOnboarding,
    LightRenewal,
    LightSurvey,
    OnboardingLike,
)
from cstui.domain.score_history import (
    archived_months,
    needs_archive,
    score_on_or_before,
)
from cstui.paths import config_dir
from cstui.store import Store, StoreError
from cstui.workspace.health import ArchivedScores, Health
from cstui.workspace.repo import HEALTH_TABLE, changed_fields, elsewhere

if TYPE_CHECKING:
    from cstui.domain import renewals as kpi
    from cstui.domain.history import AccountChange
    from cstui.domain.models import Account, Record, Renewal
    from cstui.store import Change
    from cstui.workspace.renewal_months import RenewalCalendar, RenewalMonths


def bands_at(
    summaries: dict[str, dict[str, Any]],
    bands_now: Callable[[], dict[str, str]],
    day: date,
    today: date,
    health: HealthConfig,
    archived: ArchivedScores | None = None,
) -> list[kpi.BandRow]:
    """Each account's band on ``day``: its last stored score on or before that day (from
    the stored health summaries, and for a day older than the points a summary holds, from
    the archived months through ``archived``); on or after ``today``, its band now."""
    from cstui.domain import renewals as kpi

    if day >= today:
        return [kpi.BandRow(k, v) for k, v in bands_now().items()]
    iso = day.isoformat()
    scores: dict[str, int] = {}
    older: dict[str, Sequence[str]] = {}
    for account_id, summary in summaries.items():
        if needs_archive(summary, iso):
            older[account_id] = archived_months(summary)
            continue
        score = score_on_or_before(summary, iso)
        if score is not None:  # not scored by then: a later first score must not change the past
            scores[account_id] = score
    if older and archived is not None:
        scores.update(archived(iso, older))
    return [
        kpi.BandRow(account_id, band_for(score, health).value)
        for account_id, score in scores.items()
    ]


def band_map(summaries: Mapping[str, Mapping[str, Any]]) -> dict[str, str]:
    """Each account's band now, from its stored health summary."""
    return {k: str(v.get("band", "unknown")) for k, v in summaries.items()}


KPI_TABLES: frozenset[str] = frozenset(
    {
        Table.ACCOUNTS,
        Table.RENEWALS,
        Table.SURVEYS,
        Table.ONBOARDING,
        Table.ACCOUNT_HISTORY,
        HEALTH_TABLE,
    }
)
"""The tables the KPI reports read (:meth:`Renewals.kpi_book`)."""

R = TypeVar("R", bound="Record")
L = TypeVar("L")
CANCEL_EVERY = 4096
"""Records read between two looks at whether a KPI read was cancelled."""


class _Stopped(Exception):
    """A cancelled :meth:`Renewals.kpi_book` read."""


@dataclass(frozen=True)
class KPIBook:
    """The book as the KPI reports read it, taken once by :meth:`Renewals.kpi_book`: any
    number of periods and slices are computed from it without reading the store again and
    without touching the workspace, so on a worker thread while the event loop runs.

    The KPIs are :func:`cstui.domain.renewals.compute_kpis`: the CLI's reports, the KPI
    screen's and a large book's child process all come from here."""

    accounts: Sequence[kpi.RenewingAccount]
    """Light records (what the KPIs read of an account), not models."""
    renewals: list[LightRenewal]
    """Recorded and implied, by due date, as light records."""
    surveys: Sequence[LightSurvey]
    plans: Sequence[OnboardingLike]
    """Light records, not models."""
    history: list[AccountChange]
    summaries: dict[str, dict[str, Any]]
    """The stored health summaries (score history per account), by account id."""
    bands: dict[str, str]
    """Each account's band on ``today``."""
    today: date
    user: str
    config: kpi.KPIConfig
    health: HealthConfig
    archived: ArchivedScores | None = None
    """Scores on a day older than the points the summaries hold (the archived months)."""

    def reports(
        self,
        periods: list[kpi.Period],
        slice: str,
        cancelled: Callable[[], bool] = lambda: False,
    ) -> list[kpi.KPIReport] | None:
        """One report per period (check them first: :meth:`Renewals.check_kpi_periods`);
        None as soon as ``cancelled()`` says so (it is asked before each period)."""
        from cstui.domain import renewals as kpi

        out = []
        reads = kpi.TrendReads()
        for period in periods:
            if cancelled():
                return None
            out.append(
                kpi.compute_kpis(
                    self.accounts,
                    self.renewals,
                    self.surveys,
                    self.plans,
                    bands_at(
                        self.summaries,
                        lambda: self.bands,
                        period.end,
                        self.today,
                        self.health,
                        self.archived,
                    ),
                    period,
                    slice,
                    user=self.user,
                    config=self.config,
                    as_of=self.today,
                    detractor_max=self.health.flags.detractor_max_score,
                    history=self.history,
                    reads=reads,
                )
            )
        return out

    def tier_suggestions(self) -> list[tiers.TierSuggestion]:
        """As :meth:`Renewals.tier_suggestions`, from this book's accounts."""
        return tiers.tier_suggestions(self.accounts, self.config)


def user_kpis_path() -> Path:
    """The user's kpis.toml, over the shipped one (it may not exist)."""
    return config_dir() / "kpis.toml"


class Renewals(Health):
    def __init__(
        self, store: Store, *, user: str | None = None, settings: Settings | None = None
    ) -> None:
        self._renewal_months: RenewalMonths | None = None
        """The renewals screen's records and renewals, while it is open."""
        super().__init__(store, user=user, settings=settings)

    def _forget(self, ch: Change, account_id: str | None) -> None:
        super()._forget(ch, account_id)
        if self._renewal_months is not None:
            self._renewal_months.changed(ch.table, ch.id)

    @cached_property
    def _kpi_settings(self) -> tuple[kpi.KPIConfig, list[str]]:
        from cstui.domain import renewals as kpi

        cfg = kpi.default_kpi_config()
        errors: list[str] = []
        path = user_kpis_path()
        if path.is_file():
            try:
                cfg = kpi.parse_kpi_config(path.read_text(encoding="utf-8"), str(path), cfg)
            except kpi.KPIConfigError as exc:
                errors.append(i18n.t("config.kept.kpis", error=exc))
            except (OSError, UnicodeDecodeError) as exc:
                errors.append(i18n.t("config.kept.unreadable", path=path, detail=exc))
        return cfg, errors

    @property
    def warnings(self) -> list[str]:
        """The store's and the settings' warnings, and a user kpis.toml's mistakes: the file
        is read and checked when there is one (the shipped settings alone are not)."""
        found = super().warnings
        if user_kpis_path().is_file():
            found.extend(self._kpi_settings[1])
        return found

    @property
    def kpi_config(self) -> kpi.KPIConfig:
        """Shipped kpis.toml overlaid with the user's (a broken user file keeps defaults)."""
        return self._kpi_settings[0]

    def _bands(self, account_id: str | None = None) -> dict[str, str]:
        """Each account's band now; with ``account_id`` only that one's (the whole book's
        took 30-150 ms at 10-50k accounts, for one account's renewals)."""
        if account_id is not None:
            one = self._health_summary(account_id)
            return {} if one is None else band_map({account_id: one})
        return band_map(self._health_summaries())

    def check_kpi_periods(self, periods: list[kpi.Period], slice: str) -> None:
        """Raise ``InvalidRecord`` for a slice that does not parse or a period that has not
        started yet, as :meth:`kpi_trend` does (quick: a screen checks before it computes)."""
        from cstui.domain.models import InvalidRecord

        self._slice(slice)
        today = clock.today()
        for period in periods:
            if period.start > today:
                raise InvalidRecord.said(
                    i18n.msg("error.not_started", period=period.label), field="period"
                )

    def _models_of(self, model: type[R], cancelled: Callable[[], bool]) -> list[R]:
        """Every live record of ``model``'s table as models (:meth:`_records_of`), without
        filling the model caches: a model built from a record changed meanwhile serves this
        pass only, never sits in a cache the change already cleared."""
        cache = self._models.get(model.table) or {}

        def made(record: dict[str, Any]) -> R:
            cached = cache.get(record["id"])
            return cached if isinstance(cached, model) else model.from_record(record)

        return self._records_of(model.table, made, cancelled)

    def _records_of(
        self, table: str, make: Callable[[dict[str, Any]], L], cancelled: Callable[[], bool]
    ) -> list[L]:
        """Every live record of ``table``, each made by ``make`` (a light record: the
        accounts' and the onboarding plans' models took 2.8 s of the KPI screen's read at
        50,000 accounts). Safe from a worker thread: the store's scan is a snapshot taken
        under its mutex. Raises :class:`_Stopped` when ``cancelled()`` (asked every few
        thousand records)."""
        out: list[L] = []
        for i, record in enumerate(self.store.scan(table)):
            if not i % CANCEL_EVERY and cancelled():
                raise _Stopped
            out.append(make(record))
        return out

    def kpi_book(self, cancelled: Callable[[], bool] = lambda: False) -> KPIBook | None:
        """What the KPI reports read, taken once (then any periods and slices are computed
        from it): safe to call from a worker thread, so a screen computes its KPIs off the
        event loop (see :meth:`_models_of`; the health summaries are copied in one step).
        None when ``cancelled()`` says so before the end (a screen gone or a newer query:
        at 50,000 accounts the read takes seconds)."""
        from cstui.domain import renewals as kpi
        from cstui.domain.history import AccountChange, oldest_first

        today = clock.today()
        try:
            accounts = self._records_of(Table.ACCOUNTS, LightAccount.from_record, cancelled)
            history = oldest_first(self._models_of(AccountChange, cancelled))
            summaries = dict(list(self._health_summaries().items()))  # one C-level copy
            bands = band_map(summaries)
            recorded = self._records_of(Table.RENEWALS, LightRenewal.from_record, cancelled)
            surveys = self._records_of(Table.SURVEYS, LightSurvey.from_record, cancelled)
            plans = self._records_of(Table.ONBOARDING, LightOnboarding.from_record, cancelled)
        except _Stopped:
            return None
        return KPIBook(
            accounts=accounts,
            renewals=kpi.book_renewals(
                accounts, recorded, make=LightRenewal, bands=bands, today=today, history=history
            ),
            surveys=surveys,
            plans=plans,
            history=history,
            summaries=summaries,
            bands=bands,
            today=today,
            user=self.user,
            config=self.kpi_config,
            health=self.settings.health,
            archived=self.archived_scores,
        )

    def renewals(self, account_id: str | None = None) -> list[Renewal]:
        """One account's renewals, or the book's, recorded and implied
        (:func:`cstui.domain.renewals.book_renewals`)."""
        from cstui.domain import renewals as kpi
        from cstui.domain.models import Renewal

        recorded = self._for_account(Renewal, account_id) if account_id else self._all(Renewal)
        if account_id:
            account = self.account(account_id)
            accounts = [account] if account is not None else []
        else:
            accounts = self.accounts()
        return kpi.book_renewals(
            accounts,
            recorded,
            make=Renewal,
            bands=self._bands(account_id or None),
            today=clock.today(),
            history=self.account_history(account_id),
        )

    def _renewal_for(self, account: Account, due: date | None) -> Renewal:
        """The stored renewal due on ``due`` (default: the account's renewal date), or a new
        unsaved one at the account's ARR."""
        from cstui.domain import renewals as kpi
        from cstui.domain.models import InvalidRecord, Renewal

        day = due or account.renewal_date
        if day is None:
            raise InvalidRecord.said(
                i18n.msg("error.no_renewal_date", name=account.name), field="due"
            )
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
        outcome: Outcome | str,
        new_arr: int | None = None,
        churn_reason: str | None = None,
        closed_on: date | None = None,
        due: date | None = None,
        notes: str | None = None,
    ) -> Renewal:
        """Record what happened at the account's current renewal (or the one due on ``due``).

        Creates the renewal record when missing. Churned: the account's stage becomes
        churned (``churn_reason`` must be a configured reason). Renewed / expanded /
        downgraded: the account's ARR becomes ``new_arr`` (renewed defaults to the ARR due)
        and, if the account's renewal date is this renewal's, it moves on by one year; a
        churned or renewal-stage account goes back to adoption. Renewal and account are
        written in one transaction; the account's health is rescored.
        """
        from cstui.domain import renewals as kpi
        from cstui.domain.models import Account, InvalidRecord, Renewal, validate

        account = self._require_account(account_id)
        try:
            result = Outcome(outcome)
        except ValueError:
            choices = ", ".join(o.value for o in Outcome)
            raise InvalidRecord.said(
                i18n.msg("error.bad_outcome", value=outcome, choices=choices), field="outcome"
            ) from None
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
            raise InvalidRecord.about(problems)
        changes: dict[str, Any] = {}
        if result is Outcome.CHURNED:
            changes["stage"] = Stage.CHURNED.value
        else:
            changes["arr"] = renewal.new_arr
            if account.renewal_date == renewal.due:
                changes["renewal_date"] = kpi.add_years(renewal.due, 1).isoformat()
            if account.stage in (Stage.CHURNED, Stage.RENEWAL):
                changes["stage"] = Stage.ADOPTION.value
        with self._transaction() as txn:  # the account as committed now
            current_account = txn.get(Table.ACCOUNTS, account.id) or {}
            fresh = validate(Account, {**current_account, **changes}).to_record()
            changed = changed_fields(current_account, fresh)
            txn.put(Table.RENEWALS, renewal.id, renewal.to_record())
            if changed:
                txn.put(Table.ACCOUNTS, account.id, changed)
                # The renewal is the ARR's event (arr_on reads it); the stage it moves is
                # kept in the history, on the outcome's day.
                self._keep_history(
                    txn,
                    account.id,
                    current_account,
                    changed,
                    "renewal",
                    day=renewal.closed_on,
                    fields=("stage",),
                )
        self.refresh_health([account.id])
        return renewal

    def set_forecast(
        self, account_id: str, forecast: Forecast | str, *, due: date | None = None
    ) -> Renewal:
        """Set the forecast category of the account's current renewal (recording it)."""
        from cstui.domain.models import InvalidRecord, Renewal, validate

        account = self._require_account(account_id)
        try:
            value = Forecast(forecast)
        except ValueError:
            choices = ", ".join(f.value for f in Forecast)
            raise InvalidRecord.said(
                i18n.msg("error.bad_forecast", value=forecast, choices=choices), field="forecast"
            ) from None
        current = self._renewal_for(account, due)
        with self._transaction() as txn:  # only the forecast changes on a stored one
            stored = txn.get(Table.RENEWALS, current.id)
            base = current.to_record() if stored is None else stored
            renewal = validate(Renewal, {**base, "forecast": value, "implied": False})
            record = renewal.to_record()
            txn.put(
                Table.RENEWALS,
                renewal.id,
                record if stored is None else changed_fields(stored, record),
            )
        return renewal

    def renewals_by_month(
        self,
        start: date | None = None,
        months: int = 12,
        slice: str = "all",
        open_from: date | None = None,
    ) -> list[kpi.MonthRow[Renewal]]:
        """``months`` rows from ``start``'s month (default: this month) of the book's
        renewals (:meth:`renewals`); open renewals due before ``open_from`` are left to the
        overdue line. (The renewals screen's: :meth:`renewal_calendar`.)"""
        from cstui.domain import renewals as kpi

        items = self.renewals()
        if slice != "all":
            keep = self._slice(slice)
            ids = {a.id for a in self.accounts() if keep(a)}
            items = [r for r in items if r.account_id in ids]
        return kpi.renewals_by_month(items, start or clock.today(), months, open_from)

    def renewal_calendar(
        self, start: date, months: int, open_from: date | None, bands: Mapping[str, str]
    ) -> RenewalCalendar:
        """The renewals screen: the book's renewals of ``months`` months from ``start``'s
        and the open ones due before them (:meth:`renewal_window`), and those months
        (:func:`cstui.domain.renewals.renewals_by_month`; open renewals due before
        ``open_from`` are left to the overdue line). ``bands``: each account's band now."""
        return self._kept_renewals().calendar(start, months, open_from, bands, clock.today())

    def renewal_window(
        self, start: date, end: date, bands: Mapping[str, str]
    ) -> list[LightRenewal]:
        """What :meth:`renewals` gives of the book due from ``start`` until ``end`` and the
        open ones due before ``start`` (overdue), by due date, as light records: what the
        renewals screen lists. ``bands``: each account's band now (the portfolio's rows
        have them). Made from records read once and followed change by change
        (:class:`~cstui.workspace.renewal_months.RenewalMonths`: no model, and only a
        changed account's renewals made again): the screen read the three tables and made
        every renewal again for each build, 1.8 s at 50,000 accounts and again after each
        edit on it."""
        return self._kept_renewals().between(start, end, bands, clock.today())

    def release_renewals(self) -> None:
        """Let go of the renewals screen's records and renewals (its close): kept for the
        session they were ~44 MB at 50,000 accounts, and made each of the collector's full
        passes ~40 ms instead of ~5. Its next open reads them again (~0.8 s there)."""
        self._renewal_months = None

    def _kept_renewals(self) -> RenewalMonths:
        """The renewals screen's records and renewals, made on its first build, kept
        until :meth:`release_renewals`."""
        if self._renewal_months is None:
            from cstui.workspace.renewal_months import RenewalMonths

            self._renewal_months = RenewalMonths(self.store)
        return self._renewal_months

    def _slice(self, slice: str) -> Callable[[Account], bool]:
        from cstui.domain import renewals as kpi
        from cstui.domain.models import InvalidRecord

        try:
            return kpi.parse_slice(slice, self.user)
        except ValueError as exc:
            raise InvalidRecord([str(exc)], {"slice": [str(exc)]}) from None

    def _period(self, period: str) -> kpi.Period:
        from cstui.domain import renewals as kpi
        from cstui.domain.models import InvalidRecord

        try:
            return kpi.Period.parse(period)
        except ValueError as exc:
            raise InvalidRecord([str(exc)], {"period": [str(exc)]}) from None

    def _kpis_for(self, periods: list[kpi.Period], slice: str) -> list[kpi.KPIReport]:
        """One report per period; the book is read (and validated) once for all, as the
        KPI screen reads it (:meth:`kpi_book`): one path for the CLI, the screen and the
        child process of a large book."""
        self.check_kpi_periods(periods, slice)
        book = self.kpi_book()
        reports = None if book is None else book.reports(periods, slice)
        if reports is None:  # pragma: no cover - only a cancelled read stops early
            raise RuntimeError("The KPI read stopped before it finished.")
        return reports

    def kpi_report(self, period: str, slice: str = "all") -> kpi.KPIReport:
        """Every KPI for a period ("2026Q3", "2026-09", "2026") and slice (all, mine,
        tier:high|mid|tech, owner:NAME). Health uses the bands at the period's end."""
        return self._kpis_for([self._period(period)], slice)[0]

    def kpi_trend(self, period: str, n: int = 4, slice: str = "all") -> list[kpi.KPIReport]:
        """Reports for the ``n`` periods ending with ``period``, oldest first."""
        return self._kpis_for(self._period(period).last(n), slice)

    def kpis_elsewhere(
        self,
        periods: list[kpi.Period],
        slice: str,
        cancelled: Callable[[], bool] = lambda: False,
    ) -> tuple[list[kpi.KPIReport], list[tiers.TierSuggestion]] | None:
        """The KPI screen's reports and tier suggestions computed in a child process (see
        ``repo.elsewhere``), as :meth:`kpi_book` would here; None for a small book (compute
        it here). At 50,000 accounts the book's models took ~600 MB that the app kept for
        the rest of the session. Bad input is said here, at once (InvalidRecord);
        ``InterruptedError`` when ``cancelled()`` (the child is stopped)."""
        if not self._large_book():
            return None
        self.check_kpi_periods(periods, slice)
        store = self.store
        return elsewhere(
            _kpis_in_child,
            str(store.data_dir),
            self.user,
            store.team,
            self.settings,
            clock.today(),
            (periods, slice),
            cancelled=cancelled,
        )

    def tier_suggestions(self) -> list[tiers.TierSuggestion]:
        """Accounts whose ARR has crossed a tier threshold (kpis.toml ``[tiers.*]``)."""
        return tiers.tier_suggestions(self.accounts(), self.kpi_config)


def _kpis_in_child(
    data_dir: str,
    user: str,
    team: bool,
    settings: Settings,
    day: date,
    query: tuple[list[kpi.Period], str],
) -> tuple[list[kpi.KPIReport], list[tiers.TierSuggestion]]:
    """The child's side of :meth:`Renewals.kpis_elsewhere` (reads only)."""
    clock.freeze(day)
    renewals = Renewals(Store(data_dir, actor=user, team=team), user=user, settings=settings)
    try:
        book = renewals.kpi_book()
        reports = None if book is None else book.reports(*query)
        if book is None or reports is None:  # pragma: no cover - nothing cancels it here
            raise StoreError("The KPI computation stopped before it finished.")
        return reports, book.tier_suggestions()
    finally:
        renewals.store.close(checkpoint=False)
