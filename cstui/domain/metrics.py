"""Book-of-business formulas, each defined once (DOMAIN.md, "KPIs and their formulas")."""

from __future__ import annotations

from collections.abc import Iterable


def nps(scores: Iterable[int]) -> float | None:
    """% promoters (9–10) − % detractors (0–6), −100…100; None when nobody answered."""
    values = list(scores)
    if not values:
        return None
    promoters = sum(1 for s in values if s >= 9)
    detractors = sum(1 for s in values if s <= 6)
    return 100 * (promoters - detractors) / len(values)


def mean(values: Iterable[float]) -> float | None:
    items = list(values)
    return sum(items) / len(items) if items else None
