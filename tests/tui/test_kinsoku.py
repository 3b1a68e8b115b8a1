"""Japanese free text breaks by the kinsoku rules where the app wraps it (issue 18): in the
timeline and the QBR tab, at a width where a plain wrap would start a line with 。."""

from __future__ import annotations

from typing import Any

import pytest
from rich.console import Console
from rich.text import Text
from textual.geometry import Region
from textual.widget import Widget
from textual.widgets import TabbedContent

from cstui.app import CSApp, create_app
from cstui.screens.account import AccountScreen
from cstui.ui.wrap import NO_END, NO_START
from cstui.widgets.qbr import QBRPane
from cstui.widgets.timeline import TimelinePane
from cstui.workspace import Workspace

ACCOUNT = "acc-000001"
OPENING = "本日はお忙しいところありがとうございました次回の定例会では導入効果をご報告します"
REST = "次回（第三四半期）の定例会では「導入効果」をご報告します。"


def _sentence(width: int) -> str:
    """A sentence whose first 。 falls one cell past ``width``: a plain wrap starts the
    second line with it."""
    return (OPENING * 4)[: width // 2] + "。" + REST


def _plain_wrap(text: str, width: int) -> list[str]:
    return [line.plain for line in Text(text).wrap(Console(width=200), width)]


def _lines(widget: Widget) -> list[str]:
    region = Region(0, 0, widget.size.width, widget.size.height)
    return [strip.text.rstrip() for strip in widget.render_lines(region)]


def _follows_the_rules(lines: list[str]) -> None:
    text = [line.strip() for line in lines if line.strip()]
    assert text
    for line in text:
        assert line[0] not in NO_START, line
        assert line[-1] not in NO_END, line


async def _tab(app: CSApp, pilot: Any, tab: str) -> AccountScreen:
    screen = AccountScreen(ACCOUNT)
    await app.push_screen(screen)
    await pilot.pause()
    screen.query_one(TabbedContent).active = tab
    await pilot.pause()
    return screen


@pytest.mark.slow
async def test_timeline_summary_never_starts_a_line_with_a_full_stop(demo_ws: Workspace) -> None:
    app = create_app(demo_ws, lang="ja", poll=False, rescore=False)
    async with app.run_test(size=(80, 30)) as pilot:
        screen = await _tab(app, pilot, "tab-timeline")
        pane = screen.query_one(TimelinePane)
        width = pane.items.line_width - 4  # the summary's indent
        summary = _sentence(width)
        assert _plain_wrap(summary, width)[1].startswith("。")
        demo_ws.log_activity(ACCOUNT, summary, kind="meeting")
        await pilot.pause()
        pane.refresh_view()
        await pilot.pause()
        logged = next(a for a in demo_ws.activities(ACCOUNT) if a.summary == summary)
        prompt = pane.items.get_option(logged.id).prompt
        assert isinstance(prompt, Text)
        body = [line.strip() for line in prompt.plain.split("\n")[1:]]
        _follows_the_rules(body)
        assert "".join(body) == summary  # nothing lost, three lines at most
        assert len(body) <= 3
        assert body[0] == (OPENING * 4)[: width // 2 - 1]  # the character before 。 went down


@pytest.mark.slow
async def test_qbr_summary_never_starts_a_line_with_a_full_stop(demo_ws: Workspace) -> None:
    app = create_app(demo_ws, lang="ja", poll=False, rescore=False)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await _tab(app, pilot, "tab-qbr")
        pane = screen.query_one(QBRPane)
        box = pane.query_one("#qbr-summary .qbr-text", Widget)
        width = box.content_region.width
        summary = _sentence(width)
        assert _plain_wrap(summary, width)[1].startswith("。")
        demo_ws.update_qbr_section(ACCOUNT, pane.period, "summary", summary)
        for _ in range(3):
            await pilot.pause()
        lines = _lines(box)
        shown = [line for line in lines if line.strip()]
        _follows_the_rules(shown)
        assert "".join(line.strip() for line in shown).startswith(summary)


@pytest.mark.slow
async def test_a_confirmation_never_starts_a_line_with_a_full_stop(demo_ws: Workspace) -> None:
    from cstui.ui.confirm import ConfirmScreen

    app = create_app(demo_ws, lang="ja", poll=False, rescore=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await app.push_screen(ConfirmScreen("仮", "実施済みにする"))
        await pilot.pause()
        width = app.screen.query_one("#confirm-message", Widget).content_region.width
        app.pop_screen()
        message = _sentence(width)
        assert _plain_wrap(message, width)[1].startswith("。")
        await app.push_screen(ConfirmScreen(message, "実施済みにする"))
        await pilot.pause()
        box = app.screen.query_one("#confirm-message", Widget)
        shown = [line for line in _lines(box) if line.strip()]
        _follows_the_rules(shown)
        assert "".join(line.strip() for line in shown) == message


@pytest.mark.slow
async def test_overview_activities_never_start_a_line_with_a_full_stop(
    demo_ws: Workspace,
) -> None:
    app = create_app(demo_ws, lang="ja", poll=False, rescore=False)
    async with app.run_test(size=(80, 30)) as pilot:
        screen = AccountScreen(ACCOUNT)
        await app.push_screen(screen)
        await pilot.pause()
        widget = screen.query_one("#activities")
        width = widget.content_region.width
        # The first sentence length at which a plain wrap of the summary line opens with 。
        candidates = ("導" * k + "。" + REST for k in range(1, 80))
        summary = next(
            c for c in candidates if any(x.startswith("。") for x in _plain_wrap("  " + c, width))
        )
        demo_ws.log_activity(ACCOUNT, summary, kind="meeting")
        await pilot.pause()
        await pilot.press("o")  # whole summaries
        await pilot.pause()
        # The text widget is its own box: its lines start and end with the side borders.
        body = [line.strip(" │") for line in _lines(widget) if "導" in line or "。" in line]
        _follows_the_rules(body)
        assert "".join(body).startswith(summary)
