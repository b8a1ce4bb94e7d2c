"""The lead schema: a pandera schema that normalizes projected rows and validates them.

The schema's parsers turn raw text into API values with the normalizers of
:mod:`importer.normalize` (phones to E.164, using each row's country when the
mapping names a country column; emails, priorities, tags, time zones); a value
that cannot be used is replaced by a :class:`~importer.normalize.Problem`, and
each column's check fails on exactly those cells. Validation is lazy, so every
problem of every row is reported, not only the first; the failure cases are
turned into :class:`~importer.issues.Issue` records (row, field, code, message).

Strict by default: any problem rejects the row. With ``lenient=True`` a problem
in an optional field (email, priority, tags, timeZone) only drops that value and
records a warning; a bad phone always rejects the row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from collections.abc import Mapping as MappingABC
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from .issues import Issue, Severity
from .mapping import COUNTRY_COLUMN, CUSTOM_PREFIX, LEAD_FIELDS
from .normalize import (
    Phone,
    Problem,
    normalize_email,
    normalize_phone,
    normalize_priority,
    normalize_region,
    normalize_tags,
    normalize_text,
    normalize_timezone,
)

#: Optional fields whose bad values ``--lenient`` drops instead of rejecting the row.
LENIENT_FIELDS = frozenset({"email", "priority", "tags", "timeZone"})
_TEXT_FIELDS = ("firstName", "lastName", "leadSource", "notes")
#: Column of the validated frame holding the extension cut off the phone number.
EXTENSION_COLUMN = "phoneExtension"


@dataclass
class ValidatedChunk:
    """Normalized values of a chunk's rows, with every problem found."""

    #: One row per input row (index ``source_row``): ``phone`` holds E.164 text or None,
    #: other lead fields their normalized value or None, ``customFields.*`` text or None.
    leads: pd.DataFrame
    issues: list[Issue]
    #: Rows with at least one error (warnings do not count).
    rejected: pd.Series


def _not_problem(series: pd.Series) -> pd.Series:
    return ~series.map(lambda value: isinstance(value, Problem))


def _column_parser(function: Callable[[Any], Any]) -> pa.Parser:
    return pa.Parser(lambda series: series.map(function))


def _phone_parser(region: str | None) -> Callable[[pd.DataFrame], pd.DataFrame]:
    def parse(frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame.copy()
        if COUNTRY_COLUMN in frame:
            regions = frame[COUNTRY_COLUMN].map(normalize_region)
            regions = regions.where(regions.notna(), region)
            pairs: Iterable[tuple[str, str | None]] = zip(frame["phone"], regions, strict=True)
        else:
            pairs = ((phone, region) for phone in frame["phone"])
        frame["phone"] = pd.Series(
            [normalize_phone(phone, where) for phone, where in pairs],
            index=frame.index,
            dtype=object,
        )
        return frame

    return parse


@lru_cache(maxsize=32)
def lead_schema(region: str | None) -> pa.DataFrameSchema:
    """Build the schema for rows projected by a mapping, with ``region`` as default country."""

    def checked(normalizer: Callable[[Any], Any] | None = None) -> pa.Column:
        parsers = _column_parser(normalizer) if normalizer else None
        return pa.Column(None, parsers=parsers, checks=pa.Check(_not_problem), nullable=True)

    columns: dict[str, pa.Column] = {
        "phone": checked(),
        "email": checked(normalize_email),
        "priority": checked(normalize_priority),
        "tags": checked(normalize_tags),
        "timeZone": checked(normalize_timezone),
        COUNTRY_COLUMN: pa.Column(None, required=False),
        rf"^{CUSTOM_PREFIX}.+$": pa.Column(
            None,
            regex=True,
            required=False,
            nullable=True,
            parsers=_column_parser(normalize_text),
        ),
    }
    for name in _TEXT_FIELDS:
        columns[name] = pa.Column(None, parsers=_column_parser(normalize_text), nullable=True)
    return pa.DataFrameSchema(
        columns,
        parsers=pa.Parser(_phone_parser(region)),
        strict=True,
        name="lead",
    )


def _complete(projected: pd.DataFrame) -> pd.DataFrame:
    """Add the lead fields the mapping does not fill, as empty values."""
    frame = projected.copy()
    for name in LEAD_FIELDS:
        if name not in frame:
            frame[name] = [[] for _ in range(len(frame))] if name == "tags" else ""
    frame = frame.astype(object)
    return frame


def validate_chunk(
    projected: pd.DataFrame,
    *,
    region: str | None = None,
    lenient: bool = False,
    extra_values: dict[int, list[str]] | None = None,
) -> ValidatedChunk:
    """Normalize and validate projected rows; collect every problem of every row."""
    frame = _complete(projected)
    schema = lead_schema(region.upper() if region else None)
    try:
        parsed = schema.validate(frame, lazy=True)
        failures = None
    except SchemaErrors as exc:
        parsed = exc.data
        failures = exc.failure_cases
    issues: list[Issue] = []
    if failures is not None:
        for column, row, case in zip(
            failures["column"], failures["index"], failures["failure_case"], strict=True
        ):
            if not isinstance(case, Problem):
                # Only Problem cells fail the checks above; anything else is a defect.
                raise AssertionError(f"unexpected schema failure in {column}: {case!r}")
            severity: Severity = "warning" if lenient and column in LENIENT_FIELDS else "error"
            issues.append(Issue(int(row), str(column), case.code, case.message, severity))
    for row, values in (extra_values or {}).items():
        shown = ", ".join(f"'{value}'" for value in values if value.strip())
        issues.append(
            Issue(
                row,
                "row",
                "row_too_many_values",
                f"row has more values than the header has columns ({shown}); a delimiter "
                "inside a value? Put that value in quotes or remove the extra cells",
            )
        )
    issues.sort(key=lambda issue: (issue.row, _field_order(issue.field)))
    leads = _finish(parsed)
    error_rows = {issue.row for issue in issues if issue.severity == "error"}
    rejected = pd.Series(leads.index.isin(list(error_rows)), index=leads.index)
    return ValidatedChunk(leads=leads, issues=issues, rejected=rejected)


def _field_order(field: str) -> int:
    return LEAD_FIELDS.index(field) if field in LEAD_FIELDS else len(LEAD_FIELDS)


def _finish(parsed: pd.DataFrame) -> pd.DataFrame:
    """Replace Problems by None and split phones into E.164 and extension."""
    leads = parsed.drop(columns=[COUNTRY_COLUMN], errors="ignore")
    phones = leads["phone"]
    data: dict[str, list[Any]] = {
        "phone": [p.e164 if isinstance(p, Phone) else None for p in phones],
        EXTENSION_COLUMN: [p.extension if isinstance(p, Phone) else None for p in phones],
    }
    for column in leads.columns:
        if column != "phone":
            data[column] = [_usable(value) for value in leads[column]]
    # Built column by column from lists so that pandas never turns None into NaN.
    return pd.DataFrame(data, index=leads.index, dtype=object)


def _usable(value: Any) -> Any:
    """Return the value, or None for a Problem or a missing value."""
    if isinstance(value, Problem) or value is None:
        return None
    if isinstance(value, float) and value != value:  # NaN
        return None
    return value


def lead_payload(values: MappingABC[Any, Any]) -> dict[str, Any]:
    """Build the API's lead object from one validated row: documented fields, no empties."""
    lead: dict[str, Any] = {"phone": values["phone"]}
    for name in LEAD_FIELDS[1:]:
        value = values.get(name)
        if value is not None and value != "" and value != []:
            lead[name] = value
    custom = {
        key[len(CUSTOM_PREFIX) :]: value
        for key, value in values.items()
        if key.startswith(CUSTOM_PREFIX) and value
    }
    extension = values.get(EXTENSION_COLUMN)
    if extension:
        custom.setdefault("phone_extension", extension)
    if custom:
        lead["customFields"] = custom
    return lead
