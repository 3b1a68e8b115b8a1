"""Fixtures for the store tests: a ticking clock and stores that are closed after each test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from cstui.store import Store


class TickClock:
    """A deterministic clock that advances one millisecond per call."""

    def __init__(self) -> None:
        self.now = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(milliseconds=1)
        return self.now


@pytest.fixture
def clock() -> TickClock:
    return TickClock()


@pytest.fixture
def open_store(tmp_path: Path, clock: TickClock) -> Iterator[Callable[..., Store]]:
    """Open stores on ``tmp_path / "data"`` (by default) and close them after the test.

    These tests are about the mechanics of snapshots and journals, so a close folds any
    journal (``close_checkpoint_bytes=0``) unless a test asks otherwise; the default
    policy has tests of its own."""
    opened: list[Store] = []

    def factory(data_dir: Path | None = None, **kwargs: object) -> Store:
        kwargs.setdefault("actor", "tester")
        kwargs.setdefault("clock", clock)
        kwargs.setdefault("close_checkpoint_bytes", 0)
        store = Store(data_dir or tmp_path / "data", **kwargs)  # type: ignore[arg-type]
        opened.append(store)
        return store

    yield factory
    for store in opened:
        store.close(checkpoint=False)
