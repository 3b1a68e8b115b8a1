"""Permissions for the data folder and everything in it.

Customer data must never be readable by other users of a shared server, whatever the umask.
A personal folder is 0700 with files 0600. A team folder (several CSMs in one Unix group)
is 0770 plus the setgid bit, so new files inherit the folder's group, with files 0660.
Every file is created with ``os.open(..., mode)`` and then ``fchmod``-ed, because the umask
can only remove bits and we want exact modes.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600
TEAM_DIR_MODE = 0o2770
TEAM_FILE_MODE = 0o660


def dir_mode(team: bool) -> int:
    """Mode for the data folder and its ``backups/`` folder."""
    return TEAM_DIR_MODE if team else PRIVATE_DIR_MODE


def file_mode(team: bool) -> int:
    """Mode for every file the store creates."""
    return TEAM_FILE_MODE if team else PRIVATE_FILE_MODE


def ensure_dir(path: Path, team: bool) -> bool:
    """Create ``path`` (and parents) with the right mode; return True if it was created.

    An existing folder is left as it is: changing the mode of a folder the user chose could
    break other things in it, so ``Store.check()`` reports it instead.
    """
    if path.is_dir():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.mkdir(path, dir_mode(team))
    except FileExistsError:
        return False
    os.chmod(path, dir_mode(team))
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
            with contextlib.suppress(PermissionError):
                os.fchmod(fd, mode)
    except BaseException:
        os.close(fd)
        raise
    return fd


def open_rw(path: Path, team: bool, *, append: bool = False) -> tuple[int, bool]:
    """Open (creating if needed) a file read/write with the store's mode.

    Returns the descriptor and whether the file was created by this call.
    """
    extra = os.O_APPEND if append else 0
    cloexec = getattr(os, "O_CLOEXEC", 0)
    mode = file_mode(team)
    try:
        return os.open(path, os.O_RDWR | extra | cloexec), False
    except FileNotFoundError:
        pass
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL | extra | cloexec, mode)
    except FileExistsError:
        return os.open(path, os.O_RDWR | extra | cloexec), False
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
    """Octal permission bits as ``chmod`` takes them, e.g. ``755``."""
    return f"{stat.S_IMODE(mode) & 0o777:o}"


def problems(path: Path, team: bool) -> list[str]:
    """Sentences about ``path`` being readable or writable by people who should not see it."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return []
    except OSError as exc:
        return [f"cstui cannot check the permissions of {path}: {exc.strerror}."]
    is_dir = stat.S_ISDIR(st.st_mode)
    kind = "folder" if is_dir else "file"
    want = describe_mode(dir_mode(team) if is_dir else file_mode(team))
    mode = stat.S_IMODE(st.st_mode)
    found: list[str] = []
    if mode & 0o007:
        found.append(
            f"The {kind} {path} can be opened by every user on this computer "
            f"(permissions {describe_mode(mode)}); run: chmod {want} {path}"
        )
    elif not team and mode & 0o077:
        found.append(
            f"The {kind} {path} can be opened by other members of its group "
            f"(permissions {describe_mode(mode)}); run: chmod {want} {path}"
        )
    elif team:
        needed = 0o070 if is_dir else 0o060
        if mode & needed != needed:
            found.append(
                f"The {kind} {path} is not shared with the team group "
                f"(permissions {describe_mode(mode)}); run: chmod {want} {path}"
            )
    return found
