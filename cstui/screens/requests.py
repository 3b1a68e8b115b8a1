"""Feature requests ranked by the revenue asking for them, and the close-the-loop work.

The rank is :meth:`Workspace.ranked_requests` (ARR of the accounts asking, then the ARR at
risk among them), never a vote count. ``S`` ships a request, which creates one "tell the
customer" task per account; completing them here (``x`` in the detail) closes the loop, so
the whole listen → tell cycle can be run from this screen.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Label, Static

from cstui.domain.enums import LoopStatus, Table
from cstui.domain.models import FeatureRequest, InvalidRecord, Task
from cstui.domain.voc import RankedRequest, next_status
from cstui.i18n import Msg, count, short_money, t
from cstui.sanitize import clean
from cstui.screens.book import TableScreen
from cstui.ui.access import UsesWorkspace
from cstui.ui.dialog import Dialog
from cstui.ui.forms import Field, FormScreen
from cstui.ui.localize import localize_bindings
from cstui.widgets.account_table import AccountTable, Column
from cstui.workspace import AccountNotFound, Workspace
from cstui.workspace.repo import HEALTH_TABLE

STATUS_STYLE = {
    "listening": "dim",
    "analysing": "cyan",
    "acting": "yellow",
    "told": "green",
    "monitoring": "green",
}
_SPLIT = re.compile(r"[,、，;\n]")


@dataclass(frozen=True)
class RequestRow:
    id: str
    ranked: RankedRequest


def _amount(value: float | None, currency: str | None) -> Text:
    if value is None or currency is None:
        return Text("—", style="dim")
    return Text(short_money(value, currency))


def request_columns() -> list[Column[RequestRow]]:
    def status(r: RequestRow) -> Text:
        s = r.ranked.status.value
        return Text(t(f"book.loop.{s}"), style=STATUS_STYLE.get(s, ""))

    def at_risk(r: RequestRow) -> Text:
        text = _amount(r.ranked.arr_at_risk, r.ranked.currency)
        if r.ranked.arr_at_risk:
            text.stylize("bold red")
        return text

    return [
        Column("title", t("book.req.col.title"), 30, lambda r: r.ranked.request.title, flex=True),
        Column("arr", t("col.arr"), 9, lambda r: _amount(r.ranked.arr, r.ranked.currency), "right"),
        Column("risk", t("book.req.col.at_risk"), 9, at_risk, "right", priority=8),
        Column("n", t("book.req.col.accounts"), 5, lambda r: str(r.ranked.votes), "right", 6),
        Column("status", t("book.req.col.status"), 12, status, priority=9),
        Column(
            "shipped",
            t("book.req.col.shipped"),
            8,
            lambda r: Text("✓", style="green") if r.ranked.request.shipped else "",
            priority=7,
        ),
    ]


def parse_accounts(ws: Workspace, text: str) -> list[str]:
    """Account ids from "name, name, id": every piece must name exactly one account."""
    ids: list[str] = []
    problems: list[Msg] = []
    for piece in (p.strip() for p in _SPLIT.split(text or "")):
        if not piece:
            continue
        try:
            found = ws.find_account(piece).id
        except AccountNotFound as exc:
            problems.append(exc.message)
            continue
        if found not in ids:
            ids.append(found)
    if problems:
        raise InvalidRecord.said(*problems, field="accounts")
    return ids


# ------------------------------------------------------------------------- detail
@dataclass(frozen=True)
class TaskRow:
    id: str
    task: Task
    account: str


class RequestDetail(UsesWorkspace, Dialog[None]):
    """Verbatim, accounts and tell tasks of one request; ``x`` completes a task."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("x", "toggle_done", "key.book.task_done"),
        Binding("escape", "close", "key.book.close"),
    ]
    CSS_PATH = "requests.tcss"

    def __init__(self, request_id: str) -> None:
        super().__init__()
        localize_bindings(self)
        self.request_id = request_id

    @property
    def tasks_table(self) -> AccountTable[TaskRow]:
        return self.query_one("#req-tasks", AccountTable)

    def compose(self) -> ComposeResult:
        columns: list[Column[TaskRow]] = [
            Column(
                "done",
                "",
                1,
                lambda r: Text("✓", style="green") if r.task.done else Text("·", style="dim"),
            ),
            Column("title", t("book.req.col.task"), 30, lambda r: r.task.title, flex=True),
            Column("account", t("col.name"), 20, lambda r: r.account, priority=6),
            Column(
                "due",
                t("book.req.col.due"),
                10,
                lambda r: r.task.due.isoformat() if r.task.due else "—",
                priority=5,
            ),
        ]
        with Vertical(id="req-detail", classes="dialog"):
            yield Label("", id="req-detail-title", classes="dialog-title", markup=False)
            with VerticalScroll(id="req-detail-body"):
                yield Static(id="req-detail-status", markup=False)
                yield Static(id="req-detail-verbatim", markup=False)
                yield Static(id="req-detail-accounts", markup=False)
            yield Static(id="req-detail-tasks-title", markup=False)
            yield AccountTable[TaskRow](columns, id="req-tasks")

    def on_mount(self) -> None:
        self.rebuild()
        self.tasks_table.focus()

    def rebuild(self) -> None:
        ws = self.workspace
        ranked = next((r for r in ws.ranked_requests() if r.request.id == self.request_id), None)
        if ranked is None:
            self.dismiss(None)
            return
        req: FeatureRequest = ranked.request
        self.query_one("#req-detail-title", Label).update(clean(req.title))
        status = Text(t("book.req.col.status") + ": ", style="bold")
        s = ranked.status.value
        status.append(t(f"book.loop.{s}"), style=STATUS_STYLE.get(s, ""))
        if req.shipped:
            status.append("  ✓ " + t("book.req.col.shipped"), style="green")
        self.query_one("#req-detail-status", Static).update(status)
        verbatim = Text(t("book.req.verbatim") + "\n", style="bold")
        verbatim.append(clean(req.verbatim, single_line=False) or "—", style="not bold italic")
        self.query_one("#req-detail-verbatim", Static).update(verbatim)
        accounts = Text(t("book.req.accounts_heading", n=count(ranked.votes)), style="bold")
        red = set(ranked.at_risk)
        for account_id in ranked.accounts:
            a = ws.account(account_id)
            if a is None:
                continue
            accounts.append("\n  ")
            accounts.append(clean(a.name), style="bold red" if a.id in red else "not bold")
            accounts.append(f"  {short_money(a.arr, a.currency)}", style="not bold")
        if ranked.note:
            accounts.append("\n" + clean(ranked.note_text()), style="not bold dim")
        self.query_one("#req-detail-accounts", Static).update(accounts)
        names = {r.id: clean(r.name) for r in ws.portfolio()}  # no model per account
        tasks = sorted(ws.request_tasks(self.request_id), key=lambda x: (x.done, x.title))
        done = sum(1 for x in tasks if x.done)
        self.query_one("#req-detail-tasks-title", Static).update(
            Text(t("book.req.tasks", done=count(done), n=count(len(tasks))), style="bold")
        )
        rows = [TaskRow(x.id, x, names.get(x.account_id or "", "")) for x in tasks]
        self.tasks_table.set_rows(rows)

    def action_toggle_done(self) -> None:
        """Complete (or reopen) the task, then store "told" on loops that just closed."""
        table = self.tasks_table
        rows = table.rows
        if not rows:
            return
        index = table.cursor
        row = rows[index]
        with self.workspace.action():  # one undo step: the tick and the loop it closes
            self.workspace.complete_task(row.id, not row.task.done)
            told = self.workspace.close_told_loops()
        if told:
            self.notify(t("book.req.told"), markup=False)
        self.rebuild()
        table.move_cursor(index)  # stay in place: the done task sinks, the next one rises

    def action_close(self) -> None:
        self.dismiss(None)


# ------------------------------------------------------------------------- screen
class RequestsScreen(TableScreen[RequestRow]):
    """Requests ranked by ARR asking; n new, s loop status, S ship, Enter detail."""

    FOLLOWS: ClassVar[frozenset[str] | None] = frozenset(
        {Table.REQUESTS, Table.ACCOUNTS, HEALTH_TABLE, Table.TASKS}
    )

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "new", "key.book.new_request"),
        Binding("s", "status", "key.book.status"),
        Binding("S", "ship", "key.book.ship"),
        Binding("escape", "back", "key.book.back"),
    ]
    CSS_PATH = "requests.tcss"
    TITLE_KEY = "book.req.title"
    HEAD_ID = "req-head"
    TABLE_ID = "req-table"
    MEASURE = True

    REBUILD_ON_RESUME = True  # the request detail may have closed a loop

    def __init__(self) -> None:
        super().__init__()
        self.last_shipped: list[Task] = []

    def columns(self) -> list[Column[RequestRow]]:
        return request_columns()

    def rebuild(self) -> None:
        ranked = self.workspace.ranked_requests()
        self.rows = [RequestRow(r.request.id, r) for r in ranked]
        self.table.set_rows(self.rows)
        self.query_one("#req-head", Static).update(t("book.req.head", n=count(len(ranked))))

    # ---------------------------------------------------------------- actions
    def on_account_table_selected(self, message: AccountTable.Selected) -> None:
        message.stop()
        self.app.push_screen(RequestDetail(message.row_id))

    def action_new(self) -> None:
        ws = self.workspace
        created: list[str] = []

        def submit(values: dict[str, Any]) -> None:
            ids = parse_accounts(ws, str(values.get("accounts") or ""))
            data = {
                "title": values.get("title") or "",
                "verbatim": values.get("verbatim") or "",
                "account_ids": ids,
            }
            try:
                created.append(ws.add_request(data).id)
            except InvalidRecord as exc:
                fields = {
                    ("accounts" if k == "account_ids" else k): v for k, v in exc.fields.items()
                }
                raise InvalidRecord(exc.messages, fields) from None

        def done(values: dict[str, Any] | None) -> None:
            if created:
                self.rebuild()
                self.table.set_rows(self.rows, keep_id=created[-1])

        fields = [
            Field("title", t("book.req.col.title"), required=True),
            Field("verbatim", t("book.req.verbatim"), kind="multiline"),
            Field("accounts", t("book.req.accounts"), help=t("book.req.accounts_help")),
        ]
        self.app.push_screen(FormScreen(t("book.req.new_title"), fields, submit), done)

    def action_status(self) -> None:
        row = self.current
        if row is None:
            return
        now = row.ranked.status
        suggested = next_status(now) or now

        def submit(values: dict[str, Any]) -> None:
            self.workspace.set_request_status(row.id, values["status"])

        fields = [
            Field(
                "status",
                t("book.req.col.status"),
                kind="select",
                options=[(t(f"book.loop.{s.value}"), s.value) for s in LoopStatus],
                value=suggested.value,
                required=True,
                help=t("book.req.status_help", now=t(f"book.loop.{now.value}")),
            )
        ]
        title = t("book.req.status_title", title=clean(row.ranked.request.title))
        self.app.push_screen(FormScreen(title, fields, submit))

    def action_ship(self) -> None:
        row = self.current
        if row is None:
            return
        try:
            self.last_shipped = self.workspace.ship_request(row.id)
        except InvalidRecord as exc:
            self.notify(str(exc), severity="error", markup=False)
            return
        self.rebuild()
        self.notify(t("book.req.shipped", n=count(len(self.last_shipped))), markup=False)
