"""Refusals the app shows are catalogue messages, worded in the reader's language, with the
English of scripts and the CLI unchanged (issue 18: "Japanese UI has no English left").

Two generic checks keep it so: every message key the code names exists in both catalogues,
and no layer the app shows refusals from builds one out of an English literal."""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

import cstui
from cstui import i18n
from cstui.domain.enums import Outcome
from cstui.domain.models import InvalidRecord, Renewal
from cstui.domain.renewals import check_outcome
from cstui.i18n import Msg, msg, render
from cstui.sync.conflicts import ResolveError, check
from cstui.workspace import AccountNotFound, Workspace

ROOT = Path(cstui.__file__).parent
REASONS = ("no_value", "budget", "my_own_reason")


@pytest.fixture(autouse=True)
def _english_after() -> Iterator[None]:
    yield
    i18n.set_language("en")


# The generic checks -------------------------------------------------------------------------


def test_every_message_key_named_in_the_code_exists_in_both_languages() -> None:
    """``t("x.y")``, ``msg("x.y", ...)``, ``Msg("x.y")`` and ``i18n.msg(...)`` anywhere in
    the package: a key missing from a catalogue shows as the key itself."""
    en, ja = i18n.catalogue("en"), i18n.catalogue("ja")
    pattern = re.compile(r"\b(?:t|msg|Msg)\(\s*\"([a-z_]+\.[a-z0-9_.-]+)\"")
    used: dict[str, str] = {}
    for path in ROOT.rglob("*.py"):
        for key in pattern.findall(path.read_text("utf-8")):
            used.setdefault(key, str(path.relative_to(ROOT)))
    assert len(used) > 500
    missing = {key: where for key, where in used.items() if key not in en or key not in ja}
    assert missing == {}


_SHOWN_FROM = ("workspace", "domain", "screens", "widgets", "ui", "app.py", "commands.py")
_REFUSALS = {"InvalidRecord", "AccountNotFound", "ResolveError"}


def _english_literals(node: ast.AST) -> list[str]:
    """Sentences written as literals (plain or f-strings) inside ``node``."""
    found = []
    for part in ast.walk(node):
        if isinstance(part, ast.JoinedStr):
            found.append(ast.unparse(part))
        elif isinstance(part, ast.Constant) and isinstance(part.value, str) and " " in part.value:
            found.append(part.value)
    return found


def test_no_refusal_the_app_shows_is_an_english_literal() -> None:
    """A refusal is built from catalogue messages (``InvalidRecord.said``, ``msg(...)``), or
    from text already worded (``t(...)``, another error's message), never from an English
    sentence in the code: a Japanese form or toast would show it as it is."""
    found = []
    for name in _SHOWN_FROM:
        where = ROOT / name
        for path in [where] if where.is_file() else sorted(where.rglob("*.py")):
            tree = ast.parse(path.read_text("utf-8"))
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call):
                    continue
                called = node.func.attr if isinstance(node.func, ast.Attribute) else None
                called = called or (node.func.id if isinstance(node.func, ast.Name) else None)
                if called not in _REFUSALS:
                    continue
                for text in _english_literals(node):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {text}")
    assert found == []


def test_the_error_catalogue_names_the_same_parameters_in_both_languages() -> None:
    """Japanese leaves a parameter out, never names one the code does not pass."""
    en = json.loads((ROOT / "locale" / "en" / "errors.json").read_text("utf-8"))
    ja = json.loads((ROOT / "locale" / "ja" / "errors.json").read_text("utf-8"))
    assert set(en) == set(ja)
    for key, template in en.items():
        assert set(re.findall(r"\{(\w+)", ja[key])) <= set(re.findall(r"\{(\w+)", template)), key
        assert not re.search(r"[A-Za-z]{4,}", re.sub(r"\{[^}]*\}|`[^`]*`", "", ja[key])) or (
            key.startswith("error.bad_")  # names the values a script passes (draft, ready…)
        ), key


# InvalidRecord from messages ----------------------------------------------------------------


def test_a_refusal_from_messages_is_worded_in_the_ui_language_and_keeps_them() -> None:
    i18n.set_language("ja")
    refused = InvalidRecord.said(msg("error.no_task", id="t1"), field="title")
    assert refused.messages == ["タスク「t1」はありません（削除された可能性があります）。"]
    assert refused.fields == {"title": refused.messages}
    assert refused.render("en") == ["There is no task 't1'."]
    both = InvalidRecord.about(
        {"a": [msg("error.no_account", id="x")], "b": [Msg("error.no_onboarding_plan")]}
    )
    assert list(both.fields) == ["a", "b"]
    assert both.render("en") == [
        "There is no account with id 'x'.",
        "This account has no onboarding plan yet; apply a template.",
    ]


# Renewal outcomes ---------------------------------------------------------------------------


def _renewal(outcome: Outcome, new_arr: int | None, reason: str | None = None) -> Renewal:
    return Renewal(
        id="r1",
        account_id="a1",
        due=date(2026, 12, 1),
        arr_due=19_700,
        currency="USD",
        outcome=outcome,
        new_arr=new_arr,
        churn_reason=reason,
    )


def _said(problems: dict[str, list[Msg]], lang: str) -> dict[str, list[str]]:
    return {field: [render(m, lang) for m in ms] for field, ms in problems.items()}


def test_renewal_outcome_rules_in_both_languages() -> None:
    expanded = check_outcome(_renewal(Outcome.EXPANDED, 19_700), REASONS)
    assert _said(expanded, "en") == {"new_arr": ["Expanded means a new ARR above 19,700."]}
    assert _said(expanded, "ja") == {
        "new_arr": ["拡張の場合、新しいARRは対象ARRの19,700より大きい額にしてください。"]
    }
    down = check_outcome(_renewal(Outcome.DOWNGRADED, 20_000), REASONS)
    assert _said(down, "en") == {"new_arr": ["Downgraded means a new ARR below 19,700."]}
    assert _said(down, "ja")["new_arr"][0].startswith("縮小の場合")
    missing = check_outcome(_renewal(Outcome.RENEWED, None), REASONS)
    assert _said(missing, "en") == {"new_arr": ["Give the new ARR."]}
    assert _said(missing, "ja") == {"new_arr": ["新しいARRを入力してください。"]}
    none = check_outcome(_renewal(Outcome.CHURNED, 0), REASONS)
    assert _said(none, "en") == {
        "churn_reason": ["Choose a churn reason: no_value, budget, my_own_reason."]
    }
    # Japanese names the reasons by their labels; a reason of the user's own by its value.
    assert _said(none, "ja") == {
        "churn_reason": ["解約理由を選んでください（価値を実感できず、予算、my_own_reason）。"]
    }
    odd = check_outcome(_renewal(Outcome.CHURNED, 0, "moved"), REASONS)
    assert _said(odd, "en")["churn_reason"] == [
        "'moved' is not a churn reason; choose one of: no_value, budget, my_own_reason."
    ]
    assert _said(odd, "ja")["churn_reason"] == [
        "「moved」は解約理由ではありません。価値を実感できず、予算、my_own_reasonから選んでください。"
    ]
    assert check_outcome(_renewal(Outcome.EXPANDED, 20_000), REASONS) == {}


# Finding an account by name -----------------------------------------------------------------


def test_an_account_not_found_keeps_its_english_and_words_japanese(demo_ws: Workspace) -> None:
    with pytest.raises(AccountNotFound) as nothing:
        demo_ws.find_account("nobody-zzz")
    assert str(nothing.value) == "No account matches 'nobody-zzz'."
    assert render(nothing.value.message, "ja") == "「nobody-zzz」に一致する顧客はありません。"
    with pytest.raises(AccountNotFound) as several:
        demo_ws.find_account("株式会社")
    english = str(several.value)
    assert re.match(r"'株式会社' matches \d+ accounts: .+, .+ and \d+ more\.$", english)
    japanese = render(several.value.message, "ja")
    assert re.match(r"「株式会社」に一致する顧客が\d+社あります：.+、.+ほか\d+社。$", japanese)


# Sync conflicts -----------------------------------------------------------------------------


def test_a_conflict_already_settled_is_said_in_both_languages(demo_ws: Workspace) -> None:
    with pytest.raises(ResolveError) as gone:
        check(demo_ws.store, "nope", "mine")
    assert str(gone.value) == (
        "There is no open conflict 'nope'; `cstui sync --conflicts` lists them."
    )
    assert render(gone.value.message, "ja").startswith("未解決の衝突「nope」はありません")
    with pytest.raises(ResolveError) as choice:
        check(demo_ws.store, "nope", "both")
    assert str(choice.value) == "Choose mine, theirs or edit, not 'both'."


# Workspace refusals in Japanese -------------------------------------------------------------


def test_workspace_refusals_follow_the_ui_language(demo_ws: Workspace) -> None:
    i18n.set_language("ja")
    account = next(a for a in demo_ws.accounts() if a.renewal_date is not None)
    with pytest.raises(InvalidRecord) as task:
        demo_ws.complete_task("no-such-task")
    assert task.value.messages == [
        "タスク「no-such-task」はありません（削除された可能性があります）。"
    ]
    with pytest.raises(InvalidRecord) as period:
        demo_ws.check_kpi_periods([demo_ws.kpi_report("2026Q4").period.shift(2)], "all")
    assert period.value.fields == {"period": ["2027Q2はまだ始まっていません。"]}
    assert period.value.render("en") == ["2027Q2 has not started yet."]
    with pytest.raises(InvalidRecord) as snooze:
        demo_ws.snooze_alert("no-such-alert", date(2027, 1, 1), "reason")
    assert snooze.value.messages == [
        "アラート「no-such-alert」はありません（削除された可能性があります）。"
    ]
    with pytest.raises(InvalidRecord) as outcome:
        demo_ws.record_renewal_outcome(
            account.id, outcome="expanded", new_arr=0, due=account.renewal_date
        )
    assert outcome.value.fields["new_arr"][0].startswith("拡張の場合")
    with pytest.raises(InvalidRecord) as plan:
        demo_ws.set_onboarding_item(
            next(a.id for a in demo_ws.accounts() if demo_ws.onboarding(a.id) is None),
            "step-1",
            done=True,
        )
    assert plan.value.messages == [
        "この顧客にはまだオンボーディング計画がありません。テンプレートを適用してください。"
    ]
