"""Renewals, periods and the book-of-business KPI report (pure: no I/O beyond package data).

The formulas are in :mod:`cstui.domain.metrics`; this module decides *which* accounts and
amounts go into them for a period and a slice of the book, so every number can name the
accounts behind it.

Rules (DOMAIN.md, "KPIs and their formulas"):

- An account is **at the start** of a period when its contract started before the first day
  and it had not churned before that day. Accounts whose contract starts inside the period
  are *new*: they are not in the churn, upsell or retention denominators (they were not there
  to be lost), and the report says how many were left out.
- An outcome counts in the period of its ``closed_on`` date (else its due date).
- The renewal rate counts renewals *due* in the period that have an outcome; ones still open
  are reported in the note, not counted as lost. Downgraded still counts as renewed (the logo
  stayed); the lost ARR shows in GRR instead.
- Money over several currencies is converted only with the configured rates; a currency
  without a rate makes the money KPIs "no data" with the reason, never a silent sum.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from functools import cached_property, lru_cache
from importlib import resources
from operator import attrgetter
from typing import Annotated, Any, Generic, Literal, Protocol, Self, TypeVar, overload

from pydantic import Field, model_validator

from cstui.domain import metrics
from cstui.domain.config import ConfigError, ConfigModel, invalid, merge, read_toml, validate_data
from cstui.domain.enums import Forecast, Outcome, Stage, SurveyKind, Tier
from cstui.domain.history import AccountChange, of_field
from cstui.domain.light import AccountLike, OnboardingLike, SurveyLike
from cstui.domain.models import Renewal
from cstui.i18n import Msg, catalogue, grouped, join, msg, render

# --------------------------------------------------------------------------------------------
# Configuration (cstui/defaults/kpis.toml)
# --------------------------------------------------------------------------------------------


KPIConfigError = ConfigError
"""A kpis.toml problem: the one config error type (file, line and key of each problem)."""


@dataclass(frozen=True)
class KPIConfig:
    churn_reasons: tuple[str, ...]
    ltv_years: float = 5
    csat_method: str = "share"
    report_currency: str = "JPY"
    rates: Mapping[str, float] = field(default_factory=dict)
    tiers: Mapping[str, tuple[int, int]] = field(default_factory=dict)
    """Currency → (high-touch threshold, mid-touch threshold) on ARR."""
    ltv_method: str = "years"
    """``years``: monthly revenue × 12 × ``ltv_years``; ``churn``: revenue per period × gross
    margin ÷ the period's logo churn rate."""
    gross_margin: float = 0.8
    """The gross margin (0–1] of the churn-based LTV."""
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)
    """The merged TOML data, kept so a user file can be merged over this config."""


class _Currency(ConfigModel):
    report: str = "JPY"
    rates: dict[str, Annotated[float, Field(gt=0)]] = Field(default_factory=dict)


class _TierLimits(ConfigModel):
    high: Annotated[int, Field(ge=0)]
    mid: Annotated[int, Field(ge=0)]

    @model_validator(mode="after")
    def _order(self) -> Self:
        if self.mid > self.high:
            raise invalid("config.kpis.tier_order", at="mid", mid=self.mid, high=self.high)
        return self


class KPIFile(ConfigModel):
    """``kpis.toml``: the layout the shipped file documents with comments."""

    churn_reasons: Annotated[list[str], Field(min_length=1)]
    ltv_years: Annotated[float, Field(gt=0)] = 5
    csat_method: Literal["share", "mean"] = "share"
    ltv_method: Literal["years", "churn"] = "years"
    gross_margin: Annotated[float, Field(gt=0, le=1)] = 0.8
    currency: _Currency = _Currency()
    tiers: dict[str, _TierLimits] = Field(default_factory=dict)


def parse_kpi_config(text: str, source: str, base: KPIConfig | None = None) -> KPIConfig:
    """Read a kpis.toml; keys left out keep ``base``'s values. Errors name file, line and key."""
    data = read_toml(text, source)
    merged = merge(base.raw, data) if base is not None else data
    file = validate_data(merged, source, KPIFile, text)
    return KPIConfig(
        churn_reasons=tuple(file.churn_reasons),
        ltv_years=file.ltv_years,
        csat_method=file.csat_method,
        ltv_method=file.ltv_method,
        gross_margin=file.gross_margin,
        report_currency=file.currency.report.upper(),
        rates={k.upper(): v for k, v in file.currency.rates.items()},
        tiers={k.upper(): (v.high, v.mid) for k, v in file.tiers.items()},
        raw=merged,
    )


@lru_cache(maxsize=1)
def default_kpi_config() -> KPIConfig:
    text = resources.files("cstui").joinpath("defaults/kpis.toml").read_text(encoding="utf-8")
    return parse_kpi_config(text, "cstui/defaults/kpis.toml")


# --------------------------------------------------------------------------------------------
# Periods and slices
# --------------------------------------------------------------------------------------------

_PERIOD = re.compile(r"^(\d{4})(?:Q([1-4])|-(\d{2}))?$")


@dataclass(frozen=True, order=True)
class Period:
    """A calendar year, quarter or month: parsed from "2026", "2026Q3" or "2026-09"."""

    year: int
    kind: str  # "year" | "quarter" | "month"
    index: int = 1  # quarter 1–4 or month 1–12; 1 for a year

    @classmethod
    def parse(cls, text: str) -> Period:
        m = _PERIOD.match(text.strip().upper())
        month = int(m.group(3)) if m and m.group(3) else None
        if not m or (month is not None and not 1 <= month <= 12):
            raise ValueError(f"'{text}' is not a period like 2026Q3, 2026-09 or 2026.")
        year = int(m.group(1))
        if m.group(2):
            return cls(year, "quarter", int(m.group(2)))
        if month is not None:
            return cls(year, "month", month)
        return cls(year, "year", 1)

    @classmethod
    def containing(cls, day: date, kind: str = "quarter") -> Period:
        if kind == "year":
            return cls(day.year, "year", 1)
        if kind == "month":
            return cls(day.year, "month", day.month)
        return cls(day.year, "quarter", (day.month - 1) // 3 + 1)

    @cached_property  # asked for each record of a whole-book report: computed once
    def start(self) -> date:
        if self.kind == "year":
            return date(self.year, 1, 1)
        if self.kind == "quarter":
            return date(self.year, 3 * self.index - 2, 1)
        return date(self.year, self.index, 1)

    @cached_property
    def end(self) -> date:
        """The last day (inclusive)."""
        return self.shift(1).start - timedelta(days=1)

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end

    def shift(self, n: int) -> Period:
        """The period ``n`` steps later (negative: earlier), of the same kind."""
        if self.kind == "year":
            return Period(self.year + n, "year", 1)
        per_year = 4 if self.kind == "quarter" else 12
        k = self.year * per_year + self.index - 1 + n
        return Period(k // per_year, self.kind, k % per_year + 1)

    def last(self, n: int) -> list[Period]:
        """The ``n`` periods ending with this one, oldest first."""
        return [self.shift(-i) for i in range(n - 1, -1, -1)]

    @property
    def label(self) -> str:
        if self.kind == "year":
            return str(self.year)
        if self.kind == "quarter":
            return f"{self.year}Q{self.index}"
        return f"{self.year}-{self.index:02d}"

    def __str__(self) -> str:
        return self.label


def parse_slice(text: str, user: str) -> Callable[[RenewingAccount], bool]:
    """``all``, ``mine`` (owner is ``user``), ``tier:high|mid|tech`` or ``owner:NAME``."""
    value = text.strip()
    if value in ("", "all"):
        return lambda a: True
    if value == "mine":
        return lambda a: a.owner == user
    kind, _, arg = value.partition(":")
    if kind == "tier" and arg in {t.value for t in Tier}:
        return lambda a: a.tier.value == arg
    if kind == "owner" and arg:
        who = user if arg == "me" else arg
        return lambda a: a.owner == who
    raise ValueError(
        f"'{text}' is not a slice: use all, mine, tier:high, tier:mid, tier:tech or owner:NAME."
    )


# --------------------------------------------------------------------------------------------
# Renewal records
# --------------------------------------------------------------------------------------------


def add_years(day: date, years: int) -> date:
    """Same day ``years`` later; 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def renewal_id(account_id: str, due: date) -> str:
    return f"{account_id}:{due.isoformat()}"


def check_outcome(renewal: Renewal, reasons: Sequence[str]) -> dict[str, list[Msg]]:
    """Rules an outcome must follow, as field → messages (empty when fine).

    English names the reasons as the CLI takes them (``no_value``); Japanese by their
    labels (``book.reason.*``, the value itself for a reason the catalogue does not know)."""
    problems: dict[str, list[Msg]] = {}
    o = renewal.outcome
    if o is Outcome.CHURNED:
        named = {
            "values": ", ".join(reasons),
            "values_label": join("sep.list", _reason_labels(reasons)),
        }
        if not renewal.churn_reason:
            problems["churn_reason"] = [msg("renewal.error.no_reason", **named)]
        elif renewal.churn_reason not in reasons:
            problems["churn_reason"] = [
                msg("renewal.error.bad_reason", reason=renewal.churn_reason, **named)
            ]
    elif o is not None:
        new = renewal.new_arr
        due = {"arr": grouped(renewal.arr_due)}
        if new is None:
            problems["new_arr"] = [Msg("renewal.error.no_new_arr")]
        elif o is Outcome.EXPANDED and new <= renewal.arr_due:
            problems["new_arr"] = [msg("renewal.error.expanded", **due)]
        elif o is Outcome.DOWNGRADED and new >= renewal.arr_due:
            problems["new_arr"] = [msg("renewal.error.downgraded", **due)]
    return problems


def _reason_labels(reasons: Sequence[str]) -> list[Msg | str]:
    """Each churn reason's label message; the reason itself where no catalogue has one (a
    reason of the user's own kpis.toml)."""
    known = catalogue("en")
    return [Msg(f"book.reason.{r}") if f"book.reason.{r}" in known else r for r in reasons]


class RenewingAccount(AccountLike, Protocol):
    """What the renewals, the KPIs and the tier suggestions read of an account: an
    :class:`Account`, or a light record of it (:class:`cstui.domain.light.LightAccount`)
    for a pass over the whole book (a model each cost the KPI screen ~1 s at 50,000)."""

    @property
    def arr(self) -> int: ...
    @property
    def currency(self) -> str: ...
    @property
    def owner(self) -> str: ...
    @property
    def name(self) -> str: ...


class RenewalLike(Protocol):
    """What the renewals read of a renewal: a :class:`Renewal`, or a light record of it
    (:class:`cstui.domain.light.LightRenewal`) for a screen of the whole book's."""

    @property
    def id(self) -> str: ...
    @property
    def account_id(self) -> str: ...
    @property
    def due(self) -> date: ...
    @property
    def arr_due(self) -> int: ...
    @property
    def currency(self) -> str: ...
    @property
    def forecast(self) -> Forecast: ...
    @property
    def outcome(self) -> Outcome | None: ...
    @property
    def new_arr(self) -> int | None: ...
    @property
    def churn_reason(self) -> str | None: ...
    @property
    def closed_on(self) -> date | None: ...
    @property
    def implied(self) -> bool: ...


RenewalT = TypeVar("RenewalT", bound=RenewalLike)

by_due: Callable[[RenewalLike], tuple[date, str]] = attrgetter("due", "account_id")
"""The order renewals are listed in: by due date, then account (an account has one renewal
a day, so this orders any set of renewals one way, however it was gathered)."""


def shown_between(r: RenewalLike, start: date, end: date) -> bool:
    """Whether a screen of the months from ``start`` until ``end`` lists ``r``: due in them,
    or still open and due before them (overdue)."""
    return start <= r.due < end or (r.outcome is None and r.due < start)


@overload
def implied_renewals(
    accounts: Iterable[RenewingAccount],
    recorded: Iterable[RenewalLike],
    *,
    bands: Mapping[str, str] | None = None,
    today: date | None = None,
    history: Iterable[AccountChange] = (),
    since: date | None = None,
    until: date | None = None,
) -> list[Renewal]: ...
@overload
def implied_renewals(
    accounts: Iterable[RenewingAccount],
    recorded: Iterable[RenewalLike],
    *,
    bands: Mapping[str, str] | None = None,
    today: date | None = None,
    history: Iterable[AccountChange] = (),
    since: date | None = None,
    until: date | None = None,
    make: Callable[..., RenewalT],
) -> list[RenewalT]: ...
def implied_renewals(
    accounts: Iterable[RenewingAccount],
    recorded: Iterable[RenewalLike],
    *,
    bands: Mapping[str, str] | None = None,
    today: date | None = None,
    history: Iterable[AccountChange] = (),
    since: date | None = None,
    until: date | None = None,
    make: Callable[..., Any] = Renewal,
) -> list[Any]:
    """Renewals nobody recorded but the accounts imply (``implied=True``, never stored).

    - the account's next renewal (``renewal_date``) when not recorded: open, forecast
      ``at_risk`` for a red account, else ``likely``;
    - each yearly anniversary between the contract start and the renewal date: renewed at
      the ARR that held that day (:func:`arr_on`, from the outcomes and the account's
      ``history``); the account is still a customer, so it
      renewed (yearly terms assumed; none after ``today``);
    - a churned account with no churn recorded: churned at its renewal date (the contract's
      end) with no reason.

    ``since`` / ``until``: only those due in that window, and the open ones due before it
    (a screen showing some months: the anniversaries of every year back are not made).
    ``make``: what each is made as, from :class:`Renewal`'s fields as keywords (default:
    the model; :class:`cstui.domain.light.LightRenewal` for a screen of the whole book).
    """
    seen: dict[str, set[date]] = {}
    churn_recorded: set[str] = set()
    by_account: dict[str, list[RenewalLike]] = {}
    changes = _by_account(history)
    for r in recorded:
        seen.setdefault(r.account_id, set()).add(r.due)
        by_account.setdefault(r.account_id, []).append(r)
        if r.outcome is Outcome.CHURNED:
            churn_recorded.add(r.account_id)
    out: list[Any] = []
    no_dates: set[date] = set()
    for a in accounts:
        due = a.renewal_date
        if due is None:
            continue
        dates = seen.get(a.id, no_dates)
        if (until is not None and due >= until) or (
            since is not None and due < since and a.stage is Stage.CHURNED
        ):
            pass  # outside the window (an open next renewal before it is overdue: kept)
        elif a.stage is Stage.CHURNED:
            if a.id not in churn_recorded and due not in dates:
                out.append(
                    make(
                        id=renewal_id(a.id, due),
                        account_id=a.id,
                        due=due,
                        arr_due=a.arr,
                        currency=a.currency,
                        forecast=Forecast.LOST,
                        outcome=Outcome.CHURNED,
                        closed_on=due,
                        new_arr=0,
                        implied=True,
                    )
                )
        elif due not in dates:
            red = (bands or {}).get(a.id) == "red"
            out.append(
                make(
                    id=renewal_id(a.id, due),
                    account_id=a.id,
                    due=due,
                    arr_due=a.arr,
                    currency=a.currency,
                    forecast=Forecast.AT_RISK if red else Forecast.LIKELY,
                    implied=True,
                )
            )
        if a.contract_start is None:
            continue
        past = add_years(due, -1)
        while past > a.contract_start and (since is None or past >= since):
            if (
                past not in dates
                and (today is None or past <= today)
                and (until is None or past < until)
            ):
                held = arr_on(a, past, by_account.get(a.id, ()), changes.get(a.id, ()))
                out.append(
                    make(
                        id=renewal_id(a.id, past),
                        account_id=a.id,
                        due=past,
                        arr_due=held,
                        currency=a.currency,
                        forecast=Forecast.COMMIT,
                        outcome=Outcome.RENEWED,
                        closed_on=past,
                        new_arr=held,
                        implied=True,
                    )
                )
            past = add_years(past, -1)
    return out


def book_renewals(
    accounts: Iterable[RenewingAccount],
    recorded: Sequence[RenewalT],
    *,
    make: Callable[..., RenewalT],
    bands: Mapping[str, str],
    today: date,
    history: Iterable[AccountChange],
    since: date | None = None,
    until: date | None = None,
) -> list[RenewalT]:
    """Recorded renewals plus the ones the accounts imply (``implied=True``), by due date.

    See :func:`implied_renewals`: the next renewal of each account is always there (open
    until an outcome is recorded), past anniversaries of current customers count as
    renewed, churned accounts without a record as churned. ``since`` / ``until``: the
    implied ones of that window only (and the open ones before it). ``make``: what the
    implied ones are made as (the recorded ones' kind: :class:`Renewal`, or a light record).
    """
    implied = implied_renewals(
        accounts,
        recorded,
        bands=bands,
        today=today,
        history=history,
        since=since,
        until=until,
        make=make,
    )
    return sorted([*recorded, *implied], key=by_due)


def _by_account(history: Iterable[AccountChange]) -> dict[str, list[AccountChange]]:
    out: dict[str, list[AccountChange]] = {}
    for c in history:
        out.setdefault(c.account_id, []).append(c)
    return out


def _event_day(r: RenewalLike) -> date:
    return r.closed_on or r.due


@dataclass
class MonthRow(Generic[RenewalT]):
    """One month of the renewals view; amounts per currency (never added across them).

    Renewals are grouped by *due* month, so forecast and actual sit in the same row.
    ``actual`` sums the new ARR for renewed / expanded / downgraded and the ARR lost for
    churned.
    """

    month: date
    due_arr: dict[str, int] = field(default_factory=dict)
    forecast: dict[Forecast, dict[str, int]] = field(default_factory=dict)
    actual: dict[Outcome, dict[str, int]] = field(default_factory=dict)
    renewals: list[RenewalT] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.month.year}-{self.month.month:02d}"

    @property
    def open(self) -> list[RenewalT]:
        return [r for r in self.renewals if r.outcome is None]


def _add(bucket: dict[str, int], currency: str, amount: int) -> None:
    bucket[currency] = bucket.get(currency, 0) + amount


def renewals_by_month(
    renewals: Iterable[RenewalT], start: date, months: int, open_from: date | None = None
) -> list[MonthRow[RenewalT]]:
    """``months`` rows from the month of ``start``: ARR due, forecast and actuals.

    ``open_from``: a renewal due before it with no outcome is left out of its month (the
    screen lists it once, as overdue), so past months show what was renewed and churned."""
    first = Period(start.year, "month", start.month)
    rows: list[MonthRow[RenewalT]] = [
        MonthRow(month=first.shift(i).start) for i in range(max(0, months))
    ]
    index = {(row.month.year, row.month.month): row for row in rows}
    for r in sorted(renewals, key=by_due):
        due, outcome = r.due, r.outcome
        row = index.get((due.year, due.month))
        if row is None or (outcome is None and open_from is not None and due < open_from):
            continue
        row.renewals.append(r)
        currency, amount = r.currency, r.arr_due
        _add(row.due_arr, currency, amount)
        _add(row.forecast.setdefault(r.forecast, {}), currency, amount)
        if outcome is not None:
            if outcome is not Outcome.CHURNED and r.new_arr is not None:
                amount = r.new_arr  # what was kept; a churn loses the ARR due
            _add(row.actual.setdefault(outcome, {}), currency, amount)
    return rows


# --------------------------------------------------------------------------------------------
# The KPI report
# --------------------------------------------------------------------------------------------

KPI_KEYS: tuple[str, ...] = (
    "logo_churn",
    "revenue_churn",
    "renewal_rate",
    "grr",
    "nrr",
    "expansion_arr",
    "upsell_rate",
    "nps",
    "csat",
    "ltv",
    "ttv",
    "onboarding_completion",
    "health",
)
"""Every KPI of the report, in display order (locale keys are ``kpi.<key>``)."""


class HealthRow(Protocol):
    """Anything with an account id and a health band (a PortfolioRow will do)."""

    @property
    def id(self) -> str: ...

    @property
    def band(self) -> str: ...


@dataclass(frozen=True)
class BandRow:
    """A plain :class:`HealthRow` (e.g. a band read from the score history)."""

    id: str
    band: str


@dataclass(frozen=True)
class KPIValue:
    """One KPI: ``value`` None means "no data". ``accounts`` are the ids behind the number
    (the numerator: churned, renewed, expanded, respondents...); ``parts`` holds counts such
    as NPS promoters/passives/detractors or accounts per health band."""

    key: str
    value: float | None
    unit: str
    accounts: list[str] = field(default_factory=list)
    note: str = ""
    """How the value was counted, in English (``message`` words it in any language)."""
    parts: dict[str, float] = field(default_factory=dict)
    message: Msg | None = None

    def note_text(self, lang: str | None = None) -> str:
        """The note in ``lang`` (default: the UI language)."""
        return self.note if self.message is None else render(self.message, lang, self.note)

    def to_json(self) -> dict[str, Any]:
        """The fields but the message (``note`` is its English wording)."""
        return {k: v for k, v in asdict(self).items() if k != "message"}


@dataclass
class KPIReport:
    period: Period
    slice: str
    currency: str | None
    values: list[KPIValue]
    accounts_at_start: list[str] = field(default_factory=list)
    new_accounts: list[str] = field(default_factory=list)

    def __getitem__(self, key: str) -> KPIValue:
        for v in self.values:
            if v.key == key:
                return v
        raise KeyError(key)

    def to_json(self) -> dict[str, Any]:
        return {
            "period": self.period.label,
            "start": self.period.start.isoformat(),
            "end": self.period.end.isoformat(),
            "slice": self.slice,
            "currency": self.currency,
            "accounts_at_start": len(self.accounts_at_start),
            "new_accounts": len(self.new_accounts),
            "kpis": [v.to_json() for v in self.values],
        }


def _churn_days(renewals: Iterable[RenewalLike]) -> dict[str, date]:
    out: dict[str, date] = {}
    for r in renewals:
        if r.outcome is Outcome.CHURNED:
            day = _event_day(r)
            if r.account_id not in out or day > out[r.account_id]:
                out[r.account_id] = day
    return out


def arr_on(
    account: RenewingAccount,
    day: date,
    recorded: Sequence[RenewalLike],
    history: Iterable[AccountChange] = (),
) -> int:
    """The ARR that held at the end of ``day``: the one place that answers "ARR on day X".

    Why not ``account.arr``: that is today's ARR, and a later upsell would rewrite every
    closed period. Two kinds of event move the ARR: each recorded renewal outcome
    (``implied`` ones are read from today's ARR and are skipped) moves it from ``arr_due`` to
    ``new_arr`` (0 when churned) on its day, and each ARR change in the account's
    ``history`` (an edit, an import, a CRM pull: :mod:`cstui.domain.history`) from ``old``
    to ``new`` on its day; on one day the renewal outcomes come first. The ARR at the end
    of ``day`` is the value after the last event on or before it; before the first event it
    was what that event moved from; with no event at all, the account's ARR.
    """
    return arr_from_moves(arr_moves(account.id, recorded, history), day, account.arr)


ArrMove = tuple[date, int, str, int, int]
"""(day, 0 for a renewal outcome / 1 for a history change, tie-breaker, from, to)."""


def arr_moves(
    account_id: str, recorded: Sequence[RenewalLike], history: Iterable[AccountChange] = ()
) -> list[ArrMove]:
    """The events that moved the account's ARR, in order (see :func:`arr_on`): made once
    per account for a report that asks its ARR on many days."""
    moves: list[ArrMove] = [
        (
            _event_day(r),
            0,
            r.due.isoformat(),
            r.arr_due,
            0 if r.outcome is Outcome.CHURNED else (r.arr_due if r.new_arr is None else r.new_arr),
        )
        for r in recorded
        if r.account_id == account_id and not r.implied and r.outcome
    ]
    moves += [
        (c.day, 1, c.id, _amount(c.old), _amount(c.new))
        for c in of_field(history, account_id, "arr")
    ]
    moves.sort(key=lambda m: m[:3])
    return moves


def arr_from_moves(moves: Sequence[ArrMove], day: date, current: int) -> int:
    """The ARR at the end of ``day`` given the account's :func:`arr_moves` and its ARR now
    (``current``, what holds with no event at all)."""
    held: int | None = None
    for when, _, _, was, now in moves:
        if when > day:
            return was if held is None else held
        held = now
    return current if held is None else held


def _amount(value: int | str | None) -> int:
    """An ARR as the history stored it (always an int when cstui wrote it)."""
    if isinstance(value, int):
        return value
    try:
        return int(value or 0)
    except ValueError:
        return 0


def _core_finish(plan: OnboardingLike) -> date | None:
    days = [i.due or plan.start + timedelta(days=i.offset_days) for i in plan.items if i.core]
    return max(days) if days else None


def _kpi(
    key: str,
    value: float | None,
    unit: str,
    accounts: list[str],
    note: Msg,
    parts: dict[str, float] | None = None,
) -> KPIValue:
    """A KPI whose note is the message ``note`` (``kpi.note.*``), English kept in ``note``."""
    return KPIValue(key, value, unit, accounts, note.render("en"), parts or {}, note)


_PER_YEAR = {"year": 1, "quarter": 4, "month": 12}


def _ltv(
    cfg: KPIConfig,
    period: Period,
    currency: str,
    arr_total: float | None,
    accounts: list[str],
    lost: int,
    at_start: int,
    money_error: Msg | None,
) -> KPIValue:
    """LTV of an average active account in the configured form; the note names the form and
    ``parts`` holds both forms (None: not defined) so a script can compare them."""
    active = len(accounts)
    annual = None if arr_total is None or not active else arr_total / active
    by_years = None if annual is None else metrics.ltv(annual / 12, cfg.ltv_years)
    churn = metrics.churn_rate(lost, at_start)
    per_period = None if annual is None else annual / _PER_YEAR[period.kind]
    by_churn = metrics.ltv_from_churn(per_period, cfg.gross_margin, churn)
    parts = {k: v for k, v in (("years_form", by_years), ("churn_form", by_churn)) if v is not None}
    value = by_years if cfg.ltv_method == "years" else by_churn
    note: Msg
    if money_error is not None:
        return _kpi("ltv", None, currency, accounts, money_error)
    if annual is None:
        note = Msg("kpi.note.ltv_none")
    elif cfg.ltv_method == "years":
        note = msg(
            "kpi.note.ltv",
            monthly=grouped(annual / 12),
            currency=currency,
            years=f"{cfg.ltv_years:g}",
            n=active,
        )
    elif by_churn is None:
        note = msg("kpi.note.ltv_churn_none", period=period.label)
    else:
        note = msg(
            "kpi.note.ltv_churn",
            revenue=grouped(annual / _PER_YEAR[period.kind]),
            currency=currency,
            margin=f"{cfg.gross_margin * 100:g}",
            churn=f"{churn:.1f}",
            n=active,
        )
    return _kpi("ltv", value, currency, accounts, note, parts)


@dataclass(frozen=True)
class _Book:
    """The slice of the book one report counts, and who was there when: worked out once so
    every KPI group agrees on who was at the start, who is new and who was lost."""

    period: Period
    accounts: dict[str, RenewingAccount]
    renewals: list[RenewalLike]
    recorded: dict[str, list[RenewalLike]]
    """Per account, the renewals with a real (not implied) outcome: what ``arr_on`` reads."""
    history: dict[str, list[AccountChange]]
    """Per account, its recorded changes (:mod:`cstui.domain.history`): ``arr_on`` reads
    them too."""
    churned_on: dict[str, date]
    at_start: list[str]
    new: list[str]
    lost: list[str]
    """Accounts at the start that churned inside the period."""

    _moves: dict[str, list[ArrMove]] = field(default_factory=dict, compare=False, repr=False)
    """Each account's :func:`arr_moves`, made when first asked: a report asks each
    account's ARR on several days (900,000 times at 50,000 accounts over six periods)."""

    def arr_on(self, account_id: str, day: date) -> int:
        """The account's ARR at the end of ``day`` (:func:`arr_on`)."""
        moves = self._moves.get(account_id)
        if moves is None:
            moves = arr_moves(
                account_id, self.recorded.get(account_id, []), self.history.get(account_id, [])
            )
            self._moves[account_id] = moves
        if not moves:  # most accounts: no event, today's ARR (asked ~900,000 times at 50k)
            return self.accounts[account_id].arr
        return arr_from_moves(moves, day, self.accounts[account_id].arr)

    @property
    def new_note(self) -> Msg | str:
        """Says how many new accounts the churn and upsell denominators leave out."""
        return msg("kpi.note.new", n=len(self.new)) if self.new else ""


@dataclass(frozen=True)
class _Sliced:
    """What one slice of the book is, whatever the period: its accounts, their renewals,
    outcomes, changes and churn days. A trend of six periods worked it out six times
    (1.9 s of the KPI screen's 9 at 50,000 accounts)."""

    accounts: dict[str, RenewingAccount]
    renewals: list[RenewalLike]
    recorded: dict[str, list[RenewalLike]]
    history: dict[str, list[AccountChange]]
    churned_on: dict[str, date]


@dataclass
class TrendReads:
    """What the reports of one book over several periods read once and share: each
    slice's :class:`_Sliced` and each account's :func:`arr_moves` (an account's moves are
    the same in every slice). One per book: pass the same to every :func:`compute_kpis` of
    a trend, with the same accounts, renewals and history."""

    slices: dict[tuple[str, str], _Sliced] = field(default_factory=dict)
    moves: dict[str, list[ArrMove]] = field(default_factory=dict)


def _sliced(
    accounts: Iterable[RenewingAccount],
    renewals: Iterable[RenewalLike],
    slice: str,
    user: str,
    history: Iterable[AccountChange],
) -> _Sliced:
    keep = parse_slice(slice, user)
    book = {a.id: a for a in accounts if keep(a)}
    mine = [r for r in renewals if r.account_id in book]
    recorded: dict[str, list[RenewalLike]] = {}
    for r in mine:
        if not r.implied and r.outcome is not None:
            recorded.setdefault(r.account_id, []).append(r)
    return _Sliced(
        accounts=book,
        renewals=mine,
        recorded=recorded,
        history=_by_account(c for c in history if c.account_id in book),
        churned_on=_churn_days(mine),
    )


def _book_for(
    accounts: Iterable[RenewingAccount],
    renewals: Iterable[RenewalLike],
    period: Period,
    slice: str,
    user: str,
    history: Iterable[AccountChange] = (),
    reads: TrendReads | None = None,
) -> _Book:
    shared = reads or TrendReads()
    key = (slice, user)
    sliced = shared.slices.get(key)
    if sliced is None:
        sliced = shared.slices[key] = _sliced(accounts, renewals, slice, user, history)
    book, churned_on = sliced.accounts, sliced.churned_on

    def present_at_start(a: RenewingAccount) -> bool:
        if a.contract_start is not None and a.contract_start >= period.start:
            return False
        gone = churned_on.get(a.id)
        if gone is None:
            return a.stage is not Stage.CHURNED  # churned on an unknown day: leave it out
        return gone >= period.start

    at_start = sorted(i for i, a in book.items() if present_at_start(a))
    return _Book(
        period=period,
        accounts=book,
        renewals=sliced.renewals,
        recorded=sliced.recorded,
        history=sliced.history,
        churned_on=churned_on,
        at_start=at_start,
        new=sorted(i for i, a in book.items() if a.contract_start and a.contract_start in period),
        lost=sorted(
            i for i in at_start if (day := churned_on.get(i)) is not None and day in period
        ),
        _moves=shared.moves,
    )


class _Money:
    """Sums ARR in one reporting currency, converting only with configured rates. A sum that
    mixes currencies without a rate leaves its reason in ``error``, so the money KPIs say
    why they have no value instead of showing a silent sum."""

    def __init__(self, book: _Book, cfg: KPIConfig) -> None:
        accounts = book.accounts
        currencies = {accounts[i].currency for i in book.at_start} or {
            a.currency for a in accounts.values()
        }
        self.currency = next(iter(currencies)) if len(currencies) == 1 else cfg.report_currency
        self.rates = cfg.rates if len(currencies) > 1 else None
        self.error: Msg | None = None
        self._accounts = accounts

    def total(self, amounts: Iterable[tuple[str, float]]) -> float | None:
        """The sum of (account id, amount in that account's currency); None: cannot say."""
        pairs = [(amount, self._accounts[i].currency) for i, amount in amounts]
        try:
            result = metrics.sum_money(pairs, to=self.currency, rates=self.rates)
        except metrics.CurrencyMixError as exc:
            self.error = exc.message
            return None
        return None if result is None else result.amount

    def converted(self) -> Msg | str:
        """The rates used, for the note (nothing when no conversion was needed)."""
        if not self.rates:
            return ""
        rates = self.rates
        shown = join("sep.list", (f"{c} = {rates[c]:g}" for c in sorted(rates)))
        return msg("kpi.note.converted", rates=shown, currency=self.currency)


def _logo_kpis(book: _Book) -> list[KPIValue]:
    """Logo churn and the renewal rate: counts of accounts and renewals, no money."""
    lost, at_start = book.lost, book.at_start
    churn = _kpi(
        "logo_churn",
        metrics.churn_rate(len(lost), len(at_start)),
        "%",
        lost,
        msg("kpi.note.logo_churn", n=len(lost), of=len(at_start), new=book.new_note),
    )
    # Renewals due in the period with an outcome; open ones are named, not counted as lost.
    due = [r for r in book.renewals if r.due in book.period]
    decided = [r for r in due if r.outcome is not None]
    kept = [r for r in decided if r.outcome is not Outcome.CHURNED]
    rate = _kpi(
        "renewal_rate",
        metrics.renewal_rate(len(kept), len(decided)),
        "%",
        sorted({r.account_id for r in kept}),
        msg("kpi.note.renewal_rate", n=len(kept), of=len(decided), open=len(due) - len(decided)),
    )
    return [churn, rate]


def _revenue_kpis(book: _Book, money: _Money) -> list[KPIValue]:
    """Revenue churn, GRR, NRR, expansion ARR and upsell rate.

    Each account's ARR before the period and at its end comes from the ARR that held then (a
    later event never changes a closed period). Its loss is at most its own start ARR, so
    0 ≤ GRR ≤ 100 and GRR + revenue churn = 100 whatever happened inside the period.
    """
    at_start, lost = book.at_start, set(book.lost)
    before = book.period.start - timedelta(days=1)
    start_of = {i: book.arr_on(i, before) for i in at_start}
    end_of = {i: 0 if i in lost else book.arr_on(i, book.period.end) for i in at_start}
    churned_ids = [i for i in at_start if i in lost]
    contracted_ids = [i for i in at_start if i not in lost and end_of[i] < start_of[i]]
    expanded_ids = [i for i in at_start if i not in lost and end_of[i] > start_of[i]]
    start_arr = money.total((i, start_of[i]) for i in at_start)
    churned_arr = money.total((i, start_of[i]) for i in churned_ids)
    contraction = money.total((i, start_of[i] - end_of[i]) for i in contracted_ids)
    expansion = money.total((i, end_of[i] - start_of[i]) for i in expanded_ids)
    money_ok = not money.error and start_arr is not None
    s_arr, c_arr = start_arr or 0.0, churned_arr or 0.0
    k_arr, e_arr = contraction or 0.0, expansion or 0.0
    note = money.error or msg(
        "kpi.note.money",
        start=grouped(s_arr),
        currency=money.currency,
        churned=grouped(c_arr),
        contraction=grouped(k_arr),
        expansion=grouped(e_arr),
        converted=money.converted(),
    )
    loss_ids = sorted(churned_ids + contracted_ids)
    moved_ids = sorted(churned_ids + contracted_ids + expanded_ids)
    exp_ids = sorted(expanded_ids)
    return [
        _kpi(
            "revenue_churn",
            metrics.revenue_churn(s_arr, c_arr, k_arr) if money_ok else None,
            "%",
            loss_ids,
            note,
        ),
        _kpi("grr", metrics.grr(s_arr, c_arr, k_arr) if money_ok else None, "%", loss_ids, note),
        _kpi(
            "nrr",
            metrics.nrr(s_arr, c_arr, k_arr, e_arr) if money_ok else None,
            "%",
            moved_ids,
            note,
        ),
        _kpi(
            "expansion_arr",
            expansion if not money.error and at_start else None,
            money.currency,
            exp_ids,
            money.error or msg("kpi.note.expansion_arr", n=len(exp_ids)),
        ),
        _kpi(
            "upsell_rate",
            metrics.upsell_rate(len(exp_ids), len(at_start)),
            "%",
            exp_ids,
            msg("kpi.note.upsell_rate", n=len(exp_ids), of=len(at_start), new=book.new_note),
        ),
    ]


def _survey_kpis(
    book: _Book, surveys: Iterable[SurveyLike], cfg: KPIConfig, detractor_max: int
) -> list[KPIValue]:
    """NPS and CSAT from the answers given in the period; a detractor is what the alert
    calls one (``metrics.is_detractor`` with the health config's ``max_score``)."""
    answers = [s for s in surveys if s.account_id in book.accounts and s.date in book.period]
    nps_answers = [s for s in answers if s.kind is SurveyKind.NPS]
    p, pa, d = metrics.nps_breakdown((s.score for s in nps_answers), detractor_max)
    detractors = sorted(
        {s.account_id for s in nps_answers if metrics.is_detractor(s.score, detractor_max)}
    )
    others = sorted({s.account_id for s in nps_answers} - set(detractors))
    nps = _kpi(
        "nps",
        metrics.nps((s.score for s in nps_answers), detractor_max),
        "",
        detractors + others,
        msg("kpi.note.nps", promoters=p, passives=pa, detractors=d),
        {"promoters": p, "passives": pa, "detractors": d, "responses": len(nps_answers)},
    )
    csat_answers = [s for s in answers if s.kind is SurveyKind.CSAT]
    method = cfg.csat_method
    csat = _kpi(
        "csat",
        metrics.csat((s.score for s in csat_answers), method),
        "%" if method == "share" else "/5",
        sorted({s.account_id for s in csat_answers}),
        msg(
            "kpi.note.csat_share" if method == "share" else "kpi.note.csat_mean",
            n=len(csat_answers),
        ),
    )
    return [nps, csat]


def _ltv_kpi(book: _Book, money: _Money, cfg: KPIConfig) -> KPIValue:
    """LTV of an average account active at the end of the period."""
    end = book.period.end

    def active_at_end(a: RenewingAccount) -> bool:
        gone = book.churned_on.get(a.id)
        if a.contract_start is not None and a.contract_start > end:
            return False
        if gone is None:
            return a.stage is not Stage.CHURNED
        return gone > end

    active = sorted(i for i, a in book.accounts.items() if active_at_end(a))
    arr_total = money.total((i, book.arr_on(i, end)) for i in active)
    return _ltv(
        cfg,
        book.period,
        money.currency,
        arr_total,
        active,
        len(book.lost),
        len(book.at_start),
        money.error,
    )


def _onboarding_kpis(
    book: _Book, onboarding_plans: Iterable[OnboardingLike], as_of: date | None
) -> list[KPIValue]:
    """Time to value and the completion rate of plans whose core steps fall in the period."""
    from cstui.domain.templates import first_value_day

    period = book.period
    plans = [pl for pl in onboarding_plans if pl.account_id in book.accounts]
    ttv: dict[str, int] = {}
    for pl in plans:
        reached = first_value_day(pl)
        if reached is not None and reached in period:
            days = metrics.time_to_value(pl.start, reached)
            if days is not None:
                ttv[pl.account_id] = days

    def finished(pl: OnboardingLike) -> bool:
        return all(i.done for i in pl.items if i.core)

    # In the running period a plan whose core steps are not due yet has not failed.
    cohort = [
        pl
        for pl in plans
        if (f := _core_finish(pl)) is not None
        and f in period
        and (as_of is None or f <= as_of or finished(pl))
    ]
    done = sorted(pl.account_id for pl in cohort if finished(pl))
    return [
        _kpi(
            "ttv",
            metrics.mean(ttv.values()),
            "days",
            sorted(ttv),
            msg("kpi.note.ttv", n=len(ttv)),
        ),
        _kpi(
            "onboarding_completion",
            metrics.onboarding_completion_rate(len(done), len(cohort)),
            "%",
            done,
            msg("kpi.note.onboarding_completion", n=len(done), of=len(cohort)),
        ),
    ]


def _health_kpi(book: _Book, health_rows: Iterable[HealthRow]) -> KPIValue:
    """Health distribution of the accounts still with us."""
    counts = {"red": 0, "yellow": 0, "green": 0, "unknown": 0}
    by_band: dict[str, list[str]] = {k: [] for k in counts}
    for row in health_rows:
        a = book.accounts.get(row.id)
        if a is None or a.stage is Stage.CHURNED:
            continue
        band = row.band if row.band in counts else "unknown"
        counts[band] += 1
        by_band[band].append(row.id)
    scored = counts["red"] + counts["yellow"] + counts["green"]
    return _kpi(
        "health",
        metrics.band_share(counts["green"], scored),
        "%",
        [i for b in ("red", "yellow", "green", "unknown") for i in sorted(by_band[b])],
        msg("kpi.note.health", red=counts["red"], yellow=counts["yellow"], green=counts["green"]),
        {k: float(v) for k, v in counts.items()},
    )


def compute_kpis(
    accounts: Iterable[RenewingAccount],
    renewals: Iterable[RenewalLike],
    surveys: Iterable[SurveyLike],
    onboarding_plans: Iterable[OnboardingLike],
    health_rows: Iterable[HealthRow],
    period: Period,
    slice: str = "all",
    *,
    user: str = "",
    config: KPIConfig | None = None,
    as_of: date | None = None,
    detractor_max: int = metrics.NPS_DETRACTOR_MAX,
    history: Iterable[AccountChange] = (),
    reads: TrendReads | None = None,
) -> KPIReport:
    """Every KPI of the book for ``period`` and ``slice`` (see the module doc for the rules).

    ``as_of`` (today) refuses a period that has not started (ValueError: nothing happened in
    it yet, so "0 % churn" would be a claim, not a fact) and keeps onboardings that are not
    due yet out of the running period's completion rate.

    ``renewals`` should include the implied ones (:func:`implied_renewals`) so churned and
    renewed accounts without records still count. ``history``: the accounts' recorded
    changes (:mod:`cstui.domain.history`), so ARR edits never rewrite a closed period.
    ``detractor_max``: the highest NPS answer
    that is a detractor (the health config's ``[flags.detractor] max_score``). ``reads``:
    what another period's report of the same book read (:class:`TrendReads`: a trend).
    """
    if as_of is not None and period.start > as_of:
        raise ValueError(f"{period.label} has not started yet.")
    cfg = config or default_kpi_config()
    book = _book_for(accounts, renewals, period, slice, user, history, reads)
    money = _Money(book, cfg)
    # LTV sums after the revenue KPIs: a currency mix-up in any sum leaves LTV without data too.
    groups = (
        _logo_kpis(book),
        _revenue_kpis(book, money),
        _survey_kpis(book, surveys, cfg, detractor_max),
        [_ltv_kpi(book, money, cfg)],
        _onboarding_kpis(book, onboarding_plans, as_of),
        [_health_kpi(book, health_rows)],
    )
    by_key = {v.key: v for group in groups for v in group}
    return KPIReport(
        period=period,
        slice=slice or "all",
        currency=money.currency if book.accounts else None,
        values=[by_key[key] for key in KPI_KEYS],
        accounts_at_start=book.at_start,
        new_accounts=book.new,
    )
