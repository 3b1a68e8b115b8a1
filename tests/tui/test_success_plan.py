"""The Success plan tab: create from a template, edit and measure, refuse bad input beside the
field without saving, discard on Escape, flag a plan with no deep objective.

The account screen is given only this tab (the other panes are tested on their own), so
these tests neither wait for nor break on the other panes. Digit 2 opens it, as a user would.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from rich.cells import cell_len
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Input, Select, Static

import cstui.screens.account as account_screen
from cstui.app import CSApp, create_app
from cstui.domain.models import Contact, SuccessPlan
from cstui.screens.account import AccountScreen
from cstui.ui.confirm import ConfirmScreen
from cstui.ui.forms import FormScreen
from cstui.widgets.success_plan import ObjectiveCard, SuccessPlanPane
from cstui.workspace import Workspace

TODAY = date(2026, 11, 23)
EVIL = "[bold red]x[/] \x1b]52;c;ZXZpbA==\x07"


@pytest.fixture(autouse=True)
def only_this_tab(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        account_screen, "tabs", lambda: [("success", "account.tab.success", SuccessPlanPane)]
    )


def _acme(ws: Workspace, name: str = "Acme") -> tuple[str, str, str]:
    acc = ws.create_account({"name": name, "arr": 360_000, "renewal_date": date(2027, 6, 30)})
    champ = ws.add_contact(acc.id, {"name": "Aiko Sato", "role": "champion"})
    boss = ws.add_contact(acc.id, {"name": "Ben Ito", "role": "executive_sponsor"})
    return acc.id, champ.id, boss.id


def _top(app: CSApp) -> Screen[Any]:
    return app.screen


async def _open(app: CSApp, pilot: Pilot[None], account_id: str) -> SuccessPlanPane:
    await app.push_screen(AccountScreen(account_id))
    await pilot.pause()
    await pilot.press("2")
    await pilot.pause()
    pane = app.screen.query_one(SuccessPlanPane)
    assert pane.display
    return pane


def _text(pane: SuccessPlanPane, id: str) -> str:
    return str(pane.query_one(f"#{id}", Static).content)


def _cards(pane: SuccessPlanPane) -> dict[str, str]:
    return {c.objective_id: str(c.content) for c in pane.cards()}


def _error(form: FormScreen, name: str) -> str:
    box = form.query_one(f"#error-{name}", Static)
    return str(box.content) if box.display else ""


async def _form(pilot: Pilot[None], app: CSApp, key: str) -> FormScreen:
    await pilot.press(key)
    await pilot.pause()
    form = app.screen
    assert isinstance(form, FormScreen), key
    return form


def _type(form: FormScreen, **values: str) -> None:
    for name, value in values.items():
        widget = form.widget_for(name)
        if isinstance(widget, Input | Select):
            widget.value = value
        else:  # multiline
            widget.text = value  # type: ignore[attr-defined]


async def _save(pilot: Pilot[None]) -> None:
    await pilot.press("ctrl+s")
    await pilot.pause()


def _plan(ws: Workspace, account_id: str) -> SuccessPlan:
    plan = ws.success_plan(account_id)
    assert plan is not None
    return plan


@pytest.mark.slow
async def test_create_from_template_edit_kpi_and_record_readings(empty_ws: Workspace) -> None:
    ws = empty_ws
    account_id, _, _ = _acme(ws)
    app = create_app(ws, poll=False, rescore=False)
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await _open(app, pilot, account_id)
        assert "No success plan yet" in _text(pane, "sp-empty")
        assert app.focused is pane  # keys work at once on the empty tab

        form = await _form(pilot, app, "n")
        _type(form, template="month-end-close")
        await _save(pilot)
        assert _top(app) is not form
        plan = _plan(ws, account_id)
        assert plan.template == "month-end-close"
        assert len(plan.objectives) == 2
        cards = _cards(pane)
        assert "Fewer hours per close" in cards["o1"]
        assert "lower is better" in cards["o1"]
        assert "Aiko Sato (champion)" in cards["o1"]
        assert "Ben Ito" in cards["o2"]
        assert "Never measured" in cards["o1"]
        assert "Close the books in half the time" in _text(pane, "sp-goal")
        assert "No deep-success objective" not in _text(pane, "sp-goal")
        assert isinstance(app.focused, ObjectiveCard)
        assert app.focused.objective_id == "o1"

        # Edit the KPI with the customer's own numbers: 12 h per close down to 4 h.
        form = await _form(pilot, app, "e")
        assert form.widget_for("baseline").value == "80"  # type: ignore[attr-defined]
        _type(form, baseline="12", target="4")
        await _save(pilot)
        kpi = _plan(ws, account_id).objectives[0].kpi
        assert kpi is not None
        assert (kpi.baseline, kpi.target) == (12, 4)
        assert "12 h ▕" in _cards(pane)["o1"]
        assert "▏ 4 h" in _cards(pane)["o1"]

        # Two readings on two days: both kept, the latest shown, the cursor stays put.
        form = await _form(pilot, app, "m")
        assert form.widget_for("date").value == TODAY.isoformat()  # type: ignore[attr-defined]
        _type(form, value="10", date="2026-11-01")
        await _save(pilot)
        form = await _form(pilot, app, "m")
        _type(form, value="8")
        await _save(pilot)
        kpi = _plan(ws, account_id).objectives[0].kpi
        assert kpi is not None
        assert [(m.date, m.value) for m in kpi.history] == [(date(2026, 11, 1), 10), (TODAY, 8)]
        shown = _cards(pane)["o1"]
        assert "now 8 h · 50 %" in shown
        assert "measured 2026-11-23" in shown
        assert "██████████░░░░░░░░░░" in shown  # halfway, drawn left to right
        assert isinstance(app.focused, ObjectiveCard)
        assert app.focused.objective_id == "o1"

        # Arrows move between the columns and back; the keys act on the focused card.
        await pilot.press("right")
        assert isinstance(app.focused, ObjectiveCard)
        assert app.focused.objective_id == "o2"
        await pilot.press("left")
        assert isinstance(app.focused, ObjectiveCard)
        assert app.focused.objective_id == "o1"


@pytest.mark.slow
async def test_invalid_input_shows_beside_the_field_and_saves_nothing(
    empty_ws: Workspace,
) -> None:
    ws = empty_ws
    account_id, champ, _ = _acme(ws)
    ws.create_success_plan(account_id, goal="Grow", template="sales-growth")
    before = ws.store.get(SuccessPlan.table, _plan(ws, account_id).id)
    app = create_app(ws, poll=False, rescore=False)
    async with app.run_test(size=(100, 40)) as pilot:
        await _open(app, pilot, account_id)
        form = await _form(pilot, app, "a")
        _type(form, title="Fewer late invoices", kpi_name="Late", baseline="abc", target="5")
        _type(form, due="2026-11-01", stakeholder=champ)
        await _save(pilot)
        assert _top(app) is form
        assert "'abc' is not a number" in _error(form, "baseline")
        # Fix the number: now the workspace's rules speak, each beside its own field.
        _type(form, baseline="5")
        ws.store.delete(Contact.table, champ)  # a teammate deletes the contact meanwhile
        await _save(pilot)
        assert _top(app) is form
        assert "must differ from the baseline" in _error(form, "target")
        assert "in the past" in _error(form, "due")
        assert "not (or no longer) a contact" in _error(form, "stakeholder")
        assert _error(form, "title") == ""
        assert ws.store.get(SuccessPlan.table, before["id"]) == before  # type: ignore[index]

        # Escape discards everything typed.
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, FormScreen)
        assert ws.store.get(SuccessPlan.table, before["id"]) == before  # type: ignore[index]

        # Escape on an edit leaves the objective as it was.
        form = await _form(pilot, app, "e")
        _type(form, title="Changed", target="999")
        await pilot.press("escape")
        await pilot.pause()
        assert ws.store.get(SuccessPlan.table, before["id"]) == before  # type: ignore[index]

        # A reading dated tomorrow is refused beside the date.
        form = await _form(pilot, app, "m")
        _type(form, value="3", date="2026-11-24")
        await _save(pilot)
        assert _top(app) is form
        assert "in the future" in _error(form, "date")
        await pilot.press("escape")
        assert ws.store.get(SuccessPlan.table, before["id"]) == before  # type: ignore[index]


@pytest.mark.slow
async def test_no_deep_objective_is_flagged_until_one_is_added(empty_ws: Workspace) -> None:
    ws = empty_ws
    account_id, _, boss = _acme(ws)
    ws.create_success_plan(account_id, goal="Everyone uses it", template=None)
    ws.add_objective(
        account_id,
        {
            "title": f"Weekly active use {EVIL}",
            "tasks": EVIL,
            "kpi_name": "WAU",
            "unit": "%",
            "baseline": 40,
            "target": 80,
        },
    )
    app = create_app(ws, poll=False, rescore=False)
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await _open(app, pilot, account_id)
        assert "No deep-success objective" in _text(pane, "sp-goal")
        # Untrusted text is shown literally: markup not parsed, escape sequences defused.
        card = pane.cards()[0]
        lines = "\n".join(card.render_line(y).text for y in range(card.size.height))
        assert "[bold red]x[/]" in lines
        assert "\x1b" not in lines
        assert "␛]52" in lines
        assert "\x1b" not in app.export_screenshot()
        deep_column = pane.query_one("#sp-deep")
        assert deep_column.has_class("-missing")
        assert str(deep_column.border_title) == "Deep success · executives (0)"
        # Side by side at 120 columns: the two columns share a row.
        light_column = pane.query_one("#sp-light")
        assert light_column.region.y == deep_column.region.y
        assert light_column.region.right <= deep_column.region.x

        form = await _form(pilot, app, "a")
        _type(form, title="Pay for itself", audience="deep", stakeholder=boss)
        _type(form, kpi_name="ROI", unit="%", baseline="-20", target="30")
        await _save(pilot)
        assert "No deep-success objective" not in _text(pane, "sp-goal")
        assert not deep_column.has_class("-missing")
        assert "Pay for itself" in _cards(pane)["o2"]
        assert isinstance(app.focused, ObjectiveCard)
        assert app.focused.objective_id == "o2"

        # ROI: the seed example, shown in the plan's currency.
        form = await _form(pilot, app, "R")
        assert form.widget_for("annual_fee").value == "360000"  # type: ignore[attr-defined]
        _type(form, hours_saved_per_month="20", hourly_cost="2000")
        await _save(pilot)
        box = pane.query_one("#sp-roi")
        shown = "\n".join(box.render_line(y).text for y in range(box.size.height))
        assert "¥120,000" in shown
        assert "33 %" in shown
        assert "9.0 months" in shown
        roi = _plan(ws, account_id).roi
        assert roi is not None
        assert (roi.hours_saved_per_month, roi.annual_fee) == (20, 360_000)

        # Remove asks first; No keeps it, Yes removes it and moves the cursor on.
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        await pilot.pause()
        assert len(_plan(ws, account_id).objectives) == 2
        await pilot.press("d", "y")
        await pilot.pause()
        assert [o.id for o in _plan(ws, account_id).objectives] == ["o1"]
        assert isinstance(app.focused, ObjectiveCard)
        assert app.focused.objective_id == "o1"
        assert "No deep-success objective" in _text(pane, "sp-goal")


def test_roi_panel_numbers() -> None:
    from rich.console import Console

    from cstui.domain.models import ROIInputs
    from cstui.widgets.success_plan import roi_view

    console = Console(width=120, record=True)
    console.print(
        roi_view(ROIInputs(hours_saved_per_month=20, hourly_cost=2000, annual_fee=360_000), "JPY")
    )
    text = console.export_text()
    assert "20 h/month × ¥2,000/h × 12 = ¥480,000" in text
    assert "¥120,000" in text
    assert "33 %" in text
    assert "9.0 months" in text
    console = Console(width=120, record=True)
    console.print(
        roi_view(
            ROIInputs(hours_saved_per_month=5, hourly_cost=10, annual_fee=0, currency="USD"), "JPY"
        )
    )
    text = console.export_text()
    assert "— (no annual fee" in text
    assert "$600" in text


async def test_japanese_at_80x24_stacks_the_columns(empty_ws: Workspace) -> None:
    ws = empty_ws
    account_id, _, _ = _acme(ws, "株式会社テスト")
    app = create_app(ws, lang="ja", poll=False, rescore=False)
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await _open(app, pilot, account_id)
        layout = pane.query_one("#sp-columns").styles.layout
        assert layout is not None
        assert layout.name == "vertical"
        assert "サクセスプラン" in _text(pane, "sp-empty")
        footer = {b.binding.description for b in app.active_bindings.values()}
        assert {"新規プラン", "目標を追加", "KPIを記録"} <= footer
        form = await _form(pilot, app, "n")
        assert "新しいサクセスプラン" in str(form.query_one("#form-title").render())
        assert form.query_one("#form-save").region.bottom <= 24
        _type(form, template="month-end-close")
        await _save(pilot)
        plan = _plan(ws, account_id)
        assert plan.goal == "月次決算にかかる期間を半分にする"
        cards = _cards(pane)
        assert "決算1回あたりの作業時間" in cards["o1"]
        assert "低いほど良い" in cards["o1"]
        light = pane.query_one("#sp-light")
        deep = pane.query_one("#sp-deep")
        assert deep.region.y > light.region.y  # stacked, not side by side
        assert str(deep.border_title).startswith("ディープサクセス")
        for card in pane.cards():
            for y in range(card.size.height):
                assert cell_len(card.render_line(y).text) <= 80
        # Validation speaks Japanese beside the field.
        form = await _form(pilot, app, "e")
        _type(form, baseline="40", target="40")
        await _save(pilot)
        assert "目標値は基準値と異なる値" in _error(form, "target")
        assert form.query_one("#form-save").region.bottom <= 24


@pytest.mark.slow
async def test_a_mistyped_reading_is_refused_corrected_and_deleted(empty_ws: Workspace) -> None:
    ws = empty_ws
    account_id, _, _ = _acme(ws)
    ws.add_objective(
        account_id,
        {"title": "Adopt", "kpi_name": "Active users", "unit": "%", "baseline": 20, "target": 70},
    )
    ws.record_kpi(account_id, "o1", 41, date(2026, 10, 5))
    ws.record_kpi(account_id, "o1", 52, date(2026, 11, 5))
    app = create_app(ws, poll=False, rescore=False)
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await _open(app, pilot, account_id)
        pane.restore_cursor()
        await pilot.pause()
        form = await _form(pilot, app, "m")
        _type(form, value="1000")
        await _save(pilot)
        assert _top(app) is form
        assert "0–100" in _error(form, "value")
        await pilot.press("escape")
        await pilot.pause()

        form = await _form(pilot, app, "M")
        assert form.widget_for("reading").value == "2026-11-05"  # type: ignore[attr-defined]
        _type(form, value="50")
        await _save(pilot)
        assert _top(app) is not form
        kpi = _plan(ws, account_id).objectives[0].kpi
        assert kpi is not None
        assert [m.value for m in kpi.history] == [41, 50]

        form = await _form(pilot, app, "M")
        _type(form, reading="2026-10-05")
        form.widget_for("delete").value = True  # type: ignore[attr-defined]
        await _save(pilot)
        kpi = _plan(ws, account_id).objectives[0].kpi
        assert kpi is not None
        assert [(m.date, m.value) for m in kpi.history] == [(date(2026, 11, 5), 50)]
