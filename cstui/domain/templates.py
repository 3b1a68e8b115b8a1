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
* Item ids are ``{template}:{step}``, so applying a template again (a new start date, an
  edited template) updates the same items: done state, done date and notes stay, nothing is
  duplicated. Items the CSM added by hand (ids starting ``own:``) are always kept; items a
  CSM removed are remembered in ``OnboardingPlan.removed`` and not brought back; items left
  from another template are kept only when they are done or carry notes.
* Errors name the file, line and key like the health config (``steps[3]`` is the third
  ``[[steps]]`` table, counted from 1), and are caught before a plan exists: negative
  offsets, unknown phases, duplicate ids, unknown or cyclic ``after`` references, and a step
  due before a step it comes after.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any, Final

from cstui.domain.health import _TOML_AT, _Invalid, _only, _show, _text, _whole, find_key_line
from cstui.domain.metrics import time_to_value
from cstui.domain.models import OnboardingItem, OnboardingPlan, OwnerSide

OWN_PREFIX: Final = "own:"
"""Id prefix of items a CSM added by hand (never touched by re-applying a template)."""

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
_TOP: Final = (
    "key",
    "name_en",
    "name_ja",
    "description_en",
    "description_ja",
    "skip_weekends",
    "first_value",
    "phases",
    "steps",
)
_PHASE_KEYS: Final = ("id", "name_en", "name_ja", "order")
_STEP_KEYS: Final = (
    "id",
    "phase",
    "title_en",
    "title_ja",
    "offset_days",
    "owner",
    "core",
    "first_value",
    "after",
    "by_week_en",
    "by_week_ja",
)
_ARRAYS: Final = ("phases", "steps")


class TemplateError(ValueError):
    """A template problem, worded to point at the exact place to fix it."""

    def __init__(self, message: str, source: str, line: int | None, key: str | None) -> None:
        super().__init__(message)
        self.source = source
        self.line = line
        self.key = key


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


def _key_text(path: Sequence[str]) -> str:
    """``("steps", "2", "offset_days")`` → ``steps[3].offset_days`` (tables counted from 1)."""
    if len(path) >= 2 and path[0] in _ARRAYS and path[1].isdigit():
        head = f"{path[0]}[{int(path[1]) + 1}]"
        return ".".join((head, *path[2:]))
    return ".".join(path)


_ARRAY_HEADER = re.compile(r"^\s*\[\[\s*([A-Za-z0-9_-]+)\s*\]\]\s*(?:#.*)?$")
_ANY_HEADER = re.compile(r"^\s*\[")


def _line_of(text: str, path: Sequence[str]) -> int | None:
    """The line of ``path``; inside the n-th ``[[array]]`` table when the path indexes one."""
    if len(path) >= 2 and path[0] in _ARRAYS and path[1].isdigit():
        index = int(path[1])
        lines = text.splitlines()
        seen = -1
        for number, line in enumerate(lines, 1):
            m = _ARRAY_HEADER.match(line)
            if not (m and m.group(1) == path[0]):
                continue
            seen += 1
            if seen != index:
                continue
            if len(path) == 2:
                return number
            body: list[str] = []
            for following in lines[number:]:
                if _ANY_HEADER.match(following):
                    break
                body.append(following)
            found = find_key_line("\n".join(body), path[2:3])
            return number if found is None else number + found
        return find_key_line(text, path[:1])
    return find_key_line(text, path)


def _bool(table: Mapping[str, Any], path: tuple[str, ...], key: str, default: bool) -> bool:
    value = table.get(key, default)
    if not isinstance(value, bool):
        raise _Invalid((*path, key), f"expected true or false, got {_show(value)}.")
    return value


def _optional_text(table: Mapping[str, Any], path: tuple[str, ...], key: str) -> str:
    if key not in table:
        return ""
    value = table[key]
    if not isinstance(value, str):
        raise _Invalid((*path, key), f"expected a text, got {_show(value)}.")
    return value.strip()


def _ident(table: Mapping[str, Any], path: tuple[str, ...], key: str) -> str:
    value = _text(table, path, key).strip()
    if not _ID.match(value):
        raise _Invalid(
            (*path, key),
            f"{_show(value)} is not a usable id; use letters, digits, '-' and '_' only "
            "(no spaces or ':').",
        )
    return value


def _tables(data: Mapping[str, Any], key: str, what: str) -> list[Mapping[str, Any]]:
    raw = data.get(key)
    if raw is None:
        raise _Invalid((key,), f"missing; a template needs at least one [[{key}]] table ({what}).")
    if not isinstance(raw, list) or not all(isinstance(t, dict) for t in raw):
        raise _Invalid((key,), f"expected [[{key}]] tables, got {_show(raw)}.")
    if not raw:
        raise _Invalid((key,), f"empty; a template needs at least one [[{key}]] table ({what}).")
    return raw


def _phases(data: Mapping[str, Any]) -> tuple[TemplatePhase, ...]:
    out: list[tuple[int, int, TemplatePhase]] = []
    seen: dict[str, int] = {}
    for i, table in enumerate(_tables(data, "phases", "kickoff, setup, training...")):
        path = ("phases", str(i))
        _only(table, path, _PHASE_KEYS)
        pid = _ident(table, path, "id")
        if pid in seen:
            first = _key_text(("phases", str(seen[pid])))
            raise _Invalid((*path, "id"), f"duplicate phase id {_show(pid)} (already {first}).")
        seen[pid] = i
        name_en = _text(table, path, "name_en").strip()
        name_ja = _optional_text(table, path, "name_ja") or name_en
        order = _whole(table, path, "order") if "order" in table else i + 1
        out.append((order, i, TemplatePhase(pid, name_en, name_ja, order)))
    return tuple(p for _, _, p in sorted(out, key=lambda x: (x[0], x[1])))


def _step(table: Mapping[str, Any], i: int, phases: Mapping[str, int]) -> TemplateStep:
    path = ("steps", str(i))
    _only(table, path, _STEP_KEYS)
    sid = _ident(table, path, "id")
    phase = _text(table, path, "phase").strip()
    if phase not in phases:
        raise _Invalid(
            (*path, "phase"),
            f"unknown phase {_show(phase)}; the [[phases]] are: {', '.join(phases)}.",
        )
    title_en = _text(table, path, "title_en").strip()
    title_ja = _optional_text(table, path, "title_ja") or title_en
    if "offset_days" not in table:
        raise _Invalid(
            (*path, "offset_days"), "missing; say on which day from the start (0 = the start)."
        )
    offset = _whole(table, path, "offset_days")
    if offset < 0:
        raise _Invalid(
            (*path, "offset_days"),
            f"cannot be negative, got {offset}; days count from the start (0 = the start day).",
        )
    owner_raw = table.get("owner")
    if owner_raw not in ("customer", "us"):
        got = "nothing" if owner_raw is None else _show(owner_raw)
        raise _Invalid((*path, "owner"), f'expected "customer" or "us", got {got}.')
    after_raw = table.get("after", [])
    if not isinstance(after_raw, list) or not all(isinstance(a, str) for a in after_raw):
        raise _Invalid((*path, "after"), f"expected a list of step ids, got {_show(after_raw)}.")
    by_en = _optional_text(table, path, "by_week_en")
    by_ja = _optional_text(table, path, "by_week_ja") or by_en
    return TemplateStep(
        id=sid,
        phase=phase,
        title_en=title_en,
        title_ja=title_ja,
        offset_days=offset,
        owner=OwnerSide(owner_raw),
        core=_bool(table, path, "core", True),
        first_value=_bool(table, path, "first_value", False),
        after=tuple(dict.fromkeys(a.strip() for a in after_raw)),
        by_week_en=by_en,
        by_week_ja=by_ja,
    )


def _find_cycle(steps: Sequence[TemplateStep]) -> list[str] | None:
    """The first dependency cycle as ids ``[a, b, a]``, following ``after`` in file order."""
    after = {s.id: s.after for s in steps}
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

    for s in steps:
        if s.id not in state:
            found = visit(s.id)
            if found:
                return found
    return None


def _build(data: Mapping[str, Any], source: str) -> OnboardingTemplate:
    """Validate parsed TOML; raises _Invalid at the first problem."""
    _only(data, (), _TOP)
    key = _ident(data, (), "key")
    name_en = _text(data, (), "name_en").strip()
    name_ja = _optional_text(data, (), "name_ja") or name_en
    skip_weekends = _bool(data, (), "skip_weekends", False)
    phases = _phases(data)
    phase_rank = {p.id: n for n, p in enumerate(phases)}

    steps: list[TemplateStep] = []
    index: dict[str, int] = {}
    for i, table in enumerate(_tables(data, "steps", "the checklist items")):
        step = _step(table, i, phase_rank)
        if step.id in index:
            first = _key_text(("steps", str(index[step.id])))
            raise _Invalid(
                ("steps", str(i), "id"), f"duplicate step id {_show(step.id)} (already {first})."
            )
        index[step.id] = i
        steps.append(step)

    for i, step in enumerate(steps):
        for dep in step.after:
            if dep not in index:
                raise _Invalid(
                    ("steps", str(i), "after"),
                    f"unknown step {_show(dep)}; a step can only come after another step of "
                    "this template.",
                )
    cycle = _find_cycle(steps)
    if cycle is not None:
        raise _Invalid(
            ("steps", str(index[cycle[0]]), "after"),
            f"dependency cycle: {' → '.join(cycle)}; no order of the steps can satisfy it.",
        )
    for i, step in enumerate(steps):
        for dep in step.after:
            before = steps[index[dep]]
            if step.offset_days < before.offset_days:
                raise _Invalid(
                    ("steps", str(i), "offset_days"),
                    f"day {step.offset_days} is before day {before.offset_days} of "
                    f"{_show(dep)}, which this step comes after; move it to day "
                    f"{before.offset_days} or later.",
                )

    flagged = [s for s in steps if s.first_value]
    if len(flagged) > 1:
        second = flagged[1]
        raise _Invalid(
            ("steps", str(index[second.id]), "first_value"),
            f"only one step can be the first-value milestone; {_show(flagged[0].id)} already is.",
        )
    first_value: str | None = flagged[0].id if flagged else None
    if "first_value" in data:
        named = _text(data, (), "first_value").strip()
        if named not in index:
            raise _Invalid(("first_value",), f"unknown step {_show(named)}.")
        if first_value is not None and first_value != named:
            raise _Invalid(
                ("first_value",),
                f"names {_show(named)} but step {_show(first_value)} is marked first_value = true.",
            )
        first_value = named

    ordered = sorted(
        range(len(steps)), key=lambda n: (phase_rank[steps[n].phase], steps[n].offset_days, n)
    )
    return OnboardingTemplate(
        key=key,
        name_en=name_en,
        name_ja=name_ja,
        skip_weekends=skip_weekends,
        first_value=first_value,
        phases=phases,
        steps=tuple(steps[n] for n in ordered),
        source=source,
        description_en=_optional_text(data, (), "description_en"),
        description_ja=_optional_text(data, (), "description_ja"),
    )


def parse_template(text: str, source: str) -> OnboardingTemplate:
    """Parse one template file's ``text``; ``source`` names the file in error messages."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        m = _TOML_AT.match(msg)
        if m:
            line = int(m.group(2))
            raise TemplateError(
                f"{source}, line {line}, column {m.group(3)}: not valid TOML: {m.group(1)}.",
                source,
                line,
                None,
            ) from None
        raise TemplateError(f"{source}: not valid TOML: {msg}.", source, None, None) from None
    try:
        return _build(data, source)
    except _Invalid as exc:
        key = _key_text(exc.path)
        at = _line_of(text, exc.path) if exc.path else None
        where = f"{source}, line {at}" if at is not None else source
        where += f', key "{key}"' if key else ""
        raise TemplateError(f"{where}: {exc.message}", source, at, key or None) from None


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
        except TemplateError as exc:
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
        except TemplateError as exc:
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


def apply_template(
    template: OnboardingTemplate,
    start: date,
    existing: OnboardingPlan | None,
    account_id: str,
    lang: str = "en",
) -> OnboardingPlan:
    """The account's plan with ``template`` applied from ``start`` (pure: nothing is saved).

    Template fields (title, phase, dates, owner, core, first value) are refreshed from the
    template in ``lang``; done state, done date and notes of existing items are kept, and so
    is the CSM's order of existing items within a phase (new steps follow them). The plan's
    KPIs and id are kept; a new plan has id "" for the caller to assign.
    """
    old_items = list(existing.items) if existing is not None else []
    removed = set(existing.removed) if existing is not None else set()
    by_id = {it.id: it for it in old_items}
    fresh: dict[str, OnboardingItem] = {}
    for step in template.steps:
        iid = item_id(template.key, step.id)
        if iid in removed:
            continue
        values: dict[str, Any] = {
            "id": iid,
            "phase": step.phase,
            "title": step.title(lang),
            "offset_days": step.offset_days,
            "due": due_date(start, step.offset_days, template.skip_weekends),
            "owner_side": step.owner,
            "core": step.core,
            "first_value": step.id == template.first_value,
            "depends_on": [item_id(template.key, a) for a in step.after if a not in removed],
            "by_week": step.by_week(lang),
        }
        old = by_id.get(iid)
        fresh[iid] = (
            OnboardingItem.model_validate(values) if old is None else old.model_copy(update=values)
        )

    kept: list[OnboardingItem] = []
    for it in old_items:
        if it.id in fresh:
            kept.append(fresh.pop(it.id))
        elif it.id.startswith(OWN_PREFIX) or it.done or it.notes:
            if template.first_value is not None and it.first_value:
                it = it.model_copy(update={"first_value": False})  # the template's milestone wins
            kept.append(it)
    items = kept + list(fresh.values())  # fresh now holds only the new steps, in order

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
        return existing.model_copy(update=update)
    return OnboardingPlan.model_validate({"id": "", "account_id": account_id, **update})


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


def first_value_item(plan: OnboardingPlan) -> OnboardingItem | None:
    return next((it for it in plan.items if it.first_value), None)


def plan_ttv(plan: OnboardingPlan) -> int | None:
    """Days from the plan start to the first-value item's completion; None until then."""
    item = first_value_item(plan)
    if item is None or not item.done:
        return None
    return time_to_value(plan.start, item.done_on)


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
