"""Japanese wording read as a user reads it: the sync screen says the app works offline
without setting sync up (it read "not even worth setting up"), the KPI screen has no
stray space in a label, delete questions end with a full-width ？ as every other question
does, and the keys panel at 80 columns never breaks a word before its ー ("コピ" / "ー")."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from textual.widgets import Static

from cstui.app import CSApp, create_app
from cstui.screens.account import AccountScreen
from cstui.screens.sync import SyncScreen
from cstui.ui.confirm import ConfirmScreen
from cstui.ui.help import KeysTable
from cstui.ui.wrap import NO_START
from cstui.workspace import Workspace


async def _settle(pilot: Any, times: int = 3) -> None:
    for _ in range(times):
        await pilot.pause()


def _ja(ws: Workspace) -> CSApp:
    return create_app(ws, lang="ja", poll=False, rescore=False)


def _screen_text(app: CSApp) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def test_sync_says_everything_works_offline_without_setting_it_up(
    unsynced_ws: Workspace,
) -> None:
    app = _ja(unsynced_ws)
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.press("Y")
        await _settle(pilot)
        assert isinstance(app.screen, SyncScreen)
        message = str(app.screen.query_one("#sync-message", Static).content)
        assert "設定しなくても、オフラインで全機能を使えます。" in message
        assert "までも" not in message


async def test_the_kpi_screen_names_time_to_value_without_a_stray_space(
    demo_ws: Workspace,
) -> None:
    app = _ja(demo_ws)
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.press("M")
        await app.workers.wait_for_complete()
        await _settle(pilot)
        text = _screen_text(app)
        assert "価値実感までの平均期間（TTV）" in text
        assert "平均 価値" not in text


async def _question(app: CSApp, pilot: Any, account_id: str, tab: str) -> str:
    """The confirmation ``d`` asks on the account's ``tab`` digit, answered no."""
    await app.push_screen(AccountScreen(account_id))
    await _settle(pilot)
    await pilot.press(tab)
    await _settle(pilot)
    await pilot.press("d")
    await _settle(pilot)
    dialog = app.screen
    assert isinstance(dialog, ConfirmScreen)
    await pilot.press("n")
    await _settle(pilot)
    app.pop_screen()
    await _settle(pilot)
    return dialog.message


async def test_delete_questions_end_with_a_full_width_question_mark(demo_ws: Workspace) -> None:
    with_tasks = next(a.id for a in demo_ws.accounts() if demo_ws.tasks(a.id))
    onboarding = next(
        a.id for a in demo_ws.accounts() if (plan := demo_ws.onboarding(a.id)) and plan.items
    )
    demo_ws.save_view("大口", "tier:high", "arr", True)
    app = _ja(demo_ws)
    async with app.run_test(size=(160, 45)) as pilot:
        await _settle(pilot)
        questions = [
            await _question(app, pilot, with_tasks, "5"),  # a task
            await _question(app, pilot, onboarding, "2"),  # an onboarding step
        ]
        await pilot.press("v", "G", "d")  # a saved view
        await _settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        questions.append(app.screen.message)
    for question in questions:
        assert "削除しますか？" in question, question
        assert "?" not in question
        assert "？ " not in question  # no space after it: the sentence goes on at once


def test_no_japanese_message_asks_with_a_half_width_question_mark() -> None:
    folder = resources.files("cstui").joinpath("locale/ja")
    asking = {
        f"{entry.name}:{key}": text
        for entry in folder.iterdir()
        if entry.name.endswith(".json")
        for key, text in json.loads(entry.read_text(encoding="utf-8")).items()
        if "?" in text
    }
    assert asking == {}


async def test_the_keys_panel_at_80_columns_keeps_copy_whole(demo_ws: Workspace) -> None:
    app = _ja(demo_ws)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        await _settle(pilot)
        await pilot.press("question_mark")
        await _settle(pilot)
        lines = [
            line.text.strip()
            for table in app.screen.query(KeysTable)
            if table.display
            for line in table.render_lines(table.region.reset_offset)
        ]
        assert "^c super+c 選択部分を" in lines  # the row's first line ends before the word
        assert "コピー" in lines  # the word whole on the next
        # No continuation line starts with ー, a small kana or closing punctuation (a line
        # starting with a key, such as "? f1", is a row's first).
        starts = [line for line in lines if line and not line[0].isascii()]
        assert [line for line in starts if line[0] in NO_START] == []
