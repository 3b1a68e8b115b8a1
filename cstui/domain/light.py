"""What the health score and the risk flags read about an account, without pydantic models.

The daily rescore reads every account of the book. Validating each stored record into a
pydantic model cost most of that time (0.4–0.8 ms an account), for fields the score never
reads. So the score and the flags are written against the small protocols below: the models
satisfy them as they are (the screens' path), and the light records built straight from the
stored dicts satisfy them too (the rescore's path). There is one formula; only where its
inputs come from differs.

The light records trust the store: they were validated when written. They parse dates and
look enums up, and sort usage readings by date as :class:`~cstui.domain.models.UsageHistory`
does, so both paths see the same values.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any, Final, NamedTuple, Protocol, overload

from cstui.domain.enums import (
    ActivityKind,
    ContactRole,
    Forecast,
    ObjectiveStatus,
    Outcome,
    Stage,
    SurveyKind,
    Tier,
)


class AccountLike(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def tier(self) -> Tier: ...
    @property
    def stage(self) -> Stage: ...
    @property
    def contract_start(self) -> date | None: ...
    @property
    def renewal_date(self) -> date | None: ...
    @property
    def seats(self) -> int: ...


class SnapshotLike(Protocol):
    @property
    def date(self) -> date: ...
    @property
    def logins(self) -> int: ...
    @property
    def active_users(self) -> int: ...
    @property
    def features_used(self) -> int: ...
    @property
    def open_tickets(self) -> int: ...


class UsageLike(Protocol):
    @property
    def features_total(self) -> int: ...
    @property
    def snapshots(self) -> Sequence[SnapshotLike]: ...


class ContactLike(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def role(self) -> ContactRole: ...
    @property
    def active(self) -> bool: ...
    @property
    def left_on(self) -> date | None: ...


class ActivityLike(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def kind(self) -> ActivityKind: ...
    @property
    def date(self) -> date: ...


class SurveyLike(Protocol):
    """What the score, the flags and the KPIs read of a survey answer."""

    @property
    def id(self) -> str: ...
    @property
    def account_id(self) -> str: ...
    @property
    def contact_id(self) -> str | None: ...
    @property
    def kind(self) -> SurveyKind: ...
    @property
    def date(self) -> date: ...
    @property
    def score(self) -> int: ...
    @property
    def comment(self) -> str: ...


class OnboardingItemLike(Protocol):
    @property
    def offset_days(self) -> int: ...
    @property
    def due(self) -> date | None: ...
    @property
    def done(self) -> bool: ...
    @property
    def done_on(self) -> date | None: ...
    @property
    def core(self) -> bool: ...
    @property
    def first_value(self) -> bool: ...


class OnboardingLike(Protocol):
    """What the score, the time to value and the KPIs read of an onboarding plan."""

    @property
    def account_id(self) -> str: ...
    @property
    def start(self) -> date: ...
    @property
    def items(self) -> Sequence[OnboardingItemLike]: ...


class MeasurementLike(Protocol):
    @property
    def date(self) -> date: ...
    @property
    def value(self) -> float: ...


class KPILike(Protocol):
    @property
    def baseline(self) -> float: ...
    @property
    def target(self) -> float: ...
    @property
    def history(self) -> Sequence[MeasurementLike]: ...


class ObjectiveLike(Protocol):
    @property
    def kpi(self) -> KPILike | None: ...
    @property
    def start(self) -> date | None: ...
    @property
    def due(self) -> date | None: ...
    @property
    def status_override(self) -> ObjectiveStatus | None: ...


class SuccessPlanLike(Protocol):
    @property
    def objectives(self) -> Sequence[ObjectiveLike]: ...


_TIERS: Final = {t.value: t for t in Tier}
_STAGES: Final = {s.value: s for s in Stage}
_ROLES: Final = {r.value: r for r in ContactRole}
_KINDS: Final = {k.value: k for k in ActivityKind}
_SURVEY_KINDS: Final = {k.value: k for k in SurveyKind}
_STATUSES: Final = {s.value: s for s in ObjectiveStatus}
_FORECASTS: Final = {f.value: f for f in Forecast}
_OUTCOMES: Final = {o.value: o for o in Outcome}
_day = date.fromisoformat


_new: Any = tuple.__new__
"""A named tuple made without its generated ``__new__`` (Python code): the rescore makes
a dozen light records per account."""


def _opt_day(value: Any) -> date | None:
    return None if value is None else _day(value)


Plain = tuple[Any, ...]
"""A light record's fields as an exact tuple, its enums by their values: for records kept a
long time. The collector stops walking a tuple of plain values (text, numbers, dates) after
its first pass, but walks a named tuple, or a tuple holding an enum, at every full pass:
the renewals kept of a 50,000-account book made each 35 ms longer (5 ms without them)."""


class LightAccount(NamedTuple):
    """What the score, the touchpoints, their tasks and the renewals read of an account
    (``AccountLike``, ``cadence.CadenceAccount``, ``renewals.RenewingAccount``): the
    whole-book passes read every account's, where a model each took 1 GB at 50,000."""

    id: str
    tier: Tier
    stage: Stage
    contract_start: date | None
    renewal_date: date | None
    seats: int
    name: str
    currency: str
    owner: str
    arr: int

    @classmethod
    def from_record(cls, r: Mapping[str, Any]) -> LightAccount:
        light: LightAccount = _new(
            cls,
            (
                r["id"],
                _TIERS[r.get("tier", "mid")],
                _STAGES[r.get("stage", "onboarding")],
                _opt_day(r.get("contract_start")),
                _opt_day(r.get("renewal_date")),
                r.get("seats", 0),
                r.get("name", ""),
                r.get("currency", "JPY"),
                r.get("owner", ""),
                r.get("arr", 0),
            ),
        )
        return light

    def plain(self) -> Plain:
        """Its fields as a plain tuple (see :data:`Plain`)."""
        return (self.id, self.tier.value, self.stage.value, *self[3:])

    @classmethod
    def from_plain(cls, values: Plain) -> LightAccount:
        light: LightAccount = _new(
            cls, (values[0], _TIERS[values[1]], _STAGES[values[2]], *values[3:])
        )
        return light


class LightSnapshot(NamedTuple):
    date: date
    logins: int
    active_users: int
    features_used: int
    open_tickets: int


class LightSnapshots(Sequence[LightSnapshot]):
    """A usage history's readings, oldest first, each parsed when first read.

    The score reads the newest reading and the flags one about a month before it: parsing
    the whole history of every account would cost more than the score itself.
    """

    __slots__ = ("_parsed", "_raw")

    def __init__(self, raw: Sequence[Mapping[str, Any]]) -> None:
        dates = [s["date"] for s in raw]
        if dates != sorted(dates):
            # ISO dates order as text; a stable sort, as the model's validator.
            raw = sorted(raw, key=lambda s: str(s["date"]))
        self._raw = raw
        self._parsed: dict[int, LightSnapshot] = {}

    def __len__(self) -> int:
        return len(self._raw)

    @overload
    def __getitem__(self, i: int) -> LightSnapshot: ...
    @overload
    def __getitem__(self, i: slice) -> Sequence[LightSnapshot]: ...
    def __getitem__(self, i: int | slice) -> LightSnapshot | Sequence[LightSnapshot]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self._raw)))]
        if i < 0:
            i += len(self._raw)
        snap = self._parsed.get(i)
        if snap is None:
            s = self._raw[i]  # IndexError past the end, as a list
            snap = _new(
                LightSnapshot,
                (
                    _day(s["date"]),
                    s.get("logins", 0),
                    s.get("active_users", 0),
                    s.get("features_used", 0),
                    s.get("open_tickets", 0),
                ),
            )
            self._parsed[i] = snap
        return snap


class LightUsage(NamedTuple):
    features_total: int
    snapshots: LightSnapshots

    @classmethod
    def from_record(cls, r: Mapping[str, Any]) -> LightUsage:
        light: LightUsage = _new(
            cls, (r.get("features_total", 10), LightSnapshots(r.get("snapshots", ())))
        )
        return light


class LightContact(NamedTuple):
    id: str
    name: str
    role: ContactRole
    active: bool
    left_on: date | None

    @classmethod
    def from_record(cls, r: Mapping[str, Any]) -> LightContact:
        light: LightContact = _new(
            cls,
            (
                r["id"],
                r["name"].strip(),
                _ROLES[r.get("role", "end_user")],
                r.get("active", True),
                _opt_day(r.get("left_on")),
            ),
        )
        return light


class LightActivity(NamedTuple):
    id: str
    kind: ActivityKind
    date: date

    @classmethod
    def from_record(cls, r: Mapping[str, Any]) -> LightActivity:
        light: LightActivity = _new(cls, (r["id"], _KINDS[r.get("kind", "note")], _day(r["date"])))
        return light


class LightSurvey(NamedTuple):
    id: str
    contact_id: str | None
    kind: SurveyKind
    date: date
    score: int
    comment: str
    account_id: str

    @classmethod
    def from_record(cls, r: Mapping[str, Any]) -> LightSurvey:
        light: LightSurvey = _new(
            cls,
            (
                r["id"],
                r.get("contact_id"),
                _SURVEY_KINDS[r.get("kind", "nps")],
                _day(r["date"]),
                r["score"],
                r.get("comment", "").strip(),
                r.get("account_id", ""),
            ),
        )
        return light


class LightOnboardingItem(NamedTuple):
    offset_days: int
    due: date | None
    done: bool
    done_on: date | None
    core: bool
    first_value: bool


class LightOnboarding:
    """An onboarding plan's start and items (what the score, the cadence and the KPIs
    read), the items parsed when first read: the score reads them only for accounts in
    onboarding."""

    __slots__ = ("_items", "_raw", "account_id", "start")

    def __init__(self, start: date, raw: Sequence[Mapping[str, Any]], account_id: str = "") -> None:
        self.account_id = account_id
        self.start = start
        self._raw = raw
        self._items: tuple[LightOnboardingItem, ...] | None = None

    @classmethod
    def from_record(cls, r: Mapping[str, Any]) -> LightOnboarding:
        return cls(_day(r["start"]), r.get("items", ()), r["account_id"])

    @property
    def items(self) -> Sequence[LightOnboardingItem]:
        if self._items is None:
            self._items = tuple(
                _new(
                    LightOnboardingItem,
                    (
                        i.get("offset_days", 0),
                        _opt_day(i.get("due")),
                        i.get("done", False),
                        _opt_day(i.get("done_on")),
                        i.get("core", True),
                        i.get("first_value", False),
                    ),
                )
                for i in self._raw
            )
        return self._items


class LightMeasurement(NamedTuple):
    date: date
    value: float


class LightKPI(NamedTuple):
    baseline: float
    target: float
    history: tuple[LightMeasurement, ...]

    @classmethod
    def from_record(cls, r: Mapping[str, Any]) -> LightKPI:
        light: LightKPI = _new(
            cls,
            (
                float(r["baseline"]),
                float(r["target"]),
                tuple(
                    _new(LightMeasurement, (_day(m["date"]), float(m["value"])))
                    for m in r.get("history", ())
                ),
            ),
        )
        return light


class LightObjective(NamedTuple):
    kpi: LightKPI | None
    start: date | None
    due: date | None
    status_override: ObjectiveStatus | None

    @classmethod
    def from_record(cls, r: Mapping[str, Any]) -> LightObjective:
        kpi = r.get("kpi")
        status = r.get("status_override")
        light: LightObjective = _new(
            cls,
            (
                None if kpi is None else LightKPI.from_record(kpi),
                _opt_day(r.get("start")),
                _opt_day(r.get("due")),
                None if status is None else _STATUSES[status],
            ),
        )
        return light


class LightSuccessPlan(NamedTuple):
    objectives: tuple[LightObjective, ...]

    @classmethod
    def from_record(cls, r: Mapping[str, Any]) -> LightSuccessPlan:
        light: LightSuccessPlan = _new(
            cls, (tuple(LightObjective.from_record(o) for o in r.get("objectives", ())),)
        )
        return light


class LightRenewal(NamedTuple):
    """A renewal (the fields of :class:`~cstui.domain.models.Renewal`, in its order), stored
    or implied: the renewals screen lists a year and more of the whole book's renewals
    (48,000 at 50,000 accounts), where a model each took 2 µs to make and 1.5 KB to keep.
    Never written: an edit goes through the workspace, which writes a model."""

    id: str
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

    @classmethod
    def from_record(cls, r: Mapping[str, Any]) -> LightRenewal:
        outcome = r.get("outcome")
        light: LightRenewal = _new(
            cls,
            (
                r.get("id", ""),
                r["account_id"],
                _day(r["due"]),
                r.get("arr_due", 0),
                r.get("currency", "JPY"),
                _FORECASTS[r.get("forecast", "likely")],
                None if outcome is None else _OUTCOMES[outcome],
                r.get("new_arr"),
                r.get("churn_reason"),
                _opt_day(r.get("closed_on")),
                r.get("notes", ""),
                r.get("implied", False),
            ),
        )
        return light

    def plain(self) -> Plain:
        """Its fields as a plain tuple (see :data:`Plain`)."""
        outcome = self.outcome
        return (
            *self[:5],
            self.forecast.value,
            None if outcome is None else outcome.value,
            *self[7:],
        )

    @classmethod
    def from_plain(cls, values: Plain) -> LightRenewal:
        outcome = values[6]
        light: LightRenewal = _new(
            cls,
            (
                *values[:5],
                _FORECASTS[values[5]],
                None if outcome is None else _OUTCOMES[outcome],
                *values[7:],
            ),
        )
        return light
