"""Picture of the Success plan tab at 120×40 on the seeded demo book, on a frozen day.

The demo account shown has light and deep objectives (one without a KPI), readings and ROI
inputs. The account screen is given only this tab so other features' tabs cannot change the
picture. Regenerate only after looking at the report:
`pytest tests/snapshots/test_snapshots_success.py --snapshot-update`.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from textual.pilot import Pilot

import cstui.screens.account as account_screen
from cstui.app import CSApp, create_app
from cstui.widgets.success_plan import SuccessPlanPane
from cstui.workspace import Workspace

SnapCompare = Callable[..., bool]
ACCOUNT = "acc-000039"
"""A demo account (seed 1) with three light objectives, one deep, and ROI inputs."""


def test_success_plan_tab(
    snap_compare: SnapCompare, demo_ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        account_screen, "tabs", lambda: [("success", "account.tab.success", SuccessPlanPane)]
    )
    plan = demo_ws.success_plan(ACCOUNT)
    assert plan is not None
    assert plan.roi is not None
    assert {o.audience.value for o in plan.objectives} == {"light", "deep"}
    app: CSApp = create_app(demo_ws, poll=False, rescore=False)

    async def open_tab(pilot: Pilot[None]) -> None:
        app.open_account(ACCOUNT)
        await pilot.pause()
        await pilot.press("2")
        await pilot.pause()

    assert snap_compare(app, run_before=open_tab, terminal_size=(120, 40))
