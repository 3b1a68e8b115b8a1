"""The overview: the health badge in the header, a scale on the sparklines, and no list of
"missed" touchpoints on an account that has left."""

from __future__ import annotations

from datetime import date

from textual.widgets import Static

from cstui.app import create_app
from cstui.domain.models import Stage
from cstui.i18n import t
from cstui.screens.account import AccountScreen
from cstui.widgets.charts import Series, TimeChart
from cstui.workspace import Workspace


async def _open(ws: Workspace, account_id: str) -> tuple[str, str]:
    """The header's and the touchpoints section's text at 160x45."""
    app = create_app(ws, poll=False, rescore=False)
    async with app.run_test(size=(160, 45)) as pilot:
        screen = AccountScreen(account_id)
        await app.push_screen(screen)
        await pilot.pause()
        header = str(screen.query_one("#account-header", Static).render())
        points = str(screen.query_one("#overview-touchpoints", Static).render())
    return header, points


async def test_header_shows_the_health_badge(demo_ws: Workspace) -> None:
    account = next(a for a in demo_ws.accounts() if demo_ws.health(a.id).score is not None)
    result = demo_ws.health(account.id)
    header, _ = await _open(demo_ws, account.id)
    first_line = header.splitlines()[0]
    assert f"Health {result.score} {t(f'health.band.{result.band.value}')}" in first_line


async def test_a_churned_account_lists_no_missed_touchpoints(demo_ws: Workspace) -> None:
    account = next(a for a in demo_ws.accounts() if a.stage is Stage.CHURNED)
    assert any(p.status == "missed" for p in demo_ws.touchpoints(account.id))  # as computed
    _, points = await _open(demo_ws, account.id)
    assert "missed" not in points
    assert points == t("account.touchpoint.ended")


def test_sparklines_print_their_range() -> None:
    start, end = date(2026, 1, 1), date(2026, 3, 1)
    readings = [(date(2026, 1, 5), 40.0), (date(2026, 2, 5), 1200.0), (date(2026, 2, 25), 75.0)]
    chart = TimeChart([Series("Logins", readings)], start, end, scale=True)
    assert "75  40–1,200" in chart.render_text(80).plain
    plain = TimeChart([Series("Logins", readings)], start, end)
    assert "40–1,200" not in plain.render_text(80).plain  # the QBR's chart keeps its layout
