"""One voice per value: mirrors never flip between folders; generated records merge."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from cstui import clock
from cstui.sync.config import load_sync_config
from cstui.sync.meta import get_meta
from cstui.workspace import Workspace

from .conftest import Harness, make_config
from .fake_crm import FakeCRM


def _values(crm: FakeCRM) -> dict[str, dict[str, str]]:
    return {o.id: dict(o.props) for o in crm.all("companies")}


def _two_folders(tmp_path: Path, crm: FakeCRM, **b_options: object) -> tuple[Harness, Harness]:
    a = Harness(Workspace.open(tmp_path / "a", user="me"), crm, make_config(tmp_path / "ca", crm))
    b_config = make_config(tmp_path / "cb", crm)
    for key, value in b_options.items():
        setattr(b_config, key, value)
    b = Harness(Workspace.open(tmp_path / "b", user="me"), crm, b_config)
    return a, b


def _scores(h: Harness, score: int, plans: bool) -> None:
    for acc in h.ws.accounts():
        h.ws.set_rating(acc.id, score=score, reason="test")
        if plans:
            h.ws.create_success_plan(acc.id, goal=f"Goal of {acc.name}")


def test_alternating_folders_never_flip_a_crm_value(tmp_path: Path, crm: FakeCRM) -> None:
    a, b = _two_folders(tmp_path, crm)
    try:
        for i in range(4):
            a.ws.create_account({"name": f"Shared {i} KK"})
        a.sync()
        b.sync()
        _scores(a, 70, plans=True)
        _scores(b, 40, plans=False)  # its own scores, and no success plans at all
        a.sync()
        b.sync()  # the first round: each pushes what it has not pushed before
        settled = _values(crm)
        assert all(v["cstui_success_plan"].startswith("Goal of") for v in settled.values())
        assert {v["cstui_health_score"] for v in settled.values()} == {"40"}  # B's came last
        for _ in range(5):
            assert a.sync().pushed.total() == 0
            assert b.sync().pushed.total() == 0
            assert _values(crm) == settled  # not one value changed after the first round
    finally:
        a.ws.close()
        b.ws.close()


def test_a_folder_with_push_mirrors_off_never_pushes_them(tmp_path: Path, crm: FakeCRM) -> None:
    a, b = _two_folders(tmp_path, crm, push_mirrors=False)
    try:
        a.ws.create_account({"name": "Hub KK"})
        a.sync()
        b.sync()
        _scores(a, 80, plans=True)
        _scores(b, 20, plans=True)
        a.sync()
        crm.log.clear()
        report = b.sync()
        assert report.pushed.total() == 0
        assert b.service.status().pending == 0
        assert not [p for _, p, _ in crm.log if "batch/update" in p]
        [company] = crm.all("companies")
        assert company.props["cstui_health_score"] == "80"
        assert company.props["cstui_success_plan"] == "Goal of Hub KK"
    finally:
        a.ws.close()
        b.ws.close()


def test_push_mirrors_is_read_from_the_sync_section(tmp_path: Path) -> None:
    (tmp_path / "sync.toml").write_text("[sync]\npush_mirrors = false\n")
    config = load_sync_config(tmp_path, env={})
    assert config.push_mirrors is False
    assert "sync" not in config.sections
    assert load_sync_config(tmp_path / "none", env={}).push_mirrors is True


def test_the_same_generated_task_in_two_folders_merges(tmp_path: Path, crm: FakeCRM) -> None:
    a, b = _two_folders(tmp_path, crm)
    try:
        today = clock.today()
        acc = a.ws.create_account(
            {
                "name": "Cadence KK",
                "tier": "high",
                "contract_start": today - timedelta(days=5),
                "renewal_date": today + timedelta(days=360),
            }
        )
        a.sync()
        b.sync()  # both folders know the account, under the same id
        assert b.ws.sync_cadence_tasks([acc.id]) >= 1  # generated here, not synced yet
        a.ws.sync_cadence_tasks([acc.id])
        [task] = [t for t in a.ws.tasks(acc.id) if t.key.startswith("cadence:")]
        assert b.store.get("tasks", task.id) is not None  # the same id in both folders
        a.sync()
        a.ws.complete_task(task.id)
        a.sync()
        report = b.sync()
        assert report.exit_code == 0
        assert report.pushed["tasks"] == 0
        assert (b.store.get("tasks", task.id) or {})["done"] is True
        rid = get_meta(a.store.get("tasks", task.id) or {}, "hubspot")["rid"]
        assert crm.objects["tasks"][rid].props["hs_task_status"] == "COMPLETED"
        assert len([o for o in crm.all("tasks") if o.props.get("cstui_id") == task.id]) == 1
    finally:
        a.ws.close()
        b.ws.close()


def test_an_edited_twin_asks_instead_of_overwriting(tmp_path: Path, crm: FakeCRM) -> None:
    a, b = _two_folders(tmp_path, crm)
    try:
        acc = a.ws.create_account({"name": "Twin KK"})
        a.sync()
        b.sync()
        a_task = a.ws.add_task("Same", account_id=acc.id, key="k")
        # B generates the same record (same id, same values), then someone edits it there.
        record = {k: v for k, v in a_task.to_record().items() if k != "id"}
        b.store.put("tasks", a_task.id, record)
        b.store.put("tasks", a_task.id, {"title": "Edited in B"})
        a.sync()
        report = b.sync()
        assert report.new_conflicts == 1
        [conflict] = b.service.list_conflicts()
        assert (conflict.field, conflict.mine, conflict.theirs) == ("title", "Edited in B", "Same")
        rid = get_meta(a.store.get("tasks", a_task.id) or {}, "hubspot")["rid"]
        assert crm.objects["tasks"][rid].props["hs_task_subject"] == "Same"  # not overwritten
    finally:
        a.ws.close()
        b.ws.close()


def test_our_own_pushes_coming_back_are_not_applied_or_counted(hs: Harness) -> None:
    from .conftest import seed_local

    ids = seed_local(hs.ws, 5)
    first = hs.sync()
    assert first.pushed.total() == 20
    hs.ws.update_account(ids[0], {"stage": "adoption"})
    assert hs.sync().pushed.total() == 1
    tables = ("accounts", "contacts", "activities", "tasks", "conflicts")
    before = {t: hs.store.all(t, include_deleted=True) for t in tables}
    report = hs.sync()  # the search returns the record just pushed: an echo
    assert report.pulled.total() == 0
    assert report.updated.total() == 0
    assert {t: hs.store.all(t, include_deleted=True) for t in tables} == before  # no write
    seq = hs.store.last_seq
    rid = get_meta(hs.store.get("accounts", ids[1]) or {}, "hubspot")["rid"]
    hs.crm.update("companies", rid, {"name": "Renamed Elsewhere"})
    report = hs.sync()
    assert report.pulled == {"accounts": 1}
    assert report.updated["accounts"] == 1
    assert hs.store.last_seq > seq
