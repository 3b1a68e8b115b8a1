"""English wording read as a user reads it: an undone ship says what was undone, the QBR's
quarter keys do not look like a checkbox, counts are grouped by thousands as money is,
the accounts asking for a request come largest ARR first, and one contact has a singular
role."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Static

from cstui import clock
from cstui.app import CSApp, create_app
from cstui.domain.enums import ContactRole
from cstui.i18n import short_money
from cstui.screens.account import AccountScreen
from cstui.screens.portfolio import PortfolioScreen
from cstui.screens.requests import RequestDetail, RequestsScreen
from cstui.widgets.qbr import QBRPane
from cstui.workspace import Workspace

QBR_ACCOUNT = "acc-000044"


async def _settle(pilot: Any, times: int = 3) -> None:
    for _ in range(times):
        await pilot.pause()


def _app(ws: Workspace, lang: str = "en") -> CSApp:
    return create_app(ws, lang=lang, poll=False, rescore=False)


def _said(app: CSApp) -> list[str]:
    return [n.message for n in app._notifications]


def _screen_text(app: CSApp) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def _requests(app: CSApp, pilot: Any, request_id: str) -> RequestsScreen:
    """The requests screen with its cursor on ``request_id``."""
    await pilot.press("F")
    await _settle(pilot)
    screen = app.screen
    assert isinstance(screen, RequestsScreen)
    screen.table.move_cursor([r.id for r in screen.rows].index(request_id))
    await _settle(pilot)
    return screen


@pytest.mark.parametrize(
    ("lang", "undid"),
    [
        ("en", "Undid: shipped 'Audit log' (and its 2 tell-the-customer tasks)"),
        ("ja", "元に戻しました：「Audit log」のリリース（顧客への報告タスク 2 件を含む）"),
    ],
)
async def test_undoing_a_ship_says_the_tasks_went_with_it(
    demo_ws: Workspace, lang: str, undid: str
) -> None:
    """It said "Undid: shipped 'Audit log' and opened 2 tasks", as if the undo opened them."""
    first, second = demo_ws.accounts()[:2]
    request = demo_ws.add_request({"title": "Audit log", "account_ids": [first.id, second.id]})
    app = _app(demo_ws, lang)
    async with app.run_test(size=(120, 40)) as pilot:
        await _requests(app, pilot, request.id)
        await pilot.press("S")
        await _settle(pilot)
        assert len(demo_ws.request_tasks(request.id)) == 2
        await pilot.press("u")
        await _settle(pilot)
        assert undid in _said(app)
        assert not any("opened" in said for said in _said(app))
        assert demo_ws.request_tasks(request.id) == []  # the tasks went with the undo


async def test_the_qbr_quarter_keys_do_not_read_as_a_checkbox(demo_ws: Workspace) -> None:
    app = _app(demo_ws)
    async with app.run_test(size=(160, 45)) as pilot:
        screen = AccountScreen(QBR_ACCOUNT, tab="qbr")
        await app.push_screen(screen)
        await _settle(pilot)
        head = str(screen.query_one(QBRPane).query_one("#qbr-head", Static).content)
        assert "[ / ] quarter" in head
        assert "[ ] quarter" not in head


async def test_seats_are_grouped_as_the_chart_beside_them_is(demo_ws: Workspace) -> None:
    """The header said "1490 seats" next to the usage chart's "max 1,490"."""
    account = next(a for a in demo_ws.accounts() if demo_ws.usage(a.id) is not None)
    demo_ws.update_account(account.id, {"seats": 1490})
    app = _app(demo_ws)
    async with app.run_test(size=(160, 45)) as pilot:
        screen = AccountScreen(account.id)
        await app.push_screen(screen)
        await _settle(pilot)
        header = str(screen.query_one("#account-header", Static).render())
        assert "1,490 seats" in header
        usage = str(screen.query_one("#usage-period", Static).render())
        assert usage.endswith("· 1,490 seats")
        text = _screen_text(app)
        assert "max 1,490" in text
        assert "1490" not in text


@pytest.fixture
def big_ws(tmp_path: Path) -> Any:
    """A book of 1,100 accounts: a header count with a thousands separator."""
    from cstui.demo.build import build_demo

    target = tmp_path / "big"
    build_demo(target, accounts=1100, seed=1, user="me")
    ws = Workspace.open(target, user="me")
    yield ws
    ws.close()


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "ja"])
async def test_the_portfolio_header_groups_its_counts(big_ws: Workspace, lang: str) -> None:
    """It said "Accounts 50000" and "Renewals <90d 8099" under ARR "¥283M"."""
    app = _app(big_ws, lang)
    async with app.run_test(size=(160, 45)) as pilot:
        await app.workers.wait_for_complete()
        await _settle(pilot)
        assert isinstance(app.screen, PortfolioScreen)
        line = str(app.screen.query_one("#portfolio-summary", Static).render())
        assert ("Accounts 1,100" if lang == "en" else "1,100") in line
        assert "1100" not in line


async def test_the_accounts_asking_come_largest_arr_first_across_currencies(
    demo_ws: Workspace,
) -> None:
    """¥440k came before $390k (about ¥58.5M at the book's rate): listed as asked, not by
    the ARR that ranks the request."""
    accounts = demo_ws.accounts()
    yen = next(a for a in accounts if a.currency == "JPY")
    dollars = next(a for a in accounts if a.currency == "USD")
    other = next(a for a in accounts if a.currency == "JPY" and a.id != yen.id)
    demo_ws.update_account(yen.id, {"arr": 440_000})
    demo_ws.update_account(dollars.id, {"arr": 390_000})
    demo_ws.update_account(other.id, {"arr": 1_000})
    request = demo_ws.add_request(
        {"title": "SSO", "account_ids": [other.id, yen.id, dollars.id]}  # as asked
    )
    app = _app(demo_ws)
    async with app.run_test(size=(120, 40)) as pilot:
        await _requests(app, pilot, request.id)
        await pilot.press("enter")
        await _settle(pilot)
        detail = app.screen
        assert isinstance(detail, RequestDetail)
        lines = str(detail.query_one("#req-detail-accounts", Static).render()).splitlines()
        amounts = [line.split()[-1] for line in lines[1:4]]
        assert amounts == [short_money(390_000, "USD"), "¥440k", "¥1k"]


async def test_one_contact_has_a_singular_role(demo_ws: Workspace) -> None:
    """The overview headed one champion "Champions", and the activity form's participants
    said "(End users)" of one person."""
    account = next(
        a
        for a in demo_ws.accounts()
        if sum(c.role is ContactRole.CHAMPION for c in demo_ws.contacts(a.id)) == 1
        and any(c.role is ContactRole.END_USER for c in demo_ws.contacts(a.id))
    )
    app = _app(demo_ws)
    async with app.run_test(size=(160, 45)) as pilot:
        screen = AccountScreen(account.id)
        await app.push_screen(screen)
        await _settle(pilot)
        contacts = str(screen.query_one("#contacts", Static).render()).splitlines()
        assert "Champion" in contacts
        assert "Champions" not in contacts
        await pilot.press("l")
        await _settle(pilot)
        text = _screen_text(app)
        assert "(End user)" in text
        assert "(End users)" not in text
        assert clock.today()  # the frozen day the form's dates are checked against
