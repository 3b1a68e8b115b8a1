"""The account panes' text and forms, built without an app: render and forms modules."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from rich.cells import cell_len

from cstui import i18n
from cstui.domain.enums import OwnerSide
from cstui.domain.models import KPI, Contact, Measurement, Objective, OnboardingItem, OnboardingPlan
from cstui.domain.success import summarize
from cstui.widgets.checklist import forms as checklist_forms
from cstui.widgets.checklist import render as checklist
from cstui.widgets.qbr import render as qbr
from cstui.widgets.success_plan import forms as success_forms
from cstui.widgets.success_plan import render as success

TODAY = date(2026, 11, 23)


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    i18n.set_language("en")
    yield
    i18n.set_language("en")


def _plan(*items: OnboardingItem) -> OnboardingPlan:
    return OnboardingPlan(
        id="p1", account_id="a1", template="", start=date(2026, 11, 2), items=list(items)
    )


def test_step_lines_fill_the_width_even_with_wide_characters() -> None:
    late = OnboardingItem(
        id="i1",
        phase="setup",
        title="管理者アカウントの設定と権限の確認" * 3,
        due=date(2026, 11, 20),
    )
    done = OnboardingItem(
        id="i2", phase="setup", title="[bold]Kick-off[/]", done=True, done_on=date(2026, 11, 3)
    )
    for width in (80, 97):
        line = checklist.item_line(late, TODAY, width)
        assert cell_len(line.plain) == width
        assert "3d overdue" in line.plain
        assert "…" in line.plain
    shown = checklist.item_line(done, TODAY, 80)
    assert shown.plain.startswith("[x] [bold]Kick-off[/]")  # customer text stays literal
    assert "✓ 2026-11-03" in shown.plain


def test_phases_follow_the_plan_when_there_is_no_template() -> None:
    plan = _plan(
        OnboardingItem(id="i1", phase="training", title="Train admins"),
        OnboardingItem(id="i2", phase="custom_phase", title="Something of our own"),
    )
    assert checklist.phases_in_order(plan, None) == ["training", "custom_phase"]
    assert checklist.phases_in_order(_plan(), None) == list(checklist.KNOWN_PHASES)
    assert checklist.phase_name("custom_phase", plan, None) == "Custom phase"
    options = checklist.phase_options(plan, None, TODAY, 80, None)
    assert [o.id for o in options] == [None, "i1", None, "i2"]  # a heading before each phase
    assert all(o.disabled for o in options if o.id is None)


def test_onboarding_kpi_answers_round_trip_through_the_form() -> None:
    for value in (True, False, None):
        assert checklist_forms.from_yes_no(checklist_forms.yes_no(value)) is value
    item = OnboardingItem(id="i1", phase="setup", title="SSO", owner_side=OwnerSide.CUSTOMER)
    fields = checklist_forms.edit_fields(item, [("Setup", "setup")])
    assert {f.name: f.value for f in fields}["owner_side"] == "customer"


def test_kpi_bar_fills_towards_a_lower_target() -> None:
    kpi = KPI(
        name="Close time",
        unit="h",
        baseline=10,
        target=4,
        history=[Measurement(date=date(2026, 11, 1), value=7)],
    )
    objective = Objective(id="o1", title="Faster close", kpi=kpi)
    summary = summarize(objective, TODAY)
    bar = success.kpi_bar(kpi, summary, width=10).plain
    assert bar == "10 h ▕█████░░░░░▏ 4 h"  # 10 → 7 is half of the way to 4
    assert success.with_unit(1200.5, "%") == "1,200.5%"
    assert success.plain_number(3.0) == "3"


def test_stakeholder_choices_drop_people_who_left_unless_already_chosen() -> None:
    here = Contact(id="c1", account_id="a1", name="Aiko")
    gone = Contact(id="c2", account_id="a1", name="Ben", active=False)
    assert [v for _, v in success_forms.contact_options([here, gone], TODAY)] == ["c1"]
    kept = success_forms.contact_options([here, gone], TODAY, keep="c2")
    assert [v for _, v in kept] == ["c1", "c2"]
    assert "left" in kept[1][0]


def test_qbr_prose_says_whether_it_was_edited() -> None:
    edited = qbr.prose_text("We [b]shipped[/b] SSO.", "drafted").plain
    assert edited.startswith("We [b]shipped[/b] SSO.")
    assert "edited" in edited.lower()
    drafted = qbr.prose_text(None, "").plain
    assert "edited" not in drafted.lower()
    assert qbr.lines_text(["one", "two"]).count("\n") == 1
