"""The portfolio: the screen a CSM opens every morning.

Rows come precomputed from the workspace; sorting happens in the data layer and the table
draws only what is on screen, so the screen stays instant with tens of thousands of accounts.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from cstui import clock
from cstui.domain.portfolio import PortfolioRow, sort_rows
from cstui.i18n import humanize, short_money, t
from cstui.widgets.account_table import AccountTable, Column
from cstui.workspace import Workspace, WorkspaceEvent


def _renewal(row: PortfolioRow) -> Text:
    if row.renewal_date is None:
        return Text("—")
    text = humanize(row.renewal_date, clock.today())
    overdue = row.days_to_renewal is not None and row.days_to_renewal < 0
    return Text(text, style="bold red" if overdue else "")


def _touch(row: PortfolioRow) -> str:
    return "—" if row.days_since_touch is None else t("portfolio.days", n=row.days_since_touch)


def portfolio_columns() -> list[Column[PortfolioRow]]:
    return [
        Column("name", t("col.name"), 28, lambda r: r.name, flex=True, priority=10),
        Column("tier", t("col.tier"), 6, lambda r: t(f"tier.{r.tier.value}"), priority=6),
        Column("stage", t("col.stage"), 12, lambda r: t(f"stage.{r.stage.value}"), priority=7),
        Column("arr", t("col.arr"), 9, lambda r: short_money(r.arr, r.currency), "right", 9),
        Column("renewal", t("col.renewal"), 14, _renewal, priority=8),
        Column("touch", t("col.touch"), 8, _touch, "right", priority=5),
        Column("owner", t("col.owner"), 8, lambda r: r.owner, priority=4),
    ]


class PortfolioScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "cycle_sort", "Sort"),
        Binding("r", "reverse_sort", "Reverse"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.sort_key = "renewal"
        self.sort_reverse = False
        self._unsubscribe: object = None

    @property
    def workspace(self) -> Workspace:
        return self.app.workspace  # type: ignore[attr-defined,no-any-return]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="portfolio-summary", markup=False)
        yield AccountTable[PortfolioRow](portfolio_columns(), id="portfolio-table")
        yield Footer()

    def on_mount(self) -> None:
        self._unsubscribe = self.workspace.subscribe(self._on_workspace_event)
        self.refresh_rows()
        self.query_one(AccountTable).focus()

    def on_unmount(self) -> None:
        if callable(self._unsubscribe):
            self._unsubscribe()

    def _on_workspace_event(self, event: WorkspaceEvent) -> None:
        self.refresh_rows()

    @property
    def table(self) -> AccountTable[PortfolioRow]:
        return self.query_one("#portfolio-table", AccountTable)

    def refresh_rows(self) -> None:
        rows = sort_rows(self.workspace.portfolio(), self.sort_key, self.sort_reverse)
        self.table.set_sort(self.sort_key, self.sort_reverse)
        self.table.set_rows(rows)
        total = len(rows)
        self.query_one("#portfolio-summary", Static).update(t("portfolio.summary", n=total))

    def on_account_table_sort_requested(self, message: AccountTable.SortRequested) -> None:
        if message.key == self.sort_key:
            self.sort_reverse = not self.sort_reverse
        else:
            self.sort_key, self.sort_reverse = message.key, False
        self.refresh_rows()

    def action_cycle_sort(self) -> None:
        keys = [c.key for c in portfolio_columns()]
        self.sort_key = keys[(keys.index(self.sort_key) + 1) % len(keys)]
        self.sort_reverse = False
        self.refresh_rows()

    def action_reverse_sort(self) -> None:
        self.sort_reverse = not self.sort_reverse
        self.refresh_rows()
