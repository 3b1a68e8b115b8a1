"""No English left from Textual's own key descriptions in the Japanese help panel, and no
pydantic-formatted enum lists in validation errors."""

from __future__ import annotations

import pytest

from cstui.app import create_app
from cstui.domain.models import FeatureRequest, InvalidRecord, validate
from cstui.workspace import Workspace


def _ascii_words(descriptions: list[str]) -> list[str]:
    return [d for d in descriptions if d and d.isascii() and any(c.isalpha() for c in d)]


async def test_japanese_help_panel_words_textual_keys(demo_ws: Workspace) -> None:
    app = create_app(demo_ws, lang="ja", poll=False, rescore=False)
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        focused = app.screen.focused
        assert focused is not None
        await pilot.press("question_mark")
        await pilot.pause()
        assert app.screen.query("HelpPanel")
        nodes = [app.screen, *app.screen.walk_children()]
        words = [b.description for n in nodes for _, b in n._bindings]
        assert "上へ" in words  # the table's own "Up", from Textual
        assert _ascii_words(words) == []


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", "listening, analysing, acting, told, monitoring"),
        ("ja", "傾聴 (listening)、分析 (analysing)"),
    ],
)
def test_enum_errors_list_words_not_raw_values(lang: str, expected: str) -> None:
    with pytest.raises(InvalidRecord) as caught:
        validate(FeatureRequest, {"id": "r1", "title": "SSO", "status": "bogus"})
    text = " ".join(caught.value.render(lang))
    assert expected in text
    assert "'listening'" not in text


@pytest.mark.parametrize(
    ("lang", "title", "message"),
    [
        ("en", "Do you want to quit?", "Press ctrl+q to quit the app"),
        ("ja", "終了しますか？", "終了するには ctrl+q を押してください"),
    ],
)
async def test_ctrl_c_says_how_to_quit_in_the_ui_language(
    demo_ws: Workspace, lang: str, title: str, message: str
) -> None:
    """Textual answers Ctrl+C (which does not quit) with a toast of its own, in English."""
    app = create_app(demo_ws, lang=lang, poll=False, rescore=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+c")
        await pilot.pause()
        said = [(n.title, n.message) for n in app._notifications]
        assert said == [(title, message)]
        assert app.is_running
