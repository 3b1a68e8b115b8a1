"""Onboarding steps and their tasks: which steps have one, and what an edit does to them.

The rule (shown to CSMs in the README):

* An open core step on our side has a task (``onboarding:{plan}:{item}``) in the CSM's
  task list; optional steps and the customer's steps are followed on the checklist only.
* An edit of the checklist touches the tasks of the steps it changed, and nothing else:
  - a step that comes to need a task (added, handed back to us, made core, re-opened)
    gets one, unless the CSM deleted that task before;
  - a task takes on what the edit changed in its step (title, due date, done and its
    date), and keeps the rest (a due date the CSM moved in the task list stays);
  - a step removed, handed to the customer or made optional loses its open task; a done
    task stays, as the record of work done.

Why edit by edit rather than making the tasks match the whole checklist after every
change: a task is the CSM's too (they move it, add notes, keep one the rule would not
make), and re-deriving every task on every tick deleted an open task because an unrelated
step was ticked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from cstui.domain.enums import OwnerSide
from cstui.domain.models import OnboardingItem, OnboardingPlan

TASK_FIELDS: Final[tuple[str, ...]] = ("title", "due", "done", "done_on")
"""The fields of a step its task mirrors."""


@dataclass(frozen=True, slots=True)
class TaskChange:
    """What one edit means for the tasks of one step it changed."""

    item_id: str
    step: OnboardingItem | None
    """The step after the edit; None when the edit removed it."""
    follow: tuple[str, ...] = ()
    """The fields of :data:`TASK_FIELDS` the step's tasks take on: those the edit changed."""
    create: bool = False
    """The step came to need a task with this edit: give it one if it has none."""
    drop: bool = False
    """The step was removed, or is no longer ours and core: its open tasks go."""


def gets_task(item: OnboardingItem) -> bool:
    """Whether a step is one of ours that is core: the steps a task tracks while open."""
    return item.owner_side == OwnerSide.US and item.core


def _needs_task(item: OnboardingItem | None) -> bool:
    return item is not None and gets_task(item) and not item.done


def task_changes(before: OnboardingPlan | None, after: OnboardingPlan) -> list[TaskChange]:
    """The task changes of the edit that turned ``before`` (None: no plan yet) into
    ``after``, one per step it added, changed or removed, in checklist order."""
    old = {it.id: it for it in before.items} if before is not None else {}
    out: list[TaskChange] = []
    for it in after.items:
        prev = old.pop(it.id, None)
        if prev == it:
            continue
        if prev is not None and gets_task(prev) and not gets_task(it):
            out.append(TaskChange(it.id, it, drop=True))
            continue
        follow: tuple[str, ...] = tuple(
            f for f in TASK_FIELDS if prev is None or getattr(prev, f) != getattr(it, f)
        )
        create = _needs_task(it) and not _needs_task(prev)
        if follow or create:
            out.append(TaskChange(it.id, it, follow, create))
    out.extend(TaskChange(item_id, None, drop=True) for item_id in old)
    return out
