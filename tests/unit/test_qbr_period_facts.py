"""A QBR of a past period uses that period's facts: who had left then, which flags held
then, and ROI months counted from the contract's start day; the tab opens on the last
complete quarter in which the customer existed; an unfinished quarter is delivered only
when the CSM agreed to it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from cstui.domain import qbr, roi
from cstui.domain.enums import QBRStatus
from cstui.domain.models import InvalidRecord, ROIInputs
from cstui.domain.renewals import Period
from cstui.workspace import Workspace
from tests.conftest import TODAY

# The clock is frozen at 2026-11-23 (tests/conftest.py): 2026Q4 is running.


def _customer(ws: Workspace, name: str, start: date) -> str:
    acc = ws.create_account(
        {"name": name, "arr": 2_400_000, "contract_start": start, "renewal_date": date(2027, 3, 31),
         "tier": "high", "stage": "adoption"}
    )  # fmt: skip
    return acc.id


def test_a_champion_who_left_later_is_not_in_an_earlier_review(empty_ws: Workspace) -> None:
    ws = empty_ws
    aid = _customer(ws, "Sendai Logistics", date(2025, 2, 1))
    ws.add_contact(aid, {"name": "Haruto Mori", "role": "champion", "left_on": date(2026, 11, 9)})
    past = ws.qbr_data(aid, "2026Q1")
    assert not any("Haruto Mori" in line for line in [*past.internal, *past.risks])
    running = ws.qbr_data(aid, "2026Q4")
    assert any("Haruto Mori" in line for line in running.internal)


def test_roi_months_run_from_the_contract_start_day(empty_ws: Workspace) -> None:
    ws = empty_ws
    fresh = _customer(ws, "Otaru Glassworks", date(2026, 11, 22))  # signed yesterday
    ws.set_roi(fresh, {"hours_saved_per_month": 40, "hourly_cost": 3000, "annual_fee": 960_000})
    data = ws.qbr_data(fresh, "2026Q4")
    assert data.roi_period is not None
    assert data.roi_period.months == pytest.approx(2 / 30)  # two days, not a month
    assert qbr.months_label(data.roi_period.months) == "0.1"
    result = roi.compute(ROIInputs(hours_saved_per_month=40, hourly_cost=3000, annual_fee=960_000))
    mid = qbr.roi_rows(result, 960_000, "JPY", Period.parse("2026Q3"), date(2026, 8, 20))
    assert [None if r is None else r.months for r in mid] == pytest.approx([1 + 11 / 30] * 2)
    # A quarter still running counts its months up to today only.
    older = qbr.roi_rows(result, 960_000, "JPY", Period.parse("2026Q4"), None, date(2026, 11, 23))
    assert [None if r is None else r.months for r in older] == pytest.approx(
        [1 + 23 / 30, 10 + 23 / 30]
    )
    late = qbr.roi_rows(result, 960_000, "JPY", Period.parse("2026Q1"), date(2026, 4, 2))
    assert late == (None, None)


@pytest.mark.parametrize(
    ("start", "churned", "expected"),
    [
        (date(2024, 6, 1), None, "2026Q3"),
        (date(2026, 10, 5), None, "2026Q4"),  # no complete quarter yet: the running one
        (date(2024, 6, 1), date(2026, 2, 10), "2026Q1"),
        (date(2026, 7, 1), None, "2026Q3"),
    ],
)
def test_opening_period(start: date, churned: date | None, expected: str) -> None:
    assert qbr.opening_period(date(2026, 11, 23), start, churned) == expected


def test_the_tab_opens_on_the_last_quarter_the_customer_existed(empty_ws: Workspace) -> None:
    ws = empty_ws
    new = _customer(ws, "Kagoshima Tea", date(2026, 10, 14))
    assert ws.qbr_opening_period(new) == "2026Q4"
    gone = _customer(ws, "Hakodate Ferries", date(2023, 4, 1))
    ws.record_renewal_outcome(
        gone, outcome="churned", churn_reason="budget", due=date(2026, 4, 30),
        closed_on=date(2026, 4, 30),
    )  # fmt: skip
    assert ws.qbr_opening_period(gone) == "2026Q2"


def test_an_unfinished_quarter_is_delivered_only_when_agreed(empty_ws: Workspace) -> None:
    ws = empty_ws
    aid = _customer(ws, "Matsue Clinics", date(2025, 5, 1))
    with pytest.raises(InvalidRecord, match="not over yet"):
        ws.set_qbr_status(aid, "2026Q4", "delivered", lang="en")
    assert ws.qbr_view(aid, "2026Q4").status is not QBRStatus.DELIVERED
    assert ws.set_qbr_status(aid, "2026Q4", "delivered", lang="en", early=True).status is (
        QBRStatus.DELIVERED
    )
    assert ws.set_qbr_status(aid, "2026Q3", "delivered", lang="en").status is QBRStatus.DELIVERED


def test_a_review_with_no_period_covers_a_quarter_the_customer_existed_in(
    empty_ws: Workspace,
) -> None:
    """`export qbr` without --period reviews the quarter the QBR tab opens on: never a quarter
    before the contract began."""
    new = empty_ws.create_account(
        {"name": "New", "contract_start": TODAY - timedelta(days=10), "owner": "me"}
    )
    old = empty_ws.create_account(
        {"name": "Old", "contract_start": date(2025, 1, 1), "owner": "me"}
    )
    assert empty_ws.qbr_data(new.id).period == empty_ws.qbr_opening_period(new.id) == "2026Q4"
    assert empty_ws.qbr_data(old.id).period == "2026Q3"
