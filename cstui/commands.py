"""Command-palette providers: jump to any account by name, run any action.

Names are matched on the same folded key as the filter line (case- and width-insensitive,
Japanese or English) and shown literally: Textual's matcher would parse a candidate as
markup, so the highlight is applied to plain Content here.
"""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content

from cstui.domain.portfolio import fold
from cstui.i18n import t
from cstui.sanitize import clean
from cstui.ui.access import workspace_app

MAX_HITS = 40


class AccountsProvider(Provider):
    """Every account, by name: type a few letters of 株式会社… or Acme."""

    async def search(self, query: str) -> Hits:
        app = workspace_app(self.app)
        needle = fold(query.strip())
        if not needle:
            return
        found = 0
        for row in app.workspace.portfolio():
            pos = row.search_key.find(needle)
            if pos < 0:
                continue
            name = clean(row.name)
            display = Content(name)
            start = fold(name).find(needle)
            if start >= 0 and len(fold(name)) == len(name):
                display = display.stylize("bold reverse", start, start + len(needle))
            score = 1.0 if pos == 0 else 0.8
            yield Hit(
                score,
                display,
                partial(app.open_account, row.id),
                text=name,
                help=t("palette.open_account"),
            )
            found += 1
            if found >= MAX_HITS:
                return


class ActionsProvider(Provider):
    """The app's own actions, so each can be run by name as well as by key."""

    def _actions(self) -> list[tuple[str, str, str]]:
        return [
            (t("palette.today"), "app.show_today", t("palette.today_help")),
            (t("palette.portfolio"), "app.show_portfolio", t("palette.portfolio_help")),
            (t("palette.views"), "screen.pick_view", t("palette.views_help")),
            (t("palette.filter"), "screen.focus_filter", t("palette.filter_help")),
            (t("palette.sort"), "screen.cycle_sort", t("palette.sort_help")),
            (t("palette.keys"), "app.help", t("palette.keys_help")),
            (t("palette.s8.kpis"), "app.show_kpis", t("palette.s8.kpis_help")),
            (t("palette.s8.renewals"), "app.show_renewals", t("palette.s8.renewals_help")),
            (t("palette.s8.requests"), "app.show_requests", t("palette.s8.requests_help")),
            (t("palette.s8.survey"), "app.record_survey", t("palette.s8.survey_help")),
            (t("palette.qbrs_due"), "app.show_qbrs_due", t("palette.qbrs_due_help")),
            (t("palette.syncui.sync"), "app.show_sync", t("palette.syncui.sync_help")),
            (
                t("palette.syncui.conflicts"),
                "app.show_conflicts",
                t("palette.syncui.conflicts_help"),
            ),
        ]

    async def discover(self) -> Hits:
        for name, action, help_text in self._actions():
            yield DiscoveryHit(Content(name), partial(self._run, action), text=name, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, action, help_text in self._actions():
            score = matcher.match(name)
            if score > 0:
                yield Hit(
                    score, Content(name), partial(self._run, action), text=name, help=help_text
                )

    async def _run(self, action: str) -> None:
        await self.app.run_action(action)
