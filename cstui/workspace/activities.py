"""Activities: the account timeline, and the executive cadence it drives.

Logging or editing an activity may complete a cadence task (a report counts for its
touchpoint) or open a follow-up; :meth:`Activities.sync_cadence_tasks` opens one task per
due touchpoint. Depends on :mod:`.onboarding` (touchpoints start from the onboarding plan)
and so on :mod:`.tasks`.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator, Mapping
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from cstui import clock, i18n
from cstui.config import Settings
from cstui.domain import cadence as cadence_rules
from cstui.domain.enums import ActivityKind, ContactRole, Priority, Sentiment, Table, TaskSource
from cstui.store import Store
from cstui.workspace.onboarding import Onboarding
from cstui.workspace.repo import Write, elsewhere, one_step
from cstui.workspace.undo import short

CADENCE_STATE_TABLE = "sync_cadence"
"""This folder's own record of its last pass over the touchpoints (``sync_`` tables stay
out of the team hub: each folder makes its pass)."""
CADENCE_STATE_ID = "state"
CADENCE_LOCK = "cadence"
"""The named store lock (``cadence.lock``) a child making the day's touchpoint pass holds:
twenty apps opening on one team folder at nine make it once (another child finding it
held leaves: the tasks come through the journal)."""
_CADENCE_INPUTS = frozenset({Table.ACCOUNTS, Table.ONBOARDING, Table.ACTIVITIES, Table.TASKS})
"""What a touchpoint's task follows from."""

CADENCE_BOOK_PASS = 500
"""Accounts past which the touchpoint pass reads the tables once as they stream by, not
each account through the models (see ``Store._SLICE_READS_BEFORE_PARSE``)."""

if TYPE_CHECKING:
    from collections.abc import Callable

    from cstui.domain.light import ActivityLike, OnboardingLike
    from cstui.domain.models import Activity, Task

    _CadenceInputs = tuple[
        cadence_rules.CadenceAccount,
        OnboardingLike | None,
        Iterable[ActivityLike],
        Mapping[str, list[Task]],
        Callable[[str], bool],
    ]
    """An account, its first onboarding plan, activities, touchpoint tasks by key, and
    whether a task id is taken."""


class Activities(Onboarding):
    _ACTIVITY_FIELDS = frozenset(
        {"kind", "date", "summary", "participants", "sentiment", "via_champion", "story"}
    )

    def activities(self, account_id: str) -> list[Activity]:
        """Newest first."""
        from cstui.domain.models import Activity

        items = self._for_account(Activity, account_id)
        return sorted(items, key=lambda a: (a.date, a.id), reverse=True)

    @one_step
    def log_activity(
        self,
        account_id: str,
        summary: str,
        *,
        kind: ActivityKind | str = ActivityKind.NOTE,
        day: date | None = None,
        participants: Iterable[str] = (),
        sentiment: Sentiment | str = Sentiment.NEUTRAL,
        via_champion: bool = False,
    ) -> Activity:
        from cstui.domain.models import Activity, InvalidRecord

        self._require_account(account_id)
        known = {c.id for c in self.contacts(account_id)}
        people = list(participants)
        unknown = [p for p in people if p not in known]
        if unknown:
            raise InvalidRecord.said(
                *(i18n.msg("error.not_a_participant", id=p) for p in unknown),
                field="participants",
            )
        activity = self._save(
            Activity,
            {
                "account_id": account_id,
                "summary": summary,
                "kind": kind,
                "date": day or clock.today(),
                "participants": people,
                "sentiment": sentiment,
                "via_champion": via_champion,
                "created_by": self.user,
                "created_at": clock.now(),
            },
            new=True,
        )
        self._after_activity(activity)  # cadence tasks done, follow-up after a report
        self._say(i18n.msg("undo.logged", name=short(activity.summary)))
        return activity

    @one_step
    def update_activity(self, activity_id: str, changes: Mapping[str, Any]) -> Activity:
        """Edit an activity; who logged it and when stay, the editor and time are added."""
        from cstui.domain.models import Activity, InvalidRecord, validate

        current = self._get(Activity, activity_id)
        if current is None:
            raise InvalidRecord.said(i18n.msg("error.no_activity", id=activity_id))
        record = current.to_record()
        refused = sorted(
            k for k in changes if k not in self._ACTIVITY_FIELDS and record.get(k) != changes[k]
        )
        if refused:
            raise InvalidRecord.about(
                {k: [i18n.msg("error.fixed.activity", field=k)] for k in refused}
            )
        data = {k: v for k, v in changes.items() if k in self._ACTIVITY_FIELDS}
        if "participants" in data:
            known = {c.id for c in self.contacts(current.account_id)}
            unknown = [p for p in data["participants"] if p not in known]
            if unknown:
                raise InvalidRecord.said(
                    *(i18n.msg("error.not_a_participant", id=p) for p in unknown),
                    field="participants",
                )
        probe = validate(Activity, {**record, **data})
        if probe.to_record() == record:
            return current
        data.update({"id": activity_id, "edited_by": self.user, "edited_at": clock.now()})
        activity = self._save(Activity, data, new=False)
        self._after_activity(activity)
        return activity

    def touchpoints(
        self, account_id: str, as_of: date | None = None
    ) -> list[cadence_rules.Touchpoint]:
        from cstui.domain.models import Activity

        account = self._require_account(account_id)
        return cadence_rules.touchpoints(
            account,
            self.onboarding(account_id),
            self._for_account(Activity, account_id),
            as_of or clock.today(),
        )

    def cadence_tasks_for_today(self) -> int:
        """:meth:`sync_cadence_tasks` for the CLI's reports: the whole book once a day (a
        touchpoint's window opens with the date), then only the accounts whose account,
        onboarding, activities or tasks changed since the last pass of the day (at 50,000
        accounts the whole book is ~10 s through the models). Returns records written."""
        return max(self.cadence_steps(), default=0)  # the last count is the total

    def cadence_steps(self, chunk: int | None = None) -> Iterator[int]:
        """:meth:`cadence_tasks_for_today` ``chunk`` accounts at a time (all at once by
        default), yielding the records written so far after each: the app lets keys in
        between. The pass is marked made once the last chunk is written."""
        todo = self.cadence_todo()
        if todo is None:
            return  # nothing changed since the last pass: no mark to move either
        ids, seen = todo
        batches: list[list[str] | None]
        if ids is None and chunk is None:
            batches = [None]  # the whole book at once: the pass lists it as it reads it
        else:
            if ids is None:
                ids = [r["id"] for r in self.store.stream(Table.ACCOUNTS)]  # not kept parsed
            step = chunk or max(len(ids), 1)
            batches = [ids[start : start + step] for start in range(0, len(ids), step)]
        written = 0
        for batch in batches:
            # Each model is read once: kept, the whole book's were 1 GB of the pass's child
            # at 50,000 accounts (and a small book's stayed in the app).
            with self._uncached():
                written += self.sync_cadence_tasks(batch)
            yield written
        self._cadence_done(seen, written)

    def cadence_todo(self) -> tuple[list[str] | None, int] | None:
        """What today's touchpoint pass goes over: the accounts (None: every one, the day's
        first pass) and the store's last seq it sees; None when it has nothing to do (made
        today, nothing it follows from changed since)."""
        state = self.store.peek(CADENCE_STATE_TABLE, CADENCE_STATE_ID)
        seen = self.store.last_seq  # what the pass sees; later writes count next time
        if state is None or state.get("day") != clock.today().isoformat():
            return None, seen
        since = int(state.get("seq", 0))
        ids = sorted({a for a, _ in self._changed_accounts(since, _CADENCE_INPUTS)})
        return (ids, seen) if ids else None

    def _cadence_done(self, seen: int, written: int) -> None:
        """Mark today's pass made up to ``seen`` (:meth:`cadence_todo`), ``written`` records
        being its own."""
        if self.store.last_seq - seen == written:
            # Nobody else wrote meanwhile: the pass's own tasks are no change for the next
            # one (at 50,000 accounts its second call redid the 10,000 accounts given one).
            seen = self.store.last_seq
        day = clock.today().isoformat()
        self.store.put(CADENCE_STATE_TABLE, CADENCE_STATE_ID, {"day": day, "seq": seen})

    def cadence_elsewhere(self) -> int | None:
        """:meth:`cadence_tasks_for_today` in a child process for a large book (see
        ``repo.elsewhere``: it builds a model per account, onboarding plan and activity);
        its tasks reach this process through the journal. Returns the records it wrote; None
        for a small book (pass over it here). Safe from a worker thread: the mark is read
        only, and the child reads what changed."""
        if not self._large_book():
            return None
        state = self.store.peek(CADENCE_STATE_TABLE, CADENCE_STATE_ID)
        if (
            state is not None
            and state.get("day") == clock.today().isoformat()
            and int(state.get("seq", 0)) >= self.store.last_seq
        ):
            return 0  # made today, and nothing at all written since
        store = self.store
        return elsewhere(
            _cadence_in_child, str(store.data_dir), self.user, store.team, self.settings,
            clock.today(),
        )  # fmt: skip

    def sync_cadence_tasks(
        self, account_ids: Iterable[str] | None = None, as_of: date | None = None
    ) -> int:
        """One task per executive touchpoint whose window is open; returns records written.

        Idempotent. High and mid touch accounts only (``cadence.CADENCE_TIERS``), not churned
        ones. The task is written in the account's language (``cadence.account_lang``:
        Japanese for a Japanese name or a yen contract): title = the touchpoint, notes = its
        agenda; pre-renewal is high priority. A task is created from 30 days before the due
        date until the window closes (a late one is still worth holding; after that a report
        can no longer count). A touchpoint done by a report completes its open task; done
        tasks are never reopened; an open task keeps the due date the CSM gave it unless the
        touchpoint moved out of reach (renewal date changed).

        Many accounts (the day's pass over the book) are read from the stored records as
        they stream by (:meth:`_cadence_book`); a few, one at a time through the models.
        """
        day = as_of or clock.today()
        ids = None if account_ids is None else list(account_ids)
        if ids is None or len(ids) > CADENCE_BOOK_PASS:
            inputs = self._cadence_book(ids)
        else:
            inputs = self._cadence_each(ids)
        writes: list[Write] = []
        for account, plan, activities, live, known in inputs:
            self._cadence_writes(writes, account, plan, activities, live, known, day)
        return self._write_all(writes, undoable=False)

    def _cadence_each(self, ids: list[str]) -> Iterator[_CadenceInputs]:
        """The pass's inputs of each account, read through the models."""
        from cstui.domain.models import Activity

        def known(task_id: str) -> bool:
            return self.store.get(Table.TASKS, task_id, include_deleted=True) is not None

        for account_id in ids:
            account = self.account(account_id)
            if account is not None and self._makes_cadence(account):
                plan = self.onboarding(account_id)
                activities = self._for_account(Activity, account_id)
                live = self._keyed_tasks(account_id, f"cadence:{account_id}:")
                yield account, plan, activities, live, known

    def _cadence_book(self, ids: list[str] | None) -> Iterator[_CadenceInputs]:
        """The pass's inputs of many accounts (all: None), each table read once as it
        streams by and only what the pass reads kept: light accounts, each account's first
        onboarding plan, its executive reports and QBRs (the activities a touchpoint counts),
        its touchpoint tasks. Through the models, a pass over 50,000 accounts peaked at
        1 GB and 7.7 s of CPU."""
        from cstui.domain.light import LightAccount, LightActivity, LightOnboarding
        from cstui.domain.models import Task

        stream = self.store.stream
        wanted = None if ids is None else set(ids)
        plans: dict[str, dict[str, Any]] = {}
        for r in stream(Table.ONBOARDING):
            account_id = r.get("account_id")
            if isinstance(account_id, str) and (
                account_id not in plans or r["id"] < plans[account_id]["id"]
            ):
                plans[account_id] = r  # the first in id order, as the models' read gives it
        reports = {k.value for k in cadence_rules.REPORT_KINDS}
        activities: dict[str, list[LightActivity]] = {}
        for r in stream(Table.ACTIVITIES):
            if r.get("kind") in reports and isinstance(r.get("account_id"), str):
                activities.setdefault(r["account_id"], []).append(LightActivity.from_record(r))
        tasks: dict[str, list[dict[str, Any]]] = {}
        taken: set[str] = set()  # every touchpoint task id, deleted ones too: never made again
        for r in stream(Table.TASKS, include_deleted=True):
            key = str(r.get("key", ""))
            if key.startswith("cadence:"):
                taken.add(r["id"])
                if not r.get("_deleted") and isinstance(r.get("account_id"), str):
                    tasks.setdefault(r["account_id"], []).append(r)
        for r in stream(Table.ACCOUNTS):
            if wanted is not None and r["id"] not in wanted:
                continue
            account = LightAccount.from_record(r)
            if not self._makes_cadence(account):
                continue
            plan = plans.get(account.id)
            live: dict[str, list[Task]] = {}
            prefix = f"cadence:{account.id}:"
            for task in sorted(tasks.get(account.id, ()), key=lambda t: t["id"]):
                if str(task.get("key", "")).startswith(prefix):
                    live.setdefault(task["key"], []).append(Task.from_record(task))
            yield (
                account,
                None if plan is None else LightOnboarding.from_record(plan),
                activities.get(account.id, ()),
                live,
                taken.__contains__,
            )

    def _makes_cadence(self, account: cadence_rules.CadenceAccount) -> bool:
        """Whether the account's touchpoints get tasks (its stage scored, its tier one with
        executive meetings)."""
        return (
            account.stage not in self.settings.health.unscored_stages
            and account.tier in cadence_rules.CADENCE_TIERS
        )

    def _cadence_writes(
        self,
        writes: list[Write],
        account: cadence_rules.CadenceAccount,
        plan: OnboardingLike | None,
        activities: Iterable[ActivityLike],
        live: Mapping[str, list[Task]],
        known: Callable[[str], bool],
        day: date,
    ) -> None:
        """What makes the account's touchpoint tasks right on ``day`` (see
        :meth:`sync_cadence_tasks`), added to ``writes``. ``live``: its touchpoint tasks by
        key, in id order; ``known``: whether a task id is taken (deleted ones too)."""
        points = cadence_rules.touchpoints(account, plan, activities, day)
        if not points:
            return
        lang = cadence_rules.account_lang(account)
        for point in points:
            key = f"cadence:{account.id}:{point.kind.value}"
            tasks = live.get(key, [])
            open_task = next((t for t in tasks if not t.done), None)
            if point.status == "done":
                if open_task is not None:
                    done = {"done": True, "done_on": point.done_on}
                    self._task_put(writes, open_task, done)
            elif open_task is not None:
                due = open_task.due
                if due is None or not point.opens <= due <= point.closes:
                    self._task_put(writes, open_task, {"due": point.due})
            elif any(t.due is not None and abs((t.due - point.due).days) <= 180 for t in tasks):
                pass  # done by hand for this term: never reopened
            elif point.opens <= day <= point.closes:
                task_id = f"{key}:{point.due.isoformat()}"
                if not known(task_id):
                    self._task_put(
                        writes,
                        None,
                        {
                            "account_id": account.id,
                            "title": point.label(lang),
                            "notes": point.agenda(lang),
                            "due": point.due,
                            "priority": Priority.HIGH
                            if point.kind is cadence_rules.TouchpointKind.PRE_RENEWAL
                            else Priority.NORMAL,
                            "source": TaskSource.CADENCE,
                            "owner": account.owner or self.user,
                            "key": key,
                        },
                        new_id=task_id,
                    )

    def _after_activity(self, activity: Activity) -> None:
        """Hooks of a logged (or edited) activity: a report or QBR completes the open
        cadence task of the touchpoint it counts for; a report sent through the champion
        gets a follow-up task a week later ("how did the executive receive it?")."""
        account = self.account(activity.account_id)
        if account is None:
            return
        writes: list[Write] = []
        if activity.kind in cadence_rules.REPORT_KINDS:
            day = max(clock.today(), activity.date)
            live = self._keyed_tasks(account.id, f"cadence:{account.id}:")
            for point in self.touchpoints(account.id, day):
                if point.activity_id != activity.id:
                    continue
                for task in live.get(f"cadence:{account.id}:{point.kind.value}", []):
                    if not task.done:
                        self._task_put(writes, task, {"done": True, "done_on": activity.date})
        if activity.via_champion and activity.kind is ActivityKind.EXEC_REPORT:
            key = f"followup:{activity.id}"
            if self.store.get(Table.TASKS, key, include_deleted=True) is None:
                lang = cadence_rules.account_lang(account)
                contacts = self.contacts(account.id)
                champions = [c for c in contacts if c.role is ContactRole.CHAMPION]
                named = [c for c in champions if c.id in activity.participants]
                active = [c for c in champions if c.active]
                found = named or active or champions
                who = found[0] if found else None
                if lang == "ja":
                    name = f"{who.name}さん" if who is not None else "チャンピオン"
                    title = f"{name}に、決裁者が報告をどう受け止めたか確認する"
                else:
                    name = who.name if who is not None else "the champion"
                    title = f"Ask {name} how the executive received the report"
                self._task_put(
                    writes,
                    None,
                    {
                        "account_id": account.id,
                        "title": title,
                        "notes": activity.summary,
                        "due": activity.date + timedelta(days=7),
                        "priority": Priority.NORMAL,
                        "source": TaskSource.CADENCE,
                        "owner": self.user,
                        "key": key,
                    },
                    new_id=key,
                )
        self._write_all(writes)


def _cadence_in_child(data_dir: str, user: str, team: bool, settings: Settings, day: date) -> int:
    """The child's side of :meth:`Activities.cadence_elsewhere`: open the folder, make the
    day's touchpoint pass, close."""
    clock.freeze(day)
    gc.disable()  # a process that exits after one pass (see ``_rescore_in_child``)
    folder = Activities(Store(data_dir, actor=user, team=team), user=user, settings=settings)
    lock = folder.store.named_lock(CADENCE_LOCK)
    try:
        if not lock.try_acquire():
            return 0  # another process is making it
        try:
            return folder.cadence_tasks_for_today()
        finally:
            lock.release()
    finally:
        folder.close()
