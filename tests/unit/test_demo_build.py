"""Building a demo book: the health history and alerts computed in memory and bulk-loaded
(issue 17: ``cstui demo --accounts 50000`` in under 30 s) are what scoring through the
store, one ``record_health`` pass per day, leaves."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from cstui.demo.build import backfill_health, build_demo
from cstui.demo.generate import generate
from cstui.domain.score_history import table_month
from cstui.store.db import MANAGED_FIELDS
from cstui.workspace import Workspace

TABLES = ("health", "alerts")
OWNERS = ("me", "sato", "kim", "lopez")


def _plain(ws: Workspace, table: str) -> dict[str, dict[str, Any]]:
    return {
        r["id"]: {k: v for k, v in r.items() if k not in MANAGED_FIELDS}
        for r in ws.store.scan(table)
    }


@pytest.mark.parametrize("accounts", [40, 5001])
def test_fresh_build_equals_scoring_through_the_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, accounts: int
) -> None:
    monkeypatch.setenv("CSTUI_TODAY", "2026-11-23")
    size = min(accounts, 50)  # a "large" book's two passes, without generating 5,000
    monkeypatch.setattr("cstui.demo.build.generate", lambda accounts, **kw: generate(size, **kw))
    fast = tmp_path / "fast"
    build_demo(fast, accounts=accounts, seed=3, user="me")
    slow = tmp_path / "slow"
    ws = Workspace.open(slow, user="me")
    ws.store.bulk_load(generate(size, seed=3, owners=OWNERS))
    ws.close()
    ws = Workspace.open(slow, user="me")
    backfill_health(ws, weeks=26 if accounts <= 5000 else 0)
    ws.close()
    a, b = Workspace.open(fast, user="me"), Workspace.open(slow, user="me")
    try:
        months = [t for t in b.store.tables() if table_month(t)]
        assert sorted(months) == sorted(t for t in a.store.tables() if table_month(t))
        assert bool(months) == (accounts <= 5000)  # half a year: older months archived
        for table in (*TABLES, *months):
            expected = _plain(b, table)
            assert expected  # the comparison is about something
            assert _plain(a, table) == expected
        histories = [len(a.health_history(aid)) for aid in _plain(a, "health")]
        assert max(histories) == (28 if accounts <= 5000 else 2)  # 26 weeks, 30 days, today
        assert a.store.journal_path.stat().st_size == 0  # loaded, not journalled
    finally:
        a.close()
        b.close()


def test_generated_books_are_plain_json() -> None:
    """What lets ``build_demo`` hand the generated records to ``bulk_load(plain=True)``:
    they come back from JSON unchanged (lists, not tuples; text, not dates)."""
    book = generate(80, seed=5, owners=OWNERS)
    assert orjson.loads(orjson.dumps(book)) == book
