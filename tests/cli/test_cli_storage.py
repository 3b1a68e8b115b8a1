"""Storage trouble on the command line: one sentence, its own exit code, no traceback, no
record contents, nothing lost (issue 13, "Crashes" and "A missing cstui.json").

Commands run through click's runner with ``catch_exceptions=False``: an exception a
command does not turn into a message fails the test instead of passing as an exit code.
"""

from __future__ import annotations

import errno
import functools
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cstui.cli import main
from cstui.domain.models import Account
from cstui.exitcodes import EXIT_ACTION, EXIT_DATA, EXIT_ERROR, EXIT_STORAGE
from cstui.store import Store
from cstui.workspace import Workspace

SECRET = "Zebulon Quartz Holdings"
REPO = Path(__file__).resolve().parents[2]


def run(*args: str | Path, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, [str(a) for a in args], env=env, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def one_clear_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert lines[0].startswith("cstui: ")
    assert "Traceback" not in stderr
    assert SECRET not in stderr
    return lines[0]


@pytest.fixture
def book(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    ws = Workspace.open(data, user="me")
    ws.create_account({"name": SECRET, "arr": 1000})
    ws.close()
    return data


def accounts_csv(tmp_path: Path, rows: int = 3) -> Path:
    path = tmp_path / "in.csv"
    lines = ["name,arr"] + [f"Import {n},{n}" for n in range(rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _fail_on(monkeypatch: pytest.MonkeyPatch, name: str, code: int, path: Path) -> None:
    """Make ``os.<name>`` fail with ``code`` for descriptors of files under ``path``."""
    real = getattr(os, name)

    def failing(fd: int, *args: Any) -> Any:
        if os.readlink(f"/proc/self/fd/{fd}").startswith(str(path)):
            raise OSError(code, os.strerror(code))
        return real(fd, *args)

    monkeypatch.setattr(os, name, failing)


needs_proc = pytest.mark.skipif(not os.path.exists("/proc/self/fd"), reason="needs /proc")


def count(data: Path) -> int:
    ws = Workspace.open(data, user="check")
    try:
        return ws.count(Account)
    finally:
        ws.close()


# ------------------------------------------------------------------ disk full


@needs_proc
def test_disk_full_during_an_import_is_one_sentence_and_loses_nothing(
    book: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = accounts_csv(tmp_path)
    with monkeypatch.context() as m:
        _fail_on(m, "write", errno.ENOSPC, book)
        code, stdout, stderr = run("import", "accounts", "--data-dir", book, source)
    assert code == EXIT_STORAGE
    line = one_clear_line(stderr)
    assert "disk is full" in line
    assert "damaged" not in line
    assert SECRET not in stdout
    assert count(book) == 1  # what was there is intact


@needs_proc
def test_a_failed_checkpoint_on_close_is_a_warning_not_a_traceback(
    book: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = accounts_csv(tmp_path)
    monkeypatch.setenv("CSTUI_CLOSE_CHECKPOINT_BYTES", "0")  # this close folds its journal
    with monkeypatch.context() as m:
        # Let the import's commits through (their fsync is on the journal), fail only the
        # checkpoint's snapshot fsync: fail fsync on files other than the journal.
        real_fsync = os.fsync

        def fsync(fd: int) -> None:
            target = os.readlink(f"/proc/self/fd/{fd}")
            if target.startswith(str(book)) and "journal.jsonl" not in target:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            real_fsync(fd)

        m.setattr(os, "fsync", fsync)
        code, stdout, stderr = run("import", "accounts", "--data-dir", book, source)
    assert code == 0, stderr
    assert "3 created" in stdout
    assert "Traceback" not in stderr
    assert SECRET not in stderr
    assert "warning" in stderr
    assert "nothing was lost" in stderr
    assert count(book) == 4  # the journal kept every import


# ------------------------------------------------------------------ lock held too long

HOLDER = """
import sys
from cstui.store import FileLock
lock = FileLock(sys.argv[1])
lock.acquire()
print("held", flush=True)
sys.stdin.readline()
"""


@pytest.fixture
def held_lock(book: Path) -> Iterator[subprocess.Popen[str]]:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(book / "cstui.lock")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=dict(os.environ, PYTHONPATH=str(REPO)),
    )
    assert holder.stdout is not None
    assert holder.stdout.readline() == "held\n"
    yield holder
    assert holder.stdin is not None
    holder.stdin.write("\n")
    holder.stdin.close()
    holder.wait(timeout=10)


def test_a_lock_held_too_long_is_one_sentence(
    book: Path, tmp_path: Path, held_lock: subprocess.Popen[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import cstui.workspace.repo as repo

    monkeypatch.setattr(repo, "Store", functools.partial(Store, lock_timeout=0.3))
    source = accounts_csv(tmp_path)
    for args in (["import", "accounts", source], ["today"], ["compact"]):
        code, stdout, stderr = run(*args, "--data-dir", book)
        assert code == EXIT_STORAGE, (args, stderr)
        one_clear_line(stderr)
        assert SECRET not in stdout


# ------------------------------------------------------------------ missing data


def test_a_missing_data_directory_is_said_to_be_one_and_not_created(tmp_path: Path) -> None:
    target = tmp_path / "typo"
    for args in (["today"], ["tasks"], ["health"], ["export", "accounts"], ["compact"]):
        code, _, stderr = run(*args, "--data-dir", target)
        assert code == EXIT_DATA, (args, stderr)
        assert "does not exist" in one_clear_line(stderr)
    code, _, stderr = run("doctor", "--data-dir", target)
    assert code == EXIT_ACTION
    assert "does not exist" in one_clear_line(stderr)
    assert not target.exists()


def test_a_missing_snapshot_next_to_a_journal_is_refused_by_every_command(book: Path) -> None:
    (book / "cstui.json").unlink()
    before = sorted(p.name for p in book.iterdir())
    for args in (["today"], ["export", "accounts"], ["compact"]):
        code, stdout, stderr = run(*args, "--data-dir", book)
        assert code == EXIT_DATA, (args, stderr)
        assert "is missing" in one_clear_line(stderr)
        assert SECRET not in stdout
    code, stdout, stderr = run("doctor", "--data-dir", book)
    assert code == EXIT_ACTION
    assert "is missing" in one_clear_line(stderr)
    assert sorted(p.name for p in book.iterdir()) == before  # nothing created


# ------------------------------------------------------------------ read-only


@pytest.fixture
def read_only_book(tmp_path: Path) -> Iterator[Path]:
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mnt)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        ws = Workspace.open(mnt / "data", user="me")
        ws.create_account({"name": SECRET})
        ws.close()
        subprocess.run(["mount", "-o", "remount,ro", str(mnt)], check=True)
        yield mnt / "data"
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


def test_a_read_only_folder_is_one_sentence(read_only_book: Path, tmp_path: Path) -> None:
    for args in (["today"], ["import", "accounts", accounts_csv(tmp_path)]):
        code, stdout, stderr = run(*args, "--data-dir", read_only_book)
        assert code == EXIT_STORAGE, (args, stderr)
        line = one_clear_line(stderr)
        assert "read-only" in line
        assert "damaged" not in line
        assert SECRET not in stdout


# ------------------------------------------------------------------ doctor


def test_doctor_notes_a_repaired_torn_line_and_a_leftover_temp_file_but_is_healthy(
    book: Path,
) -> None:
    Store(book, actor="x").close(checkpoint=False)
    with open(book / "journal.jsonl", "ab") as journal:
        journal.write(b'{"seq": 99, "table": "accounts", "id"')  # a crash mid-write
    os.close(os.open(book / "cstui.json.tmp-4242", os.O_CREAT | os.O_WRONLY, 0o600))
    code, stdout, _ = run("doctor", "--data-dir", book)
    assert code == 0, stdout
    assert "note:" in stdout
    assert "problem:" not in stdout
    assert "Everything looks healthy." in stdout


def test_doctor_problems_exit_3_with_what_to_do(book: Path) -> None:
    os.chmod(book / "cstui.json", 0o644)
    code, stdout, _ = run("doctor", "--data-dir", book)
    assert code == EXIT_ACTION
    assert "problem:" in stdout
    assert "chmod 600" in stdout


def test_help_documents_the_exit_codes() -> None:
    _, stdout, _ = run("doctor", "--help")
    assert "3 unhealthy" in " ".join(stdout.split())


# ------------------------------------------------------------------ exports and imports


def test_export_over_an_existing_world_readable_file_makes_it_private(
    book: Path, tmp_path: Path
) -> None:
    out = tmp_path / "accounts.csv"
    out.write_text("old\n", encoding="utf-8")
    os.chmod(out, 0o644)
    code, _, _ = run("export", "accounts", "--data-dir", book, "--out", out)
    assert code == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert SECRET in out.read_text(encoding="utf-8")  # the file keeps the data


def test_export_into_a_team_folder_is_for_the_team_only(book: Path, tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o2770)
    out = shared / "accounts.csv"
    code, _, _ = run("export", "accounts", "--data-dir", book, "--out", out)
    assert code == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o660  # never world-readable


def test_a_stray_quote_is_rejected_with_the_line_it_opens_on(book: Path, tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text('name,arr\nAlpha,1\n"Beta,2\nGamma,3\nDelta,4\n', encoding="utf-8")
    code, stdout, stderr = run("import", "accounts", "--data-dir", book, source)
    assert code == EXIT_ERROR
    assert f"{source}:3:" in stderr
    assert "not closed" in stderr
    assert "0 created" in stdout
    assert "1 rejected" in stdout
    assert count(book) == 1


def test_a_huge_name_is_refused_with_a_short_message(book: Path, tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text(f"name,arr\n{'N' * 100_000},1\nFine,2\n", encoding="utf-8")
    code, stdout, stderr = run("import", "accounts", "--data-dir", book, source)
    assert code == EXIT_ERROR
    assert "too long (100,000 characters); keep it to 200" in stderr
    assert len(stderr) < 500  # the name is not echoed back
    assert "1 created" in stdout
