"""One meaning per key across screens: the keys a user carries from screen to screen (and
from lazygit, k9s or htop) are bound to the same kind of action by every screen, pane and
list of the app, found by walking the package (a new screen is checked without a list)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

from textual.binding import Binding
from textual.dom import DOMNode

import cstui
from cstui.workspace import Workspace

# A view without a cursor (the overview) moves by scrolling: the same keys, its own actions.
DOWN = {
    "cursor(1)",
    "cursor_down",
    "move('cursor_down')",
    "move(1)",
    "table_move('cursor', 1)",
    "scroll_down",
}
UP = {
    "cursor(-1)",
    "cursor_up",
    "move('cursor_up')",
    "move(-1)",
    "table_move('cursor', -1)",
    "scroll_up",
}
FIRST = {
    "edge(0)",
    "move('first')",
    "table_move('edge', 0)",
    "first",
    "move(-1_000_000)",
    "scroll_home",
}
LAST = {"edge(1)", "move('last')", "table_move('edge', 1)", "last", "move(1_000_000)", "scroll_end"}
MEANINGS: dict[str, set[str]] = {
    "j": DOWN,
    "down": DOWN,
    "k": UP,
    "up": UP,
    "g": FIRST,
    "G": LAST,
    "q": {"quit"},
    "t": {"show('today')"},
    "p": {"show_portfolio"},
    "u": {"undo"},
    "U": {"redo"},
    "h": {"rate"},
}


def _bindings() -> dict[str, set[tuple[str, str]]]:
    """Every key of every widget class in cstui: {key: {(action, class)}}."""
    found: dict[str, set[tuple[str, str]]] = {}
    for info in pkgutil.walk_packages(cstui.__path__, "cstui."):
        if info.name.startswith(("cstui.cli", "cstui.demo")):
            continue
        module = importlib.import_module(info.name)
        for obj in vars(module).values():
            if not (inspect.isclass(obj) and issubclass(obj, DOMNode)):
                continue
            if obj.__module__ != module.__name__:
                continue
            for item in obj.__dict__.get("BINDINGS", []):
                binding = item if isinstance(item, Binding) else Binding(*item)
                for key in binding.key.split(","):
                    found.setdefault(key.strip(), set()).add((binding.action, obj.__name__))
    return found


def test_the_keys_a_user_carries_mean_one_thing_everywhere() -> None:
    found = _bindings()
    assert "j" in found  # the walk found the screens
    assert "q" in found
    wrong = {
        key: sorted((action, where) for action, where in found.get(key, ()) if action not in ok)
        for key, ok in MEANINGS.items()
    }
    assert {k: v for k, v in wrong.items() if v} == {}


def test_every_list_that_moves_with_j_goes_to_its_ends_with_g_and_shift_g() -> None:
    found = _bindings()
    down = {where for action, where in found["j"]} - {"TodayList"}  # its screen binds g, G
    assert down <= {where for _, where in found["g"]}
    assert down <= {where for _, where in found["G"]}


async def test_going_back_and_forth_between_top_level_screens_never_deepens_the_stack(
    demo_ws: Workspace,
) -> None:
    """M N M N…: the KPI screen under the renewals is brought back, not opened again; p
    goes to the portfolio from any depth."""
    from cstui.app import create_app
    from cstui.screens.kpis import KPIScreen
    from cstui.screens.portfolio import PortfolioScreen
    from cstui.screens.renewals import RenewalsScreen

    app = create_app(demo_ws, poll=False, rescore=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        for _ in range(3):
            for key in ("M", "N"):
                await pilot.press(key)
                await app.workers.wait_for_complete()
                await pilot.pause()
        assert [type(s) for s in app.screen_stack[1:]] == [KPIScreen, RenewalsScreen]
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, KPIScreen)  # back where the renewals were opened from
        for key in ("N", "F", "Q", "C", "t", "p"):
            await pilot.press(key)
            await app.workers.wait_for_complete()
            await pilot.pause()
        assert isinstance(app.screen, PortfolioScreen)
