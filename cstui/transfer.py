"""CSV/JSON export and CSV import of accounts.

Columns are named after the Account model's fields so a file exported by cstui imports back
unchanged. Lists are joined with ``;`` and the CRM id map is written ``system=id;...``.
Import is all-or-nothing per row: every bad row is reported with its line number and the
reason, and valid rows are written together in one transaction. Rows without an ``id`` are
matched to an existing account by domain, then by name, so importing the same file twice
updates rather than duplicates.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, TextIO

from pydantic import ValidationError

from cstui.domain.models import Account, InvalidRecord, describe_errors
from cstui.domain.portfolio import fold
from cstui.workspace import Workspace, changed_fields

COLUMNS: tuple[str, ...] = (
    "id",
    "name",
    "domain",
    "tier",
    "stage",
    "owner",
    "arr",
    "currency",
    "contract_start",
    "renewal_date",
    "seats",
    "tags",
    "crm_ids",
    "upsell_ideas",
)
_LIST_COLUMNS = ("tags", "upsell_ideas")


def _cell(key: str, value: Any) -> str:
    if value is None:
        return ""
    if key in _LIST_COLUMNS:
        return ";".join(value)
    if key == "crm_ids":
        return ";".join(f"{k}={v}" for k, v in sorted(value.items()))
    return str(value)


def export_accounts(ws: Workspace, fmt: str, out: TextIO) -> int:
    """Write every account as CSV or JSON; returns how many."""
    records = sorted(ws.iter_records(Account), key=lambda r: (fold(r["name"]), r["id"]))
    if fmt == "json":
        rows = [{k: r.get(k) for k in COLUMNS} for r in records]
        json.dump(rows, out, ensure_ascii=False, indent=2)
        out.write("\n")
    elif fmt == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(COLUMNS)
        for r in records:
            writer.writerow([_cell(k, r.get(k)) for k in COLUMNS])
    else:
        raise ValueError(f"Unknown format '{fmt}': use csv or json.")
    return len(records)


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _parse_row(row: dict[str, str]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for key in COLUMNS:
        if key not in row:
            continue  # a column the file does not have keeps the account's current value
        raw = (row.get(key) or "").strip()
        if key in _LIST_COLUMNS:
            data[key] = [part.strip() for part in raw.split(";") if part.strip()]
        elif key == "crm_ids":
            ids: dict[str, str] = {}
            for part in filter(None, (p.strip() for p in raw.split(";"))):
                system, sep, value = part.partition("=")
                if not sep or not system.strip() or not value.strip():
                    raise InvalidRecord([f"CRM ids '{raw}' must look like hubspot=123;other=abc."])
                ids[system.strip()] = value.strip()
            data[key] = ids
        elif raw == "" and key not in ("name",):
            continue
        else:
            data[key] = raw
    return data


def import_accounts(ws: Workspace, source: Iterable[str] | TextIO) -> ImportReport:
    """Validate every row, then write the valid ones in one transaction."""
    text = source.read() if isinstance(source, io.TextIOBase) else "".join(source)
    text = text.removeprefix("\ufeff")  # Excel's UTF-8 BOM
    reader = csv.DictReader(io.StringIO(text))
    report = ImportReport()
    missing = [c for c in ("name",) if c not in (reader.fieldnames or [])]
    if missing:
        report.errors.append((1, f"The header has no '{missing[0]}' column."))
        return report
    unknown = [c for c in reader.fieldnames or [] if c not in COLUMNS]
    if unknown:
        report.errors.append(
            (1, f"Unknown column '{unknown[0]}'. Known columns: {', '.join(COLUMNS)}.")
        )
        return report

    existing = {r["id"]: r for r in ws.iter_records(Account)}
    by_domain = {r["domain"]: r["id"] for r in existing.values() if r.get("domain")}
    by_name = {fold(r["name"]): r["id"] for r in existing.values()}
    seen: dict[str, int] = {}
    writes: list[tuple[str, dict[str, Any], bool]] = []
    for row in reader:
        line = reader.line_num
        try:
            data = _parse_row(row)
            target = (
                data.get("id")
                or by_domain.get(data.get("domain", ""))
                or by_name.get(fold(data.get("name", "")))
            )
            if target in seen:
                raise InvalidRecord([f"This row is the same account as line {seen[target]}."])
            if target and target in existing:
                merged = {**existing[target], **data, "id": target}
                fresh = Account.model_validate(merged).to_record()
                changed = changed_fields(existing[target], fresh)
                seen[target] = line
                if changed:
                    writes.append((target, changed, False))
                else:
                    report.unchanged += 1
            else:
                new_id = target or ws.store.new_id()
                fresh = Account.model_validate({**data, "id": new_id}).to_record()
                seen[new_id] = line
                writes.append((new_id, fresh, True))
        except ValidationError as exc:
            report.errors.append((line, " ".join(describe_errors(Account, exc))))
        except InvalidRecord as exc:
            report.errors.append((line, " ".join(exc.messages)))
    if writes:
        with ws.store.transaction() as txn:
            for account_id, values, _created in writes:
                txn.put(Account.table, account_id, values)
    report.created = sum(1 for w in writes if w[2])
    report.updated = sum(1 for w in writes if not w[2])
    return report
