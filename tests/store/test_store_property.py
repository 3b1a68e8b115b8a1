"""Property test: any sequence of edits, checkpoints, crashes and reopens, by one or two Store
objects, leaves exactly the state a plain dict model predicts."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cstui.store import Store

TABLES = ["accounts", "tasks"]
IDS = ["a", "b", "c"]
FIELDS = ["x", "y", "_sync"]
META = {"id", "_rev", "_updated_at", "_by", "_deleted", "_seq"}

values = st.one_of(
    st.integers(-3, 3),
    st.booleans(),
    st.none(),
    st.text(max_size=3),
    st.lists(st.integers(0, 2), max_size=2),
)
keys = st.tuples(st.sampled_from(TABLES), st.sampled_from(IDS))
put_op = st.tuples(
    st.just("put"),
    keys,
    st.dictionaries(st.sampled_from(FIELDS), values, max_size=2),
    st.lists(st.sampled_from(FIELDS), max_size=2, unique=True),
)
simple_op = st.one_of(
    put_op,
    st.tuples(st.just("delete"), keys),
    st.tuples(st.just("purge"), keys),
)
op = st.one_of(
    simple_op,
    simple_op.map(lambda o: ("other", o)),  # the same edit through a second Store object
    st.tuples(st.just("txn"), st.lists(simple_op, min_size=1, max_size=4), st.booleans()),
    st.just(("checkpoint",)),
    st.tuples(st.just("reopen"), st.booleans()),
    st.just(("tear",)),
)

Model = dict[tuple[str, str], dict[str, Any]]


def same(a: object, b: object) -> bool:
    return type(a) is type(b) and a == b


def model_apply(model: Model, operation: tuple[Any, ...]) -> None:
    kind, key = operation[0], operation[1]
    cur = model.get(key)
    if kind == "put":
        fields, unset = operation[2], [f for f in operation[3] if f not in operation[2]]
        if cur is None:
            model[key] = {"fields": dict(fields), "rev": 1, "deleted": False}
            return
        changed = {k: v for k, v in fields.items() if not same(cur["fields"].get(k, object()), v)}
        removed = [f for f in unset if f in cur["fields"]]
        if changed or removed or cur["deleted"]:
            for f in removed:
                del cur["fields"][f]
            cur["fields"].update(changed)
            cur["rev"] += 1
            cur["deleted"] = False
    elif kind == "delete":
        if cur is not None and not cur["deleted"]:
            cur["rev"] += 1
            cur["deleted"] = True
    elif kind == "purge":
        model.pop(key, None)


def store_apply(target: Any, operation: tuple[Any, ...]) -> None:
    kind, (table, rid) = operation[0], operation[1]
    if kind == "put":
        unset = [f for f in operation[3] if f not in operation[2]]
        target.put(table, rid, operation[2], unset)
    elif kind == "delete":
        target.delete(table, rid)
    else:
        target.purge(table, rid)


def observed(store: Store) -> Model:
    out: Model = {}
    for table in TABLES:
        for rec in store.all(table, include_deleted=True):
            out[(table, rec["id"])] = {
                "fields": {k: v for k, v in rec.items() if k not in META},
                "rev": rec["_rev"],
                "deleted": rec.get("_deleted", False),
            }
    return out


class Boom(Exception):
    pass


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.lists(op, max_size=25))
def test_store_matches_dict_model(ops: list[tuple[Any, ...]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        store = Store(data, actor="main", checkpoint_bytes=1500)
        other = Store(data, actor="other")
        model: Model = {}
        try:
            for operation in ops:
                kind = operation[0]
                if kind in ("put", "delete", "purge"):
                    store_apply(store, operation)
                    model_apply(model, operation)
                elif kind == "other":
                    store_apply(other, operation[1])
                    model_apply(model, operation[1])
                elif kind == "txn":
                    inner, fail = operation[1], operation[2]
                    try:
                        with store.transaction() as txn:
                            for o in inner:
                                store_apply(txn, o)
                            if fail:
                                raise Boom
                    except Boom:
                        pass
                    else:
                        for o in inner:
                            model_apply(model, o)
                elif kind == "checkpoint":
                    store.checkpoint()
                elif kind == "reopen":
                    store.close(checkpoint=operation[1])
                    store = Store(data, actor="main", checkpoint_bytes=1500)
                elif kind == "tear":
                    store.close(checkpoint=False)
                    with open(data / "journal.jsonl", "ab") as fh:
                        fh.write(b'{"seq": 99999, "op_id": "torn", "ta')
                    store = Store(data, actor="main", checkpoint_bytes=1500)
                    assert store.notes
                    assert "interrupted write" in store.notes[-1]
                store.poll()
                assert observed(store) == model
            other.poll()
            assert observed(other) == model
            store.close()
            with Store(data, actor="check") as fresh:
                assert observed(fresh) == model
        finally:
            store.close(checkpoint=False)
            other.close(checkpoint=False)
