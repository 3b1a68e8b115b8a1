"""``cstui import accounts`` and ``cstui import surveys``: CSV files into the book.

Files must be UTF-8 (a BOM is fine); bad rows are reported with their line number.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from cstui.cli.common import EXIT_ERROR, Group, data_dir_option, fail, opened, team_option
from cstui.sanitize import clean
from cstui.workspace.imports import import_accounts


@click.group(name="import", cls=Group)
def import_group() -> None:
    """Import data."""


@import_group.command(name="accounts")
@data_dir_option
@team_option
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_accounts_cmd(data_dir: Path | None, team: bool, file: Path) -> None:
    """Import accounts from a CSV with the export's columns; bad rows are reported, not written."""

    try:
        text = file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        fail(f"{file} is not UTF-8 text; save the CSV as UTF-8 and try again.")
        return
    with opened(data_dir, team=team, create=True) as ws:
        report = import_accounts(ws, [text])
    for line, reason in report.errors:
        click.echo(f"{file}:{line}: {clean(reason)}", err=True)
    click.echo(
        f"Imported {file}: {report.created} created, {report.updated} updated, "
        f"{report.unchanged} unchanged, {len(report.errors)} rejected."
    )
    if report.errors:
        sys.exit(EXIT_ERROR)


@import_group.command(name="surveys")
@data_dir_option
@team_option
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_surveys_cmd(data_dir: Path | None, team: bool, file: Path) -> None:
    """Import NPS/CSAT responses (account, contact, date, kind, score, comment).

    All rows or none: any bad row is reported with its line and nothing is imported.
    """
    try:
        text = file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        fail(f"{file} is not UTF-8 text; save the CSV as UTF-8 and try again.")
        return
    with opened(data_dir, team=team) as ws:  # answers need the accounts: no new book
        result = ws.import_surveys(text)
    for line, reason in result.errors:
        click.echo(f"{file}:{line}: {clean(reason)}", err=True)
    if result.errors:
        fail(f"Nothing imported from {file}: {len(result.errors)} bad rows; fix them and retry.")
        return
    click.echo(f"Imported {file}: {result.created} responses, {result.unchanged} already imported.")
