from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from importer.mapping import bind_mapping, load_mapping
from importer.pipeline import ImportOptions, run_import
from importer.suggest import (
    best_builtin,
    name_score,
    preview_mapping,
    render_suggestion,
    suggest_mapping,
)

from .helpers import SAMPLES, assert_every_row_once, read_report, write_csv

EXPECTED = json.loads((SAMPLES / "expected.json").read_text(encoding="utf-8"))
#: Samples whose suggested mapping must import every row as the curated mapping does.
SUGGESTED = sorted(
    name for name, spec in EXPECTED.items()
    if spec["mapping"] not in ("generic",) or name == "generic_leads.csv"
)  # fmt: skip


@pytest.mark.parametrize(
    "header",
    ["Phone Number", "phone_number", "Telefon", "Mobile", "número_de_telefone", "User Phone",
     "MobilePhone", "Téléphone", "Handynummer", "Work Phone"],
)  # fmt: skip
def test_phone_headers_in_many_spellings_and_languages(header: str) -> None:
    assert name_score(header, "phone") >= 85
    assert name_score(header, "email") < 85


@pytest.mark.parametrize(
    ("header", "target"),
    [("E-Mail-Adresse", "email"), ("Email Address", "email"), ("correo electrónico", "email"),
     ("Vorname", "firstName"), ("Prénom", "firstName"), ("FirstName", "firstName"),
     ("Nachname", "lastName"), ("Surname", "lastName"), ("Full Name", "fullName"),
     ("Zeitzone", "timeZone"), ("TIMEZONE", "timeZone"), ("CC", "country"),
     ("Country/Region", "country"), ("Lead Source", "leadSource"), ("TAGS", "tags")],
)  # fmt: skip
def test_other_field_headers(header: str, target: str) -> None:
    assert name_score(header, target) >= 85


@pytest.mark.parametrize("header", ["Company Name", "Form Name", "Campaign Name", "Job Title"])
def test_names_of_other_things_are_not_person_names(header: str) -> None:
    for target in ("firstName", "lastName", "fullName"):
        assert name_score(header, target) < 85


def test_values_alone_find_phone_email_and_time_zone(tmp_path: Path) -> None:
    rows = [["a", "b", "c", "d", "e"]]
    for n in range(10):
        rows.append([f"+1415555{n:04d}", f"x{n}@example.com", "Europe/Paris", f"{n}", "note"])
    path = write_csv(tmp_path / "odd.csv", rows)
    suggestion = suggest_mapping(path)
    chosen = {key: [c.column for c in found] for key, found in suggestion.fields.items()}
    assert chosen == {"phone": ["a"], "email": ["b"], "timeZone": ["c"]}
    assert "10 of 10 sampled values are phone numbers" in suggestion.fields["phone"][0].reason()
    # Digits that are not phone numbers (ids, amounts) are not taken for phones.
    assert suggestion.custom == {"d": "d", "e": "e"}


def test_unmatched_columns_are_offered_as_custom_fields_with_a_confidence_note() -> None:
    suggestion = suggest_mapping(SAMPLES / "google_ads_leads.csv")
    text = suggestion.to_yaml()
    assert "custom_fields:" in text
    assert 'job_title: "Job Title"' in text
    assert 'phone: {columns: ["User Phone", "Work Phone"]}   # first valid number wins' in text
    assert "high: header matches 'phone' (100%)" in text
    assert suggestion.builtin is not None and suggestion.builtin.name == "google_ads"


@pytest.mark.parametrize("name", SUGGESTED)
def test_a_suggested_mapping_imports_the_sample_as_its_builtin_does(
    name: str, tmp_path: Path
) -> None:
    spec = EXPECTED[name]
    mapping_path = tmp_path / "suggested.yaml"
    mapping_path.write_text(suggest_mapping(SAMPLES / name).to_yaml(), encoding="utf-8")
    yaml.safe_load(mapping_path.read_text(encoding="utf-8"))
    summary = run_import(
        ImportOptions(path=SAMPLES / name, mapping=str(mapping_path), out_dir=tmp_path / "out",
                      region=spec["region"], dry_run=True)
    )  # fmt: skip
    assert_every_row_once(tmp_path / "out", summary.total)
    accepted = {
        int(row["source_row"]): row["phone_e164"]
        for row in read_report(tmp_path / "out" / "accepted.csv")
    }
    want = {
        int(row): entry["phone_e164"]
        for row, entry in spec["rows"].items()
        if entry["outcome"] == "accepted"
    }
    assert accepted == want
    duplicates = {
        int(row["source_row"]) for row in read_report(tmp_path / "out" / "duplicates.csv")
    }
    assert duplicates == {int(r) for r, e in spec["rows"].items() if e["outcome"] == "duplicate"}


@pytest.mark.parametrize(
    ("name", "builtin"),
    [("hubspot_contacts.csv", "hubspot"), ("salesforce_leads.csv", "salesforce"),
     ("salesforce_report.csv", "salesforce"), ("facebook_lead_ads.csv", "facebook"),
     ("facebook_english_headers.csv", "facebook"), ("mailchimp_audience.csv", "mailchimp"),
     ("linkedin_leads.csv", "linkedin"), ("google_ads_leads.csv", "google_ads")],
)  # fmt: skip
def test_the_builtin_that_fits_is_named(name: str, builtin: str) -> None:
    header = next(iter(suggest_mapping(SAMPLES / name).columns for _ in [0]))
    fit = best_builtin(header)
    assert fit is not None and fit.name == builtin
    bind_mapping(load_mapping(builtin), header, name)


def test_a_file_no_builtin_reads_gets_none(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "x.csv", [["Telefon", "Vorname"], ["+4915112345679", "Jo"]])
    assert suggest_mapping(path).builtin is None


def test_preview_shows_values_before_and_after() -> None:
    preview = preview_mapping(SAMPLES / "hubspot_contacts.csv", "hubspot", rows=6)
    by_field = {item.field: item for item in preview.fields}
    assert by_field["phone"].source == 'columns "Phone Number", then "Mobile Phone Number"'
    # A warning is named beside the value: 555-0100 to 555-0199 are fictional numbers.
    assert by_field["phone"].samples[2] == (
        4, "N/A | +1 312 555 0162", "+13125550162 (warning: phone_fictional)"
    )  # fmt: skip
    assert by_field["timeZone"].samples[0] == (2, "america_slash_new_york", "America/New_York")
    assert by_field["country"].samples[0][2] == "US"
    row6 = by_field["phone"].samples[4]
    assert row6[0] == 6 and row6[2].startswith("rejected: phone '12'")
    assert preview.rejected == 2  # row 6 (phone) and row 7 (time zone mars_slash_olympus)


def test_a_zip_column_is_found_by_its_header_or_its_values_but_not_an_id(tmp_path: Path) -> None:
    rows = [["Phone", "Zip Code", "Untitled", "Order"],
            ["+18504321234", "32501", "02134-1234", "12345"],
            ["+18502221234", "2134", "94107", "23456"],
            ["+12125552671", "94107", "32501", "34567"]]  # fmt: skip
    path = write_csv(tmp_path / "leads.csv", rows)
    suggestion = suggest_mapping(path)
    assert [c.column for c in suggestion.fields["postalCode"]] == ["Zip Code"]
    assert "Order" in suggestion.custom.values()  # five digits are not a ZIP by themselves
    rows = [[row[0], row[2], row[3]] for row in rows]
    rows[0] = ["Phone", "Untitled", "Order"]
    by_values = suggest_mapping(write_csv(tmp_path / "no_header.csv", rows))
    assert [c.column for c in by_values.fields["postalCode"]] == ["Untitled"]
    written = tmp_path / "suggested.yaml"
    written.write_text(render_suggestion(suggestion), encoding="utf-8")
    assert load_mapping(written).postal_code is not None


def test_the_check_shows_each_rows_time_zone_and_where_it_comes_from(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "leads.csv", [
        ["phone", "zip", "tz"],
        ["+18504321234", "", ""], ["+18502221234", "32501", ""], ["+79161234567", "", ""],
        ["+14155552671", "94107", "EST"],
    ])  # fmt: skip
    mapping = tmp_path / "m.yaml"
    mapping.write_text("fields:\n  phone: phone\npostal_code: zip\n")
    preview = preview_mapping(path, mapping)
    zones = {p.field: [s[2] for s in p.samples] for p in preview.fields}
    assert zones["timeZone"] == [
        "America/Chicago (from the phone number's area)",
        "America/Chicago (from the postal code)",
        "(none: neither a postal code nor the phone gives one)",
        "America/Los_Angeles (from the postal code)",
    ]
    assert zones["postal_code"][1] == "time zone America/Chicago"
    mapping.write_text("fields:\n  phone: phone\n  timeZone: tz\npostal_code: zip\n")
    by_field = {p.field: p for p in preview_mapping(path, mapping).fields}
    assert by_field["timeZone"].samples[3][2] == "America/New_York"  # the file's own zone
    assert by_field["timeZone"].samples[0][2] == "America/Chicago (from the phone number's area)"
    mapping.write_text("fields:\n  phone: phone\npostal_code: zip\ninfer_time_zone: false\n")
    off = {p.field: p for p in preview_mapping(path, mapping).fields}["timeZone"]
    assert off.source == "nothing: infer_time_zone is false"
    assert {s[2] for s in off.samples} == {"(none)"}
