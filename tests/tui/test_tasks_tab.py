"""The Tasks tab: add, complete, hide done, edit and delete tasks; executive touchpoints."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from textual.widgets import Input, Select, Static, TabbedContent

from cstui.app import CSApp, create_app
from cstui.domain.enums import Priority
from cstui.domain.models import Task
from cstui.screens.account import AccountScreen
from cstui.ui.confirm import ConfirmScreen
from cstui.ui.forms import FormScreen
from cstui.widgets.tasks import TasksPane
from cstui.workspace import Workspace

TODAY = date(2026, 11, 23)


async def _open(app: CSApp, pilot: Any, account_id: str) -> TasksPane:
    screen = AccountScreen(account_id)
    await app.push_screen(screen)
    await pilot.pause()  # as a user would: the overview first, then the tab
    screen.query_one(TabbedContent).active = "tab-tasks"
    await pilot.pause()
    return screen.query_one(TasksPane)


def _task(ws: Workspace, account_id: str, title: str) -> Task | None:
    return next((x for x in ws.tasks(account_id, include_done=True) if x.title == title), None)


def _shown(pane: TasksPane) -> list[str]:
    return [o.id for o in pane.items.options if o.id is not None]


@pytest.mark.slow
async def test_create_complete_edit_delete(demo_ws: Workspace) -> None:
    account_id = "acc-000001"
    app = create_app(demo_ws, poll=False, rescore=False)
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await _open(app, pilot, account_id)
        everything = demo_ws.tasks(account_id, include_done=True)
        assert _shown(pane) == [x.id for x in everything]  # open first, by due date
        # Executive touchpoints: the missed and due ones (else the next), with the agenda.
        points = demo_ws.touchpoints(account_id)
        text = str(pane.query_one("#touchpoints-text", Static).content)
        shown = [p for p in points if p.status in ("missed", "due")] or [
            p for p in points if p.status == "upcoming"
        ][:1]
        assert shown
        for point in shown:
            assert point.label("en") in text
            assert point.agenda("en") in text
        late = next(x for x in everything if not x.done and x.due and x.due < TODAY)
        line = str(pane.items.get_option(late.id).prompt)
        assert f"{(TODAY - late.due).days}d overdue" in line if late.due else False
        # a: add a task with a due date and a priority; the cursor lands on it.
        await pilot.press("a")
        form = app.screen
        assert isinstance(form, FormScreen)
        form.query_one("#field-title", Input).value = "Send the QBR deck"
        form.query_one("#field-due", Input).value = "2026-11-30"
        form.query_one("#field-priority", Select).value = "high"
        await pilot.press("ctrl+s")
        await pilot.pause()
        task = _task(demo_ws, account_id, "Send the QBR deck")
        assert task is not None
        assert task.due == date(2026, 11, 30)
        assert task.priority is Priority.HIGH
        assert task.source.value == "manual"
        assert pane.items.current_id == task.id
        assert "Manual" in str(pane.items.get_option(task.id).prompt)  # a label, not the value
        # x completes it (done_on today) and keeps the cursor on it; done ones sort last.
        await pilot.press("x")
        await pilot.pause()
        task = _task(demo_ws, account_id, "Send the QBR deck")
        assert task is not None
        assert task.done
        assert task.done_on == TODAY
        assert pane.items.current_id == task.id
        assert _shown(pane)[-1] == task.id
        # f hides done tasks, f again shows them.
        await pilot.press("f")
        await pilot.pause()
        assert task.id not in _shown(pane)
        assert "show done" in str(pane.query_one("#tasks-header", Static).content)
        await pilot.press("f")
        await pilot.pause()
        assert task.id in _shown(pane)
        pane.items.highlighted = pane.items.get_option_index(task.id)
        await pilot.press("x")  # and back to open
        await pilot.pause()
        reopened = _task(demo_ws, account_id, "Send the QBR deck")
        assert reopened is not None
        assert not reopened.done
        assert reopened.done_on is None
        # e edits; a bad date is refused beside its field, nothing saved.
        await pilot.press("e")
        form = app.screen
        assert isinstance(form, FormScreen)
        form.query_one("#field-due", Input).value = "soon"
        form.query_one("#field-title", Input).value = "Send the QBR deck v2"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "not a date" in str(form.query_one("#error-due", Static).content)
        assert _task(demo_ws, account_id, "Send the QBR deck v2") is None
        form.query_one("#field-due", Input).value = "2026-12-01"
        await pilot.press("ctrl+s")
        await pilot.pause()
        edited = _task(demo_ws, account_id, "Send the QBR deck v2")
        assert edited is not None
        assert edited.id == task.id
        assert edited.due == date(2026, 12, 1)
        # d deletes after asking.
        await pilot.press("d")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("enter")
        await pilot.pause()
        assert _task(demo_ws, account_id, "Send the QBR deck v2") is None
        assert task.id not in _shown(pane)
