"""Storage errors: typed, one clear sentence, no record contents, nothing lost.

Also the missing ``cstui.json``: never silently replaced by a new empty database.
"""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from cstui.store import (
    ConflictError,
    CorruptSnapshotError,
    DiskFullError,
    JournalCorruptError,
    LockTimeoutError,
    MissingSnapshotError,
    PermissionDeniedError,
    ReadOnlyError,
    Store,
    StoreError,
)

Open = Callable[..., Store]
SECRET = "Zebulon Quartz Holdings said the renewal is off"
REPO = Path(__file__).resolve().parents[2]


def leaks(exc: BaseException) -> bool:
    """Whether the error, its args or its printed traceback (causes included) hold SECRET."""
    printed = "".join(traceback.format_exception(exc))
    return SECRET in str(exc) or SECRET in repr(exc.args) or SECRET in printed


def listing(folder: Path) -> dict[str, tuple[int, int]]:
    return {
        str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in folder.rglob("*")
    }


# ------------------------------------------------------------------ missing snapshot


def test_missing_snapshot_after_demo_names_no_empty_backup(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with Store(data, actor="demo", close_checkpoint_bytes=0) as store:  # load, close
        for i in range(5):
            store.put("accounts", f"a{i}", {"name": SECRET})
    assert len(list((data / "backups").iterdir())) == 1  # the empty start snapshot
    (data / "cstui.json").unlink()
    (data / "cstui.lock").unlink()
    before = listing(data)
    with pytest.raises(MissingSnapshotError) as info:
        Store(data, actor="x")
    message = str(info.value)
    assert "is missing" in message
    assert "created nothing" in message
    assert "No backup" in message
    assert "holds any records" in message
    assert "newest good backup" not in message
    assert listing(data) == before
    assert not leaks(info.value)


def test_missing_snapshot_names_the_newest_backup_with_records(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with Store(data, actor="x", close_checkpoint_bytes=0) as store:
        store.put("accounts", "a1", {"name": SECRET})
        store.checkpoint()  # backup 1: empty; backup 2 (next line): holds a1
        store.put("accounts", "a2", {})
        store.checkpoint()
        store.put("accounts", "a3", {})  # stays in the journal
        store.close(checkpoint=False)
    backups = sorted((data / "backups").iterdir())
    newest = backups[-1]
    (data / "cstui.json").unlink()
    before = listing(data)
    with pytest.raises(MissingSnapshotError) as info:
        Store(data, actor="x")
    message = str(info.value)
    assert f"The newest good backup is {newest} (1 record, saved" in message
    assert f"move {data / 'journal.jsonl'} somewhere safe" in message
    assert listing(data) == before
    assert not (data / "cstui.json").exists()
    assert not leaks(info.value)
    # Doctor (which opens the store) refuses the same way and creates nothing either.
    with pytest.raises(CorruptSnapshotError):
        Store(data, actor="doctor")
    assert listing(data) == before


def test_only_backups_left_is_refused_too(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with Store(data, actor="x", close_checkpoint_bytes=0) as store:
        store.put("accounts", "a1", {})
        store.checkpoint()
        store.put("accounts", "a2", {})
    (data / "cstui.json").unlink()
    (data / "journal.jsonl").unlink()
    with pytest.raises(MissingSnapshotError, match="backups in"):
        Store(data, actor="x")
    assert not (data / "cstui.json").exists()


# ------------------------------------------------------------------ disk full


def _fail_on(monkeypatch: pytest.MonkeyPatch, name: str, code: int, path: Path) -> None:
    """Make ``os.<name>`` fail with ``code`` for descriptors of files under ``path``."""
    real = getattr(os, name)

    def failing(fd: int, *args: Any) -> Any:
        target = os.readlink(f"/proc/self/fd/{fd}") if os.path.exists("/proc/self/fd") else ""
        if target.startswith(str(path)):
            raise OSError(code, os.strerror(code))
        return real(fd, *args)

    monkeypatch.setattr(os, name, failing)


@pytest.mark.parametrize("call", ["write", "fsync"])
def test_disk_full_on_save_says_so_and_saves_nothing(
    open_store: Open, monkeypatch: pytest.MonkeyPatch, call: str
) -> None:
    store = open_store()
    store.put("accounts", "a1", {"name": "kept"})
    size = store.journal_path.stat().st_size
    with monkeypatch.context() as m:
        _fail_on(m, call, errno.ENOSPC, store.data_dir)
        with pytest.raises(DiskFullError) as info:
            store.put("accounts", "a1", {"name": SECRET, "nps_comment": SECRET})
    message = str(info.value)
    assert message.startswith("The disk is full")
    assert "nothing was saved" in message
    assert "damaged" not in message
    assert "backup" not in message
    assert not leaks(info.value)
    assert store.get("accounts", "a1")["name"] == "kept"  # type: ignore[index]
    assert store.journal_path.stat().st_size == size  # the partial write was removed
    store.put("accounts", "a2", {})  # space again: saving works
    store.close()
    with Store(store.data_dir, actor="y") as again:
        assert again.get("accounts", "a1")["name"] == "kept"  # type: ignore[index]
        assert again.get("accounts", "a2") is not None


def test_disk_full_at_checkpoint_loses_nothing(
    open_store: Open, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = open_store()
    store.put("accounts", "a1", {"name": SECRET})
    with monkeypatch.context() as m:
        _fail_on(m, "fsync", errno.ENOSPC, store.data_dir)
        with pytest.raises(DiskFullError) as info:
            store.checkpoint()
        assert "nothing was lost" in str(info.value)
        assert not leaks(info.value)
        store.close()  # a failed checkpoint on close is a warning, not a crash
    assert any("The disk is full" in w for w in store.warnings)
    with Store(store.data_dir, actor="y") as again:
        assert again.get("accounts", "a1") is not None


# ------------------------------------------------------------------ read-only


@pytest.fixture
def small_tmpfs(tmp_path: Path) -> Iterator[Path]:
    """A 512 KiB tmpfs (root only, and only where mounting is allowed)."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", str(mnt)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


def test_read_only_folder_is_not_called_damaged(small_tmpfs: Path) -> None:
    data = small_tmpfs / "data"
    with Store(data, actor="x", close_checkpoint_bytes=0) as store:
        store.put("accounts", "a1", {"name": SECRET})
    subprocess.run(["mount", "-o", "remount,ro", str(small_tmpfs)], check=True)
    with pytest.raises(ReadOnlyError) as info:
        Store(data, actor="x")
    message = str(info.value)
    assert "read-only" in message
    assert "nothing was changed" in message
    assert "damaged" not in message
    assert "backup" not in message
    assert "chmod" not in message
    assert not leaks(info.value)


def test_a_really_full_disk(small_tmpfs: Path) -> None:
    store = Store(small_tmpfs / "data", actor="x", checkpoint_bytes=10**9)
    saved = 0

    def fill() -> None:
        nonlocal saved
        for i in range(10_000):
            store.put("accounts", f"a{i}", {"note": SECRET * 20})
            saved += 1

    with pytest.raises(DiskFullError) as info:
        fill()
    assert not leaks(info.value)
    assert saved > 0
    store.close(checkpoint=False)
    with Store(small_tmpfs / "data", actor="y", checkpoint_bytes=10**9) as again:
        assert again.count("accounts") == saved  # every put that returned is there
        again.close(checkpoint=False)


def test_permission_error_on_read_is_not_damage(
    open_store: Open, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = open_store()
    store.put("accounts", "a1", {"name": SECRET})
    store.close()
    real = os.open

    def denied(path: str | Path, flags: int, *args: Any, **kwargs: Any) -> int:
        if Path(path).name == "cstui.json":
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", denied)
    with pytest.raises(PermissionDeniedError) as info:
        Store(store.data_dir, actor="x", team=True)
    message = str(info.value)
    assert "may not use" in message
    assert "chgrp" in message
    assert "chmod 660" in message
    assert "damaged" not in message
    assert "backup" not in message
    assert "chmod 700" not in message


# ------------------------------------------------------------------ lock held


HOLDER = """
import sys, time
from cstui.store import FileLock
lock = FileLock(sys.argv[1])
lock.acquire()
print("held", flush=True)
sys.stdin.readline()
"""


def test_lock_held_by_another_process_names_it_and_saves_nothing(open_store: Open) -> None:
    store = open_store(lock_timeout=0.3)
    store.put("accounts", "a1", {"name": "before"})
    env = dict(os.environ, PYTHONPATH=str(REPO))
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(store.lock_path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline() == "held\n"
        with pytest.raises(LockTimeoutError) as info:
            store.put("accounts", "a1", {"name": SECRET})
        message = str(info.value)
        assert "nothing was saved" in message
        if os.path.exists("/proc/locks"):
            assert f"pid {holder.pid}" in message
            assert info.value.holder
        assert not leaks(info.value)
        assert store.get("accounts", "a1")["name"] == "before"  # type: ignore[index]
    finally:
        assert holder.stdin is not None
        holder.stdin.write("\n")
        holder.stdin.close()
        holder.wait(timeout=10)
    store.put("accounts", "a1", {"name": "after"})
    assert store.get("accounts", "a1")["name"] == "after"  # type: ignore[index]


# ------------------------------------------------------------------ no record contents


def test_no_store_error_carries_record_contents(tmp_path: Path, open_store: Open) -> None:
    store = open_store()
    rec = store.put("accounts", "a1", {"name": SECRET})
    errors: list[BaseException] = []
    store.put("accounts", "a1", {"note": SECRET + "!"})
    with pytest.raises(ConflictError) as conflict:
        store.put("accounts", "a1", {"name": SECRET + "?"}, expect_rev=rec["_rev"])
    errors.append(conflict.value)
    with pytest.raises(TypeError) as bad_value:
        store.put("accounts", "a2", {"name": SECRET, "when": {SECRET}})
    errors.append(bad_value.value)
    store.close(checkpoint=False)

    # A damaged journal line holding customer text.
    lines = store.journal_path.read_bytes().splitlines(keepends=True)
    store.journal_path.write_bytes(b'{"seq": 1, "name": "' + SECRET.encode() + b'"\n' + lines[0])
    with pytest.raises(JournalCorruptError) as journal:
        Store(store.data_dir, actor="x")
    errors.append(journal.value)

    # A damaged snapshot holding customer text.
    data2 = tmp_path / "d2"
    Store(data2, actor="x").close()
    bad = {"_meta": {"1": {"schema": 0, "last_seq": 0}}, "accounts": {"1": {"name": SECRET}}}
    (data2 / "cstui.json").write_bytes(orjson.dumps(bad))
    with pytest.raises(CorruptSnapshotError) as snapshot:
        Store(data2, actor="x")
    errors.append(snapshot.value)

    # A migration that fails on a record.
    data3 = tmp_path / "d3"
    with Store(data3, actor="x", migrations=[]) as old:
        old.put("accounts", "a1", {"name": SECRET})

    def broken(tables: dict[str, dict[str, dict[str, Any]]]) -> None:
        raise KeyError(tables["accounts"]["a1"]["name"])

    with pytest.raises(StoreError) as migration:
        Store(data3, actor="x", migrations=[broken])
    errors.append(migration.value)

    for exc in errors:
        assert not leaks(exc), type(exc).__name__
