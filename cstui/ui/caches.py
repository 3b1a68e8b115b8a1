"""What Textual's own caches keep of closed screens, let go.

Textual 8.2.8 caches ``StylesCache.get_inner_outer`` with ``functools.lru_cache`` on the
*method*, so each entry's key holds a widget's ``StylesCache``, and with it every line the
widget last drew (``Strip`` objects, each with seven small caches of its own): up to 1,024
widgets' lines, long after the widgets are gone (Textualize/textual#6665, open). Opening
and closing accounts filled it with ~25,000 such objects per account, every one walked by
each of the collector's full passes (60-110 ms a pass at 10,000 accounts, one every two
accounts opened), which fell on whatever key came next.
"""

from __future__ import annotations

from textual._styles_cache import StylesCache


def release_closed_widgets() -> None:
    """Drop the cache's entries (cheap: the shown widgets make theirs again as they draw)."""
    StylesCache.get_inner_outer.cache_clear()


def cached_widgets() -> int:
    """How many widgets' styles caches (with their lines) Textual's cache holds now."""
    return StylesCache.get_inner_outer.cache_info().currsize
