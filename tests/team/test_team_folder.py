"""Two Unix users in one group share a team folder: whoever runs what, nobody is locked out.

Each user's process opens the store *without* ``team=True`` and with a harsh umask (077):
the folder itself must tell the store it is a team folder.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import pytest

from cstui.store import Store

from .conftest import ChildFailed, Team, run_as


def write_and_compact(data: str, who: str, n: int) -> dict[str, Any]:
    """Open as a plain user, read everything, write n records, checkpoint (rewrites every
    file), trigger automatic checkpoints and backups, take the sync lock; report what was
    seen."""
    store = Store(data, actor=who, checkpoint_bytes=2000)
    seen = sorted(r["id"] for r in store.all("accounts"))
    for i in range(n):
        store.put("accounts", f"{who}-{i}", {"name": f"{who} {i}", "pad": "x" * 100})
    store.update("plans", "p1", lambda r: {**(r or {}), who: True})
    store.checkpoint()
    with store.named_lock("sync"):
        pass
    team = store.team
    store.close()
    return {"seen": seen, "team": team}


def read_all(data: str) -> list[str]:
    store = Store(data, actor="reader")
    try:
        return sorted(r["id"] for r in store.all("accounts"))
    finally:
        store.close()


def modes_and_groups(root: Path) -> dict[str, tuple[str, int]]:
    out = {}
    for path in [root, *root.rglob("*")]:
        st = path.stat()
        out[str(path.relative_to(root))] = (oct(stat.S_IMODE(st.st_mode)), st.st_gid)
    return out


@pytest.mark.slow
@pytest.mark.parametrize("folder_mode", [0o2770, 0o770], ids=["setgid", "group-writable"])
def test_two_users_keep_sharing_a_team_folder(team: Team, folder_mode: int) -> None:
    alice, bob = team.users
    data = team.base / "book"
    data.mkdir()
    os.chown(data, 0, team.gid)
    os.chmod(data, folder_mode)

    first = run_as(alice, write_and_compact, str(data), alice.name, 30)
    assert first == {"seen": [], "team": True}
    second = run_as(bob, write_and_compact, str(data), bob.name, 30)
    assert second["team"]
    assert second["seen"] == sorted(f"{alice.name}-{i}" for i in range(30))
    third = run_as(alice, write_and_compact, str(data), alice.name + "x", 5)
    assert len(third["seen"]) == 60

    everyone = sorted(
        [f"{alice.name}-{i}" for i in range(30)]
        + [f"{bob.name}-{i}" for i in range(30)]
        + [f"{alice.name}x-{i}" for i in range(5)]
    )
    assert run_as(bob, read_all, str(data)) == everyone
    assert run_as(alice, read_all, str(data)) == everyone

    found = modes_and_groups(data)
    assert len([p for p in found if p.startswith("backups/")]) >= 2  # rewritten several times
    for rel, (mode, gid) in found.items():
        assert gid == team.gid, f"{rel} lost the team group"
        if rel == ".":
            assert int(mode, 8) == folder_mode  # the admin's choice is left as it is
        elif (data / rel).is_dir():
            assert int(mode, 8) == 0o2770, rel
        else:
            assert int(mode, 8) == 0o660, rel
    with Store(data, actor="root") as store:
        assert store.get("plans", "p1") is not None
        plan = store.get("plans", "p1") or {}
        assert plan.get(alice.name)
        assert plan.get(bob.name)
        assert plan.get(alice.name + "x")


def _team_book(team: Team) -> Path:
    """An empty team folder: the group's, setgid, for the book to be made in."""
    data = team.base / "book"
    data.mkdir()
    os.chown(data, 0, team.gid)
    os.chmod(data, 0o2770)
    return data


def lock_out(data: str) -> None:
    """What an older cstui did: rewrite files 0600 in the owner's own group."""
    store = Store(data, actor="old")
    store.put("accounts", "x", {"name": "Acme Secret Customer"})
    store.close(checkpoint=False)
    for name in ("journal.jsonl", "cstui.lock"):
        os.chmod(Path(data) / name, 0o600)
        os.chown(Path(data) / name, -1, os.getgid())


@pytest.mark.slow
def test_a_locked_out_member_is_told_who_can_fix_it_and_the_owner_heals_it(team: Team) -> None:
    alice, bob = team.users
    data = _team_book(team)
    run_as(alice, lock_out, str(data))

    with pytest.raises(ChildFailed) as info:
        run_as(bob, read_all, str(data))
    failure = info.value
    assert failure.kind == "PermissionDeniedError"
    message = failure.message
    assert "journal.jsonl" in message or "cstui.lock" in message
    assert alice.name in message
    assert f"chgrp {team.group}" in message
    assert "chmod 660" in message
    assert "damaged" not in message
    assert "backup" not in message
    assert "chmod 700" not in message
    assert "Acme Secret Customer" not in failure.trace

    # The owner opening it (any command, no --team) puts the modes and group right.
    assert run_as(alice, read_all, str(data)) == ["x"]
    assert run_as(bob, read_all, str(data)) == ["x"]
    for name in ("journal.jsonl", "cstui.lock"):
        st = (data / name).stat()
        assert stat.S_IMODE(st.st_mode) == 0o660
        assert st.st_gid == team.gid


def private_snapshot(data: str) -> None:
    """A book whose snapshot is the owner's alone (a backup put back with `cp` under a
    private umask), then an ordinary session: an edit and a close with a short journal,
    which no longer rewrites the snapshot."""
    with Store(data, actor="owner", close_checkpoint_bytes=0) as store:
        store.put("accounts", "x", {"name": "Acme"})
    snapshot = Path(data) / "cstui.json"
    os.chmod(snapshot, 0o600)
    os.chown(snapshot, -1, os.getgid())
    with Store(data, actor="owner") as store:
        store.put("accounts", "y", {"name": "Beta"})


@pytest.mark.slow
def test_the_owner_opening_the_book_puts_the_snapshots_modes_right(team: Team) -> None:
    alice, bob = team.users
    data = _team_book(team)
    run_as(alice, private_snapshot, str(data))
    st = (data / "cstui.json").stat()
    assert (stat.S_IMODE(st.st_mode), st.st_gid) == (0o660, team.gid)
    assert run_as(bob, read_all, str(data)) == ["x", "y"]
