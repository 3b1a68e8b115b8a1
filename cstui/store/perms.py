"""Permissions for the data folder and everything in it, and whether it is a team folder.

Customer data must never be readable by other users of a shared server, whatever the umask.
A personal folder is 0700 with files 0600. A team folder (several CSMs in one Unix group)
is 0770 plus the setgid bit, so new files inherit the folder's group, with files 0660.
Every file is created with ``os.open(..., mode)`` and then ``fchmod``-ed, because the umask
can only remove bits and we want exact modes.

**A folder knows it is a team folder** (``is_team_folder``), so every process keeps its group
and modes whoever runs it and whatever flags it was given:

* the folder holds the marker file ``cstui.team`` (written by the store whenever the folder
  is opened as a team folder, by ``--team`` or ``CSTUI_TEAM=1``), or
* the folder itself is group-writable or has the setgid bit (a personal folder is 0700, so
  a folder someone made writable for its group is shared with that group).

In a team folder every file the store creates is 0660 and is given the group of the folder
it is in (the kernel does that with the setgid bit; we also ``fchown`` it, so a folder
without the bit still works for members of its group), and a file this user owns that lost
its group modes (say, written 0600 by an older cstui) is put right when it is opened.
"""

from __future__ import annotations

import contextlib
import errno
import grp
import os
import pwd
import stat
from pathlib import Path

from cstui.i18n import Msg, msg, said

from .errors import StorageError, storage_error_class, where

PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600
TEAM_DIR_MODE = 0o2770
TEAM_FILE_MODE = 0o660
TEAM_MARKER = "cstui.team"
TEAM_ENV = "CSTUI_TEAM"
_MARKER_TEXT = (
    b"This folder is shared by a team: cstui keeps every file in it readable and writable by\n"
    b"the folder's group (files 660, folders 2770), whoever runs it. Do not delete this file.\n"
)


def env_team() -> bool:
    """Whether ``CSTUI_TEAM`` asks for team mode (``1``, ``true``, ``yes``, ``on``)."""
    return os.environ.get(TEAM_ENV, "").strip().lower() in {"1", "true", "yes", "on"}


def is_team_folder(path: Path) -> bool:
    """Whether ``path`` is a team folder: it holds the marker, or is group-writable/setgid."""
    try:
        st = os.stat(path)
    except OSError:
        return False
    if st.st_mode & (stat.S_ISGID | stat.S_IWGRP):
        return True
    return os.path.exists(path / TEAM_MARKER)


def write_marker(path: Path) -> bool:
    """Write the team marker into ``path`` if it is missing; return whether it was written."""
    marker = path / TEAM_MARKER
    if marker.exists():
        return False
    try:
        fd = create_file(marker, True)
    except FileExistsError:
        return False
    try:
        os.write(fd, _MARKER_TEXT)
        os.fsync(fd)
    finally:
        os.close(fd)
    return True


def dir_mode(team: bool) -> int:
    """Mode for the data folder and its ``backups/`` folder."""
    return TEAM_DIR_MODE if team else PRIVATE_DIR_MODE


def file_mode(team: bool) -> int:
    """Mode for every file the store creates."""
    return TEAM_FILE_MODE if team else PRIVATE_FILE_MODE


def _adopt_group(fd: int, folder: Path) -> None:
    """Give a new file (or folder) the group of ``folder``, as setgid would (team only).

    Only possible for members of that group (or root); otherwise the file keeps the
    creator's group and ``doctor`` reports it.
    """
    with contextlib.suppress(OSError):
        gid = os.stat(folder).st_gid
        if os.fstat(fd).st_gid != gid:
            os.fchown(fd, -1, gid)


def _heal(fd: int, folder: Path) -> None:
    """In a team folder, put right a file this user owns that lost its group or modes."""
    with contextlib.suppress(OSError):
        st = os.fstat(fd)
        if st.st_uid != os.geteuid():
            return
        if stat.S_IMODE(st.st_mode) != TEAM_FILE_MODE:
            os.fchmod(fd, TEAM_FILE_MODE)
        _adopt_group(fd, folder)


def heal(path: Path) -> None:
    """In a team folder, put right ``path`` if this user owns it and it lost its group or
    modes (as opening the journal does). For the snapshot, which a close no longer always
    rewrites with the team's modes: a ``cp`` of a backup under a private umask stayed
    locked to teammates until the next checkpoint."""
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
        try:
            _heal(fd, path.parent)
        finally:
            os.close(fd)


def ensure_dir(path: Path, team: bool, *, group_of: Path | None = None) -> bool:
    """Create ``path`` (and parents) with the right mode; return True if it was created.

    An existing folder is left as it is: changing the mode of a folder the user chose could
    break other things in it, so ``Store.check()`` reports it instead. ``group_of``: in a
    team folder, give the new folder that folder's group (``backups/`` takes the data
    folder's group).
    """
    if path.is_dir():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.mkdir(path, dir_mode(team))
    except FileExistsError:
        return False
    if team and group_of is not None:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            _adopt_group(fd, group_of)
        finally:
            os.close(fd)
    os.chmod(path, dir_mode(team))  # after chown, which may clear the setgid bit
    return True


def create_file(path: Path, team: bool, *, exclusive: bool = True) -> int:
    """Open a new file for writing with exactly the store's mode; return the descriptor.

    With ``exclusive=False`` an existing file is opened as it is (and not re-chmod-ed, since
    in a team folder it may belong to someone else).
    """
    flags = os.O_WRONLY | os.O_CREAT | getattr(os, "O_CLOEXEC", 0)
    if exclusive:
        flags |= os.O_EXCL
    mode = file_mode(team)
    fd = os.open(path, flags, mode)
    try:
        if exclusive or os.fstat(fd).st_size == 0:
            if team:
                _adopt_group(fd, path.parent)
            with contextlib.suppress(PermissionError):
                os.fchmod(fd, mode)
    except BaseException:
        os.close(fd)
        raise
    return fd


def open_rw(path: Path, team: bool, *, append: bool = False) -> tuple[int, bool]:
    """Open (creating if needed) a file read/write with the store's mode.

    Returns the descriptor and whether the file was created by this call. In a team folder
    an existing file this user owns gets its group modes back (``_heal``).
    """
    extra = os.O_APPEND if append else 0
    cloexec = getattr(os, "O_CLOEXEC", 0)
    mode = file_mode(team)
    try:
        fd = os.open(path, os.O_RDWR | extra | cloexec)
    except FileNotFoundError:
        pass
    else:
        if team:
            _heal(fd, path.parent)
        return fd, False
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL | extra | cloexec, mode)
    except FileExistsError:
        return os.open(path, os.O_RDWR | extra | cloexec), False
    if team:
        _adopt_group(fd, path.parent)
    os.fchmod(fd, mode)
    return fd, True


def fsync_dir(path: Path) -> None:
    """Make a rename or a new file in ``path`` survive a power cut."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def describe_mode(mode: int) -> str:
    """Octal permission bits as ``chmod`` takes them, e.g. ``755`` or ``2770``."""
    return f"{stat.S_IMODE(mode) & 0o7777:o}"


def user_name(uid: int) -> str:
    """The login name for ``uid`` (the number when it has none)."""
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


def group_name(gid: int) -> str:
    """The group name for ``gid`` (the number when it has none)."""
    try:
        return grp.getgrgid(gid).gr_name
    except KeyError:
        return str(gid)


def _is_private_group(st: os.stat_result) -> bool:
    """Whether the folder's group is its owner's own group (``alice:alice``, no members)."""
    try:
        group = grp.getgrgid(st.st_gid)
    except KeyError:
        return False
    return group.gr_name == user_name(st.st_uid) and not set(group.gr_mem) - {group.gr_name}


def problems(path: Path, team: bool, *, team_gid: int | None = None) -> list[str]:
    """Sentences about ``path`` being readable or writable by people who should not see it,
    or, in a team folder, not by the team (``team_gid``: the data folder's group)."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return []
    except OSError as exc:
        return [said("store.perms.cannot_check", path=path, reason=exc.strerror)]
    is_dir = stat.S_ISDIR(st.st_mode)
    kind = Msg("store.perms.folder" if is_dir else "store.perms.file")
    want = describe_mode(dir_mode(team) if is_dir else file_mode(team))
    mode = stat.S_IMODE(st.st_mode)
    shown = {"kind": kind, "path": path, "mode": describe_mode(mode), "want": want}
    found: list[str] = []
    if mode & 0o007:
        found.append(said("store.perms.everyone", **shown))
    elif not team and mode & 0o077:
        found.append(said("store.perms.group", **shown))
    if not team:
        return found
    gid = st.st_gid if team_gid is None else team_gid
    group = group_name(gid)
    needed = 0o070 if is_dir else 0o060
    if mode & needed != needed:
        found.append(said("store.perms.not_shared", group=group, **shown))
    if st.st_gid != gid:
        found.append(
            said("store.perms.other_group", group=group, other=group_name(st.st_gid), **shown)
        )
    if is_dir and not mode & stat.S_ISGID:
        found.append(said("store.perms.no_setgid", path=path, group=group))
    if is_dir and st.st_gid == gid and _is_private_group(st):
        found.append(said("store.perms.private_group", path=path, group=group))
    return found


def storage_error(exc: OSError, *, doing: Msg, outcome: Msg, team: bool) -> StorageError:
    """One clear sentence for a disk error: what failed, what it means, what to do.

    ``doing`` says what cstui tried (``store.doing.save``: "save your change"); ``outcome``
    what that means for the data (``store.outcome.nothing_saved``: "nothing was saved").
    Never calls the data damaged or suggests a backup.
    """
    cls = storage_error_class(exc)
    path = Path(exc.filename) if isinstance(exc.filename, str) else None
    code = exc.errno
    said_as = {"doing": doing, "outcome": outcome, "where": where(path)}
    if code in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return cls(said("store.disk_full", **said_as))
    if code == errno.EROFS:
        return cls(said("store.read_only", **said_as))
    if code in (errno.EACCES, errno.EPERM):
        return cls(_denied(path, doing, outcome, team))
    reason = exc.strerror or type(exc).__name__
    what = f" {path}" if path else ""
    return cls(said("store.os_error", what=what, reason=reason, **said_as))


def _denied(path: Path | None, doing: Msg, outcome: Msg, team: bool) -> str:
    me = user_name(os.geteuid())
    if path is None:
        return said("store.denied.here", me=me, doing=doing, outcome=outcome)
    try:
        st = path.stat()
    except OSError:
        return said("store.denied.path", me=me, path=path, doing=doing, outcome=outcome)
    is_dir = stat.S_ISDIR(st.st_mode)
    owner, group = user_name(st.st_uid), group_name(st.st_gid)
    if team and not is_dir:  # the team's group is the folder's, not the stray file's
        with contextlib.suppress(OSError):
            group = group_name(path.parent.stat().st_gid)
    facts = msg(
        "store.denied.facts",
        me=me,
        path=path,
        owner=owner,
        group=group,
        mode=describe_mode(st.st_mode),
        doing=doing,
        outcome=outcome,
    )
    if team:
        want = describe_mode(dir_mode(True) if is_dir else file_mode(True))
        return said(
            "store.denied.team", facts=facts, owner=owner, group=group, path=path, want=want
        )
    return said("store.denied.mine", facts=facts, owner=owner, me=me, path=path)
