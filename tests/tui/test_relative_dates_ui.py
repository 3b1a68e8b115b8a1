"""Relative dates on screen are exact where they matter and said once: the QBRs due list,
the executive touchpoints (overview and Tasks tab), and KPIs without data have no unit."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest

from cstui import i18n
from cstui.app import create_app
from cstui.domain.cadence import Touchpoint, TouchpointKind
from cstui.domain.renewals import KPIValue
from cstui.screens.account import touchpoints_text
from cstui.screens.kpis import KPIRow, kpi_columns, unit_label
from cstui.screens.qbrs_due import DueRow, QBRsDueScreen, due_cell, status_cell
from cstui.widgets.account_table import AccountTable
from cstui.widgets.tasks import touchpoints_text as tasks_touchpoints_text
from cstui.workspace import Workspace

DAY = date(2026, 12, 7)


@pytest.fixture(autouse=True)
def _english_after() -> Iterator[None]:
    i18n.set_language("en")
    yield
    i18n.set_language("en")


# -- QBRs due -------------------------------------------------------------------------------


def _due_row(due: date, status: str, progress: str = "none") -> DueRow:
    return DueRow("a1", "Acme", "2026Q3", due, status, progress)


def test_qbr_due_cell_counts_the_days_and_the_status_says_something_else() -> None:
    late = _due_row(date(2026, 10, 30), "overdue")
    assert due_cell(late, DAY).plain == "2026-10-30 · 38 days overdue"
    assert "red" in str(due_cell(late, DAY).style)
    # A quarter late is still counted in days, never "2 months overdue".
    far = _due_row(DAY - timedelta(days=62), "overdue")
    assert due_cell(far, DAY).plain.endswith("· 62 days overdue")
    soon = _due_row(DAY + timedelta(days=12), "due")
    assert due_cell(soon, DAY).plain == "2026-12-19 · in 12 days"
    assert due_cell(_due_row(DAY, "due"), DAY).plain == "2026-12-07 · today"
    # The status column is how far the review got, not the date's lateness again.
    assert status_cell(late).plain == "Not started"
    assert status_cell(_due_row(DAY, "overdue", "draft")).plain == "Draft"
    assert "overdue" not in status_cell(late).plain.lower()
    i18n.set_language("ja")
    assert due_cell(late, DAY).plain == "2026-10-30 · 38日超過"
    assert status_cell(late).plain == "未着手"


async def test_qbrs_due_screen_shows_the_days_once(demo_ws: Workspace) -> None:
    due = demo_ws.qbrs_due()
    assert due
    drafted = due[0][0]
    demo_ws.qbr(drafted, due[0][1])  # a draft started: the status column says so
    app = create_app(demo_ws, poll=False, rescore=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("Q")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, QBRsDueScreen)
        table = screen.query_one(AccountTable)
        lines = [table.render_line(y).text for y in range(table.size.height)]
        body = "\n".join(lines)
        # 2026-10-30 due, the tests' clock on 2026-11-23.
        assert "2026-10-30 · 24 days overdue" in body
        assert "Overdue" not in body
        assert "Not started" in body
        by_id = {r.account_id: r for r in screen.rows}
        assert by_id[drafted].progress == "draft"


# -- executive touchpoints -----------------------------------------------------------------


def _point(due: date, status: str) -> Touchpoint:
    return Touchpoint(TouchpointKind.KICKOFF, due, status, None, "Agenda.", "議題。")  # type: ignore[arg-type]


def test_overview_touchpoint_says_how_late_and_due_now_only_today() -> None:
    late = touchpoints_text([_point(DAY - timedelta(days=11), "due")], DAY).plain
    assert "Executive kickoff  11 days overdue (due 2026-11-26)" in late
    assert "due now" not in late
    today = touchpoints_text([_point(DAY, "due")], DAY).plain
    assert "Executive kickoff  due today (2026-12-07)" in today
    soon = touchpoints_text([_point(DAY + timedelta(days=12), "due")], DAY).plain
    assert "Executive kickoff  due in 12 days (2026-12-19)" in soon
    # The pre-renewal review stays due until the renewal: past 60 days it still counts days.
    long = touchpoints_text([_point(DAY - timedelta(days=75), "due")], DAY).plain
    assert "75 days overdue" in long
    i18n.set_language("ja")
    ja = touchpoints_text([_point(DAY - timedelta(days=11), "due")], DAY).plain
    assert "11日超過（期日 2026-11-26）" in ja
    assert "実施時期 今日（2026-12-07）" in touchpoints_text([_point(DAY, "due")], DAY).plain


def test_tasks_tab_touchpoint_says_due_not_due_now() -> None:
    late = tasks_touchpoints_text([_point(DAY - timedelta(days=11), "due")], DAY).plain
    assert late.startswith("Due: Executive kickoff  2026-11-26  11 days overdue")
    assert "now" not in late.lower()
    today = tasks_touchpoints_text([_point(DAY, "due")], DAY).plain
    assert today.startswith("Due: Executive kickoff  2026-12-07  today")
    missed = tasks_touchpoints_text([_point(DAY - timedelta(days=73), "missed")], DAY).plain
    assert missed.startswith("⚠ Missed: Executive kickoff  2026-09-25  73 days ago")


# -- KPIs without data --------------------------------------------------------------------


def test_no_data_has_no_unit() -> None:
    for unit in ("days", "%"):
        empty = KPIValue("ttv", None, unit)
        assert unit_label(empty) == ""
        cells = [c.cell(KPIRow("ttv", empty)) for c in kpi_columns()]
        texts = [c if isinstance(c, str) else c.plain for c in cells]
        assert texts[1:3] == ["no data", ""]
    assert unit_label(KPIValue("ttv", 12.0, "days")) == "days"
    i18n.set_language("ja")
    assert unit_label(KPIValue("ttv", None, "days")) == ""
    assert unit_label(KPIValue("ttv", 12.0, "days")) == "日"
