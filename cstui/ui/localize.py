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

from textual.dom import DOMNode

from cstui.i18n import catalogue, language, t


def _word(description: str) -> str:
    if description.startswith("key."):
        return t(description)
    return catalogue(language()).get(f"textual.{description}", description)


def localize_bindings(node: DOMNode) -> None:
    """Word ``node``'s key descriptions in the UI language (cstui's and Textual's own)."""
    table = node._bindings.key_to_bindings
    for key, bindings in table.items():
        table[key] = [
            replace(b, description=_word(b.description)) if b.description else b for b in bindings
        ]


def localize_tree(node: DOMNode) -> None:
    """:func:`localize_bindings` for ``node`` and everything under it (the help panel lists
    the focused widget's keys, which are Textual's for inputs, lists and scrolling)."""
    localize_bindings(node)
    for child in node.walk_children():
        localize_bindings(child)
