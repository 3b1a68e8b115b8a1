"""The portfolio row: one flat, precomputed line per account.

The portfolio must stay instant at 50,000 accounts, so the table never asks models for
anything while drawing: every value it shows or sorts on is computed once here, when an
account (or something that feeds its row) changes.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from operator import attrgetter
from typing import Any

from cstui.domain import metrics
from cstui.domain.enums import Stage, Tier
from cstui.domain.kana import is_kana, name_reading, romaji, to_katakana

RENEWAL_WINDOW_DAYS = 90
"""An upcoming renewal is at most this many days ahead (exclusive): the one window of the
``renewal<90d`` filter, the built-in view, the header count, Today and the renewal-risk flag."""

CLOSED_STAGES = frozenset({Stage.CHURNED, Stage.NOT_A_FIT})
"""Accounts that will not renew: their renewal date is neither upcoming nor overdue."""


def renewal_state(
    days_to_renewal: int | None, stage: Stage, window: int = RENEWAL_WINDOW_DAYS
) -> str | None:
    """ "upcoming" (0 ≤ days < window), "overdue" (the date has passed with the account still
    open) or None (no date, later, or a churned / not-a-fit account).

    Why one function: the filter, the header, Today and the flags disagreed on whether past
    dates and churned accounts count, so a CSM saw three different "renewals in 90 days".
    """
    if days_to_renewal is None or stage in CLOSED_STAGES:
        return None
    if days_to_renewal < 0:
        return "overdue"
    return "upcoming" if days_to_renewal < window else None


def fold(text: str) -> str:
    """Case- and width-insensitive search key: ＡＢＣ, abc and ABC match; ｶﾀｶﾅ matches カタカナ."""
    return unicodedata.normalize("NFKC", text).casefold()


def search_forms(text: str) -> tuple[str, ...]:
    """Every form of typed text to look for in a search key (the palette's query, a word of
    the filter): as typed, in katakana, and, for kana, read as romaji (the reading a
    Japanese name's search key holds: :func:`cstui.domain.kana.name_reading`).

    Kana is a reading: the spaces between its words are dropped (たかさご せいき is read as
    たかさごせいき), as a name's reading has none. Latin text keeps its spaces.
    """
    base = fold(text.strip())
    if not base:
        return ()
    forms = [base, fold(to_katakana(base))]
    if any(is_kana(c) for c in base):
        compact = "".join(base.split())
        forms += [compact, fold(to_katakana(compact)), fold(romaji(compact))]
    return tuple(dict.fromkeys(f for f in forms if f))


@dataclass(slots=True)
class PortfolioRow:
    id: str
    name: str
    tier: Tier
    stage: Stage
    arr: int
    currency: str
    renewal_date: date | None
    owner: str
    last_touch: date | None
    days_since_touch: int | None
    search_key: str
    """What free text is found in: the folded name, domain, owner and tags, then a Japanese
    name's romaji reading (:func:`cstui.domain.kana.name_reading`)."""
    days_to_renewal: int | None = None
    health: int | None = None
    band: str = "unknown"
    trend: int | None = None
    flags: tuple[str, ...] = field(default_factory=tuple)
    nps: int | None = None
    """The latest NPS answer from this account in the last year, if any."""
    arr_report: float | None = None
    """The ARR in the book's reporting currency (kpis.toml ``[currency]``); None when the
    account's currency has no rate. Sort, ``arr>=`` and the header compare this, never
    amounts in different currencies; the row still shows ``arr`` in ``currency``."""


_TIERS = {t.value: t for t in Tier}
_STAGES = {s.value: s for s in Stage}


class _DayCache:
    """Dates parsed once per distinct ISO string, and days counted once per distinct date,
    for one ``today``: a book of 50,000 accounts has a few hundred renewal and touch dates,
    so its rows share those ``date`` and ``int`` objects instead of making two per row.
    :func:`build_row` reads the two dicts itself (a method call per row was a tenth of it)."""

    __slots__ = ("parsed", "since", "today")
    LIMIT = 50_000
    """Distinct values kept before starting over (a book's dates never get near it)."""

    def __init__(self) -> None:
        self.today: date | None = None
        self.parsed: dict[str, tuple[date, int]] = {}
        """ISO string -> (the date, days from today to it: negative when past)."""
        self.since: dict[date, int] = {}
        """date -> days from it to today."""

    def on(self, today: date) -> _DayCache:
        """The cache for ``today`` (emptied when the day changed)."""
        if today != self.today:
            self.today = today
            self.parsed = {}
            self.since = {}
        return self

    def parse(self, value: str) -> tuple[date, int]:
        assert self.today is not None
        if len(self.parsed) >= self.LIMIT:
            self.parsed.clear()
        day = date.fromisoformat(value)
        found = self.parsed[value] = (day, (day - self.today).days)
        return found

    def count_since(self, day: date) -> int:
        assert self.today is not None
        if len(self.since) >= self.LIMIT:
            self.since.clear()
        days = self.since[day] = (self.today - day).days
        return days


_DAY_CACHE = _DayCache()


Converter = Callable[[int, str], float | None]
"""(amount, currency) → the amount in the reporting currency, or None without a rate: the
amount times the currency's rate (1 for the reporting currency), as ``metrics.convert``."""


def same_currency(amount: int, currency: str) -> float | None:
    """The converter of a book with no rates: every amount is taken as it is."""
    return float(amount)


def build_row(
    account: Mapping[str, Any],
    last_touch: date | None,
    today: date,
    to_report: Converter = same_currency,
) -> PortfolioRow:
    """A row from a stored account record (the JSON form of :class:`Account`).

    Records were validated when they were written, so building 50,000 rows skips pydantic:
    it is a handful of dict reads, and dates parsed once per distinct value
    (:class:`_DayCache`). The row is made positionally: a dataclass's ``__init__`` with
    keywords took twice as long.
    """
    get = account.get
    name = account["name"]
    owner = get("owner", "")
    arr = get("arr", 0)
    currency = get("currency", "JPY")
    days = _DAY_CACHE if _DAY_CACHE.today == today else _DAY_CACHE.on(today)
    renewal_iso = get("renewal_date")
    if renewal_iso is None:
        renewal = days_to_renewal = None
    else:
        renewal, days_to_renewal = days.parsed.get(renewal_iso) or days.parse(renewal_iso)
    since = None if last_touch is None else _days_since(days, last_touch)
    tags = get("tags")
    domain = get("domain") or ""
    key = fold(f"{name} {domain} {owner} {' '.join(tags) if tags else ''}")
    if not name.isascii() and (reading := name_reading(fold(name), fold(domain))):
        key = f"{key} {reading}"  # found by its reading in kana (cstui.domain.kana)
    return PortfolioRow(
        account["id"],
        name,
        _TIERS[get("tier", "mid")],
        _STAGES[get("stage", "onboarding")],
        arr,
        currency,
        renewal,
        owner,
        last_touch,
        since,
        key,
        days_to_renewal,
        None,  # health
        "unknown",  # band
        None,  # trend
        (),  # flags
        None,  # nps
        to_report(arr, currency),
    )


def _days_since(days: _DayCache, last_touch: date) -> int:
    since = days.since.get(last_touch)
    return days.count_since(last_touch) if since is None else since


def shared_day(value: str, today: date) -> date:
    """The date an ISO string names, one object per distinct value (as the rows' dates)."""
    days = _DAY_CACHE if _DAY_CACHE.today == today else _DAY_CACHE.on(today)
    return (days.parsed.get(value) or days.parse(value))[0]


def touch_row(row: PortfolioRow, last_touch: date | None, today: date) -> None:
    """Give a row another last touch (a rescore moved it), counted as :func:`build_row`
    counts it, without building the row again."""
    days = _DAY_CACHE if _DAY_CACHE.today == today else _DAY_CACHE.on(today)
    row.last_touch = last_touch
    row.days_since_touch = None if last_touch is None else _days_since(days, last_touch)


ROW_COLUMNS = (
    "id",
    "name",
    "tier",
    "stage",
    "arr",
    "currency",
    "renewal_date",
    "owner",
    "last_touch",
    "search_key",
    "health",
    "band",
    "trend",
    "flags",
    "nps",
)
"""What :func:`row_columns` keeps of a row: all but what follows from the day (days to
renewal and since the last touch) and from the rates (the converted ARR)."""


CODED_COLUMNS = frozenset(
    {"tier", "stage", "currency", "renewal_date", "owner", "last_touch", "band", "flags"}
)
"""Columns with few distinct values, kept as ``[distinct values, codes]``: a 50,000-row book
has a few hundred dates and a handful of the rest, and reading back a code is cheaper than
reading and looking up a text for every row."""


def row_columns(rows: Iterable[PortfolioRow]) -> dict[str, list[Any]]:
    """The rows as columns, to be kept between runs (as JSON: dates as ISO text, enums as
    their values, flags as lists) and made rows again by :func:`rows_from_columns` on
    another day or with other rates. No row's values are copied: at 50,000 accounts,
    making new values for the file left the process 18 MB larger."""
    listed = list(rows)
    columns: dict[str, list[Any]] = {}
    for name in ROW_COLUMNS:
        values = list(map(attrgetter(name), listed))
        if name in CODED_COLUMNS:
            index: dict[Any, int] = {}
            codes = [index.setdefault(v, len(index)) for v in values]
            values = [list(index), codes]
        columns[name] = values
    return columns


def rows_from_columns(
    cols: Mapping[str, list[Any]],
    today: date,
    to_report: Converter = same_currency,
    shared: dict[Any, Any] | None = None,
) -> list[PortfolioRow]:
    """The rows :func:`row_columns` kept, counted for ``today`` and converted at today's
    rates as :func:`build_row` does; equal values share one object (``shared``, as the
    workspace's rows do). ``ValueError`` when the columns are not such rows."""
    try:
        columns = [cols[name] for name in ROW_COLUMNS]
        coded = {n: cols[n][0] for n in CODED_COLUMNS}
        codes = {n: cols[n][1] for n in CODED_COLUMNS}
    except (KeyError, TypeError, IndexError):
        raise ValueError("not the portfolio's columns") from None
    plain = [
        codes[n] if n in CODED_COLUMNS else c for n, c in zip(ROW_COLUMNS, columns, strict=True)
    ]
    if any(type(c) is not list or len(c) != len(plain[0]) for c in plain):
        raise ValueError("columns of different lengths")
    if any(type(v) is not list for v in coded.values()):
        raise ValueError("not the portfolio's columns")
    days = _DAY_CACHE if _DAY_CACHE.today == today else _DAY_CACHE.on(today)
    share = ({} if shared is None else shared).setdefault
    rows: list[PortfolioRow] = []
    add = rows.append
    try:
        texts = {
            n: [share(v, v) for v in coded[n] if type(v) is str]
            for n in ("currency", "owner", "band")
        }
        if any(len(texts[n]) != len(coded[n]) for n in texts):
            raise ValueError("a text column holds something else")
        currencies, owners, bands = texts["currency"], texts["owner"], texts["band"]
        # A converter multiplies by its currency's rate: asked once per currency, not per row.
        rates = [to_report(1, c) for c in currencies]
        tiers = [_TIERS[v] for v in coded["tier"]]
        stages = [_STAGES[v] for v in coded["stage"]]
        flag_sets = [share(f, f) for f in map(tuple, coded["flags"])]
        renewals = [
            None if v is None else (days.parsed.get(v) or days.parse(v))
            for v in coded["renewal_date"]
        ]
        touches: list[tuple[date, int] | None] = []
        for value in coded["last_touch"]:
            if value is None:
                touches.append(None)
            else:
                day = (days.parsed.get(value) or days.parse(value))[0]
                touches.append((day, _days_since(days, day)))
        for rid, name, t, s, arr, c, r, o, lt, key, health, b, trend, f, nps in zip(
            *plain, strict=True
        ):
            if not (type(rid) is type(name) is type(key) is str and type(arr) is int):
                raise ValueError(f"a row of the wrong shape: {rid!r}")
            renewal = renewals[r]
            touch = touches[lt]
            add(
                PortfolioRow(
                    rid,
                    name,
                    tiers[t],
                    stages[s],
                    arr,
                    currencies[c],
                    None if renewal is None else renewal[0],
                    owners[o],
                    None if touch is None else touch[0],
                    None if touch is None else touch[1],
                    key,
                    None if renewal is None else renewal[1],
                    health,
                    bands[b],
                    trend,
                    flag_sets[f],
                    nps,
                    None if (rate := rates[c]) is None else arr * rate,
                )
            )
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise ValueError(f"not a portfolio row ({exc})") from None
    return rows


SORT_KEYS: dict[str, Callable[[PortfolioRow], Any]] = {
    "name": lambda r: r.search_key,
    "tier": lambda r: ("high", "mid", "tech").index(r.tier.value),
    "stage": lambda r: list(Stage).index(r.stage),
    "arr": lambda r: (r.arr_report is not None, r.arr_report or 0.0),  # no rate: lowest
    "renewal": lambda r: r.renewal_date or date.max,
    "touch": lambda r: r.days_since_touch if r.days_since_touch is not None else 10**9,
    "owner": lambda r: fold(r.owner),
    "health": lambda r: r.health if r.health is not None else 101,  # unscored last
    "trend": lambda r: r.trend if r.trend is not None else 0,
    "band": lambda r: (
        ("red", "yellow", "green", "unknown").index(r.band)
        if r.band in ("red", "yellow", "green", "unknown")
        else 4
    ),
    "flags": lambda r: len(r.flags),
}


FIRST_SORT = "health"
"""The portfolio's order when it opens (worst health first). Rows are kept between runs in
it, so the first sort of a start only confirms it (Python's sort is linear on sorted input:
a tenth of the work at 50,000 accounts)."""


def sort_rows(rows: list[PortfolioRow], key: str, reverse: bool = False) -> list[PortfolioRow]:
    """Stable sort on one column, ties broken by name (A to Z either way) so the order never
    flickers.

    The rows are grouped by the column's value and only each group is sorted by name: the
    columns have few distinct values (health has 102), and sorting 50,000 names at once
    was most of the portfolio's first sort.
    """
    if key not in SORT_KEYS:
        raise ValueError(f"Cannot sort by '{key}'. Choose one of: {', '.join(SORT_KEYS)}.")
    by_name = SORT_KEYS["name"]
    if key == "name":
        return sorted(rows, key=by_name, reverse=reverse)
    value = SORT_KEYS[key]
    groups: dict[Any, list[PortfolioRow]] = {}
    for row in rows:
        k = value(row)
        group = groups.get(k)
        if group is None:
            groups[k] = [row]
        else:
            group.append(row)
    out: list[PortfolioRow] = []
    for k in sorted(groups, reverse=reverse):
        group = groups[k]
        if len(group) > 1:
            group.sort(key=by_name)
        out += group
    return out


@dataclass(frozen=True)
class PortfolioSummary:
    """Header KPIs for the rows on screen.

    ``arr`` and ``arr_at_risk`` are per currency as stored; ``arr_total`` and
    ``at_risk_total`` are in ``currency`` (the reporting one) over the rows with a rate, and
    ``unconverted`` / ``unconverted_at_risk`` keep the rest per currency, never mixed in.
    """

    accounts: int
    arr: dict[str, int]
    arr_at_risk: dict[str, int]
    renewals_90d: int
    average_health: float | None
    nps: float | None
    currency: str = "JPY"
    arr_total: float = 0.0
    at_risk_total: float = 0.0
    unconverted: dict[str, int] = field(default_factory=dict)
    unconverted_at_risk: dict[str, int] = field(default_factory=dict)


@dataclass
class SummaryTotals:
    """The running sums behind a :class:`PortfolioSummary`.

    Why: the header KPIs of 50,000 rows take tens of milliseconds, so the screen adds them
    up in slices between frames instead of holding the frame that shows the rows.
    """

    currency: str = "JPY"
    detractor_max: int = metrics.NPS_DETRACTOR_MAX
    """The highest NPS answer that is a detractor (the health config's ``[flags.detractor]
    max_score``, as the KPI report and the alerts count them)."""
    count: int = 0
    arr: dict[str, int] = field(default_factory=dict)
    at_risk: dict[str, int] = field(default_factory=dict)
    renewals: int = 0
    healths: list[int] = field(default_factory=list)
    answers: list[int] = field(default_factory=list)
    arr_total: float = 0.0
    at_risk_total: float = 0.0
    unconverted: dict[str, int] = field(default_factory=dict)
    unconverted_at_risk: dict[str, int] = field(default_factory=dict)

    def add(self, rows: Iterable[PortfolioRow]) -> None:
        arr, at_risk = self.arr, self.at_risk
        healths, answers = self.healths, self.answers
        left, left_risk = self.unconverted, self.unconverted_at_risk
        count = renewals = 0
        total = risk_total = 0.0
        for r in rows:
            count += 1
            arr[r.currency] = arr.get(r.currency, 0) + r.arr
            red = r.band == "red"
            if red:
                at_risk[r.currency] = at_risk.get(r.currency, 0) + r.arr
            if r.arr_report is not None:
                total += r.arr_report
                if red:
                    risk_total += r.arr_report
            else:
                left[r.currency] = left.get(r.currency, 0) + r.arr
                if red:
                    left_risk[r.currency] = left_risk.get(r.currency, 0) + r.arr
            if renewal_state(r.days_to_renewal, r.stage) == "upcoming":
                renewals += 1
            if r.health is not None:
                healths.append(r.health)
            if r.nps is not None:
                answers.append(r.nps)
        self.count += count
        self.renewals += renewals
        self.arr_total += total
        self.at_risk_total += risk_total

    def result(self) -> PortfolioSummary:
        return PortfolioSummary(
            accounts=self.count,
            arr=dict(self.arr),
            arr_at_risk=dict(self.at_risk),
            renewals_90d=self.renewals,
            average_health=metrics.mean(self.healths),
            nps=metrics.nps(self.answers, self.detractor_max),
            currency=self.currency,
            arr_total=self.arr_total,
            at_risk_total=self.at_risk_total,
            unconverted=dict(self.unconverted),
            unconverted_at_risk=dict(self.unconverted_at_risk),
        )
