"""The Success plan tab's text: cards, goal line, KPI bars and the ROI panel.

Plain functions from plan data to Rich text, so each can be checked without running the
app. All text from the plan and the contacts is appended literally, never as markup.
"""

from __future__ import annotations

from datetime import date

from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

from cstui.domain import roi as roi_domain
from cstui.domain.enums import Audience, ObjectiveStatus
from cstui.domain.models import KPI, Contact, Objective, ROIInputs, SuccessPlan
from cstui.domain.success import ObjectiveSummary, bar_fraction, template
from cstui.i18n import fmt_date, grouped, humanize, language, money, t
from cstui.sanitize import clean

BAR_WIDTH = 20

STATUS_STYLE: dict[ObjectiveStatus | None, tuple[str, str]] = {
    ObjectiveStatus.NOT_STARTED: ("○", "dim"),
    ObjectiveStatus.ON_TRACK: ("●", "green"),
    ObjectiveStatus.AT_RISK: ("▲", "bold yellow"),
    ObjectiveStatus.ACHIEVED: ("★", "bold green"),
    ObjectiveStatus.MISSED: ("✕", "bold red"),
    None: ("·", "dim"),
}


def status_label(status: ObjectiveStatus | None) -> str:
    return t(f"success.status.{status.value}" if status else "success.status.none")


def number(value: float) -> str:
    """12 / 3.5 / 1,200: no trailing zeros, thousands grouped."""
    if float(value).is_integer():
        return grouped(int(value))
    return grouped(value, 2).rstrip("0").rstrip(".")


def plain_number(value: float) -> str:
    """A number as typed into a form (no grouping, so it reads back the same)."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def with_unit(value: float, unit: str) -> str:
    if not unit:
        return number(value)
    return f"{number(value)}{'' if unit == '%' else ' '}{clean(unit)}"


def kpi_bar(kpi: KPI, summary: ObjectiveSummary, width: int = BAR_WIDTH) -> Text:
    """``baseline ▕████░░░░▏ target``: fills towards the target even when lower is better,
    clamped at both ends (the percentage beside it is not)."""
    style = STATUS_STYLE[summary.status][1]
    filled = round(bar_fraction(summary.progress) * width)
    out = Text()
    out.append(with_unit(kpi.baseline, kpi.unit), style="dim")
    out.append(" ▕")
    out.append("█" * filled, style=style if summary.progress is not None else "dim")
    out.append("░" * (width - filled), style="dim")
    out.append("▏ ")
    out.append(with_unit(kpi.target, kpi.unit), style="bold")
    return out


def reading_text(kpi: KPI, summary: ObjectiveSummary, today: date) -> Text:
    """``now 7 h · 50 % · measured 2026-11-01 (3 weeks ago)``, or how to take a reading."""
    if summary.current is None or summary.last_measured is None:
        return Text(t("success.card.never_measured"), style="dim")
    style = STATUS_STYLE[summary.status][1]
    out = Text()
    out.append(t("success.card.now") + " ", style="dim")
    out.append(with_unit(summary.current, kpi.unit), style="bold")
    if summary.progress is not None:
        out.append(" · ", style="dim")
        out.append(f"{round(summary.progress * 100)} %", style=style)
    when = summary.last_measured
    out.append(" · ", style="dim")
    out.append(
        t("success.card.measured", day=fmt_date(when), ago=humanize(when, today)), style="dim"
    )
    return out


def stakeholder_text(objective: Objective, contacts: dict[str, Contact], today: date) -> Text:
    if objective.stakeholder_id is None:
        style = "yellow" if objective.audience is Audience.DEEP else "dim"
        return Text(t("success.card.no_stakeholder"), style=style)
    contact = contacts.get(objective.stakeholder_id)
    if contact is None:
        return Text(t("success.card.unknown_stakeholder"), style="red")
    out = Text()
    out.append(clean(contact.name), style="bold")
    out.append(f" ({t(f'success.role.{contact.role.value}')})", style="dim")
    if not contact.active or (contact.left_on is not None and contact.left_on <= today):
        out.append(" " + t("success.card.left"), style="bold red")
    return out


def card_text(summary: ObjectiveSummary, contacts: dict[str, Contact], today: date) -> Text:
    """One objective: status and title; stakeholder and due date; KPI, bar and last reading."""
    obj = summary.objective
    mark, style = STATUS_STYLE[summary.status]
    out = Text()
    out.append(f"{mark} {status_label(summary.status)}", style=style)
    if obj.status_override is not None:
        out.append(" " + t("success.card.override"), style="dim")
    out.append("  ")
    out.append(clean(obj.title), style="bold")
    out.append("\n")
    out.append_text(stakeholder_text(obj, contacts, today))
    out.append(" · ", style="dim")
    if obj.due is None:
        out.append(t("success.card.no_due"), style="dim")
    else:
        out.append(t("success.card.due") + " ", style="dim")
        due_style = "bold red" if summary.overdue else ""
        late = humanize(obj.due, today, late=summary.overdue)
        out.append(f"{fmt_date(obj.due)} ({late})", style=due_style)
    kpi = obj.kpi
    out.append("\n")
    if kpi is None:
        out.append(t("success.card.no_kpi"), style="yellow")
    else:
        out.append(clean(kpi.name))
        if kpi.unit:
            out.append(f" ({clean(kpi.unit)})", style="dim")
        direction = "success.card.lower" if summary.lower_is_better else "success.card.higher"
        out.append(" · " + t(direction), style="dim")
        out.append("\n")
        out.append_text(kpi_bar(kpi, summary))
        out.append("\n")
        out.append_text(reading_text(kpi, summary, today))
    if obj.tasks:
        out.append("\n")
        out.append(t("success.card.tasks", n=len(obj.tasks)) + " ", style="dim")
        out.append(clean(obj.tasks[0]))
        if len(obj.tasks) > 1:
            out.append(" …", style="dim")
    return out


def goal_text(plan: SuccessPlan, summaries: list[ObjectiveSummary], missing_deep: bool) -> Text:
    out = Text()
    out.append(t("success.goal") + "  ", style="bold")
    if plan.goal:
        out.append(clean(plan.goal), style="bold")
    else:
        out.append(t("success.no_goal"), style="yellow")
    out.append("\n")
    tpl = template(plan.template) if plan.template else None
    if tpl is not None:
        out.append(t("success.template", name=tpl.name.get(language())) + " · ", style="dim")
    out.append(t("success.objectives", n=len(summaries)), style="dim")
    counts: dict[ObjectiveStatus | None, int] = {}
    for s in summaries:
        counts[s.status] = counts.get(s.status, 0) + 1
    for status in (*ObjectiveStatus, None):
        n = counts.get(status, 0)
        if n:
            mark, style = STATUS_STYLE[status]
            out.append("  ")
            out.append(f"{mark} {n} {status_label(status)}", style=style)
    if missing_deep:
        out.append("\n")
        out.append("⚑ " + t("success.flag.no_deep"), style="bold red")
    return out


def roi_view(inputs: ROIInputs | None, currency: str) -> RenderableType:
    """The ROI panel: what goes in and what comes out, in the plan's currency."""
    if inputs is None:
        return Text(t("success.roi.none"), style="dim")
    cur = inputs.currency or currency
    result = roi_domain.compute(inputs)
    grid = Table.grid(padding=(0, 2))
    for _ in range(4):
        grid.add_column()

    def label(key: str) -> Text:
        return Text(t(key), style="dim")

    time_value = t(
        "success.roi.time_value",
        hours=number(inputs.hours_saved_per_month),
        cost=money(inputs.hourly_cost, cur),
        total=money(result.time_value, cur),
    )
    grid.add_row(
        label("success.roi.hours"),
        Text(time_value),
        label("success.roi.fee"),
        Text(money(inputs.annual_fee, cur)),
    )
    grid.add_row(
        label("success.roi.extra_revenue"),
        Text(money(inputs.extra_revenue, cur)),
        label("success.roi.other_savings"),
        Text(money(inputs.other_savings, cur)),
    )
    net_style = "bold green" if result.net_value > 0 else "bold red"
    grid.add_row(
        label("success.roi.annual_value"),
        Text(money(result.annual_value, cur), style="bold"),
        label("success.roi.net"),
        Text(money(result.net_value, cur), style=net_style),
    )
    if result.roi_pct is None:
        roi_cell = Text()
        roi_cell.append("— ", style="bold")
        roi_cell.append(t(f"success.roi.why.{result.roi_reason}"), style="dim")
    else:
        roi_cell = Text(f"{roi_domain.percent(result.roi_pct)} %", style=net_style)
    if result.payback_months is None:
        payback = Text()
        payback.append("— ", style="bold")
        payback.append(t(f"success.roi.why.{result.payback_reason}"), style="dim")
    else:
        over = result.payback_months > roi_domain.MONTHS
        payback = Text(
            t("success.roi.months", n=f"{result.payback_months:.1f}"),
            style="bold red" if over else "bold",
        )
    grid.add_row(label("success.roi.roi"), roi_cell, label("success.roi.payback"), payback)
    return grid
