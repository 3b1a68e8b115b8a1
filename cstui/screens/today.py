"""Today: the morning list of what to act on (tasks, alerts, renewals, overdue touches).

All four sections sit in one list so the cursor walks every line with the arrow keys;
headings are disabled options the cursor skips. Each line jumps to its account with Enter;
``z`` snoozes an alert and ``x`` completes a task right here, so the list shrinks as the day's
work gets done. The digest itself comes from :mod:`cstui.workspace.today`, shared with
``cstui today``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.css.query import NoMatches
from textual.widgets import Header, OptionList, Static
from textual.widgets.option_list import Option

from cstui import clock
from cstui.domain.enums import Table
from cstui.domain.models import InvalidRecord
from cstui.i18n import short_money, t
from cstui.sanitize import clean, fit_cells
from cstui.screens.book import BookScreen
from cstui.ui.footer import KeyFooter
from cstui.ui.localize import localize_bindings
from cstui.ui.names import short_company
from cstui.widgets.account_table import CURSOR_KEYS
from cstui.workspace.repo import HEALTH_TABLE
from cstui.workspace.today import (
    SECTIONS,
    TodayDigest,
    TodayItem,
    section_title,
    today_digest,
    with_tasks_again,
)

MAX_PER_SECTION = 200
"""Even a section opened in full ends in "… and N more": a list nobody reads to the end helps
no one."""
MIN_PER_SECTION = 3
SECTION_CHROME = 3 + 4 * 3
"""Rows that are not items: header, scope line and footer, plus each section's heading,
blank line and "… and N more" line."""
WHEN_WIDTH = 12
"""The most the "when" column gets ("123d overdue"); it takes what its longest value needs."""
OWNER_WIDTH = 9
TEXT_LEAST = 36
"""Cells kept for what to do (a task's title, an alert) before the name takes more, unless
more lines show whole with a wider name (:func:`column_widths`)."""
TEXT_FLOOR = 20
"""The least what to do keeps when names take cells from :data:`TEXT_LEAST`."""
NAME_LEAST = 20
"""The name's share when the screen is too narrow to keep :data:`TEXT_LEAST` too."""
SCROLLBAR = 2
"""The list's scrollbar: the text keeps its room when the scrollbar shows."""
SNOOZE_DAYS = 7

_LIST_MOVES = {
    ("cursor", -1): "cursor_up",
    ("cursor", 1): "cursor_down",
    ("page", -1): "page_up",
    ("page", 1): "page_down",
    ("edge", 0): "first",
    ("edge", 1): "last",
}
"""A table's cursor move (:data:`CURSOR_KEYS`) as the option list's own action."""

_WHEN_STYLE = {"overdue": "bold red", "today": "bold yellow", "never": "bold red"}
_BAND_STYLE = {"red": "red", "yellow": "yellow", "green": "green"}
_SEVERITY_STYLE = {"high": "red", "medium": "yellow"}


class TodayList(OptionList, inherit_bindings=False):
    """The digest's lines; Enter (shown in the footer) opens the highlighted line's account.

    Its cursor keys, j and k included, are the screen's (:class:`TodayScreen`: priority
    keys, handled in typing order with Enter); j and k bound here too were never reached.
    It takes none of the option list's own: they are the screen's, and the sideways
    scrolling ones (←, →, Ctrl+PgUp/PgDn) did nothing on lines that never overflow, while
    ``?`` listed them.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select", "key.today.open", show=False),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, markup=False)
        localize_bindings(self)


@dataclass(frozen=True)
class Widths:
    """Cells of the columns before the text: when, account name, owner (0: not shown)."""

    when: int = WHEN_WIDTH
    name: int = NAME_LEAST
    owner: int = OWNER_WIDTH


def _owner(item: TodayItem) -> str:
    return t("today.owner", owner=clean(item.owner)) if item.owner else ""


def _lead(item: TodayItem) -> str:
    """What an alert's line says before its text: the ARR at stake (alerts are ranked by
    it after severity)."""
    if item.section != "alerts":
        return ""
    arr = short_money(int(item.details.get("arr") or 0), str(item.details.get("currency")))
    return f"{arr:>6} "


def column_widths(items: Iterable[TodayItem], width: int, *, show_owner: bool) -> Widths:
    """The columns for a screen ``width`` cells wide: "when" and owner get what their
    longest value needs, the name what the text leaves, up to what its longest value
    needs (written ㈱ where only that fits).

    The text keeps :data:`TEXT_LEAST` cells, unless a wider name (up to what leaves the
    text :data:`TEXT_FLOOR`) shows as many lines whole or more, name and text uncut: the
    widest of the widths that show the most. A text cut anyway (an alert's sentence)
    holds no name back; one that fits gives way only to as many names shown whole as the
    texts it costs, or more. With the owner column (everyone's items) at 80 columns,
    names were cut at 20 cells beside texts that left their lines room (issue 18).
    """
    items = list(items)
    when = min(WHEN_WIDTH, max((cell_len(i.when) for i in items), default=WHEN_WIDTH))
    owner = min(OWNER_WIDTH, max((cell_len(_owner(i)) for i in items), default=0))
    owner = owner if show_owner else 0
    before_text = when + 2 + 2 + (owner + 2 if show_owner else 0)  # each column's 2 spaces
    room = width - SCROLLBAR - before_text  # the name's and the text's
    keep_text = max(NAME_LEAST, room - TEXT_LEAST)
    names = [clean(i.account_name) or "—" for i in items]
    written = [cell_len(name) for name in names]
    shortest = [cell_len(short_company(name, 0)) for name in names]  # ㈱ if it has one
    fitted = (w if w <= keep_text else s for w, s in zip(written, shortest, strict=True))
    need = max(fitted, default=0)
    name = min(need, keep_text)
    widest = min(max(written, default=0), max(name, room - TEXT_FLOOR))
    if widest > name:
        # Each width a name needs (as written, or with ㈱) is a candidate; a line is whole
        # at a name width n when its name fits in n and its text in room - n. Lines that
        # no candidate shows whole (an alert's sentence, a name too long) count for none.
        texts = [cell_len(_lead(i)) + cell_len(clean(i.text)) for i in items]
        lines = [
            (s, x)
            for s, x in zip(shortest, texts, strict=True)
            if s <= widest and x <= room - max(name, s)
        ]
        widths = {w for w in (*written, *shortest) if name < w <= widest}
        name = max(
            [name, *widths],
            key=lambda n: (sum(s <= n and x <= room - n for s, x in lines), n),
        )
    return Widths(when, name, owner)


def item_prompt(item: TodayItem, widths: Widths, *, show_owner: bool) -> Text:
    """One line: when, account name, what (``widths``: :func:`column_widths`). Untrusted
    text is cleaned and never markup."""
    line = Text(no_wrap=True, overflow="ellipsis")
    line.append(fit_cells(item.when, widths.when), style=_WHEN_STYLE.get(item.kind, "dim"))
    line.append("  ")
    name = short_company(clean(item.account_name), widths.name)  # ㈱ rather than a cut name
    line.append(fit_cells(name or "—", widths.name), style="bold")
    line.append("  ")
    if show_owner:
        line.append(fit_cells(_owner(item), widths.owner) + "  ", style="dim")
    if item.section == "alerts":
        line.append(_lead(item), style="dim")
        style = _SEVERITY_STYLE.get(str(item.details.get("severity")), "")
    else:
        band = item.details.get("band") if item.section == "renewals" else None
        style = _BAND_STYLE.get(str(band), "")
    line.append(clean(item.text), style=style)
    return line


class TodayScreen(BookScreen):
    FOLLOWS: ClassVar[frozenset[str] | None] = frozenset(
        {Table.TASKS, Table.ALERTS, Table.ACCOUNTS, HEALTH_TABLE}
    )
    """What its lines show: the tasks, the alerts, and the rows (accounts and summaries)."""
    BINDINGS: ClassVar[list[BindingType]] = [
        # Priority: the account opens while Enter is handled, so keys typed right after it
        # reach the account screen instead of this list; the keys that move the cursor are
        # priority too, so "j Enter" typed fast opens the line the j moved to.
        Binding("enter", "open_current", "key.today.open", priority=True),
        # The same keys and words as every table's: g and G too (BookScreen's table keys act
        # only on a table: here they did nothing while ? listed them).
        *(
            Binding(keys, f"move('{_LIST_MOVES[how, n]}')", words, show=False, priority=True)
            for keys, how, n, words in CURSOR_KEYS
        ),
        Binding("z", "snooze", "key.today.snooze"),
        Binding("x", "done", "key.today.done"),
        Binding("a", "toggle_scope", "key.today.scope"),
        Binding("right_square_bracket", "section(1)", "key.today.next", show=False),
        Binding("left_square_bracket", "section(-1)", "key.today.previous", show=False),
        Binding("escape", "back", "key.today.back"),
    ]
    CSS_PATH = "today.tcss"
    TITLE_KEY = "today.title"
    FOCUS = TodayList

    def __init__(self, *, everyone: bool = False) -> None:
        super().__init__()
        self.everyone = everyone
        self.digest: TodayDigest | None = None
        self._items: dict[str, TodayItem] = {}
        self._widths = Widths()
        self._bound_section: str | None = None
        self._expanded: set[str] = set()
        """Sections opened in full (Enter on their "… and N more" line)."""
        self._cap = 0

    @property
    def lines(self) -> TodayList:
        return self.query_one("#today-list", TodayList)

    @property
    def current(self) -> TodayItem | None:
        """The highlighted line's item (None on an empty list)."""
        option = self.lines.highlighted_option
        return None if option is None or option.id is None else self._items.get(option.id)

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="today-scope", markup=False)
        yield TodayList(id="today-list")
        yield KeyFooter()

    # ---------------------------------------------------------------- refresh
    def on_resize(self, event: events.Resize) -> None:
        if (
            self._widths_for(event.size.width) != self._widths
            or self._cap_for(event.size.height) != self._cap
        ):
            self.rebuild()

    @staticmethod
    def _cap_for(screen_height: int) -> int:
        """Lines shown per section until it is opened in full: all four sections fit on one
        screen, so 26 alerts never push the renewals out of sight."""
        return max(MIN_PER_SECTION, (screen_height - SECTION_CHROME) // len(SECTIONS))

    def _widths_for(self, screen_width: int) -> Widths:
        """The columns for every line a section may show (not only those on screen now:
        the columns stay put as lines are done, snoozed or shown in full)."""
        if self.digest is None:
            return self._widths
        items = (i for _, section in self.digest.sections() for i in section[:MAX_PER_SECTION])
        return column_widths(items, screen_width, show_owner=self.digest.everyone)

    def rebuild(self) -> None:
        """Recompute the digest; the cursor stays on its line, or the next one if it left."""
        self._show(
            today_digest(
                self.workspace, clock.today(), everyone=self.everyone, shown=MAX_PER_SECTION
            )
        )

    def follow_changes(self, changed: Mapping[str, frozenset[str]]) -> None:
        """A change of the tasks alone reads those tasks again, not the whole digest."""
        digest = self.digest
        if digest is None or set(changed) != {Table.TASKS} or digest.as_of != clock.today():
            self.rebuild()
        else:
            self._show(with_tasks_again(self.workspace, digest, changed[Table.TASKS]))

    def _show(self, digest: TodayDigest) -> None:
        """Show ``digest``; the cursor stays on its line, or the next one if it left."""
        self.digest = digest
        self._widths = self._widths_for(self.size.width or self.app.size.width)
        self._cap = self._cap_for(self.size.height or self.app.size.height)
        lst = self.lines
        keep = self.current
        keep_index = lst.highlighted or 0
        options: list[Option] = []
        items: dict[str, TodayItem] = {}
        for section, section_items in digest.sections():
            if options:
                options.append(Option("", id=f"s:{section}", disabled=True))  # a blank line
            options.append(
                Option(
                    Text(section_title(section, section_items)),
                    id=f"h:{section}",
                    disabled=True,
                )
            )
            if not section_items:
                options.append(
                    Option(
                        Text(f"  {t('today.empty')}", style="not bold dim"),
                        id=f"e:{section}",
                        disabled=True,
                    )
                )
            cap = MAX_PER_SECTION if section in self._expanded else self._cap
            for item in section_items[:cap]:
                items[item.id] = item
                prompt = item_prompt(item, self._widths, show_owner=digest.everyone)
                options.append(Option(prompt, id=item.id))
            hidden = len(section_items) - cap
            if hidden > 0:
                # Enter on this line opens the section in full (but never past the hard cap).
                full = cap == MAX_PER_SECTION
                key = "today.more" if full else "today.more.open"
                more = Text(f"  {t(key, n=hidden)}", style="not bold dim")
                options.append(Option(more, id=f"m:{section}", disabled=full))
        self._items = items
        lst.set_options(options)
        self._restore_cursor(keep.id if keep else None, keep_index)
        scope = "everyone" if digest.everyone else "mine"
        self.query_one("#today-scope", Static).update(
            t(f"today.scope.{scope}", date=digest.as_of.isoformat(), user=clean(digest.user))
        )
        self._sync_bindings()

    def _restore_cursor(self, keep_id: str | None, keep_index: int) -> None:
        lst = self.lines
        options = lst.options
        if keep_id is not None and keep_id in self._items:
            lst.highlighted = lst.get_option_index(keep_id)
            return
        # The line left (done, snoozed): take the next enabled line, else the last one before.
        after = [i for i in range(keep_index, len(options)) if not options[i].disabled]
        before = [i for i in range(0, min(keep_index, len(options))) if not options[i].disabled]
        lst.highlighted = after[0] if after else (before[-1] if before else None)

    # ---------------------------------------------------------------- actions
    def on_option_list_option_highlighted(self, _: OptionList.OptionHighlighted) -> None:
        self._sync_bindings()

    def _sync_bindings(self) -> None:
        """Re-check z/x only when the line's section changes: a footer refresh per cursor
        move costs a relayout and made every arrow key feel slow."""
        item = self.current
        section = item.section if item is not None else None
        if section != self._bound_section:
            self._bound_section = section
            self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Snooze only on an alert, done only on a task: elsewhere the key is not offered
        (a dimmed ``z`` on a task read as a key that should work and did nothing)."""
        if action in ("snooze", "done"):
            try:
                item = self.current
            except NoMatches:  # asked before the list exists
                return False
            wanted = "alerts" if action == "snooze" else "tasks"
            return item is not None and item.section == wanted
        return True

    def action_move(self, how: str) -> None:
        """The list's own cursor action, handled in typing order with Enter."""
        if not self.lines.has_focus:
            raise SkipAction()
        getattr(self.lines, f"action_{how}")()

    def action_open_current(self) -> None:
        if not self.lines.has_focus:
            raise SkipAction()
        option = self.lines.highlighted_option
        if option is not None and not option.disabled:
            self._open(option.id or "")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self._open(event.option.id or "")

    def _open(self, option_id: str) -> None:
        if option_id.startswith("m:"):
            self._expand(option_id[2:])
            return
        item = self._items.get(option_id)
        if item is None:
            return
        if item.account_id is None:
            self.notify(t("today.no_account"), markup=False)
            return
        from cstui.screens.account import AccountScreen  # written alongside; loaded on use

        self.app.push_screen(AccountScreen(item.account_id))

    def _expand(self, section: str) -> None:
        """Show the whole section; the cursor lands on its first newly shown line."""
        if self.digest is None:
            return
        first_hidden = dict(self.digest.sections())[section][self._cap :][:1]
        self._expanded.add(section)
        self.rebuild()
        if first_hidden:
            self.lines.highlighted = self.lines.get_option_index(first_hidden[0].id)

    def action_done(self) -> None:
        item = self.current
        if item is None or item.section != "tasks":
            return
        try:
            self.workspace.complete_task(item.ref)
        except InvalidRecord as exc:
            self.notify(str(exc), severity="error", markup=False)
            return
        self.notify(t("today.task.done", title=clean(item.text)), markup=False)

    def action_snooze(self) -> None:
        item = self.current
        if item is None or item.section != "alerts":
            return
        from cstui.ui.forms import Field, FormScreen

        today = clock.today()
        alert_id = item.ref

        def submit(values: dict[str, Any]) -> None:
            until = values.get("until")  # the form hands back a date (or None)
            reason = str(values.get("reason") or "").strip()
            problems: dict[str, list[str]] = {}
            if not isinstance(until, date) or until <= today:
                problems["until"] = [t("today.snooze.bad_date")]
            if not reason:
                problems["reason"] = [t("today.snooze.need_reason")]
            if problems or not isinstance(until, date):
                raise InvalidRecord([m for ms in problems.values() for m in ms], problems)
            self.workspace.snooze_alert(alert_id, until, reason)
            self.notify(t("today.snooze.done", date=until.isoformat()), markup=False)

        fields = [
            Field(
                "until",
                t("today.snooze.until"),
                kind="date",
                value=today + timedelta(days=SNOOZE_DAYS),
                required=True,
            ),
            Field(
                "reason",
                t("today.snooze.reason"),
                kind="text",
                required=True,
                help=t("today.snooze.reason_help"),
            ),
        ]
        title = t("today.snooze.title", name=clean(item.account_name))
        self.app.push_screen(FormScreen(title, fields, submit))

    def action_section(self, delta: int) -> None:
        """Jump to the first line of the next (or previous) section that has lines."""
        lst = self.lines
        options = lst.options
        starts = [
            i
            for i, option in enumerate(options)
            if option.id in self._items and (i == 0 or options[i - 1].id not in self._items)
        ]
        if not starts:
            return
        here = lst.highlighted or 0
        if delta > 0:
            target = next((i for i in starts if i > here), starts[-1])
        else:  # to the start of this section, or of the previous one when already there
            target = max((i for i in starts if i < here), default=starts[0])
        lst.highlighted = target
        # Show the section from its heading (every option is one line: no wrapping).
        lst.scroll_to(y=max(target - 1, 0), animate=False, immediate=True)

    def action_toggle_scope(self) -> None:
        self.everyone = not self.everyone
        self.rebuild()
