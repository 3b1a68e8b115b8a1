"""The ``_sync`` block each synced record carries, one entry per adapter.

``record["_sync"]["hubspot"] = {"rid": ..., "base": {...}, "assoc": ..., "force": [...]}``:

* ``rid``: the record's id in the CRM, set only once the CRM confirmed a write (or when
  the record came from the CRM).
* ``base``: for every synced field, the value both sides last agreed on. A field whose
  local value differs from its base has a local change waiting (that *is* the outbox, so
  nothing can fall out of it); a field whose CRM value differs from its base was changed
  in the CRM.
* ``assoc``: the CRM id of the parent the record is linked to there (contacts, notes and
  tasks belong to a company).
* ``force``: CRM-owned fields a user chose to push anyway ("keep mine" on a conflict).

The design asks only for the base of fields changed since the last sync; keeping the base
of every synced field (a few values per record) is simpler and lets the outbox be derived
from the data alone, with no hook in the write path that a crash could skip.
"""

from __future__ import annotations

from typing import Any

META = "_sync"


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


def get_meta(record: dict[str, Any], adapter: str) -> dict[str, Any]:
    """A copy of the record's sync block for ``adapter``; always has ``base`` and ``force``."""
    block = record.get(META)
    mine = block.get(adapter) if isinstance(block, dict) else None
    if not isinstance(mine, dict):
        return {"base": {}, "force": []}
    out = dict(mine)
    out["base"] = dict(mine.get("base") or {})
    out["force"] = list(mine.get("force") or [])
    return out


def put_meta(record: dict[str, Any], adapter: str, meta: dict[str, Any]) -> dict[str, Any]:
    """The whole ``_sync`` value to write, with ``adapter``'s block replaced by ``meta``."""
    block = record.get(META)
    out = dict(block) if isinstance(block, dict) else {}
    clean = {k: v for k, v in meta.items() if v not in (None, [], {}) or k == "base"}
    out[adapter] = clean
    return out


def same(a: Any, b: Any) -> bool:
    """Equal as JSON values (``1`` is not ``True``, ``1`` is not ``1.0``)."""
    if type(a) is not type(b):
        return False
    if type(a) is dict:
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if type(a) is list:
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)
