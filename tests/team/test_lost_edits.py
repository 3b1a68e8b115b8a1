"""No edit is lost when two real processes edit one data folder (issue 13, "Lost edits").

Each workspace runs in its own interpreter (``_ws_worker.py``) and, like an app between two
1 s polls, works from the copy it read earlier. Every mutation that edits part of a record
(an onboarding item, an objective, a KPI reading, a QBR section or story, a field of an
account, the mirrored task <-> item tick) must land on the record as committed now. The
named tests replay each case of the issue with both processes sent their command at once;
the hypothesis test interleaves two writers over all of them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any, ClassVar

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cstui import clock
from cstui.domain import qbr as q
from cstui.domain.enums import OwnerSide
from cstui.domain.models import OnboardingPlan, SuccessPlan
from cstui.workspace import Workspace

WORKER = Path(__file__).with_name("_ws_worker.py")
ROOT = Path(__file__).resolve().parents[2]
TODAY = date(2026, 11, 23)
PERIOD = q.default_period(TODAY)


class Proc:
    """One worker process; ``send`` then ``recv``, or ``call`` for both."""

    def __init__(self) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "CSTUI_USER": "worker"}
        self.proc = subprocess.Popen(
            [sys.executable, str(WORKER)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            cwd=ROOT,
        )

    def send(self, *cmd: Any) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(orjson.dumps(list(cmd)) + b"\n")
        self.proc.stdin.flush()

    def recv(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        assert line, f"the worker died (exit code {self.proc.poll()})"
        out: dict[str, Any] = orjson.loads(line)
        return out

    def call(self, *cmd: Any) -> dict[str, Any]:
        self.send(*cmd)
        return self.recv()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.send("close")
            self.recv()
        self.proc.wait(timeout=30)


def both(a: Proc, b: Proc, cmd_a: list[Any], cmd_b: list[Any]) -> tuple[dict[str, Any], ...]:
    """Send both commands before reading either answer: the two commits race."""
    a.send(*cmd_a)
    b.send(*cmd_b)
    return a.recv(), b.recv()


def build_book(path: Path) -> dict[str, Any]:
    """Acme with an onboarding plan, a success plan with a KPI, Q3 activities and a QBR
    draft; Beta with no plans (for the one-plan-per-account race)."""
    ws = Workspace.open(path, user="setup")
    acc = ws.create_account(
        {
            "name": "Acme",
            "arr": 100_000,
            "contract_start": date(2026, 6, 1),
            "renewal_date": date(2027, 6, 30),
        }
    )
    ws.apply_onboarding_template(acc.id, "b2b-saas-90", date(2026, 10, 1))
    plan = ws.onboarding(acc.id)
    assert plan is not None
    items = [
        it.id for it in plan.items if it.owner_side is OwnerSide.US and it.core and not it.done
    ]
    objective = ws.add_objective(
        acc.id, {"title": "Faster close", "kpi_name": "Days", "baseline": 10, "target": 5}
    )
    activities = [
        ws.log_activity(acc.id, f"Call {n}", day=date(2026, 8, n + 1)).id for n in range(3)
    ]
    ws.qbr(acc.id, PERIOD)
    beta = ws.create_account({"name": "Beta", "arr": 50_000})
    ws.close()
    assert len(items) >= 6
    return {
        "account": acc.id,
        "beta": beta.id,
        "items": items,
        "objective": objective.id,
        "activities": activities,
    }


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    clock.freeze(TODAY)
    path = tmp_path_factory.mktemp("book") / "data"
    return path, build_book(path)


@pytest.fixture(scope="module")
def procs() -> Iterator[tuple[Proc, Proc]]:
    a, b = Proc(), Proc()
    yield a, b
    a.stop()
    b.stop()


def fresh_copy(book: tuple[Path, dict[str, Any]], target: Path) -> Path:
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(book[0], target)
    return target


def open_both(procs: tuple[Proc, Proc], data: Path, account: str) -> None:
    for n, p in enumerate(procs):
        assert p.call("open", str(data), f"csm{n}") == {"ok": None}
        assert p.call("warm", account) == {"ok": None}


def check_mirror(ws: Workspace, account: str) -> None:
    """Every mirrored task says what its checklist item says."""
    plan = ws.onboarding(account)
    assert plan is not None
    tasks = {t.key: t for t in ws.tasks(account, include_done=True)}
    for item in plan.items:
        task = tasks.get(f"onboarding:{plan.id}:{item.id}")
        if task is not None:
            assert task.done == item.done, item.id


# ------------------------------------------------------------------ the cases


def test_two_csms_ticking_different_items_at_once_both_keep_their_tick(
    book: tuple[Path, dict[str, Any]], procs: tuple[Proc, Proc], tmp_path: Path
) -> None:
    info = book[1]
    data = fresh_copy(book, tmp_path / "data")
    open_both(procs, data, info["account"])
    items, acc = info["items"], info["account"]
    for n in range(0, 6, 2):  # three rounds, neither process polls in between
        answers = both(*procs, ["tick", acc, items[n]], ["tick_task", acc, items[n + 1]])
        assert answers == ({"ok": None}, {"ok": None})
    ws = Workspace.open(data, user="check")
    try:
        plan = ws.onboarding(acc)
        assert plan is not None
        done = {it.id for it in plan.items if it.done}
        assert set(items[:6]) <= done
        check_mirror(ws, acc)
    finally:
        ws.close()


def test_two_users_adding_objectives_and_readings_at_once_keep_all(
    book: tuple[Path, dict[str, Any]], procs: tuple[Proc, Proc], tmp_path: Path
) -> None:
    info = book[1]
    data = fresh_copy(book, tmp_path / "data")
    acc, obj = info["account"], info["objective"]
    open_both(procs, data, acc)
    first = both(*procs, ["add_objective", acc, "Alpha"], ["add_objective", acc, "Beta"])
    second = both(
        *procs,
        ["record_kpi", acc, obj, 8, "2026-11-01"],
        ["record_kpi", acc, obj, 7, "2026-11-02"],
    )
    assert all("ok" in a for a in first + second), (first, second)
    assert first[0]["ok"] != first[1]["ok"]  # two objectives, two ids
    ws = Workspace.open(data, user="check")
    try:
        plan = ws.success_plan(acc)
        assert plan is not None
        titles = [o.title for o in plan.objectives]
        assert titles.count("Alpha") == 1
        assert titles.count("Beta") == 1
        kpi = next(o for o in plan.objectives if o.id == obj).kpi
        assert kpi is not None
        readings = {r.date.isoformat(): r.value for r in kpi.history}
        assert readings["2026-11-01"] == 8
        assert readings["2026-11-02"] == 7
    finally:
        ws.close()


def test_two_users_creating_the_plan_of_one_account_make_one_plan(
    book: tuple[Path, dict[str, Any]], procs: tuple[Proc, Proc], tmp_path: Path
) -> None:
    info = book[1]
    data = fresh_copy(book, tmp_path / "data")
    beta = info["beta"]
    open_both(procs, data, beta)
    answers = both(*procs, ["create_plan", beta, "Grow"], ["create_plan", beta, "Keep"])
    ok = [a for a in answers if "ok" in a]
    refused = [a for a in answers if "error" in a]
    assert len(ok) == 1, answers
    assert len(refused) == 1, answers
    assert refused[0]["error"] == "InvalidRecord"
    # Adding objectives with no plan yet (each process thinks there is none) also makes one.
    gamma_plan = both(*procs, ["add_objective", beta, "One"], ["add_objective", beta, "Two"])
    assert all("ok" in a for a in gamma_plan)
    ws = Workspace.open(data, user="check")
    try:
        plans = [p for p in ws.store.all(SuccessPlan.table) if p["account_id"] == beta]
        assert len(plans) == 1
        titles = sorted(o["title"] for o in plans[0]["objectives"])
        assert titles == ["One", "Two"]
    finally:
        ws.close()


def test_two_users_editing_qbr_sections_and_stories_at_once_keep_both(
    book: tuple[Path, dict[str, Any]], procs: tuple[Proc, Proc], tmp_path: Path
) -> None:
    info = book[1]
    data = fresh_copy(book, tmp_path / "data")
    acc, acts = info["account"], info["activities"]
    open_both(procs, data, acc)
    answers = both(*procs, ["section", acc, "summary", "Ours"], ["section", acc, "risks", "Theirs"])
    answers += both(*procs, ["story", acc, acts[0]], ["story", acc, acts[1]])
    assert all(a == {"ok": None} for a in answers), answers
    ws = Workspace.open(data, user="check")
    try:
        record = ws.qbr_record(acc, PERIOD)
        assert record is not None
        assert record.sections["summary"] == "Ours"
        assert record.sections["risks"] == "Theirs"
        assert {acts[0], acts[1]} <= set(record.stories)
    finally:
        ws.close()


# ------------------------------------------------------------------ interleavings

OP_KINDS = (
    "tick",
    "tick_task",
    "item_note",
    "add_item",
    "add_objective",
    "record_kpi",
    "objective_title",
    "create_plan",
    "section",
    "story",
    "account_field",
)

steps = st.lists(
    st.tuples(
        st.integers(0, 1),  # which process
        st.sampled_from(OP_KINDS),
        st.integers(0, 5),  # which item / section / activity / day
        st.booleans(),  # sent together with the next step (a race)
    ),
    min_size=2,
    max_size=14,
)


SECTIONS = ("summary", "results", "risks", "next_steps", "roi", "changes")


class Expected:
    """What a drawn plan must leave behind, filled in while its commands are built:
    ``written`` maps (what, key) to every value some step wrote there (the last writer
    wins, so the final value must be one of them)."""

    def __init__(self, info: dict[str, Any]) -> None:
        self.info = info
        self.acc: str = info["account"]
        self.written: dict[tuple[str, Any], set[Any]] = defaultdict(set)
        self.ticked: set[str] = set()
        self.added_items: list[str] = []
        self.added_objectives: list[str] = []
        self.stories: set[str] = set()
        self.creates = 0

    def command(self, n: int, kind: str, pick: int) -> list[Any]:
        """The worker command for step ``n``, noting what it must leave behind."""
        return self.BUILDERS[kind](self, kind, n, pick, f"{kind}-{n}")

    def _tick(self, kind: str, n: int, pick: int, text: str) -> list[Any]:
        item = self.info["items"][pick]
        self.ticked.add(item)
        return [kind, self.acc, item]

    def _item_note(self, kind: str, n: int, pick: int, text: str) -> list[Any]:
        item = self.info["items"][pick]
        self.written[("note", item)].add(text)
        return [kind, self.acc, item, text]

    def _add_item(self, kind: str, n: int, pick: int, text: str) -> list[Any]:
        self.added_items.append(text)
        return [kind, self.acc, text]

    def _add_objective(self, kind: str, n: int, pick: int, text: str) -> list[Any]:
        self.added_objectives.append(text)
        return [kind, self.acc, text]

    def _record_kpi(self, kind: str, n: int, pick: int, text: str) -> list[Any]:
        day = (TODAY - timedelta(days=pick + 1)).isoformat()
        self.written[("kpi", day)].add(n)
        return [kind, self.acc, self.info["objective"], n, day]

    def _objective_title(self, kind: str, n: int, pick: int, text: str) -> list[Any]:
        self.written[("objective", "title")].add(text)
        return [kind, self.acc, self.info["objective"], text]

    def _create_plan(self, kind: str, n: int, pick: int, text: str) -> list[Any]:
        self.creates += 1
        return [kind, self.info["beta"], text]

    def _section(self, kind: str, n: int, pick: int, text: str) -> list[Any]:
        self.written[("section", SECTIONS[pick])].add(text)
        return [kind, self.acc, SECTIONS[pick], text]

    def _story(self, kind: str, n: int, pick: int, text: str) -> list[Any]:
        activity = self.info["activities"][pick % 3]
        self.stories.add(activity)
        return [kind, self.acc, activity]

    def _account_field(self, kind: str, n: int, pick: int, text: str) -> list[Any]:
        field, value = ("owner", text) if pick % 2 else ("seats", n + 1)
        self.written[("account", field)].add(value)
        return [kind, self.acc, field, value]

    BUILDERS: ClassVar[dict[str, Callable[[Expected, str, int, int, str], list[Any]]]] = {
        "tick": _tick,
        "tick_task": _tick,
        "item_note": _item_note,
        "add_item": _add_item,
        "add_objective": _add_objective,
        "record_kpi": _record_kpi,
        "objective_title": _objective_title,
        "create_plan": _create_plan,
        "section": _section,
        "story": _story,
        "account_field": _account_field,
    }

    def values(self, what: str) -> Iterator[tuple[Any, set[Any]]]:
        """(key, values written) for one kind of target."""
        for (kind, key), values in self.written.items():
            if kind == what:
                yield key, values


def play(
    procs: tuple[Proc, Proc],
    commands: list[tuple[int, str, list[Any]]],
    plan: list[tuple[int, str, int, bool]],
) -> list[tuple[str, dict[str, Any]]]:
    """Send the commands in order; a step drawn as a race is sent together with the next
    one when that goes to the other process. Returns (kind, answer) in command order."""
    answers: list[tuple[str, dict[str, Any]]] = []
    n = 0
    while n < len(commands):
        who, kind, cmd = commands[n]
        race = plan[n][3] and n + 1 < len(commands) and commands[n + 1][0] != who
        if race:
            who2, kind2, cmd2 = commands[n + 1]
            procs[who].send(*cmd)
            procs[who2].send(*cmd2)
            answers.append((kind, procs[who].recv()))
            answers.append((kind2, procs[who2].recv()))
            n += 2
        else:
            answers.append((kind, procs[who].call(*cmd)))
            n += 1
    return answers


def check_onboarding(ws: Workspace, want: Expected) -> None:
    onboarding = ws.onboarding(want.acc)
    assert onboarding is not None
    by_id = {it.id: it for it in onboarding.items}
    assert all(by_id[i].done for i in want.ticked)
    for key, values in want.values("note"):
        assert by_id[key].notes in values
    titles = [it.title for it in onboarding.items]
    assert all(titles.count(t) == 1 for t in want.added_items)
    check_mirror(ws, want.acc)
    assert len(ws.store.all(OnboardingPlan.table)) == 1


def check_success_plans(ws: Workspace, want: Expected) -> None:
    success = ws.success_plan(want.acc)
    assert success is not None
    names = [o.title for o in success.objectives]
    assert all(names.count(t) == 1 for t in want.added_objectives)
    assert len({o.id for o in success.objectives}) == len(success.objectives)
    main = next(o for o in success.objectives if o.id == want.info["objective"])
    assert main.kpi is not None
    readings = {r.date.isoformat(): r.value for r in main.kpi.history}
    for (what, key), values in want.written.items():
        if what == "kpi":
            assert readings[key] in values
        elif what == "objective":
            assert main.title in values
    beta = want.info["beta"]
    beta_plans = [p for p in ws.store.all(SuccessPlan.table) if p["account_id"] == beta]
    assert len(beta_plans) == (1 if want.creates else 0)


def check_qbr_and_account(ws: Workspace, want: Expected) -> None:
    record = ws.qbr_record(want.acc, PERIOD)
    assert record is not None
    for key, values in want.values("section"):
        assert record.sections.get(key) in values
    assert want.stories <= set(record.stories)
    assert len(record.stories) == len(set(record.stories))
    account = ws.account(want.acc)
    assert account is not None
    for key, values in want.values("account"):
        assert getattr(account, key) in values


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(plan=steps)
def test_interleaved_writers_lose_nothing(
    book: tuple[Path, dict[str, Any]],
    procs: tuple[Proc, Proc],
    tmp_path: Path,
    plan: list[tuple[int, str, int, bool]],
) -> None:
    info = book[1]
    data = fresh_copy(book, tmp_path / "interleave")
    open_both(procs, data, info["account"])
    want = Expected(info)
    commands = [
        (who, kind, want.command(n, kind, pick)) for n, (who, kind, pick, _) in enumerate(plan)
    ]
    for kind, answer in play(procs, commands, plan):
        if kind == "create_plan" and "error" in answer:
            assert answer["error"] == "InvalidRecord"  # the plan exists: refused, not doubled
        else:
            assert "ok" in answer, (kind, answer)

    ws = Workspace.open(data, user="check")
    try:
        check_onboarding(ws, want)
        check_success_plans(ws, want)
        check_qbr_and_account(ws, want)
    finally:
        ws.close()
