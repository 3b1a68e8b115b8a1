"""``cstui health``: every account's score, or one account's score taken apart."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from cstui import clock, i18n
from cstui.cli import data_dir_option, fail, opened
from cstui.domain.health import trend
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
        out = []
        for row in sorted(ws.portfolio(), key=lambda r: (r.health is None, r.health or 0, r.name)):
            history = ws.health_history(row.id)
            out.append(
                {
                    "id": row.id,
                    "name": row.name,
                    "score": row.health,
                    "band": row.band,
                    "trend_30d": trend(history, today, ws.settings.health.trend_days),
                    "flags": list(row.flags),
                }
            )
    if as_json:
        json.dump(
            {"as_of": today.isoformat(), "accounts": out}, sys.stdout, ensure_ascii=False, indent=2
        )
        sys.stdout.write("\n")
        return
    for item in out:
        score = "  —" if item["score"] is None else f"{item['score']:>3}"
        flags = ",".join(item["flags"]) or "-"
        click.echo(f"{score}  {item['band']:<7}  {clean(str(item['name']))}  [{flags}]")


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
    click.echo(f"{'measure':<14}{'raw':<52}{'points':>7}{'weight':>8}{'contrib':>9}")
    for m in result.measures:
        label = config.measure_label(m.key, lang)
        if m.points is None:
            click.echo(
                f"{label:<14}{'skipped: ' + (m.missing_reason or ''):<52}{'—':>7}{m.weight:>8g}{'—':>9}"
            )
        else:
            click.echo(
                f"{label:<14}{clean(m.raw_text):<52}{m.points:>7.1f}{m.weight:>8g}"
                f"{(m.contribution or 0):>9.1f}"
            )
    computed = "—" if result.computed_score is None else str(result.computed_score)
    click.echo(f"Computed score: {computed}")
    if result.override is not None:
        o = result.override
        rating = f"{o.stars} stars" if o.stars is not None else f"score {o.score}"
        click.echo(f"Manual rating: {rating} by {clean(o.by)} on {o.at.date()}: {clean(o.reason)}")
    click.echo(f"Score: {result.score}  band: {result.band.value}")
    for f in flags:
        click.echo(f"Flag {f.rule}: {clean(f.evidence)}")
