"""The QBR tab: a quarterly business review drafted from the data, reviewed and exported.

A CSM should spend minutes, not days, on a QBR, so the seven sections arrive pre-filled from
:meth:`Workspace.qbr_data` and only the prose ones (summary, risks, next steps, changes) are
edited; an edited text overrides the drafted one. Results and ROI are numbers, not prose, so
they are never edited here: they change when the success plan or the usage data change.

``render`` builds the text (no app needed), ``forms`` the questions and the export file,
and ``pane`` is the widget.
"""

from cstui.widgets.qbr.pane import QBRPane, QBRSection, StoryLine

__all__ = ["QBRPane", "QBRSection", "StoryLine"]
