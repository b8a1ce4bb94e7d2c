"""Tell which legacy encoding a text file was saved in, and spot names garbled upstream.

A file that is not UTF-8 (nor UTF-16) was saved by a program in the code page of its
user's locale: cp1252 in Western Europe and the Americas, Mac Roman on old Macs,
cp1250/ISO-8859-2 in Central Europe, cp1251 in Russia and Ukraine, Shift-JIS (cp932) or
EUC-JP in Japan, GB18030/GBK in China, Big5 (cp950) in Taiwan and Hong Kong, EUC-KR
(cp949) in Korea. Single-byte code pages decode any bytes, so "it decodes" says nothing:
each candidate's reading of the file's non-ASCII lines is judged by its words instead.

1. Odd words (:func:`odd_words`): a right reading gives words of letters of one script,
   cased like names; a wrong one gives symbols inside words (``£ukasz``), capitals
   after small letters or accented capitals inside a word (``JosŽ``, ``DÌaz``), Latin
   words made mostly of accented letters (``Ďĺňđîâ`` for ``Петров``), scripts mixed in
   a word, quotes stuck to letters, or characters from the rarely used rows of a
   double-byte character set.
2. Incoherent words: Latin words that no single language spells, or spells that way
   (``Dvoøák``, ``Juriæ``, ``Ńúńez``: :data:`LANGUAGE_LETTERS`).
3. C1 control characters, which stand for no letter.

The reading with the fewest wins. When readings that differ still tie: if they differ
only in lone signs, or are all single-byte code pages, the first in :data:`LABELS`
order (the code page met most often) is read, and the others are named
(:attr:`Verdict.others`); if they are all double-byte, charset-normalizer's statistical
measure decides when it is clear; otherwise the encoding is not guessed
(:attr:`Verdict.unsure`).
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import dataclass

__all__ = ["LABELS", "Verdict", "judge", "misdecoded", "odd_words"]

#: The legacy encodings told apart, in the order a tie between equal readings is
#: settled, with the name a person knows them by. The Windows code pages are taken
#: for their ISO and national relatives (cp932 for Shift-JIS, cp949 for EUC-KR,
#: cp950 for Big5, gb18030 for GBK and GB2312): each reads all of its relative's bytes.
LABELS: dict[str, str] = {
    "cp1252": "Western (cp1252)",
    "latin-1": "Western (latin-1)",
    "cp1250": "Central European (cp1250)",
    "iso8859-2": "Central European (ISO-8859-2)",
    "mac_roman": "Mac Roman",
    "cp1251": "Cyrillic (cp1251)",
    "cp932": "Japanese Shift-JIS (cp932)",
    "euc_jp": "Japanese EUC-JP",
    "gb18030": "Chinese GB18030/GBK",
    "cp950": "Chinese Big5 (cp950)",
    "cp949": "Korean EUC-KR (cp949)",
}
#: The encodings of Western files, which keep the Mac Roman rules of the reader.
WESTERN = frozenset({"cp1252", "latin-1", "mac_roman"})
#: Double-byte encodings, whose close calls charset-normalizer settles.
DOUBLE_BYTE = frozenset({"cp932", "euc_jp", "gb18030", "cp950", "cp949"})
#: charset-normalizer's names for the double-byte encodings, as read here.
_NORMALIZER_NAMES = {
    "cp932": "cp932",
    "shift_jis": "cp932",
    "euc_jp": "euc_jp",
    "euc_jis_2004": "euc_jp",
    "euc_jisx0213": "euc_jp",
    "gb18030": "gb18030",
    "gbk": "gb18030",
    "gb2312": "gb18030",
    "big5": "cp950",
    "cp950": "cp950",
    "big5hkscs": "cp950",
    "cp949": "cp949",
    "euc_kr": "cp949",
}
#: A word: what lies between delimiters, spaces, digits, the punctuation of numbers and
#: typographic quotes and dashes (the right quote U+2019 stays: names use it as an apostrophe).
_WORD = re.compile(
    r"[^\s,;\t|\"0-9+()./:@_\-\[\]{}<>=#&*%!?\u201c\u201d\u201e\u2018\u00ab\u00bb\u2013\u2014\u2026]+"
)
_C1_CONTROLS = re.compile("[\u0080-\u009f]")
#: A typographic quote stuck to letters the wrong way: between two letters (Mac Roman's
#: ë read as cp1252 is a left quote in Raphaël), a closing quote before a letter or an opening one
#: after a letter (ISO-8859-2's ť read as cp1250: ``©»astný``).
_GLUED_QUOTE = re.compile(
    "[^\\W\\d_][\u2018\u201c\u201d\u201e\u00ab\u00bb][^\\W\\d_]"
    "|[\u201d\u00bb][^\\W\\d_]|[^\\W\\d_][\u201c\u201e\u00ab]"
)
#: Characters a name may hold besides letters.
_IN_NAMES = frozenset("'\u2019-.")
_SCRIPTS = ("LATIN", "CYRILLIC", "GREEK", "HANGUL", "HIRAGANA", "KATAKANA", "CJK", "ARABIC",
            "HEBREW", "THAI")  # fmt: skip
#: charset-normalizer's measures closer than these leave a double-byte reading unsure.
_CHAOS_MARGIN = 0.005
_COHERENCE_MARGIN = 0.02


def _script(char: str) -> str:
    """The script of a letter (Han and Kana count as one: Japanese mixes them)."""
    if char.isascii():
        return "LATIN"
    name = unicodedata.name(char, "")
    for script in _SCRIPTS:
        if name.startswith(script):
            return "CJK" if script in ("HIRAGANA", "KATAKANA") else script
    if "IDEOGRAPH" in name:
        return "CJK"
    return name.split(" ", 1)[0] or "?"


#: Where the common characters lie in a double-byte encoding: the rows of its base
#: standard's first level (KS X 1001's Hangul in cp949, GB2312's 3,755 common
#: characters in GB18030, Big5's 5,401 common ones, JIS X 0208's level 1 in Shift-JIS
#: and EUC-JP). The rest holds characters names seldom use, and the bytes of another
#: double-byte encoding often land there when read in this one (GB2312's ``张`` is a
#: level-2 kanji in EUC-JP).
_COMMON_BYTES: dict[str, tuple[range, range]] = {
    "cp949": (range(0xA1, 0xC9), range(0xA1, 0xFF)),
    "gb18030": (range(0xA1, 0xD8), range(0xA1, 0xFF)),
    "cp950": (range(0xA1, 0xC7), range(0x40, 0xFF)),
    "cp932": (range(0x81, 0x99), range(0x40, 0xFD)),
    "euc_jp": (range(0xA1, 0xD0), range(0xA1, 0xFF)),
}


def _rare(char: str, encoding: str) -> bool:
    """Whether a non-ASCII character lies outside the common rows of a double-byte encoding."""
    if char.isascii():
        return False
    data = char.encode(encoding)
    if len(data) == 1:
        return encoding != "cp932"  # Shift-JIS's half-width katakana: old systems' names
    leads, trails = _COMMON_BYTES[encoding]
    return len(data) != 2 or data[0] not in leads or data[1] not in trails


def _odd(word: str, encoding: str | None) -> bool:
    """Whether a word with non-ASCII characters looks like a wrong reading of its bytes."""
    if len(word) == 1:
        return False  # a lone character (a currency or degree sign, an initial) says nothing
    if not all(char.isalpha() or char in _IN_NAMES for char in word):
        return True
    letters = [char for char in word if char.isalpha()]
    scripts = {_script(char) for char in letters}
    if len(scripts) > 1:
        return True
    script = next(iter(scripts), "LATIN")
    if script in ("LATIN", "CYRILLIC", "GREEK"):
        if any(a.islower() and b.isupper() for a, b in itertools.pairwise(word)):
            return True
        if not word.isupper() and any(
            char.isupper() and not char.isascii() and word[at - 1] not in _IN_NAMES
            for at, char in enumerate(word[1:], start=1)
        ):
            return True  # an accented capital inside a word that is not in capitals: DÌaz
        accented = sum(not char.isascii() for char in letters)
        if script == "LATIN" and len(letters) >= 3 and accented * 2 > len(letters):
            return True
    return encoding in _COMMON_BYTES and any(_rare(char, encoding) for char in letters)


def odd_words(text: str, encoding: str | None = None) -> list[str]:
    """The words of ``text`` that look like a wrong reading (see the module's docstring)."""
    if encoding == "latin-1":
        # latin-1 is read for the bytes cp1252 leaves undefined; they stand for nothing
        # and are no letter a name lost.
        text = _C1_CONTROLS.sub(" ", text)
    odd = [word for word in _WORD.findall(text) if not word.isascii() and _odd(word, encoding)]
    return odd + _GLUED_QUOTE.findall(text)


@dataclass(frozen=True)
class Verdict:
    """What :func:`judge` found: the encoding to read, or the readings it cannot choose from."""

    #: The encoding to read the file with; None when unsure.
    encoding: str | None
    #: Words that still look wrong in the chosen reading.
    odd: tuple[str, ...] = ()
    #: When unsure: each likely encoding with a word as it reads it.
    unsure: tuple[tuple[str, str], ...] = ()
    #: Each encoding that reads the sample, with its count of odd words.
    scores: tuple[tuple[str, int], ...] = ()
    #: Other code pages that read the names as well, with a word as each reads it.
    others: tuple[tuple[str, str], ...] = ()


def judge(sample: bytes, western: str = "cp1252") -> Verdict:
    """Choose the legacy encoding of ``sample``: non-ASCII lines of a file that is not UTF-8.

    ``western`` is the Western code page read when the file is Western (latin-1 when
    the file has bytes cp1252 leaves undefined).
    """
    readings: list[tuple[tuple[int, int, int], str, str, list[str]]] = []
    for encoding in LABELS:
        if encoding in WESTERN - {western, "mac_roman"}:
            continue
        try:
            text = sample.decode(encoding)
        except UnicodeDecodeError:
            continue
        odd = odd_words(text, encoding)
        rank = (len(odd), _incoherent(text, odd, encoding), len(_C1_CONTROLS.findall(text)))
        readings.append((rank, encoding, text, odd))
    if not readings:
        return Verdict(None)
    scores = tuple((encoding, rank[0]) for rank, encoding, _, _ in readings)
    fewest = min(rank for rank, _, _, _ in readings)
    texts: dict[str, tuple[str, list[str]]] = {}
    for rank, encoding, text, odd in readings:  # the first encoding of each distinct reading
        if rank == fewest and text not in texts:
            texts[text] = (encoding, odd)
    encoding, odd = next(iter(texts.values()))
    if len(texts) == 1:
        return Verdict(encoding, tuple(odd), scores=scores)
    chosen = [encoding for encoding, _ in texts.values()]
    if len({tuple(_telling_words(text)) for text in texts}) == 1:
        # The readings differ only in lone characters and signs (``£50`` is Cyrillic Je
        # and 50 in cp1251, ``25°C`` is ``25∞C`` in Mac Roman): nothing tells them
        # apart, and the first code page (Western) is read.
        return Verdict(encoding, tuple(odd), scores=scores)
    if set(chosen) <= DOUBLE_BYTE:
        settled = _normalizer(sample, chosen)
        if settled is not None:
            return Verdict(settled, tuple(_texts_odd(texts, settled)), scores=scores)
    elif not set(chosen) & DOUBLE_BYTE:
        # Single-byte readings that all look right: the code page met most often is
        # read (Western first, in the order of LABELS), and the others are named.
        return Verdict(encoding, tuple(odd), scores=scores,
                       others=tuple(_examples(sample, chosen)[1:]))  # fmt: skip
    return Verdict(None, unsure=tuple(_examples(sample, chosen)), scores=scores)


#: The accented letters of the languages written in Latin letters in the code pages
#: told apart. Each word of a right reading is spelled by one of them; a wrong reading
#: mixes them in a word (Czech ``Dvořák`` read as cp1252 is ``Dvoøák``: no language
#: has both ø and á).
LANGUAGE_LETTERS = {
    "French": "àâæçéèêëîïôœùûüÿ",
    "German": "äöüß",
    "Spanish": "áéíñóúü",
    "Portuguese": "àáâãçéêíóôõú",
    "Italian": "àèéìíîòóù",
    "Dutch": "áéëïóöü",
    "Danish/Norwegian": "æøåé",
    "Swedish/Finnish": "åäöé",
    "Icelandic": "áðéíóúýþæö",
    "Czech": "áčďéěíňóřšťúůýž",
    "Slovak": "áäčďéíĺľňóôŕšťúýž",
    "Polish": "ąćęłńóśźż",
    "Hungarian": "áéíóöőúüű",
    "Romanian": "ăâîșțşţ",
    "Croatian/Slovene": "čćđšž",
    "Albanian": "çë",
    "Turkish": "çğıöşü",
}
_LANGUAGE_SETS = tuple(frozenset(letters) for letters in LANGUAGE_LETTERS.values())
#: Letters where the languages that have them never write them: Polish ń ś ź before
#: a vowel (it writes ni, si, zi), Spanish ñ before a consonant, Danish æ ø after a
#: vowel, French è before a vowel, Italian ì inside a word, Portuguese õ before anything
#: but e, French œ before anything but u, i, e, Slovak's rare ĺ ŕ. Central
#: European names read in cp1252 make them (``Juriæ``, ``Kuèera``, ``Kamiñski``), and
#: Western names read in cp1250 too (``Ńúńez``, ``Ĺsa``).
_NO_LANGUAGE_WRITES = re.compile(
    "[ńśź][aeiouyąęóéá]|ñ(?![aeiouáéíóú])|[aeiouyáéíóú][æø]|è[aeiouáéíóú]"
    "|ì(?=[^\\W\\d_])|õ(?!e)|œ(?![uie])|[ĺŕ]"
)


def _incoherent(text: str, odd: list[str], encoding: str) -> int:
    """How many Latin words of a reading no single language spells (odd words left out)."""
    if encoding in DOUBLE_BYTE:
        return 0
    skip = set(odd)
    count = 0
    for word in _WORD.findall(text):
        if len(word) < 2 or word.isascii() or word in skip:
            continue
        folded = word.casefold()
        accents = frozenset(char for char in folded if not char.isascii())
        if all(_script(char) == "LATIN" for char in accents) and (
            not any(accents <= letters for letters in _LANGUAGE_SETS)
            or _NO_LANGUAGE_WRITES.search(folded)
        ):
            count += 1
    return count


def _telling_words(text: str) -> list[str]:
    """The letters of the words of a reading that can tell encodings apart.

    Lone characters and signs (``£``, ``°`` in ``25°C``) are left out: code pages put
    different signs there, and nothing says which one the file meant.
    """
    telling = []
    for word in _WORD.findall(text):
        if len(word) > 1 and not word.isascii():
            letters = "".join(char for char in word if char.isalpha())
            if not letters.isascii():
                telling.append(letters)
    return telling


def _texts_odd(texts: dict[str, tuple[str, list[str]]], encoding: str) -> list[str]:
    """The odd words of ``encoding``'s reading among ``texts``."""
    return next((odd for chosen, odd in texts.values() if chosen == encoding), [])


def _normalizer(sample: bytes, encodings: list[str]) -> str | None:
    """The double-byte encoding charset-normalizer clearly prefers among ``encodings``."""
    import charset_normalizer

    matches = charset_normalizer.from_bytes(sample, cp_isolation=list(encodings))
    ranked: list[tuple[str, float, float]] = []
    for match in matches:
        name = _NORMALIZER_NAMES.get(match.encoding)
        if name in encodings and name not in (found for found, _, _ in ranked):
            ranked.append((name, match.chaos, match.coherence))
    if not ranked:
        return None
    if len(ranked) == 1:
        return ranked[0][0]
    (first, chaos, coherence), (_, chaos2, coherence2) = ranked[0], ranked[1]
    if chaos2 - chaos >= _CHAOS_MARGIN or coherence - coherence2 > _COHERENCE_MARGIN:
        return first
    return None


def _examples(sample: bytes, encodings: list[str]) -> list[tuple[str, str]]:
    """Each encoding with the first word on which the readings differ, as it reads it."""
    readings = {encoding: _WORD.findall(sample.decode(encoding)) for encoding in encodings}
    shown = []
    for encoding, words in readings.items():
        others = [other for name, other in readings.items() if name != encoding]
        differing = next(
            (word for at, word in enumerate(words)
             if any(at >= len(other) or other[at] != word for other in others)),
            words[0] if words else "",
        )  # fmt: skip
        shown.append((encoding, differing))
    return shown


#: Pairs of characters that UTF-8 bytes of accented letters and typographic marks
#: become when read as cp1252 or latin-1: ``Ã©`` for é, ``Å`` and U+201A for ł, ``â€™``
#: for the right quote.
_MOJIBAKE = re.compile(
    "[\u00c2-\u00c5\u00c9\u00ca\u00d0\u00d1\u00e2][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]"
)


def misdecoded(text: str) -> str | None:
    """What ``text`` was before UTF-8 bytes were read as cp1252 or latin-1; None if not that.

    ``'JosÃ©'`` gives ``'José'``. A text is only taken for mis-decoded when reading its
    characters back as the bytes they came from gives valid UTF-8 with fewer characters
    outside ASCII, so ``Ãlvaro`` or ``Â`` alone is left alone.
    """
    if text.isascii() or not _MOJIBAKE.search(text):
        return None
    for encoding in ("cp1252", "latin-1"):
        try:
            fixed = text.encode(encoding).decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
        if fixed != text and len(fixed) < len(text) and fixed.isprintable():
            return fixed
    return None
