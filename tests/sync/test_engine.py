"""The engine against the fake HubSpot: both directions, idempotency, cursors, paging."""

from __future__ import annotations

import threading

import pytest

from cstui.domain.models import Account, Activity, Task
from cstui.sync.errors import Cancelled, RemoteError, SyncBusy
from cstui.sync.meta import get_meta
from cstui.sync.service import SyncService
from cstui.workspace import Workspace

from .conftest import Harness, assert_converged, seed_local, seed_remote


def test_first_sync_pushes_local_and_pulls_remote_records(hs: Harness) -> None:
    seed_local(hs.ws, 3)
    seed_remote(hs.crm, 2)
    report = hs.sync()
    assert report.created["accounts"] == 2
    assert report.created["activities"] == 2
    assert report.pushed["accounts"] == 3
    assert report.pushed["tasks"] == 3
    assert report.exit_code == 0
    assert_converged(hs)
    note = next(a for a in hs.ws.store.all("activities") if a["summary"].startswith("Met"))
    assert note["summary"] == "Met & talked 0"
    assert note["date"] == "2026-11-20"
    task = next(t for t in hs.ws.store.all("tasks") if t["title"] == "Follow up 0")
    assert task["priority"] == "high"
    assert task["due"] == "2026-12-01"


def test_a_second_sync_changes_nothing_and_writes_nothing(hs: Harness) -> None:
    seed_local(hs.ws, 2)
    seed_remote(hs.crm, 2)
    hs.sync()
    tables = ("accounts", "contacts", "activities", "tasks", "conflicts")
    before = {t: hs.store.all(t, include_deleted=True) for t in tables}
    objects = {k: len(hs.crm.all(k)) for k in ("companies", "contacts", "notes", "tasks")}
    report = hs.sync()
    assert sum(report.pushed.values()) == 0
    assert sum(report.updated.values()) == 0
    assert {k: len(hs.crm.all(k)) for k in objects} == objects
    assert {t: hs.store.all(t, include_deleted=True) for t in tables} == before  # not one write
    assert_converged(hs)


def test_only_changed_fields_are_pushed(hs: Harness) -> None:
    [acc] = seed_local(hs.ws, 1)
    hs.sync()
    hs.ws.update_account(acc, {"stage": "adoption"})
    plan = hs.service.plan(hs.service.adapter(), remote=False)
    assert [(p.table, p.fields) for p in plan.push] == [
        ("accounts", {"stage": ("onboarding", "adoption")})
    ]
    hs.crm.log.clear()
    hs.sync()
    upserts = [p for _, p, _ in hs.crm.log if "/crm/v3/objects" in p and "batch" in p]
    assert upserts == ["/crm/v3/objects/companies/batch/update"]
    rid = get_meta(hs.store.get("accounts", acc) or {}, "hubspot")["rid"]
    assert hs.crm.objects["companies"][rid].props["cstui_stage"] == "adoption"


def test_remote_edits_of_crm_owned_fields_are_taken(hs: Harness) -> None:
    [cid] = seed_remote(hs.crm, 1)
    hs.sync()
    hs.crm.update("companies", cid, {"name": "Renamed Inc", "annualrevenue": "123456.00"})
    report = hs.sync()
    assert report.updated["accounts"] == 1
    [acc] = hs.ws.accounts()
    assert (acc.name, acc.arr) == ("Renamed Inc", 123456)
    assert_converged(hs)


def test_an_edit_made_while_a_push_is_in_flight_stays_pending(
    hs: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    [acc] = seed_local(hs.ws, 1)
    hs.sync()
    hs.ws.update_account(acc, {"stage": "adoption"})
    original = hs.crm._batch_update

    def edit_meanwhile(*args: object, **kwargs: object) -> object:
        result = original(*args, **kwargs)  # type: ignore[arg-type]
        other = Workspace.open(hs.store.data_dir, user="other")  # the app, meanwhile
        other.update_account(acc, {"stage": "expansion"})
        other.close()
        return result

    with monkeypatch.context() as patched:
        patched.setattr(hs.crm, "_batch_update", edit_meanwhile)
        hs.sync()
    hs.ws.poll()
    assert hs.ws.account(acc).stage == "expansion"  # type: ignore[union-attr]
    assert hs.service.status().pending == 1
    hs.sync()
    assert_converged(hs)


def test_children_wait_for_their_company(hs: Harness) -> None:
    [acc] = seed_local(hs.ws, 1)
    hs.crm.fault("500", path="companies/batch/upsert", times=None)
    with pytest.raises(RemoteError, match="kept failing"):
        hs.sync()
    hs.crm.clear_faults()
    assert hs.crm.all("notes") == []  # nothing pushed without its company
    hs.sync()
    assert_converged(hs)
    assert hs.ws.account(acc) is not None


def test_deleting_locally_archives_in_the_crm_and_purges(hs: Harness) -> None:
    ids = seed_local(hs.ws, 2)
    hs.sync()
    task = hs.ws.tasks(ids[0])[0]
    hs.store.delete(Task.table, task.id)
    note = hs.ws.activities(ids[1])[0]
    hs.store.delete(Activity.table, note.id)
    report = hs.sync()
    assert report.deleted["tasks"] == 1
    assert report.deleted["activities"] == 1
    assert hs.store.get(Task.table, task.id, include_deleted=True) is None
    assert_converged(hs)


def test_a_record_deleted_before_its_push_was_recorded_is_archived(hs: Harness) -> None:
    [acc] = seed_local(hs.ws, 1)
    # The push reaches the CRM but its answer is lost; then the user deletes the task.
    hs.crm.fault("reset", path="tasks/batch/upsert", times=None)
    with pytest.raises(RemoteError, match="kept failing"):
        hs.sync()
    hs.crm.clear_faults()
    task = hs.ws.tasks(acc)[0]
    assert get_meta(hs.store.get("tasks", task.id) or {}, "hubspot").get("rid") is None
    assert len(hs.crm.all("tasks")) == 1
    hs.store.delete(Task.table, task.id)
    hs.sync()
    assert hs.crm.all("tasks") == []
    assert_converged(hs)


def test_pull_resumes_from_the_saved_cursor(hs: Harness) -> None:
    seed_remote(hs.crm, 5)
    hs.config.sections["hubspot"]["page_size"] = 2
    hs.sync()
    hs.crm.log.clear()
    new = hs.crm.add("companies", {"name": "Late Corp", "domain": "late.example.com"})
    report = hs.sync()
    assert report.created["accounts"] == 1
    searches = [p for _, p, _ in hs.crm.log if p.endswith("companies/search")]
    assert len(searches) == 1  # only what changed since the cursor
    assert any(get_meta(a, "hubspot").get("rid") == new for a in hs.store.all("accounts"))


def test_paging_survives_records_that_move_while_we_page(
    hs: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = seed_remote(hs.crm, 9)
    hs.config.sections["hubspot"]["page_size"] = 3
    original = hs.crm._search
    calls = {"n": 0}

    def moving(kind: str, body: object) -> object:
        calls["n"] += 1
        if kind == "companies" and calls["n"] == 2:
            hs.crm.update("companies", ids[0], {"name": "Moved Inc"})  # first one goes last
        return original(kind, body)

    with monkeypatch.context() as patched:
        patched.setattr(hs.crm, "_search", moving)
        hs.sync()
    assert len(hs.store.all("accounts")) == 9
    assert_converged(hs)


def test_ties_and_the_search_cap_are_paged_past(
    hs: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cstui.sync.adapters import hubspot

    monkeypatch.setattr(hubspot, "SEARCH_CAP", 10)
    monkeypatch.setattr("tests.sync.fake_crm.SEARCH_CAP", 10)
    hs.crm.freeze_time(1_790_000_000_000)
    for i in range(7):
        hs.crm.add("companies", {"name": f"Tied {i}", "domain": f"tied{i}.example.com"})
    hs.crm.freeze_time(None)
    for i in range(16):
        hs.crm.add("companies", {"name": f"Later {i}", "domain": f"later{i}.example.com"})
    hs.config.sections["hubspot"]["page_size"] = 3
    hs.sync()
    names = sorted(a.name for a in hs.ws.accounts())
    assert len(names) == 23
    assert len(set(names)) == 23
    assert_converged(hs)


def test_only_one_sync_per_data_folder(hs: Harness) -> None:
    with hs.store.named_lock("sync"), pytest.raises(SyncBusy, match="already running"):
        hs.sync()


def test_cancel_stops_between_pages_and_keeps_what_was_done(hs: Harness) -> None:
    seed_remote(hs.crm, 6)
    hs.config.sections["hubspot"]["page_size"] = 2
    cancel = threading.Event()
    seen: list[int] = []
    service = hs.service
    adapter = service.adapter(cancel=cancel)

    def progress(p: object) -> None:
        done = getattr(p, "done", 0)
        seen.append(done)
        if done >= 2:
            cancel.set()

    with pytest.raises(Cancelled):
        service.run(adapter, progress=progress, cancel=cancel)
    adapter.close()
    assert 0 < len(hs.store.all(Account.table)) < 6
    hs.sync()
    assert len(hs.store.all(Account.table)) == 6
    assert_converged(hs)


def test_status_counts_pending_changes_conflicts_and_last_sync(hs: Harness) -> None:
    seed_local(hs.ws, 2)
    status = hs.service.status()
    assert (status.pending, status.conflicts, status.last_sync) == (8, 0, None)
    hs.sync()
    status = hs.service.status(check_running=True)
    assert (status.pending, status.conflicts, status.running) == (0, 0, False)
    assert SyncService(hs.store, hs.config).status().last_sync == status.last_sync
    assert status.last_sync is not None
    assert status.last_result == "ok"


def test_the_pending_count_matches_the_outbox(hs: Harness) -> None:
    ids = seed_local(hs.ws, 3)
    seed_remote(hs.crm, 1)
    hs.sync()
    assert hs.service.status().pending == 0
    hs.ws.update_account(ids[0], {"stage": "renewal"})  # a pushable edit
    hs.ws.update_account(ids[1], {"arr": 5})  # a CRM-owned edit: waits for a decision
    hs.ws.log_activity(ids[2], "New note")  # a new record
    hs.store.delete(Task.table, hs.ws.tasks(ids[2])[0].id)  # a deletion
    plan = hs.service.plan(hs.service.adapter(), remote=False)
    planned = {p.record_id for p in plan.push + plan.waiting + plan.owned_edits}
    assert hs.service.status().pending == len(planned) == 4


def test_a_child_pulled_before_its_new_company_is_fetched_again(
    hs: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_remote(hs.crm, 1)
    original = hs.crm._search
    created: list[str] = []

    def late_company(kind: str, body: object) -> object:
        if kind == "notes" and not created:  # a colleague adds both after our company pull
            company = hs.crm.add("companies", {"name": "Brand New KK", "domain": "new.example.com"})
            note = hs.crm.add("notes", {"hs_note_body": "First call", "hs_timestamp": "2026-11-22"})
            hs.crm.associate("notes", note, "companies", company)
            created.append(note)
        return original(kind, body)

    with monkeypatch.context() as patched:
        patched.setattr(hs.crm, "_search", late_company)
        report = hs.sync()
    assert report.skipped == 1
    assert not any(a["summary"] == "First call" for a in hs.store.all("activities"))
    hs.crm.log.clear()
    hs.sync()
    assert any(p.endswith("notes/batch/read") for _, p, _ in hs.crm.log)
    assert any(a["summary"] == "First call" for a in hs.store.all("activities"))
    assert_converged(hs)
