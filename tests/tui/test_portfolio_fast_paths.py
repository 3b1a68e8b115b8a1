"""The paths that keep the portfolio instant at 50k rows still show the right things."""

from __future__ import annotations

import pytest
from rich.text import Text

from cstui.app import CSApp, create_app
from cstui.domain.portfolio import SummaryTotals
from cstui.sanitize import fit_cells
from cstui.screens import portfolio as portfolio_screen
from cstui.widgets.account_table import AccountTable
from cstui.widgets.filter_input import FilterInput
from cstui.workspace import Workspace


def _app(ws: Workspace) -> CSApp:
    ws.refresh_health()
    return create_app(ws, poll=False, rescore=False)


def test_totals_added_in_slices_equal_one_pass(demo_ws: Workspace) -> None:
    demo_ws.refresh_health()
    rows = demo_ws.portfolio()
    totals = SummaryTotals()
    for start in range(0, len(rows), 7):
        totals.add(rows[start : start + 7])
    assert totals.result() == demo_ws.portfolio_summary(rows)  # one pass
    assert totals.result().accounts == len(rows)


def test_plain_cells_are_cut_with_an_ellipsis_or_padded_in_cells() -> None:
    assert fit_cells("Acme", 6, "left") == "Acme  "
    assert fit_cells("42", 5, "right") == "   42"
    assert fit_cells("Verdant Engineering", 8, "left") == "Verdant…"
    # Japanese takes two cells a character: never more than the width.
    fitted = fit_cells("株式会社信濃アグリ", 9, "left")
    assert fitted.startswith("株式会社")
    assert fitted.endswith("…")
    assert Text(fitted).cell_len == 9


async def test_styled_cells_keep_their_colour_and_rows_their_width(demo_ws: Workspace) -> None:
    app = _app(demo_ws)
    async with app.run_test(size=(120, 40)):
        table = app.screen.query_one(AccountTable)
        red = next(i for i, r in enumerate(table.rows) if r.band == "red")
        width = table.scrollable_content_region.width
        strip = table._render_row(table.rows[red], width, False)
        assert strip.cell_length == width
        bar = next(s for s in strip if "█" in s.text or "▌" in s.text)
        assert bar.style is not None
        assert bar.style.color is not None
        assert bar.style.color.name == "red"
        assert bar.style.bgcolor == table.rich_style.bgcolor  # on the row's background


async def test_big_lists_get_their_header_kpis_after_the_frame(
    demo_ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(portfolio_screen, "SUMMARY_SLICE", 5)  # 60 rows: the sliced path
    app = _app(demo_ws)
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.screen.query_one(AccountTable)
        await pilot.press("slash", *"tier:high")
        await app.workers.wait_for_complete()
        await pilot.pause()
        expected = demo_ws.portfolio_summary(list(table.rows))
        assert len(table.rows) > 5
        shown = str(app.screen.query_one("#portfolio-summary").render())
        assert f"Accounts {expected.accounts} " in shown


async def test_a_long_filter_scrolls_inside_its_line(demo_ws: Workspace) -> None:
    app = _app(demo_ws)
    async with app.run_test(size=(80, 24)) as pilot:
        box = app.screen.query_one("#portfolio-filter", FilterInput)
        line = ("owner:me " * 12).strip()
        await pilot.press("slash")
        # All but the last key set at once (107 keystrokes cost seconds); the last is typed,
        # as the view follows the cursor that typing moves.
        box.value = line[:-1]
        await pilot.press(line[-1])
        await pilot.pause()
        assert box.value == line
        assert box.scroll_offset.x > 0  # the cursor end stays in view
        assert box.size.height == 1
