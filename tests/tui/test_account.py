"""The account overview: what it shows matches the workspace, and its forms save or refuse."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from typing import Any

import pytest
from rich.cells import cell_len
from textual import events
from textual.screen import Screen
from textual.widgets import Input, Static, TabPane

from cstui import i18n
from cstui.app import CSApp, create_app
from cstui.domain.cadence import next_touchpoint
from cstui.domain.enums import Forecast, Outcome, Priority, Stage
from cstui.domain.models import Account, Objective, OnboardingItem, OnboardingPlan, Renewal, Task
from cstui.domain.success import summarize
from cstui.domain.templates import progress as onboarding_progress
from cstui.sanitize import clean
from cstui.screens.account import (
    ENDED,
    OPEN_TASKS,
    AccountScreen,
    flags_text,
    header_text,
    plans_text,
    renewal_text,
    tasks_text,
    touchpoints_text,
)
from cstui.screens.account_tabs import tabs
from cstui.ui.footer import KeyFooter
from cstui.ui.forms import FormScreen
from cstui.ui.wrap import wrap_text
from cstui.widgets.charts import Series, TimeChart, bucket_series, hbar, spark_rows, stars
from cstui.widgets.health_breakdown import HealthBreakdown
from cstui.widgets.pane import AccountPane
from cstui.widgets.tasks import TasksPane
from cstui.widgets.timeline import TimelinePane
from cstui.workspace import Workspace

EVIL = "[bold red]x[/] \x1b]52;c;ZXZpbA==\x07"


def _text(screen: AccountScreen, id: str) -> str:
    return str(screen.query_one(f"#{id}", Static).content)


def _rendered(screen: AccountScreen, id: str) -> list[str]:
    """What the terminal gets for a widget, line by line (after markup and cleaning)."""
    widget = screen.query_one(f"#{id}")
    return [widget.render_line(y).text for y in range(widget.size.height)]


def _top(app: CSApp) -> Screen[Any]:
    """The active screen, unnarrowed (a save or Escape changes it behind mypy's back)."""
    return app.screen


async def _open(app: CSApp, pilot: object, account_id: str) -> AccountScreen:
    screen = AccountScreen(account_id)
    await app.push_screen(screen)
    await pilot.pause()  # type: ignore[attr-defined]
    return screen


def _busy_account(ws: Workspace) -> str:
    """An account with contacts, usage and activities (the demo's first one)."""
    return next(a.id for a in ws.accounts() if len(ws.contacts(a.id)) >= 3 and ws.usage(a.id))


async def test_overview_matches_the_workspace_and_follows_other_processes(
    demo_ws: Workspace,
) -> None:
    account_id = _busy_account(demo_ws)
    account = demo_ws.account(account_id)
    assert account is not None
    other = Workspace.open(demo_ws.store.data_dir, user="teammate")
    app = create_app(demo_ws, poll=False)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _open(app, pilot, account_id)
        assert screen.account_id == account_id
        assert account.name in _text(screen, "account-header")
        health = demo_ws.health(account_id)
        breakdown = screen.query_one(HealthBreakdown)
        assert breakdown.result is not None
        assert breakdown.result.score == health.score
        shown = breakdown.plain
        assert f"Health {health.score}" in shown
        for m in health.measures:
            label = i18n.t(m.label)
            assert label != m.label
            assert label in shown
            assert m.raw_msg.render("en") in shown
        flags = demo_ws.flags(account_id)
        assert flags  # the loop below has something to check (a missed touchpoint)
        for flag in flags:
            assert i18n.t(flag.label) in _text(screen, "flags")
        contacts = _text(screen, "contacts")
        assert all(c.name in contacts for c in demo_ws.contacts(account_id))
        newest = demo_ws.activities(account_id)[0]
        assert _text(screen, "activities").startswith(newest.date.isoformat())
        chart = screen.query_one(TimeChart)
        usage = demo_ws.usage(account_id)
        assert usage is not None
        assert chart.series[0].latest == usage.snapshots[-1].active_users
        assert chart.series[-1].latest == health.score  # the health line ends at today's score
        # A teammate's edits (another process on the same data) show up after a poll.
        other.log_activity(account_id, "Teammate visit")
        other.update_account(account_id, {"name": "Renamed Co"})
        other.close()
        app.poll_store()
        await pilot.pause()
        assert "Teammate visit" in _text(screen, "activities")
        assert "Renamed Co" in _text(screen, "account-header")
        await pilot.press("escape")
        assert not isinstance(app.screen, AccountScreen)


@pytest.mark.slow
async def test_log_an_activity_and_what_is_refused(demo_ws: Workspace) -> None:
    account_id = _busy_account(demo_ws)
    before = len(demo_ws.activities(account_id))
    app = create_app(demo_ws, poll=False)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await _open(app, pilot, account_id)
        # Empty summary and a bad date: messages under the fields, nothing stored.
        await pilot.press("l")
        form = app.screen
        assert isinstance(form, FormScreen)
        date_input = form.query_one("#field-date", Input)
        date_input.value = ""
        date_input.focus()
        await pilot.press("x", "ctrl+s")
        await pilot.pause()
        assert _top(app) is form
        assert "required" in str(form.query_one("#error-summary", Static).content)
        assert "'x' is not a date" in str(form.query_one("#error-date", Static).content)
        assert len(demo_ws.activities(account_id)) == before
        # Escape discards.
        await pilot.press("escape")
        await pilot.pause()
        assert _top(app) is screen
        assert len(demo_ws.activities(account_id)) == before
        # A real one: summary typed, defaults for the rest, Ctrl+S.
        await pilot.press("l")
        await pilot.press(*"Budget", "ctrl+s")
        await pilot.pause()
        assert _top(app) is screen
        logged = demo_ws.activities(account_id)
        assert len(logged) == before + 1
        new = next(a for a in logged if a.summary == "Budget")
        assert new.kind.value == "call"
        assert new.created_by == "me"
        assert "Budget" in _text(screen, "activities")  # the screen refreshed itself


async def test_manual_rating_needs_a_reason_and_shows_beside_the_computed_score(
    demo_ws: Workspace,
) -> None:
    account_id = _busy_account(demo_ws)
    computed = demo_ws.health(account_id).computed_score
    app = create_app(demo_ws, poll=False)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await _open(app, pilot, account_id)
        await pilot.press("h")
        form = app.screen
        assert isinstance(form, FormScreen)
        form.widget_for("score").focus()
        await pilot.press("4", "0", "ctrl+s")
        await pilot.pause()
        assert _top(app) is form
        assert "required" in str(form.query_one("#error-reason", Static).content)
        assert demo_ws.rating(account_id) is None
        # Stars and a score together: the workspace refuses, its sentence on top.
        await pilot.press("enter")  # from the score to the reason
        await pilot.press("O", "k")
        form.widget_for("stars").value = "2"  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert _top(app) is form
        assert demo_ws.rating(account_id) is None
        assert "not both" in str(form.query_one("#form-errors", Static).content)
        form.widget_for("stars").clear()  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert _top(app) is screen
        rating = demo_ws.rating(account_id)
        assert rating is not None
        assert rating.score == 40
        assert rating.reason == "Ok"
        shown = screen.query_one(HealthBreakdown).plain
        assert "Manual rating" in shown
        assert "Why: Ok" in shown
        assert "Health 40" in shown
        assert f"computed {computed}" in shown
        await pilot.press("H")
        await pilot.pause()
        assert demo_ws.rating(account_id) is None
        assert "Manual rating" not in screen.query_one(HealthBreakdown).plain


async def test_untrusted_name_is_shown_literally(empty_ws: Workspace) -> None:
    account = empty_ws.create_account({"name": EVIL, "arr": 1_200_000})
    empty_ws.add_contact(account.id, {"name": EVIL, "role": "champion"})
    empty_ws.log_activity(account.id, f"said {EVIL}")
    app = create_app(empty_ws, poll=False)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _open(app, pilot, account.id)
        for id in ("account-header", "contacts", "activities"):
            lines = "\n".join(_rendered(screen, id))
            assert "[bold red]x[/]" in lines, id
            assert "␛]52;c;ZXZpbA==␇" in lines
            assert "\x1b" not in lines
            assert "\x07" not in lines
        assert "\x1b" not in app.export_screenshot()


async def test_japanese_at_80x24(demo_ws: Workspace) -> None:
    account_id = _busy_account(demo_ws)
    app = create_app(demo_ws, lang="ja", poll=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(app, pilot, account_id)
        assert screen.has_class("-narrow")
        assert "ヘルススコア" in screen.query_one(HealthBreakdown).plain
        assert "アダプション（定着）" in screen.query_one(HealthBreakdown).plain
        assert str(screen.query_one("#contacts").border_title).startswith("担当者")
        footer = {b.description for _, b in screen._bindings}
        assert {"活動を記録", "手動評価", "評価を解除", "戻る"} <= footer
        for line in _rendered(screen, "account-header"):
            assert cell_len(line) <= 80  # wide characters counted as two cells
        await pilot.press("l")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, FormScreen)
        assert "活動を記録" in str(form.query_one("#form-title").render())
        assert form.query_one("#form-save").region.bottom <= 24


def test_chart_helpers_keep_scale_and_time() -> None:
    assert hbar(50, 100, 4) == ("██", "··")
    assert hbar(53.125, 100, 4) == ("██▏", "·")  # 17 eighths of 32
    assert stars(4) == "★★★★☆"
    # Zero-based: 56 of 64 is nearly full, not "the minimum"; 0 is a floor, None a gap.
    assert spark_rows([64, 56, 0, None], maximum=64) == ["█▇▁ "]
    assert spark_rows([8, 4], height=2) == ["█ ", "██"]
    # Readings land in the column of their date; a gap repeats the earlier reading; nothing
    # after the last reading (stale data must look stale).
    start, end = date(2026, 1, 1), date(2026, 1, 11)
    cols = bucket_series([(date(2026, 1, 2), 5.0), (date(2026, 1, 6), 9.0)], start, end, 10)
    assert cols == [None, 5.0, 5.0, 5.0, 5.0, 9.0, None, None, None, None]


@pytest.mark.slow
async def test_overview_shows_next_and_missed_executive_touchpoints(demo_ws: Workspace) -> None:
    accounts = [a.id for a in demo_ws.accounts()]
    missed_id = next(
        i for i in accounts if any(p.status == "missed" for p in demo_ws.touchpoints(i))
    )
    next_id = next(i for i in accounts if next_touchpoint(demo_ws.touchpoints(i)) is not None)
    app = create_app(demo_ws, poll=False, rescore=False)
    async with app.run_test(size=(120, 40)) as pilot:
        for account_id in (missed_id, next_id):
            await app.push_screen(AccountScreen(account_id))
            await pilot.pause()
            shown = str(app.screen.query_one("#overview-touchpoints", Static).render())
            points = demo_ws.touchpoints(account_id)
            for p in points:
                if p.status == "missed":
                    assert f"{p.label('en')}  missed (due {p.due})" in shown
            upcoming = next_touchpoint(points)
            if upcoming is not None:
                assert upcoming.label("en") in shown
                assert upcoming.agenda("en") in shown.replace("\n", " ")
            app.pop_screen()
            await pilot.pause()


def test_renewal_text_says_when_how_much_and_how_it_looks() -> None:
    today = date(2026, 11, 23)
    account = Account(
        id="a1",
        name="Acme",
        arr=1_200_000,
        currency="JPY",
        contract_start=date(2024, 12, 1),
        renewal_date=date(2026, 12, 1),
        tags=["retail"],
        upsell_ideas=["SSO add-on"],
    )
    renewals = [
        Renewal(
            id="r0",
            account_id="a1",
            due=date(2025, 12, 1),
            arr_due=1_000_000,
            outcome=Outcome.EXPANDED,
            new_arr=1_200_000,
            currency="JPY",
        ),
        Renewal(
            id="r1",
            account_id="a1",
            due=date(2026, 12, 1),
            arr_due=1_200_000,
            forecast=Forecast.AT_RISK,
            currency="JPY",
        ),
    ]
    lines = renewal_text(account, renewals, today).plain.splitlines()
    assert (
        lines[0]
        == "Next renewal 2026-12-01 (in 8 days)  ·  ARR due ¥1,200,000  ·  Forecast At risk"
    )
    assert lines[1].startswith("Contract since 2024-12-01")
    assert lines[2] == "Last renewal 2025-12-01  Expanded  ¥1,000,000 → ¥1,200,000"
    assert lines[3:] == ["Tags retail", "Upsell idea SSO add-on"]
    overdue = renewal_text(account, renewals[1:], date(2026, 12, 13))
    assert "(12 days overdue)" in overdue.plain
    assert any("red" in str(span.style) for span in overdue.spans)
    bare = Account(id="a2", name="Bare")
    assert renewal_text(bare, [], today).plain == "Next renewal no renewal date"


def test_tasks_text_lists_the_soonest_and_points_to_the_tab() -> None:
    today = date(2026, 11, 23)
    tasks = [
        Task(id=f"t{i}", account_id="a1", title=f"Task {i}", due=today + timedelta(days=i - 2))
        for i in range(OPEN_TASKS + 3)
    ]
    tasks[0] = tasks[0].model_copy(update={"priority": Priority.HIGH})
    lines = tasks_text(tasks, today, "5").plain.splitlines()
    assert len(lines) == OPEN_TASKS + 1
    assert lines[0].split() == ["2d", "overdue", "Task", "0", "High"]
    assert lines[2].split() == ["due", "today", "Task", "2"]
    assert lines[-1] == "… 3 more on the Tasks tab (5)"
    assert tasks_text([], today, "5").plain == "No open tasks."


async def test_overview_lists_open_tasks_and_the_renewal(demo_ws: Workspace) -> None:
    account_id = next(a.id for a in demo_ws.accounts() if demo_ws.tasks(a.id))
    demo_ws.add_task(EVIL, account_id=account_id, due=date(2026, 11, 1))
    open_tasks = demo_ws.tasks(account_id)
    app = create_app(demo_ws, poll=False, rescore=False)
    async with app.run_test(size=(160, 45)) as pilot:
        screen = await _open(app, pilot, account_id)
        title = str(screen.query_one("#overview-tasks").border_title)
        assert title == f"Open tasks ({len(open_tasks)})"
        lines = _rendered(screen, "overview-tasks")
        assert lines[0].split()[:2] == ["22d", "overdue"]
        assert clean(EVIL) in lines[0]  # shown literally, never as markup
        assert "Forecast" in _text(screen, "renewal")


def test_plans_text_says_where_onboarding_and_objectives_stand() -> None:
    today = date(2026, 11, 23)
    items = [
        OnboardingItem(id="i1", phase="kickoff", title="Kickoff call", done=True),
        OnboardingItem(id="i2", phase="setup", title="Import data", due=date(2026, 11, 20)),
        OnboardingItem(id="i3", phase="setup", title="Train admins", due=date(2026, 11, 30)),
    ]
    plan = OnboardingPlan(id="a1", account_id="a1", start=date(2026, 11, 1), items=items)
    progress = onboarding_progress(plan, today)
    objective = Objective(id="o1", title="Cut month-end close", status_override="at_risk")
    text = plans_text(plan, progress, [summarize(objective, today)], today).plain
    assert text.splitlines() == [
        "Onboarding 1 of 3 steps done (33%)  ·  1 overdue",
        "  3d overdue  Import data",
        "  in 7d       Train admins",
        "Success plan 1 objective",
        "  ▲ Cut month-end close  Off track",
    ]
    assert plans_text(None, None, [], today).plain == "No onboarding plan.\nNo success plan."


def _panes(screen: AccountScreen) -> list[str]:
    """The panes built so far, as their class names (each pane once when all is well)."""
    return [type(pane).__name__ for pane in screen.query(AccountPane)]


async def test_the_other_tabs_are_built_after_the_overview_one_at_a_time(
    demo_ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Opening paints the overview, then builds the other panes in the background, one per
    idle moment, without taking the focus or the tab; a digit then only shows its pane,
    which takes focus. The footer's keys are updated once for a switch that changes them
    and not for one that does not."""
    built: list[tuple[str, int]] = []
    original_build = AccountScreen._build_next_pane

    async def counting_build(self: AccountScreen) -> None:
        built.append((self._active_tab(), len(self._factories)))
        await original_build(self)

    monkeypatch.setattr(AccountScreen, "_build_next_pane", counting_build)
    recomposed: list[int] = []
    original = KeyFooter.show_keys

    async def counting(self: KeyFooter) -> None:
        recomposed.append(1)
        await original(self)

    monkeypatch.setattr(KeyFooter, "show_keys", counting)
    account_id = next(a.id for a in demo_ws.accounts() if demo_ws.tasks(a.id))
    app = create_app(demo_ws, poll=False, rescore=False)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _open(app, pilot, account_id)
        # One pane per step (5 left, then 4, ...), each step after a frame of the overview.
        assert built == [("tab-overview", n) for n in range(5, 0, -1)]
        assert sorted(_panes(screen)) == sorted(
            ["OnboardingPane", "SuccessPlanPane", "TimelinePane", "TasksPane", "QBRPane"]
        )
        assert screen._active_tab() == "tab-overview"
        assert app.screen.focused is screen.query_one("#account-body")
        recomposed.clear()
        await pilot.press("5")
        await pilot.pause()
        pane = screen.query_one(TasksPane)
        assert pane.display
        assert app.screen.focused is pane.items
        assert len(recomposed) == 1  # the tasks' keys, once
        await pilot.press("5")
        await pilot.pause()
        assert len(recomposed) == 1  # same keys: not rebuilt
        assert len(screen.query(TasksPane)) == 1  # built once


async def test_a_digit_typed_while_the_panes_build_shows_its_tab(demo_ws: Workspace) -> None:
    """Enter on an account and a digit right after it (before anything was painted): the
    digit's tab shows with the focus in it, whether its pane was built yet or not, and no
    pane is built twice."""
    app = create_app(demo_ws, poll=False, rescore=False)
    ids = [tab_id for tab_id, _, _ in tabs()]
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        for digit, tab_id in ((str(len(ids) + 1), ids[-1]), ("2", ids[0])):
            app.post_message(events.Key("enter", "\r"))
            app.post_message(events.Key(digit, digit))
            for _ in range(4):
                await pilot.pause()
            screen = app.screen
            assert isinstance(screen, AccountScreen)
            assert screen._active_tab() == f"tab-{tab_id}"
            pane = screen.query_one(f"#tab-{tab_id}", TabPane)
            focused = app.screen.focused
            assert focused is not None
            assert pane in focused.ancestors
            assert len(_panes(screen)) == len(ids)  # each once
            await pilot.press("escape")
            await pilot.pause()


@pytest.mark.parametrize("background", [True, False])
async def test_a_click_on_a_tab_shows_its_pane_and_focuses_it(
    demo_ws: Workspace, monkeypatch: pytest.MonkeyPatch, background: bool
) -> None:
    """Built in the background already, or not yet (the click builds it)."""
    if not background:

        async def no_background(self: AccountScreen) -> None:
            return None

        monkeypatch.setattr(AccountScreen, "_build_next_pane", no_background)
    account_id = next(a.id for a in demo_ws.accounts() if demo_ws.activities(a.id))
    app = create_app(demo_ws, poll=False, rescore=False)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _open(app, pilot, account_id)
        assert len(screen.query(TimelinePane)) == (1 if background else 0)
        await pilot.click("#--content-tab-tab-timeline")
        await pilot.pause()
        pane = screen.query_one(TimelinePane)
        assert pane.display
        assert app.screen.focused is pane.items
        assert len(pane.items.options) == len(demo_ws.activities(account_id))


async def test_the_breakdown_is_drawn_for_its_width_during_the_layout(
    demo_ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The layout that sizes the breakdown draws it for that width, so the Resize after it
    finds nothing to redraw (a redraw then cost a second layout of the whole screen)."""
    stale_on_resize: list[bool] = []
    original = HealthBreakdown.on_resize

    def recording(self: HealthBreakdown, event: Any) -> None:
        stale_on_resize.append(self.content_size.width != self._drawn_width)
        original(self, event)

    monkeypatch.setattr(HealthBreakdown, "on_resize", recording)
    app = create_app(demo_ws, poll=False, rescore=False)
    async with app.run_test(size=(160, 45)) as pilot:
        screen = await _open(app, pilot, _busy_account(demo_ws))
        breakdown = screen.query_one(HealthBreakdown)
        assert breakdown.content_size.width == breakdown._drawn_width != 80
        assert stale_on_resize
        assert not any(stale_on_resize)
        await pilot.resize_terminal(100, 40)  # one column: wider
        await pilot.pause()
        assert breakdown.content_size.width == breakdown._drawn_width
        assert not any(stale_on_resize)


async def test_escape_while_the_panes_build_leaves_cleanly(demo_ws: Workspace) -> None:
    """Enter and Escape at once, and again: the background builds of a closed screen stop
    and nothing fails; the portfolio is back."""
    app = create_app(demo_ws, poll=False, rescore=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        portfolio = app.screen
        for _ in range(3):
            app.post_message(events.Key("enter", "\r"))
            app.post_message(events.Key("escape", None))
            for _ in range(3):
                await pilot.pause()
            assert app.screen is portfolio
        app.post_message(events.Key("enter", "\r"))
        for _ in range(400):  # the moment the account screen is up, its panes still building
            await asyncio.sleep(0.005)
            if isinstance(app.screen, AccountScreen):
                break
        screen = app.screen
        assert isinstance(screen, AccountScreen)
        app.post_message(events.Key("escape", None))
        for _ in range(3):
            await pilot.pause()
        assert app.screen is portfolio
        assert not screen.is_attached


def test_the_header_says_not_enough_data_and_a_left_customer_has_no_late_renewal(
    empty_ws: Workspace,
) -> None:
    """A new account's badge says why it has no score, as its breakdown does; a churned
    account's contract ended, it is not "4 months overdue" for a renewal."""
    today = date(2026, 11, 23)
    new = empty_ws.create_account({"name": "New", "contract_start": today, "owner": "me"})
    result = empty_ws.health(new.id, today)
    assert result.score is None
    assert result.thin_msg is not None
    assert "not enough data" in header_text(new, today, result).plain
    gone = Account(
        id="a9", name="Gone", stage=Stage.CHURNED, renewal_date=today - timedelta(days=120)
    )
    head = header_text(gone, today).plain
    assert "Ended 2026-07-26" in head
    assert "overdue" not in head
    assert renewal_text(gone, [], today).plain.startswith("Contract ended")
    assert "overdue" not in renewal_text(gone, [], today).plain


def _long_account() -> Account:
    return Account(
        id="a7",
        name="株式会社とても長い名前のグローバル・ロジスティクス・ホールディングス",
        owner="alexandra.konstantinopoulou",
        domain="global-logistics-holdings.example.co.jp",
        seats=12000,
        arr=123_456_789,
        currency="JPY",
        renewal_date=date(2027, 1, 15),
    )


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_the_header_fits_two_lines_at_80_columns(lang: str) -> None:
    """At 80×24 (78 cells inside the padding) the header is two lines: the domain, then the
    seats, then the owner go, then the name is cut; wide enough, everything shows."""
    today = date(2026, 11, 23)
    account = _long_account()
    i18n.set_language(lang)  # the conftest sets English back
    full = header_text(account, today).plain
    fitted = header_text(account, today, width=78).plain
    assert account.domain in full
    assert "12,000" in full or "12000" in full
    lines = fitted.split("\n")
    assert len(lines) == 2
    assert all(cell_len(line) <= 78 for line in lines)
    assert account.domain not in fitted
    assert "2027-01-15" in lines[1]  # the renewal stays
    assert lines[0].startswith("株式会社とても")
    assert "…" in lines[0]  # the name was cut, the tier and stage kept


DOMAIN = "customer-success-holdings.example.com"


async def test_the_header_widget_is_two_lines_at_80x24(demo_ws: Workspace) -> None:
    account = demo_ws.update_account(_busy_account(demo_ws), {"domain": DOMAIN})
    app = create_app(demo_ws, poll=False, rescore=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(app, pilot, account.id)
        lines = _rendered(screen, "account-header")
        assert len(lines) == 2
        assert clean(account.name) in lines[0]
        assert DOMAIN not in "".join(lines)
        await pilot.resize_terminal(160, 45)
        await pilot.pause()
        assert DOMAIN in "".join(_rendered(screen, "account-header"))


def test_a_tall_chart_series_labels_its_top_row_with_its_scale() -> None:
    start, end = date(2026, 1, 1), date(2026, 3, 1)
    readings = [(start + timedelta(days=7 * i), 40.0 + i) for i in range(8)]
    chart = TimeChart(
        [Series("Active users", readings, height=2, maximum=120.0), Series("Logins", readings)],
        start,
        end,
    )
    rows = chart.render_text(80).plain.split("\n")
    assert rows[0].lstrip().startswith("max 120")
    assert rows[1].startswith("Active users")
    assert rows[2].startswith("Logins")
    i18n.set_language("ja")
    assert "最大 120" in chart.render_text(80).plain.split("\n")[0]


def test_flags_and_touchpoint_agendas_wrap_under_their_text(demo_ws: Workspace) -> None:
    """Continuation lines of an indented paragraph start where its text starts."""
    flags = [f for a in demo_ws.accounts() for f in demo_ws.flags(a.id)]
    assert flags
    text = wrap_text(flags_text(flags[:1]), 30, hanging=True).plain.split("\n")
    assert len(text) > 2
    assert all(line.startswith("  ") and not line.startswith("   ") for line in text[1:])
    account = next(a for a in demo_ws.accounts() if a.stage not in ENDED)
    points = demo_ws.touchpoints(account.id)
    agenda = touchpoints_text(points, date(2026, 11, 23))
    lines = wrap_text(agenda, 30, hanging=True).plain.split("\n")
    upcoming = next(i for i, line in enumerate(lines) if line.startswith("→"))
    body = lines[upcoming + 1 :]
    assert len(body) > 1
    assert all(line.startswith("  ") for line in body)
