"""Store API behaviour within one process: records, revisions, tombstones, transactions."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import orjson
import pytest
from tinydb import Query, where

from cstui.store import Change, ConflictError, Store, StoreError, Txn

Open = Callable[..., Store]


def journal_lines(store: Store) -> list[dict[str, object]]:
    return [orjson.loads(line) for line in store.journal_path.read_bytes().splitlines()]


def test_put_creates_and_merges_with_meta_fields(open_store: Open) -> None:
    store = open_store()
    rec = store.put("accounts", "a1", {"name": "Acme", "arr": 1000})
    assert rec == {
        "id": "a1",
        "name": "Acme",
        "arr": 1000,
        "_rev": 1,
        "_updated_at": "2024-05-01T12:00:00.001Z",
        "_by": "tester",
        "_seq": 1,
    }
    rec = store.put("accounts", "a1", {"arr": 2000, "_sync": {"remote_id": "9"}}, ["name"])
    assert rec["_rev"] == 2
    assert rec["arr"] == 2000
    assert "name" not in rec
    assert rec["_seq"] == 2  # the journal line that last changed it
    assert rec["_sync"] == {"remote_id": "9"}
    assert store.get("accounts", "a1") == rec
    assert store.get("accounts", "nope") is None
    assert store.count("accounts") == 1
    assert store.last_seq == 2


def test_journal_line_format(open_store: Open) -> None:
    store = open_store()
    store.put("accounts", "a1", {"name": "Acme"})
    (line,) = journal_lines(store)
    assert list(line) == ["seq", "op_id", "ts", "by", "table", "id", "set", "unset", "delete"]
    assert line["seq"] == 1
    assert line["table"] == "accounts"
    assert line["delete"] is False


def test_put_without_real_change_commits_nothing(open_store: Open) -> None:
    store = open_store()
    store.put("accounts", "a1", {"n": 1, "flag": True})
    same = store.put("accounts", "a1", {"n": 1, "flag": True}, ["missing"])
    assert same["_rev"] == 1
    assert store.last_seq == 1
    # 1 == True in Python, but not in JSON: a type change is a change.
    assert store.put("accounts", "a1", {"flag": 1})["flag"] == 1
    assert store.last_seq == 2


def test_only_changed_fields_are_journaled(open_store: Open) -> None:
    store = open_store()
    rec = store.put("accounts", "a1", {"a": 1, "b": 2})
    rec["b"] = 3
    store.put("accounts", "a1", rec)  # a whole record from get() can be passed back
    line_set = journal_lines(store)[-1]["set"]
    assert isinstance(line_set, dict)
    assert sorted(line_set) == ["_by", "_rev", "_seq", "_updated_at", "b"]
    assert line_set["b"] == 3
    assert line_set["_rev"] == 2


def test_expect_rev(open_store: Open) -> None:
    store = open_store()
    store.put("accounts", "a1", {"v": 1}, expect_rev=0)
    with pytest.raises(ConflictError, match="accounts/a1"):
        store.put("accounts", "a1", {"v": 2}, expect_rev=0)
    store.put("accounts", "a1", {"v": 2}, expect_rev=1)
    with pytest.raises(ConflictError, match="version 2, you started from version 1"):
        store.put("accounts", "a1", {"v": 3}, expect_rev=1)
    assert store.get("accounts", "a1") == store.get("accounts", "a1")
    assert store.last_seq == 2


def test_delete_is_a_tombstone_until_purged(open_store: Open) -> None:
    store = open_store()
    store.put("accounts", "a1", {"v": 1})
    store.put("accounts", "a2", {"v": 2})
    store.delete("accounts", "a1")
    assert store.get("accounts", "a1") is None
    tomb = store.get("accounts", "a1", include_deleted=True)
    assert tomb is not None
    assert tomb["_deleted"] is True
    assert tomb["_rev"] == 2
    assert store.count("accounts") == 1
    assert [r["id"] for r in store.all("accounts")] == ["a2"]
    assert len(store.all("accounts", include_deleted=True)) == 2
    store.delete("accounts", "a1")  # already deleted: no-op
    store.delete("accounts", "zzz")  # missing: no-op
    assert store.last_seq == 3
    store.purge("accounts", "a1")
    assert store.get("accounts", "a1", include_deleted=True) is None
    assert store.count("accounts") == 1
    line = journal_lines(store)[-1]
    assert line["delete"] is True
    assert line["purge"] is True


def test_put_on_a_tombstone_revives_it(open_store: Open) -> None:
    store = open_store()
    store.put("accounts", "a1", {"v": 1})
    store.delete("accounts", "a1")
    rec = store.put("accounts", "a1", {})
    assert "_deleted" not in rec
    assert rec["_rev"] == 3
    assert rec["v"] == 1
    assert store.count("accounts") == 1


def test_reads_return_copies(open_store: Open) -> None:
    store = open_store()
    store.put("accounts", "a1", {"tags": ["x"], "nested": {"k": [1]}})
    got = store.get("accounts", "a1")
    assert got is not None
    got["tags"].append("y")
    got["nested"]["k"].append(2)
    store.all("accounts")[0]["tags"].append("z")
    assert store.get("accounts", "a1") == {**got, "tags": ["x"], "nested": {"k": [1]}}


def test_invalid_input_is_refused(open_store: Open) -> None:
    store = open_store()
    with pytest.raises(ValueError, match="Table names"):
        store.put("_meta", "1", {})
    with pytest.raises(ValueError, match="Record ids"):
        store.put("accounts", "", {})
    with pytest.raises(ValueError, match="must match the record id"):
        store.put("accounts", "a1", {"id": "other"})
    with pytest.raises(ValueError, match="cannot be removed"):
        store.put("accounts", "a1", {}, ["_rev"])
    with pytest.raises(ValueError, match="both set and removed"):
        store.put("accounts", "a1", {"x": 1}, ["x"])
    with pytest.raises(TypeError, match="dates as ISO text"):
        store.put("accounts", "a1", {"when": datetime(2024, 1, 1)})
    with pytest.raises(TypeError):
        store.put("accounts", "a1", {"bad": {1: "non-text key"}})
    assert store.last_seq == 0
    assert store.journal_path.stat().st_size == 0
    # Store-managed fields in `set` are ignored, not written.
    rec = store.put("accounts", "a1", {"_rev": 99, "_by": "mallory", "_deleted": True})
    assert rec["_rev"] == 1
    assert rec["_by"] == "tester"
    assert "_deleted" not in rec


def test_tinydb_queries_see_every_change(open_store: Open) -> None:
    store = open_store()
    table = store.table("accounts")
    q = Query()
    for i in range(5):
        store.put("accounts", f"a{i}", {"health": i * 20})
    assert {d["id"] for d in table.search(q.health < 40)} == {"a0", "a1"}
    store.put("accounts", "a4", {"health": 10})  # the query cache must be cleared
    assert {d["id"] for d in table.search(q.health < 40)} == {"a0", "a1", "a4"}
    store.delete("accounts", "a0")
    live = table.search((q.health < 40) & ~where("_deleted").exists())
    assert {d["id"] for d in live} == {"a1", "a4"}
    with pytest.raises(StoreError, match="read-only"):
        table.insert({"id": "x"})
    with pytest.raises(StoreError, match="read-only"):
        table.update({"health": 0})
    assert table.get(doc_id=1) is not None  # doc ids are the creating line's seq


def test_new_id_is_unique_and_sortable(open_store: Open) -> None:
    store = open_store()
    ids = [store.new_id() for _ in range(2000)]
    assert len(set(ids)) == len(ids)
    assert ids == sorted(ids)
    assert all(len(i) == 26 and i.isalnum() for i in ids)
    assert store.new_id() != open_store(store.data_dir.parent / "other").new_id()


def test_transaction_commits_as_one_batch(open_store: Open) -> None:
    store = open_store()
    seen: list[list[Change]] = []
    store.subscribe(seen.append)
    with store.transaction() as txn:
        txn.put("accounts", "a1", {"v": 1})
        assert txn.get("accounts", "a1") is not None  # sees its own writes
        assert store.get("accounts", "a1") is None  # the store does not, until commit
        txn.put("accounts", "a1", {"v": 2}, expect_rev=1)
        txn.put("tasks", "t1", {"account": "a1"})
        txn.delete("tasks", "t1")
    lines = journal_lines(store)
    assert [(ln["seq"], ln["n"], ln["of"]) for ln in lines] == [
        (1, 1, 4),
        (2, 2, 4),
        (3, 3, 4),
        (4, 4, 4),
    ]
    assert len({ln["op_id"] for ln in lines}) == 1
    assert len(seen) == 1
    assert [c.seq for c in seen[0]] == [1, 2, 3, 4]
    assert all(c.local for c in seen[0])
    rec = store.get("accounts", "a1")
    assert rec is not None
    assert rec["v"] == 2
    assert rec["_rev"] == 2


def test_transaction_exception_writes_nothing(open_store: Open) -> None:
    store = open_store()
    store.put("accounts", "a1", {"v": 1})
    size = store.journal_path.stat().st_size

    def fail_midway() -> None:
        with store.transaction() as txn:
            txn.put("accounts", "a1", {"v": 2})
            txn.put("accounts", "a2", {"v": 2})
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        fail_midway()
    assert store.journal_path.stat().st_size == size
    assert store.get("accounts", "a1") == store.get("accounts", "a1")
    rec = store.get("accounts", "a1")
    assert rec is not None
    assert rec["v"] == 1
    assert store.get("accounts", "a2") is None

    used: list[Txn] = []

    def stale_write() -> None:
        with store.transaction() as txn:
            used.append(txn)
            txn.put("accounts", "a3", {"v": 3})
            txn.put("accounts", "a1", {"v": 3}, expect_rev=7)

    with pytest.raises(ConflictError):
        stale_write()
    assert store.get("accounts", "a3") is None
    assert store.last_seq == 1
    with pytest.raises(StoreError, match="finished"):
        used[0].put("accounts", "a3", {})


def test_store_writes_inside_a_transaction_are_refused(open_store: Open) -> None:
    store = open_store()
    with store.transaction() as txn:
        txn.put("accounts", "a1", {})
        with pytest.raises(StoreError, match="transaction is open"):
            store.put("accounts", "a2", {})
        assert store.poll() == []
    assert store.get("accounts", "a1") is not None


def test_subscribers_and_unsubscribe(open_store: Open) -> None:
    store = open_store()
    got: list[Change] = []
    unsubscribe = store.subscribe(got.extend)

    def broken(changes: list[Change]) -> None:
        raise RuntimeError("subscriber bug")

    store.subscribe(broken)
    store.put("accounts", "a1", {"v": 1})  # a failing subscriber does not break commits
    assert [(c.table, c.id, c.set["v"], c.local) for c in got] == [("accounts", "a1", 1, True)]
    unsubscribe()
    unsubscribe()
    store.put("accounts", "a1", {"v": 2})
    assert len(got) == 1


def test_a_quiet_transaction_tells_only_what_others_committed_before_it(
    open_store: Open,
) -> None:
    """The rescoring child's commit: written and readable like any other, but its own
    subscribers (caches nobody reads again) are not told; what it caught up with from
    other processes still is."""
    store, other = open_store(), open_store(actor="bob")
    got: list[Change] = []
    store.subscribe(got.extend)
    other.put("accounts", "b1", {"v": 1})
    with store.transaction(quiet=True) as txn:
        txn.write("accounts", "a1", {"v": 2})
    assert [(c.id, c.local) for c in got] == [("b1", False)]
    assert store.get("accounts", "a1")["v"] == 2  # type: ignore[index]
    assert [c.id for c in other.poll()] == ["a1"]


def test_two_stores_in_one_process_share_the_folder(open_store: Open) -> None:
    a, b = open_store(), open_store(actor="bob")
    got: list[Change] = []
    a.subscribe(got.extend)
    b.put("accounts", "x", {"v": 1})
    assert a.poll() == got
    assert len(got) == 1
    assert not got[0].local
    assert got[0].by == "bob"
    assert a.poll() == []  # nothing new: cheap no-op
    # a's write catches up first, so its revision builds on b's change.
    assert a.put("accounts", "x", {"v": 2})["_rev"] == 2
    assert b.put("accounts", "x", {"w": 1}, expect_rev=2)["_rev"] == 3
    assert a.poll()[0].seq == 3


def test_closed_store(open_store: Open) -> None:
    store = open_store()
    store.put("accounts", "a1", {"v": 1})
    store.close()
    store.close()
    assert store.closed
    with pytest.raises(StoreError, match="closed"):
        store.put("accounts", "a1", {"v": 2})
    assert store.poll() == []
    assert store.get("accounts", "a1") is not None  # reads still work from memory
    with Store(store.data_dir, actor="x") as again:
        assert again.get("accounts", "a1") is not None


@pytest.mark.slow
def test_store_does_not_import_textual_or_domain() -> None:
    code = (
        "import sys, cstui.store; "
        "bad = [m for m in sys.modules if m.split('.')[0] == 'textual' "
        "or m.startswith('cstui.domain')]; print(bad)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_data_dir_is_created(tmp_path: Path) -> None:
    with Store(tmp_path / "a" / "b", actor="x") as store:
        assert store.data_dir.is_dir()
        assert store.snapshot_path.is_file()
        assert store.check() == []


def test_unusable_data_folder_is_a_clear_error(tmp_path: Path) -> None:
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("x")
    with pytest.raises(StoreError, match="cannot use the data folder"):
        Store(not_a_folder, actor="x")


def test_check_reports_a_damaged_journal(open_store: Open) -> None:
    store = open_store()
    store.put("accounts", "a1", {})
    store.put("accounts", "a2", {})
    with open(store.journal_path, "ab") as fh:
        fh.write(b'{"seq": 3, "op')
    # A torn tail is repaired by the next writer: a note, not a problem.
    health = store.diagnose()
    assert any("unfinished change" in n for n in health.notes)
    assert health.healthy
    assert store.check() == []
    lines = store.journal_path.read_bytes().splitlines(keepends=True)
    store.journal_path.write_bytes(b"garbage\n" + b"".join(lines[1:]))
    assert any("damaged at line 1" in p for p in store.check())


def test_changed_since_survives_checkpoints(open_store: Open) -> None:
    """``_seq`` is the team hub's cursor: what changed after N, across checkpoints."""
    store = open_store()
    store.put("accounts", "a1", {"name": "A"})
    store.put("tasks", "t1", {"title": "T"})
    mark = store.last_seq
    store.checkpoint()
    store.put("accounts", "a1", {"name": "A2"})
    store.delete("tasks", "t1")
    store.put("accounts", "a2", {"name": "B"})
    store.checkpoint()
    found = store.changed_since(mark)
    assert [(t, r["id"]) for t, r in found] == [
        ("accounts", "a1"),
        ("tasks", "t1"),
        ("accounts", "a2"),
    ]
    assert found[1][1]["_deleted"] is True
    assert store.changed_since(store.last_seq) == []


def test_txn_write_is_put_without_the_copy_back(open_store: Open) -> None:
    """``Txn.write`` (batches: the rescore's health records) stores what ``put`` stores."""
    store = open_store()
    with store.transaction() as txn:
        txn.put("health", "a1", {"history": [["2026-11-22", 70]], "score": 70})
        txn.write("health", "a2", {"history": [["2026-11-22", 70]], "score": 70})
        txn.write("health", "a1", {"score": 71}, unset=["history"])
    a1, a2 = store.get("health", "a1"), store.get("health", "a2")
    assert a1 is not None
    assert a2 is not None
    assert (a1["score"], a1["_rev"], "history" in a1) == (71, 2, False)
    assert (a2["history"], a2["_rev"]) == ([["2026-11-22", 70]], 1)
    other = open_store(actor="other")
    assert other.get("health", "a2") == a2
