"""The Onboarding tab's widget: the checklist by phase or by week; keys tick, edit and add.

Every change goes through the workspace; the pane redraws on the workspace's events for
this account (whether the change came from here, another screen or another process) and
keeps the cursor on the same item.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import OptionList, Static

from cstui import clock
from cstui.domain.models import OnboardingItem, OnboardingPlan
from cstui.domain.templates import OnboardingTemplate, TemplateApplied
from cstui.i18n import t
from cstui.sanitize import clean
from cstui.widgets.checklist import forms, render
from cstui.widgets.pane import ItemList, ListPane


class OnboardingPane(ListPane):
    """Checklist by phase, progress bars, TTV and onboarding KPIs of one account."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "tick", "key.checklist.tick"),
        Binding("e", "edit", "key.checklist.edit"),
        Binding("a", "add", "key.checklist.add"),
        Binding("d", "remove", "key.checklist.remove"),
        Binding("K,shift+up", "move(-1)", "key.checklist.up"),
        Binding("J,shift+down", "move(1)", "key.checklist.down"),
        Binding("w", "roadmap", "key.checklist.roadmap"),
        Binding("m", "kpis", "key.checklist.kpis"),
        Binding("T", "template", "key.checklist.template"),
    ]
    _NEED_PLAN: ClassVar[frozenset[str]] = frozenset(
        {"tick", "edit", "add", "remove", "move", "roadmap", "kpis"}
    )

    def __init__(self, account_id: str) -> None:
        super().__init__(account_id, id="onboarding-pane")
        self.plan: OnboardingPlan | None = None
        self.roadmap = False

    def compose(self) -> ComposeResult:
        yield Static("", id="onboarding-summary", classes="pane-header", markup=False)
        yield Static("", id="onboarding-empty", classes="pane-empty", markup=False)
        yield ItemList(id="onboarding-list")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return not (action in self._NEED_PLAN and self.plan is None)

    # ------------------------------------------------------------------ data
    def item(self, item_id: str | None) -> OnboardingItem | None:
        if self.plan is None or item_id is None:
            return None
        return next((i for i in self.plan.items if i.id == item_id), None)

    @property
    def current(self) -> OnboardingItem | None:
        return self.item(self.items.current_id)

    def template(self) -> OnboardingTemplate | None:
        """The template the plan was made from, if it is still installed."""
        plan = self.plan
        return self.workspace.onboarding_templates().get(plan.template) if plan else None

    def phase_choices(self) -> list[tuple[str, str]]:
        """(name, id) of every phase in journey order, for the forms' phase field."""
        plan, template = self.plan, self.template()
        if plan is None:
            return []
        return [
            (render.phase_name(p, plan, template), p)
            for p in render.phases_in_order(plan, template)
        ]

    # ------------------------------------------------------------------ drawing
    def refresh_view(self) -> None:
        ws = self.workspace
        plan = ws.onboarding(self.account_id)
        self.plan = plan
        summary = self.query_one("#onboarding-summary", Static)
        empty = self.query_one("#onboarding-empty", Static)
        summary.display = plan is not None
        empty.display = plan is None
        self.set_empty(plan is None)
        if plan is None:
            empty.update(Text(t("checklist.empty"), style=""))
            return
        today = clock.today()
        progress = ws.onboarding_progress(self.account_id)
        template = self.template()
        summary.update(render.summary_text(plan, progress, today, template, self.roadmap))
        width = self.items.line_width
        if self.roadmap:
            options = render.roadmap_options(plan, today, width)
        else:
            options = render.phase_options(plan, progress, today, width, template)
        self.items.show(options, self.take_keep())

    # ------------------------------------------------------------------ actions
    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_edit()

    def action_tick(self) -> None:
        item = self.current
        if item is None:
            return
        self.keep(item.id)
        self.guard(
            lambda: self.workspace.set_onboarding_item(self.account_id, item.id, done=not item.done)
        )

    def action_move(self, delta: int) -> None:
        item = self.current
        if item is None:
            return
        self.keep(item.id)
        self.guard(lambda: self.workspace.move_onboarding_item(self.account_id, item.id, delta))

    def action_roadmap(self) -> None:
        self.roadmap = not self.roadmap
        self.keep(self.items.current_id)
        self.refresh_view()

    def action_edit(self) -> None:
        item = self.current
        if item is None:
            return
        current = forms.item_values(item)

        def submit(values: dict[str, Any]) -> None:
            values = {**values, "notes": values["notes"] or ""}
            changes = {k: v for k, v in values.items() if current.get(k) != v}
            if changes:
                self.workspace.set_onboarding_item(self.account_id, item.id, **changes)

        self.keep(item.id)
        self.form(
            t("checklist.form.edit_title", title=clean(item.title)),
            forms.edit_fields(item, self.phase_choices()),
            submit,
            t("checklist.saved.item"),
        )

    def action_add(self) -> None:
        plan = self.plan
        if plan is None:
            return
        fields = forms.add_fields(plan, self.phase_choices(), clock.today())
        before = {i.id for i in plan.items}

        def submit(values: dict[str, Any]) -> None:
            fresh = self.workspace.add_onboarding_item(
                self.account_id,
                phase=values["phase"],
                title=values["title"],
                due=values["due"],
                owner_side=values["owner_side"],
                core=bool(values["core"]),
                first_value=bool(values["first_value"]),
            )
            added = [i.id for i in fresh.items if i.id not in before]
            self.keep(added[0] if added else None)

        self.form(t("checklist.form.add_title"), fields, submit, t("checklist.saved.added"))

    def action_remove(self) -> None:
        item = self.current
        if item is None:
            return

        def remove() -> None:
            self.workspace.remove_onboarding_item(self.account_id, item.id)

        self.confirm(
            t("checklist.confirm.remove", title=clean(item.title)),
            t("checklist.confirm.remove_verb"),
            remove,
            t("checklist.saved.removed"),
        )

    def action_kpis(self) -> None:
        plan = self.plan
        if plan is None:
            return

        def submit(values: dict[str, Any]) -> None:
            self.workspace.set_onboarding_kpis(
                self.account_id,
                satisfaction=values["satisfaction"],
                comprehension_ok=forms.from_yes_no(values["comprehension_ok"]),
                initial_goal_achieved=forms.from_yes_no(values["initial_goal_achieved"]),
            )

        self.keep(self.items.current_id)
        self.form(
            t("checklist.form.kpis_title"),
            forms.kpi_fields(plan),
            submit,
            t("checklist.saved.kpis"),
        )

    def action_template(self) -> None:
        templates = self.workspace.onboarding_templates()
        if not templates:
            self.notify(t("checklist.no_templates"), severity="warning", markup=False)
            return
        fields = forms.template_fields(templates, self.plan, clock.today())
        applied: list[TemplateApplied] = []

        def submit(values: dict[str, Any]) -> None:
            applied.append(
                self.workspace.apply_onboarding_template_counted(
                    self.account_id, values["template"], values["start"]
                )
            )

        self.keep(self.items.current_id)
        self.form(
            t("checklist.form.template_title"),
            fields,
            submit,
            lambda: render.applied_text(applied[-1]),
        )
