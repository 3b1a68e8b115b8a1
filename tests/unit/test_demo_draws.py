"""The demo generator's shortcuts draw exactly what the library's calls they replace draw.

A seed must give the same book whichever way the generator spells a draw: its cheaper
``randint``/``choice``, its weighted pick with the odds accumulated once and its ISO dates
by ordinal are checked here against ``random.Random`` and ``date.isoformat`` themselves.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from itertools import accumulate

import pytest

from cstui.demo import generate as generator


@pytest.mark.parametrize("seed", [0, 1, 7, "renewals:1"])
def test_randint_and_choice_follow_the_library_stream(seed: int | str) -> None:
    ours, theirs = generator._Rng(seed), random.Random(seed)
    ranges = [(0, 0), (1, 2), (-45, -1), (0, 14), (30, 120), (366, 540), (0, 2**40)]
    seqs: list[tuple[int, ...]] = [(9,), (9, 10), (0, 2, 3, 4, 5, 5, 6, 6, 6), tuple(range(70))]
    for i in range(3000):
        a, b = ranges[i % len(ranges)]
        assert ours.randint(a, b) == theirs.randint(a, b)
        seq = seqs[i % len(seqs)]
        assert ours.choice(seq) == theirs.choice(seq)
        assert ours.random() == theirs.random()  # and the stream is still in step
    # The library's other draws, mixed in, stay in step as well.
    assert ours.sample(range(100), 5) == theirs.sample(range(100), 5)
    pool_a, pool_b = list(range(50)), list(range(50))
    ours.shuffle(pool_a)
    theirs.shuffle(pool_b)
    assert pool_a == pool_b
    assert ours.getstate() == theirs.getstate()


def test_empty_draws_fail_like_the_library() -> None:
    rng = generator._Rng(1)
    with pytest.raises(ValueError, match="empty range"):
        rng.randint(5, 4)
    with pytest.raises(IndexError):
        rng.choice(())
    assert rng.getstate() == random.Random(1).getstate()  # nothing was drawn


@pytest.mark.parametrize(
    "weights", [(10, 35, 35, 20), (6, 2, 2), (55, 33, 12), (8, 27, 65), (1,), (0, 0, 3)]
)
def test_pick_is_choices_with_the_odds_accumulated_once(weights: tuple[int, ...]) -> None:
    items = tuple(f"item{i}" for i in range(len(weights)))
    cumulative = tuple(accumulate(weights))
    ours, theirs = random.Random(3), random.Random(3)
    picks = [generator._pick(ours, items, cumulative) for _ in range(2000)]
    assert picks == [theirs.choices(items, weights)[0] for _ in range(2000)]


def test_iso_days_are_isoformat_of_the_ordinal() -> None:
    iso = generator._IsoDays()
    day = date(2023, 1, 1)
    while day < date(2027, 3, 1):
        assert iso[day.toordinal()] == day.isoformat()
        day += timedelta(days=13)
    assert iso[date(2024, 2, 29).toordinal()] == "2024-02-29"
    first = iso[date(2026, 11, 23).toordinal()]
    assert iso[date(2026, 11, 23).toordinal()] is first  # written once, then looked up
