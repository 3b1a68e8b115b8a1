"""Two Unix users in one group run the commands of issue 13 (``import``, ``compact``,
``today``, ``export --out``, a workspace edit) on a team folder: afterwards every file is
still 0660 (folders 2770) in the team's group, and each sees the other's work.

Each command runs in a forked child as that user, with a harsh umask (077), no ``--team``
and no ``CSTUI_TEAM``: the folder itself must say it is a team folder.
"""

from __future__ import annotations

import encodings.utf_8_sig  # noqa: F401  (the users cannot read the stdlib after the fork)
import importlib
import os
import stat
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from .conftest import Team, run_as

# The children cannot import anything new (the checkout and the interpreter may sit where
# these users cannot read): load every command module now, before forking.
for _module in ("compact", "doctor", "exports", "imports", "tasks", "today"):
    importlib.import_module(f"cstui.cli.{_module}")


def cli(*args: str) -> dict[str, Any]:
    from cstui.cli import main

    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return {"code": result.exit_code, "out": result.stdout, "err": result.stderr}


def tick_first_item(data: str, who: str) -> None:
    from cstui.workspace import Workspace

    ws = Workspace.open(data, user=who)
    try:
        account = ws.accounts()[0]
        ws.add_objective(account.id, {"title": f"Objective of {who}"})
    finally:
        ws.close()


def objectives(data: str) -> list[str]:
    from cstui.workspace import Workspace

    ws = Workspace.open(data, user="reader")
    try:
        plan = ws.success_plan(ws.accounts()[0].id)
        return sorted(o.title for o in plan.objectives) if plan else []
    finally:
        ws.close()


@pytest.mark.slow
def test_two_users_running_commands_keep_the_team_folder_shared(team: Team) -> None:
    alice, bob = team.users
    data = team.base / "book"
    data.mkdir()
    os.chown(data, alice.uid, team.gid)
    os.chmod(data, 0o2770)
    source = team.base / "accounts.csv"
    source.write_text("name,arr\nAcme,100\nBeta,200\n", encoding="utf-8")
    os.chmod(source, 0o644)

    steps = [
        (alice, ("import", "accounts", "--data-dir", str(data), str(source))),
        (bob, ("today", "--data-dir", str(data))),
        (bob, ("compact", "--data-dir", str(data))),
        (alice, ("tasks", "--all", "--data-dir", str(data))),
        (bob, ("export", "accounts", "--data-dir", str(data), "--out", str(data / "out.csv"))),
        (alice, ("doctor", "--data-dir", str(data))),
    ]
    for user, args in steps:
        done = run_as(user, cli, *args)
        assert done["code"] == 0, (user.name, args, done)
    run_as(alice, tick_first_item, str(data), alice.name)
    run_as(bob, tick_first_item, str(data), bob.name)
    run_as(bob, cli, "compact", "--data-dir", str(data))
    assert run_as(alice, objectives, str(data)) == [
        f"Objective of {alice.name}",
        f"Objective of {bob.name}",
    ]
    doctor = run_as(bob, cli, "doctor", "--data-dir", str(data))
    assert doctor["code"] == 0, doctor
    assert "problem:" not in doctor["out"], doctor

    for path in [data, *data.rglob("*")]:
        st = path.stat()
        rel = path.relative_to(data)
        assert st.st_gid == team.gid, f"{rel} lost the team group"
        mode = stat.S_IMODE(st.st_mode)
        if path.is_dir():
            assert mode == 0o2770, (rel, oct(mode))
        else:
            assert mode == 0o660, (rel, oct(mode))  # the export too: the team's, nobody else's
    assert Path(data / "out.csv").read_text(encoding="utf-8").count("\n") == 3
