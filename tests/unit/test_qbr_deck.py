"""The QBR slide deck, read back with python-pptx: slide order, native charts with the
review's numbers, Japanese fonts, no internal note, a company template, text that fits."""

from __future__ import annotations

import copy
import stat
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from pptx import Presentation
from pptx.enum.chart import XL_CHART_TYPE
from pptx.enum.shapes import MSO_SHAPE_TYPE, PP_PLACEHOLDER
from pptx.opc.constants import RELATIONSHIP_TYPE as RT
from pptx.oxml.ns import qn
from pptx.presentation import Presentation as PresentationT
from pptx.util import Emu

from cstui.cli import main
from cstui.domain import qbr
from cstui.report import deck
from cstui.report.qbr import label
from cstui.workspace import Workspace

EN = "acc-000044"  # Quartz Systems LLC: two KPIs, ROI inputs, usage in 2026Q3
JA = "acc-000007"  # 筑紫不動産株式会社: three KPIs (one is ROI), a missed executive touchpoint
P = "2026Q3"


def _build(ws: Workspace, account: str, lang: str, template: Path | None = None) -> PresentationT:
    data = ws.qbr_data(account, P, lang)
    stories = [s.activity_id for s in data.stories[:2]]
    return deck.build(data, {}, stories, lang, template=template)


def _title(slide: Any) -> str:
    shapes = slide.shapes
    if shapes.title is not None:
        return str(shapes.title.text_frame.text)
    return str(next(s for s in shapes if s.has_text_frame).text_frame.text)


def _texts(prs: PresentationT) -> Iterator[str]:
    """Every text a reader can see or an editor can find: frames, chart titles, series
    names, categories, and the speaker notes."""
    for slide in prs.slides:
        for shape in slide.shapes:
            if shape.has_text_frame:
                yield shape.text_frame.text
            if getattr(shape, "has_chart", False):
                chart = shape.chart
                if chart.has_title:
                    yield chart.chart_title.text_frame.text
                for plot in chart.plots:
                    yield from (str(c) for c in plot.categories)
                    yield from (s.name for s in plot.series)
        if slide.has_notes_slide:
            yield slide.notes_slide.notes_text_frame.text


def _charts(slide: Any) -> list[Any]:
    return [s for s in slide.shapes if getattr(s, "has_chart", False)]


def test_slide_order_tells_the_story(demo_ws: Workspace) -> None:
    prs = _build(demo_ws, EN, "en")
    data = demo_ws.qbr_data(EN, P, "en")
    titles = [_title(s) for s in prs.slides]
    expected = [
        data.account.name,
        "Executive summary",
        "Outcomes against the success plan",
        "Usage and health in the quarter",
        "Return on investment",
        "Success stories",
        "Risks and asks",
        "Next steps and proposals",
        "What changed since the last QBR",
    ]
    assert titles == expected
    subtitle = "\n".join(_texts(prs))
    assert "2026Q3" in subtitle
    assert data.summary_draft in subtitle


def test_charts_are_native_with_the_review_numbers(demo_ws: Workspace) -> None:
    data = demo_ws.qbr_data(EN, P, "en")
    prs = _build(demo_ws, EN, "en")
    slides = list(prs.slides)
    for slide in slides:
        assert not [s for s in slide.shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE]
    outcomes = _charts(slides[2])
    assert len(outcomes) == len(data.kpis) == 2
    for frame, row in zip(outcomes, data.kpis, strict=True):
        chart = frame.chart
        assert chart.chart_type == XL_CHART_TYPE.COLUMN_CLUSTERED
        assert list(chart.plots[0].categories) == ["Baseline", "Now", "Target"]
        (series,) = chart.plots[0].series
        assert list(series.values) == [row.baseline, row.current, row.target]
        assert row.objective in chart.chart_title.text_frame.text
    health, usage = (f.chart for f in _charts(slides[3]))
    assert health.chart_type == XL_CHART_TYPE.LINE_MARKERS
    assert list(health.plots[0].series[0].values) == [float(s) for _, s in data.health_series]
    first, last = data.health_series[0][1], data.health_series[-1][1]
    assert f"{first} → {last}" in health.chart_title.text_frame.text  # start → end, not min–max
    names = [s.name for s in usage.plots[0].series]
    assert names == ["Active users", "Logins"]
    assert list(usage.plots[0].series[0].values) == [float(u) for _, u, _ in data.usage_series]
    (roi,) = (f.chart for f in _charts(slides[4]))
    windows = [r for r in (data.roi_period, data.roi_ytd) if r is not None]
    assert [s.name for s in roi.plots[0].series] == [
        "This quarter, estimated (3 months)",
        f"Year to date, estimated ({qbr.months_label(windows[-1].months)} months)",
    ]
    for series, window in zip(roi.plots[0].series, windows, strict=True):
        assert list(series.values) == pytest.approx([window.value, window.fee, window.net])
    roi_text = "\n".join(s.text_frame.text for s in slides[4].shapes if s.has_text_frame)
    assert "Estimated ROI" in roi_text
    assert "No measured ROI yet" in roi_text


def _runs(prs: PresentationT) -> Iterator[tuple[str, Any]]:
    for slide in prs.slides:
        for shape in slide.shapes:
            if shape.has_text_frame:
                for para in shape.text_frame.paragraphs:
                    for run in para.runs:
                        yield run.text, run.font._rPr


def test_japanese_deck_names_an_east_asian_font(demo_ws: Workspace) -> None:
    prs = _build(demo_ws, JA, "ja")
    assert prs.core_properties.language == "ja-JP"
    titles = [_title(s) for s in prs.slides]
    assert titles[0] == "筑紫不動産株式会社"
    assert titles[1] == "エグゼクティブサマリー"
    japanese = [(text, rpr) for text, rpr in _runs(prs) if any(ord(c) > 0x3000 for c in text)]
    assert len(japanese) > 20
    for text, rpr in japanese:
        ea = rpr.find(qn("a:ea"))
        assert ea is not None, text
        assert ea.get("typeface") == deck.JA_FONT, text
        latin = rpr.find(qn("a:latin"))
        assert latin is None or list(rpr).index(latin) < list(rpr).index(ea)
    for slide in prs.slides:
        for frame in _charts(slide):
            tx = frame.chart._chartSpace.find(qn("c:txPr"))
            assert tx is not None
            fonts = {e.get("typeface") for e in tx.iter(qn("a:ea"))}
            assert fonts == {deck.JA_FONT}
    text = "\n".join(_texts(prs))
    assert "ROI（試算）" in text
    assert "ROI（実績）" in text


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_no_internal_note_anywhere_in_the_deck(demo_ws: Workspace, lang: str) -> None:
    contact = demo_ws.contacts(JA)[0]
    comment = "Too slow for the branch offices"
    demo_ws.record_survey(
        {
            "account_id": JA,
            "contact_id": contact.id,
            "kind": "nps",
            "date": date(2026, 9, 20),
            "score": 1,
            "comment": comment,
        }
    )
    data = demo_ws.qbr_data(JA, P, lang)
    # The detractor; flags are as of the quarter's end, when the executive touchpoint of
    # this contract (signed 26 September) was not missed yet.
    assert any(comment in line for line in data.internal)
    text = "\n".join(_texts(deck.build(data, {}, [], lang)))
    for line in data.internal:
        assert line not in text
    assert comment not in text
    assert contact.name not in text
    for risk in data.risks:
        assert deck.clip(risk, 10_000) in text


def _template(path: Path) -> list[str]:
    """A company template: 4:3, layouts in reverse order, a mark on the master, a sample
    slide. Returns the layout names."""
    prs = Presentation()
    master = prs.slide_master
    ids = master._element.find(qn("p:sldLayoutIdLst"))
    for child in reversed(list(ids)):
        ids.remove(child)
        ids.append(child)
    sample = prs.slides.add_slide(prs.slide_layouts[0])
    sample.shapes.title.text = "Sample slide"
    mark = sample.shapes.add_textbox(Emu(0), Emu(0), Emu(2_000_000), Emu(300_000))
    mark.text_frame.text = "ACME Confidential"
    master.shapes._spTree.append(copy.deepcopy(mark._element))  # the mark on every slide
    theme = master.part.part_related_by(RT.THEME)
    theme._blob = theme.blob.replace(b'typeface="Calibri"', b'typeface="Georgia"')
    prs.save(str(path))
    return [lo.name for lo in prs.slide_layouts]


def test_template_layouts_and_theme_are_used(demo_ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "acme.pptx"
    names = _template(path)
    assert names[1] != "Title and Content"  # picking by index would choose the wrong one
    prs = _build(demo_ws, EN, "en", template=path)
    plain = _build(demo_ws, EN, "en")
    assert (prs.slide_width, prs.slide_height) == (Emu(9144000), Emu(6858000))  # the 4:3
    # The sample slide is gone; the narrower 4:3 page may only add continuation slides.
    firsts = [_title(s) for s in prs.slides if not _title(s).endswith("(cont.)")]
    assert firsts == [_title(s) for s in plain.slides]
    assert "Sample slide" not in "\n".join(_texts(prs))
    master_text = [s.text_frame.text for s in prs.slide_master.shapes if s.has_text_frame]
    assert "ACME Confidential" in master_text
    theme = prs.slide_master.part.part_related_by(RT.THEME).blob
    assert b'typeface="Georgia"' in theme
    assert b'typeface="Calibri"' not in theme
    slides = list(prs.slides)
    assert slides[0].slide_layout.name == "Title Slide"
    for slide in slides:
        assert slide.slide_layout.name in names
    risks = next(s for s in slides if _title(s) == "Risks and asks")
    assert risks.slide_layout.name == "Title and Content"
    kinds = (PP_PLACEHOLDER.BODY, PP_PLACEHOLDER.OBJECT)
    body = [p for p in risks.placeholders if p.placeholder_format.type in kinds]
    assert body
    assert body[0].text_frame.text
    outcomes = next(s for s in slides if _title(s) == "Outcomes against the success plan")
    assert outcomes.slide_layout.name == "Title Only"  # charts go under a title, no body


def test_long_text_fits_its_boxes_on_continuation_slides(demo_ws: Workspace) -> None:
    long_name = ("Very Long Holdings International " * 6).strip()  # at the 200 limit
    ideas = [f"Proposal {i}: " + "expand the rollout to another region " * 4 for i in range(30)]
    demo_ws.update_account(EN, {"name": long_name, "upsell_ideas": ideas})
    data = demo_ws.qbr_data(EN, P, "en")
    summary = "Quarter in one sentence. " * 150
    prs = deck.build(data, {"summary": summary, "risks": "x " * 3000}, [], "en")
    titles = [_title(s) for s in prs.slides]
    assert any(t == "Executive summary (cont.)" for t in titles)
    assert sum(t == "Next steps and proposals (cont.)" for t in titles) >= 2
    for slide in prs.slides:
        for shape in slide.shapes:
            if not shape.has_text_frame or not shape.text_frame.text:
                continue
            needed = 0.0  # points of height, paragraph by paragraph at its own size
            for para in shape.text_frame.paragraphs:
                sizes = [r.font.size.pt for r in para.runs if r.font.size]
                size = max(sizes, default=deck.BODY_PT)
                lines = deck.wrapped_lines(para.text, int(shape.width), size)
                needed += lines * size * deck.LINE_SPACING
            assert needed <= Emu(int(shape.height)).pt, shape.text_frame.text[:60]
    title = _title(prs.slides[0])
    assert title.endswith("…")
    assert len(title) < len(long_name)
    text = "\n".join(_texts(prs))
    for idea in ideas:  # every proposal made it onto a slide
        assert f"Proposal: {idea.split(':')[0]}" in text


def test_text_budget_counts_wide_characters_double() -> None:
    assert deck.display_units("abc") == 3
    assert deck.display_units("日本語") == 6
    width = int(Emu(914400 * 4))  # 4 inches
    assert deck.wrapped_lines("日本語" * 40, width, 18) > deck.wrapped_lines("abc" * 40, width, 18)
    assert deck.clip("日本語テキスト", 7) == "日本語…"
    long = "word " * 400
    pages = deck.paginate([long, "short"], width, int(Emu(914400)), 18)
    assert len(pages) > 3
    assert pages[-1][-1] == "short"
    assert " ".join(p for page in pages for p in page) == long.strip() + " short"  # none lost
    cjk = deck.paginate(["日本語" * 300], width, int(Emu(914400)), 18)
    assert len(cjk) > 3
    assert "".join(p for page in cjk for p in page) == "日本語" * 300


def test_cli_writes_a_private_deck(demo_dir: Path, tmp_path: Path) -> None:
    import shutil

    data = tmp_path / "data"
    shutil.copytree(demo_dir, data)
    out = tmp_path / "qbr.pptx"
    runner = CliRunner()
    args = ["export", "qbr", EN, "--data-dir", str(data), "--period", P, "--format", "pptx"]
    result = runner.invoke(main, [*args, "--out", str(out), "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert _title(Presentation(str(out)).slides[0]) == "Quartz Systems LLC"
    no_out = runner.invoke(main, args)
    assert no_out.exit_code == 1
    assert "--out" in no_out.output
    bad = tmp_path / "bad.pptx"
    bad.write_text("not a deck", "utf-8")
    broken = runner.invoke(main, [*args, "--out", str(out), "--template", str(bad)])
    assert broken.exit_code == 1
    assert "not a PowerPoint template" in broken.output
    md = runner.invoke(main, ["export", "qbr", EN, "--data-dir", str(data), "--template", str(bad)])
    assert md.exit_code == 1
    assert "pptx only" in md.output


def test_frozen_review_deck_says_delivered(demo_ws: Workspace) -> None:
    demo_ws.set_qbr_status(EN, P, "delivered", lang="en")
    data = demo_ws.qbr_data(EN, P, "en")
    assert data.version == qbr.FORMAT_VERSION
    prs = deck.build(data, {}, [], "en", delivered_on=date(2026, 11, 23))
    assert label("en", "qbr.deck.delivered", day="2026-11-23") in "\n".join(_texts(prs))
