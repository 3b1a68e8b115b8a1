"""Real Unix users in one group, for the team-folder tests (created as root, removed after).

Each user's code runs in a forked child that drops to that user (groups, gid, uid) before it
touches the data folder: a real process with that user's rights. Forking instead of starting
a new interpreter means the users need no access to the interpreter or the checkout (which
may sit in root's home).
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import tempfile
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import pytest


@dataclass(frozen=True)
class User:
    name: str
    uid: int
    gid: int
    """The user's own (personal) group: what new files get unless the folder says otherwise."""
    groups: tuple[int, ...]


@dataclass(frozen=True)
class Team:
    group: str
    gid: int
    users: tuple[User, ...]
    base: Path
    """A folder every test user can enter; put data folders in it."""


def _run(*cmd: str) -> None:
    subprocess.run(cmd, check=True, capture_output=True)


@pytest.fixture
def team() -> Iterator[Team]:
    """Two new users with personal groups, both members of one new team group."""
    if os.geteuid() != 0:
        pytest.skip("creating Unix users for the team-folder test needs root (CI runs as root)")
    if shutil.which("useradd") is None or shutil.which("groupadd") is None:
        pytest.skip("useradd/groupadd are not installed")
    tag = secrets.token_hex(3)
    group = f"cst{tag}"
    names = [f"cst{tag}a", f"cst{tag}b"]
    created: list[str] = []
    base = Path(tempfile.mkdtemp(prefix="cstui-team-"))
    try:
        _run("groupadd", group)
        for name in names:
            _run("useradd", "-M", "-U", "-G", group, "-s", "/usr/sbin/nologin", name)
            created.append(name)
        import grp
        import pwd

        gid = grp.getgrnam(group).gr_gid
        users = []
        for name in names:
            pw = pwd.getpwnam(name)
            users.append(User(name, pw.pw_uid, pw.pw_gid, (pw.pw_gid, gid)))
        os.chmod(base, 0o711)
        yield Team(group, gid, tuple(users), base)
    finally:
        shutil.rmtree(base, ignore_errors=True)
        for name in created:
            subprocess.run(["userdel", name], capture_output=True)
            subprocess.run(["groupdel", name], capture_output=True)  # if userdel left it
        subprocess.run(["groupdel", group], capture_output=True)


def run_as(user: User, func: Callable[..., Any], *args: Any, umask: int = 0o077) -> Any:
    """Run ``func(*args)`` in a forked child as ``user``; return its (JSON) result.

    An exception in the child is raised here as ``ChildFailed`` with its type, message and
    traceback, so a test can check what the user would have been told.
    """
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        code = 0
        try:
            os.close(read_fd)
            os.setgroups(list(user.groups))
            os.setgid(user.gid)
            os.setuid(user.uid)
            os.umask(umask)
            os.environ.pop("CSTUI_TEAM", None)
            try:
                out = {"ok": func(*args)}
            except BaseException as exc:
                out = {
                    "error": type(exc).__name__,
                    "message": str(exc),
                    "trace": "".join(traceback.format_exception(exc)),
                }
                code = 1
            os.write(write_fd, orjson.dumps(out))
        finally:
            os._exit(code)
    os.close(write_fd)
    chunks = []
    while chunk := os.read(read_fd, 65536):
        chunks.append(chunk)
    os.close(read_fd)
    os.waitpid(pid, 0)
    out = orjson.loads(b"".join(chunks) or b'{"error": "NoOutput", "message": "", "trace": ""}')
    if "error" in out:
        raise ChildFailed(out["error"], out["message"], out["trace"])
    return out["ok"]


class ChildFailed(Exception):
    """An exception raised in a ``run_as`` child: its type name, message and traceback."""

    def __init__(self, kind: str, message: str, trace: str) -> None:
        super().__init__(f"{kind}: {message}\n{trace}")
        self.kind = kind
        self.message = message
        self.trace = trace
