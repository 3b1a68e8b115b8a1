"""Pictures of the KPI and requests screens, on the seeded demo book, on a frozen day.

Regenerate only after looking at the report: `pytest tests/snapshots --snapshot-update`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.pilot import Pilot

from cstui.app import create_app
from cstui.workspace import Workspace

SnapCompare = Callable[..., bool]


async def _kpis(pilot: Pilot[Any]) -> None:
    """Open the KPI screen and wait for its worker: the picture is of the computed KPIs."""
    await pilot.press("M")
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def _app(ws: Workspace, lang: str = "en") -> Any:
    ws.refresh_health()
    return create_app(ws, lang=lang, poll=False, rescore=False)


def test_kpis(snap_compare: SnapCompare, demo_ws: Workspace) -> None:
    assert snap_compare(_app(demo_ws), run_before=_kpis, terminal_size=(120, 40))


def test_kpis_japanese_80x24(snap_compare: SnapCompare, demo_ws: Workspace) -> None:
    assert snap_compare(_app(demo_ws, "ja"), run_before=_kpis, terminal_size=(80, 24))


def test_requests(snap_compare: SnapCompare, demo_ws: Workspace) -> None:
    assert snap_compare(_app(demo_ws), press=["F"], terminal_size=(120, 40))
