"""Store.bulk_load: whole tables into one snapshot, read back like ordinary records."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from tinydb import TinyDB

from cstui.store import Store, StoreError

Open = Callable[..., Store]

TABLES: dict[str, list[dict[str, Any]]] = {
    "accounts": [{"id": f"a{i}", "name": f"Acme {i}", "seats": i} for i in range(5)],
    "activities": [{"id": "x1", "account_id": "a1", "kind": "call"}],
}


def test_bulk_load_reads_back_like_puts(open_store: Open) -> None:
    store = open_store()
    assert store.bulk_load(TABLES) == 6
    assert store.journal_path.stat().st_size == 0  # no journal line per record
    other = open_store()  # another process opening the folder
    got = other.get("accounts", "a3")
    assert got is not None
    assert (got["name"], got["seats"], got["_rev"]) == ("Acme 3", 3, 1)


def test_bulk_load_gives_sequence_numbers_in_order(open_store: Open) -> None:
    store = open_store()
    store.put("notes", "n1", {"text": "before"})
    first = store.last_seq
    store.bulk_load(TABLES)
    seqs = [r["_seq"] for r in store.all("accounts")]
    assert seqs == list(range(first + 1, first + 6))
    assert {name for name, _ in store.changed_since(first)} == {"accounts", "activities"}


def test_bulk_load_then_put_continues(open_store: Open) -> None:
    store = open_store()
    store.bulk_load(TABLES)
    store.put("accounts", "a1", {"seats": 40})
    reopened = open_store()
    got = reopened.get("accounts", "a1")
    assert got is not None
    assert (got["seats"], got["_rev"]) == (40, 2)


def test_bulk_load_refuses_a_table_with_records(open_store: Open) -> None:
    store = open_store()
    store.put("accounts", "a0", {"name": "kept"})
    with pytest.raises(StoreError, match="already has records"):
        store.bulk_load(TABLES)
    got = store.get("accounts", "a0")
    assert got is not None
    assert got["name"] == "kept"


def test_bulk_load_refuses_duplicate_ids(open_store: Open) -> None:
    store = open_store()
    with pytest.raises(ValueError, match="twice"):
        store.bulk_load({"accounts": [{"id": "a"}, {"id": "a"}]})


def test_plain_tinydb_opens_a_bulk_loaded_snapshot(open_store: Open) -> None:
    store = open_store()
    store.bulk_load(TABLES)
    with TinyDB(store.snapshot_path) as db:
        names = sorted(doc["name"] for doc in db.table("accounts").all())
    assert names == [f"Acme {i}" for i in range(5)]


def test_plain_records_are_taken_as_they_are_and_read_back_the_same(
    open_store: Open, tmp_path: Path
) -> None:
    """``plain=True`` skips the JSON round trip (the caller vouches for the values): the
    records read back, here and from the file, exactly as without it."""
    checked = open_store(tmp_path / "checked")
    checked.bulk_load(TABLES)
    trusted = open_store(tmp_path / "trusted")
    records = [dict(r) for r in TABLES["accounts"]]
    trusted.bulk_load({"accounts": records, "activities": TABLES["activities"]}, plain=True)
    records[0]["name"] = "changed by the caller afterwards"
    for table in TABLES:
        mine = [{k: v for k, v in r.items() if k != "_updated_at"} for r in trusted.all(table)]
        want = [{k: v for k, v in r.items() if k != "_updated_at"} for r in checked.all(table)]
        assert mine == want
    again = open_store(tmp_path / "trusted")
    got = again.get("accounts", "a0")
    assert got is not None
    assert got["name"] == "Acme 0"
