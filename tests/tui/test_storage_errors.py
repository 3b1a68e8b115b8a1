"""Storage errors in the app: one clear sentence (once), the app keeps running with what it
has, a failed form edit stays in the form, and a crash prints no record contents (issue 13,
"Crashes")."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.app import App
from textual.widgets import Input, Static

from cstui import clock
from cstui.app import CSApp, create_app
from cstui.screens.portfolio import PortfolioScreen
from cstui.store import DiskFullError, LockTimeoutError, PermissionDeniedError
from cstui.ui.forms import Field, FormScreen
from cstui.workspace import Workspace

REPO = Path(__file__).resolve().parents[2]
SECRET = "Zebulon Quartz Holdings"

needs_proc = pytest.mark.skipif(not os.path.exists("/proc/self/fd"), reason="needs /proc")


def _fail_writes(monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    """Every ``os.write`` to a file under ``path`` fails as on a full disk."""
    real = os.write

    def write(fd: int, data: Any) -> int:
        if os.readlink(f"/proc/self/fd/{fd}").startswith(str(path)):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(fd, data)

    monkeypatch.setattr(os, "write", write)


def _messages(app: App[Any]) -> list[str]:
    return [n.message for n in app._notifications]


@needs_proc
async def test_a_full_disk_during_the_start_up_rescore_is_one_sentence(
    demo_ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock.freeze(clock.today() + timedelta(days=1))  # yesterday's scores: a rescore writes
    assert not demo_ws.health_is_current()
    _fail_writes(monkeypatch, demo_ws.store.data_dir)
    app = create_app(demo_ws, poll=False, rescore=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, PortfolioScreen)  # still running, showing what it has
        full = [m for m in _messages(app) if "disk is full" in m]
        assert len(full) == 1
        assert "nothing was saved" in full[0]
        assert app.return_code is None


async def test_a_poll_that_keeps_failing_says_so_once(
    demo_ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    def denied(**_: Any) -> list[Any]:
        raise PermissionDeniedError("You (me) may not use journal.jsonl; ask the owner.")

    app = create_app(demo_ws, poll=False, rescore=False)
    async with app.run_test(size=(120, 40)) as pilot:
        monkeypatch.setattr(demo_ws.store, "poll", denied)
        for _ in range(5):  # five seconds of polling
            app.poll_store()
        await pilot.pause()
        assert _messages(app).count("You (me) may not use journal.jsonl; ask the owner.") == 1
        monkeypatch.undo()
        app.poll_store()  # it works again...
        monkeypatch.setattr(demo_ws.store, "poll", denied)
        app.poll_store()  # ...and when it breaks again, that is news
        await pilot.pause()
        assert len([m for m in _messages(app) if "may not use" in m]) == 2


async def test_a_storage_error_nobody_caught_does_not_end_the_app(demo_ws: Workspace) -> None:
    app = create_app(demo_ws, poll=False, rescore=False)

    def tick_on_a_full_disk() -> None:
        raise DiskFullError("The disk is full, so cstui could not save your change.")

    async with app.run_test(size=(120, 40)) as pilot:
        app.set_timer(0.01, tick_on_a_full_disk)
        await pilot.pause(0.2)
        assert app.is_running
        assert app.return_code is None
        assert "The disk is full, so cstui could not save your change." in _messages(app)


class Host(App[None]):
    def __init__(self, form: FormScreen) -> None:
        super().__init__()
        self.form = form

    def on_mount(self) -> None:
        self.push_screen(self.form)


@needs_proc
@pytest.mark.parametrize("trouble", ["disk full", "lock held"])
async def test_a_failed_save_keeps_the_edit_in_the_form(
    demo_ws: Workspace, monkeypatch: pytest.MonkeyPatch, trouble: str
) -> None:
    account = demo_ws.accounts()[0]
    before = len(demo_ws.tasks(account.id))

    tries: list[int] = []

    def submit(values: dict[str, Any]) -> None:
        tries.append(1)
        if trouble == "lock held" and len(tries) == 1:
            raise LockTimeoutError(
                "Another cstui (pid 4242, user ann) held the data folder's lock for 30 s, so "
                "cstui could not save your change; nothing was saved. Try again."
            )
        demo_ws.add_task(values["title"], account_id=account.id)

    form = FormScreen("New task", [Field("title", "Title", required=True)], submit)
    app = Host(form)
    async with app.run_test(size=(100, 30)) as pilot:
        form.query_one("#field-title", Input).value = f"Call {SECRET}"
        with monkeypatch.context() as m:
            _fail_writes(m, demo_ws.store.data_dir)
            await pilot.press("ctrl+s")
            await pilot.pause()
        assert app.screen is form  # not dismissed
        assert form.query_one("#field-title", Input).value == f"Call {SECRET}"
        banner = form.query_one("#form-errors", Static)
        text = str(banner.content)
        assert banner.display
        assert ("disk is full" if trouble == "disk full" else "held the data folder") in text
        assert SECRET not in text
        await pilot.press("ctrl+s")  # space again: the same edit saves
        await pilot.pause()
        assert app.screen is not form
    assert len(demo_ws.tasks(account.id)) == before + 1


CRASH = """
import sys
from pathlib import Path

import cstui.app
from cstui.app import CSApp
from cstui.workspace import Workspace

class Crashing(CSApp):
    CSS_PATH = str(Path(cstui.app.__file__).with_name("app.tcss"))

    def on_mount(self) -> None:
        super().on_mount()
        self.call_after_refresh(self.crash)

    def crash(self) -> None:
        customer = self.workspace.accounts()[0].name  # a local holding a customer name
        nps_comment = f"{customer} says the renewal is off"
        raise ValueError(f"cannot show {nps_comment!r}")

ws = Workspace.open(sys.argv[1], user="me")
app = Crashing(ws, poll=False, rescore=False)
app.run(headless=True, size=(100, 30))
sys.exit(app.return_code or 0)
"""


def test_a_crash_prints_no_record_contents(tmp_path: Path) -> None:
    data = tmp_path / "data"
    ws = Workspace.open(data, user="me")
    ws.create_account({"name": SECRET})
    ws.close()
    script = tmp_path / "crash.py"  # a file: Textual looks up the app class's source file
    script.write_text(CRASH, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(script), str(data)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO), "CSTUI_CONFIG_DIR": "/nonexistent"},
        timeout=120,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 1, output  # a crash is not a success
    assert "ValueError" in output
    assert "crash" in output
    assert SECRET not in output  # ...without the data: no locals, no message


def test_the_cli_exit_code_says_the_app_crashed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import cstui.app as app_module
    from cstui.cli.common import run_app

    class Crashed:
        return_code = 1

        def run(self) -> None:
            pass

    monkeypatch.setattr(app_module, "create_app", lambda ws, lang: Crashed())
    with pytest.raises(SystemExit) as exit_info:
        run_app(None, None)  # type: ignore[arg-type]
    assert exit_info.value.code == 1


def test_crash_report_override_matches_textual(tmp_path: Path) -> None:
    """The override replaces Textual's own report: it must still be the method Textual
    calls (a Textual upgrade that renames it would silently bring locals back)."""
    from textual.app import App as TextualApp

    assert "_fatal_error" in vars(TextualApp)
    assert "_handle_exception" in vars(TextualApp)
    assert CSApp._fatal_error is not TextualApp._fatal_error
