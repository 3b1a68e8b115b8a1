"""Readings of Japanese company names: romaji of kana, and a name read across its words."""

from __future__ import annotations

import pytest

from cstui.domain.kana import name_reading, romaji
from cstui.domain.portfolio import build_row, fold

from ..conftest import TODAY


def reading(name: str, domain: str = "") -> str:
    return name_reading(fold(name), fold(domain))


@pytest.mark.parametrize(
    ("kana", "expected"),
    [
        ("しなの", "shinano"),
        ("ひゅうが", "hyuga"),  # long vowels once, as domains spell them
        ("ひゅーが", "hyuga"),
        ("とうきょう", "tokyo"),
        ("まっちゃ", "matcha"),
        ("しゃしん", "shashin"),
        ("ふぁーま", "fama"),  # small vowels join the syllable before them
        ("ファーマ", "fama"),
        ("てぃっしゅ", "tisshu"),
        ("ウィンドウ", "windo"),
        ("ヴァイオリン", "vaiorin"),
        ("エンジニアリング", "enjiniaringu"),
        ("ゃ", "ya"),
        ("abcしょうじ", "abcshoji"),  # what is not kana is kept
    ],
)
def test_romaji(kana: str, expected: str) -> None:
    assert romaji(kana) == expected


def test_half_width_kana_are_read_once_folded() -> None:
    assert romaji(fold("ｴﾝｼﾞﾆｱﾘﾝｸﾞ")) == "enjiniaringu"


@pytest.mark.parametrize(
    ("name", "domain", "expected"),
    [
        # kanji words read as the domain spells them, across word boundaries
        ("高砂精機株式会社", "takasago-seiki.co.jp", "takasagoseiki"),
        ("関東高砂精機株式会社", "kanto-takasago-seiki.co.jp", "kantotakasagoseiki"),
        ("株式会社信濃アグリ", "shinano-agri.co.jp", "shinanoaguri shinanoagri"),
        # a kana word keeps its own reading where its domain word is English
        ("晴海ファーマ株式会社", "harumi-pharma.co.jp", "harumifama harumipharma"),
        (
            "株式会社岬エンジニアリング",
            "misaki-engineering.co.jp",
            "misakienjiniaringu misakiengineering",
        ),
        ("関東晴海ファーマ", "kanto-harumi-pharma.co.jp", "kantoharumifama kantoharumipharma"),
        ("みらい工業株式会社", "mirai-kogyo.co.jp", "miraikogyo"),
        ("東京ガス株式会社", "www.tokyo-gas.co.jp", "tokyogasu tokyogas"),
        ("ABC商事㈱", "abc-shoji.co.jp", "abcshoji"),
        ("東洋工業", "touyou-kougyou.jp", "toyokogyo"),  # long vowels once in domains too
        # kana only: no domain needed
        ("アオバ・エンジニアリング株式会社", "aoba-engineering.co.jp", "aobaenjiniaringu"),
        ("合同会社そよかぜメディカル", "", "soyokazemedikaru"),
        ("さくらインターネット株式会社", "sakura.ad.jp", "sakuraintanetto"),
        # words that do not line up with the domain's: the domain's words together
        ("トヨタ自動車株式会社", "toyota.co.jp", "toyota"),
        ("日本の森", "nihonnomori.jp", "nihonnomori"),
        ("第2高砂精機株式会社", "takasago-seiki2.co.jp", "takasagoseiki2"),
        # nothing to read
        ("株式会社北の国", "", ""),
        ("Acme Corporation", "acme.com", ""),
    ],
)
def test_name_reading(name: str, domain: str, expected: str) -> None:
    assert reading(name, domain) == expected


def test_a_row_is_found_by_the_whole_reading_of_its_name() -> None:
    """The search key holds the reading after the name, domain, owner and tags."""
    account = {"id": "a", "name": "高砂精機株式会社", "domain": "takasago-seiki.co.jp"}
    row = build_row(account, None, TODAY)
    assert row.search_key == "高砂精機株式会社 takasago-seiki.co.jp   takasagoseiki"
    assert romaji("たかさごせいき") in row.search_key
    english = build_row({"id": "b", "name": "Acme", "domain": "acme.com"}, None, TODAY)
    assert english.search_key == "acme acme.com  "  # no reading


def test_reading_a_name_leaves_no_garbage_for_the_collector() -> None:
    """Rows are built with the collector paused and frozen after the first frame: a cycle
    made per name (a closure calling itself) was never freed (~15 MB at 50,000 names)."""
    import gc

    gc.collect()
    gc.disable()
    try:
        for _ in range(50):
            name_reading("株式会社高砂ファーマ精機", "takasago-pharma-sei-ki.co.jp")  # aligned
            name_reading("晴海ファーマ株式会社", "harumi-pharma.co.jp")
        assert gc.collect() == 0
    finally:
        gc.enable()
