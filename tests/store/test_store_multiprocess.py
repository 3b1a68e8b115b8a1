"""Several real processes on one data folder: crashes, concurrent writers, live updates.

Why the store exists, shown with plain TinyDB (not run here: it is nondeterministic): four
processes each doing 500 inserts into one ``TinyDB("db.json")`` read a half-written file
within the first few inserts and stop with ``JSONDecodeError``, and the file left behind no
longer parses (every write rewrites the whole file, with no lock). When tried while writing
this: all 4 processes failed by their second insert, and the final read failed too::

    import multiprocessing, tinydb
    def work(k):
        db = tinydb.TinyDB("db.json")
        for i in range(500):
            db.table("accounts").insert({"p": k, "i": i})
    ps = [multiprocessing.Process(target=work, args=(k,)) for k in range(4)]
    [p.start() for p in ps]; [p.join() for p in ps]
    print(len(tinydb.TinyDB("db.json").table("accounts")))  # JSONDecodeError

The same workload through ``Store`` is ``test_concurrent_writers_lose_nothing`` below.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import orjson
import pytest

from cstui.store import Store

pytestmark = pytest.mark.slow

WORKER = Path(__file__).with_name("_worker.py")
REPO = Path(__file__).resolve().parents[2]


def worker(*args: str) -> subprocess.Popen[str]:
    """Start ``_worker.py`` in a new interpreter (the package is importable via PYTHONPATH)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    return subprocess.Popen(
        [sys.executable, str(WORKER), *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


@pytest.mark.parametrize("seed", [1, 2])
def test_kill_9_mid_run_keeps_every_returned_edit(tmp_path: Path, seed: int) -> None:
    data = tmp_path / "data"
    kill_after = random.Random(seed).randint(100, 700)
    # A small checkpoint size makes the kill land in checkpoints too, now and then.
    proc = worker("edits", str(data), "1000", "k", "37", "20000")
    assert proc.stdout is not None
    printed: list[tuple[int, int]] = []
    for line in proc.stdout:
        seq, i = map(int, line.split())
        printed.append((seq, i))
        if len(printed) == kill_after:
            os.kill(proc.pid, signal.SIGKILL)
            break
    # Lines already read into proc.stdout's buffer or still in the pipe were committed too.
    # (communicate() reads the raw pipe and would skip the buffer, losing some of them.)
    rest = proc.stdout.read()
    _, err = proc.communicate(timeout=30)
    printed.extend(tuple(map(int, ln.split())) for ln in rest.splitlines())  # type: ignore[misc]
    assert proc.returncode == -signal.SIGKILL, err
    # Single writer on a fresh folder: edit i got seq i + 1.
    assert printed == [(i + 1, i) for i in range(len(printed))]

    store = Store(data, actor="checker")
    try:
        committed = store.last_seq
        # Every returned edit is there; at most one more (committed, killed before print).
        assert len(printed) <= committed <= len(printed) + 1
        expected: dict[str, int] = {}
        for i in range(committed):
            expected[f"k{i % 37}"] = i
        got = {r["id"]: r["v"] for r in store.all("accounts", include_deleted=True)}
        assert got == expected
        assert all(
            r["_rev"] == len(range(int(r["id"][1:]), committed, 37)) for r in store.all("accounts")
        )
        assert store.check() == [] or all("interrupted save" in p for p in store.check())
    finally:
        store.close()


def test_concurrent_writers_lose_nothing(tmp_path: Path) -> None:
    data = tmp_path / "data"
    Store(data, actor="init").close()
    procs = [worker("edits", str(data), "500", f"p{k}-", "500", "65536") for k in range(4)]
    seqs: list[int] = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        seqs.extend(int(line.split()[0]) for line in out.splitlines())
    # Global, gap-free, unique sequence numbers across all four writers.
    assert sorted(seqs) == list(range(1, 2001))
    with Store(data, actor="checker") as store:
        assert store.count("accounts") == 2000
        for k in range(4):
            for i in range(500):
                rec = store.get("accounts", f"p{k}-{i}")
                assert rec is not None
                assert rec["v"] == i
                assert rec["_rev"] == 1
        assert store.check() == []


def test_second_process_sees_an_edit_within_two_seconds(tmp_path: Path) -> None:
    data = tmp_path / "data"
    store = Store(data, actor="writer")
    proc = worker("watch", str(data), "fresh")
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"
        store.put("accounts", "fresh", {"name": "New Co"})
        elapsed = float(proc.stdout.readline())
        assert elapsed < 2.0
    finally:
        proc.kill()
        proc.communicate()
        store.close()


def test_checkpoints_by_one_process_while_another_edits_and_polls(tmp_path: Path) -> None:
    data = tmp_path / "data"
    a = Store(data, actor="A")
    proc = worker("edit-poll", str(data), "300")
    assert proc.stdout is not None
    assert proc.stdin is not None
    try:
        assert proc.stdout.readline().strip() == "ready"
        edited = threading.Event()
        lines: list[str] = []

        def read_output() -> None:
            assert proc.stdout is not None
            for line in proc.stdout:
                lines.append(line)
                if line.strip() == "edited":
                    edited.set()

        reader = threading.Thread(target=read_output, daemon=True)
        reader.start()
        i = 0
        while not edited.is_set():
            a.put("accounts", f"a{i}", {"i": i})
            i += 1
            if i % 5 == 0:
                a.checkpoint()
            time.sleep(0.002)
            assert i < 20000, "the other process never finished"
        # Two checkpoints B has not seen: B must reload from the snapshot.
        a.put("accounts", "last", {})
        a.checkpoint()
        a.put("accounts", "last", {"v": 1})
        a.checkpoint()
        a.put("accounts", "after", {})
        proc.stdin.write("go\n")
        proc.stdin.flush()
        assert proc.wait(timeout=60) == 0, proc.stderr.read() if proc.stderr else ""
        reader.join(timeout=10)
        b_view = orjson.loads(lines[-1])
        a.poll()
        a_view = {t: a.all(t, include_deleted=True) for t in a.tables()}
        assert b_view == a_view
        assert len(a_view["notes"]) == 300
        assert len(a_view["accounts"]) == i + 2
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
        a.close()
    with Store(data, actor="checker") as again:
        assert again.count("notes") == 300
        assert again.count("accounts") == i + 2
