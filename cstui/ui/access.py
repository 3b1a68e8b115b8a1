"""How screens and widgets reach the workspace: typed, and told when it changes.

The app owns one :class:`~cstui.workspace.Workspace`. Every workspace change (an edit here,
in another screen, or by another process on the data directory) is published on the app's
``workspace_changed`` signal. A node subscribes with :func:`on_workspace_change` once it is
mounted; Textual drops the subscription when the node is removed, so no screen or widget
writes its own subscribe/unsubscribe pair. A signal, not a message: messages bubble up the
DOM, while a change must reach every screen and pane that shows data.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Callable
from types import MethodType
from typing import TYPE_CHECKING, Any, cast
from weakref import WeakMethod, WeakSet

from textual.app import App
from textual.dom import DOMNode
from textual.screen import Screen
from textual.signal import Signal

from cstui.ui.memory import collect_closed_screens, release_closed_widgets, tune_collector

if TYPE_CHECKING:
    from cstui.workspace import Workspace, WorkspaceEvent


class WorkspaceApp(App[None]):
    """An app with a workspace and a signal that announces its changes."""

    def __init__(self, workspace: Workspace, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.workspace = workspace
        self.workspace_changed: Signal[WorkspaceEvent] = Signal(self, "workspace-changed")
        self._unsubscribe_workspace: Callable[[], None] | None = None
        self._callback_errors: list[Exception] = []
        self._stack: WeakSet[Screen[Any]] = WeakSet()
        self._thresholds: tuple[int, int, int] | None = None

    def on_mount(self) -> None:
        self._unsubscribe_workspace = self.workspace.subscribe(self._publish)
        self._thresholds = tune_collector()
        self._stack = WeakSet(self.screen_stack)
        self.screen_change_signal.subscribe(self, self._on_screen_change)

    def on_unmount(self) -> None:
        if self._unsubscribe_workspace is not None:
            self._unsubscribe_workspace()
            self._unsubscribe_workspace = None
        if self._thresholds is not None:
            gc.set_threshold(*self._thresholds)
            self._thresholds = None

    def _on_screen_change(self, _screen: object) -> None:
        """A screen pushed, popped or switched: let go of what Textual cached of closed
        screens' widgets; once a screen is closed and removed, collect its widgets while
        the user reads the screen under it (see ``ui/memory.py``)."""
        stack = self.screen_stack
        closed = [screen for screen in self._stack if screen not in stack]
        self._stack = WeakSet(stack)
        if closed:  # a push closes nothing: the cache then holds only shown widgets
            release_closed_widgets()
            # Textual removes a closed screen by ending its message loop, a few turns
            # later (more on a loaded machine): the pass waits for that to end, not for a
            # time (it asked up to 20 times, 20 ms apart, then collected all the same).
            removals = [screen._task for screen in closed if screen._task is not None]
            self.run_worker(
                self._collect_once_removed(removals), group="collect", exit_on_error=False
            )

    async def _collect_once_removed(self, removals: list[asyncio.Task[None]]) -> None:
        """After the closed screens' message loops end (each unmounts and detaches its
        screen last), collect after the next frame (that of the screen under them)."""
        if removals:
            await asyncio.wait(removals)
        self.call_after_refresh(collect_closed_screens, self)

    def _publish(self, event: WorkspaceEvent) -> None:
        """Publish ``event`` to every subscriber, then raise the first subscriber's error.

        Raised, the error reaches the store, which logs it as it logged a direct workspace
        subscriber's; ``Signal.publish`` alone would hand it to Textual's log, unseen.
        """
        outer, self._callback_errors = self._callback_errors, []
        try:
            self.workspace_changed.publish(event)
            errors = self._callback_errors
        finally:
            self._callback_errors = outer
        if errors:
            raise errors[0]

    def open_account(self, account_id: str, *, replace: bool = False) -> None:
        """Show one account; screens and the command palette call this, the app decides how.

        ``replace``: a jump (the palette) takes the place of an account already on top
        rather than stacking another one that Escape must peel off.
        """
        raise NotImplementedError


def workspace_app(node: DOMNode) -> WorkspaceApp:
    """The node's app (or the app itself), checked to be one with a workspace."""
    app = node if isinstance(node, App) else node.app
    if not isinstance(app, WorkspaceApp):
        raise TypeError(f"{type(node).__name__} needs a WorkspaceApp, not {type(app).__name__}")
    return app


def on_workspace_change(node: DOMNode, callback: Callable[[WorkspaceEvent], None]) -> None:
    """Call ``callback`` on every workspace change while ``node`` is mounted (call from on_mount).

    The callback runs at once, in the order the store reports changes, as a direct
    workspace subscription did.

    A method of ``node`` itself is held weakly. Textual keys subscriptions by node weakly
    but holds the callbacks strongly, and drops a removed node's only on the next publish:
    a strong method kept every account screen opened and closed alive, with its ~100
    widgets, until the next workspace change (memory, and the collector's full passes
    slowing down with each screen: 13 ms after one, 130 ms after six).
    """
    app = workspace_app(node)
    if isinstance(callback, MethodType) and callback.__self__ is node:
        weak = WeakMethod(callback)

        def target() -> Callable[[WorkspaceEvent], None] | None:
            return weak()

    else:

        def target() -> Callable[[WorkspaceEvent], None] | None:
            return callback

    def deliver(event: WorkspaceEvent) -> None:
        method = target()
        if method is None:
            return
        try:
            method(event)
        except Exception as exc:  # handed to WorkspaceApp._publish, which raises it
            app._callback_errors.append(exc)

    app.workspace_changed.subscribe(node, deliver, immediate=True)


class UsesWorkspace:
    """Mixin for screens and widgets: ``self.workspace`` is the app's workspace, typed."""

    @property
    def workspace(self) -> Workspace:
        return workspace_app(cast(DOMNode, self)).workspace
