"""A team folder keeps the portfolio's rows in the folder itself, for the team.

The day's first start of every member came after another member's app had rescored the
book and folded it into the snapshot: each built 50,000 rows from the tables (0.9 s), as
the rows each kept in their own cache were for yesterday's file. The rows are now the
team's, with the folder's modes and group, and read only when nobody outside the team can
have written them.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import pytest

from cstui import clock
from cstui.demo.build import build_demo
from cstui.store import Store
from cstui.workspace import Workspace
from cstui.workspace.rows_cache import TEAM_ROWS

from ..conftest import TODAY
from .conftest import Team, run_as


def _start(data: str, cache: str, keep: bool) -> dict[str, Any]:
    """A member's start: the rows it shows, the tables it streamed, whether it kept them."""
    os.environ["CSTUI_CACHE_DIR"] = cache
    clock.freeze(TODAY)
    streamed: list[str] = []
    stream = Store.stream

    def counting(self: Store, table: str, **how: Any) -> Any:
        streamed.append(table)
        return stream(self, table, **how)

    Store.stream = counting  # type: ignore[method-assign]
    ws = Workspace.open(Path(data))
    rows = sorted([r.id, r.name, r.health] for r in ws.portfolio())
    kept = ws.keep_rows() if keep else None
    ws.store.close(checkpoint=False)
    return {"rows": rows, "streamed": streamed, "kept": kept}


@pytest.mark.slow
def test_one_members_kept_rows_are_the_next_members_start(team: Team) -> None:
    alice, bob = team.users
    data = team.base / "data"
    data.mkdir(mode=0o2770)
    os.chown(data, 0, team.gid)
    data.chmod(0o2770)
    clock.freeze(TODAY)
    build_demo(data, 40, 3, team=True)
    caches = {}
    for user in team.users:  # each member's own cache folder (unused by a team folder)
        caches[user.name] = str(team.base / f"cache-{user.name}")
        os.mkdir(caches[user.name], 0o700)
        os.chown(caches[user.name], user.uid, user.gid)
    first = run_as(alice, _start, str(data), caches[alice.name], True)
    assert first["kept"] is True
    rows = data / TEAM_ROWS
    st = rows.stat()
    assert (stat.S_IMODE(st.st_mode), st.st_gid, st.st_uid) == (0o660, team.gid, alice.uid)
    second = run_as(bob, _start, str(data), caches[bob.name], False)
    assert second["rows"] == first["rows"]
    assert second["streamed"] == []  # neither the accounts nor the summaries were read
    assert os.listdir(caches[bob.name]) == []
    # Writable by anyone: not trusted, the rows are built from the tables again.
    rows.chmod(0o666)
    third = run_as(bob, _start, str(data), caches[bob.name], False)
    assert third["rows"] == first["rows"]
    assert "accounts" in third["streamed"]
    # Nor is a link planted in its place.
    rows.chmod(0o660)
    rows.rename(data / "elsewhere.json")
    rows.symlink_to(data / "elsewhere.json")
    fourth = run_as(bob, _start, str(data), caches[bob.name], False)
    assert "accounts" in fourth["streamed"]
