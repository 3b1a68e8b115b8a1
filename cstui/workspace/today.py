"""The Today digest: what a CSM should act on this morning, in four short sections.

Shared by the Today screen and ``cstui today`` (cron, a morning digest over SSH), so both
show exactly the same items. It only reads the workspace (the portfolio and what it builds
on: tasks, alerts); nothing here imports Textual.

Scope: a CSM's Today is about their own book, so by default every section keeps only what
belongs to ``me`` (tasks they own, alerts, renewals and touches of accounts they own).
``everyone=True`` shows the whole team's; alerts then list the CSM's own accounts first.

Sections, each in the order a CSM works through it:

* ``tasks``: open tasks, overdue first, then due today, within the next 7 days ("this
  week" is a rolling week, so Friday's digest still shows next Monday), later, and undated
  last; ties go to the higher priority, then the title.
* ``alerts``: active alerts (not resolved, not snoozed as of the day), most severe first
  (:data:`cstui.domain.alerts.SEVERITY`: a renewal or champion at stake before a missed
  touchpoint), then the most ARR at stake (in the reporting currency), then the oldest: the
  line at the top is the one that costs most if left alone.
* ``renewals``: the upcoming renewals (0 ≤ days < 90, the one definition of
  :func:`cstui.domain.portfolio.renewal_state`) and the overdue ones (passed while the
  account is still open), soonest (most overdue) first.
* ``touch``: accounts whose last touch is older than their tier's cadence, or never
  touched, most overdue first. An account never touched is measured from its contract
  start; with no start date either, it is the most overdue of all (nothing is known).
  Churned and not-a-fit accounts need no touch.

``when`` and ``text`` are worded in the active language (:mod:`cstui.i18n`) for people;
``details`` keeps the raw numbers for scripts reading ``--json``.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import date
from typing import Any, Final

from cstui import i18n
from cstui.domain.alerts import SEVERITY_NAMES, severity
from cstui.domain.enums import Priority, Table
from cstui.domain.models import Task
from cstui.domain.portfolio import (
    CLOSED_STAGES,
    RENEWAL_WINDOW_DAYS,
    PortfolioRow,
    fold,
    renewal_state,
)
from cstui.i18n import t
from cstui.workspace.portfolio import Portfolio
from cstui.workspace.repo import HEALTH_TABLE

SECTIONS: Final[tuple[str, ...]] = ("tasks", "alerts", "renewals", "touch")
WEEK_DAYS: Final = 7

_PRIORITY_RANK: Final = {Priority.HIGH: 0, Priority.NORMAL: 1, Priority.LOW: 2}
_BUCKETS: Final = ("overdue", "today", "week", "later", "undated")


@dataclass(frozen=True, slots=True)
class TodayItem:
    """One line of the digest; ``account_id`` lets the line jump to its account."""

    section: str
    kind: str
    """tasks: overdue/today/week/later/undated; alerts: the rule; renewals: overdue/upcoming;
    touch: overdue/never."""
    ref: str
    """The task id, alert id, or account id (renewals, touch) this line is about."""
    account_id: str | None
    account_name: str
    date: date | None
    when: str
    text: str
    owner: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        """Unique across the digest (an account can be in several sections)."""
        return f"{self.section}:{self.ref}"

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "date": self.date.isoformat() if self.date else None}


@dataclass(frozen=True, slots=True)
class TodayDigest:
    as_of: date
    user: str
    everyone: bool
    tasks: tuple[TodayItem, ...] = ()
    alerts: tuple[TodayItem, ...] = ()
    renewals: tuple[TodayItem, ...] = ()
    touch: tuple[TodayItem, ...] = ()

    def sections(self) -> Iterator[tuple[str, tuple[TodayItem, ...]]]:
        for name in SECTIONS:
            yield name, getattr(self, name)

    def items(self) -> Iterator[TodayItem]:
        for _, items in self.sections():
            yield from items

    def to_json(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "user": self.user,
            "everyone": self.everyone,
            "sections": {
                name: {"count": len(items), "items": [i.to_json() for i in items]}
                for name, items in self.sections()
            },
        }


# ----------------------------------------------------------------------------- wording
def section_title(section: str, items: Sequence[TodayItem]) -> str:
    """A section heading with the count of the lines it lists, e.g. "Tasks (5)".

    Renewals list the overdue ones and the upcoming ones (0 ≤ days < 90), so the heading
    counts both and then each: "Renewals (187) · 41 overdue, 146 within 90 days". The
    upcoming count is the number the portfolio header, the ``renewal<90d`` filter and the
    built-in view give; with no overdue one it is the whole section ("Renewals within 90
    days (146)"), and in every case the first count is the number of lines listed."""
    if section != "renewals":
        return t(f"today.section.{section}", n=len(items))
    overdue = sum(1 for i in items if i.kind == "overdue")
    upcoming = len(items) - overdue
    if not overdue:
        return t("today.section.renewals", n=upcoming, days=RENEWAL_WINDOW_DAYS)
    return t(
        "today.section.renewals.overdue",
        n=len(items),
        overdue=overdue,
        upcoming=upcoming,
        days=RENEWAL_WINDOW_DAYS,
    )


def _due(days: int) -> str:
    """Signed days from today to a date, as a short phrase: 3d overdue / today / in 3d."""
    if days < 0:
        return t("today.when.overdue", n=-days)
    if days == 0:
        return t("today.when.today")
    return t("today.when.in", n=days)


def _ago(days: int) -> str:
    return t("today.when.today") if days == 0 else t("today.when.ago", n=days)


def _band(row: PortfolioRow) -> str:
    label = t(f"today.band.{row.band}")
    return label if row.health is None else f"{label} {row.health}"


# ----------------------------------------------------------------------------- sections
def _bucket(task: Task, as_of: date) -> str:
    if task.due is None:
        return "undated"
    days = (task.due - as_of).days
    if days < 0:
        return "overdue"
    if days == 0:
        return "today"
    return "week" if days <= WEEK_DAYS else "later"


def _task_item(task: Task, row_of: Callable[[str], PortfolioRow | None], as_of: date) -> TodayItem:
    row = row_of(task.account_id) if task.account_id else None
    return TodayItem(
        section="tasks",
        kind=_bucket(task, as_of),
        ref=task.id,
        account_id=row.id if row else None,
        account_name=row.name if row else "",
        date=task.due,
        when=t("today.when.none") if task.due is None else _due((task.due - as_of).days),
        text=task.title,
        owner=task.owner,
        details={"priority": task.priority.value, "source": task.source.value},
    )


def _task_order(item: TodayItem) -> tuple[int, date, int, str, str]:
    """Where a task's line goes: by bucket (overdue first), due date, priority, title."""
    return (
        _BUCKETS.index(item.kind),
        item.date or date.max,
        _PRIORITY_RANK.get(Priority(item.details["priority"]), 1),
        fold(item.text),
        item.ref,
    )


def _tasks(
    ws: Portfolio, rows: Mapping[str, PortfolioRow], me: str, everyone: bool, as_of: date
) -> tuple[TodayItem, ...]:
    mine = ws.open_tasks(None if everyone else me)
    return tuple(sorted((_task_item(task, rows.get, as_of) for task in mine), key=_task_order))


def _alerts(
    ws: Portfolio,
    rows: dict[str, PortfolioRow],
    me: str,
    everyone: bool,
    as_of: date,
    shown: int | None = None,
) -> tuple[TodayItem, ...]:
    health = ws.settings.health
    lang = i18n.language()
    found = []
    mine = {aid for aid, row in rows.items() if everyone or row.owner == me}
    for alert in ws.alerts(as_of=as_of, account_ids=mine):
        row = rows.get(alert.account_id)
        if row is None or not (everyone or row.owner == me):
            continue
        rank = severity(alert.rule)
        at_stake = -(row.arr_report or 0.0)  # no rate to the reporting currency: weighs least
        key = (row.owner != me, rank, at_stake, alert.first_seen, fold(row.name), alert.id)
        found.append((key, rank, alert, row))
    found.sort(key=lambda x: x[0])
    out = []
    for n, (_, rank, alert, row) in enumerate(found):
        known = alert.rule in health.flags.labels
        label = health.flag_label(alert.rule, lang) if known else alert.rule
        # The evidence is written out for the lines a screen can show only (at 50,000
        # accounts one CSM's 2,000 alerts took 0.9 s to word, for 200 lines at most).
        evidence = alert.text(lang) if shown is None or n < shown else ""
        out.append(
            TodayItem(
                section="alerts",
                kind=alert.rule,
                ref=alert.id,
                account_id=row.id,
                account_name=row.name,
                date=alert.first_seen,
                when=_ago((as_of - alert.first_seen).days),
                text=f"{label}: {evidence}" if evidence else label,
                owner=row.owner,
                details={
                    "rule": alert.rule,
                    "severity": SEVERITY_NAMES[rank],
                    "arr": row.arr,
                    "currency": row.currency,
                    "evidence": alert.evidence,
                    "first_seen": alert.first_seen.isoformat(),
                    "since": alert.since.isoformat() if alert.since else None,
                },
            )
        )
    return tuple(out)


def _renewals(rows: list[PortfolioRow], as_of: date) -> tuple[TodayItem, ...]:
    due = []
    for row in rows:
        if row.renewal_date is None:
            continue
        days = (row.renewal_date - as_of).days
        if renewal_state(days, row.stage) is not None:
            due.append((row.renewal_date, fold(row.name), row.id, days, row))
    due.sort(key=lambda x: x[:3])
    return tuple(
        TodayItem(
            section="renewals",
            kind="overdue" if days < 0 else "upcoming",
            ref=row.id,
            account_id=row.id,
            account_name=row.name,
            date=row.renewal_date,
            when=_due(days),
            text=t(
                "today.renewal.text",
                arr=i18n.money(row.arr, row.currency),
                band=_band(row),
                stage=t(f"stage.{row.stage.value}"),
            ),
            owner=row.owner,
            details={
                "arr": row.arr,
                "currency": row.currency,
                "band": row.band,
                "health": row.health,
                "stage": row.stage.value,
                "days": days,
            },
        )
        for renewal, _, _, days, row in due
    )


def _touch(ws: Portfolio, rows: list[PortfolioRow], as_of: date) -> tuple[TodayItem, ...]:
    cadence = ws.settings.health.cadence
    never = [r.id for r in rows if r.last_touch is None and r.stage not in CLOSED_STAGES]
    starts = ws.contract_starts(never)
    due = []
    for row in rows:
        if row.stage in CLOSED_STAGES:
            continue
        every = cadence[row.tier]
        overdue: int | None
        if row.last_touch is not None:
            since = (as_of - row.last_touch).days
            if since <= every:
                continue
            overdue = since - every
        else:
            start = starts.get(row.id)
            overdue = None if start is None else (as_of - start).days - every
        # Unknown (never touched, no start date) sorts as the most overdue.
        rank = -(overdue if overdue is not None else 10**9)
        due.append((rank, fold(row.name), row.id, overdue, every, row))
    due.sort(key=lambda x: x[:3])
    out = []
    for _, _, _, overdue, every, row in due:
        tier = t(f"tier.{row.tier.value}")
        text = t("today.touch.cadence", tier=tier, n=every)
        if overdue is not None and overdue > 0:
            text = f"{text} · {t('today.touch.late', n=overdue)}"
        days_since = None if row.last_touch is None else (as_of - row.last_touch).days
        out.append(
            TodayItem(
                section="touch",
                kind="never" if row.last_touch is None else "overdue",
                ref=row.id,
                account_id=row.id,
                account_name=row.name,
                date=row.last_touch,
                when=t("today.when.never") if days_since is None else _ago(days_since),
                text=text,
                owner=row.owner,
                details={
                    "tier": row.tier.value,
                    "cadence_days": every,
                    "days_since_touch": days_since,
                    "days_overdue": overdue,
                },
            )
        )
    return tuple(out)


def with_tasks_again(ws: Portfolio, digest: TodayDigest, changed: Collection[str]) -> TodayDigest:
    """``digest`` with the tasks ``changed`` (their ids) read again, what a change of the
    tasks alone changes: Today on a team server follows a teammate's tasks without reading
    the alerts, the touchpoints or the 35,000 other tasks again (a whole build: 1.2 s at
    50,000 accounts)."""
    kept = [item for item in digest.tasks if item.ref not in changed]
    for task_id in changed:
        task = ws.task(task_id)
        if task is not None and not task.done and (digest.everyone or task.owner == digest.user):
            kept.append(_task_item(task, ws.row, digest.as_of))
    return replace(digest, tasks=tuple(sorted(kept, key=_task_order)))


def build_today(
    ws: Portfolio,
    as_of: date,
    *,
    me: str | None = None,
    everyone: bool = False,
    shown: int | None = None,
) -> TodayDigest:
    """The digest for ``me`` (default: the workspace user) on ``as_of``.

    Alerts are read as stored: call ``ws.refresh_health()`` first when they may be stale.
    ``shown``: the most lines of a section a screen shows; the alerts past it carry their
    flag's label without the evidence (every line is counted and ranked all the same).
    """
    me = me or ws.user
    rows = ws.portfolio()
    by_id = {r.id: r for r in rows}
    scoped = rows if everyone else [r for r in rows if r.owner == me]
    return TodayDigest(
        as_of=as_of,
        user=me,
        everyone=everyone,
        tasks=_tasks(ws, by_id, me, everyone, as_of),
        alerts=_alerts(ws, by_id, me, everyone, as_of, shown),
        renewals=_renewals(scoped, as_of),
        touch=_touch(ws, scoped, as_of),
    )


TODAY_TABLES: Final = frozenset(
    {Table.TASKS, Table.ALERTS, Table.ACCOUNTS, Table.ACTIVITIES, HEALTH_TABLE}
)
"""What a digest is made of: the tasks, the alerts and the rows (accounts, their summaries
and the touches behind them)."""


KEEP_TODAY_LINES: Final = 5_000
"""The most lines a digest kept between two opens may hold: a CSM's own day is a few
hundred; everyone's on a 50,000-account book is ~60,000 (tens of MB kept for a reopen)."""


def today_digest(
    ws: Portfolio, as_of: date, *, everyone: bool = False, shown: int | None = None
) -> TodayDigest:
    """:func:`build_today` for the workspace user, or the digest built last for the same
    view and day while none of :data:`TODAY_TABLES` changed since: opening Today again (a
    hop to the portfolio and back) built it again, 1.2 s at 50,000 accounts. A digest of
    more than :data:`KEEP_TODAY_LINES` lines is not kept."""
    view = (ws.user, everyone, as_of, shown)
    kept = ws.kept_today
    if (
        kept is not None
        and kept[0] == view
        and isinstance(kept[2], TodayDigest)
        and ws.unchanged_since(kept[1], TODAY_TABLES)
    ):
        return kept[2]
    mark = ws.mark()
    digest = build_today(ws, as_of, everyone=everyone, shown=shown)
    lines = sum(len(items) for _, items in digest.sections())
    ws.kept_today = (view, mark, digest) if lines <= KEEP_TODAY_LINES else None
    return digest
