"""The one shape of every ``--json`` document: a ``schema`` key first, then the payload.

``schema`` is ``cstui.<name>/<version>``. Scripts check it before reading anything else:
the version goes up only when a key is renamed, removed or changes meaning (new keys may
appear at any time without a new version). docs/cli-json.md describes each document.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any, Final

from cstui.sanitize import json_text

SCHEMAS: Final[Mapping[str, int]] = {
    "health": 1,
    "today": 1,
    "tasks": 1,
    "report.kpis": 1,
    "sync.status": 1,
}
"""Each ``--json`` output and its current version (the table in docs/cli-json.md)."""


def schema(name: str) -> str:
    """``cstui.health/1``: the value of the ``schema`` key of output ``name``."""
    return f"cstui.{name}/{SCHEMAS[name]}"


def document(name: str, payload: Mapping[str, Any]) -> dict[str, Any]:
    """``payload`` with the ``schema`` key first (a payload's own ``schema`` key is refused:
    it would hide the version)."""
    if "schema" in payload:
        raise ValueError("A --json payload cannot have its own 'schema' key.")
    return {"schema": schema(name), **payload}


def emit(name: str, payload: Mapping[str, Any]) -> None:
    """Write the document of output ``name`` to standard output, one JSON text and a newline."""
    sys.stdout.write(json_text(document(name, payload)) + "\n")
    sys.stdout.flush()
