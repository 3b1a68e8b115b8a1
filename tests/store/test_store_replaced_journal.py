"""A journal another process replaced at a checkpoint is read a piece at a time.

A teammate's rescore is one commit of ~90,000 lines at 50,000 accounts, then a checkpoint.
Every open app read that commit whole and kept the lines of the tables it had not parsed
until it adopted the new snapshot: 310 MB at its peak, in every app at once on a team
server. The newer snapshot holds every line of the replaced journal, so the lines are now
applied as they are read and those of unparsed tables are not kept.
"""

from __future__ import annotations

import os
import time
import tracemalloc
from pathlib import Path

import pytest
from tinydb import TinyDB

from cstui.store import Change, Store, db
from cstui.store import journal as jr
from cstui.store.errors import JournalCorruptError

N = 3000


def _book(path: Path) -> None:
    with Store(path, actor="seed") as seed:
        seed.bulk_load(
            {
                "accounts": [{"id": f"acc{i}", "name": f"N{i}"} for i in range(N)],
                "health": [
                    {"id": f"acc{i}", "account_id": f"acc{i}", "score": 50} for i in range(N)
                ],
            }
        )


def _rescore(path: Path, score: int) -> Store:
    """Another process rewrites every health record in one commit; returned open (close
    it, or checkpoint it, to end its generation)."""
    other = Store(path, actor="rescorer")
    with other.transaction() as txn:
        for i in range(N):
            txn.write("health", f"acc{i}", {"score": score, "daily": list(range(60))})
    return other


def _poll_peak(path: Path, *, replaced: bool) -> tuple[list[Change], int, Store]:
    """A reader opened before a rescore polls it, the rescorer's journal replaced by its
    checkpoint or not; the changes, the poll's peak of traced memory, the reader."""
    _book(path)
    reader = Store(path, actor="reader")
    reader.get("accounts", "acc0")  # the accounts parsed, as the portfolio has them
    assert "health" in reader._lazy
    other = _rescore(path, 77)
    try:
        if replaced:
            other.checkpoint()
        tracemalloc.start()
        try:
            changes = reader.poll()
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    finally:
        other.close()
    return changes, peak, reader


def test_a_replaced_rescore_is_applied_without_holding_its_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(jr, "REPLACED_PIECE", 1 << 16)  # the test's journal is ~1.4 MB
    changes, peak, reader = _poll_peak(tmp_path / "replaced", replaced=True)
    try:
        assert [c.id for c in changes] == [f"acc{i}" for i in range(N)]
        assert all(c.table == "health" and not c.local for c in changes)
        assert [c.seq for c in changes] == list(range(changes[0].seq, changes[0].seq + N))
        assert reader._pending == {}
        assert reader.get("health", "acc17")["score"] == 77  # type: ignore[index]
        assert reader.get("health", "acc17")["daily"] == list(range(60))  # type: ignore[index]
    finally:
        reader.close()
    # The same rescore read from the current journal (a commit counts only once it is
    # complete, so it is parsed whole and its lines are kept for the unparsed table).
    whole, whole_peak, other_reader = _poll_peak(tmp_path / "current", replaced=False)
    other_reader.close()
    assert whole[0].set["score"] == 77
    assert peak * 3 < whole_peak, (peak, whole_peak)


def test_parsed_tables_still_get_every_field_of_their_changes(tmp_path: Path) -> None:
    _book(tmp_path)
    reader = Store(tmp_path, actor="reader")
    try:
        reader.all("health")  # parsed here
        with _rescore(tmp_path, 55) as other:
            other.checkpoint()
        changes = reader.poll()
        assert len(changes) == N
        assert changes[5].set["score"] == 55
        assert changes[5].set["daily"] == list(range(60))
        assert reader.get("health", "acc5")["score"] == 55  # type: ignore[index]
    finally:
        reader.close()


def test_a_new_record_of_an_unparsed_table_names_its_account(tmp_path: Path) -> None:
    _book(tmp_path)
    reader = Store(tmp_path, actor="reader")
    try:
        with Store(tmp_path, actor="other") as other:
            other.put("health", "x1", {"account_id": "acc3", "score": 1})
            other.delete("health", "acc4")
            other.checkpoint()
        changes = {c.id: c for c in reader.poll()}
        assert changes["x1"].set == {"account_id": "acc3"}
        assert changes["acc4"].delete
        assert reader.get("health", "acc4") is None
        assert reader.get("health", "x1")["score"] == 1  # type: ignore[index]
    finally:
        reader.close()


def test_a_damaged_replaced_journal_gives_way_to_the_newer_snapshot(tmp_path: Path) -> None:
    """The checkpointer read the old journal whole before replacing it: a line damaged
    there since (a disk, a hand) cannot hide what the newer snapshot holds."""
    _book(tmp_path)
    reader = Store(tmp_path, actor="reader")
    try:
        reader.get("accounts", "acc0")
        old = os.open(tmp_path / "journal.jsonl", os.O_RDONLY)  # the generation being replaced
        try:
            with _rescore(tmp_path, 44) as other:
                other.checkpoint()
            data = os.pread(old, 1 << 24, 0)
        finally:
            os.close(old)
        # Damage a line in the middle of the replaced file, through the reader's descriptor.
        assert reader._journal is not None
        middle = data.index(b"\n", len(data) // 2) + 1
        os.pwrite(reader._journal.fd, b"{garbage", middle)
        reader.poll()
        assert reader.get("health", "acc2999")["score"] == 44  # type: ignore[index]
        assert reader.get("health", "acc0")["score"] == 44  # type: ignore[index]
    finally:
        reader.close()


def _journal_with(path: Path, lines: list[dict[str, object]]) -> jr.JournalFile:
    path.write_bytes(b"".join(jr.encode(line) for line in lines))
    return jr.JournalFile.open(path, team=False)


def _line(seq: int, n: int = 1, of: int = 1, op: str = "op", **fields: object) -> dict[str, object]:
    return {
        "seq": seq, "op_id": f"{op}{seq - n + 1}", "ts": "t", "by": "b", "table": "health",
        "id": f"r{seq}", "set": dict(fields), "unset": [], "delete": False, "n": n, "of": of,
    }  # fmt: skip


def test_pieces_split_lines_and_commits_anywhere(tmp_path: Path) -> None:
    lines = [_line(1), *[_line(1 + k, n=k, of=4) for k in range(1, 5)], _line(6, big="x" * 500)]
    reader = _journal_with(tmp_path / "j", lines)
    try:
        got = list(reader.read_replaced(piece=40))  # smaller than any line: pieces grow
        assert [g["seq"] for g in got] == [1, 2, 3, 4, 5, 6]
        assert got[-1]["set"]["big"] == "x" * 500
        assert reader.offset == (tmp_path / "j").stat().st_size
        assert reader.lines == 6
    finally:
        reader.close()


def test_an_unfinished_end_is_said_after_the_lines_before_it(tmp_path: Path) -> None:
    lines = [_line(1), _line(2, n=1, of=3), _line(3, n=2, of=3)]
    reader = _journal_with(tmp_path / "j", lines)
    try:
        got: list[object] = []
        read = reader.read_replaced(piece=64)
        with pytest.raises(JournalCorruptError, match="unfinished"):
            got.extend(line["seq"] for line in read)
        assert got == [1, 2, 3]
        assert reader.lines == 1  # only the whole commit counts as read
    finally:
        reader.close()


def test_an_update_of_a_record_read_here_names_its_account(tmp_path: Path) -> None:
    """A screen showing an account hears of a teammate's edit of one of its records (an
    update's line carries only the fields changed, not the account)."""
    _book(tmp_path)
    reader = Store(tmp_path, actor="reader")
    try:
        assert reader.peek("health", "acc9") is not None  # read here, the table unparsed
        assert "health" in reader._lazy
        with Store(tmp_path, actor="other") as other:
            other.put("health", "acc9", {"score": 12})
            other.checkpoint()
        (change,) = reader.poll()
        assert change.set == {"account_id": "acc9"}
        assert reader.peek("health", "acc9")["score"] == 12  # type: ignore[index]
    finally:
        reader.close()


def test_a_poll_may_leave_a_large_commit_for_the_checkpoint_after_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The app's polls wait a little for the checkpoint that follows a large commit (the
    rescoring process folds it at once) and then read it from the replaced journal."""
    monkeypatch.setattr(db, "_LARGE_TAIL", 64 * 1024)
    _book(tmp_path)
    reader = Store(tmp_path, actor="reader")
    try:
        other = _rescore(tmp_path, 33)
        assert reader.poll(wait_for_fold=30) == []
        assert reader.deferred is not None
        assert reader.deferred > time.monotonic() + 20
        assert reader.peek("health", "acc1")["score"] == 50  # type: ignore[index]
        assert reader.poll(wait_for_fold=30) == []  # the same tail: the same deadline
        other.checkpoint()
        other.close()
        changes = reader.poll(wait_for_fold=30)
        assert reader.deferred is None
        assert len(changes) == N
        assert all(c.set == {"account_id": c.id} or c.set == {} for c in changes)
        assert reader.peek("health", "acc1")["score"] == 33
        assert reader._pending == {}
    finally:
        reader.close()


def test_a_large_commit_with_no_checkpoint_is_read_once_the_wait_is_over(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db, "_LARGE_TAIL", 64 * 1024)
    _book(tmp_path)
    reader = Store(tmp_path, actor="reader")
    try:
        with _rescore(tmp_path, 22):
            assert reader.poll(wait_for_fold=0.2) == []
            time.sleep(0.25)
            changes = reader.poll(wait_for_fold=0.2)
            assert reader.deferred is None
            assert len(changes) == N
            assert changes[0].set["score"] == 22  # read from the current journal, whole
            # A small commit is never left waiting.
            reader_small = reader.poll(wait_for_fold=30)
            assert reader_small == []
        with Store(tmp_path, actor="other") as other:
            other.put("health", "acc3", {"score": 9})
            assert [c.id for c in reader.poll(wait_for_fold=30)] == ["acc3"]
    finally:
        reader.close()


def test_a_newer_snapshot_without_its_layout_is_read_whole(tmp_path: Path) -> None:
    """The lines left out are only in the newer file: if other code rewrote it (plain
    TinyDB, which keeps the data but not where each table lies), it is read whole."""
    _book(tmp_path)
    reader = Store(tmp_path, actor="reader")
    try:
        reader.get("accounts", "acc0")
        assert "health" in reader._lazy
        with _rescore(tmp_path, 61) as other:
            other.checkpoint()
        db = TinyDB(tmp_path / "cstui.json")  # rewrites the file its own way
        db.table("accounts").update({"name": "By TinyDB"}, doc_ids=[1])
        db.close()
        reader.poll()
        assert reader.get("health", "acc5")["score"] == 61  # type: ignore[index]
        assert reader.get("accounts", "acc0")["name"] == "By TinyDB"  # type: ignore[index]
    finally:
        reader.close()
