"""Normalizers for single lead values: phone, email, priority, tags, time zone, names.

Each normalizer takes one raw text value and returns the normalized value, or a
:class:`Problem` that says, in words a marketing-ops person can act on, what is
wrong and how to fix it. They never raise for bad input. The validation schema
(:mod:`importer.schema`) applies them to whole columns.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, ValidationResult

from .problems import Problem as Problem
from .problems import quote as _quote

PRIORITIES = ("low", "medium", "high", "urgent")
DEFAULT_PRIORITY = "medium"
MAX_TAGS = 20


@dataclass(frozen=True, slots=True)
class Phone:
    """A phone number normalized to E.164, with the extension it carried, if any."""

    e164: str
    extension: str | None = None


# Values people type when they have no number; compared case-insensitively.
_PHONE_PLACEHOLDERS = frozenset(
    {
        "-", "--", "---", ".", "?", "0", "00", "n/a", "n.a.", "na", "nan", "none", "null",
        "nil", "unknown", "tbd", "x", "xx", "xxx", "no", "no phone", "not provided", "#n/a",
    }
)  # fmt: skip
_SCIENTIFIC = re.compile(r"^[+-]?\d+(?:[.,]\d+)?[eE][+-]?\d+$")
_FLOAT_ZERO = re.compile(r"^(\+?\d+)\.0+$")
_HAS_DIGIT = re.compile(r"\d")


def _region_words(region: str | None) -> str:
    return f" for {region}" if region else ""


def normalize_phone(raw: str, region: str | None = None) -> Phone | Problem:
    """Normalize a phone number to E.164, using ``region`` for numbers without ``+``."""
    value = raw.strip()
    if value[:2] in ("p:", "P:"):  # Meta Lead Ads downloads prefix phones with "p:"
        value = value[2:].strip()
    if value[:1] == "'":  # a spreadsheet's "this is text" mark, as in this tool's reports
        value = value[1:].strip()
    if not value:
        return Problem("phone_missing", "phone is empty; fill in the lead's phone number")
    first = value[0]
    if (not first.isdigit() and first not in "+(") or "e" in value or "E" in value or "." in value:
        problem = _odd_phone(value, raw)
        if problem is not None:
            return problem
        whole = _FLOAT_ZERO.match(value)
        if whole:  # a numeric cell written out as 14155551234.0: the digits are intact
            value = whole.group(1)
    if value.startswith("00"):
        value = "+" + value[2:].lstrip()
    if region is None and value[0] != "+":
        international = _international_digits(value)
        if international is not None:
            return international
        return Problem(
            "phone_no_region",
            f"phone {_quote(raw.strip())} has no country code and no default country is set; "
            "write it as +<country code><number>, or run with --region (e.g. --region US), or "
            "set 'region:' in the mapping",
        )
    try:
        number = parse_number(value, region)
    except NumberParseException as exc:
        return _international_digits(value) or _parse_problem(exc, _quote(raw.strip()), region)
    if not is_valid_number(number):
        international = _international_digits(value)
        if international is not None:
            return international
        given = None if value[0] == "+" else region
        return _invalid_problem(number, _quote(raw.strip()), given)
    # E.164 is "+", the country code and the national significant number, nothing else.
    e164 = f"+{number.country_code}{phonenumbers.national_significant_number(number)}"
    return Phone(e164=e164, extension=number.extension or None)


def _odd_phone(value: str, raw: str) -> Problem | None:
    """The problems of a cell that does not start with a digit or holds e, E or a dot."""
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
    if _SCIENTIFIC.match(value):
        return Problem(
            "phone_scientific",
            f"phone {shown} was turned into scientific notation by Excel and its last digits "
            "are lost; re-export the file with the phone column formatted as Text",
        )
    if not _HAS_DIGIT.search(value):
        return Problem(
            "phone_invalid",
            f"phone {shown} is not a phone number; write the digits, such as +14155550123",
        )
    return None


_FORMATTING = re.compile(r"[\s().\-/]")


def _international_digits(value: str) -> Phone | None:
    """Read 11+ bare digits as a number with its country code, when that is valid.

    A number typed as +447911123456 into a spreadsheet cell becomes the number
    447911123456: the cell keeps the digits but drops the ``+``. Such values are
    read with their country code when reading them in the default country fails.
    """
    digits = _FORMATTING.sub("", value)
    if not digits.isdigit() or len(digits) < 11 or digits.startswith("0"):
        return None
    try:
        number = parse_number("+" + digits, None)
    except NumberParseException:
        return None
    if not is_valid_number(number):
        return None
    return Phone(e164=phonenumbers.format_number(number, PhoneNumberFormat.E164))


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
    if not _FAST_PARSE or not _PLAIN.match(text):
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


# Any type other than unknown makes a number valid, so the order only matters for
# speed: the common types first.
_TYPE_DESCS = ("fixed_line", "mobile", "toll_free", "premium_rate", "shared_cost", "voip",
               "personal_number", "pager", "uan", "voicemail")  # fmt: skip


@dataclass(frozen=True, slots=True)
class _Desc:
    lengths: frozenset[int]
    pattern: re.Pattern[str]

    def matches(self, nsn: str) -> bool:
        return (not self.lengths or len(nsn) in self.lengths) and bool(self.pattern.fullmatch(nsn))


@dataclass(frozen=True, slots=True)
class _Rules:
    general: _Desc | None
    types: tuple[_Desc, ...]
    leading_digits: re.Pattern[str] | None

    def known_type(self, nsn: str) -> bool:
        return (
            self.general is not None
            and self.general.matches(nsn)
            and any(desc.matches(nsn) for desc in self.types)
        )


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
    types = tuple(desc for desc in (_desc(getattr(metadata, name)) for name in _TYPE_DESCS) if desc)
    leading = metadata.leading_digits
    return _Rules(_desc(metadata.general_desc), types, re.compile(leading) if leading else None)


def is_valid_number(number: phonenumbers.PhoneNumber) -> bool:
    """Exactly ``phonenumbers.is_valid_number``, about four times faster.

    The same metadata and the same rules (the country's region found by leading
    digits or by type, then a number type that is not unknown), with the metadata's
    patterns compiled once. Tests compare it with phonenumbers on numbers of every
    region.
    """
    country_code = number.country_code or 0
    regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(country_code)
    if not regions:
        return False
    nsn = phonenumbers.national_significant_number(number)
    known: bool | None = None  # the type check of the region found, when it was run
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
            elif rules.known_type(nsn):
                region, known = candidate, True
                break
    if region is None:
        return False
    if region != "001" and phonenumbers.country_code_for_valid_region(region) != country_code:
        return False
    if known is not None:
        return known
    rules = _rules(country_code, region)
    return rules is not None and rules.known_type(nsn)


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
