"""Renewals, periods and the KPI report: hand-computed books, empty periods, currencies."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from cstui.domain.enums import Forecast, Outcome, Stage, SurveyKind
from cstui.domain.models import (
    Account,
    InvalidRecord,
    OnboardingItem,
    OnboardingPlan,
    Renewal,
    SurveyResponse,
)
from cstui.domain.renewals import (
    BandRow,
    KPIConfig,
    Period,
    compute_kpis,
    default_kpi_config,
    implied_renewals,
    parse_kpi_config,
    renewals_by_month,
)
from cstui.workspace import Workspace

Q3 = Period.parse("2026Q3")


def acc(id: str, arr: int, start: date, **kw: Any) -> Account:
    return Account(id=id, name=id.upper(), arr=arr, contract_start=start, **kw)


def ren(
    account: str, due: date, outcome: Outcome | None, new_arr: int | None, **kw: Any
) -> Renewal:
    return Renewal(
        id=f"{account}:{due}",
        account_id=account,
        due=due,
        arr_due=kw.pop("arr_due", 1000),
        outcome=outcome,
        new_arr=new_arr,
        closed_on=kw.pop("closed_on", due if outcome else None),
        **kw,
    )


def survey(
    account: str, day: date, score: int, kind: SurveyKind = SurveyKind.NPS
) -> SurveyResponse:
    return SurveyResponse(
        id=f"{account}{day}{score}", account_id=account, date=day, score=score, kind=kind
    )


OLD = date(2025, 1, 1)
ACCOUNTS = [
    acc("a", 1000, OLD),
    acc("b", 1000, OLD, stage=Stage.CHURNED),
    acc("c", 1500, OLD),
    acc("d", 800, OLD),
    acc("n", 5000, date(2026, 8, 1)),  # new mid-period: not in the "at start" denominator
]
RENEWALS = [
    ren("a", date(2026, 8, 1), Outcome.RENEWED, 1000),
    ren("b", date(2026, 8, 15), Outcome.CHURNED, 0, churn_reason="budget"),
    ren("c", date(2026, 9, 1), Outcome.EXPANDED, 1500),
    ren("d", date(2026, 7, 10), Outcome.DOWNGRADED, 800),
    ren("a", date(2027, 8, 1), None, None),  # next year's, open
]
SURVEYS = [
    survey("a", date(2026, 7, 5), 10),
    survey("c", date(2026, 8, 5), 9),
    survey("d", date(2026, 9, 5), 5),
    survey("d", date(2026, 4, 5), 0),  # Q2: not counted
    survey("a", date(2026, 7, 6), 5, SurveyKind.CSAT),
    survey("c", date(2026, 7, 6), 3, SurveyKind.CSAT),
]
PLANS = [
    OnboardingPlan(
        id="p",
        account_id="n",
        start=date(2026, 8, 1),
        items=[
            OnboardingItem(
                id="kick",
                phase="p",
                title="Kickoff",
                offset_days=0,
                done=True,
                done_on=date(2026, 8, 1),
            ),
            OnboardingItem(
                id="value",
                phase="p",
                title="First campaign",
                offset_days=30,
                first_value=True,
                done=True,
                done_on=date(2026, 8, 21),
            ),
            OnboardingItem(id="train", phase="p", title="Training", offset_days=40),
        ],
    )
]
BANDS = [
    BandRow("a", "green"),
    BandRow("b", "red"),
    BandRow("c", "yellow"),
    BandRow("d", "red"),
    BandRow("n", "green"),
]


def report(period: Period = Q3, **kw: Any) -> Any:
    return compute_kpis(ACCOUNTS, RENEWALS, SURVEYS, PLANS, BANDS, period, **kw)


def test_period_parsing() -> None:
    assert (Q3.start, Q3.end) == (date(2026, 7, 1), date(2026, 9, 30))
    month = Period.parse("2026-02")
    assert (month.start, month.end, month.label) == (date(2026, 2, 1), date(2026, 2, 28), "2026-02")
    year = Period.parse("2026")
    assert (year.start, year.end) == (date(2026, 1, 1), date(2026, 12, 31))
    assert [p.label for p in Q3.last(3)] == ["2026Q1", "2026Q2", "2026Q3"]
    assert Period.parse("2026Q1").shift(-1).label == "2025Q4"
    for bad in ("2026Q5", "2026-13", "Q3", ""):
        with pytest.raises(ValueError, match="is not a period"):
            Period.parse(bad)


def test_hand_computed_book() -> None:
    r = report()
    assert r.accounts_at_start == ["a", "b", "c", "d"]
    assert r.new_accounts == ["n"]
    assert r["logo_churn"].value == 25.0  # 1 of 4: the new account is not in the denominator
    assert r["logo_churn"].accounts == ["b"]
    assert "1 new" in r["logo_churn"].note
    # start ARR 4,000; churned 1,000; contraction 200; expansion 500
    assert r["grr"].value == 70.0
    assert r["nrr"].value == 82.5
    assert r["revenue_churn"].value == 30.0
    assert r["expansion_arr"].value == 500
    assert r["renewal_rate"].value == 75.0
    assert r["upsell_rate"].value == 25.0
    assert r["upsell_rate"].accounts == ["c"]
    nps = r["nps"]
    assert nps.value == pytest.approx(100 / 3)
    assert nps.parts == {"promoters": 2, "passives": 0, "detractors": 1, "responses": 3}
    assert nps.accounts[0] == "d"  # detractors first
    assert r["csat"].value == 50.0
    assert "share of 4–5" in r["csat"].note
    # LTV over accounts active at the end: (1000 + 1500 + 800 + 5000) / 4 / 12 × 12 × 5
    assert r["ltv"].value == pytest.approx(8300 / 4 * 5)
    assert r["ttv"].value == 20
    assert r["ttv"].accounts == ["n"]
    assert r["onboarding_completion"].value == 0.0  # the training step is not done
    health = r["health"]
    assert health.value == 50.0  # 2 green of 4: churned b is left out
    assert health.parts["red"] == 1
    assert health.parts["green"] == 2
    assert r.currency == "JPY"


def test_empty_book_and_empty_period_are_no_data() -> None:
    empty = compute_kpis([], [], [], [], [], Q3)
    assert empty.values
    assert all(v.value is None for v in empty.values)
    quiet = report(Period.parse("2024Q1"))
    assert quiet["nps"].value is None
    assert quiet["csat"].value is None
    assert quiet["renewal_rate"].value is None  # nothing due
    assert quiet["ttv"].value is None


def test_slices() -> None:
    accounts = [
        acc("x", 100, OLD, owner="me", tier="high"),
        acc("y", 100, OLD, owner="kim", tier="tech"),
    ]

    def at_start(s: str) -> list[str]:
        return compute_kpis(accounts, [], [], [], [], Q3, s, user="me").accounts_at_start

    assert at_start("all") == ["x", "y"]
    assert at_start("mine") == ["x"]
    assert at_start("tier:tech") == ["y"]
    assert at_start("owner:kim") == ["y"]
    with pytest.raises(ValueError, match="is not a slice"):
        at_start("tier:gold")


def test_currency_mixing_refused_without_a_rate_converted_with_one() -> None:
    accounts = [acc("j", 15_000, OLD), acc("u", 100, OLD, currency="USD")]
    churn = [ren("u", date(2026, 8, 1), Outcome.CHURNED, 0, arr_due=100, currency="USD")]
    no_rates = KPIConfig(churn_reasons=("budget",), report_currency="JPY")
    r = compute_kpis(accounts, churn, [], [], [], Q3, config=no_rates)
    assert r["grr"].value is None
    assert "No exchange rate from USD to JPY" in r["grr"].note
    assert r["logo_churn"].value == 50.0  # counts need no currency
    rates = KPIConfig(churn_reasons=("budget",), report_currency="JPY", rates={"USD": 150})
    r = compute_kpis(accounts, churn, [], [], [], Q3, config=rates)
    assert r["grr"].value == 50.0  # 15,000 JPY kept of 30,000
    assert "converted at USD = 150" in r["grr"].note


def test_renewals_by_month() -> None:
    rows = renewals_by_month(RENEWALS, date(2026, 7, 15), 3)
    assert [r.label for r in rows] == ["2026-07", "2026-08", "2026-09"]
    aug = rows[1]
    assert aug.due_arr == {"JPY": 2000}
    assert aug.actual[Outcome.RENEWED] == {"JPY": 1000}
    assert aug.actual[Outcome.CHURNED] == {"JPY": 1000}
    assert aug.forecast[Forecast.LIKELY] == {"JPY": 2000}
    assert rows[0].actual[Outcome.DOWNGRADED] == {"JPY": 800}


def test_implied_renewals() -> None:
    a = acc("a", 1000, date(2024, 3, 1), renewal_date=date(2027, 3, 1))
    gone = acc("g", 500, date(2025, 1, 1), renewal_date=date(2026, 1, 1), stage=Stage.CHURNED)
    out = implied_renewals([a, gone], [], bands={"a": "red"}, today=date(2026, 11, 23))
    by = {(r.account_id, r.due): r for r in out}
    assert by["a", date(2027, 3, 1)].outcome is None
    assert by["a", date(2027, 3, 1)].forecast is Forecast.AT_RISK
    assert by["a", date(2026, 3, 1)].outcome is Outcome.RENEWED
    assert by["a", date(2025, 3, 1)].outcome is Outcome.RENEWED
    assert by["g", date(2026, 1, 1)].outcome is Outcome.CHURNED
    assert all(r.implied for r in out)


def test_logo_churn_of_consecutive_periods() -> None:
    reports = [report(p) for p in Q3.last(2)]
    churn = [(r.period.label, r["logo_churn"].value) for r in reports]
    assert churn == [("2026Q2", 0.0), ("2026Q3", 25.0)]


def test_config_parse_and_errors() -> None:
    cfg = default_kpi_config()
    assert "budget" in cfg.churn_reasons
    assert cfg.ltv_years == 5
    changed = parse_kpi_config("ltv_years = 3\n[tiers.EUR]\nhigh = 50\nmid = 10\n", "x", cfg)
    assert changed.ltv_years == 3
    assert changed.tiers["EUR"] == (50, 10)
    assert changed.tiers["JPY"] == cfg.tiers["JPY"]
    with pytest.raises(ValueError, match="csat_method"):
        parse_kpi_config('csat_method = "median"', "x", cfg)


# --- through the workspace -----------------------------------------------------------------


def book(ws: Workspace) -> tuple[str, str]:
    a = ws.create_account(
        {
            "name": "Alpha",
            "arr": 1_000_000,
            "contract_start": date(2024, 11, 30),
            "renewal_date": date(2026, 11, 30),
            "stage": "renewal",
        }
    )
    b = ws.create_account(
        {
            "name": "Beta",
            "arr": 1_000_000,
            "contract_start": date(2024, 12, 10),
            "renewal_date": date(2026, 12, 10),
        }
    )
    return a.id, b.id


def test_renewal_outcome_changes_grr_and_nrr(empty_ws: Workspace) -> None:
    a, b = book(empty_ws)
    before = empty_ws.kpi_report("2026Q4")
    assert before["grr"].value == 100.0
    assert before["nrr"].value == 100.0
    assert before["renewal_rate"].value is None  # both still open
    empty_ws.record_renewal_outcome(a, outcome="expanded", new_arr=1_200_000)
    after = empty_ws.kpi_report("2026Q4")
    assert after["grr"].value == 100.0
    assert after["nrr"].value == 110.0  # +200,000 on 2,000,000
    assert after["expansion_arr"].value == 200_000
    account = empty_ws.account(a)
    assert account is not None
    assert account.arr == 1_200_000
    assert account.renewal_date == date(2027, 11, 30)  # moved on by a year
    assert account.stage is Stage.ADOPTION
    empty_ws.record_renewal_outcome(b, outcome="churned", churn_reason="competitor")
    churned = empty_ws.kpi_report("2026Q4")
    assert churned["grr"].value == 50.0
    assert churned["nrr"].value == 60.0
    assert churned["logo_churn"].value == 50.0
    assert churned["renewal_rate"].value == 50.0
    gone = empty_ws.account(b)
    assert gone is not None
    assert gone.stage is Stage.CHURNED


def test_churn_needs_a_configured_reason(empty_ws: Workspace) -> None:
    a, _ = book(empty_ws)
    with pytest.raises(InvalidRecord) as err:
        empty_ws.record_renewal_outcome(a, outcome="churned", churn_reason="aliens")
    assert "churn_reason" in err.value.fields
    assert "not a churn reason" in err.value.messages[0]
    with pytest.raises(InvalidRecord) as err:
        empty_ws.record_renewal_outcome(a, outcome="expanded", new_arr=10)
    assert "new_arr" in err.value.fields
    with pytest.raises(InvalidRecord, match="not an outcome"):
        empty_ws.record_renewal_outcome(a, outcome="maybe")
    renewals = empty_ws.renewals(a)
    assert renewals
    assert all(r.implied for r in renewals)


def test_forecast_and_renewals_list(empty_ws: Workspace) -> None:
    a, _ = book(empty_ws)
    current = [r for r in empty_ws.renewals(a) if r.due == date(2026, 11, 30)]
    assert current
    assert current[0].implied
    assert current[0].outcome is None
    saved = empty_ws.set_forecast(a, "commit")
    assert saved.forecast is Forecast.COMMIT
    assert not saved.implied
    assert [r for r in empty_ws.renewals(a) if r.due == date(2026, 11, 30)] == [saved]
    with pytest.raises(InvalidRecord, match="not a forecast"):
        empty_ws.set_forecast(a, "hopeful")
    rows = empty_ws.renewals_by_month(date(2026, 11, 1), 2)
    assert rows[0].forecast[Forecast.COMMIT] == {"JPY": 1_000_000}
    assert rows[1].due_arr == {"JPY": 1_000_000}


def test_kpi_errors_and_trend(empty_ws: Workspace) -> None:
    book(empty_ws)
    with pytest.raises(InvalidRecord, match="is not a period"):
        empty_ws.kpi_report("Q3")
    with pytest.raises(InvalidRecord, match="is not a slice"):
        empty_ws.kpi_report("2026Q3", "team:x")
    reports = empty_ws.kpi_trend("2026Q4", n=4)
    assert [r.period.label for r in reports] == ["2026Q1", "2026Q2", "2026Q3", "2026Q4"]


def test_the_kpi_book_gives_the_trend_of_kpi_trend_and_fills_no_model_cache(
    demo_ws: Workspace,
) -> None:
    """The KPI screen's path (a book read once, on a worker thread) and the workspace's
    ``kpi_trend`` are the same reports; the book leaves the model caches as they were."""
    demo_ws.refresh_health()
    demo_ws._models.clear()
    book = demo_ws.kpi_book()
    assert book is not None
    assert not any(demo_ws._models.values())
    assert demo_ws.kpi_book(lambda: True) is None  # a cancelled read stops
    periods = Period.parse("2026Q3").last(6)
    for slice in ("all", "mine", "tier:high"):
        got = book.reports(periods, slice)
        assert got is not None
        want = demo_ws.kpi_trend("2026Q3", 6, slice)
        assert [[(v.key, v.value, v.accounts) for v in r.values] for r in got] == [
            [(v.key, v.value, v.accounts) for v in r.values] for r in want
        ]
    assert book.tier_suggestions() == demo_ws.tier_suggestions()
    asked: list[int] = []

    def cancelled() -> bool:
        asked.append(1)
        return len(asked) > 2

    assert book.reports(periods, "all", cancelled) is None
    assert len(asked) == 3  # stopped before the third period


def test_the_kpi_books_light_records_give_the_models_reports(demo_ws: Workspace) -> None:
    """The KPI book reads accounts, renewals, onboarding plans and survey answers as light
    records (a model each cost the screen 3.2 s at 50,000 accounts): every report, its
    accounts and its notes are what the same formula gives on the models."""
    from cstui.domain.models import OnboardingPlan, SurveyResponse
    from cstui.workspace.renewals import bands_at

    demo_ws.refresh_health()
    book = demo_ws.kpi_book()
    assert book is not None
    accounts = demo_ws.accounts()
    plans = demo_ws._all(OnboardingPlan)
    surveys = demo_ws._all(SurveyResponse)
    assert len(book.surveys) == len(surveys)
    renewals = demo_ws.renewals()
    assert [r.id for r in book.renewals] == [r.id for r in renewals]
    assert len(book.accounts) == len(accounts)
    assert len(book.plans) == len(plans)
    assert any(p.items and any(i.first_value and i.done for i in p.items) for p in plans)
    for period in Period.parse("2026Q4").last(4):
        for slice in ("all", "mine", "tier:mid"):
            got = book.reports([period], slice)
            assert got is not None
            rows = bands_at(
                book.summaries,
                lambda: book.bands,
                period.end,
                book.today,
                book.health,
                book.archived,
            )
            want = compute_kpis(
                accounts,
                renewals,
                surveys,
                plans,
                rows,
                period,
                slice,
                user=book.user,
                config=book.config,
                as_of=book.today,
                detractor_max=book.health.flags.detractor_max_score,
                history=book.history,
            )
            assert got[0].to_json() == want.to_json()
            assert [v.accounts for v in got[0].values] == [v.accounts for v in want.values]
