"""Pictures of the account's Onboarding and Timeline tabs on the seeded demo, on a frozen day.

The account is the demo's first (a mid-touch onboarding with an overdue step, a reached
first value and a dozen activities). Regenerate only after looking at the report:
`pytest tests/snapshots --snapshot-update`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from textual.pilot import Pilot
from textual.widgets import TabbedContent

from cstui.app import create_app
from cstui.screens.account import AccountScreen
from cstui.workspace import Workspace

SnapCompare = Callable[..., bool]
ACCOUNT = "acc-000001"


def _app(ws: Workspace, lang: str = "en") -> Any:
    ws.refresh_health()
    return create_app(ws, lang=lang, poll=False, rescore=False)


def _open(tab: str) -> Callable[[Pilot[None]], Awaitable[None]]:
    async def run_before(pilot: Pilot[None]) -> None:
        screen = AccountScreen(ACCOUNT)
        await pilot.app.push_screen(screen)
        await pilot.pause()
        screen.query_one(TabbedContent).active = f"tab-{tab}"
        await pilot.pause()

    return run_before


def test_onboarding_tab(snap_compare: SnapCompare, demo_ws: Workspace) -> None:
    assert snap_compare(_app(demo_ws), run_before=_open("onboarding"), terminal_size=(120, 40))


def test_timeline_tab(snap_compare: SnapCompare, demo_ws: Workspace) -> None:
    assert snap_compare(_app(demo_ws), run_before=_open("timeline"), terminal_size=(120, 40))


def test_onboarding_tab_japanese_80x24(snap_compare: SnapCompare, demo_ws: Workspace) -> None:
    assert snap_compare(_app(demo_ws, "ja"), run_before=_open("onboarding"), terminal_size=(80, 24))
