"""``cstui tasks``: open tasks as plain text or JSON (by hand, onboarding, cadence...).

Executive-cadence tasks are brought up to date first, so a CSM who only lives in the shell
still sees the touchpoints that are due. Plain text is for people (aligned columns, names
shown literally with control characters neutralised); ``--json`` keeps the raw values.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from cstui import clock, i18n
from cstui.cli.common import Command, data_dir_option, fail, lang_option, opened, read_team_option
from cstui.cli.jsonout import emit
from cstui.domain.models import Task
from cstui.i18n import t
from cstui.sanitize import clean
from cstui.sanitize import fit_cells as _pad
from cstui.workspace import AccountNotFound

DUE_WIDTH = 12
PRIORITY_WIDTH = 8
SOURCE_WIDTH = 10
NAME_WIDTH = 24
OWNER_WIDTH = 9


def task_json(task: Task, account_name: str | None, today: str) -> dict[str, Any]:
    due = task.due.isoformat() if task.due else None
    return {
        "id": task.id,
        "title": task.title,
        "account_id": task.account_id,
        "account": account_name,
        "due": due,
        "overdue": due is not None and due < today,
        "priority": task.priority.value,
        "source": task.source.value,
        "owner": task.owner,
        "key": task.key,
        "notes": task.notes,
    }


def render_text(rows: list[dict[str, Any]], heading: str, *, show_owner: bool) -> str:
    lines = [heading, ""]
    if not rows:
        lines.append(f"  {t('cli.tasks.empty')}")
        return "\n".join(lines)
    header = (
        f"{_pad(t('cli.tasks.due'), DUE_WIDTH)} {_pad(t('cli.tasks.priority'), PRIORITY_WIDTH)} "
        f"{_pad(t('cli.tasks.source'), SOURCE_WIDTH)} {_pad(t('cli.tasks.account'), NAME_WIDTH)} "
    )
    if show_owner:
        header += f"{_pad(t('cli.tasks.owner'), OWNER_WIDTH)} "
    lines.append("  " + header + t("cli.tasks.task"))
    for row in rows:
        due = row["due"] or "—"
        mark = "!" if row["overdue"] else " "
        line = (
            f"{mark} {_pad(due, DUE_WIDTH)} "
            f"{_pad(t('cli.tasks.priority.' + row['priority']), PRIORITY_WIDTH)} "
            f"{_pad(t('cli.tasks.source.' + row['source']), SOURCE_WIDTH)} "
            f"{_pad(clean(row['account'] or '—'), NAME_WIDTH)} "
        )
        if show_owner:
            line += f"{_pad(clean(row['owner']), OWNER_WIDTH)} "
        lines.append(line + clean(row["title"]))
    overdue = sum(1 for r in rows if r["overdue"])
    lines += ["", t("cli.tasks.count", n=len(rows), overdue=overdue)]
    return "\n".join(lines)


@click.command(cls=Command)
@data_dir_option
@read_team_option
@lang_option
@click.option(
    "--account",
    "account_query",
    metavar="NAME",
    default=None,
    help="Only this account (name, a unique part of it, or id); everyone's tasks on it.",
)
@click.option("--all", "everyone", is_flag=True, help="Everyone's tasks, not only yours.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
def tasks(
    data_dir: Path | None,
    lang: str | None,
    account_query: str | None,
    everyone: bool,
    as_json: bool,
) -> None:
    """Open tasks (due date, account, source, priority): yours by default."""
    i18n.set_language(i18n.detect_language(lang))
    today = clock.today().isoformat()
    with opened(data_dir) as ws:
        ws.cadence_tasks_for_today()  # touchpoints that came due since the app last ran
        account_id: str | None = None
        account_name = ""
        if account_query is not None:
            try:
                found = ws.find_account(account_query)
            except AccountNotFound as exc:
                fail(str(exc))
                return
            account_id, account_name = found.id, found.name
        items = ws.tasks(account_id)
        if account_id is None and not everyone:
            items = [task for task in items if task.owner == ws.user]
        names: dict[str, str] = {}
        for task in items:
            if task.account_id and task.account_id not in names:
                acc = ws.account(task.account_id)
                names[task.account_id] = acc.name if acc is not None else ""
        rows = [task_json(task, names.get(task.account_id or "") or None, today) for task in items]
        user = ws.user
    if as_json:
        scope = "account" if account_id else ("everyone" if everyone else "mine")
        document = {
            "as_of": today,
            "user": user,
            "scope": scope,
            "account_id": account_id,
            "tasks": rows,
        }
        emit("tasks", document)
        return
    if account_id is not None:
        heading = t("cli.tasks.scope.account", date=today, account=clean(account_name))
    elif everyone:
        heading = t("cli.tasks.scope.everyone", date=today)
    else:
        heading = t("cli.tasks.scope.mine", date=today, user=clean(user))
    show_owner = everyone or account_id is not None
    click.echo(render_text(rows, f"{t('cli.tasks.title')} {heading}", show_owner=show_owner))
