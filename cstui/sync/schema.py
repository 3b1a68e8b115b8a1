"""What is synced: the local tables, their fields, and which side owns each field.

This is CRM-neutral; each adapter maps these local fields to its own property names.

Ownership (``owner``) follows the design: commercial fields (name, ARR, renewal date,
owner) belong to the CRM, customer-success fields (health, stage, notes, tasks, plan
summary) to cstui. Every field is still merged three ways, so an edit on either side is
never silently dropped:

* changed only in the CRM: taken locally, whoever owns the field;
* changed only locally: pushed if cstui owns the field; for a CRM-owned field it becomes a
  conflict ("the CRM owns this field": keep mine pushes it anyway, take theirs reverts);
* changed on both sides to different values: a conflict.

Currency, seats, contract start and tier live in ``cstui_*`` properties that only cstui
writes, so cstui owns them (a newly mapped field then pushes the local value instead of
taking the CRM's empty one).

``derived`` fields are computed locally (the health score lives in the ``health`` table,
the plan summary in ``success_plans``): they are mirrors, pushed whenever the CRM's copy
differs from the local value, and never written locally from the CRM.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any, Literal

from cstui.domain.models import Account, Activity, Contact, Record, Task

Owner = Literal["crm", "cstui"]
Kind = Literal["text", "int", "date", "bool", "enum", "list"]
OWNERS: tuple[Owner, ...] = ("crm", "cstui")

HEALTH_TABLE = "health"
PLANS_TABLE = "success_plans"


@dataclass(frozen=True)
class FieldSpec:
    """One synced local field."""

    name: str
    kind: Kind
    owner: Owner
    nullable: bool = False
    derived: str | None = None
    """``"table.field"`` read by account id (``health.score``), or None for a record field."""


@dataclass(frozen=True)
class TableSpec:
    """One synced local table; children name their parent table and the field linking it."""

    table: str
    model: type[Record]
    fields: tuple[FieldSpec, ...]
    parent_table: str | None = None
    parent_field: str | None = None

    def field(self, name: str) -> FieldSpec:
        return self.by_name[name]

    @cached_property
    def by_name(self) -> dict[str, FieldSpec]:
        return {f.name: f for f in self.fields}

    @cached_property
    def names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)


def _child(model: type[Record], *fields: FieldSpec) -> TableSpec:
    """A table whose records belong to an account, linked by their ``account_id``."""
    return TableSpec(model.table, model, fields, Account.table, "account_id")


DEFAULT_TABLES: tuple[TableSpec, ...] = (
    TableSpec(
        Account.table,
        Account,
        (
            FieldSpec("name", "text", "crm"),
            FieldSpec("domain", "text", "crm"),
            FieldSpec("arr", "int", "crm"),
            FieldSpec("renewal_date", "date", "crm", nullable=True),
            FieldSpec("owner", "text", "crm"),
            FieldSpec("stage", "enum", "cstui"),
            FieldSpec("tier", "enum", "cstui"),
            FieldSpec("currency", "text", "cstui"),
            FieldSpec("seats", "int", "cstui"),
            FieldSpec("contract_start", "date", "cstui", nullable=True),
            FieldSpec("tags", "list", "cstui"),
            FieldSpec("health", "int", "cstui", nullable=True, derived=f"{HEALTH_TABLE}.score"),
            FieldSpec("plan_summary", "text", "cstui", derived=f"{PLANS_TABLE}.goal"),
        ),
    ),
    _child(
        Contact,
        FieldSpec("name", "text", "crm"),
        FieldSpec("email", "text", "crm"),
        FieldSpec("title", "text", "crm"),
        FieldSpec("role", "enum", "cstui"),
    ),
    _child(
        Activity,
        FieldSpec("summary", "text", "cstui"),
        FieldSpec("date", "date", "cstui"),
        FieldSpec("kind", "enum", "cstui"),
        FieldSpec("sentiment", "enum", "cstui"),
        FieldSpec("participants", "list", "cstui"),
        FieldSpec("via_champion", "bool", "cstui"),
    ),
    _child(
        Task,
        FieldSpec("title", "text", "cstui"),
        FieldSpec("due", "date", "cstui", nullable=True),
        FieldSpec("done", "bool", "cstui"),
        FieldSpec("priority", "enum", "cstui"),
        FieldSpec("notes", "text", "cstui"),
        FieldSpec("owner", "text", "cstui"),
        FieldSpec("source", "enum", "cstui"),
        FieldSpec("key", "text", "cstui"),
    ),
)
"""Parents come before their children: pulls and pushes run in this order."""


def with_ownership(
    tables: Sequence[TableSpec], overrides: Mapping[str, Mapping[str, Any]], source: str
) -> tuple[TableSpec, ...]:
    """Apply ``[ownership.<table>] field = "crm"|"cstui"`` from the config file.

    Unknown tables or fields are errors (a typo would otherwise silently change nothing).
    """
    from .errors import ConfigError

    by_name = {t.table: t for t in tables}
    for table in overrides:
        if table not in by_name:
            raise ConfigError(
                f"{source}: [ownership.{table}] is not a synced table; use one of "
                f"{', '.join(by_name)}."
            )
    out: list[TableSpec] = []
    for spec in tables:
        wanted = overrides.get(spec.table, {})
        fields = []
        for name, owner in wanted.items():
            if name not in spec.names:
                raise ConfigError(
                    f"{source}: [ownership.{spec.table}] has no synced field {name!r}; the "
                    f"fields are {', '.join(spec.names)}."
                )
            if owner not in OWNERS:
                raise ConfigError(
                    f'{source}: [ownership.{spec.table}] {name} must be "crm" or "cstui", '
                    f"not {owner!r}."
                )
            if spec.field(name).derived and owner != "cstui":
                raise ConfigError(
                    f"{source}: {spec.table}.{name} is computed by cstui, so only cstui can own it."
                )
        for f in spec.fields:
            fields.append(replace(f, owner=wanted[f.name]) if f.name in wanted else f)
        out.append(replace(spec, fields=tuple(fields)))
    return tuple(out)
