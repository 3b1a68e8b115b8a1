"""``cstui health``: every account's score, or one account's score taken apart."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from rich.cells import cell_len

from cstui import clock, i18n
from cstui.cli_common import data_dir_option, fail, opened
from cstui.sanitize import clean
from cstui.workspace import AccountNotFound


@click.group(name="health", invoke_without_command=True)
@data_dir_option
@click.option("--json", "as_json", is_flag=True, help="One JSON document for scripts.")
@click.pass_context
def health(ctx: click.Context, data_dir: Path | None, as_json: bool) -> None:
    """Every account's health score, band and risk flags (recomputed for today)."""
    if ctx.invoked_subcommand is not None:
        return
    with opened(data_dir) as ws:
        ws.refresh_health()
        today = clock.today()
        rows = sorted(ws.portfolio(), key=lambda r: (r.health is None, r.health or 0, r.name))
        out = [
            {
                "id": row.id,
                "name": row.name,
                "score": row.health,
                "band": row.band,
                "trend_30d": row.trend,
                "flags": list(row.flags),
            }
            for row in rows
        ]
    if as_json:
        document = {"as_of": today.isoformat(), "accounts": out}
        json.dump(document, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return
    for row in rows:
        score = "  —" if row.health is None else f"{row.health:>3}"
        flags = ",".join(row.flags) or "-"
        click.echo(f"{score}  {row.band:<7}  {clean(row.name)}  [{flags}]")


@health.command()
@data_dir_option
@click.argument("account")
@click.option("--lang", type=click.Choice(i18n.LANGUAGES), default="en", show_default=True)
def explain(data_dir: Path | None, account: str, lang: str) -> None:
    """Each measure's raw value, points, weight and contribution for ACCOUNT (name or id)."""
    with opened(data_dir) as ws:
        try:
            acc = ws.find_account(account)
        except AccountNotFound as exc:
            fail(str(exc))
            return
        result = ws.health(acc.id)
        flags = ws.flags(acc.id)
        config = ws.settings.health
    click.echo(f"{clean(acc.name)}  (as of {result.as_of})")
    if result.unscored_reason:
        click.echo(f"Not scored: {result.unscored_reason}.")
        return
    table = [("measure", "raw value", "points", "weight", "contribution")]
    for m in result.measures:
        label = config.measure_label(m.key, lang)
        if m.points is None:
            skipped = f"skipped: {m.missing_reason or ''}"
            table.append((label, skipped, "—", f"{m.weight:g}", "—"))
        else:
            contribution = f"{m.contribution or 0:.1f}"
            table.append(
                (label, clean(m.raw_text), f"{m.points:.1f}", f"{m.weight:g}", contribution)
            )
    widths = [max(cell_len(row[i]) for row in table) for i in range(5)]
    for row in table:
        cells = [row[0] + " " * (widths[0] - cell_len(row[0]))]
        cells.append(row[1] + " " * (widths[1] - cell_len(row[1])))
        cells += [" " * (widths[i] - cell_len(row[i])) + row[i] for i in (2, 3, 4)]
        click.echo("  ".join(cells).rstrip())
    computed = "—" if result.computed_score is None else str(result.computed_score)
    click.echo(f"Computed score: {computed}")
    if result.override is not None:
        o = result.override
        rating = f"{o.stars} stars" if o.stars is not None else f"score {o.score}"
        click.echo(f"Manual rating: {rating} by {clean(o.by)} on {o.at.date()}: {clean(o.reason)}")
    click.echo(f"Score: {result.score}  band: {result.band.value}")
    for f in flags:
        click.echo(f"Flag {f.rule}: {clean(f.evidence)}")
