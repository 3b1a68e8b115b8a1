"""The Tasks tab: this account's to-dos, and the executive touchpoints that drive some of them.

Open tasks come first, soonest due first; done ones stay visible but dimmed (``f`` hides
them) so a CSM can see what was handled lately. The source column says where a task came
from (by hand, the onboarding checklist, the executive cadence...), because generated tasks
are best handled where they came from.

The executive touchpoints (DOMAIN.md: kickoff, end of onboarding, contract midpoint, before
renewal) are shown here, under the tasks, rather than on the Onboarding tab: two of the four
fall after onboarding, each becomes a cadence task in this list, and this tab has the room.
The section shows every missed and due touchpoint (or, when none is due, the next upcoming
one), each with its suggested agenda in the UI language.
"""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from cstui import clock
from cstui.domain.cadence import Touchpoint
from cstui.domain.enums import Priority, TaskSource
from cstui.domain.models import InvalidRecord, Task
from cstui.i18n import count, fmt_date, humanize, language, t
from cstui.sanitize import clean
from cstui.ui.css import default_css
from cstui.ui.forms import Field
from cstui.ui.wrap import Wrapped
from cstui.widgets.pane import (
    WHEN_WIDTH,
    Cell,
    ItemList,
    ListPane,
    columns,
    label_width,
    when_text,
)

PRIORITY_STYLE: dict[Priority, str] = {
    Priority.HIGH: "bold red",
    Priority.NORMAL: "",
    Priority.LOW: "dim",
}
_TOUCHPOINT_STYLE: dict[str, str] = {
    "missed": "bold red",
    "due": "bold yellow",
    "upcoming": "bold",
    "done": "green",
}


def task_line(task: Task, today: date, width: int) -> Text:
    """Checkbox, title, due date, how late, priority and source, in aligned columns."""
    prio_w = label_width(t(f"taskpane.priority.{p.value}") for p in Priority)
    source_w = label_width(t(f"taskpane.source.{s.value}") for s in TaskSource)
    if task.done:
        when = "✓ " + fmt_date(task.done_on) if task.done_on else "✓"
        when_style, due_style = "green dim", "dim"
    else:
        when, when_style = when_text(task.due, today)
        due_style = "bold red" if task.due is not None and task.due < today else ""
    dim = "dim" if task.done else ""
    cells = [
        Cell("[x]" if task.done else "[ ]", "green dim" if task.done else "bold", 3),
        Cell(clean(task.title), dim),
        Cell(fmt_date(task.due) if task.due else "—", due_style, 10),
        Cell(when, when_style, WHEN_WIDTH),
        Cell(
            t(f"taskpane.priority.{task.priority.value}"),
            dim or PRIORITY_STYLE[task.priority],
            prio_w,
        ),
        Cell(t(f"taskpane.source.{task.source.value}"), "dim", source_w),
        Cell("✎" if task.notes.strip() else " ", "cyan", 1),
    ]
    return columns(cells, width)


def touchpoints_text(points: list[Touchpoint], today: date) -> Text:
    """Every missed and due touchpoint (or else the next upcoming one), with its agenda."""
    shown = [p for p in points if p.status in ("missed", "due")]
    if not any(p.status == "due" for p in shown):
        shown += [p for p in points if p.status == "upcoming"][:1]
    if not shown:
        key = "taskpane.touch.all_done" if points else "taskpane.touch.none"
        return Text(t(key), style="dim")
    lang = language()
    out = Text()
    for i, point in enumerate(shown):
        if i:
            out.append("\n")
        status = point.status
        out.append(t(f"taskpane.touch.status.{status}") + " ", style=_TOUCHPOINT_STYLE[status])
        out.append(point.label(lang), style="bold")
        out.append("  " + fmt_date(point.due))
        # The one wording of relative dates: "today", "in 12 days", "11 days overdue" (one
        # still due), "73 days ago" (one missed: its label says so).
        late = status == "due" and point.due < today
        when = humanize(point.due, today, late=late, exact=True)
        style = "yellow" if point.due == today else ("red" if status == "missed" else "dim")
        out.append("  " + when, style=style)
        out.append("\n  " + t("taskpane.touch.agenda") + " ", style="dim")
        out.append(clean(point.agenda(lang)))
    return out


class TasksPane(ListPane):
    """The account's tasks with add, complete, edit and delete; touchpoints underneath."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "add", "key.taskpane.add"),
        Binding("x", "toggle_done", "key.taskpane.done"),
        Binding("e", "edit", "key.taskpane.edit"),
        Binding("d", "delete", "key.taskpane.delete"),
        Binding("f", "hide_done", "key.taskpane.hide"),
    ]
    DEFAULT_CSS = default_css(__file__, "tasks.tcss")
    _NEED_TASK: ClassVar[frozenset[str]] = frozenset({"toggle_done", "edit", "delete"})

    def __init__(self, account_id: str) -> None:
        super().__init__(account_id, id="tasks-pane")
        self.hide_done = False
        self.tasks: list[Task] = []

    def compose(self) -> ComposeResult:
        yield Static("", id="tasks-header", classes="pane-header", markup=False)
        yield Static("", id="tasks-empty", classes="pane-empty", markup=False)
        yield ItemList(id="tasks-list")
        section = Vertical(id="touchpoints")
        section.border_title = t("taskpane.touch.title", done=0, total=0)
        with section:
            yield Static("", id="touchpoints-text", markup=False)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return not (action in self._NEED_TASK and not self.tasks)

    # ------------------------------------------------------------------ drawing
    def refresh_view(self) -> None:
        ws = self.workspace
        today = clock.today()
        everything = ws.tasks(self.account_id, include_done=True)
        open_n = sum(1 for x in everything if not x.done)
        done_n = len(everything) - open_n
        self.tasks = [x for x in everything if not (self.hide_done and x.done)]
        header = Text()
        header.append(t("taskpane.count", open=count(open_n), done=count(done_n)), style="bold")
        late = sum(1 for x in everything if not x.done and x.due is not None and x.due < today)
        if late:
            header.append("  " + t("checklist.overdue_n", n=late), style="bold red")
        hint = t("taskpane.hint.show") if self.hide_done else t("taskpane.hint.hide")
        header.append("  ·  " + hint, style="dim")
        self.query_one("#tasks-header", Static).update(header)
        empty = self.query_one("#tasks-empty", Static)
        empty.display = not self.tasks
        if not self.tasks:
            empty.update(t("taskpane.empty") if not everything else t("taskpane.empty_hidden"))
        self.set_empty(not self.tasks)
        width = self.items.line_width
        options = [Option(task_line(x, today, width), id=x.id) for x in self.tasks]
        self.items.show(options, self.take_keep())
        try:
            points = ws.touchpoints(self.account_id)
        except InvalidRecord:  # the account was deleted (perhaps by a teammate)
            points = []
        done = sum(1 for p in points if p.status == "done")
        section = self.query_one("#touchpoints")
        section.border_title = t("taskpane.touch.title", done=done, total=len(points))
        self.query_one("#touchpoints-text", Static).update(
            Wrapped(touchpoints_text(points, today), hanging=True)
        )

    # ------------------------------------------------------------------ actions
    @property
    def current(self) -> Task | None:
        current = self.items.current_id
        return next((x for x in self.tasks if x.id == current), None)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_edit()

    def action_hide_done(self) -> None:
        self.hide_done = not self.hide_done
        self.keep(self.items.current_id)
        self.refresh_view()

    def action_toggle_done(self) -> None:
        task = self.current
        if task is None:
            return
        self.keep(task.id)
        # update_task, not complete_task: ticking an onboarding task ticks its checklist item.
        self.guard(lambda: self.workspace.update_task(task.id, {"done": not task.done}))

    def _fields(self, task: Task | None) -> list[Field]:
        """The add form (``task`` None), or the edit form of ``task`` with its notes."""
        fields = [
            Field("title", t("taskpane.form.title"), value=task and task.title, required=True),
            Field("due", t("taskpane.form.due"), kind="date", value=task and task.due),
            Field(
                "priority",
                t("taskpane.form.priority"),
                kind="select",
                value=(task.priority if task else Priority.NORMAL).value,
                options=[(t(f"taskpane.priority.{p.value}"), p.value) for p in Priority],
                required=True,
            ),
        ]
        if task is not None:
            fields.append(
                Field("notes", t("taskpane.form.notes"), kind="multiline", value=task.notes)
            )
        return fields

    def action_add(self) -> None:
        fields = self._fields(None)

        def submit(values: dict[str, Any]) -> None:
            task = self.workspace.add_task(
                values["title"],
                account_id=self.account_id,
                due=values["due"],
                priority=values["priority"],
            )
            self.keep(task.id)

        self.form(t("taskpane.form.add_title"), fields, submit, t("taskpane.saved.added"))

    def action_edit(self) -> None:
        task = self.current
        if task is None:
            return
        fields = self._fields(task)
        before: dict[str, Any] = {
            "title": task.title,
            "due": task.due,
            "priority": task.priority.value,
            "notes": task.notes,
        }

        def submit(values: dict[str, Any]) -> None:
            fresh = {**values, "notes": values["notes"] or ""}
            changes = {k: v for k, v in fresh.items() if before.get(k) != v}
            if changes:
                self.workspace.update_task(task.id, changes)

        self.keep(task.id)
        self.form(
            t("taskpane.form.edit_title", title=clean(task.title)),
            fields,
            submit,
            t("taskpane.saved.edited"),
        )

    def action_delete(self) -> None:
        task = self.current
        if task is None:
            return
        self.confirm(
            t("taskpane.confirm.delete", title=clean(task.title)),
            t("taskpane.confirm.delete_verb"),
            lambda: self.workspace.delete_task(task.id),
            t("taskpane.saved.deleted"),
        )
