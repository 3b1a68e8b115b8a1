"""Options and helpers shared by every ``cstui`` command module.

Kept apart from the package ``__init__`` so command modules can import them without importing
the root group that registers them (which would be a circular import).
"""

from __future__ import annotations

import contextlib
import importlib
import os
import stat
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import click
from click.core import ParameterSource

from cstui import i18n
from cstui.cli.helptext import Translated, say
from cstui.exitcodes import EXIT_DATA, EXIT_ERROR, EXIT_STORAGE
from cstui.paths import default_data_dir
from cstui.sanitize import clean
from cstui.store import StorageError, StoreError, is_team_folder
from cstui.store.db import BACKUPS_NAME, JOURNAL_NAME, SNAPSHOT_NAME

if TYPE_CHECKING:  # imported when used: `cstui serve` (run per hub sync) never needs it
    from cstui.workspace import Workspace


class Command(Translated, click.Command):
    """A ``cstui`` command: its help in the user's language (:mod:`cstui.cli.helptext`).

    Every command is one (``cls=Command``, or made by a :class:`Group`'s ``command``)."""


class Group(Translated, click.Group):
    """A ``cstui`` command group: subcommands imported on first use, options in any position.

    ``lazy`` maps a subcommand name to ``module:attribute``. An option given to a group before
    the subcommand (``cstui --data-dir X today``) must be one the command that finally runs
    accepts; it then means what it means after the subcommand (see :func:`inherited`).
    Otherwise it is refused (exit 2), never silently ignored. Its help, and that of the
    commands it makes (``command_class``), is in the user's language as for :class:`Command`.
    """

    command_class = Command
    group_class = type

    def __init__(self, *args: Any, lazy: Mapping[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = dict(lazy or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = self.lazy.get(cmd_name)
        if target is None:
            return super().get_command(ctx, cmd_name)
        module, _, attr = target.partition(":")
        command: click.Command = getattr(importlib.import_module(module), attr)
        return command

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        name, command, rest = super().resolve_command(ctx, args)
        if command is not None and not isinstance(command, click.Group):
            _refuse_misplaced(ctx, command, f"{ctx.command_path} {name}")
        return name, command, rest  # a subgroup checks when its own command is known

    def invoke(self, ctx: click.Context) -> Any:
        # No subcommand follows (click 8.5 keeps it in _protected_args, 9 in args): this group
        # is the command that runs, so it must take what its parents were given.
        if ctx.parent is not None and not (ctx.args or getattr(ctx, "_protected_args", None)):
            _refuse_misplaced(ctx.parent, self, ctx.command_path)
        if ctx.parent is not None:
            return super().invoke(ctx)
        try:  # the root: whatever command ran, a storage problem is one sentence
            return super().invoke(ctx)
        except StoreError as exc:
            fail(str(exc), EXIT_STORAGE if isinstance(exc, StorageError) else EXIT_DATA)
        except BrokenPipeError:  # `cstui health | head`: the reader left; click exits 1, quietly
            raise
        except OSError as exc:  # an export file, an import file: outside the data folder
            where = f" {exc.filename}" if exc.filename else ""
            fail(f"cstui could not use{where}: {exc.strerror or type(exc).__name__}.", EXIT_STORAGE)


def _typed(ctx: click.Context) -> list[click.Option]:
    """The options typed on the command line for ``ctx`` (not from env or defaults)."""
    return [
        p
        for p in ctx.command.params
        if isinstance(p, click.Option)
        and p.name is not None
        and ctx.get_parameter_source(p.name) is ParameterSource.COMMANDLINE
    ]


def _refuse_misplaced(ctx: click.Context, command: click.Command, path: str) -> None:
    """Exit 2 if ``ctx`` or a parent was given an option that ``command`` does not take."""
    if ctx.resilient_parsing:  # shell completion: nothing runs
        return
    accepted = {p.name for p in command.params}
    here: click.Context | None = ctx
    while here is not None:
        for option in _typed(here):
            if option.name not in accepted:
                words = say("cli.usage.misplaced", option=option.opts[0], path=path)
                raise click.UsageError(words, ctx)
        here = here.parent


def inherited(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    """Option callback: a value typed before the subcommand counts as if typed after it.

    ``cstui --data-dir X today`` is ``cstui today --data-dir X``: an option not typed for
    this command takes the value typed for the nearest enclosing group, before any
    environment variable or default. Typed in both places, the one nearer the command wins.
    """
    name = param.name
    if name is None or ctx.get_parameter_source(name) is ParameterSource.COMMANDLINE:
        return value
    parent = ctx.parent
    while parent is not None:
        if parent.get_parameter_source(name) is ParameterSource.COMMANDLINE:
            return parent.params[name]
        parent = parent.parent
    return value


data_dir_option = click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="CSTUI_DATA_DIR",
    default=None,
    callback=inherited,
    help="Data directory (default: your user data dir; env CSTUI_DATA_DIR).",
)
lang_option = click.option(
    "--lang",
    type=click.Choice(i18n.LANGUAGES),
    default=None,
    callback=inherited,
    help="Interface language (default: from LANG).",
)
team_option = click.option(
    "--team",
    is_flag=True,
    envvar="CSTUI_TEAM",
    callback=inherited,
    help="Shared team directory: group-readable files instead of private ones.",
)
read_team_option = click.option(
    "--team",
    is_flag=True,
    envvar="CSTUI_TEAM",
    callback=inherited,
    expose_value=False,
    help=(
        "Accepted; this command never makes a folder a team folder "
        "(a team folder is recognised by itself)."
    ),
)
"""``--team`` for a command that never creates a folder (it reads, and writes only what
it works out: scores, touchpoint tasks): accepted (scripts pass it to every command),
never passed on, so reading a folder never turns it into a team folder; a team folder is
recognised by itself (its marker, its group modes)."""


def run_app(ws: Workspace, lang: str | None) -> None:
    from cstui.app import create_app  # Textual is imported only when a UI is wanted

    app = create_app(ws, lang=i18n.detect_language(lang))
    app.run()
    if app.return_code:  # a crash: its report is printed; the exit code must say so too
        sys.exit(app.return_code)


def fail(message: str, code: int = EXIT_ERROR) -> None:
    click.echo(f"cstui: {clean(message)}", err=True)
    sys.exit(code)


def no_data(target: Path) -> bool:
    """Whether ``target`` holds no cstui data at all (no snapshot, journal or backups).

    A missing ``cstui.json`` next to a journal or backups is not "no data": the store
    refuses to open it and says how to recover.
    """
    return not any((target / name).exists() for name in (SNAPSHOT_NAME, JOURNAL_NAME, BACKUPS_NAME))


@contextmanager
def opened(
    data_dir: Path | None, *, team: bool = False, create: bool = False
) -> Iterator[Workspace]:
    """Open the workspace (a store error is one line and an exit code: see :class:`Group`).

    Commands that only read (``create`` False) never start an empty book: a data directory
    with no cstui data in it (a typo, an unmounted share) is said to be one.
    """
    target = data_dir or default_data_dir()
    if not create and no_data(target):
        key = "cli.no_data_dir" if not target.exists() else "cli.empty_data_dir"
        fail(i18n.t(key, path=str(target)), EXIT_DATA)
    from cstui.workspace import Workspace
    from cstui.workspace.portfolio import rows_tables_version

    ws = Workspace.open(target, team=team)
    for warning in ws.warnings:
        click.echo(f"cstui: warning: {clean(warning)}", err=True)
    seen = len(ws.store.warnings)
    rows = rows_tables_version(ws.store)
    try:
        yield ws
    finally:
        ws.close()  # never raises: a failed checkpoint leaves the changes in the journal
        for warning in ws.store.warnings[seen:]:
            click.echo(f"cstui: warning: {clean(warning)}", err=True)
        if not ws.rows_built and rows_tables_version(ws.store) != rows:
            keep_rows_for(target, team=team)


def keep_rows_for(directory: Path, *, team: bool) -> None:
    """Build and keep the portfolio's rows for a folder whose snapshot a command changed
    (an import, a sync, a clone, a compaction folded accounts or health summaries in): the
    next start reads them instead of the tables (at 50,000 accounts 0.4 against 1.2 s to
    the first frame, and ~25 MB less for the session). Kept rows that are still good are
    read, not built again. A folder that cannot be read or written is said when opened."""
    from cstui.workspace import Workspace

    with contextlib.suppress(StoreError):
        ws = Workspace.open(directory, team=team)
        try:
            if ws.accounts_to_score():
                # Accounts the command created or changed, scored now: a row without a
                # summary of the day cannot be kept, and the next start would score them.
                ws.rescore_if_due()
            elif new := ws.accounts_without_summary():
                # Not scored for the day (the next start rescores the book), but a row
                # with no summary at all cannot be kept: those few get one now.
                ws.refresh_health(sorted(new))
            ws.portfolio()
            ws.keep_rows()  # now: a close that folds a journal first might not
        finally:
            ws.close()


@contextmanager
def private_file(path: Path) -> Iterator[TextIO]:
    """A text file for customer data: never readable by every user of the server.

    0600, or 0660 in the folder's group when written into a team folder (so the team can
    read it, as the store's own files); an existing file gets that mode too, before anything
    is written (``open`` alone would keep, say, its 0644).
    """
    team = is_team_folder(path.parent)
    mode = 0o660 if team else 0o600
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0), mode)
    try:
        if team:
            with contextlib.suppress(OSError):
                os.fchown(fd, -1, os.stat(path.parent).st_gid)
        os.fchmod(fd, mode)
    except PermissionError:
        os.close(fd)
        fail(
            f"{path} belongs to someone else, so cstui cannot make it private; nothing was "
            f"written. Choose another file."
        )
    except BaseException:
        os.close(fd)
        raise
    with open(fd, "w", encoding="utf-8", newline="") as handle:
        yield handle


def to_terminal(stream: TextIO) -> bool:
    """Whether text written to ``stream`` may reach a terminal: anything but a regular file
    (a pipe can end in ``less -R``). Files keep the data; terminals get it neutralised."""
    try:
        return not stat.S_ISREG(os.fstat(stream.fileno()).st_mode)
    except (OSError, ValueError, AttributeError):
        return True  # no real descriptor (a test runner's buffer): treat as a terminal


def write_out(text: str) -> None:
    """Write untrusted multi-line ``text`` (an export) to standard output: control
    characters and bidi overrides neutralised unless stdout is a regular file."""
    stream = sys.stdout
    stream.write(clean(text, single_line=False) if to_terminal(stream) else text)
    stream.flush()
