"""Form defaults that make sense (issue 18): a new onboarding step lands in the current phase,
due after the last step; "Sent through the champion" is asked only for executive reports."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from textual.widgets import Checkbox, Input, Select, TabbedContent

from cstui.app import CSApp, create_app
from cstui.domain.enums import ActivityKind
from cstui.domain.templates import next_step_due, phase_order
from cstui.screens.account import AccountScreen
from cstui.ui.forms import FormScreen
from cstui.widgets.checklist import OnboardingPane
from cstui.workspace import Workspace

ACCOUNT = "acc-000001"


async def _account(app: CSApp, pilot: Any, tab: str | None = None) -> AccountScreen:
    screen = AccountScreen(ACCOUNT)
    await app.push_screen(screen)
    await pilot.pause()
    if tab is not None:
        screen.query_one(TabbedContent).active = tab
        await pilot.pause()
    return screen


@pytest.mark.slow
async def test_new_step_is_in_the_current_phase_and_due_after_the_last(
    demo_ws: Workspace, frozen_clock: date
) -> None:
    plan = demo_ws.onboarding(ACCOUNT)
    assert plan is not None
    order = phase_order(plan)
    assert len(order) >= 3
    # Finish the first phase: the customer is now in the second one.
    first, second = order[0], order[1]
    for item in plan.items:
        demo_ws.set_onboarding_item(ACCOUNT, item.id, done=item.phase == first)
    plan = demo_ws.onboarding(ACCOUNT)
    assert plan is not None
    last_due = max(i.due for i in plan.items if i.phase in (first, second) and i.due is not None)
    expected = max(last_due + timedelta(days=1), frozen_clock)
    app = create_app(demo_ws, poll=False, rescore=False)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _account(app, pilot, "tab-onboarding")
        pane = screen.query_one(OnboardingPane)
        # The cursor on a step of the first phase does not decide: the current phase does.
        first_step = next(i for i in plan.items if i.phase == first)
        pane.items.highlighted = pane.items.get_option_index(first_step.id)
        await pilot.press("a")
        form = app.screen
        assert isinstance(form, FormScreen)
        assert form.query_one("#field-phase", Select).value == second
        assert form.query_one("#field-due", Input).value == expected.isoformat()
        # Another phase moves the due date with it; back again, and it follows back.
        later = next(p for p in order if next_step_due(plan, p, frozen_clock) != expected)
        form.query_one("#field-phase", Select).value = later
        await pilot.pause()
        moved = next_step_due(plan, later, frozen_clock)
        assert form.query_one("#field-due", Input).value == moved.isoformat()
        form.query_one("#field-phase", Select).value = second
        await pilot.pause()
        assert form.query_one("#field-due", Input).value == expected.isoformat()
        form.query_one("#field-title", Input).value = "Share the admin FAQ"
        await pilot.press("ctrl+s")
        await pilot.pause()
    reopened = Workspace.open(demo_ws.store.data_dir, user="me")  # what was saved
    try:
        fresh = reopened.onboarding(ACCOUNT)
    finally:
        reopened.close()
    assert fresh is not None
    added = next(i for i in fresh.items if i.title == "Share the admin FAQ")
    assert (added.phase, added.due) == (second, expected)
    in_phase = [i.id for i in fresh.items if i.phase == second]
    assert in_phase[-1] == added.id  # placed after the phase's last step


@pytest.mark.slow
async def test_champion_box_only_for_executive_reports(demo_ws: Workspace) -> None:
    app = create_app(demo_ws, poll=False, rescore=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await _account(app, pilot)
        await pilot.press("l")
        form = app.screen
        assert isinstance(form, FormScreen)
        box = form.query_one("#box-via_champion")
        kind = form.query_one("#field-kind", Select)
        assert kind.value == ActivityKind.CALL.value
        assert not box.display
        kind.value = ActivityKind.EXEC_REPORT.value
        await pilot.pause()
        assert box.display
        form.query_one("#field-via_champion", Checkbox).value = True
        kind.value = ActivityKind.MEETING.value
        await pilot.pause()
        assert not box.display
        # Hidden, it is not sent: a meeting is never logged "through the champion".
        form.query_one("#field-summary", Input).value = "Steering meeting"
        await pilot.press("ctrl+s")
        await pilot.pause()
        logged = next(a for a in demo_ws.activities(ACCOUNT) if a.summary == "Steering meeting")
        assert logged.kind is ActivityKind.MEETING
        assert logged.via_champion is False
        # An executive report through the champion keeps the box ticked.
        await pilot.press("l")
        form = app.screen
        assert isinstance(form, FormScreen)
        form.query_one("#field-kind", Select).value = ActivityKind.EXEC_REPORT.value
        await pilot.pause()
        assert form.query_one("#box-via_champion").display
        form.query_one("#field-via_champion", Checkbox).value = True
        form.query_one("#field-summary", Input).value = "Monthly exec report"
        await pilot.press("ctrl+s")
        await pilot.pause()
        report = next(a for a in demo_ws.activities(ACCOUNT) if a.summary == "Monthly exec report")
        assert report.kind is ActivityKind.EXEC_REPORT
        assert report.via_champion is True


@pytest.mark.slow
async def test_a_typed_due_date_is_kept_when_the_phase_changes(demo_ws: Workspace) -> None:
    plan = demo_ws.onboarding(ACCOUNT)
    assert plan is not None
    order = phase_order(plan)
    app = create_app(demo_ws, poll=False, rescore=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await _account(app, pilot, "tab-onboarding")
        await pilot.press("a")
        form = app.screen
        assert isinstance(form, FormScreen)
        form.query_one("#field-due", Input).value = "2027-03-01"
        form.query_one("#field-phase", Select).value = order[-1]
        await pilot.pause()
        assert form.query_one("#field-due", Input).value == "2027-03-01"
