"""One rescore per data folder per day: two real processes open on a new day, one rescores.

The other sees the rescore lock held (or today's scores already in) and gets the scores
through the journal, as it gets any edit.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from cstui import clock
from cstui.workspace import Workspace

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
NEW_DAY = date(2026, 11, 24)
"""The day after the demo was scored (the demo fixture is built on 2026-11-23)."""

SCRIPT = """
import json, sys, time
from pathlib import Path
from cstui.workspace import Workspace

data, go = Path(sys.argv[1]), Path(sys.argv[2])
ws = Workspace.open(data, user="me")
ws.portfolio()  # what the app has loaded before it rescores
print("ready", flush=True)
while not go.exists():
    time.sleep(0.01)
rescored = ws.rescore_if_due()
deadline = time.monotonic() + 120
while not ws.health_is_current() and time.monotonic() < deadline:
    time.sleep(0.05)
    ws.poll()
print(json.dumps({"rescored": rescored, "current": ws.health_is_current()}), flush=True)
ws.close()
"""


def test_two_processes_on_a_new_day_rescore_once(demo_dir: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(demo_dir, data)
    go = tmp_path / "go"
    env = {**os.environ, "CSTUI_TODAY": NEW_DAY.isoformat(), "CSTUI_USER": "me"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", SCRIPT, str(data), str(go)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for _ in range(2)
    ]
    for proc in procs:  # both have opened the folder (and seen yesterday's scores)
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"
    go.touch()
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=180)
        assert proc.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))
    assert sorted(r["rescored"] for r in results) == [False, True]
    assert all(r["current"] for r in results)

    clock.freeze(NEW_DAY)
    ws = Workspace.open(data, user="me")
    try:
        assert ws.health_is_current()
        stored = {r.id: r.health for r in ws.portfolio()}
        fresh = {result.account_id: result.score for result, _ in ws.evaluate()}
        assert stored == fresh
    finally:
        ws.close()


def test_rescore_skips_while_another_process_holds_the_lock(demo_dir: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(demo_dir, data)
    clock.freeze(NEW_DAY)
    holder = Workspace.open(data, user="me")
    ws = Workspace.open(data, user="me")
    try:
        lock = holder.rescore_lock()
        assert lock.try_acquire()
        try:
            assert not ws.rescore_if_due()
            assert not ws.health_is_current()
        finally:
            lock.release()
        assert ws.rescore_if_due()
        assert ws.health_is_current()
        # the other process picks the scores up through the journal
        holder.poll()
        assert holder.health_is_current()
        assert not holder.rescore_if_due()
    finally:
        ws.close()
        holder.close()


def test_an_import_of_a_few_accounts_scores_those_not_the_book(
    demo_dir: Path, tmp_path: Path
) -> None:
    """An import (or a sync) adds an account and changes another with no app open to score
    them: the next start scored every account again (at 50,000 accounts ~11 s of CPU),
    because one had no summary of the day. It scores those two; on a new day, the book."""
    data = tmp_path / "data"
    shutil.copytree(demo_dir, data)
    clock.freeze(date(2026, 11, 23))  # the demo's day: every account is scored for it
    try:
        ws = Workspace.open(data, user="me")
        changed = sorted(r.id for r in ws.portfolio() if r.band)[0]
        before = {r["id"]: r["_seq"] for r in ws.store.scan("health")}
        ws.update_account(changed, {"seats": 4321})
        new = ws.create_account({"name": "Brand New KK", "owner": "me"}).id
        ws.store.close(checkpoint=False)  # what the command wrote, nothing scored

        ws = Workspace.open(data, user="me")
        assert not ws.health_is_current()
        assert ws.accounts_to_score() == {changed, new}
        assert ws.rescore_if_due()
        assert ws.health_is_current()
        after = {r["id"]: r["_seq"] for r in ws.store.scan("health")}
        assert {a for a in after if after[a] != before.get(a)} == {changed, new}
        clock.freeze(NEW_DAY)
        assert ws.accounts_to_score() is None  # a new day: every account
        ws.close()
    finally:
        clock.freeze(None)
