"""Issue 16, "One rule, one place": the detractor threshold, the CSAT method and the
first-value day are each decided by one function, and every user of it agrees."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from cstui import clock
from cstui.domain import metrics
from cstui.domain.enums import Stage
from cstui.domain.models import Account, OnboardingItem, OnboardingPlan
from cstui.domain.renewals import Period, compute_kpis
from cstui.domain.templates import first_value_day, plan_ttv
from cstui.workspace import Workspace

DAY = date(2026, 8, 20)
Q3 = Period.parse("2026Q3")


@pytest.fixture
def strict_book(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Workspace]:
    """A company that calls only 0–4 a detractor, with three accounts answering 4, 5 and 10."""
    config = tmp_path / "config"
    config.mkdir()
    (config / "health.toml").write_text("[flags.detractor]\nmax_score = 4\n", encoding="utf-8")
    monkeypatch.setenv("CSTUI_CONFIG_DIR", str(config))
    clock.freeze(DAY)
    ws = Workspace.open(tmp_path / "data", user="me")
    for name, score in (("Four KK", 4), ("Five KK", 5), ("Ten KK", 10)):
        account = ws.create_account(
            {"name": name, "owner": "me", "stage": "adoption", "arr": 300_000,
             "contract_start": "2025-01-10"}
        ).id  # fmt: skip
        ws.record_survey({"account_id": account, "date": DAY, "kind": "nps", "score": score})
    ws.refresh_health()
    yield ws
    ws.close()
    clock.freeze(None)


def test_the_kpi_report_and_the_alerts_use_the_configured_detractor_line(
    strict_book: Workspace,
) -> None:
    ws = strict_book
    names = {a.id: a.name for a in ws.accounts()}
    flagged = sorted(names[a.account_id] for a in ws.alerts(as_of=DAY) if a.rule == "detractor")
    assert flagged == ["Four KK"]
    nps = next(v for v in ws.kpi_report("2026Q3").values if v.key == "nps")
    assert nps.parts["detractors"] == 1  # the 5 is a passive here, as for the alert
    assert nps.value == pytest.approx(0.0)  # (1 promoter − 1 detractor) / 3
    assert names[nps.accounts[0]] == "Four KK"  # detractors listed first


def test_without_configuration_the_nps_line_is_six() -> None:
    assert metrics.is_detractor(6)
    assert not metrics.is_detractor(7)
    assert metrics.nps_breakdown([6, 7, 9, 2]) == (1, 1, 2)
    assert metrics.nps([6, 7, 9, 2], detractor_max=2) == pytest.approx(0.0)


def test_csat_share_counts_four_and_five() -> None:
    assert metrics.csat([3, 4, 5, 2]) == pytest.approx(50.0)
    assert metrics.csat([3, 4, 5, 2], "mean") == pytest.approx(3.5)


def _plan(*items: OnboardingItem) -> OnboardingPlan:
    return OnboardingPlan(account_id="p1", template="t", start=date(2026, 7, 1), items=list(items))


def _item(n: int, *, first: bool, done_on: date | None) -> OnboardingItem:
    return OnboardingItem(
        id=f"i{n}",
        title=f"step {n}",
        offset_days=n,
        phase="start",
        first_value=first,
        done=done_on is not None,
        done_on=done_on,
    )


def test_the_kpi_ttv_and_the_checklist_ttv_agree() -> None:
    # Two items marked as first value (data from before the one-milestone rule): both the
    # checklist and the KPI report take the plan's first-value item, not the earliest done.
    plan = _plan(
        _item(1, first=True, done_on=date(2026, 8, 2)),
        _item(2, first=True, done_on=date(2026, 7, 15)),
    )
    assert first_value_day(plan) == date(2026, 8, 2)
    assert plan_ttv(plan) == 32
    account = Account(id="p1", name="Plan KK", stage=Stage.ONBOARDING, contract_start=plan.start)
    report = compute_kpis([account], [], [], [plan], [], Q3)
    ttv = next(v for v in report.values if v.key == "ttv")
    assert ttv.value == pytest.approx(32)
    assert first_value_day(_plan(_item(3, first=True, done_on=None))) is None
