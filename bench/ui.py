"""Benchmark opening an account and switching its tabs, against a bare Textual screen.

    .venv/bin/python bench/ui.py [--json] [--quick] [--accounts N] [--seed S] [--keep-data]

Setup (not timed): the cached demo data of ``table.py`` (``--accounts``, default 50,000;
``--quick``: 10,000), a Workspace on it and the portfolio screen of
``create_app(ws, poll=False, rescore=False)`` headless at 160x45.

Measured, per account of ``ACCOUNTS_TRIED`` spread over the book (the worst health first,
then every ``N // ACCOUNTS_TRIED``-th of the default sort):

* ``open_account_ms_<n>``: ``push_screen(AccountScreen(id))`` until the app has handled it
  and painted (``Pilot.pause``: the overview composed, filled and laid out); median;
* ``switch_tab_ms_<n>``: a digit (2 to 6, then 1) on the open account until painted;
  median over every switch (the first visit of a tab builds its pane, later ones do not);
* ``open_account_cpu_ms_<n>``, ``switch_tab_cpu_ms_<n>``: the same spans in CPU time of
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


async def run_cstui(ws: Any, account_ids: list[str]) -> tuple[Times, Times]:
    from cstui.app import create_app
    from cstui.screens.account import AccountScreen

    opens: Times = []
    switches: Times = []
    app = create_app(ws, poll=False, rescore=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        for account_id in account_ids:
            with Clock() as step:
                await app.push_screen(AccountScreen(account_id))
                await pilot.pause()
            opens.append(step.ms)
            for key in TAB_KEYS:
                with Clock() as step:
                    await pilot.press(key)
                    await pilot.pause()
                switches.append(step.ms)
            app.pop_screen()
            await pilot.pause()
    return opens, switches


async def run_baseline(times: int) -> tuple[Times, Times]:
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

    opens: Times = []
    switches: Times = []
    app = App[None]()
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(times):
            with Clock() as step:
                await app.push_screen(Bare())
                await pilot.pause()
            opens.append(step.ms)
            for key in TAB_KEYS:
                with Clock() as step:
                    await pilot.press(key)
                    await pilot.pause()
                switches.append(step.ms)
            app.pop_screen()
            await pilot.pause()
    return opens, switches


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
    opens, switches = asyncio.run(run_cstui(ws, ids))
    progress(f"cstui: opens {', '.join(f'{w:.0f} ({c:.0f} CPU)' for w, c in opens)} ms")
    base_opens, base_switches = asyncio.run(run_baseline(len(ids)))
    metrics = []
    for name, mine, base in (
        ("open_account", opens, base_opens),
        ("switch_tab", switches, base_switches),
    ):
        for unit, i in (("ms", 0), ("cpu_ms", 1)):
            values = [x[i] for x in mine]
            note = f"median of {len(values)}; max {max(values):.0f}"
            if name == "open_account":
                note += f"; first {values[0]:.0f}"
            metrics.append(
                Metric(
                    f"{name}_{unit}_{n}",
                    statistics.median(values),
                    "ms",
                    statistics.median(x[i] for x in base),
                    target=100,
                    note=note,
                )
            )
    title = f"ui: {accounts:,} accounts, {SIZE[0]}x{SIZE[1]} headless; baseline bare Textual"
    report(metrics, as_json=args.json, title=title)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
