"""Space used well: columns sized to their content, one-line headers, ``? Keys`` kept."""

from __future__ import annotations

import pytest
from rich.cells import cell_len
from textual.widgets._footer import FooterKey

from cstui import clock
from cstui.app import CSApp, create_app
from cstui.domain.enums import Stage
from cstui.i18n import humanize, t
from cstui.screens.portfolio import renewal_cell
from cstui.ui.footer import HELP_ACTIONS
from cstui.ui.names import short_company
from cstui.widgets.account_table import AccountTable
from cstui.workspace import Workspace


def _app(ws: Workspace, lang: str = "en") -> CSApp:
    ws.refresh_health()
    return create_app(ws, lang=lang, poll=False, rescore=False)


def _line(table: AccountTable, y: int) -> str:  # type: ignore[type-arg]
    return table.render_line(y).text


def test_legal_forms_shorten_only_when_the_name_does_not_fit() -> None:
    assert short_company("株式会社信濃アグリ", 40) == "株式会社信濃アグリ"  # fits: as written
    assert short_company("株式会社信濃アグリ", 12) == "㈱信濃アグリ"
    assert short_company("筑紫不動産株式会社", 12) == "筑紫不動産㈱"
    assert short_company("有限会社 山田商店", 10) == "㈲山田商店"
    assert short_company("合同会社こだまマーケティング", 16) == "(同)こだまマーケティング"
    assert short_company("Acme Holdings", 5) == "Acme Holdings"  # left to the ellipsis
    assert short_company("株式会社", 2) == "株式会社"  # nothing left to show otherwise


async def test_columns_get_what_their_content_needs_and_the_name_the_rest(
    demo_ws: Workspace,
) -> None:
    app = _app(demo_ws, "ja")
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        table = app.screen.query_one(AccountTable)
        header = _line(table, 0)
        assert "…" not in header  # no header is cut (フラグ, ステージ)
        widths = dict(
            (c.key, w) for c, w in table._columns_for(table.scrollable_content_region.width)
        )
        longest_stage = max(cell_len(t(f"stage.{s.value}")) for s in Stage)
        assert widths["stage"] >= longest_stage  # オンボーディング whole
        for y in range(1, min(len(table.rows), table.size.height)):
            line = _line(table, y)
            stage = t(f"stage.{table.rows[table.scroll_offset.y + y - 1].stage.value}")
            assert stage in line  # never "オンボー…"
        # The name gets what is left, not a fixed share: every other column is at its need.
        others = sum(w for k, w in widths.items() if k != "name") + len(widths) - 1
        assert widths["name"] == table.scrollable_content_region.width - others
        # CJK names take two cells a character and never shift the columns after them.
        starts = set()
        for y in range(1, min(len(table.rows), table.size.height)):
            line = _line(table, y)
            assert cell_len(line) == table.scrollable_content_region.width
            bar = min(i for i, ch in enumerate(line) if ch in "█▌·")
            starts.add(cell_len(line[:bar]))
        assert starts == {widths["name"] + 1}


async def test_80x24_headers_stay_on_one_line_and_keys_stay_on_screen(
    demo_ws: Workspace,
) -> None:
    app = _app(demo_ws, "ja")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        summary = screen.query_one("#portfolio-summary")
        assert summary.size.height == 1
        table = screen.query_one(AccountTable)
        assert "…" not in _line(table, 0)
        # A short name is not eaten by its 株式会社: ㈱ where the column is narrow.
        names = [_line(table, y) for y in range(1, table.size.height)]
        assert any(line.startswith("㈱") for line in names)

        async def help_is_on_screen() -> None:
            await pilot.pause()
            await pilot.pause()
            footer = app.screen.query_one("KeyFooter")
            keys = [k for k in footer.query_children(FooterKey) if k.action in HELP_ACTIONS]
            assert keys
            assert keys[0].region
            assert keys[0].region.right <= footer.region.right

        await help_is_on_screen()
        await pilot.press("question_mark")  # the help panel narrows the summary: refitted
        await pilot.pause()
        assert summary.size.height == 1
        await pilot.press("question_mark", "enter")  # an account: its footer has many keys
        await pilot.pause()
        await help_is_on_screen()
        await pilot.press("t")  # Today
        await help_is_on_screen()


async def test_a_confirmation_shows_its_whole_sentence(demo_ws: Workspace) -> None:
    """A long question wraps inside the dialog at 80x24: every word on screen, no "…"."""
    from cstui.ui.confirm import ConfirmScreen

    message = (
        "Delivering freezes the numbers of this QBR as they are today: later changes to "
        "health, usage or objectives will not change the deck. Deliver 株式会社信濃アグリ "
        "2026Q3 now?"
    )
    app = _app(demo_ws)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await app.push_screen(ConfirmScreen(message, "Deliver"))
        await pilot.pause()
        box = app.screen.query_one("#confirm-message")
        lines = [box.render_line(y).text.strip() for y in range(box.size.height)]
        shown = " ".join(lines)
        assert "…" not in shown
        assert box.size.height > 1
        for word in message.split():
            assert word in shown
        assert box.region.right <= 80


async def test_one_word_one_meaning_and_no_english_in_japanese(demo_ws: Workspace) -> None:
    """The red band, the forecast, an objective's status and a sync conflict each have a
    word of their own; Textual's palette key and placeholder follow the UI language."""
    from rich.align import Align
    from textual.command import CommandList, CommandPalette
    from textual.widgets import Input

    from cstui import i18n

    words = {
        lang: [
            i18n.catalogue(lang)[k]
            for k in ("health.band.red", "book.forecast.at_risk", "success.status.at_risk")
        ]
        for lang in ("en", "ja")
    }
    for lang, labels in words.items():
        assert len({w.casefold() for w in labels}) == 3, (lang, labels)
    assert "At risk" not in i18n.catalogue("en")["kpi.at_risk"]
    # 競合 reads as "competitors": only the churn reason may say it, never a sync conflict
    # (the CLI's `cstui sync` lines included).
    competitor = [k for k, v in i18n.catalogue("ja").items() if "競合" in v]
    assert competitor == ["book.reason.competitor"]

    app = _app(demo_ws, "ja")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        bindings = app.screen.active_bindings
        assert bindings["ctrl+p"].binding.description == "コマンド"
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        assert app.screen.query_one(Input).placeholder == i18n.t("palette.placeholder")
        assert "Search" not in app.screen.query_one(Input).placeholder
        await pilot.press(*"zqxjv")
        await pilot.pause(0.8)  # Textual waits 0.5 s before saying nothing matched
        await pilot.pause()
        shown = app.screen.query_one(CommandList)
        prompts = [shown.get_option_at_index(i).prompt for i in range(shown.option_count)]
        said = [str(p.renderable) for p in prompts if isinstance(p, Align)]
        assert said == ["一致するものはありません"]


@pytest.mark.parametrize("lang", ["en", "ja"])
async def test_80_columns_say_overdue_and_the_stage_in_a_short_form_not_cut(
    demo_ws: Workspace, lang: str
) -> None:
    """At 80 columns the renewal column cut "12 days overdue" to "12 days over…" (the word
    that matters) and the stage column オンボーディング to "オンボーディ…": each has a short
    form the column fits ("12d overdue", 導入期)."""
    app = _app(demo_ws, lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        table = app.screen.query_one(AccountTable)
        widths = dict(
            (c.key, w) for c, w in table._columns_for(table.scrollable_content_region.width)
        )
        today = clock.today()
        seen = {"overdue": 0, "onboarding": 0}
        for i, row in enumerate(table.rows):
            table.move_cursor(i)  # scrolled into view, as a user paging down would
            line = _line(table, i - table.scroll_offset.y + 1)
            assert "…" not in line.replace(table.rows[i].name, "")[len(line) // 3 :]
            if row.renewal_date and cell_len(renewal_cell(row).plain) > widths["renewal"]:
                seen["overdue"] += 1  # only "N days overdue" is that long
                assert humanize(row.renewal_date, today, late=True, short=True) in line
            stage_cut = "stage" in widths and cell_len(t("stage.onboarding")) > widths["stage"]
            if row.stage is Stage.ONBOARDING and stage_cut:
                seen["onboarding"] += 1
                assert t("stage.onboarding.short") in line
        assert seen["overdue"] if lang == "en" else seen["onboarding"]


@pytest.mark.parametrize("rows", ["", "stage:adoption band:red", "health<30"])
async def test_no_stage_label_is_cut_at_80_columns(demo_ws: Workspace, rows: str) -> None:
    """The stage column gets the widest label once shortened: in Japanese アダプション (12
    cells) read アダプシ… at 80 columns with a few rows, where no scrollbar takes a
    cell and the tier column comes back."""
    app = _app(demo_ws, "ja")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        if rows:
            await pilot.press("slash", *rows, "enter")
            await pilot.pause()
        table = app.screen.query_one(AccountTable)
        assert table.rows
        for y, row in enumerate(table.rows[: table.size.height - 1], start=1):
            label = t(f"stage.{row.stage.value}")
            shown = t(f"stage.{row.stage.value}.short") if row.stage is Stage.ONBOARDING else label
            assert shown in _line(table, y)
