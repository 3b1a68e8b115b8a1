"""Record ids: 26-character ULIDs (48-bit millisecond time + 80 random bits, Crockford base32).

Why ULIDs: they sort by creation time as plain strings (handy for timelines and stable
ordering), need no coordination between processes or machines, and are short enough to
show. Within one process, ids made in the same millisecond still increase (the random part
is incremented), so even a frozen test clock yields distinct, ordered ids.
"""

from __future__ import annotations

import os
import random
import threading
from collections.abc import Callable
from datetime import datetime

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_RANDOM_BITS = 80
_RANDOM_MAX = (1 << _RANDOM_BITS) - 1
_random = random.Random(os.urandom(32))
"""Seeded from the OS once per process (and again in a forked child), not read per id:
``os.urandom`` is a system call that gives up the GIL, and taking it back behind a busy
thread (a sync fetching ahead) made creating ids a tenth of a 10,000-record pull."""


def _reseed() -> None:
    _random.seed(os.urandom(32))


os.register_at_fork(after_in_child=_reseed)


def encode(ms: int, rand: int) -> str:
    """The 26-character text form of a timestamp and random part."""
    value = (ms << _RANDOM_BITS) | rand
    out = []
    for _ in range(26):
        out.append(_ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(out))


class IdGenerator:
    """Makes monotonically increasing ULIDs from a clock."""

    def __init__(self, clock: Callable[[], datetime]) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._last_ms = -1
        self._last_rand = 0

    def __call__(self) -> str:
        ms = max(0, int(self._clock().timestamp() * 1000)) & ((1 << 48) - 1)
        with self._lock:
            if ms <= self._last_ms:
                ms = self._last_ms
                rand = self._last_rand + 1
                if rand > _RANDOM_MAX:
                    ms, rand = ms + 1, _random.getrandbits(_RANDOM_BITS - 1)
            else:
                # One bit short of 80 so increments in the same millisecond cannot overflow.
                rand = _random.getrandbits(_RANDOM_BITS - 1)
            self._last_ms, self._last_rand = ms, rand
        return encode(ms, rand)
