"""The health model against hand-computed numbers.

All scores use the shipped config (cstui/defaults/health.toml) unless a test says otherwise.
Points of a measure = (raw − poor) ÷ (good − poor) × 100, clamped to 0–100.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from cstui.domain.config import ConfigError, find_key_line
from cstui.domain.enums import ObjectiveStatus, Stage, SurveyKind, Tier
from cstui.domain.health import (
    MEASURES,
    Band,
    HealthConfig,
    HealthInputs,
    MeasureResult,
    band_for,
    compute_health,
    round_score,
    trend,
    trend_arrow,
)
from cstui.domain.health_config import (
    ManualRating,
    default_health_config,
    load_default_text,
    parse_health_config,
)
from cstui.domain.models import (
    KPI,
    Account,
    Activity,
    Measurement,
    Objective,
    OnboardingItem,
    OnboardingPlan,
    SuccessPlan,
    SurveyResponse,
    UsageHistory,
    UsageSnapshot,
)
from cstui.domain.success import objective_status
from cstui.i18n import render

AS_OF = date(2026, 6, 1)
USER = "~/.config/cstui/health.toml"


@pytest.fixture(scope="module")
def cfg() -> HealthConfig:
    return default_health_config()


def _kpi_objective(oid: str, reading: float, *extra: Measurement) -> Objective:
    # start 2026-01-01, due 302 days later: on 2026-06-01 (151 days in) half the time is gone,
    # so "on track" needs progress ≥ 0.8 × 0.5 = 0.4.
    start = date(2026, 1, 1)
    return Objective(
        id=oid,
        title=f"Objective {oid}",
        start=start,
        due=start + timedelta(days=302),
        kpi=KPI(
            name="Deals",
            baseline=0,
            target=100,
            history=[Measurement(date=date(2026, 5, 15), value=reading), *extra],
        ),
    )


def typical(stage: Stage = Stage.ADOPTION) -> HealthInputs:
    """The crafted account "A" (mid touch, 100 seats), with the points each measure earns.

    adoption   50 of 100 seats active: 0.5 → (0.5−0.2)/0.6 = 50 points
    maturity   4 of 10 key features: 0.4 → (0.4−0.1)/0.5 = 60 points
    engagement last touch 33 days ago, mid cadence 30: 1.1 → (1.1−2)/(0.5−2) = 60 points
    sentiment  latest NPS per person: 9 (c1; its older 4 is superseded) and 6 (c2):
               mean 7.5 → (7.5−3)/6 = 75 points
    support    1 open ticket per 50 users = 0.2 per 10 → (0.2−2)/(0.2−2) = 100 points
    outcomes   X achieved (override), B on track (0.45 ≥ 0.4), C at risk (0.30 < 0.4),
               D has no reading yet (skipped): 2 of 3 → 66.67 points
    """
    account = Account(
        id="A",
        name="株式会社エー",
        tier=Tier.MID,
        stage=stage,
        seats=100,
        contract_start=date(2025, 12, 1),
        renewal_date=date(2026, 12, 1),
    )
    usage = UsageHistory(
        id="uA",
        account_id="A",
        features_total=10,
        snapshots=[
            UsageSnapshot(date=date(2026, 5, 1), active_users=40, features_used=2, open_tickets=9),
            UsageSnapshot(date=date(2026, 5, 25), active_users=50, features_used=4, open_tickets=1),
        ],
    )
    surveys = [
        SurveyResponse(account_id="A", contact_id="c1", date=date(2026, 2, 1), score=4),
        SurveyResponse(account_id="A", contact_id="c1", date=date(2026, 4, 1), score=9),
        SurveyResponse(account_id="A", contact_id="c2", date=date(2026, 3, 1), score=6),
    ]
    activities = [
        Activity(account_id="A", date=date(2026, 3, 1), summary="QBR"),
        Activity(account_id="A", date=date(2026, 4, 29), summary="Call"),  # 33 days before
    ]
    plan = SuccessPlan(
        account_id="A",
        objectives=[
            Objective(id="X", title="Done", status_override=ObjectiveStatus.ACHIEVED),
            _kpi_objective("B", 45),
            _kpi_objective("C", 30),
            Objective(id="D", title="No reading", kpi=KPI(name="k", baseline=0, target=1)),
        ],
    )
    return HealthInputs(
        account=account,
        usage=usage,
        activities=activities,
        surveys=surveys,
        success_plan=plan,
    )


def by_key(measures: list[MeasureResult]) -> dict[str, MeasureResult]:
    return {m.key: m for m in measures}


def test_typical_account_hand_computed(cfg: HealthConfig) -> None:
    result = compute_health(typical(), cfg, AS_OF)
    # Adoption-stage weights: adoption 25, maturity 15, engagement 20, sentiment 15,
    # support 10, outcomes 15 (onboarding 0 and not scored after onboarding). Σw = 100.
    # Σ points × weight = 50×25 + 60×15 + 60×20 + 75×15 + 100×10 + 66.67×15
    #                   = 1250 + 900 + 1200 + 1125 + 1000 + 1000 = 6475 → 64.75 → 65.
    m = by_key(result.measures)
    assert [x.key for x in result.measures] == list(MEASURES)
    assert m["adoption"].points == pytest.approx(50)
    assert m["adoption"].raw_msg.render("en") == "50 of 100 seats active"
    assert m["maturity"].points == pytest.approx(60)
    assert m["engagement"].points == pytest.approx(60)
    assert m["engagement"].raw == pytest.approx(1.1)
    assert m["sentiment"].raw == pytest.approx(7.5)
    assert m["sentiment"].points == pytest.approx(75)
    assert m["support"].points == pytest.approx(100)
    assert m["outcomes"].raw_msg.render("en") == "2 of 3 objectives on track or achieved"
    assert m["outcomes"].points == pytest.approx(200 / 3)
    assert m["onboarding"].points is None
    assert (
        render(m["onboarding"].missing_msg, "en")
        == "only scored in the kickoff and onboarding stages"
    )
    assert result.computed_exact == pytest.approx(64.75)
    assert result.score == result.computed_score == 65
    assert result.band is Band.YELLOW
    assert m["adoption"].contribution == pytest.approx(12.5)  # 50 × 25 / 100
    assert m["adoption"].label == "health.measure.adoption"
    assert result.last_touch == date(2026, 4, 29)


def test_contributions_sum_to_score(cfg: HealthConfig) -> None:
    result = compute_health(typical(), cfg, AS_OF)
    total = sum(m.contribution for m in result.measures if m.contribution is not None)
    assert total == pytest.approx(result.computed_exact)
    assert result.computed_score is not None
    assert abs(total - result.computed_score) <= 0.5


def test_missing_measures_renormalise_not_zero(cfg: HealthConfig) -> None:
    inputs = replace(typical(), surveys=[], success_plan=None)
    result = compute_health(inputs, cfg, AS_OF)
    # Present: adoption 25, maturity 15, engagement 20, support 10 → Σw = 70.
    # Σ p×w = 1250 + 900 + 1200 + 1000 = 4350 → 4350 / 70 = 62.142… → 62.
    assert result.computed_exact == pytest.approx(4350 / 70)
    assert result.score == 62
    m = by_key(result.measures)
    assert render(m["sentiment"].missing_msg, "en") == "no survey in 180 days"
    assert render(m["outcomes"].missing_msg, "en") == "no success plan"
    assert m["sentiment"].contribution is None
    assert m["adoption"].contribution == pytest.approx(1250 / 70)
    assert {x.key for x in result.missing} == {"sentiment", "outcomes", "onboarding"}


def test_no_data_means_no_score(cfg: HealthConfig) -> None:
    result = compute_health(HealthInputs(Account(id="N", name="Nothing")), cfg, AS_OF)
    assert result.score is None
    assert result.computed_score is None
    assert result.band is Band.UNKNOWN
    reasons = {m.key: render(m.missing_msg, "en") for m in result.measures}
    assert reasons["adoption"] == "no usage data"
    assert reasons["engagement"] == "no touch logged"
    assert reasons["onboarding"] == "no onboarding plan"


def test_stale_usage_is_missing(cfg: HealthConfig) -> None:
    # The latest reading (2026-05-25) is 68 days old on 2026-08-01: over the 60-day limit.
    result = compute_health(typical(), cfg, date(2026, 8, 1))
    m = by_key(result.measures)
    assert render(m["adoption"].missing_msg, "en") == "no usage data since 2026-05-25 (68 days ago)"
    assert m["support"].points is None


def test_onboarding_stage_profile(cfg: HealthConfig) -> None:
    plan = OnboardingPlan(
        account_id="A",
        start=date(2026, 5, 1),
        items=[
            OnboardingItem(id="1", phase="w1", title="Kickoff", offset_days=0, done=True),
            OnboardingItem(id="2", phase="w1", title="Invite", offset_days=7, done=True),
            OnboardingItem(id="3", phase="w2", title="SSO", offset_days=14, done=True),
            OnboardingItem(id="4", phase="w3", title="Import", due=date(2026, 5, 31)),
            # Not due by 2026-06-01: ignored, even though it is done.
            OnboardingItem(id="5", phase="w6", title="Report", offset_days=40, done=True),
            # Done, but only after as_of: counts as not done on 2026-06-01.
            OnboardingItem(
                id="6",
                phase="w2",
                title="Train",
                offset_days=10,
                done=True,
                done_on=date(2026, 6, 3),
            ),
        ],
    )
    inputs = replace(typical(Stage.ONBOARDING), onboarding=plan)
    result = compute_health(inputs, cfg, AS_OF)
    m = by_key(result.measures)
    # Due by 2026-06-01: items 1, 2, 3, 4, 6 = 5; done by then: 1, 2, 3 = 3 → 0.6
    # → (0.6 − 0.5) / 0.5 = 20 points.
    assert m["onboarding"].raw_msg.render("en") == "3 of 5 items due so far done"
    assert m["onboarding"].points == pytest.approx(20)
    # Onboarding weights: adoption 20, maturity 0, engagement 20, sentiment 10, support 10,
    # onboarding 30, outcomes 10 → Σw = 100.
    # Σ p×w = 50×20 + 60×0 + 60×20 + 75×10 + 100×10 + 20×30 + 66.67×10
    #       = 1000 + 0 + 1200 + 750 + 1000 + 600 + 666.67 = 5216.67 → 52.17 → 52.
    assert m["maturity"].weight == 0
    assert m["maturity"].contribution == 0
    assert result.computed_exact == pytest.approx(52.1666667)
    assert result.score == 52


def test_renewal_profile_weighs_outcomes_and_sentiment(cfg: HealthConfig) -> None:
    result = compute_health(typical(Stage.RENEWAL), cfg, AS_OF)
    # Renewal weights: adoption 20, maturity 10, engagement 20, sentiment 20, support 10,
    # outcomes 20 → Σw = 100. Σ p×w = 1000 + 600 + 1200 + 1500 + 1000 + 1333.33 = 6633.33.
    assert result.computed_exact == pytest.approx(66.333333)
    assert result.score == 66


@pytest.mark.parametrize("stage", [Stage.CHURNED, Stage.NOT_A_FIT])
def test_terminal_stages_are_not_scored(cfg: HealthConfig, stage: Stage) -> None:
    rating = ManualRating(stars=5, reason="Loves us", by="me", at=datetime(2026, 5, 1, tzinfo=UTC))
    result = compute_health(replace(typical(stage), override=rating), cfg, AS_OF)
    assert result.score is None
    assert result.band is Band.UNKNOWN
    assert result.measures == []
    assert "not scored" in render(result.unscored_msg, "en")


@pytest.mark.parametrize(
    ("score", "band"),
    [
        (0, Band.RED),
        (39, Band.RED),
        (40, Band.YELLOW),
        (69, Band.YELLOW),
        (70, Band.GREEN),
        (100, Band.GREEN),
        (None, Band.UNKNOWN),
    ],
)
def test_band_edges(cfg: HealthConfig, score: int | None, band: Band) -> None:
    assert band_for(score, cfg) is band


def test_band_applies_to_rounded_score(cfg: HealthConfig) -> None:
    # Only adoption has data. raw 0.44 → (0.44−0.2)/0.6 = 40 points → 40 → yellow.
    # raw 0.434 → 39 points → red. raw 0.617 → 69.5 → rounds half up to 70 → green.
    def score_at(active: int, seats: int) -> tuple[int | None, Band]:
        usage = UsageHistory(
            account_id="E",
            snapshots=[UsageSnapshot(date=AS_OF, active_users=active, open_tickets=0)],
            features_total=0,  # maturity missing
        )
        account = Account(id="E", name="Edge", stage=Stage.ADOPTION, seats=seats)
        weights_only_adoption = parse_health_config(
            "[weights]\nsupport = 0\nengagement = 0\n"
            "[rules]\nmin_measures = 1\nmin_weight_pct = 0\n",  # one measure may score here
            USER,
            cfg,
        )
        r = compute_health(HealthInputs(account, usage), weights_only_adoption, AS_OF)
        return r.score, r.band

    assert score_at(44, 100) == (40, Band.YELLOW)
    assert score_at(434, 1000) == (39, Band.RED)
    assert score_at(1234, 2000) == (70, Band.GREEN)  # 0.617 → 69.5 → 70
    assert score_at(69, 100) == (82, Band.GREEN)
    assert round_score(69.5) == 70
    assert round_score(39.49) == 39


def test_override_with_stars(cfg: HealthConfig) -> None:
    at = datetime(2026, 5, 20, 10, 0, tzinfo=UTC)
    rating = ManualRating(stars=4, reason="Exec loved the QBR", by="sato", at=at)
    result = compute_health(replace(typical(), override=rating), cfg, AS_OF)
    assert result.score == 70  # 4 stars → 70
    assert result.band is Band.GREEN
    assert result.computed_score == 65  # still shown alongside
    assert result.override is not None
    assert (result.override.by, result.override.at, result.override.reason) == (
        "sato",
        at,
        "Exec loved the QBR",
    )


def test_override_with_score_and_not_before_it_was_set(cfg: HealthConfig) -> None:
    rating = ManualRating(
        score=25, reason="Champion about to leave", by="sato", at=datetime(2026, 5, 20, tzinfo=UTC)
    )
    inputs = replace(typical(), override=rating)
    assert compute_health(inputs, cfg, AS_OF).score == 25
    assert compute_health(inputs, cfg, AS_OF).band is Band.RED
    earlier = compute_health(inputs, cfg, date(2026, 5, 19))
    assert earlier.override is None
    assert earlier.score == earlier.computed_score


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"stars": 4, "reason": "  "}, "A manual rating needs a reason"),
        ({"stars": 4}, "A manual rating needs a reason"),
        ({"stars": 4, "score": 80, "reason": "x"}, "either stars (1 to 5) or a score"),
        ({"reason": "x"}, "either stars (1 to 5) or a score"),
        ({"stars": 6, "reason": "x"}, "Stars must be between 1 and 5, not 6."),
        ({"score": 101, "reason": "x"}, "A score must be between 0 and 100, not 101."),
    ],
)
def test_manual_rating_validation(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message.replace("(", r"\(").replace(")", r"\)")):
        ManualRating(by="me", at=datetime(2026, 1, 1, tzinfo=UTC), **fields)


def test_future_data_is_ignored(cfg: HealthConfig) -> None:
    base = typical()
    later = date(2026, 6, 2)
    assert isinstance(base.usage, UsageHistory)
    assert isinstance(base.success_plan, SuccessPlan)
    noisy = replace(
        base,
        usage=base.usage.model_copy(
            update={
                "snapshots": [
                    *base.usage.snapshots,
                    UsageSnapshot(date=later, active_users=100, features_used=10),
                ]
            }
        ),
        activities=[*base.activities, Activity(account_id="A", date=later, summary="Visit")],
        surveys=[
            *base.surveys,
            SurveyResponse(account_id="A", contact_id="c1", date=later, score=0),
        ],
        success_plan=base.success_plan.model_copy(
            update={
                "objectives": [
                    *base.success_plan.objectives[:1],
                    # A later, worse reading of B must not turn it at risk on 2026-06-01.
                    _kpi_objective("B", 45, Measurement(date=later, value=5)),
                    *base.success_plan.objectives[2:],
                ]
            }
        ),
    )
    a = compute_health(base, cfg, AS_OF)
    b = compute_health(noisy, cfg, AS_OF)
    assert [(m.raw, m.points) for m in a.measures] == [(m.raw, m.points) for m in b.measures]
    assert b.score == 65
    # ...and on the later day the new data is used.
    assert by_key(compute_health(noisy, cfg, later).measures)["adoption"].points == 100


def test_backfill_uses_what_was_known(cfg: HealthConfig) -> None:
    # On 2026-05-10 the latest reading is 2026-05-01: 40 of 100 seats → 0.4 → 33.33 points.
    past = compute_health(typical(), cfg, date(2026, 5, 10))
    m = by_key(past.measures)
    assert m["adoption"].points == pytest.approx(100 / 3)
    assert m["engagement"].raw == pytest.approx(11 / 30)  # touch on 04-29, 11 days before
    assert m["sentiment"].raw == pytest.approx(7.5)


def test_csat_used_when_no_nps(cfg: HealthConfig) -> None:
    surveys = [
        SurveyResponse(
            account_id="A", kind=SurveyKind.CSAT, contact_id="c1", date=date(2026, 5, 1), score=4
        ),
        SurveyResponse(account_id="A", kind=SurveyKind.CSAT, date=date(2026, 5, 2), score=5),
    ]
    result = compute_health(replace(typical(), surveys=surveys), cfg, AS_OF)
    m = by_key(result.measures)["sentiment"]
    # mean CSAT 4.5 → (4.5 − 1) × 2.5 = 8.75 of 10 → (8.75 − 3) / 6 = 95.83 points
    assert m.raw == pytest.approx(8.75)
    assert m.points == pytest.approx(95.8333333)
    assert m.raw_msg.render("en") == "CSAT 4.5 of 5 (2 respondents, no NPS) = 8.8 of 10"


def test_engagement_counts_from_contract_start_when_nothing_logged(cfg: HealthConfig) -> None:
    result = compute_health(replace(typical(), activities=[]), cfg, AS_OF)
    m = by_key(result.measures)["engagement"]
    # contract start 2025-12-01 → 182 days, / 30 = 6.07 → 0 points (worse than poor 2.0)
    assert m.raw == pytest.approx(182 / 30)
    assert m.points == 0


def test_objective_status_rules() -> None:
    obj = _kpi_objective("B", 45)
    assert objective_status(obj, AS_OF) is ObjectiveStatus.ON_TRACK
    assert objective_status(_kpi_objective("C", 39.9), AS_OF) is ObjectiveStatus.AT_RISK
    assert objective_status(_kpi_objective("D", 100), AS_OF) is ObjectiveStatus.ACHIEVED
    assert objective_status(obj, date(2026, 12, 1)) is ObjectiveStatus.MISSED
    assert objective_status(obj, date(2025, 12, 31)) is ObjectiveStatus.NOT_STARTED
    # Lower-is-better KPI: baseline 10 h, target 4 h, now 7 h → progress 0.5.
    down = Objective(
        id="E",
        title="Faster close",
        due=date(2026, 12, 31),
        kpi=KPI(
            name="hours",
            baseline=10,
            target=4,
            history=[Measurement(date=date(2026, 5, 1), value=7)],
        ),
    )
    assert objective_status(down, AS_OF, default_start=date(2026, 1, 1)) is ObjectiveStatus.ON_TRACK


def test_trend_and_arrow(cfg: HealthConfig) -> None:
    history = [
        (date(2026, 4, 20), 50),
        (date(2026, 5, 1), 60),
        (date(2026, 5, 20), 62),
        (date(2026, 6, 1), 65),
    ]
    # Latest on or before 06-01 is 65; latest on or before 05-02 is 60 (05-01) → +5.
    assert trend(history, AS_OF) == 5
    assert trend_arrow(5, cfg) == "up"
    assert trend_arrow(3, cfg) == "flat"
    assert trend_arrow(-3, cfg) == "flat"
    assert trend_arrow(-4, cfg) == "down"
    assert trend_arrow(None, cfg) is None
    assert trend(history, date(2026, 5, 1)) is None  # nothing 30 days before
    assert trend(list(reversed(history)), AS_OF, days=40) == 15  # 65 − 50 (04-20)


# --------------------------------------------------------------------------------------------
# Configuration
# --------------------------------------------------------------------------------------------


def test_shipped_config_values(cfg: HealthConfig) -> None:
    assert "[weights]" in load_default_text()
    assert cfg.red_below == 40
    assert cfg.green_from == 70
    assert cfg.cadence == {Tier.HIGH: 14, Tier.MID: 30, Tier.TECH: 90}
    assert cfg.star_scores == {1: 10, 2: 30, 3: 50, 4: 70, 5: 90}
    assert cfg.unscored_stages == {Stage.CHURNED, Stage.NOT_A_FIT}
    assert cfg.measure_label("adoption", "ja") == "アダプション（定着）"
    assert cfg.flag_label("no-touch") == "No recent touch"
    assert cfg.weights[Stage.KICKOFF]["onboarding"] == 35
    assert cfg.weights[Stage.EXPANSION] == cfg.weights[Stage.ADOPTION]


def test_partial_user_file_merges_over_defaults(cfg: HealthConfig) -> None:
    text = (
        "[weights]\nadoption = 40\n\n[bands]\ngreen_from = 75\n\n[measures.adoption]\ngood = 0.9\n"
    )
    user = parse_health_config(text, USER, cfg)
    assert user.weights[Stage.ADOPTION]["adoption"] == 40
    assert user.weights[Stage.ADOPTION]["maturity"] == 15  # default kept
    assert user.weights[Stage.ONBOARDING]["adoption"] == 20  # the profile still wins
    assert user.green_from == 75
    assert user.red_below == 40
    assert user.measures["adoption"].good == 0.9
    assert user.measures["adoption"].poor == 0.2
    assert user.measures["adoption"].label_ja == "アダプション（定着）"
    assert cfg.weights[Stage.ADOPTION]["adoption"] == 25  # base untouched


def _error(text: str, base: HealthConfig | None) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        parse_health_config(text, USER, base)
    return info.value


def test_error_wrong_type_names_file_line_key(cfg: HealthConfig) -> None:
    text = '# my tweaks\n\n[bands]\nred_below = 35\n\n[weights]\nadoption = "high"\n'
    err = _error(text, cfg)
    assert str(err) == (f'{USER}, line 7, key "weights.adoption": expected a number, got "high".')
    assert (err.line, err.key, err.source) == (7, "weights.adoption", USER)


def test_error_toml_syntax(cfg: HealthConfig) -> None:
    err = _error("[weights]\nadoption = 30\nmaturity = = 2\n", cfg)
    assert str(err).startswith(f"{USER}, line 3, column ")
    assert "not valid TOML" in str(err)
    assert err.line == 3


def test_error_unknown_measure(cfg: HealthConfig) -> None:
    err = _error("[profiles.renewal]\nadoptoin = 30\n", cfg)
    assert str(err) == (
        f'{USER}, line 2, key "profiles.renewal.adoptoin": unknown measure "adoptoin"; '
        "measures are: adoption, maturity, engagement, sentiment, support, onboarding, outcomes."
    )


def test_error_negative_weight(cfg: HealthConfig) -> None:
    err = _error("weights.support = -5\n", cfg)
    assert (
        str(err) == f'{USER}, line 1, key "weights.support": a weight cannot be negative, got -5.'
    )


def test_error_poor_equals_good(cfg: HealthConfig) -> None:
    err = _error("[measures.support]\npoor = 1\ngood = 1\n", cfg)
    assert err.line == 3
    assert err.key == "measures.support.good"
    assert "must differ" in str(err)


def test_error_bands_out_of_order(cfg: HealthConfig) -> None:
    err = _error("[bands]\ngreen_from = 30\n", cfg)
    assert str(err) == (
        f'{USER}, line 2, key "bands.green_from": green_from (30) must not be below red_below (40).'
    )


def test_error_unknown_stage_and_unknown_section(cfg: HealthConfig) -> None:
    err = _error("[profiles.onbaording]\nadoption = 1\n", cfg)
    assert err.line == 1
    assert 'unknown stage "onbaording"' in str(err)
    err = _error("\n[weight]\nadoption = 1\n", cfg)
    assert err.line == 2
    assert 'unknown key "weight"' in str(err)


def test_error_all_weights_zero(cfg: HealthConfig) -> None:
    text = "[profiles.kickoff]\n" + "".join(f"{m} = 0\n" for m in MEASURES)
    err = _error(text, cfg)
    assert err.line == 1
    assert 'stage "kickoff"' in str(err)


def test_standalone_file_must_be_complete() -> None:
    err = _error("[weights]\nadoption = 1\n", None)
    assert err.key == "measures"
    assert "missing" in str(err)


def test_find_key_line_handles_dotted_and_quoted_keys() -> None:
    text = '[flags."usage-drop"]\n drop_pct = 20\n[override]\nstars.4 = 75\n'
    assert find_key_line(text, ("flags", "usage-drop", "drop_pct")) == 2
    assert find_key_line(text, ("override", "stars", "4")) == 4
    assert find_key_line(text, ("override", "stars", "5")) == 3  # nearest enclosing table
    assert find_key_line(text, ("bands", "red_below")) is None
