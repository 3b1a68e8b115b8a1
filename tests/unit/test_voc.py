"""Requests ranked by revenue, the feedback loop, and tier suggestions."""

from __future__ import annotations

import pytest

from cstui.domain.enums import LoopStatus, Stage, TaskSource, Tier
from cstui.domain.models import Account, FeatureRequest, InvalidRecord
from cstui.domain.renewals import KPIConfig
from cstui.domain.tiers import suggest, tier_for_arr, tier_suggestions
from cstui.domain.voc import next_status, rank_requests
from cstui.workspace import Workspace


def acc(id: str, arr: int, **kw: object) -> Account:
    return Account.model_validate({"id": id, "name": id.upper(), "arr": arr, **kw})


def test_ranked_by_arr_not_votes() -> None:
    accounts = {
        "big": acc("big", 9_000_000),
        "s1": acc("s1", 100_000),
        "s2": acc("s2", 100_000),
        "s3": acc("s3", 100_000),
        "gone": acc("gone", 50_000_000, stage=Stage.CHURNED),
    }
    popular = FeatureRequest(id="pop", title="Popular", account_ids=["s1", "s2", "s3"])
    valuable = FeatureRequest(id="val", title="Valuable", account_ids=["big"])
    churned = FeatureRequest(id="old", title="Asked by a lost customer", account_ids=["gone"])
    ranked = rank_requests([popular, churned, valuable], accounts, {"s2": "red"})
    assert [r.request.id for r in ranked] == ["val", "pop", "old"]
    assert ranked[0].arr == 9_000_000
    assert ranked[0].votes == 1
    assert ranked[1].arr == 300_000
    assert ranked[1].arr_at_risk == 100_000
    assert ranked[1].at_risk == ["s2"]
    assert ranked[2].arr == 0  # churned accounts add no ARR at stake


def test_ranking_mixed_currencies_needs_rates() -> None:
    accounts = {"j": acc("j", 1_000_000), "u": acc("u", 10_000, currency="USD")}
    req = FeatureRequest(id="r", title="Mixed", account_ids=["j", "u"])
    refused = rank_requests([req], accounts, {})
    assert refused[0].arr is None
    assert "without a conversion" in refused[0].note
    converted = rank_requests([req], accounts, {}, currency="JPY", rates={"USD": 150})
    assert converted[0].arr == 2_500_000
    assert converted[0].currency == "JPY"


def test_loop_order() -> None:
    assert next_status(LoopStatus.LISTENING) is LoopStatus.ANALYSING
    assert next_status(LoopStatus.ACTING) is LoopStatus.TOLD
    assert next_status(LoopStatus.MONITORING) is None


def test_tier_thresholds_and_suggestion() -> None:
    cfg = KPIConfig(churn_reasons=("x",), tiers={"JPY": (6_000_000, 1_200_000)})
    assert tier_for_arr(6_000_000, "JPY", cfg) is Tier.HIGH
    assert tier_for_arr(1_200_000, "JPY", cfg) is Tier.MID
    assert tier_for_arr(1_199_999, "JPY", cfg) is Tier.TECH
    assert tier_for_arr(1, "EUR", cfg) is None
    grown = acc("g", 7_000_000, tier="mid")
    found = suggest(grown, cfg)
    assert found is not None
    assert found.suggested is Tier.HIGH
    assert found.threshold == 6_000_000
    # The reason is a message: English for scripts, each reader's language on screen, tier
    # labels rather than raw values ("mid → high touch").
    assert found.reason == (
        "ARR ¥7,000,000 crossed the High-touch threshold ¥6,000,000: suggest High (now Mid)"
    )
    assert found.message.render("ja") == (
        "ARR ¥7,000,000がハイタッチの基準¥6,000,000に達しました："
        "ハイタッチへの変更を提案（現在はミッドタッチ）"
    )
    shrunk = acc("s", 500_000, tier="mid")
    lower = suggest(shrunk, cfg)
    assert lower is not None
    assert lower.suggested is Tier.TECH
    assert lower.message.render("ja") == (
        "ARR ¥500,000がミッドタッチの基準¥1,200,000を下回りました："
        "テックタッチへの変更を提案（現在はミッドタッチ）"
    )
    assert suggest(acc("ok", 2_000_000, tier="mid"), cfg) is None
    assert suggest(acc("c", 9_000_000, tier="mid", stage="churned"), cfg) is None


def test_workspace_tier_suggestions(empty_ws: Workspace) -> None:
    empty_ws.create_account({"name": "Grown", "arr": 7_000_000, "tier": "mid"})
    empty_ws.create_account({"name": "Fine", "arr": 2_000_000, "tier": "mid"})
    assert [(s.name, s.suggested) for s in empty_ws.tier_suggestions()] == [("Grown", Tier.HIGH)]


def test_ship_request_creates_tasks_and_closing_them_tells(empty_ws: Workspace) -> None:
    ws = empty_ws
    a = ws.create_account({"name": "Alpha", "arr": 3_000_000, "owner": "sato"})
    b = ws.create_account({"name": "Beta", "arr": 1_000_000})
    req = ws.add_request({"title": "SSO", "verbatim": "We need SAML", "account_ids": [a.id, b.id]})
    assert req.status is LoopStatus.LISTENING
    assert req.created is not None
    ws.set_request_status(req.id, "analysing")
    tasks = ws.ship_request(req.id)
    assert sorted(t.key for t in tasks) == sorted([f"voc:{req.id}:{a.id}", f"voc:{req.id}:{b.id}"])
    assert all(t.source is TaskSource.VOC for t in tasks)
    assert {t.account_id: t.owner for t in tasks}[a.id] == "sato"
    assert ws.ship_request(req.id) == []  # shipping twice adds nothing
    shipped = ws.requests()[0]
    assert shipped.shipped
    assert shipped.status is LoopStatus.ACTING
    ws.complete_task(tasks[0].id)
    assert ws.request_status(req.id) is LoopStatus.ACTING
    ws.complete_task(tasks[1].id)
    assert ws.request_status(req.id) is LoopStatus.TOLD  # reads told at once
    assert ws.ranked_requests()[0].status is LoopStatus.TOLD
    assert ws.close_told_loops() == 1
    assert ws.requests()[0].status is LoopStatus.TOLD
    assert ws.close_told_loops() == 0


def test_request_validation(empty_ws: Workspace) -> None:
    with pytest.raises(InvalidRecord) as err:
        empty_ws.add_request({"title": "X", "account_ids": ["nope"]})
    assert "account_ids" in err.value.fields
    with pytest.raises(InvalidRecord, match="Title cannot be empty"):
        empty_ws.add_request({"title": " "})
    req = empty_ws.add_request({"title": "Y"})
    with pytest.raises(InvalidRecord):
        empty_ws.set_request_status(req.id, "done")
    assert empty_ws.update_request(req.id, {"verbatim": "because"}).verbatim == "because"
    with pytest.raises(InvalidRecord, match="no request"):
        empty_ws.ship_request("missing")


def test_tier_suggestions_compare_arr_in_the_report_currency() -> None:
    """Listed by ARR in the report currency at the planning rates: by the raw numbers
    ¥500,000 came before $70,000 (¥10.5M at 150); a currency with no rate comes after."""
    cfg = KPIConfig(
        churn_reasons=("x",),
        report_currency="JPY",
        rates={"USD": 150.0},
        tiers={"JPY": (6_000_000, 1_200_000), "USD": (60_000, 12_000), "EUR": (50_000, 10_000)},
    )
    found = tier_suggestions(
        [
            acc("yen", 500_000, tier="mid", currency="JPY"),  # down to tech
            acc("usd", 70_000, tier="mid", currency="USD"),  # up to high
            acc("eur", 900_000, tier="mid", currency="EUR"),  # no rate: after
            acc("big", 7_000_000, tier="mid", currency="JPY"),  # up to high
        ],
        cfg,
    )
    assert [s.account_id for s in found] == ["usd", "big", "yen", "eur"]
