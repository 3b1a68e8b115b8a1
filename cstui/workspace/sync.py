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

    def has_hub(self) -> bool:
        """Whether this folder is a clone of a team hub (``cstui clone``)."""
        from cstui.sync.hub import has_hub

        return has_hub(self.store.data_dir)

    def _crm_wanted(self, service: SyncService) -> bool:
        """A folder without a hub always syncs with the CRM; a clone only when this
        machine is set up for one."""
        return not self.has_hub() or service.config.crm_configured(service.adapter_name)

    def sync_setup_problem(self, *, quick: bool = False) -> str | None:
        """Why a sync cannot start (no token, bad sync.toml), or None; no network.

        ``quick`` (the app's status line, on the UI thread): only whether a token is there,
        worded with the adapter's name; loading the adapter for its label (entry points,
        then httpx) took 0.3 s of every start-up. A token there counts as set up: what else
        is wrong the full check says on the status line's worker."""
        from cstui.sync import SyncError, registry
        from cstui.sync.config import missing_token

        try:
            service = self._sync_service()
            if not self._crm_wanted(service):
                return None  # the hub alone
            if quick:
                try:
                    service.config.token(service.adapter_name)
                except SyncError as exc:
                    if missing_token(str(exc)):
                        return str(exc)
                else:
                    return None
            label = registry.load(service.adapter_name).label or None  # "HubSpot", as the CLI
            service.config.token(service.adapter_name, label)
        except SyncError as exc:
            return str(exc)
        return None

    def sync_status(self) -> SyncStatus:
        """Pending, conflicts, last sync (~0.2 s at 40k records: call it from a thread).

        With a team hub: its last sync, and pending changes for the hub (plus the CRM's
        when this machine also syncs with one)."""
        service = self._sync_service()
        if not self.has_hub():
            return service.status()
        from dataclasses import replace

        from cstui.sync import SyncStatus
        from cstui.sync.hub import ADAPTER, HubSync

        store = Store(self.store.data_dir, actor=self.store.actor, team=self.store.team)
        try:
            with HubSync(store) as hub:
                h = hub.status()
        finally:
            store.close(checkpoint=False)
        status = SyncStatus(
            adapter=ADAPTER,
            pending=h.pending,
            conflicts=len(service.list_conflicts()),
            last_sync=h.last_sync,
            last_result=h.last_result,
            last_error=h.last_error,
            last_ok=h.last_ok,
        )
        if self._crm_wanted(service):
            crm = service.status()
            status = replace(status, pending=status.pending + crm.pending)
        return status

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
            if not self.has_hub():
                try:
                    return service.run(progress=progress, cancel=cancel)
                except SyncError as exc:
                    service.record_failure(exc)  # the status line tells of it, as the CLI's
                    raise
            from cstui.sync.hub import HubSync, as_sync_report

            with HubSync(store) as hub:  # the hub first, then the CRM if set up here
                try:
                    hub_report = hub.run(progress=progress, cancel=cancel)
                except SyncError as exc:
                    hub.record_failure(exc)
                    raise
            report: SyncReport = as_sync_report(hub_report)
            if self._crm_wanted(service):
                try:
                    crm = service.run(progress=progress, cancel=cancel)
                except SyncError as exc:
                    service.record_failure(exc)
                    raise
                crm.open_conflicts += hub_report.open_conflicts
                crm.seconds += hub_report.seconds
                report = crm
            return report
        finally:
            store.close(checkpoint=False)
