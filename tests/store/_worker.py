"""Worker process for the store's multi-process tests (run as a script, not collected).

Modes:
  edits DIR N PREFIX KEYS CHECKPOINT_BYTES
      N puts on accounts/{PREFIX}{i % KEYS} = {"v": i, "p": PREFIX}; after each put returns,
      print "<seq> <i>" (flushed), so the parent knows exactly what was committed.
  watch DIR ID
      print "ready", then poll() every 20 ms until accounts/ID exists; print the seconds
      it took.
  edit-poll DIR N
      N puts on notes/b{i}, polling after each; print "edited", wait for a line on stdin,
      poll once more and print the JSON of every table as this process sees it.
  tick DIR START STEP COUNT
      tick items START, START+STEP, ... (COUNT of them) of plans/p1's "items" list, one
      ``Store.update`` each; print "done".
  bulk DIR N CHUNK
      load N records with ``Store.chunked(CHUNK)``; after the first chunk is committed,
      print "chunk" and wait for a line on stdin (still inside the load); finally print the
      first and last seq this process committed.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any

import orjson

from cstui.store import Store


def _edits(data_dir: str, args: list[str]) -> None:
    count, prefix, keys, cp = int(args[0]), args[1], int(args[2]), int(args[3])
    store = Store(data_dir, actor=prefix, checkpoint_bytes=cp)
    # The seq of our own commit (store.last_seq may already include others' lines
    # picked up by an automatic checkpoint right after the commit).
    mine: list[int] = []
    store.subscribe(lambda changes: mine.extend(c.seq for c in changes if c.local))
    for i in range(count):
        store.put("accounts", f"{prefix}{i % keys}", {"v": i, "p": prefix})
        sys.stdout.write(f"{mine[-1]} {i}\n")
        sys.stdout.flush()
        if i % 50 == 0:
            store.poll()
    store.close()


def _watch(data_dir: str, args: list[str]) -> None:
    rid = args[0]
    store = Store(data_dir, actor="watcher")
    print("ready", flush=True)
    start = time.monotonic()
    while store.get("accounts", rid) is None:
        time.sleep(0.02)
        store.poll()
        if time.monotonic() - start > 30:
            print("timeout", flush=True)
            return
    print(f"{time.monotonic() - start:.3f}", flush=True)
    store.close(checkpoint=False)


def _edit_poll(data_dir: str, args: list[str]) -> None:
    count = int(args[0])
    store = Store(data_dir, actor="B")
    print("ready", flush=True)
    for i in range(count):
        store.put("notes", f"b{i}", {"i": i})
        store.poll()
    print("edited", flush=True)
    sys.stdin.readline()
    store.poll()
    state = {t: store.all(t, include_deleted=True) for t in store.tables()}
    sys.stdout.write(orjson.dumps(state).decode() + "\n")
    sys.stdout.flush()
    store.close(checkpoint=False)


def _tick(data_dir: str, args: list[str]) -> None:
    start, step, count = int(args[0]), int(args[1]), int(args[2])
    store = Store(data_dir, actor=f"ticker{start}")

    def tick(index: int) -> Callable[[dict[str, Any] | None], dict[str, Any] | None]:
        def mutate(plan: dict[str, Any] | None) -> dict[str, Any] | None:
            assert plan is not None
            plan["items"][index]["done"] = True
            return plan

        return mutate

    for n in range(count):
        store.update("plans", "p1", tick(start + n * step))
    print("done", flush=True)
    store.close(checkpoint=False)


def _bulk(data_dir: str, args: list[str]) -> None:
    total, chunk = int(args[0]), int(args[1])
    store = Store(data_dir, actor="bulk")
    seqs: list[int] = []
    store.subscribe(lambda changes: seqs.extend(c.seq for c in changes if c.local))
    signalled = False
    with store.chunked(chunk) as writer:
        for i in range(total):
            writer.put("accounts", f"bulk{i}", {"i": i})
            if writer.chunks == 1 and not signalled:
                signalled = True
                print("chunk", flush=True)
                sys.stdin.readline()
    print(f"{seqs[0]} {seqs[-1]}", flush=True)
    store.close(checkpoint=False)


MODES: dict[str, Callable[[str, list[str]], None]] = {
    "edits": _edits,
    "watch": _watch,
    "edit-poll": _edit_poll,
    "tick": _tick,
    "bulk": _bulk,
}
"""Each mode (see the module doc) with its own arguments after ``DIR``."""


def main(argv: list[str]) -> None:
    mode, data_dir = argv[0], argv[1]
    run = MODES.get(mode)
    if run is None:
        raise SystemExit(f"unknown mode {mode}")
    run(data_dir, argv[2:])


if __name__ == "__main__":
    main(sys.argv[1:])
