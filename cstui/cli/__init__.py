"""The ``cstui`` command line.

Every command takes ``--data-dir`` (or ``CSTUI_DATA_DIR``). Errors are one clear line on
stderr and a non-zero exit code; nothing here prints secrets or raw tracebacks for expected
problems (a corrupt file, a bad row, a missing account).
"""

from __future__ import annotations

import importlib
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

import click

from cstui import i18n
from cstui.cli.common import (
    EXIT_ERROR,
    EXIT_UNHEALTHY,
    data_dir_option,
    fail,
    lang_option,
    opened,
    team_option,
)
from cstui.paths import default_data_dir
from cstui.sanitize import clean
from cstui.store import StoreError
from cstui.workspace import Workspace


def run_app(ws: Workspace, lang: str | None) -> None:
    from cstui.app import create_app  # Textual is imported only when a UI is wanted

    create_app(ws, lang=i18n.detect_language(lang)).run()


class LazyGroup(click.Group):
    """A command group whose subcommands named in ``lazy`` are imported on first use."""

    lazy: dict[str, str]

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *getattr(self, "lazy", {})})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = getattr(self, "lazy", {}).get(cmd_name)
        if target is None:
            return super().get_command(ctx, cmd_name)
        module, _, attr = target.partition(":")
        command: click.Command = getattr(importlib.import_module(module), attr)
        return command


@click.group(
    cls=LazyGroup,
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@data_dir_option
@lang_option
@team_option
@click.version_option(package_name="cstui")
@click.pass_context
def main(ctx: click.Context, data_dir: Path | None, lang: str | None, team: bool) -> None:
    """A terminal workspace for customer success managers.

    With no command, opens the app on your data.
    """
    if ctx.invoked_subcommand is not None:
        return
    try:
        ws = Workspace.open(data_dir or default_data_dir(), team=team)
    except StoreError as exc:
        fail(str(exc))
        return
    run_app(ws, lang)


@main.command()
@click.option("--accounts", type=click.IntRange(1, 200_000), default=60, show_default=True)
@click.option("--seed", type=int, default=1, show_default=True)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Write the demo data directory here instead of a temporary one.",
)
@click.option("--no-open", is_flag=True, help="Only write the data; do not open the app.")
@lang_option
def demo(accounts: int, seed: int, out: Path | None, no_open: bool, lang: str | None) -> None:
    """Open cstui on a generated demo portfolio (never touches your data)."""
    if out is not None and out.exists() and any(out.iterdir()):
        fail(f"{out} is not empty; choose a new directory for the demo data.")
    target = out or Path(tempfile.mkdtemp(prefix="cstui-demo-"))
    from cstui.demo.build import build_demo

    try:
        count = build_demo(target, accounts, seed)
        if no_open:
            click.echo(
                f"Wrote a demo portfolio of {accounts} accounts ({count} records) to {target}."
            )
            return
        ws = Workspace.open(target)
        run_app(ws, lang)
    finally:
        if out is None:
            shutil.rmtree(target, ignore_errors=True)


@main.command()
@data_dir_option
@team_option
def doctor(data_dir: Path | None, team: bool) -> None:
    """Check the data directory and configuration; exit 2 when something is wrong."""
    target = data_dir or default_data_dir()
    problems: list[str] = []
    try:
        ws = Workspace.open(target, team=team)
    except StoreError as exc:
        fail(str(exc), EXIT_UNHEALTHY)
        return
    try:
        problems.extend(ws.warnings)
        problems.extend(ws.store.check())
        problems.extend(ws.template_errors)
        size = ws.store.journal_path.stat().st_size if ws.store.journal_path.exists() else 0
        from cstui.domain.models import Account

        click.echo(f"Data directory: {target}")
        click.echo(f"Accounts: {ws.count(Account)}")
        click.echo(f"Journal: {size:,} bytes since the last checkpoint")
    finally:
        ws.store.close(checkpoint=False)
    if problems:
        for p in problems:
            click.echo(f"problem: {clean(p)}")
        sys.exit(EXIT_UNHEALTHY)
    click.echo("Everything looks healthy.")


@main.command()
@data_dir_option
def compact(data_dir: Path | None) -> None:
    """Write a fresh snapshot and start a new journal."""
    with opened(data_dir) as ws:
        before = ws.store.journal_path.stat().st_size if ws.store.journal_path.exists() else 0
        ws.store.checkpoint()
        click.echo(f"Checkpointed {ws.store.snapshot_path} ({before:,} journal bytes folded in).")


@main.group(name="export", cls=LazyGroup)
def export_group() -> None:
    """Export data."""


@export_group.command(name="accounts")
@data_dir_option
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write to this file (default: standard output).",
)
def export_accounts_cmd(data_dir: Path | None, fmt: str, out: Path | None) -> None:
    """Export every account as CSV or JSON."""
    from cstui.transfer import export_accounts

    with opened(data_dir) as ws:
        if out is None:
            export_accounts(ws, fmt, sys.stdout)
            return
        with _private_file(out) as handle:
            count = export_accounts(ws, fmt, handle)
        click.echo(f"Exported {count} accounts to {out}.", err=True)


@contextmanager
def _private_file(path: Path) -> Iterator[TextIO]:
    """Exports hold customer data: create them 0600 like the data files."""
    import os

    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with open(fd, "w", encoding="utf-8", newline="") as handle:
        yield handle


@main.group(name="import", cls=LazyGroup)
def import_group() -> None:
    """Import data."""


@import_group.command(name="accounts")
@data_dir_option
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_accounts_cmd(data_dir: Path | None, file: Path) -> None:
    """Import accounts from a CSV with the export's columns; bad rows are reported, not written."""
    from cstui.transfer import import_accounts

    try:
        text = file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        fail(f"{file} is not UTF-8 text; save the CSV as UTF-8 and try again.")
        return
    with opened(data_dir) as ws:
        report = import_accounts(ws, [text])
    for line, reason in report.errors:
        click.echo(f"{file}:{line}: {clean(reason)}", err=True)
    click.echo(
        f"Imported {file}: {report.created} created, {report.updated} updated, "
        f"{report.unchanged} unchanged, {len(report.errors)} rejected."
    )
    if report.errors:
        sys.exit(EXIT_ERROR)


def _register() -> None:
    """Subcommands that live in their own modules, imported only when they are run.

    Opening the app (no subcommand) then imports none of them (the sync stack alone pulls in
    httpx), which keeps start-up fast.
    """
    main.lazy = {
        "health": "cstui.cli.health:health",
        "today": "cstui.cli.today:today",
        "tasks": "cstui.cli.tasks:tasks",
        "report": "cstui.cli.report:report",
        "sync": "cstui.cli.sync:sync",
    }
    import_group.lazy = {"surveys": "cstui.cli.report:import_surveys_cmd"}  # type: ignore[attr-defined]
    export_group.lazy = {"qbr": "cstui.cli.exports:qbr"}  # type: ignore[attr-defined]


_register()
