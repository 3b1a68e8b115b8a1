"""The one source of "now" for cstui, so tests and snapshots can freeze time.

Set ``CSTUI_TODAY=2026-11-23`` (or call :func:`freeze`) to pin the date; domain functions
never read the clock themselves, they take ``today`` as an argument.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, time
from functools import lru_cache

_frozen: datetime | None = None


def freeze(when: datetime | date | None) -> None:
    """Pin the clock (``None`` unfreezes). A date freezes at 09:00 UTC of that day."""
    global _frozen
    if isinstance(when, datetime):
        _frozen = when if when.tzinfo else when.replace(tzinfo=UTC)
    elif isinstance(when, date):
        _frozen = datetime.combine(when, time(9, 0), tzinfo=UTC)
    else:
        _frozen = None


def now() -> datetime:
    if _frozen is not None:
        return _frozen
    env = os.environ.get("CSTUI_TODAY")
    if env:
        return datetime.combine(date.fromisoformat(env), time(9, 0), tzinfo=UTC)
    return datetime.now(UTC)


def today() -> date:
    """Today's date (the frozen or pinned one if any). Called per account by whole-book
    passes: the pinned date is parsed once, not on every call."""
    if _frozen is not None:
        return _frozen.date()
    env = os.environ.get("CSTUI_TODAY")
    if env:
        return _pinned(env)
    return date.today()


@lru_cache(maxsize=4)
def _pinned(iso: str) -> date:
    return date.fromisoformat(iso)
