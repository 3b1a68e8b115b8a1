"""Durable, multi-process-safe storage for cstui: TinyDB in memory + an fsync'd journal.

Never imports Textual or ``cstui.domain``: it stores plain JSON-able dicts.
"""

from .db import Change, ChunkedWriter, Health, Mutate, Store, Txn, give_back_memory
from .errors import (
    ConflictError,
    CorruptSnapshotError,
    DiskFullError,
    JournalCorruptError,
    LockBusyError,
    LockTimeoutError,
    MissingSnapshotError,
    PermissionDeniedError,
    ReadOnlyError,
    StorageError,
    StoreError,
)
from .lock import FileLock, NamedLock, lock_holders
from .migrate import MIGRATIONS, Migration
from .perms import TEAM_ENV, TEAM_MARKER, is_team_folder
from .snapshot import gc_paused
from .watch import FolderWatch

__all__ = [
    "MIGRATIONS",
    "TEAM_ENV",
    "TEAM_MARKER",
    "Change",
    "ChunkedWriter",
    "ConflictError",
    "CorruptSnapshotError",
    "DiskFullError",
    "FileLock",
    "FolderWatch",
    "Health",
    "JournalCorruptError",
    "LockBusyError",
    "LockTimeoutError",
    "Migration",
    "MissingSnapshotError",
    "Mutate",
    "NamedLock",
    "PermissionDeniedError",
    "ReadOnlyError",
    "StorageError",
    "Store",
    "StoreError",
    "Txn",
    "gc_paused",
    "give_back_memory",
    "is_team_folder",
    "lock_holders",
]
