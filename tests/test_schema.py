from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from importer.mapping import PHONE_FALLBACKS
from importer.normalize import MAX_TAGS
from importer.schema import lead_json_rows, lead_payload, validate_chunk


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
    assert [issue.code for issue in result.issues] == ["row_too_many_values"]
    assert result.rejected.tolist() == [True]


def test_lenient_drops_bad_optional_values_with_a_warning() -> None:
    frame = _projected(
        phone=["+14155550123", "N/A"],
        email=["nope", "nope"],
        timeZone=["Mars/Olympus", ""],
    )
    result = validate_chunk(frame, lenient=True)
    assert result.rejected.tolist() == [False, True]  # a bad phone always rejects
    severities = {(issue.row, issue.field): issue.severity for issue in result.issues}
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
    # An unknown country falls back to the default region: a German number fails as US.
    assert [(issue.row, issue.field) for issue in result.issues] == [(4, "phone")]


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
    issues = {issue.row: (issue.code, issue.message) for issue in result.issues}
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
    assert not result.issues
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
