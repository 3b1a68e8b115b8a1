"""Render a QBR as Markdown (for editing) or one self-contained HTML file (for the customer).

The renderer only formats :class:`~cstui.domain.qbr.QBRData`; the workspace assembles it.
Everything that came from a person or a CRM (names, summaries, the CSM's section text) is
untrusted: HTML goes through ``html.escape`` and Markdown escapes every character that could
start structure or raw HTML, so an account named ``<script>…</script>`` stays text. The HTML
has no script, no external URL and no web font: it must open offline, from a mail
attachment, and print to PDF cleanly (charts are hand-built inline SVG; ``@media print``
drops the screen-only frame and keeps tables and charts from splitting across pages).
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from cstui import i18n
from cstui.domain import qbr as q
from cstui.domain.roi import percent

SPARKS = "▁▂▃▄▅▆▇█"


# --------------------------------------------------------------------------------------------
# Shared formatting (both formats show the same strings, so tests can look for them)
# --------------------------------------------------------------------------------------------


def label(lang: str, key: str, **params: Any) -> str:
    """A report label in ``lang`` without touching the app's global language."""
    text = i18n.catalogue(lang).get(key) or i18n.catalogue("en").get(key) or key
    return i18n.fill(text, params) if params else text


def money(amount: float, currency: str) -> str:
    """Whole units, rounded half-up as everywhere else (¥2.5 → ¥3, $0.50 → $1)."""
    whole = Decimal(str(amount)).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return i18n.money(int(whole), currency)


def pct(value: float | None) -> str:
    return "—" if value is None else f"{percent(value)} %"


def nps_text(score: float | None) -> str:
    return "—" if score is None else f"{score:+.0f}"


def humanized(day: date | None, today: date, lang: str) -> str:
    """ISO date plus the app's relative phrase ("2027-03-01 (in 32 days)")."""
    if day is None:
        return "—"
    return f"{day.isoformat()} ({i18n.humanize(day, today, lang=lang)})"


def named(lang: str, kind: str, value: str) -> str:
    """A tier's or stage's label ("High", "アダプション"); the stored value if it has none."""
    return i18n.render(i18n.Msg(f"{kind}.{value}"), lang, value)


def status_text(status: str | None, lang: str) -> str:
    return label(lang, f"qbr.status.{status or 'unknown'}")


def sparkline(values: Sequence[float]) -> str:
    """Unicode block sparkline; a flat series draws mid-height."""
    if not values:
        return ""
    low, high = min(values), max(values)
    if high == low:
        return SPARKS[3] * len(values)
    top = len(SPARKS) - 1
    return "".join(SPARKS[round((v - low) / (high - low) * top)] for v in values)


def _facts(data: q.QBRData, lang: str) -> list[tuple[str, str]]:
    acc = data.account
    return [
        (
            label(lang, "qbr.label.period"),
            f"{data.period} ({data.period_start} – {data.period_end})",
        ),
        (label(lang, "qbr.label.tier"), named(lang, "tier", acc.tier)),
        (label(lang, "qbr.label.stage"), named(lang, "stage", acc.stage)),
        (label(lang, "qbr.label.arr"), money(acc.arr, acc.currency)),
        (label(lang, "qbr.label.renewal"), humanized(acc.renewal_date, data.as_of, lang)),
        (label(lang, "qbr.label.owner"), acc.owner or "—"),
        (label(lang, "qbr.label.as_of"), data.as_of.isoformat()),
    ]


def _result_lines(data: q.QBRData, lang: str) -> list[str]:
    """Health, adoption, support and survey facts as sentences."""
    out: list[str] = []
    if data.health_end is None:
        out.append(label(lang, "qbr.label.no_health"))
    else:
        start = "—" if data.health_start is None else str(data.health_start)
        out.append(label(lang, "qbr.label.health_move", start=start, end=data.health_end))
    a = data.adoption
    if a.active_users is not None:
        out.append(label(lang, "qbr.label.seats_active", active=a.active_users, seats=a.seats))
    if a.features_used is not None:
        out.append(
            label(
                lang,
                "qbr.label.features",
                used=a.features_used,
                total=q.number(a.features_total),
            )
        )
    if data.support is not None:
        out.append(label(lang, "qbr.label.support", n=data.support))
    if data.nps:
        out.append(label(lang, "qbr.label.nps", score=nps_text(data.nps_score), n=len(data.nps)))
    if data.csat:
        if data.csat_is_mean:
            score = "—" if data.csat_score is None else f"{data.csat_score:.1f}"
            out.append(label(lang, "qbr.label.csat_mean", score=score, n=len(data.csat)))
        else:
            out.append(label(lang, "qbr.label.csat", score=pct(data.csat_score), n=len(data.csat)))
    if not data.nps and not data.csat:
        out.append(label(lang, "qbr.label.no_surveys"))
    return out


def _kpi_cells(row: q.KPIRow, lang: str) -> list[str]:
    unit = f" {row.unit}" if row.unit else ""
    return [
        row.objective,
        row.kpi,
        q.number(row.baseline) + unit,
        q.number(row.current) + (unit if row.current is not None else ""),
        q.number(row.target) + unit,
        pct(None if row.progress is None else row.progress * 100),
        status_text(row.status, lang),
    ]


def _kpi_head(lang: str) -> list[str]:
    keys = ("objective", "kpi", "baseline", "current", "target", "progress", "status")
    return [label(lang, f"qbr.label.{k}") for k in keys]


def roi_windows(data: q.QBRData, lang: str) -> list[tuple[str, q.ROIRow]]:
    """(name, estimated ROI) of this quarter and of the year to date, those with months."""
    return [
        (label(lang, f"qbr.label.roi_{window}", months=q.months_label(r.months)), r)
        for window, r in (("period", data.roi_period), ("ytd", data.roi_ytd))
        if r is not None
    ]


def _roi_table(data: q.QBRData, lang: str) -> tuple[list[str], list[list[str]]] | None:
    """Header and rows (value, fee, net, ROI, payback) per window, or None without inputs."""
    windows = roi_windows(data, lang)
    if not windows:
        return None
    head = [""] + [name for name, _ in windows]
    rows = [
        [label(lang, "qbr.label.value")] + [money(r.value, r.currency) for _, r in windows],
        [label(lang, "qbr.label.fee")] + [money(r.fee, r.currency) for _, r in windows],
        [label(lang, "qbr.label.net")] + [money(r.net, r.currency) for _, r in windows],
        [label(lang, "qbr.label.roi_pct")] + [pct(r.roi_pct) for _, r in windows],
        [label(lang, "qbr.label.payback")]
        + [
            "—"
            if r.payback_months is None
            else label(lang, "qbr.label.payback_months", n=f"{r.payback_months:.1f}")
            for _, r in windows
        ],
    ]
    return head, rows


def roi_measured_text(data: q.QBRData, lang: str) -> str:
    """The measured ROI (実績) as one sentence, or that there is none (the table is 試算;
    without ROI inputs there is no table to call an estimate)."""
    m = data.roi_measured
    if m is None:
        estimated = data.roi_period is not None or data.roi_ytd is not None
        return label(lang, "qbr.label.no_roi_measured" if estimated else "qbr.label.no_roi_at_all")
    return label(lang, "qbr.label.roi_measured_line", pct=pct(m.pct), kpi=m.kpi, day=m.day)


def list_sections(data: q.QBRData, stories: Sequence[str]) -> list[tuple[str, list[str], str]]:
    """(section, lines, what to say when empty) of the sections that are lists: the stories
    the CSM picked (dated), the risks and the next steps."""
    chosen = set(stories)
    picked = [f"{s.date.isoformat()}: {s.summary}" for s in data.stories if s.activity_id in chosen]
    return [
        ("stories", picked, "qbr.label.no_stories"),
        ("risks", data.risks, "qbr.label.no_risks"),
        ("next_steps", data.next_steps, "qbr.label.no_next_steps"),
    ]


def _notes(sections: Mapping[str, str], name: str) -> str:
    return (sections.get(name) or "").strip()


# --------------------------------------------------------------------------------------------
# Markdown
# --------------------------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+!|~&$])")
_MD_LINE_START = re.compile(r"^(\s*)(?:([-=+])|(\d+)([.)]))", re.MULTILINE)


def md(text: str, *, cell: bool = False) -> str:
    """Escape untrusted text for Markdown.

    Structure characters get a backslash (CommonMark reads ``\\`` before any ASCII
    punctuation as a literal), so no emphasis, link, table pipe or raw HTML can appear.
    Outside table cells and headings (``cell=False``) a line may also start a list or a
    setext heading: ``-``/``+``/``=`` get a backslash, ``1.`` becomes ``1\\.``. In cells
    newlines become spaces, as a cell is one line.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if cell:
        text = " ".join(text.split("\n"))
    text = _MD_SPECIAL.sub(r"\\\1", text)
    if cell:
        return text
    return _MD_LINE_START.sub(_line_start, text)


def _line_start(m: re.Match[str]) -> str:
    if m.group(2):
        return f"{m.group(1)}\\{m.group(2)}"
    return f"{m.group(1)}{m.group(3)}\\{m.group(4)}"


def _md_table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    out = ["| " + " | ".join(md(h, cell=True) for h in head) + " |"]
    out.append("|" + "|".join("---" for _ in head) + "|")
    out.extend("| " + " | ".join(md(c, cell=True) for c in row) + " |" for row in rows)
    return out


def render_markdown(
    data: q.QBRData, sections: Mapping[str, str], stories: Sequence[str], lang: str
) -> str:
    """The review as Markdown, sections 1–7, with Unicode sparklines for the charts."""
    data = q.customer_view(data)
    out: list[str] = [
        f"# {md(label(lang, 'qbr.title'), cell=True)}: {md(data.account.name, cell=True)}"
        f" — {data.period}",
        "",
    ]
    out += [f"- **{md(k, cell=True)}**: {md(v, cell=True)}" for k, v in _facts(data, lang)]
    out.append("")

    out += [f"## {md(label(lang, 'qbr.section.summary'), cell=True)}", ""]
    out += [md(_notes(sections, "summary") or data.summary_draft), ""]

    out += [f"## {md(label(lang, 'qbr.section.results'), cell=True)}", ""]
    out += [f"- {md(line)}" for line in _result_lines(data, lang)]
    out.append("")
    if data.health_series:
        scores = [s for _, s in data.health_series]
        out += [
            f"**{md(label(lang, 'qbr.label.health_trend'))}**: `{sparkline(scores)}` "
            f"({data.health_series[0][0]} {scores[0]} → {data.health_series[-1][0]} {scores[-1]})",
            "",
        ]
    if data.usage_series:
        users = [u for _, u, _ in data.usage_series]
        logins = [n for _, _, n in data.usage_series]
        out += [
            f"**{md(label(lang, 'qbr.label.active_users'))}**: `{sparkline(users)}` "
            f"({users[0]} → {users[-1]})  ",
            f"**{md(label(lang, 'qbr.label.logins'))}**: `{sparkline(logins)}` "
            f"({logins[0]} → {logins[-1]})",
            "",
        ]
    else:
        out += [md(label(lang, "qbr.label.no_usage")), ""]
    out += [f"### {md(label(lang, 'qbr.label.kpis'), cell=True)}", ""]
    if data.kpis:
        out += _md_table(_kpi_head(lang), [_kpi_cells(k, lang) for k in data.kpis])
    else:
        out.append(md(label(lang, "qbr.label.no_kpis")))
    out.append("")
    out += _md_notes(sections, "results", lang)

    out += [f"## {md(label(lang, 'qbr.section.roi'), cell=True)}", ""]
    table = _roi_table(data, lang)
    if table is None:
        out += [md(label(lang, "qbr.label.no_roi")), ""]
    else:
        out += _md_table(*table)
        out += ["", f"*{md(label(lang, 'qbr.label.roi_note'))}*", ""]
    out += [md(roi_measured_text(data, lang)), ""]
    out += _md_notes(sections, "roi", lang)

    for name, lines, empty in list_sections(data, stories):
        out += [f"## {md(label(lang, f'qbr.section.{name}'), cell=True)}", ""]
        out += [f"- {md(line, cell=True)}" for line in lines] or [md(label(lang, empty))]
        out.append("")
        out += _md_notes(sections, name, lang)

    out += [f"## {md(label(lang, 'qbr.section.changes'), cell=True)}", ""]
    if data.previous_period is None:
        out += [md(label(lang, "qbr.label.first")), ""]
    else:
        out += [md(label(lang, "qbr.label.since", period=data.previous_period)), ""]
        out += [f"- {md(line, cell=True)}" for line in data.changes]
        out.append("")
    out += _md_notes(sections, "changes", lang)
    return "\n".join(out).rstrip() + "\n"


def _md_notes(sections: Mapping[str, str], name: str, lang: str) -> list[str]:
    text = _notes(sections, name)
    if not text:
        return []
    return [f"**{md(label(lang, 'qbr.label.notes'))}**", "", md(text), ""]


# --------------------------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------------------------

_CSS = """
:root { --ink: #1f2933; --muted: #616e7c; --line: #d9e2ec; --accent: #2f6fde;
  --good: #2f9e44; --warn: #e8590c; --bad: #c92a2a; }
* { box-sizing: border-box; }
body { margin: 0; background: #f5f7fa; color: var(--ink); overflow-wrap: anywhere;
  font: 15px/1.55 system-ui, -apple-system, "Segoe UI", "Hiragino Sans", "Noto Sans JP",
  "Noto Sans CJK JP", "Yu Gothic", sans-serif; }
main { max-width: 960px; margin: 24px auto; padding: 32px 40px; background: #fff;
  border: 1px solid var(--line); border-radius: 8px; }
header h1 { margin: 0 0 4px; font-size: 26px; }
header .sub { color: var(--muted); margin: 0 0 16px; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; }
section { margin-top: 28px; border-top: 1px solid var(--line); padding-top: 12px; }
h2 { font-size: 20px; margin: 8px 0 12px; color: var(--accent); }
h3 { font-size: 16px; margin: 16px 0 8px; }
p.summary { font-size: 16px; }
table { border-collapse: collapse; width: 100%; margin: 8px 0; font-size: 14px; }
th, td { border: 1px solid var(--line); padding: 6px 8px; text-align: left; vertical-align: top; }
th { background: #f0f4f8; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.status-achieved, .status-on_track { color: var(--good); font-weight: 600; }
.status-at_risk { color: var(--warn); font-weight: 600; }
.status-missed { color: var(--bad); font-weight: 600; }
.charts { display: flex; flex-wrap: wrap; gap: 16px; }
figure { margin: 0; flex: 1 1 400px; min-width: 0; }
figcaption { color: var(--muted); font-size: 13px; }
figcaption strong { color: var(--ink); }
.kpis { display: grid; grid-template-columns: repeat(auto-fill, minmax(300px, 1fr)); gap: 16px;
  margin: 8px 0 16px; }
.kpis figure { border: 1px solid var(--line); border-radius: 6px; padding: 8px 10px; }
.legend { display: flex; flex-wrap: wrap; gap: 4px 16px; font-size: 13px; color: var(--muted);
  margin: 4px 0 0; padding: 0; list-style: none; }
.legend li::before { content: ""; display: inline-block; width: 10px; height: 10px;
  margin-right: 6px; background: var(--swatch); }
.measured { font-weight: 600; }
svg { width: 100%; max-width: 560px; height: auto; display: block; }
.note { color: var(--muted); font-size: 13px; }
.notes { background: #fff9db; border-left: 4px solid #fab005; padding: 8px 12px;
  white-space: pre-wrap; }
.frozen { background: #e7f5ff; border-left: 4px solid var(--accent); padding: 8px 12px; }
ul { padding-left: 22px; }
@media print {
  @page { size: A4; margin: 14mm; }
  body { background: #fff; font-size: 11pt; }
  main { margin: 0; padding: 0; border: 0; max-width: none; }
  section + section { break-before: page; page-break-before: always; border-top: 0; }
  figure, table, tr, li { break-inside: avoid; page-break-inside: avoid; }
  h2, h3 { break-after: avoid; page-break-after: avoid; }
  .charts { display: block; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""


def e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _points(
    values: Sequence[float], x0: float, x1: float, y0: float, y1: float, low: float, high: float
) -> list[tuple[float, float]]:
    """Map values evenly on x0…x1 and low…high onto y0 (bottom)…y1 (top)."""
    n = len(values)
    span = high - low or 1.0
    step = (x1 - x0) / (n - 1) if n > 1 else 0.0
    return [
        (x0 + i * step if n > 1 else (x0 + x1) / 2, y0 - (v - low) / span * (y0 - y1))
        for i, v in enumerate(values)
    ]


def health_svg(series: Sequence[tuple[date, int]], caption: str) -> str:
    """Health score 0–100 as a polyline with the band thresholds as faint guides."""
    w, h, left, right, top, bottom = 440, 200, 34, 430, 12, 176
    pts = _points([s for _, s in series], left, right, bottom, top, 0, 100)
    grid = "".join(
        f'<line x1="{left}" y1="{y:.1f}" x2="{right}" y2="{y:.1f}" stroke="#d9e2ec"/>'
        f'<text x="{left - 6}" y="{y + 4:.1f}" font-size="11" text-anchor="end" '
        f'fill="#616e7c">{v}</text>'
        for v in (0, 25, 50, 75, 100)
        for y in (bottom - v / 100 * (bottom - top),)
    )
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
    dots = "".join(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="#2f6fde"/>' for x, y in pts)
    ends = ""
    if series:
        ends = (
            f'<text x="{left}" y="{h - 6}" font-size="11" fill="#616e7c">'
            f"{e(series[0][0].isoformat())}</text>"
            f'<text x="{right}" y="{h - 6}" font-size="11" text-anchor="end" fill="#616e7c">'
            f"{e(series[-1][0].isoformat())}</text>"
        )
    return (
        f'<svg viewBox="0 0 {w} {h}" role="img" '
        f'aria-label="{e(caption)}"><title>{e(caption)}</title>{grid}'
        f'<polyline points="{line}" fill="none" stroke="#2f6fde" stroke-width="2.5"/>'
        f"{dots}{ends}</svg>"
    )


def usage_svg(series: Sequence[tuple[date, int, int]], caption: str) -> str:
    """Active users as bars, logins as a line on its own scale (they differ by ~10×)."""
    w, h, left, right, top, bottom = 440, 200, 50, 390, 12, 176
    users = [u for _, u, _ in series]
    logins = [n for _, _, n in series]
    top_users = max(users) or 1
    top_logins = max(logins) or 1
    n = len(series)
    slot = (right - left) / n
    bar = max(2.0, slot * 0.6)
    bars = "".join(
        f'<rect x="{left + i * slot + (slot - bar) / 2:.1f}" '
        f'y="{bottom - u / top_users * (bottom - top):.1f}" width="{bar:.1f}" '
        f'height="{u / top_users * (bottom - top):.1f}" fill="#a5d8ff"/>'
        for i, u in enumerate(users)
    )
    pts = [
        (left + i * slot + slot / 2, bottom - v / top_logins * (bottom - top))
        for i, v in enumerate(logins)
    ]
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
    axis = (
        f'<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="#9aa5b1"/>'
        f'<text x="{left - 6}" y="{top + 8}" font-size="11" text-anchor="end" '
        f'fill="#1c7ed6">{i18n.grouped(top_users)}</text>'
        f'<text x="{w - 2}" y="{top + 8}" font-size="11" text-anchor="end" '
        f'fill="#e8590c">{i18n.grouped(top_logins)}</text>'
        f'<text x="{left}" y="{h - 6}" font-size="11" fill="#616e7c">'
        f"{e(series[0][0].isoformat())}</text>"
        f'<text x="{right}" y="{h - 6}" font-size="11" text-anchor="end" fill="#616e7c">'
        f"{e(series[-1][0].isoformat())}</text>"
    )
    return (
        f'<svg viewBox="0 0 {w} {h}" role="img" '
        f'aria-label="{e(caption)}"><title>{e(caption)}</title>{bars}{axis}'
        f'<polyline points="{line}" fill="none" stroke="#e8590c" stroke-width="2"/></svg>'
    )


def _hbars(
    rows: Sequence[tuple[str, float | None, str, str]],
    caption: str,
    *,
    label_w: int = 96,
    value_w: int = 110,
    bar_h: int = 16,
    gap: int = 8,
) -> str:
    """Horizontal bars (label, value, value text, colour) on one scale that includes zero.

    Labels sit in a left column and value texts right-aligned in a right column, so no text
    ever leaves the viewBox whatever the signs or lengths of the numbers.
    """
    w = 440
    x0, x1 = label_w, w - value_w
    h = len(rows) * (bar_h + gap) + gap
    values = [v for _, v, _, _ in rows if v is not None]
    low, high = min([0.0, *values]), max([0.0, *values])
    span = high - low or 1.0

    def x(v: float) -> float:
        return x0 + (v - low) / span * (x1 - x0)

    parts = [f'<line x1="{x(0):.1f}" y1="2" x2="{x(0):.1f}" y2="{h - 2}" stroke="#9aa5b1"/>']
    for i, (name, value, text, colour) in enumerate(rows):
        y = gap + i * (bar_h + gap)
        mid = y + bar_h / 2 + 4
        parts.append(
            f'<text x="{x0 - 8}" y="{mid:.1f}" font-size="12" text-anchor="end" '
            f'fill="#1f2933">{e(name)}</text>'
        )
        if value is not None:
            a, b = sorted((x(0), x(value)))
            parts.append(
                f'<rect x="{a:.1f}" y="{y}" width="{max(b - a, 1.0):.1f}" height="{bar_h}" '
                f'fill="{colour}" rx="2"/>'
            )
        parts.append(
            f'<text x="{w - 2}" y="{mid:.1f}" font-size="12" text-anchor="end" '
            f'fill="#1f2933">{e(text)}</text>'
        )
    return (
        f'<svg viewBox="0 0 {w} {h}" role="img" aria-label="{e(caption)}">'
        f"<title>{e(caption)}</title>{''.join(parts)}</svg>"
    )


_STATUS_COLOUR = {
    "achieved": "#2f9e44",
    "on_track": "#2f9e44",
    "at_risk": "#e8590c",
    "missed": "#c92a2a",
}


def kpi_caption(row: q.KPIRow, lang: str) -> str:
    """``KPI (unit): baseline → now, target T · status (progress)``, as the deck's titles."""
    unit = f" ({row.unit})" if row.unit else ""
    progress = "" if row.progress is None else f" ({percent(row.progress * 100)} %)"
    return label(
        lang,
        "qbr.label.kpi_caption",
        kpi=f"{row.kpi}{unit}",
        baseline=q.number(row.baseline),
        current=q.number(row.current),
        target=q.number(row.target),
        status=status_text(row.status, lang) + progress,
    )


def kpi_svg(row: q.KPIRow, lang: str) -> str:
    """One objective's KPI: baseline, now and target as bars on one scale."""
    now = _STATUS_COLOUR.get(row.status or "", "#2f6fde")
    rows = [
        (label(lang, "qbr.label.baseline"), row.baseline, q.number(row.baseline), "#adb5bd"),
        (label(lang, "qbr.label.current"), row.current, q.number(row.current), now),
        (label(lang, "qbr.label.target"), row.target, q.number(row.target), "#2f6fde"),
    ]
    return _hbars(rows, kpi_caption(row, lang), value_w=80)


ROI_COLOURS = ("#74c0fc", "#1c7ed6")
"""The ROI windows' colours: this quarter, year to date."""


def roi_svg(windows: Sequence[tuple[str, q.ROIRow]], lang: str) -> str:
    """Value, fee and net of each window (estimated), grouped by measure."""
    rows: list[tuple[str, float | None, str, str]] = []
    for key in ("value", "fee", "net"):
        for i, (_, r) in enumerate(windows):
            amount = float(getattr(r, key))
            name = label(lang, f"qbr.label.{key}") if i == 0 else ""
            rows.append((name, amount, money(amount, r.currency), ROI_COLOURS[i]))
    return _hbars(rows, label(lang, "qbr.label.roi_chart"), label_w=110, value_w=120)


def roi_pct_svg(data: q.QBRData, lang: str) -> str | None:
    """Estimated against measured ROI %, side by side but never blended; None without both."""
    est = None if data.roi_ytd is None else data.roi_ytd.roi_pct
    m = data.roi_measured
    if est is None or m is None:
        return None
    rows: list[tuple[str, float | None, str, str]] = [
        (label(lang, "qbr.label.roi_estimated"), est, pct(est), "#1c7ed6"),
        (label(lang, "qbr.label.roi_measured"), m.pct, pct(m.pct), "#2f9e44"),
    ]
    return _hbars(rows, label(lang, "qbr.label.roi_vs"), label_w=130, value_w=70)


def _legend(items: Sequence[tuple[str, str]]) -> str:
    return (
        '<ul class="legend">'
        + "".join(f'<li style="--swatch: {c}">{e(name)}</li>' for name, c in items)
        + "</ul>"
    )


def health_caption(data: q.QBRData, lang: str) -> str:
    """Start → end of the plotted series: the numbers the summary tells."""
    (first, start), (last, end) = data.health_series[0], data.health_series[-1]
    return label(lang, "qbr.label.chart_health", first=first, last=last, start=start, end=end)


def usage_caption(data: q.QBRData, lang: str) -> str:
    first, u0, n0 = data.usage_series[0]
    last, u1, n1 = data.usage_series[-1]
    return label(
        lang,
        "qbr.label.chart_usage",
        first=first,
        last=last,
        users=f"{i18n.grouped(u0)} → {i18n.grouped(u1)}",
        logins=f"{i18n.grouped(n0)} → {i18n.grouped(n1)}",
    )


def _html_table(
    head: Sequence[str],
    rows: Sequence[Sequence[str]],
    classes: Sequence[Sequence[str]] | None = None,
) -> str:
    th = "".join(f"<th>{e(h)}</th>" for h in head)
    body = []
    for r, row in enumerate(rows):
        cells = []
        for c, cell in enumerate(row):
            cls = classes[r][c] if classes else ""
            attr = f' class="{e(cls)}"' if cls else ""
            cells.append(f"<td{attr}>{e(cell)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{th}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _html_list(lines: Sequence[str], empty: str) -> str:
    if not lines:
        return f"<p>{e(empty)}</p>"
    return "<ul>" + "".join(f"<li>{e(line)}</li>" for line in lines) + "</ul>"


def _html_notes(sections: Mapping[str, str], name: str, lang: str) -> str:
    text = _notes(sections, name)
    if not text:
        return ""
    return (
        f'<div class="notes"><strong>{e(label(lang, "qbr.label.notes"))}</strong>\n{e(text)}</div>'
    )


def render_html(
    data: q.QBRData,
    sections: Mapping[str, str],
    stories: Sequence[str],
    lang: str,
    *,
    delivered_on: date | None = None,
) -> str:
    """One self-contained HTML document (inline CSS and SVG; no script, no URL)."""
    data = q.customer_view(data)

    def word(key: str, **kw: Any) -> str:
        return label(lang, key, **kw)

    def section(name: str, body: str) -> str:
        """The section with its title, ``body`` and the CSM's notes for it."""
        title = f"<h2>{e(word(f'qbr.section.{name}'))}</h2>"
        return f'<section id="{name}">{title}{body}{_html_notes(sections, name, lang)}</section>'

    facts = "".join(f"<dt>{e(k)}</dt><dd>{e(v)}</dd>" for k, v in _facts(data, lang))
    out: list[str] = [
        "<!DOCTYPE html>",
        f'<html lang="{e(lang)}">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{e(word('qbr.title'))} — {e(data.account.name)} — {e(data.period)}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        "<main>",
        "<header>",
        f"<h1>{e(data.account.name)}</h1>",
        f'<p class="sub">{e(word("qbr.title"))} · {e(data.period)}</p>',
        f'<dl class="facts">{facts}</dl>',
    ]
    if delivered_on is not None:
        out.append(f'<p class="frozen">{e(word("qbr.label.delivered", day=delivered_on))}</p>')
    out.append("</header>")

    summary = _notes(sections, "summary") or data.summary_draft
    out.append(
        f'<section id="summary"><h2>{e(word("qbr.section.summary"))}</h2>'
        f'<p class="summary">{e(summary)}</p></section>'
    )

    charts: list[str] = []
    if data.health_series:
        cap = health_caption(data, lang)
        charts.append(
            f"<figure>{health_svg(data.health_series, cap)}"
            f"<figcaption>{e(cap)}</figcaption></figure>"
        )
    if data.usage_series:
        cap = usage_caption(data, lang)
        charts.append(
            f"<figure>{usage_svg(data.usage_series, cap)}<figcaption>{e(cap)}</figcaption></figure>"
        )
    results = [_html_list(_result_lines(data, lang), "")]
    if charts:
        results.append(f'<div class="charts">{"".join(charts)}</div>')
    if not data.usage_series:
        results.append(f'<p class="note">{e(word("qbr.label.no_usage"))}</p>')
    results.append(f"<h3>{e(word('qbr.label.kpis'))}</h3>")
    if data.kpis:
        figures = "".join(
            f'<figure class="kpi">{kpi_svg(k, lang)}<figcaption><strong>{e(k.objective)}'
            f"</strong><br>{e(kpi_caption(k, lang))}</figcaption></figure>"
            for k in data.kpis
        )
        results.append(f'<div class="kpis">{figures}</div>')
        rows = [_kpi_cells(k, lang) for k in data.kpis]
        classes = [
            ["", "", "num", "num", "num", "num", f"status-{k.status or 'unknown'}"]
            for k in data.kpis
        ]
        results.append(_html_table(_kpi_head(lang), rows, classes))
    else:
        results.append(f"<p>{e(word('qbr.label.no_kpis'))}</p>")
    out.append(section("results", "".join(results)))

    table = _roi_table(data, lang)
    if table is None:
        roi_body = f"<p>{e(word('qbr.label.no_roi'))}</p>"
    else:
        head, rows = table
        classes = [[""] + ["num"] * (len(head) - 1) for _ in rows]
        windows = roi_windows(data, lang)
        figures = (
            f"<figure>{roi_svg(windows, lang)}"
            f"{_legend([(n, ROI_COLOURS[i]) for i, (n, _) in enumerate(windows)])}"
            f"<figcaption>{e(word('qbr.label.roi_chart'))}</figcaption></figure>"
        )
        versus = roi_pct_svg(data, lang)
        if versus is not None:
            figures += (
                f"<figure>{versus}<figcaption>{e(word('qbr.label.roi_vs'))}</figcaption></figure>"
            )
        roi_body = (
            f'<div class="charts">{figures}</div>'
            + _html_table(head, rows, classes)
            + f'<p class="note">{e(word("qbr.label.roi_note"))}</p>'
        )
    roi_body += f'<p class="measured">{e(roi_measured_text(data, lang))}</p>'
    out.append(section("roi", roi_body))

    for name, lines, empty in list_sections(data, stories):
        out.append(section(name, _html_list(lines, word(empty))))
    if data.previous_period is None:
        changes = f"<p>{e(word('qbr.label.first'))}</p>"
    else:
        changes = f"<p>{e(word('qbr.label.since', period=data.previous_period))}</p>" + _html_list(
            data.changes, ""
        )
    out.append(section("changes", changes))
    out += ["</main>", "</body>", "</html>", ""]
    return "\n".join(out)
