"""Crash leftovers and damaged files: what is repaired, what stops start-up, what is kept."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest

from cstui.store import CorruptSnapshotError, JournalCorruptError, Store, StoreError

Open = Callable[..., Store]


def seeded(open_store: Open, edits: int = 3) -> tuple[Store, dict[str, Any]]:
    store = open_store()
    for i in range(edits):
        store.put("accounts", f"a{i}", {"v": i})
    state = {r["id"]: r for r in store.all("accounts", include_deleted=True)}
    store.close(checkpoint=False)
    return store, state


def state_of(store: Store) -> dict[str, Any]:
    return {r["id"]: r for r in store.all("accounts", include_deleted=True)}


@pytest.mark.parametrize(
    "tail",
    [
        b'{"seq": 4, "op_id": "x", "ts"',  # power cut mid-line: no newline
        b"\x00" * 300,  # a zero-filled block the file system never got to write
        b'{"seq": 4, "op\n',  # garbage but newline-terminated, at the very end
    ],
)
def test_torn_last_line_is_cut_with_a_warning(open_store: Open, tail: bytes) -> None:
    store, state = seeded(open_store)
    good = store.journal_path.read_bytes()
    with open(store.journal_path, "ab") as fh:
        fh.write(tail)
    again = open_store()
    assert again.warnings == []
    assert again.notes == [
        "Recovered from an interrupted write: cut 1 incomplete line at the end of journal.jsonl."
    ]
    assert state_of(again) == state
    assert store.journal_path.read_bytes() == good
    again.put("accounts", "a9", {"v": 9})  # the next line follows the good ones
    assert again.last_seq == 4
    assert open_store().get("accounts", "a9") is not None


def test_torn_batch_at_the_end_is_dropped_whole(open_store: Open) -> None:
    store = open_store()
    store.put("accounts", "a0", {"v": 0})
    before = store.journal_path.read_bytes()
    with store.transaction() as txn:
        for i in range(1, 4):
            txn.put("accounts", f"a{i}", {"v": i})
    store.close(checkpoint=False)
    full = store.journal_path.read_bytes()
    batch_lines = full[len(before) :].splitlines(keepends=True)
    assert len(batch_lines) == 3
    # Crash after two whole lines and half of the third reached the disk.
    store.journal_path.write_bytes(before + b"".join(batch_lines[:2]) + batch_lines[2][:20])
    again = open_store()
    assert again.warnings == []
    assert again.notes == [
        "Recovered from an interrupted write: cut 3 incomplete lines at the end of journal.jsonl."
    ]
    assert [r["id"] for r in again.all("accounts")] == ["a0"]
    assert store.journal_path.read_bytes() == before
    # Two whole lines of three (the third lost entirely) are also an unfinished batch.
    again.close(checkpoint=False)
    store.journal_path.write_bytes(before + b"".join(batch_lines[:2]))
    assert [r["id"] for r in open_store().all("accounts")] == ["a0"]


def test_a_reader_never_applies_a_torn_tail(open_store: Open) -> None:
    a = open_store()
    b = open_store()
    a.put("accounts", "a1", {"v": 1})
    with open(a.journal_path, "ab") as fh:
        fh.write(b'{"seq": 2, "op_id"')
    assert [c.id for c in b.poll()] == ["a1"]  # the complete line is applied, not the tail
    assert b.notes == []  # readers do not cut (they only hold the shared lock)
    a.put("accounts", "a2", {"v": 2})  # the next writer cuts and appends after the good line
    assert a.notes[-1].startswith("Recovered from an interrupted write")
    assert [c.seq for c in b.poll()] == [2]


def test_damage_in_the_middle_stops_start_up_and_cuts_nothing(open_store: Open) -> None:
    store, _ = seeded(open_store, edits=4)
    lines = store.journal_path.read_bytes().splitlines(keepends=True)
    lines[1] = b'{"seq": 2, "garbage\n'
    damaged = b"".join(lines)
    store.journal_path.write_bytes(damaged)
    with pytest.raises(JournalCorruptError) as info:
        Store(store.data_dir, actor="x")
    assert "line 2" in str(info.value)
    assert str(store.journal_path) in str(info.value)
    assert store.journal_path.read_bytes() == damaged


def test_wrong_shape_line_is_corruption(open_store: Open) -> None:
    store, _ = seeded(open_store)
    with open(store.journal_path, "ab") as fh:
        fh.write(orjson.dumps({"seq": 4, "hello": "world"}) + b"\n")
    with pytest.raises(JournalCorruptError, match="line 4"):
        Store(store.data_dir, actor="x")


def test_corrupt_snapshot_names_the_newest_good_backup(open_store: Open) -> None:
    store = open_store()
    store.put("accounts", "a1", {"v": 1})
    store.checkpoint()
    store.put("accounts", "a2", {"v": 2})
    store.checkpoint()
    store.close(checkpoint=False)
    backups = sorted(store.backups_dir.iterdir())
    newest = backups[-1]
    # A damaged newer backup must be skipped in favour of an older good one.
    broken_backup = newest.with_name(newest.name.replace("-g", "-g9", 1))
    broken_backup.write_bytes(b"{not json")
    damaged = store.snapshot_path.read_bytes()[:-40]
    store.snapshot_path.write_bytes(damaged)
    with pytest.raises(CorruptSnapshotError) as info:
        Store(store.data_dir, actor="x")
    message = str(info.value)
    assert str(store.snapshot_path) in message
    assert str(newest) in message
    assert str(broken_backup) not in message
    assert store.snapshot_path.read_bytes() == damaged
    # Following the advice works.
    store.journal_path.rename(store.data_dir / "journal.jsonl.saved")
    store.snapshot_path.write_bytes(newest.read_bytes())
    with Store(store.data_dir, actor="x") as restored:
        assert restored.get("accounts", "a1") is not None


@pytest.mark.parametrize(
    "content",
    [b"", b"[]", b'{"accounts": {}}', b'{"_meta": {"1": {"schema": 0}}}', b'{"_meta": {"1": '],
)
def test_corrupt_snapshot_without_backup_says_so(tmp_path: Path, content: bytes) -> None:
    data = tmp_path / "data"
    Store(data, actor="x").close()
    for old in (data / "backups").iterdir():
        old.unlink()
    (data / "cstui.json").write_bytes(content)
    with pytest.raises(CorruptSnapshotError, match="There is no readable backup"):
        Store(data, actor="x")
    assert (data / "cstui.json").read_bytes() == content


def test_snapshot_with_a_bad_record_is_corrupt(tmp_path: Path) -> None:
    data = tmp_path / "data"
    Store(data, actor="x").close()
    bad = {"_meta": {"1": {"schema": 0, "last_seq": 0}}, "accounts": {"1": {"name": "no id"}}}
    (data / "cstui.json").write_bytes(orjson.dumps(bad))
    with pytest.raises(CorruptSnapshotError, match="has no text id"):
        Store(data, actor="x")


def test_missing_snapshot_with_a_journal_stops_start_up(open_store: Open) -> None:
    store, _ = seeded(open_store)
    store.snapshot_path.unlink()
    with pytest.raises(CorruptSnapshotError, match="is missing"):
        Store(store.data_dir, actor="x")
    assert not store.snapshot_path.exists()


def test_journal_newer_than_snapshot_is_reported(open_store: Open) -> None:
    store = open_store()
    store.put("accounts", "a1", {"v": 1})
    store.checkpoint()
    old_snapshot = store.snapshot_path.read_bytes()
    store.put("accounts", "a2", {"v": 2})
    store.checkpoint()
    store.put("accounts", "a3", {"v": 3})
    store.close(checkpoint=False)
    store.snapshot_path.write_bytes(old_snapshot)  # someone restored an older copy
    with pytest.raises(StoreError, match="some changes are missing"):
        Store(store.data_dir, actor="x")


def test_crash_between_snapshot_and_journal_swap(open_store: Open) -> None:
    """The snapshot already holds the journal's lines: they are skipped, not re-applied."""
    store = open_store()
    store.put("accounts", "a1", {"v": 1})
    store.put("accounts", "a1", {"v": 2})
    journal = store.journal_path.read_bytes()
    store.checkpoint()
    store.close(checkpoint=False)
    store.journal_path.write_bytes(journal)
    again = open_store()
    rec = again.get("accounts", "a1")
    assert rec is not None
    assert rec["_rev"] == 2
    assert again.last_seq == 2
    assert again.put("accounts", "a1", {"v": 3})["_rev"] == 3
    assert again.last_seq == 3


def test_leftover_temp_files_are_reported_and_cleaned(open_store: Open) -> None:
    store = open_store()
    leftover = store.data_dir / "cstui.json.tmp-12345"
    leftover.write_bytes(b"half a snapsh")
    leftover.chmod(0o600)  # as the store writes it
    health = store.diagnose()
    assert any("interrupted save" in n for n in health.notes)
    assert health.healthy
    store.put("accounts", "a1", {})
    store.checkpoint()
    assert not leftover.exists()
    assert store.diagnose().notes == []


def test_a_scan_splits_commits_and_a_transactions_lines_share_their_header(
    tmp_path: Path,
) -> None:
    """The journal's lines are read in place: single lines and transactions come out as
    complete commits with their end offsets, an unfinished tail is counted as torn, and
    the lines of one transaction share their first line's strings (a teammate's rescore
    is ~90,000 lines of one commit, read by every open app)."""
    from cstui.store import journal as jr

    def line(seq: int, rid: str, n: int = 1, of: int = 1, op: str = "op-1") -> bytes:
        ts = "2026-11-24T08:00:00.000Z"
        return jr.encode(
            {"seq": seq, "op_id": op, "ts": ts, "by": "kim", "table": "health", "id": rid,
             "set": {"score": seq, "_updated_at": ts, "_by": "kim"}, "unset": [],
             "delete": False, **({"n": n, "of": of} if of > 1 else {})}
        )  # fmt: skip

    single = line(1, "a", op="op-0")
    batch = b"".join(line(2 + i, f"r{i}", i + 1, 3) for i in range(3))
    torn = line(5, "x", 1, 2, op="op-2") + b'{"seq": 6, "op'
    buf = single + batch + torn
    result = jr.scan(bytearray(buf), offset=100, path=tmp_path / "journal.jsonl")
    assert [[ln["id"] for ln in group] for group in result.groups] == [["a"], ["r0", "r1", "r2"]]
    assert result.end == 100 + len(single) + len(batch)
    assert result.lines == 4
    assert result.torn_lines == 2  # the transaction's first line and the unfinished one
    assert result.size == 100 + len(buf)
    head, *rest = result.groups[1]
    for other in rest:
        for name in ("op_id", "ts", "by", "table"):
            assert other[name] is head[name]
        assert other["set"]["_updated_at"] is other["ts"]
        assert other["set"]["_by"] is other["by"]
    assert [ln["set"]["score"] for ln in result.groups[1]] == [2, 3, 4]
    with pytest.raises(JournalCorruptError, match="line 2"):
        jr.scan(single + b"not json\n" + single, offset=0, path=tmp_path / "journal.jsonl")
