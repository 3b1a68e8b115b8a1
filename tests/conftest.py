from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from cstui import clock, i18n
from cstui.workspace import Workspace

TODAY = date(2026, 11, 23)


@pytest.fixture(autouse=True)
def frozen_clock(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[date]:
    """Every test runs on the same day, as user 'me', in English, with no user config and
    a cache folder of its own (the portfolio's kept rows: never the real one)."""
    clock.freeze(TODAY)
    monkeypatch.setenv("CSTUI_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    monkeypatch.setenv("CSTUI_USER", "me")
    monkeypatch.delenv("CSTUI_DATA_DIR", raising=False)
    monkeypatch.delenv("CSTUI_TEAM", raising=False)
    monkeypatch.setenv("CSTUI_CONFIG_DIR", "/nonexistent/cstui-test-config")
    i18n.set_language("en")
    yield TODAY
    clock.freeze(None)
    i18n.set_language("en")


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 60-account demo data directory built once; tests copy it before writing."""
    from cstui.demo.build import build_demo

    clock.freeze(TODAY)
    target = tmp_path_factory.mktemp("demo") / "data"
    build_demo(target, accounts=60, seed=1, user="me")
    clock.freeze(None)
    return target


@pytest.fixture
def demo_ws(demo_dir: Path, tmp_path: Path) -> Iterator[Workspace]:
    import shutil

    target = tmp_path / "data"
    shutil.copytree(demo_dir, target)
    ws = Workspace.open(target, user="me")
    yield ws
    ws.close()


@pytest.fixture
def empty_ws(tmp_path: Path) -> Iterator[Workspace]:
    ws = Workspace.open(tmp_path / "data", user="me")
    yield ws
    ws.close()


@pytest.fixture
def unsynced_ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Workspace]:
    """An empty book with no sync set up (an empty config folder, no HubSpot token)."""
    folder = tmp_path / "config"
    folder.mkdir()
    monkeypatch.setenv("CSTUI_CONFIG_DIR", str(folder))
    monkeypatch.delenv("CSTUI_HUBSPOT_TOKEN", raising=False)
    workspace = Workspace.open(tmp_path / "data", user="me")
    yield workspace
    workspace.close()
