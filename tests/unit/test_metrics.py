"""Every KPI formula against the worked examples of DOMAIN.md, plus the "no data" cases."""

from __future__ import annotations

import pytest

from cstui.domain import metrics
from cstui.domain.metrics import CurrencyMixError, Money, sum_money


def test_churn_rate_domain_example() -> None:
    assert metrics.churn_rate(5, 100) == 5.0


def test_renewal_rate_domain_example() -> None:
    assert metrics.renewal_rate(95, 100) == 95.0


def test_upsell_rate_domain_example() -> None:
    assert metrics.upsell_rate(20, 100) == 20.0


def test_ltv_domain_example() -> None:
    assert metrics.ltv(10_000, 5) == 600_000
    assert metrics.ltv(None, 5) is None


def test_nps_is_promoters_minus_detractors() -> None:
    scores = [10, 9, 9, 8, 7, 6, 0, 10, 3, 9]  # 5 promoters, 2 passives, 3 detractors
    assert metrics.nps_breakdown(scores) == (5, 2, 3)
    assert metrics.nps(scores) == pytest.approx(100 * 5 / 10 - 100 * 3 / 10)


def test_grr_and_nrr_hand_computed() -> None:
    # 1,000 at start; 100 churned, 50 contraction, 200 expansion
    assert metrics.grr(1000, 100, 50) == 85.0
    assert metrics.nrr(1000, 100, 50, 200) == 105.0
    assert metrics.revenue_churn(1000, 100, 50) == 15.0


def test_csat_share_and_mean() -> None:
    scores = [5, 4, 3, 2, 5]
    assert metrics.csat(scores) == 60.0  # share of 4–5 by default
    assert metrics.csat(scores, method="mean") == pytest.approx(3.8)
    with pytest.raises(ValueError, match="share or mean"):
        metrics.csat(scores, method="median")


def test_onboarding_completion_average_and_band_share() -> None:
    assert metrics.onboarding_completion_rate(8, 10) == 80.0
    assert metrics.mean([10, 20, 30]) == 20.0
    assert metrics.band_share(3, 4) == 75.0


@pytest.mark.parametrize(
    "value",
    [
        metrics.churn_rate(0, 0),
        metrics.renewal_rate(0, 0),
        metrics.grr(0, 0, 0),
        metrics.nrr(0, 0, 0, 0),
        metrics.revenue_churn(0, 0, 0),
        metrics.upsell_rate(0, 0),
        metrics.csat([]),
        metrics.csat([], method="mean"),
        metrics.nps([]),
        metrics.onboarding_completion_rate(0, 0),
        metrics.mean([]),
        metrics.band_share(0, 0),
    ],
)
def test_empty_denominators_are_no_data_not_errors(value: float | None) -> None:
    assert value is None


def test_nps_breakdown_empty() -> None:
    assert metrics.nps_breakdown([]) == (0, 0, 0)


def test_sum_money_one_currency() -> None:
    assert sum_money([(100, "JPY"), (200, "jpy")]) == Money(300, "JPY")
    assert sum_money([]) is None
    assert sum_money([], to="JPY") == Money(0, "JPY")


def test_sum_money_refuses_mixing() -> None:
    with pytest.raises(CurrencyMixError, match="JPY and USD"):
        sum_money([(100, "JPY"), (1, "USD")])


def test_sum_money_converts_only_explicitly() -> None:
    total = sum_money([(100, "JPY"), (2, "USD")], to="JPY", rates={"USD": 150})
    assert total == Money(400, "JPY")
    with pytest.raises(CurrencyMixError, match="No exchange rate from EUR to JPY"):
        sum_money([(1, "EUR"), (2, "USD")], to="JPY", rates={"USD": 150})
    with pytest.raises(ValueError, match="target currency"):
        sum_money([(1, "USD")], rates={"USD": 150})
