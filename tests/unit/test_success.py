"""Success plans: status derivation, progress maths (both directions), form input, templates,
and the workspace methods that save a plan in one write or not at all."""

from __future__ import annotations

import re
from datetime import date, timedelta
from types import SimpleNamespace
from typing import Any

import pytest

from cstui import i18n
from cstui.demo import names
from cstui.domain import health, success
from cstui.domain.enums import Audience, ObjectiveStatus
from cstui.domain.models import KPI, InvalidRecord, Measurement, Objective, SuccessPlan
from cstui.domain.success import (
    TEMPLATES,
    PlanInputError,
    bar_fraction,
    coverage,
    next_objective_id,
    objective_from_form,
    objective_status,
    objectives_from_template,
    progress,
    reading_from_form,
    roi_from_form,
    summarize,
    with_reading,
)
from cstui.workspace import Workspace

START = date(2026, 1, 1)
DUE = date(2026, 11, 1)  # 304 days
HALF = START + timedelta(days=152)  # half the time gone: on track needs ≥ 0.8 × 0.5 = 0.4


def _obj(baseline: float, target: float, *readings: tuple[date, float], **extra: Any) -> Objective:
    data: dict[str, Any] = {"id": "o1", "title": "T", "start": START, "due": DUE, **extra}
    history = [Measurement(date=d, value=v) for d, v in readings]
    return Objective(kpi=KPI(name="k", baseline=baseline, target=target, history=history), **data)


# ------------------------------------------------------------------ status


def test_each_status_from_progress_against_time() -> None:
    on = _obj(0, 100, (HALF, 40))  # exactly the pace
    assert objective_status(on, HALF) is ObjectiveStatus.ON_TRACK
    assert objective_status(_obj(0, 100, (HALF, 39.9)), HALF) is ObjectiveStatus.AT_RISK
    assert objective_status(_obj(0, 100, (HALF, 100)), HALF) is ObjectiveStatus.ACHIEVED
    assert objective_status(on, DUE + timedelta(days=1)) is ObjectiveStatus.MISSED
    assert objective_status(on, DUE) is ObjectiveStatus.AT_RISK  # due day itself still counts
    assert objective_status(on, START - timedelta(days=1)) is ObjectiveStatus.NOT_STARTED
    assert objective_status(_obj(0, 100), HALF) is ObjectiveStatus.NOT_STARTED  # no reading
    # Readings after as_of are not known yet.
    assert objective_status(_obj(0, 100, (HALF, 100)), HALF - timedelta(days=1)) is (
        ObjectiveStatus.NOT_STARTED
    )
    # Achieved late is still achieved.
    late = _obj(0, 100, (HALF, 40), (DUE + timedelta(days=10), 100))
    assert objective_status(late, DUE + timedelta(days=20)) is ObjectiveStatus.ACHIEVED


def test_override_wins_and_no_kpi_cannot_be_told() -> None:
    behind = _obj(0, 100, (HALF, 5), status_override=ObjectiveStatus.ON_TRACK)
    assert objective_status(behind, HALF) is ObjectiveStatus.ON_TRACK
    future = _obj(0, 100, start=DUE, status_override=ObjectiveStatus.AT_RISK)
    assert objective_status(future, HALF) is ObjectiveStatus.AT_RISK
    assert objective_status(Objective(id="x", title="Qualitative"), HALF) is None


def test_without_due_date_or_start() -> None:
    no_due = _obj(0, 100, (HALF, 1), due=None)
    assert objective_status(no_due, DUE) is ObjectiveStatus.ON_TRACK
    assert objective_status(_obj(10, 20, (HALF, 9), due=None), DUE) is ObjectiveStatus.AT_RISK
    # No start: the default start (contract start), else the first reading.
    unstarted = _obj(0, 100, (HALF, 30), start=None)
    assert objective_status(unstarted, HALF, default_start=START) is ObjectiveStatus.AT_RISK
    assert objective_status(unstarted, HALF) is ObjectiveStatus.ON_TRACK  # 0 % of time gone
    assert objective_status(unstarted, HALF, on_track_ratio=1.0, default_start=START) is (
        ObjectiveStatus.AT_RISK
    )


def test_health_uses_the_same_function(monkeypatch: pytest.MonkeyPatch) -> None:
    """Health's outcomes measure asks :func:`success.objective_status` (imported where it
    is used, so start-up does not load the plans' rules): what it says is what health counts."""
    asked: list[Objective] = []

    def at_risk(obj: Objective, *args: Any, **kwargs: Any) -> ObjectiveStatus:
        asked.append(obj)
        return ObjectiveStatus.AT_RISK

    plan = SuccessPlan(id="p", account_id="a", objectives=[_obj(0, 100, (HALF, 100))])
    account = SimpleNamespace(contract_start=START)
    achieved = health._outcomes(account, plan, HALF, 0.8)
    monkeypatch.setattr(success, "objective_status", at_risk)
    assert health._outcomes(account, plan, HALF, 0.8) != achieved
    assert asked == plan.objectives


# ------------------------------------------------------------------ progress


def test_progress_for_increasing_and_decreasing_kpis() -> None:
    assert progress(40, 80, 60) == pytest.approx(0.5)
    # Hours per close: lower is better. 10 h → 4 h, now 7 h: halfway.
    assert progress(10, 4, 7) == pytest.approx(0.5)
    down = _obj(10, 4, (HALF, 7))
    assert success.lower_is_better(down.kpi) if down.kpi else False
    assert summarize(down, HALF).progress == pytest.approx(0.5)
    assert objective_status(down, HALF) is ObjectiveStatus.ON_TRACK
    # Getting worse (more hours) is negative progress, beating the target is above 1.
    assert progress(10, 4, 12) == pytest.approx(-1 / 3)
    assert objective_status(_obj(10, 4, (HALF, 12)), HALF) is ObjectiveStatus.AT_RISK
    assert progress(10, 4, 3) == pytest.approx(7 / 6)
    assert objective_status(_obj(10, 4, (HALF, 3)), HALF) is ObjectiveStatus.ACHIEVED


def test_bar_clamps_but_progress_does_not() -> None:
    assert [bar_fraction(x) for x in (-0.3, 0.0, 0.25, 1.0, 1.7, None)] == [
        0.0,
        0.0,
        0.25,
        1.0,
        1.0,
        0.0,
    ]
    overshoot = summarize(_obj(10, 4, (HALF, 1)), HALF)
    assert overshoot.progress == pytest.approx(1.5)
    assert bar_fraction(overshoot.progress) == 1.0
    assert overshoot.lower_is_better
    assert overshoot.current == 1
    assert overshoot.last_measured == HALF
    missed = summarize(_obj(0, 10, (HALF, 2)), DUE + timedelta(days=1))
    assert missed.overdue
    assert missed.status is ObjectiveStatus.MISSED


def test_readings_keep_history_and_one_value_per_day() -> None:
    kpi = KPI(name="k", baseline=0, target=10, history=[Measurement(date=START, value=1)])
    later = with_reading(kpi, 5, HALF)
    earlier = with_reading(later, 3, START + timedelta(days=30))
    assert [(m.date, m.value) for m in earlier.history] == [
        (START, 1),
        (START + timedelta(days=30), 3),
        (HALF, 5),
    ]
    again = with_reading(earlier, 6, HALF)
    assert [m.value for m in again.history] == [1, 3, 6]
    assert again.current == 6
    assert kpi.history == [Measurement(date=START, value=1)]  # the input is not changed


def test_coverage_and_the_missing_deep_flag() -> None:
    light = _obj(0, 10, (HALF, 5))
    deep = _obj(0, 10, (HALF, 0), id="o2", audience=Audience.DEEP)
    plan = SuccessPlan(account_id="a", objectives=[light])
    assert coverage(plan, HALF).missing_deep
    both = SuccessPlan(account_id="a", objectives=[light, deep])
    cover = coverage(both, HALF)
    assert not cover.missing_deep
    assert (cover.light, cover.deep) == (1, 1)
    assert cover.counts == {ObjectiveStatus.ON_TRACK: 1, ObjectiveStatus.AT_RISK: 1}
    assert next_objective_id(both) == "o3"
    assert next_objective_id(None) == "o1"


# ------------------------------------------------------------------ form input


def _fields(exc: pytest.ExceptionInfo[PlanInputError]) -> dict[str, str]:
    return {p.field: p.key for p in exc.value.problems}


def test_objective_form_problems_are_tied_to_fields() -> None:
    today = date(2026, 11, 23)
    base = {"title": "Faster close", "kpi_name": "Hours per close", "unit": "h"}
    with pytest.raises(PlanInputError) as exc:
        objective_from_form(
            {**base, "baseline": "40", "target": 40, "due": "2026-01-01", "stakeholder": "c9"},
            current=None,
            new_id="o1",
            contacts={"c1"},
            today=today,
        )
    assert _fields(exc) == {
        "target": "success.error.same_target",
        "due": "success.error.due_past",
        "stakeholder": "success.error.stakeholder",
    }
    with pytest.raises(PlanInputError) as exc:
        objective_from_form(
            {**base, "title": " ", "baseline": "forty", "target": "1,0x"},
            current=None,
            new_id="o1",
            contacts=(),
            today=today,
        )
    assert _fields(exc) == {
        "title": "success.error.required",
        "baseline": "success.error.number",
        "target": "success.error.number",
    }
    with pytest.raises(PlanInputError) as exc:
        objective_from_form(
            {"title": "x", "baseline": 1}, current=None, new_id="o1", contacts=(), today=today
        )
    assert _fields(exc) == {
        "kpi_name": "success.error.kpi_name",
        "target": "success.error.required",
    }


def test_objective_form_creates_and_edits_keeping_history() -> None:
    today = date(2026, 11, 23)
    made = objective_from_form(
        {
            "title": "Faster close",
            "audience": "deep",
            "stakeholder": "c1",
            "kpi_name": "Hours per close",
            "unit": "h",
            "baseline": "1,200",
            "target": 400.5,
            "start": "2026-01-01",
            "due": "2027-03-31",
            "tasks": "Map the close\n\n Train the team ",
        },
        current=None,
        new_id="o4",
        contacts={"c1"},
        today=today,
    )
    assert made.id == "o4"
    assert made.audience is Audience.DEEP
    assert made.start == START
    assert made.kpi is not None
    assert (made.kpi.baseline, made.kpi.target) == (1200, 400.5)
    assert made.tasks == ["Map the close", "Train the team"]
    measured = made.model_copy(update={"kpi": with_reading(made.kpi, 900, today)})
    # A past due date is fine on an existing objective; baseline and target change, history stays.
    edited = objective_from_form(
        {"baseline": 1000, "target": "300", "due": "2026-06-30", "status": "at_risk"},
        current=measured,
        new_id="ignored",
        contacts=set(),  # the current stakeholder is not re-checked when not sent
        today=today,
    )
    assert edited.id == "o4"
    assert edited.kpi is not None
    assert (edited.kpi.baseline, edited.kpi.target) == (1000, 300)
    assert edited.kpi.history == measured.kpi.history if measured.kpi else False
    assert edited.status_override is ObjectiveStatus.AT_RISK
    assert edited.stakeholder_id == "c1"
    cleared = objective_from_form(
        {"kpi_name": "", "baseline": None, "target": "", "status": "auto"},
        current=edited,
        new_id="x",
        contacts=(),
        today=today,
    )
    assert cleared.kpi is None
    assert cleared.status_override is None


def test_reading_and_roi_forms() -> None:
    today = date(2026, 11, 23)
    assert reading_from_form({"value": "7.5", "date": "2026-11-01"}, today=today) == (
        7.5,
        date(2026, 11, 1),
    )
    assert reading_from_form({"value": 3}, today=today) == (3.0, today)
    with pytest.raises(PlanInputError) as exc:
        reading_from_form({"value": "seven", "date": "2026-12-01"}, today=today)
    assert _fields(exc) == {"value": "success.error.number", "date": "success.error.future"}
    roi = roi_from_form(
        {"hours_saved_per_month": "20", "hourly_cost": 2000}, current=None, currency="JPY"
    )
    assert roi.annual_fee == 0
    assert roi.currency == "JPY"
    assert roi.hours_saved_per_month == 20
    kept = roi_from_form({"annual_fee": 360_000, "currency": "usd"}, current=roi, currency="JPY")
    assert (kept.hourly_cost, kept.annual_fee, kept.currency) == (2000, 360_000, "USD")
    with pytest.raises(PlanInputError) as exc:
        roi_from_form(
            {"hourly_cost": -1, "other_savings": -5, "currency": "yen!"},
            current=None,
            currency="JPY",
        )
    assert _fields(exc) == {
        "hourly_cost": "success.error.negative",
        "currency": "success.error.currency",
    }


# ------------------------------------------------------------------ templates


def test_at_least_ten_templates_in_english_and_japanese() -> None:
    assert len(TEMPLATES) >= 10
    ids = [tpl.id for tpl in TEMPLATES]
    assert len(set(ids)) == len(ids)
    assert {g[0] for g in names.GOALS} <= set(ids)  # the demo's plans name real templates
    japanese = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
    for tpl in TEMPLATES:
        texts = [tpl.name, tpl.goal]
        audiences = set()
        for spec in tpl.objectives:
            texts += [spec.title, spec.kpi.name, spec.kpi.unit]
            audiences.add(spec.audience)
            assert spec.kpi.baseline != spec.kpi.target, tpl.id
            assert spec.months > 0
        assert audiences == {Audience.LIGHT, Audience.DEEP}, tpl.id  # both stories, always
        for words in texts:
            assert words.en.strip(), tpl.id
            assert words.ja.strip(), tpl.id
            assert japanese.search(words.ja) or words.ja == words.en, (tpl.id, words)
    assert any(spec.kpi.lower_is_better for tpl in TEMPLATES for spec in tpl.objectives)
    assert any(not spec.kpi.lower_is_better for tpl in TEMPLATES for spec in tpl.objectives)


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_template_objectives_are_valid(lang: str) -> None:
    today = date(2026, 11, 23)
    renewal = date(2027, 9, 30)
    people = {Audience.LIGHT: "c1", Audience.DEEP: "c2"}
    for tpl in TEMPLATES:
        objectives = objectives_from_template(
            tpl, lang=lang, today=today, renewal=renewal, stakeholders=people
        )
        plan = SuccessPlan.model_validate(
            {"account_id": "a", "objectives": [o.model_dump() for o in objectives]}
        )
        assert len(plan.objectives) == len(tpl.objectives)
        for obj, spec in zip(plan.objectives, tpl.objectives, strict=True):
            assert obj.title == spec.title.get(lang)
            assert obj.kpi is not None
            assert obj.start == today
            assert obj.due is not None
            assert obj.due > today
            assert obj.stakeholder_id == people[obj.audience]
            if obj.audience is Audience.DEEP:
                assert obj.due == renewal  # the executive judges at renewal
            assert objective_status(obj, today) is ObjectiveStatus.NOT_STARTED


# ------------------------------------------------------------------ workspace


def _acme(ws: Workspace) -> tuple[str, str, str]:
    acc = ws.create_account({"name": "Acme", "arr": 360_000, "renewal_date": date(2027, 6, 30)})
    champ = ws.add_contact(acc.id, {"name": "Aiko", "role": "champion"})
    boss = ws.add_contact(acc.id, {"name": "Ben", "role": "executive_sponsor"})
    return acc.id, champ.id, boss.id


def _writes(ws: Workspace) -> list[int]:
    seen: list[int] = []
    ws.subscribe(lambda event: seen.append(len(event.changes)))
    return seen


def test_workspace_plan_lifecycle_each_change_one_write(empty_ws: Workspace) -> None:
    ws = empty_ws
    account_id, champ, boss = _acme(ws)
    writes = _writes(ws)
    plan = ws.create_success_plan(account_id, goal="", template="month-end-close")
    assert plan.goal == "Close the books in half the time"
    assert plan.template == "month-end-close"
    deep = next(o for o in plan.objectives if o.audience is Audience.DEEP)
    light = next(o for o in plan.objectives if o.audience is Audience.LIGHT)
    assert deep.stakeholder_id == boss
    assert light.stakeholder_id == champ
    assert deep.due == date(2027, 6, 30)
    with pytest.raises(InvalidRecord) as err:
        ws.create_success_plan(account_id, goal="Other", template=None)
    assert "replace" in err.value.fields
    ws.update_success_plan(account_id, {"goal": "Close in 5 days"})
    added = ws.add_objective(
        account_id,
        {"title": "Fewer late invoices", "kpi_name": "Late", "baseline": 30, "target": 5},
    )
    assert added.id == "o3"
    ws.update_objective(account_id, light.id, {"baseline": 90, "target": 30})
    ws.record_kpi(account_id, light.id, 70, date(2026, 11, 1))
    ws.record_kpi(account_id, light.id, "60", date(2026, 11, 20))
    ws.set_roi(
        account_id, {"hours_saved_per_month": 20, "hourly_cost": 2000, "annual_fee": 360_000}
    )
    ws.remove_objective(account_id, added.id)
    assert writes == [1] * 8  # every change was a single record write
    stored = ws.success_plan(account_id)
    assert stored is not None
    assert stored.goal == "Close in 5 days"
    kept = next(o for o in stored.objectives if o.id == light.id)
    assert kept.kpi is not None
    assert (kept.kpi.baseline, kept.kpi.target) == (90, 30)
    assert [(m.date, m.value) for m in kept.kpi.history] == [
        (date(2026, 11, 1), 70),
        (date(2026, 11, 20), 60),
    ]
    assert [o.id for o in stored.objectives] == ["o1", "o2"]
    assert stored.roi is not None
    assert stored.roi.currency == "JPY"
    # The plan feeds health: the light objective has a reading, so outcomes has data.
    outcomes = next(m for m in ws.health(account_id).measures if m.key == "outcomes")
    assert outcomes.present
    # Replace: a fresh plan from another template, same record, ROI kept.
    again = ws.create_success_plan(account_id, goal="", template="cx", replace=True)
    assert again.id == stored.id
    assert again.roi == stored.roi
    assert again.template == "cx"
    assert len(ws.store.all(SuccessPlan.table)) == 1


def test_workspace_refuses_bad_input_and_writes_nothing(empty_ws: Workspace) -> None:
    ws = empty_ws
    account_id, champ, _ = _acme(ws)
    ws.create_success_plan(account_id, goal="Grow", template="sales-growth")
    before = ws.store.get(SuccessPlan.table, ws.success_plan(account_id).id)  # type: ignore[union-attr]
    writes = _writes(ws)
    bad: list[tuple[Any, ...]] = [
        (ws.add_objective, account_id, {"title": "x", "kpi_name": "k", "baseline": 1, "target": 1}),
        (
            ws.add_objective,
            account_id,
            {"title": "x", "kpi_name": "k", "baseline": "a", "target": 2},
        ),
        (ws.add_objective, account_id, {"title": "x", "due": "2026-11-22"}),
        (ws.add_objective, account_id, {"title": "x", "stakeholder": "nobody"}),
        (ws.update_objective, account_id, "o1", {"target": 8}),  # 8 is the baseline
        (ws.record_kpi, account_id, "o1", "n/a", None),
        (ws.record_kpi, account_id, "o9", 1, None),
        (ws.set_roi, account_id, {"annual_fee": -1}),
        (ws.create_success_plan, account_id),
    ]
    expected = [
        "target",
        "baseline",
        "due",
        "stakeholder",
        "target",
        "value",
        "",
        "annual_fee",
        "replace",
    ]
    for (call, *args), field in zip(bad, expected, strict=True):
        with pytest.raises(InvalidRecord) as err:
            call(*args)
        assert err.value.fields.get(field), (call.__name__, err.value.fields)
    assert writes == []
    assert ws.store.get(SuccessPlan.table, before["id"]) == before  # type: ignore[index]
    # Messages are worded in the user's language.
    i18n.set_language("ja")
    with pytest.raises(InvalidRecord) as err:
        ws.add_objective(account_id, {"title": "x", "kpi_name": "k", "baseline": 1, "target": 1})
    assert "目標値" in err.value.fields["target"][0]
    # A contact who has left cannot become a stakeholder.
    i18n.set_language("en")
    ws.store.put("contacts", champ, {"active": False})
    with pytest.raises(InvalidRecord) as err:
        ws.add_objective(account_id, {"title": "x", "stakeholder": champ})
    assert "not (or no longer) a contact" in err.value.fields["stakeholder"][0]
