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
  it is reported with file, line and key.

Windows such as "the last 180 days" include both ends: a survey dated exactly
``as_of - 180 days`` counts.
"""

from __future__ import annotations

import json
import math
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from functools import lru_cache
from importlib import resources
from typing import Any, Final, Literal, Self

from pydantic import BaseModel, ConfigDict, model_validator

from cstui import i18n
from cstui.domain.models import (
    Account,
    Activity,
    Contact,
    ObjectiveStatus,
    OnboardingPlan,
    Stage,
    SuccessPlan,
    SurveyKind,
    SurveyResponse,
    Tier,
    UsageHistory,
    UsageSnapshot,
)
from cstui.domain.success import objective_status as objective_status
from cstui.i18n import Msg, msg

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


class HealthConfigError(ValueError):
    """A health config problem, worded to point at the exact place to fix it."""

    def __init__(self, message: str, source: str, line: int | None, key: str | None) -> None:
        super().__init__(message)
        self.source = source
        self.line = line
        self.key = key


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
class HealthConfig:
    """A validated health model. Build it with ``parse_health_config``, not by hand."""

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

    def measure_label(self, key: str, lang: str = "en") -> str:
        m = self.measures[key]
        return m.label_ja if lang == "ja" else m.label_en

    def flag_label(self, rule: str, lang: str = "en") -> str:
        en, ja = self.flags.labels[rule]
        return ja if lang == "ja" else en


class _Invalid(Exception):
    """Internal: a semantic config error at a key path; turned into HealthConfigError."""

    def __init__(self, path: tuple[str, ...], message: str) -> None:
        super().__init__(message)
        self.path = path
        self.message = message


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    return str(value)


def _table(parent: Mapping[str, Any], path: tuple[str, ...]) -> Mapping[str, Any]:
    value = parent.get(path[-1])
    if value is None:
        raise _Invalid(path, "missing; it is required.")
    if not isinstance(value, dict):
        raise _Invalid(path, f"expected a table, got {_show(value)}.")
    return value


def _only(table: Mapping[str, Any], path: tuple[str, ...], allowed: Iterable[str]) -> None:
    allowed = tuple(allowed)
    for key in table:
        if key not in allowed:
            raise _Invalid(
                (*path, key), f'unknown key "{key}"; expected one of: {", ".join(allowed)}.'
            )


def _number(
    table: Mapping[str, Any],
    path: tuple[str, ...],
    key: str,
    *,
    whole: bool = False,
    minimum: float | None = None,
    maximum: float | None = None,
) -> float:
    where = (*path, key)
    if key not in table:
        raise _Invalid(where, "missing; it is required.")
    value = table[key]
    if whole:
        if isinstance(value, bool) or not isinstance(value, int):
            raise _Invalid(where, f"expected a whole number, got {_show(value)}.")
    elif isinstance(value, bool) or not isinstance(value, int | float):
        raise _Invalid(where, f"expected a number, got {_show(value)}.")
    if minimum is not None and value < minimum:
        raise _Invalid(where, f"must be at least {minimum:g}, got {_show(value)}.")
    if maximum is not None and value > maximum:
        raise _Invalid(where, f"must be at most {maximum:g}, got {_show(value)}.")
    return float(value)


def _whole(
    table: Mapping[str, Any],
    path: tuple[str, ...],
    key: str,
    minimum: int | None = None,
    maximum: int | None = None,
) -> int:
    return int(_number(table, path, key, whole=True, minimum=minimum, maximum=maximum))


def _text(table: Mapping[str, Any], path: tuple[str, ...], key: str) -> str:
    value = table.get(key)
    if not isinstance(value, str) or not value.strip():
        got = "nothing" if value is None else _show(value)
        raise _Invalid((*path, key), f"expected a non-empty text, got {got}.")
    return value


def _weights(table: Mapping[str, Any], path: tuple[str, ...]) -> dict[str, float]:
    out: dict[str, float] = {}
    for key in table:
        if key not in MEASURES:
            raise _Invalid(
                (*path, key), f'unknown measure "{key}"; measures are: {", ".join(MEASURES)}.'
            )
        value = _number(table, path, key)
        if value < 0:
            raise _Invalid((*path, key), f"a weight cannot be negative, got {_show(table[key])}.")
        out[key] = value
    return out


_TOP = (
    "measures",
    "weights",
    "profiles",
    "rules",
    "bands",
    "cadence",
    "override",
    "trend",
    "flags",
)
# Per rule: TOML key → (FlagConfig field, minimum). Labels are checked separately.
_FLAG_PARAMS: Final[dict[str, dict[str, tuple[str, float]]]] = {
    "champion-left": {"window_days": ("champion_window_days", 0)},
    "usage-drop": {
        "drop_pct": ("usage_drop_pct", 0),
        "days": ("usage_drop_days", 1),
        "tolerance_days": ("usage_drop_tolerance_days", 0),
    },
    "no-touch": {},
    "renewal-risk": {"window_days": ("renewal_window_days", 0)},
    "renewal-overdue": {},
    "detractor": {
        "window_days": ("detractor_window_days", 0),
        "max_score": ("detractor_max_score", 0),
    },
    "touchpoint-missed": {"window_days": ("touchpoint_window_days", 0)},
}
_FLAG_FLOATS: Final = frozenset({"usage_drop_pct"})


def _build_config(data: Mapping[str, Any]) -> HealthConfig:
    """Validate merged TOML data; raises _Invalid at the first problem."""
    _only(data, (), _TOP)

    measures_t = _table(data, ("measures",))
    for key in measures_t:
        if key not in MEASURES:
            raise _Invalid(
                ("measures", key), f'unknown measure "{key}"; measures are: {", ".join(MEASURES)}.'
            )
    measures: dict[str, MeasureConfig] = {}
    for key in MEASURES:
        path = ("measures", key)
        t = _table(measures_t, path)
        _only(t, path, ("label_en", "label_ja", "poor", "good"))
        poor, good = _number(t, path, "poor"), _number(t, path, "good")
        if poor == good:
            raise _Invalid(
                (*path, "good"),
                f'"poor" and "good" are both {poor:g}; they must differ so points can be '
                "scaled between them.",
            )
        measures[key] = MeasureConfig(
            key, _text(t, path, "label_en"), _text(t, path, "label_ja"), poor, good
        )

    default = _weights(_table(data, ("weights",)), ("weights",))
    for key in MEASURES:
        if key not in default:
            raise _Invalid(("weights", key), "missing; every measure needs a default weight.")
    profiles_t = data.get("profiles", {})
    if not isinstance(profiles_t, dict):
        raise _Invalid(("profiles",), f"expected a table, got {_show(profiles_t)}.")
    stages = [s.value for s in Stage]
    weights: dict[Stage, dict[str, float]] = {}
    for name in profiles_t:
        if name not in stages:
            raise _Invalid(
                ("profiles", name), f'unknown stage "{name}"; stages are: {", ".join(stages)}.'
            )
    for stage in Stage:
        w = dict(default)
        if stage.value in profiles_t:
            path = ("profiles", stage.value)
            w.update(_weights(_table(profiles_t, path), path))
        weights[stage] = w

    rules = _table(data, ("rules",))
    rp = ("rules",)
    _only(
        rules, rp, ("usage_max_age_days", "survey_window_days", "on_track_ratio", "unscored_stages")
    )
    unscored_raw = rules.get("unscored_stages", [])
    if not isinstance(unscored_raw, list):
        raise _Invalid((*rp, "unscored_stages"), f"expected a list, got {_show(unscored_raw)}.")
    unscored: set[Stage] = set()
    for name in unscored_raw:
        if name not in stages:
            raise _Invalid(
                (*rp, "unscored_stages"),
                f"unknown stage {_show(name)}; stages are: {', '.join(stages)}.",
            )
        unscored.add(Stage(name))
    for stage in Stage:
        if stage not in unscored and not any(weights[stage].values()):
            where = ("profiles", stage.value) if stage.value in profiles_t else ("weights",)
            raise _Invalid(where, f'all weights are 0 for stage "{stage.value}"; nothing to score.')

    bands = _table(data, ("bands",))
    _only(bands, ("bands",), ("red_below", "green_from"))
    red_below = _whole(bands, ("bands",), "red_below", 0, 100)
    green_from = _whole(bands, ("bands",), "green_from", 0, 100)
    if red_below > green_from:
        raise _Invalid(
            ("bands", "green_from"),
            f"green_from ({green_from}) must not be below red_below ({red_below}).",
        )

    cadence_t = _table(data, ("cadence",))
    _only(cadence_t, ("cadence",), [t.value for t in Tier])
    cadence = {t: _whole(cadence_t, ("cadence",), t.value, 1) for t in Tier}

    override = _table(data, ("override",))
    _only(override, ("override",), ("stars",))
    stars_t = _table(override, ("override", "stars"))
    _only(stars_t, ("override", "stars"), ("1", "2", "3", "4", "5"))
    stars = {n: _whole(stars_t, ("override", "stars"), str(n), 0, 100) for n in range(1, 6)}

    trend_t = _table(data, ("trend",))
    _only(trend_t, ("trend",), ("days", "dead_band"))

    flags_t = _table(data, ("flags",))
    for rule in flags_t:
        if rule not in _FLAG_PARAMS:
            raise _Invalid(
                ("flags", rule), f'unknown flag rule "{rule}"; rules are: {", ".join(FLAG_RULES)}.'
            )
    labels: dict[str, tuple[str, str]] = {}
    params: dict[str, Any] = {}
    for rule, spec in _FLAG_PARAMS.items():
        path = ("flags", rule)
        t = _table(flags_t, path)
        _only(t, path, ("label_en", "label_ja", *spec))
        labels[rule] = (_text(t, path, "label_en"), _text(t, path, "label_ja"))
        for key, (attr, low) in spec.items():
            if attr in _FLAG_FLOATS:
                params[attr] = _number(t, path, key, minimum=low)
            else:
                params[attr] = _whole(t, path, key, int(low))

    return HealthConfig(
        measures=measures,
        weights=weights,
        unscored_stages=frozenset(unscored),
        red_below=red_below,
        green_from=green_from,
        cadence=cadence,
        star_scores=stars,
        trend_days=_whole(trend_t, ("trend",), "days", 1),
        trend_dead_band=_whole(trend_t, ("trend",), "dead_band", 0),
        usage_max_age_days=_whole(rules, rp, "usage_max_age_days", 0),
        survey_window_days=_whole(rules, rp, "survey_window_days", 0),
        on_track_ratio=_number(rules, rp, "on_track_ratio", minimum=0, maximum=1),
        flags=FlagConfig(labels=labels, **params),
        raw=data,
        stage_weights={s: tuple(w[k] for k in MEASURES) for s, w in weights.items()},
        lines=tuple((measures[k].poor, measures[k].good - measures[k].poor) for k in MEASURES),
    )


def _merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """Deep merge: tables merge key by key, any other value in ``over`` replaces."""
    out = {k: (_merge(v, {}) if isinstance(v, dict) else v) for k, v in base.items()}
    for key, value in over.items():
        old = out.get(key)
        if isinstance(value, dict) and isinstance(old, dict):
            out[key] = _merge(old, value)
        elif isinstance(value, dict):
            out[key] = _merge(value, {})
        else:
            out[key] = value
    return out


_BARE_OR_QUOTED = re.compile(r"""[A-Za-z0-9_-]+|"((?:[^"\\]|\\.)*)"|'([^']*)'""")
_HEADER_LINE = re.compile(r"^\s*\[\[?([^\]]+)\]\]?\s*(?:#.*)?$")
_KEY_LINE = re.compile(
    r"""^\s*((?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*')"""
    r"""(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*'))*)\s*="""
)


def _key_parts(dotted: str) -> tuple[str, ...]:
    parts = []
    for m in _BARE_OR_QUOTED.finditer(dotted):
        if m.group(1) is not None:
            parts.append(m.group(1))
        elif m.group(2) is not None:
            parts.append(m.group(2))
        else:
            parts.append(m.group(0))
    return tuple(parts)


def find_key_line(text: str, path: Sequence[str]) -> int | None:
    """The 1-based line where ``path`` is set in TOML ``text``.

    Falls back to the line of the nearest enclosing table or inline table; None when the text
    does not mention the key at all (the value then came from the base config).
    """
    target = tuple(path)
    current: tuple[str, ...] = ()
    best_len, best_line = 0, None
    for number, line in enumerate(text.splitlines(), 1):
        header = _HEADER_LINE.match(line)
        if header:
            current = _key_parts(header.group(1))
            full = current
        else:
            key = _KEY_LINE.match(line)
            if not key:
                continue
            full = current + _key_parts(key.group(1))
        if full == target:
            return number
        if best_len < len(full) < len(target) and target[: len(full)] == full:
            best_len, best_line = len(full), number
    return best_line


_TOML_AT = re.compile(r"^(.*) \(at line (\d+), column (\d+)\)$", re.S)


def parse_health_config(text: str, source: str, base: HealthConfig | None = None) -> HealthConfig:
    """Parse a health config file's ``text``; ``source`` names the file in error messages.

    With ``base``, the text only needs the keys it changes: it is deep-merged over
    ``base``. Without, it must be complete (as the shipped file is).
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        m = _TOML_AT.match(msg)
        if m:
            line = int(m.group(2))
            raise HealthConfigError(
                f"{source}, line {line}, column {m.group(3)}: not valid TOML: {m.group(1)}.",
                source,
                line,
                None,
            ) from None
        raise HealthConfigError(f"{source}: not valid TOML: {msg}.", source, None, None) from None
    merged = _merge(base.raw, data) if base is not None else data
    try:
        return _build_config(merged)
    except _Invalid as exc:
        key = ".".join(exc.path)
        at = find_key_line(text, exc.path) if exc.path else None
        where = f"{source}, line {at}" if at is not None else source
        where += f', key "{key}"' if key else ""
        raise HealthConfigError(f"{where}: {exc.message}", source, at, key or None) from None


def load_default_text() -> str:
    """The shipped ``cstui/defaults/health.toml`` (package data; the domain's only read)."""
    return resources.files("cstui").joinpath("defaults/health.toml").read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def default_health_config() -> HealthConfig:
    """The shipped health model, parsed once."""
    return parse_health_config(load_default_text(), "cstui/defaults/health.toml")


# --------------------------------------------------------------------------------------------
# Inputs and results
# --------------------------------------------------------------------------------------------


class ManualRating(BaseModel):
    """A CSM's own judgement ("4 of 5 stars"), replacing the computed score; needs a reason."""

    model_config = ConfigDict(frozen=True, str_strip_whitespace=True, extra="ignore")

    stars: int | None = None
    score: int | None = None
    reason: str = ""
    by: str = ""
    at: datetime

    @model_validator(mode="after")
    def _check(self) -> Self:
        # Shown at once next to the form's fields, so worded in the UI language now.
        if (self.stars is None) == (self.score is None):
            raise ValueError(i18n.t("health.rating.error.one_of"))
        if self.stars is not None and not 1 <= self.stars <= 5:
            raise ValueError(i18n.t("health.rating.error.stars", stars=self.stars))
        if self.score is not None and not 0 <= self.score <= 100:
            raise ValueError(i18n.t("health.rating.error.score", score=self.score))
        if not self.reason:
            raise ValueError(i18n.t("health.rating.error.reason"))
        return self

    def resolved_score(self, config: HealthConfig) -> int:
        """The 0–100 score this rating stands for (stars via ``override.stars``)."""
        if self.score is not None:
            return self.score
        assert self.stars is not None  # guaranteed by the validator
        return config.star_scores[self.stars]


@dataclass(frozen=True, slots=True)
class HealthInputs:
    """Everything the score reads about one account (records of that account only)."""

    account: Account
    usage: UsageHistory | None = None
    contacts: list[Contact] = field(default_factory=list)
    activities: list[Activity] = field(default_factory=list)
    surveys: list[SurveyResponse] = field(default_factory=list)
    onboarding: OnboardingPlan | None = None
    success_plan: SuccessPlan | None = None
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

    @property
    def raw_text(self) -> str:
        """The raw value in English (the UI shows ``raw_msg`` in its own language)."""
        return self.raw_msg.render("en")

    @property
    def missing_reason(self) -> str | None:
        """Why the measure has no data, in English; None when it has data."""
        return None if self.missing_msg is None else self.missing_msg.render("en")


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

    @property
    def unscored_reason(self) -> str | None:
        """Why there is no score at all, in English; None when the stage is scored."""
        return None if self.unscored_msg is None else self.unscored_msg.render("en")

    @property
    def missing(self) -> list[MeasureResult]:
        return [m for m in self.measures if m.points is None]

    @property
    def overridden(self) -> bool:
        return self.override is not None and self.score is not None


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


def latest_touch(activities: Iterable[Activity], as_of: date) -> Activity | None:
    """The most recent activity dated on or before ``as_of`` (every kind counts as a touch)."""
    best: Activity | None = None
    best_date = date.min
    for act in activities:
        d = act.date
        if best_date <= d <= as_of:
            best, best_date = act, d
    return best


def latest_snapshot_index(usage: UsageHistory | None, as_of: date) -> int | None:
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
    cutoff = as_of - timedelta(days=days)
    now_d = then_d = date.min
    now_s: int | None = None
    then_s: int | None = None
    for d, s in history:
        if now_d <= d <= as_of:
            now_d, now_s = d, s
        if then_d <= d <= cutoff:
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


def _fmt(x: float) -> str:
    return f"{round(x, 1):g}"


_TIER_LABELS: Final = {tier: Msg(f"tier.{tier.value}") for tier in Tier}
"""Touch tier labels, for templates that name the tier in the reader's language."""


def _usage_reading(
    usage: UsageHistory | None, as_of: date, max_age: int
) -> tuple[UsageSnapshot | None, Msg]:
    i = latest_snapshot_index(usage, as_of)
    if usage is None or i is None:
        return None, _NO_USAGE
    snap = usage.snapshots[i]
    age = (as_of - snap.date).days
    if age > max_age:
        return None, msg("health.missing.usage_stale", day=snap.date, days=age)
    return snap, _NO_USAGE


def _adoption(account: Account, snap: UsageSnapshot | None, why: Msg) -> _Eval:
    if snap is None:
        return None, why
    if account.seats <= 0:
        return None, Msg("health.missing.no_seats")
    return snap.active_users / account.seats, msg(
        "health.raw.adoption", active=snap.active_users, seats=account.seats
    )


def _maturity(usage: UsageHistory | None, snap: UsageSnapshot | None, why: Msg) -> _Eval:
    if snap is None or usage is None:
        return None, why
    total = usage.features_total
    if total <= 0:
        return None, Msg("health.missing.no_features")
    return snap.features_used / total, msg(
        "health.raw.maturity", used=snap.features_used, total=total
    )


def _engagement(account: Account, touch: Activity | None, cadence: int, as_of: date) -> _Eval:
    tier = account.tier
    if touch is not None:
        days = (as_of - touch.date).days
        return days / cadence, msg(
            "health.raw.engagement",
            days=days,
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


def _sentiment(surveys: Iterable[SurveyResponse], as_of: date, window: int) -> _Eval:
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
        return mean, msg("health.raw.nps_mean", mean=_fmt(mean), n=n)
    if csat:
        n = len(csat)
        mean5 = sum(v for _, v in csat.values()) / n
        raw = (mean5 - 1) * 2.5
        key = "health.raw.csat_one" if n == 1 else "health.raw.csat"
        return raw, msg(key, mean=_fmt(mean5), n=n, score=_fmt(raw))
    return None, msg("health.missing.no_survey", days=window)


def _support(snap: UsageSnapshot | None, why: Msg) -> _Eval:
    if snap is None:
        return None, why
    tickets, users = snap.open_tickets, snap.active_users
    per10 = tickets * 10 / max(users, 1)
    return per10, msg("health.raw.support", tickets=tickets, users=users, per10=_fmt(per10))


def _onboarding(account: Account, plan: OnboardingPlan | None, as_of: date) -> _Eval:
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


def _outcomes(account: Account, plan: SuccessPlan | None, as_of: date, ratio: float) -> _Eval:
    if plan is None:
        return None, Msg("health.missing.no_success_plan")
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


def compute_health(inputs: HealthInputs, config: HealthConfig, as_of: date) -> HealthResult:
    """Score one account at ``as_of`` from data dated on or before it.

    Score = Σ points × weight ÷ Σ weight over the measures that have data (stage profile
    weights). A manual rating in force at ``as_of`` replaces the score; the computed score is
    still reported. Unscored stages (churned, not a fit) get no score at all.
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

    measures: list[MeasureResult] = []
    for key, label, (raw, text), pts, w in zip(
        MEASURES, _LABELS, evals, points, weights, strict=True
    ):
        if pts is None:
            measures.append(MeasureResult(key, label, None, text, None, w, None, text))
        else:
            c = pts * w / total_w if total_w else 0.0
            measures.append(MeasureResult(key, label, raw, text, pts, w, c, None))

    exact = weighted / total_w if total_w > 0 else None
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
    )
