"""File modes: never readable by other users, whatever the umask; group modes for teams."""

from __future__ import annotations

import grp
import os
import pwd
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from cstui.store import Store


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(params=[0o000, 0o022, 0o077])
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    old = os.umask(request.param)
    try:
        yield request.param
    finally:
        os.umask(old)


def exercise(data: Path, team: bool) -> Store:
    store = Store(data, actor="x", team=team, checkpoint_bytes=500)
    for i in range(20):
        store.put("accounts", f"a{i}", {"pad": "x" * 40})  # forces checkpoints + backups
    store.checkpoint()
    return store


def all_files(data: Path) -> list[Path]:
    return [p for p in data.rglob("*") if p.is_file()]


def test_private_folder_is_0700_and_files_0600(tmp_path: Path, umask: int) -> None:
    store = exercise(tmp_path / "data", team=False)
    assert mode(store.data_dir) == 0o700
    assert mode(store.backups_dir) == 0o700
    files = all_files(store.data_dir)
    names = {p.name for p in files}
    assert {"cstui.json", "journal.jsonl", "cstui.lock"} <= names
    assert any(p.parent.name == "backups" for p in files)
    assert {p.name: mode(p) for p in files} == {p.name: 0o600 for p in files}
    assert store.check() == []
    store.close()


def shared_gid() -> int | None:
    """A group that is not this user's own personal group, that this user may chgrp to."""
    mine = (
        grp.getgrgid(os.getgid()).gr_name
        if os.getgid() in {g.gr_gid for g in grp.getgrall()}
        else ""
    )
    me = pwd.getpwuid(os.getuid()).pw_name
    candidates = [g.gr_gid for g in grp.getgrall()] if os.geteuid() == 0 else os.getgroups()
    for gid in candidates:
        name = grp.getgrgid(gid).gr_name
        if name not in (me, mine):
            return gid
    return None


def test_team_folder_uses_group_permissions(tmp_path: Path, umask: int) -> None:
    gid = shared_gid()
    if gid is None:
        pytest.skip("this user is in no group other than their own")
    data = tmp_path / "team"
    data.mkdir()
    os.chown(data, -1, gid)
    os.chmod(data, 0o2770)
    store = exercise(data, team=True)
    assert mode(store.data_dir) == 0o2770
    assert mode(store.backups_dir) == 0o2770
    files = all_files(store.data_dir)
    assert {p.name: mode(p) for p in files} == {p.name: 0o660 for p in files}
    assert {p.stat().st_gid for p in [*files, store.backups_dir]} == {gid}
    assert (data / "cstui.team").is_file()
    assert store.check() == []
    store.close()


def test_new_team_folder_in_a_personal_group_is_reported(tmp_path: Path) -> None:
    store = exercise(tmp_path / "team", team=True)
    assert mode(store.data_dir) == 0o2770
    own = grp.getgrgid(store.data_dir.stat().st_gid).gr_name
    problems = store.check()
    if own == pwd.getpwuid(os.getuid()).pw_name:
        assert any("personal group" in p and "chgrp -R" in p for p in problems)
    store.close()


def test_check_reports_open_permissions(tmp_path: Path) -> None:
    store = exercise(tmp_path / "data", team=False)
    os.chmod(store.data_dir, 0o755)
    os.chmod(store.snapshot_path, 0o644)
    os.chmod(store.journal_path, 0o640)
    problems = store.check()
    assert len(problems) == 3
    assert any(
        str(store.data_dir) in p and "every user" in p and "chmod 700" in p for p in problems
    )
    assert any(str(store.snapshot_path) in p and "every user" in p for p in problems)
    assert any(str(store.journal_path) in p and "group" in p for p in problems)
    store.close()
    # Opening an existing, too-open folder warns rather than silently changing it.
    again = Store(store.data_dir, actor="x")
    assert any("every user" in w for w in again.warnings)
    again.close()


def test_check_reports_a_team_folder_not_shared(tmp_path: Path) -> None:
    store = exercise(tmp_path / "team", team=True)
    os.chmod(store.journal_path, 0o600)
    assert any("not shared with the team group" in p for p in store.check())
    store.close()


def test_check_reports_a_large_journal(tmp_path: Path) -> None:
    store = Store(tmp_path / "data", actor="x", checkpoint_bytes=10**9)
    for i in range(30):
        store.put("accounts", f"a{i}", {"pad": "x" * 100})
    store.checkpoint_bytes = 1000
    assert any("run `cstui compact`" in p for p in store.check())
    store.close()


def test_cstui_team_makes_a_team_folder_that_stays_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "team"
    monkeypatch.setenv("CSTUI_TEAM", "1")
    with Store(data, actor="x") as store:
        assert store.team
        store.put("accounts", "a1", {})
    assert mode(data) == 0o2770
    assert (data / "cstui.team").is_file()
    # Later processes, without the variable or a flag, keep the group modes.
    monkeypatch.delenv("CSTUI_TEAM")
    os.umask(0o077)
    try:
        with Store(data, actor="y", checkpoint_bytes=300) as store:
            assert store.team
            for i in range(10):
                store.put("accounts", f"b{i}", {"pad": "x" * 50})
    finally:
        os.umask(0o022)
    assert {p.name: mode(p) for p in all_files(data)} == {p.name: 0o660 for p in all_files(data)}


def test_marker_alone_makes_a_team_folder(tmp_path: Path) -> None:
    data = tmp_path / "team"
    Store(data, actor="x", team=True).close()
    os.chmod(data, 0o700)  # someone narrowed the folder: the marker still says "team"
    with Store(data, actor="y") as store:
        assert store.team
        assert any("not shared with the team group" in p for p in store.check())


def test_a_personal_folder_is_not_a_team_folder(tmp_path: Path) -> None:
    with Store(tmp_path / "me", actor="x") as store:
        assert not store.team
        store.put("accounts", "a1", {})
    assert not (tmp_path / "me" / "cstui.team").exists()
    # A folder someone made group-writable is shared with that group.
    os.chmod(tmp_path / "me", 0o770)
    with Store(tmp_path / "me", actor="x") as store:
        assert store.team


def test_doctor_names_setgid_and_chgrp_for_a_team_folder_that_locks_others_out(
    tmp_path: Path,
) -> None:
    gid = shared_gid()
    if gid is None:
        pytest.skip("this user is in no group other than their own")
    data = tmp_path / "team"
    data.mkdir()
    os.chown(data, -1, gid)
    os.chmod(data, 0o770)  # group-writable, but no setgid bit
    store = exercise(data, team=False)
    assert store.team
    group = grp.getgrgid(gid).gr_name
    health = store.diagnose()
    assert not health.healthy
    assert any("setgid" in p and f"chgrp -R {group} {data}" in p for p in health.problems)
    os.chmod(data, 0o2770)
    own = os.getgid() if os.getgid() != gid else None
    if own is not None:  # a file in the creator's own group locks the others out
        os.chown(store.journal_path, -1, own)
        problems = store.check()
        assert any(
            str(store.journal_path) in p and f"chgrp {group} {store.journal_path}" in p
            for p in problems
        )
        os.chown(store.journal_path, -1, gid)
    assert store.check() == []
    store.close()
