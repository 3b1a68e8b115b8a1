"""The filter never fails silently: spaces, half-typed comparisons, letters, OR, errors."""

from __future__ import annotations

from datetime import date

from cstui.domain.enums import Stage, Tier
from cstui.domain.filters import FLAG_LETTERS, KEYWORDS, NUMERIC, narrows, parse
from cstui.domain.portfolio import PortfolioRow


def _row(
    id: str, *, health: int | None = 50, owner: str = "me", flags: tuple[str, ...] = ()
) -> PortfolioRow:
    return PortfolioRow(
        id=id,
        name=id,
        tier=Tier.HIGH,
        stage=Stage.ADOPTION,
        arr=1000,
        currency="JPY",
        owner=owner,
        renewal_date=date(2027, 1, 1),
        days_since_touch=3,
        last_touch=None,
        search_key=id,
        health=health,
        flags=flags,
    )


def test_spaces_around_an_operator_are_fine() -> None:
    rows = [_row("a", health=30), _row("b", health=60)]
    for text in ("health < 40", "health <40", "health< 40", "ｈｅａｌｔｈ　＜　４０"):
        query = parse(text)
        assert not query.errors, text
        assert [r.id for r in query.apply(rows)] == ["a"]


def test_a_half_typed_comparison_says_what_is_missing() -> None:
    query = parse("health>")
    assert query.errors
    assert "needs a number after '>'" in query.errors[0]
    assert "90d" in parse("renewal<=").errors[0]


def test_the_flag_letter_shown_in_the_column_is_accepted() -> None:
    rows = [_row("a", flags=("champion-left",)), _row("b", flags=("usage-drop",))]
    for letter in ("C", "c"):
        assert [r.id for r in parse(f"flag:{letter}").apply(rows)] == ["a"]
    error = parse("flag:Z").errors[0]
    # A no-break space: a wrapped message never parts a letter from its name.
    assert all(f"{letter}\u00a0{name}" in error for name, letter in FLAG_LETTERS.items())


def test_an_unknown_term_lists_every_term() -> None:
    for text in ("colour:red", "size>3"):
        error = parse(text).errors[0]
        assert all(f"{k}:" in error for k in KEYWORDS)
        assert all(f"{n}<" in error for n in NUMERIC)


def test_comma_is_or_between_values_of_one_key() -> None:
    rows = [_row("a", owner="me"), _row("b", owner="kim"), _row("c", owner="lee")]
    assert [r.id for r in parse("owner:me,kim", me="me").apply(rows)] == ["a", "b"]
    assert parse("band:red,blue").errors
    for spaced in ("owner:me, kim", "owner:me ,kim", "owner:me , kim", "-owner:lee, lee"):
        query = parse(spaced, me="me")
        assert not query.errors, spaced
        assert [r.id for r in query.apply(rows)] == ["a", "b"], spaced
    three = parse("owner:me, kim,  lee tier:high", me="me")
    assert [r.id for r in three.apply(rows)] == ["a", "b", "c"]


def test_free_text_keeps_its_commas_and_spaces() -> None:
    rows = [_row("acme, inc"), _row("acme,inc")]
    assert [r.id for r in parse("acme, inc").apply(rows)] == ["acme, inc", "acme,inc"]
    assert [r.id for r in parse("acme,inc").apply(rows)] == ["acme,inc"]


def test_narrowing_is_not_assumed_when_a_word_becomes_a_comparison() -> None:
    assert not narrows("health", "health <")
    assert not narrows("health <", "health < 4")
    assert narrows("acme", "acme corp")


def test_every_error_is_worded_in_the_ui_language() -> None:
    """Each error is a message: English by default, Japanese under ja, no English left."""
    from cstui import i18n

    texts: tuple[str, ...] = ("health>", "renewal<", "health<abc", "touch<soon", "size>3")
    texts += ("colour:x", "band:x", "tier:x", "stage:x", "renewal:x", "flag:x", "owner:")
    english = [parse(text).errors[0] for text in texts]
    i18n.set_language("ja")
    try:
        japanese = [parse(text).errors[0] for text in texts]
    finally:
        i18n.set_language("en")
    assert "needs a number after '>'" in english[0]
    for text, en, ja in zip(texts, english, japanese, strict=True):
        assert en != ja, text
        words = ("needs", "is not", "cannot", "Unknown", "use one", "free text")
        assert not any(word in ja for word in words), ja
    assert "90d" in japanese[1]
    assert all(f"{letter}\u00a0{name}" in japanese[10] for name, letter in FLAG_LETTERS.items())
    assert all(f"{k}:" in japanese[5] for k in KEYWORDS)


def test_a_word_in_kana_finds_a_japanese_name_by_its_reading() -> None:
    from cstui.domain.portfolio import build_row

    def row(name: str, domain: str) -> PortfolioRow:
        record = {"id": name, "name": name, "domain": domain, "tier": "mid", "stage": "adoption"}
        return build_row(record, None, date(2026, 12, 7))

    rows = [row("高砂精機株式会社", "takasago-seiki.co.jp"), row("Acme", "acme.com")]
    for text in ("たかさごせいき", "タカサゴ", "せいき"):
        assert [r.id for r in parse(text).apply(rows)] == ["高砂精機株式会社"], text
    assert not narrows("き", "きょ")  # ki, then kyo: not a narrowing of the romaji
    assert narrows("acm", "acme")
