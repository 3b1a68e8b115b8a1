"""Benchmark keys on a book screen while a teammate's process keeps writing to the folder.

    .venv/bin/python bench/busy.py [--json] [--quick] [--accounts N] [--keep-data]

Setup (not timed): a copy of the cached demo data of ``table.py`` (default 50,000 accounts;
``--quick``: 10,000), the app of ``create_app(ws, poll=True, rescore=False)`` headless at
160x45 with the Today screen open (``t``), as a CSM's app on a team server.

Measured, for ``SECONDS`` each, a key every 0.2 s alternating five ``j`` and five ``k``;
each key's wait is from ``Pilot.press`` until the list's highlighted line moved:

* ``busy_key_ms_<n>`` (median) and ``busy_key_p90_ms_<n>``: while another process (a
  teammate) adds a task to the user's book every half second; the app's 1 s poll brings
  each in, and Today shows tasks (it follows that table).

Baseline, same run, same app: the same keys with no other process writing.
Target: 100 ms at worst for the p90 (a key a user notices waiting for).
"""

from __future__ import annotations

import asyncio
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import Metric, parse_args, progress, report
from table import SIZE, TODAY, USER, demo_dir, open_workspace, size_label

SECONDS = 12.0
WRITER = """
import sys, time
from datetime import date
from cstui import clock
from cstui.workspace import Workspace
clock.freeze(date.fromisoformat({today!r}))
end = time.monotonic() + {seconds}
n = 0
while time.monotonic() < end:
    ws = Workspace.open({data!r}, user="kim")
    ws.add_task(f"From kim {{n}}", owner={user!r})
    ws.close()
    n += 1
    time.sleep(0.5)
"""


async def keys(app: Any, pilot: Any, seconds: float) -> list[float]:
    """Each key's wait in ms, for ``seconds``."""
    waits: list[float] = []
    lines = app.screen.lines
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        before = lines.highlighted
        start = time.perf_counter()
        await pilot.press("j" if len(waits) % 10 < 5 else "k")
        while lines.highlighted == before and time.perf_counter() - start < 5:
            await asyncio.sleep(0.005)
        waits.append((time.perf_counter() - start) * 1000)
        await asyncio.sleep(0.2)
    return waits


async def run(data: Path) -> tuple[list[float], list[float]]:
    from cstui.app import create_app

    ws = open_workspace(data)
    app = create_app(ws, poll=True, rescore=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.press("t")
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause(0.5)
        quiet = await keys(app, pilot, SECONDS)
        code = WRITER.format(today=TODAY, seconds=SECONDS + 2, data=str(data), user=USER)
        writer = subprocess.Popen([sys.executable, "-c", code])
        try:
            busy = await keys(app, pilot, SECONDS)
        finally:
            writer.wait()
    return quiet, busy


def main(argv: list[str] | None = None) -> int:
    def extra(parser: Any) -> None:
        parser.add_argument("--accounts", type=int, help="accounts (default 50000; quick 10000)")
        parser.add_argument(
            "--keep-data", action="store_true", help="reuse cached data even if cstui changed"
        )

    args = parse_args((__doc__ or "").splitlines()[0], argv, extra)
    accounts: int = args.accounts or (10_000 if args.quick else 50_000)
    n = size_label(accounts)
    source = demo_dir(accounts, 1, keep=args.keep_data)
    with tempfile.TemporaryDirectory(prefix="cstui-busy-") as tmp:
        data = Path(tmp) / "data"
        shutil.copytree(source, data)  # the teammate writes: never into the cache
        quiet, busy = asyncio.run(run(data))
    progress(f"keys: {len(quiet)} quiet, {len(busy)} while the teammate wrote")

    def p90(values: list[float]) -> float:
        return sorted(values)[int(len(values) * 0.9)]

    metrics = [
        Metric(
            f"busy_key_ms_{n}",
            statistics.median(busy),
            "ms",
            statistics.median(quiet),
            target=100,
            note=f"median of {len(busy)} keys; max {max(busy):.0f}",
        ),
        Metric(
            f"busy_key_p90_ms_{n}",
            p90(busy),
            "ms",
            p90(quiet),
            target=100,
            note="p90 of the same keys; baseline: the p90 with nobody writing",
        ),
    ]
    title = f"busy: {accounts:,} accounts, Today, a teammate adding a task every 0.5 s"
    report(metrics, as_json=args.json, title=title)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
