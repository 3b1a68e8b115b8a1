"""Benchmark the KPI screen's computation: a trend of six periods of the whole book.

    .venv/bin/python bench/kpis.py [--json] [--quick] [--accounts N] [--seed S] [--runs R]
                                   [--keep-data]

Data: the cached demo of ``table.py`` (``--accounts``, default 50,000; ``--quick``:
10,000). Each run opens a new workspace on it (nothing parsed beforehand) and times, in CPU
seconds of this process (``time.process_time``, best of ``--runs``, default 3; quick 1):

* ``kpi_trend_s_<n>``: what the KPI screen waits for when it opens on the book (slice
  ``all``, the current quarter and the five before it): ``Renewals.kpi_book`` (the
  tables read once, accounts, onboarding plans and survey answers as light records), its
  six reports and the tier suggestions. A large book's screen runs exactly this in a child
  process (``Renewals.kpis_elsewhere``); the app's own memory is untouched.

Baseline, same run and data: the same reports through pydantic models (every account,
onboarding plan and survey answer validated into a model, as the screen read them before),
each period's report computed on its own (``compute_kpis`` without a shared
``TrendReads``, so each works its slice of the book out again) and each period's bands read
from every summary's points (``latest_on_or_before(stored_points(...))``): the path before
the fifteenth pass. Both give the same reports (checked here, or the bench fails).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parents[1]))

os.environ.setdefault("CSTUI_TODAY", "2026-11-23")
os.environ.setdefault("CSTUI_CONFIG_DIR", "/nonexistent-cstui-bench-config")

from _common import Metric, parse_args, progress, report, stopwatch
from table import USER, demo_dir, size_label

TREND = 6


def _periods() -> list[Any]:
    from cstui.screens.kpis import default_period

    return list(default_period().last(TREND))


def trend_fast(ws: Any) -> tuple[float, list[Any]]:
    """CPU seconds for the screen's path, and its reports."""
    start = time.process_time()
    book = ws.kpi_book()
    reports = book.reports(_periods(), "all")
    book.tier_suggestions()
    return time.process_time() - start, reports


def _bands_from_points(book: Any, day: Any) -> list[Any]:
    """Each account's band on ``day`` from all its summary's points (the old read)."""
    from cstui.domain import renewals as kpi
    from cstui.domain.health import band_for
    from cstui.domain.score_history import (
        archived_months,
        latest_on_or_before,
        needs_archive,
        stored_points,
    )

    if day >= book.today:
        return [kpi.BandRow(k, v) for k, v in book.bands.items()]
    iso = day.isoformat()
    scores: dict[str, int] = {}
    older: dict[str, list[str]] = {}
    for account_id, summary in book.summaries.items():
        if needs_archive(summary, iso):
            older[account_id] = archived_months(summary)
            continue
        score = latest_on_or_before(stored_points(summary), iso)
        if score is not None:
            scores[account_id] = score
    if older and book.archived is not None:
        scores.update(book.archived(iso, older))
    return [kpi.BandRow(a, band_for(s, book.health).value) for a, s in scores.items()]


def trend_models(ws: Any) -> tuple[float, list[Any]]:
    """CPU seconds for the same reports through pydantic models, each period on its own."""
    from cstui.domain import renewals as kpi
    from cstui.domain import tiers
    from cstui.domain.models import Account, OnboardingPlan, SurveyResponse

    start = time.process_time()
    book = ws.kpi_book()  # renewals, history and summaries as the screen reads them
    accounts = [Account.from_record(r) for r in ws.store.scan(Account.table)]
    plans = [OnboardingPlan.from_record(r) for r in ws.store.scan(OnboardingPlan.table)]
    surveys = [SurveyResponse.from_record(r) for r in ws.store.scan(SurveyResponse.table)]
    reports = [
        kpi.compute_kpis(
            accounts,
            book.renewals,
            surveys,
            plans,
            _bands_from_points(book, period.end),
            period,
            "all",
            user=book.user,
            config=book.config,
            as_of=book.today,
            detractor_max=book.health.flags.detractor_max_score,
            history=book.history,
        )
        for period in _periods()
    ]
    tiers.tier_suggestions(accounts, book.config)
    return time.process_time() - start, reports


def _timed(data: Path, fn: Callable[[Any], tuple[float, list[Any]]]) -> tuple[float, list[Any]]:
    """``fn`` on a workspace opened for it (nothing read beforehand)."""
    from cstui.workspace import Workspace

    ws = Workspace.open(data, user=USER)
    try:
        return fn(ws)
    finally:
        ws.store.close(checkpoint=False)


def main(argv: list[str] | None = None) -> int:
    def extra(parser: Any) -> None:
        parser.add_argument("--accounts", type=int, help="accounts (default 50000; quick 10000)")
        parser.add_argument("--seed", type=int, default=1, help="demo seed (default 1)")
        parser.add_argument("--runs", type=int, default=None)
        parser.add_argument(
            "--keep-data", action="store_true", help="reuse cached data even if cstui changed"
        )

    args = parse_args((__doc__ or "").splitlines()[0], argv, extra)
    accounts: int = args.accounts or (10_000 if args.quick else 50_000)
    runs: int = args.runs or (1 if args.quick else 3)
    n = size_label(accounts)
    data = demo_dir(accounts, args.seed, keep=args.keep_data)
    fast: list[float] = []
    models: list[float] = []
    for run in range(runs):
        with stopwatch(f"run {run + 1}: the screen's path"):
            took, got = _timed(data, trend_fast)
            fast.append(took)
        with stopwatch(f"run {run + 1}: the model path"):
            took, want = _timed(data, trend_models)
            models.append(took)
        if [r.to_json() for r in got] != [r.to_json() for r in want]:
            raise SystemExit("kpis bench: the two paths gave different reports")
    progress(f"screen's path {', '.join(f'{x:.2f}' for x in fast)} s; models {models}")
    metric = Metric(
        f"kpi_trend_s_{n}",
        min(fast),
        "s",
        min(models),
        note=f"CPU, best of {runs}; six periods, slice all; reports identical to the baseline's",
    )
    report([metric], as_json=args.json, title=f"kpis: {accounts:,} accounts; baseline models")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
