"""The Textual application shell.

:func:`create_app` is the one factory shared by the CLI and the tests, so both run the same
app on a Workspace they opened. The app polls the data directory once a second so edits from
another pane or a teammate appear live, re-scores an account whenever something that feeds
its health changes, refreshes every score in the background after the first frame (scores
shown before that are the stored ones), and checkpoints the store when it exits.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import importlib
import os
import signal
import sys
import time
from collections import deque
from collections.abc import Callable
from typing import Any, ClassVar, Final

import rich
from textual import events, work
from textual.binding import Binding, BindingType
from textual.command import CommandPalette, Provider
from textual.driver import Driver
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.timer import Timer
from textual.widget import Widget
from textual.worker import WorkerFailed

from cstui import clock, i18n
from cstui.commands import AccountsProvider, ActionsProvider
from cstui.i18n import Msg, render, t
from cstui.screens.portfolio import PortfolioScreen
from cstui.store import FolderWatch
from cstui.ui.access import WorkspaceApp, on_workspace_change
from cstui.ui.localize import localize_bindings, localize_tree
from cstui.workspace import HEALTH_INPUT_TABLES, StoreError, Workspace, WorkspaceEvent

POLL_SECONDS = 1.0
"""How often the journal is looked at where the data folder cannot be watched."""
WATCHED_POLL_SECONDS = 30.0
"""The backstop poll when it is watched (writes from another machine are not reported)."""
WATCH_DELAY_SECONDS = 0.05
"""A burst of writes (a sync's pages, a teammate's bulk edit) gives one poll."""
WAIT_FOR_FOLD = 10.0
"""Seconds a teammate's large commit (a rescore, an import) is left unread for the
checkpoint that follows it (see ``Store.poll``): read from the replaced journal, it costs
the app a few MB instead of ~200 MB at 50,000 accounts. Past that, it is read anyway."""
HEALTH_CHUNK = 100
CADENCE_CHUNK = 100
"""Accounts of the touchpoint pass between two turns of the event loop (~15 ms)."""
HOLD_KEYS_S = 0.5
"""The longest keys wait for the key before them or for a screen it opened (see
``CSApp.on_event``): only a mark or a screen that never arrives takes that long."""
SCREENS: Final = {
    "today": "cstui.screens.today:TodayScreen",
    "kpis": "cstui.screens.kpis:KPIScreen",
    "renewals": "cstui.screens.renewals:RenewalsScreen",
    "requests": "cstui.screens.requests:RequestsScreen",
    "qbrs_due": "cstui.screens.qbrs_due:QBRsDueScreen",
    "sync": "cstui.screens.sync:SyncScreen",
    "conflicts": "cstui.screens.sync:ConflictsScreen",
}
"""The top-level screens a key opens (``show``), as ``module:class``: each is imported when
first opened, so start-up does not pay for them (as the CLI's commands)."""


WARM_UP: Final = "cstui.screens.account"
"""What the first key most often opens, imported after the first frame (with its tabs)."""


def _takes_text(widget: Widget) -> bool:
    """Whether ``widget`` is a text field (it takes every printable key). TextArea is
    looked for only if something imported it: importing it costs tens of milliseconds."""
    from textual.widgets import Input

    if isinstance(widget, Input):
        return True
    text_area = sys.modules.get("textual.widgets._text_area")
    return text_area is not None and isinstance(widget, text_area.TextArea)


class CSApp(WorkspaceApp):
    CSS_PATH = "app.tcss"
    TITLE = "cstui"
    COMMANDS: ClassVar[set[type[Provider] | Callable[[], type[Provider]]]] = {
        AccountsProvider,
        ActionsProvider,
    }

    def __init__(
        self, workspace: Workspace, *, lang: str = "en", poll: bool = True, rescore: bool = True
    ) -> None:
        i18n.set_language(lang)
        super().__init__(workspace)
        if "TEXTUAL_ANIMATIONS" not in os.environ:
            # No animations unless asked for: the tabs' underline slid for 0.3 s after every
            # switch, some fifteen frames of work and terminal output for one key (over SSH,
            # on the team server), where lazygit, k9s or htop draw a key's result once.
            self.animation_level = "none"
        localize_bindings(self)
        self.lang = lang
        self._poll = poll
        self._rescore = rescore
        self._pending: set[str] = set()
        self._storage_said: str | None = None
        self._watch: FolderWatch | None = None
        self._watch_poll: asyncio.TimerHandle | None = None
        self._polling = False
        """A poll is reading on a worker thread (see :meth:`poll_in_background`)."""
        self._poll_again = False
        self._after_poll: list[Callable[[], None]] = []
        """What to run once a poll asked for has told the screens (``poll_in_background``)."""
        self._handed_keys: deque[events.Key] = deque(maxlen=64)
        """Keys :meth:`on_key` handed to a text field (never handed twice)."""
        self._held: deque[events.Key] = deque()
        """Keys read while an earlier one is still at work (see :meth:`on_event`)."""
        self._in_flight: KeyHandled | None = None
        """The mark sent after the last key handed to a widget, until it comes back."""
        self._opening: Screen[Any] | None = None
        """A screen pushed and not yet drawn: keys wait for it."""
        self._choosing = False
        """Enter was read in the command palette: keys wait for its command to have run."""
        self._hold_timer: Timer | None = None

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "key.quit"),
        # As in a shell, vim or lazygit: Ctrl+Z puts the app in the background, `fg` brings
        # it back (a text area keeps Ctrl+Z for its own undo).
        Binding("ctrl+z", "suspend_process", "key.suspend", show=False),
        Binding("t", "show('today')", "key.today"),
        Binding("p", "show_portfolio", "key.portfolio"),
        Binding("question_mark", "help", "key.help"),
        # In a text field "?" is typed, so F1 is the help key there, and only there is it
        # shown: every footer keeps a way to the keys (see check_action). Elsewhere the
        # second F1 binding, unshown, still opens the help.
        Binding("f1", "help_in_text", "key.help", key_display="F1"),
        Binding("f1", "help", "key.help", show=False),
        # Only while the help panel is open (check_action): Escape closes it before the
        # screen's own Escape (priority), and these scroll it, as it takes no focus.
        Binding("escape", "hide_help", "key.help.close", priority=True),
        Binding("ctrl+down,shift+down", "help_scroll(1)", "key.help.down", show=False),
        Binding("ctrl+up,shift+up", "help_scroll(-1)", "key.help.up", show=False),
        Binding("u", "undo", "key.undo", show=False),
        Binding("U", "redo", "key.redo", show=False),
        # Textual adds its own ctrl+p binding, worded "palette" in every language, unless
        # the app binds the action itself.
        Binding("ctrl+p", "command_palette", "key.palette", show=False, priority=True),
        Binding("M", "show('kpis')", "key.book.kpis", show=False),
        Binding("N", "show('renewals')", "key.book.renewals", show=False),
        Binding("F", "show('requests')", "key.book.requests", show=False),
        Binding("Q", "show('qbrs_due')", "key.qbr.due", show=False),
        Binding("Y", "show('sync')", "key.syncui.sync", show=False),
        Binding("C", "show('conflicts')", "key.syncui.conflicts", show=False),
    ]

    async def on_event(self, event: events.Event) -> None:
        """Keys act in the order they were typed, on the screen the keys before them led to.

        Textual runs a priority binding as soon as it reads the key, but hands other keys
        to the focused widget's queue, where a binding further up runs later. So "t j j
        Enter" typed fast (or arriving in one SSH packet) moved and opened the portfolio's
        row, and Today came up over that account afterwards. Here, after each key, a mark
        is sent where the key went (or to what has the focus after its priority binding),
        and a second one where the focus is when the first comes back: queued behind what
        the key's bindings posted (a row's Selected, a form's Submitted, a tab's focus).
        A key read before both came back, or while a screen it opened is not yet drawn,
        waits, then goes on: to the new screen.
        """
        if isinstance(event, events.Key) and not event.is_forwarded:
            if self._keys_wait() or self._held:
                self._held.append(event)
                if self._hold_timer is None:
                    self._hold_timer = self.set_timer(HOLD_KEYS_S, self._stop_holding)
                return
            await self._read_key(event)
            return
        await super().on_event(event)

    async def _read_key(self, event: events.Key) -> None:
        before = self.focused or self.screen
        if event.key == "enter" and isinstance(self.screen, CommandPalette):
            # Its choice travels through several messages, then runs as a later call.
            self._choosing = True
            self._waiting()
        await super().on_event(event)
        self._send_mark(before if event.is_forwarded else (self.focused or self.screen), 1)

    def _send_mark(self, target: Widget, round_: int) -> None:
        mark = KeyHandled(round_)
        if target.post_message(mark):  # False: it is closing, nothing to wait for
            self._in_flight = mark
            self._waiting()

    async def on_key_handled(self, message: KeyHandled) -> None:
        if message is not self._in_flight:
            return
        if message.round == 1:
            self._send_mark(self.focused or self.screen, 2)
            if self._in_flight is not message:
                return
        self._in_flight = None
        await self._release_keys()

    def on_command_palette_closed(self, _message: CommandPalette.Closed) -> None:
        if self._choosing:  # after the command it chose (queued before this call)
            self.call_later(self._chosen)

    async def _chosen(self) -> None:
        self._choosing = False
        await self._release_keys()

    def push_screen(self, *args: Any, **kwargs: Any) -> Any:
        """Keys typed after one that opens a screen wait until it is drawn (its widgets
        mounted and focused), then go to it."""
        self._leave_help(args[0] if args else kwargs.get("screen"))
        result = super().push_screen(*args, **kwargs)
        self._wait_for_screen()
        return result

    def switch_screen(self, *args: Any, **kwargs: Any) -> Any:
        """As :meth:`push_screen` (an account opened from another account replaces it)."""
        self._leave_help(args[0] if args else kwargs.get("screen"))
        result = super().switch_screen(*args, **kwargs)
        self._wait_for_screen()
        return result

    def _wait_for_screen(self) -> None:
        screen = self.screen
        self._opening = screen
        self._waiting()
        screen.call_after_refresh(self._screen_drawn, screen)

    def _screen_drawn(self, screen: Screen[Any]) -> None:
        if self._opening is screen:
            self._opening = None
            self.call_later(self._release_keys)  # on the app's own task, in its order

    def _keys_wait(self) -> bool:
        """A key read now would go before what the keys before it are still doing."""
        return self._in_flight is not None or self._opening is not None or self._choosing

    def _waiting(self) -> None:
        """A new wait began: the held keys may wait for it up to ``HOLD_KEYS_S``."""
        if self._hold_timer is not None:
            self._hold_timer.reset()

    async def _release_keys(self) -> None:
        """Read the held keys, in order, until one of them has to be waited for again."""
        while self._held and not self._keys_wait():
            await self._read_key(self._held.popleft())
        if not self._held and self._hold_timer is not None:
            self._hold_timer.stop()
            self._hold_timer = None

    def _stop_holding(self) -> None:
        """A mark that never comes back (its widget removed) or a screen never drawn
        (dismissed at once) must not keep the keys: after ``HOLD_KEYS_S`` of one wait,
        they go on."""
        self._hold_timer = None
        self._in_flight = None
        self._opening = None
        self._choosing = False
        self.call_later(self._release_keys)

    def on_key(self, event: events.Key) -> None:
        """A printable key that reaches the app while a text field has the focus was read
        before the field had it: typed while a form opened ("l" then a summary, typed fast
        or arriving in one SSH packet), it went to the screen below, whose bindings had
        moved on with the form. The field would have taken it: hand it over, in order,
        instead of losing it (once: a key the field turns down is not handed again).
        Keys now wait for a screen to be drawn (:meth:`on_event`), so this is for a form
        that took longer than ``HOLD_KEYS_S`` to draw."""
        field = self.focused
        if not event.is_printable or field is None or not _takes_text(field):
            return
        if any(handed is event for handed in self._handed_keys):
            return
        event.stop()
        key = events.Key(event.key, event.character)
        self._handed_keys.append(key)
        field.post_message(key)

    def get_driver_class(self) -> type[Driver]:
        """Textual's driver for this terminal; on Linux and macOS the same one with a key
        reader that sleeps while nothing is typed (``cstui.ui.driver``): twenty idle apps
        on a team server otherwise wake two hundred times a second between them."""
        from textual import constants
        from textual.drivers.linux_driver import LinuxDriver

        driver = super().get_driver_class()
        if driver is LinuxDriver and constants.DRIVER is None:  # not chosen by TEXTUAL_DRIVER
            from cstui.ui.driver import QuietLinuxDriver

            return QuietLinuxDriver
        return driver

    def get_default_screen(self) -> Screen[None]:
        """The portfolio is the app's base screen, composed with the app.

        Pushed from ``on_mount`` instead, it was composed inside the app's mount, whose
        frame Textual never shows; the first frame a user saw came about 0.1 s later.
        """
        return PortfolioScreen()

    def on_mount(self) -> None:
        self.title = t("app.title")
        self.sub_title = t("app.subtitle")
        gc.freeze()  # the loaded book is long-lived: keep the collector from rescanning it
        # `cstui` starts with the collector off (cstui.cli.main): on after the first frame.
        self.call_after_refresh(gc.enable)
        # After the first frame: a user's kpis.toml is read and checked for them (pydantic).
        self.call_after_refresh(self._say_warnings)
        on_workspace_change(self, self._on_workspace_event)
        if self._poll:
            # After the first frame: watching the folder loads ctypes (~30 ms). A write in
            # between is caught by the poll it starts with.
            self.call_after_refresh(self._start_polling)
        if self._rescore:
            self.call_after_refresh(self.rescore_all)  # the first frame does not wait
        self.call_after_refresh(self._warm_up)
        self.app_resume_signal.subscribe(self, self._redraw_after_resume)

    def _say_warnings(self) -> None:
        for warning in self.workspace.warnings:
            self.notify(warning, severity="warning", timeout=10, markup=False)

    def _redraw_after_resume(self, _app: object) -> None:
        """Back from Ctrl+Z (`fg`): draw the whole screen again. The terminal's screen
        was cleared while the shell had it, and Textual draws only what changed, so it
        stayed blank until a key changed something."""
        self.refresh(layout=True)

    @work(thread=True, group="warm-up", exit_on_error=False)
    def _warm_up(self) -> None:
        """Import the account screen and its tabs' panes and parse the health model while
        the user reads the portfolio: the start-up leaves them out (the first frame does
        not need them), and the first account opened paid for them (~150 ms of imports on
        the key); then prepare the store's per-account reads and parse the screen's
        stylesheet (~20 and ~30 ms of that first key at 50,000 accounts)."""
        from cstui.screens.account_tabs import tabs

        module = importlib.import_module(WARM_UP)
        tabs()  # imports each pane's module
        # The health model, which the start leaves unparsed (pydantic: ~35 ms, and ~30 of
        # imports, of the first account opened, whose score and breakdown read it).
        _ = self.workspace.settings.health
        with contextlib.suppress(StoreError):  # a storage problem is said when it matters
            self.workspace.prepare_account_reads()
            self.workspace.keep_rows()  # built from the tables: the next start reads them
        with contextlib.suppress(RuntimeError):  # the app closed meanwhile
            self.call_from_thread(self._read_css_ahead, module.AccountScreen)

    def _read_css_ahead(self, make: Callable[[str], Screen[Any]]) -> None:
        """Load a screen's stylesheet before it is first shown, as Textual does when it is
        first pushed (it parses every stylesheet again then: ~30 ms of the first account
        opened). The screen made here is thrown away: Textual resolves its file's path."""
        screen = make("")  # on the app's thread, as every screen is made
        if not self._exit:
            self._load_screen_css(screen)  # Textual's own step of a push (pinned version)

    # ---------------------------------------------------------------- data upkeep
    def report_storage(self, exc: StoreError) -> None:
        """Say a storage problem in one sentence, once: the poll would repeat it every
        second. The app keeps running with what it has; the same problem is said again
        only after something worked in between."""
        text = str(exc)
        if text == self._storage_said:
            return
        self._storage_said = text
        self.notify(text, severity="error", timeout=20, markup=False)

    def _start_polling(self) -> None:
        """Poll when the data folder's files change (Linux: ``inotify``), with a slow
        backstop; elsewhere every second. An idle app on a watched folder wakes up only
        for the backstop (twenty of them on a team server cost nothing measurable)."""
        self._watch = self.workspace.watch()
        if self._watch is not None:
            try:
                asyncio.get_running_loop().add_reader(self._watch.fileno(), self._on_folder_write)
            except (OSError, ValueError, NotImplementedError):
                self._watch.close()
                self._watch = None
        every = POLL_SECONDS if self._watch is None else WATCHED_POLL_SECONDS
        self.set_interval(every, self.poll_in_background)
        self.poll_store()

    def _on_folder_write(self) -> None:
        if self._watch is None:
            return
        self._watch.drain()
        if self._watch_poll is None:
            self._watch_poll = asyncio.get_running_loop().call_later(
                WATCH_DELAY_SECONDS, self._watched_poll
            )

    def _watched_poll(self) -> None:
        self._watch_poll = None
        if self.is_running and not self._exit:
            self.poll_in_background()

    def _stop_polling(self) -> None:
        if self._watch_poll is not None:
            self._watch_poll.cancel()
            self._watch_poll = None
        if self._watch is not None:
            with contextlib.suppress(Exception):
                asyncio.get_running_loop().remove_reader(self._watch.fileno())
            self._watch.close()
            self._watch = None

    def poll_in_background(self, then: Callable[[], None] | None = None) -> None:
        """:meth:`poll_store`, its reading on a worker thread and its telling the screens on
        this one: a teammate's rescore of 50,000 accounts stopped every open app's event
        loop for 2.1 s (0.9 s now, the screens taking the new scores). One poll at a time;
        a call during one makes it look again when it ends. ``then`` runs on this thread
        once a poll that left nothing unread has told the screens."""
        if then is not None:
            self._after_poll.append(then)
        if self._polling:
            self._poll_again = True
            return
        self._polling = True
        self.run_worker(self._poll_off_thread(), group="poll", exit_on_error=False)

    def _keep_rows(self) -> None:
        """Keep the portfolio's rows for the next start, on a worker thread (see
        ``Portfolio.keep_rows``); a storage problem is said when it matters."""

        def keep() -> None:
            with contextlib.suppress(StoreError):
                self.workspace.keep_rows()

        self.run_worker(keep, thread=True, group="keep-rows", exit_on_error=False)

    async def _poll_off_thread(self) -> None:
        try:
            again = True
            while again and self.is_running and not self._exit:
                self._poll_again = False
                try:
                    changes = await asyncio.to_thread(
                        self.workspace.poll, notify=False, wait_for_fold=WAIT_FOR_FOLD
                    )
                    if self._exit or not self.is_running:
                        return  # closing: the screens are going, nothing to tell them
                    self.workspace.announce(changes)
                except Exception as exc:
                    self._say_poll_failed(exc)
                    return
                self._storage_said = None
                deferred = self.workspace.store.deferred
                while deferred is None and self._after_poll and not self._poll_again:
                    self._after_poll.pop(0)()
                if deferred is not None:  # a large commit: look again when it is due
                    delay = max(0.05, deferred - time.monotonic() + 0.05)
                    self.set_timer(delay, self.poll_in_background)
                again = self._poll_again
        finally:
            self._polling = False

    def poll_store(self) -> None:
        """Apply other processes' edits; subscribers refresh what they show."""
        try:
            self.workspace.poll()
        except Exception as exc:
            self._say_poll_failed(exc)
        else:
            self._storage_said = None

    def _say_poll_failed(self, exc: Exception) -> None:
        """A poll that failed, said: a storage problem (unreadable journal, permissions)
        once, as :meth:`report_storage` does; anything else (a broken journal must not kill
        the UI) as it comes. The app goes on with what it has."""
        if isinstance(exc, StoreError):
            self.report_storage(exc)
        else:
            self.notify(str(exc), severity="error", timeout=15, markup=False)

    def _on_workspace_event(self, event: WorkspaceEvent) -> None:
        if self._rescore and event.tables & HEALTH_INPUT_TABLES and event.account_ids:
            if not self._pending:
                self.call_later(self._rescore_pending)
            self._pending |= event.account_ids

    def _rescore_pending(self) -> None:
        ids, self._pending = self._pending, set()
        try:
            self.workspace.refresh_health(ids)
        except StoreError as exc:  # scores stay as stored; the next change retries
            self.report_storage(exc)

    @work(exclusive=True, group="rescore")
    async def rescore_all(self) -> None:
        """Today's scores for every account, then today's executive-touchpoint tasks: the
        day's work a new day brings, after the first frame."""
        await self._rescore_book()
        await self._touchpoint_pass()

    async def _touchpoint_pass(self) -> None:
        """Open today's touchpoint tasks, as ``cstui today`` and ``cstui tasks`` do (the
        Today screen and an account's Tasks showed none of them until one of those ran):
        the whole book once a day per data folder, then the accounts changed since. A
        large book's pass runs in a child process, whose tasks come through the journal; a
        small one's here, in chunks so that keys keep working."""
        ws = self.workspace
        try:
            written = await asyncio.to_thread(ws.cadence_elsewhere)
            if written is not None:
                if written:  # the screens hear of the tasks now (a watch would, later)
                    self.poll_in_background()
                return
            for _ in ws.cadence_steps(CADENCE_CHUNK):
                await asyncio.sleep(0)
        except StoreError as exc:  # the tasks come with the next start
            self.report_storage(exc)

    async def _rescore_book(self) -> None:
        """Today's scores for every account, in chunks so the UI keeps answering keys.

        One process per data folder does it (under the store's rescore lock); the others
        see the lock held and get the new scores through the journal, like any edit. A
        storage error (disk full, lock held) leaves the stored scores on screen.
        """
        ws = self.workspace
        try:
            if ws.health_is_current():
                return
            # A large book rescores in a child process: it parses every table, and this
            # one would keep that memory for the rest of the session.
            if await asyncio.to_thread(ws.rescore_elsewhere, poll=False) is not None:
                # The screens hear of the scores on this thread; then the rows are kept for
                # the snapshot the child folded them into (a team folder's for the team: the
                # day's other first starts read them instead of building them).
                self.poll_in_background(then=self._keep_rows)
                return
            lock = ws.rescore_lock()
            if not lock.try_acquire():
                return  # another process is rescoring today: its results arrive by the poll
            try:
                ws.poll()  # a process that just finished left nothing to do
                if ws.health_is_current():
                    return
                some = ws.accounts_to_score()
                if some is not None:  # scored for the day but for a few (an import's)
                    ws.refresh_health(sorted(some))
                    return
                # Parsing the big tables (activities, usage) is the slow part of a large
                # book: do it off the event loop so keys keep working, then score in small
                # chunks on it.
                await asyncio.to_thread(ws.preload, HEALTH_INPUT_TABLES)
                ids = [r.id for r in ws.portfolio()]
                results = []
                for start in range(0, len(ids), HEALTH_CHUNK):
                    chunk = ids[start : start + HEALTH_CHUNK]
                    results.extend(ws.evaluate(chunk, cache_models=False))
                    await asyncio.sleep(0)
                ws.record_health(results)
                ws.empty_old_months(clock.today())
                del results, ids  # before the release, so their memory goes back too
                ws.release_health_inputs()
            finally:
                lock.release()
        except StoreError as exc:
            self.report_storage(exc)

    def _handle_exception(self, error: Exception) -> None:
        """A storage error no screen caught (a tick on a full disk) is one sentence and the
        app goes on; anything else is a crash, printed without record contents."""
        cause = error.error if isinstance(error, WorkerFailed) else error
        if isinstance(cause, StoreError):
            self.report_storage(cause)
            return
        super()._handle_exception(error)

    def _fatal_error(self) -> None:
        """Textual's crash report, minus what may hold customer data.

        Textual renders it with ``show_locals=True`` and offers no setting to turn that off
        (Textual 8.2.8; overriding this method is the known way), and an exception's own
        message can quote a record too (pydantic quotes the input). So: no locals, and only
        the exception's type (store errors never get here: see ``_handle_exception``).
        """
        from rich.segment import Segments
        from rich.traceback import Traceback

        self.bell()
        exc_type, exc, tb = sys.exc_info()
        if exc_type is None or exc is None:
            super()._fatal_error()
            return
        trace = Traceback.extract(exc_type, exc, tb, show_locals=False)
        for stack in trace.stacks:  # the exception and its causes
            stack.exc_value = "(message left out: it may quote customer data)"
            stack.syntax_error = None
        traceback = Traceback(trace, show_locals=False, width=None, suppress=[rich])
        self._exit_renderables.append(
            Segments(self.console.render(traceback, self.console.options))
        )
        self._close_messages_no_wait()

    # ---------------------------------------------------------------- navigation
    def open_account(self, account_id: str, *, replace: bool = False) -> None:
        from cstui.screens.account import AccountScreen

        if replace and isinstance(self.screen, AccountScreen):
            self.switch_screen(AccountScreen(account_id))
        else:
            self.push_screen(AccountScreen(account_id))

    def action_undo(self) -> None:
        """Take back this session's last change, on any screen (a new change, journaled)."""
        self._take_back(self.workspace.undo, "undo.undid", "undo.nothing")

    def action_redo(self) -> None:
        """Make again the change ``u`` last took back."""
        self._take_back(self.workspace.redo, "undo.redid", "undo.nothing_redo")

    def _take_back(self, step: Callable[[], Msg | None], said: str, nothing: str) -> None:
        try:
            label = step()
        except StoreError as exc:
            self.report_storage(exc)
            return
        if label is None:
            self.notify(t(nothing), markup=False)
        else:
            self.notify(t(said, what=render(label)), markup=False)

    def action_show(self, name: str) -> None:
        """Open a top-level screen (:data:`SCREENS`) once: its key again stacks no copy (the
        sync screen syncs when it opens: never twice at once). One already open under
        others is brought back (the screens above it close), so going back and forth
        (KPIs, renewals, KPIs…) never deepens the stack; Escape goes back one screen (from
        the renewals to the KPIs they were opened from), ``p`` to the portfolio."""
        module, _, attr = SCREENS[name].partition(":")
        screen_type: type[Screen[None]] = getattr(importlib.import_module(module), attr)
        if isinstance(self.screen, screen_type):
            return
        stack = self.screen_stack
        below = [i for i, screen in enumerate(stack) if isinstance(screen, screen_type)]
        # Never over a dialog: closing it would lose what is typed in it.
        if below and not any(isinstance(s, ModalScreen) for s in stack[below[-1] :]):
            while not isinstance(self.screen, screen_type):
                self.pop_screen()
            return
        self.push_screen(screen_type())

    def action_show_portfolio(self) -> None:
        while len(self.screen_stack) > 1 and not isinstance(self.screen, PortfolioScreen):
            self.pop_screen()

    def action_record_survey(self) -> None:
        """Survey form for the open account; asks which account when none is open."""
        from cstui.screens.account import AccountScreen
        from cstui.screens.kpis import record_survey_flow

        screen = self.screen
        record_survey_flow(self, screen.account_id if isinstance(screen, AccountScreen) else None)

    def action_command_palette(self) -> None:
        """Textual's palette, with its search field worded in the UI language."""
        from textual.command import CommandPalette

        from cstui.ui.localize import Palette

        if self.use_command_palette and not isinstance(self.screen, CommandPalette):
            placeholder = t("palette.placeholder")
            self.push_screen(Palette(placeholder=placeholder, id="--command-palette"))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "help_in_text":
            focused = self.focused  # a text field takes "?" as a character
            return focused is not None and focused.check_consume_key("question_mark", "?")
        if action in ("hide_help", "help_scroll"):
            # Off (and so neither listed nor taking the key) unless the panel is open.
            return bool(self.screen.query("HelpPanel"))
        return super().check_action(action, parameters)

    def action_suspend_process(self) -> None:
        """Ctrl+Z as the terminal itself does it: the whole job stops, so a shell that ran
        cstui through another program (``make demo``) gets the terminal back. Textual
        stopped this process alone: the shell, still waiting for the program, never came
        back. With no job-control shell above (``ssh -t host cstui``: cstui leads its own
        session) nothing could continue it, so it says so instead of stopping; nor does
        it stop while it works on the folder (a stopped process holding the folder's lock
        would keep teammates waiting until `fg`)."""
        driver = self._driver
        if driver is None or not driver.can_suspend:
            return
        if os.getpgrp() == os.getsid(0):
            self.notify(t("app.no_job_control"), severity="warning", markup=False)
            return
        with self.workspace.quiet() as quiet:
            if not quiet:
                self.notify(t("app.suspend_busy"), severity="warning", markup=False)
                return
            self._suspend_signal()  # published while the app still draws, as Textual does
            _stop_job(driver)
        self._resume_signal()  # and the whole screen is drawn again (on_mount)

    def action_help_quit(self) -> None:
        """Ctrl+C, which quits many terminal programs but not this one: say which key does,
        in the UI language (Textual's own toast is English: "Do you want to quit?")."""
        for key, active in self.active_bindings.items():
            if active.binding.action in ("quit", "app.quit"):
                self.notify(
                    t("app.quit_hint", quit=key), title=t("app.quit_hint.title"), markup=False
                )
                return

    def action_help_in_text(self) -> None:
        self.action_help()

    def action_help(self) -> None:
        if self.screen.query("HelpPanel"):
            self.action_hide_help_panel()
        else:
            self.action_show_help_panel()

    def action_show_help_panel(self) -> None:
        """The keys of the screen (``cstui.ui.help``), worded in the UI language."""
        from cstui.ui.help import KeysPanel

        screen = self.screen
        if not screen.query("HelpPanel"):
            localize_tree(screen)  # Textual's own widgets' keys, in the UI language
            screen.mount(KeysPanel())
            self.call_after_refresh(localize_tree, screen)  # and the panel's own
            self.call_after_refresh(screen.refresh_bindings)  # the footer: "esc Close keys"

    def action_hide_help_panel(self) -> None:
        """Close the panel on every screen: one left open under this one (a dialog's, or
        one opened before) would come back with it."""
        for screen in self.screen_stack:
            self._remove_help(screen)

    def action_hide_help(self) -> None:
        self.action_hide_help_panel()

    def action_help_scroll(self, direction: int) -> None:
        from cstui.ui.help import KeysPanel

        for panel in self.screen.query(KeysPanel):
            panel.scroll_keys(direction)

    def _leave_help(self, screen: object) -> None:
        """Leaving a screen for another (not a dialog over it) closes its help panel: it
        listed that screen's keys, and coming back to the screen is not asking for it."""
        if not isinstance(screen, ModalScreen) and self.screen_stack:
            self._remove_help(self.screen)

    def _remove_help(self, screen: Screen[Any]) -> None:
        panels = screen.query("HelpPanel")
        if panels:
            panels.remove()
            self.call_after_refresh(screen.refresh_bindings)  # its Escape is the screen's again

    def on_unmount(self) -> None:
        self._stop_polling()
        self.workspace.close()


class KeyHandled(Message):
    """Sent to a widget right after a key handed to it: it comes back to the app after
    the key has been dealt with there and by every node above (a binding that opens a
    screen included), as messages are handled in order. ``round`` 2 is the one sent where
    the focus is once round 1 is back."""

    def __init__(self, round_: int) -> None:
        super().__init__()
        self.round = round_


def create_app(
    workspace: Workspace, *, lang: str = "en", poll: bool = True, rescore: bool = True
) -> CSApp:
    return CSApp(workspace, lang=lang, poll=poll, rescore=rescore)


def _stop_job(driver: Driver) -> None:
    """Give the terminal back, stop this process's whole job until `fg`, take the terminal
    again. Textual's own handlers are off meanwhile (they would stop and restart the
    application mode a second time, and stop this process alone); the terminal's own
    Ctrl+Z during the restart stops the whole job too."""
    stops = (signal.SIGTSTP, signal.SIGCONT, signal.SIGTTOU)
    saved = {sig: signal.signal(sig, signal.SIG_DFL) for sig in stops}
    try:
        driver.suspend_application_mode()  # the terminal as it was, output flushed
        os.killpg(os.getpgrp(), signal.SIGTSTP)  # the job stops here until `fg`
        while not _in_foreground():  # continued with `bg`: wait for `fg`, stopped
            os.killpg(os.getpgrp(), signal.SIGTTOU)
            time.sleep(0.05)  # a stop the system discards must not become a busy loop
        driver.resume_application_mode()
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)


def _in_foreground() -> bool:
    """Whether this process's group has the terminal (or there is no terminal to ask)."""
    stdin = sys.__stdin__
    try:
        return stdin is None or os.tcgetpgrp(stdin.fileno()) == os.getpgrp()
    except (OSError, ValueError):
        return True
