"""QBR export: real numbers, valid self-contained HTML, every section, escaping, en and ja."""

from __future__ import annotations

import re
from datetime import date

import html5lib  # type: ignore[import-untyped]
import pytest

from cstui import i18n
from cstui.domain import metrics, qbr, roi
from cstui.domain.renewals import Period
from cstui.report.qbr import md, render_html, render_markdown, sparkline
from cstui.workspace import Workspace

ACC = "acc-000007"
P = "2026Q3"


def _data(ws: Workspace, lang: str) -> qbr.QBRData:
    ws.record_survey({"account_id": ACC, "kind": "nps", "date": date(2026, 8, 3), "score": 9})
    ws.record_survey({"account_id": ACC, "kind": "csat", "date": date(2026, 8, 4), "score": 4})
    return ws.qbr_data(ACC, P, lang)


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_html_is_valid_self_contained_and_has_every_section(demo_ws: Workspace, lang: str) -> None:
    data = _data(demo_ws, lang)
    stories = [data.stories[0].activity_id]
    page = render_html(data, {"risks": "Budget review in Q4"}, stories, lang)
    html5lib.HTMLParser(strict=True).parse(page)  # raises on any parse error
    assert "http://" not in page
    assert "https://" not in page
    assert "src=" not in page
    assert "<script" not in page.lower()
    assert "<link" not in page.lower()
    assert "<svg" in page
    assert "<polyline" in page
    assert "@media print" in page
    for name in qbr.SECTIONS:
        assert f'<section id="{name}">' in page
        assert i18n.catalogue(lang)[f"qbr.section.{name}"] in page
    assert data.stories[0].summary in page
    assert "Budget review in Q4" in page


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_exports_carry_the_domain_numbers(demo_ws: Workspace, lang: str) -> None:
    data = _data(demo_ws, lang)
    plan = demo_ws.success_plan(ACC)
    assert plan is not None
    assert plan.roi is not None
    result = roi.compute(plan.roi)
    p = Period.parse(P)
    assert data.roi_period is not None
    assert data.roi_ytd is not None
    months = data.roi_period.months
    health_end = demo_ws.health(ACC, as_of=p.end).score
    nps = metrics.nps([9])
    assert nps == 100
    assert data.nps_score == nps
    expected = [
        f"{health_end}",
        i18n.money(round(result.net_value * months / 12), plan.roi.currency),
        i18n.money(round(result.annual_value * data.roi_ytd.months / 12), plan.roi.currency),
        f"{roi.percent(result.roi_pct or 0)} %",
        "+100",
        i18n.money(data.account.arr, data.account.currency),
    ]
    for row in data.kpis:
        expected += [qbr.number(row.current), qbr.number(row.target), qbr.number(row.baseline)]
    for text in (
        render_html(data, {}, [], lang),
        render_markdown(data, {}, [], lang),
    ):
        for value in expected:
            assert value in text, value
        assert f"{data.health_end}" in text


def test_markdown_has_every_section_and_sparklines(demo_ws: Workspace) -> None:
    for lang in ("en", "ja"):
        text = render_markdown(_data(demo_ws, lang), {}, [], lang)
        headings = re.findall(r"^## (.+)$", text, re.MULTILINE)
        assert headings == [
            md(i18n.catalogue(lang)[f"qbr.section.{s}"], cell=True) for s in qbr.SECTIONS
        ]
    assert sparkline([0, 50, 100]) == "▁▅█"
    assert sparkline([3, 3]) == "▄▄"


EVIL = "<script>alert(1)</script>"


def test_untrusted_text_is_escaped(demo_ws: Workspace) -> None:
    demo_ws.update_account(ACC, {"name": EVIL, "upsell_ideas": ["*bold* [x](javascript:1) | pipe"]})
    data = demo_ws.qbr_data(ACC, P)
    sections = {"summary": EVIL, "results": "# heading\n- item\n1. one"}
    page = render_html(data, sections, [], "en")
    assert EVIL not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    html5lib.HTMLParser(strict=True).parse(page)
    text = render_markdown(data, sections, [], "en")
    assert EVIL not in text
    assert r"\<script\>alert\(1\)\</script\>" in text
    assert "](javascript" not in text
    assert r"\*bold\*" in text
    assert r"\| pipe" in text
    assert "\n\\# heading\n\\- item\n1\\. one" in text


def test_delivered_html_says_it_is_frozen(demo_ws: Workspace) -> None:
    data = demo_ws.qbr_data(ACC, P)
    page = render_html(data, {}, [], "en", delivered_on=date(2026, 11, 23))
    assert "Delivered on 2026-11-23" in page


def test_html_tells_the_story_with_kpi_and_roi_visuals(demo_ws: Workspace) -> None:
    data = demo_ws.qbr_data("acc-000044", P, "en")
    page = render_html(data, {}, [], "en")
    assert page.count('<figure class="kpi">') == len(data.kpis) == 2
    for row in data.kpis:
        unit = f" ({row.unit})" if row.unit else ""
        expected = f"{row.kpi}{unit}: {qbr.number(row.baseline)} → {qbr.number(row.current)}"
        assert expected in page
    assert "Value, fee and net value per window (estimated)" in page
    # The health caption tells start → end, the same two numbers as the summary.
    assert data.health_start is not None
    assert data.health_end is not None
    scores = [v for _, v in data.health_series]
    assert (min(scores), max(scores)) != (data.health_start, data.health_end)  # min–max differs
    assert f": {data.health_start} → {data.health_end}</figcaption>" in page
    assert f"from {data.health_start} to {data.health_end}" in data.summary_draft
    assert "break-before: page" in page
    assert "@media print" in page
