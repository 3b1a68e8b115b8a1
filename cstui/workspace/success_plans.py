"""Success plans: the plan's goal (KGI), its objectives with KPI readings, and ROI inputs.

The rules live in :mod:`cstui.domain.success` and ``roi``; here every change is ONE
validated write of the plan record, so a form's Enter saves all of it, or on InvalidRecord
(messages keyed by the form's field names, in the user's language) nothing at all.
Depends on :mod:`.accounts` (stakeholders are the account's contacts).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from cstui import clock
from cstui.domain.models import (
    Audience,
    ContactRole,
    InvalidRecord,
    Objective,
    ROIInputs,
    SuccessPlan,
)
from cstui.domain.success import (
    TEMPLATES,
    PlanInputError,
    Problem,
    SuccessTemplate,
    next_objective_id,
    objective_from_form,
    objectives_from_template,
    reading_from_form,
    roi_from_form,
    with_reading,
)
from cstui.domain.success import template as success_template
from cstui.i18n import language, t
from cstui.workspace.accounts import Accounts


def _plan_problems(problems: Iterable[Problem]) -> InvalidRecord:
    fields: dict[str, list[str]] = {}
    messages: list[str] = []
    for p in problems:
        text = t(p.key, **p.params)
        fields.setdefault(p.field, []).append(text)
        messages.append(text)
    return InvalidRecord(messages, fields)


def _find_objective(plan: SuccessPlan, objective_id: str) -> int:
    for i, obj in enumerate(plan.objectives):
        if obj.id == objective_id:
            return i
    raise _plan_problems([Problem("", "success.error.no_objective")])


class SuccessPlans(Accounts):
    def success_plan(self, account_id: str) -> SuccessPlan | None:
        items = self._for_account(SuccessPlan, account_id)
        return items[0] if items else None

    def success_templates(self) -> tuple[SuccessTemplate, ...]:
        return TEMPLATES

    def _require_plan(self, account_id: str) -> SuccessPlan:
        self._require_account(account_id)
        plan = self.success_plan(account_id)
        if plan is None:
            raise _plan_problems([Problem("", "success.error.no_plan")])
        return plan

    def _live_contact_ids(self, account_id: str) -> set[str]:
        today = clock.today()
        return {
            c.id
            for c in self.contacts(account_id)
            if c.active and (c.left_on is None or c.left_on > today)
        }

    def _default_stakeholders(self, account_id: str) -> dict[Audience, str | None]:
        """Deep objectives belong to the executive who renews, light ones to the champion."""
        live = self._live_contact_ids(account_id)
        people = [c for c in self.contacts(account_id) if c.id in live]

        def first(*roles: ContactRole) -> str | None:
            for role in roles:
                for c in people:
                    if c.role is role:
                        return c.id
            return None

        return {
            Audience.DEEP: first(ContactRole.EXECUTIVE_SPONSOR, ContactRole.DECISION_MAKER),
            Audience.LIGHT: first(ContactRole.CHAMPION, ContactRole.ADMIN),
        }

    def create_success_plan(
        self,
        account_id: str,
        *,
        goal: str = "",
        template: str | None = None,
        replace: bool = False,
    ) -> SuccessPlan:
        """A plan, its objectives and KPIs proposed by ``template`` (the CSM then edits the
        baselines and targets). An existing plan is only replaced when asked to: its
        objectives and reading history go, its ROI inputs stay."""
        account = self._require_account(account_id)
        problems: list[Problem] = []
        tpl = None
        if template:
            tpl = success_template(template)
            if tpl is None:
                problems.append(Problem("template", "success.error.template", {"text": template}))
        lang = language()
        goal = (goal or "").strip() or (tpl.goal.get(lang) if tpl else "")
        if not goal and not problems:
            problems.append(Problem("goal", "success.error.goal"))
        current = self.success_plan(account_id)
        if current is not None and not replace:
            problems.append(Problem("replace", "success.error.plan_exists"))
        if problems:
            raise _plan_problems(problems)
        objectives = (
            objectives_from_template(
                tpl,
                lang=lang,
                today=clock.today(),
                renewal=account.renewal_date,
                stakeholders=self._default_stakeholders(account_id),
            )
            if tpl
            else []
        )
        data: dict[str, Any] = {
            "account_id": account_id,
            "goal": goal,
            "template": tpl.id if tpl else "",
            "objectives": [o.model_dump(mode="json") for o in objectives],
        }
        if current is None:
            return self._save(SuccessPlan, data, new=True)
        return self._save(SuccessPlan, {**data, "id": current.id}, new=False)

    def update_success_plan(self, account_id: str, changes: Mapping[str, Any]) -> SuccessPlan:
        """Change the goal (KGI) or the template name; objectives have their own methods."""
        plan = self._require_plan(account_id)
        fresh: dict[str, Any] = {"id": plan.id}
        problems: list[Problem] = []
        if "goal" in changes:
            goal = str(changes["goal"] or "").strip()
            if not goal:
                problems.append(Problem("goal", "success.error.goal"))
            fresh["goal"] = goal
        if "template" in changes:
            name = str(changes["template"] or "")
            if name and success_template(name) is None:
                problems.append(Problem("template", "success.error.template", {"text": name}))
            fresh["template"] = name
        if problems:
            raise _plan_problems(problems)
        return self._save(SuccessPlan, fresh, new=False)

    def add_objective(self, account_id: str, data: Mapping[str, Any]) -> Objective:
        """A new objective (form fields: ``success.OBJECTIVE_FIELDS``); a plan is created
        around it when the account has none yet, in the same write."""
        self._require_account(account_id)
        plan = self.success_plan(account_id)
        try:
            objective = objective_from_form(
                data,
                current=None,
                new_id=next_objective_id(plan),
                contacts=self._live_contact_ids(account_id),
                today=clock.today(),
            )
        except PlanInputError as exc:
            raise _plan_problems(exc.problems) from None
        dumped = objective.model_dump(mode="json")
        if plan is None:
            self._save(
                SuccessPlan,
                {"account_id": account_id, "goal": "", "objectives": [dumped]},
                new=True,
            )
        else:
            objectives = [o.model_dump(mode="json") for o in plan.objectives]
            self._save(SuccessPlan, {"id": plan.id, "objectives": [*objectives, dumped]}, new=False)
        return objective

    def update_objective(
        self, account_id: str, objective_id: str, data: Mapping[str, Any]
    ) -> Objective:
        """Edit an objective and its KPI; fields left out keep their value, history stays.

        A stakeholder who has left may stay on an objective they already own (history), but
        cannot be newly chosen.
        """
        plan = self._require_plan(account_id)
        index = _find_objective(plan, objective_id)
        current = plan.objectives[index]
        contacts = self._live_contact_ids(account_id)
        if current.stakeholder_id is not None:
            contacts.add(current.stakeholder_id)
        try:
            objective = objective_from_form(
                data, current=current, new_id=current.id, contacts=contacts, today=clock.today()
            )
        except PlanInputError as exc:
            raise _plan_problems(exc.problems) from None
        objectives = [o.model_dump(mode="json") for o in plan.objectives]
        objectives[index] = objective.model_dump(mode="json")
        self._save(SuccessPlan, {"id": plan.id, "objectives": objectives}, new=False)
        return objective

    def remove_objective(self, account_id: str, objective_id: str) -> None:
        plan = self._require_plan(account_id)
        index = _find_objective(plan, objective_id)
        objectives = [o.model_dump(mode="json") for o in plan.objectives]
        del objectives[index]
        self._save(SuccessPlan, {"id": plan.id, "objectives": objectives}, new=False)

    def record_kpi(
        self,
        account_id: str,
        objective_id: str,
        value: float | str | None,
        day: date | str | None = None,
    ) -> Objective:
        """Add a dated KPI reading (form fields ``value`` and ``date``, default today).

        Earlier readings are kept; a second reading on the same day replaces that day's.
        """
        plan = self._require_plan(account_id)
        index = _find_objective(plan, objective_id)
        current = plan.objectives[index]
        problems: list[Problem] = []
        if current.kpi is None:
            problems.append(Problem("", "success.error.no_kpi"))
        try:
            number, when = reading_from_form(
                {"value": value, "date": day or clock.today()}, today=clock.today()
            )
        except PlanInputError as exc:
            problems.extend(exc.problems)
        if problems:
            raise _plan_problems(problems)
        assert current.kpi is not None
        objective = current.model_copy(update={"kpi": with_reading(current.kpi, number, when)})
        objectives = [o.model_dump(mode="json") for o in plan.objectives]
        objectives[index] = objective.model_dump(mode="json")
        self._save(SuccessPlan, {"id": plan.id, "objectives": objectives}, new=False)
        return objective

    def set_roi(self, account_id: str, data: Mapping[str, Any]) -> ROIInputs:
        """Set the ROI inputs (form fields: ``success.ROI_FIELDS``); fields left out keep
        their value. Creates an empty plan to hold them when there is none."""
        account = self._require_account(account_id)
        plan = self.success_plan(account_id)
        try:
            roi = roi_from_form(
                data,
                current=plan.roi if plan else None,
                currency=account.currency,
            )
        except PlanInputError as exc:
            raise _plan_problems(exc.problems) from None
        dumped = roi.model_dump(mode="json")
        if plan is None:
            self._save(SuccessPlan, {"account_id": account_id, "roi": dumped}, new=True)
        else:
            self._save(SuccessPlan, {"id": plan.id, "roi": dumped}, new=False)
        return roi
