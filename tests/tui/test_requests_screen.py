"""The requests screen with the Pilot: rank by ARR, create, ship, tell, close the loop."""

from __future__ import annotations

import pytest
from textual.widgets import Input, Select, Static

from cstui.app import CSApp, create_app
from cstui.domain.enums import LoopStatus
from cstui.domain.models import FeatureRequest
from cstui.screens.requests import RequestDetail, RequestsScreen
from cstui.ui.forms import FormScreen
from cstui.workspace import Workspace


def top(app: CSApp) -> object:
    """The screen on top, typed loosely so identity checks do not narrow ``app.screen``."""
    return app.screen


def shown_status(screen: RequestsScreen, request_id: str) -> LoopStatus:
    """The status the screen's row shows for the request."""
    return next(r.ranked.status for r in screen.rows if r.id == request_id)


@pytest.mark.slow
async def test_create_ship_and_close_the_loop(demo_ws: Workspace) -> None:
    demo_ws.refresh_health()
    first, second = demo_ws.accounts()[:2]
    before = demo_ws.count(FeatureRequest)
    app = create_app(demo_ws, poll=False, rescore=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("F")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, RequestsScreen)
        # Ranked by the ARR asking, not by votes.
        arrs = [r.ranked.arr or 0 for r in screen.rows]
        assert arrs == sorted(arrs, reverse=True)
        assert [r.id for r in screen.rows] == [r.request.id for r in demo_ws.ranked_requests()]

        # n: an unknown account is refused beside the field and nothing is saved.
        await pilot.press("n")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, FormScreen)
        form.query_one("#field-title", Input).value = "[bold]CSV export[/bold]"
        form.query_one("#field-accounts", Input).value = f"{first.name}, nobody-zzz"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert top(app) is form
        error = form.query_one("#error-accounts", Static)
        assert error.display
        assert "nobody-zzz" in str(error.render())
        assert demo_ws.count(FeatureRequest) == before
        form.query_one("#field-accounts", Input).value = f"{first.name}, {second.id}"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert top(app) is screen
        assert demo_ws.count(FeatureRequest) == before + 1
        made = next(r for r in demo_ws.requests() if r.title == "[bold]CSV export[/bold]")
        assert made.account_ids == [first.id, second.id]
        assert screen.current is not None
        assert screen.current.id == made.id

        # s: the status form proposes the next step of the loop.
        await pilot.press("s")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, FormScreen)
        assert form.query_one("#field-status", Select).value == "analysing"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert shown_status(screen, made.id) is LoopStatus.ANALYSING

        # S: shipped, one tell task per account.
        await pilot.press("S")
        await pilot.pause()
        assert len(screen.last_shipped) == 2
        assert shown_status(screen, made.id) is LoopStatus.ACTING
        assert {t.account_id for t in demo_ws.request_tasks(made.id)} == {first.id, second.id}

        # Enter: the detail with the verbatim, the accounts and the tasks; x completes them.
        await pilot.press("enter")
        await pilot.pause()
        detail = app.screen
        assert isinstance(detail, RequestDetail)
        assert "[bold]CSV export[/bold]" in str(detail.query_one("#req-detail-title").render())
        assert len(detail.tasks_table.rows) == 2
        assert not any(r.task.done for r in detail.tasks_table.rows)
        await pilot.press("x")
        await pilot.pause()
        assert demo_ws.request_status(made.id) is LoopStatus.ACTING  # one still to tell
        await pilot.press("x")
        await pilot.pause()
        rows = detail.tasks_table.rows
        assert len(rows) == 2
        assert all(r.task.done for r in rows)
        await pilot.press("escape")
        await pilot.pause()
        assert top(app) is screen
        assert shown_status(screen, made.id) is LoopStatus.TOLD
    stored = next(r for r in demo_ws.requests() if r.id == made.id)
    assert stored.status is LoopStatus.TOLD
    assert stored.shipped


async def test_requests_in_japanese_at_80x24(demo_ws: Workspace) -> None:
    app = create_app(demo_ws, lang="ja", poll=False, rescore=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("F")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, RequestsScreen)
        assert "依頼顧客のARR順" in str(screen.query_one("#req-head", Static).render())
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, RequestDetail)
