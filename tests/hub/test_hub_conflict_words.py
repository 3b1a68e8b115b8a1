"""A conflict from the team hub is worded as one (issue 18): the Conflicts screen says the
other value is the team hub's (a teammate's edit), not the CRM's, in the hint, the key, the
values line, the edit help and the message after taking it; a CRM conflict keeps its words."""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import Static

from cstui.app import create_app
from cstui.screens.sync import ConflictsScreen, conflict_prompt
from cstui.sync import Conflict
from cstui.workspace import Workspace

from .conftest import Team


def _keys(screen: ConflictsScreen) -> dict[str, str]:
    return {key: a.binding.description for key, a in screen.active_bindings.items()}


async def _take_theirs(pilot: Any, app: Any) -> list[str]:
    await pilot.press("i")
    await pilot.pause()
    return [n.message for n in app._notifications]


@pytest.mark.slow
async def test_a_teammates_edit_is_the_team_hubs_value(team: Team) -> None:
    with team.store(team.a) as a:
        aid = next(iter(a.scan("accounts")))["id"]
        a.put("accounts", aid, {"seats": 100})
    with team.store(team.b) as b:
        b.put("accounts", aid, {"seats": 200})
    team.sync(team.a)
    done = team.run("sync", "--data-dir", str(team.b), "--quiet")
    assert done.returncode == 3, done.stdout + done.stderr  # b has a conflict now

    ws = Workspace.open(team.b, user="laptop")
    try:
        app = create_app(ws, poll=False, rescore=False)
        async with app.run_test(size=(120, 30)) as pilot:
            await pilot.press("C")
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, ConflictsScreen)
            assert len(screen.conflicts) == 1
            hint = str(screen.query_one("#conflicts-hint", Static).content)
            assert "team hub" in hint
            assert "CRM" not in hint
            assert _keys(screen)["i"] == "Take the team hub's"
            shown = str(screen.query_one("#conflicts-list").get_option_at_index(0).prompt)  # type: ignore[attr-defined]
            assert "mine 200 · team hub 100" in shown
            await pilot.press("e")
            await pilot.pause()
            help_text = " ".join(
                str(s.content) for s in app.screen.query(".form-help").results(Static)
            )
            assert "The team hub has: 100" in help_text
            await pilot.press("escape")
            await pilot.pause()
            messages = await _take_theirs(pilot, app)
            assert "Took the team hub's value (a teammate's edit)." in messages
            assert not any("CRM" in m for m in messages)
            assert screen.conflicts == []
        assert ws.account(aid).seats == 100  # type: ignore[union-attr]
    finally:
        ws.close()


def test_crm_conflicts_keep_the_crms_words() -> None:
    crm = Conflict("c1", "hubspot", "accounts", "a1", "stage", "Acme", "both", "a", "b", "c", "")
    assert "CRM c" in conflict_prompt(crm).plain
    hub = Conflict("c2", "hub", "accounts", "a1", "*", "Acme", "deleted", None, None, None, "")
    shown = conflict_prompt(hub).plain
    assert "deleted on the team hub" in shown
    assert "CRM" not in shown
