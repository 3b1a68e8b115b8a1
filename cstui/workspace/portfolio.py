"""Portfolio: one precomputed row per account, the latest touch and NPS, saved views.

Rows come from the accounts and the stored health summaries only, so the first frame does
not wait for the large tables; single rows are refreshed as changes arrive. Depends on
:mod:`.renewals` (the KPI settings: the reporting currency and its rates, so the ARR of each
row is also known converted) and through it :mod:`.health` (the stored summaries).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator
from dataclasses import asdict, dataclass, replace
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

from cstui import clock, i18n
from cstui.config import Settings
from cstui.domain import metrics
from cstui.domain.enums import Table
from cstui.domain.portfolio import (
    FIRST_SORT,
    Converter,
    PortfolioRow,
    PortfolioSummary,
    SummaryTotals,
    build_row,
    fold,
    row_columns,
    rows_from_columns,
    shared_day,
    sort_rows,
    touch_row,
)
from cstui.paths import config_dir
from cstui.store import Change, Store, gc_paused, give_back_memory
from cstui.workspace.renewals import Renewals, user_kpis_path
from cstui.workspace.repo import HEALTH_TABLE, VIEWS_TABLE, one_step
from cstui.workspace.rows_cache import (
    files_fingerprint,
    kept_rows_head,
    kept_rows_path,
    read_kept_rows,
    rows_code_version,
    write_kept_rows,
)


def rows_tables_version(store: Store) -> tuple[str | None, ...]:
    """What the portfolio's rows are built from: the accounts and the health summaries as
    the snapshot holds them (``Store.snapshot_version``). A command that changed it leaves
    the rows kept before for other tables (``cli.common.keep_rows_for``)."""
    return tuple(store.snapshot_version(t) for t in (Table.ACCOUNTS, HEALTH_TABLE))


@dataclass(frozen=True)
class SavedView:
    """A named filter and sort; built-in views are named by an i18n key."""

    name: str
    filter: str
    sort: str = "renewal"
    reverse: bool = False
    builtin: bool = False


def is_builtin_name(name: str) -> bool:
    """A built-in view's key or its label in any language ("My book", "自分の担当"): saving
    under it would list two views that read the same."""
    wanted = fold(name.strip())
    return any(
        wanted
        in (fold(v.name), *(fold(i18n.catalogue(lang).get(v.name, "")) for lang in i18n.LANGUAGES))
        for v in BUILTIN_VIEWS
    )


def _view(record: dict[str, Any]) -> SavedView:
    """A saved view from its stored record."""
    return SavedView(
        name=record["name"],
        filter=record.get("filter", ""),
        sort=record.get("sort", "renewal"),
        reverse=bool(record.get("reverse", False)),
    )


_MANY_RESCORED = 500
"""More summaries changed at once than this are read in one pass over the table."""

_HealthFields = tuple[bool, int | None, str, tuple[str, ...], int | None, int | None]
"""What a row shows of its health summary (see ``Portfolio._health_fields``)."""
_SummaryValues = tuple[date | None, _HealthFields]
"""What a row takes from its account's health summary: its last touch and health fields
(see ``Portfolio._summary_values``)."""


@dataclass
class _Prepared:
    """A large batch's row values read on the poll's thread (``_prepare_changes``)."""

    seq: int
    day: date
    rows: list[tuple[str, _SummaryValues]]
    missing: set[str]
    """Accounts of the batch with no summary now."""
    covered: frozenset[str]

    def fits(self, seq: int, day: date, rescored: set[str]) -> bool:
        """Whether these values are the store's now for that batch: nothing committed
        since they were read, the same day, the same accounts."""
        return self.seq == seq and self.day == day and rescored <= self.covered


_ROW_FIELDS = ("score", "band", "flags", "trend", "last_touch", "nps", "as_of", "model")
"""The health summary's fields a portfolio row reads (see ``Portfolio._decorate``; the
last two tell whether the account was scored today)."""

BUILTIN_VIEWS: tuple[SavedView, ...] = (
    SavedView("view.all", "", "renewal", False, True),
    SavedView("view.mine", "owner:me", "health", False, True),
    SavedView("view.at_risk", "band:red", "arr", True, True),
    SavedView("view.renewals", "renewal<90d", "renewal", False, True),
    SavedView("view.untouched", "flag:no-touch", "touch", True, True),
)


@dataclass(frozen=True, slots=True)
class RowSettings:
    """What the rows and the portfolio's header read from the settings: kpis.toml's
    reporting currency and rates, health.toml's detractor threshold, the health model's id.

    Kept with the rows under the fingerprint of the files they follow from, so a start that
    shows kept rows validates no configuration (pydantic, ~0.2 s) before its first frame.
    """

    report: str
    rates: dict[str, float]
    detractor_max: int
    model: str


_CSTUI = Path(__file__).resolve().parent.parent
_SETTINGS_CODE = (
    "config.py",
    "domain/config.py",
    "domain/health_config.py",
    "domain/renewals.py",
    "workspace/health.py",
    "workspace/renewals.py",
    "workspace/portfolio.py",
)


def _settings_sources(folder: Path) -> str | None:
    """A fingerprint of what :meth:`Portfolio.row_settings` follows from: the shipped and
    the user's health.toml and kpis.toml (``folder`` is the config folder), and the code
    reading them; None when that code cannot be read (then nothing is kept)."""
    shipped = resources.files("cstui").joinpath("defaults")
    return files_fingerprint(
        [
            shipped.joinpath("health.toml"),
            shipped.joinpath("kpis.toml"),
            folder / "health.toml",
            user_kpis_path(),
        ],
        code=[_CSTUI / name for name in _SETTINGS_CODE],
    )


class Portfolio(Renewals):
    def __init__(
        self, store: Store, *, user: str | None = None, settings: Settings | None = None
    ) -> None:
        self._latest_nps: dict[str, int] | None = None
        self._last_touch: dict[str, date] | None = None
        self._rows: dict[str, PortfolioRow] | None = None
        self._rows_day: date | None = None
        self._shared: dict[object, Any] = {}
        """One object per distinct owner, currency, band and flag set across the rows (each
        row held its own copies: ~15 MB at 50,000 accounts); dates are shared by
        :func:`~cstui.domain.portfolio.shared_day`."""
        self._day: tuple[date | None, str] = (None, "")
        """The rows' day and its ISO text (compared with 50,000 summaries' ``as_of``)."""
        self.kept_today: tuple[Hashable, int, object] | None = None
        """Today's last digest (:func:`cstui.workspace.today.today_digest`): its view, the
        store's ``last_seq`` before it was built, the digest."""
        self._rescored: set[str] | None = None
        """Accounts of a large batch of summary changes, to read in one pass (see
        :meth:`_changes_absorbed`); None outside such a batch."""
        self._prepared: _Prepared | None = None
        """What the rows take from a large batch's summaries, read on the poll's thread
        (see :meth:`_prepare_changes`), until the batch is announced."""
        self._unscored: set[str] = set()
        """Accounts of the rows not scored on their day with this model (kept with them)."""
        self._rows_kept: list[str] | None = None
        """The versions of the tables the kept rows file was read or written for."""
        self._row_settings: RowSettings | None = None
        folder = config_dir() if settings is None else settings.directory
        self._sources_at_open = None if folder is None else _settings_sources(folder)
        """What the row settings follow from, as it was when this workspace opened (the
        configs are read then or later): kept settings are used only if they match it,
        and written with it only if the files are the same when they are written."""
        super().__init__(store, user=user, settings=settings)

    def _forget(self, ch: Change, account_id: str | None) -> None:
        """Keep the rows, last touches and latest NPS current (super keeps the summaries)."""
        super()._forget(ch, account_id)
        if ch.table == Table.ACCOUNTS:
            if self._rows is not None:
                self._refresh_row(ch.id)
        elif ch.table == HEALTH_TABLE:
            if self._rows is not None and ch.id in self._rows:
                if self._rescored is not None:
                    self._rescored.add(ch.id)  # a teammate's rescore: all at once, below
                else:
                    self._rescored_row(ch.id)
        elif ch.table == Table.SURVEYS:
            # Until the next read, rows and the NPS come from the stored health summaries.
            self._latest_nps = None
            self._rows = None
        elif ch.table == Table.ACTIVITIES and account_id is not None:
            if self._last_touch is not None:
                from cstui.domain.models import Activity

                today = clock.today()  # a touch dated ahead is planned, not made (latest_touch)
                days = [a.date for a in self._for_account(Activity, account_id) if a.date <= today]
                if days:
                    self._last_touch[account_id] = max(days)
                else:
                    self._last_touch.pop(account_id, None)
            if self._rows is not None:
                self._refresh_row(account_id)

    def row_settings(self) -> RowSettings:
        """The settings the rows read: kept with the rows, or from the parsed configs."""
        if self._row_settings is None:
            cfg = self.kpi_config
            self._row_settings = RowSettings(
                report=cfg.report_currency,
                rates=dict(cfg.rates),
                detractor_max=self.settings.health.flags.detractor_max_score,
                model=self.health_model_id,
            )
        return self._row_settings

    def _kept_settings(self, kept: object) -> None:
        """Use the row settings kept with the rows when their files are unchanged."""
        if self._row_settings is not None or not isinstance(kept, dict):
            return
        sources = self._sources_at_open
        if sources is None or kept.get("sources") != sources:
            return
        try:
            self._row_settings = RowSettings(
                report=str(kept["report"]),
                rates={str(k): float(v) for k, v in dict(kept["rates"]).items()},
                detractor_max=int(kept["detractor_max"]),
                model=str(kept["model"]),
            )
        except (KeyError, TypeError, ValueError):
            return

    @property
    def report_currency(self) -> str:
        """The book's one reporting currency (kpis.toml ``[currency] report``)."""
        return self.row_settings().report

    def summary_totals(self) -> SummaryTotals:
        """Empty running sums for the portfolio header, set up as the book is: the reporting
        currency, and the detractor threshold the KPI report and the alerts use."""
        settings = self.row_settings()
        return SummaryTotals(currency=settings.report, detractor_max=settings.detractor_max)

    def portfolio_summary(self, rows: list[PortfolioRow]) -> PortfolioSummary:
        """The header KPIs of ``rows`` (see :meth:`summary_totals`)."""
        totals = self.summary_totals()
        totals.add(rows)
        return totals.result()

    def to_report(self, amount: int, currency: str) -> float | None:
        """``amount`` in the reporting currency at the kpis.toml rates (None: no rate).

        The one conversion of the book: portfolio sort, ``arr>=`` filter, header sums, ARR at
        risk and the KPIs all use these rates."""
        settings = self.row_settings()
        return metrics.convert(amount, currency, settings.report, settings.rates)

    def _report_converter(self) -> Converter:
        """:meth:`to_report` with the settings looked up once, for a pass over every row."""
        settings = self.row_settings()
        report, rates = settings.report, settings.rates
        return lambda amount, currency: metrics.convert(amount, currency, report, rates)

    def last_touch(self, account_id: str) -> date | None:
        """The latest activity date; from the stored health summary until activities load."""
        loaded = self._last_touch is not None
        summary = None if loaded else self._health_summary(account_id)
        return self._touch(account_id, summary, clock.today())

    def _touch(self, account_id: str, summary: dict[str, Any] | None, today: date) -> date | None:
        """``last_touch`` with the account's health summary already looked up (and today:
        asking the clock per row was 5 % of building 50,000 rows)."""
        if self._last_touch is None and summary is not None and "last_touch" in summary:
            value = summary["last_touch"]
            return None if value is None else shared_day(value, today)
        return self._last_touches().get(account_id)

    def _last_touches(self) -> dict[str, date]:
        """Latest activity date on or before today per account, as
        :func:`cstui.domain.health.latest_touch` picks it (ISO dates compare as text)."""
        if self._last_touch is None:
            latest: dict[str, str] = {}
            today = clock.today().isoformat()
            for record in self.store.scan(Table.ACTIVITIES):
                account_id = record.get("account_id")
                day = record["date"]
                if isinstance(account_id, str) and latest.get(account_id, "") < day <= today:
                    latest[account_id] = day
            self._last_touch = {k: date.fromisoformat(v) for k, v in latest.items()}
        return self._last_touch

    def _nps(self, account_id: str, summary: dict[str, Any] | None) -> int | None:
        """The latest NPS answer of the last year; from the account's health summary (looked
        up by the caller) until the surveys load."""
        if self._latest_nps is None:
            if summary is not None and "nps" in summary:
                value = summary["nps"]
                return value if isinstance(value, int) else None
            from cstui.domain.models import SurveyResponse

            self._latest_nps = {}
            for account in {r["account_id"] for r in self.store.scan(Table.SURVEYS)}:
                latest = self._latest_nps_of(self._for_account(SurveyResponse, account))
                if latest is not None:
                    self._latest_nps[account] = latest
        return self._latest_nps.get(account_id)

    def portfolio(self) -> list[PortfolioRow]:
        """One precomputed row per account (rebuilt per day; single rows on change).

        Reads only the accounts and the stored health summaries, so the first frame does not
        wait for the large tables (activities, usage) to load.
        """
        return list(self._todays_rows().values())

    def owners(self) -> list[str]:
        """The owners of the book's accounts, from the portfolio's rows (the KPI screen's
        owner picker read a model of every account: ~1 s and hundreds of MB kept at
        50,000 accounts)."""
        return sorted({r.owner for r in self.portfolio() if r.owner})

    def row(self, account_id: str) -> PortfolioRow | None:
        """One account's row (as :meth:`portfolio` gives it)."""
        return self._todays_rows().get(account_id)

    def _todays_rows(self) -> dict[str, PortfolioRow]:
        """The rows by account, built first if there are none for today."""
        today = clock.today()
        if self._rows is None or self._rows_day != today:
            # No rows while they are built (keep_rows on another thread sees none), and
            # none after a failure (the next read builds them again).
            self._rows = None
            self._rows_day = today
            self._unscored = set()
            with gc_paused():  # 10,000 rows: no full collections over the loaded book
                rows = self._kept_rows(today)
                if rows is None:
                    summaries, convert = self._row_summaries(), self._report_converter()
                    rows = {
                        r["id"]: self._row(r, summaries.get(r["id"]), today, convert)
                        for r in self.store.stream(Table.ACCOUNTS)
                    }
            self._rows = rows
        return self._rows

    def _rows_key(self) -> list[str] | None:
        """What the kept rows must have been built from to be used now (None: nothing kept
        can be: the tables are parsed, or the book has no layout to name them by)."""
        versions = rows_tables_version(self.store)
        if any(v is None for v in versions):
            return None
        return [rows_code_version(__file__), *map(str, versions)]

    def _changed_since_snapshot(self) -> set[str] | None:
        """The accounts whose record or health summary the journal changed since the
        snapshot (what the rows show beyond it); None when a parsed table cannot say."""
        changed: set[str] = set()
        for table in (Table.ACCOUNTS, HEALTH_TABLE):
            ids = self.store.changed_since_snapshot(table)
            if ids is None:
                return None
            changed |= ids
        return changed

    def _kept_rows(self, today: date) -> dict[str, PortfolioRow] | None:
        """The rows kept by an earlier run when they were built from the tables the
        snapshot holds now, with the rows of accounts whose record or summary changed since
        built again (``_unscored`` set for them). None: build them all from the tables."""
        if self._last_touch is not None or self._latest_nps is not None:
            return None  # the rows take these from the activities and surveys now
        key = self._rows_key()
        team = self.store.team
        doc = (
            None
            if key is None
            else read_kept_rows(kept_rows_path(self.store.data_dir, team=team), team=team)
        )
        if doc is not None:  # they follow the config files, not the tables: even for a cold start
            self._kept_settings(doc.get("settings"))
        if key is None or doc is None:
            return None
        # Kept for these accounts but other summaries (a rescore since: the day's first
        # start on a team folder, after a teammate's app rescored): the rows as kept, their
        # health read again, in one pass over the summaries instead of building every row.
        kept_key = doc.get("key")
        rescored = isinstance(kept_key, list) and kept_key != key and kept_key[:2] == key[:2]
        if kept_key != key and not rescored:
            return None
        try:
            kept = rows_from_columns(doc["columns"], today, self._report_converter(), self._shared)
            rows = {row.id: row for row in kept}
            unscored = set(doc["unscored"])
            scored = doc["scored"]
            # Rows that showed the journal's changes when kept: built again from what the
            # folder holds now (a journal replaced since, by a restore or a new clone, may
            # no longer have them while the snapshot is the same).
            stale = {str(account_id) for account_id in doc["journal"]}
        except (KeyError, TypeError, ValueError):
            return None
        changed = self._changed_since_snapshot()
        if changed is None:
            return None  # parsed and changed meanwhile: it cannot say which
        stale |= changed
        if len(stale) > max(100, len(rows) // 10):
            return None  # a teammate's rescore since: reading the tables is cheaper
        if rescored:
            self._unscored = set()  # each row's summary says (see _decorate)
            for account_id in self._take_summaries(rows, set(rows), today):
                self._take_summary(rows[account_id], None, today)  # no summary: unscored
        elif scored == [today.isoformat(), self.row_settings().model]:
            self._unscored = unscored & rows.keys()
        else:  # kept on another day, or by another model: nothing is scored for today
            self._unscored = set(rows)
        for account_id in stale:
            self._refresh_row(account_id, rows, today)
        self._rows_kept = None if rescored else key  # kept again for the summaries now
        return rows

    @property
    def rows_built(self) -> bool:
        """Whether this process holds the rows (built or read): its close keeps them."""
        return self._rows is not None

    def close(self) -> None:
        """Close, and keep the rows for the next start when the snapshot left (folded on
        closing or not) and its journal hold exactly what they show (no teammate's change
        came in meanwhile); the accounts the journal changed are listed with them."""
        if self._closed:
            return
        seen = self.store.last_seq
        super().close()
        if self.store.last_seq == seen:
            self.keep_rows()

    def keep_rows(self) -> bool:
        """Keep the rows for the next start (:mod:`.rows_cache`) unless the kept ones are
        already for the tables the snapshot holds now; True when they were written.

        Safe from another thread while the rows change: a row that changes meanwhile is one
        whose record changed since the snapshot, built again when the rows are read back.
        Not when the rows took last touches or NPS from the activities and surveys (then
        they are not what the summaries alone give).
        """
        rows, day, key = self._rows, self._rows_day, self._rows_key()
        if rows is None or key is None or key == self._rows_kept or day != clock.today():
            return False  # none, kept already, or counted for a day that is over
        settings, sources = self.row_settings(), self._sources_at_open
        team = self.store.team
        path = kept_rows_path(self.store.data_dir, team=team)
        if team and kept_rows_head(path) == (key, [day.isoformat(), settings.model]):
            # A teammate's app kept these rows already (the one that rescored, or closed
            # first): the rows of accounts the journal changed are built again on reading.
            self._rows_kept = key
            return False
        folder = self.settings.directory
        if folder is None or (sources is not None and _settings_sources(folder) != sources):
            sources = None  # set by code since, or a config file changed since it was read
        unscored = list(self._unscored)
        columns = row_columns(sort_rows(list(rows.values()), FIRST_SORT))
        # After the columns: a row changed while they were made is one the journal lists.
        journal = self._changed_since_snapshot()
        if (
            rows is not self._rows
            or day != self._rows_day
            or self._rows_key() != key
            or self._last_touch is not None
            or self._latest_nps is not None
            or journal is None
        ):
            return False  # rebuilt, a checkpoint, or touches from the activities meanwhile
        head = {
            "key": key,
            "scored": [day.isoformat(), settings.model],
            "settings": None if sources is None else {"sources": sources, **asdict(settings)},
            "unscored": unscored,
            "journal": sorted(journal),
        }
        written = write_kept_rows(path, head, columns, team=team)
        del columns
        give_back_memory()  # the columns' lists and the JSON pieces (~15 MB at 50,000)
        if not written:
            return False
        self._rows_kept = key
        return True

    def health_is_current(self, as_of: date | None = None) -> bool:
        """As :meth:`Health.health_is_current`, from the rows when they are in use (they
        saw every account's summary: no second pass over the two tables, and none kept):
        rebuilt first if the day has turned since."""
        if self._rows is not None and as_of in (None, clock.today()):
            self._todays_rows()
            return not self._unscored
        return super().health_is_current(as_of)

    def _row_summaries(self) -> dict[str, dict[str, Any]]:
        """What the rows read of each account's health summary (not its history): the
        tables are streamed, so that at 50,000 accounts the process does not keep 185 MB
        of records after building the rows (screens read one account's at a time)."""
        if self._summaries is not None:
            return self._summaries
        return {
            r["id"]: {k: r[k] for k in _ROW_FIELDS if k in r}
            for r in self.store.stream(HEALTH_TABLE)
        }

    def _row(
        self,
        account: dict[str, Any],
        summary: dict[str, Any] | None,
        today: date,
        convert: Converter | None = None,
    ) -> PortfolioRow:
        """The row of one account, decorated from its stored health summary.

        The summary is looked up once by the caller: at 10,000 accounts, finding it again
        for the last touch and the NPS of each row was a measurable part of start-up.
        """
        touch = self._touch(account["id"], summary, today)
        row = build_row(account, touch, today, convert or self.to_report)
        shared = self._shared.setdefault
        row.owner, row.currency = shared(row.owner, row.owner), shared(row.currency, row.currency)
        self._decorate(row, summary, today)
        return row

    def _on_changes(self, changes: list[Change]) -> None:
        """A batch rescoring many accounts (a teammate's or a child's daily rescore) has
        its rows' health read in one pass over the summaries, not one lookup each."""
        many = self._rows is not None and (
            sum(1 for ch in changes if ch.table == HEALTH_TABLE) > _MANY_RESCORED
        )
        self._rescored = set() if many else None
        try:
            super()._on_changes(changes)
        finally:
            self._rescored = None

    def _changes_absorbed(self) -> None:
        super()._changes_absorbed()
        rescored, rows = self._rescored, self._rows
        if not rescored or rows is None:
            return
        self._rescored = None
        day = self._rows_day or clock.today()
        prepared, self._prepared = self._prepared, None
        if prepared is not None and prepared.fits(self.store.last_seq, day, rescored):
            for account_id, values in prepared.rows:
                row = rows.get(account_id)  # gone later in the batch (an undone creation)
                if row is not None:
                    self._set_values(row, values, day)
            missing = prepared.missing
        else:
            missing = self._take_summaries(rows, rescored, day)
        for account_id in missing:
            if account_id in rows:  # summaries gone (a restore): rows without health
                self._rescored_row(account_id)

    def _prepare_changes(self, changes: list[Change]) -> None:
        """For a large batch of summary changes (a teammate's rescore), read what the rows
        take from the summaries now, on the poll's thread (the store's reads are safe from
        it; the rows are not touched): the app's event loop then only sets them, where
        reading 50,000 summaries stopped it for a third of a second. Used only if nothing
        was committed between this and the batch's announcement."""
        rows = self._rows
        if rows is None:
            return
        wanted = {ch.id for ch in changes if ch.table == HEALTH_TABLE and ch.id in rows}
        if len(wanted) <= _MANY_RESCORED:
            return
        seq, day, covered = self.store.last_seq, self._rows_day or clock.today(), frozenset(wanted)
        values = [
            (account_id, self._summary_values(account_id, record, day))
            for account_id, record in self._summaries_of(wanted)
        ]
        self._prepared = _Prepared(seq, day, values, wanted, covered)

    def _take_summaries(
        self, rows: dict[str, PortfolioRow], wanted: set[str], day: date
    ) -> set[str]:
        """The ``wanted`` rows' health from their summaries, in one pass over the table;
        returns (in ``wanted``, emptied of the rest) the accounts with no summary."""
        for account_id, record in self._summaries_of(wanted):
            row = rows.get(account_id)  # gone later in the batch (an undone creation)
            if row is not None:
                self._take_summary(row, record, day)
        return wanted

    def _summaries_of(self, wanted: set[str]) -> Iterator[tuple[str, dict[str, Any]]]:
        """The health summaries of the ``wanted`` accounts, in one pass over the table;
        the accounts left in ``wanted`` have none."""
        for record in self.store.stream(HEALTH_TABLE):
            account_id = record["id"]
            if account_id in wanted:
                wanted.discard(account_id)
                yield account_id, record

    def _rescored_row(self, account_id: str) -> None:
        """A row whose health summary changed: its health fields, in place. A teammate's
        rescore changes every summary; rebuilding each row (its account read again) left
        the new rows scattered among the 90,000 changes' freed memory (+150 MB)."""
        assert self._rows is not None
        day = self._rows_day or clock.today()
        self._take_summary(self._rows[account_id], self._health_summary(account_id), day)

    def _take_summary(self, row: PortfolioRow, summary: dict[str, Any] | None, day: date) -> None:
        """A row's last touch and health fields from its account's summary, in place."""
        self._set_values(row, self._summary_values(row.id, summary, day), day)

    def _summary_values(
        self, account_id: str, summary: dict[str, Any] | None, day: date
    ) -> _SummaryValues:
        """What :meth:`_take_summary` sets, worked out without touching the row."""
        return self._touch(account_id, summary, day), self._health_fields(account_id, summary, day)

    def _set_values(self, row: PortfolioRow, values: _SummaryValues, day: date) -> None:
        touch, fields = values
        touch_row(row, touch, day)
        self._show_health(row, fields)

    def _decorate(self, row: PortfolioRow, summary: dict[str, Any] | None, today: date) -> None:
        """A row's fields from its account's health summary (None: not scored)."""
        self._show_health(row, self._health_fields(row.id, summary, today))

    def _health_fields(
        self, account_id: str, summary: dict[str, Any] | None, today: date
    ) -> _HealthFields:
        """What an account's row shows of its health summary (None: not scored), worked out
        without touching the row (a teammate's rescore has them worked out on the poll's
        thread, :meth:`_prepare_changes`): whether it is scored for ``today`` with this
        model, score, band, flags, trend and NPS."""
        day = self._day
        if day[0] != today:
            day = self._day = (today, today.isoformat())
        scored = (
            summary is not None
            and summary.get("as_of") == day[1]
            and summary.get("model") == self.row_settings().model
        )
        nps = self._nps(account_id, summary)
        if summary is None:
            return scored, None, "unknown", (), None, nps
        shared = self._shared.setdefault
        band = summary.get("band", "unknown")
        flags = tuple(summary.get("flags", ()))
        return (
            scored,
            summary.get("score"),
            shared(band, band),
            shared(flags, flags),
            summary.get("trend"),
            nps,
        )

    def _show_health(self, row: PortfolioRow, fields: _HealthFields) -> None:
        scored, row.health, row.band, row.flags, row.trend, row.nps = fields
        if scored:
            self._unscored.discard(row.id)
        else:
            self._unscored.add(row.id)

    def _refresh_row(
        self,
        account_id: str,
        rows: dict[str, PortfolioRow] | None = None,
        day: date | None = None,
    ) -> None:
        """Build one account's row again (from its record as the store has it now) in
        ``rows`` (the rows in use by default), or drop it when the account is gone."""
        rows = self._rows if rows is None else rows
        assert rows is not None
        record = self.store.peek(Table.ACCOUNTS, account_id, keep=False)
        if record is None:
            rows.pop(account_id, None)
            self._unscored.discard(account_id)
        else:
            day = day or self._rows_day or clock.today()
            summary = self._health_summary(account_id)
            rows[account_id] = self._row(record, summary, day)

    def views(self) -> list[SavedView]:
        """The built-in views, then this user's saved ones (by name)."""
        mine = [_view(r) for r in self.store.all(VIEWS_TABLE) if r.get("user") == self.user]
        return list(BUILTIN_VIEWS) + sorted(mine, key=lambda v: fold(v.name))

    def save_view(self, name: str, filter_text: str, sort: str, reverse: bool) -> SavedView:
        from cstui.domain.models import InvalidRecord

        name = name.strip()
        if not name:
            msg = i18n.t("view.error.no_name")
            raise InvalidRecord([msg], {"name": [msg]})
        if is_builtin_name(name):
            msg = i18n.t("view.error.builtin", name=name)
            raise InvalidRecord([msg], {"name": [msg]})
        view = SavedView(name=name, filter=filter_text, sort=sort, reverse=reverse)
        self._put(
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

    @one_step
    def rename_view(self, old: str, new: str) -> SavedView:
        """Give a saved view another name (its filter and sort stay); refuses a taken name.

        One undo step: undo gives the view its old name back (not the old one beside the new).
        """
        from cstui.domain.models import InvalidRecord

        record = self.store.get(VIEWS_TABLE, f"{self.user}:{fold(old)}")
        if record is None:
            msg = i18n.t("view.error.missing", name=old)
            raise InvalidRecord([msg], {"name": [msg]})
        new = new.strip()
        if fold(new) != fold(old) and any(fold(v.name) == fold(new) for v in self.views()):
            msg = i18n.t("view.error.taken", name=new)
            raise InvalidRecord([msg], {"name": [msg]})
        view = replace(_view(record), name=new)
        self.save_view(view.name, view.filter, view.sort, view.reverse)
        if fold(new) != fold(old):
            self.delete_view(old)
        self._say(i18n.msg("undo.renamed", old=record.get("name", old), new=new))
        return view

    def delete_view(self, name: str) -> None:
        key = f"{self.user}:{fold(name)}"
        if self.store.get(VIEWS_TABLE, key) is not None:
            self._delete(VIEWS_TABLE, key)  # a tombstone: travels to the hub
