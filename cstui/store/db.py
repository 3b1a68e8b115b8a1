"""The ``Store``: TinyDB in memory, made durable by a journal and safe for several processes.

How it works, and why:

* **Commit = one fsync'd journal append under an exclusive ``flock``.** Plain TinyDB
  rewrites its whole JSON file per write (O(n), ~100 ms at 10k accounts) and corrupts it when
  two processes write. Here an edit appends one line, so it costs the same at 10 or 50,000
  accounts, and the lock serialises writers across processes.
* **Writers catch up first.** Before appending, a writer reads what other processes added
  since it last looked, so sequence numbers are global and gap-free and ``_rev`` /
  ``expect_rev`` are checked against the current record, not a stale copy.
* **TinyDB is only the in-memory query engine.** Its storage is a live dict that the store
  edits in place (O(1) per change) and its tables are read-only: TinyDB's own write path
  copies and converts the whole table on every call, which is the O(n) we avoid.
* **Checkpoints** fold the journal into the snapshot (temp file, fsync, ``os.replace``)
  and start a new journal generation. Other processes notice the new journal by inode,
  finish reading the old one through their still-open descriptor, and reload the snapshot
  only if they would otherwise miss something.
* **Readers take the shared lock**, so they never see a half-written line or a checkpoint
  in progress; an unfinished tail can therefore only come from a crash, and the next writer
  cuts it.

* **Tables are parsed on first use** (see ``snapshot``), so opening 100k+ records takes
  a fraction of a second and a checkpoint copies unchanged tables as bytes.

* **A data folder knows it is a team folder** (see ``perms``): from the marker file
  ``cstui.team`` (written whenever the folder is opened with ``team=True`` or
  ``CSTUI_TEAM=1``) or from its own mode (group-writable or setgid). Then every file any
  process writes there (journal, snapshot, backups, lock and temp files) is 0660 in the
  folder's group, even when that process was opened with ``team=False``.
* **Read-modify-write goes through ``update()``** (or ``transaction()`` + ``Txn.get``): the
  caller's function sees the record as committed by every process, under the write lock,
  so two people ticking different items of one list both keep their tick.
* **Every record carries ``_seq``**, the sequence number of the line that last changed it,
  so "everything changed since N" survives checkpoints (the team hub's pull uses it).
* **Long writes commit in chunks** (``chunked()``), so nobody else waits seconds for the lock.
* **Disk trouble raises typed ``StorageError``s** (disk full, read-only, permission denied,
  lock timeout) with one sentence and no record contents; a missing ``cstui.json`` next to a
  journal or backups refuses to open (``MissingSnapshotError``) and creates nothing.

TinyDB doc ids (the integer keys in the JSON file) are the sequence number of the journal
line that created the record. Every process replaying the journal therefore derives the same
doc id without coordination, and the snapshot stays readable by plain ``TinyDB(path)``.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, NoReturn

import orjson
from tinydb import TinyDB
from tinydb.storages import Storage
from tinydb.table import Table

from cstui.i18n import Msg, msg, said

from . import journal as jr
from . import migrate, perms
from . import snapshot as snap
from .errors import (
    ConflictError,
    CorruptSnapshotError,
    JournalCorruptError,
    MissingSnapshotError,
    StorageError,
    StoreError,
    storage_error_class,
)
from .ids import IdGenerator
from .lock import DEFAULT_TIMEOUT, FileLock, NamedLock

log = logging.getLogger(__name__)

Record = dict[str, Any]
Callback = Callable[[list["Change"]], None]
Mutate = Callable[[dict[str, Any] | None], Mapping[str, Any] | None]
"""``update()``'s function: given a copy of the fresh record (None if there is none), return
the record as it should be, or None to change nothing."""

MANAGED_FIELDS = frozenset({"id", "_rev", "_updated_at", "_by", "_deleted", "_seq"})
"""Fields the store maintains; ``put()`` ignores them in ``set`` (so a record from ``get()``
can be passed back) and refuses them in ``unset``."""
_STAMPED = MANAGED_FIELDS - {"id"}
"""What ``bulk_load`` sets on every record itself (the id is the record's own)."""

_CHECKPOINT_DOING = Msg("store.doing.checkpoint")
_SAVE, _NOT_SAVED = Msg("store.doing.save"), Msg("store.outcome.nothing_saved")
_UNCHANGED = Msg("store.outcome.nothing_changed")

SNAPSHOT_NAME = "cstui.json"
JOURNAL_NAME = "journal.jsonl"
LOCK_NAME = "cstui.lock"
BACKUPS_NAME = "backups"

_ENCODE_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


def _reject(value: Any) -> NoReturn:
    raise TypeError(f"{type(value).__name__} is not a plain JSON value")


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and bool(a == b)


def _deep(value: Any) -> Any:
    """Copy nested dicts/lists; recurse only into containers (most items are scalars)."""
    if type(value) is dict:
        return {k: _deep(v) if type(v) is dict or type(v) is list else v for k, v in value.items()}
    return [_deep(v) if type(v) is dict or type(v) is list else v for v in value]


def _copy(rec: Record) -> Record:
    """A copy callers may mutate freely (nested lists/dicts copied too, scalars shared)."""
    out = rec.copy()
    for key, value in rec.items():
        if type(value) is dict or type(value) is list:
            out[key] = _deep(value)
    return out


def _changed_fields(before: Record, after: Record) -> Record:
    return {k: v for k, v in after.items() if k not in before or not _same(before[k], v)}


def give_back_memory() -> None:
    """Hand freed memory back to the system (glibc keeps it for reuse otherwise: a released
    10,000-account table left two thirds of its size in the process)."""
    import ctypes  # here: ~30 ms of start-up for a call made after large releases only

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).malloc_trim(0)


def _apply_fields(rec: Record, line: jr.Line) -> None:
    """Make a journal line's changes to ``rec`` itself (not a purge: see ``_apply_to_table``)."""
    for name in line["unset"]:
        rec.pop(name, None)
    rec.update(line["set"])
    if line["delete"]:
        rec["_deleted"] = True


def _patched(rec: Record, line: jr.Line) -> Record:
    """A copy of ``rec`` with a journal line's changes."""
    new = dict(rec)
    _apply_fields(new, line)
    return new


def _replayed(rec: Record | None, lines: Iterable[jr.Line]) -> Record | None:
    """A record (None: not there) after these journal lines of its own, as applying them
    to its table would leave it (a purge removes it; a change to a missing record makes
    one)."""
    for line in lines:
        rec = None if line.get("purge") else _patched(rec or {"id": line["id"]}, line)
    return rec


def _plain_records(
    table: str, records: Iterable[Mapping[str, Any]], *, trusted: bool
) -> list[Mapping[str, Any]]:
    """``bulk_load``'s records as plain JSON values: sent through JSON and back, unless
    the caller vouches for them (``trusted``)."""
    if trusted:
        return list(records)  # copied once by bulk_load itself
    try:
        plain: list[Mapping[str, Any]] = orjson.loads(
            orjson.dumps(list(records), default=_reject, option=_ENCODE_OPTIONS)
        )
    except (orjson.JSONEncodeError, TypeError) as exc:
        raise TypeError(f"Table {table} holds a value that is not JSON: {exc}") from None
    return plain


def _check_name(table: str, id: str) -> None:
    if type(table) is not str or not table or table.startswith("_"):
        raise ValueError(f"Table names must be non-empty text not starting with '_': {table!r}")
    if type(id) is not str or not id:
        raise ValueError(f"Record ids must be non-empty text: {id!r}")


_LARGE_TAIL = 4 * 1024 * 1024
"""Unread journal bytes past which a poll may wait for the checkpoint that usually follows
(see ``Store.poll``'s ``wait_for_fold``)."""
_MANY_CHANGES = 1000
"""A poll that brought this many changes (a teammate's import or rescore) hands the memory
they took back to the system once they are handled."""
_SLICE_READS_BEFORE_PARSE = 500
"""Accounts read one at a time from an unparsed table before it is parsed instead: a CSM
opens a few dozen a session; a pass over the book (thousands) is faster on the parsed
table, and would otherwise keep a copy of every record it read."""
CLOSE_CHECKPOINT_BYTES = 1024 * 1024
"""A journal longer than this is folded into the snapshot when a store closes (see
``Store.close``; ``CSTUI_CLOSE_CHECKPOINT_BYTES`` sets another, 0 folds any); ``cstui
compact`` folds any."""


CLOSE_CHECKPOINT_AGE = 24 * 3600
"""Seconds after which a close folds even a short journal (see ``Store._fold_on_close``)."""


def _close_checkpoint_bytes() -> int:
    """``CSTUI_CLOSE_CHECKPOINT_BYTES`` when it is a whole number of bytes (0 or more)."""
    raw = os.environ.get("CSTUI_CLOSE_CHECKPOINT_BYTES", "").strip()
    return int(raw) if raw.isdigit() else CLOSE_CHECKPOINT_BYTES


FINDS_BEFORE_PARSE = 16
"""Lookups by id an unparsed table answers from its bytes before it is parsed instead: each
reads the table (40 ms at 150,000 activities); an import's hundreds would cost more."""


@dataclass(frozen=True, slots=True)
class Change:
    """One journal line after it was applied, as given to subscribers and ``poll()``.

    ``set`` includes the store's fields (``_rev``, ``_updated_at``, ``_by``). ``delete`` is
    True for a tombstone (the record now has ``_deleted``) and for a purge; ``purge`` tells
    them apart (the record is gone). ``local`` is True for changes committed by this Store
    object. After a reload (another process checkpointed twice while this one was not
    looking) changes are synthesised by comparing records, with ``op_id == "reload"``.
    """

    seq: int
    op_id: str
    ts: str
    by: str
    table: str
    id: str
    set: dict[str, Any]
    unset: list[str]
    delete: bool
    local: bool
    purge: bool = False


class _Tables(dict[str, snap.Docs]):
    """The parsed tables. TinyDB looks tables up with ``tables[name]``; a table that is still
    unparsed in the snapshot is parsed right then (``__missing__``)."""

    def __init__(self, loader: Callable[[str], bool]) -> None:
        super().__init__()
        self._loader = loader

    def __missing__(self, name: str) -> snap.Docs:
        if self._loader(name):
            return dict.__getitem__(self, name)
        raise KeyError(name)


class _LiveStorage(Storage):
    """TinyDB storage over the store's in-memory tables (no copying, no I/O)."""

    def __init__(self, tables: _Tables) -> None:
        self._tables = tables

    def read(self) -> dict[str, dict[str, Any]] | None:
        return self._tables

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        raise StoreError("The TinyDB view of the store is read-only; use Store.put() instead.")


class _ReadOnlyTable(Table):
    """A TinyDB table for searching only; writes go through the Store and its journal."""

    def _update_table(self, updater: Callable[[dict[int, Mapping[str, Any]]], None]) -> None:
        raise StoreError("The TinyDB view of the store is read-only; use Store.put() instead.")


class _MemoryDB(TinyDB):
    table_class = _ReadOnlyTable


class Txn:
    """Operations collected by ``Store.transaction()``; committed together or not at all.

    The store's exclusive lock is held (and the store caught up) for the whole ``with``
    block, so revisions and ``expect_rev`` checks are exact. Keep the block short.
    """

    def __init__(self, store: Store) -> None:
        self._store = store
        self._lines: list[jr.Line] = []
        self._overlay: dict[tuple[str, str], Record | None] = {}
        self._open = True
        self._ts: str | None = None

    def _stamp(self) -> str:
        """One time for the whole transaction: it commits as one event (and reading the
        clock per record was a measurable part of a 10,000-record pull)."""
        if self._ts is None:
            self._ts = self._store._now()
        return self._ts

    def _seq(self) -> int:
        """The sequence number the next line of this transaction will get (the lock is
        held and the store caught up, so it is exact): stored as ``_seq`` on the record,
        so "what changed since sequence N" (the team hub's pull) is one pass over the
        records, whatever checkpoints folded the journal since."""
        return self._store.last_seq + 1 + len(self._lines)

    def _current(self, table: str, id: str) -> Record | None:
        key = (table, id)
        if key in self._overlay:
            return self._overlay[key]
        return self._store._record(table, id)

    def _check(self) -> None:
        if not self._open:
            raise StoreError("This transaction has already finished; start a new one.")

    def get(self, table: str, id: str, *, include_deleted: bool = False) -> Record | None:
        """The record as it will be if this transaction commits."""
        rec = self._current(table, id)
        if rec is None or (rec.get("_deleted") and not include_deleted):
            return None
        return _copy(rec)

    def put(
        self,
        table: str,
        id: str,
        set: Mapping[str, Any],
        unset: Iterable[str] = (),
        *,
        expect_rev: int | None = None,
    ) -> Record:
        """Create or update (merge) a record; see ``Store.put``."""
        return _copy(self._put(table, id, set, unset, expect_rev))

    def write(self, table: str, id: str, set: Mapping[str, Any], unset: Iterable[str] = ()) -> None:
        """``put`` for batches that do not need the record back: it is not copied (a health
        record's history is a list of up to a year of points; copying each one back cost
        more than the write itself in a whole-book rescore)."""
        self._put(table, id, set, unset, None)

    def _put(
        self,
        table: str,
        id: str,
        set: Mapping[str, Any],
        unset: Iterable[str],
        expect_rev: int | None,
    ) -> Record:
        """``put``'s work; returns the stored record itself (callers must not change it)."""
        self._check()
        _check_name(table, id)
        cur = self._current(table, id)
        rev = int(cur.get("_rev", 0)) if cur is not None else 0
        if expect_rev is not None and expect_rev != rev:
            raise ConflictError(self._store._conflict_message(table, id, cur, expect_rev))
        fields = dict(set)
        if "id" in fields and fields.pop("id") != id:
            raise ValueError(f"The 'id' field must match the record id {id!r}.")
        for name in MANAGED_FIELDS:
            fields.pop(name, None)
        removed = list(dict.fromkeys(unset))
        for name in removed:
            if type(name) is not str or name in MANAGED_FIELDS:
                raise ValueError(f"Field {name!r} cannot be removed from a record.")
            if name in fields:
                raise ValueError(f"Field {name!r} is both set and removed in one put().")
        try:
            fields = orjson.loads(orjson.dumps(fields, default=_reject, option=_ENCODE_OPTIONS))
        except (orjson.JSONEncodeError, TypeError) as exc:
            raise TypeError(
                f"Record {table}/{id} can only hold plain JSON values (text, numbers, "
                f"true/false, null, lists and objects with text keys; dates as ISO text): "
                f"{exc}"
            ) from None
        if cur is not None:
            fields = {k: v for k, v in fields.items() if not _same(cur.get(k, _MISSING), v)}
            removed = [k for k in removed if k in cur]
            if cur.get("_deleted"):
                removed.append("_deleted")
            if not fields and not removed:
                return cur
        ts = self._stamp()
        fields.update(
            {"_rev": rev + 1, "_updated_at": ts, "_by": self._store.actor, "_seq": self._seq()}
        )
        new = dict(cur) if cur is not None else {"id": id}
        for name in removed:
            new.pop(name, None)
        new.update(fields)
        self._add(table, id, new, ts, fields, removed, delete=False)
        return new

    def update(self, table: str, id: str, mutate: Mutate) -> Record | None:
        """Read-modify-write one record inside this transaction; see ``Store.update``."""
        self._check()
        cur = self.get(table, id)
        new = mutate(None if cur is None else _copy(cur))
        if new is None:
            return cur
        new = dict(new)
        unset = [k for k in cur if k not in new and k not in MANAGED_FIELDS] if cur else []
        return self.put(table, id, new, unset)

    def delete(self, table: str, id: str) -> None:
        """Tombstone a record (no-op if missing or already deleted)."""
        self._check()
        _check_name(table, id)
        cur = self._current(table, id)
        if cur is None or cur.get("_deleted"):
            return
        ts = self._stamp()
        fields = {
            "_rev": int(cur.get("_rev", 0)) + 1,
            "_updated_at": ts,
            "_by": self._store.actor,
            "_seq": self._seq(),
        }
        new = {**cur, **fields, "_deleted": True}
        self._add(table, id, new, ts, fields, [], delete=True)

    def purge(self, table: str, id: str) -> None:
        """Remove a record for good (no-op if missing)."""
        self._check()
        _check_name(table, id)
        if self._current(table, id) is None:
            return
        self._add(table, id, None, self._stamp(), {}, [], delete=True, purge=True)

    def _add(
        self,
        table: str,
        id: str,
        new: Record | None,
        ts: str,
        fields: dict[str, Any],
        removed: list[str],
        *,
        delete: bool,
        purge: bool = False,
    ) -> None:
        line: jr.Line = {
            "ts": ts,
            "by": self._store.actor,
            "table": table,
            "id": id,
            "set": fields,
            "unset": removed,
            "delete": delete,
        }
        if purge:
            line["purge"] = True
        self._lines.append(line)
        self._overlay[(table, id)] = new


class ChunkedWriter:
    """Operations collected by ``Store.chunked()``, committed every ``chunk_size`` of them.

    Values are read when their chunk commits: do not change them after handing them over.
    """

    def __init__(self, store: Store, chunk_size: int) -> None:
        self._store = store
        self.chunk_size = chunk_size
        self._ops: list[Callable[[Txn], object]] = []
        self.committed = 0
        """Operations committed so far."""
        self.chunks = 0
        """Chunks committed so far."""

    def _add(self, op: Callable[[Txn], object]) -> None:
        self._ops.append(op)
        if len(self._ops) >= self.chunk_size:
            self.flush()

    def put(
        self,
        table: str,
        id: str,
        set: Mapping[str, Any],
        unset: Iterable[str] = (),
        *,
        expect_rev: int | None = None,
    ) -> None:
        """Create or update (merge) a record; see ``Store.put``."""
        _check_name(table, id)
        self._add(functools.partial(_txn_put, table, id, set, tuple(unset), expect_rev))

    def update(self, table: str, id: str, mutate: Mutate) -> None:
        """Read-modify-write a record when its chunk commits; see ``Store.update``."""
        _check_name(table, id)
        self._add(lambda txn: txn.update(table, id, mutate))

    def delete(self, table: str, id: str) -> None:
        """Tombstone a record; see ``Store.delete``."""
        _check_name(table, id)
        self._add(lambda txn: txn.delete(table, id))

    def purge(self, table: str, id: str) -> None:
        """Remove a record for good; see ``Store.purge``."""
        _check_name(table, id)
        self._add(lambda txn: txn.purge(table, id))

    def flush(self) -> None:
        """Commit what is collected now, as one transaction (the lock is held only for it)."""
        if not self._ops:
            return
        ops, self._ops = self._ops, []
        with self._store.transaction() as txn:
            for op in ops:
                op(txn)
        self.committed += len(ops)
        self.chunks += 1


def _txn_put(
    table: str,
    id: str,
    fields: Mapping[str, Any],
    unset: tuple[str, ...],
    expect_rev: int | None,
    txn: Txn,
) -> Record:
    return txn.put(table, id, fields, unset, expect_rev=expect_rev)


class _Missing:
    pass


_MISSING = _Missing()


@dataclass(frozen=True)
class Health:
    """What ``Store.diagnose()`` found: ``problems`` need someone to act (``cstui doctor``
    exits "unhealthy"); ``notes`` are things cstui repaired or will clean up itself."""

    problems: list[str]
    notes: list[str]

    @property
    def healthy(self) -> bool:
        """True when nothing needs doing (notes do not count)."""
        return not self.problems


@dataclass
class _Unparsed:
    """What a store knows of one unparsed table's records without parsing it: the records
    read one account (or one id) at a time and those created since the snapshot, kept
    current with the journal, so ``Store.account_records`` and lookups by id answer from
    them."""

    records: dict[str, Record | None] = field(default_factory=dict)
    """Record id -> the record as it is now (None: purged, or not in the table)."""
    lines: dict[str, list[jr.Line]] = field(default_factory=dict)
    """The journal lines since the snapshot, by record id, to bring a record read from the
    snapshot up to date."""
    accounts: dict[str, list[str]] = field(default_factory=dict)
    """Account -> the ids its slice listed (read once)."""
    elsewhere: set[str] = field(default_factory=set)
    """Ids in ``records`` whose account may not be their slice's (created or given
    another account since the snapshot)."""
    moved: bool = False
    """A record this store never read got another account since the snapshot: an
    account's records can only be found by parsing the table."""
    finds: int = 0
    """Lookups by id answered from the bytes (see ``FINDS_BEFORE_PARSE``)."""
    slice_reads: int = 0
    """Accounts read from their slices (see ``_SLICE_READS_BEFORE_PARSE``)."""

    def now(self, rid: str, snapshot: Record | None) -> Record | None:
        """Record ``rid`` as the snapshot holds it (None: not there) brought up to date
        with the journal lines since."""
        return None if snapshot is None else _replayed(snapshot, self.lines.get(rid, ()))

    def keep(self, rid: str, snapshot: Record | None) -> Record | None:
        """:meth:`now`, kept (later lookups and lines find it here); returned."""
        rec = self.now(rid, snapshot)
        if any("account_id" in line["set"] for line in self.lines.get(rid, ())):
            self.elsewhere.add(rid)
        self.records[rid] = rec
        return rec

    def follow(self, line: jr.Line) -> None:
        """Take a journal line into account (it is also kept for a later full parse)."""
        rid = line["id"]
        self.lines.setdefault(rid, []).append(line)
        if rid in self.records:
            self.records[rid] = _replayed(self.records[rid], (line,))
            if "account_id" in line["set"]:
                self.elsewhere.add(rid)  # not where its slice says
        elif not line.get("purge") and line["set"].get("_rev") == 1:
            # Created since the snapshot (an update of an older record has _rev >= 2), so
            # the lines alone make the whole record.
            self.records[rid] = _replayed(None, (line,))
            self.elsewhere.add(rid)
        elif "account_id" in line["set"]:
            self.moved = True


class Store:
    """Durable, multi-process-safe record store for one data folder. See the module doc.

    ``team``: open as a team folder (group modes, and the folder is marked as one). The
    folder is also a team folder when ``CSTUI_TEAM=1`` is set or the folder says so itself
    (``perms.is_team_folder``); ``self.team`` is the result. ``lock_timeout``: seconds to
    wait for another process's lock before ``LockTimeoutError`` (None: wait for ever).
    """

    def __init__(
        self,
        data_dir: Path | str,
        *,
        actor: str,
        team: bool = False,
        checkpoint_bytes: int = 16 * 1024 * 1024,
        close_checkpoint_bytes: int | None = None,
        clock: Callable[[], datetime] | None = None,
        migrations: Sequence[Callable[[dict[str, dict[str, dict[str, Any]]]], None]] | None = None,
        lock_timeout: float | None = DEFAULT_TIMEOUT,
        verify_later: bool = False,
    ) -> None:
        self.data_dir = Path(data_dir).expanduser().absolute()
        self.snapshot_path = self.data_dir / SNAPSHOT_NAME
        self.journal_path = self.data_dir / JOURNAL_NAME
        self.lock_path = self.data_dir / LOCK_NAME
        self.backups_dir = self.data_dir / BACKUPS_NAME
        self.actor = actor
        asked = team or perms.env_team()
        self.team = asked or perms.is_team_folder(self.data_dir)
        self.checkpoint_bytes = checkpoint_bytes
        self.close_checkpoint_bytes = (
            _close_checkpoint_bytes() if close_checkpoint_bytes is None else close_checkpoint_bytes
        )
        self._clock = clock or _utc_now
        self._migrations: Sequence[migrate.Migration] = (
            migrate.MIGRATIONS if migrations is None else migrations
        )
        self.warnings: list[str] = []
        """Problems found while opening or working (someone should act on them)."""
        self.notes: list[str] = []
        """Things cstui repaired or did by itself (a torn line cut, an upgrade): for the
        record, not a problem."""
        self.last_seq = 0
        self.schema = len(self._migrations)
        self.generation = 0
        self._data = _Tables(self._ensure)
        self._index: dict[str, dict[str, str]] = {}
        self._tombs: dict[str, int] = {}
        self._lazy: dict[str, snap.LazyTable] = {}
        """Tables still unparsed in the snapshot bytes."""
        self._pending: dict[str, list[jr.Line]] = {}
        """Journal lines for unparsed tables, applied when the table is parsed."""
        self._unparsed: dict[str, _Unparsed] = {}
        """What is known of unparsed tables' records without parsing them (see
        :class:`_Unparsed`)."""
        self._clean: dict[str, snap.LazyTable] = {}
        """Tables unchanged since the snapshot: a checkpoint copies their bytes."""
        self._db = _MemoryDB(storage=_LiveStorage, tables=self._data)
        self._table_names: set[str] = set()
        self._journal: jr.JournalFile | None = None
        self._torn_pending = False
        self._tail_seen: tuple[tuple[int, int], float] | None = None
        """A large unread tail (journal inode, offset) and when a poll first saw it."""
        self.deferred: float | None = None
        """After a ``poll(wait_for_fold=...)`` that left a large tail unread: the
        ``time.monotonic()`` at which a poll reads it anyway (poll again by then)."""
        self._mutex = threading.RLock()
        self._txn: Txn | None = None
        self._subscribers: list[Callback] = []
        self._closed = False
        self._ids = IdGenerator(self._clock)
        self._verify_later = verify_later
        """Open without reading the whole snapshot: its checksums are checked on a thread
        (:meth:`_verify`) while the first screen is drawn; writes wait for the result."""
        self._verified = threading.Event()
        self._verified.set()
        self._damage: str | None = None
        self._damage_told = False

        self._lock = FileLock(self.lock_path, team=self.team, timeout=lock_timeout)
        try:
            self._refuse_missing_snapshot()  # before anything is created
            if not perms.ensure_dir(self.data_dir, self.team):
                self.warnings.extend(perms.problems(self.data_dir, self.team))
            if asked:
                with contextlib.suppress(OSError):  # a folder we cannot write fails below
                    perms.write_marker(self.data_dir)
            perms.ensure_dir(self.backups_dir, self.team, group_of=self.data_dir)
            self._open()
        except OSError as exc:
            self._release_files()
            if storage_error_class(exc) is not StorageError:
                raise perms.storage_error(
                    exc, doing=Msg("store.doing.open"), outcome=_UNCHANGED, team=self.team
                ) from exc
            raise StoreError(
                f"cstui cannot use the data folder {self.data_dir}: {exc.strerror or exc}"
                f"{f' ({exc.filename})' if exc.filename else ''}. Check that it exists, that "
                f"it is a folder and that you may read and write it."
            ) from exc
        except BaseException:
            self._release_files()
            raise

    @contextlib.contextmanager
    def _disk(self, doing: Msg, outcome: Msg) -> Iterator[None]:
        """Turn an ``OSError`` from the disk into a typed ``StorageError`` with one sentence."""
        try:
            yield
        except OSError as exc:
            raise perms.storage_error(exc, doing=doing, outcome=outcome, team=self.team) from exc

    # ------------------------------------------------------------------ opening

    def _open(self) -> None:
        target = len(self._migrations)
        with self._lock.shared():
            if self.snapshot_path.exists():
                self._install(
                    snap.load(self.snapshot_path, team=self.team, verify=not self._verify_later)
                )
                self._check_schema()
                self._journal = jr.JournalFile.open(self.journal_path, self.team)
                self._catch_up(exclusive=False)
        if self.team:
            perms.heal(self.snapshot_path)
        if self._journal is None or self._torn_pending or self.schema != target:
            with self._lock.exclusive():
                if self._journal is None:
                    if self.snapshot_path.exists():
                        self._install(snap.load(self.snapshot_path, team=self.team))
                        self._check_schema()
                    else:
                        self._initialise()
                    self._journal = jr.JournalFile.open(self.journal_path, self.team)
                self._catch_up(exclusive=True)
                self._check_schema()
                if self.schema < target:
                    self._migrate()

    def _initialise(self) -> None:
        """Create the first (empty) snapshot of a new data folder (exclusive lock held)."""
        self._refuse_missing_snapshot()
        meta = snap.Meta(schema=len(self._migrations), last_seq=0, generation=0)
        payload, _ = snap.encode(meta, {})
        snap.write_atomic(self.snapshot_path, payload, self.team, backups=None)
        self._install(snap.Snapshot(meta=meta))

    def _refuse_missing_snapshot(self) -> None:
        """Never start a new empty database where a journal or backups show there was data.

        Checked before anything is created (and again under the lock): a snapshot is only
        ever replaced with ``os.replace``, so it is never missing while another process
        works, and a missing one means it was deleted or moved.
        """
        if self.snapshot_path.exists():
            return
        journal = self.journal_path.exists()
        backups = snap.list_backups(self.backups_dir)
        if not journal and not backups:
            return
        signs = []
        if journal:
            signs.append(f"the journal {self.journal_path}")
        if backups:
            noun = "backup" if len(backups) == 1 else "backups"
            signs.append(f"{len(backups)} {noun} in {self.backups_dir}")
        seen = " and ".join(signs)
        has_changes = journal and self.journal_path.stat().st_size > 0
        good = snap.newest_good_backup(self.backups_dir)
        if good is not None:
            keep = (
                f"move {self.journal_path} somewhere safe (it holds changes made after that "
                f"backup; keep it and ask for help to recover them), "
                if has_changes
                else ""
            )
            advice = (
                f"The newest good backup is {snap.describe_backup(good)}. To go back to it, "
                f"close every cstui window, {keep}copy the backup to {self.snapshot_path} and "
                f"start cstui again."
            )
        else:
            advice = (
                f"No backup in {self.backups_dir} holds any records. To start an empty data "
                f"folder on purpose, move {self.journal_path.name} and {self.backups_dir.name} "
                f"somewhere safe first; otherwise ask for help."
            )
        raise MissingSnapshotError(
            f"The data file {self.snapshot_path} is missing, but {seen} show this folder held "
            f"data, so cstui did not start and created nothing. {advice}"
        )

    def _check_schema(self) -> None:
        if self.schema > len(self._migrations):
            raise StoreError(
                f"The data in {self.data_dir} was saved by a newer version of cstui (data "
                f"version {self.schema}; this version knows up to {len(self._migrations)}). "
                f"Update cstui to open it."
            )

    def _start_verifying(self, s: snap.Snapshot) -> None:
        """Check an unverified snapshot's checksums on a thread (see :meth:`_verify`)."""
        if s.unverified:
            self._verified = threading.Event()
            threading.Thread(
                target=self._verify, args=(list(s.lazy.values()),), daemon=True
            ).start()

    def _adopt(self) -> bool:
        """Another process checkpointed exactly the state held here (caught up, lock held):
        let the unparsed tables read the new file, which holds their waiting journal lines
        (a teammate's rescore left 40,000 of them in memory here), and every table be
        copied from it at the next checkpoint. False: the file has no layout to read tables
        from (rewritten by other code), and what is held here is kept."""
        fresh = snap.load(self.snapshot_path, team=self.team, verify=not self._verify_later)
        if not fresh.lazy:
            return False
        self._start_verifying(fresh)
        for name in list(self._lazy):
            self._lazy[name] = fresh.lazy.get(name, self._lazy[name])
        self._clean = dict(fresh.lazy)
        waiting = sum(map(len, self._pending.values()))
        self._pending = {}
        # The records read stay (they are current); where they lie, the new file says.
        self._unparsed = {
            name: _Unparsed(records=known.records)
            for name, known in self._unparsed.items()
            if name in self._lazy
        }
        if waiting > _MANY_CHANGES:
            give_back_memory()  # the lines a teammate's rescore left waiting
        return True

    def _install(self, s: snap.Snapshot) -> None:
        """Make ``s`` the in-memory state (the dict TinyDB reads is kept, emptied, refilled)."""
        self._start_verifying(s)
        self._data.clear()
        self._data.update(s.tables)
        self._index = s.index
        self._tombs = s.tombstones
        self._lazy = dict(s.lazy)
        self._pending = {}
        self._unparsed = {}
        self._clean = dict(s.lazy)
        self.last_seq = s.meta.last_seq
        self.schema = s.meta.schema
        self.generation = s.meta.generation
        for name in self._table_names:
            self._db.table(name).clear_cache()

    def _ensure(self, name: str) -> bool:
        """Parse table ``name`` if it is still unparsed; return whether it exists now."""
        with self._mutex:
            lazy = self._lazy.get(name)
            if lazy is None:
                return dict.__contains__(self._data, name)
            self._check_open()
            try:
                docs, ids, tombs = lazy.load()
            except snap.InvalidSnapshot as exc:
                raise snap.corrupt(self.snapshot_path, str(exc)) from None
            del self._lazy[name]
            self._unparsed.pop(name, None)
            dict.__setitem__(self._data, name, docs)
            self._index[name] = ids
            self._tombs[name] = tombs
            for line in self._pending.pop(name, []):
                self._apply_to_table(line)
            return True

    def _ensure_all(self) -> None:
        for name in list(self._lazy):
            self._ensure(name)

    def _docs(self, name: str) -> snap.Docs | None:
        if name in self._lazy:
            self._ensure(name)
        return dict.get(self._data, name)

    def _migrate(self) -> None:
        """Run pending migrations (exclusive lock held, caught up), backup first."""
        start, target = self.schema, len(self._migrations)
        self._ensure_all()
        payload, _ = snap.encode(snap.Meta(start, self.last_seq, self.generation), self._data)
        backup = snap.write_backup(
            self.backups_dir, payload, self.generation, f"before-v{target}", self.team
        )
        raw = {name: {rec["id"]: rec for rec in docs.values()} for name, docs in self._data.items()}
        try:
            migrate.run(raw, self._migrations, start)
        except Exception as exc:
            # Only the exception's type: its text may quote a record (customer data).
            raise StoreError(
                f"Upgrading the data in {self.data_dir} from version {start} to {target} "
                f"failed ({type(exc).__name__}). Nothing on disk was changed; a backup is in "
                f"{backup}."
            ) from None
        tables: snap.Tables = {}
        next_seq = self.last_seq
        for name, recs in raw.items():
            if not isinstance(name, str) or not isinstance(recs, dict):
                raise StoreError(f"A migration produced an invalid table {name!r}.")
            old = self._index.get(name, {})
            docs: dict[str, Record] = {}
            for rid, rec in recs.items():
                if not isinstance(rid, str) or not rid or not isinstance(rec, dict):
                    raise StoreError(f"A migration produced an invalid record {name}/{rid!r}.")
                rec["id"] = rid
                key = old.get(rid)
                if key is None:  # a new record: give it a doc id no journal line can use
                    next_seq += 1
                    key = str(next_seq)
                docs[key] = rec
            tables[name] = docs
        try:
            payload, _ = snap.encode(snap.Meta(target, next_seq, self.generation), tables)
            migrated = snap.parse(payload)
        except (TypeError, snap.InvalidSnapshot) as exc:
            raise StoreError(
                f"Upgrading the data in {self.data_dir} from version {start} to {target} "
                f"produced invalid data ({type(exc).__name__}). Nothing on disk was changed; a "
                f"backup is in {backup}."
            ) from None
        self._install(migrated)
        self._write_checkpoint()
        self.notes.append(
            f"Upgraded the data in {self.data_dir} from version {start} to {target}; the data "
            f"as it was before is saved in {backup}."
        )

    # ------------------------------------------------------------------ reading

    def new_id(self) -> str:
        """A new record id: a 26-character ULID, unique across processes, sortable by time."""
        return self._ids()

    def _record(self, table: str, id: str, *, keep: bool = True) -> Record | None:
        lazy = self._lazy.get(table)
        if lazy is not None:
            known = self._unparsed.setdefault(table, _Unparsed())
            if id in known.records:
                return known.records[id]
            self._check_open()
            try:
                decided, rec = lazy.listed(id)
            except snap.InvalidSnapshot as exc:
                raise snap.corrupt(self.snapshot_path, str(exc)) from None
            if decided:
                return known.keep(id, rec) if keep else known.now(id, rec)
            if known.finds < FINDS_BEFORE_PARSE:
                known.finds += 1
                with contextlib.suppress(KeyError):
                    return known.keep(id, lazy.find(id))
        docs = self._docs(table)
        if docs is None:
            return None
        key = self._index[table].get(id)
        return None if key is None else docs[key]

    def get(self, table: str, id: str, *, include_deleted: bool = False) -> Record | None:
        """A copy of one record, or None (also None for a tombstone unless asked)."""
        with self._mutex:
            rec = self._record(table, id)
            if rec is None or (rec.get("_deleted") and not include_deleted):
                return None
            return _copy(rec)

    def all(self, table: str, *, include_deleted: bool = False) -> list[Record]:
        """Copies of all records of a table, in creation order."""
        with self._mutex, snap.gc_paused():
            docs = (self._docs(table) or {}).values()
            if include_deleted:
                return [_copy(rec) for rec in docs]
            return [_copy(rec) for rec in docs if not rec.get("_deleted")]

    def account_records(self, table: str, account_id: str) -> list[Record] | None:
        """The live records of ``account_id`` in a table not parsed yet, read from their
        places in the snapshot and brought up to date with the journal, without parsing
        the table; None when the table is parsed already (use an index over it) or the
        snapshot cannot tell (then the caller parses the table). Read them, never mutate
        them.
        """
        with self._mutex:
            lazy = self._lazy.get(table)
            if lazy is None:
                return None
            known = self._unparsed.setdefault(table, _Unparsed())
            if known.moved:
                return None
            self._check_open()
            if account_id not in known.accounts:
                known.slice_reads += 1
                if known.slice_reads > _SLICE_READS_BEFORE_PARSE:
                    return None  # a pass over the book: parsing the table once is cheaper
                try:
                    base = lazy.records_of(account_id)
                except snap.InvalidSnapshot as exc:
                    raise snap.corrupt(self.snapshot_path, str(exc)) from None
                if base is None:
                    return None
                for rec in base:
                    if rec["id"] not in known.records:
                        known.keep(rec["id"], rec)
                known.accounts[account_id] = [rec["id"] for rec in base]
            ids = dict.fromkeys(known.accounts[account_id] + list(known.elsewhere))
            found = [known.records.get(rid) for rid in ids]
            return [
                one
                for one in found
                if one is not None
                and one.get("account_id") == account_id
                and not one.get("_deleted")
            ]

    def peek_loaded(self, table: str, id: str) -> Record | None:
        """``peek(include_deleted=True)`` if the record is in memory (its table parsed, or
        the record read on its own), else None without reading anything: for change
        handling, where a record this process never read can have shaped nothing it
        shows (a teammate's rescore changed 40,000 alerts; looking each up parsed them)."""
        with self._mutex:
            if table in self._lazy:
                known = self._unparsed.get(table)
                return None if known is None else known.records.get(id)
            return self._record(table, id)

    def peek(
        self, table: str, id: str, *, include_deleted: bool = False, keep: bool = True
    ) -> Record | None:
        """The live record itself, not a copy (None for a tombstone unless asked): read it,
        never mutate it.

        For building models, which copy the data anyway (``get`` would copy it twice), and
        for change handling, where copying a record's long history per change was the cost.
        ``keep=False``: a record of an unparsed table read from its place in the file is
        not kept (a teammate's rescore changes every health summary: the portfolio's rows
        read each once, and keeping them all was the table again).
        """
        with self._mutex:
            rec = self._record(table, id, keep=keep)
            return None if rec is None or (rec.get("_deleted") and not include_deleted) else rec

    def scan(self, table: str) -> Iterator[Record]:
        """The live records of a table themselves, not copies: read them, never mutate them.

        For whole-table passes on hot paths (the portfolio of 50,000 accounts), where
        copying every record would cost more than the work itself. Iterates over a snapshot of
        the table's documents, so writes made meanwhile do not break the iteration.
        """
        with self._mutex:
            docs = list((self._docs(table) or {}).values())
        return (rec for rec in docs if not rec.get("_deleted"))

    def stream(self, table: str, *, include_deleted: bool = False) -> Iterator[Record]:
        """The live records of a table as :meth:`scan` gives them (read them, never mutate
        them), but an unparsed table stays unparsed: its records are parsed for this pass
        and let go after it. For a pass whose result is all that is kept (the portfolio's
        rows: at 50,000 accounts, the accounts and health tables held 185 MB after it).
        Records created since the snapshot come last, in the order they were created.
        ``include_deleted``: the tombstones too."""
        with self._mutex:
            lazy = self._lazy.get(table)
            if lazy is None:
                if include_deleted:
                    return iter(list((self._docs(table) or {}).values()))
                return self.scan(table)
            self._check_open()
            known = self._unparsed.get(table) or _Unparsed()
            current = dict(known.records)
            lines = {rid: list(mine) for rid, mine in known.lines.items()}
        return self._streamed(lazy, current, lines, include_deleted)

    def snapshot_version(self, table: str) -> str | None:
        """What identifies a table's records as the snapshot file holds them (its length,
        CRC-32 and highest ``_seq``: the same for the same bytes, whichever checkpoint or
        copy wrote them), for data derived from them and kept elsewhere (the portfolio's
        rows between runs). None when the table was parsed and changed since, or the file's
        layout is unknown."""
        with self._mutex:
            lazy = self._lazy.get(table) or self._clean.get(table)
            if lazy is None or lazy.max_seq is None:
                return None
            return f"{lazy.end - lazy.start}:{lazy.crc:08x}:{lazy.max_seq}"

    def changed_since_snapshot(self, table: str) -> set[str] | None:
        """Ids of an unparsed table's records that may differ from the snapshot file's:
        those the journal changed or created since it, and those read and kept here (a
        superset); none for a table parsed exactly as the file holds it; None when a
        parsed table changed since (it cannot tell which)."""
        with self._mutex:
            if table not in self._lazy:
                return set() if table in self._clean else None
            known = self._unparsed.get(table)
            return set() if known is None else {*known.records, *known.lines}

    def _streamed(
        self,
        lazy: snap.LazyTable,
        current: dict[str, Record | None],
        lines: dict[str, list[jr.Line]],
        include_deleted: bool = False,
    ) -> Iterator[Record]:
        """:meth:`stream`'s records: the snapshot's, each as this store knows it now."""
        try:
            for rec in lazy.records():
                rid = rec["id"]
                now: Record | None = rec
                if rid in current:
                    now = current[rid]
                elif rid in lines:
                    now = _replayed(rec, lines[rid])
                lines.pop(rid, None)
                if now is not None and (include_deleted or not now.get("_deleted")):
                    yield now
        except snap.InvalidSnapshot as exc:
            raise snap.corrupt(self.snapshot_path, str(exc)) from None
        for rid, created in lines.items():
            now = current[rid] if rid in current else _replayed(None, created)
            if now is not None and (include_deleted or not now.get("_deleted")):
                yield now

    def release(self, tables: Iterable[str]) -> list[str]:
        """Forget the parsed records of these tables where they are exactly as in the
        snapshot file (no change since), so they are read from it again when needed; return
        the tables released. After a whole-book pass (the daily rescore parses every table:
        1.9 GB at 50,000 accounts) the process goes back to what its screens need."""
        released: list[str] = []
        with self._mutex:
            if self._txn is not None:
                return released
            for name in tables:
                clean = self._clean.get(name)
                if clean is None or name in self._lazy or not dict.__contains__(self._data, name):
                    continue
                dict.__delitem__(self._data, name)
                self._index.pop(name, None)
                self._tombs.pop(name, None)
                self._unparsed.pop(name, None)
                self._lazy[name] = clean
                if name in self._table_names:
                    self._db.table(name).clear_cache()
                released.append(name)
        if released:
            give_back_memory()
        return released

    def count(self, table: str) -> int:
        """Number of live (not tombstoned) records, in O(1)."""
        with self._mutex:
            return len(self._docs(table) or {}) - self._tombs.get(table, 0)

    def read_slices(self) -> None:
        """Decode where each account's records lie in every unparsed table, ahead of the
        first account opened (~20 ms at 50,000 accounts; compact arrays, no measurable
        memory): for a background thread once the first screen is up. Damaged slices are
        left for the read that needs them to report."""
        with self._mutex:
            if self._closed:
                return
            for lazy in list(self._lazy.values()):
                slices = lazy.account_slices()
                if slices is not None:
                    with contextlib.suppress(snap.InvalidSnapshot):
                        slices.decode()

    def size_hint(self, table: str) -> int:
        """About how many records a table holds, for choosing how to run a pass over it
        (not for showing): without parsing it when its slices list every record by id
        (``snapshot.OWN_SLICES``), counting tombstones and records created since."""
        with self._mutex:
            lazy = self._lazy.get(table)
            if lazy is not None and snap.slice_key(table) == "id":
                slices = lazy.account_slices()
                if slices is not None:
                    made = (line for line in self._pending.get(table, ()) if not line.get("purge"))
                    return len(slices) + sum(1 for line in made if line["set"].get("_rev") == 1)
        return self.count(table)

    def tables(self) -> list[str]:
        """Names of the tables that hold or held records."""
        with self._mutex:
            return sorted({*self._data, *self._lazy})

    def table(self, name: str) -> Table:
        """TinyDB table for ``Query`` searches (read-only; includes tombstones, which have
        ``_deleted``: add ``~where('_deleted').exists()`` to skip them).

        Search results share nested values with the store: do not mutate them. Searches are
        not synchronised with writes made from other threads; search on the thread that
        writes and polls (the UI's event loop).
        """
        with self._mutex:
            self._table_names.add(name)
            return self._db.table(name)

    @contextlib.contextmanager
    def quiet(self, timeout: float) -> Iterator[bool]:
        """Yield True with no operation of this store running in this process and none
        starting until the block ends (so it holds no lock on the folder meanwhile), or
        False if one did not end within ``timeout`` seconds. For stopping the process
        (Ctrl+Z): a stopped process must not keep its teammates waiting on the folder."""
        if not self._mutex.acquire(timeout=timeout):
            yield False
            return
        try:
            yield True
        finally:
            self._mutex.release()

    def named_lock(self, name: str) -> NamedLock:
        """A non-blocking lock on ``<data dir>/<name>.lock``, e.g. ``named_lock("sync")`` so
        only one sync runs per data folder (``with store.named_lock("sync"): ...`` raises
        ``LockBusyError`` naming the holder when another process has it)."""
        if not name.isidentifier():
            raise ValueError(f"Lock names must be simple words: {name!r}")
        return NamedLock(self.data_dir / f"{name}.lock", purpose=name, team=self.team)

    def changed_since(
        self, seq: int, tables: Iterable[str] | None = None
    ) -> list[tuple[str, Record]]:
        """``(table, copy)`` of every record (tombstones included) whose ``_seq`` is above
        ``seq``, in ``_seq`` order: what changed since then, whatever checkpoints folded the
        journal meanwhile. Purged records are gone and not reported. Records written before
        ``_seq`` existed count as ``_seq`` 0. A table still unparsed whose snapshot layout
        and pending journal lines show nothing above ``seq`` is skipped without parsing it
        (a hub sync reads the few tables with changes, not 220 MB of JSON)."""
        with self._mutex, snap.gc_paused():
            found: list[tuple[int, str, Record]] = []
            for name in sorted({*self._data, *self._lazy} if tables is None else set(tables)):
                if not self._may_have_changed(name, seq):
                    continue
                for rec in (self._docs(name) or {}).values():
                    at = rec.get("_seq", 0)
                    if at > seq:
                        found.append((at, name, rec))
            found.sort(key=lambda item: item[0])
            return [(name, _copy(rec)) for _, name, rec in found]

    def tables_changed_since(self, seq: int, tables: Iterable[str] | None = None) -> list[str]:
        """The tables holding a record whose ``_seq`` is above ``seq`` (purges aside, which
        may add a table whose record is gone): what ``changed_since(seq)`` will read, so a
        sync can load those tables ahead. An unparsed table is answered from the snapshot's
        layout and its waiting journal lines without parsing it, when the layout knows.
        ``tables``: of those only (a parsed table is read record by record)."""
        with self._mutex:
            found: list[str] = []
            names = {*self._data, *self._lazy}
            for name in sorted(names if tables is None else names.intersection(tables)):
                if name in self._lazy:
                    if self._may_have_changed(name, seq):
                        found.append(name)
                elif any(
                    rec.get("_seq", 0) > seq for rec in dict.__getitem__(self._data, name).values()
                ):
                    found.append(name)
            return found

    def _may_have_changed(self, name: str, seq: int) -> bool:
        """Whether table ``name`` may hold a record with ``_seq`` above ``seq``. For an
        unparsed table the snapshot's layout (its highest ``_seq``) and the journal lines
        waiting for it answer without parsing; otherwise (or when unknown): maybe."""
        lazy = self._lazy.get(name)
        if lazy is None or lazy.max_seq is None or lazy.max_seq > seq:
            return True
        waiting = self._pending.get(name)
        return waiting is not None and bool(waiting) and waiting[-1]["seq"] > seq

    def export_files(self) -> tuple[bytes, bytes]:
        """The snapshot and journal files' bytes, read as a consistent pair (shared lock).

        Copied into an empty folder they open as this store at ``last_seq`` of the pair:
        how ``cstui clone`` copies a team folder at the speed of copying files.
        """
        with (
            self._mutex,
            self._disk(Msg("store.doing.read_files"), _UNCHANGED),
            self._lock.shared(),
        ):
            return self.snapshot_path.read_bytes(), self.journal_path.read_bytes()

    @property
    def closed(self) -> bool:
        """Whether ``close()`` was called."""
        return self._closed

    # ------------------------------------------------------------------ writing

    def _now(self) -> str:
        now = self._clock()
        now = now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)
        return now.isoformat(timespec="milliseconds").replace("+00:00", "Z")

    def _conflict_message(self, table: str, id: str, cur: Record | None, expected: int) -> str:
        if cur is None:
            return (
                f"Record {table}/{id} no longer exists (it was removed while you were editing); "
                f"nothing was saved."
            )
        return (
            f"Record {table}/{id} was changed by {cur.get('_by', 'someone')} at "
            f"{cur.get('_updated_at', 'an unknown time')} while you were editing it (version "
            f"{cur.get('_rev', 0)}, you started from version {expected}); nothing was saved. "
            f"Reload it and try again."
        )

    def put(
        self,
        table: str,
        id: str,
        set: Mapping[str, Any],
        unset: Iterable[str] = (),
        *,
        expect_rev: int | None = None,
    ) -> Record:
        """Create or update a record by merging ``set`` and removing ``unset``; return it.

        Only fields whose value really changes are written; if nothing changes, nothing is
        committed and ``_rev`` stays. A put on a tombstone brings the record back.
        ``expect_rev`` (0 = "must not exist") raises ``ConflictError`` if the record moved on.
        Store-managed fields in ``set`` are ignored.
        """
        with self.transaction() as txn:
            return txn.put(table, id, set, unset, expect_rev=expect_rev)

    def delete(self, table: str, id: str) -> None:
        """Tombstone a record: it keeps ``_deleted=True`` (hidden from reads) until ``purge``."""
        with self.transaction() as txn:
            txn.delete(table, id)

    def purge(self, table: str, id: str) -> None:
        """Remove a record for good (after its deletion has been synced)."""
        with self.transaction() as txn:
            txn.purge(table, id)

    @contextlib.contextmanager
    def transaction(self, *, quiet: bool = False) -> Iterator[Txn]:
        """Group operations into one atomic commit (one write, one fsync).

        If the block raises, nothing is written. Batch lines share an ``op_id`` and carry
        ``n``/``of``, so a batch cut short by a crash is dropped as a whole on replay.
        ``quiet``: the subscribers are not told of this commit (a process that writes and
        exits, the daily rescore's child: telling its caches of 90,000 changes was 4 % of
        its work at 50,000 accounts, for nobody).
        """
        changes: list[Change] = []
        committed = False
        with self._mutex:
            self._check_writable()
            with self._disk(_SAVE, _NOT_SAVED):
                self._lock.acquire()
            try:
                with self._disk(Msg("store.doing.read_before_saving"), _NOT_SAVED):
                    changes = self._catch_up(exclusive=True)
                txn = Txn(self)
                self._txn = txn
                try:
                    yield txn
                finally:
                    self._txn = None
                    txn._open = False
                if txn._lines:
                    changes.extend(self._commit(txn._lines, notify=not quiet))
                    committed = True
            finally:
                self._lock.release()
                self._notify(changes)
            if committed:
                self._maybe_checkpoint()

    def update(self, table: str, id: str, mutate: Mutate) -> Record | None:
        """Read-modify-write one record safely against other processes; return the result.

        Under the exclusive write lock, the store first catches up with the journal (so it
        sees every edit other processes committed), then calls ``mutate`` with a copy of the
        fresh record (None if it does not exist or is deleted) and commits what it returns
        in the same locked section. ``mutate`` returns the whole record as it should be
        (usually its argument, edited; fields left out are removed) or None to change
        nothing. It must be quick and must not touch the store: the lock is held.

        This is how to change one item of a list field: two processes ticking different
        items of one plan both keep their tick. For several records at once, use
        ``transaction()`` and ``Txn.get``/``Txn.update``, which give the same guarantee.
        """
        with self.transaction() as txn:
            return txn.update(table, id, mutate)

    @contextlib.contextmanager
    def chunked(self, chunk_size: int = 500) -> Iterator[ChunkedWriter]:
        """Write many records in commits of ``chunk_size`` operations (imports, bulk loads).

        Unlike ``transaction()``, the lock is held only while each chunk commits, so other
        processes can commit between chunks instead of waiting for the whole load. Each chunk
        is atomic; the load as a whole is not: chunks committed before an error stay, and
        operations not committed yet when the block raises are dropped.
        """
        if chunk_size < 1:
            raise ValueError("chunk_size must be at least 1")
        with self._mutex:
            self._check_writable()
        writer = ChunkedWriter(self, chunk_size)
        try:
            yield writer
        except BaseException:
            writer._ops.clear()
            raise
        writer.flush()

    def _verify(self, tables: list[snap.LazyTable]) -> None:
        """Check every table's checksum (a thread: reading and CRC-32 release the GIL)."""
        try:
            books = {id(t.book): t.book for t in tables if t.book is not None}  # one per file
            for table in [*tables, *(book.entry for book in books.values())]:
                table.verify()
        except snap.InvalidSnapshot as exc:
            if not self._closed:
                self._damage = str(exc)
        finally:
            self._verified.set()

    def _check_verified(self) -> None:
        """Wait for the checksums of a snapshot opened with ``verify_later``; raise
        ``CorruptSnapshotError`` if they failed (nothing was written: the file is kept)."""
        self._verified.wait()
        if self._damage is not None:
            self._damage_told = True
            raise snap.corrupt(self.snapshot_path, self._damage)

    def _check_open(self) -> None:
        """Records not read yet cannot be read once the store is closed (its files are)."""
        if self._closed:
            raise StoreError(f"The store for {self.data_dir} is closed; reopen it to read more.")

    def _check_writable(self) -> None:
        if self._closed:
            raise StoreError(f"The store for {self.data_dir} is closed; reopen it to make changes.")
        self._check_verified()
        if self._txn is not None:
            raise StoreError(
                "A transaction is open on this store; make changes through it, or finish it first."
            )

    def _commit(self, lines: list[jr.Line], *, notify: bool = True) -> list[Change]:
        """Append ``lines`` as one batch and fsync (exclusive lock held, caught up); the
        changes to tell the subscribers (none with ``notify=False``)."""
        assert self._journal is not None
        op_id = self.new_id()
        total = len(lines)
        first = self.last_seq + 1
        full: list[jr.Line] = []
        for i, line in enumerate(lines):
            entry: jr.Line = {"seq": first + i, "op_id": op_id, **line}
            if total > 1:
                entry["n"] = i + 1
                entry["of"] = total
            full.append(entry)
        data = b"".join(jr.encode(entry) for entry in full)
        try:
            self._journal.append(data, total)
        except OSError as exc:
            if exc.filename is None:
                exc.filename = str(self.journal_path)
            raise perms.storage_error(exc, doing=_SAVE, outcome=_NOT_SAVED, team=self.team) from exc
        # Apply what is on disk (parsed back), exactly as a replay would.
        for raw in data.split(b"\n")[:-1]:
            self._apply_line(orjson.loads(raw))
        if not self._subscribers or not notify:
            return []  # nobody listens: skip building the notifications
        return [self._change(entry, local=True) for entry in full]

    # ------------------------------------------------------------------ applying

    def _apply_line(self, line: jr.Line) -> None:
        table = line["table"]
        self._clean.pop(table, None)
        if table in self._lazy:
            self._pending.setdefault(table, []).append(line)
            self._track_pending(table, line)
        else:
            self._apply_to_table(line)
            if table in self._table_names:
                self._db.table(table).clear_cache()
        self.last_seq = line["seq"]

    def _track_pending(self, table: str, line: jr.Line) -> None:
        """Keep what is known of an unparsed table's records current with a journal line."""
        self._unparsed.setdefault(table, _Unparsed()).follow(line)

    def _apply_to_table(self, line: jr.Line) -> None:
        table, rid = line["table"], line["id"]
        docs = dict.get(self._data, table)
        if docs is None:
            docs = {}
            dict.__setitem__(self._data, table, docs)
            self._index[table] = {}
            self._tombs[table] = 0
        ids = self._index[table]
        key = ids.get(rid)
        if line.get("purge"):
            if key is not None:
                rec = docs.pop(key)
                del ids[rid]
                if rec.get("_deleted"):
                    self._tombs[table] -= 1
        else:
            if key is None:
                key = str(line["seq"])
                if key in docs:  # only possible with a hand-made snapshot
                    key = str(max(map(int, docs)) + 1)
                rec = docs[key] = {"id": rid}
                ids[rid] = key
                was_deleted = False
            else:
                rec = docs[key]
                was_deleted = bool(rec.get("_deleted"))
            _apply_fields(rec, line)
            now_deleted = bool(rec.get("_deleted"))
            if now_deleted != was_deleted:
                self._tombs[table] += 1 if now_deleted else -1

    @staticmethod
    def _change(line: jr.Line, *, local: bool, fields: dict[str, Any] | None = None) -> Change:
        """The change a line made; ``fields``: what it gives of the fields set instead of
        them all (and nothing of those removed: see :meth:`_named`)."""
        return Change(
            seq=line["seq"],
            op_id=line["op_id"],
            ts=line["ts"],
            by=line["by"],
            table=line["table"],
            id=line["id"],
            set=line["set"] if fields is None else fields,
            unset=line["unset"] if fields is None else [],
            delete=line["delete"],
            local=local,
            purge=bool(line.get("purge", False)),
        )

    def _apply_scan(self, result: jr.Scan) -> list[Change]:
        assert self._journal is not None
        changes: list[Change] = []
        for group in result.groups:
            first, last = group[0]["seq"], group[-1]["seq"]
            if last <= self.last_seq:
                continue  # already in the snapshot (crash between snapshot and journal swap)
            if first != self.last_seq + 1 or last != first + len(group) - 1:
                raise StoreError(
                    said(
                        "store.journal.gap",
                        journal=self.journal_path,
                        first=str(first),
                        snapshot=self.snapshot_path,
                        last=str(self.last_seq),
                    )
                )
            for line in group:
                self._apply_line(line)
                changes.append(self._change(line, local=False))
        self._journal.consume(result)
        return changes

    def _catch_up(self, *, exclusive: bool) -> list[Change]:
        """Apply other processes' new lines, following journal generations (lock held).

        With the exclusive lock, an unfinished tail is cut (it can only be a crash's
        leftover, since writers hold the lock while appending) and a warning recorded.
        """
        assert self._journal is not None
        changes: list[Change] = []
        while True:
            reload = skipped = False
            if self._replaced():
                reload, skipped = self._apply_replaced(changes)
                self._torn_pending = False
            else:
                result = self._journal.read_new()
                changes.extend(self._apply_scan(result))
                self._torn_pending = result.torn
                if result.torn and exclusive:
                    self._journal.cut(result.end)
                    self._torn_pending = False
                    what = "line" if result.torn_lines == 1 else "lines"
                    self.notes.append(
                        f"Recovered from an interrupted write: cut {result.torn_lines} "
                        f"incomplete {what} at the end of {self.journal_path.name}."
                    )
            try:
                inode = os.stat(self.journal_path).st_ino
            except FileNotFoundError:
                if exclusive:  # someone deleted it: save what we have, start a new one
                    self._write_checkpoint()
                break
            if inode == self._journal.inode:
                break
            # Another process checkpointed and started a new journal generation. We have
            # read the old one to its end (it is complete: the checkpointer caught up).
            meta = snap.read_meta(self.snapshot_path)
            old, self._journal = self._journal, jr.JournalFile.open(self.journal_path, self.team)
            old.close()
            if reload or meta.last_seq > self.last_seq or meta.schema != self.schema:
                changes.extend(self._reload())
            elif not self._adopt() and skipped:
                changes.extend(self._reload())  # the lines left out are only in that file
            self.generation = meta.generation
        return changes

    def _replaced(self) -> bool:
        """Whether another process replaced the journal this one reads (a checkpoint)."""
        assert self._journal is not None
        try:
            return os.stat(self.journal_path).st_ino != self._journal.inode
        except FileNotFoundError:
            return False

    def _apply_replaced(self, changes: list[Change]) -> tuple[bool, bool]:
        """Apply the rest of a journal generation another process replaced, a piece at a
        time, adding its changes to ``changes`` (lock held). Returns whether the newer
        snapshot must be read whole instead (:meth:`_reload`), and whether lines were
        left out (then it must be read, whole or its tables, before anything else).

        Nothing is appended to a replaced journal and the checkpointer that replaced it
        had read it to its end, so the newer snapshot holds every line. The lines of tables
        this process has not parsed are therefore not kept for a later parse (the
        snapshot adopted next has them), and their changes carry only the record's
        ``account_id`` of the fields set (and no ``unset``; a record this process had read
        gives its account, as before): a teammate's rescore, ~90,000 lines at 50,000
        accounts, was held parsed whole in every open app (a 310 MB peak at the moment it
        landed). A line that cannot be read there (a damaged or unfinished end) leaves the
        rest to the newer snapshot, which holds it.
        """
        assert self._journal is not None
        skipped: set[str] = set()
        try:
            for line in self._journal.read_replaced():
                seq = line["seq"]
                if seq <= self.last_seq:
                    continue  # already in the snapshot (crash between snapshot and journal swap)
                if seq != self.last_seq + 1:
                    return True, bool(skipped)  # not where this process is: the snapshot is
                table = line["table"]
                if table not in self._lazy:
                    self._apply_line(line)
                    changes.append(self._change(line, local=False))
                    continue
                if table not in skipped:
                    skipped.add(table)
                    self._clean.pop(table, None)
                self.last_seq = seq
                changes.append(self._named(line))
        except JournalCorruptError:
            return True, bool(skipped)  # the newer snapshot holds what the damaged lines said
        finally:
            for table in skipped:  # what it knew of their records is older than the lines
                self._unparsed.pop(table, None)
        return False, bool(skipped)

    def _named(self, line: jr.Line) -> Change:
        """The change of a line not kept (see :meth:`_apply_replaced`): its fields set are
        left out but the record's account, from the line or as this process knew it."""
        account = line["set"].get("account_id")
        if account is None:
            known = self._unparsed.get(line["table"])
            record = None if known is None else known.records.get(line["id"])
            account = None if record is None else record.get("account_id")
        return self._change(
            line, local=False, fields={} if account is None else {"account_id": account}
        )

    def _reload(self) -> list[Change]:
        """Replace memory with the snapshot and report differences as changes (lock held).

        Only the tables whose bytes changed are parsed, old and new, to compare them: a
        table this process left unparsed stays so (at 50,000 accounts every other
        process's checkpoint parsed the whole book before, 2 GB in each process).
        """
        fresh = snap.load(self.snapshot_path, team=self.team)
        same = {
            name
            for name, table in fresh.lazy.items()
            if (clean := self._clean.get(name)) is not None and clean.crc == table.crc
        }
        changed = {*self._data, *self._lazy, *fresh.tables, *fresh.lazy} - same
        for name in changed:
            self._ensure(name)
        old_data = {name: dict(docs) for name, docs in self._data.items() if name in changed}
        old_index = {name: ids for name, ids in self._index.items() if name in changed}
        self._install(fresh)
        self._check_schema()
        for name in changed:
            self._ensure(name)
        changes: list[Change] = []
        for name in sorted(changed):
            before_ids, after_ids = old_index.get(name, {}), self._index.get(name, {})
            for rid in list(before_ids) + [r for r in after_ids if r not in before_ids]:
                before = old_data[name][before_ids[rid]] if rid in before_ids else None
                after = self._data[name][after_ids[rid]] if rid in after_ids else None
                if before == after:
                    continue
                source = after or before or {}
                prev = before or {}
                changes.append(
                    Change(
                        seq=self.last_seq,
                        op_id="reload",
                        ts=str(source.get("_updated_at", "")),
                        by=str(source.get("_by", "")),
                        table=name,
                        id=rid,
                        set={} if after is None else _changed_fields(prev, after),
                        unset=[] if after is None else [k for k in prev if k not in after],
                        delete=after is None
                        or (bool(after.get("_deleted")) and not prev.get("_deleted")),
                        local=False,
                        purge=after is None,
                    )
                )
        return changes

    # ------------------------------------------------------------------ other processes

    def poll(self, *, notify: bool = True, wait_for_fold: float = 0.0) -> list[Change]:
        """Apply changes other processes committed since the last look; return them.

        Cheap when nothing happened (one ``stat``), so the UI can call it every second.
        ``notify=False``: the subscribers are not told here; the caller hands the changes
        to :meth:`announce` (a UI reads on a worker thread, then tells its screens on its
        own: a teammate's rescore at 50,000 accounts is seconds of reading).

        ``wait_for_fold``: when more than a few MB of the journal are unread, leave them
        unread for up to that many seconds from when they were first seen (``deferred``
        then says until when): a commit that large (a rescore, an import) is folded into
        the snapshot by a checkpoint right after, and a journal the checkpoint replaced is
        read a piece at a time and without keeping the lines of unparsed tables
        (:meth:`_apply_replaced`), where the current one is read whole: a teammate's rescore
        at 50,000 accounts peaked at 350 MB in every app polling it before its checkpoint.
        """
        self.deferred = None
        with self._mutex:
            if self._closed or self._txn is not None:
                return []
            if self._damage is not None and not self._damage_told:
                self._check_verified()  # found on the thread: say it once, here
            assert self._journal is not None
            try:
                st = os.stat(self.journal_path)
            except OSError:  # gone mid-checkpoint, or unreadable: the next poll will tell
                return []
            if st.st_ino == self._journal.inode and st.st_size == self._journal.seen_size:
                return []
            if (
                wait_for_fold > 0
                and st.st_ino == self._journal.inode
                and st.st_size - self._journal.offset > _LARGE_TAIL
            ):
                tail = (st.st_ino, self._journal.offset)
                if self._tail_seen is None or self._tail_seen[0] != tail:
                    self._tail_seen = (tail, time.monotonic())
                until = self._tail_seen[1] + wait_for_fold
                if time.monotonic() < until:
                    self.deferred = until
                    return []
            with (
                self._disk(Msg("store.doing.read_latest"), Msg("store.outcome.not_up_to_date")),
                self._lock.shared(),
            ):
                changes = self._catch_up(exclusive=False)
            if notify:
                self.announce(changes)
            return changes

    def announce(self, changes: list[Change]) -> None:
        """Tell the subscribers of changes a ``poll(notify=False)`` applied."""
        with self._mutex:
            self._notify(changes)
        if len(changes) > _MANY_CHANGES:
            give_back_memory()  # the lines and their notifications are gone now

    def subscribe(self, callback: Callback) -> Callable[[], None]:
        """Call ``callback(changes)`` after local commits and after ``poll()`` finds changes.

        Returns a function that unsubscribes. Exceptions in callbacks are logged and do not
        undo or interrupt the commit.
        """
        with self._mutex:
            self._subscribers.append(callback)

        def unsubscribe() -> None:
            with self._mutex, contextlib.suppress(ValueError):
                self._subscribers.remove(callback)

        return unsubscribe

    def _notify(self, changes: list[Change]) -> None:
        if not changes:
            return
        for callback in list(self._subscribers):
            try:
                callback(changes)
            except Exception:
                log.exception("A store subscriber failed")

    # ------------------------------------------------------------------ checkpoints

    def checkpoint(self) -> None:
        """Fold the journal into a new snapshot and start a new journal generation.

        The previous snapshot is kept in ``backups/`` (the newest 10 are kept).
        """
        with self._mutex:
            self._check_writable()
            with self._disk(_CHECKPOINT_DOING, self._safe_in_journal()), self._lock.exclusive():
                changes = self._catch_up(exclusive=True)
                self._write_checkpoint()
            self._notify(changes)

    def bulk_load(
        self, tables: Mapping[str, Iterable[Mapping[str, Any]]], *, plain: bool = False
    ) -> int:
        """Write whole tables of new records straight into a new snapshot; return the count.

        For generated books (the demo): a journal line per record made 50,000 accounts with
        their activities take minutes, and the first checkpoint folded them all again. Every
        table named must be empty (StoreError otherwise). Records get the managed fields a
        ``put`` gives them (``_rev`` 1, ``_seq`` in order), so readers, the team hub's
        ``changed_since`` and other processes (which reload the new snapshot) see ordinary
        records. Nothing is reported to this store's subscribers: reopen caches built on it.

        ``plain=True``: the caller vouches that every value is already plain JSON (lists, not
        tuples; text, not dates) and hands the records over, so they are not sent through
        JSON and back (2 s of a 50,000-account demo build) and are copied once; their
        nested values are stored as they are, not copied.
        """
        with self._mutex:
            self._check_writable()
            with self._disk(_SAVE, _NOT_SAVED), self._lock.exclusive():
                changes = self._catch_up(exclusive=True)
                for name in tables:
                    _check_name(name, "-")
                    if self._ensure(name) and self.count(name):
                        raise StoreError(
                            f"Table {name!r} already has records; bulk_load fills "
                            "empty tables only."
                        )
                ts, seq, count = self._now(), self.last_seq, 0
                stamp = {"_rev": 1, "_updated_at": ts, "_by": self.actor}
                built: dict[str, tuple[dict[str, Record], dict[str, str]]] = {}
                for name, records in tables.items():
                    docs: dict[str, Record] = {}
                    ids: dict[str, str] = {}
                    for rec in _plain_records(name, records, trusted=plain):
                        rid: Any = rec.get("id")  # checked by _check_name
                        _check_name(name, rid)
                        if rid in ids:
                            raise ValueError(f"Record {name}/{rid} appears twice.")
                        seq += 1
                        key = str(seq)
                        doc = {"id": rid, **rec}  # the one copy (plain: of the caller's)
                        for managed in _STAMPED:
                            doc.pop(managed, None)
                        doc.update(stamp)
                        doc["_seq"] = seq
                        docs[key] = doc
                        ids[rid] = key
                    built[name] = (docs, ids)
                for name, (docs, ids) in built.items():  # all valid: install, then write
                    dict.__setitem__(self._data, name, docs)
                    self._index[name] = ids
                    self._tombs[name] = 0
                    self._clean.pop(name, None)
                    self._pending.pop(name, None)
                    if name in self._table_names:
                        self._db.table(name).clear_cache()
                    count += len(docs)
                self.last_seq = seq
                self._write_checkpoint()
            self._notify(changes)
        return count

    def _maybe_checkpoint(self) -> None:
        assert self._journal is not None
        if self._journal.offset <= self.checkpoint_bytes:
            return
        try:
            with self._disk(_CHECKPOINT_DOING, self._safe_in_journal()), self._lock.exclusive():
                changes = self._catch_up(exclusive=True)
                if self._journal.offset > self.checkpoint_bytes:  # nobody else did it meanwhile
                    self._write_checkpoint()
        except StoreError as exc:
            # The commit itself succeeded; a failed checkpoint only means a longer journal.
            log.warning("Automatic checkpoint failed: %s", exc)
            self.warnings.append(str(exc))
            return
        self._notify(changes)

    def _write_checkpoint(self) -> None:
        """Write snapshot + new journal generation (exclusive lock held, caught up)."""
        self._remove_temp_files()
        meta = snap.Meta(self.schema, self.last_seq, self.generation + 1)
        tables: dict[str, snap.Docs | snap.LazyTable] = {}
        for name in sorted({*self._data, *self._lazy}):
            clean = self._clean.get(name)
            if clean is not None:
                tables[name] = clean
            else:
                self._ensure(name)
                tables[name] = dict.__getitem__(self._data, name)
        try:
            encoded = snap.encode_parts(meta, tables)
        except snap.InvalidSnapshot as exc:  # a clean table's bytes changed on disk
            raise snap.corrupt(self.snapshot_path, str(exc)) from None
        try:
            snap.write_atomic(
                self.snapshot_path, encoded.parts, self.team, backups=self.backups_dir
            )
            tmp = self.journal_path.with_name(f"{JOURNAL_NAME}.tmp-{os.getpid()}")
            fd = perms.create_file(tmp, self.team)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(tmp, self.journal_path)
            perms.fsync_dir(self.data_dir)
        except snap.InvalidSnapshot as exc:  # an unchanged table's bytes changed on disk
            raise snap.corrupt(self.snapshot_path, str(exc)) from None
        except OSError as exc:
            raise perms.storage_error(
                exc, doing=_CHECKPOINT_DOING, outcome=self._safe_in_journal(), team=self.team
            ) from exc
        old = self._journal
        self._journal = jr.JournalFile.open(self.journal_path, self.team)
        if old is not None:
            old.close()
        self.generation = meta.generation
        # The tables read the file just written (its bytes were never joined in memory).
        placed = encoded.tables(snap.reader_of(self.snapshot_path, encoded))
        del encoded
        self._clean = placed  # everything is now exactly as in the new snapshot's bytes
        for name, lazy in placed.items():
            if name in self._lazy:
                self._lazy[name] = lazy  # let the old snapshot's bytes be freed

    def _safe_in_journal(self) -> Msg:
        return msg("store.outcome.in_journal", path=self.journal_path)

    def _remove_temp_files(self) -> None:
        """Temp files can only be left by a crash: all writing happens under the lock."""
        for pattern in (f"{SNAPSHOT_NAME}.tmp-*", f"{JOURNAL_NAME}.tmp-*"):
            for leftover in self.data_dir.glob(pattern):
                with contextlib.suppress(OSError):
                    leftover.unlink()

    # ------------------------------------------------------------------ closing

    def close(self, *, checkpoint: bool = True) -> None:
        """Checkpoint if the journal holds more than ``close_checkpoint_bytes`` or the
        snapshot is over a day old, and release files. Idempotent.

        A short journal is left for the next opening to replay (a few milliseconds): at
        50,000 accounts a checkpoint writes 285 MB (and keeps the old file as a backup),
        and every other process's kept portfolio rows were for the old file, so each close
        on a team folder made everyone's next start a cold one.

        A checkpoint that fails (disk full, lock busy) does not raise: every change is
        already committed in the journal, so it only means a longer journal; the reason is
        logged and added to ``warnings``.
        """
        with self._mutex:
            if self._closed:
                return
            try:
                if checkpoint and self._txn is None:
                    with (
                        self._disk(_CHECKPOINT_DOING, self._safe_in_journal()),
                        self._lock.exclusive(),
                    ):
                        self._catch_up(exclusive=True)
                        assert self._journal is not None
                        if self._journal.offset > 0 and self._fold_on_close():
                            self._write_checkpoint()
            except (StorageError, CorruptSnapshotError) as exc:  # the journal keeps it all
                log.warning("Checkpoint on close failed: %s", exc)
                self.warnings.append(str(exc))
            finally:
                self._closed = True
                self._release_files()

    def _fold_on_close(self) -> bool:
        """Whether a close folds the journal: past ``close_checkpoint_bytes``, or when the
        snapshot is over a day old (``backups/`` then never lags more than a day: a
        damaged snapshot cannot take the journal's changes onto an older backup)."""
        assert self._journal is not None
        if self._journal.offset > self.close_checkpoint_bytes:
            return True
        try:
            age = time.time() - os.stat(self.snapshot_path).st_mtime
        except OSError:
            return True
        return age > CLOSE_CHECKPOINT_AGE

    def _release_files(self) -> None:
        if self._journal is not None:
            self._journal.close()
        self._lock.close()
        snap.close_sources(iter([*self._lazy.values(), *self._clean.values()]))

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close(checkpoint=exc_type is None)

    # ------------------------------------------------------------------ doctor

    def check(self) -> list[str]:
        """Problems with the data folder, as sentences for ``cstui doctor``; [] if healthy.

        Notes (repairs cstui made itself) are left out; ``diagnose()`` has both.
        """
        return self.diagnose(include_warnings=False).problems

    def diagnose(self, *, include_warnings: bool = True) -> Health:
        """Check the data folder for ``cstui doctor``: problems (someone must act; the folder
        is unhealthy) apart from notes (a torn line cut, a temp file left by a killed
        checkpoint: cstui dealt or will deal with them itself). ``warnings`` and ``notes``
        from opening and working are included unless ``include_warnings`` is False."""
        found: list[str] = list(self.warnings) if include_warnings else []
        notes: list[str] = list(self.notes) if include_warnings else []
        for problem in self._permission_problems():
            if problem not in found:
                found.append(problem)
        for path in (self.snapshot_path, self.journal_path):
            if not os.access(path, os.R_OK | os.W_OK):
                found.append(
                    f"cstui cannot read and write {path}; check its owner and permissions."
                )
        raw_snapshot, raw_journal = self._read_pair(found)
        self._check_contents(raw_snapshot, raw_journal, found, notes)
        with contextlib.suppress(OSError):
            size = self.journal_path.stat().st_size
            if size > 2 * self.checkpoint_bytes:
                found.append(
                    f"The journal {self.journal_path} is {size / 1e6:.1f} MB, larger than "
                    f"expected; run `cstui compact` to fold it into {self.snapshot_path.name}."
                )
        for pattern in (f"{SNAPSHOT_NAME}.tmp-*", f"{JOURNAL_NAME}.tmp-*"):
            for leftover in self.data_dir.glob(pattern):
                notes.append(
                    f"{leftover} was left by an interrupted save; it will be removed at the "
                    f"next checkpoint."
                )
        with contextlib.suppress(OSError):
            free = shutil.disk_usage(self.data_dir).free
            if free < 100 * 1024 * 1024:
                found.append(
                    f"Only {free / 1e6:.0f} MB of disk space is left for {self.data_dir}; "
                    f"cstui needs room to save."
                )
        return Health(problems=found, notes=notes)

    def _permission_problems(self) -> Iterator[str]:
        """Owner, group and mode problems of the folder, its files and its backups (a team
        folder is checked against the folder's own group)."""
        team_gid: int | None = None
        if self.team:
            with contextlib.suppress(OSError):
                team_gid = self.data_dir.stat().st_gid
        paths = [self.data_dir, self.backups_dir]
        with contextlib.suppress(OSError):
            paths.extend(sorted(p for p in self.data_dir.iterdir() if p.is_file()))
        paths.extend(snap.list_backups(self.backups_dir))
        for path in paths:
            yield from perms.problems(path, self.team, team_gid=team_gid)

    def _read_pair(self, found: list[str]) -> tuple[bytes | None, bytes | None]:
        """The snapshot and journal bytes, read under the shared lock so they belong
        together; what cannot be read is appended to ``found`` and comes back as None."""
        raw_snapshot: bytes | None = None
        raw_journal: bytes | None = None
        try:
            with self._lock.shared(timeout=5):  # a consistent pair; parse after releasing
                try:
                    raw_snapshot = self.snapshot_path.read_bytes()
                    raw_journal = self.journal_path.read_bytes()
                except OSError as exc:
                    found.append(f"cstui cannot read {exc.filename} ({exc.strerror}).")
        except StoreError as exc:
            found.append(str(exc))
        except OSError as exc:
            found.append(
                str(
                    perms.storage_error(
                        exc,
                        doing=Msg("store.doing.check"),
                        outcome=_UNCHANGED,
                        team=self.team,
                    )
                )
            )
        return raw_snapshot, raw_journal

    def _check_contents(
        self,
        raw_snapshot: bytes | None,
        raw_journal: bytes | None,
        found: list[str],
        notes: list[str],
    ) -> None:
        """Parse what ``_read_pair`` read: a damaged file is a problem, a torn last
        journal line only a note (the next save cuts it)."""
        if raw_snapshot is not None:
            try:
                snap.parse(raw_snapshot, lazy=False)
            except snap.InvalidSnapshot as exc:
                found.append(str(snap.corrupt(self.snapshot_path, str(exc))))
        if raw_journal is not None:
            try:
                result = jr.scan(raw_journal, offset=0, path=self.journal_path)
            except StoreError as exc:
                found.append(str(exc))
            else:
                if result.torn:
                    notes.append(
                        f"The journal {self.journal_path} ends with an unfinished change "
                        f"(from a crash); it will be cut the next time something is saved."
                    )
