"""The app picks up another process's commit as soon as the data folder's watch reports it,
not at the next backstop poll (issue 17: idle apps poll nothing while nothing changes)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from cstui import app as app_module
from cstui.app import create_app
from cstui.store import Store
from cstui.workspace import Workspace, WorkspaceEvent

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="inotify: Linux")


async def test_a_teammates_commit_arrives_through_the_watch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app_module, "WATCHED_POLL_SECONDS", 3600.0)  # only the watch can tell
    ws = Workspace.open(tmp_path / "data", user="me")
    app = create_app(ws, poll=True, rescore=False)
    events: list[WorkspaceEvent] = []
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        assert app._watch is not None
        ws.subscribe(events.append)
        with Store(tmp_path / "data", actor="sato") as other:
            other.put("views", "v1", {"name": "Mine", "user": "sato", "query": ""})
        deadline = time.monotonic() + 5
        while not events and time.monotonic() < deadline:
            await pilot.pause(0.05)
        assert events
        assert "views" in events[0].tables
        assert not events[0].local
