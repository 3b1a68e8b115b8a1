"""Undo and redo of this session's own changes, written as new changes through the journal."""

from __future__ import annotations

from cstui.domain.enums import LoopStatus
from cstui.domain.models import Task
from cstui.i18n import render
from cstui.workspace import Workspace
from tests.conftest import TODAY


def _task(ws: Workspace, task_id: str) -> Task | None:
    return next((x for x in ws.tasks(None, include_done=True) if x.id == task_id), None)


def test_undo_and_redo_a_tick(empty_ws: Workspace) -> None:
    ws = empty_ws
    acme = ws.create_account({"name": "Acme", "arr": 1_000_000})
    task = ws.add_task("Kickoff call", account_id=acme.id)
    ws.complete_task(task.id)
    seq = ws.store.last_seq
    label = ws.undo()
    assert label is not None
    assert render(label, "en") == "ticked 'Kickoff call'"
    undone = _task(ws, task.id)
    assert undone is not None
    assert (undone.done, undone.done_on) == (False, None)
    assert ws.store.last_seq > seq  # a new change in the journal, not a rewrite
    redone = ws.redo()
    assert redone is not None
    assert render(redone, "en") == "ticked 'Kickoff call'"
    again = _task(ws, task.id)
    assert again is not None
    assert again.done


def test_undo_walks_back_and_stops(empty_ws: Workspace) -> None:
    ws = empty_ws
    acme = ws.create_account({"name": "Acme", "arr": 1_000_000})
    task = ws.add_task("Send deck", account_id=acme.id)
    ws.delete_task(task.id)
    assert _task(ws, task.id) is None
    deleted = ws.undo()
    assert deleted is not None
    assert render(deleted, "en") == "deleted 'Send deck'"
    assert _task(ws, task.id) is not None  # a deletion is undone by restoring the record
    ws.undo()  # the task's creation
    ws.undo()  # the account's creation
    assert ws.account(acme.id) is None
    assert ws.undo() is None  # nothing older in this session


def test_undo_keeps_what_someone_else_changed_since(empty_ws: Workspace) -> None:
    ws = empty_ws
    acme = ws.create_account({"name": "Acme", "arr": 1_000_000})
    task = ws.add_task("Kickoff call", account_id=acme.id)
    ws.update_task(task.id, {"title": "Kickoff call (moved)", "notes": "mine"})
    # A teammate edits the notes meanwhile (not through this session's workspace).
    ws.store.put(Task.table, task.id, {"notes": "theirs"})
    ws.undo()
    after = _task(ws, task.id)
    assert after is not None
    assert after.title == "Kickoff call"
    assert after.notes == "theirs"


def test_ship_request_is_one_step(empty_ws: Workspace) -> None:
    ws = empty_ws
    a = ws.create_account({"name": "Alpha", "arr": 3_000_000})
    b = ws.create_account({"name": "Beta", "arr": 1_000_000})
    req = ws.add_request({"title": "SSO", "verbatim": "We need SAML", "account_ids": [a.id, b.id]})
    tasks = ws.ship_request(req.id)
    assert len(tasks) == 2
    label = ws.undo()
    assert label is not None
    assert render(label, "en") == "shipped 'SSO' (and its 2 tell-the-customer tasks)"
    assert all(_task(ws, t.id) is None for t in tasks)
    request = next(r for r in ws.requests() if r.id == req.id)
    assert not request.shipped
    assert request.status is LoopStatus.LISTENING


def test_clear_rating_can_be_undone(empty_ws: Workspace) -> None:
    ws = empty_ws
    acme = ws.create_account({"name": "Acme", "arr": 1_000_000})
    ws.set_rating(acme.id, stars=4, reason="Sponsor renewed verbally")
    ws.clear_rating(acme.id)
    assert ws.store.get("ratings", acme.id) is None
    label = ws.undo()
    assert label is not None
    assert render(label, "en") == "cleared the health rating of Acme"
    restored = ws.store.get("ratings", acme.id)
    assert restored is not None
    assert restored["reason"] == "Sponsor renewed verbally"


def test_touchpoint_tasks_opened_by_the_app_are_not_undone(empty_ws: Workspace) -> None:
    ws = empty_ws
    ws.create_account({"name": "Acme", "arr": 1_000_000, "tier": "high"})
    depth = len(ws.history.undo)
    ws.sync_cadence_tasks()
    assert len(ws.history.undo) == depth


def test_a_tick_and_the_loop_it_closes_are_one_step(empty_ws: Workspace) -> None:
    ws = empty_ws
    a = ws.create_account({"name": "Alpha", "arr": 3_000_000})
    req = ws.add_request({"title": "SSO", "verbatim": "We need SAML", "account_ids": [a.id]})
    (task,) = ws.ship_request(req.id)
    with ws.action():
        ws.complete_task(task.id)
        assert ws.close_told_loops() == 1
    label = ws.undo()
    assert label is not None
    assert render(label, "en").startswith("ticked 'Tell Alpha")
    request = next(r for r in ws.requests() if r.id == req.id)
    assert request.status is LoopStatus.ACTING
    reopened = _task(ws, task.id)
    assert reopened is not None
    assert not reopened.done


def test_tasks_a_template_opens_are_kept_and_undone_with_it(empty_ws: Workspace) -> None:
    """The plan's tasks are written in the same undoable step as the plan (a batch write
    through the undo recorder): they reach the store, another process sees them, and one
    undo takes plan and tasks away."""
    ws = empty_ws
    acme = ws.create_account({"name": "Acme", "arr": 1_000_000})
    template = next(iter(ws.onboarding_templates()))
    ws.apply_onboarding_template(acme.id, template, TODAY)
    opened = [x.key for x in ws.tasks(acme.id, include_done=True) if x.key]
    assert opened
    other = Workspace.open(ws.store.data_dir, user="kim")
    try:
        assert sorted(x.key for x in other.tasks(acme.id, include_done=True) if x.key) == sorted(
            opened
        )
    finally:
        other.close()
    assert ws.undo() is not None
    assert ws.onboarding(acme.id) is None
    assert not [x for x in ws.tasks(acme.id, include_done=True) if x.key in opened]


def test_renaming_a_view_is_one_step_that_undo_takes_back_whole(empty_ws: Workspace) -> None:
    ws = empty_ws
    ws.save_view("Large deals", "arr>=2m", "arr", True)
    ws.rename_view("Large deals", "Whales")
    label = ws.undo()
    assert label is not None
    assert render(label, "en") == "renamed the view 'Large deals' to 'Whales'"
    own = [(v.name, v.filter, v.sort, v.reverse) for v in ws.views() if not v.builtin]
    assert own == [("Large deals", "arr>=2m", "arr", True)]  # not both names
    ws.redo()
    assert [v.name for v in ws.views() if not v.builtin] == ["Whales"]
