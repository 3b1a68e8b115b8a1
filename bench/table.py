"""Benchmark the portfolio table at 50k accounts, against Textual's DataTable on the same rows.

    .venv/bin/python bench/table.py [--json] [--quick] [--accounts N] [--seed S] [--runs R]

Setup (not timed): a demo data directory of N accounts (default 50,000; ``--quick``:
10,000) is built once with ``cstui.demo.build.build_demo`` and cached under ``bench/out/``;
each run opens a Workspace on it and calls ``ws.portfolio()`` once, so the data are loaded.

Everything runs headless with ``App.run_test(size=(160, 45))``. A "frame" is one compositor
update as Textual makes it (``Screen._compositor_refresh``) *plus* turning it into the
escape sequences a terminal would receive (``update.render_segments(console)``, which the
headless driver skips); it counts only if the table's ``render_line`` ran for every visible
line of the table in that frame. Measured, for the app from ``create_app(ws, poll=False,
rescore=False)``:

* ``first_frame_ms_50k``: from calling ``create_app`` to the end of the first frame that
  shows all N rows: app start, CSS, compose and mount of the PortfolioScreen, the first sort,
  the filter pass, ``set_rows``, the summary, layout and the render of every visible line;
  median of ``--runs`` runs (default 3);
* ``filter_keystroke_ms_50k``: one key typed into the filter ("株式会社", "health<40",
  "tier:high", one character at a time from an empty filter) to the end of the frame that
  shows the refiltered rows; median over the 22 keystrokes (``--quick``: the first 4);
* ``page_down_ms_50k``: ``pagedown`` in the table (all N rows) to the end of the frame that
  shows the next page; median of 30 (``--quick``: 10).

For keys the frame is forced as soon as the app has handled the key (what ``Pilot.pause``
does), so the numbers are the work per key; on a real terminal Textual paints on a 60 fps
clock, which adds 0 to 16.7 ms of waiting, the same for both tables.

Baseline, same run and rows: Textual's ``DataTable`` holding the same visible columns as
plain strings (computed once, untimed) in an app with the same header, filter Input and
footer: first frame after ``add_rows`` of every row; a refilter as a DataTable-based
portfolio would do it per keystroke (the same filter pass, then ``clear()`` and ``add_rows``
of the filtered rows, until the table has re-measured them and painted); and ``pagedown``.
``ratio = baseline / value``. With ``--accounts`` other than 50,000 the metric names say so
(``first_frame_ms_10k``...).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
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
OUT = BENCH / "out"
# Pin what the app reads from the environment, before cstui is imported.
os.environ["CSTUI_TODAY"] = TODAY
os.environ["CSTUI_USER"] = USER
os.environ["CSTUI_CONFIG_DIR"] = str(OUT / "no-config")  # never created: default settings
os.environ["CSTUI_CACHE_DIR"] = str(OUT / "cache")  # the rows kept between runs: not the real ones
os.environ.pop("CSTUI_DATA_DIR", None)

from _common import Metric, parse_args, progress, report, stopwatch  # noqa: E402

SIZE = (160, 45)
QUERIES = ("株式会社", "health<40", "tier:high")
PAGE_DOWNS = 30
TIMEOUT_S = 600.0


# --------------------------------------------------------------------------- data
def source_stamp() -> str:
    """A hash of cstui's code and defaults: what the generated data depend on."""
    digest = hashlib.sha256()
    package = BENCH.parent / "cstui"
    for path in sorted(package.rglob("*")):
        if path.is_file() and path.suffix in (".py", ".toml", ".json", ".tcss"):
            digest.update(str(path.relative_to(package)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def demo_dir(accounts: int, seed: int, *, keep: bool = False) -> Path:
    """The cached demo data directory for (accounts, seed, TODAY); built on first use.

    Rebuilt when cstui's code has changed since (the store format and the stored health
    summaries the portfolio reads change with it, and stale data measure a path the app no
    longer takes), unless ``keep``. Built in a temporary sibling and renamed into place, so
    an interrupted build never leaves a half-written cache. The store's ``backups/`` (older
    snapshots written while generating) are dropped: nothing here reads them.
    """
    target = OUT / f"demo-{accounts}-seed{seed}-{TODAY}"
    stamp_file = OUT / f"{target.name}.source"
    stamp = source_stamp()
    if (target / "cstui.json").exists():
        if keep or (stamp_file.exists() and stamp_file.read_text().strip() == stamp):
            return target
        progress(f"cstui changed since {target.name} was built: rebuilding it (--keep-data skips)")
    from cstui.demo.build import build_demo

    OUT.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=OUT))
    try:
        with stopwatch(f"building a {accounts:,}-account demo (seed {seed}) in {target}"):
            build_demo(tmp / "data", accounts, seed, USER)
        shutil.rmtree(tmp / "data" / "backups", ignore_errors=True)
        shutil.rmtree(target, ignore_errors=True)
        (tmp / "data").rename(target)
        stamp_file.write_text(stamp + "\n")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def data_fingerprint(data: Path) -> list[tuple[str, int, int]]:
    """Size and mtime of the store's files, to check that a run changed nothing."""
    files = [data / "cstui.json", data / "journal.jsonl"]
    return [(p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in files if p.exists()]


def size_label(n: int) -> str:
    """50000 -> "50k", as in the metric names."""
    return f"{n // 1000}k" if n % 1000 == 0 else str(n)


# --------------------------------------------------------------------------- frames
@dataclass
class FrameProbe:
    """Watches an app's frames: which table lines each frame rendered, and when it ended.

    ``App._display`` is where Textual hands a compositor update to the driver; headless it
    returns without writing, so the probe turns the update into terminal bytes itself (work
    a real terminal session pays) and then checks the armed condition.
    """

    app: Any
    table_type: type
    table: Any = None
    lines: set[int] = field(default_factory=set)
    ready: Callable[[], bool] | None = None
    started: Callable[[], bool] | None = None
    done_at: float | None = None
    last_complete_at: float | None = None
    event: asyncio.Event = field(default_factory=asyncio.Event)

    def install(self) -> None:
        from textual._compositor import CompositorUpdate

        original = self.app._display

        def display(screen: Any, renderable: Any) -> None:
            original(screen, renderable)
            if renderable is None:
                return
            if isinstance(renderable, CompositorUpdate):
                renderable.render_segments(self.app.console)
            self._check()

        self.app._display = display

    def line_rendered(self, table: Any, y: int) -> None:
        if self.table is None or table is self.table:
            self.lines.add(y)

    def arm(self, ready: Callable[[], bool], started: Callable[[], bool] | None = None) -> None:
        """Wait for a frame drawing the whole table once ``ready()`` holds.

        ``started()`` (the change began, e.g. the rows were replaced) lets :func:`timed_key`
        recognise a frame that already showed the final state before ``ready()`` held.
        """
        self.ready, self.started = ready, started
        self.done_at = self.last_complete_at = None
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
        # The table's lines inside the screen (a table taller than the screen is clipped).
        bottom = self.app.screen.size.height - table.content_region.y
        height = min(table.size.height, max(bottom, 0))
        if height <= 0 or not set(range(height)) <= lines:
            return
        now = time.perf_counter()
        if self.started is not None and self.started():
            self.last_complete_at = now
        if self.ready():
            self.done_at = now
            self.event.set()

    async def wait(self, what: str) -> float:
        try:
            await asyncio.wait_for(self.event.wait(), TIMEOUT_S)
        except TimeoutError:
            raise SystemExit(f"table bench: no frame for {what} in {TIMEOUT_S:.0f} s") from None
        assert self.done_at is not None
        return self.done_at


class CountLines:
    """Wrap ``render_line`` of a table class so the probe sees which lines a frame drew."""

    def __init__(self, cls: type, probe: Callable[[], FrameProbe | None]) -> None:
        self.cls = cls
        self.original = cls.render_line  # type: ignore[attr-defined]
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
            raise SystemExit(f"table bench: {what} did not happen in {TIMEOUT_S:.0f} s")
        await asyncio.sleep(0)


def key_event(char_or_name: str) -> Any:
    """The Key event a terminal key press becomes (as ``Pilot.press`` builds it)."""
    from textual import events
    from textual.keys import _character_to_key

    if len(char_or_name) == 1:
        return events.Key(_character_to_key(char_or_name), char_or_name)
    return events.Key(char_or_name, None)


async def timed_key(
    app: Any,
    probe: FrameProbe,
    key: str,
    started: Callable[[], bool],
    handled: Callable[[], bool],
    what: str,
) -> float:
    """Send one key; once the app has handled it, paint; ms to the end of that frame.

    ``handled()`` says the app is done with the key (for a DataTable: it has also measured
    the new rows, which it does when idle and which blocks the app just the same). Then the
    refreshes that work posted are delivered and the frame is forced, as ``Pilot.pause``
    does. If Textual's own 60 fps clock painted the final state first, that frame counts;
    if the whole table was redrawn after the change began and the forced frame finds nothing
    of it left to redraw (the screen already shows the final state, as when a DataTable's
    re-measure changes nothing), the key ends when the app was done with it.
    """
    probe.arm(handled, started)
    start = time.perf_counter()
    app._driver.send_message(key_event(key))
    await until(handled, what)
    if probe.done_at is None:
        done = time.perf_counter()
        await pilot_wait_for_screen(app)  # deliver the Update/Layout messages just posted
        app.screen._on_timer_update()  # paint now, as Pilot.pause does
        if probe.done_at is None and probe.last_complete_at is not None:
            return (done - start) * 1000
    end = await probe.wait(what)
    return (end - start) * 1000


async def pilot_wait_for_screen(app: Any) -> None:
    """Until the screen's widgets have processed what is queued now (no sleeping)."""
    from textual.pilot import Pilot

    await Pilot(app)._wait_for_screen()


async def settle(pilot: Any) -> None:
    """Let everything the last key started finish (untimed)."""
    await pilot.pause()
    await pilot.pause()


@dataclass
class Timings:
    first_frame_ms: float
    keystrokes_ms: list[float] = field(default_factory=list)
    page_downs_ms: list[float] = field(default_factory=list)


# --------------------------------------------------------------------------- cstui
def open_workspace(data: Path) -> Any:
    from cstui.workspace import Workspace

    ws = Workspace.open(data, user=USER)
    ws.portfolio()  # data are loaded: rows precomputed (the workspace caches them)
    return ws


async def run_cstui(
    ws: Any, accounts: int, interact: bool, page_downs: int, queries: Sequence[str]
) -> Timings:
    from textual.widgets import Input

    from cstui.app import create_app
    from cstui.widgets.account_table import AccountTable

    state: dict[str, Any] = {"probe": None}
    with CountLines(AccountTable, lambda: state["probe"]):
        start = time.perf_counter()
        app = create_app(ws, poll=False, rescore=False)
        probe = state["probe"] = FrameProbe(app, AccountTable)
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
            table.focus()
            await settle(pilot)

            # Page down through the full portfolio.
            height = table.size.height
            for _ in range(page_downs):
                before = table.cursor

                def moved(before: int = before) -> bool:
                    return bool(table.cursor != before)

                ms = await timed_key(app, probe, "pagedown", moved, moved, "page down")
                timings.page_downs_ms.append(ms)
                await settle(pilot)
            assert table.cursor == page_downs * (height - 2), "page down did not move a page"
            assert page_downs == 0 or table.scroll_offset.y > 0, "the table did not scroll"

            # Type into the filter, one key at a time.
            box = screen.query_one("#portfolio-filter", Input)
            calls = {"n": 0}
            set_rows = table.set_rows

            def counting_set_rows(rows: Sequence[Any], **kw: Any) -> None:
                calls["n"] += 1
                set_rows(rows, **kw)

            table.set_rows = counting_set_rows  # type: ignore[method-assign]
            for query in queries:
                box.focus()
                box.value = ""
                await settle(pilot)
                for i, char in enumerate(query):
                    typed = query[: i + 1]
                    seen = calls["n"]

                    def handled(typed: str = typed, seen: int = seen) -> bool:
                        return calls["n"] > seen and screen.query_text == typed

                    ms = await timed_key(app, probe, char, handled, handled, f"typing {typed!r}")
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

        CSS = "DataTable { height: 1fr; }"  # fill the screen, like the portfolio table

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
            self.sorted = sort_rows(rows, "health", False)  # the same first sort
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
    queries: Sequence[str],
) -> Timings:
    from textual.widgets import DataTable, Input

    state: dict[str, Any] = {"probe": None}
    with CountLines(DataTable, lambda: state["probe"]):
        start = time.perf_counter()
        app = baseline_app(rows, labels, cells)
        probe = state["probe"] = FrameProbe(app, DataTable)
        probe.install()

        def settled(table: Any) -> bool:
            """The DataTable has measured its new rows (it does that when idle)."""
            return not table._require_update_dimensions and not table._new_rows

        def first_ready() -> bool:
            table = app.query_one(DataTable)
            return bool(table.row_count == len(rows)) and settled(table)

        probe.arm(first_ready)
        async with app.run_test(size=SIZE) as pilot:
            end = await probe.wait("the first DataTable frame")
            timings = Timings((end - start) * 1000)
            if not interact:
                return timings
            table = app.query_one(DataTable)
            probe.table = table
            table.focus()
            await settle(pilot)

            for _ in range(page_downs):
                before = table.cursor_row

                def moved(before: int = before) -> bool:
                    return bool(table.cursor_row != before)

                def moved_settled() -> bool:
                    return moved() and settled(table)

                ms = await timed_key(
                    app, probe, "pagedown", moved, moved_settled, "DataTable page down"
                )
                timings.page_downs_ms.append(ms)
                await settle(pilot)

            box = app.query_one("#filter", Input)
            for query in queries:
                box.focus()
                box.value = ""
                await settle(pilot)
                for i, char in enumerate(query):
                    typed = query[: i + 1]
                    seen = app.refills

                    def refilled(typed: str = typed, seen: int = seen) -> bool:
                        return bool(app.refills > seen and app.query_text == typed)

                    def handled() -> bool:
                        return refilled() and settled(table)

                    ms = await timed_key(
                        app, probe, char, refilled, handled, f"DataTable {typed!r}"
                    )
                    timings.keystrokes_ms.append(ms)
                    progress(f"DataTable: {typed!r} {ms:,.0f} ms ({table.row_count:,} rows)")
                    await settle(pilot)
            return timings


async def warm_up(rows: list[Any], labels: list[str], cells: dict[str, tuple[str, ...]]) -> None:
    """Pay one-time costs (lazy imports, CSS parsing caches) before anything is timed."""
    from cstui.workspace import Workspace

    with tempfile.TemporaryDirectory(prefix="cstui-bench-") as tmp:
        ws = Workspace.open(Path(tmp) / "data", user=USER)
        await run_cstui(ws, 0, interact=False, page_downs=0, queries=())
        ws.close()
    await run_baseline(rows[:200], labels, cells, interact=False, page_downs=0, queries=())


# --------------------------------------------------------------------------- main
def main(argv: list[str] | None = None) -> int:
    def extra(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--accounts", type=int, help="accounts (default 50000; quick 10000)")
        parser.add_argument("--seed", type=int, default=1, help="demo seed (default 1)")
        parser.add_argument("--runs", type=int, help="first-frame runs (default 3; quick 1)")
        parser.add_argument(
            "--keep-data", action="store_true", help="reuse cached data even if cstui changed"
        )

    args = parse_args(__doc__.splitlines()[0], argv, extra)
    quick: bool = args.quick
    accounts: int = args.accounts or (10_000 if quick else 50_000)
    runs: int = max(1, args.runs or (1 if quick else 3))
    if accounts < 100:
        raise SystemExit("table bench: --accounts must be at least 100")
    # A page is under 50 rows at 160x45: never page past the end (a no-op key paints nothing).
    page_downs = min(10 if quick else PAGE_DOWNS, accounts // 50 - 1)
    queries = QUERIES[:1] if quick else QUERIES
    n = size_label(accounts)

    data = demo_dir(accounts, args.seed, keep=args.keep_data)
    progress(f"data in {data}")
    before = data_fingerprint(data)
    with stopwatch("opening the workspace and building the portfolio rows"):
        ws = open_workspace(data)
        rows = ws.portfolio()
    if len(rows) != accounts:
        raise SystemExit(f"table bench: {data} holds {len(rows)} accounts, not {accounts}")
    with stopwatch("baseline cells (plain strings)"):
        labels, cells = plain_cells(rows)

    asyncio.run(warm_up(rows, labels, cells))

    ours: list[Timings] = []
    for run in range(runs):
        if run:  # the app closes its workspace on exit: open a fresh one (untimed)
            with stopwatch("reopening the workspace"):
                ws = open_workspace(data)
        last = run == runs - 1
        t = asyncio.run(run_cstui(ws, accounts, last, page_downs, queries))
        progress(f"cstui run {run + 1}: first frame {t.first_frame_ms:,.0f} ms")
        ours.append(t)
    keys = ours[-1]

    # One DataTable run: it takes seconds, so run-to-run noise hardly moves its ratio.
    base = asyncio.run(run_baseline(rows, labels, cells, True, page_downs, queries))
    progress(f"DataTable: first frame {base.first_frame_ms:,.0f} ms")
    if data_fingerprint(data) != before:  # the app ran with poll and rescore off
        progress(f"warning: the store files in {data} changed during the run")

    med = statistics.median
    metrics = [
        Metric(
            f"first_frame_ms_{n}",
            med(t.first_frame_ms for t in ours),
            "ms",
            base.first_frame_ms,
            target=500,
            note=f"median of {runs} (DataTable 1): "
            + ", ".join(f"{t.first_frame_ms:.0f}" for t in ours),
        ),
        Metric(
            f"filter_keystroke_ms_{n}",
            med(keys.keystrokes_ms),
            "ms",
            med(base.keystrokes_ms),
            target=50,
            note=f"median of {len(keys.keystrokes_ms)} keys; max {max(keys.keystrokes_ms):.1f}",
        ),
        Metric(
            f"page_down_ms_{n}",
            med(keys.page_downs_ms),
            "ms",
            med(base.page_downs_ms),
            target=16,
            note=f"median of {len(keys.page_downs_ms)}; max {max(keys.page_downs_ms):.1f}",
        ),
    ]
    title = f"table: {accounts:,} accounts, {SIZE[0]}x{SIZE[1]} headless; baseline DataTable"
    report(metrics, as_json=args.json, title=title)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
