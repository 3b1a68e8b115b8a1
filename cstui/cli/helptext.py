"""``cstui --help`` in the user's language: the commands' and options' help, and click's own words.

The language is chosen once per run, from the command line before click parses it (the last
``--lang`` typed, before the command or after it), else from LC_ALL / LC_MESSAGES / LANG
(:func:`cstui.i18n.detect_language`): ``--help`` is handled while click parses, before any
option's value is known. It is kept apart from :func:`cstui.i18n.language`, which each command
sets for its own output, so choosing the help's language changes nothing a command prints.

Two catalogues word it:

* ``locale/<lang>/cli_help.json``: the help of cstui's commands and options. The English file
  holds the texts exactly as the code has them (a docstring paragraph with its spaces
  collapsed, or a ``\\b`` block line for line) and a text is found by its English words, so
  an option shared by several commands is translated once, and an English text edited in the
  code no longer matches: the help test then names it (:func:`untranslated`).
* ``locale/ja/click.json``: click's own sentences (``Usage:``, ``Options``, its errors), keyed
  ``click.<English>`` as click writes them; English has no such keys (as ``textual.json``).

click words those through gettext (``from gettext import gettext as _`` in each of its
modules). Python's gettext takes the language only from the environment and reads compiled
``.mo`` files for a process-wide domain, so ``--lang`` could not choose it: this module binds
its own ``_`` and ``ngettext`` in click's modules instead; in English they return click's
words untouched.

Japanese is two terminal columns a character and has no spaces to break lines at, so its help
is laid out by :class:`CellFormatter`, click's layout measured in cells. English keeps click's
own formatter: its help is byte for byte what click prints.
"""

from __future__ import annotations

import gettext
import importlib
import inspect
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from typing import Any

import click
from rich.cells import cell_len

from cstui import i18n

HELP_KEYS = "cli.help."
"""The catalogue keys of the commands' and options' help (``locale/*/cli_help.json``)."""

_language = "en"


def help_language() -> str:
    return _language


def choose_language(args: Sequence[str]) -> str:
    """Set the language of this run's help and usage errors from its arguments.

    The last valid ``--lang`` typed before ``--`` wins (``cstui --lang ja today --help``,
    ``cstui today --lang ja -h``); without one, the environment decides."""
    global _language
    typed: str | None = None
    words = iter(args)
    for arg in words:
        if arg == "--":
            break
        if arg == "--lang":
            value = next(words, None)
        elif arg.startswith("--lang="):
            value = arg.partition("=")[2]
        else:
            continue
        if value in i18n.LANGUAGES:
            typed = value
    _language = i18n.detect_language(typed)
    return _language


@contextmanager
def english() -> Iterator[None]:
    """click's words stay English inside: for what click words once and keeps."""
    global _language
    before, _language = _language, "en"
    try:
        yield
    finally:
        _language = before


# --------------------------------------------------------------------------------------------
# Finding a text's words in the catalogues
# --------------------------------------------------------------------------------------------


@cache
def _keys_by_text() -> dict[str, str]:
    return {text: key for key, text in i18n.catalogue("en").items() if key.startswith(HELP_KEYS)}


def help_key(text: str) -> str | None:
    """The ``cli.help.*`` key whose English is ``text`` (a paragraph or an option's help)."""
    return _keys_by_text().get(text)


def paragraphs(text: str) -> list[str]:
    """A docstring's paragraphs as ``cli_help.json`` holds them: a ``\\b`` block (never
    rewrapped) line for line, any other paragraph with its whitespace collapsed (click
    rewraps it anyway). Only the text before a form feed, as click shows."""
    found = []
    for block in inspect.cleandoc(text).partition("\f")[0].split("\n\n"):
        block = block.strip("\n")
        if block.startswith("\b"):
            found.append(block)
        elif block.strip():
            found.append(" ".join(block.split()))
    return found


def word(text: str, lang: str | None = None) -> str | None:
    """``text`` (a paragraph, an option's help, or one of click's sentences) in ``lang``
    (default: the help's language); None when no catalogue has it."""
    words = i18n.catalogue(lang or _language)
    key = help_key(" ".join(text.split()) if not text.startswith("\b") else text)
    if key is not None:
        return words.get(key)
    return words.get(f"click.{text}")


def say(key: str, **params: Any) -> str:
    """The sentence at catalogue ``key`` in the help's language: for the usage errors that
    cstui adds to click's, shown with the usage line."""
    text = i18n.catalogue(_language).get(key) or i18n.catalogue("en").get(key) or key
    return i18n.fill(text, params)


def worded_help(text: str) -> str:
    """A command's help in the help's language, paragraph by paragraph (English where a
    paragraph has no translation, which the help test forbids)."""
    return "\n\n".join(word(p) or p for p in paragraphs(text))


def untranslated(command: click.Command, ctx: click.Context, lang: str = "ja") -> list[str]:
    """The English texts of ``command``'s help (its paragraphs, its options' and arguments'
    help, click's help option included) that ``lang`` has no words for."""
    texts = paragraphs(command.help or "") + paragraphs(command.short_help or "")
    with english():
        texts += [p.help for p in command.get_params(ctx) if p.help]
    return [text for text in texts if word(text, lang) is None]


# --------------------------------------------------------------------------------------------
# click's own words
# --------------------------------------------------------------------------------------------


def _gettext(message: str) -> str:
    if _language == "en":
        return message
    return i18n.catalogue(_language).get(f"click.{message}", message)


def _ngettext(singular: str, plural: str, n: int) -> str:
    return _gettext(singular if n == 1 else plural)


CLICK_MODULES = ("core", "decorators", "exceptions", "formatting", "parser", "termui", "types")
"""click's modules that word what a user of ``cstui`` may see (help, usage errors, prompts)."""


def install() -> None:
    """Word click's sentences through the catalogues (see the module's docstring)."""
    for name in CLICK_MODULES:
        module = importlib.import_module(f"click.{name}")
        if getattr(module, "_", None) in (gettext.gettext, _gettext):
            module._ = _gettext  # type: ignore[attr-defined]
        if getattr(module, "ngettext", None) in (gettext.ngettext, _ngettext):
            module.ngettext = _ngettext  # type: ignore[attr-defined]


def installed() -> bool:
    """Whether every module in :data:`CLICK_MODULES` words through the catalogues (a click
    release that words differently would leave its sentences English: the tests say so)."""
    return all(
        getattr(importlib.import_module(f"click.{name}"), "_", None) is _gettext
        for name in CLICK_MODULES
    )


# --------------------------------------------------------------------------------------------
# Layout in terminal cells
# --------------------------------------------------------------------------------------------

_NO_LINE_START = frozenset(
    "、。，．）」』】〉》〕！？：；ー…・ぁぃぅぇぉっゃゅょァィゥェォッャュョ)]},.:;!?%"
)
_NO_LINE_END = frozenset("（「『【〈《〔([{")
_PIECES = re.compile(r"\s+|\S+")


def _units(text: str) -> list[tuple[str, str]]:
    """``text`` as (space before, unit) pairs, a line break allowed before every unit.

    A run of narrow characters is one unit (an option, a word, a number); a wide character
    is a unit of its own, so Japanese breaks between any two characters, except before a
    closing mark or a small kana and after an opening bracket (kinsoku)."""
    units: list[tuple[str, str]] = []
    space = ""
    for piece in _PIECES.findall(text):
        if piece.isspace():
            space = piece.replace("\n", " ")
            continue
        parts: list[str] = []
        for char in piece:
            wide = cell_len(char) > 1
            glue = parts and (
                char in _NO_LINE_START
                or parts[-1][-1] in _NO_LINE_END
                or (not wide and cell_len(parts[-1][-1]) == 1)
            )
            if glue:
                parts[-1] += char
            else:
                parts.append(char)
        units.append((space, parts[0]))
        units += [("", part) for part in parts[1:]]
        space = ""
    return units


def wrap(text: str, width: int, first: str = "", rest: str = "") -> list[str]:
    """``text`` in lines of at most ``width`` cells (a unit wider than a line is cut)."""
    lines: list[str] = []
    line, used = first, cell_len(first)
    empty = True
    for space, unit in _units(text):
        size = cell_len(unit)
        if not empty and used + cell_len(space) + size > width:
            lines.append(line)
            line, used, empty = rest, cell_len(rest), True
        if empty:
            while used + size > width and len(unit) > 1:  # longer than a line: cut it
                cut = 1
                while cut < len(unit) and used + cell_len(unit[: cut + 1]) <= width:
                    cut += 1
                lines.append(line + unit[:cut])
                unit, size = unit[cut:], cell_len(unit[cut:])
                line, used = rest, cell_len(rest)
            space = ""
        line += space + unit
        used += cell_len(space) + size
        empty = False
    lines.append(line)
    return lines


def wrap_paragraphs(text: str, width: int, indent: str = "") -> str:
    """click's ``wrap_text(..., preserve_paragraphs=True)`` in cells: paragraphs apart by a
    blank line keep their own indent, and a ``\\b`` paragraph is not rewrapped."""
    found: list[tuple[int, bool, str]] = []
    lines: list[str] = []
    lead: int | None = None

    def flush() -> None:
        if lines:
            raw = lines[0].strip() == "\b"
            found.append((lead or 0, raw, "\n".join(lines[1:]) if raw else " ".join(lines)))
            lines.clear()

    for line in text.expandtabs().splitlines():
        if not line:
            flush()
            lead = None
            continue
        if lead is None:
            lead = len(line) - len(line.lstrip())
            line = line.lstrip()
        lines.append(line)
    flush()
    out = []
    for extra, raw, body in found:
        pad = indent + " " * extra
        if raw:
            out.append("\n".join(pad + line for line in body.splitlines()))
        else:
            out.append("\n".join(wrap(body, width, pad, pad)))
    return "\n\n".join(out)


class CellFormatter(click.HelpFormatter):
    """click's help layout with widths in terminal cells (for help that is not English)."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        if prefix is None:
            prefix = f"{_gettext('Usage:')} "
        usage_prefix = f"{' ' * max(self.current_indent - cell_len(prefix), 0)}{prefix}{prog} "
        text_width = self.width - self.current_indent
        if not args:
            self.write(usage_prefix.rstrip(" ") + "\n")
            return
        if text_width >= cell_len(usage_prefix) + 20:
            hang = " " * cell_len(usage_prefix)
            self.write("\n".join(wrap(args, text_width, usage_prefix, hang)))
        else:
            pad = " " * (max(self.current_indent, cell_len(prefix)) + 4)
            self.write(usage_prefix + "\n" + "\n".join(wrap(args, text_width, pad, pad)))
        self.write("\n")

    def write_text(self, text: str) -> None:
        self.write(wrap_paragraphs(text, self.width, " " * self.current_indent) + "\n")

    def write_dl(
        self, rows: Iterable[tuple[str, str]], col_max: int = 30, col_spacing: int = 2
    ) -> None:
        rows = list(rows)
        first_col = min(max((cell_len(r[0]) for r in rows), default=0), col_max) + col_spacing
        for first, second in rows:
            self.write(f"{' ' * self.current_indent}{first}")
            if not second:
                self.write("\n")
                continue
            if cell_len(first) <= first_col - col_spacing:
                self.write(" " * (first_col - cell_len(first)))
            else:
                self.write("\n" + " " * (first_col + self.current_indent))
            text_width = max(self.width - first_col - 2, 10)
            lines = wrap_paragraphs(second, text_width).splitlines() or [""]
            self.write(lines[0] + "\n")
            for line in lines[1:]:
                self.write(f"{' ' * (first_col + self.current_indent)}{line}".rstrip() + "\n")


class Context(click.Context):
    """A ``cstui`` command's context: its help laid out in cells when not in English."""

    def make_formatter(self) -> click.HelpFormatter:
        if _language == "en":
            return super().make_formatter()
        return CellFormatter(width=self.terminal_width, max_width=self.max_content_width)


class Translated(click.Command):
    """A command whose help, short help and options' help are worded in the help's language.

    English is click's own rendering, untouched. :class:`cstui.cli.common.Command` and
    ``Group`` are made of this; a command that is neither would keep English help (the help
    test walks the command tree for that)."""

    context_class = Context

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        if parent is None:  # the command that runs: the whole command line is in args
            choose_language(args)
        return super().make_context(info_name, args, parent, **extra)

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        with english():  # kept on the command once made: its help is worded when shown
            return super().get_help_option(ctx)

    def get_short_help_str(self, limit: int = 45) -> str:
        if _language == "en":
            return super().get_short_help_str(limit)
        if self.short_help:
            return word(self.short_help) or super().get_short_help_str(limit)
        first = paragraphs(self.help or "")[:1]
        worded = word(first[0]) if first else None
        if worded is None or worded.startswith("\b"):
            return super().get_short_help_str(limit)
        end = worded.find("。")
        return worded[: end + 1] if end != -1 else worded  # the first sentence, never cut

    def format_help_text(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        if _language == "en" or self.help is None:
            super().format_help_text(ctx, formatter)
            return
        text = worded_help(self.help)
        if text:
            formatter.write_paragraph()
            with formatter.indentation():
                formatter.write_text(text)

    def _records(self, ctx: click.Context, arguments: bool) -> list[tuple[str, str]]:
        """The options' (or arguments') help rows, each help worded; what click adds after
        it ("[default: csv]", "[required]") is worded by click's own ``_``."""
        rows = []
        for param in self.get_params(ctx):
            if isinstance(param, click.Argument) is not arguments:
                continue
            record = param.get_help_record(ctx)
            if record is None:
                continue
            spec, text = record
            if param.help:
                text = text.replace(param.help, word(param.help) or param.help, 1)
            rows.append((spec, text))
        return rows

    def format_arguments(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        documented = any(p.help for p in self.get_params(ctx) if isinstance(p, click.Argument))
        if _language == "en" or not documented:
            super().format_arguments(ctx, formatter)
            return
        with formatter.section(_gettext("Positional arguments")):
            formatter.write_dl(self._records(ctx, arguments=True))

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        if _language == "en":
            super().format_options(ctx, formatter)
            return
        rows = self._records(ctx, arguments=False)
        if rows:
            with formatter.section(_gettext("Options")):
                formatter.write_dl(rows)
        if isinstance(self, click.Group):
            self.format_commands(ctx, formatter)


install()
