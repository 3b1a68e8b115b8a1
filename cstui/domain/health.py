"""The health score: a 0–100 number per account that a CSM can take apart and trust.

Design choices, and why:

* Explainable first. Each measure maps one raw value that a CSM can check by hand ("42 of
  60 seats active") to points on a straight line between a configured "poor" (0 points) and
  "good" (100 points). The score is the weighted mean of those points, and every measure's
  contribution is reported, so the contributions add up to the score.
* Missing data is not bad data. A measure with no data is skipped and the remaining weights
  are scaled up; counting it as 0 would paint every new or quiet account red.
* Reproducible in time. Only data dated on or before ``as_of`` is used, so computing at past
  dates back-fills a real history and the trend means something.
* Fast. The portfolio scores 50,000 accounts at start-up, so ``compute_health`` reads the
  already-validated models, never builds pydantic objects, and takes every config lookup from
  tables precomputed when the config was parsed.
* Configuration, not code. Weights and thresholds differ per company (DOMAIN.md), so they live
  in ``cstui/defaults/health.toml``; a user file overrides any part of it, and every mistake in
  it is reported with file, line and key. Reading it (pydantic) is
  :mod:`cstui.domain.health_config`'s job, so this module imports no pydantic.

Windows such as "the last 180 days" include both ends: a survey dated exactly
``as_of - 180 days`` counts.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Final, Literal

from cstui.domain.enums import ObjectiveStatus, Stage, SurveyKind, Tier
from cstui.domain.light import (
    AccountLike,
    ActivityLike,
    ContactLike,
    OnboardingLike,
    SnapshotLike,
    SuccessPlanLike,
    SurveyLike,
    UsageLike,
)
from cstui.i18n import Msg, msg, rel_days

if TYPE_CHECKING:
    from cstui.domain.health_config import ManualRating

MEASURES: Final[tuple[str, ...]] = (
    "adoption",
    "maturity",
    "engagement",
    "sentiment",
    "support",
    "onboarding",
    "outcomes",
)
"""Measure keys, in display order."""

FLAG_RULES: Final[tuple[str, ...]] = (
    "champion-left",
    "usage-drop",
    "no-touch",
    "renewal-risk",
    "renewal-overdue",
    "detractor",
    "touchpoint-missed",
)
"""Risk-flag rule ids (the rules themselves live in ``cstui.domain.alerts``)."""

_ONBOARDING_STAGES: Final = frozenset({Stage.KICKOFF, Stage.ONBOARDING})
_GOOD_STATUSES: Final = frozenset({ObjectiveStatus.ON_TRACK, ObjectiveStatus.ACHIEVED})
_BAD_STATUSES: Final = frozenset({ObjectiveStatus.AT_RISK, ObjectiveStatus.MISSED})


class Band(StrEnum):
    """Colour band of a score; ``unknown`` when there is no score."""

    RED = "red"
    YELLOW = "yellow"
    GREEN = "green"
    UNKNOWN = "unknown"


# --------------------------------------------------------------------------------------------
# Configuration
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MeasureConfig:
    key: str
    label_en: str
    label_ja: str
    poor: float
    good: float


@dataclass(frozen=True, slots=True)
class FlagConfig:
    """Thresholds of the risk-flag rules (see ``cstui.domain.alerts``)."""

    labels: Mapping[str, tuple[str, str]]
    """Rule id → (English, Japanese) label."""
    champion_window_days: int
    usage_drop_pct: float
    usage_drop_days: int
    usage_drop_tolerance_days: int
    renewal_window_days: int
    detractor_window_days: int
    detractor_max_score: int
    touchpoint_window_days: int = 120
    """A missed executive touchpoint flags while its due date is at most this many days ago."""


@dataclass(frozen=True, slots=True)
class EnoughData:
    """The least data a score is computed from; with less, the score is "not enough data".

    One measure with data decides the whole score (a signed-yesterday account was 100 or
    16 on its days since contract start alone), so a score needs at least ``min_measures``
    weighted measures with data that carry ``min_weight_pct`` % of the stage's weight."""

    min_measures: int = 2
    min_weight_pct: float = 40.0


@dataclass(frozen=True, slots=True)
class HealthConfig:
    """A validated health model. Build it with ``health_config.parse_health_config``, not by
    hand."""

    measures: Mapping[str, MeasureConfig]
    weights: Mapping[Stage, Mapping[str, float]]
    """Effective weights for every stage (the stage's profile over the default weights)."""
    unscored_stages: frozenset[Stage]
    red_below: int
    green_from: int
    cadence: Mapping[Tier, int]
    star_scores: Mapping[int, int]
    trend_days: int
    trend_dead_band: int
    usage_max_age_days: int
    survey_window_days: int
    on_track_ratio: float
    flags: FlagConfig
    raw: Mapping[str, Any] = field(repr=False)
    """The merged TOML data, kept so a user file can be merged over this config."""
    stage_weights: Mapping[Stage, tuple[float, ...]] = field(repr=False)
    """Precomputed: weights per stage, in ``MEASURES`` order."""
    lines: tuple[tuple[float, float], ...] = field(repr=False)
    """Precomputed: (poor, good − poor) per measure, in ``MEASURES`` order."""
    enough: EnoughData = field(default_factory=EnoughData)
    """The least data a computed score needs (``[rules] min_measures``, ``min_weight_pct``)."""

    def measure_label(self, key: str, lang: str = "en") -> str:
        m = self.measures[key]
        return m.label_ja if lang == "ja" else m.label_en

    def flag_label(self, rule: str, lang: str = "en") -> str:
        en, ja = self.flags.labels[rule]
        return ja if lang == "ja" else en


# --------------------------------------------------------------------------------------------
# Inputs and results
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HealthInputs:
    """Everything the score reads about one account (records of that account only).

    Models or light records (:mod:`cstui.domain.light`): the same formula reads either.
    """

    account: AccountLike
    usage: UsageLike | None = None
    contacts: Sequence[ContactLike] = field(default_factory=list)
    activities: Sequence[ActivityLike] = field(default_factory=list)
    surveys: Sequence[SurveyLike] = field(default_factory=list)
    onboarding: OnboardingLike | None = None
    success_plan: SuccessPlanLike | None = None
    override: ManualRating | None = None


@dataclass(slots=True)
class MeasureResult:
    """One line of the health breakdown.

    ``contribution`` is points × weight ÷ (sum of the weights of the measures with data), so
    the contributions of present measures add up to the computed score. A measure with data
    but weight 0 in the account's stage (maturity during onboarding) is still shown, with
    contribution 0; a measure without data has ``points`` and ``contribution`` None.
    """

    key: str
    label: str
    """i18n key, e.g. ``health.measure.adoption`` (labels also in the config's measures)."""
    raw: float | None
    raw_msg: Msg
    """The raw value in words, or the reason it is missing (worded by ``i18n.render``)."""
    points: float | None
    weight: float
    contribution: float | None
    missing_msg: Msg | None

    @property
    def present(self) -> bool:
        return self.points is not None


@dataclass(slots=True)
class HealthResult:
    account_id: str
    as_of: date
    score: int | None
    """The score to show: the manual rating's when there is one, else the computed one."""
    computed_score: int | None
    band: Band
    measures: list[MeasureResult]
    computed_exact: float | None = None
    """Unrounded computed score (the exact sum of the contributions)."""
    override: ManualRating | None = None
    """The manual rating in force at ``as_of`` (who, when, why), if any."""
    unscored_msg: Msg | None = None
    """Why there is no score at all (the stage), worded by ``i18n.render``."""
    last_touch: date | None = None
    thin_msg: Msg | None = None
    """Set when the measures with data are too few to compute a score (:class:`EnoughData`):
    the score is None and the band unknown, not 0 and red."""

    @property
    def missing(self) -> list[MeasureResult]:
        return [m for m in self.measures if m.points is None]


# --------------------------------------------------------------------------------------------
# Helpers shared with alerts and the UI
# --------------------------------------------------------------------------------------------


def round_score(value: float) -> int:
    """Round half up (69.5 → 70), not to even, so a score never drops a band by rounding."""
    return math.floor(value + 0.5 + 1e-9)


def band_for(score: int | None, config: HealthConfig) -> Band:
    """red: score < red_below; yellow: red_below ≤ score < green_from; green: ≥ green_from."""
    if score is None:
        return Band.UNKNOWN
    if score < config.red_below:
        return Band.RED
    if score < config.green_from:
        return Band.YELLOW
    return Band.GREEN


def latest_touch(activities: Iterable[ActivityLike], as_of: date) -> ActivityLike | None:
    """The most recent activity dated on or before ``as_of`` (every kind counts as a touch)."""
    best: ActivityLike | None = None
    best_date = date.min
    for act in activities:
        d = act.date
        if best_date <= d <= as_of:
            best, best_date = act, d
    return best


def latest_snapshot_index(usage: UsageLike | None, as_of: date) -> int | None:
    """Index of the newest usage reading dated on or before ``as_of`` (snapshots are sorted)."""
    if usage is None:
        return None
    snaps = usage.snapshots
    for i in range(len(snaps) - 1, -1, -1):
        if snaps[i].date <= as_of:
            return i
    return None


def trend(history: Sequence[tuple[date, int]], as_of: date, days: int = 30) -> int | None:
    """Change in score over ``days``: the latest score on or before ``as_of`` minus the latest
    on or before ``as_of − days``. None when either is unknown. History need not be sorted."""
    return _trend(history, as_of, as_of - timedelta(days=days))


def stored_trend(history: Iterable[Sequence[Any]], as_of: date, days: int = 30) -> int | None:
    """:func:`trend` of a stored history (``[ISO date, score]`` points), without parsing
    its dates: ISO dates order as their text (a year of points per account, every day)."""
    cutoff = as_of - timedelta(days=days)
    return _trend(history, as_of.isoformat(), cutoff.isoformat())


def _trend(history: Iterable[Sequence[Any]], now: Any, cutoff: Any) -> int | None:
    """The one trend formula, over dates or ISO texts (``now``, ``cutoff`` of the same kind)."""
    now_d = then_d = None
    now_s: int | None = None
    then_s: int | None = None
    for d, s in history:
        if d <= now and (now_d is None or now_d <= d):
            now_d, now_s = d, s
        if d <= cutoff and (then_d is None or then_d <= d):
            then_d, then_s = d, s
    if now_s is None or then_s is None:
        return None
    return now_s - then_s


def trend_arrow(delta: int | None, config: HealthConfig) -> Literal["up", "down", "flat"] | None:
    """Arrow for a trend: within ±dead_band (inclusive) is flat; None when no trend."""
    if delta is None:
        return None
    if delta > config.trend_dead_band:
        return "up"
    if delta < -config.trend_dead_band:
        return "down"
    return "flat"


# --------------------------------------------------------------------------------------------
# The measures: each returns (raw, raw value in words) or (None, why it is missing)
# --------------------------------------------------------------------------------------------
# The words are messages (``health.raw.*``, ``health.missing.*`` in locale/*/domain.json),
# worded when shown; their parameters are the numbers computed here, once.

_Eval = tuple[float | None, Msg]
_NO_USAGE: Final = Msg("health.missing.no_usage")
_NO_TOUCH: Final = Msg("health.missing.no_touch")


def one_decimal(x: float) -> str:
    """A raw value as the evidence shows it: one decimal at most (2.5, 3, not 3.0)."""
    return f"{round(x, 1):g}"


_TIER_LABELS: Final = {tier: Msg(f"tier.{tier.value}") for tier in Tier}
"""Touch tier labels, for templates that name the tier in the reader's language."""


def _usage_reading(
    usage: UsageLike | None, as_of: date, max_age: int
) -> tuple[SnapshotLike | None, Msg]:
    i = latest_snapshot_index(usage, as_of)
    if usage is None or i is None:
        return None, _NO_USAGE
    snap = usage.snapshots[i]
    age = (as_of - snap.date).days
    if age > max_age:
        return None, msg("health.missing.usage_stale", day=snap.date, days=age)
    return snap, _NO_USAGE


def _adoption(account: AccountLike, snap: SnapshotLike | None, why: Msg) -> _Eval:
    if snap is None:
        return None, why
    if account.seats <= 0:
        return None, Msg("health.missing.no_seats")
    return snap.active_users / account.seats, msg(
        "health.raw.adoption", active=snap.active_users, seats=account.seats
    )


def _maturity(usage: UsageLike | None, snap: SnapshotLike | None, why: Msg) -> _Eval:
    if snap is None or usage is None:
        return None, why
    total = usage.features_total
    if total <= 0:
        return None, Msg("health.missing.no_features")
    return snap.features_used / total, msg(
        "health.raw.maturity", used=snap.features_used, total=total
    )


def _engagement(
    account: AccountLike, touch: ActivityLike | None, cadence: int, as_of: date
) -> _Eval:
    tier = account.tier
    if touch is not None:
        days = (as_of - touch.date).days
        return days / cadence, msg(
            "health.raw.engagement",
            ago=rel_days(-days, exact=True),  # "today", "yesterday", "33 days ago"
            day=touch.date,
            tier=tier.value,
            tier_label=_TIER_LABELS[tier],
            cadence=cadence,
        )
    start = account.contract_start
    if start is None or start > as_of:
        return None, _NO_TOUCH
    days = (as_of - start).days
    return days / cadence, msg(
        "health.raw.engagement_since_start",
        start=start,
        days=days,
        tier=tier.value,
        tier_label=_TIER_LABELS[tier],
        cadence=cadence,
    )


def _sentiment(surveys: Iterable[SurveyLike], as_of: date, window: int) -> _Eval:
    """Each contact's latest answer. Two answers of one contact on one day: the one with the
    greater id wins, whatever order they come in (the same score in every process)."""
    start = as_of - timedelta(days=window)
    nps: dict[str, tuple[date, int]] = {}
    csat: dict[str, tuple[date, int]] = {}
    for i, s in enumerate(sorted(surveys, key=lambda s: (s.date, s.id))):
        d = s.date
        if d > as_of or d < start:
            continue
        latest = nps if s.kind is SurveyKind.NPS else csat
        who = s.contact_id or f"#{i}"
        prev = latest.get(who)
        if prev is None or d >= prev[0]:
            latest[who] = (d, s.score)
    if nps:
        n = len(nps)
        mean = sum(v for _, v in nps.values()) / n
        if n == 1:
            ((d, v),) = nps.values()
            return mean, msg("health.raw.nps_one", score=v, day=d)
        return mean, msg("health.raw.nps_mean", mean=one_decimal(mean), n=n)
    if csat:
        n = len(csat)
        mean5 = sum(v for _, v in csat.values()) / n
        raw = (mean5 - 1) * 2.5
        key = "health.raw.csat_one" if n == 1 else "health.raw.csat"
        return raw, msg(key, mean=one_decimal(mean5), n=n, score=one_decimal(raw))
    return None, msg("health.missing.no_survey", days=window)


def _support(snap: SnapshotLike | None, why: Msg) -> _Eval:
    if snap is None:
        return None, why
    tickets, users = snap.open_tickets, snap.active_users
    per10 = tickets * 10 / max(users, 1)
    return per10, msg("health.raw.support", tickets=tickets, users=users, per10=one_decimal(per10))


def _onboarding(account: AccountLike, plan: OnboardingLike | None, as_of: date) -> _Eval:
    if account.stage not in _ONBOARDING_STAGES:
        return None, Msg("health.missing.not_onboarding")
    if plan is None:
        return None, Msg("health.missing.no_onboarding_plan")
    if plan.start > as_of:
        return None, msg("health.missing.onboarding_later", day=plan.start)
    due_n = done_n = 0
    start, today = plan.start.toordinal(), as_of.toordinal()
    for item in plan.items:
        due = item.due.toordinal() if item.due is not None else start + item.offset_days
        if due > today:
            continue
        due_n += 1
        if item.done and (item.done_on is None or item.done_on <= as_of):
            done_n += 1
    if due_n == 0:
        return None, Msg("health.missing.no_onboarding_due")
    return done_n / due_n, msg("health.raw.onboarding", done=done_n, due=due_n)


def _outcomes(
    account: AccountLike, plan: SuccessPlanLike | None, as_of: date, ratio: float
) -> _Eval:
    if plan is None:
        return None, Msg("health.missing.no_success_plan")
    from cstui.domain.success import objective_status  # the plans' rules: not at start-up

    good = counted = 0
    for obj in plan.objectives:
        status = objective_status(obj, as_of, ratio, account.contract_start)
        if status in _GOOD_STATUSES:
            good += 1
            counted += 1
        elif status in _BAD_STATUSES:
            counted += 1
    if counted == 0:
        return None, Msg("health.missing.no_objective_status")
    return good / counted, msg("health.raw.outcomes", good=good, counted=counted)


# --------------------------------------------------------------------------------------------
# The score
# --------------------------------------------------------------------------------------------

_LABELS: Final = tuple(f"health.measure.{k}" for k in MEASURES)


def compute_health(
    inputs: HealthInputs, config: HealthConfig, as_of: date, *, explain: bool = True
) -> HealthResult:
    """Score one account at ``as_of`` from data dated on or before it.

    Score = Σ points × weight ÷ Σ weight over the measures that have data (stage profile
    weights). A manual rating in force at ``as_of`` replaces the score; the computed score is
    still reported. Unscored stages (churned, not a fit) get no score at all.

    ``explain=False`` leaves the breakdown (``measures``) empty, for a pass that keeps only
    the score, band and last touch (the daily rescore of the whole book).
    """
    account = inputs.account
    stage = account.stage
    override = inputs.override
    if override is not None and override.at.date() > as_of:
        override = None
    touch = latest_touch(inputs.activities, as_of)
    touch_date = touch.date if touch is not None else None
    if stage in config.unscored_stages:
        return HealthResult(
            account_id=account.id,
            as_of=as_of,
            score=None,
            computed_score=None,
            band=Band.UNKNOWN,
            measures=[],
            override=override,
            unscored_msg=msg(
                "health.unscored_reason", stage=stage.value, stage_label=Msg(f"stage.{stage.value}")
            ),
            last_touch=touch_date,
        )

    usage = inputs.usage
    snap, why = _usage_reading(usage, as_of, config.usage_max_age_days)
    evals = (
        _adoption(account, snap, why),
        _maturity(usage, snap, why),
        _engagement(account, touch, config.cadence[account.tier], as_of),
        _sentiment(inputs.surveys, as_of, config.survey_window_days),
        _support(snap, why),
        _onboarding(account, inputs.onboarding, as_of),
        _outcomes(account, inputs.success_plan, as_of, config.on_track_ratio),
    )
    weights = config.stage_weights[stage]

    points: list[float | None] = []
    total_w = weighted = 0.0
    for (raw, _), (poor, span), w in zip(evals, config.lines, weights, strict=True):
        if raw is None:
            points.append(None)
            continue
        p = (raw - poor) / span * 100.0
        p = 0.0 if p < 0.0 else 100.0 if p > 100.0 else p
        points.append(p)
        total_w += w
        weighted += p * w

    measures = _breakdown(evals, points, weights, total_w) if explain else []

    thin = thin_data(points, weights, config.enough)
    exact = weighted / total_w if total_w > 0 and thin is None else None
    computed = round_score(exact) if exact is not None else None
    score = override.resolved_score(config) if override is not None else computed
    return HealthResult(
        account_id=account.id,
        as_of=as_of,
        score=score,
        computed_score=computed,
        band=band_for(score, config),
        measures=measures,
        computed_exact=exact,
        override=override,
        last_touch=touch_date,
        thin_msg=thin,
    )


def _breakdown(
    evals: Sequence[_Eval],
    points: Sequence[float | None],
    weights: Sequence[float],
    total_w: float,
) -> list[MeasureResult]:
    """The score's lines, one per measure (see :class:`MeasureResult`)."""
    measures: list[MeasureResult] = []
    for key, label, (raw, text), pts, w in zip(
        MEASURES, _LABELS, evals, points, weights, strict=True
    ):
        if pts is None:
            measures.append(MeasureResult(key, label, None, text, None, w, None, text))
        else:
            c = pts * w / total_w if total_w else 0.0
            measures.append(MeasureResult(key, label, raw, text, pts, w, c, None))
    return measures


def thin_data(
    points: Sequence[float | None], weights: Sequence[float], enough: EnoughData
) -> Msg | None:
    """Why the measures with data are too few to score (None when they are enough).

    Counts the measures that have data and a weight in the stage, and the share of the
    stage's weight they carry; a weightless measure with data (maturity in onboarding) adds
    nothing to the score, so it adds nothing here either. A stage that weighs fewer measures
    than ``min_measures`` needs all of them."""
    total = sum(weights)
    have_n = 0
    have_w = 0.0
    for p, w in zip(points, weights, strict=True):
        if p is not None and w > 0:
            have_n += 1
            have_w += w
    weighted = sum(1 for w in weights if w > 0)
    pct = have_w * 100.0 / total if total > 0 else 0.0
    # A model that weighs fewer measures than the minimum asks for all of them, not more.
    if have_n >= min(enough.min_measures, weighted) and pct + 1e-9 >= enough.min_weight_pct:
        return None
    return msg(
        "health.missing.thin",
        n=have_n,
        of=weighted,
        pct=round(pct),
        min_n=enough.min_measures,
        min_pct=f"{enough.min_weight_pct:g}",
    )
