"""Review and fix a file's rows before they are sent: the library behind the page.

:meth:`Review.build` reads the whole file once with the importer's own stages (the
reader, the mapping, :class:`~importer.validation.ChunkValidator`, and
:class:`~importer.dedupe.InFileDuplicates`) and keeps every row with its verdict in
one SQLite file, ``review.sqlite3``, in a folder of its own. The page then asks for
counts and pages of rows, edits cells, skips rows and applies fixes; each change
re-checks the rows it touched with the same validation code, so a row's verdict
here is the verdict the command line gives for the corrected file.

Duplicates follow :mod:`importer.dedupe`: among the rows that passed validation and
are not skipped, the first with a phone is kept and later ones are duplicates of it.
A change re-runs that rule only for the phones it touched (the rows' phones before
and after), not for the whole file.

Every change is recorded with the values it replaced, so :meth:`Review.undo` puts
them back. :meth:`Review.export` writes the corrected file a person downloads: the
rows not skipped, the file's columns, then ``source_row`` (the row's number as the page
shows it). :meth:`Review.export_to_send` writes the file a run imports: every row, the
skipped ones too, so that the run reports them (``row_skipped``) and reads each row's
number from ``source_row``; every row of the file reviewed is in one report, under the
number the page showed. The ``source_row`` column also makes the
reader treat the file as this tool's own, as it does a report: a cell that a
spreadsheet would run as a formula is written with a leading ``'`` (as in the
reports), and the reader takes the mark off again, so importing the corrected file
reads exactly the cells reviewed.

A report of this tool (``rejected.csv``, say) numbers its rows by their place in the
report, but its own ``source_row`` column says where each row was in the person's
file. The reader leaves that column out; :meth:`Review.build` reads it on its own and
keeps it with each row (:attr:`RowView.original_row`), so the page shows the numbers
the person can find in their file, and the corrected file's ``source_row`` keeps them.
"""

from __future__ import annotations

import contextlib
import csv
import itertools
import json
import os
import re
import sqlite3
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd
import phonenumbers

from .cells import neutralize, strip_invisible
from .countries import country_name
from .dedupe import SHARED_CODE, Found, InFileDuplicates, shared_warning
from .issues import CODE_FIELDS, Issue
from .mapping import (
    CUSTOM_PREFIX,
    POSTAL_CODE_COLUMN,
    BoundMapping,
    bind_mapping,
    check_region,
    load_mapping,
    project,
)
from .normalize import Phone, normalize_phone
from .phonepolicy import PhonePolicy
from .pipeline import MAX_WORKERS, PARALLEL_MIN_BYTES
from .private import private_writes
from .reader import (
    DEFAULT_CHUNK_ROWS,
    DEFAULT_MAX_FILE_SIZE,
    Chunk,
    ReadOptions,
    SourceInfo,
    open_source,
)
from .schema import PhoneBook, validate_chunk
from .validation import ChunkValidator, ValidationContext, columns_of

__all__ = [
    "FILTERS",
    "REVIEW_FILE",
    "SKIPPED_MARK",
    "BulkFix",
    "CellProblem",
    "CorrectedFile",
    "Counts",
    "Filter",
    "Page",
    "Progress",
    "Review",
    "RowView",
]

#: "all" | "problems" | "rejected" | "duplicates" | "skipped" | "valid" | "warnings"
#: | "code:<code>".
Filter = str
#: The filters besides "code:<code>". "problems" is the rejected rows and the valid
#: rows with warnings; "warnings" the valid rows with warnings.
FILTERS = (
    "all", "problems", "rejected", "duplicates", "suppressed", "skipped", "valid", "warnings",
)  # fmt: skip
#: The severity of a row's do-not-call mark (:mod:`importer.marks`) among its problems:
#: the row is ``suppressed``, never sent, whatever else it holds.
SUPPRESSED = "suppressed"
REVIEW_FILE = "review.sqlite3"
#: The "after" of a preview line for a fix that skips the row instead of changing a cell.
SKIPPED_MARK = "(row skipped)"
#: How many changes a fix's preview shows.
PREVIEW_ROWS = 10
#: Rows checked with each candidate country to rank them, before the exact count.
_RANK_SAMPLE = 300
#: How many countries are offered for numbers without a country code, and up to
#: how many such numbers more than one is.
_REGION_OFFERS = 3
_REGION_OFFERS_ROWS = 20_000
#: Phone readings kept for the fixes (about 200 bytes each).
_MAX_READINGS = 500_000
#: 4: the ``person`` column holds :func:`importer.dedupe.person_key`'s 63-bit people.
_SCHEMA_VERSION = 4
#: Rows checked at once from which worker processes pay off (about what
#: PARALLEL_MIN_BYTES of a typical file holds).
_PARALLEL_ROWS = 40_000
#: How long a connection waits for another one's change to the rows to end.
_BUSY_MS = 60_000
#: Excel's delimiter line, as the first line of a CSV file.
_SEP_LINE = re.compile(r"sep=.", re.IGNORECASE)

#: Rejection codes whose value is optional: the fix empties the cell.
_CLEARABLE = {
    "email_invalid": ("e-mail address is not valid", "e-mail addresses are not valid",
                      "clear {them} (sent without an e-mail)"),
    "priority_invalid": ("priority is not low, medium, high or urgent",
                         "priorities are not low, medium, high or urgent",
                         "clear {them} (sent as medium)"),
    "tags_too_many": ("tag cell holds more than 20 tags", "tag cells hold more than 20 tags",
                      "clear {them} (sent without tags)"),
    "timezone_unknown": ("time zone is not known", "time zones are not known",
                         "clear {them} (sent without a time zone)"),
    "timezone_offset": ("time zone is a UTC offset that several zones share",
                        "time zones are UTC offsets that several zones share",
                        "clear {them} (sent without a time zone)"),
    "timezone_ambiguous": ("time zone is an abbreviation with several meanings",
                           "time zones are abbreviations with several meanings",
                           "clear {them} (sent without a time zone)"),
}  # fmt: skip
#: Rejection codes of a phone that no fix can read: the fix skips the row.
_SKIPPABLE = {
    "phone_placeholder": ("a placeholder phone", "placeholder phones"),
    "phone_missing": ("no phone", "no phone"),
    "phone_cell_error": ("a spreadsheet error for a phone", "spreadsheet errors for phones"),
    "phone_masked": ("a hidden (masked) phone", "hidden (masked) phones"),
}


@dataclass(frozen=True)
class CellProblem:
    """One problem of a row, placed on the file's column it is about when there is one."""

    field: str
    column: str | None
    code: str
    message: str
    severity: str


@dataclass(frozen=True)
class CorrectedFile:
    """A corrected file written for a run: every row, with the skipped ones named.

    Its ``source_row`` column numbers each row as the page showed it; a run reads
    the file with :meth:`read_options` and leaves :attr:`skipped` out
    (:attr:`importer.pipeline.ImportOptions.skip_rows`).
    """

    path: Path
    #: The rows skipped on the page, by their ``source_row`` in the file.
    skipped: frozenset[int]

    def read_options(self, max_file_size: int = DEFAULT_MAX_FILE_SIZE) -> ReadOptions:
        """How a run reads this file: its header is row 1, its rows numbered by source_row."""
        return ReadOptions(
            delimiter=",", header_row=1, max_file_size=max_file_size, source_row_numbers=True
        )


@dataclass(frozen=True)
class RowView:
    """One row as the page shows it: current cells, verdict and problems."""

    source_row: int
    cells: dict[str, str]
    status: str
    problems: tuple[CellProblem, ...]
    phone_e164: str | None
    duplicate_of: int | None
    edited: frozenset[str]
    #: Values beyond the header's last column (a ``row_too_many_values`` rejection).
    extra: tuple[str, ...] = ()
    #: For a report of this tool: the row's number in the file the report was made from.
    original_row: int | None = None
    #: A duplicate whose number another person's row holds (see :mod:`importer.dedupe`).
    shared: bool = False

    @property
    def shown_row(self) -> int:
        """The row number to show a person: the original file's, else the file reviewed's."""
        return self.source_row if self.original_row is None else self.original_row


@dataclass(frozen=True)
class Counts:
    """How many rows have each outcome; ``warnings`` counts valid rows with warnings."""

    total: int
    valid: int
    rejected: int
    duplicates: int
    skipped: int
    warnings: int
    codes: dict[str, int]
    #: Rows the file marks as not to be called (a phone cell saying DNC, a do-not-call
    #: column saying yes): never sent.
    suppressed: int = 0


@dataclass(frozen=True)
class BulkFix:
    """A change to many rows at once, with its count over the whole file and a preview."""

    key: str
    title: str
    rows: int
    #: (row, column, before, after), at most :data:`PREVIEW_ROWS`; the row as
    #: :attr:`RowView.shown_row` gives it.
    preview: tuple[tuple[int, str, str, str], ...]


@dataclass(frozen=True)
class Page:
    """One page of the rows a filter matches."""

    rows: tuple[RowView, ...]
    matching: int
    offset: int
    limit: int


@dataclass
class _Verdict:
    """What validation says about one row."""

    ok: bool
    phone: str | None
    problems: tuple[CellProblem, ...]
    #: Who the row is (:func:`importer.dedupe.person_key`), and its valid numbers in
    #: the mapping's order: ``phone`` is the first unless another person holds it.
    person: int = 0
    own: tuple[str, ...] = ()

    @property
    def warned(self) -> bool:
        return any(problem.severity == "warning" for problem in self.problems)


@dataclass
class _Stored:
    """One row as stored."""

    source_row: int
    cells: list[str]
    extra: list[str]
    skipped: bool
    original: list[str] | None
    phone: str | None
    ok: bool
    problems: str | None
    person: int = 0
    own: str | None = None

    @property
    def verdict(self) -> _Verdict:
        own = tuple(self.own.split()) if self.own else ()
        return _Verdict(self.ok, self.phone, _problems_from(self.problems), self.person, own)


#: Told how far a change is: (rows checked so far, rows to check in all).
Progress = Callable[[int, int], None]
#: Changes to rows: by row, the new text of cells (by position) and the new skipped
#: flag (None: unchanged).
_Edits = dict[int, tuple[dict[int, str], bool | None]]
#: A fix as shown, and the changes it makes.
_Fix = tuple["BulkFix", _Edits]
# A row's changes in an action: (source_row, cells, skipped, original cells).
_Before = tuple[int, list[str], bool, list[str] | None]

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE rows (
    source_row INTEGER PRIMARY KEY,
    seq INTEGER NOT NULL,
    cells TEXT NOT NULL,
    extra TEXT,
    ok INTEGER NOT NULL,
    status TEXT NOT NULL,
    phone TEXT,
    dup_of INTEGER,
    dup_shared INTEGER NOT NULL DEFAULT 0,
    warn INTEGER NOT NULL,
    problem INTEGER NOT NULL,
    problems TEXT,
    skipped INTEGER NOT NULL DEFAULT 0,
    edited TEXT,
    original TEXT,
    original_row INTEGER,
    person INTEGER NOT NULL DEFAULT 0,
    own TEXT,
    first TEXT
);
CREATE TABLE codes (
    code TEXT NOT NULL,
    source_row INTEGER NOT NULL,
    error INTEGER NOT NULL,
    col INTEGER,
    PRIMARY KEY (code, source_row)
) WITHOUT ROWID;
CREATE TABLE actions (
    id INTEGER PRIMARY KEY,
    description TEXT NOT NULL,
    payload TEXT NOT NULL
);
"""
_INDEXES = """
CREATE UNIQUE INDEX rows_seq ON rows (seq);
CREATE INDEX rows_status ON rows (status);
CREATE INDEX rows_problem ON rows (problem) WHERE problem = 1;
CREATE INDEX rows_warned ON rows (status) WHERE warn = 1;
CREATE INDEX rows_phone ON rows (phone) WHERE phone IS NOT NULL;
CREATE INDEX rows_first ON rows (first) WHERE first IS NOT NULL;
CREATE INDEX codes_row ON codes (source_row);
"""

#: The WHERE clause of each filter on the rows table.
_FILTER_SQL = {
    "problems": "problem = 1",
    "rejected": "status = 'rejected'",
    "duplicates": "status = 'duplicate'",
    "suppressed": "status = 'suppressed'",
    "skipped": "status = 'skipped'",
    "valid": "status = 'valid'",
    "warnings": "status = 'valid' AND warn = 1",
}
_ROW_COLUMNS = (
    "source_row, cells, extra, status, problems, phone, dup_of, dup_shared, edited, original_row"
)


class Review:
    """A file's rows with their verdicts, kept on disk, with edits, fixes and undo."""

    columns: tuple[str, ...]
    source: Path
    mapping: str
    region: str | None
    read: ReadOptions
    lenient: bool

    def __init__(self, folder: Path, connection: sqlite3.Connection) -> None:
        self.folder = folder
        self._db = connection
        self._lock = threading.RLock()
        meta = dict(connection.execute("SELECT key, value FROM meta").fetchall())
        if int(meta.get("version", "0")) != _SCHEMA_VERSION:
            raise ValueError(f"{folder / REVIEW_FILE} was written by another version")
        self.columns = tuple(json.loads(meta["columns"]))
        self.source = Path(meta["source"])
        self.mapping = meta["mapping"]
        self.region = json.loads(meta["region"])
        self.read = ReadOptions(**json.loads(meta["read"]))
        self.lenient = bool(json.loads(meta["lenient"]))
        #: Whether rows carry the numbers of the file a report was made from.
        self.labelled = bool(json.loads(meta.get("labelled", "false")))
        self._mapping = load_mapping(self.mapping)
        self._bound = bind_mapping(self._mapping, self.columns, str(self.source))
        self._field_columns = _field_columns(self._bound)
        self._phone_columns = self._field_columns.get("phone", [])
        self._at = {name: at for at, name in enumerate(self.columns)}
        self._counts: tuple[int, Counts] | None = None
        self._fixes: tuple[int, list[BulkFix]] | None = None
        #: (cell, country) -> the number in E.164 with its extension, or "" (no valid number).
        self._readings: dict[tuple[str, str], str] = {}

    # --- building and opening -------------------------------------------------------

    @classmethod
    def build(
        cls,
        folder: Path,
        source: Path,
        mapping: str | Path,
        *,
        region: str | None = None,
        read: ReadOptions | None = None,
        lenient: bool = False,
        progress: Callable[[int], None] | None = None,
    ) -> Review:
        """Read and validate the whole file once; keep its rows and verdicts in ``folder``."""
        region = check_region(region)
        loaded = load_mapping(mapping)
        read = read or ReadOptions()
        if read.header_row is None and loaded.header_row is not None:
            read = replace(read, header_row=loaded.header_row)
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        folder.chmod(0o700)
        path = folder / REVIEW_FILE
        for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            leftover.unlink(missing_ok=True)
        with open_source(source, read) as opened:
            info = opened.info
            bind_mapping(loaded, info.columns, str(source))  # a missing column fails here
            labels = _report_rows(info)
            connection = _connect(path)
            connection.executescript(_SCHEMA)
            meta = {
                "version": str(_SCHEMA_VERSION),
                "columns": json.dumps(list(info.columns)),
                "source": str(source),
                "mapping": str(mapping),
                "region": json.dumps(region),
                "read": json.dumps(asdict(read)),
                "lenient": json.dumps(lenient),
                "labelled": json.dumps(bool(labels)),
            }
            connection.executemany("INSERT INTO meta VALUES (?, ?)", meta.items())
            connection.commit()
            review = cls(folder, connection)
            workers = 0
            if info.size_bytes >= PARALLEL_MIN_BYTES:
                workers = min(os.cpu_count() or 1, MAX_WORKERS)
            with review._lock:
                review._judge_all(opened.chunks(), workers, progress, insert=True, labels=labels)
                connection.executescript(_INDEXES)
                connection.execute("ANALYZE")
                connection.commit()
        return review

    @classmethod
    def open(cls, folder: Path) -> Review:
        """Open a review kept in ``folder`` (after a restart, say)."""
        path = folder / REVIEW_FILE
        if not path.is_file():
            raise FileNotFoundError(f"{path}: no review here")
        return cls(folder, _connect(path))

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            self._db.close()

    def __enter__(self) -> Review:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- reading --------------------------------------------------------------------

    def counts(self) -> Counts:
        """The count of rows of each outcome, and of each rejection code."""
        with self._lock:
            generation = self._generation()
            if self._counts is not None and self._counts[0] == generation:
                return self._counts[1]
            db = self._db
            by_status = dict(db.execute("SELECT status, COUNT(*) FROM rows GROUP BY status"))
            warned = db.execute(
                "SELECT COUNT(*) FROM rows WHERE status = 'valid' AND warn = 1"
            ).fetchone()[0]
            codes = db.execute(
                "SELECT code, COUNT(*) AS n FROM codes WHERE error = 1 GROUP BY code "
                "ORDER BY n DESC, code"
            ).fetchall()
            counts = Counts(
                total=sum(by_status.values()),
                valid=by_status.get("valid", 0),
                rejected=by_status.get("rejected", 0),
                duplicates=by_status.get("duplicate", 0),
                skipped=by_status.get("skipped", 0),
                warnings=warned,
                codes=dict(codes),
                suppressed=by_status.get(SUPPRESSED, 0),
            )
            self._counts = (generation, counts)
            return counts

    def page(self, filter: Filter = "all", offset: int = 0, limit: int = 50) -> Page:
        """The rows a filter matches, ``limit`` of them from ``offset``, in file order."""
        if offset < 0 or limit < 0:
            raise ValueError("offset and limit must be 0 or more")
        with self._lock:
            db = self._db
            if filter == "all":
                matching = db.execute("SELECT COUNT(*) FROM rows").fetchone()[0]
                found = db.execute(
                    f"SELECT {_ROW_COLUMNS} FROM rows WHERE seq >= ? ORDER BY seq LIMIT ?",
                    (offset, limit),
                ).fetchall()
                return Page(tuple(map(self._view, found)), matching, offset, limit)
            if filter.startswith("code:"):
                code = filter[len("code:") :]
                matching = db.execute(
                    "SELECT COUNT(*) FROM codes WHERE code = ?", (code,)
                ).fetchone()[0]
                numbers = db.execute(
                    "SELECT source_row FROM codes WHERE code = ? ORDER BY source_row "
                    "LIMIT ? OFFSET ?",
                    (code, limit, offset),
                ).fetchall()
            elif filter in _FILTER_SQL:
                where = _FILTER_SQL[filter]
                matching = db.execute(f"SELECT COUNT(*) FROM rows WHERE {where}").fetchone()[0]
                numbers = db.execute(
                    f"SELECT source_row FROM rows WHERE {where} ORDER BY source_row "
                    "LIMIT ? OFFSET ?",
                    (limit, offset),
                ).fetchall()
            else:
                raise ValueError(
                    f"unknown filter {filter!r}: one of {', '.join(FILTERS)}, or code:<code>"
                )
            found = self._fetch([number for (number,) in numbers])
            return Page(tuple(map(self._view, found)), matching, offset, limit)

    def row(self, source_row: int) -> RowView:
        """One row by its number in the file."""
        with self._lock:
            found = self._fetch([source_row])
            if not found:
                raise KeyError(f"row {source_row} is not a data row of this file")
            return self._view(found[0])

    def history(self) -> list[str]:
        """What was done, oldest first; :meth:`undo` takes back the last."""
        with self._lock:
            return [text for (text,) in self._db.execute(
                "SELECT description FROM actions ORDER BY id"
            )]  # fmt: skip

    # --- changing -------------------------------------------------------------------

    def edit(self, source_row: int, column: str, value: str) -> RowView:
        """Change one cell and check its row again at once."""
        at = self._column_at(column)
        value = strip_invisible(value)  # as the reader does with every cell
        with self._lock:
            row = self._load([source_row])[source_row]
            before = row.cells[at]
            if before == value:
                return self.row(source_row)
            self._change(
                f"row {self._row_name(source_row)}, {column}: {_shown(before)} → {_shown(value)}",
                {source_row: ({at: value}, None)},
            )
            return self.row(source_row)

    def skip(self, source_row: int, skipped: bool = True) -> RowView:
        """Leave a row out of the corrected file (or take it back in)."""
        with self._lock:
            row = self._load([source_row])[source_row]
            if row.skipped != skipped:
                verb = "skip" if skipped else "keep"
                name = self._row_name(source_row)
                self._change(f"{verb} row {name}", {source_row: ({}, skipped)})
            return self.row(source_row)

    def bulk_fixes(self) -> list[BulkFix]:
        """The fixes that apply to rows of the file now, each with its count and preview."""
        with self._lock:
            generation = self._generation()
            if self._fixes is not None and self._fixes[0] == generation:
                return self._fixes[1]
            kept = self._kept_fixes(generation)
            if kept is not None:
                self._fixes = (generation, kept)
                return kept
            fixes = [fix for fix, _ in self._region_fixes()]
            for code in _SKIPPABLE:
                found = self._skip_fix(f"skip:{code}")
                if found is not None:
                    fixes.append(found[0])
            for code in _CLEARABLE:
                found = self._clear_fix(code)
                if found is not None:
                    fixes.append(found[0])
            found = self._skip_fix("skip:duplicates")
            if found is not None:
                fixes.append(found[0])
            self._fixes = (generation, fixes)
            self._keep_fixes(generation, fixes)
            return fixes

    def found_fixes(self) -> list[BulkFix] | None:
        """The fixes, when they were found since the rows last changed; None: not yet."""
        with self._lock:
            generation = self._generation()
            if self._fixes is not None and self._fixes[0] == generation:
                return self._fixes[1]
            return self._kept_fixes(generation)

    def _kept_fixes(self, generation: int) -> list[BulkFix] | None:
        """The fixes found earlier for these rows, by this or another connection."""
        found = self._db.execute("SELECT value FROM meta WHERE key = 'fixes'").fetchone()
        if found is None:
            return None
        data = json.loads(found[0])
        if data["generation"] != generation:
            return None
        return [
            BulkFix(key, title, rows, tuple(tuple(line) for line in preview))
            for key, title, rows, preview in data["fixes"]
        ]

    def _keep_fixes(self, generation: int, fixes: list[BulkFix]) -> None:
        """Keep the fixes with the rows: finding them reads every phone without a country."""
        payload = {"generation": generation,
                   "fixes": [[f.key, f.title, f.rows, f.preview] for f in fixes]}  # fmt: skip
        # Only a cache: when another connection is writing, it is not waited for.
        self._db.execute("PRAGMA busy_timeout = 0")
        try:
            with contextlib.suppress(sqlite3.OperationalError):
                self._db.execute(
                    "INSERT OR REPLACE INTO meta VALUES ('fixes', ?)",
                    (json.dumps(payload, ensure_ascii=False),),
                )
                self._db.commit()
        finally:
            self._db.execute(f"PRAGMA busy_timeout = {_BUSY_MS}")

    def apply(self, key: str, progress: Progress | None = None) -> int:
        """Apply a fix of :meth:`bulk_fixes` to the whole file; return the rows changed."""
        with self._lock:
            found: _Fix | None
            if key.startswith("region:"):
                found = self._region_fix(key[len("region:") :])
            elif key.startswith("skip:"):
                found = self._skip_fix(key)
            elif key.startswith("clear:"):
                found = self._clear_fix(key[len("clear:") :])
            else:
                raise KeyError(f"unknown fix {key!r}")
            if found is None:
                return 0
            fix, changes = found
            self._change(fix.title, changes, progress)
            return len(changes)

    def preview_replace(self, column: str, find: str, replace: str) -> BulkFix:
        """What replacing ``find`` by ``replace`` in a column would change (text, not patterns)."""
        with self._lock:
            return self._replace(column, find, replace)[0]

    def replace(
        self, column: str, find: str, replace: str, progress: Progress | None = None
    ) -> int:
        """Replace ``find`` by ``replace`` in every cell of a column; return the rows changed."""
        with self._lock:
            fix, changes = self._replace(column, find, replace)
            if changes:
                self._change(fix.title, changes, progress)
            return len(changes)

    def set_region(self, region: str | None, progress: Progress | None = None) -> None:
        """Set the default country for numbers without a country code; check every row again."""
        region = check_region(region)
        with self._lock:
            if region == self.region:
                return
            before = self.region
            self._set_region(region, progress)
            where = region or "none"
            self._record(f"default country: {where}", {"region": [before]})

    def undo(self, progress: Progress | None = None) -> str | None:
        """Take back the last change; return what it was, or None when there is none."""
        with self._lock:
            last = self._db.execute(
                "SELECT id, description, payload FROM actions ORDER BY id DESC LIMIT 1"
            ).fetchone()
            if last is None:
                return None
            action, description, payload = last
            data = json.loads(payload)
            if "region" in data:
                self._set_region(data["region"][0], progress)
            else:
                changes = {
                    number: (cells, bool(skipped), original)
                    for number, cells, skipped, original in data["rows"]
                }
                self._write_changes(changes, progress=progress)
            self._db.execute("DELETE FROM actions WHERE id = ?", (action,))
            self._db.commit()
            return str(description)

    def export(self, path: Path) -> Path:
        """Write the corrected file: every row not skipped, with the edits, as UTF-8 CSV."""
        self._write(path, skipped=False)
        return path

    def export_to_send(self, path: Path) -> CorrectedFile:
        """Write the file a run imports: every row, edited, with the skipped rows named.

        The skipped rows are written too, so that the run reports them (as
        ``row_skipped``) and every row of the file is in one report.
        """
        return CorrectedFile(path, self._write(path, skipped=True))

    def _write(self, path: Path, *, skipped: bool) -> frozenset[int]:
        """Write the rows as UTF-8 CSV; return the skipped rows' numbers as written."""
        partial = path.with_name(path.name + ".part")
        left_out: set[int] = set()
        with self._lock, partial.open("w", encoding="utf-8-sig", newline="") as handle:
            number_by = "COALESCE(original_row, source_row)" if self._originals() else "source_row"
            writer = csv.writer(handle)
            writer.writerow([*self.columns, "source_row"])
            last = -1
            while True:
                found = self._db.execute(
                    f"SELECT seq, {number_by}, cells, extra, skipped FROM rows "
                    f"WHERE seq > ? {'' if skipped else 'AND skipped = 0'} ORDER BY seq LIMIT ?",
                    (last, DEFAULT_CHUNK_ROWS),
                ).fetchall()
                if not found:
                    break
                last = found[-1][0]
                writer.writerows(
                    [*map(neutralize, json.loads(cells)), str(number),
                     *(json.loads(extra) if extra else ())]
                    for _, number, cells, extra, _ in found
                )  # fmt: skip
                left_out.update(number for _, number, _, _, skip in found if skip)
        partial.replace(path)
        return frozenset(left_out)

    def _originals(self) -> bool:
        """Whether every row has its original number, rising in file order.

        Only then does the corrected file number its rows by them (a run on it must
        read rising numbers: see :attr:`ReadOptions.source_row_numbers`); otherwise
        it numbers them by their place in the file reviewed.
        """
        if not self.labelled:
            return False
        last = 0
        for (number,) in self._db.execute("SELECT original_row FROM rows ORDER BY seq"):
            if number is None or number <= last:
                return False
            last = number
        return True

    # --- validation -----------------------------------------------------------------

    def _context(self) -> ValidationContext:
        region = self.region or self._mapping.region
        policy = PhonePolicy(self._mapping.reject_phone_types)
        return ValidationContext(
            self._bound, self.columns, region, self.lenient, leads=False, phone_policy=policy,
            infer_time_zone=self._mapping.infer_time_zone,
        )  # fmt: skip

    def _judge(
        self, chunks: Iterable[Chunk], workers: int
    ) -> Iterator[tuple[Chunk, list[_Verdict]]]:
        """Each chunk with the verdict on each of its rows, in file order.

        With worker processes, the validator decides every row and the rows with
        something to say are looked at again here for their problems one by one (the
        validator gives them as one sentence); without, they are validated here once.
        """
        context = self._context()
        if workers <= 1:  # here, one pass keeps every problem with its field
            for chunk in chunks:
                yield chunk, self._inspect(context, chunk.numbers, chunk.rows, chunk.extra_values)
            return
        with ChunkValidator(context, workers) as validator:
            for chunk, verdicts in validator.run(chunks):
                people, others = verdicts.people, verdicts.other_phones
                out = [
                    _Verdict(True, phone or None, (), people[at] if people else 0,
                             (phone, *others.get(at, ())) if phone else ())
                    for at, phone in enumerate(verdicts.phones)
                ]  # fmt: skip
                odd = sorted({*verdicts.rejected, *verdicts.warnings, *verdicts.marked})
                if odd:
                    numbers = [chunk.numbers[at] for at in odd]
                    inspected = self._inspect(
                        context, numbers, [chunk.rows[at] for at in odd],
                        {n: chunk.extra_values[n] for n in numbers if n in chunk.extra_values},
                    )  # fmt: skip
                    for at, verdict in zip(odd, inspected, strict=True):
                        if verdict.ok != verdicts.is_valid(at):  # the same code: never differs
                            raise AssertionError(f"row {chunk.numbers[at]} judged twice apart")
                        out[at] = replace(verdict, person=out[at].person, own=out[at].own)
                yield chunk, out

    def _inspect(
        self,
        context: ValidationContext,
        numbers: list[int],
        rows: list[list[str]],
        extra: dict[int, list[str]],
        prefer: dict[int, str] | None = None,
    ) -> list[_Verdict]:
        """Validate rows here, keeping each problem with its field.

        ``prefer`` names, by row, the number to take among the row's valid ones.
        """
        names = context.bound.columns_used()
        frame = pd.DataFrame(
            dict(zip(names, columns_of(context, rows), strict=True)),
            columns=list(names),
            index=pd.Index(numbers, name="source_row"),
            dtype=object,
        )
        validated = validate_chunk(
            project(frame, context.bound),
            region=context.region,
            lenient=context.lenient,
            extra_values=extra,
            phone_book=PhoneBook(policy=context.phone_policy),
            infer_time_zone=context.infer_time_zone,
            prefer=prefer,
        )
        issues: dict[int, list[Issue]] = {}
        for issue in validated.issues:
            issues.setdefault(issue.row, []).append(issue)
        rejected = validated.rejected.tolist()
        phones = validated.leads["phone"].tolist()
        people = validated.people or [0] * len(numbers)
        others = validated.other_phones
        marks = validated.marks
        out = []
        for number, cells, bad, phone, person in zip(
            numbers, rows, rejected, phones, people, strict=True
        ):
            mark = marks.get(number)
            if mark is not None:  # never sent: the mark alone is what the page says
                field = "phone" if mark.column is None else "do_not_call"
                placed = self._placed(Issue(number, field, mark.code, mark.message, "warning"),
                                      cells)  # fmt: skip
                column = placed.column if mark.column is None else mark.column
                shown = CellProblem(field, column, mark.code, mark.message, SUPPRESSED)
                out.append(_Verdict(False, phone or None, (shown,), person, ()))
                continue
            problems = tuple(self._placed(issue, cells) for issue in issues.get(number, ()))
            # With a number preferred, the caller knows the row's numbers in order.
            own = () if bad or not phone or prefer else (phone, *others.get(number, ()))
            out.append(_Verdict(not bad, phone or None, problems, person, own))
        return out

    def _moved(
        self,
        found: Found,
        verdicts: dict[int, _Verdict],
        cells: dict[int, list[str]],
        extra: dict[int, list[str]],
    ) -> dict[int, _Verdict]:
        """The verdicts of the rows sent with another number of their own, with the warning."""
        numbers = sorted(found.moved)
        again = self._inspect(
            self._context(), numbers, [cells[n] for n in numbers],
            {n: extra[n] for n in numbers if n in extra},
            prefer={n: found.moved[n][0] for n in numbers},
        )  # fmt: skip
        out = {}
        for number, verdict in zip(numbers, again, strict=True):
            phone, holder = found.moved[number]
            before = verdicts[number]
            message = shared_warning(before.own[0], holder, phone)
            warning = self._placed(
                Issue(number, "phone", SHARED_CODE, message, "warning"), cells[number]
            )
            out[number] = replace(
                verdict, problems=(*verdict.problems, warning), person=before.person,
                own=before.own,
            )  # fmt: skip
        return out

    def _placed(self, issue: Issue, cells: Sequence[str]) -> CellProblem:
        """The problem, on the column its value came from: the first filled one, else the first."""
        names = self._field_columns.get(issue.field, [])
        column = next((name for name in names if cells[self._at[name]].strip()), None)
        if column is None and names:
            column = names[0]
        return CellProblem(issue.field, column, issue.code, issue.message, issue.severity)

    def _judge_all(
        self,
        chunks: Iterable[Chunk],
        workers: int,
        progress: Callable[[int], None] | None,
        *,
        insert: bool,
        skipped: frozenset[int] = frozenset(),
        labels: dict[int, int] | None = None,
    ) -> None:
        """Judge every row of the file in order and store the verdicts, with duplicates."""
        db = self._db
        duplicates = InFileDuplicates()
        seq = 0
        if not insert:
            db.execute("DELETE FROM codes")
        for chunk, verdicts in self._judge(chunks, workers):
            taking = [
                at for at, verdict in enumerate(verdicts)
                if verdict.ok and chunk.numbers[at] not in skipped
            ]  # fmt: skip
            found = duplicates.find(
                [chunk.numbers[at] for at in taking],
                [verdicts[at].phone or "" for at in taking],
                [verdicts[at].person for at in taking],
                {chunk.numbers[at]: verdicts[at].own[1:] for at in taking
                 if len(verdicts[at].own) > 1},
            )  # fmt: skip
            if found.moved:
                at_of = {number: at for at, number in enumerate(chunk.numbers)}
                moved = self._moved(
                    found,
                    {n: verdicts[at_of[n]] for n in found.moved},
                    {n: chunk.rows[at_of[n]] for n in found.moved},
                    chunk.extra_values,
                )
                for number, verdict in moved.items():
                    verdicts[at_of[number]] = verdict
            duplicate_of = found.duplicate_of
            rows, codes = [], []
            for number, verdict in zip(chunk.numbers, verdicts, strict=True):
                status, problem = _status(verdict, number in skipped, duplicate_of.get(number))
                rows.append((
                    number, verdict.ok, status, verdict.phone, duplicate_of.get(number),
                    verdict.warned, problem, _problems_json(verdict.problems), verdict.person,
                    " ".join(verdict.own) or None, verdict.own[0] if verdict.own else None,
                    int(number in found.shared),
                ))  # fmt: skip
                if number not in skipped:
                    codes.extend(self._code_rows(number, verdict.problems))
            if insert:
                db.executemany(
                    "INSERT INTO rows (source_row, ok, status, phone, dup_of, warn, problem, "
                    "problems, person, own, first, dup_shared, seq, cells, extra, original_row) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        (*values, seq + at, json.dumps(cells, ensure_ascii=False),
                         _extra_json(chunk.extra_values.get(values[0])),
                         (labels or {}).get(values[0]))
                        for at, (values, cells) in enumerate(zip(rows, chunk.rows, strict=True))
                    ],
                )  # fmt: skip
            else:
                db.executemany(
                    "UPDATE rows SET ok = ?2, status = ?3, phone = ?4, dup_of = ?5, warn = ?6, "
                    "problem = ?7, problems = ?8, person = ?9, own = ?10, first = ?11, "
                    "dup_shared = ?12 WHERE source_row = ?1",
                    rows,
                )
            db.executemany("INSERT INTO codes VALUES (?, ?, ?, ?)", codes)
            seq += len(chunk)
            if progress is not None:
                progress(seq)
        self._changed()

    def _stored_chunks(self) -> Iterator[Chunk]:
        """The stored rows as the reader's chunks, with the edits."""
        last = -1
        while True:
            found = self._db.execute(
                "SELECT seq, source_row, cells, extra FROM rows WHERE seq > ? ORDER BY seq LIMIT ?",
                (last, self.read.chunk_rows),
            ).fetchall()
            if not found:
                return
            last = found[-1][0]
            yield Chunk(
                self.columns,
                [json.loads(cells) for _, _, cells, _ in found],
                [number for _, number, _, _ in found],
                {number: json.loads(extra) for _, number, _, extra in found if extra},
            )

    def _set_region(self, region: str | None, progress: Progress | None = None) -> None:
        """Check every row again with another default country."""
        self.region = region
        db = self._db
        db.execute("UPDATE meta SET value = ? WHERE key = 'region'", (json.dumps(region),))
        skipped = frozenset(n for (n,) in db.execute("SELECT source_row FROM rows WHERE skipped"))
        total = db.execute("SELECT COUNT(*) FROM rows").fetchone()[0]
        seen = None if progress is None else lambda rows: progress(rows, total)
        # Each chunk is read whole before its verdicts are written.
        chunks = self._stored_chunks()
        self._judge_all(chunks, self._workers(), seen, insert=False, skipped=skipped)
        db.commit()
        self._readings.clear()

    def _generation(self) -> int:
        """How many times the rows changed, from any connection: the caches' key."""
        found = self._db.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
        return int(found[0]) if found else 0

    def _changed(self) -> None:
        """Count a change of the rows, in the transaction that makes it."""
        self._db.execute(
            "INSERT INTO meta VALUES ('generation', '1') "
            "ON CONFLICT (key) DO UPDATE SET value = value + 1"
        )

    def _workers(self) -> int:
        rows = self._db.execute("SELECT COUNT(*) FROM rows").fetchone()[0]
        return min(os.cpu_count() or 1, MAX_WORKERS) if rows >= _PARALLEL_ROWS else 0

    # --- changes and undo -------------------------------------------------------------

    def _change(self, description: str, edits: _Edits, progress: Progress | None = None) -> None:
        """Change rows' cells or skipped flags, check them again, and record how to undo it."""
        stored = self._load(list(edits))
        before = [[number, row.cells, row.skipped, row.original] for number, row in stored.items()]
        changes = {}
        for number, (cells_at, skipped) in edits.items():
            row = stored[number]
            cells = list(row.cells)
            for at, value in cells_at.items():
                cells[at] = value
            changes[number] = (
                cells,
                row.skipped if skipped is None else skipped,
                self._original(row, cells),
            )
        self._write_changes(changes, stored, progress)
        self._record(description, {"rows": before})

    @staticmethod
    def _original(row: _Stored, cells: list[str]) -> list[str] | None:
        """The row's cells as the file had them, once a cell of it changes."""
        if row.original is not None or cells == row.cells:
            return row.original
        return row.cells

    def _record(self, description: str, payload: dict[str, Any]) -> None:
        self._db.execute(
            "INSERT INTO actions (description, payload) VALUES (?, ?)",
            (description, json.dumps(payload, ensure_ascii=False)),
        )
        self._db.commit()

    def _write_changes(
        self,
        changes: dict[int, tuple[list[str], bool, list[str] | None]],
        stored: dict[int, _Stored] | None = None,
        progress: Progress | None = None,
    ) -> None:
        """Store new cells, skipped flags and originals; check the rows; redo their duplicates."""
        db = self._db
        stored = stored or self._load(list(changes))
        to_check = [n for n, (cells, _, _) in changes.items() if cells != stored[n].cells]
        chunks = (
            Chunk(
                self.columns,
                [changes[n][0] for n in numbers],
                numbers,
                {n: stored[n].extra for n in numbers if stored[n].extra},
            )
            for numbers in (
                to_check[start : start + DEFAULT_CHUNK_ROWS]
                for start in range(0, len(to_check), DEFAULT_CHUNK_ROWS)
            )
        )
        workers = self._workers() if len(to_check) >= _PARALLEL_ROWS else 0
        verdicts: dict[int, _Verdict] = {}
        for chunk, checked in self._judge(chunks, workers):
            verdicts.update(zip(chunk.numbers, checked, strict=True))
            if progress is not None:
                progress(len(verdicts), len(to_check))
        phones = {stored[n].phone for n in changes} | {v.phone for v in verdicts.values()}
        phones |= {v.own[0] for v in verdicts.values() if v.own}
        db.executemany("DELETE FROM codes WHERE source_row = ?", [(n,) for n in changes])
        update, codes = [], []
        for number, (cells, skipped, original) in changes.items():
            verdict = verdicts.get(number) or stored[number].verdict
            edited = (
                sorted(name for name, a, b in zip(self.columns, cells, original, strict=True)
                       if a != b)
                if original is not None else []
            )  # fmt: skip
            # Provisional for rows that pass: the duplicates pass below settles them.
            status, problem = _status(verdict, skipped, None)
            update.append((
                number, json.dumps(cells, ensure_ascii=False), int(skipped),
                json.dumps(original, ensure_ascii=False) if original is not None else None,
                json.dumps(edited) if edited else None, int(verdict.ok), status, verdict.phone,
                int(verdict.warned), problem, _problems_json(verdict.problems), verdict.person,
                " ".join(verdict.own) or None, verdict.own[0] if verdict.own else None,
            ))  # fmt: skip
            if not skipped:
                codes.extend(self._code_rows(number, verdict.problems))
        db.executemany(
            "UPDATE rows SET cells = ?2, skipped = ?3, original = ?4, edited = ?5, ok = ?6, "
            "status = ?7, phone = ?8, dup_of = NULL, dup_shared = 0, warn = ?9, problem = ?10, "
            "problems = ?11, "
            "person = ?12, own = ?13, first = ?14 WHERE source_row = ?1",
            update,
        )
        db.executemany("INSERT INTO codes VALUES (?, ?, ?, ?)", codes)
        self._redo_duplicates(sorted(phone for phone in phones if phone))
        self._changed()
        db.commit()

    def _redo_duplicates(self, phones: list[str]) -> None:
        """Decide again which rows of these phones are kept and which are duplicates."""
        db = self._db
        for start in range(0, len(phones), 500):
            batch = phones[start : start + 500]
            marks = ", ".join("?" * len(batch))
            stored = {
                number: (phone, warn, _Verdict(True, phone, (), person,
                                              tuple(own.split()) if own else (phone,)))
                for number, phone, warn, person, own in db.execute(
                    "SELECT source_row, phone, warn, person, own FROM rows "
                    f"WHERE (phone IN ({marks}) OR first IN ({marks})) "
                    "AND ok = 1 AND skipped = 0 ORDER BY source_row",
                    [*batch, *batch],
                )
            }  # fmt: skip
            numbers = sorted(stored)
            found = InFileDuplicates().find(
                numbers,
                [stored[n][2].own[0] for n in numbers],
                [stored[n][2].person for n in numbers],
                {n: stored[n][2].own[1:] for n in numbers if len(stored[n][2].own) > 1},
            )
            # Rows whose number changes are checked again: its type and zone follow it.
            changed = [
                n for n in numbers
                if n not in found.duplicate_of
                and (found.moved[n][0] if n in found.moved else stored[n][2].own[0])
                != stored[n][0]
            ]  # fmt: skip
            renewed = self._renew(found, changed, {n: stored[n][2] for n in changed})
            db.executemany(
                "UPDATE rows SET status = ?, dup_of = ?, dup_shared = ?, problem = ? "
                "WHERE source_row = ?",
                [
                    ("duplicate", found.duplicate_of[number], int(number in found.shared), 0,
                     number)
                    if number in found.duplicate_of
                    else ("valid", None, 0, int(renewed[number].warned if number in renewed
                                                 else stored[number][1]), number)
                    for number in numbers
                ],
            )  # fmt: skip
            db.executemany(
                "UPDATE rows SET phone = ?, warn = ?, problems = ? WHERE source_row = ?",
                [
                    (verdict.phone, int(verdict.warned), _problems_json(verdict.problems), n)
                    for n, verdict in renewed.items()
                ],
            )

    def _renew(
        self, found: Found, numbers: list[int], verdicts: dict[int, _Verdict]
    ) -> dict[int, _Verdict]:
        """Check again rows that move to another number of their own, or back to their first."""
        if not numbers:
            return {}
        stored = self._load(numbers)
        cells = {n: stored[n].cells for n in numbers}
        extra = {n: stored[n].extra for n in numbers if stored[n].extra}
        moving = Found(moved={n: found.moved[n] for n in numbers if n in found.moved})
        out = self._moved(moving, verdicts, cells, extra) if moving.moved else {}
        back = [n for n in numbers if n not in moving.moved]
        if back:
            checked = self._inspect(self._context(), back, [cells[n] for n in back],
                                    {n: extra[n] for n in back if n in extra})  # fmt: skip
            out.update(zip(back, checked, strict=True))
        return out

    # --- fixes ------------------------------------------------------------------------

    def _code_rows(
        self, number: int, problems: Iterable[CellProblem]
    ) -> list[tuple[str, int, int, int | None]]:
        """The codes table's rows for a row: each code, whether an error, its column."""
        found: dict[str, tuple[bool, int | None]] = {}
        for problem in problems:
            error, at = found.get(problem.code, (False, None))
            if at is None and problem.column is not None:
                at = self._at[problem.column]
            found[problem.code] = (error or problem.severity == "error", at)
        return [(code, number, int(error), at) for code, (error, at) in found.items()]

    def _rows_with(self, code: str) -> list[tuple[int, int | None, str]]:
        """The rows (not skipped) with a problem of this code: number, its column, the cell."""
        return self._db.execute(
            "SELECT c.source_row, c.col, "
            "CASE WHEN c.col IS NULL THEN '' ELSE json_extract(r.cells, '$[' || c.col || ']') END "
            "FROM codes c JOIN rows r ON r.source_row = c.source_row "
            "WHERE c.code = ? ORDER BY c.source_row",
            (code,),
        ).fetchall()

    def _region_fixes(self) -> list[_Fix]:
        """Numbers without a country code, read in each of the likeliest countries."""
        rows = self._rows_with("phone_no_region")
        if not rows:
            return []
        sample = rows[:: max(1, len(rows) // _RANK_SAMPLE)][:_RANK_SAMPLE]
        ranked = []
        # Ties go to the country most of the file's valid numbers are from.
        for order, region in enumerate(self._candidate_regions()):
            hits = sum(
                1 for _, at, cell in sample if at is not None and self._reading(cell, region)
            )
            if hits:
                ranked.append((-hits, order, region))
        # Each country offered costs a reading of every such phone: past a point, only
        # the likeliest is offered (set_region reads them in any other).
        offered = _REGION_OFFERS if len(rows) <= _REGION_OFFERS_ROWS else 1
        offers = []
        for _, _, region in sorted(ranked)[:offered]:
            found = self._region_fix(region, rows)
            if found is not None:
                offers.append(found)
        return offers

    def _candidate_regions(self) -> list[str]:
        """The countries of the file's valid numbers, most common first, then US."""
        phones = self._db.execute(
            "SELECT phone FROM rows WHERE ok = 1 AND phone IS NOT NULL LIMIT 2000"
        ).fetchall()
        regions: Counter[str] = Counter()
        for (phone,) in phones:
            region = phonenumbers.region_code_for_number(phonenumbers.parse(phone))
            if region and region != "001":
                regions[region] += 1
        # The dialer is US-first: US is always a candidate.
        return list(dict.fromkeys([*(r for r, _ in regions.most_common(6)), "US"]))

    def _reading(self, cell: str, region: str) -> str:
        """The phone cell written with its country code, or "" when it is no number there."""
        key = (cell, region)
        found = self._readings.get(key)
        if found is None:
            result = normalize_phone(cell, region)
            found = ""
            if type(result) is Phone and result.warning is None:
                found = result.e164 + (f" ext. {result.extension}" if result.extension else "")
            if len(self._readings) < _MAX_READINGS:
                self._readings[key] = found
        return found

    def _region_fix(
        self, region: str, rows: list[tuple[int, int | None, str]] | None = None
    ) -> _Fix | None:
        region = check_region(region) or ""
        if rows is None:
            rows = self._rows_with("phone_no_region")
        edits: _Edits = {}
        preview: list[tuple[int, str, str, str]] = []
        for number, at, cell in rows:
            written = self._reading(cell, region) if at is not None else ""
            if not written or at is None:
                continue
            if len(preview) < PREVIEW_ROWS:
                preview.append((number, self.columns[at], cell, written))
            edits[number] = ({at: written}, None)
        if not edits:
            return None
        one = len(edits) == 1
        title = (
            f"{_many(len(edits), 'phone has', 'phones have')} no country code → read "
            f"{'it as a' if one else 'them as'} {country_name(region)} number{'' if one else 's'}"
        )
        return BulkFix(f"region:{region}", title, len(edits), self._shown(preview)), edits

    def _skip_fix(self, key: str) -> _Fix | None:
        what = key[len("skip:") :]
        rows: list[tuple[int, int | None, str]]
        if what == "duplicates":
            at = self._at[self._phone_columns[0]] if self._phone_columns else None
            rows = self._db.execute(
                "SELECT source_row, ?1, CASE WHEN ?1 IS NULL THEN '' "
                "ELSE json_extract(cells, '$[' || ?1 || ']') END FROM rows "
                "WHERE status = 'duplicate' ORDER BY source_row",
                (at,),
            ).fetchall()
            title = (
                f"skip the {_many(len(rows), 'duplicate row', 'duplicate rows')} (each repeats "
                "the phone of an earlier row)"
            )
        elif what in _SKIPPABLE:
            rows = self._rows_with(what)
            one, many = _SKIPPABLE[what]
            title = (
                f"skip the {_many(len(rows), 'row', 'rows')} with {one if len(rows) == 1 else many}"
            )
        else:
            raise KeyError(f"unknown fix {key!r}")
        if not rows:
            return None
        preview = tuple(
            (number, self.columns[at] if at is not None else "", cell, SKIPPED_MARK)
            for number, at, cell in rows[:PREVIEW_ROWS]
        )
        if len(rows) == 1:
            title = title.replace("the 1 ", "the ")
        edits: _Edits = {number: ({}, True) for number, _, _ in rows}
        return BulkFix(key, title, len(rows), self._shown(preview)), edits

    def _clear_fix(self, code: str) -> _Fix | None:
        if code not in _CLEARABLE:
            raise KeyError(f"unknown fix 'clear:{code}'")
        field = CODE_FIELDS[code]
        source = self._bound.fields.get(field)
        if source is None or source.column is None:  # a constant or a template: no one cell
            return None
        edits: _Edits = {}
        preview: list[tuple[int, str, str, str]] = []
        for number, at, cell in self._rows_with(code):
            if at is None or not cell:
                continue
            if len(preview) < PREVIEW_ROWS:
                preview.append((number, self.columns[at], cell, ""))
            edits[number] = ({at: ""}, None)
        if not edits:
            return None
        one, many, then = _CLEARABLE[code]
        them = "it" if len(edits) == 1 else "them"
        title = f"{_many(len(edits), one, many)} → {then.format(them=them)}"
        return BulkFix(f"clear:{code}", title, len(edits), self._shown(preview)), edits

    def _replace(self, column: str, find: str, replace: str) -> _Fix:
        at = self._column_at(column)
        if not find:
            raise ValueError("find must not be empty")
        replace = strip_invisible(replace)
        found = self._db.execute(
            "SELECT source_row, cell FROM (SELECT source_row, json_extract(cells, ?) AS cell "
            "FROM rows) WHERE instr(cell, ?) > 0 ORDER BY source_row",
            (f"$[{at}]", find),
        ).fetchall()
        edits: _Edits = {}
        preview: list[tuple[int, str, str, str]] = []
        for number, cell in found:
            after = cell.replace(find, replace)
            if after == cell:
                continue
            if len(preview) < PREVIEW_ROWS:
                preview.append((number, column, cell, after))
            edits[number] = ({at: after}, None)
        title = (
            f"replace {_shown(find)} with {_shown(replace)} in {column} "
            f"({_many(len(edits), 'row', 'rows')})"
        )
        return BulkFix(f"replace:{column}", title, len(edits), self._shown(preview)), edits

    # --- plumbing -------------------------------------------------------------------

    def _shown_rows(self, numbers: list[int]) -> dict[int, int]:
        """The rows' numbers in the file a report was made from, for the rows that have one."""
        if not self.labelled or not numbers:
            return {}
        marks = ", ".join("?" * len(numbers))
        return dict(self._db.execute(
            f"SELECT source_row, original_row FROM rows WHERE source_row IN ({marks}) "
            "AND original_row IS NOT NULL",
            numbers,
        ).fetchall())  # fmt: skip

    def _row_name(self, number: int) -> int:
        return self._shown_rows([number]).get(number, number)

    def _shown(
        self, preview: Iterable[tuple[int, str, str, str]]
    ) -> tuple[tuple[int, str, str, str], ...]:
        """Preview lines with the row numbers a person is shown (see :attr:`RowView.shown_row`)."""
        lines = tuple(preview)
        shown = self._shown_rows([number for number, _, _, _ in lines])
        return tuple((shown.get(n, n), column, before, after) for n, column, before, after in lines)

    def _column_at(self, column: str) -> int:
        at = self._at.get(column)
        if at is None:
            raise KeyError(f"no column {column!r} in this file")
        return at

    def _load(self, numbers: list[int]) -> dict[int, _Stored]:
        """Rows by number, as stored; a number that is no data row is a KeyError."""
        out: dict[int, _Stored] = {}
        for start in range(0, len(numbers), 500):
            batch = numbers[start : start + 500]
            marks = ", ".join("?" * len(batch))
            for (number, cells, extra, skipped, original, phone, ok, problems, person,
                 own) in self._db.execute(
                "SELECT source_row, cells, extra, skipped, original, phone, ok, problems, "
                f"person, own FROM rows WHERE source_row IN ({marks})",
                batch,
            ):  # fmt: skip
                out[number] = _Stored(
                    number, json.loads(cells), json.loads(extra) if extra else [],
                    bool(skipped), json.loads(original) if original else None, phone, bool(ok),
                    problems, person, own,
                )  # fmt: skip
        missing = [number for number in numbers if number not in out]
        if missing:
            raise KeyError(f"row {missing[0]} is not a data row of this file")
        return out

    def _fetch(self, numbers: list[int]) -> list[tuple[Any, ...]]:
        if not numbers:
            return []
        marks = ", ".join("?" * len(numbers))
        return self._db.execute(
            f"SELECT {_ROW_COLUMNS} FROM rows WHERE source_row IN ({marks}) ORDER BY source_row",
            numbers,
        ).fetchall()

    def _view(self, found: tuple[Any, ...]) -> RowView:
        number, cells, extra, status, problems, phone, dup_of, shared, edited, original_row = found
        return RowView(
            source_row=number,
            cells=dict(zip(self.columns, json.loads(cells), strict=True)),
            status=status,
            problems=_problems_from(problems),
            phone_e164=phone,
            duplicate_of=dup_of,
            shared=bool(shared),
            edited=frozenset(json.loads(edited)) if edited else frozenset(),
            extra=tuple(json.loads(extra)) if extra else (),
            original_row=original_row,
        )


def _connect(path: Path) -> sqlite3.Connection:
    # One connection for every request thread; the review's lock keeps them in turn.
    with private_writes():  # the -wal and -shm files are born with the database's mode
        connection = sqlite3.connect(path, check_same_thread=False, timeout=_BUSY_MS / 1000)
        connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("PRAGMA synchronous = NORMAL")
    connection.execute("PRAGMA cache_size = -65536")
    with contextlib.suppress(OSError):
        path.chmod(0o600)
    return connection


def _report_rows(info: SourceInfo) -> dict[int, int]:
    """A report's own ``source_row`` cells, by the row number the reader gives each row.

    Empty for a file that is not a CSV report of this tool. The reader drops that
    column (:data:`importer.reader.ADDED_COLUMNS`), so it is read here on its own, with
    the encoding and delimiter the reader found and the rows numbered as it numbers them.
    """
    if info.encoding is None or info.delimiter is None:
        return {}
    found: dict[int, int] = {}
    with info.path.open(encoding=info.encoding, newline="") as handle:
        records = iter(csv.reader(handle, delimiter=info.delimiter))
        first = next(records, [])
        # Excel's sep= line is not a row: the line after it is row 1.
        number = 0 if len(first) == 1 and _SEP_LINE.fullmatch(first[0].strip()) else 1
        at: int | None = None
        for cells in itertools.chain([first], records):
            if number == info.header_row:
                names = [strip_invisible(cell).strip() for cell in cells]
                if "source_row" not in names:
                    return {}
                at = names.index("source_row")
            elif at is not None and at < len(cells) and cells[at].strip().isdigit():
                found[number] = int(cells[at])
            number += 1
    return found


def _field_columns(bound: BoundMapping) -> dict[str, list[str]]:
    """The file's columns each lead field (and customFields key) is read from."""
    out = {key: source.columns() for key, source in bound.fields.items()}
    if "fullName" in out:
        for name in ("firstName", "lastName"):
            out.setdefault(name, out["fullName"])
    if bound.country is not None:
        out["country"] = bound.country.columns()
    if bound.postal_code is not None:
        out[POSTAL_CODE_COLUMN] = bound.postal_code.columns()
    for key, source in bound.custom_fields.items():
        out[f"{CUSTOM_PREFIX}{key}"] = source.columns()
    return out


def _status(verdict: _Verdict, skipped: bool, duplicate_of: int | None) -> tuple[str, int]:
    """The row's status and whether it is a problem to show."""
    if skipped:
        return "skipped", 0
    if any(problem.severity == SUPPRESSED for problem in verdict.problems):
        return SUPPRESSED, 0
    if not verdict.ok:
        return "rejected", 1
    if duplicate_of is not None:
        return "duplicate", 0
    return "valid", int(verdict.warned)


def _problems_json(problems: tuple[CellProblem, ...]) -> str | None:
    if not problems:
        return None
    return json.dumps(
        [[p.field, p.column, p.code, p.message, p.severity] for p in problems], ensure_ascii=False
    )


def _problems_from(text: str | None) -> tuple[CellProblem, ...]:
    if not text:
        return ()
    return tuple(CellProblem(*values) for values in json.loads(text))


def _extra_json(values: list[str] | None) -> str | None:
    return json.dumps(values, ensure_ascii=False) if values else None


def _shown(text: str) -> str:
    shown = text if len(text) <= 40 else text[:37] + "..."
    return f"'{shown}'"


def _many(count: int, one: str, many: str) -> str:
    return f"{count:,} {one if count == 1 else many}"
