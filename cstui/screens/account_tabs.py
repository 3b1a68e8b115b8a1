"""The tabs of the account screen after Overview, one line per feature.

Each entry is (tab id, i18n key of its label, factory taking the account id). A pane is an
:class:`~cstui.widgets.pane.AccountPane`: it reads the workspace and redraws itself on the
workspace's changes to its account. Features register here so the account screen never
grows an import per tab.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.widget import Widget

PaneFactory = Callable[[str], Widget]


def tabs() -> list[tuple[str, str, PaneFactory]]:
    """Imported lazily: panes pull in their own widgets only when an account is opened."""
    entries: list[tuple[str, str, PaneFactory]] = []
    from cstui.widgets.checklist import OnboardingPane
    from cstui.widgets.qbr import QBRPane
    from cstui.widgets.success_plan import SuccessPlanPane
    from cstui.widgets.tasks import TasksPane
    from cstui.widgets.timeline import TimelinePane

    entries.append(("onboarding", "account.tab.onboarding", OnboardingPane))
    entries.append(("success", "account.tab.success", SuccessPlanPane))
    entries.append(("timeline", "account.tab.timeline", TimelinePane))
    entries.append(("tasks", "account.tab.tasks", TasksPane))
    entries.append(("qbr", "account.tab.qbr", QBRPane))
    return entries
