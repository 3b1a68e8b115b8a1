"""Success plans: the plan's goal (KGI), its objectives with KPI readings, and ROI inputs.

The rules live in :mod:`cstui.domain.success` and ``roi``; here every change is ONE
validated write of the plan record, so a form's Enter saves all of it, or on InvalidRecord
(messages keyed by the form's field names, in the user's language) nothing at all.
Depends on :mod:`.accounts` (stakeholders are the account's contacts).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date
from typing import TYPE_CHECKING, Any

from cstui import clock
from cstui.domain.enums import Audience, ContactRole, Table
from cstui.i18n import language, t
from cstui.store import Txn
from cstui.workspace.accounts import Accounts

if TYPE_CHECKING:  # imported where used: the plans' rules are not needed at start-up
    from cstui.domain.models import (
        KPI,
        InvalidRecord,
        Measurement,
        Objective,
        ROIInputs,
        SuccessPlan,
    )
    from cstui.domain.success import Problem, SuccessTemplate


def _plan_problems(problems: Iterable[Problem]) -> InvalidRecord:
    from cstui.domain.models import InvalidRecord

    fields: dict[str, list[str]] = {}
    messages: list[str] = []
    for p in problems:
        text = t(p.key, **p.params)
        fields.setdefault(p.field, []).append(text)
        messages.append(text)
    return InvalidRecord(messages, fields)


def _existing(plan: SuccessPlan | None) -> SuccessPlan:
    """The plan, or the "no plan" problem (it was removed by someone else meanwhile)."""
    from cstui.domain.success import Problem

    if plan is None:
        raise _plan_problems([Problem("", "success.error.no_plan")])
    return plan


def _find_objective(plan: SuccessPlan, objective_id: str) -> int:
    from cstui.domain.success import Problem

    for i, obj in enumerate(plan.objectives):
        if obj.id == objective_id:
            return i
    raise _plan_problems([Problem("", "success.error.no_objective")])


def _find_reading(kpi: KPI | None, day: date) -> Measurement:
    """The KPI's reading of ``day``, or the problem that there is none (removed meanwhile)."""
    from cstui.domain.success import Problem

    if kpi is None:
        raise _plan_problems([Problem("", "success.error.no_kpi")])
    for m in kpi.history:
        if m.date == day:
            return m
    raise _plan_problems([Problem("", "success.error.no_reading", {"day": day.isoformat()})])


class SuccessPlans(Accounts):
    def success_plan(self, account_id: str) -> SuccessPlan | None:
        from cstui.domain.models import SuccessPlan

        items = self._for_account(SuccessPlan, account_id)
        return items[0] if items else None

    def success_templates(self) -> tuple[SuccessTemplate, ...]:
        from cstui.domain.success import TEMPLATES

        return TEMPLATES

    def _require_plan(self, account_id: str) -> SuccessPlan:
        from cstui.domain.success import Problem

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

    @staticmethod
    def _success_plan_id(account_id: str) -> str:
        """The id of a new plan: derived from the account, so two processes creating the
        account's plan at once write one record (one plan per account)."""
        return f"{account_id}:success"

    def _fresh_success(self, txn: Txn, account_id: str) -> SuccessPlan | None:
        """The account's plan as every process committed it (inside ``txn``)."""
        from cstui.domain.models import SuccessPlan

        ids = self._account_ids(SuccessPlan, account_id)
        ids.add(self._success_plan_id(account_id))
        for plan_id in sorted(ids):
            record = txn.get(Table.SUCCESS_PLANS, plan_id)
            if record is not None and record.get("account_id") == account_id:
                return SuccessPlan.from_record(record)
        return None

    def _edit_success(
        self, account_id: str, edit: Callable[[SuccessPlan | None], dict[str, Any]]
    ) -> SuccessPlan:
        """Read-modify-write the account's plan under the write lock: ``edit`` gets the plan
        as every process committed it (None when there is none, and then its fields create
        one) and returns the fields to set. Two people adding objectives keep both."""
        from cstui.domain.models import SuccessPlan

        with self._transaction() as txn:
            current = self._fresh_success(txn, account_id)
            data = edit(current)
            if current is None:
                return self._create_once(
                    txn,
                    SuccessPlan,
                    {"id": self._success_plan_id(account_id), "account_id": account_id, **data},
                )
            return self._save_in(txn, SuccessPlan, {**data, "id": current.id})

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
        objectives and reading history go, its ROI inputs stay. Two processes creating the
        plan of one account at once make one plan; the later one is refused."""
        from cstui.domain.success import Problem, objectives_from_template
        from cstui.domain.success import template as success_template

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
        if self.success_plan(account_id) is not None and not replace:
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

        def create(current: SuccessPlan | None) -> dict[str, Any]:
            if current is not None and not replace:
                raise _plan_problems([Problem("replace", "success.error.plan_exists")])
            return data

        return self._edit_success(account_id, create)

    def update_success_plan(self, account_id: str, changes: Mapping[str, Any]) -> SuccessPlan:
        """Change the goal (KGI) or the template name; objectives have their own methods."""
        from cstui.domain.success import Problem
        from cstui.domain.success import template as success_template

        self._require_plan(account_id)
        fresh: dict[str, Any] = {}
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

        def edit(current: SuccessPlan | None) -> dict[str, Any]:
            _existing(current)
            return fresh

        return self._edit_success(account_id, edit)

    def add_objective(self, account_id: str, data: Mapping[str, Any]) -> Objective:
        """A new objective (the form fields ``success.objective_from_form`` reads); a plan is
        created around it when the account has none yet, in the same write. Appended to the
        plan as committed now: two people adding objectives keep both."""
        from cstui.domain.success import PlanInputError, next_objective_id, objective_from_form

        self._require_account(account_id)
        contacts = self._live_contact_ids(account_id)
        today = clock.today()
        made: list[Objective] = []

        def add(plan: SuccessPlan | None) -> dict[str, Any]:
            try:
                objective = objective_from_form(
                    data,
                    current=None,
                    new_id=next_objective_id(plan),
                    contacts=contacts,
                    today=today,
                )
            except PlanInputError as exc:
                raise _plan_problems(exc.problems) from None
            made.append(objective)
            dumped = objective.model_dump(mode="json")
            if plan is None:
                return {"goal": "", "objectives": [dumped]}
            return {"objectives": [*(o.model_dump(mode="json") for o in plan.objectives), dumped]}

        self._edit_success(account_id, add)
        return made[-1]

    def _edit_objective(
        self, account_id: str, objective_id: str, edit: Callable[[Objective], Objective | None]
    ) -> Objective | None:
        """Replace (or with None remove) one objective of the plan as committed now; the
        other objectives stay as they are, whoever changed them meanwhile."""
        self._require_plan(account_id)
        result: list[Objective | None] = []

        def change(current: SuccessPlan | None) -> dict[str, Any]:
            plan = _existing(current)
            index = _find_objective(plan, objective_id)
            objective = edit(plan.objectives[index])
            result.append(objective)
            objectives = [o.model_dump(mode="json") for o in plan.objectives]
            if objective is None:
                del objectives[index]
            else:
                objectives[index] = objective.model_dump(mode="json")
            return {"objectives": objectives}

        self._edit_success(account_id, change)
        return result[-1]

    def update_objective(
        self, account_id: str, objective_id: str, data: Mapping[str, Any]
    ) -> Objective:
        """Edit an objective and its KPI; fields left out keep their value, history stays.

        A stakeholder who has left may stay on an objective they already own (history), but
        cannot be newly chosen.
        """
        from cstui.domain.success import PlanInputError, objective_from_form

        live = self._live_contact_ids(account_id)
        today = clock.today()

        def edit(current: Objective) -> Objective:
            contacts = set(live)
            if current.stakeholder_id is not None:
                contacts.add(current.stakeholder_id)
            try:
                return objective_from_form(
                    data, current=current, new_id=current.id, contacts=contacts, today=today
                )
            except PlanInputError as exc:
                raise _plan_problems(exc.problems) from None

        objective = self._edit_objective(account_id, objective_id, edit)
        assert objective is not None
        return objective

    def remove_objective(self, account_id: str, objective_id: str) -> None:
        self._edit_objective(account_id, objective_id, lambda _current: None)

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
        from cstui.domain.success import PlanInputError, Problem, reading_from_form, with_reading

        today = clock.today()

        def edit(current: Objective) -> Objective:
            problems: list[Problem] = []
            if current.kpi is None:
                problems.append(Problem("", "success.error.no_kpi"))
            try:
                number, when = reading_from_form(
                    {"value": value, "date": day or today}, today=today, kpi=current.kpi
                )
            except PlanInputError as exc:
                problems.extend(exc.problems)
            if problems:
                raise _plan_problems(problems)
            assert current.kpi is not None
            return current.model_copy(update={"kpi": with_reading(current.kpi, number, when)})

        objective = self._edit_objective(account_id, objective_id, edit)
        assert objective is not None
        return objective

    def update_kpi_reading(
        self,
        account_id: str,
        objective_id: str,
        day: date,
        value: float | str | None = None,
        new_day: date | str | None = None,
    ) -> Objective:
        """Correct the reading of ``day``: its value (None keeps it) and/or its date (a
        reading moved onto another reading's day replaces it, one value per day). The same
        checks as a new reading: unit bounds, no future date."""
        from cstui.domain.success import PlanInputError, reading_from_form, with_reading

        today = clock.today()

        def edit(current: Objective) -> Objective:
            kpi = current.kpi
            old = _find_reading(kpi, day)
            try:
                number, when = reading_from_form(
                    {
                        "value": old.value if value is None or value == "" else value,
                        "date": new_day or day,
                    },
                    today=today,
                    kpi=kpi,
                )
            except PlanInputError as exc:
                raise _plan_problems(exc.problems) from None
            assert kpi is not None
            rest = kpi.model_copy(update={"history": [m for m in kpi.history if m.date != day]})
            return current.model_copy(update={"kpi": with_reading(rest, number, when)})

        objective = self._edit_objective(account_id, objective_id, edit)
        assert objective is not None
        return objective

    def delete_kpi_reading(self, account_id: str, objective_id: str, day: date) -> Objective:
        """Remove the reading of ``day`` (a mistyped one); the others stay."""

        def edit(current: Objective) -> Objective:
            kpi = current.kpi
            _find_reading(kpi, day)
            assert kpi is not None
            history = [m for m in kpi.history if m.date != day]
            return current.model_copy(update={"kpi": kpi.model_copy(update={"history": history})})

        objective = self._edit_objective(account_id, objective_id, edit)
        assert objective is not None
        return objective

    def set_roi(self, account_id: str, data: Mapping[str, Any]) -> ROIInputs:
        """Set the ROI inputs (form fields: ``success.ROI_FIELDS``); fields left out keep
        their value. Creates an empty plan to hold them when there is none."""
        from cstui.domain.success import PlanInputError, roi_from_form

        account = self._require_account(account_id)
        made: list[ROIInputs] = []

        def edit(plan: SuccessPlan | None) -> dict[str, Any]:
            try:
                roi = roi_from_form(
                    data, current=plan.roi if plan else None, currency=account.currency
                )
            except PlanInputError as exc:
                raise _plan_problems(exc.problems) from None
            made.append(roi)
            return {"roi": roi.model_dump(mode="json")}

        self._edit_success(account_id, edit)
        return made[-1]
