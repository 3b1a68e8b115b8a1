"""Readings of Japanese company names, so a name is found by what it sounds like.

A query in kana is looked for in Hepburn romaji as well as in kana, and each Japanese name
carries its reading in romaji in its search key: its kana words read as they are written,
its kanji words as its domain spells them. One reading covers the whole name, across its
words: 高砂精機 (takasago-seiki.co.jp) reads ``takasagoseiki``, 晴海ファーマ
(harumi-pharma.co.jp) ``harumifama`` and 株式会社岬エンジニアリング ``misakienjiniaringu``,
so たかさごせいき, はるみふぁーま and みさきえんじにありんぐ find them as たかさご and ふぁーま do.
Query and reading go through the same :func:`romaji`, so long vowels (ー, おう), small kana
(ゃ, ぁ, っ), katakana and hiragana agree however they were typed.

Without a domain a kanji word has no reading here: such a name is found by its kana words
and by its characters, as before.
"""

from __future__ import annotations

import re

_ROMAJI_ROWS = {
    "": "あいうえお", "k": "かきくけこ", "s": "さしすせそ", "t": "たちつてと", "n": "なにぬねの",
    "h": "はひふへほ", "m": "まみむめも", "y": "や ゆ よ", "r": "らりるれろ", "w": "わゐ ゑを",
    "g": "がぎぐげご", "z": "ざじずぜぞ", "d": "だぢづでど", "b": "ばびぶべぼ", "p": "ぱぴぷぺぽ",
}  # fmt: skip
_IRREGULAR = {"し": "shi", "ち": "chi", "つ": "tsu", "ふ": "fu", "じ": "ji", "ぢ": "ji",
              "づ": "zu", "ゐ": "i", "ゑ": "e", "を": "o", "ん": "n", "ゔ": "vu",
              "ゕ": "ka", "ゖ": "ke"}  # fmt: skip
_SMALL_Y = {"ゃ": "ya", "ゅ": "yu", "ょ": "yo"}
"""きゃ -> kya, しゃ -> sha: the small kana's vowel after the syllable's consonant (and y)."""
_SMALL_VOWEL = {"ぁ": "a", "ぃ": "i", "ぅ": "u", "ぇ": "e", "ぉ": "o", "ゎ": "a"}
"""ふぁ -> fa, てぃ -> ti, うぃ -> wi: the small vowel replaces the syllable's vowel."""
_LONG = (("ou", "o"), ("oo", "o"), ("uu", "u"))
"""Long vowels written once, as domains spell them: ひゅうが and ひゅーが are hyuga."""


def _kana_table() -> dict[str, str]:
    """Hiragana to Hepburn romaji (the reading a domain name spells)."""
    table: dict[str, str] = {}
    for consonant, row in _ROMAJI_ROWS.items():
        for kana, vowel in zip(row, "aiueo", strict=True):
            if kana != " ":
                table[kana] = consonant + vowel
    table.update(_IRREGULAR)
    return table


_KANA = _kana_table()


def is_kana(c: str) -> bool:
    """Hiragana or katakana (the long vowel mark included)."""
    return "ぁ" <= c <= "ヺ" or c == "ー"


def to_katakana(text: str) -> str:
    """ひらがな to カタカナ (other characters unchanged)."""
    return "".join(chr(ord(c) + 0x60) if "ぁ" <= c <= "ゖ" else c for c in text)


def to_hiragana(text: str) -> str:
    return "".join(chr(ord(c) - 0x60) if "ァ" <= c <= "ヶ" else c for c in text)


def long_vowels_once(word: str) -> str:
    """``word`` with its long vowels written once (toukyou -> tokyo), as :func:`romaji` does."""
    for long, short in _LONG:
        word = word.replace(long, short)
    return word


def _small(prev: str, c: str) -> str:
    """The syllable a small kana ``c`` makes with the one before it (romanised ``prev``)."""
    if c in _SMALL_Y:
        stem = prev[:-1] if prev.endswith(("shi", "chi", "ji")) else prev[:-1] + "y"
        return stem + _SMALL_Y[c][1]
    if prev == "u":  # うぃ, うぇ, うぉ
        return "w" + _SMALL_VOWEL[c]
    return (prev[:-1] if len(prev) > 1 else prev) + _SMALL_VOWEL[c]


def romaji(text: str) -> str:
    """Kana to Hepburn romaji, long vowels written once (ひゅうが -> hyuga, as domains are).

    Characters that are not kana are kept, so a mixed query still reads left to right.
    """
    out: list[str] = []
    double_next = False
    for c in to_hiragana(text):
        if c == "っ":
            double_next = True
            continue
        if c == "ー":
            continue
        if (c in _SMALL_Y or c in _SMALL_VOWEL) and out and out[-1][-1:] in "aiueo":
            piece = _small(out.pop(), c)
        else:
            piece = _KANA.get(c) or _SMALL_VOWEL.get(c) or _SMALL_Y.get(c) or c
        if double_next and piece[0].isalpha():
            piece = ("t" if piece.startswith("ch") else piece[0]) + piece
        double_next = False
        out.append(piece)
    return long_vowels_once("".join(out))


_LEGAL_FORMS = re.compile(r"株式会社|有限会社|合同会社|合資会社|合名会社|\([株有同資名]\)")
"""Legal forms (folded: ㈱ and （株） are (株)): not read, since nobody types them to find
a company; they separate the words around them."""
_WORDS = re.compile(
    r"([々〆ヵヶ㐀-䶿一-鿿豈-﫿\U00020000-\U0003134f]+)"  # kanji
    r"|([ぁ-ゖゝゞ][ぁ-ゖゝゞー]*)"  # hiragana
    r"|([ァ-ヺヽヾー]+)"  # katakana
    r"|([a-z0-9]+)"  # latin letters and digits
)
"""A name's words: runs of one script (anything else, such as ・ and spaces, separates)."""
_MAX_WORDS = 12
"""Names or domains with more words than this are not aligned (nothing real comes close)."""


_SEPARATORS = re.compile(r"[-_]+")
_ROMAJI_CACHE: dict[str, str] = {}
"""Readings of kana words already read: a book repeats its words (ファーマ, ホールディングス)."""


def _word_romaji(word: str) -> str:
    found = _ROMAJI_CACHE.get(word)
    if found is None:
        if len(_ROMAJI_CACHE) >= 50_000:
            _ROMAJI_CACHE.clear()
        found = _ROMAJI_CACHE[word] = romaji(word)
    return found


def _domain_words(domain: str) -> list[str]:
    """The words of a (folded) domain's name: takasago-seiki.co.jp -> takasago, seiki."""
    host = domain.strip()
    if "/" in host or "@" in host:
        host = host.rpartition("://")[2].partition("/")[0].rpartition("@")[2]
    label, _, rest = host.partition(".")
    if label == "www":
        label = rest.partition(".")[0]
    label = long_vowels_once(label)
    if "-" not in label and "_" not in label:
        return [label] if label else []
    return [w for w in _SEPARATORS.split(label) if w]


def name_reading(name: str, domain: str) -> str:
    """The romaji reading of a folded company name, read across its words: the kana words
    as written, the kanji words as the folded ``domain`` spells them; "" for a name with
    nothing to read.

    Which domain words read which kanji words follows from their order when the words
    line up: each kanji word reads one or more domain words in turn, and each kana word
    stands for one (晴海ファーマ, harumi-pharma: ファーマ keeps its own reading), as does a
    latin word for an equal one. The domain's words together are a reading too (given
    after a space when it differs), and the only one when they do not line up.
    """
    if name.isascii():
        return ""
    found = _WORDS.findall(_LEGAL_FORMS.sub(" ", name))  # (kanji, hira, kata, latin) each
    n_kanji = sum(1 for w in found if w[0])
    if n_kanji == len(found):  # the domain's words in order, however the kanji words share them
        return "".join(_domain_words(domain))
    words = [
        ("kanji", kanji)
        if kanji
        else ("latin", latin)
        if latin
        else ("kana", _word_romaji(hira or kata))
        for kanji, hira, kata, latin in found
    ]
    if not n_kanji:
        return long_vowels_once("".join(text for _, text in words))
    domain_words = _domain_words(domain)
    joined = "".join(domain_words)
    if not joined or len(words) > _MAX_WORDS or len(domain_words) > _MAX_WORDS:
        return joined
    if len(words) == len(domain_words):  # one domain word each: _align's first choice
        if any(k == "latin" and t != w for (k, t), w in zip(words, domain_words, strict=True)):
            return joined
        aligned: str | None = "".join(
            w if k == "kanji" else t for (k, t), w in zip(words, domain_words, strict=True)
        )
    else:
        aligned = _align(words, domain_words)
    if aligned is None or (reading := long_vowels_once(aligned)) == joined:
        return joined
    return f"{reading} {joined}"


def _align(words: list[tuple[str, str]], domain_words: list[str]) -> str | None:
    """The reading of ``words`` when they line up with ``domain_words`` (see
    :func:`name_reading`), or None."""
    return _solve(words, domain_words, 0, 0, {})


def _solve(
    words: list[tuple[str, str]],
    domain_words: list[str],
    i: int,
    j: int,
    solved: dict[tuple[int, int], str | None],
) -> str | None:
    """The reading of words[i:] lined up with domain_words[j:], or None. A module
    function, not a closure calling itself: such a closure is a reference cycle per name,
    left for the collector, which is paused while the rows are built and frozen after the
    first frame (50,000 names kept ~15 MB that way)."""
    n_words, n_domain = len(words), len(domain_words)
    if i == n_words or j == n_domain:
        return "" if (i, j) == (n_words, n_domain) else None
    if (i, j) not in solved:
        kind, text = words[i]
        found = None
        if kind == "kanji":
            for k in range(1, n_domain - j + 1):
                if (rest := _solve(words, domain_words, i + 1, j + k, solved)) is not None:
                    found = "".join(domain_words[j : j + k]) + rest
                    break
        elif kind != "latin" or domain_words[j] == text:
            rest = _solve(words, domain_words, i + 1, j + 1, solved)
            found = None if rest is None else text + rest
        solved[i, j] = found
    return solved[i, j]
