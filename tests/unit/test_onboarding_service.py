"""Workspace: onboarding checklists, generated tasks, the cadence and activity edits."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from cstui import clock
from cstui.domain.models import InvalidRecord, OnboardingPlan, Task
from cstui.workspace import Workspace

TODAY = date(2026, 11, 23)
TEMPLATE = "b2b-saas-90"


def days(n: int) -> date:
    return TODAY + timedelta(days=n)


def account(ws: Workspace, name: str = "Acme", **data: Any) -> str:
    base = {"name": name, "owner": "kim", "tier": "high", "currency": "USD"}
    return ws.create_account({**base, **data}).id


def keyed(ws: Workspace, account_id: str, prefix: str, *, done: bool = True) -> list[Task]:
    tasks = ws.tasks(account_id, include_done=done)
    return sorted((t for t in tasks if t.key.startswith(prefix)), key=lambda t: t.key)


def ours_core(plan: OnboardingPlan) -> set[str]:
    return {i.id for i in plan.items if i.owner_side == "us" and i.core and not i.done}


# ------------------------------------------------------------------------------ checklist


def test_apply_creates_the_plan_and_tasks_and_reapplying_changes_nothing(
    empty_ws: Workspace,
) -> None:
    ws = empty_ws
    acme = account(ws)
    plan = ws.apply_onboarding_template(acme, TEMPLATE, days(-30))
    assert ws.onboarding(acme) == plan
    assert plan.template == TEMPLATE
    assert plan.start == days(-30)
    assert len(plan.items) == 16
    assert plan.items[0].id == "b2b-saas-90:kickoff-meeting"
    assert plan.items[0].due == days(-28)  # the start is a Saturday: moved to Monday
    tasks = keyed(ws, acme, "onboarding:")
    assert {t.key for t in tasks} == {f"onboarding:{plan.id}:{i}" for i in ours_core(plan)}
    assert {t.owner for t in tasks} == {"kim"}
    assert {t.source for t in tasks} == {"onboarding"}
    first = next(t for t in tasks if t.key.endswith(":kickoff-meeting"))
    assert (first.title, first.due) == (plan.items[0].title, plan.items[0].due)

    ticked = ws.set_onboarding_item(acme, plan.items[0].id, done=True, notes="went well")
    assert ticked.items[0].done_on == TODAY
    revs = ws.store.count(Task.table), ws.store.count(OnboardingPlan.table)
    again = ws.apply_onboarding_template(acme, TEMPLATE, days(-30))
    assert again == ticked  # idempotent: same ids, done state and notes kept
    assert (ws.store.count(Task.table), ws.store.count(OnboardingPlan.table)) == revs


def test_ticking_an_item_completes_its_task_and_unticking_reopens_it(
    empty_ws: Workspace,
) -> None:
    ws = empty_ws
    acme = account(ws)
    plan = ws.apply_onboarding_template(acme, TEMPLATE, TODAY)
    item = plan.items[0].id
    key = f"onboarding:{plan.id}:{item}"
    ws.set_onboarding_item(acme, item, done=True)
    (task,) = [t for t in keyed(ws, acme, key)]
    assert task.done
    assert task.done_on == TODAY
    ws.set_onboarding_item(acme, item, done=False)
    (task,) = [t for t in keyed(ws, acme, key)]
    assert not task.done
    assert task.done_on is None
    # ... and ticking the task ticks the item.
    ws.update_task(task.id, {"done": True})
    after = ws.onboarding(acme)
    assert after is not None
    assert after.items[0].done


def test_item_edits_are_validated_field_by_field(empty_ws: Workspace) -> None:
    ws = empty_ws
    acme = account(ws)
    plan = ws.apply_onboarding_template(acme, TEMPLATE, TODAY)
    item = plan.items[1].id
    with pytest.raises(InvalidRecord) as info:
        ws.set_onboarding_item(acme, item, title="  ")
    assert info.value.fields == {"title": ["Title cannot be empty."]}
    with pytest.raises(InvalidRecord) as info:
        ws.set_onboarding_item(acme, item, colour="red")
    assert "colour" in info.value.fields
    with pytest.raises(InvalidRecord) as info:
        ws.set_onboarding_item(acme, item, phase="nowhere")
    assert "phase" in info.value.fields
    with pytest.raises(InvalidRecord):
        ws.set_onboarding_item(acme, "no-such-item", done=True)
    changed = ws.set_onboarding_item(acme, item, due=days(3), owner_side="customer")
    assert changed.items[1].due == days(3)
    assert changed.items[1].offset_days == 3
    # no longer ours: its open task goes
    assert not [t for t in keyed(ws, acme, f"onboarding:{plan.id}:{item}", done=False)]


def test_hand_items_stay_removed_items_stay_gone_and_moves_clamp(empty_ws: Workspace) -> None:
    ws = empty_ws
    acme = account(ws)
    plan = ws.apply_onboarding_template(acme, TEMPLATE, TODAY)
    plan = ws.add_onboarding_item(acme, phase="kickoff", title="Dinner", due=days(2))
    kickoff = [i for i in plan.items if i.phase == "kickoff"]
    assert kickoff[-1].title == "Dinner"
    assert kickoff[-1].id.startswith("own:")
    own = kickoff[-1].id
    plan = ws.move_onboarding_item(acme, own, -1)
    assert [i.id for i in plan.items if i.phase == "kickoff"][2] == own
    plan = ws.move_onboarding_item(acme, own, -10)
    assert next(i.id for i in plan.items if i.phase == "kickoff") == own
    assert ws.move_onboarding_item(acme, own, -1) == plan  # clamped: nothing to do

    gone = "b2b-saas-90:sso"
    plan = ws.remove_onboarding_item(acme, gone)
    again = ws.apply_onboarding_template(acme, TEMPLATE, TODAY)
    ids = [i.id for i in again.items]
    assert gone not in ids
    assert own in ids
    assert len(ids) == 16
    assert ids[0] == own  # the CSM's order is kept
    with pytest.raises(InvalidRecord) as info:
        ws.add_onboarding_item(acme, phase="kickoff", title="", due=None)
    assert "title" in info.value.fields


def _task_rows(ws: Workspace, account_id: str) -> dict[str, tuple[Any, ...]]:
    """Every task of the account, live or done: id -> what a CSM sees of it."""
    return {
        t.id: (t.key, t.title, t.due, t.done, t.done_on)
        for t in ws.tasks(account_id, include_done=True)
    }


def test_an_edit_leaves_the_tasks_of_other_steps_alone(empty_ws: Workspace) -> None:
    """The audit: ticking the customer's admin setup deleted the open task of an optional
    step of ours (and gave another step a task). An edit touches the tasks of the steps it
    changed, and only what it changed in them."""
    ws = empty_ws
    acme = account(ws)
    plan = ws.apply_onboarding_template(acme, TEMPLATE, days(-40))
    prefix = f"onboarding:{plan.id}:"
    optional = next(i for i in plan.items if i.owner_side == "us" and not i.core)
    ws.add_task(
        optional.title,
        account_id=acme,
        due=optional.due,
        source="onboarding",
        key=prefix + optional.id,
    )
    review = next(t for t in keyed(ws, acme, prefix) if t.key.endswith(":onboarding-review"))
    ws.update_task(review.id, {"due": days(3)})  # the CSM moved the task, not the step
    before = _task_rows(ws, acme)
    ws.set_onboarding_item(acme, "b2b-saas-90:admin-setup", done=True)
    assert _task_rows(ws, acme) == before
    # Editing the step's title renames its task; the task keeps the CSM's date.
    ws.set_onboarding_item(acme, "b2b-saas-90:onboarding-review", title="Final review")
    (after,) = [t for t in keyed(ws, acme, prefix) if t.key.endswith(":onboarding-review")]
    assert (after.title, after.due) == ("Final review", days(3))
    # Ticking the optional step ticks the task it has.
    ws.set_onboarding_item(acme, optional.id, done=True)
    (task,) = keyed(ws, acme, prefix + optional.id)
    assert task.done


def test_removing_a_step_drops_its_open_task_and_no_other(empty_ws: Workspace) -> None:
    ws = empty_ws
    acme = account(ws)
    plan = ws.apply_onboarding_template(acme, TEMPLATE, TODAY)
    gone = f"onboarding:{plan.id}:b2b-saas-90:exec-goal"
    before = {k: v for k, v in _task_rows(ws, acme).items() if v[0] != gone}
    assert len(before) == len(_task_rows(ws, acme)) - 1
    ws.remove_onboarding_item(acme, "b2b-saas-90:exec-goal")
    assert _task_rows(ws, acme) == before


def test_ticking_a_customer_step_in_the_demo_keeps_every_task(demo_ws: Workspace) -> None:
    """The audit, on each demo plan: ticking an open step of the customer's (筑紫不動産's
    admin setup deleted its open review task) leaves the account's tasks as they were."""
    ws = demo_ws
    ticked = 0
    for acc in ws.accounts():
        plan = ws.onboarding(acc.id)
        step = plan and next(
            (i for i in plan.items if i.owner_side == "customer" and not i.done), None
        )
        if step is None:
            continue
        before = _task_rows(ws, acc.id)
        ws.set_onboarding_item(acc.id, step.id, done=True)
        assert _task_rows(ws, acc.id) == before, acc.name
        ticked += 1
    assert ticked >= 3


def test_adding_an_item_without_a_plan_creates_one(empty_ws: Workspace) -> None:
    ws = empty_ws
    acme = account(ws, contract_start=days(-10))
    plan = ws.add_onboarding_item(acme, phase="setup", title="Call IT", due=None, core=False)
    assert plan.start == days(-10)
    assert [i.title for i in plan.items] == ["Call IT"]
    assert keyed(ws, acme, "onboarding:") == []  # not core: no task


def test_kpis_progress_and_average_time_to_value(empty_ws: Workspace) -> None:
    ws = empty_ws
    acme, beta = account(ws), account(ws, "Beta")
    with pytest.raises(InvalidRecord):
        ws.set_onboarding_kpis(
            acme, satisfaction=8, comprehension_ok=True, initial_goal_achieved=None
        )
    ws.apply_onboarding_template(acme, TEMPLATE, days(-80))
    ws.apply_onboarding_template(beta, "mid-touch-60", days(-50))
    with pytest.raises(InvalidRecord) as info:
        ws.set_onboarding_kpis(
            acme, satisfaction=11, comprehension_ok=True, initial_goal_achieved=None
        )
    assert "satisfaction" in info.value.fields
    plan = ws.set_onboarding_kpis(
        acme, satisfaction=9, comprehension_ok=True, initial_goal_achieved=True
    )
    assert (plan.satisfaction, plan.comprehension_ok, plan.initial_goal_achieved) == (9, True, True)

    assert ws.average_ttv() is None
    ws.set_onboarding_item(acme, "b2b-saas-90:first-result", done=True)  # day 80
    clock.freeze(days(-10))
    try:
        ws.set_onboarding_item(beta, "mid-touch-60:first-result", done=True)  # day 40
    finally:
        clock.freeze(TODAY)
    assert ws.average_ttv() == 60.0
    assert ws.average_ttv([beta]) == 40.0

    got = ws.onboarding_progress(acme)
    assert got is not None
    assert got.ttv_days == 80
    assert got.per_phase["first_value"] == (1, 3)
    assert round(got.overall_pct, 2) == round(100 / 16, 2)
    # Overdue: the open items due before today, earliest first (started 80 days ago: some).
    current = ws.onboarding(acme)
    assert current is not None
    late = [i for i in current.items if not i.done and i.due is not None and i.due < TODAY]
    assert late
    assert sorted(i.id for i in got.overdue) == sorted(i.id for i in late)
    assert [i.due for i in got.overdue] == sorted(i.due for i in late if i.due is not None)
    assert ws.onboarding_progress(account(ws, "Nothing")) is None


def test_unknown_templates_and_user_templates(
    empty_ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = empty_ws
    with pytest.raises(InvalidRecord) as info:
        ws.apply_onboarding_template(account(ws), "nope", TODAY)
    assert "b2b-saas-90, mid-touch-60" in str(info.value)
    folder = tmp_path / "onboarding"
    folder.mkdir()
    (folder / "bad.toml").write_text('key = "bad"\n', encoding="utf-8")
    monkeypatch.setenv("CSTUI_CONFIG_DIR", str(tmp_path))
    fresh = Workspace(ws.store, user="me")
    assert set(fresh.onboarding_templates()) == {"b2b-saas-90", "mid-touch-60"}
    assert len(fresh.template_errors) == 1
    assert "bad.toml" in fresh.template_errors[0]


# ------------------------------------------------------------------------------ cadence


def test_cadence_tasks_have_the_right_dates_and_are_idempotent(empty_ws: Workspace) -> None:
    ws = empty_ws
    # Renewal in 27 days: pre-renewal is due now (its date 90 days before has passed).
    acme = account(ws, contract_start=date(2025, 12, 20), renewal_date=days(27))
    jp = account(
        ws, "株式会社テスト", currency="JPY", contract_start=days(-20), renewal_date=days(345)
    )
    account(ws, "Tech", tier="tech", contract_start=days(-20), renewal_date=days(345))
    assert ws.sync_cadence_tasks() == 2
    assert ws.sync_cadence_tasks() == 0
    (pre,) = keyed(ws, acme, "cadence:")
    assert pre.key == f"cadence:{acme}:pre-renewal"
    assert pre.due == days(27 - 90)
    assert pre.priority == "high"
    assert pre.source == "cadence"
    assert pre.owner == "kim"
    assert pre.title == "Pre-renewal review with the executive"
    assert "actual ROI" in pre.notes
    jp_tasks = keyed(ws, jp, "cadence:")
    assert [t.key.rsplit(":", 1)[1] for t in jp_tasks] == ["kickoff"]
    assert jp_tasks[0].title == "決裁者とのキックオフ"
    assert jp_tasks[0].due == days(-20)
    assert jp_tasks[0].priority == "normal"

    # A task closed by hand is never reopened, and a deleted one stays deleted.
    ws.complete_task(pre.id)
    ws.delete_task(jp_tasks[0].id)
    assert ws.sync_cadence_tasks() == 0
    assert keyed(ws, jp, "cadence:") == []
    assert [t.done for t in keyed(ws, acme, "cadence:")] == [True]
    # As time passes, the next touchpoints get their tasks.
    assert ws.sync_cadence_tasks([jp], as_of=days(90)) == 1
    assert [t.key.rsplit(":", 1)[1] for t in keyed(ws, jp, "cadence:")] == ["onboarding-end"]


def test_an_executive_report_completes_the_cadence_task(empty_ws: Workspace) -> None:
    ws = empty_ws
    acme = account(ws, contract_start=date(2025, 12, 20), renewal_date=days(27))
    ws.sync_cadence_tasks()
    ws.log_activity(acme, "Sent the notes", kind="call")
    assert [t.done for t in keyed(ws, acme, "cadence:")] == [False]
    ws.log_activity(acme, "Year in review with the CFO", kind="exec_report", day=days(-1))
    (task,) = keyed(ws, acme, "cadence:")
    assert task.done
    assert task.done_on == days(-1)
    assert ws.touchpoints(acme)[-1].status == "done"


def test_a_report_through_the_champion_gets_a_follow_up(empty_ws: Workspace) -> None:
    ws = empty_ws
    acme = account(ws)
    champ = ws.add_contact(acme, {"name": "Hana Sato", "role": "champion"}).id
    report = ws.log_activity(
        acme, "Sent the QBR deck", kind="exec_report", participants=[champ], via_champion=True
    )
    (task,) = keyed(ws, acme, "followup:")
    assert task.key == f"followup:{report.id}"
    assert task.due == days(7)
    assert task.title == "Ask Hana Sato how the executive received the report"
    assert task.owner == "me"
    ws.update_activity(report.id, {"summary": "Sent the QBR deck (v2)"})
    assert len(keyed(ws, acme, "followup:")) == 1  # no second follow-up
    ws.log_activity(acme, "Direct report", kind="exec_report")
    assert len(keyed(ws, acme, "followup:")) == 1  # not through the champion


def test_editing_an_activity_keeps_who_and_when(empty_ws: Workspace) -> None:
    ws = empty_ws
    acme = account(ws)
    logged = ws.log_activity(acme, "First call", kind="call", day=days(-3))
    assert logged.created_by == "me"
    assert logged.created_at == clock.now()
    other = Workspace(ws.store, user="sato")
    clock.freeze(days(1))
    try:
        edited = other.update_activity(logged.id, {"summary": "First call, notes added"})
    finally:
        clock.freeze(TODAY)
    assert (edited.created_by, edited.created_at) == ("me", logged.created_at)
    assert edited.edited_by == "sato"
    assert edited.edited_at is not None
    assert edited.edited_at.date() == days(1)
    assert edited.date == days(-3)
    assert other.update_activity(logged.id, {"summary": "First call, notes added"}) == edited
    with pytest.raises(InvalidRecord) as info:
        ws.update_activity(logged.id, {"created_by": "someone"})
    assert "created_by" in info.value.fields
    with pytest.raises(InvalidRecord) as info:
        ws.update_activity(logged.id, {"participants": ["stranger"]})
    assert "participants" in info.value.fields


def test_update_and_delete_tasks(empty_ws: Workspace) -> None:
    ws = empty_ws
    acme = account(ws)
    task = ws.add_task("Send the deck", account_id=acme)
    changed = ws.update_task(
        task.id, {"title": "Send the new deck", "due": days(2), "priority": "high"}
    )
    assert (changed.title, changed.due, changed.priority) == ("Send the new deck", days(2), "high")
    assert ws.update_task(task.id, {"done": True}).done_on == TODAY
    with pytest.raises(InvalidRecord) as info:
        ws.update_task(task.id, {"key": "cadence:x:y"})
    assert "key" in info.value.fields
    with pytest.raises(InvalidRecord):
        ws.update_task(task.id, {"title": ""})
    ws.delete_task(task.id)
    assert ws.tasks(acme, include_done=True) == []
    with pytest.raises(InvalidRecord):
        ws.delete_task(task.id)


def test_demo_book_syncs_once(demo_ws: Workspace) -> None:
    first = demo_ws.sync_cadence_tasks()
    assert first > 0
    assert demo_ws.sync_cadence_tasks() == 0
    # The demo is stored scored and its touchpoint alerts raised; the tasks the sync added
    # change no score or alert, so a refresh writes nothing.
    missed = {a.account_id for a in demo_ws.alerts() if a.rule == "touchpoint-missed"}
    assert missed
    assert demo_ws.refresh_health() == 0
    assert {a.account_id for a in demo_ws.alerts() if a.rule == "touchpoint-missed"} == missed


def test_the_reports_pass_over_the_touchpoints_once_a_day_then_only_what_changed(
    empty_ws: Workspace,
) -> None:
    """``cstui today`` / ``cstui tasks``: the whole book on a day's first call; later calls
    that day look only at accounts changed since (nothing changed: nothing read or
    written); the next day the whole book again, as windows open with the date."""
    ws = empty_ws
    account(ws, contract_start=date(2025, 12, 20), renewal_date=days(27))
    later = account(ws, "Later", contract_start=date(2025, 12, 20), renewal_date=days(200))
    # Its pre-renewal is due on day 35 and its window opens on day 5.
    soon = account(ws, "Soon", contract_start=date(2025, 12, 20), renewal_date=days(125))
    assert ws.cadence_tasks_for_today() == 1  # acme's pre-renewal
    seq = ws.store.last_seq
    # Its own task is no change for the next call (nobody else wrote meanwhile).
    assert ws.cadence_tasks_for_today() == 0
    assert ws.store.last_seq == seq  # nothing changed: nothing written, not even the mark
    # An edit the same day: only that account is looked at again, and gets its task.
    ws.update_account(later, {"renewal_date": days(20)})
    assert ws.cadence_tasks_for_today() == 1
    assert [t.key.rsplit(":", 1)[1] for t in keyed(ws, later, "cadence:")] == ["pre-renewal"]
    assert keyed(ws, soon, "cadence:") == []
    # Day 6: nothing changed, but the window opened with the date: the whole book again.
    clock.freeze(days(6))
    assert ws.cadence_tasks_for_today() == 1
    assert [t.key.rsplit(":", 1)[1] for t in keyed(ws, soon, "cadence:")] == ["pre-renewal"]


def test_a_teammates_write_during_the_pass_is_looked_at_by_the_next_one(
    empty_ws: Workspace,
) -> None:
    """The pass's own tasks do not count as a change for the next call when nobody else
    wrote, but a teammate's write it caught up with on the way does: that account is
    looked at again."""
    ws = empty_ws
    account(ws, contract_start=date(2025, 12, 20), renewal_date=days(27))
    soon = account(ws, "Soon", contract_start=date(2025, 12, 20), renewal_date=days(125))
    other = Workspace.open(ws.store.data_dir, user="kim")
    real = ws.sync_cadence_tasks

    def with_a_teammate(*args: Any, **kwargs: Any) -> int:
        other.add_task("Call the CFO", account_id=soon)  # lands while the pass reads
        return real(*args, **kwargs)

    looked: list[list[str]] = []

    def spy(*args: Any, **kwargs: Any) -> int:
        looked.append(sorted(args[0]) if args else ["all"])
        return real(*args, **kwargs)

    try:
        ws.sync_cadence_tasks = with_a_teammate  # type: ignore[method-assign]
        assert ws.cadence_tasks_for_today() == 1  # acme's pre-renewal
        ws.sync_cadence_tasks = spy  # type: ignore[method-assign]
        assert ws.cadence_tasks_for_today() == 0
        # The teammate's task is looked at (with the pass's own: which is which is not
        # known once another process wrote in between).
        assert len(looked) == 1
        assert soon in looked[0]
    finally:
        other.close()


def test_alerts_of_some_accounts_are_those_of_the_book_for_them(demo_ws: Workspace) -> None:
    ws = demo_ws
    everything = ws.alerts(active_only=False)
    some = {a.account_id for a in everything[::3]}
    assert some
    for active in (True, False):
        want = [a for a in ws.alerts(active_only=active) if a.account_id in some]
        assert ws.alerts(active_only=active, account_ids=some) == want
