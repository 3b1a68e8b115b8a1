"""The app opens the day's executive-touchpoint tasks as `cstui today` and `cstui tasks`
do: before, its Today screen and an account's Tasks tab showed none of them (an account
said "Missed: Executive kickoff" over "No tasks") until one of those commands ran."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cstui.app import create_app
from cstui.domain.enums import TaskSource
from cstui.workspace import Workspace
from cstui.workspace.activities import CADENCE_STATE_ID, CADENCE_STATE_TABLE

pytestmark = pytest.mark.slow


def touchpoint_tasks(ws: Workspace) -> set[str]:
    return {
        r["id"]
        for r in ws.store.scan("tasks")
        if r.get("source") == TaskSource.CADENCE.value and not r.get("_deleted")
    }


def what_the_cli_opens(demo_dir: Path, tmp_path: Path) -> set[str]:
    """The touchpoint tasks `cstui today` opens on a copy of the same book."""
    other = tmp_path / "cli"
    shutil.copytree(demo_dir, other)
    ws = Workspace.open(other, user="me")
    try:
        assert ws.cadence_tasks_for_today() > 0
        return touchpoint_tasks(ws)
    finally:
        ws.close()


async def run_until_done(ws: Workspace) -> set[str]:
    """The touchpoint tasks the workspace holds once the app's start-up work is over."""
    app = create_app(ws, poll=False, rescore=True)
    async with app.run_test(size=(120, 40)) as pilot:
        for _ in range(600):  # the worker starts after the first frame; a child may take a while
            await app.workers.wait_for_complete()
            await pilot.pause(0.1)
            if ws.store.peek(CADENCE_STATE_TABLE, CADENCE_STATE_ID) and not app.workers:
                break
        assert [n.message for n in app._notifications] == []
        return touchpoint_tasks(ws)


async def test_the_app_opens_the_days_touchpoint_tasks(
    demo_ws: Workspace, demo_dir: Path, tmp_path: Path
) -> None:
    want = what_the_cli_opens(demo_dir, tmp_path)
    assert want - touchpoint_tasks(demo_ws)  # the book has touchpoints with no task yet
    assert await run_until_done(demo_ws) == want
    again = Workspace.open(demo_ws.store.data_dir, user="me")
    try:
        assert again.cadence_todo() is None  # made today: a second start has nothing to do
    finally:
        again.close()


async def test_a_large_books_pass_runs_in_a_child(
    demo_ws: Workspace, demo_dir: Path, tmp_path: Path
) -> None:
    want = what_the_cli_opens(demo_dir, tmp_path)
    demo_ws.elsewhere_from = 1  # every book is "large"
    assert await run_until_done(demo_ws) == want  # through the journal
    assert "onboarding" in demo_ws.store._lazy  # the child read the plans, not the app
    again = Workspace.open(demo_ws.store.data_dir, user="me")
    again.elsewhere_from = 1
    try:
        assert again.cadence_elsewhere() == 0  # made today, nothing written since: no child
    finally:
        again.close()


def test_a_later_pass_the_same_day_goes_over_the_accounts_changed_since(
    demo_ws: Workspace,
) -> None:
    demo_ws.cadence_tasks_for_today()
    assert demo_ws.cadence_todo() is None
    account = demo_ws.portfolio()[0]
    demo_ws.update_account(account.id, {"seats": 3})
    todo = demo_ws.cadence_todo()
    assert todo is not None
    assert todo[0] == [account.id]


def test_a_child_finding_the_pass_under_way_elsewhere_leaves(demo_ws: Workspace) -> None:
    """Twenty apps opening on one large team folder make the day's pass once."""
    from cstui.workspace.activities import CADENCE_LOCK

    demo_ws.elsewhere_from = 1
    lock = demo_ws.store.named_lock(CADENCE_LOCK)
    assert lock.try_acquire()
    try:
        assert demo_ws.cadence_elsewhere() == 0
        demo_ws.poll()
        assert demo_ws.store.peek(CADENCE_STATE_TABLE, CADENCE_STATE_ID) is None  # not made
    finally:
        lock.release()
    assert demo_ws.cadence_elsewhere()  # free again: made
    demo_ws.poll()
    assert demo_ws.store.peek(CADENCE_STATE_TABLE, CADENCE_STATE_ID) is not None


def test_the_pass_keeps_no_model_of_what_it_read(demo_dir: Path, tmp_path: Path) -> None:
    """A pass reads each account, plan, activity and task once: the models it built are not
    kept (the whole book's were 1 GB of the pass's child at 50,000 accounts, and a small
    book's stayed in the app for the session)."""
    copy = tmp_path / "book"
    shutil.copytree(demo_dir, copy)
    ws = Workspace.open(copy, user="me")
    try:
        assert ws.cadence_tasks_for_today() > 0
        kept = {table: len(models) for table, models in ws._models.items() if models}
        assert kept == {}
        assert ws.account(next(iter(ws.store.scan("accounts")))["id"]) is not None
        assert any(ws._models.values())  # a screen's read is kept as before
    finally:
        ws.close()


def test_the_book_read_and_the_account_read_make_the_same_tasks(
    demo_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Many accounts are read from the records as they stream by (light accounts, the
    reports, the touchpoint tasks), a few through the models: the same tasks either way,
    a deleted touchpoint task is never made again, and a second pass writes nothing."""
    from cstui.workspace import activities

    def tasks_after(folder: Path, pass_from: int) -> dict[str, dict[str, object]]:
        monkeypatch.setattr(activities, "CADENCE_BOOK_PASS", pass_from)
        ws = Workspace.open(folder, user="me")
        try:
            ids = sorted(r.id for r in ws.portfolio())
            first = ws.sync_cadence_tasks(ids)
            assert first > 0
            gone = sorted(touchpoint_tasks(ws))[0]
            ws.delete_task(gone)
            assert ws.sync_cadence_tasks(ids) == 0  # idempotent; the deleted one stays gone
            skip = {"_rev", "_updated_at", "_seq", "_by", "created_at"}
            return {
                r["id"]: {k: v for k, v in r.items() if k not in skip}
                for r in ws.store.all("tasks", include_deleted=True)
                if r.get("source") == TaskSource.CADENCE.value
            }
        finally:
            ws.close()

    one, two = tmp_path / "one", tmp_path / "two"
    shutil.copytree(demo_dir, one)
    shutil.copytree(demo_dir, two)
    assert tasks_after(one, 0) == tasks_after(two, 10_000)  # streamed / through the models
