"""Storage problems the app shows (a full disk, a refused file, a lock held by another
process, a folder others can read) are said in the UI language: under ``--lang ja`` a toast
or a form banner has no English sentence (issue 18), while English and the CLI keep the
sentences they had."""

from __future__ import annotations

import errno
import grp
import os
import pwd
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cstui import clock, i18n
from cstui.app import create_app
from cstui.i18n import Msg
from cstui.screens.portfolio import PortfolioScreen
from cstui.store import NamedLock
from cstui.store.errors import LockBusyError
from cstui.store.perms import problems, storage_error
from cstui.workspace import Workspace

needs_proc = pytest.mark.skipif(not os.path.exists("/proc/self/fd"), reason="needs /proc")
SAVE, NOT_SAVED = Msg("store.doing.save"), Msg("store.outcome.nothing_saved")


@pytest.fixture(autouse=True)
def _english_after() -> Iterator[None]:
    yield
    i18n.set_language("en")


def _english(text: str, path: Path) -> list[str]:
    """Latin words of 3+ letters left once paths, commands, user names and the app's name
    are out."""
    text = text.replace(str(path), "")
    text = re.sub(r"/[^\s（）()、。]*|`[^`]*`|(chmod|chgrp|chown) [^、。]*", "", text)
    names = {"cstui", "setgid", pwd.getpwuid(os.geteuid()).pw_name}
    names.add(grp.getgrgid(os.getegid()).gr_name)
    return [w for w in re.findall(r"[A-Za-z]{3,}", text) if w not in names]


@pytest.mark.parametrize(
    ("code", "english", "japanese"),
    [
        (errno.ENOSPC, "The disk is full (", "ディスクがいっぱいのため（"),
        (errno.EROFS, "The data folder is on a read-only disk (", "読み取り専用のディスク"),
        (errno.EIO, "cstui could not save your change ", "変更を保存することができませんでした"),
    ],
)
def test_disk_errors_in_both_languages(
    tmp_path: Path, code: int, english: str, japanese: str
) -> None:
    path = tmp_path / "journal.jsonl"
    problem = OSError(code, os.strerror(code), str(path))
    said = str(storage_error(problem, doing=SAVE, outcome=NOT_SAVED, team=False))
    assert said.startswith(english) or english in said
    assert "nothing was saved" in said
    i18n.set_language("ja")
    said = str(storage_error(problem, doing=SAVE, outcome=NOT_SAVED, team=False))
    assert japanese in said
    assert "何も保存されていません。" in said
    words = _english(said, path)
    assert set(words) <= set(re.findall(r"[A-Za-z]{3,}", os.strerror(code)))  # the OS's own


def test_a_refused_file_says_who_may_fix_it_in_japanese(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    path.write_text("")
    problem = OSError(errno.EACCES, os.strerror(errno.EACCES), str(path))
    english = str(storage_error(problem, doing=SAVE, outcome=NOT_SAVED, team=False))
    assert re.match(
        r"You \(\w+\) may not use .+ \(owner \w+, group \w+, permissions 6\d\d\)", english
    )
    assert "Ask " in english
    i18n.set_language("ja")
    said = str(storage_error(problem, doing=SAVE, outcome=NOT_SAVED, team=False))
    assert "を使えないため、変更を保存することができませんでした。何も保存されていません。" in said
    assert "あなたの所有に戻してもらってください：chown " in said
    assert _english(said, path) == []


def test_a_folder_others_can_open_is_said_in_japanese(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    (english,) = problems(folder, team=False)
    assert english == (
        f"The folder {folder} can be opened by every user on this computer (permissions 755); "
        f"run: chmod 700 {folder}"
    )
    i18n.set_language("ja")
    (said,) = problems(folder, team=False)
    assert said == (
        f"フォルダー {folder} は、このコンピューターのすべてのユーザーが開けます（権限 755）。"
        f"次を実行してください：chmod 700 {folder}"
    )


def test_a_lock_another_sync_holds_is_said_in_japanese(tmp_path: Path) -> None:
    held = NamedLock(tmp_path / "sync.lock", purpose="sync")
    held.acquire()
    try:
        i18n.set_language("ja")
        with pytest.raises(LockBusyError) as busy:
            NamedLock(tmp_path / "sync.lock", purpose="sync").acquire()
    finally:
        held.release()
    said = str(busy.value)
    assert said.startswith("このデータフォルダーでは別の cstui の同期が実行中です（pid ")
    assert "終わるまでお待ちください。" in said


@needs_proc
async def test_a_full_disk_in_the_app_is_said_in_japanese(
    demo_ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock.freeze(clock.today().replace(day=24))  # yesterday's scores: the rescore writes
    real = os.write
    data = str(demo_ws.store.data_dir)

    def write(fd: int, payload: Any) -> int:
        if os.readlink(f"/proc/self/fd/{fd}").startswith(data):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(fd, payload)

    monkeypatch.setattr(os, "write", write)
    app = create_app(demo_ws, lang="ja", poll=False, rescore=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, PortfolioScreen)
        full = [n.message for n in app._notifications if "ディスク" in n.message]
    assert len(full) == 1
    assert "何も保存されていません。空き容量を確保してからやり直してください。" in full[0]
    assert _english(full[0], demo_ws.store.data_dir) == []


async def test_a_folder_others_can_open_is_a_japanese_toast_at_start(tmp_path: Path) -> None:
    data = tmp_path / "data"
    Workspace.open(data, user="me").close()
    data.chmod(0o755)
    i18n.set_language("ja")  # as `cstui --lang ja` does before it opens the folder
    ws = Workspace.open(data, user="me")
    try:
        app = create_app(ws, lang="ja", poll=False, rescore=False)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            said = [n.message for n in app._notifications]
    finally:
        ws.close()
    assert any(m.startswith(f"フォルダー {data} は、") for m in said), said
    assert all(_english(m, data) == [] for m in said), said


def test_cstui_sets_the_language_before_it_opens_the_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What opening the folder finds is worded for the app ``cstui --lang ja`` starts."""
    from click.testing import CliRunner

    import cstui.cli
    from cstui.cli import main

    data = tmp_path / "data"
    Workspace.open(data, user="me").close()
    data.chmod(0o755)
    seen: list[str] = []

    def run_app(ws: Workspace, lang: str | None) -> None:
        seen.extend(ws.warnings)
        ws.close()

    monkeypatch.setattr(cstui.cli, "run_app", run_app)
    done = CliRunner().invoke(main, ["--lang", "ja", "--data-dir", str(data)])
    assert done.exit_code == 0, done.output
    assert any(w.startswith(f"フォルダー {data} は、") for w in seen), seen
