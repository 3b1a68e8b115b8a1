"""Render a QBR as an editable PowerPoint deck (python-pptx): the file an executive receives.

The deck tells the same story as the HTML review, one idea per slide: title; executive
summary with headline tiles; outcomes against the success plan (one native chart per
objective: baseline → now → target); usage and health trends; ROI, estimated (試算) and
measured (実績) apart; success stories; risks and asks; next steps with the next executive
touchpoint; what changed. Charts are native chart parts (editable in PowerPoint, their data
in an embedded workbook), never pictures.

Only :func:`cstui.domain.qbr.customer_view` is rendered: internal notes never reach a deck.

Text must fit its box at any length the data allows, and python-pptx cannot measure text
without the font files. So every text box has a budget: :func:`wrapped_lines` estimates
lines from each character's display width (East Asian wide characters count double) at a
cautious average glyph width, lists are paginated onto continuation slides, a single
paragraph longer than a page is cut with "…", and titles are cut to one line. The boxes are
also set to shrink on overflow, a second guard when someone edits the text in PowerPoint.

A company template (``template``) gives the slide size, theme and layouts; layouts are
picked by the placeholder types they hold (a title slide has a centred title and subtitle,
a list slide a title and a body), not by their index, so a reordered template still works.
Japanese decks name an East Asian font on every run (``a:ea``), which python-pptx does not
expose: without it PowerPoint may draw the text with a Latin font that lacks the glyphs.
"""

from __future__ import annotations

import io
import math
import re
import unicodedata
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Final

from pptx import Presentation
from pptx.chart.chart import Chart
from pptx.chart.data import CategoryChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import (
    XL_CHART_TYPE,
    XL_LABEL_POSITION,
    XL_LEGEND_POSITION,
    XL_TICK_LABEL_POSITION,
)
from pptx.enum.shapes import MSO_SHAPE, PP_PLACEHOLDER
from pptx.enum.text import MSO_ANCHOR, MSO_AUTO_SIZE, PP_ALIGN
from pptx.exc import PythonPptxError
from pptx.oxml.ns import qn
from pptx.oxml.xmlchemy import OxmlElement
from pptx.presentation import Presentation as PresentationT
from pptx.slide import Slide, SlideLayout
from pptx.text.text import TextFrame
from pptx.util import Emu, Pt

from cstui.domain import qbr as q
from cstui.domain.roi import percent
from cstui.i18n import grouped
from cstui.report.qbr import (
    _result_lines,
    label,
    list_sections,
    money,
    pct,
    roi_measured_text,
    roi_windows,
    status_text,
)

JA_FONT: Final = "Yu Gothic"
"""East Asian typeface of Japanese decks (Windows and macOS Office ship it; LibreOffice
falls back to a CJK font such as Noto Sans CJK JP)."""

WIDE_16_9: Final = (Emu(12192000), Emu(6858000))
"""13.33 × 7.5 in, PowerPoint's default widescreen size (used without a template)."""

ACCENT: Final = RGBColor(0x2F, 0x6F, 0xDE)
GOOD: Final = RGBColor(0x2F, 0x9E, 0x44)
BAD: Final = RGBColor(0xC9, 0x2A, 0x2A)
MUTED: Final = RGBColor(0x61, 0x6E, 0x7C)
LIGHT: Final = RGBColor(0xAD, 0xB5, 0xBD)
TILE: Final = RGBColor(0xF0, 0xF4, 0xF8)

BODY_PT: Final = 18
SMALL_PT: Final = 12
TITLE_PT: Final = 28

GLYPH_EM: Final = 0.56
"""Average width of one narrow character in ems; cautious for proportional Latin fonts
(digits and capitals run wider than lower case). Wide characters count two."""
LINE_SPACING: Final = 1.25
"""Line height in font sizes, plus the paragraph gap that :func:`_paragraphs` sets."""

KPI_CHARTS_PER_SLIDE: Final = 4

_NUMBERED = re.compile(r"^\d+\.\s*")


# --------------------------------------------------------------------------------------------
# Text budgets
# --------------------------------------------------------------------------------------------


def display_units(text: str) -> int:
    """Narrow-character units: East Asian wide and full-width characters count two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def units_per_line(width: int, font_pt: float) -> int:
    """How many narrow characters surely fit on one line of ``width`` EMU."""
    return max(8, int(Emu(width).pt / (font_pt * GLYPH_EM)))


def wrapped_lines(text: str, width: int, font_pt: float) -> int:
    """Lines ``text`` takes in a box ``width`` EMU wide (explicit newlines included).

    Word wrap loses up to a word per line, so a tenth of each line is kept in reserve.
    """
    per_line = max(1, int(units_per_line(width, font_pt) * 0.9))
    return sum(max(1, math.ceil(display_units(part) / per_line)) for part in text.split("\n"))


def lines_that_fit(height: int, font_pt: float) -> int:
    return max(1, int(Emu(height).pt / (font_pt * LINE_SPACING)))


def clip(text: str, units: int) -> str:
    """``text`` cut to ``units`` narrow-character units, with "…" when it was cut."""
    if display_units(text) <= units:
        return text
    out: list[str] = []
    used = 0
    for ch in text:
        w = 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        if used + w > units - 1:
            break
        out.append(ch)
        used += w
    return "".join(out).rstrip() + "…"


INSET: Final = 91440
"""A text box's left and right inner margin (0.1 in), PowerPoint's default."""


def fit(text: str, width: int, font_pt: float, lines: int = 1) -> str:
    """``text`` cut with "…" to ``lines`` lines of a box ``width`` EMU wide."""
    per_line = max(1, int(units_per_line(width - 2 * INSET, font_pt) * 0.9))
    return clip(text, lines * per_line)


def paginate(items: Sequence[str], width: int, height: int, font_pt: float) -> list[list[str]]:
    """Split paragraphs into pages that each fit the box. A paragraph longer than a page is
    cut into page-sized pieces (at spaces, or anywhere in text without them) that flow on."""
    capacity = lines_that_fit(height, font_pt)
    per_line = max(1, int(units_per_line(width, font_pt) * 0.9))
    pages: list[list[str]] = [[]]
    used = 0
    for item in items:
        text = " ".join(item.split())  # one paragraph: newlines would break the budget
        for piece in _pieces(text, capacity * per_line - per_line):
            need = wrapped_lines(piece, width, font_pt)
            if used + need > capacity and pages[-1]:
                pages.append([])
                used = 0
            pages[-1].append(piece)
            used += need
    return pages


def _pieces(text: str, units: int) -> list[str]:
    """``text`` in pieces of at most ``units`` display units, broken after a space when
    there is one in the second half of the piece."""
    out: list[str] = []
    while display_units(text) > units:
        cut, used = 0, 0
        for i, ch in enumerate(text):
            used += 2 if unicodedata.east_asian_width(ch) in "WF" else 1
            if used > units:
                break
            cut = i + 1
        space = text.rfind(" ", cut // 2, cut)
        cut = space + 1 if space > 0 else max(cut, 1)
        out.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    if text or not out:
        out.append(text)
    return out


# --------------------------------------------------------------------------------------------
# Fonts
# --------------------------------------------------------------------------------------------


def _set_east_asian(rpr: Any, typeface: str) -> None:
    """Name the East Asian font of a run (``a:ea`` after ``a:latin``, as the schema orders)."""
    for old in rpr.findall(qn("a:ea")):
        rpr.remove(old)
    ea = OxmlElement("a:ea")
    ea.set("typeface", typeface)
    rpr.append(ea)
    latin = rpr.find(qn("a:latin"))
    if latin is not None:
        latin.addnext(ea)
    else:  # before cs / sym / hyperlinks / extLst, which follow ea in the sequence
        successors = [qn(f"a:{n}") for n in ("cs", "sym", "hlinkClick", "hlinkMouseOver", "rtl")]
        nxt = next((c for c in rpr if c.tag in successors), None)
        if nxt is not None:
            nxt.addprevious(ea)


@dataclass(slots=True)
class Style:
    """What every run of the deck gets: the language's fonts (None: the theme's)."""

    lang: str
    latin: str | None
    east_asian: str | None

    def apply(self, font: Any, *, size: float | None = None, bold: bool | None = None) -> None:
        if size is not None:
            font.size = Pt(size)
        if bold is not None:
            font.bold = bold
        if self.latin is not None:
            font.name = self.latin
        if self.east_asian is not None:
            _set_east_asian(font._rPr, self.east_asian)
        font.language_id = None


def _style(lang: str, template: bool) -> Style:
    if lang == "ja":
        # Japanese text needs a font with the glyphs whatever the template's theme says.
        return Style(lang, None if template else JA_FONT, JA_FONT)
    return Style(lang, None, None)


# --------------------------------------------------------------------------------------------
# Layouts and slides
# --------------------------------------------------------------------------------------------

_TITLES = (PP_PLACEHOLDER.TITLE, PP_PLACEHOLDER.CENTER_TITLE)
_BODIES = (PP_PLACEHOLDER.BODY, PP_PLACEHOLDER.OBJECT)
_CHROME = (PP_PLACEHOLDER.DATE, PP_PLACEHOLDER.FOOTER, PP_PLACEHOLDER.SLIDE_NUMBER)


def _types(layout: SlideLayout) -> list[Any]:
    placeholders: Any = layout.placeholders  # python-pptx's own annotation of it trips mypy
    return [ph.placeholder_format.type for ph in placeholders]


def _vertical(layout: SlideLayout) -> bool:
    return any(ph.get("orient") == "vert" for ph in layout._element.iter(qn("p:ph")))


def pick_layout(prs: PresentationT, kind: str) -> SlideLayout:
    """The template's layout for ``kind`` ("title", "list" or "canvas") by placeholder type.

    title: a centred title (or title) with a subtitle; list: a title and one body, the
    largest body winning (a section header's small body is not a list); canvas: a title and
    no body (charts go under it). Fewer extra placeholders win ties, then template order;
    vertical layouts never do. Without a match: any layout with a title, else the first.
    """
    layouts = list(prs.slide_layouts)
    area = int(prs.slide_width or 1) * int(prs.slide_height or 1)
    scored: list[tuple[float, int, int, SlideLayout]] = []
    for i, layout in enumerate(layouts):
        if _vertical(layout):
            continue  # vertical text (縦書き) layouts are for other decks
        placeholders: Any = layout.placeholders
        types = _types(layout)
        titles = sum(t in _TITLES for t in types)
        bodies = [ph for ph in placeholders if ph.placeholder_format.type in _BODIES]
        extra = len([t for t in types if t not in _CHROME])
        if kind == "title":
            ok = PP_PLACEHOLDER.CENTER_TITLE in types or (
                bool(titles) and PP_PLACEHOLDER.SUBTITLE in types
            )
            rank = 0.0
        elif kind == "list":
            ok = bool(titles) and len(bodies) == 1
            share = int(bodies[0].width or 0) * int(bodies[0].height or 0) / area if ok else 0
            ok = ok and share >= 0.3
            rank = -share
        else:
            ok = bool(titles) and not bodies and PP_PLACEHOLDER.SUBTITLE not in types
            rank = 0.0
        if ok:
            scored.append((rank, extra, i, layout))
    if scored:
        return min(scored, key=lambda s: s[:3])[3]
    with_title = [lo for lo in layouts if any(t in _TITLES for t in _types(lo))]
    return (with_title or layouts)[0]


@dataclass(slots=True)
class Box:
    left: int
    top: int
    width: int
    height: int


class Deck:
    """One presentation being built: the layouts, the style and the content area."""

    def __init__(self, prs: PresentationT, style: Style, templated: bool) -> None:
        self.prs = prs
        self.style = style
        self.templated = templated
        self.width = int(prs.slide_width or WIDE_16_9[0])
        self.height = int(prs.slide_height or WIDE_16_9[1])
        self.margin = int(self.width * 0.05)

    # ---------------------------------------------------------------- slides
    def slide(self, kind: str, title: str) -> tuple[Slide, Box]:
        """A new slide with ``title`` set; returns it and the free area under the title."""
        slide = self.prs.slides.add_slide(pick_layout(self.prs, kind))
        head = next(
            (ph for ph in slide.placeholders if ph.placeholder_format.type in _TITLES), None
        )
        top = int(self.height * 0.2)
        if head is not None:
            if not self.templated:
                head.left, head.top = Emu(self.margin), Emu(int(self.height * 0.04))
                head.width, head.height = (
                    Emu(self.width - 2 * self.margin),
                    Emu(int(self.height * 0.13)),
                )
            size = TITLE_PT
            width = int(head.width or self.width)
            self.fill(head.text_frame, [fit(title, width, size)], size=size, bold=True)
            head.text_frame.vertical_anchor = MSO_ANCHOR.MIDDLE
            top = int(head.top or 0) + int(head.height or 0) + int(self.height * 0.02)
        else:
            box = slide.shapes.add_textbox(
                Emu(self.margin), Emu(int(self.height * 0.04)),
                Emu(self.width - 2 * self.margin), Emu(int(self.height * 0.13)),
            )  # fmt: skip
            title = fit(title, self.width - 2 * self.margin, TITLE_PT)
            self.fill(box.text_frame, [title], size=TITLE_PT, bold=True)
        bottom = self.height - int(self.height * 0.07)
        area = Box(self.margin, top, self.width - 2 * self.margin, max(bottom - top, 1))
        return slide, area

    def body(self, slide: Slide) -> Any | None:
        return next(
            (ph for ph in slide.placeholders if ph.placeholder_format.type in _BODIES), None
        )

    @staticmethod
    def drop_empty_placeholders(slide: Slide) -> None:
        """Unused placeholders would show "Click to add text" to whoever edits the deck."""
        for ph in list(slide.placeholders):
            if ph.has_text_frame and not ph.text_frame.text.strip():
                ph._element.getparent().remove(ph._element)

    # ---------------------------------------------------------------- text
    def fill(
        self,
        tf: TextFrame,
        paragraphs: Sequence[str],
        *,
        size: float = BODY_PT,
        bold: bool | None = None,
        bullets: bool = False,
        color: RGBColor | None = None,
        align: Any = None,
    ) -> None:
        """Replace the frame's text; one run per paragraph, styled, shrink-on-overflow."""
        tf.clear()
        tf.word_wrap = True
        tf.auto_size = MSO_AUTO_SIZE.TEXT_TO_FIT_SHAPE
        for i, text in enumerate(paragraphs):
            para = tf.paragraphs[0] if i == 0 else tf.add_paragraph()
            run = para.add_run()
            run.text = ("• " if bullets else "") + text
            self.style.apply(run.font, size=size, bold=bold)
            if color is not None:
                run.font.color.rgb = color
            if align is not None:
                para.alignment = align
            para.space_after = Pt(size * (LINE_SPACING - 1.0))

    def text_box(self, slide: Slide, box: Box, paragraphs: Sequence[str], **kw: Any) -> TextFrame:
        shape = slide.shapes.add_textbox(
            Emu(box.left), Emu(box.top), Emu(box.width), Emu(box.height)
        )
        frame: TextFrame = shape.text_frame
        self.fill(frame, paragraphs, **kw)
        return frame

    def list_slides(self, title: str, items: Sequence[str], empty: str) -> None:
        """Bulleted paragraphs on as many slides as they need ("(cont.)" after the first)."""
        probe, area = self.slide("list", title)
        body = self.body(probe)
        box = area
        if body is not None and self.templated:
            box = Box(int(body.left), int(body.top), int(body.width), int(body.height))
        inner = Box(box.left, box.top, box.width - int(Emu(Pt(36))), box.height - int(Pt(14)))
        pages = paginate(list(items) or [empty], inner.width, inner.height, BODY_PT)
        for n, page in enumerate(pages):
            slide = probe if n == 0 else self.slide("list", self.continued(title))[0]
            ph = self.body(slide)
            if ph is not None:
                if not self.templated:
                    ph.left, ph.top = Emu(box.left), Emu(box.top)
                    ph.width, ph.height = Emu(box.width), Emu(box.height)
                self.fill(ph.text_frame, page)  # the layout's body draws its own bullets
            else:
                self.text_box(slide, box, page, bullets=bool(items))
            self.drop_empty_placeholders(slide)

    def flowing_text(
        self, slide: Slide, box: Box, title: str, paragraphs: Sequence[str], size: float = BODY_PT
    ) -> None:
        """Paragraphs in ``box``; what does not fit flows onto "(cont.)" slides."""
        pages = paginate(paragraphs, box.width - int(Pt(14)), box.height - int(Pt(14)), size)
        self.text_box(slide, box, pages[0], size=size)
        self.drop_empty_placeholders(slide)
        for page in pages[1:]:
            more, full = self.slide("canvas", self.continued(title))
            self.text_box(more, full, page, size=size)
            self.drop_empty_placeholders(more)

    def continued(self, title: str) -> str:
        return label(self.style.lang, "qbr.deck.continued", title=title)

    # ---------------------------------------------------------------- charts
    def chart(
        self,
        slide: Slide,
        box: Box,
        kind: Any,
        categories: Sequence[str],
        series: Sequence[tuple[str, Sequence[float | None]]],
        *,
        title: str | None = None,
        number_format: str = "#,##0",
        legend: bool = True,
    ) -> Chart:
        data = CategoryChartData(number_format=number_format)
        data.categories = list(categories)
        for name, values in series:
            data.add_series(name, list(values))
        frame: Any = slide.shapes.add_chart(
            kind,
            Emu(box.left),
            Emu(box.top),
            Emu(box.width),
            Emu(box.height),
            data,  # type: ignore[arg-type]  # python-pptx annotates the base class only
        )
        chart: Chart = frame.chart
        if kind == XL_CHART_TYPE.COLUMN_CLUSTERED:
            # Category names under the plot, not on the zero line among negative bars.
            chart.category_axis.tick_label_position = XL_TICK_LABEL_POSITION.LOW
        self.style.apply(chart.font, size=SMALL_PT)
        chart.has_legend = legend and len(series) > 1
        if chart.has_legend:
            chart.legend.position = XL_LEGEND_POSITION.BOTTOM
            chart.legend.include_in_layout = False
        if title:
            chart.has_title = True
            tf = chart.chart_title.text_frame
            tf.text = fit(title, box.width, SMALL_PT + 2, lines=2)
            for para in tf.paragraphs:
                for run in para.runs:
                    self.style.apply(run.font, size=SMALL_PT + 2, bold=True)
        else:
            chart.has_title = False
        return chart


def _section(lang: str, name: str) -> str:
    """A section's title without the HTML's "1. " numbering (slides are numbered already)."""
    return _NUMBERED.sub("", label(lang, f"qbr.section.{name}"))


def _notes(sections: Mapping[str, str], name: str) -> list[str]:
    return [line for line in (sections.get(name) or "").splitlines() if line.strip()]


# --------------------------------------------------------------------------------------------
# The slides
# --------------------------------------------------------------------------------------------


def _title_slide(deck: Deck, data: q.QBRData, delivered_on: date | None) -> None:
    lang = deck.style.lang
    slide = deck.prs.slides.add_slide(pick_layout(deck.prs, "title"))
    title = next((ph for ph in slide.placeholders if ph.placeholder_format.type in _TITLES), None)
    sub = next(
        (ph for ph in slide.placeholders if ph.placeholder_format.type == PP_PLACEHOLDER.SUBTITLE),
        None,
    )
    w, h, m = deck.width, deck.height, deck.margin
    name = data.account.name
    lines = [
        f"{label(lang, 'qbr.title')} · {data.period}",
        f"{data.period_start.isoformat()} – {data.period_end.isoformat()}",
    ]
    if data.account.owner:
        lines.append(f"{label(lang, 'qbr.label.owner')}: {data.account.owner}")
    if delivered_on is not None:
        lines.append(label(lang, "qbr.deck.delivered", day=delivered_on.isoformat()))
    else:
        lines.append(label(lang, "qbr.deck.as_of", day=data.as_of.isoformat()))
    if title is None:
        title = slide.shapes.add_textbox(Emu(m), Emu(int(h * 0.25)), Emu(w - 2 * m), Emu(h // 5))
    elif not deck.templated:
        title.left, title.top = Emu(m), Emu(int(h * 0.22))
        title.width, title.height = Emu(w - 2 * m), Emu(int(h * 0.22))
    size = 40
    name = fit(name, int(title.width or w), size, lines=2)
    deck.fill(title.text_frame, [name], size=size, bold=True)
    if sub is None:
        sub = slide.shapes.add_textbox(Emu(m), Emu(int(h * 0.5)), Emu(w - 2 * m), Emu(h // 3))
    elif not deck.templated:
        sub.left, sub.top = Emu(m), Emu(int(h * 0.5))
        sub.width, sub.height = Emu(w - 2 * m), Emu(int(h * 0.3))
    width = int(sub.width or w)
    deck.fill(sub.text_frame, [fit(x, width, 20) for x in lines], size=20)
    deck.drop_empty_placeholders(slide)


def _tiles(data: q.QBRData, lang: str) -> list[tuple[str, str, RGBColor | None]]:
    """Headline numbers: (value, caption, colour)."""
    out: list[tuple[str, str, RGBColor | None]] = []
    if data.health_end is not None:
        if data.health_start is None:
            value, colour = str(data.health_end), None
        else:
            value = f"{data.health_start} → {data.health_end}"
            colour = GOOD if data.health_end >= data.health_start else BAD
        out.append((value, label(lang, "qbr.label.health"), colour))
    a = data.adoption
    if a.active_users is not None and a.seats:
        share = f"{round(a.active_users / a.seats * 100)} %"
        out.append((share, label(lang, "qbr.deck.tile_seats", n=a.seats), None))
    told = [k for k in data.kpis if k.status in ("on_track", "achieved", "at_risk", "missed")]
    if told:
        good = sum(1 for k in told if k.status in ("on_track", "achieved"))
        colour = GOOD if good == len(told) else BAD if good == 0 else None
        out.append((f"{good} / {len(told)}", label(lang, "qbr.deck.tile_objectives"), colour))
    if data.roi_ytd is not None and data.roi_ytd.roi_pct is not None:
        r = data.roi_ytd.roi_pct
        out.append((pct(r), label(lang, "qbr.label.roi_estimated"), GOOD if r > 0 else BAD))
    if data.roi_measured is not None:
        r = data.roi_measured.pct
        out.append((pct(r), label(lang, "qbr.label.roi_measured"), GOOD if r > 0 else BAD))
    return out[:5]


def _summary_slides(deck: Deck, data: q.QBRData, sections: Mapping[str, str]) -> None:
    lang = deck.style.lang
    title = _section(lang, "summary")
    slide, area = deck.slide("canvas", title)
    tiles = _tiles(data, lang)
    text_top = area.top
    if tiles:
        gap = int(Pt(12))
        tile_w = (area.width - gap * (len(tiles) - 1)) // len(tiles)
        tile_h = int(area.height * 0.3)
        for i, (value, caption, colour) in enumerate(tiles):
            shape = slide.shapes.add_shape(
                MSO_SHAPE.ROUNDED_RECTANGLE,
                Emu(area.left + i * (tile_w + gap)), Emu(area.top), Emu(tile_w), Emu(tile_h),
            )  # fmt: skip
            shape.fill.solid()
            shape.fill.fore_color.rgb = TILE
            shape.line.fill.background()
            shape.shadow.inherit = False
            tf = shape.text_frame
            value = fit(value, tile_w, 26)
            deck.fill(tf, [value], size=26, bold=True, align=PP_ALIGN.CENTER)
            tf.paragraphs[0].runs[0].font.color.rgb = colour or ACCENT
            para = tf.add_paragraph()
            para.alignment = PP_ALIGN.CENTER
            run = para.add_run()
            run.text = fit(caption, tile_w, SMALL_PT, lines=2)
            deck.style.apply(run.font, size=SMALL_PT)
            run.font.color.rgb = MUTED
            tf.vertical_anchor = MSO_ANCHOR.MIDDLE
        text_top = area.top + tile_h + int(Pt(18))
    summary = (sections.get("summary") or "").strip() or data.summary_draft
    paragraphs = [p for p in summary.splitlines() if p.strip()] or [summary]
    box = Box(area.left, text_top, area.width, area.top + area.height - text_top)
    deck.flowing_text(slide, box, title, paragraphs)


def _grid(area: Box, n: int) -> list[Box]:
    """``n`` (1–4) chart boxes: one, two side by side, or two by two."""
    gap = int(Pt(14))
    cols = 1 if n == 1 else 2
    rows = 1 if n <= 2 else 2
    w = (area.width - gap * (cols - 1)) // cols
    h = (area.height - gap * (rows - 1)) // rows
    return [
        Box(area.left + (i % cols) * (w + gap), area.top + (i // cols) * (h + gap), w, h)
        for i in range(n)
    ]


def _color_points(chart: Chart, colours: Sequence[RGBColor]) -> None:
    series = chart.plots[0].series[0]
    for i, colour in enumerate(colours):
        point = series.points[i]
        point.format.fill.solid()
        point.format.fill.fore_color.rgb = colour


def kpi_title(row: q.KPIRow, lang: str) -> str:
    """``Objective — status (progress %)``: what the executive reads above each chart."""
    status = status_text(row.status, lang)
    progress = "" if row.progress is None else f" ({percent(row.progress * 100)}\u00a0%)"
    return f"{row.objective} — {status}{progress}"


def _outcome_slides(deck: Deck, data: q.QBRData) -> None:
    lang = deck.style.lang
    title = label(lang, "qbr.deck.outcomes")
    if not data.kpis:
        deck.list_slides(title, [], label(lang, "qbr.label.no_kpis"))
        return
    cats = [label(lang, f"qbr.label.{k}") for k in ("baseline", "current", "target")]
    rows = data.kpis
    for n, start in enumerate(range(0, len(rows), KPI_CHARTS_PER_SLIDE)):
        chunk = rows[start : start + KPI_CHARTS_PER_SLIDE]
        slide, area = deck.slide("canvas", title if n == 0 else deck.continued(title))
        for row, box in zip(chunk, _grid(area, len(chunk)), strict=True):
            name = f"{row.kpi} ({row.unit})" if row.unit else row.kpi
            chart = deck.chart(
                slide,
                box,
                XL_CHART_TYPE.COLUMN_CLUSTERED,
                cats,
                [(name, [row.baseline, row.current, row.target])],
                title=kpi_title(row, lang),
                number_format="#,##0.#" if _fractional(row) else "#,##0",
                legend=False,
            )
            plot = chart.plots[0]
            plot.has_data_labels = True
            plot.data_labels.position = XL_LABEL_POSITION.OUTSIDE_END
            plot.data_labels.font.size = Pt(SMALL_PT)
            plot.gap_width = 60
            now = GOOD if row.status in ("on_track", "achieved") else ACCENT
            if row.status in ("at_risk", "missed"):
                now = BAD
            _color_points(chart, [LIGHT, now, ACCENT])
        deck.drop_empty_placeholders(slide)


def _fractional(row: q.KPIRow) -> bool:
    values = [row.baseline, row.target] + ([] if row.current is None else [row.current])
    return any(not float(v).is_integer() for v in values)


def _trend_slide(deck: Deck, data: q.QBRData) -> None:
    lang = deck.style.lang
    slide, area = deck.slide("canvas", label(lang, "qbr.deck.trends"))
    charts = int(bool(data.health_series)) + int(bool(data.usage_series))
    facts_h = int(area.height * 0.22)
    chart_area = Box(area.left, area.top, area.width, area.height - facts_h)
    boxes = _grid(chart_area, charts) if charts else []
    if data.health_series:
        box = boxes.pop(0)
        first, last = data.health_series[0], data.health_series[-1]
        chart = deck.chart(
            slide,
            box,
            XL_CHART_TYPE.LINE_MARKERS,
            [d.isoformat() for d, _ in data.health_series],
            [(label(lang, "qbr.label.health"), [float(s) for _, s in data.health_series])],
            title=label(lang, "qbr.deck.health_caption", start=first[1], end=last[1]),
            legend=False,
        )
        axis = chart.value_axis
        axis.minimum_scale, axis.maximum_scale = 0, 100
    if data.usage_series:
        box = boxes.pop(0)
        users = [float(u) for _, u, _ in data.usage_series]
        logins = [float(n) for _, _, n in data.usage_series]
        deck.chart(
            slide,
            box,
            XL_CHART_TYPE.LINE_MARKERS,
            [d.isoformat() for d, _, _ in data.usage_series],
            [
                (label(lang, "qbr.label.active_users"), users),
                (label(lang, "qbr.label.logins"), logins),
            ],
            title=label(
                lang,
                "qbr.deck.usage_caption",
                users=f"{grouped(users[0])} → {grouped(users[-1])}",
                logins=f"{grouped(logins[0])} → {grouped(logins[-1])}",
            ),
        )
    facts = [line for line in _result_lines(data, lang) if line]
    if not data.usage_series:
        facts.append(label(lang, "qbr.label.no_usage"))
    box = Box(area.left, area.top + area.height - facts_h + int(Pt(6)), area.width, facts_h)
    columns = 2
    col_w = (box.width - int(Pt(14))) // columns
    per_col = math.ceil(len(facts) / columns)
    for c in range(columns):
        part = facts[c * per_col : (c + 1) * per_col]
        if not part:
            continue
        sub = Box(box.left + c * (col_w + int(Pt(14))), box.top, col_w, box.height - int(Pt(6)))
        page = paginate(part, sub.width - int(Pt(14)), sub.height - int(Pt(10)), SMALL_PT + 2)[0]
        deck.text_box(slide, sub, page, size=SMALL_PT + 2, color=MUTED)
    deck.drop_empty_placeholders(slide)


def _roi_slide(deck: Deck, data: q.QBRData, sections: Mapping[str, str]) -> None:
    lang = deck.style.lang
    title = _section(lang, "roi")
    slide, area = deck.slide("canvas", title)
    windows = roi_windows(data, lang)
    left = Box(area.left, area.top, int(area.width * 0.6), area.height)
    right = Box(
        area.left + left.width + int(Pt(18)),
        area.top,
        area.width - left.width - int(Pt(18)),
        area.height,
    )
    text: list[str] = []
    if windows:
        currency = windows[0][1].currency
        cats = [label(lang, f"qbr.label.{k}") for k in ("value", "fee", "net")]
        chart = deck.chart(
            slide,
            left,
            XL_CHART_TYPE.COLUMN_CLUSTERED,
            cats,
            [(name, [r.value, r.fee, r.net]) for name, r in windows],
            title=label(lang, "qbr.deck.roi_chart", currency=currency),
        )
        ticks = chart.value_axis.tick_labels
        ticks.number_format, ticks.number_format_is_linked = "#,##0", False
        plot = chart.plots[0]
        plot.has_data_labels = True
        plot.data_labels.number_format = "#,##0"
        plot.data_labels.number_format_is_linked = False
        plot.data_labels.font.size = Pt(SMALL_PT - 3)
        plot.gap_width, plot.overlap = 70, -15  # a little air between the windows' bars
        for s in plot.series:
            s.invert_if_negative = False
        r = windows[-1][1]
        text.append(f"{label(lang, 'qbr.label.roi_estimated')}: {pct(r.roi_pct)}")
        if r.payback_months is not None:
            months = label(lang, "qbr.label.payback_months", n=f"{r.payback_months:.1f}")
            text.append(f"{label(lang, 'qbr.label.payback')}: {months}")
        net = label(lang, "qbr.label.net")
        for name, w in windows:  # the amount first: a wrap never splits "-$" from its digits
            text.append(f"{money(w.net, w.currency)} · {net} · {name}")
    else:
        text.append(label(lang, "qbr.label.no_roi"))
        right = area
    text.append(roi_measured_text(data, lang))
    if windows:
        text.append(label(lang, "qbr.label.roi_note"))
    text += _notes(sections, "roi")
    deck.flowing_text(slide, right, title, text, SMALL_PT + 4)


def build(
    data: q.QBRData,
    sections: Mapping[str, str],
    stories: Sequence[str],
    lang: str,
    *,
    delivered_on: date | None = None,
    template: Path | None = None,
) -> PresentationT:
    """The deck as a python-pptx presentation (see the module notes for its slides)."""
    data = q.customer_view(data)
    if template is not None:
        prs = _open_template(template)
    else:
        prs = Presentation()
        prs.slide_width, prs.slide_height = WIDE_16_9
    deck = Deck(prs, _style(lang, template is not None), template is not None)
    _title_slide(deck, data, delivered_on)
    _summary_slides(deck, data, sections)
    _outcome_slides(deck, data)
    results_notes = _notes(sections, "results")
    _trend_slide(deck, data)
    if results_notes:
        deck.list_slides(deck.continued(_section(lang, "results")), results_notes, "")
    _roi_slide(deck, data, sections)
    for name, lines, empty in list_sections(data, stories):
        deck.list_slides(_section(lang, name), lines + _notes(sections, name), label(lang, empty))
    if data.previous_period is None:
        changes = [label(lang, "qbr.label.first")]
    else:
        changes = [label(lang, "qbr.label.since", period=data.previous_period), *data.changes]
    deck.list_slides(_section(lang, "changes"), changes + _notes(sections, "changes"), "")
    title = f"{label(lang, 'qbr.title')} {data.period}: {data.account.name}"
    prs.core_properties.title = title[:255]  # the file format's limit
    prs.core_properties.language = "ja-JP" if lang == "ja" else "en-US"
    return prs


class TemplateError(Exception):
    """The template is not a .pptx python-pptx can open (its message names the file)."""


def _open_template(path: Path) -> PresentationT:
    try:
        prs = Presentation(str(path))
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, PythonPptxError) as exc:
        raise TemplateError(f"{path} is not a PowerPoint template cstui can use: {exc}") from None
    _drop_slides(prs)
    return prs


def _drop_slides(prs: PresentationT) -> None:
    """A template may carry sample slides: keep its masters, layouts and theme only."""
    id_list = prs.slides._sldIdLst
    for sld_id in list(id_list):
        prs.part.drop_rel(sld_id.rId)
        id_list.remove(sld_id)


def render_pptx(
    data: q.QBRData,
    sections: Mapping[str, str],
    stories: Sequence[str],
    lang: str,
    *,
    delivered_on: date | None = None,
    template: Path | None = None,
) -> bytes:
    """The deck as the bytes of a .pptx file."""
    prs = build(data, sections, stories, lang, delivered_on=delivered_on, template=template)
    out = io.BytesIO()
    prs.save(out)
    return out.getvalue()
