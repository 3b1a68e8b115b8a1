"""The book-of-business screens' shared frame: a header line, a table of rows, a detail.

The KPI, requests and QBRs-due screens are one table under a one-line head, with the row
under the cursor as what their keys act on; the renewals screen (two tables) and Today (a
list) share the mount and the way back. Each screen names its ids and its title key and
builds its rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar, Generic, TypeVar

from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widget import Widget
from textual.widgets import Header, Static

from cstui.i18n import t
from cstui.screens.live import LiveScreen
from cstui.ui.footer import KeyFooter
from cstui.widgets.account_table import MOVES, AccountTable, Column, HasId, move_focused_table

R = TypeVar("R", bound=HasId)


def row_at(rows: Sequence[R], index: int) -> R | None:
    """The row at a table's cursor, None when the table is empty."""
    return rows[index] if 0 <= index < len(rows) else None


class BookScreen(LiveScreen):
    """Mounts with its title, its rows and the first table focused; Escape goes back.

    Enter opens the row under the cursor and says so first in the footer (``⏎ Open``) on
    every book screen: the table's own Enter is hidden, and a hidden binding of the focused
    widget hid the screen's. A screen may name it better (KPIs: ``⏎ Accounts``).
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open_row", "key.book.open", priority=True),
        *MOVES,  # in typing order with Enter: "j Enter" opens the row the j moved to
    ]
    TITLE_KEY: ClassVar[str] = ""
    FOCUS: ClassVar[type[Widget]] = AccountTable
    """What has the focus on mount (the first widget of that type)."""
    BUILT_AFTER_FRAME: ClassVar[bool] = False
    """Draw the screen (with :meth:`reading` said) before its first build: a build that
    takes most of a second (the renewals at 50,000 accounts) left the screen below
    standing still with no word. Keys typed meanwhile wait for the build, as before."""

    def on_mount(self) -> None:
        self.sub_title = t(self.TITLE_KEY)
        if self.BUILT_AFTER_FRAME:
            self.reading()
            self.call_after_refresh(self.rebuild)
        else:
            self.rebuild()
        self.query_one(self.FOCUS).focus()

    def reading(self) -> None:
        """Say the screen is reading its rows (a screen built after its first frame)."""

    def action_open_row(self) -> None:
        """The focused table's Enter (its ``Selected`` message, which each screen handles);
        anything else focused gets the key as if this binding did not exist."""
        focused = self.focused
        if not isinstance(focused, AccountTable):
            raise SkipAction
        focused.action_select()

    def action_table_move(self, how: str, amount: int) -> None:
        move_focused_table(self, how, amount)

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 1:  # never uncover the portfolio
            self.app.pop_screen()


class TableScreen(BookScreen, Generic[R]):
    """A head line (``HEAD_ID``), one table of ``rows`` (``TABLE_ID``), then :meth:`details`."""

    HEAD_ID: ClassVar[str] = ""
    TABLE_ID: ClassVar[str] = ""
    MEASURE: ClassVar[bool] = False
    """Whether the table sizes its columns to its rows' values (a short table's: see
    :class:`AccountTable`)."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[R] = []

    def columns(self) -> list[Column[R]]:
        raise NotImplementedError

    def details(self) -> ComposeResult:
        """What stands between the table and the footer (nothing by default)."""
        yield from ()

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id=self.HEAD_ID, markup=False)
        yield AccountTable[R](self.columns(), id=self.TABLE_ID, measure=self.MEASURE)
        yield from self.details()
        yield KeyFooter()

    @property
    def table(self) -> AccountTable[R]:
        return self.query_one(f"#{self.TABLE_ID}", AccountTable)

    @property
    def current(self) -> R | None:
        return row_at(self.rows, self.table.cursor)
