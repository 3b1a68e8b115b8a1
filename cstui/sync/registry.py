"""Which CRM adapters are installed: entry points in the group ``cstui.crm_adapters``.

Listing reads package metadata only and imports nothing, so a broken or slow third-party
adapter cannot break ``cstui sync --list-adapters`` or the app's start-up; only the adapter
actually chosen is imported. A package adds an adapter with, in its pyproject.toml::

    [project.entry-points."cstui.crm_adapters"]
    mycrm = "mypackage.adapter:MyCRMAdapter"

The built-in adapters are also known without metadata, so a source checkout that was not
re-installed after they were added still finds them; an installed entry point of the same
name wins.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points

from cstui.i18n import Msg, render, said

from .adapters.base import CRMAdapter
from .errors import ConfigError, UnknownAdapter

GROUP = "cstui.crm_adapters"
BUILTIN: dict[str, str] = {
    "hubspot": "cstui.sync.adapters.hubspot:HubSpotAdapter",
    "rest": "cstui.sync.adapters.rest:RestAdapter",
}


@dataclass(frozen=True)
class AdapterInfo:
    """An installed adapter, known by name before anything is imported."""

    name: str
    target: str
    """``module:Class``."""
    package: str | None
    """The distribution that registered it (None for a built-in found without metadata)."""


def available() -> dict[str, AdapterInfo]:
    """Installed adapters by name, sorted; imports no adapter code."""
    found = {
        name: AdapterInfo(name, target, "cstui (built in)") for name, target in BUILTIN.items()
    }
    for ep in entry_points(group=GROUP):
        dist = getattr(ep, "dist", None)
        package = getattr(dist, "name", None) if dist is not None else None
        found[ep.name] = AdapterInfo(ep.name, ep.value, package)
    return dict(sorted(found.items()))


def load(name: str) -> type[CRMAdapter]:
    """Import and return the adapter class called ``name``.

    An unknown name raises :class:`UnknownAdapter` naming the installed adapters; an
    adapter that fails to import, or is not a ``CRMAdapter``, raises ``ConfigError``.
    """
    adapters = available()
    info = adapters.get(name)
    if info is None:
        installed = ", ".join(adapters) or render(Msg("sync.adapter.none"))
        raise UnknownAdapter(said("sync.adapter.unknown", name=name, installed=installed))
    try:
        cls = EntryPoint(name=name, value=info.target, group=GROUP).load()
    except Exception as exc:
        raise ConfigError(
            f"The CRM adapter {name!r} ({info.target}, from {info.package or 'unknown'}) could "
            f"not be loaded: {type(exc).__name__}: {exc}."
        ) from exc
    if not isinstance(cls, type) or not issubclass(cls, CRMAdapter):
        raise ConfigError(
            f"The CRM adapter {name!r} ({info.target}) is not a cstui CRMAdapter class."
        )
    if not cls.name:
        cls.name = name  # what users type, and what records' _sync blocks are keyed by
    return cls
