"""Command-palette providers: jump to any account by name, run any action.

Names are matched on the same folded key as the filter line (case- and width-insensitive,
Japanese or English) and shown literally: Textual's matcher would parse a candidate as
markup, so the highlight is applied to plain Content here. A query in kana also matches
its katakana form (アグリ) and its romanisation, which is how a kanji name is found by its
reading: しなの finds 株式会社信濃アグリ through shinano-agri.co.jp, as typing romaji does.
"""

from __future__ import annotations

import heapq
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content

from cstui.domain.portfolio import PortfolioRow, fold
from cstui.i18n import short_money, t
from cstui.sanitize import clean
from cstui.ui.access import workspace_app

MAX_HITS = 40

_ROMAJI_ROWS = {
    "": "aiueo", "k": "かきくけこ", "s": "さしすせそ", "t": "たちつてと", "n": "なにぬねの",
    "h": "はひふへほ", "m": "まみむめも", "y": "や ゆ よ", "r": "らりるれろ", "w": "わ   を",
    "g": "がぎぐげご", "z": "ざじずぜぞ", "d": "だぢづでど", "b": "ばびぶべぼ", "p": "ぱぴぷぺぽ",
}  # fmt: skip
_IRREGULAR = {"し": "shi", "ち": "chi", "つ": "tsu", "ふ": "fu", "じ": "ji", "ぢ": "ji",
              "づ": "zu", "を": "o", "ん": "n"}  # fmt: skip
_SMALL_Y = {"ゃ": "ya", "ゅ": "yu", "ょ": "yo"}


def _kana_table() -> dict[str, str]:
    """Hiragana to Hepburn romaji (the reading a domain name spells)."""
    table: dict[str, str] = dict(zip("あいうえお", "aiueo", strict=True))
    for consonant, row in _ROMAJI_ROWS.items():
        if not consonant:
            continue
        for kana, vowel in zip(row, "aiueo", strict=True):
            if kana != " ":
                table[kana] = consonant + vowel
    table.update(_IRREGULAR)
    return table


_KANA = _kana_table()


def to_katakana(text: str) -> str:
    """ひらがな to カタカナ (other characters unchanged)."""
    return "".join(chr(ord(c) + 0x60) if "ぁ" <= c <= "ゖ" else c for c in text)


def to_hiragana(text: str) -> str:
    return "".join(chr(ord(c) - 0x60) if "ァ" <= c <= "ヶ" else c for c in text)


def romaji(text: str) -> str:
    """Kana to Hepburn romaji, long vowels written once (ひゅうが -> hyuga, as domains are).

    Characters that are not kana are kept, so a mixed query still reads left to right.
    """
    out: list[str] = []
    chars = to_hiragana(text)
    double_next = False
    for c in chars:
        if c == "っ":
            double_next = True
            continue
        if c in _SMALL_Y and out:
            prev = out.pop()
            stem = prev[:-1] if prev.endswith(("shi", "chi", "ji")) else prev[:-1] + "y"
            piece = stem + _SMALL_Y[c][1]
        elif c == "ー":
            continue
        else:
            piece = _KANA.get(c, c)
        if double_next and piece and piece[0].isalpha():
            piece = ("t" if piece.startswith("ch") else piece[0]) + piece
        double_next = False
        out.append(piece)
    word = "".join(out)
    for long, short in (("ou", "o"), ("oo", "o"), ("uu", "u")):
        word = word.replace(long, short)
    return word


def needles(query: str) -> tuple[str, ...]:
    """Every form of the query to look for: as typed, in katakana, and read as romaji."""
    base = fold(query.strip())
    if not base:
        return ()
    forms = [base, fold(to_katakana(base))]
    if any("ぁ" <= c <= "ヶ" for c in base):
        forms.append(fold(romaji(base)))
    return tuple(dict.fromkeys(f for f in forms if f))


def account_help(row: PortfolioRow) -> str:
    """Health and ARR beside each name, so a jump can be chosen without opening it."""
    health = "—" if row.health is None else str(row.health)
    return t("palette.account_help", health=health, arr=short_money(row.arr, row.currency))


class AccountsProvider(Provider):
    """Every account, by name: type a few letters of 株式会社… or Acme."""

    async def search(self, query: str) -> Hits:
        app = workspace_app(self.app)
        forms = needles(query)
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
