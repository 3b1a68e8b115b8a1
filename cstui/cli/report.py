"""``cstui report kpis``: the book-of-business KPIs for a period, as text or JSON.

Prints exactly what :meth:`Workspace.kpi_report` computes (the KPI screen's numbers); a KPI
without data says "no data" (JSON: ``null``), never 0.
"""

from __future__ import annotations

from pathlib import Path

import click
from rich.cells import cell_len

from cstui import clock, i18n
from cstui.cli.common import Group, data_dir_option, fail, inherited, opened, read_team_option
from cstui.cli.jsonout import emit
from cstui.domain.models import InvalidRecord
from cstui.domain.renewals import KPIValue, Period
from cstui.sanitize import clean


def format_value(v: KPIValue) -> str:
    """One KPI value for a terminal: 4.5 %, ¥600,000, 27 days, +12.5 (NPS), 4.20 / 5."""
    if v.value is None:
        return i18n.t("kpis.no_data")
    if v.unit == "%":
        return f"{v.value:.1f} %"
    if v.unit == "days":
        return i18n.t("kpis.days", n=f"{v.value:.0f}")
    if v.unit == "/5":
        return f"{v.value:.2f} / 5"
    if v.unit == "":
        return f"{v.value:+.1f}"
    return i18n.money(round(v.value), v.unit)


@click.group(name="report", cls=Group)
def report() -> None:
    """Reports on the whole book."""


@report.command(name="kpis")
@data_dir_option
@read_team_option
@click.option("--period", default=None, help="2026Q3, 2026-09 or 2026 (default: this quarter).")
@click.option(
    "--slice",
    "slice_",
    default="all",
    show_default=True,
    help="all, mine, tier:high|mid|tech or owner:NAME.",
)
@click.option("--json", "as_json", is_flag=True, help="One JSON document for scripts.")
@click.option("--lang", type=click.Choice(i18n.LANGUAGES), default=None, callback=inherited)
def kpis(
    data_dir: Path | None,
    period: str | None,
    slice_: str,
    as_json: bool,
    lang: str | None,
) -> None:
    """Churn, renewal rate, GRR/NRR, expansion, upsell, NPS, CSAT, LTV, TTV, onboarding
    completion and health distribution for one period and slice of the book."""
    i18n.set_language(i18n.detect_language(lang))
    chosen = period or Period.containing(clock.today()).label
    with opened(data_dir) as ws:
        try:
            result = ws.kpi_report(chosen, slice_)
        except InvalidRecord as exc:
            fail(" ".join(exc.messages))
            return
    if as_json:
        emit("report.kpis", {"as_of": clock.today().isoformat(), **result.to_json()})
        return
    p = result.period
    click.echo(
        i18n.t(
            "kpis.title",
            period=p.label,
            start=p.start.isoformat(),
            end=p.end.isoformat(),
            slice=clean(result.slice),
        )
    )
    click.echo(
        i18n.t(
            "kpis.population",
            at_start=i18n.count(len(result.accounts_at_start)),
            new=i18n.count(len(result.new_accounts)),
        )
    )
    rows = [(i18n.t(f"kpis.{v.key}"), format_value(v), clean(v.note_text())) for v in result.values]
    width = max(cell_len(r[0]) for r in rows)
    value_width = max(cell_len(r[1]) for r in rows)
    for label, value, note in rows:
        pad = " " * (width - cell_len(label))
        vpad = " " * (value_width - cell_len(value))
        click.echo(f"{label}{pad}  {vpad}{value}  {note}".rstrip())
