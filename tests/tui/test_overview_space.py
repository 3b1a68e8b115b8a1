"""The overview: the health badge in the header, a scale on the sparklines, no list of
"missed" touchpoints on an account that has left, and a screen that is used: two columns at
160x45 with little left empty, one column at 80x24 that loses nothing."""

from __future__ import annotations

from datetime import date

from rich.cells import get_character_cell_size
from textual.strip import Strip
from textual.widgets import Static

from cstui.app import create_app
from cstui.domain.enums import Stage
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


def test_a_long_or_japanese_label_never_runs_into_its_bars() -> None:
    start, end = date(2026, 1, 1), date(2026, 3, 1)
    readings = [(date(2026, 1, 1), 40.0), (date(2026, 2, 25), 75.0)]  # a bar in column one
    for label, shown in (
        ("アクティブユーザー", "アクティブユーザー "),  # 18 cells: the cap was 18, no space
        ("アクティブユーザー数の推移", "アクティブユーザー… "),
        ("Active users", "Active users "),
    ):
        chart = TimeChart([Series(label, readings), Series("x", readings)], start, end)
        line = chart.render_text(80).plain.splitlines()[0]
        assert line.startswith(shown), (label, line)
        assert line[len(shown) :].lstrip(" ")[0] == "▄", line  # the bars come next


# --------------------------------------------------------------------------- space
def _cells(screen: AccountScreen) -> list[list[str]]:
    """The screen as the terminal shows it, one string per cell (a wide character is
    followed by an empty string for the cell it covers)."""
    update = screen._compositor.render_full_update(simplify=True)
    rows = []
    for line in update.strips:
        row: list[str] = []
        for char in Strip.join(line).text:
            row.append(char)
            row.extend([""] * (get_character_cell_size(char) - 1))
        rows.append(row)
    return rows


def _empty_share(screen: AccountScreen) -> float:
    """Share of the overview's visible cells (its scroll bar left out) that are blank and
    in no section: what is left below a short column or between the columns."""
    body = screen.query_one("#account-body").region
    sections = [s.region for s in screen.query(".account-section") if s.display]
    cells = _cells(screen)
    width = body.width - 2
    empty = sum(
        1
        for y in range(body.y, body.bottom)
        for x in range(body.x, body.x + width)
        if cells[y][x] == " " and not any(r.contains(x, y) for r in sections)
    )
    return empty / (body.height * width)


def _typical(ws: Workspace) -> str:
    """An account with contacts, usage, activities and open tasks: most of the book."""
    return next(
        a.id
        for a in ws.accounts()
        if len(ws.contacts(a.id)) >= 3 and ws.usage(a.id) and ws.activities(a.id) and ws.tasks(a.id)
    )


SECTIONS = {
    "health-breakdown",
    "flags",
    "section-usage",
    "renewal",
    "contacts",
    "overview-tasks",
    "overview-plans",
    "overview-touchpoints",
    "activities",
}
"""The overview's boxes (a box is its text widget itself, except usage: chart and period)."""


async def test_the_overview_fills_160x45_with_two_columns(demo_ws: Workspace) -> None:
    account_id = _typical(demo_ws)
    app = create_app(demo_ws, poll=False, rescore=False)
    async with app.run_test(size=(160, 45)) as pilot:
        screen = AccountScreen(account_id)
        await app.push_screen(screen)
        await pilot.pause()
        left = screen.query_one("#account-left").region
        right = screen.query_one("#account-right").region
        assert left.y == right.y  # side by side, each about half
        assert abs(left.width - right.width) <= 1
        assert left.width + right.width >= 155
        assert _empty_share(screen) <= 0.1  # was a third with one wide and one narrow column
        shown = {s.id for s in screen.query(".account-section") if s.display}
        assert shown == SECTIONS


async def test_at_80x24_one_column_keeps_every_section(demo_ws: Workspace) -> None:
    account_id = _typical(demo_ws)
    app = create_app(demo_ws, lang="ja", poll=False, rescore=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = AccountScreen(account_id)
        await app.push_screen(screen)
        await pilot.pause()
        left = screen.query_one("#account-left").region
        right = screen.query_one("#account-right").region
        assert left.x == right.x
        assert right.y >= left.bottom  # stacked: the contract and people come after
        body = screen.query_one("#account-body")
        shown = {s.id for s in screen.query(".account-section") if s.display}
        assert shown == SECTIONS
        body.scroll_end(animate=False)
        await pilot.pause()
        activities = screen.query_one("#activities")
        assert activities.region.bottom <= body.region.bottom  # reachable by scrolling
        assert activities.border_title == "最近の活動"


async def test_the_first_twelve_accounts_leave_little_empty(demo_ws: Workspace) -> None:
    """Over accounts rich and sparse (onboarding ones have little logged yet): the old
    layout (one wide and one narrow column) left 19% of these cells empty on average."""
    app = create_app(demo_ws, poll=False, rescore=False)
    shares = []
    async with app.run_test(size=(160, 45)) as pilot:
        for account in demo_ws.accounts()[:12]:
            screen = AccountScreen(account.id)
            await app.push_screen(screen)
            await pilot.pause()
            shares.append(_empty_share(screen))
            app.pop_screen()
            await pilot.pause()
    assert sum(shares) / len(shares) <= 0.14, shares


async def test_the_old_layout_left_a_third_empty(demo_ws: Workspace) -> None:
    """The measure can fail: one column of the same sections leaves half the screen empty."""
    account_id = _typical(demo_ws)
    app = create_app(demo_ws, poll=False, rescore=False)
    async with app.run_test(size=(160, 45)) as pilot:
        screen = AccountScreen(account_id)
        await app.push_screen(screen)
        await pilot.pause()
        for column in screen.query(".account-column"):
            column.styles.width = "50%"
        screen.query_one("#account-body").styles.layout = "vertical"
        await pilot.pause()
        assert _empty_share(screen) > 0.3
