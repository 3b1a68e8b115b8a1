"""The portfolio's table is never wider than itself: its columns are laid out for the width
it has, whether its vertical scrollbar shows or not, so nothing scrolls sideways.

Its scrollable width was read from the table before a new row count showed or hid the
scrollbar: after a filter narrowed the book to a few rows (no scrollbar) and was cleared
(scrollbar back), the table was 2 cells narrower than its scrollable width, at every
terminal width. Textual then drew a horizontal scrollbar over the table's last row.
"""

from __future__ import annotations

from typing import Any

import pytest
from rich.cells import cell_len
from textual.app import App, ComposeResult
from textual.widgets import Input

from cstui import i18n
from cstui.app import create_app
from cstui.domain.portfolio import PortfolioRow
from cstui.screens.portfolio import portfolio_columns
from cstui.widgets.account_table import AccountTable
from cstui.workspace import Workspace

HEIGHT = 12
"""Three rows fit without a scrollbar; the whole demo book does not."""


class OneTable(App[None]):
    """The portfolio's table alone, with the portfolio's columns and rows."""

    def __init__(self, rows: list[PortfolioRow]) -> None:
        super().__init__()
        self.rows = rows

    def compose(self) -> ComposeResult:
        yield AccountTable[PortfolioRow](portfolio_columns(), id="table")


def _fits(table: AccountTable[Any], width: int) -> None:
    """Nothing of the table lies past its right edge, and the header shows its last
    column's label whole at that edge."""
    region = table.scrollable_content_region.width
    assert not table.show_horizontal_scrollbar, width
    assert table.virtual_size.width <= region, width
    header = table.render_line(0).text
    assert cell_len(header) == region, width
    last = table._columns_for(region)[-1][0].label
    assert header.rstrip().endswith(last), (width, header)


@pytest.mark.slow  # 141 widths, twice each: a long Pilot session
@pytest.mark.parametrize("lang", ["en", "ja"])
async def test_the_table_fits_every_width_as_its_scrollbar_comes_and_goes(
    demo_ws: Workspace, lang: str
) -> None:
    i18n.set_language(lang)
    rows = demo_ws.portfolio()
    assert len(rows) > HEIGHT
    app = OneTable(rows)
    async with app.run_test(size=(60, HEIGHT)) as pilot:
        table = app.query_one(AccountTable)
        for width in range(60, 201):
            await pilot.resize_terminal(width, HEIGHT)
            table.set_rows(rows[:3])
            await pilot.pause()
            assert not table.show_vertical_scrollbar
            _fits(table, width)
            table.set_rows(rows)
            await pilot.pause()
            assert table.show_vertical_scrollbar
            _fits(table, width)


@pytest.mark.parametrize("lang", ["en", "ja"])
async def test_a_cleared_filter_leaves_no_sideways_scrollbar_over_the_last_row(
    demo_ws: Workspace, lang: str
) -> None:
    demo_ws.refresh_health()
    app = create_app(demo_ws, lang=lang, poll=False, rescore=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        table = app.screen.query_one(AccountTable)
        box = app.screen.query_one("#portfolio-filter", Input)
        shown = table.scrollable_content_region.height
        box.value = "band:red"
        await pilot.pause()
        assert 0 < len(table.rows) < shown
        box.value = ""
        await pilot.pause()
        assert len(table.rows) > shown
        _fits(table, 80)
        # The rows reach the table's bottom: no scrollbar line took the last one.
        assert table.scrollable_content_region.height == shown
        await pilot.press("escape", "right")  # to the table; nothing to scroll to
        await pilot.pause()
        assert table.scroll_offset.x == 0
