"""The QBR tab and the QBRs-due list: edit the summary, mark a story, deliver (frozen after),
export, open a due review; Japanese at 80×24.

The account screen is given only the QBR tab (other panes are tested on their own), so the
digit 2 opens it. The demo account has KPIs, ROI inputs, usage and six activities in 2026Q3,
the default quarter on the frozen day (the last full one).
"""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Select, Static, TabbedContent, TextArea

import cstui.screens.account as account_screen
from cstui.app import CSApp, create_app
from cstui.domain.enums import ActivityKind, QBRStatus
from cstui.screens.account import AccountScreen
from cstui.screens.qbrs_due import QBRsDueScreen
from cstui.ui.confirm import ConfirmScreen
from cstui.ui.forms import FormScreen
from cstui.widgets.qbr import QBRPane, QBRSection, StoryLine
from cstui.workspace import Workspace

ACCOUNT = "acc-000044"
NAME = "Quartz Systems LLC"
PERIOD = "2026Q3"


@pytest.fixture(autouse=True)
def only_this_tab(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(account_screen, "tabs", lambda: [("qbr", "account.tab.qbr", QBRPane)])


async def _open(app: CSApp, pilot: Pilot[None], account_id: str = ACCOUNT) -> QBRPane:
    await app.push_screen(AccountScreen(account_id))
    await pilot.pause()
    await pilot.press("2")
    await pilot.pause()
    pane = app.screen.query_one(QBRPane)
    assert pane.display
    assert pane.period == PERIOD
    return pane


def _section(pane: QBRPane, section: str) -> str:
    box = pane.query_one(f"#qbr-{section.replace('_', '-')}", QBRSection)
    return "\n".join(str(s.content) for s in box.query(Static))


def _head(pane: QBRPane) -> str:
    return str(pane.query_one("#qbr-head", Static).content)


def _messages(app: CSApp) -> list[str]:
    return [n.message for n in app._notifications]


async def _form(pilot: Pilot[None], app: CSApp, key: str) -> FormScreen:
    await pilot.press(key)
    await pilot.pause()
    form = app.screen
    assert isinstance(form, FormScreen), key
    return form


@pytest.mark.slow
async def test_edit_summary_and_mark_story(demo_ws: Workspace) -> None:
    ws = demo_ws
    app = create_app(ws, poll=False, rescore=False)
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await _open(app, pilot)
        assert isinstance(app.focused, QBRSection)
        assert app.focused.section == "summary"
        draft = ws.qbr_data(ACCOUNT, PERIOD).summary_draft
        assert draft
        assert draft in _section(pane, "summary")
        assert "Faster first reply to customers" in _section(pane, "results")
        assert "Year to date" in _section(pane, "roi")

        # Escape discards what was typed.
        form = await _form(pilot, app, "e")
        form.query_one("#field-text", TextArea).text = "Thrown away"
        await pilot.press("escape")
        await pilot.pause()
        assert "summary" not in ws.qbr(ACCOUNT, PERIOD).sections

        form = await _form(pilot, app, "e")
        area = form.query_one("#field-text", TextArea)
        assert area.text == draft  # starts from the draft
        area.text = "A strong quarter: [bold]replies[/] twice as fast."
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, FormScreen)
        assert ws.qbr(ACCOUNT, PERIOD).sections["summary"].startswith("A strong quarter")
        shown = _section(pane, "summary")
        assert "[bold]replies[/]" in shown
        assert "edited" in shown

        # Results are numbers: not editable here.
        await pilot.press("down")
        assert isinstance(app.focused, QBRSection)
        assert app.focused.section == "results"
        await pilot.press("e")
        await pilot.pause()
        assert not isinstance(app.screen, FormScreen)

        # Mark the first story with space, then unmark it; the cursor stays on it.
        lines = pane.stories()
        assert len(lines) == 6
        first = lines[0].activity_id
        lines[0].focus()
        await pilot.press("space")
        await pilot.pause()
        assert first in ws.qbr(ACCOUNT, PERIOD).stories
        line = pane.query_one(StoryLine)
        assert "★" in str(line.content)
        assert line.has_focus
        await pilot.press("space")
        await pilot.pause()
        assert first not in ws.qbr(ACCOUNT, PERIOD).stories

        # Previous quarter and back; the future is refused.
        await pilot.press("left_square_bracket")
        await pilot.pause()
        assert pane.period == "2026Q2"
        assert "2026Q2" in _head(pane)
        await pilot.press("right_square_bracket", "right_square_bracket")
        await pilot.pause()
        assert pane.period == "2026Q4"
        await pilot.press("right_square_bracket")
        assert pane.period == "2026Q4"


@pytest.mark.slow
async def test_deliver_freezes_the_numbers_and_refuses_edits(demo_ws: Workspace) -> None:
    ws = demo_ws
    app = create_app(ws, poll=False, rescore=False)
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await _open(app, pilot)
        pane.stories()[1].focus()
        await pilot.press("space")
        await pilot.press("s")
        await pilot.pause()
        assert ws.qbr(ACCOUNT, PERIOD).status is QBRStatus.READY
        assert "Ready" in _head(pane)

        # Delivering asks first; "no" changes nothing.
        await pilot.press("s")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert "freezes the numbers" in str(app.screen.query_one("#confirm-message").render())
        await pilot.press("n")
        await pilot.pause()
        assert ws.qbr(ACCOUNT, PERIOD).status is QBRStatus.READY

        await pilot.press("s")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        record = ws.qbr(ACCOUNT, PERIOD)
        assert record.status is QBRStatus.DELIVERED
        assert record.frozen
        assert any(a.kind is ActivityKind.QBR for a in ws.activities(ACCOUNT))
        assert any("QBR 2026Q3" in task.title for task in ws.tasks(ACCOUNT))
        assert "Delivered on 2026-11-23" in _head(pane)
        assert "numbers frozen" in _head(pane)

        # Live data moves on; the delivered review keeps what the customer saw.
        ws.update_account(ACCOUNT, {"name": "Quartz Renamed"})
        await pilot.pause()
        assert NAME in _head(pane)
        assert "Quartz Renamed" not in _head(pane)

        # Edits and marks are refused with the workspace's message, without a crash.
        pane.query_one("#qbr-summary", QBRSection).focus()
        await pilot.press("e")
        await pilot.pause()
        assert not isinstance(app.screen, FormScreen)
        assert any("is frozen" in m for m in _messages(app))
        pane.stories()[0].focus()
        await pilot.press("space")
        await pilot.pause()
        assert ws.qbr(ACCOUNT, PERIOD).stories == record.stories
        await pilot.press("s")
        await pilot.pause()
        assert any("already" in m or "was delivered" in m for m in _messages(app))


@pytest.mark.slow
async def test_export_writes_a_private_file(demo_ws: Workspace, tmp_path: Path) -> None:
    ws = demo_ws
    app = create_app(ws, poll=False, rescore=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await _open(app, pilot)
        for fmt in ("md", "html"):
            form = await _form(pilot, app, "x")
            default = form.query_one("#field-path", Input).value
            assert default.endswith(f"cstui-qbr-quartz-systems-llc-{PERIOD}.md")
            form.query_one("#field-format", Select).value = fmt
            form.query_one("#field-path", Input).value = str(tmp_path / "review.md")
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert not isinstance(app.screen, FormScreen)
            out = tmp_path / f"review.{fmt}"
            assert stat.S_IMODE(out.stat().st_mode) == 0o600
            text = out.read_text("utf-8")
            assert NAME in text
            for title in _report_titles():
                assert title in text, title
            assert any(str(out) in m for m in _messages(app))

        # A folder gets the default file name.
        form = await _form(pilot, app, "x")
        form.query_one("#field-path", Input).value = str(tmp_path)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert (tmp_path / f"cstui-qbr-quartz-systems-llc-{PERIOD}.md").exists()

        # The form offers the slide deck too; the head then says where each export is.
        form = await _form(pilot, app, "x")
        from cstui.widgets.qbr.forms import export_fields

        fmt_field = export_fields(NAME, ACCOUNT, PERIOD)[0]
        assert [value for _, value in fmt_field.options or []] == ["md", "html", "pptx"]
        form.query_one("#field-format", Select).value = "pptx"
        form.query_one("#field-path", Input).value = str(tmp_path / "deck.md")
        await pilot.press("ctrl+s")
        await pilot.pause()
        deck = tmp_path / "deck.pptx"
        assert stat.S_IMODE(deck.stat().st_mode) == 0o600
        from pptx import Presentation

        assert Presentation(str(deck)).slides[0].shapes.title.text_frame.text == NAME
        (tmp_path / "review.html").unlink()
        pane = app.screen.query_one(QBRPane)
        pane.refresh_view()
        await pilot.pause()
        head = str(pane.query_one("#qbr-head", Static).render())
        assert "Exported" in head
        assert str(deck) in head
        assert "review.html" in head
        assert "(file gone)" in head


def _report_titles() -> list[str]:
    """The section titles as the report prints them (the core's catalogue)."""
    from cstui.domain.qbr import SECTIONS
    from cstui.i18n import t

    return [t(f"qbr.section.{s}") for s in SECTIONS]


@pytest.mark.slow
async def test_qbrs_due_lists_accounts_and_opens_the_qbr_tab(demo_ws: Workspace) -> None:
    ws = demo_ws
    due = ws.qbrs_due()
    assert due
    app = create_app(ws, poll=False, rescore=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("Q")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, QBRsDueScreen)
        assert [r.account_id for r in screen.rows] == [d[0] for d in due]
        assert "Evergreen Textiles LLC" in {r.name for r in screen.rows}
        index = next(i for i, r in enumerate(screen.rows) if r.account_id == "acc-000023")
        screen.table.move_cursor(index)
        await pilot.press("enter")
        await pilot.pause()
        await pilot.pause()
        account = app.screen
        assert isinstance(account, AccountScreen)
        assert account.account_id == "acc-000023"
        assert account.query_one("#account-tabs", TabbedContent).active == "tab-qbr"
        for _ in range(5):  # it stays there: the overview's focus once took the tabs back
            await pilot.pause()
        tabs = account.query_one("#account-tabs", TabbedContent)
        assert tabs.active == "tab-qbr"
        assert account.focused is not None
        assert tabs.get_pane("tab-qbr") in account.focused.ancestors
        pane = account.query_one(QBRPane)
        assert pane.period == due[0][1]
        assert "Evergreen Textiles LLC" in _head(pane)


@pytest.mark.slow
async def test_japanese_at_80x24(demo_ws: Workspace) -> None:
    app = create_app(demo_ws, lang="ja", poll=False, rescore=False)
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await _open(app, pilot)
        assert "下書き" in _head(pane)
        assert "ヘルススコア" in _section(pane, "summary")  # the draft is worded in Japanese
        await pilot.press("down", "down", "down", "down")
        await pilot.pause()
        assert isinstance(app.focused, QBRSection | StoryLine)
        await pilot.press("Q")
        await pilot.pause()
        assert isinstance(app.screen, QBRsDueScreen)
        assert "件のQBR" in str(app.screen.query_one("#qbrs-due-title", Static).content)


@pytest.mark.slow
async def test_a_new_customer_opens_on_the_running_quarter_and_early_delivery_asks(
    empty_ws: Workspace,
) -> None:
    ws = empty_ws
    acc = ws.create_account(
        {"name": "Izumo Textiles", "arr": 1_800_000, "contract_start": "2026-10-19",
         "tier": "high", "stage": "onboarding"}
    )  # fmt: skip
    app = create_app(ws, poll=False, rescore=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await app.push_screen(AccountScreen(acc.id))
        await pilot.pause()
        await pilot.press("2")
        await pilot.pause()
        pane = app.screen.query_one(QBRPane)
        assert pane.period == "2026Q4"  # no complete quarter yet: 2026Q3 predates the customer
        pane.restore_cursor()
        await pilot.press("s")
        await pilot.pause()
        assert ws.qbr(acc.id, "2026Q4").status is QBRStatus.READY
        await pilot.press("s")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        message = str(app.screen.query_one("#confirm-message").render())
        assert "not over yet" in message
        assert "2026-12-31" in message
        await pilot.press("y")
        await pilot.pause()
        assert ws.qbr(acc.id, "2026Q4").status is QBRStatus.DELIVERED
        # The CSM can still go back to a quarter before the customer (an empty review).
        await pilot.press("left_square_bracket")
        await pilot.pause()
        assert pane.period == "2026Q3"


def _cursor(app: CSApp) -> str:
    focused = app.focused
    if isinstance(focused, QBRSection):
        return focused.section
    assert isinstance(focused, StoryLine), focused
    return focused.activity_id


@pytest.mark.slow
async def test_j_and_k_move_like_down_and_up(demo_ws: Workspace) -> None:
    """j/k move everywhere (issue 18): through the sections and the quarter's stories."""
    app = create_app(demo_ws, poll=False, rescore=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await _open(app, pilot)
        assert _cursor(app) == "summary"
        by_arrows = []
        for _ in range(8):
            await pilot.press("down")
            by_arrows.append(_cursor(app))
        for _ in range(8):
            await pilot.press("up")
        assert _cursor(app) == "summary"
        by_j = []
        for _ in range(8):
            await pilot.press("j")
            by_j.append(_cursor(app))
        assert by_j == by_arrows
        assert len(set(by_j)) >= 4  # it really moved, through sections and stories
        await pilot.press("k", "k")
        assert _cursor(app) == by_j[-3]
        for _ in range(8):
            await pilot.press("k")
        assert _cursor(app) == "summary"


async def test_the_tab_digit_focuses_the_remembered_section_not_the_pane_first(
    demo_ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The digit puts focus straight on the review's cursor: focusing the pane first (which
    passes it on) restyled the whole review twice. Back on the tab, the cursor is where it
    was left."""
    from textual.screen import Screen

    focused: list[object] = []
    original = Screen.set_focus

    def recording(self: Screen[object], widget: object, *args: object, **kw: object) -> None:
        focused.append(widget)
        original(self, widget, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(Screen, "set_focus", recording)
    app = create_app(demo_ws, poll=False, rescore=False)
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await _open(app, pilot)
        assert isinstance(app.screen.focused, QBRSection)
        assert app.screen.focused.section == "summary"
        assert pane not in focused
        await pilot.press("down")
        await pilot.pause()
        second = app.screen.focused
        assert isinstance(second, QBRSection)
        assert second.section != "summary"
        await pilot.press("1")
        await pilot.pause()
        focused.clear()
        await pilot.press("2")
        await pilot.pause()
        assert app.screen.focused is second
        assert pane not in focused
