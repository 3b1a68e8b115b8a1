"""The executive-touchpoint cadence: dates, windows, done / due / missed, and its alert."""

from __future__ import annotations

from datetime import date
from typing import Any

from cstui.domain.alerts import compute_flags
from cstui.domain.cadence import Touchpoint, account_lang, next_touchpoint, touchpoints
from cstui.domain.health import HealthInputs, compute_health
from cstui.domain.health_config import default_health_config
from cstui.domain.models import Account, Activity, OnboardingItem, OnboardingPlan

AS_OF = date(2026, 11, 23)


def acc(**data: Any) -> Account:
    return Account.model_validate({"id": "a1", "name": "Acme", "tier": "high", **data})


def report(day: date, kind: str = "exec_report", n: int = 1) -> Activity:
    return Activity(id=f"act{n}", account_id="a1", kind=kind, date=day, summary="report")


def table(points: list[Touchpoint]) -> list[tuple[str, date, str]]:
    return [(p.kind.value, p.due, p.status) for p in points]


def test_dates_of_a_one_year_contract() -> None:
    account = acc(contract_start=date(2026, 1, 5), renewal_date=date(2027, 1, 5))
    assert table(touchpoints(account, None, [], AS_OF)) == [
        ("kickoff", date(2026, 1, 5), "missed"),
        ("onboarding-end", date(2026, 4, 5), "missed"),
        ("midpoint", date(2026, 7, 6), "missed"),
        ("pre-renewal", date(2026, 10, 7), "due"),  # stays due until the renewal
    ]
    points = touchpoints(account, None, [], date(2026, 1, 1))
    assert [p.status for p in points] == ["due", "upcoming", "upcoming", "upcoming"]
    assert "which business problem" in points[0].agenda_en
    assert "ROI" in points[2].agenda("en")
    assert "後半" in points[2].agenda("ja")
    assert next_touchpoint(points) == points[0]


def test_a_renewal_already_under_90_days_away_makes_pre_renewal_due_now() -> None:
    account = acc(contract_start=date(2025, 12, 20), renewal_date=date(2026, 12, 20))
    pre = touchpoints(account, None, [], AS_OF)[-1]
    assert (pre.kind.value, pre.due, pre.status) == ("pre-renewal", date(2026, 9, 21), "due")
    # A contract shorter than 90 days: pre-renewal is due from the contract start.
    short = acc(contract_start=date(2026, 11, 1), renewal_date=date(2027, 1, 15))
    assert table(touchpoints(short, None, [], AS_OF)) == [
        ("kickoff", date(2026, 11, 1), "missed"),
        ("pre-renewal", date(2026, 11, 1), "due"),
        ("midpoint", date(2026, 12, 8), "due"),
    ]  # end of onboarding (day 90) falls after the renewal: left out
    # After the renewal date passes without a report, it is missed.
    assert touchpoints(account, None, [], date(2026, 12, 21))[-1].status == "missed"


def test_an_executive_report_or_qbr_in_the_window_marks_it_done() -> None:
    account = acc(contract_start=date(2026, 1, 5), renewal_date=date(2027, 1, 5))
    activities = [
        report(date(2026, 1, 20), "qbr", 1),  # kickoff (window from Dec 6 to Feb 19)
        report(date(2026, 8, 10), "exec_report", 2),  # midpoint, 35 days late: still counts
        report(date(2026, 10, 1), "call", 3),  # a call is not a report
        report(date(2026, 11, 30), "exec_report", 4),  # after as_of: not yet
    ]
    points = touchpoints(account, None, activities, AS_OF)
    assert table(points)[0][2] == "done"
    assert points[0].done_on == date(2026, 1, 20)
    assert points[0].activity_id == "act1"
    assert [p.status for p in points] == ["done", "missed", "done", "due"]
    later = touchpoints(account, None, activities, date(2026, 12, 1))
    assert later[-1].status == "done"
    assert later[-1].done_on == date(2026, 11, 30)


def test_one_report_completes_one_touchpoint_only() -> None:
    short = acc(contract_start=date(2026, 11, 1), renewal_date=date(2027, 1, 15))
    points = touchpoints(short, None, [report(date(2026, 11, 20))], AS_OF)
    assert [p.status for p in points] == ["done", "due", "due"]


def test_renewed_accounts_use_the_current_term() -> None:
    account = acc(contract_start=date(2022, 3, 1), renewal_date=date(2027, 3, 1))
    assert table(touchpoints(account, None, [], AS_OF)) == [
        ("midpoint", date(2026, 8, 30), "missed"),
        ("pre-renewal", date(2026, 12, 1), "due"),
    ]


def test_without_contract_dates_only_what_can_be_computed() -> None:
    plan = OnboardingPlan(
        account_id="a1",
        start=date(2026, 10, 1),
        items=[OnboardingItem(id="x", phase="p", title="t", due=date(2026, 12, 30))],
    )
    assert table(touchpoints(acc(), plan, [], AS_OF)) == [
        ("kickoff", date(2026, 10, 1), "missed"),
        ("onboarding-end", date(2026, 12, 30), "upcoming"),  # the plan's last item
    ]
    assert touchpoints(acc(), None, [], AS_OF) == []
    only_renewal = acc(renewal_date=date(2027, 6, 1))
    assert table(touchpoints(only_renewal, None, [], AS_OF)) == [
        ("midpoint", date(2026, 11, 30), "due"),
        ("pre-renewal", date(2027, 3, 3), "upcoming"),
    ]


def test_a_recently_missed_touchpoint_raises_a_flag_for_high_and_mid_touch() -> None:
    config = default_health_config()
    start, renewal = date(2026, 3, 5), date(2027, 3, 5)
    for tier, expected in (("high", True), ("mid", True), ("tech", False)):
        account = acc(tier=tier, contract_start=start, renewal_date=renewal, stage="adoption")
        inputs = HealthInputs(account=account)
        flags = compute_flags(inputs, compute_health(inputs, config, AS_OF), config, AS_OF)
        missed = [f for f in flags if f.rule == "touchpoint-missed"]
        assert bool(missed) is expected, tier
        if missed:  # kickoff and end of onboarding are older than the 120-day window
            assert missed[0].evidence == (
                "Contract midpoint review with the executive was due on 2026-09-03; "
                "no executive report or QBR was logged for it."
            )
            assert missed[0].since == date(2026, 9, 18)
            assert config.flag_label("touchpoint-missed", "ja") == "決裁者との接点の未実施"


def test_account_language() -> None:
    assert account_lang(acc(currency="USD")) == "en"
    assert account_lang(acc(currency="JPY")) == "ja"
    assert account_lang(acc(name="株式会社テスト", currency="USD")) == "ja"
