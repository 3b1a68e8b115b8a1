"""One meaning per key across screens, and no key lost while a screen opens."""

from __future__ import annotations

from typing import Any

from textual import events
from textual.widgets import TabbedContent
from textual.widgets._key_panel import BindingsTable
from textual.widgets.tabbed_content import ContentTab

from cstui.app import CSApp, create_app
from cstui.screens.account import AccountScreen
from cstui.screens.account_tabs import tabs
from cstui.ui.forms import FormScreen
from cstui.widgets.checklist import OnboardingPane
from cstui.widgets.tasks import TasksPane
from cstui.workspace import Workspace


def _app(ws: Workspace, lang: str = "en") -> CSApp:
    return create_app(ws, lang=lang, poll=False, rescore=False)


async def _settle(pilot: Any, times: int = 4) -> None:
    for _ in range(times):
        await pilot.pause()


def _with_plan(ws: Workspace) -> str:
    return next(a.id for a in ws.accounts() if ws.onboarding(a.id) is not None)


async def test_a_digit_typed_right_after_enter_picks_the_tab(demo_ws: Workspace) -> None:
    """Enter and a digit arrive together (a fast typist): the digit is not dropped."""
    app = _app(demo_ws)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        app.post_message(events.Key("enter", "\r"))
        app.post_message(events.Key("4", "4"))
        await _settle(pilot)
        screen = app.screen
        assert isinstance(screen, AccountScreen)
        assert screen.query_one(TabbedContent).active == "tab-timeline"


async def test_today_enter_then_digit(demo_ws: Workspace) -> None:
    app = _app(demo_ws)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("t")
        await pilot.pause()
        await pilot.press("down")  # the first selectable line
        app.post_message(events.Key("enter", "\r"))
        app.post_message(events.Key("5", "5"))
        await _settle(pilot)
        screen = app.screen
        assert isinstance(screen, AccountScreen)
        assert screen.query_one(TabbedContent).active == "tab-tasks"


async def test_moves_and_enter_typed_together_open_the_row_moved_to(demo_ws: Workspace) -> None:
    """ "j j Enter" in one burst opens the third row, not the one the cursor started on."""
    from cstui.screens.portfolio import PortfolioScreen

    app = _app(demo_ws)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        portfolio = app.screen
        assert isinstance(portfolio, PortfolioScreen)
        expected = portfolio.table.rows[2].id
        for key, char in (("j", "j"), ("down", None), ("enter", "\r")):
            app.post_message(events.Key(key, char))
        await _settle(pilot)
        assert isinstance(app.screen, AccountScreen)
        assert app.screen.account_id == expected


async def test_today_moves_and_enter_typed_together(demo_ws: Workspace) -> None:
    from cstui.screens.today import TodayScreen

    app = _app(demo_ws)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("t")
        await pilot.pause()
        today = app.screen
        assert isinstance(today, TodayScreen)
        assert today.digest is not None
        tasks = today.digest.tasks
        assert today.current == tasks[0]
        moves = next(i for i, task in enumerate(tasks) if task.account_id != tasks[0].account_id)
        for key, char in [("j", "j")] * moves + [("enter", "\r")]:
            app.post_message(events.Key(key, char))
        await _settle(pilot)
        assert isinstance(app.screen, AccountScreen)
        assert app.screen.account_id == tasks[moves].account_id


async def test_tab_labels_show_their_digit_and_help_lists_only_those(demo_ws: Workspace) -> None:
    app = _app(demo_ws)
    async with app.run_test(size=(140, 45)) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, AccountScreen)
        labels = [str(tab.label) for tab in screen.query(ContentTab)]
        count = len(tabs()) + 1
        assert labels[0] == "1 Overview"
        assert len(labels) == count
        assert all(label.startswith(f"{n} ") for n, label in enumerate(labels, start=1))
        digits = {key for key in screen.active_bindings if key.isdigit()}
        assert digits == {str(n) for n in range(1, count + 1)}
        await pilot.press("question_mark")
        await _settle(pilot)
        help_text = "\n".join(
            str(line.text)
            for table in screen.query(BindingsTable)
            for line in table.render_lines(table.region.reset_offset)
        )
        assert "Overview" in help_text
        assert "Timeline" in help_text
        assert f"{count + 1} " not in help_text.replace("\u2502", " ")


async def test_j_k_move_in_the_checklist_and_m_opens_its_kpis(demo_ws: Workspace) -> None:
    account_id = _with_plan(demo_ws)
    app = _app(demo_ws)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = AccountScreen(account_id)
        await app.push_screen(screen)
        await pilot.pause()
        await pilot.press("2")
        await _settle(pilot)
        pane = screen.query_one(OnboardingPane)
        start = pane.items.highlighted
        await pilot.press("j")
        await pilot.pause()
        moved = pane.items.highlighted
        assert moved is not None
        assert start is not None
        assert moved > start
        await pilot.press("k")
        await pilot.pause()
        assert app.screen is screen
        assert pane.items.highlighted == start
        await pilot.press("m")
        await pilot.pause()
        assert isinstance(app.screen, FormScreen)


async def test_h_rates_health_on_the_tasks_tab_and_f_hides_done(demo_ws: Workspace) -> None:
    account_id = next(a.id for a in demo_ws.accounts())
    app = _app(demo_ws)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = AccountScreen(account_id)
        await app.push_screen(screen)
        await pilot.pause()
        await pilot.press("5")
        await _settle(pilot)
        pane = screen.query_one(TasksPane)
        assert not pane.hide_done
        await pilot.press("f")
        await pilot.pause()
        assert pane.hide_done
        await pilot.press("h")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, FormScreen)
        assert "health" in str(form.query_one("#form-title").render()).lower()


async def test_today_offers_z_only_on_alerts_and_x_only_on_tasks(demo_ws: Workspace) -> None:
    from cstui.screens.today import TodayScreen

    app = _app(demo_ws)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("t")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, TodayScreen)
        seen = set()
        for _ in range(60):
            item = screen.current
            if item is not None and item.section in ("tasks", "alerts"):
                keys = {a.binding.action for a in screen.active_bindings.values()}
                assert ("snooze" in keys) == (item.section == "alerts")
                assert ("done" in keys) == (item.section == "tasks")
                seen.add(item.section)
            await pilot.press("j")
            await pilot.pause()
        assert seen == {"tasks", "alerts"}
