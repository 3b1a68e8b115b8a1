"""Ctrl+Z and `fg` with the real app on a pseudo-terminal: Ctrl+Z stops the process and
gives the terminal back; when it is continued the whole screen is drawn again at once,
not left blank until a key."""

from __future__ import annotations

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


def test_ctrl_z_suspends_and_the_screen_comes_back_whole(demo_dir: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(demo_dir, data)
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
    proc = subprocess.Popen(
        [sys.executable, "-m", "cstui", "--data-dir", str(data)],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        start_new_session=True,
    )
    os.close(slave)
    try:
        assert SUMMARY in _read_until(master, SUMMARY, 60), "the portfolio never showed"
        time.sleep(0.5)  # the warm-up after the first frame
        _read_until(master, b"\0", 0.2)
        os.write(master, b"\x1a")  # Ctrl+Z
        deadline = time.monotonic() + 20
        while _state(proc.pid) != "T" and time.monotonic() < deadline:
            _read_until(master, b"\0", 0.05)
        assert _state(proc.pid) == "T", "Ctrl+Z did not stop the app"
        _read_until(master, b"\0", 0.2)  # leaving the alternate screen
        os.kill(proc.pid, signal.SIGCONT)  # what `fg` sends
        again = _read_until(master, SUMMARY, 10)
        assert SUMMARY in again, "the screen stayed blank after fg"
        os.write(master, b"q")
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
