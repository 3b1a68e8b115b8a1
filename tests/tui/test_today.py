"""The Today screen with the Pilot: walk the lines, open an account, snooze, complete."""

from __future__ import annotations

from datetime import date

import pytest
from rich.cells import cell_len
from textual.pilot import Pilot
from textual.widgets import Input, Static

from cstui.app import CSApp, create_app
from cstui.domain.alerts import Alert
from cstui.sanitize import clean
from cstui.screens.today import (
    NAME_LEAST,
    TEXT_LEAST,
    TodayList,
    TodayScreen,
    Widths,
    column_widths,
    item_prompt,
)
from cstui.ui.names import short_company
from cstui.workspace import Workspace
from cstui.workspace.today import TodayItem, section_title


async def open_today(app: CSApp, pilot: Pilot[None]) -> TodayScreen:
    await pilot.pause()
    screen = TodayScreen()
    await app.push_screen(screen)
    await pilot.pause()
    return screen


async def go_to(pilot: Pilot[None], screen: TodayScreen, section: str) -> None:
    """Jump section by section (``]``) to the first line of ``section``."""
    for _ in range(4):
        current = screen.current
        if current is not None and current.section == section:
            return
        await pilot.press("right_square_bracket")
    raise AssertionError(f"no {section} line")


def text_of(screen: TodayScreen) -> str:
    lines = screen.query_one(TodayList)
    return "\n".join(str(o.prompt) for o in lines.options)


async def test_walk_the_sections_and_open_an_account(demo_ws: Workspace) -> None:
    demo_ws.refresh_health()
    app = create_app(demo_ws, poll=False)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_today(app, pilot)
        digest = screen.digest
        assert digest is not None
        assert digest.tasks
        assert digest.alerts
        assert digest.renewals
        shown = text_of(screen)
        for section, items in digest.sections():
            assert section_title(section, items) in shown, section
        # The cursor starts on the first task and walks across headings into the next section.
        assert screen.current == digest.tasks[0]
        await pilot.press("down")
        assert screen.current == digest.tasks[1]
        await go_to(pilot, screen, "alerts")
        assert screen.current == digest.alerts[0]
        await pilot.press("up")
        if len(digest.tasks) > screen._cap:  # a long section ends in its "… and N more" line
            assert screen.query_one(TodayList).highlighted_option.id == "m:tasks"  # type: ignore[union-attr]
        else:
            assert screen.current == digest.tasks[-1]
        await pilot.press("down", "down")
        assert screen.current == digest.alerts[1]
        await pilot.press("left_square_bracket")  # back to the start of this section...
        assert screen.current == digest.alerts[0]
        await pilot.press("left_square_bracket")  # ...then to the one before
        assert screen.current == digest.tasks[0]
        await go_to(pilot, screen, "renewals")
        target = digest.renewals[0].account_id
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen.__class__.__name__ == "AccountScreen"
        assert app.screen.account_id == target  # type: ignore[attr-defined]


async def test_x_completes_tasks_and_z_snoozes_alerts_with_a_reason(demo_ws: Workspace) -> None:
    """One session (app start-up is the slow part): each key acts only on its own lines."""
    demo_ws.refresh_health()
    app = create_app(demo_ws, poll=False)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_today(app, pilot)
        assert screen.digest is not None
        first, second = screen.digest.tasks[:2]
        await pilot.press("z")  # on a task: nothing opens
        assert app.screen is screen
        await pilot.press("x")
        await pilot.pause()
        task = next(t for t in demo_ws.tasks(include_done=True) if t.id == first.ref)
        assert task.done
        assert task.done_on is not None
        assert first.id not in screen._items
        assert screen.current == second  # the cursor stays where the work is

        await go_to(pilot, screen, "alerts")
        item = screen.current
        assert item is not None
        await pilot.press("x")  # on an alert: nothing happens
        await pilot.press("z", "B", "escape")  # Escape cancels: nothing saved
        await pilot.pause()
        assert app.screen is screen
        assert item in screen.digest.alerts

        await pilot.press("z")
        await pilot.pause()
        form = app.screen
        assert form.__class__.__name__ == "FormScreen"
        assert form.query_one("#field-until", Input).value == "2026-11-30"  # a week by default
        await pilot.press("ctrl+s")  # no reason
        await pilot.pause()
        assert app.screen is form
        assert form.query_one("#error-reason", Static).display
        stored = demo_ws.store.get(Alert.table, item.ref)
        assert stored is not None
        assert not stored.get("snooze_reason")

        form.query_one("#field-reason", Input).value = "Budget call on Friday"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is screen
        stored = demo_ws.store.get(Alert.table, item.ref)
        assert stored is not None
        assert stored["snooze_reason"] == "Budget call on Friday"
        assert stored["snoozed_by"] == "me"
        assert stored["snoozed_until"] == "2026-11-30"
        assert item not in screen.digest.alerts
        assert item.id not in screen._items
        # The cursor moved on to the next alert rather than jumping to the top.
        assert screen.current is not None
        assert screen.current.section == "alerts"


async def test_everyone_toggle_and_japanese_at_80x24(demo_ws: Workspace) -> None:
    app = create_app(demo_ws, lang="ja", poll=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_today(app, pilot)
        assert screen.digest is not None
        mine = len(screen.digest.tasks)
        shown = text_of(screen)
        assert f"タスク ({mine})" in shown
        assert "アラート" in shown
        assert "契約更新" in shown
        assert "自分の担当顧客" in str(screen.query_one("#today-scope", Static).render())
        await pilot.press("a")
        assert screen.digest.everyone
        assert len(screen.digest.tasks) > mine
        assert "@" in text_of(screen)  # owners shown when the list is everyone's
        lines = screen.query_one(TodayList)
        assert lines.size.width <= 80
        assert lines.size.height >= 10


async def test_long_sections_are_capped_so_every_section_is_on_screen(demo_ws: Workspace) -> None:
    """26 alerts never push the renewals out of sight; Enter on "… and N more" opens all."""
    demo_ws.refresh_health()
    app = create_app(demo_ws, poll=False)
    async with app.run_test(size=(160, 45)) as pilot:
        screen = await open_today(app, pilot)
        await pilot.press("a")  # everyone's: the longest lists
        digest = screen.digest
        assert digest is not None
        assert len(digest.alerts) > screen._cap
        lines = screen.query_one(TodayList)
        assert len(lines.options) <= lines.size.height  # no scrolling to reach a section
        headings = [o.id for o in lines.options if (o.id or "").startswith("h:")]
        assert headings == ["h:tasks", "h:alerts", "h:renewals", "h:touch"]
        shown = [o.id for o in lines.options if o.id in screen._items]
        assert [i.id for i in digest.alerts[: screen._cap]] == [
            i for i in shown if i.startswith("alerts:")
        ]
        more = lines.get_option_index("m:alerts")
        hidden = len(digest.alerts) - screen._cap
        assert f"{hidden} more" in str(lines.get_option_at_index(more).prompt)

        lines.highlighted = more
        await pilot.press("enter")
        await pilot.pause()
        assert screen.current == digest.alerts[screen._cap]  # the first line that was hidden
        alert_ids = [o.id for o in lines.options if (o.id or "").startswith("alerts:")]
        assert alert_ids == [i.id for i in digest.alerts]
        assert "m:alerts" not in [o.id for o in lines.options]
        assert screen.query_one(TodayList).get_option_index("m:tasks") >= 0  # others stay capped


def test_a_long_legal_form_is_abbreviated_rather_than_cutting_the_name() -> None:
    item = TodayItem(
        section="tasks",
        kind="overdue",
        ref="t-1",
        account_id="a-1",
        account_name="株式会社みなと精密工業",
        date=date(2026, 4, 2),
        when="3d overdue",
        text="Send the renewal quote",
    )
    line = item_prompt(item, Widths(name=20), show_owner=False).plain
    assert "㈱みなと精密工業" in line
    assert "…" not in line
    short = item_prompt(item, Widths(name=24), show_owner=False).plain
    assert "株式会社みなと精密工業" in short  # fits: shown as written


@pytest.mark.parametrize(
    ("lang", "size"), [("en", (80, 24)), ("ja", (80, 24)), ("en", (160, 45)), ("ja", (160, 45))]
)
async def test_names_get_the_room_the_other_columns_leave(
    demo_ws: Workspace, lang: str, size: tuple[int, int]
) -> None:
    """At 80 columns names were cut at 20 cells while the "when" column held blanks."""
    demo_ws.refresh_health()
    app = create_app(demo_ws, lang=lang, poll=False, rescore=False)
    async with app.run_test(size=size) as pilot:
        screen = await open_today(app, pilot)
        assert screen.digest is not None
        shown = [o for o in screen.lines.options if o.id in screen._items]
        assert len(shown) >= 8
        when = max(cell_len(screen._items[o.id or ""].when) for o in shown)
        for option in shown:
            plain = str(option.prompt)
            item = screen._items[option.id or ""]
            name = item.account_name
            if size[0] >= 160:
                assert name in plain  # as written
            else:  # whole, ㈱ for 株式会社 at most
                name = name if name in plain else short_company(name, 0)
                assert name in plain, plain
            # The name right after the longest "when" and its two spaces...
            assert cell_len(plain[: plain.index(name)]) == when + 2, plain
            if item.section != "alerts":  # ...and what to do keeps its room
                assert cell_len(plain) - cell_len(item.text) <= size[0] - 2 - TEXT_LEAST


def test_a_long_name_leaves_the_text_its_room() -> None:
    item = TodayItem(
        section="tasks",
        kind="overdue",
        ref="t-1",
        account_id="a-1",
        account_name="Very Long Holdings International Incorporated of Somewhere",
        date=date(2026, 4, 2),
        when="3d overdue",
        text="Send the renewal quote",
    )
    widths = column_widths([item], 80, show_owner=False)
    assert widths.when == len("3d overdue")
    assert widths.name == 80 - 2 - widths.when - 4 - TEXT_LEAST
    assert column_widths([item], 40, show_owner=False).name == NAME_LEAST
    assert column_widths([item], 200, show_owner=True).name == len(item.account_name)


def _line(section: str, name: str, text: str) -> TodayItem:
    """A line of everyone's list (owner kim), 12 days overdue."""
    details = {"arr": 100_000, "currency": "USD"} if section == "alerts" else {}
    return TodayItem(
        section=section,
        kind="overdue",
        ref=f"{section}-{name}",
        account_id="a-1",
        account_name=name,
        date=date(2026, 11, 11),
        when="12d overdue",
        text=text,
        owner="kim",
        details=details,
    )


def _cut(items: list[TodayItem], widths: Widths, width: int) -> list[str]:
    """The names a line cuts (not whole, nor written with ㈱), and the texts it cuts."""
    cut = []
    for item in items:
        plain = item_prompt(item, widths, show_owner=True).plain
        if item.account_name not in plain and short_company(item.account_name, 0) not in plain:
            cut.append(item.account_name)
        if cell_len(plain) > width - 2:  # the list's scrollbar
            cut.append(item.text)
    return cut


def test_everyones_names_take_the_room_texts_leave_at_80_columns() -> None:
    """With the owner column, names were cut at 20 cells beside short texts: the text kept
    36 cells for the alert's sentence, which is cut anyway."""
    lines = [
        _line("tasks", "Brightwater Analytics Ltd", "Share a case study"),
        _line("alerts", "Quartz Systems LLC", "Renewal overdue: " + "no outcome recorded " * 5),
        _line("renewals", "Halcyon Aerospace Corp.", "$19,700 · green 89 · Renewal"),
    ]
    widths = column_widths(lines, 80, show_owner=True)
    assert widths.name == len("Brightwater Analytics Ltd")  # was 20: NAME_LEAST
    assert _cut(lines, widths, 80) == [lines[1].text]  # the alert's sentence alone


def test_a_name_takes_no_cells_from_texts_that_fit_unless_more_lines_show_whole() -> None:
    """Two lines whose texts fit in TEXT_LEAST keep them whole rather than show one longer
    name whole: the lines shown whole decide, names winning a tie."""
    fits = "Prepare the 2026Q4 QBR deck for them"  # 36 cells
    lines = [
        _line("tasks", "Quartz Systems", fits),
        _line("tasks", "Verdant Health", fits),
        _line("tasks", "Brightwater Analytics Ltd", "Share a case study"),
    ]
    widths = column_widths(lines, 80, show_owner=True)
    assert widths.name == 80 - 2 - len("12d overdue") - 4 - len("@kim") - 2 - TEXT_LEAST
    assert _cut(lines, widths, 80) == ["Brightwater Analytics Ltd"]
    # One text that fits against one name that does not: the name gets the cells.
    widths = column_widths(lines[1:], 80, show_owner=True)
    assert widths.name == len("Brightwater Analytics Ltd")
    assert _cut(lines[1:], widths, 80) == [fits]


@pytest.mark.parametrize("lang", ["en", "ja"])
async def test_everyones_names_are_whole_where_their_line_has_room_at_80x24(
    demo_ws: Workspace, lang: str
) -> None:
    """The view with the owner column cut "(同)こだまマーケティング" at 22 cells in Japanese,
    where its line had room for it and its text; the columns stay aligned."""
    demo_ws.refresh_health()
    app = create_app(demo_ws, lang=lang, poll=False, rescore=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_today(app, pilot)
        await pilot.press("a")
        await pilot.pause()
        digest = screen.digest
        assert digest is not None
        assert digest.everyone
        widths = screen._widths
        assert widths.owner > 0
        before_name = widths.when + 2
        before_owner = before_name + widths.name + 2
        before_text = before_owner + widths.owner + 2
        room = 80 - 2 - before_text + widths.name  # the name's and the text's
        shown = [screen._items[o.id or ""] for o in screen.lines.options if o.id in screen._items]
        assert len(shown) >= 12
        for item in shown:
            plain = str(next(o.prompt for o in screen.lines.options if o.id == item.id))
            name = clean(item.account_name)
            if name not in plain and short_company(name, 0) not in plain:  # cut: no room
                text = cell_len(plain) - before_text
                assert cell_len(short_company(name, 0)) + text > room, plain
            assert cell_len(plain[: plain.index("@")]) == before_owner, plain  # aligned


async def test_today_opened_again_shows_the_digest_kept_until_its_tables_change(
    demo_ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Opening Today again (a hop to the portfolio and back) built the digest again, ~1 s
    on a 50,000-account team folder whatever the CSM's own book: the last one is shown
    while none of the tables it is made of changed, and built again after a change."""
    from cstui.workspace import today as today_module

    demo_ws.refresh_health()
    builds: list[int] = []
    real = today_module.build_today

    def counted(*args: object, **kwargs: object) -> today_module.TodayDigest:
        builds.append(1)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(today_module, "build_today", counted)
    app = create_app(demo_ws, poll=False, rescore=False)
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, TodayScreen)
        first = text_of(app.screen)
        tasks = app.screen.digest.tasks if app.screen.digest else ()
        await pilot.press("p")
        await pilot.pause()
        await pilot.press("t")
        await pilot.pause()
        assert len(builds) == 1
        assert text_of(app.screen) == first
        demo_ws.add_task("Call back about the renewal", owner=demo_ws.user)
        await pilot.press("p")
        await pilot.pause()
        await pilot.press("t")
        await pilot.pause()
        assert len(builds) == 2
        assert isinstance(app.screen, TodayScreen)
        assert app.screen.digest is not None
        assert len(app.screen.digest.tasks) == len(tasks) + 1
        assert "Call back about the renewal" in {i.text for i in app.screen.digest.tasks}
