"""Reading one account's records from an unparsed table (``Store.account_records``) gives
exactly what parsing the whole table and filtering it gives, whatever edits, moves, purges,
checkpoints and other processes came since the snapshot; and it really does not parse."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tinydb import TinyDB

from cstui.store import CorruptSnapshotError, Store
from cstui.store import snapshot as snap
from cstui.store.snapshot import SLICES_TABLE

ACCOUNTS = ["A", "B", "C"]
IDS = ["r1", "r2", "r3", "r4"]

ops = st.lists(
    st.tuples(
        st.booleans(),  # made by the reader itself (else by the other process)
        st.one_of(
            st.tuples(
                st.just("put"), st.sampled_from(IDS), st.sampled_from(ACCOUNTS), st.integers(0, 3)
            ),
            st.tuples(st.just("touch"), st.sampled_from(IDS), st.integers(0, 3)),
            st.tuples(st.just("delete"), st.sampled_from(IDS)),
            st.tuples(st.just("purge"), st.sampled_from(IDS)),
            st.tuples(st.just("checkpoint")),
            st.tuples(st.just("reopen")),
            st.tuples(st.just("read"), st.sampled_from(ACCOUNTS)),
        ),
    ),
    max_size=25,
)


def _apply(store: Store, op: tuple[Any, ...]) -> None:
    kind = op[0]
    if kind == "put":
        store.put("activities", op[1], {"account_id": op[2], "n": op[3]})
    elif kind == "touch" and store.get("activities", op[1]) is not None:
        store.put("activities", op[1], {"n": op[2]})
    elif kind == "delete":
        store.delete("activities", op[1])
    elif kind == "purge":
        store.purge("activities", op[1])
    elif kind == "checkpoint":
        store.checkpoint()


def _expected(path: Path, account: str) -> list[dict[str, Any]]:
    with Store(path, actor="check") as full:
        return sorted(
            (r for r in full.scan("activities") if r.get("account_id") == account),
            key=lambda r: r["id"],
        )


def _mirror(store: Store, op: tuple[Any, ...]) -> None:
    """The same operation on the accounts table (sliced by its records' own ids)."""
    kind = op[0]
    if kind == "put":
        store.put("accounts", op[1], {"name": f"{op[2]}{op[3]}", "n": op[3]})
    elif kind == "touch" and store.get("accounts", op[1]) is not None:
        store.put("accounts", op[1], {"n": op[2]})
    elif kind in ("delete", "purge"):
        getattr(store, kind)("accounts", op[1])


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=ops)
def test_reads_of_an_unparsed_table_match_a_full_parse(
    ops: list[tuple[bool, tuple[Any, ...]]],
) -> None:
    """One account's records (``account_records``), a whole table streamed (``stream``,
    which leaves it unparsed) and an account looked up by id give what a full parse gives,
    whatever came since the snapshot."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp)
        with Store(path, actor="w") as seed:
            for i, account in enumerate(ACCOUNTS * 2):
                seed.put("activities", f"s{i}", {"account_id": account, "n": i})
                seed.put("accounts", f"s{i}", {"name": account, "n": i})
            seed.put("activities", "loose", {"n": 0})  # no account: not in any slice
        writer = Store(path, actor="w")
        reader = Store(path, actor="r")
        try:
            for mine, op in ops:
                if op[0] == "reopen":
                    reader.close(checkpoint=False)
                    reader = Store(path, actor="r")
                elif op[0] == "read":  # materialise some records
                    reader.account_records("activities", op[1])
                    reader.get("accounts", IDS[ACCOUNTS.index(op[1])])
                else:
                    _apply(reader if mine else writer, op)
                    _mirror(reader if mine else writer, op)
                reader.poll()
            for account in ACCOUNTS:
                got = reader.account_records("activities", account)
                if got is None:  # parsed meanwhile, or a record changed account
                    continue
                assert sorted(got, key=lambda r: r["id"]) == _expected(path, account)
            with Store(path, actor="check") as full:
                for table in ("activities", "accounts"):
                    unparsed = table in reader._lazy
                    streamed = sorted(reader.stream(table), key=lambda r: r["id"])
                    assert streamed == sorted(full.scan(table), key=lambda r: r["id"])
                    assert (table in reader._lazy) == unparsed
                for rid in [*IDS, *(f"s{i}" for i in range(6))]:
                    assert reader.get("accounts", rid) == full.get("accounts", rid)
        finally:
            writer.close(checkpoint=False)
            reader.close(checkpoint=False)


def test_one_account_is_read_without_parsing_the_table(tmp_path: Path) -> None:
    with Store(tmp_path, actor="me", close_checkpoint_bytes=0) as store:
        store.bulk_load(
            {
                "activities": [
                    {"id": f"a{i}", "account_id": f"acc{i % 50}", "note": "x" * i}
                    for i in range(500)
                ]
            }
        )
    store = Store(tmp_path, actor="me")
    try:
        store.put("activities", "new", {"account_id": "acc7", "note": "logged now"})
        store.put("activities", "a57", {"note": "edited"})  # acc7's
        store.delete("activities", "a107")  # acc7's
        got = store.account_records("activities", "acc7")
        assert got is not None
        assert "activities" in store._lazy  # not parsed
        by_id = {r["id"]: r for r in got}
        assert set(by_id) == {f"a{i}" for i in range(7, 500, 50)} - {"a107"} | {"new"}
        assert by_id["a57"]["note"] == "edited"
        assert by_id["new"]["note"] == "logged now"
        assert store.account_records("activities", "nobody") == []
        assert store.peek("activities", "a57") == by_id["a57"]  # served without parsing
        assert "activities" in store._lazy
        store.put("activities", "a8", {"account_id": "acc7"})  # moved here from acc8
        moved = store.account_records("activities", "acc7")
        assert moved is not None
        assert "a8" in {r["id"] for r in moved}
        assert "activities" in store._lazy
        other = Store(tmp_path, actor="other")  # another process moves one unseen
        other.put("activities", "a9", {"account_id": "acc7"})
        other.close(checkpoint=False)
        store.poll()
        assert store.account_records("activities", "acc7") is None  # only a parse can tell
        assert "a9" in {r["id"] for r in store.scan("activities") if r["account_id"] == "acc7"}
    finally:
        store.close()
    fresh = Store(tmp_path, actor="me")  # has read nothing
    try:
        with Store(tmp_path, actor="other", close_checkpoint_bytes=0) as other:  # a checkpoint
            other.put("activities", "a10", {"account_id": "acc7"})
        fresh.poll()  # the new file knows where a10 is now: no parse needed
        moved = fresh.account_records("activities", "acc7")
        assert moved is not None
        assert {"a8", "a9", "a10"} <= {r["id"] for r in moved}
        assert "activities" in fresh._lazy
    finally:
        fresh.close()


def test_slices_read_ahead_give_the_same_records_and_parse_nothing(tmp_path: Path) -> None:
    with Store(tmp_path, actor="me", close_checkpoint_bytes=0) as store:
        store.bulk_load(
            {
                "activities": [{"id": f"a{i}", "account_id": f"acc{i % 9}"} for i in range(90)],
                "tasks": [{"id": f"t{i}", "account_id": f"acc{i % 4}"} for i in range(12)],
            }
        )
    with Store(tmp_path, actor="me") as ahead, Store(tmp_path, actor="me") as plain:
        ahead.put("activities", "new", {"account_id": "acc3"})
        plain.poll()
        ahead.read_slices()  # as the app's warm-up does, before any account is opened
        assert {"activities", "tasks"} <= set(ahead._lazy)  # nothing parsed
        for table, account in [("activities", "acc3"), ("tasks", "acc1"), ("tasks", "x")]:
            got = ahead.account_records(table, account)
            assert got is not None
            assert got == plain.account_records(table, account)
        assert {"activities", "tasks"} <= set(ahead._lazy)
    closed = Store(tmp_path, actor="me")
    closed.close()
    closed.read_slices()  # the warm-up may run after the app closed its store: nothing


def test_slices_stay_readable_by_tinydb_and_never_trusted_stale(tmp_path: Path) -> None:
    with Store(tmp_path, actor="me", close_checkpoint_bytes=0) as store:
        store.bulk_load({"tasks": [{"id": f"t{i}", "account_id": "acc1"} for i in range(3)]})
    db = TinyDB(tmp_path / "cstui.json")
    assert len(db.table("tasks")) == 3
    assert db.table(SLICES_TABLE).all()[0]["id"] == SLICES_TABLE
    db.table("tasks").insert({"id": "t9", "account_id": "acc1"})  # another program writes
    db.close()
    with Store(tmp_path, actor="me", close_checkpoint_bytes=0) as store:
        got = store.account_records("tasks", "acc1")
        assert got is None or {r["id"] for r in got} == {"t0", "t1", "t2", "t9"}
        assert {r["id"] for r in store.scan("tasks")} == {"t0", "t1", "t2", "t9"}
        assert SLICES_TABLE not in store.tables()


def test_slices_describe_only_the_bytes_they_were_made_for() -> None:
    old = snap.parse(snap.encode(snap.Meta(1, 0, 0), {"tasks": _docs("t1", "t2")})[0])
    new = snap.parse(snap.encode(snap.Meta(1, 0, 0), {"tasks": _docs("t3")})[0])
    assert old.lazy["tasks"].account_slices() is not None
    assert new.lazy["tasks"].account_slices() is not None
    table = new.lazy["tasks"]
    table.slices = None
    raw = snap.encode(snap.Meta(1, 0, 0), {"tasks": _docs("t1", "t2")})[0]
    start = raw.index(b'"_slices":') + len(b'"_slices":')
    table.book = snap.SliceBook(snap.LazyTable(SLICES_TABLE, raw, start, len(raw) - 1, 0))
    assert table.account_slices() is None  # the CRC it names is the old table's


def _docs(*ids: str) -> dict[str, dict[str, Any]]:
    return {str(n): {"id": rid, "account_id": "acc1"} for n, rid in enumerate(ids, 1)}


def test_another_checkpoint_parses_only_the_tables_it_changed(tmp_path: Path) -> None:
    with Store(tmp_path, actor="me") as seed:
        seed.bulk_load(
            {
                "activities": [{"id": f"a{i}", "account_id": "acc1"} for i in range(5)],
                "tasks": [{"id": f"t{i}", "account_id": "acc1", "done": False} for i in range(5)],
            }
        )
    reader = Store(tmp_path, actor="reader")
    try:
        with Store(tmp_path, actor="writer") as writer:
            writer.put("tasks", "t3", {"done": True})
            writer.checkpoint()
        changes = reader.poll()
        # A replaced journal's change of an unparsed table names the record (and its
        # account); its fields are read from the newer snapshot.
        assert [(c.table, c.id, c.set) for c in changes] == [("tasks", "t3", {})]
        assert "activities" in reader._lazy  # unchanged: still unparsed
        assert reader.get("tasks", "t3")["done"] is True  # type: ignore[index]
        assert len(reader.all("activities")) == 5
    finally:
        reader.close()


def _book(path: Path) -> None:
    with Store(path, actor="me") as seed:
        seed.bulk_load(
            {
                "accounts": [{"id": f"acc{i}", "name": f"N{i}"} for i in range(20)],
                "activities": [{"id": f"a{i}", "account_id": f"acc{i % 20}"} for i in range(200)],
            }
        )


def test_verify_later_opens_at_once_and_checks_on_a_thread(tmp_path: Path) -> None:
    _book(tmp_path)
    with Store(tmp_path, actor="me", verify_later=True) as store:
        assert store.get("accounts", "acc3") == Store(tmp_path, actor="x").get("accounts", "acc3")
        store.put("activities", "a1", {"note": "fine"})  # waits for the check, which passes
        assert store.get("activities", "a1")["note"] == "fine"  # type: ignore[index]


def test_verify_later_refuses_to_write_on_a_damaged_file_and_keeps_it(tmp_path: Path) -> None:
    _book(tmp_path)
    path = tmp_path / "cstui.json"
    raw = bytearray(path.read_bytes())
    at = raw.index(b'"account_id":"acc7"') + len(b'"account_id":"acc')
    raw[at] = ord("9")  # acc7 -> acc9 in one activity: same length, wrong checksum
    path.write_bytes(bytes(raw))
    store = Store(tmp_path, actor="me", verify_later=True)  # the app's way: opens at once
    try:
        assert store.get("accounts", "acc1") is not None  # an undamaged table reads
        assert store._verified.wait(30)
        with pytest.raises(CorruptSnapshotError, match="damaged"):
            store.poll()  # said where the app looks, once the thread found it ...
        assert store.poll() == []  # ... and not again on every poll
        for _ in range(2):  # every write is refused
            with pytest.raises(CorruptSnapshotError, match="left the file exactly as it is"):
                store.put("accounts", "acc1", {"name": "changed"})
    finally:
        store.close()
    assert path.read_bytes() == bytes(raw)  # never written over


def test_release_forgets_only_tables_that_match_the_file(tmp_path: Path) -> None:
    _book(tmp_path)
    with Store(tmp_path, actor="me", close_checkpoint_bytes=0) as store:
        before = store.all("activities")
        store.all("accounts")
        store.put("accounts", "acc1", {"name": "edited"})  # accounts now differ from the file
        assert store.release(["activities", "accounts", "nothing"]) == ["activities"]
        assert "activities" in store._lazy
        assert store.all("activities") == before  # read again from the file
        assert store.get("accounts", "acc1")["name"] == "edited"  # type: ignore[index]
        assert store.account_records("activities", "acc3") is None  # parsed again by all()
        store.release(["activities"])
        got = store.account_records("activities", "acc3")
        assert got is not None
        assert {r["id"] for r in got} == {f"a{i}" for i in range(3, 200, 20)}


def test_changes_to_records_never_read_leave_the_table_unparsed(tmp_path: Path) -> None:
    _book(tmp_path)
    reader = Store(tmp_path, actor="reader")
    try:
        seen = reader.account_records("activities", "acc2")
        assert seen is not None
        with Store(tmp_path, actor="writer") as writer:
            for i in range(100):  # more than the lookups by id an unparsed table answers
                writer.put("activities", f"a{i}", {"done": True})
        changes = reader.poll()
        assert len(changes) == 100
        assert reader.peek_loaded("activities", "a2") == {**seen[0], **changes[2].set}
        assert reader.peek_loaded("activities", "a3") is None  # never read: not looked up
        assert "activities" in reader._lazy
    finally:
        reader.close()


@settings(max_examples=100, deadline=None)
@given(
    recs=st.lists(
        st.fixed_dictionaries(
            {"id": st.text(min_size=1, max_size=5)},
            optional={
                "account_id": st.one_of(st.sampled_from(ACCOUNTS), st.integers(-5, 5), st.none()),
                "note": st.text(max_size=8),
            },
        ),
        max_size=12,
    )
)
def test_encoded_tables_are_byte_for_byte_what_orjson_writes(recs: list[dict[str, Any]]) -> None:
    import orjson

    docs = {str(n): rec for n, rec in enumerate(recs, 1)}
    raw, slices = snap.encode_docs(docs)
    assert raw == orjson.dumps(docs)
    for account in ACCOUNTS:
        mine = [r for r in recs if r.get("account_id") == account]
        spans = slices.spans(account) if slices is not None else []
        assert [orjson.loads(raw[a:b]) for a, b in spans] == mine


def test_an_account_is_found_among_the_slices_by_scan_and_by_index_alike() -> None:
    """The first lookups scan the ids, later ones search an index: the same answers."""
    ids = sorted({f"acc-{n * 7919 % 100_003}" for n in range(300)})
    want = {a: [(i, i + 1)] for i, a in enumerate(ids)}
    slices = snap.Slices.build(want)
    probes = [*ids, "nobody", "acc-", ids[0][:-1], ids[-1] + "0", "", "acc-1\nacc-2"]
    answers = [[slices.spans(a) for a in probes] for _ in range(2)]
    assert slices._lines is not None  # the second round used the index
    assert answers[0] == answers[1] == [want.get(a, []) for a in probes]
    assert snap.Slices.build({"only": [(1, 2)]}).spans("only") == [(1, 2)]


def test_a_stream_with_the_tombstones_gives_every_record_as_the_parsed_table(
    tmp_path: Path,
) -> None:
    """``stream(include_deleted=True)``: the tombstones too, those folded into the snapshot
    and those the journal made since, as the parsed table holds them, without parsing it
    (the touchpoint pass never makes a task again that someone deleted)."""
    with Store(tmp_path, actor="me", close_checkpoint_bytes=0) as store:
        store.bulk_load(
            {"tasks": [{"id": f"t{i}", "account_id": f"acc{i % 20}"} for i in range(200)]}
        )
        store.delete("tasks", "t3")  # folded into the snapshot on closing
    store = Store(tmp_path, actor="me")
    try:
        store.delete("tasks", "t4")  # a journal line since the snapshot
        store.put("tasks", "new", {"account_id": "acc1"})
        store.put("tasks", "gone", {"account_id": "acc2"})
        store.delete("tasks", "gone")
        every = {r["id"]: r for r in store.stream("tasks", include_deleted=True)}
        assert "tasks" in store._lazy  # not parsed
        live = {r["id"] for r in store.stream("tasks")}
        assert {i for i, r in every.items() if r.get("_deleted")} == {"t3", "t4", "gone"}
        assert set(every) - live == {"t3", "t4", "gone"}
        parsed = {r["id"]: r for r in store.all("tasks", include_deleted=True)}
        assert every == parsed
        assert {r["id"] for r in store.stream("tasks", include_deleted=True)} == set(parsed)
    finally:
        store.close(checkpoint=False)
