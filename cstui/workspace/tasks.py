"""Tasks: the CSM's to-do list, by hand or generated (onboarding, cadence, QBR, VoC).

Generated tasks get ids derived from their key (``onboarding:{plan}:{item}``,
``cadence:{account}:{kind}:{due}``, ``followup:{activity}``): two processes (two panes on a
shared server, a retried sync) then write the same record instead of a duplicate, and a
generated task the CSM deleted stays deleted, because its tombstone is found by that id.
Depends on :mod:`.accounts`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from typing import TYPE_CHECKING, Any

from cstui import clock
from cstui.domain.enums import Priority, Table, TaskSource
from cstui.i18n import msg
from cstui.store import Txn
from cstui.workspace.accounts import Accounts
from cstui.workspace.repo import Create, Write, changed_fields

if TYPE_CHECKING:
    from cstui.domain.models import Task


class Tasks(Accounts):
    _TASK_FIELDS = frozenset({"title", "due", "priority", "done", "done_on", "notes", "owner"})

    def tasks(self, account_id: str | None = None, *, include_done: bool = False) -> list[Task]:
        from cstui.domain.models import Task

        items = self._for_account(Task, account_id) if account_id else self._all(Task)
        if not include_done:
            items = [t for t in items if not t.done]
        return sorted(items, key=lambda t: (t.done, t.due or date.max, t.title))

    def task(self, task_id: str) -> Task | None:
        """One task, read from its record (no model kept: a screen follows teammates'
        tasks one by one)."""
        from cstui.domain.models import Task

        record = self.store.peek(Task.table, task_id, keep=False)
        return None if record is None or record.get("_deleted") else Task.from_record(record)

    def open_tasks(self, owner: str | None = None) -> list[Task]:
        """The book's tasks not done (``owner``'s only, when given), as :meth:`tasks` orders
        them: picked from the stored records as they stream by, before any model is made,
        and none kept (one CSM's Today at 50,000 accounts made and kept 26,000 task models
        and the parsed table, ~250 MB, to show a few hundred)."""
        items = self._tasks_where(
            lambda r: not r.get("done") and (owner is None or r.get("owner") == owner)
        )
        return sorted(items, key=lambda t: (t.done, t.due or date.max, t.title))

    def _tasks_where(self, keep: Callable[[Mapping[str, Any]], bool]) -> list[Task]:
        """The tasks whose stored record ``keep`` accepts, picked as the table streams by:
        no model made of the others, none kept (a model of every task was made and kept
        to find a few hundred)."""
        from cstui.domain.models import Task

        return [Task.from_record(r) for r in self.store.stream(Task.table) if keep(r)]

    def add_task(
        self,
        title: str,
        *,
        account_id: str | None = None,
        due: date | None = None,
        priority: Priority | str = Priority.NORMAL,
        source: TaskSource | str = TaskSource.MANUAL,
        owner: str | None = None,
        key: str = "",
    ) -> Task:
        from cstui.domain.models import Task

        if account_id is not None:
            self._require_account(account_id)
        return self._save(
            Task,
            {
                "title": title,
                "account_id": account_id,
                "due": due,
                "priority": priority,
                "source": source,
                "owner": owner or self.user,
                "key": key,
            },
            new=True,
        )

    def complete_task(self, task_id: str, done: bool = True) -> Task:
        """Tick (or untick) a task; an onboarding task ticks its checklist item too."""
        return self.update_task(task_id, {"done": done, "done_on": clock.today() if done else None})

    def update_task(self, task_id: str, changes: Mapping[str, Any]) -> Task:
        """Edit a task. Ticking an onboarding task ticks its checklist item too, in the same
        commit, on the records as every process committed them."""
        from cstui.domain.models import InvalidRecord, Task

        with self._transaction() as txn:
            record = txn.get(Table.TASKS, task_id)
            if record is None:
                raise InvalidRecord.said(msg("error.no_task", id=task_id))
            current = Task.from_record(record)
            record = current.to_record()
            refused = sorted(
                k for k in changes if k not in self._TASK_FIELDS and record.get(k) != changes[k]
            )
            if refused:
                raise InvalidRecord.about({k: [msg("error.fixed.task", field=k)] for k in refused})
            data = {k: v for k, v in changes.items() if k in self._TASK_FIELDS}
            if "done" in data:
                if data["done"] and not current.done:
                    data["done_on"] = data.get("done_on") or clock.today()
                elif not data["done"]:
                    data["done_on"] = None
            task = self._save_in(txn, Task, {**data, "id": task_id})
            self._after_task(txn, current, task)
        return task

    def _after_task(self, txn: Txn, before: Task, task: Task) -> None:
        """Hook of an edited task (:meth:`update_task`), inside its transaction; onboarding
        ticks its item here."""

    def delete_task(self, task_id: str) -> None:
        """Delete a task (a tombstone, so sync can pass it on; generated ones stay gone)."""
        from cstui.domain.models import InvalidRecord, Task

        if self._get(Task, task_id) is None:
            raise InvalidRecord.said(msg("error.no_task", id=task_id))
        self._delete(Table.TASKS, task_id)

    def _task_put(
        self,
        writes: list[Write],
        task: Task | None,
        values: Mapping[str, Any],
        new_id: str = "",
        *,
        txn: Txn | None = None,
    ) -> None:
        """Add to ``writes`` what makes ``task`` (or a new task ``new_id``) hold ``values``.

        ``txn``: read the task as that transaction sees it (fresh, with its own writes).
        """
        from cstui.domain.models import Task, validate

        if task is None:
            created = validate(Task, {**values, "id": new_id or self.store.new_id()})
            writes.append((Table.TASKS, created.id, Create(created.to_record())))
            return
        stored = (
            txn.get(Table.TASKS, task.id)
            if txn is not None
            else self.store.get(Table.TASKS, task.id)
        )
        current = stored or task.to_record()
        fresh = validate(Task, {**current, **values}).to_record()
        changed = changed_fields(current, fresh)
        if changed:
            writes.append((Table.TASKS, task.id, changed))

    def _keyed_tasks(
        self, account_id: str, prefix: str, *, txn: Txn | None = None, ids: Iterable[str] = ()
    ) -> dict[str, list[Task]]:
        """The account's tasks whose key starts with ``prefix``, by key.

        ``txn``: read them fresh through that transaction (the cached index may miss a task
        another process created in the last second, so ``ids``, the ids such tasks would
        have, derived from their keys, are looked up too).
        """
        from cstui.domain.models import Task

        out: dict[str, list[Task]] = defaultdict(list)
        if txn is None:
            for task in self._for_account(Task, account_id):
                if task.key.startswith(prefix):
                    out[task.key].append(task)
            return out
        for task_id in sorted({*self._account_ids(Task, account_id), *ids}):
            record = txn.get(Table.TASKS, task_id)
            if record is None or record.get("account_id") != account_id:
                continue
            if str(record.get("key", "")).startswith(prefix):
                task = Task.from_record(record)
                out[task.key].append(task)
        return out
