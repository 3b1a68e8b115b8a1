"""The shared UI plumbing: workspace change signal and the one confirm dialog."""

from __future__ import annotations

import pytest
from textual.widgets import Static

from cstui.app import create_app
from cstui.domain.models import InvalidRecord
from cstui.ui.access import on_workspace_change, workspace_app
from cstui.ui.confirm import ConfirmScreen
from cstui.workspace import Workspace, WorkspaceEvent


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
