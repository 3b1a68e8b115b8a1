"""A large book's daily rescore runs in a child process: the app gets the scores through the
journal, as from another process, and never parses the whole book itself."""

from __future__ import annotations

import threading
from datetime import date

import pytest

from cstui import clock
from cstui.app import create_app
from cstui.domain.models import InvalidRecord
from cstui.domain.renewals import Period
from cstui.screens.portfolio import PortfolioScreen
from cstui.workspace import HEALTH_INPUT_TABLES, Workspace
from cstui.workspace.rows_cache import kept_rows_path, read_kept_rows

NEW_DAY = date(2026, 11, 24)
"""The day after the demo was scored."""

pytestmark = pytest.mark.slow


def test_a_child_rescores_and_this_process_reads_the_scores(demo_ws: Workspace) -> None:
    clock.freeze(NEW_DAY)
    demo_ws.portfolio()
    assert not demo_ws.health_is_current()
    assert demo_ws.rescore_elsewhere() is None  # a small book: rescore it here
    demo_ws.elsewhere_from = 1  # every book is "large"
    assert demo_ws.rescore_elsewhere() is True
    assert demo_ws.health_is_current()  # picked up through the journal
    assert HEALTH_INPUT_TABLES - {"accounts", "ratings"} <= set(demo_ws.store._lazy)
    assert demo_ws.rescore_elsewhere() is False  # today's scores are in: nothing to do
    one = demo_ws.portfolio()[0]
    assert demo_ws.health(one.id).score == one.health  # the same score as computed here


async def test_the_app_rescores_a_large_book_elsewhere(demo_ws: Workspace) -> None:
    clock.freeze(NEW_DAY)
    demo_ws.elsewhere_from = 1  # every book is "large"
    threads: list[bool] = []  # the screens hear of the new scores on the app's own thread
    demo_ws.subscribe(lambda _: threads.append(threading.current_thread() is main))
    main = threading.main_thread()
    app = create_app(demo_ws, poll=False, rescore=True)
    async with app.run_test(size=(120, 40)) as pilot:
        for _ in range(600):  # the worker starts after the first frame; give the child 60 s
            await app.workers.wait_for_complete()
            await pilot.pause(0.1)
            if demo_ws.health_is_current():
                break
        assert isinstance(app.screen, PortfolioScreen)
        assert [n.message for n in app._notifications] == []
        assert demo_ws.health_is_current()
        assert "activities" in demo_ws.store._lazy  # the child read them, not the app
        assert threads
        assert all(threads)


async def test_after_its_child_rescored_the_app_keeps_the_rows_for_the_new_snapshot(
    demo_ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The next start (in a team folder, every member's day's first start) reads them
    instead of the tables: the rows kept at the first frame were for yesterday's file."""
    monkeypatch.setenv("CSTUI_CLOSE_CHECKPOINT_BYTES", "0")  # the child folds, as at 10,000
    clock.freeze(NEW_DAY)
    demo_ws.elsewhere_from = 1
    app = create_app(demo_ws, poll=False, rescore=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()  # the warm-up kept the rows built at start
        before = read_kept_rows(kept_rows_path(demo_ws.store.data_dir))
        assert before is not None
        assert before["key"] == demo_ws._rows_key()
        app.rescore_all()
        for _ in range(600):
            await app.workers.wait_for_complete()
            await pilot.pause(0.05)
            if demo_ws.health_is_current() and not app.workers:
                break
        assert demo_ws.health_is_current()
        kept = read_kept_rows(kept_rows_path(demo_ws.store.data_dir))
        assert kept is not None
        assert kept["key"] != before["key"]  # the health summaries are another file's now
        assert kept["key"] == demo_ws._rows_key()
        assert kept["scored"][0] == NEW_DAY.isoformat()


def test_kpis_of_a_large_book_are_computed_in_a_child(demo_ws: Workspace) -> None:
    clock.freeze(date(2026, 11, 23))
    periods = Period.parse("2026Q3").last(2)
    assert demo_ws.kpis_elsewhere(periods, "tier:high") is None  # small: compute here
    demo_ws.elsewhere_from = 1  # every book is "large"
    far = demo_ws.kpis_elsewhere(periods, "tier:high")
    assert far is not None
    assert "surveys" in demo_ws.store._lazy  # the child read the book, not this process
    reports, tiers = far
    assert reports == demo_ws.kpi_trend("2026Q3", 2, "tier:high")
    assert tiers == demo_ws.tier_suggestions()
    with pytest.raises(InvalidRecord, match="has not started yet"):
        demo_ws.kpis_elsewhere(Period.parse("2027Q4").last(1), "all")  # said here, at once
    with pytest.raises(InvalidRecord):
        demo_ws.kpis_elsewhere(periods, "tier:nonsense")


def test_a_cancelled_child_is_stopped(demo_ws: Workspace) -> None:
    clock.freeze(date(2026, 11, 23))
    demo_ws.elsewhere_from = 1
    asked = []

    def cancelled() -> bool:
        asked.append(1)
        return True

    with pytest.raises(InterruptedError):
        demo_ws.kpis_elsewhere(Period.parse("2026Q3").last(4), "all", cancelled)
    assert asked  # asked while the child ran, which was then killed


def test_a_failing_child_says_only_the_error_type(demo_ws: Workspace) -> None:
    from cstui.workspace import StoreError
    from cstui.workspace.repo import elsewhere

    with pytest.raises(StoreError, match=r"before it finished \(ZeroDivisionError\)") as caught:
        elsewhere(divmod, 1, 0)
    assert "division" not in str(caught.value)  # the text could quote a record
