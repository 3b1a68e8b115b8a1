"""The portfolio's rows kept between runs, in the user's cache folder (a team folder's in
the folder itself).

Why: building 50,000 rows means parsing the accounts and the health summaries (35 MB of
JSON): three quarters of a second before the first frame. Kept as plain columns
(:func:`cstui.domain.portfolio.row_columns`), they are read back in a tenth of that.

Only what follows from the snapshot file is trusted: the file names the versions of the two
tables it was built from (:meth:`cstui.store.Store.snapshot_version`), and the rows of
records changed since the snapshot are built again from the store. A file that does not
match, cannot be read or was written by other code is ignored and replaced; deleting it
only makes the next start slower. It holds customer names: it is the user's alone (0600 in
a 0700 folder) for a folder of one's own; for a team folder it is the team's, with the
folder's modes and group, as the data it is made from (read only when it is a plain file of
the folder's group that nobody outside the team can write).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import re
import secrets
import stat
import tempfile
import time
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Protocol

import orjson

from cstui.domain import portfolio as domain_portfolio
from cstui.paths import cache_dir
from cstui.store import perms

FORMAT = 3
"""Bumped when the file's layout changes (the code's fingerprint covers the rows)."""


TEAM_ROWS = "rows.json"
"""The rows kept in a team folder itself (see :func:`kept_rows_path`)."""


def kept_rows_path(data_dir: Path, *, team: bool = False) -> Path:
    """The rows file of one data folder: in the user's cache folder (by the folder's real
    path: one file per folder), or for a team folder in the folder itself, the team's as
    the data is: the day's first start of every member then reads the rows the app that
    rescored the book kept, instead of building them (0.9 s at 50,000 accounts)."""
    if team:
        return data_dir / TEAM_ROWS
    where = os.path.realpath(data_dir).encode("utf-8", "surrogateescape")
    return cache_dir() / "rows" / f"{hashlib.sha256(where).hexdigest()[:24]}.json"


@functools.cache
def rows_code_version(builder: str) -> str:
    """A fingerprint of the code that builds rows (the domain's row module, the models'
    enums, the names' readings, ``builder``: the workspace's) and of the Unicode tables the
    search keys were folded with: rows kept by other code are not used. Unreadable sources
    (a zipped install) give a value no file holds: nothing kept is used then."""
    module = Path(str(domain_portfolio.__file__))
    code = files_fingerprint(
        (),
        code=[
            module,
            *(module.with_name(f) for f in ("enums.py", "models.py", "kana.py")),
            Path(builder),
        ],
    )
    if code is None:
        return f"unreadable-{os.getpid()}-{time.time_ns()}"
    return f"{FORMAT}:{unicodedata.unidata_version}:{code}"


class Readable(Protocol):
    def read_bytes(self) -> bytes: ...


def files_fingerprint(sources: Iterable[Readable], code: Iterable[Readable] = ()) -> str | None:
    """A fingerprint of the files' contents: equal fingerprints, equal files. A missing
    source counts as such (no user file); None when a source cannot be read or a ``code``
    file is missing (an install without sources: its changes could not be seen)."""
    digest = hashlib.blake2b(digest_size=12)
    for source, required in [*((s, False) for s in sources), *((c, True) for c in code)]:
        try:
            data = source.read_bytes()
        except FileNotFoundError:
            if required:
                return None
            digest.update(b"\0missing\0")
            continue
        except OSError:
            return None
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    return digest.hexdigest()


def read_kept_rows(path: Path, *, team: bool = False) -> dict[str, Any] | None:
    """The kept rows' document, or None when there is none that can be read, or the file
    is not trusted: not this user's own (a cache folder pointed at a shared place), or in
    a team folder, not a plain file of the folder's group that only the team can write."""
    try:
        raw = _read_trusted(path, team)
        data = None if raw is None else orjson.loads(raw)
    except (OSError, orjson.JSONDecodeError):
        return None
    return data if isinstance(data, dict) else None


_HEAD = re.compile(rb'^\{"key":(\[[^\]]*\]),"scored":(\[[^\]]*\])')


def kept_rows_head(path: Path) -> tuple[Any, Any] | None:
    """The key and the scored day of a team folder's kept rows, from the file's first
    bytes (written first: :func:`write_kept_rows`), not its 15 MB of columns; None when
    there is no such file to trust."""
    try:
        raw = _read_trusted(path, team=True, size=4096)
        found = None if raw is None else _HEAD.match(raw)
        if found is None:
            return None
        return orjson.loads(found.group(1)), orjson.loads(found.group(2))
    except (OSError, orjson.JSONDecodeError):
        return None


def _read_trusted(path: Path, team: bool, size: int = -1) -> bytes | None:
    """The file's bytes (its first ``size``), or None when it is not to be trusted (see
    :func:`read_kept_rows`); a link is not followed."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0))
    with os.fdopen(fd, "rb") as fh:
        return fh.read(size) if _trusted(os.fstat(fh.fileno()), path, team) else None


def _trusted(st: os.stat_result, path: Path, team: bool) -> bool:
    if not team:
        return st.st_uid == os.getuid()
    return (
        stat.S_ISREG(st.st_mode)
        and not st.st_mode & 0o002
        and st.st_gid == path.parent.stat().st_gid
    )


def write_kept_rows(
    path: Path, head: dict[str, Any], columns: dict[str, list[Any]], *, team: bool = False
) -> bool:
    """Replace the kept rows with ``head``'s fields and ``columns`` (whole or not at all);
    False when they cannot be written (a read-only home): the next start builds the rows
    again. Written a column at a time: one 11 MB piece of JSON at 50,000 accounts left the
    process 10 MB larger after it was freed. ``team``: in a team folder, with its modes
    and group (as its data files). Never raises (closing calls it)."""
    folder = path.parent
    try:
        if not team:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            if stat.S_IMODE(folder.stat().st_mode) != 0o700:
                folder.chmod(0o700)  # the rows hold customer names
        _remove_leftovers(folder)
        if team:
            tmp = str(folder / f".rows-{os.getpid()}-{secrets.token_hex(4)}.tmp")
            fd = perms.create_file(Path(tmp), team=True)
        else:
            fd, tmp = tempfile.mkstemp(dir=folder, prefix=".rows-", suffix=".tmp")  # 0600
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(orjson.dumps(head)[:-1] + b',"columns":{')
                for i, (name, values) in enumerate(columns.items()):
                    fh.write(b"," if i else b"")
                    fh.write(orjson.dumps(name) + b":")
                    fh.write(orjson.dumps(values))
                fh.write(b"}}")
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
    except (OSError, TypeError, ValueError):  # orjson's errors are TypeErrors
        return False
    return True


def _remove_leftovers(folder: Path) -> None:
    """Temporary files of writes cut short (a killed process) more than an hour ago."""
    cutoff = time.time() - 3600
    for leftover in folder.glob(".rows-*.tmp"):
        with contextlib.suppress(OSError):
            if leftover.stat().st_mtime < cutoff:
                leftover.unlink()
