"""The exit codes of every ``cstui`` command, defined here once.

A script (a cron job, a CI step) reads them without knowing which command ran: 2 is always
click's usage error, 3 always "someone must act", 5 always "try again later, nothing is
lost". The command line, ``cstui doctor`` and the sync (CRM and team hub) import these; no
other module gives a number a meaning. README.md ("Scripting") prints the same table.
"""

from __future__ import annotations

EXIT_OK = 0
"""Done (for ``cstui sync``: synced, or nothing to do)."""
EXIT_ERROR = 1
"""Bad input: an unknown account, a rejected row, an unreadable file, a future period, an
invalid ``sync.toml`` or a sync that is not configured (token missing, refused or too open,
unknown adapter, a CRM property missing), an unknown conflict in ``--resolve``."""
EXIT_USAGE = 2
"""The command line itself is wrong: click's own code (unknown option, bad value), also for
options that exclude each other (``--hub-only`` with ``--crm-only``)."""
EXIT_ACTION = 3
"""Someone must act: ``cstui doctor`` found problems; a sync finished but conflicts wait
for a decision; ``sync --setup`` needs an administrator to create CRM properties."""
EXIT_DATA = 4
"""A data folder cannot be used as it is: missing, unreadable snapshot, missing
``cstui.json`` next to a journal, saved by a newer cstui; the hub's folder is not a cstui
data folder; the clone's target already holds another book. Nothing was changed."""
EXIT_STORAGE = 5
"""The disk refused (full, read-only, permission denied, also on the hub's server) or a
lock was busy (another sync running, another process holding the data folder too long).
The data is intact; the command did not happen (or only its committed part)."""
EXIT_PARTIAL = 6
"""A sync finished but the CRM refused some records; they stay queued and are retried."""
EXIT_REMOTE = 7
"""The remote (the CRM or the team hub) could not be reached or answered wrongly: offline,
an HTTP error, a garbage answer, ssh failed, another hub protocol version. Safe to re-run;
nothing inconsistent was saved."""
EXIT_CANCELLED = 130
"""Interrupted (Ctrl-C or the cancel flag); everything done so far is kept."""
