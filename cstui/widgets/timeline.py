"""The Timeline tab: everything that happened with the account, newest first.

Each activity is one entry of two or three lines: when, what kind, how it felt and who was
there; the summary as written (untrusted text, shown literally); and, once edited, who edited
it and when, because a CSM reading an account's history must know a line was rewritten.
``f`` cycles a kind filter (digits are taken by the tab switcher); ``l`` (the account
screen's key) logs a new activity; ``e`` or Enter edits the highlighted one, keeping who
logged it and when. Summaries wrap by the kinsoku rules (``ui/wrap.py``) to three lines,
then say how much is left; ``o`` (as on the overview) shows them whole.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from cstui import clock
from cstui.domain.enums import ActivityKind, Sentiment
from cstui.domain.models import Activity, Contact
from cstui.i18n import count, fmt_date, t
from cstui.sanitize import clean
from cstui.ui.forms import activity_fields
from cstui.ui.wrap import line_spans, wrap
from cstui.widgets.pane import ItemList, ListPane, fit, label_width

KIND_ICONS: dict[ActivityKind, str] = {
    ActivityKind.CALL: "☎",
    ActivityKind.MEETING: "◉",
    ActivityKind.EMAIL: "✉",
    ActivityKind.NOTE: "✎",
    ActivityKind.QBR: "▤",
    ActivityKind.EXEC_REPORT: "★",
}
SENTIMENT_STYLE: dict[Sentiment, tuple[str, str]] = {
    Sentiment.POSITIVE: ("+", "green"),
    Sentiment.NEUTRAL: ("·", "dim"),
    Sentiment.NEGATIVE: ("−", "bold red"),
}
FILTERS: tuple[ActivityKind | None, ...] = (None, *ActivityKind)
"""What ``f`` cycles through: every kind, then each kind alone."""
SUMMARY_LINES = 3
"""Lines of a summary the list shows; longer ones end in "…" (``o`` shows them whole)."""
INDENT = "    "


def summary_lines(summary: str, width: int, *, full: bool = False) -> tuple[list[str], int]:
    """The summary wrapped to ``width`` cells by the kinsoku rules, and how many characters
    were left out: at most :data:`SUMMARY_LINES` lines unless ``full``, the last one ending
    in "…" when some is left out."""
    if full:
        return wrap(summary, width), 0
    # Only what can be shown is wrapped: a 10,000-character summary costs three lines' work.
    head = summary[: width * SUMMARY_LINES + 1]
    spans = line_spans(head, width)
    if len(spans) <= SUMMARY_LINES and len(head) == len(summary):
        return [head[a:b] for a, b in spans], 0
    kept = spans[:SUMMARY_LINES]
    start, end = kept[-1]
    while end > start and cell_len(head[start:end]) + 1 > width:
        end -= 1
    lines = [head[a:b] for a, b in kept[:-1]] + [head[start:end] + "…"]
    return lines, len(summary) - end


def participant_names(ids: list[str], contacts: dict[str, Contact]) -> str:
    """Names for contact ids; a contact deleted since shows as "?" rather than an id."""
    return ", ".join(clean(contacts[i].name) if i in contacts else "?" for i in ids)


def activity_prompt(
    act: Activity, contacts: dict[str, Contact], width: int = 80, *, full: bool = False
) -> Text:
    """A heading line, the summary wrapped to the list's ``width`` (up to
    :data:`SUMMARY_LINES` lines unless ``full``), and who edited it once edited. User text
    is never parsed."""
    kind_w = label_width(t(f"account.kind.{k.value}") for k in ActivityKind)
    feel_w = label_width(t(f"account.sentiment.{s.value}") for s in Sentiment) + 2
    mark, style = SENTIMENT_STYLE[act.sentiment]
    out = Text()
    out.append(fmt_date(act.date), style="bold")
    out.append(f" {KIND_ICONS[act.kind]} ", style="cyan")
    out.append(fit(t(f"account.kind.{act.kind.value}"), kind_w), style="bold cyan")
    out.append(" ")
    out.append(fit(f"{mark} {t(f'account.sentiment.{act.sentiment.value}')}", feel_w), style=style)
    extras: list[str] = []
    if act.participants:
        extras.append(participant_names(act.participants, contacts))
    if act.via_champion:
        extras.append(t("timeline.via_champion"))
    if act.created_by:
        extras.append(t("timeline.by", who=clean(act.created_by)))
    if extras:
        out.append("  " + " · ".join(extras), style="dim")
    lines, left = summary_lines(clean(act.summary), width - len(INDENT), full=full)
    for line in lines:
        out.append("\n" + INDENT)
        out.append(line)
    if left:
        out.append("\n" + INDENT)
        out.append(t("account.activity.clipped", n=count(left)), style="dim italic")
    if act.edited_by:
        when = fmt_date(act.edited_at.date()) if act.edited_at is not None else "—"
        out.append("\n" + INDENT)
        out.append(t("timeline.edited", who=clean(act.edited_by), day=when), style="dim italic")
    return out


class TimelinePane(ListPane):
    """The account's activities, newest first, filterable by kind and editable."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f", "cycle_filter", "key.timeline.filter"),
        Binding("e", "edit", "key.timeline.edit"),
        # The account screen's o, with the same meaning here: whole summaries, or clipped.
        Binding("o", "toggle_full", "key.account.full_text", show=False),
    ]

    def __init__(self, account_id: str) -> None:
        super().__init__(account_id, id="timeline-pane")
        self.kind: ActivityKind | None = None
        self.activities: list[Activity] = []
        self.full = False
        """Whether summaries are shown whole (``o``) rather than clipped."""

    def compose(self) -> ComposeResult:
        yield Static("", id="timeline-header", classes="pane-header", markup=False)
        yield Static("", id="timeline-empty", classes="pane-empty", markup=False)
        yield ItemList(id="timeline-list")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return not (action == "edit" and not self.activities)

    # ------------------------------------------------------------------ drawing
    def refresh_view(self) -> None:
        ws = self.workspace
        everything = ws.activities(self.account_id)
        shown = [a for a in everything if self.kind is None or a.kind is self.kind]
        self.activities = shown
        contacts = {c.id: c for c in ws.contacts(self.account_id)}
        header = Text()
        header.append(t("timeline.filter") + " ", style="dim")
        label = t("timeline.all") if self.kind is None else t(f"account.kind.{self.kind.value}")
        header.append(label, style="bold")
        header.append(
            "  ·  " + t("timeline.count", n=count(len(shown)), total=count(len(everything)))
        )
        header.append("  ·  " + t("timeline.hint"), style="dim")
        self.query_one("#timeline-header", Static).update(header)
        empty = self.query_one("#timeline-empty", Static)
        empty.display = not shown
        if not shown:
            empty.update(t("timeline.empty") if not everything else t("timeline.empty_filter"))
        self.set_empty(not shown)
        width = self.items.line_width
        options = [
            Option(activity_prompt(a, contacts, width, full=self.full), id=a.id) for a in shown
        ]
        self.items.show(options, self.take_keep())

    # ------------------------------------------------------------------ actions
    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_edit()

    def action_toggle_full(self) -> None:
        self.full = not self.full
        self.keep(self.items.current_id)
        self.refresh_view()

    def action_cycle_filter(self) -> None:
        self.kind = FILTERS[(FILTERS.index(self.kind) + 1) % len(FILTERS)]
        self.keep(self.items.current_id)
        self.refresh_view()

    def action_edit(self) -> None:
        current = self.items.current_id
        act = next((a for a in self.activities if a.id == current), None)
        if act is None:
            return
        fields = activity_fields(self.workspace.contacts(self.account_id), clock.today(), act)
        before: dict[str, Any] = {
            "summary": act.summary,
            "date": act.date,
            "kind": act.kind.value,
            "sentiment": act.sentiment.value,
            "participants": sorted(act.participants),
            "via_champion": act.via_champion,
        }

        def submit(values: dict[str, Any]) -> None:
            fresh = {**values}
            if "participants" in fresh:
                fresh["participants"] = sorted(fresh["participants"] or [])
            changes = {k: v for k, v in fresh.items() if before.get(k) != v}
            if changes:
                self.workspace.update_activity(act.id, changes)

        self.keep(act.id)
        self.form(
            t("timeline.form.edit_title", day=fmt_date(act.date)),
            fields,
            submit,
            t("timeline.saved"),
        )
