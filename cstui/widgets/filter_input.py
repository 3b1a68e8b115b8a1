"""An Input for filter lines typed over big lists."""

from __future__ import annotations

from textual.geometry import Size
from textual.reactive import Reactive
from textual.widgets import Input


class FilterInput(Input):
    """An ``Input`` whose typing repaints only itself.

    Why: ``Input`` sets its scrollable width to the text's width on every keystroke, and
    that size asks for a layout of the whole screen: every widget on it is drawn again,
    which at 50,000 rows was a third of a keystroke's frame. This input has a fixed size
    (one line, the width the layout gives it), so the layout cannot change anything; the
    horizontal scrolling that follows the cursor reads the size directly.
    """

    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False)
