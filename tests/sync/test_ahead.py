"""The pull runs ahead of the engine in a thread; order, errors and stopping still hold."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from cstui.sync.engine import _Ahead


def test_pages_come_in_order_and_an_error_after_the_pages_before_it() -> None:
    def pages() -> Iterator[int]:
        yield 1
        yield 2
        raise ValueError("page 3 was garbage")

    ahead = _Ahead(pages(), depth=4)
    got = [next(ahead), next(ahead)]
    with pytest.raises(ValueError, match="page 3 was garbage"):
        next(ahead)
    ahead.close()
    assert got == [1, 2]


def test_fetches_at_most_depth_pages_ahead_and_close_stops_the_thread() -> None:
    produced: list[int] = []
    blocked = threading.Event()

    def pages() -> Iterator[int]:
        for n in range(100):
            produced.append(n)
            if len(produced) == 3:
                blocked.set()
            yield n

    ahead = _Ahead(pages(), depth=2)
    assert blocked.wait(5)
    assert next(ahead) == 0
    ahead.close()
    # 2 queued + 1 waiting to be queued, and one more once a place frees up.
    assert len(produced) <= 4
    assert not ahead._thread.is_alive()


def test_an_empty_pull_ends_at_once() -> None:
    ahead = _Ahead(iter(()), depth=2)
    assert list(ahead) == []
    ahead.close()
