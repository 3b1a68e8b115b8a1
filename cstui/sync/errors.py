"""Sync errors: each message is one sentence a CSM can act on, and never holds a secret.

The command line maps the classes to exit codes (see ``EXIT_*``), so a cron job can tell
"try again later" (the CRM was unreachable) from "fix the configuration".
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FAILED = 1
"""The sync stopped: CRM unreachable, refused a request, or answered garbage. Safe to re-run."""
EXIT_PARTIAL = 2
"""The sync finished but the CRM rejected some items; they stay queued and are retried."""
EXIT_CONFLICTS = 3
"""The sync finished; some fields changed on both sides and wait for a decision."""
EXIT_CONFIG = 4
"""Configuration problem: no token, token file too open, bad sync.toml, unknown adapter."""
EXIT_BUSY = 5
"""Another sync is already running for this data folder."""
EXIT_CANCELLED = 130
"""Interrupted (Ctrl-C or the cancel flag); everything done so far is kept."""


class SyncError(Exception):
    """Base of every sync problem; ``exit_code`` is what ``cstui sync`` exits with.

    ``changed`` tells whether the run had already saved something (pages pulled, items
    confirmed) before it stopped: all of it is consistent and the next run continues.
    """

    exit_code = EXIT_FAILED
    changed = False
    recorded = False
    """Whether the run's status (``--status``, the app's status line) already says so."""


class ConfigError(SyncError):
    """The sync is not configured correctly (also: a refused token)."""

    exit_code = EXIT_CONFIG


class UnknownAdapter(ConfigError):
    """No adapter with that name is installed; the message names the installed ones."""


class SyncBusy(SyncError):
    """Another process holds this data folder's sync lock."""

    exit_code = EXIT_BUSY


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
