"""The Success plan tab: is the customer getting what they bought, for users and executives?

Light objectives (end users) and deep ones (the executives who decide the renewal) sit side
by side, so a CSM sees at a glance whether the executive story is covered; a plan without a
deep objective is flagged, because a happy end user does not save an account whose executive
sees no return. Each objective shows its KPI as baseline → current → target on a bar that
fills as the KPI approaches the target, whichever direction that is. The ROI panel shows the
inputs and results of :mod:`cstui.domain.roi` in the plan's currency.

Each objective is a focusable card: the focused card is the cursor the keys act on, Textual
scrolls it into view, and it is kept (by objective id) when the plan is redrawn after a
save or a teammate's change. All text from the plan and the contacts is shown literally.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, ClassVar

from rich.console import RenderableType
from rich.table import Table
from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Container, Vertical, VerticalScroll
from textual.widgets import Static

from cstui import clock
from cstui.domain import roi as roi_domain
from cstui.domain.models import (
    KPI,
    Account,
    Audience,
    Contact,
    Objective,
    ObjectiveStatus,
    ROIInputs,
    SuccessPlan,
)
from cstui.domain.success import (
    ObjectiveSummary,
    bar_fraction,
    coverage,
    summarize,
    template,
)
from cstui.i18n import fmt_date, humanize, language, money, t
from cstui.sanitize import clean
from cstui.ui.css import default_css
from cstui.ui.forms import Field
from cstui.widgets.pane import AccountPane

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
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


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
        out.append(f"{fmt_date(obj.due)} ({humanize(obj.due, today)})", style=due_style)
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


class ObjectiveCard(Static, can_focus=True):
    """One objective; focus is the pane's cursor. Arrows move between cards and columns."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "move(-1)", show=False),
        Binding("down", "move(1)", show=False),
        Binding("left", "column", show=False),
        Binding("right", "column", show=False),
    ]

    def __init__(self, objective_id: str, audience: Audience, content: Text) -> None:
        super().__init__(content, markup=False, classes="sp-card")
        self.objective_id = objective_id
        self.audience = audience

    def _pane(self) -> SuccessPlanPane:
        return self.query_ancestor(SuccessPlanPane)

    def action_move(self, step: int) -> None:
        self._pane().move_cursor(self, step)

    def action_column(self) -> None:
        self._pane().switch_column(self)


class SuccessPlanPane(AccountPane, can_focus=True):
    """The Success plan tab of one account (registered in ``screens/account_tabs.py``)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "new_plan", "key.success.new"),
        Binding("a", "add_objective", "key.success.add"),
        Binding("e", "edit", "key.success.edit"),
        Binding("m", "measure", "key.success.measure"),
        Binding("d", "remove", "key.success.remove"),
        Binding("g", "edit_goal", "key.success.goal"),
        Binding("R", "edit_roi", "key.success.roi"),
    ]

    DEFAULT_CSS = default_css(__file__, "success_plan.tcss")

    def __init__(self, account_id: str) -> None:
        super().__init__(account_id, id="success-plan")
        self._cursor: str | None = None
        """Id of the objective the keys act on (the focused card's)."""

    # ------------------------------------------------------------------ layout
    def compose(self) -> ComposeResult:
        with VerticalScroll(id="sp-body"):
            yield Static("", id="sp-empty", markup=False)
            yield Static("", id="sp-goal", markup=False)
            with Container(id="sp-columns"):
                for audience in Audience:
                    column = Vertical(id=f"sp-{audience.value}", classes="sp-column")
                    with column:
                        yield Static("", classes="sp-placeholder", markup=False)
            yield Static("", id="sp-roi")

    def on_show(self) -> None:
        """Opening the tab puts the cursor on the plan, so its keys work at once."""
        if not self.has_focus_within:
            self.restore_cursor()

    # ------------------------------------------------------------------ data
    def _column(self, audience: Audience) -> Vertical:
        return self.query_one(f"#sp-{audience.value}", Vertical)

    def cards(self) -> list[ObjectiveCard]:
        """Light cards then deep ones, in plan order (the order up and down walk)."""
        return [c for a in Audience for c in self._column(a).query(ObjectiveCard)]

    def plan(self) -> SuccessPlan | None:
        return self.workspace.success_plan(self.account_id)

    def refresh_view(self) -> None:
        """Redraw from the workspace; cards are rebuilt only when the objectives changed."""
        ws = self.workspace
        account = ws.account(self.account_id)
        plan = ws.success_plan(self.account_id)
        empty = self.query_one("#sp-empty", Static)
        has_plan = account is not None and plan is not None
        empty.display = not has_plan
        for id in ("#sp-goal", "#sp-columns", "#sp-roi"):
            self.query_one(id).display = has_plan
        if account is None:
            empty.update(Text(t("account.gone"), style="bold red"))
            return
        if plan is None:
            empty.update(Text(t("success.empty")))
            self._sync_cards({a: [] for a in Audience}, {})
            return
        self._show_plan(account, plan)

    def _show_plan(self, account: Account, plan: SuccessPlan) -> None:
        ws = self.workspace
        today = clock.today()
        ratio = ws.settings.health.on_track_ratio
        summaries = [summarize(o, today, ratio, account.contract_start) for o in plan.objectives]
        cover = coverage(plan, today, ratio, account.contract_start)
        self.query_one("#sp-goal", Static).update(goal_text(plan, summaries, cover.missing_deep))
        contacts = {c.id: c for c in ws.contacts(self.account_id)}
        by_audience: dict[Audience, list[ObjectiveSummary]] = {a: [] for a in Audience}
        for s in summaries:
            by_audience[s.objective.audience].append(s)
        texts = {s.objective.id: card_text(s, contacts, today) for s in summaries}
        for audience in Audience:
            column = self._column(audience)
            n = len(by_audience[audience])
            column.border_title = t(f"success.column.{audience.value}", n=n)
            placeholder = column.query_one(".sp-placeholder", Static)
            placeholder.display = n == 0
            placeholder.update(t(f"success.column.{audience.value}_empty"))
        self._column(Audience.DEEP).set_class(cover.missing_deep, "-missing")
        self._sync_cards(by_audience, texts)
        roi_box = self.query_one("#sp-roi", Static)
        roi_box.border_title = t("success.roi.title")
        roi_box.update(roi_view(plan.roi, account.currency))

    def _sync_cards(
        self, by_audience: dict[Audience, list[ObjectiveSummary]], texts: dict[str, Text]
    ) -> None:
        had_focus = self.has_focus_within or self.screen.focused is self
        rebuilt = False
        for audience in Audience:
            column = self._column(audience)
            cards = list(column.query(ObjectiveCard))
            wanted = [s.objective.id for s in by_audience.get(audience, [])]
            if [c.objective_id for c in cards] == wanted:
                for card in cards:
                    card.update(texts[card.objective_id])
                continue
            rebuilt = True
            if cards:
                column.remove_children(cards)
            fresh = [ObjectiveCard(i, audience, texts[i]) for i in wanted]
            if fresh:
                column.mount_all(fresh)
        if rebuilt and had_focus:
            self.call_after_refresh(self.restore_cursor)

    # ------------------------------------------------------------------ cursor
    @on(events.DescendantFocus)
    def _focused(self, event: events.DescendantFocus) -> None:
        if isinstance(event.widget, ObjectiveCard):
            self._cursor = event.widget.objective_id

    def selected(self) -> ObjectiveCard | None:
        cards = self.cards()
        return next((c for c in cards if c.objective_id == self._cursor), None)

    def restore_cursor(self) -> None:
        """Focus the card of the remembered objective, else the first card, else the pane."""
        if not self.is_attached or not self.display:
            return
        cards = [c for c in self.cards() if c.is_attached]
        card = next((c for c in cards if c.objective_id == self._cursor), None)
        if card is None and cards:
            card = cards[0]
        if card is not None:
            card.focus()
        else:
            self.focus()

    def move_cursor(self, card: ObjectiveCard, step: int) -> None:
        cards = self.cards()
        if card in cards:
            index = max(0, min(len(cards) - 1, cards.index(card) + step))
            cards[index].focus()

    def switch_column(self, card: ObjectiveCard) -> None:
        other = Audience.DEEP if card.audience is Audience.LIGHT else Audience.LIGHT
        targets = list(self._column(other).query(ObjectiveCard))
        if targets:
            mine = list(self._column(card.audience).query(ObjectiveCard))
            index = mine.index(card) if card in mine else 0
            targets[min(index, len(targets) - 1)].focus()

    def _selected_objective(self) -> Objective | None:
        plan = self.plan()
        card = self.selected()
        if plan is None or card is None:
            return None
        return next((o for o in plan.objectives if o.id == card.objective_id), None)

    # ------------------------------------------------------------------ forms
    def _account(self) -> Account | None:
        account = self.workspace.account(self.account_id)
        if account is None:
            self.app.bell()
        return account

    def after_dialog(self) -> None:
        self.call_after_refresh(self.restore_cursor)

    def _contact_options(self, keep: str | None = None) -> list[tuple[str, str]]:
        """Contacts still at the customer (and the current stakeholder, even if gone)."""
        today = clock.today()
        out = []
        for c in self.workspace.contacts(self.account_id):
            gone = not c.active or (c.left_on is not None and c.left_on <= today)
            if gone and c.id != keep:
                continue
            role = t(f"success.role.{c.role.value}")
            suffix = f", {t('success.role.left')}" if gone else ""
            out.append((f"{c.name} ({role}{suffix})", c.id))
        return out

    def action_new_plan(self) -> None:
        account = self._account()
        if account is None:
            return
        ws = self.workspace
        lang = language()
        existing = ws.success_plan(self.account_id)
        options = []
        for tpl in ws.success_templates():
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
            Field(
                "goal",
                t("success.form.plan.goal"),
                help=t("success.form.plan.goal_help"),
            ),
        ]
        if existing is not None:
            fields.append(Field("replace", t("success.form.plan.replace"), kind="bool"))

        def submit(values: dict[str, Any]) -> None:
            ws.create_success_plan(
                self.account_id,
                goal=values["goal"] or "",
                template=values["template"],
                replace=bool(values.get("replace")),
            )

        self._cursor = None
        title = t("success.form.plan.title", name=clean(account.name))
        self.form(title, fields, submit, t("success.saved.plan"))

    def action_edit_goal(self) -> None:
        account = self._account()
        plan = self.plan()
        if account is None:
            return
        if plan is None:
            self.action_new_plan()
            return
        ws = self.workspace
        fields = [Field("goal", t("success.form.plan.goal"), value=plan.goal, required=True)]

        def submit(values: dict[str, Any]) -> None:
            ws.update_success_plan(self.account_id, {"goal": values["goal"] or ""})

        title = t("success.form.goal.title", name=clean(account.name))
        self.form(title, fields, submit, t("success.saved.goal"))

    def _objective_fields(self, current: Objective | None, audience: Audience) -> list[Field]:
        kpi = current.kpi if current else None
        account = self.workspace.account(self.account_id)
        today = clock.today()
        due: date | None
        if current is not None:
            due = current.due
        elif audience is Audience.DEEP and account and account.renewal_date:
            due = account.renewal_date if account.renewal_date > today else None
        else:
            due = today + timedelta(days=182)
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
        people = self._contact_options(keep)
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
            Field(
                "kpi_name", t("success.form.objective.kpi_name"), value=kpi.name if kpi else None
            ),
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

    def action_add_objective(self) -> None:
        account = self._account()
        if account is None:
            return
        ws = self.workspace
        card = self.selected()
        audience = card.audience if card is not None and card.has_focus else Audience.LIGHT
        added: list[Objective] = []

        def submit(values: dict[str, Any]) -> None:
            added.append(ws.add_objective(self.account_id, values))
            self._cursor = added[-1].id

        title = t("success.form.objective.add", name=clean(account.name))
        self.form(
            title, self._objective_fields(None, audience), submit, t("success.saved.objective")
        )

    def action_edit(self) -> None:
        account = self._account()
        if account is None:
            return
        objective = self._selected_objective()
        if objective is None:
            self.action_edit_goal()
            return
        ws = self.workspace
        oid = objective.id

        def submit(values: dict[str, Any]) -> None:
            ws.update_objective(self.account_id, oid, values)

        title = t("success.form.objective.edit", title=clean(objective.title))
        fields = self._objective_fields(objective, objective.audience)
        self.form(title, fields, submit, t("success.saved.objective"))

    def action_measure(self) -> None:
        objective = self._selected_objective()
        if objective is None:
            self.notify(t("success.pick_objective"), severity="warning", markup=False)
            return
        kpi = objective.kpi
        if kpi is None:
            self.notify(t("success.error.no_kpi"), severity="warning", markup=False)
            return
        ws = self.workspace
        oid = objective.id
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
        fields = [
            Field(
                "value",
                t("success.form.reading.value", unit=clean(kpi.unit) or "—"),
                kind="float",
                required=True,
                help=hint,
            ),
            Field(
                "date",
                t("success.form.reading.date"),
                kind="date",
                value=clock.today(),
                required=True,
            ),
        ]

        def submit(values: dict[str, Any]) -> None:
            ws.record_kpi(self.account_id, oid, values["value"], values["date"])

        title = t("success.form.reading.title", name=clean(kpi.name))
        self.form(title, fields, submit, t("success.saved.reading"))

    def action_remove(self) -> None:
        objective = self._selected_objective()
        if objective is None:
            self.notify(t("success.pick_objective"), severity="warning", markup=False)
            return
        ws = self.workspace
        oid = objective.id
        cards = self.cards()
        index = next((i for i, c in enumerate(cards) if c.objective_id == oid), 0)
        neighbour = cards[index + 1] if index + 1 < len(cards) else cards[index - 1]

        def remove() -> None:
            ws.remove_objective(self.account_id, oid)
            self._cursor = neighbour.objective_id if neighbour.objective_id != oid else None

        n = len(objective.kpi.history) if objective.kpi else 0
        message = t("success.confirm.remove", title=clean(objective.title), n=n)
        self.confirm(message, t("success.confirm.yes"), remove, t("success.saved.removed"))

    def action_edit_roi(self) -> None:
        account = self._account()
        if account is None:
            return
        ws = self.workspace
        plan = self.plan()
        roi = plan.roi if plan else None
        cur = roi.currency if roi else account.currency

        def value(name: str, default: float) -> str:
            return plain_number(getattr(roi, name) if roi else default)

        fields = [
            Field(
                "hours_saved_per_month",
                t("success.form.roi.hours"),
                kind="float",
                value=value("hours_saved_per_month", 0),
                help=t("success.form.roi.hours_help"),
            ),
            Field(
                "hourly_cost",
                t("success.form.roi.hourly_cost", currency=cur),
                kind="float",
                value=value("hourly_cost", 0),
            ),
            Field(
                "extra_revenue",
                t("success.form.roi.extra_revenue", currency=cur),
                kind="float",
                value=value("extra_revenue", 0),
                help=t("success.form.roi.yearly_help"),
            ),
            Field(
                "other_savings",
                t("success.form.roi.other_savings", currency=cur),
                kind="float",
                value=value("other_savings", 0),
                help=t("success.form.roi.yearly_help"),
            ),
            Field(
                "annual_fee",
                t("success.form.roi.annual_fee", currency=cur),
                kind="float",
                value=value("annual_fee", float(account.arr)),
            ),
            Field("currency", t("success.form.roi.currency"), value=cur, required=True),
        ]

        def submit(values: dict[str, Any]) -> None:
            ws.set_roi(self.account_id, values)

        title = t("success.form.roi.title", name=clean(account.name))
        self.form(title, fields, submit, t("success.saved.roi"))
