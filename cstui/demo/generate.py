"""A believable demo book of accounts, so cstui can be tried (and tested) without a CRM.

Every screen needs data in which the signals cstui looks for are really there: Japanese and
English customers, three touch tiers, every lifecycle stage, usage that grows, sags or
recovers, champions who left, renewals that slipped, onboarding half done. The generator
plants those on purpose and in stable proportions (quotas, not coin flips), so a 60-account
book always shows each of them.

Everything comes from one ``random.Random(seed)`` and is dated relative to ``today``: the same
(accounts, seed, today) gives byte-identical output, which tests and screenshots rely on.

Records are built as plain dicts shaped exactly like ``Model(...).to_record()`` (same keys in
the same order, dates as ``YYYY-MM-DD``, enums as values, floats where the model has floats):
building 50,000 accounts' worth of pydantic models costs more than the whole budget.
:func:`generate` still validates every record of the small tables and an even sample of the
big ones with the models, and the tests prove the shapes are identical.
"""

from __future__ import annotations

import functools
import math
import random
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator, MutableSequence, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import accumulate, count
from typing import TYPE_CHECKING, Any, Final, TypeVar

from cstui import clock
from cstui.demo import names
from cstui.domain import templates as onboarding_rules
from cstui.domain.cadence import account_lang, add_months
from cstui.domain.enums import (
    ActivityKind,
    Audience,
    ContactRole,
    LoopStatus,
    ObjectiveStatus,
    Outcome,
    Priority,
    Sentiment,
    Stage,
    SurveyKind,
    TaskSource,
    Tier,
)
from cstui.domain.models import ALL_MODELS, QBR, Record

if TYPE_CHECKING:
    from _typeshed import SupportsLenAndGetItem

__all__ = ["DEFAULT_OWNERS", "FEATURES_TOTAL", "LEAN_ABOVE", "MODELS", "generate"]

Rec = dict[str, Any]
T = TypeVar("T")
S = TypeVar("S")
K = TypeVar("K")

DEFAULT_OWNERS: tuple[str, ...] = ("me", "sato", "kim", "lopez")
"""The first owner is the CSM running cstui; the others are teammates sharing the store."""

FEATURES_TOTAL = 10

LEAN_ABOVE = 5000
"""Above this many accounts the book is thinned for speed: monthly usage readings, one or
two contacts and a handful of activities per account (a 50,000-account book is a tech-touch
book; nobody reads a year of weekly readings for each)."""

VALIDATE_SAMPLE = 2000
"""Roughly how many records per table :func:`generate` validates with the model (every
record of a smaller table): a cheap guard that the fast dict-building still matches the
models if they change."""

MODELS: tuple[type[Record], ...] = tuple(m for m in ALL_MODELS if m is not QBR)
"""The models whose tables :func:`generate` fills, in output order."""

_JA, _EN = 0, 1
_HEALTHY, _DECLINING, _RECOVERING, _RAMPING = "healthy", "declining", "recovering", "ramping"

_STAGE_SHARES: tuple[tuple[Stage, float], ...] = (
    (Stage.KICKOFF, 0.04),
    (Stage.ONBOARDING, 0.14),
    (Stage.ADOPTION, 0.355),
    (Stage.EXPANSION, 0.14),
    (Stage.RENEWAL, 0.17),
    (Stage.ADVOCACY, 0.06),
    (Stage.CHURNED, 0.06),
    (Stage.NOT_A_FIT, 0.015),
)
_TIER_SHARES: tuple[tuple[Tier, float], ...] = ((Tier.HIGH, 0.1), (Tier.MID, 0.3), (Tier.TECH, 0.6))

_ARR_BANDS: dict[tuple[Tier, str], tuple[int, int]] = {
    (Tier.HIGH, "JPY"): (6_000_000, 40_000_000),
    (Tier.HIGH, "USD"): (60_000, 400_000),
    (Tier.MID, "JPY"): (1_200_000, 6_000_000),
    (Tier.MID, "USD"): (12_000, 60_000),
    (Tier.TECH, "JPY"): (120_000, 1_200_000),
    (Tier.TECH, "USD"): (1_200, 12_000),
}
"""ARR bands that define the tiers (the touch model segments by value)."""

_SEAT_PRICE: dict[tuple[Tier, str], tuple[int, int]] = {
    (Tier.HIGH, "JPY"): (12_000, 18_000),
    (Tier.HIGH, "USD"): (100, 160),
    (Tier.MID, "JPY"): (15_000, 24_000),
    (Tier.MID, "USD"): (130, 220),
    (Tier.TECH, "JPY"): (18_000, 36_000),
    (Tier.TECH, "USD"): (150, 300),
}
"""Yearly price per seat: big customers get volume discounts, so seats follow ARR."""

_MIN_AGE_DAYS: dict[Stage, int] = {
    Stage.ADOPTION: 120,
    Stage.EXPANSION: 240,
    Stage.RENEWAL: 200,
    Stage.ADVOCACY: 400,
    Stage.NOT_A_FIT: 120,
}
"""How long a customer has been with us, at least, to be in an established stage."""

_ACTIVITY_KINDS_ENUM = (
    ActivityKind.MEETING,
    ActivityKind.CALL,
    ActivityKind.EMAIL,
    ActivityKind.NOTE,
    ActivityKind.QBR,
    ActivityKind.EXEC_REPORT,
)
_KIND_WEIGHTS: dict[Tier, tuple[int, ...]] = {
    Tier.HIGH: tuple(accumulate((30, 20, 25, 12, 8, 5))),
    Tier.MID: tuple(accumulate((15, 25, 42, 15, 2, 1))),
}
"""Cumulative odds of each activity kind (meeting, call, e-mail, note, QBR, exec report)."""

_MEETING, _CALL, _EMAIL, _NOTE, _QBR, _EXEC_REPORT = _ACTIVITY_KINDS = tuple(
    k.value for k in _ACTIVITY_KINDS_ENUM
)
"""The activity kinds as the values the records hold (the generator works with those)."""
_STORY_KINDS = (_MEETING, _CALL, _QBR)
_POSITIVE, _NEUTRAL, _NEGATIVE = _SENTIMENTS = tuple(
    s.value for s in (Sentiment.POSITIVE, Sentiment.NEUTRAL, Sentiment.NEGATIVE)
)
_TECH_TOUCH_COUNT_ODDS = tuple(accumulate((10, 35, 35, 20)))
"""Cumulative odds of 0, 1, 2 or 3 touches a year for a tech-touch account."""
_ODDS_FALLING = tuple(accumulate((15, 35, 50)))
_ODDS_BEFORE_FALL = tuple(accumulate((35, 55, 10)))
_ODDS_DIP = tuple(accumulate((15, 40, 45)))
_ODDS_HEALTHY = tuple(accumulate((55, 40, 5)))
_ODDS_NEW = tuple(accumulate((50, 45, 5)))
"""Cumulative positive / neutral / negative odds of an activity's sentiment."""

_ACTIVE_SHARE: dict[str, tuple[float, float]] = {
    _HEALTHY: (0.55, 0.9),
    _DECLINING: (0.4, 0.7),
    _RECOVERING: (0.5, 0.85),
    _RAMPING: (0.45, 0.8),
}
"""Active users ÷ seats at full use, before the pattern's rise or fall."""

_KPI_PACE: dict[str, tuple[float, float]] = {
    _HEALTHY: (0.9, 1.4),
    _RECOVERING: (0.6, 1.0),
    _RAMPING: (0.7, 1.2),
    _DECLINING: (0.1, 0.6),
}
"""KPI progress relative to time elapsed (health calls ≥ 0.8 on track)."""

_NPS_WEIGHTS: dict[str, tuple[int, int, int]] = {
    _HEALTHY: (55, 33, 12),
    _RECOVERING: (30, 40, 30),
    _DECLINING: (8, 27, 65),
    _RAMPING: (35, 50, 15),
}
"""Promoter / passive / detractor odds: detractors cluster where usage is falling."""
_NPS_KINDS = ("promoter", "passive", "detractor")
_NPS_ODDS = {pattern: tuple(accumulate(odds)) for pattern, odds in _NPS_WEIGHTS.items()}
_NPS, _CSAT = SurveyKind.NPS.value, SurveyKind.CSAT.value


# --------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------


class _Rng(random.Random):
    """``random.Random`` with cheaper ``randint``, ``choice`` and ``shuffle``: the same draws.

    The library's ``randint(a, b)`` is ``randrange(a, b + 1)``, which checks and converts
    its arguments on every call before it draws ``a + _randbelow(b - a + 1)``; ``choice``
    draws ``seq[_randbelow(len(seq))]`` and ``shuffle`` one ``_randbelow`` per place.
    These draw exactly that, with ``_randbelow``'s rejection loop (``getrandbits`` of the
    width's bit length until below the width) written out in place, so a seed gives the
    same book as with the plain ``Random`` (the generator makes millions of these calls).
    ``test_demo_draws`` checks, on the Python that runs it, that the stream stays the
    library's draw for draw.
    """

    def randint(self, a: int, b: int) -> int:
        n = b - a + 1
        if n <= 0:
            raise ValueError(f"empty range for randint({a}, {b})")
        getrandbits, k = self.getrandbits, n.bit_length()
        r = getrandbits(k)
        while r >= n:
            r = getrandbits(k)
        return a + r

    def choice(self, seq: SupportsLenAndGetItem[T]) -> T:
        n = len(seq)
        if not n:
            raise IndexError("Cannot choose from an empty sequence")
        getrandbits, k = self.getrandbits, n.bit_length()
        r = getrandbits(k)
        while r >= n:
            r = getrandbits(k)
        return seq[r]

    def shuffle(self, x: MutableSequence[Any]) -> None:
        getrandbits = self.getrandbits
        for i in reversed(range(1, len(x))):  # the library's Fisher-Yates, draw for draw
            n = i + 1
            k = n.bit_length()
            j = getrandbits(k)
            while j >= n:
                j = getrandbits(k)
            x[i], x[j] = x[j], x[i]


def _quota(
    rng: random.Random, n: int, shares: Sequence[tuple[T, float]], minimum: int = 0
) -> list[T]:
    """``n`` labels in the given proportions (largest remainder), shuffled.

    Quotas rather than independent draws, so a small book still has every stage and tier
    and the proportions do not drift with the seed. ``minimum`` is honoured while the
    largest bucket can spare one.
    """
    total = sum(w for _, w in shares) or 1.0
    raw = [n * w / total for _, w in shares]
    counts = [int(x) for x in raw]
    by_remainder = sorted(range(len(raw)), key=lambda i: raw[i] - counts[i], reverse=True)
    for i in by_remainder[: n - sum(counts)]:
        counts[i] += 1
    for i in range(len(counts)):
        while counts[i] < minimum:
            j = max(range(len(counts)), key=lambda k: counts[k])
            if counts[j] <= minimum:
                break
            counts[j] -= 1
            counts[i] += 1
    out = [label for (label, _), c in zip(shares, counts, strict=True) for _ in range(c)]
    rng.shuffle(out)
    return out


def _spread(rng: random.Random, stems: Sequence[S], kinds: Sequence[K]) -> list[tuple[S, K]]:
    """Every stem × kind pair, each stem used once per round, so a small book does not
    read like a family of companies (東和物流, 東和精機, 東和商事...)."""
    per_stem = [rng.sample(kinds, len(kinds)) for _ in stems]
    order = list(range(len(stems)))
    out: list[tuple[S, K]] = []
    for j in range(len(kinds)):
        rng.shuffle(order)
        out.extend((stems[i], per_stem[i][j]) for i in order)
    return out


def _pick(rng: random.Random, items: Sequence[T], cumulative: Sequence[int]) -> T:
    """``rng.choices(items, cum_weights=cumulative)[0]``, the same draw and arithmetic,
    without its per-call overhead (the weights accumulated once, by the caller)."""
    return items[bisect_right(cumulative, rng.random() * cumulative[-1], 0, len(items) - 1)]


_LIGHT, _DEEP = Audience.LIGHT.value, Audience.DEEP.value
_AT_RISK = ObjectiveStatus.AT_RISK.value

_CORE_STEPS: Final = [s for s in names.ONBOARDING_STEPS if s[4]]
_OPTIONAL_STEPS: Final = [s for s in names.ONBOARDING_STEPS if not s[4]]
"""The tailored template's core steps (every plan has them) and optional ones."""
_LAST_STEP: Final = "onboarding-review"
"""The step a short plan leaves out."""


@functools.cache
def _onboarding_template() -> onboarding_rules.OnboardingTemplate:
    """The shipped template the demo's plans are made from (the user's own never change the
    demo): parsed once, so a plan records its phases, dependencies and roadmap lines."""
    shipped, _ = onboarding_rules.load_templates(onboarding_rules.shipped_template_texts(), [])
    return shipped[names.ONBOARDING_TEMPLATE]


_ROI_RETURN: Final = {10: 0.9, 15: 1.15, 20: 1.3, 30: 1.45, 40: 1.65, 60: 1.95, 80: 2.4}
"""Value ÷ annual fee per demo pace: one pace in seven a little under its fee, the rest
15–140 % above it."""


def _hours_for(fee: int, pace: int, cost: float, other_value: float) -> float:
    """Hours saved a month that make the year's value ``_ROI_RETURN[pace]`` × the fee: a
    plan's ROI is then plausible (a few hours to a few FTEs), not −90 % on a big contract."""
    from_hours = max(fee * _ROI_RETURN[pace] - other_value, fee * 0.15)
    return float(max(5, math.ceil(from_hours / 12 / cost / 5) * 5))


def _is_katakana(text: str) -> bool:
    return all("ァ" <= ch <= "ヶ" or ch == "ー" for ch in text)


def _days(n: int) -> timedelta:
    return timedelta(days=n)


# --------------------------------------------------------------------------------------------
# The plan of each account, kept while its records are built
# --------------------------------------------------------------------------------------------


_PLAIN: Final[dict[str, str]] = {
    m.value: m.value
    for kind in (Tier, Stage, ContactRole, Priority, TaskSource, Outcome)
    for m in kind
}
"""Enum values as plain text, looked up by member: a ``StrEnum`` member hashes and compares
as its value, so this is a dict look-up instead of the (much slower) ``.value`` property."""

_NEVER: Final = date.max.toordinal() + 1


class _IsoDays(dict[int, str]):
    """``YYYY-MM-DD`` of a day by its ordinal, each written once: a book has a few thousand
    distinct days and a million dated values."""

    def __missing__(self, day: int) -> str:
        text = self[day] = date.fromordinal(day).isoformat()
        return text


@dataclass(slots=True)
class _Person:
    id: str
    short: str
    """How a CSM refers to them in a task: surname (Japanese) or first name (English)."""
    role: ContactRole
    left: int = _NEVER
    """The day (ordinal) they left the customer; ``_NEVER`` while they are there: a
    contact is there on day ``d`` when ``d < left``."""


@dataclass(slots=True)
class _Acc:
    id: str
    lang: int
    name: str
    domain: str
    industry: str
    tier: Tier
    stage: Stage
    owner: str
    currency: str
    arr: int = 0
    seats: int = 0
    start: date = date.min
    renewal: date = date.min
    end: date = date.min
    """Last day the customer used the product: the churn date, or today."""
    multi_year: bool = False
    pattern: str = _HEALTHY
    contacts: list[_Person] = field(default_factory=list)
    champion_left: bool = False
    onboarding: tuple[str, Rec] | None = None
    """(plan id, next open core step on our side), for an onboarding task."""

    def first(self, *roles: ContactRole, on: int | None = None) -> _Person | None:
        """The first contact in one of ``roles`` (in that order), there on day ``on``."""
        for role in roles:
            for p in self.contacts:
                if p.role is role and (on is None or on < p.left):
                    return p
        return None


# --------------------------------------------------------------------------------------------
# The generator
# --------------------------------------------------------------------------------------------


def generate(
    accounts: int = 60,
    seed: int = 0,
    today: date | None = None,
    owners: Sequence[str] = DEFAULT_OWNERS,
) -> dict[str, list[dict[str, Any]]]:
    """A demo book: table name → JSON-ready records, each valid for its model.

    ``owners[0]`` is the CSM running the app and owns about half the accounts; the others
    are teammates. Ids are sequential per table (``acc-000001``...), so they depend only on
    (accounts, seed, today), like everything else.
    """
    if accounts < 0:
        raise ValueError(f"The number of accounts cannot be negative ({accounts}).")
    if not owners:
        raise ValueError("At least one owner is needed (the first one is you).")
    book = _Book(accounts, seed, today or clock.today(), tuple(owners))
    tables = book.build()
    for model in MODELS:
        records = tables[model.table]
        step = max(1, len(records) // VALIDATE_SAMPLE)
        for record in records[::step]:
            model.model_validate(record)
    return tables


# A task before it becomes a record: (title, priority, source, key, fixed due date); with
# its account in front (None for the CSM's own tasks) once the picks of every account are in.
_TaskPick = tuple[str, Priority, TaskSource, str, date | None]
_TaskSpec = tuple[_Acc | None, str, Priority, TaskSource, str, date | None]


class _Book:
    """Builds one book; holds the seeded RNG, the date grid and the id counters."""

    def __init__(self, n: int, seed: int, today: date, owners: tuple[str, ...]) -> None:
        self.n = n
        self.rng = _Rng(seed)
        self.rng_seed = seed
        self.today = today
        self.today_o = today.toordinal()
        self.iso = _IsoDays()
        self.add_months = functools.cache(add_months)
        """``add_months``, each (day, months) worked out once: contract dates repeat."""
        self.owners = owners
        self.lean = n > LEAN_ABOVE
        self.counters: dict[str, Iterator[int]] = {}
        self.tables: dict[str, list[Rec]] = {m.table: [] for m in MODELS}
        self.accounts: list[_Acc] = []
        if self.lean:
            grid = [add_months(today, -k) for k in range(11, -1, -1)]
            self.step_weeks = 365.25 / 12 / 7
        else:
            grid = [today - timedelta(weeks=k) for k in range(51, -1, -1)]
            self.step_weeks = 1.0
        self.grid_ord = [d.toordinal() for d in grid]
        self.grid_str = [d.isoformat() for d in grid]

    def next_id(self, prefix: str) -> str:
        counter = self.counters.get(prefix)
        if counter is None:
            counter = self.counters[prefix] = count(1)
        return f"{prefix}-{next(counter):06d}"

    def build(self) -> dict[str, list[Rec]]:
        self.plan_accounts()
        for a in self.accounts:
            self.tables["accounts"].append(self.account_record(a))
        self.plan_contacts()
        for a in self.accounts:
            self.usage(a)
        for a in self.accounts:
            self.activities(a)
        for a in self.accounts:
            if a.stage in (Stage.KICKOFF, Stage.ONBOARDING):
                self.onboarding(a)
        for a in self.accounts:
            if a.tier is Tier.HIGH or (
                a.tier is Tier.MID and a.stage is not Stage.KICKOFF and self.rng.random() < 0.3
            ):
                self.success_plan(a)
        for a in self.accounts:
            self.surveys(a)
        self.tasks()
        self.requests()
        self.renewal_records()
        return self.tables

    # ---------------------------------------------------------------------------- accounts

    def plan_accounts(self) -> None:
        rng, n = self.rng, self.n
        langs = _quota(rng, n, ((_JA, 0.5), (_EN, 0.5)))
        tiers = _quota(rng, n, _TIER_SHARES, minimum=1 if n >= 3 else 0)
        stages = _quota(rng, n, _STAGE_SHARES, minimum=1 if n >= 20 else 0)
        if len(self.owners) == 1:
            owners = [self.owners[0]] * n
        else:
            rest = 0.5 / (len(self.owners) - 1)
            owners = _quota(rng, n, [(self.owners[0], 0.5), *((o, rest) for o in self.owners[1:])])
        companies = self.company_names(langs)
        n_renewal = stages.count(Stage.RENEWAL)
        overdue = iter(
            _quota(rng, n_renewal, ((True, 0.25), (False, 0.75)), 1 if n_renewal >= 3 else 0)
        )
        n_settled = sum(s in _MIN_AGE_DAYS and s is not Stage.RENEWAL for s in stages)
        multi = iter(
            _quota(rng, n_settled, ((True, 0.15), (False, 0.85)), 1 if n_settled >= 5 else 0)
        )
        for i in range(n):
            name, domain, industry, japan = companies[i]
            lang, tier, stage = langs[i], tiers[i], stages[i]
            local = lang == _JA or japan
            currency = "JPY" if local or rng.random() >= 0.8 else "USD"
            a = _Acc(
                id=self.next_id("acc"),
                lang=lang,
                name=name,
                domain=domain,
                industry=industry,
                tier=tier,
                stage=stage,
                owner=owners[i],
                currency=currency,
            )
            self.money(a)
            self.dates(a, overdue, multi)
            self.accounts.append(a)
        self.assign_patterns()

    def company_names(self, langs: list[int]) -> list[tuple[str, str, str, bool]]:
        """Unique (name, domain, industry tag, based in Japan) per account.

        Stem × line-of-business pairs are used in a shuffled, stem-spreading order; when
        they run out (large books) regional sister companies follow, then numbered ones, so
        names and domains never repeat.
        """
        rng = self.rng
        jp = _spread(rng, names.JP_STEMS, names.JP_INDUSTRIES)
        en = _spread(rng, names.EN_STEMS, names.EN_INDUSTRIES)
        out: list[tuple[str, str, str, bool]] = []
        kana = {w for w, *_ in (*names.JP_STEMS, *names.JP_INDUSTRIES) if _is_katakana(w)}
        kj = ke = 0
        for lang in langs:
            if lang == _JA:
                (stem, stem_rom), (ind, ind_rom, tag) = jp[kj % len(jp)]
                r = kj // len(jp)
                kj += 1
                sep = "・" if stem in kana and ind in kana else ""
                core, dom = f"{stem}{sep}{ind}", f"{stem_rom}-{ind_rom}"
                if 1 <= r <= len(names.JP_REGIONS):
                    region, region_rom = names.JP_REGIONS[r - 1]
                    core, dom = region + core, f"{region_rom}-{dom}"
                elif r:
                    num = r - len(names.JP_REGIONS) + 1
                    core, dom = f"第{num}{core}", f"{dom}{num}"
                x = rng.random()
                if x < 0.45:
                    name = f"株式会社{core}"
                elif x < 0.9:
                    name = f"{core}株式会社"
                else:
                    name = f"合同会社{core}"
                out.append((name, f"{dom}.co.jp", tag, True))
            else:
                stem, (ind, tag, tld) = en[ke % len(en)]
                r = ke // len(en)
                ke += 1
                core, dom, japan = f"{stem} {ind}", f"{stem}{ind}".lower(), False
                if 1 <= r <= len(names.EN_REGIONS):
                    region, slug = names.EN_REGIONS[r - 1]
                    core, dom, japan = f"{core} {region}", f"{dom}-{slug}", slug == "japan"
                elif r:
                    num = r - len(names.EN_REGIONS) + 1
                    core, dom = f"{core} {num}", f"{dom}{num}"
                out.append((f"{core} {rng.choice(names.EN_LEGAL)}", f"{dom}.{tld}", tag, japan))
        return out

    def money(self, a: _Acc) -> None:
        rng = self.rng
        cur = "JPY" if a.currency == "JPY" else "USD"
        lo, hi = _ARR_BANDS[a.tier, cur]
        unit = 10_000 if cur == "JPY" else 100
        arr = lo * (hi / lo) ** rng.random()  # log-uniform: many small, few big
        a.arr = min(hi, max(lo, round(arr / unit) * unit))
        p_lo, p_hi = _SEAT_PRICE[a.tier, cur]
        seats = max(3, round(a.arr / rng.uniform(p_lo, p_hi)))
        a.seats = seats if a.tier is Tier.TECH else max(5, round(seats / 5) * 5)

    def dates(self, a: _Acc, overdue: Iterator[bool], multi: Iterator[bool]) -> None:
        """Contract start and next renewal, consistent with the stage.

        Renewals fall on contract anniversaries (12- or 24-month terms), so the start is
        found by stepping back whole terms from the renewal until the account is old
        enough for its stage.
        """
        rng, today = self.rng, self.today
        stage = a.stage
        if stage is Stage.KICKOFF:
            a.start = today - _days(rng.randint(0, 14))
            a.renewal = self.add_months(a.start, 12)
        elif stage is Stage.ONBOARDING:
            a.start = today - _days(rng.randint(15, 90))
            a.renewal = self.add_months(a.start, 12)
        elif stage is Stage.CHURNED:
            a.renewal = today - _days(rng.randint(7, 300))
            a.start = self.add_months(a.renewal, -12 * rng.randint(1, 3))
        else:
            term = 12
            if stage is Stage.RENEWAL:
                offset = rng.randint(-45, -1) if next(overdue) else rng.randint(0, 100)
            elif next(multi):
                a.multi_year, term = True, 24
                offset = rng.randint(366, 540)
            else:
                offset = rng.randint(60, 365)
            a.renewal = today + _days(offset)
            k = 1
            a.start = self.add_months(a.renewal, -term)
            while (today - a.start).days < _MIN_AGE_DAYS[stage]:
                k += 1
                a.start = self.add_months(a.renewal, -term * k)
            if rng.random() < 0.35:
                a.start = self.add_months(a.start, -term)
        a.end = a.renewal if stage is Stage.CHURNED else today

    def assign_patterns(self) -> None:
        """Usage pattern per account, following the stage, in quota within the open pool.

        New accounts ramp up, advocates are healthy, churned and not-a-fit ones decline;
        adoption and renewal accounts are split healthy / declining / recovering. A dip and
        recovery needs about 30 weeks of history, so only older accounts recover.
        """
        rng, today = self.rng, self.today
        pool: list[_Acc] = []
        for a in self.accounts:
            if a.stage in (Stage.KICKOFF, Stage.ONBOARDING):
                a.pattern = _RAMPING
            elif a.stage is Stage.ADVOCACY:
                a.pattern = _HEALTHY
            elif a.stage in (Stage.CHURNED, Stage.NOT_A_FIT):
                a.pattern = _DECLINING
            elif a.stage is Stage.EXPANSION:
                aged = (today - a.start).days >= 210
                a.pattern = _RECOVERING if aged and rng.random() < 0.15 else _HEALTHY
            else:
                pool.append(a)
        old = [a for a in pool if (today - a.start).days >= 210]
        recovering = rng.sample(old, min(len(old), round(0.2 * len(pool))))
        for a in recovering:
            a.pattern = _RECOVERING
        rest = [a for a in pool if a.pattern != _RECOVERING]
        for a in rng.sample(rest, min(len(rest), round(0.24 * len(pool)))):
            a.pattern = _DECLINING

    def account_record(self, a: _Acc) -> Rec:
        rng = self.rng
        tags = [a.industry]
        if a.multi_year:
            tags.append("multi-year")
        if a.stage is Stage.ADVOCACY and rng.random() < 0.6:
            tags.append("case-study")
        if a.stage in (Stage.KICKOFF, Stage.ONBOARDING) and rng.random() < 0.2:
            tags.append("pilot")
        ideas: list[str] = []
        if a.stage is Stage.EXPANSION or (a.pattern == _HEALTHY and rng.random() < 0.1):
            picks = rng.sample(names.UPSELL_IDEAS, rng.randint(1, 2))
            more = max(5, round(a.seats * rng.uniform(0.1, 0.3) / 5) * 5)
            ideas = [p[a.lang].format(n=more) for p in picks]
        return {
            "id": a.id,
            "name": a.name,
            "domain": a.domain,
            "tier": _PLAIN[a.tier],
            "stage": _PLAIN[a.stage],
            "owner": a.owner,
            "arr": a.arr,
            "currency": a.currency,
            "contract_start": self.iso[a.start.toordinal()],
            "renewal_date": self.iso[a.renewal.toordinal()],
            "seats": a.seats,
            "crm_ids": {},
            "tags": tags,
            "upsell_ideas": ideas,
        }

    # ---------------------------------------------------------------------------- contacts

    def plan_contacts(self) -> None:
        """Contacts per account, then the champions who left (~10% of accounts)."""
        rng, today = self.rng, self.today
        records: list[list[Rec]] = [self.people(a) for a in self.accounts]
        eligible = [
            a
            for a in self.accounts
            if a.stage not in (Stage.CHURNED, Stage.KICKOFF, Stage.ONBOARDING)
            and (today - a.start).days >= 120
            and a.first(ContactRole.CHAMPION) is not None
        ]
        leaving = rng.sample(eligible, min(len(eligible), max(1, round(0.1 * self.n))))
        for a in sorted(leaving, key=lambda x: x.id):
            champ = a.first(ContactRole.CHAMPION)
            assert champ is not None
            champ.left = self.today_o - rng.randint(7, 180)
            a.champion_left = True
        table = self.tables["contacts"]
        for a, recs in zip(self.accounts, records, strict=True):
            for person, rec in zip(a.contacts, recs, strict=True):
                if person.left != _NEVER:
                    rec["active"] = False
                    rec["left_on"] = self.iso[person.left]
                table.append(rec)

    def people(self, a: _Acc) -> list[Rec]:
        rng = self.rng
        r = rng.random
        if a.tier is Tier.TECH:
            first = ContactRole.CHAMPION if r() < 0.5 else ContactRole.ADMIN
            roles = [first, ContactRole.END_USER][: rng.randint(1, 2)]
        elif self.lean:
            roles = [ContactRole.CHAMPION, ContactRole.EXECUTIVE_SPONSOR][: rng.randint(1, 2)]
        else:
            count = rng.randint(4, 6) if a.tier is Tier.HIGH else rng.randint(3, 5)
            roles = [ContactRole.CHAMPION, ContactRole.EXECUTIVE_SPONSOR]
            if r() < 0.8:
                roles.append(ContactRole.DECISION_MAKER)
            if r() < 0.6:
                roles.append(ContactRole.ADMIN)
            if r() < 0.5:
                roles.append(ContactRole.CHAMPION)
            roles += [ContactRole.END_USER] * max(0, count - len(roles))
            roles = roles[:count]
        style = rng.randrange(3)  # one e-mail convention per company
        used: set[str] = set()
        out: list[Rec] = []
        for role in roles:
            if a.lang == _JA:
                (sur, sur_r), (giv, giv_r) = (
                    rng.choice(names.JP_SURNAMES),
                    rng.choice(names.JP_GIVEN),
                )
                display, short = f"{sur} {giv}", sur
                local = (f"{giv_r}.{sur_r}", f"{sur_r}.{giv_r}", f"{giv_r[0]}.{sur_r}")[style]
            else:
                first_name, last = rng.choice(names.EN_FIRST), rng.choice(names.EN_LAST)
                display, short = f"{first_name} {last}", first_name
                fl, ll = first_name.lower(), last.lower()
                local = (f"{fl}.{ll}", f"{fl[0]}{ll}", f"{fl}")[style]
            base, k = local, 1
            while local in used:
                k += 1
                local = f"{base}{k}"
            used.add(local)
            person = _Person(self.next_id("con"), short, role)
            a.contacts.append(person)
            out.append(
                {
                    "id": person.id,
                    "account_id": a.id,
                    "name": display,
                    "email": f"{local}@{a.domain}",
                    "title": rng.choice(names.TITLES[role])[a.lang],
                    "role": _PLAIN[role],
                    "active": True,
                    "left_on": None,
                }
            )
        return out

    # ---------------------------------------------------------------------------- usage

    def usage(self, a: _Acc) -> None:
        """One UsageHistory: the leading indicators, shaped by the account's pattern.

        Shapes, in weeks before the last reading: healthy grows slowly over the year;
        declining falls 35–60% over its last 6–9 weeks (accelerating, so a 30-day
        comparison catches it); recovering dips from 24 weeks back to a trough at 14 and is
        back by 5; ramping climbs from contract start. Open tickets rise with trouble.
        """
        rng = self.rng
        r = rng.random
        uniform = rng.uniform
        lo = bisect_left(self.grid_ord, a.start.toordinal())
        hi = bisect_right(self.grid_ord, a.end.toordinal())
        pattern, seats, step = a.pattern, a.seats, self.step_weeks
        ratio = uniform(*_ACTIVE_SHARE[pattern])
        cap = seats
        if a.stage is Stage.EXPANSION and pattern == _HEALTHY and r() < 0.3:
            ratio, cap = uniform(0.95, 1.05), int(seats * 1.1)  # outgrowing the licence
        logins_pu = uniform(2.5, 6.0)
        key_pu = uniform(0.8, 3.0)
        feat = rng.randint(2, 6) if pattern == _DECLINING else rng.randint(5, 9)
        volume_pu = uniform(5.0, 40.0)
        tickets_pu = uniform(0.002, 0.015)
        trouble_pu = uniform(0.08, 0.25)
        growth = uniform(0.0, 0.25)
        if a.stage is Stage.CHURNED:
            drop, span = uniform(0.6, 0.85), rng.randint(8, 14)
        else:
            drop, span = uniform(0.35, 0.6), rng.randint(6, 9)
        depth = uniform(0.35, 0.5)
        ramp = uniform(8.0, 16.0)
        end_ord, start_ord = a.end.toordinal(), a.start.toordinal()
        first = self.grid_ord[lo] if lo < len(self.grid_ord) else end_ord
        volume = seats * ratio * volume_pu * max(0.0, (first - start_ord) / 7)
        shape = (growth, drop, span, depth, ramp)
        fs, troubles = self._usage_shape(pattern, lo, hi, end_ord, start_ord, shape)
        base = seats * ratio  # seats * ratio * f, evaluated left to right as ever
        snaps: list[Rec] = []
        add = snaps.append
        for day, f, trouble in zip(self.grid_str[lo:hi], fs, troubles, strict=True):
            expected = base * f * (0.94 + 0.12 * r())
            active = int(expected + 0.5)
            if active > cap:
                active = cap
            volume += expected * volume_pu * step
            tickets = int(expected * (tickets_pu + trouble * trouble_pu) + r())
            most = 5 + active // 20
            features = round(feat * (0.4 + 0.6 * f))
            features = 1 if features < 1 else min(features, FEATURES_TOTAL)
            add(
                {
                    "date": day,
                    "logins": int(expected * logins_pu * step * (0.94 + 0.12 * r()) + 0.5),
                    "active_users": active,
                    "key_feature_uses": int(expected * key_pu * step * (0.6 + 0.4 * f) + 0.5),
                    "features_used": features,
                    "data_volume": int(volume),
                    "open_tickets": tickets if tickets < most else most,
                }
            )
        self.tables["usage"].append(
            {
                "id": self.next_id("usg"),
                "account_id": a.id,
                "features_total": FEATURES_TOTAL,
                "snapshots": snaps,
            }
        )

    def _usage_shape(
        self,
        pattern: str,
        lo: int,
        hi: int,
        end_ord: int,
        start_ord: int,
        shape: tuple[float, float, int, float, float],
    ) -> tuple[list[float], list[float]]:
        """The pattern's factor on full use and its trouble (0–1) at each reading ``lo:hi``
        of the grid (see :meth:`usage`)."""
        growth, drop, span, depth, ramp = shape
        weeks = [(end_ord - o) / 7 for o in self.grid_ord[lo:hi]]
        calm = [0.0] * len(weeks)
        if pattern == _HEALTHY:
            return [1.0 - growth * min(w, 52.0) / 52.0 for w in weeks], calm
        if pattern == _DECLINING:
            ps = [max(0.0, 1.0 - w / span) for w in weeks]
            return [1.0 - drop * p**1.5 for p in ps], ps
        if pattern == _RECOVERING:
            ps = [
                0.0 if w >= 24 else (24 - w) / 10 if w >= 14 else max(0.0, (w - 5) / 9)
                for w in weeks
            ]
            return [1.0 - depth * p for p in ps], ps
        return [
            min(1.0, 0.1 + 0.9 * (o - start_ord) / 7 / ramp) for o in self.grid_ord[lo:hi]
        ], calm

    # ---------------------------------------------------------------------------- activities

    def fill(self, pair: tuple[str, str], lang: int, **extra: object) -> str:
        """A phrase in the account's language with its placeholders filled at random."""
        text = pair[lang]
        if "{" not in text:
            return text
        randint, choice = self.rng.randint, self.rng.choice
        month = randint(1, 12)
        values: dict[str, object] = {
            "feature": choice(names.FEATURES)[lang],
            "n": choice((10, 15, 20, 30, 40)),
            "month_ja": month,
            "month_en": names.MONTHS_EN[month - 1],
        }
        if extra:
            values.update(extra)
        return text.format_map(values)

    def activities(self, a: _Acc) -> None:
        """A touch history whose last touch varies from today to months ago.

        High touch meets every 1–3 weeks, mid touch every 3–6; one high-touch account in ten
        and one mid-touch account in seven has gone quiet for two months or more. Tech touch
        gets up to three automated touches a year, the latest mostly within its 90-day
        cadence, and some accounts none at all. Days are ordinals here (see ``_Book.iso``).
        """
        rng = self.rng
        r, randint = rng.random, rng.randint
        end = a.end.toordinal()
        new = a.stage in (Stage.KICKOFF, Stage.ONBOARDING)
        if a.tier is Tier.TECH:
            self.tech_touches(a, end, new)
            self.closing_note(a)
            return
        window_start = max(a.start.toordinal(), end - (180 if self.lean else randint(180, 365)))
        x = r() + (0.25 if a.pattern == _DECLINING else 0.0)  # they stop answering
        high = a.tier is Tier.HIGH
        if new:
            gap = randint(0, 7)
        elif x < (0.75 if high else 0.7):
            gap = randint(0, 13 if high else 29)
        elif x < (0.9 if high else 0.85):
            gap = randint(15, 40) if high else randint(31, 59)
        else:
            gap = randint(60, 150 if high else 180)  # gone quiet
        if new:
            cadence = (5, 12)
        elif a.tier is Tier.HIGH:
            cadence = (10, 21)
        else:
            cadence = (20, 45)
        dates: list[int] = []
        d = end - gap
        limit = 6 if self.lean else 10_000
        while d > window_start and len(dates) < limit:
            dates.append(d)
            d -= randint(*cadence)
        if new:
            start = a.start.toordinal()
            kickoff = names.KICKOFF[a.lang]
            parts = self.participants(a, start, 3)
            self.activity(a, _MEETING, start, kickoff, parts, _POSITIVE)
        weights = _KIND_WEIGHTS[a.tier]
        for d in reversed(dates):
            self.touch(a, end, d, weights, new)
        self.closing_note(a)

    def tech_touches(self, a: _Acc, end: int, new: bool) -> None:
        """Up to three automated touches in the last year (see :meth:`activities`)."""
        rng = self.rng
        r, randint = rng.random, rng.randint
        window_start = max(a.start.toordinal(), end - 365)
        count = _pick(rng, (0, 1, 2, 3), _TECH_TOUCH_COUNT_ODDS)
        if new:
            gap = randint(0, 10)
        elif r() < 0.75:
            gap = randint(0, 85)
        else:
            gap = randint(91, 300)
        d = end - gap
        dates: list[int] = []
        while d >= window_start and len(dates) < count:
            dates.append(d)
            d -= randint(30, 120)
        for d in reversed(dates):
            kind, pair = rng.choice(names.TECH_TOUCH)
            sentiment = _POSITIVE if r() < 0.3 else _NEUTRAL
            contact = a.first(ContactRole.CHAMPION, ContactRole.ADMIN, on=d)
            parts = [contact.id] if contact and kind != _NOTE else []
            text = self.fill(pair, a.lang)
            self.activity(a, kind, d, text, parts, sentiment)

    def touch(self, a: _Acc, end: int, d: int, weights: tuple[int, ...], new: bool) -> None:
        rng = self.rng
        r = rng.random
        sentiment = _pick(rng, _SENTIMENTS, self.sentiment_odds(a, (end - d) / 7))
        if new and r() < 0.5:
            text = self.fill(names.ONBOARDING_SESSION, a.lang)
            self.activity(a, _MEETING, d, text, self.participants(a, d, 3), sentiment)
            return
        kind = _pick(rng, _ACTIVITY_KINDS, weights)
        via = False
        if kind == _EXEC_REPORT:
            champ = a.first(ContactRole.CHAMPION, on=d)
            boss = a.first(ContactRole.EXECUTIVE_SPONSOR, ContactRole.DECISION_MAKER, on=d)
            if champ is not None and (boss is None or r() < 0.4):
                via, parts = True, [champ.id]
            else:
                parts = [boss.id] if boss else []
        elif kind == _NOTE:
            parts = []
        elif kind in (_MEETING, _QBR):
            parts = self.participants(a, d, 3)
        else:
            parts = self.participants(a, d, 1)
        story = sentiment == _POSITIVE and kind in _STORY_KINDS and r() < 0.1
        if story:
            text = self.fill(rng.choice(names.STORIES), a.lang)
        elif via:
            text = names.VIA_CHAMPION[a.lang]
        else:
            text = self.fill(rng.choice(names.SUMMARIES[kind, sentiment]), a.lang)
        self.activity(a, kind, d, text, parts, sentiment, via=via, story=story)

    def sentiment_odds(self, a: _Acc, weeks_before_end: float) -> tuple[int, ...]:
        """Positive / neutral / negative odds; negative where usage is falling at the time."""
        p = a.pattern
        if p == _DECLINING:
            return _ODDS_FALLING if weeks_before_end < 10 else _ODDS_BEFORE_FALL
        if p == _RECOVERING and 5 <= weeks_before_end <= 24:
            return _ODDS_DIP
        return _ODDS_HEALTHY if p == _HEALTHY else _ODDS_NEW

    def participants(self, a: _Acc, d: int, most: int) -> list[str]:
        here = [p.id for p in a.contacts if d < p.left]
        if len(here) <= 1:
            return here
        return self.rng.sample(here, self.rng.randint(1, min(most, len(here))))

    def closing_note(self, a: _Acc) -> None:
        if a.stage is Stage.CHURNED:
            reason = self.rng.choice(names.CHURN_REASONS)[a.lang]
            text = names.CHURN_NOTE[a.lang].format(reason=reason)
            self.activity(a, _NOTE, a.end.toordinal(), text, [], _NEGATIVE)
        elif a.stage is Stage.NOT_A_FIT:
            d = self.today_o - self.rng.randint(5, 40)
            text = names.NOT_A_FIT_NOTE[a.lang]
            self.activity(a, _NOTE, max(d, a.start.toordinal()), text, [], _NEUTRAL)

    def activity(
        self,
        a: _Acc,
        kind: str,
        d: int,
        summary: str,
        participants: list[str],
        sentiment: str,
        *,
        via: bool = False,
        story: bool = False,
    ) -> None:
        """One activity record: ``kind`` and ``sentiment`` as their values, ``d`` an ordinal."""
        self.tables["activities"].append(
            {
                "id": self.next_id("act"),
                "account_id": a.id,
                "kind": kind,
                "date": self.iso[d],
                "summary": summary,
                "participants": participants,
                "sentiment": sentiment,
                "via_champion": via,
                "created_by": a.owner,
                "story": story,
                "created_at": None,
                "edited_by": "",
                "edited_at": None,
            }
        )

    # ---------------------------------------------------------------------------- onboarding

    def onboarding(self, a: _Acc) -> None:
        """A checklist from the template as a CSM tailored it (``names.ONBOARDING_STEPS``),
        due dates from offsets; past items mostly done.

        Recorded as a plan made in the app is: item ids ``{template}:{step}``, the
        template's dependencies, roadmap lines and phase names in the account's language,
        the left-out steps as removed. So re-applying the template recognises every step
        and has nothing to add.
        """
        rng, today, iso = self.rng, self.today_o, self.iso
        r, randint = rng.random, rng.randint
        tech = a.tier is Tier.TECH
        scale = 0.7 if tech else 1.0  # tech touch runs a shorter, self-serve programme
        steps = names.ONBOARDING_STEPS
        core, optional = _CORE_STEPS, _OPTIONAL_STEPS
        size = randint(8, 12)
        if size < len(core):
            core = [s for s in core if s[0] != _LAST_STEP]
        chosen = core + rng.sample(optional, max(0, size - len(core)))
        chosen.sort(key=lambda s: (s[2], steps.index(s)))
        template = _onboarding_template()
        lang = account_lang(a)
        words = _JA if lang == "ja" else _EN
        start = a.start.toordinal()
        age = today - start
        plan_id = self.next_id("onb")
        items: list[Rec] = []
        first_value_done: bool | None = None
        for key, phase, offset, side, is_core, first_value, pair in chosen:
            offset = round(offset * scale)
            due = start + offset  # days as ordinals
            if offset == 0:
                done = True
            elif due < today:
                done = r() < 0.85
            elif due - today <= 7:
                done = r() < 0.25
            else:
                done = r() < 0.04
            done_on: str | None = None
            if done and offset == 0:
                done_on = iso[start]  # the kickoff meeting is the start
            elif done:
                day = due + randint(-3, 4) if due < today else today
                done_on = iso[min(today, max(start, day - randint(0, 2)))]
            if first_value:
                first_value_done = done if (done or due < today) else None
            step = template.step(key)
            items.append(
                {
                    "id": key if step is None else onboarding_rules.item_id(template.key, key),
                    "phase": phase,
                    "title": pair[words],
                    "offset_days": offset,
                    "due": iso[due],
                    "owner_side": side,
                    "core": is_core,
                    "first_value": first_value,
                    "done": done,
                    "done_on": done_on,
                    "notes": "",
                    "depends_on": [],
                    "by_week": "" if step is None else step.by_week(lang),
                }
            )
        present = {i["id"] for i in items}
        ids = [onboarding_rules.item_id(template.key, s.id) for s in template.steps]
        removed = [i for i in ids if i not in present]
        for item in items:
            step = template.step(item["id"].removeprefix(f"{template.key}:"))
            if step is not None:
                after = (onboarding_rules.item_id(template.key, d) for d in step.after)
                item["depends_on"] = [d for d in after if d not in removed]
        trained = any(i["phase"] == "training" and i["done"] for i in items)
        # The task a plan made in the app would have open first: the next open core step
        # of ours (optional steps and the customer's have none).
        next_ours = next(
            (i for i in items if not i["done"] and i["owner_side"] == "us" and i["core"]), None
        )
        if next_ours is not None:
            a.onboarding = (plan_id, next_ours)
        rank = {p.id: n for n, p in enumerate(template.phases)}
        items.sort(key=lambda i: rank[i["phase"]])  # by phase, as the app keeps a plan
        self.tables["onboarding"].append(
            {
                "id": plan_id,
                "account_id": a.id,
                "template": template.key,
                "start": iso[start],
                "items": items,
                "satisfaction": rng.randint(5, 10) if age >= 30 and r() < 0.45 else None,
                "comprehension_ok": (r() < 0.85) if trained else None,
                "initial_goal_achieved": first_value_done,
                "skip_weekends": template.skip_weekends,
                "phase_names": {p.id: p.name(lang) for p in template.phases},
                "removed": removed,
            }
        )

    # ---------------------------------------------------------------------------- success plans

    def success_plan(self, a: _Acc) -> None:
        """A goal, 2–4 objectives for end users (light) and executives (deep), KPIs measured
        every month or two. One plan in five has no deep objective: the gap cstui should
        point out before renewal."""
        rng = self.rng
        r = rng.random
        template, goal = rng.choice(names.GOALS)
        count = rng.randint(2, 4)
        deep_n = 0 if r() < 0.2 else (2 if count == 4 and r() < 0.3 else 1)
        specs = [(_LIGHT, s) for s in rng.sample(names.OBJECTIVES_LIGHT, count - deep_n)]
        specs += [(_DEEP, s) for s in rng.sample(names.OBJECTIVES_DEEP, deep_n)]
        pace = rng.uniform(*_KPI_PACE[a.pattern])
        objectives: list[Rec] = []
        term = 24 if a.multi_year else 12
        start = max(a.start, self.add_months(a.renewal, -term))  # this contract term
        for k, (audience, (title, kpi_name, unit, b_lo, b_hi, t_lo, t_hi)) in enumerate(specs, 1):
            due = a.renewal if audience == _DEEP else self.add_months(start, 6)
            if audience == _DEEP:
                who = a.first(ContactRole.EXECUTIVE_SPONSOR, ContactRole.DECISION_MAKER)
            else:
                who = a.first(ContactRole.CHAMPION)
            kpi: Rec | None = None
            if r() < 0.9:
                baseline = float(round(rng.uniform(b_lo, b_hi)))
                target = float(round(rng.uniform(t_lo, t_hi)))
                if target == baseline:
                    target += 1.0
                kpi = {
                    "name": kpi_name[a.lang],
                    "unit": unit[a.lang],
                    "baseline": baseline,
                    "target": target,
                    "history": self.measurements(a, start, due, baseline, target, pace),
                }
            override: str | None = None
            if a.pattern == _DECLINING and r() < 0.2:
                override = _AT_RISK
            objectives.append(
                {
                    "id": f"o{k}",
                    "title": title[a.lang],
                    "audience": audience,
                    "stakeholder_id": who.id if who else None,
                    "kpi": kpi,
                    "start": self.iso[start.toordinal()],
                    "due": self.iso[due.toordinal()],
                    "status_override": override,
                }
            )
        roi: Rec | None = None
        if r() < 0.6:
            jpy = a.currency == "JPY"
            revenue = round(a.arr * rng.uniform(0.3, 2.0), -4 if jpy else -2) if r() < 0.4 else 0
            # The same draws as ever; the hours follow from the value the year returned.
            pace = rng.choice((10, 15, 20, 30, 40, 60, 80))
            cost = float(
                rng.choice((2000, 2500, 3000, 3500, 4000, 5000))
                if jpy
                else rng.choice((35, 45, 55, 65, 80))
            )
            other = float(round(a.arr * 0.1, -3 if jpy else -1)) if r() < 0.3 else 0.0
            roi = {
                "hours_saved_per_month": _hours_for(a.arr, pace, cost, revenue + other),
                "hourly_cost": cost,
                "extra_revenue": float(revenue),
                "other_savings": other,
                "annual_fee": float(a.arr),
                "currency": a.currency,
            }
        self.tables["success_plans"].append(
            {
                "id": self.next_id("spl"),
                "account_id": a.id,
                "goal": goal[a.lang],
                "template": template,
                "objectives": objectives,
                "roi": roi,
            }
        )

    def renewal_records(self) -> None:
        """Recorded outcomes of the renewals that already happened, so the KPIs show
        expansion, contraction and churn (NRR differs from GRR, upsell above 0) and the
        renewals screen has past months. The account's ARR is what the last renewal left:
        an expansion's ARR before it was lower, a contraction's higher. Its own RNG, so the
        rest of the book stays what it was for a seed."""
        rng = _Rng(f"renewals:{self.rng_seed}")
        table = self.tables["renewals"]
        churn_codes = ("no_value", "budget", "competitor", "champion_left", "product_gap")
        for a in self.accounts:
            term = 24 if a.multi_year else 12
            if a.stage is Stage.CHURNED:
                due, outcome, before = a.renewal, Outcome.CHURNED, float(a.arr)
            elif a.stage in (Stage.KICKOFF, Stage.ONBOARDING, Stage.NOT_A_FIT):
                continue
            else:
                due = self.add_months(a.renewal, -term)
                if due <= a.start or due > self.today:
                    continue
                roll = rng.random()
                if roll < 0.3:
                    outcome, before = Outcome.EXPANDED, a.arr / rng.uniform(1.1, 1.5)
                elif roll < 0.42:
                    outcome, before = Outcome.DOWNGRADED, a.arr / rng.uniform(0.7, 0.9)
                else:
                    outcome, before = Outcome.RENEWED, float(a.arr)
            unit = 10_000 if a.currency == "JPY" else 100
            arr_due = max(unit, round(before / unit) * unit)
            early = rng.randint(0, 20)  # decided a little before the due day; a churn on it
            closed = due if outcome is Outcome.CHURNED else due - _days(early)
            due_text = self.iso[due.toordinal()]
            table.append(
                {
                    "id": f"{a.id}:{due_text}",
                    "account_id": a.id,
                    "due": due_text,
                    "arr_due": arr_due,
                    "currency": a.currency,
                    "forecast": "at_risk" if outcome is Outcome.CHURNED else "likely",
                    "outcome": _PLAIN[outcome],
                    "new_arr": 0 if outcome is Outcome.CHURNED else a.arr,
                    "churn_reason": rng.choice(churn_codes) if outcome is Outcome.CHURNED else None,
                    "closed_on": self.iso[min(closed, self.today).toordinal()],
                    "notes": "",
                    "implied": False,
                }
            )

    def measurements(
        self, a: _Acc, start: date, due: date, baseline: float, target: float, pace: float
    ) -> list[Rec]:
        """Baseline at the start, then readings every 30–60 days keeping pace (or not); the
        last five of them."""
        uniform, randint = self.rng.uniform, self.rng.randint
        first = start.toordinal()  # days as ordinals
        last = min(self.today_o, a.end.toordinal())
        span = max(1, due.toordinal() - first)
        declining = a.pattern == _DECLINING
        never_negative = baseline >= 0 and target >= 0  # counts and hours
        gain = target - baseline
        points: list[tuple[int, float]] = []
        d = first
        while d <= last:
            elapsed = min(1.0, (d - first) / span)
            progress = elapsed * pace + uniform(-0.05, 0.05) if d > first else 0.0
            if declining and last - d < 60 and d > first:
                progress *= 0.7  # slipping back lately
            value = baseline + gain * min(progress, 1.1)
            if never_negative:
                value = max(0.0, value)
            points.append((d, value))
            d += randint(30, 60)
        iso = self.iso
        return [{"date": iso[d], "value": float(round(v, 1))} for d, v in points[-5:]]

    # ---------------------------------------------------------------------------- surveys

    def surveys(self, a: _Acc) -> None:
        """NPS from ~60% of accounts in the last year, CSAT after support for ~25%."""
        rng = self.rng
        r, randint, choice = rng.random, rng.randint, rng.choice
        end = a.end.toordinal()  # days as ordinals
        first = max(a.start.toordinal() + 30, self.today_o - 365)
        if first > end:
            return
        span = end - first
        table = self.tables["surveys"]
        if r() < 0.6:
            many = a.tier is not Tier.TECH and not self.lean
            for _ in range(randint(1, 3) if many else 1):
                if a.pattern == _DECLINING and r() < 0.6:
                    d = end - randint(0, min(span, 60))
                else:
                    d = first + randint(0, span)
                kind = _pick(rng, _NPS_KINDS, _NPS_ODDS[a.pattern])
                if kind == "promoter":
                    score = choice((9, 10))
                elif kind == "passive":
                    score = choice((7, 8))
                else:
                    score = choice((0, 2, 3, 4, 5, 5, 6, 6, 6))
                comment = ""
                if r() < 0.5:
                    comment = self.fill(choice(names.NPS_COMMENTS[kind]), a.lang)
                table.append(self.survey(a, _NPS, d, score, comment))
        if r() < 0.25:
            for _ in range(randint(1, 2)):
                d = first + randint(0, span)
                bad = r() < (0.6 if a.pattern == _DECLINING else 0.15)
                score = rng.choice((1, 2, 3)) if bad else rng.choice((4, 5, 5))
                comment = ""
                if r() < 0.4:
                    pool = names.CSAT_COMMENTS["bad" if bad else "good"]
                    comment = rng.choice(pool)[a.lang]
                table.append(self.survey(a, _CSAT, d, score, comment))

    def survey(self, a: _Acc, kind: str, d: int, score: int, comment: str) -> Rec:
        """One survey record: ``kind`` a :class:`SurveyKind` value, ``d`` an ordinal."""
        here = [p.id for p in a.contacts if d < p.left]
        who = self.rng.choice(here) if here and self.rng.random() < 0.85 else None
        return {
            "id": self.next_id("srv"),
            "account_id": a.id,
            "contact_id": who,
            "kind": kind,
            "date": self.iso[d],
            "score": score,
            "comment": comment,
        }

    # ---------------------------------------------------------------------------- tasks

    def tasks(self) -> None:
        """Open and done tasks; each owner's open ones spread over overdue, today, this
        week and later (by quota, so "me" always has some of each)."""
        rng, today = self.rng, self.today
        r = rng.random
        quarter = f"{today.year}Q{(today.month - 1) // 3 + 1}"
        specs: list[_TaskSpec] = []
        for a in self.accounts:
            if a.stage is Stage.CHURNED:
                continue
            count = self._task_count(a)
            if not count:
                continue
            specs += [(a, *p) for p in self._task_picks(a, count, quarter)]
        # An onboarding task is of an open step, so open too: in the app, ticking one ticks
        # the other.
        done_flags = [r() < 0.35 and spec[3] is not TaskSource.ONBOARDING for spec in specs]
        if self.accounts:  # a couple of the CSM's own tasks, tied to no account
            for k, pair in enumerate(names.TASKS_INTERNAL):
                specs.append((None, pair[k % 2], Priority.NORMAL, TaskSource.MANUAL, "", None))
                done_flags.append(False)
        due_of = self._open_dues(specs, done_flags)
        table = self.tables["tasks"]
        for i, (acc, title, prio, source, key, fixed) in enumerate(specs):
            done = done_flags[i]
            done_on: date | None = None
            if done:
                done_on = today - _days(rng.randint(0, 60))
                due = None if r() < 0.1 else done_on + _days(rng.randint(-7, 5))
            else:
                due = fixed if fixed is not None else due_of.get(i)
            notes = rng.choice(names.TASK_NOTES)[acc.lang] if acc and r() < 0.15 else ""
            table.append(
                {
                    "id": self.next_id("tsk"),
                    "account_id": acc.id if acc else None,
                    "title": title,
                    "due": due.isoformat() if due else None,
                    "priority": _PLAIN[prio],
                    "done": done,
                    "done_on": done_on.isoformat() if done_on else None,
                    "source": _PLAIN[source],
                    "owner": acc.owner if acc else self.owners[0],
                    "notes": notes,
                    "key": key,
                }
            )

    def _task_count(self, a: _Acc) -> int:
        """How many tasks an account gets: big accounts more, small ones rarely any."""
        if a.tier is Tier.HIGH:
            return self.rng.randint(1, 3)
        if a.tier is Tier.MID:
            return self.rng.randint(0, 2)
        return 1 if self.rng.random() < 0.08 else 0

    def _task_picks(self, a: _Acc, count: int, quarter: str) -> list[_TaskPick]:
        """``count`` tasks for one account: first the ones its situation calls for
        (onboarding step, renewal, alerts, expansion, QBR), topped up with general ones."""
        rng, lang = self.rng, a.lang
        picks: list[_TaskPick] = []
        if a.onboarding is not None:
            plan_id, item = a.onboarding
            picks.append(
                (
                    item["title"],
                    Priority.NORMAL,
                    TaskSource.ONBOARDING,
                    f"onboarding:{plan_id}:{item['id']}",
                    date.fromisoformat(item["due"]),
                )
            )
        if a.stage is Stage.RENEWAL:
            text = rng.choice(names.TASK_RENEWAL)[lang]
            picks.append((text, Priority.HIGH, TaskSource.MANUAL, "", None))
        if a.champion_left:
            key = f"alert:{a.id}:champion-left"
            picks.append((names.TASK_CHAMPION[lang], Priority.HIGH, TaskSource.ALERT, key, None))
        if a.pattern == _DECLINING and a.stage is not Stage.NOT_A_FIT:
            key = f"alert:{a.id}:usage-drop"
            text = names.TASK_USAGE_DROP[lang]
            picks.append((text, Priority.HIGH, TaskSource.ALERT, key, None))
        if a.stage is Stage.EXPANSION:
            text = names.TASK_EXPANSION[lang]
            picks.append((text, Priority.NORMAL, TaskSource.MANUAL, "", None))
        if a.tier is Tier.HIGH and a.stage not in (Stage.KICKOFF, Stage.ONBOARDING):
            text = names.TASK_QBR[lang].format(quarter=quarter)
            key = f"qbr:{a.id}:{quarter}"
            picks.append((text, Priority.HIGH, TaskSource.QBR, key, None))
            text = names.TASK_EXEC[lang]
            key = f"cadence:{a.id}:exec-report"
            picks.append((text, Priority.NORMAL, TaskSource.CADENCE, key, None))
        picks = picks[:count]
        general = rng.sample(names.TASKS_GENERAL, count - len(picks))
        for slug, pair, usual, source in general:
            who = a.first(
                ContactRole.CHAMPION, ContactRole.ADMIN, ContactRole.END_USER, on=self.today_o
            )
            text = self.fill(pair, lang, contact=who.short if who else a.name)
            key = f"{source}:{a.id}:{slug}" if source != "manual" else ""
            prio = _pick(rng, (Priority(usual), Priority.HIGH, Priority.LOW), (6, 8, 10))
            picks.append((text, prio, TaskSource(source), key, None))
        return picks

    def _open_dues(self, specs: list[_TaskSpec], done_flags: list[bool]) -> dict[int, date | None]:
        """Due dates of the open tasks without a fixed one, by index in ``specs``: each
        owner's spread over the buckets by quota, so every owner sees some of each."""
        rng, today = self.rng, self.today
        open_by_owner: dict[str, list[int]] = {}
        for i, spec in enumerate(specs):
            if not done_flags[i] and spec[5] is None:
                owner = spec[0].owner if spec[0] else self.owners[0]
                open_by_owner.setdefault(owner, []).append(i)
        due_in: dict[str, Callable[[], date | None]] = {
            "overdue": lambda: today - _days(rng.randint(1, 20)),
            "today": lambda: today,
            "week": lambda: today + _days(rng.randint(1, 6)),
            "later": lambda: today + _days(rng.randint(7, 60)),
            "none": lambda: None,
        }
        due_of: dict[int, date | None] = {}
        buckets = (("overdue", 0.2), ("today", 0.1), ("week", 0.25), ("later", 0.4), ("none", 0.05))
        for owner in sorted(open_by_owner):
            idx = open_by_owner[owner]
            labels = _quota(rng, len(idx), buckets, minimum=1 if len(idx) >= 8 else 0)
            for i, label in zip(idx, labels, strict=True):
                due_of[i] = due_in[label]()
        return due_of

    # ---------------------------------------------------------------------------- requests

    def requests(self) -> None:
        """8–15 feature requests, each asked by 1–6 accounts, at various loop stages."""
        rng, today = self.rng, self.today
        if not self.accounts:
            return
        count = rng.randint(8, 15) if self.n >= 20 else max(1, self.n // 3)
        pool = [a for a in self.accounts if a.stage is not Stage.KICKOFF] or self.accounts
        statuses = tuple(LoopStatus)
        for title, verbatim in rng.sample(names.REQUESTS, min(count, len(names.REQUESTS))):
            asking = rng.sample(pool, min(len(pool), rng.randint(1, 6)))
            lang = asking[0].lang
            contacts: list[str] = []
            for a in asking:
                champ = a.first(ContactRole.CHAMPION, ContactRole.ADMIN, on=self.today_o)
                if champ is not None:
                    contacts.append(champ.id)
            status = rng.choices(statuses, (30, 25, 20, 15, 10))[0]
            self.tables["requests"].append(
                {
                    "id": self.next_id("req"),
                    "title": title[lang],
                    "verbatim": verbatim[lang],
                    "account_ids": [a.id for a in asking],
                    "contact_ids": contacts,
                    "status": status.value,
                    "shipped": status in (LoopStatus.TOLD, LoopStatus.MONITORING),
                    "created": (today - _days(rng.randint(7, 270))).isoformat(),
                }
            )
