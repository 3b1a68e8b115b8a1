"""Checkpoints, journal generations, backups and migrations."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest
from tinydb import TinyDB

from cstui.store import Change, CorruptSnapshotError, Store, StoreError
from cstui.store.db import CLOSE_CHECKPOINT_AGE, CLOSE_CHECKPOINT_BYTES

Open = Callable[..., Store]


def meta_of(doc: Any) -> dict[str, int]:
    """The _meta fields from the spec (the table layout for fast opening is left out)."""
    assert isinstance(doc, dict)
    assert set(doc) == {"schema", "last_seq", "generation", "tables"}
    return {k: doc[k] for k in ("schema", "last_seq", "generation")}


def state_of(store: Store) -> dict[str, list[dict[str, Any]]]:
    return {t: store.all(t, include_deleted=True) for t in store.tables()}


def test_checkpoint_and_reopen_round_trip(open_store: Open) -> None:
    store = open_store()
    for i in range(20):
        store.put("accounts", f"a{i}", {"v": i, "tags": ["x"] * (i % 3)})
    store.delete("accounts", "a3")
    store.purge("accounts", "a4")
    store.put("activities", "x1", {"account": "a1", "kind": "call"})
    before = state_of(store)
    store.checkpoint()
    assert store.journal_path.stat().st_size == 0
    meta = orjson.loads(store.snapshot_path.read_bytes())["_meta"]["1"]
    assert meta_of(meta) == {"schema": 0, "last_seq": store.last_seq, "generation": 1}
    store.put("accounts", "a1", {"v": 100})  # journal on top of the snapshot
    before = state_of(store)
    store.close(checkpoint=False)
    again = open_store()
    assert state_of(again) == before
    assert again.count("accounts") == 18
    assert again.put("accounts", "new", {})["_rev"] == 1
    assert again.last_seq == store.last_seq + 1


def test_snapshot_is_readable_by_plain_tinydb(open_store: Open) -> None:
    store = open_store()
    store.put("accounts", "a1", {"name": "Acme"})
    store.put("accounts", "a2", {"name": "株式会社テスト"})
    store.close()
    db = TinyDB(store.snapshot_path, access_mode="r")
    try:
        assert sorted(d["name"] for d in db.table("accounts").all()) == ["Acme", "株式会社テスト"]
        assert meta_of(db.table("_meta").get(doc_id=1)) == {
            "schema": 0,
            "last_seq": 2,
            "generation": 1,
        }
        doc = db.table("accounts").get(doc_id=2)  # doc id = the creating line's seq
        assert doc is not None
        assert doc["id"] == "a2"
    finally:
        db.close()


def test_close_checkpoints_only_when_there_is_something_to_fold(open_store: Open) -> None:
    store = open_store()
    store.close()
    assert list(store.backups_dir.iterdir()) == []
    store = open_store()
    store.put("accounts", "a1", {})
    store.close()
    assert len(list(store.backups_dir.iterdir())) == 1
    assert store.journal_path.stat().st_size == 0


def test_by_default_a_close_leaves_a_short_journal_and_folds_a_long_one(
    open_store: Open, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A close folds the journal only past ``close_checkpoint_bytes`` (default 1 MiB,
    ``CSTUI_CLOSE_CHECKPOINT_BYTES``) or on a snapshot over a day old: a short one is
    replayed by the next opening, so a session's few edits do not rewrite the whole book
    (285 MB at 50,000 accounts)."""
    monkeypatch.delenv("CSTUI_CLOSE_CHECKPOINT_BYTES", raising=False)
    store = open_store(close_checkpoint_bytes=None)
    assert store.close_checkpoint_bytes == CLOSE_CHECKPOINT_BYTES
    store.put("accounts", "a1", {"name": "kept in the journal"})
    snapshot = store.snapshot_path.read_bytes()
    store.close()
    assert store.snapshot_path.read_bytes() == snapshot
    assert store.journal_path.stat().st_size > 0
    assert list(store.backups_dir.iterdir()) == []
    store = open_store(close_checkpoint_bytes=None)
    assert store.get("accounts", "a1")["name"] == "kept in the journal"  # type: ignore[index]
    for i in range(40):  # past the limit: this close folds it all
        store.put("accounts", f"b{i}", {"pad": "x" * (CLOSE_CHECKPOINT_BYTES // 30)})
    store.close()
    assert store.journal_path.stat().st_size == 0
    assert len(list(store.backups_dir.iterdir())) == 1
    store = open_store(close_checkpoint_bytes=None)  # a short journal on an old snapshot
    store.put("accounts", "c1", {})
    old = time.time() - CLOSE_CHECKPOINT_AGE - 60
    os.utime(store.snapshot_path, (old, old))
    store.close()
    assert store.journal_path.stat().st_size == 0  # folded: backups never lag over a day
    assert len(list(store.backups_dir.iterdir())) == 2
    monkeypatch.setenv("CSTUI_CLOSE_CHECKPOINT_BYTES", "0")
    store = open_store(close_checkpoint_bytes=None)
    assert store.close_checkpoint_bytes == 0
    store.put("accounts", "a2", {})
    store.close()
    assert store.journal_path.stat().st_size == 0
    monkeypatch.setenv("CSTUI_CLOSE_CHECKPOINT_BYTES", "a lot")  # not a number: the default
    assert open_store(close_checkpoint_bytes=None).close_checkpoint_bytes == (
        CLOSE_CHECKPOINT_BYTES
    )


def test_automatic_checkpoint_and_backup_rotation(open_store: Open) -> None:
    store = open_store(checkpoint_bytes=2000)
    for i in range(200):
        store.put("accounts", f"a{i % 7}", {"v": i, "pad": "x" * 50})
    assert store.journal_path.stat().st_size <= 2000 + 400
    assert store.generation > 10
    backups = list(store.backups_dir.iterdir())
    assert len(backups) == 10
    assert all(TinyDB(b, access_mode="r").tables() for b in backups)
    again = open_store()
    assert state_of(again) == state_of(store)


def test_checkpoint_by_another_store_is_followed(open_store: Open) -> None:
    a, b = open_store(actor="a"), open_store(actor="b")
    got: list[Change] = []
    b.subscribe(got.extend)
    a.put("accounts", "x", {"v": 1})
    a.put("accounts", "y", {"v": 1})
    a.checkpoint()  # b still has the old journal open: it finishes reading it
    a.put("accounts", "x", {"v": 2})
    assert [c.seq for c in b.poll()] == [1, 2, 3]
    assert b.put("accounts", "z", {})["_rev"] == 1
    assert b.last_seq == 4
    assert [c.seq for c in a.poll()] == [4]
    assert state_of(a) == state_of(b)


def test_two_checkpoints_between_polls_reload_the_snapshot(open_store: Open) -> None:
    a, b = open_store(actor="a"), open_store(actor="b")
    a.put("accounts", "x", {"v": 1})
    a.put("accounts", "gone", {"v": 1})
    assert len(b.poll()) == 2
    a.checkpoint()
    a.put("accounts", "x", {"v": 2})
    a.purge("accounts", "gone")
    a.put("accounts", "new", {"v": 3})
    a.checkpoint()  # the lines of the generation in between are only in the snapshot now
    a.put("accounts", "after", {"v": 4})
    changes = b.poll()
    assert state_of(a) == state_of(b)
    reload = {c.id: c for c in changes if c.op_id == "reload"}
    assert reload["x"].set["v"] == 2
    assert reload["gone"].purge
    assert reload["gone"].delete
    assert reload["new"].set["v"] == 3
    assert [c.id for c in changes if c.op_id != "reload"] == ["after"]
    # b's next commit gets the next global seq (no duplicate after the reload).
    b.put("accounts", "b", {})
    assert b.last_seq == a.last_seq + 1


def test_writer_follows_a_checkpoint_before_appending(open_store: Open) -> None:
    a, b = open_store(actor="a"), open_store(actor="b")
    a.put("accounts", "x", {"v": 1})
    a.checkpoint()
    a.put("accounts", "x", {"v": 2})
    a.checkpoint()
    rec = b.put("accounts", "x", {"v": 3})
    assert rec["_rev"] == 3
    assert b.last_seq == 3
    assert open_store().get("accounts", "x") == rec


def test_deleted_journal_is_rebuilt_from_memory(open_store: Open) -> None:
    store = open_store()
    store.put("accounts", "a1", {"v": 1})
    store.journal_path.unlink()
    store.put("accounts", "a2", {"v": 2})
    again = open_store()
    assert {r["id"] for r in again.all("accounts")} == {"a1", "a2"}


# ---------------------------------------------------------------------------- migrations


def add_health(tables: dict[str, dict[str, dict[str, Any]]]) -> None:
    for rec in tables.get("accounts", {}).values():
        rec["health"] = 50


def split_notes(tables: dict[str, dict[str, dict[str, Any]]]) -> None:
    notes = tables.setdefault("notes", {})
    for rid, rec in tables.get("accounts", {}).items():
        if "note" in rec:
            notes[f"n-{rid}"] = {"account": rid, "text": rec.pop("note")}


def test_migrations_run_once_with_a_backup(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with Store(data, actor="v0", migrations=[], close_checkpoint_bytes=0) as old:
        old.put("accounts", "a1", {"note": "hello"})
        old.put("accounts", "a2", {})
        old.checkpoint()
        old.put("accounts", "a3", {"note": "journal only"})  # migrated too
    calls: list[str] = []

    def counted(tables: dict[str, dict[str, dict[str, Any]]]) -> None:
        calls.append("add_health")
        add_health(tables)

    steps = [counted, split_notes]
    store = Store(data, actor="v2", migrations=steps, close_checkpoint_bytes=0)
    assert calls == ["add_health"]
    assert store.schema == 2
    assert any("from version 0 to 2" in n for n in store.notes)
    assert store.warnings == []
    assert all(r["health"] == 50 and "note" not in r for r in store.all("accounts"))
    assert {r["id"]: r["text"] for r in store.all("notes")} == {
        "n-a1": "hello",
        "n-a3": "journal only",
    }
    before = [b for b in store.backups_dir.iterdir() if "before-v2" in b.name]
    assert len(before) == 1
    saved = TinyDB(before[0], access_mode="r")
    assert meta_of(saved.table("_meta").get(doc_id=1)) == {
        "schema": 0,
        "last_seq": 3,
        "generation": 2,
    }
    assert len(saved.table("accounts")) == 3  # includes the journal-only record
    saved.close()
    # New records get fresh doc ids that later journal lines cannot collide with.
    store.put("accounts", "a4", {})
    store.close()
    db = TinyDB(store.snapshot_path, access_mode="r")
    assert meta_of(db.table("_meta").get(doc_id=1)) == {
        "schema": 2,
        "last_seq": 6,
        "generation": 4,
    }
    ids = [d.doc_id for t in ("accounts", "notes") for d in db.table(t).all()]
    assert len(ids) == len(set(ids)) == 6
    db.close()
    again = Store(data, actor="v2", migrations=steps)
    assert calls == ["add_health"]
    assert again.warnings == []
    assert again.get("notes", "n-a1") is not None
    again.close()


def test_a_new_data_folder_starts_at_the_latest_schema(tmp_path: Path) -> None:
    with Store(tmp_path / "d", actor="x", migrations=[add_health, split_notes]) as store:
        assert store.schema == 2
        assert store.warnings == []


def test_failed_migration_changes_nothing(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with Store(data, actor="v0", migrations=[], close_checkpoint_bytes=0) as old:
        old.put("accounts", "a1", {})
    snapshot = (data / "cstui.json").read_bytes()

    def broken(tables: dict[str, dict[str, dict[str, Any]]]) -> None:
        raise KeyError("owner")

    with pytest.raises(StoreError, match="from version 0 to 1 failed"):
        Store(data, actor="v1", migrations=[broken])
    assert (data / "cstui.json").read_bytes() == snapshot
    with Store(data, actor="v0", migrations=[], close_checkpoint_bytes=0) as old:
        assert old.get("accounts", "a1") is not None


def test_data_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    data = tmp_path / "data"
    Store(data, actor="new", migrations=[add_health]).close()
    with pytest.raises(StoreError, match="newer version of cstui"):
        Store(data, actor="old", migrations=[])


def test_running_old_process_notices_a_migration(tmp_path: Path) -> None:
    data = tmp_path / "data"
    old = Store(data, actor="old", migrations=[])
    old.put("accounts", "a1", {})
    Store(data, actor="new", migrations=[add_health]).close()
    with pytest.raises(StoreError, match="newer version of cstui"):
        old.poll()
    old.close(checkpoint=False)


# ---------------------------------------------------------------------------- lazy tables


def test_tables_are_parsed_on_first_use_and_copied_when_unchanged(open_store: Open) -> None:
    store = open_store()
    for i in range(30):
        store.put("accounts", f"a{i}", {"v": i})
        store.put("activities", f"x{i}", {"account": f"a{i}", "kind": "call"})
    store.close()
    store = open_store()
    assert store.tables() == ["accounts", "activities"]
    assert set(store._lazy) == {"accounts", "activities"}  # nothing parsed yet
    other = open_store(actor="other")
    other.put("activities", "x2", {"kind": "meeting"})
    store.put("accounts", "a1", {"v": 100})  # parses accounts, picks up other's line
    assert "activities" in store._lazy
    assert len(store._pending["activities"]) == 1
    store.checkpoint()  # applies the pending line on the way
    assert store._lazy == {}
    assert store._pending == {}
    rec = store.get("activities", "x2")
    assert rec is not None
    assert rec["kind"] == "meeting"
    assert rec["_rev"] == 2
    store.put("accounts", "a2", {"v": 200})
    assert set(store._clean) == {"activities"}  # will be copied as bytes, not re-encoded
    store.checkpoint()
    store.close(checkpoint=False)
    again = open_store()
    assert again.count("activities") == 30
    assert again.count("accounts") == 30
    rec = again.get("activities", "x2")
    assert rec is not None
    assert rec["kind"] == "meeting"
    rec = again.get("accounts", "a2")
    assert rec is not None
    assert rec["v"] == 200
    assert other.poll()
    assert state_of(other) == state_of(again)
    db = TinyDB(store.snapshot_path, access_mode="r")
    assert len(db.table("activities")) == 30
    db.close()


def test_a_snapshot_rewritten_by_plain_tinydb_is_still_read(open_store: Open) -> None:
    store = open_store()
    store.put("accounts", "a1", {"v": 1})
    store.put("accounts", "a2", {"v": 2})
    store.close()
    db = TinyDB(store.snapshot_path)  # rewrites the file its own way: the layout is stale
    db.table("accounts").update({"v": 10}, doc_ids=[1])
    db.close()
    again = open_store()
    rec = again.get("accounts", "a1")
    assert rec is not None
    assert rec["v"] == 10
    assert again.put("accounts", "a3", {})["_rev"] == 1
    again.close()
    assert open_store().count("accounts") == 3


def test_same_length_edit_inside_a_table_is_noticed(open_store: Open) -> None:
    """A changed byte no longer matches the recorded CRC, so the file is parsed in full."""
    store = open_store()
    store.put("accounts", "a1", {"name": "Acme"})
    store.close()
    raw = store.snapshot_path.read_bytes()
    store.snapshot_path.write_bytes(raw.replace(b'"Acme"', b'"Acne"'))
    rec = open_store().get("accounts", "a1")
    assert rec is not None
    assert rec["name"] == "Acne"
    store.snapshot_path.write_bytes(raw.replace(b'"Acme"', b'"Ac\x00e'))
    with pytest.raises(CorruptSnapshotError, match="not valid JSON"):
        open_store()


def test_migration_producing_invalid_data_changes_nothing(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with Store(data, actor="v0", migrations=[], close_checkpoint_bytes=0) as old:
        old.put("accounts", "a1", {})
    snapshot = (data / "cstui.json").read_bytes()

    def bad_value(tables: dict[str, dict[str, dict[str, Any]]]) -> None:
        tables["accounts"]["a1"]["when"] = object()

    with pytest.raises(StoreError, match="produced invalid data"):
        Store(data, actor="v1", migrations=[bad_value])
    assert (data / "cstui.json").read_bytes() == snapshot


def _sources(store: Store) -> set[object]:
    return {table.raw for table in [*store._lazy.values(), *store._clean.values()]}


def test_unparsed_tables_read_the_file_not_kept_bytes(open_store: Open) -> None:
    """The snapshot's bytes are not held after opening or a checkpoint (issue 17: memory):
    unparsed tables read their range of the file again when they are first used."""
    store = open_store()
    for i in range(20):
        store.put("accounts", f"a{i}", {"v": i})
        store.put("activities", f"x{i}", {"kind": "call"})
    store.checkpoint()
    assert _sources(store)
    assert not any(isinstance(raw, bytes) for raw in _sources(store))
    store.close()
    again = open_store()
    assert set(again._lazy) == {"accounts", "activities"}
    assert not any(isinstance(raw, bytes) for raw in _sources(again))
    other = open_store(actor="other")
    other.put("accounts", "a0", {"v": 100})
    other.checkpoint()  # a new file replaces the one ``again`` read its layout from
    rec = again.get("activities", "x3")  # parsed now, from the file as it was opened
    assert rec is not None
    assert rec["kind"] == "call"
    assert again.poll()
    rec = again.get("accounts", "a0")
    assert rec is not None
    assert rec["v"] == 100


def test_a_snapshot_changed_in_place_after_opening_is_reported_not_parsed(
    open_store: Open,
) -> None:
    """Another program writing into the file (not by rename) under a running store: the
    table's CRC no longer matches, so it is reported as damaged, not read as other data."""
    store = open_store()
    store.put("accounts", "a1", {"name": "Acme"})
    store.close()
    again = open_store()
    assert "accounts" in again._lazy
    path = again.snapshot_path
    with open(path, "r+b") as fh:  # same inode, same length, one name changed
        raw = fh.read()
        fh.seek(0)
        fh.write(raw.replace(b'"Acme"', b'"Acne"'))
    with pytest.raises(CorruptSnapshotError, match="changed on disk"):
        again.get("accounts", "a1")


def test_a_checkpoint_that_finds_an_unchanged_table_changed_on_disk_writes_nothing(
    open_store: Open,
) -> None:
    """Unchanged tables are copied from the old file as the new one is written (no longer
    read whole first): one found changed there stops the checkpoint half-way through the
    new file, which is removed; the old file and the journal stay as they were."""
    store = open_store()
    store.put("accounts", "a1", {"name": "Acme"})
    store.put("tasks", "t1", {"title": "Call"})
    store.close()
    again = open_store()
    again.put("tasks", "t2", {"title": "Write"})  # tasks parsed and changed; accounts not
    assert "accounts" in again._lazy
    path = again.snapshot_path
    with open(path, "r+b") as fh:
        raw = fh.read()
        fh.seek(0)
        fh.write(raw.replace(b'"Acme"', b'"Acne"'))
    journal = again.journal_path.read_bytes()
    with pytest.raises(CorruptSnapshotError, match="changed on disk"):
        again.checkpoint()
    assert path.read_bytes() == raw.replace(b'"Acme"', b'"Acne"')
    assert again.journal_path.read_bytes() == journal
    assert not [p.name for p in path.parent.iterdir() if ".tmp-" in p.name]
