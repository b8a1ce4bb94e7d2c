from __future__ import annotations

import re
from collections.abc import Callable
from zoneinfo import available_timezones

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from importer.countries import normalize_region
from importer.normalize import (
    MAX_TAGS,
    Phone,
    Problem,
    cell_error,
    is_valid_number,
    normalize_email,
    normalize_phone,
    normalize_priority,
    normalize_tags,
    parse_number,
    phone_type,
    split_full_name,
    split_tags,
)
from importer.timezones import normalize_timezone


@pytest.mark.parametrize(
    ("raw", "region", "e164", "extension"),
    [
        ("p:+14155550123", None, "+14155550123", None),
        ("+1 415-555-0123", None, "+14155550123", None),
        ("(415) 555-0123", "US", "+14155550123", None),
        ("415.555.0123", "US", "+14155550123", None),
        ("  415 555 0123  ", "US", "+14155550123", None),
        ("0044 7911 123456", "US", "+447911123456", None),
        ("00447911123456", None, "+447911123456", None),
        ("+1 415-555-0199 ext. 12", None, "+14155550199", "12"),
        ("415.555.0198 x34", "US", "+14155550198", "34"),
        ("14155550123", "US", "+14155550123", None),
        ("14155550123.0", "US", "+14155550123", None),
        ("07911 123456", "GB", "+447911123456", None),
        ("P:+61 491 570 156", None, "+61491570156", None),
    ],
)
def test_phone_formats_from_real_exports(
    raw: str, region: str | None, e164: str, extension: str | None
) -> None:
    assert normalize_phone(raw, region) == Phone(e164, extension)


@pytest.mark.parametrize(
    ("raw", "region", "code"),
    [
        ("", "US", "phone_missing"),
        ("   ", "US", "phone_missing"),
        ("p:", "US", "phone_missing"),
        ("N/A", "US", "phone_placeholder"),
        ("-", "US", "phone_placeholder"),
        ("none", "US", "phone_placeholder"),
        ("<test lead: dummy data for phone_number>", None, "phone_placeholder"),
        ("1.41556E+10", "US", "phone_scientific"),
        ("1,41556E+10", "US", "phone_scientific"),
        ("4.15555E+9", "US", "phone_scientific"),
        ("4155550123", None, "phone_no_region"),
        ("415-555", "US", "phone_too_short"),
        ("4155550123456789", "US", "phone_too_long"),
        ("call me", "US", "phone_invalid"),
        ("+1 415 055 0123", None, "phone_invalid"),
        ("+999 1234 5678", None, "phone_invalid_country"),
    ],
)
def test_phone_rejections_say_why(raw: str, region: str | None, code: str) -> None:
    result = normalize_phone(raw, region)
    assert isinstance(result, Problem)
    assert result.code == code
    assert result.message.startswith("phone")


def test_phone_message_names_value_and_fix() -> None:
    result = normalize_phone("415-555", "US")
    assert isinstance(result, Problem)
    assert "'415-555'" in result.message
    assert "for US" in result.message


def _example_numbers() -> list[phonenumbers.PhoneNumber]:
    numbers = []
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for kind in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE):
            number = phonenumbers.example_number_for_type(region, kind)
            if number is not None and phonenumbers.is_valid_number(number):
                numbers.append(number)
    return numbers


EXAMPLES = _example_numbers()


@settings(max_examples=300, deadline=None)
@given(
    number=st.sampled_from(EXAMPLES),
    style=st.sampled_from(["e164", "international", "national", "p_prefix", "00", "dots"]),
)
def test_any_valid_number_in_any_style_normalizes_to_its_e164(
    number: phonenumbers.PhoneNumber, style: str
) -> None:
    region = phonenumbers.region_code_for_number(number)
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    international = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    written = {
        "e164": e164,
        "international": international,
        "national": phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL),
        "p_prefix": "p:" + e164,
        "00": "00" + e164[1:],
        "dots": international.replace(" ", "."),
    }[style]
    result = normalize_phone(written, region)
    assert result == Phone(e164, None), (written, region)


@given(st.sampled_from(EXAMPLES))
def test_normalizing_e164_is_idempotent(number: phonenumbers.PhoneNumber) -> None:
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    first = normalize_phone(e164, None)
    assert isinstance(first, Phone)
    assert normalize_phone(first.e164, "US") == first


@given(raw=st.text(max_size=40), region=st.sampled_from([None, "US", "GB", "DE", "IN", "BR"]))
def test_phone_never_raises_and_returns_e164_or_a_problem(raw: str, region: str | None) -> None:
    result = normalize_phone(raw, region)
    if isinstance(result, Phone):
        assert result.e164.startswith("+")
        assert result.e164[1:].isdigit()
        assert phonenumbers.is_valid_number(phonenumbers.parse(result.e164))
        assert len(result.e164) <= 16
    else:
        assert isinstance(result, Problem)
        assert result.code.startswith("phone_")


@given(
    mantissa=st.integers(min_value=1, max_value=9),
    decimals=st.integers(min_value=0, max_value=99999),
    exponent=st.integers(min_value=5, max_value=14),
)
def test_scientific_notation_is_never_guessed(mantissa: int, decimals: int, exponent: int) -> None:
    raw = f"{mantissa}.{decimals}E+{exponent}"
    result = normalize_phone(raw, "US")
    assert isinstance(result, Problem)
    assert result.code == "phone_scientific"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Jo@Example.COM", "Jo@example.com"),
        (" ana@example.org ", "ana@example.org"),
        ("mailto:x@Example.net", "x@example.net"),
        ("first.last+tag@sub.example.co.uk", "first.last+tag@sub.example.co.uk"),
        ("", None),
    ],
)
def test_email_accepts_and_normalizes(raw: str, expected: str | None) -> None:
    assert normalize_email(raw) == expected


@pytest.mark.parametrize(
    "raw", ["maria.example.com", "a@b", "a b@example.com", "a@@example.com", "a@exa mple.com",
            "a@example..com", "a@-example.com", "a@example.c", "a@example.123", ".a@example.com"],
)  # fmt: skip
def test_email_rejects_implausible(raw: str) -> None:
    result = normalize_email(raw)
    assert isinstance(result, Problem)
    assert result.code == "email_invalid"
    assert raw.strip() in result.message


@given(st.text(max_size=60))
def test_email_never_raises(raw: str) -> None:
    result = normalize_email(raw)
    assert result is None or isinstance(result, str | Problem)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("High", "high"),
        ("URGENT", "urgent"),
        (" low ", "low"),
        ("", "medium"),
        ("medium", "medium"),
    ],
)
def test_priority(raw: str, expected: str) -> None:
    assert normalize_priority(raw) == expected


def test_priority_rejects_others() -> None:
    result = normalize_priority("asap")
    assert isinstance(result, Problem)
    assert result.code == "priority_invalid"


def test_tags_trimmed_deduplicated_and_ordered() -> None:
    tags = split_tags("vip, webinar,,VIP , Spring Sale", ",")
    assert normalize_tags(tags) == ["vip", "webinar", "Spring Sale"]


def test_mailchimp_quoted_tags_lose_their_quotes() -> None:
    tags = split_tags('"Customer","VIP","customer"', ",")
    assert normalize_tags(tags) == ["Customer", "VIP"]


def test_more_than_twenty_tags_is_an_error() -> None:
    result = normalize_tags([f"t{i}" for i in range(MAX_TAGS + 1)])
    assert isinstance(result, Problem)
    assert result.code == "tags_too_many"
    assert normalize_tags([f"t{i}" for i in range(MAX_TAGS)] + ["T0"]) != result


@given(st.lists(st.text(max_size=8), max_size=30))
def test_tags_properties(values: list[str]) -> None:
    result = normalize_tags(values)
    if isinstance(result, Problem):
        assert len({v.strip().casefold() for v in values if v.strip()}) > MAX_TAGS
        return
    assert len(result) <= MAX_TAGS
    assert all(tag and tag == tag.strip() for tag in result)
    assert len({tag.casefold() for tag in result}) == len(result)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("America/New_York", "America/New_York"),
        ("america/chicago", "America/Chicago"),
        ("US/Eastern", "America/New_York"),
        ("+05:30", "Asia/Kolkata"),
        ("Eastern", "America/New_York"),
        ("pacific time", "America/Los_Angeles"),
        ("america_slash_new_york", "America/New_York"),
        ("America/New York", "America/New_York"),
        ("India Standard Time", "Asia/Kolkata"),
        ("UTC", "UTC"),
        ("", None),
    ],
)
def test_timezone_names_and_aliases(raw: str, expected: str | None) -> None:
    assert normalize_timezone(raw) == expected


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("Mars/Olympus", "timezone_unknown"),
        ("localtime", "timezone_unknown"),
        ("IST", "timezone_ambiguous"),
        ("GMT-5", "timezone_offset"),
    ],
)
def test_timezone_rejects_unknown_and_ambiguous(raw: str, code: str) -> None:
    result = normalize_timezone(raw)
    assert isinstance(result, Problem)
    assert result.code == code


@settings(max_examples=200)
@given(zone=st.sampled_from(sorted(available_timezones() - {"Factory", "localtime"})),
       upper=st.booleans())  # fmt: skip
def test_every_iana_zone_is_accepted_in_any_case(zone: str, upper: bool) -> None:
    written = zone.upper() if upper else zone.lower()
    assert normalize_timezone(written) == zone or zone.casefold() == written.casefold()
    assert isinstance(normalize_timezone(written), str)


@given(st.text(max_size=30))
def test_timezone_never_raises(raw: str) -> None:
    result = normalize_timezone(raw)
    assert result is None or isinstance(result, str | Problem)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Jane Doe", ("Jane", "Doe")),
        ("Mary Ann Smith", ("Mary", "Ann Smith")),
        ("Doe, Jane", ("Jane", "Doe")),
        ("  Cher ", ("Cher", None)),
        ("", (None, None)),
    ],
)
def test_split_full_name(raw: str, expected: tuple[str | None, str | None]) -> None:
    assert split_full_name(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"), [("US", "US"), ("gb", "GB"), ("UK", "GB"), ("+44", "GB"), ("49", "DE"),
                          ("", None), ("Narnia", None), ("United States", "US"), ("USA", "US"),
                          ("united  kingdom", "GB"), ("Germany", "DE"), ("Deutschland", "DE"),
                          ("España", "ES"), ("Australia", "AU"), ("²", None), ("٤٤", "GB")],
)  # fmt: skip
def test_region_cells(raw: str, expected: str | None) -> None:
    assert normalize_region(raw) == expected


# --- the fast paths are exactly phonenumbers ---------------------------------------

REGIONS = sorted(phonenumbers.SUPPORTED_REGIONS)


def _outcome(parse: object, text: str, region: str | None) -> tuple[object, ...]:
    try:
        number = parse(text, region)  # type: ignore[operator]
    except phonenumbers.NumberParseException as exc:
        return ("error", exc.error_type)
    return ("ok", number.country_code, number.national_number, number.italian_leading_zero,
            number.number_of_leading_zeros, number.extension)  # fmt: skip


def _writings(number: phonenumbers.PhoneNumber) -> list[str]:
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    digits = e164[1:]
    national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    bare = "".join(ch for ch in national if ch.isdigit())
    return [
        e164,
        phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL),
        national,
        bare,
        "+ " + digits,
        "00" + digits,
        digits,
        f"({bare[:3]}) {bare[3:]}",
        bare[:-2],
        bare + "12",
        "1" + bare,
        bare[0] + "-" + bare[1:],
    ]


def test_parse_number_equals_phonenumbers_parse_on_every_region() -> None:
    checked = 0
    for region in REGIONS:
        for kind in range(12):
            example = phonenumbers.example_number_for_type(region, kind)
            if example is None:
                continue
            for text in _writings(example):
                for default in (region, None, "US", "GB", "DE", "IN", "BR"):
                    assert _outcome(parse_number, text, default) == _outcome(
                        phonenumbers.parse, text, default
                    ), (text, default)
                    checked += 1
    assert checked > 20_000


@settings(max_examples=2000, deadline=None)
@given(
    prefix=st.sampled_from(["", "+", "+ ", "(", "00", "0", "1"]),
    digits=st.text(alphabet="0123456789 .-()", min_size=1, max_size=20),
    region=st.sampled_from([None, *REGIONS]),
)
def test_parse_number_equals_phonenumbers_parse_on_any_digits(
    prefix: str, digits: str, region: str | None
) -> None:
    text = prefix + digits
    assert _outcome(parse_number, text, region) == _outcome(phonenumbers.parse, text, region)


def _both_paths(text: str, region: str | None) -> tuple[object, object]:
    """normalize_phone with the North American fast path, and without it."""
    from importer import normalize

    fast = normalize_phone(text, region)
    normalize.NANP_FAST_PATH = False
    try:
        general = normalize_phone(text, region)
    finally:
        normalize.NANP_FAST_PATH = True
    return fast, general


_NANP = phonenumbers.COUNTRY_CODE_TO_REGION_CODE[1]


@settings(max_examples=3000, deadline=None)
@given(
    prefix=st.sampled_from(["", "1", "+1", "+1 ", "1-", "+ 1 ", "(", "1 (", "001 ", "0"]),
    area=st.integers(min_value=0, max_value=999),
    exchange=st.integers(min_value=0, max_value=999),
    line=st.integers(min_value=0, max_value=9999),
    style=st.sampled_from(["{a}{e}{l}", "({a}) {e}-{l}", "{a}.{e}.{l}", "{a}-{e}-{l}",
                           "{a} {e} {l}", "{a}){e}{l}", "{a}{e}{l}.0", "{a}{e}{l}9"]),
    region=st.sampled_from([None, "US", "CA", "JM", "PR", "GB", "DE", "MX"]),
)  # fmt: skip
def test_the_north_american_fast_path_is_exactly_the_general_path(
    prefix: str, area: int, exchange: int, line: int, style: str, region: str | None
) -> None:
    text = prefix + style.format(a=f"{area:03d}", e=f"{exchange:03d}", l=f"{line:04d}")
    fast, general = _both_paths(text, region)
    assert fast == general
    if type(fast) is Phone and type(general) is Phone:
        assert fast.kind == general.kind


def test_the_north_american_fast_path_on_every_regions_examples() -> None:
    checked = 0
    for region in _NANP:
        for kind in range(12):
            example = phonenumbers.example_number_for_type(region, kind)
            if example is None:
                continue
            for text in _writings(example):
                for default in (region, "US", None):
                    fast, general = _both_paths(text, default)
                    assert fast == general, (text, default)
                    assert getattr(fast, "kind", None) == getattr(general, "kind", None)
                    checked += 1
    assert checked > 500


@settings(max_examples=2000, deadline=None)
@given(
    country_code=st.sampled_from(sorted(phonenumbers.COUNTRY_CODE_TO_REGION_CODE)),
    national=st.integers(min_value=0, max_value=10**15),
    zeros=st.sampled_from([0, 1, 2]),
)
def test_is_valid_number_equals_phonenumbers(country_code: int, national: int, zeros: int) -> None:
    number = phonenumbers.PhoneNumber(country_code=country_code, national_number=national)
    if zeros:
        number.italian_leading_zero = True
        number.number_of_leading_zeros = zeros
    assert is_valid_number(number) == phonenumbers.is_valid_number(number)


def test_is_valid_number_equals_phonenumbers_near_real_numbers() -> None:
    for region in REGIONS:
        for kind in range(12):
            example = phonenumbers.example_number_for_type(region, kind)
            if example is None:
                continue
            for delta in (-101, -1, 0, 1, 7, 999, 10**4):
                number = phonenumbers.PhoneNumber(
                    country_code=example.country_code,
                    national_number=max(example.national_number + delta, 0),
                    italian_leading_zero=example.italian_leading_zero,
                    number_of_leading_zeros=example.number_of_leading_zeros,
                )
                assert is_valid_number(number) == phonenumbers.is_valid_number(number), number


_TYPE_NAMES = {
    value: name.lower() for name, value in vars(phonenumbers.PhoneNumberType).items()
    if name.isupper()
}  # fmt: skip


def _near_examples() -> list[phonenumbers.PhoneNumber]:
    """Numbers of every type of every region, and numbers one digit away from them."""
    examples = [
        found
        for region in sorted(phonenumbers.SUPPORTED_REGIONS)
        for kind in range(11)
        if (found := phonenumbers.example_number_for_type(region, kind)) is not None
    ]
    examples += [
        found
        for code in phonenumbers.COUNTRY_CODES_FOR_NON_GEO_REGIONS
        if (found := phonenumbers.example_number_for_non_geo_entity(code)) is not None
    ]
    near = []
    for example in examples:
        for delta in (1, 10, 100, 1000, 10**5, 10**6):
            near.append(phonenumbers.PhoneNumber(
                country_code=example.country_code,
                national_number=example.national_number + delta,
                italian_leading_zero=example.italian_leading_zero,
                number_of_leading_zeros=example.number_of_leading_zeros,
            ))  # fmt: skip
    return examples + near


def test_phone_type_equals_phonenumbers_on_every_type_of_every_region() -> None:
    seen = set()
    for number in _near_examples():
        if not phonenumbers.is_valid_number(number):
            continue
        e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        want = _TYPE_NAMES[phonenumbers.number_type(number)]
        assert phone_type(e164) == want, e164
        seen.add(want)
    assert seen >= {"fixed_line", "mobile", "fixed_line_or_mobile", "toll_free",
                    "premium_rate", "shared_cost", "voip", "personal_number", "pager", "uan",
                    "voicemail"}  # fmt: skip


@settings(max_examples=1000, deadline=None)
@given(
    country_code=st.sampled_from(sorted(phonenumbers.COUNTRY_CODE_TO_REGION_CODE)),
    national=st.integers(min_value=10**5, max_value=10**13),
)
def test_phone_type_equals_phonenumbers_on_any_valid_number(
    country_code: int, national: int
) -> None:
    number = phonenumbers.PhoneNumber(country_code=country_code, national_number=national)
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    want = _TYPE_NAMES[phonenumbers.number_type(number)]
    assert phone_type(e164) == want


@given(
    local=st.text(alphabet="abcXYZ09._%+-'", min_size=1, max_size=12),
    labels=st.lists(st.text(alphabet="abcDEF09-", min_size=1, max_size=6), min_size=1, max_size=3),
    tld=st.text(alphabet="comORG9-", min_size=1, max_size=4),
)
def test_email_fast_path_agrees_with_the_full_checks(
    local: str, labels: list[str], tld: str
) -> None:
    from importer import normalize

    value = f"{local}@{'.'.join([*labels, tld])}"
    fast = normalize.normalize_email(value)
    # The same address through the full checks only (the fast pattern switched off).
    original = normalize._PLAIN_EMAIL
    normalize._PLAIN_EMAIL = re.compile(r"(?!)")
    try:
        full = normalize.normalize_email(value)
    finally:
        normalize._PLAIN_EMAIL = original
    assert fast == full


@pytest.mark.parametrize(
    ("normalize", "raw"),
    [
        (lambda v: normalize_phone(v, "US"), "call me"),
        (lambda v: normalize_phone(v, "US"), "415-555"),
        (lambda v: normalize_phone(v, "US"), "+1 415 555 012345"),
        (lambda v: normalize_phone(v, "US"), "N/A"),
        (lambda v: normalize_phone(v, "US"), "1.41556E+10"),
        (lambda v: normalize_phone(v, None), "4155550123"),
        (lambda v: normalize_phone(v, "GB"), "+44 7700 900123"),
        (lambda v: normalize_phone(v, None), "+999 1234567"),
        (normalize_email, "maria.example.com"),
        (normalize_priority, "asap"),
        (normalize_timezone, "Mars/Olympus"),
    ],
)
def test_every_problem_is_a_sentence_with_the_value_and_the_fix(
    normalize: Callable[[str], object], raw: str
) -> None:
    problem = normalize(raw)
    assert isinstance(problem, Problem)
    assert f"'{raw}'" in problem.message
    statement, _, fix = problem.message.partition("; ")
    assert statement and len(fix.split()) >= 3, problem.message


# --- never send a wrong number --------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "region", "foreign"),
    [
        ("415-555-01234", "US", "+41555501234"),
        ("(202) 555-01730", "US", "+20255501730"),
        ("312.555.01981", "US", "+31255501981"),
        ("7911 1234567", "GB", "+79111234567"),
        ("4155550123 4", "US", "+41555501234"),
    ],
)
def test_one_digit_too_many_in_a_national_number_is_never_sent_abroad(
    raw: str, region: str, foreign: str
) -> None:
    result = normalize_phone(raw, region)
    assert isinstance(result, Problem), result
    assert result.code == "phone_ambiguous"
    assert f"'{raw}'" in result.message
    written = phonenumbers.format_number(
        phonenumbers.parse(foreign), phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    assert written in result.message  # says what it would have been read as


def test_bare_digits_that_lost_their_plus_are_read_with_a_warning() -> None:
    for raw in ("447911123456", "44 7911 123456"):
        result = normalize_phone(raw, "US")
        assert isinstance(result, Phone)
        assert result.e164 == "+447911123456"
        assert result.warning is not None
        assert result.warning.code == "phone_country_guessed"
        assert "+44 7911 123456" in result.warning.message
    # Digits that begin with the region's own country code are that country: no guess.
    assert normalize_phone("14155550123", "US") == Phone("+14155550123")
    assert normalize_phone("447911123456", "GB") == Phone("+447911123456")


def test_bare_digits_one_digit_away_from_a_number_of_the_region_are_rejected() -> None:
    result = normalize_phone("33612345678", "US")  # (361) 234-5678 with a 3 too many?
    assert isinstance(result, Problem)
    assert result.code == "phone_ambiguous"
    assert "(361) 234-5678" in result.message


def test_a_doubled_first_zero_does_not_dial_abroad() -> None:
    rejected = normalize_phone("001512 3456308", "DE")  # 01512 3456308 grouped as written
    assert isinstance(rejected, Problem)
    assert rejected.code == "phone_ambiguous"
    warned = normalize_phone("0033612345678", "DE")
    assert isinstance(warned, Phone)
    assert warned.e164 == "+33612345678"
    assert warned.warning is not None
    assert warned.warning.code == "phone_dialled_abroad"
    assert normalize_phone("0044 7911 123456", "US") == Phone("+447911123456")


@pytest.mark.parametrize(
    ("raw", "region", "e164"),
    [
        ("+49 30 12345 privat", "DE", "+493012345"),
        ("(415) 555-0613 (cell)", "US", "+14155550613"),
        ("Mobile: +44 7911 123456", None, "+447911123456"),
        ("Tel.: 030 23125129", "DE", "+493023125129"),
        ("Handy 0171 1234567", "DE", "+491711234567"),
        ("0171 1234567 (mobil)", "DE", "+491711234567"),
        ("030 23125129 Büro", "DE", "+493023125129"),
        ("030 23125129 geschäftlich", "DE", "+493023125129"),
        ("01 42 68 53 00 (portable)", "FR", "+33142685300"),
        ("01 42 68 53 00 privé", "FR", "+33142685300"),
        ("móvil: 612 34 56 78", "ES", "+34612345678"),
        ("celular (11) 91234-5678", "BR", "+5511912345678"),
        ("06 1234 5678 ufficio", "IT", "+390612345678"),
        ("CASA 91 123 45 67", "ES", "+34911234567"),
        ("(415) 555-0123 [Work]", "US", "+14155550123"),
        ("HOME: (415) 555-0123", "US", "+14155550123"),
        ("office (415) 555-0123 ext. 12", "US", "+14155550123"),
        ("T: +44 20 7946 0123", None, "+442079460123"),
    ],
)
def test_words_that_label_a_number_are_cut(raw: str, region: str | None, e164: str) -> None:
    result = normalize_phone(raw, region)
    assert isinstance(result, Phone), result
    assert result.e164 == e164


@pytest.mark.parametrize(
    ("raw", "region"),
    [("089 12345 Fax", "DE"), ("Fax: 089 12345", "DE"), ("(fax) 415-555-0123", "US"),
     ("Telefax 030 23125129", "DE"), ("F: +44 20 7946 0123", None), ("FAX 4155550123", "US")],
)  # fmt: skip
def test_a_fax_number_is_not_sent(raw: str, region: str | None) -> None:
    result = normalize_phone(raw, region)
    assert isinstance(result, Problem)
    assert result.code == "phone_fax"
    assert f"'{raw}'" in result.message


@pytest.mark.parametrize(
    ("raw", "region", "words"),
    [
        ("415-555-0123 ask for Bob", "US", ["'ask'", "'for'", "'Bob'"]),
        ("(415) 555-012A", "US", ["'A'"]),
        ("1-800-flowers", "US", ["'flowers'"]),
        ("0891234 abends", "DE", ["'abends'"]),
    ],
)
def test_other_words_never_become_digits(raw: str, region: str, words: list[str]) -> None:
    result = normalize_phone(raw, region)
    assert isinstance(result, Problem)
    assert result.code == "phone_invalid"
    for word in words:
        assert word in result.message


@pytest.mark.parametrize(
    ("raw", "e164"),
    [("1-800-FLOWERS", "+18003569377"), ("1-800-GO-FEDEX", "+18004633339"),
     ("+1 800 FLOWERS", "+18003569377"), ("(800) FLOWERS", "+18003569377")],
)  # fmt: skip
def test_vanity_numbers_in_capitals_are_dialled(raw: str, e164: str) -> None:
    assert normalize_phone(raw, "US") == Phone(e164)


@pytest.mark.parametrize(
    "mark",
    ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069",
     "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u200e", "\u200f"],
)  # fmt: skip
def test_invisible_marks_do_not_hide_the_plus(mark: str) -> None:
    for raw in (f"{mark}+44 20 7946 0123", f"+{mark}44 20 7946 0123{mark}",
                f"{mark}+44 20 7946 0123{mark}"):  # fmt: skip
        assert normalize_phone(raw, None) == Phone("+442079460123"), repr(raw)


def _full_width(text: str) -> str:
    return "".join(ch if ch == " " else chr(ord(ch) + 0xFEE0) for ch in text)


@pytest.mark.parametrize(
    "raw",
    [_full_width("+44 20 7946 0123"), _full_width("+") + "44 20 7946 0123",
     "tel:+44-20-7946-0123", "TEL:+442079460123", "(+44) 20 7946 0123",
     "+44\u00a020\u00a07946\u00a00123", "+44 20 7946 0123"],
)  # fmt: skip
def test_a_plus_written_in_other_ways_is_read(raw: str) -> None:
    assert normalize_phone(raw, None) == Phone("+442079460123")


def test_rfc3966_number_with_extension() -> None:
    assert normalize_phone("tel:+1-415-555-0123;ext=12", None) == Phone("+14155550123", "12")


@pytest.mark.parametrize(
    "raw",
    ["#N/A", "#n/a", "#VALUE!", "#REF!", "#DIV/0!", "#NAME?", "#NULL!", "#NUM!", "#SPILL!",
     "#CALC!", "Err:502"],
)  # fmt: skip
def test_a_spreadsheet_error_is_its_own_problem(raw: str) -> None:
    result = normalize_phone(raw, "US")
    assert isinstance(result, Problem)
    assert result.code == "phone_cell_error"
    assert f"'{raw}'" in result.message
    assert "spreadsheet error" in result.message
    assert "formula" in result.message


def _valid_nationals(region: str) -> list[str]:
    """Valid numbers of a region in national format, built from its example numbers."""
    found = []
    for kind in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE):
        example = phonenumbers.example_number_for_type(region, kind)
        if example is None:
            continue
        for tail in range(0, 10_000, 97):
            digits = str(example.national_number)
            number = phonenumbers.PhoneNumber(
                country_code=example.country_code,
                national_number=int(digits[:-4] + f"{tail:04d}"),
                italian_leading_zero=example.italian_leading_zero,
                number_of_leading_zeros=example.number_of_leading_zeros,
            )
            if phonenumbers.is_valid_number(number):
                found.append(
                    phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
                )
    return found


TYPO_REGIONS = ["US", "GB", "DE", "FR", "IN", "BR", "AU", "MX", "ES", "IT"]
NATIONALS = [(region, text) for region in TYPO_REGIONS for text in _valid_nationals(region)]


@settings(max_examples=1500, deadline=None)
@given(
    national=st.sampled_from(NATIONALS),
    kind=st.sampled_from(["add", "remove", "double"]),
    bare=st.booleans(),
    at=st.integers(min_value=0, max_value=30),
    digit=st.sampled_from("0123456789"),
)
def test_a_one_digit_typo_never_calls_another_country_without_a_warning(
    national: tuple[str, str], kind: str, bare: bool, at: int, digit: str
) -> None:
    region, text = national
    if bare:
        text = "".join(ch for ch in text if ch.isdigit())
    positions = [i for i, ch in enumerate(text) if ch.isdigit()]
    where = positions[at % len(positions)]
    typo = {
        "add": text[:where] + digit + text[where:],
        "remove": text[:where] + text[where + 1 :],
        "double": text[:where] + text[where] + text[where:],
    }[kind]
    result = normalize_phone(typo, region)
    if isinstance(result, Problem) or result.warning is not None:
        return
    country = phonenumbers.parse(result.e164).country_code
    assert country == phonenumbers.country_code_for_region(region), (typo, region, result)


# --- masked digits -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "region"),
    [("(718) 274-XXXX", "US"), ("347-XXX-XXXX", "US"), ("(646) 310-NNNN", "US"),
     ("+44 161 496 XXXX", "GB"), ("718-274-55**", "US"), ("•••• 5501", "US"),
     ("___-___-5501", "US"), ("(718) 274-xxxx", "US"), ("718-274-550X", "US"),
     ("718-27X-5501", "US"), ("+1 718 274 55##", None), ("1-800-XXX-XXXX", "US"),
     ("1-800-NNN-NNNN", "US"), ("XXX-XXX-XXXX", "US"), ("***-***-5501", "US"),
     ("Tel: (718) 274-XXXX", "US"), ("+33 X 12 34 56 78", None), ("+49 30 1234567x8", "DE"),
     ("(0xx11) 91234-5678", "US"), ("718274550X", None), ("●●● 5501", "US"),
     ("(718) 274-550 X", "US"), ("(718) 274-550 *", "US"),
     ("+* 201-555-0123", None), ("* 029 491-19-11", "BY"), ("Mobile +* 201-555-0123", "US"),
     ("(home) # 81234", "NF")],
)  # fmt: skip
def test_masked_digits_are_never_dialled(raw: str, region: str | None) -> None:
    result = normalize_phone(raw, region)
    assert isinstance(result, Problem), result
    assert result.code == "phone_masked"
    assert f"'{raw}'" in result.message
    assert "hidden" in result.message
    assert "ask for the full number" in result.message


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        # Words that hold an X or an N are words: a vanity number, a label, a note.
        ("1-800-GOT-JUNK", "US", Phone("+18004685865")),
        ("1-800-FLOWERS", "US", Phone("+18003569377")),
        ("1-800-NEXTEL", "US", "phone_invalid"),  # a word, and too short a number
        ("Nr. 089 1234567", "DE", Phone("+49891234567")),
        ("xxx", "US", "phone_placeholder"),
        ("n/a", "US", "phone_placeholder"),
        ("DNC", "US", "phone_invalid"),
        # An x before an extension, where a digit cannot stand, is the extension's.
        ("718-274-5501 x12", "US", Phone("+17182745501", "12")),
        ("7182745501x12", "US", Phone("+17182745501", "12")),
        ("718 274 5501 x 12", "US", Phone("+17182745501", "12")),
        ("Tel: (718) 274-5501 x12", "US", Phone("+17182745501", "12")),
        ("Phone #: 718-274-5501", "US", Phone("+17182745501")),
        ("Phone # 718-274-5501", "US", Phone("+17182745501")),
        ("#: 718-274-5501", "US", Phone("+17182745501")),
        ("718-274-5501 *", "US", Phone("+17182745501")),
        ("(718)274-5501x", "US", "phone_invalid"),  # a dangling x hides no digit
    ],
)
def test_words_and_extensions_are_not_masks(raw: str, region: str, expected: Phone | str) -> None:
    result = normalize_phone(raw, region)
    if isinstance(expected, Phone):
        assert result == expected
    else:
        assert isinstance(result, Problem)
        assert result.code == expected


_MASK_CHARACTERS = ["X", "x", "N", "n", "*", "#", "_", "•"]
_MASK_FORMATS = [
    phonenumbers.PhoneNumberFormat.E164,
    phonenumbers.PhoneNumberFormat.INTERNATIONAL,
    phonenumbers.PhoneNumberFormat.NATIONAL,
]


@settings(max_examples=1500, deadline=None)
@given(
    number=st.sampled_from(EXAMPLES),
    style=st.sampled_from(_MASK_FORMATS),
    mask=st.sampled_from(_MASK_CHARACTERS),
    picks=st.lists(st.integers(min_value=0, max_value=40), min_size=1, max_size=6),
    with_region=st.booleans(),
)
def test_no_mask_character_ever_becomes_a_digit(
    number: phonenumbers.PhoneNumber, style: int, mask: str, picks: list[int], with_region: bool
) -> None:
    region = phonenumbers.region_code_for_number(number)
    written = phonenumbers.format_number(number, style)
    where = [at for at, ch in enumerate(written) if ch.isdigit()]
    chars = list(written)
    for pick in picks:
        chars[where[pick % len(where)]] = mask
    masked = "".join(chars)
    result = normalize_phone(masked, region if with_region else None)
    assert isinstance(result, Problem), (masked, result)


# --- numbers people write that a plan changed, and text marks --------------------------


@pytest.mark.parametrize(
    ("raw", "region", "e164"),
    [
        # Mexico dropped the mobile 1 after +52, and 044, 045 and 01, in 2019.
        ("+52 1 55 1234 5678", None, "+525512345678"),
        ("+52 1 55 1234 5678", "US", "+525512345678"),
        ("+52 (1) 55-1234-5678", None, "+525512345678"),
        ("00 52 1 33 1234 5678", "MX", "+523312345678"),
        ("5215512345678", "MX", "+525512345678"),
        ("044 55 1234 5678", "MX", "+525512345678"),
        ("045 33 1234 5678", "MX", "+523312345678"),
        ("01 81 1234 5678", "MX", "+528112345678"),
        ("Cel: 044 55 1234 5678", "MX", "+525512345678"),
        ("+52 55 1234 5678", None, "+525512345678"),
        # Brazil: 0, a carrier ("xx": any carrier), the area code, the number.
        ("0xx11 91234 5678", "BR", "+5511912345678"),
        ("(0XX11) 91234-5678", "BR", "+5511912345678"),
        ("0 xx 21 2345 6789", "BR", "+552123456789"),
        ("0 21 11 91234 5678", "BR", "+5511912345678"),
        # Text marks: a typographic apostrophe, Excel's ="..." text formula.
        ("\u2019+44 20 7946 0123", None, "+442079460123"),
        ("\u2018+44 20 7946 0123", None, "+442079460123"),
        ('="+1 415 555 0123"', None, "+14155550123"),
        ('="(415) 555-0123"', "US", "+14155550123"),
    ],
)
def test_numbers_written_the_old_or_the_spreadsheet_way_are_read(
    raw: str, region: str | None, e164: str
) -> None:
    result = normalize_phone(raw, region)
    assert isinstance(result, Phone), result
    assert result.e164 == e164


def test_bare_digits_of_a_mexican_mobile_with_its_old_1_are_read_with_a_warning() -> None:
    result = normalize_phone("5215512345678", None)
    assert isinstance(result, Phone)
    assert result.e164 == "+525512345678"
    assert result.warning is not None and result.warning.code == "phone_country_guessed"
    assert "+5215512345678" in result.warning.message  # the digits as the cell holds them


def test_a_brazilian_any_carrier_number_without_a_country_asks_for_one() -> None:
    result = normalize_phone("0xx11 91234 5678", None)
    assert isinstance(result, Problem)
    assert result.code == "phone_no_region"


def test_the_old_mexican_prefixes_are_only_dropped_where_they_were_dialled() -> None:
    # 044 is no prefix in the US: the digits are too many there.
    assert isinstance(normalize_phone("044 55 1234 5678", "US"), Problem)
    # One digit short after the old 1: not a number.
    assert isinstance(normalize_phone("+52 1 55 1234 567", None), Problem)


def test_a_formula_saved_without_its_result_says_to_save_the_file_again() -> None:
    result = normalize_phone("#NO_VALUE!", "US")
    assert isinstance(result, Problem)
    assert result.code == "phone_cell_error"
    assert "not a phone number" not in result.message
    assert "formula whose result was not saved" in result.message
    assert "open the file in Excel and save it again" in result.message
    problem = cell_error("notes", "#NO_VALUE!")
    assert problem is not None
    assert "formula whose result was not saved" in problem.message
    assert "open the file in Excel and save it again" in problem.message
