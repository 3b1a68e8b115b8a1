"""The snapshot file (``cstui.json``) and its backups.

The snapshot is TinyDB's own JSON layout (``{"table": {"<int doc id>": {...}}}``) so that
plain ``tinydb.TinyDB(path)`` can read it, plus a ``_meta`` table holding the schema
version, the last journal sequence number it contains and the checkpoint generation.
``_meta`` is always written first so another process can learn the generation from the
first few bytes instead of parsing megabytes (see ``read_meta``).

A snapshot is only ever replaced whole (temp file, fsync, ``os.replace``), and a file that
fails to parse is never written over: the caller gets ``CorruptSnapshotError`` naming the
newest backup that does parse.
"""

from __future__ import annotations

import contextlib
import os
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from .errors import CorruptSnapshotError
from .perms import create_file, fsync_dir

META_TABLE = "_meta"
META_DOC = "1"
BACKUP_KEEP = 10
_BACKUP_RE = re.compile(r"^cstui-\d{8}T\d{6}\.\d{6}Z-g\d+(-[a-z0-9-]+)?(\.\d+)?\.json$")
_META_PREFIX = b'{"_meta":{"1":'

Record = dict[str, Any]
Tables = dict[str, dict[str, Record]]
"""Table name -> TinyDB doc id (as text, like in the JSON file) -> record."""


@dataclass
class Meta:
    """What the snapshot says about itself."""

    schema: int
    last_seq: int
    generation: int

    def as_doc(self) -> dict[str, int]:
        """The ``_meta`` document as stored."""
        return {"schema": self.schema, "last_seq": self.last_seq, "generation": self.generation}


@dataclass
class Snapshot:
    """A parsed, validated snapshot plus the lookup structures the store keeps."""

    meta: Meta
    tables: Tables
    index: dict[str, dict[str, str]] = field(default_factory=dict)
    """Table -> record id -> doc id (as text)."""
    tombstones: dict[str, int] = field(default_factory=dict)
    """Table -> number of records with ``_deleted``."""


class InvalidSnapshot(ValueError):
    """Internal: why a snapshot's bytes are not a valid cstui snapshot."""


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


def parse(raw: bytes) -> Snapshot:
    """Parse and validate snapshot bytes, building the id index in the same pass."""
    if not raw.strip():
        raise InvalidSnapshot("the file is empty")
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise InvalidSnapshot(f"it is not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise InvalidSnapshot("it does not contain tables")
    meta_table = data.pop(META_TABLE, None)
    if not isinstance(meta_table, dict) or META_DOC not in meta_table:
        raise InvalidSnapshot("it has no _meta table (it was not written by cstui)")
    meta = _meta_from(meta_table[META_DOC])
    index: dict[str, dict[str, str]] = {}
    tombstones: dict[str, int] = {}
    for name, docs in data.items():
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
        index[name] = ids
        tombstones[name] = tomb
    return Snapshot(meta=meta, tables=data, index=index, tombstones=tombstones)


def encode(meta: Meta, tables: Tables) -> bytes:
    """Serialise with ``_meta`` first (see ``read_meta``)."""
    doc: dict[str, Any] = {META_TABLE: {META_DOC: meta.as_doc()}}
    doc.update(tables)
    return orjson.dumps(doc)


def read_meta(path: Path) -> Meta:
    """Read only ``_meta`` from the start of the file; fall back to a full parse."""
    with open(path, "rb") as fh:
        head = fh.read(512)
    if head.startswith(_META_PREFIX):
        end = head.find(b"}", len(_META_PREFIX))
        if end != -1:
            with contextlib.suppress(orjson.JSONDecodeError, InvalidSnapshot):
                return _meta_from(orjson.loads(head[len(_META_PREFIX) : end + 1]))
    return load(path).meta


def load(path: Path) -> Snapshot:
    """Load the snapshot; on any problem raise ``CorruptSnapshotError`` and touch nothing."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CorruptSnapshotError(
            f"cstui cannot read its data file {path} ({exc.strerror}). {_backup_advice(path)}"
        ) from exc
    try:
        return parse(raw)
    except InvalidSnapshot as exc:
        raise CorruptSnapshotError(
            f"The data file {path} is damaged: {exc}. cstui stopped and left the file "
            f"exactly as it is. {_backup_advice(path)}"
        ) from None


def _backup_advice(path: Path) -> str:
    backups = path.parent / "backups"
    good = newest_good_backup(backups)
    if good is None:
        return f"There is no readable backup in {backups}; keep the file as it is and ask for help."
    return (
        f"The newest good backup is {good}. To go back to it, close every cstui window, "
        f"move {path} and {path.parent / 'journal.jsonl'} somewhere safe, then copy the "
        f"backup to {path}."
    )


def write_file(path: Path, payload: bytes, team: bool) -> None:
    """Write ``payload`` to a new file and fsync it (no rename)."""
    fd = create_file(path, team)
    try:
        view = memoryview(payload)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(path: Path, payload: bytes, team: bool, *, backups: Path | None) -> None:
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


def newest_good_backup(backups: Path) -> Path | None:
    """The newest backup that parses as a valid snapshot, if any."""
    for candidate in list_backups(backups):
        try:
            parse(candidate.read_bytes())
        except (OSError, InvalidSnapshot):
            continue
        return candidate
    return None
