"""The Onboarding tab's text: summary, phase headings and step lines, the week roadmap.

Plain functions from the plan (and its template) to Rich text and option-list lines, so
each can be checked without running the app. Step titles and notes are shown literally.
"""

from __future__ import annotations

from datetime import date, timedelta

from rich.text import Text
from textual.widgets.option_list import Option

from cstui.domain.enums import OwnerSide
from cstui.domain.models import OnboardingItem, OnboardingPlan
from cstui.domain.templates import (
    OnboardingTemplate,
    Progress,
    TemplateApplied,
    phase_order,
    roadmap,
)
from cstui.i18n import fmt_date, language, t
from cstui.sanitize import clean
from cstui.widgets.charts import hbar
from cstui.widgets.pane import WHEN_WIDTH, Cell, columns, fit, label_width, when_text

PHASE_BAR = 20
OVERALL_BAR = 30
KNOWN_PHASES = ("kickoff", "setup", "training", "first_value", "go_live")


def phases_in_order(plan: OnboardingPlan, template: OnboardingTemplate | None) -> list[str]:
    """The template's phases in journey order, then any other phase the plan uses."""
    order = [p.id for p in template.phases] if template is not None else []
    for phase in phase_order(plan):
        if phase not in order:
            order.append(phase)
    return order or list(KNOWN_PHASES)


def phase_name(phase: str, plan: OnboardingPlan | None, template: OnboardingTemplate | None) -> str:
    """The template's name in the UI language, else the plan's own, else ours."""
    for p in template.phases if template is not None else ():
        if p.id == phase:
            return p.name(language())
    key = f"checklist.phase.{phase}"
    if t(key) != key:
        return t(key)
    if plan is not None and plan.phase_names.get(phase):
        return clean(plan.phase_names[phase])
    return clean(phase.replace("_", " ").capitalize())


def summary_text(
    plan: OnboardingPlan,
    progress: Progress | None,
    today: date,
    template: OnboardingTemplate | None,
    roadmap_view: bool,
) -> Text:
    """Overall progress, TTV and onboarding KPIs, then the template and a key legend."""
    total = len(plan.items)
    done = sum(1 for i in plan.items if i.done)
    pct = round(progress.overall_pct) if progress is not None else 0
    out = Text()
    out.append(t("checklist.overall") + " ", style="bold")
    filled, rest = hbar(pct, 100, OVERALL_BAR)
    out.append(filled, style="green" if pct >= 100 else "cyan")
    out.append(rest, style="dim")
    out.append(f" {pct}%", style="bold")
    out.append("  " + t("checklist.count", done=done, total=total))
    overdue = len(progress.overdue) if progress is not None else 0
    if overdue:
        out.append("  " + t("checklist.overdue_n", n=overdue), style="bold red")
    out.append("\n")
    out.append(t("checklist.ttv") + " ", style="dim")
    ttv = progress.ttv_days if progress is not None else None
    if ttv is not None:
        out.append(t("checklist.ttv.days", n=ttv), style="bold green")
    elif any(i.first_value for i in plan.items):
        out.append(t("checklist.ttv.not_yet"), style="yellow")
    else:
        out.append(t("checklist.ttv.no_step"), style="dim")
    out.append("  ·  " + t("checklist.kpi.satisfaction") + " ", style="dim")
    out.append("—" if plan.satisfaction is None else f"{plan.satisfaction}/10", style="bold")
    for label, value in (
        ("checklist.kpi.comprehension", plan.comprehension_ok),
        ("checklist.kpi.goal", plan.initial_goal_achieved),
    ):
        out.append("  ·  " + t(label) + " ", style="dim")
        if value is None:
            out.append("—", style="dim")
        else:
            out.append(
                "✓ " + t("checklist.yes") if value else "✗ " + t("checklist.no"),
                style="green" if value else "red",
            )
    out.append("\n")
    name = template.name(language()) if template is not None else clean(plan.template)
    out.append(
        t("checklist.template_line", name=name or "—", start=fmt_date(plan.start)), style="dim"
    )
    if roadmap_view:
        out.append("  ·  " + t("checklist.roadmap.hint"), style="bold")
    else:
        out.append("  ·  " + t("checklist.legend"), style="dim")
    return out


def _widths() -> tuple[int, int]:
    owner = label_width(t(f"checklist.owner.{s.value}") for s in OwnerSide)
    core = label_width((t("checklist.core"), t("checklist.optional")))
    return owner, core


def item_line(item: OnboardingItem, today: date, width: int, *, by_week: bool = False) -> Text:
    """One step in aligned columns; in the roadmap, what the customer can do once done."""
    owner_w, core_w = _widths()
    title = item.by_week if by_week and item.by_week else item.title
    title_style = "dim" if item.done or (by_week and not item.by_week) else ""
    if item.done:
        when = "✓ " + fmt_date(item.done_on) if item.done_on else "✓"
        when_style, due_style = "green", "dim"
    else:
        when, when_style = when_text(item.due, today)
        due_style = "bold red" if item.due is not None and item.due < today else ""
    cells = [
        Cell("[x]" if item.done else "[ ]", "green" if item.done else "bold", 3),
        Cell(clean(title), title_style),
        Cell(fmt_date(item.due), due_style, 10),
        Cell(when, when_style, WHEN_WIDTH),
        Cell(t(f"checklist.owner.{item.owner_side.value}"), "", owner_w),
        Cell(
            t("checklist.core") if item.core else t("checklist.optional"),
            "" if item.core else "dim italic",
            core_w,
        ),
        Cell("★" if item.first_value else " ", "bold yellow", 1),
        Cell("✎" if item.notes.strip() else " ", "cyan", 1),
    ]
    return columns(cells, width)


def heading(name: str, done: int, total: int, overdue: int, width: int) -> Text:
    out = Text()
    out.append(fit(name, min(max(width - PHASE_BAR - 24, 8), 28)) + " ", style="bold")
    filled, rest = hbar(done, max(total, 1), PHASE_BAR)
    out.append(filled, style="green" if total and done == total else "cyan")
    out.append(rest, style="dim")
    out.append(f" {done}/{total}", style="bold")
    if overdue:
        out.append("  " + t("checklist.overdue_n", n=overdue), style="bold red")
    return out


def phase_options(
    plan: OnboardingPlan,
    progress: Progress | None,
    today: date,
    width: int,
    template: OnboardingTemplate | None,
) -> list[Option]:
    """A heading per phase (bar, done/total, overdue), then its steps."""
    per_phase: dict[str, tuple[int, int]] = dict(progress.per_phase) if progress else {}
    options: list[Option] = []
    for phase in phases_in_order(plan, template):
        items = [i for i in plan.items if i.phase == phase]
        if not items:
            continue
        done, total = per_phase.get(phase, (sum(i.done for i in items), len(items)))
        overdue = sum(1 for i in items if not i.done and i.due is not None and i.due < today)
        options.append(
            Option(
                heading(phase_name(phase, plan, template), done, total, overdue, width),
                disabled=True,
            )
        )
        options += [Option(item_line(i, today, width), id=i.id) for i in items]
    return options


def roadmap_options(plan: OnboardingPlan, today: date, width: int) -> list[Option]:
    """A heading per week (dates, done/total), then what the customer can do by then."""
    options: list[Option] = []
    for week, items in roadmap(plan):
        done = sum(1 for i in items if i.done)
        first = plan.start + timedelta(days=7 * (week - 1))
        heading = Text()
        heading.append(t("checklist.roadmap.week", n=week), style="bold")
        heading.append(f"  {fmt_date(first)} – {fmt_date(first + timedelta(days=6))}", style="dim")
        heading.append(f"  {done}/{len(items)}", style="green" if done == len(items) else "")
        options.append(Option(heading, disabled=True))
        options += [Option(item_line(i, today, width, by_week=True), id=i.id) for i in items]
    return options


def applied_text(applied: TemplateApplied) -> str:
    """The toast after applying a template: how many steps it added, how many were already
    there and how many the CSM had removed; "u undoes" only when something was saved."""
    parts = [t("checklist.applied.added", n=len(applied.added))] if applied.changed else []
    if applied.already:
        parts.append(t("checklist.applied.already", n=len(applied.already)))
    if applied.left_out:
        parts.append(t("checklist.applied.left_out", n=len(applied.left_out)))
    what = t("checklist.applied.sep").join(parts)
    if not applied.changed:
        return t("checklist.saved.template_unchanged", what=what)
    return t("checklist.saved.template", what=what)
