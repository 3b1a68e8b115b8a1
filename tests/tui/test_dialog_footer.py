"""A dialog's footer lists the dialog's own keys, never the screen's below it.

A footer lists the keys of the screen it is on, and a dialog is a screen of its own drawn
over the one below: without a footer of its own, the line at the bottom under the QBR's
"Deliver?" question was the QBR tab's ("[ Prev quarter  ] Next quarter…", doing nothing
there) and the dialog's y/n were listed only under ``?``. Checked on what is drawn (the
bottom line of the screen), for each kind of dialog: a confirmation, a form, the views
picker and the confirmation over it, and the KPI screen's accounts list."""

from __future__ import annotations

from typing import Any

import pytest
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets._footer import FooterKey

from cstui.app import CSApp, create_app
from cstui.i18n import t
from cstui.screens.account import AccountScreen
from cstui.screens.kpis import AccountsModal
from cstui.screens.views import ViewPicker
from cstui.ui.confirm import ConfirmScreen
from cstui.ui.dialog import Dialog
from cstui.ui.footer import PALETTE_CLASS, KeyFooter
from cstui.ui.forms import FormScreen
from cstui.workspace import Workspace

QBR_ACCOUNT = "acc-000044"


async def _settle(pilot: Pilot[None], times: int = 3) -> None:
    for _ in range(times):
        await pilot.pause()


def _bottom_line(app: CSApp) -> str:
    return app.screen._compositor.render_strips()[-1].text


def _footer_words(screen: Screen[Any]) -> set[str]:
    """The descriptions of the keys ``screen``'s own footer shows."""
    return {
        key.description
        for footer in screen.query(KeyFooter)
        for key in footer.query_children(FooterKey)
        if key.display and key.action and not key.has_class(PALETTE_CLASS)
    }


def _assert_own_footer(app: CSApp, below: Screen[Any]) -> str:
    """The bottom line shows the dialog's keys (``? Keys`` among them) and none of the
    keys of the screen below that the dialog does not have; returns the line."""
    dialog = app.screen
    assert isinstance(dialog, Dialog)
    line = _bottom_line(app)
    own = {active.binding.description for active in dialog.active_bindings.values()}
    shown = _footer_words(dialog)
    assert t("key.help") in shown
    for words in shown:
        assert words in line, (words, line)
    below_only = _footer_words(below) - own
    assert below_only  # the screen below has keys of its own to leave out
    for words in below_only:
        assert words not in line, (words, line)
    return line


@pytest.mark.parametrize("lang", ["en", "ja"])
async def test_the_deliver_question_lists_yes_and_no_not_the_quarter_keys(
    demo_ws: Workspace, lang: str
) -> None:
    app = create_app(demo_ws, lang=lang, poll=False, rescore=False)
    async with app.run_test(size=(160, 45)) as pilot:
        account = AccountScreen(QBR_ACCOUNT, tab="qbr")
        await app.push_screen(account)
        await _settle(pilot)
        assert t("key.qbr.prev") in _bottom_line(app)  # the tab's own footer, before
        for _ in range(3):  # draft -> ready, then delivering asks
            if isinstance(app.screen, ConfirmScreen):
                break
            await pilot.press("s")
            await _settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        line = _assert_own_footer(app, account)
        assert f"y {t('key.success.yes')}" in line
        assert f"n {t('key.success.no')}" in line
        assert t("key.qbr.prev") not in line
        await pilot.press("bracketright")  # a key of the tab: nothing happens here
        await _settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        await _settle(pilot)
        assert isinstance(app.screen, AccountScreen)
        assert t("key.qbr.prev") in _bottom_line(app)  # the tab's footer is back


@pytest.mark.parametrize("key", ["h", "l"])
async def test_the_rating_and_activity_forms_list_save_and_cancel(
    demo_ws: Workspace, key: str
) -> None:
    app = create_app(demo_ws, poll=False, rescore=False)
    async with app.run_test(size=(80, 24)) as pilot:
        account = AccountScreen(demo_ws.accounts()[0].id)
        await app.push_screen(account)
        await _settle(pilot)
        await pilot.press(key)
        await _settle(pilot)
        assert isinstance(app.screen, FormScreen)
        line = _assert_own_footer(app, account)
        assert f"^s {t('key.form.save')}" in line
        assert f"esc {t('key.form.cancel')}" in line


async def test_the_save_view_form_and_the_views_picker_and_its_delete_question(
    demo_ws: Workspace,
) -> None:
    demo_ws.save_view("Big", "tier:high", "arr", True)
    app = create_app(demo_ws, poll=False, rescore=False)
    async with app.run_test(size=(160, 45)) as pilot:
        await _settle(pilot)
        portfolio = app.screen
        await pilot.press("V")
        await _settle(pilot)
        assert isinstance(app.screen, FormScreen)
        line = _assert_own_footer(app, portfolio)
        assert t("key.filter") not in line
        await pilot.press("escape")
        await _settle(pilot)
        await pilot.press("v")
        await _settle(pilot)
        picker = app.screen
        assert isinstance(picker, ViewPicker)
        assert len(picker.query(KeyFooter)) == 1  # one footer, its own
        _assert_own_footer(app, portfolio)
        await pilot.press("G", "d")
        await _settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        line = _assert_own_footer(app, picker)
        assert t("key.views.delete") not in line
        assert t("key.views.rename") not in line


async def test_the_accounts_behind_a_kpi_list_their_own_keys(demo_ws: Workspace) -> None:
    app = create_app(demo_ws, poll=False, rescore=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("M")
        await app.workers.wait_for_complete()
        await _settle(pilot)
        kpis = app.screen
        await pilot.press("enter")
        await _settle(pilot)
        assert isinstance(app.screen, AccountsModal)
        _assert_own_footer(app, kpis)
