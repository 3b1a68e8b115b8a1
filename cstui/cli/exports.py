"""``cstui export accounts`` and ``cstui export qbr``: data out of cstui, as files or stdout.

Exports hold customer data, so files are created private (0600, or 0660 for the group
in a team folder) like the data files, even over an existing file. Written to a terminal
(standard output that is not a regular file), control characters and bidi overrides are
neutralised as in the app; files keep the data as it is. A
review is exported from its record when there is one (the CSM's edited sections and marked
stories) and from its frozen snapshot once delivered, so the file matches what the customer
was shown.
"""

from __future__ import annotations

import io
from pathlib import Path

import click

from cstui import i18n
from cstui.cli.common import (
    Group,
    data_dir_option,
    fail,
    inherited,
    opened,
    private_file,
    team_option,
    write_out,
)
from cstui.domain.models import InvalidRecord, QBRStatus
from cstui.report.qbr import render_html, render_markdown
from cstui.sanitize import clean
from cstui.workspace import AccountNotFound, Workspace
from cstui.workspace.imports import export_accounts


@click.group(name="export", cls=Group)
def export_group() -> None:
    """Export data."""


@export_group.command(name="accounts")
@data_dir_option
@team_option
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write to this file (default: standard output).",
)
def export_accounts_cmd(data_dir: Path | None, team: bool, fmt: str, out: Path | None) -> None:
    """Export every account as CSV or JSON."""

    with opened(data_dir, team=team) as ws:
        if out is None:
            buffer = io.StringIO()
            export_accounts(ws, fmt, buffer)
            write_out(buffer.getvalue())
            return
        with private_file(out) as handle:
            count = export_accounts(ws, fmt, handle)
        click.echo(f"Exported {count} accounts to {out}.", err=True)


def render(ws: Workspace, account_id: str, period: str | None, fmt: str, lang: str) -> str:
    """The export text (the QBR widget builds the same in widgets/qbr.py for its export key)."""
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


@export_group.command(name="qbr")
@data_dir_option
@team_option
@click.argument("account")
@click.option("--period", default=None, help="A quarter like 2026Q3 (default: the last full one).")
@click.option("--format", "fmt", type=click.Choice(["md", "html"]), default="md", show_default=True)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write to this file, created 0600 (default: standard output).",
)
@click.option("--lang", type=click.Choice(i18n.LANGUAGES), default=None, callback=inherited)
def qbr(
    data_dir: Path | None,
    team: bool,
    account: str,
    period: str | None,
    fmt: str,
    out: Path | None,
    lang: str | None,
) -> None:
    """Export ACCOUNT's quarterly business review (id, name or a unique part of it)."""
    words = i18n.detect_language(lang)
    with opened(data_dir, team=team) as ws:
        try:
            found = ws.find_account(account)
            text = render(ws, found.id, period, fmt, words)
        except (AccountNotFound, InvalidRecord) as exc:
            fail(str(exc))
            return
    if out is None:
        write_out(text)
        return
    # Reviews hold customer data: private like the data files, even if the file existed.
    with private_file(out) as handle:
        handle.write(text)
    click.echo(f"Exported the QBR of {clean(found.name)} to {out}.", err=True)
