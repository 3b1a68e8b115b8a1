"""``?`` on the portfolio explains the Flags column's letters (issue 18), en and ja, whether
the table or the filter has the focus; the letters come from their one definition."""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import HelpPanel, Markdown

from cstui.app import create_app
from cstui.domain.filters import FLAG_LETTERS
from cstui.i18n import t
from cstui.screens.portfolio import PortfolioScreen
from cstui.workspace import Workspace


async def _help(pilot: Any) -> str:
    await pilot.press("question_mark")
    for _ in range(3):
        await pilot.pause()
    panel = pilot.app.screen.query_one(HelpPanel)
    assert panel.has_class("-show-help")  # the focused widget's help is on
    return str(panel.query_one(Markdown).source)


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en", ["Flags column", "**C**: Champion left", "**E**: Executive touchpoint missed"]),
        ("ja", ["フラグ列", "**C**：チャンピオン離脱", "**D**：批判者（NPS）"]),
    ],
)
async def test_question_mark_lists_every_flag_letter(
    demo_ws: Workspace, lang: str, words: list[str]
) -> None:
    app = create_app(demo_ws, lang=lang, poll=False, rescore=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, PortfolioScreen)
        text = await _help(pilot)
        for word in words:
            assert word in text
        for name, letter in FLAG_LETTERS.items():
            meaning = t(f"health.flag.{name}")
            assert t("portfolio.help.flag_line", letter=letter, name=meaning) in text
        assert "`flag:C`" in text
        assert "owner:me,kim" in text
        # With the panel open, moving to the filter line (where flag:C is typed) keeps it.
        await pilot.press("slash")
        await pilot.pause()
        assert app.focused is not None
        assert app.focused.id == "portfolio-filter"
        panel = app.screen.query_one(HelpPanel)
        assert panel.has_class("-show-help")
        assert "`flag:C`" in str(panel.query_one(Markdown).source)
