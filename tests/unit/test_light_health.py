"""The rescore's light path (stored records) scores and flags exactly as the model path."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from cstui.domain.alerts import compute_flags
from cstui.domain.health import HealthInputs, HealthResult, compute_health
from cstui.domain.light import LightSnapshots, LightUsage
from cstui.domain.models import (
    Activity,
    Contact,
    SurveyResponse,
    UsageHistory,
    UsageSnapshot,
)
from cstui.workspace import Workspace

DAYS = (date(2026, 11, 23), date(2026, 8, 1), date(2026, 2, 14))


def _summary(result: HealthResult) -> tuple[object, ...]:
    measures = [
        (m.key, m.raw, m.points, m.contribution, m.raw_msg.render("en"), m.raw_msg.render("ja"))
        for m in result.measures
    ]
    return (result.score, result.computed_exact, result.band, result.last_touch, measures)


def _model_path(ws: Workspace, account_id: str, day: date) -> tuple[object, ...]:
    inputs = ws.health_inputs(account_id)
    result = compute_health(inputs, ws.settings.health, day)
    flags = compute_flags(inputs, result, ws.settings.health, day)
    return _summary(result), [(f.rule, f.since, f.text("en"), f.text("ja")) for f in flags]


def _light(
    ws: Workspace, account_id: str, day: date, inputs: HealthInputs | None
) -> tuple[object, ...]:
    assert inputs is not None
    result = compute_health(inputs, ws.settings.health, day)
    flags = compute_flags(inputs, result, ws.settings.health, day)
    return _summary(result), [(f.rule, f.since, f.text("en"), f.text("ja")) for f in flags]


@pytest.mark.parametrize("day", DAYS)
def test_light_path_matches_model_path_on_demo_book(demo_ws: Workspace, day: date) -> None:
    ids = [a.id for a in demo_ws.accounts()]
    flagged = 0
    for account_id in ids:
        light = _light(demo_ws, account_id, day, demo_ws.light_health_inputs(account_id))
        model = _model_path(demo_ws, account_id, day)
        assert light == model, account_id
        flagged += bool(model[1])
    assert flagged > 0  # the comparison covers flags, not only empty lists


def test_grouped_tables_give_the_same_inputs(demo_ws: Workspace) -> None:
    day = DAYS[0]
    groups = {
        m.table: demo_ws._grouped(m) for m in (UsageHistory, Contact, Activity, SurveyResponse)
    }
    for account in demo_ws.accounts():
        grouped = _light(demo_ws, account.id, day, demo_ws.light_health_inputs(account.id, groups))
        assert grouped == _model_path(demo_ws, account.id, day)


def test_evaluate_matches_per_account_health_and_flags(demo_ws: Workspace) -> None:
    day = DAYS[0]
    for result, flags in demo_ws.evaluate(as_of=day):
        assert _summary(result) == _summary(demo_ws.health(result.account_id, day))
        assert [f.rule for f in flags] == [f.rule for f in demo_ws.flags(result.account_id, day)]


def test_light_snapshots_sorted_by_date_like_the_model() -> None:
    start = date(2026, 1, 5)
    raw = [
        UsageSnapshot(date=start + timedelta(days=7 * k), active_users=k).model_dump(mode="json")
        for k in (3, 1, 2, 0)
    ]
    light = LightUsage.from_record({"features_total": 5, "snapshots": raw}).snapshots
    model = UsageHistory(account_id="a", features_total=5, snapshots=raw).snapshots
    assert [(s.date, s.active_users) for s in light] == [(s.date, s.active_users) for s in model]


def test_light_snapshots_index_like_a_list() -> None:
    raw = [{"date": "2026-01-01", "logins": 4}, {"date": "2026-01-08", "logins": 9}]
    snaps = LightSnapshots(raw)
    assert (len(snaps), snaps[-1].logins, [s.logins for s in snaps[0:1]]) == (2, 9, [4])


def test_light_account_reads_stored_record(demo_ws: Workspace) -> None:
    account = demo_ws.accounts()[0]
    light = demo_ws.light_health_inputs(account.id)
    assert light is not None
    got = light.account
    assert (got.id, got.tier, got.stage, got.contract_start, got.renewal_date, got.seats) == (
        account.id,
        account.tier,
        account.stage,
        account.contract_start,
        account.renewal_date,
        account.seats,
    )


def test_light_inputs_of_unknown_account_is_none(demo_ws: Workspace) -> None:
    assert demo_ws.light_health_inputs("no-such-account") is None
