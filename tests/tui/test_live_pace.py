"""A book screen follows other processes' changes at a pace it can afford, and only the
changes of tables it shows; the user's own changes show at once.

At 50,000 accounts Today takes ~1.2 s to build and the renewals ~1.8 s: built again for
every teammate's edit the 1 s poll brought in, they held the keys most of the time.
"""

from __future__ import annotations

import pytest

from cstui.app import create_app
from cstui.screens import live
from cstui.screens.today import TodayScreen
from cstui.workspace import Workspace


def teammate_adds_a_task(ws: Workspace, title: str) -> None:
    other = Workspace.open(ws.store.data_dir, user="kim")
    other.add_task(title, owner="me")
    other.close()


def teammate_adds_a_contact(ws: Workspace) -> None:
    other = Workspace.open(ws.store.data_dir, user="kim")
    other.add_contact(other.portfolio()[0].id, {"name": "Ada Lovelace", "email": "a@x.io"})
    other.close()


async def test_a_slow_screen_takes_a_teammates_changes_at_its_pace(
    demo_ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(live, "CALM", 1.0)  # due a second after the change
    app = create_app(demo_ws, poll=False, rescore=False)
    async with app.run_test(size=(120, 40)) as pilot:
        app.action_show("today")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, TodayScreen)
        built: list[int] = []
        rebuild = screen.rebuild

        def counted() -> None:
            built.append(1)
            rebuild()

        monkeypatch.setattr(screen, "rebuild", counted)
        monkeypatch.setattr(screen, "_built_in", 1.0)  # as slow as a large book's
        from cstui.workspace.today import with_tasks_again as again

        partial: list[int] = []

        def tasks_only(*args: object) -> object:
            partial.append(1)
            built.append(1)
            return again(*args)  # type: ignore[arg-type]

        monkeypatch.setattr("cstui.screens.today.with_tasks_again", tasks_only)

        teammate_adds_a_contact(demo_ws)  # a table Today does not show
        app.poll_store()
        await pilot.pause()
        assert built == []

        teammate_adds_a_task(demo_ws, "First from Kim")
        app.poll_store()
        teammate_adds_a_task(demo_ws, "Second from Kim")
        app.poll_store()
        await pilot.pause()
        assert built == []  # not at once: it is due in CALM x its last build
        for _ in range(100):  # the timer, even on a loaded machine
            if built:
                break
            await pilot.pause(0.05)
        await pilot.pause(0.2)
        assert len(built) == 1  # once, with both
        assert partial == [1]  # the tasks alone read again: nothing else changed
        assert screen.digest is not None
        assert {"First from Kim", "Second from Kim"} <= {i.text for i in screen.digest.tasks}

        screen._built_in = 1.0
        demo_ws.add_task("Mine", owner="me")  # the user's own change: at once
        await pilot.pause()
        assert len(built) == 2
        assert "Mine" in {i.text for i in screen.digest.tasks}


async def test_the_kpis_keep_their_numbers_and_one_computation_follows_a_burst(
    demo_ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The KPI screen computes in the background (a child of ~11 s at 50,000 accounts):
    every teammate's change restarted it, blanking the numbers, so on a busy team server
    it never showed any. A change now computes again while the numbers stay; changes
    during a computation make one more after it, not one each."""
    import threading
    import time

    from cstui.screens.kpis import KPIScreen

    app = create_app(demo_ws, poll=False, rescore=False)
    async with app.run_test(size=(120, 40)) as pilot:
        app.action_show("kpis")
        for _ in range(100):
            await pilot.pause(0.05)
            screen = app.screen
            if isinstance(screen, KPIScreen) and screen.report is not None:
                break
        assert isinstance(screen, KPIScreen)
        assert screen.report is not None
        computed: list[int] = []
        go = threading.Event()
        book = demo_ws.kpi_book

        def slow(*args: object, **kwargs: object) -> object:
            computed.append(1)
            go.wait(5)
            return book(*args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(demo_ws, "kpi_book", slow)
        ids = [r.id for r in demo_ws.portfolio()[:3]]
        for n, account_id in enumerate(ids):  # three teammate's edits, three polls
            other = Workspace.open(demo_ws.store.data_dir, user="kim")
            other.update_account(account_id, {"arr": 1_000_000 + n})
            other.close()
            app.poll_store()
            await pilot.pause(0.1)
            assert screen.report is not None  # the numbers stay while it computes
        assert computed == [1]  # one under way; the others wait for it
        go.set()
        deadline = time.monotonic() + 10
        while (len(computed) < 2 or screen._computing is not None) and time.monotonic() < deadline:
            await pilot.pause(0.05)
        assert computed == [1, 1]  # one more for the changes it had not seen
        assert screen.report is not None
