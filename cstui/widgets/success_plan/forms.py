"""The Success plan tab's forms: which questions each key asks, filled from the plan.

Plain functions from plan data to :class:`Field` lists; the pane opens them and saves
the answers through the workspace.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from cstui.domain.enums import Audience, ObjectiveStatus
from cstui.domain.models import KPI, Account, Contact, Objective, ROIInputs, SuccessPlan
from cstui.domain.success import SuccessTemplate
from cstui.i18n import fmt_date, t
from cstui.sanitize import clean
from cstui.ui.forms import Field
from cstui.widgets.success_plan.render import plain_number, status_label, with_unit

DEFAULT_DUE_DAYS = 182
"""Without a renewal date to aim at, a new objective is due in about six months."""


def contact_options(
    contacts: Iterable[Contact], today: date, keep: str | None = None
) -> list[tuple[str, str]]:
    """Contacts still at the customer (and the current stakeholder, even if gone)."""
    out = []
    for c in contacts:
        gone = not c.active or (c.left_on is not None and c.left_on <= today)
        if gone and c.id != keep:
            continue
        role = t(f"success.role.{c.role.value}")
        suffix = f", {t('success.role.left')}" if gone else ""
        out.append((f"{c.name} ({role}{suffix})", c.id))
    return out


def plan_fields(templates: Iterable[SuccessTemplate], lang: str, replacing: bool) -> list[Field]:
    """A new plan: a template (or blank) and the customer's goal; replacing one asks first."""
    options = []
    for tpl in templates:
        deep = sum(o.audience is Audience.DEEP for o in tpl.objectives)
        detail = t("success.form.plan.template_detail", n=len(tpl.objectives), deep=deep)
        options.append((f"{tpl.name.get(lang)} — {detail}", tpl.id))
    fields = [
        Field(
            "template",
            t("success.form.plan.template"),
            kind="select",
            options=options,
            placeholder=t("success.form.plan.blank"),
            help=t("success.form.plan.template_help"),
        ),
        Field("goal", t("success.form.plan.goal"), help=t("success.form.plan.goal_help")),
    ]
    if replacing:
        fields.append(Field("replace", t("success.form.plan.replace"), kind="bool"))
    return fields


def goal_fields(plan: SuccessPlan) -> list[Field]:
    return [Field("goal", t("success.form.plan.goal"), value=plan.goal, required=True)]


def objective_fields(
    current: Objective | None,
    audience: Audience,
    account: Account | None,
    contacts: Iterable[Contact],
    today: date,
) -> list[Field]:
    """Add (``current`` None) or edit one objective; a new deep one is due at renewal."""
    kpi = current.kpi if current else None
    due: date | None
    if current is not None:
        due = current.due
    elif audience is Audience.DEEP and account and account.renewal_date:
        due = account.renewal_date if account.renewal_date > today else None
    else:
        due = today + timedelta(days=DEFAULT_DUE_DAYS)
    fields = [
        Field(
            "title",
            t("success.form.objective.title_field"),
            required=True,
            value=current.title if current else None,
        ),
        Field(
            "audience",
            t("success.form.objective.audience"),
            kind="select",
            value=(current.audience if current else audience).value,
            options=[(t(f"success.audience.{a.value}"), a.value) for a in Audience],
            required=True,
            help=t("success.form.objective.audience_help"),
        ),
    ]
    keep = current.stakeholder_id if current else None
    people = contact_options(contacts, today, keep)
    if people:
        fields.append(
            Field(
                "stakeholder",
                t("success.form.objective.stakeholder"),
                kind="select",
                value=keep,
                options=people,
                help=t("success.form.objective.stakeholder_help"),
            )
        )
    fields += [
        Field("kpi_name", t("success.form.objective.kpi_name"), value=kpi.name if kpi else None),
        Field(
            "unit",
            t("success.form.objective.unit"),
            value=kpi.unit if kpi else None,
            placeholder=t("success.form.objective.unit_placeholder"),
        ),
        Field(
            "baseline",
            t("success.form.objective.baseline"),
            kind="float",
            value=plain_number(kpi.baseline) if kpi else None,
        ),
        Field(
            "target",
            t("success.form.objective.target"),
            kind="float",
            value=plain_number(kpi.target) if kpi else None,
            help=t("success.form.objective.target_help"),
        ),
        Field("due", t("success.form.objective.due"), kind="date", value=due),
    ]
    if current is not None:
        fields.append(
            Field(
                "status",
                t("success.form.objective.status"),
                kind="select",
                value=current.status_override.value if current.status_override else "auto",
                options=[(t("success.form.objective.status_auto"), "auto")]
                + [(status_label(s), s.value) for s in ObjectiveStatus],
                required=True,
                help=t("success.form.objective.status_help"),
            )
        )
    fields.append(
        Field(
            "tasks",
            t("success.form.objective.tasks"),
            kind="multiline",
            value="\n".join(current.tasks) if current else None,
            help=t("success.form.objective.tasks_help"),
        )
    )
    return fields


def reading_fields(kpi: KPI, today: date) -> list[Field]:
    """A new KPI reading; the hint recalls baseline, target and the last reading."""
    last = kpi.history[-1] if kpi.history else None
    hint = t(
        "success.form.reading.help",
        baseline=with_unit(kpi.baseline, kpi.unit),
        target=with_unit(kpi.target, kpi.unit),
    )
    if last is not None:
        hint += " · " + t(
            "success.form.reading.last",
            value=with_unit(last.value, kpi.unit),
            day=fmt_date(last.date),
        )
    return [
        Field(
            "value",
            t("success.form.reading.value", unit=clean(kpi.unit) or "—"),
            kind="float",
            required=True,
            help=hint,
        ),
        Field("date", t("success.form.reading.date"), kind="date", value=today, required=True),
    ]


def edit_reading_fields(kpi: KPI) -> list[Field]:
    """Pick one reading (newest first), then give it a new value or date, or delete it."""
    options = [
        (f"{fmt_date(m.date)}: {with_unit(m.value, kpi.unit)}", m.date.isoformat())
        for m in sorted(kpi.history, key=lambda m: m.date, reverse=True)
    ]
    return [
        Field(
            "reading",
            t("success.form.readings.reading"),
            kind="select",
            options=options,
            value=options[0][1] if options else None,
            required=True,
        ),
        Field("value", t("success.form.readings.value", unit=clean(kpi.unit) or "—"), kind="float"),
        Field("date", t("success.form.readings.date"), kind="date"),
        Field("delete", t("success.form.readings.delete"), kind="bool"),
    ]


def roi_fields(roi: ROIInputs | None, account: Account) -> list[Field]:
    """The ROI inputs in the plan's currency; a first ROI starts from the account's ARR."""
    cur = roi.currency if roi else account.currency

    def value(name: str, default: float) -> str:
        return plain_number(getattr(roi, name) if roi else default)

    def amount(name: str, default: float = 0, hint: str = "") -> Field:
        """An amount in the plan's currency, labelled ``success.form.roi.<name>``."""
        label = t(f"success.form.roi.{name}", currency=cur)
        return Field(name, label, kind="float", value=value(name, default), help=hint)

    yearly = t("success.form.roi.yearly_help")
    return [
        Field(
            "hours_saved_per_month",
            t("success.form.roi.hours"),
            kind="float",
            value=value("hours_saved_per_month", 0),
            help=t("success.form.roi.hours_help"),
        ),
        amount("hourly_cost"),
        amount("extra_revenue", hint=yearly),
        amount("other_savings", hint=yearly),
        amount("annual_fee", float(account.arr)),
        Field("currency", t("success.form.roi.currency"), value=cur, required=True),
    ]
