"""No raw enum value on screen: each choice has a label in both languages (issue 18)."""

from __future__ import annotations

from enum import StrEnum

import pytest

from cstui.app import CSApp, create_app
from cstui.domain import enums as m
from cstui.i18n import catalogue
from cstui.widgets.account_table import AccountTable
from cstui.workspace import Workspace

SHOWN: dict[type[StrEnum], str] = {
    m.Sentiment: "account.sentiment",
    m.LoopStatus: "book.loop",
    m.Outcome: "book.outcome",
    m.Priority: "taskpane.priority",
    m.TaskSource: "taskpane.source",
    m.OwnerSide: "checklist.owner",
    m.Forecast: "book.forecast",
    m.Tier: "tier",
    m.Stage: "stage",
}
"""Enums whose values the screens show in a cell, and where their labels live."""


@pytest.mark.parametrize(("enum", "prefix"), list(SHOWN.items()))
def test_every_shown_choice_has_a_label_not_its_raw_value(enum: type[StrEnum], prefix: str) -> None:
    for member in enum:
        english = catalogue("en")[f"{prefix}.{member.value}"]
        japanese = catalogue("ja")[f"{prefix}.{member.value}"]
        assert english != member.value, english  # "Listening", not "listening"
        assert english[0].isupper(), english
        assert japanese != member.value, japanese


def test_band_and_reason_labels_are_words() -> None:
    for key in ("book.band.red", "book.reason.budget", "book.reason.not_a_fit"):
        assert catalogue("en")[key][0].isupper(), key


def _app(ws: Workspace, lang: str) -> CSApp:
    ws.refresh_health()
    return create_app(ws, lang=lang, poll=False, rescore=False)


async def _loop_cells(ws: Workspace, lang: str) -> list[str]:
    app = _app(ws, lang)
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.press("F")  # the requests screen
        await pilot.pause()
        table = app.screen.query_one(AccountTable)
        assert table.rows
        return [table.render_line(y).text for y in range(1, len(table.rows) + 1)]


async def test_the_requests_loop_column_shows_labels_in_english(demo_ws: Workspace) -> None:
    lines = await _loop_cells(demo_ws, "en")
    labels = {catalogue("en")[f"book.loop.{s.value}"] for s in m.LoopStatus}
    assert all(any(f" {label} " in line for label in labels) for line in lines)
    raw = [s.value for s in m.LoopStatus]
    assert not [line for line in lines if any(f" {value} " in line for value in raw)]


async def test_the_requests_loop_column_shows_labels_in_japanese(demo_ws: Workspace) -> None:
    lines = await _loop_cells(demo_ws, "ja")
    labels = {catalogue("ja")[f"book.loop.{s.value}"] for s in m.LoopStatus}
    assert all(any(label in line for label in labels) for line in lines)
    assert not [line for line in lines if any(s.value in line for s in m.LoopStatus)]
