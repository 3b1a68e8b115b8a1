"""Durable, multi-process-safe storage for cstui: TinyDB in memory + an fsync'd journal.

Never imports Textual or ``cstui.domain``: it stores plain JSON-able dicts.
"""

from .db import Change, Store, Txn
from .errors import (
    ConflictError,
    CorruptSnapshotError,
    JournalCorruptError,
    LockBusyError,
    LockTimeoutError,
    StoreError,
)
from .lock import FileLock, NamedLock
from .migrate import MIGRATIONS, Migration
from .snapshot import gc_paused

__all__ = [
    "MIGRATIONS",
    "Change",
    "ConflictError",
    "CorruptSnapshotError",
    "FileLock",
    "JournalCorruptError",
    "LockBusyError",
    "LockTimeoutError",
    "Migration",
    "NamedLock",
    "Store",
    "StoreError",
    "Txn",
    "gc_paused",
]
