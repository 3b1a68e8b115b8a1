"""``cstui export qbr``: one account's quarterly business review as Markdown or HTML.

Uses the review record when there is one (the CSM's edited sections and marked stories) and
its frozen snapshot once delivered, so the file matches what the customer was shown.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from cstui import i18n
from cstui.cli.common import data_dir_option, fail, opened
from cstui.domain.models import InvalidRecord, QBRStatus
from cstui.report.qbr import render_html, render_markdown
from cstui.sanitize import clean
from cstui.workspace import AccountNotFound, Workspace


def render(ws: Workspace, account_id: str, period: str | None, fmt: str, lang: str) -> str:
    """The export text; shared by the CLI and the QBR screen's export key."""
    data = ws.qbr_data(account_id, period, lang)
    record = ws.qbr_record(account_id, data.period)  # read only: exporting creates nothing
    sections: dict[str, str] = {}
    stories = [s.activity_id for s in data.marked_stories()]
    delivered = None
    if record is not None:
        sections = dict(record.sections)
        stories = list(record.stories)
        if record.status is QBRStatus.DELIVERED and record.frozen:
            sections = dict(record.frozen.get("sections", sections))
            stories = list(record.frozen.get("stories", stories))
            delivered = record.delivered_on
    if fmt == "md":
        return render_markdown(data, sections, stories, lang)
    return render_html(data, sections, stories, lang, delivered_on=delivered)


@click.command(name="qbr")
@data_dir_option
@click.argument("account")
@click.option("--period", default=None, help="A quarter like 2026Q3 (default: the last full one).")
@click.option("--format", "fmt", type=click.Choice(["md", "html"]), default="md", show_default=True)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write to this file, created 0600 (default: standard output).",
)
@click.option("--lang", type=click.Choice(i18n.LANGUAGES), default=None)
def qbr(
    data_dir: Path | None,
    account: str,
    period: str | None,
    fmt: str,
    out: Path | None,
    lang: str | None,
) -> None:
    """Export ACCOUNT's quarterly business review (id, name or a unique part of it)."""
    words = i18n.detect_language(lang)
    with opened(data_dir) as ws:
        try:
            found = ws.find_account(account)
            text = render(ws, found.id, period, fmt, words)
        except (AccountNotFound, InvalidRecord) as exc:
            fail(str(exc))
            return
    if out is None:
        sys.stdout.write(text)
        return
    # Reviews hold customer data: private like the data files, even if the file existed.
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    with open(fd, "w", encoding="utf-8", newline="") as handle:
        handle.write(text)
    click.echo(f"Exported the QBR of {clean(found.name)} to {out}.", err=True)
