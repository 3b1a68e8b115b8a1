"""Lock helpers: the commit lock's timeout and the non-blocking named (sync) lock."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from cstui.store import FileLock, LockBusyError, LockTimeoutError, NamedLock, Store


def test_named_lock_is_exclusive_and_names_the_holder(tmp_path: Path) -> None:
    first = NamedLock(tmp_path / "sync.lock", purpose="sync")
    second = NamedLock(tmp_path / "sync.lock", purpose="sync")
    assert first.try_acquire()
    assert first.held
    assert not second.try_acquire()
    with pytest.raises(LockBusyError, match=r"Another cstui sync is already running.*pid \d+"):
        second.acquire()
    first.release()
    with second:
        assert second.held
        assert not first.try_acquire()
    assert not second.held
    assert first.try_acquire()
    first.release()
    assert (tmp_path / "sync.lock").stat().st_mode & 0o777 == 0o600


def test_commit_lock_times_out_with_a_clear_message(tmp_path: Path) -> None:
    store = Store(tmp_path / "data", actor="x")
    blocker = FileLock(store.lock_path)
    blocker.acquire()
    try:
        with pytest.raises(LockTimeoutError, match="kept the data folder locked"):
            store._lock.acquire(timeout=0.05)
        assert store.poll() == []  # nothing new: no lock needed
    finally:
        blocker.close()
    store.put("accounts", "a1", {})
    store.close()


def test_shared_locks_coexist(tmp_path: Path) -> None:
    a, b = FileLock(tmp_path / "l"), FileLock(tmp_path / "l")
    with a.shared(), b.shared(timeout=0.05):
        assert a.held
        assert b.held
    with a.exclusive(), pytest.raises(LockTimeoutError):
        b.acquire(shared=True, timeout=0.05)
    a.close()
    b.close()


def test_store_named_lock(tmp_path: Path) -> None:
    a, b = Store(tmp_path / "d", actor="a"), Store(tmp_path / "d", actor="b")
    with a.named_lock("sync"):
        assert (tmp_path / "d" / "sync.lock").exists()
        with pytest.raises(LockBusyError, match="sync"), b.named_lock("sync"):
            pass
    with b.named_lock("sync"):
        pass
    a.close()
    b.close()


def test_a_waiting_writer_gets_the_lock_when_it_is_freed(tmp_path: Path) -> None:
    store = Store(tmp_path / "data", actor="x")
    blocker = FileLock(store.lock_path)
    blocker.acquire()
    timer = threading.Timer(0.1, blocker.release)
    timer.start()
    start = time.monotonic()
    store.put("accounts", "a1", {})  # waits in the kernel, then commits
    assert 0.05 < time.monotonic() - start < 5
    timer.join()
    blocker.close()
    store.close()
    with Store(tmp_path / "data", actor="y") as again:
        assert again.get("accounts", "a1") is not None
