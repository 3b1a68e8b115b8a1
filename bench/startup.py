"""Benchmark start-up and memory: process start to the first portfolio frame in a real terminal.

    .venv/bin/python bench/startup.py [--json] [--quick] [--runs R] [--accounts N[,N...]]

For each size (default 10,000 and 50,000 accounts; ``--quick``: 10,000) on the cached demo
(``bench/out/``, shared with ``bench/table.py``):

``startup_s_<size>``: ``python -m cstui --data-dir DIR`` is spawned in a pseudo-terminal of
160x45 (``TERM=xterm-256color``, ``CSTUI_TODAY`` pinned, English, no user config) on a fresh
copy of the data, and its output is read until the first portfolio frame has been written:
the header label "Account" and the name of the account on the first row (known from the
data) have both appeared. That wall time is the value; then ``q`` is sent and the process is
waited for (untimed). Median of ``--runs`` runs (default 5; ``--quick``: 3). Each run is two
starts on the same fresh copy: ``startup_first_s_<size>`` with no rows kept for the folder
(its first start, or the first after a checkpoint changed the accounts or the health
summaries: the rows are built from the tables), then ``startup_s_<size>`` with the rows the
first one kept (``CSTUI_CACHE_DIR``, see ``cstui.workspace.rows_cache``): every other start.

Baseline, same run and terminal, runs interleaved with cstui's: VisiData (``vd``, the
``bench`` extra) on the same accounts as CSV (``cstui export accounts --format csv``), timed
until the first CSV row's name is on the screen. The note also gives a minimal Textual app
showing the same two strings (what any Textual app pays to start).

Memory, one more session each (untimed), resident set size from ``/proc/PID/status``:

* ``rss_first_frame_mb_<size>``: ``VmRSS`` once the first frame is on screen and the
  process has gone idle (no CPU used for a second: start-up work is over), in an everyday
  start: the rows kept by a start before (``cstui health`` on the copy keeps them, as the
  app does; it makes no touchpoint pass, so this is still the day's first session);
* ``rss_after_use_mb_<size>``: ``VmRSS`` after opening the first twenty accounts of the
  portfolio one after the other (Enter, wait, Escape, Down) and then the KPI screen (``M``);
  the note gives the peak (``VmHWM``) of the whole session;
* ``rss_after_use_first_start_mb_<size>``: the same in a folder's first start, the rows
  built from the tables (its note gives that session's first frame);
* ``rss_new_day_mb_<size>``: ``VmRSS`` after a start on the next day (``CSTUI_TODAY`` + 1),
  once the background rescore is done (the process and its children went idle);
  ``rescore_cpu_s_<size>`` is that session's CPU time (utime + stime, with its children's:
  a large book rescores in a child process) minus a same-day session's, i.e. what the
  rescore cost. That session is a teammate's on a copy made a team folder, where a user's
  session of the day before kept the rows (a team folder keeps them in the folder, for
  the team); the user's start after it is ``startup_rescored_s_<size>`` (one run): the
  day's first start on a team server, after a teammate's app rescored the book.

The memory baseline is VisiData's ``VmRSS`` with the CSV loaded and idle.

Bytecode is cached in ``bench/out/pycache`` (``PYTHONPYCACHEPREFIX``) and one untimed run of
each warms it and the page cache, so the numbers are those of an installed app, not of a
first import that compiles every module.
"""

from __future__ import annotations

import argparse
import codecs
import contextlib
import csv
import fcntl
import os
import pty
import select
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(1, str(BENCH.parent))

from _common import Metric, parse_args, progress, report, stopwatch  # noqa: E402
from table import OUT, TODAY, USER, demo_dir, size_label  # noqa: E402

from cstui.store.perms import write_marker  # noqa: E402

COLS, ROWS = 160, 45
TIMEOUT_S = 120.0
EXIT_TIMEOUT_S = 60.0
IDLE_TIMEOUT_S = 600.0
CLK_TCK = os.sysconf("SC_CLK_TCK")
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


def child_env(today: str = TODAY, home: Path | None = None, cache: str = "cache") -> dict[str, str]:
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
        CSTUI_TODAY=today,
        CSTUI_USER=USER,
        CSTUI_CONFIG_DIR=str(OUT / "no-config"),
        CSTUI_CACHE_DIR=str(OUT / cache),
        PYTHONPYCACHEPREFIX=str(OUT / "pycache"),
    )
    if home is not None:  # VisiData: no ~/.visidatarc, and its files out of the real home
        env["HOME"] = str(home)
    return env


def _tree_cpu(pid: int) -> int:
    """Clock ticks of ``pid`` (utime, stime, and its ended children's cutime, cstime) plus
    those of its running children, recursively; 0 for a process that is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        kids = [  # each thread's children (the app starts its child from a worker thread)
            kid
            for task in Path(f"/proc/{pid}/task").iterdir()
            for kid in (task / "children").read_text().split()
        ]
    except OSError:
        return 0
    own: int = sum(int(x) for x in fields[11:15])
    return own + sum(_tree_cpu(int(kid)) for kid in kids)


@dataclass
class Session:
    """One program in a 160x45 pty: read its output, send keys, look at /proc."""

    argv: list[str]
    cwd: Path
    env: dict[str, str]
    pid: int = 0
    fd: int = -1
    start: float = 0.0
    text: str = ""
    decoder: codecs.IncrementalDecoder = field(
        default_factory=lambda: codecs.getincrementaldecoder("utf-8")(errors="replace")
    )

    def __post_init__(self) -> None:
        self.start = time.perf_counter()
        pid, fd = pty.fork()
        if pid == 0:  # the child: size the terminal, then become the program
            try:
                fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
                os.chdir(self.cwd)
                os.execve(self.argv[0], self.argv, self.env)
            finally:
                os._exit(127)
        self.pid, self.fd = pid, fd

    def _read(self, timeout: float) -> bool:
        """Read what is there within ``timeout``; False if the program closed the pty."""
        ready, _, _ = select.select([self.fd], [], [], max(0.0, timeout))
        if not ready:
            return True
        try:
            chunk = os.read(self.fd, 1 << 16)
        except OSError:  # EIO: the child closed the terminal (it exited)
            chunk = b""
        if not chunk:
            return False
        self.text += self.decoder.decode(chunk)
        if len(self.text) > 1 << 20:
            self.text = self.text[-(1 << 19) :]
        return True

    def wait_for(self, needles: list[str]) -> float:
        """Seconds from the start until every needle has been written (the output resets)."""
        while not all(n in self.text for n in needles):
            left = self.start + TIMEOUT_S - time.perf_counter()
            if left <= 0:
                raise SystemExit(
                    f"startup bench: {self.argv[1:3]} showed no frame in {TIMEOUT_S} s"
                )
            if not self._read(left):
                raise SystemExit(
                    f"startup bench: {self.argv[1:3]} exited before its first frame; output:\n"
                    + self.text[-2000:]
                )
        seen = time.perf_counter() - self.start
        self.text = ""
        return seen

    def cpu(self) -> float:
        """CPU seconds (user + system) the process and its children have used so far: the
        app does a large book's rescore in a child, whose CPU counts as the app's (the
        children that ended are in cutime + cstime, the running ones are read directly)."""
        return _tree_cpu(self.pid) / CLK_TCK

    def status_mb(self, key: str) -> float:
        """``VmRSS`` / ``VmHWM`` from /proc/PID/status, in MB."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
        raise SystemExit(f"startup bench: no {key} for pid {self.pid}")

    def idle(self, quiet_s: float = 1.0) -> float:
        """Drain output until the process used (almost) no CPU for ``quiet_s``; its CPU time."""
        deadline = time.perf_counter() + IDLE_TIMEOUT_S
        last, since = self.cpu(), time.perf_counter()
        while time.perf_counter() < deadline:
            self._read(0.1)
            now = self.cpu()
            if now - last > 0.02:
                last, since = now, time.perf_counter()
            elif time.perf_counter() - since >= quiet_s:
                return now
        raise SystemExit(f"startup bench: pid {self.pid} did not go idle in {IDLE_TIMEOUT_S} s")

    def quiet(self, quiet_s: float = 0.3, limit_s: float = 15.0) -> None:
        """Drain output until nothing was written for ``quiet_s`` (a screen has been drawn)."""
        deadline = time.perf_counter() + limit_s
        while time.perf_counter() < deadline:
            before = len(self.text)
            self._read(quiet_s)
            if len(self.text) == before:
                return

    def send(self, keys: bytes) -> None:
        os.write(self.fd, keys)

    def close(self, keys: bytes = b"q") -> int | None:
        """Send the quit keys, drain until the child exits; stop it (by pid) if it does not."""
        try:
            with contextlib.suppress(OSError):
                os.write(self.fd, keys)
            deadline = time.perf_counter() + EXIT_TIMEOUT_S
            while time.perf_counter() < deadline:
                done, status = os.waitpid(self.pid, os.WNOHANG)
                if done:
                    return os.waitstatus_to_exitcode(status)
                ready, _, _ = select.select([self.fd], [], [], 0.05)
                if ready:
                    with contextlib.suppress(OSError):
                        os.read(self.fd, 1 << 16)
            progress(f"pid {self.pid} did not exit after {keys!r}; terminating it")
            os.kill(self.pid, signal.SIGTERM)
            _, status = os.waitpid(self.pid, 0)
            return os.waitstatus_to_exitcode(status)
        finally:
            os.close(self.fd)


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


def export_csv(data: Path, target: Path) -> tuple[str, str]:
    """``cstui export accounts --format csv`` of ``data`` into ``target``; (column, first name)."""
    with tempfile.TemporaryDirectory(prefix="cstui-bench-") as tmp:
        copy = Path(tmp) / "data"
        shutil.copytree(data, copy)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "cstui",
                "--data-dir",
                str(copy),
                "export",
                "accounts",
                "--format",
                "csv",
                "--out",
                str(target),
            ],
            check=True,
            env=child_env(),
            cwd=BENCH.parent,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    with target.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        first = next(reader)
        return next(iter(first)), first["name"]


def keep_rows(copy: Path) -> None:
    """What a start before leaves for the next: the portfolio's rows kept for ``copy``
    (``cstui health`` keeps them on closing, as the app does, and makes no touchpoint
    pass: the measured session is still the day's first)."""
    subprocess.run(
        [sys.executable, "-m", "cstui", "--data-dir", str(copy), "health", "--json"],
        check=True,
        env=child_env(),
        cwd=BENCH.parent,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def visidata() -> str:
    """The ``vd`` next to this Python (the ``bench`` extra installs it)."""
    vd = Path(sys.executable).with_name("vd")
    if not vd.exists():
        raise SystemExit("startup bench: VisiData is missing; pip install -e '.[bench]'")
    return str(vd)


def next_day() -> str:
    return (date.fromisoformat(TODAY) + timedelta(days=1)).isoformat()


def open_accounts_and_kpis(s: Session, count: int = 20) -> None:
    """Open the first ``count`` accounts one after the other, then the KPI screen."""
    for _ in range(count):
        s.send(b"\r")
        s.quiet()
        s.send(b"\x1b")
        s.quiet()
        s.send(b"\x1b[B")  # Down
        s.quiet(0.1)
    s.send(b"M")
    s.quiet()
    s.idle(0.5)


def measure(accounts: int, seed: int, keep: bool, runs: int, tmp: Path) -> list[Metric]:
    label = size_label(accounts)
    data = demo_dir(accounts, seed, keep=keep)
    progress(f"data in {data}")
    with stopwatch("finding the first row's account"):
        name = first_row_name(data)
    with stopwatch("exporting the accounts as CSV"):
        csv_path = tmp / f"accounts-{label}.csv"
        column, csv_name = export_csv(data, csv_path)
    # A long name is cut to fit its column; its start is enough to recognise the row.
    ours_needles = ["Account", name[:12]]
    vd_needles = [column, csv_name[:12]]
    progress(f"waiting for {ours_needles!r} (cstui), {vd_needles!r} (VisiData)")

    python, repo, vd = sys.executable, BENCH.parent, visidata()
    home = tmp / "home"
    home.mkdir(exist_ok=True)
    base_argv = [python, "-c", BASELINE.format(text=f"Account  {name}")]
    vd_argv = [vd, str(csv_path)]
    ours: list[float] = []
    colds: list[float] = []
    vds: list[float] = []
    textual: list[float] = []

    def cstui(copy: Path, today: str = TODAY, cache: str = "cache") -> Session:
        argv = [python, "-m", "cstui", "--data-dir", str(copy)]
        return Session(argv, repo, child_env(today, cache=cache))

    cache = Path(child_env()["CSTUI_CACHE_DIR"])
    for i in range(runs + 1):  # the first run of each warms caches and is not counted
        copy = tmp / "data"  # one place: the rows kept by a session are for this folder
        shutil.copytree(data, copy)  # the app may write (checkpoint on exit): a copy each
        shutil.rmtree(cache, ignore_errors=True)
        s = cstui(copy)  # cold: no rows kept for this folder yet
        t_cold = s.wait_for(ours_needles)
        s.close()  # keeps the rows (if the warm-up had not yet)
        s = cstui(copy)  # warm: as every later start of a user on this folder
        t_ours = s.wait_for(ours_needles)
        s.close()
        s = Session(vd_argv, repo, child_env(home=home))
        t_vd = s.wait_for(vd_needles)
        s.close(b"gq")
        s = Session(base_argv, repo, child_env())
        t_base = s.wait_for(ours_needles)
        s.close()
        shutil.rmtree(copy, ignore_errors=True)
        progress(
            f"{'warm-up' if i == 0 else f'run {i}'}: cstui {t_ours:.3f} s (first start "
            f"{t_cold:.3f} s), VisiData {t_vd:.3f} s, minimal Textual {t_base:.3f} s"
        )
        if i:
            ours.append(t_ours)
            colds.append(t_cold)
            vds.append(t_vd)
            textual.append(t_base)

    def memory_session(copy: Path) -> tuple[float, float, float, float]:
        """A session on ``copy``: its CPU once idle after the first frame, VmRSS then,
        VmRSS and VmHWM after twenty accounts and the KPI screen."""
        s = cstui(copy)
        s.wait_for(ours_needles)
        cpu = s.idle()
        first = s.status_mb("VmRSS")
        open_accounts_and_kpis(s)
        used, peak = s.status_mb("VmRSS"), s.status_mb("VmHWM")
        s.send(b"\x1b")  # leave the KPI screen first
        s.quiet()
        s.close()
        return cpu, first, used, peak

    with stopwatch("memory: a first start, twenty accounts and the KPI screen"):
        copy = tmp / "data-mem-first"
        shutil.copytree(data, copy)
        _, rss_first_cold, rss_used_cold, hwm_used_cold = memory_session(copy)
        shutil.rmtree(copy, ignore_errors=True)
    with stopwatch("memory: an everyday start, twenty accounts and the KPI screen"):
        copy = tmp / "data-mem"
        shutil.copytree(data, copy)
        keep_rows(copy)  # a start before this one, as every start but a folder's first has
        cpu_same_day, rss_first, rss_used, hwm_used = memory_session(copy)
        shutil.rmtree(copy, ignore_errors=True)
    with stopwatch("memory: a new day's rescore, then the start after it"):
        copy = tmp / "data-newday"
        shutil.copytree(data, copy)
        write_marker(copy)  # a team folder: twenty CSMs' book on one server
        shutil.rmtree(OUT / "cache-teammate", ignore_errors=True)
        s = cstui(copy)  # a user's session on the day: its rows kept
        s.wait_for(ours_needles)
        s.idle()
        s.close()
        # The next day a teammate's app (rows of its own) rescores the book in a child
        # and folds it into the snapshot...
        s = cstui(copy, next_day(), cache="cache-teammate")
        s.wait_for(ours_needles)
        cpu_new_day = s.idle()
        rss_new_day = s.status_mb("VmRSS")
        hwm_new_day = s.status_mb("VmHWM")
        s.close()
        # ...and the user starts: the rows kept the day before, the summaries rewritten.
        s = cstui(copy, next_day())
        t_rescored = s.wait_for(ours_needles)
        s.close()
        shutil.rmtree(copy, ignore_errors=True)
    with stopwatch("memory: VisiData"):
        s = Session(vd_argv, repo, child_env(home=home))
        s.wait_for(vd_needles)
        s.idle()
        rss_vd = s.status_mb("VmRSS")
        s.close(b"gq")

    value, baseline = statistics.median(ours), statistics.median(vds)
    return [
        Metric(
            f"startup_s_{label}",
            value,
            "s",
            baseline,
            target=baseline,
            note=(
                f"median of {runs}; baseline VisiData on the CSV; a minimal Textual app: "
                f"{statistics.median(textual):.2f} s"
            ),
        ),
        Metric(
            f"startup_first_s_{label}",
            statistics.median(colds),
            "s",
            baseline,
            target=baseline,
            note="the same with no rows kept for the folder (its first start, or the first "
            "after a checkpoint changed the accounts or health summaries)",
        ),
        Metric(
            f"startup_rescored_s_{label}",
            t_rescored,
            "s",
            baseline,
            target=baseline,
            note="one run: the day's first start on a team folder, after a teammate's app "
            "rescored the book and folded it into the snapshot",
        ),
        Metric(
            f"rss_first_frame_mb_{label}",
            rss_first,
            "MB",
            rss_vd,
            target=150,
            note="VmRSS once idle after the first frame; baseline VisiData with the CSV",
        ),
        Metric(
            f"rss_after_use_mb_{label}",
            rss_used,
            "MB",
            rss_vd,
            target=150,
            note=f"20 accounts + KPI screen; peak (VmHWM) {hwm_used:.0f} MB",
        ),
        Metric(
            f"rss_after_use_first_start_mb_{label}",
            rss_used_cold,
            "MB",
            rss_vd,
            target=150,
            note=(
                f"the same in a folder's first start (rows built from the tables); first "
                f"frame {rss_first_cold:.0f} MB, peak (VmHWM) {hwm_used_cold:.0f} MB"
            ),
        ),
        Metric(
            f"rss_new_day_mb_{label}",
            rss_new_day,
            "MB",
            rss_vd,
            target=150,
            note=f"after the next day's rescore; peak (VmHWM) {hwm_new_day:.0f} MB",
        ),
        Metric(
            f"rescore_cpu_s_{label}",
            max(0.0, cpu_new_day - cpu_same_day),
            "s",
            note=(
                f"CPU of a new-day session ({cpu_new_day:.1f} s) minus a same-day one "
                f"({cpu_same_day:.1f} s); target: well under 0.1 ms an account"
            ),
            target=accounts * 0.0001,
        ),
    ]


def main(argv: list[str] | None = None) -> int:
    def extra(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--runs", type=int, help="runs of each (default 5; quick 3)")
        parser.add_argument(
            "--accounts", help="sizes, comma-separated (default 10000,50000; quick 10000)"
        )
        parser.add_argument("--seed", type=int, default=1, help="demo seed (default 1)")
        parser.add_argument(
            "--keep-data", action="store_true", help="reuse cached data even if cstui changed"
        )

    args = parse_args(__doc__.splitlines()[0], argv, extra)
    runs: int = max(1, args.runs or (3 if args.quick else 5))
    sizes = [
        int(n) for n in (args.accounts or ("10000" if args.quick else "10000,50000")).split(",")
    ]
    metrics: list[Metric] = []
    with tempfile.TemporaryDirectory(prefix="cstui-bench-") as tmp:
        for accounts in sizes:
            metrics += measure(accounts, args.seed, args.keep_data, runs, Path(tmp))
    title = f"startup and memory: python -m cstui, pty {COLS}x{ROWS}"
    report(metrics, as_json=args.json, title=title)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
