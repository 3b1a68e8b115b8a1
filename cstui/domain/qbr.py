"""The numbers of a quarterly business review, assembled once and frozen when delivered.

A QBR is judged by the executive who renews, so every figure here is taken from the rule
that computes it everywhere else (health, objective status, ROI, NPS/CSAT); this module only
selects, scales and words them. :class:`QBRData` is plain data so it can be stored as JSON
in ``QBR.frozen`` (:func:`to_json` / :func:`from_json`): a delivered review must read the
same a year later, whatever happened to the account since.

ROI scaling. :func:`cstui.domain.roi.compute` answers per contract year. The review shows
the *period* (the quarter) and the *year to date* (calendar year, January to the quarter's
end, or to today in a quarter still running), each as the annual value, fee and net
multiplied by ``months ÷ 12``. Months are the months the contract ran in the window,
counted from its start day, a part month as its share of days: a contract that started on
15 August counts about 1.5 months of Q3, one signed yesterday a day's worth, never a
month; amounts are then rounded to whole units. ROI % and payback are ratios, so they are
the annual ones unchanged. No time in the window (the contract started later) gives no ROI
row (None).

Texts that the review shows as sentences (risks, next steps, changes, the drafted summary)
are worded here in English or Japanese, like the cadence agendas; report labels live in
``locale/<lang>/qbr.json``, and tiers and stages are stored as values and named from the
catalogues (``stage.adoption``) in the review's language.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import cache
from typing import Any, Final

from pydantic import TypeAdapter

from cstui.domain import metrics
from cstui.domain.models import Objective
from cstui.domain.renewals import Period
from cstui.domain.roi import MONTHS, ROIResult, percent
from cstui.i18n import Msg, fill, grouped, render

SECTIONS: Final = ("summary", "results", "roi", "stories", "risks", "next_steps", "changes")
"""The seven sections of the review, in the order the report shows them."""

FORMAT_VERSION: Final = 2
"""Stored in frozen data so a later cstui can tell how to read an old snapshot.
Version 2 keeps internal notes apart from the customer's risks (``QBRData.internal``)."""


@dataclass(slots=True)
class AccountInfo:
    name: str
    tier: str
    stage: str
    arr: int
    currency: str
    renewal_date: date | None
    owner: str


@dataclass(slots=True)
class Adoption:
    """At the period's end: active users against seats, key features in use."""

    active_users: int | None
    seats: int
    features_used: int | None
    features_total: int | None


@dataclass(slots=True)
class KPIRow:
    objective: str
    audience: str
    kpi: str
    unit: str
    baseline: float
    current: float | None
    target: float
    progress: float | None
    """Unclamped share of the way from baseline to target (success.progress)."""
    status: str | None
    """An ObjectiveStatus value at the period's end; None when it cannot be told."""


@dataclass(slots=True)
class ROIRow:
    """roi.compute's annual result scaled to ``months`` (see the module notes)."""

    months: float
    """Months the contract ran in the window, part months as fractions (2 days ≈ 0.07)."""
    currency: str
    value: float
    fee: float
    net: float
    roi_pct: float | None
    payback_months: float | None


@dataclass(slots=True)
class MeasuredROI:
    """ROI as the customer measured it (実績): the latest reading of an ROI KPI.

    :class:`ROIRow` is an estimate (試算) from the plan's inputs; an executive must be able to
    tell the two apart, so a review never mixes them (see :func:`measured_roi`).
    """

    objective: str
    kpi: str
    pct: float
    day: date


_Day = date
"""``date`` under another name: StoryRow's field ``date`` hides the type in its own body."""


@dataclass(slots=True)
class StoryRow:
    activity_id: str
    date: _Day
    kind: str
    summary: str
    marked: bool


@dataclass(slots=True)
class QBRData:
    account_id: str
    account: AccountInfo
    period: str
    period_start: date
    period_end: date
    as_of: date
    """The day the numbers were assembled (risks and next steps are as of this day)."""
    lang: str
    health_start: int | None
    health_end: int | None
    health_series: list[tuple[date, int]]
    usage_series: list[tuple[date, int, int]]
    """(date, active users, logins) of each usage reading in the period."""
    adoption: Adoption
    support: int | None
    """Open support tickets at the period's end (None without usage data)."""
    nps: list[int]
    csat: list[int]
    kpis: list[KPIRow]
    roi_period: ROIRow | None
    roi_ytd: ROIRow | None
    stories: list[StoryRow]
    risks: list[str]
    """Risks and asks the customer sees: objectives behind, open requests, negative ROI."""
    next_steps: list[str]
    changes: list[str]
    previous_period: str | None = None
    """The last delivered QBR compared against in ``changes`` (None: this is the first)."""
    summary_draft: str = ""
    version: int = FORMAT_VERSION
    internal: list[str] = field(default_factory=list)
    """The CSM's prep notes (health flags: detractors by name, days since the last touch, a
    missed executive touchpoint). Shown in the QBR tab, never exported: see
    :func:`customer_view`."""
    roi_measured: MeasuredROI | None = None
    """The customer's own ROI reading by the period's end (None: only the estimate)."""
    csat_method: str = "share"
    """kpis.toml ``csat_method`` when assembled (``share`` of 4–5 answers, or ``mean``
    score), so the review's CSAT is the KPI report's for the same answers."""
    detractor_max: int = metrics.NPS_DETRACTOR_MAX
    """The highest NPS answer that is a detractor when assembled (the health config's)."""

    @property
    def nps_score(self) -> float | None:
        return metrics.nps(self.nps, self.detractor_max)

    @property
    def csat_score(self) -> float | None:
        """CSAT by the configured method (:func:`metrics.csat`, as the KPI report)."""
        return metrics.csat(self.csat, self.csat_method)

    @property
    def csat_is_mean(self) -> bool:
        """Whether :attr:`csat_score` is a mean on 1–5 (else a % of satisfied answers)."""
        return self.csat_method == "mean"

    def marked_stories(self) -> list[StoryRow]:
        return [s for s in self.stories if s.marked]


# --------------------------------------------------------------------------------------------
# Periods and ROI
# --------------------------------------------------------------------------------------------


def default_period(today: date) -> str:
    """The last full quarter: a review looks back on a quarter that is over."""
    return Period.containing(today).shift(-1).label


def opening_period(today: date, began: date | None, ended: date | None) -> str:
    """The quarter a review opens on: the last complete quarter in which the customer
    existed (``began``: contract start; ``ended``: churn day). A customer who churned
    earlier opens on the quarter they left in; one whose contract began after the last
    complete quarter has none yet, so the quarter running now."""
    running = Period.containing(today)
    last = running.shift(-1)
    if ended is not None and ended <= last.end:
        last = Period.containing(ended)
    if began is not None and began > last.end:
        return running.label
    return last.label


def unfinished(period: Period, today: date) -> bool:
    """A quarter not over yet: delivering its review freezes numbers still moving."""
    return period.end >= today


def parse_period(text: str) -> Period:
    """A quarter like 2026Q3; months and years are refused (a QBR is quarterly)."""
    period = Period.parse(text)
    if period.kind != "quarter":
        raise ValueError(f"'{text}' is not a quarter like 2026Q3.")
    return period


def due_date(period: Period) -> date:
    """A review is due 30 days after its quarter ends."""
    return period.end + timedelta(days=30)


def _months_running(first: date, last: date, contract_start: date | None) -> float:
    """Months the contract ran within ``first``…``last`` (both days included), counted from
    its start day: whole months, then the days left as a share of the month they fall in.

    A contract signed on 22 November has run 2 days' worth by 23 November (2 ÷ 30 of a
    month, not a month); one signed on 15 August about 1.53 months by 30 September (a month
    to 15 September, then 16 of the 30 days to 15 October).
    """
    begin = first if contract_start is None or contract_start <= first else contract_start
    stop = last + timedelta(days=1)  # the window runs to the end of ``last``
    if begin >= stop:
        return 0.0
    months = (stop.year - begin.year) * 12 + stop.month - begin.month
    if _add_months(begin, months) > stop:
        months -= 1
    reached = _add_months(begin, months)
    following = _add_months(begin, months + 1)
    return months + (stop - reached).days / (following - reached).days


def months_label(months: float) -> str:
    """Months as a review shows them: 3, or 0.2 for part of a month."""
    rounded = round(months, 1)
    return str(int(rounded)) if rounded.is_integer() else f"{rounded:.1f}"


def _add_months(day: date, months: int) -> date:
    """``day`` moved by whole months, kept within the month (31 January + 1 = 28 February)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    following = date(year + month // 12, month % 12 + 1, 1)
    return date(year, month, min(day.day, (following - timedelta(days=1)).day))


def _whole(amount: float) -> float:
    """Money in whole units, half up: a part month must not show cents or sen."""
    return float(math.floor(amount + 0.5))


def scale_roi(result: ROIResult, annual_fee: float, currency: str, months: float) -> ROIRow | None:
    if months <= 0:
        return None
    share = months / MONTHS
    value, fee = _whole(result.annual_value * share), _whole(annual_fee * share)
    return ROIRow(
        months=months,
        currency=currency,
        value=value,
        fee=fee,
        net=value - fee,
        roi_pct=result.roi_pct,
        payback_months=result.payback_months,
    )


def roi_rows(
    result: ROIResult,
    annual_fee: float,
    currency: str,
    period: Period,
    contract_start: date | None,
    as_of: date | None = None,
) -> tuple[ROIRow | None, ROIRow | None]:
    """(period, year to date) ROI rows; see the module notes for the scaling. A quarter
    still running counts its months up to ``as_of`` only."""
    last = period.end if as_of is None else min(period.end, as_of)
    quarter = _months_running(period.start, last, contract_start)
    ytd = _months_running(date(period.year, 1, 1), last, contract_start)
    return (
        scale_roi(result, annual_fee, currency, quarter),
        scale_roi(result, annual_fee, currency, ytd),
    )


# --------------------------------------------------------------------------------------------
# Words
# --------------------------------------------------------------------------------------------

_WORDS: Final[dict[str, tuple[str, str]]] = {
    "risk.flag": ("{label}: {evidence}", "{label}：{evidence}"),
    "risk.objective": (
        "Objective {status}: {title} ({kpi} {current} against a target of {target})",
        "目標が{status}：{title}（{kpi} 現在 {current}、目標 {target}）",
    ),
    "risk.objective_nokpi": ("Objective {status}: {title}", "目標が{status}：{title}"),
    "risk.request": ("Open request: {title}", "未対応の要望：{title}"),
    "status.missed": ("missed", "未達"),
    "status.at_risk": ("at risk", "遅れ気味"),
    "next.upsell": ("Proposal: {idea}", "提案：{idea}"),
    "next.touchpoint": (
        "Next executive touchpoint: {label} by {due}. {agenda}",
        "次の決裁者タッチポイント：{label}（{due}まで）。{agenda}",
    ),
    "change.health": (
        "Health score: {old} → {new} ({delta})",
        "ヘルススコア：{old} → {new}（{delta}）",
    ),
    "change.stage": ("Stage: {old} → {new}", "ステージ：{old} → {new}"),
    "change.kpi": ("{kpi}: {old} → {new}", "{kpi}：{old} → {new}"),
    "change.kpi_new": ("New KPI {kpi}: {new}", "新しいKPI {kpi}：{new}"),
    "change.none": (
        "No change in score, stage or KPIs since {period}.",
        "{period}から、スコア・ステージ・KPIに変化はありません。",
    ),
    "summary.health": (
        "In {period}, {name}'s health score moved from {start} to {end}.",
        "{period}の{name}様のヘルススコアは{start}から{end}へ推移しました。",
    ),
    "summary.health_end": (
        "At the end of {period}, {name}'s health score was {end}.",
        "{period}末時点の{name}様のヘルススコアは{end}です。",
    ),
    "summary.health_none": (
        "In {period}, {name} had no health score yet.",
        "{period}時点で{name}様のヘルススコアはまだありません。",
    ),
    "summary.adoption": (
        "{active} of {seats} seats were active and {used} of {total} key features in use.",
        "{seats}席のうち{active}名が利用中で、主要機能{total}個のうち{used}個を活用しています。",
    ),
    "summary.kpis": (
        "{good} of {count} objectives are on track or achieved.",
        "{count}件の目標のうち{good}件が順調または達成済みです。",
    ),
    "summary.roi": (
        "Year to date the estimated value is {value} against a fee of {fee} ({net} net{pct}).",
        "年初来の効果（試算）は{value}（費用{fee}、純効果{net}{pct}）です。",
    ),
    "summary.roi_measured": (
        "Measured ROI (reading of {day}) is {pct} %.",
        "ROIの実績（{day}測定）は{pct} %です。",
    ),
    "risk.roi_estimated": (
        "Estimated ROI is negative: {net} net year to date (ROI {pct} %); "
        "the value so far does not cover the fee.",
        "ROI（試算）がマイナスです：年初来の純効果{net}（ROI {pct} %）。"
        "効果が費用を下回っています。",
    ),
    "risk.roi_measured": (
        "Measured ROI is negative: {pct} % (reading of {day}).",
        "ROI（実績）がマイナスです：{pct} %（{day}測定）。",
    ),
    "summary.nps": (
        "NPS in the quarter was {nps} (answers: {n}).",
        "四半期のNPSは{n}件の回答で{nps}でした。",
    ),
    "summary.risks": (
        "{n} {n|risk needs|risks need} attention; next steps are proposed below.",
        "対応が必要なリスクが{n}件あります。次のステップを以下に提案します。",
    ),
    "summary.no_risks": (
        "No open risks; next steps are proposed below.",
        "未解決のリスクはありません。次のステップを以下に提案します。",
    ),
}


def word(key: str, lang: str, **params: Any) -> str:
    en, ja = _WORDS[key]
    return fill(ja if lang == "ja" else en, params)


def stage_name(stage: str, lang: str) -> str:
    """A stage's label in ``lang`` ("Adoption", "アダプション"); the value if it has none."""
    return render(Msg(f"stage.{stage}"), lang, stage)


def number(value: float | None) -> str:
    """A KPI value without noise: 12 rather than 12.0, 3.5 kept; None as an em dash."""
    if value is None:
        return "—"
    return grouped(value) if float(value).is_integer() else grouped(value, 1)


def plain_money(amount: float, currency: str) -> str:
    """Fallback formatter when the caller gives none (the UI passes ``i18n.money``)."""
    return f"{grouped(amount)} {currency}"


# --------------------------------------------------------------------------------------------
# Sections that are sentences
# --------------------------------------------------------------------------------------------


def internal_lines(flags: Iterable[tuple[str, str]], lang: str) -> list[str]:
    """Open health flags (label, evidence) as the CSM's prep notes: they name people and
    our own misses, so they stay in the internal view (``QBRData.internal``)."""
    return [word("risk.flag", lang, label=label, evidence=ev) for label, ev in flags]


def risk_lines(
    kpis: Iterable[KPIRow],
    open_requests: Iterable[str],
    lang: str,
) -> list[str]:
    """Customer-facing risks: missed or at-risk objectives, unresolved requests."""
    lines: list[str] = []
    for row in kpis:
        if row.status not in ("missed", "at_risk"):
            continue
        status = word(f"status.{row.status}", lang)
        lines.append(
            word(
                "risk.objective",
                lang,
                status=status,
                title=row.objective,
                kpi=row.kpi,
                current=number(row.current),
                target=number(row.target),
            )
        )
    lines.extend(word("risk.request", lang, title=t) for t in open_requests)
    return lines


def next_step_lines(
    upsell_ideas: Iterable[str],
    touchpoint: tuple[str, date, str] | None,
    lang: str,
) -> list[str]:
    """Upsell ideas recorded on the account, then the next executive touchpoint
    (label, due, agenda)."""
    lines = [word("next.upsell", lang, idea=idea) for idea in upsell_ideas]
    if touchpoint is not None:
        label, due, agenda = touchpoint
        lines.append(word("next.touchpoint", lang, label=label, due=due.isoformat(), agenda=agenda))
    return lines


def change_lines(previous: QBRData | None, data: QBRData, lang: str) -> list[str]:
    """What moved since the last delivered review: score, stage, each KPI's value."""
    if previous is None:
        return []
    lines: list[str] = []
    old, new = previous.health_end, data.health_end
    if old != new:
        delta = "—" if old is None or new is None else f"{new - old:+d}"
        lines.append(word("change.health", lang, old=number(old), new=number(new), delta=delta))
    if previous.account.stage != data.account.stage:
        old_stage = stage_name(previous.account.stage, lang)
        lines.append(
            word("change.stage", lang, old=old_stage, new=stage_name(data.account.stage, lang))
        )
    before = {(r.objective, r.kpi): r.current for r in previous.kpis}
    for row in data.kpis:
        key = (row.objective, row.kpi)
        if key not in before:
            lines.append(word("change.kpi_new", lang, kpi=row.kpi, new=number(row.current)))
        elif before[key] != row.current:
            lines.append(
                word(
                    "change.kpi",
                    lang,
                    kpi=row.kpi,
                    old=number(before[key]),
                    new=number(row.current),
                )
            )
    if not lines:
        lines.append(word("change.none", lang, period=previous.period))
    return lines


def draft_summary(
    data: QBRData,
    lang: str,
    money: Callable[[float, str], str] = plain_money,
) -> str:
    """One paragraph from the numbers, for the CSM to edit (never sent as is)."""
    name = data.account.name
    parts: list[str] = []
    if data.health_end is None:
        parts.append(word("summary.health_none", lang, period=data.period, name=name))
    elif data.health_start is None:
        parts.append(
            word("summary.health_end", lang, period=data.period, name=name, end=data.health_end)
        )
    else:
        parts.append(
            word(
                "summary.health",
                lang,
                period=data.period,
                name=name,
                start=data.health_start,
                end=data.health_end,
            )
        )
    a = data.adoption
    if a.active_users is not None and a.seats:
        parts.append(
            word(
                "summary.adoption",
                lang,
                active=a.active_users,
                seats=a.seats,
                used=number(a.features_used),
                total=number(a.features_total),
            )
        )
    told = [k for k in data.kpis if k.status in ("on_track", "achieved", "at_risk", "missed")]
    if told:
        good = sum(1 for k in told if k.status in ("on_track", "achieved"))
        parts.append(word("summary.kpis", lang, good=good, count=len(told)))
    if data.roi_ytd is not None:
        r = data.roi_ytd
        sep = "、" if lang == "ja" else ", "
        roi_word = "ROI（試算）" if lang == "ja" else "estimated ROI"
        pct = "" if r.roi_pct is None else f"{sep}{roi_word} {percent(r.roi_pct)} %"
        parts.append(
            word(
                "summary.roi",
                lang,
                value=money(r.value, r.currency),
                fee=money(r.fee, r.currency),
                net=money(r.net, r.currency),
                pct=pct,
            )
        )
    m = data.roi_measured
    if m is not None:
        parts.append(
            word("summary.roi_measured", lang, kpi=m.kpi, day=m.day.isoformat(), pct=percent(m.pct))
        )
    score = data.nps_score
    if score is not None:
        parts.append(word("summary.nps", lang, nps=f"{score:+.0f}", n=len(data.nps)))
    if data.risks:
        parts.append(word("summary.risks", lang, n=len(data.risks)))
    else:
        parts.append(word("summary.no_risks", lang))
    return ("" if lang == "ja" else " ").join(parts)


# --------------------------------------------------------------------------------------------
# Freezing
# --------------------------------------------------------------------------------------------


_SINCE_V1: Final[dict[str, Any]] = {
    "lang": "en",
    "health_start": None,
    "health_end": None,
    "support": None,
    "roi_period": None,
    "roi_ytd": None,
}
"""Keys an early snapshot may lack, with the value they stood for then (owner too, below)."""


@cache
def _adapter() -> TypeAdapter[QBRData]:
    """Built on first use: freezing and reading a QBR are rare, start-up is not."""
    return TypeAdapter(QBRData)


def to_json(data: QBRData) -> dict[str, Any]:
    """A JSON-able dict (dates as ISO text, pairs as lists) for ``QBR.frozen``."""
    dumped: dict[str, Any] = _adapter().dump_python(data, mode="json")
    return dumped


def from_json(raw: Mapping[str, Any]) -> QBRData:
    """The inverse of :func:`to_json` (also reads snapshots from earlier versions)."""
    account = {"owner": "", **raw["account"]}
    data = _adapter().validate_python({**_SINCE_V1, **raw, "account": account})
    if int(raw.get("version", 1)) < 2:
        data.risks, data.internal = _split_v1_risks(data.risks)
    return data


# --------------------------------------------------------------------------------------------
# Two audiences, and ROI estimated (試算) apart from ROI measured (実績)
# --------------------------------------------------------------------------------------------


def customer_view(data: QBRData) -> QBRData:
    """The review as the customer may see it: the same numbers without the internal notes.

    Every export (Markdown, HTML, slide deck) renders this, so one rule decides what leaves
    the building; the QBR tab shows ``data`` itself, internal notes included.
    """
    return replace(data, internal=[])


def _split_v1_risks(lines: Sequence[str]) -> tuple[list[str], list[str]]:
    """A version-1 snapshot mixed flags into ``risks``: split them back out by wording.

    Objective and request lines begin with their fixed words (both languages); whatever
    else is there is a flag line, i.e. an internal note.
    """
    starts = tuple(
        text.split("{", 1)[0] for key in ("risk.objective", "risk.request") for text in _WORDS[key]
    )
    customer = [line for line in lines if line.startswith(starts)]
    internal = [line for line in lines if not line.startswith(starts)]
    return customer, internal


_ROI_KPI_NAMES: Final = ("roi", "return on investment", "投資対効果")


def is_roi_kpi(name: str, unit: str) -> bool:
    """A KPI that measures the ROI itself: a percentage named ROI (or 投資対効果)."""
    folded = name.casefold()
    return unit.strip() == "%" and any(n in folded for n in _ROI_KPI_NAMES)


def measured_roi(objectives: Iterable[Objective], end: date) -> MeasuredROI | None:
    """The latest reading up to ``end`` of any ROI KPI on the plan (the customer's figure).

    The ROI inputs of a plan are the CSM's estimate; a reading the customer reports
    is a measurement, so the review shows it apart and never blends the two.
    """
    best: MeasuredROI | None = None
    for obj in objectives:
        kpi = obj.kpi
        if kpi is None or not is_roi_kpi(kpi.name, kpi.unit):
            continue
        for reading in kpi.history:
            if reading.date > end or (best is not None and reading.date <= best.day):
                continue
            best = MeasuredROI(obj.title, kpi.name, reading.value, reading.date)
    return best


def roi_risk_lines(
    estimated: ROIRow | None,
    measured: MeasuredROI | None,
    lang: str,
    money: Callable[[float, str], str] = plain_money,
) -> list[str]:
    """A negative ROI is a risk the executive must hear from us first, estimated or measured."""
    lines: list[str] = []
    if estimated is not None and estimated.net < 0:
        pct = "—" if estimated.roi_pct is None else str(percent(estimated.roi_pct))
        net = money(estimated.net, estimated.currency)
        lines.append(word("risk.roi_estimated", lang, net=net, pct=pct))
    if measured is not None and measured.pct < 0:
        lines.append(
            word(
                "risk.roi_measured",
                lang,
                pct=percent(measured.pct),
                kpi=measured.kpi,
                day=measured.day.isoformat(),
            )
        )
    return lines
