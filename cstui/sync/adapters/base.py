"""The contract between the sync engine and a CRM: ``CRMAdapter``.

An adapter speaks one CRM's API and nothing else. It never touches the store: the engine
gives it a cursor and asks for pages of remote records (already converted to local field
names and JSON values), and gives it batches of outgoing changes and gets back one
:class:`Outcome` per item. Everything about merging, conflicts, the outbox and kill-safety
lives in the engine, so a new adapter cannot get those wrong.

What an adapter must guarantee:

* ``pull`` yields pages in an order such that saving ``page.cursor`` after applying the
  page and resuming from it later misses nothing (records may be repeated; that is
  harmless). The engine runs ``pull`` in a thread of its own, several pages ahead of
  the pages it is storing, so a pull must depend on nothing but its cursor and the CRM.
* ``push`` is idempotent: sending the same items again (after a crash, or because an
  answer was lost) must not create duplicates. Identify new records by the cstui id.
* An :class:`Outcome` says ``ok`` only when the CRM confirmed that item.
* Anything unexpected in an answer raises :class:`~cstui.sync.errors.GarbageResponse`
  before yielding or returning anything from it.

Third-party adapters register under the entry-point group ``cstui.crm_adapters``.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, ClassVar

from ..config import SyncConfig
from ..schema import TableSpec

JSON = Any
"""A plain JSON value (what the store keeps)."""


class Capability(StrEnum):
    PULL = "pull"
    PUSH = "push"
    DELETE = "delete"
    """Local deletions are removed (archived) in the CRM."""
    PREVIEW = "preview"
    """``preview()`` can count remote changes cheaply (for ``--dry-run``)."""
    FETCH = "fetch"
    """``fetch()`` can read records by CRM id (to retry children pulled before their parent)."""
    SETUP = "setup"
    """``setup()`` can create what the CRM needs (custom properties) for ``cstui sync --setup``."""


@dataclass(frozen=True)
class Option:
    """A documented adapter setting (``[<adapter>]`` table in sync.toml)."""

    name: str
    help: str
    default: Any = None


@dataclass(frozen=True)
class RemoteRecord:
    """One CRM record converted to local field names and JSON values."""

    remote_id: str
    values: dict[str, JSON]
    cstui_id: str | None = None
    """The cstui record id stored in the CRM, when the record came from cstui."""
    parent: str | None = None
    """Remote id of the parent (the company of a contact, note or task)."""


@dataclass(frozen=True)
class PullPage:
    records: list[RemoteRecord]
    cursor: JSON
    """Where to resume after this page has been applied."""


@dataclass(frozen=True)
class Outgoing:
    """One record to write to the CRM: only the fields that need writing."""

    local_id: str
    remote_id: str | None
    values: dict[str, JSON] = field(default_factory=dict)
    parent: str | None = None
    """Remote id of the parent to associate with (None: no change)."""
    old_parent: str | None = None
    """Remote id of a parent to dissociate from (the record moved)."""
    delete: bool = False


@dataclass
class Outcome:
    """What the CRM confirmed for one :class:`Outgoing` item."""

    local_id: str
    ok: bool
    remote_id: str | None = None
    parent_ok: bool = False
    error: str | None = None


@dataclass
class SetupResult:
    """What ``setup()`` did: each entry names the object and the property (or group)."""

    created: list[str] = field(default_factory=list)
    existing: list[str] = field(default_factory=list)
    manual: list[str] = field(default_factory=list)
    """What an administrator must create by hand (the token lacks the permission); one
    line per item, exact enough to follow in the CRM's settings."""


@dataclass
class AdapterContext:
    """What the engine hands an adapter: configuration, the synced tables, a cancel flag."""

    config: SyncConfig
    tables: Sequence[TableSpec]
    cancel: threading.Event = field(default_factory=threading.Event)
    http: Any = None
    """An ``httpx.BaseTransport`` to use instead of the network (tests only)."""
    retry: Any = None
    """A ``RetryPolicy`` overriding the default (tests use short delays)."""


class CRMAdapter(ABC):
    """Base class of CRM adapters; see the module docstring for the contract."""

    name: ClassVar[str] = ""
    label: ClassVar[str] = ""
    """How the CRM is named in messages ("HubSpot")."""
    capabilities: ClassVar[frozenset[Capability]] = frozenset()
    options: ClassVar[tuple[Option, ...]] = ()
    batch_size: int = 100

    def __init__(self, context: AdapterContext) -> None:
        self.context = context

    @property
    def settings(self) -> Mapping[str, Any]:
        """This adapter's options from sync.toml (with environment overrides)."""
        return self.context.config.options(self.name)

    @property
    def requests(self) -> int:
        """HTTP requests sent so far (0 for adapters without HTTP)."""
        return 0

    @abstractmethod
    def pull(self, table: TableSpec, cursor: JSON | None) -> Iterator[PullPage]:
        """Pages of records changed in the CRM since ``cursor`` (None: everything)."""

    @abstractmethod
    def push(self, table: TableSpec, items: Sequence[Outgoing]) -> list[Outcome]:
        """Write up to ``batch_size`` items; one outcome per item, in any order."""

    def fetch(self, table: TableSpec, remote_ids: Sequence[str]) -> list[RemoteRecord]:
        """Records by CRM id (missing ones are left out); needs ``Capability.FETCH``."""
        raise NotImplementedError(f"The {self.name} adapter cannot fetch records by id.")

    def whole_record_fields(self, table: TableSpec) -> frozenset[str]:
        """Fields whose change makes the engine send every field of the record, with its
        parent link (the CRM keeps the record in another place depending on them)."""
        return frozenset()

    def setup(self) -> SetupResult:
        """Create what this CRM needs for cstui (idempotent); needs ``Capability.SETUP``."""
        raise NotImplementedError(f"The {self.name} adapter needs no setup.")

    def preview(self, table: TableSpec, cursor: JSON | None) -> int | None:
        """About how many records changed in the CRM since ``cursor`` (None: unknown)."""
        return None

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections."""


def option(
    adapter: CRMAdapter,
    name: str,
    kind: type[Any],
    default: Any,
    *,
    low: float | None = None,
    high: float | None = None,
) -> Any:
    """Read one option with its type and range checked; a wrong one is a ``ConfigError``."""
    from ..errors import ConfigError

    value = adapter.settings.get(name, default)
    where = f"{adapter.context.config.source}: [{adapter.name}] {name}"
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, kind) or isinstance(value, bool) != (kind is bool):
        raise ConfigError(f"{where} must be a {kind.__name__}, not {value!r}.")
    if low is not None and value < low:
        raise ConfigError(f"{where} must be at least {low:g}.")
    if high is not None and value > high:
        raise ConfigError(f"{where} must be at most {high:g}.")
    return value
