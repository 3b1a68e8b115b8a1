"""Numbered schema migrations.

``MIGRATIONS[i]`` upgrades data from schema version ``i`` to ``i + 1``. Each migration gets
every table as ``{table name: {record id: record}}`` (tombstones included) and changes it in
place: edit records, add or remove records or whole tables. The store takes a backup of the
complete data before running any, runs the pending ones in order under the exclusive lock,
and writes the result as a new snapshot, so a migration runs exactly once per data folder.

Migrations must be deterministic and must not touch the store's own fields (``id``,
``_rev``, ``_updated_at``, ``_by``, ``_deleted``) except to keep them.

Append new migrations at the end; never edit or reorder released ones.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

RawTables = dict[str, dict[str, dict[str, Any]]]
Migration = Callable[[RawTables], None]

MIGRATIONS: list[Migration] = []
"""The app's migrations, in order (the schema version of new data is ``len(MIGRATIONS)``)."""


def run(tables: RawTables, migrations: Sequence[Migration], start: int) -> int:
    """Apply ``migrations[start:]`` to ``tables``; return the new schema version.

    Raises the migration's own exception, annotated with the step that failed.
    """
    version = start
    for step in migrations[start:]:
        try:
            step(tables)
        except Exception as exc:
            exc.add_note(f"cstui migration from schema {version} to {version + 1} failed")
            raise
        version += 1
    return version
