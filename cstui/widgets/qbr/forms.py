"""The QBR tab's forms: editing a prose section and exporting the review.

Plain functions to :class:`Field` lists, plus where an export goes and how it is written.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from cstui.domain.qbr import QBRData
from cstui.i18n import t
from cstui.ui.forms import Field
from cstui.widgets.qbr.render import lines_text

EDITABLE: tuple[str, ...] = ("summary", "risks", "next_steps", "changes")
"""Prose sections; the others are numbers drawn from the data."""


def default_export_path(account_name: str, account_id: str, period: str, ext: str) -> Path:
    """``~/cstui-qbr-<account>-<period>.<ext>``; the id when the name has no ASCII letters."""
    slug = re.sub(r"[^a-z0-9]+", "-", account_name.lower()).strip("-")[:40] or account_id
    return Path.home() / f"cstui-qbr-{slug}-{period}.{ext}"


FORMATS: tuple[tuple[str, str], ...] = (
    ("Markdown (.md)", "md"),
    ("HTML (.html)", "html"),
    ("PowerPoint (.pptx)", "pptx"),
)
"""The export formats the ``x`` form offers: (label, extension)."""


def write_private(path: Path, payload: str | bytes) -> None:
    """Write ``payload`` readable by its owner only (0600), even over an existing file."""
    data = payload.encode("utf-8") if isinstance(payload, str) else payload
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)


def export_path(value: str, default: Path, ext: str) -> Path:
    """Where an export goes: the default in a folder; a known extension follows the format."""
    path = Path(value).expanduser() if value else default
    if path.is_dir():
        return path / default.name
    if path.suffix in tuple(f".{e}" for _, e in FORMATS):
        return path.with_suffix(f".{ext}")
    return path


def drafted_text(data: QBRData, section: str) -> str:
    """What the data drafts for an editable ``section`` (shown until the CSM edits it)."""
    return {
        "summary": data.summary_draft,
        "risks": lines_text(data.risks),
        "next_steps": lines_text(data.next_steps),
        "changes": lines_text(data.changes),
    }[section]


def section_fields(text: str) -> list[Field]:
    """One prose section, edited as a whole."""
    return [
        Field(
            "text",
            t("qbrui.form.text"),
            kind="multiline",
            value=text,
            help=t("qbrui.form.text_help"),
        )
    ]


def export_fields(name: str, account_id: str, period: str) -> list[Field]:
    """Format and path of an export; the path starts in the home folder."""
    return [
        Field(
            "format",
            t("qbrui.export.format"),
            kind="select",
            value="md",
            options=list(FORMATS),
            required=True,
        ),
        Field(
            "path",
            t("qbrui.export.path"),
            value=str(default_export_path(name, account_id, period, "md")),
            help=t("qbrui.export.path_help"),
        ),
    ]
