"""Read lead spreadsheets (CSV/TSV in any common encoding, XLSX/XLSM/XLS/ODS) in chunks.

Everything is read as text: nothing is type-guessed, so leading zeros survive, and
number cells of a workbook come back as the digits the user typed (``14155551234``,
never ``14155551234.0``). Each row keeps its row number as a spreadsheet shows it
(the header is usually row 1, the first data row row 2); that number is the index
of every chunk, named ``source_row``.

Decisions worth knowing:

- Every cell, header cells included, loses its invisible characters first
  (bidirectional marks, zero-width characters, byte-order marks:
  :data:`importer.cells.INVISIBLE`). They are all outside ASCII: only the rows that
  are not plain ASCII (one ``str.isascii`` on the row's cells joined, which the blank
  row check joins anyway) are searched, and only the rows that hold one are changed.
- The header is found among the first :data:`HEADER_SEARCH_ROWS` non-blank rows, so
  that a title row ("Leads export 2026-11-01"), blank rows and group rows above it
  ("Contact | | | Company") are skipped. A row is taken for the header when, in order:

  1. none of its cells is a value: a phone number or an e-mail address
     (``_LOOKS_LIKE_DATA``);
  2. at most half of its filled cells are letterless (numbers, dates, ``-``);
  3. it fills more than half of the table's width, the width being the larger of
     the row's own (up to its last filled cell) and the most common width of the
     next :data:`HEADER_BELOW_ROWS` non-blank rows; a one-column table takes a
     one-cell row.

  A row of letterless cells still passes when they are short, distinct whole numbers
  (years: ``Name,Phone,2024,2025``) and the row under it holds a value.
  The first row that passes is the header; the rows above it are skipped
  (:attr:`SourceInfo.skipped_rows`). When it is a group row over the field row
  (:func:`_groups`), the two make one header (:func:`_combined`): the field row's
  names, a clashing one with its group's name in front. When the first non-blank
  row passes, nothing changes from reading the first row. :attr:`ReadOptions.header_row`
  names the row instead. When no row passes, the error says what each row looked like.
- Excel's delimiter line (``sep=;`` as the first line of a CSV) sets the delimiter
  (unless ``--delimiter`` is given) and is not a row, as in Excel: the line after
  it is row 1.
- Blank rows are skipped and counted (:attr:`Chunk.blank_rows`); they are not data rows.
- A row below that repeats the header is dropped (:attr:`SourceInfo.repeated_headers`),
  and the rows after it are read in its column order; a header of other columns below
  is an error (:class:`_Repeats`).
- A quote left open that swallows rows of leads into one cell is an error naming the
  line where it opened (:func:`_swallowed_rows`).
- A header cell left empty in the middle is named ``column_N`` (N counts from 1);
  empty header cells at the end are dropped. Two columns with the same name are an
  error, since a mapping could not tell them apart.
- A row with more values than the header has columns keeps the extra values in
  :attr:`Chunk.extra_values`, so the validation stage can reject it with a reason;
  extra values that are all empty (trailing delimiters) are ignored. A row with
  fewer values is padded with empty cells.
- A report written by this tool can be read back: when the header has a
  ``source_row`` column, the columns the tool adds (:data:`ADDED_COLUMNS`) are ignored,
  and every cell loses the ``'`` the report put before a cell a spreadsheet would
  read as a formula (:func:`importer.cells.restore`), so a fixed ``rejected.csv``
  sends what the user's file had.
- :attr:`ReadOptions.source_row_numbers` numbers the rows by their ``source_row``
  cells instead: the review page's corrected file keeps there each row's number in
  the person's file, so the reports of a run on it name the rows the person knows.
- Encoding detection: a byte-order mark wins (UTF-8, UTF-16 LE/BE); UTF-16 without
  a BOM is recognised by its zero bytes; a file that is valid UTF-8 throughout is
  UTF-8. Any other file is in a legacy code page, told by :mod:`importer.encodings`
  from its lines that hold non-ASCII bytes (the first :data:`DETECT_SAMPLE_BYTES` of
  them): Western cp1252 (latin-1 for bytes cp1252 leaves undefined), Mac Roman,
  Central European cp1250/ISO-8859-2, Cyrillic cp1251, Shift-JIS (cp932), EUC-JP,
  GB18030/GBK, Big5 (cp950) and EUC-KR (cp949). Readings that look equally right
  go to the code page met most often when all are single-byte (with a notice naming
  the others); otherwise the file is refused with the likely encodings named
  (``--encoding`` picks one). A notice says which legacy encoding was read (other
  than cp1252) and names the words that look wrong in it; it never suggests another
  encoding, which would garble more names. A file that mixes UTF-8 with a single-byte
  encoding is an error, because either reading would garble some names.
- Workbooks: the sheet read is the one named by ``--sheet``, else the sheet the
  workbook was saved on (an xlsx's ``activeTab``) when it is visible, else the first
  visible sheet: never a hidden one unless named. For xls, xlsb and ods files the
  first visible sheet is taken (their active sheet is not read).
- Workbook cells holding an error show its text (``#N/A``, ``#VALUE!``, ...:
  :data:`importer.cells.SPREADSHEET_ERRORS`), and a formula cell saved without its
  result (written by a program, never by Excel) reads ``#NO_VALUE!``
  (:data:`importer.cells.NO_CACHED_VALUE`), instead of an empty cell. python-calamine
  gives both as empty, so these are read from the sheet's XML, for xlsx and xlsm only;
  in xls, xlsb and ods files they stay empty.
"""

from __future__ import annotations

import codecs
import collections
import csv
import hashlib
import io
import itertools
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from types import TracebackType
from typing import IO, Any

import pandas as pd

from . import encodings
from .cells import (
    FORMULA_STARTS,
    HAS_INVISIBLE,
    NO_CACHED_VALUE,
    restore,
    strip_invisible,
)
from .errors import EmptyFileError, EncodingError, InputFileError, UnsupportedFileError
from .process_wide import ProcessWideSetting

__all__ = [
    "Chunk",
    "ReadOptions",
    "SheetInfo",
    "SourceFile",
    "SourceInfo",
    "detect_encoding",
    "file_sha256",
    "open_source",
    "read_all",
    "sniff_delimiter",
]

#: Columns the tool adds to its reports; ignored when a report is imported again.
ADDED_COLUMNS = (
    "source_row",
    "phone_e164",
    "phone_type",
    "time_zone",
    "time_zone_source",
    "warnings",
    "error",
    "error_codes",
    "duplicate_of",
    "suppressed_by",
    "lead_id",
    "campaign_lead_id",
    "reason",
)
DELIMITERS = (",", ";", "\t", "|")
#: Rows per chunk. Small enough that the worker processes start early and finish
#: together (20,000 ran the 1,000,000-row benchmark 10% faster than 50,000), large
#: enough that the per-chunk costs of the schema stay small.
DEFAULT_CHUNK_ROWS = 20_000
#: The largest input file read unless --max-file-size says otherwise: 4 GiB, ten
#: times the 4,000,000-row benchmark file.
DEFAULT_MAX_FILE_SIZE = 4 << 30
#: The most a workbook's sheet and shared strings may hold once unzipped. The
#: sheet is unpacked in memory to be read; 1 GiB is several million rows.
MAX_WORKBOOK_XML = 1 << 30
#: Unzipped-to-zipped ratio above which a large workbook part is taken for a zip
#: bomb: spreadsheet XML packs 5 to 20 times smaller, not hundreds.
MAX_ZIP_RATIO = 100
#: The longest cell of a CSV file, in characters. Excel holds at most 32,767 in a
#: cell; a longer one is a broken file (an unclosed quote swallowing the rest).
MAX_FIELD_CHARS = 1 << 20
#: The longest line of a text file, in bytes: a few such cells and then some.
MAX_LINE_BYTES = 32 << 20
_SCAN_BLOCK = 1 << 20
_SNIFF_CHARS = 64 * 1024
#: The most bytes of non-ASCII lines a file's legacy encoding is told from.
DETECT_SAMPLE_BYTES = 64 * 1024
_WORKBOOK_SUFFIXES = {".xlsx", ".xlsm", ".xlsb", ".xls", ".ods"}
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Byte pairs that are UTF-8 encoded accented letters; in a file that is not UTF-8
# they mean part of it was saved as UTF-8 and part in another encoding.
_UTF8_SEQUENCE = re.compile(rb"[\xc3\xc5][\x80-\xbf]|\xe2\x82\xac")
#: A header cell that is a value, never a column name: a phone number (9 or more
#: digits, so that dates are not), an e-mail address. A file whose first row has one
#: has no header row.
_LOOKS_LIKE_DATA = re.compile(r"(?:p:)?(?=(?:\D*\d){9})\+?[\d\s().\-/]+|[^@\s]+@[^@\s]+\.\w+")
#: A cell that :func:`importer.cells.neutralize` marked, in cells joined with NUL before each.
_FORMULA_MARK = re.compile("\x00'[" + re.escape("".join(sorted(FORMULA_STARTS))) + "]")
#: A cell without a letter: a number, a date, a dash.
_LETTERLESS = re.compile(r"[\W\d_]*")
#: Non-blank rows looked at for the header.
HEADER_SEARCH_ROWS = 20
#: Non-blank rows below a candidate header that give the table's width.
HEADER_BELOW_ROWS = 10
#: Rows (blank ones included) held back while the header is looked for.
_HEADER_LOOKAHEAD_LIMIT = 1000
#: Excel's delimiter line, ``sep=;``, as the first line of a CSV file.
_SEP_LINE = re.compile(r'"?sep=(.)"?[^\S\r\n]*(?:\r\n|\r|\n)', re.IGNORECASE)


@dataclass(frozen=True)
class ReadOptions:
    """How to read the input file; ``None`` means detect it."""

    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    chunk_rows: int = DEFAULT_CHUNK_ROWS
    #: The header's row number as a spreadsheet shows it (1 = first row); None finds it.
    header_row: int | None = None
    #: Files larger than this are refused before anything is read.
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    #: Number each row by its own ``source_row`` cell instead of its place in the file.
    #: A corrected file written by the review page says there where each row was in the
    #: person's file, so the reports of a run on it name those rows.
    source_row_numbers: bool = False


@dataclass(frozen=True)
class SheetInfo:
    """One sheet of a workbook.

    ``rows`` is the sheet's height: the number of its last used row (rows above the
    data and blank rows included), from the sheet's own dimension for xlsx files.
    """

    name: str
    rows: int
    hidden: bool


@dataclass(frozen=True)
class SourceInfo:
    """What the reader found out about the file."""

    path: Path
    format: str
    columns: tuple[str, ...]
    header_row: int
    size_bytes: int
    sha256: str
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    #: Total for the progress bar: bytes for text files, rows for workbooks.
    progress_total: int = 0
    progress_unit: str = "B"
    #: True when rows above the header were skipped (the header was not the first row).
    header_detected: bool = False
    #: The non-blank rows above the header that were skipped (title, group rows).
    skipped_rows: tuple[int, ...] = ()
    #: Every sheet of a workbook, in workbook order; empty for text files.
    sheets: tuple[SheetInfo, ...] = ()
    #: Sentences about the reading that the run shows and puts in the summary.
    notices: tuple[str, ...] = ()
    #: Rows below the header that repeat it (two exports pasted one under the other):
    #: dropped, not data rows. Filled in as the rows are read.
    repeated_headers: list[int] = field(default_factory=list, compare=False)


@dataclass
class Chunk:
    """A block of data rows: their text cells and their row numbers."""

    columns: tuple[str, ...]
    #: The cells of each row, one per column.
    rows: list[list[str]]
    #: The row number of each row, as a spreadsheet shows it.
    numbers: list[int]
    #: Non-empty values beyond the header's last column, by source row.
    extra_values: dict[int, list[str]] = field(default_factory=dict)
    #: Blank rows skipped since the previous chunk.
    blank_rows: int = 0
    #: Where the reader is, in :attr:`SourceInfo.progress_unit`.
    progress: int = 0

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def frame(self) -> pd.DataFrame:
        """The rows as a DataFrame of text, indexed by ``source_row``."""
        return pd.DataFrame(
            self.rows,
            columns=list(self.columns),
            index=pd.Index(self.numbers, name="source_row", dtype="int64"),
            dtype=object,
        )


class SourceFile:
    """An opened input file: its :class:`SourceInfo` and an iterator of :class:`Chunk`."""

    def __init__(self, info: SourceInfo, chunks: Iterator[Chunk], closer: Any = None) -> None:
        self.info = info
        self._chunks = chunks
        self._closer = closer

    def chunks(self) -> Iterator[Chunk]:
        """Yield the file's data rows, chunk by chunk (once)."""
        return self._chunks

    def close(self) -> None:
        """Release the file handle."""
        if self._closer is not None:
            self._closer.close()
            self._closer = None

    def __enter__(self) -> SourceFile:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def open_source(path: Path, options: ReadOptions | None = None) -> SourceFile:
    """Open a spreadsheet for chunked reading; raise :class:`InputFileError` if it can't be."""
    options = options or ReadOptions()
    if options.chunk_rows < 1:
        raise ValueError("chunk_rows must be at least 1")
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(8)
    except FileNotFoundError as exc:
        raise InputFileError(f"{path}: no such file; check the path") from exc
    except IsADirectoryError as exc:
        raise InputFileError(f"{path} is a folder, not a spreadsheet file") from exc
    except OSError as exc:
        raise InputFileError(f"{path}: cannot be read ({exc.strerror})") from exc
    if size == 0:
        raise EmptyFileError(f"{path} is empty (0 bytes); export the leads again")
    if size > options.max_file_size:
        raise InputFileError(
            f"{path} is {_size(size)}, more than the {_size(options.max_file_size)} this run "
            "reads (--max-file-size); pass a larger --max-file-size if the file is right"
        )
    is_workbook = head.startswith((_ZIP_MAGIC, _OLE_MAGIC))
    if is_workbook or path.suffix.lower() in _WORKBOOK_SUFFIXES:
        return _open_workbook(path, options, size)
    return _open_text(path, options, size)


# --- text files -----------------------------------------------------------------


class _LineLengths:
    """Follow, block by block, the longest run of bytes without a line break.

    A line of hundreds of megabytes would be read whole into memory before the csv
    module could say it is too long; the blocks read for the checksum find it first,
    at C speed.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.run = 0
        self.line = 1

    def feed(self, block: bytes) -> None:
        """Account for the next block of the file; raise if a line is too long."""
        breaks = [at for at in (block.find(b"\n"), block.find(b"\r")) if at >= 0]
        if not breaks:
            self.run += len(block)
        else:
            self._check(self.run + min(breaks))
            self.line += block.count(b"\n") or block.count(b"\r")
            self.run = len(block) - max(block.rfind(b"\n"), block.rfind(b"\r")) - 1
        self._check(self.run)

    def _check(self, run: int) -> None:
        if run > MAX_LINE_BYTES:
            raise InputFileError(
                f"{self.path}: line {self.line} is longer than {MAX_LINE_BYTES >> 20} MB; the "
                "file is damaged (an unclosed quote?) or is not a CSV export"
            )


def detect_encoding(path: Path) -> tuple[str, str]:
    """Return (encoding, sha256 of the file), reading it once in blocks.

    Also refuses a file with a line longer than :data:`MAX_LINE_BYTES`.
    """
    encoding, sha, _ = _detect_encoding(path)
    return encoding, sha


def _detect_encoding(path: Path) -> tuple[str, str, tuple[str, ...]]:
    """:func:`detect_encoding`, with the notices it has about the file."""
    digest = hashlib.sha256()
    lines = _LineLengths(path)
    with path.open("rb") as handle:
        first = handle.read(_SCAN_BLOCK)
        digest.update(first)
        lines.feed(first)
        bom = _bom_encoding(first)
        if bom is None and b"\x00" in first[:_SNIFF_CHARS]:
            bom = _bomless_utf16(first[:_SNIFF_CHARS])
            if bom is None:
                raise UnsupportedFileError(
                    f"{path} is not a text spreadsheet (it contains binary data); "
                    "export the leads as CSV or XLSX"
                )
        if bom is not None:
            for block in iter(lambda: handle.read(_SCAN_BLOCK), b""):
                digest.update(block)
                lines.feed(block)
            return bom, digest.hexdigest(), ()
        decoder = codecs.getincrementaldecoder("utf-8")()
        utf8_ok = True
        saw_non_ascii = False
        # UTF-8 sequences in a file that is not UTF-8: part of it was saved as UTF-8,
        # unless the file is in a double-byte encoding, whose characters make such pairs.
        utf8_marks = False
        needs_latin1 = False
        sample = _Sample()
        block = first
        while block:
            if utf8_ok:
                try:
                    decoder.decode(block)
                    saw_non_ascii = saw_non_ascii or not block.isascii()
                except UnicodeDecodeError as exc:
                    utf8_ok = False
                    utf8_marks = saw_non_ascii or bool(_UTF8_SEQUENCE.search(block[: exc.start]))
            if not utf8_ok:
                utf8_marks = utf8_marks or bool(_UTF8_SEQUENCE.search(block))
                needs_latin1 = needs_latin1 or any(b in block for b in b"\x81\x8d\x8f\x90\x9d")
                sample.feed(block)
            block = handle.read(_SCAN_BLOCK)
            digest.update(block)
            lines.feed(block)
        if utf8_ok:
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError as exc:  # the file ends inside a character
                raise EncodingError(
                    f"{path} ends in the middle of a UTF-8 character; the file is cut short"
                ) from exc
            return "utf-8", digest.hexdigest(), ()
        western = "latin-1" if needs_latin1 else "cp1252"
        verdict = encodings.judge(sample.text(), western)
        # The marks mean UTF-8 in a Western file, or in a single-byte one where names
        # still look wrong: other code pages make the same byte pairs with their own
        # letters (Ukrainian "Гі"), and double-byte ones with nearly every character.
        if verdict.encoding is None:
            raise _unsure(path, verdict)
        if utf8_marks and (
            verdict.encoding in encodings.WESTERN
            or (verdict.odd and verdict.encoding not in encodings.DOUBLE_BYTE)
        ):
            raise _mixed(path)
        return verdict.encoding, digest.hexdigest(), _encoding_notices(path, verdict)


class _Sample:
    """The lines of a file that hold bytes outside ASCII, up to :data:`DETECT_SAMPLE_BYTES`.

    The encoding is told from these alone: the rest of a file adds nothing but time.
    Only whole lines are kept, so that no character is cut in two.
    """

    def __init__(self) -> None:
        self.lines: list[bytes] = []
        self.size = 0
        self.carry = b""

    def feed(self, block: bytes) -> None:
        """Keep the non-ASCII lines of the next block, while there is room."""
        if self.size >= DETECT_SAMPLE_BYTES:
            return
        text = self.carry + block
        cut = max(text.rfind(b"\n"), text.rfind(b"\r")) + 1
        if block:
            text, self.carry = text[:cut], text[cut:]
        if text.isascii():
            return
        for line in text.splitlines():
            if not line.isascii():
                self.lines.append(line)
                self.size += len(line) + 1
                if self.size >= DETECT_SAMPLE_BYTES:
                    return

    def text(self) -> bytes:
        """The lines kept, the last partial one included."""
        self.feed(b"")
        return b"\n".join(self.lines)


def _unsure(path: Path, verdict: encodings.Verdict) -> EncodingError:
    """The error for a file whose encoding cannot be told for sure."""
    readings = ", ".join(
        f"{encodings.LABELS[name]} gives '{word[:30]}' (--encoding {name})"
        for name, word in verdict.unsure
    )
    return EncodingError(
        f"{path} is not UTF-8, and its encoding cannot be told for sure from its names: "
        f"{readings}. Pass the --encoding that gives the right names, or save the file "
        "again as 'CSV UTF-8'"
    )


def _encoding_notices(path: Path, verdict: encodings.Verdict) -> tuple[str, ...]:
    """What to tell about a legacy encoding read: which one, and names that still look odd.

    A notice never suggests another encoding: the one chosen reads the names best, so
    any other would garble more of them.
    """
    assert verdict.encoding is not None
    said: list[str] = []
    if verdict.encoding not in ("cp1252", "latin-1"):
        said.append(f"{path} was read as {encodings.LABELS[verdict.encoding]}, the encoding "
                    "its names read right in")  # fmt: skip
    if verdict.others:
        shown = "; ".join(f"{encodings.LABELS[name]} reads '{word[:30]}'"
                          for name, word in verdict.others)  # fmt: skip
        said.append(
            f"{path} was read as {encodings.LABELS[verdict.encoding]}, the code page met most "
            f"often, but its few accented names read as well in another ({shown}); check the "
            "names in the report, and save the file again as 'CSV UTF-8' if they are wrong"
        )
    if verdict.odd:
        odd = ", ".join(f"'{word[:30]}'" for word in dict.fromkeys(verdict.odd))
        said.append(
            f"{path} was read as {encodings.LABELS[verdict.encoding]}, but some names still "
            f"look wrong in it ({odd}): no encoding reads them right, so the file was probably "
            "saved in two encodings; check those rows, or save the file again as 'CSV UTF-8'"
        )
    return tuple(said)


def _mixed(path: Path) -> EncodingError:
    return EncodingError(
        f"{path} mixes UTF-8 with another encoding, so some names would come out garbled; "
        "save it again as 'CSV UTF-8', or pass --encoding to read it one way"
    )


def _bom_encoding(data: bytes) -> str | None:
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "utf-32"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return None


def _bomless_utf16(sample: bytes) -> str | None:
    """Recognise UTF-16 text without a BOM by where its zero bytes fall."""
    even, odd = sample[0::2], sample[1::2]
    if not even or not odd:
        return None
    zero_even = even.count(0) / len(even)
    zero_odd = odd.count(0) / len(odd)
    if zero_odd > 0.3 and zero_even < 0.05:
        return "utf-16-le"
    if zero_even > 0.3 and zero_odd < 0.05:
        return "utf-16-be"
    return None


def sniff_delimiter(sample: str) -> str:
    """Guess the delimiter among , ; tab | from the first lines of a file.

    Excel's ``sep=X`` first line names it. Otherwise the delimiter that splits the
    most lines into the same number (2 or more) of fields wins, then the one with more
    fields: a title line above the header (one field) does not change the choice.
    """
    sample = sample.lstrip("\ufeff")
    sep = _SEP_LINE.match(sample)
    if sep is not None:
        return sep.group(1)
    lines = sample.splitlines(keepends=True)
    if len(sample) >= _SNIFF_CHARS and len(lines) > 1:
        lines = lines[:-1]  # the last line may be cut off
    text = "".join(lines[:200])
    best, best_score = ",", (0.0, 0)
    for delimiter in DELIMITERS:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        try:
            rows = [row for row in itertools.islice(reader, 50) if any(c.strip() for c in row)]
        except csv.Error:  # a stray carriage return that this delimiter leaves unquoted
            continue
        widths = collections.Counter(len(row) for row in rows if len(row) >= 2)
        if not widths:
            continue
        count, width = max((count, width) for width, count in widths.items())
        score = (count / len(rows), width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _check_encoding(name: str) -> str:
    try:
        return codecs.lookup(name).name
    except LookupError as exc:
        raise EncodingError(
            f"unknown encoding '{name}'; use e.g. utf-8, utf-16, cp1252 or latin-1"
        ) from exc


def _open_text(path: Path, options: ReadOptions, size: int) -> SourceFile:
    delimiter = _delimiter_option(options.delimiter)
    if options.encoding:
        encoding = _check_encoding(options.encoding)
        sha = file_sha256(path, _LineLengths(path))
        with path.open("rb") as raw:
            if encoding == "utf-8" and raw.read(3) == codecs.BOM_UTF8:
                encoding = "utf-8-sig"  # so the BOM does not stick to the first column name
        notices: tuple[str, ...] = ()
    else:
        encoding, sha, notices = _detect_encoding(path)
    handle = path.open("r", encoding=encoding, newline="")
    closer = _TextCloser(handle)
    try:
        return _text_source(path, options, size, handle, encoding, delimiter, sha, notices, closer)
    except BaseException:
        closer.close()
        raise


#: The csv module's field size limit, held while a text file is open: MAX_FIELD_CHARS and
#: one more, for the ``'`` that the reports put before a cell, so that this tool's own
#: reports read back (the workbook reads them too, under the same hold).
FIELD_SIZE_LIMIT = ProcessWideSetting(csv.field_size_limit, csv.field_size_limit,
                                      lambda _: MAX_FIELD_CHARS + 1)  # fmt: skip


class _TextCloser:
    """Closes a text file's handle and lets go of the csv field size limit, once."""

    def __init__(self, handle: IO[str]) -> None:
        self.handle: IO[str] | None = handle
        FIELD_SIZE_LIMIT.acquire()

    def close(self) -> None:
        """Close the handle; the last text file closed puts the earlier limit back."""
        if self.handle is not None:
            self.handle.close()
            self.handle = None
            FIELD_SIZE_LIMIT.release()


def _delimiter_option(value: str | None) -> str | None:
    if value is None:
        return None
    if value in ("\\t", "tab", "TAB"):
        return "\t"
    if len(value) != 1:
        raise InputFileError(
            f"--delimiter must be one character (got '{value}'); use ',', ';', '|' or 'tab'"
        )
    return value


def _text_source(
    path: Path,
    options: ReadOptions,
    size: int,
    handle: IO[str],
    encoding: str,
    delimiter: str | None,
    sha: str,
    notices: tuple[str, ...],
    closer: _TextCloser,
) -> SourceFile:
    try:
        sample = handle.read(_SNIFF_CHARS)
        handle.seek(0)
    except UnicodeDecodeError as exc:
        raise _decode_error(path, encoding, exc) from exc
    sep_line = _SEP_LINE.match(sample.lstrip("\ufeff")) is not None
    delimiter = delimiter or sniff_delimiter(sample)
    # The limit is the csv module's, for the whole process: it is held while a text file
    # is open and put back when the last one closes (the handle's closer lets go of it).
    reader = csv.reader(handle, delimiter=delimiter)
    # Excel hides its sep= line: the line after it is row 1, as Excel shows it.
    rows = _guard_text_rows(reader, path, encoding, start=0 if sep_line else 1)
    if sep_line:
        next(rows, None)
    header = _find_header(
        rows,
        options.header_row,
        path,
        f"{path} has no rows (only blank lines); export the leads again",
    )
    columns, keep, width, report = _clean_header(header.cells, path, header.row, header.first)
    info = SourceInfo(
        path=path,
        format="csv",
        columns=columns,
        header_row=header.row,
        size_bytes=size,
        sha256=sha,
        encoding=encoding,
        delimiter=delimiter,
        progress_total=size,
        progress_unit="B",
        header_detected=bool(header.skipped),
        skipped_rows=header.skipped,
        notices=notices,
    )

    def position() -> int:
        try:
            return min(int(handle.buffer.tell()), size)  # type: ignore[attr-defined]
        except (OSError, ValueError):
            return 0

    rest = _numbered(header, path) if options.source_row_numbers else header.rest
    repeats = _Repeats(header.cells[:width], header.row, path, info.repeated_headers, header.parts)
    chunks = _chunked(rest, columns, keep, width, options.chunk_rows, position, report=report,
                      repeats=repeats)  # fmt: skip
    return SourceFile(info, _require_data(chunks, path), closer)


def _decode_error(path: Path, encoding: str, exc: UnicodeDecodeError) -> EncodingError:
    return EncodingError(
        f"{path} is not valid {encoding} text; pass --encoding with the file's encoding "
        "(e.g. --encoding cp1252), or save it again as 'CSV UTF-8'"
    )


def _guard_text_rows(
    reader: Any, path: Path, encoding: str, start: int = 1
) -> Iterator[tuple[int, Sequence[str]]]:
    """Number the rows, turning csv and decoding failures into InputFileError.

    A row that spans several lines (a quoted cell with line breaks) is looked at: when
    a line inside one of its cells holds a row of leads, a quote was left open and
    swallowed the rows after it (:func:`_swallowed_rows`), and reading stops.
    """
    delimiter = reader.dialect.delimiter
    line = reader.line_num
    try:
        for number, row in enumerate(reader, start=start):
            if reader.line_num - line > 1:
                swallowed = _swallowed_rows(row, delimiter)
                if swallowed is not None:
                    raise _open_quote(path, line + 1, reader.line_num, number, swallowed)
            line = reader.line_num
            yield number, row
    except UnicodeDecodeError as exc:
        raise EncodingError(
            f"{path}: the text near line {reader.line_num + 1} is not valid {encoding}; pass "
            "--encoding with the file's encoding, or save it again as 'CSV UTF-8'"
        ) from exc
    except csv.Error as exc:
        raise InputFileError(
            f"{path}: line {reader.line_num} cannot be read as CSV ({exc}); is this a CSV file?"
        ) from exc


def _swallowed_rows(row: Sequence[str], delimiter: str) -> str | None:
    """The first line inside a cell of ``row`` that reads as a row of leads, if any.

    Such a line splits on the delimiter into (nearly) as many cells as the row has,
    one of them a phone number or an e-mail address: a note with line breaks does not.
    """
    least = max(2, len(row) - 1)
    for cell in row:
        if "\n" not in cell and "\r" not in cell:
            continue
        for inner in cell.splitlines()[1:]:
            parts = inner.split(delimiter)
            if len(parts) >= least and any(
                _LOOKS_LIKE_DATA.fullmatch(part.strip().strip('"')) for part in parts
            ):
                return inner
    return None


def _open_quote(path: Path, opened: int, closed: int, row: int, swallowed: str) -> InputFileError:
    """The error for a quote left open that swallowed the rows after it into one cell."""
    return InputFileError(
        f"{path}, line {opened}: a quote opens in this line (row {row}) and does not close "
        f"until line {closed}, so the lines between, which hold rows of leads "
        f"('{swallowed[:60]}'), would be read as one cell and their leads lost. Remove the "
        'stray quote (or double it, "", inside a quoted cell) and run again'
    )


@dataclass
class _Header:
    """The header row found, and the rows after it, still to be read."""

    row: int
    cells: list[str]
    #: The non-blank rows above the header.
    skipped: tuple[int, ...]
    #: Whether the header is the file's first non-blank row.
    first: bool
    rest: Iterator[tuple[int, Sequence[str]]]
    #: The rows of a two-row header as the file has them (group row, field row): an
    #: export pasted below repeats them.
    parts: tuple[list[str], ...] = ()


def _find_header(
    rows: Iterator[tuple[int, Sequence[str]]],
    wanted: int | None,
    path: Path,
    empty_message: str,
) -> _Header:
    """Find the header row (see the module's docstring); raise when there is none."""
    if wanted is not None:
        return _named_header(rows, wanted, path, empty_message)
    window: list[tuple[int, Sequence[str]]] = []  # every row read, as read, blank ones too
    cleaned: dict[int, list[str]] = {}  # the cells of the non-blank ones, by position in window
    candidates: list[int] = []  # positions in window of the non-blank rows
    for row, values in rows:
        cells = [strip_invisible(cell).strip() for cell in values]
        blank = not any(cells)
        if blank and not window:
            continue  # blank rows above everything are neither candidates nor data
        window.append((row, values))
        if not blank:
            candidates.append(len(window) - 1)
            cleaned[len(window) - 1] = cells
        if len(candidates) >= HEADER_SEARCH_ROWS + HEADER_BELOW_ROWS:
            break
        if len(window) >= _HEADER_LOOKAHEAD_LIMIT and candidates:
            break
    if not candidates:
        raise EmptyFileError(empty_message)
    verdicts: list[tuple[int, str]] = []
    for order, at in enumerate(candidates[:HEADER_SEARCH_ROWS]):
        row, cells = window[at][0], cleaned[at]
        below = [cleaned[index] for index in candidates[order + 1 : order + 1 + HEADER_BELOW_ROWS]]
        why_not = _not_a_header(cells, below)
        if why_not is None:
            skipped = tuple(number for number, _ in verdicts)
            if order + 1 < len(candidates) and below:
                # A group row over the field row: the two make one header.
                field_at = candidates[order + 1]
                under = [cleaned[index] for index in
                         candidates[order + 2 : order + 2 + HEADER_BELOW_ROWS]]  # fmt: skip
                if _groups(cells, below[0], under):
                    return _Header(
                        row=window[field_at][0],
                        cells=_combined(cells, below[0]),
                        skipped=(*skipped, row),
                        first=False,
                        rest=itertools.chain(window[field_at + 1 :], rows),
                        parts=(cells, below[0]),
                    )
            parts: tuple[list[str], ...] = ()
            if order and verdicts[-1][1].startswith("fills") and _clashing(cells):
                # The group row above was skipped, but it tells apart the names that clash.
                parts = (cleaned[candidates[order - 1]], cells)
                cells = _combined(*parts)
            return _Header(
                row=row,
                cells=cells,
                skipped=skipped,
                first=order == 0,
                rest=itertools.chain(window[at + 1 :], rows),
                parts=parts,
            )
        verdicts.append((row, why_not))
    raise _no_header(path, verdicts, cleaned[candidates[0]])


def _named_header(
    rows: Iterator[tuple[int, Sequence[str]]], wanted: int, path: Path, empty_message: str
) -> _Header:
    """The header at row ``wanted``, as ``--header-row`` says."""
    if wanted < 1:
        raise InputFileError(f"--header-row must be 1 or more (got {wanted})")
    skipped: list[int] = []
    last = 0
    for row, values in rows:
        last = row
        cells = [strip_invisible(cell).strip() for cell in values]
        if row < wanted:
            if any(cells):
                skipped.append(row)
            continue
        if not any(cells):
            raise InputFileError(
                f"{path}: row {wanted} (--header-row) is blank; pass the row number of the "
                "column names as a spreadsheet shows it"
            )
        return _Header(row, cells, tuple(skipped), not skipped, rows)
    if not last:
        raise EmptyFileError(empty_message)
    raise InputFileError(
        f"{path} has {last} rows, so row {wanted} (--header-row) cannot be its header"
    )


def _not_a_header(cells: list[str], below: list[list[str]]) -> str | None:
    """None when a row looks like a header; otherwise what it looks like instead."""
    filled = [cell for cell in cells if cell]
    values = [cell for cell in filled if _LOOKS_LIKE_DATA.fullmatch(cell)]
    if values:
        return f"holds values ({_shown(values)})"
    letterless = [cell for cell in filled if _LETTERLESS.fullmatch(cell)]
    if len(letterless) * 2 > len(filled) and not _numbered_columns(letterless, below):
        return f"holds numbers or dates ({_shown(letterless)})"
    widths = collections.Counter(_used_width(cells_below) for cells_below in below)
    common = max(widths, key=lambda width: (widths[width], width)) if widths else 0
    span = max(common, _used_width(cells))
    if span > 1 and len(filled) * 2 <= span:
        return f"fills {len(filled)} of {span} columns ({_shown(filled)}: a title or group row?)"
    return None


def _numbered_columns(letterless: list[str], below: list[list[str]]) -> bool:
    """Whether numbers name columns (``2023,2024,2025``): the row under them holds leads.

    The numbers are whole, short (years, column numbers) and all different.
    """
    return (
        bool(below)
        and _holds_values(below[0])
        and all(cell.isdecimal() and len(cell) <= 4 for cell in letterless)
        and len(set(letterless)) == len(letterless)
    )


def _holds_values(cells: Sequence[str]) -> bool:
    """Whether a row holds a phone number or an e-mail address."""
    return any(cell and _LOOKS_LIKE_DATA.fullmatch(cell) for cell in cells)


def _groups(group: list[str], fields: list[str], below: list[list[str]]) -> bool:
    """Whether ``group`` is a group row over the field row ``fields`` (a two-row header).

    The field row must look like a header itself, with rows of leads under it, and
    the group row must name groups: fewer names than the field row (``Contact,,,Company``)
    or a name repeated over the columns of its group (``Contact,Contact,Company``).
    """
    if _not_a_header(fields, below) is not None or not below or not _holds_values(below[0]):
        return False
    named = [cell for cell in group if cell]
    fielded = [cell for cell in fields if cell]
    if _used_width(group) > _used_width(fields) or len(fielded) < 2:
        return False
    if {cell.casefold() for cell in named} & {cell.casefold() for cell in fielded}:
        return False  # a name in both rows: not a group over fields
    if len({cell.casefold() for cell in named}) < len(named):
        return True
    # Fewer names above: a header with empty cells over a first lead without a phone
    # would look the same, so the field row must name a column the way exports do.
    return len(named) < len(fielded) and any(_is_column_name(cell.casefold()) for cell in fielded)


def _clashing(cells: Sequence[str]) -> bool:
    """Whether two cells of a header have the same name."""
    names = [cell.casefold() for cell in cells if cell]
    return len(set(names)) < len(names)


def _combined(group: Sequence[str], fields: Sequence[str]) -> list[str]:
    """One header from a group row and the field row under it.

    Each column keeps its field name; only where two field names clash does a later
    one get its group's name in front (``Phone`` under Contact stays ``Phone``, the one
    under Company becomes ``Company Phone``). A group cell spans the columns to its
    right up to the next filled one. A column with no field name takes its group's.
    """
    width = max(len(fields), _used_width(group))
    spans: list[str] = []
    current = ""
    for at in range(width):
        if at < len(group) and group[at]:
            current = group[at]
        spans.append(current)
    names = [fields[at] if at < len(fields) and fields[at] else "" for at in range(width)]
    seen: set[str] = set()
    for at, name in enumerate(names):
        if not name:
            owned = group[at] if at < len(group) else ""
            names[at] = owned
            name = owned
        if not name:
            continue
        if (
            name.casefold() in seen
            and spans[at]
            and not name.casefold().startswith(spans[at].casefold())
        ):
            names[at] = f"{spans[at]} {name}"
        seen.add(names[at].casefold())
    return names


def _used_width(cells: Sequence[str]) -> int:
    """The position of a row's last filled cell (0 for a blank row)."""
    for at in range(len(cells) - 1, -1, -1):
        if cells[at]:
            return at + 1
    return 0


def _shown(cells: Sequence[str], count: int = 3) -> str:
    """The first few cells, quoted and cut short, for a message."""
    return ", ".join(f"'{cell[:40]}'" for cell in cells[:count])


def _no_header(path: Path, verdicts: list[tuple[int, str]], first: list[str]) -> InputFileError:
    """The error for a file none of whose first rows looks like a header."""
    rows = [row for row, _ in verdicts]
    looked = f"row {rows[0]}" if len(rows) == 1 else f"rows {rows[0]}-{rows[-1]}"
    verb = "was" if len(rows) == 1 else "were"
    said = "; ".join(f"row {row} {why}" for row, why in verdicts[:4])
    more = "; ..." if len(verdicts) > 4 else ""
    lead = "no row looks like a header"
    values = [cell for cell in first if cell and _LOOKS_LIKE_DATA.fullmatch(cell)]
    if values:
        lead = f"the first row holds values ({_shown(values)}), not column names"
    return InputFileError(
        f"{path}: {lead}; {looked} {verb} looked at: {said}{more}. Add a header row with a "
        "name for each column (phone, first_name, email, ...), or pass --header-row N with "
        "the row of the column names"
    )


# --- workbooks ------------------------------------------------------------------


def _size(count: int) -> str:
    """A byte count for people: 512 bytes, 3.2 MB, 4.0 GB."""
    if count < 1000:
        return f"{count} bytes"
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if count >= scale:
            return f"{count / scale:.1f} {unit}"
    raise AssertionError(count)


def _check_zip(path: Path, size: int) -> None:
    """Refuse a zipped workbook that would unpack to far more than it could hold (a zip bomb).

    Only the zip's directory is read: the sizes it declares are what the reader
    would have to unpack.
    """
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            parts = [info for info in archive.infolist() if info.filename.endswith(".xml")]
    except (zipfile.BadZipFile, OSError, ValueError):
        return  # not a readable zip: the workbook reader says what is wrong
    unpacked = sum(info.file_size for info in parts)
    packed = sum(info.compress_size for info in parts) or 1
    if unpacked > MAX_WORKBOOK_XML or (unpacked > 100 << 20 and unpacked > packed * MAX_ZIP_RATIO):
        raise UnsupportedFileError(
            f"{path} ({_size(size)}) would unpack to {_size(unpacked)} of spreadsheet data, "
            f"{unpacked // packed}x its packed size; it is not read, as it looks like a zip "
            "bomb or a damaged file. If it is a real export, save it as CSV"
        )


def _open_workbook(path: Path, options: ReadOptions, size: int) -> SourceFile:
    import python_calamine

    _check_zip(path, size)
    try:
        workbook = python_calamine.CalamineWorkbook.from_path(str(path))
    except python_calamine.CalamineError as exc:
        raise _damaged_workbook(path, exc) from exc
    try:
        return _workbook_source(path, options, size, workbook)
    except BaseException:
        workbook.close()
        raise


def _damaged_workbook(path: Path, exc: Exception) -> UnsupportedFileError:
    return UnsupportedFileError(
        f"{path} cannot be read as a workbook ({exc}); the file is damaged or not a real "
        "Excel/ODS file: open it in Excel and save it again, or export it as CSV"
    )


def _workbook_source(path: Path, options: ReadOptions, size: int, workbook: Any) -> SourceFile:
    import python_calamine

    try:
        metadata = list(workbook.sheets_metadata)
        parts = _xlsx_parts(path)
        name = _pick_sheet(path, metadata, options.sheet, parts)
        sheet = workbook.get_sheet_by_name(name)
        rows_iter = sheet.iter_rows()
        height = int(sheet.total_height)
        first_column = (sheet.start or (0, 0))[1]
        sheets = _sheet_infos(workbook, metadata, parts, name, _last_row(sheet))
    except python_calamine.CalamineError as exc:
        raise _damaged_workbook(path, exc) from exc
    notices: list[str] = []
    errors = _xlsx_error_cells(path, parts, name, first_column, notices) if parts else {}
    numbered: Iterator[tuple[int, list[str]]] = (
        (index, [_cell_text(cell) for cell in values])
        for index, values in enumerate(rows_iter, start=1)
    )
    if errors:
        numbered = _with_errors(numbered, errors)
    rows = _guard_workbook_rows(numbered, path)
    header = _find_header(
        rows,
        options.header_row,
        path,
        f"{path}: sheet '{name}' is empty; pick another with --sheet",
    )
    columns, keep, width, report = _clean_header(header.cells, path, header.row, header.first)
    info = SourceInfo(
        path=path,
        format=path.suffix.lower().lstrip(".") or "xlsx",
        columns=columns,
        header_row=header.row,
        size_bytes=size,
        sha256=file_sha256(path),
        sheet=name,
        progress_total=height,
        progress_unit="rows",
        header_detected=bool(header.skipped),
        skipped_rows=header.skipped,
        sheets=sheets,
        notices=tuple(notices),
    )
    position = {"row": header.row}

    rest = _numbered(header, path) if options.source_row_numbers else header.rest

    def counted() -> Iterator[tuple[int, Sequence[str]]]:
        for row, values in rest:
            position["row"] = row
            yield row, values

    repeats = _Repeats(header.cells[:width], header.row, path, info.repeated_headers, header.parts)
    chunks = _chunked(
        counted(), columns, keep, width, options.chunk_rows, lambda: position["row"],
        report=report, repeats=repeats,
    )  # fmt: skip
    return SourceFile(info, _require_data(chunks, path), workbook)


def _with_errors(
    numbered: Iterator[tuple[int, list[str]]], errors: dict[int, list[tuple[int, str]]]
) -> Iterator[tuple[int, list[str]]]:
    """Put the text of error cells, which python-calamine gives as empty, back in the rows."""
    for row, cells in numbered:
        found = errors.get(row)
        if found:
            for column, text in found:
                if 0 <= column < len(cells) and not cells[column]:
                    cells[column] = text
        yield row, cells


def _guard_workbook_rows(
    numbered: Iterator[tuple[int, list[str]]], path: Path
) -> Iterator[tuple[int, list[str]]]:
    import python_calamine

    try:
        yield from numbered
    except python_calamine.CalamineError as exc:
        raise UnsupportedFileError(f"{path}: the workbook is damaged ({exc})") from exc


def _pick_sheet(
    path: Path, metadata: list[Any], wanted: str | None, parts: _XlsxParts | None
) -> str:
    """The sheet to read: the one named, else the active one if visible, else the first visible."""
    names: list[str] = [str(sheet.name) for sheet in metadata]
    if not names:
        raise EmptyFileError(f"{path} has no sheets")
    if wanted is None:
        worksheets = [str(sheet.name) for sheet in metadata if _is_worksheet(sheet)]
        visible = [str(sheet.name) for sheet in metadata
                   if _is_worksheet(sheet) and not _is_hidden(sheet)]  # fmt: skip
        if parts is not None and parts.active is not None and parts.active in visible:
            return parts.active
        if visible:
            return visible[0]
        return worksheets[0] if worksheets else names[0]
    if wanted in names:
        return wanted
    folded = [name for name in names if name.casefold() == wanted.strip().casefold()]
    if len(folded) == 1:
        return folded[0]
    if wanted.strip().isdecimal() and 1 <= int(wanted) <= len(names):
        return names[int(wanted) - 1]
    listed = ", ".join(f"'{name}'" + (" (hidden)" if _is_hidden(sheet) else "")
                       for name, sheet in zip(names, metadata, strict=True))  # fmt: skip
    raise InputFileError(
        f"{path} has no sheet '{wanted}'; its sheets are {listed} "
        "(--sheet takes a name or a position counted from 1)"
    )


def _last_row(sheet: Any) -> int:
    """The number of a sheet's last used row, as a spreadsheet shows it (0 when empty)."""
    end = sheet.end
    return int(end[0]) + 1 if end else 0


def _is_hidden(sheet: Any) -> bool:
    import python_calamine

    return bool(sheet.visible != python_calamine.SheetVisibleEnum.Visible)


def _is_worksheet(sheet: Any) -> bool:
    import python_calamine

    return bool(sheet.typ == python_calamine.SheetTypeEnum.WorkSheet)


def _sheet_infos(
    workbook: Any, metadata: list[Any], parts: _XlsxParts | None, read: str, last_row: int
) -> tuple[SheetInfo, ...]:
    """Every sheet of the workbook, with its height (see :class:`SheetInfo`)."""
    import python_calamine

    infos = []
    for sheet in metadata:
        if sheet.name == read:
            rows = last_row
        elif parts is not None and sheet.name in parts.heights:
            rows = parts.heights[sheet.name]
        elif _is_worksheet(sheet):
            try:
                rows = _last_row(workbook.get_sheet_by_name(sheet.name))
            except python_calamine.CalamineError:
                rows = 0
        else:
            rows = 0
        infos.append(SheetInfo(name=sheet.name, rows=rows, hidden=_is_hidden(sheet)))
    return tuple(infos)


# --- the parts of an xlsx file that python-calamine does not give ----------------

#: The most read of a workbook's small parts (the workbook, its relationships).
_MAX_SMALL_PART = 16 << 20
_XML_TAG = re.compile(r"<(?:\w+:)?(sheet|workbookView|Relationship)\b([^>]*)>")
_XML_ATTRIBUTE = re.compile(r"([\w:]+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=[\"'](?:[A-Z]+\d+:)?[A-Z]+(\d+)[\"']")
#: A cell holding an error (``t="e"``) or a formula (``<f>``), in a sheet's XML.
_ODD_CELL = re.compile(
    rb"<(?:\w+:)?c\s[^>]*?(?:\bt=[\"']e[\"'][^>]*>|>\s*<(?:\w+:)?f[\s>/]).*?</(?:\w+:)?c>", re.S
)
_ODD_CELL_MARKS = (b't="e"', b"t='e'", b"<f", b":f>", b":f ")
_CELL_REF = re.compile(rb"\br=[\"']([A-Z]{1,3})(\d+)[\"']")
_CELL_TYPE = re.compile(rb"\bt=[\"'](\w+)[\"']")
_CELL_VALUE = re.compile(rb"<(?:\w+:)?v>([^<]*)</(?:\w+:)?v>")
#: Error cells whose text is kept; past this many, the others read as empty.
_MAX_ERROR_CELLS = 100_000
_SHEET_BLOCK = 4 << 20


@dataclass(frozen=True)
class _XlsxParts:
    """What an xlsx file's workbook part says: its sheets' parts, the active sheet."""

    #: The zip member of each sheet, by sheet name.
    members: dict[str, str]
    #: The sheet the workbook was saved on.
    active: str | None
    #: Each sheet's height from its ``<dimension>``, when it has one.
    heights: dict[str, int]


def _xlsx_parts(path: Path) -> _XlsxParts | None:
    """Read the workbook part of an xlsx/xlsm file; None for other files or when unreadable.

    Only small parts are read, with a regular expression rather than an XML parser, so
    that nothing in them (entities, DTDs) is expanded.
    """
    import html
    import posixpath
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            workbook = _small_part(archive, "xl/workbook.xml")
            rels = _small_part(archive, "xl/_rels/workbook.xml.rels")
            if workbook is None or rels is None:
                return None
            targets: dict[str, str] = {}
            for tag, attributes in _XML_TAG.findall(rels):
                if tag == "Relationship":
                    found = _attributes(attributes)
                    target = found.get("Target", "")
                    if target.startswith("/"):
                        member = target.lstrip("/")
                    else:
                        member = posixpath.normpath(posixpath.join("xl", target))
                    targets[found.get("Id", "")] = member
            order: list[str] = []
            members: dict[str, str] = {}
            active_tab = 0
            for tag, attributes in _XML_TAG.findall(workbook):
                found = _attributes(attributes)
                if tag == "workbookView" and found.get("activeTab", "").isdecimal():
                    active_tab = int(found["activeTab"])
                elif tag == "sheet" and "name" in found:
                    name = html.unescape(found["name"])
                    order.append(name)
                    relation = next((v for k, v in found.items() if k.endswith(":id")), "")
                    if relation in targets:
                        members[name] = targets[relation]
            heights = {name: height for name, member in members.items()
                       if (height := _dimension_height(archive, member)) is not None}  # fmt: skip
    except (zipfile.BadZipFile, OSError, ValueError, KeyError, RuntimeError):
        return None
    active = order[active_tab] if 0 <= active_tab < len(order) else None
    return _XlsxParts(members=members, active=active, heights=heights)


def _small_part(archive: Any, member: str) -> str | None:
    try:
        info = archive.getinfo(member)
    except KeyError:
        return None
    if info.file_size > _MAX_SMALL_PART:
        return None
    return str(archive.read(member).decode("utf-8", errors="replace"))


def _attributes(text: str) -> dict[str, str]:
    return {name: first or second for name, first, second in _XML_ATTRIBUTE.findall(text)}


def _dimension_height(archive: Any, member: str) -> int | None:
    """The last row of a sheet's ``<dimension ref="A1:H200">``, read from the part's start."""
    try:
        with archive.open(member) as handle:
            head = handle.read(4096)
    except KeyError:
        return None
    found = _DIMENSION.search(head)
    return int(found.group(1)) if found else None


def _column_index(letters: bytes) -> int:
    """0 for A, 25 for Z, 26 for AA."""
    index = 0
    for letter in letters:
        index = index * 26 + letter - 64
    return index - 1


def _xlsx_error_cells(
    path: Path, parts: _XlsxParts, name: str, first_column: int, notices: list[str]
) -> dict[int, list[tuple[int, str]]]:
    """The error cells and formula cells without a result of a sheet: row -> [(column, text)].

    Columns count from the sheet's first used column, as python-calamine's rows do.
    The sheet's XML is unpacked once more, in blocks; a block without an error cell
    or a formula is passed over with two searches.
    """
    import html
    import zipfile

    member = parts.members.get(name)
    if member is None:
        return {}
    found: dict[int, list[tuple[int, str]]] = {}
    count = 0
    try:
        with zipfile.ZipFile(path) as archive, archive.open(member) as handle:
            rest = b""
            while True:
                block = handle.read(_SHEET_BLOCK)
                text, rest = rest + block, b""
                if block:  # scan whole rows only: a cell may straddle two blocks
                    cut = text.rfind(b"</row>")
                    if cut < 0:
                        rest = text
                        continue
                    text, rest = text[: cut + 6], text[cut + 6 :]
                if any(mark in text for mark in _ODD_CELL_MARKS):
                    for match in _ODD_CELL.finditer(text):
                        cell = match.group(0)
                        reference = _CELL_REF.search(cell)
                        if reference is None:
                            continue
                        kind = _CELL_TYPE.search(cell.split(b">", 1)[0])
                        value = _CELL_VALUE.search(cell)
                        if kind is not None and kind.group(1) == b"e":
                            shown = html.unescape((value.group(1) if value else b"").decode())
                        elif (value is None or not value.group(1)) and (
                            kind is None or kind.group(1) not in (b"str", b"s", b"inlineStr")
                        ):
                            shown = NO_CACHED_VALUE
                        else:
                            continue
                        if not shown:
                            continue
                        count += 1
                        if count > _MAX_ERROR_CELLS:
                            notices.append(
                                f"{path}: sheet '{name}' has more than {_MAX_ERROR_CELLS:,} error "
                                "cells; the ones after that read as empty"
                            )
                            return found
                        row = int(reference.group(2))
                        column = _column_index(reference.group(1)) - first_column
                        found.setdefault(row, []).append((column, shown))
                if not block:
                    break
    except (zipfile.BadZipFile, OSError, ValueError, KeyError, RuntimeError, EOFError):
        return found  # python-calamine says what is wrong with the file, if anything
    return found


def _cell_text(value: Any) -> str:
    """Render a workbook cell the way the user typed it."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e21:
            return str(int(value))
        return f"{value:.15g}"  # Excel shows at most 15 significant digits
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime):
        if value.time() == time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    return "" if value is None else str(value)


# --- shared ---------------------------------------------------------------------


def file_sha256(path: Path, lines: _LineLengths | None = None) -> str:
    """Return the hex sha256 of a file's bytes (checking its line lengths on the way)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(_SCAN_BLOCK), b""):
            digest.update(block)
            if lines is not None:
                lines.feed(block)
    return digest.hexdigest()


def _is_blank(values: Sequence[str]) -> bool:
    return not "".join(values).strip()


def _clean_header(
    header: Sequence[str], path: Path, row: int = 1, first: bool = True
) -> tuple[tuple[str, ...], list[int], int, bool]:
    """Name the columns; return (names kept, their positions, the header's width, is a report)."""
    cells = [strip_invisible(cell).strip() for cell in header]
    while cells and not cells[-1]:
        cells.pop()
    names = [cell if cell else f"column_{index}" for index, cell in enumerate(cells, start=1)]
    keep = list(range(len(names)))
    report = "source_row" in names  # a report of this tool, imported again
    if report:
        keep = [index for index in keep if names[index] not in ADDED_COLUMNS]
    seen: dict[str, int] = {}
    for index in keep:
        name = names[index]
        if name in seen:
            raise InputFileError(
                f"{path}: column '{name}' appears twice (columns {seen[name] + 1} and "
                f"{index + 1}); rename one of them so the mapping can tell them apart"
            )
        seen[name] = index
    where = "its first row" if first else f"row {row}"
    if not keep:
        raise EmptyFileError(f"{path} has no column names in {where}")
    values = [names[index] for index in keep if _LOOKS_LIKE_DATA.fullmatch(names[index])]
    if values:
        raise InputFileError(
            f"{path}: {'the first row' if first else f'row {row}'} holds values "
            f"({_shown(values)}), not column names; add a header row with a name for each "
            "column (phone, first_name, email, ...), or pass --header-row N"
        )
    return tuple(names[index] for index in keep), keep, len(names), report


def _numbered(header: _Header, path: Path) -> Iterator[tuple[int, Sequence[str]]]:
    """The rows below the header, each numbered by its ``source_row`` cell.

    The numbers must be whole numbers that rise from row to row, as the review page
    writes them: anything else is an error, since the reports would name wrong rows.
    """
    names = [strip_invisible(cell).strip() for cell in header.cells]
    if "source_row" not in names:
        raise InputFileError(f"{path} has no source_row column to number its rows by")
    at = names.index("source_row")
    last = 0
    for row, values in header.rest:
        cell = values[at].strip() if at < len(values) else ""
        if not cell and _is_blank(values):
            yield row, values
            continue
        if not cell.isdigit() or int(cell) <= last:
            raise InputFileError(
                f"{path}, row {row}: source_row is {cell!r}, not a row number above {last}; "
                "the rows must keep the source_row numbers they were written with"
            )
        last = int(cell)
        yield last, values


_DIGIT_OR_AT = re.compile(r"[\d@]")
#: Words of column names. A row below the header whose cells are mostly made of them
#: (``Mobile``, ``First Name``, ``E-mail address``) is another export's header.
_COLUMN_WORDS = frozenset({
    "phone", "mobile", "cell", "tel", "telephone", "email", "e-mail", "mail", "name", "first",
    "last", "surname", "given", "family", "full", "middle", "company", "city", "state", "zip",
    "postal", "code", "country", "address", "street", "title", "notes", "note", "source",
    "status", "owner", "website", "number", "no", "lead", "job", "work", "home", "fax",
    "region", "province", "county", "organization", "organisation", "account", "contact", "id",
    "date", "created", "industry",
})  # fmt: skip
_WORD_SPLIT = re.compile(r"[\s_./#]+")


def _is_column_name(cell: str) -> bool:
    """Whether a (folded) cell is made of column-name words only."""
    words = [word for word in _WORD_SPLIT.split(cell) if word]
    return bool(words) and all(word in _COLUMN_WORDS for word in words)


class _Repeats:
    """Finds rows that repeat the header below it, and reads the rows after one by it.

    Two exports pasted one under the other leave the second one's header among the
    rows. A row whose filled cells are the header's names is dropped (its row number
    goes to ``dropped``); when they come in another order, the rows after it are read
    in that order, until the next such row. A row that looks like a header of other
    columns stops the run: the rows under it cannot be read by the first header.
    """

    def __init__(self, names: Sequence[str], header_row: int, path: Path, dropped: list[int],
                 parts: Sequence[Sequence[str]] = ()) -> None:  # fmt: skip
        self.names = [name.strip().casefold() for name in names]
        #: The rows of a two-row header, as they would be pasted again below.
        self.parts = [[cell.strip().casefold() for cell in part if cell.strip()]
                      for part in parts]  # fmt: skip
        self.known = {name for name in self.names if name}
        self.header_row = header_row
        self.path = path
        self.dropped = dropped
        #: For each column of the header, where the rows give it now; None: in place.
        self.order: list[int] | None = None
        self.width = len(self.names)

    def is_header(self, row: int, cells: Sequence[str]) -> bool:
        """Whether a row without digits repeats the header (and then take its order)."""
        folded = [strip_invisible(cell).strip().casefold() for cell in cells]
        filled = [cell for cell in folded if cell]
        if not filled:
            return False
        if filled in self.parts:  # a two-row header pasted again, in the same order
            self.dropped.append(row)
            self.order = None
            return True
        matches = sum(cell in self.known for cell in filled)
        if matches * 2 <= len(filled) or (matches < 2 and len(self.known) > 1):
            named = sum(_is_column_name(cell) for cell in filled)
            # Another header fills most of the width with names; a lead without a
            # phone that holds a word or two such as "Home" does not.
            if named >= 2 and named * 2 > len(filled) and len(filled) * 2 > self.width:
                raise self._other_columns(row, filled)
            return False
        if sorted(filled) != sorted(self.known) or len(filled) != len(set(filled)):
            raise self._other_columns(row, filled)
        self.dropped.append(row)
        where = {cell: at for at, cell in enumerate(folded) if cell}
        order = [where.get(name, -1) for name in self.names]
        self.order = None if order == list(range(self.width)) else order
        return True

    def reorder(self, cells: list[str]) -> list[str]:
        """The cells of a row under a repeated header, in the first header's order."""
        assert self.order is not None
        size = len(cells)
        moved = [cells[at] if 0 <= at < size else "" for at in self.order]
        return moved + cells[max(self.order) + 1 :]

    def _other_columns(self, row: int, filled: list[str]) -> InputFileError:
        return InputFileError(
            f"{self.path}: row {row} looks like a header ({_shown(filled, 4)}) with other "
            f"columns than the header in row {self.header_row}, so the rows under it cannot "
            "be read by that header (two exports pasted one under the other?). Import each "
            "part as its own file, or make their columns the same"
        )


def _chunked(
    rows: Iterator[tuple[int, Sequence[str]]],
    columns: tuple[str, ...],
    keep: list[int],
    span: int,
    size: int,
    position: Callable[[], int],
    *,
    report: bool = False,
    repeats: _Repeats | None = None,
) -> Iterator[Chunk]:
    all_kept = keep == list(range(span))
    while True:
        data: list[list[str]] = []
        index: list[int] = []
        extras: dict[int, list[str]] = {}
        blank = 0
        dropped = 0  # repeated headers
        # Rows that may hold an invisible character (all of them are outside ASCII, and
        # str.isascii costs nothing) or, in a report, a formula mark.
        odd: list[int] = []
        odd_text: list[str] = []
        for row, values in itertools.islice(rows, size):
            cells = values if type(values) is list else list(values)
            joined = "".join(cells)
            if not joined.strip():
                blank += 1
                continue
            if repeats is not None:
                # A header has no digit and no @; nearly every row of leads has a phone.
                if _DIGIT_OR_AT.search(joined) is None and repeats.is_header(row, cells):
                    dropped += 1
                    continue
                if repeats.order is not None:
                    cells = repeats.reorder(cells)
                    joined = "".join(cells)
            width = len(cells)
            if width != span:
                if width > span:
                    extra = cells[span:]
                    if "".join(extra).strip():
                        extras[row] = extra
                    del cells[span:]
                else:
                    cells.extend([""] * (span - width))
            if not joined.isascii() or (report and "'" in joined):
                odd.append(len(data))
                odd_text.append(joined)
            data.append(cells if all_kept else [cells[i] for i in keep])
            index.append(row)
        if not data and not blank:
            if dropped:
                continue  # a block of repeated headers only: the rows go on after it
            return
        # One search for the whole chunk; the rows are looked at one by one only after.
        if (odd and (report or HAS_INVISIBLE.search("".join(odd_text)))) or extras:
            blank += _clean_cells(data, index, extras, odd, report)
        yield Chunk(columns, data, index, extras, blank, position())


def _clean_cells(
    data: list[list[str]], index: list[int], extras: dict[int, list[str]], odd: list[int],
    report: bool,
) -> int:  # fmt: skip
    """Strip invisible characters (and, in a report, formula marks) from rows, in place.

    ``odd`` names the rows to look at. Returns the number of rows that were left
    blank, which are removed.
    """
    blank_rows = []
    for at in odd:
        cells = data[at]
        joined = "\x00" + "\x00".join(cells)
        if HAS_INVISIBLE.search(joined):
            cells[:] = [strip_invisible(cell) for cell in cells]
            if not "".join(cells).strip():
                blank_rows.append(at)
                continue
        if report and _FORMULA_MARK.search(joined):
            cells[:] = [restore(cell) for cell in cells]
    for row, extra in extras.items():
        extras[row] = [strip_invisible(cell) for cell in extra]
    for at in reversed(blank_rows):
        extras.pop(index[at], None)
        del data[at]
        del index[at]
    return len(blank_rows)


def _require_data(chunks: Iterator[Chunk], path: Path) -> Iterator[Chunk]:
    """Fail before any work is done when the file has a header but no data rows."""
    pending: list[Chunk] = []
    for chunk in chunks:
        pending.append(chunk)
        if len(chunk):
            break
    if not any(len(chunk) for chunk in pending):
        raise EmptyFileError(f"{path} has a header row but no data rows; export the leads again")

    def replay() -> Iterator[Chunk]:
        yield from pending
        yield from chunks

    return replay()


def read_all(path: Path, options: ReadOptions | None = None) -> pd.DataFrame:
    """Read the whole file into one DataFrame (for small files and tests)."""
    with open_source(path, options) as source:
        frames = [chunk.frame for chunk in source.chunks()]
    return pd.concat(frames) if frames else pd.DataFrame()
