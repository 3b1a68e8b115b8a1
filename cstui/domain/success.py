"""Success plans: how far each objective has come, its status, and the templates to start from.

The one place objective status is derived; the health model's "outcomes" measure, the success
plan pane and the QBR all call :func:`objective_status`, so they can never disagree.

Progress. ``progress = (current − baseline) ÷ (target − baseline)``. The same formula serves
KPIs where lower is better ("hours per close": baseline 10, target 4, now 7 → 3 ÷ 6 = 0.5),
because numerator and denominator are then both negative. The raw value is not clamped: 1.2
means the target was beaten by 20 % and −0.3 that the KPI moved the wrong way, and both matter
for status. Only drawing clamps (:func:`bar_fraction`: below 0 draws an empty bar, above 1 a
full one).

Status, at a day ``as_of`` (only readings dated on or before it count):

1. a CSM's ``status_override`` wins (they know things the numbers do not);
2. an objective whose start is after ``as_of`` is *not started*;
3. without a KPI the status cannot be told (None; the health measure skips it);
4. a KPI without a reading yet is *not started* (no evidence either way);
5. progress ≥ 1 is *achieved*, even if reached late;
6. past the due date and short of 1 is *missed*;
7. otherwise *on track* when progress ≥ ``on_track_ratio`` × the share of the time from start
   to due that has elapsed (start: the objective's, else ``default_start`` such as the
   contract start, else the first reading), *at risk* when behind that pace. Without a due
   date no time can have elapsed, so progress ≥ 0 is on track and going backwards at risk.

Form input is checked by :func:`objective_from_form`, :func:`reading_from_form` and
:func:`roi_from_form`; they raise :class:`PlanInputError` naming the form field and an i18n
key, so the services layer can word each problem in the user's language beside its field.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as dc_field
from datetime import date
from enum import StrEnum
from importlib import resources
from typing import Annotated, Any, Final, Self, TypeVar

from pydantic import Field, Strict, model_validator

from cstui.domain.cadence import add_months
from cstui.domain.config import (
    ConfigError,
    ConfigModel,
    Ident,
    Text,
    find_key_line,
    invalid,
    parse_toml,
    shown,
)
from cstui.domain.config import Problem as ConfigProblem
from cstui.domain.enums import Audience, ObjectiveStatus
from cstui.domain.light import MeasurementLike, ObjectiveLike
from cstui.domain.models import (
    KPI,
    NAME_LIMIT,
    TITLE_LIMIT,
    Measurement,
    Objective,
    ROIInputs,
    SuccessPlan,
)
from cstui.i18n import msg

ON_TRACK_RATIO: Final = 0.8
"""Default pace: on track while progress ≥ 80 % of the elapsed share of time."""

GOOD: Final = frozenset({ObjectiveStatus.ON_TRACK, ObjectiveStatus.ACHIEVED})
BAD: Final = frozenset({ObjectiveStatus.AT_RISK, ObjectiveStatus.MISSED})

# --------------------------------------------------------------------------------------------
# Progress maths
# --------------------------------------------------------------------------------------------


def lower_is_better(kpi: KPI) -> bool:
    """Direction comes from the numbers: a target below the baseline means "reduce"."""
    return kpi.target < kpi.baseline


def progress(baseline: float, target: float, value: float) -> float:
    """Share of the way from baseline to target, unclamped (see the module notes)."""
    return (value - baseline) / (target - baseline)


def bar_fraction(value: float | None) -> float:
    """Progress as the filled share of a bar: clamped to 0…1; no reading draws empty."""
    if value is None or math.isnan(value):
        return 0.0
    return 0.0 if value < 0 else 1.0 if value > 1 else value


def latest_reading(kpi: KPI, as_of: date | None = None) -> Measurement | None:
    """The newest reading dated on or before ``as_of`` (any date when None)."""
    return _latest(kpi.history, as_of)


_M = TypeVar("_M", bound=MeasurementLike)


def _latest(history: Iterable[_M], as_of: date | None) -> _M | None:
    best: _M | None = None
    for m in history:
        if (as_of is None or m.date <= as_of) and (best is None or m.date >= best.date):
            best = m
    return best


def elapsed_share(start: date, due: date, as_of: date) -> float:
    """Share of the start → due span that has passed, clamped to 0…1 (a span ≤ 0 is over)."""
    span = (due - start).days
    if span <= 0:
        return 1.0
    return min(1.0, max(0.0, (as_of - start).days / span))


def objective_status(
    objective: ObjectiveLike,
    as_of: date,
    on_track_ratio: float = ON_TRACK_RATIO,
    default_start: date | None = None,
) -> ObjectiveStatus | None:
    """Status of an objective at ``as_of``; None when it cannot be told (no KPI)."""
    if objective.status_override is not None:
        return objective.status_override
    if objective.start is not None and objective.start > as_of:
        return ObjectiveStatus.NOT_STARTED
    kpi = objective.kpi
    if kpi is None:
        return None
    reading = _latest(kpi.history, as_of)
    if reading is None:
        return ObjectiveStatus.NOT_STARTED
    done = progress(kpi.baseline, kpi.target, reading.value)
    if done >= 1:
        return ObjectiveStatus.ACHIEVED
    due = objective.due
    if due is None:
        return ObjectiveStatus.ON_TRACK if done >= 0 else ObjectiveStatus.AT_RISK
    if as_of > due:
        return ObjectiveStatus.MISSED
    start = objective.start or default_start
    if start is None:
        start = min(m.date for m in kpi.history if m.date <= as_of)
    pace = on_track_ratio * elapsed_share(start, due, as_of)
    return ObjectiveStatus.ON_TRACK if done >= pace else ObjectiveStatus.AT_RISK


@dataclass(frozen=True, slots=True)
class ObjectiveSummary:
    """What the pane and the QBR show for one objective at a day."""

    objective: Objective
    status: ObjectiveStatus | None
    progress: float | None
    """Unclamped; None without a KPI reading."""
    current: float | None
    last_measured: date | None
    lower_is_better: bool
    overdue: bool


def summarize(
    objective: Objective,
    as_of: date,
    on_track_ratio: float = ON_TRACK_RATIO,
    default_start: date | None = None,
) -> ObjectiveSummary:
    kpi = objective.kpi
    reading = latest_reading(kpi, as_of) if kpi is not None else None
    status = objective_status(objective, as_of, on_track_ratio, default_start)
    return ObjectiveSummary(
        objective=objective,
        status=status,
        progress=(
            None
            if kpi is None or reading is None
            else progress(kpi.baseline, kpi.target, reading.value)
        ),
        current=None if reading is None else reading.value,
        last_measured=None if reading is None else reading.date,
        lower_is_better=kpi is not None and lower_is_better(kpi),
        overdue=(
            objective.due is not None
            and objective.due < as_of
            and status not in (ObjectiveStatus.ACHIEVED, None)
        ),
    )


@dataclass(frozen=True, slots=True)
class Coverage:
    """Whether both stories are told: end users (light) and the executive (deep)."""

    light: int
    deep: int
    counts: Mapping[ObjectiveStatus | None, int]

    @property
    def missing_deep(self) -> bool:
        """No deep objective: nothing in the plan shows the person who renews a return."""
        return self.deep == 0


def coverage(
    plan: SuccessPlan,
    as_of: date,
    on_track_ratio: float = ON_TRACK_RATIO,
    default_start: date | None = None,
) -> Coverage:
    counts: dict[ObjectiveStatus | None, int] = {}
    light = deep = 0
    for obj in plan.objectives:
        if obj.audience is Audience.DEEP:
            deep += 1
        else:
            light += 1
        status = objective_status(obj, as_of, on_track_ratio, default_start)
        counts[status] = counts.get(status, 0) + 1
    return Coverage(light=light, deep=deep, counts=counts)


def next_objective_id(plan: SuccessPlan | None) -> str:
    """``o<n>`` one past the highest number in use (ids are never reused within a plan)."""
    highest = 0
    for obj in plan.objectives if plan is not None else ():
        match = re.fullmatch(r"o(\d+)", obj.id)
        if match:
            highest = max(highest, int(match.group(1)))
    taken = {o.id for o in plan.objectives} if plan is not None else set()
    n = highest + 1
    while f"o{n}" in taken:
        n += 1
    return f"o{n}"


def with_reading(kpi: KPI, value: float, day: date) -> KPI:
    """The KPI with a reading added; a second reading on the same day replaces the first
    (one value per day, so "the latest" is never ambiguous). History stays sorted."""
    history = [m for m in kpi.history if m.date != day]
    history.append(Measurement(date=day, value=value))
    history.sort(key=lambda m: m.date)
    return kpi.model_copy(update={"history": history})


# --------------------------------------------------------------------------------------------
# Form input
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Problem:
    field: str
    """The form field it is about ("" for the whole record)."""
    key: str
    """i18n key of the sentence, e.g. ``success.error.same_target``."""
    params: Mapping[str, Any] = dc_field(default_factory=dict)


class PlanInputError(ValueError):
    """Input that cannot be saved, each problem tied to a field; nothing was written."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__("; ".join(f"{p.field}: {p.key}" for p in problems))
        self.problems = list(problems)


_MISSING = object()


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def parse_number(value: Any) -> float | None:
    """A finite number from a number or text ("1,200", " 3.5 "); None when it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip().replace(",", ""))
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


def parse_day(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


class _Reader:
    """Collects problems while reading a form's values, so all are reported at once."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.data = data
        self.problems: list[Problem] = []

    def has(self, name: str) -> bool:
        return name in self.data

    def fail(self, name: str, key: str, **params: Any) -> None:
        self.problems.append(Problem(name, key, params))

    def text(self, name: str, default: str = "") -> str:
        value = self.data.get(name, default)
        return "" if value is None else str(value).strip()

    def number(self, name: str, default: float | None = None) -> float | None:
        value = self.data.get(name, _MISSING)
        if value is _MISSING or _blank(value):
            return default if value is _MISSING else None
        number = parse_number(value)
        if number is None:
            self.fail(name, "success.error.number", text=str(value))
        return number

    def day(self, name: str, default: date | None = None) -> date | None:
        value = self.data.get(name, _MISSING)
        if value is _MISSING:
            return default
        if _blank(value):
            return None
        day = parse_day(value)
        if day is None:
            self.fail(name, "success.error.date", text=str(value))
        return day

    def done(self) -> None:
        if self.problems:
            raise PlanInputError(self.problems)


def _tasks(value: Any) -> list[str]:
    if value is None:
        return []
    lines = value.splitlines() if isinstance(value, str) else [str(v) for v in value]
    return [line.strip() for line in lines if line.strip()]


def _read_audience(r: _Reader, current: Objective | None) -> Audience:
    """Blank keeps the current audience (light for a new objective)."""
    audience: Audience = Audience.LIGHT if current is None else current.audience
    raw = r.data.get("audience")
    if not _blank(raw):
        try:
            audience = Audience(str(raw))
        except ValueError:
            r.fail("audience", "success.error.audience", text=str(raw))
    return audience


def _read_stakeholder(
    r: _Reader, current: Objective | None, contacts: Collection[str]
) -> str | None:
    """Only one of the account's contacts can be the stakeholder; blank clears it."""
    stakeholder = None if current is None else current.stakeholder_id
    if r.has("stakeholder"):
        stakeholder = r.text("stakeholder") or None
        if stakeholder is not None and stakeholder not in contacts:
            r.fail("stakeholder", "success.error.stakeholder", text=stakeholder)
    return stakeholder


def _read_kpi(r: _Reader, old: KPI | None) -> KPI | None:
    """All or nothing: a KPI needs a name, a baseline and a different target; the reading
    history survives edits of baseline or target."""
    name = r.text("kpi_name", old.name if old else "")
    if len(name) > NAME_LIMIT:
        r.fail("kpi_name", "success.error.too_long", length=len(name), limit=NAME_LIMIT)
    unit = r.text("unit", old.unit if old else "")
    baseline = r.number("baseline", old.baseline if old else None)
    target = r.number("target", old.target if old else None)
    if not name and baseline is None and target is None:
        return None
    failed = {p.field for p in r.problems}  # a number already refused is not also "required"
    if not name:
        r.fail("kpi_name", "success.error.kpi_name")
    if baseline is None and "baseline" not in failed:
        r.fail("baseline", "success.error.required")
    if target is None and "target" not in failed:
        r.fail("target", "success.error.required")
    if baseline is None or target is None or {"baseline", "target"} & failed:
        return None
    if target == baseline:
        r.fail("target", "success.error.same_target")
        return None
    if unit_kind(unit) is UnitKind.COUNT:
        for field, number in (("baseline", baseline), ("target", target)):
            if number < 0:
                r.fail(field, "success.error.negative")
        if baseline < 0 or target < 0:
            return None
    if not name:
        return None
    history = list(old.history) if old else []
    return KPI(name=name, unit=unit, baseline=baseline, target=target, history=history)


def _read_dates(
    r: _Reader, current: Objective | None, today: date
) -> tuple[date | None, date | None]:
    """(start, due). A due date in the past is refused on creation only: an old objective
    legitimately becomes overdue."""
    start = r.day("start", today if current is None else current.start)
    due = r.day("due", None if current is None else current.due)
    if due is not None:
        if current is None and due < today:
            r.fail("due", "success.error.due_past", day=due.isoformat())
        elif start is not None and due < start:
            r.fail("due", "success.error.due_before_start", day=start.isoformat())
    return start, due


def _read_status(r: _Reader, current: Objective | None) -> ObjectiveStatus | None:
    """The status override; blank or "auto" lets the status follow the KPI and dates."""
    override = None if current is None else current.status_override
    if r.has("status"):
        raw = r.text("status")
        if raw in ("", "auto"):
            return None
        try:
            override = ObjectiveStatus(raw)
        except ValueError:
            r.fail("status", "success.error.status", text=raw)
    return override


class UnitKind(StrEnum):
    """What a KPI's unit says about the values it can take."""

    PERCENT = "percent"
    """A share: 0–100 unless the KPI's own numbers say it can go beyond."""
    COUNT = "count"
    """Things counted or time spent (件, people, days, h…): never negative."""
    OTHER = "other"
    """A score, money, an index, or no unit: any number."""


_PERCENT_UNITS: Final = frozenset({"%", "％", "percent", "pct", "パーセント"})
_COUNT_WORDS: Final = (
    "件", "人", "名", "社", "部署", "枚", "日", "時間", "分", "回", "個", "台", "本", "通",
    "h", "hr", "hrs", "hour", "hours", "min", "mins", "minute", "minutes", "day", "days",
    "week", "weeks", "month", "months", "people", "person", "users", "user", "seats",
    "customers", "accounts", "deals", "departments", "findings", "forms", "questions",
    "tickets", "items", "documents", "cases", "calls", "meetings", "leads", "times",
)  # fmt: skip
_RATE: Final = re.compile(r"\s*(/|per\b)\s*.*$", re.IGNORECASE)

UNBOUNDED_LIMIT: Final = 10.0
"""A % KPI whose baseline or target is beyond 0–100 (growth, ROI) may read up to this many
times its largest number: wide enough for any real figure, still catching a slipped
decimal point (1,000 % for 100 %)."""

_RETURN_NAMES: Final = ("roi", "return on investment", "投資対効果", "growth", "成長", "増加率")


def unit_kind(unit: str) -> UnitKind:
    """Classify a free-text unit: "%" is a share; "件/月", "h/month", "deals" are counts (a
    rate of a count is still never negative); anything else is not checked."""
    text = unit.strip().casefold()
    if not text:
        return UnitKind.OTHER
    if text in _PERCENT_UNITS or text.endswith(("%", "％")):
        return UnitKind.PERCENT
    head = _RATE.sub("", text).strip() or text
    if head in _COUNT_WORDS or any(head.endswith(w) for w in _COUNT_WORDS if not w.isascii()):
        return UnitKind.COUNT
    return UnitKind.OTHER


def reading_bounds(
    unit: str, baseline: float, target: float, name: str = ""
) -> tuple[float | None, float | None]:
    """(lowest, highest) value a reading of this KPI may take; None is no limit.

    A % KPI stays within 0–100 unless it says otherwise: a baseline or target above 100
    (or a KPI named ROI / growth) lifts the top to :data:`UNBOUNDED_LIMIT` times its largest
    number, and a negative one (or a return, which can be a loss) opens the bottom to −100 %
    or further. A count is never negative.
    """
    kind = unit_kind(unit)
    low, high = min(baseline, target), max(baseline, target)
    if kind is UnitKind.COUNT:
        return (0.0 if low >= 0 else None), None
    if kind is not UnitKind.PERCENT:
        return None, None
    folded = name.casefold()
    returns = any(n in folded for n in _RETURN_NAMES)
    top = 100.0 if high <= 100 and not returns else UNBOUNDED_LIMIT * max(100.0, high)
    bottom = 0.0 if low >= 0 and not returns else min(-100.0, UNBOUNDED_LIMIT * low)
    return bottom, top


def _check_bounds(
    r: _Reader, field: str, value: float, bounds: tuple[float | None, float | None]
) -> None:
    low, high = bounds
    if low is not None and value < low:
        if low == 0:
            r.fail(field, "success.error.negative")
        else:
            r.fail(field, "success.error.below", low=plain(low))
    elif high is not None and value > high:
        r.fail(field, "success.error.above", high=plain(high))


def plain(value: float) -> str:
    """A bound as the CSM typed it: 100, not 100.0."""
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def objective_from_form(
    data: Mapping[str, Any],
    *,
    current: Objective | None,
    new_id: str,
    contacts: Collection[str],
    today: date,
) -> Objective:
    """An objective from form values: a new one (``current`` None) or ``current`` edited.

    The fields: title, audience, stakeholder, kpi_name, unit, baseline, target, start, due,
    status and tasks. Fields absent from ``data`` keep their current value. The KPI is all
    or nothing: a name, a baseline and a target, the target different from the baseline;
    blanking all three removes it. A due date before ``today`` is refused on creation only
    (an old objective legitimately becomes overdue). Editing baseline or target keeps the
    reading history.
    """
    r = _Reader(data)
    title = r.text("title", "" if current is None else current.title)
    if not title:
        r.fail("title", "success.error.required")
    elif len(title) > TITLE_LIMIT:
        r.fail("title", "success.error.too_long", length=len(title), limit=TITLE_LIMIT)
    audience = _read_audience(r, current)
    stakeholder = _read_stakeholder(r, current, contacts)
    kpi = _read_kpi(r, current.kpi if current is not None else None)
    start, due = _read_dates(r, current, today)
    override = _read_status(r, current)
    tasks = _tasks(data["tasks"]) if r.has("tasks") else list(current.tasks) if current else []
    r.done()
    return Objective(
        id=new_id if current is None else current.id,
        title=title,
        audience=audience,
        stakeholder_id=stakeholder,
        kpi=kpi,
        start=start,
        due=due,
        status_override=override,
        tasks=tasks,
    )


def reading_from_form(
    data: Mapping[str, Any], *, today: date, kpi: KPI | None = None
) -> tuple[float, date]:
    """A KPI reading (fields ``value`` and ``date``); future days are refused, and so is a
    value outside what the KPI's unit allows (:func:`reading_bounds`)."""
    r = _Reader(data)
    value = r.number("value")
    if value is None and not r.problems:
        r.fail("value", "success.error.required")
    if value is not None and kpi is not None:
        _check_bounds(
            r, "value", value, reading_bounds(kpi.unit, kpi.baseline, kpi.target, kpi.name)
        )
    day = r.day("date", today)
    if day is None and not any(p.field == "date" for p in r.problems):
        r.fail("date", "success.error.required")
    elif day is not None and day > today:
        r.fail("date", "success.error.future", day=day.isoformat())
    r.done()
    assert value is not None
    assert day is not None
    return value, day


ROI_FIELDS: Final = (
    "hours_saved_per_month",
    "hourly_cost",
    "extra_revenue",
    "other_savings",
    "annual_fee",
    "currency",
)
_NON_NEGATIVE: Final = frozenset({"hours_saved_per_month", "hourly_cost", "annual_fee"})


def roi_from_form(
    data: Mapping[str, Any], *, current: ROIInputs | None, currency: str
) -> ROIInputs:
    """ROI inputs from form values; absent fields keep their current value (else 0).

    Extra revenue and other savings may be negative (a cost the product added); hours,
    hourly cost and the fee may not.
    """
    r = _Reader(data)
    base = current.model_dump() if current is not None else {}
    values: dict[str, Any] = {}
    for name in ROI_FIELDS[:-1]:
        number = r.number(name, float(base.get(name, 0.0)))
        values[name] = 0.0 if number is None else number
        if name in _NON_NEGATIVE and number is not None and number < 0:
            r.fail(name, "success.error.negative")
    code = r.text("currency", str(base.get("currency", currency))).upper() or currency
    if not re.fullmatch(r"[A-Z]{3}", code):
        r.fail("currency", "success.error.currency", text=code)
    values["currency"] = code
    r.done()
    return ROIInputs.model_validate(values)


# --------------------------------------------------------------------------------------------
# Templates
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Words:
    """One text in English and Japanese."""

    en: str
    ja: str

    def get(self, lang: str) -> str:
        return self.ja if lang == "ja" else self.en


@dataclass(frozen=True, slots=True)
class KPITemplate:
    """A KPI with example numbers; the CSM replaces them with the customer's own."""

    name: Words
    unit: Words
    baseline: float
    target: float

    @property
    def lower_is_better(self) -> bool:
        return self.target < self.baseline


@dataclass(frozen=True, slots=True)
class ObjectiveTemplate:
    title: Words
    audience: Audience
    kpi: KPITemplate
    months: int
    """Due this many months after the plan starts (deep ones: at renewal when known)."""


@dataclass(frozen=True, slots=True)
class SuccessTemplate:
    id: str
    name: Words
    goal: Words
    objectives: tuple[ObjectiveTemplate, ...]


def _w(en: str, ja: str) -> Words:
    return Words(en, ja)


# The layout of cstui/defaults/success/*.toml, as pydantic models (see cstui.domain.config).


class _ObjectiveFile(ConfigModel):
    audience: Annotated[Audience, Strict(False)]
    title_en: Text
    title_ja: Text
    kpi_en: Text
    kpi_ja: Text
    unit_en: str = ""
    unit_ja: str = ""
    baseline: int | float
    target: int | float
    months: Annotated[int, Field(ge=1)] = 6

    @model_validator(mode="after")
    def _moves(self) -> Self:
        if self.target == self.baseline:
            raise invalid("config.success.same_target", at="target", value=shown(self.target))
        return self


class SuccessTemplateFile(ConfigModel):
    """One success-plan template file; ``order`` places it in the list the CSM picks from."""

    id: Ident
    order: int = 0
    name_en: Text
    name_ja: Text
    goal_en: Text
    goal_ja: Text
    objectives: Annotated[list[_ObjectiveFile], Field(min_length=1)]


def _template(file: SuccessTemplateFile) -> SuccessTemplate:
    return SuccessTemplate(
        id=file.id,
        name=_w(file.name_en, file.name_ja),
        goal=_w(file.goal_en, file.goal_ja),
        objectives=tuple(
            ObjectiveTemplate(
                title=_w(o.title_en, o.title_ja),
                audience=o.audience,
                kpi=KPITemplate(
                    _w(o.kpi_en, o.kpi_ja), _w(o.unit_en, o.unit_ja), o.baseline, o.target
                ),
                months=o.months,
            )
            for o in file.objectives
        ),
    )


def shipped_template_texts() -> list[tuple[str, str]]:
    """(source, text) of every ``cstui/defaults/success/*.toml`` (package data)."""
    folder = resources.files("cstui").joinpath("defaults", "success")
    return [
        (f"cstui/defaults/success/{entry.name}", entry.read_text("utf-8"))
        for entry in sorted(folder.iterdir(), key=lambda e: e.name)
        if entry.name.endswith(".toml")
    ]


def load_templates(texts: Iterable[tuple[str, str]]) -> tuple[SuccessTemplate, ...]:
    """Parse every (source, text), in ``order`` then file order; a duplicate id is an error."""
    ranked: list[tuple[int, int, SuccessTemplate]] = []
    seen: set[str] = set()
    for n, (source, text) in enumerate(texts):
        file = parse_toml(text, source, SuccessTemplateFile)
        if file.id in seen:
            line = find_key_line(text, ("id",))
            problem = ConfigProblem(line, "id", msg("config.success.duplicate", got=shown(file.id)))
            raise ConfigError(source, [problem])
        seen.add(file.id)
        ranked.append((file.order, n, _template(file)))
    return tuple(tpl for _, _, tpl in sorted(ranked, key=lambda r: (r[0], r[1])))


TEMPLATES: Final[tuple[SuccessTemplate, ...]] = load_templates(shipped_template_texts())
"""A dozen patterns (as Sansan shares with its customers); ids match the demo's plans.

The texts live in ``cstui/defaults/success/*.toml`` (English and Japanese), like the
onboarding templates."""

_BY_ID: Final = {tpl.id: tpl for tpl in TEMPLATES}


def template(template_id: str) -> SuccessTemplate | None:
    return _BY_ID.get(template_id)


def objectives_from_template(
    tpl: SuccessTemplate,
    *,
    lang: str,
    today: date,
    renewal: date | None = None,
    stakeholders: Mapping[Audience, str | None] | None = None,
) -> list[Objective]:
    """The template's objectives, starting today, KPIs without readings yet.

    Deep objectives fall due at the renewal when it is ahead (that is when the executive
    decides), light ones after their own months.
    """
    people = stakeholders or {}
    out: list[Objective] = []
    for n, spec in enumerate(tpl.objectives, 1):
        due = add_months(today, spec.months)
        if spec.audience is Audience.DEEP and renewal is not None and renewal > today:
            due = renewal
        out.append(
            Objective(
                id=f"o{n}",
                title=spec.title.get(lang),
                audience=spec.audience,
                stakeholder_id=people.get(spec.audience),
                kpi=KPI(
                    name=spec.kpi.name.get(lang),
                    unit=spec.kpi.unit.get(lang),
                    baseline=spec.kpi.baseline,
                    target=spec.kpi.target,
                ),
                start=today,
                due=due,
            )
        )
    return out
