"""The footer at 80 columns: every key shown is whole, nothing lies under the palette key,
``? Keys`` is always on screen, and the book screens show their own main keys."""

from __future__ import annotations

from textual.widgets import TabbedContent
from textual.widgets._footer import FooterKey

from cstui.app import CSApp, create_app
from cstui.i18n import t
from cstui.ui.footer import HELP_ACTIONS, PALETTE_CLASS, KeyFooter
from cstui.workspace import Workspace


def _app(ws: Workspace, lang: str) -> CSApp:
    ws.refresh_health()
    return create_app(ws, lang=lang, poll=False, rescore=False)


def _bottom_line(app: CSApp) -> str:
    return app.screen._compositor.render_strips()[-1].text


def _shown(app: CSApp) -> list[FooterKey]:
    footer = app.screen.query_one(KeyFooter)
    return [k for k in footer.query_children(FooterKey) if k.display]


def _assert_footer_whole(app: CSApp) -> None:
    footer = app.screen.query_one(KeyFooter)
    line = _bottom_line(app)
    palette = [k for k in _shown(app) if k.has_class(PALETTE_CLASS)]
    assert palette
    assert f"^p {t('key.palette')}" in line  # whole, not "コマ  ド"
    keys = [k for k in _shown(app) if not k.has_class(PALETTE_CLASS)]
    assert any(k.action in HELP_ACTIONS for k in keys)
    for key in keys:
        assert key.region.right <= palette[0].region.x, key.key  # nothing under it
        assert key.description in line  # every key shown is whole
    assert footer.region.right == 80


async def test_a_wide_palette_label_is_whole_at_80_columns_in_japanese(
    demo_ws: Workspace,
) -> None:
    app = _app(demo_ws, "ja")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.pause()
        assert "^p コマンド" in _bottom_line(app)
        _assert_footer_whole(app)
        await pilot.press("enter", "5")  # an account's Tasks tab
        await pilot.pause()
        await pilot.pause()
        assert app.screen.query_one("#account-tabs", TabbedContent).active == "tab-tasks"
        assert "^p コマンド" in _bottom_line(app)
        _assert_footer_whole(app)


async def test_the_footer_is_whole_at_80_columns_in_english(demo_ws: Workspace) -> None:
    app = _app(demo_ws, "en")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        _assert_footer_whole(app)
        await pilot.press("enter", "5")
        await pilot.pause()
        await pilot.pause()
        _assert_footer_whole(app)


async def _book_footers(ws: Workspace, lang: str) -> dict[str, str]:
    """Each book screen's bottom line at 80x24, checked whole, with ``? Keys`` and Enter."""
    app = _app(ws, lang)
    lines: dict[str, str] = {}
    async with app.run_test(size=(80, 24)) as pilot:
        for key in ("M", "N", "F", "Q", "t"):  # KPIs, renewals, requests, QBRs due, Today
            await pilot.press(key)
            await pilot.pause()
            await pilot.pause()
            _assert_footer_whole(app)
            actions = {k.action for k in _shown(app)}
            assert actions & HELP_ACTIONS, key
            enter = [k for k in _shown(app) if k.key == "enter"]
            assert enter, key
            lines[key] = _bottom_line(app)
            assert f"⏎ {enter[0].description}" in lines[key]
            await pilot.press("escape")
            await pilot.pause()
    return lines


async def test_every_book_screen_shows_enter_and_help_at_80_columns(
    demo_ws: Workspace,
) -> None:
    lines = await _book_footers(demo_ws, "en")
    assert "⏎ Open" in lines["Q"]  # the QBRs due list showed no Enter at all
    assert "⏎ Accounts" in lines["M"]
    assert "⏎ Open" in lines["F"]


async def test_every_book_screen_shows_enter_and_help_at_80_columns_in_japanese(
    demo_ws: Workspace,
) -> None:
    lines = await _book_footers(demo_ws, "ja")
    assert "⏎ 開く" in lines["Q"]
    assert all("? キー一覧" in line for line in lines.values())


async def test_enter_on_a_book_table_still_opens_its_row(demo_ws: Workspace) -> None:
    from cstui.screens.account import AccountScreen
    from cstui.screens.requests import RequestDetail

    app = _app(demo_ws, "en")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("F")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, RequestDetail)
        await pilot.press("escape", "escape", "N")
        await pilot.pause()
        await pilot.press("enter")  # a month: the list of its renewals takes the focus
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        await pilot.pause()
        assert isinstance(app.screen, AccountScreen)


def _footer_keys(app: CSApp) -> list[FooterKey]:
    footer = app.screen.query_one(KeyFooter)
    return [
        k for k in footer.query_children(FooterKey) if k.action and not k.has_class(PALETTE_CLASS)
    ]


async def test_a_tab_switch_writes_its_keys_into_the_footers_key_widgets(
    demo_ws: Workspace,
) -> None:
    """A switch that changes the keys reuses the footer's key widgets (a repaint, not ~15
    new widgets to mount and style); the footer then lists exactly the screen's keys, and a
    click on a key that came with the switch runs its action."""
    from cstui.ui.forms import FormScreen

    app = _app(demo_ws, "en")
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        await pilot.pause()
        before = _footer_keys(app)
        await pilot.press("5")  # Tasks: its own keys before the screen's
        await pilot.pause()
        await pilot.pause()
        after = _footer_keys(app)
        shared = min(len(before), len(after))
        assert after[:shared] == before[:shared]  # the same widgets
        wanted = {
            (key, binding.description)
            for key, (_, binding, _, _) in app.screen.active_bindings.items()
            if binding.show
        }
        assert {(k.key, k.description) for k in after} == wanted
        assert ("a", t("key.taskpane.add")) in wanted
        await pilot.press("1")  # fewer keys: the widgets left over are hidden, not removed
        await pilot.pause()
        await pilot.pause()
        footer = app.screen.query_one(KeyFooter)
        assert list(footer.query_children(FooterKey))[: len(after)] == after
        shown = {(k.key, k.description) for k in _shown(app) if not k.has_class(PALETTE_CLASS)}
        assert ("a", t("key.taskpane.add")) not in shown
        assert shown <= {(k.key, k.description) for k in _footer_keys(app)}
        spares = [k for k in footer.query(FooterKey) if not k.action]
        assert spares  # the overview has fewer keys than the tasks
        assert all(k.display is False for k in spares)
        await pilot.press("5")
        await pilot.pause()
        await pilot.pause()
        assert _footer_keys(app) == after
        add = next(k for k in after if k.action == "add")
        assert add.display
        await pilot.click(add)
        await pilot.pause()
        assert isinstance(app.screen, FormScreen)


async def test_the_filters_footer_says_how_to_leave_it_and_keeps_a_help_key(
    demo_ws: Workspace,
) -> None:
    """In the filter "?" and "/" are typed, so its footer shows Escape back to the table and
    F1 for the keys instead of "/ Filter"; both keys work, and leaving puts "/" back."""
    from textual.widgets import Input

    app = _app(demo_ws, "en")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("slash")
        await pilot.pause()
        await pilot.pause()
        keys = {k.key: k for k in _shown(app) if not k.has_class(PALETTE_CLASS)}
        assert "slash" not in keys
        assert "question_mark" not in keys
        assert keys["escape"].description == t("key.table")
        assert keys["f1"].action in HELP_ACTIONS
        _assert_footer_whole(app)
        await pilot.press("question_mark", "slash")  # typed, as any character
        box = app.screen.query_one("#portfolio-filter", Input)
        assert box.value == "?/"
        await pilot.press("f1")
        await pilot.pause()
        assert app.screen.query("HelpPanel")
        assert box.has_focus
        await pilot.press("f1")  # and closes it
        await pilot.pause()
        assert not app.screen.query("HelpPanel")
        await pilot.press("escape")
        await pilot.pause()
        await pilot.pause()
        assert not box.has_focus
        keys = {k.key: k for k in _shown(app) if not k.has_class(PALETTE_CLASS)}
        assert "slash" in keys
        assert "escape" not in keys
        assert "f1" not in keys
        _assert_footer_whole(app)
