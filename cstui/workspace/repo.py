"""The shared part of every capability: the store, the model caches and change handling.

:class:`Repo` owns the store, the acting user and the settings, caches parsed models and
per-account indexes, keeps them current on every change (local, or picked up from another
process by :meth:`Repo.poll`) and tells subscribers as :class:`WorkspaceEvent`. Capabilities
with caches of their own extend :meth:`Repo._forget` (calling ``super()``). Depends on the
store and the domain models only.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import getpass
import logging
import os
import pickle
import subprocess
import sys
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, Self, TypeVar

from cstui import i18n
from cstui.config import Settings, load_settings
from cstui.domain.enums import Table
from cstui.i18n import Msg
from cstui.store import Change, FolderWatch, Store, StoreError, Txn
from cstui.store.db import FINDS_BEFORE_PARSE

from .undo import History, Recorder, Step, merge, revert

if TYPE_CHECKING:
    from pydantic import BaseModel

    from cstui.domain.models import Record


log = logging.getLogger(__name__)

R = TypeVar("R", bound="Record")
M = TypeVar("M", bound="BaseModel")
Write = tuple[str, str, dict[str, Any] | None]
"""(table, id, values) to put, or values None to delete: one item of :meth:`Repo._write_all`."""


P = ParamSpec("P")
T = TypeVar("T")
RepoT = TypeVar("RepoT", bound="Repo")


def one_step(method: Callable[Concatenate[RepoT, P], T]) -> Callable[Concatenate[RepoT, P], T]:
    """Make a capability method's writes one undo step (see :meth:`Repo.action`)."""

    @functools.wraps(method)
    def grouped(self: RepoT, /, *args: P.args, **kwargs: P.kwargs) -> T:
        with self.action():
            return method(self, *args, **kwargs)

    return grouped


class Create(dict[str, Any]):
    """Values of a :data:`Write` that creates a record with an id derived from its key (a
    generated task): written only if no record, live or deleted, has that id when the
    batch commits, so a teammate's copy created meanwhile (maybe already ticked) is kept
    and one the CSM deleted stays deleted."""


class Unsetting(dict[str, Any]):
    """Values of a :data:`Write` that also remove the record's fields named in ``unset``
    (a health summary's old-layout ``history``)."""

    def __init__(self, values: Mapping[str, Any], unset: Iterable[str]) -> None:
        super().__init__(values)
        self.unset = tuple(unset)


HEALTH_TABLE = "health"
"""One record per account: the latest score, band and flags, and its recent daily scores
(older months in the month tables, see :mod:`cstui.domain.score_history`)."""
RATINGS_TABLE = "ratings"
"""One record per account with a CSM's manual health rating in force."""
HEALTH_INPUT_TABLES = frozenset(
    {
        Table.ACCOUNTS,
        Table.CONTACTS,
        Table.USAGE,
        Table.ACTIVITIES,
        Table.ONBOARDING,
        Table.SUCCESS_PLANS,
        Table.SURVEYS,
        RATINGS_TABLE,
    }
)
"""A change to any of these may change an account's health, flags or alerts."""
VIEWS_TABLE = "views"
"""Saved portfolio views, per user: a name, a filter line and a sort."""


def changed_fields(current: Mapping[str, Any], fresh: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of ``fresh`` that differ from ``current`` (new keys count, even as None).

    Only these are written, so the journal, other processes and the CRM sync see exactly
    what changed.
    """
    return {k: v for k, v in fresh.items() if k not in current or current[k] != v}


def validate_plain(model: type[M], data: Mapping[str, Any]) -> M:
    """Validate a non-record model (new input: length limits apply), raising InvalidRecord
    with readable sentences."""
    from pydantic import ValidationError

    from cstui.domain.models import INPUT, InvalidRecord

    try:
        return model.model_validate(data, context=INPUT)
    except ValidationError as exc:
        raise InvalidRecord.from_error(model, exc) from None


def elsewhere(work: Callable[..., T], *args: Any, cancelled: Callable[[], bool] | None = None) -> T:
    """``work(*args)`` in a new Python process, its result back: for whole-book passes,
    which parse every table and build a model per record. Memory a process took does not go
    back to the system in full (a 50,000-account rescore left 1.9 GB in the app); a child's
    goes when it exits, and its CPU is another core's, not the UI's.

    A plain subprocess speaking pickle over its stdin and stdout, not ``multiprocessing``:
    that starts a resource tracker, which fails under Textual (its stderr has no file
    descriptor). ``work`` must be module-level and return something picklable; a
    ``StoreError`` in it is raised here with its message, any other failure as a
    ``StoreError`` naming only the exception's type (its text may quote customer data).
    ``cancelled`` is asked five times a second: when it says so the child is killed and
    ``InterruptedError`` raised. :func:`stop_children` ends the children still running
    (the app is closing).
    """
    payload = pickle.dumps((work, args, i18n.language()))  # its messages in the UI's words
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD_MAIN],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    _children.add(child)
    try:
        sent: bytes | None = payload
        while True:
            try:
                out, _ = child.communicate(sent, timeout=0.2)
                break
            except subprocess.TimeoutExpired:
                sent = None  # sent already; asking again loses no output
                if cancelled is not None and cancelled():
                    child.kill()
                    child.communicate()
                    raise InterruptedError("cancelled") from None
    finally:
        _children.discard(child)
    try:
        kind, value = pickle.loads(out)
    except Exception:
        kind, value = "failed", None
    if kind == "ok":
        return value  # type: ignore[no-any-return]
    if kind == "store":
        raise StoreError(str(value))
    why = value if kind == "error" else i18n.t("workspace.exit_status", code=child.returncode)
    raise StoreError(i18n.t("workspace.child_failed", why=why))


_CHILD_MAIN = """
import pickle, sys
from cstui import i18n
from cstui.store import StoreError
work, args, lang = pickle.load(sys.stdin.buffer)
i18n.set_language(lang)
try:
    result = ("ok", work(*args))
except StoreError as exc:
    result = ("store", str(exc))
except Exception as exc:
    result = ("error", type(exc).__name__)
sys.stdout.buffer.write(pickle.dumps(result))
"""
_children: set[subprocess.Popen[bytes]] = set()


def stop_children() -> None:
    """End the :func:`elsewhere` children still running (their work is lost, never half
    saved: a child writes in one transaction, and a cut journal line is dropped)."""
    for child in list(_children):
        with contextlib.suppress(OSError):
            child.kill()


def children_running() -> bool:
    """Whether an :func:`elsewhere` child (a rescore, a book pass) is at work; it may hold
    the folder's lock."""
    return any(child.poll() is None for child in _children)


def current_user() -> str:
    """Who is acting: ``CSTUI_USER`` or the login name (what ``owner:me`` means)."""
    return os.environ.get("CSTUI_USER") or getpass.getuser()


@dataclass(frozen=True)
class WorkspaceEvent:
    """What changed: the tables touched, the account ids affected, and whether it was us."""

    tables: frozenset[str]
    account_ids: frozenset[str]
    local: bool
    changes: tuple[Change, ...] = field(default=(), repr=False)


class AccountNotFound(LookupError):
    """No account (or more than one) answers a name; ``str()`` is the English sentence the
    CLI prints, ``message`` words it in the reader's language (the app's forms)."""

    def __init__(self, message: Msg) -> None:
        super().__init__(message.render("en"))
        self.message = message


class Repo:
    """Facade over the store with per-account indexes kept current on every change."""

    def __init__(
        self, store: Store, *, user: str | None = None, settings: Settings | None = None
    ) -> None:
        self.store = store
        self.user = user or current_user()
        self.settings = settings or load_settings()
        self._models: dict[str, dict[str, Record]] = defaultdict(dict)
        self._cache_models = True
        """False while a whole-book pass reads every record once (see :meth:`_uncached`)."""
        self._by_account: dict[str, dict[str, set[str]]] = {}
        self._listeners: list[Callable[[WorkspaceEvent], None]] = []
        self._closed = False
        self.history = History()
        """This session's own changes, for :meth:`undo` and :meth:`redo`."""
        self._label: Msg | None = None
        self._group: list[Step] | None = None
        """Steps made inside :meth:`action`, merged into one when it ends."""
        self._unsubscribe = store.subscribe(self._on_changes)

    # ----------------------------------------------------------------- lifecycle
    @classmethod
    def open(
        cls,
        data_dir: Path | str,
        *,
        user: str | None = None,
        team: bool = False,
        verify_later: bool = False,
    ) -> Self:
        """``verify_later``: check the data file's checksums on a thread (see ``Store``),
        for the app, whose first screen should not wait for them."""
        who = user or current_user()
        return cls(Store(data_dir, actor=who, team=team, verify_later=verify_later), user=who)

    @property
    def warnings(self) -> list[str]:
        return list(self.store.warnings) + list(self.settings.errors)

    def close(self) -> None:
        """Release the store (folding a long journal, see ``Store.close``); calling it twice
        is harmless."""
        if self._closed:
            return
        self._closed = True
        stop_children()
        self._unsubscribe()
        self.store.close(checkpoint=True)

    @contextlib.contextmanager
    def quiet(self, timeout: float = 0.5) -> Iterator[bool]:
        """Yield whether the folder is left alone by this process for the block: no store
        operation running or starting, no child process at work (see ``Store.quiet``)."""
        if children_running():
            yield False
            return
        with self.store.quiet(timeout) as quiet:
            yield quiet and not children_running()

    def preload(self, tables: Iterable[str]) -> None:
        """Parse these tables now (the store loads tables lazily); safe from a thread."""
        for table in tables:
            for _ in self.store.scan(table):
                break

    def prepare_account_reads(self) -> None:
        """Get ready to read one account's records from every unparsed table (their
        places in the file decoded: ~20 ms at 50,000 accounts, once); safe from a thread,
        for the app's warm-up, so the first account opened does not pay for it."""
        self.store.read_slices()

    def release(self, tables: Iterable[str]) -> None:
        """Let go of whole tables read for a whole-book pass (see ``Store.release``), with
        the indexes and models built on them; they are read again when needed."""
        for name in self.store.release(tables):
            self._by_account.pop(name, None)
            self._models.pop(name, None)

    def poll(self, *, notify: bool = True, wait_for_fold: float = 0.0) -> list[Change]:
        """Pick up edits made by other processes (another pane, a teammate);
        ``notify=False``: tell the listeners later, with :meth:`announce`;
        ``wait_for_fold``: see ``Store.poll`` (``store.deferred`` says a large commit was
        left for the checkpoint that follows it)."""
        changes = self.store.poll(notify=notify, wait_for_fold=wait_for_fold)
        if not notify and changes:
            try:
                self._prepare_changes(changes)
            except Exception:  # only a head start: the announcement reads what it needs
                log.exception("Preparing a poll's changes failed")
        return changes

    def _prepare_changes(self, changes: list[Change]) -> None:
        """Hook, on the thread that polled with ``notify=False``: read ahead what handling
        ``changes`` will need (store reads only; what it keeps for the announcement is the
        only state it sets, and the announcement checks that it still holds)."""

    def _changed_accounts(self, since: int, tables: Iterable[str]) -> Iterator[tuple[str, int]]:
        """(account, ``_seq``) of each record of ``tables`` written after ``since`` (an
        account's own record, or a record with its ``account_id``), whatever checkpoints
        folded the journal meanwhile; only the tables changed since are read."""
        for table, record in self.store.changed_since(since, tables):
            account_id = record["id"] if table == Table.ACCOUNTS else record.get("account_id")
            if isinstance(account_id, str):
                yield account_id, int(record.get("_seq", 0))

    def announce(self, changes: list[Change]) -> None:
        """Tell the listeners of changes a ``poll(notify=False)`` picked up."""
        self.store.announce(changes)

    def watch(self) -> FolderWatch | None:
        """A descriptor that becomes readable when the data folder's files change (then
        :meth:`poll`), or None where the system cannot tell (then poll on a timer)."""
        return FolderWatch.open(self.store.data_dir)

    def subscribe(self, callback: Callable[[WorkspaceEvent], None]) -> Callable[[], None]:
        self._listeners.append(callback)
        return lambda: self._listeners.remove(callback)

    # ----------------------------------------------------------------- changes
    def _on_changes(self, changes: list[Change]) -> None:
        tables: set[str] = set()
        accounts: set[str] = set()
        for ch in changes:
            tables.add(ch.table)
            account_id = self._invalidate(ch)
            if account_id is not None:
                accounts.add(account_id)
        self._changes_absorbed()
        if not changes:
            return
        event = WorkspaceEvent(
            tables=frozenset(tables),
            account_ids=frozenset(accounts),
            local=all(ch.local for ch in changes),
            changes=tuple(changes),
        )
        for listener in list(self._listeners):
            listener(event)

    def _changes_absorbed(self) -> None:
        """After every change of a batch went through :meth:`_invalidate`, before the
        listeners hear of it: for capabilities that handle a large batch at once."""

    def _invalidate(self, ch: Change) -> str | None:
        """Drop the changed model, re-index it, then let the capabilities :meth:`_forget`;
        the account the record is (or was) of, when it is known."""
        old = self._models[ch.table].pop(ch.id, None)
        index = self._by_account.get(ch.table)
        if index is not None:
            record = self.store.peek(ch.table, ch.id)
            now = None if record is None else record.get("account_id")
            before = getattr(old, "account_id", None)
            if before is None and isinstance(now, str) and "account_id" not in ch.set:
                before = now  # not cached, but the change left its account as it was
            if before is not None:
                index.get(before, set()).discard(ch.id)
            elif ch.set.get("_rev") != 1:  # created by this change: indexed nowhere yet
                # Not cached, and its account changed or it is gone: wherever it was.
                for ids in index.values():
                    ids.discard(ch.id)
            if isinstance(now, str):
                index.setdefault(now, set()).add(ch.id)
        if ch.table == Table.ACCOUNTS:
            self._forget(ch, ch.id)
            return ch.id
        record = self.store.peek_loaded(ch.table, ch.id) or ch.set
        account_id = record.get("account_id") or getattr(old, "account_id", None)
        known = account_id if isinstance(account_id, str) else None
        self._forget(ch, known)
        return known

    def _forget(self, ch: Change, account_id: str | None) -> None:
        """Hook: drop what ``ch`` (a record of ``account_id``, if any) makes stale."""

    # ----------------------------------------------------------------- generic reads
    def _get(self, model: type[R], id: str) -> R | None:
        cached = self._models[model.table].get(id)
        if cached is not None:
            return cached  # type: ignore[return-value]
        record = self.store.peek(model.table, id)
        if record is None:
            return None
        obj = model.from_record(record)
        if self._cache_models:
            self._models[model.table][id] = obj
        return obj

    @contextlib.contextmanager
    def _uncached(self) -> Iterator[None]:
        """Build models without keeping them: a whole-book pass (the daily rescore, the KPI
        report) reads every record once, and caching each model it built kept the whole
        book in memory afterwards (1.7 GB at 50,000 accounts)."""
        cached, self._cache_models = self._cache_models, False
        try:
            yield
        finally:
            self._cache_models = cached

    def _all(self, model: type[R]) -> list[R]:
        out: list[R] = []
        models = self._models[model.table]
        for record in self.store.scan(model.table):
            cached = models.get(record["id"])
            if cached is None:
                cached = model.from_record(record)
                if self._cache_models:
                    models[record["id"]] = cached
            out.append(cached)  # type: ignore[arg-type]
        return out

    def _index(self, model: type[Record]) -> dict[str, set[str]]:
        index = self._by_account.get(model.table)
        if index is None:
            index = defaultdict(set)
            for record in self.store.scan(model.table):
                account_id = record.get("account_id")
                if isinstance(account_id, str):
                    index[account_id].add(record["id"])
            self._by_account[model.table] = index
            # The table just parsed lives as long as the workspace: keep it (and all that is
            # loaded so far) out of the collector's full passes. At 50,000 accounts each
            # pass walked the whole book for 0.7-1.1 s and fell on whatever key came next.
            gc.freeze()
        return index

    def _account_ids(self, model: type[Record], account_id: str) -> set[str]:
        """Ids of the account's records: from the index over the table once it is built,
        else read for this account alone (``Store.account_records``): opening one account
        of 50,000 parsed and indexed every per-account table, 300 MB of JSON, before."""
        if model.table not in self._by_account:
            records = self.store.account_records(model.table, account_id)
            if records is not None:
                return {record["id"] for record in records}
        return set(self._index(model).get(account_id, ()))

    def _for_account(self, model: type[R], account_id: str) -> list[R]:
        """The account's records in id order: the index is a set, and its order changes
        with PYTHONHASHSEED, so anything that reads "the last one" would differ by process."""
        ids = self._account_ids(model, account_id)
        return [obj for i in sorted(ids) if (obj := self._get(model, i)) is not None]

    def mark(self) -> int:
        """Where the book stands now, for :meth:`unchanged_since` (take it before reading
        what is kept: a change made during the read counts as after)."""
        return self.store.last_seq

    def unchanged_since(self, mark: int, tables: Collection[str]) -> bool:
        """Whether none of ``tables`` changed since ``mark`` (:meth:`mark`): what was made
        from them then (a KPI trend, Today's digest) is still theirs. Answered from the
        tables' highest ``_seq``, an unparsed table without parsing it."""
        return not self.store.tables_changed_since(mark, tables)

    def count(self, model: type[Record]) -> int:
        return self.store.count(model.table)

    elsewhere_from = 5_000
    """Books this large run their whole-book passes (the daily rescore, the KPI trend) in a
    child process (:func:`elsewhere`): in this one they left hundreds of MB to 1.9 GB for
    the rest of the session."""

    def _large_book(self) -> bool:
        return self.store.size_hint(Table.ACCOUNTS) >= self.elsewhere_from

    def _records_by_id(self, table: str, ids: Collection[str]) -> dict[str, dict[str, Any]]:
        """The live records of ``ids`` (those found), none kept: looked up one by one when
        few, else picked from the table as it streams by (a lookup by id after the
        store's first few parses the table and keeps it: 50,000 accounts for a screen
        that names a few hundred). Read them, never mutate them."""
        if len(ids) <= FINDS_BEFORE_PARSE:
            found = (self.store.peek(table, i, keep=False) for i in ids)
            return {r["id"]: r for r in found if r is not None and not r.get("_deleted")}
        wanted = set(ids)
        return {r["id"]: r for r in self.store.stream(table) if r["id"] in wanted}

    def iter_records(self, model: type[R]) -> Iterator[dict[str, Any]]:
        """Raw records without meta fields, for export."""
        for record in self.store.all(model.table):
            yield {k: v for k, v in record.items() if not k.startswith("_")}

    # ----------------------------------------------------------------- writes
    #
    # Every read-modify-write reads the record inside ``store.transaction()`` (``txn.get``):
    # the store has caught up with every other process's commits and holds the write lock,
    # so an edit is made to the record as it is now, never to this process's copy from the
    # last 1 s poll. Two CSMs ticking different items of one plan both keep their tick.
    # Inside a transaction the model caches may lag behind (other processes' changes reach
    # them when it ends): read what you write through ``txn``, never through ``_get``.

    @contextlib.contextmanager
    def _transaction(self, label: Msg | None = None) -> Iterator[Txn]:
        """``store.transaction()`` for a change the user makes: recorded so :meth:`undo`
        can write its inverse. ``label`` says what it was (else it is worded from the
        records: "ticked 'Kickoff call'")."""
        with self.store.transaction() as inner:
            recorder = Recorder(self.store, inner)
            yield recorder
        step = recorder.step(self.store, label or self._label)
        if step is None:
            return
        if self._group is not None:
            self._group.append(step)
        else:
            self.history.done(step)

    @contextlib.contextmanager
    def action(self, label: Msg | None = None) -> Iterator[None]:
        """Make every change in this block one undo step (logging a call and the follow-up
        task it opens), worded by ``label`` if given. Nested blocks join the outer one."""
        if self._group is not None:
            yield
            return
        self._group, self._label = [], label
        try:
            yield
        finally:
            steps, said = self._group, self._label
            self._group, self._label = None, None
            step = merge(steps, said)
            if step is not None:
                self.history.done(step)

    def _say(self, label: Msg) -> None:
        """Word the undo step of the :meth:`action` under way (else of the last step)."""
        if self._group is not None:
            self._label = label
        elif self.history.undo:
            self.history.undo[-1] = replace(self.history.undo[-1], label=label)

    def _put(self, table: str, id: str, values: Mapping[str, Any]) -> None:
        """``store.put`` as an undoable change."""
        with self._transaction() as txn:
            txn.put(table, id, values)

    def _delete(self, table: str, id: str) -> None:
        """``store.delete`` (a tombstone) as an undoable change: undo brings it back."""
        with self._transaction() as txn:
            txn.delete(table, id)

    def undo(self) -> Msg | None:
        """Undo this session's last change (as a new change); what it was, or None."""
        if not self.history.undo:
            return None
        step = self.history.undo.pop()
        inverse = self._revert(step)
        if inverse is not None:
            self.history.redo.append(inverse)
        return step.label

    def redo(self) -> Msg | None:
        """Make again the change :meth:`undo` last took back; what it was, or None."""
        if not self.history.redo:
            return None
        step = self.history.redo.pop()
        inverse = self._revert(step)
        if inverse is not None:
            self.history.undo.append(inverse)
        return step.label

    def _revert(self, step: Step) -> Step | None:
        with self.store.transaction() as inner:
            recorder = Recorder(self.store, inner)
            for change in reversed(step.changes):
                revert(recorder, change)
        return recorder.step(self.store, step.label)

    def _save(self, model: type[R], data: Mapping[str, Any], *, new: bool) -> R:
        """Validate then write only the fields that changed (what sync will push).

        An update merges ``data`` into the record as committed now (under the lock).
        """
        from cstui.domain.models import validate

        payload = dict(data)
        if new:
            payload["id"] = payload.get("id") or self.store.new_id()
            obj = validate(model, payload)
            self._put(model.table, obj.id, obj.to_record())
            return obj
        with self._transaction() as txn:
            return self._save_in(txn, model, payload)

    def _save_in(self, txn: Txn, model: type[R], data: Mapping[str, Any]) -> R:
        """``_save(new=False)`` inside an open transaction."""
        from cstui.domain.models import InvalidRecord, validate

        current = txn.get(model.table, data["id"])
        if current is None:
            raise InvalidRecord.said(i18n.msg("error.gone", what=model.__name__.lower()))
        obj = validate(model, {**current, **data})
        changed = changed_fields(current, obj.to_record())
        if changed:
            txn.put(model.table, obj.id, changed)
        return obj

    def _modify(
        self,
        model: type[R],
        record_id: str,
        edit: Callable[[R], R],
        *,
        then: Callable[[Txn, R, R], None] | None = None,
    ) -> R:
        """Read-modify-write one record against what every process has committed.

        ``edit`` gets the fresh model and returns the edited one (raise InvalidRecord to
        refuse: nothing is written); ``then(txn, before, after)`` adds writes that belong
        with it (mirrored tasks) to the same atomic commit. Both run under the write lock:
        keep them quick, and never write through the store directly inside them.
        """
        with self._transaction() as txn:
            obj = self._modify_in(txn, model, record_id, edit, then=then)
        return obj

    def _modify_in(
        self,
        txn: Txn,
        model: type[R],
        record_id: str,
        edit: Callable[[R], R],
        *,
        then: Callable[[Txn, R, R], None] | None = None,
    ) -> R:
        """``_modify`` inside an open transaction."""
        from cstui.domain.models import InvalidRecord, validate

        current = txn.get(model.table, record_id)
        if current is None:
            raise InvalidRecord.said(i18n.msg("error.gone", what=model.__name__.lower()))
        before = model.from_record(current)
        obj = validate(model, edit(before).to_record())
        changed = changed_fields(current, obj.to_record())
        if changed:
            txn.put(model.table, record_id, changed)
        if then is not None:
            then(txn, before, obj)
        return obj

    def _create_once(self, txn: Txn, model: type[R], data: Mapping[str, Any]) -> R:
        """Create ``data`` (with its id) unless a live record has that id: then it is kept.

        For records with an id derived from what they are for (one plan per account, one
        QBR per quarter): two processes creating it at once end with one record. A tombstone
        with that id is replaced whole (its old fields removed).
        """
        from cstui.domain.models import validate

        existing = txn.get(model.table, data["id"])
        if existing is not None:
            return model.from_record(existing)
        obj = validate(model, dict(data))
        record = obj.to_record()
        dead = txn.get(model.table, obj.id, include_deleted=True) or {}
        unset = [k for k in dead if k not in record and not k.startswith("_") and k != "id"]
        txn.put(model.table, obj.id, record, unset)
        return obj

    def _write_all(self, writes: list[Write], *, undoable: bool = True) -> int:
        """Commit puts (values) and deletions (None) as one atomic batch (``undoable``
        False: not a change the user made, such as tasks opened for touchpoints come due)."""
        if writes:
            begin = self._transaction if undoable else self.store.transaction
            with begin() as txn:
                self._write_in(txn, writes)
        return len(writes)

    @staticmethod
    def _write_in(txn: Txn, writes: list[Write]) -> None:
        """Add puts (values) and deletions (None) to an open transaction."""
        for table, record_id, values in writes:
            if values is None:
                txn.delete(table, record_id)
            elif isinstance(values, Create):
                if txn.get(table, record_id, include_deleted=True) is None:
                    txn.write(table, record_id, values)
            elif isinstance(values, Unsetting):
                txn.write(table, record_id, values, values.unset)
            else:
                txn.write(table, record_id, values)

    def load_tables(self, tables: Mapping[str, list[dict[str, Any]]]) -> int:
        """Write whole tables of already-validated records (demo data) in one batch."""
        count = 0
        with self.store.transaction() as txn:
            for table, records in tables.items():
                for record in records:
                    txn.put(table, record["id"], record)
                    count += 1
        return count
