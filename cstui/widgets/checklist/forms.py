"""The Onboarding tab's forms: a step (edit or add), the onboarding KPIs, a template.

Plain functions from the plan to :class:`Field` lists; the pane opens them and saves the
answers through the workspace.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from cstui.domain.enums import OwnerSide
from cstui.domain.models import OnboardingItem, OnboardingPlan
from cstui.domain.templates import OnboardingTemplate, current_phase, next_step_due
from cstui.i18n import language, t
from cstui.ui.forms import Field


def yes_no_options() -> list[tuple[str, str]]:
    return [(t("checklist.yes"), "yes"), (t("checklist.no"), "no")]


def yes_no(value: bool | None) -> str | None:
    return None if value is None else ("yes" if value else "no")


def from_yes_no(value: str | None) -> bool | None:
    return None if value is None else value == "yes"


def owner_options() -> list[tuple[str, str]]:
    return [(t(f"checklist.owner.{s.value}"), s.value) for s in OwnerSide]


def _phase_field(value: str | None, phases: Sequence[tuple[str, str]]) -> Field:
    return Field(
        "phase",
        t("checklist.form.phase"),
        kind="select",
        value=value,
        options=phases,
        required=True,
    )


def _owner_field(value: str) -> Field:
    return Field(
        "owner_side",
        t("checklist.form.owner"),
        kind="select",
        value=value,
        options=owner_options(),
        required=True,
    )


def item_values(item: OnboardingItem) -> dict[str, object]:
    """What the edit form starts from, so only changed values are saved."""
    return {
        "title": item.title,
        "phase": item.phase,
        "due": item.due,
        "owner_side": item.owner_side.value,
        "core": item.core,
        "notes": item.notes,
    }


def edit_fields(item: OnboardingItem, phases: Sequence[tuple[str, str]]) -> list[Field]:
    """One step; ``phases`` are (name, id) pairs in journey order."""
    return [
        Field("title", t("checklist.form.title"), value=item.title, required=True),
        _phase_field(item.phase, phases),
        Field("due", t("checklist.form.due"), kind="date", value=item.due),
        _owner_field(item.owner_side.value),
        Field("core", t("checklist.form.core"), kind="bool", value=item.core),
        Field("notes", t("checklist.form.notes"), kind="multiline", value=item.notes),
    ]


def add_fields(plan: OnboardingPlan, phases: Sequence[tuple[str, str]], today: date) -> list[Field]:
    """A new step, in the current phase (that of the first unfinished step), due after the
    last step it follows (see :func:`cstui.domain.templates.next_step_due`); choosing another
    phase moves the due date with it, unless one was typed."""
    ids = [pid for _, pid in phases]
    phase = current_phase(plan)
    if phase not in ids:
        phase = ids[0] if ids else None
    due = next_step_due(plan, phase, today) if phase is not None else today
    return [
        Field("title", t("checklist.form.title"), required=True),
        _phase_field(phase, phases),
        Field(
            "due",
            t("checklist.form.due"),
            kind="date",
            value=due,
            required=True,
            follows=("phase", lambda chosen: next_step_due(plan, chosen, today)),
        ),
        _owner_field(OwnerSide.US.value),
        Field("core", t("checklist.form.core"), kind="bool", value=True),
        Field("first_value", t("checklist.form.first_value"), kind="bool", value=False),
    ]


def kpi_fields(plan: OnboardingPlan) -> list[Field]:
    """Satisfaction (0-10) and the two yes/no checks; blank means not checked yet."""
    return [
        Field(
            "satisfaction",
            t("checklist.form.satisfaction"),
            kind="int",
            value=plan.satisfaction,
            placeholder="0–10",
            help=t("checklist.form.satisfaction_help"),
        ),
        Field(
            "comprehension_ok",
            t("checklist.form.comprehension"),
            kind="select",
            value=yes_no(plan.comprehension_ok),
            options=yes_no_options(),
            placeholder=t("checklist.form.not_checked"),
        ),
        Field(
            "initial_goal_achieved",
            t("checklist.form.goal"),
            kind="select",
            value=yes_no(plan.initial_goal_achieved),
            options=yes_no_options(),
            placeholder=t("checklist.form.not_checked"),
            help=t("checklist.form.goal_help"),
        ),
    ]


def template_fields(
    templates: Mapping[str, OnboardingTemplate], plan: OnboardingPlan | None, today: date
) -> list[Field]:
    """Which template from which day; re-applying one to a plan says what it keeps."""
    options = [(tpl.name(language()), key) for key, tpl in templates.items()]
    chosen = plan.template if plan is not None and plan.template in templates else None
    return [
        Field(
            "template",
            t("checklist.form.template"),
            kind="select",
            value=chosen or options[0][1],
            options=options,
            required=True,
            help=t("checklist.form.reapply_help") if plan is not None else "",
        ),
        Field(
            "start",
            t("checklist.form.start"),
            kind="date",
            value=plan.start if plan is not None else today,
            required=True,
        ),
    ]
