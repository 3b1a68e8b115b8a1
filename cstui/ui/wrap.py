"""Line breaking for free text, Japanese included: the basic kinsoku rules, by cell width.

Textual and Rich break lines at spaces and, inside a run of Japanese (which has none), at
whatever cell the width ends on, so a line can start with 。 or ）and end with 「. Japanese
typesetting (JIS X 4051, "kinsoku shori") forbids that. :func:`line_spans` is the one place
that decides where long text breaks:

* a line may break at a space (the space is dropped) or between two characters when one of
  them is wide (Japanese, Chinese, full-width forms); never inside a Latin word unless the
  word alone is wider than the line, nor at a no-break space (:data:`NO_BREAK`: "E
  touchpoint-missed" in a list of flags stays one item);
* no line starts with closing punctuation, a small kana, the long vowel mark or an
  iteration mark (:data:`NO_START`), and no line ends with an opening bracket or quote
  (:data:`NO_END`): the break moves back to the last place both rules allow, which pulls
  the previous character down with it ("oidashi"); with no such place on the line, the
  break falls where the width ends;
* a katakana word (コピー, スクロール: a run of :func:`in_katakana_word` characters) is
  kept whole, as a Latin word is, when a break before it leaves its line at least half
  full: "選択部分をコピ / ー" broke a label mid-word, now "選択部分を / コピー". A word
  that would leave a short line behind, or is wider than a line, is broken inside (by the
  rules above: never before its ー).

:func:`wrap` gives plain lines, :func:`wrap_text` keeps a Rich ``Text``'s styles, and
:class:`Wrapped` is what a ``Static`` shows: the text wrapped at whatever width it is drawn
(again on every resize). With ``hanging=True`` the continuation lines of a paragraph are
indented to where its text starts (:func:`hanging_indent`: after its leading spaces and a
bullet such as "· " or "⚑ "), so an indented or bulleted paragraph stays one block.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Final

from rich.cells import cell_len, get_character_cell_size
from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.text import Text
from textual.content import Content
from textual.css.styles import RulesMap
from textual.strip import Strip
from textual.style import Style
from textual.visual import RenderOptions, Visual

NO_START: frozenset[str] = frozenset(
    "、。，．,.・：；:;？！?!‼⁇⁈⁉ー－‐゠–〜～…‥"
    "）〕］｝〉》」』】〙〗〟’”｠»)]}"
    "ぁぃぅぇぉっゃゅょゎゕゖァィゥェォッャュョヮヵヶㇰㇱㇲㇳㇴㇵㇶㇷㇸㇹㇺㇻㇼㇽㇾㇿ"
    "ヽヾゝゞ々〻゛゜%％"
)
"""Characters a line must not start with: closing brackets and quotes, punctuation, small
kana, the long vowel mark and iteration marks."""
NO_END: frozenset[str] = frozenset("（〔［｛〈《「『【〘〖〝‘“｟«([{")
"""Characters a line must not end with: opening brackets and quotes."""
NO_BREAK: frozenset[str] = frozenset("\u00a0\u2007\u202f")
"""No-break spaces: shown as spaces, never broken at nor next to (Textual and Rich break at
them as at any space)."""


def in_katakana_word(char: str) -> bool:
    """Whether ``char`` is part of a katakana word: katakana, small ones, the long vowel
    mark and the katakana iteration marks (not the middle dot ・, which separates words)."""
    return (
        "\u30a1" <= char <= "\u30fa" or "\u30fc" <= char <= "\u30ff" or "\u31f0" <= char <= "\u31ff"
    )


NO: Final = 0
INSIDE_WORD: Final = 1
"""A break the kinsoku rules allow, inside a katakana word: taken only when needed."""
GOOD: Final = 2


def _break_kind(prev: str, char: str) -> int:
    """Whether a line may break between ``prev`` and ``char`` (spaces aside): :data:`NO`,
    :data:`INSIDE_WORD` or :data:`GOOD`."""
    if char in NO_START or prev in NO_END or char in NO_BREAK or prev in NO_BREAK:
        return NO
    if prev.isspace():
        return GOOD
    if get_character_cell_size(prev) != 2 and get_character_cell_size(char) != 2:
        return NO
    return INSIDE_WORD if in_katakana_word(prev) and in_katakana_word(char) else GOOD


def _trimmed(text: str, start: int, stop: int) -> int:
    while stop > start and text[stop - 1].isspace():
        stop -= 1
    return stop


BULLETS: frozenset[str] = frozenset("·•‣-*⚑✗✓→●▲○+−")
"""Marks that start a list item: with the spaces after them, part of a hanging indent."""
MIN_HANGING_ROOM = 12
"""Cells a continuation line keeps for text at least; a deeper indent is not applied."""


def hanging_indent(line: str) -> int:
    """The cells where ``line``'s text starts: its leading spaces, then a bullet mark and the
    spaces after it ("  · Label: …" → 4)."""
    i = len(line) - len(line.lstrip(" "))
    if i < len(line) - 1 and line[i] in BULLETS and line[i + 1] == " ":
        i += 1
        while i < len(line) and line[i] == " ":
            i += 1
    return sum(get_character_cell_size(c) for c in line[:i])


def _paragraph_spans(
    text: str, start: int, end: int, width: int, rest: int | None = None
) -> Iterable[tuple[int, int]]:
    """(start, end) of each line of ``text[start:end]`` (one paragraph, no newline); the
    lines after the first get ``rest`` cells (default ``width``)."""
    if cell_len(text[start:end]) <= width:  # fits: no break to choose (most lines)
        yield start, _trimmed(text, start, end)
        return
    line = start
    used = 0  # cells of text[line:i]
    good: int | None = None  # the last offset the current line may end at, between words
    good_used = 0  # cells of text[line:good]
    inside: int | None = None  # the last one inside a katakana word
    i = start
    while i < end:
        char = text[i]
        cells = get_character_cell_size(char)
        kind = _break_kind(text[i - 1], char) if i > line else NO
        if kind == GOOD:
            good, good_used = i, used
        elif kind == INSIDE_WORD:
            inside = i
        if used + cells <= width or i == line or (char.isspace() and char not in NO_BREAK):
            used += cells  # spaces may hang past the edge: a break drops them
            i += 1
            continue
        if good is not None and (inside is None or inside < good or 2 * good_used >= width):
            cut = good
        elif inside is not None:
            cut = inside  # the word would leave a short line, or is wider than one
        else:
            cut = i
        yield line, _trimmed(text, line, cut)
        width = width if rest is None else rest
        line = cut
        while line < end and text[line].isspace():
            line += 1
        i = max(i, line)
        used = sum(get_character_cell_size(c) for c in text[line:i])
        good = inside = None
    yield line, _trimmed(text, line, end)


def line_spans(text: str, width: int) -> list[tuple[int, int]]:
    """Where each line of ``text`` wrapped to ``width`` cells starts and ends (offsets into
    ``text``; newlines end lines; spaces at a break are left out)."""
    width = max(width, 2)  # room for one wide character
    spans: list[tuple[int, int]] = []
    start = 0
    for part in text.split("\n"):
        end = start + len(part)
        if part:
            spans.extend(_paragraph_spans(text, start, end, width))
        else:
            spans.append((start, start))
        start = end + 1
    return spans


def wrap(text: str, width: int) -> list[str]:
    """``text`` as lines of at most ``width`` cells, by the rules in the module docstring."""
    return [text[a:b] for a, b in line_spans(text, width)]


def _pieces(text: Text, spans: list[tuple[int, int]]) -> list[Text]:
    """``text[a:b]`` for each span, cut in one pass (a slice of a ``Text`` divides all of
    it, once per line otherwise)."""
    if not spans:
        return []
    offsets = [offset for span in spans for offset in span]
    return list(text.divide(offsets))[1::2]


def _plain_lines(text: Text, width: int) -> list[Text]:
    return _pieces(text, line_spans(text.plain, width))


def _hanging_lines(text: Text, width: int) -> list[Text]:
    """The lines of ``text`` at ``width``, each paragraph's continuation lines indented by
    its :func:`hanging_indent` (when that leaves :data:`MIN_HANGING_ROOM` cells)."""
    width = max(width, 2)
    plain = text.plain
    spans: list[tuple[int, int]] = []
    indents: list[int] = []
    start = 0
    for part in plain.split("\n"):
        end = start + len(part)
        if not part:
            spans.append((start, start))
            indents.append(0)
        else:
            indent = hanging_indent(part)
            if width - indent < MIN_HANGING_ROOM:
                indent = 0
            for k, span in enumerate(
                _paragraph_spans(plain, start, end, width, max(width - indent, 2))
            ):
                spans.append(span)
                indents.append(indent if k else 0)
        start = end + 1
    return [
        Text(" " * indent).append_text(line) if indent else line
        for line, indent in zip(_pieces(text, spans), indents, strict=True)
    ]


def wrap_text(text: Text, width: int, *, hanging: bool = False) -> Text:
    """``text`` with its line breaks chosen by :func:`line_spans`; styles are kept. With
    ``hanging``, continuation lines are indented as their paragraph's text (see above)."""
    lines = (_hanging_lines if hanging else _plain_lines)(text, width)
    out = Text("\n", style=text.style).join(lines)
    out.no_wrap = True
    return out


class _ForWidth(Visual):
    """Text made for the width it is drawn at (:meth:`text_for`), kept for that width: a
    resize makes it again. The visuals below differ only in how they make it."""

    _cache: tuple[int, Content] | None = None

    def text_for(self, width: int) -> Text:
        raise NotImplementedError

    def content(self, width: int) -> Content:
        if self._cache is None or self._cache[0] != width:
            self._cache = (width, Content.from_rich_text(self.text_for(width)))
        return self._cache[1]

    def render_strips(
        self, width: int, height: int | None, style: Style, options: RenderOptions
    ) -> list[Strip]:
        return self.content(width).render_strips(width, height, style, options)


class Wrapped(_ForWidth):
    """``text`` wrapped by :func:`wrap_text` at the width it is drawn: a Textual visual for
    a ``Static`` (re-wrapped on every resize, styled like any content), and a Rich
    renderable anywhere else.

    ``str()`` is the unwrapped text, so code and tests that read a widget's content (or
    ``str(widget.render())``) still read the words, not where they happened to break.
    """

    def __init__(self, text: Text | str, *, hanging: bool = False) -> None:
        self.text = text if isinstance(text, Text) else Text(text)
        self.hanging = hanging
        """Indent continuation lines as their paragraph's text (:func:`hanging_indent`)."""

    def __str__(self) -> str:
        return self.text.plain

    def text_for(self, width: int) -> Text:
        """The text with its line breaks chosen for ``width``."""
        return wrap_text(self.text, width, hanging=self.hanging)

    def get_optimal_width(self, rules: RulesMap, container_width: int) -> int:
        return Content.from_rich_text(self.text).get_optimal_width(rules, container_width)

    def get_height(self, rules: RulesMap, width: int) -> int:
        return self.content(width).get_height(rules, width)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield self.text_for(options.max_width)

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement.get(console, options, self.text)


class Fitted(_ForWidth):
    """Text built for the width it is drawn at (``build(width)``, again on every resize):
    for lines that drop or shorten parts to fit, such as the account header at 80 columns.
    ``lines``: the height it takes (whatever the width)."""

    def __init__(self, build: Callable[[int], Text], *, lines: int) -> None:
        self.build = build
        self.lines = lines

    def __str__(self) -> str:
        return self.build(10_000).plain

    def text_for(self, width: int) -> Text:
        text = self.build(width)
        text.no_wrap = True
        return text

    def get_optimal_width(self, rules: RulesMap, container_width: int) -> int:
        return container_width

    def get_height(self, rules: RulesMap, width: int) -> int:
        return self.lines

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield self.build(options.max_width)

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement(options.max_width, options.max_width)
