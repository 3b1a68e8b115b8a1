"""A table that draws only the rows on screen.

Textual's DataTable builds every row up front (seconds at 10,000 accounts, and again on each
refilter). Here the rows are already filtered and sorted by the data layer; this widget only
turns the handful that are visible into strips, caches them, and moves a cursor. Columns
that do not fit are dropped by priority so the table stays readable at 80 columns.

A short table (a screen of months, a month's renewals, a dozen KPIs) can size its columns
to what its rows hold (``measure=True``): each column gets the cells its longest value
needs, measured in terminal cells (a Japanese character is two), and the flexible column
what is left, up to its own longest value. The portfolio cannot read 50,000 rows for that,
so its columns say what they need (``Column.natural``).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Collection, Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Literal, Protocol, TypeVar

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.actions import SkipAction
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from cstui.sanitize import clean, fit_cells
from cstui.ui.css import default_css

if TYPE_CHECKING:
    from textual.screen import Screen

CACHE_ROWS = 1000
"""Rendered rows kept: a few pages either side of the one on screen."""
CACHE_CELLS = 5000
"""Rendered styled cells kept (health bars, renewals, trends repeat across rows)."""
WIDEST_GAP = 3
"""Cells between a measured table's columns when it has room to spare: values such as
"¥13.0M + $33.9k" hold spaces themselves, so one space between two of them reads as one."""


def widest_cells(texts: Collection[str]) -> int:
    """The most cells any of ``texts`` takes as drawn (cleaned: :func:`clean`).

    Why not measure each: a column of 40,000 names (a year of a 50,000-account book's
    renewals) took 60 ms. A text takes at most as many cells as it has characters when it
    is ASCII (cleaning only swaps a character for one that is one cell wide, or two for
    one), else twice as many (no character is wider): the texts are measured longest
    first, until none left could be wider than the widest found.
    """
    best = 0
    for text in sorted(texts, key=len, reverse=True):
        most = len(text) if text.isascii() else 2 * len(text)
        if most <= best:
            if 2 * len(text) <= best:
                break  # nothing shorter can be wider
            continue
        best = max(best, cell_len(clean(text)))
    return best


class HasId(Protocol):
    @property
    def id(self) -> str: ...


RowT = TypeVar("RowT", bound=HasId)


@dataclass(frozen=True)
class Column(Generic[RowT]):
    """How one column looks: a cell function returning plain text or a styled Text."""

    key: str
    label: str
    width: int
    """The least it gets. In a measured table (``AccountTable(measure=True)``) the most it
    may be cut to on a narrow screen: a column whose values all fit in it is never cut
    (columns of lower priority go first), a longer value may be."""
    cell: Callable[[RowT], str | Text]
    align: Literal["left", "right"] = "left"
    priority: int = 5
    """Higher stays longer when the terminal is narrow; the flexible column never goes."""
    flex: bool = False
    natural: int = 0
    """Cells its content needs (its longest label in any row); ``width`` is the least it
    gets. Spare room goes to each column up to this, by priority, and the rest to the
    flexible column: at 160 cells no label is cut while the name holds empty cells."""
    shorten: Callable[[str, int], str] | None = None
    """For a cell longer than its width: a shorter way to say it (e.g. ㈱ for 株式会社,
    "12d overdue"), tried before the cut with an ellipsis; a styled cell keeps its style
    (its spans go: one style over a few words)."""
    measure_key: Callable[[RowT], Hashable] | None = None
    """Rows with equal keys have equal cells: a measured table makes one cell per key (one
    per forecast, not per renewal), which keeps measuring a whole book's rows cheap."""
    measure_cells: Callable[[Sequence[RowT]], Iterable[str | Text]] | None = None
    """The column's distinct cells over the rows a measured table is sized from, made in
    bulk in place of ``cell`` of each row (or of each ``measure_key``): for cells that
    follow from a few values found without Python per row (a year of renewals' 40,000
    account names, from the set of their accounts)."""

    def least(self) -> int:
        """Its width, but never less than its header: a cut header names no column."""
        return max(self.width, cell_len(self.label))

    def needs(self) -> int:
        """The widest of its content and its header (with room for the sort arrow)."""
        return max(self.least(), self.natural, cell_len(self.label) + 1)


CURSOR_KEYS = [
    ("up,k", "cursor", -1, "Up"),
    ("down,j", "cursor", 1, "Down"),
    ("pageup", "page", -1, "Page up"),
    ("pagedown", "page", 1, "Page down"),
    ("home,g", "edge", 0, "First"),
    ("end,G", "edge", 1, "Last"),
]
"""The cursor keys of every list, tables and Today's: (keys, action, its argument,
description). The descriptions are Textual's words, worded in the UI language by
``localize_bindings`` (``locale/ja/textual.json``)."""

MOVES: list[BindingType] = [
    Binding(keys, f"table_move('{how}', {n})", words, show=False, priority=True)
    for keys, how, n, words in CURSOR_KEYS
]
"""The table's cursor keys as priority bindings of a screen whose Enter is a priority
binding (it opens the row while the key is handled, so the keys typed right after it reach
the screen it opens). Textual runs a priority binding as soon as it reads the key but only
queues the other keys for the focused widget: "j Enter" typed fast (or arriving in one
SSH packet) opened the row the cursor was on before the j. The screen's ``table_move(how,
n)`` action is :func:`move_focused_table`."""


def move_focused_table(screen: Screen[Any], how: str, amount: int) -> None:
    """A ``MOVES`` key: the focused table's own cursor action (``action_<how>(amount)``);
    anything else focused (a filter box, a list) gets the key as if the binding did not
    exist."""
    focused = screen.focused
    if not isinstance(focused, AccountTable):
        raise SkipAction()
    getattr(focused, f"action_{how}")(amount)


class AccountTable(ScrollView, Generic[RowT], can_focus=True):
    """A virtual table of rows with an id; posts Selected on Enter or double click."""

    BINDINGS: ClassVar[list[BindingType]] = [
        *(Binding(keys, f"{how}({n})", words, show=False) for keys, how, n, words in CURSOR_KEYS),
        Binding("enter", "select", "Open", show=False),
    ]
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "account-table--header",
        "account-table--cursor",
        "account-table--sorted",
    }
    DEFAULT_CSS = default_css(__file__, "account_table.tcss")

    class Selected(Message):
        def __init__(self, row_id: str) -> None:
            super().__init__()
            self.row_id = row_id

    class Highlighted(Message):
        def __init__(self, row_id: str | None) -> None:
            super().__init__()
            self.row_id = row_id

    class SortRequested(Message):
        def __init__(self, key: str) -> None:
            super().__init__()
            self.key = key

    def __init__(
        self,
        columns: Sequence[Column[RowT]],
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        measure: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._all_columns = list(columns)
        self._measure = measure
        self._measured: dict[str, int] = {}
        """Each column's longest value in cells, when the table measures its rows."""
        self._measured_for: Sequence[RowT] | None = None
        """The list ``_measured`` was measured from (the same list is not measured again:
        the renewals' months all sized from every month's renewals)."""
        self._rows: Sequence[RowT] = []
        self._sized_by: Sequence[RowT] | None = None
        """The rows a measured table sizes its columns from, when not the ones shown."""
        self._cursor = 0
        self._cache: dict[tuple[str, int, bool], Strip] = {}
        self._cells: dict[tuple[object, ...], list[Segment]] = {}
        self._layout: list[tuple[Column[RowT], int]] = []
        self._layout_width = -1
        self._gap = 1
        """Cells between two columns (more than one only in a measured table with room)."""
        self._style_pair: tuple[Style, Style] | None = None
        self._painted = asyncio.Event()
        self.sort_key: str | None = None
        self.sort_reverse = False

    # ------------------------------------------------------------------ data
    @property
    def rows(self) -> Sequence[RowT]:
        return self._rows

    @property
    def sized_rows(self) -> Sequence[RowT]:
        """The rows a measured table sizes its columns from: those shown, or ``sized_by``."""
        return self._rows if self._sized_by is None else self._sized_by

    @property
    def cursor(self) -> int:
        return self._cursor

    @property
    def current_id(self) -> str | None:
        return self._rows[self._cursor].id if self._rows else None

    def set_rows(
        self,
        rows: Sequence[RowT],
        *,
        keep_id: str | None = None,
        sized_by: Sequence[RowT] | None = None,
    ) -> None:
        """Replace the rows; the cursor stays on ``keep_id`` (or the current row) if still there.

        A measured table measures a list once: a list changed in place is shown again
        with :meth:`refresh_rows`, or passed as a new list. ``sized_by``: measure these
        rows instead (all the months' renewals for one month's), so the columns keep their
        place when the rows shown change.
        """
        keep = keep_id if keep_id is not None else self.current_id
        self._rows = rows
        self._sized_by = sized_by
        self._painted = asyncio.Event()
        self._cache.clear()
        if self._measure and self.sized_rows is not self._measured_for:
            measured = self._measure_rows(self.sized_rows)
            self._measured_for = self.sized_rows
            if measured != self._measured:
                self._measured = measured
                self._layout_width = -1
        index = 0
        if keep is not None:
            for i, row in enumerate(rows):
                if row.id == keep:
                    index = i
                    break
        self._cursor = min(index, max(len(rows) - 1, 0))
        self._set_height(len(rows) + 1)
        self._scroll_cursor_visible()
        self.refresh()
        self.call_after_refresh(self._warm)
        self.post_message(self.Highlighted(self.current_id))

    async def wait_painted(self, rows: Sequence[RowT], timeout: float = 0.5) -> None:
        """Until a frame has drawn ``rows`` (or they were replaced, or ``timeout`` passed).

        For work that should follow the frame showing new rows rather than delay it (the
        portfolio's header KPIs): an idle callback can run before that frame.
        """
        if rows is not self._rows:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._painted.wait(), timeout)

    def _scroll_size(self, lines: int) -> Size:
        """The scrollable area for ``lines`` lines: no wider than the table is with its
        vertical scrollbar shown, whether it shows or not.

        The columns are laid out for whatever width the table has, so nothing lies to the
        right of it. A width read before the scrollbar appeared (a filter narrowed to a
        few rows, then cleared) stayed 2 cells wider than the table: Textual added a
        horizontal scrollbar over its last row, and the header could scroll.
        """
        width = self.container_size.width - self.styles.scrollbar_size_vertical
        return Size(max(width, 0), lines)

    def _set_height(self, lines: int) -> None:
        """Resize the scrollable area without a layout of the whole screen.

        Setting ``virtual_size`` asks for a layout, which repaints every widget on the
        screen; a new row count only changes this table and its scrollbar. This is what
        Textual does itself for a size change that needs no layout; the scrollbar's
        appearing or vanishing still lays the screen out.
        """
        size = self._scroll_size(lines)
        if size == self.virtual_size:
            return
        if not self.is_mounted:
            self.virtual_size = size
            return
        self.set_reactive(AccountTable.virtual_size, size)
        self._scroll_update(size)

    def set_sort(self, key: str | None, reverse: bool) -> None:
        self.sort_key, self.sort_reverse = key, reverse
        if self._measure:
            self._layout_width = -1  # the sorted column's header takes an arrow
        self.refresh()

    def refresh_rows(self) -> None:
        """Redraw after rows changed in place (same order)."""
        self._cache.clear()
        if self._measure:
            self._measured = self._measure_rows(self.sized_rows)
            self._measured_for = self.sized_rows
            self._layout_width = -1
        self.refresh()

    # ------------------------------------------------------------------ layout
    def _measure_rows(self, rows: Sequence[RowT]) -> dict[str, int]:
        """Each column's longest value in cells, as it is drawn (cleaned, not shortened).

        Each value is measured once: a column of a few labels or dates over 5,000
        renewals (a month of a 50,000-account book) is a few distinct strings. A column
        with a ``measure_key`` makes one cell per key, the rows told apart by their keys
        in one pass (``dict(zip(map(...)))``: with a key such as ``attrgetter`` no Python
        runs per row); one with ``measure_cells`` makes them itself.
        """
        widest: dict[str, int] = {}
        for col in self._all_columns:
            cells: Iterable[str | Text]
            if col.measure_cells is not None:
                cells = col.measure_cells(rows)
            else:
                each: Iterable[RowT] = rows
                if col.measure_key is not None:
                    each = dict(zip(map(col.measure_key, rows), rows, strict=True)).values()
                cells = map(col.cell, each)
            widest[col.key] = widest_cells({c if isinstance(c, str) else c.plain for c in cells})
        return widest

    def _least(self, col: Column[RowT]) -> int:
        """The least a column is given before columns are dropped for room."""
        if not self._measure:
            return col.least()
        # Its values are known: a column whose longest value is shorter than its width
        # takes no more than that (and never less than its header).
        return max(min(col.width, self._measured.get(col.key, 0)), cell_len(col.label))

    def _need(self, col: Column[RowT]) -> int:
        """What a column grows to when there is room."""
        if not self._measure:
            return col.needs()
        arrow = 1 if col.key == self.sort_key else 0
        return max(self._measured.get(col.key, 0), col.natural, cell_len(col.label) + arrow)

    def _columns_for(self, width: int) -> list[tuple[Column[RowT], int]]:
        if width == self._layout_width:
            return self._layout
        cols = list(self._all_columns)
        flex_min = 16

        def flex_least(c: Column[RowT]) -> int:
            return min(flex_min, self._need(c)) if self._measure else flex_min

        def total(cs: list[Column[RowT]]) -> int:
            return sum(flex_least(c) if c.flex else self._least(c) for c in cs) + len(cs) - 1

        while total(cols) > width and any(not c.flex for c in cols):
            drop = min((c for c in cols if not c.flex), key=lambda c: c.priority)
            cols.remove(drop)
        spare = max(width - total(cols), 0)
        widths = {c.key: flex_least(c) if c.flex else self._least(c) for c in cols}
        for c in sorted((c for c in cols if not c.flex), key=lambda c: -c.priority):
            # (Unmeasured columns keep the portfolio's arithmetic, which grows from width.)
            grow = min(self._need(c) - (widths[c.key] if self._measure else c.width), spare)
            if grow > 0:
                widths[c.key] += grow
                spare -= grow
        for c in cols:
            if c.flex:
                # The flexible column takes what is left; a measured one no more than its
                # longest value needs (the rest stays blank at the right of the table).
                room = widths[c.key] + spare
                widths[c.key] = min(room, self._need(c)) if self._measure else room
        self._layout = [(c, widths[c.key]) for c in cols]
        self._gap = 1
        if self._measure and len(cols) > 1:
            left = width - sum(widths.values())
            self._gap = max(1, min(WIDEST_GAP, left // (len(cols) - 1)))
        self._layout_width = width
        self._cache.clear()
        return self._layout

    @staticmethod
    def _fit(content: Text, width: int, align: str) -> Text:
        """A styled cell made ``width`` cells wide (plain text: :func:`fit_cells`)."""
        text = content.copy()
        if cell_len(text.plain) > width:
            text.truncate(width, overflow="ellipsis")
        pad = width - cell_len(text.plain)
        if pad > 0:
            if align == "right":
                text = Text(" " * pad).append_text(text)
            else:
                text.append(" " * pad)
        return text

    # ------------------------------------------------------------------ rendering
    def _styles(self) -> tuple[Style, Style]:
        """Base and cursor styles, looked up once per style change rather than per row."""
        if self._style_pair is None:
            base = self.rich_style
            self._style_pair = (base, base + self.get_component_rich_style("account-table--cursor"))
        return self._style_pair

    def _forget_styles(self) -> None:
        """Styles changed (theme, focus): drop everything rendered with the old ones."""
        self._style_pair = None
        self._cache.clear()
        self._cells.clear()

    def notify_style_update(self) -> None:
        self._forget_styles()
        super().notify_style_update()

    def _on_focus(self, event: events.Focus) -> None:
        self._forget_styles()
        super()._on_focus(event)

    def _on_blur(self, event: events.Blur) -> None:
        self._forget_styles()
        super()._on_blur(event)

    def _line(self, index: int, width: int) -> Strip:
        row = self._rows[index]
        key = (row.id, width, index == self._cursor)
        strip = self._cache.get(key)
        if strip is None:
            strip = self._render_row(row, width, index == self._cursor)
            if len(self._cache) > CACHE_ROWS:
                self._cache.clear()
            self._cache[key] = strip
        return strip

    def render_line(self, y: int) -> Strip:
        self._painted.set()
        width = self.scrollable_content_region.width
        if y == 0:
            return self._header(width)
        index = self.scroll_offset.y + y - 1
        if index >= len(self._rows):
            return Strip.blank(width, self._styles()[0])
        return self._line(index, width)

    def _warm(self) -> None:
        """Render the pages above and below into the cache while the user reads this one,
        so paging draws from the cache instead of building ~40 rows on the key press."""
        width = self.scrollable_content_region.width
        page = max(self.size.height - 1, 1)
        top = self.scroll_offset.y
        for index in range(max(0, top - page), min(len(self._rows), top + 2 * page)):
            self._line(index, width)

    def _header(self, width: int) -> Strip:
        style = self.get_component_rich_style("account-table--header")
        sorted_style = style + self.get_component_rich_style("account-table--sorted")
        segments: list[Segment] = []
        for i, (col, w) in enumerate(self._columns_for(width)):
            label = col.label
            is_sorted = col.key == self.sort_key
            if is_sorted:
                label = f"{label}{'▼' if self.sort_reverse else '▲'}"
            text = fit_cells(clean(label), w, col.align)
            segments.append(Segment(text, sorted_style if is_sorted else style))
            if i < len(self._layout) - 1:
                segments.append(Segment(" " * self._gap, style))
        return Strip(segments).adjust_cell_length(width, style)

    def _render_row(self, row: RowT, width: int, is_cursor: bool) -> Strip:
        """One row as segments, built directly rather than through a ``Text`` per row.

        Plain cells (names, money, labels) become one segment each; styled cells are
        mostly one style over a few words (a health bar, "in 2 months") and repeat across
        rows, so their fitted segments are cached by text and style. This is what keeps a
        refiltered page of 40 new rows inside a frame.
        """
        base, cursor = self._styles()
        fill = cursor if is_cursor else base
        layout = self._columns_for(width)
        last = len(layout) - 1
        segments: list[Segment] = []
        plain: list[str] = []  # consecutive plain cells share one segment
        for i, (col, w) in enumerate(layout):
            content = col.cell(row)
            if isinstance(content, str):
                content = clean(content)
                if col.shorten is not None and cell_len(content) > w:
                    content = col.shorten(content, w)
                plain.append(fit_cells(content, w, col.align))
            else:
                if plain:
                    segments.append(Segment("".join(plain), fill))
                    plain = []
                if col.shorten is not None and content.cell_len > w:
                    content = Text(col.shorten(content.plain, w), style=content.style)
                segments.extend(self._styled_cell(content, w, col.align, is_cursor))
            if i < last:
                plain.append(" " * self._gap)
        if plain:
            segments.append(Segment("".join(plain), fill))
        used = sum(w for _, w in layout) + last * self._gap
        if used < width:
            segments.append(Segment(" " * (width - used), fill))
            used = width
        strip = Strip(segments, used)
        return strip if used == width else strip.crop(0, width)

    def _styled_cell(self, content: Text, width: int, align: str, is_cursor: bool) -> list[Segment]:
        key = (content.plain, content.style, tuple(content.spans), width, align, is_cursor)
        found = self._cells.get(key)
        if found is None:
            base, cursor = self._styles()
            fill = cursor if is_cursor else base
            text = self._fit(content, width, align)
            console = self.app.console
            if text.style:  # ``Text.render`` leaves the text's own style to its caller
                fill = fill + console.get_style(text.style)
            found = [
                Segment(s.text, fill + s.style if s.style else fill) for s in text.render(console)
            ]
            if len(self._cells) > CACHE_CELLS:
                self._cells.clear()
            self._cells[key] = found
        return found

    def on_resize(self, event: events.Resize) -> None:
        self._layout_width = -1
        self.virtual_size = self._scroll_size(len(self._rows) + 1)
        # A line taken above (a filter error's) left the cursor's row just below the view,
        # and Enter opened an account nobody could see.
        self._scroll_cursor_visible()

    # ------------------------------------------------------------------ cursor
    def _scroll_cursor_visible(self) -> None:
        visible = max(self.size.height - 1, 1)
        top = self.scroll_offset.y
        if self._cursor < top:
            self.scroll_to(y=self._cursor, animate=False, immediate=True)
        elif self._cursor >= top + visible:
            self.scroll_to(y=self._cursor - visible + 1, animate=False, immediate=True)

    def move_cursor(self, index: int) -> None:
        if not self._rows:
            return
        index = max(0, min(index, len(self._rows) - 1))
        if index == self._cursor:
            return
        self._cursor = index
        self._scroll_cursor_visible()
        self.refresh()
        self.call_after_refresh(self._warm)
        self.post_message(self.Highlighted(self.current_id))

    def action_cursor(self, delta: int) -> None:
        self.move_cursor(self._cursor + delta)

    def action_page(self, direction: int) -> None:
        self.move_cursor(self._cursor + direction * max(self.size.height - 2, 1))

    def action_edge(self, end: int) -> None:
        self.move_cursor(len(self._rows) - 1 if end else 0)

    def action_select(self) -> None:
        if self.current_id is not None:
            self.post_message(self.Selected(self.current_id))

    def on_click(self, event: events.Click) -> None:
        if event.y == 0:
            x = event.x
            for col, w in self._layout:
                if x < w + self._gap:
                    self.post_message(self.SortRequested(col.key))
                    return
                x -= w + self._gap
            return
        index = self.scroll_offset.y + event.y - 1
        if 0 <= index < len(self._rows):
            self.move_cursor(index)
            if event.chain >= 2:
                self.action_select()
