"""ROI against the seed's worked example (DOMAIN.md) and the edges an executive would hit."""

from __future__ import annotations

import pytest

from cstui.domain.models import ROIInputs
from cstui.domain.roi import compute, percent


def test_seed_example_20_hours_at_2000_yen_against_a_360000_fee() -> None:
    # 20 h/month × 12 = 240 h/year × ¥2,000 = ¥480,000; fee ¥360,000 → net ¥120,000, 33 %.
    result = compute(ROIInputs(hours_saved_per_month=20, hourly_cost=2000, annual_fee=360_000))
    assert result.time_value == 480_000
    assert result.annual_value == 480_000
    assert result.net_value == 120_000
    assert result.roi_pct == pytest.approx(33.333333)
    assert percent(result.roi_pct or 0) == 33
    assert result.payback_months == pytest.approx(9.0)  # 360,000 ÷ 40,000 a month
    assert result.roi_reason is None
    assert result.payback_reason is None


def test_extra_revenue_and_other_savings_are_yearly() -> None:
    # The ad example: ¥1M spend (the fee) → ¥3M revenue: net ¥2M, ROI 200 %, 4 months.
    result = compute(ROIInputs(extra_revenue=3_000_000, annual_fee=1_000_000))
    assert result.annual_value == 3_000_000
    assert result.net_value == 2_000_000
    assert result.roi_pct == pytest.approx(200.0)
    assert result.payback_months == pytest.approx(4.0)
    mixed = compute(
        ROIInputs(hours_saved_per_month=10, hourly_cost=50, other_savings=-1000, annual_fee=5000)
    )
    assert mixed.annual_value == 10 * 12 * 50 - 1000


def test_zero_fee_has_no_roi_and_pays_back_at_once() -> None:
    result = compute(ROIInputs(hours_saved_per_month=20, hourly_cost=2000, annual_fee=0))
    assert result.roi_pct is None
    assert result.roi_reason == "no_fee"
    assert result.net_value == 480_000
    assert result.payback_months == 0.0


def test_negative_net_gives_negative_roi_and_a_payback_beyond_the_year() -> None:
    result = compute(ROIInputs(hours_saved_per_month=10, hourly_cost=2000, annual_fee=360_000))
    assert result.annual_value == 240_000
    assert result.net_value == -120_000
    assert result.roi_pct == pytest.approx(-33.333333)
    assert percent(result.roi_pct or 0) == -33
    assert result.payback_months == pytest.approx(18.0)


def test_no_value_never_pays_back() -> None:
    for inputs in (
        ROIInputs(annual_fee=360_000),
        ROIInputs(other_savings=-10_000, annual_fee=360_000),
        ROIInputs(),
    ):
        result = compute(inputs)
        assert result.payback_months is None
        assert result.payback_reason == "no_value"
    nothing = compute(ROIInputs())
    assert nothing.roi_pct is None
    assert nothing.net_value == 0


def test_percent_rounds_half_away_from_zero() -> None:
    assert [percent(x) for x in (33.33, 33.5, -12.5, -0.4, 0.0)] == [33, 34, -13, 0, 0]
