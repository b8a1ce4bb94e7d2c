from __future__ import annotations

import json
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest

from importer import pipeline, workbook
from importer.cells import neutralize, restore
from importer.pipeline import ImportOptions, run_import
from importer.reader import ReadOptions
from importer.sandbox import SandboxConfig, SandboxServer
from importer.status import ExitStatus
from importer.workbook import WORKBOOK_FILE

from .helpers import (
    SAMPLES,
    SPRING,
    CliResult,
    UseServer,
    assert_every_row_once,
    read_report,
    read_summary,
    us_numbers,
    write_csv,
)

HOSTILE = [
    '=HYPERLINK("http://example.com","x")',
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)",
    "-2+3",
    "\tindented",
    "\rreturn",
]


def _run(path: Path, out: Path, **options: object) -> pipeline.Summary:
    return run_import(ImportOptions(path=path, mapping="generic", region="US", out_dir=out,
                                    dry_run=True, **options))  # type: ignore[arg-type]  # fmt: skip


def test_workbook_has_a_summary_and_one_sheet_per_report(tmp_path: Path) -> None:
    out = tmp_path / "out"
    summary = _run(SAMPLES / "generic_leads.csv", out)
    assert summary.reports["workbook"] == str(out / WORKBOOK_FILE)
    assert read_summary(out)["reports"]["workbook"] == str(out / WORKBOOK_FILE)
    book = openpyxl.load_workbook(out / WORKBOOK_FILE)
    assert book.sheetnames == ["Summary", "Accepted", "Rejected", "Duplicates"]
    facts = {row[0]: row[1] for row in book["Summary"].iter_rows(values_only=True) if row[0]}
    assert (facts["Accepted"], facts["Rejected"], facts["Duplicates"], facts["Total"]) == (
        summary.accepted, summary.rejected, summary.duplicates, summary.total,
    )  # fmt: skip
    assert facts["email_invalid"] == summary.rejection_reasons["email_invalid"]
    with zipfile.ZipFile(out / WORKBOOK_FILE) as archive:
        chart = archive.read("xl/charts/chart1.xml").decode()
    assert "<c:barChart>" in chart and "Summary!$A$" in chart
    # Each sheet holds exactly the rows of its CSV, in order, with the same cells.
    for sheet, report in (("Accepted", "accepted"), ("Rejected", "rejected"),
                          ("Duplicates", "duplicates")):  # fmt: skip
        ws = book[sheet]
        assert ws.freeze_panes == "A2"
        assert ws.auto_filter.ref is not None and ws.auto_filter.ref.startswith("A1:")
        rows = list(ws.iter_rows(values_only=True))
        csv_rows = read_report(out / f"{report}.csv")
        assert list(rows[0]) == list(csv_rows[0])
        assert [[cell or "" for cell in row] for row in rows[1:]] == [
            [restore(value) for value in row.values()] for row in csv_rows
        ]


def test_rejected_sheet_marks_the_error_column_and_the_offending_cells(tmp_path: Path) -> None:
    out = tmp_path / "out"
    _run(SAMPLES / "generic_leads.csv", out)
    ws = openpyxl.load_workbook(out / WORKBOOK_FILE)["Rejected"]
    header = [cell.value for cell in ws[1]]
    error_at, codes_at = header.index("error"), header.index("error_codes")
    phone_at, email_at = header.index("phone"), header.index("email")
    assert ws.cell(1, error_at + 1).fill.fgColor.rgb.endswith("F4B6B6")
    marked_phone = marked_email = 0
    for row in ws.iter_rows(min_row=2):
        codes = (row[codes_at].value or "").split()
        assert row[error_at].fill.fgColor.rgb.endswith("FCE4E4")
        phone_marked = row[phone_at].fill.fgColor.rgb.endswith("FFC7CE")
        email_marked = row[email_at].fill.fgColor.rgb.endswith("FFC7CE")
        assert phone_marked == any(code.startswith("phone_") for code in codes)
        assert email_marked == ("email_invalid" in codes)
        marked_phone += phone_marked
        marked_email += email_marked
    assert marked_phone >= 5 and marked_email == 4


def test_cells_that_would_be_formulas_are_text_everywhere(tmp_path: Path) -> None:
    rows = [["phone", "first_name", "notes"]]
    rows += [[f"+1415555{i:04d}", cell, cell] for i, cell in enumerate(HOSTILE, start=100)]
    rows += [["+14155550199", "=1+1", "bad email"], ["-", "x", "y"]]
    source = write_csv(tmp_path / "hostile.csv", rows)
    out = tmp_path / "out"
    summary = _run(source, out, write_leads=True)
    assert_every_row_once(out, summary.total)
    accepted = read_report(out / "accepted.csv")
    assert [row["first_name"] for row in accepted[: len(HOSTILE)]] == ["'" + c for c in HOSTILE]
    # A phone in E.164 form stays as it is, in the source column and in phone_e164.
    assert accepted[0]["phone"] == "+14155550100" and accepted[0]["phone_e164"] == "+14155550100"
    rejected = read_report(out / "rejected.csv")
    assert rejected[0]["phone"] == "'-"
    # What the API would get is the plain text.
    leads = [json.loads(line)["lead"] for line in (out / "leads.jsonl").read_text().splitlines()]
    assert [lead["firstName"] for lead in leads[: len(HOSTILE)]] == [c.strip() for c in HOSTILE]
    # The workbook holds the user's text as text cells, never formulas.
    book = openpyxl.load_workbook(out / WORKBOOK_FILE)
    cells = [row[1] for row in book["Accepted"].iter_rows(min_row=2)]
    # openpyxl leaves the file format's escape for a carriage return (_x000D_) as it is.
    values = [cell.value.replace("_x000D_", "\r") for cell in cells[: len(HOSTILE)]]
    assert values == HOSTILE
    assert {cell.data_type for cell in cells} == {"s"}
    with zipfile.ZipFile(out / WORKBOOK_FILE) as archive:
        assert not any(
            "<f>" in archive.read(name).decode() for name in archive.namelist()
            if name.startswith("xl/worksheets/")
        )  # fmt: skip


@pytest.mark.parametrize("cell", [*HOSTILE, "'=x", "plain", "", "+14155550123", "+1 415 555"])
def test_neutralize_then_restore_gives_the_cell_back(cell: str) -> None:
    neutral = neutralize(cell)
    assert neutral[:1] not in ("=", "+", "-", "@", "\t", "\r") or neutral == "+14155550123"
    if not cell.startswith("'"):
        assert restore(neutral) == cell


def test_rejected_report_with_neutralized_phones_imports_again(tmp_path: Path) -> None:
    first = tmp_path / "first"
    source = write_csv(tmp_path / "in.csv", [["phone", "email"], ["+1 415 555 0123", "bad"],
                                              ["-", "x@example.com"]])  # fmt: skip
    _run(source, first)
    rejected = first / "rejected.csv"
    assert read_report(rejected)[0]["phone"] == "'+1 415 555 0123"
    again = _run(rejected, tmp_path / "again")
    accepted = read_report(tmp_path / "again" / "rejected.csv")
    # The phone reads back: the row is still rejected for its e-mail only.
    assert accepted[0]["error_codes"] == "email_invalid"
    assert again.total == 2


def test_no_workbook_above_the_row_limit_and_the_run_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pipeline, "MAX_WORKBOOK_ROWS", 5)
    out = tmp_path / "out"
    summary = _run(SAMPLES / "generic_leads.csv", out)
    assert not (out / WORKBOOK_FILE).exists()
    assert "workbook" not in summary.reports
    assert any("report.xlsx is not written" in notice for notice in summary.notices)
    assert_every_row_once(out, summary.total)


def test_workbook_can_be_turned_off(tmp_path: Path) -> None:
    out = tmp_path / "out"
    _run(SAMPLES / "generic_leads.csv", out, workbook=False)
    assert not (out / WORKBOOK_FILE).exists()
    assert (out / "accepted.csv").exists()


def test_rows_left_unsent_get_a_pending_sheet(
    run_cli: Callable[..., CliResult],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    use_server: UseServer,
) -> None:
    rows = [["phone", "first_name"], *([number, "Ana"] for number in us_numbers(3, start=8300))]
    source = write_csv(tmp_path / "leads.csv", [*rows, ["N/A", "Bo"]])
    out = tmp_path / "out"
    with SandboxServer(SandboxConfig(rate_limit=0, credits=0), port=0) as broke:
        use_server(broke)
        result = run_cli(source, "-m", "generic", "-c", SPRING, "--out", out)
    assert result.exit_code == ExitStatus.INCOMPLETE, result.stderr
    book = openpyxl.load_workbook(out / WORKBOOK_FILE)
    assert book.sheetnames == ["Summary", "Accepted", "Rejected", "Duplicates", "Pending"]
    pending = list(book["Pending"].iter_rows(min_row=2, values_only=True))
    assert [row[0] for row in pending] == us_numbers(3, start=8300)
    assert [row[0] for row in book["Rejected"].iter_rows(min_row=2, values_only=True)] == ["N/A"]
    facts = {row[0]: row[1] for row in book["Summary"].iter_rows(values_only=True) if row[0]}
    assert facts["Pending"] == 3 and facts["Campaign"].endswith(f"({SPRING})")
    assert_every_row_once(out, 4)


@pytest.mark.parametrize("workers", [0, 2])
def test_read_and_unread_columns_are_both_neutralized(tmp_path: Path, workers: int) -> None:
    mapping = tmp_path / "m.yaml"
    mapping.write_text("fields:\n  phone: phone\n  notes: notes\nunmapped: ignore\n")
    rows = [["phone", "notes", "extra"]]
    rows += [[f"+1415555{n:04d}", "fine", "fine"] for n in range(200, 260)]
    rows += [["+14155550300", "=1+1", "plain"], ["+14155550301", "plain", "@SUM(1)"]]
    source = write_csv(tmp_path / "in.csv", rows)
    out = tmp_path / "out"
    run_import(ImportOptions(path=source, mapping=str(mapping), out_dir=out, dry_run=True,
                             workers=workers, read=ReadOptions(chunk_rows=25)))  # fmt: skip
    accepted = read_report(out / "accepted.csv")
    assert [(row["notes"], row["extra"]) for row in accepted[-2:]] == [
        ("'=1+1", "plain"), ("plain", "'@SUM(1)"),
    ]  # fmt: skip
    assert {row["phone"] for row in accepted} == {row[0] for row in rows[1:]}


def test_files_of_an_earlier_run_into_the_same_folder_do_not_stay(tmp_path: Path) -> None:
    out = tmp_path / "out"
    _run(SAMPLES / "generic_leads.csv", out, write_leads=True)
    assert (out / WORKBOOK_FILE).exists() and (out / "leads.jsonl").exists()
    _run(SAMPLES / "generic_leads.csv", out, workbook=False)
    assert not (out / WORKBOOK_FILE).exists()
    assert not (out / "leads.jsonl").exists()
    assert set(read_summary(out)["reports"]) == {"accepted", "rejected", "duplicates", "summary"}


def test_a_cell_longer_than_a_spreadsheet_holds_is_cut_in_the_workbook_only(
    tmp_path: Path,
) -> None:
    notes = "n" * 40_000
    source = write_csv(tmp_path / "in.csv", [["phone", "notes"], ["+14155550123", notes]])
    out = tmp_path / "out"
    _run(source, out)
    assert read_report(out / "accepted.csv")[0]["notes"] == notes
    cell = openpyxl.load_workbook(out / WORKBOOK_FILE)["Accepted"]["B2"].value
    assert len(cell) == 32_767 and cell.endswith("the CSV report has all of it]")


def test_a_workbook_that_cannot_be_written_is_a_notice_not_a_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object) -> Path:
        raise pipeline.ReportError("cannot write report.xlsx (disk full); the CSVs are complete")

    monkeypatch.setattr(pipeline, "write_workbook", broken)
    out = tmp_path / "out"
    summary = _run(SAMPLES / "generic_leads.csv", out)
    assert summary.exit_status == ExitStatus.ROWS_REJECTED
    assert any("disk full" in notice for notice in summary.notices)
    assert_every_row_once(out, summary.total)


def test_the_accepted_sheet_shows_the_first_rows_and_points_to_the_csv(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(workbook, "ACCEPTED_SHEET_ROWS", 3)
    rows = [["phone", "first_name"], *([number, "Ana"] for number in us_numbers(7, start=8400))]
    source = write_csv(tmp_path / "leads.csv", [*rows, *(["N/A", "Bo"] for _ in range(4))])
    out = tmp_path / "out"
    summary = _run(source, out)
    assert (summary.accepted, summary.rejected) == (7, 4)
    book = openpyxl.load_workbook(out / WORKBOOK_FILE)
    accepted = [[cell.value for cell in row] for row in book["Accepted"].iter_rows(min_row=2)]
    assert [row[1] for row in accepted[:3]] == ["Ana"] * 3
    assert accepted[3][0] == "4 more accepted rows are not shown here: accepted.csv has all 7"
    assert len(accepted) == 4
    # The rows to act on are all there, and the Summary sheet says where the rest are.
    assert book["Rejected"].max_row == 1 + 4
    summary_text = [cell.value for row in book["Summary"].iter_rows() for cell in row]
    assert "The Accepted sheet shows the first 3 accepted rows; accepted.csv has all 7." in (
        summary_text
    )
    assert len(read_report(out / "accepted.csv")) == 7


def test_many_accepted_rows_do_not_stop_the_workbook(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pipeline, "MAX_WORKBOOK_ROWS", 5)
    rows = [["phone", "first_name"], *([number, "Ana"] for number in us_numbers(8, start=8500))]
    out = tmp_path / "out"
    summary = _run(write_csv(tmp_path / "leads.csv", rows), out)
    assert summary.accepted == 8
    assert (out / WORKBOOK_FILE).exists()


def test_cells_keep_their_text_spaces_and_markup_characters(tmp_path: Path) -> None:
    odd = ["  spaced  ", "a & b < c > d", 'say "hi"', "Zoë 日本 🌞", "x" * 40_000]
    rows = [["phone", "first_name", "notes"],
            *([number, "Ana", text] for number, text in zip(us_numbers(5, start=8600), odd,
                                                            strict=True))]  # fmt: skip
    out = tmp_path / "out"
    _run(write_csv(tmp_path / "leads.csv", rows), out)
    sheet = openpyxl.load_workbook(out / WORKBOOK_FILE)["Accepted"]
    header = [cell.value for cell in sheet[1]]
    notes = [row[header.index("notes")] for row in sheet.iter_rows(min_row=2)]
    assert [cell.value for cell in notes[:4]] == odd[:4]
    assert notes[4].value.startswith("x" * 1000) and notes[4].value.endswith(
        "[... cut: the CSV report has all of it]"
    )
    assert len(notes[4].value) == workbook.MAX_CELL_CHARS
    # Every cell is text, as the column's format says: nothing becomes a number or a date.
    assert {cell.number_format for cell in notes} == {"@"}
    assert (
        sheet.max_row == 6
        and sheet.auto_filter.ref == f"A1:{sheet.cell(1, len(header)).column_letter}6"
    )
