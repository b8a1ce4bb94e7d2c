from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pandas as pd
import pytest
import yaml

from importer.errors import MappingColumnError, MappingError, UsageError
from importer.mapping import (
    PHONE_FALLBACKS,
    bind_mapping,
    builtin_mappings,
    check_region,
    load_mapping,
    project,
)
from importer.resources import data_dir

from .helpers import SAMPLES

FACEBOOK_HEADER = [
    "id",
    "created_time",
    "ad_id",
    "ad_name",
    "adset_id",
    "adset_name",
    "campaign_id",
    "campaign_name",
    "form_id",
    "form_name",
    "is_organic",
    "platform",
    "email",
    "phone_number",
    "first_name",
    "last_name",
]


def _mapping(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "mapping.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _frame(columns: list[str], *rows: list[str]) -> pd.DataFrame:
    index = pd.Index(range(2, 2 + len(rows)), name="source_row")
    return pd.DataFrame(list(rows), columns=columns, index=index, dtype=object)


@pytest.mark.parametrize("ref", ["facebook", "facebook.yaml"])
def test_builtin_by_name(ref: str) -> None:
    mapping = load_mapping(ref)
    assert mapping.name == "facebook"
    assert mapping.fields["phone"].column == "phone_number"
    assert "built-in mapping 'facebook'" in mapping.label


def test_every_builtin_follows_the_schema_and_has_a_description() -> None:
    schema = json.loads((data_dir("schemas") / "mapping.schema.json").read_text())
    assert {"facebook", "generic"} <= set(builtin_mappings())
    for path in builtin_mappings().values():
        document = yaml.safe_load(path.read_text())
        jsonschema.validate(document, schema)
        assert load_mapping(path).description


def test_every_builtin_has_a_sample_export_with_expected_outcomes() -> None:
    expected = json.loads((SAMPLES / "expected.json").read_text(encoding="utf-8"))
    used = {spec["mapping"] for spec in expected.values()}
    assert set(builtin_mappings()) <= used
    assert {"google_ads", "linkedin", "hubspot", "salesforce", "mailchimp"} <= used
    assert {"apollo", "zoominfo", "pipedrive", "zoho_crm"} <= used


def test_minimum_format_from_the_card(tmp_path: Path) -> None:
    path = _mapping(
        tmp_path,
        """
fields:
  phone: phone_number
  firstName: first_name
  email: email
  leadSource: {value: facebook-ads}
  tags: {column: interests, split: ","}
  notes: {template: "Ad {ad_name}, form {form_name}"}
custom_fields:
  budget: Budget
region: US
campaign: 65f2a1b2c3d4e5f6a7b8c9d0
""",
    )
    mapping = load_mapping(path)
    assert mapping.region == "US"
    assert mapping.campaign == "65f2a1b2c3d4e5f6a7b8c9d0"
    columns = ["phone_number", "first_name", "email", "interests", "ad_name", "form_name", "Budget"]
    bound = bind_mapping(mapping, tuple(columns), "leads.csv")
    frame = _frame(columns, ["4155550123", "Ana", "a@example.com", "x, y", "Spring", "F1", "5k"])
    row = project(frame, bound).loc[2].to_dict()
    assert row == {
        "phone": "4155550123",
        "firstName": "Ana",
        "email": "a@example.com",
        "leadSource": "facebook-ads",
        "tags": ("x", " y"),
        "notes": "Ad Spring, form F1",
        "customFields.budget": "5k",
    }


def test_missing_column_names_file_key_and_columns(tmp_path: Path) -> None:
    path = _mapping(tmp_path, "fields:\n  phone: Phone Numbr\n")
    with pytest.raises(MappingColumnError) as caught:
        bind_mapping(load_mapping(path), ("Phone Number", "Email"), "leads.csv")
    message = str(caught.value)
    assert str(path) in message
    assert "fields.phone" in message
    assert "'Phone Numbr'" in message
    assert "leads.csv" in message
    assert "did you mean 'Phone Number'" in message
    assert "Phone Number, Email" in message


def test_columns_match_ignoring_case_and_spaces(tmp_path: Path) -> None:
    path = _mapping(tmp_path, "fields:\n  phone: phone number\n")
    bound = bind_mapping(load_mapping(path), (" Phone  Number ",), "leads.csv")
    assert bound.fields["phone"].column == " Phone  Number "


@pytest.mark.parametrize("header", ["PhoneNumber", "phone_number", "Phone-Number", "PHONE NUMBER"])
def test_columns_match_on_letters_and_digits(tmp_path: Path, header: str) -> None:
    path = _mapping(tmp_path, "fields:\n  phone: Phone Number\n")
    bound = bind_mapping(load_mapping(path), (header, "Email"), "leads.csv")
    assert bound.fields["phone"].column == header


def test_two_columns_with_the_same_letters_match_neither(tmp_path: Path) -> None:
    path = _mapping(tmp_path, "fields:\n  phone: Phone Number\n")
    with pytest.raises(MappingColumnError):
        bind_mapping(load_mapping(path), ("phone_number", "PhoneNumber"), "leads.csv")


def test_several_columns_need_one_of_them(tmp_path: Path) -> None:
    path = _mapping(
        tmp_path,
        "fields:\n  phone: {columns: [Phone, MobilePhone, Mobile]}\n"
        "  email: {columns: [Email, Work Email]}\n",
    )
    mapping = load_mapping(path)
    bound = bind_mapping(mapping, ("Mobile", "Phone", "Work Email"), "leads.csv")
    assert (bound.fields["phone"].column, bound.fields["phone"].fallback) == ("Phone", ("Mobile",))
    assert bound.absent_optional == ()  # one of each source's columns is there
    frame = _frame(["Mobile", "Phone", "Work Email"], ["m1", "p1", "w@x.org"], ["m2", "", ""])
    projected = project(frame, bound)
    # The phone keeps every candidate for the validator; other fields take the first filled.
    assert projected["phone"].tolist() == ["p1", ""]
    assert projected[PHONE_FALLBACKS].tolist() == [("m1",), ("m2",)]
    assert projected["email"].tolist() == ["w@x.org", ""]
    with pytest.raises(MappingColumnError, match=r"fields\.phone names column 'Phone'"):
        bind_mapping(mapping, ("Fax", "Email"), "leads.csv")


def test_unknown_lead_field(tmp_path: Path) -> None:
    path = _mapping(tmp_path, "fields:\n  phone: p\n  phoen: q\n")
    with pytest.raises(MappingError, match=r"fields\.phoen is not a lead field"):
        load_mapping(path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("fields: [phone\n", "not valid YAML at line"),
        ("- a\n- b\n", "must be a YAML mapping"),
        ("fields:\n  email: e\n", "'phone' is a required property"),
        ("fields:\n  phone: {colum: x}\n", "is not a column name"),
        ("fields:\n  phone: p\nregion: USA\n", "region 'USA' is not a country code"),
        ("fields:\n  phone: p\nregion: 1\n", "at region"),
        ("fields:\n  phone: p\nheader_row: 0\n", "at header_row"),
        ("fields:\n  phone: p\nheader_row: third\n", "at header_row"),
        ("fields:\n  phone: p\nfoo: 1\n", "check the spelling"),
        ("fields:\n  phone: p\ncampaign: 123\n", "put it in quotes"),
        ("fields:\n  phone: !!python/object:os.system {}\n", "not valid YAML"),
    ],
)
def test_bad_mapping_files(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(MappingError, match=message):
        load_mapping(_mapping(tmp_path, text))


def test_unknown_mapping_reference_lists_builtins() -> None:
    with pytest.raises(MappingError, match="built-in: apollo, facebook, generic, google_ads"):
        load_mapping("nope")


def test_facebook_full_name_variant_and_extra_questions() -> None:
    columns = [c for c in FACEBOOK_HEADER if c not in ("first_name", "last_name")]
    columns += ["full_name", "what_is_your_budget?"]
    bound = bind_mapping(load_mapping("facebook"), tuple(columns), "meta.csv")
    # The postal code's spellings too: this export asked for none.
    assert set(bound.absent_optional) == {"first_name", "last_name", "zip_code", "post_code"}
    values = dict.fromkeys(columns, "x")
    values.update(full_name="Doe, Jane", phone_number="p:+14155550123", ad_name="A1")
    values["what_is_your_budget?"] = "$1,000"
    row = project(_frame(columns, [values[c] for c in columns]), bound).loc[2].to_dict()
    assert (row["firstName"], row["lastName"]) == ("Jane", "Doe")
    assert row["customFields.what_is_your_budget?"] == "$1,000"
    assert "customFields.ad_id" not in row  # Meta's internal ids are ignored
    assert row["leadSource"] == "facebook-ads"


def test_full_name_only_fills_rows_without_first_and_last(tmp_path: Path) -> None:
    path = _mapping(
        tmp_path,
        "fields:\n  phone: p\n  firstName: f\n  lastName: l\n  fullName: n\n",
    )
    bound = bind_mapping(load_mapping(path), ("p", "f", "l", "n"), "x.csv")
    frame = _frame(["p", "f", "l", "n"], ["1", "Ana", "", "Ana Lima"], ["2", "", "", "Bo Ek"])
    projected = project(frame, bound)
    assert projected[["firstName", "lastName"]].values.tolist() == [["Ana", ""], ["Bo", "Ek"]]


def test_defaults_and_template_escapes(tmp_path: Path) -> None:
    path = _mapping(
        tmp_path,
        "fields:\n  phone: p\n  priority: {column: prio, default: high}\n"
        '  notes: {template: "{{id}} {p}"}\n',
    )
    bound = bind_mapping(load_mapping(path), ("p", "prio"), "x.csv")
    projected = project(_frame(["p", "prio"], ["1", ""], ["2", "low"]), bound)
    assert projected["priority"].tolist() == ["high", "low"]
    assert projected["notes"].tolist() == ["{id} 1", "{id} 2"]


@pytest.mark.parametrize(
    ("region", "advice"),
    [
        ("UK", "use GB (the ISO code of the United Kingdom)"),
        ("uk", "use GB (the ISO code of the United Kingdom)"),
        ("Germany", "use DE (the ISO code for 'Germany')"),
        ("USA", "use US (the ISO code for 'USA')"),
        ("XX", "use a two-letter ISO code such as US, GB, DE or IN"),
    ],
)
def test_a_mapping_region_is_checked_like_the_option(
    tmp_path: Path, region: str, advice: str
) -> None:
    path = _mapping(tmp_path, f"fields:\n  phone: p\nregion: {region}\n")
    with pytest.raises(MappingError) as caught:
        load_mapping(path)
    assert caught.value.message == (
        f"mapping {path}: region '{region}' is not a country code phone numbers know; {advice}"
    )
    with pytest.raises(UsageError) as option:
        check_region(region)
    assert option.value.message == (
        f"--region '{region}' is not a country code phone numbers know; {advice}"
    )


@pytest.mark.parametrize(("region", "code"), [("gb", "GB"), (" us ", "US"), (None, None)])
def test_good_regions_come_back_as_codes(tmp_path: Path, region: str | None, code: str) -> None:
    assert check_region(region) == code
    if region is not None:
        path = _mapping(tmp_path, f"fields:\n  phone: p\nregion: '{region}'\n")
        assert load_mapping(path).region == code


def test_header_row_in_a_mapping(tmp_path: Path) -> None:
    assert load_mapping(_mapping(tmp_path, "fields:\n  phone: p\nheader_row: 3\n")).header_row == 3
    assert load_mapping(_mapping(tmp_path, "fields:\n  phone: p\n")).header_row is None


@pytest.mark.parametrize(
    ("name", "columns"),
    [
        ("apollo", ("Corporate Phone", "Company Phone")),
        ("zoominfo", ("Company HQ Phone",)),
        ("pipedrive", ("Organization - Phone",)),
        ("zoho_crm", ()),
    ],
)
def test_builtins_name_the_company_lines(name: str, columns: tuple[str, ...]) -> None:
    mapping = load_mapping(name)
    assert mapping.company_phone_columns == columns
    assert mapping.send_company_lines is False
    assert set(columns) <= set(mapping.fields["phone"].columns())
