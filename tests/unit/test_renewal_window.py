"""The renewals screen's window of the book: light renewals made as the models are."""

from __future__ import annotations

from datetime import date

from cstui import clock
from cstui.domain.enums import Outcome, Stage, Table, Tier
from cstui.domain.light import LightAccount, LightRenewal
from cstui.domain.models import Account, Renewal
from cstui.domain.renewals import by_due, implied_renewals, shown_between
from cstui.workspace import Workspace

START, END = date(2026, 8, 1), date(2027, 11, 1)
"""The screen's window on the tests' day (2026-11-23): three months back, twelve on."""


def bands_of(ws: Workspace) -> dict[str, str]:
    return {r.id: r.band for r in ws.portfolio()}


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
