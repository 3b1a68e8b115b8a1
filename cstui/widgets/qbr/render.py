"""The QBR tab's text: head line, prose sections, KPI and ROI tables, story lines.

Plain functions from :class:`~cstui.domain.qbr.QBRData` to Rich text, so each can be
checked without running the app. All customer text is appended literally, never as markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from rich.text import Text

from cstui.domain.enums import ObjectiveStatus, QBRStatus
from cstui.domain.models import QBR
from cstui.domain.qbr import KPIRow, QBRData, ROIRow, StoryRow, months_label
from cstui.domain.roi import percent
from cstui.i18n import count, fmt_date, money, t
from cstui.sanitize import clean
from cstui.widgets.charts import Series, hbar
from cstui.widgets.success_plan.render import STATUS_STYLE as SUCCESS_STYLE
from cstui.widgets.success_plan.render import number, status_label, with_unit

BAR_WIDTH = 16


STATUS_STYLE = {
    QBRStatus.DRAFT: ("○", "yellow"),
    QBRStatus.READY: ("◆", "bold cyan"),
    QBRStatus.DELIVERED: ("✔", "bold green"),
}


def section_title(section: str) -> str:
    return t(f"qbr.section.{section}")  # the report's titles, so screen and export agree


def status_text(qbr: QBR) -> Text:
    mark, style = STATUS_STYLE[qbr.status]
    if qbr.status is QBRStatus.DELIVERED:
        label = t("qbrui.status.delivered", day=fmt_date(qbr.delivered_on))
    else:
        label = t(f"qbrui.status.{qbr.status.value}")
    out = Text(f"{mark} {label}", style=style)
    if qbr.status is QBRStatus.DELIVERED:
        out.append(" · " + t("qbrui.frozen"), style="bold")
    return out


@dataclass(frozen=True, slots=True)
class ExportFile:
    fmt: str
    path: str
    exists: bool


def exports_of(qbr: QBR) -> list[ExportFile]:
    """The files this review was exported to from the tab, in format order, and whether
    each is still there (a file moved or deleted since is shown as missing)."""
    order = ("md", "html", "pptx")
    known = sorted(qbr.exports.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else 9)
    return [ExportFile(fmt, path, Path(path).exists()) for fmt, path in known]


def exports_text(files: Sequence[ExportFile]) -> Text:
    out = Text()
    out.append(t("qbrui.exports") + "  ", style="bold")
    for i, f in enumerate(files):
        if i:
            out.append(" · ", style="dim")
        out.append(f"{_FORMAT_NAMES.get(f.fmt, f.fmt)} ", style="bold")
        out.append(clean(_home(f.path)), style="" if f.exists else "dim strike")
        if not f.exists:
            out.append(" " + t("qbrui.exports.missing"), style="yellow")
    return out


_FORMAT_NAMES = {"md": "Markdown", "html": "HTML", "pptx": "PPTX"}


def _home(path: str) -> str:
    """``~/…`` for a path in the home folder: shorter, and the same on every machine."""
    home = str(Path.home())
    return "~" + path[len(home) :] if path.startswith(home + "/") else path


def head_text(data: QBRData, qbr: QBR, exports: Sequence[ExportFile] = ()) -> Text:
    out = Text()
    out.append(clean(data.account.name), style="bold")
    out.append("  ")
    out.append(t("qbrui.title", period=data.period), style="bold")
    span = t("qbrui.range", start=fmt_date(data.period_start), end=fmt_date(data.period_end))
    out.append("  " + span)
    out.append("  ")
    out.append_text(status_text(qbr))
    out.append("\n" + t("qbrui.keys_hint"), style="dim")
    if exports:
        out.append("\n")
        out.append_text(exports_text(exports))
    return out


def prose_text(edited: str | None, drafted: str, internal: Text | None = None) -> Text:
    """The CSM's text if any, else the draft; marked so nobody mistakes one for the other.
    ``internal`` (the prep notes) follows under its own heading: it is never exported."""
    out = Text()
    if edited:
        out.append(clean(edited, single_line=False))
        out.append("\n" + t("qbrui.edited"), style="dim italic")
    else:
        out.append(clean(drafted, single_line=False) or t("qbrui.list.none"))
        out.append("\n" + t("qbrui.generated"), style="dim italic")
    if internal is not None:
        out.append("\n\n")
        out.append_text(internal)
    return out


def internal_text(data: QBRData) -> Text:
    """The internal notes (flags naming people, our own misses), marked as never exported."""
    out = Text()
    out.append(t("qbrui.internal"), style="bold magenta")
    if not data.internal:
        out.append("\n" + t("qbrui.internal.none"), style="dim")
    for line in data.internal:
        out.append("\n• " + clean(line), style="magenta")
    return out


def lines_text(items: Sequence[str]) -> str:
    return "\n".join(f"• {item}" for item in items) if items else t("qbrui.list.none")


def kpi_text(row: KPIRow) -> Text:
    """``objective (audience)`` then ``KPI: baseline ▕███··▏ target · now 7 · 50 %``."""
    status = ObjectiveStatus(row.status) if row.status else None
    mark, style = SUCCESS_STYLE[status]
    out = Text()
    out.append(f"{mark} ", style=style)
    out.append(clean(row.objective), style="bold")
    out.append(f"  {t(f'success.audience.{row.audience}')}", style="dim")
    out.append(f"  {status_label(status)}", style=style)
    out.append("\n  " + clean(row.kpi) + ": ")
    out.append(with_unit(row.baseline, row.unit), style="dim")
    filled, empty = hbar(max(row.progress or 0.0, 0.0), 1.0, BAR_WIDTH)
    out.append(" ▕")
    out.append(filled, style=style if row.progress is not None else "dim")
    out.append(empty, style="dim")
    out.append("▏ ")
    out.append(with_unit(row.target, row.unit), style="bold")
    out.append(" · " + t("qbrui.kpi.now") + " ", style="dim")
    if row.current is None:
        out.append(t("qbrui.kpi.not_measured"), style="yellow")
    else:
        out.append(with_unit(row.current, row.unit), style="bold")
    if row.progress is not None:
        out.append(f" · {round(row.progress * 100)} %", style=style)
    return out


def kpis_text(data: QBRData) -> Text:
    out = Text()
    out.append(t("qbrui.kpis"), style="bold underline")
    if not data.kpis:
        out.append("\n" + t("qbrui.kpis.none"), style="dim")
    for row in data.kpis:
        out.append("\n")
        out.append_text(kpi_text(row))
    out.append("\n\n" + t("qbrui.health") + "  ", style="bold")
    if data.health_end is None:
        out.append(t("qbrui.health.none"), style="dim")
    else:
        start = "—" if data.health_start is None else str(data.health_start)
        out.append(t("qbrui.health.line", start=start, end=data.health_end), style="bold")
        if data.health_start is not None:
            delta = data.health_end - data.health_start
            out.append(f" ({delta:+d})", style="green" if delta >= 0 else "bold red")
    return out


def chart_series(data: QBRData) -> list[Series]:
    """Health, active users (against seats) and logins over the quarter."""
    out: list[Series] = []
    if data.health_series:
        points = [(d, float(v)) for d, v in data.health_series]
        out.append(Series(t("qbrui.chart.health"), points, style="green", maximum=100.0))
    if data.usage_series:
        seats = float(data.adoption.seats) if data.adoption.seats > 0 else None
        active = [(d, float(u)) for d, u, _ in data.usage_series]
        logins = [(d, float(n)) for d, _, n in data.usage_series]
        out.append(Series(t("qbrui.chart.active"), active, style="cyan", height=2, maximum=seats))
        out.append(Series(t("qbrui.chart.logins"), logins, style="blue"))
    return out


def numbers_text(data: QBRData) -> Text:
    """Adoption, support load, NPS and CSAT in the quarter."""
    out = Text()

    def row(label: str, value: str, style: str = "") -> None:
        if out:
            out.append("\n")
        out.append(f"{label}  ", style="bold")
        out.append(value, style=style)

    a = data.adoption
    if a.active_users is None:
        row(t("qbrui.adoption"), t("qbrui.none"), "dim")
    else:
        share = f" ({round(a.active_users / a.seats * 100)} %)" if a.seats else ""
        row(
            t("qbrui.adoption"),
            t(
                "qbrui.adoption.line",
                active=count(a.active_users),
                seats=count(a.seats) if a.seats else "—",
                share=share,
                used=number_or_dash(a.features_used),
                total=number_or_dash(a.features_total),
            ),
        )
    if data.support is None:
        row(t("qbrui.support"), t("qbrui.none"), "dim")
    else:
        row(t("qbrui.support"), t("qbrui.support.line", n=count(data.support)))
    nps = data.nps_score
    if nps is None:
        row(t("qbrui.nps"), t("qbrui.no_answers"), "dim")
    else:
        style = "green" if nps > 0 else "bold red" if nps < 0 else ""
        row(t("qbrui.nps"), t("qbrui.nps.line", score=f"{nps:+.0f}", n=count(len(data.nps))), style)
    csat = data.csat_score
    if csat is None:
        row(t("qbrui.csat"), t("qbrui.no_answers"), "dim")
    elif data.csat_is_mean:
        row(
            t("qbrui.csat"), t("qbrui.csat.mean_line", score=f"{csat:.1f}", n=count(len(data.csat)))
        )
    else:
        row(t("qbrui.csat"), t("qbrui.csat.line", score=f"{csat:.0f}", n=count(len(data.csat))))
    return out


def number_or_dash(value: float | None) -> str:
    return "—" if value is None else number(value)


def roi_line(label: str, row: ROIRow | None) -> Text:
    out = Text()
    out.append(f"{label}  ", style="bold")
    if row is None:
        out.append(t("qbrui.none"), style="dim")
        return out
    cur = row.currency
    out.append(
        t(
            "qbrui.roi.line",
            months=months_label(row.months),
            value=money(row.value, cur),
            fee=money(row.fee, cur),
            net=money(row.net, cur),
        )
    )
    net_style = "bold green" if row.net > 0 else "bold red"
    if row.roi_pct is not None:
        out.append(" · ")
        out.append(t("qbrui.roi.pct", pct=percent(row.roi_pct)), style=net_style)
    if row.payback_months is not None:
        out.append(" · " + t("qbrui.roi.payback", n=f"{row.payback_months:.1f}"), style="dim")
    return out


def roi_text(data: QBRData) -> Text:
    """The estimated ROI (試算) per window, then the measured one (実績) when there is one."""
    if data.roi_period is None and data.roi_ytd is None:
        out = Text(t("qbrui.roi.none"), style="dim")
    else:
        out = roi_line(t("qbrui.roi.period"), data.roi_period)
        out.append("\n")
        out.append_text(roi_line(t("qbrui.roi.ytd"), data.roi_ytd))
    m = data.roi_measured
    if m is not None:
        out.append("\n" + t("qbrui.roi.measured") + "  ", style="bold")
        line = t(
            "qbrui.roi.measured.line", pct=percent(m.pct), kpi=clean(m.kpi), day=fmt_date(m.day)
        )
        out.append(line, style="bold green" if m.pct > 0 else "bold red")
    return out


def story_text(row: StoryRow, marked: bool) -> Text:
    out = Text()
    if marked:
        out.append(t("qbrui.story.marked") + " ", style="bold yellow")
    else:
        out.append(t("qbrui.story.unmarked") + " ", style="dim")
    out.append(fmt_date(row.date), style="dim")
    kind = t(f"account.kind.{row.kind}")
    out.append(f" {kind}  ", style="bold")
    out.append(clean(row.summary))
    return out
