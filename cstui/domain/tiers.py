"""Touch tiers from ARR thresholds per currency (``[tiers.<CUR>]`` in kpis.toml).

The touch model segments accounts by value; the thresholds are configuration because every
company draws the lines differently. cstui only *suggests* a tier change when an account's
ARR has crossed a line: moving an account between touch models is a CSM's decision.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cstui.domain.enums import Stage, Tier
from cstui.i18n import Msg, money, msg

if TYPE_CHECKING:
    from cstui.domain.renewals import KPIConfig, RenewingAccount


@dataclass(frozen=True)
class TierSuggestion:
    account_id: str
    name: str
    current: Tier
    suggested: Tier
    arr: int
    currency: str
    threshold: int
    """The ARR line crossed (the lower bound of the suggested tier, or of the current one
    when moving down)."""

    @property
    def message(self) -> Msg:
        """The suggestion and its reason, worded where it is shown (the KPI screen): "ARR
        ¥7,000,000 crossed the High-touch threshold ¥6,000,000: suggest High (now Mid)"."""
        return msg(
            "tier.suggest.up" if self.up else "tier.suggest.down",
            arr=money(self.arr, self.currency),
            threshold=money(self.threshold, self.currency),
            current=Msg(f"tier.{self.current.value}"),
            suggested=Msg(f"tier.{self.suggested.value}"),
        )

    @property
    def reason(self) -> str:
        """:attr:`message` in English (scripts, logs)."""
        return self.message.render("en")

    @property
    def up(self) -> bool:
        """Whether the suggested tier is a higher touch than the current one."""
        return self.suggested_rank > _RANK[self.current]

    @property
    def suggested_rank(self) -> int:
        return _RANK[self.suggested]


_RANK = {Tier.TECH: 0, Tier.MID: 1, Tier.HIGH: 2}


def tier_for_arr(arr: int, currency: str, config: KPIConfig | None = None) -> Tier | None:
    """The tier ARR implies; None when the currency has no thresholds."""
    from cstui.domain.renewals import default_kpi_config

    limits = (config or default_kpi_config()).tiers.get(currency.upper())
    if limits is None:
        return None
    high, mid = limits
    if arr >= high:
        return Tier.HIGH
    if arr >= mid:
        return Tier.MID
    return Tier.TECH


def _threshold(tier: Tier, limits: tuple[int, int]) -> int:
    return {Tier.HIGH: limits[0], Tier.MID: limits[1], Tier.TECH: 0}[tier]


def suggest(account: RenewingAccount, config: KPIConfig | None = None) -> TierSuggestion | None:
    """The suggestion with its reason, or None (same tier, churned, or no thresholds)."""
    from cstui.domain.renewals import default_kpi_config

    cfg = config or default_kpi_config()
    if account.stage in (Stage.CHURNED, Stage.NOT_A_FIT):
        return None
    tier = tier_for_arr(account.arr, account.currency, cfg)
    if tier is None or tier is account.tier:
        return None
    limits = cfg.tiers[account.currency.upper()]
    up = _RANK[tier] > _RANK[account.tier]
    line = _threshold(tier if up else account.tier, limits)
    return TierSuggestion(
        account.id, account.name, account.tier, tier, account.arr, account.currency, line
    )


def tier_suggestions(
    accounts: Iterable[RenewingAccount], config: KPIConfig | None = None
) -> list[TierSuggestion]:
    """Every suggestion in the book, biggest ARR first, compared in the report currency at
    the configured rates (:func:`cstui.domain.voc.by_arr`: ¥500,000 was listed before
    $70,000); equal ARRs by name."""
    from cstui.domain.renewals import default_kpi_config
    from cstui.domain.voc import by_arr

    cfg = config or default_kpi_config()
    out = sorted((s for a in accounts if (s := suggest(a, cfg)) is not None), key=lambda s: s.name)
    return by_arr(out, cfg.report_currency, cfg.rates)
