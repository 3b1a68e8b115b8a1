"""Widget styles kept in .tcss files beside their modules.

Apps and screens name their files with ``CSS_PATH``; widgets have no such attribute, so a
widget reads its file into ``DEFAULT_CSS``. Read this way the rules keep the rank and the
scope of default CSS: a widget looks the same on any screen, and an app's or a screen's own
rules still override it.
"""

from __future__ import annotations

from pathlib import Path


def default_css(module_file: str, name: str) -> str:
    """The text of the .tcss file ``name`` in the folder of ``module_file`` (pass __file__)."""
    return (Path(module_file).parent / name).read_text(encoding="utf-8")
