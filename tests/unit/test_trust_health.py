"""Issue 16, "Health": the same data gives the same score in every process."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from datetime import date
from pathlib import Path

from cstui.domain.health import compute_health
from cstui.domain.health_config import default_health_config
from cstui.workspace import Workspace

SCRIPT = """
import sys
from datetime import date
from pathlib import Path
from cstui import clock
from cstui.workspace import Workspace
clock.freeze(date(2026, 11, 23))
ws = Workspace.open(Path(sys.argv[1]), user="me")
h = ws.health(sys.argv[2])
# the sentiment reading itself: the account has too little data for a whole score
print(h.score, [m.raw for m in h.measures if m.key == "sentiment"])
ws.close()
"""


def _book(path: Path) -> str:
    ws = Workspace.open(path, user="me")
    try:
        account = ws.create_account(
            {"name": "Twice Co", "owner": "me", "stage": "adoption", "arr": 900_000}
        ).id
        contact = ws.add_contact(account, {"name": "Kenji Mori"}).id
        day = date(2026, 11, 2)
        for score in (2, 9, 4, 10, 7, 3):  # several ids, so a set order can differ
            ws.record_survey(
                {
                    "account_id": account,
                    "contact_id": contact,
                    "date": day,
                    "kind": "nps",
                    "score": score,
                }
            )
        return account
    finally:
        ws.close()


def test_two_same_day_answers_give_one_score_in_every_process(tmp_path: Path) -> None:
    data = tmp_path / "data"
    account = _book(data)
    scores = set()
    for seed in ("0", "1", "2", "3"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = subprocess.run(
            [sys.executable, "-c", SCRIPT, str(data), account],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        scores.add(out.stdout.strip())
    assert len(scores) == 1
    assert "[None]" not in scores.pop()


def test_sentiment_does_not_depend_on_the_order_answers_come_in(empty_ws: Workspace) -> None:
    ws = empty_ws
    account = ws.create_account({"name": "Order Co", "stage": "adoption"}).id
    contact = ws.add_contact(account, {"name": "Aiko Sato"}).id
    for score in (1, 10):
        ws.record_survey(
            {
                "account_id": account,
                "contact_id": contact,
                "date": date(2026, 11, 10),
                "kind": "nps",
                "score": score,
            }
        )
    inputs = ws.health_inputs(account)
    cfg = default_health_config()
    as_of = date(2026, 11, 23)
    forward = compute_health(inputs, cfg, as_of)
    flipped = replace(inputs, surveys=list(reversed(inputs.surveys)))
    assert list(flipped.surveys) != list(inputs.surveys)
    assert compute_health(flipped, cfg, as_of).measures == forward.measures
