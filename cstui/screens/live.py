"""Top-level screens that show workspace data and follow its changes.

Each such screen redraws when the workspace reports a change to a table it shows (an edit
here, in another screen, or by another process sharing the data directory): at once while
it is shown, and once when it comes back otherwise, so hidden screens do no work.

Another process's changes are taken at a pace the screen can afford: a screen that takes
long to build (Today, the renewals: a second or more at 50,000 accounts) built again for
every teammate's edit a poll brought in would hold the keys most of the time on a busy team
server. It is built again at most once per :data:`CALM` times its last build, with every
change that came meanwhile; the user's own changes are shown at once.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import ClassVar

from textual.screen import Screen
from textual.timer import Timer

from cstui.ui.access import UsesWorkspace, on_workspace_change
from cstui.ui.localize import localize_bindings
from cstui.workspace import WorkspaceEvent

CALM = 3.0
"""Another process's changes build a screen again at most once per this many times its last
build took (it then spends at most a quarter of the time building)."""
AT_ONCE_S = 0.05
"""A build this quick follows every change at once."""


class LiveScreen(UsesWorkspace, Screen[None]):
    """Subclasses implement :meth:`rebuild`; their own ``on_mount`` runs before this one's."""

    REBUILD_ON_RESUME: ClassVar[bool] = False
    """Rebuild on every return, not only after a change (when a modal may act elsewhere)."""
    FOLLOWS: ClassVar[frozenset[str] | None] = None
    """The tables whose changes the screen shows (None: every table)."""

    def __init__(self) -> None:
        super().__init__()
        localize_bindings(self)
        self._stale = False
        self._built_in = 0.0
        self._due: Timer | None = None
        self._soon = False
        self._changed: dict[str, set[str]] = {}
        """The records changed since the last build, by table."""
        self._built_in_background = 0.0
        """How long the screen's last build took where it runs in the background (the
        KPIs: seconds in a child at 50,000 accounts), to pace changes by it as well."""

    def rebuild(self) -> None:
        raise NotImplementedError

    def follow_changes(self, changed: Mapping[str, frozenset[str]]) -> None:
        """Show the workspace's changes: ``changed`` gives the ids of the records changed
        in each table it follows (by default: :meth:`rebuild`). A screen overrides it to
        build only what those records show, or to keep what it shows while it computes in
        the background."""
        self.rebuild()

    def on_mount(self) -> None:
        on_workspace_change(self, self._on_workspace_event)

    def _on_workspace_event(self, event: WorkspaceEvent) -> None:
        if self.FOLLOWS is not None and not event.tables & self.FOLLOWS:
            return
        for change in event.changes:
            if self.FOLLOWS is None or change.table in self.FOLLOWS:
                self._changed.setdefault(change.table, set()).add(change.id)
        if not self.is_current:
            self._stale = True
        elif event.local or self._built_in * CALM < AT_ONCE_S:
            if not self._soon:  # a burst of changes (one poll's) makes one build
                self._soon = True
                self.call_later(self._build_due)
        elif self._due is None:
            self._due = self.set_timer(self._built_in * CALM, self._build_due)

    def _build_now(self, *, changes: bool = True) -> None:
        """Build, timed (see :data:`CALM`); a build that was due is this one. ``changes``:
        for the changes seen since the last build (else from scratch: :meth:`rebuild`)."""
        if self._due is not None:
            self._due.stop()
        self._due, self._soon = None, False
        changed = {table: frozenset(ids) for table, ids in self._changed.items()}
        self._changed = {}
        start = time.perf_counter()
        if changes:
            self.follow_changes(changed)
        else:
            self.rebuild()
        self._built_in = max(self._built_in_background, time.perf_counter() - start)

    def _build_due(self) -> None:
        self._due, self._soon = None, False
        if self.is_current:
            self._build_now()
        else:
            self._stale = True

    def on_screen_resume(self) -> None:
        if self._stale or self.REBUILD_ON_RESUME:
            self._stale = False
            self._build_now(changes=not self.REBUILD_ON_RESUME)
