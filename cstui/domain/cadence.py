"""The executive-touchpoint cadence: when the executive sponsor hears results (deep success).

DOMAIN.md: renewal is decided by executives, so they hear results at fixed moments instead
of whenever someone remembers: at the kickoff, at the end of onboarding (~3 months), at the
contract midpoint (~6 months) and before renewal (90 days ahead). Each touchpoint carries
the agenda the seeds give for it.

Rules, and why:

* Dates. Kickoff = contract start. End of onboarding = the onboarding plan's last due item,
  else start + 90 days. Midpoint = halfway through the contract term. Pre-renewal =
  renewal − 90 days, but never before the term start (a renewal already under 90 days
  away makes it due now).
* The term. A contract of up to two years (start to renewal) is one term. A longer span is
  a multi-year deal or one renewed before; either way it is taken as yearly terms counted
  back from the renewal date, the first (from the contract start) absorbing any stub of
  less than a year, and the term is the one holding ``as_of``: a new three-year deal is in
  its first term, so its kickoff and end of onboarding are due now, not skipped for a
  first touchpoint two years out. Kickoff and end of onboarding belong to the first term
  only; the midpoint recurs each term (halfway through it) and the pre-renewal review comes
  in the term that ends at the renewal date. Touchpoints before the term start or after
  the renewal date are left out. Without a contract start the plan start is used; without a
  renewal date there is no midpoint or pre-renewal (no term to halve), and without any
  date only what the renewal date gives is computed.
* Done. An executive report or a QBR logged from 30 days before to 45 days after the due
  date (the window) completes the touchpoint: the conversation may come a little early, or
  late, and still count. Each report completes one touchpoint at most (the earliest
  matching in due order), so one meeting cannot tick two boxes.
* Missed. Not done and more than 14 days past due (the grace). The pre-renewal touchpoint
  is the exception: it stays due until the renewal date (its window reaches it too),
  because until the executive decides, the conversation still matters.
* Upcoming until the window opens; due from then.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Final, Literal, Protocol

from cstui.domain.enums import ActivityKind, Tier
from cstui.domain.light import AccountLike, ActivityLike, OnboardingLike

WINDOW_BEFORE_DAYS: Final = 30
WINDOW_AFTER_DAYS: Final = 45
GRACE_DAYS: Final = 14
ONBOARDING_DAYS: Final = 90
PRE_RENEWAL_DAYS: Final = 90
SINGLE_TERM_MONTHS: Final = 24
REPORT_KINDS: Final = frozenset({ActivityKind.EXEC_REPORT, ActivityKind.QBR})
CADENCE_TIERS: Final = frozenset({Tier.HIGH, Tier.MID})
"""Tiers whose missed touchpoints raise alerts and get tasks: executive meetings are human
conversations, and a tech-touch book of thousands has no named CSM to hold them."""

Status = Literal["done", "due", "missed", "upcoming"]


class TouchpointKind(StrEnum):
    KICKOFF = "kickoff"
    ONBOARDING_END = "onboarding-end"
    MIDPOINT = "midpoint"
    PRE_RENEWAL = "pre-renewal"


_KIND_ORDER: Final = {kind: n for n, kind in enumerate(TouchpointKind)}
"""Declaration order, for ties on one day (a list lookup per comparison showed in the rescore)."""

LABELS: Final[dict[TouchpointKind, tuple[str, str]]] = {
    TouchpointKind.KICKOFF: ("Executive kickoff", "決裁者とのキックオフ"),
    TouchpointKind.ONBOARDING_END: (
        "End-of-onboarding report to the executive",
        "決裁者へのオンボーディング完了報告",
    ),
    TouchpointKind.MIDPOINT: (
        "Contract midpoint review with the executive",
        "決裁者との契約中間レビュー",
    ),
    TouchpointKind.PRE_RENEWAL: (
        "Pre-renewal review with the executive",
        "決裁者との契約更新前レビュー",
    ),
}
"""(English, Japanese) name of each touchpoint."""

AGENDAS: Final[dict[TouchpointKind, tuple[str, str]]] = {
    TouchpointKind.KICKOFF: (
        "Ask the executive: which business problem should this solve? "
        "What result in one year would make the investment worth it?",
        "決裁者に確認：この導入で解決したい経営課題は何か。"
        "1年後にどんな成果が出ていれば投資に見合うか。",
    ),
    TouchpointKind.ONBOARDING_END: (
        "Report: time saved compared with before, metrics that improved, end-user feedback, "
        "and proposals for the next step.",
        "報告：導入前と比べた削減時間、改善した指標、エンドユーザーの声、次の一手の提案。",
    ),
    TouchpointKind.MIDPOINT: (
        "Review the cumulative effect and an ROI estimate; agree the plan for the second half.",
        "これまでの累積効果とROIの試算を共有し、後半の計画を合意する。",
    ),
    TouchpointKind.PRE_RENEWAL: (
        "Present the year's results and the actual ROI; propose next year "
        "(upgrade, more features).",
        "1年間の成果と実際のROIを報告し、次年度（アップグレード・機能追加）を提案する。",
    ),
}
"""(English, Japanese) agenda of each touchpoint, from DOMAIN.md."""


@dataclass(frozen=True, slots=True)
class Touchpoint:
    kind: TouchpointKind
    due: date
    status: Status
    done_on: date | None
    agenda_en: str
    agenda_ja: str
    activity_id: str = ""
    """The report or QBR that completed it."""
    opens: date = date.min
    """First day a report counts (and the task is worth creating)."""
    closes: date = date.max
    """Last day a report counts."""
    missed_after: date = date.max
    """Missed when not done by the end of this day."""

    def agenda(self, lang: str = "en") -> str:
        return self.agenda_ja if lang == "ja" else self.agenda_en

    def label(self, lang: str = "en") -> str:
        en, ja = LABELS[self.kind]
        return ja if lang == "ja" else en


def add_months(day: date, months: int) -> date:
    """Calendar months later (earlier when negative), clamped to the month's last day."""
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def term_bounds(
    start: date | None, renewal: date | None, as_of: date | None = None
) -> tuple[date | None, date | None]:
    """(start, end) of the term holding ``as_of``: yearly terms back from ``renewal`` when
    the contract spans more than two years, the first from ``start`` (module notes).
    Without ``as_of``, the last term: the one that ends at ``renewal``."""
    if renewal is None:
        return start, None
    if start is not None and start <= renewal <= add_months(start, SINGLE_TERM_MONTHS):
        return start, renewal
    day = renewal if as_of is None or as_of > renewal else as_of
    years = 1
    term = add_months(renewal, -12)
    while term > day:  # step back a year at a time to the term that holds the day
        years += 1
        term = add_months(renewal, -12 * years)
    if start is not None and term < add_months(start, 12):
        # the first term: from the contract start to the first anniversary a year or more on
        first_year = add_months(start, 12)
        back = years - 1
        while back > 0 and add_months(renewal, -12 * back) < first_year:
            back -= 1
        return start, add_months(renewal, -12 * back)
    return term, add_months(renewal, -12 * (years - 1))


_JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff66-\uff9f]")


class CadenceAccount(AccountLike, Protocol):
    """What the touchpoint pass reads of an account: an :class:`Account`, or a light
    record of one (``light.LightAccount``)."""

    @property
    def name(self) -> str: ...
    @property
    def currency(self) -> str: ...
    @property
    def owner(self) -> str: ...


class NamedAccount(Protocol):
    """What :func:`account_lang` reads: an :class:`Account`, or a light record of one."""

    @property
    def name(self) -> str: ...
    @property
    def currency(self) -> str: ...


def account_lang(account: NamedAccount) -> str:
    """The language to write an account's generated tasks in: Japanese for a Japanese name
    or a yen contract, else English (the team reading them shares the account's language)."""
    if account.currency == "JPY" or _JAPANESE.search(account.name):
        return "ja"
    return "en"


def _planned(
    account: AccountLike, plan: OnboardingLike | None, as_of: date | None = None
) -> list[tuple[TouchpointKind, date]]:
    start = account.contract_start or (plan.start if plan is not None else None)
    renewal = account.renewal_date
    term, term_end = term_bounds(start, renewal, as_of)
    out: list[tuple[TouchpointKind, date]] = []
    if start is not None:
        out.append((TouchpointKind.KICKOFF, start))
    onboarding_start = plan.start if plan is not None else start
    if onboarding_start is not None:
        dues = [it.due for it in plan.items if it.due is not None] if plan is not None else []
        end = max(dues) if dues else onboarding_start + timedelta(days=ONBOARDING_DAYS)
        out.append((TouchpointKind.ONBOARDING_END, end))
    if term is not None and term_end is not None:
        mid = term + timedelta(days=(term_end - term).days // 2)
        out.append((TouchpointKind.MIDPOINT, mid))
    if renewal is not None and term_end == renewal:
        pre = renewal - timedelta(days=PRE_RENEWAL_DAYS)
        out.append((TouchpointKind.PRE_RENEWAL, max(pre, term) if term is not None else pre))
    return [
        (kind, due)
        for kind, due in out
        if (term is None or due >= term) and (renewal is None or due <= renewal)
    ]


def touchpoints(
    account: AccountLike,
    plan: OnboardingLike | None,
    activities: Iterable[ActivityLike],
    as_of: date,
) -> list[Touchpoint]:
    """The account's executive touchpoints of the current term at ``as_of``, by due date.

    Only activities dated on or before ``as_of`` count, so the answer at a past date is
    what it was then.
    """
    planned = sorted(_planned(account, plan, as_of), key=lambda p: (p[1], _KIND_ORDER[p[0]]))
    if not planned:
        return []
    reports = sorted(
        (a for a in activities if a.kind in REPORT_KINDS and a.date <= as_of),
        key=lambda a: (a.date, a.id),
    )
    used: set[int] = set()
    renewal = account.renewal_date
    out: list[Touchpoint] = []
    for kind, due in planned:
        opens = due - timedelta(days=WINDOW_BEFORE_DAYS)
        closes = due + timedelta(days=WINDOW_AFTER_DAYS)
        missed_after = due + timedelta(days=GRACE_DAYS)
        if kind is TouchpointKind.PRE_RENEWAL and renewal is not None:
            closes = max(closes, renewal)
            missed_after = max(due, renewal)
        match: ActivityLike | None = None
        for n, report in enumerate(reports):
            if n not in used and opens <= report.date <= closes:
                used.add(n)
                match = report
                break
        status: Status
        if match is not None:
            status = "done"
        elif as_of < opens:
            status = "upcoming"
        elif as_of > missed_after:
            status = "missed"
        else:
            status = "due"
        en, ja = AGENDAS[kind]
        out.append(
            Touchpoint(
                kind=kind,
                due=due,
                status=status,
                done_on=match.date if match is not None else None,
                agenda_en=en,
                agenda_ja=ja,
                activity_id=match.id if match is not None else "",
                opens=opens,
                closes=closes,
                missed_after=missed_after,
            )
        )
    return out


def next_touchpoint(points: Iterable[Touchpoint]) -> Touchpoint | None:
    """The earliest one still to hold (due or upcoming), for the account overview."""
    return next((p for p in points if p.status in ("due", "upcoming")), None)
