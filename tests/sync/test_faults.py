"""Under every fault the fake CRM can produce, syncing again converges, with no duplicates."""

from __future__ import annotations

from pathlib import Path

import pytest

from cstui.sync.errors import SyncError
from cstui.workspace import Workspace

from .conftest import Harness, assert_converged, make_config, seed_local, seed_remote
from .fake_crm import FakeCRM

FAULTS = [
    ("429", "/search", {"times": 1, "retry_after": "1"}),
    ("429", "batch/upsert", {"times": 1, "retry_after": "0"}),
    ("500", "", {"times": 4}),
    ("502html", "batch/upsert", {"times": 2}),
    ("timeout", "batch/upsert", {"times": 2, "delay": 0.6}),
    ("timeout", "/search", {"times": 1, "delay": 0.6}),
    ("reset", "batch/upsert", {"times": 3}),
    ("reset", "/search", {"times": 2}),
    ("reset", "batch/associate", {"times": 2}),
    ("malformed", "batch/upsert", {"times": 2}),
    ("malformed", "/search", {"times": 2}),
    ("html", "", {"times": 2}),
    ("partial", "batch/upsert", {"times": 2, "fraction": 0.5}),
    ("partial", "batch/update", {"times": 1, "fraction": 1.0}),
    ("wrong_types", "batch/upsert", {"times": 1}),
    ("missing_ids", "/search", {"times": 1}),
]


@pytest.mark.parametrize(
    ("kind", "path", "options"), FAULTS, ids=[f"{k}:{p}" for k, p, _ in FAULTS]
)
def test_each_fault_converges(
    hs: Harness, kind: str, path: str, options: dict[str, object]
) -> None:
    ids = seed_local(hs.ws, 3)
    seed_remote(hs.crm, 2)
    hs.config.sections["hubspot"]["timeout"] = 0.3
    hs.config.sections["hubspot"]["batch_size"] = 2
    if kind == "partial" and path == "batch/update":
        hs.sync()  # make the records known so the next push is an update
        for acc in ids:
            hs.ws.update_account(acc, {"stage": "adoption"})
    fault = hs.crm.fault(kind, path=path, **options)
    hs.sync_until_clean()
    assert fault.hits >= 1, "the fault never fired"
    assert_converged(hs)


def test_random_faults_everywhere_still_converge(hs: Harness) -> None:
    seed_local(hs.ws, 4)
    seed_remote(hs.crm, 3)
    hs.config.sections["hubspot"]["timeout"] = 0.3
    hs.config.sections["hubspot"]["batch_size"] = 2
    hs.config.sections["hubspot"]["page_size"] = 2
    for kind in ("500", "reset", "malformed", "partial", "timeout"):
        hs.crm.fault(kind, times=None, rate=0.08, delay=0.5)
    reports = 0
    for _ in range(12):
        reports += 1
        try:
            report = hs.sync()
        except SyncError:
            continue
        if not report.failures:
            break
    hs.crm.clear_faults()
    hs.sync()
    assert_converged(hs)


def test_a_rate_limited_crm_is_waited_for(tmp_path: Path) -> None:
    with FakeCRM(rate_limit=(8, 1.0)) as crm:
        ws = Workspace.open(tmp_path / "data", user="me")
        try:
            h = Harness(ws, crm, make_config(tmp_path, crm, batch_size=2))
            seed_local(ws, 3)
            seed_remote(crm, 2)
            report = h.sync()
            assert report.exit_code == 0
            assert crm.rejected_429 > 0  # the limit was hit and honoured
            assert_converged(h)
        finally:
            ws.close()


def test_the_client_budget_keeps_under_the_crm_limit(tmp_path: Path) -> None:
    with FakeCRM(rate_limit=(100, 10.0), search_limit=(4, 1.0)) as crm:
        ws = Workspace.open(tmp_path / "data", user="me")
        try:
            config = make_config(tmp_path, crm, batch_size=2, search_per_second=4)
            h = Harness(ws, crm, config)
            seed_local(ws, 3)
            seed_remote(crm, 2)
            h.sync()
            assert crm.rejected_429 == 0
            assert_converged(h)
        finally:
            ws.close()
