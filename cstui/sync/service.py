"""The one object the app and the CLI use for sync: status, run, conflicts.

The app never waits on the network: it calls :meth:`SyncService.run` from a worker
thread, passes a ``progress`` callback (post each :class:`Progress` to the UI) and a
``threading.Event`` to cancel, and reads :meth:`status` for the status bar. Everything
else (:meth:`status`, :meth:`list_conflicts`, :meth:`resolve`) is local and quick.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cstui.store import Store

from . import registry
from .adapters.base import AdapterContext, CRMAdapter
from .config import SyncConfig, load_sync_config
from .conflicts import Conflict, count_conflicts, list_conflicts, resolve
from .engine import STATE_TABLE, Plan, ProgressCallback, SyncEngine, SyncReport, pending_count


@dataclass(frozen=True)
class SyncStatus:
    """For the status bar: "3 to sync · synced 10:42 · 1 conflict"."""

    adapter: str
    pending: int
    """Records with local changes not yet confirmed by the CRM."""
    conflicts: int
    last_sync: datetime | None
    """When the last complete sync finished (None: never)."""
    last_result: str | None
    """``ok`` or ``partial`` (some items were rejected)."""
    running: bool | None = None
    """Whether a sync holds the lock now (None unless asked for: checking takes the lock)."""


class SyncService:
    """Sync for one data folder with one adapter (``config.adapter`` unless named)."""

    def __init__(
        self, store: Store, config: SyncConfig | None = None, adapter: str | None = None
    ) -> None:
        self.store = store
        self.config = config or load_sync_config()
        self.adapter_name = adapter or self.config.adapter

    # ----------------------------------------------------------------- local, quick
    def status(self, *, check_running: bool = False) -> SyncStatus:
        state = self.store.get(STATE_TABLE, self.adapter_name) or {}
        raw = state.get("last_sync")
        last = datetime.fromisoformat(raw) if isinstance(raw, str) else None
        running = None
        if check_running:
            lock = self.store.named_lock("sync")
            running = not lock.try_acquire()
            lock.release()
        return SyncStatus(
            adapter=self.adapter_name,
            pending=pending_count(self.store, self.adapter_name, self.config.tables),
            conflicts=count_conflicts(self.store, self.adapter_name),
            last_sync=last,
            last_result=state.get("last_result"),
            running=running,
        )

    def list_conflicts(self) -> list[Conflict]:
        """Open conflicts, oldest first (what the Conflicts screen lists)."""
        return list_conflicts(self.store, self.adapter_name)

    def resolve(self, conflict_id: str, choice: str, value: Any = None) -> Conflict:
        """Keep ``mine``, take ``theirs``, or ``edit`` to ``value``; the next run settles it."""
        return resolve(self.store, conflict_id, choice, value, self.config.tables)

    # ----------------------------------------------------------------- network
    def adapter(
        self,
        *,
        cancel: threading.Event | None = None,
        http: Any = None,
        retry: Any = None,
    ) -> CRMAdapter:
        """Load and configure the adapter (raises ``ConfigError`` for any setup problem)."""
        cls = registry.load(self.adapter_name)
        context = AdapterContext(
            self.config, self.config.tables, cancel or threading.Event(), http, retry
        )
        return cls(context)

    def plan(self, adapter: CRMAdapter, *, remote: bool = True) -> Plan:
        return SyncEngine(self.store, adapter, self.config.tables).plan(remote=remote)

    def run(
        self,
        adapter: CRMAdapter | None = None,
        *,
        progress: ProgressCallback | None = None,
        cancel: threading.Event | None = None,
    ) -> SyncReport:
        """One full sync. Safe to call from a worker thread; raises ``SyncError``."""
        own = adapter is None
        adapter = adapter or self.adapter(cancel=cancel)
        try:
            engine = SyncEngine(
                self.store, adapter, self.config.tables, progress=progress, cancel=cancel
            )
            return engine.run()
        finally:
            if own:
                adapter.close()


def sync_status(store: Store, config: SyncConfig | None = None) -> SyncStatus:
    """The status bar's numbers for the configured adapter (no network, no token needed)."""
    return SyncService(store, config).status()
