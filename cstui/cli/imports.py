"""``cstui import accounts`` and ``cstui import surveys``: CSV files into the book.

Files may be UTF-8 (a BOM is fine), UTF-16 with a BOM, or cp932 as Japanese Excel saves
them (:func:`cstui.workspace.imports.decode_csv`); a file that is none of these is refused
in the user's language. Bad rows are reported with their line number.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from cstui import i18n
from cstui.cli.common import (
    Group,
    data_dir_option,
    fail,
    lang_option,
    opened,
    team_option,
)
from cstui.exitcodes import EXIT_ERROR
from cstui.sanitize import clean
from cstui.workspace.imports import UnreadableFile, decode_csv, import_accounts


def read_csv(file: Path, lang: str | None) -> str:
    """The file's text in whichever encoding Excel saved it; otherwise the command stops
    with a sentence in the user's language (exit 1), before the book is opened."""
    i18n.set_language(i18n.detect_language(lang))
    try:
        return decode_csv(file.read_bytes())
    except UnreadableFile as exc:
        fail(f"{file}: {exc}")
    except OSError:
        fail(i18n.t("import.error.missing", path=str(file)))
    raise AssertionError("unreachable")  # fail() exits


@click.group(name="import", cls=Group)
def import_group() -> None:
    """Import data."""


@import_group.command(name="accounts")
@data_dir_option
@team_option
@lang_option
# not exists=True: a missing file is read_csv's sentence in the user's language (exit 1)
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def import_accounts_cmd(data_dir: Path | None, team: bool, lang: str | None, file: Path) -> None:
    """Import accounts from a CSV with the export's columns; bad rows are reported, not written.

    UTF-8 or Japanese Excel's cp932; dates as 2026-03-01 or 2026/03/01, numbers as 1200000
    or "1,200,000".
    """
    text = read_csv(file, lang)
    with opened(data_dir, team=team, create=True) as ws:
        report = import_accounts(ws, [text])
    for line, reason in report.errors:
        click.echo(f"{file}:{line}: {clean(reason)}", err=True)
    click.echo(
        i18n.t(
            "cli.import.accounts",
            file=file,
            created=report.created,
            updated=report.updated,
            unchanged=report.unchanged,
            rejected=len(report.errors),
        )
    )
    if report.errors:
        sys.exit(EXIT_ERROR)


@import_group.command(name="surveys")
@data_dir_option
@team_option
@lang_option
# not exists=True: a missing file is read_csv's sentence in the user's language (exit 1)
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def import_surveys_cmd(data_dir: Path | None, team: bool, lang: str | None, file: Path) -> None:
    """Import NPS/CSAT responses (account, contact, date, kind, score, comment).

    All rows or none: any bad row is reported with its line and nothing is imported; an
    answer dated after today is a bad row.
    """
    text = read_csv(file, lang)
    with opened(data_dir, team=team) as ws:  # answers need the accounts: no new book
        result = ws.import_surveys(text)
    for line, reason in result.errors:
        click.echo(f"{file}:{line}: {clean(reason)}", err=True)
    if result.errors:
        fail(i18n.t("cli.import.surveys_refused", file=file, n=len(result.errors)))
        return
    click.echo(
        i18n.t("cli.import.surveys", file=file, created=result.created, unchanged=result.unchanged)
    )
