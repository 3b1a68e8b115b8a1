"""QBRs due: every account whose quarterly review is due or overdue, across the book.

A QBR that slips past its due date is a missed executive touchpoint, so overdue dates are
red and say by how many days (``2026-10-30 · 38 days overdue``, the one wording of
relative dates, :func:`cstui.i18n.humanize`). The status column says how far the review
got (not started, draft, ready), which the date does not. The list keeps the workspace's
order (by account name). Enter opens the account straight on its QBR tab, on the quarter
that is due, so preparing it is one key away.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widgets import Static

from cstui import clock
from cstui.domain.enums import Table
from cstui.i18n import count, fmt_date, humanize, t
from cstui.sanitize import clean
from cstui.screens.book import TableScreen
from cstui.widgets.account_table import AccountTable, Column

PROGRESS_STYLE = {"none": "yellow", "draft": "", "ready": "green"}
LATEST_OVERDUE = 92
"""Most days a review can be overdue before the next quarter's replaces it (a quarter):
the due column is sized for the longest date it may show."""


@dataclass(frozen=True)
class DueRow:
    """One review to hold: the account, its quarter, when it is due and how far it got."""

    account_id: str
    name: str
    period: str
    due: date
    status: str
    """``due`` or ``overdue`` (the workspace's word; delivered reviews are not listed)."""
    progress: str = "none"
    """How far the review got: ``none`` (no draft yet), ``draft`` or ``ready``."""

    @property
    def id(self) -> str:
        return f"{self.account_id}/{self.period}"


def due_text(due: date, today: date) -> str:
    """The date and how far it is, in exact days: "2026-10-30 · 38 days overdue"."""
    return f"{fmt_date(due)} · {humanize(due, today, late=due < today, exact=True)}"


def due_cell(row: DueRow, today: date) -> Text:
    late = row.status == "overdue" or row.due < today
    return Text(due_text(row.due, today), style="bold red" if late else "")


def due_width(today: date) -> int:
    """The widest due cell, from a review due a month ahead to one overdue a quarter."""
    days = range(-LATEST_OVERDUE, 31)
    return max(cell_len(due_text(today + timedelta(days=d), today)) for d in days)


def status_cell(row: DueRow) -> Text:
    return Text(t(f"qbrui.due.status.{row.progress}"), style=PROGRESS_STYLE.get(row.progress, ""))


class QBRsDueScreen(TableScreen[DueRow]):
    """The portfolio's due reviews; Enter opens the account's QBR tab on that quarter."""

    FOLLOWS: ClassVar[frozenset[str] | None] = frozenset({Table.QBRS, Table.ACCOUNTS})

    BINDINGS: ClassVar[list[BindingType]] = [
        # Priority: the table's own Enter (hidden) would otherwise hide this one in the footer.
        Binding("enter", "open", "key.qbr.open", priority=True),
        Binding("escape", "back", "key.qbr.back"),
    ]
    CSS_PATH = "qbrs_due.tcss"
    TITLE_KEY = "qbrui.due.title"
    HEAD_ID = "qbrs-due-title"
    TABLE_ID = "qbrs-due-list"
    MEASURE = True  # the columns as wide as what they hold; the name no wider than its longest

    def columns(self) -> list[Column[DueRow]]:
        today = clock.today()
        return [
            Column(
                "name", t("qbrui.due.col.account"), 24, lambda r: r.name, flex=True, priority=10
            ),
            Column("period", t("qbrui.due.col.period"), 8, lambda r: r.period, priority=9),
            Column(
                "due",
                t("qbrui.due.col.due"),
                due_width(today),
                lambda r: due_cell(r, today),
                priority=8,
            ),
            Column("status", t("qbrui.due.col.status"), 12, status_cell, priority=7),
        ]

    def rebuild(self) -> None:
        ws = self.workspace
        names = {r.id: clean(r.name) for r in ws.portfolio()}  # no model per account
        rows = []
        for account_id, period, due, status in ws.qbrs_due(clock.today()):
            record = ws.qbr_record(account_id, period)
            progress = "none" if record is None else record.status.value
            name = names.get(account_id, account_id)
            rows.append(DueRow(account_id, name, period, due, status, progress))
        self.rows = rows
        self.table.set_rows(self.rows)
        title = t("qbrui.due.count", n=count(len(self.rows))) if self.rows else t("qbrui.due.none")
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
