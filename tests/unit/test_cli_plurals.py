"""Issue 16: the command line says "1 account", never "1 accounts", in English and Japanese.

Its sentences with a count come from the catalogue (``locale/*/cli.json``), whose plural
fields (``{n|account|accounts}``) pick the form, as the app's do ("1 day ago")."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from cstui import i18n
from cstui.cli import main
from cstui.cli.sync import _counts

LOCALE = Path(i18n.__file__).parent / "locale"


def run(*args: str | Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(autouse=True)
def _english_after() -> object:
    yield
    i18n.set_language("en")


def test_one_demo_account_and_one_export_are_singular(tmp_path: Path) -> None:
    data = tmp_path / "one"
    code, out, _ = run("demo", "--out", data, "--accounts", "1", "--no-open", "--lang", "en")
    assert code == 0
    assert "Wrote a demo portfolio of 1 account (" in out
    assert "1 accounts" not in out
    code, _, err = run("export", "accounts", "--data-dir", data, "--out", tmp_path / "a.csv")
    assert code == 0
    assert f"Exported 1 account to {tmp_path / 'a.csv'}." in err


def test_many_are_plural_and_japanese_counts_with_its_own_words(tmp_path: Path) -> None:
    data = tmp_path / "two"
    code, out, _ = run("--lang", "ja", "demo", "--out", data, "--accounts", "2", "--no-open")
    assert code == 0
    assert out.startswith("デモのポートフォリオ（2社、")
    code, _, err = run("export", "accounts", "--lang", "ja", "--data-dir", data,
                       "--out", tmp_path / "a.csv")  # fmt: skip
    assert code == 0
    assert "2社を" in err
    code, _, err = run("export", "accounts", "--lang", "en", "--data-dir", data,
                       "--out", tmp_path / "b.csv")  # fmt: skip
    assert "Exported 2 accounts to" in err


def test_a_sync_plan_counts_each_table_in_words() -> None:
    i18n.set_language("en")
    plan = Counter({"accounts": 1, "contacts": 2, "activities": 1, "tasks": 0})
    assert _counts(plan) == "1 account, 2 contacts, 1 activity"
    assert _counts(Counter({"renewals": 1})) == "1 renewals"  # an unknown table: its name
    assert i18n.t("cli.sync.conflicts", n=1).startswith("1 conflict waits for a decision")
    assert i18n.t("cli.sync.refused", n=1) == "1 item was not accepted; it stays queued."
    assert i18n.t("cli.sync.refused", n=3) == "3 items were not accepted; they stay queued."
    i18n.set_language("ja")
    assert _counts(plan) == "顧客 1件, 担当者 2件, 活動 1件"


def test_every_cli_sentence_exists_in_both_languages_and_english_has_its_plurals() -> None:
    en = json.loads((LOCALE / "en" / "cli.json").read_text("utf-8"))
    ja = json.loads((LOCALE / "ja" / "cli.json").read_text("utf-8"))
    assert sorted(en) == sorted(ja)
    for key, text in en.items():
        counts = [name for name in ("n", "accounts", "count", "created", "pulled", "pushed")
                  if f"{{{name}}} " in text]  # fmt: skip
        for name in counts:
            follows = text.split(f"{{{name}}} ", 1)[1]
            if follows[:1].isalpha() and not follows.startswith(("created", "updated")):
                assert f"{{{name}|" in text, key  # a noun after a count takes its plural
