"""The QBR's two audiences: internal notes stay in the prep view, never in an export; ROI
estimated (試算) and measured (実績) are told apart, and a negative one is a risk."""

from __future__ import annotations

from datetime import date

import pytest

from cstui.domain import qbr
from cstui.domain.models import KPI, Measurement, Objective
from cstui.report.qbr import render_html, render_markdown
from cstui.workspace import Workspace

ACC = "acc-000007"  # ja account: an ROI KPI with readings, an estimated ROI below the fee
P = "2026Q3"
COMMENT = "The new dashboard wastes our afternoons"


def _detractor(ws: Workspace) -> str:
    """An NPS detractor with a comment, by a named contact: a flag the customer must not read."""
    contact = ws.contacts(ACC)[0]
    ws.record_survey(
        {
            "account_id": ACC,
            "contact_id": contact.id,
            "kind": "nps",
            "date": date(2026, 9, 20),
            "score": 2,
            "comment": COMMENT,
        }
    )
    return contact.name


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_internal_notes_stay_out_of_every_export(demo_ws: Workspace, lang: str) -> None:
    name = _detractor(demo_ws)
    data = demo_ws.qbr_data(ACC, P, lang)
    internal = "\n".join(data.internal)
    assert COMMENT in internal
    assert name in internal
    assert not any(COMMENT in r or name in r for r in data.risks)
    assert qbr.customer_view(data).internal == []
    assert data.internal
    for text in (render_markdown(data, {}, [], lang), render_html(data, {}, [], lang)):
        for line in data.internal:
            assert line not in text
        assert COMMENT not in text
        assert name not in text


def test_frozen_review_keeps_internal_notes_apart(demo_ws: Workspace) -> None:
    _detractor(demo_ws)
    live = demo_ws.qbr_data(ACC, P, "en")
    demo_ws.set_qbr_status(ACC, P, "delivered", lang="en")
    frozen = demo_ws.qbr_data(ACC, P, "en")
    assert frozen.internal == live.internal
    assert frozen.risks == live.risks
    assert qbr.from_json(qbr.to_json(frozen)).internal == live.internal


def test_version_1_snapshot_moves_flag_lines_to_internal(demo_ws: Workspace) -> None:
    _detractor(demo_ws)
    data = demo_ws.qbr_data(ACC, P, "ja")
    old = qbr.to_json(data)
    old["version"] = 1
    old.pop("internal")
    old.pop("roi_measured")
    objective_and_request = [r for r in data.risks if r.startswith(("目標が", "未対応の要望"))]
    assert objective_and_request
    assert data.internal
    # How version 1 stored them: flags first, then objectives and requests (no ROI lines).
    old["risks"] = data.internal + objective_and_request
    read = qbr.from_json(old)
    assert read.internal == data.internal
    assert read.risks == objective_and_request


def test_estimated_and_measured_roi_are_told_apart(demo_ws: Workspace) -> None:
    data = demo_ws.qbr_data(ACC, P, "ja")
    plan = demo_ws.success_plan(ACC)
    assert plan is not None
    roi_kpis = [o.kpi for o in plan.objectives if o.kpi and qbr.is_roi_kpi(o.kpi.name, o.kpi.unit)]
    assert roi_kpis, "the demo account has an ROI KPI"
    readings = [m for k in roi_kpis if k for m in k.history if m.date <= data.period_end]
    latest = max(readings, key=lambda m: m.date)
    assert data.roi_measured is not None
    assert (data.roi_measured.pct, data.roi_measured.day) == (latest.value, latest.date)
    for text in (render_markdown(data, {}, [], "ja"), render_html(data, {}, [], "ja")):
        assert "試算" in text
        assert "ROI（実績）" in text
    assert "試算" in data.summary_draft
    assert "実績" in data.summary_draft
    en = demo_ws.qbr_data(ACC, P, "en")
    for text in (render_markdown(en, {}, [], "en"), render_html(en, {}, [], "en")):
        assert "estimated" in text
        assert "Measured ROI" in text
    assert "returned" not in en.summary_draft  # an estimate is not told as a fact


def test_negative_roi_is_a_customer_risk(demo_ws: Workspace) -> None:
    data = demo_ws.qbr_data(ACC, P, "en")
    assert data.roi_ytd is not None
    assert data.roi_ytd.net < 0
    assert data.roi_measured is not None
    assert data.roi_measured.pct < 0
    assert any(r.startswith("Estimated ROI is negative") for r in data.risks)
    assert any(r.startswith("Measured ROI is negative") for r in data.risks)
    row = qbr.ROIRow(3, "JPY", 120_000, 90_000, 30_000, 33.3, 9.0)
    good = qbr.MeasuredROI("o", "ROI", 12.0, date(2026, 9, 1))
    assert qbr.roi_risk_lines(row, good, "en") == []


def test_measured_roi_takes_the_latest_reading_up_to_the_end() -> None:
    def objective(name: str, unit: str, readings: list[tuple[date, float]]) -> Objective:
        kpi = KPI(
            name=name,
            unit=unit,
            baseline=-10,
            target=30,
            history=[Measurement(date=d, value=v) for d, v in readings],
        )
        return Objective(id=name, title=name, kpi=kpi)

    objectives = [
        objective("Return on investment", "%", [(date(2026, 7, 1), 5), (date(2026, 10, 2), 40)]),
        objective("Overtime", "h", [(date(2026, 9, 1), 99)]),  # not an ROI KPI
        objective("ROI 投資対効果", "%", [(date(2026, 8, 15), 12)]),
    ]
    found = qbr.measured_roi(objectives, date(2026, 9, 30))
    assert found is not None
    assert (found.pct, found.day) == (12, date(2026, 8, 15))
    assert qbr.measured_roi(objectives, date(2026, 6, 30)) is None
    assert not qbr.is_roi_kpi("ROI", "JPY")
    assert qbr.is_roi_kpi("roi", " % ")


def test_the_qbr_tab_shows_internal_notes_apart_and_never_drafts_them(demo_ws: Workspace) -> None:
    from cstui.widgets.qbr.forms import drafted_text
    from cstui.widgets.qbr.render import internal_text

    _detractor(demo_ws)
    data = demo_ws.qbr_data(ACC, P, "en")
    shown = internal_text(data).plain
    assert shown.startswith("Internal notes — never exported")
    assert all(line in shown for line in data.internal)
    assert COMMENT not in drafted_text(data, "risks")  # an edit starts from customer risks
