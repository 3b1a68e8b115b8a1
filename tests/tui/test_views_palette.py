"""Saved views (rename, delete, no duplicate of a built-in, sort restored) and the palette."""

from __future__ import annotations

from typing import Any

import pytest

from cstui import i18n
from cstui.app import CSApp, create_app
from cstui.commands import AccountsProvider
from cstui.domain.kana import romaji
from cstui.domain.models import InvalidRecord
from cstui.domain.portfolio import fold, search_forms
from cstui.screens.account import AccountScreen
from cstui.screens.portfolio import PortfolioScreen
from cstui.screens.views import ViewPicker
from cstui.ui.confirm import ConfirmScreen
from cstui.ui.forms import FormScreen
from cstui.widgets.account_table import AccountTable
from cstui.workspace import Workspace


def _app(ws: Workspace, lang: str = "en") -> CSApp:
    return create_app(ws, lang=lang, poll=False, rescore=False)


def test_a_builtin_label_in_either_language_is_refused(demo_ws: Workspace) -> None:
    for name in ("My book", "my BOOK", "自分の担当", "view.mine"):
        with pytest.raises(InvalidRecord):
            demo_ws.save_view(name, "owner:me", "health", False)
    demo_ws.save_view("Mine, big", "owner:me tier:high", "arr", True)
    demo_ws.save_view("mine, BIG", "owner:me", "arr", True)  # same name folded: replaced
    assert [v.name for v in demo_ws.views() if not v.builtin] == ["mine, BIG"]


def test_rename_keeps_filter_and_sort_and_refuses_a_taken_name(demo_ws: Workspace) -> None:
    demo_ws.save_view("Big", "tier:high", "arr", True)
    demo_ws.save_view("Red", "band:red", "health", False)
    with pytest.raises(InvalidRecord):
        demo_ws.rename_view("Big", "red")
    demo_ws.rename_view("Big", "Biggest")
    own = {v.name: v for v in demo_ws.views() if not v.builtin}
    assert set(own) == {"Biggest", "Red"}
    assert (own["Biggest"].filter, own["Biggest"].sort, own["Biggest"].reverse) == (
        "tier:high",
        "arr",
        True,
    )


async def test_rename_and_delete_from_the_picker(demo_ws: Workspace) -> None:
    demo_ws.save_view("Big", "tier:high", "arr", True)
    app = _app(demo_ws)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("v")
        await pilot.pause()
        picker = app.screen
        assert isinstance(picker, ViewPicker)
        await pilot.press("e")  # on a built-in: refused, nothing opens
        await pilot.pause()
        assert app.screen is picker
        await pilot.press("end", "e")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, FormScreen)
        form.widget_for("name").value = "Large"  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is picker
        assert [v.name for v in demo_ws.views() if not v.builtin] == ["Large"]
        await pilot.press("d")
        await pilot.pause()
        confirm = app.screen
        assert isinstance(confirm, ConfirmScreen)
        await pilot.press("y")
        await pilot.pause()
        assert app.screen is picker
        assert [v.name for v in demo_ws.views() if not v.builtin] == []


async def test_picking_a_view_restores_its_sort(demo_ws: Workspace) -> None:
    demo_ws.save_view("By ARR", "", "arr", True)
    app = _app(demo_ws)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        assert isinstance(screen, PortfolioScreen)
        screen.set_sort("name")
        await pilot.press("v")
        await pilot.pause()
        await pilot.press("end", "enter")
        await pilot.pause()
        assert (screen.sort_key, screen.sort_reverse) == ("arr", True)
        arrs = [r.arr_report for r in screen.query_one(AccountTable).rows]  # one currency
        assert arrs == sorted(arrs, reverse=True)


async def test_the_picker_opens_on_the_view_shown_and_saving_over_a_name_says_so(
    demo_ws: Workspace,
) -> None:
    from cstui.screens.views import ViewPicker

    demo_ws.save_view("By ARR", "", "arr", True)
    demo_ws.save_view("Mine", "owner:me", "health", False)
    app = _app(demo_ws)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        assert isinstance(screen, PortfolioScreen)
        screen.apply_view(next(v for v in demo_ws.views() if v.name == "By ARR"))
        await pilot.pause()
        await pilot.press("v")
        await pilot.pause()
        picker = app.screen
        assert isinstance(picker, ViewPicker)
        assert picker.current is not None
        assert picker.current.name == "By ARR"  # not "All accounts"
        await pilot.press("escape")
        await pilot.pause()
        screen.set_sort("name")
        await pilot.press("V")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, FormScreen)
        form.widget_for("name").value = "mine"  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await pilot.pause()
        said = [n.message for n in app._notifications]
        assert any("Replaced the view 'mine'" in m for m in said), said
        assert [v.name for v in demo_ws.views() if not v.builtin] == ["By ARR", "mine"]


async def test_saving_a_view_with_no_filter_says_it_keeps_the_sort(demo_ws: Workspace) -> None:
    app = _app(demo_ws)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("V")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, FormScreen)
        shown = " ".join(str(w.render()) for w in form.query("Static"))
        assert "no filter" in shown
        assert "'—'" not in shown


def test_kana_reads_as_romaji_and_katakana() -> None:
    assert romaji("しなの") == "shinano"
    assert romaji("ひゅうが") == "hyuga"  # long vowels once, as domains spell them
    assert romaji("まっちゃ") == "matcha"
    assert "アグリ" in search_forms("あぐり")


def test_a_reading_in_kana_is_looked_for_without_its_spaces() -> None:
    assert "takasagoseiki" in search_forms("たかさご せいき")
    assert "takasagoseiki" in search_forms("タカサゴ　セイキ")  # katakana, a full-width space
    assert "harumifama" in search_forms("ﾊﾙﾐﾌｧｰﾏ")  # half-width katakana
    assert search_forms("Acme Corp") == ("acme corp",)  # latin text keeps its spaces


# Names as a CRM import brings them (not the demo's), each with readings typed in one go.
CRM_NAMES = {
    "高砂精機株式会社": (
        "takasago-seiki.co.jp",
        ["たかさごせいき", "たかさご せいき", "タカサゴセイキ", "さごせい"],
    ),
    "晴海ファーマ株式会社": ("harumi-pharma.co.jp", ["はるみふぁーま", "ハルミファーマ"]),
    "株式会社岬エンジニアリング": (
        "misaki-engineering.co.jp",
        ["みさきえんじにありんぐ", "みさき えんじにありんぐ"],
    ),
    "東洋ソリューションズ株式会社": ("toyo-solutions.co.jp", ["とうようそりゅーしょんず"]),
    "合同会社きょうと茶寮": ("kyoto-saryo.jp", ["きょうとさりょう", "キョウトサリョウ"]),
}


async def test_palette_finds_a_kanji_name_by_its_whole_reading(empty_ws: Workspace) -> None:
    for name, (domain, _) in CRM_NAMES.items():
        empty_ws.create_account({"name": name, "domain": domain})
    empty_ws.create_account({"name": "高砂物産株式会社", "domain": "takasago-bussan.co.jp"})
    app = _app(empty_ws)
    async with app.run_test(size=(120, 40)):
        for name, (_, queries) in CRM_NAMES.items():
            for query in queries:
                assert [hit.text for hit in await _hits(app, query)] == [name], query
        assert len(await _hits(app, "たかさご")) == 2  # each word alone still finds both


async def test_typing_a_whole_reading_in_the_palette_lists_the_name(empty_ws: Workspace) -> None:
    from textual.command import CommandList, CommandPalette

    empty_ws.create_account({"name": "高砂精機株式会社", "domain": "takasago-seiki.co.jp"})
    empty_ws.create_account({"name": "Acme Corporation", "domain": "acme.com"})
    app = _app(empty_ws)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"たかさごせいき")
        await pilot.pause(0.8)  # past the palette's wait before "No matches found"
        await pilot.pause()
        shown = app.screen.query_one(CommandList)
        prompts = [str(shown.get_option_at_index(i).prompt) for i in range(shown.option_count)]
        assert any("高砂精機株式会社" in p for p in prompts), prompts
        assert not any("No matches" in p or "Acme" in p for p in prompts), prompts


async def _hits(app: CSApp, query: str) -> list[Any]:
    provider = AccountsProvider(app.screen)
    return [hit async for hit in provider.search(query)]


async def test_palette_finds_kanji_names_by_hiragana_and_shows_health_and_arr(
    demo_ws: Workspace,
) -> None:
    target = next(a for a in demo_ws.accounts() if "信濃" in a.name)
    app = _app(demo_ws)
    async with app.run_test(size=(120, 40)):
        hits = await _hits(app, "しなの")
        assert target.name in [hit.text for hit in hits]
        help_text = str(next(h for h in hits if h.text == target.name).help)
        assert "Health" in help_text
        assert "ARR" in help_text
        assert "¥" in help_text


async def test_a_palette_jump_replaces_the_account_screen(demo_ws: Workspace) -> None:
    accounts = list(demo_ws.accounts())[:4]
    app = _app(demo_ws)
    async with app.run_test(size=(120, 40)) as pilot:
        app.open_account(accounts[0].id)
        await pilot.pause()
        for account in accounts[1:]:
            hit = next(h for h in await _hits(app, account.name) if h.text == account.name)
            hit.command()  # what choosing the line in the palette runs
            await pilot.pause()
        screen = app.screen
        assert isinstance(screen, AccountScreen)
        assert screen.account_id == accounts[-1].id
        assert len(app.screen_stack) == 2
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, PortfolioScreen)


def test_view_errors_are_in_the_interface_language(demo_ws: Workspace) -> None:
    demo_ws.save_view("大口", "arr>=3m", "arr", True)
    demo_ws.save_view("更新間近", "renewal<60d", "renewal", False)
    i18n.set_language("ja")
    try:
        with pytest.raises(InvalidRecord) as builtin:
            demo_ws.save_view("自分の担当", "owner:me", "health", False)
        with pytest.raises(InvalidRecord) as taken:
            demo_ws.rename_view("大口", "更新間近")
        with pytest.raises(InvalidRecord) as blank:
            demo_ws.save_view("  ", "", "arr", False)
    finally:
        i18n.set_language("en")
    assert builtin.value.fields["name"] == [
        "「自分の担当」は組み込みのビューです。別の名前にしてください。"
    ]
    assert taken.value.fields["name"] == [
        "「更新間近」という名前のビューはすでにあります。別の名前にしてください。"
    ]
    assert blank.value.fields["name"] == ["ビューの名前を入力してください。"]


async def test_a_broad_palette_search_gives_the_same_hits_whatever_the_rows_order(
    demo_ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """More matches than are shown: the ones shown (names starting with the text first,
    then by name) do not depend on the order of the rows, which differs between rows
    kept between runs (the portfolio's first sort) and rows built from the tables."""
    from cstui.commands import MAX_HITS

    app = _app(demo_ws)
    async with app.run_test(size=(120, 40)):
        rows = demo_ws.portfolio()
        first = [hit.text for hit in await _hits(app, "a")]
        monkeypatch.setattr(type(demo_ws), "portfolio", lambda self: list(reversed(rows)))
        again = [hit.text for hit in await _hits(app, "a")]
    assert len(first) == MAX_HITS  # more accounts match "a" than are shown
    assert sorted(first) == sorted(again)
    assert first == sorted(first, key=lambda name: not fold(name).startswith("a"))
