"""Long text is bounded: a huge activity summary is clipped on the overview (``o`` shows it
whole), and one-line form fields take no more than their limit."""

from __future__ import annotations

from typing import Any

from textual.app import App
from textual.widgets import Input

from cstui.app import create_app
from cstui.domain.models import TITLE_LIMIT
from cstui.screens.account import SUMMARY_CHARS, AccountScreen
from cstui.ui.forms import Field, FormScreen
from cstui.workspace import Workspace


def _height(screen: AccountScreen) -> int:
    return screen.query_one("#activities").size.height


async def test_a_10000_character_summary_is_clipped_and_o_expands_it(
    empty_ws: Workspace,
) -> None:
    account = empty_ws.create_account({"name": "Acme", "arr": 1_200_000})
    words = "word " * 2000  # 10,000 characters
    empty_ws.log_activity(account.id, words)
    app = create_app(empty_ws, poll=False, rescore=False)
    async with app.run_test(size=(160, 45)) as pilot:
        screen = AccountScreen(account.id)
        await app.push_screen(screen)
        await pilot.pause()
        clipped = _height(screen)
        text = str(screen.query_one("#activities").render())
        assert f"{len(words.strip()) - SUMMARY_CHARS:,} more characters" in text
        assert clipped <= 8  # date line, a few lines of summary, the indication
        await pilot.press("o")
        await pilot.pause()
        assert _height(screen) > 10 * clipped  # the whole summary, ~170 lines
        await pilot.press("o")
        await pilot.pause()
        assert _height(screen) == clipped


class Host(App[None]):
    def __init__(self, form: FormScreen) -> None:
        super().__init__()
        self.form = form

    def on_mount(self) -> None:
        self.push_screen(self.form)


async def test_one_line_fields_stop_at_their_limit() -> None:
    def submit(values: dict[str, Any]) -> None:
        return None

    fields = [Field("title", "Title"), Field("code", "Code", max_length=5)]
    app = Host(FormScreen("Limits", fields, submit))
    async with app.run_test(size=(100, 30)) as pilot:
        title = app.form.query_one("#field-title", Input)
        code = app.form.query_one("#field-code", Input)
        title.focus()
        title.insert_text_at_cursor("x" * (TITLE_LIMIT + 20))
        code.focus()
        await pilot.press(*"abcdefgh")
        await pilot.pause()
        assert len(title.value) <= TITLE_LIMIT
        assert code.value == "abcde"
