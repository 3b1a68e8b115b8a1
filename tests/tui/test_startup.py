"""Start-up: the collector is off until the first frame, and on again after it."""

from __future__ import annotations

import gc
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from cstui.app import create_app
from cstui.widgets.account_table import AccountTable
from cstui.workspace import Workspace

REPO = Path(__file__).resolve().parents[2]


def _fresh_interpreter(code: str, data: Path, cache: Path | None = None) -> list[str]:
    """What ``code`` prints (split in words), run with ``data`` as its argument in a new
    Python: this one imported everything long ago."""
    env = {**os.environ, "CSTUI_TODAY": "2026-11-23", "CSTUI_USER": "me"}
    if cache is not None:
        env["CSTUI_CACHE_DIR"] = str(cache)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    return subprocess.run(
        [sys.executable, "-c", code, str(data)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=120,
    ).stdout.split()


@pytest.fixture
def collector_off() -> Iterator[None]:
    """As ``cstui`` starts the app (``cstui.cli.main``); the collector is on again after."""
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


@pytest.mark.usefixtures("collector_off")
async def test_the_collector_is_back_on_after_the_first_frame(demo_ws: Workspace) -> None:
    app = create_app(demo_ws, poll=False, rescore=False)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        assert len(app.screen.query_one(AccountTable).rows) == 60
        assert gc.isenabled()


async def test_the_sync_line_says_it_is_off_once_the_first_frame_is_out(
    demo_ws: Workspace,
) -> None:
    """Its first look (which imports the sync package) waits for the first frame only."""
    from cstui.widgets.sync_status import SyncStatusLine

    app = create_app(demo_ws, poll=False, rescore=False)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        line = app.screen.query_one(SyncStatusLine)
        assert "not set up" in line.text


def test_the_account_screen_is_imported_after_the_first_frame(
    demo_dir: Path, tmp_path: Path
) -> None:
    """Left out of the start-up, then imported (and its stylesheet parsed) in the
    background before the first key (in a fresh interpreter: this one imported it long
    ago)."""
    code = """
import asyncio, sys
from cstui.app import WARM_UP, create_app
from cstui.workspace import Workspace

async def main():
    app = create_app(Workspace.open(sys.argv[1], user="me"), poll=False, rescore=False)
    print(WARM_UP in sys.modules, "cstui.widgets.qbr" in sys.modules)
    async with app.run_test() as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        print(WARM_UP in sys.modules, "cstui.widgets.qbr" in sys.modules)
        # Its stylesheet is parsed too: the first account opened parses none.
        from textual.css.stylesheet import Stylesheet
        from cstui.screens.account import AccountScreen
        # And the store's per-account reads are prepared: the key decodes none.
        import base64
        # And the health model is parsed: the key parses none.
        import cstui.domain.health_config as health_config
        parses, decodes, models = [], [], []
        real, decode = Stylesheet.reparse, base64.b64decode
        Stylesheet.reparse = lambda sheet: (parses.append(1), real(sheet))[1]
        base64.b64decode = lambda *a, **k: (decodes.append(1), decode(*a, **k))[1]
        parse = health_config.parse_health_config
        health_config.parse_health_config = lambda *a, **k: (models.append(1), parse(*a, **k))[1]
        await app.push_screen(AccountScreen(app.screen.sorted_rows()[0].id))
        await pilot.pause()
        print(type(app.screen).__name__, len(parses), len(decodes), len(models))

asyncio.run(main())
"""
    data = tmp_path / "data"
    shutil.copytree(demo_dir, data)
    cache = tmp_path / "cache"
    for start in ("rows built", "rows kept"):  # kept rows: the start parses no health model
        out = _fresh_interpreter(code, data, cache)
        # The screen, and a tab's pane; then an account opened without parsing stylesheets,
        # decoding the snapshot's slices or parsing the health model.
        assert out == ["False", "False", "True", "True", "AccountScreen", "0", "0", "0"], start


def test_a_start_on_kept_rows_shows_its_first_frame_without_pydantic(
    demo_dir: Path, tmp_path: Path
) -> None:
    """Importing pydantic and building the model classes took ~0.2 s of every start: the
    first frame of a start on kept rows needs neither (the row settings come with the rows;
    what a key needs is imported in the background or when used). A fresh interpreter each
    run: the first keeps the rows, the second shows them."""
    code = """
import asyncio, gc, sys
from cstui.app import create_app
from cstui.workspace import Workspace

seen = []
enable = gc.enable
gc.enable = lambda: (seen.append("pydantic" in sys.modules), enable())[1]  # the first frame

async def main():
    app = create_app(Workspace.open(sys.argv[1], user="me"), poll=False, rescore=False)
    async with app.run_test() as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        rows = len(app.screen.sorted_rows())
    print(seen[0], rows, "pydantic" in sys.modules)

asyncio.run(main())
"""
    data = tmp_path / "data"
    shutil.copytree(demo_dir, data)
    cache = tmp_path / "cache"
    # No rows kept yet: built from the tables, with the configuration read (pydantic).
    assert _fresh_interpreter(code, data, cache) == ["True", "60", "True"]
    # Kept: the first frame without pydantic, which the background warm-up imports after.
    assert _fresh_interpreter(code, data, cache) == ["False", "60", "True"]
