"""The sync UI with the Pilot, against the fake HubSpot on 127.0.0.1.

A sync from the app shows progress and final counts; offline gives one line and the app
goes on; cancel stops it; conflicts are settled from the Conflicts screen on both sides
(checked in the local store and in the fake's state after the next sync).
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, ProgressBar, Static

from cstui.app import CSApp, create_app
from cstui.screens.portfolio import PortfolioScreen
from cstui.screens.sync import ConflictsScreen, SyncScreen, conflict_prompt, failure_line
from cstui.sync import Conflict, Failure, Progress, SyncStatus
from cstui.sync.meta import get_meta
from cstui.ui.forms import FormScreen
from cstui.widgets.sync_status import SyncStatusLine, result_text
from cstui.workspace import Workspace
from tests.sync.conftest import seed_local, seed_remote
from tests.sync.fake_crm import FakeCRM


@pytest.fixture
def crm() -> Iterator[FakeCRM]:
    with FakeCRM() as fake:
        yield fake


def configure(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, url: str, token: str) -> None:
    """Point the app's sync at ``url`` (search limit raised: these tests are not about waiting)."""
    folder = tmp_path / "config"
    folder.mkdir(exist_ok=True)
    (folder / "sync.toml").write_text("[hubspot]\ntimeout = 2\nsearch_per_second = 200\n")
    monkeypatch.setenv("CSTUI_CONFIG_DIR", str(folder))
    monkeypatch.setenv("CSTUI_HUBSPOT_URL", url)
    monkeypatch.setenv("CSTUI_HUBSPOT_TOKEN", token)


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    workspace = Workspace.open(tmp_path / "data", user="me")
    yield workspace
    workspace.close()


def unused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def until(pilot: Pilot[None], done: Any, timeout: float = 10.0) -> None:
    end = time.monotonic() + timeout
    while not done():
        if time.monotonic() > end:
            raise AssertionError("timed out")
        await pilot.pause(0.05)


async def sync_now(app: CSApp, pilot: Pilot[None]) -> SyncScreen:
    """Press Y and wait for the sync to end; the screen stays open with its summary."""
    await pilot.press("Y")
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, SyncScreen)
    await until(pilot, lambda: not screen.running)
    return screen


def header(app: CSApp) -> str:
    """The header's title line as the screen shows it."""
    from textual.widgets._header import HeaderTitle

    return str(app.screen.query_one(HeaderTitle).render()).strip()


def text(app: CSApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).content)


async def status_line(app: CSApp, pilot: Pilot[None]) -> str:
    """The portfolio's sync line, counted afresh."""
    line = app.screen.query_one(SyncStatusLine)
    line.text = ""
    line.refresh_status()
    await until(pilot, lambda: bool(line.text))
    return line.text


def rid(ws: Workspace, table: str, local_id: str) -> str:
    return str(get_meta(ws.store.get(table, local_id) or {}, "hubspot")["rid"])


async def test_sync_from_the_app_shows_progress_and_counts(
    ws: Workspace, crm: FakeCRM, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(monkeypatch, tmp_path, crm.url, crm.token)
    seed_local(ws, 2)
    seed_remote(crm, 2)
    seen: list[Progress] = []
    original = SyncScreen.on_sync_screen_progressed

    def spy(self: SyncScreen, event: SyncScreen.Progressed) -> None:
        seen.append(event.progress)
        original(self, event)

    monkeypatch.setattr(SyncScreen, "on_sync_screen_progressed", spy)
    app = create_app(ws, poll=False, rescore=False)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        assert "8 pending" in await status_line(app, pilot)  # 2 accounts, 6 children
        footer = app.screen.query_one("Footer").region
        assert app.screen.query_one(SyncStatusLine).region.bottom <= footer.y
        screen = await sync_now(app, pilot)
        assert screen.state == "done", screen.message
        assert {p.phase for p in seen} >= {"pull", "push"}
        # 2 companies with a contact, a note and a task each, both ways.
        assert screen.counts() == {"pulled": 8, "pushed": 8, "conflicts": 0, "errors": 0}
        counts = text(app, "#sync-counts")
        assert "pulled 8" in counts
        assert "pushed 8" in counts
        assert "Everything is in sync." in text(app, "#sync-message")
        # The sync's writes (made through its own store) reached the app's workspace.
        assert len(ws.accounts()) == 4
        assert len(crm.all("companies")) == 4
        await pilot.press("escape")
        assert isinstance(app.screen, PortfolioScreen)
        line = await status_line(app, pilot)
        assert "0 pending" in line
        assert "0 conflict" in line
        assert "never" not in line


async def test_offline_says_one_line_and_the_app_keeps_working(
    ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(monkeypatch, tmp_path, f"http://127.0.0.1:{unused_port()}", "fake-token")
    [acc] = seed_local(ws, 1)
    app = create_app(ws, poll=False, rescore=False)
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await sync_now(app, pilot)
        assert screen.state == "failed"
        assert header(app).endswith("— Sync")  # the screen's name, not the app's
        shown = text(app, "#sync-phase")
        assert "Cannot reach" in shown
        assert "\n" not in shown
        assert "fake-token" not in shown
        await pilot.press("escape")
        assert isinstance(app.screen, PortfolioScreen)
        ws.update_account(acc, {"stage": "adoption"})  # edits simply queue
        line = await status_line(app, pilot)
        assert "4 pending" in line
        assert "(failed: Cannot reach" in line  # the line tells of the failed run
        await pilot.press("t")
        await pilot.pause()
        assert app.screen.__class__.__name__ == "TodayScreen"


async def test_status_line_without_a_token_says_sync_is_not_set_up(ws: Workspace) -> None:
    app = create_app(ws, poll=False, rescore=False)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        assert "not set up" in await status_line(app, pilot)
        screen = await sync_now(app, pilot)
        assert screen.state == "unconfigured"  # says how to set it up; nothing runs
        assert "token" in text(app, "#sync-phase")


async def test_cancel_stops_the_sync_and_a_rerun_finishes(
    ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with FakeCRM(latency=0.3) as slow:
        configure(monkeypatch, tmp_path, slow.url, slow.token)
        seed_remote(slow, 2)
        app = create_app(ws, poll=False, rescore=False)
        async with app.run_test(size=(120, 30)) as pilot:
            await pilot.press("Y")
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, SyncScreen)
            await until(pilot, lambda: "Pulling" in text(app, "#sync-phase"))
            await pilot.press("c")
            await until(pilot, lambda: not screen.running)
            assert screen.state == "cancelled"
            assert "nothing is lost" in text(app, "#sync-phase")
            slow.latency = 0.0
            await pilot.press("Y")  # run it again from the same screen
            await until(pilot, lambda: not screen.running)
            final: str = screen.state
            assert final == "done"
            assert len(ws.accounts()) == 2


@pytest.mark.slow
async def test_conflicts_are_settled_by_keep_mine_take_theirs_and_edit(
    ws: Workspace, crm: FakeCRM, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(monkeypatch, tmp_path, crm.url, crm.token)
    ids = seed_local(ws, 3)
    app = create_app(ws, poll=False, rescore=False)
    async with app.run_test(size=(120, 30)) as pilot:
        assert (await sync_now(app, pilot)).state == "done"
        rids = {acc: rid(ws, "accounts", acc) for acc in ids}
        for acc in ids:
            ws.update_account(acc, {"stage": "expansion"})
            crm.update("companies", rids[acc], {"cstui_stage": "renewal"})
        await pilot.press("escape")
        assert "3 pending" in await status_line(app, pilot)
        screen = await sync_now(app, pilot)
        assert screen.counts()["conflicts"] == 3
        await pilot.press("escape")
        assert "3 conflict" in await status_line(app, pilot)

        await pilot.press("C")
        await pilot.pause()
        conflicts = app.screen
        assert isinstance(conflicts, ConflictsScreen)
        assert header(app).endswith("— Sync conflicts")
        assert len(conflicts.conflicts) == 3
        shown = "\n".join(str(o.prompt) for o in conflicts.query_one("#conflicts-list").options)  # type: ignore[attr-defined]
        assert "Local 0 KK" in shown
        assert "accounts.stage" in shown
        assert "base onboarding · mine expansion · CRM renewal" in shown
        assert "i takes the CRM's" in str(conflicts.query_one("#conflicts-hint", Static).content)
        assert conflicts.active_bindings["i"].binding.description == "Take the CRM's"

        async def pick(account_id: str) -> None:
            name = ws.account(account_id).name  # type: ignore[union-attr]
            index = next(i for i, c in enumerate(conflicts.conflicts) if c.label == name)
            conflicts.query_one("#conflicts-list").highlighted = index  # type: ignore[attr-defined]
            await pilot.pause()

        await pick(ids[0])
        await pilot.press("m")  # the screen's `m`; `i` takes theirs (`t` stays Today everywhere)
        await pilot.pause()
        await pick(ids[1])
        await pilot.press("i")
        await pilot.pause()
        assert len(conflicts.conflicts) == 1
        assert app.screen is conflicts
        await pick(ids[2])
        await pilot.press("e")
        await pilot.pause()
        form_input = app.screen.query_one("#field-value", Input)
        assert form_input.value == "expansion"
        form_input.value = "not-a-stage"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, FormScreen)  # refused: the form stays open, nothing changed
        form_input.value = "adoption"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is conflicts
        assert conflicts.conflicts == []
        assert "No open conflicts." in str(conflicts.query_one("#conflicts-list").options[0].prompt)  # type: ignore[attr-defined]
        await pilot.pause()
        assert "m" not in conflicts.active_bindings  # nothing left to settle: not offered
        assert "e" not in conflicts.active_bindings

        await pilot.press("escape")
        screen = await sync_now(app, pilot)
        assert screen.state == "done"
        assert screen.counts()["conflicts"] == 0
        expected = dict(zip(ids, ["expansion", "renewal", "adoption"], strict=True))
        for acc, stage in expected.items():
            assert ws.account(acc).stage == stage  # type: ignore[union-attr]
            assert crm.objects["companies"][rids[acc]].props["cstui_stage"] == stage
        await pilot.press("escape")
        line = await status_line(app, pilot)
        assert "0 pending" in line
        assert "0 conflict" in line


def test_a_refused_record_is_named_with_its_account() -> None:
    task = Failure("tasks", "t1", "Call back", "hs_timestamp is required", account="Acme")
    assert failure_line(task) == "Call back (Acme): hs_timestamp is required"
    account = Failure("accounts", "a1", "Acme", "archived", account="Acme")
    assert failure_line(account) == "Acme: archived"


def test_the_status_line_tells_how_the_last_sync_ended() -> None:
    def status(result: str, **kw: Any) -> SyncStatus:
        return SyncStatus("hubspot", 0, 0, None, result, **kw)

    assert result_text(status("ok")) == ""
    assert result_text(status("partial", failure_count=3)) == " (3 refused)"
    assert result_text(status("failed", last_error="Token refused")) == " (failed: Token refused)"
    assert result_text(status("cancelled")) == " (cancelled)"


def test_a_company_deleted_in_the_crm_says_what_each_choice_does() -> None:
    c = Conflict("c1", "hubspot", "accounts", "a1", "*", "Acme", "deleted", None, None, None, "")
    shown = conflict_prompt(c).plain
    assert "deleted in the CRM" in shown
    assert "m: create it again in the CRM" in shown


async def test_the_bar_shows_only_what_it_can_tell_with_animations_off(
    ws: Workspace, crm: FakeCRM, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The app runs without animations: Textual then draws a bar of unknown total full,
    which read as "done" before anything ran. It is hidden until there is a count."""
    monkeypatch.delenv("TEXTUAL_ANIMATIONS", raising=False)
    configure(monkeypatch, tmp_path, crm.url, crm.token)
    seed_local(ws, 2)
    seed_remote(crm, 2)
    seen: list[tuple[float | None, bool]] = []
    original = SyncScreen.on_sync_screen_progressed

    def spy(self: SyncScreen, event: SyncScreen.Progressed) -> None:
        original(self, event)
        bar = self.query_one("#sync-bar", ProgressBar)
        seen.append((bar.total, bar.display))

    monkeypatch.setattr(SyncScreen, "on_sync_screen_progressed", spy)
    app = create_app(ws, poll=False, rescore=False)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        screen = await sync_now(app, pilot)
        assert screen.state == "done", screen.message
        assert any(total is None for total, _ in seen)  # phases with no count came
        assert all(shown == (total is not None) for total, shown in seen), seen
        bar = screen.query_one("#sync-bar", ProgressBar)
        assert bar.display
        assert bar.percentage == 1
