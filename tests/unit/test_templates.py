"""Onboarding templates: parsing with located errors, applying with dates, reading a plan."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from cstui.domain.config import ConfigError
from cstui.domain.enums import OwnerSide
from cstui.domain.metrics import time_to_value
from cstui.domain.models import OnboardingItem, OnboardingPlan
from cstui.domain.templates import (
    OnboardingTemplate,
    apply_template,
    current_phase,
    due_date,
    load_templates,
    next_step_due,
    parse_template,
    progress,
    roadmap,
    shipped_template_texts,
)

MONDAY = date(2026, 11, 2)

HEAD = """\
key = "t"
name_en = "Test"
name_ja = "テスト"
skip_weekends = {skip}

[[phases]]
id = "kickoff"
name_en = "Kickoff"
name_ja = "キックオフ"
order = 1

[[phases]]
id = "setup"
name_en = "Setup"
name_ja = "設定"
order = 2
"""


def step(sid: str, offset: int, *, phase: str = "kickoff", extra: str = "") -> str:
    return (
        f'\n[[steps]]\nid = "{sid}"\nphase = "{phase}"\ntitle_en = "Do {sid}"\n'
        f'title_ja = "{sid}をする"\noffset_days = {offset}\nowner = "us"\n{extra}'
    )


def template_text(*steps: str, skip: bool = False) -> str:
    return HEAD.format(skip="true" if skip else "false") + "".join(steps)


def parse(*steps: str, skip: bool = False) -> OnboardingTemplate:
    return parse_template(template_text(*steps, skip=skip), "my.toml")


def error(text: str) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        parse_template(text, "my.toml")
    return info.value


def line_of(text: str, needle: str, nth: int = 1) -> int:
    hits = [n for n, line in enumerate(text.splitlines(), 1) if needle in line]
    return hits[nth - 1]


# ------------------------------------------------------------------------------ shipped


def test_shipped_templates_parse_with_japanese_text_and_a_first_value_step() -> None:
    templates, errors = load_templates(shipped_template_texts(), [])
    assert errors == []
    assert {"b2b-saas-90", "mid-touch-60"} <= set(templates)
    saas, mid = templates["b2b-saas-90"], templates["mid-touch-60"]
    assert (saas.days, mid.days) == (90, 60)
    for tpl in (saas, mid):
        assert tpl.skip_weekends
        assert tpl.first_value is not None
        assert [p.id for p in tpl.phases] == [
            "kickoff",
            "setup",
            "training",
            "first_value",
            "go_live",
        ]
        assert all(s.title_ja != s.title_en for s in tpl.steps)
        assert any(s.by_week_ja for s in tpl.steps)
        assert tpl.steps[0].offset_days == 0
        assert tpl.steps[0].core


# ------------------------------------------------------------------------------ errors


def test_a_negative_offset_names_file_line_and_key() -> None:
    text = template_text(step("a", 0), step("b", -3))
    err = error(text)
    at = line_of(text, "offset_days = -3")
    assert str(err).startswith(
        f'my.toml, line {at}, key "steps[2].offset_days": cannot be negative'
    )
    assert (err.line, err.key) == (at, "steps[2].offset_days")


def test_an_unknown_phase_is_refused_with_the_known_ones() -> None:
    text = template_text(step("a", 0), step("b", 2, phase="golive"))
    err = error(text)
    at = line_of(text, 'phase = "golive"')
    assert f'line {at}, key "steps[2].phase": unknown phase "golive"' in str(err)
    assert "kickoff, setup" in str(err)


def test_a_dependency_cycle_is_named() -> None:
    text = template_text(
        step("a", 0, extra='after = ["c"]\n'),
        step("b", 0, extra='after = ["a"]\n'),
        step("c", 0, extra='after = ["b"]\n'),
    )
    err = error(text)
    assert "dependency cycle: a → c → b → a" in str(err)
    assert err.key == "steps[1].after"
    assert err.line == line_of(text, 'after = ["c"]')


def test_a_step_cannot_come_after_itself() -> None:
    assert "dependency cycle: a → a" in str(
        error(template_text(step("a", 0, extra='after = ["a"]\n')))
    )


def test_duplicate_ids_unknown_after_and_early_steps_are_refused() -> None:
    dup = template_text(step("a", 0), step("a", 1))
    assert 'key "steps[2].id": duplicate step id "a" (already steps[1])' in str(error(dup))
    unknown = template_text(step("a", 0, extra='after = ["zz"]\n'))
    assert 'key "steps[1].after": unknown step "zz"' in str(error(unknown))
    early = template_text(step("a", 5), step("b", 3, extra='after = ["a"]\n'))
    err = error(early)
    assert err.key == "steps[2].offset_days"
    assert 'day 3 is before day 5 of "a", which this step comes after' in str(err)


def test_toml_syntax_wrong_types_and_unknown_keys_are_located() -> None:
    err = error('key = "t"\nname_en = \n')
    assert str(err).startswith("my.toml, line 2, column")
    assert "not valid TOML" in str(err)
    text = template_text(step("a", 0, extra="core = 1\n"))
    assert 'key "steps[1].core": expected true or false, got 1.' in str(error(text))
    text = template_text(step("a", 0, extra='colour = "red"\n'))
    assert 'key "steps[1].colour": unknown key "colour"' in str(error(text))
    text = template_text(step("a", 0)).replace('owner = "us"', 'owner = "them"')
    assert 'key "steps[1].owner": expected "customer" or "us", got "them".' in str(error(text))
    assert 'key "steps": missing' in str(error(template_text()))


def test_only_one_first_value_step() -> None:
    text = template_text(
        step("a", 0, extra="first_value = true\n"), step("b", 1, extra="first_value = true\n")
    )
    assert 'key "steps[2].first_value": only one step' in str(error(text))
    assert parse(step("a", 0, extra="first_value = true\n")).first_value == "a"


# ------------------------------------------------------------------------------ loading


def test_user_templates_override_shipped_ones_and_broken_ones_are_reported(
    tmp_path: Path,
) -> None:
    shipped = [("shipped/t.toml", template_text(step("a", 0)))]
    override = tmp_path / "t.toml"
    override.write_text(template_text(step("a", 0), step("b", 3)), encoding="utf-8")
    broken = tmp_path / "broken.toml"
    bad = template_text(step("x", -1)).replace('key = "t"', 'key = "b"')
    broken.write_text(bad, encoding="utf-8")
    templates, errors = load_templates(shipped, sorted(tmp_path.glob("*.toml")))
    assert list(templates) == ["t"]
    assert [s.id for s in templates["t"].steps] == ["a", "b"]
    assert templates["t"].source == str(override)
    assert len(errors) == 1
    at = line_of(bad, "offset_days = -1")
    assert errors[0].startswith(f'{broken}, line {at}, key "steps[1].offset_days"')
    assert errors[0].endswith("(this template is skipped)")


# ------------------------------------------------------------------------------ applying


def test_due_dates_skip_weekends_by_moving_to_monday() -> None:
    assert due_date(MONDAY, 5, skip_weekends=True) == date(2026, 11, 9)  # Saturday → Monday
    assert due_date(MONDAY, 6, skip_weekends=True) == date(2026, 11, 9)  # Sunday → Monday
    assert due_date(MONDAY, 4, skip_weekends=True) == date(2026, 11, 6)  # Friday stays
    assert due_date(MONDAY, 5) == date(2026, 11, 7)


def test_apply_computes_dates_ids_and_language() -> None:
    tpl = parse(step("a", 0), step("b", 5), step("c", 12, phase="setup"), skip=True)
    plan = apply_template(tpl, MONDAY, None, "acc1", "ja")
    assert plan.id == ""
    assert plan.account_id == "acc1"
    assert plan.template == "t"
    assert [i.id for i in plan.items] == ["t:a", "t:b", "t:c"]
    assert [i.due for i in plan.items] == [MONDAY, date(2026, 11, 9), date(2026, 11, 16)]
    assert plan.items[0].title == "aをする"
    assert plan.phase_names == {"kickoff": "キックオフ", "setup": "設定"}
    assert plan.skip_weekends


def test_reapplying_keeps_done_state_notes_and_hand_items_and_never_duplicates() -> None:
    tpl = parse(step("a", 0), step("b", 7), step("c", 14, phase="setup"))
    plan = apply_template(tpl, MONDAY, None, "acc1", "en")
    items = list(plan.items)
    items[0] = items[0].model_copy(update={"done": True, "done_on": MONDAY, "notes": "went well"})
    own = OnboardingItem(id="own:1", phase="kickoff", title="Extra call", due=MONDAY)
    items.insert(1, own)
    plan = plan.model_copy(update={"id": "p1", "items": items, "satisfaction": 8})

    later = MONDAY + timedelta(days=7)
    again = apply_template(tpl, later, plan, "acc1", "en")
    assert [i.id for i in again.items] == ["t:a", "own:1", "t:b", "t:c"]
    a = again.items[0]
    assert (a.done, a.done_on, a.notes, a.due) == (True, MONDAY, "went well", later)
    assert again.id == "p1"
    assert again.satisfaction == 8
    assert again.start == later
    assert apply_template(tpl, later, again, "acc1", "en") == again  # a fixed point


def test_reapplying_a_changed_template_adds_new_steps_and_honours_removals() -> None:
    plan = apply_template(parse(step("a", 0), step("b", 3)), MONDAY, None, "acc1", "en")
    plan = plan.model_copy(
        update={"items": [i for i in plan.items if i.id != "t:b"], "removed": ["t:b"]}
    )
    wider = parse(step("a", 0), step("b", 3), step("n", 1))
    again = apply_template(wider, MONDAY, plan, "acc1", "en")
    assert [i.id for i in again.items] == ["t:a", "t:n"]


def _with(plan: OnboardingPlan, item_id: str, **changes: object) -> OnboardingPlan:
    """``plan`` with one item changed, as a CSM's edit would leave it."""
    items = [i.model_copy(update=changes) if i.id == item_id else i for i in plan.items]
    return plan.model_copy(update={"items": items})


def test_reapplying_never_drops_a_step_open_or_not() -> None:
    """Steps of no template or another one stay, open and without notes too (the audit:
    re-applying dropped every unticked step it did not recognise)."""
    tpl = parse(step("a", 0), step("b", 7))
    plan = apply_template(tpl, MONDAY, None, "acc1", "en")
    other = OnboardingItem(id="old:call", phase="kickoff", title="Call the IT lead", due=MONDAY)
    bare = OnboardingItem(id="training-day", phase="setup", title="Training day", due=MONDAY)
    plan = plan.model_copy(update={"items": [*plan.items, other, bare]})
    again = apply_template(tpl, MONDAY, plan, "acc1", "en")
    assert [i.id for i in again.items] == ["t:a", "t:b", "old:call", "training-day"]
    assert again.items[2:] == [other, bare]


def test_a_step_is_known_by_its_origin_and_keeps_the_csms_edits() -> None:
    """The item id records the template step it came from, so an edited title is still
    that step; re-applying keeps what the CSM changed on it."""
    tpl = parse(step("a", 0), step("b", 7), step("c", 14, phase="setup"))
    plan = apply_template(tpl, MONDAY, None, "acc1", "ja")
    moved = MONDAY + timedelta(days=9)
    plan = _with(
        plan,
        "t:b",
        title="Bの打合せ（先方の会議室で）",
        due=moved,
        offset_days=9,
        owner_side=OwnerSide.CUSTOMER,
        core=False,
        notes="地図を送る",
        done=True,
        done_on=MONDAY,
    )
    again = apply_template(tpl, MONDAY, plan, "acc1", "ja")
    assert again == plan  # nothing to add, nothing rewritten
    # A later start moves the dates (the CSM's day 9 with them); the words stay theirs,
    # and a title still in the template's words follows the account's language.
    later = MONDAY + timedelta(days=7)
    shifted = apply_template(tpl, later, plan, "acc1", "en")
    a, b, _ = shifted.items
    assert (a.title, a.due) == ("Do a", later)
    assert (b.title, b.due, b.notes) == (
        "Bの打合せ（先方の会議室で）",
        later + timedelta(9),
        "地図を送る",
    )
    assert (b.owner_side, b.core, b.done, b.done_on) == (OwnerSide.CUSTOMER, False, True, MONDAY)


def test_a_step_typed_in_the_templates_words_is_not_added_twice() -> None:
    """A step without a recorded origin (added by hand, or from an older book) whose title
    is a template step's title, in either language, is that step."""
    plan = apply_template(parse(step("a", 0)), MONDAY, None, "acc1", "en")
    own = OnboardingItem(id="own:1", phase="kickoff", title="  do B ", due=MONDAY)
    plan = plan.model_copy(update={"items": [*plan.items, own]})
    wider = parse(step("a", 0), step("b", 7), step("c", 9))
    again = apply_template(wider, MONDAY, plan, "acc1", "en")
    assert [i.id for i in again.items] == ["t:a", "own:1", "t:c"]
    assert again.items[1].title == "do B"


def test_the_first_value_milestone_stays_where_the_csm_put_it() -> None:
    tpl = parse(step("a", 0), step("b", 7, extra="first_value = true\n"))
    plan = apply_template(tpl, MONDAY, None, "acc1", "en")
    assert [i.id for i in plan.items if i.first_value] == ["t:b"]
    plan = _with(plan, "t:b", first_value=False)
    plan = _with(plan, "t:a", first_value=True, done=True, done_on=MONDAY + timedelta(3))
    again = apply_template(tpl, MONDAY, plan, "acc1", "en")
    assert [i.id for i in again.items if i.first_value] == ["t:a"]
    assert progress(again, MONDAY + timedelta(10)).ttv_days == 3
    # ... also on a step of the CSM's own; a plan without one gets the template's.
    own = OnboardingItem(id="own:1", phase="kickoff", title="Go live", first_value=True)
    unmarked = _with(plan, "t:a", first_value=False)
    plan = unmarked.model_copy(update={"items": [*unmarked.items, own]})
    assert [i.id for i in apply_template(tpl, MONDAY, plan, "acc1").items if i.first_value] == [
        "own:1"
    ]
    none = _with(plan, "own:1", first_value=False)
    assert [i.id for i in apply_template(tpl, MONDAY, none, "acc1").items if i.first_value] == [
        "t:b"
    ]


def test_applying_says_what_it_did() -> None:
    from cstui.domain.templates import merge_template

    tpl = parse(step("a", 0), step("b", 3), step("c", 5))
    first = merge_template(tpl, MONDAY, None, "acc1", "en")
    assert (first.added, first.already, first.left_out) == (("t:a", "t:b", "t:c"), (), ())
    assert first.changed
    plan = first.plan.model_copy(
        update={"items": [i for i in first.plan.items if i.id != "t:c"], "removed": ["t:c"]}
    )
    same = merge_template(tpl, MONDAY, plan, "acc1", "en")
    assert (same.added, same.already, same.left_out) == ((), ("t:a", "t:b"), ("t:c",))
    assert not same.changed
    assert same.plan == plan
    wider = parse(step("a", 0), step("b", 3), step("c", 5), step("n", 1))
    more = merge_template(wider, MONDAY, plan, "acc1", "en")
    assert (more.added, more.already, more.left_out) == (("t:n",), ("t:a", "t:b"), ("t:c",))
    assert more.changed


def test_roadmap_groups_by_week_from_the_start() -> None:
    tpl = parse(
        step("a", 0, extra='by_week_en = "log in"\n'), step("b", 6), step("c", 7), step("d", 20)
    )
    plan = apply_template(tpl, MONDAY, None, "acc1", "en")
    weeks = [(week, [i.id for i in items]) for week, items in roadmap(plan)]
    assert weeks == [(1, ["t:a", "t:b"]), (2, ["t:c"]), (3, ["t:d"])]
    assert roadmap(plan)[0][1][0].by_week == "log in"


def test_progress_per_phase_overdue_and_time_to_value() -> None:
    tpl = parse(
        step("a", 0),
        step("b", 3),
        step("c", 10, phase="setup", extra="first_value = true\n"),
        step("d", 30, phase="setup"),
    )
    plan = apply_template(tpl, MONDAY, None, "acc1", "en")
    items = list(plan.items)
    items[0] = items[0].model_copy(update={"done": True, "done_on": MONDAY})
    items[2] = items[2].model_copy(update={"done": True, "done_on": MONDAY + timedelta(days=12)})
    plan = plan.model_copy(update={"items": items})
    got = progress(plan, MONDAY + timedelta(days=14))
    assert got.overall_pct == 50.0
    assert got.per_phase == {"kickoff": (1, 2), "setup": (1, 2)}
    assert [i.id for i in got.overdue] == ["t:b"]
    assert got.ttv_days == 12
    assert (got.done, got.total) == (2, 4)
    empty = OnboardingPlan(account_id="x", start=MONDAY)
    assert progress(empty, MONDAY).overall_pct == 0.0
    assert progress(empty, MONDAY).ttv_days is None


def test_time_to_value_formula() -> None:
    assert time_to_value(date(2026, 1, 1), date(2026, 2, 15)) == 45
    assert time_to_value(date(2026, 1, 1), None) is None
    assert time_to_value(date(2026, 1, 10), date(2026, 1, 1)) == 0


def _step(n: int, phase: str, due: date | None, done: bool = False) -> OnboardingItem:
    return OnboardingItem(id=f"s{n}", phase=phase, title=f"Step {n}", due=due, done=done)


def test_current_phase_is_that_of_the_first_unfinished_step() -> None:
    names = {"kickoff": "Kickoff", "setup": "Setup", "live": "Go-live"}
    items = [
        _step(1, "kickoff", MONDAY, done=True),
        _step(2, "setup", MONDAY + timedelta(days=7)),
        _step(3, "kickoff", MONDAY + timedelta(days=2)),  # listed late, still the first phase
        _step(4, "live", MONDAY + timedelta(days=30)),
    ]
    plan = OnboardingPlan(account_id="x", start=MONDAY, phase_names=names, items=items)
    assert current_phase(plan) == "kickoff"
    items[2] = items[2].model_copy(update={"done": True})
    plan = plan.model_copy(update={"items": items})
    assert current_phase(plan) == "setup"
    everything = [i.model_copy(update={"done": True}) for i in items]
    assert current_phase(plan.model_copy(update={"items": everything})) == "live"
    assert current_phase(OnboardingPlan(account_id="x", start=MONDAY)) is None


def test_a_new_step_is_due_after_the_last_step_it_follows_never_in_the_past() -> None:
    names = {"kickoff": "Kickoff", "setup": "Setup", "live": "Go-live"}
    items = [
        _step(1, "kickoff", MONDAY + timedelta(days=3)),
        _step(2, "setup", MONDAY + timedelta(days=10)),
        _step(3, "setup", None),
        _step(4, "live", MONDAY + timedelta(days=30)),
    ]
    plan = OnboardingPlan(account_id="x", start=MONDAY, phase_names=names, items=items)
    assert next_step_due(plan, "setup", MONDAY) == MONDAY + timedelta(days=11)
    assert next_step_due(plan, "kickoff", MONDAY) == MONDAY + timedelta(days=4)
    assert next_step_due(plan, "live", MONDAY) == MONDAY + timedelta(days=31)
    later = MONDAY + timedelta(days=20)
    assert next_step_due(plan, "setup", later) == later  # an overdue phase: not in the past
    assert next_step_due(OnboardingPlan(account_id="x", start=MONDAY), "kickoff", MONDAY) == MONDAY
