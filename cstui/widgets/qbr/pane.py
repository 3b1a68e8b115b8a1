"""The QBR tab's widget: section boxes, story lines and the chart; keys edit and export.

Delivering a QBR freezes its numbers in the workspace. The pane then shows those frozen
numbers and every write is refused by the workspace; its message is shown as a notification,
never a crash. Each section is a focusable box (the cursor), stories are focusable lines the
space bar marks, and the cursor is kept across redraws. All customer text is shown literally.
"""

from __future__ import annotations

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
from cstui.domain.enums import QBRStatus
from cstui.domain.models import QBR, InvalidRecord
from cstui.domain.qbr import SECTIONS, QBRData, default_period, parse_period, unfinished
from cstui.domain.renewals import Period
from cstui.i18n import fmt_date, language, t
from cstui.sanitize import clean
from cstui.ui.css import default_css
from cstui.ui.forms import FormScreen
from cstui.ui.wrap import Wrapped
from cstui.widgets.charts import Series, TimeChart
from cstui.widgets.pane import AccountPane
from cstui.widgets.qbr import forms
from cstui.widgets.qbr.forms import EDITABLE, default_export_path, export_path, write_private
from cstui.widgets.qbr.render import (
    chart_series,
    exports_of,
    head_text,
    internal_text,
    kpis_text,
    lines_text,
    numbers_text,
    prose_text,
    roi_text,
    section_title,
    story_text,
)


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
        Binding("up,k", "move(-1)", "Up", show=False),
        Binding("down,j", "move(1)", "Down", show=False),
        Binding("home,g", "move(-1_000_000)", "First", show=False),  # clamped: the first
        Binding("end,G", "move(1_000_000)", "Last", show=False),
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
        Binding("up,k", "move(-1)", "Up", show=False),
        Binding("down,j", "move(1)", "Down", show=False),
        Binding("home,g", "move(-1_000_000)", "First", show=False),  # clamped: the first
        Binding("end,G", "move(1_000_000)", "Last", show=False),
    ]

    def __init__(self, activity_id: str, content: Wrapped) -> None:
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

    DEFAULT_CSS = default_css(__file__, "pane.tcss")

    def __init__(self, account_id: str) -> None:
        super().__init__(account_id, id="qbr")
        self.period = default_period(clock.today())
        self._period_chosen = False
        """False until someone picks a quarter; until then the tab follows the account
        (the last complete quarter in which the customer existed)."""
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
        self._period_chosen = True
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
        if not self._period_chosen:
            self.period = ws.qbr_opening_period(self.account_id)
        data = ws.qbr_data(self.account_id, self.period, lang=language())
        record = ws.qbr_view(self.account_id, self.period)
        self.data, self.record = data, record
        self.query_one("#qbr-head", Static).update(head_text(data, record, exports_of(record)))
        edited = record.sections
        # Free text (the CSM's, the draft's, activity summaries) breaks by the kinsoku rules.
        self._text("summary").update(Wrapped(prose_text(edited.get("summary"), data.summary_draft)))
        self._show_results(data)
        self._text("roi").update(roi_text(data))
        self._text("risks").update(
            Wrapped(prose_text(edited.get("risks"), lines_text(data.risks), internal_text(data)))
        )
        self._text("next_steps").update(
            Wrapped(prose_text(edited.get("next_steps"), lines_text(data.next_steps)))
        )
        self._text("changes").update(
            Wrapped(prose_text(edited.get("changes"), lines_text(data.changes)))
        )
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
            s.activity_id: Wrapped(story_text(s, s.activity_id in marked or s.marked))
            for s in data.stories
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

    def on_focus(self) -> None:
        """Focus given to the pane itself (a tab digit typed while the account opened) goes
        on to the review's cursor, as opening the tab by hand does."""
        if self._cursors():
            self.restore_cursor()

    def restore_cursor(self) -> None:
        """Focus the remembered section or story, else the summary."""
        if not self.is_attached or not self.display:
            return
        self.focus_target().focus()

    def focus_target(self) -> Widget:
        """Where focus given to the tab goes: the remembered section or story, else the
        summary, else the pane. The account screen focuses it directly, not the pane first:
        each focus change restyles the focused and the blurred widget with everything in
        them, and the pane then passing focus on restyled the whole review twice."""
        items = self._cursors()
        item = next((i for i in items if _key(i) == self._cursor), None)
        if item is None and items:
            item = items[0]
        return item if item is not None else self

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
        fields = forms.section_fields(current or forms.drafted_text(data, section))

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
        period = parse_period(self.period)
        early = unfinished(period, clock.today())
        key = "qbrui.confirm.deliver_early" if early else "qbrui.confirm.deliver"
        message = t(
            key, period=self.period, name=clean(data.account.name), day=fmt_date(period.end)
        )

        def deliver() -> None:
            self._set_status(QBRStatus.DELIVERED, early=early)

        self.confirm(message, t("qbrui.confirm.deliver_yes"), deliver, None)

    def _set_status(self, status: QBRStatus, *, early: bool = False) -> None:
        try:
            self.workspace.set_qbr_status(self.account_id, self.period, status, early=early)
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
        fields = forms.export_fields(name, account_id, period)
        written: list[Path] = []

        def submit(values: dict[str, Any]) -> None:
            ext = values["format"] or "md"
            default = default_export_path(name, account_id, period, ext)
            path = export_path(values["path"] or "", default, ext)
            try:
                write_private(path, self.export_bytes(ext))
            except OSError as exc:
                raise InvalidRecord(
                    [t("qbrui.export.failed", path=path, error=exc.strerror or exc)],
                    {"path": [t("qbrui.export.failed", path=path, error=exc.strerror or exc)]},
                ) from exc
            written.append(path)
            self.workspace.note_qbr_export(account_id, period, ext, str(path))

        def done(values: dict[str, Any] | None) -> None:
            if values is not None and written:
                self.notify(t("qbrui.export.written", path=written[-1]), markup=False)
            self.after_dialog()

        title = t("qbrui.export.title", period=period, name=clean(name))
        self.app.push_screen(FormScreen(title, fields, submit), done)

    def export_bytes(self, fmt: str) -> bytes:
        """The export of the shown QBR in the UI language, customer-facing content only; a
        delivered one as it was frozen."""
        from cstui.report.qbr import render_html, render_markdown

        lang = language()
        parts = self.workspace.qbr_export_parts(self.account_id, self.period, lang)
        data, sections, stories, delivered = parts
        if fmt == "pptx":
            from cstui.report.deck import render_pptx  # python-pptx loads only when asked

            return render_pptx(data, sections, stories, lang, delivered_on=delivered)
        if fmt == "html":
            return render_html(data, sections, stories, lang, delivered_on=delivered).encode()
        return render_markdown(data, sections, stories, lang).encode()


def _key(item: Cursor) -> str:
    return item.section if isinstance(item, QBRSection) else item.activity_id
