"""Issue 16, "Money": one reporting currency with configured rates for sort, filter, header
sums and ARR at risk; money formatted half-up, with no "-¥0" and no "$1000k"."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from cstui.domain.filters import parse
from cstui.domain.portfolio import SummaryTotals, build_row, sort_rows
from cstui.i18n import money, short_money
from cstui.workspace import Workspace


def test_money_rounds_half_up_without_a_minus_zero() -> None:
    assert money(3.5, "JPY") == "¥4"
    assert money(4.5, "JPY") == "¥5"  # round() would say ¥4
    assert money(-0.3, "JPY") == "¥0"
    assert money(-7.5, "JPY") == "-¥8"
    assert money(0.125, "USD") == "$0.13"
    assert money(-0.004, "USD") == "$0.00"
    assert short_money(-0.2, "JPY") == "¥0"
    assert short_money(2_350_000, "JPY") == "¥2.4M"
    assert short_money(-2_350_000, "USD") == "-$2.4M"


def test_short_money_moves_up_a_unit_instead_of_1000k() -> None:
    assert short_money(999_970, "USD") == "$1.0M"
    assert short_money(999_960_000, "JPY") == "¥1.0B"
    assert short_money(99_970, "USD") == "$100k"
    assert short_money(999_940, "JPY") == "¥1.0M"
    assert short_money(949_940, "JPY") == "¥950k"


@pytest.mark.parametrize(
    ("amount", "currency", "shown"),
    [
        (1_000_000, "USD", "$1.0M"),  # the decimal says "rounded to a tenth", never "$1M"
        (3_040_000, "USD", "$3.0M"),
        (-2_000_000, "JPY", "-¥2.0M"),
        (7_000_000_000, "JPY", "¥7.0B"),
        (12_000, "USD", "$12k"),  # thousands stay whole when they are
        (12_500, "USD", "$12.5k"),
        (350_000, "USD", "$350k"),
        (120_000_000, "JPY", "¥120M"),  # from 100 of a unit on, whole units
        (999, "USD", "$999"),
        (1_250, "EUR", "€1.3k"),
        (4_500_000, "CHF", "4.5M CHF"),
    ],
)
def test_short_money_keeps_the_decimal_of_millions_and_billions(
    amount: int, currency: str, shown: str
) -> None:
    assert short_money(amount, currency) == shown


def _book(ws: Workspace) -> dict[str, str]:
    data = {
        "Dollar Big": (420_000, "USD"),  # ¥63,000,000 at 150
        "Yen Mid": (45_000_000, "JPY"),
        "Yen Small": (2_100_000, "JPY"),
        "Dollar Small": (9_000, "USD"),  # ¥1,350,000
        "Euro": (80_000, "EUR"),  # no rate
    }
    return {
        name: ws.create_account(
            {"name": name, "owner": "me", "arr": arr, "currency": cur, "renewal_date": None}
        ).id
        for name, (arr, cur) in data.items()
    }


def test_sort_filter_and_header_compare_converted_arr(empty_ws: Workspace) -> None:
    _book(empty_ws)
    rows = empty_ws.portfolio()
    ordered = [r.name for r in sort_rows(rows, "arr", reverse=True)]
    assert ordered == ["Dollar Big", "Yen Mid", "Yen Small", "Dollar Small", "Euro"]
    assert {r.name for r in parse("arr>=40m").apply(rows)} == {"Dollar Big", "Yen Mid"}
    assert {r.name for r in parse("arr<2m").apply(rows)} == {"Dollar Small"}  # not the euro
    summary = empty_ws.portfolio_summary(rows)
    assert summary.currency == "JPY"
    assert summary.arr_total == pytest.approx(63_000_000 + 45_000_000 + 2_100_000 + 1_350_000)
    assert summary.unconverted == {"EUR": 80_000}
    dollar = next(r for r in rows if r.name == "Dollar Big")
    assert (dollar.arr, dollar.currency) == (420_000, "USD")  # the row keeps its own money


def test_arr_at_risk_is_converted() -> None:
    today = date(2026, 11, 23)

    def convert(amount: int, currency: str) -> float | None:
        return amount * 120.0 if currency == "USD" else float(amount)

    red_usd = build_row(
        {"id": "a", "name": "A", "arr": 5_000, "currency": "USD"}, None, today, convert
    )
    red_jpy = build_row({"id": "b", "name": "B", "arr": 700_000}, None, today, convert)
    green = build_row({"id": "c", "name": "C", "arr": 9_999_999}, None, today, convert)
    red_usd.band = red_jpy.band = "red"
    green.band = "green"
    totals = SummaryTotals(currency="JPY")
    totals.add([red_usd, red_jpy, green])
    s = totals.result()
    assert s.at_risk_total == pytest.approx(600_000 + 700_000)
    assert s.arr_at_risk == {"USD": 5_000, "JPY": 700_000}


def test_rates_come_from_kpis_toml_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "config"
    config.mkdir()
    (config / "kpis.toml").write_text(
        '[currency]\nreport = "JPY"\n[currency.rates]\nUSD = 100.0\nEUR = 160.0\n', "utf-8"
    )
    monkeypatch.setenv("CSTUI_CONFIG_DIR", str(config))
    ws = Workspace.open(tmp_path / "data", user="me")
    try:
        _book(ws)
        rows = {r.name: r for r in ws.portfolio()}
        assert rows["Dollar Big"].arr_report == pytest.approx(42_000_000)
        assert rows["Euro"].arr_report == pytest.approx(12_800_000)
        summary = ws.portfolio_summary(list(rows.values()))
        assert summary.unconverted == {}
    finally:
        ws.close()
