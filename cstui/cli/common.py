"""Options and helpers shared by every ``cstui`` command module.

Kept apart from the package ``__init__`` so command modules can import them without importing
the root group that registers them (which would be a circular import).
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click
from click.core import ParameterSource

from cstui import i18n
from cstui.paths import default_data_dir
from cstui.sanitize import clean
from cstui.store import StoreError
from cstui.workspace import Workspace

F = TypeVar("F", bound=Callable[..., Any])

EXIT_ERROR = 1
EXIT_UNHEALTHY = 2


class Group(click.Group):
    """A ``cstui`` command group: subcommands imported on first use, options in any position.

    ``lazy`` maps a subcommand name to ``module:attribute``. An option given to a group before
    the subcommand (``cstui --data-dir X today``) must be one the command that finally runs
    accepts; it then means what it means after the subcommand (see :func:`inherited`).
    Otherwise it is refused (exit 2), never silently ignored.
    """

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
        return super().invoke(ctx)


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
                raise click.UsageError(f"{option.opts[0]} does not apply to '{path}'.", ctx)
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


def data_dir_option(func: F) -> F:
    return click.option(
        "--data-dir",
        type=click.Path(file_okay=False, path_type=Path),
        envvar="CSTUI_DATA_DIR",
        default=None,
        callback=inherited,
        help="Data directory (default: your user data dir; env CSTUI_DATA_DIR).",
    )(func)


def lang_option(func: F) -> F:
    return click.option(
        "--lang",
        type=click.Choice(i18n.LANGUAGES),
        default=None,
        callback=inherited,
        help="Interface language (default: from LANG).",
    )(func)


def team_option(func: F) -> F:
    return click.option(
        "--team",
        is_flag=True,
        envvar="CSTUI_TEAM",
        callback=inherited,
        help="Shared team directory: group-readable files instead of private ones.",
    )(func)


def run_app(ws: Workspace, lang: str | None) -> None:
    from cstui.app import create_app  # Textual is imported only when a UI is wanted

    create_app(ws, lang=i18n.detect_language(lang)).run()


def fail(message: str, code: int = EXIT_ERROR) -> None:
    click.echo(f"cstui: {clean(message)}", err=True)
    sys.exit(code)


@contextmanager
def opened(data_dir: Path | None, *, team: bool = False) -> Iterator[Workspace]:
    """Open the workspace, turning store errors into one line and an exit code."""
    try:
        ws = Workspace.open(data_dir or default_data_dir(), team=team)
    except StoreError as exc:
        fail(str(exc))
        raise  # unreachable: fail exits
    try:
        for warning in ws.warnings:
            click.echo(f"cstui: warning: {warning}", err=True)
        yield ws
    finally:
        ws.close()
