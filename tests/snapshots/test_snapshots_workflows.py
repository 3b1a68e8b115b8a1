"""Pictures of renewals, sync, conflicts and a refused form, on a frozen day.

The demo book (seed 1) for renewals and the form; the sync screens run against the fake
HubSpot on 127.0.0.1 with a small seeded book, so their counts are fixed. What would move
between runs is pinned here: the sync's duration, and the indeterminate progress bar (drawn
full with animations off).

Regenerate only after looking at the report: `pytest tests/snapshots --snapshot-update`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from cstui.app import create_app
from cstui.screens.account import AccountScreen
from cstui.screens.sync import SyncScreen
from cstui.sync.meta import get_meta
from cstui.ui.forms import FormScreen
from cstui.workspace import Workspace
from tests.sync.conftest import seed_local, seed_remote
from tests.sync.fake_crm import FakeCRM

SnapCompare = Callable[..., bool]


def _app(ws: Workspace) -> Any:
    ws.refresh_health()
    app = create_app(ws, poll=False, rescore=False)
    app.animation_level = "none"  # a running sync's bar is drawn still, not mid-sweep
    return app


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    workspace = Workspace.open(tmp_path / "data", user="me")
    yield workspace
    workspace.close()


@pytest.fixture
def crm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeCRM]:
    """The fake HubSpot, with the app's sync pointed at it and a fixed duration reported."""
    with FakeCRM() as fake:
        folder = tmp_path / "config"
        folder.mkdir()
        (folder / "sync.toml").write_text("[hubspot]\ntimeout = 2\nsearch_per_second = 200\n")
        monkeypatch.setenv("CSTUI_CONFIG_DIR", str(folder))
        monkeypatch.setenv("CSTUI_HUBSPOT_URL", fake.url)
        monkeypatch.setenv("CSTUI_HUBSPOT_TOKEN", fake.token)
        run_sync = Workspace.run_sync

        def timed(self: Workspace, *args: Any, **kwargs: Any) -> Any:
            report = run_sync(self, *args, **kwargs)
            report.seconds = 1.5  # the real duration changes from run to run
            return report

        monkeypatch.setattr(Workspace, "run_sync", timed)
        yield fake


async def _until_synced(pilot: Pilot[None]) -> None:
    """Y, then wait (bounded) for the sync to end; its screen stays open with the summary."""
    await pilot.press("Y")
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, SyncScreen)
    end = time.monotonic() + 10
    while screen.running:
        assert time.monotonic() < end, "the sync did not end"
        await pilot.pause(0.05)
    await pilot.pause()


def test_renewals(snap_compare: SnapCompare, demo_ws: Workspace) -> None:
    assert snap_compare(_app(demo_ws), press=["N"], terminal_size=(120, 40))


def test_sync_without_a_crm(
    snap_compare: SnapCompare, demo_ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CSTUI_HUBSPOT_TOKEN", raising=False)
    monkeypatch.delenv("CSTUI_HUBSPOT_URL", raising=False)
    assert snap_compare(_app(demo_ws), run_before=_until_synced, terminal_size=(120, 30))


def test_sync_finished(snap_compare: SnapCompare, ws: Workspace, crm: FakeCRM) -> None:
    seed_local(ws, 2)
    seed_remote(crm, 2)
    assert snap_compare(_app(ws), run_before=_until_synced, terminal_size=(120, 30))


def test_conflicts(snap_compare: SnapCompare, ws: Workspace, crm: FakeCRM) -> None:
    ids = seed_local(ws, 2)
    ws.run_sync()
    # The stage changed here and in the CRM since the last sync: both accounts conflict.
    for acc, theirs in zip(ids, ["renewal", "adoption"], strict=True):
        ws.update_account(acc, {"stage": "expansion"})
        rid = str(get_meta(ws.store.get("accounts", acc) or {}, "hubspot")["rid"])
        crm.update("companies", rid, {"cstui_stage": theirs})
    report = ws.run_sync()
    assert report.open_conflicts == 2
    assert snap_compare(_app(ws), press=["C"], terminal_size=(120, 30))


def test_activity_form_with_errors(snap_compare: SnapCompare, demo_ws: Workspace) -> None:
    """Log an activity with no summary and a date that is not one: both refused in place."""
    account_id = next(a.id for a in demo_ws.accounts() if len(demo_ws.contacts(a.id)) >= 3)

    async def refused(pilot: Pilot[None]) -> None:
        await pilot.app.push_screen(AccountScreen(account_id))
        await pilot.pause()
        await pilot.press("l")
        await pilot.pause()
        form = pilot.app.screen
        assert isinstance(form, FormScreen)
        for field in form.query(Input):
            field.cursor_blink = False  # a blinking cursor makes the picture depend on timing
        form.query_one("#field-date", Input).value = "next Tuesday"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert pilot.app.screen is form  # refused: still open, with the messages

    assert snap_compare(_app(demo_ws), run_before=refused, terminal_size=(100, 30))


def test_hub_conflict_in_japanese(snap_compare: SnapCompare, demo_ws: Workspace) -> None:
    """A CRM conflict and a team-hub one: on the hub's, every word names the team hub."""
    from cstui.screens.sync import ConflictsScreen
    from cstui.sync.conflicts import record_conflict
    from cstui.sync.hub import ADAPTER as HUB

    accounts = demo_ws.accounts()[:2]
    with demo_ws.store.transaction() as txn:
        for adapter, acc, theirs in (("hubspot", accounts[0], 80), (HUB, accounts[1], 120)):
            record = demo_ws.store.get("accounts", acc.id) or {}
            record_conflict(
                txn,
                adapter=adapter,
                table="accounts",
                record=record,
                field="seats",
                base=50,
                mine=record.get("seats"),
                theirs=theirs,
                kind="both",
            )
    app = create_app(demo_ws, lang="ja", poll=False, rescore=False)

    async def on_the_hub_one(pilot: Pilot[None]) -> None:
        await pilot.press("C")
        await pilot.pause()
        screen = pilot.app.screen
        assert isinstance(screen, ConflictsScreen)
        words = {"hubspot": "CRMの値", HUB: "チームハブの値"}
        seen = []
        for key in ("j", "k", "j"):  # the key's name follows the highlighted conflict
            assert screen.current is not None
            seen.append(screen.current.adapter)
            assert screen.active_bindings["i"].binding.description == words[seen[-1]]
            if seen[-1] == HUB and len(seen) > 1:
                break
            await pilot.press(key)
            await pilot.pause()
        assert set(seen) == {"hubspot", HUB}
        assert screen.current is not None
        assert screen.current.adapter == HUB

    assert snap_compare(app, run_before=on_the_hub_one, terminal_size=(120, 30))
