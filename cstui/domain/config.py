"""One way to read a configuration file: TOML text → a pydantic model, or one ``ConfigError``.

Every TOML file cstui reads (``health.toml``, ``kpis.toml``, ``sync.toml``, onboarding and
success-plan templates) is described by a :class:`ConfigModel` and parsed by
:func:`parse_toml`, so each one reports mistakes the same way: the file, the line, the key
(``steps[3].offset_days`` is the third ``[[steps]]`` table, counted from 1) and a sentence
that is an :class:`~cstui.i18n.Msg`, worded in the reader's language when it is shown.

Why pydantic models rather than hand-written checks: the model *is* the documentation of the
file's layout, types and bounds; unknown keys, wrong types and out-of-range values are found
for every key at once, and only rules that span keys need code (a model validator raising
:func:`invalid` with ``at=`` the key to blame).

Pure: this module parses text. Reading files (and deciding what a broken user file means:
keep the defaults, skip a template, stop a sync) stays with the caller.
"""

from __future__ import annotations

import json
import re
import tomllib
import types
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Annotated, Any, ClassVar, Final, Literal, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints, ValidationError
from pydantic_core import PydanticCustomError

from cstui import i18n
from cstui.i18n import Msg, msg

M = TypeVar("M", bound=BaseModel)
KeyPath = tuple[str | int, ...]
"""Where a value sits in a file: table names and keys, list positions counted from 0."""


class ConfigModel(BaseModel):
    """Base of the config file models: unknown keys are errors, TOML values keep their type.

    Strict, because a TOML file already says what each value is: ``weight = "30"`` is a
    mistake to point at, not a number to guess.
    """

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, populate_by_name=True)

    unknown_key: ClassVar[str] = "config.error.unknown_key"
    """i18n key of the sentence for a key this table does not have (``{key}``, ``{allowed}``)."""


_ID: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")


def _ident(value: str) -> str:
    if not _ID.match(value):
        raise invalid("config.error.id", got=shown(value))
    return value


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
"""A text that must say something (surrounding spaces dropped)."""
OptionalText = Annotated[str, StringConstraints(strip_whitespace=True)]
Ident = Annotated[str, StringConstraints(strip_whitespace=True), AfterValidator(_ident)]
"""An id: letters, digits, '-' and '_' (no spaces or ':', which item ids use)."""


# --------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Problem:
    """One mistake in a file: where it is (each part may be unknown) and what is wrong."""

    line: int | None
    key: str | None
    message: Msg
    column: int | None = None

    def render(self, source: str, lang: str | None = None) -> str:
        parts = [source]
        if self.line is not None:
            parts.append(i18n.render(msg("config.at.line", line=self.line), lang))
        if self.column is not None:
            parts.append(i18n.render(msg("config.at.column", column=self.column), lang))
        if self.key:
            parts.append(i18n.render(msg("config.at.key", key=self.key), lang))
        where = "".join(parts)
        return i18n.render(msg("config.problem", where=where, message=self.message), lang)


class ConfigError(ValueError):
    """Every problem of one configuration file, each with its line and key.

    ``line`` and ``key`` are the first problem's. ``str()`` words the problems in the UI
    language at the time it is called (one per line), so an error kept in a list of
    start-up warnings reads in the language of whoever looks at it.
    """

    def __init__(self, source: str, problems: Sequence[Problem]) -> None:
        super().__init__(source, tuple(problems))
        self.source = source
        self.problems: tuple[Problem, ...] = tuple(problems)
        first = self.problems[0] if self.problems else None
        self.line = first.line if first else None
        self.key = first.key if first else None

    def render(self, lang: str | None = None) -> str:
        return "\n".join(p.render(self.source, lang) for p in self.problems)

    def __str__(self) -> str:
        return self.render()


def invalid(key: str, /, *, at: str | int | KeyPath = (), **params: Any) -> PydanticCustomError:
    """The error a config model's validator raises: an i18n ``key``, its ``params``, and
    ``at``, the key (below the validated table) that the reader should change."""
    context: dict[str, Any] = dict(params)
    english = i18n.render(msg(key, **params), "en")
    if at != ():
        context["at"] = at if isinstance(at, tuple) else (at,)
    return PydanticCustomError(key, english, context)


# --------------------------------------------------------------------------------------------
# Parsing
# --------------------------------------------------------------------------------------------

_TOML_AT: Final = re.compile(r"^(.*) \(at line (\d+), column (\d+)\)$", re.S)


def read_toml(text: str, source: str) -> dict[str, Any]:
    """``tomllib.loads`` with a syntax error turned into a :class:`ConfigError` (line, column)."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = _TOML_AT.match(str(exc))
        if found is None:
            problem = Problem(None, None, msg("config.error.toml", detail=str(exc)))
        else:
            problem = Problem(
                int(found.group(2)),
                None,
                msg("config.error.toml", detail=found.group(1)),
                int(found.group(3)),
            )
        raise ConfigError(source, [problem]) from None


def merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """Deep merge: tables merge key by key, any other value in ``over`` replaces."""
    out = {k: (merge(v, {}) if isinstance(v, dict) else v) for k, v in base.items()}
    for key, value in over.items():
        old = out.get(key)
        if isinstance(value, dict) and isinstance(old, dict):
            out[key] = merge(old, value)
        elif isinstance(value, dict):
            out[key] = merge(value, {})
        else:
            out[key] = value
    return out


def parse_toml(text: str, source: str, model: type[M], base: Mapping[str, Any] | None = None) -> M:
    """Parse a config file's ``text`` as ``model``; ``source`` names the file in errors.

    With ``base`` (the data of the shipped file), the text only needs the keys it changes:
    it is deep-merged over ``base``. Raises :class:`ConfigError` listing every problem.
    """
    data = read_toml(text, source)
    return validate_data(merge(base, data) if base is not None else data, source, model, text)


def validate_data(data: Mapping[str, Any], source: str, model: type[M], text: str = "") -> M:
    """Validate already parsed data; ``text`` (the file) is scanned for the problems' lines."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = [_problem(model, err, text) for err in exc.errors()]
        raise ConfigError(source, problems) from None


# --------------------------------------------------------------------------------------------
# Pydantic errors → problems
# --------------------------------------------------------------------------------------------

_KINDS: Final[dict[str, str]] = {
    "float_type": "config.error.number",
    "float_parsing": "config.error.number",
    "finite_number": "config.error.number",
    "int_type": "config.error.whole",
    "int_parsing": "config.error.whole",
    "int_from_float": "config.error.whole",
    "bool_type": "config.error.bool",
    "bool_parsing": "config.error.bool",
    "string_type": "config.error.text",
    "string_too_short": "config.error.empty_text",
    "missing": "config.error.missing",
    "model_type": "config.error.table",
    "model_attributes_type": "config.error.table",
    "dict_type": "config.error.table",
    "list_type": "config.error.list",
    "tuple_type": "config.error.list",
    "too_short": "config.error.empty_list",
    "greater_than_equal": "config.error.at_least",
    "less_than_equal": "config.error.at_most",
    "greater_than": "config.error.more_than",
    "less_than": "config.error.less_than",
    "literal_error": "config.error.choice",
    "enum": "config.error.choice",
}
_BOUNDS: Final = {"ge": "limit", "le": "limit", "gt": "limit", "lt": "limit"}


def shown(value: Any) -> Any:
    """A value as the reader wrote it in TOML (``"high"``, ``true``), for a message."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dict):
        return Msg("config.value.table")
    if isinstance(value, list):
        return Msg("config.value.list")
    if value is None:
        return Msg("config.value.nothing")
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _number(value: Any) -> str:
    return (
        f"{value:g}"
        if isinstance(value, float | int) and not isinstance(value, bool)
        else str(value)
    )


def _problem(model: type[BaseModel], err: Mapping[str, Any], text: str) -> Problem:
    loc: KeyPath = tuple(p for p in err.get("loc", ()) if p != "[key]")
    kind = str(err.get("type", ""))
    ctx = dict(err.get("ctx") or {})
    at = ctx.pop("at", ())
    path: KeyPath = (*loc, *at)
    raw = err.get("input")
    message: Msg
    if "." in kind:  # raised by invalid(): the kind is our i18n key
        message = msg(kind, **ctx)
    elif kind == "extra_forbidden":
        owner = _walk(model, loc[:-1])
        allowed = _keys(owner)
        key = owner.unknown_key if _is_model(owner) else "config.error.unknown_key"
        message = msg(key, key=str(loc[-1]), allowed=", ".join(allowed))
    elif kind == "missing":
        message = Msg("config.error.missing")
    elif kind in ("literal_error", "enum"):
        choices = _choices(_walk(model, loc)) or [str(ctx.get("expected", ""))]
        message = msg(
            "config.error.choice", choices=i18n.join("config.sep.or", choices), got=shown(raw)
        )
    elif kind in _KINDS:
        bound = next((ctx[b] for b in _BOUNDS if b in ctx), None)
        message = msg(_KINDS[kind], got=shown(raw), limit=_number(bound))
    else:
        message = msg("config.error.other", detail=str(err.get("msg", "")))
    return Problem(find_key_line(text, path), key_text(path) or None, message)


def _is_model(tp: Any) -> typing.TypeGuard[type[ConfigModel]]:
    return isinstance(tp, type) and issubclass(tp, ConfigModel)


def _unwrap(tp: Any) -> Any:
    """``Annotated[X, ...]`` → X; ``X | None`` → X."""
    while True:
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            tp = typing.get_args(tp)[0]
        elif origin in (typing.Union, types.UnionType):
            kept = [a for a in typing.get_args(tp) if a is not type(None)]
            if len(kept) != 1:
                return tp
            tp = kept[0]
        else:
            return tp


def _walk(model: Any, loc: KeyPath) -> Any:
    """The type at ``loc`` inside ``model`` (None when the path leaves what the types say)."""
    tp = _unwrap(model)
    for part in loc:
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            field = next(
                (f for n, f in tp.model_fields.items() if part in (n, f.alias)),
                None,
            )
            if field is None:
                return None
            tp = field.annotation
        else:
            origin, args = typing.get_origin(tp), typing.get_args(tp)
            if origin in (list, tuple, Sequence) and args:
                tp = args[0]
            elif origin in (dict, Mapping) and len(args) == 2:
                tp = args[1]
            else:
                return None
        tp = _unwrap(tp)
    return tp


def _keys(tp: Any) -> list[str]:
    if not (isinstance(tp, type) and issubclass(tp, BaseModel)):
        return []
    return [f.alias or n for n, f in tp.model_fields.items()]


def _choices(tp: Any) -> list[str]:
    if typing.get_origin(tp) is Literal:
        values: Sequence[Any] = typing.get_args(tp)
    elif isinstance(tp, type) and issubclass(tp, Enum):
        values = [m.value for m in tp]
    else:
        return []
    return [json.dumps(v, ensure_ascii=False) if isinstance(v, str) else str(v) for v in values]


# --------------------------------------------------------------------------------------------
# Locating a key in the text
# --------------------------------------------------------------------------------------------


def key_text(path: Sequence[str | int]) -> str:
    """``("steps", 2, "offset_days")`` → ``steps[3].offset_days`` (tables counted from 1)."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part + 1}]"
        else:
            out += f".{part}" if out else part
    return out


_BARE_OR_QUOTED = re.compile(r"""[A-Za-z0-9_-]+|"((?:[^"\\]|\\.)*)"|'([^']*)'""")
_HEADER_LINE = re.compile(r"^\s*(\[\[?)([^\]]+)\]\]?\s*(?:#.*)?$")
_KEY_LINE = re.compile(
    r"""^\s*((?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*')"""
    r"""(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*'))*)\s*="""
)


def _key_parts(dotted: str) -> tuple[str, ...]:
    parts = []
    for m in _BARE_OR_QUOTED.finditer(dotted):
        if m.group(1) is not None:
            parts.append(m.group(1))
        elif m.group(2) is not None:
            parts.append(m.group(2))
        else:
            parts.append(m.group(0))
    return tuple(parts)


def find_key_line(text: str, path: Sequence[str | int]) -> int | None:
    """The 1-based line where ``path`` is set in TOML ``text``.

    An int in ``path`` is a position in an array of tables (``[[steps]]``), counted from 0.
    Falls back to the line of the nearest enclosing table or inline table; None when the text
    does not mention the key at all (the value then came from the base config).
    """
    target = tuple(path)
    current: KeyPath = ()
    arrays: dict[tuple[str, ...], int] = {}
    best_len, best_line = 0, None
    for number, line in enumerate(text.splitlines(), 1):
        header = _HEADER_LINE.match(line)
        full: KeyPath
        if header:
            names = _key_parts(header.group(2))
            if header.group(1) == "[[":
                arrays[names] = arrays.get(names, -1) + 1
            resolved: list[str | int] = []
            for n in range(1, len(names) + 1):
                resolved.append(names[n - 1])
                if names[:n] in arrays:
                    resolved.append(arrays[names[:n]])
            current = full = tuple(resolved)
        else:
            key = _KEY_LINE.match(line)
            if not key:
                continue
            full = current + _key_parts(key.group(1))
        if full == target:
            return number
        if best_len < len(full) < len(target) and target[: len(full)] == full:
            best_len, best_line = len(full), number
    return best_line
