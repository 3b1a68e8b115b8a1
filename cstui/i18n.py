"""Translation and locale formatting: every UI string goes through :func:`t`.

Catalogues are flat JSON files in ``cstui/locale/<lang>/*.json`` keyed by a dotted id (one
file per area of the app, merged at load; a key defined twice is an error). A missing key in
the active language falls back to English, and a key missing there too is shown as the key
itself, so a gap is visible rather than a crash. Money and dates are formatted here too so
each screen shows ¥1,200,000 and "3ヶ月後" the same way.
"""

from __future__ import annotations

import json
import os
from datetime import date
from functools import cache, lru_cache
from importlib import resources
from typing import Any

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
    return text.format(**params) if params else text


def money(amount: float | int | None, currency: str = "JPY") -> str:
    """¥1,200,000 / $12,500; unknown currencies as "1,200 CHF"."""
    if amount is None:
        return "—"
    digits = 0 if currency in _NO_MINOR or float(amount).is_integer() else 2
    body = f"{abs(amount):,.{digits}f}"
    sign = "-" if amount < 0 else ""
    symbol = _SYMBOLS.get(currency)
    return f"{sign}{symbol}{body}" if symbol else f"{sign}{body} {currency}"


def short_money(amount: float | int, currency: str = "JPY") -> str:
    """Compact money for narrow columns: ¥12.4M, $350k."""
    symbol = _SYMBOLS.get(currency, "")
    value = abs(amount)
    sign = "-" if amount < 0 else ""
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if value >= limit:
            number = value / limit
            text = f"{number:.1f}" if number < 100 else f"{number:.0f}"
            text = text.removesuffix(".0")
            return f"{sign}{symbol}{text}{suffix}" + ("" if symbol else f" {currency}")
    return f"{sign}{symbol}{value:,.0f}" + ("" if symbol else f" {currency}")


def fmt_date(value: date | None) -> str:
    if value is None:
        return "—"
    return value.isoformat()


def humanize(value: date | None, today: date) -> str:
    """'in 3 months' / '3ヶ月後', relative to ``today`` (never the wall clock)."""
    if value is None:
        return "—"
    if value == today:
        return t("date.today")
    return _humanize(value, today, _lang)


@lru_cache(maxsize=4096)
def _humanize(value: date, today: date, lang: str) -> str:
    """Memoised: a portfolio repaints the same few hundred renewal dates over and over."""
    import arrow  # imported on first use: it is not needed to draw the first frame

    return str(arrow.get(value).humanize(arrow.get(today), locale=lang))
