"""The portfolio's rows are built by streaming the accounts and health tables: the rows are
the same as from parsed tables, the tables stay unparsed (at 50,000 accounts they held
185 MB after the first frame), and the rows answer "is the book scored today?"."""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest

from cstui import clock
from cstui.workspace import Workspace
from cstui.workspace import portfolio as portfolio_module
from cstui.workspace.health import Health

HEALTH = "health"


def _copy(demo_dir: Path, tmp_path: Path, name: str) -> Path:
    target = tmp_path / name
    shutil.copytree(demo_dir, target)
    return target


def test_rows_from_streams_equal_rows_from_parsed_tables(demo_dir: Path, tmp_path: Path) -> None:
    data = _copy(demo_dir, tmp_path, "data")
    other = Workspace.open(data, user="me")  # changes since the snapshot count too
    first = other.portfolio()[0]
    other.update_account(first.id, {"name": "Renamed since the snapshot"})
    other.create_account({"name": "Made since the snapshot", "owner": "me"})
    other.store.close(checkpoint=False)  # left in the journal
    streamed = Workspace.open(data, user="me")
    parsed = Workspace.open(data, user="me")
    try:
        rows = streamed.portfolio()
        assert "accounts" in streamed.store._lazy
        assert HEALTH in streamed.store._lazy
        parsed.store.count("accounts")  # parse both tables first
        parsed._health_summaries()
        assert "accounts" not in parsed.store._lazy
        assert sorted(rows, key=lambda r: r.id) == sorted(parsed.portfolio(), key=lambda r: r.id)
        names = {r.name for r in rows}
        assert {"Renamed since the snapshot", "Made since the snapshot"} <= names
    finally:
        streamed.close()
        parsed.close()


def test_rows_tell_whether_the_book_is_scored_today(demo_dir: Path, tmp_path: Path) -> None:
    data = _copy(demo_dir, tmp_path, "data")
    ws = Workspace.open(data, user="me")
    try:
        ws.portfolio()
        assert ws.health_is_current() is True
        assert HEALTH in ws.store._lazy  # answered from the rows
        assert Health.health_is_current(ws) is True  # the whole-table answer agrees

        teammate = Workspace.open(data, user="me")  # an account nobody scored yet
        teammate.store.put("accounts", "acc-new", {"name": "New", "owner": "me"})
        teammate.store.close(checkpoint=False)
        ws.poll()
        assert ws.health_is_current() is False
        assert Health.health_is_current(ws) is False

        ws.refresh_health(["acc-new"])
        assert ws.health_is_current() is True

        clock.freeze(clock.today() + timedelta(days=1))
        assert ws.health_is_current() is False  # the rows of the new day, built to answer
        assert ws._rows_day == clock.today()
        assert Health.health_is_current(ws) is False
        assert ws.health_is_current(date(2026, 11, 23)) is True  # that day's answer, in full
    finally:
        ws.close()


@pytest.mark.parametrize(
    ("batch", "checkpoint", "prepared"),
    [(False, False, False), (True, False, False), (True, True, False), (True, True, True)],
)
def test_a_teammates_rescore_reaches_the_rows_as_a_fresh_build_makes_them(
    demo_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    batch: bool,
    checkpoint: bool,
    prepared: bool,
) -> None:
    """Rows take another process's new scores in place (no account read again, no summary
    kept), and then equal the rows a fresh start builds: one summary at a time, or (a
    large book's rescore) all in one pass over the summaries, also after the rescoring
    process folded its journal into a new snapshot (a child's rescore does), or read on
    the poll's thread as the app polls (``notify=False``) and only set when announced."""
    if batch:
        monkeypatch.setattr(portfolio_module, "_MANY_RESCORED", 10)

        def one_at_a_time(self: object, account_id: str) -> None:
            raise AssertionError(f"{account_id} looked up on its own in a batch")

        monkeypatch.setattr(portfolio_module.Portfolio, "_rescored_row", one_at_a_time)
    data = _copy(demo_dir, tmp_path, "data")
    clock.freeze(clock.today() + timedelta(days=9))
    ws = Workspace.open(data, user="me")
    try:
        before = {r.id: r.health for r in ws.portfolio()}
        teammate = Workspace.open(data, user="me")
        assert teammate.rescore_if_due() is True
        teammate.store.close(checkpoint=checkpoint)  # without: the scores wait in the journal
        if prepared:
            changes = ws.poll(notify=False)  # the summaries read here, on the poll's thread
            assert ws._prepared is not None

            def streamed(*_: object) -> set[str]:
                raise AssertionError("the summaries were read again when announced")

            monkeypatch.setattr(portfolio_module.Portfolio, "_take_summaries", streamed)
            ws.announce(changes)
            assert ws._prepared is None
        else:
            ws.poll()
        assert ws.health_is_current() is True
        assert HEALTH in ws.store._lazy
        assert not ws.store._unparsed[HEALTH].records  # looked up, not kept
        fresh = Workspace.open(data, user="me")
        try:
            rows = sorted(ws.portfolio(), key=lambda r: r.id)
            assert rows == sorted(fresh.portfolio(), key=lambda r: r.id)
            assert {r.id: r.health for r in rows} != before  # nine days later: scores moved
        finally:
            fresh.close()
    finally:
        ws.close()


def test_a_batch_whose_account_goes_later_in_it_still_reaches_the_screens(
    demo_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A batch of rescored summaries in which an account is also deleted (an undone
    creation, a pulled hub page): its row goes, the others take their scores, and the
    screens hear of the batch."""
    monkeypatch.setattr(portfolio_module, "_MANY_RESCORED", 2)
    data = _copy(demo_dir, tmp_path, "data")
    ws = Workspace.open(data, user="me")
    try:
        rows = {r.id: r for r in ws.portfolio()}
        gone, *others = sorted(rows)[:4]
        heard: list[object] = []
        ws.subscribe(heard.append)
        teammate = Workspace.open(data, user="me")
        with teammate.store.transaction() as txn:
            for aid in (gone, *others):
                txn.write(HEALTH, aid, {"score": 3, "band": "red"})
            txn.delete("accounts", gone)
        teammate.store.close(checkpoint=False)
        ws.poll()
        assert len(heard) == 1
        now = {r.id: r for r in ws.portfolio()}
        assert gone not in now
        assert [now[aid].health for aid in others] == [3, 3, 3]
    finally:
        ws.close()


def test_a_commit_between_the_poll_and_its_announcement_reads_the_summaries_again(
    demo_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The values read on the poll's thread are the store's as it was then: a change made
    here before the batch is announced (a rating) is not overwritten by them."""
    monkeypatch.setattr(portfolio_module, "_MANY_RESCORED", 2)
    data = _copy(demo_dir, tmp_path, "data")
    ws = Workspace.open(data, user="me")
    try:
        ids = sorted(r.id for r in ws.portfolio())[:5]
        teammate = Workspace.open(data, user="me")
        with teammate.store.transaction() as txn:
            for aid in ids:
                txn.write(HEALTH, aid, {"score": 3, "band": "red"})
        teammate.store.close(checkpoint=False)
        changes = ws.poll(notify=False)
        assert ws._prepared is not None
        ws.store.put(HEALTH, ids[0], {"score": 88, "band": "green"})  # told at once
        ws.announce(changes)
        now = {r.id: r for r in ws.portfolio()}
        assert now[ids[0]].health == 88
        assert [now[aid].health for aid in ids[1:]] == [3, 3, 3, 3]
    finally:
        ws.close()
