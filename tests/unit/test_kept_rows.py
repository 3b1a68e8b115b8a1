"""The portfolio's rows kept between runs: the next start reads them instead of the tables,
and shows exactly what building them from the tables would (changes since, another day,
another model, a damaged or foreign file), or builds them from the tables."""

from __future__ import annotations

import os
import shutil
import stat
from collections.abc import Iterator
from dataclasses import astuple
from datetime import timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest

from cstui import clock
from cstui.store import StorageError, Store
from cstui.workspace import Workspace
from cstui.workspace.rows_cache import TEAM_ROWS, kept_rows_path

from ..conftest import TODAY


@pytest.fixture
def data(demo_dir: Path, tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(demo_dir, target)
    return target


def rows_of(ws: Workspace) -> dict[str, tuple[Any, ...]]:
    return {row.id: astuple(row) for row in ws.portfolio()}


def built_from_tables(data: Path, tmp_path: Path) -> tuple[dict[str, tuple[Any, ...]], bool]:
    """The rows (and whether every account counts as scored) of a run with nothing kept."""
    os.environ["CSTUI_CACHE_DIR"] = str(tmp_path / f"empty-{len(os.listdir(tmp_path))}")
    ws = Workspace.open(data)
    try:
        return rows_of(ws), ws.health_is_current()
    finally:
        ws.store.close(checkpoint=False)  # nothing to fold in, and no rows kept
        os.environ["CSTUI_CACHE_DIR"] = str(tmp_path / "cache")


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("CSTUI_CACHE_DIR", str(folder))
    return folder


@pytest.fixture
def tables_read(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The tables streamed whole (what reading the kept rows spares)."""
    read: list[str] = []
    stream = Store.stream

    def counting(self: Store, table: str, **how: Any) -> Iterator[dict[str, Any]]:
        read.append(table)
        return stream(self, table, **how)

    monkeypatch.setattr(Store, "stream", counting)
    return read


def keep(data: Path) -> dict[str, tuple[Any, ...]]:
    """A run that builds the rows and keeps them (on closing); its rows."""
    ws = Workspace.open(data)
    rows = rows_of(ws)
    ws.close()
    return rows


def test_the_next_start_reads_the_kept_rows_and_shows_the_same(
    data: Path, cache: Path, tables_read: list[str]
) -> None:
    first = keep(data)
    path = kept_rows_path(data)
    assert path.exists()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    tables_read.clear()
    ws = Workspace.open(data)
    assert rows_of(ws) == first
    assert tables_read == []  # neither the accounts nor the health summaries were parsed
    assert ws.health_is_current()
    ws.close()


def test_changes_since_the_snapshot_show_in_the_kept_rows(
    data: Path, cache: Path, tmp_path: Path, tables_read: list[str]
) -> None:
    keep(data)
    teammate = Workspace.open(data, user="kim")  # stays open: its changes are journal lines
    some = sorted(rows_of(teammate))
    teammate.update_account(some[0], {"name": "Renamed By Kim KK", "arr": 4_321_000})
    new = teammate.create_account({"name": "Brand New KK", "owner": "kim"})
    teammate.refresh_health([some[1]], as_of=TODAY)  # one summary written again
    teammate.update_account(some[2], {"renewal_date": TODAY + timedelta(days=40)})
    teammate.store.close(checkpoint=False)

    tables_read.clear()
    ws = Workspace.open(data)
    rows = rows_of(ws)
    assert tables_read == []
    expected, current = built_from_tables(data, tmp_path)
    assert rows == expected
    assert rows[some[0]][1] == "Renamed By Kim KK"
    assert new.id in rows
    assert ws.health_is_current() == current
    ws.close()


def test_another_day_counts_the_days_again_and_scores_nothing(
    data: Path, cache: Path, tmp_path: Path
) -> None:
    keep(data)
    clock.freeze(TODAY + timedelta(days=3))
    ws = Workspace.open(data)
    rows = rows_of(ws)
    assert not ws.health_is_current()  # kept on the day they were scored: not today's
    expected, _ = built_from_tables(data, tmp_path)
    assert rows == expected
    ws.store.close(checkpoint=False)


def test_a_book_with_an_account_not_yet_scored_keeps_no_rows(
    data: Path, cache: Path, tmp_path: Path
) -> None:
    """Its row takes the last touch from the activities (no summary yet), which the kept
    rows do not follow: nothing is kept until it is scored (the app scores it on start)."""
    ws = Workspace.open(data)
    account = ws.create_account({"name": "Unscored KK"})
    assert not ws.keep_rows()
    ws.close()
    assert not kept_rows_path(data).exists()
    ws = Workspace.open(data)
    ws.store.put(  # an activity alone: neither the account nor a summary changes
        "activities",
        "act-kickoff",
        {
            "account_id": account.id,
            "date": (TODAY - timedelta(days=2)).isoformat(),
            "kind": "call",
            "summary": "Kick-off call",
        },
    )
    assert rows_of(ws)[account.id][8] == TODAY - timedelta(days=2)  # its last touch
    ws.refresh_health()
    ws.close()
    again = Workspace.open(data)
    rows = rows_of(again)
    assert rows[account.id][8] == TODAY - timedelta(days=2)
    again.close()
    assert kept_rows_path(data).exists()  # scored: kept now


def test_a_checkpoint_that_changed_the_accounts_makes_the_kept_rows_unused(
    data: Path, cache: Path, tables_read: list[str]
) -> None:
    keep(data)
    teammate = Workspace.open(data, user="kim")
    some = sorted(rows_of(teammate))[0]
    teammate.update_account(some, {"name": "Checkpointed KK"})
    teammate.store.checkpoint()  # no rows kept by it: only the snapshot changed
    teammate.store.close()
    tables_read.clear()
    ws = Workspace.open(data)
    assert rows_of(ws)[some][1] == "Checkpointed KK"
    assert "accounts" in tables_read  # built from the tables: the kept rows are not theirs
    # The settings the rows read follow the config files, unchanged: not parsed either.
    assert "_kpi_settings" not in vars(ws)
    assert ws.settings._health is None
    ws.close()


def test_after_a_teammates_rescore_the_kept_rows_take_the_new_summaries(
    data: Path,
    cache: Path,
    tables_read: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The day's first start on a team folder comes after a teammate's app rescored the
    book and folded it into the snapshot: the accounts are as kept, so only the health
    summaries are read (one pass), not every row built again; the rows are then kept for
    the new summaries, and the next start reads nothing."""
    keep(data)
    clock.freeze(TODAY + timedelta(days=1))
    with monkeypatch.context() as m:
        m.setenv("CSTUI_CACHE_DIR", str(tmp_path / "kims-cache"))
        teammate = Workspace.open(data, user="kim")
        assert teammate.refresh_health() > 0
        teammate.store.checkpoint()
        teammate.store.close(checkpoint=False)
    tables_read.clear()
    ws = Workspace.open(data)
    rows = rows_of(ws)
    assert tables_read == ["health"]  # the accounts' rows as kept
    expected, current = built_from_tables(data, tmp_path)
    assert rows == expected
    assert ws.health_is_current() == current
    assert current  # the teammate scored every account today
    assert ws.keep_rows()  # kept again, for the summaries now
    ws.store.close(checkpoint=False)
    tables_read.clear()
    again = Workspace.open(data)
    assert rows_of(again) == expected
    assert tables_read == []
    again.store.close(checkpoint=False)


def test_a_teammates_ordinary_close_leaves_the_kept_rows_good(
    data: Path,
    cache: Path,
    tables_read: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A close with a short journal does not rewrite the snapshot, so the rows kept for it
    stay good: the next start reads them, and the teammate's edit from the journal."""
    keep(data)
    with monkeypatch.context() as m:
        m.setenv("CSTUI_CACHE_DIR", str(tmp_path / "kims-cache"))  # a teammate's own
        teammate = Workspace.open(data, user="kim")
        some = sorted(rows_of(teammate))[0]
        teammate.update_account(some, {"name": "Renamed KK"})
        teammate.close()
    tables_read.clear()
    ws = Workspace.open(data)
    assert rows_of(ws)[some][1] == "Renamed KK"
    assert "accounts" not in tables_read
    assert "health" not in tables_read
    ws.close()


def test_rows_kept_with_the_journals_edits_are_rebuilt_when_the_journal_is_replaced(
    data: Path, cache: Path, tmp_path: Path
) -> None:
    """Rows kept on closing show that session's edits, which only the journal holds (a
    short journal is not folded): if the folder then gets another journal with the same
    snapshot (restored from last night's copy, cloned again), those rows are built again
    from what the folder holds, never shown from the file."""
    before = tmp_path / "before"
    shutil.copytree(data, before)  # last night's copy
    ws = Workspace.open(data)
    some = sorted(rows_of(ws))[0]
    real = rows_of(ws)[some][1]
    ws.update_account(some, {"name": "Edit lost in the restore"})
    ws.close()  # keeps the rows, the edit in the journal only
    assert kept_rows_path(data).exists()
    assert b"Edit lost in the restore" in (data / "journal.jsonl").read_bytes()
    shutil.copy2(before / "journal.jsonl", data / "journal.jsonl")  # the restore
    again = Workspace.open(data)
    try:
        assert rows_of(again)[some][1] == real
        assert again.account(some).name == real  # type: ignore[union-attr]
    finally:
        again.close()


@pytest.mark.parametrize(
    "damage",
    [
        lambda path: path.write_bytes(b"{not json"),
        lambda path: path.write_bytes(b"[]"),
        lambda path: path.write_bytes(orjson.dumps({**orjson.loads(path.read_bytes()), "key": 1})),
        lambda path: path.write_bytes(
            orjson.dumps(
                {
                    **(doc := orjson.loads(path.read_bytes())),
                    "columns": {**doc["columns"], "tier": [["gold"], doc["columns"]["tier"][1]]},
                }
            )
        ),
        lambda path: path.write_bytes(
            orjson.dumps(
                {
                    **(doc := orjson.loads(path.read_bytes())),
                    "columns": {**doc["columns"], "name": doc["columns"]["name"][1:]},
                }
            )
        ),
        lambda path: path.write_bytes(
            orjson.dumps(
                {
                    **(doc := orjson.loads(path.read_bytes())),
                    "columns": {**doc["columns"], "id": [[1]] * len(doc["columns"]["id"])},
                }
            )
        ),
    ],
    ids=["not-json", "not-an-object", "other-key", "bad-value", "short-column", "list-id"],
)
def test_a_damaged_or_foreign_file_is_ignored_and_replaced(
    data: Path, cache: Path, damage: Any
) -> None:
    first = keep(data)
    path = kept_rows_path(data)
    damage(path)
    ws = Workspace.open(data)
    assert rows_of(ws) == first
    assert ws.keep_rows()  # the damaged file is replaced by good rows
    ws.store.close(checkpoint=False)
    again = Workspace.open(data)
    assert rows_of(again) == first
    assert not again.keep_rows()  # read from the file: nothing new to keep
    again.store.close(checkpoint=False)


def test_an_unwritable_cache_folder_only_costs_the_next_start(
    data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the folder would be")
    monkeypatch.setenv("CSTUI_CACHE_DIR", str(blocked))
    ws = Workspace.open(data)
    rows = rows_of(ws)
    assert not ws.keep_rows()
    ws.close()
    again = Workspace.open(data)
    assert rows_of(again) == rows
    again.store.close(checkpoint=False)


def test_kept_rows_are_per_folder(data: Path, cache: Path, tmp_path: Path) -> None:
    keep(data)
    other = tmp_path / "other"
    shutil.copytree(data, other)
    assert kept_rows_path(other) != kept_rows_path(data)
    assert not kept_rows_path(other).exists()


def test_rows_read_back_on_another_day_match_rows_built_then(
    data: Path, cache: Path, tmp_path: Path
) -> None:
    """The day-dependent fields (days to renewal, since the last touch) are not kept."""
    keep(data)
    later = TODAY + timedelta(days=200)
    clock.freeze(later)
    ws = Workspace.open(data)
    rows = {r.id: r for r in ws.portfolio()}
    ws.store.close(checkpoint=False)
    for row in rows.values():
        if row.renewal_date is not None:
            assert row.days_to_renewal == (row.renewal_date - later).days
        if row.last_touch is not None:
            assert row.days_since_touch == (later - row.last_touch).days
    assert any(r.renewal_date is not None for r in rows.values())


def test_rows_of_a_day_that_is_over_are_not_kept(data: Path, cache: Path) -> None:
    """Left open overnight, the rows still count yesterday: keeping them would say that
    nothing was scored today at the next start."""
    ws = Workspace.open(data)
    ws.portfolio()
    clock.freeze(TODAY + timedelta(days=1))
    assert not ws.keep_rows()
    ws.store.close(checkpoint=False)
    assert not kept_rows_path(data).exists()


def test_a_failure_while_reading_back_leaves_no_rows_half_refreshed(
    data: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    keep(data)
    teammate = Workspace.open(data, user="kim")
    renamed = sorted(rows_of(teammate))[0]
    teammate.update_account(renamed, {"name": "Renamed By Kim KK"})
    teammate.store.close(checkpoint=False)
    ws = Workspace.open(data)
    peek = Store.peek

    def failing(self: Store, table: str, id: str, **kw: Any) -> Any:
        raise StorageError("the disk went away")

    monkeypatch.setattr(Store, "peek", failing)
    with pytest.raises(StorageError):
        ws.portfolio()
    monkeypatch.setattr(Store, "peek", peek)
    assert rows_of(ws)[renamed][1] == "Renamed By Kim KK"  # built again, not half kept
    ws.store.close(checkpoint=False)


def test_a_rows_file_that_is_not_the_users_own_is_not_read(
    data: Path, cache: Path, monkeypatch: pytest.MonkeyPatch, tables_read: list[str]
) -> None:
    keep(data)
    uid = os.getuid()
    monkeypatch.setattr(os, "getuid", lambda: uid + 1)  # the file now belongs to someone else
    tables_read.clear()
    ws = Workspace.open(data)
    ws.portfolio()
    assert "accounts" in tables_read
    ws.store.close(checkpoint=False)


def test_writing_mends_the_folder_and_clears_old_leftovers(data: Path, cache: Path) -> None:
    keep(data)
    folder = kept_rows_path(data).parent
    folder.chmod(0o755)
    old, new = folder / ".rows-old.tmp", folder / ".rows-new.tmp"
    old.write_bytes(b"cut short")
    new.write_bytes(b"being written")
    os.utime(old, (1_000_000_000, 1_000_000_000))
    kept_rows_path(data).unlink()
    keep(data)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert not old.exists()
    assert new.exists()  # another process may be writing it


def test_the_settings_kept_with_the_rows_follow_the_config_files(
    data: Path, cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the rows read from the settings (reporting currency and rates, the detractor
    line, the health model) comes back with the kept rows, no configuration parsed, only
    while the files it came from are unchanged: an edited kpis.toml or health.toml is read."""
    config = tmp_path / "config"
    config.mkdir()
    monkeypatch.setenv("CSTUI_CONFIG_DIR", str(config))
    first = keep(data)
    ws = Workspace.open(data)
    assert rows_of(ws) == first
    assert "_kpi_settings" not in vars(ws)  # no configuration parsed
    assert ws.settings._health is None
    assert ws.report_currency == "JPY"
    assert ws.summary_totals().detractor_max == 6
    ws.close()

    (config / "kpis.toml").write_text(
        '[currency]\nreport = "USD"\n\n[currency.rates]\nJPY = 0.005\n', encoding="utf-8"
    )
    ws = Workspace.open(data)
    rows = ws.portfolio()
    assert ws.report_currency == "USD"
    yen = next(r for r in rows if r.currency == "JPY")
    assert yen.arr_report == pytest.approx(yen.arr * 0.005)
    ws.close()

    (config / "health.toml").write_text("[flags.detractor]\nmax_score = 4\n", encoding="utf-8")
    ws = Workspace.open(data)
    ws.portfolio()
    assert ws.summary_totals().detractor_max == 4
    assert not ws.health_is_current()  # another model: nothing is scored with it yet
    ws.close()


def test_settings_set_by_code_are_never_taken_from_the_kept_rows(data: Path, cache: Path) -> None:
    """Settings not read from the config folder alone (a health model set by code) have no
    files to vouch for them: the rows' settings are worked out from them."""
    from cstui.config import load_settings
    from cstui.domain.health_config import parse_health_config

    keep(data)
    settings = load_settings()
    settings.health = parse_health_config(
        "[flags.detractor]\nmax_score = 3\n", "test", base=settings.health
    )
    ws = Workspace(Store(data, actor="me"), user="me", settings=settings)
    ws.portfolio()
    assert ws.summary_totals().detractor_max == 3
    ws.close()


def test_rows_are_kept_in_the_order_the_portfolio_opens_in(data: Path, cache: Path) -> None:
    """Kept in the first sort's order, the rows read back need only a check of it: Python's
    sort is linear on sorted input (the first sort at 50,000 accounts was 50-75 ms)."""
    from cstui.domain.portfolio import FIRST_SORT, sort_rows

    rows = keep(data)
    doc = orjson.loads(kept_rows_path(data).read_bytes())
    ws = Workspace.open(data)
    try:
        expected = [row.id for row in sort_rows(ws.portfolio(), FIRST_SORT)]
        assert doc["columns"]["id"] == expected
        assert [row.id for row in ws.portfolio()] == expected
        assert set(expected) == set(rows)
    finally:
        ws.close()


def test_a_config_edited_during_a_session_is_read_at_the_next_start(
    data: Path, cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Settings read at a session's start and kept at its close are vouched for by the
    config files as they were when read: kpis.toml edited meanwhile (the close folding
    the journal, so the rows are kept again) is read at the next start, not hidden."""
    config = tmp_path / "config"
    config.mkdir()
    monkeypatch.setenv("CSTUI_CONFIG_DIR", str(config))
    keep(data)
    ws = Workspace.open(data)
    rows = ws.portfolio()
    assert ws.report_currency == "JPY"
    (config / "kpis.toml").write_text(
        '[currency]\nreport = "USD"\n\n[currency.rates]\nJPY = 0.005\n', encoding="utf-8"
    )
    ws.update_account(rows[0].id, {"name": "Renamed KK"})
    ws.store.close_checkpoint_bytes = 0  # this close folds: a new snapshot, rows kept again
    ws.close()
    for _ in range(2):
        ws = Workspace.open(data)
        yen = next(r for r in ws.portfolio() if r.currency == "JPY")
        assert ws.report_currency == "USD"
        assert yen.arr_report == pytest.approx(yen.arr * 0.005)
        ws.close()


def test_a_team_folders_rows_kept_by_one_app_are_not_written_again_by_another(
    data: Path, cache: Path
) -> None:
    """Every open app on a team folder whose rows' key moved (a teammate's rescore) kept
    the rows on closing, each writing the same ~15 MB file at 50,000 accounts: one that
    finds the rows of its key and day already kept leaves the file as it is."""
    first = Workspace.open(data, team=True)
    second = Workspace.open(data, team=True)
    try:
        built = rows_of(first)
        assert rows_of(second) == built  # both built from the tables
        assert first.keep_rows()
        path = data / TEAM_ROWS
        before = path.stat()
        assert not second.keep_rows()
        after = path.stat()
        assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
        assert not second.keep_rows()  # and it counts them as kept now
    finally:
        first.store.close(checkpoint=False)
        second.store.close(checkpoint=False)
    again = Workspace.open(data, team=True)
    try:
        assert rows_of(again) == built  # the next start reads them
    finally:
        again.store.close(checkpoint=False)


def test_a_demo_written_with_no_open_keeps_its_rows_for_the_first_start(
    cache: Path, tmp_path: Path, tables_read: list[str]
) -> None:
    """`cstui demo --no-open --out DIR` then `cstui --data-dir DIR`: the first start reads
    the rows the demo kept, not the tables (at 50,000 accounts, 0.35 against 1 s)."""
    from click.testing import CliRunner

    from cstui.cli import main

    out = tmp_path / "demo"
    result = CliRunner().invoke(
        main, ["demo", "--no-open", "--out", str(out), "--accounts", "40"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    assert kept_rows_path(out).exists()
    tables_read.clear()
    ws = Workspace.open(out)
    kept = rows_of(ws)
    assert tables_read == []
    assert ws.health_is_current()
    ws.store.close(checkpoint=False)
    assert kept == built_from_tables(out, tmp_path)[0]


@pytest.mark.parametrize("command", ["import", "compact"])
def test_a_command_that_folds_accounts_in_keeps_the_rows_for_the_next_start(
    data: Path, cache: Path, tmp_path: Path, tables_read: list[str], command: str
) -> None:
    """`cstui import accounts` (or a teammate's edits, then `cstui compact`) folds changed
    accounts into the snapshot: the rows kept before are for other tables, and the next
    start built them from the tables (at 50,000 accounts 1.2 s and ~30 MB more, against
    0.4 s), then scored the whole book again for the one account with no summary of the
    day. The command scores what it changed and keeps the rows; the start reads them."""
    from click.testing import CliRunner

    from cstui.cli import main

    renamed = sorted(keep(data))[0]
    if command == "import":
        source = tmp_path / "in.csv"
        source.write_text(
            f"id,name,domain,arr\n{renamed},Renamed Co,renamed.com,1500000\n"
            ",Brand New KK,brand-new.co.jp,3000000\n",
            encoding="utf-8",
        )
        args = ["import", "accounts", "--data-dir", str(data), str(source)]
    else:
        teammate = Workspace.open(data, user="kim")
        teammate.update_account(renamed, {"name": "Renamed Co"})
        teammate.store.close(checkpoint=False)  # a journal line, not in the snapshot yet
        args = ["compact", "--data-dir", str(data)]
    result = CliRunner().invoke(
        main, args, env={"CSTUI_CLOSE_CHECKPOINT_BYTES": "0"}, catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    tables_read.clear()
    ws = Workspace.open(data)
    rows = rows_of(ws)
    assert tables_read == []  # the rows kept by the command
    assert ws.store.changed_since_snapshot("accounts") == set()  # folded in, not journal
    assert ws.health_is_current()  # what the command changed was scored: no rescore next
    ws.store.close(checkpoint=False)
    assert rows == built_from_tables(data, tmp_path)[0]
    assert rows[renamed][1] == "Renamed Co"


def test_an_import_on_a_day_not_scored_yet_still_keeps_the_rows(
    data: Path, cache: Path, tmp_path: Path, tables_read: list[str]
) -> None:
    """The first command of a new day imports accounts (or a sync pulls them): the book is
    not scored for the day, so the next start rescores it anyway, but the rows can still
    be read instead of built, once the new accounts have a summary (a row without one
    takes its last touch from the activities, and such rows are not kept)."""
    from click.testing import CliRunner

    from cstui.cli import main

    keep(data)
    source = tmp_path / "in.csv"
    source.write_text("id,name,domain,arr\n,Brand New KK,brand-new.co.jp,3000000\n", "utf-8")
    clock.freeze(TODAY + timedelta(days=1))
    try:
        result = CliRunner().invoke(
            main,
            ["import", "accounts", "--data-dir", str(data), str(source)],
            env={"CSTUI_CLOSE_CHECKPOINT_BYTES": "0"},
            catch_exceptions=False,
        )
        assert result.exit_code == 0, result.output
        tables_read.clear()
        ws = Workspace.open(data)
        rows = rows_of(ws)
        assert tables_read == []  # the rows kept by the import
        assert not ws.health_is_current()  # the day's rescore is still to come
        ws.store.close(checkpoint=False)
        assert rows == built_from_tables(data, tmp_path)[0]
        assert "Brand New KK" in {row[1] for row in rows.values()}
    finally:
        clock.freeze(TODAY)
