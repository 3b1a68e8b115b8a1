"""Two laptops rescoring on either side of a month's turn, then syncing through the hub:
each folder's score history holds only days that were scored (issue 17: the summary's
days are one field, so the hub's field-by-field merge never pairs one laptop's first day
with the other's scores), and what a rescore computes in the alerts is no conflict, while
two snoozes of one alert still are."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from cstui.domain.score_history import window_start
from cstui.workspace import Workspace

from .conftest import Team, cli


def _rescore(team: Team, folder: Path, day: str) -> None:
    done = cli("health", "--data-dir", str(folder), env={**team.env, "CSTUI_TODAY": day})
    assert done.returncode == 0, done.stderr


def _histories(folder: Path) -> dict[str, list[tuple[date, int]]]:
    ws = Workspace.open(folder, user="laptop")
    try:
        return {r.id: ws.health_history(r.id) for r in ws.portfolio()}
    finally:
        ws.close()


def test_rescores_either_side_of_a_month_turn_keep_every_point_on_its_day(team: Team) -> None:
    before = _histories(team.hub)
    scored = {d for points in before.values() for d, _ in points}
    # b rescores on the last day its window starts on a month's first, a on the next day,
    # whose window starts a month later (a moves that month out, b keeps it).
    day = max(scored) + timedelta(days=1)
    while window_start(day, 30) == window_start(day + timedelta(days=1), 30):
        day += timedelta(days=1)
    b_day, a_day = day, day + timedelta(days=1)
    _rescore(team, team.a, a_day.isoformat())
    _rescore(team, team.b, b_day.isoformat())
    team.sync(team.a)
    team.sync(team.b)  # b's summaries are the later writes
    team.sync(team.a)
    for folder in (team.hub, team.a, team.b):
        with team.store(folder) as store:
            assert store.all("conflicts") == [], folder.name  # last_seen, evidence...
    scored |= {a_day, b_day}
    for folder in (team.hub, team.a, team.b):
        histories = _histories(folder)
        assert any(histories.values())
        for aid, points in histories.items():
            days = [d for d, _ in points]
            assert days == sorted(set(days)), (folder.name, aid)
            assert set(days) <= scored, (folder.name, aid, sorted(set(days) - scored))
            if before[aid]:  # scored accounts stay scored, with one of the two days
                assert {a_day, b_day} & set(days), (folder.name, aid)


def test_two_snoozes_of_one_alert_are_still_a_conflict(team: Team) -> None:
    with team.store(team.hub) as hub:
        alert = next(a for a in hub.all("alerts") if not a.get("resolved"))
    until = (date.fromisoformat(alert["last_seen"]) + timedelta(days=20)).isoformat()
    for folder, reason in ((team.a, "vacation"), (team.b, "waiting on legal")):
        ws = Workspace.open(folder, user="laptop")
        try:
            ws.snooze_alert(alert["id"], date.fromisoformat(until), reason)
        finally:
            ws.close()
    team.sync(team.a)
    done = team.run("sync", "--data-dir", str(team.b), "--quiet")
    assert done.returncode == 3, done.stdout + done.stderr  # a decision is waiting
    with team.store(team.b) as b:
        fields = {c["field"] for c in b.all("conflicts")}
    assert "snooze_reason" in fields
