"""What the account tabs share: the pane base, the item list and cell-aware columns.

:class:`AccountPane` is the base of every account tab (onboarding, timeline, tasks, success
plan, QBR): the account's workspace, a redraw once per save whenever the workspace reports
a change to this account (whether it came from here, another screen or another process),
and forms and confirmations that say what was saved. :class:`ListPane` adds the item list
the onboarding, timeline and tasks tabs are built on; one copy keeps them behaving alike.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar

from rich.cells import cell_len, set_cell_size
from rich.text import Text
from textual import events
from textual.binding import BindingType
from textual.containers import Vertical
from textual.widgets import OptionList
from textual.widgets.option_list import Option, OptionDoesNotExist

from cstui.domain.models import InvalidRecord
from cstui.i18n import t
from cstui.ui.access import UsesWorkspace, on_workspace_change
from cstui.ui.confirm import ConfirmScreen
from cstui.ui.css import default_css
from cstui.ui.forms import Field, FormScreen
from cstui.ui.lists import LETTER_MOVES
from cstui.ui.localize import localize_bindings
from cstui.workspace import WorkspaceEvent

MIN_FLEX = 12
"""The flexible column (a title) never gets narrower than this, even at 80 columns."""
WHEN_WIDTH = 12


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

    DEFAULT_CSS = default_css(__file__, "item_list.tcss")
    BINDINGS: ClassVar[list[BindingType]] = [*LETTER_MOVES]

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
    """Base of the account tabs: workspace access, live redraw, forms and confirmations.

    The pane carries the tab's key bindings, so the footer shows them while focus is in
    the pane.
    """

    ENTER_CONFIRMS: ClassVar[bool] = False
    """Whether the confirm dialog opens with its yes button focused (Enter says yes)."""

    def __init__(self, account_id: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.account_id = account_id
        self._pending = False
        localize_bindings(self)

    def on_mount(self) -> None:
        if self._pruning or self._closing or not self.is_attached:
            # The account screen closed while this pane was built in the background (its
            # children are being removed): nothing to show.
            return
        on_workspace_change(self, self._on_workspace_event)
        self.refresh_view()

    def _on_workspace_event(self, event: WorkspaceEvent) -> None:
        if self.account_id in event.account_ids and not self._pending:
            self._pending = True  # one save fires several events: redraw once
            self.call_later(self._redraw)

    def _redraw(self) -> None:
        self._pending = False
        if self.is_attached:
            self.refresh_view()

    def refresh_view(self) -> None:
        raise NotImplementedError

    def after_dialog(self) -> None:
        """Called when a form or confirmation opened by :meth:`form` or :meth:`confirm` closes."""

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
        saved: str | Callable[[], str],
    ) -> None:
        """Open a form; once saved, tell the user ``saved`` (a function when the sentence
        depends on what the save did, called after it)."""

        def done(values: dict[str, Any] | None) -> None:
            if values is not None:
                self.notify(saved if isinstance(saved, str) else saved(), markup=False)
            self.after_dialog()

        self.app.push_screen(FormScreen(title, fields, submit), done)

    def confirm(
        self, question: str, verb: str, on_yes: Callable[[], object], saved: str | None
    ) -> None:
        """Ask first; ``on_yes`` runs in the dialog, so a refusal shows there."""

        def done(yes: bool | None) -> None:
            if yes and saved is not None:
                self.notify(saved, markup=False)
            self.after_dialog()

        screen = ConfirmScreen(question, verb, on_yes, default=self.ENTER_CONFIRMS)
        self.app.push_screen(screen, done)


class ListPane(AccountPane):
    """An account tab whose lines are an :class:`ItemList`, redrawn for the pane's width.

    When there is nothing to list the pane itself takes focus, so its keys (such as "apply
    a template") still work.
    """

    DEFAULT_CSS = default_css(__file__, "pane.tcss")

    ENTER_CONFIRMS = True

    def __init__(self, account_id: str, *, id: str | None = None) -> None:
        super().__init__(account_id, id=id)
        self._keep: str | None = None
        self._width = 0
        self._empty: bool | None = None

    @property
    def items(self) -> ItemList:
        return self.query_one(ItemList)

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
        """Take the focus when this tab is shown and nothing on screen has it. Not when
        the tab was left since (its pane hidden): the tab shown next has just focused
        a widget the screen has not laid out yet (not on screen either), and this one,
        checked after the refresh, took the focus back to a hidden tab, where the next
        key went ("4 5 a" typed fast ended on Timeline in 2 of 5 runs)."""
        if not self.is_attached or any(not node.display for node in self.ancestors_with_self):
            return
        focused = self.screen.focused
        if focused is None or not focused.is_on_screen:
            self.focus_target().focus()

    def focus_target(self) -> ListPane | ItemList:
        return self.items if self.items.display else self

    def keep(self, record_id: str | None) -> None:
        """Put the cursor on ``record_id`` at the next redraw."""
        self._keep = record_id

    def take_keep(self) -> str | None:
        keep, self._keep = self._keep, None
        return keep if keep is not None else self.items.current_id

    def set_empty(self, empty: bool) -> None:
        """Without lines the pane itself holds focus so its keys keep working.

        Only a change refreshes the footer's keys: each refresh rewrites the footer's key
        widgets, needless work on every redraw of the pane.
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
