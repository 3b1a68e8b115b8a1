"""QBRs due: every account whose quarterly review is due or overdue, across the book.

A QBR that slips past its due date is a missed executive touchpoint, so overdue dates are
red. The list keeps the workspace's order (by account name). Enter opens the account
straight on its QBR tab, on the quarter that is due, so preparing it is one key away.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widgets import Static

from cstui import clock
from cstui.i18n import fmt_date, humanize, t
from cstui.sanitize import clean
from cstui.screens.book import TableScreen
from cstui.widgets.account_table import AccountTable, Column

STATUS_STYLE = {"due": "yellow", "overdue": "bold red"}


@dataclass(frozen=True)
class DueRow:
    """One review to hold: the account, its quarter, when it is due and how far it got."""

    account_id: str
    name: str
    period: str
    due: date
    status: str
    """``due`` or ``overdue`` (the workspace's word; delivered reviews are not listed)."""

    @property
    def id(self) -> str:
        return f"{self.account_id}/{self.period}"


def due_cell(row: DueRow, today: date) -> Text:
    if row.status == "overdue" or row.due < today:
        return Text(f"{fmt_date(row.due)} {t('qbrui.due.overdue')}", style="bold red")
    return Text(f"{fmt_date(row.due)} ({humanize(row.due, today)})")


def status_cell(row: DueRow) -> Text:
    return Text(t(f"qbrui.due.status.{row.status}"), style=STATUS_STYLE.get(row.status, ""))


class QBRsDueScreen(TableScreen[DueRow]):
    """The portfolio's due reviews; Enter opens the account's QBR tab on that quarter."""

    BINDINGS: ClassVar[list[BindingType]] = [
        # Priority: the table's own Enter (hidden) would otherwise hide this one in the footer.
        Binding("enter", "open", "key.qbr.open", priority=True),
        Binding("escape", "back", "key.qbr.back"),
    ]
    CSS_PATH = "qbrs_due.tcss"
    TITLE_KEY = "qbrui.due.title"
    HEAD_ID = "qbrs-due-title"
    TABLE_ID = "qbrs-due-list"

    def columns(self) -> list[Column[DueRow]]:
        today = clock.today()
        return [
            Column(
                "name", t("qbrui.due.col.account"), 24, lambda r: r.name, flex=True, priority=10
            ),
            Column("period", t("qbrui.due.col.period"), 8, lambda r: r.period, priority=9),
            Column("due", t("qbrui.due.col.due"), 22, lambda r: due_cell(r, today), priority=8),
            Column("status", t("qbrui.due.col.status"), 12, status_cell, priority=7),
        ]

    def rebuild(self) -> None:
        ws = self.workspace
        names = {a.id: clean(a.name) for a in ws.accounts()}
        self.rows = [
            DueRow(account_id, names.get(account_id, account_id), period, due, status)
            for account_id, period, due, status in ws.qbrs_due(clock.today())
        ]
        self.table.set_rows(self.rows)
        title = t("qbrui.due.count", n=len(self.rows)) if self.rows else t("qbrui.due.none")
        self.query_one("#qbrs-due-title", Static).update(title)

    def on_account_table_selected(self, message: AccountTable.Selected) -> None:
        message.stop()
        self.run_worker(self.action_open())

    async def action_open(self) -> None:
        """Open the account screen, switch it to the QBR tab, and show the due quarter."""
        from cstui.screens.account import AccountScreen
        from cstui.widgets.qbr import QBRPane

        row = self.current
        if row is None:
            return
        screen = AccountScreen(row.account_id, tab="qbr")  # opens on it: no overview first
        await self.app.push_screen(screen)
        pane = await screen.open_tab("qbr")  # built on first show
        if isinstance(pane, QBRPane):
            pane.show_period(row.period)
            pane.call_after_refresh(pane.restore_cursor)
