"""Pick a saved portfolio view (built-in ones first)."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from cstui.i18n import t
from cstui.sanitize import clean
from cstui.ui.dialog import Dialog
from cstui.ui.localize import localize_bindings
from cstui.workspace import SavedView


def view_label(view: SavedView) -> str:
    return t(view.name) if view.builtin else clean(view.name)


class ViewPicker(Dialog[SavedView | None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "key.cancel")]
    CSS_PATH = "views.tcss"

    def __init__(self, views: list[SavedView]) -> None:
        super().__init__()
        localize_bindings(self)
        self.views = views

    def compose(self) -> ComposeResult:
        with Vertical(id="views-dialog", classes="dialog"):
            yield Label(t("views.title"), markup=False)
            options = []
            for i, view in enumerate(self.views):
                line = Text(view_label(view), style="bold")
                if view.filter:
                    line.append(f"   {clean(view.filter)}", style="dim")
                options.append(Option(line, id=str(i)))
            yield OptionList(*options)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.views[int(event.option.id or 0)])

    def action_cancel(self) -> None:
        self.dismiss(None)
