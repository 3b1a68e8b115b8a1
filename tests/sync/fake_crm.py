"""A stateful fake HubSpot (CRM v3 objects, v4 associations) on 127.0.0.1, with faults.

It is a real HTTP server (``ThreadingHTTPServer`` in a thread, or a process when run as a
script), so the sync is tested through httpx, sockets, timeouts and all. It speaks the
request and response shapes of HubSpot's public API for what cstui uses:

* ``POST /crm/v3/objects/{type}/search``: ``filterGroups`` (OR of AND-ed filters: EQ,
  NEQ, GT, GTE, LT, LTE, HAS_PROPERTY, NOT_HAS_PROPERTY, IN), ``sorts``, ``properties``,
  ``limit`` (1-200), ``after`` (an offset; 400 at or past the 10,000-result cap);
* ``POST /crm/v3/objects/{type}/batch/{upsert,update,read,archive}`` (at most 100 inputs;
  upsert by a unique ``idProperty``; 207 Multi-Status with per-item ``errors``);
* ``POST /crm/v4/associations/{from}/{to}/batch/{associate/default,read,archive}``;
* ``GET /crm/v3/owners`` (paged by ``after``, ``limit`` up to 500): the portal's users;
* ``GET|POST /crm/v3/properties/{type}`` and ``.../{type}/groups`` (the properties API; a
  name that exists answers 409). With ``schema=True`` writes are checked against the
  defined properties like HubSpot does (400 ``PROPERTY_DOESNT_EXIST`` for the whole batch);
  without it any property is accepted (most tests are not about the schema).

Any object type works (companies, contacts, notes, tasks, calls, meetings, emails). As in
HubSpot, ``hs_timestamp`` is required to create a note, call, meeting, email or task (400
for the whole batch), ``batch/read`` requires ``propertiesWithHistory`` (400), and a batch
update that names an archived or unknown id fails as a whole with 404.

Every object has ``hs_object_id``, ``createdate`` and ``hs_lastmodifieddate`` (strictly
increasing milliseconds unless a test freezes time to make ties). ``cstui_id`` is unique
per object type, so a duplicate can never be created by a well-behaved client, and a
client that tries gets an error.

Faults (``crm.fault(kind, ...)``, for ``times`` matching requests or a ``rate``):
``429`` (with Retry-After), ``500``, ``502html`` (an HTML error page), ``html`` (an
HTML page with status 200), ``timeout`` (answers after the client gave up; the request is
applied first), ``reset`` (applied, then the connection is reset mid-response),
``malformed`` (applied, then truncated JSON), ``wrong_types`` / ``missing_ids`` (applied,
then ids are numbers / missing), ``partial`` (207: a share of the batch's items fail and
are not applied), ``echo_token`` (a 401 whose message repeats the Authorization header,
like a badly written proxy). ``rate_limit=(n, seconds)`` answers 429 once ``n`` requests
were made in the last ``seconds`` (``search_limit`` likewise for searches).
"""

from __future__ import annotations

import argparse
import bisect
import contextlib
import json
import math
import random
import re
import socket
import struct
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

SEARCH_CAP = 10_000
UNIQUE = "cstui_id"
BAD_GATEWAY = b"<html><head><title>502 Bad Gateway</title></head><body>Bad Gateway</body></html>"
SIGN_IN = b"<!DOCTYPE html><html><head><title>Sign in</title></head><body>Sign in</body></html>"
DATES = {"createdate", "hs_lastmodifieddate", "hs_timestamp"}
TYPE_IDS = {
    ("contacts", "companies"): 1,
    ("notes", "companies"): 190,
    ("tasks", "companies"): 192,
    ("calls", "companies"): 182,
    ("meetings", "companies"): 188,
    ("emails", "companies"): 186,
}
NEEDS_TIMESTAMP = {"notes", "tasks", "calls", "meetings", "emails"}
"""Engagements HubSpot refuses to create without ``hs_timestamp``."""
BUILTIN_PROPERTIES: dict[str, set[str]] = {
    "companies": {"name", "domain", "annualrevenue", "hubspot_owner_id", "industry"},
    "contacts": {"firstname", "lastname", "email", "jobtitle", "hs_buying_role"},
    "notes": {"hs_note_body", "hs_timestamp", "hubspot_owner_id"},
    "tasks": {
        "hs_task_subject",
        "hs_task_body",
        "hs_task_status",
        "hs_task_priority",
        "hs_timestamp",
        "hubspot_owner_id",
    },
    "calls": {"hs_call_title", "hs_call_body", "hs_timestamp", "hubspot_owner_id"},
    "meetings": {
        "hs_meeting_title",
        "hs_meeting_body",
        "hs_meeting_start_time",
        "hs_timestamp",
        "hubspot_owner_id",
    },
    "emails": {"hs_email_subject", "hs_email_text", "hs_timestamp", "hubspot_owner_id"},
}
"""The HubSpot-defined properties cstui writes (``schema=True`` refuses others)."""


def iso(ms: int) -> str:
    return (
        datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"
    )


def to_ms(value: str) -> int | None:
    if value.isdigit():
        return int(value)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


@dataclass
class Fault:
    kind: str
    times: int | None = 1
    path: str = ""
    rate: float = 1.0
    retry_after: str = "1"
    delay: float = 2.0
    fraction: float = 0.5
    hits: int = 0


@dataclass
class Hold:
    """Keeps the ``at``-th request from now waiting (after applying it when ``apply``)
    until :attr:`release` is set: a deterministic point to kill a client at."""

    at: int
    apply: bool
    reached: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    seen: int = 0

    def wait(self) -> None:
        self.reached.set()
        self.release.wait(30)


@dataclass
class Obj:
    id: str
    props: dict[str, str]
    created: int
    modified: int
    archived: bool = False


@dataclass
class Limit:
    count: int
    per: float
    used: deque[float] = field(default_factory=deque)

    def retry_after(self, now: float) -> float | None:
        while self.used and self.used[0] <= now - self.per:
            self.used.popleft()
        if len(self.used) >= self.count:
            return self.used[0] + self.per - now
        self.used.append(now)
        return None


class BadRequest(Exception):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


class FakeCRM:
    """The fake's state, faults and server. Use as a context manager; ``url`` is its base."""

    def __init__(
        self,
        *,
        token: str = "fake-token-not-secret",
        rate_limit: tuple[int, float] | None = None,
        search_limit: tuple[int, float] | None = None,
        latency: float = 0.0,
        seed: int = 0,
        schema: bool = False,
        schema_scope: bool = True,
    ) -> None:
        self.token = token
        self.schema = schema
        """Check written property names against :attr:`properties` (as HubSpot does)."""
        self.schema_scope = schema_scope
        """Whether the token may create properties (HubSpot's ``crm.schemas.*.write``)."""
        self.properties: dict[str, dict[str, dict[str, Any]]] = {
            kind: {name: {"name": name, "hubspotDefined": True} for name in names}
            for kind, names in BUILTIN_PROPERTIES.items()
        }
        self.groups: dict[str, set[str]] = {}
        self.owners: list[dict[str, Any]] = []
        self.holds: list[Hold] = []
        self.rules: list[tuple[str, str, Callable[[str], bool], str]] = []
        """(object, property, refuses(value), message): property validation (see ``refuse``)."""
        self.latency = latency
        self.objects: dict[str, dict[str, Obj]] = {}
        self.unique: dict[str, dict[str, str]] = {}
        self.assoc: set[tuple[str, str, str, str]] = set()
        self.faults: list[Fault] = []
        self.log: list[tuple[str, str, int]] = []
        self.rate = Limit(*rate_limit) if rate_limit else None
        self.search_rate = Limit(*search_limit) if search_limit else None
        self.frozen_ms: int | None = None
        self.rejected_429 = 0
        self._by_modified: dict[str, list[tuple[int, int, Obj]]] = {}
        """Live objects sorted by (modified, id), rebuilt after changes: searches by
        modification time (what a sync does) then cost a bisect, not a sort of everything."""
        self._next_id = 100
        self._last_ms = 0
        self._rng = random.Random(seed)
        self._lock = threading.RLock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ----------------------------------------------------------------- server
    def start(self, port: int = 0) -> str:
        crm = self

        class Handler(_Handler):
            fake = crm

        server = _Server(("127.0.0.1", port), Handler)
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()
        return self.url

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeCRM:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ----------------------------------------------------------------- state API
    def _now(self) -> int:
        if self.frozen_ms is not None:
            return self.frozen_ms
        self._last_ms = max(int(time.time() * 1000), self._last_ms + 1)
        return self._last_ms

    def freeze_time(self, ms: int | None) -> None:
        """All modifications get this timestamp (to test ties); None to unfreeze."""
        with self._lock:
            self.frozen_ms = ms
            if ms is not None:
                self._last_ms = max(self._last_ms, ms)

    def add(self, kind: str, props: dict[str, Any]) -> str:
        with self._lock:
            self._next_id += 1
            oid = str(self._next_id)
            now = self._now()
            obj = Obj(oid, {}, now, now)
            self.objects.setdefault(kind, {})[oid] = obj
            self._by_modified.pop(kind, None)
            self._set(kind, obj, props)
            return oid

    def update(self, kind: str, oid: str, props: dict[str, Any]) -> None:
        with self._lock:
            obj = self.objects[kind][oid]
            self._set(kind, obj, props)
            obj.modified = self._now()
            self._by_modified.pop(kind, None)

    def _set(self, kind: str, obj: Obj, props: dict[str, Any]) -> None:
        index = self.unique.setdefault(kind, {})
        if UNIQUE in props:
            new = _text(props[UNIQUE])
            holder = index.get(new)
            if new and holder is not None and holder != obj.id:
                raise BadRequest(f"A {kind} record with {UNIQUE}={new} already exists.", 409)
            old = obj.props.get(UNIQUE)
            if old and index.get(old) == obj.id:
                del index[old]
            if new:
                index[new] = obj.id
        for key, value in props.items():
            obj.props[key] = _text(value)

    def archive(self, kind: str, oid: str) -> None:
        with self._lock:
            obj = self.objects.get(kind, {}).get(oid)
            if obj is None or obj.archived:
                return
            obj.archived = True
            obj.modified = self._now()
            self._by_modified.pop(kind, None)
            key = obj.props.get(UNIQUE)
            if key and self.unique.get(kind, {}).get(key) == oid:
                del self.unique[kind][key]

    def all(self, kind: str) -> list[Obj]:
        with self._lock:
            return [o for o in self.objects.get(kind, {}).values() if not o.archived]

    def by_unique(self, kind: str, value: str) -> Obj | None:
        with self._lock:
            oid = self.unique.get(kind, {}).get(value)
            return None if oid is None else self.objects[kind][oid]

    def associate(self, src: str, src_id: str, dst: str, dst_id: str) -> None:
        with self._lock:
            self.assoc.add((src, src_id, dst, dst_id))

    def parents(self, src: str, src_id: str, dst: str = "companies") -> set[str]:
        with self._lock:
            return {d for s, i, t, d in self.assoc if s == src and i == src_id and t == dst}

    def fault(self, kind: str, **kwargs: Any) -> Fault:
        f = Fault(kind, **kwargs)
        with self._lock:
            self.faults.append(f)
        return f

    def clear_faults(self) -> None:
        with self._lock:
            self.faults.clear()

    def seed_companies(self, count: int, *, prefix: str = "Company") -> None:
        """Many companies quickly (benchmarks)."""
        with self._lock:
            for i in range(count):
                self.add(
                    "companies",
                    {
                        "name": f"{prefix} {i}",
                        "domain": f"c{i}.example.com",
                        "annualrevenue": str(1000 * (i % 977)),
                        "cstui_stage": "adoption",
                    },
                )

    def hold(self, at: int, *, apply: bool) -> Hold:
        """Hold the ``at``-th API request from now (see :class:`Hold`)."""
        found = Hold(at, apply)
        with self._lock:
            self.holds.append(found)
        return found

    def _take_hold(self) -> Hold | None:
        with self._lock:
            for h in self.holds:
                h.seen += 1
                if h.seen == h.at:
                    self.holds.remove(h)
                    return h
        return None

    def refuse(self, kind: str, prop: str, test: Callable[[str], bool], message: str) -> None:
        """Refuse writes of ``kind`` whose ``prop`` passes ``test``, as HubSpot refuses an
        invalid value: 400 for the whole batch, naming the property."""
        with self._lock:
            self.rules.append((kind, prop, test, message))

    def add_owner(self, email: str, first: str = "", last: str = "") -> str:
        """A HubSpot user who can own records; returns the owner id."""
        with self._lock:
            self._next_id += 1
            oid = str(self._next_id)
            now = iso(self._now())
            self.owners.append(
                {
                    "id": oid,
                    "email": email,
                    "type": "PERSON",
                    "firstName": first,
                    "lastName": last,
                    "userId": self._next_id + 9_000_000,
                    "userIdIncludingInactive": self._next_id + 9_000_000,
                    "createdAt": now,
                    "updatedAt": now,
                    "archived": False,
                }
            )
            return oid

    def requests(self, contains: str = "") -> int:
        with self._lock:
            return sum(1 for _, path, _ in self.log if contains in path)

    # ----------------------------------------------------------------- faults
    def _take_fault(self, path: str, kinds: set[str] | None = None) -> Fault | None:
        with self._lock:
            for f in self.faults:
                if f.path and f.path not in path:
                    continue
                if kinds is not None and f.kind not in kinds:
                    continue
                if f.times is not None and f.hits >= f.times:
                    continue
                if f.rate < 1.0 and self._rng.random() >= f.rate:
                    continue
                f.hits += 1
                return f
        return None

    # ----------------------------------------------------------------- API
    def handle(self, method: str, path: str, body: Any, query: dict[str, str]) -> tuple[int, Any]:
        if path == "/crm/v3/owners" and method == "GET":
            return 200, self._owners(query)
        m = re.fullmatch(r"/crm/v3/properties/([a-z_0-9]+)(/groups)?", path)
        if m and method in ("GET", "POST"):
            kind, groups = m.groups()
            if groups:
                return self._groups(kind, method, body)
            return self._properties(kind, method, body)
        if method != "POST":
            raise BadRequest(f"Unsupported method {method} for {path}", 405)
        m = re.fullmatch(r"/crm/v3/objects/([a-z_0-9]+)/search", path)
        if m:
            return 200, self._search(m.group(1), body)
        m = re.fullmatch(r"/crm/v3/objects/([a-z_0-9]+)/batch/(upsert|update|read|archive)", path)
        if m:
            kind, op = m.groups()
            inputs = _inputs(body)
            handler = getattr(self, f"_batch_{op}")
            answer: tuple[int, Any] = handler(kind, inputs, body, query)
            return answer
        m = re.fullmatch(
            r"/crm/v4/associations/([a-z_0-9]+)/([a-z_0-9]+)/batch/(associate/default|read|archive)",
            path,
        )
        if m:
            src, dst, op = m.groups()
            inputs = _inputs(body)
            if op == "read":
                return self._assoc_read(src, dst, inputs)
            if op == "archive":
                return self._assoc_archive(src, dst, inputs)
            return self._assoc_create(src, dst, inputs)
        raise BadRequest(f"Unknown endpoint {path}", 404)

    def _owners(self, query: dict[str, str]) -> dict[str, Any]:
        limit = int(query.get("limit") or 100)
        if not 1 <= limit <= 500:
            raise BadRequest("limit must be between 1 and 500")
        start = int(query.get("after") or 0)
        with self._lock:
            page = self.owners[start : start + limit]
            out: dict[str, Any] = {"results": [dict(o) for o in page]}
            if start + limit < len(self.owners):
                nxt = str(start + limit)
                out["paging"] = {"next": {"after": nxt, "link": f"?after={nxt}"}}
        return out

    def _properties(self, kind: str, method: str, body: Any) -> tuple[int, Any]:
        with self._lock:
            defined = self.properties.setdefault(kind, {})
            if method == "GET":
                return 200, {"results": [dict(p) for p in defined.values()]}
            if not self.schema_scope:
                raise BadRequest(
                    "This app hasn't been granted all required scopes to make this call. "
                    f"Read more about required scopes here: crm.schemas.{kind}.write",
                    403,
                )
            if not isinstance(body, dict):
                raise BadRequest("Invalid input JSON on line 1")
            missing = [
                k for k in ("name", "label", "type", "fieldType", "groupName") if not body.get(k)
            ]
            if missing:
                raise BadRequest(
                    "Invalid input JSON: Cannot build PropertyCreate, some of required "
                    f"attributes are not set {missing}"
                )
            name = str(body["name"])
            if name in defined:
                raise BadRequest(f"Property named '{name}' already exists.", 409)
            if body["groupName"] not in self.groups.get(kind, set()) | {
                "companyinformation",
                "contactinformation",
                "engagement",
                "task",
            }:
                raise BadRequest(f"No property group named '{body['groupName']}' exists.")
            defined[name] = {**body, "hubspotDefined": False}
            return 201, dict(defined[name])

    def _groups(self, kind: str, method: str, body: Any) -> tuple[int, Any]:
        with self._lock:
            names = self.groups.setdefault(kind, set())
            if method == "GET":
                return 200, {"results": [{"name": n, "label": n} for n in sorted(names)]}
            if not self.schema_scope:
                raise BadRequest(
                    "This app hasn't been granted all required scopes to make this call.", 403
                )
            name = str(body.get("name") or "") if isinstance(body, dict) else ""
            if not name:
                raise BadRequest("Invalid input JSON: name is required")
            if name in names:
                raise BadRequest(f"A property group named '{name}' already exists.", 409)
            names.add(name)
            return 201, {"name": name, "label": body.get("label", name), "displayOrder": -1}

    def _check_write(self, kind: str, props: dict[str, Any], creating: bool) -> None:
        """HubSpot's validation of one input: refuses the whole batch with 400."""
        problems: list[dict[str, Any]] = []
        if self.schema:
            defined = self.properties.get(kind, {})
            for name in props:
                if name not in defined:
                    problems.append(
                        {
                            "isValid": False,
                            "message": f'Property "{name}" does not exist',
                            "error": "PROPERTY_DOESNT_EXIST",
                            "name": name,
                        }
                    )
        for rule_kind, prop, test, message in self.rules:
            if rule_kind == kind and prop in props and test(_text(props[prop])):
                problems.append(
                    {"isValid": False, "message": message, "error": "INVALID_OPTION", "name": prop}
                )
        if kind in NEEDS_TIMESTAMP:
            stamp = props.get("hs_timestamp", None if creating else "keep")
            if stamp is None or stamp == "" or (stamp != "keep" and to_ms(str(stamp)) is None):
                problems.append(
                    {
                        "isValid": False,
                        "message": f"{stamp!r} is not a valid timestamp; hs_timestamp is required",
                        "error": "INVALID_TIMESTAMP" if stamp else "REQUIRED_FIELD",
                        "name": "hs_timestamp",
                    }
                )
        if problems:
            raise BadRequest(f"Property values were not valid: {json.dumps(problems)}")

    def _render(self, obj: Obj, wanted: list[str] | None) -> dict[str, Any]:
        base = {
            "hs_object_id": obj.id,
            "createdate": iso(obj.created),
            "hs_lastmodifieddate": iso(obj.modified),
        }
        props: dict[str, str | None] = dict(obj.props)
        if wanted is not None:
            props = {k: obj.props.get(k) for k in wanted}
        props.update(base)
        return {
            "id": obj.id,
            "properties": props,
            "createdAt": iso(obj.created),
            "updatedAt": iso(obj.modified),
            "archived": obj.archived,
        }

    def _value(self, obj: Obj, name: str) -> Any:
        if name == "hs_object_id":
            return int(obj.id)
        if name == "hs_lastmodifieddate":
            return obj.modified
        if name == "createdate":
            return obj.created
        return obj.props.get(name)

    def _match(self, obj: Obj, flt: dict[str, Any]) -> bool:
        name = flt.get("propertyName")
        op = flt.get("operator", "EQ")
        if not isinstance(name, str):
            raise BadRequest("Each filter needs a propertyName.")
        have = self._value(obj, name)
        if op == "HAS_PROPERTY":
            return have not in (None, "")
        if op == "NOT_HAS_PROPERTY":
            return have in (None, "")
        raw = flt.get("value")
        if op == "IN":
            return str(have) in [str(v) for v in flt.get("values", [])]
        if raw is None:
            raise BadRequest(f"Filter on {name} needs a value.")
        want: Any = str(raw)
        if isinstance(have, int):
            ms = (
                to_ms(want)
                if name in DATES
                else (int(want) if want.lstrip("-").isdigit() else None)
            )
            if ms is None:
                raise BadRequest(f"{raw!r} is not a valid value for {name}.")
            want = ms
        elif have is None:
            return bool(op == "NEQ")
        ops = {
            "EQ": lambda a, b: a == b,
            "NEQ": lambda a, b: a != b,
            "GT": lambda a, b: a > b,
            "GTE": lambda a, b: a >= b,
            "LT": lambda a, b: a < b,
            "LTE": lambda a, b: a <= b,
        }
        if op not in ops:
            raise BadRequest(f"Unknown operator {op}.")
        return bool(ops[op](have, want))

    def _search(self, kind: str, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise BadRequest("Invalid input JSON on line 1")
        limit = body.get("limit", 10)
        if not isinstance(limit, int) or not 1 <= limit <= 200:
            raise BadRequest("limit must be between 1 and 200")
        after_raw = body.get("after") or "0"
        if not str(after_raw).isdigit():
            raise BadRequest("after must be numeric")
        after = int(after_raw)
        if after >= SEARCH_CAP:
            raise BadRequest(f"Paging past {SEARCH_CAP} results is not allowed for a search.")
        groups = body.get("filterGroups") or []
        sorts = body.get("sorts") or []
        with self._lock:
            fast = self._fast_search(kind, groups, sorts)
            if fast is not None:
                total = len(fast)
                page = fast[after : min(after + limit, SEARCH_CAP)]
                return self._search_answer(page, total, after, body)
            items = self.all(kind)
            if groups:
                items = [
                    o
                    for o in items
                    if any(all(self._match(o, f) for f in g.get("filters", [])) for g in groups)
                ]
            key = "hs_object_id"
            reverse = False
            if sorts:
                first = sorts[0]
                if isinstance(first, str):
                    key, reverse = first.lstrip("-"), first.startswith("-")
                else:
                    key = first.get("propertyName", key)
                    reverse = first.get("direction", "ASCENDING") == "DESCENDING"
            items.sort(key=lambda o: (_sortable(self._value(o, key)), int(o.id)), reverse=reverse)
            total = len(items)
            page = items[after : min(after + limit, SEARCH_CAP)]
            return self._search_answer(page, total, after, body)

    def _search_answer(
        self, page: list[Obj], total: int, after: int, body: dict[str, Any]
    ) -> dict[str, Any]:
        wanted = body.get("properties") or ["name"]
        out: dict[str, Any] = {
            "total": total,
            "results": [self._render(o, list(wanted)) for o in page],
        }
        if after + len(page) < total and page:
            nxt = str(after + len(page))
            out["paging"] = {"next": {"after": nxt, "link": f"?after={nxt}"}}
        return out

    def _fast_search(self, kind: str, groups: list[Any], sorts: list[Any]) -> list[Obj] | None:
        """The sync's own query (by modification time, ascending) without sorting everything."""
        if sorts not in ([], [{"propertyName": "hs_lastmodifieddate", "direction": "ASCENDING"}]):
            return None
        if not sorts and groups:
            return None
        ordered = self._by_modified.get(kind)
        if ordered is None:
            ordered = sorted((o.modified, int(o.id), o) for o in self.all(kind))
            self._by_modified[kind] = ordered
        if not groups:
            return [o for _, _, o in ordered]
        if len(groups) != 1 or len(groups[0].get("filters", [])) != 1:
            return None
        flt = groups[0]["filters"][0]
        op = flt.get("operator")
        if flt.get("propertyName") != "hs_lastmodifieddate" or op not in ("GT", "GTE"):
            return None
        since = to_ms(str(flt.get("value")))
        if since is None:
            raise BadRequest(f"{flt.get('value')!r} is not a valid value for hs_lastmodifieddate.")
        probe = (since, -1) if op == "GTE" else (since, 1 << 62)
        start = bisect.bisect_left(ordered, probe, key=lambda t: (t[0], t[1]))
        return [o for _, _, o in ordered[start:]]

    def _partial(self, path_kind: str, count: int) -> set[int]:
        fault = self._take_fault(path_kind, {"partial"})
        if fault is None:
            return set()
        return {i for i in range(count) if self._rng.random() < fault.fraction}

    def _batch_upsert(
        self, kind: str, inputs: list[Any], body: Any, query: dict[str, str]
    ) -> tuple[int, Any]:
        failing = self._partial(f"/crm/v3/objects/{kind}/batch/upsert", len(inputs))
        results, errors = [], []
        with self._lock:
            for item in inputs:  # validated as a whole first: a bad input refuses the batch
                if not isinstance(item, dict) or not isinstance(item.get("properties"), dict):
                    raise BadRequest("Each input needs properties.")
                id_prop = item.get("idProperty") or query.get("idProperty")
                value = item.get("id")
                if id_prop != UNIQUE or not isinstance(value, str) or not value:
                    raise BadRequest(f"idProperty must be the unique property {UNIQUE}.")
                if self.schema and UNIQUE not in self.properties.get(kind, {}):
                    self._check_write(kind, {UNIQUE: value}, False)
                creating = self.by_unique(kind, value) is None
                self._check_write(kind, item["properties"], creating)
            for n, item in enumerate(inputs):
                value = item["id"]
                if n in failing:
                    errors.append(_error("Property values were not valid", [value]))
                    continue
                props = {**item["properties"], UNIQUE: value}
                existing = self.by_unique(kind, value)
                if existing is None:
                    oid = self.add(kind, props)
                    obj, new = self.objects[kind][oid], True
                else:
                    self.update(kind, existing.id, props)
                    obj, new = existing, False
                results.append({**self._render(obj, None), "new": new})
        return _batch_answer(results, errors)

    def _batch_update(
        self, kind: str, inputs: list[Any], body: Any, query: dict[str, str]
    ) -> tuple[int, Any]:
        failing = self._partial(f"/crm/v3/objects/{kind}/batch/update", len(inputs))
        results, errors = [], []
        with self._lock:
            for item in inputs:  # as HubSpot: one archived or unknown id fails the batch
                if not isinstance(item, dict) or not isinstance(item.get("properties"), dict):
                    raise BadRequest("Each input needs an id and properties.")
                oid = str(item.get("id"))
                obj = self.objects.get(kind, {}).get(oid)
                if obj is None or obj.archived:
                    raise BadRequest(
                        f"Object not found. objectId {oid} of type {kind} does not exist or "
                        f"was archived.",
                        404,
                    )
                self._check_write(kind, item["properties"], False)
            for n, item in enumerate(inputs):
                oid = str(item.get("id"))
                obj = self.objects[kind][oid]
                if n in failing:
                    errors.append(_error("Property values were not valid", [oid]))
                    continue
                try:
                    self.update(kind, oid, item["properties"])
                except BadRequest as exc:
                    errors.append(_error(str(exc), [oid], "CONFLICT"))
                    continue
                results.append(self._render(obj, None))
        return _batch_answer(results, errors)

    def _batch_read(
        self, kind: str, inputs: list[Any], body: Any, query: dict[str, str]
    ) -> tuple[int, Any]:
        id_prop = body.get("idProperty") if isinstance(body, dict) else None
        if not isinstance(body.get("propertiesWithHistory"), list):
            raise BadRequest(
                "Invalid input JSON on line 1: Cannot build BatchReadInputSimplePublicObjectId, "
                "some of required attributes are not set [propertiesWithHistory]"
            )
        results, errors = [], []
        with self._lock:
            for item in inputs:
                key = str(item.get("id")) if isinstance(item, dict) else ""
                obj = self.by_unique(kind, key) if id_prop else self.objects.get(kind, {}).get(key)
                if obj is None or obj.archived:
                    errors.append(_error(f"Object {key} not found", [key], "OBJECT_NOT_FOUND"))
                else:
                    results.append(self._render(obj, body.get("properties")))
        return _batch_answer(results, errors)

    def _batch_archive(
        self, kind: str, inputs: list[Any], body: Any, query: dict[str, str]
    ) -> tuple[int, Any]:
        for item in inputs:
            if isinstance(item, dict):
                self.archive(kind, str(item.get("id")))
        return 204, None

    def _assoc_create(self, src: str, dst: str, inputs: list[Any]) -> tuple[int, Any]:
        results, errors = [], []
        with self._lock:
            for item in inputs:
                a = str(item.get("from", {}).get("id")) if isinstance(item, dict) else ""
                b = str(item.get("to", {}).get("id")) if isinstance(item, dict) else ""
                if a not in self.objects.get(src, {}) or b not in self.objects.get(dst, {}):
                    errors.append(_error(f"No such objects {a}->{b}", [a], "OBJECT_NOT_FOUND"))
                    continue
                self.assoc.add((src, a, dst, b))
                spec = {
                    "associationCategory": "HUBSPOT_DEFINED",
                    "associationTypeId": TYPE_IDS.get((src, dst), 0),
                }
                results.append({"from": {"id": a}, "to": {"id": b}, "associationSpec": spec})
        return _batch_answer(results, errors)

    def _assoc_read(self, src: str, dst: str, inputs: list[Any]) -> tuple[int, Any]:
        results, errors = [], []
        with self._lock:
            for item in inputs:
                a = str(item.get("id")) if isinstance(item, dict) else ""
                targets = sorted(self.parents(src, a, dst), key=int)
                if not targets:
                    errors.append(
                        _error(
                            f"No {dst} is associated with {src} {a}.", [a], "NO_ASSOCIATIONS_FOUND"
                        )
                    )
                    continue
                results.append(
                    {
                        "from": {"id": a},
                        "to": [
                            {
                                "toObjectId": int(t),
                                "associationTypes": [
                                    {
                                        "category": "HUBSPOT_DEFINED",
                                        "typeId": TYPE_IDS.get((src, dst), 0),
                                        "label": None,
                                    }
                                ],
                            }
                            for t in targets
                        ],
                    }
                )
        return _batch_answer(results, errors)

    def _assoc_archive(self, src: str, dst: str, inputs: list[Any]) -> tuple[int, Any]:
        with self._lock:
            for item in inputs:
                if not isinstance(item, dict):
                    continue
                a = str(item.get("from", {}).get("id"))
                for target in item.get("to", []):
                    self.assoc.discard((src, a, dst, str(target.get("id"))))
        return 204, None


def _sortable(value: Any) -> Any:
    if value is None:
        return (0, "")
    if isinstance(value, int):
        return (1, value)
    return (2, str(value))


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _inputs(body: Any) -> list[Any]:
    if not isinstance(body, dict) or not isinstance(body.get("inputs"), list):
        raise BadRequest("Invalid input JSON: inputs is required")
    if len(body["inputs"]) > 100:
        raise BadRequest("Too many inputs: the limit is 100")
    return list(body["inputs"])


def _error(message: str, ids: list[str], category: str = "VALIDATION_ERROR") -> dict[str, Any]:
    return {"status": "error", "category": category, "message": message, "context": {"ids": ids}}


def _batch_answer(results: list[Any], errors: list[Any]) -> tuple[int, Any]:
    now = iso(int(time.time() * 1000))
    body: dict[str, Any] = {
        "status": "COMPLETE",
        "results": results,
        "requestedAt": now,
        "startedAt": now,
        "completedAt": now,
    }
    if errors:
        body["errors"] = errors
        body["numErrors"] = len(errors)
        return 207, body
    return 200, body


def _encoded(data: Any) -> bytes:
    """The JSON of an answer; an empty one reads as the batch endpoints' "COMPLETE"."""
    return json.dumps(data).encode() if data is not None else b'{"status": "COMPLETE"}'


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients that give up (timeouts, resets) are part of the tests, not errors."""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    fake: FakeCRM

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in two writes; without this, Nagle's algorithm and the
        # client's delayed ACK add ~40 ms to every answer.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _send(
        self,
        status: int,
        body: bytes,
        ctype: str = "application/json;charset=utf-8",
        headers: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, data: Any, headers: dict[str, str] | None = None) -> None:
        if data is None:
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self._send(status, json.dumps(data).encode(), headers=headers)

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def _dispatch(self, method: str) -> None:
        fake = self.fake
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        path, _, qs = self.path.partition("?")
        query = dict(p.partition("=")[::2] for p in qs.split("&") if p)
        status = 0
        try:
            status = self._serve(fake, method, path, raw, query)
        finally:
            with fake._lock:
                fake.log.append((method, path, status))

    def _serve(
        self, fake: FakeCRM, method: str, path: str, raw: bytes, query: dict[str, str]
    ) -> int:
        if path.startswith("/_fake/"):
            return self._admin(fake, path, raw)
        if fake.latency:
            time.sleep(fake.latency)
        hold = fake._take_hold()
        if hold is not None and not hold.apply:
            hold.wait()
        return self._answer(fake, method, path, raw, query, hold)

    def _answer(
        self,
        fake: FakeCRM,
        method: str,
        path: str,
        raw: bytes,
        query: dict[str, str],
        hold: Hold | None,
    ) -> int:
        early = fake._take_fault(path, {"429", "500", "502html", "html", "echo_token"})
        refused = self._refuse(fake, path, early)
        if refused is not None:
            if hold is not None:
                hold.reached.set()  # answered already; the test may kill the client now
            return refused
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            self._json_error(400, "Invalid input JSON", "VALIDATION_ERROR")
            return 400
        try:
            status, data = fake.handle(method, path, body, query)
            if hold is not None and hold.apply:
                hold.wait()  # applied; the answer waits until released
        except BadRequest as exc:
            if hold is not None and hold.apply:
                hold.wait()  # a refused request is a kill point too: the test waits for it
            category = {403: "MISSING_SCOPES", 404: "OBJECT_NOT_FOUND", 409: "CONFLICT"}.get(
                exc.status, "VALIDATION_ERROR"
            )
            self._json_error(exc.status, str(exc), category)
            return exc.status
        late = fake._take_fault(
            path, {"timeout", "reset", "malformed", "wrong_types", "missing_ids"}
        )
        if late is None:
            self._json(status, data)
            return status
        answer_badly = {
            "timeout": self._late_answer,
            "wrong_types": self._garbled_answer,
            "missing_ids": self._garbled_answer,
            "malformed": self._truncated_answer,
            "reset": self._reset_answer,
        }
        return answer_badly[late.kind](late, status, data)

    def _json_error(self, status: int, message: str, category: str) -> None:
        """HubSpot's error body (the batch endpoints' per-item errors are :func:`_error`)."""
        self._json(status, {"status": "error", "message": message, "category": category})

    def _refuse(self, fake: FakeCRM, path: str, early: Fault | None) -> int | None:
        """What HubSpot answers before reading the request: bad credentials, rate limits and
        the faults set to happen there (in that order). None: go on with the request."""
        auth = self.headers.get("Authorization", "")
        if early is not None and early.kind == "echo_token":
            self._json_error(401, f"Bad credentials: {auth}", "INVALID_AUTHENTICATION")
            return 401
        if auth != f"Bearer {fake.token}":
            self._json_error(401, "Authentication credentials not found.", "INVALID_AUTHENTICATION")
            return 401
        limited = self._rate_limited(fake, path)
        if limited is not None:
            return limited
        if early is None:
            return None
        answer_early = {
            "429": self._too_many,
            "500": self._crashed,
            "502html": self._bad_gateway,
            "html": self._sign_in_page,
        }
        return answer_early[early.kind](early)

    def _rate_limited(self, fake: FakeCRM, path: str) -> int | None:
        """A 429 naming the policy when the ten-second or (for searches) the per-second
        limit is used up; each rejection is counted for the tests."""
        now = time.monotonic()
        for limit, policy in (
            (fake.rate, "TEN_SECONDLY_ROLLING"),
            (fake.search_rate if path.endswith("/search") else None, "SECONDLY"),
        ):
            if limit is None:
                continue
            with fake._lock:
                wait = limit.retry_after(now)
                if wait is not None:
                    fake.rejected_429 += 1
            if wait is not None:
                self._json(
                    429,
                    {
                        "status": "error",
                        "message": f"You have reached your {policy.lower()} limit.",
                        "errorType": "RATE_LIMIT",
                        "policyName": policy,
                    },
                    {"Retry-After": str(max(1, math.ceil(wait)))},
                )
                return 429
        return None

    # Early faults: the request is never handled.
    def _too_many(self, fault: Fault) -> int:
        self._json(
            429,
            {"status": "error", "message": "Too many requests", "errorType": "RATE_LIMIT"},
            {"Retry-After": fault.retry_after},
        )
        return 429

    def _crashed(self, fault: Fault) -> int:
        self._json_error(500, "internal error", "INTERNAL_ERROR")
        return 500

    def _bad_gateway(self, fault: Fault) -> int:
        self._send(502, BAD_GATEWAY, "text/html")
        return 502

    def _sign_in_page(self, fault: Fault) -> int:
        """A proxy or captive portal answering 200 with HTML instead of JSON."""
        self._send(200, SIGN_IN, "text/html")
        return 200

    # Late faults: the request was handled (its change is made), the answer goes wrong.
    def _late_answer(self, fault: Fault, status: int, data: Any) -> int:
        time.sleep(fault.delay)
        with contextlib.suppress(OSError):  # the client has given up by now
            self._json(status, data)
        return status

    def _garbled_answer(self, fault: Fault, status: int, data: Any) -> int:
        """Results with numeric ids and names, or without ids; an answer without results to
        garble is cut off like a reset instead."""
        if not isinstance(data, dict):
            return self._reset_answer(fault, status, data)
        for item in data.get("results", []):
            if fault.kind == "missing_ids":
                item.pop("id", None)
                item.pop("from", None)
                continue
            if "id" in item:
                item["id"] = int(item["id"])
            props = item.get("properties")
            if isinstance(props, dict) and "name" in props:
                props["name"] = 12345
        self._json(status, data)
        return status

    def _truncated_answer(self, fault: Fault, status: int, data: Any) -> int:
        encoded = _encoded(data)
        self._send(status if data is not None else 200, encoded[: max(1, len(encoded) // 2)])
        return status

    def _reset_answer(self, fault: Fault, status: int, data: Any) -> int:
        """Headers and half the body, then an RST instead of the rest."""
        encoded = _encoded(data)
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(encoded)))
        self.end_headers()
        self.wfile.write(encoded[: len(encoded) // 2])
        self.wfile.flush()
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True
        return status

    def _admin(self, fake: FakeCRM, path: str, raw: bytes) -> int:
        """Test-only endpoints for the benchmark's server process (no auth, no limits)."""
        body = json.loads(raw) if raw else {}
        if path == "/_fake/seed":
            fake.seed_companies(int(body.get("companies", 0)))
            self._json(200, {"ok": True})
        elif path == "/_fake/stats":
            with fake._lock:
                kinds = {k: len(fake.all(k)) for k in fake.objects}
                dupes = {
                    k: len(fake.all(k)) - len({o.props.get(UNIQUE) or o.id for o in fake.all(k)})
                    for k in fake.objects
                }
                self._json(
                    200,
                    {
                        "requests": len([e for e in fake.log if not e[1].startswith("/_fake")]),
                        "rejected_429": fake.rejected_429,
                        "objects": kinds,
                        "duplicates": dupes,
                    },
                )
        elif path == "/_fake/objects":
            kind = body.get("type", "companies")
            self._json(200, {"results": [fake._render(o, None) for o in fake.all(kind)]})
        else:
            self._json(404, {"message": "unknown admin endpoint"})
            return 404
        return 200


def main(argv: list[str] | None = None) -> None:
    """Run the fake as a process: prints its URL, serves until stdin closes."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--token", default="fake-token-not-secret")
    parser.add_argument("--rate-limit", default="", help="N/SECONDS, e.g. 100/10")
    parser.add_argument("--search-limit", default="", help="N/SECONDS, e.g. 4/1")
    args = parser.parse_args(argv)

    def limit(text: str) -> tuple[int, float] | None:
        if not text:
            return None
        n, _, per = text.partition("/")
        return int(n), float(per)

    crm = FakeCRM(
        token=args.token, rate_limit=limit(args.rate_limit), search_limit=limit(args.search_limit)
    )
    print(crm.start(), flush=True)
    sys.stdin.read()
    crm.stop()


if __name__ == "__main__":
    main()
