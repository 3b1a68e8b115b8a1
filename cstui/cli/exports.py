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
import sys
from pathlib import Path

import click

from cstui import i18n
from cstui.cli.common import (
    Group,
    data_dir_option,
    fail,
    inherited,
    lang_option,
    opened,
    private_file,
    read_team_option,
    write_out,
)
from cstui.domain.models import InvalidRecord
from cstui.report.qbr import render_html, render_markdown
from cstui.sanitize import clean
from cstui.workspace import AccountNotFound, Workspace
from cstui.workspace.imports import export_accounts


@click.group(name="export", cls=Group)
def export_group() -> None:
    """Export data."""


@export_group.command(name="accounts")
@data_dir_option
@read_team_option
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write to this file (default: standard output).",
)
@click.option(
    "--excel",
    is_flag=True,
    help="CSV for Excel: UTF-8 with a BOM and CRLF lines, so Japanese text opens ungarbled.",
)
@lang_option
def export_accounts_cmd(
    data_dir: Path | None, fmt: str, out: Path | None, excel: bool, lang: str | None
) -> None:
    """Export every account as CSV or JSON."""
    i18n.set_language(i18n.detect_language(lang))
    if excel and fmt != "csv":
        raise click.UsageError("--excel writes CSV; it cannot be combined with --format json.")
    with opened(data_dir) as ws:
        if out is None:
            buffer = io.StringIO(newline="")
            export_accounts(ws, fmt, buffer, excel=excel)
            if excel:  # bytes as Excel wants them, never re-encoded by the terminal's locale
                sys.stdout.flush()
                sys.stdout.buffer.write(buffer.getvalue().encode("utf-8"))
                sys.stdout.buffer.flush()
            else:
                write_out(buffer.getvalue())
            return
        with private_file(out) as handle:
            count = export_accounts(ws, fmt, handle, excel=excel)
        click.echo(i18n.t("cli.export.accounts", n=count, out=out), err=True)


def render(
    ws: Workspace,
    account_id: str,
    period: str | None,
    fmt: str,
    lang: str,
    template: Path | None = None,
) -> bytes:
    """The export file's bytes in ``fmt`` (md, html or pptx); customer-facing content only."""
    data, sections, stories, delivered = ws.qbr_export_parts(account_id, period, lang)
    if fmt == "pptx":
        from cstui.report.deck import TemplateError, render_pptx  # loads python-pptx

        try:
            return render_pptx(
                data, sections, stories, lang, delivered_on=delivered, template=template
            )
        except TemplateError as exc:
            raise InvalidRecord([str(exc)]) from None
    if fmt == "md":
        return render_markdown(data, sections, stories, lang).encode("utf-8")
    return render_html(data, sections, stories, lang, delivered_on=delivered).encode("utf-8")


@export_group.command(name="qbr")
@data_dir_option
@read_team_option
@click.argument("account")
@click.option(
    "--period",
    default=None,
    help=(
        "A quarter like 2026Q3 (default: the last full quarter in which the customer "
        "existed, as the QBR tab opens)."
    ),
)
@click.option(
    "--format", "fmt", type=click.Choice(["md", "html", "pptx"]), default="md", show_default=True
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write to this file, created 0600 (default: standard output; pptx needs --out).",
)
@click.option(
    "--template",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="A company .pptx whose layouts and theme the deck uses (pptx only).",
)
@click.option("--lang", type=click.Choice(i18n.LANGUAGES), default=None, callback=inherited)
def qbr(
    data_dir: Path | None,
    account: str,
    period: str | None,
    fmt: str,
    out: Path | None,
    template: Path | None,
    lang: str | None,
) -> None:
    """Export ACCOUNT's quarterly business review (id, name or a unique part of it).

    Only what the customer may read goes out: the internal notes of the QBR tab never do.
    """
    words = i18n.detect_language(lang)
    if fmt == "pptx" and out is None:
        fail("A slide deck is a binary file: give --out FILE.pptx.")
        return
    if template is not None and fmt != "pptx":
        fail("--template applies to --format pptx only.")
        return
    with opened(data_dir) as ws:
        try:
            found = ws.find_account(account)
            payload = render(ws, found.id, period, fmt, words, template)
        except (AccountNotFound, InvalidRecord) as exc:
            fail(str(exc))
            return
    if out is None:
        write_out(payload.decode("utf-8"))
        return
    # Reviews hold customer data: private like the data files, even if the file existed.
    with private_file(out) as handle:
        handle.buffer.write(payload)
    click.echo(f"Exported the QBR of {clean(found.name)} to {out}.", err=True)
