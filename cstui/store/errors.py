"""Exceptions raised by the store.

Every message is a full sentence a customer success manager can act on, and names the file
involved, because these messages end up on screen (or in `cstui doctor`) as they are.
"""

from __future__ import annotations


class StoreError(Exception):
    """Something is wrong with the data folder; the message says what and what to do."""


class CorruptSnapshotError(StoreError):
    """The snapshot file cannot be read; start-up stops and the file is left untouched."""


class ConflictError(StoreError):
    """A record changed since the caller read it (``expect_rev`` did not match)."""


class JournalCorruptError(StoreError):
    """The journal is damaged somewhere other than its very end, so it is not cut automatically."""


class LockTimeoutError(StoreError):
    """Another process held the data folder's lock for too long."""


class LockBusyError(StoreError):
    """A non-blocking named lock (for example the sync lock) is held by another process."""
