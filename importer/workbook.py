"""The Excel report: ``report.xlsx`` beside the CSV reports, for people who live in spreadsheets.

One workbook per run, written from the finished CSV reports:

- **Summary**: file, mapping, campaign, credits, the outcome counts with a bar
  chart, the most frequent rejection reasons with what they mean, and the run's
  notices;
- **Accepted**, **Rejected**, **Duplicates** (and **Pending** when rows could not
  be sent): the report's columns, the user's own first; the header frozen, a
  filter on every column. On the Rejected sheet the ``error`` column is
  highlighted, and where a problem is about one field (the phone, the e-mail,
  ...) the cell it came from is marked.

Every cell is written as text, so nothing the user's file holds can become a
formula; the ``'`` that the CSVs put before such cells is taken off here.

The rows a person has to act on (rejected, duplicates, suppressed, pending) are
all there. Accepted rows need nothing more, so the Accepted sheet holds the first
:data:`ACCEPTED_SHEET_ROWS` of them and then a line saying how many more
accepted.csv has: a run of a million leads gets its workbook in seconds rather
than minutes, and it opens at once.

Excel shows at most 1,048,576 rows a sheet: when one of the sheets that hold every
row would need more than :data:`MAX_WORKBOOK_ROWS` data rows, the workbook is not
written (the run says so); the CSVs always are.

XlsxWriter builds the workbook (styles, the Summary sheet and its chart, each sheet's
header, column widths, frozen pane and filter); the report rows are written as sheet
XML here and put into its file, with the styles XlsxWriter registered for them and
the same escaping it does. Its per-cell work took about 300 µs a row: most of a big
run's time.
"""

from __future__ import annotations

import csv
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.exceptions import XlsxWriterException
from xlsxwriter.utility import xl_col_to_name

from .cells import restore
from .errors import ReportError
from .issues import CODE_FIELDS, REJECTION_CODES
from .reader import FIELD_SIZE_LIMIT
from .reports import OUTCOMES

__all__ = [
    "ACCEPTED_SHEET_ROWS",
    "MAX_CELL_CHARS",
    "MAX_WORKBOOK_ROWS",
    "TOP_REASONS",
    "WORKBOOK_FILE",
    "source_lines",
    "write_workbook",
]

WORKBOOK_FILE = "report.xlsx"
#: Runs with more rows than this in a sheet that holds every row get no workbook.
MAX_WORKBOOK_ROWS = 1_000_000
#: The accepted rows the Accepted sheet shows; accepted.csv has every one.
ACCEPTED_SHEET_ROWS = 10_000
#: Rejection reasons listed on the Summary sheet.
TOP_REASONS = 10
_SHEETS = {"accepted": "Accepted", "rejected": "Rejected", "duplicates": "Duplicates",
           "suppressed": "Suppressed", "pending": "Pending"}  # fmt: skip
_OPTIONS = {
    "constant_memory": True,
    # Text stays text: no formulas, links or numbers made from it.
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
}


def _rows(path: Path) -> Iterator[list[str]]:
    # A report cell is a source cell, maybe with a ' before it, or a message quoting at
    # most 60 characters of some: within the limit the reader holds.
    with FIELD_SIZE_LIMIT.held(), path.open(encoding="utf-8-sig", newline="") as handle:
        yield from csv.reader(handle)


def write_workbook(
    out_dir: Path,
    summary: Mapping[str, Any],
    source_columns: Sequence[str],
    field_columns: Mapping[str, Sequence[str]],
) -> Path:
    """Write report.xlsx from the CSV reports in ``out_dir``; return its path.

    ``field_columns`` names, for each lead field, the source columns it is read from,
    so that the cells behind a rejection can be marked.
    """
    path = out_dir / WORKBOOK_FILE
    partial = out_dir / f".{WORKBOOK_FILE}.partial"
    try:
        with tempfile.TemporaryDirectory(dir=out_dir, prefix=".workbook-") as scratch:
            book = xlsxwriter.Workbook(str(partial), _OPTIONS)
            styles = _Styles(book)
            summary_sheet = book.add_worksheet("Summary")
            bodies: dict[str, _Body] = {}
            for outcome in OUTCOMES:
                report = out_dir / f"{outcome}.csv"
                if report.exists():
                    limit = ACCEPTED_SHEET_ROWS if outcome == "accepted" else None
                    sheet_file = f"xl/worksheets/sheet{len(bodies) + 2}.xml"
                    bodies[sheet_file] = _report_sheet(
                        book, styles, outcome, report, source_columns, field_columns, limit,
                        int(summary.get(outcome, 0)), Path(scratch) / f"{outcome}.xml",
                    )  # fmt: skip
            _summary_sheet(book, summary_sheet, styles, summary)
            book.close()
            _with_bodies(partial, path, bodies)
    except (OSError, XlsxWriterException) as exc:
        raise ReportError(f"cannot write {path} ({exc}); the CSV reports are complete") from exc
    finally:
        partial.unlink(missing_ok=True)
    return path


@dataclass(frozen=True)
class _Body:
    """A report sheet's data rows, written apart as sheet XML: the file and its last cell."""

    rows: Path
    last_cell: str


def _with_bodies(built: Path, path: Path, bodies: Mapping[str, _Body]) -> None:
    """Copy the workbook XlsxWriter built to ``path``, each report sheet's rows put in."""
    with (
        zipfile.ZipFile(built) as source,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=_COMPRESS_LEVEL) as target,
    ):
        for item in source.infolist():
            data = source.read(item)
            body = bodies.get(item.filename)
            if body is None:
                target.writestr(item, data)
                continue
            text = data.decode("utf-8").replace("<sheetData/>", "<sheetData></sheetData>")
            head, tail = text.split("</sheetData>", 1)
            head = _DIMENSION.sub(f'<dimension ref="A1:{body.last_cell}"/>', head, count=1)
            with target.open(item.filename, "w", force_zip64=True) as out:
                out.write(head.encode())
                with body.rows.open("rb") as rows:
                    shutil.copyfileobj(rows, out, 1 << 20)
                out.write(("</sheetData>" + tail).encode())


class _Styles:
    def __init__(self, book: Any) -> None:
        self.title = book.add_format({"bold": True, "font_size": 14})
        self.bold = book.add_format({"bold": True})
        self.header = book.add_format({"bold": True, "bg_color": "#DDE4EE", "border": 1})
        self.error_header = book.add_format({"bold": True, "bg_color": "#F4B6B6", "border": 1})
        self.error = book.add_format({"bg_color": "#FCE4E4", "font_color": "#9C0006"})
        self.bad_cell = book.add_format({"bg_color": "#FFC7CE", "font_color": "#9C0006",
                                         "bold": True})  # fmt: skip
        self.text = book.add_format({"num_format": "@"})
        self.number = book.add_format({"num_format": "#,##0"})
        self.wrap = book.add_format({"text_wrap": True, "valign": "top"})


def _report_sheet(
    book: Any,
    styles: _Styles,
    outcome: str,
    report: Path,
    source_columns: Sequence[str],
    field_columns: Mapping[str, Sequence[str]],
    limit: int | None,
    total: int,
    body: Path,
) -> _Body:
    """Add a report's sheet: its header and settings here, its rows as XML in ``body``."""
    sheet = book.add_worksheet(_SHEETS[outcome])
    rows = _rows(report)
    header = next(rows, [])
    width = len(source_columns)
    error_at = header.index("error") if outcome == "rejected" and "error" in header else None
    codes_at = header.index("error_codes") if error_at is not None else None
    at = {name: i for i, name in enumerate(header[:width])}
    columns_of_field = {
        key: [at[name] for name in names if name in at] for key, names in field_columns.items()
    }
    for column, name in enumerate(header):
        wide = 60 if column == error_at else min(40, max(10, len(name) + 2))
        sheet.set_column(column, column, wide, styles.text)
    sheet.freeze_panes(1, 0)
    sheet.set_landscape()
    sheet.repeat_rows(0)
    sheet.fit_to_pages(1, 0)
    for column, name in enumerate(header):
        style = styles.error_header if column == error_at else styles.header
        sheet.write_string(0, column, name, style)
    # The data rows are written here, as the sheet XML XlsxWriter writes, but a few
    # times faster: its per-cell work was most of a big run's time. The cells take the
    # styles XlsxWriter gives them (the column's text format, or a marked cell's),
    # registered with it so that styles.xml holds them.
    text_xf, error_xf, bad_xf, bold_xf = (
        style._get_xf_index() for style in (styles.text, styles.error, styles.bad_cell, styles.bold)
    )
    refs = [xl_col_to_name(column) for column in range(max(len(header), 1))]
    count = widest = 0
    last_row = 1
    with body.open("w", encoding="utf-8", newline="") as out:
        for count, cells in enumerate(rows, start=1):
            line = count + 1
            if limit is not None and count > limit:
                count -= 1
                note = (f"{total - count:,} more {_SHEETS[outcome].lower()} rows are not shown "
                        f"here: {outcome}.csv has all {total:,}")  # fmt: skip
                out.write(f'<row r="{line}">{_cell("A", line, note, bold_xf)}</row>')
                last_row = line
                break
            marked: dict[int, int] = {}
            if error_at is not None and codes_at is not None and len(cells) > codes_at:
                marked[error_at] = error_xf
                for code in cells[codes_at].split():
                    for column in columns_of_field.get(CODE_FIELDS.get(code, ""), []):
                        marked[column] = bad_xf
            parts = [f'<row r="{line}">']
            for column, cell in enumerate(cells):
                text = restore(cell) if column < width else cell
                if text:
                    parts.append(_cell(refs[column], line, _fit(text),
                                       marked.get(column, text_xf)))  # fmt: skip
                elif column in marked:  # an empty cell behind a rejection is marked too
                    parts.append(f'<c r="{refs[column]}{line}" s="{marked[column]}"/>')
            parts.append("</row>")
            out.write("".join(parts))
            widest = max(widest, len(cells))
            last_row = line
    sheet.autofilter(0, 0, max(count, 1), max(len(header) - 1, 0))
    columns = max(len(header), widest, 1)
    return _Body(body, f"{xl_col_to_name(columns - 1)}{last_row}")


_DIMENSION = re.compile(r'<dimension ref="[^"]*"/>')
#: Deflate level of report.xlsx: the rows' XML is large and repetitive; level 1 packs
#: it nearly as well as the default, several times faster.
_COMPRESS_LEVEL = 1
_NEEDS_ESCAPE = re.compile(r"[&<>\x00-\x08\x0b-\x1f\ufffe\uffff]|_x[0-9a-fA-F]{4}_")
_CONTROL = re.compile(r"([\x00-\x08\x0b-\x1f])")
_LITERAL_ESCAPE = re.compile(r"(_x[0-9a-fA-F]{4}_)")


def _cell(column: str, row: int, text: str, style: int) -> str:
    """One text cell's XML, escaped as XlsxWriter escapes it."""
    if _NEEDS_ESCAPE.search(text):
        text = _LITERAL_ESCAPE.sub(r"_x005F\1", text)
        text = _CONTROL.sub(lambda found: f"_x{ord(found[1]):04X}_", text)
        text = text.replace("\ufffe", "_xFFFE_").replace("\uffff", "_xFFFF_")
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    space = ' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace() else ""
    return (f'<c r="{column}{row}" s="{style}" t="inlineStr"><is><t{space}>{text}</t></is>'
            "</c>")  # fmt: skip


#: The most characters a spreadsheet cell holds (Excel's limit).
MAX_CELL_CHARS = 32_767


def _fit(text: str) -> str:
    """A cell's text cut to what a spreadsheet cell holds (the CSV has all of it)."""
    if len(text) <= MAX_CELL_CHARS:
        return text
    return text[: MAX_CELL_CHARS - 40] + " [... cut: the CSV report has all of it]"


def source_lines(source: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Say which sheet and header row a run read, as (label, text), when that is news."""
    lines = []
    sheets = source.get("sheets") or []
    if sheets:
        others = [
            f"{sheet['name']} ({'hidden, ' if sheet.get('hidden') else ''}{_count(sheet['rows'])})"
            for sheet in sheets
            if sheet["name"] != source.get("sheet")
        ]
        text = str(source.get("sheet"))
        if others:
            text += f"; other sheets (--sheet to read one): {', '.join(others)}"
        lines.append(("Sheet", text))
    skipped = list(source.get("skipped_rows") or [])
    if skipped or source.get("header_detected"):
        text = f"row {source.get('header_row')}"
        if skipped:
            text += f" ({_row_ranges(skipped)} above it skipped; --header-row N picks another)"
        lines.append(("Header", text))
    repeated = list(source.get("repeated_headers") or [])
    if repeated:
        lines.append(("Header repeated", f"{_row_ranges(repeated)}: dropped, not leads"))
    return lines


def _count(rows: int) -> str:
    return f"{rows:,} row" if rows == 1 else f"{rows:,} rows"


def _row_ranges(rows: Sequence[int]) -> str:
    """Row numbers as spans: 'row 1', 'rows 1-2', 'rows 1-3, 5'."""
    spans: list[list[int]] = []
    for row in sorted(rows):
        if spans and row == spans[-1][1] + 1:
            spans[-1][1] = row
        else:
            spans.append([row, row])
    text = ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in spans)
    return f"{'row' if len(rows) == 1 else 'rows'} {text}"


def _summary_sheet(book: Any, sheet: Any, styles: _Styles, summary: Mapping[str, Any]) -> None:
    sheet.set_column(0, 0, 24)
    sheet.set_column(1, 1, 12)
    sheet.set_column(2, 2, 64)
    sheet.set_landscape()
    sheet.fit_to_pages(1, 1)
    sheet.write_string(0, 0, "whiteclad-import report", styles.title)
    campaign = summary.get("campaign") or {}
    source = summary.get("source") or {}
    facts = [
        ("File", str(source.get("path", ""))),
        *source_lines(source),
        ("Mapping", str((summary.get("mapping") or {}).get("name", ""))),
        ("Campaign", f"{campaign.get('name', '')} ({campaign.get('id', '')})" if campaign
         else "none: dry run, nothing was sent" if summary.get("dry_run") else ""),
        ("Finished", str(summary.get("finished_at", ""))),
    ]  # fmt: skip
    row = 2
    for label, value in facts:
        sheet.write_string(row, 0, label, styles.bold)
        sheet.write_string(row, 1, value)
        row += 1
    row += 1
    sheet.write_string(row, 0, "Outcome", styles.header)
    sheet.write_string(row, 1, "Rows", styles.header)
    first = row + 1
    for label, key in (("Accepted", "accepted"), ("Rejected", "rejected"),
                       ("Duplicates", "duplicates"), ("Suppressed", "suppressed"),
                       ("Pending", "pending")):  # fmt: skip
        row += 1
        sheet.write_string(row, 0, label)
        sheet.write_number(row, 1, int(summary.get(key, 0)), styles.number)
    last = row
    row += 1
    sheet.write_string(row, 0, "Total", styles.bold)
    sheet.write_number(row, 1, int(summary.get("total", 0)), styles.number)
    accepted = int(summary.get("accepted", 0))
    if accepted > ACCEPTED_SHEET_ROWS:
        row += 1
        sheet.write_string(
            row, 0, f"The Accepted sheet shows the first {ACCEPTED_SHEET_ROWS:,} accepted rows; "
            f"accepted.csv has all {accepted:,}.",
        )  # fmt: skip
    skipped = int((summary.get("suppression") or {}).get("lines_skipped", 0))
    if skipped:
        row += 1
        sheet.write_string(row, 0, "Do-not-call lines skipped", styles.bold)
        sheet.write_number(row, 1, skipped, styles.number)
        sheet.write_string(
            row, 2, "lines of the do-not-call lists that could not be read: numbers on them "
            "were not checked (--suppress-skip-bad-lines)",
        )  # fmt: skip
    row += 2
    zones = summary.get("time_zone_sources") or {}
    if zones:
        sheet.write_string(row, 0, "Time zone from", styles.header)
        sheet.write_string(row, 1, "Leads", styles.header)
        for label, key in (("the file", "file"), ("the postal code", "postal_code"),
                           ("the phone number", "phone"), ("none", "none")):  # fmt: skip
            row += 1
            sheet.write_string(row, 0, label)
            sheet.write_number(row, 1, int(zones.get(key, 0)), styles.number)
        row += 2
    for label, amount in (("Credits deducted", summary.get("credits_deducted")),
                          ("Credit balance", summary.get("credits_balance"))):  # fmt: skip
        sheet.write_string(row, 0, label, styles.bold)
        if isinstance(amount, (int, float)):
            sheet.write_number(row, 1, amount)
        else:
            sheet.write_string(row, 1, "unknown" if amount is None else str(amount))
        row += 1
    chart = book.add_chart({"type": "bar"})
    chart.add_series({
        "name": "Rows",
        "categories": ["Summary", first, 0, last, 0],
        "values": ["Summary", first, 1, last, 1],
        "points": [{"fill": {"color": color}}
                   for color in ("#4E9A06", "#CC0000", "#C4A000", "#75507B", "#3465A4")],
        "data_labels": {"value": True},
    })  # fmt: skip
    chart.set_title({"name": "Outcome of every row"})
    chart.set_legend({"none": True})
    chart.set_y_axis({"reverse": True})
    sheet.insert_chart(2, 3, chart, {"x_scale": 0.9, "y_scale": 0.8})
    reasons = list((summary.get("rejection_reasons") or {}).items())[:TOP_REASONS]
    row += 1
    sheet.write_string(row, 0, "Top rejection reasons", styles.header)
    sheet.write_string(row, 1, "Rows", styles.header)
    sheet.write_string(row, 2, "Meaning", styles.header)
    if not reasons:
        row += 1
        sheet.write_string(row, 0, "none")
    for code, rows in reasons:
        row += 1
        sheet.write_string(row, 0, code)
        sheet.write_number(row, 1, int(rows), styles.number)
        sheet.write_string(row, 2, REJECTION_CODES.get(code, "").replace("`", ""))
    notices = summary.get("notices") or []
    if notices:
        row += 2
        sheet.write_string(row, 0, "Notices", styles.header)
        for notice in notices:
            row += 1
            sheet.write_string(row, 0, _fit(str(notice)))
    sheet.activate()
