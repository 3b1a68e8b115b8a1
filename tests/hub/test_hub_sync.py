"""Issue: every table travels between a laptop and the team server, both ways."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cstui.exitcodes import EXIT_ACTION, EXIT_DATA
from cstui.store import Store
from cstui.sync.hub import ADAPTER

from .conftest import Team


def _first(store: Store, table: str, **where: Any) -> dict[str, Any]:
    for rec in store.scan(table):
        if all(rec.get(k) == v for k, v in where.items()):
            return store.get(table, rec["id"]) or {}
    raise AssertionError(f"no {table} record like {where}")


def _edit_everything(store: Store) -> dict[tuple[str, str], dict[str, Any]]:
    """One offline edit of each data kind the issue lists; returns what must travel."""
    want: dict[tuple[str, str], dict[str, Any]] = {}

    def put(table: str, rid: str, values: dict[str, Any]) -> None:
        store.put(table, rid, values)
        want[(table, rid)] = values

    plan = _first(store, "onboarding")
    items = plan["items"]
    items[0] = {**items[0], "done": True, "done_on": "2026-03-02"}
    put("onboarding", plan["id"], {"items": items})
    sp = _first(store, "success_plans")
    objectives = sp.get("objectives") or []
    objectives.append(
        {
            "id": "obj-field",
            "title": "Cut onboarding time",
            "kpi": {
                "name": "days",
                "unit": "d",
                "baseline": 30,
                "target": 10,
                "history": [{"date": "2026-03-01", "value": 21.0}],
            },
        }
    )
    put("success_plans", sp["id"], {"objectives": objectives, "goal": "Field goal"})
    account = _first(store, "accounts")
    aid = account["id"]
    put(
        "qbrs",
        "qbr-field",
        {
            "account_id": aid,
            "period": "2026Q1",
            "sections": {"summary": "Drafted at the customer's site"},
        },
    )
    put(
        "surveys",
        "survey-field",
        {"account_id": aid, "kind": "nps", "date": "2026-03-01", "score": 9, "comment": "great"},
    )
    put("requests", "request-field", {"title": "Bulk export", "account_ids": [aid]})
    put(
        "renewals",
        f"{aid}:2026-04-01",
        {"account_id": aid, "due": "2026-04-01", "outcome": "renewed"},
    )
    put(
        "account_history",
        "history-field",
        {"account_id": aid, "day": "2026-03-01", "field": "arr", "old": 1000, "new": 1200},
    )
    put(
        "ratings",
        aid,
        {
            "account_id": aid,
            "stars": 2,
            "score": None,
            "reason": "exec left",
            "by": "laptop",
            "at": "2026-03-01T10:00:00",
        },
    )
    put(
        "accounts",
        aid,
        {"tier": "high", "seats": 321, "tags": ["field", "渋谷"], "contract_start": "2025-04-01"},
    )
    act = _first(store, "activities")
    put("activities", act["id"], {"kind": "call", "sentiment": "negative"})
    task = _first(store, "tasks")
    put("tasks", task["id"], {"owner": "kim"})
    contact = _first(store, "contacts")
    put("contacts", contact["id"], {"role": "champion"})
    return want


def test_every_kind_travels_to_the_hub_and_the_other_laptop(team: Team) -> None:
    with team.store(team.a) as a:
        want = _edit_everything(a)
        gone = next(t["id"] for t in a.scan("tasks") if ("tasks", t["id"]) not in want)
        a.delete("tasks", gone)
    team.round()
    team.sync(team.b)
    for folder in (team.hub, team.b):
        with team.store(folder) as s:
            for (table, rid), values in want.items():
                rec = s.get(table, rid)
                assert rec is not None, (folder.name, table, rid)
                for name, value in values.items():
                    assert rec.get(name) == value, (folder.name, table, rid, name)
            assert s.get("tasks", gone) is None, folder.name
            assert s.get("tasks", gone, include_deleted=True) is not None
    with team.store(team.b) as b:
        assert b.count("conflicts") == 0


def test_hub_edits_reach_laptops_live_and_different_fields_merge(team: Team) -> None:
    with team.store(team.hub) as hub:
        account = _first(hub, "accounts")
        aid = account["id"]
        hub.put("accounts", aid, {"seats": 7})
    with team.store(team.a) as a:
        a.put("accounts", aid, {"tags": ["merged"]})
    team.round()
    for folder in (team.hub, team.a, team.b):
        rec = team.get(folder, "accounts", aid)
        assert rec is not None, folder
        assert rec["seats"] == 7, folder
        assert rec["tags"] == ["merged"], folder


def test_same_field_on_both_laptops_is_one_conflict(team: Team) -> None:
    with team.store(team.a) as a:
        aid = _first(a, "accounts")["id"]
        a.put("accounts", aid, {"seats": 100})
    with team.store(team.b) as b:
        b.put("accounts", aid, {"seats": 200})
    team.sync(team.a)
    done = team.run("sync", "--data-dir", str(team.b), "--quiet")
    assert done.returncode == EXIT_ACTION, done.stdout + done.stderr
    with team.store(team.b) as b:
        conflicts = [c for c in b.all("conflicts") if c["adapter"] == ADAPTER]
        assert len(conflicts) == 1
        c = conflicts[0]
        assert (c["table"], c["record_id"], c["field"]) == ("accounts", aid, "seats")
        assert (c["mine"], c["theirs"]) == (200, 100)
        mine = b.get("accounts", aid)
        assert mine is not None
        assert mine["seats"] == 200
    listed = team.run("sync", "--data-dir", str(team.b), "--conflicts")
    assert c["id"] in listed.stdout
    assert team.get(team.hub, "accounts", aid)["seats"] == 100
    # keep mine: the hub and then a take 200
    done = team.run("sync", "--data-dir", str(team.b), "--resolve", f"{c['id']}=mine", "-q")
    assert done.returncode == 0, done.stderr
    team.sync(team.a)
    for folder in (team.hub, team.a, team.b):
        assert team.get(folder, "accounts", aid)["seats"] == 200, folder
    with team.store(team.b) as b:
        assert b.count("conflicts") == 0


def test_deletion_on_a_laptop_removes_the_record_everywhere(team: Team) -> None:
    with team.store(team.a) as a:
        contact = _first(a, "contacts")["id"]
        a.delete("contacts", contact)
    with team.store(team.b) as b:
        assert b.get("contacts", contact) is not None
    team.round()
    team.sync(team.b)
    for folder in (team.hub, team.a, team.b):
        with team.store(folder) as store:
            assert store.get("contacts", contact) is None, folder


def test_same_generated_cadence_task_on_both_laptops_is_one_task(team: Team) -> None:
    with team.store(team.a) as a:
        aid = _first(a, "accounts")["id"]
    task_id = f"cadence:{aid}:exec_report:2026-06-30"
    fields = {
        "account_id": aid,
        "title": "Executive report",
        "due": "2026-06-30",
        "source": "cadence",
        "key": f"cadence:{aid}:exec_report",
        "owner": "sato",
    }
    for folder in (team.a, team.b):
        with team.store(folder) as s:
            s.put("tasks", task_id, fields)
    with team.store(team.a) as a:
        a.put("tasks", task_id, {"done": True, "done_on": "2026-06-01"})  # a finished it
    team.round()
    team.sync(team.b)
    for folder in (team.hub, team.a, team.b):
        with team.store(folder) as s:
            same = [t for t in s.scan("tasks") if t.get("key") == f"cadence:{aid}:exec_report"]
            assert [t["id"] for t in same] == [task_id], folder
            assert same[0]["done"] is True, folder
            assert s.count("conflicts") == 0


def test_clone_refuses_another_book_and_reruns(team: Team, tmp_path: Path) -> None:
    done = team.run("clone", str(team.hub), str(team.a))
    assert done.returncode == 0, done.stderr  # already a clone of this hub: fine
    other = tmp_path / "other"
    from cstui.demo.build import build_demo

    build_demo(other, accounts=2, seed=9, user="x")
    done = team.run("clone", str(team.hub), str(other))
    assert done.returncode == EXIT_DATA
    assert "another book" in done.stderr or "already holds" in done.stderr
    assert done.stderr.count("\n") == 1


def test_clear_errors_for_a_wrong_hub(team: Team, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    done = team.run("clone", str(empty), str(tmp_path / "c1"))
    assert done.returncode == EXIT_DATA, done.stderr
    assert "not a cstui data folder" in done.stderr
    assert list(empty.iterdir()) == []  # nothing created on the hub
    assert not (tmp_path / "c1" / "cstui.json").exists()
    done = team.run("clone", str(tmp_path / "missing"), str(tmp_path / "c2"))
    assert done.returncode == EXIT_DATA
    assert "does not exist" in done.stderr
    assert not (tmp_path / "missing").exists()


def test_other_protocol_version_is_refused(team: Team) -> None:
    import pytest

    from cstui.sync.hub import Connection, ProtocolMismatch, Remote

    with pytest.raises(ProtocolMismatch, match="protocol"):
        Connection(Remote.parse(str(team.hub)), protocol=999)


def test_status_shows_the_hub_and_pending_changes(team: Team) -> None:
    with team.store(team.a) as a:
        aid = _first(a, "accounts")["id"]
        a.put("accounts", aid, {"seats": 5})
        a.put("accounts", aid, {"seats": 6})
    done = team.run("sync", "--data-dir", str(team.a), "--status")
    assert "Hub: " + str(team.hub) in done.stdout
    assert "Pending changes: 1" in done.stdout
    team.sync(team.a)
    done = team.run("sync", "--data-dir", str(team.a), "--status")
    assert "Pending changes: 0" in done.stdout
    assert "Last sync: never" not in done.stdout


def test_the_app_door_syncs_with_the_hub_and_reports_its_status(
    team: Team, monkeypatch: Any
) -> None:
    """What `Y` and the status line call: the hub first, no CRM set up on this laptop."""
    from cstui.workspace import Workspace

    monkeypatch.setenv("CSTUI_CONFIG_DIR", team.env["CSTUI_CONFIG_DIR"])
    monkeypatch.delenv("CSTUI_HUBSPOT_TOKEN", raising=False)
    ws = Workspace.open(team.a, user="laptop")
    try:
        assert ws.has_hub()
        assert ws.sync_setup_problem() is None  # the hub needs no CRM token
        aid = next(iter(ws.store.scan("accounts")))["id"]
        ws.store.put("accounts", aid, {"seats": 77})
        before = ws.sync_status()
        assert before.adapter == "hub"
        assert before.pending >= 1
        assert before.last_sync is None
        report = ws.run_sync()
        assert report.pushed["hub"] >= 1
        assert report.exit_code == 0
        assert report.seconds > 0  # timed, not read off the clock the tests freeze
        after = ws.sync_status()
        assert after.pending == 0
        assert after.last_sync is not None
        assert after.last_result == "ok"
    finally:
        ws.close()
    assert team.get(team.hub, "accounts", aid)["seats"] == 77


def test_a_clone_keeps_the_portfolios_rows_for_its_first_start(
    team: Team, monkeypatch: Any
) -> None:
    """The laptop's first start after `cstui clone` reads the rows the clone kept, not the
    accounts and health tables (about 0.6 s of a 50,000-account start)."""
    from cstui.workspace import Workspace
    from cstui.workspace.rows_cache import kept_rows_path

    monkeypatch.setenv("CSTUI_CACHE_DIR", team.env["CSTUI_CACHE_DIR"])
    assert kept_rows_path(team.a).exists()
    streamed: list[str] = []
    stream = Store.stream

    def counting(store: Store, table: str) -> Any:
        streamed.append(table)
        return stream(store, table)

    monkeypatch.setattr(Store, "stream", counting)
    ws = Workspace.open(team.a)
    try:
        rows = ws.portfolio()
        assert streamed == []
    finally:
        ws.store.close(checkpoint=False)
    with team.store(team.hub) as hub:
        assert {row.id for row in rows} == {r["id"] for r in hub.scan("accounts")}
