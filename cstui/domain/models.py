"""The entities cstui keeps, as pydantic models with validation a CSM can read.

Records are stored as plain JSON dicts (see ``cstui.store``); these models are the one place
that decides what a valid record is. Money is held in whole units of the account currency
(yen have no minor unit and ARR is never quoted in cents), dates as ``datetime.date``.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from enum import StrEnum
from typing import Any, ClassVar, Self, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    ValidationError,
    field_validator,
    model_serializer,
    model_validator,
)


class Tier(StrEnum):
    """Touch model: how much human attention an account gets."""

    HIGH = "high"
    MID = "mid"
    TECH = "tech"


class Stage(StrEnum):
    """Lifecycle stage, in the order an account normally walks through them."""

    KICKOFF = "kickoff"
    ONBOARDING = "onboarding"
    ADOPTION = "adoption"
    EXPANSION = "expansion"
    RENEWAL = "renewal"
    ADVOCACY = "advocacy"
    CHURNED = "churned"
    NOT_A_FIT = "not_a_fit"


class ContactRole(StrEnum):
    CHAMPION = "champion"
    EXECUTIVE_SPONSOR = "executive_sponsor"
    DECISION_MAKER = "decision_maker"
    END_USER = "end_user"
    ADMIN = "admin"


class ActivityKind(StrEnum):
    CALL = "call"
    MEETING = "meeting"
    EMAIL = "email"
    NOTE = "note"
    QBR = "qbr"
    EXEC_REPORT = "exec_report"


class Sentiment(StrEnum):
    POSITIVE = "positive"
    NEUTRAL = "neutral"
    NEGATIVE = "negative"


class Priority(StrEnum):
    HIGH = "high"
    NORMAL = "normal"
    LOW = "low"


class TaskSource(StrEnum):
    MANUAL = "manual"
    ONBOARDING = "onboarding"
    CADENCE = "cadence"
    ALERT = "alert"
    VOC = "voc"
    QBR = "qbr"


class OwnerSide(StrEnum):
    CUSTOMER = "customer"
    US = "us"


class Audience(StrEnum):
    """Light success is for end users, deep success for the executives who renew."""

    LIGHT = "light"
    DEEP = "deep"


class ObjectiveStatus(StrEnum):
    NOT_STARTED = "not_started"
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    ACHIEVED = "achieved"
    MISSED = "missed"


class QBRStatus(StrEnum):
    DRAFT = "draft"
    READY = "ready"
    DELIVERED = "delivered"


class SurveyKind(StrEnum):
    NPS = "nps"
    CSAT = "csat"


class LoopStatus(StrEnum):
    """The voice-of-the-customer loop: listen, analyse, act, tell, monitor."""

    LISTENING = "listening"
    ANALYSING = "analysing"
    ACTING = "acting"
    TOLD = "told"
    MONITORING = "monitoring"


class Forecast(StrEnum):
    """How a renewal is expected to go (the forecast categories of a renewals call)."""

    COMMIT = "commit"
    LIKELY = "likely"
    AT_RISK = "at_risk"
    LOST = "lost"


class Outcome(StrEnum):
    """What actually happened at a renewal."""

    RENEWED = "renewed"
    EXPANDED = "expanded"
    DOWNGRADED = "downgraded"
    CHURNED = "churned"


_CURRENCY = re.compile(r"^[A-Z]{3}$")
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


class Record(BaseModel):
    """Base of every stored entity.

    Extra keys are ignored so records written by a newer cstui, and the store's meta fields
    (``_rev``, ``_sync``...), never make an older model refuse to load.
    """

    model_config = ConfigDict(
        extra="ignore", validate_assignment=True, str_strip_whitespace=True, defer_build=True
    )

    table: ClassVar[str] = ""
    labels: ClassVar[dict[str, str]] = {}

    id: str = ""

    def to_record(self) -> dict[str, Any]:
        """The JSON-able dict the store keeps."""
        return self.model_dump(mode="json")

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Self:
        return cls.model_validate(record)


def _require_text(value: str, what: str) -> str:
    if not value or not value.strip():
        raise ValueError(f"{what} cannot be empty.")
    return value


class Account(Record):
    table: ClassVar[str] = "accounts"
    labels: ClassVar[dict[str, str]] = {
        "name": "Name",
        "domain": "Domain",
        "tier": "Touch tier",
        "stage": "Stage",
        "owner": "Owner",
        "arr": "ARR",
        "currency": "Currency",
        "contract_start": "Contract start",
        "renewal_date": "Renewal date",
        "seats": "Seats",
        "tags": "Tags",
        "crm_ids": "CRM ids",
    }

    name: str
    domain: str = ""
    tier: Tier = Tier.MID
    stage: Stage = Stage.ONBOARDING
    owner: str = ""
    arr: int = 0
    currency: str = "JPY"
    contract_start: date | None = None
    renewal_date: date | None = None
    seats: int = 0
    crm_ids: dict[str, str] = Field(default_factory=dict)
    tags: list[str] = Field(default_factory=list)
    upsell_ideas: list[str] = Field(default_factory=list)

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        return _require_text(v, "Name")

    @field_validator("domain")
    @classmethod
    def _domain(cls, v: str) -> str:
        v = v.lower()
        if v and not _DOMAIN.match(v):
            raise ValueError(f"'{v}' is not a domain name like example.com.")
        return v

    @field_validator("arr")
    @classmethod
    def _arr(cls, v: int) -> int:
        if v < 0:
            raise ValueError("ARR cannot be negative.")
        return v

    @field_validator("seats")
    @classmethod
    def _seats(cls, v: int) -> int:
        if v < 0:
            raise ValueError("Seats cannot be negative.")
        return v

    @field_validator("currency")
    @classmethod
    def _currency(cls, v: str) -> str:
        v = v.upper()
        if not _CURRENCY.match(v):
            raise ValueError(f"'{v}' is not a three-letter currency code such as JPY or USD.")
        return v

    @field_validator("tags")
    @classmethod
    def _tags(cls, v: list[str]) -> list[str]:
        return [t.strip() for t in v if t.strip()]

    @model_validator(mode="after")
    def _dates(self) -> Self:
        if self.contract_start and self.renewal_date and self.renewal_date < self.contract_start:
            raise ValueError(
                f"Renewal date {self.renewal_date} is before the contract start "
                f"{self.contract_start}."
            )
        return self


class Contact(Record):
    table: ClassVar[str] = "contacts"
    labels: ClassVar[dict[str, str]] = {"name": "Name", "email": "Email", "role": "Role"}

    account_id: str
    name: str
    email: str = ""
    title: str = ""
    role: ContactRole = ContactRole.END_USER
    active: bool = True
    left_on: date | None = None

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        return _require_text(v, "Name")

    @field_validator("email")
    @classmethod
    def _email(cls, v: str) -> str:
        if v and ("@" not in v or v.startswith("@") or v.endswith("@") or " " in v):
            raise ValueError(f"'{v}' is not an email address.")
        return v


class UsageSnapshot(BaseModel):
    """One dated reading of the product-usage signals (the leading indicators).

    Bounds are declared as constraints (checked in pydantic's core, not in Python) because a
    large book holds hundreds of thousands of readings.
    """

    model_config = ConfigDict(defer_build=True, extra="ignore")

    date: date
    logins: int = Field(default=0, ge=0)
    active_users: int = Field(default=0, ge=0)
    key_feature_uses: int = Field(default=0, ge=0)
    features_used: int = Field(default=0, ge=0)
    data_volume: int = Field(default=0, ge=0)
    open_tickets: int = Field(default=0, ge=0)


class UsageHistory(Record):
    """All usage readings of one account, oldest first, in one record.

    One record per account rather than per reading: a book of 50,000 tech-touch accounts
    with a year of weekly readings would otherwise be millions of records.
    """

    table: ClassVar[str] = "usage"
    labels: ClassVar[dict[str, str]] = {"features_total": "Key features"}

    account_id: str
    features_total: int = 10
    snapshots: list[UsageSnapshot] = Field(default_factory=list)

    @field_validator("snapshots")
    @classmethod
    def _sorted(cls, v: list[UsageSnapshot]) -> list[UsageSnapshot]:
        return sorted(v, key=lambda s: s.date)

    @model_validator(mode="after")
    def _features(self) -> Self:
        for snap in self.snapshots:
            if snap.features_used > self.features_total:
                raise ValueError(
                    f"Features used on {snap.date} ({snap.features_used}) exceeds the "
                    f"{self.features_total} key features."
                )
        return self


class Activity(Record):
    table: ClassVar[str] = "activities"
    labels: ClassVar[dict[str, str]] = {"summary": "Summary", "date": "Date", "kind": "Kind"}

    account_id: str
    kind: ActivityKind = ActivityKind.NOTE
    date: date
    summary: str
    participants: list[str] = Field(default_factory=list)
    sentiment: Sentiment = Sentiment.NEUTRAL
    via_champion: bool = False
    created_by: str = ""
    story: bool = False
    created_at: datetime | None = None
    """When it was logged (``date`` is when it happened); kept by edits."""
    edited_by: str = ""
    edited_at: datetime | None = None

    @field_validator("summary")
    @classmethod
    def _summary(cls, v: str) -> str:
        return _require_text(v, "Summary")


class Task(Record):
    table: ClassVar[str] = "tasks"
    labels: ClassVar[dict[str, str]] = {"title": "Title", "due": "Due date"}

    account_id: str | None = None
    title: str
    due: date | None = None
    priority: Priority = Priority.NORMAL
    done: bool = False
    done_on: date | None = None
    source: TaskSource = TaskSource.MANUAL
    owner: str = ""
    notes: str = ""
    key: str = ""
    """A stable key for generated tasks (cadence, onboarding) so re-generating never duplicates."""

    @field_validator("title")
    @classmethod
    def _title(cls, v: str) -> str:
        return _require_text(v, "Title")


class OnboardingItem(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="ignore", str_strip_whitespace=True)

    id: str
    phase: str
    title: str
    offset_days: int = 0
    due: date | None = None
    owner_side: OwnerSide = OwnerSide.US
    core: bool = True
    first_value: bool = False
    done: bool = False
    done_on: date | None = None
    notes: str = ""
    depends_on: list[str] = Field(default_factory=list)
    """Ids of the items this one comes after (from the template's ``after``)."""
    by_week: str = ""
    """What the customer can do once this is done, for the "by week N" roadmap."""

    @field_validator("title")
    @classmethod
    def _title(cls, v: str) -> str:
        return _require_text(v, "Title")


class OnboardingPlan(Record):
    table: ClassVar[str] = "onboarding"
    labels: ClassVar[dict[str, str]] = {"satisfaction": "Satisfaction"}

    account_id: str
    template: str = ""
    start: date
    items: list[OnboardingItem] = Field(default_factory=list)
    satisfaction: int | None = None
    comprehension_ok: bool | None = None
    initial_goal_achieved: bool | None = None
    skip_weekends: bool = False
    phase_names: dict[str, str] = Field(default_factory=dict)
    """Phase id → name in the plan's language, in display order (from the template)."""
    removed: list[str] = Field(default_factory=list)
    """Template item ids the CSM removed, so re-applying the template does not revive them."""

    @field_validator("satisfaction")
    @classmethod
    def _satisfaction(cls, v: int | None) -> int | None:
        if v is not None and not 0 <= v <= 10:
            raise ValueError(f"Satisfaction must be between 0 and 10, not {v}.")
        return v


class Measurement(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="ignore")

    date: date
    value: float


class KPI(BaseModel):
    """A measurable indicator: where the customer started, where they want to be, and now."""

    model_config = ConfigDict(defer_build=True, extra="ignore", str_strip_whitespace=True)

    name: str
    unit: str = ""
    baseline: float
    target: float
    history: list[Measurement] = Field(default_factory=list)

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        return _require_text(v, "KPI name")

    @model_validator(mode="after")
    def _target(self) -> Self:
        if self.target == self.baseline:
            raise ValueError(
                "The target must differ from the baseline, or there is nothing to measure."
            )
        return self

    @property
    def current(self) -> float | None:
        if not self.history:
            return None
        return max(self.history, key=lambda m: m.date).value


class Objective(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="ignore", str_strip_whitespace=True)

    id: str
    title: str
    audience: Audience = Audience.LIGHT
    stakeholder_id: str | None = None
    kpi: KPI | None = None
    start: date | None = None
    due: date | None = None
    status_override: ObjectiveStatus | None = None
    tasks: list[str] = Field(default_factory=list)
    """Next steps agreed for this objective, one line each (who does what)."""

    @field_validator("title")
    @classmethod
    def _title(cls, v: str) -> str:
        return _require_text(v, "Objective")

    @model_serializer(mode="wrap")
    def _omit_no_tasks(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """No ``tasks`` key when there are none, so records written before the field existed
        (and the demo book) round-trip unchanged and a save does not rewrite every plan."""
        data: dict[str, Any] = handler(self)
        if not data.get("tasks"):
            data.pop("tasks", None)
        return data


class ROIInputs(BaseModel):
    """What the customer gains and pays, per year unless named per month."""

    model_config = ConfigDict(defer_build=True, extra="ignore")

    hours_saved_per_month: float = 0
    hourly_cost: float = 0
    extra_revenue: float = 0
    other_savings: float = 0
    annual_fee: float = 0
    currency: str = "JPY"

    @model_validator(mode="after")
    def _non_negative(self) -> Self:
        for name in ("hours_saved_per_month", "hourly_cost", "annual_fee"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name.replace('_', ' ').capitalize()} cannot be negative.")
        return self


class SuccessPlan(Record):
    table: ClassVar[str] = "success_plans"
    labels: ClassVar[dict[str, str]] = {"goal": "Goal"}

    account_id: str
    goal: str = ""
    template: str = ""
    objectives: list[Objective] = Field(default_factory=list)
    roi: ROIInputs | None = None


class QBR(Record):
    table: ClassVar[str] = "qbrs"
    labels: ClassVar[dict[str, str]] = {"period": "Period"}

    account_id: str
    period: str
    status: QBRStatus = QBRStatus.DRAFT
    sections: dict[str, str] = Field(default_factory=dict)
    stories: list[str] = Field(default_factory=list)
    frozen: dict[str, Any] | None = None
    delivered_on: date | None = None

    @field_validator("period")
    @classmethod
    def _period(cls, v: str) -> str:
        if not re.fullmatch(r"\d{4}Q[1-4]", v):
            raise ValueError(f"'{v}' is not a quarter like 2026Q3.")
        return v


class SurveyResponse(Record):
    table: ClassVar[str] = "surveys"
    labels: ClassVar[dict[str, str]] = {"score": "Score", "date": "Date"}

    account_id: str
    contact_id: str | None = None
    kind: SurveyKind = SurveyKind.NPS
    date: date
    score: int
    comment: str = ""

    @model_validator(mode="after")
    def _range(self) -> Self:
        low, high = (0, 10) if self.kind is SurveyKind.NPS else (1, 5)
        if not low <= self.score <= high:
            name = "An NPS score" if self.kind is SurveyKind.NPS else "A CSAT score"
            raise ValueError(f"{name} must be between {low} and {high}, not {self.score}.")
        return self


class FeatureRequest(Record):
    table: ClassVar[str] = "requests"
    labels: ClassVar[dict[str, str]] = {"title": "Title"}

    title: str
    verbatim: str = ""
    account_ids: list[str] = Field(default_factory=list)
    contact_ids: list[str] = Field(default_factory=list)
    status: LoopStatus = LoopStatus.LISTENING
    shipped: bool = False
    created: date | None = None

    @field_validator("title")
    @classmethod
    def _title(cls, v: str) -> str:
        return _require_text(v, "Title")


class Renewal(Record):
    """One renewal event of an account: the ARR due, the forecast, and the outcome when known.

    The id is ``{account_id}:{due}`` so two processes recording the same renewal write the
    same record. Whether ``churn_reason`` is one of the configured reasons is checked by
    :func:`cstui.domain.renewals.check_outcome` (the list is configuration, not code).
    """

    table: ClassVar[str] = "renewals"
    labels: ClassVar[dict[str, str]] = {
        "due": "Renewal date",
        "arr_due": "ARR due",
        "forecast": "Forecast",
        "outcome": "Outcome",
        "new_arr": "New ARR",
        "churn_reason": "Churn reason",
        "closed_on": "Closed on",
    }

    account_id: str
    due: date
    arr_due: int = 0
    currency: str = "JPY"
    forecast: Forecast = Forecast.LIKELY
    outcome: Outcome | None = None
    new_arr: int | None = None
    churn_reason: str | None = None
    closed_on: date | None = None
    notes: str = ""
    implied: bool = False
    """Not recorded by anyone: inferred from the account (see ``renewals.implied_renewals``)."""

    @field_validator("currency")
    @classmethod
    def _currency(cls, v: str) -> str:
        v = v.upper()
        if not _CURRENCY.match(v):
            raise ValueError(f"'{v}' is not a three-letter currency code such as JPY or USD.")
        return v

    @model_validator(mode="after")
    def _amounts(self) -> Self:
        if self.arr_due < 0:
            raise ValueError("ARR due cannot be negative.")
        if self.new_arr is not None and self.new_arr < 0:
            raise ValueError("New ARR cannot be negative.")
        return self


ALL_MODELS: tuple[type[Record], ...] = (
    Account,
    Contact,
    UsageHistory,
    Activity,
    Task,
    OnboardingPlan,
    SuccessPlan,
    QBR,
    SurveyResponse,
    FeatureRequest,
    Renewal,
)

_TYPE_MESSAGES = {
    "date_from_datetime_parsing": "is not a date (use YYYY-MM-DD)",
    "date_parsing": "is not a date (use YYYY-MM-DD)",
    "date_type": "is not a date (use YYYY-MM-DD)",
    "int_parsing": "is not a whole number",
    "int_from_float": "is not a whole number",
    "int_type": "is not a whole number",
    "float_parsing": "is not a number",
    "float_type": "is not a number",
    "bool_parsing": "is not yes/no (use true or false)",
    "enum": "is not one of {expected}",
    "missing": "is required",
    "string_type": "is not text",
    "greater_than_equal": "cannot be below {ge}",
}


def describe_errors(model: type[BaseModel], error: ValidationError) -> list[str]:
    """Turn pydantic's errors into sentences a CSM can act on, one per problem.

    Field-level messages are prefixed by the field's label; our own validators already speak
    in sentences, so their text is kept and pydantic's "Value error, " prefix dropped.
    """
    return [message for _, message in field_errors(model, error)]


def field_errors(model: type[BaseModel], error: ValidationError) -> list[tuple[str, str]]:
    """Like :func:`describe_errors`, with the field each sentence is about ("" for the record).

    Forms use the field to put the message next to the input it concerns.
    """
    labels: dict[str, str] = getattr(model, "labels", {})
    out: list[tuple[str, str]] = []
    for err in error.errors():
        loc = [str(p) for p in err.get("loc", ())]
        field = loc[0] if loc else ""
        # Nested errors (a usage reading inside a history) are named by their innermost field.
        named = next((p for p in reversed(loc) if not p.isdigit()), "")
        label = labels.get(named, named.replace("_", " ").capitalize()) if named else ""
        kind = err.get("type", "")
        if kind == "value_error":
            msg = str(err.get("msg", "")).removeprefix("Value error, ")
            out.append((field, msg))
            continue
        template = _TYPE_MESSAGES.get(kind)
        raw = err.get("input")
        shown = "" if isinstance(raw, dict) or raw is None else f" '{raw}'"
        if template is None:
            out.append((field, f"{label}{shown}: {err.get('msg', 'is not valid')}."))
            continue
        ctx = err.get("ctx") or {}
        if kind == "greater_than_equal" and ctx.get("ge") == 0:
            out.append((field, f"{label} cannot be negative."))
            continue
        text = template.format(
            expected=ctx.get("expected", "the allowed values"), ge=ctx.get("ge", "")
        )
        if kind == "missing":
            out.append((field, f"{label} {text}."))
        else:
            out.append((field, f"{label}{shown} {text}."))
    return out


class InvalidRecord(ValueError):
    """Raised by the workspace when input does not validate; ``messages`` are sentences.

    ``fields`` maps a field name to its sentences ("" for problems of the whole record), so
    a form can show each one beside its input.
    """

    def __init__(self, messages: list[str], fields: dict[str, list[str]] | None = None) -> None:
        super().__init__(" ".join(messages))
        self.messages = messages
        self.fields = fields if fields is not None else {"": list(messages)}

    @classmethod
    def from_error(cls, model: type[BaseModel], error: ValidationError) -> InvalidRecord:
        pairs = field_errors(model, error)
        fields: dict[str, list[str]] = {}
        for name, message in pairs:
            fields.setdefault(name, []).append(message)
        return cls([m for _, m in pairs], fields)


R = TypeVar("R", bound=Record)


def validate(model: type[R], data: dict[str, Any]) -> R:
    """Validate ``data`` as ``model``, raising InvalidRecord with readable sentences."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise InvalidRecord.from_error(model, exc) from None
