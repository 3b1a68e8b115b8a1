"""Issue 16, "Renewals and periods": bounded GRR, closed periods that never move, future
periods refused, onboardings not yet due, and the churn-based LTV."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from cstui.domain.enums import Outcome, Stage
from cstui.domain.models import Account, InvalidRecord, OnboardingItem, OnboardingPlan, Renewal
from cstui.domain.renewals import (
    KPIConfig,
    Period,
    arr_on,
    compute_kpis,
    default_kpi_config,
    parse_kpi_config,
)
from cstui.workspace import Workspace

OLD = date(2024, 4, 1)


def acc(id: str, arr: int, **kw: Any) -> Account:
    return Account(id=id, name=id.upper(), arr=arr, contract_start=OLD, **kw)


def event(account: str, day: date, outcome: Outcome, arr_due: int, new_arr: int) -> Renewal:
    return Renewal(
        id=f"{account}:{day}",
        account_id=account,
        due=day,
        arr_due=arr_due,
        outcome=outcome,
        new_arr=new_arr,
        closed_on=day,
        churn_reason="budget" if outcome is Outcome.CHURNED else None,
    )


def kpis(accounts: list[Account], renewals: list[Renewal], period: str, **kw: Any) -> Any:
    return compute_kpis(accounts, renewals, [], [], [], Period.parse(period), **kw)


def test_expansion_then_churn_in_one_period_loses_only_the_start_arr() -> None:
    # x: 600,000 at the start, expanded to 900,000 in February, churned in March.
    # y: 400,000 kept. Start 1,000,000; lost 600,000 (x's own start ARR, not 900,000).
    accounts = [acc("x", 900_000, stage=Stage.CHURNED), acc("y", 400_000)]
    renewals = [
        event("x", date(2026, 2, 12), Outcome.EXPANDED, 600_000, 900_000),
        event("x", date(2026, 3, 20), Outcome.CHURNED, 900_000, 0),
    ]
    r = kpis(accounts, renewals, "2026Q1")
    assert r["grr"].value == pytest.approx(40.0)
    assert r["revenue_churn"].value == pytest.approx(60.0)
    assert r["nrr"].value == pytest.approx(40.0)
    assert r["expansion_arr"].value == 0  # the expansion did not survive the period
    assert r["logo_churn"].value == 50.0


def test_arr_on_reads_the_arr_that_held_that_day() -> None:
    a = acc("a", 700_000)
    renewals = [
        event("a", date(2026, 4, 1), Outcome.DOWNGRADED, 500_000, 450_000),
        event("a", date(2026, 9, 1), Outcome.EXPANDED, 450_000, 700_000),
    ]
    assert arr_on(a, date(2026, 3, 31), renewals) == 500_000
    assert arr_on(a, date(2026, 4, 1), renewals) == 450_000
    assert arr_on(a, date(2026, 8, 31), renewals) == 450_000
    assert arr_on(a, date(2026, 12, 1), renewals) == 700_000
    assert arr_on(a, date(2026, 12, 1), []) == 700_000


def test_a_later_upsell_never_changes_a_closed_period(empty_ws: Workspace) -> None:
    ws = empty_ws
    a = ws.create_account(
        {
            "name": "Gamma",
            "arr": 750_000,
            "contract_start": date(2024, 2, 15),
            "renewal_date": date(2027, 2, 15),
        }
    ).id
    ws.create_account({"name": "Delta", "arr": 250_000, "contract_start": date(2025, 1, 1)})
    before = ws.kpi_report("2026Q2").to_json()
    ws.record_renewal_outcome(a, outcome="expanded", new_arr=1_350_000)
    expanded = ws.account(a)
    assert expanded is not None
    assert expanded.arr == 1_350_000
    assert ws.kpi_report("2026Q2").to_json() == before
    ltv = next(k for k in before["kpis"] if k["key"] == "ltv")
    assert ltv["value"] == pytest.approx((750_000 + 250_000) / 2 * 5)


def test_future_periods_are_refused(empty_ws: Workspace, tmp_path: Any) -> None:
    with pytest.raises(InvalidRecord, match="2027Q2 has not started yet"):
        empty_ws.kpi_report("2027Q2")
    with pytest.raises(ValueError, match="has not started"):
        kpis([acc("a", 1)], [], "2026-12", as_of=date(2026, 11, 23))
    assert empty_ws.kpi_report("2026Q4").period.label == "2026Q4"  # the running one is fine

    from cstui.cli import main

    Workspace.open(tmp_path / "d").close()  # an (empty) book: read commands refuse a missing one
    result = CliRunner().invoke(
        main, ["report", "kpis", "--data-dir", str(tmp_path / "d"), "--period", "2028"]
    )
    assert result.exit_code != 0
    assert "2028 has not started yet" in result.output


def _plan(account: str, start: date, done: bool) -> OnboardingPlan:
    return OnboardingPlan(
        id=f"p-{account}",
        account_id=account,
        start=start,
        items=[
            OnboardingItem(
                id="go-live",
                phase="p",
                title="Go live",
                offset_days=20,
                core=True,
                done=done,
                done_on=start + timedelta(days=18) if done else None,
            )
        ],
    )


def test_onboardings_not_yet_due_are_not_failures_in_the_running_period() -> None:
    accounts = [acc("a", 1), acc("b", 1), acc("c", 1)]
    plans = [
        _plan("a", date(2026, 10, 5), True),  # due 10-25, done
        _plan("b", date(2026, 10, 10), False),  # due 10-30, overdue: a failure
        _plan("c", date(2026, 11, 20), False),  # due 12-10: not due yet on 11-23
    ]
    q4 = Period.parse("2026Q4")
    running = compute_kpis(accounts, [], [], plans, [], q4, as_of=date(2026, 11, 23))
    assert running["onboarding_completion"].value == 50.0
    closed = compute_kpis(accounts, [], [], plans, [], q4, as_of=date(2027, 1, 5))
    assert closed["onboarding_completion"].value == pytest.approx(100 / 3)


def test_churn_based_ltv_and_the_note_names_the_form() -> None:
    # Q3: 5 accounts at the start, 1 churned (20 %). Active at the end: 4 × 1,200,000 ARR.
    accounts = [acc(i, 1_200_000) for i in "abcd"] + [acc("e", 1_200_000, stage=Stage.CHURNED)]
    renewals = [event("e", date(2026, 8, 3), Outcome.CHURNED, 1_200_000, 0)]
    cfg = parse_kpi_config('ltv_method = "churn"\ngross_margin = 0.75\n', "t", default_kpi_config())
    r = kpis(accounts, renewals, "2026Q3", config=cfg)
    # 300,000 a quarter × 0.75 ÷ 0.20 = 1,125,000
    assert r["ltv"].value == pytest.approx(1_125_000)
    assert r["ltv"].note.startswith("churn-based")
    assert r["ltv"].parts["years_form"] == pytest.approx(1_200_000 * 5)
    years = kpis(accounts, renewals, "2026Q3")
    assert years["ltv"].note.startswith("years-based")
    assert years["ltv"].value == pytest.approx(6_000_000)
    quiet = kpis(accounts[:4], [], "2026Q3", config=cfg)
    assert quiet["ltv"].value is None
    assert "no churn in 2026Q3" in quiet["ltv"].note
    for bad in ('ltv_method = "forever"', "gross_margin = 0", "gross_margin = 1.5"):
        with pytest.raises(ValueError, match="line 1"):
            parse_kpi_config(bad, "t", default_kpi_config())


# --- properties over generated renewal histories ----------------------------------------------

YEAR_DAYS = [date(2026, 1, 1) + timedelta(days=n) for n in range(365)]


@st.composite
def histories(draw: st.DrawFn) -> tuple[list[Account], list[Renewal]]:
    accounts: list[Account] = []
    renewals: list[Renewal] = []
    for n in range(draw(st.integers(1, 6))):
        aid = f"a{n}"
        arr = draw(st.integers(1, 3_000_000))
        days = sorted(draw(st.sets(st.sampled_from(YEAR_DAYS), max_size=4)))
        stage = Stage.ADOPTION
        for day in days:
            kind = draw(st.sampled_from(list(Outcome)))
            if kind is Outcome.CHURNED:
                renewals.append(event(aid, day, kind, arr, 0))
                stage = Stage.CHURNED
                break
            if kind is Outcome.EXPANDED:
                new = arr + draw(st.integers(1, 2_000_000))
            elif kind is Outcome.DOWNGRADED and arr > 1:
                new = draw(st.integers(1, arr - 1))
            else:
                kind, new = Outcome.RENEWED, arr
            renewals.append(event(aid, day, kind, arr, new))
            arr = new
        accounts.append(acc(aid, arr, stage=stage))
    return accounts, renewals


PERIODS = ["2026Q1", "2026Q2", "2026Q3", "2026Q4", "2026-05", "2026"]


@settings(max_examples=150, deadline=None)
@given(histories())
def test_kpi_bounds_hold_for_any_history(book: tuple[list[Account], list[Renewal]]) -> None:
    accounts, renewals = book
    for label in PERIODS:
        r = kpis(accounts, renewals, label)
        grr, churn, nrr = r["grr"].value, r["revenue_churn"].value, r["nrr"].value
        if grr is None:
            continue
        assert 0 <= grr <= 100 + 1e-9
        assert 0 <= churn <= 100 + 1e-9
        assert grr + churn == pytest.approx(100)
        assert nrr is not None
        assert nrr >= 0
        logo = r["logo_churn"].value
        assert logo is None or 0 <= logo <= 100


@settings(max_examples=100, deadline=None)
@given(histories(), st.sampled_from(YEAR_DAYS[:300]), st.data())
def test_a_later_event_never_changes_a_closed_period(
    book: tuple[list[Account], list[Renewal]], cut: date, data: st.DataObject
) -> None:
    """The book as it stood on ``cut`` and the same book after more events: every period that
    closed before ``cut`` reads the same."""
    accounts, renewals = book
    then = [r for r in renewals if r.closed_on is not None and r.closed_on <= cut]
    then_accounts = []
    for a in accounts:
        own = [r for r in then if r.account_id == a.id]
        churned = any(r.outcome is Outcome.CHURNED for r in own)
        arr = arr_on(a, cut, then) if own else arr_on(a, date(2025, 12, 31), renewals)
        stage = Stage.CHURNED if churned else Stage.ADOPTION
        then_accounts.append(a.model_copy(update={"arr": arr, "stage": stage}))
    closed = [
        p
        for label in ("2026Q1", "2026Q2", "2026Q3", "2026-03", "2026-07")
        if (p := Period.parse(label)).end < cut
    ]
    cfg = KPIConfig(
        churn_reasons=("budget",), ltv_method=data.draw(st.sampled_from(["years", "churn"]))
    )
    for p in closed:
        old = compute_kpis(then_accounts, then, [], [], [], p, config=cfg)
        new = compute_kpis(accounts, renewals, [], [], [], p, config=cfg)
        assert json.dumps(old.to_json(), sort_keys=True) == json.dumps(
            new.to_json(), sort_keys=True
        )
