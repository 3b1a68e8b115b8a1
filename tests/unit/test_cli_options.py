"""Shared options mean the same before and after the subcommand, or are refused (exit 2).

``cstui --data-dir X today`` once read the default directory: the root group's options were
parsed and dropped. Now a value typed before the subcommand is passed down to the command
that runs; one it does not take is an error. ``CSTUI_TEAM=1`` works like ``--team`` for every
command that writes to a data directory; a command that only reads takes ``--team`` but never
marks the folder.
"""

from __future__ import annotations

import json
import shutil
import stat
from collections.abc import Iterator, Mapping
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from cstui.cli import main
from cstui.cli.common import inherited
from cstui.store import TEAM_MARKER, Store
from cstui.store.perms import TEAM_DIR_MODE

SHARED = ("data_dir", "lang", "team")


def run(*args: str | Path, env: Mapping[str, str | None] | None = None) -> tuple[int, str, str]:
    words = [str(a) for a in args]
    result = CliRunner().invoke(main, words, env=env, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def data(demo_dir: Path, tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(demo_dir, target)
    return target


@pytest.fixture
def elsewhere(tmp_path: Path) -> dict[str, str]:
    """CSTUI_DATA_DIR pointing at an empty book: a dropped --data-dir would read this one."""
    return {"CSTUI_DATA_DIR": str(tmp_path / "empty")}


def _accounts(stdout: str) -> int:
    return len(json.loads(stdout)["accounts"])


def test_data_dir_before_the_command_is_used(data: Path, elsewhere: dict[str, str]) -> None:
    code, before, _ = run("--data-dir", data, "health", "--json", env=elsewhere)
    assert code == 0
    assert _accounts(before) == 60
    assert run("health", "--data-dir", data, "--json", env=elsewhere)[1] == before


def _empty_book(path: Path) -> Path:
    """An empty book (read commands refuse a folder with no cstui data in it)."""
    Store(path, actor="setup").close()
    return path


def test_the_value_typed_nearer_the_command_wins(data: Path, tmp_path: Path) -> None:
    empty = _empty_book(tmp_path / "other")
    _, stdout, _ = run("--data-dir", empty, "health", "--data-dir", data, "--json")
    assert _accounts(stdout) == 60
    _, stdout, _ = run("--data-dir", data, "health", "--data-dir", empty, "--json")
    assert _accounts(stdout) == 0


def test_lang_before_the_command_is_used(data: Path) -> None:
    english = run("today", "--data-dir", data, "--lang", "en")[1]
    after = run("today", "--data-dir", data, "--lang", "ja")[1]
    before = run("--lang", "ja", "--data-dir", data, "today")[1]
    assert before == after != english


def test_options_pass_through_a_subgroup(data: Path) -> None:
    name = json.loads(run("health", "--data-dir", data, "--json")[1])["accounts"][0]["id"]
    english = run("health", "explain", "--data-dir", data, name)
    after = run("health", "explain", "--data-dir", data, "--lang", "ja", name)
    before = run("--lang", "ja", "--data-dir", data, "health", "explain", name)
    middle = run("health", "--data-dir", data, "explain", "--lang", "ja", name)
    assert english[0] == after[0] == before[0] == middle[0] == 0
    assert before[1] == after[1] == middle[1] != english[1]


def test_health_explain_takes_its_language_from_lang_like_every_command(data: Path) -> None:
    name = json.loads(run("health", "--data-dir", data, "--json")[1])["accounts"][1]["id"]
    plain = {"LC_ALL": None, "LC_MESSAGES": None}
    japanese = run("health", "explain", "--data-dir", data, name, env={**plain, "LANG": "ja_JP"})
    english = run("health", "explain", "--data-dir", data, name, env={**plain, "LANG": "C"})
    typed = run("health", "explain", "--data-dir", data, "--lang", "ja", name, env=plain)
    assert japanese[0] == english[0] == typed[0] == 0
    assert japanese[1] == typed[1] != english[1]


@pytest.mark.parametrize(
    ("args", "refusal"),
    [  # `--lang ja` chose Japanese for the usage error too
        (
            ["--lang", "ja", "doctor", "--data-dir", "{dir}"],
            "--lang は 'main doctor' には使えません",
        ),
        (["--lang", "ja", "sync", "--data-dir", "{dir}"], "--lang は 'main sync' には使えません"),
        (["--lang", "en", "compact", "--data-dir", "{dir}"], "--lang does not apply to"),
        (
            ["health", "--json", "explain", "--data-dir", "{dir}", "acme"],
            "--json does not apply to",
        ),
        (["--data-dir", "{dir}", "demo", "--no-open"], "--data-dir does not apply to"),
    ],
)
def test_an_option_the_command_does_not_take_is_refused(
    args: list[str], refusal: str, tmp_path: Path
) -> None:
    target = tmp_path / "data"
    code, stdout, stderr = run(*(a.replace("{dir}", str(target)) for a in args))
    assert code == 2
    assert refusal in stderr
    assert stdout == ""
    assert not target.exists()  # refused before anything ran


def _commands(command: click.Command, ctx: click.Context) -> Iterator[click.Command]:
    yield command
    if isinstance(command, click.Group):
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            assert sub is not None
            yield from _commands(sub, click.Context(sub, parent=ctx, info_name=name))


def test_every_shared_option_inherits_and_every_data_command_takes_team() -> None:
    """The rule lives in common.py; this keeps each command wired to it."""
    checked = 0
    for command in _commands(main, click.Context(main, info_name="cstui")):
        params = {p.name: p for p in command.params}
        for name in SHARED:
            if name in params:
                assert params[name].callback is inherited, f"{command.name} --{name}"
                checked += 1
        if "data_dir" in params:
            assert "team" in params, f"{command.name} opens data but has no --team"
    assert checked >= 30


def _surveys(tmp_path: Path) -> Path:
    path = tmp_path / "surveys.csv"
    path.write_text("account,contact,date,kind,score,comment\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "args",
    [["compact"], ["doctor"], ["import", "surveys", "{surveys}"]],
)
def test_cstui_team_works_like_the_flag_for_every_command_that_writes(
    args: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CSTUI_CONFIG_DIR", str(tmp_path / "no-config"))
    args = [a.replace("{surveys}", str(_surveys(tmp_path))) for a in args]
    target = _empty_book(tmp_path / "data")
    run(*args, "--data-dir", target, env={"CSTUI_TEAM": "1"})
    assert (target / TEAM_MARKER).exists()  # the folder now knows it is a team folder
    private = _empty_book(tmp_path / "private")
    run(*args, "--data-dir", private)
    assert not (private / TEAM_MARKER).exists()


def test_team_before_the_command_and_for_the_demo(tmp_path: Path) -> None:
    run("--team", "compact", "--data-dir", _empty_book(tmp_path / "a"))
    assert (tmp_path / "a" / TEAM_MARKER).exists()
    out = tmp_path / "demo"
    code, _, _ = run("demo", "--out", out, "--accounts", "2", "--no-open", env={"CSTUI_TEAM": "1"})
    assert code == 0
    assert stat.S_IMODE(out.stat().st_mode) == TEAM_DIR_MODE


def _modes(folder: Path) -> dict[str, int]:
    return {str(p.relative_to(folder)): p.stat().st_mode for p in [folder, *folder.rglob("*")]}


@pytest.mark.parametrize(
    "args",
    [
        ["today"],
        ["tasks"],
        ["health"],
        ["health", "explain", "{id}"],
        ["report", "kpis"],
        ["export", "accounts"],
        ["export", "qbr", "{id}"],
    ],
)
def test_team_before_a_read_command_leaves_the_folder_as_it_was(
    args: list[str], data: Path
) -> None:
    """``cstui --team today`` once marked a private folder as a team folder and opened its
    files to the group: a command that only reads takes --team but never changes the folder."""
    account = json.loads(run("health", "--data-dir", data, "--json")[1])["accounts"][0]["id"]
    before = _modes(data)
    code, _, _ = run("--team", "--data-dir", data, *[a.replace("{id}", account) for a in args])
    assert code == 0
    assert not (data / TEAM_MARKER).exists()
    after = _modes(data)  # today and health save the rescored health: a new backup too
    assert {name: after[name] for name in before} == before
    assert all(stat.S_IMODE(mode) & 0o077 == 0 for mode in after.values())


def test_a_missing_data_directory_is_told_in_the_users_language(tmp_path: Path) -> None:
    missing = tmp_path / "typo"
    code, _, stderr = run("--lang", "ja", "--data-dir", missing, "tasks")
    assert code == 4
    assert f"データフォルダー {missing} がありません。" in stderr
    assert not missing.exists()
    code, _, stderr = run("today", "--data-dir", missing, env={"LANG": "C", "LC_ALL": None})
    assert code == 4
    assert f"The data directory {missing} does not exist." in stderr
