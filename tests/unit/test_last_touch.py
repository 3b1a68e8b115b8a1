"""The last touch is the latest activity on or before today, everywhere: a meeting logged
ahead of its day is planned, not made, and must not show "-10d" in the Touch column."""

from __future__ import annotations

from datetime import timedelta

from cstui.workspace import Workspace
from tests.conftest import TODAY


def test_a_touch_dated_ahead_does_not_count_until_its_day(empty_ws: Workspace) -> None:
    ws = empty_ws
    acc = ws.create_account({"name": "Acme", "owner": "me"}).id
    ws.log_activity(acc, kind="meeting", day=TODAY - timedelta(days=6), summary="Review")
    ws.portfolio()  # rows built: the activity below goes through the change path
    ws.log_activity(acc, kind="meeting", day=TODAY + timedelta(days=10), summary="Planned")
    row = next(r for r in ws.portfolio() if r.id == acc)
    assert row.days_since_touch == 6
    assert ws.last_touch(acc) == TODAY - timedelta(days=6)


def test_a_fresh_read_skips_touches_ahead_too(empty_ws: Workspace) -> None:
    ws = empty_ws
    acc = ws.create_account({"name": "Acme", "owner": "me"}).id
    ws.log_activity(acc, kind="call", day=TODAY - timedelta(days=3), summary="Call")
    ws.log_activity(acc, kind="meeting", day=TODAY + timedelta(days=2), summary="Planned")
    reopened = Workspace.open(ws.store.data_dir, user="me")
    try:  # no health summary stored yet: the dates are read from the activities themselves
        assert reopened.last_touch(acc) == TODAY - timedelta(days=3)
        row = next(r for r in reopened.portfolio() if r.id == acc)
        assert row.days_since_touch == 3
    finally:
        reopened.close()
