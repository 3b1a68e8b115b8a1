"""How an account's daily health scores are kept: recent days in its summary, older months
in one table per month.

Why: the daily rescore rewrites every account's health summary. With the whole year of
daily points in it (400 ``[date, score]`` pairs), a year-old book wrote ~7 KB per account
and day to the journal (350 MB a day at 50,000 accounts), and a rescore parsed every
point of every account (2.3 GB at 10,000). The summary now holds only what the daily work
reads, in one field, ``daily`` (one field, so that the team hub, which merges a record
field by field, never pairs one laptop's days with another's first day):

* ``from`` and ``scores``: the scores of the days from ``from`` on, one per day (``null``
  for a day not scored). ``from`` is the first of the month of ``day − trend_days``: enough
  for the trend (the score ``trend_days`` ago) and for the current month;
* ``before``: the latest ``[date, score]`` older than ``from`` (the trend and the band on a
  past day when scoring skipped some days), or absent;
* ``archived``: the months whose scores moved out, oldest first.

When the window moves into a new month, the scores of each month it left are written once,
as the account's record in that month's table (:func:`month_table`, e.g. ``health_2026_10``):
``scores``, one per day of the month, ~100 bytes per account and month; a past month is read
only by what asks for it (an account's chart, a KPI report of a past period), one table at a
time. The months of the last :data:`KEEP_MONTHS` are kept.

A summary written before this layout holds ``history``: every point as ``[date, score]``
pairs. It is read as such, and replaced by ``daily`` at its next score.

Points, where this module hands them out, are ``[ISO date, score]`` pairs, oldest first.
"""

from __future__ import annotations

import functools
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


@functools.lru_cache(maxsize=64)
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
class Advanced:
    """A summary's ``daily`` field after :func:`advance`, and what moves out of it."""

    daily: dict[str, Any]
    """The summary's new ``daily`` (see the module doc)."""
    recent: list[Point]
    """The points the summary holds now, ``before`` first: what the trend reads."""
    moved: dict[str, list[Point]] = field(default_factory=dict)
    """Month → its points to write to that month's table (merged with any already there
    when the month is in ``archived`` already)."""
    legacy: bool = False
    """The summary held the old layout (``history``): remove that field."""


def daily_of(summary: Mapping[str, Any]) -> Mapping[str, Any]:
    """The summary's ``daily`` (empty for a summary in the old layout, or none)."""
    daily = summary.get("daily")
    return daily if isinstance(daily, dict) else {}


def archived_months(summary: Mapping[str, Any]) -> list[str]:
    """The months moved out of the summary to their tables, oldest first."""
    return list(daily_of(summary).get("archived") or ())


def advance(summary: Mapping[str, Any], day: date, score: int | None, trend_days: int) -> Advanced:
    """The summary's ``daily`` after scoring ``score`` on ``day`` (None: no score, the day
    is not marked). One score per day: a second one on the same day replaces it; a day
    older than the latest scored one changes nothing (a pass over a past day)."""
    start = window_start(day, trend_days)
    daily = daily_of(summary)
    legacy = summary.get("history") is not None  # an older cstui's points: replaced
    if daily.get("from") == start:
        done = _advance_in_window(daily, day, score, start)
        done.legacy = legacy
        return done
    points = stored_points(summary, with_before=False)
    before = daily.get("before")
    iso = day.isoformat()
    latest = points[-1][0] if points else before[0] if before else None
    if score is not None:
        if latest == iso and points:
            points[-1] = [iso, score]
        elif latest is None or latest < iso:
            points.append([iso, score])
    archived = list(daily.get("archived") or ())
    moved: dict[str, list[Point]] = {}
    if points and points[0][0] < start:
        kept: list[Point] = []
        for point in points:
            if point[0] >= start:
                kept.append(point)
            else:
                moved.setdefault(month_of(point[0]), []).append(point)
                before = point
        points = kept
        oldest = oldest_kept_month(day)
        archived = [m for m in sorted({*archived, *moved}) if m >= oldest]
    fresh: dict[str, Any] = {"from": start, "scores": day_scores(start, points)}
    if before is not None:
        fresh["before"] = before
    if archived:
        fresh["archived"] = archived
    return Advanced(fresh, [before, *points] if before else points, moved, legacy)


def reopened(
    summary: Mapping[str, Any], start: str, months: Mapping[str, Sequence[Point]]
) -> dict[str, Any]:
    """The summary with archived months back in its window: the window now starts at
    ``start``, earlier than its ``from`` (``trend.days`` was raised), and ``months`` are
    the points of its archived months from ``start``'s on, plus the latest month before it
    (for ``before``)."""
    daily = daily_of(summary)
    inside = [p for points in months.values() for p in points if p[0] >= start]
    older = [p for points in months.values() for p in points if p[0] < start]
    points = merged(inside, stored_points(summary, with_before=False))
    fresh: dict[str, Any] = {"from": start, "scores": day_scores(start, points)}
    if older:
        fresh["before"] = max(older)
    archived = [m for m in daily.get("archived") or () if m < start[:7]]
    if archived:
        fresh["archived"] = archived
    return {**summary, "daily": fresh}


def _advance_in_window(
    daily: Mapping[str, Any], day: date, score: int | None, start: str
) -> Advanced:
    """:func:`advance` when the window has not moved (every day but the first days of a
    month): today's score set in place, nothing decoded but the points the trend reads."""
    scores = list(daily.get("scores") or ())
    if score is not None:
        i = day.toordinal() - _ordinal(start)
        if i >= len(scores) - 1:  # today, or a later day (an older one changes nothing)
            scores.extend([None] * (i + 1 - len(scores)))
            scores[i] = score
    fresh: dict[str, Any] = {**daily, "scores": scores}
    before = daily.get("before")
    points = day_points(start, scores)
    return Advanced(fresh, [before, *points] if before else points)


def stored_points(summary: Mapping[str, Any], *, with_before: bool = True) -> list[Point]:
    """The points a summary holds itself, oldest first: ``before`` (with ``with_before``),
    then its window's (or, in the old layout, its ``history``, put in date order)."""
    daily = daily_of(summary)
    start = daily.get("from")
    if isinstance(start, str):
        points = day_points(start, daily.get("scores") or ())
    else:
        points = merged(summary.get("history") or ())
    before = daily.get("before") if with_before else None
    return [before, *points] if before else points


def day_scores(start: str, points: Iterable[Sequence[Any]]) -> list[int | None]:
    """Points from ``start`` (ISO) on as one score per day, None where not scored."""
    first = _ordinal(start)
    scores: list[int | None] = []
    for d, s in points:
        i = _ordinal(d) - first
        if i < 0:
            continue
        scores.extend([None] * (i + 1 - len(scores)))
        scores[i] = s
    return scores


def day_points(start: str, scores: Iterable[int | None]) -> list[Point]:
    """:func:`day_scores` back as points."""
    first = _ordinal(start)
    return [[_iso(first + i), s] for i, s in enumerate(scores) if s is not None]


@functools.lru_cache(maxsize=4096)
def _ordinal(iso: str) -> int:
    """Day number of an ISO date (a rescore converts the same few dozen days per account)."""
    return date.fromisoformat(iso).toordinal()


@functools.lru_cache(maxsize=4096)
def _iso(ordinal: int) -> str:
    return date.fromordinal(ordinal).isoformat()


def month_scores(month: str, points: Iterable[Sequence[Any]]) -> list[int | None]:
    """A month's points as its record's ``scores``: one per day from the 1st, None where
    not scored (days after the last score left out)."""
    return day_scores(f"{month}-01", points)


def month_record(account_id: str, month: str, points: Iterable[Sequence[Any]]) -> dict[str, Any]:
    """An account's record in ``month``'s table (:func:`month_table`): its points as one
    score per day (what :func:`month_points` reads back)."""
    return {"account_id": account_id, "month": month, "scores": month_scores(month, points)}


def month_points(record: Mapping[str, Any]) -> list[Point]:
    """A month table's record as points (see :func:`month_scores`)."""
    month = record.get("month")
    if not isinstance(month, str):
        return []
    return day_points(f"{month}-01", record.get("scores") or ())


def merged(*sources: Iterable[Sequence[Any]]) -> list[Point]:
    """Points of several sources as one list by date; a later source wins a shared day."""
    by_day: dict[str, Any] = {}
    for points in sources:
        for d, s in points:
            by_day[d] = s
    return [[d, by_day[d]] for d in sorted(by_day)]


def latest_on_or_before(points: Iterable[Sequence[Any]], iso: str) -> int | None:
    """The score of the latest point dated on or before ``iso`` (points in any order)."""
    best_day: str | None = None
    best: int | None = None
    for d, s in points:
        if d <= iso and (best_day is None or d >= best_day):
            best_day, best = d, s
    return best


def score_on_or_before(summary: Mapping[str, Any], iso: str) -> int | None:
    """``latest_on_or_before(stored_points(summary), iso)`` read in place: the day's slot of
    the window and back, then ``before``. The KPI trend asks it of every account for each
    period, and making every point of every summary took it 0.7 s at 50,000 accounts."""
    daily = daily_of(summary)
    start = daily.get("from")
    if not isinstance(start, str):  # the old layout
        return latest_on_or_before(stored_points(summary), iso)
    found: tuple[str, int] | None = None
    if iso >= start:
        scores = daily.get("scores") or ()
        first = _ordinal(start)
        i = min(_ordinal(iso) - first, len(scores) - 1)
        while i >= 0 and scores[i] is None:
            i -= 1
        if i >= 0:
            found = (_iso(first + i), scores[i])
    before = daily.get("before")
    if before and before[0] <= iso and (found is None or before[0] > found[0]):
        return int(before[1])
    return None if found is None else found[1]


def needs_archive(summary: Mapping[str, Any], iso: str) -> bool:
    """Whether the score on ``iso`` may lie in the archived months: the day is older than
    every point the summary holds, and months were archived."""
    daily = daily_of(summary)
    if not daily.get("archived"):
        return False
    before = daily.get("before")
    return before is None or iso < before[0]
