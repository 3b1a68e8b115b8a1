"""Every validation rule answers with a sentence a CSM can act on."""

from __future__ import annotations

from typing import Any

import pytest

from cstui.domain.models import (
    KPI,
    QBR,
    Account,
    Activity,
    Contact,
    FeatureRequest,
    InvalidRecord,
    OnboardingPlan,
    Record,
    SurveyResponse,
    Task,
    UsageHistory,
    validate,
)


def messages(model: type[Record], data: dict[str, Any]) -> list[str]:
    with pytest.raises(InvalidRecord) as info:
        validate(model, data)
    return info.value.messages


def test_valid_account_round_trips_through_a_record() -> None:
    acc = validate(
        Account,
        {"id": "a1", "name": "株式会社みらい物流", "arr": "1200000", "renewal_date": "2027-04-01"},
    )
    again = Account.from_record(acc.to_record())
    assert again == acc
    assert acc.to_record()["renewal_date"] == "2027-04-01"
    assert acc.arr == 1_200_000


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"name": ""}, "Name cannot be empty."),
        ({"name": "   "}, "Name cannot be empty."),
        ({"name": "A", "arr": -5}, "ARR cannot be negative."),
        ({"name": "A", "seats": -1}, "Seats cannot be negative."),
        ({"name": "A", "arr": "lots"}, "ARR 'lots' is not a whole number."),
        (
            {"name": "A", "renewal_date": "2026-13-01"},
            "Renewal date '2026-13-01' is not a date (use YYYY-MM-DD).",
        ),
        (
            {"name": "A", "contract_start": "2026-05-01", "renewal_date": "2026-04-30"},
            "Renewal date 2026-04-30 is before the contract start 2026-05-01.",
        ),
        ({"name": "A", "tier": "gold"}, "Touch tier 'gold' is not one of high, mid, tech."),
        (
            {"name": "A", "currency": "y3n"},
            "'Y3N' is not a three-letter currency code such as JPY or USD.",
        ),
        (
            {"name": "A", "domain": "not a domain"},
            "'not a domain' is not a domain name like example.com.",
        ),
        ({}, "Name is required."),
    ],
)
def test_account_rules(data: dict[str, Any], expected: str) -> None:
    assert expected in messages(Account, data)


def test_several_problems_are_all_reported() -> None:
    assert messages(Account, {"name": "", "arr": -1}) == [
        "Name cannot be empty.",
        "ARR cannot be negative.",
    ]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            {"account_id": "a", "date": "2026-01-01", "score": 11},
            "An NPS score must be between 0 and 10, not 11.",
        ),
        (
            {"account_id": "a", "date": "2026-01-01", "score": -1},
            "An NPS score must be between 0 and 10, not -1.",
        ),
        (
            {"account_id": "a", "kind": "csat", "date": "2026-01-01", "score": 6},
            "A CSAT score must be between 1 and 5, not 6.",
        ),
        (
            {"account_id": "a", "date": "yesterday", "score": 5},
            "Date 'yesterday' is not a date (use YYYY-MM-DD).",
        ),
    ],
)
def test_survey_rules(data: dict[str, Any], expected: str) -> None:
    assert expected in messages(SurveyResponse, data)


def test_survey_edges_are_valid() -> None:
    for score in (0, 10):
        validate(SurveyResponse, {"account_id": "a", "date": "2026-01-01", "score": score})
    for score in (1, 5):
        validate(
            SurveyResponse,
            {"account_id": "a", "kind": "csat", "date": "2026-01-01", "score": score},
        )


def test_other_entities() -> None:
    assert "Name cannot be empty." in messages(Contact, {"account_id": "a", "name": ""})
    assert "'bob' is not an email address." in messages(
        Contact, {"account_id": "a", "name": "Bob", "email": "bob"}
    )
    assert "Summary cannot be empty." in messages(
        Activity, {"account_id": "a", "date": "2026-01-01", "summary": " "}
    )
    assert "Title cannot be empty." in messages(Task, {"title": ""})
    assert "Title cannot be empty." in messages(FeatureRequest, {"title": ""})
    assert "'2026Q5' is not a quarter like 2026Q3." in messages(
        QBR, {"account_id": "a", "period": "2026Q5"}
    )
    assert "Satisfaction must be between 0 and 10, not 11." in messages(
        OnboardingPlan, {"account_id": "a", "start": "2026-01-01", "satisfaction": 11}
    )
    assert any(
        "exceeds the 10 key features" in m
        for m in messages(
            UsageHistory,
            {"account_id": "a", "snapshots": [{"date": "2026-01-01", "features_used": 11}]},
        )
    )
    assert any(
        "Logins cannot be negative." in m
        for m in messages(
            UsageHistory, {"account_id": "a", "snapshots": [{"date": "2026-01-01", "logins": -1}]}
        )
    )


def test_kpi_target_must_differ_and_current_is_latest() -> None:
    with pytest.raises(ValueError, match="target must differ from the baseline"):
        KPI(name="Hours per close", baseline=10, target=10)
    kpi = KPI.model_validate(
        {
            "name": "Leads",
            "baseline": 10,
            "target": 20,
            "history": [{"date": "2026-03-01", "value": 15}, {"date": "2026-01-01", "value": 12}],
        }
    )
    assert kpi.current == 15


def test_usage_snapshots_are_kept_in_date_order() -> None:
    hist = UsageHistory.model_validate(
        {
            "account_id": "a",
            "snapshots": [{"date": "2026-02-01"}, {"date": "2026-01-01"}],
        }
    )
    assert [s.date.isoformat() for s in hist.snapshots] == ["2026-01-01", "2026-02-01"]


def test_unknown_and_meta_fields_are_ignored() -> None:
    acc = Account.from_record({"id": "x", "name": "A", "_rev": 3, "_sync": {}, "future": 1})
    assert "_rev" not in acc.to_record()
