"""On the overview, ``j``/``k`` scroll as ``↓``/``↑`` and ``g``/``G`` as Home/End, as every
list of the app moves; the keys panel lists each letter with its arrow, in both languages.
Before, at 80x24, ``j j j j`` left the overview where it was while ``↓`` scrolled it."""

from __future__ import annotations

from typing import Any

import pytest

from cstui.app import create_app
from cstui.screens.account import AccountScreen, OverviewBody
from cstui.ui.help import KeysTable
from cstui.workspace import Workspace


async def _settle(pilot: Any, times: int = 3) -> None:
    for _ in range(times):
        await pilot.pause()


def _panel_lines(screen: AccountScreen) -> list[str]:
    return [
        " ".join(line.text.split())
        for table in screen.query(KeysTable)
        if table.display
        for line in table.render_lines(table.region.reset_offset)
    ]


async def test_j_and_k_scroll_the_overview_as_the_arrows_do(demo_ws: Workspace) -> None:
    account_id = demo_ws.accounts()[0].id
    app = create_app(demo_ws, poll=False, rescore=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = AccountScreen(account_id)
        await app.push_screen(screen)
        await _settle(pilot)
        body = screen.query_one(OverviewBody)
        assert body.has_focus
        assert body.max_scroll_y > 4  # one column at 80x24: much to scroll
        await pilot.press("j", "j", "j", "j")
        await _settle(pilot)
        by_letters = body.scroll_y
        assert by_letters > 0
        await pilot.press("k", "k", "k", "k")
        await _settle(pilot)
        assert body.scroll_y == 0
        await pilot.press("down", "down", "down", "down")
        await _settle(pilot)
        assert body.scroll_y == by_letters  # the same step as the arrow
        await pilot.press("G")
        await _settle(pilot)
        assert body.scroll_y == body.max_scroll_y
        await pilot.press("g")
        await _settle(pilot)
        assert body.scroll_y == 0


@pytest.mark.parametrize(
    ("lang", "down", "up"),
    [("en", "Scroll Down", "Scroll Up"), ("ja", "下へスクロール", "上へスクロール")],
)
async def test_the_keys_panel_lists_j_and_k_with_the_arrows(
    demo_ws: Workspace, lang: str, down: str, up: str
) -> None:
    app = create_app(demo_ws, lang=lang, poll=False, rescore=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = AccountScreen(demo_ws.accounts()[0].id)
        await app.push_screen(screen)
        await _settle(pilot)
        await pilot.press("question_mark")
        await _settle(pilot)
        for _ in range(6):  # the panel's column scrolls to its end: read all of it
            await pilot.press("ctrl+down")
        await _settle(pilot)
        lines = _panel_lines(screen)
        assert f"↓ j {down}" in lines
        assert f"↑ k {up}" in lines
        assert f"j {down}" not in lines  # not a line of its own, apart from its arrow
