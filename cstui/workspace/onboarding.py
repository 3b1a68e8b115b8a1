"""Onboarding: checklists applied from templates, edited item by item, mirrored into tasks.

An open core step on our side has a task (key ``onboarding:{plan}:{item}``); ticking either
ticks the other. An edit touches only the tasks of the steps it changed (the rule is
:mod:`cstui.domain.onboarding_tasks`). Depends on :mod:`.tasks` (the mirrored tasks).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import date
from functools import cached_property
from typing import TYPE_CHECKING, Any

from cstui import clock, i18n
from cstui.domain import cadence as cadence_rules
from cstui.domain.enums import Priority, Table, TaskSource
from cstui.domain.metrics import mean
from cstui.paths import config_dir
from cstui.store import Txn
from cstui.workspace.repo import Write, changed_fields, one_step, validate_plain
from cstui.workspace.tasks import Tasks

if TYPE_CHECKING:  # imported where used: the templates are not needed at start-up
    from cstui.domain import templates as onboarding_rules
    from cstui.domain.models import Account, OnboardingItem, OnboardingPlan, Task


class Onboarding(Tasks):
    _ITEM_FIELDS = frozenset(
        {"done", "done_on", "title", "due", "owner_side", "core", "notes", "phase", "first_value"}
    )

    def onboarding(self, account_id: str) -> OnboardingPlan | None:
        from cstui.domain.models import OnboardingPlan

        items = self._for_account(OnboardingPlan, account_id)
        return items[0] if items else None

    @cached_property
    def _templates(self) -> tuple[dict[str, onboarding_rules.OnboardingTemplate], list[str]]:
        from cstui.domain import templates as onboarding_rules

        return onboarding_rules.load_templates(
            onboarding_rules.shipped_template_texts(),
            onboarding_rules.user_template_files(config_dir()),
        )

    def onboarding_templates(self) -> dict[str, onboarding_rules.OnboardingTemplate]:
        """Shipped templates and the user's (``<config dir>/onboarding/*.toml``) by key,
        loaded once; problems go to :attr:`template_errors`, never stop the app."""
        return dict(self._templates[0])

    @property
    def template_errors(self) -> list[str]:
        """Problems found in template files (file, line, key), for ``cstui doctor``."""
        return list(self._templates[1])

    def _require_onboarding_plan(self, account_id: str) -> OnboardingPlan:
        from cstui.domain.models import InvalidRecord

        self._require_account(account_id)
        plan = self.onboarding(account_id)
        if plan is None:
            raise InvalidRecord.said(i18n.Msg("error.no_onboarding_plan"))
        return plan

    @staticmethod
    def _onboarding_plan_id(account_id: str) -> str:
        """The id of a new plan: derived from the account, so two processes creating the
        account's plan at once write one record, not two plans."""
        return f"{account_id}:onboarding"

    def _fresh_onboarding(self, txn: Txn, account_id: str) -> OnboardingPlan | None:
        """The account's plan as every process committed it (inside ``txn``)."""
        from cstui.domain.models import OnboardingPlan

        ids = self._account_ids(OnboardingPlan, account_id)
        ids.add(self._onboarding_plan_id(account_id))
        for plan_id in sorted(ids):
            record = txn.get(Table.ONBOARDING, plan_id)
            if record is not None and record.get("account_id") == account_id:
                return OnboardingPlan.from_record(record)
        return None

    def _onboarding_task_writes(
        self, txn: Txn, account: Account, before: OnboardingPlan | None, plan: OnboardingPlan
    ) -> list[Write]:
        """The task writes of the edit from ``before`` to ``plan``: the tasks of the steps it
        changed, by :func:`cstui.domain.onboarding_tasks.task_changes` (never those of
        another step). Tasks are read fresh through ``txn``."""
        from cstui.domain.onboarding_tasks import task_changes

        changes = task_changes(before, plan)
        if not changes:
            return []
        prefix = f"onboarding:{plan.id}:"
        live = self._keyed_tasks(
            account.id, prefix, txn=txn, ids=[prefix + c.item_id for c in changes]
        )
        writes: list[Write] = []
        for change in changes:
            key = prefix + change.item_id
            tasks = live.get(key, [])
            item = change.step
            if change.drop or item is None:
                writes.extend((Table.TASKS, t.id, None) for t in tasks if not t.done)
                continue
            mirrored: dict[str, Any] = {
                "title": item.title,
                "due": item.due,
                "done": item.done,
                "done_on": (item.done_on or clock.today()) if item.done else None,
            }
            if tasks:
                values = {f: mirrored[f] for f in change.follow}
                for task in tasks if values else ():
                    self._task_put(writes, task, values, txn=txn)
            elif change.create and txn.get(Table.TASKS, key, include_deleted=True) is None:
                self._task_put(
                    writes,
                    None,
                    {
                        **mirrored,
                        "account_id": account.id,
                        "priority": Priority.NORMAL,
                        "source": TaskSource.ONBOARDING,
                        "owner": account.owner or self.user,
                        "key": key,
                    },
                    new_id=key,
                )
        return writes

    def _edit_onboarding(
        self, account_id: str, edit: Callable[[OnboardingPlan | None], OnboardingPlan]
    ) -> OnboardingPlan:
        """Read-modify-write the account's plan and its mirrored tasks in one commit, on the
        plan as every process committed it (``edit`` gets None when there is none yet)."""
        account = self._require_account(account_id)
        with self._transaction() as txn:
            return self._edit_onboarding_in(txn, account, edit)

    def _edit_onboarding_in(
        self,
        txn: Txn,
        account: Account,
        edit: Callable[[OnboardingPlan | None], OnboardingPlan],
    ) -> OnboardingPlan:
        from cstui.domain.models import OnboardingPlan, validate

        existing = self._fresh_onboarding(txn, account.id)
        plan = edit(existing)
        if existing is None:
            plan = plan.model_copy(update={"id": self._onboarding_plan_id(account.id)})
        saved = validate(OnboardingPlan, plan.to_record())
        record = saved.to_record()
        current = txn.get(Table.ONBOARDING, saved.id)
        changed = record if current is None else changed_fields(current, record)
        if changed:
            txn.put(Table.ONBOARDING, saved.id, changed)
        self._write_in(txn, self._onboarding_task_writes(txn, account, existing, saved))
        return saved

    @staticmethod
    def _require_plan_of(plan: OnboardingPlan | None) -> OnboardingPlan:
        from cstui.domain.models import InvalidRecord

        if plan is None:
            raise InvalidRecord.said(i18n.Msg("error.no_onboarding_plan"))
        return plan

    def _after_task(self, txn: Txn, before: Task, task: Task) -> None:
        """Ticking an onboarding task ticks its checklist item too (same transaction)."""
        super()._after_task(txn, before, task)
        if task.done == before.done or not task.key.startswith("onboarding:"):
            return
        account = self.account(task.account_id) if task.account_id else None
        if account is None:
            return
        plan = self._fresh_onboarding(txn, account.id)
        prefix = f"onboarding:{plan.id}:" if plan is not None else ""
        if plan is None or not task.key.startswith(prefix):
            return
        item_id = task.key.removeprefix(prefix)
        item = next((it for it in plan.items if it.id == item_id), None)
        if item is not None and item.done != task.done:
            self._edit_onboarding_in(
                txn, account, lambda p: self._item_changed(p, item_id, {"done": task.done})
            )

    def apply_onboarding_template(
        self, account_id: str, template_key: str, start: date
    ) -> OnboardingPlan:
        """Apply (or re-apply) a template from ``start``: the plan as saved (see
        :meth:`apply_onboarding_template_counted`)."""
        return self.apply_onboarding_template_counted(account_id, template_key, start).plan

    @one_step
    def apply_onboarding_template_counted(
        self, account_id: str, template_key: str, start: date
    ) -> onboarding_rules.TemplateApplied:
        """Apply (or re-apply) a template from ``start``, and say what that did.

        Re-applying adds the missing steps and takes nothing away, never duplicates a step
        (``templates.merge_template``). Titles of new steps are written in the account's
        language (``cadence.account_lang``): the checklist is shared with the customer.
        Tasks are created for the new open core steps on our side. One undo step.
        """
        from cstui.domain import templates as onboarding_rules
        from cstui.domain.models import InvalidRecord

        account = self._require_account(account_id)
        templates = self.onboarding_templates()
        template = templates.get(template_key)
        if template is None:
            known = (
                i18n.join("sep.list", sorted(templates)) if templates else i18n.Msg("error.none")
            )
            raise InvalidRecord.said(
                i18n.msg("error.no_template", key=template_key, known=known), field="template"
            )
        lang = cadence_rules.account_lang(account)
        self._say(i18n.msg("undo.template", name=account.name))
        outcome: list[onboarding_rules.TemplateApplied] = []

        def apply(existing: OnboardingPlan | None) -> OnboardingPlan:
            outcome.append(
                onboarding_rules.merge_template(template, start, existing, account_id, lang)
            )
            return outcome[-1].plan

        saved = self._edit_onboarding(account_id, apply)
        return replace(outcome[-1], plan=saved)

    def _check_phase(self, plan: OnboardingPlan, phase: str) -> None:
        from cstui.domain import templates as onboarding_rules
        from cstui.domain.models import InvalidRecord

        phases = onboarding_rules.phase_order(plan)
        if plan.phase_names and phase not in phases:
            raise InvalidRecord.said(
                i18n.msg("error.bad_phase", phase=phase, phases=i18n.join("sep.list", phases)),
                field="phase",
            )

    @staticmethod
    def _one_first_value(items: list[OnboardingItem], keep: str) -> list[OnboardingItem]:
        """A plan has one first-value milestone: marking one unmarks the others."""
        return [
            it.model_copy(update={"first_value": False}) if it.first_value and it.id != keep else it
            for it in items
        ]

    def _item_changed(
        self, current: OnboardingPlan | None, item_id: str, changes: dict[str, Any]
    ) -> OnboardingPlan:
        """``current`` with one item changed (the rest of the list as it is now)."""
        from cstui.domain.models import InvalidRecord, OnboardingItem

        plan = self._require_plan_of(current)
        index = next((n for n, it in enumerate(plan.items) if it.id == item_id), None)
        if index is None:
            raise InvalidRecord.said(i18n.msg("error.no_onboarding_item", id=item_id))
        if "phase" in changes:
            self._check_phase(plan, str(changes["phase"]))
        item = plan.items[index]
        data = {**item.model_dump(), **changes}
        if "done" in changes:
            if changes["done"] and not item.done:
                data["done_on"] = changes.get("done_on") or clock.today()
            elif not changes["done"]:
                data["done_on"] = None
        fresh = validate_plain(OnboardingItem, data)
        if "due" in changes and fresh.due is not None:
            fresh = fresh.model_copy(update={"offset_days": (fresh.due - plan.start).days})
        items = list(plan.items)
        items[index] = fresh
        if fresh.first_value:
            items = self._one_first_value(items, fresh.id)
        return plan.model_copy(update={"items": items})

    def set_onboarding_item(self, account_id: str, item_id: str, **changes: Any) -> OnboardingPlan:
        """Change one item: done (sets done_on to today, or clears it), title, due,
        owner_side, core, notes, phase, first_value, done_on. Only that item is changed, in
        the plan as committed now: a teammate's edit of another item is kept."""
        from cstui.domain.models import InvalidRecord

        self._require_account(account_id)
        unknown = sorted(set(changes) - self._ITEM_FIELDS)
        if unknown:
            raise InvalidRecord.about(
                {k: [i18n.msg("error.fixed.onboarding_item", field=k)] for k in unknown}
            )
        return self._edit_onboarding(
            account_id, lambda plan: self._item_changed(plan, item_id, changes)
        )

    def add_onboarding_item(
        self,
        account_id: str,
        *,
        phase: str,
        title: str,
        due: date | None,
        owner_side: str = "us",
        core: bool = True,
        first_value: bool = False,
    ) -> OnboardingPlan:
        """Add an item by hand (kept by every re-apply), after the last item of its phase.

        Without a plan yet, an empty one starting at the contract start (else today) is
        created to hold it.
        """
        from cstui.domain import templates as onboarding_rules
        from cstui.domain.models import OnboardingItem, OnboardingPlan

        account = self._require_account(account_id)
        item_id = f"{onboarding_rules.OWN_PREFIX}{self.store.new_id()}"

        def add(existing: OnboardingPlan | None) -> OnboardingPlan:
            plan = existing or OnboardingPlan(
                id="", account_id=account_id, start=account.contract_start or clock.today()
            )
            self._check_phase(plan, phase)
            item = validate_plain(
                OnboardingItem,
                {
                    "id": item_id,
                    "phase": phase,
                    "title": title,
                    "due": due,
                    "offset_days": (due - plan.start).days if due is not None else 0,
                    "owner_side": owner_side,
                    "core": core,
                    "first_value": first_value,
                },
            )
            items = list(plan.items)
            last = max((n for n, it in enumerate(items) if it.phase == item.phase), default=None)
            items.insert(len(items) if last is None else last + 1, item)
            if item.first_value:
                items = self._one_first_value(items, item.id)
            return plan.model_copy(update={"items": items})

        return self._edit_onboarding(account_id, add)

    def remove_onboarding_item(self, account_id: str, item_id: str) -> OnboardingPlan:
        """Remove an item; a template item is remembered so re-applying does not revive it."""
        from cstui.domain import templates as onboarding_rules
        from cstui.domain.models import InvalidRecord

        self._require_account(account_id)

        def remove(current: OnboardingPlan | None) -> OnboardingPlan:
            plan = self._require_plan_of(current)
            items = [it for it in plan.items if it.id != item_id]
            if len(items) == len(plan.items):
                raise InvalidRecord.said(i18n.msg("error.no_onboarding_item", id=item_id))
            removed = list(plan.removed)
            if not item_id.startswith(onboarding_rules.OWN_PREFIX) and item_id not in removed:
                removed.append(item_id)
            return plan.model_copy(update={"items": items, "removed": removed})

        return self._edit_onboarding(account_id, remove)

    def move_onboarding_item(self, account_id: str, item_id: str, delta: int) -> OnboardingPlan:
        """Move an item ``delta`` places within its phase, stopping at the phase's ends."""
        from cstui.domain.models import InvalidRecord

        self._require_account(account_id)

        def move(current: OnboardingPlan | None) -> OnboardingPlan:
            plan = self._require_plan_of(current)
            item = next((it for it in plan.items if it.id == item_id), None)
            if item is None:
                raise InvalidRecord.said(i18n.msg("error.no_onboarding_item", id=item_id))
            slots = [n for n, it in enumerate(plan.items) if it.phase == item.phase]
            group = [plan.items[n] for n in slots]
            at = group.index(item)
            to = min(max(at + delta, 0), len(group) - 1)
            if to == at:
                return plan
            group.insert(to, group.pop(at))
            items = list(plan.items)
            for n, it in zip(slots, group, strict=True):
                items[n] = it
            return plan.model_copy(update={"items": items})

        return self._edit_onboarding(account_id, move)

    def set_onboarding_kpis(
        self,
        account_id: str,
        *,
        satisfaction: int | None,
        comprehension_ok: bool | None,
        initial_goal_achieved: bool | None,
    ) -> OnboardingPlan:
        """The onboarding KPIs entered in a form (None clears one)."""
        from cstui.domain.models import OnboardingPlan

        plan = self._require_onboarding_plan(account_id)
        return self._save(
            OnboardingPlan,
            {
                "id": plan.id,
                "satisfaction": satisfaction,
                "comprehension_ok": comprehension_ok,
                "initial_goal_achieved": initial_goal_achieved,
            },
            new=False,
        )

    def onboarding_progress(
        self, account_id: str, as_of: date | None = None
    ) -> onboarding_rules.Progress | None:
        from cstui.domain import templates as onboarding_rules

        plan = self.onboarding(account_id)
        if plan is None:
            return None
        return onboarding_rules.progress(plan, as_of or clock.today())

    def average_ttv(self, account_ids: Iterable[str] | None = None) -> float | None:
        """Mean time to value in days over the plans whose first value was reached."""
        from cstui.domain import templates as onboarding_rules
        from cstui.domain.models import OnboardingPlan

        wanted = None if account_ids is None else set(account_ids)
        values = [
            ttv
            for plan in self._all(OnboardingPlan)
            if wanted is None or plan.account_id in wanted
            if (ttv := onboarding_rules.plan_ttv(plan)) is not None
        ]
        return mean(values)
