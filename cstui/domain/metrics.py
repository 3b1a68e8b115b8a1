"""Book-of-business formulas, each defined once (DOMAIN.md, "KPIs and their formulas")."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Final, NamedTuple

from cstui.i18n import Msg, join, msg

NPS_PROMOTER_MIN: Final = 9
NPS_DETRACTOR_MAX: Final = 6
"""NPS's own classes: promoters 9–10, detractors 0–6. ``health.toml`` ``[flags.detractor]
max_score`` may move the detractor line for a company; whoever reads it passes it here."""
CSAT_SATISFIED_MIN: Final = 4
"""A CSAT answer of 4 or 5 (of 5) is a satisfied customer (the ``share`` method)."""


def is_detractor(score: int, max_score: int = NPS_DETRACTOR_MAX) -> bool:
    """The one detractor rule: the NPS, the KPI report's detractor list and the alert."""
    return score <= max_score


def is_promoter(score: int) -> bool:
    return score >= NPS_PROMOTER_MIN


def nps(scores: Iterable[int], detractor_max: int = NPS_DETRACTOR_MAX) -> float | None:
    """% promoters (9–10) − % detractors (0–6), −100…100; None when nobody answered."""
    values = list(scores)
    if not values:
        return None
    promoters, _, detractors = nps_breakdown(values, detractor_max)
    return 100 * (promoters - detractors) / len(values)


def mean(values: Iterable[float]) -> float | None:
    """Arithmetic mean; None for no values."""
    items = list(values)
    return sum(items) / len(items) if items else None


def time_to_value(start: date, first_value_done: date | None) -> int | None:
    """Time to value: days from the onboarding start to the first-value milestone's completion.

    None while the milestone is not reached. A completion dated before the start (a plan
    re-started after value was already seen) counts as 0 days, never negative.
    """
    if first_value_done is None:
        return None
    return max(0, (first_value_done - start).days)


# --- book-of-business KPIs ---
# Rates are percentages (5 of 100 → 5.0), like ``nps``. A zero or empty denominator is "no
# data" (None), never a ZeroDivisionError: an empty period is a fact to show, not a crash.


def _percent(part: float, whole: float) -> float | None:
    return None if whole <= 0 else 100 * part / whole


def churn_rate(lost: int, at_start: int) -> float | None:
    """Logo churn: customers lost in the period ÷ customers at its start (5 of 100 → 5 %)."""
    return _percent(lost, at_start)


def renewal_rate(renewed: int, up_for_renewal: int) -> float | None:
    """Renewed ÷ up for renewal (95 of 100 → 95 %)."""
    return _percent(renewed, up_for_renewal)


def grr(start_arr: float, churned_arr: float, contraction_arr: float) -> float | None:
    """Gross revenue retention: ARR kept from the starting book, expansion not counted."""
    return _percent(start_arr - churned_arr - contraction_arr, start_arr)


def nrr(
    start_arr: float, churned_arr: float, contraction_arr: float, expansion_arr: float
) -> float | None:
    """Net revenue retention: like GRR plus expansion of the same accounts (can exceed 100)."""
    return _percent(start_arr - churned_arr - contraction_arr + expansion_arr, start_arr)


def revenue_churn(start_arr: float, churned_arr: float, contraction_arr: float) -> float | None:
    """Gross revenue churn: ARR lost (churn + contraction) ÷ starting ARR (= 100 − GRR)."""
    return _percent(churned_arr + contraction_arr, start_arr)


def upsell_rate(expanded_accounts: int, accounts: int) -> float | None:
    """Accounts that bought more ÷ accounts (20 of 100 → 20 %)."""
    return _percent(expanded_accounts, accounts)


def ltv(monthly_revenue: float | None, years: float) -> float | None:
    """Lifetime value: monthly revenue × 12 × expected years (¥10,000 × 12 × 5 = ¥600,000)."""
    if monthly_revenue is None:
        return None
    return monthly_revenue * 12 * years


def ltv_from_churn(
    revenue: float | None, gross_margin: float, churn_pct: float | None
) -> float | None:
    """Churn-based LTV: revenue per account per period × gross margin ÷ that period's churn
    rate (¥300,000 a quarter × 0.8 ÷ 4 % = ¥6,000,000). None when the churn rate is 0 or
    unknown: with nobody lost the expected lifetime is not known, not infinite."""
    if revenue is None or churn_pct is None or churn_pct <= 0:
        return None
    return revenue * gross_margin / (churn_pct / 100)


def nps_breakdown(
    scores: Iterable[int], detractor_max: int = NPS_DETRACTOR_MAX
) -> tuple[int, int, int]:
    """(promoters 9–10, passives 7–8, detractors 0–6): the counts behind an NPS."""
    values = list(scores)
    promoters = sum(1 for s in values if is_promoter(s))
    detractors = sum(1 for s in values if is_detractor(s, detractor_max) and not is_promoter(s))
    return promoters, len(values) - promoters - detractors, detractors


def csat(scores: Iterable[int], method: str = "share") -> float | None:
    """CSAT on 1–5: ``share`` (default) = % of answers that are 4 or 5; ``mean`` = mean score."""
    values = list(scores)
    if method == "mean":
        return mean(values)
    if method != "share":
        raise ValueError(f"Unknown CSAT method '{method}': use share or mean.")
    return _percent(sum(1 for s in values if s >= CSAT_SATISFIED_MIN), len(values))


def onboarding_completion_rate(completed: int, started: int) -> float | None:
    """Onboardings completed ÷ onboardings in the cohort (Sansan's オンボーディング成功率)."""
    return _percent(completed, started)


class CurrencyMixError(ValueError):
    """Amounts in different currencies were added without an explicit conversion.

    ``str()`` is the English sentence; ``message`` words it in the reader's language.
    """

    def __init__(self, message: Msg) -> None:
        super().__init__(message.render("en"))
        self.message = message


class Money(NamedTuple):
    amount: float
    currency: str


def convert(amount: float, currency: str, to: str, rates: Mapping[str, float]) -> float | None:
    """``amount`` in ``to`` at the configured ``rates`` (units of ``to`` per unit of the
    other currency); None when the currency has no rate, so nothing is compared silently."""
    source, target = currency.upper(), to.upper()
    if source == target:
        return float(amount)
    rate = rates.get(source)
    return None if rate is None else amount * rate


def sum_money(
    items: Iterable[tuple[float, str]],
    *,
    to: str | None = None,
    rates: Mapping[str, float] | None = None,
) -> Money | None:
    """Add amounts, refusing to mix currencies silently.

    Without ``to`` every amount must share one currency. With ``to``, amounts in other
    currencies are converted with ``rates`` (units of ``to`` per one unit of that currency,
    e.g. ``to="JPY", rates={"USD": 150}``); a currency without a rate is refused too.
    Returns None for no items and no ``to`` (nothing to say which currency 0 is in).
    """
    pairs = [(amount, currency.upper()) for amount, currency in items]
    if to is None:
        if rates:
            raise ValueError("Conversion rates need a target currency (to=...).")
        currencies = sorted({c for _, c in pairs})
        if not currencies:
            return None
        if len(currencies) > 1:
            raise CurrencyMixError(
                msg("kpi.note.currency_mix", currencies=join("sep.and", currencies))
            )
        return Money(sum(a for a, _ in pairs), currencies[0])
    target = to.upper()
    table = {k.upper(): v for k, v in (rates or {}).items()}
    missing = sorted({c for _, c in pairs if c != target and c not in table})
    if missing:
        raise CurrencyMixError(
            msg("kpi.note.no_rate", currencies=join("sep.list", missing), target=target)
        )
    total = sum(a if c == target else a * table[c] for a, c in pairs)
    return Money(total, target)


def band_share(in_band: int, scored: int) -> float | None:
    """Share of scored accounts in one health band (the health distribution's headline)."""
    return _percent(in_band, scored)
