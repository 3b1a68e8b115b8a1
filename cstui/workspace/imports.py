"""CSV transfer: accounts exported (CSV or JSON) and imported, survey answers imported.

Account columns are named after the Account model's fields so a file exported by cstui
imports back unchanged. Lists are joined with ``;`` and the CRM id map is written
``system=id;...``. Account import is all-or-nothing per row: every bad row is reported with
its line number and the reason, and valid rows are written after every row was checked, in
commits of ``IMPORT_CHUNK`` rows so a large file never holds the lock for seconds. A file
with an unclosed quote is refused whole, with the line where the quote opens.
Rows without an ``id`` are matched to an existing account by domain, then by name, so
importing the same file twice updates rather than duplicates.

Survey columns: ``account`` (id or exact name), ``contact`` (id or e-mail, optional),
``date`` (YYYY-MM-DD), ``kind`` (nps or csat; nps when blank or absent), ``score``,
``comment``. A survey file is all or nothing: a survey export is one batch from one tool,
and importing half of it would skew NPS for the period without anyone noticing. So every
row is checked, every bad row is reported with its line number, and nothing is written
unless all rows are good (then in commits of ``IMPORT_CHUNK``; only a disk failure midway
could leave part of a file imported, and importing it again completes it). Each response
gets an id derived from its content, so importing the same file again reports it as
already imported.

Japanese offices. A file is read as UTF-8 (with or without a BOM, or UTF-16 with one) and
otherwise as cp932, what Japanese Excel saves a CSV in (:func:`decode_csv`). Dates may be
written ``2026/03/01`` and numbers ``1,200,000`` or ``￥1,200,000`` (full-width digits too);
they are read as ``2026-03-01`` and ``1200000``. A survey answer dated after today is refused.
``export_accounts(..., excel=True)`` writes what Excel opens as UTF-8: a BOM and CRLF lines.

Depends on :mod:`.accounts` and :mod:`.health` (imported answers rescore their accounts).
"""

from __future__ import annotations

import codecs
import csv
import functools
import hashlib
import io
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TextIO

from cstui import clock
from cstui.domain.enums import Table
from cstui.domain.portfolio import fold
from cstui.i18n import t
from cstui.sanitize import json_text
from cstui.store import ChunkedWriter
from cstui.workspace.accounts import Accounts
from cstui.workspace.health import Health
from cstui.workspace.repo import Repo, changed_fields

if TYPE_CHECKING:
    from cstui.domain.history import AccountChange
    from cstui.domain.models import Account, Contact, SurveyResponse


@dataclass
class ImportReport:
    """What an import did; ``errors`` are (line number, reason), and nothing bad is written."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)


ACCOUNT_COLUMNS: tuple[str, ...] = (
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


IMPORT_CHUNK = 500
"""Records per commit of an import: well under 100 ms of lock time each."""


def _merged(values: dict[str, Any], record: dict[str, Any] | None) -> dict[str, Any] | None:
    """An imported row's changed fields over the account as committed now (nothing, if a
    teammate deleted it meanwhile: half an account is not brought back)."""
    return None if record is None else {**record, **values}


def quote_problem(text: str, *, multiline: bool) -> tuple[int, str] | None:
    """(line, reason) for a quoted field that is never closed, else None.

    Python's csv module reads a stray ``"`` as the start of a quoted field that runs to the
    next quote, or to the end of the file: every following row would become part of one
    value (one account "created" with every other row in its name). One linear pass finds
    the line where such a field opens. ``multiline``: a quoted field may hold line breaks
    (a survey comment); otherwise one that crosses a line end is refused too.
    """
    line = 1
    quoted_at = 0  # line where the open quoted field started; 0 = not in one
    at_start = True  # at the start of a field (a quote there opens a quoted field)
    i, size = 0, len(text)
    while i < size:
        char = text[i]
        if quoted_at:
            if char == '"':
                if i + 1 < size and text[i + 1] == '"':
                    i += 2  # an escaped quote inside the field
                    continue
                quoted_at = 0
            elif char == "\n":
                line += 1
                if not multiline:
                    return quoted_at, _open_quote(quoted_at, "is not closed on that line")
        elif char == '"' and at_start:
            quoted_at = line
        elif char == "\n":
            line += 1
        at_start = char in ",\n" and not quoted_at
        i += 1
    if quoted_at:
        return quoted_at, _open_quote(quoted_at, "is never closed")
    return None


def _header_problem(
    header: Sequence[str], required: Sequence[str], known: Sequence[str]
) -> tuple[int, str] | None:
    """(1, reason) for the first required column missing from a CSV header, else for its
    first column cstui does not know; None when the header is fine."""
    missing = [c for c in required if c not in header]
    if missing:
        return 1, t("import.error.no_column", column=missing[0])
    unknown = [c for c in header if c not in known]
    if unknown:
        return 1, t("import.error.unknown_column", column=unknown[0], known=", ".join(known))
    return None


def _open_quote(line: int, how: str) -> str:
    return (
        f'A quote (") on line {line} opens a field that {how}, so the rows after it '
        f"would be read as part of one value; nothing was imported. Remove the stray quote, "
        f'or double it ("") to keep it in the text.'
    )


class UnreadableFile(ValueError):
    """A file that is neither UTF-8, UTF-16 with a BOM, nor cp932; the message is worded in
    the user's language."""


def decode_csv(data: bytes) -> str:
    """The text of a CSV file as saved by any Excel: a BOM says UTF-8 or UTF-16; without
    one, UTF-8 is tried first (it rarely decodes by accident) and then cp932 (Japanese
    Excel's "CSV (comma delimited)")."""
    if data.startswith(codecs.BOM_UTF8):
        encodings: tuple[str, ...] = ("utf-8-sig",)
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings = ("utf-16",)
    else:
        encodings = ("utf-8", "cp932")
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnreadableFile(t("import.error.encoding"))


_DAY = re.compile(r"(\d{4})\s*[/.年-]\s*(\d{1,2})\s*[/.月-]\s*(\d{1,2})\s*日?")
_GROUPED = re.compile(r"-?\d{1,3}(,\d{3})+(\.\d+)?")


def plain_day(raw: str) -> str:
    """``2026/03/01``, ``2026/3/1``, ``2026年3月1日`` (full-width digits too) as
    ``2026-03-01``; anything else unchanged, for the model to refuse with its message."""
    text = unicodedata.normalize("NFKC", raw).strip()
    match = _DAY.fullmatch(text)
    if match is None:
        return raw
    year, month, day = (int(g) for g in match.groups())
    return f"{year:04d}-{month:02d}-{day:02d}"


def plain_number(raw: str) -> str:
    """``1,200,000``, ``￥1,200,000``, ``$1,200`` (full-width too) as ``1200000``; a comma
    that does not group thousands ("1,2") is left for the model to refuse."""
    text = unicodedata.normalize("NFKC", raw).strip().lstrip("¥$").strip()
    if _GROUPED.fullmatch(text):
        return text.replace(",", "")
    return text if text.lstrip("-").replace(".", "", 1).isdigit() else raw


_DAY_COLUMNS = ("contract_start", "renewal_date")
_NUMBER_COLUMNS = ("arr", "seats")


def export_accounts(ws: Repo, fmt: str, out: TextIO, *, excel: bool = False) -> int:
    """Write every account as CSV or JSON; returns how many. ``excel``: CSV that Excel opens
    as UTF-8 (a BOM first, CRLF line ends), so Japanese names are not garbled."""
    from cstui.domain.models import Account

    records = sorted(ws.iter_records(Account), key=lambda r: (fold(r["name"]), r["id"]))
    if excel and fmt != "csv":
        raise ValueError("Only CSV is written for Excel.")
    if fmt == "json":
        rows = [{k: r.get(k) for k in ACCOUNT_COLUMNS} for r in records]
        out.write(json_text(rows) + "\n")
    elif fmt == "csv":
        if excel:
            out.write("\ufeff")
        writer = csv.writer(out, lineterminator="\r\n" if excel else "\n")
        writer.writerow(ACCOUNT_COLUMNS)
        for r in records:
            writer.writerow([_cell(k, r.get(k)) for k in ACCOUNT_COLUMNS])
    else:
        raise ValueError(f"Unknown format '{fmt}': use csv or json.")
    return len(records)


def _parse_row(row: dict[str, str]) -> dict[str, Any]:
    from cstui.domain.models import InvalidRecord

    data: dict[str, Any] = {}
    for key in ACCOUNT_COLUMNS:
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
                    raise InvalidRecord([t("import.error.crm_ids", raw=raw)])
                ids[system.strip()] = value.strip()
            data[key] = ids
        elif raw == "" and key not in ("name",):
            continue
        elif key in _DAY_COLUMNS:
            data[key] = plain_day(raw)
        elif key in _NUMBER_COLUMNS:
            data[key] = plain_number(raw)
        else:
            data[key] = raw
    return data


def import_accounts(ws: Repo, source: Iterable[str] | TextIO) -> ImportReport:
    """Validate every row, then write the valid ones in one transaction."""
    from pydantic import ValidationError

    from cstui.domain.history import changes_between
    from cstui.domain.models import INPUT, Account, InvalidRecord, describe_errors

    text = source.read() if isinstance(source, io.TextIOBase) else "".join(source)
    text = text.removeprefix("\ufeff")  # Excel's UTF-8 BOM
    report = ImportReport()
    reader = csv.DictReader(io.StringIO(text))
    problem = quote_problem(text, multiline=False) or _header_problem(
        reader.fieldnames or [], ("name",), ACCOUNT_COLUMNS
    )
    if problem is not None:
        report.errors.append(problem)
        return report

    existing = {r["id"]: r for r in ws.iter_records(Account)}
    by_domain = {r["domain"]: r["id"] for r in existing.values() if r.get("domain")}
    by_name = {fold(r["name"]): r["id"] for r in existing.values()}
    seen: dict[str, int] = {}
    writes: list[tuple[str, dict[str, Any], bool]] = []
    history: dict[str, list[AccountChange]] = {}
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
                raise InvalidRecord([t("import.error.same_account", line=seen[target])])
            if target and target in existing:
                merged = {**existing[target], **data, "id": target}
                fresh = Account.model_validate(merged, context=INPUT).to_record()
                changed = changed_fields(existing[target], fresh)
                seen[target] = line
                if changed:
                    writes.append((target, changed, False))
                    history[target] = changes_between(
                        target,
                        existing[target],
                        changed,
                        clock.today(),
                        source="import",
                        new_id=ws.store.new_id,
                    )
                else:
                    report.unchanged += 1
            else:
                new_id = target or ws.store.new_id()
                fresh = Account.model_validate({**data, "id": new_id}, context=INPUT).to_record()
                seen[new_id] = line
                writes.append((new_id, fresh, True))
        except ValidationError as exc:
            report.errors.append((line, " ".join(describe_errors(Account, exc))))
        except InvalidRecord as exc:
            report.errors.append((line, " ".join(exc.messages)))
    if writes:
        # Every row was validated above; now commit in chunks, so a large file never holds
        # the data folder's lock for seconds (teammates' saves go in between). An update
        # merges its changed fields into the account as committed when its chunk commits.
        with ws.store.chunked(IMPORT_CHUNK) as out:
            _write_accounts(out, writes, history)
    report.created = sum(1 for w in writes if w[2])
    report.updated = sum(1 for w in writes if not w[2])
    return report


def _write_accounts(
    out: ChunkedWriter,
    writes: list[tuple[str, dict[str, Any], bool]],
    history: dict[str, list[AccountChange]],
) -> None:
    """Hand the rows to ``out``; an update and the history of its ARR, stage and currency
    (closed periods keep the values of then) always commit in one chunk."""
    pending = 0
    for account_id, values, created in writes:
        changes = history.get(account_id, [])
        need = 1 + len(changes)
        if pending and pending + need > out.chunk_size:
            out.flush()
            pending = 0
        if created:
            out.put(Table.ACCOUNTS, account_id, values)
        else:
            out.update(Table.ACCOUNTS, account_id, functools.partial(_merged, values))
        for change in changes:
            out.put(Table.ACCOUNT_HISTORY, change.id, change.to_record())
        pending = (pending + need) % out.chunk_size


SURVEY_COLUMNS: tuple[str, ...] = ("account", "contact", "date", "kind", "score", "comment")
SURVEY_REQUIRED: tuple[str, ...] = ("account", "date", "score")


def _response_id(data: dict[str, Any], occurrence: int) -> str:
    key = "\x1f".join(
        str(data.get(k) or "") for k in ("account_id", "contact_id", "date", "kind", "score")
    )
    digest = hashlib.sha256(f"{key}\x1f{data.get('comment', '')}\x1f{occurrence}".encode())
    return "srv-" + digest.hexdigest()[:20]


class _Lookup:
    """Accounts by id and exact (folded) name; contacts by id and e-mail, per account."""

    def __init__(self, ws: Accounts) -> None:
        self.ws = ws
        self.by_id = {a.id: a for a in ws.accounts()}
        self.by_name: dict[str, list[Account]] = {}
        for a in self.by_id.values():
            self.by_name.setdefault(fold(a.name), []).append(a)
        self._contacts: dict[str, list[Contact]] = {}

    def account(self, text: str) -> Account:
        from cstui.domain.models import InvalidRecord

        if not text:
            raise InvalidRecord([t("import.error.no_account")])
        found = self.by_id.get(text)
        if found is not None:
            return found
        named = self.by_name.get(fold(text), [])
        if len(named) == 1:
            return named[0]
        if named:
            raise InvalidRecord([t("import.error.ambiguous", text=text, n=len(named))])
        raise InvalidRecord([t("import.error.unknown_account", text=text)])

    def contact(self, account: Account, text: str) -> str | None:
        from cstui.domain.models import InvalidRecord

        if not text:
            return None
        people = self._contacts.get(account.id)
        if people is None:
            people = self._contacts[account.id] = self.ws.contacts(account.id)
        for c in people:
            if c.id == text or (c.email and c.email.lower() == text.lower()):
                return c.id
        raise InvalidRecord([t("import.error.unknown_contact", text=text, account=account.name)])


def validate_surveys(ws: Accounts, text: str) -> tuple[list[SurveyResponse], ImportReport]:
    """Every row checked; returns the responses to write and the report (errors if any)."""
    from cstui.domain.models import InvalidRecord, SurveyResponse, validate

    text = text.removeprefix("\ufeff")  # Excel's UTF-8 BOM
    report = ImportReport()
    reader = csv.DictReader(io.StringIO(text))
    problem = quote_problem(text, multiline=True)
    if problem is None:
        reader.fieldnames = [h.strip() for h in reader.fieldnames or []]
        problem = _header_problem(reader.fieldnames, SURVEY_REQUIRED, SURVEY_COLUMNS)
    if problem is not None:
        report.errors.append(problem)
        return [], report
    lookup = _Lookup(ws)
    today = clock.today()
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
                "date": plain_day(cells.get("date", "")),
                "kind": (cells.get("kind") or "nps").lower(),
                "score": plain_number(cells.get("score", "")),
                "comment": cells.get("comment", ""),
            }
            if not data["date"]:
                raise InvalidRecord([t("import.error.no_date")])
            if not data["score"]:
                raise InvalidRecord([t("import.error.no_score")])
            probe = validate(SurveyResponse, {**data, "id": "probe"})
            if probe.date > today:
                raise InvalidRecord([t("import.error.future", day=probe.date.isoformat())])
            key = _response_id(probe.to_record(), 0)
            n = occurrences.get(key, 0)
            occurrences[key] = n + 1
            out.append(probe.model_copy(update={"id": _response_id(probe.to_record(), n)}))
        except InvalidRecord as exc:
            report.errors.append((line, " ".join(exc.messages)))
    return out, report


class Imports(Health):
    def import_surveys(self, text: str) -> ImportReport:
        """Import a CSV of survey responses in one transaction, or none when any row is bad.

        Rescores the accounts answered for, so a detractor raises its alert at once.
        """
        responses, report = validate_surveys(self, text)
        if report.errors:
            return report
        fresh = [r for r in responses if self.store.get(Table.SURVEYS, r.id) is None]
        report.unchanged = len(responses) - len(fresh)
        with self.store.chunked(IMPORT_CHUNK) as out:  # validated: commit in short chunks
            for response in fresh:
                out.put(Table.SURVEYS, response.id, response.to_record())
        report.created = len(fresh)
        self.refresh_health(sorted({r.account_id for r in responses}))
        return report
