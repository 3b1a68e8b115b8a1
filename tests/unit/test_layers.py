"""The layer contract of DESIGN.md: the lower layers never import Textual, the UI never TinyDB."""

from __future__ import annotations

import ast
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import cstui

ROOT = Path(cstui.__file__).parent
LOWER = ("domain", "store", "sync", "report")


def _modules(package: str) -> list[str]:
    path = ROOT / package
    names = [f"cstui.{package}"]
    for info in pkgutil.walk_packages([str(path)], prefix=f"cstui.{package}."):
        names.append(info.name)
    return names


@pytest.mark.slow
def test_lower_layers_and_services_do_not_load_textual() -> None:
    modules = [m for p in LOWER for m in _modules(p)]
    modules += _modules("workspace") + _modules("cli") + _modules("demo") + ["cstui.i18n"]
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"Textual imported by a lower layer: {out.stdout}"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)  # and each name, which may be a module: from cstui import demo
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def test_ui_never_touches_tinydb_or_the_store() -> None:
    offenders = []
    for folder in ("screens", "widgets", "ui"):
        for path in (ROOT / folder).rglob("*.py"):
            for name in _imports(path):
                if name.startswith(("tinydb", "cstui.store")):
                    offenders.append(f"{path.name}: {name}")
    assert offenders == []


def test_only_the_cli_imports_the_demo_package() -> None:
    """The demo book is a way to try cstui, not part of it: the app never depends on it."""
    offenders = []
    for path in ROOT.rglob("*.py"):
        part = path.relative_to(ROOT).parts[0]
        if part in ("cli", "demo"):
            continue
        offenders += [f"{path.name}: {n}" for n in _imports(path) if n.startswith("cstui.demo")]
    assert offenders == []


def _layer_offenders(folder: str, forbidden: tuple[str, ...]) -> list[str]:
    """Imports (lazy ones inside functions included) of ``forbidden`` packages from ``folder``."""
    return [
        f"{path.relative_to(ROOT)}: {name}"
        for path in sorted((ROOT / folder).rglob("*.py"))
        for name in sorted(_imports(path))
        if any(name == f or name.startswith(f + ".") for f in forbidden)
    ]


def test_widgets_never_import_screens_or_the_app() -> None:
    assert _layer_offenders("widgets", ("cstui.screens", "cstui.app")) == []


def test_shared_ui_imports_neither_screens_nor_widgets() -> None:
    forbidden = ("cstui.screens", "cstui.widgets", "cstui.app")
    assert _layer_offenders("ui", forbidden) == []


def test_the_check_itself_detects_an_offender(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text(
        "from tinydb import TinyDB\nimport cstui.store.db\nfrom cstui import demo\n"
        "def lazy():\n    from cstui import screens\n"
    )
    assert {"tinydb", "cstui.store.db", "cstui.demo", "cstui.screens"} <= _imports(bad)


def test_the_root_command_imports_no_subcommand_module() -> None:
    """Opening the app goes through ``cstui.cli``: commands load only when they are run."""
    code = (
        "import sys, cstui.cli\n"
        "loaded = (m for m in sys.modules if m.startswith(('cstui.cli.', 'cstui.demo')))\n"
        "print(','.join(sorted(loaded)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "cstui.cli.common,cstui.cli.helptext"  # shared, not commands
