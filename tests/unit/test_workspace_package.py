"""The shape of cstui/workspace/: capabilities depend only on what their class builds on."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path
from typing import Any

import pytest

import cstui.workspace
from cstui.workspace import Workspace
from cstui.workspace import imports as transfer
from cstui.workspace.repo import Repo

PACKAGE = Path(cstui.workspace.__file__).parent


def _sibling_imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("cstui.workspace"):
            found.add(node.module or "")
    return found


def _capabilities(module_name: str) -> list[type[Repo]]:
    module = importlib.import_module(module_name)
    return [
        c
        for c in vars(module).values()
        if isinstance(c, type) and issubclass(c, Repo) and c.__module__ == module_name
    ]


@pytest.mark.parametrize("path", sorted(PACKAGE.glob("*.py")), ids=lambda p: p.stem)
def test_a_capability_imports_only_the_capabilities_it_inherits(path: Path) -> None:
    if path.stem == "__init__":
        return
    used = _sibling_imports(path)
    assert "cstui.workspace" not in used, "the facade is imported by nothing behind it"
    own = _capabilities(f"cstui.workspace.{path.stem}")
    for dependency in used:
        for needed in _capabilities(dependency):
            assert all(needed in cls.__mro__ for cls in own), f"{path.stem} uses {needed}"


def test_the_facade_has_every_capability() -> None:
    modules = {p.stem for p in PACKAGE.glob("*.py")} - {"__init__", "today"}
    for stem in modules:
        for capability in _capabilities(f"cstui.workspace.{stem}"):
            assert capability in Workspace.__mro__


def test_a_survey_file_is_validated_once(
    empty_ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = empty_ws
    account = ws.create_account({"name": "Alpha KK"})
    calls: list[str] = []
    real = transfer.validate_surveys

    def counting(target: Any, text: str) -> Any:
        calls.append(text)
        return real(target, text)

    monkeypatch.setattr(transfer, "validate_surveys", counting)
    report = ws.import_surveys(f"account,date,score\n{account.id},2026-11-01,9\n")
    assert isinstance(report, transfer.ImportReport)
    assert (report.created, report.errors) == (1, [])
    assert len(calls) == 1
