"""The Onboarding tab: the account's checklist by phase, its progress, TTV and onboarding KPIs.

The seeds' lesson is that onboarding fails by overload, so the pane leads with the phases in
journey order, core steps marked, and a roadmap view (``w``) saying what the customer can do
by week N. Every change goes through the workspace; the pane redraws on the workspace's events
for this account (whether the change came from here, another screen or another process) and
keeps the cursor on the same item.

The pieces the three account panes share (the pane base, the item list, the confirm dialog
and cell-aware column fitting) live here too: the Onboarding, Timeline and Tasks tabs were
built together, and one copy keeps them behaving alike.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, ClassVar

from rich.cells import cell_len, set_cell_size
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Button, OptionList, Static
from textual.widgets.option_list import Option, OptionDoesNotExist

from cstui import clock
from cstui.domain.models import InvalidRecord, OnboardingItem, OnboardingPlan, OwnerSide
from cstui.domain.templates import Progress, phase_order, roadmap
from cstui.i18n import fmt_date, language, t
from cstui.sanitize import clean
from cstui.screens.forms import Field, FormScreen
from cstui.ui.access import UsesWorkspace, on_workspace_change
from cstui.widgets.charts import hbar
from cstui.widgets.localize import localize_bindings
from cstui.workspace import WorkspaceEvent

MIN_FLEX = 12
"""The flexible column (a title) never gets narrower than this, even at 80 columns."""
WHEN_WIDTH = 12
PHASE_BAR = 20
OVERALL_BAR = 30
_KNOWN_PHASES = ("kickoff", "setup", "training", "first_value", "go_live")


# ---------------------------------------------------------------------------- shared pieces
def fit(text: str, width: int, *, right: bool = False) -> str:
    """Cut ``text`` to ``width`` terminal cells (CJK characters are two) and pad it."""
    if width <= 0:
        return ""
    if cell_len(text) > width:
        text = set_cell_size(text, width - 1).rstrip() + "…"
    pad = " " * max(width - cell_len(text), 0)
    return pad + text if right else text + pad


@dataclass(frozen=True)
class Cell:
    """One column of a line; ``width=None`` takes the room the fixed columns leave."""

    text: str
    style: str = ""
    width: int | None = None
    right: bool = False


def columns(cells: Sequence[Cell], width: int) -> Text:
    """Lay cells out in one line of ``width`` cells. Text is appended literally, never markup."""
    fixed = sum(c.width for c in cells if c.width is not None) + len(cells) - 1
    flex = max(width - fixed, MIN_FLEX)
    out = Text()
    for i, cell in enumerate(cells):
        if i:
            out.append(" ")
        out.append(
            fit(cell.text, flex if cell.width is None else cell.width, right=cell.right), cell.style
        )
    return out


def label_width(labels: Iterable[str]) -> int:
    """The widest translated label, so columns line up in either language."""
    return max((cell_len(s) for s in labels), default=0)


def when_text(due: date | None, today: date) -> tuple[str, str]:
    """("3d overdue", red) / ("today", yellow) / ("in 5d", dim) for an open item's due date."""
    if due is None:
        return "", ""
    days = (due - today).days
    if days < 0:
        return t("checklist.when.overdue", n=-days), "bold red"
    if days == 0:
        return t("checklist.when.today"), "bold yellow"
    return t("checklist.when.in", n=days), "dim"


class ItemList(OptionList):
    """The lines of a pane: option ids are record ids; headings are disabled options.

    Lines are built for the list's width (columns line up), never wrap, and are cut with an
    ellipsis; the scrollbar's gutter is always reserved so showing it never shifts columns.
    """

    DEFAULT_CSS = """
    ItemList {
        height: 1fr;
        max-height: 100%;
        border: none;
        padding: 0 1;
        scrollbar-gutter: stable;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    ItemList:focus { border: none; }
    ItemList > .option-list--option-disabled { color: $text-accent; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, markup=False)

    @property
    def current_id(self) -> str | None:
        option = self.highlighted_option
        return None if option is None or option.disabled else option.id

    @property
    def line_width(self) -> int:
        """Cells available to one line (a guess from the app's width before layout)."""
        width = self.scrollable_content_region.width
        return width if width > 0 else max(self.app.size.width - 4, 40)

    def show(self, options: Sequence[Option], keep: str | None) -> None:
        """Replace the lines, the cursor on ``keep`` if present, else near where it was."""
        old_index = self.highlighted
        old_scroll = self.scroll_y
        self.set_options(options)
        index: int | None = None
        if keep is not None:
            try:
                index = self.get_option_index(keep)
            except OptionDoesNotExist:
                index = None
        if index is None and options:
            start = min(old_index or 0, len(options) - 1)
            later = [i for i in range(start, len(options)) if not options[i].disabled]
            earlier = [i for i in range(start - 1, -1, -1) if not options[i].disabled]
            index = (later or earlier)[0] if later or earlier else None
        self.scroll_y = old_scroll
        self.highlighted = index


class AccountPane(UsesWorkspace, Vertical):
    """Base of the account tabs: workspace access, live refresh, and focus when shown.

    The pane carries the tab's key bindings, so the footer shows them while focus is on the
    pane's list. When there is nothing to list the pane itself takes focus, so its keys (such
    as "apply a template") still work.
    """

    DEFAULT_CSS = """
    AccountPane {
        height: 1fr;
    }
    AccountPane > .pane-header {
        height: auto;
        padding: 0 1;
        background: $boost;
    }
    AccountPane > .pane-empty {
        height: auto;
        padding: 1 2;
        color: $text-muted;
    }
    AccountPane:focus > .pane-empty {
        color: $foreground;
    }
    """

    def __init__(self, account_id: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.account_id = account_id
        self._pending = False
        self._keep: str | None = None
        self._width = 0
        self._empty: bool | None = None
        localize_bindings(self)

    @property
    def items(self) -> ItemList:
        return self.query_one(ItemList)

    def on_mount(self) -> None:
        on_workspace_change(self, self._on_workspace_event)
        self.refresh_view()

    def on_resize(self, event: events.Resize) -> None:
        if event.size.width != self._width:  # lines are laid out for the width: rebuild
            self._width = event.size.width
            self.refresh_view()

    def on_show(self) -> None:
        """Switching to this tab (digit keys) leaves focus in a hidden tab: take it.

        Checked again after the next refresh, because the screen may still be handing out
        its initial focus (to a widget of another tab) when the pane is first shown.
        """
        self._claim_focus()
        self.call_after_refresh(self._claim_focus)

    def _claim_focus(self) -> None:
        if not self.is_attached or not self.display:
            return
        focused = self.screen.focused
        if focused is None or not focused.is_on_screen:
            self.focus_target().focus()

    def focus_target(self) -> AccountPane | ItemList:
        return self.items if self.items.display else self

    def _on_workspace_event(self, event: WorkspaceEvent) -> None:
        if self.account_id in event.account_ids and not self._pending:
            self._pending = True  # one save fires several events: redraw once
            self.call_later(self._redraw)

    def _redraw(self) -> None:
        self._pending = False
        if self.is_attached:
            self.refresh_view()

    def keep(self, record_id: str | None) -> None:
        """Put the cursor on ``record_id`` at the next redraw."""
        self._keep = record_id

    def take_keep(self) -> str | None:
        keep, self._keep = self._keep, None
        return keep if keep is not None else self.items.current_id

    def set_empty(self, empty: bool) -> None:
        """Without lines the pane itself holds focus so its keys keep working.

        Only a change refreshes the footer's keys: the footer rebuilds itself each time,
        which would cost more than the whole redraw of the pane.
        """
        if empty == self._empty:
            return
        self._empty = empty
        had_focus = self.has_focus or self.items.has_focus
        self.items.display = not empty
        self.can_focus = empty
        if had_focus:
            self.call_after_refresh(lambda: self.focus_target().focus())
        self.refresh_bindings()

    def refresh_view(self) -> None:
        raise NotImplementedError

    def guard(self, action: Callable[[], object]) -> bool:
        """Run a workspace change made without a form; a refusal is shown, not raised."""
        try:
            action()
        except InvalidRecord as exc:
            self.notify(" ".join(exc.messages), severity="error", markup=False)
            return False
        return True

    def form(
        self,
        title: str,
        fields: Sequence[Field],
        submit: Callable[[dict[str, Any]], None],
        saved: str,
    ) -> None:
        def done(values: dict[str, Any] | None) -> None:
            if values is not None:
                self.notify(saved, markup=False)

        self.app.push_screen(FormScreen(title, fields, submit), done)

    def confirm(self, question: str, verb: str, on_yes: Callable[[], None], saved: str) -> None:
        def done(values: dict[str, Any] | None) -> None:
            if values is not None:
                self.notify(saved, markup=False)

        self.app.push_screen(ConfirmScreen(question, verb, on_yes), done)


class ConfirmScreen(FormScreen):
    """A yes/no question as a form with no fields: Enter or Ctrl+S confirms, Escape keeps.

    Built on FormScreen so a refusal from the workspace shows in the dialog like any form's.
    """

    def __init__(self, question: str, verb: str, on_yes: Callable[[], None]) -> None:
        super().__init__(question, [], lambda _values: on_yes())
        self.verb = verb

    def on_mount(self) -> None:
        button = self.query_one("#form-save", Button)
        button.label = self.verb
        button.variant = "error"
        button.focus()


def yes_no_options() -> list[tuple[str, str]]:
    return [(t("checklist.yes"), "yes"), (t("checklist.no"), "no")]


def yes_no(value: bool | None) -> str | None:
    return None if value is None else ("yes" if value else "no")


def from_yes_no(value: str | None) -> bool | None:
    return None if value is None else value == "yes"


# ---------------------------------------------------------------------------- onboarding
class OnboardingPane(AccountPane):
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
