"""One line at the bottom of the portfolio: pending changes, last sync, open conflicts.

Counting the outbox walks every synced record (~0.2 s at 40,000; with a team hub it even
opens the store a second time), so it runs in a thread worker: on mount and a second after
data changes (bursts of changes, such as a sync's pages arriving, give one count). Everything
it shows (pending changes, conflicts, the last sync's time and result) lives in the store, so
a change made by another process arrives through the app's poll as a workspace event: an
idle app counts nothing. Only the setup (a token added, ``sync.toml`` edited) can change
outside the store; that is checked every five minutes (a few ms, no counting). The widget
redraws only when its text changes. It never raises: without a token it says sync is not
set up, and a broken ``sync.toml`` is shown in one line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.timer import Timer
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from cstui.i18n import count, t
from cstui.sanitize import clean
from cstui.ui.access import UsesWorkspace, on_workspace_change
from cstui.ui.css import default_css
from cstui.workspace import Workspace, WorkspaceEvent

if TYPE_CHECKING:
    from cstui.sync import SyncStatus

SETUP_CHECK_SECONDS = 300.0
"""How often the setup is looked at again (~4 ms: it reads the sync settings)."""
DEBOUNCE_SECONDS = 1.0


def setup_text(ws: Workspace, *, quick: bool = False) -> str | None:
    """The line when sync cannot run (cheap: no counting), else None; ``quick`` on the UI
    thread (see ``Workspace.sync_setup_problem``)."""
    problem = ws.sync_setup_problem(quick=quick)
    if problem is None:
        return None
    from cstui.sync.config import missing_token  # loaded with the sync, not at start

    if missing_token(problem):
        return t("syncui.status.off")
    return t("syncui.status.error", message=clean(problem))


def result_text(status: SyncStatus) -> str:
    """How the last sync ended, when not cleanly: refused items, a failure, a cancel."""
    if status.last_result == "partial":
        return t("syncui.status.refused", n=count(status.failure_count))
    if status.last_result == "failed":
        return t("syncui.status.failed", message=clean(status.last_error or ""))
    if status.last_result in ("cancelled", "conflicts"):
        return t(f"syncui.status.{status.last_result}")
    return ""


def status_text(ws: Workspace) -> str:
    """The line's text (called on a worker thread; reads only)."""
    problem = setup_text(ws)
    if problem is not None:
        return problem
    try:
        status = ws.sync_status()
    except Exception as exc:  # the status line must never take the app down
        return t("syncui.status.error", message=clean(str(exc)))
    if status.last_sync is None:
        last = t("syncui.status.never")
    else:
        when = status.last_sync.astimezone().strftime("%Y-%m-%d %H:%M")
        last = t("syncui.status.last", when=when)
        last += result_text(status)
    return t(
        "syncui.status.line",
        pending=count(status.pending),
        last=last,
        conflicts=count(status.conflicts),
    )


class SyncStatusLine(UsesWorkspace, Static):
    """The sync segment of the status bar (plain text: it may quote a file path)."""

    DEFAULT_CSS = default_css(__file__, "sync_status.tcss")

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id, markup=False)
        self._debounce: Timer | None = None
        self._setup: str | None = None
        """The last :func:`setup_text` seen (None: sync can run)."""
        self.text = ""
        """What the line shows now (for tests and the screen reader of the future)."""

    def on_mount(self) -> None:
        on_workspace_change(self, self._on_workspace_event)
        self.set_interval(SETUP_CHECK_SECONDS, self.check_setup)
        # The first look imports the sync package (~60 ms of CPU): it waits for the first
        # frame, which shows the accounts; the next one says whether sync is set up.
        self.call_after_refresh(self._first_look)

    def _first_look(self) -> None:
        off = setup_text(self.workspace, quick=True)
        self._setup = off
        if off is not None:
            self._show(off)
        else:
            self.refresh_status()

    def check_setup(self) -> None:
        """Recount only when the setup changed (say a token was added): cheap, no counting."""
        off = setup_text(self.workspace, quick=True)
        if off != self._setup:
            self._setup = off
            self.refresh_status()

    def _on_workspace_event(self, event: WorkspaceEvent) -> None:
        if self._debounce is None:
            self._debounce = self.set_timer(DEBOUNCE_SECONDS, self._debounced)

    def _debounced(self) -> None:
        self._debounce = None
        self.refresh_status()

    def refresh_status(self) -> None:
        """Count off the UI thread (the store's reads hold its own mutex)."""
        ws = self.workspace
        self.run_worker(lambda: status_text(ws), thread=True, exclusive=True, group="sync-status")

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "sync-status" and event.state == WorkerState.SUCCESS:
            self._show(str(event.worker.result))

    def _show(self, text: str) -> None:
        """Redraw only when the text changed (an unchanged line costs no layout pass)."""
        if text != self.text:
            self.text = text
            self.update(text)
