"""The QBR tab: a quarterly business review drafted from the data, reviewed and exported.

A CSM should spend minutes, not days, on a QBR, so the seven sections arrive pre-filled from
:meth:`Workspace.qbr_data` and only the prose ones (summary, risks, next steps, changes) are
edited; an edited text overrides the drafted one. Results and ROI are numbers, not prose, so
they are never edited here: they change when the success plan or the usage data change.

Delivering a QBR freezes its numbers in the workspace. The pane then shows those frozen
numbers and every write is refused by the workspace; its message is shown as a notification,
never a crash. Each section is a focusable box (the cursor), stories are focusable lines the
space bar marks, and the cursor is kept across redraws. All customer text is shown literally.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.geometry import Size
from textual.widget import Widget
from textual.widgets import Static

from cstui import clock
from cstui.domain.models import QBR, InvalidRecord, ObjectiveStatus, QBRStatus
from cstui.domain.qbr import (
    SECTIONS,
    KPIRow,
    QBRData,
    ROIRow,
    StoryRow,
    default_period,
    parse_period,
)
from cstui.domain.renewals import Period
from cstui.domain.roi import percent
from cstui.i18n import fmt_date, language, money, t
from cstui.sanitize import clean
from cstui.ui.css import default_css
from cstui.ui.forms import Field, FormScreen
from cstui.widgets.charts import Series, TimeChart, hbar
from cstui.widgets.pane import AccountPane
from cstui.widgets.success_plan import STATUS_STYLE as SUCCESS_STYLE
from cstui.widgets.success_plan import number, status_label, with_unit

EDITABLE: tuple[str, ...] = ("summary", "risks", "next_steps", "changes")
"""Prose sections; the others are numbers drawn from the data."""
BAR_WIDTH = 16
STATUS_STYLE = {
    QBRStatus.DRAFT: ("○", "yellow"),
    QBRStatus.READY: ("◆", "bold cyan"),
    QBRStatus.DELIVERED: ("✔", "bold green"),
}


# ---------------------------------------------------------------------------- pure helpers
def default_export_path(account_name: str, account_id: str, period: str, ext: str) -> Path:
    """``~/cstui-qbr-<account>-<period>.<ext>``; the id when the name has no ASCII letters."""
    slug = re.sub(r"[^a-z0-9]+", "-", account_name.lower()).strip("-")[:40] or account_id
    return Path.home() / f"cstui-qbr-{slug}-{period}.{ext}"


def write_private(path: Path, text: str) -> None:
    """Write ``text`` readable by its owner only (0600), even over an existing file."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, text.encode("utf-8"))
    finally:
        os.close(fd)


def section_title(section: str) -> str:
    return t(f"qbr.section.{section}")  # the report's titles, so screen and export agree


def status_text(qbr: QBR) -> Text:
    mark, style = STATUS_STYLE[qbr.status]
    if qbr.status is QBRStatus.DELIVERED:
        label = t("qbrui.status.delivered", day=fmt_date(qbr.delivered_on))
    else:
        label = t(f"qbrui.status.{qbr.status.value}")
    out = Text(f"{mark} {label}", style=style)
    if qbr.status is QBRStatus.DELIVERED:
        out.append(" · " + t("qbrui.frozen"), style="bold")
    return out


def head_text(data: QBRData, qbr: QBR) -> Text:
    out = Text()
    out.append(clean(data.account.name), style="bold")
    out.append("  ")
    out.append(t("qbrui.title", period=data.period), style="bold")
    span = t("qbrui.range", start=fmt_date(data.period_start), end=fmt_date(data.period_end))
    out.append("  " + span)
    out.append("  ")
    out.append_text(status_text(qbr))
    out.append("\n" + t("qbrui.keys_hint"), style="dim")
    return out


def prose_text(edited: str | None, drafted: str) -> Text:
    """The CSM's text if any, else the draft; marked so nobody mistakes one for the other."""
    out = Text()
    if edited:
        out.append(clean(edited, single_line=False))
        out.append("\n" + t("qbrui.edited"), style="dim italic")
    else:
        out.append(clean(drafted, single_line=False) or t("qbrui.list.none"))
        out.append("\n" + t("qbrui.generated"), style="dim italic")
    return out


def lines_text(items: Sequence[str]) -> str:
    return "\n".join(f"• {item}" for item in items) if items else t("qbrui.list.none")


def kpi_text(row: KPIRow) -> Text:
    """``objective (audience)`` then ``KPI: baseline ▕███··▏ target · now 7 · 50 %``."""
    status = ObjectiveStatus(row.status) if row.status else None
    mark, style = SUCCESS_STYLE[status]
    out = Text()
    out.append(f"{mark} ", style=style)
    out.append(clean(row.objective), style="bold")
    out.append(f"  {t(f'success.audience.{row.audience}')}", style="dim")
    out.append(f"  {status_label(status)}", style=style)
    out.append("\n  " + clean(row.kpi) + ": ")
    out.append(with_unit(row.baseline, row.unit), style="dim")
    filled, empty = hbar(max(row.progress or 0.0, 0.0), 1.0, BAR_WIDTH)
    out.append(" ▕")
    out.append(filled, style=style if row.progress is not None else "dim")
    out.append(empty, style="dim")
    out.append("▏ ")
    out.append(with_unit(row.target, row.unit), style="bold")
    out.append(" · " + t("qbrui.kpi.now") + " ", style="dim")
    if row.current is None:
        out.append(t("qbrui.kpi.not_measured"), style="yellow")
    else:
        out.append(with_unit(row.current, row.unit), style="bold")
    if row.progress is not None:
        out.append(f" · {round(row.progress * 100)} %", style=style)
    return out


def kpis_text(data: QBRData) -> Text:
    out = Text()
    out.append(t("qbrui.kpis"), style="bold underline")
    if not data.kpis:
        out.append("\n" + t("qbrui.kpis.none"), style="dim")
    for row in data.kpis:
        out.append("\n")
        out.append_text(kpi_text(row))
    out.append("\n\n" + t("qbrui.health") + "  ", style="bold")
    if data.health_end is None:
        out.append(t("qbrui.health.none"), style="dim")
    else:
        start = "—" if data.health_start is None else str(data.health_start)
        out.append(t("qbrui.health.line", start=start, end=data.health_end), style="bold")
        if data.health_start is not None:
            delta = data.health_end - data.health_start
            out.append(f" ({delta:+d})", style="green" if delta >= 0 else "bold red")
    return out


def chart_series(data: QBRData) -> list[Series]:
    """Health, active users (against seats) and logins over the quarter."""
    out: list[Series] = []
    if data.health_series:
        points = [(d, float(v)) for d, v in data.health_series]
        out.append(Series(t("qbrui.chart.health"), points, style="green", maximum=100.0))
    if data.usage_series:
        seats = float(data.adoption.seats) if data.adoption.seats > 0 else None
        active = [(d, float(u)) for d, u, _ in data.usage_series]
        logins = [(d, float(n)) for d, _, n in data.usage_series]
        out.append(Series(t("qbrui.chart.active"), active, style="cyan", height=2, maximum=seats))
        out.append(Series(t("qbrui.chart.logins"), logins, style="blue"))
    return out


def numbers_text(data: QBRData) -> Text:
    """Adoption, support load, NPS and CSAT in the quarter."""
    out = Text()

    def row(label: str, value: str, style: str = "") -> None:
        if out:
            out.append("\n")
        out.append(f"{label}  ", style="bold")
        out.append(value, style=style)

    a = data.adoption
    if a.active_users is None:
        row(t("qbrui.adoption"), t("qbrui.none"), "dim")
    else:
        share = f" ({round(a.active_users / a.seats * 100)} %)" if a.seats else ""
        row(
            t("qbrui.adoption"),
            t(
                "qbrui.adoption.line",
                active=a.active_users,
                seats=a.seats or "—",
                share=share,
                used=number_or_dash(a.features_used),
                total=number_or_dash(a.features_total),
            ),
        )
    if data.support is None:
        row(t("qbrui.support"), t("qbrui.none"), "dim")
    else:
        row(t("qbrui.support"), t("qbrui.support.line", n=data.support))
    nps = data.nps_score
    if nps is None:
        row(t("qbrui.nps"), t("qbrui.no_answers"), "dim")
    else:
        style = "green" if nps > 0 else "bold red" if nps < 0 else ""
        row(t("qbrui.nps"), t("qbrui.nps.line", score=f"{nps:+.0f}", n=len(data.nps)), style)
    csat = data.csat_score
    if csat is None:
        row(t("qbrui.csat"), t("qbrui.no_answers"), "dim")
    else:
        row(t("qbrui.csat"), t("qbrui.csat.line", score=f"{csat:.0f}", n=len(data.csat)))
    return out


def number_or_dash(value: float | None) -> str:
    return "—" if value is None else number(value)


def roi_line(label: str, row: ROIRow | None) -> Text:
    out = Text()
    out.append(f"{label}  ", style="bold")
    if row is None:
        out.append(t("qbrui.none"), style="dim")
        return out
    cur = row.currency
    out.append(
        t(
            "qbrui.roi.line",
            months=row.months,
            value=money(row.value, cur),
            fee=money(row.fee, cur),
            net=money(row.net, cur),
        )
    )
    net_style = "bold green" if row.net > 0 else "bold red"
    if row.roi_pct is not None:
        out.append(" · ")
        out.append(t("qbrui.roi.pct", pct=percent(row.roi_pct)), style=net_style)
    if row.payback_months is not None:
        out.append(" · " + t("qbrui.roi.payback", n=f"{row.payback_months:.1f}"), style="dim")
    return out


def roi_text(data: QBRData) -> Text:
    if data.roi_period is None and data.roi_ytd is None:
        return Text(t("qbrui.roi.none"), style="dim")
    out = roi_line(t("qbrui.roi.period"), data.roi_period)
    out.append("\n")
    out.append_text(roi_line(t("qbrui.roi.ytd"), data.roi_ytd))
    return out


def story_text(row: StoryRow, marked: bool) -> Text:
    out = Text()
    if marked:
        out.append(t("qbrui.story.marked") + " ", style="bold yellow")
    else:
        out.append(t("qbrui.story.unmarked") + " ", style="dim")
    out.append(fmt_date(row.date), style="dim")
    kind = t(f"account.kind.{row.kind}")
    out.append(f" {kind}  ", style="bold")
    out.append(clean(row.summary))
    return out


# ---------------------------------------------------------------------------- widgets
class QBRChart(Widget):
    """The quarter's health and usage chart, drawn by an (unmounted) :class:`TimeChart`.

    Not a TimeChart itself: the account screen looks its overview chart up by type with
    ``query_one(TimeChart)``, and a second one in this tab would be the one it finds.
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.chart = TimeChart(empty=t("qbrui.chart.none"))

    def set_data(self, series: Sequence[Series], start: date, end: date) -> None:
        self.chart.set_data(series, start, end)
        self.refresh(layout=True)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return self.chart.get_content_height(container, viewport, width)

    def render(self) -> Text:
        return self.chart.render_text(self.content_size.width or 60)


class QBRSection(Vertical, can_focus=True):
    """One section box; focus on it is the cursor that ``e`` acts on."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "move(-1)", show=False),
        Binding("down", "move(1)", show=False),
    ]

    def __init__(self, section: str) -> None:
        super().__init__(id=f"qbr-{section.replace('_', '-')}", classes="qbr-section")
        self.section = section
        self.border_title = section_title(section)

    def action_move(self, step: int) -> None:
        self.query_ancestor(QBRPane).move_cursor(self, step)


class StoryLine(Static, can_focus=True):
    """One activity of the quarter; space marks it as a success story."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "move(-1)", show=False),
        Binding("down", "move(1)", show=False),
    ]

    def __init__(self, activity_id: str, content: Text) -> None:
        super().__init__(content, markup=False, classes="qbr-story")
        self.activity_id = activity_id

    def action_move(self, step: int) -> None:
        self.query_ancestor(QBRPane).move_cursor(self, step)


Cursor = QBRSection | StoryLine


class QBRPane(AccountPane, can_focus=True):
    """The QBR tab of one account (registered in ``screens/account_tabs.py``)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left_square_bracket", "period(-1)", "key.qbr.prev"),
        Binding("right_square_bracket", "period(1)", "key.qbr.next"),
        Binding("e", "edit", "key.qbr.edit"),
        Binding("space", "mark", "key.qbr.mark"),
        Binding("s", "advance_status", "key.qbr.status"),
        Binding("x", "export", "key.qbr.export"),
    ]

    DEFAULT_CSS = default_css(__file__, "qbr.tcss")

    def __init__(self, account_id: str) -> None:
        super().__init__(account_id, id="qbr")
        self.period = default_period(clock.today())
        self._cursor: str = "summary"
        """The section name or story activity id the keys act on."""
        self.data: QBRData | None = None
        self.record: QBR | None = None

    # ------------------------------------------------------------------ layout
    def compose(self) -> ComposeResult:
        yield Static("", id="qbr-head", markup=False)
        with VerticalScroll(id="qbr-body"):
            for section in SECTIONS:
                with QBRSection(section):
                    if section == "results":
                        yield Static("", id="qbr-kpis", classes="qbr-text", markup=False)
                        yield QBRChart(id="qbr-chart")
                        yield Static("", id="qbr-numbers", classes="qbr-text", markup=False)
                    else:
                        yield Static("", classes="qbr-text", markup=False)

    def on_show(self) -> None:
        """Opening the tab puts the cursor in the review, so its keys work at once."""
        if not self.has_focus_within:
            self.restore_cursor()

    # ------------------------------------------------------------------ data
    def show_period(self, period: str) -> None:
        """Switch to ``period`` (the QBRs-due list opens the quarter that is due)."""
        self.period = period
        self.refresh_view()

    def sections(self) -> list[QBRSection]:
        return list(self.query(QBRSection))

    def stories(self) -> list[StoryLine]:
        return list(self.query(StoryLine))

    def _box(self, section: str) -> QBRSection:
        return self.query_one(f"#qbr-{section.replace('_', '-')}", QBRSection)

    def _text(self, section: str) -> Static:
        return self._box(section).query_one(".qbr-text", Static)

    def refresh_view(self) -> None:
        """Redraw every section from the workspace; story lines are rebuilt only if changed."""
        ws = self.workspace
        if ws.account(self.account_id) is None:
            self.query_one("#qbr-head", Static).update(Text(t("account.gone"), style="bold red"))
            self.query_one("#qbr-body").display = False
            return
        data = ws.qbr_data(self.account_id, self.period, lang=language())
        record = ws.qbr_view(self.account_id, self.period)
        self.data, self.record = data, record
        self.query_one("#qbr-head", Static).update(head_text(data, record))
        edited = record.sections
        self._text("summary").update(prose_text(edited.get("summary"), data.summary_draft))
        self._show_results(data)
        self._text("roi").update(roi_text(data))
        self._text("risks").update(prose_text(edited.get("risks"), lines_text(data.risks)))
        self._text("next_steps").update(
            prose_text(edited.get("next_steps"), lines_text(data.next_steps))
        )
        self._text("changes").update(prose_text(edited.get("changes"), lines_text(data.changes)))
        self._show_stories(data, set(record.stories))

    def _show_results(self, data: QBRData) -> None:
        self.query_one("#qbr-kpis", Static).update(kpis_text(data))
        self.query_one("#qbr-chart", QBRChart).set_data(
            chart_series(data), data.period_start, data.period_end
        )
        self.query_one("#qbr-numbers", Static).update(numbers_text(data))

    def _show_stories(self, data: QBRData, marked: set[str]) -> None:
        box = self._box("stories")
        placeholder = self._text("stories")
        placeholder.update(t("qbrui.stories.none") if not data.stories else t("qbrui.stories.hint"))
        placeholder.set_class(True, "-dim")
        lines = self.stories()
        wanted = [s.activity_id for s in data.stories]
        texts = {
            s.activity_id: story_text(s, s.activity_id in marked or s.marked) for s in data.stories
        }
        if [line.activity_id for line in lines] == wanted:
            for line in lines:
                line.update(texts[line.activity_id])
            return
        had_focus = self.has_focus_within
        if lines:
            box.remove_children(lines)
        if wanted:
            box.mount_all([StoryLine(i, texts[i]) for i in wanted])
        if had_focus:
            self.call_after_refresh(self.restore_cursor)

    # ------------------------------------------------------------------ cursor
    @on(events.DescendantFocus)
    def _focused(self, event: events.DescendantFocus) -> None:
        if isinstance(event.widget, QBRSection):
            self._cursor = event.widget.section
        elif isinstance(event.widget, StoryLine):
            self._cursor = event.widget.activity_id

    def _cursors(self) -> list[Cursor]:
        """Sections in order, each story line right after the stories box."""
        out: list[Cursor] = []
        for box in self.sections():
            out.append(box)
            if box.section == "stories":
                out.extend(self.stories())
        return out

    def after_dialog(self) -> None:
        self.call_after_refresh(self.restore_cursor)

    def restore_cursor(self) -> None:
        """Focus the remembered section or story, else the summary."""
        if not self.is_attached or not self.display:
            return
        items = self._cursors()
        item = next((i for i in items if _key(i) == self._cursor), None)
        if item is None and items:
            item = items[0]
        if item is not None:
            item.focus()
        else:
            self.focus()

    def move_cursor(self, item: Cursor, step: int) -> None:
        items = self._cursors()
        if item in items:
            items[max(0, min(len(items) - 1, items.index(item) + step))].focus()

    def _current_section(self) -> str | None:
        focused = self.screen.focused
        if isinstance(focused, QBRSection):
            return focused.section
        if isinstance(focused, StoryLine):
            return "stories"
        return None

    # ------------------------------------------------------------------ actions
    def _refused(self, exc: InvalidRecord) -> None:
        self.notify(clean(" ".join(exc.messages)), severity="warning", markup=False)

    def action_period(self, step: int) -> None:
        wanted = parse_period(self.period).shift(step)
        if wanted.start > Period.containing(clock.today()).start:
            self.app.bell()
            return
        self.show_period(wanted.label)

    def action_edit(self) -> None:
        section = self._current_section() or "summary"
        if section not in EDITABLE:
            self.notify(t("qbrui.not_editable"), severity="warning", markup=False)
            return
        data, record = self.data, self.record
        if data is None or record is None:
            return
        ws = self.workspace
        account_id, period = self.account_id, self.period
        current = record.sections.get(section)
        if record.status is QBRStatus.DELIVERED:
            # Ask the workspace, so the refusal is its own words (it owns the freeze rule).
            try:
                ws.update_qbr_section(account_id, period, section, current or "")
            except InvalidRecord as exc:
                self._refused(exc)
                return
        drafted = {
            "summary": data.summary_draft,
            "risks": lines_text(data.risks),
            "next_steps": lines_text(data.next_steps),
            "changes": lines_text(data.changes),
        }[section]
        fields = [
            Field(
                "text",
                t("qbrui.form.text"),
                kind="multiline",
                value=current or drafted,
                help=t("qbrui.form.text_help"),
            )
        ]

        def submit(values: dict[str, Any]) -> None:
            ws.update_qbr_section(account_id, period, section, values["text"] or "")

        title = t(
            "qbrui.form.edit",
            section=section_title(section),
            name=clean(data.account.name),
            period=period,
        )
        self.form(title, fields, submit, t("qbrui.saved.section"))

    def action_mark(self) -> None:
        focused = self.screen.focused
        if not isinstance(focused, StoryLine):
            self.notify(t("qbrui.pick_story"), severity="warning", markup=False)
            return
        record = self.record
        marked = record is not None and focused.activity_id in record.stories
        try:
            self.workspace.mark_story(self.account_id, self.period, focused.activity_id, not marked)
        except InvalidRecord as exc:
            self._refused(exc)

    def action_advance_status(self) -> None:
        record, data = self.record, self.data
        if record is None or data is None:
            return
        if record.status is QBRStatus.DELIVERED:
            self.notify(t("qbrui.already_delivered"), markup=False)
            return
        if record.status is QBRStatus.DRAFT:
            self._set_status(QBRStatus.READY)
            return
        message = t("qbrui.confirm.deliver", period=self.period, name=clean(data.account.name))

        def deliver() -> None:
            self._set_status(QBRStatus.DELIVERED)

        self.confirm(message, t("qbrui.confirm.deliver_yes"), deliver, None)

    def _set_status(self, status: QBRStatus) -> None:
        try:
            self.workspace.set_qbr_status(self.account_id, self.period, status)
        except InvalidRecord as exc:
            self._refused(exc)
            return
        label = t(f"qbrui.status.{status.value}", day=fmt_date(clock.today()))
        self.notify(t("qbrui.saved.status", status=label), markup=False)
        self.refresh_view()

    def action_export(self) -> None:
        data = self.data
        if data is None:
            return
        name, account_id, period = data.account.name, self.account_id, self.period
        fields = [
            Field(
                "format",
                t("qbrui.export.format"),
                kind="select",
                value="md",
                options=[("Markdown (.md)", "md"), ("HTML (.html)", "html")],
                required=True,
            ),
            Field(
                "path",
                t("qbrui.export.path"),
                value=str(default_export_path(name, account_id, period, "md")),
                help=t("qbrui.export.path_help"),
            ),
        ]
        written: list[Path] = []

        def submit(values: dict[str, Any]) -> None:
            ext = values["format"] or "md"
            default = default_export_path(name, account_id, period, ext)
            path = Path(values["path"]).expanduser() if values["path"] else default
            if path.is_dir():
                path = path / default.name
            elif path.suffix in (".md", ".html"):
                path = path.with_suffix(f".{ext}")
            try:
                write_private(path, self.export_text(ext))
            except OSError as exc:
                raise InvalidRecord(
                    [t("qbrui.export.failed", path=path, error=exc.strerror or exc)],
                    {"path": [t("qbrui.export.failed", path=path, error=exc.strerror or exc)]},
                ) from exc
            written.append(path)

        def done(values: dict[str, Any] | None) -> None:
            if values is not None and written:
                self.notify(t("qbrui.export.written", path=written[-1]), markup=False)
            self.after_dialog()

        title = t("qbrui.export.title", period=period, name=clean(name))
        self.app.push_screen(FormScreen(title, fields, submit), done)

    def export_text(self, fmt: str) -> str:
        """The export of the shown QBR in the UI language; a delivered one as it was frozen."""
        from cstui.report.qbr import render_html, render_markdown

        ws = self.workspace
        lang = language()
        data = ws.qbr_data(self.account_id, self.period, lang=lang)
        record = ws.qbr_view(self.account_id, self.period)
        frozen = record.frozen or {}
        sections: dict[str, str] = frozen.get("sections", record.sections)
        stories: list[str] = frozen.get("stories", record.stories)
        if fmt == "html":
            return render_html(data, sections, stories, lang, delivered_on=record.delivered_on)
        return render_markdown(data, sections, stories, lang)


def _key(item: Cursor) -> str:
    return item.section if isinstance(item, QBRSection) else item.activity_id
