"""The base of every modal dialog: a centred box on the dimmed screen below, with a footer
of its own.

Each dialog puts its content in one container with the ``dialog`` class (and its title in
a ``dialog-title`` label); its own CSS only says how big the box is.

A modal screen hides the app's keys, so each dialog binds the help keys itself, as the app
does: ``?`` lists the dialog's keys (``F1`` in a text field, where ``?`` is typed), and while
that list is open ``^↓`` / ``^↑`` scroll it (see :mod:`cstui.ui.help`).

The footer: a footer lists the keys of the screen it is on, and a dialog is a screen of its
own drawn over the one below. Without a footer of its own, the one seen under it was the
screen below's, listing keys that do nothing in the dialog ("[ Prev quarter" under a
"Deliver?" question, the views picker's "d Delete" under its own confirmation) while the
dialog's own y/n showed only under ``?``. Every dialog now gets a :class:`KeyFooter` added
to what it composes, docked over the one below.
"""

from __future__ import annotations

from typing import TypeVar

from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Footer

from cstui.ui.css import default_css
from cstui.ui.footer import KeyFooter
from cstui.ui.localize import localize_bindings

ResultT = TypeVar("ResultT")


class Dialog(ModalScreen[ResultT]):
    """A modal screen whose ``.dialog`` child is the box the user sees, and whose footer
    lists its own keys."""

    DEFAULT_CSS = default_css(__file__, "dialog.tcss")

    def __init__(self) -> None:
        super().__init__()
        # Bound here, after the dialog's own keys, so the footer shows "? Keys" last as on
        # every screen (class BINDINGS of this base would come first).
        bindings = self._bindings
        bindings.bind("question_mark", "app.help", "key.help")
        bindings.bind("f1", "app.help_in_text", "key.help", key_display="F1")
        bindings.bind("f1", "app.help", "key.help", show=False)
        bindings.bind("ctrl+down,shift+down", "app.help_scroll(1)", "key.help.down", show=False)
        bindings.bind("ctrl+up,shift+up", "app.help_scroll(-1)", "key.help.up", show=False)
        localize_bindings(self)

    def _extend_compose(self, widgets: list[Widget]) -> None:
        """Add the dialog's footer after whatever its ``compose`` yields (Textual's hook for
        the widgets a screen adds to its own, pinned with Textual), so no dialog can forget
        it and leave the footer below in sight."""
        super()._extend_compose(widgets)
        if not any(isinstance(widget, Footer) for widget in widgets):
            widgets.append(KeyFooter())
