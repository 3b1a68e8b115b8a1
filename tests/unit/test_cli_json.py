"""Every ``--json`` output starts with its ``schema`` key, and docs/cli-json.md lists each."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from cstui.cli import main
from cstui.cli.jsonout import SCHEMAS, document, schema

ROOT = Path(__file__).resolve().parents[2]

OUTPUTS = [
    (["health", "--json"], "health"),
    (["today", "--json", "--all"], "today"),
    (["tasks", "--json", "--all"], "tasks"),
    (["report", "kpis", "--json", "--period", "2026Q3"], "report.kpis"),
    (["sync", "--status", "--json"], "sync.status"),
]


@pytest.mark.parametrize(("args", "name"), OUTPUTS)
def test_each_json_output_starts_with_its_schema(
    demo_dir: Path, tmp_path: Path, args: list[str], name: str
) -> None:
    data = tmp_path / "data"
    shutil.copytree(demo_dir, data)  # health and tasks write (rescores, cadence tasks)
    result = CliRunner().invoke(main, [*args, "--data-dir", str(data)])
    assert result.exit_code == 0, result.stderr
    parsed = json.loads(result.stdout)
    assert next(iter(parsed)) == "schema"
    assert parsed["schema"] == f"cstui.{name}/{SCHEMAS[name]}"
    assert len(parsed) > 2  # the payload came too


def test_every_output_is_tested_and_documented() -> None:
    assert sorted(SCHEMAS) == sorted(name for _, name in OUTPUTS)
    text = (ROOT / "docs" / "cli-json.md").read_text("utf-8")
    for name in SCHEMAS:
        assert f"`{schema(name)}`" in text
        assert f"## `{schema(name)}`" in text


def test_a_payload_cannot_hide_the_schema() -> None:
    assert list(document("tasks", {"as_of": "2026-11-23"})) == ["schema", "as_of"]
    with pytest.raises(ValueError, match="schema"):
        document("tasks", {"schema": "mine"})


def test_usage_errors_exit_2_as_the_readme_says() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    assert "| 2 | Usage" in readme
    result = CliRunner().invoke(main, ["health", "--no-such-option"])
    assert result.exit_code == 2


def test_sync_json_needs_status(demo_dir: Path) -> None:
    result = CliRunner().invoke(main, ["sync", "--json", "--data-dir", str(demo_dir)])
    assert result.exit_code == 2  # a usage error, as for every command
    assert "--status" in result.stderr
