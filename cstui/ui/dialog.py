"""The base of every modal dialog: a centred box on the dimmed screen below.

Each dialog puts its content in one container with the ``dialog`` class (and its title in
a ``dialog-title`` label); its own CSS only says how big the box is.

A modal screen hides the app's keys, so each dialog binds the help keys itself, as the app
does: ``?`` lists the dialog's keys (``F1`` in a text field, where ``?`` is typed), and while
that list is open ``^↓`` / ``^↑`` scroll it (see :mod:`cstui.ui.help`).
"""

from __future__ import annotations

from typing import TypeVar

from textual.screen import ModalScreen

from cstui.ui.css import default_css
from cstui.ui.localize import localize_bindings

ResultT = TypeVar("ResultT")


class Dialog(ModalScreen[ResultT]):
    """A modal screen whose ``.dialog`` child is the box the user sees."""

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
