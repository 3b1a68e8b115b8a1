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

from cstui import i18n
from cstui.paths import default_data_dir
from cstui.sanitize import clean
from cstui.store import StoreError
from cstui.workspace import Workspace

F = TypeVar("F", bound=Callable[..., Any])

EXIT_ERROR = 1
EXIT_UNHEALTHY = 2


class LazyGroup(click.Group):
    """A command group whose subcommands named in ``lazy`` are imported on first use."""

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


def data_dir_option(func: F) -> F:
    return click.option(
        "--data-dir",
        type=click.Path(file_okay=False, path_type=Path),
        envvar="CSTUI_DATA_DIR",
        default=None,
        help="Data directory (default: your user data dir; env CSTUI_DATA_DIR).",
    )(func)


def lang_option(func: F) -> F:
    return click.option(
        "--lang",
        type=click.Choice(i18n.LANGUAGES),
        default=None,
        help="Interface language (default: from LANG).",
    )(func)


def team_option(func: F) -> F:
    return click.option(
        "--team",
        is_flag=True,
        envvar="CSTUI_TEAM",
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
