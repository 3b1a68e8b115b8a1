"""One account at a glance: is it healthy, why, who is there, and what happened lately.

Everything is read through the workspace and redrawn when the workspace reports a change to
this account, whether the change came from this screen's forms or from another process
sharing the data directory. Untrusted text (names, summaries, evidence) is cleaned and shown
as plain ``Text``, never parsed as markup. The layout is two columns when there is room and
one scrolling column otherwise, so 80×24 loses nothing but needs scrolling.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any, ClassVar, TypeVar

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import Screen
from textual.widget import AwaitMount, Widget
from textual.widgets import Header, Static, TabbedContent, TabPane

from cstui import clock, i18n
from cstui.domain.alerts import Flag
from cstui.domain.cadence import Touchpoint, next_touchpoint
from cstui.domain.enums import (
    ActivityKind,
    ContactRole,
    Forecast,
    ObjectiveStatus,
    Priority,
    Sentiment,
    Stage,
)
from cstui.domain.health import Band, HealthResult, trend
from cstui.domain.models import Account, Activity, Contact, OnboardingPlan, Renewal, Task
from cstui.domain.success import ObjectiveSummary, summarize
from cstui.domain.templates import Progress
from cstui.i18n import count, fmt_date, humanize, money, t
from cstui.sanitize import clean
from cstui.screens.account_tabs import tabs
from cstui.ui.access import UsesWorkspace, on_workspace_change
from cstui.ui.footer import KeyFooter
from cstui.ui.forms import Field, FormScreen, activity_fields
from cstui.ui.localize import localize_bindings
from cstui.ui.wrap import Fitted, Wrapped
from cstui.widgets.charts import Series, TimeChart, stars
from cstui.widgets.health_breakdown import BAND_COLOURS, HealthBreakdown, score_text
from cstui.widgets.pane import fit, label_width, when_text
from cstui.workspace import WorkspaceEvent

_W = TypeVar("_W", bound=Widget)

ROLE_ORDER: tuple[ContactRole, ...] = (
    ContactRole.CHAMPION,
    ContactRole.EXECUTIVE_SPONSOR,
    ContactRole.DECISION_MAKER,
    ContactRole.ADMIN,
    ContactRole.END_USER,
)
RECENT_ACTIVITIES = 8
ENDED = frozenset({Stage.CHURNED, Stage.NOT_A_FIT})
"""Stages after which no executive touchpoint is due."""
SUMMARY_CHARS = 240
"""Characters of an activity summary on the overview (three or four lines); ``o`` shows them
whole. A 10,000-character summary took ~170 lines and pushed everything else out of sight."""


def clip_summary(text: str) -> tuple[str, int]:
    """The start of ``text`` for the overview, and how many characters are left out."""
    kept = text[:SUMMARY_CHARS]
    return kept, len(text) - len(kept)


CONTACTS_PER_ROLE = 8
CHART_DAYS = 365
OPEN_TASKS = 6
"""Open tasks listed on the overview (the soonest due first); the Tasks tab has them all."""

_SENTIMENT_STYLE = {
    Sentiment.POSITIVE: ("+", "green"),
    Sentiment.NEUTRAL: ("·", "dim"),
    Sentiment.NEGATIVE: ("−", "bold red"),
}


def touchpoints_text(points: list[Touchpoint], today: date, *, ended: bool = False) -> Text:
    """The next executive touchpoint with its agenda, and every missed one (deep success).

    A due one says when, as every relative date does (:func:`humanize`): "due today",
    "due in 12 days", or "11 days overdue" once its day has passed (it stays due through
    the grace, the pre-renewal one until the renewal).

    ``ended``: the customer left (churned, not a fit): no touchpoint is due any more, and
    listing the "missed" ones would read as work to do."""
    if ended:
        return Text(t("account.touchpoint.ended"), style="dim")
    lang = i18n.language()
    out = Text()
    missed = [p for p in points if p.status == "missed"]
    upcoming = next_touchpoint(points)
    for p in missed:
        out.append("✗ ", style="bold red")
        out.append(p.label(lang), style="bold red")
        out.append(f"  {t('account.touchpoint.missed', due=fmt_date(p.due))}\n")
    if upcoming is not None:
        style = "bold yellow" if upcoming.status == "due" else "bold"
        out.append("→ ", style=style)
        out.append(upcoming.label(lang), style=style)
        out.append(f"  {_touchpoint_when(upcoming, today)}\n")
        # Under the label, as one block (shown with a hanging indent).
        agenda = clean(upcoming.agenda(lang), single_line=False).replace("\n", "\n  ")
        out.append("  " + agenda, style="dim")
    if not missed and upcoming is None:
        out.append(t("account.touchpoint.none"), style="dim")
    return out


def _touchpoint_when(point: Touchpoint, today: date) -> str:
    due = fmt_date(point.due)
    if point.status != "due":
        return t("account.touchpoint.next", due=due)
    late = point.due < today
    when = humanize(point.due, today, late=late, exact=True)
    return t("account.touchpoint.late" if late else "account.touchpoint.due", when=when, due=due)


SEP = "  ·  "
NARROW_SEP = " · "


def _header_parts(
    account: Account, today: date, health: HealthResult | None
) -> tuple[list[Text], list[Text]]:
    """The header's two lines as parts, most important first (a narrow screen drops the
    last ones): name, tier and stage, health; ARR, renewal, owner, seats, domain."""
    first = [Text(clean(account.name), style="bold")]
    first.append(Text(f"{t(f'tier.{account.tier.value}')} · {t(f'stage.{account.stage.value}')}"))
    if health is not None:
        badge = Text(t("account.header.health") + " ", style="dim")
        badge.append_text(score_text(health.score, health.band, health.thin_msg is not None))
        first.append(badge)
    arr = Text(t("account.header.arr") + " ", style="dim")
    arr.append(money(account.arr, account.currency), style="bold")
    ended = account.stage in ENDED  # a customer who left has no renewal to be late for
    renewal = Text(t("account.header.ended" if ended else "account.header.renewal") + " ")
    renewal.stylize("dim")
    if account.renewal_date is None:
        renewal.append(t("account.header.no_renewal"), style="dim")
    elif ended:
        renewal.append(fmt_date(account.renewal_date))
    else:
        overdue = account.renewal_date < today
        renewal.append(fmt_date(account.renewal_date), style="bold red" if overdue else "bold")
        renewal.append(
            f" ({humanize(account.renewal_date, today, late=overdue)})",
            style="bold red" if overdue else "",
        )
    owner = Text(t("account.header.owner") + " ", style="dim")
    owner.append(clean(account.owner) or "—")
    second = [arr, renewal, owner]
    if account.seats:
        second.append(Text(t("account.header.seats", n=count(account.seats)), style="dim"))
    if account.domain:
        second.append(Text(clean(account.domain), style="dim"))
    return first, second


def _joined(parts: list[Text], sep: str) -> Text:
    out = Text()
    for i, part in enumerate(parts):
        if i:
            out.append(sep, style="dim")
        out.append_text(part)
    return out


def _fit_line(parts: list[Text], width: int, keep: int) -> Text:
    """``parts`` on one line of ``width`` cells: drop the last parts (never the first
    ``keep``), then use narrower separators, then cut the first part with "…"."""
    parts = list(parts)
    while len(parts) > keep and _joined(parts, SEP).cell_len > width:
        parts.pop()
    line = _joined(parts, SEP)
    if line.cell_len > width:
        line = _joined(parts, NARROW_SEP)
    if line.cell_len > width and len(parts) > 1:
        rest = _joined(parts[1:], NARROW_SEP).cell_len + len(NARROW_SEP)
        name = parts[0].copy()
        name.truncate(max(width - rest, 4), overflow="ellipsis")
        line = _joined([name, *parts[1:]], NARROW_SEP)
    line.truncate(width, overflow="ellipsis")
    return line


def header_text(
    account: Account, today: date, health: HealthResult | None = None, width: int | None = None
) -> Text:
    """Who the account is, its money and renewal; with ``health``, its score as a badge
    (seen from every tab, not only in the overview's breakdown). With ``width``, each of
    the two lines fits it (80×24 included): the least important parts go first (the
    domain, the seats, then the owner), then the separators narrow, then the name is cut."""
    first, second = _header_parts(account, today, health)
    if width is None:
        return _joined(first, SEP).append("\n").append_text(_joined(second, SEP))
    out = _fit_line(first, width, keep=len(first))
    return out.append("\n").append_text(_fit_line(second, width, keep=2))


_FORECAST_STYLE = {
    Forecast.COMMIT: "bold green",
    Forecast.LIKELY: "green",
    Forecast.AT_RISK: "bold yellow",
    Forecast.LOST: "bold red",
}


def _label(key: str) -> str:
    return t(key) + " "


def _next_renewal(renewals: list[Renewal]) -> Renewal | None:
    """The earliest renewal without an outcome (an overdue one first)."""
    open_ = [r for r in renewals if r.outcome is None]
    return min(open_, key=lambda r: r.due) if open_ else None


def _last_renewal(renewals: list[Renewal], today: date) -> Renewal | None:
    """The latest renewal with an outcome, up to today."""
    closed = [r for r in renewals if r.outcome is not None and r.due <= today]
    return max(closed, key=lambda r: r.due) if closed else None


def _next_renewal_line(out: Text, account: Account, upcoming: Renewal | None, today: date) -> None:
    out.append(_label("account.renewal.next"), style="dim")
    if upcoming is None:
        due = account.renewal_date
        out.append(t("account.header.no_renewal") if due is None else fmt_date(due), style="dim")
        return
    late = upcoming.due < today
    style = "bold red" if late else "bold"
    out.append(fmt_date(upcoming.due), style=style)
    out.append(f" ({humanize(upcoming.due, today, late=late)})", style="red" if late else "")
    out.append("  ·  " + _label("account.renewal.arr_due"), style="dim")
    out.append(money(upcoming.arr_due, upcoming.currency), style="bold")
    out.append("  ·  " + _label("account.renewal.forecast"), style="dim")
    forecast = upcoming.forecast
    out.append(t(f"book.forecast.{forecast.value}"), style=_FORECAST_STYLE[forecast])


def renewal_text(account: Account, renewals: list[Renewal], today: date) -> Text:
    """The next renewal with its ARR and forecast, the contract's start, the last renewal's
    outcome, and the account's tags and upsell ideas: what a renewal call starts from."""
    out = Text()
    if account.stage in ENDED:  # no next renewal: say when the contract ended
        out.append(_label("account.renewal.ended"), style="dim")
        out.append(fmt_date(account.renewal_date) if account.renewal_date else "—")
    else:
        _next_renewal_line(out, account, _next_renewal(renewals), today)
    if account.contract_start is not None:
        out.append("\n" + _label("account.renewal.contract"), style="dim")
        out.append(fmt_date(account.contract_start))
        out.append(f" ({humanize(account.contract_start, today)})", style="dim")
    last = _last_renewal(renewals, today)
    if last is not None and last.outcome is not None:
        out.append("\n" + _label("account.renewal.last"), style="dim")
        out.append(fmt_date(last.due) + "  ")
        out.append(t(f"book.outcome.{last.outcome.value}"), style="bold")
        if last.new_arr is not None:
            before, after = money(last.arr_due, last.currency), money(last.new_arr, last.currency)
            out.append(f"  {before} → {after}", style="dim")
    if account.tags:
        out.append("\n" + _label("account.renewal.tags"), style="dim")
        out.append(", ".join(clean(tag) for tag in account.tags))
    for idea in account.upsell_ideas:
        out.append("\n" + _label("account.renewal.upsell"), style="dim")
        out.append(clean(idea))
    return out


_STATUS_MARK = {
    ObjectiveStatus.ACHIEVED: ("✓", "green"),
    ObjectiveStatus.ON_TRACK: ("●", "green"),
    ObjectiveStatus.AT_RISK: ("▲", "bold yellow"),
    ObjectiveStatus.MISSED: ("✗", "bold red"),
    ObjectiveStatus.NOT_STARTED: ("○", "dim"),
}
PLAN_LINES = 3
"""Open onboarding steps and objectives listed on the overview, each (their tabs list all)."""


def plans_text(
    plan: OnboardingPlan | None,
    progress: Progress | None,
    objectives: list[ObjectiveSummary],
    today: date,
) -> Text:
    """Where onboarding stands (steps done, late, next) and each success-plan objective's
    status: the Onboarding and Success plan tabs in a few lines."""
    out = Text()
    if plan is None or progress is None or not progress.total:
        out.append(t("account.plans.no_onboarding"), style="dim")
    else:
        out.append(_label("account.plans.onboarding"), style="dim")
        out.append(t("account.plans.steps", done=progress.done, total=progress.total), style="bold")
        out.append(f" ({progress.overall_pct:.0f}%)", style="dim")
        if progress.overdue:
            out.append("  ·  " + t("account.plans.overdue", n=len(progress.overdue)), "bold red")
        upcoming = [item for item in plan.items if not item.done][:PLAN_LINES]
        whens = [when_text(item.due, today) for item in upcoming]
        width = label_width(w for w, _ in whens)
        for item, (when, style) in zip(upcoming, whens, strict=True):
            out.append("\n  " + fit(when or "—", width) + "  ", style=style or "dim")
            out.append(clean(item.title))
    out.append("\n")
    if not objectives:
        out.append(t("account.plans.no_success"), style="dim")
        return out
    out.append(_label("account.plans.success"), style="dim")
    out.append(t("account.plans.objectives", n=len(objectives)), style="bold")
    for summary in objectives[:PLAN_LINES]:
        mark, style = (
            _STATUS_MARK.get(summary.status, ("·", "dim")) if summary.status else ("·", "dim")
        )
        out.append(f"\n  {mark} ", style=style)
        out.append(clean(summary.objective.title))
        status = summary.status.value if summary.status else "none"
        out.append("  " + t(f"success.status.{status}"), style=style)
    if len(objectives) > PLAN_LINES:
        out.append("\n  " + t("account.plans.more", n=len(objectives) - PLAN_LINES), "dim")
    return out


def tasks_text(tasks: list[Task], today: date, more_key: str) -> Text:
    """The soonest open tasks: how late or how soon, the title, and a priority other than
    normal; ``more_key`` is the digit of the Tasks tab, named when some are left out."""
    if not tasks:
        return Text(t("account.tasks.none"), style="dim")
    whens = [when_text(task.due, today) for task in tasks[:OPEN_TASKS]]
    width = label_width(w for w, _ in whens)
    out = Text()
    for i, (task, (when, style)) in enumerate(zip(tasks, whens, strict=False)):
        if i:
            out.append("\n")
        out.append(fit(when or "—", width) + "  ", style=style or "dim")
        out.append(clean(task.title), style="bold" if task.priority is Priority.HIGH else "")
        if task.priority is not Priority.NORMAL:
            out.append("  " + t(f"taskpane.priority.{task.priority.value}"), style="dim")
    if len(tasks) > OPEN_TASKS:
        out.append("\n")
        out.append(t("account.tasks.more", n=len(tasks) - OPEN_TASKS, digit=more_key), style="dim")
    return out


def flags_text(flags: list[Flag]) -> Text:
    if not flags:
        return Text(t("account.flags.none"), style="green")
    out = Text()
    for i, flag in enumerate(flags):
        if i:
            out.append("\n")
        out.append("⚑ " + t(flag.label), style="bold red")
        if flag.since is not None:
            out.append("  " + t("account.flags.since", day=fmt_date(flag.since)), style="dim")
        out.append("\n  " + clean(flag.text()))
    return out


def contact_line(contact: Contact, today: date) -> Text:
    gone = contact.left_on is not None and contact.left_on <= today
    out = Text("  ")
    out.append(clean(contact.name), style="dim strike" if gone or not contact.active else "bold")
    if gone and contact.left_on is not None:
        out.append("  " + t("account.contact.left", day=fmt_date(contact.left_on)), style="red")
    elif not contact.active:
        out.append("  " + t("account.contact.inactive"), style="red")
    if contact.title:
        out.append("  " + clean(contact.title), style="dim")
    if contact.email:
        out.append("  " + clean(contact.email), style="dim")
    return out


def contacts_text(contacts: list[Contact], today: date) -> Text:
    if not contacts:
        return Text(t("account.contacts.none"), style="dim")
    out = Text()
    champions = [
        c
        for c in contacts
        if c.role is ContactRole.CHAMPION and c.active and (c.left_on is None or c.left_on > today)
    ]
    if not champions:
        out.append(t("account.contacts.no_champion") + "\n", style="yellow")
    first = True
    for role in ROLE_ORDER:
        group = [c for c in contacts if c.role is role]
        if not group:
            continue
        if not first:
            out.append("\n")
        first = False
        heading = t(f"account.role_group.{role.value}", n=count(len(group)))
        out.append(heading, style="bold underline")
        for contact in group[:CONTACTS_PER_ROLE]:
            out.append("\n")
            out.append_text(contact_line(contact, today))
        if len(group) > CONTACTS_PER_ROLE:
            more = t("account.contacts.more", n=len(group) - CONTACTS_PER_ROLE)
            out.append("\n  " + more, style="dim")
    return out


def activities_text(activities: list[Activity], *, full: bool = False) -> Text:
    """The latest activities; each summary clipped to a few lines unless ``full``."""
    if not activities:
        return Text(t("account.activities.none"), style="dim")
    out = Text()
    for i, act in enumerate(activities[:RECENT_ACTIVITIES]):
        if i:
            out.append("\n")
        mark, style = _SENTIMENT_STYLE[act.sentiment]
        out.append(fmt_date(act.date), style="dim")
        out.append(" " + t(f"account.kind.{act.kind.value}"), style="bold")
        out.append(f"  {mark} {t(f'account.sentiment.{act.sentiment.value}')}", style=style)
        summary = clean(act.summary)
        kept, left = (summary, 0) if full else clip_summary(summary)
        out.append("\n  " + kept)
        if left > 0:
            out.append("\n  " + t("account.activity.clipped", n=count(left)), style="dim italic")
    if len(activities) > RECENT_ACTIVITIES:
        more = t("account.activities.more", n=len(activities) - RECENT_ACTIVITIES)
        out.append("\n" + more, style="dim")
    return out


def tab_label(number: int, label: str) -> str:
    """A tab's label with the digit that selects it, as k9s and lazygit show theirs."""
    return f"{number} {label}"


class OverviewBody(VerticalScroll):
    """The overview's scrolling body (where focus starts).

    ``j``/``k`` scroll it as ``↓``/``↑`` do and ``g``/``G`` as Home/End, the letters every
    list of the app moves with: on the overview they did nothing. Bound to Textual's own
    scroll actions with its words, so the keys panel lists each letter with its arrow.

    Textual restyles a widget *and everything in it* when it gains or loses focus (a rule
    may style descendants by an ancestor's focus). No rule does here, so only the body
    itself is restyled: the overview's ~30 widgets were restyled on every open (focus
    arrives after they were styled) and on every switch to or from the overview."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "scroll_down", "Scroll Down", show=False),
        Binding("k", "scroll_up", "Scroll Up", show=False),
        Binding("g", "scroll_home", "Scroll Home", show=False),
        Binding("G", "scroll_end", "Scroll End", show=False),
    ]

    def watch_has_focus(self, _has_focus: bool) -> None:
        self.app.stylesheet.update_nodes([self], animate=True)


class AccountScreen(UsesWorkspace, Screen[None]):
    """The account overview; ``l`` logs an activity, ``h``/``H`` set or clear a rating."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("l", "log_activity", "key.account.log"),
        Binding("h", "rate", "key.account.rate"),
        Binding("H", "clear_rating", "key.account.clear_rating"),
        Binding("o", "toggle_full", "key.account.full_text", show=False),
        Binding("escape", "back", "key.account.back"),
    ]

    CSS_PATH = "account.tcss"
    AUTO_FOCUS = "#account-body.-auto-focus"
    """Focus starts in the overview (the tabs first, then the overview, restyled both),
    unless the screen opens on another tab: a focus in the overview's pane would make
    TabbedContent show that pane again (the two tabs then took turns)."""
    # Overview columns stack below 120 columns (-narrow, -medium), the success plan's light
    # and deep columns below 100 (-narrow); Textual sets the class on every resize. (Screen
    # declares the attribute without ClassVar, so a ClassVar here would not type-check.)
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-medium"), (120, "-wide")]  # noqa: RUF012

    def __init__(self, account_id: str, tab: str | None = None) -> None:
        """``tab`` opens the screen on that tab (``"qbr"``) instead of the overview."""
        super().__init__()
        self.account_id = account_id
        self._refresh_pending = False
        self.full_text = False
        """Whether the overview shows activity summaries whole (``o``)."""
        self._tabs = tabs()
        self._factories = {f"tab-{tab_id}": factory for tab_id, _, factory in self._tabs}
        """The panes not built yet, by pane id: each is built in the background once the
        overview has painted (one per idle moment), or when first shown if that is sooner."""
        self._mounting: dict[str, AwaitMount] = {}
        """Panes whose build has started, by pane id: showing one waits for its mount."""
        self._wanted_tab: str | None = f"tab-{tab}" if f"tab-{tab}" in self._factories else None
        """The tab to show, kept until it is shown: an earlier focus in another pane (the
        overview's) would switch back to that pane."""
        self._resumed = False
        self._sized = False
        localize_bindings(self)
        # One digit per tab that exists, named after it, so `?` lists exactly these.
        labels = ["account.tab.overview", *(label for _, label, _ in self._tabs)]
        for n, label in enumerate(labels, start=1):
            self._bindings.bind(str(n), f"show_tab({n})", t(label), show=False)

    # ------------------------------------------------------------------ layout
    def compose(self) -> ComposeResult:
        # The width class now, not on the first Resize: setting it then restyles every
        # widget of the screen a second time (Textual restyles a subtree on a class change).
        width = self.app.size.width
        self.set_class(
            True, *self._get_breakpoint_classes(width, self.HORIZONTAL_BREAKPOINTS), update=False
        )
        yield Header()
        yield Static("", id="account-header", markup=False)
        with TabbedContent(id="account-tabs", initial=self._wanted_tab or "tab-overview"):
            with TabPane(tab_label(1, t("account.tab.overview")), id="tab-overview"):
                yield from self._overview()
            # The other tabs are empty until built (see _build_next_pane): building all
            # five panes with their data made opening an account take most of a second.
            for n, (tab_id, label_key, _) in enumerate(self._tabs, start=2):
                yield TabPane(tab_label(n, t(label_key)), id=f"tab-{tab_id}")
        yield KeyFooter()

    def _overview(self) -> ComposeResult:
        """Left: the score, why, and the signals behind it; right: the contract, the
        people, what is due and what happened. One column (left, then right) below 120."""
        first_focus = "-auto-focus" if self._wanted_tab is None else ""
        # The two columns side by side, or stacked.
        with OverviewBody(id="account-body", classes=first_focus):
            with Vertical(id="account-left", classes="account-column"):
                yield self._boxed(HealthBreakdown(id="health-breakdown"), "health")
                yield self._boxed(Static("", id="flags", markup=False), "flags", n=0)
                with self._boxed(Vertical(id="section-usage"), "usage"):
                    yield TimeChart(id="usage-chart", empty=t("account.usage.none"), scale=True)
                    yield Static("", id="usage-period", markup=False)
            with Vertical(id="account-right", classes="account-column"):
                yield self._boxed(Static("", id="renewal", markup=False), "renewal")
                yield self._boxed(Static("", id="contacts", markup=False), "contacts", n=0)
                yield self._boxed(Static("", id="overview-tasks", markup=False), "tasks", n=0)
                yield self._boxed(Static("", id="overview-plans", markup=False), "plans")
                touchpoints = Static("", id="overview-touchpoints", markup=False)
                yield self._boxed(touchpoints, "touchpoints")
                yield self._boxed(Static("", id="activities", markup=False), "activities")

    @staticmethod
    def _boxed(widget: _W, section: str, **values: object) -> _W:
        """``widget`` as a titled box of the overview: the text widget carries the border
        itself (one widget, not a container around one), so mounting, styling and laying
        out the overview cost less."""
        widget.add_class("account-section", update=False)
        widget.border_title = t(f"account.section.{section}", **values)
        return widget

    def _on_screen_resume(self, event: events.ScreenResume) -> None:
        """The first resume follows the mount, which styled every widget already: Textual
        would restyle the whole screen again (a sixth of an open). Later resumes (back from
        a form, after a theme change) restyle as usual."""
        if not self._resumed:
            self._resumed = True
            event.refresh_styles = False  # Screen's own handler runs next (Textual walks the MRO)

    async def _on_resize(self, event: events.Resize) -> None:
        """Textual sends a screen a Resize after its first layout, of the size that layout
        used, and lays the whole screen out again for it (a second full layout of every
        open, before the next key is handled): skip that one. A real resize goes on to
        Screen's handler (Textual walks the MRO unless the default is prevented)."""
        if not self._sized and event.size == self._compositor.size:
            event.prevent_default()
        self._sized = True

    def on_mount(self) -> None:
        on_workspace_change(self, self._on_workspace_event)
        self.refresh_view()
        if self._wanted_tab is None:
            self.query_one("#account-body").focus()
        # After the overview's first frame, the other panes one at a time (see below).
        self.call_after_refresh(self._build_next_pane)

    def _tab_key(self, tab_id: str) -> str:
        """The digit that shows tab ``tab_id`` (Overview is 1)."""
        ids = [tid for tid, _, _ in self._tabs]
        return str(ids.index(tab_id) + 2) if tab_id in ids else ""

    async def action_show_tab(self, number: int) -> None:
        """Digits pick a tab by position: 1 is Overview."""
        ids = ["tab-overview", *(f"tab-{tab_id}" for tab_id, _, _ in self._tabs)]
        if 1 <= number <= len(ids):
            self._wanted_tab = ids[number - 1]
            await self._apply_wanted_tab()

    async def _apply_wanted_tab(self) -> None:
        """Show the tab and focus into it: a focus still pending elsewhere (the overview's,
        given while the screen opened) would otherwise switch back to its own tab."""
        if self._wanted_tab is None or not self.is_attached:
            return
        tabbed = self.query_one("#account-tabs", TabbedContent)
        pane = tabbed.get_pane(self._wanted_tab)
        await self._build_pane(pane)
        tabbed.active = self._wanted_tab
        self._focus_into(pane)

    async def open_tab(self, tab_id: str) -> Widget | None:
        """Show the tab ``tab_id`` (as its digit does) and return its pane, built if it was
        not yet; ``None`` if the screen has no such tab."""
        pane_id = f"tab-{tab_id}"
        tabbed = self.query_one("#account-tabs", TabbedContent)
        if not tabbed.query(f"#{pane_id}"):
            return None
        self._wanted_tab = pane_id
        await self._apply_wanted_tab()
        children = tabbed.get_pane(pane_id).children
        return children[0] if children else None

    async def _build_pane(self, pane: TabPane) -> bool:
        """Mount the tab's pane if it is not built yet, or wait for a build under way;
        whether it had to wait (it was not ready)."""
        pane_id = pane.id or ""
        factory = self._factories.pop(pane_id, None)
        if factory is not None:
            self._mounting[pane_id] = pane.mount(factory(self.account_id))
        mounting = self._mounting.get(pane_id)
        if mounting is None:
            return False
        await mounting
        self._mounting.pop(pane_id, None)
        return True

    async def _build_next_pane(self) -> None:
        """Build one pane not built yet, then, after the next frame, the next one: a tab
        switch then only shows its pane. One pane at a time, so a key pressed meanwhile waits
        for one pane's build at most (the digit of a pane not built yet builds that one)."""
        if not self._factories or not self.is_attached:
            return
        tabbed = self.query_one("#account-tabs", TabbedContent)
        await self._build_pane(tabbed.get_pane(next(iter(self._factories))))
        if self._factories and self.is_attached:
            self.call_after_refresh(self._build_next_pane)

    @staticmethod
    def _focus_into(pane: TabPane) -> None:
        """Focus the pane's first focusable widget, or where it sends focus on at once (its
        ``focus_target``): one focus change instead of two, each restyling the focused
        widget with everything in it."""
        target = next((w for w in pane.query(Widget) if w.focusable), None)
        if target is None:
            return
        focus_target = getattr(target, "focus_target", None)
        if callable(focus_target):
            target = focus_target()
        target.focus()

    async def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        """Show a pane (a click on its tab: built if the background has not reached it yet)
        and focus into it; keep a digit typed while the screen opened: the tabs announce
        their initial tab after it, which would otherwise undo it."""
        self.refresh_bindings()  # the overview's o comes and goes with its tab
        await self._build_pane(event.pane)
        focused = self.focused
        if event.pane.id == self._active_tab() and (
            focused is None or event.pane not in focused.ancestors
        ):
            self._focus_into(event.pane)
        if self._wanted_tab is None:
            return
        if event.pane.id == self._wanted_tab:
            self._wanted_tab = None
        else:
            self.call_after_refresh(self._apply_wanted_tab)

    def _active_tab(self) -> str:
        return self.query_one("#account-tabs", TabbedContent).active

    # ------------------------------------------------------------------ data
    def _on_workspace_event(self, event: WorkspaceEvent) -> None:
        if self.account_id in event.account_ids and not self._refresh_pending:
            self._refresh_pending = True  # a save fires several events: redraw once
            self.call_later(self.refresh_view)

    def _static(self, id: str) -> Static:
        return self.query_one(f"#{id}", Static)

    def refresh_view(self) -> None:
        """Redraw everything from the workspace (one account: cheap enough to do wholesale)."""
        self._refresh_pending = False
        ws = self.workspace
        account = ws.account(self.account_id)
        if account is None:
            self._static("account-header").update(Text(t("account.gone"), style="bold red"))
            self.sub_title = ""
            return
        today = clock.today()
        config = ws.settings.health
        self.sub_title = clean(account.name)
        result = ws.health(self.account_id)
        self._static("account-header").update(
            Fitted(lambda width: header_text(account, today, result, width), lines=2)
        )
        series = ws.health_series(self.account_id, days=CHART_DAYS)
        delta = trend(series, today, config.trend_days)
        stage = t(f"stage.{account.stage.value}")
        self.query_one(HealthBreakdown).show(result, config, delta, stage)

        flags = ws.flags(self.account_id)
        self._static("flags").border_title = t("account.section.flags", n=len(flags))
        self._static("flags").update(Wrapped(flags_text(flags), hanging=True))

        contacts = ws.contacts(self.account_id)
        self._static("contacts").border_title = t("account.section.contacts", n=len(contacts))
        self._static("contacts").update(Wrapped(contacts_text(contacts, today), hanging=True))

        self._static("renewal").update(renewal_text(account, ws.renewals(self.account_id), today))
        open_tasks = ws.tasks(self.account_id)
        self._static("overview-tasks").border_title = t("account.section.tasks", n=len(open_tasks))
        self._static("overview-tasks").update(tasks_text(open_tasks, today, self._tab_key("tasks")))

        self._show_plans(account, today)
        self._show_usage(account, series, result.band, today)
        self._static("overview-touchpoints").update(
            Wrapped(
                touchpoints_text(
                    ws.touchpoints(self.account_id), today, ended=account.stage in ENDED
                ),
                hanging=True,
            )
        )
        self._show_activities()

    def _show_plans(self, account: Account, today: date) -> None:
        ws = self.workspace
        success = ws.success_plan(self.account_id)
        ratio = ws.settings.health.on_track_ratio
        objectives = [
            summarize(o, today, ratio, account.contract_start)
            for o in (success.objectives if success else [])
        ]
        plan = ws.onboarding(self.account_id)
        progress = ws.onboarding_progress(self.account_id, today) if plan else None
        self._static("overview-plans").update(plans_text(plan, progress, objectives, today))

    def _show_activities(self) -> None:
        activities = self.workspace.activities(self.account_id)
        text = activities_text(activities, full=self.full_text)
        self._static("activities").update(Wrapped(text, hanging=True))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """``o`` is offered on the overview only, whose activities it shows whole: on another
        tab it did nothing there while ``?`` listed it (the Timeline binds its own ``o``)."""
        if action == "toggle_full":
            tabs = self.query("#account-tabs").results(TabbedContent)
            return any(tabbed.active == "tab-overview" for tabbed in tabs)
        return super().check_action(action, parameters)

    def action_toggle_full(self) -> None:
        """Show activity summaries whole on the overview, or clipped again."""
        self.full_text = not self.full_text
        self._show_activities()

    def _show_usage(
        self, account: Account, health: list[tuple[date, int]], band: Band, today: date
    ) -> None:
        start = today - timedelta(days=CHART_DAYS)
        usage = self.workspace.usage(self.account_id)
        snaps = [s for s in (usage.snapshots if usage else []) if start <= s.date <= today]
        seats = float(account.seats) if account.seats > 0 else None
        series = []
        if snaps:
            series += [
                Series(
                    t("account.usage.active_users"),
                    [(s.date, float(s.active_users)) for s in snaps],
                    style="cyan",
                    height=2,
                    maximum=seats,
                ),
                Series(
                    t("account.usage.logins"),
                    [(s.date, float(s.logins)) for s in snaps],
                    style="blue",
                ),
            ]
        if health:
            series.append(
                Series(
                    t("account.usage.health"),
                    [(d, float(v)) for d, v in health],
                    style=BAND_COLOURS[band],
                    maximum=100.0,
                )
            )
        self.query_one("#usage-chart", TimeChart).set_data(series, start, today)
        period = self._static("usage-period")
        if snaps:
            period.update(
                t(
                    "account.usage.period",
                    n=count(len(snaps)),
                    seats=count(account.seats) if account.seats else "—",
                )
            )
            period.display = True
        else:
            period.display = False

    # ------------------------------------------------------------------ actions
    def action_back(self) -> None:
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()

    def _saved(self, message: str) -> Callable[[dict[str, Any] | None], None]:
        def done(values: dict[str, Any] | None) -> None:
            if values is not None:
                self.notify(message, markup=False)

        return done

    def action_log_activity(self) -> None:
        ws = self.workspace
        account = ws.account(self.account_id)
        if account is None:
            self.app.bell()
            return
        fields = activity_fields(ws.contacts(self.account_id), clock.today())

        def submit(values: dict[str, Any]) -> None:
            ws.log_activity(
                self.account_id,
                values["summary"] or "",
                kind=values["kind"] or ActivityKind.CALL,
                day=values["date"],
                participants=values.get("participants") or [],
                sentiment=values["sentiment"] or Sentiment.NEUTRAL,
                via_champion=bool(values["via_champion"]),
            )

        title = t("account.form.activity.title", name=clean(account.name))
        self.app.push_screen(
            FormScreen(title, fields, submit), self._saved(t("account.saved.activity"))
        )

    def action_rate(self) -> None:
        ws = self.workspace
        account = ws.account(self.account_id)
        if account is None:
            self.app.bell()
            return
        current = ws.rating(self.account_id)
        fields = [
            Field(
                "stars",
                t("account.form.rating.stars"),
                kind="select",
                value=str(current.stars) if current and current.stars else None,
                options=[(f"{stars(n)}  {n}", str(n)) for n in range(1, 6)],
                help=t("account.form.rating.stars_help"),
            ),
            Field(
                "score",
                t("account.form.rating.score"),
                kind="int",
                value=current.score if current else None,
                placeholder="0–100",
            ),
            Field(
                "reason",
                t("account.form.rating.reason"),
                value=current.reason if current else None,
                required=True,
                help=t("account.form.rating.reason_help"),
            ),
        ]
        resolved: list[int] = []

        def submit(values: dict[str, Any]) -> None:
            chosen = values["stars"]
            rating = ws.set_rating(
                self.account_id,
                stars=int(chosen) if chosen else None,
                score=values["score"],
                reason=values["reason"] or "",
            )
            resolved.append(rating.resolved_score(ws.settings.health))

        def done(values: dict[str, Any] | None) -> None:
            if values is not None and resolved:
                self.notify(t("account.saved.rating", score=resolved[-1]), markup=False)

        title = t("account.form.rating.title", name=clean(account.name))
        self.app.push_screen(FormScreen(title, fields, submit), done)

    def action_clear_rating(self) -> None:
        ws = self.workspace
        if ws.rating(self.account_id) is None:
            self.notify(t("account.no_rating"), severity="warning", markup=False)
            return
        ws.clear_rating(self.account_id)
        self.notify(t("account.cleared_rating"), markup=False)
