"""``cstui doctor``: is the data directory sound? Exit 3 when someone must act, for scripts.

Problems (someone must act: permissions that lock a teammate out, a damaged file, a full
disk, a broken config file) are listed apart from notes (things cstui repaired or will
clean up itself: a torn last line cut after a crash, a temp file of a killed checkpoint),
which never make the folder unhealthy. Doctor never creates anything: a missing folder or
``cstui.json`` is reported, not replaced by an empty book.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from cstui.cli.common import Command, data_dir_option, fail, no_data, team_option
from cstui.domain.models import Account
from cstui.exitcodes import EXIT_ACTION
from cstui.paths import default_data_dir
from cstui.sanitize import clean
from cstui.store import StoreError
from cstui.workspace import Workspace


@click.command(cls=Command)
@data_dir_option
@team_option
def doctor(data_dir: Path | None, team: bool) -> None:
    """Check the data directory and configuration.

    Exit codes: 0 healthy (notes about repairs cstui made itself may be listed), 3 unhealthy
    (each problem is listed with what to do), 1-2 as for every command.
    """
    target = data_dir or default_data_dir()
    if no_data(target):
        what = "does not exist" if not target.exists() else "holds no cstui data"
        fail(f"The data directory {target} {what}; nothing was created.", EXIT_ACTION)
    try:
        ws = Workspace.open(target, team=team)
    except StoreError as exc:
        fail(str(exc), EXIT_ACTION)
        return
    try:
        health = ws.store.diagnose()
        problems = [*health.problems, *ws.settings.errors, *ws.template_errors]
        size = ws.store.journal_path.stat().st_size if ws.store.journal_path.exists() else 0
        click.echo(f"Data directory: {target}{' (team folder)' if ws.store.team else ''}")
        click.echo(f"Accounts: {ws.count(Account)}")
        click.echo(f"Journal: {size:,} bytes since the last checkpoint")
    finally:
        ws.store.close(checkpoint=False)
    for note in health.notes:
        click.echo(f"note: {clean(note)}")
    if problems:
        for p in problems:
            click.echo(f"problem: {clean(p)}")
        sys.exit(EXIT_ACTION)
    click.echo("Everything looks healthy.")
