"""``cstui compact``: fold the journal into a fresh snapshot (a close does it only past 1 MiB
of journal or on a snapshot over a day old; this folds any, e.g. before reading
``cstui.json`` with plain TinyDB)."""

from __future__ import annotations

from pathlib import Path

import click

from cstui.cli.common import Command, data_dir_option, opened, team_option


@click.command(cls=Command)
@data_dir_option
@team_option
def compact(data_dir: Path | None, team: bool) -> None:
    """Write a fresh snapshot and start a new journal."""
    with opened(data_dir, team=team) as ws:
        before = ws.store.journal_path.stat().st_size if ws.store.journal_path.exists() else 0
        ws.store.checkpoint()
        click.echo(f"Checkpointed {ws.store.snapshot_path} ({before:,} journal bytes folded in).")
