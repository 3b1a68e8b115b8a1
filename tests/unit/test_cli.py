"""The command line as a user runs it: demo, doctor, compact, export and import."""

from __future__ import annotations

import csv
import io
import json
import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from cstui.cli import main
from cstui.domain.models import Account
from cstui.workspace import Workspace


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_demo_writes_a_directory_and_refuses_a_non_empty_one(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    code, stdout, _ = run("demo", "--out", str(out), "--accounts", "12", "--seed", "3", "--no-open")
    assert code == 0, stdout
    assert "12 accounts" in stdout
    ws = Workspace.open(out)
    assert ws.count(Account) == 12
    ws.close()
    assert stat.S_IMODE(out.stat().st_mode) == 0o700
    code, _, stderr = run("demo", "--out", str(out), "--no-open")
    assert code == 1
    assert "is not empty" in stderr


def test_export_csv_and_json_use_model_field_names(demo_dir: Path) -> None:
    code, stdout, _ = run("export", "accounts", "--data-dir", str(demo_dir), "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(stdout)))
    assert len(rows) == 60
    assert list(rows[0])[:3] == ["id", "name", "domain"]
    code, stdout, _ = run("export", "accounts", "--data-dir", str(demo_dir), "--format", "json")
    data = json.loads(stdout)
    assert len(data) == 60
    assert {"id", "name", "arr", "renewal_date"} <= set(data[0])


def test_export_to_a_file_is_private(demo_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "accounts.csv"
    code, _, stderr = run("export", "accounts", "--data-dir", str(demo_dir), "--out", str(out))
    assert code == 0
    assert "Exported 60 accounts" in stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o600


def test_import_reports_bad_rows_and_never_duplicates(tmp_path: Path) -> None:
    data = tmp_path / "data"
    src = tmp_path / "in.csv"
    src.write_text(
        "id,name,domain,arr,renewal_date,tags\n"
        ",Acme Corp,acme.com,1200000,2027-04-01,vip;east\n"
        ",,nameless.com,10,,\n"
        ",株式会社テスト,test.co.jp,-5,,\n"
        ",Bad Date Inc,bad.com,5,2027-02-30,\n"
        ",株式会社みらい物流,mirai.co.jp,3000000,,\n",
        encoding="utf-8",
    )
    code, stdout, stderr = run("import", "accounts", "--data-dir", str(data), str(src))
    assert code == 1
    assert f"{src}:3: Name cannot be empty." in stderr
    assert f"{src}:4: ARR cannot be negative." in stderr
    assert f"{src}:5: Renewal date '2027-02-30' is not a date (use YYYY-MM-DD)." in stderr
    assert "2 created, 0 updated, 0 unchanged, 3 rejected" in stdout

    # Same file again: nothing new; a changed value updates in place.
    run("import", "accounts", "--data-dir", str(data), str(src))
    src.write_text("id,name,domain,arr\n,Acme Corp,acme.com,1500000\n", encoding="utf-8")
    code, stdout, _ = run("import", "accounts", "--data-dir", str(data), str(src))
    assert code == 0
    assert "0 created, 1 updated" in stdout
    ws = Workspace.open(data)
    accounts = ws.accounts()
    assert sorted(a.name for a in accounts) == ["Acme Corp", "株式会社みらい物流"]
    acme = next(a for a in accounts if a.name == "Acme Corp")
    assert acme.arr == 1_500_000
    assert acme.tags == ["vip", "east"]
    ws.close()


def test_export_then_import_round_trips(demo_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "accounts.csv"
    run("export", "accounts", "--data-dir", str(demo_dir), "--out", str(out))
    fresh = tmp_path / "fresh"
    code, stdout, _ = run("import", "accounts", "--data-dir", str(fresh), str(out))
    assert code == 0
    assert "60 created" in stdout
    code, stdout, _ = run("import", "accounts", "--data-dir", str(fresh), str(out))
    assert "0 created, 0 updated, 60 unchanged" in stdout


def test_import_rejects_unknown_columns(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_text("name,colour\nAcme,red\n", encoding="utf-8")
    code, _, stderr = run("import", "accounts", "--data-dir", str(tmp_path / "d"), str(src))
    assert code == 1
    assert "Unknown column 'colour'" in stderr


def test_doctor_and_compact(tmp_path: Path) -> None:
    data = tmp_path / "data"
    run("demo", "--out", str(data), "--accounts", "5", "--no-open")
    code, stdout, _ = run("doctor", "--data-dir", str(data))
    assert code == 0
    assert "Everything looks healthy." in stdout
    assert "Accounts: 5" in stdout
    code, stdout, _ = run("compact", "--data-dir", str(data))
    assert code == 0
    assert "Checkpointed" in stdout
    os.chmod(data / "cstui.json", 0o644)
    code, stdout, _ = run("doctor", "--data-dir", str(data))
    assert code == 3
    assert "problem:" in stdout


def test_corrupt_snapshot_is_one_clear_line(tmp_path: Path) -> None:
    data = tmp_path / "data"
    run("demo", "--out", str(data), "--accounts", "3", "--no-open")
    (data / "cstui.json").write_text("{not json", encoding="utf-8")
    code, _, stderr = run("export", "accounts", "--data-dir", str(data))
    assert code == 4  # the data folder cannot be used as it is
    assert stderr.startswith("cstui: ")
    assert "cstui.json" in stderr
    assert "Traceback" not in stderr
    assert (data / "cstui.json").read_text(encoding="utf-8") == "{not json"


def test_data_dir_from_environment(tmp_path: Path) -> None:
    data = tmp_path / "envdata"
    run("demo", "--out", str(data), "--accounts", "4", "--no-open")
    code, stdout, _ = run(
        "export", "accounts", "--format", "json", env={"CSTUI_DATA_DIR": str(data)}
    )
    assert code == 0
    assert len(json.loads(stdout)) == 4


def test_a_broken_user_health_config_is_reported_and_defaults_stay(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "config"
    config.mkdir()
    (config / "health.toml").write_text('[weights]\nadoption = "high"\n', encoding="utf-8")
    monkeypatch.setenv("CSTUI_CONFIG_DIR", str(config))
    data = tmp_path / "data"
    run("demo", "--out", str(data), "--accounts", "3", "--no-open")
    code, stdout, _ = run("doctor", "--data-dir", str(data))
    assert code == 3
    assert f'{config / "health.toml"}, line 2, key "weights.adoption"' in stdout
    assert "default health model is used instead" in stdout
    # The defaults are in force: scores are still computed.
    code, stdout, _ = run("health", "--data-dir", str(data), "--json")
    assert code == 0
    assert all(a["band"] for a in json.loads(stdout)["accounts"])


def test_health_explain_and_json(demo_dir: Path) -> None:
    code, stdout, _ = run("health", "--data-dir", str(demo_dir), "--json")
    assert code == 0
    accounts = json.loads(stdout)["accounts"]
    assert len(accounts) == 60
    scored = [a for a in accounts if a["score"] is not None]
    assert {"id", "name", "score", "band", "flags", "trend_30d"} <= set(scored[0])
    name = scored[0]["name"]
    code, stdout, _ = run("health", "explain", "--data-dir", str(demo_dir), name)
    assert code == 0
    for label in ("Adoption", "Engagement", "contribution", "Computed score"):
        assert label in stdout
    code, _, stderr = run("health", "explain", "--data-dir", str(demo_dir), "no such company")
    assert code == 1
    assert "No account matches 'no such company'." in stderr
