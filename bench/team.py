"""Benchmark the team hub: a first clone, and a laptop's offline edits syncing with the hub.

    .venv/bin/python bench/team.py [--json] [--quick] [--dir PATH]

Builds demo books (``cstui.demo.generate``: accounts with contacts, activities, tasks,
onboarding, plans...) in a temp folder, then measures:

* ``clone_s_10k``: ``cstui clone`` of a 10,000-account hub over the local-path transport
  (a ``cstui serve --stdio`` child, what ssh would start), against ``cp -a`` of the hub's
  files (the floor: a clone must at least copy them); ``clone_mb_received_10k`` the bytes
  that crossed the pipe;
* ``sync_s_2000_edits_50k``: a clone of a 50,000-account hub makes 2,000 offline edits
  (account fields, tasks ticked, new notes), then ``HubSync.run`` pushes them and pulls the
  hub's own 200 edits; ``sync_kb_sent`` / ``sync_kb_received``: bytes each way.

``--quick`` uses 2,000 and 5,000 accounts. Run on the disk the data will live on (``--dir``).
"""

from __future__ import annotations

import argparse
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parents[1]))

from _common import Metric, parse_args, progress, report, stopwatch

from cstui.demo.generate import generate
from cstui.store import Store
from cstui.sync.hub import HubSync, clone


def build(folder: Path, accounts: int) -> None:
    tables = generate(accounts=accounts, seed=7)
    store = Store(folder, actor="bench")
    try:
        with store.chunked(5000) as writer:
            for table, records in tables.items():
                for rec in records:
                    writer.put(table, rec["id"], rec)
        store.checkpoint()
    finally:
        store.close()
    # The bulk load's automatic checkpoints each kept a backup; a real hub's folder holds
    # a few, and cp -a of ten 100 MB backups would flatter the clone. Measure the data.
    shutil.rmtree(folder / "backups")
    (folder / "backups").mkdir(mode=0o700)


def size_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6


def offline_edits(store: Store, rng: random.Random, n: int) -> None:
    accounts = [r["id"] for r in store.scan("accounts")]
    tasks = [r["id"] for r in store.scan("tasks")]
    edits: list[tuple[str, str, dict[str, Any]]] = []
    for i in range(n):
        kind = i % 4
        if kind == 0:
            edits.append(("accounts", rng.choice(accounts), {"seats": rng.randrange(1, 5000)}))
        elif kind == 1:
            edits.append(("accounts", rng.choice(accounts), {"tags": ["field", f"t{i}"]}))
        elif kind == 2:
            edits.append(("tasks", rng.choice(tasks), {"done": True, "done_on": "2026-03-01"}))
        else:
            aid = rng.choice(accounts)
            note = {"account_id": aid, "kind": "note", "date": "2026-03-01", "summary": f"n{i}"}
            edits.append(("activities", f"bench-note-{i}", note))
    with store.chunked(500) as writer:  # as a CSM's week of single edits would, in chunks
        for table, rid, values in edits:
            writer.put(table, rid, values)


def main(argv: list[str] | None = None) -> int:
    def extra(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--dir", type=Path, help="where to build the data (default: temp)")

    args = parse_args(__doc__.splitlines()[0], argv, extra)
    small, large = (2_000, 5_000) if args.quick else (10_000, 50_000)
    rng = random.Random(15)
    root = Path(tempfile.mkdtemp(prefix="cstui-bench-team-", dir=args.dir))
    progress(f"data in {root}")
    metrics: list[Metric] = []
    try:
        hub = root / "hub10k"
        with stopwatch(f"building a {small:,}-account hub"):
            build(hub, small)
        progress(f"hub files {size_mb(hub):.1f} MB")
        started = time.perf_counter()
        subprocess.run(["cp", "-a", str(hub), str(root / "copy")], check=True)
        cp_s = time.perf_counter() - started
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "cstui", "clone", str(hub), str(root / "lap10k"), "-q"],
            capture_output=True,
            text=True,
            check=False,
        )
        clone_s = time.perf_counter() - started
        if done.returncode != 0:
            raise SystemExit(done.stderr)
        started = time.perf_counter()
        _, received = clone(str(hub), root / "lap10k-inproc")
        inproc_s = time.perf_counter() - started
        metrics += [
            Metric(
                f"clone_s_{small // 1000}k",
                clone_s,
                "s",
                cp_s,
                2 * cp_s,
                note="cstui clone (new processes) vs cp -a",
            ),
            Metric(
                f"clone_inproc_s_{small // 1000}k",
                inproc_s,
                "s",
                cp_s,
                2 * cp_s,
                note="clone() without this process's start-up",
            ),
            Metric(
                f"clone_mb_received_{small // 1000}k",
                received / 1e6,
                "MB",
                size_mb(hub),
                note="bytes over the pipe vs the hub's files",
            ),
        ]
        big = root / "hub50k"
        with stopwatch(f"building a {large:,}-account hub"):
            build(big, large)
        progress(f"hub files {size_mb(big):.1f} MB")
        laptop = root / "lap50k"
        with stopwatch("cloning it"):
            clone(str(big), laptop)
        with Store(laptop, actor="csm") as lap, stopwatch("2,000 offline edits on the laptop"):
            offline_edits(lap, rng, 2000)
        with Store(big, actor="team") as team:
            offline_edits(team, random.Random(99), 200)
        with Store(laptop, actor="csm") as lap, HubSync(lap) as hub_sync:
            started = time.perf_counter()
            result = hub_sync.run()
            sync_s = time.perf_counter() - started
        progress(
            f"pushed {result.pushed}, pulled {result.pulled}, conflicts {result.open_conflicts}"
        )
        metrics += [
            Metric(
                f"sync_s_2000_edits_{large // 1000}k",
                sync_s,
                "s",
                None,
                3.0,
                note=f"pushed {result.pushed}, pulled {result.pulled}",
            ),
            Metric("sync_kb_sent", result.sent / 1e3, "kB"),
            Metric("sync_kb_received", result.received / 1e3, "kB"),
        ]
    finally:
        shutil.rmtree(root, ignore_errors=True)
    report(metrics, as_json=args.json, title="team hub")
    return 0


if __name__ == "__main__":
    sys.exit(main())
