"""The shared UI plumbing: workspace change signal and the one confirm dialog."""

from __future__ import annotations

import asyncio
import gc
import weakref

import pytest
from textual.app import App
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Header, Static

from cstui.app import create_app
from cstui.domain.models import InvalidRecord
from cstui.ui.access import on_workspace_change, workspace_app
from cstui.ui.confirm import ConfirmScreen
from cstui.workspace import Workspace, WorkspaceEvent

HANG = 120.0
"""Seconds after which a wait for the app is a hang, not a slow machine."""


async def _second_account(app: App[None], pilot: Pilot[None], ids: list[str]) -> Screen[None]:
    """Open the first account and build every tab, close it, then open the second: the one
    whose fate a test follows.

    Reading a table for an account the first time indexes it and freezes the heap (see
    ``Repo._index``): whatever is alive then is out of the collector's reach for good. The
    first account's tabs, built after its first frame, read every table the second will;
    closed before its last tab was built (a loaded machine), the second account's build
    froze the very screen a test follows."""
    from cstui.screens.account import AccountScreen
    from cstui.screens.account_tabs import tabs

    first = AccountScreen(ids[0])
    await app.push_screen(first)
    await pilot.pause()
    for tab_id, _, _ in tabs():
        await first.open_tab(tab_id)
    del first
    app.pop_screen()
    await pilot.pause()
    screen = AccountScreen(ids[1])
    await app.push_screen(screen)
    await pilot.pause()
    return screen


async def test_subscribers_hear_changes_until_removed_and_their_errors_are_logged(
    demo_ws: Workspace, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(demo_ws, poll=False, rescore=False)
    async with app.run_test(size=(100, 30)) as pilot:
        account_id = demo_ws.portfolio()[0].id
        heard: list[WorkspaceEvent] = []
        probe = Static("")
        await app.screen.mount(probe)
        on_workspace_change(probe, heard.append)
        demo_ws.update_account(account_id, {"name": "Renamed once"})
        assert len(heard) == 1
        assert account_id in heard[0].account_ids

        await probe.remove()
        demo_ws.update_account(account_id, {"name": "Renamed twice"})
        assert len(heard) == 1

        def broken(event: WorkspaceEvent) -> None:
            raise RuntimeError("subscriber bug")

        faulty, later = Static(""), Static("")
        await app.screen.mount(faulty, later)
        on_workspace_change(faulty, broken)
        on_workspace_change(later, heard.append)
        demo_ws.update_account(account_id, {"name": "Renamed thrice"})
        assert len(heard) == 2  # a broken subscriber does not starve the next one
        assert "subscriber bug" in caplog.text  # and its error is in cstui's log
        await faulty.remove()
        assert workspace_app(app.screen).workspace is demo_ws
        await pilot.pause()


async def test_confirm_shows_a_refusal_and_stays_open(empty_ws: Workspace) -> None:
    app = create_app(empty_ws, poll=False, rescore=False)
    answers: list[bool | None] = []
    tries: list[int] = []

    def refuse() -> None:
        tries.append(1)
        raise InvalidRecord(["Delivered reviews are frozen."], {})

    async with app.run_test(size=(100, 30)) as pilot:
        await app.push_screen(ConfirmScreen("Remove it?", "Remove", refuse), answers.append)
        await pilot.press("enter")  # focus starts on Cancel: Enter says no
        await pilot.pause()
        assert answers == [False]
        assert tries == []

        dialog = ConfirmScreen("Remove it?", "Remove", refuse, default=True)
        await app.push_screen(dialog, answers.append)
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is dialog
        assert tries == [1]
        assert answers == [False]
        assert "frozen" in str(dialog.query_one("#confirm-errors", Static).content)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is not dialog
        assert answers == [False, False]


async def test_a_closed_account_screen_is_freed_without_waiting_for_a_change(
    demo_ws: Workspace,
) -> None:
    """The change signal holds a screen's own method weakly: an account opened and closed
    is garbage at once, not kept (with its widgets) until the next workspace change."""
    from cstui.screens.account import AccountScreen

    app = create_app(demo_ws, poll=False, rescore=False)
    ids = [r.id for r in demo_ws.portfolio()[:2]]
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = await _second_account(app, pilot, ids)
        gone = weakref.ref(screen)
        del screen
        app.pop_screen()
        await pilot.pause()
        gc.collect()
        assert gone() is None
        # Still told of changes while open (the weak method is alive as long as the screen).
        again = AccountScreen(ids[1])
        await app.push_screen(again)
        await pilot.pause()
        gc.collect()
        demo_ws.update_account(ids[1], {"name": "Renamed"})
        await pilot.pause()
        assert "Renamed" in str(again.query_one("#account-header", Static).render())


async def test_a_closed_screen_leaves_no_drawn_lines_in_textuals_caches(
    demo_ws: Workspace,
) -> None:
    """Textual caches a widget's styles cache (with every line it drew) in an lru_cache on
    a method; the app lets go of it when the screen changes, so a closed account's lines
    are freed with its widgets instead of staying for the collector to walk."""
    from cstui.ui.memory import cached_widgets

    app = create_app(demo_ws, poll=False, rescore=False)
    ids = [r.id for r in demo_ws.portfolio()[:2]]
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = await _second_account(app, pilot, ids)
        assert cached_widgets() > 0  # the screen drew, through the cache
        drawn = [weakref.ref(w._styles_cache) for w in screen.query("#account-body Static")]
        assert drawn
        del screen
        app.pop_screen()
        for _ in range(20):  # removed a few turns later (more under a loaded machine)
            await pilot.pause(0.02)
            gc.collect()
            if all(ref() is None for ref in drawn):
                break
        assert all(ref() is None for ref in drawn)


async def test_a_closed_screen_is_collected_by_the_app_once_the_screen_under_it_shows(
    demo_ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The collector's full passes are spaced out while the app runs (a pass fell on a key
    every two accounts opened); the app runs one itself after a screen is closed, so a
    closed account's widgets do not wait for the next automatic one.

    The test follows the app's own pass (not a number of turns 20 ms apart), with the
    automatic passes off meanwhile: only that pass can have freed the screen. What made it
    fail on a loaded machine was a heap freeze while the screen was open (see
    :func:`_second_account`)."""
    from cstui.ui.memory import THRESHOLDS, collect_closed_screens

    passes = asyncio.Event()

    def counted(app: App[None]) -> None:
        collect_closed_screens(app)
        passes.set()

    monkeypatch.setattr("cstui.ui.access.collect_closed_screens", counted)
    before = gc.get_threshold()
    app = create_app(demo_ws, poll=False, rescore=False)
    ids = [r.id for r in demo_ws.portfolio()[:2]]
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert gc.get_threshold() == THRESHOLDS
        screen = await _second_account(app, pilot, ids)
        await _app_pass(passes)  # the first account's
        gone = weakref.ref(screen)
        # Textual's Header watches the app's title, and kept each closed screen's header.
        header = weakref.ref(screen.query_one(Header))
        del screen
        gc.disable()
        try:
            app.pop_screen()
            await _app_pass(passes)
            assert gone() is None
            assert header() is None
        finally:
            gc.enable()
    assert gc.get_threshold() == before


async def _app_pass(passes: asyncio.Event) -> None:
    """Until the app's next pass over closed screens (the limit only turns a hang into a
    failure: the pass follows the screen's removal, whenever that is)."""
    await asyncio.wait_for(passes.wait(), HANG)
    passes.clear()
