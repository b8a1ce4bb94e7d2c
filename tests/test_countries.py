from __future__ import annotations

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from importer import countries
from importer.countries import country_name, normalize_region

ISO_ROWS = countries._iso_rows()


def _expected(name: str, alpha2: str) -> str | None:
    """The region a name reads as: none when it names two countries or none phones reach."""
    if countries._fold(name) in countries._AMBIGUOUS:
        return None
    return alpha2 if alpha2 in phonenumbers.SUPPORTED_REGIONS else None


@pytest.mark.parametrize(
    ("raw", "region"),
    [
        ("MEX", "MX"),
        ("Russian Federation", "RU"),
        ("GBR", "GB"),
        ("DEU", "DE"),
        ("deu", "DE"),
        ("The Netherlands", "NL"),
        ("Netherlands (the)", "NL"),
        ("Holland", "NL"),
        ("Czechia", "CZ"),
        ("Czech Republic", "CZ"),
        ("UAE", "AE"),
        ("U.A.E.", "AE"),
        ("Viet Nam", "VN"),
        ("Korea, Republic of", "KR"),
        ("South Korea", "KR"),
        ("Korea (the Democratic People's Republic of)", "KP"),
        ("Iran, Islamic Republic of", "IR"),
        ("United States of America", "US"),
        ("USA", "US"),
        ("U.S.", "US"),
        ("America", "US"),
        ("Türkiye", "TR"),
        ("Turkey", "TR"),
        ("Côte d'Ivoire", "CI"),
        ("Cote d\u2019Ivoire", "CI"),
        ("Ivory Coast", "CI"),
        ("Hong Kong SAR", "HK"),
        ("Macao", "MO"),
        ("Taiwan, Province of China", "TW"),
        ("Bolivia (Plurinational State of)", "BO"),
        ("Great Britain", "GB"),
        ("England", "GB"),
        ("United Kingdom of Great Britain and Northern Ireland", "GB"),
        ("North Macedonia", "MK"),
        ("Eswatini", "SZ"),
        ("Cabo Verde", "CV"),
        ("Myanmar (Burma)", "MM"),
        ("Congo (the Democratic Republic of the)", "CD"),
        ("Republic of the Congo", "CG"),
        ("St. Lucia", "LC"),
        ("Saint Kitts & Nevis", "KN"),
        ("Virgin Islands, U.S.", "VI"),
        ("Kosovo", "XK"),
        ("XKX", "XK"),
        ("  the   NETHERLANDS ", "NL"),
    ],
)
def test_codes_and_names_crms_export(raw: str, region: str) -> None:
    assert normalize_region(raw) == region


@pytest.mark.parametrize(
    ("raw", "region"),
    [("US", "US"), ("gb", "GB"), ("UK", "GB"), ("EL", "GR"), ("+44", "GB"), ("44", "GB"),
     ("49", "DE"), ("+1", "US"), ("Deutschland", "DE"), ("España", "ES"), ("Россия", "RU"),
     ("日本", "JP"), ("Brasil", "BR"), ("٤٤", "GB")],
)  # fmt: skip
def test_what_was_read_before_still_is(raw: str, region: str) -> None:
    assert normalize_region(raw) == region


@pytest.mark.parametrize(
    "raw",
    ["Korea", "Congo", "the Congo", "Virgin Islands", "ATA", "AQ", "Antarctica", "Narnia",
     "", "²", "0", "+999", "12345", "1" * 5000, "The"],
)  # fmt: skip
def test_ambiguous_unknown_and_uncallable_cells_name_no_region(raw: str) -> None:
    assert normalize_region(raw) is None


def test_a_lower_case_word_that_is_a_name_is_read_as_the_name() -> None:
    # NGA is Nigeria's code; "Nga" is Russia in Vietnamese.
    assert normalize_region("NGA") == "NG"
    assert normalize_region("Nga") == "RU"


def test_the_iso_table_is_whole_and_agrees_with_phonenumbers() -> None:
    alpha3 = [row[0] for row in ISO_ROWS]
    alpha2 = [row[1] for row in ISO_ROWS]
    assert len(ISO_ROWS) == 249
    assert len(set(alpha3)) == len(set(alpha2)) == 249
    assert all(len(code) == 3 and code.isupper() for code in alpha3)
    # Every callable region is in the table but the three ISO leaves to others.
    assert phonenumbers.SUPPORTED_REGIONS - set(alpha2) == {"AC", "TA", "XK"}
    assert set(alpha2) - phonenumbers.SUPPORTED_REGIONS == {
        "AQ", "BV", "GS", "HM", "PN", "TF", "UM",
    }  # fmt: skip
    sample = {"USA": "US", "GBR": "GB", "DEU": "DE", "MEX": "MX", "IND": "IN", "CHN": "CN",
              "JPN": "JP", "BRA": "BR", "ZAF": "ZA", "ARE": "AE", "CHE": "CH", "AUT": "AT",
              "NLD": "NL", "KOR": "KR", "PRK": "KP", "IRL": "IE", "SRB": "RS",
              "MNE": "ME"}  # fmt: skip
    assert {code: countries._alpha3()[code] for code in sample} == sample


@pytest.mark.parametrize(("alpha3", "alpha2"), [(row[0], row[1]) for row in ISO_ROWS])
def test_every_alpha3_code_maps_to_its_region_when_phonenumbers_can_call_it(
    alpha3: str, alpha2: str
) -> None:
    expected = alpha2 if alpha2 in phonenumbers.SUPPORTED_REGIONS else None
    assert normalize_region(alpha3) == expected
    assert normalize_region(alpha2) == expected


@pytest.mark.parametrize(
    ("name", "alpha2"),
    [(name, row[1]) for row in ISO_ROWS for name in row[2]]
    + [(name, region) for region, names in countries._MORE_NAMES.items() for name in names],
)
def test_every_name_in_the_tables_reads_back_as_its_region(name: str, alpha2: str) -> None:
    expected = _expected(name, alpha2)
    assert normalize_region(name) == expected
    assert normalize_region(name.upper()) == expected


@pytest.mark.parametrize(
    ("region", "shown"),
    [("MX", "Mexico (MX)"), ("KR", "South Korea (KR)"), ("XK", "Kosovo (XK)"), ("ZZ", "ZZ")],
)
def test_country_name_for_messages(region: str, shown: str) -> None:
    assert country_name(region) == shown


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_any_text_gives_a_callable_region_or_none(raw: str) -> None:
    region = normalize_region(raw)
    assert region is None or region in phonenumbers.SUPPORTED_REGIONS


@settings(max_examples=200, deadline=None)
@given(row=st.sampled_from(ISO_ROWS), style=st.sampled_from(["lower", "upper", "dots", "the"]))
def test_codes_and_names_survive_case_and_punctuation(
    row: tuple[str, str, list[str]], style: str
) -> None:
    alpha3, alpha2, names = row
    written = {
        "lower": names[0].lower(),
        "upper": alpha3,
        "dots": ".".join(alpha2) + ".",
        "the": f"the {names[0]}",
    }[style]
    expected = _expected(names[0], alpha2) if style in ("lower", "the") else _expected("", alpha2)
    assert normalize_region(written) == expected


@pytest.mark.parametrize("raw", ["44", "+44", "0044", "(+44)", "(44)", "+ 44", "00 44", " (+44) "])
def test_a_calling_code_is_read_however_it_is_written(raw: str) -> None:
    assert normalize_region(raw) == "GB"


@pytest.mark.parametrize("raw", ["0", "00", "+0", "4444", "(+999)", "0044 20"])
def test_digits_that_are_no_calling_code_name_no_country(raw: str) -> None:
    assert normalize_region(raw) is None
