"""The portfolio rows: built fast (shared dates, positional construction), yet the same rows."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from cstui.domain.enums import Stage, Tier
from cstui.domain.kana import name_reading
from cstui.domain.portfolio import (
    SORT_KEYS,
    PortfolioRow,
    build_row,
    fold,
    same_currency,
    sort_rows,
)
from cstui.workspace import Workspace


def plain_row(
    account: Mapping[str, Any], last_touch: date | None, today: date, to_report: Any
) -> PortfolioRow:
    """The row spelled out the slow, obvious way: every field by name, every date parsed."""
    renewal_iso = account.get("renewal_date")
    renewal = None if renewal_iso is None else date.fromisoformat(renewal_iso)
    tags = " ".join(account.get("tags", ()))
    key = fold(f"{account['name']} {account.get('domain', '')} {account.get('owner', '')} {tags}")
    reading = name_reading(fold(account["name"]), fold(account.get("domain", "")))
    return PortfolioRow(
        id=account["id"],
        name=account["name"],
        tier=Tier(account.get("tier", "mid")),
        stage=Stage(account.get("stage", "onboarding")),
        arr=account.get("arr", 0),
        currency=account.get("currency", "JPY"),
        renewal_date=renewal,
        owner=account.get("owner", ""),
        last_touch=last_touch,
        days_since_touch=None if last_touch is None else (today - last_touch).days,
        search_key=f"{key} {reading}" if reading else key,
        days_to_renewal=None if renewal is None else (renewal - today).days,
        arr_report=to_report(account.get("arr", 0), account.get("currency", "JPY")),
    )


def _convert(amount: int, currency: str) -> float | None:
    return None if currency == "EUR" else amount * (150.0 if currency == "USD" else 1.0)


def _book(ws: Workspace) -> list[dict[str, Any]]:
    """The demo book's accounts, plus the shapes a demo never makes."""
    accounts = [dict(r) for r in ws.store.scan("accounts")]
    assert len(accounts) >= 60
    accounts += [
        {"id": "bare", "name": "Bare"},  # every default
        {"id": "eur", "name": "Ｅｕｒｏ　ＧｍｂＨ", "currency": "EUR", "arr": 7, "tags": []},
        {"id": "past", "name": "Past", "renewal_date": "2020-02-29", "tags": ["a", "b"]},
    ]
    return accounts


def test_rows_are_those_of_the_plain_construction(demo_ws: Workspace) -> None:
    today = date(2026, 11, 23)
    for account_no, account in enumerate(_book(demo_ws)):
        touch = None if account_no % 5 == 0 else today - timedelta(days=account_no % 40)
        for convert in (same_currency, _convert):
            assert build_row(account, touch, today, convert) == plain_row(
                account, touch, today, convert
            ), account["id"]


def test_another_day_counts_the_days_again(demo_ws: Workspace) -> None:
    """The parsed dates are shared, but the day counts belong to the day they were made on."""
    accounts = _book(demo_ws)
    touch = date(2026, 10, 1)
    for today in (date(2026, 11, 23), date(2027, 3, 1), date(2026, 11, 23)):
        for account in accounts:
            assert build_row(account, touch, today) == plain_row(
                account, touch, today, same_currency
            )


def test_rows_share_one_date_object_per_distinct_date(demo_ws: Workspace) -> None:
    today = date(2026, 11, 23)
    rows = [build_row(a, None, today) for a in _book(demo_ws)]
    dates = [r.renewal_date for r in rows if r.renewal_date is not None]
    assert len(dates) > len(set(dates))  # the demo book repeats renewal dates
    assert len({id(d) for d in dates}) == len(set(dates))


def two_pass_sort(rows: list[PortfolioRow], key: str, reverse: bool) -> list[PortfolioRow]:
    """The definition: by name, then a stable sort on the column."""
    by_name = sorted(rows, key=SORT_KEYS["name"])
    return sorted(by_name, key=SORT_KEYS[key], reverse=reverse)


def test_sorting_is_by_the_column_then_by_name(demo_ws: Workspace) -> None:
    rows = demo_ws.portfolio()
    twins = [replace(r, id=f"{r.id}-twin") for r in rows[:5]]  # same names, same values
    rows = rows + twins
    for key in SORT_KEYS:
        for reverse in (False, True):
            assert [r.id for r in sort_rows(rows, key, reverse)] == [
                r.id for r in two_pass_sort(rows, key, reverse)
            ], (key, reverse)
