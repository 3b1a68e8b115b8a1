"""The portfolio filter line: ``health<40 tier:high renewal<90d owner:me 株式会社``.

``renewal<N`` compares the days to an *open* renewal that has not passed yet (churned and
not-a-fit accounts never match), so ``renewal<90d`` is exactly the upcoming renewals of
:func:`cstui.domain.portfolio.renewal_state`; a renewal date that has passed is its own term,
``renewal:overdue`` (``renewal:upcoming`` is the 90-day window).

Parsed once per keystroke into predicates over precomputed :class:`PortfolioRow` values, so
narrowing 50,000 rows is a single pass with no model access. Input is NFKC-folded first, so
full-width ``ｈｅａｌｔｈ＜４０`` typed with a Japanese IME works too, and so does
``health < 40`` with spaces. A term that is not understood is reported, never silently
ignored; ``owner:me,kim`` means either owner (OR between the values of one key).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from cstui.domain.enums import Stage, Tier
from cstui.domain.health import FLAG_RULES
from cstui.domain.kana import is_kana
from cstui.domain.portfolio import PortfolioRow, fold, renewal_state, search_forms
from cstui.i18n import Msg, msg, render

Predicate = Callable[[PortfolioRow], bool]

BANDS = ("red", "yellow", "green", "unknown")
NUMERIC = ("health", "arr", "renewal", "touch", "trend")
KEYWORDS = ("band", "tier", "stage", "owner", "flag", "renewal")
RENEWAL_STATES = ("upcoming", "overdue")

FLAG_LETTERS: dict[str, str] = {
    "champion-left": "C",
    "usage-drop": "U",
    "no-touch": "T",
    "renewal-risk": "R",
    "renewal-overdue": "O",
    "detractor": "D",
    "touchpoint-missed": "E",
}
"""The one-letter code the portfolio's Flags column shows; ``flag:C`` accepts it too."""
_SPACED_OP = re.compile(r"\s*(<=|>=|!=|<|>|=)\s*")
_SPACED_LIST = re.compile(
    r"((?:^|\s)[-!]?(?:" + "|".join(KEYWORDS) + r'):[^\s"]*)\s*,\s*(?=[^\s,"])'
)
"""A key's list of values typed with spaces after its commas (``owner:me, kim``): joined.
Free text keeps its commas and spaces (``acme, inc`` is two words)."""
_BARE_COMPARE = re.compile(r"^(?P<field>[a-z]+)(?P<op><=|>=|!=|=|<|>)$")
_COMPARE = re.compile(r"^(?P<field>[a-z]+)(?P<op><=|>=|!=|=|<|>)(?P<value>.+)$")
_OPS: dict[str, Callable[[float, float], bool]] = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
}
_TOKENS = re.compile(r'"([^"]*)"|(\S+)')
_SUFFIX = {"k": 1_000, "m": 1_000_000, "b": 1_000_000_000}
_DAYS = {"d": 1, "w": 7, "m": 30, "y": 365}
_NO_LIMIT = 10**9  # renewal_state's window when the comparison itself is the window


@dataclass
class FilterQuery:
    text: str
    predicates: list[Predicate] = field(default_factory=list)
    problems: list[Msg] = field(default_factory=list)
    """Terms not understood, as messages: worded in the UI language where shown."""

    @property
    def errors(self) -> list[str]:
        """The problems worded in the UI language."""
        return [render(problem) for problem in self.problems]

    @property
    def empty(self) -> bool:
        return not self.predicates

    def apply(self, rows: Iterable[PortfolioRow]) -> list[PortfolioRow]:
        """One list comprehension per term: each pass runs over the survivors of the last,
        with no per-row generator (this is the hot path of every keystroke at 50k rows)."""
        out = list(rows)
        for pred in self.predicates:
            out = [r for r in out if pred(r)]
        return out


class FilterError(ValueError):
    """A term not understood; ``message`` says why in any language (``str`` is English)."""

    def __init__(self, message: Msg) -> None:
        super().__init__(render(message, "en"))
        self.message = message


def _number(raw: str) -> float:
    raw = raw.replace(",", "").replace("_", "")
    mult = 1
    if raw and raw[-1] in _SUFFIX:
        mult, raw = _SUFFIX[raw[-1]], raw[:-1]
    return float(raw) * mult


def _days(raw: str) -> float:
    if raw and raw[-1] in _DAYS:
        return float(raw[:-1]) * _DAYS[raw[-1]]
    return float(raw)


def _numeric(field_name: str, op: str, raw: str) -> Predicate:
    compare = _OPS[op]
    if field_name == "health":
        limit = _number(raw)
        return lambda r: r.health is not None and compare(r.health, limit)
    if field_name == "trend":
        limit = _number(raw)
        return lambda r: r.trend is not None and compare(r.trend, limit)
    if field_name == "arr":  # in the reporting currency: a row without a rate never matches
        limit = _number(raw)
        return lambda r: r.arr_report is not None and compare(r.arr_report, limit)
    if field_name == "renewal":
        limit = _days(raw)
        return lambda r: (
            r.days_to_renewal is not None
            and renewal_state(r.days_to_renewal, r.stage, _NO_LIMIT) == "upcoming"
            and compare(r.days_to_renewal, limit)
        )
    limit = _days(raw)  # touch: days since the last touch; never touched counts as forever
    return lambda r: compare(
        r.days_since_touch if r.days_since_touch is not None else float("inf"), limit
    )


def every_term_msg() -> Msg:
    """All the filter's terms, for an error that says what would have worked."""
    keys = " ".join(k + ":" for k in KEYWORDS)
    numbers = " ".join(f"{n}<" for n in NUMERIC)
    return msg("filter.terms", keys=keys, numbers=numbers)


def every_term() -> str:
    """:func:`every_term_msg` worded in the UI language."""
    return render(every_term_msg())


def _keyword(key: str, value: str, me: str) -> Predicate:
    """One key with one or more comma-separated values: any of them matches (OR)."""
    values = [v for v in value.split(",") if v]
    if not values:
        raise FilterError(msg("filter.error.no_value", term=f"{key}:{value}"))
    preds = [_one_keyword(key, v, me) for v in values]
    if len(preds) == 1:
        return preds[0]
    return lambda r: any(p(r) for p in preds)


def _one_of(key: str, value: str, choices: Sequence[str]) -> str:
    """``value`` if it is one of ``choices``; else the error naming them."""
    if value not in choices:
        raise FilterError(
            msg(f"filter.error.not_{key}", term=f"{key}:{value}", choices=", ".join(choices))
        )
    return value


def _one_keyword(key: str, value: str, me: str) -> Predicate:
    if key == "band":
        band = _one_of(key, value, BANDS)
        return lambda r: r.band == band
    if key == "tier":
        tier = Tier(_one_of(key, value, [t.value for t in Tier]))
        return lambda r: r.tier is tier
    if key == "stage":
        stage = Stage(_one_of(key, value.replace("-", "_"), [s.value for s in Stage]))
        return lambda r: r.stage is stage
    if key == "owner":
        who = fold(me if value == "me" else value)
        return lambda r: fold(r.owner) == who
    if key == "renewal":
        state = _one_of(key, value, RENEWAL_STATES)
        return lambda r: renewal_state(r.days_to_renewal, r.stage) == state
    by_letter = {letter.casefold(): name for name, letter in FLAG_LETTERS.items()}
    value = by_letter.get(value, value)
    if value not in FLAG_RULES:
        # A no-break space: a wrapped message keeps each letter with its name.
        known = ", ".join(f"{FLAG_LETTERS.get(f, '?')}\u00a0{f}" for f in FLAG_RULES)
        raise FilterError(msg("filter.error.not_flag", term=f"flag:{value}", known=known))
    return lambda r: value in r.flags


def _contains(needle: str) -> Predicate:
    """Free text: a substring of the folded name, domain, owner and tags; a word in kana
    also as katakana and as the romaji of a Japanese name's reading (たかさご finds
    高砂精機, as the palette does: see :func:`cstui.domain.kana.name_reading`)."""
    forms = search_forms(needle)
    if len(forms) <= 1:  # latin text: one form (and the quickest test per row)
        return lambda r: needle in r.search_key
    return lambda r: any(form in r.search_key for form in forms)


def _cannot_compare(term: str, name: str) -> Msg:
    return msg("filter.error.cannot_compare", term=term, name=name, terms=every_term_msg())


def _term(term: str, me: str) -> Predicate:
    negate = term.startswith(("-", "!")) and len(term) > 1
    body = term[1:] if negate else term
    pred: Predicate
    bare = _BARE_COMPARE.match(body)
    if bare:
        name, op = bare["field"], bare["op"]
        if name not in NUMERIC:
            raise FilterError(_cannot_compare(body, name))
        days = "days" if name in ("renewal", "touch") else "number"
        raise FilterError(msg(f"filter.error.no_{days}", term=body, op=op))
    match = _COMPARE.match(body)
    if match and match["field"] in NUMERIC:
        name, op, raw = match["field"], match["op"], match["value"]
        try:
            pred = _numeric(name, op, raw)
        except ValueError:
            days = "days" if name in ("renewal", "touch") else "number"
            problem = msg(f"filter.error.bad_{days}", term=body, name=name, raw=raw)
            raise FilterError(problem) from None
    elif match:
        raise FilterError(_cannot_compare(body, match["field"]))
    elif ":" in body:
        key, _, value = body.partition(":")
        if key not in KEYWORDS:
            raise FilterError(msg("filter.error.unknown", key=key, terms=every_term_msg()))
        pred = _keyword(key, value, me)
    else:
        pred = _contains(body)
    if negate:
        inner = pred
        return lambda r: not inner(r)
    return pred


def normalize(text: str) -> str:
    """Folded, with the spaces around comparison operators dropped (``health < 40``) and
    around the commas of a key's values (``owner:me, kim``)."""
    text = _SPACED_OP.sub(r"\1", fold(text))
    joined = _SPACED_LIST.sub(r"\1,", text)
    while joined != text:  # each pass joins one comma of a list
        text, joined = joined, _SPACED_LIST.sub(r"\1,", joined)
    return text


def parse(text: str, *, me: str = "") -> FilterQuery:
    """Every term must hold (AND). Quote free text with spaces: ``"acme corp"``."""
    folded = normalize(text)
    query = FilterQuery(text=text)
    if folded.count('"') % 2:
        folded += '"'  # still typing a quoted phrase: treat it as closed
    for quoted, bare in _TOKENS.findall(folded):
        if quoted:
            phrase = quoted.strip()
            if phrase:
                query.predicates.append(_contains(phrase))
            continue
        term = bare
        try:
            query.predicates.append(_term(term, me))
        except FilterError as exc:
            query.problems.append(exc.message)
    return query


def narrows(old: str, new: str) -> bool:
    """Whether every row matching ``new`` also matches ``old``, judged from the text alone.

    True when ``new`` only adds terms (AND) or extends a trailing free-text term. Then the
    rows already shown for ``old`` can be filtered again instead of the whole book, which
    keeps typing instant at 50,000 accounts. Anything else (editing a comparison, a
    negation, a quote) is answered False and filters from scratch.
    """
    old_f, new_f = normalize(old), normalize(new)
    if not new_f.startswith(old_f) or '"' in new_f:
        return False
    suffix = new_f[len(old_f) :]
    if not old_f.strip() or not suffix or old_f[-1].isspace() or suffix[0].isspace():
        return True
    last = old_f.split()[-1]
    grown = new_f.split()[-1]
    plain = not _COMPARE.match(last) and ":" not in last and not last.startswith(("-", "!"))
    # Kana is also looked for as romaji, which a longer word need not extend (き ki, きょ kyo).
    kana = any(is_kana(c) for c in grown)
    return plain and not kana and not re.search(r"[<>=!]", grown) and ":" not in grown
