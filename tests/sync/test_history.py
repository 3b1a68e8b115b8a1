"""An ARR the CRM changes (a pull, or a conflict settled by taking the CRM's value) is kept
in the account's history, so the closed periods keep the ARR of then (issue 16)."""

from __future__ import annotations

from cstui import clock
from cstui.sync.meta import get_meta

from .conftest import Harness, seed_local, seed_remote


def test_a_pulled_arr_change_is_kept_in_the_history(hs: Harness) -> None:
    [cid] = seed_remote(hs.crm, 1)
    hs.sync()
    [acc] = hs.ws.accounts()
    assert hs.ws.account_history() == []  # created by the pull: its first ARR is no move
    closed = hs.ws.kpi_report("2026Q2").to_json()
    hs.crm.update("companies", cid, {"annualrevenue": "271828.00"})
    hs.sync()
    [change] = hs.ws.account_history(acc.id)
    assert (change.field, change.old, change.new, change.day, change.source) == (
        "arr",
        acc.arr,
        271_828,
        clock.today(),
        "crm:hubspot",
    )
    assert hs.ws.kpi_report("2026Q2").to_json() == closed
    hs.sync()
    assert len(hs.ws.account_history(acc.id)) == 1  # an echo changes nothing


def test_taking_the_crms_arr_in_a_conflict_is_kept_in_the_history(hs: Harness) -> None:
    [acc] = seed_local(hs.ws, 1)
    hs.sync()
    hs.ws.update_account(acc, {"arr": 31_400})
    hs.sync()
    [c] = hs.service.list_conflicts()
    hs.service.resolve(c.id, "theirs")
    hs.ws.poll()
    changes = [(h.old, h.new, h.source) for h in hs.ws.account_history(acc)]
    assert changes == [(1000, 31_400, "edit"), (31_400, 1000, "crm:hubspot")]
    assert get_meta(hs.store.get("accounts", acc) or {}, "hubspot")["rid"]
