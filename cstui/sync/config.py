"""Sync configuration (``sync.toml`` in the config folder) and the CRM token.

``sync.toml`` is optional; with no file, HubSpot at its public URL with the default
mapping is used. Layout::

    adapter = "hubspot"                 # default for `cstui sync`

    [sync]
    push_mirrors = true                 # this folder pushes health score and plan summary

    [ownership.accounts]                # who owns each field: "crm" or "cstui"
    stage = "cstui"

    [hubspot]                           # one table per adapter: its options
    base_url = "https://api.hubapi.com"
    token_file = "~/.config/cstui/hubspot.token"

    [hubspot.properties.accounts]       # local field = CRM property
    renewal_date = "contract_end_date"

Environment variables win over the file: ``CSTUI_<ADAPTER>_URL`` (so tests and proxies
can point at another server) and ``CSTUI_<ADAPTER>_TOKEN``.

The token is read from the environment or from a secrets file that must be private to
you (mode 0600, like ssh insists for keys): a token readable by others is refused with
the ``chmod`` command to fix it. It is kept in a :class:`Secret`, whose ``repr`` and
``str`` never show it, so it cannot leak into a log line or an error message by accident.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Self

from pydantic import AfterValidator, ConfigDict, Field, model_validator

from cstui.domain.config import ConfigError as DomainConfigError
from cstui.domain.config import ConfigModel, invalid, parse_toml
from cstui.i18n import LANGUAGES, catalogue, t
from cstui.paths import config_dir

from .errors import ConfigError
from .schema import DEFAULT_TABLES, TableSpec, with_ownership

CONFIG_NAME = "sync.toml"
DEFAULT_ADAPTER = "hubspot"


def _adapter_name(value: str) -> str:
    if not value:
        raise invalid("config.sync.adapter")
    return value


class SyncSection(ConfigModel):
    """``[sync]``: settings of the sync itself, not of an adapter."""

    push_mirrors: bool = True
    """Push computed mirrors (health score, plan summary); one folder per CRM should."""


class SyncFile(ConfigModel):
    """The layout of ``sync.toml`` (see the module notes); every other table is an
    adapter's options, checked by that adapter."""

    model_config = ConfigDict(extra="allow")

    adapter: Annotated[str, AfterValidator(_adapter_name)] = DEFAULT_ADAPTER
    ownership: dict[str, dict[str, str]] = Field(default_factory=dict)
    sync: SyncSection = Field(default_factory=lambda: SyncSection())

    @model_validator(mode="after")
    def _tables_only(self) -> Self:
        for name, value in (self.model_extra or {}).items():
            if not isinstance(value, dict):
                raise invalid("config.sync.not_a_table", at=name, name=name)
        return self

    def adapter_sections(self) -> dict[str, dict[str, Any]]:
        """Adapter name → its table of options, as written."""
        return {name: dict(value) for name, value in (self.model_extra or {}).items()}


class Secret:
    """A token that refuses to be printed: ``str``/``repr`` show stars; ``reveal()`` gives it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('****')"

    __str__ = __repr__

    def __reduce__(self) -> Any:  # never pickled into a worker's arguments
        raise TypeError("A Secret cannot be pickled.")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


@dataclass
class SyncConfig:
    """The parsed ``sync.toml`` (or the defaults), plus where it came from."""

    adapter: str = DEFAULT_ADAPTER
    sections: dict[str, dict[str, Any]] = field(default_factory=dict)
    tables: tuple[TableSpec, ...] = DEFAULT_TABLES
    directory: Path = field(default_factory=config_dir)
    path: Path | None = None
    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ), repr=False)
    push_mirrors: bool = True
    """``[sync] push_mirrors``: whether this data folder pushes the computed mirrors
    (health score, plan summary). One folder speaks for them: a single folder (the
    default), or the team hub; a laptop that syncs through a hub sets it to false."""
    push_mirrors_set: bool = False
    """Whether ``sync.toml`` says so explicitly; if not, a folder cloned from a team hub
    does not push mirrors (the hub speaks for them)."""

    def crm_configured(self, adapter: str | None = None) -> bool:
        """Whether this machine is set up for a CRM sync: a ``sync.toml``, or a token in
        the environment or in its default file. A laptop with only a hub skips the CRM."""
        name = adapter or self.adapter
        if self.path is not None or self.env.get(f"CSTUI_{_env_name(name)}_TOKEN"):
            return True
        return (self.directory / f"{name}.token").is_file()

    def options(self, adapter: str) -> dict[str, Any]:
        """The adapter's table from the file, with ``CSTUI_<NAME>_URL`` applied."""
        options = dict(self.sections.get(adapter, {}))
        url = self.env.get(f"CSTUI_{_env_name(adapter)}_URL")
        if url:
            options["base_url"] = url
        return options

    def token(self, adapter: str, label: str | None = None) -> Secret:
        """The adapter's token from ``CSTUI_<NAME>_TOKEN`` or its private token file."""
        label = label or adapter
        var = f"CSTUI_{_env_name(adapter)}_TOKEN"
        value = self.env.get(var, "").strip()
        if value:
            return Secret(value)
        raw = self.sections.get(adapter, {}).get("token_file")
        if raw is not None and not isinstance(raw, str):
            raise ConfigError(t("sync.token.file_not_text", source=self.source, adapter=adapter))
        path = Path(raw).expanduser() if raw else self.directory / f"{adapter}.token"
        if not path.is_absolute():
            path = self.directory / path
        return read_token_file(path, label, var)

    @property
    def source(self) -> str:
        return str(self.path or self.directory / CONFIG_NAME)


def _env_name(adapter: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in adapter.upper())


def missing_token(problem: str) -> bool:
    """Whether ``problem`` (a :class:`ConfigError`'s text) says there is no token at all:
    nothing set up yet, rather than something to fix. Worded in either language."""
    return any(pattern.fullmatch(problem) for pattern in _missing_token_patterns())


def _missing_token_patterns() -> list[re.Pattern[str]]:
    patterns = []
    for lang in LANGUAGES:
        template = catalogue(lang).get("sync.token.none")
        if template:
            parts = re.split(r"\{[^}]*\}", template)
            patterns.append(re.compile(".+".join(re.escape(p) for p in parts), re.DOTALL))
    return patterns


def read_token_file(path: Path, label: str, var: str) -> Secret:
    """Read a token file that only its owner can read; refuse (with the fix) otherwise."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise ConfigError(t("sync.token.none", label=label, var=var, path=path)) from None
    except OSError as exc:
        problem = t("sync.token.unreadable", label=label, path=path, detail=exc.strerror)
        raise ConfigError(problem) from None
    if not stat.S_ISREG(st.st_mode):
        raise ConfigError(t("sync.token.not_a_file", label=label, path=path))
    if st.st_uid != os.getuid():
        raise ConfigError(t("sync.token.not_yours", label=label, path=path))
    mode = stat.S_IMODE(st.st_mode)
    if mode & 0o077:
        raise ConfigError(t("sync.token.too_open", label=label, path=path, mode=f"{mode:04o}"))
    try:
        value = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        problem = t("sync.token.unreadable", label=label, path=path, detail=exc)
        raise ConfigError(problem) from None
    if not value:
        raise ConfigError(t("sync.token.empty", label=label, path=path))
    return Secret(value)


def load_sync_config(
    directory: Path | None = None, env: Mapping[str, str] | None = None
) -> SyncConfig:
    """Read ``sync.toml`` from the config folder; a missing file means the defaults.

    A broken file is a :class:`ConfigError` (unlike the health model, a wrong sync mapping
    could write to the company's CRM, so it is not silently replaced by defaults).
    """
    folder = directory or config_dir()
    environ = dict(os.environ) if env is None else dict(env)
    path = folder / CONFIG_NAME
    config = SyncConfig(directory=folder, env=environ)
    if not path.is_file():
        return config
    config.path = path
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(t("sync.config.unreadable", path=path, detail=exc)) from None
    try:
        parsed = parse_toml(text, str(path), SyncFile)
    except DomainConfigError as exc:
        raise ConfigError(str(exc)) from None
    config.adapter = parsed.adapter
    config.tables = with_ownership(DEFAULT_TABLES, parsed.ownership, str(path))
    config.push_mirrors = parsed.sync.push_mirrors
    config.push_mirrors_set = "push_mirrors" in parsed.sync.model_fields_set
    config.sections = parsed.adapter_sections()
    return config
