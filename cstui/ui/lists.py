"""The letter keys every list takes besides the arrows: ``j``/``k`` and ``g``/``G``, as in
lazygit, k9s and less. Bound to ``OptionList``'s own cursor actions, so the keys panel lists
each with its arrow (bound to another action, they were listed apart)."""

from __future__ import annotations

from typing import Final

from textual.binding import Binding, BindingType

LETTER_MOVES: Final[tuple[BindingType, ...]] = (
    Binding("j", "cursor_down", "Down", show=False),
    Binding("k", "cursor_up", "Up", show=False),
    Binding("g", "first", "First", show=False),
    Binding("G", "last", "Last", show=False),
)
