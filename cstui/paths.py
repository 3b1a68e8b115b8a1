"""Where cstui keeps data and configuration.

The data directory defaults to the platform's user data dir (``~/.local/share/cstui`` on
Linux); ``--data-dir`` or ``CSTUI_DATA_DIR`` points it elsewhere, e.g. a team folder on a
shared server. Configuration lives in the user config dir (``~/.config/cstui``) or
``CSTUI_CONFIG_DIR``; what can be rebuilt from the data (the portfolio's rows) in the user
cache dir (``~/.cache/cstui``) or ``CSTUI_CACHE_DIR``.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP = "cstui"


def default_data_dir() -> Path:
    env = os.environ.get("CSTUI_DATA_DIR")
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir(APP, appauthor=False))


def config_dir() -> Path:
    env = os.environ.get("CSTUI_CONFIG_DIR")
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_config_dir(APP, appauthor=False))


def cache_dir() -> Path:
    """Where files derived from the data are kept per user (never the data itself: deleting
    the folder only makes the next start slower)."""
    env = os.environ.get("CSTUI_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_cache_dir(APP, appauthor=False))
