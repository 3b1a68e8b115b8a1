"""The book-of-business KPI screen, the "accounts behind a number" list and the survey form.

Every number comes from :meth:`Workspace.kpi_trend` (the formulas live once in
``cstui.domain.metrics``); this screen only picks the period and slice and lays the report
out. The last period of the trend *is* the report shown, so one pass computes both.
Tier suggestions sit here (not on the renewals screen) because a tier change is a
book-of-business decision, read next to the health distribution it affects.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Label, Static
from textual.worker import Worker, WorkerState, get_current_worker

from cstui import clock
from cstui.domain.enums import SurveyKind
from cstui.domain.models import InvalidRecord
from cstui.domain.renewals import KPIReport, KPIValue, Period
from cstui.domain.tiers import TierSuggestion
from cstui.i18n import catalogue, count, language, money, render, short_money, t
from cstui.sanitize import clean
from cstui.screens.book import TableScreen
from cstui.ui.access import workspace_app
from cstui.ui.dialog import Dialog
from cstui.ui.forms import Field, FormScreen
from cstui.ui.localize import localize_bindings
from cstui.widgets.account_table import AccountTable, Column
from cstui.widgets.charts import spark_rows
from cstui.workspace import AccountNotFound, Workspace
from cstui.workspace.renewals import KPI_TABLES

if TYPE_CHECKING:
    from textual.app import App

TREND_PERIODS = 6
SLICES: tuple[str, ...] = ("all", "mine", "tier:high", "tier:mid", "tier:tech")
"""What ``s`` cycles through; ``owner:NAME`` comes from the ``o`` form."""
BAND_STYLE = {"red": "bold red", "yellow": "yellow", "green": "green", "unknown": "dim"}
TIERS_SHOWN = 20


# ------------------------------------------------------------------------- shared helpers
def label(key: str, fallback: str) -> str:
    """``t(key)`` when the catalogue has it, else ``fallback`` (configurable values such as
    churn reasons may have no translation)."""
    if key in catalogue(language()) or key in catalogue("en"):
        return t(key)
    return fallback


def per_currency(amounts: Mapping[str, int | float], *, short: bool = True) -> str:
    """E.g. "¥1.2M + $30k": amounts in different currencies are listed, never added."""
    if not amounts:
        return "—"
    fmt = short_money if short else money
    return " + ".join(fmt(v, c) for c, v in sorted(amounts.items()))


def slice_label(value: str) -> str:
    kind, _, arg = value.partition(":")
    if kind == "tier":
        return t(f"tier.{arg}")
    if kind == "owner":
        return clean(arg)
    return t(f"book.slice.{value or 'all'}")


def format_value(value: KPIValue, *, with_unit: bool = True) -> Text:
    """The number (in its unit unless the table shows the unit beside it); None reads
    "no data": an empty period is a fact to show, not a 0."""
    v = value.value
    if v is None:
        return Text(t("kpis.no_data"), style="dim")
    if value.unit == "%":
        return Text(f"{v:.1f}%" if with_unit else f"{v:.1f}")
    if value.unit == "days":
        return Text(t("kpis.days", n=f"{v:.0f}") if with_unit else f"{v:.0f}")
    if value.unit == "/5":
        return Text(f"{v:.2f}/5" if with_unit else f"{v:.2f}")
    if value.key == "nps":
        return Text(f"{v:+.0f}")
    return Text(short_money(v, value.unit))


def unit_label(value: KPIValue) -> str:
    """The unit beside the number; none beside "no data" ("no data days" reads wrong)."""
    if value.value is None or not value.unit:
        return ""
    return label(f"book.unit.{value.unit}", value.unit)


def sparkline(key: str, points: Sequence[float | None]) -> Text:
    """One-row, zero-based trend; NPS (−100…100) is shifted so −100 is the floor."""
    values = [None if p is None else p + 100 for p in points] if key == "nps" else list(points)
    return Text(spark_rows(values, 200.0 if key == "nps" else None)[0], style="cyan")


# ------------------------------------------------------------------------- accounts modal
@dataclass(frozen=True)
class BehindRow:
    id: str
    name: str
    arr: int
    currency: str
    band: str


class AccountsModal(Dialog[None]):
    """The accounts behind one number; Enter opens the account (this list stays below it)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "key.book.close"),
        Binding("enter", "open", "key.book.open"),
    ]
    CSS_PATH = "kpis.tcss"

    def __init__(self, title: str, rows: Sequence[BehindRow]) -> None:
        super().__init__()
        localize_bindings(self)
        self.title_text = title
        self.rows = list(rows)

    def compose(self) -> ComposeResult:
        with Vertical(id="behind-dialog", classes="dialog"):
            yield Label(self.title_text, id="behind-title", classes="dialog-title", markup=False)
            yield AccountTable[BehindRow](
                [
                    Column("name", t("col.name"), 30, lambda r: r.name, flex=True, priority=10),
                    Column(
                        "arr", t("col.arr"), 10, lambda r: short_money(r.arr, r.currency), "right"
                    ),
                    Column(
                        "band",
                        t("col.health"),
                        8,
                        lambda r: Text(t(f"book.band.{r.band}"), style=BAND_STYLE.get(r.band, "")),
                    ),
                ],
                id="behind-table",
            )

    @property
    def table(self) -> AccountTable[BehindRow]:
        return self.query_one("#behind-table", AccountTable)

    def on_mount(self) -> None:
        self.table.set_rows(self.rows)
        self.table.focus()

    def on_account_table_selected(self, message: AccountTable.Selected) -> None:
        message.stop()
        from cstui.screens.account import AccountScreen

        self.app.push_screen(AccountScreen(message.row_id))

    def action_open(self) -> None:
        self.table.action_select()

    def action_close(self) -> None:
        self.dismiss(None)


def behind_rows(ws: Workspace, ids: Sequence[str]) -> list[BehindRow]:
    bands = {r.id: r.band for r in ws.portfolio()}
    rows = []
    for account_id in ids:
        a = ws.account(account_id)
        if a is not None:
            band = bands.get(a.id, "unknown")
            rows.append(BehindRow(a.id, a.name, a.arr, a.currency, band))
    return rows


# ------------------------------------------------------------------------- KPI screen
KPI_WORKERS = "kpis"
"""The worker group of the KPI computation (one at a time: a newer one cancels the last)."""
FINISHED = frozenset({WorkerState.SUCCESS, WorkerState.CANCELLED, WorkerState.ERROR})
"""A worker's states once it is over."""


@dataclass(frozen=True)
class Computed:
    """A worker's result: the trend of computation number ``generation``, for ``key``
    (period label, slice), as the book stood at ``mark`` (:meth:`Repo.mark`,
    taken before it started) on ``day``: kept to show again while the book has not
    changed."""

    generation: int
    reports: list[KPIReport]
    tiers: list[TierSuggestion]
    key: tuple[str, str]
    mark: int
    day: date


KEEP_TRENDS = 6
"""Trends a KPI screen keeps (its periods and slices just seen): each is up to a few MB of
account ids at 50,000 accounts, and each took seconds to compute there."""


@dataclass(frozen=True)
class KPIRow:
    """One table line: the KPI and its values over the trend periods (oldest first)."""

    id: str
    value: KPIValue
    trend: list[tuple[str, float | None]] = field(default_factory=list)


def kpi_columns() -> list[Column[KPIRow]]:
    return [
        Column("kpi", t("book.col.kpi"), 26, lambda r: t(f"kpis.{r.id}"), priority=10),
        Column(
            "value",
            t("book.col.value"),
            11,
            lambda r: format_value(r.value, with_unit=False),
            "right",
            9,
        ),
        Column("unit", t("book.col.unit"), 5, lambda r: unit_label(r.value), priority=3),
        Column(
            "trend",
            t("book.col.trend"),
            TREND_PERIODS,
            lambda r: sparkline(r.id, [v for _, v in r.trend]),
            priority=8,
        ),
        Column("note", t("book.col.note"), 20, lambda r: r.value.note_text(), flex=True),
    ]


def default_period() -> Period:
    """The last full quarter: the current one is still moving."""
    return Period.containing(clock.today(), "quarter").shift(-1)


class KPIScreen(TableScreen[KPIRow]):
    """KPIs for a period and a slice of the book, each with its trend and its accounts."""

    FOLLOWS: ClassVar[frozenset[str] | None] = KPI_TABLES
    """What the reports read (``Renewals.kpi_book``)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        # Enter first, as on the other book screens (priority: the table's own Enter is
        # hidden and would hide this one in the footer); a does the same, listed under ?.
        Binding("enter", "accounts", "key.book.accounts", priority=True),
        Binding("left_square_bracket", "shift(-1)", "key.book.previous"),
        Binding("right_square_bracket", "shift(1)", "key.book.next"),
        # P cycles month, quarter, year; m and y go straight to two of them. Not q: q quits
        # on every screen (one meaning per key).
        Binding("P", "cycle_kind", "key.book.period"),
        Binding("m", "kind('month')", "key.book.month", show=False),
        Binding("y", "kind('year')", "key.book.year", show=False),
        Binding("s", "cycle_slice", "key.book.slice"),
        Binding("o", "pick_owner", "key.book.owner"),
        Binding("a", "accounts", "key.book.accounts", show=False),
        Binding("escape", "back", "key.book.back"),
    ]
    CSS_PATH = "kpis.tcss"
    TITLE_KEY = "book.kpi.title"
    HEAD_ID = "kpi-head"
    TABLE_ID = "kpi-table"
    MEASURE = True  # a dozen rows: the KPI names ask 30 cells in Japanese

    def __init__(self, period: Period | None = None, slice: str = "all") -> None:
        super().__init__()
        self.period = period or default_period()
        self.slice = slice
        self._moment = self._end_so_far(self.period)
        """The day the lengths (``P``, ``m``, ``y``) keep: set by ``[``/``]`` and on opening,
        not by a change of length, so three ``P`` come back where they started."""
        self.report: KPIReport | None = None
        """The shown period's report; None while it is being computed."""
        self._generation = 0
        """Counts computations asked for: only the latest one's result is shown."""
        self._computing: tuple[Worker[Computed | None], float] | None = None
        """The computation under way and when it started (None: none is)."""
        self._again = False
        """The book changed while a computation ran: compute again when it is done."""
        self._kept: dict[tuple[str, str], Computed] = {}
        """Trends computed here by (period, slice), oldest first (:data:`KEEP_TRENDS`)."""

    def columns(self) -> list[Column[KPIRow]]:
        return kpi_columns()

    def details(self) -> ComposeResult:
        with VerticalScroll(id="kpi-details"):
            yield Static(id="kpi-note", markup=False)
            yield Static(id="kpi-trend", markup=False)
            yield Static(id="kpi-nps", markup=False)
            yield Static(id="kpi-health", markup=False)
            yield Static(id="kpi-tiers", markup=False)

    # ---------------------------------------------------------------- data
    def rebuild(self) -> None:
        """Compute the trend on a worker thread (1 s at 10,000 accounts, 6 s at 50,000: keys
        stay live meanwhile) and show it when done; until then the head says so and the
        table is empty, so no number is ever shown under another period's title. A trend
        this screen computed for the period and slice is shown at once when the book has
        not changed since (cycling the slices or moving back a period took seconds each)."""
        kept = self._kept.get((self.period.label, self.slice))
        if (
            kept is not None
            and kept.day == clock.today()
            and self.workspace.unchanged_since(kept.mark, KPI_TABLES)
        ):
            self._generation += 1  # a computation still running is not shown over it
            self._show(kept.reports, kept.tiers)
            return
        self.report = None
        self.rows = []
        self.table.set_rows([])
        self._show_head(None)
        for part in ("note", "trend", "nps", "health", "tiers"):
            self.query_one(f"#kpi-{part}", Static).update("")
        self._compute()

    def follow_changes(self, changed: Mapping[str, frozenset[str]] | None = None) -> None:
        """The same period and slice computed again for the book's changes, the numbers
        shown staying until the new ones replace them; a computation already running is
        not started over (on a busy team server it never finished), one follows it."""
        if self._computing is not None:
            self._again = True
        else:
            self._compute()

    def _compute(self) -> None:
        self._generation += 1
        self._again = False
        generation, period, slice_ = self._generation, self.period, self.slice
        started = time.perf_counter()
        ws = self.workspace
        key, mark, day = (period.label, slice_), ws.mark(), clock.today()

        def compute() -> Computed | None:
            worker = get_current_worker()
            periods = period.last(TREND_PERIODS)
            try:  # a large book: in a child process, whose memory goes when it ends
                far = ws.kpis_elsewhere(periods, slice_, lambda: worker.is_cancelled)
            except InterruptedError:
                return None
            if far is not None:
                return Computed(generation, far[0], far[1], key, mark, day)
            # Read on this thread too (the first read parses and validates the book);
            # not kept: at 50,000 accounts the book's models are hundreds of MB.
            found = ws.kpi_book(lambda: worker.is_cancelled)
            if found is None:
                return None
            reports = found.reports(periods, slice_, lambda: worker.is_cancelled)
            if reports is None:
                return None
            return Computed(generation, reports, found.tier_suggestions(), key, mark, day)

        worker = self.run_worker(compute, thread=True, exclusive=True, group=KPI_WORKERS)
        self._computing = (worker, started)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Show a computed trend, unless a newer one was asked for meanwhile (a key moved
        the period) or the screen is gone (then the message never arrives at all)."""
        if event.worker.group != KPI_WORKERS or event.state not in FINISHED:
            return
        if self._computing is not None and event.worker is self._computing[0]:
            # The last one asked for is over (its time paces the book's changes).
            self._built_in_background = time.perf_counter() - self._computing[1]
            self._computing = None
        done = event.worker.result if event.state == WorkerState.SUCCESS else None
        if isinstance(done, Computed):
            self._keep(done)
            if done.generation == self._generation:
                self._show(done.reports, done.tiers)
        if self._computing is None and self._again:
            self.follow_changes()

    def _keep(self, done: Computed) -> None:
        """Keep a finished trend (one the user moved away from too: they may come back)."""
        self._kept.pop(done.key, None)
        self._kept[done.key] = done
        while len(self._kept) > KEEP_TRENDS:
            del self._kept[next(iter(self._kept))]

    @property
    def computing(self) -> bool:
        """Whether the shown period's KPIs are still being computed."""
        return self.report is None

    def _show(self, reports: list[KPIReport], found: list[TierSuggestion]) -> None:
        report = reports[-1]
        self.report = report
        self.rows = [
            KPIRow(v.key, v, [(r.period.label, r[v.key].value) for r in reports])
            for v in report.values
        ]
        self.table.set_rows(self.rows)
        self._show_head(report)
        self._show_nps(report["nps"])
        self._show_health(report["health"])
        self._show_tiers(found)
        self._show_current()

    def _show_head(self, report: KPIReport | None) -> None:
        """The period and slice; under it the population, or "Computing…" until known."""
        p = report.period if report is not None else self.period
        head = t(
            "kpis.title",
            period=p.label,
            start=p.start.isoformat(),
            end=p.end.isoformat(),
            slice=slice_label(self.slice),
        )
        if report is None:
            second = Text(t("kpis.computing"), style="italic")
        else:
            second = Text(
                t(
                    "kpis.population",
                    at_start=count(len(report.accounts_at_start)),
                    new=count(len(report.new_accounts)),
                )
            )
        self.query_one("#kpi-head", Static).update(Text(head + "\n").append_text(second))

    def value(self, key: str) -> KPIValue:
        """The shown report's KPI (what tests read)."""
        assert self.report is not None
        return self.report[key]

    def on_account_table_highlighted(self, message: AccountTable.Highlighted) -> None:
        self._show_current()

    def _show_current(self) -> None:
        row = self.current
        note = self.query_one("#kpi-note", Static)
        trend = self.query_one("#kpi-trend", Static)
        if row is None:
            note.update("")
            trend.update("")
            return
        line = Text(t(f"kpis.{row.id}") + ": ", style="bold")
        line.append_text(format_value(row.value))
        if row.value.note:
            line.append("  " + clean(row.value.note_text()), style="dim")
        note.update(line)
        points = Text(t("book.kpi.trend") + " ", style="bold")
        for i, (period, v) in enumerate(row.trend):
            if i:
                points.append(" · ", style="dim")
            shown = format_value(KPIValue(row.id, v, row.value.unit))
            points.append(f"{period} ")
            points.append_text(shown)
        trend.update(points)

    def _show_nps(self, value: KPIValue) -> None:
        parts = value.parts
        text = Text(t("kpis.nps") + ": ", style="bold")
        text.append_text(format_value(value))
        text.append("  ")
        text.append(t("book.kpi.promoters", n=count(int(parts.get("promoters", 0)))), style="green")
        text.append(" · ")
        text.append(t("book.kpi.passives", n=count(int(parts.get("passives", 0)))), style="yellow")
        text.append(" · ")
        text.append(t("book.kpi.detractors", n=count(int(parts.get("detractors", 0)))), style="red")
        self.query_one("#kpi-nps", Static).update(text)

    def _show_health(self, value: KPIValue) -> None:
        counts = {k: int(v) for k, v in value.parts.items()}
        total = sum(counts.values())
        text = Text(t("book.kpi.health") + ": ", style="bold")
        for band in ("red", "yellow", "green", "unknown"):
            n = counts.get(band, 0)
            cells = round(20 * n / total) if total else 0
            text.append("█" * cells, style=BAND_STYLE[band])
        text.append("  ")
        for i, band in enumerate(("red", "yellow", "green", "unknown")):
            if i:
                text.append(" · ")
            text.append(f"{t(f'book.band.{band}')} {counts.get(band, 0)}", style=BAND_STYLE[band])
        self.query_one("#kpi-health", Static).update(text)

    def _show_tiers(self, found: list[TierSuggestion]) -> None:
        text = Text(t("book.tier.heading", n=count(len(found))), style="bold")
        if not found:
            text.append("  " + t("book.tier.none"), style="not bold dim")
        for s in found[:TIERS_SHOWN]:
            text.append("\n  ")
            text.append(clean(s.name), style="bold")
            text.append("  " + render(s.message))
        if len(found) > TIERS_SHOWN:
            text.append("\n  " + t("book.more", n=count(len(found) - TIERS_SHOWN)), style="dim")
        self.query_one("#kpi-tiers", Static).update(text)

    # ---------------------------------------------------------------- actions
    def _go(self, period: Period, slice: str) -> bool:
        """Show ``period`` and ``slice``; a period that has not started yet is refused
        with its reason (there is nothing to count in it). Whether it is shown."""
        try:
            self.workspace.check_kpi_periods([period], slice)
        except InvalidRecord as exc:
            self.notify(" ".join(exc.messages), severity="warning", markup=False)
            return False
        self.period, self.slice = period, slice
        self.rebuild()
        return True

    @staticmethod
    def _end_so_far(period: Period) -> date:
        """The period's last day, or today while that day is to come."""
        return min(period.end, clock.today())

    def action_shift(self, delta: int) -> None:
        if self._go(self.period.shift(delta), self.slice):
            self._moment = self._end_so_far(self.period)

    def action_kind(self, kind: str) -> None:
        """Same moment, other length: the period of ``kind`` holding the moment kept (see
        ``_moment``). From the year of 2026Q3, a month is September, the quarter's last;
        it was the year's end so far (December, or this month while the year runs), so
        2026Q3 → 2026 → 2026-12 → 2026Q4 never came back to 2026Q3."""
        if kind != self.period.kind:
            day = self._moment
            if not self.period.start <= day <= self.period.end:
                day = self._end_so_far(self.period)
            self._go(Period.containing(day, kind), self.slice)

    def action_cycle_kind(self) -> None:
        """The next length (month, quarter, year, month…) at the same moment: three
        presses come back to the period they started from."""
        kinds = ("month", "quarter", "year")
        i = kinds.index(self.period.kind) + 1 if self.period.kind in kinds else 0
        self.action_kind(kinds[i % len(kinds)])

    def action_cycle_slice(self) -> None:
        i = SLICES.index(self.slice) + 1 if self.slice in SLICES else 0
        self._go(self.period, SLICES[i % len(SLICES)])

    def action_pick_owner(self) -> None:
        owners = self.workspace.owners()
        current = self.slice.partition(":")[2] if self.slice.startswith("owner:") else None

        def submit(values: dict[str, Any]) -> None:
            self._go(self.period, f"owner:{values['owner']}")

        fields = [
            Field(
                "owner",
                t("book.kpi.owner"),
                kind="select",
                options=[(o, o) for o in owners],
                value=current,
                required=True,
            )
        ]
        self.app.push_screen(FormScreen(t("book.kpi.owner_title"), fields, submit))

    def on_account_table_selected(self, message: AccountTable.Selected) -> None:
        message.stop()
        self.action_accounts()

    def action_accounts(self) -> None:
        row = self.current
        if row is None or self.report is None:
            return
        if not row.value.accounts:
            self.notify(t("book.kpi.no_accounts"), markup=False)
            return
        title = t(
            "book.kpi.behind",
            kpi=t(f"kpis.{row.id}"),
            period=self.report.period.label,
            n=len(row.value.accounts),
        )
        self.app.push_screen(AccountsModal(title, behind_rows(self.workspace, row.value.accounts)))


# ------------------------------------------------------------------------- survey form
def survey_form(ws: Workspace, account_id: str) -> FormScreen:
    """An NPS/CSAT response for one account, saved with ``ws.record_survey``.

    The score range is a rule of the whole record (it depends on the kind), so the
    workspace reports it without a field; the form moves it beside the score.
    Saving rescores the account so a detractor's alert appears at once.
    """
    account = ws.account(account_id)
    name = account.name if account else account_id
    contacts = [(clean(c.name), c.id) for c in ws.contacts(account_id)]

    def submit(values: dict[str, Any]) -> None:
        data = {
            "account_id": account_id,
            "contact_id": values.get("contact"),
            "date": values.get("date"),
            "kind": values.get("kind") or SurveyKind.NPS.value,
            "score": values.get("score"),
            "comment": values.get("comment") or "",
        }
        try:
            ws.record_survey(data)
        except InvalidRecord as exc:
            fields = {k or "score": v for k, v in exc.fields.items()}
            raise InvalidRecord(exc.messages, fields) from None
        ws.refresh_health([account_id])

    fields = [
        Field("contact", t("book.survey.contact"), kind="select", options=contacts),
        Field("date", t("book.survey.date"), kind="date", value=clock.today(), required=True),
        Field(
            "kind",
            t("book.survey.kind"),
            kind="select",
            options=[(t(f"book.survey.kind.{k.value}"), k.value) for k in SurveyKind],
            value=SurveyKind.NPS.value,
            required=True,
        ),
        Field(
            "score",
            t("book.survey.score"),
            kind="int",
            required=True,
            help=t("book.survey.score_help"),
        ),
        Field("comment", t("book.survey.comment"), kind="multiline"),
    ]
    return FormScreen(t("book.survey.title", name=clean(name)), fields, submit)


def record_survey_flow(app: App[Any], account_id: str | None) -> None:
    """Open the survey form for ``account_id``, asking for the account first when None."""
    ws = workspace_app(app).workspace
    if account_id is not None:
        app.push_screen(survey_form(ws, account_id))
        return
    chosen: list[str] = []

    def pick(values: dict[str, Any]) -> None:
        try:
            chosen.append(ws.find_account(str(values.get("account") or "")).id)
        except AccountNotFound as exc:
            raise InvalidRecord.said(exc.message, field="account") from None

    def then(values: dict[str, Any] | None) -> None:
        if values is not None and chosen:
            app.push_screen(survey_form(ws, chosen[-1]))

    fields = [
        Field(
            "account",
            t("book.survey.account"),
            required=True,
            help=t("book.survey.account_help"),
        )
    ]
    app.push_screen(FormScreen(t("book.survey.pick_title"), fields, pick), then)
