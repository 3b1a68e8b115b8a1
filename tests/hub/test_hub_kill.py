"""Killing ``cstui sync`` (kill -9) at 20 random moments, then syncing again, converges:
nothing lost, nothing applied twice, no duplicate record."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from typing import Any

import pytest

from cstui.store import Store
from cstui.sync.hub import fields_of, travels

from .conftest import Team

pytestmark = pytest.mark.slow


def _book(store: Store) -> dict[tuple[str, str], dict[str, Any] | None]:
    out: dict[tuple[str, str], dict[str, Any] | None] = {}
    for table in store.tables():
        if travels(table):
            for rec in store.all(table, include_deleted=True):
                out[(table, rec["id"])] = None if rec.get("_deleted") else fields_of(rec)
    return out


def test_twenty_kills_then_one_sync_converge(team: Team) -> None:
    rnd = random.Random(15)
    with team.store(team.a) as a:
        accounts = [r["id"] for r in a.scan("accounts")]
    expected_seats: dict[str, int] = {}
    expected_notes: set[str] = set()
    landed = 0
    for kill in range(20):
        with team.store(team.a) as a:  # offline work between attempts
            for aid in rnd.sample(accounts, 4):
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
        proc = subprocess.Popen(
            [sys.executable, "-m", "cstui", "sync", "--data-dir", str(team.a), "-q"],
            env=team.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(rnd.uniform(0.3, 1.6))
        if proc.poll() is None:
            landed += 1
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    assert landed >= 5, f"only {landed} kills landed mid-sync"
    team.sync(team.a)
    team.sync(team.b)
    with team.store(team.hub) as hub, team.store(team.a) as a, team.store(team.b) as b:
        books = [_book(s) for s in (hub, a, b)]
        assert books[0] == books[1] == books[2]
        for s in (hub, a, b):
            assert s.count("conflicts") == 0
            for aid, seats in expected_seats.items():
                record = s.get("accounts", aid)
                assert record is not None and record["seats"] == seats
            notes = {r["id"] for r in s.scan("activities") if r["id"].startswith("note-")}
            assert notes == expected_notes
        tags = {r["id"]: r.get("tags") for r in hub.scan("accounts")}
        assert tags[accounts[19 % len(accounts)]] == ["hub-19"]
