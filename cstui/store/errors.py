"""Exceptions raised by the store.

Every message is one or two full sentences a customer success manager can act on, and names
the file involved, because these messages end up on screen (or in `cstui doctor`) as they
are. No message or ``args`` ever holds record contents (customer names, notes, NPS
comments): a crash dump or a log line must be safe to paste into a support ticket. Messages
name tables, record ids, field names, file names and user names only.

Storage errors (``StorageError`` and its subclasses) are about the disk, not the data: the
data is intact, the operation that raised did not happen, and the caller should keep what it
has (the app keeps the form open with the unsaved edit). They never say "damaged" and never
suggest restoring a backup.

Messages are worded in the UI language when raised (``i18n.said``, ``locale/<lang>/
store.json``), as the workspace words its refusals: the app shows them in toasts and forms,
and the CLI prints them in its ``--lang`` (English unless asked otherwise).
"""

from __future__ import annotations

import errno

from cstui.i18n import Msg, msg


def where(path: object) -> Msg | str:
    """ " (path)" after a sentence's subject, or nothing when the path is not known."""
    return msg("store.where", path=path) if path else ""


class StoreError(Exception):
    """Something is wrong with the data folder; the message says what and what to do."""


class CorruptSnapshotError(StoreError):
    """The snapshot file cannot be read; start-up stops and the file is left untouched."""


class MissingSnapshotError(CorruptSnapshotError):
    """``cstui.json`` is gone but a journal or backups show there was data: nothing is created."""


class ConflictError(StoreError):
    """A record changed since the caller read it (``expect_rev`` did not match)."""


class JournalCorruptError(StoreError):
    """The journal is damaged somewhere other than its very end, so it is not cut automatically."""


class StorageError(StoreError):
    """The disk refused a read or write; the data is intact and the operation did not happen."""


class DiskFullError(StorageError):
    """No space (or quota) left on the data folder's disk (ENOSPC, EDQUOT)."""


class ReadOnlyError(StorageError):
    """The data folder is on a read-only file system (EROFS)."""


class PermissionDeniedError(StorageError):
    """This user may not read or write a file of the data folder (EACCES, EPERM)."""


class LockTimeoutError(StorageError):
    """Another process held the data folder's lock for too long; nothing was saved.

    ``holder`` describes the process holding it (pid, user, program) when it could be found.
    """

    def __init__(self, message: str, holder: str | None = None) -> None:
        super().__init__(message)
        self.holder = holder


class LockBusyError(StoreError):
    """A non-blocking named lock (for example the sync lock) is held by another process."""


def storage_error_class(exc: OSError) -> type[StorageError]:
    """The typed error for an ``OSError`` from the disk (``StorageError`` when none fits)."""
    code = exc.errno
    if code in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return DiskFullError
    if code == errno.EROFS:
        return ReadOnlyError
    if code in (errno.EACCES, errno.EPERM):
        return PermissionDeniedError
    return StorageError
