"""The Timeline tab: newest first, filter by kind, log and edit (who/when kept), literal text."""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import Input, Static, TabbedContent

from cstui.app import CSApp, create_app
from cstui.domain.enums import ActivityKind
from cstui.screens.account import AccountScreen
from cstui.ui.forms import FormScreen
from cstui.widgets.timeline import TimelinePane
from cstui.workspace import Workspace

EVIL = "[bold red]x[/]\x1b]52;c;ZXZpbA==\x07"


async def _open(app: CSApp, pilot: Any, account_id: str) -> TimelinePane:
    screen = AccountScreen(account_id)
    await app.push_screen(screen)
    await pilot.pause()  # as a user would: the overview first, then the tab
    screen.query_one(TabbedContent).active = "tab-timeline"
    await pilot.pause()
    return screen.query_one(TimelinePane)


def _shown(pane: TimelinePane) -> list[str]:
    return [o.id for o in pane.items.options if o.id is not None]


def _rendered(pane: TimelinePane) -> str:
    """What the terminal gets for the list, line by line (after cleaning, no markup)."""
    items = pane.items
    return "\n".join(items.render_line(y).text for y in range(items.size.height))


@pytest.mark.slow
async def test_log_edit_and_filter(demo_ws: Workspace) -> None:
    account_id = "acc-000001"
    # A teammate logged this one: editing it must keep them as its author.
    other = Workspace.open(demo_ws.store.data_dir, user="teammate")
    theirs = other.log_activity(account_id, "Teammate call", kind="call")
    other.close()
    demo_ws.poll()
    app = create_app(demo_ws, poll=False, rescore=False)
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await _open(app, pilot, account_id)
        assert _shown(pane) == [a.id for a in demo_ws.activities(account_id)]  # newest first
        assert pane.items.current_id == theirs.id
        # l (the account screen's key) logs from this tab too; the list follows.
        await pilot.press("l")
        form = app.screen
        assert isinstance(form, FormScreen)
        form.query_one("#field-summary", Input).value = EVIL
        await pilot.press("ctrl+s")
        await pilot.pause()
        logged = next(a for a in demo_ws.activities(account_id) if a.summary == EVIL)
        assert logged.id in _shown(pane)
        screen_text = _rendered(pane)
        assert "[bold red]x[/]" in screen_text
        assert "␛]52;c;ZXZpbA==␇" in screen_text
        assert "\x1b" not in screen_text
        assert "\x07" not in screen_text
        # e edits the highlighted one; its author and logging time stay, the editor is added.
        pane.items.highlighted = pane.items.get_option_index(theirs.id)
        await pilot.press("e")
        form = app.screen
        assert isinstance(form, FormScreen)
        assert form.query_one("#field-summary", Input).value == "Teammate call"
        form.query_one("#field-summary", Input).value = "Teammate call: budget agreed"
        await pilot.press("ctrl+s")
        await pilot.pause()
        edited = next(a for a in demo_ws.activities(account_id) if a.id == theirs.id)
        assert edited.summary == "Teammate call: budget agreed"
        assert edited.kind is ActivityKind.CALL
        assert edited.created_by == "teammate"
        assert edited.created_at == theirs.created_at
        assert edited.edited_by == "me"
        assert edited.edited_at is not None
        assert pane.items.current_id == theirs.id
        prompt = str(pane.items.get_option(theirs.id).prompt)
        assert "by teammate" in prompt
        assert "edited by me on 2026-11-23" in prompt
        # f cycles the kind filter: all → call → meeting ...; the header says which.
        await pilot.press("f")
        await pilot.pause()
        calls = [a.id for a in demo_ws.activities(account_id) if a.kind is ActivityKind.CALL]
        assert _shown(pane) == calls
        assert theirs.id in calls
        header = str(pane.query_one("#timeline-header", Static).content)
        assert "Call" in header
        assert f"{len(calls)} of" in header
        await pilot.press("f")
        await pilot.pause()
        meetings = [a.id for a in demo_ws.activities(account_id) if a.kind is ActivityKind.MEETING]
        assert _shown(pane) == meetings
        for _ in range(len(ActivityKind) - 1):
            await pilot.press("f")
        await pilot.pause()
        assert _shown(pane) == [a.id for a in demo_ws.activities(account_id)]


@pytest.mark.slow
async def test_long_summaries_are_clipped_to_three_lines_and_o_shows_them_whole(
    demo_ws: Workspace,
) -> None:
    account_id = "acc-000001"
    long = " ".join(f"word{n}" for n in range(2000))  # about 12,000 characters
    logged = demo_ws.log_activity(account_id, long, kind="note")
    app = create_app(demo_ws, poll=False, rescore=False)
    async with app.run_test(size=(100, 30)) as pilot:
        pane = await _open(app, pilot, account_id)
        width = pane.items.line_width

        def body() -> list[str]:
            prompt = pane.items.get_option(logged.id).prompt
            return str(prompt).split("\n")[1:]

        clipped = body()
        assert len(clipped) == 4  # three lines of text and what is left out
        assert clipped[2].endswith("…")
        left = int(clipped[3].split()[1].replace(",", ""))  # "… 11,790 more characters · o…"
        shown = " ".join(line.strip() for line in clipped[:3]).removesuffix("…")
        assert long[: len(long) - left] == shown  # what is shown, then exactly what is left
        assert "o shows them" in clipped[3]
        assert all(len(line) <= width for line in clipped)
        await pilot.press("o")
        await pilot.pause()
        whole = body()
        assert len(whole) > 100
        assert " ".join(line.strip() for line in whole) == long
        assert pane.items.current_id == logged.id
        await pilot.press("o")
        await pilot.pause()
        assert body() == clipped
