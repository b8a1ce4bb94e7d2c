"""Suggest a mapping for a file nobody has mapped yet, and preview how a mapping fills it.

:func:`suggest_mapping` reads a file's header and a sample of its rows and
proposes, for each lead field, the column that fills it:

- **by name**: each header is compared with the names that field goes by in
  ad platforms, CRMs and several languages (``Phone Number``, ``Telefon``,
  ``número de telefone``, ``User Phone``, ...), with rapidfuzz's similarity
  ratio after words such as "user", "work" or "your" are set aside;
- **by value**: a column whose sampled values look like phone numbers is a
  phone, values with ``@`` an e-mail, IANA names a time zone, country codes or
  names a country.

Both scores are combined into a confidence (high, medium, low) shown beside
each line of the written mapping. Several phone columns become a fallback list
(the first valid number wins), ordered by what their headers say they are
(:func:`phone_kind`: the person's direct line, mobile and phone first, then work,
home and other numbers, a company's switchboard after those), and last any column
whose sampled numbers repeat on rows of different people (a shared line, see
:data:`SHARED_LINE_MIN_ROWS`). A fax or a pager column is never a phone. Columns
that fill no lead field are offered as customFields. When a built-in mapping fits
the file (:func:`best_builtin`: its phone columns and most of the file's columns),
it is named first: it is the better choice; else the suggestion says none fits.

:func:`preview_mapping` is ``mapping check``: the first values of every field,
before and after normalization.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd
from rapidfuzz import fuzz, process

from .countries import normalize_region
from .errors import MappingError
from .issues import Issue
from .localzones import zone_for_postal_code
from .mapping import (
    COUNTRY_COLUMN,
    CUSTOM_PREFIX,
    POSTAL_CODE_COLUMN,
    Mapping,
    Source,
    bind_mapping,
    builtin_mappings,
    load_mapping,
    project,
)
from .marks import flag_value, status_says_do_not_call
from .normalize import (
    Phone,
    normalize_email,
    normalize_phone,
    normalize_priority,
)
from .reader import ReadOptions, SourceInfo, open_source
from .schema import validate_chunk
from .timezones import normalize_timezone

__all__ = [
    "BUILTIN_MIN_COLUMNS",
    "BUILTIN_MIN_SHARE",
    "DO_NOT_CALL",
    "DO_NOT_CALL_STATUS",
    "FIELD_NAMES",
    "MIN_SCORE",
    "NAME_THRESHOLD",
    "SAMPLE_ROWS",
    "SHARED_LINE_MIN_ROWS",
    "SHARED_LINE_MIN_SHARE",
    "VALUE_TESTS",
    "BuiltinFit",
    "Choice",
    "FieldPreview",
    "PhoneKind",
    "Preview",
    "SharedLine",
    "Suggestion",
    "best_builtin",
    "name_score",
    "phone_kind",
    "preview_mapping",
    "render_suggestion",
    "suggest_mapping",
]

#: Rows read to sniff values and to preview a mapping.
SAMPLE_ROWS = 200

#: The suggestion's key for a do-not-call flag column (the mapping's ``do_not_call:``).
DO_NOT_CALL = "do_not_call"
#: ... and for a status column some of whose values say do not call.
DO_NOT_CALL_STATUS = "do_not_call_status"

#: What each field is called in exports, in English and other languages the users' files
#: come in. Compared after normalization (lower case, no accents, words not letters removed).
FIELD_NAMES: dict[str, tuple[str, ...]] = {
    "phone": (
        "phone", "phone number", "telephone", "telephone number", "tel", "mobile",
        "mobile phone", "mobile phone number", "mobile number", "cell", "cell phone",
        "cellphone", "phone no", "contact number", "whatsapp", "telefon", "telefonnummer",
        "handy", "handynummer", "mobilnummer", "telefono", "numero de telefono", "movil",
        "celular", "telephone portable", "portable", "numero de telephone", "telefone",
        "numero de telefone", "telemovel", "telefoonnummer", "mobiel", "numer telefonu",
        "phonenumber", "mobilephone", "direct dial", "direct line", "switchboard", "durchwahl",
    ),
    "email": (
        "email", "e mail", "email address", "e mail address", "mail", "courriel",
        "adresse email", "adresse e mail", "correo", "correo electronico", "e mail adresse",
        "email adresse", "endereco de email", "endereco de e mail", "emailaddress",
    ),
    "firstName": (
        "first name", "firstname", "given name", "forename", "first", "vorname", "prenom",
        "nombre", "nome", "primeiro nome", "voornaam",
    ),
    "lastName": (
        "last name", "lastname", "surname", "family name", "last", "nachname", "nom",
        "nom de famille", "apellido", "apellidos", "sobrenome", "achternaam",
    ),
    "fullName": (
        "full name", "fullname", "name", "contact name", "lead name", "customer name",
        "nombre completo", "nome completo", "vollstandiger name", "nom complet",
    ),
    "timeZone": (
        "time zone", "timezone", "tz", "zeitzone", "fuseau horaire", "zona horaria",
        "fuso horario",
    ),
    "tags": ("tags", "tag", "labels", "label", "etiquetas", "schlagworter", "segments"),
    "priority": ("priority", "prio", "prioridad", "prioritat", "priorite", "prioridade"),
    "notes": (
        "notes", "note", "comments", "comment", "message", "remarks", "notizen",
        "bemerkungen", "notas", "remarques", "observaciones",
    ),
    "leadSource": ("lead source", "source", "leadsource", "utm source", "origen", "quelle"),
    COUNTRY_COLUMN: (
        "country", "country code", "country region", "cc", "land", "pays", "pais",
        "countrycode", "nation",
    ),
    POSTAL_CODE_COLUMN: (
        "zip", "zip code", "zipcode", "postal code", "postalcode", "postcode", "post code",
        "zip postal code", "mailing zip", "mailing postal code", "plz", "postleitzahl",
        "code postal", "codigo postal", "cep", "cap",
    ),
    # A yes/no column saying the person is not to be called (Salesforce's DoNotCall). Not
    # "opt out" alone: "Email Opt Out" is about e-mail, and does not stop a call.
    DO_NOT_CALL: (
        "do not call", "donotcall", "dnc", "dnc flag", "do not phone", "do not dial",
        "phone opt out", "call opt out", "calling opt out", "no llamar", "nicht anrufen",
        "ne pas appeler", "nao ligar", "non chiamare", "niet bellen", "tps", "tps registered",
    ),
}  # fmt: skip

#: Words that qualify a field name without changing it: "User Phone" is a phone.
_QUALIFIERS = frozenset(
    [
        "user",
        "person",  # Pipedrive: "Person - First name", "Person - Email - Work"
        "work",
        "your",
        "the",
        "contact",
        "lead",
        "primary",
        "business",
        "home",
        "personal",
        "private",
        "main",
        "de",
        "do",
        "da",
        "del",
        "du",
        "des",
        "of",
    ]
)
_LOOKS_LIKE_PHONE = re.compile(r"^(p:)?\s*\+?[\d\s().\-/]{6,24}((ext\.?|x|#)\s*\d{1,6})?$")
#: Name score (0-100) a column needs to be suggested on its name alone.
NAME_THRESHOLD = 85
#: Combined score (0-100) below which nothing is suggested.
MIN_SCORE = 60


def _normal(text: str) -> str:
    """A header in the form the field names are written: lower case, plain letters, words."""
    spaced = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", text)  # FirstName, MobilePhone
    words = re.findall(r"[a-z0-9]+", _plain(spaced))
    kept = [word for word in words if word not in _QUALIFIERS]
    return " ".join(kept or words)


def _plain(text: str) -> str:
    """Lower case without accents: Número -> numero."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


_CHOICES = {key: [_normal(name) for name in names] for key, names in FIELD_NAMES.items()}


def name_score(header: str, target: str) -> float:
    """How much a header looks like a name of ``target`` (a lead field or ``country``), 0-100.

    For the phone the header is also compared without the words that say what kind of
    phone it is: "Work Direct Phone", "Company HQ Phone", "Person - Phone - Mobile" and
    "Firmentelefon" are all phones by name.
    """
    found = process.extractOne(_normal(header), _CHOICES[target], scorer=fuzz.ratio)
    score = float(found[1]) if found else 0.0
    core = _phone_core(header) if target == "phone" else ""
    if core:
        bare = process.extractOne(core, _CHOICES[target], scorer=fuzz.ratio)
        score = max(score, float(bare[1]) if bare else 0.0)
    return score


# --- what a phone column is ----------------------------------------------------------


@dataclass(frozen=True)
class PhoneKind:
    """What a phone column's header says its numbers are, and their place in a fallback list."""

    #: Lower is tried first: a person's own numbers (0-2), their work, home and other
    #: numbers (3), a line that reaches someone else first (4), a shared line (5).
    rank: int
    #: How the suggestion's comment calls it.
    label: str


DIRECT_LINE = PhoneKind(0, "direct line")
MOBILE = PhoneKind(1, "mobile")
#: The export's main phone field of the person: Phone, Phone Number, First Phone, ...
PERSON_PHONE = PhoneKind(2, "the person's phone")
WORK_PHONE = PhoneKind(3, "work number")
HOME_PHONE = PhoneKind(3, "home number")
OTHER_PHONE = PhoneKind(3, "other number")
SWITCHBOARD = PhoneKind(4, "the company's switchboard")
ASSISTANT_LINE = PhoneKind(4, "an assistant's line")
#: A column whose sampled numbers repeat across people, whatever its header says.
SHARED_LINE = PhoneKind(5, "a shared line")

#: Header words of numbers that are not called: a column named so is never a phone.
_NOT_A_PHONE = frozenset(["fax", "telefax", "pager", "beeper", "piepser", "telex", "tty", "tdd"])
#: Header words that say what kind of phone a column holds, in the languages and vendor
#: spellings of FIELD_NAMES. Looked for in this order: "Work Direct Phone" is a direct
#: line, "Company Mobile" a mobile, "Company Main Phone" the switchboard. Compared on
#: plain words (see :func:`_words`), also joined to a phone word (Firmentelefon,
#: Mobilnummer, Telefonzentrale).
_KIND_WORDS: tuple[tuple[PhoneKind, frozenset[str]], ...] = (
    (DIRECT_LINE, frozenset([
        "direct", "directe", "directa", "directo", "direto", "diretto", "diretta", "direkt",
        "direkte", "durchwahl", "ddi"])),
    (MOBILE, frozenset([
        "mobile", "mobil", "mobiel", "mobiele", "cell", "cellular", "cel", "celular",
        "cellulare", "handy", "movil", "portable", "portatil", "telemovel", "gsm", "whatsapp",
        "wireless", "komorka"])),
    (ASSISTANT_LINE, frozenset([
        "assistant", "assistants", "asst", "assistent", "assistente", "secretary",
        "sekretariat", "secretaria"])),
    (SWITCHBOARD, frozenset([
        "company", "corporate", "corp", "corporation", "hq", "headquarters", "headquarter",
        "head", "organization", "organisation", "org", "account", "switchboard", "main",
        "firm", "firma", "firmen", "unternehmen", "zentrale", "societe", "entreprise",
        "standard", "empresa", "compania", "companhia", "centralita", "azienda", "centralino",
        "societa", "sede", "bedrijf", "hoofdkantoor", "centrale", "reception", "branch"])),
    (WORK_PHONE, frozenset([
        "work", "business", "office", "bureau", "buro", "geschaftlich", "geschafts",
        "dienstlich", "arbeit", "trabajo", "oficina", "comercial", "travail", "professionnel",
        "ufficio", "lavoro", "werk", "kantoor", "zakelijk"])),
    (HOME_PHONE, frozenset([
        "home", "personal", "private", "privat", "residence", "residential", "residencial",
        "domicile", "casa", "particular", "thuis", "abitazione"])),
    (OTHER_PHONE, frozenset([
        "other", "alternate", "alternative", "alt", "additional", "secondary", "second", "extra",
        "backup", "landline", "festnetz", "fixe", "fijo", "fixo", "autre", "otro", "outro",
        "andere", "weitere", "altro", "overig", "2nd", "3rd", "2", "3", "4", "5", "6", "7", "8",
        "9"])),
)  # fmt: skip
#: Words that name a phone, which kind words are joined to in compounds (Firmentelefon).
_PHONE_STEMS = frozenset([
    "phone", "telephone", "tel", "telefon", "telefono", "telefone", "telefoon", "fon", "number",
    "nummer", "numero", "no", "nr", "num", "dial", "line",
])  # fmt: skip
#: Of those, the ones that say "phone" by themselves ("Account Number" is no phone).
_PHONE_WORDS = ("phone", "telephone", "tel", "telefon", "telefono", "telefone", "telefoon", "fon")
#: Words set aside when a phone header is compared on what is left ("First Phone").
_PHONE_FILLER = frozenset(["first", "1", "1st", "s"])  # s: Assistant's Phone


def _words(header: str) -> list[str]:
    """A header's plain words: "Téléphone société" -> ["telephone", "societe"]."""
    spaced = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", header)  # MobilePhone, HomePhone
    return re.findall(r"[a-z0-9]+", _plain(spaced))


def _is_stem(text: str) -> bool:
    """A phone word, or two of them: "telefon", "telefonnummer"."""
    return text in _PHONE_STEMS or any(
        text.startswith(stem) and text[len(stem) :] in _PHONE_STEMS for stem in _PHONE_STEMS
    )


def _kind_word(word: str, keys: frozenset[str]) -> str | None:
    """What is left of ``word`` when it is one of ``keys``, alone or joined to a phone word.

    ``None`` when it is none of them; "" when it is the key alone; the phone word of a
    compound otherwise ("firmentelefon" -> "telefon", "telefonzentrale" -> "telefon").
    """
    if word in keys:
        return ""
    for key in keys:
        if len(key) < 3 or not key.isalpha() or len(word) <= len(key):
            continue
        if word.startswith(key) and _is_stem(word[len(key) :]):
            return word[len(key) :]
        if word.endswith(key) and _is_stem(word[: -len(key)]):
            return word[: -len(key)]
    return None


def _not_a_phone(words: Sequence[str]) -> bool:
    return any(
        word in _NOT_A_PHONE or word.startswith("fax") or word.endswith("fax") for word in words
    )


def phone_kind(header: str) -> PhoneKind | None:
    """What a phone column's header says its numbers are; ``None``: not a number to call.

    Read from the header as written, before qualifiers such as "work", "home" or "main"
    are set aside to match it to a field: a fax or a pager is no phone to call, a direct
    line or a mobile is the person's own, a company's number reaches its switchboard.
    A header that says nothing of the kind ("Phone", "Telefon") is the person's phone.
    """
    words = _words(header)
    if _not_a_phone(words):
        return None
    for kind, keys in _KIND_WORDS:
        if any(_kind_word(word, keys) is not None for word in words):
            return kind
    return PERSON_PHONE


def _phone_core(header: str) -> str:
    """A phone header without the words that say what kind of phone it is; "" if nothing is left.

    "Work Direct Phone" -> "phone", "Firmentelefon" -> "telefon", "Person - Phone - Mobile"
    -> "phone", "Phone 2" -> "phone".
    """
    kept: list[str] = []
    for word in _words(header):
        if word in _QUALIFIERS or word in _PHONE_FILLER:
            continue
        rest = next(
            (left for _, keys in _KIND_WORDS if (left := _kind_word(word, keys)) is not None), word
        )
        if rest:
            kept.append(rest)
    says_phone = any(word.startswith(_PHONE_WORDS) and _is_stem(word) for word in kept)
    return " ".join(kept) if says_phone else ""


def _share(values: Sequence[str], test: Callable[[str], bool]) -> float:
    return sum(1 for value in values if test(value)) / len(values) if values else 0.0


def _is_phone(value: str) -> bool:
    """Looks like a phone number: enough to confirm a column named like a phone."""
    return (_is_international_phone(value) or _LOOKS_LIKE_PHONE.match(value) is not None) and sum(
        ch.isdigit() for ch in value
    ) >= 6


def _is_international_phone(value: str) -> bool:
    """A valid number with its country code: enough to call a column a phone by its values."""
    return type(normalize_phone(value, None)) is Phone


def _is_email(value: str) -> bool:
    return "@" in value and type(normalize_email(value)) is str


def _is_zone(value: str) -> bool:
    return type(normalize_timezone(value)) is str


def _is_country(value: str) -> bool:
    return normalize_region(value) is not None and not value.strip().lstrip("+").isdigit()


_POSTAL_SHAPE = re.compile(r"\d{5}(?:-?\d{4})?|[A-Za-z]\d[A-Za-z] ?\d[A-Za-z]\d")


def _is_postal_code(value: str) -> bool:
    return _POSTAL_SHAPE.fullmatch(value.strip()) is not None


def _is_known_postal_code(value: str) -> bool:
    """A postal code the time-zone data places: five digits alone could be an id."""
    return _is_postal_code(value) and zone_for_postal_code(value, None) is not None


def _is_priority(value: str) -> bool:
    return type(normalize_priority(value)) is str


#: Value tests per field: the share of a column's sampled values that pass.
VALUE_TESTS: dict[str, Callable[[str], bool]] = {
    "phone": _is_phone,
    "email": _is_email,
    "timeZone": _is_zone,
    COUNTRY_COLUMN: _is_country,
    "priority": _is_priority,
    POSTAL_CODE_COLUMN: _is_postal_code,
    DO_NOT_CALL: lambda value: flag_value(value) is not None,
}


@dataclass(frozen=True)
class Choice:
    """One column suggested for one field, with why."""

    target: str
    column: str
    score: float
    name: float
    values: float | None
    sampled: int
    #: For a phone column: what its header says it is.
    kind: PhoneKind | None = None
    #: For a phone column that is a shared line: what its values show.
    shared: SharedLine | None = None

    @property
    def confidence(self) -> str:
        """``high``, ``medium`` or ``low``."""
        return "high" if self.score >= 85 else "medium" if self.score >= 70 else "low"

    def reason(self) -> str:
        """Say in words why this column was chosen."""
        parts = []
        if self.name >= 50:
            parts.append(f"header matches '{self.target}' ({self.name:.0f}%)")
        if self.values is not None and self.sampled:
            what = _VALUE_WORDS.get(self.target, self.target)
            count = round(self.values * self.sampled)
            parts.append(f"{count} of {self.sampled} sampled values are {what}")
        return f"{self.confidence}: " + ", ".join(parts)

    def phone_reason(self, alone: bool = False) -> str:
        """Say what this phone column is, where that puts it in the list, and why."""
        if self.shared is not None:
            last = "" if alone else ", put last"
            return f"'{self.column}' {self.shared}: a shared line{last}, {self.reason()}"
        if self.kind is None or (self.kind == PERSON_PHONE and self.name < NAME_THRESHOLD):
            return f"'{self.column}' {self.reason()}"  # a phone by its values alone
        after = ", tried after the person's numbers" if self.kind.rank >= SWITCHBOARD.rank else ""
        return f"'{self.column}' {self.kind.label}{after}, {self.reason()}"


@dataclass(frozen=True)
class SharedLine:
    """A phone column whose sampled numbers repeat on rows of different people."""

    #: Rows whose number is also on a row with another name.
    rows: int
    #: Rows with a number.
    of: int
    #: Whether names told the people apart (else repetition alone was the sign).
    by_names: bool

    def __str__(self) -> str:
        names = " with different names" if self.by_names else ""
        return f"values repeat on {self.rows} of {self.of} sampled rows{names}"


#: A phone column is a shared line (a company's switchboard, an office or household
#: line) when at least SHARED_LINE_MIN_ROWS of its sampled rows hold a number that a row
#: with another name holds too, and those rows are at least SHARED_LINE_MIN_SHARE of the
#: rows with a number. Three rows, because two people on one number can be a couple or
#: one person spelt two ways; three different people on one number are an office. A share
#: of the rows, not one number's count: in a file of many companies each switchboard is on
#: a few rows only, but together they are most of the column, while a person's own
#: numbers repeat only by chance. One fifth, because a column of people's own numbers
#: shares far less than that, and a column that shares that much is not worth trying
#: before any of the person's own numbers. The same person listed twice (the same name)
#: does not count. Without name columns, any repetition counts.
SHARED_LINE_MIN_ROWS = 3
#: See SHARED_LINE_MIN_ROWS.
SHARED_LINE_MIN_SHARE = 0.2


def _number_key(cell: str) -> str | None:
    """A number as compared across rows: its last nine digits and its extension."""
    found = normalize_phone(cell, None)
    if type(found) is Phone:
        digits, extension = found.e164, found.extension or ""
    elif _is_phone(cell.strip()):
        parts = re.split(r"(?i)\s*(?:ext\.?|x|#)\s*(?=\d+\s*$)", cell.strip(), maxsplit=1)
        digits, extension = parts[0], parts[1].strip() if len(parts) > 1 else ""
    else:
        return None
    digits = re.sub(r"\D", "", digits)
    return digits[-9:] + (f"x{extension}" if extension else "") if len(digits) >= 6 else None


def _people(frame: pd.DataFrame, name_columns: Sequence[str]) -> list[str] | None:
    """Who each sampled row is, by its names; ``None`` when the file has no name column."""
    if not name_columns:
        return None
    people = []
    for row, cells in enumerate(zip(*(frame[c].tolist() for c in name_columns), strict=True)):
        name = "|".join(" ".join(_plain(str(cell)).split()) for cell in cells)
        people.append(name if name.strip("|") else f"#{row}")  # no name: nobody else
    return people


def _shared_line(cells: Sequence[str], people: Sequence[str] | None) -> SharedLine | None:
    """The column is a shared line (see SHARED_LINE_MIN_ROWS), else ``None``."""
    rows_of: dict[str, list[int]] = {}
    for row, cell in enumerate(cells):
        key = _number_key(cell) if cell.strip() else None
        if key is not None:
            rows_of.setdefault(key, []).append(row)
    numbered = sum(len(rows) for rows in rows_of.values())
    shared = 0
    for rows in rows_of.values():
        who = {people[row] for row in rows} if people is not None else set(rows)
        if len(who) >= 2:
            shared += len(rows)
    if shared >= SHARED_LINE_MIN_ROWS and shared >= SHARED_LINE_MIN_SHARE * numbered:
        return SharedLine(shared, numbered, people is not None)
    return None


_VALUE_WORDS = {
    "phone": "phone numbers",
    "email": "e-mail addresses",
    "timeZone": "time zones",
    COUNTRY_COLUMN: "countries",
    "priority": "priorities",
    POSTAL_CODE_COLUMN: "postal codes",
    DO_NOT_CALL: "yes/no values",
}


#: A built-in is named for a file only when it reads at least this many of its columns
#: by name: one that finds only a phone column says little about the file.
BUILTIN_MIN_COLUMNS = 3
#: ... and when it knows by name (reads, or lists in ignore_columns) at least this share
#: of the file's columns. "Most" of them, counted as two in five: Mailchimp's own audience
#: export has 23 columns, 13 of them Mailchimp's bookkeeping (opt-in times and IPs,
#: coordinates, GMT offsets) that its built-in leaves unread on purpose, and it is still a
#: Mailchimp export; a file from another tool that shares only the everyday names (First
#: Name, Last Name, Email, Title, Company, Country) is known far less: 7 of an Apollo.io
#: export's 31 columns by the salesforce built-in, under a quarter.
BUILTIN_MIN_SHARE = 0.4


@dataclass(frozen=True)
class BuiltinFit:
    """A built-in mapping that reads the file, how much of it, and whether it fits."""

    name: str
    description: str
    #: The file's columns it reads by name.
    columns_read: int
    columns: int
    #: The file's columns it knows by name: read, or listed in its ignore_columns.
    columns_known: int = 0
    #: The file's columns named as a person's phone that its phone list does not read.
    phones_unread: tuple[str, ...] = ()
    #: Whether it fits the file (see :func:`best_builtin`); else it is only the closest.
    fits: bool = True

    def why_not(self) -> str:
        """Say why it does not fit: "'salesforce' reads only 7 of the file's 31 columns"."""
        few = self.columns_known < BUILTIN_MIN_SHARE * self.columns
        said = f"'{self.name}'"
        if few:
            said += f" reads only {self.columns_known} of the file's {self.columns} columns"
        if self.phones_unread:
            shown = ", ".join(f"'{column}'" for column in self.phones_unread[:2])
            more = len(self.phones_unread) - 2
            shown += f" and {more} more" if more > 0 else ""
            noun = "column" if len(self.phones_unread) == 1 else "columns"
            said += " and not" if few else " does not read"
            said += f" the phone {noun} {shown}"
        return said


@dataclass
class Suggestion:
    """What :func:`suggest_mapping` proposes for one file."""

    path: Path
    columns: tuple[str, ...]
    sampled: int
    #: Lead field (or ``country``) -> the columns chosen, best first.
    fields: dict[str, list[Choice]] = field(default_factory=dict)
    #: Columns that fill no lead field: customFields key -> column.
    custom: dict[str, str] = field(default_factory=dict)
    #: The separator the tags column's values use, when one was found.
    tag_separator: str | None = None
    #: The built-in mapping that fits the file (see :func:`best_builtin`), if one does.
    builtin: BuiltinFit | None = None
    #: When none fits: the one that reads the most of it, and does not fit.
    closest: BuiltinFit | None = None

    def to_yaml(self) -> str:
        """Render the suggestion as a commented mapping file."""
        return render_suggestion(self)


def _sample(path: Path, read: ReadOptions) -> tuple[SourceInfo, pd.DataFrame]:
    options = replace(read, chunk_rows=SAMPLE_ROWS)
    with open_source(path, options) as source:
        chunk = next(source.chunks(), None)
        info = source.info
    if chunk is None:
        return info, pd.DataFrame(columns=list(info.columns), dtype=object)
    return info, chunk.frame


_NO_SOURCE = Source()


def _person_phones(columns: Sequence[str]) -> list[str]:
    """The columns whose header names a phone of the person (not a switchboard, not a fax)."""
    return [
        column for column in columns
        if (kind := phone_kind(column)) is not None and kind.rank < SWITCHBOARD.rank
        and name_score(column, "phone") >= NAME_THRESHOLD
    ]  # fmt: skip


def best_builtin(columns: tuple[str, ...], *, closest: bool = False) -> BuiltinFit | None:
    """The built-in mapping that fits a file with these columns, if one does.

    A built-in fits when it reads at least :data:`BUILTIN_MIN_COLUMNS` of the columns by
    name, knows at least :data:`BUILTIN_MIN_SHARE` of them by name (reads them, or lists
    them in ``ignore_columns``), and its phone list reads every column whose header names
    a phone of the person: a built-in that would leave a person's direct line or mobile
    unread, or read only some other export's fallback spelling, is for another export.
    Of those that fit, the one that reads the most columns. With ``closest``, when none
    fits, the one that reads the most (at least BUILTIN_MIN_COLUMNS), with ``fits`` false.
    """
    person_phones = _person_phones(columns)
    candidates: list[BuiltinFit] = []
    for name in builtin_mappings():
        mapping = load_mapping(name)
        try:
            bound = bind_mapping(mapping, columns, "the file")
        except MappingError:
            continue
        named = [c for c in bound.columns_used() if c not in bound.custom_fields or
                 bound.custom_fields[c].column != c]  # fmt: skip
        # What it neither reads by name nor leaves unread (or sends unnamed) it ignores.
        ignored = [c for c in columns if c not in named and c not in bound.unread
                   and bound.custom_fields.get(c, _NO_SOURCE).column != c]  # fmt: skip
        phone = bound.fields.get("phone")
        calls = set(phone.columns()) if phone is not None else set()
        unread = tuple(column for column in person_phones if column not in calls)
        known = len(named) + len(ignored)
        fits = (len(named) >= BUILTIN_MIN_COLUMNS and not unread
                and known >= BUILTIN_MIN_SHARE * len(columns))  # fmt: skip
        candidates.append(BuiltinFit(name, mapping.description, len(named), len(columns),
                                     known, unread, fits))  # fmt: skip
    fitting = [fit for fit in candidates if fit.fits]
    if not fitting and closest:
        fitting = [fit for fit in candidates if fit.columns_read >= BUILTIN_MIN_COLUMNS]
    return max(fitting, key=lambda fit: fit.columns_read, default=None)


def suggest_mapping(path: Path, read: ReadOptions | None = None) -> Suggestion:
    """Read a file's header and first rows and propose a mapping for it."""
    info, frame = _sample(path, read or ReadOptions())
    columns = info.columns
    values = {
        column: [cell for cell in frame[column].tolist() if cell.strip()] if column in frame else []
        for column in columns
    }
    scored: list[Choice] = []
    for target in FIELD_NAMES:
        test = VALUE_TESTS.get(target)
        for column in columns:
            if target == "phone" and phone_kind(column) is None:
                continue  # a fax or a pager: numbers, but not ones to call
            name = name_score(column, target)
            share = _share(values[column], test) if test else None
            score = _combine(name, share, bool(values[column]))
            if target == "phone" and name < NAME_THRESHOLD:
                # Ids and amounts are digits too: by values alone only real numbers count.
                strict = _share(values[column], _is_international_phone)
                score = _combine(name, strict, bool(values[column]))
            if target == DO_NOT_CALL and name < NAME_THRESHOLD:
                continue  # yes/no values alone say nothing of calls ("Email Opt Out")
            if target == POSTAL_CODE_COLUMN and name < NAME_THRESHOLD and share:
                # So are ids: by values alone, only codes the time-zone data knows count.
                strict = _share(values[column], _is_known_postal_code)
                score = _combine(name, strict, bool(values[column]))
            if score >= MIN_SCORE:
                scored.append(Choice(target, column, score, name, share, len(values[column])))
    scored.sort(key=lambda choice: -choice.score)
    suggestion = Suggestion(path=path, columns=columns, sampled=len(frame))
    taken: set[str] = set()
    for choice in scored:
        if choice.column in taken:
            continue
        chosen = suggestion.fields.setdefault(choice.target, [])
        # Only the phone takes several columns (a fallback list); other fields take one.
        if chosen and choice.target != "phone":
            continue
        chosen.append(choice)
        taken.add(choice.column)
    if "fullName" in suggestion.fields and {"firstName", "lastName"} <= set(suggestion.fields):
        full = suggestion.fields["fullName"][0]
        if full.name < 95:  # a bare "Name" next to first and last names is not a full name
            del suggestion.fields["fullName"]
            taken.discard(full.column)
    if "phone" in suggestion.fields:
        suggestion.fields["phone"] = _order_phones(suggestion, frame)
    if "tags" in suggestion.fields:
        suggestion.tag_separator = _separator(values[suggestion.fields["tags"][0].column])
    status = _do_not_call_status(columns, values, taken)
    if status is not None:
        # Read for its marks, and still sent: a status helps the dialer's agents.
        suggestion.fields[DO_NOT_CALL_STATUS] = [status]
    used_keys: set[str] = set()
    for column in columns:
        if column not in taken:
            key = _custom_key(column, used_keys)
            suggestion.custom[key] = column
    fit = best_builtin(columns, closest=True)
    suggestion.builtin = fit if fit is not None and fit.fits else None
    suggestion.closest = fit if fit is not None and not fit.fits else None
    return suggestion


def _do_not_call_status(
    columns: tuple[str, ...], values: dict[str, list[str]], taken: set[str]
) -> Choice | None:
    """The first column, not a field's, one of whose sampled values says do not call."""
    for column in columns:
        if column in taken:
            continue
        said = [value for value in values[column] if status_says_do_not_call(value)]
        if said:
            return Choice(DO_NOT_CALL_STATUS, column, 100.0, 0.0, len(said) / len(values[column]),
                          len(values[column]))  # fmt: skip
    return None


def _order_phones(suggestion: Suggestion, frame: pd.DataFrame) -> list[Choice]:
    """The phone columns in the order they are tried: what they are, then score, then file order.

    A person's own numbers first (direct line, mobile, the export's main phone field),
    then their work, home and other numbers, then lines that reach someone else first (a
    company's switchboard), and last any column whose values show a shared line.
    """
    names = [suggestion.fields[key][0].column for key in ("firstName", "lastName", "fullName")
             if suggestion.fields.get(key)]  # fmt: skip
    people = _people(frame, names)
    order = {column: index for index, column in enumerate(suggestion.columns)}
    phones = []
    for choice in suggestion.fields["phone"]:
        cells = (
            [str(cell) for cell in frame[choice.column].tolist()] if choice.column in frame else []
        )
        kind = phone_kind(choice.column) or PERSON_PHONE
        phones.append(replace(choice, kind=kind, shared=_shared_line(cells, people)))
    phones.sort(key=lambda c: (c.shared is not None, c.kind.rank if c.kind else 0, -c.score,
                               order[c.column]))  # fmt: skip
    return phones


def _combine(name: float, share: float | None, has_values: bool) -> float:
    """One score from the header's and the values' evidence."""
    if share is None or not has_values:
        return name if name >= NAME_THRESHOLD else 0.0
    if name >= NAME_THRESHOLD:
        # The values confirm the name, or cast doubt on it.
        return name * 0.6 + share * 100 * 0.4 if share < 0.5 else max(name, share * 100)
    # Values alone suggest a field, with less confidence than a name they agree with.
    return share * 100 * 0.8 if share >= 0.8 else 0.0


def _separator(values: Sequence[str]) -> str | None:
    for separator in (",", ";", "|"):
        if any(separator in value for value in values):
            return separator
    return None


def _custom_key(column: str, used: set[str]) -> str:
    base = re.sub(r"[^0-9a-z]+", "_", _plain(column)).strip("_") or "column"
    key, n = base, 2
    while key in used:
        key, n = f"{base}_{n}", n + 1
    used.add(key)
    return key


def _q(text: str) -> str:
    """A YAML scalar: JSON strings are valid YAML double-quoted strings."""
    return json.dumps(text, ensure_ascii=False)


_YAML_WORDS = frozenset(["y", "n", "yes", "no", "on", "off", "true", "false", "null"])


def _key(key: str) -> str:
    """A customFields key as YAML: bare when that reads back as the same text."""
    plain = re.fullmatch(r"[a-z_][a-z0-9_]*", key) and key not in _YAML_WORDS
    return key if plain else _q(key)


#: Kinds of phone a lone phone column is named as in its comment: not the person's own.
_NOT_THE_PERSONS = (SWITCHBOARD, ASSISTANT_LINE)

_FIELD_ORDER = ("phone", "firstName", "lastName", "fullName", "email", "priority",
                "leadSource", "notes", "tags", "timeZone")  # fmt: skip


def render_suggestion(suggestion: Suggestion) -> str:
    """The commented YAML of a suggested mapping."""
    name = suggestion.path.name
    lines = [
        f"# Mapping suggested by 'whiteclad-import mapping suggest' for {name}",
        f"# ({len(suggestion.columns)} columns, {suggestion.sampled} rows sampled).",
        "# Check each line, then preview it with:",
        f"#   whiteclad-import mapping check {name} --mapping THIS_FILE",
    ]
    if suggestion.builtin is not None:
        fit = suggestion.builtin
        lines += [
            f"# The built-in mapping '{fit.name}' reads {fit.columns_read} of these columns:",
            f"#   {fit.description}",
            f"# Prefer it (--mapping {fit.name}) unless this file differs from that export.",
        ]
    elif suggestion.closest is not None:
        lines.append(f"# No built-in mapping fits this file: {suggestion.closest.why_not()}.")
    else:
        lines.append("# No built-in mapping fits this file.")
    lines += [f"description: {_q('Suggested for ' + name)}", "fields:"]
    phone = suggestion.fields.get("phone")
    if phone is None:
        lines.append("  phone: CHANGE_ME   # no column looks like a phone number: name it here")
    for key in _FIELD_ORDER:
        choices = suggestion.fields.get(key)
        if not choices:
            continue
        comment = "; ".join(f"'{c.column}' {c.reason()}" for c in choices)
        if key == "phone" and len(choices) > 1:
            value = "{columns: [" + ", ".join(_q(c.column) for c in choices) + "]}"
            comment = "first valid number wins, the person's own numbers first: " + "; ".join(
                c.phone_reason() for c in choices
            )
        elif key == "phone" and (choices[0].shared or choices[0].kind in _NOT_THE_PERSONS):
            value = _q(choices[0].column)
            comment = choices[0].phone_reason(alone=True)
        elif key == "tags" and suggestion.tag_separator:
            value = f"{{column: {_q(choices[0].column)}, split: {_q(suggestion.tag_separator)}}}"
        else:
            value = _q(choices[0].column)
        lines.append(f"  {key}: {value}   # {comment}")
    # By header only: a column whose numbers repeat across people but whose header names
    # the person's phone (Apollo's First Phone) holds their own number on most rows; the
    # shared-number rule of the duplicates stage handles its repeats.
    company = [c.column for c in phone or () if c.kind == SWITCHBOARD]
    if company:
        lines += [
            "# The company's number, not the person's: a switchboard reaches a receptionist.",
            "# A row with only such a number is rejected (phone_company_line) unless",
            "# send_company_lines is true:",
            "company_phone_columns: [" + ", ".join(_q(column) for column in company) + "]",
        ]
    country = suggestion.fields.get(COUNTRY_COLUMN)
    if country:
        lines += [
            "# Each row's country, for phone numbers written without a country code:",
            f"country: {_q(country[0].column)}   # {country[0].reason()}",
        ]
    else:
        lines += [
            "# Phone numbers without a country code need a default country:",
            "# region: US",
        ]
    postal = suggestion.fields.get(POSTAL_CODE_COLUMN)
    if postal:
        lines += [
            "# Each row's postal code: a lead without a time zone gets its zone from it:",
            f"postal_code: {_q(postal[0].column)}   # {postal[0].reason()}",
        ]
    flag = suggestion.fields.get(DO_NOT_CALL)
    if flag:
        lines += [
            "# A row this column says yes in (true, yes, 1, x, checked) is never sent; one it",
            "# says something else than yes or no in is not sent either, to be safe:",
            f"do_not_call: {_q(flag[0].column)}   # {flag[0].reason()}",
        ]
    status = suggestion.fields.get(DO_NOT_CALL_STATUS)
    if status:
        lines += [
            "# A row whose status says DNC, do not call or opted out is never sent:",
            f"do_not_call_status: {_q(status[0].column)}   # "
            f"{round((status[0].values or 0) * status[0].sampled)} of its "
            f"{status[0].sampled} values sampled say do not call",
        ]
    if suggestion.custom:
        lines += [
            "# Columns that fill no lead field, sent as customFields under these keys.",
            "# Delete the ones the dialer's agents should not see.",
            "custom_fields:",
            *(f"  {_key(key)}: {_q(column)}" for key, column in suggestion.custom.items()),
        ]
    lines.append("unmapped: ignore")
    return "\n".join(lines) + "\n"


# --- mapping check -------------------------------------------------------------


@dataclass(frozen=True)
class FieldPreview:
    """How one lead field is filled: from where, and its first values before and after."""

    field: str
    source: str
    #: (row, the cell(s) as read, the value that would be sent, or the problem in words).
    samples: tuple[tuple[int, str, str], ...]


@dataclass(frozen=True)
class Preview:
    """What ``mapping check`` shows for a file and a mapping."""

    path: Path
    mapping: Mapping
    fields: tuple[FieldPreview, ...]
    absent_optional: tuple[str, ...]
    unread: tuple[str, ...]
    rows: int
    rejected: int


def _describe(source: Any) -> str:
    if source.value is not None:
        return f"the value {_q(source.value)}"
    if source.template is not None:
        return f"the template {_q(source.template)}"
    columns = source.columns()
    text = (
        "column " + _q(columns[0])
        if len(columns) == 1
        else "columns " + ", then ".join(_q(c) for c in columns)
    )
    if source.split:
        text += f", split on {_q(source.split)}"
    if source.default is not None:
        text += f", {_q(source.default)} when empty"
    return text


def _shown(value: Any) -> str:
    if value is None:
        return "(empty)"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(value) + "]" if value else "(empty)"
    return str(value)


#: How a preview says where an inferred time zone came from.
_ZONE_FROM = {"postal_code": "from the postal code", "phone": "from the phone number's area",
              "file": "from the file"}  # fmt: skip


def _postal_note(zone: str, source: str) -> str:
    if source == "postal_code":
        return f"time zone {zone}"
    return "(not needed: the file gives the zone)" if source == "file" else "(gives no zone)"


def preview_mapping(
    path: Path,
    mapping_ref: str | Path,
    *,
    region: str | None = None,
    rows: int = 5,
    read: ReadOptions | None = None,
) -> Preview:
    """Fill the lead fields of a file's first rows with a mapping, before and after normalizing."""
    mapping = load_mapping(mapping_ref)
    read = read or ReadOptions()
    if read.header_row is None and mapping.header_row is not None:
        read = replace(read, header_row=mapping.header_row)
    info, frame = _sample(path, read)
    bound = bind_mapping(mapping, info.columns, str(path))
    head = frame.head(rows)
    projected = project(head, bound)
    validated = validate_chunk(
        projected, region=region or mapping.region, infer_time_zone=mapping.infer_time_zone
    )
    zone_sources = dict(zip(head.index.tolist(), validated.time_zone_sources, strict=True))
    problems: dict[tuple[int, str], Issue] = {
        (issue.row, issue.field): issue for issue in validated.issues if issue.severity == "error"
    }
    warned: dict[tuple[int, str], list[str]] = {}
    for issue in validated.issues:
        if issue.severity == "warning":
            warned.setdefault((issue.row, issue.field), []).append(issue.code)
    previews = []
    keys = list(bound.fields)
    if "fullName" in keys:
        keys = [key for key in keys if key != "fullName"]
        keys += [name for name in ("firstName", "lastName") if name not in keys]
    for key in keys:
        source = bound.fields.get(key) or bound.fields["fullName"]
        samples = []
        for row in head.index:
            cells = [str(head.at[row, column]) for column in source.columns()]
            raw = " | ".join(cell if cell.strip() else "(empty)" for cell in cells) or _shown(
                projected.at[row, key] if key in projected else None
            )
            problem = problems.get((int(row), key))
            mark = validated.marks.get(int(row))
            if key == "phone" and mark is not None:
                number = str(validated.leads.at[row, "phone"] or "")
                after = f"not sent ({mark.code}): {mark.message}" + (
                    f"; the number is {number}" if number else ""
                )
            elif problem is not None:
                after = f"rejected: {problem.message}"
            else:
                after = _shown(validated.leads.at[row, key])
                codes = warned.get((int(row), key))
                after += f" (warning: {', '.join(codes)})" if codes else ""
                if key == "timeZone" and zone_sources[row] not in ("", "file"):
                    after += f" ({_ZONE_FROM[zone_sources[row]]})"
            samples.append((int(row), raw, after))
        previews.append(FieldPreview(key, _describe(source), tuple(samples)))
    if bound.country is not None:
        samples = [
            (int(row), str(head.at[row, bound.country.column]) if bound.country.column else "",
             normalize_region(str(projected.at[row, COUNTRY_COLUMN])) or "(not a country)")
            for row in head.index
        ]  # fmt: skip
        previews.append(FieldPreview("country", _describe(bound.country), tuple(samples)))
    for name, dnc in (("do_not_call", bound.do_not_call),
                      ("do_not_call_status", bound.do_not_call_status)):  # fmt: skip
        if dnc is not None:
            samples = []
            for row in head.index:
                mark = validated.marks.get(int(row))
                said = mark is not None and mark.column in dnc.columns()
                samples.append((
                    int(row), " | ".join(str(head.at[row, c]) or "(empty)" for c in dnc.columns()),
                    f"not sent: {mark.message}" if said and mark else "may be called",
                ))  # fmt: skip
            previews.append(FieldPreview(name, _describe(dnc), tuple(samples)))
    if bound.postal_code is not None:
        samples = [
            (int(row), str(projected.at[row, POSTAL_CODE_COLUMN]),
              _postal_note(str(validated.leads.at[row, "timeZone"]), zone_sources[row]))
            for row in head.index
        ]  # fmt: skip
        previews.append(FieldPreview("postal_code", _describe(bound.postal_code), tuple(samples)))
    if "timeZone" not in bound.fields:
        samples = []
        for row in head.index:
            zone = str(validated.leads.at[row, "timeZone"] or "")
            if zone:
                after = f"{zone} ({_ZONE_FROM[zone_sources[row]]})"
            elif validated.rejected.at[row]:
                after = "(none: the row is rejected)"
            elif int(row) in validated.marks:
                after = "(none: the row is not sent, marked do-not-call)"
            elif not mapping.infer_time_zone:
                after = "(none)"
            else:
                after = "(none: neither a postal code nor the phone gives one)"
            samples.append((int(row), "", after))
        where = ("the postal code, else the phone number's area"
                 if bound.postal_code is not None else "the phone number's area")  # fmt: skip
        if not mapping.infer_time_zone:
            where = "nothing: infer_time_zone is false"
        previews.append(FieldPreview("timeZone", where, tuple(samples)))
    for key, source in bound.custom_fields.items():
        column = CUSTOM_PREFIX + key
        samples = [
            (int(row), _shown(projected.at[row, column]),
             _shown(validated.leads.at[row, column]))
            for row in head.index
        ]  # fmt: skip
        previews.append(FieldPreview(column, _describe(source), tuple(samples)))
    return Preview(
        path=path,
        mapping=mapping,
        fields=tuple(previews),
        absent_optional=bound.absent_optional,
        unread=bound.unread,
        rows=len(head),
        rejected=int(validated.rejected.sum()),
    )
