"""Write a generated demo book into a data directory, with a real health history."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from cstui import clock
from cstui.demo.generate import generate
from cstui.workspace import Workspace, current_user


def build_demo(
    target: Path, accounts: int, seed: int, user: str | None = None, *, team: bool = False
) -> int:
    """Generate a demo portfolio into ``target``; returns the number of records written."""
    user = user or current_user()
    tables = generate(accounts=accounts, seed=seed, owners=(user, "sato", "kim", "lopez"))
    ws = Workspace.open(target, user=user, team=team)
    if any(ws.store.count(name) for name in tables):
        count = ws.load_tables(tables)  # into a book that has data: ordinary commits
    else:
        # A fresh folder: one snapshot write instead of a journal line per record; then a
        # workspace opened afresh, so no cache predates the load.
        count = ws.store.bulk_load(tables)
        ws.close()
        ws = Workspace.open(target, user=user, team=team)
    try:
        backfill_health(ws, weeks=26 if accounts <= 5000 else 0)
        return count
    finally:
        ws.close()


def backfill_health(ws: Workspace, weeks: int) -> None:
    """Score the demo book at past dates from its own data, so trends and sparklines are real.

    Weekly points for half a year on normal demos; for very large ones only 30 days ago and
    today (enough for the trend) to keep generation quick.
    """
    today = clock.today()
    days = sorted(
        {today - timedelta(days=30), *(today - timedelta(weeks=w) for w in range(weeks, 0, -1))}
    )
    for day in days:
        ws.record_health(ws.evaluate(as_of=day), as_of=day, alerts=False)
    ws.refresh_health(as_of=today)
