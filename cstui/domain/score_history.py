"""How an account's daily health scores are kept: recent days in its summary, older months
in one table per month.

Why: the daily rescore rewrites every account's health summary. With the whole year of
daily points in it (400 ``[date, score]`` pairs), a year-old book wrote ~7 KB per account
and day to the journal (350 MB a day at 50,000 accounts), and a rescore parsed every
point of every account (2.3 GB at 10,000). The summary now holds only what the daily work
reads:

* ``history``: the points from the first day of the month of ``day − trend_days`` on,
  enough for the trend (the score ``trend_days`` ago) and for the current month;
* ``before``: the latest point older than that (the trend and the band on a past day when
  scoring skipped some days), or absent;
* ``archived``: the months whose points moved out, oldest first.

When the window moves into a new month, the points of each month it left are written once,
as the account's record in that month's table (:func:`month_table`, e.g. ``health_2026_10``):
``scores``, one per day of the month (``null`` for a day not scored), ~100 bytes per account
and month; a past month is read only by what asks for it (an account's chart, a KPI report
of a past period), one table at a time.

Points are ``[ISO date, score]`` pairs, oldest first; ISO dates order as their text.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Final

Point = list[Any]
"""``[ISO date, score]``."""

MONTH_TABLE_PREFIX: Final = "health_"
KEEP_MONTHS: Final = 14
"""Archived months kept per account (a year and the months around it, as the 400 daily
points the summary held before); older month tables are emptied by the daily rescore."""


def month_of(iso: str) -> str:
    """``YYYY-MM`` of an ISO date."""
    return iso[:7]


def month_table(month: str) -> str:
    """The table holding every account's points of ``month`` (``YYYY-MM``)."""
    return f"{MONTH_TABLE_PREFIX}{month[:4]}_{month[5:7]}"


def table_month(table: str) -> str | None:
    """The month a table holds points of, or None when it is not a month table."""
    rest = table.removeprefix(MONTH_TABLE_PREFIX)
    if rest == table or len(rest) != 7 or rest[4] != "_":
        return None
    year, month = rest[:4], rest[5:]
    if not (year.isdigit() and month.isdigit() and 1 <= int(month) <= 12):
        return None
    return f"{year}-{month}"


def window_start(day: date, trend_days: int) -> str:
    """First day (ISO) of the points a summary keeps on ``day``: the first of the month of
    ``day − trend_days``, so the trend's earlier score is inside or is ``before``."""
    then = day - timedelta(days=trend_days)
    return then.replace(day=1).isoformat()


def oldest_kept_month(day: date) -> str:
    """The oldest archived month still kept on ``day`` (see :data:`KEEP_MONTHS`)."""
    months = day.year * 12 + day.month - 1 - KEEP_MONTHS
    return f"{months // 12:04d}-{months % 12 + 1:02d}"


@dataclass(slots=True)
class Rolled:
    """A summary's points after :func:`roll`: what it keeps and what moves out."""

    history: list[Point]
    before: Point | None
    archived: list[str]
    moved: dict[str, list[Point]] = field(default_factory=dict)
    """Month → its points to write to that month's table (merged with any already there
    when the month is in ``archived`` already)."""


def roll(
    history: Sequence[Point],
    before: Point | None,
    archived: Sequence[str],
    day: date,
    trend_days: int,
) -> Rolled:
    """Split a summary's points at the window of ``day`` (see the module doc)."""
    start = window_start(day, trend_days)
    if not history or history[0][0] >= start:
        return Rolled(list(history), before, list(archived))
    moved: dict[str, list[Point]] = {}
    kept: list[Point] = []
    for point in history:
        if point[0] >= start:
            kept.append(point)
        else:
            moved.setdefault(month_of(point[0]), []).append(point)
            before = point
    oldest = oldest_kept_month(day)
    months = sorted({*archived, *moved})
    return Rolled(kept, before, [m for m in months if m >= oldest], moved)


def month_scores(month: str, points: Iterable[Sequence[Any]]) -> list[int | None]:
    """A month's points as its record's ``scores``: one per day, None where not scored
    (trailing days without a score left out)."""
    scores: list[int | None] = []
    for d, s in points:
        day = int(d[8:10])
        scores.extend([None] * (day - len(scores)))
        scores[day - 1] = s
    return scores


def month_points(record: Mapping[str, Any]) -> list[Point]:
    """A month table's record as points (see :func:`month_scores`)."""
    month = record.get("month")
    if not isinstance(month, str):
        return []
    return [
        [f"{month}-{day:02d}", s]
        for day, s in enumerate(record.get("scores") or (), start=1)
        if s is not None
    ]


def merged(*sources: Iterable[Sequence[Any]]) -> list[Point]:
    """Points of several sources as one list by date; a later source wins a shared day."""
    by_day: dict[str, Any] = {}
    for points in sources:
        for d, s in points:
            by_day[d] = s
    return [[d, by_day[d]] for d in sorted(by_day)]


def recent_points(summary: Mapping[str, Any]) -> list[Point]:
    """The points a summary holds itself: ``before`` (if any), then ``history``."""
    before = summary.get("before")
    history = list(summary.get("history") or ())
    return [before, *history] if before else history


def latest_on_or_before(points: Iterable[Sequence[Any]], iso: str) -> int | None:
    """The score of the latest point dated on or before ``iso`` (points in any order)."""
    best_day: str | None = None
    best: int | None = None
    for d, s in points:
        if d <= iso and (best_day is None or d >= best_day):
            best_day, best = d, s
    return best


def needs_archive(summary: Mapping[str, Any], iso: str) -> bool:
    """Whether the score on ``iso`` may lie in the archived months: the day is older than
    every point the summary holds, and months were archived."""
    if not summary.get("archived"):
        return False
    before = summary.get("before")
    return before is None or iso < before[0]
