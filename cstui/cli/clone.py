"""``cstui clone REMOTE DIR``: make DIR a laptop copy of the team's book on the hub.

REMOTE is ``[user@]host:/path/to/team-folder`` (through your own ssh: keys, agent, config
and host checking are ssh's) or a folder on this machine. Progress goes to stderr; an
interrupted clone leaves no half-made book and can simply be run again.

Exit codes (the table of every command, ``cstui/exitcodes.py``): 0 cloned (or DIR already
is a clone of that hub), 4 DIR holds another book or REMOTE is not a cstui data folder, 5
the disk refused (here or on the server: permissions), 7 the hub could not be reached (ssh
failed, connection lost) or runs another cstui protocol version, 130 interrupted.
"""

from __future__ import annotations

import getpass
import os
import sys
from pathlib import Path

import click

from cstui.cli.common import Command, fail, keep_rows_for, team_option
from cstui.exitcodes import EXIT_CANCELLED, EXIT_OK, EXIT_STORAGE
from cstui.sanitize import clean


@click.command(cls=Command, name="clone", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("remote")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@team_option
@click.option("--quiet", "-q", is_flag=True, help="No progress.")
def clone(remote: str, directory: Path, team: bool, quiet: bool) -> None:
    """Copy the team's book from REMOTE into DIRECTORY and remember REMOTE as its hub.

    \b
    Exit codes:
      0  cloned (or DIRECTORY already is a clone of that hub)
      4  DIRECTORY already holds another book, or REMOTE is not a cstui data folder
      5  the disk refused: DIRECTORY cannot be written, or permissions on the server
      7  the hub could not be reached (ssh failed, connection lost; run again) or
         runs a cstui with another protocol version
      130 interrupted; run it again to start over
    """
    from cstui.sync.errors import SyncError
    from cstui.sync.hub import clone as do_clone

    show = not quiet
    printed = False

    def progress(done: int, total: int) -> None:
        nonlocal printed
        if show:
            printed = True
            pct = 100 * done // max(total, 1)
            click.echo(f"\rReceiving {done / 1e6:.1f} of {total / 1e6:.1f} MB ({pct}%)\x1b[K",
                       err=True, nl=False)  # fmt: skip

    try:
        do_clone(
            remote,
            directory,
            progress=progress,
            actor=os.environ.get("CSTUI_USER") or getpass.getuser(),
            team=team,
        )
    except KeyboardInterrupt:
        fail("clone interrupted; run it again to start over.", EXIT_CANCELLED)
    except SyncError as exc:
        if printed:
            click.echo("", err=True)
        fail(str(exc), exc.exit_code)
    except OSError as exc:
        fail(f"Cannot write {directory}: {exc.strerror}.", EXIT_STORAGE)
    if printed:
        click.echo("", err=True)
    keep_rows_for(directory, team=team)  # its first start reads them, not the tables
    click.echo(f"Cloned {clean(remote)} into {directory}; `cstui sync --data-dir {directory}` "
               f"exchanges changes with it.")  # fmt: skip
    sys.exit(EXIT_OK)
