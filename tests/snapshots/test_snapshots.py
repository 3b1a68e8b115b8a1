"""Pictures of the main screens at fixed sizes, on the seeded demo book, on a frozen day.

Regenerate only after looking at the report: `pytest tests/snapshots --snapshot-update`
writes new SVGs; `snapshot_report.html` shows the differences when a comparison fails.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.pilot import Pilot

from cstui.app import create_app
from cstui.workspace import Workspace

SnapCompare = Callable[..., bool]


def _app(ws: Workspace, lang: str = "en") -> Any:
    ws.refresh_health()
    return create_app(ws, lang=lang, poll=False, rescore=False)


def test_portfolio(snap_compare: SnapCompare, demo_ws: Workspace) -> None:
    assert snap_compare(_app(demo_ws), terminal_size=(120, 40))


def test_portfolio_filtered_with_an_error(snap_compare: SnapCompare, demo_ws: Workspace) -> None:
    assert snap_compare(
        _app(demo_ws), press=["slash", *"tier:high colour:red"], terminal_size=(120, 40)
    )


def test_portfolio_japanese_80x24(snap_compare: SnapCompare, demo_ws: Workspace) -> None:
    assert snap_compare(_app(demo_ws, "ja"), terminal_size=(80, 24))


def test_account_overview(snap_compare: SnapCompare, demo_ws: Workspace) -> None:
    async def open_first(pilot: Pilot[None]) -> None:
        await pilot.press("enter")
        await pilot.pause()

    assert snap_compare(_app(demo_ws), run_before=open_first, terminal_size=(120, 40))


def test_today(snap_compare: SnapCompare, demo_ws: Workspace) -> None:
    assert snap_compare(_app(demo_ws), press=["t"], terminal_size=(120, 40))


def _open_typical(ws: Workspace) -> Callable[[Pilot[None]], Any]:
    """Push the account screen of a demo account with every section filled."""
    from cstui.screens.account import AccountScreen

    account_id = next(
        a.id
        for a in ws.accounts()
        if len(ws.contacts(a.id)) >= 3 and ws.usage(a.id) and ws.activities(a.id) and ws.tasks(a.id)
    )

    async def open_it(pilot: Pilot[None]) -> None:
        await pilot.app.push_screen(AccountScreen(account_id))
        await pilot.pause()

    return open_it


def test_account_overview_160x45(snap_compare: SnapCompare, demo_ws: Workspace) -> None:
    """Two columns: health, flags, usage | contract, people, tasks, plans, touchpoints, log."""
    app = _app(demo_ws)
    assert snap_compare(app, run_before=_open_typical(demo_ws), terminal_size=(160, 45))


def test_account_overview_japanese_80x24(snap_compare: SnapCompare, demo_ws: Workspace) -> None:
    """One column, scrolling; nothing cut."""
    app = _app(demo_ws, "ja")
    assert snap_compare(app, run_before=_open_typical(demo_ws), terminal_size=(80, 24))
