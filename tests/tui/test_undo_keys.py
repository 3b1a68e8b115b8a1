"""u undoes the session's last change on any screen, U redoes it, and a toast says what."""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import TabbedContent

from cstui.app import CSApp, create_app
from cstui.screens.account import AccountScreen
from cstui.screens.portfolio import PortfolioScreen
from cstui.widgets.tasks import TasksPane
from cstui.workspace import Workspace


def _said(app: CSApp) -> list[str]:
    return [n.message for n in app._notifications]


async def _tasks(app: CSApp, pilot: Any, account_id: str) -> TasksPane:
    screen = AccountScreen(account_id)
    await app.push_screen(screen)
    await pilot.pause()
    screen.query_one(TabbedContent).active = "tab-tasks"
    await pilot.pause()
    return screen.query_one(TasksPane)


@pytest.mark.slow
async def test_u_undoes_a_tick_from_another_screen_and_shift_u_redoes(demo_ws: Workspace) -> None:
    account_id = "acc-000001"
    task = next(x for x in demo_ws.tasks(account_id) if not x.done)
    app = create_app(demo_ws, poll=False, rescore=False)
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await _tasks(app, pilot, account_id)
        pane.items.highlighted = pane.items.get_option_index(task.id)
        pane.items.focus()
        await pilot.press("x")
        await pilot.pause()
        assert next(x for x in demo_ws.tasks(account_id, include_done=True) if x.id == task.id).done
        await pilot.press("p")  # back to the portfolio: undo works across screens
        await pilot.pause()
        assert isinstance(app.screen, PortfolioScreen)
        await pilot.press("u")
        await pilot.pause()
        assert f"Undid: ticked '{task.title}'" in _said(app)
        undone = next(x for x in demo_ws.tasks(account_id, include_done=True) if x.id == task.id)
        assert not undone.done
        await pilot.press("U")
        await pilot.pause()
        assert f"Redid: ticked '{task.title}'" in _said(app)
        assert next(x for x in demo_ws.tasks(account_id, include_done=True) if x.id == task.id).done


@pytest.mark.slow
async def test_u_with_nothing_to_undo_says_so(demo_ws: Workspace) -> None:
    app = create_app(demo_ws, poll=False, rescore=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("u")
        await pilot.pause()
        assert "Nothing to undo in this session." in _said(app)
