"""QBR text formatting: money rounds as the app does, relative dates speak as the app does."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from cstui import i18n
from cstui.report import qbr
from cstui.report.qbr import render_markdown
from cstui.workspace import Workspace


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


def test_without_roi_inputs_nothing_is_called_an_estimate(demo_ws: Workspace) -> None:
    said: dict[bool, str] = {}
    for row in demo_ws.portfolio():
        data = demo_ws.qbr_data(row.id, "2026Q3", "en")
        if data.roi_measured is None:
            estimated = data.roi_period is not None or data.roi_ytd is not None
            said.setdefault(estimated, render_markdown(data, {}, [], "en"))
    assert set(said) == {True, False}  # the demo has accounts with and without ROI inputs
    assert "No ROI inputs in the success plan yet." in said[False]
    assert "the figures above are estimates" not in said[False]
    assert "No measured ROI yet either." in said[False]
    assert "No measured ROI yet: the figures above are estimates." in said[True]
