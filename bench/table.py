"""Benchmark the portfolio table at 50k accounts, against Textual's DataTable on the same rows.

    .venv/bin/python bench/table.py [--json] [--quick] [--accounts N] [--seed S] [--runs R]

Setup (not timed): a demo data directory of N accounts (default 50,000; ``--quick``:
10,000) is built once with ``cstui.cli.build_demo`` and cached under ``bench/out/``; each run
opens a Workspace on it and calls ``ws.portfolio()`` once, so the data are loaded.

Everything runs headless with ``App.run_test(size=(160, 45))``. A "frame" is one compositor
update as Textual makes it (``Screen._compositor_refresh``), *plus* turning it into the
escape sequences a terminal would receive (``update.render_segments(console)``, which the
headless driver skips); it counts only if the table's ``render_line`` ran for every visible
line of the table in that frame. Measured, for the app from ``create_app(ws, poll=False,
rescore=False)``:

* ``first_frame_ms_50k``: from calling ``create_app`` to the end of the first frame that
  shows all N rows: app start, CSS, compose and mount of the PortfolioScreen, the first sort,
  the filter pass, ``set_rows``, the summary, layout and the render of every visible line;
  median of ``--runs`` runs (default 3);
* ``filter_keystroke_ms_50k``: one key typed into the filter ("株式会社", "health<40",
  "tier:high", one character at a time, from an empty filter) to the end of the frame that
  shows the refiltered rows; median over the 22 keystrokes;
* ``page_down_ms_50k``: ``pagedown`` in the table (all N rows) to the end of the frame that
  shows the next page; median of 30.

For the keystrokes the frame is forced as soon as the app has handled the key (what
``Pilot.pause`` does), so the numbers are the work per key; on a real terminal Textual
paints on a 60 fps clock, which adds 0 to 16.7 ms of waiting, the same for both tables.

Baseline, same run and rows: Textual's ``DataTable`` holding the same visible columns as
plain strings (computed once, untimed) in an app with the same header, filter Input and
footer: first frame after ``add_rows`` of every row; a refilter as a DataTable-based
portfolio would do it per keystroke (the same filter pass, then ``clear()`` and ``add_rows``
of the filtered rows, until the table has re-measured them and painted); and ``pagedown``.
``ratio = baseline / value``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(1, str(BENCH.parent))

TODAY = "2026-11-23"
USER = "me"
# Pin what the app reads from the environment, before cstui is imported.
os.environ["CSTUI_TODAY"] = TODAY
os.environ["CSTUI_USER"] = USER
os.environ["CSTUI_CONFIG_DIR"] = str(BENCH / "out" / "no-config")
os.environ.pop("CSTUI_DATA_DIR", None)

from _common import Metric, parse_args, progress, report, stopwatch  # noqa: E402

OUT = BENCH / "out"
SIZE = (160, 45)
QUERIES = ("株式会社", "health<40", "tier:high")
PAGE_DOWNS = 30
TIMEOUT_S = 600.0


# --------------------------------------------------------------------------- data
def demo_dir(accounts: int, seed: int) -> Path:
    """The cached demo data directory for (accounts, seed, TODAY); built on first use.

    Built in a temporary sibling and renamed into place, so an interrupted build never
    leaves a half-written cache. The store's ``backups/`` (older snapshots written while
    generating) are dropped: nothing reads them and they are most of the size.
    """
    target = OUT / f"demo-{accounts}-seed{seed}-{TODAY}"
    if (target / "cstui.json").exists():
        return target
    from cstui import clock
    from cstui.cli import build_demo

    OUT.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=OUT))
    try:
        with stopwatch(f"building a {accounts:,}-account demo (seed {seed}) in {target}"):
            clock.freeze(None)  # CSTUI_TODAY pins it
            build_demo(tmp / "data", accounts, seed, USER)
        shutil.rmtree(tmp / "data" / "backups", ignore_errors=True)
        shutil.rmtree(target, ignore_errors=True)
        (tmp / "data").rename(target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def size_label(n: int) -> str:
    """50000 -> "50k", as in the metric names."""
    if n % 1000 == 0:
        return f"{n // 1000}k"
    return str(n)


# --------------------------------------------------------------------------- frames
@dataclass
class FrameProbe:
    """Watches an app's frames: which table lines each frame rendered, and when it ended.

    ``App._display`` is where Textual hands a compositor update to the driver; headless it
    returns without writing, so the probe turns the update into terminal bytes itself (real
    work a terminal session pays) and then checks the armed condition.
    """

    app: Any
    table_type: type
    lines: set[int] = field(default_factory=set)
    frames: int = 0
    ready: Callable[[], bool] | None = None
    done_at: float | None = None
    event: asyncio.Event = field(default_factory=asyncio.Event)
    table: Any = None

    def install(self) -> None:
        original = self.app._display

        def display(screen: Any, renderable: Any) -> None:
            original(screen, renderable)
            if renderable is None:
                return
            from textual._compositor import CompositorUpdate

            if isinstance(renderable, CompositorUpdate):
                renderable.render_segments(self.app.console)
            self.frames += 1
            self._check()

        self.app._display = display

    def line_rendered(self, table: Any, y: int) -> None:
        if table is self.table or self.table is None:
            self.lines.add(y)

    def arm(self, ready: Callable[[], bool]) -> None:
        self.ready = ready
        self.done_at = None
        self.event = asyncio.Event()
        self.lines.clear()

    def _check(self) -> None:
        lines, self.lines = self.lines, set()
        if self.ready is None or self.done_at is not None:
            return
        table = self.table
        if table is None:
            found = list(self.app.screen.query(self.table_type))
            if not found:
                return
            table = found[0]
        height = table.size.height
        if height <= 0 or not self.ready():
            return
        if not set(range(height)) <= lines:
            return
        self.done_at = time.perf_counter()
        self.event.set()

    async def wait(self, what: str) -> float:
        try:
            await asyncio.wait_for(self.event.wait(), TIMEOUT_S)
        except TimeoutError:
            raise SystemExit(f"table bench: no frame for {what} within {TIMEOUT_S:.0f} s")
        assert self.done_at is not None
        return self.done_at


class CountLines:
    """Wrap ``render_line`` of a table class so the probe sees which lines a frame drew."""

    def __init__(self, cls: type, probe: Callable[[], FrameProbe | None]) -> None:
        self.cls = cls
        self.original = cls.render_line
        self.probe = probe

    def __enter__(self) -> CountLines:
        original, probe = self.original, self.probe

        def render_line(widget: Any, y: int) -> Any:
            p = probe()
            if p is not None:
                p.line_rendered(widget, y)
            return original(widget, y)

        self.cls.render_line = render_line  # type: ignore[attr-defined]
        return self

    def __exit__(self, *exc: object) -> None:
        self.cls.render_line = self.original  # type: ignore[attr-defined]


async def until(condition: Callable[[], bool], what: str) -> None:
    """Yield to the app until ``condition`` holds (no sleeping, so no added latency)."""
    deadline = time.perf_counter() + TIMEOUT_S
    while not condition():
        if time.perf_counter() > deadline:
            raise SystemExit(f"table bench: {what} did not happen within {TIMEOUT_S:.0f} s")
        await asyncio.sleep(0)


def key_event(char_or_name: str) -> Any:
    from textual import events
    from textual.keys import _character_to_key

    if len(char_or_name) == 1:
        return events.Key(_character_to_key(char_or_name), char_or_name)
    return events.Key(char_or_name, None)


async def timed_key(
    app: Any, probe: FrameProbe, key: str, handled: Callable[[], bool], what: str
) -> float:
    """Send one key; once the app has handled it, force the frame; ms to that frame's end."""
    probe.arm(handled)
    start = time.perf_counter()
    app._driver.send_message(key_event(key))
    await until(handled, what)
    if probe.done_at is None:
        app.screen._on_timer_update()  # paint now, as Pilot.pause does
    end = await probe.wait(what)
    return (end - start) * 1000


async def settle(pilot: Any) -> None:
    await pilot.pause()
    await pilot.pause()


# --------------------------------------------------------------------------- cstui
@dataclass
class Timings:
    first_frame_ms: float
    keystrokes_ms: list[float] = field(default_factory=list)
    page_downs_ms: list[float] = field(default_factory=list)


def open_workspace(data: Path) -> Any:
    from cstui.workspace import Workspace

    ws = Workspace.open(data, user=USER)
    ws.portfolio()  # data are loaded: rows precomputed (the workspace caches them)
    return ws


async def run_cstui(ws: Any, accounts: int, interact: bool, page_downs: int) -> Timings:
    from textual.widgets import Input

    from cstui.app import create_app
    from cstui.widgets.account_table import AccountTable

    state: dict[str, Any] = {"probe": None}
    with CountLines(AccountTable, lambda: state["probe"]):
        start = time.perf_counter()
        app = create_app(ws, poll=False, rescore=False)
        probe = FrameProbe(app, AccountTable)
        state["probe"] = probe
        probe.install()

        def first_ready() -> bool:
            tables = list(app.screen.query(AccountTable))
            return bool(tables) and len(tables[0].rows) == accounts

        probe.arm(first_ready)
        async with app.run_test(size=SIZE) as pilot:
            end = await probe.wait("the first portfolio frame")
            timings = Timings((end - start) * 1000)
            if not interact:
                return timings
            screen = app.screen
            table = screen.query_one("#portfolio-table", AccountTable)
            probe.table = table
            await settle(pilot)

            # Page down through the full portfolio.
            table.focus()
            await settle(pilot)
            height = table.size.height
            for _ in range(page_downs):
                before = table.cursor
                ms = await timed_key(
                    app,
                    probe,
                    "pagedown",
                    lambda before=before: table.cursor != before,
                    "page down",
                )
                timings.page_downs_ms.append(ms)
                await settle(pilot)
            assert table.scroll_offset.y > page_downs * (height - 3), "the table did not scroll"

            # Type into the filter, one key at a time.
            box = screen.query_one("#portfolio-filter", Input)
            calls = {"n": 0}
            set_rows = table.set_rows

            def counting_set_rows(rows: Sequence[Any], **kw: Any) -> None:
                calls["n"] += 1
                set_rows(rows, **kw)

            table.set_rows = counting_set_rows  # type: ignore[method-assign]
            for query in QUERIES:
                box.focus()
                box.value = ""
                await settle(pilot)
                for i, char in enumerate(query):
                    typed = query[: i + 1]
                    seen = calls["n"]

                    def handled(typed: str = typed, seen: int = seen) -> bool:
                        return calls["n"] > seen and screen.query_text == typed

                    ms = await timed_key(app, probe, char, handled, f"typing {typed!r}")
                    timings.keystrokes_ms.append(ms)
                    await settle(pilot)
                progress(f"cstui: {query!r} leaves {len(table.rows):,} rows")
            return timings


# --------------------------------------------------------------------------- DataTable
def plain_cells(rows: Iterable[Any]) -> tuple[list[str], dict[str, tuple[str, ...]]]:
    """The portfolio's visible columns as plain strings (what a DataTable would hold)."""
    from rich.text import Text

    from cstui.screens.portfolio import portfolio_columns

    columns = portfolio_columns()
    cells: dict[str, tuple[str, ...]] = {}
    for row in rows:
        values = []
        for col in columns:
            value = col.cell(row)
            values.append(value.plain if isinstance(value, Text) else str(value))
        cells[row.id] = tuple(values)
    return [c.label for c in columns], cells


def baseline_app(rows: list[Any], labels: list[str], cells: dict[str, tuple[str, ...]]) -> Any:
    from textual import on
    from textual.app import App, ComposeResult
    from textual.widgets import DataTable, Footer, Header, Input

    from cstui.domain.filters import parse
    from cstui.domain.portfolio import sort_rows

    class DataTablePortfolio(App[None]):
        """What the portfolio would be on a DataTable: every row added, refilled per key."""

        def __init__(self) -> None:
            super().__init__()
            self.sorted: list[Any] = []
            self.refills = 0
            self.query_text = ""

        def compose(self) -> ComposeResult:
            yield Header()
            yield Input(id="filter")
            yield DataTable(id="table", cursor_type="row")
            yield Footer()

        def on_mount(self) -> None:
            table = self.query_one(DataTable)
            table.add_columns(*labels)
            self.sorted = sort_rows(rows, "health", False)
            table.add_rows(cells[r.id] for r in self.sorted)
            table.focus()

        @on(Input.Changed, "#filter")
        def refilter(self, event: Input.Changed) -> None:
            table = self.query_one(DataTable)
            matching = parse(event.value, me=USER).apply(self.sorted)
            table.clear()
            table.add_rows(cells[r.id] for r in matching)
            self.query_text = event.value
            self.refills += 1

    return DataTablePortfolio()


async def run_baseline(
    rows: list[Any],
    labels: list[str],
    cells: dict[str, tuple[str, ...]],
    interact: bool,
    page_downs: int,
    keystrokes: int,
) -> Timings:
    from textual.widgets import DataTable, Input

    state: dict[str, Any] = {"probe": None}
    with CountLines(DataTable, lambda: state["probe"]):
        start = time.perf_counter()
        app = baseline_app(rows, labels, cells)
        probe = FrameProbe(app, DataTable)
        state["probe"] = probe
        probe.install()

        def settled(table: Any) -> bool:
            return not table._require_update_dimensions and not table._new_rows

        def first_ready() -> bool:
            table = app.query_one(DataTable)
            return table.row_count == len(rows) and settled(table)

        probe.arm(first_ready)
        async with app.run_test(size=SIZE) as pilot:
            end = await probe.wait("the first DataTable frame")
            timings = Timings((end - start) * 1000)
            if not interact:
                return timings
            table = app.query_one(DataTable)
            probe.table = table
            await settle(pilot)

            table.focus()
            await settle(pilot)
            for _ in range(page_downs):
                before = table.cursor_row
                ms = await timed_key(
                    app,
                    probe,
                    "pagedown",
                    lambda before=before: table.cursor_row != before and settled(table),
                    "DataTable page down",
                )
                timings.page_downs_ms.append(ms)
                await settle(pilot)

            box = app.query_one("#filter", Input)
            done = 0
            for query in QUERIES:
                if done >= keystrokes:
                    break
                box.focus()
                box.value = ""
                await settle(pilot)
                for i, char in enumerate(query):
                    if done >= keystrokes:
                        break
                    typed = query[: i + 1]
                    seen = app.refills

                    def handled(typed: str = typed, seen: int = seen) -> bool:
                        return app.refills > seen and app.query_text == typed and settled(table)

                    ms = await timed_key(app, probe, char, handled, f"DataTable {typed!r}")
                    timings.keystrokes_ms.append(ms)
                    done += 1
                    progress(f"DataTable: {typed!r} {ms:,.0f} ms ({table.row_count:,} rows)")
                    await settle(pilot)
            return timings


async def warm_up(labels: list[str], cells: dict[str, tuple[str, ...]], rows: list[Any]) -> None:
    """Pay one-time costs (lazy imports, CSS parsing caches) before anything is timed."""
    from cstui.workspace import Workspace

    with tempfile.TemporaryDirectory(prefix="cstui-bench-") as tmp:
        ws = Workspace.open(Path(tmp) / "data", user=USER)
        await run_cstui(ws, 0, interact=False, page_downs=0)
        ws.close()
    small = rows[:200]
    await run_baseline(small, labels, cells, interact=False, page_downs=0, keystrokes=0)


# --------------------------------------------------------------------------- main
def main(argv: list[str] | None = None) -> int:
    def extra(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--accounts", type=int, help="accounts (default 50000; quick 10000)")
        parser.add_argument("--seed", type=int, default=1, help="demo seed (default 1)")
        parser.add_argument("--runs", type=int, help="first-frame runs (default 3; quick 1)")

    args = parse_args(__doc__.splitlines()[0], argv, extra)
    quick: bool = args.quick
    accounts: int = args.accounts or (10_000 if quick else 50_000)
    runs: int = args.runs or (1 if quick else 3)
    page_downs = 10 if quick else PAGE_DOWNS
    all_keys = sum(len(q) for q in QUERIES)
    baseline_keys = 4 if quick else all_keys
    n = size_label(accounts)

    data = demo_dir(accounts, args.seed)
    progress(f"data in {data}")

    with stopwatch("opening the workspace and building the portfolio rows"):
        ws = open_workspace(data)
        rows = ws.portfolio()
    if len(rows) != accounts:
        raise SystemExit(f"table bench: {data} holds {len(rows)} accounts, expected {accounts}")
    with stopwatch("baseline cells (plain strings)"):
        labels, cells = plain_cells(rows)

    asyncio.run(warm_up(labels, cells, rows))

    cstui_runs: list[Timings] = []
    for run in range(runs):
        if run:  # the app closes its workspace on exit: open a fresh one (untimed)
            with stopwatch("reopening the workspace"):
                ws = open_workspace(data)
        last = run == runs - 1
        t = asyncio.run(run_cstui(ws, accounts, interact=last, page_downs=page_downs))
        progress(f"cstui run {run + 1}: first frame {t.first_frame_ms:,.0f} ms")
        cstui_runs.append(t)
    ours = cstui_runs[-1]

    base_runs: list[Timings] = []
    base_first_runs = 1 if quick else min(runs, 2)
    for run in range(base_first_runs):
        last = run == base_first_runs - 1
        b = asyncio.run(
            run_baseline(
                rows, labels, cells, interact=last, page_downs=page_downs, keystrokes=baseline_keys
            )
        )
        progress(f"DataTable run {run + 1}: first frame {b.first_frame_ms:,.0f} ms")
        base_runs.append(b)
    base = base_runs[-1]

    med = statistics.median
    metrics = [
        Metric(
            f"first_frame_ms_{n}",
            med(t.first_frame_ms for t in cstui_runs),
            "ms",
            med(b.first_frame_ms for b in base_runs),
            target=500,
            note=f"median of {runs} (DataTable {base_first_runs}); "
            f"runs: {', '.join(f'{t.first_frame_ms:.0f}' for t in cstui_runs)}",
        ),
        Metric(
            f"filter_keystroke_ms_{n}",
            med(ours.keystrokes_ms),
            "ms",
            med(base.keystrokes_ms),
            target=50,
            note=f"median of {len(ours.keystrokes_ms)} keys (DataTable {len(base.keystrokes_ms)}); "
            f"max {max(ours.keystrokes_ms):.1f}",
        ),
        Metric(
            f"page_down_ms_{n}",
            med(ours.page_downs_ms),
            "ms",
            med(base.page_downs_ms),
            target=16,
            note=f"median of {len(ours.page_downs_ms)}; max {max(ours.page_downs_ms):.1f}",
        ),
    ]
    title = f"table: {accounts:,} accounts, {SIZE[0]}x{SIZE[1]}, headless; baseline DataTable"
    report(metrics, as_json=args.json, title=title)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
