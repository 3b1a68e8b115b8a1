"""A generic modal form: fields in, converted values out, errors beside the fields.

Every form in cstui is a :class:`FormScreen` built from :class:`Field` descriptions, so
all forms behave the same: Ctrl+S saves from anywhere, Enter moves on (and saves from the
last one-line field), Escape cancels. Values are converted per kind first; then
``on_submit`` does the save through the workspace. The workspace validates before it
writes, so when it raises :class:`InvalidRecord` nothing was saved and the form stays open
showing each sentence under the field it is about. Labels, options and values are shown
literally (no markup) because contact names and other options come from untrusted data.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar, Literal

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.markup import escape
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Input, Label, Select, SelectionList, Static, TextArea

from cstui.domain.enums import ActivityKind, Sentiment
from cstui.domain.models import TITLE_LIMIT, Activity, Contact, InvalidRecord
from cstui.i18n import t
from cstui.sanitize import clean
from cstui.ui.dialog import Dialog
from cstui.ui.localize import localize_bindings
from cstui.ui.wrap import Wrapped
from cstui.workspace import StoreError

FieldKind = Literal["text", "multiline", "date", "int", "float", "select", "multiselect", "bool"]
_SINGLE_LINE: frozenset[str] = frozenset({"text", "date", "int", "float"})
_BUTTON_ROWS = 3
MAX_LENGTH: dict[str, int] = {"text": TITLE_LIMIT, "date": 10, "int": 18, "float": 24}
"""What a one-line field takes by default: a title's limit for text (the model refuses more
anyway, after the user typed it all), room for a date or a number."""
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


@dataclass
class Field:
    """One input of a form; ``label``, ``placeholder`` and ``help`` are already translated."""

    name: str
    label: str
    kind: FieldKind = "text"
    value: Any = None
    """Initial value: a date for "date", a list of option values for "multiselect"..."""
    options: Sequence[tuple[str, str]] = ()
    """(label, value) pairs for "select" and "multiselect"."""
    placeholder: str = ""
    required: bool = False
    help: str = ""
    """A one-line hint under the field."""
    max_length: int | None = None
    """Characters a one-line field takes (default per kind, :data:`MAX_LENGTH`)."""
    shown_when: tuple[str, frozenset[str]] | None = None
    """(select field, its values) for which this field is asked; hidden otherwise (it then
    keeps its initial value). It appears and disappears as that select changes."""
    follows: tuple[str, Callable[[str], Any]] | None = None
    """(select field, value for its choice): a one-line field's default that follows that
    select (a new step's due date follows its phase) until the user types their own."""


def _initial_text(field: Field) -> str:
    value = field.value
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


class FormScreen(Dialog[dict[str, Any] | None]):
    """A centred dialog of fields; dismisses with the values once ``on_submit`` succeeded.

    Stable ids for callers and tests: each field's widget is ``#field-<name>`` and its
    message ``#error-<name>``; record-level messages are in ``#form-errors``.
    """

    CSS_PATH = "forms.tcss"

    BINDINGS: ClassVar[list[BindingType]] = [
        # Not a priority binding: Ctrl+S then reaches the form after the keys typed before
        # it, through the focused field (none of them binds it); as a priority binding it
        # ran first, and text typed fast was saved without its end.
        Binding("ctrl+s", "save", "key.form.save"),
        Binding("escape", "cancel", "key.form.cancel"),
    ]

    def __init__(
        self,
        title: str,
        fields: Sequence[Field],
        on_submit: Callable[[dict[str, Any]], None],
    ) -> None:
        super().__init__()
        localize_bindings(self)
        names = [f.name for f in fields]
        for name in names:
            if not _NAME.match(name):
                raise ValueError(f"Form field name {name!r} must be an identifier.")
        if len(set(names)) != len(names):
            raise ValueError("Form field names must be unique.")
        self.form_title = title
        self.fields: list[Field] = list(fields)
        self._followed: dict[str, str] = {}
        """The text each following field was last set to (so a typed one is kept)."""
        self._submit = on_submit

    # ------------------------------------------------------------------ layout
    def compose(self) -> ComposeResult:
        with Vertical(id="form-dialog", classes="dialog"):
            yield Label(
                clean(self.form_title), id="form-title", classes="dialog-title", markup=False
            )
            yield Static("", id="form-errors", markup=False)
            with VerticalScroll(id="form-body"):
                for field in self.fields:
                    with Vertical(classes="form-field", id=f"box-{field.name}"):
                        if field.kind != "bool":
                            label = clean(field.label) + (" *" if field.required else "")
                            yield Label(label, classes="form-label", markup=False)
                        yield self._make_input(field)
                        if field.help:
                            help_text = Wrapped(clean(field.help))  # kinsoku line breaks
                            yield Static(help_text, classes="form-help", markup=False)
                        yield Static(
                            "", classes="form-error", id=f"error-{field.name}", markup=False
                        )
            with Horizontal(id="form-buttons"):
                yield Button(t("form.save"), variant="primary", id="form-save")
                yield Button(t("form.cancel"), id="form-cancel")
                yield Static(t("form.hint"), id="form-hint", markup=False)

    def _make_input(self, field: Field) -> Widget:
        wid = f"field-{field.name}"
        kind = field.kind
        if kind in _SINGLE_LINE:
            placeholder = field.placeholder or (
                t("form.date_placeholder") if kind == "date" else ""
            )
            return Input(
                _initial_text(field),
                placeholder=placeholder,
                id=wid,
                max_length=field.max_length or MAX_LENGTH[kind],
            )
        if kind == "multiline":
            return TextArea(_initial_text(field), soft_wrap=True, tab_behavior="focus", id=wid)
        if kind == "select":
            values = [v for _, v in field.options]
            initial = field.value if field.value in values else Select.NULL
            return Select(
                [(Text(clean(label)), value) for label, value in field.options],
                # Select shows its prompt through a markup-parsing Static: escape it.
                prompt=escape(clean(field.placeholder or t("form.choose"))),
                allow_blank=initial is Select.NULL or not field.required,
                value=initial,
                id=wid,
            )
        if kind == "multiselect":
            chosen = set(field.value or ())
            return SelectionList[str](
                *[
                    (Content(clean(label)), value, value in chosen)
                    for label, value in field.options
                ],
                id=wid,
            )
        if kind == "bool":
            label = Content(clean(field.label) + (" *" if field.required else ""))
            return Checkbox(label, bool(field.value), id=wid)
        raise ValueError(f"Unknown form field kind {kind!r}.")

    def on_mount(self) -> None:
        self._show_dependants()
        if self.fields:  # now (Widget.focus waits): the keys read from here on go to it
            # (no scroll: it is the first field; scrolling before the first layout hid
            # its label)
            self.set_focus(self.widget_for(self.fields[0].name), scroll_visible=False)
        self._fit()  # an estimate now saves a second layout pass when the guess is right
        self.call_after_refresh(self._fit)

    def on_resize(self) -> None:
        self.call_after_refresh(self._fit)

    def _fit(self) -> None:
        """Cap the scrolling body so title, errors and buttons always stay on screen.

        CSS alone cannot say "as tall as the content, but no taller than what is left", so
        the cap is the screen height minus everything else in the dialog.
        """
        dialog = self.query_one("#form-dialog")
        body = self.query_one("#form-body")
        others = sum(w.outer_size.height for w in dialog.children if w is not body and w.display)
        if not others:  # not laid out yet: a one-line title and a row of buttons
            others = 1 + _BUTTON_ROWS
        chrome = dialog.styles.gutter.height
        body.styles.max_height = max(self.size.height - chrome - others, 3)

    def widget_for(self, name: str) -> Widget:
        return self.query_one(f"#field-{name}")

    def is_shown(self, field: Field) -> bool:
        """Whether ``field`` is asked, given the select it depends on (if any)."""
        if field.shown_when is None:
            return True
        name, values = field.shown_when
        select = self.widget_for(name)
        assert isinstance(select, Select)
        return not select.is_blank() and str(select.value) in values

    def _show_dependants(self) -> None:
        for field in self.fields:
            if field.shown_when is not None:
                self.query_one(f"#box-{field.name}").display = self.is_shown(field)

    @on(Select.Changed)
    def _select_changed(self, event: Select.Changed) -> None:
        if any(f.shown_when is not None for f in self.fields):
            self._show_dependants()
            self.call_after_refresh(self._fit)
        name = (event.select.id or "").removeprefix("field-")
        for field in self.fields:
            if (
                field.follows is not None
                and field.follows[0] == name
                and not event.select.is_blank()
            ):
                self._follow(field, field.follows[1](str(event.select.value)))

    def _follow(self, field: Field, value: Any) -> None:
        """Set a following field to ``value``, unless the user typed their own in it."""
        widget = self.widget_for(field.name)
        assert isinstance(widget, Input)
        if widget.value.strip() == self._followed.get(field.name, _initial_text(field)):
            text = _initial_text(Field(field.name, "", value=value))
            self._followed[field.name] = text
            widget.value = text

    # ------------------------------------------------------------------ values
    def _read(self, field: Field) -> tuple[Any, str | None]:
        """The field's converted value, or an error sentence."""
        if not self.is_shown(field):
            return field.value, None
        widget = self.widget_for(field.name)
        kind = field.kind
        if kind == "multiselect":
            assert isinstance(widget, SelectionList)
            chosen = list(widget.selected)
            return chosen, (t("form.error.required") if field.required and not chosen else None)
        if kind == "bool":
            assert isinstance(widget, Checkbox)
            return widget.value, None
        if kind == "select":
            assert isinstance(widget, Select)
            chosen_value: Any = None if widget.is_blank() else widget.value
            missing = chosen_value is None and field.required
            return chosen_value, (t("form.error.required") if missing else None)
        value: str | None
        if kind == "multiline":
            assert isinstance(widget, TextArea)
            value = widget.text.strip() or None
        else:
            assert isinstance(widget, Input)
            value = widget.value.strip() or None
        if value is None:
            return None, (t("form.error.required") if field.required else None)
        if kind == "date":
            try:
                return date.fromisoformat(value), None
            except ValueError:
                return None, t("form.error.date", text=value)
        if kind == "int":
            try:
                return int(value.replace(",", "")), None
            except ValueError:
                return None, t("form.error.int", text=value)
        if kind == "float":
            try:
                return float(value.replace(",", "")), None
            except ValueError:
                return None, t("form.error.float", text=value)
        return value, None

    def values(self) -> tuple[dict[str, Any], dict[str, list[str]]]:
        """All converted values and the per-field problems found converting them."""
        values: dict[str, Any] = {}
        errors: dict[str, list[str]] = {}
        for field in self.fields:
            value, error = self._read(field)
            values[field.name] = value
            if error is not None:
                errors[field.name] = [error]
        return values, errors

    # ------------------------------------------------------------------ errors
    def clear_errors(self) -> None:
        top = self.query_one("#form-errors", Static)
        top.update("")
        top.display = False
        for field in self.fields:
            box = self.query_one(f"#error-{field.name}", Static)
            box.update("")
            box.display = False
            self.widget_for(field.name).remove_class("-invalid")

    def show_errors(self, errors: Mapping[str, Sequence[str]]) -> None:
        """Sentences under their fields; record-level ones (and unknown fields) at the top."""
        known = {f.name for f in self.fields}
        top: list[str] = []
        first: str | None = None
        for name, messages in errors.items():
            if not messages:
                continue
            if name and name in known:
                box = self.query_one(f"#error-{name}", Static)
                box.update(Wrapped("\n".join(clean(m) for m in messages)))
                box.display = True
                self.widget_for(name).add_class("-invalid")
            else:
                top.extend(messages)
        for field in self.fields:
            if errors.get(field.name):
                first = field.name
                break
        if top:
            banner = self.query_one("#form-errors", Static)
            banner.update(Wrapped("\n".join(clean(m) for m in top)))
            banner.display = True
        self.call_after_refresh(self._fit)
        if first is not None:
            widget = self.widget_for(first)
            widget.focus()
            self.call_after_refresh(widget.scroll_visible)

    # ------------------------------------------------------------------ actions
    def action_save(self) -> None:
        self.clear_errors()
        values, errors = self.values()
        if errors:
            self.show_errors(errors)
            return
        try:
            self._submit(values)
        except InvalidRecord as exc:
            fields = exc.fields if any(exc.fields.values()) else {"": exc.messages}
            self.show_errors(fields)
            return
        except StoreError as exc:  # disk full, lock held too long...: the edit stays here
            self.show_errors({"": [str(exc)]})
            return
        self.dismiss(values)

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#form-save")
    def _save_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_save()

    @on(Button.Pressed, "#form-cancel")
    def _cancel_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_cancel()

    @on(Input.Submitted)
    def _enter(self, event: Input.Submitted) -> None:
        """Enter moves to the next field; from the last one-line field it saves."""
        event.stop()
        name = (event.input.id or "").removeprefix("field-")
        index = next((i for i, f in enumerate(self.fields) if f.name == name), None)
        if index is None:
            return
        later = self.fields[index + 1 :]
        if not any(f.kind in _SINGLE_LINE for f in later):
            self.action_save()
        else:
            self.widget_for(later[0].name).focus()


def participant_label(contact: Contact, today: date) -> str:
    """ "Name (role)" for choosing participants; people who left say so."""
    role = t(f"account.role.{contact.role.value}")
    gone = not contact.active or (contact.left_on is not None and contact.left_on <= today)
    suffix = f", {t('account.contact.left_short')}" if gone else ""
    return f"{contact.name} ({role}{suffix})"


def activity_fields(
    contacts: Sequence[Contact], today: date, activity: Activity | None = None
) -> list[Field]:
    """The fields of the log-an-activity form, filled from ``activity`` when editing one.

    One definition for logging (account screen) and editing (timeline), so both ask the
    same questions with the same choices.
    """
    act = activity
    people = [(participant_label(c, today), c.id) for c in contacts]
    fields = [
        Field(
            "summary",
            t("account.form.activity.summary"),
            value=act.summary if act else None,
            required=True,
            help="" if act else t("account.form.activity.summary_help"),
        ),
        Field(
            "date",
            t("account.form.activity.date"),
            kind="date",
            value=act.date if act else today,
            required=True,
        ),
        Field(
            "kind",
            t("account.form.activity.kind"),
            kind="select",
            value=(act.kind if act else ActivityKind.CALL).value,
            options=[(t(f"account.kind.{k.value}"), k.value) for k in ActivityKind],
            required=True,
        ),
        Field(
            "sentiment",
            t("account.form.activity.sentiment"),
            kind="select",
            value=(act.sentiment if act else Sentiment.NEUTRAL).value,
            options=[(t(f"account.sentiment.{s.value}"), s.value) for s in Sentiment],
            required=True,
        ),
    ]
    if people:
        fields.append(
            Field(
                "participants",
                t("account.form.activity.participants"),
                kind="multiselect",
                value=act.participants if act else None,
                options=people,
                help=t("account.form.activity.participants_help"),
            )
        )
    fields.append(
        Field(
            "via_champion",
            t("account.form.activity.via_champion"),
            kind="bool",
            value=act.via_champion if act else False,
            shown_when=("kind", frozenset({ActivityKind.EXEC_REPORT.value})),
        )
    )
    return fields
