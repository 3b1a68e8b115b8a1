"""The portfolio row: one flat, precomputed line per account.

The portfolio must stay instant at 50,000 accounts, so the table never asks models for
anything while drawing: every value it shows or sorts on is computed once here, when an
account (or something that feeds its row) changes.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from datetime import date

from cstui.domain.models import Account, Stage, Tier


def fold(text: str) -> str:
    """Case- and width-insensitive search key: ＡＢＣ, abc and ABC match; ｶﾀｶﾅ matches カタカナ."""
    return unicodedata.normalize("NFKC", text).casefold()


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
    days_to_renewal: int | None = None
    health: int | None = None
    band: str = "unknown"
    trend: int | None = None
    flags: tuple[str, ...] = field(default_factory=tuple)


def build_row(account: Account, last_touch: date | None, today: date) -> PortfolioRow:
    return PortfolioRow(
        id=account.id,
        name=account.name,
        tier=account.tier,
        stage=account.stage,
        arr=account.arr,
        currency=account.currency,
        renewal_date=account.renewal_date,
        owner=account.owner,
        last_touch=last_touch,
        days_since_touch=None if last_touch is None else (today - last_touch).days,
        search_key=fold(f"{account.name} {account.domain} {account.owner} {' '.join(account.tags)}"),
        days_to_renewal=None if account.renewal_date is None else (account.renewal_date - today).days,
    )


SORT_KEYS: dict[str, Callable[[PortfolioRow], Any]] = {
    "name": lambda r: r.search_key,
    "tier": lambda r: ("high", "mid", "tech").index(r.tier.value),
    "stage": lambda r: list(Stage).index(r.stage),
    "arr": lambda r: r.arr,
    "renewal": lambda r: r.renewal_date or date.max,
    "touch": lambda r: r.days_since_touch if r.days_since_touch is not None else 10**9,
    "owner": lambda r: fold(r.owner),
    "health": lambda r: r.health if r.health is not None else -1,
    "trend": lambda r: r.trend if r.trend is not None else 0,
    "band": lambda r: ("red", "yellow", "green", "unknown").index(r.band)
    if r.band in ("red", "yellow", "green", "unknown")
    else 4,
    "flags": lambda r: len(r.flags),
}


def sort_rows(rows: list[PortfolioRow], key: str, reverse: bool = False) -> list[PortfolioRow]:
    """Stable sort on one column, ties broken by name so the order never flickers."""
    if key not in SORT_KEYS:
        raise ValueError(f"Cannot sort by '{key}'. Choose one of: {', '.join(SORT_KEYS)}.")
    by_name = sorted(rows, key=SORT_KEYS["name"])
    return sorted(by_name, key=SORT_KEYS[key], reverse=reverse)
