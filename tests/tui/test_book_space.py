"""The book screens' tables size their columns to what they hold (renewals, KPIs, requests).

Measured in terminal cells: a Japanese character is two. A value that fits the screen is
never cut with "…" while another column holds empty cells, and the name column takes what
is left, but no more than its longest name needs.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from rich.cells import cell_len
from rich.text import Text

from cstui import clock
from cstui.app import CSApp, create_app
from cstui.screens.kpis import KPIScreen
from cstui.screens.renewals import RenewalsScreen
from cstui.screens.requests import RequestsScreen
from cstui.widgets.account_table import AccountTable
from cstui.workspace import Workspace
from tests.conftest import TODAY

SIZES = [("en", (160, 45)), ("ja", (160, 45)), ("en", (80, 24)), ("ja", (80, 24))]


@pytest.fixture(scope="module")
def book_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """300 accounts: months whose amounts in two currencies read "¥21.4M + $250k"."""
    from cstui.demo.build import build_demo

    clock.freeze(TODAY)
    target = tmp_path_factory.mktemp("book") / "data"
    build_demo(target, accounts=300, seed=1, user="me")
    clock.freeze(None)
    return target


@pytest.fixture
def book_ws(book_dir: Path, tmp_path: Path) -> Iterator[Workspace]:
    target = tmp_path / "data"
    shutil.copytree(book_dir, target)
    ws = Workspace.open(target, user="me")
    yield ws
    ws.close()


def _app(ws: Workspace, lang: str) -> CSApp:
    ws.refresh_health()
    return create_app(ws, lang=lang, poll=False, rescore=False)


S = TypeVar("S")


async def _opened(app: CSApp, pilot: Any, key: str, kind: type[S]) -> S:
    """The book screen ``key`` opens, once its rows are in."""
    await pilot.pause()
    await pilot.press(key)
    await app.workers.wait_for_complete()
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, kind)
    assert getattr(screen, "rows", None)
    return screen


def _plain(content: str | Text) -> str:
    return content if isinstance(content, str) else content.plain


def _layout(table: AccountTable[Any]) -> list[tuple[Any, int]]:
    return table._columns_for(table.scrollable_content_region.width)


def _lines(table: AccountTable[Any]) -> list[str]:
    """Every row as drawn (not only those on screen), the header first."""
    width = table.scrollable_content_region.width
    rows = [table._line(i, width).text for i in range(len(table.rows))]
    return [table.render_line(0).text, *rows]


def assert_nothing_cut(
    table: AccountTable[Any], *, name: str | None = None, room: bool = False
) -> None:
    """No header and no value is cut, the ``name`` column aside (it takes what is left:
    never more than its longest value, and only less when the screen has no more; with
    ``room``, the screen has enough for every name). Longest among the rows the table is
    sized from: a month's renewals are sized from every month's, so columns stay put."""
    layout = _layout(table)
    width = table.scrollable_content_region.width
    lines = _lines(table)
    assert "…" not in lines[0], lines[0]
    for row, line in zip(table.rows, lines[1:], strict=True):
        assert cell_len(line) == width
        for col, w in layout:
            value = _plain(col.cell(row))
            if col.key != name:
                assert cell_len(value) <= w, (col.key, value, w)
                assert value in line, (col.key, value, line)
    if name is None:
        assert not any(line.rstrip().endswith("…") for line in lines), lines
        return
    widths = dict((c.key, w) for c, w in layout)
    column = next(c for c, _ in layout if c.key == name)
    sized = table.sized_rows
    longest = max([cell_len(_plain(column.cell(r))) for r in sized] + [cell_len(column.label)])
    assert widths[name] <= longest  # no blank column of a name
    if room:
        assert widths[name] == longest
        return
    others = sum(w for k, w in widths.items() if k != name) + len(widths) - 1
    # Shorter than its longest name only when every other column has just what it needs.
    assert widths[name] == longest or widths[name] == width - others


@pytest.mark.parametrize(("lang", "size"), SIZES)
async def test_renewals_columns_hold_their_values_and_the_account_what_is_left(
    book_ws: Workspace, lang: str, size: tuple[int, int]
) -> None:
    app = _app(book_ws, lang)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        await pilot.press("N")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, RenewalsScreen)
        months = screen.month_table
        # Every month's amounts whole ("¥21.4M + $2…" before), on as many columns as fit.
        assert_nothing_cut(months)
        shown = [c.key for c, _ in _layout(months)]
        assert {"month", "due", "kept"} <= set(shown)
        # Each month's renewals: whole values (イエロー, not イエロ…), and an account
        # column as wide as its longest name at 160 columns, not ~95 cells of blank.
        wide = size[0] == 160
        if wide:
            assert len(shown) == 9
        await pilot.press("home")
        for month in screen.months:
            await pilot.pause()
            assert screen.month is month
            assert list(screen.list_table.rows) == month.renewals
            assert_nothing_cut(screen.list_table, name="name", room=wide)
            if wide:
                assert len(_layout(screen.list_table)) == 6  # every column shown
            await pilot.press("j")


@pytest.mark.parametrize(("lang", "size"), SIZES)
async def test_kpi_names_are_whole_beside_their_explanation(
    demo_ws: Workspace, lang: str, size: tuple[int, int]
) -> None:
    """平均 価値実感までの期間（TTV） is 30 cells: it was cut while the explanation beside it,
    the column that takes what is left, held blank cells."""
    app = _app(demo_ws, lang)
    async with app.run_test(size=size) as pilot:
        screen = await _opened(app, pilot, "M", KPIScreen)
        assert_nothing_cut(screen.table, name="note")


@pytest.mark.parametrize(("lang", "size"), SIZES)
async def test_request_titles_are_whole_when_the_screen_has_room(
    demo_ws: Workspace, lang: str, size: tuple[int, int]
) -> None:
    """At 80 columns a title was cut beside a Shipped column of 8 cells holding ✓."""
    app = _app(demo_ws, lang)
    async with app.run_test(size=size) as pilot:
        screen = await _opened(app, pilot, "F", RequestsScreen)
        assert_nothing_cut(screen.table, name="title", room=True)
        titles = [r.ranked.request.title for r in screen.rows]
        assert all(
            title in line for title, line in zip(titles, _lines(screen.table)[1:], strict=True)
        )


@pytest.mark.parametrize(("lang", "size"), SIZES)
async def test_due_reviews_give_the_account_only_what_its_names_need(
    book_ws: Workspace, lang: str, size: tuple[int, int]
) -> None:
    """At 160 columns the Account column of the QBRs due was ~110 blank cells."""
    from cstui.screens.qbrs_due import QBRsDueScreen

    app = _app(book_ws, lang)
    async with app.run_test(size=size) as pilot:
        screen = await _opened(app, pilot, "Q", QBRsDueScreen)
        assert_nothing_cut(screen.table, name="name")
