"""Write a generated demo book into a data directory, with a real health history."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from cstui import clock
from cstui.demo.generate import generate
from cstui.store import gc_paused
from cstui.workspace import Workspace, current_user


def build_demo(
    target: Path, accounts: int, seed: int, user: str | None = None, *, team: bool = False
) -> int:
    """Generate a demo portfolio into ``target``; returns the number of records written.

    The cyclic garbage collector is paused throughout: generating and scoring create
    millions of short-lived objects without cycles, and its collections walked the whole
    growing heap again and again (a third of a 50,000-account build's CPU time).
    """
    with gc_paused():
        user = user or current_user()
        tables = generate(accounts=accounts, seed=seed, owners=(user, "sato", "kim", "lopez"))
        weeks = 26 if accounts <= 5000 else 0
        ws = Workspace.open(target, user=user, team=team)
        try:
            if any(ws.store.count(name) for name in tables):
                count = ws.load_tables(tables)  # into a book that has data: ordinary commits
                backfill_health(ws, weeks)
                return count
            # A fresh folder: one snapshot write instead of a journal line per record. The
            # workspace stays open (it cached nothing yet: every table was empty), so the
            # loaded records are not parsed again. The health history and the alerts are
            # computed in memory and loaded the same way (one more snapshot write instead
            # of a journal line per account and day).
            count = ws.store.bulk_load(tables, plain=True)  # generated as plain JSON
            del tables
            ws.store.bulk_load(ws.initial_health(score_days(weeks)), plain=True)
            return count
        finally:
            ws.close()


def score_days(weeks: int) -> list[date]:
    """The days a demo book is scored on, oldest first, today last.

    Weekly points for half a year on normal demos; for very large ones only 30 days ago and
    today (enough for the trend) to keep generation quick.
    """
    today = clock.today()
    past = {today - timedelta(days=30), *(today - timedelta(weeks=w) for w in range(weeks, 0, -1))}
    return [*sorted(past), today]


def backfill_health(ws: Workspace, weeks: int) -> None:
    """Score a demo book loaded into a folder that had data, through the store: trends and
    sparklines from its own data (see :func:`score_days`)."""
    *days, today = score_days(weeks)
    for day in days:
        ws.record_health(ws.evaluate(as_of=day), as_of=day, alerts=False)
    ws.refresh_health(as_of=today)
