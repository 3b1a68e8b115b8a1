"""Kill ``cstui sync`` (SIGKILL) 20 times, while people keep editing.

Half the kills are deterministic: the fake HubSpot holds the sync's k-th request (k
chosen by the seed), before or after applying it, and the process is killed while it
waits for that answer, so every one of them lands mid-sync whatever the machine's load.
The other half kill at a random moment after the first request, which also reaches the
points between requests (storing a page, recording what was sent).

Then one more sync must leave the CRM and the local store identical: every local edit
arrived, every CRM edit arrived, and no company, contact, note or task exists twice.
``CSTUI_KILL_SEED=n`` replays other kill points (the default seed is fixed).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cstui.exitcodes import EXIT_ACTION
from cstui.sync.meta import get_meta
from cstui.workspace import Workspace

from .conftest import Harness, assert_converged, make_config, seed_local, seed_remote
from .fake_crm import FakeCRM, Hold

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
TOKEN = "kill-test-token-0123456789"
STAGES = ["onboarding", "adoption", "expansion", "renewal", "advocacy"]


def _start(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "cstui.cli.sync", "--quiet"],
        env=env,
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def test_random_kills_converge_without_loss_or_duplicates(tmp_path: Path) -> None:
    rng = random.Random(int(os.environ.get("CSTUI_KILL_SEED", "20261123")))
    data, config_dir = tmp_path / "data", tmp_path / "config"
    config_dir.mkdir()
    (config_dir / "sync.toml").write_text(
        "[hubspot]\npage_size = 4\nbatch_size = 3\nsearch_per_second = 500\ntimeout = 2.0\n"
    )
    with FakeCRM(token=TOKEN, latency=0.01) as crm:
        env = {
            **os.environ,
            "PYTHONPATH": str(REPO),
            "CSTUI_CONFIG_DIR": str(config_dir),
            "CSTUI_DATA_DIR": str(data),
            "CSTUI_HUBSPOT_URL": crm.url,
            "CSTUI_HUBSPOT_TOKEN": TOKEN,
            "CSTUI_USER": "sync",
        }
        ws = Workspace.open(data, user="me")
        accounts = seed_local(ws, 8)
        seed_remote(crm, 5)
        stages: dict[str, str] = {}
        titles: dict[str, str] = {}
        notes: list[str] = []
        names: dict[str, str] = {}
        for round_no in range(20):
            before = crm.requests()
            hold = None
            if round_no % 2 == 0:  # killed while HubSpot holds its k-th request
                # Every sync pulls first, one search per HubSpot object (7): k ≤ 7 is
                # always reached, before or after HubSpot applied the request.
                hold = crm.hold(rng.randint(1, 7), apply=rng.random() < 0.5)
            proc = _start(env)
            if hold is not None:
                _wait_for_hold(proc, hold)
            else:
                _wait_for_first_request(crm, before)
                time.sleep(rng.uniform(0.0, 0.3))
            if rng.random() < 0.5:  # the app edits while the sync runs
                ws.poll()
                acc = rng.choice(accounts)
                stages[acc] = rng.choice(STAGES)
                ws.update_account(acc, {"stage": stages[acc]})
            cmdline = Path(f"/proc/{proc.pid}/cmdline")
            if cmdline.exists():
                assert TOKEN.encode() not in cmdline.read_bytes()
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            if hold is not None:
                hold.release.set()
                assert proc.returncode == -signal.SIGKILL  # it was waiting: killed mid-sync
            # Between runs: more local work, and someone edits HubSpot.
            ws.poll()
            acc = rng.choice(accounts)
            notes.append(ws.log_activity(acc, f"Round {round_no} call notes").id)
            task = rng.choice(ws.tasks(rng.choice(accounts)))
            titles[task.id] = f"{task.title.split(' (')[0]} (r{round_no})"
            ws.store.put("tasks", task.id, {"title": titles[task.id]})
            synced = [a for a in ws.store.all("accounts") if get_meta(a, "hubspot").get("rid")]
            if synced:
                rid = get_meta(rng.choice(synced), "hubspot")["rid"]
                names[rid] = f"Renamed {round_no} Corp"
                crm.update("companies", rid, {"name": names[rid]})
        done = _final_sync(env)
        assert done.returncode == 0, done.stdout + done.stderr
        ws.poll()
        h = Harness(ws, crm, make_config(tmp_path, crm))
        assert_converged(h)
        _assert_edits_arrived(ws, crm, stages, names, titles)
        remote_notes = {o.props.get("cstui_id") for o in crm.all("notes")}
        assert set(notes) <= remote_notes
        assert len(crm.all("companies")) == 13
        assert len(crm.all("notes")) == 13 + len(notes)
        ws.close()


def _wait_for_hold(proc: subprocess.Popen[bytes], hold: Hold) -> None:
    """Until the fake HubSpot holds the chosen request; a sync that ends (or hangs)
    before it fails the test with its own error output rather than a bare timeout."""
    deadline = time.monotonic() + 120
    while not hold.reached.wait(0.1):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            _, err = proc.communicate()
            raise AssertionError(f"the sync never reached its kill point: {err!r}")


def _wait_for_first_request(crm: FakeCRM, before: int) -> None:
    """Until the sync has sent its first request (at most 5 s), so a random kill after
    it lands mid-sync rather than during start-up."""
    started = time.monotonic()
    while crm.requests() == before and time.monotonic() - started < 5:
        time.sleep(0.005)


def _final_sync(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """The sync that must converge (up to three tries); on conflicts (exit 3, a false
    conflict is a bug) the listing goes to stderr to show in the failure."""
    for _ in range(3):
        done = subprocess.run(
            [sys.executable, "-m", "cstui.cli.sync", "--quiet"],
            env=env,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        if done.returncode == 0:
            break
    if done.returncode == EXIT_ACTION:
        listing = subprocess.run(
            [sys.executable, "-m", "cstui.cli.sync", "--conflicts"],
            env=env,
            cwd=REPO,
            capture_output=True,
            text=True,
            check=False,
        )
        print(listing.stdout, file=sys.stderr)
    return done


def _assert_edits_arrived(
    ws: Workspace,
    crm: FakeCRM,
    stages: dict[str, str],
    names: dict[str, str],
    titles: dict[str, str],
) -> None:
    """The last edit of each kind is on both sides: stages made here while syncs ran,
    company names changed in HubSpot, task titles changed here between runs."""
    by_rid = {get_meta(a, "hubspot")["rid"]: a for a in ws.store.all("accounts")}
    for acc, stage in stages.items():
        record = ws.store.get("accounts", acc) or {}
        assert record["stage"] == stage
        rid = get_meta(record, "hubspot")["rid"]
        assert crm.objects["companies"][rid].props["cstui_stage"] == stage
    for rid, name in names.items():
        assert by_rid[rid]["name"] == name
        assert crm.objects["companies"][rid].props["name"] == name
    for task_id, title in titles.items():
        rid = get_meta(ws.store.get("tasks", task_id) or {}, "hubspot")["rid"]
        assert crm.objects["tasks"][rid].props["hs_task_subject"] == title
