"""A workspace in its own process, driven line by line (run as a script, not collected).

Reads one JSON command per line on stdin and answers one JSON line on stdout, so a test can
interleave two real processes on one data folder step by step, or send both a command at
once. The workspace never polls unless told (``["poll"]``): between its own commands it
works from the copy it read, as an app does between two 1 s polls.

Commands (a JSON list: name, then arguments):
  ["open", DIR, USER]             open the workspace (clock frozen on the tests' day)
  ["warm", ACCOUNT]               read the plans, tasks and QBR into the caches
  ["poll"]                        pick up other processes' commits
  ["close"]                       close and exit
  [OP, ...]                       one workspace mutation, see ``OPS``
Answers: {"ok": VALUE} or {"error": TYPE, "message": TEXT}.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from datetime import date
from typing import Any

import orjson

from cstui import clock, i18n
from cstui.domain import qbr as q
from cstui.workspace import Workspace

TODAY = date(2026, 11, 23)
PERIOD = q.default_period(TODAY)


def _task_of(ws: Workspace, account: str, item_id: str) -> str:
    plan = ws.onboarding(account)
    assert plan is not None
    key = f"onboarding:{plan.id}:{item_id}"
    return next(t.id for t in ws.tasks(account, include_done=True) if t.key == key)


def _first_phase(ws: Workspace, account: str) -> str:
    plan = ws.onboarding(account)
    assert plan is not None
    return plan.items[0].phase


OPS: dict[str, Callable[..., Any]] = {
    "tick": lambda ws, a, item: ws.set_onboarding_item(a, item, done=True) and None,
    "tick_task": lambda ws, a, item: ws.complete_task(_task_of(ws, a, item)) and None,
    "item_note": lambda ws, a, item, text: ws.set_onboarding_item(a, item, notes=text) and None,
    "add_item": lambda ws, a, title: (
        ws.add_onboarding_item(a, phase=_first_phase(ws, a), title=title, due=None) and None
    ),
    "add_objective": lambda ws, a, title: ws.add_objective(a, {"title": title}).id,
    "record_kpi": lambda ws, a, obj, value, day: (
        ws.record_kpi(a, obj, value, date.fromisoformat(day)) and None
    ),
    "objective_title": lambda ws, a, obj, title: (
        ws.update_objective(a, obj, {"title": title}) and None
    ),
    "create_plan": lambda ws, a, goal: ws.create_success_plan(a, goal=goal).id,
    "section": lambda ws, a, section, text: (
        ws.update_qbr_section(a, PERIOD, section, text) and None
    ),
    "story": lambda ws, a, activity: ws.mark_story(a, PERIOD, activity, True) and None,
    "account_field": lambda ws, a, field, value: ws.update_account(a, {field: value}) and None,
}


def _warm(ws: Workspace, account: str) -> None:
    ws.onboarding(account)
    ws.success_plan(account)
    ws.tasks(account, include_done=True)
    ws.qbr_record(account, PERIOD)
    ws.account(account)


def main() -> None:
    clock.freeze(TODAY)
    os.environ["CSTUI_CONFIG_DIR"] = "/nonexistent/cstui-test-config"
    i18n.set_language("en")
    ws: Workspace | None = None
    for line in sys.stdin:
        cmd = orjson.loads(line)
        name, args = cmd[0], cmd[1:]
        out: dict[str, Any]
        try:
            if name == "open":
                if ws is not None:
                    ws.close()
                ws = Workspace.open(args[0], user=args[1])
                out = {"ok": None}
            elif name == "close":
                if ws is not None:
                    ws.close()
                sys.stdout.write(orjson.dumps({"ok": None}).decode() + "\n")
                sys.stdout.flush()
                return
            else:
                assert ws is not None, "open first"
                if name == "warm":
                    _warm(ws, args[0])
                    out = {"ok": None}
                elif name == "poll":
                    out = {"ok": len(ws.poll())}
                else:
                    out = {"ok": OPS[name](ws, *args)}
        except Exception as exc:  # reported to the test, which decides
            out = {"error": type(exc).__name__, "message": str(exc)}
        sys.stdout.write(orjson.dumps(out).decode() + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
