"""The demo book: deterministic, valid record for record, and realistic where cstui looks.

Patterns are checked through the usage numbers themselves (what health and alerts will see),
never through the generator's internal labels.
"""

from __future__ import annotations

import ast
import json
import re
from collections import Counter, defaultdict
from datetime import date, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from cstui.demo import generate as generator
from cstui.demo import names
from cstui.demo.generate import MODELS, generate
from cstui.domain.enums import Stage, Tier
from cstui.domain.models import Record

TODAY = date(2026, 11, 23)
Book = dict[str, list[dict[str, Any]]]
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def book() -> Book:
    return generate(60, seed=1, today=TODAY)


@pytest.fixture(scope="module")
def big() -> Book:
    return generate(3000, seed=7, today=TODAY)


def _d(text: str) -> date:
    return date.fromisoformat(text)


def _by_account(records: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in records:
        out[r["account_id"]].append(r)
    return out


def _assert_same(expected: Any, actual: Any, path: str = "") -> None:
    """Equal values AND equal JSON types and key order (1 != 1.0 here, unlike ==)."""
    assert type(expected) is type(actual), f"{path}: {type(expected)} vs {type(actual)}"
    if isinstance(expected, dict):
        assert list(expected) == list(actual), f"{path}: keys {list(expected)} vs {list(actual)}"
        for k in expected:
            _assert_same(expected[k], actual[k], f"{path}.{k}")
    elif isinstance(expected, list):
        assert len(expected) == len(actual), path
        for i, (x, y) in enumerate(zip(expected, actual, strict=True)):
            _assert_same(x, y, f"{path}[{i}]")
    else:
        assert expected == actual, f"{path}: {expected!r} vs {actual!r}"


def _check_shapes(tables: Book, per_table: int | None = None) -> None:
    for model in MODELS:
        records = tables[model.table]
        step = 1 if per_table is None else max(1, len(records) // per_table)
        for rec in records[::step]:
            _assert_same(model.model_validate(rec).to_record(), rec, f"{model.table}:{rec['id']}")


def _trend(snaps: list[dict[str, Any]]) -> str | None:
    """Classify a weekly series by logins: declining, recovering or steady (None: too short)."""
    logins = [s["logins"] for s in snaps]
    if len(logins) < 30:
        return None

    def mean(xs: list[int]) -> float:
        return sum(xs) / len(xs)

    now, before = mean(logins[-3:]), mean(logins[-14:-10])
    if now < 0.8 * before:
        return "declining"
    n = len(logins)
    trough = min(mean(logins[i : i + 3]) for i in range(n - 25, n - 8))
    early = mean(logins[-30:-26])
    if trough < 0.75 * now and trough < 0.75 * early:
        return "recovering"
    return "steady"


# ------------------------------------------------------------------------------ determinism


def test_same_seed_and_day_give_identical_bytes(book: Book) -> None:
    again = generate(60, seed=1, today=TODAY)
    assert json.dumps(again, ensure_ascii=False) == json.dumps(book, ensure_ascii=False)


def test_other_seed_or_day_gives_another_book(book: Book) -> None:
    assert generate(60, seed=2, today=TODAY) != book
    moved = generate(60, seed=1, today=TODAY + timedelta(days=1))
    assert moved["accounts"][0]["contract_start"] != book["accounts"][0]["contract_start"]


def test_today_defaults_to_the_clock() -> None:
    # conftest freezes cstui.clock at TODAY
    assert generate(20, seed=3) == generate(20, seed=3, today=TODAY)


# ------------------------------------------------------------------------------ shape


def test_tables_ids_and_shapes(book: Book) -> None:
    assert list(book) == [m.table for m in MODELS]
    for name, records in book.items():
        ids = [r["id"] for r in records]
        assert all(isinstance(i, str) and i for i in ids), name
        assert len(set(ids)) == len(ids), f"duplicate ids in {name}"
    _check_shapes(book)


def test_large_book_sample_has_model_shapes(big: Book) -> None:
    _check_shapes(big, per_table=250)
    for records in big.values():
        assert len({r["id"] for r in records}) == len(records)


def test_references_point_at_the_right_records(book: Book) -> None:
    accounts = {a["id"]: a for a in book["accounts"]}
    contacts = {c["id"]: c for c in book["contacts"]}
    for c in book["contacts"]:
        assert c["account_id"] in accounts
    for table in ("usage", "activities", "onboarding", "success_plans", "surveys"):
        for r in book[table]:
            assert r["account_id"] in accounts, table
    assert len(book["usage"]) == len(accounts)
    for act in book["activities"]:
        for p in act["participants"]:
            assert contacts[p]["account_id"] == act["account_id"]
        assert act["created_by"] == accounts[act["account_id"]]["owner"]
    for t in book["tasks"]:
        assert t["account_id"] is None or t["account_id"] in accounts
    for s in book["surveys"]:
        if s["contact_id"] is not None:
            assert contacts[s["contact_id"]]["account_id"] == s["account_id"]
    for plan in book["success_plans"]:
        for obj in plan["objectives"]:
            if obj["stakeholder_id"] is not None:
                assert contacts[obj["stakeholder_id"]]["account_id"] == plan["account_id"]
    for req in book["requests"]:
        assert set(req["account_ids"]) <= set(accounts)
        for c in req["contact_ids"]:
            assert contacts[c]["account_id"] in req["account_ids"]


# ------------------------------------------------------------------------------ accounts


def test_japanese_and_english_companies(big: Book) -> None:
    accounts = big["accounts"]
    ja = [a for a in accounts if JAPANESE.search(a["name"])]
    en = [a for a in accounts if not JAPANESE.search(a["name"])]
    assert 0.4 < len(ja) / len(accounts) < 0.6
    for a in ja:
        assert "株式会社" in a["name"] or a["name"].startswith("合同会社")
        assert a["domain"].endswith(".co.jp")
        assert a["currency"] == "JPY"
    assert all(a["domain"].endswith((".com", ".io")) for a in en)
    usd = sum(a["currency"] == "USD" for a in en) / len(en)
    assert 0.6 < usd < 0.9  # mostly USD, some English-named customers bill in yen
    assert len({a["name"] for a in accounts}) == len(accounts)
    assert len({a["domain"] for a in accounts}) == len(accounts)


def test_names_stay_unique_past_the_plain_combinations(monkeypatch: pytest.MonkeyPatch) -> None:
    # Shrink the vocabulary so a small book runs through regions and then numbers.
    monkeypatch.setattr(names, "JP_STEMS", names.JP_STEMS[:2])
    monkeypatch.setattr(names, "JP_INDUSTRIES", names.JP_INDUSTRIES[:3])
    monkeypatch.setattr(names, "EN_STEMS", names.EN_STEMS[:2])
    monkeypatch.setattr(names, "EN_INDUSTRIES", names.EN_INDUSTRIES[:3])
    tables = generate(300, seed=5, today=TODAY)
    accounts = tables["accounts"]
    assert len({a["name"] for a in accounts}) == len(accounts)
    assert len({a["domain"] for a in accounts}) == len(accounts)
    assert any(a["name"].startswith(("九州", "株式会社九州")) for a in accounts)
    assert any("Europe" in a["name"] for a in accounts)
    assert any("第" in a["name"] for a in accounts)
    _check_shapes(tables, per_table=50)


def test_every_tier_and_stage_in_a_small_book(book: Book) -> None:
    accounts = book["accounts"]
    assert {a["tier"] for a in accounts} == {t.value for t in Tier}
    stages = Counter(a["stage"] for a in accounts)
    assert set(stages) == {s.value for s in Stage}
    assert 1 <= stages["not_a_fit"] <= 2
    assert 6 <= stages["onboarding"] <= 12
    assert stages["adoption"] + stages["expansion"] + stages["renewal"] >= 30
    tiers = Counter(a["tier"] for a in accounts)
    assert tiers["high"] < tiers["mid"] < tiers["tech"]


def test_tiers_follow_arr_and_seats(big: Book) -> None:
    for currency in ("JPY", "USD"):
        arr: dict[str, list[int]] = defaultdict(list)
        seats: dict[str, list[int]] = defaultdict(list)
        for a in big["accounts"]:
            if a["currency"] == currency:
                arr[a["tier"]].append(a["arr"])
                seats[a["tier"]].append(a["seats"])
        assert min(arr["high"]) >= max(arr["mid"]) >= max(arr["tech"])
        assert sorted(seats["high"])[len(seats["high"]) // 2] > max(seats["tech"])
    jpy_high = [a["arr"] for a in big["accounts"] if a["tier"] == "high" and a["currency"] == "JPY"]
    assert min(jpy_high) >= 6_000_000
    assert max(jpy_high) <= 40_000_000


def test_me_owns_about_half(book: Book) -> None:
    owners = Counter(a["owner"] for a in book["accounts"])
    assert 27 <= owners["me"] <= 33
    assert set(owners) == {"me", "sato", "kim", "lopez"}
    solo = generate(10, seed=1, today=TODAY, owners=("alice",))
    assert {a["owner"] for a in solo["accounts"]} == {"alice"}


def test_contract_and_renewal_dates(book: Book, big: Book) -> None:
    for a in big["accounts"]:
        start, renewal = _d(a["contract_start"]), _d(a["renewal_date"])
        assert start <= TODAY
        assert renewal >= start
        assert (renewal - TODAY).days <= 548
        if a["stage"] == "kickoff":
            assert (TODAY - start).days <= 14
        if a["stage"] == "onboarding":
            assert (TODAY - start).days <= 90
        if a["stage"] == "churned":
            assert renewal < TODAY
    live = [a for a in book["accounts"] if a["stage"] != "churned"]
    overdue = [a for a in live if _d(a["renewal_date"]) < TODAY]
    far = [a for a in live if 365 <= (_d(a["renewal_date"]) - TODAY).days <= 548]
    assert 1 <= len(overdue) <= 6
    assert far


# ------------------------------------------------------------------------------ usage


def test_weekly_usage_for_a_year(book: Book) -> None:
    accounts = {a["id"]: a for a in book["accounts"]}
    for u in book["usage"]:
        a = accounts[u["account_id"]]
        dates = [_d(s["date"]) for s in u["snapshots"]]
        assert all(d >= _d(a["contract_start"]) for d in dates)
        if a["stage"] != "churned" and (TODAY - _d(a["contract_start"])).days >= 365:
            assert len(dates) == 52
            assert dates[-1] == TODAY
            assert {(y - x).days for x, y in pairwise(dates)} == {7}


def test_usage_within_licences_and_features(book: Book) -> None:
    seats = {a["id"]: a["seats"] for a in book["accounts"]}
    snaps = [(u["account_id"], s) for u in book["usage"] for s in u["snapshots"]]
    within = sum(s["active_users"] <= seats[aid] for aid, s in snaps)
    assert within / len(snaps) >= 0.95
    assert all(0 <= s["features_used"] <= 10 for _, s in snaps)


def test_declining_and_recovering_usage_show_in_the_numbers(book: Book, big: Book) -> None:
    small = Counter(_trend(u["snapshots"]) for u in book["usage"])
    assert small["declining"] >= 6
    assert small["recovering"] >= 4
    counts = Counter(_trend(u["snapshots"]) for u in big["usage"])
    total = len(big["usage"])
    assert 0.15 <= counts["declining"] / total <= 0.3
    assert 0.08 <= counts["recovering"] / total <= 0.2
    assert counts["steady"] / total >= 0.35
    tickets: dict[str, list[float]] = defaultdict(list)
    for u in big["usage"]:
        trend = _trend(u["snapshots"])
        if trend:
            last = u["snapshots"][-3:]
            users = sum(s["active_users"] for s in last) or 1
            tickets[trend].append(sum(s["open_tickets"] for s in last) * 10 / users)
    assert sum(tickets["declining"]) / len(tickets["declining"]) > 2 * (
        sum(tickets["steady"]) / len(tickets["steady"])
    )


def test_new_accounts_ramp_up(book: Book) -> None:
    stage = {a["id"]: a["stage"] for a in book["accounts"]}
    ramps = [
        u["snapshots"]
        for u in book["usage"]
        if stage[u["account_id"]] == "onboarding" and len(u["snapshots"]) >= 6
    ]
    assert ramps
    for snaps in ramps:
        assert snaps[-1]["active_users"] > snaps[0]["active_users"]


# ------------------------------------------------------------------------------ people and touches


def test_contacts_by_tier_and_language(book: Book) -> None:
    accounts = {a["id"]: a for a in book["accounts"]}
    per = _by_account(book["contacts"])
    for aid, a in accounts.items():
        people = per[aid]
        if a["tier"] == "tech":
            assert 1 <= len(people) <= 2
        else:
            assert 3 <= len(people) <= 6
            roles = {p["role"] for p in people}
            assert {"champion", "executive_sponsor"} <= roles
        for p in people:
            assert p["email"].isascii()
            assert p["email"].endswith("@" + a["domain"])
            assert bool(JAPANESE.search(p["name"])) == bool(JAPANESE.search(a["name"]))


def test_some_champions_left_recently(big: Book) -> None:
    left = [c for c in big["contacts"] if c["role"] == "champion" and not c["active"]]
    assert 0.07 <= len(left) / len(big["accounts"]) <= 0.13
    for c in left:
        assert 0 < (TODAY - _d(c["left_on"])).days <= 183
    assert all(c["left_on"] is None for c in big["contacts"] if c["active"])


def test_activities_read_in_the_customers_language(book: Book) -> None:
    accounts = {a["id"]: a for a in book["accounts"]}
    for act in book["activities"]:
        japanese = bool(JAPANESE.search(accounts[act["account_id"]]["name"]))
        assert bool(JAPANESE.search(act["summary"])) == japanese, act["summary"]
    sentiments = Counter(act["sentiment"] for act in book["activities"])
    assert sentiments["negative"] < sentiments["positive"] + sentiments["neutral"]
    assert sentiments["negative"] > 0
    assert {act["kind"] for act in book["activities"]} >= {"call", "meeting", "email", "qbr"}


def test_days_since_last_touch_vary(big: Book) -> None:
    last: dict[str, date] = {}
    for act in big["activities"]:
        d = _d(act["date"])
        last[act["account_id"]] = max(d, last.get(act["account_id"], d))
    touched = [a for a in big["accounts"] if a["tier"] != "tech" and a["stage"] != "churned"]
    gaps = [(TODAY - last[a["id"]]).days for a in touched if a["id"] in last]
    assert sum(g <= 14 for g in gaps) / len(gaps) > 0.3
    assert sum(g >= 60 for g in gaps) / len(gaps) > 0.08
    tech = [a["id"] for a in big["accounts"] if a["tier"] == "tech"]
    assert any(t not in last for t in tech)  # some tech-touch accounts were never touched


# ------------------------------------------------------------------------------ work items


def test_my_tasks_are_spread_over_time(book: Book) -> None:
    mine = [t for t in book["tasks"] if t["owner"] == "me"]
    open_due = [_d(t["due"]) for t in mine if not t["done"] and t["due"]]
    assert any(d < TODAY for d in open_due)
    assert any(d == TODAY for d in open_due)
    assert any(TODAY < d <= TODAY + timedelta(days=6) for d in open_due)
    assert any(d > TODAY + timedelta(days=6) for d in open_due)
    done = [t for t in mine if t["done"]]
    assert done
    assert all(t["done_on"] and _d(t["done_on"]) <= TODAY for t in done)
    assert {t["priority"] for t in book["tasks"]} == {"high", "normal", "low"}
    sources = Counter(t["source"] for t in book["tasks"])
    assert sources["manual"] == max(sources.values())
    keys = [t["key"] for t in book["tasks"] if t["key"]]
    assert len(keys) == len(set(keys))


def test_onboarding_plans(book: Book) -> None:
    plans = {p["account_id"]: p for p in book["onboarding"]}
    new = [a for a in book["accounts"] if a["stage"] in ("kickoff", "onboarding")]
    assert {a["id"] for a in new} == set(plans)
    phases = {"kickoff", "setup", "training", "first_value", "go_live"}
    in_progress = 0
    for p in plans.values():
        items = p["items"]
        assert 8 <= len(items) <= 12
        assert {i["phase"] for i in items} <= phases
        assert sum(i["first_value"] for i in items) == 1
        assert all(_d(i["done_on"]) <= TODAY for i in items if i["done"])
        if any(i["done"] for i in items) and not all(i["done"] for i in items):
            in_progress += 1
    assert in_progress >= 1
    past = [i for p in plans.values() for i in p["items"] if _d(i["due"]) < TODAY]
    done_share = sum(i["done"] for i in past) / len(past)
    assert 0.7 <= done_share < 1.0  # mostly done, a few overdue


def test_onboarding_plans_record_the_template_steps_they_came_from(big: Book) -> None:
    """As in a plan made in the app, each item's id names the template step it came from
    (``{template}:{step}``; ``own:`` for one added by hand), whatever its wording, so
    re-applying the plan's template recognises every step: it adds none (the steps not
    in the plan are ones the CSM removed), drops none, rewrites none, keeps the milestone."""
    from cstui.domain.cadence import account_lang
    from cstui.domain.models import Account, OnboardingPlan
    from cstui.domain.templates import (
        item_id,
        load_templates,
        merge_template,
        plan_ttv,
        shipped_template_texts,
    )

    templates, errors = load_templates(shipped_template_texts(), [])
    assert not errors
    lang = {a["id"]: account_lang(Account.model_validate(a)) for a in big["accounts"]}
    fields = ("id", "title", "done", "done_on", "notes", "due", "first_value", "core")
    for record in big["onboarding"][:: max(1, len(big["onboarding"]) // 200)]:
        plan = OnboardingPlan.model_validate(record)
        template = templates[plan.template]
        steps = {item_id(template.key, s.id) for s in template.steps}
        assert all(i.id in steps or i.id.startswith("own:") for i in plan.items)
        assert set(plan.removed) == steps - {i.id for i in plan.items}
        applied = merge_template(template, plan.start, plan, plan.account_id, lang[plan.account_id])
        assert applied.added == ()
        assert not applied.changed  # like a plan the app made: nothing to save
        got = [tuple(getattr(i, f) for f in fields) for i in applied.plan.items]
        assert got == [tuple(getattr(i, f) for f in fields) for i in plan.items]
        assert plan_ttv(applied.plan) == plan_ttv(plan)


def test_onboarding_tasks_are_those_the_checklist_gives(big: Book) -> None:
    """The demo's onboarding tasks follow the app's rule: only an open core step of ours
    has one (an edit of another step would otherwise be the first to touch it)."""
    items = {(p["id"], i["id"]): i for p in big["onboarding"] for i in p["items"]}
    tasks = [t for t in big["tasks"] if t["key"].startswith("onboarding:")]
    assert tasks
    for task in tasks:
        _, plan_id, item = task["key"].split(":", 2)
        step = items[plan_id, item]
        assert (step["owner_side"], step["core"], step["done"]) == ("us", True, False)
        assert (task["title"], task["due"]) == (step["title"], step["due"])


def test_success_plans(big: Book) -> None:
    plans = {p["account_id"]: p for p in big["success_plans"]}
    accounts = {a["id"]: a for a in big["accounts"]}
    assert all(a["id"] in plans for a in big["accounts"] if a["tier"] == "high")
    assert any(accounts[aid]["tier"] == "mid" for aid in plans)
    no_deep = 0
    for aid, p in plans.items():
        objectives = p["objectives"]
        assert 2 <= len(objectives) <= 4
        audiences = {o["audience"] for o in objectives}
        no_deep += "deep" not in audiences
        for o in objectives:
            kpi = o["kpi"]
            if kpi:
                assert kpi["history"]
                assert kpi["baseline"] != kpi["target"]
        if p["roi"]:
            assert p["roi"]["annual_fee"] == accounts[aid]["arr"]
    assert 0.1 < no_deep / len(plans) < 0.3
    assert sum(p["roi"] is not None for p in plans.values()) / len(plans) > 0.4


def test_surveys_and_detractors_follow_usage(big: Book) -> None:
    nps = [s for s in big["surveys"] if s["kind"] == "nps"]
    csat = [s for s in big["surveys"] if s["kind"] == "csat"]
    assert csat
    assert all(1 <= s["score"] <= 5 for s in csat)
    scores = [s["score"] for s in nps]
    assert any(s >= 9 for s in scores)
    assert any(7 <= s <= 8 for s in scores)
    assert any(s <= 6 for s in scores)
    with_nps = {s["account_id"] for s in nps}
    assert 0.45 < len(with_nps) / len(big["accounts"]) < 0.75
    trend = {u["account_id"]: _trend(u["snapshots"]) for u in big["usage"]}
    by_trend: dict[str | None, list[int]] = defaultdict(list)
    for s in nps:
        by_trend[trend[s["account_id"]]].append(s["score"])

    def detractors(xs: list[int]) -> float:
        return sum(x <= 6 for x in xs) / len(xs)

    assert detractors(by_trend["declining"]) > 2 * detractors(by_trend["steady"])


def test_feature_requests(book: Book) -> None:
    reqs = book["requests"]
    assert 8 <= len(reqs) <= 15
    assert all(1 <= len(r["account_ids"]) <= 6 and r["verbatim"] for r in reqs)
    assert len({r["status"] for r in reqs}) >= 3
    assert all(r["shipped"] == (r["status"] in ("told", "monitoring")) for r in reqs)


# ------------------------------------------------------------------------------ scale and edges


def test_lean_mode_thins_big_books(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(generator, "LEAN_ABOVE", 50)
    tables = generate(120, seed=4, today=TODAY)
    _check_shapes(tables)
    for u in tables["usage"]:
        dates = [_d(s["date"]) for s in u["snapshots"]]
        assert len(dates) <= 12
        assert all(27 <= (y - x).days <= 31 for x, y in pairwise(dates))
    per = Counter(c["account_id"] for c in tables["contacts"])
    assert max(per.values()) <= 2


@pytest.mark.parametrize("n", [0, 1, 5, 19])
def test_small_books_are_valid(n: int) -> None:
    tables = generate(n, seed=9, today=TODAY)
    assert len(tables["accounts"]) == n
    if n == 0:
        assert all(not records for records in tables.values())
    _check_shapes(tables)


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="negative"):
        generate(-1)
    with pytest.raises(ValueError, match="owner"):
        generate(5, owners=())


def test_generator_and_names_stay_pure() -> None:
    """They left domain/ for demo/, but still build plain records: no UI, no store."""
    for module in (generator.__file__, names.__file__):
        assert module is not None
        tree = ast.parse(Path(module).read_text("utf-8"))
        imported = {
            alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.Import)
            for alias in node.names
        } | {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        assert not any(m.startswith(("textual", "tinydb", "cstui.store")) for m in imported)


def test_models_cover_every_generated_table() -> None:
    assert all(issubclass(m, Record) for m in MODELS)
