"""The snapshot file (``cstui.json``) and its backups.

The snapshot is TinyDB's own JSON layout (``{"table": {"<int doc id>": {...}}}``) so that
plain ``tinydb.TinyDB(path)`` can read it, plus a ``_meta`` table holding the schema
version, the last journal sequence number it contains and the checkpoint generation.

Opening must stay fast with 100k+ records, and parsing JSON is the cost (about 1 s for
46 MB here). So ``_meta`` is always written first and also records where each table's JSON
starts and ends and its CRC-32 (``"tables": {"name": [start, end, crc]}``). On open we
check every CRC (cheap: the whole file is verified, so damage still stops start-up) and
parse a table only when it is first used (``LazyTable``). At a checkpoint, a table that did
not change is copied as bytes instead of being serialised again. A file without a valid
layout (say, rewritten by plain TinyDB) is simply parsed in full.

The file's bytes are not kept in memory after that check (266 MB at 50,000 accounts, more
than all the tables a first screen parses): a ``LazyTable`` of a loaded file reads its own
range again through a descriptor kept open on the file (``SnapshotFile``), and checks its
CRC-32 again, when it is parsed or copied. The snapshot is only ever replaced by a rename,
so that descriptor keeps reading the file as it was loaded, even after another process
wrote a new one; a file rewritten in place (by another program) fails the CRC and is
reported as damaged, never parsed as something else.

A snapshot is only ever replaced whole (temp file, fsync, ``os.replace``), and a file that
fails to parse is never written over: the caller gets ``CorruptSnapshotError`` naming the
newest backup that does parse.
"""

from __future__ import annotations

import base64
import bisect
import contextlib
import gc
import os
import re
import sys
import threading
import weakref
import zlib
from array import array
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import accumulate
from pathlib import Path
from typing import Any

import orjson

from cstui.i18n import Msg

from .errors import CorruptSnapshotError, StorageError, storage_error_class
from .perms import create_file, fsync_dir, storage_error

META_TABLE = "_meta"
META_DOC = "1"
_VERIFY_PIECE = 4 * 1024 * 1024
_SCANS_BEFORE_INDEX = 64
"""Ids looked up by scanning a table's ids before they are indexed for a binary search."""
SLICES_TABLE = "_slices"
"""Where each account's records lie in each table (see :class:`Slices`); not a table."""
OWN_SLICES = frozenset({"accounts"})
"""Tables whose records are each an account, sliced by their own ``id`` (every other table
by its records' ``account_id``): the portfolio's first frame and an account's screen read
accounts one at a time without parsing 50,000 of them."""


def slice_key(table: str) -> str:
    """The field a table's records are sliced by (see :data:`OWN_SLICES`)."""
    return "id" if table in OWN_SLICES else "account_id"


BACKUP_KEEP = 10
_BACKUP_RE = re.compile(r"^cstui-\d{8}T\d{6}\.\d{6}Z-g\d+(-[a-z0-9-]+)?(\.\d+)?\.json$")
_META_PREFIX = b'{"_meta":{"1":'

Record = dict[str, Any]
Docs = dict[str, Record]
"""TinyDB doc id (as text, like in the JSON file) -> record."""
Tables = dict[str, Docs]


@dataclass
class Meta:
    """What the snapshot says about itself."""

    schema: int
    last_seq: int
    generation: int

    def as_doc(self) -> dict[str, Any]:
        """The ``_meta`` document as stored (without the table layout)."""
        return {"schema": self.schema, "last_seq": self.last_seq, "generation": self.generation}


class InvalidSnapshot(ValueError):
    """Internal: why a snapshot's bytes are not a valid cstui snapshot."""


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic GC while creating many objects that cannot form cycles.

    Parsing or copying 100k records otherwise triggers collections that walk the whole
    (large) heap again and again: 2-10x slower here. The previous GC state is restored.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _stamp(fd: int) -> tuple[int, int]:
    """What a write in place changes (not a chmod: a team folder's modes get mended)."""
    st = os.fstat(fd)
    return st.st_mtime_ns, st.st_size


class SnapshotFile:
    """A read-only descriptor on one snapshot file, shared by its ``LazyTable``s.

    Closed by :meth:`close` (the store's close) or when the last table using it is gone.
    """

    def __init__(self, fd: int) -> None:
        self._fd: int | None = fd
        self._lock = threading.Lock()
        self._finalizer = weakref.finalize(self, os.close, fd)
        self._stamp = _stamp(fd)

    def changed(self) -> bool:
        """Whether the file was written in place (or touched) since it was opened: cstui
        only ever replaces it by a rename, so another program did."""
        with self._lock:
            return _stamp(self.fd) != self._stamp

    @classmethod
    def open(cls, path: Path) -> SnapshotFile:
        return cls(os.open(path, os.O_RDONLY | os.O_CLOEXEC))

    @property
    def fd(self) -> int:
        if self._fd is None:
            raise InvalidSnapshot("its file was closed")
        return self._fd

    def read(self, start: int, end: int) -> bytes:
        """``end - start`` bytes from ``start`` (fewer only if the file was cut)."""
        with self._lock:
            fd = self.fd
            parts: list[bytes] = []
            pos = start
            while pos < end:
                chunk = os.pread(fd, end - pos, pos)
                if not chunk:
                    break
                parts.append(chunk)
                pos += len(chunk)
        return parts[0] if len(parts) == 1 else b"".join(parts)

    def read_into(self, buf: memoryview, offset: int) -> int:
        """Fill ``buf`` from ``offset`` (fewer bytes only at the end of the file): for
        reading a big range piece by piece into one buffer."""
        with self._lock:
            return os.preadv(self.fd, [buf], offset)

    def read_all(self) -> bytes:
        size = os.fstat(self.fd).st_size
        return self.read(0, size) if size else b""

    def close(self) -> None:
        with self._lock:
            self._fd = None
            self._finalizer()


@dataclass
class Slices:
    """Where one table's records of each account lie in the table's JSON, so the records of
    one account can be read without parsing the table (opening an account at 50,000
    accounts parsed 300 MB of JSON before).

    Stored in the snapshot's ``_slices`` entry as ``{"accounts": "<id>\\n<id>...",
    "spans": "<base64>"}`` per table: the account ids sorted, then little-endian uint32s,
    first ``len(accounts) + 1`` bounds into the pairs that follow, then ``[start, end)``
    pairs relative to the table's opening brace, one per record (each record's own JSON
    object). Records without a text ``account_id`` are not listed.
    """

    doc: dict[str, str] | None
    """As stored; let go once decoded (:meth:`as_doc` makes it again for a checkpoint)."""
    _text: str | None = None
    """``accounts`` (ids between newlines), searched in place: a list of 50,000 ids per
    table took 3.5 MB each, for a lookup a few per account opened."""
    _count: int = 0
    _numbers: array[int] | None = None
    _sorted: tuple[array[int], array[int]] | None = None
    _scans: int = 0
    _lines: array[int] | None = None
    """Where each id starts in ``_text`` (and where the text ends), for a binary search:
    a change to each of 50,000 health summaries looked its account up by scanning the
    text, 0.35 ms each."""

    @classmethod
    def build(cls, spans: Mapping[str, list[tuple[int, int]]]) -> Slices:
        accounts = sorted(spans)
        numbers = array("I", [0])
        pairs = array("I")
        for account in accounts:
            for start, end in spans[account]:
                pairs.extend((start, end))
            numbers.append(len(pairs) // 2)
        numbers.extend(pairs)
        return cls(_doc("\n".join(accounts), numbers))

    @classmethod
    def from_doc(cls, doc: object) -> Slices | None:
        if not isinstance(doc, dict) or set(doc) != {"accounts", "spans"}:
            return None
        if not all(isinstance(v, str) for v in doc.values()):
            return None
        return cls(doc)

    def as_doc(self) -> dict[str, str]:
        """The stored form (see the class doc)."""
        if self.doc is not None:
            return self.doc
        text, _, numbers = self._decode()
        return _doc(text, numbers)

    def _decode(self) -> tuple[str, int, array[int]]:
        """The ids between newlines, how many, and the numbers (checked)."""
        if self._text is None or self._numbers is None:
            assert self.doc is not None
            text = self.doc["accounts"]
            n = text.count("\n") + 1 if text else 0
            numbers = array("I")
            try:
                numbers.frombytes(base64.b64decode(self.doc["spans"], validate=True))
            except ValueError:
                raise InvalidSnapshot("its account slices are damaged") from None
            numbers = _little(numbers)
            if len(numbers) < n + 1 or len(numbers) != n + 1 + 2 * numbers[n]:
                raise InvalidSnapshot("its account slices are damaged")
            self._text, self._count, self._numbers = text, n, numbers
            self.doc = None  # the base64 text: as large again as the numbers it holds
        return self._text, self._count, self._numbers

    def __len__(self) -> int:
        """How many accounts (ids) are listed."""
        return self._decode()[1]

    def decode(self) -> None:
        """Decode the stored spans now rather than on the first lookup; InvalidSnapshot
        if they are damaged (every later lookup says so again)."""
        self._decode()

    def starts(self) -> tuple[array[int], array[int]]:
        """Every listed record's start and end, sorted by start (to find the record
        holding a given offset)."""
        if self._sorted is None:
            _, n, numbers = self._decode()
            pairs = sorted(zip(numbers[n + 1 :: 2], numbers[n + 2 :: 2], strict=True))
            self._sorted = (array("I", (a for a, _ in pairs)), array("I", (b for _, b in pairs)))
        return self._sorted

    def spans(self, account_id: str) -> list[tuple[int, int]]:
        """``[start, end)`` of each record of ``account_id``, relative to the table body."""
        text, n, numbers = self._decode()
        i = self._index_of(text, n, account_id)
        if i < 0:
            return []
        first, last = numbers[i], numbers[i + 1]
        return [(numbers[n + 1 + 2 * k], numbers[n + 2 + 2 * k]) for k in range(first, last)]

    def _index_of(self, text: str, n: int, account_id: str) -> int:
        """The account's place in the sorted ids, or -1: found in the text for the first
        few lookups (an account opened), by a binary search once they are many (a change
        to each of 50,000 health summaries: 0.35 ms each by scanning)."""
        if not account_id or "\n" in account_id:
            return -1
        if self._lines is None and self._scans < _SCANS_BEFORE_INDEX:
            self._scans += 1
            at = f"\n{text}\n".find(f"\n{account_id}\n")  # where the id starts in text
            return -1 if at < 0 else text.count("\n", 0, at)
        if self._lines is None:
            self._lines = array("I", accumulate((len(p) + 1 for p in text.split("\n")), initial=0))
        lines = self._lines

        def line(i: int) -> str:
            return text[lines[i] : lines[i + 1] - 1]

        i = bisect.bisect_left(range(n), account_id, key=line)
        return i if i < n and line(i) == account_id else -1


def _doc(text: str, numbers: array[int]) -> dict[str, str]:
    """Slices in their stored form: the ids between newlines, the numbers in base64."""
    return {"accounts": text, "spans": base64.b64encode(_little(numbers).tobytes()).decode("ascii")}


def _little(numbers: array[int]) -> array[int]:
    """The same numbers in little-endian order (the file's), whatever the machine's."""
    if numbers.itemsize != 4:  # pragma: no cover - "I" is 4 bytes on every platform we run
        raise RuntimeError("array('I') is not 32-bit here")
    if sys.byteorder == "big":  # pragma: no cover
        numbers = array("I", numbers)
        numbers.byteswap()
    return numbers


def encode_docs(docs: Docs, key: str = "account_id") -> tuple[bytes, Slices | None]:
    """``orjson.dumps(docs)`` byte for byte, plus where each account's records lie in it
    (by their field ``key``, see :func:`slice_key`).

    Each record is dumped on its own and the offsets summed from the lengths (3.5 µs a
    record more than one ``orjson.dumps`` of the table). Doc ids are digits (TinyDB's), so
    they need no escaping."""
    accounts = [rec.get(key) if type(rec) is dict else None for rec in docs.values()]
    if not any(type(a) is str for a in accounts) or not all(key.isdigit() for key in docs):
        return orjson.dumps(docs), None
    dumps = orjson.dumps
    parts = [b'"%b":%b' % (key.encode(), dumps(rec)) for key, rec in docs.items()]
    raw = b"{" + b",".join(parts) + b"}"
    spans: defaultdict[str, list[tuple[int, int]]] = defaultdict(list)
    pos = 1  # after "{"
    for key, part, account in zip(docs, parts, accounts, strict=True):
        end = pos + len(part)
        if type(account) is str:
            spans[account].append((pos + len(key) + 3, end))  # after '"<key>":'
        pos = end + 1  # the comma
    if any("\n" in account for account in spans):
        return raw, None  # (ids are one line each in the slices)
    return raw, Slices.build(spans)


@dataclass
class LazyTable:
    """One table's JSON inside snapshot bytes; parsed on first use, or copied as is.

    ``raw`` is the snapshot's bytes (a snapshot just encoded or parsed from memory) or the
    open file they were read from (a loaded snapshot: the bytes are not kept).
    """

    name: str
    raw: bytes | SnapshotFile
    start: int
    end: int
    crc: int
    max_seq: int | None = None
    """The highest ``_seq`` of the table's records (from the layout; None: unknown, e.g.
    a file written before it was recorded), so "what changed since N" can skip the table
    without parsing it."""
    slices: Slices | None = None
    """Where each account's records lie in the body (None: not known, read it all)."""
    book: SliceBook | None = None
    """The file's ``_slices`` entry, read for :attr:`slices` when first needed (10 MB of
    text at 50,000 accounts that a first screen does not need)."""

    def account_slices(self) -> Slices | None:
        """:attr:`slices`, read from the file's ``_slices`` entry on first use."""
        if self.slices is None and self.book is not None:
            self.slices = self.book.for_table(self.name, self.crc)
        self.book = None
        return self.slices

    @property
    def body(self) -> memoryview:
        """The table's JSON object (without copying, when the bytes are in memory)."""
        if isinstance(self.raw, SnapshotFile):
            chunk = self.raw.read(self.start, self.end)
            if len(chunk) != self.end - self.start or zlib.crc32(chunk) != self.crc:
                raise InvalidSnapshot(f"table {self.name!r} changed on disk since it was read")
            return memoryview(chunk)
        return memoryview(self.raw)[self.start : self.end]

    def records_of(self, account_id: str) -> list[Record] | None:
        """The records the snapshot holds for ``account_id`` (tombstones included), read
        from their places in the file without parsing the table; None if unknown."""
        slices = self.account_slices()
        if slices is None:
            return None
        out: list[Record] = []
        key = slice_key(self.name)
        for start, end in slices.spans(account_id):
            try:
                rec = orjson.loads(self._chunk(start, end))
            except orjson.JSONDecodeError:
                rec = None
            if not isinstance(rec, dict) or rec.get(key) != account_id:
                raise InvalidSnapshot(f"table {self.name!r} changed on disk since it was read")
            out.append(rec)
        return out

    def verify(self) -> None:
        """Check the table's bytes against their CRC-32 without keeping them (read in
        pieces); InvalidSnapshot if they differ."""
        crc, pos = 0, 0
        size = self.end - self.start
        buf = memoryview(bytearray(min(size, _VERIFY_PIECE)))  # one buffer, reused
        while pos < size:
            want = buf[: min(len(buf), size - pos)]
            if isinstance(self.raw, SnapshotFile):
                got = self.raw.read_into(want, self.start + pos)
            else:
                got = len(want)
                want[:] = memoryview(self.raw)[self.start + pos : self.start + pos + got]
            if got <= 0:
                break
            crc = zlib.crc32(want[:got], crc)
            pos += got
        if pos != size or crc != self.crc:
            raise InvalidSnapshot(f"table {self.name!r} does not match its checksum")

    def _chunk(self, start: int, end: int) -> bytes | memoryview:
        """Bytes ``[start, end)`` of the body, unchecked (the caller checks what it parses)
        unless the file changed in place since it was read: then from the whole body,
        checked against its CRC-32 (damage is reported, never read as other data)."""
        if isinstance(self.raw, SnapshotFile):
            if self.raw.changed():
                return self.body[start:end]
            return self.raw.read(self.start + start, self.start + end)
        return memoryview(self.raw)[self.start + start : self.start + end]

    def listed(self, rid: str) -> tuple[bool, Record | None]:
        """Record ``rid`` found through the slices alone, cheaply: ``(True, record)`` when
        its account's slice holds it (a health summary is listed under its own account),
        ``(True, None)`` when the table is sliced by ``id`` and does not list it (it holds
        no such record), ``(False, None)`` when the slices cannot tell (see :meth:`find`)."""
        slices = self.account_slices()
        if slices is None:
            return False, None
        for rec in self.records_of(rid) or ():
            if rec.get("id") == rid:
                return True, rec
        return slice_key(self.name) == "id", None

    def find(self, rid: str) -> Record | None:
        """The record ``rid`` as the snapshot holds it, or None if it holds none, found by
        searching the body's bytes for its id instead of parsing them (40 ms against 3 s
        for 150,000 activities); ``KeyError`` when the bytes cannot tell (no slices, or the
        id also appears where no listed record is)."""
        slices = self.account_slices()
        if slices is None:
            raise KeyError(rid)
        body = bytes(self._chunk(0, self.end - self.start))
        starts, ends = slices.starts()
        needle = b'"id":' + orjson.dumps(rid)
        at = body.find(needle)
        unsure = False
        while at >= 0:
            i = bisect.bisect_right(starts, at) - 1
            if i >= 0 and at < ends[i]:
                try:
                    rec = orjson.loads(body[starts[i] : ends[i]])
                except orjson.JSONDecodeError:
                    rec = None
                if isinstance(rec, dict) and rec.get("id") == rid:
                    return rec
            else:
                unsure = True  # a record without an account, or unlisted bytes
            at = body.find(needle, at + 1)
        if unsure:
            raise KeyError(rid)
        return None

    def load(self) -> tuple[Docs, dict[str, str], int]:
        """Parse: documents, record id -> doc id index, number of tombstones."""
        return self._parsed(self.body)

    def _parsed(self, body: memoryview) -> tuple[Docs, dict[str, str], int]:
        with gc_paused():
            try:
                docs = orjson.loads(body)
            except orjson.JSONDecodeError as exc:
                raise InvalidSnapshot(f"table {self.name!r} is not valid JSON ({exc})") from None
            return docs, *_index_table(self.name, docs)

    def records(self) -> Iterator[Record]:
        """Every record of the table (tombstones included), in file order, parsed one at a
        time when the slices account for every byte of the body, so that a pass keeping
        little of each (the portfolio's rows) never holds the table: freed as it goes, the
        records' memory is reused by the next ones instead of being left in pieces."""
        body = self.body
        slices = self.account_slices()
        bounds = slices.starts() if slices is not None else None
        if bounds is None or not _covered(body, *bounds):
            yield from self._parsed(body)[0].values()
            return
        loads = orjson.loads
        for start, end in zip(*bounds, strict=True):
            try:
                rec = loads(body[start:end])
            except orjson.JSONDecodeError:
                rec = None
            rid = rec.get("id") if isinstance(rec, dict) else None
            if type(rid) is not str or not rid:
                raise InvalidSnapshot(f"table {self.name!r} has a record without a text id")
            yield rec


_FIRST_KEY = re.compile(rb'\{"\d+":')
_NEXT_KEY = re.compile(rb',"\d+":')


def _covered(body: memoryview, starts: array[int], ends: array[int]) -> bool:
    """Whether these records (sorted) are the whole table: nothing between them but
    their doc ids, nothing before or after but the table's braces."""
    pos, key = 0, _FIRST_KEY
    for start, end in zip(starts, ends, strict=True):
        if not key.fullmatch(body[pos:start]):
            return False
        pos, key = end, _NEXT_KEY
    return pos == len(body) - 1 if starts else len(body) == 2


@dataclass
class Snapshot:
    """A validated snapshot: tables parsed already, and tables still to parse."""

    meta: Meta
    tables: Tables = field(default_factory=dict)
    index: dict[str, dict[str, str]] = field(default_factory=dict)
    """Table -> record id -> doc id (as text), for the parsed tables."""
    tombstones: dict[str, int] = field(default_factory=dict)
    """Table -> number of records with ``_deleted``, for the parsed tables."""
    lazy: dict[str, LazyTable] = field(default_factory=dict)
    """Tables not parsed yet (all of them, when the file has a valid layout)."""
    unverified: bool = False
    """Loaded with ``verify=False``: the tables' checksums are still to be checked (each
    ``LazyTable.verify``; parsing a table checks its own)."""


def _meta_from(doc: object) -> Meta:
    if not isinstance(doc, dict):
        raise InvalidSnapshot("its _meta entry is not an object")
    values: dict[str, int] = {}
    for key in ("schema", "last_seq", "generation"):
        value = doc.get(key, 0 if key == "generation" else None)
        if type(value) is not int or value < 0:
            raise InvalidSnapshot(f"its _meta entry has no valid {key!r}")
        values[key] = value
    return Meta(**values)


def _index_table(name: str, docs: object) -> tuple[dict[str, str], int]:
    if not isinstance(docs, dict):
        raise InvalidSnapshot(f"table {name!r} is not an object")
    ids: dict[str, str] = {}
    tomb = 0
    for key, rec in docs.items():
        if not isinstance(rec, dict) or not key.isdigit():
            raise InvalidSnapshot(f"table {name!r} has a malformed entry {key!r}")
        rid = rec.get("id")
        if type(rid) is not str or not rid:
            raise InvalidSnapshot(f"entry {key!r} of table {name!r} has no text id")
        if rid in ids:
            raise InvalidSnapshot(f"table {name!r} holds id {rid!r} twice")
        ids[rid] = key
        if rec.get("_deleted"):
            tomb += 1
    return ids, tomb


def _object_end(buf: bytes, start: int) -> int:
    """Index just after the JSON object starting at ``buf[start]`` (string-aware)."""
    depth = 0
    in_string = False
    i = start
    while i < len(buf):
        c = buf[i]
        if in_string:
            if c == 0x5C:  # backslash: skip the escaped character
                i += 1
            elif c == 0x22:
                in_string = False
        elif c == 0x22:
            in_string = True
        elif c == 0x7B:
            depth += 1
        elif c == 0x7D:
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    raise InvalidSnapshot("its _meta entry is cut short")


def _head(raw: bytes) -> tuple[dict[str, Any], int] | None:
    """The ``_meta`` document and the offset after ``_meta``'s closing brace, if first."""
    if not raw.startswith(_META_PREFIX):
        return None
    end = _object_end(raw, len(_META_PREFIX))
    try:
        doc = orjson.loads(raw[len(_META_PREFIX) : end])
    except orjson.JSONDecodeError:
        return None
    if not isinstance(doc, dict) or raw[end : end + 1] != b"}":
        return None
    return doc, end + 1


def _lazy_tables(raw: bytes, doc: dict[str, Any], pos: int) -> dict[str, LazyTable] | None:
    """Check the recorded layout against the bytes, checksums included; None if it does
    not match exactly."""
    view = memoryview(raw)
    return _layout(doc, pos, len(raw), lambda a, b: view[a:b], raw, checked=True)


def _layout(
    doc: dict[str, Any],
    pos: int,
    size: int,
    read: Callable[[int, int], bytes | memoryview],
    source: bytes | SnapshotFile,
    *,
    checked: bool,
) -> dict[str, LazyTable] | None:
    """The tables ``_meta``'s layout places after ``pos``, reading them from ``source``:
    each one's key and braces found where it says (and with ``checked`` its CRC-32), the
    file ending right after the last; None if anything does not match. The ``_slices``
    entry is not a table: the tables read it when they need it (``SliceBook``)."""
    layout = doc.get("tables")
    if not isinstance(layout, dict):
        return None
    tables: dict[str, LazyTable] = {}
    for name, entry in layout.items():
        if not isinstance(entry, list) or len(entry) not in (3, 4):
            return None
        if not all(type(x) is int for x in entry):
            return None
        start, end, crc = entry[:3]
        key = b"," + orjson.dumps(name) + b":"
        if start != pos + len(key) or not start < end <= size:
            return None
        if read(pos, start + 1) != key + b"{" or read(end - 1, end) != b"}":
            return None
        if checked and zlib.crc32(read(start, end)) != crc:
            return None
        tables[name] = LazyTable(name, source, start, end, crc, _seq_of(entry))
        pos = end
    if pos != size - 1 or read(pos, size) != b"}":
        return None
    entry = tables.pop(SLICES_TABLE, None)
    if entry is not None:
        book = SliceBook(entry)
        for table in tables.values():
            table.book = book
    return tables


class SliceBook:
    """A snapshot's ``_slices`` entry, parsed when a table first needs its slices."""

    def __init__(self, entry: LazyTable) -> None:
        self.entry = entry
        self._doc: dict[str, Any] | None = None

    def for_table(self, name: str, crc: int) -> Slices | None:
        """The slices recorded for exactly these bytes (same CRC-32) of table ``name``;
        anything else (a file rewritten by another program) is ignored, never trusted."""
        if self._doc is None:
            try:
                doc = orjson.loads(self.entry.body)["1"]["tables"]
            except (orjson.JSONDecodeError, InvalidSnapshot, KeyError, TypeError):
                doc = None
            self._doc = doc if isinstance(doc, dict) else {}
        item = self._doc.pop(name, None)  # each table asks once: no second copy kept here
        if not isinstance(item, dict) or item.get("crc") != crc:
            return None
        return Slices.from_doc({k: v for k, v in item.items() if k != "crc"})


def parse(raw: bytes, *, lazy: bool = True) -> Snapshot:
    """Validate snapshot bytes; with ``lazy`` and a valid layout, defer parsing tables."""
    if not raw.strip():
        raise InvalidSnapshot("the file is empty")
    head = _head(raw)
    if lazy and head is not None:
        tables = _lazy_tables(raw, *head)
        if tables is not None:
            return Snapshot(meta=_meta_from(head[0]), lazy=tables)
    with gc_paused():
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise InvalidSnapshot(f"it is not valid JSON ({exc})") from None
        if not isinstance(data, dict):
            raise InvalidSnapshot("it does not contain tables")
        data.pop(SLICES_TABLE, None)
        meta_table = data.pop(META_TABLE, None)
        if not isinstance(meta_table, dict) or META_DOC not in meta_table:
            raise InvalidSnapshot("it has no _meta table (it was not written by cstui)")
        snap = Snapshot(meta=_meta_from(meta_table[META_DOC]), tables=data)
        for name, docs in data.items():
            snap.index[name], snap.tombstones[name] = _index_table(name, docs)
    return snap


def encode(
    meta: Meta, tables: Mapping[str, Docs | LazyTable]
) -> tuple[bytes, dict[str, LazyTable]]:
    """Serialise with ``_meta`` (and the table layout) first.

    ``LazyTable`` values are copied as bytes. Returns the bytes and each table's place in
    them, so the caller can copy unchanged tables again at the next checkpoint. The
    layout also records each table's highest ``_seq`` (when known) for ``max_seq``.
    """
    encoded = encode_parts(meta, tables)
    payload = b"".join(encoded.parts)
    return payload, encoded.tables(payload)


Part = bytes | memoryview
"""A piece of a file to write."""


@dataclass
class Encoded:
    """A snapshot as the pieces to write one after the other (:func:`encode_parts`); an
    unchanged table is a ``LazyTable``, read (and its checksum checked) as it is written."""

    pieces: list[Part | LazyTable]
    layout: dict[str, list[int]]
    slices: dict[str, Slices]

    @property
    def parts(self) -> Iterator[Part]:
        """The bytes to write, in order (unchanged tables read from their file now:
        ``InvalidSnapshot`` if one changed on disk)."""
        for piece in self.pieces:
            yield piece.body if isinstance(piece, LazyTable) else piece

    def tables(self, raw: bytes | SnapshotFile) -> dict[str, LazyTable]:
        """Each table's place in the written snapshot, reading ``raw`` (its bytes, or the
        file they were written to)."""
        return {
            name: LazyTable(
                name, raw, entry[0], entry[1], entry[2], _seq_of(entry), self.slices.get(name)
            )
            for name, entry in self.layout.items()
            if name != SLICES_TABLE
        }


def encode_parts(meta: Meta, tables: Mapping[str, Docs | LazyTable]) -> Encoded:
    """:func:`encode`'s bytes as pieces, not joined, unchanged tables not read yet: a
    checkpoint writes them one after the other (a 50,000-account snapshot was read and
    joined whole first, ~500 MB at once, the copy a fifth of the checkpoint's time)."""
    bodies: list[tuple[str, bytes, Part | LazyTable, list[int]]] = []
    slices: dict[str, Slices] = {}
    for name, value in tables.items():
        if isinstance(value, LazyTable):
            tail = [value.crc] if value.max_seq is None else [value.crc, value.max_seq]
            bodies.append((name, orjson.dumps(name), value, tail))
            found = value.account_slices()
        else:
            fresh, found = encode_docs(value, slice_key(name))
            crc, top = zlib.crc32(fresh), _max_seq(value)
            bodies.append((name, orjson.dumps(name), fresh, [crc] if top is None else [crc, top]))
        if found is not None:
            slices[name] = found
    if slices:
        # Shaped as a table of one record, so plain TinyDB (and older cstui) read it as one.
        index = {
            name: {"crc": bodies[i][3][0], **slices[name].as_doc()}
            for i, name in enumerate(tables)
            if name in slices
        }
        entry = orjson.dumps({"1": {"id": SLICES_TABLE, "tables": index}})
        bodies.append((SLICES_TABLE, orjson.dumps(SLICES_TABLE), entry, [zlib.crc32(entry)]))
    doc = meta.as_doc()
    layout: dict[str, list[int]] = {name: [0, 0, *tail] for name, _, _, tail in bodies}
    for _ in range(8):  # offsets depend on the header's length: iterate to a fixed point
        doc["tables"] = layout
        head = _META_PREFIX + orjson.dumps(doc) + b"}"
        pos = len(head)
        placed: dict[str, list[int]] = {}
        for name, key, chunk, tail in bodies:
            pos += len(key) + 2
            length = chunk.end - chunk.start if isinstance(chunk, LazyTable) else len(chunk)
            placed[name] = [pos, pos + length, *tail]
            pos += length
        if placed == layout:
            break
        layout = placed
    else:  # pragma: no cover - lengths can only grow a few digits
        raise RuntimeError("snapshot layout did not settle")
    pieces: list[Part | LazyTable] = [head]
    for _, key, chunk, _ in bodies:
        pieces += [b",", key, b":", chunk]
    pieces.append(b"}")
    return Encoded(pieces, layout, slices)


def _seq_of(entry: list[int]) -> int | None:
    """A layout entry's highest ``_seq``: ``[start, end, crc, max_seq]``, or unknown."""
    return entry[3] if len(entry) == 4 else None


def _max_seq(docs: Docs) -> int | None:
    """The highest ``_seq`` in a table (records from before ``_seq`` count as 0); None
    when a record holds something else there (a hand-edited file): then it is unknown."""
    seqs = [rec.get("_seq", 0) for rec in docs.values()]
    return max(seqs, default=0) if all(type(x) is int for x in seqs) else None


def read_meta(path: Path) -> Meta:
    """Read only ``_meta`` from the start of the file; fall back to a full parse."""
    with open(path, "rb") as fh:
        start = fh.read(65536)
    with contextlib.suppress(InvalidSnapshot):
        head = _head(start)
        if head is not None:
            return _meta_from(head[0])
    return load(path).meta


def corrupt(path: Path, detail: str) -> CorruptSnapshotError:
    """The error for a damaged snapshot: what is wrong, that nothing was touched, what to do."""
    return CorruptSnapshotError(
        f"The data file {path} is damaged: {detail}. cstui left the file exactly as it "
        f"is and saves nothing over it. {_backup_advice(path)}"
    )


def reader_of(path: Path, encoded: Encoded) -> bytes | SnapshotFile:
    """What the tables of a snapshot just written to ``path`` from ``encoded`` read: the
    file, or its bytes joined in memory when it cannot be opened again."""
    try:
        return SnapshotFile.open(path)
    except OSError:
        return b"".join(encoded.parts)


def close_sources(tables: Iterator[LazyTable]) -> None:
    """Close the files these tables read (the store is closing)."""
    for table in tables:
        if isinstance(table.raw, SnapshotFile):
            table.raw.close()


def _load_unverified(source: SnapshotFile) -> Snapshot | None:
    """Read only ``_meta`` and check the layout's boundaries (a few bytes per table), not
    the checksums: what ``load(verify=False)`` opens with; None when the file has no valid
    layout (then it is read and checked in full)."""
    size = os.fstat(source.fd).st_size
    head = _head(source.read(0, min(size, 65536)))
    if head is None:
        return None
    tables = _layout(*head, size, source.read, source, checked=False)
    if tables is None:
        return None
    return Snapshot(meta=_meta_from(head[0]), lazy=tables, unverified=True)


def load(path: Path, *, lazy: bool = True, team: bool = False, verify: bool = True) -> Snapshot:
    """Load the snapshot; on any problem raise ``CorruptSnapshotError`` and touch nothing.

    A file the disk or the permissions will not let us read is not damaged: that raises a
    ``StorageError`` (``PermissionDeniedError`` names the owner, group and the fix) instead.
    With ``lazy``, the unparsed tables read the file again when needed (see ``SnapshotFile``),
    so its bytes are freed when this returns. ``verify=False`` (with ``lazy``) reads only
    ``_meta`` and leaves the checksums to the caller (``Snapshot.unverified``): reading and
    checking 280 MB was a fifth of opening a 50,000-account book.
    """
    source: SnapshotFile | None = None
    try:
        source = SnapshotFile.open(path)
        if lazy and not verify:
            with contextlib.suppress(InvalidSnapshot):
                quick = _load_unverified(source)
                if quick is not None:
                    return quick
        raw = source.read_all()
    except OSError as exc:
        if source is not None:
            source.close()
        if storage_error_class(exc) is not StorageError:
            raise storage_error(
                exc,
                doing=Msg("store.doing.read_snapshot"),
                outcome=Msg("store.outcome.nothing_changed"),
                team=team,
            ) from None
        raise CorruptSnapshotError(
            f"cstui cannot read its data file {path} ({exc.strerror}). {_backup_advice(path)}"
        ) from None
    try:
        parsed = parse(raw, lazy=lazy)
    except InvalidSnapshot as exc:
        source.close()
        raise corrupt(path, str(exc)) from None
    if parsed.lazy:
        for table in parsed.lazy.values():
            table.raw = source
            if table.book is not None:
                table.book.entry.raw = source
    else:
        source.close()
    return parsed


def _backup_advice(path: Path) -> str:
    backups = path.parent / "backups"
    good = newest_good_backup(backups)
    if good is None:
        return (
            f"There is no readable backup with records in {backups}; keep the file as it is "
            f"and ask for help."
        )
    return (
        f"The newest good backup is {describe_backup(good)}. To go back to it, close every "
        f"cstui window, move {path} and {path.parent / 'journal.jsonl'} somewhere safe, then "
        f"copy the backup to {path}."
    )


def write_file(path: Path, payload: bytes | Iterable[Part], team: bool) -> None:
    """Write ``payload`` (bytes, or pieces written one after the other) to a new file and
    fsync it (no rename)."""
    fd = create_file(path, team)
    try:
        for part in [payload] if isinstance(payload, bytes | bytearray) else payload:
            view = memoryview(part)
            while view:
                written = os.write(fd, view)
                view = view[written:]
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(
    path: Path, payload: bytes | Iterable[Part], team: bool, *, backups: Path | None
) -> None:
    """Replace ``path`` with ``payload`` all at once, keeping the old file as a backup.

    The old snapshot is hard-linked into ``backups`` (O(1), no copy of a 40 MB file) before
    the rename; if links are not possible there it is copied.
    """
    tmp = path.with_name(f"{path.name}.tmp-{os.getpid()}")
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    try:
        write_file(tmp, payload, team)
        if backups is not None and path.exists():
            keep_backup(path, backups, team)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    fsync_dir(path.parent)


def _backup_name(backups: Path, when: datetime, generation: int, label: str) -> Path:
    stamp = when.astimezone(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
    suffix = f"-{label}" if label else ""
    base = f"cstui-{stamp}-g{generation}{suffix}"
    candidate = backups / f"{base}.json"
    counter = 1
    while candidate.exists():
        candidate = backups / f"{base}.{counter}.json"
        counter += 1
    return candidate


def keep_backup(snapshot_path: Path, backups: Path, team: bool) -> Path:
    """Keep the current snapshot file in ``backups`` (named by its own write time)."""
    st = snapshot_path.stat()
    try:
        generation = read_meta(snapshot_path).generation
    except (OSError, CorruptSnapshotError):
        generation = 0
    when = datetime.fromtimestamp(st.st_mtime_ns / 1e9, UTC)
    target = _backup_name(backups, when, generation, "")
    try:
        os.link(snapshot_path, target)
    except OSError:
        write_file(target, snapshot_path.read_bytes(), team)
    rotate(backups)
    return target


def write_backup(backups: Path, payload: bytes, generation: int, label: str, team: bool) -> Path:
    """Write ``payload`` as a new backup file (used before migrations)."""
    target = _backup_name(backups, datetime.now(UTC), generation, label)
    write_file(target, payload, team)
    fsync_dir(backups)
    rotate(backups)
    return target


def list_backups(backups: Path) -> list[Path]:
    """Backup files, newest first (names start with their UTC write time)."""
    try:
        names = [p for p in backups.iterdir() if _BACKUP_RE.match(p.name)]
    except OSError:
        return []
    return sorted(names, key=lambda p: p.name, reverse=True)


def rotate(backups: Path, keep: int = BACKUP_KEEP) -> None:
    """Delete all but the newest ``keep`` backups."""
    for old in list_backups(backups)[keep:]:
        with contextlib.suppress(OSError):
            old.unlink()


def _live_records(snapshot: Snapshot) -> int:
    return sum(
        1 for docs in snapshot.tables.values() for rec in docs.values() if not rec.get("_deleted")
    )


def newest_good_backup(backups: Path) -> Path | None:
    """The newest backup that parses as a valid snapshot and holds records, if any.

    An empty snapshot (the one every new data folder starts with, kept as a backup at the
    first checkpoint) is no use to restore, so it is never offered.
    """
    for candidate in list_backups(backups):
        try:
            parsed = parse(candidate.read_bytes(), lazy=False)
        except (OSError, InvalidSnapshot):
            continue
        if _live_records(parsed):
            return candidate
    return None


def describe_backup(path: Path) -> str:
    """``<path> (1,234 records, saved 2024-05-01 12:00 UTC)`` for messages."""
    try:
        parsed = parse(path.read_bytes(), lazy=False)
        saved = datetime.fromtimestamp(path.stat().st_mtime, UTC)
    except (OSError, InvalidSnapshot):
        return str(path)
    count = _live_records(parsed)
    noun = "record" if count == 1 else "records"
    return f"{path} ({count:,} {noun}, saved {saved:%Y-%m-%d %H:%M} UTC)"
