"""Make untrusted text safe to show in a terminal.

Names, notes and summaries come from CRMs, imports and other people. They are shown as
literal text: never parsed as Rich markup (callers wrap them in ``rich.text.Text``), and with
control characters (ESC sequences such as OSC 52 clipboard writes, bells, backspaces)
replaced by visible stand-ins so they cannot drive the terminal.
"""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _stand_in(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code == 0x1B:
        return "␛"
    if code < 0x20:
        return chr(0x2400 + code)  # the Unicode "control pictures" block: ␀ ␁ ...
    return "�"


def clean(text: str, *, single_line: bool = True) -> str:
    """Replace control characters; newlines and tabs become spaces on single-line fields."""
    if single_line:
        text = text.replace("\r\n", " ").replace("\n", " ").replace("\t", " ")
    return _CONTROL.sub(_stand_in, text)
