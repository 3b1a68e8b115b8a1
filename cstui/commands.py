"""Command-palette providers: jump to any account by name, run any action.

Names are matched on the same folded key as the filter line (case- and width-insensitive,
Japanese or English) and shown literally: Textual's matcher would parse a candidate as
markup, so the highlight is applied to plain Content here. A query in kana also matches
its katakana form (アグリ) and its romanisation, which is how a kanji name is found by its
reading (:mod:`cstui.domain.kana`, kept in each row's search key): しなの finds
株式会社信濃アグリ through shinano-agri.co.jp, and しなのあぐり through its whole reading.
"""

from __future__ import annotations

import heapq
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content

from cstui.domain.portfolio import PortfolioRow, fold, search_forms
from cstui.i18n import short_money, t
from cstui.sanitize import clean
from cstui.ui.access import workspace_app

MAX_HITS = 40


def account_help(row: PortfolioRow) -> str:
    """Health and ARR beside each name, so a jump can be chosen without opening it."""
    health = "—" if row.health is None else str(row.health)
    return t("palette.account_help", health=health, arr=short_money(row.arr, row.currency))


class AccountsProvider(Provider):
    """Every account, by name: type a few letters of 株式会社… or Acme."""

    async def search(self, query: str) -> Hits:
        app = workspace_app(self.app)
        forms = search_forms(query)
        if not forms:
            return
        # The best MAX_HITS, names starting with the text first, then by name: the same
        # ones whatever order the rows come in (kept between runs or built anew).
        matches: list[tuple[float, str, PortfolioRow, str]] = []
        for row in app.workspace.portfolio():
            hit = next(((f, p) for f in forms if (p := row.search_key.find(f)) >= 0), None)
            if hit is not None:
                matches.append((-1.0 if hit[1] == 0 else -0.8, row.search_key, row, hit[0]))
        for neg_score, _key, row, needle in heapq.nsmallest(
            MAX_HITS, matches, key=lambda m: (m[0], m[1], m[2].id)
        ):
            name = clean(row.name)
            display = Content(name)
            start = fold(name).find(needle)
            if start >= 0 and len(fold(name)) == len(name):
                display = display.stylize("bold reverse", start, start + len(needle))
            yield Hit(
                -neg_score,
                display,
                partial(app.open_account, row.id, replace=True),
                text=name,
                help=account_help(row),
            )


class ActionsProvider(Provider):
    """The app's own actions, so each can be run by name as well as by key."""

    def _actions(self) -> list[tuple[str, str, str]]:
        return [
            (t("palette.today"), "app.show('today')", t("palette.today_help")),
            (t("palette.portfolio"), "app.show_portfolio", t("palette.portfolio_help")),
            (t("palette.views"), "screen.pick_view", t("palette.views_help")),
            (t("palette.filter"), "screen.focus_filter", t("palette.filter_help")),
            (t("palette.sort"), "screen.cycle_sort", t("palette.sort_help")),
            (t("palette.keys"), "app.help", t("palette.keys_help")),
            (t("palette.book.kpis"), "app.show('kpis')", t("palette.book.kpis_help")),
            (t("palette.book.renewals"), "app.show('renewals')", t("palette.book.renewals_help")),
            (t("palette.book.requests"), "app.show('requests')", t("palette.book.requests_help")),
            (t("palette.book.survey"), "app.record_survey", t("palette.book.survey_help")),
            (t("palette.qbrs_due"), "app.show('qbrs_due')", t("palette.qbrs_due_help")),
            (t("palette.syncui.sync"), "app.show('sync')", t("palette.syncui.sync_help")),
            (
                t("palette.syncui.conflicts"),
                "app.show('conflicts')",
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
