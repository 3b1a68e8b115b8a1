"""The daily score history: recent points in the summary, older months in month tables
(issue 17: a year-old book's rescore rewrote 400 points per account each day)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cstui import clock
from cstui.demo.generate import generate
from cstui.domain.health import band_for, trend
from cstui.domain.score_history import (
    KEEP_MONTHS,
    advance,
    latest_on_or_before,
    merged,
    month_points,
    month_scores,
    month_table,
    needs_archive,
    oldest_kept_month,
    score_on_or_before,
    stored_points,
    table_month,
    window_start,
)
from cstui.sync.hub import is_derived
from cstui.workspace import Workspace
from cstui.workspace import health as health_module
from cstui.workspace.renewals import bands_at

START = date(2026, 1, 10)


def _points(first: date, days: int) -> list[list[Any]]:
    return [[(first + timedelta(days=i)).isoformat(), 40 + i % 50] for i in range(days)]


# the layout, pure --------------------------------------------------------------------------


def test_month_tables_name_their_month_and_nothing_else() -> None:
    assert month_table("2026-03") == "health_2026_03"
    assert table_month("health_2026_03") == "2026-03"
    for other in ("health", "health_2026_13", "health_26_03", "healthy_2026_03", "alerts"):
        assert table_month(other) is None
    assert [is_derived(t) for t in ("health", "health_2026_03", "accounts", "health_notes")] == [
        True,
        True,
        False,
        False,
    ]


def test_the_window_reaches_the_trends_day_and_starts_on_a_first() -> None:
    assert window_start(date(2026, 3, 1), 30) == "2026-01-01"  # 30 days back is Jan 30
    assert window_start(date(2026, 3, 31), 30) == "2026-03-01"
    assert window_start(date(2026, 3, 31), 31) == "2026-02-01"


def _advanced_daily(points: list[list[Any]], trend_days: int = 30) -> dict[str, Any]:
    """The summary fields after scoring each point's day in turn, and the moved points."""
    summary: dict[str, Any] = {}
    moved: dict[str, list[list[Any]]] = {}
    for d, score in points:
        step = advance(summary, date.fromisoformat(d), score, trend_days)
        summary["daily"] = step.daily
        for month, out in step.moved.items():
            moved[month] = merged(moved.get(month, ()), out)
    return {"summary": summary, "moved": moved}


def test_advance_moves_whole_months_out_and_keeps_the_latest_older_point() -> None:
    history = _points(date(2025, 12, 20), 80)  # Dec 20 .. Mar 9
    got = _advanced_daily(history)
    summary, moved = got["summary"], got["moved"]
    daily = summary["daily"]
    assert daily["from"] == "2026-02-01"
    assert stored_points(summary, with_before=False) == [p for p in history if p[0] >= "2026-02-01"]
    assert sorted(moved) == ["2025-12", "2026-01"]
    assert daily["before"] == [p for p in history if p[0] < "2026-02-01"][-1]
    assert daily["archived"] == ["2025-12", "2026-01"]
    assert merged(*moved.values(), stored_points(summary)) == history  # nothing lost
    # a day inside the window moves nothing; a past day changes nothing
    again = advance(summary, date(2026, 3, 10), 77, 30)
    assert again.moved == {}
    assert again.recent[-1] == ["2026-03-10", 77]
    past = advance(summary, date(2026, 3, 1), 5, 30)
    assert stored_points({"daily": past.daily}) == stored_points(summary)
    # nor one older than every point the summary holds (its window empty, ``before`` kept)
    quiet = {"daily": {"from": "2026-02-01", "scores": [], "before": ["2026-01-25", 27]}}
    older = advance(quiet, date(2025, 12, 17), 86, 30)
    assert older.daily.get("before") == ["2026-01-25", 27]
    assert older.moved == {}


def test_a_day_without_a_score_leaves_a_gap_and_the_trend_reads_around_it() -> None:
    points = [p for p in _points(date(2026, 1, 1), 60) if p[0] not in ("2026-01-31", "2026-02-05")]
    summary = _advanced_daily(points)["summary"]
    step = advance(summary, date(2026, 3, 2), None, 30)
    assert None in step.daily["scores"]  # the days without a score
    assert merged(step.recent) == [p for p in points if p[0] >= step.recent[0][0]]
    assert trend([(date.fromisoformat(d), s) for d, s in step.recent], date(2026, 3, 2)) == trend(
        [(date.fromisoformat(d), s) for d, s in points], date(2026, 3, 2)
    )


def test_a_summary_in_the_old_layout_is_read_and_rewritten() -> None:
    old = {"history": _points(date(2026, 1, 1), 70)}
    assert stored_points(old) == old["history"]
    step = advance(old, date(2026, 3, 12), 50, 30)
    assert step.legacy  # the old field goes
    assert merged(*step.moved.values(), stored_points({"daily": step.daily})) == [
        *old["history"],
        ["2026-03-12", 50],
    ]


def test_an_old_layout_history_out_of_date_order_loses_nothing() -> None:
    points = _points(date(2026, 1, 1), 70)
    step = advance({"history": list(reversed(points))}, date(2026, 3, 12), 50, 30)
    kept = merged(*step.moved.values(), stored_points({"daily": step.daily}))
    assert kept == [*points, ["2026-03-12", 50]]


def test_advance_forgets_months_older_than_kept() -> None:
    day = date(2027, 6, 15)
    old = [f"{y}-{m:02d}" for y in (2025, 2026) for m in range(1, 13)]
    summary = {"daily": {"from": "2027-04-01", "scores": [50], "archived": old}}
    step = advance(summary, day, 60, 30)
    assert step.daily["archived"][0] == oldest_kept_month(day) == "2026-04"
    assert step.daily["archived"][-1] == "2027-04"
    assert len(step.daily["archived"]) <= KEEP_MONTHS


def test_a_month_record_holds_one_score_per_day_and_gives_the_points_back() -> None:
    points = [["2026-02-01", 40], ["2026-02-03", 0], ["2026-02-28", 99]]
    scores = month_scores("2026-02", points)
    assert scores[:4] == [40, None, 0, None]
    assert len(scores) == 28
    assert month_points({"month": "2026-02", "scores": scores}) == points
    assert month_points({"scores": [1]}) == []  # no month: nothing to place the scores on


def test_latest_on_or_before_and_when_the_archive_is_needed() -> None:
    points = [["2026-01-05", 10], ["2026-01-01", 5], ["2026-02-01", 20]]
    assert latest_on_or_before(points, "2026-01-31") == 10
    assert latest_on_or_before(points, "2025-12-31") is None
    daily = {"from": "2026-03-01", "scores": [1], "before": ["2026-02-20", 2]}
    summary = {"daily": {**daily, "archived": ["2026-02"]}}
    assert not needs_archive(summary, "2026-02-20")
    assert needs_archive(summary, "2026-02-19")
    assert not needs_archive({"daily": daily}, "2025-01-01")  # nothing archived


# through the store ---------------------------------------------------------------------------


def _book(path: Path, accounts: int = 4) -> Workspace:
    ws = Workspace.open(path, user="me")
    ws.store.bulk_load(generate(accounts, seed=5, owners=("me",)))
    ws.close()
    return Workspace.open(path, user="me")


def _score_daily(ws: Workspace, first: date, days: int) -> dict[str, list[tuple[date, int]]]:
    """Score every account on each day, as the daily rescore does; return what each
    account's points should be (every day's score)."""
    expected: dict[str, list[tuple[date, int]]] = {}
    for i in range(days):
        day = first + timedelta(days=i)
        results = ws.evaluate(as_of=day)
        ws.record_health(results, as_of=day)
        for result, _ in results:
            if result.score is not None:
                expected.setdefault(result.account_id, []).append((day, result.score))
    return expected


def test_a_hundred_days_of_scores_are_all_kept_and_the_summary_stays_small(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CSTUI_TODAY", "2026-04-20")
    clock.freeze(date(2026, 4, 20))
    ws = _book(tmp_path / "book")
    try:
        days = 100
        expected = _score_daily(ws, START, days)
        assert expected, "the book has scored accounts"
        last = START + timedelta(days=days - 1)
        trend_days = ws.settings.health.trend_days
        for aid, points in expected.items():
            assert ws.health_history(aid) == points
            summary = ws.store.get("health", aid)
            assert summary is not None
            assert summary["daily"]["from"] == window_start(last, trend_days)
            assert len(summary["daily"]["scores"]) <= trend_days + 31
            assert summary["daily"]["archived"] == ["2026-01", "2026-02"]
            assert summary["trend"] == trend(points, last, trend_days)
        assert {t for t in ws.store.tables() if table_month(t)} == {
            "health_2026_01",
            "health_2026_02",
        }
    finally:
        ws.close()
    # a fresh process reads the archived months from the snapshot (unparsed tables)
    ws = Workspace.open(tmp_path / "book", user="me")
    try:
        for aid, points in expected.items():
            assert ws.health_history(aid) == points
    finally:
        ws.close()


@pytest.mark.parametrize("stream", [False, True])
def test_bands_on_a_past_day_read_the_archived_month(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stream: bool
) -> None:
    monkeypatch.setenv("CSTUI_TODAY", "2026-04-20")
    clock.freeze(date(2026, 4, 20))
    if stream:  # the whole month table read in one pass, as for a large book
        monkeypatch.setattr(health_module, "_PEEK_ARCHIVED", 0)
    ws = _book(tmp_path / "book", accounts=6)
    try:
        expected = _score_daily(ws, START, 100)
        config = ws.settings.health
        summaries = {r["id"]: r for r in ws.store.scan("health")}
        today = date(2026, 4, 20)
        for past in (date(2026, 1, 9), date(2026, 1, 20), date(2026, 2, 28), date(2026, 4, 1)):
            rows = bands_at(summaries, dict, past, today, config, ws.archived_scores)
            want = {
                aid: band_for(s, config).value
                for aid, points in expected.items()
                if (
                    s := latest_on_or_before(
                        [[d.isoformat(), v] for d, v in points], past.isoformat()
                    )
                )
                is not None
            }
            assert {r.id: r.band for r in rows} == want
            assert bool(want) == (past >= START)
    finally:
        ws.close()


def test_a_summary_with_a_years_points_moves_them_out_on_the_next_score(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A summary written before the months moved out (every day's point in it) is split at
    its next score; nothing of its history is lost."""
    monkeypatch.setenv("CSTUI_TODAY", "2026-11-24")
    clock.freeze(date(2026, 11, 24))
    ws = _book(tmp_path / "book", accounts=3)
    try:
        day = date(2026, 11, 23)
        ws.record_health(ws.evaluate(as_of=day), as_of=day)
        aid = next(r["id"] for r in ws.store.scan("health") if r["score"] is not None)
        year = [[(day - timedelta(days=i)).isoformat(), 30 + i % 60] for i in range(399, -1, -1)]
        with ws.store.transaction() as txn:
            old_layout = ["daily"]
            txn.write("health", aid, {"history": year}, unset=old_layout)
        ws.refresh_health(as_of=date(2026, 11, 24))
        history = ws.health_history(aid)
        summary = ws.store.get("health", aid) or {}
        assert [[d.isoformat(), s] for d, s in history] == [*year, ["2026-11-24", summary["score"]]]
        assert len(summary["daily"]["scores"]) < 62
        assert "history" not in summary  # removed, not left for an older cstui as null
    finally:
        ws.close()


def test_the_rescore_empties_months_older_than_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    day = date(2027, 6, 15)
    monkeypatch.setenv("CSTUI_TODAY", day.isoformat())
    clock.freeze(day)
    ws = _book(tmp_path / "book", accounts=2)
    try:
        aid = next(iter(r["id"] for r in ws.store.scan("accounts")))
        with ws.store.transaction() as txn:
            for month in ("2026-03", "2026-04"):
                txn.put(
                    month_table(month), aid, {"account_id": aid, "month": month, "scores": [50]}
                )
        assert ws.rescore_if_due(day)
        assert ws.store.get(month_table("2026-03"), aid) is None  # older than 14 months
        assert ws.store.get(month_table("2026-04"), aid) is not None
    finally:
        ws.close()


@given(
    steps=st.lists(
        st.tuples(st.integers(0, 9), st.one_of(st.none(), st.integers(0, 100))),
        min_size=1,
        max_size=120,
    ),
    trend_days=st.integers(1, 70),
)
def test_daily_advances_keep_every_score_and_the_trend_of_all_of_them(
    steps: list[tuple[int, int | None]], trend_days: int
) -> None:
    """Scores on days with gaps, days with no score, days scored twice, the window moving
    or not: the summary
    and the moved months together are every point, and the trend the summary gives is
    the trend of every point."""
    day = date(2025, 12, 25)
    summary: dict[str, Any] = {}
    moved: dict[str, list[list[Any]]] = {}
    every: list[tuple[date, int]] = []
    for gap, score in steps:
        day += timedelta(days=gap)
        step = advance(summary, day, score, trend_days)
        summary["daily"] = step.daily
        for month, out in step.moved.items():
            moved[month] = merged(moved.get(month, ()), out)
        if score is not None:  # a second score on one day replaces the first
            every = [p for p in every if p[0] != day] + [(day, score)]
        recent = [(date.fromisoformat(d), s) for d, s in step.recent]
        assert trend(recent, day, trend_days) == trend(every, day, trend_days)
    kept = merged(*moved.values(), stored_points(summary))
    assert kept == [[d.isoformat(), s] for d, s in every]


def test_a_longer_trend_reads_its_days_back_from_the_archived_months(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``trend.days`` raised from 30 to 90: the window starts earlier than the summary held,
    so the months in between come back from their tables and the trend is that of every
    point from the first day on."""
    from cstui.domain.health_config import parse_health_config

    clock.freeze(date(2026, 6, 30))
    ws = _book(tmp_path / "book")
    try:
        expected = _score_daily(ws, START, 120)  # to May 9, with a 30-day trend
        ws.settings.health = parse_health_config(
            "[trend]\ndays = 90\n", "health.toml", base=ws.settings.health
        )
        more = _score_daily(ws, START + timedelta(days=120), 3)
        last = START + timedelta(days=122)
        trends = []
        for aid, points in more.items():
            every = merged(
                [[d.isoformat(), s] for d, s in expected.get(aid, [])],
                [[d.isoformat(), s] for d, s in points],
            )
            history = [(date.fromisoformat(d), s) for d, s in every]
            summary = ws.store.get("health", aid) or {}
            assert summary["trend"] == trend(history, last, 90)
            assert ws.health_history(aid) == history
            trends.append(summary["trend"])
        assert any(t is not None for t in trends)  # accounts scored since January have one
    finally:
        ws.close()


_DAY0 = date(2026, 1, 1)
_days = st.integers(min_value=0, max_value=120).map(lambda n: (_DAY0 + timedelta(n)).isoformat())
_scores = st.integers(min_value=0, max_value=100)


@st.composite
def _summaries(draw: st.DrawFn) -> dict[str, Any]:
    """A summary in the window layout (``from``, a day's slots, maybe ``before``) or in the
    old one (``history``): what a KPI trend reads the scores of."""
    if draw(st.booleans()):
        return {"history": draw(st.lists(st.tuples(_days, _scores).map(list), max_size=6))}
    start = draw(_days)
    daily: dict[str, Any] = {
        "from": start,
        "scores": draw(st.lists(st.one_of(st.none(), _scores), max_size=40)),
    }
    if draw(st.booleans()):
        daily["before"] = [draw(_days.filter(lambda d: d < start)), draw(_scores)]
    return {"daily": daily}


@given(_summaries(), _days)
def test_the_score_on_a_day_read_in_place_is_the_points_latest(
    summary: dict[str, Any], iso: str
) -> None:
    """The KPI trend reads a summary's score on a day without making its points: the same
    answer as the latest of its points on or before that day."""
    assert score_on_or_before(summary, iso) == latest_on_or_before(stored_points(summary), iso)
