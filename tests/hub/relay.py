"""A stand-in for ``ssh`` that can stop a hub conversation at a chosen message.

``cstui`` reaches a ``host:/path`` hub by running ``$CSTUI_SSH_COMMAND -o BatchMode=yes
host "$CSTUI_REMOTE_COMMAND serve --stdio --data-dir /path"``. Pointed at this script, it
ignores the options and the host, runs the remote command here and relays its stdin and
stdout, so the laptop and the server speak their real protocol through it.

Without ``RELAY_KILL_AT`` it copies bytes both ways untouched (clone and clean syncs).
With ``RELAY_KILL_AT=K`` it counts the JSON lines going either way; the K-th one (its
author has sent it, so a hub answer means the hub's work for that request is committed)
is never delivered. Instead ``RELAY_DIR/marker.json`` names this relay's pid, the
server's pid and the held message, and the relay blocks, so a test can kill the laptop,
the server or both at that exact protocol point. Like ssh, it then ends when the server
ends (the laptop sees the connection drop), or, when the laptop dies, closes the server's
input (its session ended) and waits for it. ``RELAY_DIR/done.json`` says the server has
exited and been reaped; the relay exits right after writing it.

Standard library only, so it starts fast; the laptop treats it like any ssh client.
"""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import subprocess
import sys
import threading
import time
import traceback
from pathlib import Path
from typing import IO

KILL_AT_ENV = "RELAY_KILL_AT"
DIR_ENV = "RELAY_DIR"
MARKER = "marker.json"
DONE = "done.json"
LOG = "relay.log"
SERVER_ERR = "server.err"


def remote_line(argv: list[str]) -> str:
    """The remote command of an ssh command line: skip ``-o value`` pairs and the host."""
    args = list(argv)
    while args and args[0].startswith("-"):
        flag = args.pop(0)
        if flag == "-o" and args:
            args.pop(0)
    if len(args) < 2:
        raise SystemExit("relay: usage: relay.py [-o option]... host command")
    return " ".join(args[1:])


def write_json(path: Path, data: dict[str, object]) -> None:
    """Write atomically: a reader sees the whole file or none."""
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data))
    os.replace(tmp, path)


def copy_bytes(src: IO[bytes], dst: IO[bytes], close_dst: bool) -> None:
    """Pass-through mode: any bytes (a clone sends raw files after a JSON line)."""
    fd = src.fileno()
    try:
        while chunk := os.read(fd, 1 << 16):
            dst.write(chunk)
            dst.flush()
    except OSError:
        pass
    if close_dst:
        with contextlib.suppress(OSError):
            dst.close()


def passthrough(command: list[str]) -> int:
    server = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert server.stdin is not None
    assert server.stdout is not None
    up = threading.Thread(
        target=copy_bytes, args=(sys.stdin.buffer, server.stdin, True), daemon=True
    )
    up.start()
    copy_bytes(server.stdout, sys.stdout.buffer, False)
    return server.wait()


class Holder:
    """Counts the messages of both directions and holds the K-th one."""

    def __init__(self, kill_at: int, folder: Path, server: subprocess.Popen[bytes]) -> None:
        self.kill_at = kill_at
        self.folder = folder
        self.server = server
        self.count = 0
        self.lock = threading.Lock()
        self.held = threading.Event()

    def forward(self, src: IO[bytes], dst: IO[bytes], author: str) -> None:
        """Relay whole lines from ``src`` until EOF or until a message has been held."""
        while True:
            line = src.readline()
            if not line:
                break
            with self.lock:
                if self.held.is_set():
                    continue  # nothing moves after the kill point
                self.count += 1
                if self.count == self.kill_at:
                    try:
                        kind = str(json.loads(line).get("type"))
                    except ValueError:
                        kind = "?"
                    write_json(
                        self.folder / MARKER,
                        {
                            "relay": os.getpid(),
                            "server": self.server.pid,
                            "k": self.count,
                            "type": kind,
                            "author": author,
                        },
                    )
                    self.held.set()
                    continue
            try:
                dst.write(line)
                dst.flush()
            except OSError:
                break
        if author == "laptop" and not self.held.is_set():
            with contextlib.suppress(OSError):
                dst.close()  # the laptop hung up normally: the server sees end of input


def counting(command: list[str], kill_at: int, folder: Path) -> int:
    parent = os.getppid()
    with open(folder / SERVER_ERR, "ab") as err:
        server = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err
        )
    assert server.stdin is not None
    assert server.stdout is not None
    holder = Holder(kill_at, folder, server)
    threads = [
        threading.Thread(
            target=holder.forward, args=(sys.stdin.buffer, server.stdin, "laptop"), daemon=True
        ),
        threading.Thread(
            target=holder.forward, args=(server.stdout, sys.stdout.buffer, "hub"), daemon=True
        ),
    ]
    for t in threads:
        t.start()
    while server.poll() is None:
        if holder.held.is_set() and os.getppid() != parent:
            # the laptop was killed: its end of the session is gone, as sshd would see it
            with contextlib.suppress(OSError):
                server.stdin.close()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
            break
        if not holder.held.is_set() and not threads[1].is_alive():
            break  # the server closed its output (a normal end)
        time.sleep(0.005)
    code = server.wait()
    write_json(folder / DONE, {"server_returncode": code, "held": holder.held.is_set()})
    return code if code >= 0 else 255  # ssh's answer when the remote end was killed


def main() -> int:
    command = shlex.split(remote_line(sys.argv[1:]))
    kill_at = os.environ.get(KILL_AT_ENV)
    if not kill_at:
        return passthrough(command)
    folder = Path(os.environ[DIR_ENV])
    try:
        return counting(command, int(kill_at), folder)
    except BaseException:
        with open(folder / LOG, "a") as log:
            log.write(traceback.format_exc())
        raise


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    os._exit(code)
