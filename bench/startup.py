"""Benchmark start-up: process start to the first portfolio frame in a real terminal, 10k accounts.

    .venv/bin/python bench/startup.py [--json] [--quick] [--runs R] [--accounts N]

``startup_s_10k``: ``python -m cstui --data-dir DIR`` is spawned in a pseudo-terminal of
160x45 (``TERM=xterm-256color``, ``CSTUI_TODAY`` pinned, English, no user config) on a
fresh copy of the cached 10,000-account demo directory (``bench/out/``, shared with
``bench/table.py --quick``), and its output is read until the first portfolio frame has been
written: the header label "Account" and the name of the account on the first row (known
from the data) have both appeared. That wall time is the value; then ``q`` is sent and the
process is waited for (untimed). Median of ``--runs`` runs (default 5; ``--quick``: 3).

Baseline, same run and terminal, runs interleaved with cstui's: ``python -c`` importing
``textual.app`` and running a minimal App that shows one Static holding the same two
strings, to the same point. It is what any Textual app pays to start, so the difference is
what cstui adds (imports, opening the store, building the portfolio rows, the screen).

Bytecode is cached in ``bench/out/pycache`` (``PYTHONPYCACHEPREFIX``) and one untimed run of
each warms it and the page cache, so the numbers are those of an installed app, not of a
first import that compiles every module.
"""

from __future__ import annotations

import argparse
import codecs
import contextlib
import fcntl
import os
import pty
import select
import shutil
import signal
import statistics
import struct
import sys
import tempfile
import termios
import time
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(1, str(BENCH.parent))

from _common import Metric, parse_args, progress, report, stopwatch  # noqa: E402
from table import OUT, TODAY, USER, demo_dir, size_label  # noqa: E402

COLS, ROWS = 160, 45
TIMEOUT_S = 120.0
EXIT_TIMEOUT_S = 60.0
BASELINE = """\
import textual.app
from textual.app import App, ComposeResult
from textual.widgets import Static

class Minimal(App[None]):
    BINDINGS = [("q", "quit", "Quit")]

    def compose(self) -> ComposeResult:
        yield Static({text!r}, markup=False)

Minimal().run()
"""


@dataclass
class Run:
    seconds: float
    exit_code: int | None


def child_env() -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CSTUI_", "TEXTUAL", "LC_")) and k != "PYTHONDONTWRITEBYTECODE"
    }
    env.update(
        TERM="xterm-256color",
        COLORTERM="truecolor",
        LANG="en_US.UTF-8",
        COLUMNS=str(COLS),
        LINES=str(ROWS),
        CSTUI_TODAY=TODAY,
        CSTUI_USER=USER,
        CSTUI_CONFIG_DIR=str(OUT / "no-config"),
        PYTHONPYCACHEPREFIX=str(OUT / "pycache"),
    )
    return env


def spawn_until(argv: list[str], needles: list[str], cwd: Path) -> Run:
    """Run ``argv`` in a 160x45 pty; seconds until every needle has been written; then quit."""
    env = child_env()
    start = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:  # the child: size the terminal, then become the program
        try:
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
            os.chdir(cwd)
            os.execve(argv[0], argv, env)
        finally:
            os._exit(127)
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    text = ""
    seen_at: float | None = None
    try:
        while seen_at is None:
            left = start + TIMEOUT_S - time.perf_counter()
            if left <= 0:
                raise SystemExit(f"startup bench: {argv[1:3]} showed no frame in {TIMEOUT_S} s")
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                continue
            try:
                chunk = os.read(fd, 1 << 16)
            except OSError:  # EIO: the child closed the terminal (it exited)
                chunk = b""
            if not chunk:
                raise SystemExit(
                    f"startup bench: {argv[1:3]} exited before its first frame; output:\n"
                    + text[-2000:]
                )
            text += decoder.decode(chunk)
            if all(n in text for n in needles):
                seen_at = time.perf_counter()
        os.write(fd, b"q")
        return Run(seen_at - start, wait_exit(pid, fd))
    finally:
        os.close(fd)


def wait_exit(pid: int, fd: int) -> int | None:
    """Drain the terminal until the child exits; stop it (by pid) if it does not."""
    deadline = time.perf_counter() + EXIT_TIMEOUT_S
    while time.perf_counter() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        ready, _, _ = select.select([fd], [], [], 0.05)
        if ready:
            with contextlib.suppress(OSError):
                os.read(fd, 1 << 16)
    progress(f"pid {pid} did not exit after 'q'; terminating it")
    os.kill(pid, signal.SIGTERM)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


def first_row_name(data: Path) -> str:
    """The account the portfolio shows first (default sort: health, worst first)."""
    from cstui.domain.portfolio import sort_rows
    from cstui.workspace import Workspace

    with tempfile.TemporaryDirectory(prefix="cstui-bench-") as tmp:
        copy = Path(tmp) / "data"
        shutil.copytree(data, copy)
        ws = Workspace.open(copy, user=USER)
        try:
            first = sort_rows(ws.portfolio(), "health", False)[0]
        finally:
            ws.close()
    return first.name


def main(argv: list[str] | None = None) -> int:
    def extra(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--runs", type=int, help="runs of each (default 5; quick 3)")
        parser.add_argument("--accounts", type=int, default=10_000, help="default 10000")
        parser.add_argument("--seed", type=int, default=1, help="demo seed (default 1)")
        parser.add_argument(
            "--keep-data", action="store_true", help="reuse cached data even if cstui changed"
        )

    args = parse_args(__doc__.splitlines()[0], argv, extra)
    runs: int = max(1, args.runs or (3 if args.quick else 5))
    data = demo_dir(args.accounts, args.seed, keep=args.keep_data)
    progress(f"data in {data}")
    with stopwatch("finding the first row's account"):
        name = first_row_name(data)
    # A long name is cut to fit its column; its start is enough to recognise the row.
    needles = ["Account", name[:12]]
    progress(f"waiting for {needles!r} on screen")

    python = sys.executable
    repo = BENCH.parent
    baseline_argv = [python, "-c", BASELINE.format(text=f"Account  {name}")]
    ours: list[Run] = []
    base: list[Run] = []
    with tempfile.TemporaryDirectory(prefix="cstui-bench-") as tmp:
        for i in range(runs + 1):  # the first run of each warms caches and is not counted
            copy = Path(tmp) / f"data-{i}"
            shutil.copytree(data, copy)  # the app writes (re-scores, checkpoints): a copy each
            ours_run = spawn_until([python, "-m", "cstui", "--data-dir", str(copy)], needles, repo)
            base_run = spawn_until(baseline_argv, needles, repo)
            shutil.rmtree(copy, ignore_errors=True)
            label = "warm-up" if i == 0 else f"run {i}"
            progress(
                f"{label}: cstui {ours_run.seconds:.3f} s (exit {ours_run.exit_code}), "
                f"textual {base_run.seconds:.3f} s (exit {base_run.exit_code})"
            )
            if i:
                ours.append(ours_run)
                base.append(base_run)
    bad = [r.exit_code for r in ours + base if r.exit_code != 0]
    if bad:
        progress(f"warning: exit codes after 'q': {bad}")

    value = statistics.median(r.seconds for r in ours)
    baseline = statistics.median(r.seconds for r in base)
    metrics = [
        Metric(
            f"startup_s_{size_label(args.accounts)}",
            value,
            "s",
            baseline,
            target=1.0,
            note=f"median of {runs}; cstui adds {value - baseline:.2f} s to a minimal Textual app",
        )
    ]
    title = f"startup: python -m cstui, {args.accounts:,} accounts, pty {COLS}x{ROWS}"
    report(metrics, as_json=args.json, title=title)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
