"""CSV import of NPS / CSAT survey responses (service level: no Textual).

Columns: ``account`` (id or exact name), ``contact`` (id or e-mail, optional), ``date``
(YYYY-MM-DD), ``kind`` (nps or csat; nps when blank or absent), ``score``, ``comment``.

Unlike the account import, a survey file is all or nothing: a survey export is one batch
from one tool, and importing half of it would skew NPS for the period without anyone
noticing. So every row is checked, every bad row is reported with its line number, and
nothing is written unless all rows are good. Each response gets an id derived from its
content, so importing the same file again reports it as already imported.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cstui.domain.models import Account, Contact, InvalidRecord, SurveyResponse, validate
from cstui.domain.portfolio import fold

if TYPE_CHECKING:
    from cstui.workspace import Workspace


@dataclass
class ImportReport:
    """Same shape as ``cstui.transfer.ImportReport`` (not imported: that module imports the
    workspace, which imports this one). ``errors`` are (line number, reason)."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


COLUMNS: tuple[str, ...] = ("account", "contact", "date", "kind", "score", "comment")
REQUIRED: tuple[str, ...] = ("account", "date", "score")


def _response_id(data: dict[str, Any], occurrence: int) -> str:
    key = "\x1f".join(
        str(data.get(k) or "") for k in ("account_id", "contact_id", "date", "kind", "score")
    )
    digest = hashlib.sha256(f"{key}\x1f{data.get('comment', '')}\x1f{occurrence}".encode())
    return "srv-" + digest.hexdigest()[:20]


class _Lookup:
    """Accounts by id and exact (folded) name; contacts by id and e-mail, per account."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self.by_id = {a.id: a for a in ws.accounts()}
        self.by_name: dict[str, list[Account]] = {}
        for a in self.by_id.values():
            self.by_name.setdefault(fold(a.name), []).append(a)
        self._contacts: dict[str, list[Contact]] = {}

    def account(self, text: str) -> Account:
        if not text:
            raise InvalidRecord(["Account is required (an id or the exact name)."])
        found = self.by_id.get(text)
        if found is not None:
            return found
        named = self.by_name.get(fold(text), [])
        if len(named) == 1:
            return named[0]
        if named:
            raise InvalidRecord([f"'{text}' names {len(named)} accounts; use the account id."])
        raise InvalidRecord([f"No account has the id or name '{text}'."])

    def contact(self, account: Account, text: str) -> str | None:
        if not text:
            return None
        people = self._contacts.get(account.id)
        if people is None:
            people = self._contacts[account.id] = self.ws.contacts(account.id)
        for c in people:
            if c.id == text or (c.email and c.email.lower() == text.lower()):
                return c.id
        raise InvalidRecord([f"'{text}' is not a contact (id or e-mail) of {account.name}."])


def validate_surveys(ws: Workspace, text: str) -> tuple[list[SurveyResponse], ImportReport]:
    """Every row checked; returns the responses to write and the report (errors if any)."""
    text = text.removeprefix("\ufeff")  # Excel's UTF-8 BOM
    reader = csv.DictReader(io.StringIO(text))
    report = ImportReport()
    header = [h.strip() for h in reader.fieldnames or []]
    reader.fieldnames = header
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        report.errors.append((1, f"The header has no '{missing[0]}' column."))
        return [], report
    unknown = [c for c in header if c not in COLUMNS]
    if unknown:
        report.errors.append(
            (1, f"Unknown column '{unknown[0]}'. Known columns: {', '.join(COLUMNS)}.")
        )
        return [], report
    lookup = _Lookup(ws)
    occurrences: dict[str, int] = {}
    out: list[SurveyResponse] = []
    for row in reader:
        line = reader.line_num
        cells = {k: (v or "").strip() for k, v in row.items() if isinstance(k, str)}
        if not any(cells.values()):
            continue  # blank line
        try:
            account = lookup.account(cells.get("account", ""))
            data: dict[str, Any] = {
                "account_id": account.id,
                "contact_id": lookup.contact(account, cells.get("contact", "")),
                "date": cells.get("date", ""),
                "kind": (cells.get("kind") or "nps").lower(),
                "score": cells.get("score", ""),
                "comment": cells.get("comment", ""),
            }
            if not data["date"]:
                raise InvalidRecord(["Date is required (YYYY-MM-DD)."])
            if not data["score"]:
                raise InvalidRecord(["Score is required."])
            probe = validate(SurveyResponse, {**data, "id": "probe"})
            key = _response_id(probe.to_record(), 0)
            n = occurrences.get(key, 0)
            occurrences[key] = n + 1
            out.append(probe.model_copy(update={"id": _response_id(probe.to_record(), n)}))
        except InvalidRecord as exc:
            report.errors.append((line, " ".join(exc.messages)))
    return out, report


def import_surveys(ws: Workspace, text: str) -> ImportReport:
    """Import all rows in one transaction, or none when any row is bad."""
    responses, report = validate_surveys(ws, text)
    if report.errors:
        return report
    fresh = [r for r in responses if ws.store.get(SurveyResponse.table, r.id) is None]
    report.unchanged = len(responses) - len(fresh)
    if fresh:
        with ws.store.transaction() as txn:
            for r in fresh:
                txn.put(SurveyResponse.table, r.id, r.to_record())
    report.created = len(fresh)
    return report
