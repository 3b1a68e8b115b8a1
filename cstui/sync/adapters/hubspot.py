"""HubSpot CRM (public API v3, associations v4): companies, contacts, notes and tasks.

Local tables map to HubSpot objects: accounts → companies, contacts → contacts,
activities → notes, tasks → tasks; contacts, notes and tasks are associated with their
company.

**Pull** searches each object (``POST /crm/v3/objects/{type}/search``) sorted by
``hs_lastmodifieddate`` ascending, ``limit`` 200, filtered ``GTE`` the saved cursor. The
cursor is the last modification time seen plus the ids seen at exactly that time, so a
resumed pull repeats nothing it applied and skips nothing that shares a timestamp.
Within one query, pages follow ``after``; each page is asked to start one record early
so we can check that the previous page's last record is still where it was: HubSpot's
``after`` is an offset, and a record modified (moved to the end) or deleted while we page
shifts everything after it by one, which would silently skip a record. On a shift, and
before the 10,000-result cap of a search, the query is re-anchored at the last time seen.
Parents come from ``POST /crm/v4/associations/{type}/companies/batch/read``.

**Push** creates and updates with ``POST .../batch/upsert`` keyed by ``idProperty``
``cstui_id`` (a unique property the HubSpot admin creates on each object), so a push
repeated after a crash or a lost answer updates the record it created instead of
creating another. Records that came from HubSpot (known HubSpot id) are written with
``.../batch/update`` by id, which also sets their ``cstui_id``. Both answer 207
Multi-Status with per-item errors; only items in ``results`` count as confirmed.
Associations use ``.../batch/associate/default`` (idempotent); deletions
``.../batch/archive``.

Property values travel as text (HubSpot's wire format): numbers as digits, dates as
``YYYY-MM-DD``, ``hs_timestamp`` as an ISO instant at midnight UTC, note bodies as
escaped HTML.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar

from cstui import clock

from ..errors import ConfigError, GarbageResponse, Rejected, RemoteError
from ..schema import FieldSpec, TableSpec
from ..transport import RateLimit, RetryPolicy, Transport
from .base import (
    JSON,
    AdapterContext,
    Capability,
    CRMAdapter,
    Option,
    Outcome,
    Outgoing,
    PullPage,
    RemoteRecord,
    option,
)

SEARCH_CAP = 10_000
"""HubSpot search returns at most this many results per query, however it is paged."""
MODIFIED = "hs_lastmodifieddate"
PARENT_OBJECT = "companies"

OBJECTS: dict[str, str] = {
    "accounts": "companies",
    "contacts": "contacts",
    "activities": "notes",
    "tasks": "tasks",
}
DEFAULT_PROPERTIES: dict[str, dict[str, str | list[str]]] = {
    "accounts": {
        "name": "name",
        "domain": "domain",
        "arr": "annualrevenue",
        "renewal_date": "cstui_renewal_date",
        "owner": "hubspot_owner_id",
        "stage": "cstui_stage",
        "health": "cstui_health_score",
        "plan_summary": "cstui_success_plan",
    },
    "contacts": {"name": ["firstname", "lastname"], "email": "email", "title": "jobtitle"},
    "activities": {"summary": "hs_note_body", "date": "hs_timestamp"},
    "tasks": {
        "title": "hs_task_subject",
        "due": "hs_timestamp",
        "done": "hs_task_status",
        "priority": "hs_task_priority",
        "notes": "hs_task_body",
    },
}
NO_DUE = "cstui_no_due"
"""Task property: the placeholder day sent as ``hs_timestamp`` for a task without a due date."""
FALLBACK_NAMES = {"accounts": "HubSpot company {id}", "contacts": "HubSpot contact {id}"}
_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,100}$")
_TAG = re.compile(r"<[^>]*>")
_MISSING_PROPERTY = re.compile(r'Property \\?"([A-Za-z0-9_]+)\\?" does not exist')
_BREAK = re.compile(r"<\s*(br\s*/?|/p|/div|/li)\s*>", re.IGNORECASE)

Props = Mapping[str, str | None]


class BadValue(ValueError):
    """A property value that cannot be converted; becomes a GarbageResponse with context."""


# --------------------------------------------------------------------------- codecs
class Codec:
    """Converts one local field to and from HubSpot property text."""

    def __init__(self, props: tuple[str, ...]) -> None:
        self.props = props

    def decode(self, props: Props, remote_id: str) -> JSON:
        raise NotImplementedError

    def encode(self, value: JSON) -> dict[str, str]:
        raise NotImplementedError

    @property
    def prop(self) -> str:
        return self.props[0]


class TextCodec(Codec):
    def __init__(self, prop: str, fallback: str | None = None) -> None:
        super().__init__((prop,))
        self.fallback = fallback

    def decode(self, props: Props, remote_id: str) -> JSON:
        value = props.get(self.prop) or ""
        if not value.strip() and self.fallback:
            return self.fallback.format(id=remote_id)
        return value

    def encode(self, value: JSON) -> dict[str, str]:
        return {self.prop: "" if value is None else str(value)}


class HtmlTextCodec(TextCodec):
    """Note and task bodies: HubSpot keeps HTML; cstui keeps plain text."""

    def decode(self, props: Props, remote_id: str) -> JSON:
        raw = props.get(self.prop) or ""
        text = html.unescape(_TAG.sub("", _BREAK.sub("\n", raw))).strip()
        if not text and self.fallback:
            return self.fallback.format(id=remote_id)
        return text

    def encode(self, value: JSON) -> dict[str, str]:
        return {self.prop: html.escape("" if value is None else str(value), quote=False)}


class FullNameCodec(Codec):
    """A contact's one name field as HubSpot's first and last name."""

    def __init__(self, first: str, last: str, email_prop: str | None) -> None:
        super().__init__((first, last))
        self.email_prop = email_prop

    def decode(self, props: Props, remote_id: str) -> JSON:
        parts = [props.get(p) or "" for p in self.props]
        name = " ".join(p for p in parts if p)
        if name.strip():
            return name
        email = props.get(self.email_prop) if self.email_prop else None
        return email or FALLBACK_NAMES["contacts"].format(id=remote_id)

    def encode(self, value: JSON) -> dict[str, str]:
        text = "" if value is None else str(value)
        first, _, last = text.rpartition(" ")
        if not first:
            first, last = last, ""
        return {self.props[0]: first, self.props[1]: last}


class IntCodec(Codec):
    def __init__(self, prop: str, nullable: bool) -> None:
        super().__init__((prop,))
        self.nullable = nullable

    def decode(self, props: Props, remote_id: str) -> JSON:
        raw = (props.get(self.prop) or "").strip()
        if not raw:
            return None if self.nullable else 0
        try:
            number = Decimal(raw)
        except InvalidOperation:
            raise BadValue(f"{self.prop} is {raw[:40]!r}, not a number") from None
        if not number.is_finite():
            raise BadValue(f"{self.prop} is {raw[:40]!r}, not a number")
        return int(number.to_integral_value())

    def encode(self, value: JSON) -> dict[str, str]:
        return {self.prop: "" if value is None else str(int(value))}


def _parse_day(raw: str, prop: str) -> str:
    """``YYYY-MM-DD`` from a date, an ISO instant or epoch milliseconds (UTC)."""
    try:
        if raw.isdigit():
            return datetime.fromtimestamp(int(raw) / 1000, UTC).date().isoformat()
        if len(raw) == 10:
            return date.fromisoformat(raw).isoformat()
        moment = datetime.fromisoformat(raw)
        if moment.tzinfo is not None:
            moment = moment.astimezone(UTC)
        return moment.date().isoformat()
    except (ValueError, OverflowError, OSError):
        raise BadValue(f"{prop} is {raw[:40]!r}, not a date") from None


class DateCodec(Codec):
    def __init__(self, prop: str, instant: bool = False) -> None:
        super().__init__((prop,))
        self.instant = instant

    def decode(self, props: Props, remote_id: str) -> JSON:
        raw = (props.get(self.prop) or "").strip()
        return _parse_day(raw, self.prop) if raw else None

    def encode(self, value: JSON) -> dict[str, str]:
        if value is None:
            return {self.prop: ""}
        return {self.prop: f"{value}T00:00:00.000Z" if self.instant else str(value)}


class DueCodec(Codec):
    """A task's due date as ``hs_timestamp``, which HubSpot requires on every task.

    A task without a due date is sent with ``hs_timestamp`` at midnight UTC of the day it
    is sent (HubSpot's own task form also proposes a near date), and that day is also
    kept in ``cstui_no_due``. While the two still agree the task comes back without a due
    date; once someone sets a real due date in HubSpot, that date is taken.
    """

    def __init__(self, prop: str, marker: str) -> None:
        super().__init__((prop, marker))

    def decode(self, props: Props, remote_id: str) -> JSON:
        raw = (props.get(self.props[0]) or "").strip()
        if not raw:
            return None
        day = _parse_day(raw, self.props[0])
        marker = (props.get(self.props[1]) or "").strip()
        return None if marker == day else day

    def encode(self, value: JSON) -> dict[str, str]:
        if value is None:
            today = clock.today().isoformat()
            return {self.props[0]: f"{today}T00:00:00.000Z", self.props[1]: today}
        return {self.props[0]: f"{value}T00:00:00.000Z", self.props[1]: ""}


class MapCodec(Codec):
    """Enumerations with different spellings on each side (task status, priority, owners)."""

    def __init__(
        self, prop: str, to_remote: Mapping[Any, str], default: JSON, passthrough: bool = False
    ) -> None:
        super().__init__((prop,))
        self.to_remote = dict(to_remote)
        self.to_local = {v: k for k, v in to_remote.items()}
        self.default = default
        self.passthrough = passthrough

    def decode(self, props: Props, remote_id: str) -> JSON:
        raw = props.get(self.prop)
        if raw is None or raw == "":
            return self.default
        if raw in self.to_local:
            return self.to_local[raw]
        return raw if self.passthrough else self.default

    def encode(self, value: JSON) -> dict[str, str]:
        if value in self.to_remote:
            return {self.prop: self.to_remote[value]}
        return {self.prop: "" if value is None else str(value)}


def _codec(
    table: TableSpec, spec: FieldSpec, prop: str | list[str], owners: dict[str, str]
) -> Codec:
    """The converter for one field: special HubSpot properties first, then by kind."""
    if isinstance(prop, list):
        if spec.name == "name" and len(prop) == 2:
            email = DEFAULT_PROPERTIES["contacts"]["email"] if table.table == "contacts" else None
            return FullNameCodec(prop[0], prop[1], email if isinstance(email, str) else None)
        raise ConfigError(f"Only a contact's name can map to two properties, not {spec.name}.")
    if prop == "hs_task_status":
        return MapCodec(prop, {True: "COMPLETED", False: "NOT_STARTED"}, False)
    if prop == "hs_task_priority":
        return MapCodec(prop, {"high": "HIGH", "normal": "MEDIUM", "low": "LOW"}, "normal")
    if prop in ("hs_note_body", "hs_task_body"):
        fallback = "(empty note)" if spec.name == "summary" else None
        return HtmlTextCodec(prop, fallback)
    if prop == "hubspot_owner_id":
        return MapCodec(prop, {v: k for k, v in owners.items()}, "", passthrough=True)
    if spec.kind == "int":
        return IntCodec(prop, spec.nullable)
    if spec.kind == "date" and table.table == "tasks" and prop == "hs_timestamp":
        return DueCodec(prop, NO_DUE)
    if spec.kind == "date":
        return DateCodec(prop, instant=prop == "hs_timestamp")
    if spec.kind == "bool":
        return MapCodec(prop, {True: "true", False: "false"}, False)
    if spec.kind == "enum":
        default = (
            table.model.model_fields[spec.name].default
            if spec.name in table.model.model_fields
            else ""
        )
        default = getattr(default, "value", default)
        return MapCodec(prop, {}, default, passthrough=True)
    fallback = FALLBACK_NAMES.get(table.table) if spec.name == "name" else None
    if spec.name == "title" and table.table == "tasks":
        fallback = "(untitled task)"
    return TextCodec(prop, fallback)


# --------------------------------------------------------------------------- parsing
_Result = tuple[list["_Hit"], int | None, int | None]


@dataclass(frozen=True)
class _Hit:
    id: str
    props: dict[str, str | None]
    modified: int


def _garbage(what: str, problem: str) -> GarbageResponse:
    return GarbageResponse(
        f"HubSpot answered {what} with {problem}; nothing from that answer was used."
    )


def _check_id(value: Any, what: str, where: str) -> str:
    if value is None:
        raise _garbage(what, f"{where} without an id")
    if not isinstance(value, str):
        shown = repr(value)[:40]
        raise _garbage(what, f"{where} whose id is {shown} ({type(value).__name__}), not text")
    if not _ID.match(value):
        raise _garbage(what, f"{where} whose id is {value[:40]!r}")
    return value


def _millis(raw: str) -> int:
    if raw.isdigit():
        return int(raw)
    moment = datetime.fromisoformat(raw)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


def _object(data: Any, what: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise _garbage(what, f"a {type(data).__name__} instead of an object")
    return data


def _list(data: dict[str, Any], key: str, what: str, required: bool = True) -> list[Any]:
    value = data.get(key)
    if value is None and not required:
        return []
    if not isinstance(value, list):
        raise _garbage(what, f"{key!r} missing or not a list")
    return value


def _props(item: dict[str, Any], what: str, rid: str) -> dict[str, str | None]:
    props = item.get("properties")
    if not isinstance(props, dict):
        raise _garbage(what, f"record {rid} without a properties object")
    for key, value in props.items():
        if value is not None and not isinstance(value, str):
            raise _garbage(what, f"record {rid} whose {key} is a {type(value).__name__}, not text")
    return props


def _error_ids(data: dict[str, Any], what: str) -> dict[str, str]:
    """Per-item errors of a 207 answer: {input id: message}."""
    out: dict[str, str] = {}
    for err in _list(data, "errors", what, required=False):
        if not isinstance(err, dict):
            raise _garbage(what, "an error entry that is not an object")
        raw_message = err.get("message")
        message = raw_message if isinstance(raw_message, str) else "rejected"
        raw_context = err.get("context")
        context: dict[str, Any] = raw_context if isinstance(raw_context, dict) else {}
        ids = context.get("ids") or context.get("id") or []
        for rid in ids if isinstance(ids, list) else [ids]:
            if isinstance(rid, str | int):
                out[str(rid)] = " ".join(str(message).split())[:200]
    return out


# --------------------------------------------------------------------------- adapter
class HubSpotAdapter(CRMAdapter):
    """HubSpot CRM v3; see the module docstring for how pull and push stay safe."""

    name: ClassVar[str] = "hubspot"
    label: ClassVar[str] = "HubSpot"
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {
            Capability.PULL,
            Capability.PUSH,
            Capability.DELETE,
            Capability.PREVIEW,
            Capability.FETCH,
        }
    )
    options: ClassVar[tuple[Option, ...]] = (
        Option("base_url", "API root; CSTUI_HUBSPOT_URL overrides it", "https://api.hubapi.com"),
        Option("token_file", "private (0600) file holding the private-app token", None),
        Option("timeout", "seconds to wait for each answer", 30.0),
        Option("requests_per_10s", "HubSpot's rolling 10-second request limit", 100),
        Option("search_per_second", "HubSpot's search request limit per second", 4),
        Option("page_size", "records per search page (HubSpot allows up to 200)", 200),
        Option("batch_size", "records per batch write (HubSpot allows up to 100)", 100),
        Option("id_property", "unique HubSpot property holding the cstui id", "cstui_id"),
        Option("objects", "local table = HubSpot object type", None),
        Option("properties", "[hubspot.properties.<table>] local field = property", None),
        Option("owners", "[hubspot.owners] HubSpot owner id = cstui user name", None),
    )

    def __init__(self, context: AdapterContext) -> None:
        super().__init__(context)
        self.base_url = option(self, "base_url", str, "https://api.hubapi.com")
        timeout = option(self, "timeout", float, 30.0, low=0.05, high=600)
        per_10s = option(self, "requests_per_10s", int, 100, low=1)
        per_second = option(self, "search_per_second", int, 4, low=1)
        self.page_size = option(self, "page_size", int, 200, low=2, high=200)
        self.batch_size = option(self, "batch_size", int, 100, low=1, high=100)
        self.id_property = option(self, "id_property", str, "cstui_id")
        objects = {**OBJECTS, **option(self, "objects", dict, {})}
        owners = {str(k): str(v) for k, v in option(self, "owners", dict, {}).items()}
        overrides = option(self, "properties", dict, {})
        self.objects: dict[str, str] = {}
        self.codecs: dict[str, dict[str, Codec]] = {}
        for table in context.tables:
            if table.table not in objects:
                raise ConfigError(f"HubSpot has no object configured for {table.table}.")
            self.objects[table.table] = str(objects[table.table])
            mapping: dict[str, Any] = {**DEFAULT_PROPERTIES.get(table.table, {})}
            extra = overrides.get(table.table, {})
            if not isinstance(extra, dict):
                raise ConfigError(
                    f"{context.config.source}: [hubspot.properties.{table.table}] must be a table."
                )
            for field_name, prop in extra.items():
                if field_name not in table.names:
                    raise ConfigError(
                        f"{context.config.source}: [hubspot.properties.{table.table}] "
                        f"{field_name} is not a synced field ({', '.join(table.names)})."
                    )
                if not (
                    isinstance(prop, str)
                    or (isinstance(prop, list) and all(isinstance(p, str) for p in prop))
                ):
                    raise ConfigError(
                        f"{context.config.source}: [hubspot.properties.{table.table}] "
                        f"{field_name} must be a property name in quotes."
                    )
                mapping[field_name] = prop
            self.codecs[table.table] = {
                spec.name: _codec(table, spec, mapping[spec.name], owners)
                for spec in table.fields
                if spec.name in mapping
            }
        self._pool: ThreadPoolExecutor | None = None
        token = context.config.token(self.name, self.label)
        self.transport = Transport(
            self.base_url,
            token=token,
            label=self.label,
            token_hint="Check CSTUI_HUBSPOT_TOKEN or the token file, and the private app's scopes.",
            timeout=timeout,
            limits={
                "default": RateLimit("default", per_10s, 10.0),
                "search": RateLimit("search", per_second, 1.0),
            },
            retry=context.retry or RetryPolicy(),
            cancel=context.cancel,
            http=context.http,
        )

    @property
    def requests(self) -> int:
        return self.transport.requests

    def close(self) -> None:
        pool, self._pool = self._pool, None
        self.transport.close()  # a prefetch still retrying stops at its next step
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)

    # ----------------------------------------------------------------- pull
    def _search_body(self, table: TableSpec, anchor: int | None, limit: int) -> dict[str, Any]:
        props = {self.id_property, MODIFIED}
        for codec in self.codecs[table.table].values():
            props.update(codec.props)
        body: dict[str, Any] = {
            "limit": limit,
            "sorts": [{"propertyName": MODIFIED, "direction": "ASCENDING"}],
            "properties": sorted(props),
        }
        if anchor is not None:
            body["filterGroups"] = [
                {"filters": [{"propertyName": MODIFIED, "operator": "GTE", "value": str(anchor)}]}
            ]
        return body

    def _search(self, table: TableSpec, body: dict[str, Any]) -> _Result:
        obj = self.objects[table.table]
        what = f"the {obj} search"
        data = _object(
            self.transport.request(
                "POST", f"/crm/v3/objects/{obj}/search", json=body, buckets=("default", "search")
            ),
            what,
        )
        hits: list[_Hit] = []
        for item in _list(data, "results", what):
            if not isinstance(item, dict):
                raise _garbage(what, "a result that is not an object")
            rid = _check_id(item.get("id"), what, "a record")
            props = _props(item, what, rid)
            raw = props.get(MODIFIED) or item.get("updatedAt")
            if not isinstance(raw, str):
                raise _garbage(what, f"record {rid} without {MODIFIED}")
            try:
                modified = _millis(raw)
            except ValueError:
                raise _garbage(what, f"record {rid} whose {MODIFIED} is {raw[:40]!r}") from None
            if hits and modified < hits[-1].modified:
                raise _garbage(what, "results out of order")
            hits.append(_Hit(rid, props, modified))
        after: int | None = None
        paging = data.get("paging")
        if paging is not None:
            nxt = paging.get("next") if isinstance(paging, dict) else None
            token = nxt.get("after") if isinstance(nxt, dict) else None
            if not isinstance(token, str | int) or not str(token).isdigit():
                raise _garbage(what, "paging without a numeric 'after'")
            after = int(token)
        total = data.get("total")
        return (
            hits,
            after,
            total if isinstance(total, int) and not isinstance(total, bool) else None,
        )

    def _parents(self, table: TableSpec, ids: list[str]) -> dict[str, str]:
        """{record id: company id} for a page of children (first company if several)."""
        if not ids or table.parent_table is None:
            return {}
        obj = self.objects[table.table]
        what = f"the {obj} → companies association read"
        data = _object(
            self.transport.request(
                "POST",
                f"/crm/v4/associations/{obj}/{PARENT_OBJECT}/batch/read",
                json={"inputs": [{"id": rid} for rid in ids]},
            ),
            what,
        )
        out: dict[str, str] = {}
        for item in _list(data, "results", what):
            if not isinstance(item, dict) or not isinstance(item.get("from"), dict):
                raise _garbage(what, "a result without 'from'")
            rid = _check_id(str(item["from"].get("id", "")), what, "a result")
            targets = item.get("to")
            if not isinstance(targets, list):
                raise _garbage(what, f"record {rid} without a 'to' list")
            for target in targets:
                to_id = target.get("toObjectId") if isinstance(target, dict) else None
                if isinstance(to_id, bool) or not isinstance(to_id, int | str):
                    raise _garbage(what, f"record {rid} with a target without an id")
                out.setdefault(rid, _check_id(str(to_id), what, "a target"))
        return out

    def _decode(self, table: TableSpec, hits: list[_Hit]) -> list[RemoteRecord]:
        codecs = self.codecs[table.table]
        parents = self._parents(table, [h.id for h in hits])
        obj = self.objects[table.table]
        records = []
        for hit in hits:
            values: dict[str, JSON] = {}
            for field_name, codec in codecs.items():
                try:
                    values[field_name] = codec.decode(hit.props, hit.id)
                except BadValue as exc:
                    raise _garbage(f"the {obj} search", f"{obj} record {hit.id}: {exc}") from None
            cstui_id = hit.props.get(self.id_property) or None
            records.append(RemoteRecord(hit.id, values, cstui_id, parents.get(hit.id)))
        return records

    def _page(self, table: TableSpec, anchor: int | None, offset: int) -> Future[_Result]:
        """Start fetching one search page in the background (one page ahead of the engine).

        Past the first page, ask one record early (``after - 1``): the previous page's last
        record must come back first, or the results have shifted.
        """
        body = self._search_body(table, anchor, self.page_size)
        if offset > 0:
            body["after"] = str(offset - 1)
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cstui-hubspot")
        return self._pool.submit(self._search, table, body)

    def pull(self, table: TableSpec, cursor: JSON | None) -> Iterator[PullPage]:
        obj = self.objects[table.table]
        anchor, seen = _read_cursor(cursor)
        offset = 0
        last_id: str | None = None
        query_anchor = anchor  # fixed for one query: `after` offsets belong to its results
        stuck = 0
        pending = self._page(table, query_anchor, 0)
        while True:
            hits, after, _ = pending.result()
            if last_id is not None:
                if not hits or hits[0].id != last_id:
                    # Something before our position moved or vanished: start again from the
                    # last time we saw (everything after it has that time or later).
                    stuck += 1
                    if stuck > 5:
                        raise RemoteError(
                            "HubSpot's search results keep shifting while paging (records are "
                            "being changed quickly); run `cstui sync` again in a moment."
                        )
                    offset, last_id, query_anchor = 0, None, anchor
                    pending = self._page(table, query_anchor, 0)
                    continue
                hits = hits[1:]
            fresh: list[_Hit] = []
            for hit in hits:
                if anchor is not None and hit.modified < anchor:
                    raise _garbage(f"the {obj} search", "results older than asked for")
                if hit.modified == anchor:
                    if hit.id in seen:
                        continue
                    seen.add(hit.id)
                else:
                    anchor, seen = hit.modified, {hit.id}
                fresh.append(hit)
            if fresh:
                stuck = 0
            more = after is not None and bool(hits)
            give_up = False
            if more and after is not None:
                if after + self.page_size > SEARCH_CAP:  # re-anchor before the cap
                    stuck += 0 if fresh else 1
                    give_up = stuck > 1
                    offset, last_id, query_anchor = 0, None, anchor
                else:
                    offset, last_id = after, hits[-1].id
                if not give_up:
                    pending = self._page(table, query_anchor, offset)
            yield PullPage(self._decode(table, fresh), {"ts": anchor, "ids": sorted(seen)})
            if give_up:
                raise RemoteError(
                    f"More than {SEARCH_CAP:,} HubSpot {obj} share one modification time, "
                    f"which HubSpot search cannot page past."
                )
            if not more:
                return

    def fetch(self, table: TableSpec, remote_ids: Sequence[str]) -> list[RemoteRecord]:
        obj = self.objects[table.table]
        what = f"the {obj} batch read"
        props = self._search_body(table, None, 1)["properties"]
        data = _object(
            self.transport.request(
                "POST",
                f"/crm/v3/objects/{obj}/batch/read",
                json={
                    "properties": props,
                    "propertiesWithHistory": [],
                    "inputs": [{"id": rid} for rid in remote_ids],
                },
            ),
            what,
        )
        hits = []
        for item in _list(data, "results", what):
            if not isinstance(item, dict):
                raise _garbage(what, "a result that is not an object")
            rid = _check_id(item.get("id"), what, "a record")
            found = _props(item, what, rid)
            raw = found.get(MODIFIED) or item.get("updatedAt")
            try:
                modified = _millis(raw) if isinstance(raw, str) else 0
            except ValueError:
                raise _garbage(what, f"record {rid} whose {MODIFIED} is {raw!r:.40}") from None
            hits.append(_Hit(rid, found, modified))
        return self._decode(table, hits)

    def preview(self, table: TableSpec, cursor: JSON | None) -> int | None:
        anchor, _ = _read_cursor(cursor)
        _, _, total = self._search(table, self._search_body(table, anchor, 1))
        return total

    # ----------------------------------------------------------------- push
    def _encode(self, table: TableSpec, values: Mapping[str, JSON]) -> dict[str, str]:
        codecs = self.codecs[table.table]
        out: dict[str, str] = {}
        for field_name, value in values.items():
            if field_name in codecs:
                out.update(codecs[field_name].encode(value))
        return out

    def _send(self, path: str, json: Any) -> Any:
        """POST a batch write; a property HubSpot does not have is a setup problem."""
        try:
            return self.transport.request("POST", path, json=json)
        except Rejected as exc:
            missing = _MISSING_PROPERTY.search(str(exc))
            if exc.status == 400 and missing:
                obj = path.split("/")[4]
                raise ConfigError(
                    f"HubSpot has no property {missing.group(1)!r} on {obj}: run "
                    f"`cstui sync --setup` to create the properties cstui needs (or see "
                    f"`cstui sync --setup` for the list to create by hand)."
                ) from None
            raise

    def _write(self, table: TableSpec, items: list[Outgoing], outcomes: dict[str, Outcome]) -> None:
        obj = self.objects[table.table]
        upserts = [i for i in items if i.remote_id is None]
        updates = [i for i in items if i.remote_id is not None]
        if upserts:
            what = f"the {obj} batch upsert"
            data = _object(
                self._send(
                    f"/crm/v3/objects/{obj}/batch/upsert",
                    json={
                        "inputs": [
                            {
                                "idProperty": self.id_property,
                                "id": i.local_id,
                                "properties": self._encode(table, i.values),
                            }
                            for i in upserts
                        ]
                    },
                ),
                what,
            )
            wanted = {i.local_id for i in upserts}
            for item in _list(data, "results", what):
                if not isinstance(item, dict):
                    raise _garbage(what, "a result that is not an object")
                rid = _check_id(item.get("id"), what, "a result")
                local = _props(item, what, rid).get(self.id_property)
                if local not in wanted:
                    raise _garbage(what, f"record {rid} that was not asked for")
                outcomes[str(local)] = Outcome(str(local), True, remote_id=rid)
            for key, message in _error_ids(data, what).items():
                if key in wanted and key not in outcomes:
                    outcomes[key] = Outcome(key, False, error=message)
        if updates:
            what = f"the {obj} batch update"
            by_remote = {i.remote_id: i for i in updates}
            data = _object(
                self._send(
                    f"/crm/v3/objects/{obj}/batch/update",
                    json={
                        "inputs": [
                            {
                                "id": i.remote_id,
                                "properties": {
                                    **self._encode(table, i.values),
                                    self.id_property: i.local_id,
                                },
                            }
                            for i in updates
                        ]
                    },
                ),
                what,
            )
            for item in _list(data, "results", what):
                if not isinstance(item, dict):
                    raise _garbage(what, "a result that is not an object")
                rid = _check_id(item.get("id"), what, "a result")
                if rid not in by_remote:
                    raise _garbage(what, f"record {rid} that was not asked for")
                local = by_remote[rid].local_id
                outcomes[local] = Outcome(local, True, remote_id=rid)
            for key, message in _error_ids(data, what).items():
                entry = by_remote.get(key)
                if entry is not None and entry.local_id not in outcomes:
                    outcomes[entry.local_id] = Outcome(entry.local_id, False, error=message)

    def _associate(
        self, table: TableSpec, items: list[Outgoing], outcomes: dict[str, Outcome]
    ) -> None:
        obj = self.objects[table.table]
        pending = [
            i
            for i in items
            if i.parent is not None and outcomes.get(i.local_id, Outcome("", False)).ok
        ]
        moved = [i for i in pending if i.old_parent and i.old_parent != i.parent]
        if moved:
            self.transport.request(
                "POST",
                f"/crm/v4/associations/{obj}/{PARENT_OBJECT}/batch/archive",
                json={
                    "inputs": [
                        {
                            "from": {"id": outcomes[i.local_id].remote_id},
                            "to": [{"id": i.old_parent}],
                        }
                        for i in moved
                    ]
                },
            )
        if not pending:
            return
        what = f"the {obj} → companies association"
        wanted = {(outcomes[i.local_id].remote_id, i.parent): i.local_id for i in pending}
        data = _object(
            self.transport.request(
                "POST",
                f"/crm/v4/associations/{obj}/{PARENT_OBJECT}/batch/associate/default",
                json={"inputs": [{"from": {"id": f}, "to": {"id": t}} for f, t in wanted]},
            ),
            what,
        )
        for item in _list(data, "results", what):
            if not isinstance(item, dict):
                raise _garbage(what, "a result that is not an object")
            src, dst = item.get("from"), item.get("to")
            if not isinstance(src, dict) or not isinstance(dst, dict):
                raise _garbage(what, "a result without 'from' and 'to'")
            key = (str(src.get("id")), str(dst.get("id")))
            local = wanted.get(key)
            if local is not None:
                outcomes[local].parent_ok = True
        for i in pending:
            outcome = outcomes[i.local_id]
            if not outcome.parent_ok:
                outcome.error = "HubSpot did not confirm the link to its company"

    def _delete(
        self, table: TableSpec, items: list[Outgoing], outcomes: dict[str, Outcome]
    ) -> None:
        obj = self.objects[table.table]
        known = {i.remote_id: i.local_id for i in items if i.remote_id}
        unknown = [i for i in items if not i.remote_id]
        if unknown:
            what = f"the {obj} batch read"
            data = _object(
                self.transport.request(
                    "POST",
                    f"/crm/v3/objects/{obj}/batch/read",
                    json={
                        "idProperty": self.id_property,
                        "properties": [self.id_property],
                        "propertiesWithHistory": [],
                        "inputs": [{"id": i.local_id} for i in unknown],
                    },
                ),
                what,
            )
            wanted = {i.local_id for i in unknown}
            for item in _list(data, "results", what):
                if not isinstance(item, dict):
                    raise _garbage(what, "a result that is not an object")
                rid = _check_id(item.get("id"), what, "a result")
                local = _props(item, what, rid).get(self.id_property)
                if local in wanted:
                    known[rid] = str(local)
            for i in unknown:  # never reached HubSpot: nothing to archive
                if i.local_id not in known.values():
                    outcomes[i.local_id] = Outcome(i.local_id, True)
        if known:
            self.transport.request(
                "POST",
                f"/crm/v3/objects/{obj}/batch/archive",
                json={"inputs": [{"id": rid} for rid in known]},
            )
            for rid, local in known.items():
                outcomes[local] = Outcome(local, True, remote_id=rid)

    def push(self, table: TableSpec, items: Sequence[Outgoing]) -> list[Outcome]:
        outcomes: dict[str, Outcome] = {}
        writes = [i for i in items if not i.delete]
        deletes = [i for i in items if i.delete]
        if writes:
            self._write(table, writes, outcomes)
            self._associate(table, writes, outcomes)
        if deletes:
            self._delete(table, deletes, outcomes)
        for i in items:
            outcomes.setdefault(
                i.local_id, Outcome(i.local_id, False, error="HubSpot did not confirm it")
            )
        for outcome in outcomes.values():
            if outcome.error:
                outcome.error = self.transport.redact(outcome.error)
        return [outcomes[i.local_id] for i in items]


def _read_cursor(cursor: JSON | None) -> tuple[int | None, set[str]]:
    if not isinstance(cursor, dict):
        return None, set()
    ts = cursor.get("ts")
    ids = cursor.get("ids")
    if not isinstance(ts, int) or isinstance(ts, bool):
        return None, set()
    return ts, {str(i) for i in ids} if isinstance(ids, list) else set()
