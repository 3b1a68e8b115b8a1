"""The Onboarding tab: the account's checklist by phase, its progress, TTV and onboarding KPIs.

The seeds' lesson is that onboarding fails by overload, so the pane leads with the phases in
journey order, core steps marked, and a roadmap view (``w``) saying what the customer can do
by week N. ``render`` builds the text (no app needed), ``forms`` the questions each key
asks, and ``pane`` is the widget.
"""

from cstui.widgets.checklist.pane import OnboardingPane

__all__ = ["OnboardingPane"]
