"""Issue 16, "Renewals and periods": one definition of an upcoming renewal everywhere."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from cstui.domain.filters import parse
from cstui.workspace import Workspace
from cstui.workspace.portfolio import BUILTIN_VIEWS
from cstui.workspace.today import build_today, section_title
from tests.conftest import TODAY


def days(n: int) -> date:
    return TODAY + timedelta(days=n)


def account(ws: Workspace, name: str, **data: Any) -> str:
    return ws.create_account({"name": name, "owner": "me", **data}).id


def test_filter_view_header_and_today_count_the_same_upcoming_renewals(
    empty_ws: Workspace,
) -> None:
    ws = empty_ws
    account(ws, "Due today", renewal_date=TODAY)
    account(ws, "In 60", renewal_date=days(60))
    account(ws, "In 89", renewal_date=days(89))
    account(ws, "In 90", renewal_date=days(90))  # outside: 0 ≤ days < 90
    account(ws, "Passed", renewal_date=days(-20), stage="renewal")
    account(ws, "Churned soon", renewal_date=days(30), stage="churned")
    account(ws, "Churned past", renewal_date=days(-3), stage="churned")
    account(ws, "No date")
    ws.refresh_health()
    rows = ws.portfolio()
    upcoming = {"Due today", "In 60", "In 89"}

    by_filter = {r.name for r in parse("renewal<90d").apply(rows)}
    view = next(v for v in BUILTIN_VIEWS if v.name == "view.renewals")
    by_view = {r.name for r in parse(view.filter).apply(rows)}
    today = build_today(ws, TODAY)
    by_today = {i.account_name for i in today.renewals if i.kind == "upcoming"}
    assert by_filter == by_view == by_today == upcoming
    assert ws.portfolio_summary(rows).renewals_90d == len(upcoming)

    overdue = {r.name for r in parse("renewal:overdue").apply(rows)}
    assert overdue == {"Passed"}
    assert {i.account_name for i in today.renewals if i.kind == "overdue"} == overdue
    assert {r.name for r in parse("flag:renewal-overdue").apply(rows)} == overdue
    # The heading a CSM reads (app and CLI) says the same numbers: the rows it lists, the
    # overdue ones, and the upcoming ones the filter and the header count.
    assert section_title("renewals", today.renewals) == (
        f"Renewals ({len(today.renewals)}) · {len(overdue)} overdue, {len(upcoming)} within 90 days"
    )
    assert len(today.renewals) == len(upcoming) + len(overdue)
