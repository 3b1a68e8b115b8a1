"""The KPI screen with the Pilot: periods, slices, the accounts behind a number, surveys."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Select, Static

from cstui.app import CSApp, create_app
from cstui.domain.models import SurveyResponse
from cstui.screens.kpis import AccountsModal, KPIScreen
from cstui.screens.portfolio import PortfolioScreen
from cstui.ui.forms import FormScreen
from cstui.workspace import Workspace
from cstui.workspace.renewals import KPIBook


def top(app: CSApp) -> object:
    """The screen on top, typed loosely so identity checks do not narrow ``app.screen``."""
    return app.screen


async def computed(app: CSApp, pilot: Pilot[None]) -> None:
    """Wait for the KPI worker's result to be on the screen."""
    await app.workers.wait_for_complete()
    await pilot.pause()


async def press(app: CSApp, pilot: Pilot[None], *keys: str) -> None:
    """Press each key and wait for the trend it asks for."""
    for key in keys:
        await pilot.press(key)
        await computed(app, pilot)


async def open_kpis(app: CSApp, pilot: Pilot[None]) -> KPIScreen:
    await pilot.pause()
    await pilot.press("M")
    await computed(app, pilot)
    assert isinstance(app.screen, KPIScreen)
    return app.screen


def shown(screen: KPIScreen) -> dict[str, float | None]:
    assert screen.report is not None
    return {v.key: v.value for v in screen.report.values}


def expected(ws: Workspace, period: str, slice: str = "all") -> dict[str, float | None]:
    return {v.key: v.value for v in ws.kpi_report(period, slice).values}


async def test_periods_slices_and_the_accounts_behind_a_number(demo_ws: Workspace) -> None:
    demo_ws.refresh_health()
    app = create_app(demo_ws, poll=False, rescore=False)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_kpis(app, pilot)
        # The last full quarter before 2026-11-23, every KPI of the report, with its trend.
        assert screen.period.label == "2026Q3"
        assert shown(screen) == expected(demo_ws, "2026Q3")
        assert len(screen.rows) == 13
        assert all(len(r.trend) == 6 for r in screen.rows)
        assert screen.rows[0].trend[-1] == ("2026Q3", screen.value("logo_churn").value)
        head = str(screen.query_one("#kpi-head", Static).render())
        assert "2026Q3" in head
        assert "2026-07-01" in head
        assert "44 accounts at the start" in head
        nps = str(screen.query_one("#kpi-nps", Static).render())
        assert "4 promoters" in nps
        assert "7 passives" in nps
        assert "3 detractors" in nps
        assert "Red 1" in str(screen.query_one("#kpi-health", Static).render())

        await press(app, pilot, "right_square_bracket")
        assert screen.period.label == "2026Q4"
        await press(app, pilot, "left_square_bracket", "left_square_bracket")
        assert screen.period.label == "2026Q2"
        assert shown(screen) == expected(demo_ws, "2026Q2")
        await press(app, pilot, "m")
        assert screen.period.label == "2026-06"
        await press(app, pilot, "y")
        assert screen.period.label == "2026"
        await press(app, pilot, "P")  # year, then month: P cycles month, quarter, year
        assert screen.period.label == "2026-06"  # the moment [ and ] chose, kept
        await press(app, pilot, "P", "s")
        assert (screen.period.label, screen.slice) == ("2026Q2", "mine")
        assert shown(screen) == expected(demo_ws, "2026Q2", "mine")
        await press(app, pilot, "s")
        assert screen.slice == "tier:high"

        # An empty onboarding cohort reads "no data", never 0 or a crash.
        await press(app, pilot, "right_square_bracket", "s", "s", "s")
        assert screen.slice == "all"
        assert screen.period.label == "2026Q3"
        assert screen.value("onboarding_completion").value is None

        # Owner slice through the small form.
        await pilot.press("o")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, FormScreen)
        form.query_one("#field-owner", Select).value = "kim"
        await pilot.press("ctrl+s")
        await computed(app, pilot)
        assert screen.slice == "owner:kim"
        assert shown(screen) == expected(demo_ws, "2026Q3", "owner:kim")
        await press(app, pilot, "s")  # back to the whole book
        assert screen.slice == "all"

        # Enter on logo churn: the accounts lost; Enter there opens the account.
        lost = screen.value("logo_churn").accounts
        assert lost
        await pilot.press("enter")
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, AccountsModal)
        assert [r.id for r in modal.rows] == lost
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen.__class__.__name__ == "AccountScreen"
        assert app.screen.account_id == lost[0]  # type: ignore[attr-defined]
        await pilot.press("escape")
        await pilot.pause()
        assert top(app) is modal
        await pilot.press("escape", "down", "down", "a")  # renewal rate: the renewed
        await pilot.pause()
        assert isinstance(app.screen, AccountsModal)
        assert [r.id for r in app.screen.rows] == screen.value("renewal_rate").accounts


async def test_survey_form_rejects_a_bad_score_and_a_detractor_raises_an_alert(
    demo_ws: Workspace,
) -> None:
    demo_ws.refresh_health()
    account = next(
        a
        for a in demo_ws.accounts()
        if demo_ws.contacts(a.id)
        and a.stage.value != "churned"
        and not any(x.rule == "detractor" for x in demo_ws.alerts() if x.account_id == a.id)
    )
    before = demo_ws.count(SurveyResponse)
    app = create_app(demo_ws, poll=False, rescore=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await app.run_action("record_survey")  # from the palette, with no account open
        await pilot.pause()
        pick = app.screen
        assert isinstance(pick, FormScreen)
        pick.query_one("#field-account", Input).value = "no such account zzz"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert top(app) is pick
        assert pick.query_one("#error-account", Static).display
        pick.query_one("#field-account", Input).value = account.id
        await pilot.press("ctrl+s")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, FormScreen)
        assert form is not pick
        assert form.query_one("#field-date", Input).value == "2026-11-23"
        form.query_one("#field-score", Input).value = "11"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert top(app) is form
        error = form.query_one("#error-score", Static)
        assert error.display
        assert "between 0 and 10" in str(error.render())
        assert demo_ws.count(SurveyResponse) == before  # nothing saved

        contact = demo_ws.contacts(account.id)[0]
        form.query_one("#field-contact", Select).value = contact.id
        form.query_one("#field-score", Input).value = "3"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert top(app) is not form
        saved = [s for s in demo_ws.surveys(account.id) if s.score == 3]
        assert demo_ws.count(SurveyResponse) == before + 1
        assert saved
        assert saved[0].contact_id == contact.id
        assert saved[0].kind.value == "nps"
        demo_ws.refresh_health([account.id])
        assert any(a.rule == "detractor" and a.account_id == account.id for a in demo_ws.alerts())


async def test_japanese_at_80x24(demo_ws: Workspace) -> None:
    app = create_app(demo_ws, lang="ja", poll=False, rescore=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_kpis(app, pilot)
        head = str(screen.query_one("#kpi-head", Static).render())
        assert "KPI 2026Q3" in head
        assert "範囲 全体" in head
        assert "推奨者" in str(screen.query_one("#kpi-nps", Static).render())
        table = screen.table
        assert table.size.width <= 80
        assert table.size.height >= 10
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, AccountsModal)


def gated(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """Make the KPI computation wait (on its worker thread, never the event loop's) until
    the returned event is set, as a book of 50,000 accounts keeps it busy for seconds.
    Undo the patch (``monkeypatch.undo()``) before reading the expected values."""
    gate = threading.Event()
    real = ws.kpi_book

    def slow(cancelled: Callable[[], bool]) -> KPIBook | None:
        assert threading.current_thread() is not threading.main_thread()
        assert gate.wait(30), "the test never let the computation finish"
        return real(cancelled)

    monkeypatch.setattr(ws, "kpi_book", slow)
    return gate


def head(screen: KPIScreen) -> str:
    return str(screen.query_one("#kpi-head", Static).render())


async def still_computing(app: CSApp, pilot: Pilot[None]) -> KPIScreen:
    """Open the KPI screen while its computation is held: it says it is computing."""
    await pilot.pause()
    await pilot.press("M")
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, KPIScreen)
    assert screen.computing
    return screen


async def test_keys_work_while_the_kpis_compute_and_the_result_appears_when_done(
    demo_ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate = gated(demo_ws, monkeypatch)
    app = create_app(demo_ws, poll=False, rescore=False)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await still_computing(app, pilot)
        assert "Computing…" in head(screen)
        assert "2026Q3" in head(screen)
        assert screen.rows == []
        # Keys are handled while the worker is busy: the slice and the period move.
        await pilot.press("s", "left_square_bracket")
        assert (screen.period.label, screen.slice) == ("2026Q2", "mine")
        assert "2026Q2" in head(screen)
        assert "Computing…" in head(screen)
        assert screen.computing
        gate.set()
        await computed(app, pilot)
        monkeypatch.undo()
        # Only the last key's computation is shown.
        assert not screen.computing
        assert "Computing…" not in head(screen)
        assert "accounts at the start" in head(screen)
        assert shown(screen) == expected(demo_ws, "2026Q2", "mine")
        assert len(screen.rows) == 13
        assert str(screen.query_one("#kpi-nps", Static).render()).startswith("NPS")


async def test_escape_leaves_at_once_while_computing_and_the_result_is_dropped(
    demo_ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate = gated(demo_ws, monkeypatch)
    app = create_app(demo_ws, poll=False, rescore=False)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await still_computing(app, pilot)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, PortfolioScreen)
        gate.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, PortfolioScreen)  # nothing came back
        assert screen.report is None  # the gone screen was not filled in
        monkeypatch.undo()
        await pilot.press("M")  # and the screen opens again, computed
        await computed(app, pilot)
        again = app.screen
        assert isinstance(again, KPIScreen)
        assert shown(again) == expected(demo_ws, "2026Q3")


async def test_a_period_not_started_is_refused_with_its_reason(demo_ws: Workspace) -> None:
    app = create_app(demo_ws, poll=False, rescore=False)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_kpis(app, pilot)
        await press(app, pilot, "right_square_bracket", "right_square_bracket")
        assert screen.period.label == "2026Q4"  # 2027Q1 has not started on 2026-11-23
        assert shown(screen) == expected(demo_ws, "2026Q4")
        assert any("2027Q1 has not started yet" in n.message for n in app._notifications)


async def test_a_large_book_computes_in_a_child_and_shows_the_same_figures(
    demo_ws: Workspace,
) -> None:
    demo_ws.elsewhere_from = 1  # every book is "large"
    app = create_app(demo_ws, poll=False, rescore=False)
    async with app.run_test(size=(160, 45)) as pilot:
        screen = await open_kpis(app, pilot)
        assert "surveys" in demo_ws.store._lazy  # the child read the book, not the app
        assert shown(screen) == expected(demo_ws, screen.period.label)
        await press(app, pilot, "[")  # another period: another child
        assert shown(screen) == expected(demo_ws, screen.period.label)


async def test_a_trend_seen_is_shown_again_at_once_until_the_book_changes(
    demo_ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Cycling the slices or moving back a period computed each trend again (seconds each
    at 50,000 accounts): one computed on this screen comes back at once while none of the
    tables it reads changed, and is computed again after a change."""
    demo_ws.refresh_health()
    reads: list[int] = []
    real = demo_ws.kpi_book

    def counted(cancelled: Callable[[], bool] = lambda: False) -> KPIBook | None:
        reads.append(1)
        return real(cancelled)

    monkeypatch.setattr(demo_ws, "kpi_book", counted)
    app = create_app(demo_ws, poll=False, rescore=False)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_kpis(app, pilot)
        q3 = shown(screen)
        await press(app, pilot, "s")
        assert screen.slice == "mine"
        assert len(reads) == 2
        await press(app, pilot, "s", "s", "s", "s")  # tier:high, tier:mid, tier:tech, all
        assert screen.slice == "all"
        assert len(reads) == 5  # "all" came back without a computation
        assert shown(screen) == q3
        assert not screen.computing
        await press(app, pilot, "left_square_bracket", "right_square_bracket")
        assert screen.period.label == "2026Q3"
        assert len(reads) == 6
        # A change to a table the reports read: the trends kept are not shown again (the
        # screen may also follow the change itself, a computation more).
        account = demo_ws.portfolio()[0].id
        demo_ws.update_account(account, {"arr": 123_456_789})
        await press(app, pilot, "left_square_bracket")
        assert len(reads) >= 7
        await press(app, pilot, "right_square_bracket")
        assert len(reads) >= 8
        monkeypatch.undo()
        assert shown(screen) == expected(demo_ws, "2026Q3")


async def test_p_cycles_the_length_around_one_moment_and_comes_back(demo_ws: Workspace) -> None:
    """From a year, P went to the year's end so far (this month), so 2026Q3 → 2026 →
    2026-11 → 2026Q4 never came back; now the moment kept is the one [ and ] chose."""
    app = create_app(demo_ws, poll=False, rescore=False)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_kpis(app, pilot)
        assert screen.period.label == "2026Q3"
        seen = []
        for _ in range(3):
            await press(app, pilot, "P")
            seen.append(screen.period.label)
        assert seen == ["2026", "2026-09", "2026Q3"]
        await press(app, pilot, "y", "m")  # straight to a length: the same moment
        assert screen.period.label == "2026-09"
        await press(app, pilot, "y", "left_square_bracket", "m")  # [ moves the moment
        assert screen.period.label == "2025-12"
        await press(app, pilot, "right_square_bracket", "right_square_bracket", "P")
        assert screen.period.label == "2026Q1"  # the moment moved with the months
        await press(app, pilot, "q")  # q quits, on this screen too
        assert not app.is_running
