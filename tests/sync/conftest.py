"""Fixtures for the sync tests: a fake HubSpot on 127.0.0.1 and a workspace wired to it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from cstui.store import Store
from cstui.sync.adapters.base import AdapterContext
from cstui.sync.adapters.hubspot import HubSpotAdapter
from cstui.sync.config import SyncConfig
from cstui.sync.engine import SyncReport, pending_count
from cstui.sync.meta import get_meta
from cstui.sync.schema import DEFAULT_TABLES
from cstui.sync.service import SyncService
from cstui.sync.transport import RetryPolicy
from cstui.workspace import Workspace

from .fake_crm import FakeCRM

FAST = RetryPolicy(
    attempts=8, connect_attempts=2, garbage_attempts=3, backoff=0.01, backoff_cap=0.05
)
OBJECTS = {"accounts": "companies", "contacts": "contacts", "activities": "notes", "tasks": "tasks"}


@pytest.fixture
def crm() -> Iterator[FakeCRM]:
    with FakeCRM() as fake:
        yield fake


def make_config(
    tmp_path: Path, crm: FakeCRM | None, url: str | None = None, **options: Any
) -> SyncConfig:
    """Config pointing at the fake (search limit raised: tests are not about waiting)."""
    section = {"timeout": 2.0, "search_per_second": 200, **options}
    env = {"CSTUI_HUBSPOT_TOKEN": crm.token if crm else "fake-token-not-secret"}
    env["CSTUI_HUBSPOT_URL"] = url or (crm.url if crm else "http://127.0.0.1:9")
    return SyncConfig(directory=tmp_path / "config", env=env, sections={"hubspot": section})


@dataclass
class Harness:
    ws: Workspace
    crm: FakeCRM
    config: SyncConfig

    @property
    def store(self) -> Store:
        return self.ws.store

    @property
    def service(self) -> SyncService:
        return SyncService(self.store, self.config)

    def sync(self, cancel: threading.Event | None = None) -> SyncReport:
        service = self.service
        adapter = service.adapter(retry=FAST, cancel=cancel)
        try:
            return service.run(adapter, cancel=cancel)
        finally:
            adapter.close()

    def sync_until_clean(self, attempts: int = 6) -> SyncReport:
        """Run until a sync finishes with nothing rejected (faults may need several)."""
        from cstui.sync.errors import SyncError

        last: Exception | None = None
        for _ in range(attempts):
            try:
                report = self.sync()
            except SyncError as exc:
                last = exc
                continue
            if not report.failures:
                return report
        raise AssertionError(f"sync did not converge: {last}")

    def adapter(self) -> HubSpotAdapter:
        return HubSpotAdapter(AdapterContext(self.config, self.config.tables))


@pytest.fixture
def hs(tmp_path: Path, crm: FakeCRM) -> Iterator[Harness]:
    ws = Workspace.open(tmp_path / "data", user="me")
    yield Harness(ws, crm, make_config(tmp_path, crm))
    ws.close()


def seed_local(ws: Workspace, accounts: int = 3) -> list[str]:
    """Accounts with a contact, a note and a task each; returns the account ids."""
    ids = []
    for i in range(accounts):
        acc = ws.create_account(
            {"name": f"Local {i} KK", "domain": f"local{i}.example.com", "arr": 1000 * (i + 1)}
        )
        ws.add_contact(
            acc.id, {"name": f"Contact {i} Person", "email": f"p{i}@local{i}.example.com"}
        )
        ws.log_activity(acc.id, f"Kickoff call {i}")
        ws.add_task(f"Send deck {i}", account_id=acc.id)
        ids.append(acc.id)
    return ids


def seed_remote(crm: FakeCRM, companies: int = 2) -> list[str]:
    """Companies with a contact, a note and a task each, created in 'HubSpot'."""
    ids = []
    for i in range(companies):
        cid = crm.add(
            "companies",
            {
                "name": f"Remote {i} Inc",
                "domain": f"remote{i}.example.com",
                "annualrevenue": str(5000 * (i + 1)),
                "cstui_stage": "adoption",
            },
        )
        person = crm.add(
            "contacts",
            {
                "firstname": "Remote",
                "lastname": f"Person{i}",
                "email": f"r{i}@remote{i}.example.com",
            },
        )
        note = crm.add(
            "notes",
            {
                "hs_note_body": f"<p>Met &amp; talked {i}</p>",
                "hs_timestamp": "2026-11-20T10:00:00Z",
            },
        )
        task = crm.add(
            "tasks",
            {
                "hs_task_subject": f"Follow up {i}",
                "hs_timestamp": "2026-12-01T00:00:00.000Z",
                "hs_task_status": "NOT_STARTED",
                "hs_task_priority": "HIGH",
            },
        )
        for kind, oid in (("contacts", person), ("notes", note), ("tasks", task)):
            crm.associate(kind, oid, "companies", cid)
        ids.append(cid)
    return ids


def snapshot(store: Store) -> dict[str, list[dict[str, Any]]]:
    """Every record of every table, tombstones included (to prove nothing changed).

    ``sync_sent`` is left out: it notes what is about to be sent *before* each request
    (so a lost answer can be recognised later); it is bookkeeping, not data. So is
    ``sync_status``, the outcome of the last run (a failed run records that it failed).
    """
    skip = {"sync_sent", "sync_status"}
    return {t: store.all(t, include_deleted=True) for t in store.tables() if t not in skip}


def assert_converged(h: Harness) -> None:
    """CRM and local store hold the same records and values; no duplicates; nothing pending."""
    adapter = h.adapter()
    try:
        for spec in DEFAULT_TABLES:
            kind = OBJECTS[spec.table]
            local = h.store.all(spec.table)
            remote = h.crm.all(kind)
            assert len(remote) == len(local), f"{kind}: {len(remote)} in CRM, {len(local)} local"
            cstui_ids = [o.props.get("cstui_id") for o in remote if o.props.get("cstui_id")]
            assert len(cstui_ids) == len(set(cstui_ids)), f"duplicate cstui_id in {kind}"
            by_rid = {o.id: o for o in remote}
            for rec in local:
                rid = get_meta(rec, "hubspot").get("rid")
                assert rid in by_rid, f"{spec.table}/{rec['id']} has no CRM record"
                obj = by_rid[rid]
                for f in spec.fields:
                    if f.derived:
                        continue
                    codec = adapter.codecs[spec.table][f.name]
                    theirs = codec.decode(obj.props, obj.id)
                    assert theirs == rec.get(f.name), (
                        spec.table,
                        rec["id"],
                        f.name,
                        theirs,
                        rec.get(f.name),
                    )
                if spec.parent_field:
                    parent = h.store.get("accounts", rec[spec.parent_field])
                    assert parent is not None
                    want = get_meta(parent, "hubspot").get("rid")
                    assert h.crm.parents(kind, rid) == {want}, (spec.table, rec["id"])
        assert pending_count(h.store, "hubspot", DEFAULT_TABLES) == 0
    finally:
        adapter.close()
