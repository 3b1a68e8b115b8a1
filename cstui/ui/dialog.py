"""The base of every modal dialog: a centred box on the dimmed screen below.

Each dialog puts its content in one container with the ``dialog`` class (and its title in
a ``dialog-title`` label); its own CSS only says how big the box is.
"""

from __future__ import annotations

from typing import TypeVar

from textual.screen import ModalScreen

from cstui.ui.css import default_css

ResultT = TypeVar("ResultT")


class Dialog(ModalScreen[ResultT]):
    """A modal screen whose ``.dialog`` child is the box the user sees."""

    DEFAULT_CSS = default_css(__file__, "dialog.tcss")
