"""The ``?`` panel lists the keys that work where the user is, each with its words, in the
UI language; Escape closes it; every footer keeps one way to it; at 80x24 all of it can be
reached from the keyboard."""

from __future__ import annotations

import re
from typing import Any, cast

import pytest
from textual.containers import VerticalScroll
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Markdown
from textual.widgets._footer import FooterKey

from cstui.app import CSApp, create_app
from cstui.i18n import t
from cstui.screens.account import AccountScreen
from cstui.screens.portfolio import PortfolioScreen
from cstui.screens.today import TodayScreen
from cstui.screens.views import ViewPicker
from cstui.ui.footer import HELP_ACTIONS, PALETTE_CLASS, KeyFooter
from cstui.ui.forms import FormScreen
from cstui.ui.help import KeysTable, key_sections
from cstui.workspace import Workspace


def _app(ws: Workspace, lang: str = "en") -> CSApp:
    return create_app(ws, lang=lang, poll=False, rescore=False)


async def _settle(pilot: Any, times: int = 4) -> None:
    for _ in range(times):
        await pilot.pause()


def _listed(screen: Screen[Any]) -> list[tuple[str, str, str]]:
    """(key, description, tooltip) of every line the panel lists on ``screen``."""
    return [
        (active.binding.key, active.binding.description, active.binding.tooltip)
        for sections in key_sections(screen).values()
        for section in sections
        for active in section
    ]


def _panel_text(app: CSApp) -> str:
    """What the open panel's key tables draw, one line per key."""
    tables = [table for table in app.screen.query(KeysTable) if table.display]
    assert tables, "the panel is not open"
    return "\n".join(
        " ".join(line.text.split())
        for table in tables
        for line in table.render_lines(table.region.reset_offset)
    )


def _has_panel(screen: Screen[Any]) -> bool:
    return bool(screen.query("HelpPanel"))


def _footer_help_keys(screen: Screen[Any]) -> list[str]:
    """The help keys a screen's footer shows."""
    footer = screen.query_one(KeyFooter)
    return [
        k.key
        for k in footer.query_children(FooterKey)
        if k.display and not k.has_class(PALETTE_CLASS) and k.action in HELP_ACTIONS
    ]


def _footer_escape(screen: Screen[Any]) -> str:
    """What the footer says Escape does."""
    footer = screen.query_one(KeyFooter)
    keys = [k for k in footer.query_children(FooterKey) if k.display and k.key == "escape"]
    return keys[0].description if keys else ""


# ------------------------------------------------------------------ 1. only keys that work


async def test_today_g_and_capital_g_go_to_the_first_and_last_line(demo_ws: Workspace) -> None:
    """They were listed ("g First", "G Last") but were the tables' keys: nothing moved."""
    app = _app(demo_ws)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("t")
        await _settle(pilot)
        screen = app.screen
        assert isinstance(screen, TodayScreen)
        lines = screen.lines
        enabled = [i for i, option in enumerate(lines.options) if not option.disabled]
        assert len(enabled) > 2
        await pilot.press("G")
        await _settle(pilot)
        assert lines.highlighted == enabled[-1]
        await pilot.press("g")
        await _settle(pilot)
        assert lines.highlighted == enabled[0]
        await pilot.press("end", "home")  # the same as End and Home
        await _settle(pilot)
        assert lines.highlighted == enabled[0]
        await pilot.press("question_mark")
        await _settle(pilot)
        text = _panel_text(app)
        assert "home g First" in text
        assert "end G Last" in text
        assert "pgdn Page down" in text
        assert "↓ j Down" in text
        # Nothing scrolls sideways on Today: the option list's keys for it are not listed.
        for dead in ("Scroll Left", "Scroll Right", "Page Left", "Page Right"):
            assert dead not in text


@pytest.mark.parametrize("lang", ["en", "ja"])
async def test_today_j_and_k_have_one_binding_listed_once_with_the_arrows(
    demo_ws: Workspace, lang: str
) -> None:
    """Today's list bound j and k itself, under the screen's priority cursor keys that
    always took them first: two definitions of one key, one of them dead."""
    app = _app(demo_ws, lang)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("t")
        await _settle(pilot)
        screen = app.screen
        assert isinstance(screen, TodayScreen)
        for letter in "jk":
            bound = [
                binding
                for _, bindings in screen._modal_binding_chain
                for key, binding in bindings
                if key == letter
            ]
            assert len(bound) == 1, (letter, bound)
        # They work: j moves down a line, k back up.
        first = screen.current
        await pilot.press("j")
        await _settle(pilot)
        assert screen.current is not first
        await pilot.press("k")
        await _settle(pilot)
        assert screen.current is first
        await pilot.press("question_mark")
        await _settle(pilot)
        lines = _panel_text(app).splitlines()
        for arrow, letter in (("↓", "j"), ("↑", "k")):
            with_letter = [line for line in lines if letter in line.split()]
            assert len(with_letter) == 1, with_letter
            assert with_letter[0].startswith(f"{arrow} {letter} "), with_letter


async def test_o_is_listed_and_acts_on_the_overview_only(demo_ws: Workspace) -> None:
    account_id = next(a.id for a in demo_ws.accounts() if demo_ws.onboarding(a.id) is not None)
    app = _app(demo_ws)
    async with app.run_test(size=(140, 45)) as pilot:
        screen = AccountScreen(account_id)
        await app.push_screen(screen)
        await _settle(pilot)
        await pilot.press("question_mark")
        await _settle(pilot)
        words = t("key.account.full_text")
        assert f"o {words}" in _panel_text(app)
        for digit in ("2", "5"):  # Onboarding, Tasks
            await pilot.press(digit)
            await _settle(pilot)
            assert "o" not in screen.active_bindings
            assert words not in _panel_text(app)
            await pilot.press("o")
            await _settle(pilot)
            assert screen.full_text is False
        await pilot.press("1")
        await _settle(pilot)
        assert f"o {words}" in _panel_text(app)
        await pilot.press("o")
        await _settle(pilot)
        assert screen.full_text is True


async def test_every_key_listed_has_its_words(demo_ws: Workspace) -> None:
    """The portfolio's Enter, Today's cursor keys, the lists' j and k, the success plan's
    arrows: listed with nothing beside them."""
    app = _app(demo_ws)
    async with app.run_test(size=(160, 45)) as pilot:
        await _settle(pilot)
        seen: list[str] = []

        async def check(where: str) -> None:
            await _settle(pilot)
            bare = [key for key, words, _ in _listed(app.screen) if not words]
            assert bare == [], where
            seen.append(where)

        await check("portfolio")
        assert ("enter", t("key.book.open"), "") in _listed(app.screen)
        await pilot.press("slash")
        await check("filter")
        await pilot.press("escape", "v")
        await check("views")
        await pilot.press("escape", "t")
        await check("today")
        await pilot.press("escape", "enter")
        for digit in "123456":
            await pilot.press(digit)
            await check(f"account tab {digit}")
        assert len(seen) == 10


# ------------------------------------------------------------------ 2. in Japanese


async def test_japanese_panel_has_no_english_sentence(demo_ws: Workspace) -> None:
    """Textual's quit key came with its English tooltip."""
    app = _app(demo_ws, "ja")
    async with app.run_test(size=(160, 45)) as pilot:
        await _settle(pilot)
        await pilot.press("question_mark")
        await _settle(pilot)
        assert _has_panel(app.screen)
        english = [
            text
            for _, words, tooltip in _listed(app.screen)
            for text in (words, tooltip)
            if re.search(r"[a-z]{3,}", text)
        ]
        assert english == []
        text = _panel_text(app)
        assert "Quit the app" not in text
        # Wherever the lines break (the kinsoku wrap keeps コマンドプロンプト whole).
        assert "アプリを終了してコマンドプロンプトに戻ります。" in text.replace("\n", "")


# ------------------------------------------------------------------ 3. a way to the keys


async def _open_views(app: CSApp, pilot: Pilot[None]) -> ViewPicker:
    """The views dialog, opened with ``v`` from the portfolio."""
    await _settle(pilot)
    await pilot.press("v")
    await _settle(pilot)
    dialog = app.screen
    assert isinstance(dialog, ViewPicker)
    return dialog


async def test_the_views_dialog_offers_the_keys(demo_ws: Workspace) -> None:
    app = _app(demo_ws)
    async with app.run_test(size=(160, 45)) as pilot:
        dialog = await _open_views(app, pilot)
        assert _footer_help_keys(dialog) == ["question_mark"]
        await pilot.press("question_mark")
        await _settle(pilot)
        assert app.screen is dialog
        assert _has_panel(dialog)
        text = _panel_text(app)
        assert f"e {t('key.views.rename')}" in text
        assert "j Down" in text


async def test_the_views_dialog_lists_letter_and_arrow_keys_together(demo_ws: Workspace) -> None:
    """j/k/g/G were the dialog's own keys (another action), listed apart from ↓/↑/Home/End."""
    app = _app(demo_ws)
    async with app.run_test(size=(160, 45)) as pilot:
        dialog = await _open_views(app, pilot)
        await pilot.press("j", "j")
        await _settle(pilot)
        assert dialog.current is dialog.views[2]
        await pilot.press("G")
        await _settle(pilot)
        assert dialog.current is dialog.views[-1]
        await pilot.press("k", "g")
        await _settle(pilot)
        assert dialog.current is dialog.views[0]
        await pilot.press("question_mark")
        await _settle(pilot)
        lines = _panel_text(app).splitlines()
        for together in ("↑ k Up", "↓ j Down", "home g First", "end G Last"):
            assert together in lines, together
        assert [line for line in lines if line in ("j Down", "k Up", "g First", "G Last")] == []


@pytest.mark.parametrize("lang", ["en", "ja"])
async def test_a_form_shows_one_help_key_and_it_works(demo_ws: Workspace, lang: str) -> None:
    """Under a form (its text field takes "?") the footer said "? Keys  F1 Keys"."""
    app = _app(demo_ws, lang)
    async with app.run_test(size=(160, 45)) as pilot:
        await _settle(pilot)
        portfolio = app.screen
        await pilot.press("V")
        await _settle(pilot)
        form = app.screen
        assert isinstance(form, FormScreen)
        assert _footer_help_keys(portfolio) == ["f1"]
        await pilot.press("f1")
        await _settle(pilot)
        assert _has_panel(form)
        await pilot.press("escape")  # the panel first
        await _settle(pilot)
        assert app.screen is form
        assert not _has_panel(form)
        await pilot.press("escape")  # then the form
        await _settle(pilot)
        assert app.screen is portfolio
        assert _footer_help_keys(portfolio) == ["question_mark"]


# ------------------------------------------------------------------ 4. Escape closes it


async def test_escape_closes_the_panel_before_the_screens_own_escape(demo_ws: Workspace) -> None:
    app = _app(demo_ws)
    async with app.run_test(size=(120, 40)) as pilot:
        await _settle(pilot)
        portfolio = app.screen
        await pilot.press("question_mark")
        await _settle(pilot)
        assert _has_panel(portfolio)
        await pilot.press("escape")
        await _settle(pilot)
        assert not _has_panel(portfolio)
        # In the filter, whose Escape goes back to the table.
        await pilot.press("slash", "f1")
        await _settle(pilot)
        assert _has_panel(portfolio)
        await pilot.press("escape")
        await _settle(pilot)
        assert not _has_panel(portfolio)
        assert app.focused is not None
        assert app.focused.id == "portfolio-filter"
        await pilot.press("escape")
        await _settle(pilot)
        # Today, whose Escape goes back.
        await pilot.press("t", "question_mark")
        await _settle(pilot)
        today = app.screen
        assert isinstance(today, TodayScreen)
        assert _has_panel(today)
        assert _footer_escape(today) == t("key.help.close")  # the footer says so
        await pilot.press("escape")
        await _settle(pilot)
        assert app.screen is today
        assert not _has_panel(today)
        assert _footer_escape(today) == t("key.today.back")
        await pilot.press("escape")
        await _settle(pilot)
        assert app.screen is portfolio


async def test_a_panel_does_not_come_back_with_its_screen(demo_ws: Workspace) -> None:
    app = _app(demo_ws)
    async with app.run_test(size=(120, 40)) as pilot:
        await _settle(pilot)
        portfolio = app.screen
        assert isinstance(portfolio, PortfolioScreen)
        await pilot.press("question_mark", "enter")  # the keys, then an account
        await _settle(pilot)
        assert isinstance(app.screen, AccountScreen)
        assert not _has_panel(app.screen)
        await pilot.press("escape")
        await _settle(pilot)
        back = cast(object, app.screen)  # not narrowed by the assertion above
        assert back is portfolio
        assert not _has_panel(portfolio)
        # Closed over a dialog, it is closed under it too.
        await pilot.press("question_mark", "v")
        await _settle(pilot)
        assert _has_panel(portfolio)  # a dialog leaves the screen below as it was
        await pilot.press("question_mark")
        await _settle(pilot)
        await pilot.press("question_mark")  # closed in the dialog
        await _settle(pilot)
        await pilot.press("escape")
        await _settle(pilot)
        back = cast(object, app.screen)  # not narrowed by the assertion above
        assert back is portfolio
        assert not _has_panel(portfolio)


# ------------------------------------------------------------------ 5. at 80x24


async def test_the_whole_panel_is_reachable_at_80x24(demo_ws: Workspace) -> None:
    """The screen's keys come first, then the flag letters and filter terms, then the
    cursor keys and the app's; ^↓ and ⇧↑ scroll it (it takes no focus)."""
    app = _app(demo_ws)
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(pilot)
        await pilot.press("question_mark")
        await _settle(pilot)
        screen = app.screen
        column = screen.query_one("#keys-column", VerticalScroll)
        own = screen.query_one("#keys-screen", KeysTable)
        flags = screen.query_one("#widget-help", Markdown)
        rest = screen.query_one("#keys-other", KeysTable)
        shown = column.scrollable_content_region
        assert own.region.y >= shown.y  # "/ Filter", "s Sort"...: on screen at once
        assert own.region.bottom <= shown.bottom
        assert own.region.y < flags.region.y < rest.region.y
        assert "Filter" in _panel_text(app)
        assert column.max_scroll_y > 0  # more than fits
        focused = app.focused
        for _ in range(10):
            await pilot.press("ctrl+down")
            await _settle(pilot, 2)
        assert column.scroll_y == column.max_scroll_y
        assert rest.region.bottom <= column.scrollable_content_region.bottom + 1
        assert app.focused is focused  # the table keeps the focus
        await pilot.press("shift+up")
        await _settle(pilot, 2)
        assert column.scroll_y < column.max_scroll_y
        await pilot.press("escape")
        await _settle(pilot)
        assert not _has_panel(screen)
        await pilot.press("ctrl+down")  # no panel: the key is not taken
        await _settle(pilot, 2)
        assert isinstance(app.screen, PortfolioScreen)


@pytest.mark.parametrize("lang", ["en", "ja"])
async def test_the_timelines_o_is_listed_with_the_tabs_keys_on_the_first_page(
    demo_ws: Workspace, lang: str
) -> None:
    """The Timeline's o (whole summaries) is the pane's, not the screen's: it was listed
    with the widgets' keys, after the list's ten cursor keys, past the panel's edge at 80x24
    (where a user reading ``?`` found it missing)."""
    from cstui.widgets.timeline import TimelinePane

    account = next(a for a in demo_ws.accounts() if demo_ws.activities(a.id))
    app = _app(demo_ws, lang)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = AccountScreen(account.id)
        await app.push_screen(screen)
        await _settle(pilot)
        await pilot.press("4")
        await _settle(pilot)
        assert screen.query_one(TimelinePane).has_focus_within
        words = t("key.account.full_text")
        screen_part = [
            (a.binding.key, a.binding.description)
            for section in key_sections(screen)["screen"]
            for a in section
        ]
        assert ("o", words) in screen_part
        await pilot.press("question_mark")
        await _settle(pilot)
        column = app.screen.query_one("#keys-column", VerticalScroll)
        assert column.scroll_y == 0
        panel = app.screen.query_one("#keys-screen", KeysTable)
        line = next(
            i
            for i, strip in enumerate(panel.render_lines(panel.region.reset_offset))
            if f"o {words}" in " ".join(strip.text.split())
        )
        assert panel.region.y + line < column.region.bottom  # on screen without scrolling
        await pilot.press("escape")
        await _settle(pilot)
        await pilot.press("o")  # and it works
        await _settle(pilot)
        assert screen.query_one(TimelinePane).full
