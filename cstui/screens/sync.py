"""The sync screen (progress you can cancel) and the Conflicts screen (decide each field).

A sync runs in a thread worker through ``Workspace.run_sync``, which opens its own Store on
the data folder: the app's Store only ever commits on the UI thread, and the sync's writes
arrive through the normal poll like another process's. Progress crosses threads with
``post_message`` (thread-safe and non-blocking, so the engine never waits for a repaint and
a closing app cannot leave the worker stuck). Cancelling sets the engine's event; it stops
between pages and everything saved so far stays consistent.

Conflict values come from the CRM and other people: they are shown literally, cleaned of
control characters, never as markup.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, replace
from typing import Any, ClassVar, Literal

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Header, OptionList, ProgressBar, Static
from textual.widgets.option_list import Option
from textual.worker import Worker, WorkerState

from cstui.domain.models import InvalidRecord
from cstui.i18n import count, render, t
from cstui.sanitize import clean, show_value
from cstui.sync import (
    Cancelled,
    Conflict,
    Failure,
    Progress,
    ResolveError,
    SyncError,
    SyncReport,
)
from cstui.sync.hub import ADAPTER as HUB_ADAPTER
from cstui.ui.access import UsesWorkspace, on_workspace_change
from cstui.ui.footer import KeyFooter
from cstui.ui.lists import LETTER_MOVES
from cstui.ui.localize import localize_bindings
from cstui.ui.wrap import Wrapped
from cstui.workspace import WorkspaceEvent

SHOW_FAILURES = 5
"""Rejected items listed on the summary; the CLI's ``cstui sync`` prints them all."""

State = Literal["running", "done", "cancelled", "failed", "unconfigured"]


@dataclass(frozen=True)
class _Outcome:
    state: State
    report: SyncReport | None = None
    message: str = ""


class SyncScreen(UsesWorkspace, Screen[None]):
    """Runs one sync on open: a progress bar, running counts, then a summary."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "key.syncui.back"),
        Binding("c", "cancel", "key.syncui.cancel"),
        Binding("Y", "again", "key.syncui.again"),
    ]
    CSS_PATH = "sync.tcss"

    class Progressed(Message):
        """One engine progress report, posted from the worker thread."""

        def __init__(self, progress: Progress) -> None:
            super().__init__()
            self.progress = progress

    def __init__(self) -> None:
        super().__init__()
        localize_bindings(self)
        self.state: State = "running"
        self.report: SyncReport | None = None
        self.message = ""
        self._cancel = threading.Event()
        self._done: Counter[tuple[str, str]] = Counter()

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="sync-body"):
            yield Static(t("syncui.title"), id="sync-title", markup=False)
            yield Static(id="sync-phase", markup=False)
            yield ProgressBar(total=None, show_eta=False, id="sync-bar")
            yield Static(id="sync-counts", markup=False)
            yield Static(id="sync-message", markup=False)
            yield Static(id="sync-hint", markup=False)
        yield KeyFooter()

    def on_mount(self) -> None:
        self.sub_title = t("syncui.screen")  # the header names the screen, as every one's
        self.start()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Only the keys that do something now: cancel while running, again when idle."""
        if action == "cancel":
            return self.running
        if action == "again":
            return not self.running
        return True

    def _set_state(self, state: State) -> None:
        self.state = state
        self._show_bar()
        self.refresh_bindings()

    def _show_bar(self) -> None:
        """The bar only means something while a sync runs or once it finished; while the
        total is unknown it shows only if it can move (with animations off, Textual draws
        an unknown total as a full bar: "done" before anything ran)."""
        bar = self.query_one("#sync-bar", ProgressBar)
        moving = bar.total is not None or self.app.animation_level != "none"
        bar.display = self.state == "done" or (self.state == "running" and moving)

    def on_unmount(self) -> None:
        self._cancel.set()  # leaving (or quitting) stops the engine at its next page

    # ------------------------------------------------------------------ running
    @property
    def running(self) -> bool:
        return self.state == "running"

    def start(self) -> None:
        self.report, self.message = None, ""
        problem = self.workspace.sync_setup_problem()
        if problem is not None:
            self._unconfigured(problem)
            return
        self._set_state("running")
        self._cancel = threading.Event()
        self._done = Counter()
        self.query_one("#sync-phase", Static).update(t("syncui.starting"))
        self.query_one("#sync-bar", ProgressBar).update(total=None, progress=0)
        self._show_bar()
        self.query_one("#sync-message", Static).update("")
        self.query_one("#sync-phase").remove_class("error")
        self._show_counts()
        self.query_one("#sync-hint", Static).update(t("syncui.hint.running"))
        self.run_worker(self._work, thread=True, exclusive=True, group="sync")

    def _unconfigured(self, problem: str) -> None:
        """Nothing to run: say why and how to set it up, with no progress to wait for."""
        self._set_state("unconfigured")
        phase = self.query_one("#sync-phase", Static)
        # Long Japanese sentences: broken by the kinsoku rules, not wherever the width ends.
        phase.update(Wrapped(t("syncui.unconfigured", problem=clean(problem))))
        phase.add_class("error")
        self.query_one("#sync-message", Static).update(Wrapped(t("syncui.setup")))
        self.query_one("#sync-counts", Static).update("")
        self.query_one("#sync-hint", Static).update(t("syncui.hint.unconfigured"))

    def _work(self) -> _Outcome:
        """On the worker thread: the whole sync, turned into an outcome (never raises)."""
        cancel = self._cancel

        def progress(p: Progress) -> None:
            if not cancel.is_set():
                self.post_message(self.Progressed(p))

        try:
            report = self.workspace.run_sync(progress=progress, cancel=cancel)
        except Cancelled:
            return _Outcome("cancelled")
        except SyncError as exc:
            return _Outcome("failed", message=str(exc))
        except Exception as exc:  # a store problem: still one line, and the app goes on
            return _Outcome("failed", message=str(exc) or type(exc).__name__)
        return _Outcome("done", report=report)

    def on_sync_screen_progressed(self, event: Progressed) -> None:
        p = event.progress
        if not self.running:
            return
        if p.phase != "done":
            self._done[(p.phase, p.table)] = p.done
        self.query_one("#sync-phase", Static).update(t(f"syncui.phase.{p.phase}", table=p.table))
        bar = self.query_one("#sync-bar", ProgressBar)
        if p.total:
            bar.update(total=p.total, progress=p.done)
        elif p.phase != "done":
            bar.update(total=None)
        self._show_bar()
        self._show_counts()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "sync" or event.state != WorkerState.SUCCESS:
            return
        outcome = event.worker.result
        if isinstance(outcome, _Outcome):
            self._finish(outcome)

    def _finish(self, outcome: _Outcome) -> None:
        self.report, self.message = outcome.report, outcome.message
        self._set_state(outcome.state)
        try:
            self.workspace.poll()  # show the sync's writes now rather than at the next tick
        except Exception as exc:
            self.notify(str(exc), severity="error", markup=False)
        bar = self.query_one("#sync-bar", ProgressBar)
        message = self.query_one("#sync-message", Static)
        phase = self.query_one("#sync-phase", Static)
        if outcome.state == "done" and outcome.report is not None:
            report = outcome.report
            bar.update(total=1, progress=1)
            phase.update(t("syncui.done", seconds=report.seconds))
            message.update(self._summary(report))
        elif outcome.state == "cancelled":
            phase.update(t("syncui.cancelled"))
            message.update("")
        else:
            phase.update(t("syncui.failed", message=clean(outcome.message)))
            message.update("")
            self.query_one("#sync-phase").add_class("error")
        self._show_counts()
        self.query_one("#sync-hint", Static).update(t("syncui.hint.idle"))

    @staticmethod
    def _summary(report: SyncReport) -> str:
        lines = []
        if report.failures:
            lines.append(t("syncui.done.failures", n=count(len(report.failures))))
            for failure in report.failures[:SHOW_FAILURES]:
                lines.append(f"  {failure_line(failure)}")
            if len(report.failures) > SHOW_FAILURES:
                lines.append(f"  … +{len(report.failures) - SHOW_FAILURES}")
        if report.open_conflicts:
            lines.append(t("syncui.done.conflicts", n=count(report.open_conflicts)))
        if not lines:
            lines.append(t("syncui.done.clean"))
        return "\n".join(lines)

    def counts(self) -> dict[str, int]:
        """Pulled/pushed so far (final numbers from the report once it is done)."""
        report = self.report
        if report is not None:
            return {
                "pulled": sum(report.pulled.values()),
                "pushed": sum(report.pushed.values()) + sum(report.deleted.values()),
                "conflicts": report.open_conflicts,
                "errors": len(report.failures),
            }
        pulled = sum(n for (phase, _), n in self._done.items() if phase == "pull")
        pushed = sum(n for (phase, _), n in self._done.items() if phase != "pull")
        return {"pulled": pulled, "pushed": pushed, "conflicts": 0, "errors": 0}

    def _show_counts(self) -> None:
        self.query_one("#sync-counts", Static).update(t("syncui.counts", **self.counts()))

    # ------------------------------------------------------------------ keys
    def action_cancel(self) -> None:
        if self.running and not self._cancel.is_set():
            self._cancel.set()
            self.query_one("#sync-phase", Static).update(t("syncui.cancelling"))

    def action_back(self) -> None:
        """Esc cancels a running sync (it is never left running unseen), else goes back."""
        if self.running:
            self.action_cancel()
        else:
            self.dismiss(None)

    def action_again(self) -> None:
        if not self.running:
            self.start()


class ConflictList(OptionList):
    """Two lines per conflict: what and where, then base / mine / theirs."""

    BINDINGS: ClassVar[list[BindingType]] = [*LETTER_MOVES]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, markup=False)


def failure_line(failure: Failure) -> str:
    """The refused record, its account when it is not the account itself, and why."""
    where = clean(failure.label)
    if failure.account and failure.account != failure.label:
        where += f" ({clean(failure.account)})"
    return f"{where}: {clean(failure.message)}"


def conflict_source(c: Conflict) -> Literal["crm", "hub"]:
    """Where "theirs" came from: the team hub (a teammate's edit) or the CRM. Every
    sentence about a conflict is worded by it."""
    return "hub" if c.adapter == HUB_ADAPTER else "crm"


def conflict_prompt(c: Conflict) -> Text:
    source = conflict_source(c)
    line = Text(no_wrap=True, overflow="ellipsis")
    line.append(clean(c.label) or "—", style="bold")
    # The gaps unstyled: spaces at the edge of a styled span are dropped when drawn.
    line.append("  ")
    line.append(f"{clean(c.table)}.{clean(c.field)}", style="dim")
    line.append("  ")
    kind = f"{c.kind}.{source}" if c.kind == "deleted" else c.kind
    line.append(t(f"syncui.conflicts.kind.{kind}"), style="yellow")
    line.append("\n    ")
    if c.kind == "deleted":
        line.append(t(f"syncui.conflicts.deleted.{source}"))
        return line
    line.append(
        t(
            f"syncui.conflicts.values.{source}",
            base=show_value(c.base),
            mine=show_value(c.mine),
            theirs=show_value(c.theirs),
        )
    )
    return line


THEIRS_KEY = "i"
"""Take the incoming (CRM's or team hub's) value. Not `t`: that opens Today on every screen,
and a key that settles a conflict must not mean something else one screen away."""


class ConflictsScreen(UsesWorkspace, Screen[None]):
    """Open conflicts; each key settles the highlighted one locally (the next sync the CRM)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("m", "resolve('mine')", "key.syncui.mine"),
        Binding(THEIRS_KEY, "resolve('theirs')", "key.syncui.theirs.crm"),
        Binding("e", "edit", "key.syncui.edit"),
        Binding("escape", "back", "key.syncui.back"),
    ]
    CSS_PATH = "sync.tcss"

    def __init__(self) -> None:
        super().__init__()
        localize_bindings(self)
        self.conflicts: list[Conflict] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="conflicts-title", markup=False)
        yield Static(t("syncui.conflicts.hint.crm"), id="conflicts-hint", markup=False)
        yield ConflictList(id="conflicts-list")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.sub_title = t("syncui.conflicts.screen")
        on_workspace_change(self, self._on_workspace_event)
        self.reload()
        self.query_one(ConflictList).focus()

    def _on_workspace_event(self, event: WorkspaceEvent) -> None:
        if "conflicts" in event.tables:
            self.reload()

    def reload(self) -> None:
        """Re-read the conflicts, keeping the cursor on the same one (or the next)."""
        lst = self.query_one(ConflictList)
        keep = lst.highlighted
        self.conflicts = self.workspace.sync_conflicts()
        lst.clear_options()
        if self.conflicts:
            lst.add_options([Option(conflict_prompt(c), id=c.id) for c in self.conflicts])
            lst.highlighted = min(keep or 0, len(self.conflicts) - 1)
        else:
            lst.add_option(Option(t("syncui.conflicts.empty"), disabled=True))
        self.query_one("#conflicts-title", Static).update(
            t("syncui.conflicts.title", n=count(len(self.conflicts)))
        )
        self.word_by_source()

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self.word_by_source()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """m, t and e only while there is a conflict to settle (else the footer hides them)."""
        if action in ("resolve", "edit"):
            return bool(self.conflicts)
        return True

    def word_by_source(self) -> None:
        """The hint line and the `i` key name where the highlighted conflict came from."""
        current = self.current
        source = conflict_source(current) if current is not None else "crm"
        hint = self.query_one("#conflicts-hint", Static)
        hint.update(t(f"syncui.conflicts.hint.{source}"))
        hint.display = current is not None
        table = self._bindings.key_to_bindings
        label = t(f"key.syncui.theirs.{source}")
        if any(b.description != label for b in table.get(THEIRS_KEY, [])):
            table[THEIRS_KEY] = [replace(b, description=label) for b in table[THEIRS_KEY]]
        self.refresh_bindings()

    @property
    def current(self) -> Conflict | None:
        index = self.query_one(ConflictList).highlighted
        if index is None or not self.conflicts or index >= len(self.conflicts):
            return None
        return self.conflicts[index]

    def action_resolve(self, choice: str) -> None:
        c = self.current
        if c is None:
            return
        try:
            self.workspace.resolve_conflict(c.id, choice)
        except ResolveError as exc:
            self.notify(render(exc.message), severity="error", markup=False)
        else:
            resolved = f"syncui.conflicts.resolved.{choice}.{conflict_source(c)}"
            self.notify(t(resolved), markup=False)
        self.reload()

    def action_edit(self) -> None:
        c = self.current
        if c is None:
            return
        from cstui.ui.forms import Field, FormScreen

        source = conflict_source(c)

        def submit(values: dict[str, Any]) -> None:
            value = values.get("value")
            try:
                self.workspace.resolve_conflict(c.id, "edit", None if value == "" else value)
            except ResolveError as exc:
                said = render(exc.message)
                raise InvalidRecord([said], {"value": [said]}) from None
            self.notify(t(f"syncui.conflicts.resolved.edit.{source}"), markup=False)
            self.reload()

        field = Field(
            "value",
            t("syncui.edit.value"),
            kind="text",
            value=None if c.mine is None else str(c.mine),
            help=t(f"syncui.edit.help.{source}", theirs=show_value(c.theirs)),
        )
        title = t("syncui.edit.title", label=clean(c.label), field=clean(c.field))
        self.app.push_screen(FormScreen(title, [field], submit))

    def action_back(self) -> None:
        self.dismiss(None)
