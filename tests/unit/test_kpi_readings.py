"""KPI readings are checked against the KPI's unit, and can be corrected or deleted."""

from __future__ import annotations

from datetime import date

import pytest

from cstui import i18n
from cstui.domain.models import InvalidRecord
from cstui.domain.success import (
    PlanInputError,
    UnitKind,
    reading_bounds,
    reading_from_form,
    unit_kind,
)
from cstui.workspace import Workspace

TODAY = date(2026, 11, 23)


@pytest.mark.parametrize(
    ("unit", "kind"),
    [
        ("%", UnitKind.PERCENT),
        ("％", UnitKind.PERCENT),
        ("件", UnitKind.COUNT),
        ("件/月", UnitKind.COUNT),
        ("h/month", UnitKind.COUNT),
        ("deals", UnitKind.COUNT),
        ("点（5点満点）", UnitKind.OTHER),
        ("", UnitKind.OTHER),
        ("JPY", UnitKind.OTHER),
    ],
)
def test_unit_kinds(unit: str, kind: UnitKind) -> None:
    assert unit_kind(unit) is kind


def test_bounds_follow_what_the_kpi_says() -> None:
    assert reading_bounds("%", 35, 80) == (0, 100)
    # A target beyond 100 % says the KPI can exceed it, within reason.
    assert reading_bounds("%", 100, 130) == (0, 1300)
    # A return can be a loss and exceed 100 % even with a modest target.
    low, high = reading_bounds("%", 0, 40, name="ROI")
    assert low is not None
    assert low < 0
    assert high is not None
    assert high > 100
    assert reading_bounds("件", 12, 30) == (0, None)
    assert reading_bounds("", -5, 5) == (None, None)


def _value_error(data: dict[str, object], **kpi: object) -> str:
    from cstui.domain.models import KPI

    with pytest.raises(PlanInputError) as err:
        reading_from_form(data, today=TODAY, kpi=KPI.model_validate(kpi))
    return next(p.key for p in err.value.problems if p.field == "value")


def test_reading_form_refuses_values_outside_the_unit() -> None:
    share = {"name": "Adoption", "unit": "%", "baseline": 35, "target": 80}
    assert _value_error({"value": "1,000"}, **share) == "success.error.above"
    assert _value_error({"value": -3}, **share) == "success.error.negative"
    assert reading_from_form({"value": 100}, today=TODAY)[0] == 100
    count = {"name": "Tickets", "unit": "件/月", "baseline": 40, "target": 10}
    assert _value_error({"value": -1}, **count) == "success.error.negative"


def _plan(ws: Workspace) -> tuple[str, str]:
    acc = ws.create_account({"name": "Kobe Steelworks", "arr": 4_800_000})
    ws.add_objective(
        acc.id,
        {"title": "Adopt the portal", "kpi_name": "Active users", "unit": "%",
         "baseline": 22, "target": 75},
    )  # fmt: skip
    return acc.id, "o1"


def test_workspace_refuses_a_thousand_percent_and_writes_nothing(empty_ws: Workspace) -> None:
    ws = empty_ws
    account_id, oid = _plan(ws)
    with pytest.raises(InvalidRecord, match="0–100") as err:
        ws.record_kpi(account_id, oid, 1000, date(2026, 11, 2))
    assert "value" in err.value.fields
    plan = ws.success_plan(account_id)
    assert plan is not None
    assert plan.objectives[0].kpi is not None
    assert plan.objectives[0].kpi.history == []
    i18n.set_language("ja")
    with pytest.raises(InvalidRecord, match="上限"):
        ws.record_kpi(account_id, oid, 1000, date(2026, 11, 2))


def test_count_kpi_baseline_cannot_be_negative(empty_ws: Workspace) -> None:
    ws = empty_ws
    acc = ws.create_account({"name": "Nara Foods"})
    with pytest.raises(InvalidRecord) as err:
        ws.add_objective(
            acc.id,
            {"title": "x", "kpi_name": "Orders", "unit": "件", "baseline": -4, "target": 9},
        )
    assert "baseline" in err.value.fields


def _history(ws: Workspace, account_id: str) -> list[tuple[date, float]]:
    plan = ws.success_plan(account_id)
    assert plan is not None
    kpi = plan.objectives[0].kpi
    assert kpi is not None
    return [(m.date, m.value) for m in kpi.history]


def test_readings_can_be_corrected_moved_and_deleted(empty_ws: Workspace) -> None:
    ws = empty_ws
    account_id, oid = _plan(ws)
    ws.record_kpi(account_id, oid, 31, date(2026, 9, 1))
    ws.record_kpi(account_id, oid, 47, date(2026, 10, 1))
    ws.update_kpi_reading(account_id, oid, date(2026, 10, 1), 44)
    assert _history(ws, account_id) == [(date(2026, 9, 1), 31), (date(2026, 10, 1), 44)]
    ws.update_kpi_reading(account_id, oid, date(2026, 9, 1), None, date(2026, 9, 3))
    assert _history(ws, account_id) == [(date(2026, 9, 3), 31), (date(2026, 10, 1), 44)]
    with pytest.raises(InvalidRecord):
        ws.update_kpi_reading(account_id, oid, date(2026, 9, 3), 212)
    with pytest.raises(InvalidRecord):
        ws.update_kpi_reading(account_id, oid, date(2026, 9, 3), None, date(2026, 12, 1))
    ws.delete_kpi_reading(account_id, oid, date(2026, 10, 1))
    assert _history(ws, account_id) == [(date(2026, 9, 3), 31)]
    with pytest.raises(InvalidRecord) as err:
        ws.delete_kpi_reading(account_id, oid, date(2026, 10, 1))
    assert "2026-10-01" in err.value.messages[0]
