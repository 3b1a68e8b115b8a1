"""CRM sync: offline first, nothing lost, nothing duplicated. See ``cstui/sync/README.md``.

Never imports Textual. The app and the CLI use :class:`SyncService`.
"""

from .conflicts import CHOICES, Conflict, ResolveError
from .engine import Failure, Plan, PlannedPush, Progress, SyncEngine, SyncReport
from .errors import (
    Cancelled,
    ConfigError,
    GarbageResponse,
    RemoteError,
    SyncBusy,
    SyncError,
    UnknownAdapter,
    Unreachable,
)
from .service import SyncService, SyncStatus, sync_status

__all__ = [
    "CHOICES",
    "Cancelled",
    "ConfigError",
    "Conflict",
    "Failure",
    "GarbageResponse",
    "Plan",
    "PlannedPush",
    "Progress",
    "RemoteError",
    "ResolveError",
    "SyncBusy",
    "SyncEngine",
    "SyncError",
    "SyncReport",
    "SyncService",
    "SyncStatus",
    "UnknownAdapter",
    "Unreachable",
    "sync_status",
]
