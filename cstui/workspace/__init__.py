"""The Workspace: the one API the UI and the CLI use.

Screens never touch the store or TinyDB; they ask the workspace questions ("the portfolio",
"this account's contacts") and tell it what happened ("log a call", "update this account").
Every mutation validates through the domain models first, so bad input raises
:class:`InvalidRecord` with readable sentences and writes nothing. Changes, local or picked up
from another process sharing the data directory, reach subscribers as
:class:`WorkspaceEvent`.

Behind the facade each capability is a small mixin over :class:`~.repo.Repo` (the store, the
model caches, change handling) whose bases are the capabilities it uses, so the dependencies
are the class statements and Python's MRO keeps them acyclic::

    repo <- accounts <- tasks <- onboarding <- activities (and the executive cadence)
            accounts <- success_plans
    onboarding, success_plans <- health <- portfolio, renewals <- voc
    activities, voc <- qbr        health <- imports        repo <- sync

The Today digest (:mod:`.today`) and the account CSV transfer (:mod:`.imports`) stay
functions over the workspace (``build_today(ws, day)``, ``import_accounts(ws, file)``), not
methods: they keep no state, and their callers stay as they are.

:class:`StoreError` (and its :class:`StorageError`: disk full, read-only, permission, lock
timeout) are re-exported so the UI can catch them without touching the store: their
messages are one sentence with no record contents, and the operation did not happen.
"""

from __future__ import annotations

from cstui.store import StorageError, StoreError
from cstui.workspace.accounts import Accounts
from cstui.workspace.activities import Activities
from cstui.workspace.health import Health
from cstui.workspace.imports import Imports
from cstui.workspace.onboarding import Onboarding
from cstui.workspace.portfolio import Portfolio, SavedView
from cstui.workspace.qbr import QBRs
from cstui.workspace.renewals import Renewals
from cstui.workspace.repo import (
    HEALTH_INPUT_TABLES,
    AccountNotFound,
    WorkspaceEvent,
    current_user,
)
from cstui.workspace.success_plans import SuccessPlans
from cstui.workspace.sync import Sync
from cstui.workspace.tasks import Tasks
from cstui.workspace.voc import Voc

__all__ = [
    "HEALTH_INPUT_TABLES",
    "AccountNotFound",
    "SavedView",
    "StorageError",
    "StoreError",
    "Workspace",
    "WorkspaceEvent",
    "current_user",
]


class Workspace(
    QBRs,
    Portfolio,
    Imports,
    Activities,
    Voc,
    Renewals,
    Health,
    Onboarding,
    Tasks,
    SuccessPlans,
    Accounts,
    Sync,
):
    """Every capability over one store (bases in method resolution order)."""
