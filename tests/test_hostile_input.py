"""Hostile and broken input: every file and mapping here ends with exit 2 and one line.

Never a traceback, never a hang, memory bounded by what the checks allow. The
fuzz tests at the end feed random bytes to the reader and random text to the
normalizers: nothing but the project's own errors may come out.
"""

from __future__ import annotations

import contextlib
import resource
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from importer.config import load_settings
from importer.countries import normalize_region
from importer.errors import ImporterError
from importer.mapping import load_mapping
from importer.normalize import (
    Phone,
    Problem,
    normalize_email,
    normalize_phone,
    normalize_priority,
    normalize_tags,
    split_tags,
)
from importer.reader import ReadOptions, open_source
from importer.sandbox import SandboxServer
from importer.status import ExitStatus
from importer.timezones import normalize_timezone

from .helpers import SAMPLES, CliResult, UseServer, read_report, us_numbers, write_csv

Run = Callable[..., CliResult]
TEST_DATA = Path(__file__).parent / "data"


def _one_line_exit_2(result: CliResult, *words: str) -> None:
    assert result.exit_code == ExitStatus.CANNOT_START, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ")
    assert "Traceback" not in result.stderr
    for word in words:
        assert word in lines[0], lines[0]


def _import(run_cli: Run, path: Path, *extra: str) -> CliResult:
    return run_cli(path, "-m", "generic", "--region", "US", "--dry-run",
                   "--out", path.parent / "out", *extra)  # fmt: skip


def _bomb(path: Path, unpacked_mib: int) -> Path:
    """A real workbook whose sheet unpacks to ``unpacked_mib`` MiB of repeated rows."""
    source = zipfile.ZipFile(SAMPLES / "leads.xlsx")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename != "xl/worksheets/sheet1.xml":
                out.writestr(item, data)
                continue
            head = data[: data.index(b"<sheetData>") + len(b"<sheetData>")]
            row = (
                b'<row r="2"><c r="A2" t="inlineStr"><is><t>' + b"7" * 1000 + b"</t></is></c></row>"
            )
            block = row * 1024  # about 1 MiB
            with out.open(item.filename, "w", force_zip64=True) as sheet:
                sheet.write(head)
                for _ in range(unpacked_mib):
                    sheet.write(block)
                sheet.write(data[data.index(b"</sheetData>") :])
    return path


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("empty.csv", ["is empty"]),
        ("header_only.csv", ["no data rows"]),
        ("not_a_spreadsheet.csv", ["not a text spreadsheet"]),
        ("corrupt.xlsx", ["cannot be read as a workbook"]),
        ("mixed_encodings.csv", ["encoding"]),
    ],
)
def test_broken_files_from_the_test_data(
    run_cli: Run, tmp_path: Path, name: str, words: list[str]
) -> None:
    shutil.copy(TEST_DATA / name, tmp_path / name)
    _one_line_exit_2(_import(run_cli, tmp_path / name), str(tmp_path / name), *words)


def test_a_binary_file_named_xlsx(run_cli: Run, tmp_path: Path) -> None:
    path = tmp_path / "leads.xlsx"
    path.write_bytes(b"\x7fELF" + bytes(range(256)) * 40)
    _one_line_exit_2(_import(run_cli, path), str(path))


@pytest.mark.slow
def test_an_xlsx_zip_bomb_is_refused_before_it_is_unpacked(run_cli: Run, tmp_path: Path) -> None:
    path = _bomb(tmp_path / "bomb.xlsx", unpacked_mib=1100)
    assert path.stat().st_size < 20 << 20
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result = _import(run_cli, path)
    _one_line_exit_2(result, str(path), "zip bomb")
    # Refused from the zip's directory: not a gigabyte of XML read into memory.
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 200 * 1024


def test_a_workbook_that_packs_suspiciously_well(tmp_path: Path) -> None:
    with pytest.raises(ImporterError, match="zip bomb"):
        open_source(_bomb(tmp_path / "ratio.xlsx", unpacked_mib=150))


def test_formulas_and_external_links_are_never_evaluated(run_cli: Run, tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["phone", "first_name", "notes"])
    sheet.append(["=1+1", "Ana", '=HYPERLINK("http://example.com","x")'])
    sheet.append(["+14155550123", "=[1]Sheet1!A1", "='C:\\evil\\[book.xlsx]Sheet1'!A1"])
    sheet.append(["+14155550124", "Bo", '=WEBSERVICE("http://example.com")'])
    path = tmp_path / "formulas.xlsx"
    book.save(path)
    with open_source(path) as source:
        rows = [row for chunk in source.chunks() for row in chunk.rows]
    # Only the values the file holds: none were ever calculated here, so each formula
    # reads as the marker of a formula saved without its result, never as its text.
    assert rows == [
        ["#NO_VALUE!", "Ana", "#NO_VALUE!"],
        ["+14155550123", "#NO_VALUE!", "#NO_VALUE!"],
        ["+14155550124", "Bo", "#NO_VALUE!"],
    ]
    result = _import(run_cli, path)
    assert result.exit_code == ExitStatus.ROWS_REJECTED


def test_a_100_mb_line_is_refused_with_bounded_memory(run_cli: Run, tmp_path: Path) -> None:
    path = tmp_path / "long.csv"
    with path.open("w") as handle:
        handle.write("phone,notes\n+14155550123,")
        for _ in range(100):
            handle.write("x" * 1_000_000)
        handle.write("\n+14155550124,ok\n")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    _one_line_exit_2(_import(run_cli, path), str(path), "line 2 is longer than 32 MB")
    # Found while the file is read in blocks for its checksum: the line is never held.
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 50 * 1024
    # The same with the encoding given, and with only carriage returns as line breaks.
    _one_line_exit_2(_import(run_cli, path, "--encoding", "utf-8"), "line 2")
    path.write_bytes(b"phone\r+14155550123\r" + b"7" * (40 << 20) + b"\r")
    _one_line_exit_2(_import(run_cli, path), "line 3 is longer")


def test_a_file_larger_than_max_file_size_is_not_read(run_cli: Run, tmp_path: Path) -> None:
    path = tmp_path / "huge.csv"
    with path.open("wb") as handle:
        handle.write(b"phone\n+14155550123\n")
        handle.truncate(2 << 30)  # 2 GiB, sparse: nothing to read, nothing written
    result = _import(run_cli, path, "--max-file-size", "1GB")
    _one_line_exit_2(result, str(path), "2.1 GB", "--max-file-size")
    with pytest.raises(ImporterError, match="max-file-size"):
        open_source(path, ReadOptions(max_file_size=1000))


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"phone,name\n+14155550123,A\x00na\n", ["binary data"]),
        (
            b"4155550123,Ana,ana@example.com\n4155550124,Bo,bo@example.com\n",
            ["first row holds values"],
        ),
        (b"phone,name,phone\n+14155550123,A,B\n", ["appears twice"]),
        (b"phone,notes\n+14155550123,a\rb\n", []),
    ],
    ids=["nul", "numbers-as-header", "duplicate-headers", "stray-cr"],
)
def test_odd_csv_files(run_cli: Run, tmp_path: Path, content: bytes, words: list[str]) -> None:
    path = tmp_path / "odd.csv"
    path.write_bytes(content)
    result = _import(run_cli, path)
    if not words:  # readable after all: it must simply work
        assert result.exit_code in (ExitStatus.SUCCESS, ExitStatus.ROWS_REJECTED), result.stderr
        return
    _one_line_exit_2(result, str(path), *words)


def test_nul_bytes_deep_in_a_large_file(run_cli: Run, tmp_path: Path) -> None:
    path = tmp_path / "late-nul.csv"
    body = "".join(f"+1415555{n % 10000:04d},Name{n}\n" for n in range(20_000))
    path.write_bytes(b"phone,name\n" + body.encode() + b"+14155550123,A\x00na\n")
    result = _import(run_cli, path)
    assert result.exit_code in (ExitStatus.CANNOT_START, ExitStatus.ROWS_REJECTED, 0)
    assert "Traceback" not in result.stderr
    if result.exit_code == ExitStatus.CANNOT_START:
        _one_line_exit_2(result, str(path))


# --- mappings -------------------------------------------------------------------

LAUGHS = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
fields:
  phone: phone
  notes: {value: *f}
"""


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('fields:\n  phone: !!python/object/apply:os.system ["echo pwned"]\n', ["python/object"]),
        ("fields: !!python/name:os.system\n", ["python/name"]),
        (LAUGHS, ["anchors or aliases"]),
        ("fields:\n  phone: phone\ncustom_fields:\n  7: phone\n", ["key 7", "quotes"]),
        ("fields:\n  phone: phone\n  ? [a, b]\n  : x\n", ["unhashable"]),
        ("fields:\n  phone: 12\n", ["12 is not a column name"]),
        ("fields: [phone]\n", ["fields"]),
        ("- phone\n", ["must be a YAML mapping"]),
        ("fields:\n  phone: {column: phone, split: [1]}\n", ["fields.phone"]),
        ("\x00\x01", ["not valid YAML"]),
    ],
    ids=["python-object", "python-name", "billion-laughs", "int-key", "list-key", "int-value",
         "list-fields", "list-document", "bad-split", "binary"],
)  # fmt: skip
def test_hostile_mappings(run_cli: Run, tmp_path: Path, text: str, words: list[str]) -> None:
    mapping = tmp_path / "m.yaml"
    mapping.write_text(text, encoding="utf-8")
    result = run_cli(SAMPLES / "generic_leads.csv", "-m", mapping, "--region", "US",
                     "--dry-run", "--out", tmp_path / "out")  # fmt: skip
    _one_line_exit_2(result, str(mapping), *words)
    assert not (tmp_path / "pwned").exists()


def test_hostile_config_file(run_cli: Run, tmp_path: Path) -> None:
    config = tmp_path / "whiteclad.yaml"
    config.write_text("profiles:\n  a: &a {region: US}\n  b: *a\n", encoding="utf-8")
    result = run_cli("config", "check", "--config", config)
    _one_line_exit_2(result, str(config), "anchors or aliases")


# --- fuzzing --------------------------------------------------------------------

_TEXTY = st.one_of(
    st.binary(max_size=400),
    st.lists(
        st.lists(st.text(alphabet=st.characters(codec="utf-8"), max_size=8), max_size=5),
        min_size=1, max_size=6,
    ).map(lambda rows: "\n".join(",".join(row) for row in rows).encode()),
    st.sampled_from([b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"PK\x03\x04", b"\x00"]).flatmap(
        lambda head: st.binary(max_size=200).map(lambda tail: head + tail)
    ),
)  # fmt: skip


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow,
          HealthCheck.function_scoped_fixture])  # fmt: skip
@given(data=_TEXTY, suffix=st.sampled_from([".csv", ".txt", ".xlsx", ".tsv"]))
def test_reader_raises_only_its_own_errors(tmp_path: Path, data: bytes, suffix: str) -> None:
    path = tmp_path / f"fuzz{suffix}"
    path.write_bytes(data)
    try:
        with open_source(path, ReadOptions(chunk_rows=3)) as source:
            for chunk in source.chunks():
                assert all(len(row) == len(source.info.columns) for row in chunk.rows)
    except ImporterError:
        pass


_ANY_TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=40)
_PHONEISH = st.text(alphabet="0123456789+-() .xext#p:/'*", max_size=30)


@settings(max_examples=500, deadline=None)
@given(raw=st.one_of(_ANY_TEXT, _PHONEISH), region=st.sampled_from([None, "US", "GB", "DE", "ZZ"]))
def test_phone_normalizer_returns_a_phone_or_a_problem(raw: str, region: str | None) -> None:
    result = normalize_phone(raw, region)
    assert isinstance(result, Phone | Problem)
    if isinstance(result, Phone):
        assert result.e164.startswith("+") and result.e164[1:].isdigit()


@settings(max_examples=300, deadline=None)
@given(raw=_ANY_TEXT, separator=st.sampled_from([None, ",", ";", "|"]))
def test_tag_time_zone_and_other_normalizers_never_raise(raw: str, separator: str | None) -> None:
    assert isinstance(normalize_tags(split_tags(raw, separator)), list | Problem)
    assert isinstance(normalize_timezone(raw), str | Problem | type(None))
    assert isinstance(normalize_email(raw), str | Problem | type(None))
    assert isinstance(normalize_priority(raw), str | Problem | type(None))
    assert normalize_region(raw) is None or len(normalize_region(raw) or "") == 2


def test_formula_cells_reach_the_api_as_plain_text(
    run_cli: Run,
    sandbox: SandboxServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    use_server: UseServer,
) -> None:
    campaign = requests.post(
        sandbox.base_url.split("/api/")[0] + "/_sandbox/campaigns",
        json={"name": "Formula cells", "status": "active"}, timeout=5,
    ).json()["campaign"]["id"]  # fmt: skip
    hostile = ['=HYPERLINK("http://example.com","x")', "+cmd|' /C calc'!A0", "@SUM(1+1)"]
    rows = [
        ["phone", "first_name"],
        *([n, cell] for n, cell in zip(us_numbers(3, 9500), hostile, strict=True)),
    ]
    source = write_csv(tmp_path / "leads.csv", rows)
    use_server(sandbox)
    result = run_cli(source, "-m", "generic", "-c", campaign, "--out", tmp_path / "out")
    assert result.exit_code == ExitStatus.SUCCESS, result.stderr
    root = sandbox.base_url.split("/api/")[0]
    body = requests.get(f"{root}/_sandbox/leads", params={"campaignId": campaign}, timeout=5)
    stored = body.json().get("data", body.json())
    stored = stored.get("leads", stored) if isinstance(stored, dict) else stored
    assert sorted(lead["lead"]["firstName"] for lead in stored) == sorted(hostile)
    accepted = read_report(tmp_path / "out" / "accepted.csv")
    assert sorted(row["first_name"] for row in accepted) == sorted("'" + c for c in hostile)


_YAMLISH = st.one_of(
    st.text(alphabet=st.sampled_from(list("fields:phone {}[]-,&*!|>'\"\n\t #@%?0123456789")),
            max_size=80),
    st.text(max_size=60),
    st.builds(lambda body: "fields:\n  phone: " + body, st.text(max_size=40)),
)  # fmt: skip


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(text=_YAMLISH)
def test_mapping_and_config_loaders_raise_only_their_own_errors(tmp_path: Path, text: str) -> None:
    path = tmp_path / "fuzz.yaml"
    path.write_text(text, encoding="utf-8")
    path.chmod(0o600)
    with contextlib.suppress(ImporterError):
        load_mapping(path)
    with contextlib.suppress(ImporterError):
        load_settings(config=path, env={})
