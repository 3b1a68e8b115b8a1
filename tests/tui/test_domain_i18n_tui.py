"""The account overview, Today and KPI screens word the domain's texts in Japanese under
``--lang ja`` (health raw values, flag evidence, alert texts, KPI notes), and show names
inside them literally."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from textual.widgets import Static

from cstui import i18n
from cstui.app import create_app
from cstui.i18n import render
from cstui.sanitize import clean
from cstui.screens.account import AccountScreen
from cstui.screens.kpis import KPIScreen
from cstui.screens.today import TodayList, TodayScreen
from cstui.widgets.health_breakdown import HealthBreakdown
from cstui.workspace import Workspace

EVIL = "[bold red]x[/] {people} \x1b]52;c;ZXZpbA==\x07"


@pytest.fixture(autouse=True)
def _english_after() -> Iterator[None]:
    yield
    i18n.set_language("en")


def _flagged_account(ws: Workspace) -> str:
    """A scored account whose champion just left (named like markup), so it has flags."""
    account_id = next(
        a.id for a in ws.accounts() if ws.health(a.id).score is not None and ws.usage(a.id)
    )
    ws.add_contact(
        account_id,
        {"name": EVIL, "role": "champion", "active": False, "left_on": date(2026, 11, 1)},
    )
    ws.refresh_health([account_id])
    return account_id


async def test_account_overview_in_japanese(demo_ws: Workspace) -> None:
    account_id = _flagged_account(demo_ws)
    app = create_app(demo_ws, lang="ja", poll=False, rescore=False)
    async with app.run_test(size=(160, 60)) as pilot:
        await pilot.pause()
        screen = AccountScreen(account_id)
        await app.push_screen(screen)
        await pilot.pause()
        health = demo_ws.health(account_id)
        shown = screen.query_one(HealthBreakdown).plain
        for m in health.measures:
            text = render(m.raw_msg if m.present else m.missing_msg)
            assert text in shown
            assert text != m.raw_msg.render("en")
            assert m.raw_msg.render("en") not in shown
        flags_text = str(screen.query_one("#flags", Static).content)
        flags = demo_ws.flags(account_id)
        assert any(f.rule == "champion-left" for f in flags)
        for flag in flags:
            assert clean(flag.text("ja")) in flags_text
            assert flag.evidence not in flags_text
        # The name is shown as it is (markup and braces literal, the escape neutralised).
        assert "[bold red]x[/] {people} ␛]52;c;ZXZpbA==␇（2026-11-01 離任）" in flags_text
        assert "\x1b" not in app.export_screenshot()


async def test_today_and_kpis_in_japanese(demo_ws: Workspace) -> None:
    demo_ws.refresh_health()
    app = create_app(demo_ws, lang="ja", poll=False, rescore=False)
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.pause()
        today = TodayScreen(everyone=True)
        await app.push_screen(today)
        await pilot.pause()
        lines = "\n".join(str(o.prompt) for o in today.query_one(TodayList).options)
        alerts = [a for a in demo_ws.alerts() if a.evidence_msg is not None]
        assert alerts
        for alert in alerts:
            assert alert.evidence not in lines
        assert any(clean(a.text("ja"))[:20] in lines for a in alerts)
        await pilot.press("M")
        await app.workers.wait_for_complete()  # the KPIs are computed on a worker thread
        await pilot.pause()
        kpis = app.screen
        assert isinstance(kpis, KPIScreen)
        assert kpis.report is not None
        nps = kpis.report["nps"]
        note = str(kpis.query_one("#kpi-note", Static).content)
        first = kpis.report.values[0]
        assert first.note_text("ja") in note
        assert first.note not in note
        assert nps.note_text("ja").startswith("推奨者")
