"""The HTML review in a real browser (Debian's headless Chromium): every section is visible,
no text overflows its box, every SVG label stays inside its viewBox, and printing starts each
section on a new page. Skipped, with the reason, where Chromium is not installed."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest

from cstui.domain import qbr
from cstui.report.qbr import render_html
from cstui.workspace import Workspace

pytestmark = pytest.mark.slow

BROWSER = shutil.which("chromium") or shutil.which("chromium-browser")
needs_browser = pytest.mark.skipif(
    BROWSER is None, reason="headless Chromium is not installed (apt-get install -y chromium)"
)

P = "2026Q3"

PROBE = """
<script>
(function () {
  const out = {sections: {}, overflow: [], svg: [], page: false};
  for (const id of %(ids)s) {
    const el = document.getElementById(id);
    if (!el) { out.sections[id] = null; continue; }
    const box = el.getBoundingClientRect();
    const css = getComputedStyle(el);
    out.sections[id] = {
      width: box.width, height: box.height, chars: el.innerText.trim().length,
      shown: css.display !== "none" && css.visibility !== "hidden" && +css.opacity > 0,
    };
  }
  for (const el of document.querySelectorAll("main *")) {
    if (el.closest("svg")) continue;
    if (el.clientWidth > 0 && el.scrollWidth > el.clientWidth + 1) {
      out.overflow.push(el.tagName + ": " + el.textContent.slice(0, 80));
    }
  }
  for (const svg of document.querySelectorAll("svg")) {
    const vb = svg.viewBox.baseVal;
    for (const t of svg.querySelectorAll("text")) {
      const b = t.getBBox();
      if (b.x < vb.x - 0.5 || b.y < vb.y - 0.5 || b.x + b.width > vb.x + vb.width + 0.5
          || b.y + b.height > vb.y + vb.height + 0.5) {
        out.svg.push(t.textContent + " @ " + [b.x, b.y, b.width, b.height].join(","));
      }
    }
  }
  out.page = document.documentElement.scrollWidth > window.innerWidth;
  const pre = document.createElement("pre");
  pre.id = "qa-result";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
</script>
"""


def _chromium(tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    assert BROWSER is not None
    profile = tmp / "profile"
    profile.mkdir(exist_ok=True)
    command = [
        BROWSER,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={profile}",
        *args,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


def _probe(page: str, tmp: Path, width: int) -> dict[str, object]:
    """Load ``page`` with the probe script appended and read back what it measured."""
    checked = page.replace("</body>", PROBE % {"ids": json.dumps(list(qbr.SECTIONS))} + "</body>")
    path = tmp / f"review-{width}.html"
    path.write_text(checked, "utf-8")
    done = _chromium(tmp, f"--window-size={width},900", "--dump-dom", path.as_uri())
    found = re.search(r'<pre id="qa-result">(.*?)</pre>', done.stdout, re.DOTALL)
    assert found, done.stderr[-2000:]
    result: dict[str, object] = json.loads(found.group(1).replace("&quot;", '"'))
    return result


def _long_review(ws: Workspace, account: str, lang: str) -> tuple[str, list[str]]:
    """Data at the lengths a real book allows: a long name, an unbroken token, many risks."""
    token = "https://intranet.example/very/long/path/" + "x" * 160
    ws.update_account(account, {"name": "Northwind Logistics Holdings International " * 3})
    activity = ws.log_activity(
        account, f"Rolled out to 14 branches, see {token}", day=date(2026, 8, 3)
    )
    ws.update_account(account, {"upsell_ideas": ["Regional expansion to " + "Kyushu " * 30]})
    data = ws.qbr_data(account, P, lang)
    return render_html(data, {"risks": token}, [activity.id], lang), [token]


@needs_browser
@pytest.mark.parametrize(("account", "lang"), [("acc-000044", "en"), ("acc-000007", "ja")])
@pytest.mark.parametrize("width", [1280, 700])
def test_every_section_visible_nothing_overflows(
    demo_ws: Workspace, tmp_path: Path, account: str, lang: str, width: int
) -> None:
    page, _ = _long_review(demo_ws, account, lang)
    result = _probe(page, tmp_path, width)
    sections = result["sections"]
    assert isinstance(sections, dict)
    for name in qbr.SECTIONS:
        shown = sections[name]
        assert shown is not None, name
        assert shown["shown"], name
        assert shown["width"] > 0, name
        assert shown["height"] > 0, name
        assert shown["chars"] > 0, name
    assert result["overflow"] == []
    assert result["svg"] == []
    assert result["page"] is False


@needs_browser
def test_printing_breaks_between_sections(demo_ws: Workspace, tmp_path: Path) -> None:
    data = demo_ws.qbr_data("acc-000044", P, "en")
    path = tmp_path / "review.html"
    path.write_text(render_html(data, {}, [], "en"), "utf-8")
    pdf = tmp_path / "review.pdf"
    _chromium(tmp_path, "--no-pdf-header-footer", f"--print-to-pdf={pdf}", path.as_uri())
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf.read_bytes()))
    assert pages >= len(qbr.SECTIONS)  # each section begins a page
