"""The UI's door to the CRM sync (:mod:`cstui.sync`): status, conflicts, a full run.

Status, conflicts and resolving are local and use this store; a run opens its own Store on
the same folder so nothing commits through this one from a worker thread (subscribers fire
in the committing thread); the app's poll then picks the sync's writes up on the UI thread.
Depends on :mod:`.repo` only. :mod:`cstui.sync` (and httpx) is imported on first use: the
app starts without it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from cstui.store import Store
from cstui.workspace.repo import Repo

if TYPE_CHECKING:
    from cstui.sync import Conflict, Progress, SyncReport, SyncService, SyncStatus


class Sync(Repo):
    def _sync_service(self, store: Store | None = None) -> SyncService:
        from cstui.sync import SyncService

        return SyncService(store or self.store)

    def sync_setup_problem(self) -> str | None:
        """Why a sync cannot start (no token, bad sync.toml), or None; no network."""
        from cstui.sync import SyncError

        try:
            service = self._sync_service()
            service.config.token(service.adapter_name)
        except SyncError as exc:
            return str(exc)
        return None

    def sync_status(self) -> SyncStatus:
        """Pending, conflicts, last sync (~0.2 s at 40k records: call it from a thread)."""
        return self._sync_service().status()

    def sync_conflicts(self) -> list[Conflict]:
        return self._sync_service().list_conflicts()

    def resolve_conflict(self, conflict_id: str, choice: str, value: Any = None) -> Conflict:
        """Keep ``mine``, take ``theirs`` or ``edit``; raises ResolveError if invalid."""
        return self._sync_service().resolve(conflict_id, choice, value)

    def run_sync(
        self,
        progress: Callable[[Progress], None] | None = None,
        cancel: threading.Event | None = None,
    ) -> SyncReport:
        """One full sync on a second Store of this folder (for a worker thread).

        Raises ``SyncError`` (``Cancelled`` when ``cancel`` was set), recorded first so the
        status line shows the failed run.
        """
        from cstui.sync import SyncError

        store = Store(self.store.data_dir, actor=self.store.actor, team=self.store.team)
        try:
            service = self._sync_service(store)
            try:
                return service.run(progress=progress, cancel=cancel)
            except SyncError as exc:
                service.record_failure(exc)  # the status line tells of it, as the CLI's does
                raise
        finally:
            store.close(checkpoint=False)
