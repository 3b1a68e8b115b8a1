"""Issue 16: a past QBR shows the ARR and stage that held at the quarter's end; the QBR's CSAT
follows the configured method as the KPI report does; the portfolio header's NPS uses the
configured detractor threshold as the KPI report and ``report kpis --json`` do."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from cstui import clock
from cstui.cli import main
from cstui.report.qbr import render_markdown
from cstui.widgets.qbr.render import numbers_text
from cstui.workspace import Workspace

# The clock is frozen at 2026-11-23 (tests/conftest.py): 2026Q4 is running.


def _customer(ws: Workspace) -> str:
    return ws.create_account(
        {"name": "Matsue Textiles", "arr": 1_150_000, "contract_start": date(2024, 5, 1),
         "renewal_date": date(2027, 5, 1), "tier": "high", "stage": "adoption"}
    ).id  # fmt: skip


def test_a_past_qbr_shows_the_arr_and_stage_of_its_quarter(empty_ws: Workspace) -> None:
    ws = empty_ws
    aid = _customer(ws)
    clock.freeze(date(2026, 5, 12))  # an upsell in Q2, entered on the account
    ws.update_account(aid, {"arr": 1_480_000, "stage": "expansion"})
    clock.freeze(date(2026, 11, 23))  # a downgrade today
    ws.update_account(aid, {"arr": 1_320_000, "stage": "renewal"})
    q1, q3, q4 = (ws.qbr_data(aid, p).account for p in ("2026Q1", "2026Q3", "2026Q4"))
    assert (q1.arr, q1.stage) == (1_150_000, "adoption")
    assert (q3.arr, q3.stage) == (1_480_000, "expansion")
    assert (q4.arr, q4.stage) == (1_320_000, "renewal")  # the running quarter: so far
    text = render_markdown(ws.qbr_data(aid, "2026Q1"), {}, [], "en")
    assert "¥1,150,000" in text  # the ARR of then, not today's
    assert "¥1,320,000" not in text
    assert "Adoption" in text


def test_a_past_qbr_reads_a_renewal_outcome_on_its_day(empty_ws: Workspace) -> None:
    ws = empty_ws
    aid = _customer(ws)
    ws.record_renewal_outcome(
        aid, outcome="churned", churn_reason="budget", due=date(2026, 9, 30),
        closed_on=date(2026, 9, 30),
    )  # fmt: skip
    q3 = ws.qbr_data(aid, "2026Q3").account
    assert (q3.arr, q3.stage) == (0, "churned")
    q2 = ws.qbr_data(aid, "2026Q2").account
    assert (q2.arr, q2.stage) == (1_150_000, "adoption")


@pytest.fixture
def configured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A company that counts CSAT as a mean and calls only 0–3 a detractor."""
    config = tmp_path / "config"
    config.mkdir()
    (config / "kpis.toml").write_text('csat_method = "mean"\n', encoding="utf-8")
    (config / "health.toml").write_text("[flags.detractor]\nmax_score = 3\n", encoding="utf-8")
    monkeypatch.setenv("CSTUI_CONFIG_DIR", str(config))
    return config


def test_the_qbr_csat_is_the_kpi_reports_by_the_configured_method(
    configured: Path, tmp_path: Path
) -> None:
    ws = Workspace.open(tmp_path / "data", user="me")
    try:
        aid = _customer(ws)
        for day, score in ((date(2026, 7, 8), 5), (date(2026, 8, 19), 2), (date(2026, 9, 2), 4)):
            ws.record_survey({"account_id": aid, "date": day, "kind": "csat", "score": score})
        data = ws.qbr_data(aid, "2026Q3")
        kpi = ws.kpi_report("2026Q3")["csat"]
        assert data.csat_score == pytest.approx(11 / 3)
        assert kpi.value == pytest.approx(data.csat_score)
        assert kpi.unit == "/5"
        assert r"CSAT: 3.7 / 5 on average \(answers: 3\)" in render_markdown(data, {}, [], "en")
        assert "平均 3.7 / 5（回答 3件）" in render_markdown(data, {}, [], "ja")
        assert "3.7 / 5 on average from 3 answers" in numbers_text(data).plain
    finally:
        ws.close()


def test_the_qbr_csat_share_is_a_percentage(empty_ws: Workspace) -> None:
    ws = empty_ws
    aid = _customer(ws)
    for day, score in ((date(2026, 7, 8), 5), (date(2026, 8, 19), 2), (date(2026, 9, 2), 4)):
        ws.record_survey({"account_id": aid, "date": day, "kind": "csat", "score": score})
    data = ws.qbr_data(aid, "2026Q3")
    assert data.csat_score == pytest.approx(ws.kpi_report("2026Q3")["csat"].value)
    assert r"CSAT: 67 % rated 4–5 of 5 \(answers: 3\)" in render_markdown(data, {}, [], "en")
    assert "67 % satisfied (4–5) from 3 answers" in numbers_text(data).plain


def test_the_header_nps_uses_the_configured_detractor_line(
    configured: Path, tmp_path: Path
) -> None:
    # One answer each in Q4 so far: 3 (a detractor), 5 and 6 (passives here: the line is 3),
    # 9 (a promoter). NPS = (1 − 1) / 4 = 0; with the default line of 6 it would be −50.
    data = tmp_path / "data"
    ws = Workspace.open(data, user="me")
    try:
        for n, score in enumerate((3, 5, 6, 9)):
            aid = ws.create_account(
                {"name": f"Answer {n} KK", "stage": "adoption", "arr": 500_000,
                 "contract_start": "2025-03-01"}
            ).id  # fmt: skip
            ws.record_survey(
                {"account_id": aid, "date": date(2026, 10, 20 + n), "kind": "nps", "score": score}
            )
        ws.refresh_health()
        header = ws.portfolio_summary(ws.portfolio())
        report = ws.kpi_report("2026Q4")["nps"]
        assert header.nps == pytest.approx(0.0)
        assert report.value == pytest.approx(0.0)
        assert report.parts["detractors"] == 1
    finally:
        ws.close()
    result = CliRunner().invoke(
        main, ["report", "kpis", "--data-dir", str(data), "--period", "2026Q4", "--json"]
    )
    assert result.exit_code == 0, result.output
    kpis = {k["key"]: k for k in json.loads(result.output)["kpis"]}
    assert kpis["nps"]["value"] == pytest.approx(0.0)
    assert kpis["nps"]["parts"]["detractors"] == 1
