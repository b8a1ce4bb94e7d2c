from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from importer.countries import normalize_region
from importer.issues import Issue
from importer.mapping import PHONE_FALLBACKS
from importer.normalize import MAX_TAGS, Phone
from importer.schema import (
    PhoneBook,
    ValidatedChunk,
    lead_json_rows,
    lead_payload,
    validate_chunk,
)


def _issues(result: ValidatedChunk) -> list[Issue]:
    """The issues, but the warning every fictional test number carries (555-0100 to 0199)."""
    return [issue for issue in result.issues if issue.code != "phone_fictional"]


def _projected(**columns: list[object]) -> pd.DataFrame:
    size = len(next(iter(columns.values())))
    index = pd.Index(range(2, 2 + size), name="source_row")
    return pd.DataFrame(columns, index=index, dtype=object)


def test_every_problem_of_a_row_is_reported() -> None:
    frame = _projected(
        phone=["N/A"],
        email=["nope"],
        priority=["asap"],
        tags=[[f"t{i}" for i in range(MAX_TAGS + 1)]],
        timeZone=["Mars/Olympus"],
    )
    result = validate_chunk(frame, region="US")
    assert [issue.code for issue in result.issues] == [
        "phone_placeholder",
        "email_invalid",
        "priority_invalid",
        "tags_too_many",
        "timezone_unknown",
    ]
    assert {issue.row for issue in result.issues} == {2}
    assert result.rejected.tolist() == [True]


def test_extra_values_reject_the_row() -> None:
    result = validate_chunk(_projected(phone=["+14155550123"]), extra_values={2: ["x"]})
    assert [issue.code for issue in _issues(result)] == ["row_too_many_values"]
    assert result.rejected.tolist() == [True]


def test_lenient_drops_bad_optional_values_with_a_warning() -> None:
    frame = _projected(
        phone=["+14155550123", "N/A"],
        email=["nope", "nope"],
        timeZone=["Mars/Olympus", ""],
    )
    result = validate_chunk(frame, lenient=True)
    assert result.rejected.tolist() == [False, True]  # a bad phone always rejects
    severities = {(issue.row, issue.field): issue.severity for issue in _issues(result)}
    assert severities == {
        (2, "email"): "warning",
        (2, "timeZone"): "warning",
        (3, "phone"): "error",
        (3, "email"): "warning",
    }
    lead = lead_payload(result.leads.loc[2].to_dict())
    assert "email" not in lead
    assert "timeZone" not in lead


def test_row_country_beats_default_region() -> None:
    frame = _projected(phone=["020 7946 0958", "(415) 555-0123", "030 23125129"],
                       country=["GB", "", "Narnia"])  # fmt: skip
    result = validate_chunk(frame, region="US")
    assert result.leads["phone"].tolist()[:2] == ["+442079460958", "+14155550123"]
    # An unknown country never falls back to the default region: the row is rejected.
    assert [(issue.row, issue.field, issue.code) for issue in _issues(result)] == [
        (4, "country", "country_unknown")
    ]
    assert result.rejected.tolist() == [False, False, True]


def test_an_unknown_country_is_never_replaced_by_the_default_region() -> None:
    frame = _projected(phone=["55 1234 5679", "+15125550123", "N/A"],
                       country=["MEX", "Narnia", "Narnia"])  # fmt: skip
    result = validate_chunk(frame, region="US")
    assert "+15512345679" not in result.leads["phone"].tolist()
    codes = {(issue.row, issue.code) for issue in _issues(result)}
    if normalize_region("MEX") is None:
        assert (2, "country_unknown") in codes
        assert result.rejected.tolist()[0]
    else:  # read as the country the cell names
        assert result.leads["phone"].tolist()[0] == "+525512345679"
    # A number with its own country code is still rejected: the cell must be fixed.
    assert (3, "country_unknown") in codes
    # The phone's own problems are still reported, its missing country code is not.
    assert {(4, "country_unknown"), (4, "phone_placeholder")} <= codes
    message = next(issue.message for issue in _issues(result) if issue.row == 3)
    assert "'Narnia'" in message
    assert result.rejected.tolist()[1:] == [True, True]


def test_fallback_phones_are_not_read_in_the_default_region_for_an_unknown_country() -> None:
    frame = _projected(phone=["55 1234 5679"], country=["Narnia"])
    frame[PHONE_FALLBACKS] = [("(212) 555-0100",)]
    result = validate_chunk(frame, region="US")
    assert [issue.code for issue in result.issues] == ["country_unknown"]
    assert result.rejected.tolist() == [True]


@pytest.mark.parametrize("lenient", [False, True])
def test_a_phone_read_with_a_guess_is_a_warning_that_keeps_the_row(lenient: bool) -> None:
    frame = _projected(phone=["447911123456", "(415) 555-0123"])
    result = validate_chunk(frame, region="US", lenient=lenient)
    assert result.rejected.tolist() == [False, False]
    assert result.leads["phone"].tolist() == ["+447911123456", "+14155550123"]
    assert [(issue.row, issue.field, issue.code, issue.severity) for issue in _issues(result)] == [
        (2, "phone", "phone_country_guessed", "warning")
    ]
    assert "+44 7911 123456" in _issues(result)[0].message


def test_phone_results_cross_processes_as_plain_tuples_with_their_warning() -> None:
    import marshal

    from importer.normalize import normalize_phone
    from importer.validation import _plain, _result

    for raw in ["447911123456", "(415) 555-0123 x12", "N/A", "0015123456308"]:
        region = "DE" if raw.startswith("00") else "US"
        result = normalize_phone(raw, region)
        assert _result(marshal.loads(marshal.dumps(_plain(result)))) == result


def test_a_warned_phone_in_the_phone_book_keeps_its_warning() -> None:
    book = PhoneBook()
    first = book.normalize("447911123456", "US")
    again = PhoneBook(dict(book.learned)).normalize("447911123456", "US")
    assert isinstance(again, Phone)
    assert again == first
    assert again.warning is not None


def test_first_valid_phone_of_several_columns_wins() -> None:
    frame = _projected(
        phone=["(415) 555-0123", "N/A", "", "12", ""],
        country=["US", "US", "GB", "US", "US"],
    )
    frame[PHONE_FALLBACKS] = [("(212) 555-0100",), ("(212) 555-0101",), ("020 7946 0958",),
                              ("34",), ("",)]  # fmt: skip
    result = validate_chunk(frame)
    assert result.leads["phone"].tolist() == [
        "+14155550123", "+12125550101", "+442079460958", None, None,
    ]  # fmt: skip
    # No valid number: the row is rejected on its first filled cell, or as missing.
    issues = {issue.row: (issue.code, issue.message) for issue in _issues(result)}
    assert set(issues) == {5, 6}
    assert "'12'" in issues[5][1]
    assert issues[6][0] == "phone_missing"
    assert PHONE_FALLBACKS not in result.leads


def test_payload_has_only_documented_fields_and_no_empty_values() -> None:
    frame = _projected(
        phone=["(415) 555-0123 ext. 9"],
        firstName=["  Ana "],
        lastName=[""],
        email=["Ana@Example.COM"],
        priority=[""],
        tags=[["vip", "", " VIP", "new "]],
        timeZone=["eastern"],
        notes=[""],
        **{"customFields.budget": [" 5k "], "customFields.empty": [""]},
    )
    result = validate_chunk(frame, region="US")
    assert not _issues(result)
    lead = lead_payload(result.leads.loc[2].to_dict())
    assert lead == {
        "phone": "+14155550123",
        "firstName": "Ana",
        "email": "Ana@example.com",
        "priority": "medium",
        "tags": ["vip", "new"],
        "timeZone": "America/New_York",
        "customFields": {"budget": "5k", "phone_extension": "9"},
    }
    text = json.dumps(lead, allow_nan=False)  # raises on NaN
    assert "null" not in text


@pytest.mark.parametrize("size", [1, 50])
def test_validated_frame_never_holds_nan(size: int) -> None:
    frame = _projected(phone=["N/A"] * size, email=[""] * size)
    result = validate_chunk(frame, region="US")
    for value in result.leads.to_numpy().ravel():
        assert not (isinstance(value, float) and math.isnan(value))


def test_lead_json_is_exactly_the_payload_as_json() -> None:
    frame = _projected(
        phone=["(415) 555-0123 ext. 9", "+14155550124", "N/A"],
        firstName=['Zoë "Z"', "", "x"],
        email=["Ana@Example.COM", "", ""],
        tags=[("vip", "", " VIP", "new\\n"), (), ()],
        timeZone=["eastern", "", ""],
        notes=["line\nbreak\ttab", "", ""],
        **{"customFields.bud get": [" 5k€ ", "", ""], "customFields.empty": ["", "", ""]},
    )
    result = validate_chunk(frame, region="US")
    valid = [0, 1]
    texts = lead_json_rows(result.leads, valid)
    records = result.leads.to_dict("records")
    for at, text in zip(valid, texts, strict=True):
        assert text == json.dumps(lead_payload(records[at]), ensure_ascii=False)


# --- time zones a file does not give ---------------------------------------------------


def _zones(result: ValidatedChunk) -> list[tuple[object, str]]:
    return list(zip(result.leads["timeZone"].tolist(), result.time_zone_sources, strict=True))


def test_a_lead_without_a_time_zone_gets_its_postal_codes_else_its_phones() -> None:
    frame = _projected(
        phone=["+18504321234", "+18502221234", "+12125552671", "+14155552671", "+79161234567"],
        timeZone=["", "", "", "US/Mountain", ""],
        postalCode=["", "", "02134-1234", "94107", ""],
    )
    result = validate_chunk(frame, region="US")
    assert _zones(result) == [
        ("America/Chicago", "phone"),  # Pensacola's exchange
        ("America/New_York", "phone"),  # Tallahassee's
        ("America/New_York", "postal_code"),  # ZIP+4 of Allston, Massachusetts
        ("America/Denver", "file"),  # the file's own zone wins, in its current name
        (None, ""),  # a Russian mobile: eleven zones, none chosen
    ]
    assert not _issues(result)


def test_a_zip_stripped_of_its_leading_zero_and_a_canadian_code_give_their_zones() -> None:
    frame = _projected(phone=["+12125552671", "+16135552671", "+16135552671"],
                       postalCode=["2134", "K1A 0B1", "X0A 0H0"])  # fmt: skip
    result = validate_chunk(frame)
    assert _zones(result) == [
        ("America/New_York", "postal_code"),
        ("America/Toronto", "postal_code"),
        ("America/Toronto", "phone"),  # Nunavut keeps three clocks: the phone decides
    ]


def test_when_the_postal_code_and_the_phone_disagree_the_postal_code_wins() -> None:
    frame = _projected(phone=["+18502221234", "+13055552671"],
                       postalCode=["32501", "33101"])  # fmt: skip
    result = validate_chunk(frame, region="US")
    assert _zones(result) == [("America/Chicago", "postal_code"),
                              ("America/New_York", "postal_code")]  # fmt: skip
    (conflict,) = result.issues
    assert (conflict.row, conflict.code, conflict.severity) == (2, "time_zone_conflict", "warning")
    assert "America/Chicago" in conflict.message and "America/New_York" in conflict.message
    lead = lead_payload(result.leads.loc[2].to_dict())
    assert lead["timeZone"] == "America/Chicago"
    assert lead["customFields"] == {"phone_time_zone": "America/New_York"}
    assert "customFields" not in lead_payload(result.leads.loc[3].to_dict())


def test_zones_are_not_inferred_when_turned_off_nor_for_rejected_rows() -> None:
    frame = _projected(phone=["+18504321234", "+18504321235"], email=["a@example.com", "nope"],
                       postalCode=["32501", "32501"])  # fmt: skip
    off = validate_chunk(frame, region="US", infer_time_zone=False)
    assert _zones(off) == [(None, ""), (None, "")]
    on = validate_chunk(frame, region="US")
    assert _zones(on) == [("America/Chicago", "postal_code"), (None, "")]
    assert on.rejected.tolist() == [False, True]


def test_a_phone_whose_exchange_zone_is_not_known_gets_none_and_says_why() -> None:
    # 850-431 is Tallahassee's, on Eastern time; phonenumbers' data puts it on Central.
    frame = _projected(phone=["+18504311234", "+18504311235", "+18504441234"],
                       postalCode=["", "32301", ""])  # fmt: skip
    result = validate_chunk(frame, region="US")
    assert _zones(result) == [
        (None, ""),
        ("America/New_York", "postal_code"),  # the ZIP decides
        ("America/Chicago", "phone"),  # Pensacola's exchange
    ]
    (unknown,) = result.issues
    assert (unknown.row, unknown.field, unknown.code, unknown.severity) == (
        2, "phone", "phone_zone_unknown", "warning",
    )  # fmt: skip
    assert unknown.message == (
        "no time zone is sent: area code 850 spans Central time and Eastern time; the zone of "
        "its exchange 850-431 is not known. Give the row's ZIP or postal code (mapping "
        "postal_code:) or its time zone"
    )
    assert "timeZone" not in lead_payload(result.leads.loc[2].to_dict())


@pytest.mark.parametrize(
    ("garbled", "meant"),
    [
        ("JosÃ©", "José"),
        ("Å\u201aukasz", "łukasz"),
        ("MÃ¼ller", "Müller"),
        ("Oâ€™Brien", "O\u2019Brien"),
        ("FranÃ§ois", "François"),
    ],
)
def test_a_name_mis_decoded_upstream_is_sent_with_a_warning_naming_what_it_was(
    garbled: str, meant: str
) -> None:
    frame = _projected(phone=["+12125552671", "+12125552672"], firstName=[garbled, "José"],
                       lastName=["Lee", "Łukasiewicz"])  # fmt: skip
    result = validate_chunk(frame)
    (warning,) = result.issues
    assert (warning.row, warning.field, warning.code) == (2, "firstName", "name_garbled")
    assert warning.severity == "warning"
    assert f"'{garbled}' looks like '{meant}' read in the wrong encoding" in warning.message
    assert not result.rejected.any()
    assert lead_payload(result.leads.loc[2].to_dict())["firstName"] == garbled


@pytest.mark.parametrize("name", ["Ãlvaro", "Â", "Ångström", "Ðorđe", "São Paulo", "Ñuñez"])
def test_names_that_only_look_odd_get_no_garbled_warning(name: str) -> None:
    result = validate_chunk(_projected(phone=["+12125552671"], lastName=[name]))
    assert result.issues == []


def _company_lines(send: bool = False, **columns: list[str]) -> ValidatedChunk:
    """Validate rows through the built-in Apollo mapping, whose company lines are named."""
    import dataclasses

    from importer.mapping import bind_mapping, load_mapping, project

    mapping = dataclasses.replace(load_mapping("apollo"), send_company_lines=send)
    frame = _projected(**columns)  # type: ignore[arg-type]
    bound = bind_mapping(mapping, tuple(frame.columns), "the file")
    return validate_chunk(project(frame, bound), region="US")


def test_a_row_whose_only_number_is_the_company_line_is_rejected_and_says_why() -> None:
    result = _company_lines(**{"First Phone": [""], "Corporate Phone": ["+1 212 555 0199"]})
    assert result.rejected.tolist() == [True]
    [issue] = _issues(result)
    assert (issue.code, issue.severity) == ("phone_company_line", "error")
    assert "only the company's main number (Corporate Phone)" in issue.message
    assert "--send-company-lines" in issue.message


def test_company_lines_are_sent_with_a_warning_when_the_mapping_says_so() -> None:
    result = _company_lines(True, **{"First Phone": [""], "Company Phone": ["+1 212 555 0199"]})
    assert result.rejected.tolist() == [False]
    assert result.leads["phone"].tolist() == ["+12125550199"]
    [issue] = _issues(result)
    assert (issue.code, issue.severity) == ("phone_company_line", "warning")
    assert "Company Phone" in issue.message


def test_the_persons_own_number_is_sent_before_a_company_line_in_any_column_order() -> None:
    result = _company_lines(
        **{"Corporate Phone": ["+1 212 555 0199"], "First Phone": ["+1 415 555 0123"]}
    )
    assert result.rejected.tolist() == [False]
    assert result.leads["phone"].tolist() == ["+14155550123"]
    assert _issues(result) == []


def test_a_broken_own_number_is_named_on_its_row_even_when_another_is_sent() -> None:
    result = _company_lines(
        **{"First Phone": ["12345"], "Mobile Phone": ["+1 415 555 0123"],
           "Corporate Phone": ["+1 212 555 0199"]}
    )  # fmt: skip
    assert result.rejected.tolist() == [False]
    assert result.leads["phone"].tolist() == ["+14155550123"]
    [issue] = _issues(result)
    assert (issue.code, issue.severity) == ("phone_own_unusable", "warning")
    assert issue.message.startswith("First Phone '12345' is not a valid number")
    assert issue.message.endswith("the Mobile Phone number is used")


def test_a_broken_own_number_never_falls_back_to_the_switchboard_silently() -> None:
    result = _company_lines(**{"First Phone": ["12345"], "Corporate Phone": ["+1 212 555 0199"]})
    assert result.rejected.tolist() == [True]
    assert [issue.code for issue in _issues(result)] == ["phone_own_unusable", "phone_company_line"]


def test_a_persons_column_copying_the_switchboard_is_the_company_line_and_named_so() -> None:
    result = _company_lines(
        **{"First Phone": ["+1 212 555 0199"], "Corporate Phone": ["+1 212-555-0199"]}
    )
    assert result.rejected.tolist() == [True]
    [issue] = _issues(result)
    assert issue.code == "phone_company_line"
    assert "(Corporate Phone)" in issue.message


def test_a_broken_number_copied_into_two_columns_is_named_once() -> None:
    result = _company_lines(
        **{"Work Direct Phone": ["12345"], "First Phone": ["12345"],
           "Mobile Phone": ["+1 415 555 0123"]}
    )  # fmt: skip
    assert [issue.message.split(" '")[0] for issue in _issues(result)] == ["Work Direct Phone"]
