"""Every exit code of the one table (``cstui/exitcodes.py``) is what a real command ends with.

Each scenario runs the whole ``cstui`` command line (click's runner, or a child process where
a signal or a server is involved) and checks the code and the sentence on stderr. ``PRODUCED``
names the scenario of each code; the last test checks that it covers the table exactly, so a
code added to the table needs a scenario here.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from cstui import exitcodes
from cstui.cli import main
from cstui.demo.build import build_demo
from cstui.exitcodes import (
    EXIT_ACTION,
    EXIT_CANCELLED,
    EXIT_DATA,
    EXIT_ERROR,
    EXIT_OK,
    EXIT_PARTIAL,
    EXIT_REMOTE,
    EXIT_STORAGE,
    EXIT_USAGE,
)
from cstui.store import Store
from cstui.workspace import Workspace

from .conftest import seed_local
from .fake_crm import FakeCRM

REPO = Path(__file__).resolve().parents[2]
TOKEN = "pat-eu1-exit-codes-token"


@pytest.fixture
def book(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A small demo book; config and token come from this test only."""
    config = tmp_path / "config"
    config.mkdir()
    (config / "sync.toml").write_text("[hubspot]\nsearch_per_second = 200\ntimeout = 2.0\n")
    monkeypatch.setenv("CSTUI_CONFIG_DIR", str(config))
    for name in ("CSTUI_HUBSPOT_TOKEN", "CSTUI_HUBSPOT_URL", "CSTUI_DATA_DIR", "CSTUI_TEAM"):
        monkeypatch.delenv(name, raising=False)
    data = tmp_path / "book"
    build_demo(data, accounts=3, seed=5, user="me")
    return data


@pytest.fixture
def crm() -> Iterator[FakeCRM]:
    with FakeCRM(token=TOKEN) as fake:
        yield fake


def cli(*args: str | Path, env: dict[str, str] | None = None) -> tuple[int, str]:
    """Run ``cstui ARGS``; its exit code and stderr."""
    result = CliRunner().invoke(main, [str(a) for a in args], env=env, catch_exceptions=False)
    return result.exit_code, result.stderr


def crm_env(crm: FakeCRM) -> dict[str, str]:
    return {"CSTUI_HUBSPOT_URL": crm.url, "CSTUI_HUBSPOT_TOKEN": TOKEN}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def child_env(**extra: str) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO), "CSTUI_USER": "me", **extra}


# ------------------------------------------------------------------ 0, 1, 2, 3, 4


def test_done_is_0(book: Path) -> None:
    code, err = cli("doctor", "--data-dir", book)
    assert code == EXIT_OK, err


def test_bad_input_and_missing_configuration_are_1(book: Path) -> None:
    code, err = cli("health", "explain", "--data-dir", book, "Nobody KK")
    assert code == EXIT_ERROR
    assert "No account matches 'Nobody KK'." in err
    code, err = cli("sync", "--crm-only", "--data-dir", book)
    assert code == EXIT_ERROR
    assert "No HubSpot token" in err
    code, err = cli("sync", "--hub-only", "--data-dir", book)
    assert code == EXIT_ERROR
    assert "has no team hub" in err


@pytest.mark.parametrize(
    "args",
    [
        ("health", "--no-such-option"),
        ("sync", "--hub-only", "--crm-only"),
        ("sync", "--json"),
        ("sync", "--dry-run", "--resolve", "x=mine"),
        ("export", "accounts", "--excel", "--format", "json"),
    ],
)
def test_usage_errors_are_2_for_every_command(book: Path, args: tuple[str, ...]) -> None:
    code, err = cli(*args, "--data-dir", book)
    assert code == EXIT_USAGE, err
    assert "Error:" in err  # click's own report of a usage error


def test_someone_must_act_is_3_for_doctor_and_for_sync_conflicts(book: Path, crm: FakeCRM) -> None:
    os.chmod(book / "cstui.json", 0o644)
    code, _ = cli("doctor", "--data-dir", book)
    assert code == EXIT_ACTION
    os.chmod(book / "cstui.json", 0o600)
    ws = Workspace.open(book, user="me")
    [acc, *_] = seed_local(ws, 1)
    ws.close()
    code, err = cli("sync", "--data-dir", book, env=crm_env(crm))
    assert code == EXIT_OK, err
    ws = Workspace.open(book, user="me")
    ws.update_account(acc, {"stage": "expansion"})
    rid = ws.store.get("accounts", acc)["_sync"]["hubspot"]["rid"]  # type: ignore[index]
    ws.close()
    crm.update("companies", rid, {"cstui_stage": "renewal"})
    code, _ = cli("sync", "--data-dir", book, env=crm_env(crm))
    assert code == EXIT_ACTION


def test_an_unusable_data_folder_is_4_here_and_on_the_hub(tmp_path: Path, book: Path) -> None:
    code, err = cli("today", "--data-dir", tmp_path / "typo")
    assert code == EXIT_DATA
    assert "does not exist" in err
    empty = tmp_path / "empty"
    empty.mkdir()
    code, err = cli("clone", empty, tmp_path / "laptop")
    assert code == EXIT_DATA
    assert "not a cstui data folder" in err
    code, err = cli("clone", book, book)
    assert code == EXIT_DATA
    assert "already holds" in err


# ------------------------------------------------------------------ 5, 6, 7, 130


def test_a_busy_lock_is_5(book: Path, crm: FakeCRM) -> None:
    store = Store(book, actor="other")
    try:
        with store.named_lock("sync"):
            code, err = cli("sync", "--data-dir", book, env=crm_env(crm))
    finally:
        store.close(checkpoint=False)
    assert code == EXIT_STORAGE
    assert "already running" in err


def test_permission_denied_on_the_hubs_server_is_5(book: Path, tmp_path: Path) -> None:
    """Through ``ssh``: a stand-in runs the remote command here, and the server's cstui
    finds the team folder unreadable (as root, chmod cannot refuse, so its store does)."""
    fake_ssh = tmp_path / "fake_ssh.py"
    fake_ssh.write_text(  # ssh [-o OPTION] HOST COMMAND: run COMMAND here
        "import os, sys\nos.execvp('sh', ['sh', '-c', sys.argv[-1]])\n", encoding="utf-8"
    )
    server = tmp_path / "server.py"
    server.write_text(
        "import sys\n"
        "import cstui.sync.hub as hub\n"
        "from cstui.store.errors import PermissionDeniedError\n"
        "def refuse(folder, **_):\n"
        "    raise PermissionDeniedError(f'You (me) may not read {folder}/cstui.json.')\n"
        "hub.Store = refuse\n"
        "from cstui.cli import main\n"
        "sys.argv[0] = 'cstui'\n"
        "main()\n",
        encoding="utf-8",
    )
    done = subprocess.run(
        [sys.executable, "-m", "cstui", "clone", f"server:{book}", str(tmp_path / "laptop")],
        env=child_env(
            CSTUI_SSH_COMMAND=f"{sys.executable} {fake_ssh}",
            CSTUI_REMOTE_COMMAND=f"{sys.executable} {server}",
        ),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == EXIT_STORAGE, done.stderr
    assert "may not read" in done.stderr
    assert done.stderr.count("\n") == 1
    assert not (tmp_path / "laptop" / "cstui.json").exists()


def test_a_partial_sync_is_6(book: Path, crm: FakeCRM) -> None:
    crm.fault("partial", path="companies/batch/upsert", times=1, fraction=1.0)
    code, err = cli("sync", "--data-dir", book, env=crm_env(crm))
    assert code == EXIT_PARTIAL, err


def test_an_unreachable_remote_is_7(book: Path, tmp_path: Path) -> None:
    env = {"CSTUI_HUBSPOT_URL": f"http://127.0.0.1:{free_port()}", "CSTUI_HUBSPOT_TOKEN": TOKEN}
    code, err = cli("sync", "--data-dir", book, env=env)
    assert code == EXIT_REMOTE
    assert "Cannot reach HubSpot" in err
    code, err = cli("clone", "server:/srv/team", tmp_path / "laptop",
                    env={"CSTUI_SSH_COMMAND": str(tmp_path / "no-such-ssh")})  # fmt: skip
    assert code == EXIT_REMOTE, err


def test_ctrl_c_is_130(book: Path, crm: FakeCRM) -> None:
    hold = crm.hold(1, apply=False)
    proc = subprocess.Popen(
        [sys.executable, "-m", "cstui", "sync", "--quiet", "--data-dir", str(book)],
        env=child_env(**crm_env(crm)),
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait(lambda: hold.reached.is_set() or proc.poll() is not None)
        assert hold.reached.is_set(), proc.communicate()[1]
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        hold.release.set()
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == EXIT_CANCELLED, err
    assert "interrupted" in err


def _wait(done: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 60
    while not done() and time.monotonic() < deadline:
        time.sleep(0.05)


# ------------------------------------------------------------------ the table as a whole


PRODUCED = {
    EXIT_OK: test_done_is_0,
    EXIT_ERROR: test_bad_input_and_missing_configuration_are_1,
    EXIT_USAGE: test_usage_errors_are_2_for_every_command,
    EXIT_ACTION: test_someone_must_act_is_3_for_doctor_and_for_sync_conflicts,
    EXIT_DATA: test_an_unusable_data_folder_is_4_here_and_on_the_hub,
    EXIT_STORAGE: test_permission_denied_on_the_hubs_server_is_5,
    EXIT_PARTIAL: test_a_partial_sync_is_6,
    EXIT_REMOTE: test_an_unreachable_remote_is_7,
    EXIT_CANCELLED: test_ctrl_c_is_130,
}


CODES = {value for name, value in vars(exitcodes).items() if name.startswith("EXIT_")}
"""Every exit code cstui defines (``cstui.exitcodes``)."""


def test_every_code_in_the_table_has_a_command_that_produces_it() -> None:
    assert sorted(PRODUCED) == sorted(CODES)
    assert sorted(CODES) == [0, 1, 2, 3, 4, 5, 6, 7, 130]  # what scripts were told (README)


def test_the_readme_and_sync_help_list_the_same_table() -> None:
    readme = (REPO / "README.md").read_text("utf-8")
    assert readme.count("| Code | Meaning |") == 1  # one table, not one per command
    rows = [line for line in readme.splitlines() if line.startswith("| ")]
    listed = {int(line.split("|")[1]) for line in rows if line.split("|")[1].strip().isdigit()}
    assert listed >= CODES
    result = CliRunner().invoke(main, ["sync", "--help"])
    codes = {int(line.split()[0]) for line in result.stdout.splitlines()
             if line.strip() and line.split()[0].isdigit() and line.startswith("  ")}  # fmt: skip
    assert codes == CODES
