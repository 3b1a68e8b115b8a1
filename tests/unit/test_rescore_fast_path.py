"""The daily rescore's fast path (issue 17) leaves the records the model path leaves.

The rescore scores from the stored records (light records grouped once per pass, no
breakdown), reconciles alerts on their records and words a flag's English text only where
its message changed. Each part is checked here against the path it replaced: pydantic models
per account, ``compute_health`` with its breakdown, alerts reconciled as models.
"""

from __future__ import annotations

import shutil
from collections.abc import Collection, Iterable, Iterator, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cstui import clock
from cstui.demo.build import build_demo
from cstui.domain.alerts import (
    Alert,
    Flag,
    alert_id,
    alert_record,
    reconcile_alert_records,
    reconcile_alerts,
)
from cstui.domain.cadence import touchpoints
from cstui.domain.health import FLAG_RULES, _outcomes, stored_trend, trend
from cstui.domain.light import LightAccount, LightOnboarding, LightSuccessPlan
from cstui.domain.models import Account, OnboardingPlan, SuccessPlan
from cstui.i18n import Msg, msg
from cstui.store.db import MANAGED_FIELDS
from cstui.workspace import Workspace

TODAY = date(2026, 11, 23)
DAYS = (TODAY + timedelta(days=1), TODAY + timedelta(days=40))


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 150-account demo: more than the 100 accounts from which a pass groups tables."""
    clock.freeze(TODAY)
    target = tmp_path_factory.mktemp("book") / "data"
    build_demo(target, accounts=150, seed=7, user="me")
    clock.freeze(None)
    return target


def _open_copy(book: Path, target: Path) -> Workspace:
    shutil.copytree(book, target)
    return Workspace.open(target, user="me")


def _plain(ws: Workspace, table: str) -> dict[str, dict[str, Any]]:
    return {
        r["id"]: {k: v for k, v in r.items() if k not in MANAGED_FIELDS}
        for r in ws.store.scan(table)
    }


@pytest.fixture
def two_copies(book: Path, tmp_path: Path) -> Iterator[tuple[Workspace, Workspace]]:
    fast = _open_copy(book, tmp_path / "fast")
    models = _open_copy(book, tmp_path / "models")
    yield fast, models
    fast.close()
    models.close()


def test_whole_book_rescore_matches_the_model_path(
    two_copies: tuple[Workspace, Workspace],
) -> None:
    fast, models = two_copies
    ids = [a.id for a in models.accounts()]
    assert len(ids) > 100  # the grouped pass, not account by account
    explained = 0
    for day in DAYS:
        clock.freeze(day)
        assert fast.refresh_health(as_of=day) > 0
        results = []
        for account_id in ids:
            health = models.health(account_id, day)  # pydantic models, with the breakdown
            explained += bool(health.measures)
            results.append((health, models.flags(account_id, day)))
        models.record_health(results, day)
        for table in ("health", "alerts"):
            assert _plain(fast, table) == _plain(models, table), (day, table)
    assert explained
    alerts = _plain(fast, "alerts").values()
    # The comparison covers what the light plans feed and every way an alert changes.
    assert any(r["resolved"] for r in alerts)
    assert any(not r["resolved"] for r in alerts)
    assert any(r["first_seen"] == DAYS[-1].isoformat() for r in alerts)
    assert any(r["nps"] is not None for r in _plain(fast, "health").values())


def test_light_plans_score_like_the_models(demo_ws: Workspace) -> None:
    """Onboarding plans and success plans read as light records: the same measures and the
    same touchpoints as their models, at several days."""
    config = demo_ws.settings.health
    onboarded = statuses = 0
    for record in demo_ws.store.scan(OnboardingPlan.table):
        account = demo_ws.store.peek(Account.table, record["account_id"])
        assert account is not None
        light_account = LightAccount.from_record(account)
        model, light = OnboardingPlan.from_record(record), LightOnboarding.from_record(record)
        for day in (TODAY - timedelta(days=60), TODAY, TODAY + timedelta(days=90)):
            inputs = demo_ws.light_health_inputs(account["id"])
            assert inputs is not None
            assert touchpoints(light_account, light, inputs.activities, day) == touchpoints(
                light_account, model, inputs.activities, day
            )
            assert [(i.offset_days, i.due, i.done, i.done_on) for i in light.items] == [
                (i.offset_days, i.due, i.done, i.done_on) for i in model.items
            ]
            onboarded += bool(model.items)
    for record in demo_ws.store.scan(SuccessPlan.table):
        account = demo_ws.store.peek(Account.table, record["account_id"])
        assert account is not None
        light_account = LightAccount.from_record(account)
        model_plan = SuccessPlan.from_record(record)
        light_plan = LightSuccessPlan.from_record(record)
        for day in (TODAY - timedelta(days=120), TODAY, TODAY + timedelta(days=200)):
            got = _outcomes(light_account, light_plan, day, config.on_track_ratio)
            assert got == _outcomes(light_account, model_plan, day, config.on_track_ratio)
            statuses += got[0] is not None
    assert onboarded
    assert statuses


# alerts on records ------------------------------------------------------------------------


def _model_rules(
    existing: Sequence[Alert], flags: Iterable[Flag], as_of: date, scope: Collection[str] | None
) -> list[Alert]:
    """The alert rules as they were written on models before the rescore read records."""

    def seen(flag: Flag) -> dict[str, Any]:
        message = None if flag.message is None else flag.message.to_json()
        return {"last_seen": as_of, "evidence": flag.evidence, "evidence_msg": message}

    by_id = {alert_id(f.account_id, f.rule): f for f in flags}
    out: list[Alert] = []
    done: set[str] = set()
    for alert in existing:
        if alert.id in done:
            continue
        done.add(alert.id)
        flag = by_id.get(alert.id)
        if flag is not None:
            latest = {**seen(flag), "since": flag.since}
            if alert.resolved:
                again = {"resolved": False, "resolved_on": None, "first_seen": as_of}
                alert = alert.model_copy(update={**latest, **again})
            elif any(getattr(alert, k) != v for k, v in latest.items()):
                alert = alert.model_copy(update=latest)
        elif not alert.resolved and (scope is None or alert.account_id in scope):
            alert = alert.model_copy(update={"resolved": True, "resolved_on": as_of})
        out.append(alert)
    for key, flag in by_id.items():
        if key not in done:
            latest = {**seen(flag), "since": flag.since}
            out.append(
                Alert(account_id=flag.account_id, rule=flag.rule, first_seen=as_of, **latest)
            )
    return out


DAY = date(2026, 6, 1)


def _expects(cadence: int) -> Msg:
    return msg("flag.no_touch.expects", tier="mid", tier_label=Msg("tier.mid"), cadence=cadence)


_accounts = st.sampled_from(["A", "B", "C"])
_rules = st.sampled_from(FLAG_RULES[:3])
_days = st.integers(min_value=0, max_value=3).map(lambda n: DAY - timedelta(days=n))
_messages = st.integers(min_value=1, max_value=3).map(
    lambda n: msg("flag.no_touch.never", expects=_expects(n))
)


@st.composite
def _stored_alert(draw: st.DrawFn) -> dict[str, Any]:
    message = draw(st.none() | _messages)
    first = draw(_days)
    record: dict[str, Any] = {
        "account_id": draw(_accounts),
        "rule": draw(_rules),
        "evidence": draw(st.sampled_from(["", " old words ", "x"]))
        if message is None
        else message.render("en"),
        "evidence_msg": None if message is None else message.to_json(),
        "since": draw(st.none() | _days.map(date.isoformat)),
        "first_seen": first.isoformat(),
        "last_seen": first.isoformat(),
        "resolved": draw(st.booleans()),
    }
    if draw(st.booleans()):
        record.update(snoozed_until="2026-07-01", snooze_reason=" later ", snoozed_by="kim")
    if record["resolved"]:
        record["resolved_on"] = first.isoformat()
    record["id"] = alert_id(record["account_id"], record["rule"])
    return record


@st.composite
def _flag(draw: st.DrawFn) -> Flag:
    message = draw(_messages)
    since = draw(st.none() | _days)
    return Flag(draw(_rules), draw(_accounts), None, since, message)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(_stored_alert(), max_size=8),
    st.lists(_flag(), max_size=8),
    st.none() | st.sets(_accounts),
)
def test_alert_records_follow_the_model_rules(
    stored: list[dict[str, Any]], flags: list[Flag], scope: set[str] | None
) -> None:
    models = [Alert.from_record(r) for r in stored]
    expected = [a.to_record() for a in _model_rules(models, flags, DAY, scope)]
    records = [alert_record(r) for r in stored]
    assert records == [a.to_record() for a in models]
    got = reconcile_alert_records(records, flags, DAY, scope)
    assert [dict(r) for r in got] == expected
    # Unchanged alerts come back as the same objects, in both forms.
    unchanged = [r for r, old in zip(got, records, strict=False) if r is old]
    assert all(r in records for r in unchanged)
    assert [a.to_record() for a in reconcile_alerts(models, flags, DAY, scope)] == expected


def test_an_unchanged_message_keeps_the_stored_english_and_a_new_one_is_worded() -> None:
    message = msg("flag.no_touch.never", expects=_expects(30))
    stored = {
        "id": "A:no-touch",
        "account_id": "A",
        "rule": "no-touch",
        "evidence": "as worded before",
        "evidence_msg": message.to_json(),
        "first_seen": "2026-05-01",
        "last_seen": "2026-05-31",
    }
    same = Flag("no-touch", "A", None, None, message)
    (kept,) = reconcile_alert_records([alert_record(stored)], [same], DAY)
    assert (kept["evidence"], kept["last_seen"]) == ("as worded before", DAY.isoformat())
    assert same._evidence is None  # never worded

    other = msg("flag.no_touch.never", expects=_expects(45))
    (changed,) = reconcile_alert_records(
        [alert_record(stored)], [Flag("no-touch", "A", None, None, other)], DAY
    )
    assert changed["evidence"] == other.render("en")
    assert "45" in changed["evidence"]
    assert changed["evidence_msg"] == other.to_json()


def test_a_flag_words_its_evidence_when_read() -> None:
    message = msg("flag.no_touch.never", expects=_expects(7))
    flag = Flag("no-touch", "A", None, None, message)
    assert flag.evidence == message.render("en") != ""
    assert flag.text("ja") == message.render("ja") != flag.evidence
    assert flag == Flag("no-touch", "A", message.render("en"), None, message)
    assert Flag("detractor", "A", "given", None).evidence == "given"


# the trend of a stored history -------------------------------------------------------------


@given(
    st.lists(st.tuples(st.integers(min_value=0, max_value=90), st.integers(0, 100)), max_size=30),
    st.integers(min_value=0, max_value=100),
    st.integers(min_value=1, max_value=40),
)
def test_stored_trend_is_the_trend_of_the_parsed_history(
    points: list[tuple[int, int]], at: int, days: int
) -> None:
    start = date(2026, 1, 1)
    history = [(start + timedelta(days=d), s) for d, s in points]
    stored = [[d.isoformat(), s] for d, s in history]
    as_of = start + timedelta(days=at)
    assert stored_trend(stored, as_of, days) == trend(history, as_of, days)
