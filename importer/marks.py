"""Do-not-call marks inside the lead file: a phone cell that says so, a do-not-call column.

A person who asked not to be called is never sent, whatever else is wrong with
their row: a row rejected for a bad number would be fixed by someone and sent.
These functions read the marks; :func:`importer.schema.validate_chunk` applies them
to every row before its phone is read, and the row goes to suppressed.csv.

- A phone cell is marked when it holds a do-not-call phrase beside (or instead of)
  the number: ``718-274-5501 DNC``, ``(DNC) 718 274 5501``, ``do not call``,
  ``no llamar``, ``nicht anrufen``, ``ne pas appeler``, ``não ligar``,
  ``non chiamare``, ``niet bellen``, ... (:data:`PHRASES`), in any case, with or
  without accents and punctuation. A cell that says only ``DNC`` is marked too: the
  person asked not to be called, there is just no number to report.
- A do-not-call column (a yes/no flag, such as Salesforce's ``Do Not Call``)
  marks its row when it says yes (:func:`flag_value`); empty or no leaves the row
  alone; any other value marks the row too, since the tool cannot be sure.
- A status column (``Lead Status``) marks its row only when it holds a
  do-not-call phrase (``DNC``, ``Do not call``, ``Opted out``); any other status
  (``Open``, ``Working``) leaves the row alone.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

__all__ = [
    "CELL_CODE",
    "COLUMN_CODE",
    "LIST_CODE",
    "PHRASES",
    "SUPPRESSION_CODES",
    "Mark",
    "cell_mark",
    "column_mark",
    "flag_value",
    "phone_mark",
    "phone_marks",
    "status_says_do_not_call",
]

#: The code of a row whose phone is on a do-not-call list (:mod:`importer.suppression`).
LIST_CODE = "dnc_list"
#: The code of a row whose phone cell says do not call.
CELL_CODE = "dnc_cell"
#: The code of a row whose do-not-call or status column says do not call.
COLUMN_CODE = "dnc_column"
#: Every code of suppressed.csv's ``suppressed_code`` column, with what it means; the
#: README's Reports section lists them (a test keeps them equal).
SUPPRESSION_CODES: dict[str, str] = {
    LIST_CODE: "the phone is on a do-not-call list given with `--suppress`",
    CELL_CODE: "the phone cell says do not call (`718-274-5501 DNC`, `no llamar`)",
    COLUMN_CODE: "the file's do-not-call column says yes, or its status column says DNC",
}

# Phrases that say "do not call", in the languages of the exports this tool reads
# (those of the phone labels in importer.normalize), written folded: lower case, no
# accents, words apart. "No call" and "no" alone are left out: they are read in other
# senses too ("No Call Back", "No." for number).
PHRASES: tuple[str, ...] = (
    # English; TPS and CTPS are the UK's Telephone Preference Services.
    "dnc", "d n c", "do not call", "dont call", "don t call", "do not phone",
    "do not contact", "do not dial", "never call", "opted out", "opt out", "optout",
    "tps", "ctps",
    # Spanish
    "no llamar", "no contactar", "no molestar", "no llame",
    # German
    "nicht anrufen", "keine anrufe", "kein anruf", "nicht kontaktieren",
    # French; Bloctel is France's do-not-call registry.
    "ne pas appeler", "ne pas contacter", "ne plus appeler", "pas d appel", "bloctel",
    # Portuguese
    "nao ligar", "nao ligue", "nao contactar", "nao contatar",
    # Italian
    "non chiamare", "non contattare", "non disturbare",
    # Dutch; Bel-me-niet is the Dutch do-not-call register.
    "niet bellen", "niet contacteren", "bel me niet",
)  # fmt: skip

_PHRASE = re.compile(
    r"(?<![^\W\d_])(?:"
    + "|".join(
        r"[\W_]*".join(re.escape(word) for word in phrase.split())
        for phrase in sorted(PHRASES, key=len, reverse=True)
    )
    + r")(?![^\W\d_])"
)
_LETTER = re.compile(r"[^\W\d_]")
# A word every phrase holds, in lower case and without its accents: a chunk of phone
# cells none of which holds one has no mark, told with one search over the chunk (a file
# holds a million phone cells, and looking at each costs about a second).
_ROUGH = re.compile(
    r"d\W*n\W*c|call|contact|conta|phone|dial|opt|tps|bloctel|llam|molest|anruf|kontakt"
    r"|appel|ligar|ligue|chiamar|disturb|bellen|bel\W+me"
)
_EMPTY_BRACKETS = re.compile(r"[(\[{<]\s*[)\]}>]")
_EDGES = " \t:;,.|/-_*"

# Values of a do-not-call flag column, folded (see _fold): yes means do not call.
_YES = frozenset(
    {
        "true", "t", "yes", "y", "1", "1 0", "x", "checked", "check", "on", "ticked",
        "\u2713", "\u2714", "\u2611", "\u2612",
        "si", "ja", "oui", "sim", "wahr", "vrai", "verdadero", "vero", "waar",
        "unsubscribed", "blocked", "suppressed", "blacklisted", "opted out of calls",
    }
)  # fmt: skip
_NO = frozenset(
    {
        "", "false", "f", "no", "n", "0", "0 0", "unchecked", "off", "unticked", "\u2610",
        "nein", "non", "nao", "falso", "falsch", "faux", "onwaar", "nee",
    }
)  # fmt: skip


@dataclass(frozen=True)
class Mark:
    """Why a row is not to be called, as suppressed.csv says it."""

    #: :data:`CELL_CODE` or :data:`COLUMN_CODE`.
    code: str
    #: The column the mark is in; None for a phone cell (the phone field's column).
    column: str | None
    #: In words: ``the phone cell says 'DNC'``.
    message: str


def _fold_char(char: str) -> str:
    """One character, lower case and without its accent (one character out, always)."""
    base = unicodedata.normalize("NFKD", char)[:1] or char
    lowered = base.lower()
    return lowered if len(lowered) == 1 else base


@lru_cache(maxsize=4096)
def _folded(text: str) -> str:
    """``text`` lower case and without accents, character for character (same length)."""
    return "".join(map(_fold_char, text))


def _fold(text: str) -> str:
    """``text`` folded, its punctuation made spaces; a cell of symbols alone (``✓``) as it is."""
    words = re.sub(r"[\W_]+", " ", _folded(text)).split()
    return " ".join(words) if words else text.strip()


def phone_mark(cell: str) -> tuple[str, str] | None:
    """The do-not-call phrase of a phone cell as written, and the cell without it; else None."""
    if not _LETTER.search(cell):  # digits and punctuation: the common case, decided fast
        return None
    found = _PHRASE.search(_folded(cell))
    if found is None:
        return None
    start, end = found.span()
    rest = cell[:start] + " " + cell[end:]
    rest = _EMPTY_BRACKETS.sub(" ", rest).strip(_EDGES)
    return cell[start:end], " ".join(rest.split())


def phone_marks(cells: Iterable[str]) -> dict[str, tuple[str, str]]:
    """The marked cells among ``cells``: each with its phrase and the cell without it."""
    distinct = set(cells)
    if not _ROUGH.search(unicodedata.normalize("NFKC", "\n".join(distinct)).lower()):
        return {}
    found = {
        cell: phone_mark(cell)
        for cell in distinct
        if _ROUGH.search(unicodedata.normalize("NFKC", cell).lower())
    }
    return {cell: hit for cell, hit in found.items() if hit is not None}


def flag_value(cell: str) -> bool | None:
    """What a do-not-call flag cell says: True (do not call), False (may call), None (unclear)."""
    folded = _fold(cell)
    if folded in _NO:
        return False
    if folded in _YES or _PHRASE.search(_folded(cell)):
        return True
    return None


def status_says_do_not_call(cell: str) -> bool:
    """Whether a status cell (``Lead Status``) holds a do-not-call phrase."""
    return _LETTER.search(cell) is not None and _PHRASE.search(_folded(cell)) is not None


def _shown(text: str) -> str:
    text = " ".join(text.split())
    return f"'{text if len(text) <= 40 else text[:37] + '...'}'"


def cell_mark(phrase: str) -> Mark:
    """The mark of a phone cell holding this do-not-call phrase."""
    return Mark(
        CELL_CODE, None, f"the phone cell says {_shown(phrase)}: this person is not to be called"
    )


def column_mark(column: str, cell: str, *, status: bool = False) -> Mark | None:
    """The mark a do-not-call column's cell puts on its row, or None when it may be called.

    A flag column (``status`` False) marks its row when it says yes, and when it says
    something the tool cannot read as yes or no; a status column only when it holds a
    do-not-call phrase.
    """
    if status:
        if not status_says_do_not_call(cell):
            return None
        return Mark(COLUMN_CODE, column, f"the file's '{column}' column says {_shown(cell)}")
    value = flag_value(cell)
    if value is False:
        return None
    if value is True:
        return Mark(COLUMN_CODE, column, f"the file's '{column}' column says {_shown(cell)}")
    return Mark(
        COLUMN_CODE,
        column,
        f"the file's '{column}' column says {_shown(cell)}, which is neither yes nor no: not "
        "sent, to be safe; write true or false in that column if this person may be called",
    )
