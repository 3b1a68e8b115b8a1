"""``cstui serve --stdio``: the team hub's side of ``cstui sync``, started by ssh.

Speaks the hub protocol (``cstui/sync/hub.py``) on stdin/stdout and ends with the
connection. It opens no port and asks for nothing: ssh has already checked who connects,
and the folder's own permissions decide what they may read and write.
"""

from __future__ import annotations

import getpass
import os
import sys
from pathlib import Path

import click

from cstui.cli.common import Command, data_dir_option, team_option
from cstui.paths import default_data_dir


@click.command(cls=Command, name="serve", context_settings={"help_option_names": ["-h", "--help"]})
@data_dir_option
@team_option
@click.option(
    "--stdio", is_flag=True, required=True, help="Speak the hub protocol on stdin/stdout."
)
def serve(data_dir: Path | None, team: bool, stdio: bool) -> None:
    """Serve this data folder to `cstui clone` and `cstui sync` (run by ssh, not by hand)."""
    from cstui.sync.hub import serve_dir

    del stdio
    code = serve_dir(
        data_dir or default_data_dir(),
        sys.stdin.buffer,
        sys.stdout.buffer,
        actor=os.environ.get("CSTUI_USER") or getpass.getuser(),  # workspace's current_user
        team=team,
    )
    # Everything is committed and answered; freeing the parsed tables one object at a
    # time (seconds at 50,000 accounts) would only keep the client waiting for our exit.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
