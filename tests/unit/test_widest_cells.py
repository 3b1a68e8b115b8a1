"""A measured table's widest cell, found without measuring every text of a long column."""

from __future__ import annotations

import random

import pytest
from rich.cells import cell_len

from cstui.sanitize import clean
from cstui.widgets.account_table import widest_cells

CHARACTERS = "abcXYZ 12.-株式会社ｱｲｳé\u0301\u200b😀\x1b\x07\t\n\r\u202e"
"""ASCII, wide (CJK, emoji), narrow non-ASCII, zero-width and control characters: the last
are drawn cleaned (a stand-in each; a newline, a tab and CR LF as one space)."""


def measured_one_by_one(texts: set[str]) -> int:
    return max((cell_len(clean(text)) for text in texts), default=0)


@pytest.mark.parametrize("seed", range(30))
def test_the_widest_is_the_widest_of_every_text_measured(seed: int) -> None:
    rng = random.Random(seed)
    texts = {
        "".join(rng.choice(CHARACTERS) for _ in range(rng.randint(0, 24)))
        for _ in range(rng.randint(1, 300))
    }
    assert widest_cells(texts) == measured_one_by_one(texts)


@pytest.mark.parametrize(
    ("texts", "cells"),
    [
        (set(), 0),
        ({""}, 0),
        ({"Acme Corporation", "株式会社多摩製作所"}, 18),  # the shorter text is wider
        ({"a\r\nb" * 5, "abcdefghijklm"}, 15),  # CR LF is drawn as one space
        ({"x\x1by", "ab"}, 3),  # ESC is drawn as one cell
        ({"e\u0301" * 6, "abcdefg"}, 7),  # a combining accent takes no cell
    ],
)
def test_the_widest_of_texts_that_are_not_as_wide_as_they_are_long(
    texts: set[str], cells: int
) -> None:
    assert widest_cells(texts) == cells == measured_one_by_one(texts)
