"""Read-modify-write (``update``) and chunked bulk writes, in one process and across two."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from cstui.store import Store, StoreError

from .test_store_multiprocess import worker

Open = Callable[..., Store]


def test_update_sees_the_fresh_record_and_commits_the_result(open_store: Open) -> None:
    a = open_store()
    b = open_store()
    a.put("plans", "p1", {"items": [False, False], "title": "Onboarding"})
    b.poll()
    # a changes item 0; b has not polled since, but update() reads the committed record.
    a.update("plans", "p1", lambda r: {**(r or {}), "items": [True, *(r or {})["items"][1:]]})

    def tick_second(rec: dict[str, Any] | None) -> dict[str, Any] | None:
        assert rec is not None
        rec["items"][1] = True
        return rec

    out = b.update("plans", "p1", tick_second)
    assert out is not None
    assert out["items"] == [True, True]
    assert out["_rev"] == 3
    a.poll()
    assert a.get("plans", "p1")["items"] == [True, True]  # type: ignore[index]


def test_update_can_create_remove_fields_and_change_nothing(open_store: Open) -> None:
    store = open_store()
    seen: list[dict[str, Any] | None] = []

    def create(rec: dict[str, Any] | None) -> dict[str, Any]:
        seen.append(rec)
        return {"a": 1, "b": 2}

    assert store.update("plans", "p1", create)["_rev"] == 1  # type: ignore[index]
    assert seen == [None]
    removed = store.update(
        "plans", "p1", lambda r: {k: v for k, v in (r or {}).items() if k != "b"}
    )
    assert removed is not None
    assert "b" not in removed
    assert removed["a"] == 1
    last = store.last_seq
    assert store.update("plans", "p1", lambda r: None)["_rev"] == 2  # type: ignore[index]
    assert store.last_seq == last  # nothing committed


def test_chunked_commits_every_chunk_and_keeps_committed_chunks_on_error(
    open_store: Open,
) -> None:
    store = open_store()
    with store.chunked(10) as writer:
        for i in range(25):
            writer.put("accounts", f"a{i}", {"i": i})
        assert writer.chunks == 2
        assert writer.committed == 20
        assert store.count("accounts") == 20  # already visible: the lock is free meanwhile
    assert store.count("accounts") == 25
    assert writer.chunks == 3

    def stop_after_15() -> None:
        with store.chunked(10) as writer:
            for i in range(15):
                writer.delete("accounts", f"a{i}")
            raise RuntimeError("stop")

    with pytest.raises(RuntimeError, match="stop"):
        stop_after_15()
    assert store.count("accounts") == 15  # the first chunk stayed, the other 5 were dropped
    with pytest.raises(ValueError, match="chunk_size"):
        store.chunked(0).__enter__()
    with store.transaction(), pytest.raises(StoreError):
        store.chunked().__enter__()


@pytest.mark.slow
def test_two_processes_ticking_items_of_one_plan_lose_nothing(open_store: Open) -> None:
    store = open_store()
    items = [{"n": i, "done": False} for i in range(120)]
    store.put("plans", "p1", {"items": items})
    store.close()
    procs = [worker("tick", str(store.data_dir), str(start), "2", "60") for start in (0, 1)]
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        assert out == "done\n", err
    with Store(store.data_dir, actor="check") as after:
        plan = after.get("plans", "p1")
        assert plan is not None
        assert [item["n"] for item in plan["items"] if not item["done"]] == []
        assert plan["_rev"] == 121


@pytest.mark.slow
def test_another_process_commits_while_a_bulk_load_runs(open_store: Open) -> None:
    store = open_store()
    store.close()
    bulk = worker("bulk", str(store.data_dir), "3000", "500")
    try:
        assert bulk.stdout is not None
        assert bulk.stdout.readline() == "chunk\n"
        # The load is under way (one chunk in, inside its `with` block). Another process
        # commits at once; with one big transaction it would wait out the whole load.
        other = Store(store.data_dir, actor="other", lock_timeout=5)
        mine = other.put("accounts", "other", {"v": 1})
        seq = other.last_seq
        assert mine["_rev"] == 1
        other.close(checkpoint=False)
    finally:
        assert bulk.stdin is not None
        bulk.stdin.write("go\n")
        bulk.stdin.flush()
    out, err = bulk.communicate(timeout=120)
    assert bulk.returncode == 0, err
    first, last = map(int, out.split())
    assert first < seq < last  # the other commit landed in the middle of the load
    with Store(store.data_dir, actor="check") as after:
        assert after.count("accounts") == 3001
