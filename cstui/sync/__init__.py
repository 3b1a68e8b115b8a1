"""CRM sync: offline first, nothing lost, nothing duplicated. See ``cstui/sync/README.md``.

Never imports Textual. The app and the CLI use :class:`SyncService`.
"""

from .conflicts import Conflict, ResolveError
from .engine import Failure, Progress, SyncReport
from .errors import Cancelled, SyncError
from .service import SyncService, SyncStatus

__all__ = [
    "Cancelled",
    "Conflict",
    "Failure",
    "Progress",
    "ResolveError",
    "SyncError",
    "SyncReport",
    "SyncService",
    "SyncStatus",
]
