"""Three-way merge: different fields merge, the same field becomes a conflict to decide."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cstui.sync.conflicts import ResolveError
from cstui.sync.meta import get_meta

from .conftest import Harness, assert_converged, seed_local


def _rid(h: Harness, table: str, local_id: str) -> str:
    return str(get_meta(h.store.get(table, local_id) or {}, "hubspot")["rid"])


def _remote(h: Harness, kind: str, rid: str) -> dict[str, Any]:
    return h.crm.objects[kind][rid].props


def test_different_fields_changed_on_each_side_merge_silently(hs: Harness) -> None:
    [acc] = seed_local(hs.ws, 1)
    hs.sync()
    rid = _rid(hs, "accounts", acc)
    hs.ws.update_account(acc, {"stage": "expansion"})  # ours
    hs.crm.update("companies", rid, {"name": "Renamed KK"})  # theirs
    task = hs.ws.tasks(acc)[0]
    hs.ws.complete_task(task.id)  # ours: done
    hs.crm.update("tasks", _rid(hs, "tasks", task.id), {"hs_task_subject": "Send the deck"})
    report = hs.sync()
    assert report.open_conflicts == 0
    assert report.exit_code == 0
    account = hs.ws.account(acc)
    assert account is not None
    assert (account.name, account.stage) == ("Renamed KK", "expansion")
    assert _remote(hs, "companies", rid)["cstui_stage"] == "expansion"
    assert _remote(hs, "tasks", _rid(hs, "tasks", task.id))["hs_task_status"] == "COMPLETED"
    assert_converged(hs)


def _same_field_conflict(h: Harness) -> tuple[str, str]:
    [acc] = seed_local(h.ws, 1)
    h.sync()
    rid = _rid(h, "accounts", acc)
    h.ws.update_account(acc, {"stage": "expansion"})
    h.crm.update("companies", rid, {"cstui_stage": "renewal"})
    report = h.sync()
    assert report.new_conflicts == 1
    assert report.exit_code == 3
    return acc, rid


def test_the_same_field_changed_on_both_sides_is_a_conflict_not_a_loss(hs: Harness) -> None:
    acc, rid = _same_field_conflict(hs)
    [c] = hs.service.list_conflicts()
    assert (c.table, c.field, c.base, c.mine, c.theirs) == (
        "accounts",
        "stage",
        "onboarding",
        "expansion",
        "renewal",
    )
    # Neither side was overwritten while it is open, and other fields still sync.
    assert hs.ws.account(acc).stage == "expansion"  # type: ignore[union-attr]
    assert _remote(hs, "companies", rid)["cstui_stage"] == "renewal"
    hs.crm.update("companies", rid, {"name": "Still Syncing KK"})
    hs.sync()
    assert hs.ws.account(acc).name == "Still Syncing KK"  # type: ignore[union-attr]
    # Found again: still one conflict, with their newest value.
    hs.crm.update("companies", rid, {"cstui_stage": "advocacy"})
    hs.sync()
    [again] = hs.service.list_conflicts()
    assert again.id == c.id
    assert again.theirs == "advocacy"


@pytest.mark.parametrize(
    ("choice", "value", "expected"),
    [("mine", None, "expansion"), ("theirs", None, "renewal"), ("edit", "adoption", "adoption")],
)
def test_each_resolution_settles_both_sides(
    hs: Harness, choice: str, value: str | None, expected: str
) -> None:
    acc, rid = _same_field_conflict(hs)
    [c] = hs.service.list_conflicts()
    hs.service.resolve(c.id, choice, value)
    assert hs.service.list_conflicts() == []
    report = hs.sync()
    assert report.exit_code == 0
    assert hs.ws.account(acc).stage == expected  # type: ignore[union-attr]
    assert _remote(hs, "companies", rid)["cstui_stage"] == expected
    assert hs.sync().open_conflicts == 0
    assert_converged(hs)


def test_an_invalid_edit_is_refused_and_changes_nothing(hs: Harness) -> None:
    _same_field_conflict(hs)
    [c] = hs.service.list_conflicts()
    with pytest.raises(ResolveError, match="Stage"):
        hs.service.resolve(c.id, "edit", "not-a-stage")
    with pytest.raises(ResolveError, match="no open conflict"):
        hs.service.resolve("nope", "mine")
    assert [x.id for x in hs.service.list_conflicts()] == [c.id]


def test_editing_a_crm_owned_field_locally_asks_instead_of_pushing(hs: Harness) -> None:
    [acc] = seed_local(hs.ws, 1)
    hs.sync()
    rid = _rid(hs, "accounts", acc)
    hs.ws.update_account(acc, {"arr": 999_000})  # ARR belongs to the CRM
    plan = hs.service.plan(hs.service.adapter(), remote=False)
    assert plan.push == []
    assert [p.fields for p in plan.owned_edits] == [{"arr": (1000, 999_000)}]
    report = hs.sync()
    assert report.exit_code == 3
    [c] = hs.service.list_conflicts()
    assert (c.kind, c.mine, c.theirs) == ("owned", 999_000, 1000)
    assert _remote(hs, "companies", rid)["annualrevenue"] == "1000"
    hs.service.resolve(c.id, "mine")  # push it anyway, deliberately
    hs.sync()
    assert _remote(hs, "companies", rid)["annualrevenue"] == "999000"
    assert hs.sync().exit_code == 0
    assert_converged(hs)


def test_a_conflict_on_a_crm_owned_field_taking_theirs_reverts_locally(hs: Harness) -> None:
    [acc] = seed_local(hs.ws, 1)
    hs.sync()
    rid = _rid(hs, "accounts", acc)
    hs.ws.update_account(acc, {"name": "Mine KK"})
    hs.crm.update("companies", rid, {"name": "Theirs KK"})
    hs.sync()
    [c] = hs.service.list_conflicts()
    assert c.kind == "both"
    hs.service.resolve(c.id, "theirs")
    hs.sync()
    assert hs.ws.account(acc).name == "Theirs KK"  # type: ignore[union-attr]
    assert_converged(hs)


def test_reverting_the_local_edit_dissolves_the_conflict(hs: Harness) -> None:
    acc, rid = _same_field_conflict(hs)
    hs.ws.update_account(acc, {"stage": "onboarding"})  # back to the agreed value
    hs.crm.update("companies", rid, {"name": "Touch KK"})
    hs.sync()
    assert hs.service.list_conflicts() == []
    assert hs.ws.account(acc).stage == "renewal"  # type: ignore[union-attr]


STAGES = ["onboarding", "adoption", "expansion", "renewal"]


@pytest.mark.slow
@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    mine=st.sampled_from([None, *STAGES]),
    theirs=st.sampled_from([None, *STAGES]),
    name=st.sampled_from([None, "Other KK"]),
)
def test_merge_rules_hold_for_any_combination(
    hs: Harness, mine: str | None, theirs: str | None, name: str | None
) -> None:
    """Property: nothing is lost; agreeing or one-sided changes never conflict."""
    for c in hs.service.list_conflicts():
        hs.service.resolve(c.id, "theirs")
    hs.sync()
    acc = hs.ws.accounts()[0].id if hs.ws.accounts() else seed_local(hs.ws, 1)[0]
    hs.sync()
    rid = _rid(hs, "accounts", acc)
    start = hs.ws.account(acc).stage  # type: ignore[union-attr]
    if mine is not None:
        hs.ws.update_account(acc, {"stage": mine})
    if theirs is not None:
        hs.crm.update("companies", rid, {"cstui_stage": theirs})
    if name is not None:
        hs.crm.update("companies", rid, {"name": name})
    hs.sync()
    local = hs.ws.account(acc)
    remote = _remote(hs, "companies", rid)
    changed_mine = mine is not None and mine != start
    changed_theirs = theirs is not None and theirs != start
    conflicts = hs.service.list_conflicts()
    if changed_mine and changed_theirs and mine != theirs:
        assert [c.field for c in conflicts] == ["stage"]
        assert local is not None
        assert local.stage == mine
        assert remote["cstui_stage"] == theirs
    else:
        assert conflicts == []
        want = mine if changed_mine else theirs if changed_theirs else start
        assert local is not None
        assert local.stage == want
        assert remote["cstui_stage"] == want
    if name is not None:
        assert local is not None
        assert local.name == name
