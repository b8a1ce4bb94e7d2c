from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from importer import suggest
from importer.mapping import bind_mapping, builtin_mappings, load_mapping
from importer.pipeline import ImportOptions, run_import
from importer.suggest import (
    BUILTIN_MIN_SHARE,
    SHARED_LINE_MIN_ROWS,
    SHARED_LINE_MIN_SHARE,
    SharedLine,
    _shared_line,
    best_builtin,
    name_score,
    phone_kind,
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
     ("linkedin_leads.csv", "linkedin"), ("google_ads_leads.csv", "google_ads"),
     ("facebook_full_name.csv", "facebook"), ("generic_leads.csv", "generic")],
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


# --- phone columns by what they are ----------------------------------------------


@pytest.mark.parametrize(
    ("header", "label"),
    [("Work Direct Phone", "direct line"), ("Direct Phone Number", "direct line"),
     ("Direct Dial", "direct line"), ("Direct Line", "direct line"), ("Durchwahl", "direct line"),
     ("Mobile Phone", "mobile"), ("Mobile phone", "mobile"), ("Cell", "mobile"),
     ("Person - Phone - Mobile", "mobile"), ("Handy", "mobile"), ("Móvil", "mobile"),
     ("Portable", "mobile"), ("MobilePhone", "mobile"), ("Mobiltelefon", "mobile"),
     ("Phone", "the person's phone"), ("Phone Number", "the person's phone"),
     ("First Phone", "the person's phone"), ("Person - Phone", "the person's phone"),
     ("User Phone", "the person's phone"), ("Telefon", "the person's phone"),
     ("Work Phone", "work number"), ("Person - Phone - Work", "work number"),
     ("Telefon geschäftlich", "work number"), ("Téléphone bureau", "work number"),
     ("Home Phone", "home number"), ("Person - Phone - Home", "home number"),
     ("Other Phone", "other number"), ("Person - Phone - Other", "other number"),
     ("Phone 2", "other number"),
     ("Company Phone", "the company's switchboard"),
     ("Corporate Phone", "the company's switchboard"),
     ("Company HQ Phone", "the company's switchboard"), ("HQ Phone", "the company's switchboard"),
     ("Organization - Phone", "the company's switchboard"),
     ("Account Phone", "the company's switchboard"), ("Main Phone", "the company's switchboard"),
     ("Switchboard", "the company's switchboard"),
     ("Company Main Phone", "the company's switchboard"),
     ("Firmentelefon", "the company's switchboard"),
     ("Telefonzentrale", "the company's switchboard"),
     ("Téléphone société", "the company's switchboard"),
     ("Teléfono empresa", "the company's switchboard"),
     ("Assistant's Phone", "an assistant's line")],
)  # fmt: skip
def test_what_a_phone_column_is_is_read_from_its_header(header: str, label: str) -> None:
    kind = phone_kind(header)
    assert kind is not None and kind.label == label
    # ... and whatever its qualifiers, the header is a phone's.
    assert name_score(header, "phone") >= 85


@pytest.mark.parametrize(
    "header", ["Fax", "Telefax", "Faxnummer", "Business Fax", "Company Fax", "Pager", "Beeper"]
)
def test_a_fax_or_a_pager_is_no_phone_to_call(header: str) -> None:
    assert phone_kind(header) is None


NORTHWIND, CONTOSO = "+1 212 555 0100", "+1 312 555 0100"  # two companies' switchboards


def _own(n: int) -> str:
    """Person n's own number: every person's is different."""
    return f"+1 415 555 01{n:02d}"


#: Apollo.io contacts export: 31 columns, 7 of them phones; phones written '+1 ...
APOLLO_HEADER = [
    "First Name", "Last Name", "Title", "Company", "Email", "Email Status", "Seniority",
    "Departments", "Contact Owner", "First Phone", "Work Direct Phone", "Home Phone",
    "Mobile Phone", "Corporate Phone", "Other Phone", "Stage", "Lists", "Last Contacted",
    "# Employees", "Industry", "Keywords", "Person Linkedin Url", "Website", "City", "State",
    "Country", "Company City", "Company State", "Company Country", "Company Phone",
    "Apollo Contact Id",
]  # fmt: skip
#: The phone columns in the order they should be tried.
APOLLO_PHONES = ["Work Direct Phone", "Mobile Phone", "First Phone", "Home Phone", "Other Phone",
                 "Corporate Phone", "Company Phone"]  # fmt: skip


def apollo_export(path: Path) -> Path:
    """An Apollo.io-like export: ten people of two companies, each company's switchboard shared.

    Each person's direct line and mobile are their own; First Phone is the person's best
    number, the switchboard for those who have none of their own (one per company).
    """
    people = [  # first, last, company, direct, mobile, home, other
        ("Ava", "Example", NORTHWIND, 11, 31, 0, 0), ("Ben", "Sample", NORTHWIND, 0, 32, 0, 0),
        ("Cy", "Muster", NORTHWIND, 13, 0, 53, 0), ("Dee", "Beispiel", NORTHWIND, 0, 0, 0, 0),
        ("Eli", "Exemple", CONTOSO, 15, 35, 0, 0), ("Fay", "Ejemplo", CONTOSO, 0, 36, 0, 0),
        ("Gus", "Esempio", CONTOSO, 17, 0, 0, 77), ("Hal", "Voorbeeld", CONTOSO, 0, 0, 0, 0),
        ("Ida", "Przyklad", NORTHWIND, 19, 39, 0, 0), ("Jo", "Exempel", CONTOSO, 0, 40, 60, 0),
    ]  # fmt: skip
    rows = [APOLLO_HEADER]
    for n, (first, last, board, *own) in enumerate(people, start=1):
        direct, mobile, home, other = ("'" + _own(i) if i else "" for i in own)
        cells = {
            "First Name": first, "Last Name": last, "Title": "Buyer",
            "Company": "Northwind Example" if board == NORTHWIND else "Contoso Example",
            "Email": f"{first.lower()}@example.com", "Email Status": "Verified",
            "Seniority": "senior", "Departments": "Sales", "Contact Owner": "Sam Owner",
            "First Phone": direct or mobile or "'" + board, "Work Direct Phone": direct,
            "Home Phone": home, "Mobile Phone": mobile, "Corporate Phone": "'" + board,
            "Other Phone": other, "Stage": "Cold", "Lists": "Q4", "Last Contacted": "2026-10-01",
            "# Employees": "250", "Industry": "software", "Keywords": "saas, b2b",
            "Person Linkedin Url": f"http://www.linkedin.com/in/{first.lower()}",
            "Website": "http://www.example.com", "City": "San Francisco", "State": "California",
            "Country": "United States", "Company City": "San Francisco",
            "Company State": "California", "Company Country": "United States",
            "Company Phone": "'" + board, "Apollo Contact Id": f"6650a1b2c3d4e5f6a7b8c{n:03d}",
        }  # fmt: skip
        rows.append([cells[column] for column in APOLLO_HEADER])
    return write_csv(path, rows)


def _zoominfo(path: Path) -> Path:
    rows = [["ZoomInfo Contact ID", "Last Name", "First Name", "Job Title", "Direct Phone Number",
             "Email Address", "Mobile phone", "Person City", "Country", "Company Name",
             "Company HQ Phone"]]  # fmt: skip
    for n in range(1, 9):
        board = NORTHWIND if n % 2 else CONTOSO
        rows.append([f"41000000{n:02d}", f"Last{chr(64 + n)}", f"First{chr(64 + n)}", "Buyer",
                     f"({_own(n)[3:6]}) {_own(n)[7:]}" if n != 4 else "",
                     f"p{n}@example.com", _own(50 + n) if n % 3 else "", "Chicago",
                     "United States", "Example Co", board])  # fmt: skip
    return write_csv(path, rows)


def _pipedrive(path: Path) -> Path:
    rows = [["Person - ID", "Person - Name", "Person - Organization", "Person - Email - Work",
             "Person - Phone - Work", "Person - Phone - Mobile", "Organization - Name",
             "Organization - Phone"]]  # fmt: skip
    for n in range(1, 9):
        board = NORTHWIND if n < 5 else CONTOSO
        rows.append([str(100 + n), f"Pat Person{n}", "Example Co", f"p{n}@example.com",
                     _own(n), _own(50 + n) if n % 2 else "", "Example Co", board])  # fmt: skip
    return write_csv(path, rows)


def _zoho(path: Path) -> Path:
    rows = [["Record Id", "First Name", "Last Name", "Company", "Email", "Phone", "Fax", "Mobile",
             "Lead Source", "Country"]]  # fmt: skip
    for n in range(1, 9):
        fax = "+1 212 555 0199" if n < 5 else "+1 312 555 0199"  # each company's one fax
        rows.append([f"zcrm_48768760000001234{n:02d}", f"Lea{n}", "Example", "Litware",
                     f"lea{n}@example.com", _own(n), fax, _own(50 + n) if n % 2 else "",
                     "Trade Show", "United States"])  # fmt: skip
    return write_csv(path, rows)


@pytest.mark.parametrize(
    ("make", "phones"),
    [(apollo_export, APOLLO_PHONES),
     (_zoominfo, ["Direct Phone Number", "Mobile phone", "Company HQ Phone"]),
     (_pipedrive, ["Person - Phone - Mobile", "Person - Phone - Work", "Organization - Phone"]),
     (_zoho, ["Mobile", "Phone"])],
    ids=["apollo", "zoominfo", "pipedrive", "zoho_crm"],
)  # fmt: skip
def test_phone_columns_are_ordered_by_what_they_are(
    make: Callable[[Path], Path], phones: list[str], tmp_path: Path
) -> None:
    suggestion = suggest_mapping(make(tmp_path / "export.csv"))
    assert [choice.column for choice in suggestion.fields["phone"]] == phones
    written = tmp_path / "suggested.yaml"
    written.write_text(suggestion.to_yaml(), encoding="utf-8")
    phone = load_mapping(written).fields["phone"]
    assert [phone.column, *phone.fallback] == phones


def test_the_comment_says_why_each_phone_column_is_where_it_is(tmp_path: Path) -> None:
    text = suggest_mapping(apollo_export(tmp_path / "apollo.csv")).to_yaml()
    line = next(line for line in text.splitlines() if line.startswith("  phone: "))
    assert line.startswith(
        '  phone: {columns: ["Work Direct Phone", "Mobile Phone", "First Phone", "Home Phone", '
        '"Other Phone", "Corporate Phone", "Company Phone"]}   # first valid number wins, the '
        "person's own numbers first: 'Work Direct Phone' direct line, high: header matches "
        "'phone' (100%), 5 of 5 sampled values are phone numbers; 'Mobile Phone' mobile, high: "
    )
    assert "'First Phone' the person's phone, high: " in line
    assert "'Home Phone' home number, high: " in line
    assert line.endswith(
        "'Company Phone' values repeat on 10 of 10 sampled rows with different names: a shared "
        "line, put last, high: header matches 'phone' (100%), 10 of 10 sampled values are phone "
        "numbers"
    )


def test_a_switchboard_no_values_show_to_be_shared_still_comes_last(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "x.csv", [
        ["Name", "Company Phone", "Phone", "Other Phone"],
        ["Ana Example", "+1 212 555 0100", _own(1), _own(21)],
        ["Bo Sample", "+1 312 555 0100", _own(2), ""],
    ])  # fmt: skip
    suggestion = suggest_mapping(path)
    assert [c.column for c in suggestion.fields["phone"]] == ["Phone", "Other Phone",
                                                               "Company Phone"]  # fmt: skip
    assert ("'Company Phone' the company's switchboard, tried after the person's numbers, high: "
            in suggestion.to_yaml())  # fmt: skip


def test_a_fax_column_does_not_enter_the_phone_list(tmp_path: Path) -> None:
    # A Zoho CRM leads export: Phone, Fax, Mobile. The fax numbers are valid numbers.
    suggestion = suggest_mapping(_zoho(tmp_path / "zoho.csv"))
    assert "Fax" not in [c.column for c in suggestion.fields["phone"]]
    assert suggestion.custom["fax"] == "Fax"
    # Nor by its values alone, under a header that says nothing else.
    path = write_csv(tmp_path / "fax.csv", [["Telefax", "Name"], [_own(1), "Ana"],
                                           [_own(2), "Bo"]])  # fmt: skip
    assert "phone" not in suggest_mapping(path).fields


def test_a_shared_line_is_found_by_its_values_whatever_its_header(tmp_path: Path) -> None:
    rows = [["First Name", "Last Name", "Phone 2", "Home Phone"]]
    for n in range(1, 9):  # six people of one office share "Phone 2"; two have their own
        rows.append([f"P{n}", "Example", NORTHWIND if n <= 6 else _own(n), _own(20 + n)])
    suggestion = suggest_mapping(write_csv(tmp_path / "x.csv", rows))
    assert [c.column for c in suggestion.fields["phone"]] == ["Home Phone", "Phone 2"]
    assert (
        "'Phone 2' values repeat on 6 of 8 sampled rows with different names: a shared line, "
        "put last, high: " in suggestion.to_yaml()
    )
    # Without name columns, repetition alone is the sign.
    alone = suggest_mapping(write_csv(tmp_path / "y.csv", [row[2:] for row in rows]))
    assert [c.column for c in alone.fields["phone"]] == ["Home Phone", "Phone 2"]
    assert "'Phone 2' values repeat on 6 of 8 sampled rows: a shared line" in alone.to_yaml()


def test_the_same_person_listed_twice_is_not_a_shared_line(tmp_path: Path) -> None:
    rows = [["First Name", "Last Name", "Phone", "Work Phone"]]
    for n in range(1, 9):  # Ana Example is listed four times, with her own mobile each time
        first = "Ana" if n <= 4 else f"P{n}"
        rows.append([first, "Example", _own(1) if n <= 4 else _own(n), _own(20 + n)])
    suggestion = suggest_mapping(write_csv(tmp_path / "x.csv", rows))
    assert [c.column for c in suggestion.fields["phone"]] == ["Phone", "Work Phone"]
    assert all(choice.shared is None for choice in suggestion.fields["phone"])
    assert "shared line" not in suggestion.to_yaml()
    # When one of those rows is another person's, it is a shared line: 4 of 8 rows.
    rows[4][0] = "Bo"
    shared = suggest_mapping(write_csv(tmp_path / "y.csv", rows)).fields["phone"]
    assert [c.column for c in shared] == ["Work Phone", "Phone"]
    assert str(shared[1].shared) == "values repeat on 4 of 8 sampled rows with different names"


def test_shared_line_thresholds() -> None:
    people = [f"p{n}" for n in range(10)]
    # Two people on one number: a couple, or one person spelt two ways.
    assert _shared_line([NORTHWIND, NORTHWIND, *(_own(n) for n in range(8))], people) is None
    three = [NORTHWIND] * 3 + [_own(n) for n in range(7)]
    assert _shared_line(three, people) == SharedLine(3, 10, True)
    # Three of many: under SHARED_LINE_MIN_SHARE of the rows with a number.
    many = [f"p{n}" for n in range(20)]
    assert _shared_line([NORTHWIND] * 3 + [_own(n) for n in range(17)], many) is None
    assert SHARED_LINE_MIN_ROWS == 3 and SHARED_LINE_MIN_SHARE == 0.2
    # The same switchboard with another extension reaches another person.
    extensions = [f"{NORTHWIND} ext. {n}" for n in range(10)]
    assert _shared_line(extensions, people) is None


# --- naming a built-in ---------------------------------------------------------------

#: The built-ins this test module was written against (others may be added alongside).
BEFORE = ("facebook", "generic", "google_ads", "hubspot", "linkedin", "mailchimp", "salesforce")


def only_first_builtins(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fit files with the built-ins of BEFORE only: no Apollo.io one, whether it exists or not."""
    found = builtin_mappings()
    monkeypatch.setattr(suggest, "builtin_mappings", lambda: {n: found[n] for n in BEFORE})


@pytest.fixture
def first_builtins(monkeypatch: pytest.MonkeyPatch) -> None:
    only_first_builtins(monkeypatch)


def test_an_apollo_export_is_not_called_a_salesforce_one(tmp_path: Path) -> None:
    header = suggest_mapping(apollo_export(tmp_path / "apollo.csv")).columns
    fit = best_builtin(header)
    assert fit is None or fit.name != "salesforce"


def test_a_builtin_that_reads_some_columns_but_not_the_phones_does_not_fit(
    tmp_path: Path, first_builtins: None
) -> None:
    suggestion = suggest_mapping(apollo_export(tmp_path / "apollo.csv"))
    assert suggestion.builtin is None
    assert best_builtin(suggestion.columns) is None
    closest = best_builtin(suggestion.columns, closest=True)
    assert closest is not None and closest.name == "salesforce" and not closest.fits
    assert (closest.columns_read, closest.columns_known, closest.columns) == (7, 7, 31)
    assert closest.why_not() == (
        "'salesforce' reads only 7 of the file's 31 columns and not the phone columns "
        "'First Phone', 'Work Direct Phone' and 2 more"
    )
    assert f"# No built-in mapping fits this file: {closest.why_not()}.\n" in suggestion.to_yaml()
    assert "Prefer it" not in suggestion.to_yaml()


def test_a_builtin_that_leaves_a_persons_phone_unread_does_not_fit(
    tmp_path: Path, first_builtins: None
) -> None:
    # generic reads 4 of these 5 columns, but not the WhatsApp number: the suggestion does.
    rows = [["phone", "whatsapp", "first_name", "last_name", "email"],
            [_own(1), _own(2), "Ana", "Example", "a@example.com"]]  # fmt: skip
    path = write_csv(tmp_path / "x.csv", rows)
    suggestion = suggest_mapping(path)
    assert suggestion.builtin is None
    assert suggestion.closest is not None and suggestion.closest.name == "generic"
    assert suggestion.closest.why_not() == "'generic' does not read the phone column 'whatsapp'"
    assert [c.column for c in suggestion.fields["phone"]] == ["whatsapp", "phone"]
    # salesforce reads a mobile (Mobile, MobilePhone) after the phone: it fits.
    rows[0][1] = "mobile"
    fit = suggest_mapping(write_csv(tmp_path / "m.csv", rows)).builtin
    assert fit is not None and fit.name == "salesforce"
    # A switchboard it does not read is no reason: the person's own numbers are all read.
    rows = [["phone", "first_name", "last_name", "email", "Company Phone"],
            [_own(1), "Ana", "Example", "a@example.com", NORTHWIND]]  # fmt: skip
    fit = suggest_mapping(write_csv(tmp_path / "y.csv", rows)).builtin
    assert fit is not None and fit.name == "generic"


def test_most_of_the_columns_means_two_in_five(tmp_path: Path) -> None:
    header = ["phone", "first_name", "last_name", *(f"col{n}" for n in range(5))]
    fit = best_builtin(tuple(header))  # 3 of 8, the others sent as customFields
    assert fit is None
    closest = best_builtin(tuple(header), closest=True)
    assert closest is not None
    assert closest.why_not() == "'generic' reads only 3 of the file's 8 columns"
    assert best_builtin(tuple(header[:-1])) is not None  # 3 of 7
    assert BUILTIN_MIN_SHARE == 0.4


def test_a_do_not_call_column_is_found_by_its_header_and_a_status_by_its_values(
    tmp_path: Path,
) -> None:
    path = write_csv(tmp_path / "crm.csv", [
        ["Phone", "First Name", "DoNotCall", "Lead Status", "Email Opt Out", "IsConverted"],
        ["415 555 0100", "Ann", "false", "Open", "true", "false"],
        ["415 555 0101", "Bob", "true", "Do Not Call", "false", "true"],
        ["415 555 0102", "Cy", "false", "Working", "false", "false"],
    ])  # fmt: skip
    found = suggest_mapping(path)
    assert [choice.column for choice in found.fields["do_not_call"]] == ["DoNotCall"]
    assert [choice.column for choice in found.fields["do_not_call_status"]] == ["Lead Status"]
    # Yes/no values alone are no do-not-call column: "Email Opt Out" is about e-mail.
    assert {"email_opt_out", "isconverted", "lead_status"} <= set(found.custom)
    assert "donotcall" not in found.custom
    written = tmp_path / "suggested.yaml"
    written.write_text(render_suggestion(found), encoding="utf-8")
    mapping = load_mapping(written)
    assert mapping.do_not_call is not None and mapping.do_not_call.columns() == ["DoNotCall"]
    assert mapping.do_not_call_status is not None
    summary = run_import(ImportOptions(path=path, mapping=written, region="US",
                                       out_dir=tmp_path / "out"))  # fmt: skip
    assert (summary.accepted, summary.suppressed) == (2, 1)


def test_a_suggested_mapping_names_the_switchboard_columns_as_company_lines(
    tmp_path: Path,
) -> None:
    import yaml

    document = yaml.safe_load(suggest_mapping(apollo_export(tmp_path / "apollo.csv")).to_yaml())
    assert document["company_phone_columns"] == ["Corporate Phone", "Company Phone"]
    # First Phone repeats the switchboard on some rows, but is the person's on most.
    assert "First Phone" in document["fields"]["phone"]["columns"]
