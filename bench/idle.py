"""Benchmark what idle apps cost: twenty cstui processes open on one data folder, doing nothing.

    .venv/bin/python bench/idle.py [--json] [--quick] [--accounts N] [--procs P] [--seconds S]

Starts ``--procs`` (20; ``--quick``: 5) ``python -m cstui --data-dir DIR`` on the same cached
demo folder (``bench/table.py``'s cache, 10,000 accounts by default), each in its own
160x45 pty as ``bench/startup.py`` does, waits until every one shows its first frame and has
gone idle (no CPU for a second), then measures over ``--seconds`` (30; ``--quick``: 10):

* ``idle_cpu_pct_<procs>x<size>``: the CPU time (utime + stime from ``/proc/PID/stat``) of
  all of them together, as a percentage of one core. Each app is told by ``inotify`` when
  the folder's files change (a 30 s backstop poll otherwise; every second where the folder
  cannot be watched), and Textual's input thread wakes ten times a second in every app.

Baseline, same run: as many minimal Textual apps (the one of ``bench/startup.py``'s note,
showing one line of text), idle over the same time: what any Textual app costs idle.
Target: under 1 % of a core for twenty cstui processes.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(1, str(BENCH.parent))

from _common import Metric, parse_args, progress, report  # noqa: E402
from startup import BASELINE, Session, child_env, first_row_name  # noqa: E402
from table import demo_dir, size_label  # noqa: E402


def idle_cpu(sessions: list[Session], seconds: float) -> float:
    """CPU seconds all ``sessions`` used together over ``seconds`` (their output drained)."""
    before = sum(s.cpu() for s in sessions)
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        for s in sessions:
            s._read(0.0)
        time.sleep(0.1)
    return sum(s.cpu() for s in sessions) - before


def run_group(argvs: list[list[str]], needles: list[str], seconds: float) -> float:
    """Start every program, wait for its frame and for it to go idle; CPU s over ``seconds``."""
    repo = BENCH.parent
    sessions: list[Session] = []
    try:
        for argv in argvs:
            sessions.append(Session(argv, repo, child_env()))
        for s in sessions:
            s.wait_for(needles)
        for s in sessions:
            s.idle()
        return idle_cpu(sessions, seconds)
    finally:
        for s in sessions:
            s.close(b"q")


def main(argv: list[str] | None = None) -> int:
    def extra(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--accounts", type=int, default=10_000)
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument("--procs", type=int, default=None)
        parser.add_argument("--seconds", type=float, default=None)
        parser.add_argument("--keep-data", action="store_true")

    args = parse_args(__doc__.splitlines()[0], argv, extra)
    procs: int = args.procs or (5 if args.quick else 20)
    seconds: float = args.seconds or (10.0 if args.quick else 30.0)
    data = demo_dir(args.accounts, args.seed, keep=args.keep_data)
    name = first_row_name(data)
    tmp = Path(tempfile.mkdtemp(prefix="cstui-bench-idle-"))
    try:
        copy = tmp / "data"
        shutil.copytree(data, copy)  # one folder, shared by every process
        python = sys.executable
        ours = [[python, "-m", "cstui", "--data-dir", str(copy)] for _ in range(procs)]
        text = f"Account  {name}"
        base = [[python, "-c", BASELINE.format(text=text)] for _ in range(procs)]
        progress(f"{procs} cstui processes on {copy}")
        ours_s = run_group(ours, ["Account", name[:12]], seconds)
        progress(f"cstui: {ours_s:.2f} CPU s in {seconds:.0f} s")
        base_s = run_group(base, [name[:12]], seconds)
        progress(f"minimal Textual apps: {base_s:.2f} CPU s in {seconds:.0f} s")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    pct = ours_s / seconds * 100
    metrics = [
        Metric(
            f"idle_cpu_pct_{procs}x{size_label(args.accounts)}",
            pct,
            "% core",
            baseline=base_s / seconds * 100,
            target=1.0,
            note=f"{ours_s:.2f} CPU s over {seconds:.0f} s, {pct / procs:.3f} % a process",
        )
    ]
    report(metrics, as_json=args.json, title="Idle processes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
