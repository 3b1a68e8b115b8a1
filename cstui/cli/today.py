"""``cstui today``: the Today digest as plain text or JSON, for cron or a morning SSH login.

Plain text is for people (aligned columns, names shown literally with control characters
neutralised); ``--json`` is for scripts and keeps the raw values.
"""

from __future__ import annotations

from pathlib import Path

import click

from cstui import clock, i18n
from cstui.cli.common import Command, data_dir_option, lang_option, opened, read_team_option
from cstui.cli.jsonout import emit
from cstui.i18n import t
from cstui.sanitize import clean, fit_cells
from cstui.workspace.today import TodayDigest, TodayItem, build_today, section_title

WHEN_WIDTH = 12
NAME_WIDTH = 28
OWNER_WIDTH = 9


def item_line(item: TodayItem, *, show_owner: bool) -> str:
    name = clean(item.account_name) or "—"
    line = f"{fit_cells(item.when, WHEN_WIDTH)} {fit_cells(name, NAME_WIDTH)} "
    if show_owner:
        owner = t("today.owner", owner=clean(item.owner)) if item.owner else ""
        line += f"{fit_cells(owner, OWNER_WIDTH)} "
    return line + clean(item.text)


def render_text(digest: TodayDigest) -> str:
    scope = "everyone" if digest.everyone else "mine"
    title = t(f"today.scope.{scope}", date=digest.as_of.isoformat(), user=clean(digest.user))
    if not digest.everyone:
        title += f" {t('today.cli.hint')}"
    lines = [f"{t('today.title')} {title}"]
    for section, items in digest.sections():
        lines += ["", section_title(section, items)]
        if not items:
            lines.append(f"  {t('today.empty')}")
        lines += [f"  {item_line(i, show_owner=digest.everyone)}" for i in items]
    return "\n".join(lines)


@click.command(cls=Command)
@data_dir_option
@read_team_option
@lang_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@click.option("--all", "everyone", is_flag=True, help="Everyone's accounts, not only yours.")
def today(data_dir: Path | None, lang: str | None, as_json: bool, everyone: bool) -> None:
    """What to act on today: your tasks, alerts, renewals and overdue touches."""
    i18n.set_language(i18n.detect_language(lang))
    with opened(data_dir) as ws:
        ws.health_for_today()  # alerts must reflect today's data, not the last app session
        ws.cadence_tasks_for_today()  # the touchpoints that came due, as `cstui tasks` lists
        digest = build_today(ws, clock.today(), everyone=everyone)
    if as_json:
        emit("today", digest.to_json())
    else:
        click.echo(render_text(digest))
