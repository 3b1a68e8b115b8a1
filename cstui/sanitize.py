"""Make untrusted text safe to show in a terminal.

Names, notes and summaries come from CRMs, imports and other people. They are shown as
literal text: never parsed as Rich markup (callers wrap them in ``rich.text.Text``), and with
control characters (ESC sequences such as OSC 52 clipboard writes, title changes, a full
reset ``ESC c``, bells, backspaces, the C1 controls) replaced by visible stand-ins so they
cannot drive the terminal. Bidi overrides and isolates (U+202A-U+202E, U+2066-U+2069) are
replaced too: they reorder what follows them on screen ("Trojan Source"), so a name could
show as something it is not.

Files keep the data as it is; JSON written anywhere escapes the same characters
(:func:`json_text`), which keeps the data and the JSON valid. :func:`fit_cells` fits a text
to a width in terminal cells, Japanese too (the app's tables, the CLI's columns).
"""

from __future__ import annotations

import json
import re
from typing import Any

from rich.cells import cell_len, set_cell_size

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_JSON_UNSAFE = re.compile(r"[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _stand_in(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code == 0x1B:
        return "␛"
    if code < 0x20:
        return chr(0x2400 + code)  # the Unicode "control pictures" block: ␀ ␁ ...
    return "�"


def clean(text: str, *, single_line: bool = True) -> str:
    """Replace control characters; newlines and tabs become spaces on single-line fields.

    Linear in the length of ``text`` (one pass of a character-class regex).
    """
    if single_line:
        text = text.replace("\r\n", " ").replace("\n", " ").replace("\t", " ")
    return _CONTROL.sub(_stand_in, text)


def show_value(value: Any, width: int = 40) -> str:
    """A field's value on one line (a conflict's, a planned push's): literal, cleaned, cut
    to ``width`` characters; "—" for nothing."""
    if value is None or value == "":
        return "—"
    text = clean(str(value))
    return text if len(text) <= width else text[: width - 1] + "…"


def _cut(text: str, width: int) -> str:
    """At most ``width`` cells of ``text``, never half a wide (CJK) character."""
    out, used = [], 0
    for ch in text:
        size = cell_len(ch)
        if used + size > width:
            break
        out.append(ch)
        used += size
    return "".join(out)


def fit_cells(text: str, width: int, align: str = "left") -> str:
    """``text`` made exactly ``width`` cells wide: cut with an ellipsis, or padded.

    A cut right after a wide character keeps the ellipsis next to the text ("アダプ…"),
    padding after it, so a cut CJK word never reads as a word and a gap.
    """
    size = cell_len(text)
    if size > width:
        if width <= 0:
            return ""
        cut = _cut(text, width - 1) + "…"
        return set_cell_size(cut, width)
    if size == width:
        return text
    pad = " " * (width - size)
    return pad + text if align == "right" else text + pad


def json_text(value: Any, *, indent: int | None = 2) -> str:
    """``value`` as JSON (non-ASCII kept readable) with every character a terminal could act
    on escaped as ``\\uXXXX``: ``json.dumps`` escapes C0 controls, but with
    ``ensure_ascii=False`` it leaves the C1 controls (ESC's 8-bit twin CSI, U+009B) and bidi
    overrides as they are. The result parses back to exactly ``value``."""
    text = json.dumps(value, ensure_ascii=False, indent=indent)
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
