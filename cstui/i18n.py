"""Translation and locale formatting: every UI string goes through :func:`t`.

Catalogues are flat JSON files in ``cstui/locale/<lang>/*.json`` keyed by a dotted id (one
file per area of the app, merged at load; a key defined twice is an error). A missing key in
the active language falls back to English, and a key missing there too is shown as the key
itself, so a gap is visible rather than a crash. Money and dates are formatted here too so
each screen shows ¥1,200,000 and "3ヶ月後" the same way.

Sentences the domain decides (a flag's evidence, a measure's raw value, a KPI's note) are
:class:`Msg` values, a key and parameters, worded by :func:`render` where they are shown, so
the numbers are computed once and the words follow each reader's language; stored messages
keep that freedom (``locale/<lang>/domain.json`` holds their templates).
"""

from __future__ import annotations

import json
import os
import string
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import cache, lru_cache
from importlib import resources
from itertools import chain
from typing import Any, NamedTuple

LANGUAGES = ("en", "ja")
_lang = "en"

_SYMBOLS = {"JPY": "¥", "USD": "$", "EUR": "€", "GBP": "£"}
_NO_MINOR = {"JPY", "KRW"}


@cache
def catalogue(lang: str) -> dict[str, str]:
    merged: dict[str, str] = {}
    folder = resources.files("cstui").joinpath("locale", lang)
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".json"):
            continue
        data: dict[str, str] = json.loads(entry.read_text("utf-8"))
        twice = sorted(set(data) & set(merged))
        if twice:
            raise ValueError(f"locale/{lang}/{entry.name} redefines {', '.join(twice)}.")
        merged.update(data)
    return merged


def detect_language(explicit: str | None = None) -> str:
    """``--lang`` wins; else LC_ALL / LC_MESSAGES / LANG starting with ``ja`` means Japanese."""
    if explicit:
        return explicit
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var, "")
        if value:
            return "ja" if value.lower().startswith("ja") else "en"
    return "en"


def set_language(lang: str) -> None:
    global _lang
    if lang not in LANGUAGES:
        raise ValueError(f"Unknown language '{lang}'. Choose one of: {', '.join(LANGUAGES)}.")
    _lang = lang


def language() -> str:
    return _lang


def t(key: str, **params: Any) -> str:
    text = catalogue(_lang).get(key) or catalogue("en").get(key) or key
    return fill(text, params) if params else text


def fill(text: str, params: Mapping[str, Any]) -> str:
    """``text.format(**params)``, where a field ``{n|day|days}`` is the word for the count
    ``n``: the first form when it is 1 or -1. English needs "1 day ago" and "2 days ago"
    from one template; Japanese templates have no such field. The number itself is still
    written ``{n}``, with any format spec. A missing parameter raises ``KeyError``."""
    if "|" not in text:
        return text.format(**params)
    template, plurals = _plural_fields(text)
    values = dict(params)
    for slot, name, one, other in plurals:
        values[slot] = one if params[name] in (1, -1) else other
    return template.format(**values)


@lru_cache(maxsize=1024)
def _plural_fields(text: str) -> tuple[str, tuple[tuple[str, str, str, str], ...]]:
    """``text`` with each plural field named by a slot of its own, and the slots (slot,
    count's name, one, other): parsed once per template, then plain ``str.format`` (a
    ``string.Formatter`` subclass took 3.8 µs a sentence, a fifth of wording an alert)."""
    parts: list[str] = []
    plurals: list[tuple[str, str, str, str]] = []
    for literal, field, spec, conversion in _FORMAT.parse(text):
        parts.append(literal.replace("{", "{{").replace("}", "}}"))
        if field is None:
            continue
        if "|" in field:
            name, one, other = field.split("|", 2)
            field = f"_plural{len(plurals)}_"
            plurals.append((field, name, one, other))
        parts.append(
            "{"
            + field
            + (f"!{conversion}" if conversion else "")
            + (f":{spec}" if spec else "")
            + "}"
        )
    return "".join(parts), tuple(plurals)


_FORMAT = string.Formatter()


# --------------------------------------------------------------------------------------------
# Messages: sentences decided by the domain, worded in the reader's language when shown
# --------------------------------------------------------------------------------------------


class Msg(NamedTuple):
    """A sentence to word later: a catalogue key and its parameters.

    The domain builds these instead of English f-strings, so one fact can be shown in each
    user's language and stored (:meth:`to_json`) without freezing a language into the data.
    Parameters are plain values (str, int, float, bool, None, dates), other messages,
    :class:`Join` lists, :class:`Texts` (a text given per language, e.g. by a config
    file) or :class:`RelDays` (a day relative to the message's, worded as
    :func:`humanize`). A template may leave parameters out: English can say ``{tier}``
    ("high") where Japanese says ``{tier_label}`` (a nested ``Msg("tier.high")``, "ハイ").

    Flat tuples (``params`` is name, value, name, value...) rather than a dataclass or
    pairs: scoring 50,000 accounts builds seven per account, and every extra container the
    garbage collector tracks makes its full passes over the loaded book more frequent.
    """

    key: str
    params: tuple[Any, ...] = ()

    def render(self, lang: str | None = None) -> str:
        return render(self, lang)

    def to_json(self) -> dict[str, Any]:
        """JSON-able form (dates as ISO text) to store; :func:`message_from_json` reads it."""
        flat = self.params
        params = {k: _encode(v) for k, v in zip(flat[::2], flat[1::2], strict=True)}
        return {"key": self.key, "params": params}


class Join(NamedTuple):
    """Items worded one by one and joined by the separator at catalogue key ``sep``."""

    sep: str
    items: tuple[Any, ...]


class RelDays(NamedTuple):
    """A day ``days`` from the message's day (negative: before it), worded as
    :func:`humanize` words it ("today", "yesterday", "12 days overdue") when shown, so a
    domain sentence says relative days in the one wording every screen uses."""

    days: int
    late: bool = False
    exact: bool = False


def rel_days(days: int, *, late: bool = False, exact: bool = False) -> RelDays:
    """A :class:`RelDays` part: ``msg("...", ago=rel_days(-3))`` reads "3 days ago"."""
    return RelDays(days, late, exact)


@dataclass(frozen=True, slots=True)
class Texts:
    """A text given per language (``(("en", ...), ("ja", ...))``); English is the fallback."""

    texts: tuple[tuple[str, str], ...]

    def get(self, lang: str) -> str:
        found = dict(self.texts)
        return found.get(lang) or found.get("en") or next(iter(found.values()), "")


_flat = chain.from_iterable
_new_msg: Any = tuple.__new__
"""NamedTuple's own ``__new__`` is Python code; the health score calls :func:`msg` a lot."""


def msg(key: str, /, **params: Any) -> Msg:
    """A :class:`Msg` from keyword arguments: ``msg("kpi.note.ttv", n=3)``."""
    made: Msg = _new_msg(Msg, (key, tuple(_flat(params.items()))))
    return made


def said(key: str, /, **params: Any) -> str:
    """``msg(key, **params)`` worded now, in the UI language: for an error's text that is a
    sentence when raised (the app shows it as it is), with phrases inside it as messages
    ("could not {doing}": "save your change") worded in the same language."""
    return render(msg(key, **params))


def join(sep: str, items: Any) -> Join:
    return Join(sep, tuple(items))


def texts(**by_lang: str) -> Texts:
    return Texts(tuple(by_lang.items()))


def render(value: Any, lang: str | None = None, default: str | None = None) -> str:
    """Word ``value`` in ``lang`` (default: the UI language).

    A plain string is returned as it is: data stored before messages existed (an alert's
    English evidence) still shows. A message whose key neither catalogue knows, or whose
    template needs a parameter the message lacks (data from another cstui version), falls
    back to English, then to ``default`` (else the key), never raising.
    """
    return _render(value, lang or _lang, default)


def _render(value: Any, lang: str, default: str | None = None) -> str:
    kind = type(value)
    if kind is Msg:
        key, flat = value
        if not flat:  # a label such as tier.high: no formatting, as in t()
            text = catalogue(lang).get(key) or catalogue("en").get(key)
            return text or (key if default is None else default)
        params = dict(zip(flat[::2], flat[1::2], strict=True))
        for name, param in params.items():
            if type(param) in _PARTS:
                params[name] = _render(param, lang)
            elif type(param) is int:  # a count ("53 of 1,490 seats"), grouped as t()'s count
                params[name] = Count(param)
        for code in (lang, "en") if lang != "en" else _EN_ONLY:
            text = catalogue(code).get(key)
            if not text:
                continue
            try:
                return fill(text, params)
            except (KeyError, IndexError, ValueError, AttributeError):
                continue
        return key if default is None else default
    if kind is Join:
        sep = catalogue(lang).get(value.sep) or catalogue("en").get(value.sep) or ", "
        return sep.join(_render(item, lang) for item in value.items)
    if kind is Texts:
        return str(value.get(lang))
    if kind is RelDays:
        return _humanize(value.days, value.late, value.exact, lang)
    if value is None:
        return "" if default is None else default
    return str(value)


_PARTS: tuple[type, ...] = (Msg, Join, Texts, RelDays)
"""Parameter types worded before formatting; plain values stay as they are for format specs."""
_EN_ONLY = ("en",)
_ATOMS: frozenset[type] = frozenset({str, int, float, bool, type(None)})


def _encode(value: Any) -> Any:
    kind = type(value)
    if kind in _ATOMS:
        return value
    if kind is Msg:
        return value.to_json()
    if kind is Join:
        return {"join": value.sep, "items": [_encode(v) for v in value.items]}
    if kind is Texts:
        return {"texts": dict(value.texts)}
    if kind is RelDays:
        return {"rel_days": value.days, "late": value.late, "exact": value.exact}
    if isinstance(value, date):
        return value.isoformat()
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, Mapping):
        if "key" in value:
            return _message(value)
        if "join" in value:
            return Join(str(value["join"]), tuple(_decode(v) for v in value["items"]))
        if "texts" in value:
            return Texts(tuple((str(k), str(v)) for k, v in value["texts"].items()))
        if "rel_days" in value:
            late, exact = bool(value.get("late")), bool(value.get("exact"))
            return RelDays(int(value["rel_days"]), late, exact)
        raise ValueError("not a message part")
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise ValueError("not a message part")


def _message(data: Mapping[str, Any]) -> Msg:
    key, params = data["key"], data.get("params") or {}
    if not isinstance(key, str) or not isinstance(params, Mapping):
        raise ValueError("not a message")
    return Msg(key, tuple(_flat((str(k), _decode(v)) for k, v in params.items())))


def message_from_json(data: Any) -> Msg | None:
    """The message :meth:`Msg.to_json` stored; None for anything else (never raises)."""
    if not isinstance(data, Mapping):
        return None
    try:
        return _message(data)
    except (KeyError, TypeError, ValueError, AttributeError):
        return None


def _half_up(amount: float | int | Decimal, digits: int) -> Decimal:
    """``amount`` rounded half away from zero (¥2.5 → ¥3), as an invoice would; ``round``
    and format specs round half to even on the binary value (¥2.5 → ¥2)."""
    step = Decimal(1).scaleb(-digits)
    return Decimal(str(amount)).quantize(step, rounding=ROUND_HALF_UP)


def grouped(value: float | int | Decimal, digits: int = 0) -> str:
    """``value`` with ``digits`` decimals and its thousands grouped as the UI writes numbers:
    1,490 and 1,234.50 (English and Japanese alike group by three with "," and mark
    decimals with "."). The one formula for money, counts and chart scales: a header said
    "1490 seats" beside a chart's "max 1,490"."""
    return f"{value:,.{digits}f}"


class Count(int):
    """A count to show in a sentence: ``{n}`` writes it grouped ("Accounts 50,000"), while it
    stays the number a plural field (``{n|seat|seats}``) and a format spec read."""

    def __format__(self, spec: str) -> str:
        return grouped(int(self)) if not spec else format(int(self), spec)

    def __str__(self) -> str:
        return grouped(int(self))


def count(n: int) -> Count:
    """``n`` for :func:`t`, written with its thousands grouped (see :class:`Count`)."""
    return Count(n)


def money(amount: float | int | None, currency: str = "JPY") -> str:
    """¥1,200,000 / $12,500 / $12.35; unknown currencies as "1,200 CHF".

    JPY (no minor unit) has no decimals; other currencies show cents unless the amount is
    whole. Rounding is half-up, and an amount that rounds to zero has no minus sign.
    """
    if amount is None:
        return "—"
    digits = 0 if currency in _NO_MINOR or float(amount).is_integer() else 2
    value = _half_up(amount, digits)
    body = grouped(abs(value), digits)
    sign = "-" if value < 0 else ""
    symbol = _SYMBOLS.get(currency)
    return f"{sign}{symbol}{body}" if symbol else f"{sign}{body} {currency}"


_SHORT_UNITS = ((Decimal(10**9), "B"), (Decimal(10**6), "M"), (Decimal(10**3), "k"))


def short_money(amount: float | int, currency: str = "JPY") -> str:
    """Compact money for narrow columns: ¥12.4M, $350k, $1.0M (never "$1000k" nor "$1M").

    Millions and billions keep their decimal below 100 ("$1.0M", "¥2.0B": the digit says
    the number was rounded to a tenth); thousands drop a ".0" ("$12k", "$12.5k"); from 100
    of a unit on, whole units ("¥120M", "$350k"). Half-up rounding as :func:`money`; a
    number that rounds up to 1,000 of a unit is shown in the next unit, and an amount that
    rounds to zero has no minus sign."""
    symbol = _SYMBOLS.get(currency, "")
    tail = "" if symbol else f" {currency}"
    value = _half_up(abs(amount), 0)
    sign = "-" if amount < 0 and value > 0 else ""
    text = grouped(value)
    for n, (limit, suffix) in enumerate(_SHORT_UNITS):
        if value < limit:
            continue
        number = value / limit
        short = _half_up(number, 1) if number < 100 else _half_up(number, 0)
        if short >= 1000 and n > 0:  # 999,960 → "1000k": say it in the next unit
            limit, suffix = _SHORT_UNITS[n - 1]
            short = _half_up(value / limit, 1)
        text = f"{short}"
        text = (text.removesuffix(".0") if suffix == "k" else text) + suffix
        break
    return f"{sign}{symbol}{text}{tail}"


def fmt_date(value: date | None) -> str:
    if value is None:
        return "—"
    return value.isoformat()


EXACT_DAYS = 60
"""Under this many days a relative date counts days: "in 32 days" and "in 37 days" are
different weeks of a renewal, and "a week ago" hid that a renewal was 12 days overdue."""
YEAR_MONTHS = 24
"""From this many months on, years; below, months ("in 12 months", never "in a year")."""
_MONTH_DAYS = 365.2425 / 12


def humanize(
    value: date | None,
    today: date,
    *,
    late: bool = False,
    exact: bool = False,
    lang: str | None = None,
    short: bool = False,
) -> str:
    """'in 32 days' / '3 months ago' / '32日後', relative to ``today`` (never the wall clock).

    The one wording of relative dates, in every language: "today", "tomorrow" and
    "yesterday", exact days under :data:`EXACT_DAYS`, then months (rounded), then years from
    :data:`YEAR_MONTHS`. ``late``: a past date is something overdue ("12 days overdue"
    rather than "12 days ago"). ``exact``: always days, never months (a count a cadence in
    days or an overdue review is judged by). ``lang``: a language other than the app's (a
    report written in the customer's language). A domain sentence says the same with a
    :func:`rel_days` part. ``short``: the compact form where the language has one ("12d
    overdue"), for a narrow column that would cut the word that matters.
    """
    if value is None:
        return "—"
    return _humanize((value - today).days, late, exact, lang or _lang, short)


@lru_cache(maxsize=4096)
def _humanize(days: int, late: bool, exact: bool, lang: str, short: bool = False) -> str:
    """Memoised: a portfolio repaints the same few hundred renewal dates over and over."""
    if days == 0:
        return catalogue(lang).get("date.today") or catalogue("en")["date.today"]
    n, unit = abs(days), "days"
    if n >= EXACT_DAYS and not exact:
        n, unit = max(round(n / _MONTH_DAYS), 2), "months"
        if n >= YEAR_MONTHS:
            n, unit = n // 12, "years"
    when = "in" if days > 0 else ("late" if late else "ago")
    key = f"date.{when}.{unit}"
    keys = ((f"{key}.one",) if n == 1 else ()) + ((f"{key}.short",) if short else ()) + (key,)
    texts = (catalogue(lang).get(k) or catalogue("en").get(k) for k in keys)
    return fill(next((x for x in texts if x), key), {"n": n})
