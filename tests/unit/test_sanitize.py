"""``clean`` (what the app and the CLI show) and ``json_text`` (what --json prints)."""

from __future__ import annotations

import json

from cstui.sanitize import clean, json_text

NASTY = "a\x1b]52;c;eA==\x07b\x9b2J\u202eexe.txt\u2066x\u2069\x7f\x1bc"


def test_clean_neutralises_controls_c1_and_bidi_overrides() -> None:
    shown = clean(NASTY)
    assert all(ch not in shown for ch in "\x1b\x07\x9b\u202e\u2066\u2069\x7f")
    assert shown.startswith("a␛]52")
    assert "exe.txt" in shown


def test_clean_keeps_ordinary_right_to_left_text_and_japanese() -> None:
    assert clean("שלום 株式会社みらい") == "שלום 株式会社みらい"


def test_json_text_escapes_what_a_terminal_acts_on_and_parses_back() -> None:
    text = json_text({"name": NASTY})
    assert all(ch not in text for ch in "\x1b\x07\x9b\u202e\u2066\x7f")
    assert json.loads(text) == {"name": NASTY}
