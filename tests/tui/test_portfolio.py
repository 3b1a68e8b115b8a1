"""Portfolio interactions: filter terms, errors, views, palette, KPIs; asserting data."""

from __future__ import annotations

import re

import pytest
from textual.geometry import Region
from textual.widgets import Input, Static

from cstui.app import CSApp, create_app
from cstui.domain.filters import FLAG_LETTERS, parse
from cstui.screens.portfolio import PortfolioScreen
from cstui.widgets.account_table import AccountTable
from cstui.workspace import Workspace


def _app(ws: Workspace) -> CSApp:
    ws.refresh_health()
    return create_app(ws, poll=False, rescore=False)


def _static_text(app: CSApp, selector: str) -> str:
    widget = app.screen.query_one(selector)
    return str(widget.render())


async def test_filter_terms_narrow_as_you_type(demo_ws: Workspace) -> None:
    app = _app(demo_ws)
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.screen.query_one(AccountTable)
        await pilot.press("slash", *"band:red")
        expected = {r.id for r in demo_ws.portfolio() if r.band == "red"}
        assert expected
        assert {r.id for r in table.rows} == expected
        await pilot.press(*" tier:tech")
        assert {r.id for r in table.rows} == {
            r.id for r in demo_ws.portfolio() if r.band == "red" and r.tier.value == "tech"
        }
        # The header KPIs describe what is shown.
        summary = demo_ws.portfolio_summary(list(table.rows))
        assert f"Accounts {summary.accounts}" in _static_text(app, "#portfolio-summary")


async def test_unknown_term_is_shown_and_the_rest_still_applies(demo_ws: Workspace) -> None:
    app = _app(demo_ws)
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.screen.query_one(AccountTable)
        box = app.screen.query_one("#portfolio-filter", Input)
        await pilot.press("slash")
        box.value = "owner:me colour:red"  # set: typing is what the test above checks
        await pilot.pause()
        error = app.screen.query_one("#portfolio-filter-error")
        assert error.display
        assert "Unknown filter 'colour:'" in _static_text(app, "#portfolio-filter-error")
        assert {r.id for r in table.rows} == {r.id for r in demo_ws.portfolio() if r.owner == "me"}
        box.value = "owner:me "
        await pilot.pause()
        assert not error.display


async def test_a_filter_error_is_in_japanese_under_ja(demo_ws: Workspace) -> None:
    demo_ws.refresh_health()
    app = create_app(demo_ws, lang="ja", poll=False, rescore=False)
    async with app.run_test(size=(120, 40)) as pilot:
        box = app.screen.query_one("#portfolio-filter", Input)
        await pilot.press("slash")
        for text, expected in (
            ("health>", "「health>」の「>」の後に数値を書いてください。"),
            ("flag:x", "「flag:x」はフラグではありません。"),
        ):
            box.value = text
            await pilot.pause()
            shown = _static_text(app, "#portfolio-filter-error")
            assert expected in shown
            assert "needs" not in shown
            assert "is not a" not in shown


@pytest.mark.parametrize("lang", ["en", "ja"])
async def test_a_flag_error_keeps_each_letter_with_its_name(demo_ws: Workspace, lang: str) -> None:
    """At 80 columns the list of flags broke "E touchpoint-missed" into "E" and the name."""
    demo_ws.refresh_health()
    app = create_app(demo_ws, lang=lang, poll=False, rescore=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("slash")
        app.screen.query_one("#portfolio-filter", Input).value = "flag:x"
        await pilot.pause()
        error = app.screen.query_one("#portfolio-filter-error")
        lines = [
            strip.text.replace("\u00a0", " ").strip()
            for strip in error.render_lines(Region(0, 0, error.size.width, error.size.height))
        ]
        assert len([line for line in lines if line]) > 1  # it does wrap at 80 columns
        for name, letter in FLAG_LETTERS.items():
            assert any(f"{letter} {name}" in line for line in lines), (letter, lines)
        assert not any(re.search(r"(^|, )[A-Z]$", line) for line in lines), lines


async def test_japanese_free_text_and_renewal_term(demo_ws: Workspace) -> None:
    app = _app(demo_ws)
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.screen.query_one(AccountTable)
        await pilot.press("slash")
        app.screen.query_one("#portfolio-filter", Input).value = "株式会社 renewal<90d"
        await pilot.pause()
        query = parse("株式会社 renewal<90d")
        screen = app.screen
        assert isinstance(screen, PortfolioScreen)
        assert [r.id for r in table.rows] == [r.id for r in query.apply(screen.sorted_rows())]
        assert table.rows
        assert all("株式会社" in r.name for r in table.rows)
        assert all(r.days_to_renewal is not None and r.days_to_renewal < 90 for r in table.rows)


async def test_enter_opens_the_account_and_escape_returns(demo_ws: Workspace) -> None:
    app = _app(demo_ws)
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.screen.query_one(AccountTable)
        await pilot.press("down")
        chosen = table.current_id
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen.__class__.__name__ == "AccountScreen"
        assert app.screen.account_id == chosen  # type: ignore[attr-defined]
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, PortfolioScreen)
        assert app.screen.query_one(AccountTable).current_id == chosen


async def test_save_and_apply_a_view(demo_ws: Workspace) -> None:
    app = _app(demo_ws)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("slash", *"tier:high", "enter", "r")
        await pilot.press("V")
        await pilot.pause()
        await pilot.press(*"Big ones", "enter")
        await pilot.pause()
        saved = [v for v in demo_ws.views() if v.name == "Big ones"]
        assert saved
        assert saved[0].filter == "tier:high"
        assert saved[0].reverse
        # Back to all, then apply the saved view through the picker.
        screen = app.screen
        assert isinstance(screen, PortfolioScreen)
        screen.apply_view(demo_ws.views()[0])
        await pilot.pause()
        assert len(screen.query_one(AccountTable).rows) == 60
        await pilot.press("v")
        await pilot.pause()
        await pilot.press("end", "enter")
        await pilot.pause()
        assert screen.query_text == "tier:high"
        rows = screen.query_one(AccountTable).rows
        assert rows
        assert all(r.tier.value == "high" for r in rows)


async def test_palette_jumps_to_an_account_by_japanese_name(demo_ws: Workspace) -> None:
    target = next(a for a in demo_ws.accounts() if "株式会社" in a.name)
    needle = target.name.replace("株式会社", "")[:3]
    app = _app(demo_ws)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*needle)
        await pilot.pause(0.5)
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen.__class__.__name__ == "AccountScreen"
        opened = demo_ws.account(app.screen.account_id)  # type: ignore[attr-defined]
        assert opened is not None
        assert needle in opened.name


async def test_health_is_rescored_when_inputs_change(demo_ws: Workspace) -> None:
    app = create_app(demo_ws, poll=False, rescore=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await app.workers.wait_for_complete()
        row = next(r for r in demo_ws.portfolio() if r.health is not None and r.health < 90)
        demo_ws.set_rating(row.id, stars=5, reason="Exec sponsor renewed verbally")
        await pilot.pause()
        table = app.screen.query_one(AccountTable)
        shown = next(r for r in table.rows if r.id == row.id)
        assert shown.health == 90
        assert shown.band == "green"


async def test_an_empty_result_says_nothing_matched(demo_ws: Workspace) -> None:
    app = _app(demo_ws)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("slash", *"zzzqqq")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, PortfolioScreen)
        notice = screen.query_one("#portfolio-filter-error", Static)
        assert notice.display
        assert "No accounts match 'zzzqqq'" in str(notice.content)
        await pilot.press(*["backspace"] * 6)
        await pilot.pause()
        assert not notice.display


async def test_the_cursor_stays_in_view_when_a_filter_error_takes_a_line(
    demo_ws: Workspace,
) -> None:
    """A filter error's line makes the table one line shorter: the cursor on the last line
    shown was left just below the view, and Enter opened an account nobody could see."""
    app = _app(demo_ws)
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.screen.query_one(AccountTable)
        await pilot.pause()
        shown = table.size.height - 1  # the header takes a line
        await pilot.press(*["j"] * (shown - 1))  # the last line shown
        assert table.cursor == shown - 1
        assert table.scroll_offset.y == 0
        await pilot.press("slash", *"health>")
        await pilot.pause()
        await pilot.pause()
        assert app.screen.query_one("#portfolio-filter-error").display
        assert table.size.height - 1 < shown  # the error's line came out of the table
        top = table.scroll_offset.y
        assert top <= table.cursor < top + table.size.height - 1
