"""Sync with nothing configured says so and how to set it up: no endless bar, no dead keys."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import ProgressBar, Static
from textual.widgets._footer import FooterKey

from cstui.app import create_app
from cstui.screens.sync import SyncScreen
from cstui.ui.footer import KeyFooter
from cstui.workspace import Workspace


@pytest.mark.slow
async def test_sync_without_setup_says_how_and_offers_no_cancel(unsynced_ws: Workspace) -> None:
    app = create_app(unsynced_ws, poll=False, rescore=False)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("Y")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, SyncScreen)
        assert screen.state == "unconfigured"
        phase = str(screen.query_one("#sync-phase", Static).content)
        assert "not set up" in phase
        assert "CSTUI_HUBSPOT_TOKEN" in phase  # the sync setup's own reason, literally
        assert "cstui sync --setup" in str(screen.query_one("#sync-message", Static).content)
        assert not screen.query_one("#sync-bar", ProgressBar).display
        assert not screen.workers  # nothing runs, so nothing to wait for
        footer = screen.query_one(KeyFooter)
        actions = {key.action for key in footer.query(FooterKey)}
        assert "cancel" not in actions
        assert "again" in actions
        await pilot.press("c")  # not a key here now: changes nothing
        assert screen.state == "unconfigured"
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, SyncScreen)


@pytest.mark.slow
async def test_sync_without_setup_says_why_in_japanese(unsynced_ws: Workspace) -> None:
    app = create_app(unsynced_ws, lang="ja", poll=False, rescore=False)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("Y")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, SyncScreen)
        assert screen.state == "unconfigured"
        phase = str(screen.query_one("#sync-phase", Static).content)
        assert "この端末では同期が設定されていません。" in phase
        assert "HubSpot のトークンがありません。" in phase  # the sync layer's reason, in ja
        assert "CSTUI_HUBSPOT_TOKEN" in phase
        assert "No hubspot token" not in phase
        assert "put the token" not in phase


def test_the_cli_keeps_english_without_a_language(tmp_path: Path) -> None:
    from cstui.sync.config import read_token_file
    from cstui.sync.errors import ConfigError

    with pytest.raises(ConfigError, match=r"^No hubspot token: set CSTUI_HUBSPOT_TOKEN"):
        read_token_file(tmp_path / "missing.token", "hubspot", "CSTUI_HUBSPOT_TOKEN")


def test_a_missing_token_is_told_from_a_broken_one_in_both_languages(tmp_path: Path) -> None:
    from cstui import i18n
    from cstui.sync.config import missing_token, read_token_file
    from cstui.sync.errors import ConfigError

    private = tmp_path / "open.token"
    private.write_text("x")
    private.chmod(0o644)
    for lang in ("en", "ja"):
        i18n.set_language(lang)
        with pytest.raises(ConfigError) as missing:
            read_token_file(tmp_path / "none.token", "hubspot", "CSTUI_HUBSPOT_TOKEN")
        with pytest.raises(ConfigError) as too_open:
            read_token_file(private, "hubspot", "CSTUI_HUBSPOT_TOKEN")
        assert missing_token(str(missing.value)), lang
        assert not missing_token(str(too_open.value)), lang
    i18n.set_language("en")
