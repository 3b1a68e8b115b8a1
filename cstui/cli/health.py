"""``cstui health``: every account's score, or one account's score taken apart."""

from __future__ import annotations

from pathlib import Path

import click
from rich.cells import cell_len

from cstui import clock, i18n
from cstui.cli.common import Group, data_dir_option, fail, lang_option, opened, read_team_option
from cstui.cli.jsonout import emit
from cstui.domain.health import HealthResult
from cstui.i18n import Msg, render, t
from cstui.sanitize import clean
from cstui.workspace import AccountNotFound


@click.group(name="health", cls=Group, invoke_without_command=True)
@data_dir_option
@read_team_option
@click.option("--json", "as_json", is_flag=True, help="One JSON document for scripts.")
@lang_option
@click.pass_context
def health(ctx: click.Context, data_dir: Path | None, as_json: bool, lang: str | None) -> None:
    """Every account's health score, band and risk flags (recomputed for today)."""
    if ctx.invoked_subcommand is not None:
        return
    i18n.set_language(i18n.detect_language(lang))
    with opened(data_dir) as ws:
        ws.health_for_today()
        today = clock.today()
        rows = sorted(ws.portfolio(), key=lambda r: (r.health is None, r.health or 0, r.name))
        # No score: a stage that is not scored, or else too little data, which says so (as
        # the app does); told from the stage, without scoring the account again.
        unscored = ws.settings.health.unscored_stages
        thin = {r.id for r in rows if r.health is None and r.stage not in unscored}
        out = [
            {
                "id": row.id,
                "name": row.name,
                "score": row.health,
                "band": row.band,
                "not_enough_data": row.id in thin,
                "trend_30d": row.trend,
                "flags": list(row.flags),
            }
            for row in rows
        ]
    if as_json:
        emit("health", {"as_of": today.isoformat(), "accounts": out})
        return
    words = [t("health.band.thin" if r.id in thin else f"health.band.{r.band}") for r in rows]
    width = max((cell_len(w) for w in words), default=0)
    for row, word in zip(rows, words, strict=True):
        score = "  —" if row.health is None else f"{row.health:>3}"
        flags = ",".join(row.flags) or "-"
        band = word + " " * (width - cell_len(word))
        click.echo(f"{score}  {band}  {clean(row.name)}  [{flags}]")


@health.command()
@data_dir_option
@read_team_option
@click.argument("account")
@lang_option
def explain(data_dir: Path | None, account: str, lang: str | None) -> None:
    """Each measure's raw value, points, weight and contribution for ACCOUNT (name or id)."""
    lang = i18n.detect_language(lang)
    i18n.set_language(lang)
    with opened(data_dir) as ws:
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
            for col in ("measure", "raw", "scale", "points", "weight", "contribution")
        )
    ]
    for m in result.measures:
        label = config.measure_label(m.key, lang)
        scale = f"{config.measures[m.key].poor:g} → {config.measures[m.key].good:g}"
        if m.points is None:
            skipped = t("health.explain.skipped", reason=clean(render(m.missing_msg)))
            table.append((label, skipped, scale, "—", f"{m.weight:g}", "—"))
        else:
            contribution = f"{m.contribution or 0:.1f}" if result.thin_msg is None else "—"
            raw = clean(render(m.raw_msg))
            table.append((label, raw, scale, f"{m.points:.1f}", f"{m.weight:g}", contribution))
    _echo_table(table)
    rescaled = rescaled_line(result)
    if rescaled:
        click.echo(rescaled)
    if result.thin_msg is not None:
        click.echo(t("health.explain.thin", reason=render(result.thin_msg)))
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
    thin = result.thin_msg is not None and result.score is None
    click.echo(
        t(
            "health.explain.score",
            score="—" if result.score is None else result.score,
            band=t("health.band.thin") if thin else band,
            band_label=t("health.band.thin" if thin else f"health.band.{band}"),
        )
    )
    for f in flags:
        label = config.flag_label(f.rule, lang) if f.rule in config.flags.labels else f.rule
        click.echo(t("health.explain.flag", rule=f.rule, label=label, evidence=clean(f.text())))


def _echo_table(table: list[tuple[str, ...]]) -> None:
    """Measure and raw value left-aligned (they are words), the numbers right-aligned."""
    widths = [max(cell_len(row[i]) for row in table) for i in range(len(table[0]))]
    for row in table:
        cells = [cell + " " * (widths[i] - cell_len(cell)) for i, cell in enumerate(row[:3])]
        cells += [" " * (widths[i] - cell_len(row[i])) + row[i] for i in range(3, len(row))]
        click.echo("  ".join(cells).rstrip())


def rescaled_line(result: HealthResult) -> str:
    """Says that the weights were rescaled when a weighted measure has no data ('' if not).

    The contributions are points × weight ÷ the weights of the measures with data, so a
    reader who divides by the full weight would not get the score back without this line."""
    missing = [m for m in result.measures if m.points is None and m.weight > 0]
    if not missing:
        return ""
    have = sum(m.weight for m in result.measures if m.points is not None)
    total = sum(m.weight for m in result.measures)
    names = ", ".join(render(Msg(m.label)) for m in missing)
    return t(
        "health.explain.rescaled",
        missing=names,
        missing_n=len(missing),
        have=f"{have:g}",
        total=f"{total:g}",
    )
