from __future__ import annotations

import json
import re
import subprocess
import sys
from functools import cache
from importlib import resources
from zoneinfo import available_timezones

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from phonenumbers.timezone import time_zones_for_number

from importer import localzones
from importer.localzones import same_clock, why_no_phone_zone, zone_for_phone, zone_for_postal_code
from importer.timezones import normalize_timezone

IANA = available_timezones()
OLD_NAMES = {
    "America/Indianapolis", "America/Fort_Wayne", "Asia/Calcutta", "Asia/Rangoon",
    "Asia/Katmandu", "America/Buenos_Aires", "America/Godthab", "Pacific/Enderbury",
    "Asia/Choibalsan", "Pacific/Truk", "Pacific/Ponape", "Atlantic/Faeroe", "Africa/Asmera",
}  # fmt: skip


def _is_canonical(zone: str) -> bool:
    """A current IANA name, as normalize_timezone writes it: no link, no US/..., no Etc/..."""
    return (
        zone in IANA
        and normalize_timezone(zone) == zone
        and not zone.startswith(("US/", "Etc/", "Canada/"))
        and zone not in OLD_NAMES
    )


# --- US ZIP codes -------------------------------------------------------------------

ZIPS = {
    "94107": "America/Los_Angeles",  # San Francisco
    "10001": "America/New_York",
    "60601": "America/Chicago",
    "80202": "America/Denver",
    "85004": "America/Phoenix",  # Arizona keeps no daylight saving
    "99501": "America/Anchorage",
    "96813": "Pacific/Honolulu",
    "46204": "America/Indiana/Indianapolis",
    "49801": "America/Menominee",
    "32501": "America/Chicago",  # Pensacola, in Florida's Central panhandle
    "32301": "America/New_York",  # Tallahassee
}


@pytest.mark.parametrize(("code", "zone"), ZIPS.items())
@pytest.mark.parametrize("country", [None, "US"])
def test_a_zip_gives_its_zone(code: str, zone: str, country: str | None) -> None:
    assert zone_for_postal_code(code, country) == zone


@pytest.mark.parametrize(
    "code", ["94107-1234", "941071234", "94107 1234", " 94107 ", "\t94107-1234 "]
)
def test_zip_plus_four_and_spaces_are_read(code: str) -> None:
    assert zone_for_postal_code(code, "US") == "America/Los_Angeles"


@pytest.mark.parametrize(
    ("code", "zone"),
    [
        ("2134", "America/New_York"),  # Allston, Massachusetts: 02134
        ("7030", "America/New_York"),  # Hoboken, New Jersey: 07030
        ("2134-1234", "America/New_York"),
        ("21341234", "America/New_York"),  # a ZIP+4 kept as a number
        ("501", "America/New_York"),  # Holtsville, New York: 00501
        ("601", "America/Puerto_Rico"),  # Adjuntas: 00601
        ("8021234", "America/St_Thomas"),  # 00802-1234
    ],
)
def test_a_zip_that_lost_its_leading_zeros_is_read(code: str, zone: str) -> None:
    assert zone_for_postal_code(code, "US") == zone
    assert zone_for_postal_code(code, None) == zone


@pytest.mark.parametrize(
    "code", ["123", "00000", "12", "1", "", "   ", "123456", "9410a", "94107-12", "94107--1234",
             "1234567890", "٩٤١٠٧", "94107.0"],
)  # fmt: skip
def test_what_is_no_zip_is_none(code: str) -> None:
    assert zone_for_postal_code(code, "US") is None
    assert zone_for_postal_code(code, None) is None


@pytest.mark.parametrize(
    ("code", "country", "zone"),
    [
        ("00601", "PR", "America/Puerto_Rico"),
        ("00802", "VI", "America/St_Thomas"),
        ("96910", "GU", "Pacific/Guam"),
        ("96799", "AS", "Pacific/Pago_Pago"),
        ("96950", "MP", "Pacific/Saipan"),
    ],
)
def test_a_territory_reads_its_own_zips(code: str, country: str, zone: str) -> None:
    assert zone_for_postal_code(code, country) == zone
    assert zone_for_postal_code(code, "US") == zone
    assert zone_for_postal_code(code, None) == zone
    # Another place's ZIP contradicts the country: which one is wrong is not known.
    assert zone_for_postal_code("94107", country) is None


@pytest.mark.parametrize("country", ["DE", "FR", "MX", "GB", "CA", "FM", "ZZ", "us"])
def test_a_zip_in_another_country_is_none(country: str) -> None:
    assert zone_for_postal_code("94107", country) is None
    assert zone_for_postal_code("75001", country) is None


@pytest.mark.parametrize(
    ("code", "why"),
    [
        ("09001", "military (APO AE): the data has no zone"),
        ("96201", "military (APO AP)"),
        ("99634", "the data's zone is the town's name, Napakiak"),
        ("96941", "Micronesia (Pohnpei), a country of its own that the data puts in Chuuk's zone"),
        ("96960", "the Marshall Islands"),
        ("32456", "Gulf County, Florida, crossed by the Central-Eastern line"),
        ("32465", "Gulf County, Florida, the Central side"),
        ("37405", "Hamilton County, Tennessee, where the data puts one Chattanooga ZIP in Central"),
        ("86515", "Window Rock: the Navajo Nation keeps daylight saving, Apache County's rest not"),
    ],
)
def test_zips_the_data_does_not_settle_are_none(code: str, why: str) -> None:
    assert zone_for_postal_code(code, None) is None, why


def test_every_zone_in_the_zip_table_is_a_canonical_name() -> None:
    zones, territories = localzones._zip_table()
    assert len(zones) > 41_000
    assert all(len(code) == 5 and code.isdigit() for code in zones)
    assert all(_is_canonical(zone) for zone in set(zones.values())), sorted(
        zone for zone in set(zones.values()) if not _is_canonical(zone)
    )
    assert set(territories.values()) == {"PR", "VI", "GU", "AS", "MP"}
    assert set(territories) <= set(zones)


@cache
def _known_zips() -> list[str]:
    return sorted(localzones._zip_table()[0])


@settings(max_examples=300, deadline=None)
@given(
    pick=st.integers(min_value=0),
    any_zip=st.from_regex(r"[0-9]{5}", fullmatch=True),
    plus4=st.from_regex(r"[0-9]{4}", fullmatch=True),
    country=st.sampled_from([None, "US"]),
)
def test_every_way_of_writing_a_zip_gives_its_answer(
    pick: int, any_zip: str, plus4: str, country: str | None
) -> None:
    zones = localzones._zip_table()[0]
    known = _known_zips()[pick % len(zones)]
    for zip5 in (known, any_zip):
        expected = zone_for_postal_code(zip5, country)
        forms = [f"{zip5}-{plus4}", f"{zip5}{plus4}", f"{zip5} {plus4}", f"  {zip5} "]
        stripped = zip5.lstrip("0")
        if 3 <= len(stripped) < 5:
            forms += [stripped, f"{stripped}{plus4}", f"{stripped}-{plus4}"]
        for form in forms:
            assert zone_for_postal_code(form, country) == expected, form
    assert zone_for_postal_code(known, country) == zones[known]


# --- Canadian postal codes ----------------------------------------------------------

CANADA = {
    "K1A 0B1": "America/Toronto",  # Ottawa
    "M5V 3L9": "America/Toronto",
    "H2X 1Y4": "America/Toronto",  # Montreal
    "G1R 4P5": "America/Toronto",  # Quebec City
    "P3E 2C6": "America/Toronto",  # Sudbury
    "R3C 4T3": "America/Winnipeg",
    "S4P 3Y2": "America/Regina",
    "T2P 1J9": "America/Edmonton",
    "V6B 4Y8": "America/Vancouver",
    "B3H 4R2": "America/Halifax",
    "C1A 7N8": "America/Halifax",
    "E1C 4M3": "America/Moncton",
    "A1C 5M2": "America/St_Johns",
    "Y1A 2C6": "America/Whitehorse",
}


@pytest.mark.parametrize(("code", "zone"), CANADA.items())
def test_a_canadian_postal_code_gives_its_province_zone(code: str, zone: str) -> None:
    assert zone_for_postal_code(code, "CA") == zone
    assert zone_for_postal_code(code, None) == zone  # the shape is Canada's alone
    for form in (code.replace(" ", ""), code.lower(), f" {code.replace(' ', '-')} ", code[:3]):
        assert zone_for_postal_code(form, "CA") == zone, form
    assert zone_for_postal_code(code, "US") is None
    assert _is_canonical(zone)


@pytest.mark.parametrize(
    ("code", "why"),
    [
        ("A2V 1A1", "Labrador City: Atlantic time, not Newfoundland's"),
        ("A0P 1E0", "Happy Valley-Goose Bay, Labrador"),
        ("G4T 1A1", "Magdalen Islands: Atlantic time"),
        ("G0G 1W0", "Blanc-Sablon: Atlantic Standard Time all year"),
        ("P9N 1A1", "Kenora: Central time"),
        ("P0T 1C0", "Atikokan: Eastern Standard Time all year"),
        ("S9V 0A1", "Lloydminster: Alberta's time"),
        ("S0P 0E0", "Creighton: Central time with daylight saving"),
        ("V1C 1A1", "Cranbrook: Mountain time"),
        ("V1G 1A1", "Dawson Creek: Mountain Standard Time all year"),
        ("X1A 2L9", "Yellowknife, but X is Nunavut's three zones too"),
        ("X0A 0H0", "Iqaluit"),
    ],
)
def test_canadian_areas_that_span_zones_are_none(code: str, why: str) -> None:
    assert zone_for_postal_code(code, "CA") is None, why


@pytest.mark.parametrize(
    "code", ["D1A 1A1", "W1A 0AX", "Z1A 1A1", "K1A 0B", "K1A 0B1 2", "K1", "KK1 0B1", "K1O 0B1"]
)
def test_what_is_no_canadian_postal_code_is_none(code: str) -> None:
    assert zone_for_postal_code(code, "CA") is None
    assert zone_for_postal_code(code, None) is None


# --- phones -------------------------------------------------------------------------


def test_one_area_code_in_two_zones_is_told_apart_by_exchange() -> None:
    assert zone_for_phone("+18504321234") == "America/Chicago"  # Pensacola
    assert zone_for_phone("+18502221234") == "America/New_York"  # Tallahassee


@pytest.mark.parametrize(
    ("e164", "zone"),
    [
        ("+18504441234", "America/Chicago"),  # Pensacola
        ("+18502221234", "America/New_York"),  # Tallahassee
        ("+18502151234", "America/Chicago"),  # Panama City
        ("+18124641234", "America/Chicago"),  # Evansville
        ("+18123231234", "America/New_York"),  # Bloomington
        ("+12088881234", "America/Denver"),  # Meridian, Idaho's south: Mountain time
    ],
)
def test_an_exchange_of_an_area_code_that_spans_clocks_gets_its_own_zone(
    e164: str, zone: str
) -> None:
    assert zone_for_phone(e164) == zone
    assert why_no_phone_zone(e164) == ""


@pytest.mark.parametrize(
    ("e164", "why"),
    [
        ("+18504311234", "Tallahassee, on Eastern time: phonenumbers says Central"),
        ("+18506811234", "Tallahassee, on Eastern time: phonenumbers says Central"),
        ("+18502271234", "Port St. Joe, Gulf County: Eastern time, phonenumbers says Central"),
        ("+18124271234", "Vevay, Indiana, on Eastern time: phonenumbers says Central"),
        ("+18124781234", "Terre Haute, on Eastern time: phonenumbers says Central"),
        ("+14482001234", "850's overlay, Pensacola's too: phonenumbers says Eastern"),
        ("+19302001234", "812's overlay, Evansville's too: phonenumbers says Eastern"),
        ("+14742001234", "Saskatchewan keeps no daylight saving: phonenumbers says Winnipeg"),
    ],
)
def test_an_exchange_the_data_places_on_the_wrong_clock_gets_none(e164: str, why: str) -> None:
    assert zone_for_phone(e164) is None, why
    assert why_no_phone_zone(e164).startswith(f"area code {e164[2:5]} "), why
    assert f"exchange {e164[2:5]}-{e164[5:8]} is not known" in why_no_phone_zone(e164)


def test_the_reason_names_the_clocks_of_the_area_code() -> None:
    assert why_no_phone_zone("+18504311234") == (
        "area code 850 spans Central time and Eastern time; the zone of its exchange "
        "850-431 is not known"
    )


@pytest.mark.parametrize(
    ("e164", "zone"),
    [
        ("+14165550199", "America/Toronto"),
        ("+15142001234", "America/Toronto"),  # Montreal
        ("+16042001234", "America/Vancouver"),
        ("+17802001234", "America/Edmonton"),
        ("+12042001234", "America/Winnipeg"),
        ("+15062001234", "America/Halifax"),  # New Brunswick: Moncton's clock
        ("+19022001234", "America/Halifax"),
    ],
)
def test_a_canadian_area_code_in_one_zone_gives_it(e164: str, zone: str) -> None:
    assert zone_for_phone(e164) == zone


@pytest.mark.parametrize(
    "area", ["709", "879", "418", "581", "367", "807", "306", "639", "474", "250", "778", "236",
             "672", "867"],
)  # fmt: skip
def test_a_canadian_area_code_that_spans_clocks_gives_none(area: str) -> None:
    e164 = f"+1{area}2001234"
    assert phonenumbers.is_valid_number(phonenumbers.parse(e164))
    assert zone_for_phone(e164) is None
    assert why_no_phone_zone(e164).startswith(f"area code {area} spans ")


def _canadian_areas() -> list[str]:
    pattern = phonenumbers.PhoneMetadata.metadata_for_region("CA").fixed_line
    assert pattern is not None and pattern.national_number_pattern is not None
    return [
        f"{area}" for area in range(200, 1000)
        if re.fullmatch(pattern.national_number_pattern, f"{area}2345678")
    ]  # fmt: skip


def test_every_canadian_area_code_is_in_one_zone_or_spans_clocks() -> None:
    areas = _canadian_areas()
    assert len(areas) > 50
    for area in areas:
        # An area code the provinces' facts do not place (a new one) gives no zone.
        known = area in localzones._CANADA_ZONES or area in localzones._CANADA_AREA_SPANS
        assert known or localzones._area_spans(area) != "", area
    assert not set(localzones._CANADA_ZONES) & set(localzones._CANADA_AREA_SPANS)


# Area codes that a zone line crosses, by geography: each must be found from the data.
SPANNING = [
    "850", "448", "812", "930", "219", "574", "269", "906", "270", "606", "423", "931", "256",
    "334", "229", "706", "762", "701", "605", "308", "402", "531", "785", "620", "806", "915",
    "432", "208", "541", "458", "775", "928", "520", "907",
]  # fmt: skip


def test_the_area_codes_that_span_clocks_are_found_from_the_data() -> None:
    found = [area for area in SPANNING if localzones._area_spans(area)]
    assert found == SPANNING


def _spanning_us_areas() -> list[str]:
    areas = set(localzones._zip_data().area_zones) | set(localzones._area_places())
    return sorted(
        area for area in areas
        if localzones._area_region(area) == "US" and localzones._area_spans(area)
    )  # fmt: skip


def test_no_exchange_of_an_area_code_that_spans_clocks_gets_another_clock_than_its_zip() -> None:
    # The truth: a ZIP whose data lists one area code, in a county that keeps one clock.
    # Every exchange phonenumbers' geocoder places in that ZIP's city gets its clock or none.
    import zipcodes

    spanning = set(_spanning_us_areas())
    zips = localzones._zip_table()[0]
    geocodes = localzones._geocodes()
    exchanges: dict[tuple[str, str], list[str]] = {}
    for prefix, place in geocodes.items():
        match = re.fullmatch(r"(.+), ([A-Z]{2})", place.get("en", ""))
        if prefix[:1] == "1" and len(prefix) == 7 and prefix[1:4] in spanning and match:
            key = (localzones._place_key(match[1]), match[2])
            exchanges.setdefault(key, []).append(prefix)
    checked = known = 0
    for digit in "0123456789":
        for row in zipcodes.similar_to(digit):
            zone = zips.get(row["zip_code"])
            if zone is None or len(row["area_codes"] or ()) != 1:
                continue
            place = (localzones._place_key(row["city"]), row["state"])
            for head in exchanges.get(place, ()):
                if head[1:4] != row["area_codes"][0]:
                    continue
                found = zone_for_phone(f"+{head}0123")
                checked += 1
                known += found is not None
                assert found is None or same_clock(found, zone), (head, row["zip_code"], found)
    assert checked > 1000 and known > checked * 0.8, (checked, known)


@pytest.mark.parametrize(
    ("e164", "zone"),
    [
        ("+12025550123", "America/New_York"),
        ("+13125550123", "America/Chicago"),
        ("+16025550123", "America/Phoenix"),
        ("+14165550199", "America/Toronto"),
        ("+16045550123", "America/Vancouver"),
        ("+18085550123", "Pacific/Honolulu"),
        ("+17875550123", "America/Puerto_Rico"),
        ("+442079460000", "Europe/London"),
        ("+61298765432", "Australia/Sydney"),  # a Sydney landline
        ("+5511987654321", "America/Sao_Paulo"),  # Brazil's mobiles have area codes
    ],
)
def test_a_number_in_one_zone_gives_it(e164: str, zone: str) -> None:
    assert zone_for_phone(e164) == zone


@pytest.mark.parametrize(
    ("e164", "why"),
    [
        ("+12085550123", "Idaho's 208-555 lists Boise and Los Angeles: Mountain and Pacific"),
        ("+79161234567", "a Russian mobile: the whole of Russia and Kazakhstan"),
        ("+61412345678", "an Australian mobile: every Australian zone"),
        ("+18005550199", "toll-free: all of North America"),
        ("+18765550123", "a Jamaican mobile: phonenumbers places only fixed lines in +1"),
        ("+80012345678", "an international freephone number"),
    ],
)
def test_a_number_whose_zones_keep_different_clocks_is_none(e164: str, why: str) -> None:
    assert zone_for_phone(e164) is None, why


@pytest.mark.parametrize(
    ("e164", "zone"),
    [
        ("+447911123456", "Europe/London"),  # London, Guernsey, Jersey, Isle of Man
        ("+393123456789", "Europe/Rome"),  # Rome and the Vatican
        ("+358401234567", "Europe/Helsinki"),  # Helsinki and Mariehamn
        ("+35312345678", "Europe/Dublin"),  # the data lists the UK's zones for Ireland
    ],
)
def test_several_zones_with_one_clock_give_the_country_zone(e164: str, zone: str) -> None:
    assert len(time_zones_for_number(phonenumbers.parse(e164))) > 1
    assert zone_for_phone(e164) == zone


@pytest.mark.parametrize(
    ("e164", "zone"),
    [("+912212345678", "Asia/Kolkata"), ("+9512345678", "Asia/Yangon"),
     ("+97714212345", "Asia/Kathmandu")],
)  # fmt: skip
def test_phonenumbers_old_zone_names_come_out_current(e164: str, zone: str) -> None:
    assert zone_for_phone(e164) == zone


@pytest.mark.parametrize(
    "e164", ["", "+", "+1", "18504321234", "+1850432123x", "+1 850 432 1234", "+١٨٥٠٤٣٢١٢٣٤",
             "+1234567890123456"],
)  # fmt: skip
def test_what_is_no_e164_number_is_none(e164: str) -> None:
    assert zone_for_phone(e164) is None


def _example_numbers() -> list[phonenumbers.PhoneNumber]:
    kinds = [
        getattr(phonenumbers.PhoneNumberType, name)
        for name in dir(phonenumbers.PhoneNumberType)
        if name.isupper() and name != "UNKNOWN"
    ]
    numbers = [
        number
        for region in sorted(phonenumbers.SUPPORTED_REGIONS)
        for kind in kinds
        if (number := phonenumbers.example_number_for_type(region, kind)) is not None
    ]
    numbers += [
        number
        for code in sorted(phonenumbers.COUNTRY_CODES_FOR_NON_GEO_REGIONS)
        if (number := phonenumbers.example_number_for_non_geo_entity(code)) is not None
    ]
    return [number for number in numbers if phonenumbers.is_valid_number(number)]


def _as_phonenumbers_places_it(number: phonenumbers.PhoneNumber) -> str | None:
    """phonenumbers' own zones for a number, then the rule for several zones."""
    zones = tuple(time_zones_for_number(number))
    return localzones._agreed_zone(zones, str(number.country_code))


def _e164(number: phonenumbers.PhoneNumber) -> str:
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def test_every_example_number_is_placed_as_phonenumbers_places_it() -> None:
    numbers = _example_numbers()
    assert len(numbers) > 1000
    for number in numbers:
        zone = _placed_or_not_known(_e164(number), number)
        assert zone is None or _is_canonical(zone), (_e164(number), zone)


@settings(max_examples=400, deadline=None)
@given(
    st.one_of(
        st.from_regex(r"\+1[2-9][0-9]{2}[2-9][0-9]{6}", fullmatch=True),
        st.tuples(
            st.sampled_from(["RU", "KZ", "AU", "BR", "MX", "ID", "CA", "US", "ES", "PT", "CL",
                             "EC", "CD", "MN", "NZ", "GL", "FM", "KI", "AR", "CN", "GB", "IE"]),
            st.sampled_from([phonenumbers.PhoneNumberType.FIXED_LINE,
                             phonenumbers.PhoneNumberType.MOBILE]),
            st.from_regex(r"[0-9]{1,5}", fullmatch=True),
        ),
    )
)  # fmt: skip
def test_any_valid_number_is_placed_as_phonenumbers_places_it(
    drawn: str | tuple[str, int, str],
) -> None:
    if isinstance(drawn, str):
        e164 = drawn
    else:
        region, kind, tail = drawn
        example = phonenumbers.example_number_for_type(region, kind)
        if example is None:
            return
        national = phonenumbers.national_significant_number(example)
        if len(tail) >= len(national):
            return
        e164 = f"+{example.country_code}{national[: -len(tail)]}{tail}"
    number = phonenumbers.parse(e164)
    if not phonenumbers.is_valid_number(number):
        return  # a number is taken to be valid: normalize_phone sends no other
    _placed_or_not_known(e164, number)


def _placed_or_not_known(e164: str, number: phonenumbers.PhoneNumber) -> str | None:
    """A number's zone is phonenumbers' own; or, in a North American area code that spans
    clocks, none, with the reason."""
    zone = zone_for_phone(e164)
    if zone != _as_phonenumbers_places_it(number):
        assert zone is None and number.country_code == 1, (e164, zone)
        assert why_no_phone_zone(e164).startswith(f"area code {e164[2:5]} "), e164
    return zone


# --- the rule for several zones -----------------------------------------------------


def test_zones_agree_only_when_their_clocks_are_the_same_all_year() -> None:
    agreed = localzones._agreed_zone
    assert agreed(("America/Detroit", "America/New_York"), "1") == "America/Detroit"
    assert agreed(("America/Denver", "America/Phoenix"), "1") is None  # apart in summer
    assert agreed(("Australia/Sydney", "Australia/Lord_Howe"), "61") is None  # half an hour
    assert agreed(("Australia/Sydney", "Australia/Brisbane"), "61") is None
    assert agreed(("Europe/Jersey", "Europe/London"), "44") == "Europe/London"
    assert agreed(("Asia/Calcutta",), "91") == "Asia/Kolkata"
    assert agreed(("America/Indianapolis", "America/Indiana/Indianapolis"), "1") == (
        "America/Indiana/Indianapolis"
    )
    assert agreed(("Etc/Unknown",), "1") is None
    assert agreed(("Europe/London", "No/Such_Zone"), "44") is None


def test_a_clock_lists_each_change_of_the_coming_year() -> None:
    clock = localzones._clock
    assert len(clock("America/New_York")) == 3  # now, then two changes
    assert len(clock("America/Phoenix")) == 1
    assert len(clock("Asia/Kolkata")) == 1
    assert clock("America/Kentucky/Louisville") == clock("America/New_York")
    assert clock("America/Chicago") != clock("America/New_York")


# --- costs --------------------------------------------------------------------------


def test_importing_the_module_loads_no_data() -> None:
    code = (
        "import sys, json, importer.localzones; "
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith(('zipcodes', "
        "'phonenumbers.tzdata', 'phonenumbers.timezone')))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert json.loads(out) == []


@pytest.mark.parametrize(
    "e164", ["+18005550199", "+18765550123", "+12125550123", "+79161234567", "+5511987654321"]
)
def test_only_an_area_code_that_spans_clocks_is_given_as_a_reason(e164: str) -> None:
    assert why_no_phone_zone(e164) == ""  # toll-free, Jamaica, one clock, other countries


def test_a_new_area_code_named_by_its_place_takes_that_place_s_clock() -> None:
    # 728 is new to the ZIP data; the geocoder names it "Palm Beach, FL", on Eastern time.
    assert localzones._area_name("728") == "Palm Beach, FL"
    assert zone_for_phone("+17282001234") == "America/New_York"


def test_the_shipped_north_american_zones_are_what_the_installed_data_says() -> None:
    # The tool ships the result of a pass over phonenumbers' and zipcodes' data; with
    # other versions of them, write it again: localzones.write_north_american_zones().
    shipped = (
        resources.files("importer").joinpath(localzones.NORTH_AMERICAN_ZONES).read_text("utf-8")
    )
    assert json.loads(shipped) == localzones.north_american_zones()


def test_a_north_american_number_loads_neither_the_zip_data_nor_the_geocoder() -> None:
    # Both take some 150 MB in every process that validates rows; the shipped file is 36 KB.
    code = (
        "import sys, json; from importer.localzones import zone_for_phone, why_no_phone_zone; "
        "zones = [zone_for_phone('+18504321234'), zone_for_phone('+18504311234')]; "
        "why = why_no_phone_zone('+18504311234'); "
        "loaded = sorted(m for m in sys.modules if m.startswith(('zipcodes', "
        "'phonenumbers.geodata'))); print(json.dumps([zones, why, loaded]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    zones, why, loaded = json.loads(out)
    assert zones == ["America/Chicago", None]
    assert why.startswith("area code 850 spans Central time and Eastern time")
    assert loaded == []
