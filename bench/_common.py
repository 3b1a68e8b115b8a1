"""Helpers shared by the benchmarks: flags, percentiles, a results table and JSON lines.

Every benchmark measures cstui and a baseline (plain TinyDB, Textual's DataTable, ...) in
the same run and reports ``ratio = baseline / value``, so numbers from different machines
can be compared by their ratios. Progress goes to stderr; stdout carries only the results
(one JSON object per line with ``--json``), so ``bench/x.py --json > out.jsonl`` works.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TextIO


@dataclass
class Metric:
    """One measured number, with its same-run baseline and (optionally) its target."""

    metric: str
    value: float
    unit: str
    baseline: float | None = None
    target: float | None = None
    """Upper bound the value should stay under (lower is better for every metric here)."""
    note: str = ""

    @property
    def ratio(self) -> float | None:
        """How many times better than the baseline (baseline / value)."""
        if self.baseline is None or self.value <= 0:
            return None
        return self.baseline / self.value

    def as_json(self) -> dict[str, object]:
        """The JSON-lines record: metric, value, unit, baseline, ratio (+ target if set)."""
        out: dict[str, object] = {
            "metric": self.metric,
            "value": _round(self.value),
            "unit": self.unit,
            "baseline": None if self.baseline is None else _round(self.baseline),
            "ratio": None if self.ratio is None else _round(self.ratio),
        }
        if self.target is not None:
            out["target"] = self.target
        return out


def _round(x: float) -> float:
    if x == 0 or not math.isfinite(x):
        return x
    digits = max(0, 3 - math.floor(math.log10(abs(x))))
    return round(x, digits)


def parse_args(
    description: str,
    argv: Sequence[str] | None = None,
    extra: Callable[[argparse.ArgumentParser], None] | None = None,
) -> argparse.Namespace:
    """The common flags: ``--json`` (JSON lines on stdout) and ``--quick`` (smaller runs)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--json", action="store_true", help="print one JSON object per metric")
    parser.add_argument("--quick", action="store_true", help="fewer iterations (smoke test)")
    if extra is not None:
        extra(parser)
    return parser.parse_args(argv)


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (``pct`` in 0..100) of a non-empty sequence."""
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def progress(message: str) -> None:
    """A progress line on stderr (never mixed into the results)."""
    print(f"... {message}", file=sys.stderr, flush=True)


@contextmanager
def stopwatch(label: str) -> Iterator[None]:
    """Report how long a setup step took, on stderr."""
    start = time.perf_counter()
    yield
    progress(f"{label}: {time.perf_counter() - start:.2f} s")


def _fmt(x: float | None) -> str:
    if x is None:
        return "-"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    if abs(x) >= 1:
        return f"{x:.2f}"
    return f"{x:.3f}"


def report(
    metrics: Sequence[Metric], *, as_json: bool, title: str = "", out: TextIO | None = None
) -> None:
    """Print the results: JSON lines, or a table with value, baseline, ratio and target."""
    out = out or sys.stdout
    if as_json:
        for m in metrics:
            out.write(json.dumps(m.as_json(), ensure_ascii=False) + "\n")
        out.flush()
        return
    rows = [
        (
            m.metric,
            f"{_fmt(m.value)} {m.unit}",
            "-" if m.baseline is None else f"{_fmt(m.baseline)} {m.unit}",
            "-" if m.ratio is None else f"{m.ratio:,.0f}x" if m.ratio >= 10 else f"{m.ratio:.1f}x",
            "-" if m.target is None else f"<= {_fmt(m.target)} {m.unit}",
            "" if m.target is None else ("ok" if m.value <= m.target else "MISSED"),
            m.note,
        )
        for m in metrics
    ]
    header = ("metric", "value", "baseline", "ratio", "target", "", "note")
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    if title:
        out.write(f"{title}\n")
    for r in [header, *rows]:
        out.write(
            "  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() + "\n"
        )
    out.flush()
