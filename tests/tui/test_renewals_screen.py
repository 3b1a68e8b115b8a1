"""The renewals screen with the Pilot: months, forecast, and an outcome that moves GRR/NRR."""

from __future__ import annotations

import pytest
from textual.widgets import Input, Select

from cstui.app import CSApp, create_app
from cstui.domain.enums import Forecast, Outcome
from cstui.screens.kpis import KPIScreen
from cstui.screens.renewals import RenewalsScreen
from cstui.ui.forms import FormScreen
from cstui.workspace import Workspace


def top(app: CSApp) -> object:
    """The screen on top, typed loosely so identity checks do not narrow ``app.screen``."""
    return app.screen


@pytest.mark.slow
async def test_an_outcome_recorded_here_changes_grr_and_nrr_on_the_kpi_screen(
    demo_ws: Workspace,
) -> None:
    demo_ws.refresh_health()
    app = create_app(demo_ws, poll=False, rescore=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("M", "right_square_bracket")  # KPIs of this quarter (2026Q4)
        await app.workers.wait_for_complete()  # the KPIs are computed on a worker thread
        await pilot.pause()
        kpis = app.screen
        assert isinstance(kpis, KPIScreen)
        assert kpis.period.label == "2026Q4"
        grr, nrr = kpis.value("grr").value, kpis.value("nrr").value
        assert kpis.report is not None
        at_start = set(kpis.report.accounts_at_start)

        await pilot.press("N")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, RenewalsScreen)
        # Twelve months from this one, plus the overdue bucket; the cursor on this month.
        labels = [m.id for m in screen.months]
        assert labels[-12:][0] == "2026-11"
        assert len(labels[-12:]) == 12
        assert screen.month is not None
        assert screen.month.id == "2026-11"
        # The overdue bucket: every open renewal due before this month (the demo has one).
        overdue = [r.id for m in screen.months if m.id == "overdue" for r in m.renewals]
        late = [r for r in demo_ws.renewals() if (r.due.year, r.due.month) < (2026, 11)]
        expected = sorted(r.id for r in late if r.outcome is None)
        assert expected
        assert sorted(overdue) == expected
        month = screen.month
        assert month.due == {
            c: v for c, v in demo_ws.renewals_by_month()[0].due_arr.items()
        }  # the same sums as the service

        # A renewal of an account counted at the start of the quarter, still open.
        await pilot.press("tab")
        target = next(
            i
            for i, r in enumerate(screen.list_table.rows)
            if r.outcome is None and r.account_id in at_start
        )
        screen.list_table.move_cursor(target)
        renewal = screen.current
        assert renewal is not None

        # f: forecast at risk.
        await pilot.press("f")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, FormScreen)
        form.query_one("#field-forecast", Select).value = "at_risk"
        await pilot.press("ctrl+s")
        await pilot.pause()
        stored = [r for r in demo_ws.renewals(renewal.account_id) if r.id == renewal.id]
        assert stored[0].forecast is Forecast.AT_RISK
        assert not stored[0].implied

        # o: downgraded to half, with a wrong amount first (error beside the field).
        await pilot.press("o")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, FormScreen)
        form.query_one("#field-outcome", Select).value = "downgraded"
        form.query_one("#field-new_arr", Input).value = str(renewal.arr_due + 1)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert top(app) is form
        assert form.query_one("#error-new_arr").display
        form.query_one("#field-new_arr", Input).value = str(renewal.arr_due // 2)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert top(app) is screen
        stored = [r for r in demo_ws.renewals(renewal.account_id) if r.id == renewal.id]
        assert stored[0].outcome is Outcome.DOWNGRADED
        assert stored[0].new_arr == renewal.arr_due // 2
        shown = next(r for r in screen.list_table.rows if r.id == renewal.id)
        assert shown.outcome is Outcome.DOWNGRADED  # the list followed

        await pilot.press("escape")
        await app.workers.wait_for_complete()  # back on the KPIs: recomputed after the edit
        await pilot.pause()
        assert top(app) is kpis
        new_grr, new_nrr = kpis.value("grr").value, kpis.value("nrr").value
        assert grr is not None
        assert new_grr is not None
        assert new_grr < grr
        assert nrr is not None
        assert new_nrr is not None
        assert new_nrr < nrr
        assert new_grr == demo_ws.kpi_report("2026Q4")["grr"].value
        assert renewal.account_id in kpis.value("grr").accounts

        # Enter on a renewal opens its account.
        await pilot.press("N")
        await pilot.pause()
        await pilot.press("tab", "enter")
        await pilot.pause()
        assert app.screen.__class__.__name__ == "AccountScreen"


async def test_renewals_in_japanese_at_80x24(demo_ws: Workspace) -> None:
    app = create_app(demo_ws, lang="ja", poll=False, rescore=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("N")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, RenewalsScreen)
        assert screen.month_table.size.height >= 5
        assert screen.list_table.size.height >= 3
        assert screen.month_table.size.width <= 80


@pytest.mark.parametrize(("lang", "size"), [("en", (80, 24)), ("en", (120, 40)), ("ja", (80, 24))])
async def test_the_renewal_columns_stay_put_as_the_month_changes(
    demo_ws: Workspace, lang: str, size: tuple[int, int]
) -> None:
    """The lower table was sized from the month shown: its columns moved with the cursor."""
    app = create_app(demo_ws, lang=lang, poll=False, rescore=False)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        await pilot.press("N")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, RenewalsScreen)
        headers: dict[str, str] = {}
        await pilot.press("g")
        for _ in screen.months:
            await pilot.pause()
            month = screen.month
            assert month is not None
            if month.renewals:
                headers[month.id] = screen.list_table.render_line(0).text
            await pilot.press("j")
        assert len(headers) > 3
        assert len(set(headers.values())) == 1, headers


async def test_the_renewals_kept_while_the_screen_is_open_go_when_it_closes(
    demo_ws: Workspace,
) -> None:
    """The screen's records and renewals are kept while it is open (an edit on it makes
    only the changed account's again) and let go when it closes: kept for the session they
    were ~44 MB at 50,000 accounts and slowed every full collection."""
    demo_ws.refresh_health()
    app = create_app(demo_ws, poll=False, rescore=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("N")
        await pilot.pause()
        assert isinstance(top(app), RenewalsScreen)
        kept = demo_ws._renewal_months
        assert kept is not None
        await pilot.press("enter")  # the month's renewals
        await pilot.pause()
        assert demo_ws._renewal_months is kept
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(top(app), RenewalsScreen)
        assert demo_ws._renewal_months is None
        await pilot.press("N")  # opens again from the records
        await pilot.pause()
        assert isinstance(top(app), RenewalsScreen)
        assert demo_ws._renewal_months is not None


@pytest.mark.parametrize("lang", ["en", "ja"])
async def test_the_renewals_screen_is_drawn_saying_it_reads_before_its_first_build(
    demo_ws: Workspace, monkeypatch: pytest.MonkeyPatch, lang: str
) -> None:
    """Its first build reads the book's renewals (0.8 s at 50,000 accounts), during which
    the portfolio stood still with no word: the screen is drawn first, saying it reads,
    and keys typed meanwhile still count once it is built."""
    from textual.widgets import Static

    from cstui.i18n import t

    demo_ws.refresh_health()
    seen: list[tuple[bool, str]] = []
    built_at: list[int] = []
    real = RenewalsScreen.rebuild

    def build(self: RenewalsScreen) -> None:
        if not seen:
            title = str(self.query_one("#renew-title", Static).content)
            seen.append((self.app.screen is self and self._compositor.size.area > 0, title))
        real(self)
        built_at.append(self.month_table.cursor)

    monkeypatch.setattr(RenewalsScreen, "rebuild", build)
    app = create_app(demo_ws, lang=lang, poll=False, rescore=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("N", "j", "j")
        await pilot.pause()
        screen = top(app)
        assert isinstance(screen, RenewalsScreen)
        assert seen == [(True, t("book.renew.reading"))]
        assert t("book.renew.reading") not in str(screen.query_one("#renew-title", Static).content)
        assert len(screen.months) > built_at[0] + 2
        assert screen.month_table.cursor == built_at[0] + 2  # the keys typed as it read
