"""The ``?`` panel: every key that works where the user is, the screen's own first, in one
column the keyboard scrolls.

Textual's help panel lists the focused widget's keys first (the cursor keys every list has),
then the screen's, then the app's, under the focused widget's help text (up to half its
height). At 80x24 the screen's own keys and the portfolio's filter terms were past the
panel's edge, and nothing could scroll to them: the panel takes no focus (what it lists
is the focused widget's keys). Here the panel is one scrolling column:

1. the panel's own keys: Escape closes it, ``^↓`` / ``^↑`` (or with Shift) scroll it;
2. the screen's keys: those its footer shows first, then the others bound on the screen
   (an account's tab digits, the overview's ``o``) or on a widget that carries keys the
   footer shows (an account tab's pane: the Timeline's ``o``, the success plan's ``M``);
3. the focused widget's help text (the portfolio's flag letters and filter terms);
4. the rest: the focused widget's own keys (a list's cursor keys, a text field's editing
   keys), then the keys that work on every screen.

The keys are the screen's active bindings, as Textual's panel and the footer read them: a
key whose action is off there (``check_action`` False) is not listed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from rich import box
from rich.cells import cell_len
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import ActiveBinding, Binding, BindingsMap
from textual.containers import VerticalScroll
from textual.dom import DOMNode
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import HelpPanel, Markdown
from textual.widgets._key_panel import BindingsTable

from cstui.ui.wrap import Wrapped

Part = Literal["panel", "screen", "other"]
Section = list[ActiveBinding]
Row = tuple[str, Binding]
"""One line of the panel: the keys as shown, and the binding that describes them."""

PANEL_ACTIONS = frozenset({"hide_help", "help_scroll"})
"""The actions of the panel's own keys (bound by the app, and by each dialog)."""
EVERY_SCREEN = frozenset(b.action for b in Screen.BINDINGS if isinstance(b, Binding))
"""Textual's keys of every screen (Tab, Shift+Tab, copy): with the app's, not the screen's."""


def _action_name(binding: Binding) -> str:
    return binding.action.split("(", 1)[0].removeprefix("app.")


def _active(
    screen: Screen[Any], chain: list[tuple[DOMNode, BindingsMap]], *, panel: bool
) -> dict[str, ActiveBinding]:
    """``Screen.active_bindings`` of either the panel's own keys or all the others: while
    the panel is open its Escape stands before the screen's (an account's "esc Back"),
    which is listed all the same, for when the panel is closed."""
    app = screen.app
    active: dict[str, ActiveBinding] = {}
    for node, bindings in chain:
        for key, binding in bindings:
            if binding.system or (_action_name(binding) in PANEL_ACTIONS) != panel:
                continue
            state = app._check_action_state(binding.action, node)
            if state is False:
                continue
            there = active.get(key)
            if there is None or (binding.priority and not there.binding.priority):
                active[key] = ActiveBinding(node, binding, bool(state), binding.tooltip)
    return active


def key_sections(screen: Screen[Any]) -> dict[Part, list[Section]]:
    """The screen's active keys by part of the panel, each part in sections (a divider
    between two); empty sections left out."""
    app = screen.app
    chain = screen._modal_binding_chain
    # The panel's keys are the app's (priority: they work in a dialog too) or a dialog's.
    panel = sorted(
        _active(screen, screen._binding_chain, panel=True).values(),
        key=lambda a: _action_name(a.binding) != "hide_help",
    )
    active = _active(screen, chain, panel=False)
    widgets = [
        (node, bindings)
        for node, bindings in chain
        if isinstance(node, Widget) and not isinstance(node, Screen)
    ]
    # A widget whose keys the footer shows (an account tab's pane) carries the screen's
    # keys: its hidden ones are the screen's too. Listed with the widgets', the Timeline's
    # "o" came after a list's ten cursor keys, out of sight at 80x24.
    carriers = {node for node, bindings in widgets if any(b.show for _, b in bindings)}
    # An action with a key a widget under the screen binds itself: the screen binds it too
    # (as a priority key, for typing order: the tables' cursor keys), but it is the
    # widget's (and so are its other keys: Today's g, its list's Home).
    widget_keys = {
        key
        for node, bindings in widgets
        if node not in carriers
        for key in bindings.key_to_bindings
    }
    widget_actions = {a.binding.action for key, a in active.items() if key in widget_keys}
    shown: Section = []
    screen_keys: Section = []
    widget: Section = []
    everywhere: Section = []
    for active_binding in active.values():
        binding, node = active_binding.binding, active_binding.node
        if node is app or binding.action in EVERY_SCREEN:
            everywhere.append(active_binding)
        elif binding.show:
            shown.append(active_binding)
        elif (
            isinstance(node, Screen) or node in carriers
        ) and binding.action not in widget_actions:
            screen_keys.append(active_binding)
        else:
            widget.append(active_binding)
    parts: dict[Part, list[Section]] = {
        "panel": [panel],
        "screen": [shown + screen_keys],
        "other": [widget, everywhere],
    }
    return {part: [s for s in sections if s] for part, sections in parts.items()}


def _rows(sections: list[Section], key_display: Callable[[Binding], str]) -> list[list[Row]]:
    """Each section's lines: one per action, its keys side by side (as Textual's panel)."""
    out = []
    for section in sections:
        by_action: dict[str, list[Binding]] = {}
        for active in section:
            by_action.setdefault(active.binding.action, []).append(active.binding)
        out.append(
            [
                (" ".join(dict.fromkeys(key_display(b) for b in bindings)), bindings[0])
                for bindings in by_action.values()
            ]
        )
    return out


class KeysTable(BindingsTable):
    """One part of the panel's keys, one line per action (its keys side by side)."""

    def __init__(self, part: Part) -> None:
        super().__init__(shrink=True, expand=False, id=f"keys-{part}", classes="keys-table")
        self.part: Part = part
        self._rows: list[list[Row]] = []
        self._key_width = 0

    def show_rows(self, rows: list[list[Row]], key_width: int) -> None:
        """Show these lines, the keys right-aligned in ``key_width`` cells (the panel's
        widest, so the parts line up)."""
        if (rows, key_width) != (self._rows, self._key_width):
            self._rows, self._key_width = rows, key_width
            self.display = bool(rows)
            self.refresh(layout=True)

    def render_bindings_table(self) -> Table:
        """Textual's table (the same styles and dividers) of this part's keys."""
        divider = self.get_component_styles("bindings-table--divider").color.a == 0
        table = Table(
            padding=(0, 0),
            show_header=False,
            show_edge=False,  # the parts are a line apart (their margin), not three
            box=box.SIMPLE if divider else box.HORIZONTALS,
            border_style=self.get_component_rich_style("bindings-table--divider"),
        )
        table.add_column("", justify="right", min_width=self._key_width)
        key_style = self.get_component_rich_style("bindings-table--key")
        words_style = self.get_component_rich_style("bindings-table--description")
        for index, section in enumerate(self._rows):
            if index:
                table.add_section()
            for keys, binding in section:
                # Wrapped by the kinsoku rules (ui/wrap.py), not cut with an ellipsis: Rich's
                # fold broke Japanese at the column's edge, "コピ" then "ー" on a line of
                # its own; now "選択部分を" then "コピー".
                words = Text(binding.description, style=words_style, end="")
                if binding.tooltip:
                    words.append(" " + binding.tooltip, "dim")
                table.add_row(Text(keys, style=key_style), Wrapped(words))
        return table


class _Column(VerticalScroll, can_focus=False):
    """The panel's one scrolling column (scrolled by the app's ``help_scroll``: a focus
    here would list this column's keys instead of the screen's)."""


class KeysPanel(HelpPanel):
    """Textual's help panel (its place, width and the focused widget's help text), with the
    keys in the order above and everything in one column the keyboard scrolls."""

    DEFAULT_CSS = """
    KeysPanel > #keys-column {
        width: 1fr;
        height: 1fr;
        padding: 1 0 0 0;
        scrollbar-size-vertical: 1;
    }
    KeysPanel > #keys-column > #widget-help {
        max-height: initial;
        margin: 0 0 1 0;
    }
    KeysPanel .keys-table {
        width: auto;
        height: auto;
        margin: 0 0 1 0;
    }
    KeysPanel .keys-table > .bindings-table--key {
        color: $text-accent;
        text-style: bold;
    }
    KeysPanel .keys-table > .bindings-table--description {
        color: $foreground;
    }
    KeysPanel .keys-table > .bindings-table--divider {
        color: transparent;
    }
    KeysPanel .keys-table > .bindings-table--header {
        color: $text-primary;
        text-style: underline;
    }
    """

    def on_mount(self) -> None:  # after HelpPanel's (Textual calls each class's handler)
        self.update_keys()
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen[Any]) -> None:
        if screen.app.app_focus:
            self.call_after_refresh(self._update_if_current, screen)

    def _update_if_current(self, screen: Screen[Any]) -> None:
        if self.is_attached and screen is self.screen:
            self.update_keys()

    def update_keys(self) -> None:
        """List the screen's keys as they are now (the focus moved, a tab changed...)."""
        parts = key_sections(self.screen)
        rows = {part: _rows(sections, self.app.get_key_display) for part, sections in parts.items()}
        width = max(
            (cell_len(keys) for sections in rows.values() for s in sections for keys, _ in s),
            default=0,
        )
        for table in self.query(KeysTable):
            table.show_rows(rows[table.part], width)

    def compose(self) -> ComposeResult:
        with _Column(id="keys-column"):
            yield KeysTable("panel")
            yield KeysTable("screen")
            yield Markdown(id="widget-help")
            yield KeysTable("other")

    def scroll_keys(self, direction: int) -> None:
        """A page of the column down (1) or up (-1)."""
        column = self.query_one("#keys-column", _Column)
        if direction > 0:
            column.scroll_page_down(animate=False)
        else:
            column.scroll_page_up(animate=False)
