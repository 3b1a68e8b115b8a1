"""The workspace's index of each account's records stays right as records change, whether
their models are cached here or not (a teammate's, the CLI's whole-book passes).

A record whose model was not cached was looked for in every account's set: each task the
day's first ``cstui today`` created at 50,000 accounts scanned 50,000 sets (seconds). A new
record is now indexed under its account at once, an unmoved one where it is."""

from __future__ import annotations

import shutil
from pathlib import Path

from cstui.domain.models import Task
from cstui.workspace import Workspace


def _ws(demo_dir: Path, tmp_path: Path) -> Workspace:
    target = tmp_path / "data"
    shutil.copytree(demo_dir, target)
    return Workspace.open(target, user="me")


def _where(ws: Workspace, record_id: str) -> list[str]:
    index = ws._index(Task)
    return sorted(account for account, ids in index.items() if record_id in ids)


def test_records_created_moved_and_deleted_uncached_are_indexed_where_they_are(
    demo_dir: Path, tmp_path: Path
) -> None:
    ws = _ws(demo_dir, tmp_path)
    try:
        first, second = sorted(a.id for a in ws.accounts())[:2]
        ws._index(Task)  # built, as a screen listing tasks builds it
        other = Workspace.open(ws.store.data_dir, user="kim")  # nothing cached here
        try:
            with other.store.transaction() as txn:
                for n in range(5):
                    txn.write("tasks", f"t-new-{n}", {"account_id": first, "title": f"N{n}"})
            ws.poll()
            assert all(_where(ws, f"t-new-{n}") == [first] for n in range(5))
            other.store.put("tasks", "t-new-1", {"title": "Renamed"})  # same account
            other.store.put("tasks", "t-new-2", {"account_id": second})  # moved
            other.store.delete("tasks", "t-new-3")
            ws.poll()
            assert _where(ws, "t-new-1") == [first]
            assert _where(ws, "t-new-2") == [second]
            assert _where(ws, "t-new-3") == []
            titles = {t.id: t.title for t in ws.tasks(first, include_done=True)}
            assert titles["t-new-1"] == "Renamed"
            assert "t-new-2" not in titles
            assert "t-new-3" not in titles
            assert "t-new-2" in {t.id for t in ws.tasks(second, include_done=True)}
        finally:
            other.close()
    finally:
        ws.close()


class _Counted(set[str]):
    """An account's set of ids that counts the removals asked of it."""

    asked = 0

    def discard(self, element: object) -> None:
        _Counted.asked += 1
        super().discard(element)


def test_a_new_record_is_not_looked_for_in_other_accounts(demo_dir: Path, tmp_path: Path) -> None:
    ws = _ws(demo_dir, tmp_path)
    try:
        first = sorted(a.id for a in ws.accounts())[0]
        index = ws._index(Task)
        for account in list(index):
            index[account] = _Counted(index[account])
        _Counted.asked = 0
        other = Workspace.open(ws.store.data_dir, user="kim")
        try:
            with other.store.transaction() as txn:
                for n in range(20):
                    txn.write("tasks", f"t-new-{n}", {"account_id": first, "title": f"N{n}"})
            ws.poll()
            other.store.put("tasks", "t-new-1", {"title": "Renamed"})
            ws.poll()
        finally:
            other.close()
        assert _Counted.asked <= 1  # the rename: its own account's set, once
        assert "t-new-19" in index[first]
    finally:
        ws.close()
