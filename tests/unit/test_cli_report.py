"""``cstui report kpis`` and ``cstui import surveys`` print what the workspace computes."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from click.testing import CliRunner

from cstui.cli import main
from cstui.workspace import Workspace


def make_book(path: Path) -> None:
    ws = Workspace.open(path, user="me")
    try:
        a = ws.create_account(
            {
                "name": "Alpha",
                "arr": 1_000_000,
                "owner": "me",
                "contract_start": date(2024, 11, 30),
                "renewal_date": date(2026, 11, 30),
            }
        )
        b = ws.create_account(
            {
                "name": "Beta",
                "arr": 1_000_000,
                "owner": "kim",
                "contract_start": date(2024, 12, 10),
                "renewal_date": date(2026, 12, 10),
            }
        )
        ws.record_renewal_outcome(a.id, outcome="expanded", new_arr=1_500_000)
        ws.record_renewal_outcome(b.id, outcome="churned", churn_reason="budget")
    finally:
        ws.close()


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_text_output(tmp_path: Path) -> None:
    data = tmp_path / "data"
    make_book(data)
    code, out, _ = run("report", "kpis", "--period", "2026Q4", "--data-dir", str(data))
    assert code == 0, out
    assert "KPIs 2026Q4 (2026-10-01 – 2026-12-31) · slice all" in out
    assert "2 accounts at the start, 0 new in the period" in out
    lines = {line.split("  ")[0]: line for line in out.splitlines()}
    assert "50.0 %" in lines["Logo churn"]
    assert "75.0 %" in lines["Net revenue retention"]  # (2.0M − 1.0M + 0.5M) / 2.0M
    assert "50.0 %" in lines["Gross revenue retention"]
    assert "¥500,000" in lines["Expansion ARR"]
    assert "no data" in lines["NPS"]
    assert "no data" in lines["CSAT"]


def test_json_matches_workspace(tmp_path: Path) -> None:
    data = tmp_path / "data"
    make_book(data)
    code, out, _ = run(
        "report",
        "kpis",
        "--period",
        "2026Q4",
        "--slice",
        "mine",
        "--json",
        "--data-dir",
        str(data),
    )
    assert code == 0
    doc = json.loads(out)
    ws = Workspace.open(data, user="me")
    try:
        expected = ws.kpi_report("2026Q4", "mine").to_json()
    finally:
        ws.close()
    assert doc["kpis"] == expected["kpis"]
    values = {k["key"]: k["value"] for k in doc["kpis"]}
    assert values["nrr"] == 150.0
    assert values["nps"] is None
    assert doc["slice"] == "mine"
    assert doc["accounts_at_start"] == 1


def test_japanese_and_errors(tmp_path: Path) -> None:
    data = tmp_path / "data"
    make_book(data)
    code, out, _ = run(
        "report", "kpis", "--period", "2026Q4", "--lang", "ja", "--data-dir", str(data)
    )
    assert code == 0
    assert "解約率（社数）" in out
    assert "データなし" in out
    code, _, err = run("report", "kpis", "--period", "soon", "--data-dir", str(data))
    assert code == 1
    assert "'soon' is not a period" in err


def test_import_surveys_command(tmp_path: Path) -> None:
    data = tmp_path / "data"
    make_book(data)
    good = tmp_path / "good.csv"
    good.write_text("account,date,kind,score\nAlpha,2026-11-01,nps,10\n", encoding="utf-8")
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "account,date,kind,score\nAlpha,2026-11-01,nps,10\nAlpha,2026-11-02,nps,x\n",
        encoding="utf-8",
    )
    code, _, err = run("import", "surveys", str(bad), "--data-dir", str(data))
    assert code == 1
    assert f"{bad}:3:" in err
    assert "Nothing imported" in err
    code, out, _ = run("import", "surveys", str(good), "--data-dir", str(data))
    assert code == 0
    assert ": 1 response, 0 already imported." in out
    code, out, _ = run("report", "kpis", "--period", "2026Q4", "--json", "--data-dir", str(data))
    values = {k["key"]: k for k in json.loads(out)["kpis"]}
    assert values["nps"]["value"] == 100.0
    assert values["nps"]["parts"]["promoters"] == 1
