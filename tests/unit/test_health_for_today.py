"""``cstui today`` and ``cstui health`` bring the scores to today without rescoring a book
that is already scored (issue 17: 4-5 s and 0.5 GB per ``cstui today`` at 10,000 accounts),
yet every account whose data changed since its score is scored again."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest

from cstui import clock
from cstui.workspace import Workspace


def _open(demo_dir: Path, tmp_path: Path) -> Workspace:
    data = tmp_path / "data"
    shutil.copytree(demo_dir, data)
    return Workspace.open(data, user="me")


def test_a_book_scored_today_is_not_scored_again(demo_dir: Path, tmp_path: Path) -> None:
    ws = _open(demo_dir, tmp_path)
    try:
        assert ws.health_is_current()
        seq = ws.store.last_seq
        assert ws.health_for_today() == 0
        assert ws.store.last_seq == seq  # nothing written
    finally:
        ws.close()


def test_an_account_changed_since_its_score_is_scored_again(demo_dir: Path, tmp_path: Path) -> None:
    """An activity logged with no app open (the CLI, an import): only that account is
    scored again, and its last touch and score show the activity."""
    ws = _open(demo_dir, tmp_path)
    try:
        aid = next(
            r.id for r in ws.portfolio() if r.health is not None and r.last_touch != clock.today()
        )
        other = Workspace.open(ws.store.data_dir, user="me")
        try:
            other.log_activity(aid, "Call with the champion", kind="call", day=clock.today())
        finally:
            other.close()
        ws.poll()
        assert ws.health_for_today() == 1
        summary = ws.store.get("health", aid) or {}
        assert summary["last_touch"] == clock.today().isoformat()
        assert summary["score"] == ws.health(aid).score
    finally:
        ws.close()


def test_a_new_day_scores_the_whole_book(demo_dir: Path, tmp_path: Path) -> None:
    ws = _open(demo_dir, tmp_path)
    try:
        clock.freeze(clock.today() + timedelta(days=1))
        assert not ws.health_is_current()
        assert ws.health_for_today() == len(ws.accounts())
        assert ws.health_is_current()
    finally:
        ws.close()


def test_a_rescore_held_elsewhere_does_not_leave_stale_scores(
    demo_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process holds the rescore lock (an app's child rescoring): the report
    does not wait for it, nor show yesterday's scores; it scores here."""
    ws = _open(demo_dir, tmp_path)
    try:
        clock.freeze(clock.today() + timedelta(days=1))
        lock = Workspace.open(ws.store.data_dir, user="me")
        held = lock.rescore_lock()
        assert held.try_acquire()
        try:
            ws.health_for_today()
            assert ws.health_is_current()
        finally:
            held.release()
            lock.close()
    finally:
        ws.close()
