"""QBR domain and services: numbers from the shared rules, status flow, freezing, due list."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from cstui.domain import metrics, qbr, roi
from cstui.domain.enums import ActivityKind, QBRStatus, TaskSource
from cstui.domain.models import InvalidRecord, ROIInputs
from cstui.domain.renewals import Period
from cstui.domain.success import summarize
from cstui.workspace import Workspace

ACC = "acc-000007"  # high touch, success plan with ROI inputs and KPIs in the demo (seed 1)
P = "2026Q3"


def test_default_period_is_the_last_full_quarter() -> None:
    assert qbr.default_period(date(2026, 11, 23)) == "2026Q3"
    assert qbr.default_period(date(2026, 1, 1)) == "2025Q4"
    assert qbr.default_period(date(2026, 3, 31)) == "2025Q4"


def test_roi_scaling_uses_roi_compute_and_contract_months() -> None:
    # DOMAIN.md example: ¥480,000 value, ¥360,000 fee, ¥120,000 net, 33 %.
    result = roi.compute(ROIInputs(hours_saved_per_month=20, hourly_cost=2000, annual_fee=360_000))
    quarter, ytd = qbr.roi_rows(result, 360_000, "JPY", Period.parse("2026Q3"), None)
    assert quarter is not None
    assert ytd is not None
    assert (quarter.months, quarter.value, quarter.fee, quarter.net) == (3, 120_000, 90_000, 30_000)
    assert (ytd.months, ytd.net) == (9, 90_000)
    assert quarter.roi_pct == ytd.roi_pct == result.roi_pct
    late, ytd_late = qbr.roi_rows(result, 360_000, "JPY", Period.parse("2026Q3"), date(2026, 8, 15))
    assert late is not None
    assert late.months == pytest.approx(1 + 16 / 30)  # to 15 Sep, then 16 of 30 days
    assert ytd_late is not None
    assert ytd_late.months == late.months
    assert qbr.roi_rows(result, 1, "JPY", Period.parse("2026Q3"), date(2026, 10, 1)) == (None, None)


def test_qbr_data_uses_the_shared_computations(demo_ws: Workspace) -> None:
    p = Period.parse(P)
    plan = demo_ws.success_plan(ACC)
    assert plan is not None
    assert plan.roi is not None
    demo_ws.record_survey({"account_id": ACC, "kind": "nps", "date": date(2026, 8, 3), "score": 10})
    demo_ws.record_survey({"account_id": ACC, "kind": "nps", "date": date(2026, 8, 9), "score": 5})
    data = demo_ws.qbr_data(ACC, P)
    assert data.health_start == demo_ws.health(ACC, as_of=p.start).score
    assert data.health_end == demo_ws.health(ACC, as_of=p.end).score
    assert data.health_series[-1] == (p.end, data.health_end)
    assert all(p.start <= d <= p.end for d, _ in data.health_series)
    assert data.nps == [10, 5]
    assert data.nps_score == metrics.nps([10, 5]) == 0
    expected = roi.compute(plan.roi)
    assert data.roi_ytd is not None
    months = data.roi_ytd.months
    assert data.roi_ytd.net == pytest.approx(expected.net_value * months / 12, abs=1)
    assert data.roi_ytd.roi_pct == expected.roi_pct
    objectives = [o for o in plan.objectives if o.kpi is not None]
    assert [k.kpi for k in data.kpis] == [o.kpi.name for o in objectives if o.kpi]
    for row, obj in zip(data.kpis, objectives, strict=True):
        s = summarize(obj, p.end, demo_ws.settings.health.on_track_ratio, None)
        assert obj.kpi is not None
        assert (row.current, row.target, row.baseline) == (
            s.current,
            obj.kpi.target,
            obj.kpi.baseline,
        )
    assert data.summary_draft
    assert data.account.name in data.summary_draft
    assert "ヘルススコア" in demo_ws.qbr_data(ACC, P, lang="ja").summary_draft


def test_json_round_trip(demo_ws: Workspace) -> None:
    data = demo_ws.qbr_data(ACC, P)
    assert qbr.to_json(qbr.from_json(qbr.to_json(data))) == qbr.to_json(data)


def test_edit_mark_status_and_freeze(demo_ws: Workspace) -> None:
    story = demo_ws.qbr_data(ACC, P).stories[0]
    demo_ws.update_qbr_section(ACC, P, "summary", "Great quarter.")
    demo_ws.mark_story(ACC, P, story.activity_id, True)
    assert demo_ws.qbr_data(ACC, P).stories[0].marked
    with pytest.raises(InvalidRecord):
        demo_ws.update_qbr_section(ACC, P, "nonsense", "x")
    assert demo_ws.set_qbr_status(ACC, P, "ready").status is QBRStatus.READY
    before = qbr.to_json(demo_ws.qbr_data(ACC, P))
    record = demo_ws.set_qbr_status(ACC, P, "delivered", lang="en")
    assert record.status is QBRStatus.DELIVERED
    assert record.delivered_on == date(2026, 11, 23)
    assert record.frozen is not None
    assert record.frozen["sections"]["summary"] == "Great quarter."
    assert record.frozen["stories"] == [story.activity_id]
    # The account changes afterwards: the delivered review does not.
    demo_ws.update_account(ACC, {"seats": 1, "stage": "adoption", "name": "Renamed KK"})
    demo_ws.record_survey({"account_id": ACC, "kind": "nps", "date": date(2026, 8, 1), "score": 0})
    after = qbr.to_json(demo_ws.qbr_data(ACC, P))
    assert after == {**before, "as_of": after["as_of"]}
    assert demo_ws.qbr_data(ACC, P).account.name != "Renamed KK"
    with pytest.raises(InvalidRecord, match="delivered on 2026-11-23 and is frozen"):
        demo_ws.update_qbr_section(ACC, P, "summary", "rewrite")
    with pytest.raises(InvalidRecord, match="frozen"):
        demo_ws.mark_story(ACC, P, story.activity_id, False)
    with pytest.raises(InvalidRecord, match="frozen"):
        demo_ws.set_qbr_status(ACC, P, "draft")


def test_delivering_logs_an_activity_and_a_followup(demo_ws: Workspace) -> None:
    demo_ws.set_qbr_status(ACC, P, "delivered", lang="en")
    logged = [a for a in demo_ws.activities(ACC) if a.kind is ActivityKind.QBR]
    assert any(a.summary == "QBR 2026Q3 delivered" and a.date == date(2026, 11, 23) for a in logged)
    tasks = [t for t in demo_ws.tasks(ACC) if t.key == f"qbr-followup:{ACC}:{P}"]
    assert len(tasks) == 1
    assert tasks[0].due == date(2026, 11, 23) + timedelta(days=14)
    assert tasks[0].source is TaskSource.QBR
    demo_ws.set_qbr_status(ACC, P, "delivered")  # idempotent: no second task
    assert len([t for t in demo_ws.tasks(ACC) if t.key.startswith("qbr-followup:")]) == 1


def test_changes_compare_with_the_previous_delivered_qbr(demo_ws: Workspace) -> None:
    demo_ws.set_qbr_status(ACC, "2026Q2", "delivered")
    data = demo_ws.qbr_data(ACC, P)
    assert data.previous_period == "2026Q2"
    assert data.changes
    assert demo_ws.qbr_data(ACC, "2026Q2").previous_period is None


def test_qbrs_due(demo_ws: Workspace) -> None:
    rows = demo_ws.qbrs_due()
    ids = {r[0] for r in rows}
    accounts = {a.id: a for a in demo_ws.accounts()}
    assert ACC in ids
    assert all(accounts[i].tier.value in ("high", "mid") for i in ids)
    assert all(accounts[i].stage.value != "churned" for i in ids)
    assert all(r[1] == P and r[2] == date(2026, 10, 30) and r[3] == "overdue" for r in rows)
    assert {r[3] for r in demo_ws.qbrs_due(as_of=date(2026, 10, 10))} == {"due"}
    demo_ws.set_qbr_status(ACC, P, "delivered")
    assert ACC not in {r[0] for r in demo_ws.qbrs_due()}


def test_period_is_checked(demo_ws: Workspace) -> None:
    with pytest.raises(InvalidRecord):
        demo_ws.qbr_data(ACC, "2026-09")
    with pytest.raises(InvalidRecord, match="not started"):
        demo_ws.qbr_data(ACC, "2027Q2")


def test_viewing_a_review_writes_nothing_until_it_is_edited(demo_ws: Workspace) -> None:
    account = next(a for a in demo_ws.accounts() if a.tier.value == "high")
    before = demo_ws.store.last_seq
    view = demo_ws.qbr_view(account.id, "2026Q3")
    assert view.status.value == "draft"
    assert demo_ws.qbr_record(account.id, "2026Q3") is None
    assert demo_ws.store.last_seq == before
    demo_ws.update_qbr_section(account.id, "2026Q3", "summary", "Edited.")
    stored = demo_ws.qbr_record(account.id, "2026Q3")
    assert stored is not None
    assert stored.sections["summary"] == "Edited."


def test_one_risk_is_singular_in_the_summary() -> None:
    from cstui.domain.qbr import word

    assert word("summary.risks", "en", n=1).startswith("1 risk needs attention")
    assert word("summary.risks", "en", n=2).startswith("2 risks need attention")
