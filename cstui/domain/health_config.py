"""The pydantic half of :mod:`cstui.domain.health`: reading the health model's TOML (the
shipped defaults, then a user's file) into a :class:`HealthConfig`, and a CSM's manual rating.

Kept apart so that the score's own code, and everything that only reads a config or a
stored score (the portfolio's first frame), does not import pydantic: the default config is
parsed the first time a score, a flag or a threshold is asked for.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from functools import lru_cache
from importlib import resources
from typing import Annotated, Any, ClassVar, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    Strict,
    StringConstraints,
    model_validator,
)

from cstui import i18n
from cstui.domain.config import (
    ConfigModel,
    invalid,
    merge,
    read_toml,
    shown,
    validate_data,
)
from cstui.domain.enums import Stage, Tier
from cstui.domain.health import (
    FLAG_RULES,
    MEASURES,
    EnoughData,
    FlagConfig,
    HealthConfig,
    MeasureConfig,
)

# The layout of health.toml, as pydantic models (cstui.domain.config reads them).

_Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
_Whole0 = Annotated[int, Field(ge=0)]
_Whole1 = Annotated[int, Field(ge=1)]
_Score = Annotated[int, Field(ge=0, le=100)]
_Enum = Strict(False)
"""Stage names are text in TOML; the enum is looked up from it."""


def _weight(value: float) -> float:
    if value < 0:
        raise invalid("config.health.negative_weight", got=shown(value))
    return value


_Weight = Annotated[float, AfterValidator(_weight)]


class _Measure(ConfigModel):
    label_en: _Text
    label_ja: _Text
    poor: float
    good: float

    @model_validator(mode="after")
    def _differ(self) -> Self:
        if self.poor == self.good:
            raise invalid("config.health.same_poor_good", at="good", value=f"{self.poor:g}")
        return self


class _Measures(ConfigModel):
    unknown_key: ClassVar[str] = "config.health.unknown_measure"
    adoption: _Measure
    maturity: _Measure
    engagement: _Measure
    sentiment: _Measure
    support: _Measure
    onboarding: _Measure
    outcomes: _Measure


class _Weights(ConfigModel):
    """The default weights: every measure needs one."""

    unknown_key: ClassVar[str] = "config.health.unknown_measure"
    adoption: _Weight
    maturity: _Weight
    engagement: _Weight
    sentiment: _Weight
    support: _Weight
    onboarding: _Weight
    outcomes: _Weight


class _Profile(ConfigModel):
    """A stage's weights: only the ones that differ from the defaults."""

    unknown_key: ClassVar[str] = "config.health.unknown_measure"
    adoption: _Weight | None = None
    maturity: _Weight | None = None
    engagement: _Weight | None = None
    sentiment: _Weight | None = None
    support: _Weight | None = None
    onboarding: _Weight | None = None
    outcomes: _Weight | None = None


class _Profiles(ConfigModel):
    unknown_key: ClassVar[str] = "config.health.unknown_stage"
    kickoff: _Profile | None = None
    onboarding: _Profile | None = None
    adoption: _Profile | None = None
    expansion: _Profile | None = None
    renewal: _Profile | None = None
    advocacy: _Profile | None = None
    churned: _Profile | None = None
    not_a_fit: _Profile | None = None


class _Rules(ConfigModel):
    usage_max_age_days: _Whole0
    survey_window_days: _Whole0
    on_track_ratio: Annotated[float, Field(ge=0, le=1)]
    unscored_stages: list[Annotated[Stage, _Enum]] = Field(default_factory=list)
    min_measures: Annotated[int, Field(ge=0, le=len(MEASURES))] = EnoughData().min_measures
    min_weight_pct: Annotated[float, Field(ge=0, le=100)] = EnoughData().min_weight_pct


class _Bands(ConfigModel):
    red_below: _Score
    green_from: _Score

    @model_validator(mode="after")
    def _order(self) -> Self:
        if self.red_below > self.green_from:
            raise invalid(
                "config.health.bands_order",
                at="green_from",
                green=self.green_from,
                red=self.red_below,
            )
        return self


class _Cadence(ConfigModel):
    high: _Whole1
    mid: _Whole1
    tech: _Whole1


class _Stars(ConfigModel):
    one: _Score = Field(alias="1")
    two: _Score = Field(alias="2")
    three: _Score = Field(alias="3")
    four: _Score = Field(alias="4")
    five: _Score = Field(alias="5")


class _Override(ConfigModel):
    stars: _Stars


class _Trend(ConfigModel):
    days: _Whole1
    dead_band: _Whole0


class _Flag(ConfigModel):
    label_en: _Text
    label_ja: _Text


class _WindowFlag(_Flag):
    window_days: _Whole0


class _UsageDrop(_Flag):
    drop_pct: Annotated[float, Field(ge=0)]
    days: _Whole1
    tolerance_days: _Whole0


class _Detractor(_WindowFlag):
    max_score: _Whole0


class _Flags(ConfigModel):
    unknown_key: ClassVar[str] = "config.health.unknown_rule"
    champion_left: _WindowFlag = Field(alias="champion-left")
    usage_drop: _UsageDrop = Field(alias="usage-drop")
    no_touch: _Flag = Field(alias="no-touch")
    renewal_risk: _WindowFlag = Field(alias="renewal-risk")
    renewal_overdue: _Flag = Field(alias="renewal-overdue")
    detractor: _Detractor
    touchpoint_missed: _WindowFlag = Field(alias="touchpoint-missed")


class HealthFile(ConfigModel):
    """``health.toml``: the layout the shipped file documents with comments."""

    measures: _Measures
    weights: _Weights
    profiles: _Profiles = _Profiles()
    rules: _Rules
    bands: _Bands
    cadence: _Cadence
    override: _Override
    trend: _Trend
    flags: _Flags

    def stage_weights(self) -> dict[Stage, dict[str, float]]:
        """Effective weights per stage: the stage's profile over the default weights."""
        default = self.weights.model_dump()
        out: dict[Stage, dict[str, float]] = {}
        for stage in Stage:
            profile = getattr(self.profiles, stage.value)
            over = profile.model_dump(exclude_none=True) if profile is not None else {}
            out[stage] = {key: float(over.get(key, default[key])) for key in MEASURES}
        return out

    @model_validator(mode="after")
    def _something_to_score(self) -> Self:
        weights = self.stage_weights()
        for stage in Stage:
            if stage not in self.rules.unscored_stages and not any(weights[stage].values()):
                mine = getattr(self.profiles, stage.value) is not None
                raise invalid(
                    "config.health.all_zero",
                    at=("profiles", stage.value) if mine else ("weights",),
                    stage=stage.value,
                )
        return self


def _build_config(data: Mapping[str, Any], file: HealthFile) -> HealthConfig:
    """The runtime config (lookup tables for ``compute_health``) from the validated file."""
    measures = {
        key: MeasureConfig(key, m.label_en, m.label_ja, m.poor, m.good)
        for key in MEASURES
        for m in [getattr(file.measures, key)]
    }
    weights = file.stage_weights()
    flags = file.flags
    stars = file.override.stars
    return HealthConfig(
        measures=measures,
        weights=weights,
        unscored_stages=frozenset(file.rules.unscored_stages),
        red_below=file.bands.red_below,
        green_from=file.bands.green_from,
        cadence={
            Tier.HIGH: file.cadence.high,
            Tier.MID: file.cadence.mid,
            Tier.TECH: file.cadence.tech,
        },
        star_scores={1: stars.one, 2: stars.two, 3: stars.three, 4: stars.four, 5: stars.five},
        trend_days=file.trend.days,
        trend_dead_band=file.trend.dead_band,
        usage_max_age_days=file.rules.usage_max_age_days,
        survey_window_days=file.rules.survey_window_days,
        on_track_ratio=file.rules.on_track_ratio,
        enough=EnoughData(file.rules.min_measures, file.rules.min_weight_pct),
        flags=FlagConfig(
            labels={
                rule: (flag.label_en, flag.label_ja)
                for rule, flag in zip(FLAG_RULES, _flag_tables(flags), strict=True)
            },
            champion_window_days=flags.champion_left.window_days,
            usage_drop_pct=flags.usage_drop.drop_pct,
            usage_drop_days=flags.usage_drop.days,
            usage_drop_tolerance_days=flags.usage_drop.tolerance_days,
            renewal_window_days=flags.renewal_risk.window_days,
            detractor_window_days=flags.detractor.window_days,
            detractor_max_score=flags.detractor.max_score,
            touchpoint_window_days=flags.touchpoint_missed.window_days,
        ),
        raw=data,
        stage_weights={s: tuple(w[k] for k in MEASURES) for s, w in weights.items()},
        lines=tuple((measures[k].poor, measures[k].good - measures[k].poor) for k in MEASURES),
    )


def _flag_tables(flags: _Flags) -> tuple[_Flag, ...]:
    """The flag tables in ``FLAG_RULES`` order."""
    return (
        flags.champion_left,
        flags.usage_drop,
        flags.no_touch,
        flags.renewal_risk,
        flags.renewal_overdue,
        flags.detractor,
        flags.touchpoint_missed,
    )


def parse_health_config(text: str, source: str, base: HealthConfig | None = None) -> HealthConfig:
    """Parse a health config file's ``text``; ``source`` names the file in error messages.

    With ``base``, the text only needs the keys it changes: it is deep-merged over
    ``base``. Without, it must be complete (as the shipped file is).
    """
    data = read_toml(text, source)
    merged = merge(base.raw, data) if base is not None else data
    return _build_config(merged, validate_data(merged, source, HealthFile, text))


def load_default_text() -> str:
    """The shipped ``cstui/defaults/health.toml`` (package data; the domain's only read)."""
    return resources.files("cstui").joinpath("defaults/health.toml").read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def default_health_config() -> HealthConfig:
    """The shipped health model, parsed once."""
    return parse_health_config(load_default_text(), "cstui/defaults/health.toml")


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
