"""The app shell: real data, literal untrusted names, live edits that outlive quitting."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from cstui.app import create_app
from cstui.domain.models import Account
from cstui.widgets.account_table import AccountTable
from cstui.workspace import Workspace


def _line(table: AccountTable[Any], y: int) -> str:
    return table.render_line(y).text


async def test_portfolio_lists_every_account(demo_ws: Workspace) -> None:
    app = create_app(demo_ws, poll=False)
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.screen.query_one(AccountTable)
        assert len(table.rows) == demo_ws.count(Account) == 60
        header = _line(table, 0)
        for label in ("Account", "Tier", "Stage", "ARR", "Renewal"):
            assert label in header
        first = table.rows[0]
        assert first.name[:10] in _line(table, 1)
        # Default sort is by health, worst first, unscored accounts last.
        scores = [r.health for r in table.rows]
        scored = [s for s in scores if s is not None]
        assert scored == sorted(scored)
        assert scores[: len(scored)] == scored
        await pilot.press("down", "down")
        chosen = table.current_id
        await pilot.press("s")  # another sort column: the same account stays selected
        assert table.sort_key != "health"
        assert table.current_id == chosen
        await pilot.press("home", "down", "down")
        assert table.cursor == 2


async def test_sort_by_header_click_and_reverse(demo_ws: Workspace) -> None:
    app = create_app(demo_ws, poll=False)
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.screen.query_one(AccountTable)
        await pilot.click(AccountTable, offset=(80, 0))  # somewhere in the header
        key = table.sort_key
        assert key is not None
        assert key != "health"
        await pilot.press("r")
        assert table.sort_reverse is True


async def test_untrusted_names_show_literally(empty_ws: Workspace) -> None:
    empty_ws.create_account({"name": "[bold red]x[/] \x1b]52;c;ZXZpbA==\x07 Evil"})
    app = create_app(empty_ws, poll=False)
    async with app.run_test(size=(120, 20)):
        table = app.screen.query_one(AccountTable)
        line = _line(table, 1)
        assert "[bold red]x[/]" in line
        assert "\x1b" not in line
        assert "␛]52;" in line


async def test_a_second_process_edit_appears_and_outlives_quit(demo_ws: Workspace) -> None:
    other = Workspace.open(demo_ws.store.data_dir, user="teammate")
    app = create_app(demo_ws, poll=False)
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.screen.query_one(AccountTable)
        target = table.rows[0].id
        other.update_account(target, {"name": "Renamed By Teammate"})
        app.poll_store()
        await pilot.pause()
        assert any(r.name == "Renamed By Teammate" for r in table.rows)
        await pilot.press("q")
    snapshot = Path(demo_ws.store.snapshot_path).read_bytes()
    other.close()
    # A short journal is left for the next opening (no 285 MB rewrite for one rename at
    # 50,000 accounts, and the teammates' kept rows stay good); it holds the rename.
    assert Path(demo_ws.store.snapshot_path).read_bytes() == snapshot
    assert b"Renamed By Teammate" in Path(demo_ws.store.journal_path).read_bytes()
    again = Workspace.open(demo_ws.store.data_dir)
    assert again.account(target).name == "Renamed By Teammate"  # type: ignore[union-attr]
    again.close()


async def test_japanese_interface(demo_ws: Workspace) -> None:
    app = create_app(demo_ws, lang="ja", poll=False)
    async with app.run_test(size=(80, 24)):
        table = app.screen.query_one(AccountTable)
        header = _line(table, 0)
        assert "顧客" in header
        assert "契約更新" in header
        assert len(header) <= 80


async def test_a_poll_in_the_background_reads_off_the_loop_and_tells_the_screens_on_it(
    demo_ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the folder watch and the backstop timer run: the journal is read on a worker
    thread (a teammate's rescore of 50,000 accounts stopped the event loop 2.1 s), the
    screens hear of it on the app's thread; asking again while one runs loses nothing."""
    other = Workspace.open(demo_ws.store.data_dir, user="teammate")
    readers: list[bool] = []
    real = demo_ws.store.poll

    def poll(**kw: bool) -> list[Any]:
        readers.append(threading.current_thread() is threading.main_thread())
        return real(**kw)

    heard: list[bool] = []
    demo_ws.subscribe(lambda _: heard.append(threading.current_thread() is threading.main_thread()))
    app = create_app(demo_ws, poll=False)
    async with app.run_test(size=(120, 40)) as pilot:
        monkeypatch.setattr(demo_ws.store, "poll", poll)
        table = app.screen.query_one(AccountTable)
        first, second = table.rows[0].id, table.rows[1].id
        other.update_account(first, {"name": "Renamed First"})
        app.poll_in_background()
        other.update_account(second, {"name": "Renamed Second"})
        app.poll_in_background()  # during the first: looks again when it ends
        await app.workers.wait_for_complete()
        await pilot.pause()
        names = {r.name for r in table.rows}
        assert {"Renamed First", "Renamed Second"} <= names
        assert readers
        assert not any(readers)  # read on a worker thread
        assert heard
        assert all(heard)  # told on the app's thread
    other.close()


async def test_a_large_commit_left_for_its_checkpoint_is_read_when_the_wait_ends(
    demo_ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A teammate's large commit (a rescore, an import) is left unread for a while, for
    the checkpoint that usually follows it (read then, it costs a few MB); when none
    comes, the app looks again by itself once the wait is over (no folder event says so)."""
    monkeypatch.setattr("cstui.store.db._LARGE_TAIL", 1024)
    monkeypatch.setattr("cstui.app.WAIT_FOR_FOLD", 0.5)
    other = Workspace.open(demo_ws.store.data_dir, user="teammate")
    app = create_app(demo_ws, poll=False)  # no folder watch, no backstop timer
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await app.workers.wait_for_complete()  # the start's own writes (touchpoint tasks)
            await pilot.pause()
            table = app.screen.query_one(AccountTable)
            ids = [r.id for r in table.rows[:12]]
            with other.store.transaction() as txn:
                for n, account_id in enumerate(ids):
                    txn.write("accounts", account_id, {"name": f"Bulk {n} " + "x" * 200})
            app.poll_in_background()
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert demo_ws.store.deferred is not None
            assert not any(r.name.startswith("Bulk") for r in table.rows)
            await pilot.pause(0.8)
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert demo_ws.store.deferred is None
            assert sum(r.name.startswith("Bulk") for r in table.rows) == len(ids)
    finally:
        other.close()
