"""``Store.changed_since`` skips tables with nothing newer without parsing them.

The team hub asks "what changed since N" on every pull and push; at 50,000 accounts
parsing every table for that was most of a sync. The snapshot's layout records each
table's highest ``_seq`` so an unchanged table stays unparsed.
"""

from __future__ import annotations

from collections.abc import Callable

from cstui.store import Store
from cstui.store import snapshot as snap

Open = Callable[..., Store]


def _fill(store: Store) -> None:
    for i in range(10):
        store.put("accounts", f"a{i}", {"v": i})
        store.put("tasks", f"t{i}", {"title": f"T{i}"})
        store.put("activities", f"x{i}", {"kind": "call"})


def _by_full_scan(store: Store, seq: int) -> list[tuple[str, str, int]]:
    """The answer the slow way: every record of every table, filtered and ordered."""
    found = [
        (rec["_seq"], table, rec["id"])
        for table in store.tables()
        for rec in store.all(table, include_deleted=True)
        if rec.get("_seq", 0) > seq
    ]
    return [(table, rid, at) for at, table, rid in sorted(found)]


def _answer(store: Store, seq: int) -> list[tuple[str, str, int]]:
    return [(table, rec["id"], rec["_seq"]) for table, rec in store.changed_since(seq)]


def test_the_layout_records_each_tables_highest_seq(open_store: Open) -> None:
    store = open_store()
    _fill(store)
    store.put("tasks", "t4", {"done": True})
    store.close()
    parsed = snap.load(store.snapshot_path)
    assert parsed.lazy["tasks"].max_seq == store.last_seq
    assert parsed.lazy["accounts"].max_seq == 28  # a9 was the 28th line
    assert parsed.lazy["activities"].max_seq == 30


def test_unchanged_tables_stay_unparsed_and_the_answer_is_complete(open_store: Open) -> None:
    store = open_store()
    _fill(store)
    mark = store.last_seq
    store.put("tasks", "t3", {"done": True})
    store.close()
    store = open_store()
    other = open_store(actor="other")
    other.put("activities", "x5", {"kind": "meeting"})  # waits as a journal line for store
    other.delete("activities", "x6")
    store.poll()
    got = _answer(store, mark)
    assert "accounts" in store._lazy  # nothing newer there: never parsed
    assert [(t, rid) for t, rid, _ in got] == [
        ("tasks", "t3"),
        ("activities", "x5"),
        ("activities", "x6"),
    ]
    assert got == _by_full_scan(store, mark)
    other.close(checkpoint=False)


def test_a_table_changed_after_the_mark_only_in_the_journal_is_found(open_store: Open) -> None:
    store = open_store()
    _fill(store)
    store.close()
    store = open_store()
    mark = store.last_seq
    store.put("accounts", "a2", {"v": 200})  # accounts parsed, the others still lazy
    assert _answer(store, mark) == [("accounts", "a2", mark + 1)]
    assert store.changed_since(store.last_seq) == []
    assert {"tasks", "activities"} <= set(store._lazy)


def test_a_snapshot_without_recorded_seqs_is_parsed_and_still_answers(open_store: Open) -> None:
    """A file written before the layout held ``_seq`` (or with it unknown): parse, answer."""
    store = open_store()
    _fill(store)
    store.close()
    old = snap.load(store.snapshot_path)
    for lazy in old.lazy.values():
        lazy.max_seq = None
    payload, placed = snap.encode(old.meta, old.lazy)
    assert all(entry.max_seq is None for entry in placed.values())
    store.snapshot_path.write_bytes(payload)
    again = open_store()
    assert _answer(again, 15) == _by_full_scan(again, 15)
    assert len(_answer(again, 15)) == 15


def test_tables_changed_since_names_the_tables_without_parsing_them(open_store: Open) -> None:
    store = open_store()
    _fill(store)
    mark = store.last_seq
    store.put("tasks", "t1", {"done": True})
    store.close()
    store = open_store()
    other = open_store(actor="other")
    other.put("activities", "x1", {"kind": "email"})
    store.poll()
    assert store.tables_changed_since(mark) == ["activities", "tasks"]
    assert {"accounts", "activities", "tasks"} <= set(store._lazy)  # answered unparsed
    assert store.tables_changed_since(store.last_seq) == []
    store.put("accounts", "a1", {"v": 10})  # a parsed table is searched
    assert store.tables_changed_since(mark) == ["accounts", "activities", "tasks"]
    assert store.tables_changed_since(store.last_seq - 1) == ["accounts"]
    # Of some tables only (the KPI screen asks about the six it reads).
    assert store.tables_changed_since(mark, ["tasks", "accounts", "nope"]) == [
        "accounts",
        "tasks",
    ]
    assert store.tables_changed_since(mark, ["contacts"]) == []
