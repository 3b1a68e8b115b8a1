"""The data folder's watch: readable when another process writes, quiet otherwise."""

from __future__ import annotations

import select
import sys
from collections.abc import Callable

import pytest

from cstui.store import FolderWatch, Store

Open = Callable[..., Store]

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="inotify: Linux")


def readable(watch: FolderWatch, timeout: float) -> bool:
    return bool(select.select([watch], [], [], timeout)[0])


def test_a_commit_by_another_store_is_reported_and_idle_is_quiet(open_store: Open) -> None:
    mine = open_store()
    watch = FolderWatch.open(mine.data_dir)
    assert watch is not None
    try:
        watch.drain()
        assert not readable(watch, 0.2)  # nothing happens: nothing to read, no wake-up
        other = open_store(actor="other")
        other.put("accounts", "a1", {"name": "Acme"})
        assert readable(watch, 2.0)
        assert watch.drain()
        assert not watch.drain()
        assert mine.poll()  # what the reader of the watch then does
        other.checkpoint()  # a new snapshot and journal, renamed into place
        assert readable(watch, 2.0)
    finally:
        watch.close()
