"""Pictures of the QBR tab on the seeded demo book, on a frozen day: 120×40 in English and
80×24 in Japanese (the review scrolls there).

The demo account has KPIs, ROI inputs, usage and activities in 2026Q3, the default quarter.
The account screen is given only this tab so other features' tabs cannot change the picture.
Regenerate only after looking at the report:
`pytest tests/snapshots/test_snapshots_qbr.py --snapshot-update`.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from textual.pilot import Pilot

import cstui.screens.account as account_screen
from cstui.app import CSApp, create_app
from cstui.widgets.qbr import QBRPane
from cstui.workspace import Workspace

SnapCompare = Callable[..., bool]
ACCOUNT = "acc-000044"
"""Quartz Systems LLC (seed 1): two KPIs, ROI inputs, six activities in 2026Q3."""


@pytest.fixture(autouse=True)
def only_this_tab(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(account_screen, "tabs", lambda: [("qbr", "account.tab.qbr", QBRPane)])


def _app(ws: Workspace, lang: str) -> tuple[CSApp, Callable[[Pilot[None]], object]]:
    app: CSApp = create_app(ws, lang=lang, poll=False, rescore=False)

    async def open_tab(pilot: Pilot[None]) -> None:
        app.open_account(ACCOUNT)
        await pilot.pause()
        await pilot.press("2")
        await pilot.pause()

    return app, open_tab


def test_qbr_tab(snap_compare: SnapCompare, demo_ws: Workspace) -> None:
    app, open_tab = _app(demo_ws, "en")
    assert snap_compare(app, run_before=open_tab, terminal_size=(120, 40))


def test_qbr_tab_japanese_80x24(snap_compare: SnapCompare, demo_ws: Workspace) -> None:
    app, open_tab = _app(demo_ws, "ja")
    assert snap_compare(app, run_before=open_tab, terminal_size=(80, 24))
