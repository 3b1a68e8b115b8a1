"""Issue 16 as a user, at the command line: what the audit of the CLI found and fixed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from cstui.cli import main
from cstui.demo.build import build_demo
from cstui.exitcodes import EXIT_ERROR
from cstui.workspace import Workspace

REPO = Path(__file__).resolve().parents[2]


def test_a_missing_import_file_is_said_in_the_users_language(tmp_path: Path) -> None:
    missing = tmp_path / "nope.csv"
    for command in ("accounts", "surveys"):
        result = CliRunner().invoke(
            main, ["import", command, "--lang", "ja", "--data-dir", str(tmp_path), str(missing)]
        )
        assert result.exit_code == EXIT_ERROR  # bad input, as an unreadable file
        assert result.stderr == f"cstui: {missing} がないか、読み込めません。\n"
    assert not (tmp_path / "cstui.json").exists()


def test_a_reader_that_stops_early_gets_no_error_message(tmp_path: Path) -> None:
    """`cstui health | head -1`: the pipe closes; no "could not use: Broken pipe" sentence."""
    data = tmp_path / "book"
    build_demo(data, accounts=5, seed=2, user="me")
    proc = subprocess.Popen(
        [sys.executable, "-m", "cstui", "health", "--data-dir", str(data)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert proc.stdout is not None
    assert proc.stderr is not None
    proc.stdout.close()  # before the child writes a line
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == EXIT_ERROR  # click's code for a broken pipe
    assert err == ""


def test_a_sync_that_cannot_start_leaves_no_empty_book_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`cstui sync --data-dir TYPO` with no token set: one sentence, nothing created."""
    monkeypatch.setenv("CSTUI_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.delenv("CSTUI_HUBSPOT_TOKEN", raising=False)
    typo = tmp_path / "typo"
    for extra in ([], ["--hub-only"]):
        result = CliRunner().invoke(main, ["sync", "--data-dir", str(typo), *extra])
        assert result.exit_code == EXIT_ERROR, result.stderr
        assert result.stderr.count("\n") == 1
        assert not typo.exists(), extra
    assert "No HubSpot token" in CliRunner().invoke(main, ["sync", "--data-dir", str(typo)]).stderr


@pytest.mark.parametrize("args", [["--lang", "ja", "demo"], ["demo", "--lang", "ja"]])
def test_the_demo_opens_in_the_language_given_before_or_after_it(
    args: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import cstui.cli.demo as demo

    opened: list[str | None] = []
    monkeypatch.setattr(demo, "run_app", lambda ws, lang: opened.append(lang))
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    result = CliRunner().invoke(main, [*args, "--accounts", "2", "--out", str(tmp_path / "d")])
    assert result.exit_code == 0, result.output
    assert opened == ["ja"]


def test_the_demo_leaves_no_kept_rows_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The demo's folder is deleted when it closes: so are the rows kept for it."""
    import cstui.cli.demo as demo

    cache = tmp_path / "cache"
    monkeypatch.setenv("CSTUI_CACHE_DIR", str(cache))
    kept: list[bool] = []

    def use(ws: Workspace, lang: str | None) -> None:  # what the app does, without a screen
        ws.portfolio()
        ws.close()
        kept.append(any(cache.rglob("*.json")))

    monkeypatch.setattr(demo, "run_app", use)
    result = CliRunner().invoke(main, ["demo", "--accounts", "3"])
    assert result.exit_code == 0, result.output
    assert kept == [True]
    assert not any(cache.rglob("*.json"))
