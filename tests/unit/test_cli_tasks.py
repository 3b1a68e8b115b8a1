"""``cstui tasks``: open tasks as text and JSON, mine by default, cadence tasks synced first."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

from click.testing import CliRunner

from cstui.cli.tasks import tasks
from cstui.workspace import Workspace

TODAY = date(2026, 11, 23)


def days(n: int) -> date:
    return TODAY + timedelta(days=n)


def book(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    ws = Workspace.open(data, user="me")
    try:
        acme = ws.create_account(
            {
                "name": "Acme",
                "owner": "me",
                "tier": "high",
                "currency": "USD",
                "contract_start": date(2025, 12, 20),
                "renewal_date": days(27),
            }
        ).id
        beta = ws.create_account({"name": "株式会社ベータ", "owner": "kim"}).id
        ws.add_task("Send the deck", account_id=acme, due=days(2))
        ws.add_task("Beta follow-up", account_id=beta, due=days(-1), owner="kim")
        done = ws.add_task("Old thing", account_id=acme)
        ws.complete_task(done.id)
    finally:
        ws.close()
    return data


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(tasks, list(args))
    return result.exit_code, result.output


def test_text_lists_my_open_tasks_with_cadence_ones(tmp_path: Path) -> None:
    data = book(tmp_path)
    code, out = run("--data-dir", str(data))
    assert code == 0, out
    lines = out.splitlines()
    assert lines[0] == "Tasks 2026-11-23 · me: your open tasks (--all for everyone's)"
    assert "Due" in lines[2]
    assert "Account" in lines[2]
    assert "Owner" not in lines[2]
    pre, deck = lines[3], lines[4]
    assert pre.startswith("! 2026-09-21")
    assert "high" in pre
    assert "cadence" in pre
    assert pre.endswith("Acme                     Pre-renewal review with the executive")
    assert deck.startswith("  2026-11-25")
    assert deck.endswith("Send the deck")
    assert "Beta follow-up" not in out
    assert "Old thing" not in out
    assert lines[-1] == "2 open, 1 overdue (!)"


def test_all_and_account_filters_and_japanese(tmp_path: Path) -> None:
    data = book(tmp_path)
    code, out = run("--data-dir", str(data), "--all", "--lang", "ja")
    assert code == 0
    assert out.splitlines()[0] == "タスク 2026-11-23 · 全員の未完了タスク"
    assert "担当" in out
    assert "株式会社ベータ" in out
    assert "kim" in out
    code, out = run("--data-dir", str(data), "--account", "ベータ")
    assert code == 0
    assert "Beta follow-up" in out
    assert "Send the deck" not in out
    code, out = run("--data-dir", str(data), "--account", "nobody")
    assert code == 1
    assert "No account matches 'nobody'." in out


def test_json(tmp_path: Path) -> None:
    data = book(tmp_path)
    code, out = run("--data-dir", str(data), "--json")
    assert code == 0
    doc = json.loads(out)
    assert (doc["as_of"], doc["user"], doc["scope"]) == ("2026-11-23", "me", "mine")
    first = doc["tasks"][0]
    assert first["source"] == "cadence"
    assert first["due"] == "2026-09-21"
    assert first["overdue"] is True
    assert first["priority"] == "high"
    assert first["account"] == "Acme"
    assert first["key"].endswith(":pre-renewal")
    assert [t["title"] for t in doc["tasks"]][1:] == ["Send the deck"]
    code, out = run("--data-dir", str(data), "--json", "--all")
    assert len(json.loads(out)["tasks"]) == 3
