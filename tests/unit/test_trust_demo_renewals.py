"""Issue 16: the demo shows expansion, contraction and churn (NRR differs from GRR, upsell
above 0) and mostly positive ROI; the renewals screen lists past months' outcomes."""

from __future__ import annotations

from datetime import date

import pytest

from cstui.demo.generate import generate
from cstui.domain.enums import Outcome
from cstui.domain.models import Renewal, SuccessPlan
from cstui.domain.renewals import renewals_by_month
from cstui.workspace import Workspace
from tests.unit.test_renewal_window import models_between

DAY = date(2026, 5, 12)


@pytest.fixture(scope="module")
def book() -> dict[str, list[dict[str, object]]]:
    return generate(80, seed=7, today=DAY)


def test_demo_renewals_expand_contract_and_churn(book: dict[str, list[dict[str, object]]]) -> None:
    outcomes = {Renewal.model_validate(r).outcome for r in book["renewals"]}
    assert {Outcome.EXPANDED, Outcome.DOWNGRADED, Outcome.CHURNED, Outcome.RENEWED} <= outcomes
    arr = {a["id"]: a["arr"] for a in book["accounts"]}
    for record in book["renewals"]:
        r = Renewal.model_validate(record)
        assert r.due <= DAY
        if r.outcome is not Outcome.CHURNED:
            assert r.new_arr == arr[r.account_id]  # the account's ARR is what it left


def test_demo_kpis_show_nrr_apart_from_grr(demo_ws: Workspace) -> None:
    values = {v.key: v.value for v in demo_ws.kpi_report("2026").values}
    assert values["nrr"] is not None
    assert values["grr"] is not None
    assert values["nrr"] > values["grr"]
    assert values["upsell_rate"] is not None
    assert values["upsell_rate"] > 0
    assert values["revenue_churn"] is not None
    assert values["revenue_churn"] > 0


def test_demo_roi_is_mostly_positive_and_plausible(
    book: dict[str, list[dict[str, object]]],
) -> None:
    plans = [SuccessPlan.model_validate(p) for p in book["success_plans"]]
    rois = [p.roi for p in plans if p.roi is not None]
    assert len(rois) >= 5
    ratios = []
    for r in rois:
        value = r.hours_saved_per_month * 12 * r.hourly_cost + r.extra_revenue + r.other_savings
        ratios.append(value / r.annual_fee)
        assert r.hours_saved_per_month <= 2000  # at most about a dozen people's time
    positive = sum(1 for x in ratios if x > 1)
    assert positive > len(ratios) * 0.6
    assert min(ratios) > 0.8  # none returns almost nothing for its fee


def _renewal(account: str, due: date, outcome: Outcome | None, new_arr: int | None) -> Renewal:
    return Renewal(
        id=f"{account}:{due}",
        account_id=account,
        due=due,
        arr_due=400_000,
        outcome=outcome,
        new_arr=new_arr,
    )


def test_past_months_list_renewed_and_churned_arr_and_leave_open_ones_to_overdue() -> None:
    items = [
        _renewal("a", date(2026, 2, 10), Outcome.EXPANDED, 520_000),
        _renewal("b", date(2026, 2, 20), Outcome.CHURNED, 0),
        _renewal("c", date(2026, 3, 3), None, None),  # overdue: not in March's row
        _renewal("d", date(2026, 6, 1), None, None),
    ]
    rows = renewals_by_month(items, date(2026, 2, 1), 5, open_from=date(2026, 5, 1))
    feb, mar = rows[0], rows[1]
    assert feb.actual[Outcome.EXPANDED] == {"JPY": 520_000}
    assert feb.actual[Outcome.CHURNED] == {"JPY": 400_000}
    assert mar.renewals == []
    assert [r.account_id for r in rows[4].renewals] == ["d"]


def test_the_demo_renewals_screen_data_has_past_outcomes(demo_ws: Workspace) -> None:
    rows = demo_ws.renewals_by_month(date(2026, 8, 1), 3, open_from=date(2026, 11, 1))
    assert any(row.actual for row in rows)


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (date(2026, 8, 1), date(2027, 11, 1)),  # the screen's: recorded, implied, overdue
        (date(2024, 1, 1), date(2025, 1, 1)),  # a past year: anniversaries only
        (date(2026, 11, 1), date(2026, 12, 1)),  # one month
    ],
)
def test_the_screens_window_is_the_books_renewals_in_it(
    demo_ws: Workspace, start: date, end: date
) -> None:
    """The renewals screen reads its months from the stored records as they stream by
    (``renewal_window``: no model of 50,000 accounts); what it shows is what the book's
    renewals hold for those months, plus every open one due before them (overdue)."""
    ws = demo_ws
    bands = {r.id: r.band for r in ws.portfolio()}
    ids = sorted(bands)
    for account_id in ids[:5]:  # an ARR changed twice since: the anniversaries' ARR
        account = ws.account(account_id)
        assert account is not None
        ws.update_account(account_id, {"arr": account.arr + 1_000})
        ws.update_account(account_id, {"arr": account.arr + 2_000})
    ws.update_account(ids[5], {"renewal_date": date(2026, 6, 30)})  # overdue, open
    ws.set_forecast(ids[6], "commit")  # its next renewal recorded
    want = [
        r for r in ws.renewals() if start <= r.due < end or (r.outcome is None and r.due < start)
    ]
    got = models_between(ws, start, end, bands)
    assert got == want
    assert any(r.implied for r in got)
    if start.year == 2026:  # the screen's window holds every kind
        assert any(not r.implied for r in got)
        assert any(r.outcome is None and r.due < start for r in got)
