"""The Onboarding tab: the account's checklist by phase, its progress, TTV and onboarding KPIs.

The seeds' lesson is that onboarding fails by overload, so the pane leads with the phases in
journey order, core steps marked, and a roadmap view (``w``) saying what the customer can do
by week N. Every change goes through the workspace; the pane redraws on the workspace's events
for this account (whether the change came from here, another screen or another process) and
keeps the cursor on the same item.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from cstui import clock
from cstui.domain.models import OnboardingItem, OnboardingPlan, OwnerSide
from cstui.domain.templates import Progress, phase_order, roadmap
from cstui.i18n import fmt_date, language, t
from cstui.sanitize import clean
from cstui.ui.forms import Field
from cstui.widgets.charts import hbar
from cstui.widgets.pane import (
    WHEN_WIDTH,
    Cell,
    ItemList,
    ListPane,
    columns,
    fit,
    label_width,
    when_text,
)

PHASE_BAR = 20
OVERALL_BAR = 30
_KNOWN_PHASES = ("kickoff", "setup", "training", "first_value", "go_live")


def yes_no_options() -> list[tuple[str, str]]:
    return [(t("checklist.yes"), "yes"), (t("checklist.no"), "no")]


def yes_no(value: bool | None) -> str | None:
    return None if value is None else ("yes" if value else "no")


def from_yes_no(value: str | None) -> bool | None:
    return None if value is None else value == "yes"


# ---------------------------------------------------------------------------- onboarding
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
        Binding("k", "kpis", "key.checklist.kpis"),
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

    def phase_order(self, plan: OnboardingPlan) -> list[str]:
        """The template's phases in journey order, then any other phase the plan uses."""
        template = self.workspace.onboarding_templates().get(plan.template)
        order = [p.id for p in template.phases] if template is not None else []
        for phase in phase_order(plan):
            if phase not in order:
                order.append(phase)
        return order or list(_KNOWN_PHASES)

    def phase_name(self, phase: str) -> str:
        """The template's name in the UI language, else the plan's own, else ours."""
        plan = self.plan
        template = self.workspace.onboarding_templates().get(plan.template) if plan else None
        for p in template.phases if template is not None else ():
            if p.id == phase:
                return p.name(language())
        key = f"checklist.phase.{phase}"
        if t(key) != key:
            return t(key)
        if plan is not None and plan.phase_names.get(phase):
            return clean(plan.phase_names[phase])
        return clean(phase.replace("_", " ").capitalize())

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
        summary.update(self.summary_text(plan, progress, today))
        width = self.items.line_width
        if self.roadmap:
            options = self.roadmap_options(plan, today, width)
        else:
            options = self.phase_options(plan, progress, today, width)
        self.items.show(options, self.take_keep())

    def summary_text(self, plan: OnboardingPlan, progress: Progress | None, today: date) -> Text:
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
        template = self.workspace.onboarding_templates().get(plan.template)
        name = template.name(language()) if template is not None else clean(plan.template)
        out.append(
            t("checklist.template_line", name=name or "—", start=fmt_date(plan.start)), style="dim"
        )
        if self.roadmap:
            out.append("  ·  " + t("checklist.roadmap.hint"), style="bold")
        else:
            out.append("  ·  " + t("checklist.legend"), style="dim")
        return out

    def _widths(self) -> tuple[int, int]:
        owner = label_width(t(f"checklist.owner.{s.value}") for s in OwnerSide)
        core = label_width((t("checklist.core"), t("checklist.optional")))
        return owner, core

    def item_line(
        self, item: OnboardingItem, today: date, width: int, *, by_week: bool = False
    ) -> Text:
        """One step in aligned columns; in the roadmap, what the customer can do once done."""
        owner_w, core_w = self._widths()
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

    def heading(self, name: str, done: int, total: int, overdue: int, width: int) -> Text:
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
        self, plan: OnboardingPlan, progress: Progress | None, today: date, width: int
    ) -> list[Option]:
        per_phase: dict[str, tuple[int, int]] = dict(progress.per_phase) if progress else {}
        options: list[Option] = []
        for phase in self.phase_order(plan):
            items = [i for i in plan.items if i.phase == phase]
            if not items:
                continue
            done, total = per_phase.get(phase, (sum(i.done for i in items), len(items)))
            overdue = sum(1 for i in items if not i.done and i.due is not None and i.due < today)
            options.append(
                Option(
                    self.heading(self.phase_name(phase), done, total, overdue, width), disabled=True
                )
            )
            options += [Option(self.item_line(i, today, width), id=i.id) for i in items]
        return options

    def roadmap_options(self, plan: OnboardingPlan, today: date, width: int) -> list[Option]:
        options: list[Option] = []
        for week, items in roadmap(plan):
            done = sum(1 for i in items if i.done)
            first = plan.start + timedelta(days=7 * (week - 1))
            heading = Text()
            heading.append(t("checklist.roadmap.week", n=week), style="bold")
            heading.append(
                f"  {fmt_date(first)} – {fmt_date(first + timedelta(days=6))}", style="dim"
            )
            heading.append(f"  {done}/{len(items)}", style="green" if done == len(items) else "")
            options.append(Option(heading, disabled=True))
            options += [
                Option(self.item_line(i, today, width, by_week=True), id=i.id) for i in items
            ]
        return options

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

    def phase_options_for_form(self) -> list[tuple[str, str]]:
        plan = self.plan
        if plan is None:
            return []
        return [(self.phase_name(p), p) for p in self.phase_order(plan)]

    def _owner_options(self) -> list[tuple[str, str]]:
        return [(t(f"checklist.owner.{s.value}"), s.value) for s in OwnerSide]

    def action_edit(self) -> None:
        item = self.current
        if item is None:
            return
        fields = [
            Field("title", t("checklist.form.title"), value=item.title, required=True),
            Field(
                "phase",
                t("checklist.form.phase"),
                kind="select",
                value=item.phase,
                options=self.phase_options_for_form(),
                required=True,
            ),
            Field("due", t("checklist.form.due"), kind="date", value=item.due),
            Field(
                "owner_side",
                t("checklist.form.owner"),
                kind="select",
                value=item.owner_side.value,
                options=self._owner_options(),
                required=True,
            ),
            Field("core", t("checklist.form.core"), kind="bool", value=item.core),
            Field("notes", t("checklist.form.notes"), kind="multiline", value=item.notes),
        ]
        current = {
            "title": item.title,
            "phase": item.phase,
            "due": item.due,
            "owner_side": item.owner_side.value,
            "core": item.core,
            "notes": item.notes,
        }

        def submit(values: dict[str, Any]) -> None:
            values = {**values, "notes": values["notes"] or ""}
            changes = {k: v for k, v in values.items() if current.get(k) != v}
            if changes:
                self.workspace.set_onboarding_item(self.account_id, item.id, **changes)

        self.keep(item.id)
        self.form(
            t("checklist.form.edit_title", title=clean(item.title)),
            fields,
            submit,
            t("checklist.saved.item"),
        )

    def action_add(self) -> None:
        plan = self.plan
        if plan is None:
            return
        near = self.current
        fields = [
            Field("title", t("checklist.form.title"), required=True),
            Field(
                "phase",
                t("checklist.form.phase"),
                kind="select",
                value=near.phase if near else None,
                options=self.phase_options_for_form(),
                required=True,
            ),
            Field(
                "due",
                t("checklist.form.due"),
                kind="date",
                value=near.due if near and near.due else clock.today(),
                required=True,
            ),
            Field(
                "owner_side",
                t("checklist.form.owner"),
                kind="select",
                value=OwnerSide.US.value,
                options=self._owner_options(),
                required=True,
            ),
            Field("core", t("checklist.form.core"), kind="bool", value=True),
            Field("first_value", t("checklist.form.first_value"), kind="bool", value=False),
        ]
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
        fields = [
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

        def submit(values: dict[str, Any]) -> None:
            self.workspace.set_onboarding_kpis(
                self.account_id,
                satisfaction=values["satisfaction"],
                comprehension_ok=from_yes_no(values["comprehension_ok"]),
                initial_goal_achieved=from_yes_no(values["initial_goal_achieved"]),
            )

        self.keep(self.items.current_id)
        self.form(t("checklist.form.kpis_title"), fields, submit, t("checklist.saved.kpis"))

    def action_template(self) -> None:
        templates = self.workspace.onboarding_templates()
        if not templates:
            self.notify(t("checklist.no_templates"), severity="warning", markup=False)
            return
        plan = self.plan
        options = [(tpl.name(language()), key) for key, tpl in templates.items()]
        chosen = plan.template if plan is not None and plan.template in templates else None
        fields = [
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
                value=plan.start if plan is not None else clock.today(),
                required=True,
            ),
        ]

        def submit(values: dict[str, Any]) -> None:
            self.workspace.apply_onboarding_template(
                self.account_id, values["template"], values["start"]
            )

        self.keep(self.items.current_id)
        self.form(t("checklist.form.template_title"), fields, submit, t("checklist.saved.template"))
