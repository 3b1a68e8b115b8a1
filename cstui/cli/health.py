"""``cstui health``: every account's score, or one account's score taken apart."""

from __future__ import annotations

from pathlib import Path

import click
from rich.cells import cell_len

from cstui import clock, i18n
from cstui.cli.common import Group, data_dir_option, fail, inherited, opened, team_option
from cstui.cli.jsonout import emit
from cstui.i18n import render, t
from cstui.sanitize import clean
from cstui.workspace import AccountNotFound


@click.group(name="health", cls=Group, invoke_without_command=True)
@data_dir_option
@team_option
@click.option("--json", "as_json", is_flag=True, help="One JSON document for scripts.")
@click.pass_context
def health(ctx: click.Context, data_dir: Path | None, team: bool, as_json: bool) -> None:
    """Every account's health score, band and risk flags (recomputed for today)."""
    if ctx.invoked_subcommand is not None:
        return
    with opened(data_dir, team=team) as ws:
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
        emit("health", {"as_of": today.isoformat(), "accounts": out})
        return
    for row in rows:
        score = "  —" if row.health is None else f"{row.health:>3}"
        flags = ",".join(row.flags) or "-"
        click.echo(f"{score}  {row.band:<7}  {clean(row.name)}  [{flags}]")


@health.command()
@data_dir_option
@team_option
@click.argument("account")
@click.option(
    "--lang",
    type=click.Choice(i18n.LANGUAGES),
    default="en",
    show_default=True,
    callback=inherited,
)
def explain(data_dir: Path | None, team: bool, account: str, lang: str) -> None:
    """Each measure's raw value, points, weight and contribution for ACCOUNT (name or id)."""
    i18n.set_language(lang)
    with opened(data_dir, team=team) as ws:
        try:
            acc = ws.find_account(account)
        except AccountNotFound as exc:
            fail(str(exc))
            return
        result = ws.health(acc.id)
        flags = ws.flags(acc.id)
        config = ws.settings.health
    click.echo(t("health.explain.title", name=clean(acc.name), day=result.as_of))
    if result.unscored_msg is not None:
        click.echo(t("health.explain.not_scored", reason=render(result.unscored_msg)))
        return
    table = [
        tuple(
            t(f"health.explain.col.{col}")
            for col in ("measure", "raw", "points", "weight", "contribution")
        )
    ]
    for m in result.measures:
        label = config.measure_label(m.key, lang)
        if m.points is None:
            skipped = t("health.explain.skipped", reason=clean(render(m.missing_msg)))
            table.append((label, skipped, "—", f"{m.weight:g}", "—"))
        else:
            contribution = f"{m.contribution or 0:.1f}"
            raw = clean(render(m.raw_msg))
            table.append((label, raw, f"{m.points:.1f}", f"{m.weight:g}", contribution))
    widths = [max(cell_len(row[i]) for row in table) for i in range(5)]
    for row in table:
        cells = [row[0] + " " * (widths[0] - cell_len(row[0]))]
        cells.append(row[1] + " " * (widths[1] - cell_len(row[1])))
        cells += [" " * (widths[i] - cell_len(row[i])) + row[i] for i in (2, 3, 4)]
        click.echo("  ".join(cells).rstrip())
    computed = "—" if result.computed_score is None else str(result.computed_score)
    click.echo(t("health.explain.computed", score=computed))
    if result.override is not None:
        o = result.override
        rating = (
            t("health.explain.stars", stars=o.stars)
            if o.stars is not None
            else t("health.explain.score_rating", score=o.score)
        )
        line = t(
            "health.explain.rating",
            rating=rating,
            who=clean(o.by),
            day=o.at.date(),
            reason=clean(o.reason),
        )
        click.echo(line)
    band = result.band.value
    click.echo(
        t(
            "health.explain.score",
            score=result.score,
            band=band,
            band_label=t(f"health.band.{band}"),
        )
    )
    for f in flags:
        label = config.flag_label(f.rule, lang) if f.rule in config.flags.labels else f.rule
        click.echo(t("health.explain.flag", rule=f.rule, label=label, evidence=clean(f.text())))
