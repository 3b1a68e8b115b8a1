"""Pick a saved portfolio view (built-in ones first); rename or delete your own here.

Built-in views are named by an i18n key and cannot be renamed or deleted; a saved one is
renamed with ``e`` (a one-field form) and deleted with ``d`` (after asking, since a view
is not a change the undo journal brings back).
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from cstui.i18n import t
from cstui.sanitize import clean
from cstui.ui.access import UsesWorkspace
from cstui.ui.confirm import ConfirmScreen
from cstui.ui.dialog import Dialog
from cstui.ui.forms import Field, FormScreen
from cstui.ui.lists import LETTER_MOVES
from cstui.ui.localize import localize_bindings
from cstui.workspace import SavedView


def view_label(view: SavedView) -> str:
    return t(view.name) if view.builtin else clean(view.name)


class ViewList(OptionList):
    """The views, with ``j``/``k``/``g``/``G`` bound to the list's own cursor actions: bound
    on the dialog (another action) the ``?`` panel listed them apart from the arrows."""

    BINDINGS: ClassVar[list[BindingType]] = [*LETTER_MOVES]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        localize_bindings(self)


class ViewPicker(UsesWorkspace, Dialog[SavedView | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "key.cancel"),
        Binding("e", "rename", "key.views.rename"),
        Binding("d", "delete", "key.views.delete"),
    ]
    CSS_PATH = "views.tcss"

    def __init__(
        self, views: list[SavedView] | None = None, *, showing: tuple[str, str, bool] | None = None
    ) -> None:
        """``showing``: the portfolio's filter, sort and direction now; the cursor opens on
        the view that shows them (it opened on "All accounts" whatever was applied)."""
        super().__init__()
        localize_bindings(self)
        self.views = views or []
        self.showing = showing

    def compose(self) -> ComposeResult:
        with Vertical(id="views-dialog", classes="dialog"):
            yield Label(t("views.title"), markup=False)
            yield ViewList(id="views-list")

    def on_mount(self) -> None:
        self._fill(keep=self._shown_view())

    def _shown_view(self) -> str | None:
        """The name of the first view whose filter and sort are the portfolio's now."""
        if self.showing is None:
            return None
        views = self.views or self.workspace.views()
        return next((v.name for v in views if (v.filter, v.sort, v.reverse) == self.showing), None)

    def _fill(self, keep: str | None = None) -> None:
        self.views = self.workspace.views()
        options = []
        for i, view in enumerate(self.views):
            line = Text(view_label(view), style="bold")
            if view.filter:
                line.append(f"   {clean(view.filter)}", style="dim")
            options.append(Option(line, id=str(i)))
        lst = self.query_one(OptionList)
        old = lst.highlighted or 0
        lst.set_options(options)
        names = [v.name for v in self.views]
        lst.highlighted = names.index(keep) if keep in names else min(old, len(options) - 1)
        lst.focus()

    @property
    def current(self) -> SavedView | None:
        index = self.query_one(OptionList).highlighted
        return None if index is None or index >= len(self.views) else self.views[index]

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.views[int(event.option.id or 0)])

    def _own(self) -> SavedView | None:
        view = self.current
        if view is None or view.builtin:
            self.notify(t("views.builtin"), severity="warning", markup=False)
            return None
        return view

    def action_rename(self) -> None:
        view = self._own()
        if view is None:
            return
        renamed: list[str] = []

        def submit(values: dict[str, Any]) -> None:
            renamed.append(self.workspace.rename_view(view.name, str(values["name"] or "")).name)

        def done(values: dict[str, Any] | None) -> None:
            if renamed:
                self.notify(t("views.renamed", name=renamed[-1]), markup=False)
            self._fill(renamed[-1] if renamed else view.name)

        fields = [Field("name", t("portfolio.view_name"), value=view.name, required=True)]
        self.app.push_screen(FormScreen(t("views.rename_title"), fields, submit), done)

    def action_delete(self) -> None:
        view = self._own()
        if view is None:
            return

        def done(yes: bool | None) -> None:
            if yes:
                self.notify(t("views.deleted", name=clean(view.name)), markup=False)
            self._fill()

        question = t("views.delete_question", name=clean(view.name))
        on_yes = lambda: self.workspace.delete_view(view.name)  # noqa: E731
        self.app.push_screen(ConfirmScreen(question, t("views.delete_verb"), on_yes), done)

    def action_cancel(self) -> None:
        self.dismiss(None)
