from __future__ import annotations

from datetime import UTC, datetime, timedelta
from importlib import resources
from zoneinfo import ZoneInfo, available_timezones

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from importer import timezones
from importer.problems import Problem
from importer.timezones import normalize_timezone

ZONE_TAB = {
    line.split("\t")[2]
    for line in resources.files("tzdata")
    .joinpath("zoneinfo", "zone.tab")
    .read_text(encoding="utf-8")
    .splitlines()
    if line and not line.startswith("#")
}
FIXED_BY_CHOICE = {f"Etc/GMT{sign}{hours}" for sign in "+-" for hours in range(1, 15)}
IANA = sorted(available_timezones() - {"Factory", "localtime", "posixrules"})


def _is_sendable(zone: str) -> bool:
    """A current zone of a place, UTC, or a fixed Etc offset somebody chose on purpose."""
    return zone in ZONE_TAB or zone == "UTC" or zone in FIXED_BY_CHOICE


# --- abbreviations and the names people write: the zone with daylight saving ------------

NORTH_AMERICA = {
    "America/New_York": ["EST", "EDT", "ET", "Eastern", "Eastern Time", "Eastern Standard Time",
                         "Eastern Daylight Time", "est", "E.S.T.", "EST/EDT", "US/Eastern"],
    "America/Chicago": ["CST", "CDT", "CT", "Central Time", "Central Standard Time",
                        "Central Daylight Time", "CST/CDT"],
    "America/Denver": ["MST", "MDT", "MT", "Mountain Time", "Mountain Standard Time",
                       "Mountain Daylight Time"],
    "America/Los_Angeles": ["PST", "PDT", "PT", "Pacific Time", "Pacific Standard Time",
                            "Pacific Daylight Time", "pst"],
    "America/Anchorage": ["AKST", "AKDT", "AKT", "Alaska Time", "Alaska Standard Time",
                          "Alaska Daylight Time", "Alaskan Standard Time"],
    "Pacific/Honolulu": ["HST", "HAST", "Hawaii", "Hawaii Standard Time",
                         "Hawaii-Aleutian Standard Time", "Hawaiian Standard Time"],
    "America/Halifax": ["AST", "ADT", "Atlantic Time", "Atlantic Standard Time",
                        "Atlantic Daylight Time"],
    "America/St_Johns": ["NST", "NDT", "Newfoundland Time", "Newfoundland Standard Time",
                         "Newfoundland Daylight Time"],
    "America/Phoenix": ["Arizona", "MST (Arizona)", "US Mountain Standard Time",
                        "(UTC-07:00) Arizona", "US/Arizona"],
    "America/Regina": ["Saskatchewan", "Canada Central Standard Time"],
}  # fmt: skip


@pytest.mark.parametrize(
    ("raw", "zone"), [(raw, zone) for zone, raws in NORTH_AMERICA.items() for raw in raws]
)
def test_us_and_canadian_abbreviations_mean_the_zone_with_daylight_saving(
    raw: str, zone: str
) -> None:
    assert normalize_timezone(raw) == zone


def test_mst_is_denver_and_arizona_is_phoenix() -> None:
    july = datetime(2026, 7, 15, 18, tzinfo=UTC)
    denver = ZoneInfo(str(normalize_timezone("MST")))
    phoenix = ZoneInfo(str(normalize_timezone("MST (Arizona)")))
    assert july.astimezone(denver).hour == 12  # MDT in summer
    assert july.astimezone(phoenix).hour == 11  # Arizona keeps MST


# --- IANA names: fixed offsets and old names come out as the place people mean ----------


@pytest.mark.parametrize(
    ("raw", "zone"),
    [
        ("EST", "America/New_York"),
        ("MST", "America/Denver"),
        ("HST", "Pacific/Honolulu"),
        ("EST5EDT", "America/New_York"),
        ("CST6CDT", "America/Chicago"),
        ("MST7MDT", "America/Denver"),
        ("PST8PDT", "America/Los_Angeles"),
        ("US/Eastern", "America/New_York"),
        ("US/Pacific", "America/Los_Angeles"),
        ("us/central", "America/Chicago"),
        ("Canada/Eastern", "America/Toronto"),
        ("Asia/Calcutta", "Asia/Kolkata"),
        ("Europe/Kiev", "Europe/Kyiv"),
        ("Asia/Saigon", "Asia/Ho_Chi_Minh"),
        ("America/Buenos_Aires", "America/Argentina/Buenos_Aires"),
        ("Iceland", "Atlantic/Reykjavik"),
        ("Pacific/Truk", "Pacific/Chuuk"),
        ("Europe/Oslo", "Europe/Oslo"),
        ("Europe/Amsterdam", "Europe/Amsterdam"),
        ("GMT", "Europe/London"),
        ("Etc/UTC", "UTC"),
        ("Etc/GMT+0", "UTC"),
        ("Zulu", "UTC"),
        ("Etc/GMT+5", "Etc/GMT+5"),
        ("america_slash_new_york", "America/New_York"),
        ("America/New York", "America/New_York"),
    ],
)
def test_iana_names_come_out_as_the_current_zone_of_the_place(raw: str, zone: str) -> None:
    assert normalize_timezone(raw) == zone


@pytest.mark.parametrize("zone", IANA)
def test_every_iana_name_is_sent_as_a_place_utc_or_a_chosen_offset(zone: str) -> None:
    result = normalize_timezone(zone)
    assert isinstance(result, str)
    assert _is_sendable(result), f"{zone} -> {result}"
    assert normalize_timezone(zone.upper()) == result
    if result in FIXED_BY_CHOICE:
        assert zone == result


# --- Windows ids and Outlook display names -----------------------------------------------


@pytest.mark.parametrize(
    ("raw", "zone"),
    [
        ("(GMT-05:00) Eastern Time (US & Canada)", "America/New_York"),
        ("(UTC-05:00) Eastern Time (US & Canada)", "America/New_York"),
        ("(UTC-06:00) Central Time (US & Canada)", "America/Chicago"),
        ("(UTC-07:00) Mountain Time (US & Canada)", "America/Denver"),
        ("(UTC-08:00) Pacific Time (US & Canada)", "America/Los_Angeles"),
        ("(GMT-08:00) Pacific Time (US & Canada); Tijuana", "America/Los_Angeles"),
        ("(UTC-09:00) Alaska", "America/Anchorage"),
        ("(UTC-10:00) Hawaii", "Pacific/Honolulu"),
        ("(UTC-04:00) Atlantic Time (Canada)", "America/Halifax"),
        ("(UTC-03:30) Newfoundland", "America/St_Johns"),
        ("(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna", "Europe/Berlin"),
        ("(UTC+01:00) Brussels, Copenhagen, Madrid, Paris", "Europe/Paris"),
        ("(UTC+01:00) Belgrade, Bratislava, Budapest, Ljubljana, Prague", "Europe/Budapest"),
        ("(UTC+01:00) Sarajevo, Skopje, Warsaw, Zagreb", "Europe/Warsaw"),
        ("(UTC+00:00) Dublin, Edinburgh, Lisbon, London", "Europe/London"),
        ("(GMT) Greenwich Mean Time : Dublin, Edinburgh, Lisbon, London", "Europe/London"),
        ("(UTC) Coordinated Universal Time", "UTC"),
        ("(UTC+02:00) Athens, Bucharest", "Europe/Bucharest"),
        ("(UTC+02:00) Helsinki, Kyiv, Riga, Sofia, Tallinn, Vilnius", "Europe/Kyiv"),
        ("(UTC+02:00) Jerusalem", "Asia/Jerusalem"),
        ("(UTC+02:00) Cairo", "Africa/Cairo"),
        ("(UTC+02:00) Harare, Pretoria", "Africa/Johannesburg"),
        ("(UTC+03:00) Istanbul", "Europe/Istanbul"),
        ("(UTC+03:00) Moscow, St. Petersburg", "Europe/Moscow"),
        ("(UTC+03:00) Kuwait, Riyadh", "Asia/Riyadh"),
        ("(UTC+04:00) Abu Dhabi, Muscat", "Asia/Dubai"),
        ("(UTC+05:00) Islamabad, Karachi", "Asia/Karachi"),
        ("(UTC+05:30) Chennai, Kolkata, Mumbai, New Delhi", "Asia/Kolkata"),
        ("(GMT+05:30) Chennai, Kolkata, Mumbai, New Delhi", "Asia/Kolkata"),
        ("(UTC+06:00) Dhaka", "Asia/Dhaka"),
        ("(UTC+07:00) Bangkok, Hanoi, Jakarta", "Asia/Bangkok"),
        ("(UTC+08:00) Beijing, Chongqing, Hong Kong SAR, Urumqi", "Asia/Shanghai"),
        ("(UTC+08:00) Kuala Lumpur, Singapore", "Asia/Singapore"),
        ("(UTC+08:00) Perth", "Australia/Perth"),
        ("(UTC+08:00) Taipei", "Asia/Taipei"),
        ("(UTC+09:00) Osaka, Sapporo, Tokyo", "Asia/Tokyo"),
        ("(UTC+09:00) Seoul", "Asia/Seoul"),
        ("(UTC+09:30) Adelaide", "Australia/Adelaide"),
        ("(UTC+10:00) Brisbane", "Australia/Brisbane"),
        ("(UTC+10:00) Canberra, Melbourne, Sydney", "Australia/Sydney"),
        ("(UTC+12:00) Auckland, Wellington", "Pacific/Auckland"),
        ("(UTC-03:00) Brasilia", "America/Sao_Paulo"),
        ("(UTC-03:00) City of Buenos Aires", "America/Argentina/Buenos_Aires"),
        ("(UTC-06:00) Guadalajara, Mexico City, Monterrey", "America/Mexico_City"),
        ("(UTC-05:00) Bogota, Lima, Quito, Rio Branco", "America/Bogota"),
        ("(UTC-05:00) Indiana (East)", "America/Indiana/Indianapolis"),
        ("(UTC+01:00) Europe/Paris", "Europe/Paris"),
        ("Eastern Time (US & Canada)", "America/New_York"),
        ("Eastern Time (US and Canada)", "America/New_York"),
        ("Eastern Standard Time", "America/New_York"),
        ("W. Europe Standard Time", "Europe/Berlin"),
        ("W. Europe Daylight Time", "Europe/Berlin"),
        ("Romance Standard Time", "Europe/Paris"),
        ("GMT Standard Time", "Europe/London"),
        ("India Standard Time", "Asia/Kolkata"),
        ("AUS Eastern Standard Time", "Australia/Sydney"),
        ("Tokyo Standard Time", "Asia/Tokyo"),
        ("China Standard Time", "Asia/Shanghai"),
        ("Singapore Standard Time", "Asia/Singapore"),
        ("E. South America Standard Time", "America/Sao_Paulo"),
        ("Central Standard Time (Mexico)", "America/Mexico_City"),
        ("Arabian Standard Time", "Asia/Dubai"),
        ("South Africa Standard Time", "Africa/Johannesburg"),
        ("Russian Standard Time", "Europe/Moscow"),
    ],
)
def test_windows_ids_and_outlook_display_names(raw: str, zone: str) -> None:
    assert normalize_timezone(raw) == zone


@pytest.mark.parametrize("label", sorted(timezones._OUTLOOK_LABELS))
@pytest.mark.parametrize("prefix", ["(UTC+01:00) ", "(GMT-05:00) ", "(UTC) "])
def test_every_outlook_label_is_read_after_its_prefix(prefix: str, label: str) -> None:
    expected = timezones._WINDOWS_ZONES[timezones._OUTLOOK_LABELS[label]]
    assert normalize_timezone(prefix + label) == expected


def test_a_city_alone_is_not_read_as_an_outlook_label() -> None:
    # A column of cities must not look like a time zone column.
    assert isinstance(normalize_timezone("Perth"), Problem)
    assert isinstance(normalize_timezone("Cairo"), Problem)


def test_every_zone_in_the_tables_is_a_current_zone() -> None:
    zones = {
        *timezones._CANONICAL.values(),
        *timezones._ALIASES.values(),
        *timezones._WINDOWS_ZONES.values(),
        *timezones._SINGLE_PLACE_OFFSETS.values(),
        *(example for _, example in timezones._OFFSET_HINTS.values()),
    }
    assert {zone for zone in zones if not _is_sendable(zone)} == set()


# --- offsets --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "zone"),
    [
        ("UTC", "UTC"),
        ("GMT+0", "UTC"),
        ("UTC+00:00", "UTC"),
        ("+00:00", "UTC"),
        ("Z", "UTC"),
        ("UTC+05:30", "Asia/Kolkata"),
        ("GMT+5:30", "Asia/Kolkata"),
        ("+05:30", "Asia/Kolkata"),
        ("UTC+0530", "Asia/Kolkata"),
        ("UTC +05:45", "Asia/Kathmandu"),
        ("GMT+8", "Asia/Shanghai"),
        ("UTC+09:00", "Asia/Tokyo"),
        ("(UTC+05:30) Somewhere new", "Asia/Kolkata"),
    ],
)
def test_an_offset_that_is_one_local_time_all_year_is_read(raw: str, zone: str) -> None:
    assert normalize_timezone(raw) == zone


@pytest.mark.parametrize(
    ("raw", "said"),
    [
        ("GMT-5", "Eastern time in winter but Central time in summer"),
        ("UTC-05:00", "Eastern time in winter but Central time in summer"),
        ("-05:00", "Eastern time in winter but Central time in summer"),
        ("UTC\u221205:00", "Eastern time in winter but Central time in summer"),
        ("GMT-8", "Pacific time in winter but Alaska in summer"),
        ("GMT+1", "Central Europe in winter but the UK in summer"),
        ("UTC+10", "Brisbane all year but Sydney only in its winter"),
        ("GMT-2", "clocks change on different dates"),
        ("UTC-08", "Pacific time in winter"),
    ],
)
def test_an_offset_shared_by_zones_with_different_rules_is_rejected(raw: str, said: str) -> None:
    result = normalize_timezone(raw)
    assert isinstance(result, Problem)
    assert result.code == "timezone_offset"
    assert f"'{raw}' is an offset, not a place" in result.message
    assert said in result.message
    assert "write the zone's name, such as " in result.message


def _offsets_over_two_years(zone: str) -> set[timedelta]:
    start = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    tz = ZoneInfo(zone)
    return {(start + timedelta(days=day)).astimezone(tz).utcoffset() or timedelta()
            for day in range(0, 731, 3)}  # fmt: skip


def test_each_single_place_offset_is_one_local_time_all_year_in_tzdata() -> None:
    offsets = {zone: _offsets_over_two_years(zone) for zone in ZONE_TAB}
    for minutes, zone in timezones._SINGLE_PLACE_OFFSETS.items():
        offset = timedelta(minutes=minutes)
        assert offsets[zone] == {offset}, zone
        sharing = {name for name, seen in offsets.items() if offset in seen}
        assert all(offsets[name] == {offset} for name in sharing), (minutes, sharing)
    # And the offsets rejected with a hint are indeed shared by different rules.
    for minutes in timezones._OFFSET_HINTS:
        offset = timedelta(minutes=minutes)
        sharing = [seen for seen in offsets.values() if offset in seen]
        assert any(seen != {offset} for seen in sharing), minutes


@pytest.mark.parametrize("raw", ["+7", "+44", "UTC+25", "GMT+5:20", "5", "-5"])
def test_numbers_that_are_not_offsets_are_unknown(raw: str) -> None:
    result = normalize_timezone(raw)
    assert isinstance(result, Problem)
    assert result.code == "timezone_unknown"


# --- ambiguous and unknown -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "choices"),
    [("IST", "Asia/Kolkata, Asia/Jerusalem or Europe/Dublin"), ("bst", "Europe/London")],
)
def test_ambiguous_abbreviations_are_rejected_with_the_choices(raw: str, choices: str) -> None:
    result = normalize_timezone(raw)
    assert isinstance(result, Problem)
    assert result.code == "timezone_ambiguous"
    assert f"'{raw}' is ambiguous" in result.message
    assert choices in result.message


@pytest.mark.parametrize(
    "raw", ["Mars/Olympus", "localtime", "Factory", "EST/CST", "(UTC+02:00) Nowhere"]
)
def test_unknown_names_are_rejected(raw: str) -> None:
    result = normalize_timezone(raw)
    assert isinstance(result, Problem)
    assert result.code == "timezone_unknown"


@pytest.mark.parametrize("raw", ["Mars/Olympus", "IST", "GMT-5", "UTC+25", "(UTC+02:00) Nowhere"])
def test_every_problem_says_what_was_read_and_what_to_write(raw: str) -> None:
    result = normalize_timezone(raw)
    assert isinstance(result, Problem)
    statement, _, fix = result.message.partition("; ")
    assert f"'{raw}'" in statement
    assert fix.startswith("write ") and len(fix.split()) >= 3


@pytest.mark.parametrize("raw", ["", "   ", "\t"])
def test_empty_is_none(raw: str) -> None:
    assert normalize_timezone(raw) is None


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_any_text_gives_a_sendable_zone_a_problem_or_none(raw: str) -> None:
    result = normalize_timezone(raw)
    assert result is None or isinstance(result, Problem) or _is_sendable(result)


@settings(max_examples=300, deadline=None)
@given(
    prefix=st.sampled_from(["", "UTC", "GMT", "utc ", "(UTC", "(GMT"]),
    sign=st.sampled_from(["+", "-", "\u2212", ""]),
    hours=st.integers(0, 20),
    minutes=st.sampled_from(["", ":00", ":30", ":45", "30", ":07"]),
    label=st.sampled_from(["", ") Somewhere", ") Eastern Time (US & Canada)"]),
)
def test_offset_like_text_gives_a_sendable_zone_or_a_problem(
    prefix: str, sign: str, hours: int, minutes: str, label: str
) -> None:
    result = normalize_timezone(f"{prefix}{sign}{hours:02d}{minutes}{label}")
    assert isinstance(result, Problem) or _is_sendable(result or "")
