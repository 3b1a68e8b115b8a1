"""``Workspace.quiet``: what Ctrl+Z waits for before it stops the process, so a stopped
cstui never holds the folder's lock while teammates wait."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

from cstui.workspace import Workspace, repo


def test_quiet_holds_off_store_work_until_the_block_ends(demo_ws: Workspace) -> None:
    done = threading.Event()

    def read() -> None:
        demo_ws.store.poll()  # any store operation
        done.set()

    with demo_ws.quiet() as quiet:
        assert quiet
        reader = threading.Thread(target=read)
        reader.start()
        time.sleep(0.3)
        assert not done.is_set()  # waits for the block
    reader.join(timeout=10)
    assert done.is_set()


def test_quiet_is_refused_while_the_store_is_busy_elsewhere(demo_ws: Workspace) -> None:
    busy, release = threading.Event(), threading.Event()

    def hold() -> None:
        with demo_ws.store.quiet(1) as held:
            assert held
            busy.set()
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    busy.wait(10)
    try:
        with demo_ws.quiet(timeout=0.1) as quiet:
            assert not quiet
    finally:
        release.set()
        holder.join(timeout=10)
    with demo_ws.quiet(timeout=0.1) as quiet:
        assert quiet


def test_quiet_is_refused_while_a_child_works_on_the_folder(demo_ws: Workspace) -> None:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    repo._children.add(child)
    try:
        with demo_ws.quiet(timeout=0.1) as quiet:
            assert not quiet
    finally:
        repo._children.discard(child)
        child.kill()
        child.wait()
    with demo_ws.quiet(timeout=0.1) as quiet:
        assert quiet
