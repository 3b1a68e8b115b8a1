"""Issue 18: a key's result is drawn once. The tabs' underline used to slide for 0.3 s
after every switch (some fifteen frames of work and terminal output for one key, over
SSH); cstui runs without Textual's animations unless ``TEXTUAL_ANIMATIONS`` asks for them."""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets._tabs import Underline

from cstui.app import create_app
from cstui.screens.account import AccountScreen
from cstui.workspace import Workspace


async def _switch_tabs(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> tuple[list[str], Any]:
    """Open the first account, switch to tabs 3 and 2; the underline's animations started,
    and the screen's tab bar underline after the switches."""
    started: list[str] = []
    original = Underline.animate

    def spy(self: Underline, attribute: str, *args: Any, **kwargs: Any) -> None:
        started.append(attribute)
        original(self, attribute, *args, **kwargs)

    monkeypatch.setattr(Underline, "animate", spy)
    app = create_app(ws, poll=False, rescore=False)
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, AccountScreen)
        for digit in "32":
            await pilot.press(digit)
            await pilot.pause(0.05)
        await pilot.pause()
        underline = app.screen.query_one(Underline)
        active = app.screen.query_one("ContentTab.-active")
        span = active.virtual_region.shrink(active.styles.gutter).column_span
        return started, (underline.highlight_start, underline.highlight_end, span, active.id)


async def test_a_tab_switch_moves_the_underline_at_once(
    demo_ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TEXTUAL_ANIMATIONS", raising=False)
    started, (start, end, span, active) = await _switch_tabs(demo_ws, monkeypatch)
    assert started == []
    assert "tab-onboarding" in str(active)
    assert (start, end) == span  # under the active tab, with no frames in between


async def test_textual_animations_asked_for_are_kept(
    demo_ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEXTUAL_ANIMATIONS", "full")
    monkeypatch.setattr("textual.constants.TEXTUAL_ANIMATIONS", "full")
    started, _ = await _switch_tabs(demo_ws, monkeypatch)
    assert "highlight_start" in started
