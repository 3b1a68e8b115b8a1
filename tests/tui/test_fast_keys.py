"""Keys typed faster than the app handles them act in order: a priority Enter (the book
screens show it in their footers) opens the row the keys before it moved to, not the row
the cursor was on when Enter was read (Textual runs priority bindings at once and only
queues the other keys for the focused widget)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from textual import events

from cstui.app import create_app
from cstui.screens.account import AccountScreen
from cstui.screens.qbrs_due import QBRsDueScreen
from cstui.workspace import Workspace


def _type(app: object, *keys: str) -> None:
    """Keys as a terminal delivers them: queued at once, nothing awaited in between."""
    for key in keys:
        named = {"enter": "\r", "slash": "/", "escape": "\x1b"}
        char = named.get(key, key if len(key) == 1 else None)
        app.post_message(events.Key(key, char))  # type: ignore[attr-defined]


async def test_down_then_enter_opens_the_row_below_on_every_book_screen(
    demo_ws: Workspace,
) -> None:
    app = create_app(demo_ws, poll=False, rescore=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        portfolio = app.screen
        rows = portfolio.sorted_rows()  # type: ignore[attr-defined]
        _type(app, "down", "down", "enter")
        await pilot.pause()
        await pilot.pause()
        assert isinstance(app.screen, AccountScreen)
        assert app.screen.account_id == rows[2].id
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("Q")
        await pilot.pause()
        due = app.screen
        assert isinstance(due, QBRsDueScreen)
        _type(app, "down", "down", "down", "enter")
        await pilot.pause()
        await pilot.pause()
        await pilot.pause()
        assert isinstance(app.screen, AccountScreen)
        assert app.screen.account_id == due.rows[3].account_id


async def test_text_typed_right_before_ctrl_s_is_saved_whole(demo_ws: Workspace) -> None:
    """Ctrl+S is a priority binding (it saves from any field): it saves what was typed
    before it, to the last character, however fast the keys came."""
    account_id = demo_ws.accounts()[0].id
    before = len(demo_ws.activities(account_id))
    app = create_app(demo_ws, poll=False, rescore=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await app.push_screen(AccountScreen(account_id))
        await pilot.pause()
        await pilot.press("l")  # log an activity: the form opens on its summary
        await pilot.pause()
        _type(app, *"Budget review", "ctrl+s")
        await pilot.pause()
        await pilot.pause()
        logged = demo_ws.activities(account_id)
        assert len(logged) == before + 1
        assert {a.summary for a in logged} >= {"Budget review"}


async def test_a_filter_typed_fast_after_slash_is_all_filter(demo_ws: Workspace) -> None:
    """ "/" moves the focus at once: the keys after it are the filter's text, never the
    portfolio's commands ("s" sort, "t" Today); Escape gives the keys after it back to
    the table."""
    from textual.widgets import Input

    app = create_app(demo_ws, poll=False, rescore=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        portfolio = app.screen
        _type(app, "slash", *"stage:renewal")
        await pilot.pause()
        assert app.screen is portfolio
        box = portfolio.query_one("#portfolio-filter", Input)
        assert box.value == "stage:renewal"
        _type(app, "escape", "j", "j")
        await pilot.pause()
        assert box.value == "stage:renewal"
        table = portfolio.table  # type: ignore[attr-defined]
        assert table.has_focus
        assert table.cursor == 2


async def test_text_typed_while_a_form_opens_lands_in_its_first_field(demo_ws: Workspace) -> None:
    """ "l" then a summary, typed fast: the letters were read before the form had a focused
    field and went to the account screen, whose keys had moved on with the form; they
    were lost (and "u" could have undone something). They are the summary's text."""
    from textual.widgets import Input

    from cstui.ui.forms import FormScreen

    account_id = demo_ws.accounts()[0].id
    app = create_app(demo_ws, poll=False, rescore=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await app.push_screen(AccountScreen(account_id))
        await pilot.pause()
        _type(app, "l", *"Quarterly budget, tuned")
        await pilot.pause()
        await pilot.pause()
        form = app.screen
        assert isinstance(form, FormScreen)
        assert isinstance(app.focused, Input)
        assert app.focused.value == "Quarterly budget, tuned"
        assert [type(s).__name__ for s in app.screen_stack][-2:] == ["AccountScreen", "FormScreen"]


async def _stack_after(data: Path, keys: list[str], *, fast: bool) -> list[object]:
    """What the user sees after ``keys``, typed at once or one at a time waiting for the
    app each time (as a slow typist would): the screens (with the account and the Today
    line open), the focused widget, the portfolio's filter and the account's tab."""
    from textual.widgets import Input, TabbedContent

    app = create_app(Workspace.open(data, user="me"), poll=False, rescore=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        if fast:
            _type(app, *keys)
        else:
            for key in keys:
                await pilot.press(key)
                await pilot.pause()
        for _ in range(8):
            await pilot.pause()
        tabs = app.screen.query(TabbedContent)
        return [
            [
                (type(s).__name__, getattr(s, "account_id", None), getattr(s, "current", None))
                for s in app.screen_stack
            ],
            type(app.focused).__name__,
            app.screen_stack[0].query_one("#portfolio-filter", Input).value,
            tabs.first().active if tabs else None,
        ]


@pytest.mark.parametrize(
    "keys",
    [
        ["t", "j", "j", "enter"],  # Today's third line, not the portfolio's
        ["t", "j", "enter"],
        ["j", "enter", "3"],  # the account's third tab
        ["enter", "4", "5", "a"],  # "a" on the Tasks tab adds a task
        ["F", "enter", "escape"],  # a request's detail, closed (it crashed when fast)
        ["slash", "6", "t", "enter", "v"],  # the filter "6t", then the saved views
    ],
)
async def test_keys_typed_fast_do_what_they_do_typed_slowly(
    keys: list[str], demo_dir: Path, tmp_path: Path
) -> None:
    """Textual runs a priority binding as soon as it reads the key and hands the others
    to the focused widget, whose bindings further up run later: "t j j Enter" typed fast
    moved and opened the portfolio's row, and Today came up over that account afterwards.
    Typed fast (or arriving in one SSH packet), keys do what they do typed slowly."""
    data = tmp_path / "data"
    shutil.copytree(demo_dir, data)
    slow = await _stack_after(data, keys, fast=False)
    fast = await _stack_after(data, keys, fast=True)
    assert fast == slow


async def test_a_digit_typed_right_after_a_palette_jump_opens_that_tab(
    demo_dir: Path, tmp_path: Path
) -> None:
    """The palette's Enter reaches its command through several messages and a later
    call: a digit typed right after it went into the palette's search box and was lost.
    It waits for the jump now, and opens that tab of the account jumped to."""
    from textual.widgets import TabbedContent

    data = tmp_path / "data"
    shutil.copytree(demo_dir, data)
    ws = Workspace.open(data, user="me")
    name = ws.portfolio()[5].name
    app = create_app(ws, poll=False, rescore=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.press("ctrl+p")
        await pilot.press(*name[:8])
        for _ in range(10):  # the hits are on screen: the user sees the account
            await pilot.pause()
        _type(app, "enter", "4")
        for _ in range(10):
            await pilot.pause()
        assert isinstance(app.screen, AccountScreen)
        assert app.screen.query_one(TabbedContent).active == "tab-timeline"
