"""Issue 16, "A closed period is computed from the ARR that held then": ARR edits made on the
account (a form, an import, a CRM pull) are kept as history, and every "ARR on day X" reads
them with the renewal outcomes, so a later edit never rewrites a closed period."""

from __future__ import annotations

import io
import json
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cstui import clock
from cstui.domain.enums import Outcome, Stage
from cstui.domain.history import AccountChange, changes_between, value_on
from cstui.domain.models import Account, Renewal
from cstui.domain.renewals import (
    KPIConfig,
    Period,
    arr_on,
    compute_kpis,
    implied_renewals,
)
from cstui.store import Change
from cstui.sync.hub import travels
from cstui.sync.schema import DEFAULT_TABLES
from cstui.workspace import Workspace, imports
from cstui.workspace.imports import import_accounts

OLD = date(2023, 7, 1)


def acc(id: str, arr: int, **kw: Any) -> Account:
    return Account(id=id, name=id.upper(), arr=arr, contract_start=OLD, **kw)


def edit(account: str, day: date, old: int, new: int, n: int = 0) -> AccountChange:
    return AccountChange(
        id=f"h{day.isoformat()}{account}{n}",
        account_id=account,
        day=day,
        field="arr",
        old=old,
        new=new,
        source="edit",
    )


def outcome(account: str, day: date, kind: Outcome, arr_due: int, new_arr: int) -> Renewal:
    return Renewal(
        id=f"{account}:{day}",
        account_id=account,
        due=day,
        arr_due=arr_due,
        outcome=kind,
        new_arr=new_arr,
        closed_on=day,
        churn_reason="budget" if kind is Outcome.CHURNED else None,
    )


# --- the domain rule ---------------------------------------------------------------------


def test_arr_on_reads_edits_and_outcomes_in_day_order() -> None:
    # 320,000 until an edit on 10 May (→ 410,000), renewed up on 1 Aug (→ 480,000), edited
    # down on 2 Oct (→ 455,000): today's ARR is 455,000.
    a = acc("a", 455_000)
    renewals = [outcome("a", date(2026, 8, 1), Outcome.EXPANDED, 410_000, 480_000)]
    history = [
        edit("a", date(2026, 5, 10), 320_000, 410_000),
        edit("a", date(2026, 10, 2), 480_000, 455_000),
    ]
    assert arr_on(a, date(2026, 3, 31), renewals, history) == 320_000
    assert arr_on(a, date(2026, 5, 10), renewals, history) == 410_000
    assert arr_on(a, date(2026, 7, 31), renewals, history) == 410_000
    assert arr_on(a, date(2026, 9, 30), renewals, history) == 480_000
    assert arr_on(a, date(2026, 11, 1), renewals, history) == 455_000
    # Another account's history and the stage's are not this account's ARR.
    other = edit("b", date(2026, 1, 5), 1, 2)
    stage = AccountChange(
        id="s1", account_id="a", day=date(2026, 2, 1), field="stage", old="onboarding", new="won"
    )
    assert arr_on(a, date(2026, 3, 31), [], [other, stage]) == 455_000
    # A book without history reads as before: the outcomes, else today's ARR.
    assert arr_on(a, date(2026, 3, 31), renewals) == 410_000
    assert arr_on(a, date(2026, 3, 31), []) == 455_000


def test_value_on_and_changes_between() -> None:
    made = iter(["c1", "c2", "c3"])
    before = {"arr": 90_000, "stage": "onboarding", "currency": "USD", "name": "Old"}
    after = {"arr": 125_000, "stage": "adoption", "name": "New"}
    changes = changes_between(
        "x", before, after, date(2026, 6, 3), source="edit", new_id=lambda: next(made)
    )
    assert [(c.field, c.old, c.new) for c in changes] == [
        ("arr", 90_000, 125_000),
        ("stage", "onboarding", "adoption"),
    ]
    assert changes_between("x", {}, after, date(2026, 6, 3), source="edit", new_id=str) == []
    assert value_on(changes, "x", "stage", date(2026, 6, 2), "adoption") == "onboarding"
    assert value_on(changes, "x", "stage", date(2026, 6, 3), "renewal") == "adoption"
    assert value_on(changes, "x", "currency", date(2026, 6, 3), "USD") == "USD"


def test_implied_past_renewals_use_the_arr_of_their_day() -> None:
    # Contract from 2023-07-01, renewing on 1 July; edited from 260,000 to 300,000 in March.
    a = acc("a", 300_000, renewal_date=date(2027, 7, 1))
    history = [edit("a", date(2026, 3, 9), 260_000, 300_000)]
    implied = implied_renewals([a], [], today=date(2026, 11, 23), history=history)
    arr = {r.due: r.arr_due for r in implied}
    assert arr[date(2026, 7, 1)] == 300_000
    assert arr[date(2025, 7, 1)] == 260_000
    assert arr[date(2024, 7, 1)] == 260_000


# --- the property: a later event never changes a closed period ------------------------------

YEAR_DAYS = [date(2026, 1, 1) + timedelta(days=n) for n in range(365)]
KINDS = ["edit", *Outcome]


@st.composite
def books(draw: st.DrawFn) -> tuple[list[Account], list[Renewal], list[AccountChange], date]:
    """Accounts whose ARR moves by edits and renewal outcomes, each event starting from the
    ARR the previous one left (as the workspace writes them); plus a cut day."""
    accounts: list[Account] = []
    renewals: list[Renewal] = []
    history: list[AccountChange] = []
    for n in range(draw(st.integers(1, 5))):
        aid = f"k{n}"
        arr = draw(st.integers(0, 2_500_000))
        stage = Stage.ADOPTION
        for day in sorted(draw(st.sets(st.sampled_from(YEAR_DAYS), max_size=5))):
            kind = draw(st.sampled_from(KINDS))
            if kind == "edit":
                new = draw(st.integers(0, 4_000_000).filter(arr.__ne__))
                history.append(edit(aid, day, arr, new, len(history)))
            elif kind is Outcome.CHURNED:
                renewals.append(outcome(aid, day, Outcome.CHURNED, arr, 0))
                stage = Stage.CHURNED
                break
            else:
                new = draw(st.integers(0, 4_000_000))
                kind = (
                    Outcome.EXPANDED
                    if new > arr
                    else Outcome.DOWNGRADED
                    if new < arr
                    else Outcome.RENEWED
                )
                renewals.append(outcome(aid, day, kind, arr, new))
            arr = new
        accounts.append(acc(aid, arr, stage=stage))
    cut = draw(st.sampled_from(YEAR_DAYS[10:330]))
    return accounts, renewals, history, cut


def as_it_stood(
    accounts: list[Account], renewals: list[Renewal], history: list[AccountChange], cut: date
) -> tuple[list[Account], list[Renewal], list[AccountChange]]:
    """The book on ``cut``: events after it not yet happened, each account at its ARR then."""
    then_r = [r for r in renewals if r.closed_on is not None and r.closed_on <= cut]
    then_h = [c for c in history if c.day <= cut]
    then_a = []
    for a in accounts:
        churned = any(r.account_id == a.id and r.outcome is Outcome.CHURNED for r in then_r)
        # A churn leaves the account's ARR as it was (the outcome says 0).
        arr = a.arr if churned else arr_on(a, cut, renewals, history)
        stage = Stage.CHURNED if churned else Stage.ADOPTION
        then_a.append(a.model_copy(update={"arr": arr, "stage": stage}))
    return then_a, then_r, then_h


@settings(max_examples=150, deadline=None)
@given(books(), st.sampled_from(["years", "churn"]))
def test_a_later_edit_or_outcome_never_changes_a_closed_period(
    book: tuple[list[Account], list[Renewal], list[AccountChange], date], method: str
) -> None:
    accounts, renewals, history, cut = book
    then_a, then_r, then_h = as_it_stood(accounts, renewals, history, cut)
    cfg = KPIConfig(churn_reasons=("budget",), ltv_method=method)
    labels = ("2026Q1", "2026Q2", "2026Q3", "2026-02", "2026-06", "2026-09")
    closed = [p for label in labels if (p := Period.parse(label)).end < cut]
    for p in closed:
        old = compute_kpis(then_a, then_r, [], [], [], p, config=cfg, history=then_h)
        new = compute_kpis(accounts, renewals, [], [], [], p, config=cfg, history=history)
        assert json.dumps(old.to_json(), sort_keys=True) == json.dumps(
            new.to_json(), sort_keys=True
        )


# --- the workspace keeps the history --------------------------------------------------------


def kpi(ws: Workspace, period: str, key: str) -> Any:
    return next(k for k in ws.kpi_report(period).to_json()["kpis"] if k["key"] == key)


def two_accounts(ws: Workspace) -> tuple[str, str]:
    a = ws.create_account(
        {"name": "Kestrel", "arr": 840_000, "contract_start": date(2024, 9, 1), "stage": "adoption"}
    ).id
    b = ws.create_account(
        {"name": "Osprey", "arr": 160_000, "contract_start": date(2025, 2, 1), "stage": "adoption"}
    ).id
    return a, b


def test_an_arr_edit_keeps_closed_periods_and_moves_the_running_one(
    empty_ws: Workspace,
) -> None:
    ws = empty_ws
    a, _ = two_accounts(ws)
    closed_before = ws.kpi_report("2026Q2").to_json()
    assert kpi(ws, "2026Q2", "ltv")["value"] == pytest.approx((840_000 + 160_000) / 2 * 5)
    ws.update_account(a, {"arr": 1_240_000, "stage": "expansion"})
    assert ws.kpi_report("2026Q2").to_json() == closed_before
    assert kpi(ws, "2026Q4", "ltv")["value"] == pytest.approx((1_240_000 + 160_000) / 2 * 5)
    assert kpi(ws, "2026Q4", "nrr")["value"] == pytest.approx(140.0)
    kept = ws.account_history(a)
    assert [(c.field, c.old, c.new, c.day, c.source) for c in kept] == [
        ("arr", 840_000, 1_240_000, clock.today(), "edit"),
        ("stage", "adoption", "expansion", clock.today(), "edit"),
    ]
    # One undo takes back the edit and its history together.
    ws.undo()
    assert ws.account_history(a) == []
    account = ws.account(a)
    assert account is not None
    assert account.arr == 840_000


def test_an_edit_that_changes_no_tracked_field_keeps_no_history(empty_ws: Workspace) -> None:
    a, _ = two_accounts(empty_ws)
    empty_ws.update_account(a, {"owner": "mika", "arr": 840_000})
    assert empty_ws.account_history() == []


def test_an_import_that_changes_arr_keeps_history(empty_ws: Workspace) -> None:
    ws = empty_ws
    a, b = two_accounts(ws)
    before = ws.kpi_report("2026Q1").to_json()
    csv = f"id,name,arr\n{a},Kestrel,990000\n{b},Osprey,160000\n"
    report = import_accounts(ws, io.StringIO(csv))
    assert not report.errors
    assert report.updated == 1
    assert [(c.account_id, c.old, c.new, c.source) for c in ws.account_history()] == [
        (a, 840_000, 990_000, "import")
    ]
    assert ws.kpi_report("2026Q1").to_json() == before


def test_a_renewal_outcome_keeps_the_stage_it_moves_on_its_day(empty_ws: Workspace) -> None:
    ws = empty_ws
    a, _ = two_accounts(ws)
    ws.record_renewal_outcome(
        a,
        outcome="churned",
        churn_reason="budget",
        closed_on=date(2026, 8, 14),
        due=date(2026, 9, 1),
    )
    (change,) = ws.account_history(a)
    assert (change.field, change.old, change.new, change.day) == (
        "stage",
        "adoption",
        "churned",
        date(2026, 8, 14),
    )


def test_the_history_travels_through_the_hub_and_never_to_the_crm() -> None:
    assert travels(AccountChange.table)
    assert AccountChange.table not in {t.table for t in DEFAULT_TABLES}


def test_an_imported_change_and_its_history_commit_together(
    empty_ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = empty_ws
    a, b = two_accounts(ws)
    seen: list[Change] = []
    ws.store.subscribe(seen.extend)
    # Chunks of 3 operations; each update with its history is 2: the second would be split.
    monkeypatch.setattr(imports, "IMPORT_CHUNK", 3)
    csv = f"id,name,arr,stage\n{a},Kestrel,870000,adoption\n{b},Osprey,170000,adoption\n"
    csv += ",Harrier,50000,onboarding\n,Merlin,60000,onboarding\n"
    assert not import_accounts(ws, io.StringIO(csv)).errors
    commits: dict[str, set[tuple[str, str]]] = {}
    for ch in seen:
        key = ch.set.get("account_id", ch.id) if ch.table == AccountChange.table else ch.id
        commits.setdefault(ch.op_id, set()).add((ch.table, key))
    for account in (a, b):
        (commit,) = [c for c in commits.values() if ("accounts", account) in c]
        assert (AccountChange.table, account) in commit
