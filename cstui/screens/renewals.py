"""Renewals by month: ARR due, forecast and actuals, and the renewals of the chosen month.

The top table is one line per month for the next twelve months, plus an "overdue" line for
open renewals whose date has passed (they are the most urgent and would otherwise fall off
a calendar that starts this month). Amounts stay per currency. The bottom table lists the
chosen month's renewals; ``f`` sets a forecast, ``o`` records what happened, Enter opens
the account. Outcomes are written through the workspace, so GRR/NRR follow at once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from itertools import repeat
from operator import attrgetter
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Header, Static

from cstui import clock
from cstui.domain.cadence import add_months
from cstui.domain.enums import Forecast, Outcome, Table
from cstui.domain.light import LightRenewal
from cstui.domain.renewals import MonthRow
from cstui.i18n import short_money, t
from cstui.sanitize import clean
from cstui.screens.book import BookScreen, row_at
from cstui.screens.kpis import BAND_STYLE, label, per_currency
from cstui.ui.access import workspace_app
from cstui.ui.footer import KeyFooter
from cstui.ui.forms import Field, FormScreen
from cstui.ui.names import short_company
from cstui.widgets.account_table import AccountTable, Column
from cstui.workspace.repo import HEALTH_TABLE

MONTHS = 12
PAST_MONTHS = 3
"""Months before this one, listed with what was renewed and churned in them."""
OVERDUE = "overdue"
FORECAST_STYLE = {"commit": "green", "likely": "", "at_risk": "yellow", "lost": "red"}
OUTCOME_STYLE = {"renewed": "green", "expanded": "bold green", "downgraded": "yellow"}


@dataclass
class MonthLine:
    """A month of the calendar (or the overdue bucket) with its renewals."""

    id: str
    label: str
    due: dict[str, int] = field(default_factory=dict)
    forecast: dict[Forecast, dict[str, int]] = field(default_factory=dict)
    kept: dict[str, int] = field(default_factory=dict)
    """New ARR of renewed / expanded / downgraded renewals."""
    churned: dict[str, int] = field(default_factory=dict)
    renewals: list[LightRenewal] = field(default_factory=list)


def _add(bucket: dict[str, int], currency: str, amount: int) -> None:
    bucket[currency] = bucket.get(currency, 0) + amount


def month_line(row: MonthRow[LightRenewal]) -> MonthLine:
    kept: dict[str, int] = {}
    for outcome, amounts in row.actual.items():
        if outcome is not Outcome.CHURNED:
            for cur, v in amounts.items():
                _add(kept, cur, v)
    return MonthLine(
        row.label,
        row.label,
        dict(row.due_arr),
        {k: dict(v) for k, v in row.forecast.items()},
        kept,
        dict(row.actual.get(Outcome.CHURNED, {})),
        list(row.renewals),
    )


def overdue_line(renewals: list[LightRenewal], before: date) -> MonthLine:
    line = MonthLine(OVERDUE, t("book.renew.overdue"))
    for r in renewals:
        if r.outcome is None and r.due < before:
            line.renewals.append(r)
            _add(line.due, r.currency, r.arr_due)
            _add(line.forecast.setdefault(r.forecast, {}), r.currency, r.arr_due)
    return line


def month_columns() -> list[Column[MonthLine]]:
    def fc(kind: Forecast) -> Callable[[MonthLine], Text]:
        def cell(m: MonthLine) -> Text:
            amounts = m.forecast.get(kind, {})
            style = FORECAST_STYLE.get(kind.value, "") if amounts else "dim"
            return Text(per_currency(amounts), style=style)

        return cell

    money = 16  # two currencies, "¥14.4M + $44.7k", are never cut
    return [
        Column("month", t("book.renew.col.month"), 9, lambda m: m.label, priority=10),
        Column("n", t("book.renew.col.count"), 4, lambda m: str(len(m.renewals)), "right", 7),
        Column(
            "due", t("book.renew.col.due_arr"), money, lambda m: per_currency(m.due), "right", 9
        ),
        Column("commit", t("book.forecast.commit"), money, fc(Forecast.COMMIT), "right", 5),
        Column("likely", t("book.forecast.likely"), money, fc(Forecast.LIKELY), "right", 4),
        Column("at_risk", t("book.forecast.at_risk"), money, fc(Forecast.AT_RISK), "right", 6),
        Column("lost", t("book.forecast.lost"), money, fc(Forecast.LOST), "right", 3),
        Column("kept", t("book.renew.col.kept"), money, lambda m: per_currency(m.kept), "right", 8),
        Column(
            "churned",
            t("book.renew.col.churned"),
            money,
            lambda m: Text(per_currency(m.churned), style="red" if m.churned else ""),
            "right",
            priority=7,
        ),
    ]


money_cell = lru_cache(maxsize=1 << 14)(short_money)
""":func:`short_money`, remembered: a book's ARRs repeat (4,000 amounts among 48,000 renewals
at 50,000 accounts), and the list is sized from every renewal at each build."""
_arr_due, _currency = attrgetter("arr_due"), attrgetter("currency")

OutcomeKey = tuple[Outcome | None, str | None, int | None, str]
"""What an outcome cell shows: the outcome, a churn's reason, a changed ARR and its currency."""
OPEN: OutcomeKey = (None, None, None, "")


def outcome_key(r: LightRenewal) -> OutcomeKey:
    """Renewals with one key show one outcome cell (most are open, or kept their ARR)."""
    outcome = r.outcome
    if outcome is None:
        return OPEN
    if outcome is Outcome.CHURNED:
        return (outcome, r.churn_reason, None, "")
    if r.new_arr is not None and r.new_arr != r.arr_due:
        return (outcome, None, r.new_arr, r.currency)
    return (outcome, None, None, "")


def outcome_cell(key: OutcomeKey) -> Text:
    outcome, reason, new_arr, currency = key
    if outcome is None:
        return Text(t("book.renew.open"), style="dim")
    text = t(f"book.outcome.{outcome.value}")
    if outcome is Outcome.CHURNED:
        shown = label(f"book.reason.{reason}", reason) if reason else ""
        return Text(f"{text} {shown}".strip(), style="bold red")
    if new_arr is not None:
        text += f" → {money_cell(new_arr, currency)}"
    return Text(text, style=OUTCOME_STYLE.get(outcome.value, ""))


def outcome_cells(rows: Sequence[LightRenewal]) -> Iterable[Text]:
    """The outcome cells of ``rows``, one per key (the open ones are one)."""
    decided = [r for r in rows if r.outcome is not None]
    keys = set(map(outcome_key, decided))
    if len(decided) < len(rows):
        keys.add(OPEN)
    return map(outcome_cell, keys)


class RenewalsScreen(BookScreen):
    """Months on top, the chosen month's renewals below."""

    FOLLOWS: ClassVar[frozenset[str] | None] = frozenset(
        {Table.RENEWALS, Table.ACCOUNTS, HEALTH_TABLE, Table.ACCOUNT_HISTORY}
    )

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f", "forecast", "key.book.forecast"),
        Binding("o", "outcome", "key.book.outcome"),
        Binding("tab", "switch", "key.book.switch", show=False),
        Binding("escape", "back", "key.book.back"),
    ]
    CSS_PATH = "renewals.tcss"
    TITLE_KEY = "book.renew.title"
    BUILT_AFTER_FRAME = True  # its first build reads the book's renewals (0.8 s at 50k)

    def __init__(self) -> None:
        super().__init__()
        self.months: list[MonthLine] = []
        self._all_renewals: list[LightRenewal] = []
        """Every month's renewals: the lower table's columns are sized from all of them."""
        self._names: dict[str, str] = {}
        self._bands: dict[str, str] = {}
        self._accounts_of: tuple[Sequence[LightRenewal], list[str]] | None = None

    @property
    def month_table(self) -> AccountTable[MonthLine]:
        return self.query_one("#renew-months", AccountTable)

    @property
    def list_table(self) -> AccountTable[LightRenewal]:
        return self.query_one("#renew-list", AccountTable)

    def _renewal_columns(self) -> list[Column[LightRenewal]]:
        def band_cell(band: str) -> Text:
            return Text(t(f"book.band.{band}"), style=BAND_STYLE.get(band, ""))

        def bands(rows: Sequence[LightRenewal]) -> Iterable[Text]:
            ids = self._accounts_in(rows)
            return map(band_cell, set(map(self._bands.get, ids, repeat("unknown"))))

        def names(rows: Sequence[LightRenewal]) -> Iterable[str]:
            ids = self._accounts_in(rows)
            return map(self._names.get, ids, ids)

        return [
            Column(
                "name",
                t("col.name"),
                24,
                self._stored_name,
                flex=True,
                priority=10,
                shorten=short_company,
                measure_cells=names,
            ),
            Column(
                "due",
                t("book.renew.col.date"),
                10,
                lambda r: r.due.isoformat(),
                priority=9,
                measure_key=attrgetter("due"),
            ),
            Column(
                "arr",
                t("col.arr"),
                9,
                lambda r: money_cell(r.arr_due, r.currency),
                "right",
                8,
                measure_cells=lambda rows: set(
                    map(money_cell, map(_arr_due, rows), map(_currency, rows))
                ),
            ),
            Column(
                "forecast",
                t("book.renew.col.forecast"),
                9,
                lambda r: Text(
                    t(f"book.forecast.{r.forecast.value}"),
                    style=FORECAST_STYLE.get(r.forecast.value, ""),
                ),
                priority=7,
                measure_key=attrgetter("forecast"),
            ),
            Column(
                "band",
                t("col.health"),
                8,
                lambda r: band_cell(self._bands.get(r.account_id, "unknown")),
                priority=5,
                measure_cells=bands,
            ),
            Column(
                "outcome",
                t("book.renew.col.outcome"),
                20,
                lambda r: outcome_cell(outcome_key(r)),
                priority=6,
                measure_cells=outcome_cells,
            ),
        ]

    def _accounts_in(self, rows: Sequence[LightRenewal]) -> list[str]:
        """The accounts of ``rows`` (each once), for the columns that follow from the
        account (its name, its band): found once per list the table is sized from."""
        if self._accounts_of is None or self._accounts_of[0] is not rows:
            self._accounts_of = (rows, list(set(map(attrgetter("account_id"), rows))))
        return self._accounts_of[1]

    def compose(self) -> ComposeResult:
        yield Header()
        yield AccountTable[MonthLine](month_columns(), id="renew-months", measure=True)
        yield Static(id="renew-title", markup=False)
        yield AccountTable[LightRenewal](self._renewal_columns(), id="renew-list", measure=True)
        yield KeyFooter()

    # ---------------------------------------------------------------- data
    def reading(self) -> None:
        self.query_one("#renew-title", Static).update(t("book.renew.reading"))

    def on_unmount(self) -> None:
        """Closed: its records and renewals go (an edit while it is open, or an account
        opened from it and closed, still finds them kept)."""
        self.workspace.release_renewals()

    def rebuild(self) -> None:
        ws = self.workspace
        today = clock.today()
        first = today.replace(day=1)
        past = add_months(first, -PAST_MONTHS)
        book = ws.portfolio()  # names and bands from the rows, not a model per account
        ids = list(map(attrgetter("id"), book))
        self._names = dict(zip(ids, map(attrgetter("name"), book), strict=True))
        self._bands = dict(zip(ids, map(attrgetter("band"), book), strict=True))
        calendar = ws.renewal_calendar(past, PAST_MONTHS + MONTHS, first, self._bands)
        rows = [month_line(m) for m in calendar.months]
        overdue = overdue_line(calendar.renewals, first)
        self.months = ([overdue] if overdue.renewals else []) + rows
        self._all_renewals = [r for m in self.months for r in m.renewals]
        this_month = f"{first.year}-{first.month:02d}"
        keep = self.month_table.current_id or (this_month if rows else None)
        self.month_table.set_rows(self.months, keep_id=keep)
        self._show_month()

    @property
    def month(self) -> MonthLine | None:
        return row_at(self.months, self.month_table.cursor)

    @property
    def current(self) -> LightRenewal | None:
        """The renewal under the lower cursor (f / o act on it from either table)."""
        return row_at(self.list_table.rows, self.list_table.cursor)

    def _show_month(self) -> None:
        month = self.month
        renewals = month.renewals if month else []
        self.list_table.set_rows(renewals, sized_by=self._all_renewals)
        title = (
            t("book.renew.month", month=month.label, n=len(renewals), due=per_currency(month.due))
            if month
            else ""
        )
        self.query_one("#renew-title", Static).update(title)

    def on_account_table_highlighted(self, message: AccountTable.Highlighted) -> None:
        # The table's messages carry no control: tell the tables apart by their row ids.
        if message.row_id is not None and message.row_id in {m.id for m in self.months}:
            month = self.month
            if month is not None and [r.id for r in self.list_table.rows] != [
                r.id for r in month.renewals
            ]:
                self._show_month()

    def on_account_table_selected(self, message: AccountTable.Selected) -> None:
        message.stop()
        if message.row_id in {m.id for m in self.months}:
            self.list_table.focus()
            return
        r = self.current
        if r is not None:
            workspace_app(self).open_account(r.account_id)

    # ---------------------------------------------------------------- actions
    def action_switch(self) -> None:
        if self.month_table.has_focus:
            self.list_table.focus()
        else:
            self.month_table.focus()

    def _stored_name(self, r: LightRenewal) -> str:
        """The account's name as stored: the table cleans what it draws and measures, and
        cleaning every name of the book for each build took 40 ms at 50,000 accounts."""
        return self._names.get(r.account_id, r.account_id)

    def _account_name(self, r: LightRenewal) -> str:
        return clean(self._stored_name(r))

    def action_forecast(self) -> None:
        r = self.current
        if r is None:
            self.notify(t("book.renew.none"), markup=False)
            return

        def submit(values: dict[str, Any]) -> None:
            self.workspace.set_forecast(r.account_id, values["forecast"], due=r.due)

        fields = [
            Field(
                "forecast",
                t("book.renew.col.forecast"),
                kind="select",
                options=[(t(f"book.forecast.{f.value}"), f.value) for f in Forecast],
                value=r.forecast.value,
                required=True,
            )
        ]
        title = t("book.renew.forecast_title", name=self._account_name(r), due=r.due.isoformat())
        self.app.push_screen(FormScreen(title, fields, submit))

    def action_outcome(self) -> None:
        r = self.current
        if r is None:
            self.notify(t("book.renew.none"), markup=False)
            return
        reasons = self.workspace.kpi_config.churn_reasons

        def submit(values: dict[str, Any]) -> None:
            self.workspace.record_renewal_outcome(
                r.account_id,
                outcome=values["outcome"],
                new_arr=values.get("new_arr"),
                churn_reason=values.get("churn_reason"),
                closed_on=values.get("closed_on"),
                due=r.due,
            )

        fields = [
            Field(
                "outcome",
                t("book.renew.col.outcome"),
                kind="select",
                options=[(t(f"book.outcome.{o.value}"), o.value) for o in Outcome],
                value=r.outcome.value if r.outcome else None,
                required=True,
            ),
            Field(
                "new_arr",
                t("book.renew.new_arr", currency=r.currency),
                kind="int",
                value=r.new_arr if r.new_arr is not None else r.arr_due,
                help=t("book.renew.new_arr_help", arr=short_money(r.arr_due, r.currency)),
            ),
            Field(
                "churn_reason",
                t("book.renew.reason"),
                kind="select",
                options=[(label(f"book.reason.{x}", x), x) for x in reasons],
                value=r.churn_reason,
                help=t("book.renew.reason_help"),
            ),
            Field(
                "closed_on",
                t("book.renew.closed_on"),
                kind="date",
                value=clock.today(),
                required=True,
            ),
        ]
        title = t("book.renew.outcome_title", name=self._account_name(r), due=r.due.isoformat())
        self.app.push_screen(FormScreen(title, fields, submit))
