"""Ctrl+Z, `bg` and `fg` with the real app under a real interactive bash on a
pseudo-terminal (its controlling terminal, job control on): Ctrl+Z stops the whole job
(a shell waiting for cstui in the same process group, as ``make demo`` does, stops with
it), `bg` leaves it stopped until `fg`, and after `fg` the whole screen is drawn again at
once, not left blank until a key. With no job-control shell above it (cstui leads its own
session, as in ``ssh -t host cstui``) nothing could continue it, so it stays and says so."""

from __future__ import annotations

import contextlib
import fcntl
import os
import pty
import select
import shlex
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

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc (Linux)"),
]

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


def _bash(env: dict[str, str]) -> tuple[int, int]:
    """An interactive bash on a new pty that is its controlling terminal (job control on,
    job changes reported at once), 100x30; its pid and the pty's master side."""
    pid, master = pty.fork()
    if pid == 0:  # the child: nothing here may return into pytest
        try:
            os.execvpe("bash", ["bash", "--norc", "--noprofile", "-i"], env)
        finally:
            os._exit(127)
    fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    return pid, master


def _wait_state(pids: list[int], state: str, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while {_state(p) for p in pids} != {state} and time.monotonic() < deadline:
        time.sleep(0.05)
    assert {_state(p) for p in pids} == {state}, [_state(p) for p in pids]


def test_ctrl_z_bg_and_fg_under_a_job_control_shell(demo_dir: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(demo_dir, data)
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "TERM": "xterm-256color",
        "CSTUI_TODAY": TODAY.isoformat(),
        "PS1": "READY> ",
        "INPUTRC": "/dev/null",
        "HISTFILE": "/dev/null",
    }
    env.pop("COLORTERM", None)
    env.pop("TEXTUAL_DRIVER", None)
    bash, master = _bash(env)
    try:
        assert b"READY> " in _read_until(master, b"READY> ", 30)
        os.write(master, b"set -b\n")  # job changes reported as they happen
        _read_until(master, b"READY> ", 10)
        # A shell waiting for cstui in the job's process group, as `make demo` runs it.
        app = shlex.join([sys.executable, "-m", "cstui", "--data-dir", str(data)])
        os.write(master, f"sh -c '\"$@\"; exit $?' sh {app}\n".encode())
        assert SUMMARY in _read_until(master, SUMMARY, 60), "the portfolio never showed"
        waiting = _app_pid(bash)
        cstui = _app_pid(waiting)
        time.sleep(0.5)  # the warm-up after the first frame
        _read_until(master, b"\0", 0.2)

        os.write(master, b"\x1a")  # Ctrl+Z
        said = _read_until(master, b"READY> ", 20)
        assert b"Stopped" in said  # bash has the terminal back: the whole job stopped
        assert b"\x1b[?1049l" in said  # the app left the alternate screen first
        _wait_state([waiting, cstui], "T")

        os.write(master, b"bg\n")  # continued in the background: stops again for the tty
        said = _read_until(master, b"Stopped", 20)
        assert b"&" in said  # bash continued it in the background,
        assert b"Stopped" in said  # and it stopped again, waiting for the terminal
        _wait_state([waiting, cstui], "T")

        os.write(master, b"fg\n")
        assert SUMMARY in _read_until(master, SUMMARY, 20), "the screen stayed blank after fg"
        os.write(master, b"q")
        assert b"READY> " in _read_until(master, b"READY> ", 30)
        os.write(master, b"exit\n")
        assert os.waitpid(bash, 0)[1] == 0
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(os.getpgid(bash), signal.SIGKILL)  # bash leads its session's group
        with contextlib.suppress(ProcessLookupError, ChildProcessError, OSError):
            for pid in (cstui, waiting) if "cstui" in locals() else ():
                os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(bash, 0)
        os.close(master)


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
        # The first words of the warning (a toast wraps the rest at its own width).
        said = _read_until(master, b"Ctrl+Z needs", 10)
        assert b"Ctrl+Z needs" in said
        assert "T" not in (_state(proc.pid), _state(_app_pid(proc.pid)))
        os.write(master, b"q")
        assert proc.wait(timeout=30) == 0
    finally:
        _stop(proc, master)
