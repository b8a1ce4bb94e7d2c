from __future__ import annotations

import codecs
import re
from pathlib import Path

import openpyxl
import pytest

from importer import reader
from importer.cells import NO_CACHED_VALUE, is_cell_error
from importer.errors import EmptyFileError, EncodingError, InputFileError, UnsupportedFileError
from importer.reader import (
    ReadOptions,
    SheetInfo,
    detect_encoding,
    open_source,
    read_all,
    sniff_delimiter,
)
from importer.reports import ReportWriter

from .helpers import SAMPLES, TEST_DATA

HEADER = ["phone", "first_name", "customer_id"]
ROWS = [["+14155550123", "José", "000123"], ["+14155550124", "Zoë", "007"]]


def _text(rows: list[list[str]], delimiter: str) -> str:
    return "\r\n".join(delimiter.join(row) for row in rows) + "\r\n"


@pytest.mark.parametrize(
    ("encoding", "bom", "detected"),
    [
        ("utf-8", b"", "utf-8"),
        ("utf-8", codecs.BOM_UTF8, "utf-8-sig"),
        ("utf-16-le", codecs.BOM_UTF16_LE, "utf-16"),
        ("utf-16-be", codecs.BOM_UTF16_BE, "utf-16"),
        ("utf-16-le", b"", "utf-16-le"),
        ("cp1252", b"", "cp1252"),
    ],
)
@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_text_encodings_and_delimiters_are_detected(
    tmp_path: Path, encoding: str, bom: bytes, detected: str, delimiter: str
) -> None:
    path = tmp_path / "leads.csv"
    path.write_bytes(bom + _text([HEADER, *ROWS], delimiter).encode(encoding))
    with open_source(path) as source:
        assert source.info.encoding == detected
        assert source.info.delimiter == delimiter
        assert source.info.columns == tuple(HEADER)
        frame = next(source.chunks()).frame
    assert frame.values.tolist() == ROWS
    assert frame.index.tolist() == [2, 3]


def test_latin1_when_cp1252_leaves_bytes_undefined(tmp_path: Path) -> None:
    path = tmp_path / "leads.csv"
    path.write_bytes("phone,name\n+14155550123,Ana\x81\n".encode("latin-1"))
    assert detect_encoding(path)[0] == "latin-1"


def test_detection_reads_past_the_first_block(tmp_path: Path) -> None:
    # A cp1252 byte far down the file must still switch the whole file to cp1252.
    lines = ["phone,name"] + [f"+1415555{i % 10000:04d},Ana" for i in range(120_000)]
    lines.append("+14155550123,Müller")
    path = tmp_path / "big.csv"
    path.write_bytes("\n".join(lines).encode("cp1252"))
    assert path.stat().st_size > 1 << 20
    assert detect_encoding(path)[0] == "cp1252"
    frame = read_all(path)
    assert frame["name"].iloc[-1] == "Müller"


def test_mixed_encodings_are_refused(tmp_path: Path) -> None:
    with pytest.raises(EncodingError, match="mixes UTF-8"):
        open_source(TEST_DATA / "mixed_encodings.csv")


def test_explicit_encoding_and_delimiter_override_detection(tmp_path: Path) -> None:
    path = tmp_path / "leads.txt"
    path.write_bytes(b"phone;name\n+14155550123;Ana, Jr\n")
    frame = read_all(path, ReadOptions(delimiter=";", encoding="latin-1"))
    assert frame.columns.tolist() == ["phone", "name"]
    frame = read_all(path, ReadOptions(delimiter="tab"))
    assert frame.columns.tolist() == ["phone;name"]


def test_wrong_explicit_encoding_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "leads.csv"
    path.write_bytes("phone,name\n+14155550123,M\xfcller\n".encode("latin-1"))
    with pytest.raises(EncodingError, match="--encoding"):
        read_all(path, ReadOptions(encoding="utf-8"))


def test_values_stay_text_and_rows_keep_spreadsheet_numbers(tmp_path: Path) -> None:
    path = tmp_path / "leads.csv"
    path.write_text(
        'phone,zip,notes\n\n007,01234,"line one\nline two"\n\n  \n+14155550123,00501,TRUE\n',
        encoding="utf-8",
    )
    with open_source(path) as source:
        chunks = list(source.chunks())
    frame = chunks[0].frame
    assert frame.index.tolist() == [3, 6]  # the blank line is row 2; the multi-line cell is one row
    assert frame.loc[3].tolist() == ["007", "01234", "line one\nline two"]
    assert frame.loc[6, "notes"] == "TRUE"
    assert sum(chunk.blank_rows for chunk in chunks) == 3


def test_ragged_rows_are_padded_or_flagged(tmp_path: Path) -> None:
    path = tmp_path / "leads.csv"
    path.write_text("phone,name\n+14155550123\n+14155550124,Ana,,\n+14155550125,Bo,extra\n")
    with open_source(path) as source:
        chunk = next(source.chunks())
    assert chunk.frame.loc[2].tolist() == ["+14155550123", ""]
    assert chunk.extra_values == {4: ["extra"]}  # empty trailing cells are not extra values


def test_chunks_cover_every_row_once(tmp_path: Path) -> None:
    path = tmp_path / "leads.csv"
    path.write_text("phone\n" + "".join(f"+1415555{i:04d}\n" for i in range(25)))
    with open_source(path, ReadOptions(chunk_rows=7)) as source:
        sizes = [len(chunk.frame) for chunk in source.chunks()]
    assert sizes == [7, 7, 7, 4]


def test_duplicate_header_names_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "leads.csv"
    path.write_text("phone,email,email\n+14155550123,a@example.com,b@example.com\n")
    with pytest.raises(InputFileError, match="'email' appears twice"):
        open_source(path)


def test_empty_header_cells_get_names(tmp_path: Path) -> None:
    path = tmp_path / "leads.csv"
    path.write_text("phone,,name,,\n+14155550123,x,Ana,,\n")
    with open_source(path) as source:
        assert source.info.columns == ("phone", "column_2", "name")


def test_a_report_can_be_read_back_without_its_added_columns(tmp_path: Path) -> None:
    path = tmp_path / "rejected.csv"
    path.write_bytes(
        codecs.BOM_UTF8
        + b"phone,name,source_row,error,error_codes\r\n"
        + b"4155550123,Ana,7,phone is bad,phone_invalid\r\n"
    )
    frame = read_all(path)
    assert frame.columns.tolist() == ["phone", "name"]
    assert frame.loc[2].tolist() == ["4155550123", "Ana"]


@pytest.mark.parametrize(
    ("name", "error", "message"),
    [
        ("empty.csv", EmptyFileError, "is empty"),
        ("header_only.csv", EmptyFileError, "no data rows"),
        ("not_a_spreadsheet.csv", UnsupportedFileError, "not a text spreadsheet"),
        ("corrupt.xlsx", UnsupportedFileError, "cannot be read as a workbook"),
    ],
)
def test_unusable_files_fail_with_one_clear_error(
    name: str, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        open_source(TEST_DATA / name)


def test_blank_lines_only_is_empty(tmp_path: Path) -> None:
    path = tmp_path / "blank.csv"
    path.write_text("\n\n  \n")
    with pytest.raises(EmptyFileError):
        open_source(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="no such file"):
        open_source(tmp_path / "nope.csv")


def test_sniffer_prefers_consistent_columns() -> None:
    assert sniff_delimiter('name;notes\nAna;"a, b, c"\nBo;"d, e"\n') == ";"
    assert sniff_delimiter("phone\n+14155550123\n") == ","
    assert sniff_delimiter("a|b|c\n1|2|3\n") == "|"


# --- workbooks ------------------------------------------------------------------


@pytest.mark.parametrize("name", ["leads.xlsx", "leads.xlsm", "leads.xls", "leads.ods"])
def test_workbook_number_cells_come_out_as_typed_digits(name: str) -> None:
    with open_source(SAMPLES / name) as source:
        assert source.info.sheet == "Leads"
        frame = pd_concat(source)
    phones = frame["phone"].tolist()
    assert "14155550123" in phones
    assert "442079460456" in phones  # a big number cell, not 4.42079460456E+11
    assert not any(p.endswith(".0") for p in phones)
    assert all(isinstance(v, str) for v in frame.to_numpy().ravel())
    assert frame.index[0] == 2


def pd_concat(source: object) -> object:
    import pandas as pd

    return pd.concat([chunk.frame for chunk in source.chunks()])  # type: ignore[attr-defined]


@pytest.mark.parametrize("sheet", ["Archive", "archive", "2"])
def test_sheet_by_name_or_position(sheet: str) -> None:
    with open_source(SAMPLES / "leads.xlsx", ReadOptions(sheet=sheet)) as source:
        assert source.info.sheet == "Archive"


def test_unknown_sheet_lists_the_sheets() -> None:
    with pytest.raises(InputFileError, match="'Leads', 'Archive'"):
        open_source(SAMPLES / "leads.xlsx", ReadOptions(sheet="Nope"))


def test_workbook_rows_are_numbered_as_excel_shows_them(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet["B3"] = "phone"
    sheet["C3"] = "zip"
    sheet["B4"] = 14155550123
    sheet["C4"] = "00501"
    sheet["B6"] = 4155550124
    sheet["C6"] = 1.5
    path = tmp_path / "book.xlsx"
    workbook.save(path)
    with open_source(path) as source:
        assert source.info.header_row == 3
        chunk = next(source.chunks())
    assert chunk.frame.index.tolist() == [4, 6]
    assert chunk.frame.loc[4].tolist() == ["14155550123", "00501"]
    assert chunk.frame.loc[6].tolist() == ["4155550124", "1.5"]
    assert chunk.blank_rows == 1


def test_empty_sheet(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    path = tmp_path / "empty.xlsx"
    workbook.save(path)
    with pytest.raises(EmptyFileError, match="empty"):
        open_source(path)


# --- the sheet read -------------------------------------------------------------


def _hidden_first_sheet(path: Path, *, active: int = 1) -> Path:
    workbook = openpyxl.Workbook()
    old = workbook.active
    assert old is not None
    old.title = "Old"
    old.append(["phone", "first_name"])
    old.append(["+14155550100", "Stale"])
    old.sheet_state = "hidden"
    leads = workbook.create_sheet("Leads")
    leads.append(["phone", "first_name"])
    leads.append(["+14155550123", "Ana"])
    leads.append(["+14155550124", "Bo"])
    archive = workbook.create_sheet("Archive")
    archive.append(["phone"])
    archive.append(["+14155550199"])
    workbook.active = active
    workbook.save(path)
    return path


def test_a_hidden_first_sheet_is_not_read(tmp_path: Path) -> None:
    path = _hidden_first_sheet(tmp_path / "book.xlsx")
    with open_source(path) as source:
        assert source.info.sheet == "Leads"
        assert source.info.sheets == (
            SheetInfo("Old", 2, hidden=True),
            SheetInfo("Leads", 3, hidden=False),
            SheetInfo("Archive", 2, hidden=False),
        )
        rows = [row for chunk in source.chunks() for row in chunk.rows]
    assert rows == [["+14155550123", "Ana"], ["+14155550124", "Bo"]]
    # Named, a hidden sheet is read all the same.
    with open_source(path, ReadOptions(sheet="Old")) as source:
        assert next(source.chunks()).rows == [["+14155550100", "Stale"]]


def test_the_active_sheet_is_read_or_else_the_first_visible(tmp_path: Path) -> None:
    with open_source(_hidden_first_sheet(tmp_path / "a.xlsx", active=2)) as source:
        assert source.info.sheet == "Archive"
    # A workbook saved on its hidden sheet: the first visible one.
    with open_source(_hidden_first_sheet(tmp_path / "b.xlsx", active=0)) as source:
        assert source.info.sheet == "Leads"


def test_a_csv_has_no_sheets(tmp_path: Path) -> None:
    path = tmp_path / "leads.csv"
    path.write_text("phone\n+14155550123\n")
    with open_source(path) as source:
        assert source.info.sheets == ()
        assert source.info.sheet is None


# --- invisible characters -------------------------------------------------------


def test_invisible_characters_are_stripped_from_every_cell(tmp_path: Path) -> None:
    path = tmp_path / "leads.csv"
    marks = "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u061c"
    path.write_text(
        "\u200bphone,first_\ufeffname,email\u2060\n"
        f"\u202a+1 415 555 0123\u202c,Ana\u200d,{marks}ana@example.com\n"
        "\u200b,\ufeff,\u200e\n"
        "+14155550124,Bo,bo@example.com\n",
        encoding="utf-8",
    )
    with open_source(path, ReadOptions(chunk_rows=2)) as source:
        assert source.info.columns == ("phone", "first_name", "email")
        chunks = list(source.chunks())
    rows = [row for chunk in chunks for row in chunk.rows]
    numbers = [number for chunk in chunks for number in chunk.numbers]
    assert rows == [
        ["+1 415 555 0123", "Ana", "ana@example.com"],
        ["+14155550124", "Bo", "bo@example.com"],
    ]
    assert numbers == [2, 4]  # the row of invisible characters only is blank
    assert sum(chunk.blank_rows for chunk in chunks) == 1


def test_invisible_characters_in_workbook_cells(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["phone\u200f", "name"])
    sheet.append(["\u2066+14155550123\u2069", "\u200eAna"])
    path = tmp_path / "book.xlsx"
    workbook.save(path)
    with open_source(path) as source:
        assert source.info.columns == ("phone", "name")
        assert next(source.chunks()).rows == [["+14155550123", "Ana"]]


# --- a report of this tool, imported again ----------------------------------------


def test_rows_can_be_numbered_by_their_source_row_cells(tmp_path: Path) -> None:
    path = tmp_path / "corrected.csv"
    path.write_text("phone,name,source_row\n1,a,4\n\n2,b,17\n3,c,18\n", encoding="utf-8")
    numbered = ReadOptions(source_row_numbers=True, chunk_rows=2)
    with open_source(path, numbered) as source:
        chunks = list(source.chunks())
        assert source.info.columns == ("phone", "name")
    assert [n for chunk in chunks for n in chunk.numbers] == [4, 17, 18]
    assert sum(chunk.blank_rows for chunk in chunks) == 1
    assert list(read_all(path).index) == [2, 4, 5]  # without the option: by place
    # A workbook is numbered the same way.
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in (["phone", "source_row"], ["1", 9], ["2", 11]):
        sheet.append(row)
    book.save(tmp_path / "corrected.xlsx")
    assert list(read_all(tmp_path / "corrected.xlsx", numbered).index) == [9, 11]


@pytest.mark.parametrize(
    ("text", "wrong"),
    [
        ("phone,source_row\n1,4\n2,4\n", "source_row is '4', not a row number above 4"),
        ("phone,source_row\n1,9\n2,5\n", "source_row is '5', not a row number above 9"),
        ("phone,source_row\n1,x\n", "source_row is 'x'"),
        ("phone,source_row\n1,\n", "source_row is ''"),
        ("phone\n1\n", "no source_row column"),
    ],
)
def test_source_row_numbers_must_rise(tmp_path: Path, text: str, wrong: str) -> None:
    path = tmp_path / "corrected.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputFileError, match=wrong):
        read_all(path, ReadOptions(source_row_numbers=True))


def test_a_fixed_rejected_report_gives_back_the_original_cells(tmp_path: Path) -> None:
    columns = ("phone", "first_name", "notes", "score")
    original = [
        ["+14155550123", "-Cy-", "+ interested in premium", "=1+1"],
        ["4155550124", "@ana", "\tindented", "-5"],
        ["'=kept as typed", "Bo", "plain", ""],
    ]
    with ReportWriter(tmp_path, columns, write_leads=False) as writer:
        writer.write(
            {"rejected": [[*row, n, "bad", "phone_invalid"] for n, row in enumerate(original, 2)]}
        )
    written = (tmp_path / "rejected.csv").read_text(encoding="utf-8-sig")
    assert "'+ interested in premium" in written and "'-Cy-" in written
    with open_source(tmp_path / "rejected.csv") as source:
        assert source.info.columns == columns
        rows = next(source.chunks()).rows
    assert rows[:2] == original[:2]
    # A cell that began with ' and a formula character in the user's file is ambiguous:
    # it comes back as what the report's reader (a spreadsheet) shows.
    assert rows[2] == ["=kept as typed", "Bo", "plain", ""]


def test_formula_marks_stay_in_files_that_are_not_reports(tmp_path: Path) -> None:
    path = tmp_path / "leads.csv"
    path.write_text("phone,notes\n+14155550123,'+ kept\n")
    assert read_all(path)["notes"].tolist() == ["'+ kept"]


# --- where the header is --------------------------------------------------------


@pytest.mark.parametrize(
    ("above", "skipped"),
    [
        ("Leads export 2026-11-01\n", (1,)),
        ("Leads export 2026-11-01\n\n", (1,)),
        ('"Leads export, November"\n,,,\n', (1,)),
        ("Leads export\n\nContact,,,Company,\n", (1, 3)),
        ("Contact,,,Company,\n", (1,)),
    ],
    ids=["title", "title-blank", "title-with-comma", "title-group", "group"],
)
def test_rows_above_the_header_are_skipped(
    tmp_path: Path, above: str, skipped: tuple[int, ...]
) -> None:
    path = tmp_path / "leads.csv"
    header = "phone,first_name,last_name,company,city\n"
    body = "+14155550123,Ana,Lee,Acme,Paris\n+14155550124,Bo,,Initech,\n"
    path.write_text(above + header + body)
    header_row = above.count("\n") + 1
    with open_source(path) as source:
        assert source.info.delimiter == ","
        assert source.info.columns == ("phone", "first_name", "last_name", "company", "city")
        assert source.info.header_row == header_row
        assert source.info.header_detected
        assert source.info.skipped_rows == skipped
        chunk = next(source.chunks())
    assert chunk.numbers == [header_row + 1, header_row + 2]
    assert chunk.rows[1] == ["+14155550124", "Bo", "", "Initech", ""]


def test_the_first_row_stays_the_header_when_it_looks_like_one(tmp_path: Path) -> None:
    path = tmp_path / "leads.csv"
    path.write_text("phone,name\n+14155550123,Ana\n")
    with open_source(path) as source:
        assert (source.info.header_row, source.info.header_detected) == (1, False)
        assert source.info.skipped_rows == ()


def test_excel_sep_line_sets_the_delimiter_and_is_not_a_row(tmp_path: Path) -> None:
    path = tmp_path / "leads.csv"
    path.write_bytes(b"sep=;\r\nphone;name,title\r\n+14155550123;Ana, PhD\r\n")
    with open_source(path) as source:
        assert source.info.delimiter == ";"
        assert source.info.columns == ("phone", "name,title")
        assert source.info.header_row == 1  # as Excel shows it: the sep= line is hidden
        assert not source.info.header_detected
        assert next(source.chunks()).rows == [["+14155550123", "Ana, PhD"]]


def test_sniffing_copes_with_a_title_line() -> None:
    assert sniff_delimiter("Leads export\nphone;name;city\n1;Ana;Paris\n2;Bo;Rome\n") == ";"
    assert sniff_delimiter("sep=|\na|b\n") == "|"


def test_header_found_in_a_workbook(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["Leads export 2026-11-01"])
    sheet.append([])
    sheet.append(["Contact", None, None, "Company"])
    sheet.append(["phone", "first_name", "email", "company"])
    sheet.append([14155550123, "Ana", "ana@example.com", "Acme"])
    path = tmp_path / "book.xlsx"
    workbook.save(path)
    with open_source(path) as source:
        assert source.info.header_row == 4
        assert source.info.skipped_rows == (1, 3)
        assert next(source.chunks()).rows == [["14155550123", "Ana", "ana@example.com", "Acme"]]


def test_header_row_option_names_the_header(tmp_path: Path) -> None:
    path = tmp_path / "leads.csv"
    path.write_text("phone,name\nmobile,first\n+14155550123,Ana\n")
    with open_source(path, ReadOptions(header_row=2)) as source:
        assert source.info.columns == ("mobile", "first")
        assert source.info.skipped_rows == (1,)
        assert source.info.header_detected
        assert next(source.chunks()).numbers == [3]
    with pytest.raises(InputFileError, match="has 3 rows"):
        open_source(path, ReadOptions(header_row=9))


def test_no_header_says_what_was_looked_at(tmp_path: Path) -> None:
    path = tmp_path / "leads.csv"
    path.write_text(
        "Leads export\n+14155550123,Ana,ana@example.com\n+14155550124,Bo,b@example.com\n"
    )
    with pytest.raises(InputFileError) as caught:
        open_source(path)
    message = str(caught.value)
    assert "rows 1-3 were looked at" in message
    assert "row 1 fills 1 of 3 columns" in message
    assert "row 2 holds values ('+14155550123', 'ana@example.com')" in message
    assert "--header-row" in message


def test_a_first_row_of_values_is_still_refused(tmp_path: Path) -> None:
    path = tmp_path / "leads.csv"
    path.write_text("4155550123,Ana,ana@example.com\n4155550124,Bo,bo@example.com\n")
    with pytest.raises(InputFileError, match="first row holds values"):
        open_source(path)


# --- encodings --------------------------------------------------------------------


def test_mac_roman_is_detected(tmp_path: Path) -> None:
    path = tmp_path / "leads.csv"
    text = "phone,first_name,last_name\r+14155550123,José,Müller\r+14155550124,Ángel,Björk\r"
    path.write_bytes(text.encode("mac_roman"))
    assert b"\x8e" in path.read_bytes()  # é, which cp1252 reads as Ž
    with open_source(path) as source:
        assert source.info.encoding == "mac_roman"
        assert source.info.notices and "Mac Roman" in source.info.notices[0]
        rows = next(source.chunks()).rows
    assert rows == [["+14155550123", "José", "Müller"], ["+14155550124", "Ángel", "Björk"]]


@pytest.mark.parametrize(
    "names",
    [
        ["José", "Müller", "Zoë"],
        ["O\u2019Brien", "don\u2019t", "\u201cquoted\u201d"],
        ["Crème brûlée", "Cœur"],
    ],
)
def test_cp1252_is_not_taken_for_mac_roman(tmp_path: Path, names: list[str]) -> None:
    path = tmp_path / "leads.csv"
    lines = ["phone,name", *(f"+1415555012{n},{name}" for n, name in enumerate(names))]
    path.write_bytes("\n".join(lines).encode("cp1252"))
    with open_source(path) as source:
        assert source.info.encoding == "cp1252"
        assert [row[1] for row in next(source.chunks()).rows] == names


def test_a_name_no_encoding_reads_right_makes_a_notice_that_suggests_none(
    tmp_path: Path,
) -> None:
    # Ana\x8e is Anaé in Mac Roman, but Mac Roman garbles Renée and Zoë: no encoding
    # reads every name, so the notice names the odd one and suggests no --encoding.
    path = tmp_path / "leads.csv"
    body = "phone,name\n+14155550123,Renée\n+14155550124,Zoë\n+14155550125,Ana\x8e\n"
    path.write_bytes(body.encode("latin-1"))
    with open_source(path) as source:
        assert source.info.encoding == "cp1252"
        (notice,) = source.info.notices
        assert "'AnaŽ'" in notice
        assert "--encoding" not in notice


# --- error cells ------------------------------------------------------------------


def test_error_cells_and_formulas_without_a_result_are_not_empty(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet["B1"], sheet["C1"], sheet["D1"] = "phone", "name", "total"
    sheet["B2"], sheet["C2"], sheet["D2"] = "#N/A", "Ana", "=1+1"
    sheet["B3"], sheet["C3"], sheet["D3"] = "#VALUE!", "Bo", ""
    sheet["B2"].data_type = "e"
    sheet["B3"].data_type = "e"
    sheet["B4"], sheet["C4"] = "+14155550123", "Cy"
    path = tmp_path / "book.xlsx"
    workbook.save(path)
    with open_source(path) as source:
        rows = next(source.chunks()).rows
    assert rows == [
        ["#N/A", "Ana", NO_CACHED_VALUE],
        ["#VALUE!", "Bo", ""],
        ["+14155550123", "Cy", ""],
    ]
    assert all(is_cell_error(cell) for cell in ("#N/A", "#value!", NO_CACHED_VALUE))
    assert not is_cell_error("#1 fan")


# --- legacy encodings told apart by their names -------------------------------------

#: Names of each language the legacy encodings are for, with the encodings a file of
#: them is saved in and the encoding the reader must take (or one that reads the same).
LEGACY = [
    ("shift_jis", ["太郎", "山田", "花子", "佐藤", "健一", "鈴木", "美咲", "高橋"]),
    ("cp932", ["太郎", "山田", "花子", "佐藤", "健一", "鈴木", "美咲", "高橋"]),
    ("euc_jp", ["太郎", "山田", "花子", "佐藤", "健一", "鈴木", "美咲", "高橋"]),
    ("gb18030", ["王伟", "李娜", "张敏", "刘洋", "陈静", "杨磊", "黄丽", "赵强"]),
    ("gbk", ["王伟", "李娜", "张敏", "刘洋", "陈静", "杨磊", "黄丽", "赵强"]),
    ("big5", ["陳志明", "林春嬌", "黃美玲", "張家豪", "李淑芬", "王建國"]),
    ("euc_kr", ["김민준", "이서연", "박지훈", "최수아", "정우진", "강하은"]),
    ("iso8859_2", ["Łukasz Wiśniewski", "Zofia Wójcik", "Jiří Dvořák", "Paweł Łąka"]),
    ("cp1250", ["Łukasz Wiśniewski", "Zofia Wójcik", "Jiří Dvořák", "Šárka Žáková"]),
    ("cp1250", ["Jiří Dvořák", "Tomáš Černý", "Věra Růžičková"]),
    ("iso8859_2", ["Łukasz", "Małgorzata", "Wojciech Łuczak"]),
    ("cp1251", ["Иван Петров", "Мария Смирнова", "Ольга Кузнецова"]),
    ("cp1251", ["Богдан Гірник", "Олена Шевченко", "Євген Гнатюк"]),
    ("cp1252", ["José", "Müller", "Zoë", "François", "Crème brûlée", "Cœur"]),
    ("cp1252", ["Crème", "Weiß", "Øystein", "Škoda", "Jürgen", "Ñúñez", "Çelik", "Søren"]),
    ("cp1250", ["Jurić", "Babić", "Kovačević", "Kamiński"]),
    ("cp1250", ["Kučera"]),
    ("mac_roman", ["José", "Müller", "Ángel", "Björk"]),
]


@pytest.mark.parametrize(("saved", "names"), LEGACY, ids=[f"{e}-{n[0]}" for e, n in LEGACY])
def test_legacy_encodings_are_told_apart_by_their_names(
    tmp_path: Path, saved: str, names: list[str]
) -> None:
    path = tmp_path / "leads.csv"
    lines = ["phone,name", *(f"+1415555{n:04d},{name}" for n, name in enumerate(names))]
    path.write_bytes("\r\n".join(lines).encode(saved) + b"\r\n")
    with open_source(path) as source:
        assert [row[1] for row in next(source.chunks()).rows] == names
        encoding = source.info.encoding
        notices = source.info.notices
    assert encoding is not None
    # What a notice says about the encoding never garbles the names: any encoding it
    # names reads them right.
    for notice in notices:
        for suggested in re.findall(r"--encoding (\S+)", notice):
            assert "\r\n".join(lines).encode(saved).decode(suggested).split("\r\n") == lines


def test_the_reader_takes_an_encoding_from_a_sample_of_the_file(tmp_path: Path) -> None:
    # A large Shift-JIS file: the encoding comes from its first non-ASCII lines, and
    # every row is read.
    lines = ["phone,name", *(f"+8131234{n:04d},山田 太郎" for n in range(40_000))]
    path = tmp_path / "big.csv"
    path.write_bytes("\n".join(lines).encode("cp932"))
    assert path.stat().st_size > 2 * reader.DETECT_SAMPLE_BYTES
    with open_source(path) as source:
        assert source.info.encoding == "cp932"
        assert sum(len(chunk) for chunk in source.chunks()) == 40_000


@pytest.mark.parametrize(
    ("saved", "name"),
    [("gb18030", "王伟"), ("euc_kr", "김민준"), ("euc_jp", "山田")],
)
def test_an_encoding_that_cannot_be_told_stops_and_names_the_likely_ones(
    tmp_path: Path, saved: str, name: str
) -> None:
    # One short name in an EUC-family encoding reads as valid text in the others too.
    path = tmp_path / "leads.csv"
    path.write_bytes(f"phone,name\n+14155550123,{name}\n".encode(saved))
    with pytest.raises(EncodingError) as caught:
        open_source(path)
    message = str(caught.value)
    assert "cannot be told for sure" in message
    named = re.findall(r"--encoding (\w+)", message)
    assert len(named) >= 2
    assert any(f"phone,name\n+14155550123,{name}\n".encode(saved).decode(n).endswith(
        f",{name}\n") for n in named)  # fmt: skip
    with open_source(path, ReadOptions(encoding=saved)) as source:
        assert next(source.chunks()).rows == [["+14155550123", name]]


def test_a_mac_roman_notice_suggests_no_encoding_that_garbles_the_names(tmp_path: Path) -> None:
    path = tmp_path / "leads.csv"
    text = "phone,first_name,last_name\r+14155550123,José,Müller\r+14155550124,Ángel,Björk\r"
    path.write_bytes(text.encode("mac_roman"))
    with open_source(path) as source:
        notices = source.info.notices
    assert notices
    assert not any("--encoding cp1252" in notice for notice in notices)


# --- quotes left open ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "line"),
    [
        ('+14155550123,Ana,"likes cats\n+14155550124,Bo,ok\n+14155550125,Cy,fine\n', 2),
        ('+14155550123,Ana,ok\n+14155550124,"Bo,note\n+14155550125,Cy,"fine"\n+14155550126,Di,x\n',
         3),
    ],
    ids=["never-closed", "closed-later"],
)  # fmt: skip
def test_a_quote_left_open_stops_naming_the_line_it_opened_in(
    tmp_path: Path, body: str, line: int
) -> None:
    path = tmp_path / "leads.csv"
    path.write_text("phone,name,notes\n" + body)
    with pytest.raises(InputFileError) as caught, open_source(path) as source:
        list(source.chunks())
    message = str(caught.value)
    assert f"line {line}: a quote opens in this line" in message
    assert "+14155550125" in message or "+14155550124" in message


def test_a_note_with_line_breaks_is_one_cell(tmp_path: Path) -> None:
    path = tmp_path / "leads.csv"
    path.write_text(
        'phone,name,notes\n+14155550123,Ana,"call after 5,\nnot on Fridays\n12 Main St, Apt 4"\n'
        "+14155550124,Bo,ok\n"
    )
    frame = read_all(path)
    assert frame.index.tolist() == [2, 3]
    assert frame["notes"].iloc[0] == "call after 5,\nnot on Fridays\n12 Main St, Apt 4"


# --- headers repeated below ----------------------------------------------------------


def test_a_repeated_header_is_dropped_and_not_a_row(tmp_path: Path) -> None:
    path = tmp_path / "leads.csv"
    path.write_text(
        "phone,first_name,last_name\n+14155550123,Ana,Lee\n\n"
        "phone,first_name,last_name\n+14155550124,Bo,Chan\n"
    )
    with open_source(path) as source:
        chunks = list(source.chunks())
        dropped = source.info.repeated_headers
    rows = [row for chunk in chunks for row in chunk.rows]
    numbers = [number for chunk in chunks for number in chunk.numbers]
    assert rows == [["+14155550123", "Ana", "Lee"], ["+14155550124", "Bo", "Chan"]]
    assert numbers == [2, 5]
    assert dropped == [4]


def test_rows_under_a_repeated_header_in_another_order_are_read_by_it(tmp_path: Path) -> None:
    path = tmp_path / "leads.csv"
    path.write_text(
        "Phone,First Name,Last Name,Email\n+14155550123,Ana,Lee,ana@example.com\n"
        "Last Name,First Name,Email,Phone\nChan,Bo,bo@example.com,+14155550124\n"
        "Diaz,Cy,,+14155550125\n"
        "Phone,First Name,Last Name,Email\n+14155550126,Di,Eng,di@example.com\n"
    )
    frame = read_all(path)
    assert frame.index.tolist() == [2, 4, 5, 7]
    assert frame["First Name"].tolist() == ["Ana", "Bo", "Cy", "Di"]
    assert frame["Last Name"].tolist() == ["Lee", "Chan", "Diaz", "Eng"]
    assert frame["Phone"].tolist() == ["+14155550123", "+14155550124", "+14155550125",
                                       "+14155550126"]  # fmt: skip
    assert frame["Email"].tolist() == ["ana@example.com", "bo@example.com", "", "di@example.com"]


@pytest.mark.parametrize(
    "second",
    ["Mobile,Given Name,Surname\n", "Phone,First Name,Company\n"],
    ids=["other-names", "one-column-differs"],
)
def test_a_header_of_other_columns_below_stops_naming_its_row(tmp_path: Path, second: str) -> None:
    path = tmp_path / "leads.csv"
    path.write_text(
        "Phone,First Name,Last Name\n+14155550123,Ana,Lee\n" + second + "+14155550124,Bo,Acme\n"
    )
    with pytest.raises(InputFileError, match="row 3 looks like a header") as caught:
        read_all(path)
    assert "row 1" in str(caught.value)


def test_a_lead_without_digits_is_not_taken_for_a_header(tmp_path: Path) -> None:
    path = tmp_path / "leads.csv"
    path.write_text("Phone,First Name,Company\n+14155550123,Ana,Acme\n,Bo,Tel Aviv Company\n")
    frame = read_all(path)
    assert frame["Company"].tolist() == ["Acme", "Tel Aviv Company"]


# --- two-row headers and numbers as column names ------------------------------------

DATA_ROW = "+14155550123,Ana,Lee,Acme,+14155550199,acme.example\n+14155550124,Bo,Chan,Initech,,\n"


@pytest.mark.parametrize(
    ("text", "columns"),
    [
        (
            "Contact,,,Company,,\nPhone,First Name,Last Name,Company Name,Phone,Website\n"
            + DATA_ROW,
            ("Phone", "First Name", "Last Name", "Company Name", "Company Phone", "Website"),
        ),
        (
            "Contact,Contact,Contact,Company,Company,Company\n"
            "Phone,First Name,Last Name,Name,Phone,Website\n" + DATA_ROW,
            ("Phone", "First Name", "Last Name", "Name", "Company Phone", "Website"),
        ),
        (
            "Contact,Contact,Contact,Company,Company,Company\n"
            "Phone,First Name,Last Name,Company Name,Company Phone,Website\n" + DATA_ROW,
            ("Phone", "First Name", "Last Name", "Company Name", "Company Phone", "Website"),
        ),
        (
            "Contact,,Person,Company,,Web\n"
            "Phone,First Name,Last Name,Company Name,Company Phone,Website\n" + DATA_ROW,
            ("Phone", "First Name", "Last Name", "Company Name", "Company Phone", "Website"),
        ),
    ],
    ids=["group-spans-clash", "group-filled-clash", "group-filled", "group-more-than-half"],
)
def test_a_group_row_over_the_field_row_is_one_header(
    tmp_path: Path, text: str, columns: tuple[str, ...]
) -> None:
    path = tmp_path / "leads.csv"
    path.write_text(text)
    with open_source(path) as source:
        assert source.info.columns == columns
        assert source.info.header_row == 2
        assert source.info.skipped_rows == (1,)
        chunk = next(source.chunks())
    assert chunk.numbers == [3, 4]
    assert chunk.rows[0][:3] == ["+14155550123", "Ana", "Lee"]


def test_a_header_with_empty_cells_over_a_lead_without_a_phone_stays_the_header(
    tmp_path: Path,
) -> None:
    path = tmp_path / "leads.csv"
    path.write_text("phone,name,,,city\n,Ana,Lee,Acme,Paris\n+14155550124,Bo,Chan,Initech,Rome\n")
    with open_source(path) as source:
        assert source.info.columns == ("phone", "name", "column_3", "column_4", "city")
        assert next(source.chunks()).numbers == [2, 3]


@pytest.mark.parametrize(
    ("header", "row"),
    [("Name,Phone,2024,2025", "Ana,+14155550123,10,20"),
     ("Phone,2023,2024,2025", "+14155550123,1,2,3")],
)  # fmt: skip
def test_a_header_of_years_is_taken_when_the_rows_below_are_leads(
    tmp_path: Path, header: str, row: str
) -> None:
    path = tmp_path / "leads.csv"
    path.write_text(f"{header}\n{row}\n")
    with open_source(path) as source:
        assert source.info.columns == tuple(header.split(","))
        assert source.info.header_row == 1
        assert next(source.chunks()).rows == [row.split(",")]


def test_a_row_of_numbers_above_the_header_is_still_skipped(tmp_path: Path) -> None:
    path = tmp_path / "leads.csv"
    path.write_text("1,2,3\nphone,name,city\n+14155550123,Ana,Paris\n")
    with open_source(path) as source:
        assert source.info.columns == ("phone", "name", "city")
        assert source.info.skipped_rows == (1,)


def test_lone_signs_in_notes_do_not_make_a_western_file_cyrillic(tmp_path: Path) -> None:
    # £ and € are Cyrillic letters in cp1251: lone characters, which tell no encoding apart.
    path = tmp_path / "leads.csv"
    text = "phone,name,notes\n+14155550123,Ana Lee,owes £50\n+14155550124,Bo Chan,paid €20; 25°C\n"
    path.write_bytes(text.encode("cp1252"))
    with open_source(path) as source:
        assert source.info.encoding == "cp1252"
        assert [row[2] for row in next(source.chunks()).rows] == ["owes £50", "paid €20; 25°C"]


def test_names_that_read_as_well_in_another_code_page_are_read_as_cp1252_with_a_notice(
    tmp_path: Path,
) -> None:
    path = tmp_path / "leads.csv"
    path.write_bytes("phone,name\n+14155550123,Crème\n+14155550124,José\n".encode("cp1252"))
    with open_source(path) as source:
        assert source.info.encoding == "cp1252"
        (notice,) = source.info.notices
    assert "'Crčme'" in notice and "--encoding" not in notice


def test_a_merged_group_row_over_the_field_row_in_a_workbook(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["Contact", None, None, "Company", None])
    sheet.merge_cells("A1:C1")
    sheet.merge_cells("D1:E1")
    sheet.append(["Name", "Phone", "Email", "Name", "Phone"])
    sheet.append(["Ana Lee", 14155550123, "ana@example.com", "Acme", 14155550199])
    path = tmp_path / "book.xlsx"
    workbook.save(path)
    with open_source(path) as source:
        assert source.info.columns == ("Name", "Phone", "Email", "Company Name", "Company Phone")
        assert source.info.header_row == 2
        assert next(source.chunks()).numbers == [3]


def test_rows_after_a_repeated_header_keep_their_numbers_across_chunks(tmp_path: Path) -> None:
    path = tmp_path / "leads.csv"
    path.write_text(
        "phone,name\n+14155550123,Ana\nname,phone\nBo,+14155550124\n\nCy,+14155550125\n"
    )
    with open_source(path, ReadOptions(chunk_rows=1)) as source:
        chunks = list(source.chunks())
        assert source.info.repeated_headers == [3]
    assert [n for chunk in chunks for n in chunk.numbers] == [2, 4, 6]
    assert [row for chunk in chunks for row in chunk.rows] == [
        ["+14155550123", "Ana"], ["+14155550124", "Bo"], ["+14155550125", "Cy"],
    ]  # fmt: skip
    assert sum(chunk.blank_rows for chunk in chunks) == 1


def test_a_two_row_header_pasted_again_below_is_dropped(tmp_path: Path) -> None:
    path = tmp_path / "leads.csv"
    header = "Contact,,,Company,,\nPhone,First Name,Last Name,Company Name,Phone,Website\n"
    path.write_text(header + DATA_ROW + header + DATA_ROW)
    with open_source(path) as source:
        numbers = [n for chunk in source.chunks() for n in chunk.numbers]
        assert source.info.repeated_headers == [5, 6]
    assert numbers == [3, 4, 7, 8]


def test_a_lead_without_a_phone_holding_label_words_is_a_row(tmp_path: Path) -> None:
    path = tmp_path / "leads.csv"
    path.write_text("phone,name,label,type,city\n+14155550123,Ana,Home,Work,Paris\n,,Home,Work,\n")
    assert read_all(path).index.tolist() == [2, 3]
