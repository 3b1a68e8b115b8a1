"""``cstui sync`` as a user (or cron) runs it: output, exit codes, offline, tokens, secrets."""

from __future__ import annotations

import logging
import os
import pickle
import socket
from pathlib import Path

import pytest
from click.testing import CliRunner

from cstui.cli.sync import sync
from cstui.exitcodes import (
    EXIT_ACTION,
    EXIT_ERROR,
    EXIT_PARTIAL,
    EXIT_REMOTE,
    EXIT_STORAGE,
)
from cstui.store import Store
from cstui.sync.config import Secret, SyncConfig, load_sync_config
from cstui.workspace import Workspace

from .conftest import seed_local, seed_remote
from .fake_crm import FakeCRM

TOKEN = "pat-eu1-SECRET-7f3a9c2e-token"


@pytest.fixture
def setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """A data folder and a config folder whose sync.toml keeps the tests quick."""
    data = tmp_path / "data"
    config = tmp_path / "config"
    config.mkdir()
    (config / "sync.toml").write_text("[hubspot]\nsearch_per_second = 200\ntimeout = 2.0\n")
    monkeypatch.setenv("CSTUI_CONFIG_DIR", str(config))
    monkeypatch.setenv("CSTUI_DATA_DIR", str(data))
    monkeypatch.delenv("CSTUI_HUBSPOT_TOKEN", raising=False)
    monkeypatch.delenv("CSTUI_HUBSPOT_URL", raising=False)
    return data, config


@pytest.fixture
def crm() -> object:
    with FakeCRM(token=TOKEN) as fake:
        yield fake


def run(
    *args: str, env: dict[str, str] | None = None, input: str | None = None
) -> tuple[int, str, str]:
    result = CliRunner().invoke(sync, list(args), env=env, input=input, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def env_for(crm: FakeCRM) -> dict[str, str]:
    return {"CSTUI_HUBSPOT_URL": crm.url, "CSTUI_HUBSPOT_TOKEN": TOKEN}


def _seed(data: Path) -> list[str]:
    ws = Workspace.open(data, user="me")
    try:
        return seed_local(ws, 2)
    finally:
        ws.close()


def _records(data: Path, *, status: bool = True) -> dict[str, list[dict[str, object]]]:
    """Every table (without ``sync_status``, the last run's outcome, unless ``status``)."""
    store = Store(data, actor="check")
    try:
        return {
            t: store.all(t, include_deleted=True)
            for t in store.tables()
            if status or t != "sync_status"
        }
    finally:
        store.close(checkpoint=False)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_dry_run_prints_the_plan_and_changes_nothing(
    setup: tuple[Path, Path], crm: FakeCRM
) -> None:
    data, _ = setup
    _seed(data)
    seed_remote(crm, 1)
    before = _records(data)
    code, out, err = run("--dry-run", env=env_for(crm))
    assert code == 0, err
    assert "Would pull from HubSpot: accounts ~1, contacts ~1, activities ~1, tasks ~1." in out
    assert "Would push to HubSpot: 2 accounts, 2 contacts, 2 activities, 2 tasks." in out
    assert "new account 'Local 0 KK' (name: Local 0 KK" in out
    assert _records(data) == before
    assert crm.all("companies")
    assert all(o.props.get("cstui_id") is None for o in crm.all("companies"))


def test_sync_prints_then_does_it_and_exits_0(setup: tuple[Path, Path], crm: FakeCRM) -> None:
    data, _ = setup
    _seed(data)
    code, out, err = run(env=env_for(crm))
    assert code == 0, err
    assert "Would push to HubSpot: 2 accounts" in out
    assert "Synced with HubSpot:" in out
    assert "pushed 8" in out
    assert len(crm.all("companies")) == 2
    code, out, _ = run("--status", env=env_for(crm))
    assert code == 0
    assert "Pending changes: 0" in out
    assert "Last sync: 2026-11-23" in out


def test_offline_fails_with_one_line_changes_no_data_and_status_says_so(
    setup: tuple[Path, Path], crm: FakeCRM
) -> None:
    data, _ = setup
    _seed(data)
    assert run(env=env_for(crm))[0] == 0
    before = _records(data, status=False)
    env = {"CSTUI_HUBSPOT_URL": f"http://127.0.0.1:{free_port()}", "CSTUI_HUBSPOT_TOKEN": TOKEN}
    code, out, err = run(env=env)
    assert code == EXIT_REMOTE
    assert out == ""
    assert len(err.splitlines()) == 1, err
    assert err.startswith("cstui: Cannot reach HubSpot at http://127.0.0.1:")
    assert err.rstrip().endswith("Nothing was changed.")
    assert _records(data, status=False) == before  # only the run's outcome was recorded
    code, out, _ = run("--status")
    assert code == 0
    [line] = [x for x in out.splitlines() if x.startswith("Last sync:")]
    assert "(failed: Cannot reach HubSpot" in line
    assert "(ok)" not in line
    assert "Last complete sync: 2026-11-23" in out


def test_status_names_the_refused_records_and_their_account(
    setup: tuple[Path, Path], crm: FakeCRM
) -> None:
    data, _ = setup
    _seed(data)
    crm.refuse("contacts", "jobtitle", lambda v: v == "Chief", "Job title Chief is reserved")
    ws = Workspace.open(data, user="me")
    acc = ws.accounts()[0]
    ws.add_contact(acc.id, {"name": "Big Boss", "title": "Chief"})
    ws.close()
    code, out, _ = run(env=env_for(crm))
    assert code == EXIT_PARTIAL
    assert f"rejected: contact 'Big Boss' of '{acc.name}': " in out
    code, out, _ = run("--status")
    assert "(partial: some items were not accepted)" in out
    assert f"not accepted: contact 'Big Boss' of '{acc.name}': " in out
    assert "Job title Chief is reserved" in out


def test_dry_run_and_status_never_create_the_data_folder(
    setup: tuple[Path, Path], crm: FakeCRM
) -> None:
    data, _ = setup
    seed_remote(crm, 1)
    code, out, err = run("--dry-run", env=env_for(crm))
    assert code == 0, err
    assert "Would pull from HubSpot: accounts ~1" in out
    assert "Would push to HubSpot: nothing." in out
    assert run("--status")[0] == 0
    assert run("--conflicts")[0] == 0
    assert not data.exists()


def test_offline_the_app_keeps_working_and_edits_queue(setup: tuple[Path, Path]) -> None:
    data, _ = setup
    [acc, _] = _seed(data)
    ws = Workspace.open(data, user="me")
    ws.update_account(acc, {"stage": "expansion"})
    ws.log_activity(acc, "Visited on site, no network")
    ws.close()
    code, out, _ = run("--status")  # needs neither network nor token
    assert code == 0
    assert "Pending changes: 9" in out


def test_partial_failure_exits_2_and_keeps_items_queued(
    setup: tuple[Path, Path], crm: FakeCRM
) -> None:
    data, _ = setup
    _seed(data)
    crm.fault("partial", path="companies/batch/upsert", times=1, fraction=1.0)
    code, out, _ = run(env=env_for(crm))
    assert code == EXIT_PARTIAL
    assert "rejected: account 'Local 0 KK': Property values were not valid" in out
    assert "stay queued" in out
    code, out, _ = run(env=env_for(crm))
    assert code == 0, out


def test_conflicts_exit_3_and_resolve_from_the_command_line(
    setup: tuple[Path, Path], crm: FakeCRM
) -> None:
    data, _ = setup
    [acc, _] = _seed(data)
    assert run(env=env_for(crm))[0] == 0
    ws = Workspace.open(data, user="me")
    ws.update_account(acc, {"stage": "expansion"})
    rid = ws.store.get("accounts", acc)["_sync"]["hubspot"]["rid"]  # type: ignore[index]
    ws.close()
    crm.update("companies", rid, {"cstui_stage": "renewal"})
    code, out, _ = run(env=env_for(crm))
    assert code == EXIT_ACTION
    assert "1 conflict waits for a decision" in out
    code, out, _ = run("--conflicts", env=env_for(crm))
    assert code == 0
    assert "stage: changed on both sides" in out
    assert "mine expansion; theirs renewal" in out
    conflict_id = out.split()[0]
    code, _, err = run("--resolve", f"{conflict_id}=sideways", env=env_for(crm))
    assert code == EXIT_ERROR
    assert "Choose mine, theirs or edit" in err
    before = _records(data)
    for bad in ("nope=mine", f"{conflict_id}=value:not-a-stage", f"{conflict_id}=theirs"):
        code, _, err = run("--resolve", f"{conflict_id}=mine", "--resolve", bad)
        assert code == EXIT_ERROR, err  # checked whole: the valid first item was not applied either
        assert _records(data) == before
    code, out, _ = run("--resolve", f"{conflict_id}=value:advocacy", env=env_for(crm))
    assert code == 0, out
    assert crm.objects["companies"][rid].props["cstui_stage"] == "advocacy"
    assert "No open conflicts." in run("--conflicts")[1]


def test_resolve_ask_prompts_for_each_conflict(setup: tuple[Path, Path], crm: FakeCRM) -> None:
    data, _ = setup
    [acc, _] = _seed(data)
    run(env=env_for(crm))
    ws = Workspace.open(data, user="me")
    ws.update_account(acc, {"stage": "expansion"})
    rid = ws.store.get("accounts", acc)["_sync"]["hubspot"]["rid"]  # type: ignore[index]
    ws.close()
    crm.update("companies", rid, {"cstui_stage": "renewal"})
    run(env=env_for(crm))
    code, out, _ = run("--resolve", "ask", env=env_for(crm), input="t\n")
    assert code == 0, out
    assert "[m]ine, [t]heirs, [e]dit or [s]kip" in out
    ws = Workspace.open(data, user="me")
    assert ws.account(acc).stage == "renewal"  # type: ignore[union-attr]
    ws.close()


def test_unknown_adapter_is_a_configuration_error_naming_the_installed_ones(
    setup: tuple[Path, Path],
) -> None:
    code, _, err = run("--adapter", "salesforce")
    assert code == EXIT_ERROR
    assert "There is no CRM adapter named 'salesforce'. Installed adapters:" in err
    assert "hubspot" in err
    assert "rest" in err
    code, out, _ = run("--list-adapters")
    assert code == 0
    assert out.startswith("hubspot  cstui.sync.adapters.hubspot:HubSpotAdapter")


def test_another_running_sync_exits_5(setup: tuple[Path, Path], crm: FakeCRM) -> None:
    data, _ = setup
    _seed(data)
    store = Store(data, actor="other")
    try:
        with store.named_lock("sync"):
            code, _, err = run(env=env_for(crm))
    finally:
        store.close(checkpoint=False)
    assert code == EXIT_STORAGE
    assert "already running" in err


# ---------------------------------------------------------------------------- secrets


def test_token_file_must_be_private(setup: tuple[Path, Path], crm: FakeCRM) -> None:
    data, config = setup
    _seed(data)
    token_file = config / "hubspot.token"
    token_file.write_text(TOKEN + "\n")
    os.chmod(token_file, 0o644)
    env = {"CSTUI_HUBSPOT_URL": crm.url}
    code, out, err = run(env=env)
    assert code == EXIT_ERROR
    assert out == ""
    assert f"Permissions 0644 for {token_file} are too open" in err
    assert f"chmod 600 {token_file}" in err
    assert crm.log == []
    os.chmod(token_file, 0o600)
    code, _, err = run(env=env)
    assert code == 0, err


def test_a_missing_token_says_where_to_put_it(setup: tuple[Path, Path]) -> None:
    _, config = setup
    code, _, err = run()
    assert code == EXIT_ERROR
    assert "No HubSpot token: set CSTUI_HUBSPOT_TOKEN" in err
    assert str(config / "hubspot.token") in err


def test_the_environment_token_wins_and_token_file_can_be_named(
    setup: tuple[Path, Path], tmp_path: Path
) -> None:
    secret = tmp_path / "elsewhere.token"
    secret.write_text("from-file")
    secret.chmod(0o600)
    (tmp_path / "config" / "sync.toml").write_text(f'[hubspot]\ntoken_file = "{secret}"\n')
    config = load_sync_config()
    assert config.token("hubspot").reveal() == "from-file"
    assert (
        load_sync_config(env={"CSTUI_HUBSPOT_TOKEN": "from-env"}).token("hubspot").reveal()
        == "from-env"
    )


def test_secrets_never_print_themselves() -> None:
    secret = Secret(TOKEN)
    assert TOKEN not in repr(secret)
    assert TOKEN not in str(secret)
    assert TOKEN not in f"{secret}"
    config = SyncConfig(env={"CSTUI_HUBSPOT_TOKEN": TOKEN})
    assert TOKEN not in repr(config)
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(secret)


def test_the_token_never_appears_in_output_errors_or_logs(
    setup: tuple[Path, Path], crm: FakeCRM, caplog: pytest.LogCaptureFixture
) -> None:
    data, _ = setup
    _seed(data)
    seed_remote(crm, 1)
    caplog.set_level(logging.DEBUG)
    outputs: list[str] = []

    def capture(*args: str) -> int:
        code, out, err = run(*args, env=env_for(crm))
        outputs.extend([out, err])
        return code

    assert capture("--dry-run") == 0
    crm.fault("echo_token", times=1)  # a proxy that repeats the Authorization header
    assert capture() == EXIT_ERROR
    assert any("Bad credentials: Bearer ****" in o for o in outputs)
    crm.fault("partial", path="batch/upsert", times=1, fraction=1.0)
    assert capture() == EXIT_PARTIAL
    assert capture() == 0
    crm.fault("malformed", path="/search", times=None)
    assert capture() == EXIT_REMOTE
    crm.clear_faults()
    code, out, err = run(
        env={
            "CSTUI_HUBSPOT_URL": f"http://user:{TOKEN}@127.0.0.1:{free_port()}",
            "CSTUI_HUBSPOT_TOKEN": TOKEN,
        }
    )
    outputs.extend([out, err])
    assert code == EXIT_REMOTE
    logged = [r.getMessage() for r in caplog.records] + [str(r.args) for r in caplog.records]
    assert len(logged) > 10  # httpx and the engine did log
    for text in outputs + logged:
        assert TOKEN not in text
        assert "SECRET" not in text
