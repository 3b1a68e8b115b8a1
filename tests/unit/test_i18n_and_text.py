from __future__ import annotations

import json
import re
from datetime import date, timedelta
from pathlib import Path

import pytest

import cstui
from cstui import i18n
from cstui.sanitize import clean

ROOT = Path(cstui.__file__).parent


@pytest.fixture(autouse=True)
def _english() -> object:
    yield
    i18n.set_language("en")


def test_catalogues_have_the_same_keys() -> None:
    for en_file in (ROOT / "locale" / "en").glob("*.json"):
        ja_file = ROOT / "locale" / "ja" / en_file.name
        en = json.loads(en_file.read_text("utf-8"))
        ja = json.loads(ja_file.read_text("utf-8"))
        assert set(en) == set(ja), en_file.name


def test_every_literal_key_used_in_code_exists() -> None:
    en = i18n.catalogue("en")
    used: set[str] = set()
    for path in ROOT.rglob("*.py"):
        text = path.read_text("utf-8")
        used.update(re.findall(r"\bt\(\s*\"([a-z_]+\.[a-z0-9_.-]+)\"", text))
        used.update(re.findall(r"\"(key\.[a-z_]+)\"", text))  # binding descriptions
    missing = sorted(k for k in used if k not in en)
    assert missing == []


def test_language_switch_and_fallback() -> None:
    assert i18n.t("col.renewal") == "Renewal"
    i18n.set_language("ja")
    assert i18n.t("col.renewal") == "契約更新"
    assert i18n.t("no.such.key") == "no.such.key"
    with pytest.raises(ValueError, match="Unknown language 'fr'"):
        i18n.set_language("fr")


def test_detect_language(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(var, raising=False)
    assert i18n.detect_language() == "en"
    monkeypatch.setenv("LANG", "ja_JP.UTF-8")
    assert i18n.detect_language() == "ja"
    assert i18n.detect_language("en") == "en"


def test_money_per_currency() -> None:
    assert i18n.money(1_200_000, "JPY") == "¥1,200,000"
    assert i18n.money(12_500.5, "USD") == "$12,500.50"
    assert i18n.money(-480, "JPY") == "-¥480"
    assert i18n.money(900, "CHF") == "900 CHF"
    assert i18n.short_money(12_400_000, "JPY") == "¥12.4M"
    assert i18n.short_money(350_000, "USD") == "$350k"
    assert i18n.short_money(999, "USD") == "$999"


def test_humanized_dates_follow_the_language() -> None:
    today = date(2026, 11, 23)
    assert i18n.humanize(date(2027, 2, 23), today) == "in 3 months"
    assert i18n.humanize(date(2026, 11, 20), today) == "3 days ago"
    assert i18n.humanize(today, today) == "today"
    i18n.set_language("ja")
    assert i18n.humanize(date(2027, 2, 23), today) == "3ヶ月後"
    assert i18n.humanize(today, today) == "今日"


def test_relative_dates_are_exact_where_it_matters() -> None:
    """Days under 60 (32 and 37 days are different weeks), then months, then years; one
    form for a year ahead; an overdue date says so with its exact count of days."""
    today = date(2026, 11, 23)

    def rel(days: int, *, late: bool = False) -> str:
        return i18n.humanize(today + timedelta(days=days), today, late=late)

    assert rel(32) == "in 32 days"
    assert rel(37) == "in 37 days"
    assert rel(59) == "in 59 days"
    assert rel(60) == "in 2 months"
    assert rel(-12) == "12 days ago"
    assert rel(-12, late=True) == "12 days overdue"
    assert rel(-1, late=True) == "1 day overdue"
    assert rel(1) == "tomorrow"
    assert {rel(d) for d in range(351, 381)} == {"in 12 months"}  # never "in a year"
    assert rel(800) == "in 2 years"
    assert rel(-400, late=True) == "13 months overdue"
    assert rel(5, late=True) == "in 5 days"  # late only changes the past
    i18n.set_language("ja")
    assert rel(32) == "32日後"
    assert rel(-12, late=True) == "12日超過"
    assert rel(365) == "12ヶ月後"


def test_control_characters_are_neutralised() -> None:
    evil = "A\x1b]52;c;ZXZpbA==\x07B\x1b[2J\nC\x9b"
    out = clean(evil)
    assert "\x1b" not in out
    assert "\x07" not in out
    assert "\n" not in out
    assert "\x9b" not in out
    assert out == "A␛]52;c;ZXZpbA==␇B␛[2J C�"
    assert clean("[bold red]x[/]") == "[bold red]x[/]"
    assert clean("line1\nline2", single_line=False) == "line1\nline2"


@pytest.mark.parametrize(
    ("template", "params", "expected"),
    [
        ("{n} {n|day|days} ago", {"n": 1}, "1 day ago"),
        ("{n} {n|day|days} ago", {"n": -1}, "-1 day ago"),
        ("{n} {n|day|days} ago", {"n": 0}, "0 days ago"),
        ("{n:,} {n|row|rows}, {m|one|many}", {"n": 12345, "m": 1}, "12,345 rows, one"),
        ("{{literal}} {n|a|b} {w!r:>5}|", {"n": 2, "w": "x"}, "{literal} b   'x'|"),
        ("a | b {n}", {"n": 3}, "a | b 3"),
        ("plain {x}", {"x": "y"}, "plain y"),
    ],
)
def test_fill_words_plural_fields_and_keeps_format_specs(
    template: str, params: dict[str, object], expected: str
) -> None:
    assert i18n.fill(template, params) == expected


def test_fill_with_a_missing_count_raises_key_error_for_the_fallback() -> None:
    """``render`` falls back to English (then the key) on ``KeyError``: a plural field
    whose count is missing must raise it, as any missing field does."""
    with pytest.raises(KeyError):
        i18n.fill("{n|day|days}", {})
    with pytest.raises(KeyError):
        i18n.fill("{n} {n|day|days}", {"m": 1})


def test_no_japanese_entry_is_left_in_english() -> None:
    """Every Japanese text has Japanese in it, but for acronyms the Japanese UI writes in
    Latin letters (ARR, KPI) and syntax a user types (filters, dates): an entry copied from
    English, or added in English "for now", shows English in the Japanese UI."""
    kept = {"ARR", "QBR", "KPI", "VoC", "NPS", "CSAT", "ROI", "CRM", "ID", "cstui", "YYYY"}
    typed = {"palette.filter_help"}  # the filter language itself: health<40 tier:high ...
    japanese = re.compile(r"[ぁ-んァ-ヶ一-龠々〜]")
    left = {}
    for key, text in i18n.catalogue("ja").items():
        bare = re.sub(r"\{[^}]*\}|`[^`]*`", "", text)
        if key in typed or japanese.search(bare):
            continue
        words = set(re.findall(r"[A-Za-z]+", bare)) - kept - {"MM", "DD"}
        if words:
            left[key] = text
    assert left == {}
