"""Column mappings: load a YAML mapping, bind it to a file's header, project rows onto lead fields.

A mapping says, for each lead field, where its value comes from: a column, a
constant, a template over columns, or a delimited list (tags). See
``schemas/mapping.schema.json`` for the full format and ``mappings/`` for the
built-in ones. Loading checks the YAML against that schema; binding checks it
against the header of one file, so that a missing column fails before any row
is processed.

Column names match exactly; failing that, a column whose name differs only in
case or spaces matches, when exactly one does; failing that, a column with the
same letters and digits (``Phone Number``, ``phone_number``, ``PhoneNumber``),
when exactly one does. Exports of one vendor spell the same header these ways.

A source may name several columns (``{columns: [Phone Number, Mobile Phone
Number]}``): the file needs at least one of them, and each row takes the first
that works. For the phone that is the first number that is valid; for any other
field, the first cell that is not empty.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Mapping as MappingABC
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .cells import TEXT_MARKED, cell_text
from .errors import ImporterError, MappingColumnError, MappingError, UsageError
from .resources import data_dir

# pandas, jsonschema, phonenumbers and PyYAML are imported where they are used: listing
# the built-in mappings or checking settings must not pay for them (importer.cli).
if TYPE_CHECKING:
    import jsonschema
    import pandas as pd

__all__ = [
    "COUNTRY_COLUMN",
    "CUSTOM_PREFIX",
    "DO_NOT_CALL_PREFIX",
    "DO_NOT_CALL_STATUS_PREFIX",
    "EXTRA_FIELDS",
    "LEAD_FIELDS",
    "PHONE_FALLBACKS",
    "PHONE_LINES",
    "POSTAL_CODE_COLUMN",
    "BoundMapping",
    "Mapping",
    "PhoneLines",
    "Source",
    "bind_mapping",
    "builtin_mappings",
    "check_region",
    "load_mapping",
    "parse_mapping",
    "project",
    "resolve_mapping_path",
]

LEAD_FIELDS = (
    "phone",
    "firstName",
    "lastName",
    "email",
    "priority",
    "leadSource",
    "notes",
    "tags",
    "timeZone",
)
#: Fields a mapping may fill besides the lead fields: split into first/last name.
EXTRA_FIELDS = ("fullName",)
#: Prefix of the projected columns that become customFields.
CUSTOM_PREFIX = "customFields."
#: Projected column holding each row's country, when the mapping names one.
COUNTRY_COLUMN = "country"
#: Projected column holding each row's postal code, when the mapping names one.
POSTAL_CODE_COLUMN = "postalCode"
#: Projected column holding each row's other phone cells, in order, when the mapping
#: names several phone columns: the validator takes the first valid number.
PHONE_FALLBACKS = "phone.fallbacks"
#: Projected column holding, per row, the phone cells' columns in order and which of
#: them hold a company's number, when the phone has several columns or company lines.
PHONE_LINES = "phone.lines"
#: Prefix of the projected columns holding each do-not-call column's cells, by column
#: name: a yes/no flag (``do_not_call:``), or a status (``do_not_call_status:``).
DO_NOT_CALL_PREFIX = "doNotCall."
DO_NOT_CALL_STATUS_PREFIX = "doNotCallStatus."
_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([^{}]+)\}")


@dataclass(frozen=True)
class PhoneLines:
    """The phone cells' columns in order, which hold a company's number, and whether to send one."""

    columns: tuple[str, ...]
    company: tuple[bool, ...]
    send: bool = False


@dataclass(frozen=True)
class Source:
    """Where one value comes from: exactly one of column, value or template is set."""

    column: str | None = None
    #: Further columns tried in order after ``column`` (see the module docstring).
    fallback: tuple[str, ...] = ()
    value: str | None = None
    template: str | None = None
    split: str | None = None
    optional: bool = False
    default: str | None = None

    def columns(self) -> list[str]:
        """Return the source columns this value reads."""
        if self.column is not None:
            return [self.column, *self.fallback]
        if self.template is not None:
            return [m.group(1) for m in _PLACEHOLDER.finditer(self.template) if m.group(1)]
        return []


@dataclass(frozen=True)
class Mapping:
    """A loaded, schema-checked mapping, not yet bound to a file."""

    name: str
    path: Path
    sha256: str
    fields: dict[str, Source]
    custom_fields: dict[str, Source] = field(default_factory=dict)
    unmapped: str = "ignore"
    ignore_columns: tuple[str, ...] = ()
    country: Source | None = None
    region: str | None = None
    campaign: str | None = None
    description: str = ""
    #: The header's row number as a spreadsheet shows it; None: found by the reader.
    header_row: int | None = None
    #: Types of number rejected besides premium-rate ones (see :mod:`importer.phonepolicy`).
    reject_phone_types: frozenset[str] = frozenset()
    #: Each row's postal code (ZIP), from which a lead without a time zone gets one.
    postal_code: Source | None = None
    #: Whether leads without a time zone get one from their postal code or phone.
    infer_time_zone: bool = True
    #: Yes/no columns saying the person is not to be called (see :mod:`importer.marks`).
    do_not_call: Source | None = None
    #: Status columns whose do-not-call phrases (``DNC``, ``Opted out``) suppress a row.
    do_not_call_status: Source | None = None
    #: Phone columns holding the company's number (a switchboard), not the person's.
    company_phone_columns: tuple[str, ...] = ()
    #: Send a row whose only valid number is a company line, with a warning.
    send_company_lines: bool = False

    @property
    def label(self) -> str:
        """Name the mapping for messages: a built-in by name, any other by path."""
        if self.path.parent == data_dir("mappings"):
            return f"built-in mapping '{self.name}'"
        return f"mapping {self.path}"


@dataclass(frozen=True)
class BoundMapping:
    """A mapping bound to one file's columns: every source column resolved or dropped."""

    mapping: Mapping
    fields: dict[str, Source]
    custom_fields: dict[str, Source]
    country: Source | None
    #: Columns the mapping names that the file lacks but that were optional.
    absent_optional: tuple[str, ...] = ()
    #: Columns of the file the mapping neither reads nor lists in ignore_columns.
    unread: tuple[str, ...] = ()
    postal_code: Source | None = None
    do_not_call: Source | None = None
    do_not_call_status: Source | None = None
    #: The file's phone columns that hold a company's number (see Mapping).
    company_lines: frozenset[str] = frozenset()

    @property
    def custom_keys(self) -> list[str]:
        """Return the customFields keys this mapping fills, in order."""
        return list(self.custom_fields)

    def columns_used(self) -> tuple[str, ...]:
        """Return the file columns the mapping reads, each once, in the mapping's order."""
        sources = [*self.fields.values(), *self.custom_fields.values()]
        others = (self.country, self.postal_code, self.do_not_call, self.do_not_call_status)
        sources += [source for source in others if source is not None]
        return tuple(dict.fromkeys(column for source in sources for column in source.columns()))


# --- loading --------------------------------------------------------------------


def check_region(
    region: str | None, origin: str = "--region", error: type[ImporterError] = UsageError
) -> str | None:
    """Return the region code in upper case, or raise ``error`` saying where it came from."""
    if region is None:
        return None
    import phonenumbers

    code = region.strip().upper()
    if code in phonenumbers.SUPPORTED_REGIONS:
        return code
    raise error(
        f"{origin} '{region}' is not a country code phone numbers know; {_region_hint(region)}"
    )


def _region_hint(region: str) -> str:
    """What to write instead of a region that is not an ISO code: its code when it is clear."""
    if " ".join(region.split()).upper() == "UK":
        return "use GB (the ISO code of the United Kingdom)"
    from .countries import normalize_region

    known = normalize_region(region)
    if known is not None:
        return f"use {known} (the ISO code for '{region.strip()}')"
    return "use a two-letter ISO code such as US, GB, DE or IN"


def builtin_mappings() -> dict[str, Path]:
    """Return the built-in mappings by name."""
    folder = data_dir("mappings")
    return {path.stem: path for path in sorted(folder.glob("*.yaml"))}


@lru_cache(maxsize=1)
def _schema() -> dict[str, Any]:
    path = data_dir("schemas") / "mapping.schema.json"
    result: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return result


def resolve_mapping_path(ref: str | Path) -> Path:
    """Find a mapping: a path to a YAML file, or a built-in name (``facebook``)."""
    path = Path(ref)
    if path.is_file():
        return path
    builtins = builtin_mappings()
    name = path.name.removesuffix(".yaml").removesuffix(".yml")
    if str(ref) in (name, path.name) and name in builtins:
        return builtins[name]
    known = ", ".join(builtins) or "none"
    raise MappingError(
        f"mapping '{ref}' is neither a file nor a built-in mapping (built-in: {known}); "
        "check the path"
    )


def load_mapping(ref: str | Path) -> Mapping:
    """Load and check a mapping given as a path or a built-in name."""
    from .yamlfile import read_yaml

    path = resolve_mapping_path(ref)
    document, sha256 = read_yaml(path, "mapping", MappingError)
    return parse_mapping(document, path=path, sha256=sha256)


def parse_mapping(document: Any, path: Path, sha256: str = "") -> Mapping:
    """Check a parsed mapping document against the mapping schema and build a Mapping."""
    if not isinstance(document, MappingABC):
        raise MappingError(
            f"mapping {path} must be a YAML mapping with a 'fields:' section; "
            "see mappings/generic.yaml for an example"
        )
    fields = document.get("fields")
    if isinstance(fields, MappingABC):
        unknown = [str(key) for key in fields if key not in LEAD_FIELDS + EXTRA_FIELDS]
        if unknown:
            raise MappingError(
                f"mapping {path}: fields.{unknown[0]} is not a lead field; lead fields are "
                f"{', '.join(LEAD_FIELDS + EXTRA_FIELDS)} (put other values under custom_fields)"
            )
    region = document.get("region")
    if isinstance(region, str):
        # Checked like --region, before the schema, so that the message suggests the code.
        region = check_region(region, f"mapping {path}: region", MappingError)
    import jsonschema

    validator = jsonschema.Draft202012Validator(_schema())
    error = jsonschema.exceptions.best_match(validator.iter_errors(document))
    if error is not None:
        where = ".".join(str(part) for part in error.absolute_path) or "top level"
        raise MappingError(f"mapping {path}: at {where}: {_schema_message(error)}")
    header_row = document.get("header_row")
    return Mapping(
        name=path.stem,
        path=path,
        sha256=sha256,
        fields={key: _source(value) for key, value in document["fields"].items()},
        custom_fields={
            str(key): _source(value) for key, value in (document.get("custom_fields") or {}).items()
        },
        unmapped=document.get("unmapped", "ignore"),
        ignore_columns=tuple(document.get("ignore_columns") or ()),
        country=_source(document["country"]) if "country" in document else None,
        region=region,
        campaign=document.get("campaign"),
        description=document.get("description", ""),
        header_row=None if header_row is None else int(header_row),
        reject_phone_types=frozenset(document.get("reject_phone_types") or ()),
        postal_code=_source(document["postal_code"]) if "postal_code" in document else None,
        infer_time_zone=bool(document.get("infer_time_zone", True)),
        do_not_call=_source(document["do_not_call"]) if "do_not_call" in document else None,
        do_not_call_status=(
            _source(document["do_not_call_status"]) if "do_not_call_status" in document else None
        ),
        company_phone_columns=tuple(document.get("company_phone_columns") or ()),
        send_company_lines=bool(document.get("send_company_lines", False)),
    )


def _schema_message(error: jsonschema.ValidationError) -> str:
    if error.validator == "oneOf":
        return (
            f"{error.instance!r} is not a column name, {{column: ...}}, {{columns: [...]}}, "
            "{value: ...} or {template: ...}"
        )
    if error.validator == "additionalProperties":
        return f"{error.message} (check the spelling against mappings/generic.yaml)"
    if error.validator == "type" and error.validator_value == "string":
        return f"{error.instance!r} must be text; put it in quotes"
    return error.message


def _source(spec: Any) -> Source:
    if isinstance(spec, str):
        return Source(column=spec)
    columns = spec.get("columns")
    return Source(
        column=columns[0] if columns else spec.get("column"),
        fallback=tuple(columns[1:]) if columns else (),
        value=spec.get("value"),
        template=spec.get("template"),
        split=spec.get("split"),
        optional=bool(spec.get("optional", False)),
        default=spec.get("default"),
    )


# --- binding --------------------------------------------------------------------


def bind_mapping(mapping: Mapping, columns: tuple[str, ...], file_label: str) -> BoundMapping:
    """Resolve every column the mapping names against a file's header."""
    resolved = _ColumnResolver(columns)
    missing: list[tuple[str, str]] = []
    absent: list[str] = []

    def bind(key: str, source: Source) -> Source | None:
        names = source.columns()
        found = {name: resolved.find(name) for name in names}
        lacking = [name for name, hit in found.items() if hit is None]
        if source.fallback:
            present = list(dict.fromkeys(hit for hit in found.values() if hit is not None))
            if not present and not source.optional:
                missing.extend((key, name) for name in lacking)
                return None
            if not present:
                absent.extend(lacking)  # the other spellings of a column found are no news
                return None
            return _replace(source, column=present[0], fallback=tuple(present[1:]))
        if lacking and not source.optional:
            missing.extend((key, name) for name in lacking)
            return None
        absent.extend(lacking)
        if source.column is not None:
            hit = found[source.column]
            return None if hit is None else _replace(source, column=hit)
        if source.template is not None:
            return _replace(source, template=_rewrite_template(source.template, found))
        return source

    fields = {key: bind(f"fields.{key}", src) for key, src in mapping.fields.items()}
    custom = {key: bind(f"custom_fields.{key}", src) for key, src in mapping.custom_fields.items()}
    country = bind("country", mapping.country) if mapping.country else None
    postal_code = bind("postal_code", mapping.postal_code) if mapping.postal_code else None
    do_not_call = bind("do_not_call", mapping.do_not_call) if mapping.do_not_call else None
    dnc_status = (
        bind("do_not_call_status", mapping.do_not_call_status)
        if mapping.do_not_call_status
        else None
    )
    if missing:
        raise _drift_error(mapping, columns, file_label, missing)
    bound_fields = {key: src for key, src in fields.items() if src is not None}
    bound_custom = {key: src for key, src in custom.items() if src is not None}
    used = {name for src in [*bound_fields.values(), *bound_custom.values()]
            for name in src.columns()}  # fmt: skip
    # The postal code is not "used" up: with unmapped: custom_fields it is still sent, as
    # before it gave the time zone, so the dialer's agents keep seeing where the lead is.
    if country is not None:
        used.update(country.columns())
    # A do-not-call flag is read, never sent as a custom field; a status column is read
    # too, and stays a custom field when the mapping names it as one.
    if do_not_call is not None:
        used.update(do_not_call.columns())
    if dnc_status is not None:
        used.update(dnc_status.columns())
    ignored = {resolved.find(name) for name in mapping.ignore_columns}
    unread = [c for c in columns if c not in used and c not in ignored and c not in bound_custom]
    if mapping.unmapped == "custom_fields":
        bound_custom.update((column, Source(column=column)) for column in unread)
        unread = []
    return BoundMapping(
        mapping=mapping,
        fields=bound_fields,
        custom_fields=bound_custom,
        country=country,
        absent_optional=tuple(dict.fromkeys(absent)),
        unread=tuple(unread),
        postal_code=postal_code,
        do_not_call=do_not_call,
        do_not_call_status=dnc_status,
        company_lines=frozenset(
            hit for name in mapping.company_phone_columns if (hit := resolved.find(name))
        ),
    )


def _drift_error(
    mapping: Mapping, columns: tuple[str, ...], file_label: str, missing: list[tuple[str, str]]
) -> MappingColumnError:
    """The header-drift report: expected vs found headers, and the mapping lines that fix it."""
    read = list(dict.fromkeys(name for _, name in missing))
    taken = {name for source in _all_sources(mapping) for name in source.columns()}
    spare = [column for column in columns if column not in taken]
    by_letters = {_letters(column): column for column in spare}
    details = []
    fixes: dict[str, list[str]] = {}
    for key, name in missing:
        close = difflib.get_close_matches(_letters(name), list(by_letters), n=1, cutoff=0.6)
        column = by_letters[close[0]] if close else None
        details.append((key, name, column))
        if column is not None:
            section, _, field_name = key.rpartition(".")
            line = f"    {field_name}: {json.dumps(column, ensure_ascii=False)}   # was '{name}'"
            fixes.setdefault(section or key, []).append(line)
    first_key, first_name, first_close = details[0]
    hint = f" (did you mean '{first_close}'?)" if first_close else ""
    others = "" if len(missing) == 1 else f" (and {len(missing) - 1} more)"
    lines = [
        f"{mapping.label}: {first_key} names column '{first_name}', which {file_label} does not "
        f"have{others}{hint}; fix the mapping or the file. The file's columns are: "
        f"{', '.join(columns)}",
        "Headers the mapping expects but the file lacks, and the file's columns it does not read:",
        *(f"  - {name}" for name in read),
        *(f"  + {column}" for column in spare),
    ]
    if fixes:
        lines.append("Mapping lines that would fix it:")
        for section, section_lines in fixes.items():
            lines += [f"  {section}:", *section_lines]
    return MappingColumnError("\n".join(lines), tuple(details), columns)


def _letters(name: str) -> str:
    """A header reduced to its letters and digits, for close matches across spellings."""
    return re.sub(r"[\W_]+", "", name.casefold())


def _all_sources(mapping: Mapping) -> list[Source]:
    sources = [*mapping.fields.values(), *mapping.custom_fields.values()]
    others = (mapping.country, mapping.postal_code, mapping.do_not_call, mapping.do_not_call_status)
    return sources + [s for s in others if s is not None]


def _replace(source: Source, **changes: Any) -> Source:
    values = {**source.__dict__, **changes}
    return Source(**values)


def _rewrite_template(template: str, found: dict[str, str | None]) -> str:
    def swap(match: re.Match[str]) -> str:
        name = match.group(1)
        if name is None:
            return match.group(0)
        hit = found.get(name)
        return "{" + hit + "}" if hit is not None else ""

    return _PLACEHOLDER.sub(swap, template)


class _ColumnResolver:
    def __init__(self, columns: tuple[str, ...]) -> None:
        self._exact = set(columns)
        self._folded: dict[str, list[str]] = {}
        self._letters: dict[str, list[str]] = {}
        for column in columns:
            self._folded.setdefault(_fold(column), []).append(column)
            self._letters.setdefault(_letters(column), []).append(column)

    def find(self, name: str) -> str | None:
        if name in self._exact:
            return name
        for table, key in ((self._folded, _fold(name)), (self._letters, _letters(name))):
            hits = table.get(key, [])
            if hits:
                return hits[0] if len(hits) == 1 else None
        return None


def _fold(name: str) -> str:
    return " ".join(name.split()).casefold()


# --- projection -----------------------------------------------------------------


def project(frame: pd.DataFrame, bound: BoundMapping) -> pd.DataFrame:
    """Project source rows onto raw lead values: one column per mapped field, all text.

    ``tags`` holds tuples of strings; ``customFields.<key>`` columns hold the custom
    values; ``country`` holds each row's country when the mapping names one, and
    ``postalCode`` its postal code.
    Empty cells are empty strings; nothing is normalized here, but a cell written as
    text for a spreadsheet (``="02134"``, ``'02134``) is read as its text, in every
    field (:func:`importer.cells.cell_text`).
    """
    import pandas as pd

    from .normalize import split_full_name

    frame = _marked_cells_as_text(frame, bound.columns_used())
    out: dict[str, pd.Series] = {}
    for key, source in bound.fields.items():
        out[key] = _values(frame, source, merge=key != "phone")
        if source.fallback and key == "phone":
            others = [frame[column].tolist() for column in source.fallback]
            out[PHONE_FALLBACKS] = pd.Series(list(zip(*others, strict=True)), index=frame.index,
                                             dtype=object)  # fmt: skip
        if (
            key == "phone"
            and source.column is not None
            and (source.fallback or bound.company_lines)
        ):
            lines = PhoneLines(
                tuple(source.columns()),
                tuple(column in bound.company_lines for column in source.columns()),
                bound.mapping.send_company_lines,
            )
            out[PHONE_LINES] = pd.Series([lines] * len(frame), index=frame.index, dtype=object)
    if "fullName" in out:
        full = out.pop("fullName")
        first = out.get("firstName", _empty(frame))
        last = out.get("lastName", _empty(frame))
        use = (first.str.strip() == "") & (last.str.strip() == "") & (full.str.strip() != "")
        if use.any():
            split = full[use].map(split_full_name)
            first = first.copy()
            last = last.copy()
            first[use] = split.map(lambda pair: pair[0] or "")
            last[use] = split.map(lambda pair: pair[1] or "")
        out["firstName"], out["lastName"] = first, last
    if "tags" in out:
        separator = bound.fields["tags"].split
        tags = out["tags"]
        cells = tags.tolist()
        # Few distinct tag cells in a file: split each once.
        pieces = {
            cell: tuple(cell.split(separator)) if separator else (cell,) for cell in set(cells)
        }
        out["tags"] = pd.Series([pieces[cell] for cell in cells], index=tags.index, dtype=object)
    if bound.country is not None:
        out[COUNTRY_COLUMN] = _values(frame, bound.country)
    if bound.postal_code is not None:
        out[POSTAL_CODE_COLUMN] = _values(frame, bound.postal_code)
    for key, source in bound.custom_fields.items():
        out[CUSTOM_PREFIX + key] = _values(frame, source)
    for prefix, dnc in ((DO_NOT_CALL_PREFIX, bound.do_not_call),
                        (DO_NOT_CALL_STATUS_PREFIX, bound.do_not_call_status)):  # fmt: skip
        for column in dnc.columns() if dnc is not None else ():
            out[prefix + column] = frame[column].astype(object)
    return pd.DataFrame(out, index=frame.index)


def _marked_cells_as_text(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """The frame with the cells of ``columns`` that are marked as text read as their text.

    One search a column finds the few columns that hold such a cell; only those are
    gone through cell by cell.
    """
    import pandas as pd

    changed: dict[str, pd.Series] = {}
    for column in columns:
        if column not in frame:
            continue
        cells = frame[column].tolist()
        try:
            joined = "\x00" + "\x00".join(cells)
        except TypeError:  # not a column of text cells: nothing to read as text
            continue
        if TEXT_MARKED.search(joined):
            changed[column] = pd.Series(
                [cell_text(cell) for cell in cells], index=frame.index, dtype=object
            )
    if not changed:
        return frame
    frame = frame.copy(deep=False)
    for column, values in changed.items():
        frame[column] = values
    return frame


def _empty(frame: pd.DataFrame) -> pd.Series:
    import pandas as pd

    return pd.Series([""] * len(frame), index=frame.index, dtype=object)


def _values(frame: pd.DataFrame, source: Source, merge: bool = True) -> pd.Series:
    """A source's cells; with ``merge``, each empty cell filled from the fallback columns."""
    import pandas as pd

    if source.value is not None:
        return pd.Series([source.value] * len(frame), index=frame.index, dtype=object)
    if source.template is not None:
        return _render_template(frame, source.template)
    assert source.column is not None
    values = frame[source.column]
    if merge:
        for column in source.fallback:
            values = values.where(values.str.strip() != "", frame[column])
    if source.default is not None:
        values = values.where(values.str.strip() != "", source.default)
    return values.astype(object)


def _render_template(frame: pd.DataFrame, template: str) -> pd.Series:
    result = _empty(frame)
    position = 0
    for match in _PLACEHOLDER.finditer(template):
        literal = template[position : match.start()]
        name = match.group(1)
        piece = match.group(0)[0] if name is None else ""
        result = result + literal + piece
        if name is not None:
            result = result + frame[name].str.strip()
        position = match.end()
    result = result + template[position:]
    return result.str.strip()
