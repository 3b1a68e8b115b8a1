"""``fcntl.flock`` locks on files in the data folder.

Why flock: the kernel drops the lock when the holding process dies, ``kill -9`` and power
loss included, so a crashed cstui never leaves a data folder locked and no stale-lock
clean-up is needed. Each lock object owns its own open file description, so two lock
objects exclude each other even inside one process (tests rely on this).

``FileLock`` is the store's commit lock (shared for reading, exclusive for writing).
``NamedLock`` is a non-blocking "only one of these at a time" lock, e.g. for sync, that can
tell who holds it.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pwd
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Literal

from cstui.i18n import Msg, render, said

from .errors import LockBusyError, LockTimeoutError, where
from .perms import open_rw

DEFAULT_TIMEOUT = 30.0
Default = Literal["default"]


class FileLock:
    """A blocking shared/exclusive lock with a timeout, on one lock file.

    Not re-entrant and not thread-safe by itself: the ``Store`` serialises its own use.
    Acquiring while already held converts the lock (flock semantics), so callers must not
    nest.
    """

    def __init__(
        self, path: Path | str, *, team: bool = False, timeout: float | None = DEFAULT_TIMEOUT
    ) -> None:
        self.path = Path(path)
        self._team = team
        self.timeout = timeout
        """Seconds to wait when ``acquire`` is not given a timeout (None: for ever)."""
        self._fd: int | None = None
        self._held: int | None = None

    def _descriptor(self) -> int:
        if self._fd is None:
            self._fd, _ = open_rw(self.path, self._team)
        return self._fd

    @property
    def held(self) -> bool:
        """Whether this object currently holds the lock (shared or exclusive)."""
        return self._held is not None

    def acquire(self, *, shared: bool = False, timeout: float | Default | None = "default") -> None:
        """Wait for the lock; raise ``LockTimeoutError`` after ``timeout`` seconds.

        Uncontended, this is one non-blocking ``flock``. Contended, a helper thread waits in
        a blocking ``flock`` on a fresh descriptor: the kernel hands the lock over as soon as
        it is free (sleep-and-retry loops starve against a busy writer), and we can still
        give up after ``timeout`` with a clear message instead of freezing the screen when
        the holder hangs (say, a cstui suspended with Ctrl-Z mid-commit).
        """
        wait = self.timeout if isinstance(timeout, str) else timeout
        fd = self._descriptor()
        op = fcntl.LOCK_SH if shared else fcntl.LOCK_EX
        try:
            fcntl.flock(fd, op | fcntl.LOCK_NB)
        except BlockingIOError:
            pass
        else:
            self._held = op
            return
        new_fd = _wait_for_lock(self.path, op, wait, self._team)
        # The old descriptor holds no lock (it was never granted one); swap it out.
        os.close(fd)
        self._fd = new_fd
        self._held = op

    def release(self) -> None:
        """Release the lock if held."""
        if self._fd is not None and self._held is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        self._held = None

    @contextlib.contextmanager
    def exclusive(self, timeout: float | Default | None = "default") -> Iterator[None]:
        """Hold the lock exclusively for the ``with`` block (writers, checkpoints)."""
        self.acquire(shared=False, timeout=timeout)
        try:
            yield
        finally:
            self.release()

    @contextlib.contextmanager
    def shared(self, timeout: float | Default | None = "default") -> Iterator[None]:
        """Hold the lock shared for the ``with`` block (readers: no writer mid-append)."""
        self.acquire(shared=True, timeout=timeout)
        try:
            yield
        finally:
            self.release()

    def close(self) -> None:
        """Release the lock and close the file."""
        self.release()
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def _wait_for_lock(path: Path, op: int, timeout: float | None, team: bool) -> int:
    """Block in ``flock`` on a new descriptor in a helper thread; return it once locked."""
    fd, _ = open_rw(path, team)
    granted = threading.Event()
    guard = threading.Lock()
    state: dict[str, object] = {"abandoned": False, "error": None}

    def wait() -> None:
        try:
            fcntl.flock(fd, op)
        except OSError as exc:
            state["error"] = exc
        with guard:
            if state["abandoned"]:
                os.close(fd)  # closing the descriptor releases a lock granted too late
                return
            granted.set()

    threading.Thread(target=wait, name="cstui-lock-wait", daemon=True).start()
    try:
        granted.wait(timeout)
    except BaseException:  # e.g. Ctrl-C while waiting: never keep a lock nobody will release
        with guard:
            state["abandoned"] = True
            if granted.is_set():
                os.close(fd)
        raise
    with guard:
        if not granted.is_set():
            state["abandoned"] = True
            holder = lock_holders(path)
            result = Msg(
                "store.lock.timeout.write" if op == fcntl.LOCK_EX else "store.lock.timeout.read"
            )
            raise LockTimeoutError(
                said(
                    "store.lock.timeout",
                    who=where(holder),
                    seconds=float(timeout or 0),
                    path=path,
                    result=result,
                ),
                holder,
            )
    error = state["error"]
    if isinstance(error, OSError):
        os.close(fd)
        raise error
    return fd


def lock_holders(path: Path) -> str | None:
    """Who holds ``flock`` locks on ``path`` right now: "pid 123, user alice, program cstui".

    Read from ``/proc/locks`` (Linux; None elsewhere or when nobody is found). Only the
    program's short name is used, never its command line, which may hold customer text.
    """
    try:
        st = os.stat(path)
        with open("/proc/locks", encoding="ascii", errors="replace") as fh:
            table = fh.read()
    except OSError:
        return None
    want = (os.major(st.st_dev), os.minor(st.st_dev), st.st_ino)
    found: list[str] = []
    for row in table.splitlines():
        parts = row.split()
        if len(parts) < 6 or "->" in parts or parts[1] != "FLOCK":
            continue
        pid_text, where = parts[4], parts[5].split(":")
        try:
            key = (int(where[0], 16), int(where[1], 16), int(where[2]))
            pid = int(pid_text)
        except (ValueError, IndexError):
            continue
        if key != want or pid <= 0:
            continue
        found.append(_describe_process(pid))
    return "; ".join(dict.fromkeys(found)) or None


def _describe_process(pid: int) -> str:
    words = [f"pid {pid}"]
    with contextlib.suppress(OSError, KeyError):
        uid = os.stat(f"/proc/{pid}").st_uid
        words.append(f"user {pwd.getpwuid(uid).pw_name}")
    with contextlib.suppress(OSError):
        with open(f"/proc/{pid}/comm", encoding="utf-8", errors="replace") as fh:
            name = "".join(ch for ch in fh.read().strip() if ch.isprintable())[:32]
        if name:
            words.append(f"program {name}")
    return ", ".join(words)


class NamedLock:
    """A non-blocking, exclusive lock on ``path`` (e.g. ``sync.lock`` in the data folder).

    ``try_acquire()`` returns False at once when someone else holds it; ``acquire()`` and
    ``with`` raise ``LockBusyError`` naming the holder (pid, host, since when), which the
    holder writes into the lock file after taking it.
    """

    def __init__(self, path: Path | str, *, purpose: str = "task", team: bool = False) -> None:
        self.path = Path(path)
        self.purpose = purpose
        self._team = team
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        """Whether this object holds the lock."""
        return self._fd is not None

    def try_acquire(self) -> bool:
        """Take the lock if it is free; return whether this object now holds it."""
        if self._fd is not None:
            return True
        fd, _ = open_rw(self.path, self._team)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd
        since = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
        info = f"pid {os.getpid()} on {socket.gethostname()} since {since}\n".encode()
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
            os.pwrite(fd, info, 0)
        return True

    def acquire(self) -> None:
        """Take the lock or raise ``LockBusyError`` saying who has it."""
        if not self.try_acquire():
            holder = self.holder()
            purpose = Msg(f"store.lock.purpose.{self.purpose}")
            raise LockBusyError(
                said(
                    "store.lock.busy",
                    purpose=render(purpose, default=self.purpose),
                    who=where(holder),
                    path=self.path,
                )
            )

    def holder(self) -> str | None:
        """What the current holder wrote into the lock file, if anything."""
        try:
            text = self.path.read_text(encoding="utf-8", errors="replace").strip()
        except OSError:
            return None
        return text or None

    def release(self) -> None:
        """Release the lock (the holder info is cleared first)."""
        if self._fd is None:
            return
        with contextlib.suppress(OSError):
            os.ftruncate(self._fd, 0)
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)
        self._fd = None

    def __enter__(self) -> NamedLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()
