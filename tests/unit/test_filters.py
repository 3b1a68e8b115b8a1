from __future__ import annotations

from datetime import date

import pytest

from cstui.domain.enums import Stage, Tier
from cstui.domain.filters import narrows, parse
from cstui.domain.portfolio import PortfolioRow, fold


def row(name: str, **kw: object) -> PortfolioRow:
    base: dict[str, object] = {
        "id": name,
        "name": name,
        "tier": Tier.MID,
        "stage": Stage.ADOPTION,
        "arr": 1_000_000,
        "currency": "JPY",
        "renewal_date": date(2027, 6, 1),
        "owner": "me",
        "last_touch": None,
        "days_since_touch": 10,
        "search_key": fold(name),
        "days_to_renewal": 190,
        "health": 60,
        "band": "yellow",
    }
    base.update(kw)
    base.setdefault("arr_report", float(base["arr"]))  # type: ignore[arg-type]
    return PortfolioRow(**base)  # type: ignore[arg-type]


ROWS = [
    row(
        "株式会社みらい物流",
        health=35,
        band="red",
        tier=Tier.HIGH,
        days_to_renewal=45,
        flags=("champion-left",),
        arr=12_000_000,
    ),
    row("Northwind Logistics", health=82, band="green", owner="sato", days_to_renewal=-3),
    row(
        "ＡＣＭＥ Trading",
        health=None,
        band="unknown",
        stage=Stage.ONBOARDING,
        days_since_touch=None,
    ),
    row("Bluefin Analytics", health=40, band="yellow", tier=Tier.TECH, arr=500_000),
]


def names(text: str, me: str = "me") -> list[str]:
    q = parse(text, me=me)
    assert q.errors == []
    return [r.name for r in q.apply(ROWS)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", [r.name for r in ROWS]),
        ("health<40", ["株式会社みらい物流"]),
        ("health<=40", ["株式会社みらい物流", "Bluefin Analytics"]),
        ("band:red", ["株式会社みらい物流"]),
        ("tier:high", ["株式会社みらい物流"]),
        ("stage:onboarding", ["ＡＣＭＥ Trading"]),
        ("renewal<90d", ["株式会社みらい物流"]),  # upcoming only: not the passed one
        ("renewal<0d", []),
        ("renewal:overdue", ["Northwind Logistics"]),
        ("renewal:upcoming", ["株式会社みらい物流"]),
        ("owner:me tier:tech", ["Bluefin Analytics"]),
        ("flag:champion-left", ["株式会社みらい物流"]),
        ("arr>1000000", ["株式会社みらい物流"]),
        ("arr>=1m", ["株式会社みらい物流", "Northwind Logistics", "ＡＣＭＥ Trading"]),
        ("株式会社", ["株式会社みらい物流"]),
        ("acme", ["ＡＣＭＥ Trading"]),  # width- and case-insensitive
        ("ＮＯＲＴＨ", ["Northwind Logistics"]),
        ("ｈｅａｌｔｈ＜４０", ["株式会社みらい物流"]),  # typed with a Japanese IME
        ("-band:red owner:me", ["ＡＣＭＥ Trading", "Bluefin Analytics"]),
        ('"acme trading"', ["ＡＣＭＥ Trading"]),
        ("touch>30d", ["ＡＣＭＥ Trading"]),
    ],
)
def test_terms(text: str, expected: list[str]) -> None:
    assert names(text) == expected


def test_owner_me_means_the_current_user() -> None:
    assert names("owner:me", me="sato") == ["Northwind Logistics"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("colour:red", "Unknown filter 'colour:'"),
        ("band:purple", "band:purple is not a band"),
        ("tier:gold", "tier:gold is not a tier"),
        ("health<abc", "'health<abc': health needs a number, not 'abc'."),
        ("renewal<soon", "renewal needs a number of days like 90d or 3m"),
        ("size>3", "cannot compare 'size'"),
        ("flag:sad", "flag:sad is not a flag"),
        ("stage:", "needs a value after the colon"),
    ],
)
def test_unknown_terms_are_errors(text: str, message: str) -> None:
    q = parse(f"acme {text}")
    assert len(q.errors) == 1
    assert message in q.errors[0]
    # the rest of the line still applies
    assert [r.name for r in q.apply(ROWS)] == ["ＡＣＭＥ Trading"]


def test_unfinished_quote_is_tolerated_while_typing() -> None:
    assert names('"northwind log') == ["Northwind Logistics"]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("", "acme", True),
        ("acme", "acme corp", True),
        ("株式", "株式会社", True),
        ("acme", "acme tier:high", True),
        ("tier:hi", "tier:high", False),  # a keyword being typed is not a narrowing
        ("health<4", "health<40", False),  # nor is a number being typed
        ("-acm", "-acme", False),  # a longer negation matches more rows
        ("acme", "acm", False),
        ('"acme', '"acme c', False),
        ("acme", "acmex", True),
    ],
)
def test_narrows(old: str, new: str, expected: bool) -> None:
    assert narrows(old, new) is expected


@pytest.mark.parametrize("text", ["株式会社 tier:tech", "a", "ab", "north", "health<40 x"])
def test_narrowing_gives_the_same_rows_as_filtering_from_scratch(text: str) -> None:
    shown = ROWS
    typed = ""
    for ch in text:
        before, typed = typed, typed + ch
        query = parse(typed)
        shown = query.apply(shown if narrows(before, typed) else ROWS)
        assert shown == query.apply(ROWS)


def test_every_flag_rule_has_a_portfolio_code() -> None:
    from cstui.domain.health import FLAG_RULES
    from cstui.screens.portfolio import FLAG_CODES

    assert set(FLAG_CODES) == set(FLAG_RULES)
    assert len(set(FLAG_CODES.values())) == len(FLAG_CODES)
