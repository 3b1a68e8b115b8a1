"""Ctrl+Z and `fg` with the real app on a pseudo-terminal: Ctrl+Z stops the whole job
(the process group, as a terminal's own Ctrl+Z does: ``make demo`` stops with it) and when
it is continued the whole screen is drawn again at once, not left blank until a key. With
no job-control shell above it (cstui leads its own session, as in ``ssh -t host cstui``)
nothing could continue it, so it stays and says so."""

from __future__ import annotations

import contextlib
import fcntl
import os
import pty
import select
import shutil
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

from tests.conftest import TODAY

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
SUMMARY = b"Avg health"  # on the portfolio's summary line, drawn only with the screen


def _read_until(master: int, wanted: bytes, seconds: float) -> bytes:
    """What the app wrote until ``wanted`` appears (or ``seconds`` pass)."""
    out = b""
    deadline = time.monotonic() + seconds
    while wanted not in out and time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.1)
        if ready:
            try:
                out += os.read(master, 65536)
            except OSError:
                break
    return out


def _state(pid: int) -> str:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]


def _app_pid(shell: int) -> int:
    """The cstui process the shell started."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        children = Path(f"/proc/{shell}/task/{shell}/children").read_text().split()
        if children:
            return int(children[0])
        time.sleep(0.05)
    raise AssertionError("the shell started no app")


def _start(data: Path, *, own_session: bool) -> tuple[subprocess.Popen[bytes], int]:
    """cstui on a new pty, 100x30, as a plain SSH terminal is (no COLORTERM): leading a
    session of its own, or as a job (a process group of its own) in this one."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "TERM": "xterm-256color",
        "CSTUI_TODAY": TODAY.isoformat(),
    }
    env.pop("COLORTERM", None)
    env.pop("TEXTUAL_DRIVER", None)
    # Under a shell that waits for it in the same process group, as `make demo` runs it.
    command = [sys.executable, "-m", "cstui", "--data-dir", str(data)]
    proc = subprocess.Popen(
        ["/bin/sh", "-c", '"$@"; exit $?', "sh", *command],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        start_new_session=own_session,
        process_group=None if own_session else 0,
    )
    os.close(slave)
    return proc, master


def _stop(proc: subprocess.Popen[bytes], master: int) -> None:
    """The shell and the app, even a stopped one (the group is the shell's)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    os.close(master)


def test_ctrl_z_stops_the_job_and_the_screen_comes_back_whole(
    demo_dir: Path, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    shutil.copytree(demo_dir, data)
    # A job of its own in this session, as a shell with job control starts one.
    proc, master = _start(data, own_session=False)
    try:
        app = _app_pid(proc.pid)
        assert SUMMARY in _read_until(master, SUMMARY, 60), "the portfolio never showed"
        time.sleep(0.5)  # the warm-up after the first frame
        _read_until(master, b"\0", 0.2)
        os.write(master, b"\x1a")  # Ctrl+Z
        deadline = time.monotonic() + 20
        left = b""
        while {_state(app), _state(proc.pid)} != {"T"} and time.monotonic() < deadline:
            left += _read_until(master, b"\0", 0.05)
        assert _state(app) == "T", "Ctrl+Z did not stop the app"
        assert _state(proc.pid) == "T", "the shell waiting for it was not stopped with it"
        left += _read_until(master, b"\0", 0.2)
        assert b"\x1b[?1049l" in left  # it left the alternate screen before it stopped
        os.killpg(proc.pid, signal.SIGCONT)  # what `fg` sends, to the job
        again = _read_until(master, SUMMARY, 10)
        assert SUMMARY in again, "the screen stayed blank after fg"
        os.write(master, b"q")
        assert proc.wait(timeout=30) == 0
    finally:
        _stop(proc, master)


def test_without_job_control_ctrl_z_says_so_and_the_app_stays(
    demo_dir: Path, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    shutil.copytree(demo_dir, data)
    proc, master = _start(data, own_session=True)
    try:
        assert SUMMARY in _read_until(master, SUMMARY, 60), "the portfolio never showed"
        time.sleep(0.5)
        _read_until(master, b"\0", 0.2)
        os.write(master, b"\x1a")
        said = _read_until(master, b"job control", 10)
        assert b"job control" in said
        assert "T" not in (_state(proc.pid), _state(_app_pid(proc.pid)))
        os.write(master, b"q")
        assert proc.wait(timeout=30) == 0
    finally:
        _stop(proc, master)
