"""Top-level screens that show workspace data and follow its changes.

Each such screen redraws when the workspace reports a change (an edit here, in another
screen, or by another process sharing the data directory): at once while it is shown, and
once when it comes back otherwise, so hidden screens do no work.
"""

from __future__ import annotations

from typing import ClassVar

from textual.screen import Screen

from cstui.ui.access import UsesWorkspace, on_workspace_change
from cstui.ui.localize import localize_bindings
from cstui.workspace import WorkspaceEvent


class LiveScreen(UsesWorkspace, Screen[None]):
    """Subclasses implement :meth:`rebuild`; their own ``on_mount`` runs before this one's."""

    REBUILD_ON_RESUME: ClassVar[bool] = False
    """Rebuild on every return, not only after a change (when a modal may act elsewhere)."""

    def __init__(self) -> None:
        super().__init__()
        localize_bindings(self)
        self._stale = False

    def rebuild(self) -> None:
        raise NotImplementedError

    def on_mount(self) -> None:
        on_workspace_change(self, self._on_workspace_event)

    def _on_workspace_event(self, event: WorkspaceEvent) -> None:
        if self.is_current:
            self.rebuild()
        else:
            self._stale = True

    def on_screen_resume(self) -> None:
        if self._stale or self.REBUILD_ON_RESUME:
            self._stale = False
            self.rebuild()
