"""The one yes-or-no dialog, asked before a change that cannot be undone."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Static

from cstui.domain.models import InvalidRecord
from cstui.i18n import t
from cstui.sanitize import clean
from cstui.ui.dialog import Dialog
from cstui.ui.localize import localize_bindings
from cstui.ui.wrap import Wrapped


class ConfirmScreen(Dialog[bool]):
    """``y`` or the red button says yes; ``n``, Escape or Cancel says no.

    ``default`` is the button that has focus, so the answer Enter gives. With ``on_yes``
    the change is made before the dialog closes: a refusal from the workspace is shown in
    the dialog, which stays open, instead of being lost after it closed.
    """

    CSS_PATH = "confirm.tcss"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "key.success.yes"),
        Binding("n,escape", "answer(False)", "key.success.no"),
    ]

    def __init__(
        self,
        message: str,
        yes: str,
        on_yes: Callable[[], object] | None = None,
        *,
        default: bool = False,
    ) -> None:
        super().__init__()
        localize_bindings(self)
        self.message = message
        self.yes = yes
        self._on_yes = on_yes
        self._default = default

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-dialog", classes="dialog"):
            # Wrapped: a Japanese sentence never breaks before its 。 (ui/wrap.py).
            yield Static(Wrapped(clean(self.message)), id="confirm-message", markup=False)
            yield Static("", id="confirm-errors", markup=False)
            with Horizontal(id="confirm-buttons"):
                yield Button(self.yes, variant="error", id="confirm-yes")
                yield Button(t("form.cancel"), id="confirm-no")

    def on_mount(self) -> None:
        self.query_one("#confirm-yes" if self._default else "#confirm-no").focus()

    def action_answer(self, yes: bool) -> None:
        if yes and self._on_yes is not None:
            try:
                self._on_yes()
            except InvalidRecord as exc:
                errors = self.query_one("#confirm-errors", Static)
                errors.update("\n".join(clean(m) for m in exc.messages))
                errors.display = True
                return
        self.dismiss(yes)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_answer(event.button.id == "confirm-yes")
