"""One bad record never blocks the rest: refused batches are split, archived records ask."""

from __future__ import annotations

from pathlib import Path

from cstui.exitcodes import EXIT_ACTION, EXIT_OK, EXIT_PARTIAL
from cstui.sync.conflicts import DELETED
from cstui.sync.meta import get_meta
from cstui.workspace import Workspace

from .conftest import Harness, assert_converged, make_config, seed_local


def _rid(h: Harness, table: str, record_id: str) -> str:
    rid = get_meta(h.store.get(table, record_id, include_deleted=True) or {}, "hubspot")["rid"]
    assert isinstance(rid, str)
    return rid


def test_refused_items_are_isolated_and_the_rest_is_sent(hs: Harness) -> None:
    accounts = seed_local(hs.ws, 4)
    bad = {
        hs.ws.add_task("BAD sign-off", account_id=accounts[1]).id,
        hs.ws.add_task("BAD renewal quote", account_id=accounts[3]).id,
    }
    hs.crm.refuse("tasks", "hs_task_subject", lambda v: "BAD" in v, "Subject contains BAD")
    report = hs.sync()
    assert report.exit_code == EXIT_PARTIAL
    assert {f.record_id for f in report.failures} == bad
    names = {a.id: a.name for a in hs.ws.accounts()}
    for failure in report.failures:
        task = hs.store.get("tasks", failure.record_id) or {}
        assert failure.account == names[task["account_id"]]
        assert "Subject contains BAD" in failure.message
        assert failure.account in failure.describe()
    subjects = {o.props["hs_task_subject"] for o in hs.crm.all("tasks")}
    assert subjects == {f"Send deck {i}" for i in range(4)}  # every good task arrived
    assert len(hs.crm.all("companies")) == 4
    assert len(hs.crm.all("notes")) == 4

    hs.crm.log.clear()
    again = hs.sync()  # the bad items stay pending and do not hold anything back
    assert again.exit_code == EXIT_PARTIAL
    assert {f.record_id for f in again.failures} == bad
    writes = [p for _, p, _ in hs.crm.log if "batch/upsert" in p or "batch/update" in p]
    assert writes
    assert all(p.endswith("tasks/batch/upsert") for p in writes)
    assert hs.service.status().pending == 2

    for task_id in bad:
        hs.ws.store.put("tasks", task_id, {"title": "Fixed"})
    assert hs.sync().exit_code == EXIT_OK
    assert_converged(hs)


def test_a_task_without_a_due_date_syncs_and_comes_back_without_one(
    hs: Harness, tmp_path: Path
) -> None:
    [acc] = seed_local(hs.ws, 1)
    task = hs.ws.add_task("Whenever you can", account_id=acc)
    assert task.due is None
    report = hs.sync()
    assert report.exit_code == EXIT_OK, report.failures
    obj = hs.crm.objects["tasks"][_rid(hs, "tasks", task.id)]
    assert obj.props["hs_timestamp"]  # HubSpot requires one
    other = Workspace.open(tmp_path / "other", user="me")
    try:
        Harness(other, hs.crm, make_config(tmp_path / "o", hs.crm)).sync()
        pulled = other.store.get("tasks", task.id) or {}
        assert pulled["title"] == "Whenever you can"
        assert pulled["due"] is None
    finally:
        other.close()
    # A due date set later in HubSpot is taken.
    hs.crm.update("tasks", obj.id, {"hs_timestamp": "2031-05-01T00:00:00.000Z"})
    hs.sync()
    assert (hs.store.get("tasks", task.id) or {})["due"] == "2031-05-01"


def test_a_company_archived_in_the_crm_becomes_a_conflict_not_an_error_loop(
    hs: Harness,
) -> None:
    gone, kept = seed_local(hs.ws, 2)
    hs.sync()
    gone_rid = _rid(hs, "accounts", gone)
    hs.crm.archive("companies", gone_rid)
    hs.ws.update_account(gone, {"stage": "adoption"})
    hs.ws.update_account(kept, {"stage": "expansion"})
    hs.ws.add_task("Call them", account_id=gone)
    report = hs.sync()
    assert report.failures == []
    assert report.exit_code == EXIT_ACTION
    kept_obj = hs.crm.objects["companies"][_rid(hs, "accounts", kept)]
    assert kept_obj.props["cstui_stage"] == "expansion"  # the rest went through
    [conflict] = hs.service.list_conflicts()
    assert (conflict.kind, conflict.field, conflict.record_id) == ("deleted", DELETED, gone)

    hs.crm.log.clear()
    again = hs.sync()
    assert again.failures == []
    assert again.new_conflicts == 0
    assert again.exit_code == EXIT_ACTION
    assert not [p for _, p, _ in hs.crm.log if "batch/update" in p or "batch/upsert" in p]

    hs.service.resolve(conflict.id, "mine")  # keep it: created again, children relinked
    assert hs.sync().exit_code == EXIT_OK
    new_rid = _rid(hs, "accounts", gone)
    assert new_rid != gone_rid
    assert hs.crm.objects["companies"][new_rid].props["cstui_stage"] == "adoption"
    assert_converged(hs)


def test_deleting_here_a_company_archived_in_the_crm(hs: Harness) -> None:
    gone, _ = seed_local(hs.ws, 2)
    hs.sync()
    hs.crm.archive("companies", _rid(hs, "accounts", gone))
    hs.ws.update_account(gone, {"stage": "adoption"})
    hs.sync()
    [conflict] = hs.service.list_conflicts()
    hs.service.resolve(conflict.id, "theirs")
    assert hs.ws.account(gone) is None
    report = hs.sync()
    assert report.exit_code == EXIT_OK
    assert hs.store.get("accounts", gone, include_deleted=True) is None
    assert len(hs.crm.all("companies")) == 1
