"""The append-only journal (``journal.jsonl``): one JSON object per line, one line per change.

A change is committed once its line is appended and fsync'd under the exclusive lock, so
the journal, not the snapshot, is the source of truth between checkpoints. A transaction
is several lines sharing an ``op_id`` and carrying ``n``/``of``; it counts only when all of
its lines are there.

Only the very end of the journal can be damaged by a crash or power cut (an unfinished
last line, or an unfinished transaction): that tail is reported as *torn* and cut by the
next writer. Damage anywhere else is reported as corruption and nothing is cut, because
cutting there would silently drop committed changes.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from cstui.i18n import Msg, msg, said

from .errors import JournalCorruptError
from .perms import open_rw

Line = dict[str, Any]

REPLACED_PIECE = 1 << 22
"""Bytes of a replaced journal read and parsed at a time (:meth:`JournalFile.read_replaced`)."""

_FIELDS: tuple[tuple[str, type], ...] = (
    ("seq", int),
    ("op_id", str),
    ("ts", str),
    ("by", str),
    ("table", str),
    ("id", str),
    ("set", dict),
    ("unset", list),
    ("delete", bool),
)


def encode(line: Mapping[str, Any]) -> bytes:
    """One journal line, newline included."""
    return orjson.dumps(line) + b"\n"


def _shape_error(obj: object) -> Msg | None:
    if not isinstance(obj, dict):
        return Msg("store.journal.not_object")
    for name, kind in _FIELDS:
        if type(obj.get(name)) is not kind:
            return msg("store.journal.bad_field", name=name)
    if not all(type(f) is str for f in obj["unset"]):
        return Msg("store.journal.bad_unset")
    n, of = obj.get("n", 1), obj.get("of", 1)
    if type(n) is not int or type(of) is not int or not 1 <= n <= of:
        return Msg("store.journal.bad_numbering")
    return None


@dataclass
class Scan:
    """The result of reading journal bytes from some offset to the end of the file."""

    groups: list[list[Line]] = field(default_factory=list)
    """Complete commits (one line each, or all lines of a transaction), in file order."""
    end: int = 0
    """Absolute offset just after the last complete commit."""
    lines: int = 0
    """Number of lines in ``groups``."""
    torn_lines: int = 0
    """Lines after ``end`` that do not form a complete commit (an unfinished write)."""
    size: int = 0
    """Absolute offset of the end of the bytes read."""

    @property
    def torn(self) -> bool:
        """Whether there are bytes after the last complete commit."""
        return self.size > self.end


def scan(buf: bytes | bytearray, *, offset: int, path: Path, first_line: int = 1) -> Scan:
    """Split ``buf`` (journal bytes starting at ``offset``) into complete commits.

    ``first_line`` is the line number of the first line in ``buf``, for error messages.
    Lines are parsed in place (no copy of each line's bytes), and the lines of one commit
    share their header's strings: a teammate's rescore is one commit of ~90,000 lines at
    50,000 accounts, which every open app reads at once.
    """
    view = memoryview(buf)
    last_newline = buf.rfind(b"\n")
    result = Scan(end=offset, size=offset + len(buf))
    pending: list[Line] = []
    start = 0
    idx = 0
    while start <= last_newline:
        stop = buf.find(b"\n", start)
        line_end = offset + stop + 1
        try:
            obj = orjson.loads(view[start:stop])
        except orjson.JSONDecodeError:
            tail = buf[last_newline + 1 :]  # an unfinished line, or nothing
            if stop == last_newline and not tail.strip(b"\x00 \t\r"):
                idx += 1  # counted among the lines read, as a torn one
                break  # garbage in the last line: an interrupted write, part of the tail
            raise _damaged(path, first_line + idx, Msg("store.journal.not_json")) from None
        _check_line(obj, pending[0] if pending else None, len(pending), path, first_line + idx)
        pending.append(obj)
        if obj.get("n", 1) == obj.get("of", 1):
            result.groups.append(pending)
            result.lines += len(pending)
            result.end = line_end
            pending = []
        start = stop + 1
        idx += 1
    # Whole lines not in a complete commit (unfinished transaction, garbage) + partial line.
    result.torn_lines = idx - result.lines + (1 if len(buf) > last_newline + 1 else 0)
    return result


def _check_line(obj: Any, head: Line | None, count: int, path: Path, number: int) -> None:
    """Check a parsed line as the next of a commit whose first line is ``head`` and that
    has ``count`` lines so far (None and 0: a commit must start); raise
    ``JournalCorruptError`` if it is malformed or out of its commit's order."""
    problem = _shape_error(obj)
    if problem is not None:
        raise _damaged(path, number, problem, doctor=False)
    n, of = obj.get("n", 1), obj.get("of", 1)
    if head is not None:
        if obj["op_id"] != head["op_id"] or n != count + 1 or of != head.get("of"):
            raise _damaged(path, number, Msg("store.journal.interleaved"), doctor=False)
        _share_header(obj, head)
    elif n != 1:
        raise _damaged(path, number, Msg("store.journal.mid_start"), doctor=False)


def _damaged(path: Path, number: int, what: Msg, doctor: bool = True) -> JournalCorruptError:
    advice = Msg("store.journal.advice.doctor" if doctor else "store.journal.advice.help")
    return JournalCorruptError(
        said("store.journal.damaged", path=path, number=str(number), what=what, advice=advice)
    )


def _share_header(line: Line, head: Line) -> None:
    """Let a transaction's line use its first line's equal strings (the same ``op_id``,
    usually the same time, author and table, also stamped in ``set``) instead of copies."""
    for name in ("op_id", "ts", "by", "table"):
        if line[name] == head[name]:
            line[name] = head[name]
    fields = line["set"]
    if fields.get("_updated_at") == line["ts"]:
        fields["_updated_at"] = line["ts"]
    if fields.get("_by") == line["by"]:
        fields["_by"] = line["by"]


class JournalFile:
    """One open journal generation: descriptor, inode, and how far this process has read.

    The descriptor stays open for the life of the generation; that keeps the inode alive
    after another process replaces ``journal.jsonl`` at a checkpoint, so we can finish
    reading it and can tell the generations apart by inode.
    """

    def __init__(self, path: Path, fd: int) -> None:
        self.path = path
        self.fd = fd
        self.inode = os.fstat(fd).st_ino
        self.offset = 0
        """End of the last complete commit applied by this process."""
        self.lines = 0
        """Lines before ``offset`` (for line numbers in messages)."""
        self.seen_size = 0
        """File size at the last read; lets ``poll()`` skip work when nothing changed."""

    @classmethod
    def open(cls, path: Path, team: bool) -> JournalFile:
        """Open (creating if missing) the journal for reading and appending."""
        fd, _ = open_rw(path, team, append=True)
        return cls(path, fd)

    def size(self) -> int:
        """Current size of this generation's file."""
        return os.fstat(self.fd).st_size

    def read_new(self) -> Scan:
        """Read and split everything after ``offset``; does not advance."""
        size = self.size()
        if size < self.offset:
            raise JournalCorruptError(said("store.journal.shorter", path=self.path))
        # One buffer filled in place: pieces joined afterwards were two copies at once of a
        # teammate's rescore (tens of MB) while its lines were parsed.
        buf = bytearray(size - self.offset)
        view = memoryview(buf)
        got = 0
        while got < len(buf):
            piece = os.pread(self.fd, min(len(buf) - got, 1 << 24), self.offset + got)
            if not piece:
                break
            view[got : got + len(piece)] = piece
            got += len(piece)
        view.release()
        del buf[got:]
        self.seen_size = self.offset + got
        return scan(buf, offset=self.offset, path=self.path, first_line=self.lines + 1)

    def read_replaced(self, piece: int | None = None) -> Iterator[Line]:
        """The lines after ``offset`` of a generation that another process replaced at a
        checkpoint (see ``Store._apply_replaced``), read and parsed ``piece`` bytes at a
        time and checked as :func:`scan` checks them; ``offset`` moves past each commit
        once its last line was given. Nothing is appended to a replaced journal and its
        checkpointer cut any unfinished tail first, so an unfinished end raises
        ``JournalCorruptError`` (after the lines before it were given)."""
        piece = piece or REPLACED_PIECE
        size = self.size()
        pos = self.offset
        head: Line | None = None
        count = 0
        while pos < size:
            buf = os.pread(self.fd, min(piece, size - pos), pos)
            last = buf.rfind(b"\n")
            if last < 0:
                if len(buf) < size - pos:
                    piece *= 2  # one line longer than a piece
                    continue
                break  # an unfinished last line
            view = memoryview(buf)
            start = 0
            while start <= last:
                stop = buf.find(b"\n", start)
                number = self.lines + count + 1
                try:
                    obj = orjson.loads(view[start:stop])
                except orjson.JSONDecodeError:
                    raise _damaged(self.path, number, Msg("store.journal.not_json")) from None
                _check_line(obj, head, count, self.path, number)
                if head is None:
                    head = obj
                count += 1
                yield obj
                if obj.get("n", 1) == obj.get("of", 1):
                    self.offset = pos + stop + 1
                    self.lines += count
                    head, count = None, 0
                start = stop + 1
            view.release()
            pos += last + 1
        self.seen_size = size
        if head is not None or pos < size:
            raise _damaged(self.path, self.lines + count + 1, Msg("store.journal.unfinished"))

    def consume(self, result: Scan) -> None:
        """Mark the complete commits of ``result`` as applied."""
        self.offset = result.end
        self.lines += result.lines

    def cut(self, end: int) -> None:
        """Truncate an unfinished tail (caller holds the exclusive lock)."""
        os.ftruncate(self.fd, end)
        os.fsync(self.fd)
        self.seen_size = end

    def append(self, data: bytes, lines: int) -> None:
        """Append whole lines and fsync; on failure remove any partial write and re-raise."""
        try:
            view = memoryview(data)
            while view:
                written = os.write(self.fd, view)
                view = view[written:]
            os.fsync(self.fd)
        except BaseException:
            with contextlib.suppress(OSError):
                os.ftruncate(self.fd, self.offset)
            raise
        self.offset += len(data)
        self.lines += lines
        self.seen_size = self.offset

    def close(self) -> None:
        """Close the descriptor (idempotent)."""
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1
