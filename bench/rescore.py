"""Benchmark the daily rescore of a whole book: from the stored records vs through models.

    .venv/bin/python bench/rescore.py [--json] [--quick] [--accounts N] [--seed S] [--runs R]

Builds a demo book (``cstui.demo.build.build_demo``, scored on 2026-11-23, health history and
alerts included) into a temp folder, then rescores it on the next day, each time on a fresh
copy of the folder in a freshly opened workspace (the rescore writes, and no cache helps):

* ``rescore_ms_per_account_<size>``: ``Workspace.rescore_if_due``, what a new day costs the
  process that rescores: reading the tables, scoring and flagging every account from its
  stored records, writing the changed health and alert records (one transaction);
* ``score_ms_per_account_<size>``: ``Workspace.evaluate()`` alone (the tables parsed
  beforehand, not timed; its grouping of the tables by account is timed, as the model
  path's per-account indexes are built beforehand);
* ``rescore_year_ms_per_account_<size>``: ``rescore_if_due`` on a book a year old: the
  same book with a daily score for each of the 400 days before it was built (written in
  the layout of an older cstui, every point in the summary, and moved to month tables by
  one rescore first, untimed), rescored the day after. Its baseline is the same rescore on
  the same day of the book with no year behind it, so the ratio says what a year of
  history costs the daily rescore (1.0: nothing). The note gives both journals' bytes per
  account: what every other process reads of that rescore.

Baseline, same run and data: the model path, which validates each account's records into
pydantic models (``Workspace.health_inputs``), runs the same ``compute_health`` (with its
breakdown) and ``compute_flags``, and writes through the same ``record_health``: what the
rescore did before it read the stored records. CPU time of this process
(``time.process_time``: other processes on the machine move it much less than wall time),
best of ``--runs`` (3; ``--quick``: 1).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parents[1]))

os.environ.setdefault("CSTUI_TODAY", "2026-11-23")
os.environ.setdefault("CSTUI_CONFIG_DIR", "/nonexistent-cstui-bench-config")

from _common import Metric, parse_args, progress, report, stopwatch

from cstui import clock
from cstui.demo.build import build_demo
from cstui.domain.alerts import Flag, compute_flags
from cstui.domain.health import HealthResult, compute_health
from cstui.domain.models import (
    Account,
    Activity,
    Contact,
    OnboardingPlan,
    SuccessPlan,
    SurveyResponse,
    UsageHistory,
)
from cstui.store import gc_paused
from cstui.workspace import Workspace

BUILT = date(2026, 11, 23)
DAY = BUILT + timedelta(days=1)
NEXT = DAY + timedelta(days=1)


def rescore_fast(ws: Workspace, day: date = DAY) -> float:
    """Seconds for the daily rescore (the records path)."""
    start = time.process_time()
    assert ws.rescore_if_due(day)
    return time.process_time() - start


def rescore_next_day(ws: Workspace) -> float:
    """The daily rescore of the day after ``DAY`` (the year-old book was rescored on it)."""
    return rescore_fast(ws, NEXT)


def age_a_year(book: Path, aged: Path) -> None:
    """A copy of ``book`` whose every scored account has a score for each of the 400 days
    up to ``BUILT``, as an older cstui kept them (all in the summary's ``history``), then
    rescored on ``DAY``: the layout a year of daily rescores leaves."""
    shutil.copytree(book, aged)
    ws = Workspace.open(aged, user="me")
    try:
        days = [(BUILT - timedelta(days=i)).isoformat() for i in range(399, -1, -1)]
        rng = random.Random(1)
        with ws.store.transaction() as txn:
            for record in list(ws.store.scan("health")):
                score = record.get("score")
                if score is None:
                    continue
                history = [[d, max(0, min(100, score + rng.randint(-6, 6)))] for d in days]
                layout = ["daily"]
                txn.write("health", record["id"], {"history": history}, unset=layout)
        ws.store.checkpoint()
        assert ws.rescore_if_due(DAY)
    finally:
        ws.close()


def _journal_bytes(ws: Workspace) -> int:
    return ws.store.journal_path.stat().st_size


def _model_results(ws: Workspace, ids: list[str]) -> list[tuple[HealthResult, list[Flag]]]:
    """Every account scored and flagged through pydantic models (the baseline's path)."""
    config = ws.settings.health
    results = []
    for account_id in ids:
        inputs = ws.health_inputs(account_id)
        result = compute_health(inputs, config, DAY)
        results.append((result, compute_flags(inputs, result, config, DAY)))
    return results


def rescore_models(ws: Workspace) -> float:
    """Seconds for the same rescore through pydantic models (the baseline)."""
    start = time.process_time()
    ids = [r["id"] for r in ws.store.scan(Account.table)]
    with ws._uncached(), gc_paused():
        ws.record_health(_model_results(ws, ids), DAY)
    return time.process_time() - start


def _read_tables(ws: Workspace) -> None:
    """Tables parsed and per-account indexes built (for the score-only timings)."""
    for table in (Account, UsageHistory, Contact, Activity, SurveyResponse):
        ws._index(table)
    ws.count(OnboardingPlan), ws.count(SuccessPlan)


def score_fast(ws: Workspace) -> float:
    """Seconds for ``evaluate()`` over every account (scoring only)."""
    _read_tables(ws)
    start = time.process_time()
    ws.evaluate(as_of=DAY, cache_models=False)
    return time.process_time() - start


def score_models(ws: Workspace) -> float:
    """Seconds for scoring every account through pydantic models (scoring only)."""
    _read_tables(ws)
    ids = [r["id"] for r in ws.store.scan(Account.table)]
    start = time.process_time()
    with ws._uncached(), gc_paused():
        _model_results(ws, ids)
    return time.process_time() - start


def _timed(
    book: Path, root: Path, fn: Callable[[Workspace], float], journal: list[int] | None = None
) -> float:
    """``fn`` on a fresh copy of the book, in a workspace opened for it (``journal``: gets
    the journal's size after it)."""
    copy = root / "copy"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(book, copy)
    ws = Workspace.open(copy, user="me")
    try:
        took = fn(ws)
        if journal is not None:
            journal.append(_journal_bytes(ws))
        return took
    finally:
        ws.store.close(checkpoint=False)


def main(argv: list[str] | None = None) -> int:
    def extra(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--accounts", type=int, default=None)
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument("--runs", type=int, default=None)

    args = parse_args(__doc__.splitlines()[0], argv, extra)
    accounts: int = args.accounts or (2000 if args.quick else 10_000)
    runs: int = args.runs or (1 if args.quick else 3)
    root = Path(tempfile.mkdtemp(prefix="cstui-bench-rescore-"))
    book = root / "book"
    try:
        with stopwatch(f"building a demo book of {accounts:,} accounts"):
            clock.freeze(BUILT)
            build_demo(book, accounts=accounts, seed=args.seed, user="me")
        clock.freeze(DAY)
        aged = root / "aged"
        with stopwatch("the same book a year old (400 daily scores per account)"):
            age_a_year(book, aged)
        clock.freeze(NEXT)
        journals: dict[str, list[int]] = {"year": [], "fresh": []}
        times: dict[str, list[float]] = {}
        for run in range(runs):
            for label, fn in (
                ("rescore", rescore_fast),
                ("rescore-models", rescore_models),
                ("score", score_fast),
                ("score-models", score_models),
                ("rescore_year", rescore_next_day),
                ("rescore_year-models", rescore_next_day),
            ):
                clock.freeze(NEXT if label.startswith("rescore_year") else DAY)
                source = aged if label == "rescore_year" else book
                kind = {"rescore_year": "year", "rescore_year-models": "fresh"}.get(label, "")
                journal = journals.get(kind)
                times.setdefault(label, []).append(_timed(source, root, fn, journal))
                progress(f"run {run + 1}: {label} {times[label][-1]:.2f} s")
        size = f"{accounts // 1000}k" if accounts % 1000 == 0 else str(accounts)
        best = {label: min(values) for label, values in times.items()}
        metrics = [
            Metric(
                f"{name}_ms_per_account_{size}",
                best[name] / accounts * 1000,
                "ms",
                baseline=best[f"{name}-models"] / accounts * 1000,
                target=0.1 if name == "rescore" else None,
                note=f"whole book {best[name]:.2f} s (models: {best[f'{name}-models']:.2f} s)",
            )
            for name in ("rescore", "score")
        ]
        year_kb = max(journals["year"]) / accounts / 1024
        fresh_kb = max(journals["fresh"]) / accounts / 1024
        metrics.append(
            Metric(
                f"rescore_year_ms_per_account_{size}",
                best["rescore_year"] / accounts * 1000,
                "ms",
                baseline=best["rescore_year-models"] / accounts * 1000,
                note=(
                    f"a year-old book {best['rescore_year']:.2f} s, the same book new "
                    f"{best['rescore_year-models']:.2f} s; journal {year_kb:.2f} KB an account "
                    f"(new book {fresh_kb:.2f} KB)"
                ),
            )
        )
        report(metrics, as_json=args.json, title="Rescore")
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
