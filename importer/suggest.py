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
(the first valid number wins). Columns that fill no lead field are offered as
customFields. When a built-in mapping reads the file, it is named first: it is
the better choice.

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
    bind_mapping,
    builtin_mappings,
    load_mapping,
    project,
)
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
    "FIELD_NAMES",
    "MIN_SCORE",
    "NAME_THRESHOLD",
    "SAMPLE_ROWS",
    "VALUE_TESTS",
    "BuiltinFit",
    "Choice",
    "FieldPreview",
    "Preview",
    "Suggestion",
    "best_builtin",
    "name_score",
    "preview_mapping",
    "render_suggestion",
    "suggest_mapping",
]

#: Rows read to sniff values and to preview a mapping.
SAMPLE_ROWS = 200

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
        "phonenumber", "mobilephone",
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
}  # fmt: skip

#: Words that qualify a field name without changing it: "User Phone" is a phone.
_QUALIFIERS = frozenset(
    [
        "user",
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
    """How much a header looks like a name of ``target`` (a lead field or ``country``), 0-100."""
    found = process.extractOne(_normal(header), _CHOICES[target], scorer=fuzz.ratio)
    return float(found[1]) if found else 0.0


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


_VALUE_WORDS = {
    "phone": "phone numbers",
    "email": "e-mail addresses",
    "timeZone": "time zones",
    COUNTRY_COLUMN: "countries",
    "priority": "priorities",
    POSTAL_CODE_COLUMN: "postal codes",
}


@dataclass(frozen=True)
class BuiltinFit:
    """A built-in mapping that reads the file, and how much of it."""

    name: str
    description: str
    columns_read: int
    columns: int


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
    builtin: BuiltinFit | None = None

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


def best_builtin(columns: tuple[str, ...]) -> BuiltinFit | None:
    """The built-in mapping that reads the most of these columns by name, if any reads them."""
    best: BuiltinFit | None = None
    for name in builtin_mappings():
        mapping = load_mapping(name)
        try:
            bound = bind_mapping(mapping, columns, "the file")
        except MappingError:
            continue
        named = [c for c in bound.columns_used() if c not in bound.custom_fields or
                 bound.custom_fields[c].column != c]  # fmt: skip
        fit = BuiltinFit(name, mapping.description, len(named), len(columns))
        if best is None or fit.columns_read > best.columns_read:
            best = fit
    # A built-in that finds only a phone column says little about the file.
    return best if best is not None and best.columns_read >= 3 else None


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
            name = name_score(column, target)
            share = _share(values[column], test) if test else None
            score = _combine(name, share, bool(values[column]))
            if target == "phone" and name < NAME_THRESHOLD:
                # Ids and amounts are digits too: by values alone only real numbers count.
                strict = _share(values[column], _is_international_phone)
                score = _combine(name, strict, bool(values[column]))
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
    if "tags" in suggestion.fields:
        suggestion.tag_separator = _separator(values[suggestion.fields["tags"][0].column])
    used_keys: set[str] = set()
    for column in columns:
        if column not in taken:
            key = _custom_key(column, used_keys)
            suggestion.custom[key] = column
    suggestion.builtin = best_builtin(columns)
    return suggestion


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
            comment = "first valid number wins; " + comment
        elif key == "tags" and suggestion.tag_separator:
            value = f"{{column: {_q(choices[0].column)}, split: {_q(suggestion.tag_separator)}}}"
        else:
            value = _q(choices[0].column)
        lines.append(f"  {key}: {value}   # {comment}")
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
            if problem is not None:
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
