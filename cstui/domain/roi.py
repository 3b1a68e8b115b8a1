"""Return on investment: the number deep success (the executive who renews) is judged by.

The seed's worked example (DOMAIN.md): 20 hours a month saved × 12 × ¥2,000 an hour =
¥480,000 a year; against a ¥360,000 annual fee that is ¥120,000 net and an ROI of
120,000 ÷ 360,000 = 33 %. So:

* annual value = hours saved per month × 12 × hourly cost + extra revenue + other savings
  (extra revenue and other savings are already yearly);
* net value = annual value − annual fee;
* ROI % = net value ÷ annual fee × 100, undefined (None) when there is no fee: a free
  contract has no investment to return, and "infinite ROI" would mislead an executive;
* payback months = annual fee ÷ (annual value ÷ 12): how many months of value repay a
  year's fee; 0 when there is no fee, None when the value is zero or negative (it never pays
  back). It may exceed 12: the contract does not pay for itself within the year.

No rounding here: callers round for display (33.33… shows as 33 %), so reports that add
several accounts up do not accumulate rounding errors.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from cstui.domain.models import ROIInputs

MONTHS: Final = 12

ROIReason = Literal["no_fee"]
PaybackReason = Literal["no_value"]


@dataclass(frozen=True, slots=True)
class ROIResult:
    """The results panel of a success plan; money in the inputs' currency."""

    time_value: float
    """Hours saved per month × 12 × hourly cost."""
    annual_value: float
    net_value: float
    roi_pct: float | None
    payback_months: float | None
    roi_reason: ROIReason | None = None
    """Why ``roi_pct`` is None (an i18n suffix for the UI)."""
    payback_reason: PaybackReason | None = None
    """Why ``payback_months`` is None."""


def compute(inputs: ROIInputs) -> ROIResult:
    """ROI of one account's contract from what the customer gains and pays per year."""
    time_value = inputs.hours_saved_per_month * MONTHS * inputs.hourly_cost
    annual = time_value + inputs.extra_revenue + inputs.other_savings
    fee = inputs.annual_fee
    net = annual - fee
    roi: float | None = None
    roi_reason: ROIReason | None = None
    if fee > 0:
        roi = net / fee * 100.0
    else:
        roi_reason = "no_fee"
    payback: float | None = None
    payback_reason: PaybackReason | None = None
    if annual > 0:
        payback = fee / (annual / MONTHS) if fee > 0 else 0.0
    else:
        payback_reason = "no_value"
    return ROIResult(
        time_value=time_value,
        annual_value=annual,
        net_value=net,
        roi_pct=roi,
        payback_months=payback,
        roi_reason=roi_reason,
        payback_reason=payback_reason,
    )


def percent(value: float) -> int:
    """Whole percent for display, rounded half away from zero (33.3 → 33, −12.5 → −13)."""
    sign = -1 if value < 0 else 1
    return sign * int(abs(value) + 0.5)
