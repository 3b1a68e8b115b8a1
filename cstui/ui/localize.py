"""Translate key-binding descriptions per instance.

``BINDINGS`` are class attributes, evaluated at import, before ``--lang`` is known (and
tests run both languages in one process). So bindings carry an i18n key as their
description ("key.quit") and each screen translates its own copy when it is created.

Textual's own widgets describe their keys in English ("Scroll Up", "Focus Next"): those are
looked up as ``textual.<description>`` in the UI language's catalogue (``locale/ja/
textual.json``); English has no such keys, so they stay as Textual wrote them.
"""

from __future__ import annotations

from dataclasses import replace

from rich.align import Align
from rich.text import Text
from textual.command import CommandList, CommandPalette
from textual.dom import DOMNode
from textual.widgets.option_list import Option

from cstui.i18n import catalogue, language, t


def _word(description: str) -> str:
    if description.startswith("key."):
        return t(description)
    return catalogue(language()).get(f"textual.{description}", description)


def localize_bindings(node: DOMNode) -> None:
    """Word ``node``'s key descriptions in the UI language (cstui's and Textual's own), and
    their tooltips: the help panel shows a tooltip after the description (Textual's own
    ``ctrl+q`` says "Quit the app and return to the command prompt.")."""
    table = node._bindings.key_to_bindings
    for key, bindings in table.items():
        table[key] = [
            replace(b, description=_word(b.description), tooltip=_word(b.tooltip))
            if b.description or b.tooltip
            else b
            for b in bindings
        ]


def localize_tree(node: DOMNode) -> None:
    """:func:`localize_bindings` for ``node`` and everything under it (the help panel lists
    the focused widget's keys, which are Textual's for inputs, lists and scrolling)."""
    localize_bindings(node)
    for child in node.walk_children():
        localize_bindings(child)


class Palette(CommandPalette):
    """Textual's command palette with its one sentence of its own ("No matches found")
    worded in the UI language; its search field's placeholder is passed in worded already.

    Textual 8.2.8 builds that sentence inside ``_start_no_matches_countdown``; this is the
    same method with the text from the catalogue (Textual is pinned, see pyproject.toml).
    """

    def _start_no_matches_countdown(self, search_value: str) -> None:
        self._stop_no_matches_countdown()

        def show_no_matches() -> None:
            if search_value:
                text = Text(t("palette.no_matches"), style="not bold")
                self.query_one(CommandList).add_option(
                    Option(Align.center(text), disabled=True, id=self._NO_MATCHES)
                )
                self._list_visible = True
            else:  # discover mode: nothing to say about an empty search
                self._list_visible = False

        self._no_matches_timer = self.set_timer(self._NO_MATCHES_COUNTDOWN, show_no_matches)
