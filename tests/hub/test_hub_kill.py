"""Killing a hub sync (kill -9) at 20 protocol points, then syncing again, converges:
nothing lost, nothing applied twice, no duplicate record.

Laptop ``a`` is cloned from ``relayhost:/path`` with ``CSTUI_SSH_COMMAND`` pointing at
``relay.py``, a stand-in for ssh that runs the server here and holds the conversation's
K-th message (K and who gets killed come from a seeded RNG). A sync with local changes
says, in order (L = laptop, H = hub):

====  ========  ==========================================================================
 K    held      where the kill lands
====  ========  ==========================================================================
 1    L hello   before the server has heard anything
 2    H hello   connected, nothing pushed
 3    L push    the push is sent but the hub never receives it
 4    H pushed  the hub has applied the push; the laptop never sees the ack
 5    L pull    the ack's bases are recorded, the pull never reaches the hub
 6    H page    the hub answered the pull; the laptop never applies the page
 7    L bye     everything pulled and applied; the run's end is not recorded
====  ========  ==========================================================================

Each point is killed on the laptop (``cstui sync``), on the server (``cstui serve``) or
both, so every kill lands mid-sync whatever the machine's load: no sleeps, no timing.
``CSTUI_KILL_SEED=n`` replays another schedule (the default seed is fixed).
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import shlex
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from cstui.exitcodes import EXIT_REMOTE
from cstui.store import Store
from cstui.sync.hub import fields_of, travels

from . import relay
from .conftest import Team

pytestmark = pytest.mark.slow

RELAY = Path(relay.__file__).resolve()
MESSAGES = ["hello", "hello", "push", "pushed", "pull", "page", "bye"]
"""The conversation of one sync with local changes (one push batch, one page)."""
AUTHORS = ["laptop", "hub", "laptop", "hub", "laptop", "hub", "laptop"]
MODES = ("laptop", "server", "both")
WAIT = 60.0
"""Generous: a sync reaches any point in well under a second on an idle machine."""


def _book(store: Store) -> dict[tuple[str, str], dict[str, Any] | None]:
    out: dict[tuple[str, str], dict[str, Any] | None] = {}
    for table in store.tables():
        if travels(table):
            for rec in store.all(table, include_deleted=True):
                out[(table, rec["id"])] = None if rec.get("_deleted") else fields_of(rec)
    return out


def _schedule(rnd: random.Random) -> list[tuple[int, str]]:
    """20 of the 21 (point, who) pairs in a seeded order; every point, all three kills
    right after the hub applied a push (K=4), the one a re-sent batch must survive."""
    pairs = [(k, mode) for k in range(1, len(MESSAGES) + 1) for mode in MODES]
    pairs.remove(rnd.choice([p for p in pairs if p[0] != 4]))
    rnd.shuffle(pairs)
    return pairs


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        return None
    assert isinstance(data, dict)
    return data


def _diagnose(folder: Path, sync_err: Path) -> str:
    parts = []
    for path in (sync_err, folder / relay.LOG, folder / relay.SERVER_ERR):
        if path.exists():
            parts.append(f"--- {path.name}:\n{path.read_text(errors='replace')[-2000:]}")
    return "\n".join(parts) or "(no output)"


def _wait_for(
    path: Path, folder: Path, sync_err: Path, proc: subprocess.Popen[bytes] | None
) -> dict[str, Any]:
    """The file's content; fails with the relay's and sync's output if it never comes."""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        data = _read_json(path)
        if data is not None:
            return data
        if proc is not None and proc.poll() is not None and _read_json(path) is None:
            pytest.fail(
                f"cstui sync ended (exit {proc.returncode}) before {path.name}:\n"
                + _diagnose(folder, sync_err)
            )
        time.sleep(0.005)
    pytest.fail(f"no {path.name} after {WAIT:.0f} s:\n" + _diagnose(folder, sync_err))


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def _interrupted_sync(
    team: Team, env: dict[str, str], folder: Path, k: int, mode: str
) -> tuple[dict[str, Any], int]:
    """Start ``cstui sync`` on ``a``, kill at message ``k``; (the marker, sync's exit)."""
    folder.mkdir()
    sync_err = folder / "sync.err"
    with open(sync_err, "wb") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "cstui", "sync", "--data-dir", str(team.a), "-q"],
            env={**env, relay.KILL_AT_ENV: str(k), relay.DIR_ENV: str(folder)},
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
    marker: dict[str, Any] | None = None
    try:
        marker = _wait_for(folder / relay.MARKER, folder, sync_err, proc)
        if mode in ("server", "both"):
            _kill(int(marker["server"]))
        if mode in ("laptop", "both"):
            _kill(proc.pid)
        code = proc.wait(timeout=WAIT)
        _wait_for(folder / relay.DONE, folder, sync_err, None)  # the server is reaped
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if marker is not None and _read_json(folder / relay.DONE) is None:
            _kill(int(marker["server"]))
            _kill(int(marker["relay"]))
    return marker, code


def _relay_env(team: Team) -> dict[str, str]:
    """The user's environment with ``ssh`` played by the relay (the documented overrides)."""
    return {
        **team.env,
        "CSTUI_SSH_COMMAND": f"{shlex.quote(sys.executable)} {shlex.quote(str(RELAY))}",
        "CSTUI_REMOTE_COMMAND": f"{shlex.quote(sys.executable)} -m cstui",
    }


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cstui", *args],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def _clone_a_through_relay(team: Team, env: dict[str, str]) -> None:
    """Laptop ``a`` clones the hub again, as ``relayhost:/path``, the way a user would."""
    shutil.rmtree(team.a)
    remote = f"relayhost:{team.hub}"
    done = _cli(env, "clone", remote, str(team.a), "-q")
    assert done.returncode == 0, done.stderr
    status = _cli(env, "sync", "--data-dir", str(team.a), "--status")
    assert f"Hub: {remote}" in status.stdout, status.stdout + status.stderr


def test_twenty_kills_then_one_sync_converge(team: Team) -> None:
    rnd = random.Random(int(os.environ.get("CSTUI_KILL_SEED", "15")))
    env = _relay_env(team)
    _clone_a_through_relay(team, env)
    with team.store(team.a) as a:
        accounts = [r["id"] for r in a.scan("accounts")]
    expected_seats: dict[str, int] = {}
    expected_notes: set[str] = set()
    for kill, (k, mode) in enumerate(_schedule(rnd)):
        with team.store(team.a) as a:  # offline work between attempts
            # Any account, also one whose last push the hub applied without the laptop
            # seeing the answer (K=4): that edit is ours, not a conflict.
            for aid in rnd.sample(accounts, min(4, len(accounts))):
                expected_seats[aid] = rnd.randrange(1, 10_000)
                a.put("accounts", aid, {"seats": expected_seats[aid]})
            for n in range(30):
                nid = f"note-{kill}-{n}"
                a.put("activities", nid, {"account_id": accounts[n % len(accounts)],
                                          "kind": "note", "date": "2026-03-01",
                                          "summary": f"visit {kill}/{n}"})  # fmt: skip
                expected_notes.add(nid)
        with team.store(team.hub) as hub:  # the team keeps working on the server
            hub.put("accounts", accounts[kill % len(accounts)], {"tags": [f"hub-{kill}"]})
        marker, code = _interrupted_sync(team, env, team.root / f"kill-{kill}", k, mode)
        point = f"round {kill}: K={k} ({mode})"
        assert (marker["k"], marker["type"], marker["author"]) == (
            k, MESSAGES[k - 1], AUTHORS[k - 1],
        ), point  # fmt: skip
        if mode != "server":
            assert code == -signal.SIGKILL, point
        elif k < len(MESSAGES):
            assert code == EXIT_REMOTE, f"{point}: a broken connection fails the run"
        else:
            assert code == 0, f"{point}: the connection broke after the last page"

    final = _cli(env, "sync", "--data-dir", str(team.a), "-q")
    assert final.returncode == 0, final.stderr
    team.sync(team.b)
    with team.store(team.hub) as hub, team.store(team.a) as a, team.store(team.b) as b:
        books = [_book(s) for s in (hub, a, b)]
        assert books[0] == books[1] == books[2]
        for s in (hub, a, b):
            assert s.count("conflicts") == 0
            for aid, seats in expected_seats.items():
                record = s.get("accounts", aid)
                assert record is not None
                assert record["seats"] == seats
            notes = {r["id"] for r in s.scan("activities") if r["id"].startswith("note-")}
            assert notes == expected_notes
        revs = {r["_rev"] for r in hub.scan("activities") if r["id"].startswith("note-")}
        assert revs == {1}, "a note was written more than once on the hub"
        tags = {r["id"]: r.get("tags") for r in hub.scan("accounts")}
        assert tags[accounts[19 % len(accounts)]] == ["hub-19"]


@pytest.mark.parametrize("mode", MODES)
def test_an_edit_after_a_lost_ack_is_not_a_conflict(team: Team, mode: str) -> None:
    env = _relay_env(team)
    _clone_a_through_relay(team, env)
    with team.store(team.a) as a:
        aid = next(iter(a.scan("accounts")))["id"]
        a.put("accounts", aid, {"seats": 1111})
    marker, _ = _interrupted_sync(team, env, team.root / "kill", 4, mode)
    assert marker["type"] == "pushed"
    assert team.get(team.hub, "accounts", aid)["seats"] == 1111  # the hub applied it
    with team.store(team.a) as a:
        a.put("accounts", aid, {"seats": 2222})  # edited again before any ack came
    final = _cli(env, "sync", "--data-dir", str(team.a), "-q")
    with team.store(team.a) as a:
        conflicts = [(c["field"], c.get("mine"), c.get("theirs")) for c in a.scan("conflicts")]
    assert conflicts == []
    assert final.returncode == 0, final.stderr
    assert team.get(team.hub, "accounts", aid)["seats"] == 2222
