"""What the app refuses or suggests is said in Japanese under ``--lang ja`` (issue 18: "Japanese
UI has no English left"): the KPI screen's period not started and its tier suggestions, the
renewal outcome form's rules, the request form's unknown account, a delivered (frozen) QBR,
and a task or request that a teammate deleted meanwhile. English keeps its words, and shows
tier labels, not raw values.

Each Japanese text is checked for English words generically (:func:`english_words`): any
ASCII word of three letters or more that is not an acronym the Japanese UI uses too, nor
part of the data shown (a company name), is a leftover."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from textual.widgets import Input, Select, Static

from cstui.app import CSApp, create_app
from cstui.domain.enums import Tier
from cstui.domain.models import FeatureRequest
from cstui.screens.account import AccountScreen
from cstui.screens.kpis import KPIScreen
from cstui.screens.renewals import RenewalsScreen
from cstui.screens.requests import RequestsScreen
from cstui.ui.forms import FormScreen
from cstui.widgets.qbr import QBRSection
from cstui.workspace import Workspace

ACRONYMS = frozenset({"ARR", "QBR", "KPI", "NPS", "CSAT", "ROI", "CRM", "JPY", "USD"})
"""Words the Japanese catalogue itself writes in Latin letters."""


def english_words(text: str, data: Iterable[str] = ()) -> list[str]:
    """The English words left in ``text``: Latin words of 3+ letters that are neither
    :data:`ACRONYMS` nor in the ``data`` shown (names, ids)."""
    allowed = set(ACRONYMS)
    for value in data:
        allowed.update(re.findall(r"[A-Za-z]+", value))
    return [w for w in re.findall(r"[A-Za-z]{3,}", text) if w not in allowed]


def _app(ws: Workspace, lang: str) -> CSApp:
    return create_app(ws, lang=lang, poll=False, rescore=False)


def _messages(app: CSApp) -> list[str]:
    return [n.message for n in app._notifications]


async def _settle(app: CSApp, pilot: Any) -> None:
    await app.workers.wait_for_complete()
    for _ in range(3):
        await pilot.pause()


# KPI screen ---------------------------------------------------------------------------------


async def test_a_period_not_started_is_refused_in_japanese(demo_ws: Workspace) -> None:
    app = _app(demo_ws, "ja")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("M")
        await _settle(app, pilot)
        await pilot.press("right_square_bracket")
        await _settle(app, pilot)
        await pilot.press("right_square_bracket")
        await _settle(app, pilot)
        said = [m for m in _messages(app) if "2027Q1" in m]
        assert said == ["2027Q1はまだ始まっていません。"]


def _grown(ws: Workspace) -> tuple[str, str]:
    """A mid-touch account whose ARR crossed the high-touch line, and one that fell below
    mid touch: two tier suggestions."""
    up = ws.create_account({"name": "Kestrel Grown KK", "arr": 7_000_000, "tier": "mid"})
    down = ws.create_account({"name": "株式会社縮小テスト", "arr": 500_000, "tier": "mid"})
    return up.name, down.name


async def _tier_lines(ws: Workspace, lang: str) -> str:
    app = _app(ws, lang)
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.press("M")
        await _settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, KPIScreen)
        return str(screen.query_one("#kpi-tiers", Static).render())


async def test_tier_suggestions_are_worded_in_japanese(demo_ws: Workspace) -> None:
    names = _grown(demo_ws)
    suggested = {s.name: s for s in demo_ws.tier_suggestions()}
    assert suggested[names[0]].suggested is Tier.HIGH
    assert suggested[names[1]].suggested is Tier.TECH
    shown = await _tier_lines(demo_ws, "ja")
    assert "タッチモデル変更の提案" in shown
    assert (
        "ARR ¥7,000,000がハイタッチの基準¥6,000,000に達しました："
        "ハイタッチへの変更を提案（現在はミッドタッチ）"
    ) in shown
    assert (
        "ARR ¥500,000がミッドタッチの基準¥1,200,000を下回りました："
        "テックタッチへの変更を提案（現在はミッドタッチ）"
    ) in shown
    assert english_words(shown, [s.name for s in suggested.values()]) == []


async def test_tier_suggestions_in_english_name_tiers_by_their_labels(
    demo_ws: Workspace,
) -> None:
    _grown(demo_ws)
    shown = await _tier_lines(demo_ws, "en")
    assert (
        "ARR ¥7,000,000 crossed the High-touch threshold ¥6,000,000: suggest High (now Mid)"
    ) in shown
    assert "mid → high" not in shown


# Renewal outcome form -----------------------------------------------------------------------


async def _outcome_errors(ws: Workspace, lang: str, outcome: str) -> dict[str, str]:
    """The renewal outcome form's errors (field → text) after saving ``outcome`` with the
    amount due unchanged and no churn reason."""
    app = _app(ws, lang)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("N")
        await _settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, RenewalsScreen)
        await pilot.press("tab")
        target = next(i for i, r in enumerate(screen.list_table.rows) if r.outcome is None)
        screen.list_table.move_cursor(target)
        await pilot.press("o")
        await _settle(app, pilot)
        form = app.screen
        assert isinstance(form, FormScreen)
        form.query_one("#field-outcome", Select).value = outcome
        await pilot.press("ctrl+s")
        await _settle(app, pilot)
        assert app.screen is form  # refused: nothing saved, the form stays
        return {
            name: str(form.query_one(f"#error-{name}", Static).render())
            for name in ("new_arr", "churn_reason")
            if form.query_one(f"#error-{name}", Static).display
        }


async def test_an_expansion_at_the_amount_due_is_refused_in_japanese(demo_ws: Workspace) -> None:
    expanded = await _outcome_errors(demo_ws, "ja", "expanded")
    assert list(expanded) == ["new_arr"]
    assert re.fullmatch(
        r"拡張の場合、新しいARRは対象ARRの[\d,]+より大きい額にしてください。", expanded["new_arr"]
    )


async def test_a_churn_without_a_reason_is_refused_in_japanese(demo_ws: Workspace) -> None:
    churned = await _outcome_errors(demo_ws, "ja", "churned")
    assert list(churned) == ["churn_reason"]
    # The reasons by their labels, not the values the CLI takes (no_value, budget...).
    assert churned["churn_reason"].startswith("解約理由を選んでください（価値を実感できず、予算、")
    assert english_words(churned["churn_reason"]) == []


async def test_the_renewal_outcome_rules_keep_their_english(demo_ws: Workspace) -> None:
    expanded = await _outcome_errors(demo_ws, "en", "expanded")
    assert re.fullmatch(r"Expanded means a new ARR above [\d,]+\.", expanded["new_arr"])


async def test_a_churn_without_a_reason_keeps_its_english(demo_ws: Workspace) -> None:
    churned = await _outcome_errors(demo_ws, "en", "churned")
    assert churned["churn_reason"].startswith("Choose a churn reason: no_value, budget, ")


# Requests: an account the form cannot find --------------------------------------------------


async def test_an_unknown_account_in_a_request_is_said_in_japanese(demo_ws: Workspace) -> None:
    before = demo_ws.count(FeatureRequest)
    app = _app(demo_ws, "ja")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("F")
        await _settle(app, pilot)
        assert isinstance(app.screen, RequestsScreen)
        await pilot.press("n")
        await _settle(app, pilot)
        form = app.screen
        assert isinstance(form, FormScreen)
        form.query_one("#field-title", Input).value = "CSV出力"
        # One name matches nothing, one part matches several accounts.
        form.query_one("#field-accounts", Input).value = "nobody-zzz, 株式会社"
        await pilot.press("ctrl+s")
        await _settle(app, pilot)
        assert app.screen is form
        error = str(form.query_one("#error-accounts", Static).render())
    assert "「nobody-zzz」に一致する顧客はありません。" in error
    assert "「株式会社」に一致する顧客が" in error
    names = [a.name for a in demo_ws.accounts()]
    assert english_words(error, [*names, "nobody-zzz"]) == []
    assert demo_ws.count(FeatureRequest) == before


# QBR: a delivered review is frozen ----------------------------------------------------------


async def test_editing_a_delivered_qbr_is_refused_in_japanese(demo_ws: Workspace) -> None:
    account = next(a for a in demo_ws.accounts() if a.name == "Quartz Systems LLC")
    demo_ws.set_qbr_status(account.id, "2026Q3", "delivered")
    app = _app(demo_ws, "ja")
    async with app.run_test(size=(160, 45)) as pilot:
        await app.push_screen(AccountScreen(account.id))
        await _settle(app, pilot)
        await pilot.press("6")
        await _settle(app, pilot)
        section = app.screen.query_one("#qbr-summary", QBRSection)
        section.focus()
        await pilot.press("e")
        await _settle(app, pilot)
        assert not isinstance(app.screen, FormScreen)
        said = [m for m in _messages(app) if "2026-11-23" in m]
    assert said == ["このQBRは2026-11-23に実施済みのため、確定しています（編集できません）。"]


# A record a teammate deleted meanwhile ------------------------------------------------------


async def test_a_task_deleted_meanwhile_is_said_in_japanese(demo_ws: Workspace) -> None:
    from cstui.screens.today import TodayScreen

    app = _app(demo_ws, "ja")
    async with app.run_test(size=(160, 45)) as pilot:
        today = TodayScreen(everyone=True)
        await app.push_screen(today)
        await _settle(app, pilot)
        item = today.current
        assert item is not None
        assert item.section == "tasks"
        # A teammate deletes it while it is on this screen (not polled here yet).
        teammate = Workspace.open(demo_ws.store.data_dir, user="kim")
        teammate.delete_task(item.ref)
        teammate.close()
        await pilot.press("x")
        await _settle(app, pilot)
        said = [m for m in _messages(app) if item.ref in m]
    assert said == [f"タスク「{item.ref}」はありません（削除された可能性があります）。"]
