"""The sync status line costs nothing while nothing changes (issue 17: idle apps).

It counts on mount and after data changes only; its periodic look at the setup counts
again only when the setup changed; an unchanged text does not redraw the widget.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cstui.app import create_app
from cstui.widgets.sync_status import SyncStatusLine
from cstui.workspace import Workspace


async def test_setup_check_counts_only_when_the_setup_changed(
    unsynced_ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = create_app(unsynced_ws, poll=False, rescore=False)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        line = app.screen.query_one(SyncStatusLine)
        assert "not set up" in line.text
        counted: list[int] = []
        monkeypatch.setattr(line, "refresh_status", lambda: counted.append(1))
        line.check_setup()
        line.check_setup()
        assert counted == []  # same setup: nothing counted
        monkeypatch.setenv("CSTUI_HUBSPOT_TOKEN", "pat-na1-test")
        line.check_setup()
        assert counted == [1]  # a token appeared: count once
        line.check_setup()
        assert counted == [1]


async def test_an_unchanged_text_does_not_redraw(
    unsynced_ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = create_app(unsynced_ws, poll=False, rescore=False)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        line = app.screen.query_one(SyncStatusLine)
        updates: list[object] = []
        monkeypatch.setattr(line, "update", lambda content="": updates.append(content))
        line._show(line.text)
        assert updates == []
        line._show("sync: something else")
        assert updates == ["sync: something else"]
        assert line.text == "sync: something else"


def test_the_first_frame_knows_sync_is_off_without_loading_the_crm_adapter(
    tmp_path: Path,
) -> None:
    """Loading the adapter for its label (entry points, then httpx) took 0.3 s of every
    start-up; the status line's first look only asks whether a token is there."""
    import os
    import subprocess
    import sys

    folder = tmp_path / "config"
    folder.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "CSTUI_HUBSPOT_TOKEN"}
    env["CSTUI_CONFIG_DIR"] = str(folder)
    script = (
        "import sys\n"
        "from cstui.workspace import Workspace\n"
        "from cstui.widgets.sync_status import setup_text\n"
        f"ws = Workspace.open({str(tmp_path / 'data')!r}, user='me')\n"
        "print(setup_text(ws, quick=True))\n"
        "print('cstui.sync.adapters.hubspot' in sys.modules)\n"
        "print(setup_text(ws))\n"
        "ws.close()\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert "not set up" in out[0]
    assert out[1] == "False"  # said without importing the adapter
    assert out[2] == out[0]  # the full check says the same
