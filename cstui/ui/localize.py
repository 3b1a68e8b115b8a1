"""Translate key-binding descriptions per instance.

``BINDINGS`` are class attributes, evaluated at import, before ``--lang`` is known (and
tests run both languages in one process). So bindings carry an i18n key as their
description ("key.quit") and each screen translates its own copy when it is created.
"""

from __future__ import annotations

from dataclasses import replace

from textual.dom import DOMNode

from cstui.i18n import t


def localize_bindings(node: DOMNode) -> None:
    table = node._bindings.key_to_bindings
    for key, bindings in table.items():
        table[key] = [
            replace(b, description=t(b.description)) if b.description.startswith("key.") else b
            for b in bindings
        ]
