"""The one object the app and the CLI use for sync: status, run, conflicts.

The app never waits on the network: it calls :meth:`SyncService.run` from a worker
thread, passes a ``progress`` callback (post each :class:`Progress` to the UI) and a
``threading.Event`` to cancel, and reads :meth:`status` for the status bar. Everything
else (:meth:`status`, :meth:`list_conflicts`, :meth:`resolve`) is local and quick.
"""

from __future__ import annotations

import copy
import threading
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from cstui.store import Store

from . import registry
from .adapters.base import AdapterContext, CRMAdapter
from .config import SyncConfig, load_sync_config
from .conflicts import Conflict, check, count_conflicts, list_conflicts, resolve
from .engine import (
    STATE_TABLE,
    STATUS_TABLE,
    Failure,
    Plan,
    ProgressCallback,
    SyncEngine,
    SyncReport,
    pending_count,
    record_status,
    status_time,
)
from .errors import Cancelled, SyncBusy, SyncError
from .hub import ADAPTER as HUB
from .hub import has_hub

_FAILURE_FIELDS = tuple(f.name for f in fields(Failure))
"""What ``record_status`` keeps of each refused item."""


@dataclass(frozen=True)
class SyncStatus:
    """For the status bar: "3 to sync · synced 10:42 · 1 conflict"."""

    adapter: str
    pending: int
    """Records with local changes not yet confirmed by the CRM."""
    conflicts: int
    last_sync: datetime | None
    """When the last sync ended, whatever its result (None: never)."""
    last_result: str | None
    """How it ended: ``ok``, ``partial`` (some items were rejected), ``conflicts`` (some
    wait for a decision), ``failed`` (it stopped: see ``last_error``) or ``cancelled``."""
    running: bool | None = None
    """Whether a sync holds the lock now (None unless asked for: checking takes the lock)."""
    last_error: str | None = None
    """Why the last sync stopped (``failed``/``cancelled``), one sentence."""
    failures: tuple[Failure, ...] = ()
    """Items the CRM refused in the last sync, each naming its record and account."""
    failure_count: int = 0
    """How many were refused (``failures`` keeps the first ones)."""
    last_ok: datetime | None = None
    """When the last sync with nothing left over ended."""


class SyncService:
    """Sync for one data folder with one adapter (``config.adapter`` unless named)."""

    def __init__(
        self, store: Store, config: SyncConfig | None = None, adapter: str | None = None
    ) -> None:
        self.store = store
        self.config = config or load_sync_config()
        self.adapter_name = adapter or self.config.adapter
        if not self.config.push_mirrors_set and has_hub(store.data_dir):
            # A laptop cloned from the team hub: the hub speaks for the mirrors.
            self.config = copy.copy(self.config)
            self.config.push_mirrors = False

    # ----------------------------------------------------------------- local, quick
    def status(self, *, check_running: bool = False) -> SyncStatus:
        # Before the status table existed the outcome of successful runs lived with the
        # cursors: read it from there when this folder has no newer status.
        state = self.store.get(STATUS_TABLE, self.adapter_name) or (
            self.store.get(STATE_TABLE, self.adapter_name) or {}
        )
        failures = tuple(
            Failure(**{name: str(f.get(name, "")) for name in _FAILURE_FIELDS})
            for f in state.get("last_failures") or []
            if isinstance(f, dict)
        )
        count = state.get("failure_count")
        running = None
        if check_running:
            lock = self.store.named_lock("sync")
            running = not lock.try_acquire()
            lock.release()
        return SyncStatus(
            adapter=self.adapter_name,
            pending=pending_count(
                self.store,
                self.adapter_name,
                self.config.tables,
                push_mirrors=self.config.push_mirrors,
            ),
            conflicts=count_conflicts(self.store, self.adapter_name),
            last_sync=status_time(state.get("last_sync")),
            last_result=state.get("last_result"),
            running=running,
            last_error=state.get("last_error"),
            failures=failures,
            failure_count=count if isinstance(count, int) else len(failures),
            last_ok=status_time(state.get("last_ok")),
        )

    def record_failure(self, error: SyncError) -> None:
        """Make the status tell of a run that stopped before the engine ran (the plan's
        requests failed, the token was refused...). A busy lock is not a result."""
        if error.recorded or isinstance(error, SyncBusy):
            return
        result = "cancelled" if isinstance(error, Cancelled) else "failed"
        record_status(self.store, self.adapter_name, result, (), str(error))
        error.recorded = True

    def list_conflicts(self) -> list[Conflict]:
        """Open conflicts, oldest first (what the Conflicts screen lists)."""
        found = list_conflicts(self.store, self.adapter_name)
        if self.adapter_name != HUB:
            found += list_conflicts(self.store, HUB)
        return sorted(found, key=lambda c: (c.detected_at, c.table, c.label, c.field))

    def check_resolution(self, conflict_id: str, choice: str, value: Any = None) -> Conflict:
        """Raise ``ResolveError`` if :meth:`resolve` would; changes nothing."""
        return check(self.store, conflict_id, choice, value, self.config.tables)

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
        return SyncEngine(
            self.store, adapter, self.config.tables, push_mirrors=self.config.push_mirrors
        ).plan(remote=remote)

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
                self.store,
                adapter,
                self.config.tables,
                progress=progress,
                cancel=cancel,
                push_mirrors=self.config.push_mirrors,
            )
            return engine.run()
        finally:
            if own:
                adapter.close()
