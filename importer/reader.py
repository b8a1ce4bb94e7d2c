"""Read lead spreadsheets (CSV/TSV in any common encoding, XLSX/XLSM/XLS/ODS) in chunks.

Everything is read as text: nothing is type-guessed, so leading zeros survive, and
number cells of a workbook come back as the digits the user typed (``14155551234``,
never ``14155551234.0``). Each row keeps its row number as a spreadsheet shows it
(the header is usually row 1, the first data row row 2); that number is the index
of every chunk, named ``source_row``.

Decisions worth knowing:

- The header is the first row that is not blank. Blank rows are skipped and counted
  (:attr:`Chunk.blank_rows`); they are not data rows.
- A header cell left empty in the middle is named ``column_N`` (N counts from 1);
  empty header cells at the end are dropped. Two columns with the same name are an
  error, since a mapping could not tell them apart.
- A row with more values than the header has columns keeps the extra values in
  :attr:`Chunk.extra_values`, so the validation stage can reject it with a reason;
  extra values that are all empty (trailing delimiters) are ignored. A row with
  fewer values is padded with empty cells.
- A report written by this tool can be read back: when the header has a
  ``source_row`` column, the columns the tool adds (:data:`ADDED_COLUMNS`) are ignored.
- Encoding detection: a byte-order mark wins (UTF-8, UTF-16 LE/BE); UTF-16 without
  a BOM is recognised by its zero bytes; a file that is valid UTF-8 throughout is
  UTF-8; otherwise cp1252 (Excel's "Save as CSV" in Western locales), or latin-1 for
  bytes cp1252 leaves undefined. A file that mixes UTF-8 with another encoding is an
  error, because either reading would garble some names.
"""

from __future__ import annotations

import codecs
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

from .errors import EmptyFileError, EncodingError, InputFileError, UnsupportedFileError

#: Columns the tool adds to its reports; ignored when a report is imported again.
ADDED_COLUMNS = (
    "source_row",
    "phone_e164",
    "warnings",
    "error",
    "error_codes",
    "duplicate_of",
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


@dataclass(frozen=True)
class ReadOptions:
    """How to read the input file; ``None`` means detect it."""

    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    chunk_rows: int = DEFAULT_CHUNK_ROWS
    #: Files larger than this are refused before anything is read.
    max_file_size: int = DEFAULT_MAX_FILE_SIZE


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
            return bom, digest.hexdigest()
        decoder = codecs.getincrementaldecoder("utf-8")()
        utf8_ok = True
        saw_non_ascii = False
        needs_latin1 = False
        block = first
        while block:
            if utf8_ok:
                try:
                    decoder.decode(block)
                    saw_non_ascii = saw_non_ascii or not block.isascii()
                except UnicodeDecodeError as exc:
                    utf8_ok = False
                    if saw_non_ascii or _UTF8_SEQUENCE.search(block[: exc.start]):
                        raise _mixed(path) from exc
            if not utf8_ok:
                if _UTF8_SEQUENCE.search(block):
                    raise _mixed(path)
                needs_latin1 = needs_latin1 or any(b in block for b in b"\x81\x8d\x8f\x90\x9d")
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
            return "utf-8", digest.hexdigest()
        return ("latin-1" if needs_latin1 else "cp1252"), digest.hexdigest()


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
    """Guess the delimiter among , ; tab | from the first lines of a file."""
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
        if not rows or len(rows[0]) < 2:
            continue
        width = len(rows[0])
        consistent = sum(1 for row in rows if len(row) == width) / len(rows)
        score = (consistent, width)
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
    else:
        encoding, sha = detect_encoding(path)
    handle = path.open("r", encoding=encoding, newline="")
    try:
        return _text_source(path, options, size, handle, encoding, delimiter, sha)
    except BaseException:
        handle.close()
        raise


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
) -> SourceFile:
    try:
        sample = handle.read(_SNIFF_CHARS)
        handle.seek(0)
    except UnicodeDecodeError as exc:
        raise _decode_error(path, encoding, exc) from exc
    delimiter = delimiter or sniff_delimiter(sample)
    # The limit is the csv module's, for the whole process: set it for every file read.
    csv.field_size_limit(MAX_FIELD_CHARS)
    reader = csv.reader(handle, delimiter=delimiter)
    rows = _guard_text_rows(reader, path, encoding)
    header_row, header = _first_non_blank(
        rows, f"{path} has no rows (only blank lines); export the leads again"
    )
    columns, keep, width = _clean_header(header, path)
    info = SourceInfo(
        path=path,
        format="csv",
        columns=columns,
        header_row=header_row,
        size_bytes=size,
        sha256=sha,
        encoding=encoding,
        delimiter=delimiter,
        progress_total=size,
        progress_unit="B",
    )

    def position() -> int:
        try:
            return min(int(handle.buffer.tell()), size)  # type: ignore[attr-defined]
        except (OSError, ValueError):
            return 0

    chunks = _chunked(rows, columns, keep, width, options.chunk_rows, position)
    return SourceFile(info, _require_data(chunks, path), handle)


def _decode_error(path: Path, encoding: str, exc: UnicodeDecodeError) -> EncodingError:
    return EncodingError(
        f"{path} is not valid {encoding} text; pass --encoding with the file's encoding "
        "(e.g. --encoding cp1252), or save it again as 'CSV UTF-8'"
    )


def _guard_text_rows(reader: Any, path: Path, encoding: str) -> Iterator[tuple[int, Sequence[str]]]:
    """Number the rows, turning csv and decoding failures into InputFileError."""
    try:
        yield from enumerate(reader, start=1)
    except UnicodeDecodeError as exc:
        raise EncodingError(
            f"{path}: the text near line {reader.line_num + 1} is not valid {encoding}; pass "
            "--encoding with the file's encoding, or save it again as 'CSV UTF-8'"
        ) from exc
    except csv.Error as exc:
        raise InputFileError(
            f"{path}: line {reader.line_num} cannot be read as CSV ({exc}); is this a CSV file?"
        ) from exc


def _first_non_blank(
    rows: Iterator[tuple[int, Sequence[str]]], empty_message: str
) -> tuple[int, Sequence[str]]:
    for row, values in rows:
        if not _is_blank(values):
            return row, values
    raise EmptyFileError(empty_message)


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
        names = list(workbook.sheet_names)
        name = _pick_sheet(path, names, options.sheet)
        sheet = workbook.get_sheet_by_name(name)
        rows_iter = sheet.iter_rows()
        height = int(sheet.total_height)
    except python_calamine.CalamineError as exc:
        raise _damaged_workbook(path, exc) from exc
    numbered = ((index, [_cell_text(cell) for cell in values]) for index, values in
                enumerate(rows_iter, start=1))  # fmt: skip
    rows = _guard_workbook_rows(numbered, path)
    header_row, header = _first_non_blank(
        rows, f"{path}: sheet '{name}' is empty; pick another with --sheet"
    )
    columns, keep, width = _clean_header(header, path)
    info = SourceInfo(
        path=path,
        format=path.suffix.lower().lstrip(".") or "xlsx",
        columns=columns,
        header_row=header_row,
        size_bytes=size,
        sha256=file_sha256(path),
        sheet=name,
        progress_total=height,
        progress_unit="rows",
    )
    position = {"row": header_row}

    def counted() -> Iterator[tuple[int, Sequence[str]]]:
        for row, values in rows:
            position["row"] = row
            yield row, values

    chunks = _chunked(counted(), columns, keep, width, options.chunk_rows, lambda: position["row"])
    return SourceFile(info, _require_data(chunks, path), workbook)


def _guard_workbook_rows(
    numbered: Iterator[tuple[int, list[str]]], path: Path
) -> Iterator[tuple[int, list[str]]]:
    import python_calamine

    try:
        yield from numbered
    except python_calamine.CalamineError as exc:
        raise UnsupportedFileError(f"{path}: the workbook is damaged ({exc})") from exc


def _pick_sheet(path: Path, names: list[str], wanted: str | None) -> str:
    if not names:
        raise EmptyFileError(f"{path} has no sheets")
    if wanted is None:
        return names[0]
    if wanted in names:
        return wanted
    folded = [name for name in names if name.casefold() == wanted.strip().casefold()]
    if len(folded) == 1:
        return folded[0]
    if wanted.strip().isdecimal() and 1 <= int(wanted) <= len(names):
        return names[int(wanted) - 1]
    listed = ", ".join(f"'{name}'" for name in names)
    raise InputFileError(
        f"{path} has no sheet '{wanted}'; its sheets are {listed} "
        "(--sheet takes a name or a position counted from 1)"
    )


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


def _clean_header(header: Sequence[str], path: Path) -> tuple[tuple[str, ...], list[int], int]:
    """Name the columns; return (names kept, their positions, the header's width)."""
    cells = [cell.strip().lstrip("\ufeff") for cell in header]
    while cells and not cells[-1]:
        cells.pop()
    names = [cell if cell else f"column_{index}" for index, cell in enumerate(cells, start=1)]
    keep = list(range(len(names)))
    if "source_row" in names:  # a report of this tool, imported again
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
    if not keep:
        raise EmptyFileError(f"{path} has no column names in its first row")
    values = [names[index] for index in keep if _LOOKS_LIKE_DATA.fullmatch(names[index])]
    if values:
        shown = ", ".join(f"'{value}'" for value in values[:3])
        raise InputFileError(
            f"{path}: the first row holds values ({shown}), not column names; add a header "
            "row with a name for each column (phone, first_name, email, ...)"
        )
    return tuple(names[index] for index in keep), keep, len(names)


def _chunked(
    rows: Iterator[tuple[int, Sequence[str]]],
    columns: tuple[str, ...],
    keep: list[int],
    span: int,
    size: int,
    position: Callable[[], int],
) -> Iterator[Chunk]:
    all_kept = keep == list(range(span))
    while True:
        data: list[list[str]] = []
        index: list[int] = []
        extras: dict[int, list[str]] = {}
        blank = 0
        for row, values in itertools.islice(rows, size):
            cells = values if type(values) is list else list(values)
            width = len(cells)
            if width != span:
                if not "".join(cells).strip():
                    blank += 1
                    continue
                if width > span:
                    extra = cells[span:]
                    if "".join(extra).strip():
                        extras[row] = extra
                    del cells[span:]
                else:
                    cells.extend([""] * (span - width))
            elif not "".join(cells).strip():
                blank += 1
                continue
            data.append(cells if all_kept else [cells[i] for i in keep])
            index.append(row)
        if not data and not blank:
            return
        yield Chunk(columns, data, index, extras, blank, position())


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
