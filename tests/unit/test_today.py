"""The Today digest on hand-built books, and ``cstui today`` as cron would run it."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from rich.cells import cell_len

from cstui.cli.today import today as today_cmd
from cstui.workspace import Workspace
from cstui.workspace.today import TodayItem, build_today

TODAY = date(2026, 11, 23)


def days(n: int) -> date:
    return TODAY + timedelta(days=n)


def account(ws: Workspace, name: str, **data: Any) -> str:
    return ws.create_account({"name": name, "owner": "me", **data}).id


def titles(items: tuple[TodayItem, ...]) -> list[str]:
    return [i.text for i in items]


def names(items: tuple[TodayItem, ...]) -> list[str]:
    return [i.account_name for i in items]


def test_my_tasks_overdue_first_then_today_week_later_undated(empty_ws: Workspace) -> None:
    ws = empty_ws
    acme = account(ws, "Acme")
    ws.add_task("later", account_id=acme, due=days(30))
    ws.add_task("undated", account_id=acme)
    ws.add_task("eight days", account_id=acme, due=days(8))
    ws.add_task("week low", due=days(7), priority="low")
    ws.add_task("week high", due=days(7), priority="high")
    ws.add_task("today", account_id=acme, due=TODAY)
    ws.add_task("overdue new", account_id=acme, due=days(-1))
    ws.add_task("overdue old", account_id=acme, due=days(-5))
    ws.add_task("theirs", account_id=acme, due=days(-10), owner="kim")
    done = ws.add_task("done", account_id=acme, due=days(-3))
    ws.complete_task(done.id)

    tasks = build_today(ws, TODAY).tasks
    assert titles(tasks) == [
        "overdue old", "overdue new", "today", "week high", "week low",
        "eight days", "later", "undated",
    ]  # fmt: skip
    assert [i.kind for i in tasks] == [
        "overdue", "overdue", "today", "week", "week", "later", "later", "undated",
    ]  # fmt: skip
    assert [i.when for i in tasks][:3] == ["5d overdue", "1d overdue", "today"]
    assert tasks[3].when == "in 7d"
    assert tasks[-1].when == "no date"
    assert tasks[0].account_id == acme
    assert tasks[0].account_name == "Acme"
    assert tasks[3].account_id is None
    assert tasks[3].account_name == ""

    everyone = build_today(ws, TODAY, everyone=True).tasks
    assert titles(everyone)[0] == "theirs"
    assert everyone[0].owner == "kim"
    # Someone else's Today: only their task.
    assert titles(build_today(ws, TODAY, me="kim").tasks) == ["theirs"]


def test_alerts_are_mine_and_a_snooze_hides_one_until_its_day(empty_ws: Workspace) -> None:
    ws = empty_ws
    mine = account(ws, "Mine Co", tier="high", contract_start=days(-300))
    theirs = account(ws, "Their Co", tier="high", owner="kim", contract_start=days(-300))
    for acc in (mine, theirs):
        ws.log_activity(acc, "kickoff call", kind="call", day=days(-20))  # high: every 14 days
    ws.refresh_health()

    alerts = build_today(ws, TODAY).alerts
    assert [(i.account_name, i.kind) for i in alerts] == [("Mine Co", "no-touch")]
    item = alerts[0]
    assert item.ref == f"{mine}:no-touch"
    assert item.account_id == mine
    assert item.text.startswith("No recent touch: Last touch 20 days ago")
    assert item.when == "today"  # first seen today

    everyone = build_today(ws, TODAY, everyone=True).alerts
    assert names(everyone) == ["Mine Co", "Their Co"]  # mine first

    ws.snooze_alert(item.ref, days(3), "Waiting for their fiscal year end")
    assert build_today(ws, TODAY).alerts == ()
    assert build_today(ws, days(2)).alerts == ()
    assert names(build_today(ws, days(3)).alerts) == ["Mine Co"]  # back on the day


def test_alerts_rank_by_severity_then_arr_at_stake_not_by_name(empty_ws: Workspace) -> None:
    """A big renewal at risk comes before a small account's missed touch, whatever the names."""
    ws = empty_ws
    start = days(-300)
    small = account(ws, "Aardvark", tier="high", arr=100_000, contract_start=start)
    big = account(ws, "Zebra", tier="high", arr=9_000_000, contract_start=start)
    mid = account(ws, "Moose", tier="high", arr=2_000_000, contract_start=start)
    overdue = account(
        ws, "Yak", tier="high", arr=50_000, contract_start=start, renewal_date=days(-3)
    )
    for acc in (small, big, mid, overdue):
        ws.log_activity(acc, "kickoff call", kind="call", day=days(-20))  # no-touch fires
    ws.refresh_health()

    alerts = build_today(ws, TODAY).alerts
    ranked = [(i.account_name, i.kind, i.details["severity"]) for i in alerts]
    high = [r for r in ranked if r[2] == "high"]
    low = [r for r in ranked if r[2] == "low"]
    assert high
    assert low
    assert ranked == high + [r for r in ranked if r[2] == "medium"] + low
    assert high[0][:2] == ("Yak", "renewal-overdue")  # most severe, though the smallest ARR
    no_touch = [name for name, kind, _ in ranked if kind == "no-touch"]
    assert no_touch == ["Zebra", "Moose", "Aardvark", "Yak"]  # by ARR at stake, not by name
    assert alerts[0].details["arr"] == 50_000
    assert alerts[0].details["currency"] == "JPY"


def test_renewals_within_90_days_and_unclosed_overdue_ones(empty_ws: Workspace) -> None:
    ws = empty_ws
    account(ws, "In 89", renewal_date=days(89), arr=1_200_000)
    account(ws, "In 90", renewal_date=days(90))
    account(ws, "Today", renewal_date=TODAY)
    account(ws, "Passed", renewal_date=days(-5), stage="renewal", arr=500_000)
    account(ws, "Churned", renewal_date=days(-5), stage="churned")
    account(ws, "Not a fit", renewal_date=days(10), stage="not_a_fit")
    account(ws, "Kim's", renewal_date=days(10), owner="kim")
    account(ws, "No date")

    renewals = build_today(ws, TODAY).renewals
    assert names(renewals) == ["Passed", "Today", "In 89"]
    assert [i.kind for i in renewals] == ["overdue", "upcoming", "upcoming"]
    assert [i.when for i in renewals] == ["5d overdue", "today", "in 89d"]
    passed, _, in90 = renewals
    assert passed.date == days(-5)
    assert passed.details["arr"] == 500_000
    assert passed.details["stage"] == "renewal"
    assert in90.details["band"] == "unknown"
    assert in90.text.startswith("¥1,200,000 · no score")
    assert "Kim's" in names(build_today(ws, TODAY, everyone=True).renewals)


def test_touch_overdue_against_each_tiers_cadence(empty_ws: Workspace) -> None:
    ws = empty_ws
    ok = account(ws, "High 14", tier="high")
    late = account(ws, "High 15", tier="high")
    mid = account(ws, "Mid 40", tier="mid")
    account(ws, "Tech never", tier="tech", contract_start=days(-200))
    account(ws, "Mid unknown", tier="mid")
    account(ws, "New tech", tier="tech", contract_start=days(-2))
    account(ws, "Churned never", tier="high", stage="churned")
    account(ws, "Kim never", tier="high", owner="kim")
    ws.log_activity(ok, "call", day=days(-14))
    ws.log_activity(late, "call", day=days(-15))
    ws.log_activity(mid, "call", day=days(-60))
    ws.log_activity(mid, "email", day=days(-40))

    touch = build_today(ws, TODAY).touch
    assert names(touch) == ["Mid unknown", "Tech never", "Mid 40", "High 15", "New tech"]
    by_name = {i.account_name: i for i in touch}
    assert by_name["High 15"].details == {
        "tier": "high", "cadence_days": 14, "days_since_touch": 15, "days_overdue": 1,
    }  # fmt: skip
    assert by_name["High 15"].text == "High touch: every 14d · 1d late"
    assert by_name["High 15"].when == "15d ago"
    assert by_name["High 15"].date == days(-15)
    assert by_name["Tech never"].kind == "never"
    assert by_name["Tech never"].when == "never"
    assert by_name["Tech never"].details["days_overdue"] == 110
    assert by_name["Mid unknown"].details["days_overdue"] is None


def test_digest_json_is_plain_data(empty_ws: Workspace) -> None:
    ws = empty_ws
    acc = account(ws, "Acme", renewal_date=days(10))
    ws.add_task("call", account_id=acc, due=TODAY)
    data = build_today(ws, TODAY).to_json()
    assert json.loads(json.dumps(data)) == data
    assert data["as_of"] == "2026-11-23"
    assert data["user"] == "me"
    assert data["everyone"] is False
    assert list(data["sections"]) == ["tasks", "alerts", "renewals", "touch"]
    task = data["sections"]["tasks"]["items"][0]
    assert task["date"] == "2026-11-23"
    assert task["account_id"] == acc
    assert task["kind"] == "today"


# ------------------------------------------------------------------------------------- CLI
def _book(path: Path) -> Path:
    ws = Workspace.open(path, user="me")
    evil = account(
        ws, "[bold]Evil[/] \x1b]52;c;ZXZpbA==\x07Corp", tier="high", renewal_date=days(20)
    )
    account(ws, "株式会社テスト", tier="mid", owner="kim", renewal_date=days(30))
    ws.log_activity(evil, "call", day=days(-20))
    ws.add_task("Prepare the renewal deck", account_id=evil, due=days(-2))
    ws.close()
    return path


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(today_cmd, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout


def test_cli_text_digest_names_literal(tmp_path: Path) -> None:
    data = _book(tmp_path / "data")
    code, out = run("--data-dir", str(data), "--lang", "en")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("Today 2026-11-23 · me: your accounts")
    # Tasks: the one by hand and the pre-renewal review the cadence opened (as `cstui tasks`)
    for heading in ("Tasks (2)", "Alerts (2)", "Renewals within 90 days (1)", "Touch overdue (1)"):
        assert heading in lines
    assert any("決裁者との契約更新前レビュー" in line for line in lines)  # a yen account: ja
    task = next(line for line in lines if "Prepare the renewal deck" in line)
    assert task.split()[:2] == ["2d", "overdue"]
    assert "[bold]Evil[/] ␛]52;c;ZXZpbA…" in task  # literal, escape neutralised, cut to fit
    assert "\x1b" not in out
    assert "\x07" not in out
    assert "株式会社テスト" not in out  # kim's


def test_cli_refreshes_alerts_and_prints_json(tmp_path: Path) -> None:
    data = _book(tmp_path / "data")
    code, out = run("--data-dir", str(data), "--json", "--all", "--lang", "en")
    assert code == 0
    digest = json.loads(out)
    sections = digest["sections"]
    assert digest["everyone"] is True
    assert {k: v["count"] for k, v in sections.items()} == {
        "tasks": 3,
        "alerts": 4,
        "renewals": 2,
        "touch": 2,
    }  # fmt: skip  (tasks: one by hand, a pre-renewal review on each account)
    # Computed by the command itself: no touch and renewal at risk (red / no score) on both.
    alerts = sections["alerts"]["items"]
    kinds = sorted(i["kind"] for i in alerts)
    assert kinds == ["no-touch", "no-touch", "renewal-risk", "renewal-risk"]
    assert [i["owner"] for i in alerts] == ["me", "me", "kim", "kim"]  # mine first
    assert sections["renewals"]["items"][1]["account_name"] == "株式会社テスト"


def test_cli_japanese(tmp_path: Path) -> None:
    data = _book(tmp_path / "data")
    code, out = run("--data-dir", str(data), "--lang", "ja")
    assert code == 0
    assert "タスク (2)" in out  # with the cadence's pre-renewal review
    assert "2日超過" in out
    assert "90日以内の契約更新 (1)" in out


def test_cli_cuts_a_long_name_so_the_columns_stay_aligned() -> None:
    """A name longer than its column is cut with "…" (as `cstui tasks` does), so the text
    after it starts in the same column on every line."""
    from cstui.cli.today import NAME_WIDTH, WHEN_WIDTH, item_line

    def line(name: str) -> str:
        item = TodayItem("tasks", "today", "t1", "a1", name, None, "today", "Call", owner="")
        return item_line(item, show_owner=False)

    long_line = line("株式会社" + "とても長い名前の会社" * 5)
    short_line = line("Acme")
    start = WHEN_WIDTH + 1 + NAME_WIDTH + 1
    assert "…" in long_line
    assert cell_len(long_line[: long_line.index("Call")]) == start
    assert cell_len(short_line[: short_line.index("Call")]) == start


def test_alerts_past_what_a_screen_shows_are_ranked_and_counted_without_their_evidence(
    demo_ws: Workspace,
) -> None:
    """The screen shows at most ``shown`` lines of a section: the alerts past them carry
    their flag's label only (wording the evidence of a CSM's 2,000 alerts at 50,000
    accounts took 0.9 s of every rebuild), in the same order and count as in full."""
    full = build_today(demo_ws, TODAY, everyone=True)
    cut = build_today(demo_ws, TODAY, everyone=True, shown=2)
    assert len(full.alerts) > 2
    assert [a.id for a in cut.alerts] == [a.id for a in full.alerts]
    assert cut.alerts[:2] == full.alerts[:2]
    for short, whole in zip(cut.alerts[2:], full.alerts[2:], strict=True):
        assert whole.text.startswith(short.text + ": ")  # "<label>: <evidence>"
    assert (cut.tasks, cut.renewals, cut.touch) == (full.tasks, full.renewals, full.touch)


def test_the_tasks_changed_read_alone_give_the_lines_a_whole_read_gives(
    demo_ws: Workspace,
) -> None:
    """Today follows a teammate's tasks by reading the changed ones alone: a new task, one
    done, one moved to another day, one given to someone else; the lines are those a read
    of every task gives, in the same order."""
    from cstui.workspace.today import with_tasks_again

    ws = demo_ws
    before = build_today(ws, TODAY)
    assert len(before.tasks) > 3
    done, moved, given = (item.ref for item in before.tasks[:3])
    account_id = ws.portfolio()[0].id
    changed: set[str] = set()  # as the changes tell the screen (a tick can make a task)
    ws.store.subscribe(lambda chs: changed.update(c.id for c in chs if c.table == "tasks"))
    new = ws.add_task("Call about the SSO rollout", account_id=account_id, due=days(2)).id
    ws.complete_task(done)
    ws.update_task(moved, {"due": days(40)})
    ws.update_task(given, {"owner": "kim"})
    assert {new, done, moved, given} <= changed
    after = with_tasks_again(ws, before, {*changed, "no-such-task"})
    assert after.tasks == build_today(ws, TODAY).tasks
    assert new in {item.ref for item in after.tasks}
    assert {done, given}.isdisjoint(item.ref for item in after.tasks)
    assert (after.alerts, after.renewals, after.touch) == (
        before.alerts,
        before.renewals,
        before.touch,
    )
