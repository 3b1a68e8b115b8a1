"""The Success plan tab: is the customer getting what they bought, for users and executives?

Light objectives (end users) and deep ones (the executives who decide the renewal) sit side
by side, so a CSM sees at a glance whether the executive story is covered; a plan without a
deep objective is flagged, because a happy end user does not save an account whose executive
sees no return. Each objective shows its KPI as baseline → current → target on a bar that
fills as the KPI approaches the target, whichever direction that is. The ROI panel shows the
inputs and results of :mod:`cstui.domain.roi` in the plan's currency.

``render`` builds the text (no app needed), ``forms`` the questions each key asks, and
``pane`` is the widget.
"""

from cstui.widgets.success_plan.pane import ObjectiveCard, SuccessPlanPane
from cstui.widgets.success_plan.render import roi_view

__all__ = ["ObjectiveCard", "SuccessPlanPane", "roi_view"]
