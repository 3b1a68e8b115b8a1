"""The book's screens read what they show from the stored records as they stream by: no
model of every account or task is made and kept, and the large tables are not left parsed.

At 50,000 accounts, opening Today, the renewals, the requests and the QBRs due one after
the other took the app from 111 to 616 MB (a model of each account and of 26,000 tasks,
75,000 renewal models, the tasks table parsed), and none of it went back.
"""

from __future__ import annotations

import pytest

from cstui.app import create_app
from cstui.workspace import Workspace

LEAN_TABLES = ("accounts", "tasks", "renewals", "alerts")


@pytest.mark.parametrize("screen", ["today", "renewals", "requests", "qbrs_due"])
async def test_a_book_screen_keeps_no_model_of_the_book(demo_ws: Workspace, screen: str) -> None:
    ws = demo_ws
    other = Workspace.open(ws.store.data_dir, user="kim")  # a teammate's request
    other.add_request({"title": "SSO", "account_ids": [r.id for r in ws.portfolio()[:3]]})
    other.close()
    ws.poll()
    app = create_app(ws, poll=False, rescore=False)
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        app.action_show(screen)
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert type(app.screen).__name__.lower().startswith(screen.split("_")[0])
        shown = app.screen.query("AccountTable, OptionList")
        assert shown  # the screen lists something
        kept = {t: len(ws._models[t]) for t in LEAN_TABLES if ws._models.get(t)}
        assert kept == {}
        assert [t for t in LEAN_TABLES if t not in ws.store._lazy] == []  # none parsed
