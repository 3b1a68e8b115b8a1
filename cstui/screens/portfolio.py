"""The portfolio: the screen a CSM opens every morning.

Rows come precomputed from the workspace. Sorting and filtering happen in the data layer on
those rows (the full list is sorted once per sort order and data change; each keystroke in
the filter is one pass over it), and the table draws only what is on screen, so the screen
stays instant with tens of thousands of accounts.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual import events, on, work
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Header, Input, Static

from cstui import clock
from cstui.domain.enums import Stage, Tier
from cstui.domain.filters import FLAG_LETTERS, FilterQuery, every_term, narrows, parse
from cstui.domain.portfolio import (
    FIRST_SORT,
    PortfolioRow,
    PortfolioSummary,
    fold,
    renewal_state,
    sort_rows,
)
from cstui.i18n import catalogue, count, humanize, short_money, t
from cstui.sanitize import clean
from cstui.ui.access import UsesWorkspace, on_workspace_change, workspace_app
from cstui.ui.footer import KeyFooter
from cstui.ui.localize import localize_bindings
from cstui.ui.names import short_company
from cstui.ui.wrap import Wrapped
from cstui.widgets.account_table import MOVES, AccountTable, Column, move_focused_table
from cstui.widgets.filter_input import FilterInput
from cstui.workspace import SavedView, WorkspaceEvent

SUMMARY_SLICE = 2_000
"""Rows summed per turn of the event loop: more rows than this are summed after the frame."""
BAND_STYLE = {"red": "bold red", "yellow": "yellow", "green": "green", "unknown": "dim"}
FLAG_CODES = FLAG_LETTERS  # the letters the filter's flag: accepts too


def flag_legend() -> list[tuple[str, str]]:
    """(letter, name) of every flag in the UI language: the key to the Flags column, from
    the one definition of the letters (``FLAG_LETTERS``)."""
    return [(letter, t(f"health.flag.{name}")) for name, letter in FLAG_LETTERS.items()]


def portfolio_help() -> str:
    """What ``?`` shows above the keys: each flag letter's meaning and the filter's terms."""
    legend = flag_legend()
    # One paragraph with hard line breaks (Markdown's backslash): a list's indent would wrap
    # the names in the narrow panel, and at 24 rows every letter still fits.
    lines = [f"**{t('portfolio.help.flags')}**"]
    lines += [t("portfolio.help.flag_line", letter=c, name=name) for c, name in legend]
    return "\n\n".join(
        [
            "\\\n".join(lines),
            t("portfolio.help.flag_filter", letter=legend[0][0]),
            f"**{t('portfolio.help.filter')}**",
            t("portfolio.help.filter_terms", terms=every_term()),
        ]
    )


def health_cell(row: PortfolioRow) -> Text:
    """A five-cell bar and the number, in the band's colour."""
    if row.health is None:
        return Text("·····   —", style="dim")
    full, half = divmod(max(0, min(100, row.health)), 20)
    bar = ("█" * full + ("▌" if half >= 10 else "")).ljust(5, "·")
    return Text(f"{bar} {row.health:>3}", style=BAND_STYLE.get(row.band, ""))


def trend_cell(row: PortfolioRow) -> Text:
    if row.trend is None:
        return Text("", style="dim")
    if row.trend > 3:
        return Text(f"↑{row.trend:+d}", style="green")
    if row.trend < -3:
        return Text(f"↓{row.trend:+d}", style="red")
    return Text(f"→{row.trend:+d}", style="dim")


def renewal_cell(row: PortfolioRow) -> Text:
    if row.renewal_date is None:
        return Text("—", style="dim")
    state = renewal_state(row.days_to_renewal, row.stage)
    text = humanize(row.renewal_date, clock.today(), late=state == "overdue")
    if state == "overdue":
        return Text(text, style="bold red")
    if state == "upcoming":
        return Text(text, style="yellow")
    return Text(text)


def touch_cell(row: PortfolioRow) -> Text:
    if row.days_since_touch is None:
        return Text(t("portfolio.never"), style="dim")
    style = "red" if "no-touch" in row.flags else ""
    return Text(t("portfolio.days", n=row.days_since_touch), style=style)


def flags_cell(row: PortfolioRow) -> Text:
    return Text("".join(FLAG_CODES.get(f, "?") for f in row.flags), style="bold red")


RENEWAL_SPAN_DAYS = 800
"""Renewal dates measured for the column's width: two years either side covers a book."""


def _widest(texts: Iterable[str]) -> int:
    return max((cell_len(x) for x in texts), default=0)


def _shorter(pairs: Callable[[], Iterable[tuple[str, str]]]) -> Callable[[str, int], str]:
    """A column's ``shorten`` from (label, its compact form) pairs, made when first asked
    (not before the first frame): at 80 columns "12 days overdue" lost the word that
    matters ("12 days over…") and オンボーディング its end."""

    @functools.cache
    def table() -> dict[str, str]:
        return {full: short for full, short in pairs() if short != full}

    return lambda text, width: table().get(text, text)


def portfolio_columns() -> list[Column[PortfolioRow]]:
    """The columns, each knowing the cells its labels need in the current language."""
    today = clock.today()
    span = range(-RENEWAL_SPAN_DAYS, RENEWAL_SPAN_DAYS + 1, 3)  # the words change slowly
    renewal = _widest(humanize(today + timedelta(days=d), today, late=d < 0) for d in span)
    stage = _widest(t(f"stage.{s.value}") for s in Stage)
    tier = _widest(t(f"tier.{s.value}") for s in Tier)
    touch = _widest([t("portfolio.never"), t("portfolio.days", n=999)])
    overdue = [today - timedelta(days=d) for d in range(1, RENEWAL_SPAN_DAYS + 1)]
    short_renewal = _shorter(
        lambda: (
            (humanize(d, today, late=True), humanize(d, today, late=True, short=True))
            for d in overdue
        )
    )
    short_stage = _shorter(
        lambda: (
            (t(f"stage.{s.value}"), t(f"stage.{s.value}.short"))
            for s in Stage
            if f"stage.{s.value}.short" in catalogue("en")
        )
    )
    # The least the stage column gets: every label whole once shortened (アダプション is 12
    # cells: at 10 it read アダプシ… while the tier column came back beside it).
    stage_least = _widest(short_stage(t(f"stage.{s.value}"), 0) for s in Stage)
    return [
        Column(
            "name", t("col.name"), 28, lambda r: r.name, flex=True, priority=10,
            shorten=short_company,
        ),
        Column("health", t("col.health"), 9, health_cell, priority=9),
        Column("trend", t("col.trend"), 4, trend_cell, "right", priority=6),
        Column("arr", t("col.arr"), 8, lambda r: short_money(r.arr, r.currency), "right", 8),
        Column(
            "tier", t("col.tier"), 6, lambda r: t(f"tier.{r.tier.value}"), priority=4,
            natural=tier,
        ),
        Column(
            "stage", t("col.stage"), stage_least, lambda r: t(f"stage.{r.stage.value}"),
            priority=5,
            natural=stage, shorten=short_stage,
        ),
        Column(
            "renewal", t("col.renewal"), 13, renewal_cell, priority=7, natural=renewal,
            shorten=short_renewal,
        ),
        Column("touch", t("col.touch"), 6, touch_cell, "right", priority=3, natural=touch),
        Column("owner", t("col.owner"), 7, lambda r: r.owner, priority=2, natural=10),
        Column("flags", t("col.flags"), 5, flags_cell, priority=7, natural=len(FLAG_CODES)),
    ]  # fmt: skip


def summary_text(s: PortfolioSummary, width: int | None = None) -> str:
    """The header's KPIs; with ``width``, made to fit one line (a header that wraps pushes
    the table down and reads as two headers): tighter separators first, then the least
    needed figures (NPS, average health) go."""

    def converted(total: float, left: dict[str, int]) -> str:
        """The total in the reporting currency; currencies without a rate stay apart."""
        shown = [short_money(total, s.currency)] if total or not left else []
        return " + ".join(shown + [short_money(v, c) for c, v in sorted(left.items())])

    parts = [
        t("kpi.accounts", n=count(s.accounts)),
        t("kpi.arr", value=converted(s.arr_total, s.unconverted)),
        t("kpi.at_risk", value=converted(s.at_risk_total, s.unconverted_at_risk)),
        t("kpi.renewals", n=count(s.renewals_90d)),
        t("kpi.health", value="—" if s.average_health is None else f"{s.average_health:.0f}"),
        t("kpi.nps", value="—" if s.nps is None else f"{s.nps:+.0f}"),
    ]
    text = "  ·  ".join(parts)
    if width is None:
        return text
    while True:
        for sep in ("  ·  ", " · "):
            text = sep.join(parts)
            if cell_len(text) <= width or len(parts) == 1:
                return text
        parts.pop()


class SummaryLine(Static):
    """The header's KPIs, refitted to one line whenever its width changes (a resize, or
    the help panel opening beside the table)."""

    summary: PortfolioSummary | None = None

    def on_resize(self, event: events.Resize) -> None:
        if self.summary is not None:
            self.update(summary_text(self.summary, self.content_region.width or None))


class PortfolioScreen(UsesWorkspace, Screen[None]):
    AUTO_FOCUS = "#portfolio-table"  # keys typed while a big book loads go to the table
    BINDINGS: ClassVar[list[BindingType]] = [
        # Priority, focusing at once: the keys typed right after "/" (or after Escape in
        # the filter) go where it sent the focus. Otherwise Textual had already queued them
        # for the widget focused before: "/stage:x" typed fast sorted ("s") and opened
        # Today ("t") instead of filtering.
        Binding("slash", "focus_filter", "key.filter", priority=True),
        Binding("s", "cycle_sort", "key.sort"),
        Binding("r", "reverse_sort", "key.reverse"),
        Binding("v", "pick_view", "key.views"),
        Binding("V", "save_view", "key.save_view"),
        # Shown while the filter has the focus (check_action), where "/" is hidden.
        Binding("escape", "leave_filter", "key.table", priority=True),
        # Priority: the account opens while Enter is handled, so the keys typed right after
        # it (a tab's digit) reach the account screen instead of this table; the keys that
        # move the cursor are priority too (see MOVES).
        Binding("enter", "open_current", "key.book.open", show=False, priority=True),
        *MOVES,
    ]

    def __init__(self) -> None:
        super().__init__()
        localize_bindings(self)
        # Textual's help panel (``?``) shows the focused widget's nearest HELP: the table's
        # and the filter's are this screen's. Set here, as it is in the UI language.
        type(self).HELP = portfolio_help()
        self.sort_key = FIRST_SORT
        self.sort_reverse = False
        self.query_text = ""
        self._sorted: list[PortfolioRow] | None = None
        self._filtered: tuple[list[PortfolioRow], str, list[PortfolioRow]] | None = None
        self._summary_one_line = False

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="portfolio-top"):
            yield FilterInput(placeholder=t("portfolio.filter_hint"), id="portfolio-filter")
            yield Static(id="portfolio-filter-error", markup=False)
            yield SummaryLine(id="portfolio-summary", markup=False)
        yield AccountTable[PortfolioRow](portfolio_columns(), id="portfolio-table")
        from cstui.widgets.sync_status import SyncStatusLine

        yield SyncStatusLine(id="sync-status")
        yield KeyFooter()

    def on_mount(self) -> None:
        on_workspace_change(self, self._on_workspace_event)
        self.query_one("#portfolio-filter-error").display = False
        self.table.focus()
        self.refresh_rows()

    def _on_workspace_event(self, event: WorkspaceEvent) -> None:
        self._sorted = None
        self.refresh_rows()

    @property
    def table(self) -> AccountTable[PortfolioRow]:
        return self.query_one("#portfolio-table", AccountTable)

    def sorted_rows(self) -> list[PortfolioRow]:
        if self._sorted is None:
            self._sorted = sort_rows(self.workspace.portfolio(), self.sort_key, self.sort_reverse)
        return self._sorted

    def current_query(self) -> FilterQuery:
        return parse(self.query_text, me=self.workspace.user)

    def refresh_rows(self) -> None:
        query = self.current_query()
        book = self.sorted_rows()
        last = self._filtered
        if last is not None and last[0] is book and narrows(last[1], self.query_text):
            rows = query.apply(last[2])  # typing on: only the rows already shown can match
        else:
            rows = query.apply(book)
        self._filtered = (book, self.query_text, rows)
        error = self.query_one("#portfolio-filter-error", Static)
        if query.errors:
            # Wrapped: no break inside "E touchpoint-missed", nor before a 。 (ui/wrap.py).
            error.update(Wrapped(clean("⚠ " + "  ".join(query.errors))))
            error.display = True
        elif not rows and self.query_text.strip():
            # An empty table is not an answer: say the filter matched nothing.
            error.update(t("portfolio.no_match", query=self.query_text.strip()))
            error.display = True
        else:
            error.display = False
        self.table.set_sort(self.sort_key, self.sort_reverse)
        self.table.set_rows(rows)
        if len(rows) <= SUMMARY_SLICE:
            self._show_summary(rows, self.workspace.portfolio_summary(rows))
        else:
            self._summarize(rows)

    @work(exclusive=True, group="portfolio-summary", description="portfolio summary")
    async def _summarize(self, rows: list[PortfolioRow]) -> None:
        """The header KPIs of a big list, a slice per turn of the event loop.

        Why: summing 50,000 rows takes longer than drawing them. The frame with the new
        rows goes first, the slices leave room for the next keystroke, and that keystroke
        cancels the sum it made stale.
        """
        await self.table.wait_painted(rows)
        totals = self.workspace.summary_totals()
        for start in range(0, len(rows), SUMMARY_SLICE):
            await asyncio.sleep(0)
            totals.add(rows[start : start + SUMMARY_SLICE])
        self._show_summary(rows, totals.result())

    def _show_summary(self, rows: list[PortfolioRow], summary: PortfolioSummary) -> None:
        if not self.is_attached or not self.query("#portfolio-table"):
            return  # the app is closing (its widgets went while the sum was made)
        if rows is not self.table.rows:
            return  # a newer keystroke already replaced these rows
        widget = self.query_one("#portfolio-summary", SummaryLine)
        widget.summary = summary
        text = summary_text(summary, widget.content_region.width or None)
        fits = 0 < cell_len(text) <= widget.content_region.width
        # One line before and after: the same height, so no layout of the whole screen.
        widget.update(text, layout=not (fits and self._summary_one_line))
        self._summary_one_line = fits

    # ---------------------------------------------------------------- filter
    @on(Input.Changed, "#portfolio-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.query_text = event.value
        self.refresh_rows()

    @on(Input.Submitted, "#portfolio-filter")
    def _filter_submitted(self) -> None:
        self.table.focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """In the filter, "/" is typed (its binding is off) and Escape leaves it; elsewhere
        the other way round. The footer follows: it says how to leave the filter there."""
        if action in ("focus_filter", "leave_filter"):
            focused = self.focused
            in_filter = focused is not None and focused.id == "portfolio-filter"
            return in_filter == (action == "leave_filter")
        return super().check_action(action, parameters)

    def action_focus_filter(self) -> None:
        box = self.query_one("#portfolio-filter", Input)
        self.set_focus(box)  # now, not after the keys already read (Widget.focus waits)

    def action_leave_filter(self) -> None:
        self.set_focus(self.table)

    def apply_view(self, view: SavedView) -> None:
        self.sort_key, self.sort_reverse = view.sort, view.reverse
        self._sorted = None
        box = self.query_one("#portfolio-filter", Input)
        box.value = view.filter  # fires Input.Changed, which refreshes
        self.query_text = view.filter
        self.refresh_rows()

    # ---------------------------------------------------------------- sorting
    def set_sort(self, key: str, reverse: bool = False) -> None:
        self.sort_key, self.sort_reverse = key, reverse
        self._sorted = None
        self.refresh_rows()

    def on_account_table_sort_requested(self, message: AccountTable.SortRequested) -> None:
        """A click on a header sorts by it; on the sorted one, the other way round."""
        self.set_sort(message.key, message.key == self.sort_key and not self.sort_reverse)

    def action_cycle_sort(self) -> None:
        keys = [c.key for c in portfolio_columns()]
        self.set_sort(keys[(keys.index(self.sort_key) + 1) % len(keys)])

    def action_reverse_sort(self) -> None:
        self.set_sort(self.sort_key, not self.sort_reverse)

    # ---------------------------------------------------------------- navigation
    def action_table_move(self, how: str, amount: int) -> None:
        move_focused_table(self, how, amount)  # the filter box keeps its own keys

    def action_open_current(self) -> None:
        row_id = self.table.current_id if self.table.has_focus else None
        if row_id is None:
            raise SkipAction()  # Enter in the filter box: let the box have it
        workspace_app(self).open_account(row_id)

    def on_account_table_selected(self, message: AccountTable.Selected) -> None:
        workspace_app(self).open_account(message.row_id)

    # ---------------------------------------------------------------- views
    def action_pick_view(self) -> None:
        from cstui.screens.views import ViewPicker

        def chosen(view: SavedView | None) -> None:
            if view is not None:
                self.apply_view(view)

        showing = (self.query_text, self.sort_key, self.sort_reverse)
        self.app.push_screen(ViewPicker(self.workspace.views(), showing=showing), chosen)

    def action_save_view(self) -> None:
        from cstui.ui.forms import Field, FormScreen

        def save(values: dict[str, object]) -> None:
            name = str(values.get("name") or "").strip()
            taken = any(fold(v.name) == fold(name) for v in self.workspace.views() if not v.builtin)
            self.workspace.save_view(name, self.query_text, self.sort_key, self.sort_reverse)
            # Saving under a name already taken replaces that view: said, and u undoes it.
            key = "portfolio.view_replaced" if taken else "portfolio.view_saved"
            self.notify(t(key, name=name), markup=False)

        query = self.query_text.strip()
        help_text = (
            t("portfolio.view_help", filter=query) if query else t("portfolio.view_help_no_filter")
        )
        fields = [Field("name", t("portfolio.view_name"), required=True, help=help_text)]
        self.app.push_screen(FormScreen(t("portfolio.save_view"), fields, save))
