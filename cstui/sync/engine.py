"""The sync engine: pull, merge, push. No UI; used by ``cstui sync`` and by an app worker.

One run, under the data folder's sync lock:

1. **Pull**, table by table (parents first). Each page from the adapter is checked and
   merged field by field against the base values in ``_sync`` (see ``meta``), and the
   page's cursor is saved *in the same store transaction*, so a kill at any point leaves
   either the whole page applied with its cursor or neither.
2. **Push**, table by table. The outbox is derived from the data (local value ≠ base), so
   there is no queue to lose. An item's base is advanced only after the CRM confirmed
   that item, and only to the value that was sent, so an edit made while the request
   was in flight stays pending. New records are created by an idempotent upsert keyed
   by their cstui id, so a push repeated after a crash finds the record it created.
3. Local deletions (tombstones) are archived in the CRM, children first, then purged.

Pull comes before push so a field changed on both sides is seen as a conflict instead
of one side silently overwriting the other. Garbage from the CRM raises before anything
from that answer is written. The engine checks ``cancel`` between pages and batches and
reports :class:`Progress` to a callback (the app's progress bar).
"""

from __future__ import annotations

import logging
import queue
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from pydantic import ValidationError

from cstui import clock
from cstui.domain.history import history_records
from cstui.domain.models import describe_errors
from cstui.exitcodes import EXIT_ACTION, EXIT_OK, EXIT_PARTIAL
from cstui.i18n import Msg, msg, said
from cstui.store import LockBusyError, Store, Txn, gc_paused

from .adapters.base import Capability, CRMAdapter, Outcome, Outgoing, RemoteRecord
from .conflicts import (
    CONFLICTS_TABLE,
    DELETED,
    Kind,
    conflict_id,
    count_conflicts,
    describe,
    open_fields,
    record_conflict,
)
from .errors import (
    Cancelled,
    GarbageResponse,
    Rejected,
    SyncBusy,
    SyncError,
)
from .meta import META, MISSING, get_meta, put_meta, same
from .schema import FieldSpec, TableSpec

log = logging.getLogger(__name__)

STATE_TABLE = "sync_state"
"""One record per adapter: pull cursors and retries."""
STATUS_TABLE = "sync_status"
"""One record per adapter: how the last run ended (for ``--status`` and the status line).

Kept apart from the cursors so a failed run records only its outcome, never data."""
STATUS_FAILURES = 50
"""Rejected items remembered with the last run's status (the rest are counted)."""
SENT_TABLE = "sync_sent"
"""Values handed to the CRM whose confirmation has not arrived (yet).

Written just before a batch is sent, cleared when it is confirmed. If the process dies
after the CRM applied a write but before its answer was recorded, the next pull finds
the CRM holding exactly a value we sent and takes it as agreed, instead of mistaking our
own write for someone else's edit (a false conflict with any later local edit).
Kept out of the records themselves so sending does not bump their revision."""
_LOCAL_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
RETRY_TRIES = 3
"""Syncs in which a child waiting for its company is fetched again before giving up."""
RETRY_LIMIT = 1000
"""Children remembered per table (the oldest are forgotten beyond this)."""
PULL_AHEAD = 16
"""Pages an adapter may fetch ahead of the pages being stored."""


class _Ahead(Iterator[Any]):
    """Runs an adapter's ``pull`` in a thread, up to ``depth`` pages ahead of the engine.

    Why: storing a page takes longer than fetching the next one, so without this the
    requests of a pull are spread over the whole time spent storing. In a rolling rate
    window those requests then hold the budget of the push that follows for just as
    long. Fetched pages cost only memory until applied; cursors are still saved by the
    engine with each applied page, so a kill loses nothing. Errors come out in order,
    after the pages fetched before them.
    """

    _END = object()

    def __init__(self, pages: Iterable[Any], depth: int) -> None:
        self._queue: queue.Queue[tuple[Any, BaseException | None]] = queue.Queue(depth)
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(iter(pages),), name="cstui-pull", daemon=True
        )
        self._thread.start()

    def _run(self, pages: Iterator[Any]) -> None:
        try:
            for page in pages:
                if not self._offer((page, None)):
                    return
        except BaseException as exc:  # handed to the engine's thread, raised there
            self._offer((None, exc))
            return
        self._offer((self._END, None))

    def _offer(self, item: tuple[Any, BaseException | None]) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def __next__(self) -> Any:
        page, error = self._queue.get()
        if error is not None:
            raise error
        if page is self._END:
            raise StopIteration
        return page

    def close(self) -> None:
        """Stop fetching. A request in flight is not waited for beyond a moment (a cancel
        must feel instant); its answer is dropped, and the thread ends after it."""
        self._stop.set()
        self._thread.join(timeout=1.0)


@dataclass(frozen=True)
class Progress:
    """What the engine is doing, for a progress bar: ``done`` of ``total`` (None: unknown)."""

    phase: Literal["pull", "push", "delete", "done"]
    table: str
    done: int
    total: int | None
    message: str


@dataclass(frozen=True)
class Failure:
    """An item the CRM did not accept; it stays in the outbox and is retried next time."""

    table: str
    record_id: str
    label: str
    message: str
    account: str = ""
    """The name of the account the record belongs to (the account itself for accounts)."""

    def describe(self) -> str:
        """One line naming the record, its account and the CRM's reason."""
        what = f"{_ONE.get(self.table, self.table)} {self.label!r}"
        where = f" of {self.account!r}" if self.account and self.account != self.label else ""
        return f"{what}{where}: {self.message}"


_ONE = {"accounts": "account", "contacts": "contact", "activities": "activity", "tasks": "task"}


@dataclass(frozen=True)
class PlannedPush:
    """One outbox item, for ``--dry-run`` and the sync screen."""

    table: str
    record_id: str
    label: str
    fields: dict[str, tuple[Any, Any]]
    """field: (last synced value or None, value to push)."""
    create: bool = False
    delete: bool = False
    link: bool = False
    """Only (re)linking the record to its company."""


@dataclass
class Plan:
    push: list[PlannedPush] = field(default_factory=list)
    waiting: list[PlannedPush] = field(default_factory=list)
    """Children whose company is not in the CRM yet (pushed after it is)."""
    owned_edits: list[PlannedPush] = field(default_factory=list)
    """Local edits of CRM-owned fields: they become conflicts, they are not pushed."""
    pull: dict[str, int | None] = field(default_factory=dict)
    """Approximate number of CRM records changed since the last sync, per table."""


@dataclass
class SyncReport:
    """The outcome of one run."""

    adapter: str
    pulled: Counter[str] = field(default_factory=Counter)
    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    pushed: Counter[str] = field(default_factory=Counter)
    deleted: Counter[str] = field(default_factory=Counter)
    skipped: int = 0
    """CRM children not linked to a company known here (they are not pulled)."""
    new_conflicts: int = 0
    open_conflicts: int = 0
    failures: list[Failure] = field(default_factory=list)
    requests: int = 0
    seconds: float = 0.0
    changed_locally: bool = False
    """Whether anything was written to the store (for "nothing was changed" messages)."""

    @property
    def exit_code(self) -> int:
        if self.failures:
            return EXIT_PARTIAL
        if self.open_conflicts:
            return EXIT_ACTION
        return EXIT_OK


ProgressCallback = Callable[[Progress], None]


def sent_key(adapter: str, table: str, record_id: str) -> str:
    return f"{adapter}.{table}.{record_id}"


class LocalView:
    """The local side of a sync: CRM id indexes, computed fields and the outbox.

    Needs no adapter (only its name), so the status bar can count pending changes
    without a token or a network.
    """

    def __init__(
        self,
        store: Store,
        adapter: str,
        tables: Sequence[TableSpec],
        *,
        can_delete: bool = True,
        whole: Mapping[str, frozenset[str]] | None = None,
        push_mirrors: bool = True,
    ) -> None:
        self.store = store
        self.name = adapter
        self.tables = tuple(tables)
        self.can_delete = can_delete
        self.whole = dict(whole or {})
        """{table: fields whose change sends the whole record} (see the adapter hook)."""
        self.push_mirrors = push_mirrors
        """Whether this folder pushes computed mirrors (health score, plan summary)."""
        self.rid_to_local: dict[str, dict[str, str]] = {}
        self.local_to_rid: dict[str, dict[str, str]] = {}
        self._derived: dict[str, dict[str, Any]] = {}

    def records(self, table: str) -> Iterator[dict[str, Any]]:
        """Every record, tombstones included, to read only (copied only if there are
        tombstones: ``scan`` is the store's no-copy path but skips them)."""
        if len(self.store.table(table)) == self.store.count(table):
            return self.store.scan(table)
        return iter(self.store.all(table, include_deleted=True))

    def index(self) -> None:
        """Map CRM ids to local ids and back, from the records' ``_sync`` blocks."""
        for spec in self.tables:
            to_local: dict[str, str] = {}
            to_rid: dict[str, str] = {}
            for rec in self.records(spec.table):
                rid = get_meta(rec, self.name).get("rid")
                if isinstance(rid, str):
                    to_local[rid] = rec["id"]
                    to_rid[rec["id"]] = rid
            self.rid_to_local[spec.table] = to_local
            self.local_to_rid[spec.table] = to_rid

    def learn(self, table: str, local_id: str, rid: str | None) -> None:
        if rid is None:
            old = self.local_to_rid[table].pop(local_id, None)
            if old is not None:
                self.rid_to_local[table].pop(old, None)
            return
        self.rid_to_local[table][rid] = local_id
        self.local_to_rid[table][local_id] = rid

    def load_derived(self) -> None:
        """Computed mirror fields (health score, plan summary), keyed by account id."""
        self._derived = {}
        for spec in self.tables:
            for f in spec.fields:
                if f.derived and f.derived not in self._derived:
                    table, column = f.derived.split(".", 1)
                    values: dict[str, Any] = {}
                    for rec in self.store.scan(table):
                        key = rec.get("account_id") or rec["id"]
                        values.setdefault(key, rec.get(column))
                    self._derived[f.derived] = values

    def local(self, f: FieldSpec, rec: dict[str, Any]) -> Any:
        """The local value of a field; for a mirror, None when this folder has nothing to
        say (no score, no plan, or ``push_mirrors`` off): it is then never pushed, so a
        folder without success plans cannot blank the summaries another one pushed."""
        if f.derived:
            if not self.push_mirrors:
                return None
            return self._derived.get(f.derived, {}).get(rec["id"])
        return rec.get(f.name)

    def outbox(
        self, spec: TableSpec, *, assume_linked: Iterable[str] = ()
    ) -> tuple[list[tuple[Outgoing, PlannedPush]], list[PlannedPush], list[PlannedPush]]:
        """(items to push, children waiting for their company, CRM-owned local edits).

        ``assume_linked``: parent ids to treat as already in the CRM (for a dry-run plan).
        """
        items: list[tuple[Outgoing, PlannedPush]] = []
        waiting: list[PlannedPush] = []
        owned: list[PlannedPush] = []
        conflicted = open_fields(self.store, self.name)
        linked = set(assume_linked)
        can_delete = self.can_delete
        empty: dict[str, Any] = {}
        for rec in self.records(spec.table):
            block = rec.get(META)
            found = block.get(self.name) if isinstance(block, dict) else None
            meta: dict[str, Any] = found if isinstance(found, dict) else empty  # read only
            rid = meta.get("rid")
            if rec.get("_deleted"):
                if can_delete:
                    out = Outgoing(rec["id"], rid, delete=True)
                    plan = PlannedPush(spec.table, rec["id"], describe(rec), {}, delete=True)
                    items.append((out, plan))
                continue
            create = not rid
            blocked = conflicted.get((spec.table, rec["id"]), set())
            if DELETED in blocked:
                continue  # gone from the CRM: waits for the user's decision
            values, shown, owned_fields = self._changes(spec, rec, meta, blocked, create=create)
            if owned_fields:
                owned.append(PlannedPush(spec.table, rec["id"], describe(rec), owned_fields))
            whole = not create and bool(self.whole.get(spec.table, frozenset()) & values.keys())
            if whole:  # the CRM moves the record: send it all
                self._add_the_rest(spec, rec, values, blocked)
            parent: str | None = None
            old_parent: str | None = None
            if spec.parent_field and spec.parent_table:
                parent_rid = self._parent_rid(
                    rec.get(spec.parent_field), spec.parent_table, conflicted, linked
                )
                if parent_rid is None:
                    if values:
                        waiting.append(
                            PlannedPush(spec.table, rec["id"], describe(rec), shown, create)
                        )
                    continue
                if whole:
                    parent = parent_rid  # a new CRM record needs its link again
                elif parent_rid != meta.get("assoc"):
                    parent, old_parent = parent_rid, meta.get("assoc")
            if not values and parent is None:
                continue
            out = Outgoing(rec["id"], rid, values, parent, old_parent)
            plan = PlannedPush(
                spec.table,
                rec["id"],
                describe(rec),
                shown,
                create,
                link=not values and parent is not None,
            )
            items.append((out, plan))
        return items, waiting, owned

    def _changes(
        self,
        spec: TableSpec,
        rec: dict[str, Any],
        meta: dict[str, Any],
        blocked: set[str],
        *,
        create: bool,
    ) -> tuple[dict[str, Any], dict[str, tuple[Any, Any]], dict[str, tuple[Any, Any]]]:
        """(values to push, their (before, after) for the plan, CRM-owned fields edited here).

        A field is pushed when it differs from the agreed base (every field of a new
        record), unless it is in an open conflict. A CRM-owned field edited here is only
        shown, unless the user forced it; one never agreed on is left alone.
        """
        base: dict[str, Any] = meta.get("base") or {}
        force = meta.get("force") or ()
        values: dict[str, Any] = {}
        shown: dict[str, tuple[Any, Any]] = {}
        owned: dict[str, tuple[Any, Any]] = {}
        for f in spec.fields:
            mine = self.local(f, rec)
            if f.derived and mine is None:
                continue
            agreed = base.get(f.name, MISSING)
            if not create and same(mine, agreed):
                continue
            if f.name in blocked:
                continue
            before = None if agreed is MISSING else agreed
            if not create and f.owner == "crm":
                if agreed is MISSING:
                    continue  # never known on both sides: nothing to push or to ask
                if f.name not in force:
                    owned[f.name] = (before, mine)
                    continue
            values[f.name] = mine
            shown[f.name] = (before, mine)
        return values, shown, owned

    def _add_the_rest(
        self, spec: TableSpec, rec: dict[str, Any], values: dict[str, Any], blocked: set[str]
    ) -> None:
        """Add every other field with a value here (not in conflict) to ``values``: a
        change to a ``whole_record_fields`` field moves the record in the CRM, so it must
        arrive whole."""
        for f in spec.fields:
            mine = self.local(f, rec)
            if f.name not in values and f.name not in blocked and mine is not None:
                values[f.name] = mine

    def _parent_rid(
        self,
        parent_id: str | None,
        parent_table: str,
        conflicted: Mapping[tuple[str, str], set[str]],
        linked: set[str],
    ) -> str | None:
        """The CRM id of a record's parent (its company); None while the record must wait
        for it. A parent in ``linked`` (a dry-run plan) gets a stand-in id."""
        parent_rid = self.local_to_rid[parent_table].get(parent_id or "")
        if DELETED in conflicted.get((parent_table, parent_id or ""), ()):
            parent_rid = None  # its company was deleted in the CRM: wait for a decision
        if parent_rid is None and parent_id in linked:
            parent_rid = f"(new {parent_id})"
        return parent_rid


class SyncEngine:
    """Runs one adapter against one store. Create per run; not thread-safe itself."""

    def __init__(
        self,
        store: Store,
        adapter: CRMAdapter,
        tables: Sequence[TableSpec] | None = None,
        *,
        progress: ProgressCallback | None = None,
        cancel: threading.Event | None = None,
        push_mirrors: bool = True,
    ) -> None:
        self.store = store
        self.adapter = adapter
        self.name = adapter.name
        self.tables = tuple(tables or adapter.context.tables)
        self.specs = {t.table: t for t in self.tables}
        self.progress = progress or (lambda p: None)
        self.cancel = cancel or adapter.context.cancel
        self.view = LocalView(
            store,
            self.name,
            self.tables,
            can_delete=Capability.DELETE in adapter.capabilities,
            whole={t.table: adapter.whole_record_fields(t) for t in self.tables},
            push_mirrors=push_mirrors,
        )
        self._rid_to_local = self.view.rid_to_local
        self._local_to_rid = self.view.local_to_rid

    def _check_cancel(self) -> None:
        if self.cancel.is_set():
            raise Cancelled("Sync cancelled; everything done so far is saved.")

    def _state(self) -> dict[str, Any]:
        return self.store.get(STATE_TABLE, self.name) or {}

    def _validate(self, spec: TableSpec, data: dict[str, Any], what: Msg) -> dict[str, Any]:
        try:
            return spec.model.model_validate(data).to_record()
        except ValidationError as exc:
            reasons = " ".join(describe_errors(spec.model, exc))
            raise GarbageResponse(
                said(
                    "sync.engine.cannot_store", label=self.adapter.label, what=what, reasons=reasons
                )
            ) from None

    def _conflict(
        self,
        txn: Txn,
        spec: TableSpec,
        rec: dict[str, Any],
        name: str,
        base: Any,
        mine: Any,
        theirs: Any,
        kind: Kind,
        report: SyncReport,
    ) -> None:
        """Open (or refresh) a conflict on one field of ``rec``; count it when it is new."""
        if record_conflict(
            txn,
            adapter=self.name,
            table=spec.table,
            record=rec,
            field=name,
            base=base,
            mine=mine,
            theirs=theirs,
            kind=kind,
        ):
            report.new_conflicts += 1

    # ----------------------------------------------------------------- pull
    def _pull_table(self, spec: TableSpec, report: SyncReport) -> None:
        state = self._state()
        cursor = (state.get("cursors") or {}).get(spec.table)
        done = 0
        self.progress(Progress("pull", spec.table, 0, None, f"Pulling {spec.table}"))
        retry = [rid for rid, _ in (state.get("retry") or {}).get(spec.table) or []]
        if retry and Capability.FETCH in self.adapter.capabilities:
            size = max(1, self.adapter.batch_size)
            for start in range(0, len(retry), size):
                self._check_cancel()
                chunk = retry[start : start + size]
                self._apply(spec, self.adapter.fetch(spec, chunk), report, retried=chunk)
        pages = _Ahead(self.adapter.pull(spec, cursor), PULL_AHEAD)
        try:
            for page in pages:
                self._check_cancel()
                self._apply(spec, page.records, report, cursor=page.cursor)
                done += len(page.records)
                self.progress(
                    Progress("pull", spec.table, done, None, f"Pulled {done} {spec.table}")
                )
        finally:
            pages.close()

    def _apply(
        self,
        spec: TableSpec,
        records: Sequence[RemoteRecord],
        report: SyncReport,
        *,
        cursor: Any = MISSING,
        retried: Sequence[str] = (),
    ) -> None:
        """Merge CRM records and save the cursor (and the retry list) in one transaction.

        Children whose company is not known here yet (it was created in the CRM while we
        were pulling) are remembered and fetched again by id next time, because the cursor
        has moved past them.
        """
        learned: list[tuple[str, str, str]] = []
        skipped: list[str] = []
        # A page builds thousands of acyclic dicts: without the collector's full passes
        # over the (growing) store, storing a 10,000-record pull takes a third less time.
        with gc_paused(), self.store.transaction() as txn:
            for rr in records:
                if self._merge(txn, spec, rr, report, learned, skipped):
                    report.pulled[spec.table] += 1
            state = txn.get(STATE_TABLE, self.name) or {}
            changes: dict[str, Any] = {}
            if cursor is not MISSING:
                changes["cursors"] = {**(state.get("cursors") or {}), spec.table: cursor}
            before = list((state.get("retry") or {}).get(spec.table) or [])
            tries = {rid: n for rid, n in before}
            again = set(retried)
            kept = [[rid, n] for rid, n in before if rid not in again]
            for rid in skipped:
                n = tries.get(rid, 0) + 1 if rid in again else 1
                if n <= RETRY_TRIES and all(rid != k[0] for k in kept):
                    kept.append([rid, n])
            kept = kept[-RETRY_LIMIT:]
            if kept != before:
                changes["retry"] = {**(state.get("retry") or {}), spec.table: kept}
            if changes:
                txn.put(STATE_TABLE, self.name, changes)
        report.changed_locally = True
        for table, local_id, rid in learned:
            self.view.learn(table, local_id, rid)

    def _find(self, txn: Txn, spec: TableSpec, rr: RemoteRecord) -> dict[str, Any] | None:
        local_id = self._rid_to_local[spec.table].get(rr.remote_id)
        if local_id is not None:
            rec = txn.get(spec.table, local_id, include_deleted=True)
            if rec is not None:
                return rec
        if rr.cstui_id and _LOCAL_ID.match(rr.cstui_id):
            rec = txn.get(spec.table, rr.cstui_id, include_deleted=True)
            if rec is not None and get_meta(rec, self.name).get("rid") in (None, rr.remote_id):
                return rec
        return None

    def _normalise(
        self, spec: TableSpec, current: dict[str, Any], rr: RemoteRecord
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """(the record with the CRM's values, validated; the CRM's values as cstui stores them).

        Validation strips, converts and checks exactly as a local edit would, so the
        comparisons that follow compare like with like.
        """
        fields = spec.by_name
        data = {**current}
        for name, value in rr.values.items():
            f = fields.get(name)
            if f is not None and not f.derived:
                data[name] = value
        valid = self._validate(
            spec, data, msg("sync.engine.record", table=spec.table, id=rr.remote_id)
        )
        out = {}
        for name, value in rr.values.items():
            f = fields.get(name)
            if f is not None:
                out[name] = value if f.derived else valid.get(name)
        return valid, out

    def _merge(
        self,
        txn: Txn,
        spec: TableSpec,
        rr: RemoteRecord,
        report: SyncReport,
        learned: list[tuple[str, str, str]],
        skipped: list[str],
    ) -> bool:
        """Merge one CRM record; True if it brought anything new (not an echo)."""
        rec = self._find(txn, spec, rr)
        if rec is None:
            return self._create(txn, spec, rr, report, learned, skipped)
        if rec.get("_deleted"):
            return False  # deleted here and not yet pushed: the deletion wins
        conflicts_before = report.new_conflicts
        meta = get_meta(rec, self.name)
        _, remote = self._normalise(spec, rec, rr)
        base: dict[str, Any] = meta["base"]
        updates: dict[str, Any] = {}
        if not meta.get("rid"):
            self._link(txn, spec, rec, rr, meta, remote, updates, report, learned)
        sent_entry = txn.get(SENT_TABLE, sent_key(self.name, spec.table, rec["id"]))
        sent: dict[str, Any] = dict((sent_entry or {}).get("values") or {})
        landed: dict[str, Any] = {}
        for f in spec.fields:
            if f.name not in remote:
                continue
            theirs = remote[f.name]
            agreed = base.get(f.name, MISSING)
            if f.name in sent and same(theirs, sent[f.name]) and not same(theirs, agreed):
                base[f.name] = agreed = theirs  # our own write whose answer we never got
                landed[f.name] = theirs
            if f.derived:
                # A mirror's base is what this folder last pushed, whatever the CRM holds
                # now: it is pushed again only when its value here changes. Re-pushing
                # whenever the CRM's copy differed made two folders flip it every sync.
                continue
            if same(theirs, agreed):
                continue
            self._merge_field(txn, spec, rec, f, theirs, agreed, base, updates, report)
        if updates:
            self._validate(
                spec,
                {**rec, **updates},
                msg("sync.engine.record", table=spec.table, id=rr.remote_id),
            )
            report.updated[spec.table] += 1
            self._keep_history(txn, spec, rec, updates)
        meta["base"] = base
        block = put_meta(rec, self.name, meta)
        echo = not updates and not landed and same(block, rec.get(META))
        if not echo:
            txn.put(spec.table, rec["id"], {**updates, META: block})
        if landed:
            self._clear_sent(txn, spec.table, rec["id"], landed)
        # An echo (the CRM holds what this folder last sent or agreed) is neither written
        # nor counted as pulled: HubSpot cannot leave our own writes out of a search.
        return not echo or report.new_conflicts > conflicts_before

    def _keep_history(
        self, txn: Txn, spec: TableSpec, rec: dict[str, Any], updates: dict[str, Any]
    ) -> None:
        """An account's ARR, stage or currency changed by the CRM is kept in its history
        (:mod:`cstui.domain.history`), so closed periods keep the values of then."""
        for table, rid, values in history_records(
            spec.table,
            rec["id"],
            rec,
            updates,
            clock.today(),
            source=f"crm:{self.name}",
            new_id=self.store.new_id,
        ):
            txn.put(table, rid, values)

    def _link(
        self,
        txn: Txn,
        spec: TableSpec,
        rec: dict[str, Any],
        rr: RemoteRecord,
        meta: dict[str, Any],
        remote: dict[str, Any],
        updates: dict[str, Any],
        report: SyncReport,
        learned: list[tuple[str, str, str]],
    ) -> None:
        """First sight of a local record in the CRM: record its CRM id (and its parent
        link when the CRM agrees on it), and settle the base it starts from."""
        base: dict[str, Any] = meta["base"]
        if txn.get(SENT_TABLE, sent_key(self.name, spec.table, rec["id"])) is not None:
            # We created it in the CRM but were stopped before recording the answer:
            # the CRM holds what we sent, so take it as the agreed base.
            base.update(remote)
        else:
            self._merge_twin(txn, spec, rec, remote, base, updates, report)
        meta["rid"] = rr.remote_id
        self._clear_sent(txn, spec.table, rec["id"], None)  # all accounted for now
        parent_field, parent_table = spec.parent_field, spec.parent_table
        linked = (
            self._local_to_rid[parent_table].get(rec.get(parent_field, ""))
            if parent_field and parent_table
            else None
        )
        if rr.parent is not None and linked == rr.parent:
            meta["assoc"] = rr.parent
        learned.append((spec.table, rec["id"], rr.remote_id))

    def _merge_field(
        self,
        txn: Txn,
        spec: TableSpec,
        rec: dict[str, Any],
        f: FieldSpec,
        theirs: Any,
        agreed: Any,
        base: dict[str, Any],
        updates: dict[str, Any],
        report: SyncReport,
    ) -> None:
        """One field the CRM changed since the agreed base: both sides now agree, or it
        changed only there (take it), or on both sides (a conflict for the user)."""
        mine = rec.get(f.name)
        cid = conflict_id(self.name, spec.table, rec["id"], f.name)
        conflict = txn.get(CONFLICTS_TABLE, cid)
        if same(mine, theirs):
            base[f.name] = theirs
            if conflict is not None:
                txn.purge(CONFLICTS_TABLE, cid)
            return
        if agreed is MISSING or same(mine, agreed):
            if agreed is MISSING and f.owner == "cstui" and mine not in (None, ""):
                base[f.name] = theirs  # a newly mapped field: our value gets pushed
                return
            updates[f.name] = theirs
            base[f.name] = theirs
            if conflict is not None:
                txn.purge(CONFLICTS_TABLE, cid)
            return
        self._conflict(txn, spec, rec, f.name, agreed, mine, theirs, "both", report)

    def _merge_twin(
        self,
        txn: Txn,
        spec: TableSpec,
        rec: dict[str, Any],
        remote: dict[str, Any],
        base: dict[str, Any],
        updates: dict[str, Any],
        report: SyncReport,
    ) -> None:
        """The CRM already holds a record with this cstui id that this folder never sent:
        another folder generated the same record (a cadence task, whose id derives from
        the account and the touchpoint). Merge instead of overwriting: a copy untouched
        since it was generated here takes the CRM's values (the other folder may have
        completed the task); a copy edited here asks about each differing field."""
        untouched = int(rec.get("_rev", 1)) <= 1
        for name, theirs in remote.items():
            f = spec.by_name.get(name)
            if f is None or f.derived:
                continue
            base[name] = theirs
            mine = rec.get(name)
            if same(mine, theirs):
                continue
            if untouched:
                updates[name] = theirs
            else:
                self._conflict(txn, spec, rec, name, None, mine, theirs, "both", report)

    def _create(
        self,
        txn: Txn,
        spec: TableSpec,
        rr: RemoteRecord,
        report: SyncReport,
        learned: list[tuple[str, str, str]],
        skipped: list[str],
    ) -> bool:
        """Store a record new to this folder; False if it cannot be placed yet."""
        data: dict[str, Any] = {}
        if spec.parent_field and spec.parent_table:
            parent = self._rid_to_local[spec.parent_table].get(rr.parent or "")
            if parent is None:
                report.skipped += 1
                if rr.parent is not None:  # linked to a company we have not seen yet
                    skipped.append(rr.remote_id)
                return False
            data[spec.parent_field] = parent
        # A record born in the CRM gets an id derived from its CRM id, so every folder
        # that pulls it names it alike (and what is generated from it, like cadence tasks
        # keyed by the account id, merges instead of doubling).
        local_id = rr.cstui_id if rr.cstui_id and _LOCAL_ID.match(rr.cstui_id) else None
        if local_id is None:
            derived = f"{self.name}-{rr.remote_id}"
            local_id = derived if _LOCAL_ID.match(derived) else None
        if local_id is None or txn.get(spec.table, local_id, include_deleted=True) is not None:
            local_id = self.store.new_id()
        data["id"] = local_id
        record, remote = self._normalise(spec, data, rr)
        for f in spec.fields:  # fields the CRM did not send: our defaults count as agreed
            if f.name not in remote and not f.derived:
                remote[f.name] = record.get(f.name)
        meta = {"rid": rr.remote_id, "base": remote, "assoc": rr.parent}
        txn.put(spec.table, local_id, {**record, META: {self.name: meta}})
        learned.append((spec.table, local_id, rr.remote_id))
        report.created[spec.table] += 1
        return True

    # ----------------------------------------------------------------- push
    def _open_owned_conflicts(
        self, spec: TableSpec, owned: list[PlannedPush], report: SyncReport
    ) -> None:
        if not owned:
            return
        with self.store.transaction() as txn:
            for item in owned:
                rec = txn.get(spec.table, item.record_id)
                if rec is None:
                    continue
                for name, (before, mine) in item.fields.items():
                    self._conflict(txn, spec, rec, name, before, mine, before, "owned", report)
        report.changed_locally = True

    def _push_items(
        self,
        spec: TableSpec,
        items: list[tuple[Outgoing, PlannedPush]],
        report: SyncReport,
        phase: Literal["push", "delete"],
    ) -> None:
        size = max(1, self.adapter.batch_size)
        total = len(items)
        for start in range(0, total, size):
            self._check_cancel()
            chunk = items[start : start + size]
            self._record_sent(spec, [out for out, _ in chunk])
            self._push_chunk(spec, chunk, report)
            done = min(total, start + size)
            verb = "Pushed" if phase == "push" else "Deleted"
            self.progress(
                Progress(phase, spec.table, done, total, f"{verb} {done}/{total} {spec.table}")
            )

    def _push_chunk(
        self, spec: TableSpec, chunk: list[tuple[Outgoing, PlannedPush]], report: SyncReport
    ) -> None:
        """Send one batch; a batch the CRM refuses as a whole is halved until the refused
        items are alone, so one bad record never holds back the others.

        HubSpot refuses a whole batch (400) when one input is invalid, and (404) when one
        id was archived. Halving costs about ``2·log2(n)`` extra requests per bad item.
        A lone item refused with 404 was deleted in the CRM: it becomes a conflict for
        the user (keep and re-create it, or delete it here), not a failure every run.
        """
        self._check_cancel()
        try:
            outcomes = self.adapter.push(spec, [out for out, _ in chunk])
        except Rejected as exc:
            if len(chunk) > 1:
                middle = len(chunk) // 2
                self._push_chunk(spec, chunk[:middle], report)
                self._push_chunk(spec, chunk[middle:], report)
                return
            out, plan = chunk[0]
            if exc.status in (404, 410) and out.delete:
                outcomes = [Outcome(out.local_id, True, remote_id=out.remote_id)]
            elif exc.status in (404, 410) and out.remote_id is not None:
                self._deleted_remotely(spec, out, report)
                return
            else:
                self._fail(spec, out.local_id, plan.label, str(exc), report)
                return
        by_id = {o.local_id: o for o in outcomes}
        if set(by_id) != {out.local_id for out, _ in chunk}:
            raise GarbageResponse(said("sync.engine.other_records", label=self.adapter.label))
        self._confirm(spec, chunk, by_id, report)

    def _account_name(self, spec: TableSpec, record_id: str) -> str:
        rec = self.store.get(spec.table, record_id, include_deleted=True) or {}
        if spec.parent_field and spec.parent_table:
            parent_id = rec.get(spec.parent_field)
            parent = (
                self.store.get(spec.parent_table, parent_id, include_deleted=True)
                if (isinstance(parent_id, str))
                else None
            )
            return describe(parent) if parent else ""
        return describe(rec) if rec else ""

    def _fail(
        self, spec: TableSpec, record_id: str, label: str, message: str, report: SyncReport
    ) -> None:
        report.failures.append(
            Failure(spec.table, record_id, label, message, self._account_name(spec, record_id))
        )

    def _deleted_remotely(self, spec: TableSpec, out: Outgoing, report: SyncReport) -> None:
        """The CRM no longer has this record (archived there): ask the user what to do."""
        with self.store.transaction() as txn:
            rec = txn.get(spec.table, out.local_id)
            if rec is None:
                return
            self._conflict(
                txn, spec, rec, DELETED, out.remote_id, describe(rec), None, "deleted", report
            )
        report.changed_locally = True

    def _record_sent(self, spec: TableSpec, items: list[Outgoing]) -> None:
        with self.store.transaction() as txn:
            for out in items:
                if out.delete or not out.values:
                    continue
                key = sent_key(self.name, spec.table, out.local_id)
                previous = (txn.get(SENT_TABLE, key) or {}).get("values") or {}
                txn.put(SENT_TABLE, key, {"values": {**previous, **out.values}})

    def _clear_sent(
        self, txn: Txn, table: str, record_id: str, values: dict[str, Any] | None
    ) -> None:
        """Forget sent values now agreed (all of them when ``values`` is None)."""
        key = sent_key(self.name, table, record_id)
        entry = txn.get(SENT_TABLE, key)
        if entry is None:
            return
        sent = dict(entry.get("values") or {})
        if values is not None:
            for name, value in values.items():
                if name in sent and same(sent[name], value):
                    del sent[name]
        if sent and values is not None:
            txn.put(SENT_TABLE, key, {"values": sent})
        else:
            txn.purge(SENT_TABLE, key)

    def _confirm(
        self,
        spec: TableSpec,
        chunk: list[tuple[Outgoing, PlannedPush]],
        outcomes: dict[str, Outcome],
        report: SyncReport,
    ) -> None:
        learned: list[tuple[str, str | None]] = []
        with self.store.transaction() as txn:
            for out, plan in chunk:
                outcome = outcomes[out.local_id]
                if outcome.error or not outcome.ok:
                    self._fail(spec, out.local_id, plan.label, outcome.error or "rejected", report)
                if not outcome.ok:
                    continue
                rec = txn.get(spec.table, out.local_id, include_deleted=True)
                if rec is None:
                    continue
                if out.delete:
                    txn.purge(spec.table, out.local_id)
                    self._clear_sent(txn, spec.table, out.local_id, None)
                    for f in spec.fields:  # nothing left to decide about a deleted record
                        txn.purge(
                            CONFLICTS_TABLE,
                            conflict_id(self.name, spec.table, out.local_id, f.name),
                        )
                    learned.append((out.local_id, None))
                    report.deleted[spec.table] += 1
                    continue
                if rec.get("_deleted"):
                    continue  # deleted while we pushed: the deletion goes next time
                meta = get_meta(rec, self.name)
                rid = outcome.remote_id or meta.get("rid")
                meta["rid"] = rid
                meta["base"].update(out.values)
                if out.parent is not None and outcome.parent_ok:
                    meta["assoc"] = out.parent
                meta["force"] = [f for f in meta["force"] if f not in out.values]
                txn.put(spec.table, out.local_id, {META: put_meta(rec, self.name, meta)})
                self._clear_sent(txn, spec.table, out.local_id, out.values)
                learned.append((out.local_id, rid if isinstance(rid, str) else None))
                if out.values or outcome.parent_ok:
                    report.pushed[spec.table] += 1
        report.changed_locally = True
        for local_id, rid in learned:
            self.view.learn(spec.table, local_id, rid)

    # ----------------------------------------------------------------- entry points
    def plan(self, *, remote: bool = True) -> Plan:
        """What a run would do, without writing anything (``remote``: ask the CRM too)."""
        self.view.index()
        self.view.load_derived()
        plan = Plan()
        created: set[str] = set()
        for spec in self.tables:
            items, waiting, owned = self.view.outbox(spec, assume_linked=created)
            plan.push.extend(p for out, p in items)
            plan.waiting.extend(waiting)
            plan.owned_edits.extend(owned)
            created.update(out.local_id for out, _ in items if out.remote_id is None)
        if remote and Capability.PREVIEW in self.adapter.capabilities:
            cursors = self._state().get("cursors", {})
            for spec in self.tables:
                plan.pull[spec.table] = self.adapter.preview(spec, cursors.get(spec.table))
        return plan

    def run(self) -> SyncReport:
        """Pull, then push, then delete; raise a ``SyncError`` if the run cannot finish."""
        lock = self.store.named_lock("sync")
        try:
            lock.acquire()
        except LockBusyError as exc:
            raise SyncBusy(str(exc)) from None
        try:
            return self._run()
        finally:
            lock.release()

    def _run(self) -> SyncReport:
        report = SyncReport(self.name)
        try:
            return self._steps(report)
        except SyncError as exc:
            exc.changed = report.changed_locally
            result = "cancelled" if isinstance(exc, Cancelled) else "failed"
            if not isinstance(exc, SyncBusy):
                try:
                    self._record_status(result, report, str(exc))
                    exc.recorded = True
                except Exception:  # the run's own error matters more than its status line
                    log.exception("could not record the sync status")
            raise

    def _record_status(self, result: str, report: SyncReport, error: str | None = None) -> None:
        record_status(self.store, self.name, result, report.failures, error)

    def _steps(self, report: SyncReport) -> SyncReport:
        started = time.monotonic()
        requests_before = self.adapter.requests
        self.view.index()
        capabilities = self.adapter.capabilities
        if Capability.PULL in capabilities:
            for spec in self.tables:
                self._check_cancel()
                self._pull_table(spec, report)
        deletions: list[tuple[TableSpec, list[tuple[Outgoing, PlannedPush]]]] = []
        if Capability.PUSH in capabilities:
            self.view.load_derived()
            for spec in self.tables:
                self._check_cancel()
                items, _waiting, owned = self.view.outbox(spec)
                self._open_owned_conflicts(spec, owned, report)
                writes = [i for i in items if not i[0].delete]
                deletions.append((spec, [i for i in items if i[0].delete]))
                self.progress(Progress("push", spec.table, 0, len(writes), f"Pushing {spec.table}"))
                self._push_items(spec, writes, report, "push")
            for spec, items in reversed(deletions):
                if items:
                    self._push_items(spec, items, report, "delete")
        report.open_conflicts = count_conflicts(self.store, self.name)
        report.requests = self.adapter.requests - requests_before
        report.seconds = time.monotonic() - started
        result = {EXIT_PARTIAL: "partial", EXIT_ACTION: "conflicts"}.get(report.exit_code, "ok")
        self._record_status(result, report)
        report.changed_locally = True
        self.progress(Progress("done", "", 0, None, "Sync finished"))
        log.info(
            "sync %s: pulled %d, pushed %d, %d failures, %d conflicts, %d requests",
            self.name,
            sum(report.pulled.values()),
            sum(report.pushed.values()),
            len(report.failures),
            report.open_conflicts,
            report.requests,
        )
        return report


def record_status(
    store: Store,
    adapter: str,
    result: str,
    failures: Sequence[Failure] = (),
    error: str | None = None,
) -> None:
    """Remember how a run ended (``ok``, ``partial``, ``conflicts``, ``failed``,
    ``cancelled``), naming the records the CRM refused, for ``--status`` and the app."""
    now = clock.now().isoformat(timespec="seconds")
    values: dict[str, Any] = {
        "last_sync": now,
        "last_result": result,
        "last_error": error,
        "last_failures": [
            {
                "table": f.table,
                "record_id": f.record_id,
                "label": f.label,
                "account": f.account,
                "message": f.message,
            }
            for f in failures[:STATUS_FAILURES]
        ],
        "failure_count": len(failures),
    }
    if result == "ok":
        values["last_ok"] = now
    with store.transaction() as txn:
        txn.put(STATUS_TABLE, adapter, values)


def status_time(value: Any) -> datetime | None:
    """A time :func:`record_status` (or the hub's state) wrote; None if absent or unreadable."""
    try:
        return datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def pending_count(
    store: Store, adapter: str, tables: Sequence[TableSpec], *, push_mirrors: bool = True
) -> int:
    """Records with local changes the CRM has not confirmed (what the status bar shows).

    A cheaper twin of ``outbox()``: it stops at the first differing field of a record and
    builds nothing (about 0.2 s for 40,000 records; run it off the UI thread).
    Edits of CRM-owned fields waiting for a decision count too.
    """
    view = LocalView(store, adapter, tables, push_mirrors=push_mirrors)
    view.load_derived()
    total = 0
    empty: dict[str, Any] = {}
    rids: dict[str, dict[str, Any]] = {}
    for parent_table in {t.parent_table for t in view.tables if t.parent_table}:
        rids[parent_table] = {}
        for rec in view.records(parent_table):
            block = rec.get(META)
            found = block.get(adapter) if isinstance(block, dict) else None
            if isinstance(found, dict):
                rids[parent_table][rec["id"]] = found.get("rid")
    for spec in view.tables:
        fields = [(f, f.name, f.derived) for f in spec.fields]
        for rec in view.records(spec.table):
            block = rec.get(META)
            found = block.get(adapter) if isinstance(block, dict) else None
            if not isinstance(found, dict) or not found.get("rid") or rec.get("_deleted"):
                total += 1
                continue
            base = found.get("base") or empty
            for f, name, derived in fields:
                mine = view.local(f, rec) if derived else rec.get(name)
                if derived and mine is None:
                    continue
                if not same(mine, base.get(name, MISSING)):
                    if f.owner == "crm" and name not in base:
                        continue
                    total += 1
                    break
            else:
                if spec.parent_table and spec.parent_field:
                    linked = rids[spec.parent_table].get(rec.get(spec.parent_field) or "")
                    if linked is not None and linked != found.get("assoc"):
                        total += 1
    return total
