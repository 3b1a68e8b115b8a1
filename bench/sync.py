"""Benchmark CRM sync against the fake HubSpot under HubSpot's rate limits.

    .venv/bin/python bench/sync.py [--json] [--quick] [--records N]

The fake CRM (``tests/sync/fake_crm.py``) runs as its own process on 127.0.0.1 and
enforces HubSpot's documented limits: 100 requests per rolling 10 s, and 4 searches per
second. It starts with 10,000 companies (1,000 with ``--quick``). Measured, in one
process as the app's sync worker would run:

* ``pull_s``: a first sync into an empty data folder (every company pulled);
* ``push_s``: after a change to a synced field of every account, the next sync (its
  pull finds nothing new; its push writes 10,000 changes);
* ``sync_total_s``: both, against ``baseline`` = the **rate-limit floor**: the time an
  ideal client with zero latency and zero processing needs to send the minimum number of
  requests (pages of 200, batches of 100, one search per empty table) in the order a
  correct sync must use (pull before push), never exceeding the limits. The target is
  1.2 × the floor. Sending *fewer* requests is the only way to beat the floor, so
  ``requests_per_record`` is reported too, with the minimum as its baseline;
* ``rate_limited_429``: 429 answers received (0 means the client's own budget kept it
  under the server's limit, so no time was lost to Retry-After);
* ``echo_pulled``: records the sync after the push applied or counted as pulled. Its
  searches return the 10,000 records just pushed (HubSpot cannot leave out a client's
  own writes); they equal what was sent, so the baseline is 0;
* ``no_change_requests``: requests of a sync when nothing changed anywhere: one search
  per HubSpot object (companies, contacts, notes, calls, meetings, emails, tasks).

``--no-search-limit`` keeps only the 100/10 s window (on the fake and the client); the
floor then assumes the 10,000 pulled records are stored in no time, so local processing
shows. ``--quick`` (1,000 records) is a smoke test: whole one-second search windows
dominate its ratio.

Why pull-before-push makes the floor what it is: HubSpot has no conditional writes, so
the engine must see the CRM's changes before pushing (or a field changed on both sides
would be overwritten instead of becoming a conflict); the pushes therefore queue behind
the search-rate-limited pull in the rolling window.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import deque
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parents[1]))

from _common import Metric, parse_args, progress, report

from cstui.store import Store
from cstui.sync.config import SyncConfig
from cstui.sync.service import SyncService

REPO = Path(__file__).resolve().parents[1]
TOKEN = "bench-token-not-secret"
WINDOW = (100, 10.0)
SEARCH = (4, 1.0)
PAGE, BATCH = 200, 100


def rate_limit_floor(sequence: list[bool], search: tuple[int, float] | None = SEARCH) -> float:
    """Earliest time the last request can start: ``sequence`` is is-search per request."""
    t = 0.0
    every: deque[float] = deque()
    searches: deque[float] = deque()
    for is_search in sequence:
        while True:
            wait = 0.0
            if len(every) >= WINDOW[0]:
                wait = max(wait, every[-WINDOW[0]] + WINDOW[1] - t)
            if search and is_search and len(searches) >= search[0]:
                wait = max(wait, searches[-search[0]] + search[1] - t)
            if wait <= 1e-12:
                break
            t += wait
        every.append(t)
        if is_search:
            searches.append(t)
    return t


def _admin(url: str, path: str, body: dict[str, object] | None = None) -> dict[str, object]:
    request = urllib.request.Request(
        url + path, data=json.dumps(body or {}).encode(), method="POST"
    )
    with urllib.request.urlopen(request, timeout=120) as answer:
        result: dict[str, object] = json.loads(answer.read())
        return result


def main(argv: list[str] | None = None) -> None:
    def extra(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--records", type=int, default=None, help="companies (default 10000)")
        parser.add_argument(
            "--no-search-limit",
            action="store_true",
            help="only the 100/10 s limit (fake and client); HubSpot itself has 4 searches/s",
        )

    args = parse_args(__doc__.splitlines()[0] if __doc__ else "", argv, extra)
    records = args.records or (1_000 if args.quick else 10_000)
    search_limit = None if args.no_search_limit else SEARCH
    command = [
        sys.executable,
        str(REPO / "tests" / "sync" / "fake_crm.py"),
        "--token",
        TOKEN,
        "--rate-limit",
        f"{WINDOW[0]}/{WINDOW[1]:g}",
    ]
    if search_limit:
        command += ["--search-limit", f"{search_limit[0]}/{search_limit[1]:g}"]
    server = subprocess.Popen(
        command,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        url = server.stdout.readline().strip()
        progress(f"fake HubSpot at {url}; seeding {records:,} companies")
        _admin(url, "/_fake/seed", {"companies": records})
        with tempfile.TemporaryDirectory(prefix="cstui-bench-sync-") as tmp:
            store = Store(Path(tmp) / "data", actor="bench")
            config = SyncConfig(
                directory=Path(tmp),
                env={"CSTUI_HUBSPOT_URL": url, "CSTUI_HUBSPOT_TOKEN": TOKEN},
                sections={"hubspot": {} if search_limit else {"search_per_second": 10_000}},
            )
            service = SyncService(store, config)
            adapter = service.adapter()
            progress("pull: first sync into an empty folder")
            started = time.perf_counter()
            first = service.run(adapter)
            pull_s = time.perf_counter() - started
            pulled = first.created["accounts"]
            progress(f"pulled {pulled:,} in {pull_s:.1f} s with {first.requests} requests")
            with store.transaction() as txn:
                for rec in store.scan("accounts"):
                    txn.put("accounts", rec["id"], {"stage": "expansion"})
            progress("push: the next sync carries a change to every account")
            started = time.perf_counter()
            second = service.run(adapter)
            push_s = time.perf_counter() - started
            pushed = second.pushed["accounts"]
            progress(f"pushed {pushed:,} in {push_s:.1f} s with {second.requests} requests")
            progress("echo: the next sync finds the pushed records in its search")
            echo = service.run(adapter)
            progress("no change: and the one after it")
            quiet = service.run(adapter)
            adapter.close()
            store.close(checkpoint=False)
        stats = _admin(url, "/_fake/stats")
    finally:
        if server.stdin:
            server.stdin.close()
        server.wait(timeout=10)
    if pulled != records or pushed != records:
        raise SystemExit(f"expected {records} pulled and pushed, got {pulled} and {pushed}")
    tables = 7  # HubSpot objects: companies, contacts, notes, calls, meetings, emails, tasks
    pull_min = [True] * (math.ceil(records / PAGE) + tables - 1)
    push_min = [True] * tables + [False] * math.ceil(records / BATCH)
    floor = rate_limit_floor(pull_min + push_min, search_limit)
    used = first.requests + second.requests
    minimum = len(pull_min) + len(push_min)
    total = pull_s + push_s
    moved = pulled + pushed
    dupes = stats.get("duplicates", {})
    assert isinstance(dupes, dict), f"duplicates: {dupes}"
    assert not any(dupes.values()), f"duplicates: {dupes}"
    report(
        [
            Metric(
                "pull_s",
                pull_s,
                "s",
                rate_limit_floor(pull_min, search_limit),
                note=f"{pulled:,} companies",
            ),
            Metric("push_s", push_s, "s", note=f"{pushed:,} changes"),
            Metric(
                "sync_total_s",
                total,
                "s",
                floor,
                target=round(1.2 * floor, 2),
                note="baseline: rate-limit floor ("
                + ("100/10 s, 4 searches/s)" if search_limit else "100/10 s)"),
            ),
            Metric(
                "requests_per_record",
                used / moved,
                "req",
                minimum / moved,
                note=f"{used} requests for {moved:,} records (minimum {minimum})",
            ),
            Metric("rate_limited_429", float(str(stats.get("rejected_429", 0))), "answers"),
            Metric(
                "echo_pulled",
                float(echo.pulled.total() + echo.updated.total()),
                "records",
                0.0,
                note=f"{echo.requests} requests to read back {records:,} own writes",
            ),
            Metric(
                "no_change_requests",
                float(quiet.requests),
                "req",
                float(tables),
                note="one search per HubSpot object",
            ),
        ],
        as_json=args.json,
        title=f"CRM sync: {records:,} companies pulled, {records:,} changes pushed",
    )


if __name__ == "__main__":
    main()
