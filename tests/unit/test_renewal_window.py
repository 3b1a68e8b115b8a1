"""The renewals screen's window of the book: light renewals made as the models are, and kept
by the workspace between builds, following every change after the first read."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

import pytest

from cstui import clock
from cstui.domain.enums import Forecast, Outcome, Stage, Table, Tier
from cstui.domain.light import LightAccount, LightRenewal
from cstui.domain.models import Account, Renewal
from cstui.domain.renewals import (
    MonthRow,
    book_renewals,
    by_due,
    implied_renewals,
    renewal_id,
    renewals_by_month,
    shown_between,
)
from cstui.workspace import Workspace, renewal_months

START, END = date(2026, 8, 1), date(2027, 11, 1)
"""The screen's window on the tests' day (2026-11-23): three months back, twelve on."""
MONTHS, OPEN_FROM = 15, date(2026, 11, 1)


def models_between(
    ws: Workspace, start: date, end: date, bands: Mapping[str, str]
) -> list[Renewal]:
    """The screen's window (``renewal_window``, light records) as models: what the tests
    compare with the book's renewals."""
    return [Renewal(**r._asdict()) for r in ws.renewal_window(start, end, bands)]


def expected(
    ws: Workspace, bands: Mapping[str, str], start: date = START, end: date = END
) -> list[Renewal]:
    """The window as the models give it: the book's renewals made from every account's
    model, kept when due in the window or open before it."""
    recorded = [r for r in ws.renewals() if not r.implied]
    every = book_renewals(
        ws.accounts(),
        recorded,
        make=Renewal,
        bands=bands,
        today=clock.today(),
        history=ws.account_history(),
    )
    return [r for r in every if shown_between(r, start, end)]


def bands_of(ws: Workspace) -> dict[str, str]:
    return {r.id: r.band for r in ws.portfolio()}


def sums(months: Sequence[MonthRow[Any]]) -> list[tuple[object, ...]]:
    """What a month row holds, its renewals by id (a light record is no model)."""
    return [(m.month, m.due_arr, m.forecast, m.actual, [r.id for r in m.renewals]) for m in months]


def check_calendar(ws: Workspace, bands: Mapping[str, str]) -> None:
    """The screen's calendar is the models' renewals and months."""
    calendar = ws.renewal_calendar(START, MONTHS, OPEN_FROM, bands)
    want = expected(ws, bands)
    assert [Renewal(**r._asdict()) for r in calendar.renewals] == want
    assert sums(calendar.months) == sums(renewals_by_month(want, START, MONTHS, OPEN_FROM))


def test_a_light_renewal_holds_what_the_model_reads_from_a_record(demo_ws: Workspace) -> None:
    records = list(demo_ws.store.scan(Table.RENEWALS))
    assert any(r.get("outcome") for r in records)
    for record in records:
        assert LightRenewal.from_record(record)._asdict() == (
            Renewal.from_record(record).model_dump()
        )


def test_implied_renewals_made_light_are_the_models(demo_ws: Workspace) -> None:
    accounts = demo_ws.accounts()
    recorded = [r for r in demo_ws.renewals() if not r.implied]
    light = [LightRenewal.from_record(r.to_record()) for r in recorded]
    bands = bands_of(demo_ws)
    models = implied_renewals(accounts, recorded, bands=bands, today=clock.today())
    made = implied_renewals(accounts, light, bands=bands, today=clock.today(), make=LightRenewal)
    assert models
    assert [r._asdict() for r in made] == [r.model_dump() for r in models]


def test_the_window_is_due_in_it_or_open_before_it() -> None:
    def renewal(due: date, outcome: Outcome | None = None) -> LightRenewal:
        return LightRenewal("a:x", "a", due, outcome=outcome)

    assert shown_between(renewal(date(2026, 8, 1)), START, END)
    assert not shown_between(renewal(date(2027, 11, 1)), START, END)
    assert shown_between(renewal(date(2026, 2, 1)), START, END)  # open: overdue
    assert not shown_between(renewal(date(2026, 2, 1), Outcome.RENEWED), START, END)


def test_renewals_are_listed_by_due_date_then_account() -> None:
    day = date(2026, 9, 1)
    rs = [LightRenewal("b", "b", day), LightRenewal("a", "a", day.replace(day=2))]
    rs.append(LightRenewal("a0", "a", day))
    assert [r.id for r in sorted(rs, key=by_due)] == ["a0", "b", "a"]


@pytest.fixture(params=["each account", "sorted in", "all made again", "tables read again"])
def how(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The ways the window follows changes: each changed account's renewals made again and
    put in their places (or sorted in, when many), every renewal made again (many accounts
    changed), the tables read again (very many records changed). Returns the number of
    accounts each making of renewals was given."""
    if request.param in ("each account", "sorted in"):
        monkeypatch.setattr(renewal_months, "ALL_AGAIN_AFTER", 1.0)
    if request.param == "sorted in":
        monkeypatch.setattr(renewal_months, "INSERT_AT_MOST", 0)
    if request.param == "all made again":
        monkeypatch.setattr(renewal_months, "ALL_AGAIN_AFTER", 0.0)
    if request.param == "tables read again":
        monkeypatch.setattr(renewal_months, "READ_AGAIN_AFTER", 0)
    given: list[int] = []
    make = book_renewals

    def counted(accounts: Iterable[Any], *args: Any, **kwargs: Any) -> list[LightRenewal]:
        listed = list(accounts)
        given.append(len(listed))
        return make(listed, *args, **kwargs)

    monkeypatch.setattr(renewal_months, "book_renewals", counted)
    return given


def test_the_window_follows_the_edits_made_after_it_was_read(
    demo_ws: Workspace, how: list[int]
) -> None:
    ws = demo_ws
    bands = bands_of(ws)
    check_calendar(ws, bands)
    assert how == [len(bands)]  # the first read makes every account's
    live = [a for a in ws.accounts() if a.stage is not Stage.CHURNED and a.renewal_date]
    older = [a for a in live if a.contract_start and a.contract_start < date(2026, 1, 1)]
    first, late, far, sure, lost = older[:5]
    ws.update_account(first.id, {"arr": first.arr + 1_000})  # an ARR change (history)
    ws.update_account(late.id, {"renewal_date": date(2026, 6, 30)})  # now overdue
    ws.update_account(far.id, {"renewal_date": date(2029, 1, 1)})  # out of the window
    ws.set_forecast(sure.id, "commit")  # its next renewal recorded
    ws.record_renewal_outcome(lost.id, outcome="churned", churn_reason="budget")
    opened = ws.create_account(
        {
            "name": "新規株式会社",
            "tier": "mid",
            "stage": "onboarding",
            "arr": 1_200_000,
            "contract_start": date(2025, 12, 1),
            "renewal_date": date(2026, 12, 1),
        }
    )
    ids = sorted(bands)
    bands = {**bands, ids[5]: "red", ids[6]: "green" if bands[ids[6]] == "red" else "red"}
    check_calendar(ws, bands)
    got = models_between(ws, START, END, bands)
    assert got == expected(ws, bands)
    assert any(r.account_id == opened.id for r in got)
    one_by_one = all(n <= 1 for n in how[1:])
    assert one_by_one == (renewal_months.ALL_AGAIN_AFTER == 1.0)

    ws.undo()  # the new account goes again
    assert not any(r.account_id == opened.id for r in ws.renewal_window(START, END, bands))
    check_calendar(ws, bands)


def test_the_window_follows_another_process(demo_ws: Workspace) -> None:
    ws = demo_ws
    bands = bands_of(ws)
    before = models_between(ws, START, END, bands)
    live = [a for a in ws.accounts() if a.stage is not Stage.CHURNED and a.renewal_date]
    sure, gone = live[:2]
    assert sure.renewal_date is not None
    other = Workspace.open(ws.store.data_dir, user="you")
    try:
        other.set_forecast(sure.id, "at_risk")
        other.update_account(gone.id, {"stage": "churned"})
    finally:
        other.close()
    ws.poll()
    got = models_between(ws, START, END, bands)
    assert got != before
    assert got == expected(ws, bands)
    shown = {r.id: r for r in got}
    assert shown[renewal_id(sure.id, sure.renewal_date)].forecast is Forecast.AT_RISK


def test_the_window_moves_with_the_day_and_the_months(demo_ws: Workspace) -> None:
    ws = demo_ws
    bands = bands_of(ws)
    ws.renewal_window(START, END, bands)
    clock.freeze(date(2027, 2, 10))
    start, end = date(2026, 11, 1), date(2028, 2, 1)
    assert models_between(ws, start, end, bands) == expected(ws, bands, start, end)


def test_a_renewal_of_no_account_is_listed_as_the_models_list_it(empty_ws: Workspace) -> None:
    """A renewal whose account is gone (a teammate deleted it) stays in the book's list."""
    ws = empty_ws
    ws.store.put(
        Table.RENEWALS,
        "gone:2026-12-01",
        Renewal(id="gone:2026-12-01", account_id="gone", due=date(2026, 12, 1)).to_record(),
    )
    assert [r.id for r in ws.renewal_window(START, END, {})] == ["gone:2026-12-01"]


def test_light_accounts_make_the_same_renewals_as_account_models() -> None:
    """The window makes its renewals from light accounts; the KPIs from the models."""
    record = Account(
        id="a",
        name="A",
        tier=Tier.HIGH,
        stage=Stage.ADOPTION,
        arr=100,
        contract_start=date(2024, 3, 1),
        renewal_date=date(2027, 3, 1),
    ).to_record()
    light, model = LightAccount.from_record(record), Account.from_record(record)
    made = [
        implied_renewals([a], [], today=date(2026, 11, 23), make=LightRenewal)
        for a in (light, model)
    ]
    assert made[0] == made[1]
    assert [r.due for r in made[0]] == [date(2027, 3, 1), date(2026, 3, 1), date(2025, 3, 1)]
