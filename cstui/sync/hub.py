"""The team hub: a laptop's data folder syncs every table with the team server's folder.

The server needs nothing new: ``ssh host cstui serve --stdio --data-dir DIR`` (or, for a
folder on this machine, the same command as a child process) speaks a small versioned
protocol on stdin/stdout, as git and rsync do. Messages are JSON lines:

* ``hello {protocol, replica}`` -> ``hello {protocol, book, seq}`` or ``error {code, message}``
  (optional ``cursor`` and ``tables``: what the laptop will read, so the hub loads those
  tables while the laptop reads its own; an older hub ignores them);
* ``clone`` -> ``files [{name, size}]`` followed by the raw bytes of each file (the
  snapshot and journal read as a consistent pair: a clone costs about a file copy);
* ``pull {cursor, limit}`` -> ``page {items, cursor, more}``: every record whose ``_seq`` (the
  hub's sequence number of its last change) is above ``cursor``, tombstones included;
* ``push {changes}`` -> ``pushed {results}``: each change carries the laptop's base values
  and an op id; the hub merges per field under its normal write lock (cstui apps open on
  the server see the result live) and says which fields it refused and why;
* ``bye``.

Why this shape:

* **The agreed base lives in a second store**, ``DIR/hub/``: a copy of every record as
  both sides last agreed on it (in the hub's own layout, lazily parsed). Keeping the base
  inside each record would double the laptop's main data file and turn a clone into a
  rewrite of every record; as a separate store, a clone is two file copies and the base of
  an edit made offline is simply there. The cursor and this folder's hub settings are a
  record of that store, committed in the same transaction as the bases of a pulled page.
* **Push first, then pull.** The hub merges the laptop's changes against their base under
  its lock (it has the current value; HubSpot has no conditional writes, the hub has),
  then the pull brings everything, our merged records included, so one run converges.
* **Op ids make pushes idempotent.** A change's op id is this folder's replica id plus the
  record's revision here; the hub keeps the last op applied per replica in its record's
  ``_sync`` block with the answer it gave. A batch re-sent after a kill gets the same
  answer and changes nothing.
* **Crash safety is ordering.** Pulled records are written here first, then their bases
  and the cursor (one transaction). A kill between the two leaves records whose value
  differs from their base: the next run pushes them, the hub already holds those values,
  and they are simply agreed. Local changes are found through ``_seq`` above the mark of
  the last complete run, and compared with their base, so nothing can fall out.
* **Merging is the CRM sync's**: per field against the base; the same field changed on
  both sides becomes a conflict record (adapter ``hub``) shown by the Conflicts screen and
  ``cstui sync --conflicts``. Deletions travel as tombstones and win over edits. Records
  created on both sides under the same id (generated cadence, onboarding and follow-up
  tasks) merge: a copy untouched since it was generated here takes the hub's values.
  Derived tables (health summaries) never conflict: the latest writer wins, so both sides
  show the same score.

Local bookkeeping never travels: ``conflicts`` and every ``sync_*`` table.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import os
import shlex
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any

import orjson

from cstui import clock, i18n
from cstui.domain.history import history_records
from cstui.domain.score_history import table_month
from cstui.exitcodes import EXIT_ACTION, EXIT_DATA, EXIT_OK, EXIT_REMOTE, EXIT_STORAGE
from cstui.store import LockBusyError, Store, StoreError, gc_paused
from cstui.store.errors import StorageError

from .conflicts import CONFLICTS_TABLE, conflict_id, count_conflicts, open_fields, record_conflict
from .engine import Progress, status_time
from .errors import (
    Cancelled,
    ConfigError,
    SyncBusy,
    SyncError,
    Unreachable,
)
from .meta import MISSING, same

PROTOCOL = 1
"""Bumped whenever a message changes meaning; both sides refuse another version."""
ADAPTER = "hub"
"""The conflicts' ``adapter`` for hub conflicts."""
BASE_DIR = "hub"
"""The base store's folder inside a laptop's data folder."""
STATE_TABLE = "sync_hub"
STATE_ID = "state"
BOOK_ID = "book"
DERIVED_TABLES = frozenset({"health"})
"""Computed from the other tables: never a conflict, the latest writer wins (so are the
month tables of the health scores' history, see :func:`is_derived`)."""
PAGE = 2000
BATCH = 1000
SNAPSHOT = "cstui.json"
JOURNAL = "journal.jsonl"
PARTIAL = ".clone-partial"
REMOTE_COMMAND_ENV = "CSTUI_REMOTE_COMMAND"
"""The command that runs cstui on the server (default ``cstui``), e.g. a venv's path."""
SSH_COMMAND_ENV = "CSTUI_SSH_COMMAND"
"""The ssh client and its options (default ``ssh``), like git's ``GIT_SSH_COMMAND``."""


DERIVED_FIELDS = {
    "alerts": frozenset(
        {"evidence", "evidence_msg", "since", "first_seen", "last_seen", "resolved", "resolved_on"}
    )
}
"""Fields each rescore computes again in a table whose other fields are people's (an alert's
snooze): the latest writer wins them too. Two laptops rescoring on two days made every
alert's ``last_seen`` a conflict to decide by hand."""


def is_derived(table: str, field: str | None = None) -> bool:
    """A table computed from the others (see :data:`DERIVED_TABLES`), or with ``field``,
    a field computed in it (:data:`DERIVED_FIELDS`)."""
    if table in DERIVED_TABLES or table_month(table) is not None:
        return True
    return field is not None and field in DERIVED_FIELDS.get(table, ())


# ---------------------------------------------------------------------------- errors


class HubError(SyncError):
    """A problem with the hub; the message is one sentence naming what to fix."""


class HubUnreachable(HubError, Unreachable):
    """ssh (or the local server process) failed or the connection broke."""


class NotABook(HubError):
    """The hub's folder is not a cstui data folder."""

    exit_code = EXIT_DATA


class ProtocolMismatch(HubError):
    """The server runs a cstui that speaks another protocol version."""

    exit_code = EXIT_REMOTE


class HubPermission(HubError):
    """The server's user may not read or write the team folder."""

    exit_code = EXIT_STORAGE


class CloneRefused(HubError, ConfigError):
    """The target folder already holds another book."""

    exit_code = EXIT_DATA


_CODES: dict[str, type[HubError]] = {
    "not_a_book": NotABook,
    "protocol": ProtocolMismatch,
    "permission": HubPermission,
}


def travels(table: str) -> bool:
    """Whether a table is shared through the hub (local bookkeeping is not)."""
    return table != CONFLICTS_TABLE and not table.startswith("sync_")


def fields_of(rec: dict[str, Any]) -> dict[str, Any]:
    """The values that travel: everything but ``id`` and the store's/sync's ``_`` fields."""
    return {k: v for k, v in rec.items() if k != "id" and not k.startswith("_")}


# A field the hub refused, to ask the user about: (table, local record, field, base,
# mine, theirs); MISSING stands for "no value".
_Refusal = tuple[str, dict[str, Any], str, Any, Any, Any]


def _sort_refused(
    ch: dict[str, Any],
    refused: dict[str, Any],
    local: dict[str, Any],
    agreed: dict[str, Any],
    conflicts: list[_Refusal],
) -> tuple[dict[str, Any], list[str]]:
    """Decide each field the hub refused in one pushed change (the hub holds another
    value); returns the hub's values to take over locally (set, unset).

    A record new to the hub (no base) agrees on the hub's values from now on. If it is a
    twin still untouched here (the same generated record made in two folders), the hub's
    values simply replace ours; otherwise each refused field is added to ``conflicts``.
    """
    twin_untouched = ch.get("base") is None and int(local.get("_rev", 0)) <= 1
    take_set: dict[str, Any] = {}
    take_unset: list[str] = []
    for name, theirs_box in refused.items():
        theirs = theirs_box.get("v", MISSING)
        mine = (ch.get("set") or {}).get(name, MISSING)
        was = (ch.get("base") or {}).get(name, MISSING)
        if ch.get("base") is None:
            _set_base(agreed, name, theirs)
        if twin_untouched:
            if theirs is MISSING:
                take_unset.append(name)
            else:
                take_set[name] = theirs
        else:
            conflicts.append((ch["t"], local, name, was, mine, theirs))
    return take_set, take_unset


@contextlib.contextmanager
def _gc_quiet() -> Iterator[None]:
    """No cyclic GC during a sync, and the tables it parsed frozen out of it afterwards.

    A sync parses tens of MB of records (millions of objects, no cycles) and keeps them
    for the store's life. With the collector on, every parse and the first allocation
    after it walked the whole heap again: 1-2 s of a 2,000-edit sync at 50,000 accounts.
    ``gc.freeze()`` moves what exists now out of the collector's sight (refcounting still
    frees it), so re-enabling does not start with a full walk either.
    """
    with gc_paused():
        try:
            yield
        finally:
            gc.freeze()


# ---------------------------------------------------------------------------- wire


class Wire:
    """JSON lines (and raw file bytes) over a pair of byte streams."""

    def __init__(self, rd: IO[bytes], wr: IO[bytes]) -> None:
        self.rd = rd
        self.wr = wr
        self.sent = 0
        self.received = 0

    def send(self, msg: dict[str, Any]) -> None:
        data = orjson.dumps(msg) + b"\n"
        self.wr.write(data)
        self.wr.flush()
        self.sent += len(data)

    def send_raw(self, data: bytes) -> None:
        self.wr.write(data)
        self.sent += len(data)

    def recv(self) -> dict[str, Any] | None:
        line = self.rd.readline()
        if not line:
            return None
        self.received += len(line)
        try:
            msg = orjson.loads(line)
        except orjson.JSONDecodeError:
            raise HubUnreachable(i18n.said("sync.hub.not_protocol_login")) from None
        if not isinstance(msg, dict):
            raise HubUnreachable(i18n.said("sync.hub.not_protocol"))
        return msg

    def recv_raw(self, size: int, sink: IO[bytes], step: Callable[[int], None]) -> None:
        left = size
        while left > 0:
            chunk = self.rd.read(min(left, 1 << 20))
            if not chunk:
                raise HubUnreachable(i18n.said("sync.hub.cut_in_file"))
            sink.write(chunk)
            left -= len(chunk)
            self.received += len(chunk)
            step(len(chunk))


# ---------------------------------------------------------------------------- server


def _error(code: str, message: str) -> dict[str, Any]:
    return {"type": "error", "code": code, "message": message}


def _refuse(wire: Wire, code: str, message: str) -> int:
    """Answer with an error; returns the exit code of the error the client raises for it."""
    wire.send(_error(code, message))
    return _CODES[code].exit_code


def serve_dir(
    data_dir: Path, rd: IO[bytes], wr: IO[bytes], *, actor: str, team: bool = False
) -> int:
    """``cstui serve --stdio``: answer one client on ``rd``/``wr``; returns an exit code.

    The folder must already be a cstui data folder: nothing is created for a wrong path.
    """
    wire = Wire(rd, wr)
    hello = wire.recv()
    if hello is None:
        return 0
    if hello.get("type") != "hello" or hello.get("protocol") != PROTOCOL:
        return _refuse(
            wire,
            "protocol",
            f"The hub runs cstui with hub protocol {PROTOCOL} and this computer speaks "
            f"{hello.get('protocol')!r}; install the same cstui version on both.",
        )
    folder = Path(data_dir).expanduser()
    if not (folder / SNAPSHOT).is_file():
        what = "does not exist" if not folder.exists() else "is not a cstui data folder"
        hint = "give the path of the team's data folder"
        return _refuse(wire, "not_a_book", f"{folder} on the hub {what}; {hint}.")
    try:
        store = Store(folder, actor=actor, team=team)
    except StorageError as exc:
        return _refuse(wire, "permission", f"On the hub: {exc}")
    except StoreError as exc:
        return _refuse(wire, "not_a_book", f"On the hub: {exc}")
    try:
        with _gc_quiet():
            return serve(store, rd, wr, hello=hello, wire=wire)
    finally:
        store.close(checkpoint=False)


def book_id(store: Store) -> str:
    """This book's id: kept when cloned, created the first time a folder serves."""
    base = _state_of(store.data_dir)
    if base is not None and base.get("book"):
        return str(base["book"])
    rec = store.get(STATE_TABLE, BOOK_ID)
    if rec is not None:
        return str(rec["book"])
    new = store.new_id()
    store.update(STATE_TABLE, BOOK_ID, lambda cur: cur if cur else {"book": new})
    rec = store.get(STATE_TABLE, BOOK_ID)
    assert rec is not None
    return str(rec["book"])


def serve(
    store: Store,
    rd: IO[bytes],
    wr: IO[bytes],
    *,
    hello: dict[str, Any] | None = None,
    wire: Wire | None = None,
) -> int:
    """The hub side: answer requests until ``bye`` or end of input. Writes go through the
    store's transactions (its normal lock), so apps open on this folder see them live."""
    wire = wire or Wire(rd, wr)
    if hello is None:
        hello = wire.recv()
        if hello is None:
            return 0
    try:
        book = book_id(store)
    except StorageError as exc:
        return _refuse(wire, "permission", f"On the hub: {exc}")
    store.poll()
    wire.send({"type": "hello", "protocol": PROTOCOL, "book": book, "seq": store.last_seq})
    stop = threading.Event()
    _warm(store, hello, stop)
    try:
        return _answer_requests(store, wire, stop)
    finally:
        stop.set()


def _warm(store: Store, hello: dict[str, Any], stop: threading.Event) -> None:
    """Load the tables this sync will read while the laptop works out what to send.

    The hello may name the tables the laptop changed (``tables``) and where its last pull
    ended (``cursor``); parsing those tables here (a second or two at 50,000 accounts)
    then overlaps with the laptop reading its own, instead of following it. Only a head
    start: the requests load whatever they need themselves, and a table that cannot be
    read fails there, with the proper answer.
    """
    names = {n for n in hello.get("tables") or [] if isinstance(n, str)}
    cursor = hello.get("cursor")
    if type(cursor) is int:
        names.update(store.tables_changed_since(cursor))
    wanted = sorted(n for n in names if travels(n))
    if not wanted:
        return

    def load() -> None:
        for name in wanted:
            if stop.is_set() or store.closed:
                return
            with contextlib.suppress(Exception):  # the request that needs it reports it
                store.count(name)

    threading.Thread(target=load, name="hub-warm", daemon=True).start()


def _answer_requests(store: Store, wire: Wire, stop: threading.Event) -> int:
    """Answer requests until ``bye`` or end of input."""
    pending: list[tuple[str, dict[str, Any]]] = []
    while True:
        msg = wire.recv()
        if msg is None or msg.get("type") == "bye":
            stop.set()
            return 0
        kind = msg.get("type")
        try:
            if kind == "clone":
                snapshot, journal = store.export_files()
                wire.send(
                    {
                        "type": "files",
                        "files": [
                            {"name": SNAPSHOT, "size": len(snapshot)},
                            {"name": JOURNAL, "size": len(journal)},
                        ],
                    }
                )
                wire.send_raw(snapshot)
                wire.send_raw(journal)
                wire.wr.flush()
            elif kind == "pull":
                cursor = int(msg["cursor"])
                limit = int(msg.get("limit", PAGE))
                if not pending or pending[0][1].get("_seq", 0) <= cursor:
                    store.poll()
                    pending = [(t, r) for t, r in store.changed_since(cursor) if travels(t)]
                else:
                    pending = [(t, r) for t, r in pending if r.get("_seq", 0) > cursor]
                page, pending = pending[:limit], pending[limit:]
                items = [_item(t, r) for t, r in page]
                end = page[-1][1].get("_seq", cursor) if page else max(cursor, store.last_seq)
                wire.send({"type": "page", "items": items, "cursor": end, "more": bool(pending)})
            elif kind == "push":
                replica = str(msg.get("replica", ""))
                wire.send({"type": "pushed", "results": _apply_push(store, replica, msg)})
                pending = []
            else:
                wire.send(_error("protocol", f"Unknown request {kind!r}."))
        except StorageError as exc:
            return _refuse(wire, "permission", f"On the hub: {exc}")
        except (KeyError, TypeError, ValueError) as exc:
            return _refuse(wire, "protocol", f"A request the hub cannot read ({exc}).")


def _item(table: str, rec: dict[str, Any]) -> dict[str, Any]:
    if rec.get("_deleted"):
        return {"t": table, "id": rec["id"], "del": True}
    return {"t": table, "id": rec["id"], "v": fields_of(rec)}


def _apply_push(store: Store, replica: str, msg: dict[str, Any]) -> list[dict[str, Any]]:
    """Merge a batch of laptop changes under the write lock; one answer per change."""
    results: list[dict[str, Any]] = []
    with store.transaction() as txn:
        for ch in msg["changes"]:
            table, rid = str(ch["t"]), str(ch["id"])
            if not travels(table):
                results.append({"refused": {}})
                continue
            cur = txn.get(table, rid, include_deleted=True)
            if ch.get("del"):
                if cur is not None and not cur.get("_deleted"):
                    txn.delete(table, rid)
                results.append({})
                continue
            op = ch.get("op")
            sync_block = (cur or {}).get("_sync") or {}
            ops = dict((sync_block.get(ADAPTER) or {}).get("ops") or {})
            seen = ops.get(replica)
            if op and isinstance(seen, dict) and seen.get("op") == op:
                results.append(seen["result"])  # a re-sent batch: the same answer again
                continue
            if cur is not None and cur.get("_deleted"):
                results.append({"deleted": True})  # deleted on the hub: the deletion wins
                continue
            result = _merge_in(txn, table, rid, cur, ch, ops, replica, op)
            results.append(result)
    return results


def _merge_in(
    txn: Any,
    table: str,
    rid: str,
    cur: dict[str, Any] | None,
    ch: dict[str, Any],
    ops: dict[str, Any],
    replica: str,
    op: str | None,
) -> dict[str, Any]:
    sets: dict[str, Any] = ch.get("set") or {}
    unsets: list[str] = list(ch.get("unset") or [])
    base: dict[str, Any] | None = ch.get("base")
    derived = is_derived(table)
    refused: dict[str, Any] = {}
    put: dict[str, Any] = {}
    remove: list[str] = []
    here = cur or {}
    last = ops.get(replica)
    # What this laptop's previous push wrote here: when its answer was lost (the laptop was
    # killed, the network cut), the laptop still holds the older base, yet the value on
    # the hub is its own; a newer edit of it is no conflict.
    wrote = _written(last)
    for name in [*sets, *unsets]:
        mine = sets.get(name, MISSING)
        theirs = here.get(name, MISSING)
        if same(theirs, mine):
            continue
        was = MISSING if base is None else base.get(name, MISSING)
        if (
            derived
            or is_derived(table, name)
            or (cur is None)
            or (base is not None and same(theirs, was))
            or (base is None and theirs is MISSING)
            or (name in wrote and same(theirs, wrote[name]))
        ):
            if mine is MISSING:
                remove.append(name)
            else:
                put[name] = mine
        else:
            refused[name] = {} if theirs is MISSING else {"v": theirs}
    result = {"refused": refused}
    if op and replica:
        ops[replica] = {"op": op, "result": result, "wrote": dict(put), "gone": remove}
        block = dict(here.get("_sync") or {})
        block[ADAPTER] = {**(block.get(ADAPTER) or {}), "ops": ops}
        put["_sync"] = block
    if put or remove:
        txn.put(table, rid, put, remove)
    return result


def _hub_conflict(
    txn: Any, table: str, local: dict[str, Any], name: str, base: Any, mine: Any, theirs: Any
) -> bool:
    """Record (or refresh) a hub conflict on one field; MISSING values are stored as None."""
    return record_conflict(
        txn,
        adapter=ADAPTER,
        table=table,
        record=local,
        field=name,
        base=None if base is MISSING else base,
        mine=None if mine is MISSING else mine,
        theirs=None if theirs is MISSING else theirs,
        kind="both",
    )


def _written(last: Any) -> dict[str, Any]:
    """Field -> value that a replica's last recorded push wrote (MISSING: it removed it)."""
    if not isinstance(last, dict):
        return {}
    wrote = dict(last.get("wrote") or {})
    for name in last.get("gone") or []:
        wrote[name] = MISSING
    return wrote


# ---------------------------------------------------------------------------- transports


@dataclass(frozen=True)
class Remote:
    """Where the hub is: ``host`` None for a folder on this machine."""

    text: str
    host: str | None
    path: str

    @classmethod
    def parse(cls, text: str) -> Remote:
        head, sep, tail = text.partition(":")
        if sep and head and "/" not in head and not text.startswith((".", "/", "~")):
            if not tail:
                raise ConfigError(f"Give the team folder's path after the colon in {text!r}.")
            return cls(text, head, tail)
        return cls(text, None, str(Path(text).expanduser().absolute()))

    def command(self) -> list[str]:
        if self.host is None:
            return [
                sys.executable, "-m", "cstui", "serve", "--stdio", "--data-dir", self.path,
            ]  # fmt: skip
        ssh = shlex.split(os.environ.get(SSH_COMMAND_ENV) or "ssh")
        remote = os.environ.get(REMOTE_COMMAND_ENV) or "cstui"
        line = f"{remote} serve --stdio --data-dir {shlex.quote(self.path)}"
        return [*ssh, "-o", "BatchMode=yes", self.host, line]


class Connection:
    """One conversation with a hub through a child process (``ssh`` or a local cstui)."""

    def __init__(
        self,
        remote: Remote,
        *,
        protocol: int = PROTOCOL,
        hints: dict[str, Any] | None = None,
        later: bool = False,
    ) -> None:
        """``hints`` go with the hello: what this sync will read (see ``_warm``). With
        ``later`` the hub's answer is read by ``greet()`` (or the first request), so the
        caller can work while the hub starts."""
        self.remote = remote
        self._err_lines: list[bytes] = []
        try:
            self.proc = subprocess.Popen(
                remote.command(),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                start_new_session=True,  # Ctrl-C goes to us, we end the child cleanly
            )
        except OSError as exc:
            raise HubUnreachable(
                i18n.said("sync.hub.cannot_start", program=remote.command()[0], reason=exc.strerror)
            ) from None
        assert self.proc.stdin is not None
        assert self.proc.stdout is not None
        self._stderr = threading.Thread(target=self._drain, daemon=True)
        self._stderr.start()
        self.wire = Wire(self.proc.stdout, self.proc.stdin)
        self.book = ""
        self.seq = 0
        self._greeted = False
        with contextlib.suppress(OSError):  # the answer (or its absence) says why
            self.wire.send({"type": "hello", "protocol": protocol, **(hints or {})})
        if not later:
            self.greet()

    def greet(self) -> None:
        """Read the hub's hello answer (once): its book and sequence number, or its error."""
        if self._greeted:
            return
        hello = self._answer("hello")
        self._greeted = True
        self.book = str(hello.get("book", ""))
        self.seq = int(hello.get("seq", 0))

    def _drain(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            if len(self._err_lines) < 50:
                self._err_lines.append(line)

    def _failure(self) -> HubError:
        try:
            code = self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            code = None
        self._stderr.join(timeout=2)
        text = b" ".join(x.strip() for x in self._err_lines).decode("utf-8", "replace").strip()
        text = text[:300]
        where = self.remote.text
        if self.remote.host is not None and code == 127:
            return HubUnreachable(
                i18n.said("sync.hub.not_installed", host=self.remote.host, var=REMOTE_COMMAND_ENV)
            )
        if self.remote.host is not None and code == 255:
            reason = text or i18n.render(i18n.Msg("sync.hub.no_reason"))
            return HubUnreachable(
                i18n.said("sync.hub.ssh_failed", host=self.remote.host, reason=reason)
            )
        detail = i18n.msg("sync.hub.detail", text=text) if text else ""
        return HubUnreachable(i18n.said("sync.hub.ended", where=where, detail=detail))

    def _answer(self, want: str) -> dict[str, Any]:
        try:
            msg = self.wire.recv()
        except OSError:
            msg = None
        if msg is None:
            raise self._failure()
        if msg.get("type") == "error":
            cls = _CODES.get(str(msg.get("code")), HubError)
            raise cls(str(msg.get("message", "The hub refused the request.")))
        if msg.get("type") != want:
            raise HubUnreachable(f"The hub answered {msg.get('type')!r} where {want!r} was due.")
        return msg

    def request(self, msg: dict[str, Any], want: str) -> dict[str, Any]:
        self.greet()
        try:
            self.wire.send(msg)
        except OSError:
            raise self._failure() from None
        return self._answer(want)

    def close(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            self.wire.send({"type": "bye"})
        with contextlib.suppress(OSError, ValueError):
            assert self.proc.stdin is not None
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for stream in (self.proc.stdout, self.proc.stderr):
            with contextlib.suppress(OSError, ValueError):
                if stream is not None:
                    stream.close()

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# ---------------------------------------------------------------------------- laptop state


def base_dir(data_dir: Path) -> Path:
    return Path(data_dir) / BASE_DIR


def has_hub(data_dir: Path | str) -> bool:
    """Whether a data folder is a clone of a team hub (cheap: one ``stat``)."""
    return (base_dir(Path(data_dir)) / SNAPSHOT).is_file()


def _state_of(data_dir: Path) -> dict[str, Any] | None:
    """The hub settings of a folder, or None when it has no hub (opens the base store)."""
    if not has_hub(data_dir):
        return None
    base = Store(base_dir(data_dir), actor="cstui")
    try:
        return base.get(STATE_TABLE, STATE_ID)
    finally:
        base.close(checkpoint=False)


@dataclass
class HubStatus:
    """For ``cstui sync --status`` and the status line."""

    remote: str
    pending: int
    conflicts: int
    last_sync: datetime | None
    last_result: str | None
    last_error: str | None
    last_ok: datetime | None


@dataclass
class HubReport:
    """What one run did."""

    pushed: int = 0
    refused: int = 0
    pulled: int = 0
    applied: int = 0
    deleted: int = 0
    conflicts: int = 0
    open_conflicts: int = 0
    sent: int = 0
    received: int = 0
    seconds: float = 0.0
    touched: dict[str, set[str]] = field(default_factory=dict)

    @property
    def exit_code(self) -> int:
        return EXIT_ACTION if self.open_conflicts else EXIT_OK


Notify = Callable[[Progress], None]


def _noop(_: Progress) -> None:
    pass


class HubSync:
    """A laptop folder's side of the hub: push, pull, status, conflict decisions."""

    def __init__(self, store: Store, *, page: int = PAGE, batch: int = BATCH) -> None:
        if not has_hub(store.data_dir):
            raise ConfigError(i18n.said("sync.hub.no_hub", path=store.data_dir))
        self.store = store
        self.page = page
        self.batch = batch
        self.base = Store(base_dir(store.data_dir), actor=store.actor, team=store.team)

    def close(self) -> None:
        self.base.close()

    def __enter__(self) -> HubSync:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- state

    def state(self) -> dict[str, Any]:
        return self.base.get(STATE_TABLE, STATE_ID) or {}

    def status(self) -> HubStatus:
        st = self.state()
        self.store.poll()
        self.base.poll()
        return HubStatus(
            remote=str(st.get("remote", "")),
            pending=len(self.outgoing()),
            conflicts=count_conflicts(self.store, ADAPTER),
            last_sync=status_time(st.get("last_sync")),
            last_result=st.get("last_result"),
            last_error=st.get("last_error"),
            last_ok=status_time(st.get("last_ok")),
        )

    def _record(self, **values: Any) -> None:
        self.base.update(STATE_TABLE, STATE_ID, lambda cur: {**(cur or {}), **values})

    def record_failure(self, exc: SyncError) -> None:
        result = "cancelled" if isinstance(exc, Cancelled) else "failed"
        self._record(
            last_sync=clock.now().isoformat(timespec="seconds"),
            last_result=result,
            last_error=str(exc),
        )

    def _hints(self, st: dict[str, Any]) -> dict[str, Any]:
        """For the hub's hello: where our pull resumes and the tables we changed, found
        without parsing any, so the hub loads them while we read ours."""
        changed = self.store.tables_changed_since(int(st.get("mark", 0)))
        recheck = [str(t) for t, _ in st.get("recheck") or []]
        tables = sorted({t for t in [*changed, *recheck] if travels(t)})
        return {"cursor": int(st.get("cursor", 0)), "tables": tables}

    # -- push

    def outgoing(self) -> list[dict[str, Any]]:
        """Every local change the hub has not confirmed, as push changes (with bases)."""
        st = self.state()
        mark = int(st.get("mark", 0))
        open_ = open_fields(self.store, ADAPTER)
        seen: set[tuple[str, str]] = set()
        found: list[tuple[str, dict[str, Any]]] = []
        for table, rec in self.store.changed_since(mark):
            if travels(table):
                found.append((table, rec))
                seen.add((table, rec["id"]))
        for table, rid in st.get("recheck") or []:
            if (table, rid) not in seen:
                again = self.store.get(table, rid, include_deleted=True)
                if again is not None:
                    found.append((table, again))
        out: list[dict[str, Any]] = []
        for table, rec in found:
            rid = rec["id"]
            base = self.base.get(table, rid)
            if rec.get("_deleted"):
                if base is not None:
                    out.append({"t": table, "id": rid, "del": True})
                continue
            mine = fields_of(rec)
            if base is None:
                op = _op_id(rec, mine, [], None)
                out.append({"t": table, "id": rid, "op": op, "base": None, "set": mine})
                continue
            agreed = fields_of(base)
            skip = open_.get((table, rid), set())
            sets = {
                k: v
                for k, v in mine.items()
                if k not in skip and not same(agreed.get(k, MISSING), v)
            }
            unsets = [k for k in agreed if k not in mine and k not in skip]
            if not sets and not unsets:
                continue
            was = {k: agreed[k] for k in [*sets, *unsets] if k in agreed}
            op = _op_id(rec, sets, unsets, was)
            out.append({"t": table, "id": rid, "op": op, "base": was, "set": sets, "unset": unsets})
        return out

    def _push(
        self,
        conn: Connection,
        changes: list[dict[str, Any]],
        report: HubReport,
        notify: Notify,
        cancel: threading.Event,
    ) -> None:
        replica = str(self.state().get("replica", ""))
        total = len(changes)
        for start in range(0, total, self.batch):
            if cancel.is_set():
                raise Cancelled("Cancelled; what was sent so far is saved.")
            batch = changes[start : start + self.batch]
            notify(Progress("push", "", start, total, f"Sending {start}/{total} changes…"))
            answer = conn.request({"type": "push", "replica": replica, "changes": batch}, "pushed")
            results = answer.get("results")
            if not isinstance(results, list) or len(results) != len(batch):
                raise HubUnreachable("The hub's answer to a push does not match what was sent.")
            self._pushed(batch, results, report)
        notify(Progress("push", "", total, total, f"Sent {total} changes."))

    def _pushed(
        self, batch: list[dict[str, Any]], results: list[dict[str, Any]], report: HubReport
    ) -> None:
        """Advance bases to what the hub accepted; refused fields become conflicts."""
        conflicts: list[_Refusal] = []
        takes: list[tuple[str, str, dict[str, Any], list[str]]] = []
        with self.base.transaction() as btx:
            for ch, res in zip(batch, results, strict=True):
                table, rid = ch["t"], ch["id"]
                if ch.get("del"):
                    btx.purge(table, rid)
                    report.pushed += 1
                    continue
                if res.get("deleted"):
                    continue  # the pull brings the tombstone
                refused: dict[str, Any] = res.get("refused") or {}
                base_rec = btx.get(table, rid)
                agreed = fields_of(base_rec) if base_rec is not None else {}
                for name, value in (ch.get("set") or {}).items():
                    if name not in refused:
                        agreed[name] = value
                for name in ch.get("unset") or []:
                    if name not in refused:
                        agreed.pop(name, None)
                local = self.store.get(table, rid) or {}
                take_set, take_unset = _sort_refused(ch, refused, local, agreed, conflicts)
                if take_set or take_unset:
                    takes.append((table, rid, take_set, take_unset))
                gone = [k for k in fields_of(base_rec or {}) if k not in agreed]
                btx.put(table, rid, agreed, gone)
                report.pushed += 1
                report.refused += len(refused)
        if conflicts or takes:
            self._keep_refused(takes, conflicts, report)

    def _keep_refused(
        self,
        takes: list[tuple[str, str, dict[str, Any], list[str]]],
        conflicts: list[_Refusal],
        report: HubReport,
    ) -> None:
        """Write what ``_sort_refused`` decided, in one local transaction: the hub's
        values taken over untouched twins, then a conflict for each other refused field."""
        with self.store.transaction() as txn:
            for table, rid, take_set, take_unset in takes:
                txn.put(table, rid, take_set, take_unset)
            for table, local, name, was, mine, theirs in conflicts:
                if _hub_conflict(txn, table, local, name, was, mine, theirs):
                    report.conflicts += 1

    # -- pull

    def _pull(
        self, conn: Connection, report: HubReport, notify: Notify, cancel: threading.Event
    ) -> None:
        cursor = int(self.state().get("cursor", 0))
        if cursor > conn.seq:
            cursor = 0  # the hub went back (restored from a backup): read it all again
        start = cursor
        span = max(conn.seq - start, 1)
        while True:
            if cancel.is_set():
                raise Cancelled("Cancelled; what was received so far is saved.")
            page = conn.request({"type": "pull", "cursor": cursor, "limit": self.page}, "page")
            items = page.get("items")
            if not isinstance(items, list):
                raise HubUnreachable("The hub sent a page without items.")
            self._apply_page(items, report)
            cursor = int(page.get("cursor", cursor))
            self._record(cursor=cursor)
            done = min(max(cursor - start, 0), span)
            notify(Progress("pull", "", done, span, f"Received {report.pulled} changes…"))
            if not page.get("more"):
                break

    def _apply_page(self, items: list[dict[str, Any]], report: HubReport) -> None:
        """Write one page here, then its bases (crash between the two: see module doc)."""
        open_ = open_fields(self.store, ADAPTER)
        bases: list[tuple[str, str, dict[str, Any] | None]] = []
        with self.store.transaction() as txn:
            for item in items:
                table, rid = str(item["t"]), str(item["id"])
                if not travels(table):
                    continue
                report.pulled += 1
                local = txn.get(table, rid, include_deleted=True)
                base = self.base.get(table, rid)
                if item.get("del"):
                    if local is not None and not local.get("_deleted"):
                        txn.delete(table, rid)
                        report.deleted += 1
                        report.touched.setdefault(table, set()).add(rid)
                    for name in open_.get((table, rid), set()):
                        txn.purge(CONFLICTS_TABLE, conflict_id(ADAPTER, table, rid, name))
                    bases.append((table, rid, None))
                    continue
                theirs: dict[str, Any] = item["v"]
                if local is None:
                    txn.put(table, rid, theirs)
                    report.applied += 1
                    report.touched.setdefault(table, set()).add(rid)
                    bases.append((table, rid, theirs))
                    continue
                if local.get("_deleted"):
                    if base is None:  # deleted here before it ever reached the hub: revive
                        txn.put(table, rid, theirs)
                        bases.append((table, rid, theirs))
                    continue  # a deletion waiting to be pushed wins
                sets, unsets, agreed = self._merge_out(
                    txn, table, local, base, theirs, open_.get((table, rid), set()), report
                )
                if sets or unsets:
                    txn.put(table, rid, sets, unsets)
                    report.applied += 1
                    report.touched.setdefault(table, set()).add(rid)
                bases.append((table, rid, agreed))
        with self.base.transaction() as btx:
            for table, rid, values in bases:
                if values is None:
                    btx.purge(table, rid)
                else:
                    old = btx.get(table, rid)
                    gone = [k for k in fields_of(old or {}) if k not in values]
                    btx.put(table, rid, values, gone)

    def _merge_out(
        self,
        txn: Any,
        table: str,
        local: dict[str, Any],
        base: dict[str, Any] | None,
        theirs: dict[str, Any],
        in_conflict: set[str],
        report: HubReport,
    ) -> tuple[dict[str, Any], list[str], dict[str, Any]]:
        """Three-way merge of one pulled record: (fields to set, to remove, new base)."""
        mine = fields_of(local)
        was = fields_of(base) if base is not None else None
        agreed = dict(was or {})
        sets: dict[str, Any] = {}
        unsets: list[str] = []
        derived = is_derived(table)
        untouched = was is None and int(local.get("_rev", 0)) <= 1
        for name in dict.fromkeys([*mine, *theirs, *(was or {})]):
            m = mine.get(name, MISSING)
            t = theirs.get(name, MISSING)
            b = MISSING if was is None else was.get(name, MISSING)
            if same(m, t):
                _set_base(agreed, name, t)
                if name in in_conflict:
                    txn.purge(CONFLICTS_TABLE, conflict_id(ADAPTER, table, local["id"], name))
                continue
            if was is not None and same(t, b):
                continue  # only changed here: stays pending
            if derived or untouched or is_derived(table, name) or (was is not None and same(m, b)):
                if t is MISSING:
                    unsets.append(name)
                else:
                    sets[name] = t
                _set_base(agreed, name, t)
                continue
            if was is None:
                _set_base(agreed, name, t)  # twins: resolving "mine" pushes ours
            if _hub_conflict(txn, table, local, name, b, m, t):
                report.conflicts += 1
        return sets, unsets, agreed

    # -- the run

    def run(
        self,
        progress: Notify | None = None,
        cancel: threading.Event | None = None,
        *,
        connect: Callable[..., Connection] = Connection,
    ) -> HubReport:
        """Push, then pull; safe to kill at any moment (see the module doc)."""
        notify = progress or _noop
        cancel = cancel or threading.Event()
        started = time.monotonic()  # a duration: not the clock a test or demo pins
        report = HubReport()
        try:
            lock = self.store.named_lock("hub")
            lock.__enter__()
        except LockBusyError as exc:
            raise SyncBusy(i18n.said("sync.hub.busy", reason=str(exc))) from None
        try:
            st = self.state()
            remote = Remote.parse(str(st.get("remote", "")))
            conn = connect(remote, hints=self._hints(st), later=True)
            try:
                self.store.poll()
                mark = self.store.last_seq
                with _gc_quiet():
                    changes = self.outgoing()  # read while the hub starts and loads its own
                    conn.greet()
                    if st.get("book") and conn.book != st.get("book"):
                        raise NotABook(i18n.said("sync.hub.other_book", remote=st.get("remote")))
                    self._push(conn, changes, report, notify, cancel)
                    self._pull(conn, report, notify, cancel)
                report.sent, report.received = conn.wire.sent, conn.wire.received
            finally:
                conn.close()
            report.open_conflicts = count_conflicts(self.store, ADAPTER)
            now = clock.now().isoformat(timespec="seconds")
            result = "conflicts" if report.open_conflicts else "ok"
            self._record(
                mark=mark, recheck=[], last_sync=now, last_result=result, last_error=None,
                last_ok=now,
            )  # fmt: skip
        finally:
            lock.__exit__(None, None, None)
        report.seconds = time.monotonic() - started
        notify(Progress("done", "", 1, 1, "Synced with the hub."))
        return report

    # -- conflicts

    def resolve(self, conflict: str, choice: str, value: Any = None) -> None:
        """Settle a hub conflict: the base becomes the hub's value, so ``mine`` is pushed
        next time, ``theirs`` is taken, ``edit`` sets a value that is pushed."""
        rec = self.store.get(CONFLICTS_TABLE, conflict)
        if rec is None or rec.get("adapter") != ADAPTER:
            from .conflicts import ResolveError

            raise ResolveError(i18n.msg("sync.resolve.hub_missing", conflict=conflict))
        table, rid, name = rec["table"], rec["record_id"], rec["field"]
        theirs = rec.get("theirs")

        def rec_value(chosen: str) -> Any:
            return theirs if chosen == "theirs" else value

        with self.store.transaction() as txn:
            mine = (txn.get(table, rid) or {}).get(name)
            if choice == "theirs":
                txn.put(table, rid, {} if theirs is None else {name: theirs},
                        [name] if theirs is None else [])  # fmt: skip
            elif choice == "edit":
                txn.put(table, rid, {name: value})
            # An account's ARR, stage or currency moves from what was here (keeping mine:
            # from the other side's value, whose history came with it) to the choice.
            was, now = (theirs, mine) if choice == "mine" else (mine, rec_value(choice))
            moved = history_records(
                table,
                rid,
                {name: was},
                {name: now},
                clock.today(),
                source="hub",
                new_id=self.store.new_id,
            )
            for history_table, history_id, values in moved:
                txn.put(history_table, history_id, values)
            txn.purge(CONFLICTS_TABLE, conflict)

        def rebase(cur: dict[str, Any] | None) -> dict[str, Any]:
            out = dict(cur or {})
            _set_base(out, name, MISSING if theirs is None else theirs)
            return out

        self.base.update(table, rid, rebase)
        st = self.state()
        recheck = [*(st.get("recheck") or []), [table, rid]]
        self._record(recheck=recheck)


def _op_id(
    rec: dict[str, Any], sets: dict[str, Any], unsets: list[str], was: dict[str, Any] | None
) -> str:
    """The same change of the same revision has the same id (a re-sent batch), a new
    decision about it (a conflict settled) a new one."""
    digest = hashlib.sha256(
        orjson.dumps([sets, sorted(unsets), was], option=orjson.OPT_SORT_KEYS)
    ).hexdigest()[:16]
    return f"{rec.get('_rev', 0)}:{digest}"


def as_sync_report(report: HubReport) -> Any:
    """The hub run as the CRM's ``SyncReport`` (what the app's sync screen shows)."""
    from collections import Counter

    from .engine import SyncReport

    out = SyncReport(adapter=ADAPTER)
    out.pulled = Counter({ADAPTER: report.pulled})
    out.updated = Counter({ADAPTER: report.applied})
    out.pushed = Counter({ADAPTER: report.pushed})
    out.deleted = Counter({ADAPTER: report.deleted})
    out.new_conflicts = report.conflicts
    out.open_conflicts = report.open_conflicts
    out.seconds = report.seconds
    out.changed_locally = bool(report.applied or report.deleted)
    return out


def _set_base(agreed: dict[str, Any], name: str, value: Any) -> None:
    if value is MISSING:
        agreed.pop(name, None)
    else:
        agreed[name] = value


# ---------------------------------------------------------------------------- clone


def clone(
    remote_text: str,
    target: Path,
    *,
    progress: Callable[[int, int], None] | None = None,
    actor: str = "cstui",
    team: bool = False,
    connect: Callable[[Remote], Connection] = Connection,
) -> tuple[int, int]:
    """Make ``target`` a laptop copy of the hub's book; returns (bytes sent, received).

    Files arrive in ``target/.clone-partial`` and are moved into place only when complete,
    and the hub settings are written last: an interrupted clone leaves no half-made book,
    and running it again starts over. A folder holding another book is refused.
    """
    remote = Remote.parse(remote_text)
    target = Path(target).expanduser().absolute()
    target.mkdir(parents=True, exist_ok=True, mode=0o770 if team else 0o700)
    partial = target / PARTIAL
    if (target / SNAPSHOT).exists() and not partial.exists():
        state = _state_of(target)
        if state is None or not state.get("book"):
            raise CloneRefused(
                f"{target} already holds a cstui book; clone into a new or empty folder."
            )
    with connect(remote) as conn:
        if (target / SNAPSHOT).exists() and not partial.exists():
            state = _state_of(target) or {}
            if state.get("book") != conn.book:
                raise CloneRefused(
                    f"{target} already holds another book; clone into a new or empty folder."
                )
            return conn.wire.sent, conn.wire.received  # already a clone of this hub
        if partial.exists():  # an interrupted clone: start over
            for name in (SNAPSHOT, JOURNAL, "cstui.lock"):
                with contextlib.suppress(FileNotFoundError):
                    (target / name).unlink()
            shutil.rmtree(target / BASE_DIR, ignore_errors=True)
            shutil.rmtree(target / "backups", ignore_errors=True)
            shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir(parents=True, mode=0o770 if team else 0o700)
        answer = conn.request({"type": "clone"}, "files")
        files = answer.get("files")
        if not isinstance(files, list):
            raise HubUnreachable("The hub's file list is not readable.")
        total = sum(int(f["size"]) for f in files)
        done = 0

        def step(n: int) -> None:
            nonlocal done
            done += n
            if progress is not None:
                progress(done, total)

        for spec in files:
            name = str(spec["name"])
            if name not in (SNAPSHOT, JOURNAL):
                raise HubUnreachable(f"The hub offered an unexpected file {name!r}.")
            with open(partial / name, "wb") as sink:
                conn.wire.recv_raw(int(spec["size"]), sink, step)
                sink.flush()
                os.fsync(sink.fileno())
        mode = 0o660 if team else 0o600
        base = partial / BASE_DIR
        base.mkdir(mode=0o770 if team else 0o700)
        for name in (SNAPSHOT, JOURNAL):
            shutil.copyfile(partial / name, base / name)
            os.chmod(partial / name, mode)
            os.chmod(base / name, mode)
        book = conn.book
        sent, received = conn.wire.sent, conn.wire.received
    _finish_clone(target, partial, remote, book, actor=actor, team=team)
    return sent, received


def _finish_clone(
    target: Path, partial: Path, remote: Remote, book: str, *, actor: str, team: bool
) -> None:
    for name in (SNAPSHOT, JOURNAL):
        os.replace(partial / name, target / name)
    shutil.rmtree(target / BASE_DIR, ignore_errors=True)
    os.replace(partial / BASE_DIR, target / BASE_DIR)
    main = Store(target, actor=actor, team=team)
    try:
        hub_seq = main.last_seq
        _drop_local(main)
        mark = main.last_seq
        replica = main.new_id()
    finally:
        main.close(checkpoint=False)  # a few journal lines; rewriting the copy costs 2x
    base = Store(target / BASE_DIR, actor=actor, team=team)
    try:
        _drop_local(base)
        base.put(
            STATE_TABLE,
            STATE_ID,
            {
                "remote": remote.text if remote.host is not None else remote.path,
                "book": book,
                "replica": replica,
                "cursor": hub_seq,
                "mark": mark,
                "cloned_at": clock.now().isoformat(timespec="seconds"),
            },
        )
    finally:
        base.close(checkpoint=False)
    shutil.rmtree(partial, ignore_errors=True)


def _drop_local(store: Store) -> None:
    """Remove the hub's own bookkeeping (its conflicts, CRM cursors, status) from a copy."""
    with store.chunked() as writer:
        for table in store.tables():
            if not travels(table):
                for rec in store.all(table, include_deleted=True):
                    writer.purge(table, rec["id"])
