"""The Textual application shell.

:func:`create_app` is the one factory shared by the CLI and the tests, so both run the same
app on a Workspace they opened. The app polls the data directory once a second so edits from
another pane or a teammate appear live, and checkpoints the store when it exits.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import App
from textual.binding import Binding, BindingType

from cstui import i18n
from cstui.i18n import t
from cstui.screens.portfolio import PortfolioScreen
from cstui.workspace import Workspace

POLL_SECONDS = 1.0


class CSApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "cstui"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit", priority=False),
        Binding("question_mark", "help", "Keys"),
    ]

    def __init__(self, workspace: Workspace, *, lang: str = "en", poll: bool = True) -> None:
        super().__init__()
        self.workspace = workspace
        self.lang = lang
        self._poll = poll
        i18n.set_language(lang)

    def on_mount(self) -> None:
        self.title = t("app.title")
        self.sub_title = t("app.subtitle")
        for warning in self.workspace.warnings:
            self.notify(warning, severity="warning", timeout=10, markup=False)
        self.push_screen(PortfolioScreen())
        if self._poll:
            self.set_interval(POLL_SECONDS, self.poll_store)

    def poll_store(self) -> None:
        """Apply other processes' edits; subscribers refresh what they show."""
        try:
            self.workspace.poll()
        except Exception as exc:  # a broken journal must not kill the UI; say it once
            self.notify(str(exc), severity="error", timeout=15, markup=False)

    def action_help(self) -> None:
        self.action_show_help_panel()

    def on_unmount(self) -> None:
        self.workspace.close()


def create_app(workspace: Workspace, *, lang: str = "en", poll: bool = True) -> CSApp:
    return CSApp(workspace, lang=lang, poll=poll)
