"""Benchmark opening an account and switching its tabs, against a bare Textual screen.

    .venv/bin/python bench/ui.py [--json] [--quick] [--accounts N] [--seed S] [--keep-data]

Setup (not timed): the cached demo data of ``table.py`` (``--accounts``, default 50,000;
``--quick``: 10,000), a Workspace on it and the portfolio screen of
``create_app(ws, poll=False, rescore=False)`` headless at 160x45.

Measured, per account of ``ACCOUNTS_TRIED`` spread over the book (the worst health first,
then every ``N // ACCOUNTS_TRIED``-th of the default sort):

* ``open_account_ms_<n>``: ``push_screen(AccountScreen(id))`` until the app is idle
  (``Pilot.pause``: the overview composed, filled, laid out and painted, then the other
  tabs' panes built in the background); median;
* ``switch_tab_ms_<n>``: a digit (2 to 6, then 1) on the open account until idle; median
  over every switch;
* ``open_account_frame_ms_<n>``, ``switch_tab_frame_ms_<n>``: the same keys until the end
  of the first frame showing their result (the screen mounted, its overview filled; the
  digit's tab active with its pane mounted and laid out), caught in ``App._display``: what
  the user waits for, without what runs after it (the other panes built in the background,
  the tabs' underline animation);
* ``open_renewals_ms_<n>``: the renewals screen (every month's renewals of the book)
  pushed until idle, three times in a new app; median;
* ``*_cpu_ms_<n>``: the same spans in CPU time of
  the process (``time.process_time``): the work done for the key, without the waits
  ``Pilot.pause`` adds (it sleeps until the process looks idle, up to a second, and waits
  for the tabs' 0.3 s underline animation) and much less moved by other processes on a
  shared machine than wall time. The first open of a run loads the store's tables and
  builds their per-account indexes; the note gives it apart (``first``).

Baseline, same run: a bare ``Screen`` (Header, three Static lines, Footer) pushed and
popped the same way, and a ``TabbedContent`` of six Static panes switched by digit: what
Textual itself costs for a screen and a tab, so ``ratio = baseline / value`` says how many
times Textual's floor the account screen takes. Target: 100 ms at worst per key.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from typing import Any

from _common import Metric, parse_args, progress, report, stopwatch
from table import SIZE, demo_dir, open_workspace, size_label  # sets the environment first

ACCOUNTS_TRIED = 5
TAB_KEYS = ("2", "3", "4", "5", "6", "1")


Times = list[tuple[float, float]]
"""(wall ms, CPU ms) per measured step."""


class FirstFrame:
    """When the first frame showing a step's result was painted, in wall and CPU time.

    Wraps ``App._display`` (where Textual hands a compositor update to the driver; headless
    it writes nothing, so the bytes a terminal would receive are made here, as in
    ``table.py``) and checks ``shown()`` after each frame once armed."""

    def __init__(self, app: Any) -> None:
        from textual._compositor import CompositorUpdate

        self.shown: Any = None
        self.at: tuple[float, float] | None = None
        original = app._display

        def display(screen: Any, renderable: Any) -> None:
            original(screen, renderable)
            if renderable is None:
                return
            if isinstance(renderable, CompositorUpdate):
                renderable.render_segments(app.console)
            if self.shown is not None and self.at is None and self.shown():
                self.at = (time.perf_counter(), time.process_time())

        app._display = display

    def arm(self, shown: Any) -> None:
        self.shown, self.at = shown, None

    def ms(self, step: Clock) -> tuple[float, float]:
        """Wall and CPU ms from the step's start to that frame."""
        if self.at is None:
            raise SystemExit("ui bench: no frame showed the step's result")
        return ((self.at[0] - step.wall) * 1000, (self.at[1] - step.cpu) * 1000)


def _pane_shown(screen: Any, pane_id: str) -> bool:
    """The tab ``pane_id`` is the active one and its content is mounted."""
    from textual.widgets import TabbedContent

    if not screen.is_attached or not screen.is_mounted:
        return False
    tabbed = screen.query_one(TabbedContent)
    if tabbed.active != pane_id:
        return False
    pane = tabbed.get_pane(pane_id)
    return all(child.is_mounted for child in pane.children) and pane.size.height > 0


class Clock:
    """Wall and CPU time of one step."""

    def __enter__(self) -> Clock:
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.ms = (
            (time.perf_counter() - self.wall) * 1000,
            (time.process_time() - self.cpu) * 1000,
        )


Run = dict[str, Times]
"""Per measure (open, switch, open_frame, switch_frame): the steps' times."""


def _pane_ids(screen: Any) -> list[str]:
    from textual.widgets import TabPane

    return [pane.id for pane in screen.query(TabPane)]


async def _measure(app: Any, pilot: Any, screens: list[Any]) -> Run:
    """Push each screen (made by its factory just before, as Enter makes it, and dropped
    after it is popped, so a closed screen is garbage as in use), then the digits of
    ``TAB_KEYS`` on it, then pop it."""
    run: Run = {"open": [], "switch": [], "open_frame": [], "switch_frame": []}
    frames = FirstFrame(app)
    await pilot.pause()
    # What the app does in the background after its first frame (cstui: the account
    # screen's imports and stylesheet) is over before a user's first key.
    await app.workers.wait_for_complete()
    await pilot.pause()
    for make in screens:
        screen = make()
        frames.arm(lambda s=screen: s.is_attached and s.is_mounted)
        with Clock() as step:
            await app.push_screen(screen)
            await pilot.pause()
        run["open"].append(step.ms)
        run["open_frame"].append(frames.ms(step))
        ids = _pane_ids(screen)
        for key in TAB_KEYS:
            frames.arm(lambda s=screen, p=ids[int(key) - 1]: _pane_shown(s, p))
            with Clock() as step:
                await pilot.press(key)
                await pilot.pause()
            run["switch"].append(step.ms)
            run["switch_frame"].append(frames.ms(step))
        app.pop_screen()
        del screen
        frames.arm(None)
        await pilot.pause()
    return run


async def run_cstui(ws: Any, account_ids: list[str]) -> Run:
    from cstui.app import create_app
    from cstui.screens.account import AccountScreen

    app = create_app(ws, poll=False, rescore=False)
    async with app.run_test(size=SIZE) as pilot:
        return await _measure(app, pilot, [lambda i=i: AccountScreen(i) for i in account_ids])


async def run_renewals(ws: Any, times: int = 3) -> Times:
    """The renewals screen (the whole book's renewals by month) pushed ``times`` times, each
    until idle, as ``open`` is timed; popped between."""
    from cstui.app import create_app
    from cstui.screens.renewals import RenewalsScreen

    app = create_app(ws, poll=False, rescore=False)
    out: Times = []
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        for _ in range(times):
            screen = RenewalsScreen()
            with Clock() as step:
                await app.push_screen(screen)
                await pilot.pause()
            out.append(step.ms)
            app.pop_screen()
            del screen
            await pilot.pause()
    return out


async def run_baseline(times: int) -> Run:
    from textual.app import App, ComposeResult
    from textual.screen import Screen
    from textual.widgets import Footer, Header, Static, TabbedContent, TabPane

    class Bare(Screen[None]):
        BINDINGS = [(k, f"show({k})", "") for k in TAB_KEYS]  # noqa: RUF012

        def compose(self) -> ComposeResult:
            yield Header()
            yield Static("Account name\nARR · renewal · owner")
            with TabbedContent():
                for k in sorted(TAB_KEYS):
                    with TabPane(f"{k} Tab", id=f"t{k}"):
                        yield Static(f"Pane {k}\n" * 20)
            yield Footer()

        def action_show(self, key: str) -> None:
            self.query_one(TabbedContent).active = f"t{key}"

    app = App[None]()
    async with app.run_test(size=SIZE) as pilot:
        return await _measure(app, pilot, [Bare for _ in range(times)])


def main(argv: list[str] | None = None) -> int:
    def extra(parser: Any) -> None:
        parser.add_argument("--accounts", type=int, help="accounts (default 50000; quick 10000)")
        parser.add_argument("--seed", type=int, default=1, help="demo seed (default 1)")
        parser.add_argument(
            "--keep-data", action="store_true", help="reuse cached data even if cstui changed"
        )

    args = parse_args((__doc__ or "").splitlines()[0], argv, extra)
    accounts: int = args.accounts or (10_000 if args.quick else 50_000)
    n = size_label(accounts)
    data = demo_dir(accounts, args.seed, keep=args.keep_data)
    with stopwatch("opening the workspace and building the portfolio rows"):
        ws = open_workspace(data)
        rows = ws.portfolio()
    step = max(len(rows) // ACCOUNTS_TRIED, 1)
    ids = [rows[i].id for i in range(0, len(rows), step)][:ACCOUNTS_TRIED]
    mine = asyncio.run(run_cstui(ws, ids))
    opens = mine["open"]
    progress(f"cstui: opens {', '.join(f'{w:.0f} ({c:.0f} CPU)' for w, c in opens)} ms")
    by_key = {
        key: statistics.median(x[1] for x in mine["switch_frame"][k :: len(TAB_KEYS)])
        for k, key in enumerate(TAB_KEYS)
    }
    progress("cstui: CPU ms to the switch's frame by digit " + str(by_key))
    base = asyncio.run(run_baseline(len(ids)))
    metrics = []
    for name, measure in (
        ("open_account", "open"),
        ("switch_tab", "switch"),
        ("open_account_frame", "open_frame"),
        ("switch_tab_frame", "switch_frame"),
    ):
        for unit, i in (("ms", 0), ("cpu_ms", 1)):
            values = [x[i] for x in mine[measure]]
            note = f"median of {len(values)}; max {max(values):.0f}"
            if measure.startswith("open"):
                note += f"; first {values[0]:.0f}"
            metrics.append(
                Metric(
                    f"{name}_{unit}_{n}",
                    statistics.median(values),
                    "ms",
                    statistics.median(x[i] for x in base[measure]),
                    target=100,
                    note=note,
                )
            )
    ws.close()
    renewals = asyncio.run(run_renewals(open_workspace(data)))  # a new app on a new workspace
    for unit, i in (("ms", 0), ("cpu_ms", 1)):
        values = [x[i] for x in renewals]
        metrics.append(
            Metric(
                f"open_renewals_{unit}_{n}",
                statistics.median(values),
                "ms",
                statistics.median(x[i] for x in base["open"]),
                target=100,
                note=f"median of {len(values)}; max {max(values):.0f}; first {values[0]:.0f}",
            )
        )
    title = f"ui: {accounts:,} accounts, {SIZE[0]}x{SIZE[1]} headless; baseline bare Textual"
    report(metrics, as_json=args.json, title=title)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
