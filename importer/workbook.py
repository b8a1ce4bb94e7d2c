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
written (the run says so); the CSVs always are. Written with XlsxWriter in its
constant-memory mode, one row at a time.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.exceptions import XlsxWriterException

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
    try:
        book = xlsxwriter.Workbook(str(path), _OPTIONS)
        styles = _Styles(book)
        summary_sheet = book.add_worksheet("Summary")
        for outcome in OUTCOMES:
            report = out_dir / f"{outcome}.csv"
            if report.exists():
                limit = ACCEPTED_SHEET_ROWS if outcome == "accepted" else None
                _report_sheet(
                    book, styles, outcome, report, source_columns, field_columns, limit,
                    int(summary.get(outcome, 0)),
                )  # fmt: skip
        _summary_sheet(book, summary_sheet, styles, summary)
        book.close()
    except (OSError, XlsxWriterException) as exc:
        raise ReportError(f"cannot write {path} ({exc}); the CSV reports are complete") from exc
    return path


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
    limit: int | None = None,
    total: int = 0,
) -> None:
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
    count = 0
    for count, cells in enumerate(rows, start=1):
        if limit is not None and count > limit:
            count -= 1
            sheet.write_string(
                count + 1, 0,
                f"{total - count:,} more {_SHEETS[outcome].lower()} rows are not shown here: "
                f"{outcome}.csv has all {total:,}", styles.bold,
            )  # fmt: skip
            break
        for column, cell in enumerate(cells):
            text = restore(cell) if column < width else cell
            sheet.write_string(count, column, _fit(text))
        if error_at is not None and codes_at is not None and len(cells) > codes_at:
            sheet.write_string(count, error_at, _fit(cells[error_at]), styles.error)
            for code in cells[codes_at].split():
                for column in columns_of_field.get(CODE_FIELDS.get(code, ""), []):
                    sheet.write_string(count, column, _fit(restore(cells[column])), styles.bad_cell)
    sheet.autofilter(0, 0, max(count, 1), max(len(header) - 1, 0))


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
