"""Onboarding templates: a checklist written once in TOML, applied to each account with dates.

The seeds' lessons shape the format (DOMAIN.md, "Onboarding checklists"): steps are grouped
in phases in the order of the customer journey, core steps are marked so optional ones can
wait, one step is the "first value" milestone that time to value is measured against, and
steps may say what the customer can do once they are done, for a "by week N" roadmap.

Design choices, and why:

* Offsets are calendar days from the start, as people write plans ("day 14"). When a
  template skips weekends, a due date that falls on a Saturday or Sunday moves to the next
  Monday. Counting business days instead would stretch a "90-day" plan to about 126 days and
  break the promise in its name; moving forward never reorders steps either.
* Item ids are ``{template}:{step}``: the id records the step an item came from, so
  applying a template again (a new start date, a template that grew) recognises each step
  however its title was edited, and adds only the missing ones. Re-applying never takes
  anything away: a step already there keeps what the CSM made of it (ticks and their
  dates, notes, wording, due date, owner, core, the first-value mark); items added by hand
  (ids starting ``own:``) or from another template stay, open or done; items a CSM removed
  are remembered in ``OnboardingPlan.removed`` and not brought back. A new start moves the
  template steps' dates with it. Dropping what it did not recognise (as re-applying once
  did, for any unticked item without notes) loses a CSM's work without a word.
* Errors name the file, line and key like the health config (``steps[3]`` is the third
  ``[[steps]]`` table, counted from 1), and are caught before a plan exists: negative
  offsets, unknown phases, duplicate ids, unknown or cyclic ``after`` references, and a step
  due before a step it comes after.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Final, Literal, Self

from pydantic import AfterValidator, Field, model_validator

from cstui.domain.config import (
    ConfigError,
    ConfigModel,
    Ident,
    OptionalText,
    Text,
    invalid,
    key_text,
    parse_toml,
    shown,
)
from cstui.domain.enums import OwnerSide
from cstui.domain.light import OnboardingItemLike, OnboardingLike
from cstui.domain.metrics import time_to_value
from cstui.domain.models import OnboardingItem, OnboardingPlan
from cstui.domain.portfolio import fold

OWN_PREFIX: Final = "own:"
"""Id prefix of items a CSM added by hand (never touched by re-applying a template)."""


@dataclass(frozen=True, slots=True)
class TemplatePhase:
    id: str
    name_en: str
    name_ja: str
    order: int

    def name(self, lang: str = "en") -> str:
        return self.name_ja if lang == "ja" else self.name_en


@dataclass(frozen=True, slots=True)
class TemplateStep:
    id: str
    phase: str
    title_en: str
    title_ja: str
    offset_days: int
    owner: OwnerSide
    core: bool = True
    first_value: bool = False
    after: tuple[str, ...] = ()
    by_week_en: str = ""
    by_week_ja: str = ""

    def title(self, lang: str = "en") -> str:
        return self.title_ja if lang == "ja" else self.title_en

    def by_week(self, lang: str = "en") -> str:
        return self.by_week_ja if lang == "ja" else self.by_week_en


@dataclass(frozen=True, slots=True)
class OnboardingTemplate:
    """A validated template. Build it with :func:`parse_template`, not by hand."""

    key: str
    name_en: str
    name_ja: str
    skip_weekends: bool
    first_value: str | None
    """Id of the first-value step (time to value ends when it is done), if any."""
    phases: tuple[TemplatePhase, ...]
    """In display order."""
    steps: tuple[TemplateStep, ...]
    """In checklist order: by phase, then offset, then file order."""
    source: str = ""
    description_en: str = ""
    description_ja: str = ""

    def name(self, lang: str = "en") -> str:
        return self.name_ja if lang == "ja" else self.name_en

    @property
    def days(self) -> int:
        """The plan's length: the largest offset."""
        return max((s.offset_days for s in self.steps), default=0)

    def step(self, step_id: str) -> TemplateStep | None:
        return next((s for s in self.steps if s.id == step_id), None)


# --------------------------------------------------------------------------------------------
# Parsing
# --------------------------------------------------------------------------------------------


def _not_negative(value: int) -> int:
    if value < 0:
        raise invalid("config.onboarding.negative_offset", got=value)
    return value


class _Phase(ConfigModel):
    id: Ident
    name_en: Text
    name_ja: OptionalText = ""
    order: int | None = None


class _Step(ConfigModel):
    id: Ident
    phase: Text
    title_en: Text
    title_ja: OptionalText = ""
    offset_days: Annotated[int, AfterValidator(_not_negative)]
    owner: Literal["customer", "us"]
    core: bool = True
    first_value: bool = False
    after: list[str] = Field(default_factory=list)
    by_week_en: OptionalText = ""
    by_week_ja: OptionalText = ""


class TemplateFile(ConfigModel):
    """One onboarding template file (``cstui/defaults/onboarding/*.toml``)."""

    key: Ident
    name_en: Text
    name_ja: OptionalText = ""
    description_en: OptionalText = ""
    description_ja: OptionalText = ""
    skip_weekends: bool = False
    first_value: Text | None = None
    phases: Annotated[list[_Phase], Field(min_length=1)]
    steps: Annotated[list[_Step], Field(min_length=1)]

    def ordered_phases(self) -> list[tuple[int, _Phase]]:
        """(order, phase) in display order: by ``order`` (default: file position), then file."""
        ranked = [
            (p.order if p.order is not None else i + 1, i, p) for i, p in enumerate(self.phases)
        ]
        return [(order, p) for order, _, p in sorted(ranked, key=lambda x: (x[0], x[1]))]

    def afters(self, step: _Step) -> tuple[str, ...]:
        return tuple(dict.fromkeys(a.strip() for a in step.after))

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        """The rules spanning steps: ids, phases, ``after`` references, days, first value."""
        phases = self._phase_index()
        index = self._step_index(phases)
        self._check_afters(index)
        self._check_offsets(index)
        self._check_first_value(index)
        return self

    def _phase_index(self) -> dict[str, int]:
        """Phase id -> file position; a repeated id is an error naming the first one."""
        seen: dict[str, int] = {}
        for i, phase in enumerate(self.phases):
            if phase.id in seen:
                first = key_text(("phases", seen[phase.id]))
                raise invalid(
                    "config.onboarding.duplicate_phase",
                    at=("phases", i, "id"),
                    got=shown(phase.id),
                    first=first,
                )
            seen[phase.id] = i
        return seen

    def _step_index(self, phases: Mapping[str, int]) -> dict[str, int]:
        """Step id -> file position, refusing unknown phases and repeated ids in file order
        (so the first bad step is the one reported)."""
        phase_ids = [p.id for _, p in self.ordered_phases()]
        index: dict[str, int] = {}
        for i, step in enumerate(self.steps):
            if step.phase not in phases:
                raise invalid(
                    "config.onboarding.unknown_phase",
                    at=("steps", i, "phase"),
                    got=shown(step.phase),
                    allowed=", ".join(phase_ids),
                )
            if step.id in index:
                raise invalid(
                    "config.onboarding.duplicate_step",
                    at=("steps", i, "id"),
                    got=shown(step.id),
                    first=key_text(("steps", index[step.id])),
                )
            index[step.id] = i
        return index

    def _check_afters(self, index: Mapping[str, int]) -> None:
        """Every ``after`` names a step, and the dependencies have no cycle."""
        for i, step in enumerate(self.steps):
            for dep in self.afters(step):
                if dep not in index:
                    raise invalid(
                        "config.onboarding.unknown_after", at=("steps", i, "after"), got=shown(dep)
                    )
        cycle = _find_cycle({s.id: self.afters(s) for s in self.steps})
        if cycle is not None:
            raise invalid(
                "config.onboarding.cycle",
                at=("steps", index[cycle[0]], "after"),
                cycle=" → ".join(cycle),
            )

    def _check_offsets(self, index: Mapping[str, int]) -> None:
        """A step cannot be due before a step it waits for."""
        for i, step in enumerate(self.steps):
            for dep in self.afters(step):
                before = self.steps[index[dep]]
                if step.offset_days < before.offset_days:
                    raise invalid(
                        "config.onboarding.too_early",
                        at=("steps", i, "offset_days"),
                        day=step.offset_days,
                        before=before.offset_days,
                        got=shown(dep),
                    )

    def _check_first_value(self, index: Mapping[str, int]) -> None:
        """At most one first-value step; ``first_value`` (if given) must name that same step."""
        flagged = [s for s in self.steps if s.first_value]
        if len(flagged) > 1:
            raise invalid(
                "config.onboarding.two_first_values",
                at=("steps", index[flagged[1].id], "first_value"),
                got=shown(flagged[0].id),
            )
        named = self.first_value
        if named is None:
            return
        if named not in index:
            raise invalid("config.onboarding.unknown_step", at="first_value", got=shown(named))
        if flagged and flagged[0].id != named:
            raise invalid(
                "config.onboarding.first_value_mismatch",
                at="first_value",
                got=shown(named),
                marked=shown(flagged[0].id),
            )


def _find_cycle(after: Mapping[str, Sequence[str]]) -> list[str] | None:
    """The first dependency cycle as ids ``[a, b, a]``, following ``after`` in file order."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = finished
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in after.get(node, ()):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        path.pop()
        state[node] = 2
        return None

    for node in after:
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def _build(file: TemplateFile, source: str) -> OnboardingTemplate:
    """The template (steps in checklist order) from a validated file."""
    phases = tuple(
        TemplatePhase(p.id, p.name_en, p.name_ja or p.name_en, order)
        for order, p in file.ordered_phases()
    )
    phase_rank = {p.id: n for n, p in enumerate(phases)}
    steps = [
        TemplateStep(
            id=s.id,
            phase=s.phase,
            title_en=s.title_en,
            title_ja=s.title_ja or s.title_en,
            offset_days=s.offset_days,
            owner=OwnerSide(s.owner),
            core=s.core,
            first_value=s.first_value,
            after=file.afters(s),
            by_week_en=s.by_week_en,
            by_week_ja=s.by_week_ja or s.by_week_en,
        )
        for s in file.steps
    ]
    flagged = next((s.id for s in steps if s.first_value), None)
    ordered = sorted(
        range(len(steps)), key=lambda n: (phase_rank[steps[n].phase], steps[n].offset_days, n)
    )
    return OnboardingTemplate(
        key=file.key,
        name_en=file.name_en,
        name_ja=file.name_ja or file.name_en,
        skip_weekends=file.skip_weekends,
        first_value=file.first_value or flagged,
        phases=phases,
        steps=tuple(steps[n] for n in ordered),
        source=source,
        description_en=file.description_en,
        description_ja=file.description_ja,
    )


def parse_template(text: str, source: str) -> OnboardingTemplate:
    """Parse one template file's ``text``; ``source`` names the file in error messages."""
    return _build(parse_toml(text, source, TemplateFile), source)


def shipped_template_texts() -> list[tuple[str, str]]:
    """(source, text) of every ``cstui/defaults/onboarding/*.toml`` (package data)."""
    folder = resources.files("cstui").joinpath("defaults", "onboarding")
    out = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            out.append((f"cstui/defaults/onboarding/{entry.name}", entry.read_text("utf-8")))
    return out


def user_template_files(folder: Path) -> list[Path]:
    """The ``*.toml`` files of the user's ``onboarding`` config folder, by name."""
    target = folder / "onboarding"
    return sorted(target.glob("*.toml")) if target.is_dir() else []


def load_templates(
    shipped_texts: Iterable[tuple[str, str]], user_files: Iterable[Path]
) -> tuple[dict[str, OnboardingTemplate], list[str]]:
    """Shipped templates, then user files overriding them by key; broken files are reported.

    A broken user file never hides the others (nor the shipped template of the same key):
    its error, with file, line and key, is returned and the file skipped.
    """
    templates: dict[str, OnboardingTemplate] = {}
    errors: list[str] = []
    for source, text in shipped_texts:
        try:
            tpl = parse_template(text, source)
        except ConfigError as exc:
            errors.append(str(exc))
            continue
        templates[tpl.key] = tpl
    for path in user_files:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            errors.append(f"{path}: cannot be read ({exc}); this template is skipped.")
            continue
        try:
            tpl = parse_template(text, str(path))
        except ConfigError as exc:
            errors.append(f"{exc} (this template is skipped)")
            continue
        templates[tpl.key] = tpl
    return templates, errors


# --------------------------------------------------------------------------------------------
# Applying a template to an account
# --------------------------------------------------------------------------------------------


def due_date(start: date, offset_days: int, skip_weekends: bool = False) -> date:
    """``start`` + ``offset_days``; on a weekend, the next Monday when ``skip_weekends``."""
    import arrow  # on first use: nothing on the way to the first frame needs it

    day = arrow.Arrow.fromdate(start).shift(days=offset_days)
    if skip_weekends and day.weekday() >= 5:
        day = day.shift(weekday=0)
    return day.date()


def item_id(template_key: str, step_id: str) -> str:
    return f"{template_key}:{step_id}"


@dataclass(frozen=True, slots=True)
class TemplateApplied:
    """A plan with a template applied, and what applying did: the CSM is told in so many
    words ("3 steps added, 13 already there"), not just "applied"."""

    plan: OnboardingPlan
    added: tuple[str, ...]
    """Ids of the template's steps that were new to the plan, in checklist order."""
    already: tuple[str, ...]
    """Ids of the plan's items that are template steps already there (kept as they are)."""
    left_out: tuple[str, ...]
    """Ids of template steps the CSM had removed, so not brought back."""
    changed: bool
    """Whether the plan differs from the one it was applied to (else there is nothing to
    save, and nothing to undo)."""


def _words(text: str) -> str:
    """A title as compared with a template step's: width, case and spacing do not count."""
    return " ".join(fold(text).split())


def _match_steps(
    template: OnboardingTemplate, items: Sequence[OnboardingItem], removed: set[str]
) -> dict[str, OnboardingItem]:
    """Template step id -> the plan's item that is that step.

    An item records the step it came from in its id (``{template}:{step}``), whatever its
    title has become since. An item without such an id (added by hand, or from a book that
    did not record it) is a step when its title is that step's, in either language, so it
    is not added a second time beside itself.
    """
    by_id = {it.id: it for it in items}
    found: dict[str, OnboardingItem] = {}
    for s in template.steps:
        iid = item_id(template.key, s.id)
        if iid in by_id:
            found[s.id] = by_id[iid]
    taken = {it.id for it in found.values()}
    own_prefix = f"{template.key}:"
    loose = [it for it in items if it.id not in taken and not it.id.startswith(own_prefix)]
    for s in template.steps:
        if s.id in found or item_id(template.key, s.id) in removed:
            continue
        words = {_words(s.title_en), _words(s.title_ja)}
        hit = next((it for it in loose if _words(it.title) in words), None)
        if hit is not None:
            found[s.id] = hit
            loose.remove(hit)
    return found


def _kept_step(
    old: OnboardingItem, step: TemplateStep, values: Mapping[str, Any], moved: bool
) -> OnboardingItem:
    """An existing item that is ``step``, after re-applying: the CSM's item as it is.

    Done state and date, notes, title, phase, owner, core and the due date are the CSM's
    and stay (the form promises to add steps, not to undo edits). A title still in the
    template's words follows the account's language; the roadmap text and dependencies
    come from the template (nobody edits them); a new start moves the item's date with
    the plan, keeping its own offset (which an edited due date set). Items that are not
    template steps keep their dates: the CSM set them.
    """
    update: dict[str, Any] = {"depends_on": values["depends_on"], "by_week": values["by_week"]}
    if old.title in (step.title_en, step.title_ja):
        update["title"] = values["title"]
    if values["first_value"]:  # the plan had no milestone: this step is the template's
        update["first_value"] = True
    if moved and old.due is not None:
        update["due"] = due_date(values["start"], old.offset_days, values["skip_weekends"])
    return old.model_copy(update=update)


def merge_template(
    template: OnboardingTemplate,
    start: date,
    existing: OnboardingPlan | None,
    account_id: str,
    lang: str = "en",
) -> TemplateApplied:
    """The account's plan with ``template`` applied from ``start`` (pure: nothing is saved),
    and what that did.

    Applying adds the template's missing steps and never takes anything away: each step
    already in the plan (see :func:`_match_steps`) is kept as the CSM left it (see
    :func:`_kept_step`), every other item stays too (hand-added, from another template,
    open or done), steps the CSM removed are not brought back, and the CSM's order within
    a phase is kept (new steps follow). The first-value milestone stays on the item the
    CSM had; only a plan without one takes the template's. The plan's KPIs and id are kept;
    a new plan has id "" for the caller to assign.
    """
    old_items = list(existing.items) if existing is not None else []
    removed = set(existing.removed) if existing is not None else set()
    matched = _match_steps(template, old_items, removed)
    moved = existing is not None and existing.start != start
    has_milestone = any(it.first_value for it in old_items)
    ids = {
        s.id: matched[s.id].id if s.id in matched else item_id(template.key, s.id)
        for s in template.steps
    }
    replaced: dict[str, OnboardingItem] = {}
    added: list[OnboardingItem] = []
    left_out: list[str] = []
    for s in template.steps:
        iid = item_id(template.key, s.id)
        if s.id not in matched and iid in removed:
            left_out.append(iid)
            continue
        values: dict[str, Any] = {
            "id": iid,
            "phase": s.phase,
            "title": s.title(lang),
            "offset_days": s.offset_days,
            "due": due_date(start, s.offset_days, template.skip_weekends),
            "owner_side": s.owner,
            "core": s.core,
            "first_value": s.id == template.first_value and not has_milestone,
            "depends_on": [ids[a] for a in s.after if ids[a] not in removed],
            "by_week": s.by_week(lang),
        }
        old = matched.get(s.id)
        if old is None:
            added.append(OnboardingItem.model_validate(values))
        else:
            context = {**values, "start": start, "skip_weekends": template.skip_weekends}
            replaced[old.id] = _kept_step(old, s, context, moved)
    already = tuple(it.id for it in old_items if it.id in replaced)
    items = [replaced.get(it.id, it) for it in old_items] + added

    names = {p.id: p.name(lang) for p in template.phases}
    if existing is not None:
        for pid, name in existing.phase_names.items():
            names.setdefault(pid, name)
    order = list(names)
    order += [p for p in dict.fromkeys(it.phase for it in items) if p not in names]
    rank = {pid: n for n, pid in enumerate(order)}
    items.sort(key=lambda it: rank[it.phase])  # stable: order within a phase is kept

    update: dict[str, Any] = {
        "template": template.key,
        "start": start,
        "items": items,
        "skip_weekends": template.skip_weekends,
        "phase_names": names,
    }
    if existing is not None:
        plan = existing.model_copy(update=update)
    else:
        plan = OnboardingPlan.model_validate({"id": "", "account_id": account_id, **update})
    return TemplateApplied(
        plan=plan,
        added=tuple(it.id for it in added),
        already=already,
        left_out=tuple(left_out),
        changed=existing is None or plan != existing,
    )


def apply_template(
    template: OnboardingTemplate,
    start: date,
    existing: OnboardingPlan | None,
    account_id: str,
    lang: str = "en",
) -> OnboardingPlan:
    """The plan of :func:`merge_template`, when what applying did is not needed."""
    return merge_template(template, start, existing, account_id, lang).plan


# --------------------------------------------------------------------------------------------
# Reading a plan
# --------------------------------------------------------------------------------------------


def phase_order(plan: OnboardingPlan) -> list[str]:
    """Phase ids in display order: the plan's named phases, then any other used by an item."""
    order = list(plan.phase_names)
    for it in plan.items:
        if it.phase not in order:
            order.append(it.phase)
    return order


def current_phase(plan: OnboardingPlan) -> str | None:
    """The phase the customer is in: that of the first unfinished step in display order.

    With every step done, the last phase that has steps; None for a plan without steps.
    """
    order = phase_order(plan)
    rank = {p: n for n, p in enumerate(order)}
    steps = sorted(enumerate(plan.items), key=lambda e: (rank[e[1].phase], e[0]))
    open_step = next((it for _, it in steps if not it.done), None)
    if open_step is not None:
        return open_step.phase
    return steps[-1][1].phase if steps else None


def next_step_due(plan: OnboardingPlan, phase: str, today: date) -> date:
    """The due date a new step of ``phase`` starts from: the day after the last dated step
    of that phase or any earlier one (a new step goes after them), never before today."""
    order = phase_order(plan)
    upto = set(order[: order.index(phase) + 1]) if phase in order else set(order)
    dues = [it.due for it in plan.items if it.phase in upto and it.due is not None]
    if not dues:
        return today
    return max(max(dues) + timedelta(days=1), today)


def week_of(plan: OnboardingPlan, day: date) -> int:
    """Week number from the plan start: days 0–6 are week 1 (earlier dates count as week 1)."""
    return max(1, (day - plan.start).days // 7 + 1)


def roadmap(plan: OnboardingPlan) -> list[tuple[int, list[OnboardingItem]]]:
    """Items by the week they are due in, for "by week N the customer can ..." (``by_week``).

    Weeks are in order and only weeks with items appear; items without a due date are left
    out. Within a week: by due date, then checklist order.
    """
    weeks: dict[int, list[tuple[date, int, OnboardingItem]]] = {}
    for n, it in enumerate(plan.items):
        if it.due is not None:
            weeks.setdefault(week_of(plan, it.due), []).append((it.due, n, it))
    return [
        (week, [it for _, _, it in sorted(entries, key=lambda e: (e[0], e[1]))])
        for week, entries in sorted(weeks.items())
    ]


@dataclass(frozen=True, slots=True)
class Progress:
    """Where an onboarding stands: completion, per phase, what is late, and time to value."""

    overall_pct: float
    """Done items ÷ all items × 100 (0 for an empty plan): the completion-rate KPI."""
    per_phase: dict[str, tuple[int, int]]
    """Phase id → (done, total), in display order."""
    overdue: list[OnboardingItem]
    """Open items due before ``as_of``, earliest first."""
    ttv_days: int | None
    """Time to value in days (see ``cstui.domain.metrics.time_to_value``)."""

    @property
    def done(self) -> int:
        return sum(d for d, _ in self.per_phase.values())

    @property
    def total(self) -> int:
        return sum(t for _, t in self.per_phase.values())


def first_value_item(plan: OnboardingLike) -> OnboardingItemLike | None:
    return next((it for it in plan.items if it.first_value), None)


def first_value_day(plan: OnboardingLike) -> date | None:
    """The one rule for the day value was first felt: the first-value item's completion day;
    None until it is done (and dated). The TTV of the checklist and of the KPI report."""
    item = first_value_item(plan)
    if item is None or not item.done:
        return None
    return item.done_on


def plan_ttv(plan: OnboardingPlan) -> int | None:
    """Days from the plan start to the first-value item's completion; None until then."""
    return time_to_value(plan.start, first_value_day(plan))


def progress(plan: OnboardingPlan, as_of: date) -> Progress:
    per_phase: dict[str, tuple[int, int]] = {pid: (0, 0) for pid in phase_order(plan)}
    for it in plan.items:
        done, total = per_phase[it.phase]
        per_phase[it.phase] = (done + (1 if it.done else 0), total + 1)
    per_phase = {k: v for k, v in per_phase.items() if v[1]}
    total = len(plan.items)
    done = sum(1 for it in plan.items if it.done)
    overdue = sorted(
        (it for it in plan.items if not it.done and it.due is not None and it.due < as_of),
        key=lambda it: it.due or as_of,
    )
    return Progress(
        overall_pct=100.0 * done / total if total else 0.0,
        per_phase=per_phase,
        overdue=overdue,
        ttv_days=plan_ttv(plan),
    )
