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
import json
import re
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
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
    SetupResult,
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
        "tier": "cstui_tier",
        "currency": "cstui_currency",
        "seats": "cstui_seats",
        "contract_start": "cstui_contract_start",
        "tags": "cstui_tags",
        "health": "cstui_health_score",
        "plan_summary": "cstui_success_plan",
    },
    "contacts": {
        "name": ["firstname", "lastname"],
        "email": "email",
        "title": "jobtitle",
        "role": "hs_buying_role",
    },
    "activities": {
        "summary": "hs_note_body",
        "date": "hs_timestamp",
        "kind": "cstui_kind",
        "sentiment": "cstui_sentiment",
        "participants": "cstui_participants",
        "via_champion": "cstui_via_champion",
    },
    "tasks": {
        "title": "hs_task_subject",
        "due": "hs_timestamp",
        "done": "hs_task_status",
        "priority": "hs_task_priority",
        "notes": "hs_task_body",
        "owner": "hubspot_owner_id",
        "source": "cstui_source",
        "key": "cstui_key",
    },
}
ACTIVITY_OBJECTS: tuple[tuple[str, frozenset[str] | None], ...] = (
    ("notes", None),
    ("calls", frozenset({"call"})),
    ("meetings", frozenset({"meeting"})),
    ("emails", frozenset({"email"})),
)
"""Where activities live in HubSpot, by kind: calls, meetings and emails as HubSpot's own
engagement objects, every other kind (note, QBR, executive report) as a note with its
kind in ``cstui_kind``. The first object is the default."""
KIND_OF_OBJECT = {"calls": "call", "meetings": "meeting", "emails": "email"}
ENGAGEMENT_BODIES = {
    "calls": "hs_call_body",
    "meetings": "hs_meeting_body",
    "emails": "hs_email_text",
}
ENGAGEMENT_TITLES = {
    "hs_call_body": "hs_call_title",
    "hs_meeting_body": "hs_meeting_title",
    "hs_email_text": "hs_email_subject",
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


class TitledBodyCodec(Codec):
    """An engagement's body (``summary``), plus its title in HubSpot: the first line.

    The title is written for people reading HubSpot; only the body is read back.
    """

    def __init__(self, body: str, title: str, as_html: bool) -> None:
        super().__init__((body, title))
        self.body = HtmlTextCodec(body, "(empty note)") if as_html else TextCodec(body)

    def decode(self, props: Props, remote_id: str) -> JSON:
        return self.body.decode(props, remote_id)

    def encode(self, value: JSON) -> dict[str, str]:
        text = "" if value is None else str(value)
        first = text.strip().splitlines()[0] if text.strip() else ""
        return {**self.body.encode(value), self.props[1]: first[:100]}


class DefaultCodec(TextCodec):
    """A ``cstui_*`` text property whose absence means the model's default (a company
    created in HubSpot has no ``cstui_currency``)."""

    def __init__(self, prop: str, default: JSON) -> None:
        super().__init__(prop)
        self.default = default

    def decode(self, props: Props, remote_id: str) -> JSON:
        value = (props.get(self.prop) or "").strip()
        return value if value else self.default


class ConstCodec(Codec):
    """A field implied by the HubSpot object itself (an activity in ``calls`` is a call)."""

    def __init__(self, value: JSON) -> None:
        super().__init__(())
        self.value = value

    def decode(self, props: Props, remote_id: str) -> JSON:
        return self.value

    def encode(self, value: JSON) -> dict[str, str]:
        return {}


class ListCodec(Codec):
    """A list of texts (tags, participants) as a JSON array in one text property: exact
    for any text, including ``;`` (HubSpot's multi-value separator)."""

    def __init__(self, prop: str) -> None:
        super().__init__((prop,))

    def decode(self, props: Props, remote_id: str) -> JSON:
        raw = (props.get(self.prop) or "").strip()
        if not raw:
            return []
        try:
            value = json.loads(raw)
        except ValueError:
            return [part.strip() for part in raw.split(";") if part.strip()]  # typed by hand
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise BadValue(f"{self.prop} is {raw[:40]!r}, not a list of texts")
        return value

    def encode(self, value: JSON) -> dict[str, str]:
        items = list(value or [])
        return {self.prop: json.dumps(items, ensure_ascii=False) if items else ""}


BUYING_ROLES = {
    "champion": "CHAMPION",
    "executive_sponsor": "EXECUTIVE_SPONSOR",
    "decision_maker": "DECISION_MAKER",
    "end_user": "END_USER",
    "admin": "OTHER",
}
"""cstui contact roles as HubSpot's ``hs_buying_role`` options (HubSpot has no "admin")."""


class RoleCodec(Codec):
    """A contact's role as HubSpot's own buying role, with the exact cstui role in
    ``cstui_role`` for the one HubSpot lacks. While the two agree the cstui role wins;
    when someone changes the buying role in HubSpot, that is taken."""

    def __init__(self, prop: str, exact: str, default: str) -> None:
        super().__init__((prop, exact))
        self.default = default
        self.back = {v: k for k, v in BUYING_ROLES.items() if v != "OTHER"}

    def decode(self, props: Props, remote_id: str) -> JSON:
        chosen = [v.strip() for v in (props.get(self.props[0]) or "").split(";") if v.strip()]
        exact = (props.get(self.props[1]) or "").strip()
        if exact in BUYING_ROLES and (BUYING_ROLES[exact] in chosen or not chosen):
            return exact
        for value in chosen:
            if value in self.back:
                return self.back[value]
        return self.default

    def encode(self, value: JSON) -> dict[str, str]:
        role = str(value or self.default)
        return {self.props[0]: BUYING_ROLES.get(role, "OTHER"), self.props[1]: role}


class Owners:
    """HubSpot owners (``GET /crm/v3/owners``) matched to cstui users by email.

    A cstui user is the owner whose email is the one given in ``[hubspot.users]``, else
    whose email's local part is the user name (``sato`` ↔ ``sato@example.com``);
    ``[hubspot.owners]`` (owner id = user) overrides both. Read once per sync, when a
    record first needs it.
    """

    def __init__(
        self,
        load: Callable[[], list[dict[str, Any]]],
        ids: Mapping[str, str],
        emails: Mapping[str, str],
    ) -> None:
        self._load = load
        self._explicit = dict(ids)
        self._emails = {user: email.lower() for user, email in emails.items()}
        self._lock = threading.Lock()
        self._by_id: dict[str, str] | None = None
        self._by_email: dict[str, str] = {}

    def _ready(self) -> dict[str, str]:
        with self._lock:
            if self._by_id is None:
                by_id: dict[str, str] = {}
                for owner in self._load():
                    email = str(owner.get("email") or "").lower()
                    by_id[str(owner["id"])] = email
                    if email:
                        self._by_email.setdefault(email, str(owner["id"]))
                self._by_id = by_id
            return self._by_id

    def user(self, owner_id: str) -> str | None:
        """The cstui user of a HubSpot owner (None: not one of ours)."""
        if owner_id in self._explicit:
            return self._explicit[owner_id]
        email = self._ready().get(owner_id)
        if not email:
            return None
        for user, wanted in self._emails.items():
            if wanted == email:
                return user
        return email.partition("@")[0]

    def owner(self, user: str) -> str | None:
        """The HubSpot owner id of a cstui user (None: the user is not in HubSpot)."""
        if not user:
            return None
        for owner_id, name in self._explicit.items():
            if name == user:
                return owner_id
        self._ready()
        email = self._emails.get(user)
        if email:
            return self._by_email.get(email)
        wanted = user.lower()
        for address, owner_id in self._by_email.items():
            if address.partition("@")[0] == wanted:
                return owner_id
        return None


class OwnerCodec(Codec):
    """A cstui user as ``hubspot_owner_id`` (an owner id, never a name), with the user
    name in ``cstui_owner`` for users who are not HubSpot users."""

    def __init__(self, prop: str, exact: str, owners: Owners) -> None:
        super().__init__((prop, exact))
        self.owners = owners

    def decode(self, props: Props, remote_id: str) -> JSON:
        owner_id = (props.get(self.props[0]) or "").strip()
        exact = (props.get(self.props[1]) or "").strip()
        if owner_id:
            user = self.owners.user(owner_id)
            if user is not None and (not exact or self.owners.owner(exact) != owner_id):
                return user
        return exact

    def encode(self, value: JSON) -> dict[str, str]:
        user = "" if value is None else str(value)
        return {self.props[0]: self.owners.owner(user) or "", self.props[1]: user}


def _codec(
    table: TableSpec,
    spec: FieldSpec,
    prop: str | list[str],
    owners: Owners,
    obj: str = "",
) -> Codec:
    """The converter for one field: special HubSpot properties first, then by kind."""
    if isinstance(prop, list):
        if spec.name == "name" and len(prop) == 2:
            email = DEFAULT_PROPERTIES["contacts"]["email"] if table.table == "contacts" else None
            return FullNameCodec(prop[0], prop[1], email if isinstance(email, str) else None)
        raise ConfigError(f"Only a contact's name can map to two properties, not {spec.name}.")
    special = _property_codec(table, spec, prop, owners)
    if special is not None:
        return special
    if spec.name == "kind" and table.table == "activities" and obj in KIND_OF_OBJECT:
        return ConstCodec(KIND_OF_OBJECT[obj])
    return _BY_KIND.get(spec.kind, _plain_text_codec)(table, spec, prop)


def _property_codec(table: TableSpec, spec: FieldSpec, prop: str, owners: Owners) -> Codec | None:
    """HubSpot properties whose format is HubSpot's own (fixed values, HTML, owner ids),
    whatever the local field's kind; None for an ordinary property."""
    if prop == "hs_task_status":
        return MapCodec(prop, {True: "COMPLETED", False: "NOT_STARTED"}, False)
    if prop == "hs_task_priority":
        return MapCodec(prop, {"high": "HIGH", "normal": "MEDIUM", "low": "LOW"}, "normal")
    if prop in ("hs_note_body", "hs_task_body"):
        return HtmlTextCodec(prop, "(empty note)" if spec.name == "summary" else None)
    if prop in ENGAGEMENT_TITLES:
        return TitledBodyCodec(prop, ENGAGEMENT_TITLES[prop], as_html=prop != "hs_email_text")
    if prop == "hubspot_owner_id":
        return OwnerCodec(prop, "cstui_owner", owners)
    if prop == "hs_buying_role":
        return RoleCodec(prop, "cstui_role", str(_default(table, spec)))
    return None


def _list_codec(table: TableSpec, spec: FieldSpec, prop: str) -> Codec:
    return ListCodec(prop)


def _int_codec(table: TableSpec, spec: FieldSpec, prop: str) -> Codec:
    return IntCodec(prop, spec.nullable)


def _date_codec(table: TableSpec, spec: FieldSpec, prop: str) -> Codec:
    """A task's ``hs_timestamp`` is required by HubSpot, so "no due date" needs a stand-in."""
    if table.table == "tasks" and prop == "hs_timestamp":
        return DueCodec(prop, NO_DUE)
    return DateCodec(prop, instant=prop == "hs_timestamp")


def _bool_codec(table: TableSpec, spec: FieldSpec, prop: str) -> Codec:
    return MapCodec(prop, {True: "true", False: "false"}, False)


def _enum_codec(table: TableSpec, spec: FieldSpec, prop: str) -> Codec:
    """Values pass through as they are; an empty property is the model's default."""
    return MapCodec(prop, {}, _default(table, spec), passthrough=True)


def _text_codec(table: TableSpec, spec: FieldSpec, prop: str) -> Codec:
    """A property of our own (``cstui_*``) left empty stands for the model's default."""
    default = _default(table, spec)
    if prop.startswith("cstui_") and default:
        return DefaultCodec(prop, default)
    return _plain_text_codec(table, spec, prop)


def _plain_text_codec(table: TableSpec, spec: FieldSpec, prop: str) -> Codec:
    """Names and task titles are required locally, so an empty one gets a readable stand-in."""
    fallback = FALLBACK_NAMES.get(table.table) if spec.name == "name" else None
    if spec.name == "title" and table.table == "tasks":
        fallback = "(untitled task)"
    return TextCodec(prop, fallback)


_BY_KIND: dict[str, Callable[[TableSpec, FieldSpec, str], Codec]] = {
    "list": _list_codec,
    "int": _int_codec,
    "date": _date_codec,
    "bool": _bool_codec,
    "enum": _enum_codec,
    "text": _text_codec,
}
"""The converter of an ordinary property, by the local field's kind."""


def _default(table: TableSpec, spec: FieldSpec) -> JSON:
    """The model's default for a field (what an empty CRM property stands for)."""
    info = table.model.model_fields.get(spec.name)
    default = info.default if info is not None else ""
    return getattr(default, "value", default)


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


def _hit(item: Any, what: str, *, dated: bool) -> _Hit:
    """One record of a search or batch read; ``dated``: it must carry its modification time
    (a search pages by it), else a record without one counts as modified at 0."""
    if not isinstance(item, dict):
        raise _garbage(what, "a result that is not an object")
    rid = _check_id(item.get("id"), what, "a record")
    props = _props(item, what, rid)
    raw = props.get(MODIFIED) or item.get("updatedAt")
    if not isinstance(raw, str):
        if dated:
            raise _garbage(what, f"record {rid} without {MODIFIED}")
        return _Hit(rid, props, 0)
    try:
        return _Hit(rid, props, _millis(raw))
    except ValueError:
        raise _garbage(what, f"record {rid} whose {MODIFIED} is {raw[:40]!r}") from None


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
@dataclass(frozen=True)
class _Variant:
    """One HubSpot object holding (some of) a local table's records."""

    obj: str
    codecs: dict[str, Codec]
    kinds: frozenset[str] | None
    """Values of the activity ``kind`` kept in this object (None: the default object)."""
    primary: bool
    """The default object: its record ids are bare; the others' are ``obj:id``."""


CUSTOM_TYPES: dict[str, tuple[str, str]] = {
    "cstui_health_score": ("number", "number"),
    "cstui_seats": ("number", "number"),
    "cstui_renewal_date": ("date", "date"),
    "cstui_contract_start": ("date", "date"),
    "cstui_no_due": ("date", "date"),
    "cstui_via_champion": ("enumeration", "booleancheckbox"),
    "cstui_success_plan": ("string", "textarea"),
    "cstui_tags": ("string", "textarea"),
    "cstui_participants": ("string", "textarea"),
}
"""HubSpot type and field type of cstui's custom properties (the rest: single-line text)."""
PROPERTY_GROUP = "cstui"


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
            Capability.SETUP,
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
        Option("users", "[hubspot.users] cstui user name = email of their HubSpot user", None),
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
        chosen = option(self, "objects", dict, {})
        objects = {**OBJECTS, **chosen}
        self.owners = Owners(
            self._load_owners,
            {str(k): str(v) for k, v in option(self, "owners", dict, {}).items()},
            {str(k): str(v) for k, v in option(self, "users", dict, {}).items()},
        )
        overrides = option(self, "properties", dict, {})
        self.objects: dict[str, str] = {}
        self.codecs: dict[str, dict[str, Codec]] = {}
        self.variants: dict[str, list[_Variant]] = {}
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
            places: tuple[tuple[str, frozenset[str] | None], ...] = ((objects[table.table], None),)
            if table.table == "activities" and "activities" not in chosen:
                places = ACTIVITY_OBJECTS
            variants = []
            for n, (obj, kinds) in enumerate(places):
                fields = dict(mapping)
                if obj in ENGAGEMENT_BODIES and "summary" not in extra:
                    fields["summary"] = ENGAGEMENT_BODIES[obj]
                codecs = {
                    spec.name: _codec(table, spec, fields[spec.name], self.owners, obj)
                    for spec in table.fields
                    if spec.name in fields
                }
                variants.append(_Variant(str(obj), codecs, kinds, primary=n == 0))
            self.variants[table.table] = variants
            self.codecs[table.table] = variants[0].codecs
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

    def whole_record_fields(self, table: TableSpec) -> frozenset[str]:
        # An activity whose kind changes moves to another HubSpot object (a note becomes
        # a call): it is created there with every field and archived where it was.
        return frozenset({"kind"}) if len(self.variants.get(table.table, ())) > 1 else frozenset()

    # ----------------------------------------------------------------- ids and objects
    def _rid(self, v: _Variant, raw: str) -> str:
        return raw if v.primary else f"{v.obj}:{raw}"

    def _locate(self, table: TableSpec, rid: str) -> tuple[_Variant, str]:
        """(the object holding a record, its HubSpot id there) from our record id."""
        variants = self.variants[table.table]
        obj, sep, raw = rid.partition(":")
        if sep:
            for v in variants[1:]:
                if v.obj == obj:
                    return v, raw
        return variants[0], rid

    def _target(self, table: TableSpec, values: Mapping[str, JSON]) -> _Variant:
        """The object a record with these values belongs in."""
        variants = self.variants[table.table]
        kind = values.get("kind")
        for v in variants[1:]:
            if v.kinds is not None and kind in v.kinds:
                return v
        return variants[0]

    def _load_owners(self) -> list[dict[str, Any]]:
        """Every HubSpot owner (``GET /crm/v3/owners``, 500 a page)."""
        what = "the owners list"
        out: list[dict[str, Any]] = []
        after: str | None = None
        while True:
            params = {"limit": "500", **({"after": after} if after else {})}
            data = _object(self.transport.request("GET", "/crm/v3/owners", params=params), what)
            for item in _list(data, "results", what):
                if not isinstance(item, dict):
                    raise _garbage(what, "an owner that is not an object")
                oid = item.get("id")
                _check_id(str(oid) if isinstance(oid, int) else oid, what, "an owner")
                email = item.get("email")
                if email is not None and not isinstance(email, str):
                    raise _garbage(what, f"owner {oid} whose email is not text")
                out.append({"id": str(oid), "email": email or ""})
            paging = data.get("paging")
            nxt = paging.get("next") if isinstance(paging, dict) else None
            token = nxt.get("after") if isinstance(nxt, dict) else None
            if not token:
                return out
            after = str(token)

    # ----------------------------------------------------------------- setup
    def custom_properties(self) -> dict[str, list[str]]:
        """{object: cstui's own properties on it}, what ``cstui sync --setup`` creates."""
        out: dict[str, list[str]] = {}
        for variants in self.variants.values():
            for v in variants:
                names = {self.id_property}
                for codec in v.codecs.values():
                    names.update(p for p in codec.props if p.startswith("cstui_"))
                out.setdefault(v.obj, [])
                out[v.obj] = sorted(set(out[v.obj]) | names)
        return out

    def _definition(self, name: str) -> dict[str, Any]:
        kind, field_type = CUSTOM_TYPES.get(name, ("string", "text"))
        label = name.removeprefix("cstui_").replace("_", " ").capitalize()
        body: dict[str, Any] = {
            "name": name,
            "label": f"cstui {label}" if name != self.id_property else "cstui id",
            "type": kind,
            "fieldType": field_type,
            "groupName": PROPERTY_GROUP,
            "description": "Written by cstui sync.",
        }
        if name == self.id_property:
            body["hasUniqueValue"] = True
        if field_type == "booleancheckbox":
            body["options"] = [
                {"label": "Yes", "value": "true", "displayOrder": 0},
                {"label": "No", "value": "false", "displayOrder": 1},
            ]
        return body

    @staticmethod
    def describe_property(obj: str, body: Mapping[str, Any]) -> str:
        """One line an administrator can follow in HubSpot's property settings."""
        kinds = {
            "text": "single-line text",
            "textarea": "multi-line text",
            "number": "number",
            "date": "date picker",
            "booleancheckbox": "single checkbox",
        }
        unique = ", unique values" if body.get("hasUniqueValue") else ""
        return (
            f"{obj}: {body['name']} ({kinds.get(str(body['fieldType']), body['fieldType'])}"
            f"{unique}; label {body['label']!r})"
        )

    def setup(self) -> SetupResult:
        """Create cstui's property group and custom properties on each object.

        Idempotent: what exists is left alone (a 409 counts as existing). Without the
        ``crm.schemas.*.write`` scopes HubSpot answers 403: nothing can be created, and
        the result lists exactly what to create by hand.
        """
        result = SetupResult()
        for obj, names in self.custom_properties().items():
            what = f"the {obj} properties"
            data = _object(self.transport.request("GET", f"/crm/v3/properties/{obj}"), what)
            have = {
                str(p.get("name"))
                for p in _list(data, "results", what)
                if isinstance(p, dict) and not p.get("archived")
            }
            missing = [n for n in names if n not in have]
            result.existing.extend(f"{obj}.{n}" for n in names if n in have)
            if not missing:
                continue
            if result.manual:  # already known: the token cannot create properties
                result.manual.extend(
                    self.describe_property(obj, self._definition(n)) for n in missing
                )
                continue
            try:
                self.transport.request(
                    "POST",
                    f"/crm/v3/properties/{obj}/groups",
                    json={"name": PROPERTY_GROUP, "label": "cstui", "displayOrder": -1},
                    accept=(409,),
                )
                for n in missing:
                    self.transport.request(
                        "POST",
                        f"/crm/v3/properties/{obj}",
                        json=self._definition(n),
                        accept=(409,),
                    )
                    result.created.append(f"{obj}.{n}")
            except ConfigError:  # 403: the private app lacks the schema scopes
                done = {c for c in result.created if c.startswith(f"{obj}.")}
                result.manual.extend(
                    self.describe_property(obj, self._definition(n))
                    for n in missing
                    if f"{obj}.{n}" not in done
                )
        return result

    # ----------------------------------------------------------------- pull
    def _search_body(self, v: _Variant, anchor: int | None, limit: int) -> dict[str, Any]:
        props = {self.id_property, MODIFIED}
        for codec in v.codecs.values():
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

    def _search(self, v: _Variant, body: dict[str, Any]) -> _Result:
        obj = v.obj
        what = f"the {obj} search"
        data = _object(
            self.transport.request(
                "POST", f"/crm/v3/objects/{obj}/search", json=body, buckets=("default", "search")
            ),
            what,
        )
        hits: list[_Hit] = []
        for item in _list(data, "results", what):
            hit = _hit(item, what, dated=True)
            if hits and hit.modified < hits[-1].modified:
                raise _garbage(what, "results out of order")
            hits.append(hit)
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

    def _parents(self, table: TableSpec, v: _Variant, ids: list[str]) -> dict[str, str]:
        """{record id: company id} for a page of children (first company if several)."""
        if not ids or table.parent_table is None:
            return {}
        obj = v.obj
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

    def _decode(self, table: TableSpec, v: _Variant, hits: list[_Hit]) -> list[RemoteRecord]:
        parents = self._parents(table, v, [h.id for h in hits])
        records = []
        for hit in hits:
            values: dict[str, JSON] = {}
            for field_name, codec in v.codecs.items():
                try:
                    values[field_name] = codec.decode(hit.props, hit.id)
                except BadValue as exc:
                    raise _garbage(
                        f"the {v.obj} search", f"{v.obj} record {hit.id}: {exc}"
                    ) from None
            cstui_id = hit.props.get(self.id_property) or None
            records.append(
                RemoteRecord(self._rid(v, hit.id), values, cstui_id, parents.get(hit.id))
            )
        return records

    def _page(self, v: _Variant, anchor: int | None, offset: int) -> Future[_Result]:
        """Start fetching one search page in the background (one page ahead of the engine).

        Past the first page, ask one record early (``after - 1``): the previous page's last
        record must come back first, or the results have shifted.
        """
        body = self._search_body(v, anchor, self.page_size)
        if offset > 0:
            body["after"] = str(offset - 1)
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cstui-hubspot")
        return self._pool.submit(self._search, v, body)

    def pull(self, table: TableSpec, cursor: JSON | None) -> Iterator[PullPage]:
        """One object after the other; the cursor keeps one position per object (a table
        kept in one object keeps the plain cursor of earlier versions)."""
        variants = self.variants[table.table]
        if len(variants) == 1:
            yield from self._pull_object(table, variants[0], cursor)
            return
        positions = _positions(variants, cursor)
        for v in variants:
            for page in self._pull_object(table, v, positions.get(v.obj)):
                positions = {**positions, v.obj: page.cursor}
                yield PullPage(page.records, {"objects": positions})

    def _pull_object(
        self, table: TableSpec, v: _Variant, cursor: JSON | None
    ) -> Iterator[PullPage]:
        obj = v.obj
        anchor, seen = _read_cursor(cursor)
        offset = 0
        last_id: str | None = None
        query_anchor = anchor  # fixed for one query: `after` offsets belong to its results
        stuck = 0
        pending = self._page(v, query_anchor, 0)
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
                    pending = self._page(v, query_anchor, 0)
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
                    pending = self._page(v, query_anchor, offset)
            yield PullPage(self._decode(table, v, fresh), {"ts": anchor, "ids": sorted(seen)})
            if give_up:
                raise RemoteError(
                    f"More than {SEARCH_CAP:,} HubSpot {obj} share one modification time, "
                    f"which HubSpot search cannot page past."
                )
            if not more:
                return

    def fetch(self, table: TableSpec, remote_ids: Sequence[str]) -> list[RemoteRecord]:
        by_variant: dict[str, tuple[_Variant, list[str]]] = {}
        for rid in remote_ids:
            v, raw = self._locate(table, rid)
            by_variant.setdefault(v.obj, (v, []))[1].append(raw)
        records: list[RemoteRecord] = []
        for v, raws in by_variant.values():
            records.extend(self._fetch_object(table, v, raws))
        return records

    def _fetch_object(self, table: TableSpec, v: _Variant, raws: list[str]) -> list[RemoteRecord]:
        obj = v.obj
        what = f"the {obj} batch read"
        props = self._search_body(v, None, 1)["properties"]
        data = _object(
            self.transport.request(
                "POST",
                f"/crm/v3/objects/{obj}/batch/read",
                json={
                    "properties": props,
                    "propertiesWithHistory": [],
                    "inputs": [{"id": rid} for rid in raws],
                },
            ),
            what,
        )
        hits = [_hit(item, what, dated=False) for item in _list(data, "results", what)]
        return self._decode(table, v, hits)

    def preview(self, table: TableSpec, cursor: JSON | None) -> int | None:
        variants = self.variants[table.table]
        positions = _positions(variants, cursor)
        total = 0
        for v in variants:
            anchor, _ = _read_cursor(positions.get(v.obj))
            _, _, count = self._search(v, self._search_body(v, anchor, 1))
            if count is None:
                return None
            total += count
        return total

    # ----------------------------------------------------------------- push
    def _encode(self, v: _Variant, values: Mapping[str, JSON]) -> dict[str, str]:
        out: dict[str, str] = {}
        for field_name, value in values.items():
            if field_name in v.codecs:
                out.update(v.codecs[field_name].encode(value))
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
                    f"`cstui sync --setup` to create the properties cstui needs (it lists "
                    f"them for an administrator if this token may not create them)."
                ) from None
            raise

    def _write(
        self,
        v: _Variant,
        upserts: list[Outgoing],
        updates: list[tuple[str, Outgoing]],
        outcomes: dict[str, Outcome],
    ) -> None:
        """Upsert new records by cstui id; update known ones by (raw) HubSpot id."""
        obj = v.obj
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
                                "properties": self._encode(v, i.values),
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
                outcomes[str(local)] = Outcome(str(local), True, remote_id=self._rid(v, rid))
            for key, message in _error_ids(data, what).items():
                if key in wanted and key not in outcomes:
                    outcomes[key] = Outcome(key, False, error=message)
        if updates:
            what = f"the {obj} batch update"
            by_remote = {raw: i for raw, i in updates}
            data = _object(
                self._send(
                    f"/crm/v3/objects/{obj}/batch/update",
                    json={
                        "inputs": [
                            {
                                "id": raw,
                                "properties": {
                                    **self._encode(v, i.values),
                                    self.id_property: i.local_id,
                                },
                            }
                            for raw, i in updates
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
                outcomes[local] = Outcome(local, True, remote_id=self._rid(v, rid))
            for key, message in _error_ids(data, what).items():
                entry = by_remote.get(key)
                if entry is not None and entry.local_id not in outcomes:
                    outcomes[entry.local_id] = Outcome(entry.local_id, False, error=message)

    def _associate(
        self, table: TableSpec, v: _Variant, items: list[Outgoing], outcomes: dict[str, Outcome]
    ) -> None:
        obj = v.obj
        pending = [
            i
            for i in items
            if i.parent is not None and outcomes.get(i.local_id, Outcome("", False)).ok
        ]

        def raw(i: Outgoing) -> str:
            return self._locate(table, outcomes[i.local_id].remote_id or "")[1]

        moved = [i for i in pending if i.old_parent and i.old_parent != i.parent]
        if moved:
            self.transport.request(
                "POST",
                f"/crm/v4/associations/{obj}/{PARENT_OBJECT}/batch/archive",
                json={
                    "inputs": [
                        {"from": {"id": raw(i)}, "to": [{"id": i.old_parent}]} for i in moved
                    ]
                },
            )
        if not pending:
            return
        what = f"the {obj} → companies association"
        wanted = {(raw(i), i.parent): i.local_id for i in pending}
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

    def _archive(self, v: _Variant, raws: list[str]) -> None:
        self.transport.request(
            "POST",
            f"/crm/v3/objects/{v.obj}/batch/archive",
            json={"inputs": [{"id": raw} for raw in raws]},
        )

    def _delete(
        self, table: TableSpec, items: list[Outgoing], outcomes: dict[str, Outcome]
    ) -> None:
        known: dict[str, tuple[_Variant, list[tuple[str, str]]]] = {}
        for i in items:
            if i.remote_id:
                v, raw = self._locate(table, i.remote_id)
                known.setdefault(v.obj, (v, []))[1].append((raw, i.local_id))
        unknown = {i.local_id for i in items if not i.remote_id}
        for v in self.variants[table.table]:
            if not unknown:
                break
            what = f"the {v.obj} batch read"
            data = _object(
                self.transport.request(
                    "POST",
                    f"/crm/v3/objects/{v.obj}/batch/read",
                    json={
                        "idProperty": self.id_property,
                        "properties": [self.id_property],
                        "propertiesWithHistory": [],
                        "inputs": [{"id": local} for local in sorted(unknown)],
                    },
                ),
                what,
            )
            for item in _list(data, "results", what):
                if not isinstance(item, dict):
                    raise _garbage(what, "a result that is not an object")
                rid = _check_id(item.get("id"), what, "a result")
                local = _props(item, what, rid).get(self.id_property)
                if local in unknown:
                    known.setdefault(v.obj, (v, []))[1].append((rid, str(local)))
                    unknown.discard(str(local))
        for local in unknown:  # never reached HubSpot: nothing to archive
            outcomes[local] = Outcome(local, True)
        for v, pairs in known.values():
            self._archive(v, [raw for raw, _ in pairs])
            for raw, local in pairs:
                outcomes[local] = Outcome(local, True, remote_id=self._rid(v, raw))

    def push(self, table: TableSpec, items: Sequence[Outgoing]) -> list[Outcome]:
        outcomes: dict[str, Outcome] = {}
        groups: dict[str, tuple[_Variant, list[Outgoing], list[tuple[str, Outgoing]]]] = {}
        moved: dict[str, tuple[_Variant, list[tuple[str, str]]]] = {}
        for i in items:
            if i.delete:
                continue
            if i.remote_id is None:
                v = self._target(table, i.values)
                groups.setdefault(v.obj, (v, [], []))[1].append(i)
                continue
            here, raw = self._locate(table, i.remote_id)
            there = self._target(table, i.values) if "kind" in i.values else here
            if there is here:
                groups.setdefault(here.obj, (here, [], []))[2].append((raw, i))
            else:  # moves to another object: created there, archived here afterwards
                groups.setdefault(there.obj, (there, [], []))[1].append(i)
                moved.setdefault(here.obj, (here, []))[1].append((raw, i.local_id))
        for v, upserts, updates in groups.values():
            self._write(v, upserts, updates, outcomes)
            self._associate(table, v, upserts + [i for _, i in updates], outcomes)
        for v, pairs in moved.values():  # only once the new record exists
            done = [raw for raw, local in pairs if outcomes.get(local, Outcome("", False)).ok]
            if done:
                self._archive(v, done)
        deletes = [i for i in items if i.delete]
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


def _positions(variants: Sequence[_Variant], cursor: JSON | None) -> dict[str, JSON]:
    """{object: its own cursor}: a table kept in several objects keeps one position per
    object; a plain cursor (one object, or notes only before) is the first object's."""
    if len(variants) > 1 and isinstance(cursor, dict) and isinstance(cursor.get("objects"), dict):
        return dict(cursor["objects"])
    return {variants[0].obj: cursor}


def _read_cursor(cursor: JSON | None) -> tuple[int | None, set[str]]:
    if not isinstance(cursor, dict):
        return None, set()
    ts = cursor.get("ts")
    ids = cursor.get("ids")
    if not isinstance(ts, int) or isinstance(ts, bool):
        return None, set()
    return ts, {str(i) for i in ids} if isinstance(ids, list) else set()
