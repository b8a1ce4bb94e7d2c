"""Normalizers for single lead values: phone, email, priority, tags, time zone, names.

Each normalizer takes one raw text value and returns the normalized value, or a
:class:`Problem` that says, in words a marketing-ops person can act on, what is
wrong and how to fix it. They never raise for bad input. The validation schema
(:mod:`importer.schema`) applies them to whole columns.

Phones: a number is sent only when it is the number the person wrote. A number
written with ``+`` (or ``00``, ``011``: the region's international prefix) is read
as written; a number without one is read in the row's country. When the digits are
not a valid number there, they are read with their own country code (a spreadsheet
keeps ``+447911123456`` as the number ``447911123456``) only when all of these hold:

- the cell is bare digits, or digits spaced exactly as the international format
  spaces them (``44 7911 123456``); brackets, dashes, dots or national grouping
  mean a national number with a typo: ``phone_ambiguous``;
- no valid number of the row's country is one dropped digit away (a digit typed
  twice or once too often is likelier than a foreign number): else
  ``phone_ambiguous``;
- then the phone carries the warning ``phone_country_guessed``. Digits that begin
  with the row's own country code (``14155550123`` in the US) are no guess.

A number dialled abroad without ``+`` (``0033...``) that becomes a valid number of
the row's country when one digit of its prefix is dropped or added (a doubled
first 0 in Europe) is rejected as ``phone_ambiguous`` when grouped like that national number,
and carries the warning ``phone_dialled_abroad`` otherwise.

Measured on 1,000 valid national numbers of each of US, GB, DE, FR, IN, BR, AU, MX,
ES and IT, each with one digit added, removed or doubled (three of each), written in
national format and as bare digits (18,000 typos a region): 14,191 typos came out as
a valid number of another country before (US 7,551, IT 4,241, MX 1,654, DE 279, BR
271), none without a warning now. The cost, on valid numbers of every other region
written without ``+``: of 4 valid numbers of each other region (about 9,600 in all),
as bare digits 4,613 are read right with a warning and 1,920 rejected (before:
6,533 read right); as ``00`` plus digits in a DE file, most are read with a warning.

Words beside a number: labels (``cell``, ``Büro``, ``(home)``, ``Tel.:``, ``M:``, ...)
are cut, like extensions; a number marked as fax is rejected (``phone_fax``); letters
become digits only in a vanity number (a group of digits, then groups of digits or
capitals, three capitals or more: ``1-800-FLOWERS``); any other word rejects the
phone. Invisible marks, full-width characters, ``tel:`` and ``(+44)`` are folded
first, on the slow path: a cell of plain digits and punctuation never pays for it.

Masked digits (``(718) 274-XXXX``, ``•••• 5501``) are never digits: the phone is
rejected as ``phone_masked`` (the rule is :func:`_masked`'s). Prefixes a plan dropped
are read as dialled today: Mexico's ``+52 1`` and national ``044``, ``045``, ``01``;
Brazil's carrier code, ``xx`` meaning any carrier (``0xx11 ...``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, ValidationResult

from .cells import INVISIBLE, NO_CACHED_VALUE, cell_text, is_cell_error
from .problems import Problem as Problem
from .problems import quote as _quote

__all__ = [
    "CELL_ERROR",
    "DEFAULT_PRIORITY",
    "MAX_TAGS",
    "NANP_FAST_PATH",
    "PRIORITIES",
    "Phone",
    "PhoneWarning",
    "cell_error",
    "is_valid_number",
    "normalize_email",
    "normalize_phone",
    "normalize_priority",
    "normalize_tags",
    "normalize_text",
    "parse_number",
    "phone_type",
    "split_full_name",
    "split_tags",
]

PRIORITIES = ("low", "medium", "high", "urgent")
DEFAULT_PRIORITY = "medium"
MAX_TAGS = 20


@dataclass(frozen=True, slots=True)
class PhoneWarning:
    """Why a phone was read with a guess: a stable code and a sentence for people."""

    code: str
    message: str


@dataclass(frozen=True, slots=True)
class Phone:
    """A phone number normalized to E.164, with its extension and a warning, if any."""

    e164: str
    extension: str | None = None
    warning: PhoneWarning | None = None
    #: The numbering plan's type (see :func:`phone_type`); "" when not worked out yet.
    #: Not compared: the same number is the same phone, whoever worked its type out.
    kind: str = field(default="", compare=False)
    #: What that policy says of the type (a toll-free number, say), if anything.
    notice: PhoneWarning | None = None


# Values people type when they have no number; compared case-insensitively.
_PHONE_PLACEHOLDERS = frozenset(
    {
        "-", "--", "---", ".", "?", "0", "00", "n/a", "n.a.", "na", "nan", "none", "null",
        "nil", "unknown", "tbd", "x", "xx", "xxx", "no", "no phone", "not provided",
    }
)  # fmt: skip
# Error values of Excel, Google Sheets and LibreOffice, compared case-insensitively.
_CELL_ERRORS = frozenset(
    {
        "#n/a", "#value!", "#ref!", "#div/0!", "#name?", "#null!", "#num!", "#spill!", "#calc!",
        "#getting_data", "#field!", "#blocked!", "#connect!", "#busy!", "#unknown!", "#error!",
    }
)  # fmt: skip
_LIBREOFFICE_ERROR = re.compile(r"^err:\d{3}$", re.IGNORECASE)
# A formula cell saved without its result, as the reader writes it (lower case here).
_NO_VALUE = NO_CACHED_VALUE.lower()
# A Brazilian number dialled through "any carrier": 0 xx, then the area code.
_BRAZIL_ANY_CARRIER = re.compile(r"(?<!\d)0\s*[xX]{2}\s*(?=\(?\s*\d)")
_SCIENTIFIC = re.compile(r"^[+-]?\d+(?:[.,]\d+)?[eE][+-]?\d+$")
_FLOAT_ZERO = re.compile(r"^(\+?\d+)\.0+$")
_HAS_DIGIT = re.compile(r"\d")
# The "this is text" mark of a spreadsheet, and the typographic apostrophes typed for it.
_TEXT_MARKS = ("'", "\u2019", "\u2018")
# E.164 allows at most 15 digits after the "+".
_MAX_E164 = 16


def _region_words(region: str | None) -> str:
    return f" for {region}" if region else ""


def normalize_phone(raw: str, region: str | None = None) -> Phone | Problem:
    """Normalize a phone number to E.164, using ``region`` for numbers without ``+``."""
    value = raw.strip()
    if value[:2] in ("p:", "P:"):  # Meta Lead Ads downloads prefix phones with "p:"
        value = value[2:].strip()
    if value[:1] in _TEXT_MARKS:  # a spreadsheet's "this is text" mark, as in this tool's reports
        value = value[1:].strip()
    elif value[:1] == "=":  # ="+1 415 555 0123": a formula that is only its text
        value = cell_text(value).strip()
    if not value:
        return Problem("phone_missing", "phone is empty; fill in the lead's phone number")
    extension: str | None = None
    plain = _PLAIN.match(value) is not None
    if plain:
        if "." in value:
            whole = _FLOAT_ZERO.match(value)
            if whole:  # a numeric cell written out as 14155551234.0: the digits are intact
                value = whole.group(1)
        if NANP_FAST_PATH:
            found = _nanp(value, region)
            if found is not None:
                return found
    else:
        read = _read_text(value, raw, region)
        if isinstance(read, Problem):
            return read
        value, extension = read
        plain = _PLAIN.match(value) is not None
    dialled = value  # as written, before a leading 00 becomes "+"
    if value.startswith("00"):
        value = "+" + value[2:].lstrip()
    if region == "MX" or value[:3] == "+52":
        value = _without_old_mexican_prefix(value, region)
    if region is None and value[0] != "+":
        reading = _with_country_code(value, raw, None)
        if reading is not None:
            return reading
        return Problem(
            "phone_no_region",
            f"phone {_quote(raw.strip())} has no country code and no default country is set; "
            "write it as +<country code><number>, or run with --region (e.g. --region US), or "
            "set 'region:' in the mapping",
        )
    try:
        number = _parse(value, region, plain)
    except NumberParseException as exc:
        return _with_country_code(value, raw, region) or _parse_problem(
            exc, _quote(raw.strip()), region
        )
    nsn = phonenumbers.national_significant_number(number)
    kind = _type_of(number.country_code or 0, nsn)  # "unknown": not a valid number
    if kind == "unknown":
        reading = _with_country_code(value, raw, region) if value[0] != "+" else None
        if reading is not None:
            return reading
        given = None if value[0] == "+" else region
        return _invalid_problem(number, _quote(raw.strip()), given)
    # E.164 is "+", the country code and the national significant number, nothing else.
    e164 = f"+{number.country_code}{nsn}"
    if len(e164) > _MAX_E164:
        return _too_long(_quote(raw.strip()), region)
    if dialled[0] != "+" and region is not None:
        own = _region_metadata(region)
        if own is not None and number.country_code != own.country_code:
            checked = _dialled_abroad(dialled, raw, region, number)
            if checked is not None:
                if type(checked) is Phone and (extension or number.extension):
                    return Phone(checked.e164, extension or number.extension, checked.warning)
                return checked
    return Phone(e164=e164, extension=extension or number.extension or None, kind=kind)


# --- the North American fast path --------------------------------------------------

#: Whether :func:`normalize_phone` reads North American numbers by :func:`_nanp`; off,
#: every number takes the general path (the tests compare the two).
NANP_FAST_PATH = True
_NANP_REGIONS = frozenset(phonenumbers.COUNTRY_CODE_TO_REGION_CODE[1])
_AREA_FIRST = frozenset("23456789")


def _nanp(value: str, region: str | None) -> Phone | None:
    """A valid North American number written in digits and punctuation, read directly.

    Most numbers in the lists this tool reads are North American: ten digits, maybe
    after a 1 or +1, with spaces, dots, dashes or brackets. For those the general
    path's parse finds the national number this way too (an area code never starts
    with 0 or 1, so a leading 1 is the country code, and there is no national prefix
    left to strip); only the validity and type rules are needed. Anything else, and
    any number those rules do not accept, returns None: the general path then reads
    it and words its problem. Tests compare the two paths on numbers of every North
    American region written in many ways.
    """
    if value[0] == "+":
        digits = value[1:].translate(_PUNCTUATION)
        if len(digits) != 11 or digits[0] != "1":
            return None
        nsn = digits[1:]
    elif region in _NANP_REGIONS:
        digits = value.translate(_PUNCTUATION)
        if len(digits) == 10:
            nsn = digits
        elif len(digits) == 11 and digits[0] == "1":
            nsn = digits[1:]
        else:
            return None
    else:
        return None
    if nsn[0] not in _AREA_FIRST or not nsn.isdigit():
        return None
    kind = _type_of(1, nsn)
    if kind == "unknown":
        return None
    return Phone(e164="+1" + nsn, extension=None, kind=kind)


# --- Mexico's old prefixes ------------------------------------------------------------

#: Mexico's prefixes dropped in 2019, before the ten digits of a number: nationally
#: 044 (a local mobile), 045 (a mobile in another area) and 01 (long distance), and
#: abroad the 1 after +52 that marked a mobile. People still write them.
_MX_OLD_PREFIXES = (("044", 13), ("045", 13), ("01", 12))


def _without_old_mexican_prefix(value: str, region: str | None) -> str:
    """A Mexican number without the prefix Mexico dropped in 2019, if it has one."""
    international = value[0] == "+"
    digits = (value[1:] if international else value).translate(_PUNCTUATION)
    if not digits.isdigit():
        return value
    if digits[:3] == "521" and len(digits) == 13 and (international or region == "MX"):
        return "+52" + digits[3:]  # +52 1 55 1234 5678; bare, a cell that lost its +
    if not international and region == "MX":
        for prefix, size in _MX_OLD_PREFIXES:
            if digits[: len(prefix)] == prefix and len(digits) == size:
                return digits[len(prefix) :]
    return value


# --- cells that are not plain digits and punctuation ----------------------------------

# Copying a number from a web page or a right-to-left document brings invisible marks
# along, often around a "+".
_INVISIBLE = dict.fromkeys(map(ord, INVISIBLE))
# Full-width forms (East Asian input methods) are ASCII shifted by 0xFEE0; other spaces
# and dashes become the plain ones, so that the fast path reads the cell.
_FOLD: dict[int, int | str | None] = {
    **{code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)},
    **dict.fromkeys([0x00A0, *range(0x2000, 0x200B), 0x202F, 0x205F, 0x3000], " "),
    **dict.fromkeys([*range(0x2010, 0x2016), 0x2212, 0xFE63], "-"),
    **_INVISIBLE,
}
_TEL = re.compile(r"^(?:tel|callto):\s*", re.IGNORECASE)
_BRACKETED_CODE = re.compile(r"^\(\s*\+\s*(\d{1,3})\s*\)")
_WORD = re.compile(r"[^\W\d_]+")
# Words written beside a number to say what kind of number it is, in the languages of
# the exports this tool reads; compared casefolded.
_LABELS = frozenset(
    {
        "tel", "tél", "tlf", "tfno", "telf", "phone", "ph", "telephone", "téléphone", "telefon",
        "telefono", "teléfono", "telefone", "number", "nr", "no", "num", "nummer", "numero",
        "número", "cell", "cellphone", "cellular", "mobile", "mob", "mobil", "mobiel", "handy",
        "home", "work", "office", "main", "direct", "business", "personal", "private", "privat",
        "privé", "prive", "büro", "buero", "geschäftlich", "geschaeftlich", "dienstlich",
        "festnetz", "portable", "fixe", "domicile", "bureau", "travail", "móvil", "movil",
        "celular", "cel", "casa", "trabajo", "oficina", "fijo", "ufficio", "cellulare", "lavoro",
        "fisso", "landline", "daytime", "evening", "whatsapp",
    }
)  # fmt: skip
_FAX_WORDS = frozenset(
    {"fax", "telefax", "telefaks", "faks", "faxnr", "faxnummer", "télécopie", "telecopie"}
)
# One letter and a colon, as in e-mail signatures: "T: ...", "M: ...", "F: ..." (fax).
_LETTER_LABELS = re.compile(r"(?<![^\W\d_])([tmhwocf])\s*:", re.IGNORECASE)
_LEFTOVER_BRACKETS = re.compile(r"[(\[]\s*[.:,;\-]*\s*[)\]]")
_EDGE_PUNCTUATION = " \t:;,.|/-"
# A vanity number: a group of digits first (a prefix or area code), then groups that are
# all digits or all capital letters, such as 1-800-FLOWERS or 1-800-GO-FEDEX.
_VANITY = re.compile(r"^\+?\(?[0-9]+\)?(?:[ .\-]+(?:\(?[0-9]+\)?|[A-Z]+))*$")
_CAPITALS = re.compile(r"[A-Z]")


def _read_text(value: str, raw: str, region: str | None) -> tuple[str, str | None] | Problem:
    """The number part and extension of a cell that is not plain digits and punctuation.

    Folds full-width characters, drops invisible marks and a ``tel:`` prefix, cuts the
    words that label a number (``cell``, ``Büro``, ``(home)``) and the extension;
    rejects fax numbers and any other words. Letters become digits only in a vanity
    number written in capitals after its leading digits, never in other words.
    """
    value = _TEL.sub("", value.translate(_FOLD).strip())
    if value[:2] in ("p:", "P:"):
        value = value[2:].strip()
    if value[:1] in _TEXT_MARKS:
        value = value[1:].strip()
    if not value:
        return Problem("phone_missing", "phone is empty; fill in the lead's phone number")
    if region in ("BR", None) or value[:3] == "+55":
        # (0xx11) 91234-5678: 0, "any carrier", the area code. In a row of no country
        # the number is then rejected for want of one, which says what to do.
        value = _BRAZIL_ANY_CARRIER.sub("0", value)
    problem = _odd_phone(value, raw, region)
    if problem is not None:
        return problem
    value = _BRACKETED_CODE.sub(r"+\1 ", value)  # (+44) 20 7946 0123
    if _PLAIN.match(value):
        return value, None
    if not _WORD.search(value):
        return value, None  # no letters: punctuation that phonenumbers reads
    shown = _quote(raw.strip())
    words = []
    fax = False
    for match in _WORD.finditer(value):
        word = match.group().casefold()
        if word in _FAX_WORDS:
            fax = True
        elif word not in _LABELS:
            words.append(match)
    for match in _LETTER_LABELS.finditer(value):
        fax = fax or match.group(1) in "fF"
    if fax:
        return Problem(
            "phone_fax",
            f"phone {shown} is marked as a fax number, which cannot take a call; put the "
            "lead's phone number in the cell, or leave it empty",
        )
    kept = {match.start() for match in words}
    text = _WORD.sub(lambda match: match.group() if match.start() in kept else " ", value)
    text = _LETTER_LABELS.sub(" ", text)
    text = _LEFTOVER_BRACKETS.sub(" ", text).strip(_EDGE_PUNCTUATION)
    text = _BRACKETED_CODE.sub(r"+\1 ", text)
    extension, number_text = _strip_extension(text)
    number_text = number_text.strip(_EDGE_PUNCTUATION)
    if _WORD.search(number_text):
        if not _VANITY.match(number_text) or len(_CAPITALS.findall(number_text)) < 3:
            named = ", ".join(dict.fromkeys(_quote(found) for found in _WORD.findall(number_text)))
            return Problem(
                "phone_invalid",
                f"phone {shown} holds words that are not part of a number ({named}); keep "
                "only the number in the cell, such as +14155550123",
            )
        number_text = phonenumbers.convert_alpha_characters_in_number(number_text)
    if not number_text or not _HAS_DIGIT.search(number_text):
        return Problem(
            "phone_invalid",
            f"phone {shown} is not a phone number; write the digits, such as +14155550123",
        )
    return number_text, extension or None


def _strip_extension(text: str) -> tuple[str, str]:
    """Cut an extension (``ext. 12``, ``x34``, ``;ext=5``) as phonenumbers' parse does."""
    if _EXTENSIONS is None:
        return "", text
    found = _EXTENSIONS(text)
    return found[0], found[1]


def _odd_phone(value: str, raw: str, region: str | None) -> Problem | None:
    """The problems of a cell that is not plain digits and punctuation."""
    lowered = value.lower()
    shown = _quote(raw.strip())
    if lowered.startswith("<test lead"):
        return Problem(
            "phone_placeholder",
            f"phone {shown} is Meta test-lead dummy data; remove test leads from the export",
        )
    if lowered in _PHONE_PLACEHOLDERS:
        return Problem(
            "phone_placeholder",
            f"phone {shown} is a placeholder, not a number; fill in the real number",
        )
    if lowered == _NO_VALUE:
        return Problem(
            "phone_cell_error",
            f"phone {shown}: the cell holds a formula whose result was not saved; open the "
            "file in Excel and save it again",
        )
    if lowered in _CELL_ERRORS or _LIBREOFFICE_ERROR.match(lowered):
        return Problem(
            "phone_cell_error",
            f"phone {shown} is a spreadsheet error value, not a number: the cell holds a "
            "formula that failed; fix the formula or re-export the sheet with the numbers as "
            "values",
        )
    if _SCIENTIFIC.match(value):
        return Problem(
            "phone_scientific",
            f"phone {shown} was turned into scientific notation by Excel and its last digits "
            "are lost; re-export the file with the phone column formatted as Text",
        )
    if _masked(value, region):
        return Problem(
            "phone_masked",
            f"phone {shown} is hidden: part of its digits were masked by the export (X, N, *, "
            "# or • in place of digits), so it cannot be called; ask for the full number",
        )
    if not _HAS_DIGIT.search(value):
        return Problem(
            "phone_invalid",
            f"phone {shown} is not a phone number; write the digits, such as +14155550123",
        )
    return None


# --- masked digits ---------------------------------------------------------------------

# Prospecting tools and CRMs hide digits with X, N or a symbol: (718) 274-XXXX,
# (646) 310-NNNN, 718-274-55**, •••• 5501, ___-___-5501. A mask never becomes a digit.
_MASK_SYMBOLS = "*#_\u2022\u25cf"  # *, #, _, • and ●
_MASK_PIECE = re.compile(r"[^\W\d_]+|[*#_\u2022\u25cf]+")
# What follows an extension mark (x12, x: 12, #12), as phonenumbers' extension rules
# read it, to the end of the number.
_NOT_DIGITS = re.compile(r"[^\d+]")
_WORD_BEFORE = re.compile(r"[^\W\d_]\s*$")
_EXTENSION_TAIL = re.compile(r"[:.]?[ \t,\-]*(\d{0,7})#?\s*$")


def _masked(value: str, region: str | None) -> bool:
    """Whether a cell hides digits behind mask characters (see :func:`normalize_phone`).

    A mask is a run of two or more mask symbols (``*``, ``#``, ``_``, ``•``, ``●``),
    or a word of two letters or more that are all X or all N (``XXXX``, ``nnn``; not
    ``NEXTEL``), or one of those characters touching a digit (``550X``, ``55*1``) or
    standing between digits (``+33 X 12 34 56 78``), or alone before the digits or at
    the end of the number (``* 029 491-19-11``, ``(718) 274-550 X``). Except:
    ``_`` between two digits (a separator), and ``x`` or ``#`` before the extension
    digits of a whole number (``5501x12``), or any of them after a whole number
    (``5501x``), where no digit can stand (see :func:`_not_a_digit`).
    """
    for match in _MASK_PIECE.finditer(value):
        piece = match.group()
        start, end = match.span()
        if piece[0] in _MASK_SYMBOLS:
            if len(piece) > 1:
                return True
        else:
            folded = piece.casefold()
            if folded.strip("x") and folded.strip("n"):
                continue  # a word, not a mask: vanity letters, labels, notes
            if len(piece) > 1:
                return True
        before = value[start - 1] if start else ""
        after = value[end] if end < len(value) else ""
        tail = _EXTENSION_TAIL.match(value, end)
        digits_before = _HAS_DIGIT.search(value, 0, start) is not None
        touching = before.isdigit() or after.isdigit()
        among = digits_before and _HAS_DIGIT.search(value, end) is not None
        # Alone at the end of the number ("(718) 274-550 X"): checked as the others.
        at_end = digits_before and tail is not None and not tail.group(1)
        # Alone before the digits ("* 029 491-19-11", the 8 of a Belarusian trunk prefix
        # hidden; "+* 201-555-0123"); "#: 718...", "Phone # 718..." are labels.
        at_start = (
            not digits_before
            and _HAS_DIGIT.search(value, end) is not None
            and value[end:].lstrip()[:1] not in (":", ".")
            and not (piece == "#" and _WORD_BEFORE.search(value, 0, start))
        )
        if not (touching or among or at_end or at_start):
            continue  # before the number or among words: "Phone #: ...", "(home #)"
        if piece == "_" and before.isdigit() and after.isdigit():
            continue  # 718_274_5501: a separator
        if (
            tail is not None
            and (piece in "xX#" or not tail.group(1))
            and _not_a_digit(value[:start], tail.group(1), region)
        ):
            continue  # an extension mark (5501x12), or a mark after a whole number
        return True
    return False


def _not_a_digit(head: str, tail: str, region: str | None) -> bool:
    """Whether a mark between ``head`` and the digits ``tail`` cannot stand for a digit.

    Only when ``head`` is a valid number on its own and a digit in the mark's place
    would not make a valid number either: in ``(718) 274-5501x12`` the x cannot be a
    digit (an extension follows), in ``+49 30 1234567x8`` it can, and a number that
    may hide a digit is not sent.
    """
    digits = _NOT_DIGITS.sub("", head)  # labels ("Tel:") are cut later, as words
    if digits[:2] == "00":
        digits = "+" + digits[2:]
    if len(digits) < 3 or "+" in digits[1:]:
        return False
    if region is None and digits[0] != "+":
        # No country to check in (the number is rejected for that anyway): digits after
        # the mark are an extension, a mark at the end hides one.
        return bool(tail)
    try:
        number = phonenumbers.parse(digits, region)
        filled = phonenumbers.parse(digits + "0" + tail, region)
    except NumberParseException:
        return False
    return is_valid_number(number) and not is_valid_number(filled)


# --- digits without "+" that are not a number of the default country -----------------

_FORMATTING = re.compile(r"[\s().\-/]")
_SPACES = re.compile(r" +")


def _with_country_code(value: str, raw: str, region: str | None) -> Phone | Problem | None:
    """Read digits that are not valid in ``region`` with their own country code, if sure.

    A number typed as +447911123456 into a spreadsheet cell becomes the number
    447911123456: the cell keeps the digits but drops the ``+``. Such a cell holds
    bare digits, so only bare digits (or digits spaced as the international format
    spaces them) are read this way, with a warning. Digits written in national
    format, with brackets, dashes or dots, are a national number with a typo, and
    so are bare digits that become a valid number of ``region`` when one digit is
    dropped: both are rejected, never sent to the other country.
    """
    digits = _FORMATTING.sub("", value)
    if not digits.isdigit() or len(digits) < 11 or digits[0] == "0":
        return None
    kept = digits  # as the cell holds them
    if digits[:3] == "521" and len(digits) == 13:
        digits = "52" + digits[3:]  # a Mexican mobile with the 1 dropped in 2019
    try:
        number = _parse("+" + digits, None, True)
    except NumberParseException:
        return None
    if not is_valid_number(number):
        return None
    e164 = f"+{number.country_code}{phonenumbers.national_significant_number(number)}"
    if region is not None and number.country_code == phonenumbers.country_code_for_region(region):
        return Phone(e164=e164)  # the digits begin with the region's own country code
    country = phonenumbers.region_code_for_number(number) or "ZZ"
    shown = _quote(raw.strip())
    written = phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)
    if not _written_bare(value, written):
        if region is None:
            return None
        return Problem(
            "phone_ambiguous",
            f"phone {shown} is not a valid {region} number; read with a country code it "
            f"would be {written} ({country}), but it is written as a national number, so it "
            f"is not sent there; check the digits, or write it as {written} if that is the "
            "lead's number",
        )
    near = _one_digit_away(digits, region) if region else None
    if near is not None:
        return Problem(
            "phone_ambiguous",
            f"phone {shown} is not a valid {region} number, but without one of its digits it "
            f"would be {near}; read with a country code it would be {written} ({country}); "
            f"check the digits, or write it as {written} if that is the lead's number",
        )
    where = f"a valid {region} number" if region else "written with a country"
    return Phone(
        e164=e164,
        warning=PhoneWarning(
            "phone_country_guessed",
            f"phone {shown} has no + and is not {where}; it was read with its country code "
            f"as {written} ({country}), as a spreadsheet keeps +{kept}; check that this is "
            "the lead's number",
        ),
    )


def _dialled_abroad(
    value: str, raw: str, region: str, number: phonenumbers.PhoneNumber
) -> Phone | Problem | None:
    """Check a number dialled abroad (00, 011) that one digit too many may have made.

    Where 00 dials abroad and 0 begins a national number, a doubled first zero sends a
    national number to another country: ``001512 3456308`` in a German file is
    +1 512 345 6308, or 01512 3456308 with one 0 too many. When dropping a digit of
    the prefix leaves a valid number of ``region``, a cell grouped as that national
    number is rejected, and any other cell is read abroad with a warning.
    """
    digits = _FORMATTING.sub("", value)
    if not digits.isdigit():
        return None
    own = _region_metadata(region)
    prefix = 2 if digits[:2] == "00" else 0
    if not prefix and own is not None:
        found = _prefixes(own)[0].match(digits)
        prefix = found.end() if found else 0
    near = _one_digit_away(digits, region, prefix)
    if near is None:
        return None
    shown = _quote(raw.strip())
    written = phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)
    country = phonenumbers.region_code_for_number(number) or "ZZ"
    groups = [len(group) for group in re.findall(r"[0-9]+", value)]
    national = [len(group) for group in re.findall(r"[0-9]+", near)]
    if len(groups) > 1 and groups[1:] == national[1:] and groups[0] == national[0] + 1:
        return Problem(
            "phone_ambiguous",
            f"phone {shown} is written as the {region} number {near} with one digit too "
            f"many, which dials abroad, to {written} ({country}); check the digits, or write "
            f"it as {written} if that is the lead's number",
        )
    e164 = f"+{number.country_code}{phonenumbers.national_significant_number(number)}"
    return Phone(
        e164=e164,
        warning=PhoneWarning(
            "phone_dialled_abroad",
            f"phone {shown} was read as {written} ({country}), dialled abroad; with one digit "
            f"more or less it would be the {region} number {near}; check that this is the "
            "lead's number",
        ),
    )


def _written_bare(value: str, international: str) -> bool:
    """Whether a cell is digits as a number cell holds them: no punctuation, or spaced
    exactly as ``international`` (the number's international format) is."""
    if value.isdigit():
        return True
    if not _SPACES.sub(" ", value).replace(" ", "").isdigit():
        return False
    groups = [len(group) for group in value.split()]
    wanted = [sum(ch.isdigit() for ch in group) for group in international[1:].split()]
    return groups == wanted


def _one_digit_away(digits: str, region: str, first: int = 0) -> str | None:
    """A valid number of ``region`` that ``digits`` become without one of their digits.

    With ``first``, only one of the first ``first`` digits is dropped, or one digit
    is added before or among them (a dropped digit can make a prefix too).
    """
    code = phonenumbers.country_code_for_region(region)
    candidates = [
        digits[:at] + digits[at + 1 :]
        for at in range(first or len(digits))
        if not at or digits[at] != digits[at - 1]  # either digit of a pair: the same
    ]
    if first:
        candidates += [
            digits[:at] + new + digits[at:] for at in range(first + 1) for new in "0123456789"
        ]
    for candidate in candidates:
        try:
            number = _parse(candidate, region, True)
        except NumberParseException:
            continue
        if number.country_code == code and is_valid_number(number):
            return phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)
    return None


# --- parsing and validity, the hot path ---------------------------------------------

try:  # pieces of phonenumbers.parse, for cells that need none of its text handling
    from phonenumbers.phonenumberutil import (
        _extract_country_code,
        _is_viable_phone_number,
        _match_national_number,
        _maybe_strip_national_prefix_carrier_code,
        _set_italian_leading_zeros_for_phone_number,
        _test_number_length,
    )

    _FAST_PARSE = True
except ImportError:  # another phonenumbers layout: always take the whole parse
    _FAST_PARSE = False

_EXTENSIONS: Callable[[str], tuple[str, str]] | None
try:  # the extension rules of parse, to cut an extension before letters are checked
    from phonenumbers.phonenumberutil import _maybe_strip_extension as _EXTENSIONS
except ImportError:  # then extensions written with letters are refused as words
    _EXTENSIONS = None

# Digits with the usual punctuation, maybe a leading "+" or "(": nothing that the text
# handling of parse (finding the number, extensions, letters, RFC 3966) would change.
_PLAIN = re.compile(r"^(?:\+ ?)?\(?[0-9][0-9 ().\-]*[0-9]$")
_PUNCTUATION = str.maketrans("", "", " ().-")
_NOT_USABLE = (
    ValidationResult.TOO_SHORT,
    ValidationResult.IS_POSSIBLE_LOCAL_ONLY,
    ValidationResult.INVALID_LENGTH,
)


def parse_number(text: str, region: str | None) -> phonenumbers.PhoneNumber:
    """The same PhoneNumber as ``phonenumbers.parse(text, region)``, faster for plain cells.

    For a cell of digits and the usual punctuation, the first half of ``parse``
    (finding the number in the text, extensions, letters) changes nothing and its
    per-character normalization is the slowest part, so this goes straight to the
    country code and national prefix rules, with phonenumbers' own helpers. Any
    other cell, and any case that would end in an error, takes ``parse`` itself.
    Tests compare both on numbers of every region written in many ways.
    """
    return _parse(text, region, _PLAIN.match(text) is not None)


def _parse(text: str, region: str | None, plain: bool) -> phonenumbers.PhoneNumber:
    """:func:`parse_number`, told whether ``text`` matches :data:`_PLAIN`."""
    if not _FAST_PARSE or not plain:
        return phonenumbers.parse(text, region)
    international = text[0] == "+"
    digits = (text[1:] if international else text).translate(_PUNCTUATION)
    # Three digits or more with this punctuation is always a viable number for parse.
    if len(digits) < 3 and not _is_viable_phone_number(text):
        return phonenumbers.parse(text, region)
    metadata = _region_metadata(region) if region else None
    if international:
        country_code, national = _extract_country_code(digits)
    else:
        if metadata is None or _prefixes(metadata)[0].match(digits):
            return phonenumbers.parse(text, region)  # no region, or an IDD such as 011
        country_code, national = _default_country_code(digits, metadata)
    if country_code != 0:
        number_region = phonenumbers.region_code_for_country_code(country_code)
        if number_region != region:
            metadata = phonenumbers.PhoneMetadata.metadata_for_region_or_calling_code(
                country_code, number_region
            )
    elif international or metadata is None:
        return phonenumbers.parse(text, region)
    else:
        country_code, national = metadata.country_code or 0, digits
    if metadata is None or len(national) < 2:
        return phonenumbers.parse(text, region)
    # Without a national prefix at the start there is nothing to strip (most cells).
    if _prefixes(metadata)[1].match(national):
        _, potential, _ = _maybe_strip_national_prefix_carrier_code(national, metadata)
        if _test_number_length(potential, metadata) not in _NOT_USABLE:
            national = potential
    if not 2 <= len(national) <= 17:
        return phonenumbers.parse(text, region)
    number = phonenumbers.PhoneNumber(country_code=country_code)
    _set_italian_leading_zeros_for_phone_number(national, number)
    number.national_number = int(national)
    return number


_NEVER = re.compile(r"(?!)")
_PREFIXES: dict[tuple[str, int], tuple[re.Pattern[str], re.Pattern[str]]] = {}


def _prefixes(metadata: Any) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """The international and the national prefix patterns of a region, compiled once."""
    key = (metadata.id, metadata.country_code)
    found = _PREFIXES.get(key)
    if found is None:
        international = metadata.international_prefix
        national = metadata.national_prefix_for_parsing
        found = _PREFIXES[key] = (
            re.compile(international) if international else _NEVER,
            re.compile(national) if national else _NEVER,
        )
    return found


@lru_cache(maxsize=512)
def _region_metadata(region: str) -> Any:
    return phonenumbers.PhoneMetadata.metadata_for_region(region.upper(), None)


def _default_country_code(digits: str, metadata: Any) -> tuple[int, str]:
    """The default-region branch of phonenumbers' country code extraction."""
    code = str(metadata.country_code)
    if digits.startswith(code):
        general = metadata.general_desc
        _, potential, _ = _maybe_strip_national_prefix_carrier_code(digits[len(code) :], metadata)
        if (
            not _match_national_number(digits, general, False)
            and _match_national_number(potential, general, False)
        ) or _test_number_length(digits, metadata) == ValidationResult.TOO_LONG:
            return metadata.country_code, potential
    return 0, ""


@dataclass(frozen=True, slots=True)
class _Desc:
    lengths: frozenset[int]
    pattern: re.Pattern[str]

    def matches(self, nsn: str) -> bool:
        return (not self.lengths or len(nsn) in self.lengths) and bool(self.pattern.fullmatch(nsn))


#: The types phonenumbers tries before fixed lines and mobiles, in its order.
_TYPE_ORDER = ("premium_rate", "toll_free", "shared_cost", "voip", "personal_number", "pager",
               "uan", "voicemail")  # fmt: skip


@dataclass(frozen=True, slots=True)
class _Rules:
    general: _Desc | None
    leading_digits: re.Pattern[str] | None
    #: Every type's pattern in one, tried in phonenumbers' order: the group that
    #: matches names the type (see :func:`_classifier`).
    classifier: re.Pattern[str] | None

    def number_type(self, nsn: str) -> str:
        """Exactly phonenumbers' ``_number_type_helper``, as a lowercase type name."""
        if self.general is None or self.classifier is None or not self.general.matches(nsn):
            return "unknown"
        found = self.classifier.fullmatch(nsn)
        return "unknown" if found is None or found.lastgroup is None else found.lastgroup

    def known_type(self, nsn: str) -> bool:
        return self.number_type(nsn) != "unknown"


def _classifier(metadata: Any) -> re.Pattern[str] | None:
    """One pattern for phonenumbers' type rules, a named group for each type.

    phonenumbers tries premium rate, toll free, ... voicemail, then the fixed-line
    pattern (a fixed line that the mobile pattern also matches, or any fixed line
    when the two patterns are the same, is ``fixed_line_or_mobile``), then mobile,
    each with its possible lengths. An alternation tries its branches in order too, so
    the first branch that matches the whole number is the type phonenumbers gives,
    with one regular expression call instead of one per type.
    """

    def branch(desc: Any) -> str | None:
        pattern = getattr(desc, "national_number_pattern", None)
        if not pattern:
            return None
        lengths = desc.possible_length or ()
        sized = "|".join(rf"\d{{{n}}}" for n in sorted(set(lengths)))
        return (rf"(?=(?:{sized})\Z)" if sized else "") + f"(?:{pattern})"

    branches = [f"(?P<{name}>{found})" for name in _TYPE_ORDER
                if (found := branch(getattr(metadata, name)))]  # fmt: skip
    fixed, mobile = branch(metadata.fixed_line), branch(metadata.mobile)
    same = bool(metadata.same_mobile_and_fixed_line_pattern)
    if fixed is not None:
        if same:
            branches.append(f"(?P<fixed_line_or_mobile>{fixed})")
        else:
            if mobile is not None:
                branches.append(f"(?P<fixed_line_or_mobile>(?=(?:{fixed})\\Z){mobile})")
            branches.append(f"(?P<fixed_line>{fixed})")
    if mobile is not None and not same:
        branches.append(f"(?P<mobile>{mobile})")
    return re.compile("|".join(branches)) if branches else None


def _desc(number_desc: Any) -> _Desc | None:
    pattern = getattr(number_desc, "national_number_pattern", None)
    if not pattern:
        return None
    return _Desc(frozenset(number_desc.possible_length or ()), re.compile(pattern))


@cache
def _rules(country_code: int, region: str) -> _Rules | None:
    metadata = phonenumbers.PhoneMetadata.metadata_for_region_or_calling_code(country_code, region)
    if metadata is None:
        return None
    leading = metadata.leading_digits
    return _Rules(
        _desc(metadata.general_desc), re.compile(leading) if leading else None,
        _classifier(metadata),
    )  # fmt: skip


def _type_of(country_code: int, nsn: str) -> str:
    """The type of a number as phonenumbers gives it; ``unknown`` for an invalid one.

    The region is found as phonenumbers finds it: the only region of the country
    code, else the first whose leading digits match, else the first for which the
    number has a type.
    """
    regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(country_code)
    if not regions:
        return "unknown"
    kind: str | None = None  # the type in the region found, when finding it told it
    if len(regions) == 1:
        region: str | None = regions[0]
    else:
        region = None
        for candidate in regions:
            rules = _rules(country_code, candidate)
            if rules is None:
                continue
            if rules.leading_digits is not None:
                if rules.leading_digits.match(nsn):
                    region = candidate
                    break
            elif (found := rules.number_type(nsn)) != "unknown":
                region, kind = candidate, found
                break
    if region is None:
        return "unknown"
    if region != "001" and _country_code_of(region) != country_code:
        return "unknown"
    if kind is not None:
        return kind
    rules = _rules(country_code, region)
    return "unknown" if rules is None else rules.number_type(nsn)


@cache
def _country_code_of(region: str) -> int:
    return int(phonenumbers.country_code_for_valid_region(region))


def is_valid_number(number: phonenumbers.PhoneNumber) -> bool:
    """Exactly ``phonenumbers.is_valid_number``, several times faster.

    The same metadata and the same rules (the country's region found by leading
    digits or by type, then a number type that is not unknown), with the metadata's
    patterns compiled once, and every type's in one (:func:`_classifier`). Tests
    compare it with phonenumbers on numbers of every region.
    """
    nsn = phonenumbers.national_significant_number(number)
    return _type_of(number.country_code or 0, nsn) != "unknown"


def phone_type(e164: str) -> str:
    """The numbering plan's type of an E.164 number: ``mobile``, ``toll_free``, ...

    Exactly ``phonenumbers.number_type`` as a lowercase name (``fixed_line``,
    ``mobile``, ``fixed_line_or_mobile``, ``toll_free``, ``premium_rate``,
    ``shared_cost``, ``voip``, ``personal_number``, ``pager``, ``uan``, ``voicemail``,
    ``unknown``), read from the E.164 digits without parsing them again. The plan
    cannot tell a US or Canadian mobile from a landline, so those are
    ``fixed_line_or_mobile``.
    """
    digits = e164[1:]
    for size in (1, 2, 3):  # country codes are prefix-free: one length fits
        code = int(digits[:size] or 0)
        if code in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
            return _type_of(code, digits[size:])
    return "unknown"


def _parse_problem(exc: NumberParseException, shown: str, region: str | None) -> Problem:
    kind = exc.error_type
    if kind == NumberParseException.INVALID_COUNTRY_CODE:
        return Problem(
            "phone_invalid_country",
            f"phone {shown} does not start with a known country code; write it as "
            "+<country code><number>",
        )
    if kind in (NumberParseException.TOO_SHORT_NSN, NumberParseException.TOO_SHORT_AFTER_IDD):
        return Problem(
            "phone_too_short",
            f"phone {shown} is too short{_region_words(region)}; include the area code and "
            "every digit",
        )
    if kind == NumberParseException.TOO_LONG:
        return Problem(
            "phone_too_long",
            f"phone {shown} is too long{_region_words(region)}; check for extra digits or two "
            "numbers in one cell",
        )
    return Problem(
        "phone_invalid",
        f"phone {shown} is not a phone number; write the digits, such as +14155550123",
    )


def _too_long(shown: str, region: str | None) -> Problem:
    return Problem(
        "phone_too_long",
        f"phone {shown} is too long{_region_words(region)}; check for extra digits or two "
        "numbers in one cell",
    )


def _invalid_problem(number: phonenumbers.PhoneNumber, shown: str, region: str | None) -> Problem:
    # ``region`` is the default country the number was read in; for a number written with
    # its country code, name that country instead.
    if region is None:
        country = phonenumbers.region_code_for_country_code(number.country_code or 0)
        region = None if country == "ZZ" else country
    where = _region_words(region)
    reason = phonenumbers.is_possible_number_with_reason(number)
    if reason == ValidationResult.INVALID_COUNTRY_CODE:
        return Problem(
            "phone_invalid_country",
            f"phone {shown} has an unknown country code (+{number.country_code}); "
            "write it as +<country code><number>",
        )
    if reason == ValidationResult.TOO_SHORT:
        return Problem("phone_too_short", f"phone {shown} is too short{where}; include every digit")
    if reason == ValidationResult.TOO_LONG:
        return Problem(
            "phone_too_long",
            f"phone {shown} is too long{where}; check for extra digits or two numbers in one cell",
        )
    return Problem(
        "phone_invalid",
        f"phone {shown} is not a valid number{where}; check the digits and the country code",
    )


_EMAIL = re.compile(
    r"^[^@\s<>(),;:\"\[\]]+@([A-Za-z0-9\u00a1-\uffff-]+(?:\.[A-Za-z0-9\u00a1-\uffff-]+)+)$"
)


# The common case, which passes every check below: plain ASCII, a dotted domain.
_PLAIN_EMAIL = re.compile(
    r"^(?!\.)(?![^@]*\.\.)[A-Za-z0-9._%+'-]+@"
    r"((?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z][A-Za-z0-9-]*[A-Za-z0-9])$"
)


def normalize_email(raw: str) -> str | Problem | None:
    """Check that an email address is plausible and lower-case its domain; empty is None."""
    value = raw.strip()
    if not value:
        return None
    plain = _PLAIN_EMAIL.match(value)
    if plain is not None:
        domain = plain.group(1)
        return value if domain.islower() else value[: plain.start(1)] + domain.lower()
    if value[:7].lower() == "mailto:":
        value = value[7:].strip()
        if not value:
            return None
    match = _EMAIL.match(value)
    labels = match.group(1).split(".") if match else []
    if (
        not match
        or value.startswith(".")
        or ".." in value.split("@")[0]
        or any(not label or label[0] == "-" or label[-1] == "-" for label in labels)
        or len(labels[-1]) < 2
        or labels[-1].isdigit()
    ):
        return Problem(
            "email_invalid",
            f"email {_quote(value)} is not a valid address (expected name@domain.tld); "
            "correct it or leave it empty",
        )
    local, _, domain = value.rpartition("@")
    return f"{local}@{domain.lower()}"


def normalize_priority(raw: str) -> str | Problem:
    """Normalize a priority to low, medium, high or urgent; empty means medium."""
    value = raw.strip().lower()
    if not value:
        return DEFAULT_PRIORITY
    if value in PRIORITIES:
        return value
    return Problem(
        "priority_invalid",
        f"priority {_quote(raw.strip())} is not one of {', '.join(PRIORITIES)}; "
        "use one of those or leave it empty for medium",
    )


def normalize_tags(values: Sequence[str]) -> list[str] | Problem:
    """Trim tags, drop empty ones, de-duplicate case-insensitively; at most 20."""
    seen: set[str] = set()
    tags: list[str] = []
    for value in values:
        # Mailchimp writes each tag in double quotes: "Customer","VIP".
        tag = value.strip().strip('"').strip()
        key = tag.casefold()
        if tag and key not in seen:
            seen.add(key)
            tags.append(tag)
    if len(tags) > MAX_TAGS:
        return Problem(
            "tags_too_many",
            f"tags: {len(tags)} different tags, the API takes at most {MAX_TAGS}; "
            "merge or remove some",
        )
    return tags


def split_tags(raw: str, separator: str | None) -> list[str]:
    """Split a cell into tags on ``separator`` (no separator: the whole cell is one tag)."""
    if separator is None:
        return [raw]
    return raw.split(separator)


def normalize_text(raw: str) -> str | None:
    """Trim a free-text value; empty is None."""
    value = raw.strip()
    return value or None


#: Code of a cell, other than the phone, that holds a spreadsheet error: a warning, and
#: the value is left out (the phone's own code, ``phone_cell_error``, rejects the row).
CELL_ERROR = "cell_error"


def cell_error(field: str, raw: object) -> Problem | None:
    """The problem of a cell that holds a spreadsheet error (``#N/A``) instead of a value."""
    cells = raw if type(raw) is list else [raw]
    for cell in cells:
        if type(cell) is str and cell.lstrip()[:1] == "#" and is_cell_error(cell):
            if cell.strip().upper() == NO_CACHED_VALUE:
                return Problem(
                    CELL_ERROR,
                    f"{field} {_quote(cell.strip())}: the cell holds a formula whose result was "
                    "not saved, so it was left out; open the file in Excel and save it again",
                )
            return Problem(
                CELL_ERROR,
                f"{field} {_quote(cell.strip())} is a spreadsheet error, not a value (a formula "
                "that failed, or one saved without its result); it was left out: fix the "
                "formula, or save the sheet with its values, and import the row again",
            )
    return None


def split_full_name(raw: str) -> tuple[str | None, str | None]:
    """Split a full name into (first, last): ``Doe, Jane`` or ``Jane Doe``; one word is first."""
    value = " ".join(raw.split())
    if not value:
        return None, None
    if "," in value:
        last, _, first = value.partition(",")
        return (first.strip() or None), (last.strip() or None)
    first, _, last = value.partition(" ")
    return first, (last or None)
