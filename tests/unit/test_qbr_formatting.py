"""QBR text formatting: money rounds as the app does, relative dates speak as the app does."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from cstui import i18n
from cstui.report import qbr


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        (4.5, "JPY", "¥5"),
        (6.5, "JPY", "¥7"),
        (-0.3, "JPY", "¥0"),
        (12_000.5, "USD", "$12,001"),
        (-8.5, "USD", "-$9"),
    ],
)
def test_qbr_money_rounds_half_up_without_minus_zero(
    amount: float, currency: str, expected: str
) -> None:
    assert qbr.money(amount, currency) == expected


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_qbr_relative_dates_are_the_apps_exact_wording(lang: str) -> None:
    today = date(2026, 5, 11)
    near = qbr.humanized(today + timedelta(days=33), today, lang)
    far = qbr.humanized(today + timedelta(days=38), today, lang)
    assert near != far  # not both "in a month"
    assert "33" in near
    assert near == f"2026-06-13 ({i18n.humanize(today + timedelta(days=33), today, lang=lang)})"
    year = qbr.humanized(today + timedelta(days=366), today, lang)
    assert "12" in year  # "in 12 months", the app's one form, never "in a year"
