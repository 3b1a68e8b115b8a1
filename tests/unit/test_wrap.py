"""Kinsoku line breaking (issue 18): no line starts with 。、）」ー or a small kana, none ends
with 「（, lines fit their width in cells, and no character is lost or added."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from rich.cells import cell_len
from rich.console import Console
from rich.text import Text

from cstui.ui.wrap import NO_END, NO_START, Wrapped, hanging_indent, wrap, wrap_text

SENTENCE = (
    "本日はお忙しいところ、ありがとうございました。"
    "次回の定例会（第三四半期）では「導入効果」をご報告します。"
)


def _rich_lines(text: str, width: int) -> list[str]:
    return [line.plain for line in Text(text).wrap(Console(width=200), width)]


def test_a_real_sentence_never_starts_a_line_with_a_full_stop() -> None:
    # At 22 cells the plain wrap starts a line with 。; at 20 it ends one with （.
    assert any(line.startswith("。") for line in _rich_lines(SENTENCE, 22))
    assert any(line.endswith("（") for line in _rich_lines(SENTENCE, 20))
    assert not any(line.endswith("（") for line in wrap(SENTENCE, 20))
    lines = wrap(SENTENCE, 22)
    assert lines == [
        "本日はお忙しいところ、",
        "ありがとうございまし",
        "た。次回の定例会（第三",
        "四半期）では「導入効",
        "果」をご報告します。",
    ]
    assert "".join(lines) == SENTENCE


def test_comma_small_kana_and_long_vowel_pull_the_character_before_them_down() -> None:
    # 10 cells: "しいところ" would leave "、" to start the next line.
    assert wrap("本日はお忙しいところ、ありがとう", 10)[1:3] == ["しいとこ", "ろ、ありが"]
    assert wrap("データのエクスポート", 8) == ["データの", "エクス", "ポート"]
    assert wrap("ちょっとまって", 4) == ["ちょ", "っと", "まっ", "て"]
    assert wrap("あいうえ「かきく」", 10) == ["あいうえ", "「かきく」"]


def test_latin_words_break_at_spaces_and_mixed_text_between_scripts() -> None:
    assert wrap("Quarterly review with the CFO next week", 16) == [
        "Quarterly review",
        "with the CFO",
        "next week",
    ]
    assert wrap("CFOと来週QBRを実施します。", 10) == ["CFOと来週", "QBRを実施", "します。"]
    assert wrap("x" * 25, 10) == ["x" * 10, "x" * 10, "x" * 5]  # too long: cut where it ends
    assert wrap("one\n\ntwo", 10) == ["one", "", "two"]


def test_styles_survive_and_the_renderable_wraps_at_its_drawn_width() -> None:
    text = Text("注意：")
    text.append("ありがとうございました。", style="bold")
    wrapped = wrap_text(text, 12)
    assert wrapped.plain.split("\n") == ["注意：ありが", "とうございま", "した。"]
    assert any(span.style == "bold" for span in wrapped.spans)
    console = Console(width=12, record=True, color_system=None)
    console.print(Wrapped(text))
    assert console.export_text().splitlines() == ["注意：ありが", "とうございま", "した。"]
    assert str(Wrapped(text)) == text.plain


PIECES = (
    "本日",
    "は",
    "ところ、",
    "ました。",
    "（第三）",
    "「効果」",
    "ちょっと",
    "データー",
    "あっ",
    "CFO ",
)
WORDS = st.sampled_from(PIECES)
"""Pieces with at most two characters in a row that a line may not break between, so at
eight cells or more a break the rules allow always exists."""


@given(st.lists(WORDS, max_size=40).map("".join), st.integers(min_value=8, max_value=40))
def test_every_line_fits_keeps_every_character_and_follows_the_rules(text: str, width: int) -> None:
    lines = wrap(text, width)
    assert all(cell_len(line) <= width for line in lines)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    assert not any(line and line[0] in NO_START for line in lines[1:])
    assert not any(line and line[-1] in NO_END for line in lines[:-1])


def test_too_little_room_still_ends() -> None:
    assert wrap("。。。。", 2) == ["。", "。", "。", "。"]
    assert wrap("「「「「", 3) == ["「", "「", "「", "「"]


def test_a_hanging_indent_keeps_continuation_lines_under_the_text() -> None:
    text = Text(
        "Skipped:\n  · Sentiment: no survey answered in the last 180 days by anyone\n"
        "  Nobody logged a call with this account since the contract started\n"
        "本日はお忙しいところ、ありがとうございました。"
    )
    lines = wrap_text(text, 30, hanging=True).plain.split("\n")
    assert lines == [
        "Skipped:",
        "  · Sentiment: no survey",
        "    answered in the last 180",
        "    days by anyone",
        "  Nobody logged a call with",
        "  this account since the",
        "  contract started",
        "本日はお忙しいところ、ありがと",
        "うございました。",
    ]
    assert all(cell_len(line) <= 30 for line in lines)
    # Without it, as before: continuation lines start at the edge.
    assert wrap_text(text, 30).plain.split("\n")[2] == "answered in the last 180 days"
    # An indent that would leave too little room is not applied.
    deep = Text(" " * 24 + "word " * 6)
    assert wrap_text(deep, 30, hanging=True).plain.split("\n")[1] == "word word word word word"
    assert Wrapped(text, hanging=True).content(30).plain == "\n".join(lines)


def test_hanging_indent_counts_spaces_and_a_bullet() -> None:
    assert hanging_indent("plain") == 0
    assert hanging_indent("  two") == 2
    assert hanging_indent("  · item") == 4
    assert hanging_indent("⚑ flag") == 2
    assert hanging_indent("-5 points") == 0  # a minus sign, not a bullet


def test_a_no_break_space_keeps_a_letter_with_its_name_at_every_width() -> None:
    pairs = ["C\u00a0champion-left", "U\u00a0usage-drop", "E\u00a0touchpoint-missed"]
    text = "「flag:x」はフラグではありません。文字か名前で指定してください: " + ", ".join(pairs)

    def together(lines: list[str]) -> bool:
        return all(any(pair in line for line in lines) for pair in pairs)

    # Rich breaks at a no-break space as at any other.
    assert not all(together(_rich_lines(text, width)) for width in range(20, 100))
    for width in range(20, 100):
        lines = wrap(text, width)
        assert together(lines), (width, lines)
        assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    assert wrap("C\u00a0champion-left", 5) == ["C\u00a0cha", "mpion", "-left"]  # no room: cut


def test_a_katakana_word_goes_whole_to_the_next_line_when_the_line_stays_half_full() -> None:
    """The keys panel broke "選択部分をコピー" as "選択部分をコピ" and "ー"."""
    assert wrap("選択部分をコピー", 15) == ["選択部分を", "コピー"]
    assert wrap("先頭までスクロール", 16) == ["先頭まで", "スクロール"]
    # Moving the word would leave a short line: it is broken inside instead (never before
    # its ー), as is a word wider than the line.
    assert wrap("てコマンドプロンプト", 14) == ["てコマンドプロ", "ンプト"]
    assert wrap("オンボーディング", 14) == ["オンボーディン", "グ"]
    # The middle dot separates words: a break may follow it.
    assert wrap("カスタマー・サクセス", 14) == ["カスタマー・", "サクセス"]
