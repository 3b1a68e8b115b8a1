"""Lossless: every field cstui sends comes back unchanged in a folder filled only by pulling."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from cstui.cli.sync import sync as sync_command
from cstui.exitcodes import EXIT_ACTION, EXIT_ERROR, EXIT_OK
from cstui.sync.meta import get_meta
from cstui.sync.schema import DEFAULT_TABLES
from cstui.workspace import Workspace

from .conftest import Harness, make_config
from .fake_crm import FakeCRM

KINDS = ["call", "meeting", "email", "note", "qbr", "exec_report"]
ROLES = ["champion", "executive_sponsor", "decision_maker", "end_user", "admin"]
OBJECT_OF_KIND = {"call": "calls", "meeting": "meetings", "email": "emails"}


def _rich_book(ws: Workspace) -> None:
    """Every synced field away from its default, in every table."""
    for i in range(3):
        acc = ws.create_account(
            {
                "name": f"Rich {i} KK",
                "domain": f"rich{i}.example.com",
                "arr": 12000 * (i + 1),
                "currency": ["USD", "EUR", "JPY"][i],
                "tier": ["high", "tech", "mid"][i],
                "stage": "adoption",
                "seats": 40 + i,
                "tags": ["pilot", "renewal; risk", "日本"][: i + 1],
                "contract_start": date(2026, 1, 1 + i),
                "renewal_date": date(2027, 1, 1 + i),
                "owner": ["sato", "tanaka", ""][i],
            }
        )
        people = [
            ws.add_contact(
                acc.id,
                {"name": f"P{i}{n} Person", "email": f"p{n}@rich{i}.example.com", "role": role},
            ).id
            for n, role in enumerate(ROLES)
        ]
        for n, kind in enumerate(KINDS):
            ws.log_activity(
                acc.id,
                f"{kind} {i}\nsecond line <b>literal</b> & more",
                kind=kind,
                day=date(2026, 3, 1 + n),
                participants=people[: n % 3 + 1],
                sentiment=["positive", "negative", "neutral"][n % 3],
                via_champion=n % 2 == 0,
            )
        ws.add_task("Dated", account_id=acc.id, due=date(2026, 6, 1), owner="sato")
        ws.add_task("Undated", account_id=acc.id, owner="tanaka", priority="high")
        ws.add_task(
            "Generated", account_id=acc.id, due=date(2026, 7, 1), source="cadence", key=f"k:{i}"
        )


def _synced(ws: Workspace) -> dict[tuple[str, str], dict[str, object]]:
    out = {}
    for spec in DEFAULT_TABLES:
        for rec in ws.store.all(spec.table):
            values = {f.name: rec.get(f.name) for f in spec.fields if not f.derived}
            if spec.parent_field:
                values[spec.parent_field] = rec.get(spec.parent_field)
            out[(spec.table, rec["id"])] = values
    return out


@pytest.fixture
def owners_crm() -> Iterator[FakeCRM]:
    crm = FakeCRM()
    crm.start()
    crm.add_owner("sato@example.com", "Kenji", "Sato")
    crm.add_owner("someone.else@example.com")
    yield crm
    crm.stop()


def test_a_pull_into_an_empty_folder_gives_back_every_synced_field(
    tmp_path: Path, owners_crm: FakeCRM
) -> None:
    crm = owners_crm
    source = Workspace.open(tmp_path / "source", user="sato")
    empty = Workspace.open(tmp_path / "empty", user="sato")
    try:
        _rich_book(source)
        first = Harness(source, crm, make_config(tmp_path / "a", crm)).sync()
        assert first.exit_code == EXIT_OK, first.failures
        # HubSpot's own objects and properties, where they exist
        assert {o.props["hs_call_body"] for o in crm.all("calls")} >= {
            "call 0\nsecond line &lt;b&gt;literal&lt;/b&gt; &amp; more"
        }
        for kind, obj in OBJECT_OF_KIND.items():
            assert len(crm.all(obj)) == 3, kind
        assert len(crm.all("notes")) == 9  # note, QBR and executive report
        sato = crm.owners[0]["id"]
        owners = {o.props["name"]: o.props.get("hubspot_owner_id") for o in crm.all("companies")}
        assert owners == {"Rich 0 KK": sato, "Rich 1 KK": "", "Rich 2 KK": ""}
        roles = {o.props["hs_buying_role"] for o in crm.all("contacts")}
        assert roles == {"CHAMPION", "EXECUTIVE_SPONSOR", "DECISION_MAKER", "END_USER", "OTHER"}

        pulled = Harness(empty, crm, make_config(tmp_path / "b", crm)).sync()
        assert pulled.exit_code == EXIT_OK, pulled.failures
        want, got = _synced(source), _synced(empty)
        assert got.keys() == want.keys()
        for key, values in want.items():
            assert got[key] == values, key
    finally:
        source.close()
        empty.close()


def test_changing_an_activity_kind_moves_it_to_that_hubspot_object(hs: Harness) -> None:
    acc = hs.ws.create_account({"name": "Mover KK"})
    note = hs.ws.log_activity(acc.id, "Talked", kind="note")
    hs.sync()
    assert len(hs.crm.all("notes")) == 1
    hs.ws.update_activity(note.id, {"kind": "call"})
    assert hs.sync().exit_code == EXIT_OK
    assert hs.crm.all("notes") == []
    [call] = hs.crm.all("calls")
    assert call.props["hs_call_body"] == "Talked"
    assert call.props["cstui_id"] == note.id
    assert hs.crm.parents("calls", call.id) == {
        get_meta(hs.store.get("accounts", acc.id) or {}, "hubspot")["rid"]
    }
    rid = get_meta(hs.store.get("activities", note.id) or {}, "hubspot")["rid"]
    assert rid == f"calls:{call.id}"
    assert hs.sync().pushed.total() == 0  # settled


def _cli(*args: str, env: dict[str, str]) -> tuple[int, str, str]:
    result = CliRunner().invoke(sync_command, list(args), env=env, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def _env(tmp_path: Path, crm: FakeCRM) -> dict[str, str]:
    config = tmp_path / "config"
    config.mkdir(exist_ok=True)
    (config / "sync.toml").write_text("[hubspot]\nsearch_per_second = 200\ntimeout = 2.0\n")
    return {
        "CSTUI_CONFIG_DIR": str(config),
        "CSTUI_DATA_DIR": str(tmp_path / "data"),
        "CSTUI_HUBSPOT_URL": crm.url,
        "CSTUI_HUBSPOT_TOKEN": crm.token,
    }


def test_setup_creates_the_custom_properties_once_and_the_first_sync_suggests_it(
    tmp_path: Path,
) -> None:
    with FakeCRM(schema=True) as crm:
        env = _env(tmp_path, crm)
        ws = Workspace.open(tmp_path / "data", user="me")
        ws.create_account({"name": "Fresh KK", "tier": "high"})
        ws.close()
        code, _, err = _cli("--quiet", env=env)
        assert code == EXIT_ERROR
        assert "cstui sync --setup" in err
        assert "cstui_" in err
        code, out, _ = _cli("--setup", env=env)
        assert code == 0
        assert "Created " in out
        assert "companies.cstui_id" in out
        assert "calls.cstui_sentiment" in out
        assert crm.properties["companies"]["cstui_id"]["hasUniqueValue"] is True
        assert crm.properties["companies"]["cstui_seats"]["type"] == "number"
        code, out, _ = _cli("--setup", env=env)  # idempotent
        assert code == 0
        assert "Nothing to create" in out
        assert "Created" not in out
        assert _cli("--quiet", env=env)[0] == 0
        [company] = crm.all("companies")
        assert company.props["cstui_tier"] == "high"


def test_setup_without_the_schema_scope_lists_what_to_create_by_hand(tmp_path: Path) -> None:
    with FakeCRM(schema=True, schema_scope=False) as crm:
        code, out, _ = _cli("--setup", env=_env(tmp_path, crm))
        assert code == EXIT_ACTION
        assert "administrator" in out
        assert "companies: cstui_id (single-line text, unique values; label 'cstui id')" in out
        assert "tasks: cstui_no_due (date picker" in out
        assert "calls: cstui_participants (multi-line text" in out
        assert not (tmp_path / "data").exists()
        assert all(not p.get("hasUniqueValue") for p in crm.properties["companies"].values())


def test_hubspot_owners_are_cstui_users_matched_by_email(
    tmp_path: Path, owners_crm: FakeCRM
) -> None:
    crm = owners_crm
    sato, other = crm.owners[0]["id"], crm.owners[1]["id"]
    config = make_config(tmp_path, crm)
    config.sections["hubspot"]["users"] = {"suzuki": "someone.else@example.com"}
    mine = crm.add("companies", {"name": "Theirs KK", "hubspot_owner_id": sato})
    crm.add("companies", {"name": "Other KK", "hubspot_owner_id": other})
    ws = Workspace.open(tmp_path / "data", user="me")
    try:
        h = Harness(ws, crm, config)
        h.sync()
        owners = {a.name: a.owner for a in ws.accounts()}
        assert owners == {"Theirs KK": "sato", "Other KK": "suzuki"}
        assert ws.account(f"hubspot-{mine}") is not None  # machine-independent id
        task = ws.add_task("Ping", account_id=f"hubspot-{mine}", owner="suzuki")
        h.sync()
        rid = get_meta(ws.store.get("tasks", task.id) or {}, "hubspot")["rid"]
        assert crm.objects["tasks"][rid].props["hubspot_owner_id"] == other  # an id, not a name
        assert crm.requests("/crm/v3/owners") == 2  # once per sync, not per record
    finally:
        ws.close()
