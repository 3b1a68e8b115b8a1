"""Benchmark the store: one committed edit and opening, against plain TinyDB on the same data.

    .venv/bin/python bench/store.py [--json] [--quick] [--dir PATH]

Builds 10k accounts (~25 fields) + 100k activities (~10 fields) in a temp folder, then
measures:

* ``edit_p50_ms_10k`` / ``edit_p99_ms_10k``: ``Store.put`` of 1-2 fields on a random account,
  committed (journal append + fsync under the lock), ~500 edits;
* ``edit_p50_ms_50k``: the same with 50k accounts;
* ``open_s_10k``: ``Store(...)`` on a checkpointed folder (10k accounts + 100k activities)
  until it can answer queries. Tables are parsed on first use, so this is the time to a
  first screen; ``open_all_s_10k`` adds reading one record of every table (everything
  parsed), for comparison with TinyDB, which parses the whole file on its first read.

Baseline, same run and data: plain ``TinyDB`` with its default JSONStorage (edit =
``table.update`` of one document; open = constructing it and reading the accounts table).
Edits depend on fsync latency, so run on the disk the data will live on (``--dir``).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from tinydb import TinyDB

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parents[1]))

from _common import Metric, parse_args, percentile, progress, report, stopwatch

from cstui.store import Store

INDUSTRIES = ["SaaS", "Manufacturing", "Retail", "Finance", "Healthcare", "Logistics", "Media"]
STAGES = ["onboarding", "adoption", "expansion", "renewal", "at_risk"]
KINDS = ["call", "meeting", "email", "note", "qbr"]
WORDS = [
    "renewal",
    "budget",
    "champion",
    "rollout",
    "training",
    "usage",
    "dashboard",
    "integration",
    "escalation",
    "pricing",
    "roadmap",
    "adoption",
    "sponsor",
    "workshop",
    "feedback",
    "migration",
    "security",
    "invoice",
    "onboarding",
    "expansion",
]


def sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def make_account(rng: random.Random, i: int) -> dict[str, Any]:
    arr = rng.randrange(5_000, 2_000_000, 500)
    return {
        "id": f"acc-{i:06d}",
        "name": f"Company {i} {rng.choice(['KK', 'Inc', 'GmbH', 'Ltd', 'SAS'])}",
        "domain": f"company{i}.example.com",
        "industry": rng.choice(INDUSTRIES),
        "segment": rng.choice(["SMB", "Mid-market", "Enterprise"]),
        "tier": rng.choice(["high", "medium", "low"]),
        "owner": f"csm{rng.randrange(40)}",
        "arr": arr,
        "mrr": arr // 12,
        "currency": rng.choice(["USD", "JPY", "EUR"]),
        "renewal_date": f"202{rng.randrange(5, 8)}-{rng.randrange(1, 13):02d}-15",
        "contract_start": f"202{rng.randrange(0, 5)}-{rng.randrange(1, 13):02d}-01",
        "health": rng.randrange(101),
        "health_trend": rng.choice(["up", "flat", "down"]),
        "stage": rng.choice(STAGES),
        "nps": rng.randrange(-100, 101),
        "csat": round(rng.uniform(1, 5), 1),
        "last_touch": f"2024-{rng.randrange(1, 13):02d}-{rng.randrange(1, 28):02d}",
        "seats": rng.randrange(5, 5000),
        "active_users": rng.randrange(1, 5000),
        "usage_pct": round(rng.uniform(0, 100), 1),
        "region": rng.choice(["APAC", "EMEA", "AMER"]),
        "country": rng.choice(["JP", "US", "DE", "FR", "GB", "SG"]),
        "tags": rng.sample(["strategic", "reference", "beta", "partner", "at-risk"], 2),
        "plan_summary": sentence(rng, 16),
    }


def make_activity(rng: random.Random, i: int, accounts: int) -> dict[str, Any]:
    return {
        "id": f"act-{i:07d}",
        "account_id": f"acc-{rng.randrange(accounts):06d}",
        "kind": rng.choice(KINDS),
        "date": f"2024-{rng.randrange(1, 13):02d}-{rng.randrange(1, 28):02d}",
        "summary": sentence(rng, 12),
        "participants": [f"con-{rng.randrange(100000):06d}" for _ in range(rng.randrange(1, 3))],
        "sentiment": rng.choice(["positive", "neutral", "negative"]),
        "via_champion": rng.random() < 0.3,
        "created_by": f"csm{rng.randrange(40)}",
        "duration_min": rng.choice([15, 30, 45, 60]),
    }


def fill(store: Store, table: str, records: list[dict[str, Any]], batch: int = 5000) -> None:
    for start in range(0, len(records), batch):
        with store.transaction() as txn:
            for rec in records[start : start + batch]:
                txn.put(table, rec["id"], rec)


def time_edits(store: Store, rng: random.Random, accounts: int, n: int) -> list[float]:
    # Flush the setup's bulk writes first, so fsync times are the steady state.
    os.sync()
    times = []
    for _ in range(n):
        rid = f"acc-{rng.randrange(accounts):06d}"
        fields: dict[str, Any] = {"health": rng.randrange(101)}
        if rng.random() < 0.5:
            fields["stage"] = rng.choice(STAGES)
        start = time.perf_counter()
        store.put("accounts", rid, fields)
        times.append(time.perf_counter() - start)
    return times


def tinydb_baseline(
    folder: Path,
    accounts: list[dict[str, Any]],
    activities: list[dict[str, Any]],
    rng: random.Random,
    edits: int,
) -> tuple[list[float], float]:
    """Plain TinyDB, default JSONStorage: per-edit times and open-to-first-read time."""
    path = folder / f"tinydb-{len(accounts)}.json"
    with stopwatch(f"plain TinyDB: writing {len(accounts):,} accounts"):
        db = TinyDB(path)
        db.table("accounts").insert_multiple(accounts)
        db.table("activities").insert_multiple(activities)
        db.close()
    times = []
    db = TinyDB(path)
    table = db.table("accounts")
    for _ in range(edits):
        doc_id = rng.randrange(1, len(accounts) + 1)
        start = time.perf_counter()
        table.update({"health": rng.randrange(101)}, doc_ids=[doc_id])
        times.append(time.perf_counter() - start)
    db.close()
    start = time.perf_counter()
    db = TinyDB(path)
    len(db.table("accounts"))  # TinyDB reads the file lazily: force the first read
    open_s = time.perf_counter() - start
    db.close()
    path.unlink()
    return times, open_s


def main(argv: list[str] | None = None) -> int:
    def extra(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--dir", type=Path, help="where to build the data (default: temp)")

    args = parse_args(__doc__.splitlines()[0], argv, extra)
    quick: bool = args.quick
    edits = 200 if quick else 500
    baseline_edits = 3 if quick else 20
    baseline_edits_50k = 2 if quick else 5
    opens = 1 if quick else 3
    rng = random.Random(42)
    root = Path(tempfile.mkdtemp(prefix="cstui-bench-", dir=args.dir))
    progress(f"data in {root}")
    try:
        with stopwatch("generating 50,000 accounts and 100,000 activities"):
            accounts = [make_account(rng, i) for i in range(50_000)]
            activities = [make_activity(rng, i, 10_000) for i in range(100_000)]
        data = root / "store"

        with stopwatch("store: loading 10,000 accounts + 100,000 activities"):
            store = Store(data, actor="bench")
            fill(store, "accounts", accounts[:10_000])
            fill(store, "activities", activities)
            store.checkpoint()
        progress(f"snapshot size {store.snapshot_path.stat().st_size / 1e6:.1f} MB")
        edit_10k = time_edits(store, rng, 10_000, edits)
        store.close()

        open_times, open_all_times = [], []
        for _ in range(opens):
            start = time.perf_counter()
            store = Store(data, actor="bench")
            open_times.append(time.perf_counter() - start)
            assert store.count("accounts") == 10_000
            assert store.count("activities") == 100_000
            open_all_times.append(time.perf_counter() - start)
            store.close(checkpoint=False)

        with stopwatch("store: growing to 50,000 accounts"):
            store = Store(data, actor="bench")
            fill(store, "accounts", accounts[10_000:])
            store.checkpoint()
        edit_50k = time_edits(store, rng, 50_000, edits)
        store.close()

        base_10k, base_open_10k = tinydb_baseline(
            root, accounts[:10_000], activities, rng, baseline_edits
        )
        base_50k, _ = tinydb_baseline(root, accounts, activities, rng, baseline_edits_50k)
    finally:
        shutil.rmtree(root, ignore_errors=True)

    ms = 1000.0
    metrics = [
        Metric(
            "edit_p50_ms_10k",
            percentile(edit_10k, 50) * ms,
            "ms",
            percentile(base_10k, 50) * ms,
            target=5,
        ),
        Metric(
            "edit_p99_ms_10k",
            percentile(edit_10k, 99) * ms,
            "ms",
            percentile(base_10k, 99) * ms,
            target=20,
        ),
        Metric(
            "edit_p50_ms_50k",
            percentile(edit_50k, 50) * ms,
            "ms",
            percentile(base_50k, 50) * ms,
            target=10,
        ),
        Metric(
            "open_s_10k",
            sorted(open_times)[len(open_times) // 2],
            "s",
            base_open_10k,
            target=0.5,
            note="10k accounts + 100k activities; tables parsed on first use",
        ),
        Metric(
            "open_all_s_10k",
            sorted(open_all_times)[len(open_all_times) // 2],
            "s",
            base_open_10k,
            note="the same, every table parsed",
        ),
    ]
    title = (
        f"store: {edits} edits, TinyDB baseline {baseline_edits} edits at 10k, "
        f"{baseline_edits_50k} at 50k (+100k activities each)"
    )
    report(metrics, as_json=args.json, title=title)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
