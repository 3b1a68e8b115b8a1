"""A hub and two laptops, cloned and synced through the real CLI over the local-path
transport (``cstui serve --stdio`` as a child process, exactly what ssh would start)."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from cstui.demo.build import build_demo
from cstui.exitcodes import EXIT_ACTION, EXIT_OK
from cstui.store import Store


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``cstui`` in a child process (no sync.toml, no CRM token: hub only)."""
    return subprocess.run(
        [sys.executable, "-m", "cstui", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


@dataclass
class Team:
    root: Path
    hub: Path
    a: Path
    b: Path
    env: dict[str, str]

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return cli(*args, env=self.env)

    def sync(self, folder: Path, *extra: str) -> subprocess.CompletedProcess[str]:
        done = self.run("sync", "--data-dir", str(folder), "--quiet", *extra)
        assert done.returncode in (EXIT_OK, EXIT_ACTION), done.stderr
        return done

    def store(self, folder: Path) -> Store:
        return Store(folder, actor="test")

    def get(self, folder: Path, table: str, rid: str) -> dict[str, Any]:
        """The live record (a test that expects none uses the store itself)."""
        with self.store(folder) as s:
            record = s.get(table, rid)
        assert record is not None, f"{table}/{rid} is missing in {folder.name}"
        return record

    def round(self) -> None:
        """a, then b, then a again: everyone has everything."""
        self.sync(self.a)
        self.sync(self.b)
        self.sync(self.a)


@pytest.fixture(scope="module")
def team_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("hubtemplate")
    build_demo(root / "hub", accounts=12, seed=3, user="hubuser")
    return root / "hub"


@pytest.fixture
def team(tmp_path: Path, team_template: Path) -> Team:
    import shutil

    hub = tmp_path / "hub"
    shutil.copytree(team_template, hub)
    env = {
        **os.environ,
        "CSTUI_CONFIG_DIR": str(tmp_path / "config"),
        "CSTUI_USER": "laptop",
    }
    env.pop("CSTUI_HUBSPOT_TOKEN", None)
    env.pop("CSTUI_DATA_DIR", None)
    t = Team(tmp_path, hub, tmp_path / "a", tmp_path / "b", env)
    for target in (t.a, t.b):
        done = t.run("clone", str(hub), str(target), "--quiet")
        assert done.returncode == 0, done.stderr
    return t
