"""The key reader of ``cstui.ui.driver`` on a real pty: keys and a lone Escape arrive, the
thread blocks (no timeout) once input has settled, and exiting wakes it at once."""

from __future__ import annotations

import contextlib
import os
import pty
import queue
import selectors
import signal
import threading
import time
import tty
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from textual import events
from textual.app import App
from textual.message import Message

from cstui.app import CSApp
from cstui.ui.driver import QuietLinuxDriver


class _Recording(QuietLinuxDriver):
    """The driver with its messages kept instead of posted to an app."""

    def __init__(self, app: App[Any]) -> None:
        super().__init__(app)
        self.received: queue.Queue[Message] = queue.Queue()

    def process_message(self, message: Message) -> None:
        self.received.put(message)


@contextlib.contextmanager
def _on_a_pty() -> Iterator[tuple[_Recording, int]]:
    """A driver set to read the slave side of a new pty (raw, as the app's start makes
    it: keys arrive one by one), and the master fd to type into; Textual's signal
    handlers, which the driver installs, put back after."""
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGTSTP, signal.SIGCONT)}
    master, slave = pty.openpty()
    tty.setraw(slave)
    driver = _Recording(App())
    driver.fileno = slave
    try:
        yield driver, master
    finally:
        driver.close()
        os.close(master)
        os.close(slave)
        for sig, handler in handlers.items():
            signal.signal(sig, handler)


@pytest.fixture
async def reader(
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[tuple[_Recording, int, list[Any]]]:
    """A driver reading the slave side of a new pty in its own thread, the pty's master
    fd to type into, and the timeouts its ``select`` calls were given."""
    timeouts: list[Any] = []
    real = selectors.SelectSelector.select

    def select(self: selectors.SelectSelector, timeout: float | None = None) -> Any:
        timeouts.append(timeout)
        return real(self, timeout)

    monkeypatch.setattr(selectors.SelectSelector, "select", select)
    with _on_a_pty() as (driver, master):
        thread = threading.Thread(target=driver.run_input_thread, daemon=True)
        thread.start()
        try:
            yield driver, master, timeouts
        finally:
            driver.exit_event.set()
            thread.join(5)


def _keys(driver: _Recording, n: int) -> list[str]:
    keys: list[str] = []
    while len(keys) < n:
        message = driver.received.get(timeout=5)
        if isinstance(message, events.Key):
            keys.append(message.key)
    return keys


def _settled(timeouts: list[Any]) -> bool:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        if timeouts and timeouts[-1] is None:
            return True
        time.sleep(0.02)
    return False


async def test_keys_and_a_lone_escape_arrive(reader: tuple[_Recording, int, list[Any]]) -> None:
    driver, master, _ = reader
    os.write(master, b"j\x1b[B")
    assert _keys(driver, 2) == ["j", "down"]
    os.write(master, b"\x1b")  # nothing follows: reported once ESCDELAY has passed
    assert _keys(driver, 1) == ["escape"]
    os.write(master, "株".encode())
    assert _keys(driver, 1) == ["株"]


async def test_an_idle_reader_blocks_until_a_key_or_the_exit(
    reader: tuple[_Recording, int, list[Any]],
) -> None:
    driver, master, timeouts = reader
    os.write(master, b"\x1b")
    assert _keys(driver, 1) == ["escape"]
    assert _settled(timeouts), "the reader kept polling after input settled"
    asleep = len(timeouts)
    time.sleep(0.3)
    assert len(timeouts) == asleep  # no wake-ups while nothing happens
    os.write(master, b"k")  # a key wakes it
    assert _keys(driver, 1) == ["k"]
    assert _settled(timeouts)


async def test_exit_wakes_a_blocked_reader() -> None:
    with _on_a_pty() as (driver, _master):
        thread = threading.Thread(target=driver.run_input_thread, daemon=True)
        thread.start()
        time.sleep(0.2)
        assert thread.is_alive()
        driver.exit_event.set()
        thread.join(5)
        assert not thread.is_alive()
        driver.exit_event.clear()  # Textual clears it after the join (suspend, resume)
        assert not driver.exit_event.is_set()


def test_the_app_uses_it_unless_textual_driver_says_otherwise(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from textual import constants
    from textual.drivers.linux_driver import LinuxDriver

    assert CSApp.get_driver_class(object.__new__(CSApp)) is QuietLinuxDriver
    monkeypatch.setattr(constants, "DRIVER", "textual.drivers.linux_driver:LinuxDriver")
    assert CSApp.get_driver_class(object.__new__(CSApp)) is LinuxDriver


async def test_a_suspended_and_resumed_reader_reads_and_exits_again() -> None:
    """Textual's suspend (Ctrl+Z, SIGTSTP) stops the reader and closes the driver; resume
    (SIGCONT) starts a new reader on the same driver."""
    with _on_a_pty() as (driver, master):
        for _ in range(2):  # before the suspend, then after the resume
            thread = threading.Thread(target=driver.run_input_thread, daemon=True)
            thread.start()
            os.write(master, b"j")
            assert _keys(driver, 1) == ["j"]
            driver.exit_event.set()
            thread.join(5)
            assert not thread.is_alive()
            driver.exit_event.clear()
            driver.close()  # as Driver.suspend_application_mode does
