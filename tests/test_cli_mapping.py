from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from importer.mapping import builtin_mappings, load_mapping
from importer.status import ExitStatus

from .helpers import SAMPLES, CliResult, write_csv
from .test_suggest import APOLLO_PHONES, apollo_export, only_first_builtins

Run = Callable[..., CliResult]


def test_mappings_lists_every_builtin_on_one_line(run_cli: Run) -> None:
    result = run_cli("mappings")
    assert result.exit_code == ExitStatus.SUCCESS
    lines = result.stdout.strip().splitlines()
    assert [line.split()[0] for line in lines] == list(builtin_mappings())
    for line, name in zip(lines, builtin_mappings(), strict=True):
        assert load_mapping(name).description in line


def test_suggest_prints_a_mapping_that_loads(run_cli: Run, tmp_path: Path) -> None:
    rows = [["Telefon", "Vorname", "E-Mail-Adresse", "Firma"],
            ["+4915112345679", "Jo", "jo@example.com", "ACME"]]  # fmt: skip
    path = write_csv(tmp_path / "leads.csv", rows)
    result = run_cli("mapping", "suggest", path)
    assert result.exit_code == ExitStatus.SUCCESS
    assert '  phone: "Telefon"   # ' in result.stdout
    out = tmp_path / "mine.yaml"
    out.write_text(result.stdout, encoding="utf-8")
    mapping = load_mapping(out)
    assert mapping.fields["email"].column == "E-Mail-Adresse"
    assert mapping.custom_fields["firma"].column == "Firma"


def test_suggest_out_writes_the_file_and_never_overwrites_without_force(
    run_cli: Run, tmp_path: Path
) -> None:
    out = tmp_path / "hubspot.yaml"
    result = run_cli("mapping", "suggest", SAMPLES / "hubspot_contacts.csv", "--out", out)
    assert result.exit_code == ExitStatus.SUCCESS
    assert f"mapping check {SAMPLES / 'hubspot_contacts.csv'} --mapping {out}" in result.stderr
    assert "built-in mapping 'hubspot' reads 10 of the file's 12 columns" in result.stderr
    # The person's mobile first, then the export's main phone field.
    phone = load_mapping(out).fields["phone"]
    assert (phone.column, phone.fallback) == ("Mobile Phone Number", ("Phone Number",))
    again = run_cli("mapping", "suggest", SAMPLES / "hubspot_contacts.csv", "--out", out)
    assert again.exit_code == ExitStatus.CANNOT_START
    assert "--force" in again.stderr
    forced = run_cli(
        "mapping", "suggest", SAMPLES / "hubspot_contacts.csv", "--out", out, "--force"
    )
    assert forced.exit_code == ExitStatus.SUCCESS


def test_suggest_on_a_file_it_cannot_read_exits_2(run_cli: Run) -> None:
    result = run_cli("mapping", "suggest", Path(__file__).parent / "data" / "empty.csv")
    assert result.exit_code == ExitStatus.CANNOT_START
    assert result.stderr.startswith("Error: ")


def test_check_shows_each_field_before_and_after(run_cli: Run) -> None:
    result = run_cli("mapping", "check", SAMPLES / "salesforce_report.csv", "-m", "salesforce")
    assert result.exit_code == ExitStatus.SUCCESS
    out = result.stdout
    assert 'phone  <- columns "Phone", then "MobilePhone", then "Mobile"' not in out
    assert 'phone  <- columns "Phone", then "Mobile"' in out
    assert "ext. 12 | 0491 570 180" in out and "-> +61491570180" in out
    assert 'country  <- column "Country"' in out
    assert "2 of these 5 rows would be rejected." in out  # row 5 e-mail, row 6 no phone


def test_check_with_a_mapping_that_does_not_fit_exits_2(run_cli: Run) -> None:
    result = run_cli("mapping", "check", SAMPLES / "hubspot_contacts.csv", "-m", "generic")
    assert result.exit_code == ExitStatus.CANNOT_START
    assert "fields.phone names column 'phone'" in result.stderr


def test_import_without_a_mapping_names_the_builtin_that_fits(run_cli: Run) -> None:
    result = run_cli(SAMPLES / "hubspot_contacts.csv", "--dry-run")
    assert result.exit_code == ExitStatus.CANNOT_START
    assert "looks like a 'hubspot' export: add --mapping hubspot" in result.stderr


def test_suggest_does_not_call_an_apollo_export_a_salesforce_one(
    run_cli: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = apollo_export(tmp_path / "apollo.csv")
    result = run_cli("mapping", "suggest", path)
    assert result.exit_code == ExitStatus.SUCCESS
    assert "'salesforce'" not in result.stdout and "salesforce" not in result.stderr
    # With the built-ins of before (no Apollo.io one), it says none fits, and why not.
    only_first_builtins(monkeypatch)
    out = tmp_path / "apollo.yaml"
    result = run_cli("mapping", "suggest", path, "--out", out)
    assert result.exit_code == ExitStatus.SUCCESS
    assert "Note: the built-in mapping" not in result.stderr
    text = out.read_text(encoding="utf-8")
    assert (
        "# No built-in mapping fits this file: 'salesforce' reads only 7 of the file's 31 "
        "columns and not the phone columns 'First Phone', 'Work Direct Phone' and 2 more.\n"
    ) in text
    phone = load_mapping(out).fields["phone"]
    assert [phone.column, *phone.fallback] == APOLLO_PHONES


TITLED = [
    ["Export of 3 March", ""],
    ["Phone Number", "First Name"],
    ["+14155550123", "Ana"],
    ["(212) 555-0102", "Bo"],
]


def test_suggest_and_check_take_the_header_row(run_cli: Run, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "titled.csv", TITLED)
    mine = tmp_path / "mine.yaml"
    suggested = run_cli("mapping", "suggest", path, "--header-row", "2", "--out", mine)
    assert suggested.exit_code == ExitStatus.SUCCESS, suggested.stderr
    assert load_mapping(mine).fields["phone"].column == "Phone Number"
    result = run_cli("mapping", "check", path, "-m", mine, "--region", "US", "--header-row", "2")
    assert result.exit_code == ExitStatus.SUCCESS, result.stderr
    assert "row 3" in result.stdout and "-> +14155550123" in result.stdout
    assert "-> +12125550102" in result.stdout
    assert "0 of these 2 rows would be rejected." in result.stdout


def test_check_takes_the_header_row_of_the_mapping(run_cli: Run, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "titled.csv", TITLED)
    mapping = tmp_path / "m.yaml"
    mapping.write_text("fields:\n  phone: Phone Number\nregion: US\nheader_row: 2\n")
    result = run_cli("mapping", "check", path, "-m", mapping)
    assert result.exit_code == ExitStatus.SUCCESS, result.stderr
    assert "0 of these 2 rows would be rejected." in result.stdout


def test_check_refuses_region_uk_like_the_import(run_cli: Run) -> None:
    result = run_cli("mapping", "check", SAMPLES / "generic_leads.csv", "-m", "generic",
                     "--region", "UK")  # fmt: skip
    assert result.exit_code == ExitStatus.CANNOT_START
    assert result.stderr.strip() == (
        "Error: --region 'UK' is not a country code phone numbers know; use GB (the ISO code "
        "of the United Kingdom)"
    )


def test_check_says_which_rows_the_file_marks_do_not_call(run_cli: Run, tmp_path: Path) -> None:
    mapping = tmp_path / "dnc.yaml"
    mapping.write_text(
        "fields:\n  phone: phone\ndo_not_call: {column: Do Not Call}\n", encoding="utf-8"
    )
    source = tmp_path / "leads.csv"
    source.write_text(
        "phone,Do Not Call\n718-274-5501 DNC,\n718 274 5503,true\n718 274 5505,false\n",
        encoding="utf-8",
    )
    result = run_cli("mapping", "check", source, "-m", mapping, "--region", "US")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "not sent (dnc_cell): the phone cell says 'DNC'" in out
    assert "the number is +17182745501" in out
    assert "not sent: the file's 'Do Not Call' column says 'true'" in out
    assert "may be called" in out
