"""The Success plan tab's widget: objective cards in light and deep columns, goal and ROI.

Each objective is a focusable card: the focused card is the cursor the keys act on, Textual
scrolls it into view, and it is kept (by objective id) when the plan is redrawn after a
save or a teammate's change. All text from the plan and the contacts is shown literally.
"""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Container, Vertical, VerticalScroll
from textual.widget import Widget
from textual.widgets import Static

from cstui import clock
from cstui.domain.enums import Audience
from cstui.domain.models import Account, Objective, SuccessPlan
from cstui.domain.success import (
    ObjectiveSummary,
    coverage,
    summarize,
)
from cstui.i18n import language, t
from cstui.sanitize import clean
from cstui.ui.css import default_css
from cstui.ui.forms import Field, FormScreen
from cstui.ui.wrap import Wrapped
from cstui.widgets.pane import AccountPane
from cstui.widgets.success_plan import forms
from cstui.widgets.success_plan.render import card_text, goal_text, roi_view


class ObjectiveCard(Static, can_focus=True):
    """One objective; focus is the pane's cursor. Arrows move between cards and columns."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "move(-1)", "Up", show=False),
        Binding("down,j", "move(1)", "Down", show=False),
        Binding("home,g", "move(-1_000_000)", "First", show=False),  # clamped: the first
        Binding("end,G", "move(1_000_000)", "Last", show=False),
        Binding("left", "column", "key.success.column", show=False),
        Binding("right", "column", "key.success.column", show=False),
    ]

    def __init__(self, objective_id: str, audience: Audience, content: Wrapped) -> None:
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
        Binding("M", "readings", "key.success.readings", show=False),
        Binding("d", "remove", "key.success.remove"),
        # Not g: g goes to the first line of every list (one meaning per key).
        Binding("E", "edit_goal", "key.success.goal"),
        Binding("R", "edit_roi", "key.success.roi"),
    ]

    DEFAULT_CSS = default_css(__file__, "pane.tcss")

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
        goal = Wrapped(goal_text(plan, summaries, cover.missing_deep))  # kinsoku line breaks
        self.query_one("#sp-goal", Static).update(goal)
        contacts = {c.id: c for c in ws.contacts(self.account_id)}
        by_audience: dict[Audience, list[ObjectiveSummary]] = {a: [] for a in Audience}
        for s in summaries:
            by_audience[s.objective.audience].append(s)
        texts = {s.objective.id: Wrapped(card_text(s, contacts, today)) for s in summaries}
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
        self, by_audience: dict[Audience, list[ObjectiveSummary]], texts: dict[str, Wrapped]
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
        self.focus_target().focus()

    def focus_target(self) -> Widget:
        """Where focus given to the tab goes (see :meth:`restore_cursor`). The account
        screen focuses it directly, not the pane first: each focus change restyles the
        focused and the blurred widget with everything in them, and the pane passing focus
        on to a card restyled the whole plan twice."""
        cards = [c for c in self.cards() if c.is_attached]
        card = next((c for c in cards if c.objective_id == self._cursor), None)
        if card is None and cards:
            card = cards[0]
        return card if card is not None else self

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

    def action_new_plan(self) -> None:
        account = self._account()
        if account is None:
            return
        ws = self.workspace
        replacing = ws.success_plan(self.account_id) is not None
        fields = forms.plan_fields(ws.success_templates(), language(), replacing)

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

        def submit(values: dict[str, Any]) -> None:
            ws.update_success_plan(self.account_id, {"goal": values["goal"] or ""})

        title = t("success.form.goal.title", name=clean(account.name))
        self.form(title, forms.goal_fields(plan), submit, t("success.saved.goal"))

    def _objective_fields(self, current: Objective | None, audience: Audience) -> list[Field]:
        ws = self.workspace
        account, contacts = ws.account(self.account_id), ws.contacts(self.account_id)
        return forms.objective_fields(current, audience, account, contacts, clock.today())

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

        def submit(values: dict[str, Any]) -> None:
            ws.record_kpi(self.account_id, oid, values["value"], values["date"])

        title = t("success.form.reading.title", name=clean(kpi.name))
        fields = forms.reading_fields(kpi, clock.today())
        self.form(title, fields, submit, t("success.saved.reading"))

    def action_readings(self) -> None:
        """Correct or delete one reading of the focused objective's KPI (a mistyped 1,000 %)."""
        objective = self._selected_objective()
        if objective is None:
            self.notify(t("success.pick_objective"), severity="warning", markup=False)
            return
        kpi = objective.kpi
        if kpi is None or not kpi.history:
            key = "success.error.no_kpi" if kpi is None else "success.no_readings"
            self.notify(t(key), severity="warning", markup=False)
            return
        ws = self.workspace
        oid = objective.id
        deleted: list[bool] = []

        def submit(values: dict[str, Any]) -> None:
            day = date.fromisoformat(str(values["reading"]))
            if values.get("delete"):
                ws.delete_kpi_reading(self.account_id, oid, day)
                deleted.append(True)
            else:
                ws.update_kpi_reading(self.account_id, oid, day, values["value"], values["date"])

        def done(values: dict[str, Any] | None) -> None:
            if values is not None:
                saved = (
                    "success.saved.reading_deleted" if deleted else "success.saved.reading_edited"
                )
                self.notify(t(saved), markup=False)
            self.after_dialog()

        title = t("success.form.readings.title", name=clean(kpi.name))
        fields = forms.edit_reading_fields(kpi)
        self.app.push_screen(FormScreen(title, fields, submit), done)

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

        def submit(values: dict[str, Any]) -> None:
            ws.set_roi(self.account_id, values)

        title = t("success.form.roi.title", name=clean(account.name))
        fields = forms.roi_fields(plan.roi if plan else None, account)
        self.form(title, fields, submit, t("success.saved.roi"))
