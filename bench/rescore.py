"""Benchmark the whole-book rescore: score and flags from stored records vs from models.

    .venv/bin/python bench/rescore.py [--json] [--quick] [--accounts N] [--seed S]

Generates a demo book (``cstui.demo.generate``, day pinned to 2026-11-23) into a temp
folder, then times, on a freshly opened workspace each time so no model cache helps:

* ``rescore_ms_per_account_<size>``: ``Workspace.evaluate()`` over every account, the
  daily rescore's path (light records read straight from the store);

Baseline, same run and data: the model path, which validates the account's records into
pydantic models (``Workspace.health_inputs``) and runs the same ``compute_health`` and
``compute_flags``, as the rescore did before. Writing the results is not timed (both paths
write the same). CPU time of this process (``time.process_time``: other
processes on the machine move it much less than wall time), best of ``--runs`` (3;
``--quick``: 1).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parents[1]))

os.environ.setdefault("CSTUI_TODAY", "2026-11-23")
os.environ.setdefault("CSTUI_CONFIG_DIR", "/nonexistent-cstui-bench-config")

from _common import Metric, parse_args, progress, report, stopwatch

from cstui.demo.generate import generate
from cstui.domain.alerts import compute_flags
from cstui.domain.health import compute_health
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

DAY = date(2026, 11, 23)


def model_path(ws: Workspace) -> float:
    """Seconds for scoring every account through pydantic models (the baseline)."""
    config = ws.settings.health
    ids = [r["id"] for r in ws.store.scan("accounts")]
    ws._cache_models = False
    start = time.process_time()
    with gc_paused():
        for account_id in ids:
            inputs = ws.health_inputs(account_id)
            result = compute_health(inputs, config, DAY)
            compute_flags(inputs, result, config, DAY)
    return time.process_time() - start


def light_path(ws: Workspace) -> float:
    """Seconds for ``evaluate()`` over every account (the rescore's path)."""
    start = time.process_time()
    ws.evaluate(as_of=DAY, cache_models=False)
    return time.process_time() - start


def main(argv: list[str] | None = None) -> int:
    def extra(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--accounts", type=int, default=None)
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument("--runs", type=int, default=None)

    args = parse_args(__doc__.splitlines()[0], argv, extra)
    accounts: int = args.accounts or (2000 if args.quick else 10_000)
    runs: int = args.runs or (1 if args.quick else 3)
    root = Path(tempfile.mkdtemp(prefix="cstui-bench-rescore-"))
    try:
        with stopwatch(f"generating and writing {accounts:,} accounts"):
            tables = generate(accounts=accounts, seed=args.seed, owners=("me", "sato"))
            ws = Workspace.open(root, user="me")
            ws.store.bulk_load(tables)
            ws.close()
        light: list[float] = []
        model: list[float] = []
        for run in range(runs):
            for label, fn, out in (("light", light_path, light), ("model", model_path, model)):
                ws = Workspace.open(root, user="me")
                try:
                    # Store tables parsed and per-account indexes built: not timed.
                    for table in (Account, UsageHistory, Contact, Activity, SurveyResponse):
                        ws._index(table)
                    ws.count(OnboardingPlan), ws.count(SuccessPlan)
                    out.append(fn(ws))
                finally:
                    ws.close()
                progress(f"run {run + 1}: {label} {out[-1]:.2f} s")
        size = f"{accounts // 1000}k" if accounts % 1000 == 0 else str(accounts)
        value = min(light) / accounts * 1000
        baseline = min(model) / accounts * 1000
        metrics = [
            Metric(
                f"rescore_ms_per_account_{size}",
                value,
                "ms",
                baseline=baseline,
                target=0.1,
                note=f"whole book {min(light):.2f} s (models: {min(model):.2f} s)",
            )
        ]
        report(metrics, as_json=args.json, title="Rescore")
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
