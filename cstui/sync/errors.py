"""Sync errors: each message is one sentence a CSM can act on, and never holds a secret.

Each class carries the exit code ``cstui sync`` and ``cstui clone`` end with, from the one
table of every command (:mod:`cstui.exitcodes`), so a cron job can tell "try again later"
(the CRM was unreachable: 7) from "fix the configuration" (1).
"""

from __future__ import annotations

from cstui.exitcodes import EXIT_CANCELLED, EXIT_ERROR, EXIT_REMOTE, EXIT_STORAGE


class SyncError(Exception):
    """Base of every sync problem; ``exit_code`` is what ``cstui sync`` exits with.

    ``changed`` tells whether the run had already saved something (pages pulled, items
    confirmed) before it stopped: all of it is consistent and the next run continues.
    """

    exit_code = EXIT_REMOTE
    changed = False
    recorded = False
    """Whether the run's status (``--status``, the app's status line) already says so."""


class ConfigError(SyncError):
    """The sync is not configured correctly (also: a refused token)."""

    exit_code = EXIT_ERROR


class UnknownAdapter(ConfigError):
    """No adapter with that name is installed; the message names the installed ones."""


class SyncBusy(SyncError):
    """Another process holds this data folder's sync lock."""

    exit_code = EXIT_STORAGE


class Cancelled(SyncError):
    """The cancel flag was set; work done so far is saved and consistent."""

    exit_code = EXIT_CANCELLED


class RemoteError(SyncError):
    """The CRM could not be used: unreachable, an HTTP error, or retries exhausted."""


class Rejected(RemoteError):
    """The CRM refused one request with a 4xx status (other than 401/403/429)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class Unreachable(RemoteError):
    """No connection to the CRM at all (offline, wrong URL, DNS failure)."""


class GarbageResponse(RemoteError):
    """The CRM answered something we cannot trust (not JSON, wrong shape, wrong types).

    Raised before anything from that answer is written, so the local data is unchanged.
    """
