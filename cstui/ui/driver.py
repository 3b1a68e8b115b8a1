"""A terminal driver whose key reader sleeps while nothing is typed.

Textual's Linux driver reads keys in a thread that wakes ten times a second, whether or not
anything was typed: to notice that the app is exiting, and to report a lone Escape once
``ESCDELAY`` has passed without the rest of a key sequence. On a team server twenty idle
apps spent 1.5-2.3 % of a core between them on those wake-ups alone (issue 17,
``bench/idle.py``). This reader waits on the terminal and on a pipe that exiting writes to,
so an idle app's thread sleeps until a key, a terminal reply or the exit; while a key
sequence is pending it wakes at the parser's deadline for it (Textual's parser, pinned).
"""

from __future__ import annotations

import contextlib
import os
import selectors
import threading
from codecs import getincrementaldecoder
from typing import TYPE_CHECKING, Any

from textual._time import get_time
from textual._xterm_parser import XTermParser
from textual.drivers.linux_driver import LinuxDriver

if TYPE_CHECKING:
    from textual.app import App


class WakingEvent(threading.Event):
    """An event that also writes to a pipe when set, so a thread blocked in ``select`` on
    the pipe's read end wakes up at once instead of polling the flag."""

    def __init__(self) -> None:
        super().__init__()
        self.read_fd = self._write_fd = -1

    def fileno(self) -> int:
        """The pipe's read end, opened again if :meth:`close` closed it (Textual closes
        its driver on suspend, Ctrl+Z, and starts it again on resume)."""
        if self.read_fd < 0:
            self.read_fd, self._write_fd = os.pipe()
            os.set_blocking(self.read_fd, False)
            os.set_blocking(self._write_fd, False)
        return self.read_fd

    def set(self) -> None:
        super().set()
        if self._write_fd < 0:  # closed (or not open yet): no reader to wake
            return
        with contextlib.suppress(OSError):  # a full pipe: it is signalled already
            os.write(self._write_fd, b"x")

    def clear(self) -> None:
        super().clear()
        self.drain()

    def drain(self) -> None:
        """Read what ``set`` wrote, so the next wait blocks again."""
        with contextlib.suppress(OSError):  # BlockingIOError once empty
            while os.read(self.read_fd, 512):
                pass

    def close(self) -> None:
        """Close the pipe until the next :meth:`fileno`; meanwhile ``set`` only sets the
        flag (the closed numbers may belong to other files by then)."""
        fds, self.read_fd, self._write_fd = (self.read_fd, self._write_fd), -1, -1
        for fd in fds:
            if fd >= 0:
                os.close(fd)


class QuietLinuxDriver(LinuxDriver):
    """Textual's Linux driver with a key reader that blocks while the terminal is quiet."""

    def __init__(
        self,
        app: App[Any],
        *,
        debug: bool = False,
        mouse: bool = True,
        size: tuple[int, int] | None = None,
    ) -> None:
        super().__init__(app, debug=debug, mouse=mouse, size=size)
        self.exit_event: WakingEvent = WakingEvent()

    def run_input_thread(self) -> None:
        """Read the terminal until the exit event is set: block while no key sequence is
        pending; while one is (a lone Escape), wake at the parser's own deadline for it."""
        exit_event = self.exit_event
        selector = selectors.SelectSelector()  # as Textual: works on any tty, any platform
        selector.register(self.fileno, selectors.EVENT_READ)
        selector.register(exit_event.fileno(), selectors.EVENT_READ)
        parser = XTermParser(self._debug)
        decode = getincrementaldecoder("utf-8")().decode
        try:
            while not exit_event.is_set():
                deadline = parser._timeout_time  # set while a sequence waits for its rest
                timeout = None if deadline is None else max(0.0, deadline - get_time())
                for key, _mask in selector.select(timeout):
                    if key.fd != self.fileno:
                        continue  # the exit pipe: the loop's condition ends it
                    data = os.read(self.fileno, 4096)
                    if not data:  # end of input (not a terminal): stop watching it
                        selector.unregister(self.fileno)
                        continue
                    for event in parser.feed(decode(data)):
                        self.process_message(event)
                for event in parser.tick():
                    self.process_message(event)
        finally:
            selector.close()
            with contextlib.suppress(Exception):  # an unfinished sequence at exit: dropped
                for _event in parser.feed(""):
                    pass

    def close(self) -> None:
        super().close()
        self.exit_event.close()
