"""An account's ARR history travels with the account between laptops, and settling an ARR
conflict keeps the move it makes (issue 16: closed periods keep the ARR of then)."""

from __future__ import annotations

from cstui.sync.hub import ADAPTER
from cstui.workspace import Workspace

from .conftest import Team


def _history(folder: object, aid: str) -> list[tuple[object, object, str]]:
    ws = Workspace.open(str(folder), user="laptop")
    try:
        return [(c.old, c.new, c.source) for c in ws.account_history(aid)]
    finally:
        ws.close()


def test_arr_edits_on_two_laptops_and_the_settled_conflict_are_kept(team: Team) -> None:
    ws = Workspace.open(team.a, user="laptop")
    try:
        account = sorted(ws.accounts(), key=lambda a: a.id)[0]
        aid, start = account.id, account.arr
        ws.update_account(aid, {"arr": start + 11_000})
    finally:
        ws.close()
    ws = Workspace.open(team.b, user="laptop")
    try:
        ws.update_account(aid, {"arr": start + 22_000})
    finally:
        ws.close()
    team.sync(team.a)
    done = team.run("sync", "--data-dir", str(team.b), "--quiet")
    assert done.returncode == 3, done.stdout + done.stderr
    with team.store(team.b) as b:
        [c] = [c for c in b.all("conflicts") if c["adapter"] == ADAPTER]
    done = team.run("sync", "--data-dir", str(team.b), "--resolve", f"{c['id']}=theirs", "-q")
    assert done.returncode == 0, done.stderr
    team.sync(team.a)
    want = {
        (start, start + 11_000, "edit"),
        (start, start + 22_000, "edit"),
        (start + 22_000, start + 11_000, "hub"),
    }
    for folder in (team.hub, team.a, team.b):
        assert team.get(folder, "accounts", aid)["arr"] == start + 11_000, folder
        assert set(_history(folder, aid)) == want, folder
