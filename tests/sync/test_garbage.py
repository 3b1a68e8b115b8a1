"""Garbage from the CRM gives a clear error and leaves the local data exactly as it was."""

from __future__ import annotations

import pytest

from cstui.sync.errors import GarbageResponse, RemoteError

from .conftest import Harness, seed_local, seed_remote, snapshot

PULL_GARBAGE = [
    (
        "wrong_types",
        r"HubSpot answered the companies search with a record whose id is 101 \(int\), not text",
    ),
    ("missing_ids", "a record without an id"),
    ("html", "not JSON \\(an HTML page \\('Sign in'\\)\\)"),
    ("malformed", "not JSON"),
]


@pytest.mark.parametrize(("kind", "message"), PULL_GARBAGE)
def test_garbage_while_pulling_changes_nothing(hs: Harness, kind: str, message: str) -> None:
    seed_local(hs.ws, 2)
    seed_remote(hs.crm, 2)
    before = snapshot(hs.store)
    hs.crm.fault(kind, path="/search", times=None)
    with pytest.raises(GarbageResponse, match=message) as info:
        hs.sync()
    assert "\n" not in str(info.value)
    assert snapshot(hs.store) == before


def test_an_html_error_page_is_reported_as_such(hs: Harness) -> None:
    seed_remote(hs.crm, 1)
    before = snapshot(hs.store)
    hs.crm.fault("502html", times=None)
    with pytest.raises(RemoteError, match=r"HTTP 502: an HTML page \('502 Bad Gateway'\)"):
        hs.sync()
    assert snapshot(hs.store) == before


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"annualrevenue": "lots"}, "annualrevenue is 'lots', not a number"),
        ({"cstui_renewal_date": "next spring"}, "cstui_renewal_date is 'next spring', not a date"),
        ({"domain": "not a domain"}, "is not a domain name"),
        ({"cstui_stage": "sleeping"}, "Stage 'sleeping' is not one of"),
    ],
)
def test_values_cstui_cannot_store_stop_the_page(
    hs: Harness, props: dict[str, str], message: str
) -> None:
    [_good, bad] = seed_remote(hs.crm, 2)
    hs.crm.update("companies", bad, props)
    before = snapshot(hs.store)
    with pytest.raises(GarbageResponse, match=message):
        hs.sync()
    assert snapshot(hs.store) == before  # the good record on the same page was not applied either


@pytest.mark.parametrize("kind", ["wrong_types", "missing_ids", "html", "malformed"])
def test_garbage_answering_a_push_records_nothing(hs: Harness, kind: str) -> None:
    [acc] = seed_local(hs.ws, 1)
    hs.sync()
    hs.sync()  # absorb the echo of our own first push
    hs.ws.update_account(acc, {"stage": "renewal"})
    before = snapshot(hs.store)
    hs.crm.fault(kind, path="batch/update", times=None)
    with pytest.raises(GarbageResponse):
        hs.sync()
    assert snapshot(hs.store) == before
    assert hs.service.status().pending == 1  # still queued
    hs.crm.clear_faults()
    hs.sync()
    assert hs.service.status().pending == 0
