"""Start-up imports only what the first frame needs: what a key opens is imported then."""

from __future__ import annotations

import subprocess
import sys

FIRST_FRAME = ("cstui.cli", "cstui.workspace", "cstui.app")
"""What ``cstui`` imports before the portfolio's first frame (the CLI's root group, the
workspace it opens, the app with its portfolio screen)."""

LATER = (
    # the other screens, and the panes only they show
    "cstui.screens.account",
    "cstui.screens.today",
    "cstui.screens.kpis",
    "cstui.screens.renewals",
    "cstui.screens.requests",
    "cstui.screens.qbrs_due",
    "cstui.screens.sync",
    "cstui.screens.views",
    "cstui.widgets.qbr",
    "cstui.widgets.success_plan",
    "cstui.widgets.checklist",
    "cstui.ui.forms",
    # rules the portfolio does not use
    "cstui.domain.qbr",
    "cstui.domain.roi",
    "cstui.domain.voc",
    "cstui.domain.success",
    "cstui.domain.templates",
    "cstui.workspace.today",
    # the CRM sync, the reports, the demo generator and what they pull in
    "cstui.sync",
    "cstui.report",
    "cstui.demo",
    "httpx",
    "pptx",
    "textual_plotext",
    "plotext",
    # the folder watch and the memory trim (both after the first frame)
    "ctypes",
)


def test_the_first_frame_imports_nothing_a_later_key_needs() -> None:
    code = (
        "import sys\n"
        f"for name in {FIRST_FRAME!r}:\n"
        "    __import__(name)\n"
        f"later = {LATER!r}\n"
        "print(' '.join(sorted(m for m in sys.modules if m.split('.')[0] in later\n"
        "                      or any(m == n or m.startswith(n + '.') for n in later))))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == []
    # The check itself sees modules: the portfolio's own are there.
    code_seen = code.replace(f"later = {LATER!r}", "later = ('cstui.screens.portfolio',)")
    seen = subprocess.run(
        [sys.executable, "-c", code_seen], capture_output=True, text=True, check=True
    )
    assert seen.stdout.split() == ["cstui.screens.portfolio"]
