"""Which checklist steps have a task, and what an edit does to the tasks of the steps."""

from __future__ import annotations

from datetime import date, timedelta

from cstui.domain.enums import OwnerSide
from cstui.domain.models import OnboardingItem, OnboardingPlan
from cstui.domain.onboarding_tasks import TaskChange, gets_task, task_changes

START = date(2026, 11, 2)


def _item(iid: str, **data: object) -> OnboardingItem:
    base: dict[str, object] = {"id": iid, "phase": "kickoff", "title": f"Do {iid}", "due": START}
    return OnboardingItem.model_validate({**base, **data})


def _plan(*items: OnboardingItem) -> OnboardingPlan:
    return OnboardingPlan(id="p", account_id="a", start=START, items=list(items))


def _edit(plan: OnboardingPlan, iid: str, **changes: object) -> OnboardingPlan:
    items = [i.model_copy(update=changes) if i.id == iid else i for i in plan.items]
    return plan.model_copy(update={"items": items})


def test_the_steps_that_have_a_task_are_our_core_ones() -> None:
    assert gets_task(_item("a"))
    assert not gets_task(_item("a", core=False))
    assert not gets_task(_item("a", owner_side=OwnerSide.CUSTOMER))


def test_an_edit_concerns_only_the_steps_it_changed() -> None:
    """The audit: ticking the customer's step must say nothing about the open task of an
    optional step of ours, nor give tasks to other steps."""
    before = _plan(
        _item("admin", owner_side=OwnerSide.CUSTOMER),
        _item("review", core=False),
        _item("wrap-up"),
    )
    after = _edit(before, "admin", done=True, done_on=START)
    assert task_changes(before, after) == [
        TaskChange("admin", after.items[0], follow=("done", "done_on"))
    ]
    assert task_changes(after, after) == []
    moved = after.model_copy(update={"items": list(reversed(after.items))})
    assert task_changes(after, moved) == []  # reordering changes no step


def test_a_new_plan_gives_its_open_core_steps_of_ours_a_task() -> None:
    plan = _plan(
        _item("kickoff", done=True, done_on=START),
        _item("training"),
        _item("optional", core=False),
        _item("theirs", owner_side=OwnerSide.CUSTOMER),
    )
    changes = {c.item_id: c for c in task_changes(None, plan)}
    assert [k for k, c in changes.items() if c.create] == ["training"]
    assert all(c.follow == ("title", "due", "done", "done_on") for c in changes.values())
    assert not any(c.drop for c in changes.values())


def test_a_task_follows_only_what_changed_in_its_step() -> None:
    """A task whose due date the CSM moved keeps it when the step's title is edited."""
    before = _plan(_item("a"))
    after = _edit(before, "a", title="Do a, on site")
    (change,) = task_changes(before, after)
    assert (change.follow, change.create, change.drop) == (("title",), False, False)
    later = _edit(after, "a", due=START + timedelta(days=3))
    (change,) = task_changes(after, later)
    assert change.follow == ("due",)


def test_a_step_that_comes_to_need_a_task_gets_one() -> None:
    """Handed back to us, made core, or re-opened: the step needs its task now."""
    theirs = _plan(_item("a", owner_side=OwnerSide.CUSTOMER))
    (change,) = task_changes(theirs, _edit(theirs, "a", owner_side=OwnerSide.US))
    assert change.create
    optional = _plan(_item("a", core=False))
    (change,) = task_changes(optional, _edit(optional, "a", core=True))
    assert change.create
    done = _plan(_item("a", done=True, done_on=START))
    (change,) = task_changes(done, _edit(done, "a", done=False, done_on=None))
    assert change.create
    assert change.follow == ("done", "done_on")
    # An open step of ours that is only renamed already had its chance: no new task.
    ours = _plan(_item("a"))
    (change,) = task_changes(ours, _edit(ours, "a", title="Renamed"))
    assert not change.create


def test_a_step_removed_or_no_longer_ours_and_core_drops_its_open_task() -> None:
    before = _plan(_item("a"), _item("b"), _item("c"), _item("opt", core=False))
    after = _edit(_edit(before, "a", owner_side=OwnerSide.CUSTOMER), "b", core=False)
    after = after.model_copy(update={"items": [i for i in after.items if i.id != "c"]})
    after = after.model_copy(update={"items": [i for i in after.items if i.id != "opt"]})
    changes = {c.item_id: c for c in task_changes(before, after)}
    assert set(changes) == {"a", "b", "c", "opt"}
    assert all(c.drop for c in changes.values())
    assert changes["c"].step is None
    # A step that never had one of our tasks by the rule keeps any it has when edited.
    optional = _plan(_item("opt", core=False))
    (change,) = task_changes(optional, _edit(optional, "opt", done=True, done_on=START))
    assert not change.drop
    assert change.follow == ("done", "done_on")
