"""Start-up: the collector is off until the first frame, and on again after it."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from cstui.app import create_app
from cstui.widgets.account_table import AccountTable
from cstui.workspace import Workspace


@pytest.fixture
def collector_off() -> Iterator[None]:
    """As ``cstui`` starts the app (``cstui.cli.main``); the collector is on again after."""
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


@pytest.mark.usefixtures("collector_off")
async def test_the_collector_is_back_on_after_the_first_frame(demo_ws: Workspace) -> None:
    app = create_app(demo_ws, poll=False, rescore=False)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        assert len(app.screen.query_one(AccountTable).rows) == 60
        assert gc.isenabled()


async def test_the_sync_line_says_it_is_off_once_the_first_frame_is_out(
    demo_ws: Workspace,
) -> None:
    """Its first look (which imports the sync package) waits for the first frame only."""
    from cstui.widgets.sync_status import SyncStatusLine

    app = create_app(demo_ws, poll=False, rescore=False)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        line = app.screen.query_one(SyncStatusLine)
        assert "not set up" in line.text
