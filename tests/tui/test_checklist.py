"""The Onboarding tab: apply a template, tick, reorder, roadmap, edit, add, remove, KPIs."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from rich.text import Text
from textual.screen import Screen
from textual.widgets import Input, Select, Static, Tab, TabbedContent

from cstui.app import CSApp, create_app
from cstui.domain.models import OnboardingPlan
from cstui.domain.templates import current_phase, shipped_template_texts
from cstui.screens.account import AccountScreen
from cstui.ui.confirm import ConfirmScreen
from cstui.ui.forms import FormScreen
from cstui.widgets.checklist import OnboardingPane
from cstui.widgets.tasks import TasksPane
from cstui.widgets.timeline import TimelinePane
from cstui.workspace import Workspace

TODAY = date(2026, 11, 23)


def _top(app: CSApp) -> Screen[Any]:
    """The active screen, unnarrowed (a save or Escape changes it behind mypy's back)."""
    return app.screen


async def _open(app: CSApp, pilot: Any, account_id: str) -> OnboardingPane:
    screen = AccountScreen(account_id)
    await app.push_screen(screen)
    await pilot.pause()  # as a user would: the overview first, then the tab
    screen.query_one(TabbedContent).active = "tab-onboarding"
    await pilot.pause()
    return screen.query_one(OnboardingPane)


def _plan(ws: Workspace, account_id: str) -> OnboardingPlan:
    plan = ws.onboarding(account_id)
    assert plan is not None
    return plan


def _line(pane: OnboardingPane, item_id: str) -> Text:
    prompt = pane.items.get_option(item_id).prompt
    assert isinstance(prompt, Text)
    return prompt


def _summary(pane: OnboardingPane) -> str:
    return str(pane.query_one("#onboarding-summary", Static).content)


def _keys(screen: AccountScreen) -> set[str]:
    """The descriptions the footer shows for the focused widget and its ancestors."""
    return {active.binding.description for active in screen.active_bindings.values()}


def _no_plan(ws: Workspace) -> str:
    return next(a.id for a in ws.accounts() if ws.onboarding(a.id) is None)


async def _apply(app: CSApp, pilot: Any, start: date | None = None) -> None:
    await pilot.press("T")
    form = app.screen
    assert isinstance(form, FormScreen)
    if start is not None:
        field = form.query_one("#field-start", Input)
        field.value = start.isoformat()
    await pilot.press("ctrl+s")
    await pilot.pause()


@pytest.mark.slow
async def test_apply_tick_reorder_overdue_and_time_to_value(demo_ws: Workspace) -> None:
    account_id = _no_plan(demo_ws)
    app = create_app(demo_ws, poll=False, rescore=False)
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await _open(app, pilot, account_id)
        # No plan: an explanation, and the pane itself holds focus so T works.
        assert "Press T" in str(pane.query_one("#onboarding-empty", Static).content)
        assert app.screen.focused is pane
        assert not pane.items.display
        start = TODAY - timedelta(days=30)
        await _apply(app, pilot, start)
        plan = _plan(demo_ws, account_id)
        assert plan.start == start
        assert plan.items
        assert _top(app).focused is pane.items  # the checklist took focus
        ids = [i.id for i in plan.items]
        assert [o.id for o in pane.items.options if o.id] == ids  # grouped by phase, in order
        # Overdue: an open item due before today shows "Nd overdue" in red.
        late = next(i for i in plan.items if i.due is not None and i.due < TODAY)
        line = _line(pane, late.id)
        days = (TODAY - late.due).days if late.due else 0
        assert f"{days}d overdue" in line.plain
        assert any("red" in str(span.style) for span in line.spans)
        assert "overdue" in _summary(pane)
        # Space ticks the highlighted item; done_on is today; the cursor stays on it.
        first = pane.items.current_id
        assert first == ids[0]
        await pilot.press("space")
        await pilot.pause()
        ticked = next(i for i in _plan(demo_ws, account_id).items if i.id == first)
        assert ticked.done
        assert ticked.done_on == TODAY
        assert pane.items.current_id == first
        assert "[x]" in _line(pane, first).plain
        await pilot.press("space")
        await pilot.pause()
        assert not next(i for i in _plan(demo_ws, account_id).items if i.id == first).done
        # J moves the item down within its phase, K back; the cursor follows the item.
        phase = plan.items[0].phase
        same = [i.id for i in plan.items if i.phase == phase]
        assert len(same) >= 2
        await pilot.press("J")
        await pilot.pause()
        moved = [i.id for i in _plan(demo_ws, account_id).items if i.phase == phase]
        assert moved[:2] == [same[1], same[0]]
        assert pane.items.current_id == same[0]
        await pilot.press("K")
        await pilot.pause()
        assert [i.id for i in _plan(demo_ws, account_id).items if i.phase == phase] == same
        # Time to value: "not yet" until the first-value item is ticked, then the days.
        assert "not yet" in _summary(pane)
        milestone = next(i for i in plan.items if i.first_value)
        pane.items.highlighted = pane.items.get_option_index(milestone.id)
        await pilot.press("space")
        await pilot.pause()
        assert f"Time to value: {(TODAY - start).days} days" in _summary(pane)
        assert "★" in _line(pane, milestone.id).plain
        # Re-applying never duplicates.
        await _apply(app, pilot)
        again = _plan(demo_ws, account_id)
        assert [i.id for i in again.items] == ids
        assert next(i for i in again.items if i.id == milestone.id).done
        # w: the roadmap, what the customer can do by each week (the template's by_week).
        await pilot.press("w")
        await pilot.pause()
        headings = [str(o.prompt) for o in pane.items.options if o.disabled]
        assert headings
        assert all(h.startswith("By week") for h in headings)
        outcome = next(i for i in again.items if i.by_week)
        assert outcome.by_week in _line(pane, outcome.id).plain
        assert "Roadmap" in _summary(pane)


def _said(app: CSApp) -> list[str]:
    return [n.message for n in app._notifications]


def _as_seen(plan: OnboardingPlan) -> list[tuple[object, ...]]:
    """What a CSM sees and owns of each step, in checklist order."""
    fields = ("id", "phase", "title", "done", "done_on", "notes", "due", "owner_side", "core")
    return [tuple(getattr(i, f) for f in (*fields, "first_value")) for i in plan.items]


GROWN_STEP = """
[[steps]]
id = "security-review"
phase = "setup"
title_en = "Go through the security checklist with the customer's IT"
title_ja = "情報システム部門とセキュリティチェックリストを確認"
offset_days = 12
owner = "us"
core = true
after = ["kickoff-meeting"]
"""


@pytest.mark.slow
async def test_reapplying_the_template_to_a_demo_plan_adds_only_what_is_missing(
    demo_ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The audit: T then Ctrl+S on 筑紫不動産's checklist added 16 near-copies of its steps,
    dropped the 3 unticked ones and moved the first-value mark (time to value "not yet").
    Now, with the team's template grown by a step since, re-applying recognises every step
    (their titles are the CSM's own words), adds just the new one with its task, says so,
    and u takes it all back."""
    config = tmp_path / "config"
    (config / "onboarding").mkdir(parents=True)
    shipped = dict(shipped_template_texts())["cstui/defaults/onboarding/b2b-saas-90.toml"]
    (config / "onboarding" / "b2b-saas-90.toml").write_text(shipped + GROWN_STEP, "utf-8")
    monkeypatch.setenv("CSTUI_CONFIG_DIR", str(config))
    account_id = next(a.id for a in demo_ws.accounts() if a.name == "筑紫不動産株式会社")
    before = _plan(demo_ws, account_id)
    assert before.removed  # the template steps the CSM left out of this plan
    ours = [i for i in before.items if not i.id.startswith("own:")]
    tasks = {t.id: t for t in demo_ws.tasks(account_id, include_done=True)}
    app = create_app(demo_ws, poll=False, rescore=False)
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await _open(app, pilot, account_id)
        ttv = re.search(r"Time to value: \d+ days", _summary(pane))
        assert ttv is not None
        await _apply(app, pilot)
        assert _top(app) is pane.screen
        after = _plan(demo_ws, account_id)
        new = "b2b-saas-90:security-review"
        kept = after.model_copy(update={"items": [i for i in after.items if i.id != new]})
        assert _as_seen(kept) == _as_seen(before)
        (added,) = [i for i in after.items if i.id == new]
        assert (added.phase, added.title) == (
            "setup",
            "情報システム部門とセキュリティチェックリストを確認",
        )
        assert ttv.group() in _summary(pane)
        now = {t.id: t for t in demo_ws.tasks(account_id, include_done=True)}
        assert {k: v for k, v in now.items() if k in tasks} == tasks
        assert [t.title for k, t in now.items() if k not in tasks] == [added.title]
        assert _said(app)[-1] == (
            f"Template applied: 1 step added, {len(ours)} already there, "
            f"{len(before.removed)} you removed left out (u undoes)."
        )
        await pilot.press("u")
        await pilot.pause()
        assert _said(app)[-1] == "Undid: applied the onboarding template to 筑紫不動産株式会社"
        assert _plan(demo_ws, account_id) == before
        assert {t.id: t for t in demo_ws.tasks(account_id, include_done=True)} == tasks


@pytest.mark.slow
async def test_applying_a_template_counts_the_steps_it_adds(demo_ws: Workspace) -> None:
    """The toast says what applying did (it said only "applied"); a re-apply with nothing
    to add says so and saves nothing, so u undoes the apply before it."""
    account_id = _no_plan(demo_ws)
    app = create_app(demo_ws, lang="ja", poll=False, rescore=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await _open(app, pilot, account_id)
        await _apply(app, pilot, TODAY)
        plan = _plan(demo_ws, account_id)
        n = len(plan.items)
        assert _said(app)[-1] == f"テンプレートを適用しました：{n}件を追加（u で元に戻せます）。"
        await _apply(app, pilot, TODAY)
        assert _said(app)[-1] == f"追加するステップはありません：{n}件は適用済み。"
        assert _plan(demo_ws, account_id) == plan
        await pilot.press("u")  # the first apply: the second one changed nothing
        await pilot.pause()
        assert demo_ws.onboarding(account_id) is None


@pytest.mark.slow
async def test_edit_add_remove_and_kpis(demo_ws: Workspace) -> None:
    account_id = "acc-000001"
    plan = _plan(demo_ws, account_id)
    app = create_app(demo_ws, poll=False, rescore=False)
    async with app.run_test(size=(100, 30)) as pilot:
        pane = await _open(app, pilot, account_id)
        target = plan.items[2]
        pane.items.highlighted = pane.items.get_option_index(target.id)
        # Edit: new title and a note; the cursor stays on the item.
        await pilot.press("e")
        form = app.screen
        assert isinstance(form, FormScreen)
        form.query_one("#field-title", Input).value = "Exec interview [b]now[/b]"
        form.query_one("#field-notes").text = "bring the ROI sheet"  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await pilot.pause()
        edited = next(i for i in _plan(demo_ws, account_id).items if i.id == target.id)
        assert edited.title == "Exec interview [b]now[/b]"
        assert edited.notes == "bring the ROI sheet"
        assert edited.phase == target.phase
        assert edited.due == target.due
        line = _line(pane, target.id).plain
        assert "Exec interview [b]now[/b]" in line
        assert "✎" in line
        assert pane.items.current_id == target.id
        # Add: a new step in the current phase (not the highlighted one's); the cursor
        # lands on it.
        phase = current_phase(_plan(demo_ws, account_id))
        assert phase is not None
        await pilot.press("a")
        form = app.screen
        assert isinstance(form, FormScreen)
        assert form.query_one("#field-phase", Select).value == phase
        form.query_one("#field-title", Input).value = "Share the admin FAQ"
        await pilot.press("ctrl+s")
        await pilot.pause()
        items = _plan(demo_ws, account_id).items
        added = next(i for i in items if i.title == "Share the admin FAQ")
        assert added.phase == phase
        assert len(items) == len(plan.items) + 1
        assert pane.items.current_id == added.id
        # Remove asks first; Escape keeps it, Enter on the red button removes it.
        await pilot.press("d")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert any(i.id == added.id for i in _plan(demo_ws, account_id).items)
        await pilot.press("d")
        await pilot.press("enter")
        await pilot.pause()
        assert not any(i.id == added.id for i in _plan(demo_ws, account_id).items)
        assert _top(app) is pane.screen
        assert pane.items.current_id is not None
        # KPIs: satisfaction 11 is refused beside its field and nothing is saved.
        before = _plan(demo_ws, account_id)
        await pilot.press("m")
        kpis = _top(app)
        assert isinstance(kpis, FormScreen)
        field = kpis.query_one("#field-satisfaction", Input)
        field.value = "11"
        kpis.query_one("#field-comprehension_ok", Select).value = "no"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert _top(app) is kpis
        assert "between 0 and 10" in str(kpis.query_one("#error-satisfaction", Static).content)
        after = _plan(demo_ws, account_id)
        assert after.satisfaction == before.satisfaction
        assert after.comprehension_ok == before.comprehension_ok  # nothing half-saved
        field.value = "9"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert _top(app) is pane.screen
        saved = _plan(demo_ws, account_id)
        assert saved.satisfaction == 9
        assert saved.comprehension_ok is False
        assert "Satisfaction 9/10" in _summary(pane)


@pytest.mark.slow
async def test_japanese_at_80x24(demo_ws: Workspace) -> None:
    """All three tabs in Japanese at 80×24; digits switch tabs and the tab's list takes focus."""
    app = create_app(demo_ws, lang="ja", poll=False, rescore=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = AccountScreen("acc-000001")
        await app.push_screen(screen)
        await pilot.press("2")
        await pilot.pause()
        pane = screen.query_one(OnboardingPane)
        assert screen.query_one(TabbedContent).active == "tab-onboarding"
        assert app.screen.focused is pane.items
        labels = {str(tab.label) for tab in screen.query(Tab)}
        assert {"2 オンボーディング", "4 タイムライン", "5 タスク"} <= labels
        assert {"完了切替", "編集", "追加", "削除", "ロードマップ", "テンプレート"} <= _keys(screen)
        assert "全体" in _summary(pane)
        assert "価値実感までの期間" in _summary(pane)
        assert any("必須" in str(o.prompt) for o in pane.items.options)
        await pilot.press("m")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, FormScreen)
        assert "オンボーディングKPI" in str(form.query_one("#form-title").render())
        assert form.query_one("#form-save").region.bottom <= 24
        await pilot.press("escape")
        screen.query_one(TabbedContent).active = "tab-timeline"
        await pilot.pause()
        timeline = screen.query_one(TimelinePane)
        assert app.screen.focused is timeline.items
        assert "すべての種類" in str(timeline.query_one("#timeline-header", Static).content)
        assert {"種類で絞込", "活動を記録"} <= _keys(screen)
        assert any("会議" in str(o.prompt) for o in timeline.items.options)
        screen.query_one(TabbedContent).active = "tab-tasks"
        await pilot.pause()
        tasks = screen.query_one(TasksPane)
        assert "未完了" in str(tasks.query_one("#tasks-header", Static).content)
        assert "経営層との接点" in str(tasks.query_one("#touchpoints").border_title)
        assert {"完了", "完了の表示切替"} <= _keys(screen)
