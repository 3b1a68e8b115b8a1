"""``cstui export qbr``: stdout by default, a 0600 file with --out, edits and frozen data."""

from __future__ import annotations

import stat
from pathlib import Path

from click.testing import CliRunner

from cstui.cli import main
from cstui.workspace import Workspace

ACC = "acc-000007"


def _copy(demo_dir: Path, tmp_path: Path) -> Path:
    import shutil

    target = tmp_path / "data"
    shutil.copytree(demo_dir, target)
    return target


def test_export_writes_a_private_html_file(demo_dir: Path, tmp_path: Path) -> None:
    data = _copy(demo_dir, tmp_path)
    out = tmp_path / "qbr.html"
    result = CliRunner().invoke(
        main,
        ["export", "qbr", ACC, "--data-dir", str(data), "--format", "html", "--out", str(out)],
    )
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    page = out.read_text("utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert "2026Q3" in page


def test_export_markdown_uses_edits_and_the_frozen_snapshot(demo_dir: Path, tmp_path: Path) -> None:
    data = _copy(demo_dir, tmp_path)
    ws = Workspace.open(data, user="me")
    try:
        ws.update_qbr_section(ACC, "2026Q3", "summary", "Edited summary for the CFO.")
        ws.set_qbr_status(ACC, "2026Q3", "delivered", lang="ja")
        ws.update_account(ACC, {"name": "Later Name KK"})
    finally:
        ws.close()
    result = CliRunner().invoke(
        main, ["export", "qbr", ACC, "--data-dir", str(data), "--period", "2026Q3", "--lang", "ja"]
    )
    assert result.exit_code == 0, result.output
    assert "Edited summary for the CFO." in result.output
    assert "Later Name KK" not in result.output
    assert "エグゼクティブサマリー" in result.output


def test_export_errors_are_one_line(demo_dir: Path, tmp_path: Path) -> None:
    data = _copy(demo_dir, tmp_path)
    runner = CliRunner()
    bad = runner.invoke(main, ["export", "qbr", "no-such-account", "--data-dir", str(data)])
    assert bad.exit_code == 1
    assert "No account matches" in bad.output
    bad = runner.invoke(
        main, ["export", "qbr", ACC, "--data-dir", str(data), "--period", "2026-09"]
    )
    assert bad.exit_code == 1
    assert "not a quarter" in bad.output
