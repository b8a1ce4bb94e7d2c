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
records a warning; a bad phone always rejects the row. A phone read with a guess
(see :func:`~importer.normalize.normalize_phone`) carries a warning, which never
rejects the row. The run's :class:`~importer.phonepolicy.PhonePolicy` judges each
valid number's type: premium-rate numbers (and the types a run rejects) reject the
row, toll-free and fictional numbers carry a warning. A filled country cell that names
no known country rejects the row (``country_unknown``): its phone is never read in the
default country instead.

A row marked do-not-call in the file (a phone cell saying ``DNC``, a do-not-call
column saying yes: :mod:`importer.marks`) is neither valid nor rejected: its mark
is in :attr:`ValidatedChunk.marks`, its other problems are dropped (it is never
sent, so they need no fixing), and its number, when the cell holds one besides the
mark, is read for the report.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from collections.abc import Mapping as MappingABC
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from .countries import normalize_region
from .dedupe import person_key
from .encodings import misdecoded
from .issues import Issue, Severity
from .localzones import same_clock, why_no_phone_zone, zone_for_phone, zone_for_postal_code
from .mapping import (
    COUNTRY_COLUMN,
    CUSTOM_PREFIX,
    DO_NOT_CALL_PREFIX,
    DO_NOT_CALL_STATUS_PREFIX,
    LEAD_FIELDS,
    PHONE_FALLBACKS,
    PHONE_LINES,
    POSTAL_CODE_COLUMN,
    PhoneLines,
)
from .marks import Mark, cell_mark, column_mark, phone_marks
from .normalize import (
    CELL_ERROR,
    Phone,
    Problem,
    cell_error,
    normalize_email,
    normalize_phone,
    normalize_priority,
    normalize_tags,
    normalize_text,
)
from .phonepolicy import PhonePolicy
from .problems import quote as _quote
from .timezones import normalize_timezone

__all__ = [
    "EXTENSION_COLUMN",
    "LENIENT_FIELDS",
    "NAME_FIELDS",
    "NAME_GARBLED",
    "PhoneBook",
    "PhoneKey",
    "ValidatedChunk",
    "country_for",
    "lead_json_rows",
    "lead_payload",
    "lead_schema",
    "validate_chunk",
]

#: Optional fields whose bad values ``--lenient`` drops instead of rejecting the row.
LENIENT_FIELDS = frozenset({"email", "priority", "tags", "timeZone"})
_TEXT_FIELDS = ("firstName", "lastName", "leadSource", "notes")
#: Column of the validated frame holding the extension cut off the phone number.
EXTENSION_COLUMN = "phoneExtension"
_NO_REGION = "phone_no_region"
#: The warning of a name that looks mis-decoded upstream.
NAME_GARBLED = "name_garbled"


@dataclass
class ValidatedChunk:
    """Normalized values of a chunk's rows, with every problem found."""

    #: One row per input row (index ``source_row``): ``phone`` holds E.164 text or None,
    #: other lead fields their normalized value or None, ``customFields.*`` text or None.
    leads: pd.DataFrame
    issues: list[Issue]
    #: Rows with at least one error (warnings do not count).
    rejected: pd.Series
    #: The numbering plan's type of each row's phone ("" where there is no valid one).
    phone_types: list[str] = field(default_factory=list)
    #: Where each row's time zone comes from: "file", "postal_code", "phone" or "".
    time_zone_sources: list[str] = field(default_factory=list)
    #: Who each row is (:func:`importer.dedupe.person_key`); empty when the mapping
    #: fills neither a name nor an e-mail.
    people: list[int] = field(default_factory=list)
    #: By source row: the row's other valid numbers (E.164), in the mapping's order,
    #: for rows whose phone columns hold more than one.
    other_phones: dict[int, tuple[str, ...]] = field(default_factory=dict)
    #: By source row: rows the file marks as not to be called (never valid nor rejected).
    marks: dict[int, Mark] = field(default_factory=dict)


PhoneKey = tuple[str, str | None]


class PhoneBook:
    """Phone results of this run: the ones known before a chunk and the ones it adds.

    Each distinct (cell, country) pair is normalized once per run: the importer
    hands the results it already has to whichever process validates the next
    chunk, and collects what that chunk learned.
    """

    def __init__(
        self,
        known: dict[PhoneKey, Phone | Problem] | None = None,
        policy: PhonePolicy | None = None,
    ) -> None:
        self.known = known or {}
        self.learned: dict[PhoneKey, Phone | Problem] = {}
        self.policy = policy or PhonePolicy()

    def normalize(self, raw: str, region: str | None) -> Phone | Problem:
        """Return the normalized phone, as the run's policy judges it, parsed once."""
        key = (raw, region)
        found = self.known.get(key) or self.learned.get(key)
        if found is None:
            found = normalize_phone(raw, region)
            if type(found) is Phone:
                found = self.policy.check(found)
            self.learned[key] = found
        return found


_PHONE_BOOK: ContextVar[PhoneBook | None] = ContextVar("phone_book", default=None)


def country_for(cell: Any, default: str | None) -> str | None:
    """The region a row's phone is read in: its country cell's, else ``default``.

    A filled cell that names no known country gives None, never ``default``: a
    number is not read in a country the row does not name.
    """
    if type(cell) is not str or not cell.strip():
        return default
    return normalize_region(cell)


def _unknown_country(cell: Any) -> Problem | None:
    if type(cell) is not str or not cell.strip() or normalize_region(cell) is not None:
        return None
    return Problem(
        "country_unknown",
        f"country {_quote(cell.strip())} is not a country this tool knows, so the phone is not "
        "read in the default country instead; write an ISO code such as US, GB or DE, a "
        "calling code such as +44, or the country's name in English",
    )


def _not_problem(series: pd.Series) -> pd.Series:
    flags = np.fromiter(
        (type(value) is not Problem for value in series.to_numpy()), dtype=bool, count=len(series)
    )
    return pd.Series(flags, index=series.index)


def _objects(values: list[Any], index: pd.Index) -> pd.Series:
    # Built from a list with dtype object, so that pandas never turns None into NaN.
    return pd.Series(values, index=index, dtype=object)


def _column_parser(function: Callable[[Any], Any], memo: bool = False) -> pa.Parser:
    """Apply a normalizer to every cell; with ``memo``, once per distinct value."""

    def parse(series: pd.Series) -> pd.Series:
        values = series.to_numpy()
        if not memo:
            return _objects([function(value) for value in values], series.index)
        seen: dict[Any, Any] = {}
        out = []
        for value in values:
            key = tuple(value) if type(value) is list else value
            result = seen.get(key, seen)
            if result is seen:
                result = seen[key] = function(value)
            out.append(result)
        return _objects(out, series.index)

    return pa.Parser(parse)


def _phone_parser(region: str | None) -> Callable[[pd.DataFrame], pd.DataFrame]:
    def parse(frame: pd.DataFrame) -> pd.DataFrame:
        book = _PHONE_BOOK.get() or PhoneBook()
        frame = frame.copy()
        phones = frame["phone"].to_numpy()
        if COUNTRY_COLUMN in frame:
            cells = frame[COUNTRY_COLUMN].tolist()
            unknown = [_unknown_country(cell) for cell in cells]
            values: list[Phone | Problem | None] = []
            for phone, cell, problem in zip(phones, cells, unknown, strict=True):
                value: Phone | Problem | None = book.normalize(phone, country_for(cell, region))
                # The unknown country explains a missing country code; say it once.
                if problem is not None and type(value) is Problem and value.code == _NO_REGION:
                    value = None
                values.append(value)
            if any(unknown):
                frame[COUNTRY_COLUMN] = _objects(
                    [problem or cell for problem, cell in zip(unknown, cells, strict=True)],
                    frame.index,
                )
        else:
            values = [book.normalize(phone, region) for phone in phones]
        frame["phone"] = _objects(values, frame.index)
        return frame

    return parse


def _guarded(field: str, normalizer: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """The normalizer, after a check that the cell is not a spreadsheet error."""

    def normalize(value: Any) -> Any:
        return cell_error(field, value) or normalizer(value)

    return normalize


def _text_parser() -> pa.Parser:
    """Trim the cells of a customFields column; a spreadsheet error is a problem."""

    def parse(series: pd.Series) -> pd.Series:
        field = f"customFields.{str(series.name)[len(CUSTOM_PREFIX) :]}"
        values = [cell_error(field, value) or normalize_text(value) for value in series.tolist()]
        return _objects(values, series.index)

    return pa.Parser(parse)


@lru_cache(maxsize=32)
def lead_schema(region: str | None) -> pa.DataFrameSchema:
    """Build the schema for rows projected by a mapping, with ``region`` as default country."""

    def checked(
        normalizer: Callable[[Any], Any] | None = None, memo: bool = False, field: str = ""
    ) -> pa.Column:
        parsers = _column_parser(_guarded(field, normalizer), memo) if normalizer else None
        return pa.Column(None, parsers=parsers, checks=pa.Check(_not_problem), nullable=True)

    columns: dict[str, pa.Column] = {
        "phone": checked(),
        "email": checked(normalize_email, field="email"),
        "priority": checked(normalize_priority, memo=True, field="priority"),
        "tags": checked(normalize_tags, memo=True, field="tags"),
        "timeZone": checked(normalize_timezone, memo=True, field="timeZone"),
        COUNTRY_COLUMN: pa.Column(
            None, required=False, checks=pa.Check(_not_problem), nullable=True
        ),
        POSTAL_CODE_COLUMN: pa.Column(None, required=False, nullable=True),
        rf"^{CUSTOM_PREFIX}.+$": pa.Column(
            None,
            regex=True,
            required=False,
            nullable=True,
            parsers=_text_parser(),
            checks=pa.Check(_not_problem),
        ),
    }
    for name in _TEXT_FIELDS:  # names and sources repeat a lot: normalize each once
        columns[name] = pa.Column(
            None,
            parsers=_column_parser(_guarded(name, normalize_text), memo=True),
            checks=pa.Check(_not_problem),
            nullable=True,
        )
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
    phone_book: PhoneBook | None = None,
    infer_time_zone: bool = True,
    prefer: MappingABC[int, str] | None = None,
) -> ValidatedChunk:
    """Normalize and validate projected rows; collect every problem of every row.

    ``phone_book`` carries phone results already known in the run and collects the
    new ones (see :class:`PhoneBook`). With ``infer_time_zone``, a valid row whose
    file gives no time zone gets one (see :func:`_infer_time_zones`). ``prefer``
    names, by source row, the number (E.164) to send among the row's valid ones:
    the in-file duplicates stage moves a row off a number another person holds.
    """
    region = region.upper() if region else None
    book = phone_book if phone_book is not None else PhoneBook()
    frame, marks = _read_marks(_complete(projected))
    other_phones: dict[int, tuple[str, ...]] = {}
    line_issues: list[Issue] = []
    if PHONE_FALLBACKS in frame or PHONE_LINES in frame:
        frame, other_phones, line_issues = _choose_phones(frame, region, book, prefer or {})
    schema = lead_schema(region)
    token = _PHONE_BOOK.set(book)
    try:
        parsed = schema.validate(frame, lazy=True)
        failures = None
    except SchemaErrors as exc:
        parsed = exc.data
        failures = exc.failure_cases
    finally:
        _PHONE_BOOK.reset(token)
    issues: list[Issue] = list(line_issues)
    if failures is not None:
        for column, row, case in zip(
            failures["column"], failures["index"], failures["failure_case"], strict=True
        ):
            if not isinstance(case, Problem):
                # Only Problem cells fail the checks above; anything else is a defect.
                raise AssertionError(f"unexpected schema failure in {column}: {case!r}")
            # A spreadsheet error in a field other than the phone only leaves that value out.
            always_warning = case.code == CELL_ERROR
            severity: Severity = (
                "warning" if always_warning or (lenient and column in LENIENT_FIELDS) else "error"
            )
            issues.append(Issue(int(row), str(column), case.code, case.message, severity))
    for row, value in zip(parsed.index.tolist(), parsed["phone"].tolist(), strict=True):
        if type(value) is Phone:
            for warning in (value.warning, value.notice):
                if warning is not None:
                    issues.append(
                        Issue(int(row), "phone", warning.code, warning.message, "warning")
                    )
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
    if marks:  # never sent: what else is wrong with a marked row needs no fixing
        issues = [issue for issue in issues if issue.row not in marks]
    error_rows = {issue.row for issue in issues if issue.severity == "error"}
    sources = _infer_time_zones(parsed, error_rows | marks.keys(), region, infer_time_zone, issues)
    leads = _finish(
        parsed, {(issue.field, issue.row) for issue in issues if issue.field != "phone"}
    )
    # After _finish: the name is still sent. A marked row is never sent: nothing to fix.
    issues.extend(issue for issue in _garbled_names(parsed) if issue.row not in marks)
    issues.sort(key=lambda issue: (issue.row, _field_order(issue.field)))
    rejected = pd.Series(leads.index.isin(list(error_rows)), index=leads.index)
    kinds = [p.kind if type(p) is Phone else "" for p in parsed["phone"].tolist()]
    return ValidatedChunk(
        leads=leads, issues=issues, rejected=rejected, phone_types=kinds,
        time_zone_sources=sources, people=_people(projected, leads), other_phones=other_phones,
        marks=marks,
    )  # fmt: skip


def _read_marks(frame: pd.DataFrame) -> tuple[pd.DataFrame, dict[int, Mark]]:
    """Find each row's do-not-call mark: in its phone cells first, then in its columns.

    A phone cell's mark is cut from the cell, so that the number beside it is read for
    the report; the do-not-call columns are read and dropped (they are never sent).
    """
    marks: dict[int, Mark] = {}
    rows = frame.index.tolist()
    cells = frame["phone"].tolist()
    found = phone_marks(cells)
    if found:
        kept = []
        for row, cell in zip(rows, cells, strict=True):
            hit = found.get(cell)
            if hit is not None:
                marks.setdefault(row, cell_mark(hit[0]))
            kept.append(cell if hit is None else hit[1])
        frame["phone"] = _objects(kept, frame.index)
    if PHONE_FALLBACKS in frame:
        groups = frame[PHONE_FALLBACKS].tolist()
        hits = phone_marks(cell for group in groups for cell in group)
        if hits:
            for row, group in zip(rows, groups, strict=True):
                for cell in group:
                    hit = hits.get(cell)
                    if hit is not None:
                        marks.setdefault(row, cell_mark(hit[0]))
            frame[PHONE_FALLBACKS] = _objects(
                [tuple(hits[cell][1] if cell in hits else cell for cell in group)
                 for group in groups],
                frame.index,
            )  # fmt: skip
    for name in [c for c in frame.columns if c.startswith(DO_NOT_CALL_PREFIX)
                 or c.startswith(DO_NOT_CALL_STATUS_PREFIX)]:  # fmt: skip
        status = name.startswith(DO_NOT_CALL_STATUS_PREFIX)
        column = name.removeprefix(DO_NOT_CALL_STATUS_PREFIX if status else DO_NOT_CALL_PREFIX)
        values = frame[name].tolist()
        said = {value: column_mark(column, str(value), status=status) for value in set(values)}
        for row, value in zip(rows, values, strict=True):
            mark = said[value]
            if mark is not None:
                marks.setdefault(row, mark)
        frame = frame.drop(columns=[name])
    return frame, marks


#: The fields whose text is checked for mis-decoding (:func:`_garbled_names`).
NAME_FIELDS = ("firstName", "lastName")


def _garbled_names(parsed: pd.DataFrame) -> list[Issue]:
    """A ``name_garbled`` warning for each name that looks mis-decoded upstream.

    UTF-8 read as cp1252 or latin-1 by some program before the file was saved turns
    ``José`` into ``JosÃ©`` (:func:`importer.encodings.misdecoded`). The name is sent as
    the file has it, since the fix is a guess; the warning says what it probably was.
    """
    found: list[Issue] = []
    for name in NAME_FIELDS:
        if name not in parsed:
            continue
        for row, text in zip(parsed.index.tolist(), parsed[name].tolist(), strict=True):
            if type(text) is not str or text.isascii():
                continue
            fixed = misdecoded(text)
            if fixed is not None:
                found.append(Issue(
                    int(row), name, NAME_GARBLED,
                    f"{_quote(text)} looks like {_quote(fixed)} read in the wrong encoding "
                    "somewhere before this file was saved; correct the name in the file",
                    "warning",
                ))  # fmt: skip
    return found


def _people(projected: pd.DataFrame, leads: pd.DataFrame) -> list[int]:
    """Each row's person key, from its name or e-mail; [] when the mapping fills neither."""
    if not any(name in projected for name in ("firstName", "lastName", "email")):
        return []
    return list(
        map(
            person_key,
            leads["firstName"].tolist(),
            leads["lastName"].tolist(),
            leads["email"].tolist(),
        )
    )


#: The warning of a row sent without a zone: its area code spans clocks, its exchange's
#: zone is not known (see :mod:`importer.localzones`).
ZONE_UNKNOWN = "phone_zone_unknown"

#: The customFields key that keeps the phone's zone when the postal code's is sent.
PHONE_TIME_ZONE = "phone_time_zone"


def _infer_time_zones(
    parsed: pd.DataFrame,
    error_rows: set[int],
    region: str | None,
    infer: bool,
    issues: list[Issue],
) -> list[str]:
    """Give valid rows without a time zone one; return where each row's zone comes from.

    The file's own zone always wins (``file``). Else the postal code's
    (``postal_code``), else the phone number's area (``phone``), from
    :mod:`importer.localzones`; else none (""). Where the postal code and the phone
    give zones with different clocks (people keep their numbers when they move), the
    postal code's is sent, the row gets a ``time_zone_conflict`` warning naming both,
    and the phone's zone goes to customFields ``phone_time_zone``. A row left without a
    zone because its area code spans clocks and its exchange's zone is not known gets
    a ``phone_zone_unknown`` warning that says so.
    """
    rows = parsed.index.tolist()
    zones = parsed["timeZone"].tolist()
    sources = ["file" if type(zone) is str and zone else "" for zone in zones]
    if not infer:
        return sources
    phones = parsed["phone"].tolist()
    countries = parsed[COUNTRY_COLUMN].tolist() if COUNTRY_COLUMN in parsed else None
    postals = parsed[POSTAL_CODE_COLUMN].tolist() if POSTAL_CODE_COLUMN in parsed else None
    phone_zones: dict[int, str] = {}
    for at, row in enumerate(rows):
        phone = phones[at]
        if sources[at] or zones[at] or type(phone) is not Phone or row in error_rows:
            continue  # the file's zone, a bad zone cell (left out), or a rejected row
        postal = postals[at] if postals is not None else ""
        by_postal = None
        if type(postal) is str and postal.strip():
            country = country_for(countries[at], region) if countries is not None else region
            by_postal = zone_for_postal_code(postal, country)
        by_phone = zone_for_phone(phone.e164, phone.kind)
        if by_postal is not None:
            zones[at], sources[at] = by_postal, "postal_code"
            if by_phone is not None and not same_clock(by_postal, by_phone):
                phone_zones[at] = by_phone
                issues.append(Issue(
                    row, POSTAL_CODE_COLUMN, "time_zone_conflict",
                    f"postal code {_quote(str(postal).strip())} is in {by_postal}, but the "
                    f"phone {phone.e164} is in {by_phone}: the postal code's zone is sent, the "
                    f"phone's is kept in customFields.{PHONE_TIME_ZONE}",
                    "warning",
                ))  # fmt: skip
        elif by_phone is not None:
            zones[at], sources[at] = by_phone, "phone"
        elif why := why_no_phone_zone(phone.e164, phone.kind):
            issues.append(Issue(
                row, "phone", ZONE_UNKNOWN,
                f"no time zone is sent: {why}. Give the row's ZIP or postal code (mapping "
                "postal_code:) or its time zone",
                "warning",
            ))  # fmt: skip
    if any(source in ("postal_code", "phone") for source in sources):
        parsed["timeZone"] = _objects(zones, parsed.index)
    if phone_zones:
        values = [phone_zones.get(at) for at in range(len(rows))]
        parsed[CUSTOM_PREFIX + PHONE_TIME_ZONE] = _objects(values, parsed.index)
    return sources


def _choose_phones(
    frame: pd.DataFrame, region: str | None, book: PhoneBook, prefer: MappingABC[int, str]
) -> tuple[pd.DataFrame, dict[int, tuple[str, ...]], list[Issue]]:
    """Keep, per row, the first of its phone cells that is a valid number.

    The person's own numbers come before the company's lines (see
    :func:`_company_line_issues`), whatever the order of the columns. When none is
    valid the first cell that is not empty stays, so that the rejection names the
    value the row was meant to be called on. A row in ``prefer`` keeps the cell of that
    number instead. Also returns, by source row, the other valid numbers of the rows
    that have more than one, and the issues of the company-line rule.
    """
    if COUNTRY_COLUMN in frame:
        regions = [country_for(cell, region) for cell in frame[COUNTRY_COLUMN]]
    else:
        regions = [region] * len(frame)
    fallbacks = frame[PHONE_FALLBACKS].tolist() if PHONE_FALLBACKS in frame else [()] * len(frame)
    lines_of = frame[PHONE_LINES].tolist() if PHONE_LINES in frame else [None] * len(frame)
    chosen = []
    issues: list[Issue] = []
    other_phones: dict[int, tuple[str, ...]] = {}
    for row, primary, others, row_region, lines in zip(
        frame.index.tolist(), frame["phone"].tolist(), fallbacks, regions, lines_of,
        strict=True,
    ):  # fmt: skip
        cells = [primary, *others]
        results = [book.normalize(cell, row_region) if cell.strip() else None for cell in cells]
        company = _company_cells(lines, results)
        # The person's own numbers come before the company's, whatever the column order.
        ordered = [at for at in range(len(cells)) if not company[at]]
        ordered += [at for at in range(len(cells)) if company[at]]
        valid: dict[str, int] = {}  # E.164 -> the first cell that gives it
        for at in ordered:
            result = results[at]
            if type(result) is Phone:
                valid.setdefault(result.e164, at)
        if not valid:
            filled = [cells[at] for at in ordered if cells[at].strip()]
            chosen.append(filled[0] if filled else primary)
            continue
        numbers = list(valid)
        wanted = prefer.get(row)
        pick = valid[wanted] if wanted in valid else valid[numbers[0]]
        chosen.append(cells[pick])
        if len(numbers) > 1:
            other_phones[row] = tuple(numbers[1:])
        if lines is not None:
            issues.extend(_company_line_issues(int(row), lines, cells, results, company, pick))
    frame = frame.drop(columns=[PHONE_FALLBACKS, PHONE_LINES], errors="ignore")
    frame["phone"] = _objects(chosen, frame.index)
    return frame, other_phones, issues


def _company_cells(
    lines: PhoneLines | None, results: Sequence[Phone | Problem | None]
) -> list[bool]:
    """Which of a row's phone cells give a company's number.

    A cell of a company column does, and so does a cell of another column that gives
    the same number: exports copy the switchboard into the person's columns (Apollo's
    First Phone, a Work number that is the office's line).
    """
    if lines is None:
        return [False] * len(results)
    switchboards = {
        result.e164
        for result, line in zip(results, lines.company, strict=True)
        if line and type(result) is Phone
    }
    return [
        line or (type(result) is Phone and result.e164 in switchboards)
        for result, line in zip(results, lines.company, strict=True)
    ]


#: Problems of a cell that holds no number at all, rather than a broken one.
_NO_NUMBER = frozenset(["phone_missing", "phone_placeholder"])
#: A row's number is the company's line (a switchboard), not the person's.
COMPANY_LINE = "phone_company_line"
#: A person's own number is in the file but cannot be used; another is sent.
OWN_PHONE_UNUSABLE = "phone_own_unusable"


def _company_line_issues(
    row: int,
    lines: PhoneLines,
    cells: Sequence[str],
    results: Sequence[Phone | Problem | None],
    company: Sequence[bool],
    pick: int,
) -> list[Issue]:
    """The company-line rule for one row whose phone cell ``pick`` is a valid number.

    A row sent on a company line while it has no valid number of its own is
    rejected, unless the run sends company lines, then it is warned about. Each own
    number that is in the file but not valid is named, with the column that is sent.
    """
    column = lines.columns[pick]
    if company[pick] and not lines.company[pick]:
        # A person's column holding the switchboard: name the column it is the company's in.
        picked = results[pick]
        number = picked.e164 if type(picked) is Phone else ""
        column = next(
            lines.columns[at]
            for at, result in enumerate(results)
            if lines.company[at] and type(result) is Phone and result.e164 == number
        )
    own_valid = any(
        type(result) is Phone and not line for result, line in zip(results, company, strict=True)
    )
    issues: list[Issue] = []
    named: set[str] = set()
    for at, result in enumerate(results):
        # A placeholder (N/A, -) says there is no number: nothing to fix there.
        if lines.company[at] or not isinstance(result, Problem) or result.code in _NO_NUMBER:
            continue
        if cells[at].strip() in named:
            continue  # the same broken number copied into another column: named once
        named.add(cells[at].strip())
        issues.append(
            Issue(
                row, "phone", OWN_PHONE_UNUSABLE,
                f"{lines.columns[at]} {_quote(cells[at].strip())} is not a valid number "
                f"({result.message.replace('; ', ': ')}); the {column} number is used",
                "warning",
            )
        )  # fmt: skip
    if not company[pick]:
        return issues
    if own_valid:
        issues.append(
            Issue(
                row, "phone", COMPANY_LINE,
                f"the number sent is the company's main number ({column}), not the person's own",
                "warning",
            )
        )  # fmt: skip
    elif lines.send:
        issues.append(
            Issue(
                row, "phone", COMPANY_LINE,
                f"the number sent is only the company's main number ({column}): a receptionist "
                "may answer, not the person",
                "warning",
            )
        )  # fmt: skip
    else:
        issues.append(
            Issue(
                row, "phone", "phone_company_line",
                f"only the company's main number ({column}); add the person's own number, or "
                "send company lines with --send-company-lines",
            )
        )  # fmt: skip
    return issues


def _field_order(field: str) -> int:
    return LEAD_FIELDS.index(field) if field in LEAD_FIELDS else len(LEAD_FIELDS)


def _finish(parsed: pd.DataFrame, failed: set[tuple[str, int]]) -> pd.DataFrame:
    """Replace the failed cells by None and split phones into E.164 and extension."""
    leads = parsed.drop(columns=[COUNTRY_COLUMN, POSTAL_CODE_COLUMN], errors="ignore")
    phones = leads["phone"].to_numpy()
    data: dict[str, list[Any]] = {
        "phone": [p.e164 if type(p) is Phone else None for p in phones],
        EXTENSION_COLUMN: [p.extension if type(p) is Phone else None for p in phones],
    }
    rows = leads.index.tolist()
    failing_columns = {column for column, _ in failed}
    for column in leads.columns:
        if column == "phone":
            continue
        values = leads[column].tolist()
        if column in failing_columns:
            values = [
                None if (column, row) in failed else value
                for row, value in zip(rows, values, strict=True)
            ]
        data[column] = values
    return pd.DataFrame(data, index=leads.index, dtype=object)


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


_encode = json.encoder.encode_basestring  # the C encoder json.dumps uses, ensure_ascii off


def lead_json_rows(leads: pd.DataFrame, rows: Sequence[int]) -> list[str]:
    """The lead of each given row position as JSON text, exactly ``json.dumps(lead_payload())``.

    Built column by column, for speed: this runs once per valid row of every file.
    """
    phones = leads["phone"].tolist()
    extensions = leads[EXTENSION_COLUMN].tolist()
    fields = [
        (_encode(name) + ": ", leads[name].tolist()) for name in LEAD_FIELDS[1:] if name in leads
    ]
    custom = [
        (key[len(CUSTOM_PREFIX) :], leads[key].tolist())
        for key in leads.columns
        if key.startswith(CUSTOM_PREFIX)
    ]
    out = []
    for at in rows:
        parts = ['"phone": ' + _encode(phones[at])]
        for key, values in fields:
            value = values[at]
            if value:
                if type(value) is str:
                    parts.append(key + _encode(value))
                else:
                    parts.append(key + "[" + ", ".join(map(_encode, value)) + "]")
        extras = {name: values[at] for name, values in custom if values[at]}
        extension = extensions[at]
        if extension:
            extras.setdefault("phone_extension", extension)
        if extras:
            inner = ", ".join(f"{_encode(k)}: {_encode(v)}" for k, v in extras.items())
            parts.append('"customFields": {' + inner + "}")
        out.append("{" + ", ".join(parts) + "}")
    return out
