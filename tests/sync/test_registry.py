"""Adapters are plugins: listed without importing, loaded by name, added by other packages."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cstui.sync import registry
from cstui.sync.adapters.hubspot import HubSpotAdapter
from cstui.sync.errors import ConfigError, UnknownAdapter
from cstui.workspace import Workspace

from .conftest import seed_local

PLUGIN = Path(__file__).with_name("plugin_pkg")
REPO = Path(__file__).resolve().parents[2]


def _python(code: str, extra_path: list[Path], **env: str) -> subprocess.CompletedProcess[str]:
    paths = [str(p) for p in extra_path] + [str(REPO)]
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(paths), **env},
        timeout=60,
        check=False,
    )


def test_builtins_are_listed_and_loaded() -> None:
    found = registry.available()
    assert {"hubspot", "rest"} <= set(found)
    assert found["hubspot"].target == "cstui.sync.adapters.hubspot:HubSpotAdapter"
    assert registry.load("hubspot") is HubSpotAdapter


def test_an_unknown_name_lists_the_installed_adapters() -> None:
    with pytest.raises(
        UnknownAdapter, match=r"no CRM adapter named 'nope'\. Installed adapters: hubspot, rest"
    ):
        registry.load("nope")


@pytest.mark.slow
def test_listing_imports_no_adapter_and_a_plugin_package_adds_one() -> None:
    code = (
        "import sys, json\n"
        "from cstui.sync import registry\n"
        "names = sorted(registry.available())\n"
        "loaded_before = [m for m in ('cstui_echo_crm', 'cstui.sync.adapters.hubspot', "
        "'cstui.sync.adapters.rest') if m in sys.modules]\n"
        "cls = registry.load('echo')\n"
        "print(json.dumps({'names': names, 'before': loaded_before, 'cls': cls.__module__, "
        "'package': registry.available()['echo'].package}))\n"
    )
    out = _python(code, [PLUGIN])
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data == {
        "names": ["echo", "hubspot", "rest"],
        "before": [],
        "cls": "cstui_echo_crm",
        "package": "cstui-echo-crm",
    }


@pytest.mark.slow
def test_the_plugin_adapter_syncs_through_the_cli(tmp_path: Path) -> None:
    data = tmp_path / "data"
    ws = Workspace.open(data, user="me")
    seed_local(ws, 2)
    ws.close()
    config = tmp_path / "config"
    config.mkdir()
    state = tmp_path / "echo.json"
    (config / "sync.toml").write_text(f'adapter = "echo"\n[echo]\nstate_file = "{state}"\n')
    env = {"CSTUI_CONFIG_DIR": str(config), "CSTUI_DATA_DIR": str(data), "CSTUI_ECHO_TOKEN": "x"}
    out = _python("from cstui.cli.sync import sync; sync()", [PLUGIN], **env)
    assert out.returncode == 0, out.stderr
    assert "Synced with Echo CRM" in out.stdout
    assert "pushed 8" in out.stdout
    crm = json.loads(state.read_text())
    assert {t: len(rows) for t, rows in crm["tables"].items()} == {
        "accounts": 2,
        "contacts": 2,
        "activities": 2,
        "tasks": 2,
    }
    again = _python("from cstui.cli.sync import sync; sync()", [PLUGIN], **env)
    assert again.returncode == 0
    assert "pushed 0" in again.stdout


@pytest.mark.slow
def test_broken_plugins_are_clear_configuration_errors(tmp_path: Path) -> None:
    for name, target, body in (
        ("broken", "broken_crm:Adapter", "raise ImportError('needs libfoo')\n"),
        ("notone", "notone_crm:Adapter", "class Adapter:\n    pass\n"),
    ):
        dist = tmp_path / f"{name}_crm-1.0.dist-info"
        dist.mkdir()
        (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}-crm\nVersion: 1.0\n")
        (dist / "entry_points.txt").write_text(f"[cstui.crm_adapters]\n{name} = {target}\n")
        (tmp_path / f"{name}_crm.py").write_text(body)
    code = (
        "from cstui.sync import registry\n"
        "from cstui.sync.errors import ConfigError\n"
        "print(sorted(registry.available()))\n"
        "for n in ('broken', 'notone'):\n"
        "    try:\n"
        "        registry.load(n)\n"
        "    except ConfigError as e:\n"
        "        print(e)\n"
    )
    out = _python(code, [tmp_path])
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == "['broken', 'hubspot', 'notone', 'rest']"
    assert (
        "'broken' (broken_crm:Adapter, from broken-crm) could not be loaded: "
        "ImportError: needs libfoo" in lines[1]
    )
    assert "'notone' (notone_crm:Adapter) is not a cstui CRMAdapter class" in lines[2]
    assert issubclass(UnknownAdapter, ConfigError)
