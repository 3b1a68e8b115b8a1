"""The entities cstui keeps, as pydantic models with validation a CSM can read.

Records are stored as plain JSON dicts (see ``cstui.store``); these models are the one place
that decides what a valid record is. Money is held in whole units of the account currency
(yen have no minor unit and ARR is never quoted in cents), dates as ``datetime.date``.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any, ClassVar, Final, Self, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_serializer,
    model_validator,
)

from cstui import i18n
from cstui.domain.config import invalid
from cstui.domain.enums import (
    ActivityKind,
    Audience,
    ContactRole,
    Forecast,
    LoopStatus,
    ObjectiveStatus,
    Outcome,
    OwnerSide,
    Priority,
    QBRStatus,
    Sentiment,
    Stage,
    SurveyKind,
    Table,
    TaskSource,
    Tier,
)
from cstui.i18n import Msg, msg

_CURRENCY = re.compile(r"^[A-Z]{3}$")
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


NAME_LIMIT: Final = 200
"""Most characters in a name (an account, a contact, a KPI): a screen line, with room."""
TITLE_LIMIT: Final = 500
"""Most characters in a title (a task, a checklist item, an objective, a request)."""
INPUT: Final = {"input": True}
"""Validation context of new input (forms, imports, the CLI): length limits apply. Stored
records load without it, so a long name saved before the limits never stops cstui."""


def _limited(most: int) -> AfterValidator:
    def check(value: str, info: ValidationInfo) -> str:
        if len(value) > most and info.context is not None and info.context.get("input"):
            label = f"field.{info.field_name}"
            if label not in i18n.catalogue("en"):
                label = "field.name"
            raise invalid("validation.too_long", label=Msg(label), limit=most, length=len(value))
        return value

    return AfterValidator(check)


def _required(label: str) -> AfterValidator:
    """Refuses a blank text; ``label``: the i18n key of the field's name in the message."""

    def check(value: str) -> str:
        if not value or not value.strip():
            raise invalid("validation.empty", label=Msg(label))
        return value

    return AfterValidator(check)


def _currency(value: str) -> str:
    value = value.upper()
    if not _CURRENCY.match(value):
        raise invalid("validation.currency", value=value)
    return value


def _not_negative(value: int, info: ValidationInfo) -> int:
    if value < 0:
        raise invalid("validation.negative", label=Msg(f"field.{info.field_name}"))
    return value


Name = Annotated[str, _limited(NAME_LIMIT)]
Title = Annotated[str, _limited(TITLE_LIMIT)]
RequiredName = Annotated[Name, _required("field.name")]
RequiredTitle = Annotated[Title, _required("field.title")]
Currency = Annotated[str, AfterValidator(_currency)]
NotNegative = Annotated[int, AfterValidator(_not_negative)]


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
    """Field → i18n key of its label in error messages, when not ``field.<name>`` (a text
    that is no catalogue key is shown as it is, in every language)."""

    id: str = ""

    def to_record(self) -> dict[str, Any]:
        """The JSON-able dict the store keeps."""
        return self.model_dump(mode="json")

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Self:
        return cls.model_validate(record)


class Account(Record):
    table: ClassVar[str] = Table.ACCOUNTS

    name: RequiredName
    domain: str = ""
    tier: Tier = Tier.MID
    stage: Stage = Stage.ONBOARDING
    owner: str = ""
    arr: NotNegative = 0
    currency: Currency = "JPY"
    contract_start: date | None = None
    renewal_date: date | None = None
    seats: NotNegative = 0
    crm_ids: dict[str, str] = Field(default_factory=dict)
    tags: list[str] = Field(default_factory=list)
    upsell_ideas: list[str] = Field(default_factory=list)

    @field_validator("domain")
    @classmethod
    def _domain(cls, v: str) -> str:
        v = v.lower()
        if v and not _DOMAIN.match(v):
            raise invalid("validation.domain", value=v)
        return v

    @field_validator("tags")
    @classmethod
    def _tags(cls, v: list[str]) -> list[str]:
        return [t.strip() for t in v if t.strip()]

    @model_validator(mode="after")
    def _dates(self) -> Self:
        if self.contract_start and self.renewal_date and self.renewal_date < self.contract_start:
            raise invalid(
                "validation.renewal_before_start",
                renewal=self.renewal_date,
                start=self.contract_start,
            )
        return self


class Contact(Record):
    table: ClassVar[str] = Table.CONTACTS

    account_id: str
    name: RequiredName
    email: str = ""
    title: str = ""
    role: ContactRole = ContactRole.END_USER
    active: bool = True
    left_on: date | None = None

    @field_validator("email")
    @classmethod
    def _email(cls, v: str) -> str:
        if v and ("@" not in v or v.startswith("@") or v.endswith("@") or " " in v):
            raise invalid("validation.email", value=v)
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

    table: ClassVar[str] = Table.USAGE

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
                raise invalid(
                    "validation.features",
                    day=snap.date,
                    used=snap.features_used,
                    total=self.features_total,
                )
        return self


class Activity(Record):
    table: ClassVar[str] = Table.ACTIVITIES

    account_id: str
    kind: ActivityKind = ActivityKind.NOTE
    date: date
    summary: Annotated[str, _required("field.summary")]
    participants: list[str] = Field(default_factory=list)
    sentiment: Sentiment = Sentiment.NEUTRAL
    via_champion: bool = False
    created_by: str = ""
    story: bool = False
    created_at: datetime | None = None
    """When it was logged (``date`` is when it happened); kept by edits."""
    edited_by: str = ""
    edited_at: datetime | None = None


class Task(Record):
    table: ClassVar[str] = Table.TASKS
    labels: ClassVar[dict[str, str]] = {"due": "field.task_due"}

    account_id: str | None = None
    title: RequiredTitle
    due: date | None = None
    priority: Priority = Priority.NORMAL
    done: bool = False
    done_on: date | None = None
    source: TaskSource = TaskSource.MANUAL
    owner: str = ""
    notes: str = ""
    key: str = ""
    """A stable key for generated tasks (cadence, onboarding) so re-generating never duplicates."""


class OnboardingItem(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="ignore", str_strip_whitespace=True)

    id: str
    phase: str
    title: RequiredTitle
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


class OnboardingPlan(Record):
    table: ClassVar[str] = Table.ONBOARDING

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
            raise invalid("validation.satisfaction", value=v)
        return v


class Measurement(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="ignore")

    date: date
    value: float


class KPI(BaseModel):
    """A measurable indicator: where the customer started, where they want to be, and now."""

    model_config = ConfigDict(defer_build=True, extra="ignore", str_strip_whitespace=True)

    name: Annotated[Name, _required("field.kpi_name")]
    unit: str = ""
    baseline: float
    target: float
    history: list[Measurement] = Field(default_factory=list)

    @model_validator(mode="after")
    def _target(self) -> Self:
        if self.target == self.baseline:
            raise invalid("validation.same_target")
        return self

    @property
    def current(self) -> float | None:
        if not self.history:
            return None
        return max(self.history, key=lambda m: m.date).value


class Objective(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="ignore", str_strip_whitespace=True)

    id: str
    title: Annotated[Title, _required("field.objective")]
    audience: Audience = Audience.LIGHT
    stakeholder_id: str | None = None
    kpi: KPI | None = None
    start: date | None = None
    due: date | None = None
    status_override: ObjectiveStatus | None = None
    tasks: list[str] = Field(default_factory=list)
    """Next steps agreed for this objective, one line each (who does what)."""

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
                raise invalid("validation.negative", label=Msg(f"field.{name}"))
        return self


class SuccessPlan(Record):
    table: ClassVar[str] = Table.SUCCESS_PLANS

    account_id: str
    goal: str = ""
    template: str = ""
    objectives: list[Objective] = Field(default_factory=list)
    roi: ROIInputs | None = None


class QBR(Record):
    table: ClassVar[str] = Table.QBRS

    account_id: str
    period: str
    status: QBRStatus = QBRStatus.DRAFT
    sections: dict[str, str] = Field(default_factory=dict)
    stories: list[str] = Field(default_factory=list)
    frozen: dict[str, Any] | None = None
    delivered_on: date | None = None
    exports: dict[str, str] = Field(default_factory=dict)
    """Format (md, html, pptx) → the file the review was last exported to from the QBR tab;
    not review content, so it may change after delivery."""

    @field_validator("period")
    @classmethod
    def _period(cls, v: str) -> str:
        if not re.fullmatch(r"\d{4}Q[1-4]", v):
            raise invalid("validation.quarter", value=v)
        return v


class SurveyResponse(Record):
    table: ClassVar[str] = Table.SURVEYS

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
            key = "validation.nps_range" if self.kind is SurveyKind.NPS else "validation.csat_range"
            raise invalid(key, low=low, high=high, value=self.score)
        return self


class FeatureRequest(Record):
    table: ClassVar[str] = Table.REQUESTS

    title: RequiredTitle
    verbatim: str = ""
    account_ids: list[str] = Field(default_factory=list)
    contact_ids: list[str] = Field(default_factory=list)
    status: LoopStatus = LoopStatus.LISTENING
    shipped: bool = False
    created: date | None = None


class Renewal(Record):
    """One renewal event of an account: the ARR due, the forecast, and the outcome when known.

    The id is ``{account_id}:{due}`` so two processes recording the same renewal write the
    same record. Whether ``churn_reason`` is one of the configured reasons is checked by
    :func:`cstui.domain.renewals.check_outcome` (the list is configuration, not code).
    """

    table: ClassVar[str] = Table.RENEWALS
    labels: ClassVar[dict[str, str]] = {"due": "field.renewal_due"}

    account_id: str
    due: date
    arr_due: int = 0
    currency: Currency = "JPY"
    forecast: Forecast = Forecast.LIKELY
    outcome: Outcome | None = None
    new_arr: int | None = None
    churn_reason: str | None = None
    closed_on: date | None = None
    notes: str = ""
    implied: bool = False
    """Not recorded by anyone: inferred from the account (see ``renewals.implied_renewals``)."""

    @model_validator(mode="after")
    def _amounts(self) -> Self:
        if self.arr_due < 0:
            raise invalid("validation.negative", label=Msg("field.arr_due"))
        if self.new_arr is not None and self.new_arr < 0:
            raise invalid("validation.negative", label=Msg("field.new_arr"))
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

_TYPE_MESSAGES: Final[dict[str, str]] = {
    "date_from_datetime_parsing": "validation.type.date",
    "date_parsing": "validation.type.date",
    "date_type": "validation.type.date",
    "int_parsing": "validation.type.whole",
    "int_from_float": "validation.type.whole",
    "int_type": "validation.type.whole",
    "float_parsing": "validation.type.number",
    "float_type": "validation.type.number",
    "bool_parsing": "validation.type.bool",
    "enum": "validation.type.enum",
    "missing": "validation.type.missing",
    "string_type": "validation.type.text",
    "greater_than_equal": "validation.type.at_least",
}
"""Pydantic error type → i18n key of the sentence (params: label, shown, expected, ge)."""


_ENUM_LABELS: Final[dict[type[StrEnum], str]] = {
    Tier: "tier",
    Stage: "stage",
    ContactRole: "account.role",
    ActivityKind: "account.kind",
    Sentiment: "account.sentiment",
    Priority: "taskpane.priority",
    LoopStatus: "book.loop",
}
"""Where each choice's words live in the catalogues (``<prefix>.<value>``)."""


def _choices(model: type[BaseModel], name: str) -> i18n.Join | None:
    """A field's allowed values as the UI words them, each followed by the value to type
    where the words differ ("傾聴中 (listening)"): pydantic's "'listening', 'analysing'"
    is neither English nor Japanese."""
    info = model.model_fields.get(name)
    kinds = [info.annotation] if info is not None else []
    kinds += [a for k in kinds for a in getattr(k, "__args__", ())]
    enum = next((k for k in kinds if isinstance(k, type) and issubclass(k, StrEnum)), None)
    if enum is None:
        return None
    prefix = _ENUM_LABELS.get(enum)
    words = []
    for member in enum:
        by_lang = {}
        for lang in i18n.LANGUAGES:
            label = i18n.catalogue(lang).get(f"{prefix}.{member.value}") if prefix else None
            plain = member.value.replace("_", " ")
            if not label or label.casefold() == plain.casefold():
                by_lang[lang] = plain  # what to type, and the same word ("high", not "High")
            else:
                by_lang[lang] = f"{label} ({member.value})"
        words.append(i18n.texts(**by_lang))
    return i18n.join("sep.list", words)


def _label(model: type[BaseModel], name: str) -> Msg | str:
    """The field's name in the reader's language: the model's label key, else ``field.<name>``,
    else the name itself made readable (``hours_saved`` → "Hours saved")."""
    labels: dict[str, str] = getattr(model, "labels", {})
    key = labels.get(name) or f"field.{name}"
    if key in i18n.catalogue("en"):
        return Msg(key)
    return labels.get(name) or name.replace("_", " ").capitalize()


def error_messages(model: type[BaseModel], error: ValidationError) -> list[tuple[str, Msg | str]]:
    """Pydantic's errors as (field, message) pairs, one per problem ("" for the whole record).

    Messages are :class:`~cstui.i18n.Msg` values worded by ``i18n.render`` in the reader's
    language; a validator that raised a plain sentence (already worded) keeps it as text.
    Nested errors (a usage reading inside a history) are named by their innermost field.
    """
    out: list[tuple[str, Msg | str]] = []
    for err in error.errors():
        loc = [str(p) for p in err.get("loc", ())]
        field = loc[0] if loc else ""
        named = next((p for p in reversed(loc) if not p.isdigit()), "")
        kind = err.get("type", "")
        ctx = dict(err.get("ctx") or {})
        if "." in kind:  # raised with config.invalid(): the kind is the i18n key
            ctx.pop("at", None)
            out.append((field, msg(kind, **ctx)))
            continue
        if kind == "value_error":
            out.append((field, str(err.get("msg", "")).removeprefix("Value error, ")))
            continue
        label = _label(model, named) if named else ""
        raw = err.get("input")
        shown: Msg | str = (
            "" if isinstance(raw, dict) or raw is None else msg("validation.shown", value=raw)
        )
        key = _TYPE_MESSAGES.get(kind)
        if key is None:
            detail = str(err.get("msg", "is not valid"))
            other = msg("validation.type.other", label=label, shown=shown, detail=detail)
            out.append((field, other))
        elif kind == "greater_than_equal" and ctx.get("ge") == 0:
            out.append((field, msg("validation.negative", label=label)))
        else:
            choices = _choices(model, named) if kind == "enum" else None
            expected = choices or ctx.get("expected", Msg("validation.allowed_values"))
            out.append(
                (field, msg(key, label=label, shown=shown, expected=expected, ge=ctx.get("ge", "")))
            )
    return out


def describe_errors(
    model: type[BaseModel], error: ValidationError, lang: str | None = None
) -> list[str]:
    """Pydantic's errors as sentences a CSM can act on, one per problem, in ``lang`` (default:
    the UI language)."""
    return [message for _, message in field_errors(model, error, lang)]


def field_errors(
    model: type[BaseModel], error: ValidationError, lang: str | None = None
) -> list[tuple[str, str]]:
    """Like :func:`describe_errors`, with the field each sentence is about ("" for the record).

    Forms use the field to put the message next to the input it concerns.
    """
    return [(field, i18n.render(m, lang)) for field, m in error_messages(model, error)]


class InvalidRecord(ValueError):
    """Raised by the workspace when input does not validate; ``messages`` are sentences.

    ``fields`` maps a field name to its sentences ("" for problems of the whole record), so
    a form can show each one beside its input. Built from a validation error, the sentences
    are worded in the UI language and ``problems`` keeps them as messages for :meth:`render`.
    """

    def __init__(
        self,
        messages: list[str],
        fields: dict[str, list[str]] | None = None,
        problems: list[tuple[str, Msg | str]] | None = None,
    ) -> None:
        super().__init__(" ".join(messages))
        self.messages = messages
        self.fields = fields if fields is not None else {"": list(messages)}
        self.problems: list[tuple[str, Msg | str]] = (
            problems if problems is not None else [("", m) for m in messages]
        )

    def render(self, lang: str | None = None) -> list[str]:
        """The sentences in ``lang`` (default: the UI language)."""
        return [i18n.render(m, lang) for _, m in self.problems]

    @classmethod
    def said(cls, *messages: Msg, field: str = "") -> InvalidRecord:
        """The caller's own sentences (catalogue messages) about ``field`` ("" for the
        whole record), worded in the UI language as :meth:`from_error`'s are: a Japanese
        form or toast never shows an English refusal."""
        return cls.about({field: list(messages)})

    @classmethod
    def about(cls, fields: dict[str, list[Msg]]) -> InvalidRecord:
        """As :meth:`said`, for several fields at once (field → messages)."""
        texts = {name: [i18n.render(m) for m in said] for name, said in fields.items()}
        problems: list[tuple[str, Msg | str]] = [
            (name, m) for name, said in fields.items() for m in said
        ]
        return cls([t for said in texts.values() for t in said], texts, problems)

    @classmethod
    def from_error(cls, model: type[BaseModel], error: ValidationError) -> InvalidRecord:
        problems = error_messages(model, error)
        fields: dict[str, list[str]] = {}
        messages: list[str] = []
        for name, message in problems:
            text = i18n.render(message)
            fields.setdefault(name, []).append(text)
            messages.append(text)
        return cls(messages, fields, problems)


R = TypeVar("R", bound=Record)


def validate(model: type[R], data: dict[str, Any]) -> R:
    """Validate ``data`` as ``model`` (new input: length limits apply), raising
    InvalidRecord with readable sentences."""
    try:
        return model.model_validate(data, context=INPUT)
    except ValidationError as exc:
        raise InvalidRecord.from_error(model, exc) from None
