"""``cstui doctor``: is the data directory sound? Exit 2 when it is not, for scripts."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from cstui.cli.common import EXIT_UNHEALTHY, data_dir_option, fail, team_option
from cstui.domain.models import Account
from cstui.paths import default_data_dir
from cstui.sanitize import clean
from cstui.store import StoreError
from cstui.workspace import Workspace


@click.command()
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
