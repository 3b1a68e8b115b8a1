"""What the UI keeps in memory, and when Python's collector walks it.

**Textual's cache of closed widgets.** Textual 8.2.8 caches ``StylesCache.get_inner_outer``
with ``functools.lru_cache`` on the *method*, so each entry's key holds a widget's
``StylesCache``, and with it every line the widget last drew (``Strip`` objects, each with
seven small caches of its own): up to 1,024 widgets' lines, long after the widgets are gone
(Textualize/textual#6665, open). Opening and closing accounts filled it with ~25,000 such
objects per account, every one walked by each of the collector's full passes.

**The collector's passes.** The app freezes the loaded book out of the collector's sight,
which also resets the count the collector uses to space out its full passes (it waits for a
quarter of the long-lived objects to be new): with only the screens' widgets left in sight,
a full pass (60-110 ms at 10,000 accounts) ran every two accounts opened, on whatever key
came next, and the young passes (every 700 allocations; a screen's first frame allocates
~200,000 objects, most of them Textual's strips) added ~10 ms to every key. With
:data:`THRESHOLDS` the young passes run a quarter as often (more of what dies young is freed
by reference counting before a pass sees it; a larger first threshold made the middle
passes long enough to be felt, ~30 ms at 10,000) and full passes a tenth as often;
a closed screen's widgets (cycles, which only a full pass frees) are collected once Textual
has removed it, while the user reads the screen under it (:func:`collect_closed_screens`,
~50 ms at 10,000 accounts, after the frame that shows that screen).
"""

from __future__ import annotations

import gc
from typing import Any

from textual._styles_cache import StylesCache
from textual.app import App

THRESHOLDS = (3_000, 10, 100)
"""``gc.set_threshold`` while the app runs (Python's defaults: 700, 10, 10)."""


def release_closed_widgets() -> None:
    """Drop the cache's entries (cheap: the shown widgets make theirs again as they draw)."""
    StylesCache.get_inner_outer.cache_clear()


def cached_widgets() -> int:
    """How many widgets' styles caches (with their lines) Textual's cache holds now."""
    return StylesCache.get_inner_outer.cache_info().currsize


def tune_collector() -> tuple[int, int, int]:
    """Space the collector's passes as :data:`THRESHOLDS`; the thresholds before, to
    restore when the app exits."""
    before = gc.get_threshold()
    gc.set_threshold(*THRESHOLDS)
    return (before[0], before[1], before[2])


def collect_closed_screens(app: App[Any]) -> None:
    """A full pass, for the widgets of screens closed since the last one; first the app's
    watchers of closed widgets dropped (see :func:`drop_closed_watchers`)."""
    drop_closed_watchers(app)
    gc.collect()


def drop_closed_watchers(app: App[Any]) -> None:
    """Forget the watchers that closed widgets set on the app's reactives.

    Textual's ``Header`` watches the app's ``title`` and ``sub_title``; Textual drops a
    closed widget's watcher only when that reactive next changes, and the app's title
    never does, so every account screen's header (four widgets, with their drawn lines)
    stayed alive after the screen closed."""
    watchers: dict[str, list[tuple[Any, Any]]] = getattr(app, "__watchers", {})
    for entries in watchers.values():
        entries[:] = [(node, callback) for node, callback in entries if not node._closing]
