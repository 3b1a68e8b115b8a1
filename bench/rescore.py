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
  path's per-account indexes are built beforehand).

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


def rescore_fast(ws: Workspace) -> float:
    """Seconds for the daily rescore (the records path)."""
    start = time.process_time()
    assert ws.rescore_if_due(DAY)
    return time.process_time() - start


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


def _timed(book: Path, root: Path, fn: Callable[[Workspace], float]) -> float:
    """``fn`` on a fresh copy of the book, in a workspace opened for it."""
    copy = root / "copy"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(book, copy)
    ws = Workspace.open(copy, user="me")
    try:
        return fn(ws)
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
        times: dict[str, list[float]] = {}
        for run in range(runs):
            for label, fn in (
                ("rescore", rescore_fast),
                ("rescore-models", rescore_models),
                ("score", score_fast),
                ("score-models", score_models),
            ):
                times.setdefault(label, []).append(_timed(book, root, fn))
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
        report(metrics, as_json=args.json, title="Rescore")
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
