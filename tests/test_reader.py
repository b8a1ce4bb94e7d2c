from __future__ import annotations

import codecs
from pathlib import Path

import openpyxl
import pytest

from importer.errors import EmptyFileError, EncodingError, InputFileError, UnsupportedFileError
from importer.reader import ReadOptions, detect_encoding, open_source, read_all, sniff_delimiter

from .conftest import SAMPLES, TEST_DATA

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
