"""Risk-flag rules (each positive and negative) and the alert lifecycle."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from pydantic import ValidationError

from cstui.domain.alerts import (
    Alert,
    Flag,
    compute_flags,
    is_active,
    reconcile_alerts,
    snooze,
)
from cstui.domain.enums import ActivityKind, ContactRole, Stage, SurveyKind, Tier
from cstui.domain.health import Band, HealthConfig, HealthInputs, HealthResult, compute_health
from cstui.domain.health_config import default_health_config
from cstui.domain.models import (
    Account,
    Activity,
    Contact,
    SurveyResponse,
    UsageHistory,
    UsageSnapshot,
)

AS_OF = date(2026, 6, 1)


@pytest.fixture(scope="module")
def cfg() -> HealthConfig:
    return default_health_config()


def quiet() -> HealthInputs:
    """A healthy high-touch account that raises no flag on 2026-06-01."""
    return HealthInputs(
        account=Account(
            id="A",
            name="Acme",
            tier=Tier.HIGH,
            stage=Stage.ADOPTION,
            seats=50,
            contract_start=date(2025, 6, 1),
            renewal_date=date(2027, 6, 1),
        ),
        usage=UsageHistory(
            account_id="A",
            snapshots=[
                UsageSnapshot(date=date(2026, 5, 1), active_users=40, logins=400),
                UsageSnapshot(date=date(2026, 5, 8), active_users=40, logins=400),
                UsageSnapshot(date=date(2026, 5, 31), active_users=40, logins=400),
            ],
        ),
        contacts=[
            Contact(id="c1", account_id="A", name="佐藤 花子", role=ContactRole.CHAMPION),
            Contact(id="c2", account_id="A", name="Ken Ito", role=ContactRole.END_USER),
        ],
        activities=[Activity(account_id="A", date=date(2026, 5, 25), summary="Weekly call")],
        surveys=[SurveyResponse(account_id="A", contact_id="c2", date=date(2026, 5, 1), score=9)],
    )


def flags_of(inputs: HealthInputs, cfg: HealthConfig, as_of: date = AS_OF) -> dict[str, Flag]:
    health = compute_health(inputs, cfg, as_of)
    return {f.rule: f for f in compute_flags(inputs, health, cfg, as_of)}


def test_quiet_account_has_no_flags(cfg: HealthConfig) -> None:
    assert flags_of(quiet(), cfg) == {}


# champion-left ------------------------------------------------------------------------------


def _with_contacts(*contacts: Contact) -> HealthInputs:
    return replace(quiet(), contacts=list(contacts))


def test_champion_left_recently_even_with_another_champion(cfg: HealthConfig) -> None:
    inputs = _with_contacts(
        Contact(
            id="c1",
            account_id="A",
            name="佐藤 花子",
            role=ContactRole.CHAMPION,
            active=False,
            left_on=date(2026, 5, 10),
        ),
        Contact(id="c3", account_id="A", name="Mia Kato", role=ContactRole.CHAMPION),
    )
    flag = flags_of(inputs, cfg)["champion-left"]
    assert flag.evidence == (
        "Champion 佐藤 花子 left on 2026-05-10; 1 active champion remains (Mia Kato)."
    )
    assert flag.since == date(2026, 5, 10)
    assert flag.account_id == "A"


def test_old_departure_with_a_remaining_champion_is_quiet(cfg: HealthConfig) -> None:
    inputs = _with_contacts(
        Contact(
            id="c1",
            account_id="A",
            name="Old",
            role=ContactRole.CHAMPION,
            active=False,
            left_on=date(2025, 11, 1),
        ),
        Contact(id="c3", account_id="A", name="Mia Kato", role=ContactRole.CHAMPION),
    )
    assert "champion-left" not in flags_of(inputs, cfg)


def test_no_champion_left_at_all_keeps_flagging(cfg: HealthConfig) -> None:
    inputs = _with_contacts(
        Contact(
            id="c1",
            account_id="A",
            name="Old",
            role=ContactRole.CHAMPION,
            active=False,
            left_on=date(2025, 11, 1),
        ),
        Contact(id="c4", account_id="A", name="Quiet", role=ContactRole.CHAMPION, active=False),
    )
    flag = flags_of(inputs, cfg)["champion-left"]
    assert flag.evidence == (
        "Champions Old left on 2025-11-01, Quiet is marked inactive; no active champion remains."
    )
    assert flag.since == date(2025, 11, 1)


def test_departure_after_as_of_is_not_known_yet(cfg: HealthConfig) -> None:
    inputs = _with_contacts(
        Contact(
            id="c1",
            account_id="A",
            name="Later",
            role=ContactRole.CHAMPION,
            active=False,
            left_on=date(2026, 6, 15),
        ),
    )
    assert "champion-left" not in flags_of(inputs, cfg)


# usage-drop ---------------------------------------------------------------------------------


def _usage(*readings: tuple[date, int, int]) -> HealthInputs:
    snaps = [UsageSnapshot(date=d, active_users=u, logins=lg) for d, u, lg in readings]
    return replace(quiet(), usage=UsageHistory(account_id="A", snapshots=snaps))


def test_usage_drop_against_reading_about_30_days_earlier(cfg: HealthConfig) -> None:
    inputs = _usage(
        (date(2026, 4, 24), 60, 600),  # 37 days before: within ±7, but farther from 30
        (date(2026, 5, 3), 50, 400),  # 28 days before: the reference
        (date(2026, 5, 24), 45, 390),
        (date(2026, 5, 31), 30, 380),
    )
    flag = flags_of(inputs, cfg)["usage-drop"]
    # active users 50 → 30 = −40 % (> 30 %); logins 400 → 380 = −5 % (not mentioned)
    assert flag.evidence == "Active users fell 40% (50 → 30) between 2026-05-03 and 2026-05-31."
    assert flag.since == date(2026, 5, 31)


def test_usage_drop_by_logins(cfg: HealthConfig) -> None:
    inputs = _usage((date(2026, 5, 1), 40, 1000), (date(2026, 5, 31), 40, 650))
    assert flags_of(inputs, cfg)["usage-drop"].evidence == (
        "Logins fell 35% (1,000 → 650) between 2026-05-01 and 2026-05-31."
    )


def test_usage_drop_exactly_30_percent_does_not_flag(cfg: HealthConfig) -> None:
    inputs = _usage((date(2026, 5, 1), 50, 100), (date(2026, 5, 31), 35, 70))  # −30 % both
    assert "usage-drop" not in flags_of(inputs, cfg)


def test_usage_drop_needs_a_reference_and_fresh_data(cfg: HealthConfig) -> None:
    # Only 10 days apart: no reading about 30 days earlier.
    assert "usage-drop" not in flags_of(
        _usage((date(2026, 5, 21), 50, 100), (date(2026, 5, 31), 10, 10)), cfg
    )
    # A real drop, but the latest reading is 91 days old: stale, no flag.
    stale = _usage((date(2026, 2, 1), 50, 100), (date(2026, 3, 2), 10, 10))
    assert "usage-drop" not in flags_of(stale, cfg)


# no-touch -----------------------------------------------------------------------------------


def test_no_touch_beyond_cadence(cfg: HealthConfig) -> None:
    # High touch: cadence 14 days. Last call 2026-05-17 = 15 days before 2026-06-01.
    acts = [Activity(account_id="A", kind=ActivityKind.CALL, date=date(2026, 5, 17), summary="x")]
    flag = flags_of(replace(quiet(), activities=acts), cfg)["no-touch"]
    assert flag.evidence == (
        "Last touch 15 days ago on 2026-05-17 (call); high touch expects one every 14 days."
    )
    assert flag.since == date(2026, 6, 1)


def test_no_touch_exactly_at_cadence_is_fine(cfg: HealthConfig) -> None:
    acts = [Activity(account_id="A", date=date(2026, 5, 18), summary="x")]  # 14 days
    assert "no-touch" not in flags_of(replace(quiet(), activities=acts), cfg)


def test_no_touch_ever_counts_from_contract_start(cfg: HealthConfig) -> None:
    flag = flags_of(replace(quiet(), activities=[]), cfg)["no-touch"]
    assert flag.evidence.startswith("No touch logged since the contract started on 2025-06-01")
    assert flag.since == date(2025, 6, 16)  # first day past the 14-day cadence


# renewal-risk -------------------------------------------------------------------------------


def _renewal(days: int, surveys_score: int) -> HealthInputs:
    base = quiet()
    assert isinstance(base.account, Account)
    account = base.account.model_copy(update={"renewal_date": AS_OF + timedelta(days=days)})
    surveys = [
        SurveyResponse(account_id="A", contact_id="c2", date=date(2026, 5, 1), score=surveys_score)
    ]
    return replace(base, account=account, surveys=surveys)


def test_renewal_risk_when_not_green(cfg: HealthConfig) -> None:
    # Stage adoption; points: adoption 40/50 = 0.8 → 100, maturity 0/10 → 0,
    # engagement 7/14 = 0.5 → 100, sentiment NPS 3 → 0, support 0 tickets → 100.
    # (100×25 + 0×15 + 100×20 + 0×15 + 100×10) / 85 = 5500 / 85 = 64.7 → 65, yellow.
    inputs = _renewal(89, 3)
    health = compute_health(inputs, cfg, AS_OF)
    assert (health.score, health.band.value) == (65, "yellow")
    flag = flags_of(inputs, cfg)["renewal-risk"]
    assert flag.evidence == "Renews on 2026-08-29 (in 89 days) with health 65 (yellow)."
    assert flag.since == AS_OF - timedelta(days=1)


def test_renewal_risk_negatives(cfg: HealthConfig) -> None:
    assert "renewal-risk" not in flags_of(_renewal(90, 3), cfg)  # outside: 0 ≤ days < 90
    # NPS 10 → sentiment 100: (5500 + 1500) / 85 = 82.4 → green
    assert "renewal-risk" not in flags_of(_renewal(30, 10), cfg)
    assert "renewal-risk" not in flags_of(_renewal(-1, 3), cfg)  # past, yellow: overdue only
    assert "renewal-overdue" in flags_of(_renewal(-1, 3), cfg)


# detractor ----------------------------------------------------------------------------------


def _surveys(*answers: tuple[date, int]) -> HealthInputs:
    return replace(
        quiet(),
        surveys=[
            SurveyResponse(account_id="A", contact_id="c2", date=d, score=s, comment="遅い")
            for d, s in answers
        ],
    )


def test_detractor_within_90_days(cfg: HealthConfig) -> None:
    flag = flags_of(_surveys((date(2026, 3, 3), 6), (date(2026, 5, 2), 9)), cfg)["detractor"]
    assert flag.evidence == 'NPS 6 from Ken Ito on 2026-03-03 ("遅い").'  # 90 days: included
    assert flag.since == date(2026, 3, 3)


def test_detractor_negatives(cfg: HealthConfig) -> None:
    assert "detractor" not in flags_of(_surveys((date(2026, 5, 1), 7)), cfg)  # passive
    assert "detractor" not in flags_of(_surveys((date(2026, 3, 2), 2)), cfg)  # 91 days ago
    csat = replace(
        quiet(),
        surveys=[SurveyResponse(account_id="A", kind=SurveyKind.CSAT, date=AS_OF, score=1)],
    )
    assert "detractor" not in flags_of(csat, cfg)


def test_unscored_stage_raises_no_flags(cfg: HealthConfig) -> None:
    quiet_account = quiet().account
    assert isinstance(quiet_account, Account)
    churned = quiet_account.model_copy(update={"stage": Stage.CHURNED})
    inputs = replace(quiet(), account=churned, activities=[])
    assert flags_of(inputs, cfg) == {}


# alerts -------------------------------------------------------------------------------------


def _flag(rule: str, evidence: str = "e", account: str = "A") -> Flag:
    return Flag(rule, account, evidence, None)


def test_new_flags_open_alerts_with_stable_ids() -> None:
    alerts = reconcile_alerts([], [_flag("no-touch"), _flag("detractor")], AS_OF)
    assert [a.id for a in alerts] == ["A:no-touch", "A:detractor"]
    assert all(a.first_seen == a.last_seen == AS_OF and not a.resolved for a in alerts)
    assert Alert.model_validate(alerts[0].to_record()) == alerts[0]


def test_persisting_flag_updates_without_duplicating() -> None:
    day2 = AS_OF + timedelta(days=1)
    first = reconcile_alerts([], [_flag("no-touch", "15 days")], AS_OF)
    second = reconcile_alerts(first, [_flag("no-touch", "16 days")], day2)
    assert len(second) == 1
    assert (second[0].first_seen, second[0].last_seen, second[0].evidence) == (
        AS_OF,
        day2,
        "16 days",
    )
    assert first[0].last_seen == AS_OF  # input not modified
    assert reconcile_alerts(second, [_flag("no-touch", "16 days")], day2)[0] is second[0]


def test_vanished_flag_resolves_and_reappearing_flag_reopens() -> None:
    day5 = AS_OF + timedelta(days=5)
    opened = reconcile_alerts([], [_flag("no-touch")], AS_OF)
    resolved = reconcile_alerts(opened, [], AS_OF + timedelta(days=1))
    assert resolved[0].resolved
    assert resolved[0].resolved_on == AS_OF + timedelta(days=1)
    assert not is_active(resolved[0], day5)
    reopened = reconcile_alerts(resolved, [_flag("no-touch", "again")], day5)
    assert len(reopened) == 1
    assert not reopened[0].resolved
    assert reopened[0].first_seen == day5
    assert reopened[0].evidence == "again"


def test_scope_limits_what_resolves() -> None:
    opened = reconcile_alerts(
        [], [_flag("no-touch", account="A"), _flag("no-touch", account="B")], AS_OF
    )
    after = reconcile_alerts(opened, [_flag("no-touch", account="B")], AS_OF, scope={"B"})
    assert [a.resolved for a in after] == [False, False]
    after = reconcile_alerts(opened, [], AS_OF, scope={"B"})
    assert [(a.account_id, a.resolved) for a in after] == [("A", False), ("B", True)]


def test_snooze_hides_until_the_date_and_needs_a_reason() -> None:
    alert = reconcile_alerts([], [_flag("usage-drop")], AS_OF)[0]
    with pytest.raises(ValueError, match="A snooze needs a reason"):
        snooze(alert, date(2026, 6, 10), "   ", "me")
    snoozed = snooze(alert, date(2026, 6, 10), "Customer on holiday", "me")
    assert (snoozed.snooze_reason, snoozed.snoozed_by) == ("Customer on holiday", "me")
    assert is_active(alert, AS_OF)
    assert not is_active(snoozed, AS_OF)
    assert not is_active(snoozed, date(2026, 6, 9))
    assert is_active(snoozed, date(2026, 6, 10))
    # The flag persists: the alert stays snoozed, it is not re-opened or duplicated.
    later = reconcile_alerts([snoozed], [_flag("usage-drop", "worse")], date(2026, 6, 5))
    assert len(later) == 1
    assert not is_active(later[0], date(2026, 6, 5))
    assert later[0].snoozed_until == date(2026, 6, 10)


def test_alert_id_is_derived_and_rule_checked() -> None:
    alert = Alert(
        id="whatever", account_id="X", rule="detractor", first_seen=AS_OF, last_seen=AS_OF
    )
    assert alert.id == "X:detractor"
    with pytest.raises(ValidationError, match="is not an alert rule"):
        Alert(account_id="X", rule="bad-rule", first_seen=AS_OF, last_seen=AS_OF)


def test_flag_label_key() -> None:
    assert _flag("renewal-risk").label == "health.flag.renewal-risk"


def test_renewal_risk_reads_the_given_health(cfg: HealthConfig) -> None:
    inputs = _renewal(30, 3)  # computed yellow, but a manual 5-star rating makes it green
    green = HealthResult("A", AS_OF, score=90, computed_score=65, band=Band.GREEN, measures=[])
    assert all(f.rule != "renewal-risk" for f in compute_flags(inputs, green, cfg, AS_OF))
    unknown = HealthResult("A", AS_OF, None, None, Band.UNKNOWN, [])
    flag = {f.rule: f for f in compute_flags(inputs, unknown, cfg, AS_OF)}["renewal-risk"]
    assert flag.evidence == "Renews on 2026-07-01 (in 30 days) with no health score."


def test_overdue_renewal_flags_and_on_a_red_account_raises_renewal_risk(
    cfg: HealthConfig,
) -> None:
    inputs = _renewal(-12, 3)
    red = HealthResult("A", AS_OF, score=22, computed_score=22, band=Band.RED, measures=[])
    flags = {f.rule: f for f in compute_flags(inputs, red, cfg, AS_OF)}
    assert flags["renewal-overdue"].evidence == (
        "Renewal on 2026-05-20 passed 12 days ago with no outcome recorded."
    )
    assert flags["renewal-overdue"].since == date(2026, 5, 21)
    assert "passed 12 days ago" in flags["renewal-risk"].evidence
    yellow = HealthResult("A", AS_OF, score=55, computed_score=55, band=Band.YELLOW, measures=[])
    rules = {f.rule for f in compute_flags(inputs, yellow, cfg, AS_OF)}
    assert "renewal-overdue" in rules
    assert "renewal-risk" not in rules
    assert isinstance(inputs.account, Account)
    in_renewal = replace(inputs, account=inputs.account.model_copy(update={"stage": Stage.RENEWAL}))
    assert "renewal-overdue" in {f.rule for f in compute_flags(in_renewal, red, cfg, AS_OF)}
