"""The import command, run as users run it, with its reports read back."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from importer import cli as cli_module
from importer.reader import ReadOptions, SourceFile
from importer.status import ExitStatus

from . import test_cli_send, test_ledger
from .helpers import (
    SAMPLES,
    TEST_DATA,
    CliResult,
    assert_every_row_once,
    read_report,
    read_summary,
    write_csv,
)
from .test_suggest import apollo_export, only_first_builtins

Run = Callable[..., CliResult]
GOOD = [["phone", "first_name"], ["+14155550123", "Ana"], ["(212) 555-0102", "Bo"]]


def _one_error_line(result: CliResult) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ")
    assert "Traceback" not in result.stderr
    return lines[0]


def test_all_rows_accepted_exits_0(run_cli: Run, tmp_path: Path) -> None:
    source = write_csv(tmp_path / "leads.csv", GOOD)
    out = tmp_path / "out"
    result = run_cli(source, "--mapping", "generic", "--region", "US", "--dry-run", "--out", out)
    assert result.exit_code == ExitStatus.SUCCESS
    assert "accepted            2" in result.stderr
    assert "suppressed          0" in result.stderr  # shown even when none: an audit reads it
    assert f"Reports: {out}" in result.stderr
    assert [row["phone_e164"] for row in read_report(out / "accepted.csv")] == [
        "+14155550123",
        "+12125550102",
    ]
    for name in ("accepted.csv", "rejected.csv", "duplicates.csv", "summary.json"):
        assert (out / name).is_file()


def test_rejected_rows_exit_1_with_reasons_on_stderr(run_cli: Run, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run_cli(
        SAMPLES / "generic_leads.csv", "-m", "generic", "--region", "US", "--dry-run", "--out", out
    )
    assert result.exit_code == ExitStatus.ROWS_REJECTED
    assert "Top rejection reasons:" in result.stderr
    assert "phone_placeholder" in result.stderr
    summary = read_summary(out)
    assert summary["dry_run"] is True
    assert summary["rejected"] == len(read_report(out / "rejected.csv"))
    assert summary["total"] == summary["accepted"] + summary["rejected"] + summary["duplicates"]
    assert summary["source"]["sha256"]  # type: ignore[index]
    assert summary["mapping"]["name"] == "generic"  # type: ignore[index]


def test_explicit_import_subcommand(run_cli: Run, tmp_path: Path) -> None:
    source = write_csv(tmp_path / "leads.csv", GOOD)
    result = run_cli("import", source, "-m", "generic", "--region", "US", "--dry-run",
                     "--out", tmp_path / "o")  # fmt: skip
    assert result.exit_code == ExitStatus.SUCCESS


def test_default_report_folder(
    run_cli: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write_csv(tmp_path / "leads.csv", GOOD)
    result = run_cli("leads.csv", "-m", "generic", "--region", "US", "--dry-run")
    assert result.exit_code == ExitStatus.SUCCESS
    (folder,) = (tmp_path / "whiteclad-reports").iterdir()
    assert folder.name.startswith("leads-")
    assert (folder / "summary.json").is_file()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.csv", "-m", "generic", "--dry-run"], "no such file"),
        ([TEST_DATA / "empty.csv", "-m", "generic", "--dry-run"], "is empty"),
        ([TEST_DATA / "header_only.csv", "-m", "generic", "--dry-run"], "no data rows"),
        ([TEST_DATA / "not_a_spreadsheet.csv", "-m", "generic", "--dry-run"], "not a text"),
        ([TEST_DATA / "corrupt.xlsx", "-m", "generic", "--dry-run"], "as a workbook"),
        ([TEST_DATA / "mixed_encodings.csv", "-m", "generic", "--dry-run"], "mixes UTF-8"),
        ([SAMPLES / "leads.xlsx", "-m", "generic", "--sheet", "Nope", "--dry-run"], "no sheet"),
        ([SAMPLES / "generic_leads.csv", "-m", "nope", "--dry-run"], "built-in: apollo, facebook"),
        ([SAMPLES / "generic_leads.csv", "-m", "generic", "--region", "XX", "--dry-run"], "XX"),
        ([SAMPLES / "generic_leads.csv", "-m", "generic", "--encoding", "klingon", "--dry-run"],
         "unknown encoding"),
        ([SAMPLES / "generic_leads.csv", "-m", "generic", "--region", "US"], "--dry-run"),
    ],
)  # fmt: skip
def test_cannot_start_exits_2_with_one_line(
    run_cli: Run, tmp_path: Path, args: list[str | Path], message: str
) -> None:
    result = run_cli(*args, "--out", tmp_path / "out")
    assert result.exit_code == ExitStatus.CANNOT_START
    assert message in _one_error_line(result)
    assert not (tmp_path / "out" / "summary.json").exists()


def test_header_drift_exits_2_with_a_diff_and_the_fix(run_cli: Run, tmp_path: Path) -> None:
    mapping = tmp_path / "m.yaml"
    mapping.write_text("fields:\n  phone: Phone Number\n  email: E-mail\n  firstName: first\n")
    # Spellings that differ only in case or punctuation match; these differ in letters.
    write_csv(tmp_path / "leads.csv", [["Phone No", "Mail", "first", "Country"],
                                       ["+14155550123", "a@example.com", "Ana", "US"]])  # fmt: skip
    result = run_cli(tmp_path / "leads.csv", "-m", mapping, "--dry-run", "--out", tmp_path / "out")
    assert result.exit_code == ExitStatus.CANNOT_START
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith("Error: ") and "'Phone Number'" in lines[0]
    assert "Traceback" not in result.stderr
    diff = lines[lines.index("Headers the mapping expects but the file lacks, and the file's "
                             "columns it does not read:") + 1 :]  # fmt: skip
    assert diff[:4] == ["  - Phone Number", "  - E-mail", "  + Phone No", "  + Mail"]
    assert diff[4] == "  + Country"
    fix = lines[lines.index("Mapping lines that would fix it:") + 1 :]
    assert fix == [
        "  fields:",
        "    phone: \"Phone No\"   # was 'Phone Number'",
        "    email: \"Mail\"   # was 'E-mail'",
    ]
    assert not (tmp_path / "out" / "summary.json").exists()


def test_unmapped_columns_are_a_warning(run_cli: Run, tmp_path: Path) -> None:
    mapping = tmp_path / "m.yaml"
    mapping.write_text("fields:\n  phone: phone\nignore_columns: [id]\n")
    write_csv(tmp_path / "leads.csv", [["id", "phone", "Favourite colour"],
                                       ["1", "+14155550123", "blue"]])  # fmt: skip
    out = tmp_path / "out"
    result = run_cli(tmp_path / "leads.csv", "-m", mapping, "--dry-run", "--out", out)
    assert result.exit_code == ExitStatus.SUCCESS
    assert "'Favourite colour'" in result.stderr
    summary = read_summary(out)
    assert summary["mapping"]["unread_columns"] == ["Favourite colour"]
    assert any("'Favourite colour'" in notice for notice in summary["notices"])


def test_bad_yaml_mapping_exits_2(run_cli: Run, tmp_path: Path) -> None:
    mapping = tmp_path / "m.yaml"
    mapping.write_text("fields:\n  phone: [oops\n")
    result = run_cli(SAMPLES / "generic_leads.csv", "-m", mapping, "--dry-run", "--out", tmp_path)
    assert result.exit_code == ExitStatus.CANNOT_START
    assert str(mapping) in _one_error_line(result)


def test_usage_errors_exit_2(run_cli: Run) -> None:
    result = run_cli(SAMPLES / "generic_leads.csv", "--dry-run")
    assert result.exit_code == ExitStatus.CANNOT_START
    assert "Error: no mapping: pass --mapping" in result.stderr
    result = run_cli(SAMPLES / "generic_leads.csv", "-m", "generic", "--no-such-option")
    assert result.exit_code == ExitStatus.CANNOT_START
    assert "No such option '--no-such-option'" in result.stderr


def test_debug_shows_the_traceback(run_cli: Run, tmp_path: Path) -> None:
    result = run_cli(TEST_DATA / "empty.csv", "-m", "generic", "--dry-run", "--debug")
    assert result.exit_code == ExitStatus.CANNOT_START
    assert "Traceback" in result.stderr
    assert "EmptyFileError" in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("Error: ")


def test_ctrl_c_exits_130(run_cli: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli_module, "run_import", interrupted)
    source = write_csv(tmp_path / "leads.csv", GOOD)
    result = run_cli(source, "-m", "generic", "--dry-run")
    assert result.exit_code == ExitStatus.INTERRUPTED
    assert "Interrupted" in result.stderr


def test_a_defect_exits_70_and_asks_for_a_report(
    run_cli: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(cli_module, "run_import", broken)
    source = write_csv(tmp_path / "leads.csv", GOOD)
    result = run_cli(source, "-m", "generic", "--dry-run")
    assert result.exit_code == ExitStatus.INTERNAL_ERROR
    assert "--debug" in _one_error_line(result)


def test_a_report_folder_that_cannot_be_written_exits_74_naming_it(
    run_cli: Run, tmp_path: Path
) -> None:
    # A file where a folder is expected: a failure that root meets too (unlike chmod).
    (tmp_path / "taken").write_text("not a folder", encoding="utf-8")
    out = tmp_path / "taken" / "reports"
    source = write_csv(tmp_path / "leads.csv", GOOD)
    result = run_cli(source, "-m", "generic", "--dry-run", "--out", out)
    assert result.exit_code == ExitStatus.IO_ERROR == 74
    line = _one_error_line(result)
    assert str(out) in line
    assert "--out" in line
    assert "bug" not in line


def test_an_io_failure_no_stage_wrapped_exits_74_with_what_to_do(
    run_cli: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device", "/srv/leads/out")

    monkeypatch.setattr(cli_module, "run_import", full)
    source = write_csv(tmp_path / "leads.csv", GOOD)
    result = run_cli(source, "-m", "generic", "--dry-run")
    assert result.exit_code == ExitStatus.IO_ERROR
    line = _one_error_line(result)
    assert "/srv/leads/out (no space left on device)" in line
    assert "free disk space" in line
    assert "bug" not in line


def test_every_exit_status_has_a_test() -> None:
    tested = {
        ExitStatus.SUCCESS: test_all_rows_accepted_exits_0,
        ExitStatus.ROWS_REJECTED: test_rejected_rows_exit_1_with_reasons_on_stderr,
        ExitStatus.CANNOT_START: test_cannot_start_exits_2_with_one_line,
        ExitStatus.INCOMPLETE: test_cli_send.test_out_of_credits_mid_run,
        ExitStatus.BUSY: test_ledger.test_second_import_into_the_same_campaign_is_refused,
        ExitStatus.API_UNAVAILABLE: (
            test_cli_send.test_passing_api_trouble_longer_than_the_patience_exits_75_with_pending_rows
        ),
        ExitStatus.INTERNAL_ERROR: test_a_defect_exits_70_and_asks_for_a_report,
        ExitStatus.IO_ERROR: test_a_report_folder_that_cannot_be_written_exits_74_naming_it,
        ExitStatus.INTERRUPTED: test_ctrl_c_exits_130,
    }
    assert set(tested) == set(ExitStatus)


def test_lenient_keeps_leads_with_bad_optional_values(run_cli: Run, tmp_path: Path) -> None:
    source = write_csv(
        tmp_path / "leads.csv",
        [["phone", "email", "timezone"], ["+14155550123", "nope", "Mars/Olympus"], ["N/A", "", ""]],
    )
    strict = run_cli(source, "-m", "generic", "--dry-run", "--out", tmp_path / "strict")
    assert strict.exit_code == ExitStatus.ROWS_REJECTED
    assert len(read_report(tmp_path / "strict" / "rejected.csv")) == 2
    lenient = run_cli(source, "-m", "generic", "--lenient", "--dry-run", "--out", tmp_path / "l")
    assert lenient.exit_code == ExitStatus.ROWS_REJECTED  # the N/A phone is still rejected
    (accepted,) = read_report(tmp_path / "l" / "accepted.csv")
    assert "email 'nope'" in accepted["warnings"]
    assert "timeZone 'Mars/Olympus'" in accepted["warnings"]
    # Two dropped values, and the number is one of the fictional 555-0100 to 0199.
    assert read_summary(tmp_path / "l")["warnings"] == 3
    assert "fictional" in accepted["warnings"]


def test_a_fixed_rejected_csv_imports_again(run_cli: Run, tmp_path: Path) -> None:
    first = tmp_path / "first"
    run_cli(SAMPLES / "generic_leads.csv", "-m", "generic", "--region", "US", "--dry-run",
            "--out", first)  # fmt: skip
    rejected = read_report(first / "rejected.csv")
    # The user fixes the phone of the rows rejected only for their phone, in Excel.
    fixed_rows = {row["source_row"] for row in rejected if row["error_codes"].startswith("phone_")
                  and " " not in row["error_codes"]}  # fmt: skip
    for number, row in enumerate(rejected):
        if row["source_row"] in fixed_rows:
            row["phone"] = f"+1 415 555 {number:04d}"
    edited = tmp_path / "rejected_fixed.csv"
    with edited.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rejected[0]))
        writer.writeheader()
        writer.writerows(rejected)
    second = tmp_path / "second"
    result = run_cli(edited, "-m", "generic", "--region", "US", "--dry-run", "--out", second)
    assert result.exit_code == ExitStatus.ROWS_REJECTED
    accepted = read_report(second / "accepted.csv")
    # A row rejected only for a stray extra value comes back without it (the error quoted it).
    stray = {row["source_row"] for row in rejected if row["error_codes"] == "row_too_many_values"}
    assert len(accepted) == len(fixed_rows) + len(stray)
    assert fixed_rows
    assert "error" not in read_summary(second)["source"]["columns"]  # type: ignore[operator]
    assert len(read_report(second / "rejected.csv")) == len(rejected) - len(accepted)


def test_workbook_options_pass_through(run_cli: Run, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run_cli(SAMPLES / "leads.xlsx", "-m", "generic", "--region", "US", "--sheet",
                     "Archive", "--dry-run", "--out", out)  # fmt: skip
    summary = read_summary(out)
    assert summary["source"]["sheet"] == "Archive"  # type: ignore[index]
    assert result.exit_code in (ExitStatus.SUCCESS, ExitStatus.ROWS_REJECTED)


def test_encoding_and_delimiter_options(run_cli: Run, tmp_path: Path) -> None:
    source = tmp_path / "leads.txt"
    source.write_bytes("phone|name\n+14155550123|Jos\xe9\n".encode("latin-1"))
    out = tmp_path / "out"
    result = run_cli(source, "-m", "generic", "--encoding", "latin-1", "--delimiter", "|",
                     "--dry-run", "--out", out)  # fmt: skip
    assert result.exit_code == ExitStatus.SUCCESS
    assert read_report(out / "accepted.csv")[0]["name"] == "José"


def test_help_shows_examples(run_cli: Run) -> None:
    for args in (["--help"], ["import", "--help"]):
        result = run_cli(*args)
        assert result.exit_code == ExitStatus.SUCCESS
        assert "Example" in result.stdout


def test_version(run_cli: Run) -> None:
    result = run_cli("--version")
    assert result.exit_code == ExitStatus.SUCCESS
    assert "whiteclad-import, version" in result.stdout


def test_progress_bar_only_when_asked(tmp_path: Path) -> None:
    from importer.render import ProgressBar

    stream = io.StringIO()
    bar = ProgressBar(stream, enabled=True)
    bar.start(100, "rows", "validating")
    bar.update(50, {"accepted": 40, "rejected": 5, "duplicates": 5})
    bar.update(100, {"accepted": 80, "rejected": 10, "duplicates": 10})
    bar.close()
    assert "0/100" in stream.getvalue()
    assert "validating" in stream.getvalue()
    quiet = io.StringIO()
    off = ProgressBar(quiet, enabled=False)
    off.start(100, "rows", "validating")
    off.update(50, {})
    off.close()
    assert quiet.getvalue() == ""


UK_ADVICE = "is not a country code phone numbers know; use GB (the ISO code of the United Kingdom)"


def test_a_mapping_with_region_uk_exits_2_before_reading_rows(run_cli: Run, tmp_path: Path) -> None:
    mapping = tmp_path / "m.yaml"
    mapping.write_text("fields:\n  phone: phone\nregion: UK\n")
    # The file does not exist: the mapping is refused before the file is opened.
    result = run_cli(tmp_path / "missing.csv", "-m", mapping, "--dry-run", "--out", tmp_path / "o")
    assert result.exit_code == ExitStatus.CANNOT_START
    assert _one_error_line(result) == f"Error: mapping {mapping}: region 'UK' {UK_ADVICE}"
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(
    ("args", "env", "named"),
    [
        (["--region", "UK"], {}, "--region"),
        ([], {"WHITECLAD_REGION": "UK"}, "WHITECLAD_REGION"),
    ],
)
def test_region_uk_is_refused_with_the_iso_code(
    run_cli: Run,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    env: dict[str, str],
    named: str,
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    source = write_csv(tmp_path / "leads.csv", GOOD)
    result = run_cli(source, "-m", "generic", *args, "--dry-run", "--out", tmp_path / "o")
    assert result.exit_code == ExitStatus.CANNOT_START
    assert _one_error_line(result) == f"Error: {named} 'UK' {UK_ADVICE}"


TITLED = [
    ["Leads from the spring fair"],
    ["phone", "first_name"],
    ["+14155550123", "Ana"],
    ["(212) 555-0102", "Bo"],
    ["N/A", "Cy"],
    ["+14155550123", "Ana again"],
]


def _titled(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "titled.csv", TITLED)


def test_header_row_option_skips_a_title_row(run_cli: Run, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run_cli(_titled(tmp_path), "-m", "generic", "--region", "US", "--header-row", "2",
                     "--dry-run", "--out", out)  # fmt: skip
    assert result.exit_code == ExitStatus.ROWS_REJECTED, result.stderr
    reports = assert_every_row_once(out, 4)
    assert {name: [row["source_row"] for row in rows] for name, rows in reports.items()} == {
        "accepted": ["3", "4"], "rejected": ["5"], "duplicates": ["6"], "suppressed": [],
        "pending": [],
    }  # fmt: skip
    summary = read_summary(out)
    assert summary["source"]["header_row"] == 2  # type: ignore[index]
    assert summary["source"]["columns"] == ["phone", "first_name"]  # type: ignore[index]
    lines = result.stderr.splitlines()
    assert lines[-2:] == [
        "Header: row 2 (row 1 above it skipped; --header-row N picks another)",
        f"Reports: {out}",
    ]


def test_header_row_of_the_mapping_and_the_option_overrides_it(
    run_cli: Run, tmp_path: Path
) -> None:
    source = _titled(tmp_path)
    mapping = tmp_path / "m.yaml"
    mapping.write_text(
        "fields:\n  phone: phone\n  firstName: first_name\nregion: US\nheader_row: 2\n"
    )
    result = run_cli(source, "-m", mapping, "--dry-run", "--out", tmp_path / "a")
    assert result.exit_code == ExitStatus.ROWS_REJECTED, result.stderr
    assert read_summary(tmp_path / "a")["source"]["header_row"] == 2  # type: ignore[index]
    mapping.write_text(
        "fields:\n  phone: phone\n  firstName: first_name\nregion: US\nheader_row: 5\n"
    )
    result = run_cli(
        source, "-m", mapping, "--header-row", "2", "--dry-run", "--out", tmp_path / "b"
    )
    assert result.exit_code == ExitStatus.ROWS_REJECTED, result.stderr
    assert_every_row_once(tmp_path / "b", 4)


def test_a_header_on_row_1_adds_no_header_line(run_cli: Run, tmp_path: Path) -> None:
    source = write_csv(tmp_path / "leads.csv", GOOD)
    result = run_cli(source, "-m", "generic", "--region", "US", "--header-row", "1", "--dry-run",
                     "--out", tmp_path / "o")  # fmt: skip
    assert result.exit_code == ExitStatus.SUCCESS
    assert "Header:" not in result.stderr
    assert "Sheet:" not in result.stderr
    source_info = read_summary(tmp_path / "o")["source"]
    assert source_info["sheets"] == []  # type: ignore[index]
    assert source_info["header_row"] == 1  # type: ignore[index]


def _workbook(path: Path) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    leads = book.active
    assert leads is not None
    leads.title = "Leads"
    leads.append(["phone", "first_name"])
    leads.append(["+14155550123", "Ana"])
    leads.append(["+12125550102", "Bo"])
    old = book.create_sheet("Old")
    old.append(["phone"])
    for number in range(3):
        old.append([f"+1415555020{number}"])
    old.sheet_state = "hidden"
    archive = book.create_sheet("Archive")
    archive.append(["phone"])
    archive.append(["+14155550300"])
    archive.append(["+14155550301"])
    book.active = 0
    book.save(path)
    return path


def test_the_sheet_read_and_the_others_are_named(run_cli: Run, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run_cli(_workbook(tmp_path / "leads.xlsx"), "-m", "generic", "--region", "US",
                     "--dry-run", "--out", out)  # fmt: skip
    assert result.exit_code == ExitStatus.SUCCESS, result.stderr
    source = read_summary(out)["source"]
    assert source["sheet"] == "Leads"  # type: ignore[index]
    sheets = source["sheets"]  # type: ignore[index]
    assert [(s["name"], s["hidden"]) for s in sheets] == [
        ("Leads", False), ("Old", True), ("Archive", False)
    ]  # fmt: skip
    rows = {s["name"]: s["rows"] for s in sheets}
    line = (
        f"Sheet: Leads; other sheets (--sheet to read one): Old (hidden, {rows['Old']} rows), "
        f"Archive ({rows['Archive']} rows)"
    )
    assert line in result.stderr.splitlines()
    assert rows["Old"] > rows["Archive"]
    from openpyxl import load_workbook

    facts = {row[0]: row[1] for row in load_workbook(out / "report.xlsx")["Summary"].iter_rows(
        values_only=True) if row[0]}  # fmt: skip
    assert facts["Sheet"] == line.removeprefix("Sheet: ")


def test_reader_notices_are_shown_and_kept(
    run_cli: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dataclasses import replace

    from importer import pipeline

    said = "this file looks like Mac Roman; check the accented names"
    real = pipeline.open_source

    def open_with_a_notice(path: Path, read: ReadOptions) -> SourceFile:
        source = real(path, read)
        source.info = replace(source.info, notices=(said,))
        return source

    monkeypatch.setattr(pipeline, "open_source", open_with_a_notice)
    out = tmp_path / "out"
    source = write_csv(tmp_path / "leads.csv", GOOD)
    result = run_cli(source, "-m", "generic", "--region", "US", "--dry-run", "--out", out)
    assert result.exit_code == ExitStatus.SUCCESS
    assert f"Warning: {said}" in result.stderr.splitlines()
    assert read_summary(out)["notices"] == [said]


def test_no_infer_timezone_sends_leads_without_a_zone(run_cli: Run, tmp_path: Path) -> None:
    source = write_csv(tmp_path / "leads.csv", [["phone", "zip"], ["+18502221234", "32501"]])
    inferred = run_cli(source, "-m", "generic", "--dry-run", "--out", tmp_path / "on")
    assert inferred.exit_code == ExitStatus.SUCCESS, inferred.stderr
    (row,) = read_report(tmp_path / "on" / "accepted.csv")
    assert (row["time_zone"], row["time_zone_source"]) == ("America/Chicago", "postal_code")
    assert "time_zone_conflict" not in row["warnings"] and "America/New_York" in row["warnings"]
    assert "Time zones: 0 from the file, 1 from postal codes" in inferred.stderr
    off = run_cli(source, "-m", "generic", "--dry-run", "--out", tmp_path / "off",
                  "--no-infer-timezone")  # fmt: skip
    assert off.exit_code == ExitStatus.SUCCESS, off.stderr
    (row,) = read_report(tmp_path / "off" / "accepted.csv")
    assert (row["time_zone"], row["time_zone_source"], row["warnings"]) == ("", "", "")
    summary = read_summary(tmp_path / "off")
    assert summary["time_zone_sources"] == {"file": 0, "postal_code": 0, "phone": 0, "none": 1}


def test_import_without_a_mapping_does_not_call_an_apollo_export_a_salesforce_one(
    run_cli: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = apollo_export(tmp_path / "apollo.csv")
    result = run_cli(path, "--dry-run")
    assert result.exit_code == ExitStatus.CANNOT_START
    assert "'salesforce'" not in _one_error_line(result)
    # With the built-ins of before (no Apollo.io one): none fits, why not, and what to run.
    only_first_builtins(monkeypatch)
    result = run_cli(path, "--dry-run")
    assert result.exit_code == ExitStatus.CANNOT_START
    line = _one_error_line(result)
    assert line.startswith("Error: no mapping: pass --mapping with a YAML file or a built-in name")
    assert line.endswith(
        "or set mapping: in the profile (no built-in mapping fits this file: 'salesforce' reads "
        "only 7 of the file's 31 columns and not the phone columns 'First Phone', 'Work Direct "
        f"Phone' and 2 more); or run 'whiteclad-import mapping suggest {path} --out "
        f"{tmp_path / 'apollo.yaml'}' to get one written"
    )
    assert "looks like" not in line


def test_import_without_a_mapping_names_a_builtin_only_when_it_fits(
    run_cli: Run, tmp_path: Path
) -> None:
    for sample, builtin in [("salesforce_leads.csv", "salesforce"),
                            ("mailchimp_audience.csv", "mailchimp")]:  # fmt: skip
        line = _one_error_line(run_cli(SAMPLES / sample, "--dry-run"))
        assert f"This file looks like a '{builtin}' export: add --mapping {builtin}" in line
    odd = write_csv(tmp_path / "odd.csv", [["colour", "size"], ["red", "4"]])
    line = _one_error_line(run_cli(odd, "--dry-run"))
    assert line.endswith(
        "(no built-in mapping fits this file); or run "
        f"'whiteclad-import mapping suggest {odd}' to get one written"
    )


def test_masked_numbers_are_rejected_and_numbers_people_write_are_sent(
    run_cli: Run, tmp_path: Path
) -> None:
    source = write_csv(
        tmp_path / "leads.csv",
        [
            ["phone", "first_name", "country", "zip"],
            ["(718) 274-XXXX", "Ann", "US", ""],
            ["+44 161 496 XXXX", "Ben", "", ""],
            ["+52 1 55 1234 5678", "Beto", "", ""],
            ["044 33 1234 5678", "Carla", "MX", ""],
            ["0xx11 91234 5678", "Duda", "BR", ""],
            ['="+1 415 555 0123"', "Cy", "", ""],
            ["\u2019+44 20 7946 0123", "Di", "", ""],
            ["020 7946 0124", "Ed", "0044", ""],
            ["020 7946 0125", "Flo", "(+44)", ""],
            ["(415) 555-0126", "Gil", '="1"', '="02134"'],
            ["#NO_VALUE!", "Hal", "US", ""],
            ["(415) 555-0127", "Ivy", "US", "'02134"],
        ],
    )
    out = tmp_path / "out"
    result = run_cli(source, "-m", "generic", "--dry-run", "--write-leads", "--out", out)
    assert result.exit_code == ExitStatus.ROWS_REJECTED, result.stderr
    assert_every_row_once(out, 12)
    rejected = {row["first_name"]: row for row in read_report(out / "rejected.csv")}
    assert set(rejected) == {"Ann", "Ben", "Hal"}
    assert rejected["Ann"]["error_codes"] == rejected["Ben"]["error_codes"] == "phone_masked"
    assert "hidden" in rejected["Ann"]["error"] and "full number" in rejected["Ann"]["error"]
    assert rejected["Hal"]["error_codes"] == "phone_cell_error"
    assert "open the file in Excel and save it again" in rejected["Hal"]["error"]
    accepted = {row["first_name"]: row for row in read_report(out / "accepted.csv")}
    assert {name: row["phone_e164"] for name, row in accepted.items()} == {
        "Beto": "+525512345678",
        "Carla": "+523312345678",
        "Duda": "+5511912345678",
        "Cy": "+14155550123",
        "Di": "+442079460123",
        "Ed": "+442079460124",
        "Flo": "+442079460125",
        "Gil": "+14155550126",
        "Ivy": "+14155550127",
    }
    # The ZIP written as text for Excel decides the zone, not the phone's area.
    for name in ("Gil", "Ivy"):
        assert (accepted[name]["time_zone"], accepted[name]["time_zone_source"]) == (
            "America/New_York",
            "postal_code",
        )
    # Nothing masked is in the leads a run would send.
    leads = (out / "leads.jsonl").read_text(encoding="utf-8")
    assert "274" not in leads and "9999" not in leads and "6666" not in leads


def test_two_exports_pasted_with_their_columns_swapped_keep_each_name_in_place(
    run_cli: Run, tmp_path: Path
) -> None:
    source = tmp_path / "pasted.csv"
    source.write_text(
        "phone,first_name,last_name\n+14155550123,Ana,Lee\n+14155550124,Bo,Chan\n"
        "last_name,first_name,phone\nDiaz,Cy,+14155550125\nEng,Di,+14155550126\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    result = run_cli(source, "-m", "generic", "--dry-run", "--out", out)
    assert result.exit_code == ExitStatus.SUCCESS, result.stderr
    accepted = read_report(out / "accepted.csv")
    assert [(row["first_name"], row["last_name"], row["source_row"]) for row in accepted] == [
        ("Ana", "Lee", "2"), ("Bo", "Chan", "3"), ("Cy", "Diaz", "5"), ("Di", "Eng", "6"),
    ]  # fmt: skip
    assert not (out / "rejected.csv").exists() or not read_report(out / "rejected.csv")
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["total"] == 4
    assert summary["source"]["repeated_headers"] == [4]
    assert "header repeated below, dropped: 1 (row 4)" in result.stdout + result.stderr
    from openpyxl import load_workbook

    facts = {row[0]: row[1] for row in load_workbook(out / "report.xlsx")["Summary"].iter_rows(
        values_only=True) if row[0]}  # fmt: skip
    assert facts["Header repeated"] == "row 4: dropped, not leads"


_SWITCHBOARD = [
    ["First Name", "First Phone", "Mobile Phone", "Corporate Phone"],
    ["Ana", "", "", "'+1 212-555-0199"],
    ["Bo", "12345", "'+1 415-555-0123", "'+1 212-555-0198"],
]


def test_a_switchboard_only_row_is_rejected_by_default(run_cli: Run, tmp_path: Path) -> None:
    source = write_csv(tmp_path / "apollo.csv", _SWITCHBOARD)
    out = tmp_path / "out"
    result = run_cli(source, "-m", "apollo", "--region", "US", "--dry-run", "--out", out)
    assert result.exit_code == ExitStatus.ROWS_REJECTED, result.stderr
    reports = assert_every_row_once(out, 2)
    [rejected] = reports["rejected"]
    assert rejected["error_codes"] == "phone_company_line"
    assert "only the company's main number (Corporate Phone)" in rejected["error"]
    [accepted] = reports["accepted"]
    assert accepted["phone_e164"] == "+14155550123"
    assert "First Phone '12345' is not a valid number" in accepted["warnings"]


def test_send_company_lines_sends_the_switchboard_with_a_warning(
    run_cli: Run, tmp_path: Path
) -> None:
    source = write_csv(tmp_path / "apollo.csv", _SWITCHBOARD)
    out = tmp_path / "out"
    result = run_cli(source, "-m", "apollo", "--region", "US", "--dry-run", "--out", out,
                     "--send-company-lines")  # fmt: skip
    assert result.exit_code == ExitStatus.SUCCESS, result.stderr
    reports = assert_every_row_once(out, 2)
    phones = {row["source_row"]: row for row in reports["accepted"]}
    assert phones["2"]["phone_e164"] == "+12125550199"
    assert "company's main number (Corporate Phone)" in phones["2"]["warnings"]
