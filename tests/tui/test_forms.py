"""The generic modal form: conversion per kind, errors beside fields, nothing saved on error."""

from __future__ import annotations

from datetime import date
from typing import Any

from textual.app import App
from textual.widgets import Button, Checkbox, Input, Label, SelectionList, Static

from cstui.domain.models import InvalidRecord
from cstui.sanitize import clean
from cstui.ui.forms import Field, FormScreen


class Host(App[None]):
    """A bare app to host one form; records what the form submitted and returned."""

    def __init__(self, form: FormScreen) -> None:
        super().__init__()
        self.form = form
        self.results: list[dict[str, Any] | None] = []

    def on_mount(self) -> None:
        self.push_screen(self.form, self.results.append)


def _error(form: FormScreen, name: str) -> str:
    box = form.query_one(f"#error-{name}", Static)
    return str(box.content) if box.display else ""


def _banner(form: FormScreen) -> str:
    box = form.query_one("#form-errors", Static)
    return str(box.content) if box.display else ""


def _all_kinds(submitted: list[dict[str, Any]]) -> FormScreen:
    fields = [
        Field("title", "Title", required=True),
        Field("due", "Due", kind="date", value=date(2026, 12, 1)),
        Field("count", "Count", kind="int"),
        Field("ratio", "Ratio", kind="float", value=0.5),
        Field("notes", "Notes", kind="multiline", value="line one"),
        Field("kind", "Kind", kind="select", options=[("Call", "call"), ("Mail", "email")]),
        Field(
            "who", "Who", kind="multiselect", options=[("Ann", "c1"), ("Bo", "c2")], value=["c2"]
        ),
        Field("flag", "Flag", kind="bool", value=True),
    ]
    return FormScreen("All kinds", fields, submitted.append)


async def test_problems_show_under_their_field_then_ctrl_s_saves_converted_values() -> None:
    submitted: list[dict[str, Any]] = []
    app = Host(_all_kinds(submitted))
    async with app.run_test(size=(100, 40)) as pilot:
        form = app.form
        assert app.focused is form.widget_for("title")
        due = form.query_one("#field-due", Input)
        due.value = ""
        due.focus()
        await pilot.press(*"soon")
        form.widget_for("count").focus()
        await pilot.press(*"3.5", "ctrl+s")
        await pilot.pause()
        assert submitted == []
        assert app.results == []
        assert app.screen is form
        assert "required" in _error(form, "title")
        assert "'soon' is not a date" in _error(form, "due")
        assert "'3.5' is not a whole number" in _error(form, "count")
        assert _error(form, "ratio") == ""
        assert _banner(form) == ""
        assert form.widget_for("due").has_class("-invalid")
        assert app.focused is form.widget_for("title")  # the first field with a problem
        await pilot.press(*"Kick")
        due.value = "2026-12-01"
        form.query_one("#field-count", Input).value = "12"
        await pilot.press("ctrl+s")
        await pilot.pause()
    assert submitted == [
        {
            "title": "Kick",
            "due": date(2026, 12, 1),
            "count": 12,
            "ratio": 0.5,
            "notes": "line one",
            "kind": None,
            "who": ["c2"],
            "flag": True,
        }
    ]
    assert app.results == submitted


async def test_workspace_errors_go_beside_fields_and_the_record_ones_on_top() -> None:
    attempts: list[dict[str, Any]] = []

    def submit(values: dict[str, Any]) -> None:
        attempts.append(values)
        if len(attempts) == 1:
            raise InvalidRecord(
                ["Summary cannot be empty.", "Give stars or a score."],
                {"summary": ["Summary cannot be empty."], "": ["Give stars or a score."]},
            )

    fields = [Field("summary", "Summary"), Field("score", "Score", kind="int")]
    app = Host(FormScreen("Check", fields, submit))
    async with app.run_test(size=(80, 24)) as pilot:
        form = app.form
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form
        assert app.results == []
        assert _error(form, "summary") == "Summary cannot be empty."
        assert _banner(form) == "Give stars or a score."
        await pilot.press(*"ok")
        await pilot.click("#form-save")
        await pilot.pause()
    assert len(attempts) == 2
    assert app.results == [{"summary": "ok", "score": None}]


async def test_enter_moves_on_and_saves_from_the_last_one_line_field_escape_discards() -> None:
    submitted: list[dict[str, Any]] = []
    fields = [
        Field("first", "First"),
        Field("second", "Second", kind="date"),
        Field("pick", "Pick", kind="select", options=[("x", "x")]),
        Field("tick", "Tick", kind="bool"),
    ]
    app = Host(FormScreen("Enter", fields, submitted.append))
    async with app.run_test(size=(80, 24)) as pilot:
        form = app.form
        await pilot.press("a", "enter")
        assert app.focused is form.widget_for("second")
        assert submitted == []
        await pilot.press(*"2026-11-30", "enter")
        await pilot.pause()
        assert submitted == [
            {"first": "a", "second": date(2026, 11, 30), "pick": None, "tick": False}
        ]
        # Escape and Cancel dismiss with None and call nothing.
        for how in ("escape", "#form-cancel"):
            app.push_screen(
                FormScreen("Discard", [Field("a", "A")], submitted.append), app.results.append
            )
            await pilot.pause()
            await pilot.press("z")
            await (pilot.press(how) if how == "escape" else pilot.click(how))
            await pilot.pause()
    assert len(submitted) == 1
    assert app.results[1:] == [None, None]


async def test_labels_and_options_are_literal_and_the_form_fits_80x24() -> None:
    evil = "[bold red]x[/] \x1b]52;c;ZXZpbA==\x07"
    fields = [Field(f"f{i}", f"Field {i}", help="a hint") for i in range(8)]
    fields.append(Field("who", evil, kind="multiselect", options=[(evil, "c1")]))
    fields.append(Field("ok", evil, kind="bool"))
    app = Host(FormScreen(evil, fields, lambda values: None))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        form = app.form
        title = form.query_one("#form-title", Label)
        assert str(title.render()) == clean(evil)  # markup not parsed, escapes neutralised
        assert "␛]52;" in clean(evil)
        prompt = form.query_one(SelectionList).get_option_at_index(0).prompt
        assert "[bold red]x[/]" in str(prompt)
        assert "\x1b" not in str(prompt)
        assert "[bold red]x[/]" in str(form.query_one(Checkbox).label)
        screen_region = form.region
        for button in form.query(Button):
            assert screen_region.contains_region(button.region)
        assert form.query_one("#form-body").region.bottom <= screen_region.bottom
