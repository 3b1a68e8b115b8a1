"""The ``cstui`` command line: the root group, which opens the app when given no command.

Each command lives in the module named after it (``cstui import ...`` in ``imports.py``,
``cstui export ...`` in ``exports.py``) and is imported only when it is run: opening the app
then imports none of them (the sync stack alone pulls in httpx), which keeps start-up fast.

Every command that reads data takes ``--data-dir`` (or ``CSTUI_DATA_DIR``) and ``--team`` (or
``CSTUI_TEAM=1``); typed before the command they mean the same as after it (``common.Group``).
Errors are one clear line on stderr and a non-zero exit code; nothing here prints secrets or
raw tracebacks for expected problems (a corrupt file, a bad row, a missing account).

``--help`` and click's usage errors are in the user's language (``--lang`` anywhere on the
command line, else the locale): every command is a ``common.Command`` or ``common.Group``,
whose help is looked up in ``locale/<lang>/cli_help.json`` (``helptext.py``).
"""

from __future__ import annotations

import gc
from pathlib import Path

import click

from cstui import i18n
from cstui.cli.common import (
    Group,
    data_dir_option,
    lang_option,
    run_app,
    team_option,
)
from cstui.paths import default_data_dir

COMMANDS = {
    "clone": "cstui.cli.clone:clone",
    "compact": "cstui.cli.compact:compact",
    "demo": "cstui.cli.demo:demo",
    "doctor": "cstui.cli.doctor:doctor",
    "export": "cstui.cli.exports:export_group",
    "health": "cstui.cli.health:health",
    "import": "cstui.cli.imports:import_group",
    "report": "cstui.cli.report:report",
    "serve": "cstui.cli.serve:serve",
    "sync": "cstui.cli.sync:sync",
    "tasks": "cstui.cli.tasks:tasks",
    "today": "cstui.cli.today:today",
}
"""Command name -> ``module:attribute``, imported on first use."""


@click.group(
    cls=Group,
    lazy=COMMANDS,
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
    # Start-up makes hundreds of thousands of long-lived objects (modules, classes, the
    # book's rows) and next to no garbage: the collector would only walk them again and
    # again. The app turns it back on once its first frame is on the screen.
    gc.disable()
    from cstui.workspace import Workspace  # not for the commands (serve starts per sync)

    # The UI's language before the folder opens: what opening finds (a folder others can
    # read) is said in the app's words, as everything after.
    i18n.set_language(i18n.detect_language(lang))
    # A store error here is one sentence and an exit code, as for every command (Group).
    run_app(Workspace.open(data_dir or default_data_dir(), team=team, verify_later=True), lang)
