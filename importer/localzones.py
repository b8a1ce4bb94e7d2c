"""Time zones from where a lead is: a US ZIP or Canadian postal code, and a phone number.

The dialer calls a lead at the lead's local time, and most lead files carry no time zone.
:func:`zone_for_postal_code` and :func:`zone_for_phone` give the IANA zone a postal code
or a phone number places a lead in, or None when the data does not settle it: a wrong
zone moves calls outside 8am-9pm at the lead's end, None leaves the choice to the caller.
Both read only data installed with their packages (nothing is downloaded), both answer
with current IANA names as :func:`~importer.timezones.normalize_timezone` writes them
(``America/Indiana/Indianapolis``, ``Asia/Kolkata``, never ``US/Eastern``). Both are
called once a row, so each loads its data on its first call and keeps what it works out:
then a postal code costs about a microsecond, a phone number about ten (most of it
phonenumbers' type rules, where the type matters).

US ZIP codes come from the ``zipcodes`` package (MIT). Since 2.0 its data is compiled
into its extension module, built from unitedstateszipcodes.org's ZIP code database (city,
county, time zone), GeoNames (coordinates, CC BY 4.0, not used here) and USPS's ZIP
Locale Detail (public domain). Version 3.0.0 holds 42,789 ZIPs, 41,966 with a zone: the
823 without are military (APO, FPO, DPO), which are None. With no data file to read, the
first call asks ``zipcodes.similar_to`` once for each first digit and keeps a dictionary
of ZIP to zone (about 1.2 s; 4 MB, the zone strings shared, besides the 40 MB the package
keeps once it has decompressed its data): ``matching`` costs over a millisecond a ZIP,
and ``list_all`` peaks at 94 MB against 15 MB for ten queries.

- A ZIP is five digits, maybe with the four more of ZIP+4 (``94107-1234``,
  ``94107 1234``, ``941071234``). A spreadsheet that kept a ZIP as a number dropped its
  leading zeros, so three or four digits (seven or eight with the +4) are padded with
  zeros, and stand for that ZIP only if it is in the data: ``2134`` is Allston's
  ``02134``, ``601`` is ``00601`` in Puerto Rico, ``123`` is nothing.
- ``US``, or no country at all (maybe US), reads any ZIP. A territory's own code (``PR``,
  ``VI``, ``GU``, ``AS``, ``MP``) reads that territory's ZIPs only: another place's ZIP
  contradicts it. Any other country is None. Micronesia, the Marshall Islands and Palau
  have USPS ZIPs but are countries of their own, and are left out: the data puts all of
  Micronesia in Chuuk's zone, an hour off for Pohnpei and Kosrae.
- The data gives one zone a ZIP, so a ZIP that straddles a zone line cannot be seen.
  What can be seen is a county whose ZIPs the data puts in zones with different clocks:
  the county is crossed by a line (Gulf County, Florida) or the data is wrong for one of
  its ZIPs (one Chattanooga ZIP in Central time). Either way a ZIP there does not settle
  the zone, and every ZIP of such a county is None (174 ZIPs in 14 counties).
- A ZIP whose zone is no IANA name (one has the name of its town) is None.

Canadian postal codes (``K1A 0B1``, or the first three characters alone, the forward
sortation area): no package ships Canada's 890,000 codes, but the first letter is the
province and most provinces keep one time, so a code gets its province's zone where all
of it, or all of that area, is in one zone: Newfoundland (America/St_Johns), Nova Scotia
and Prince Edward Island (America/Halifax), New Brunswick (America/Moncton), Quebec and
Ontario (America/Toronto), Manitoba (America/Winnipeg), Saskatchewan (America/Regina),
Alberta (America/Edmonton), British Columbia (America/Vancouver) and Yukon
(America/Whitehorse). None for the rest: Labrador (``A0K``, which it shares with
Newfoundland's Northern Peninsula, ``A0P``, ``A0R``, ``A2V``; Atlantic time, Newfoundland
time in the south-east), rural eastern Quebec and
the Magdalen Islands (``G0``, ``G4T``; Atlantic time on the Lower North Shore and the
islands), rural northern Ontario and the north-west (``P0``, ``P8``, ``P9``; Central time,
Atikokan's Eastern Standard Time all year), rural Saskatchewan and Lloydminster (``S0``,
``S9V``; Mountain time by the Alberta border, Central time with daylight saving at
Creighton), British Columbia's interior and north (``V0``, ``V1``; Mountain time in the
Kootenays and the Peace River country) and the territories of ``X`` (Nunavut's three
zones and the Northwest Territories). A code is Canadian when the country is ``CA``, or
is not given and the code has the Canadian shape, which no ZIP shares.

Phones: phonenumbers' time zone data (libphonenumber's, Apache-2.0) lists zones for
prefixes of E.164 numbers, down to the exchange in North America (+1 850-444 is
Pensacola, Central time; +1 850-222 is Tallahassee, Eastern). As phonenumbers'
``time_zones_for_number`` does, a fixed line (and a mobile in Argentina, Brazil, China,
Indonesia and Mexico, where mobiles have area codes) takes its longest prefix's zones,
any other number (mobiles elsewhere, toll-free numbers) the whole country's, and an
unknown zone is None. The number's type, :func:`~importer.normalize.phone_type`, is
looked up only when those two give different answers; a number is taken to be valid, as
:func:`~importer.normalize.normalize_phone` leaves it, so one whose type would not change
the answer is not checked. The data is imported on the first call (2.5 ms, 0.5 MB).

That data is wrong for some North American exchanges (Tallahassee's 850-431 and
Terre Haute's 812-478 on Central time, Saskatchewan's 474 on Manitoba's clock), and no
package ships exchanges with their zones (tz-trout and tala-locale read phonenumbers'
data, py-area-code-nanp stops at the state, nanpa-lookup has carriers but no zones). So
a North American number gets a zone only where the tool knows its clock:

- An area code keeps one clock when none of these sources puts it on two: phonenumbers'
  zones under it, the zones of the ZIPs whose zipcodes data lists it, and the zones of
  the ZIPs of the places phonenumbers' geocoder gives its exchanges. An area code the ZIP
  data does not list (a new overlay) and whose exchanges the geocoder does not place
  takes the clocks of the place the geocoder names for the whole of it ("Palm Beach,
  FL"), else of its state. 65 of the 359 US area codes the data knows span clocks by
  this test.
- In an area code that spans clocks, an exchange's zone from phonenumbers stands only
  when the geocoder names the exchange's place ("Pensacola, FL") and every ZIP of that
  place (its city or an accepted city name, in that state) keeps the same clock: two
  sources that agree. Else no zone, and :func:`why_no_phone_zone` says why.
- Canada has no such data: an area code gets a zone only when the provinces' facts above
  put the whole of it on one clock (and phonenumbers agrees): Manitoba, Alberta, New
  Brunswick, Nova Scotia and Prince Edward Island, Quebec but its east (418, 581, 367),
  Ontario but its north-west (807), and British Columbia's 604. The rest spans clocks,
  and a new area code the facts do not place gives none: 16 of 56.

That pass over the ZIP table and the geocoder's data takes over a second and some 150 MB,
in every process that validates rows, so it is made once, when the packages' data
changes: :func:`north_american_zones` works it out, and the tool ships its result,
``north_american_zones.json`` (36 KB: the area codes that keep one clock, and for each
other one why and the exchanges whose zone the sources agree on). A test checks the
file against the installed packages. The first North American number reads that file
(a few milliseconds); then each exchange is worked out once. An area code the file does
not know (newer than the data) gives no zone.

A list of zones gives a zone only when all of them keep the same UTC offset at every
moment of the coming year: each zone's offset at the first call and every change over
the next 367 days, found a day at a time and then to the second (no zone changes its
clock twice in one day), must be the same. When several agree, the one given is the
zone of the calling code's country (UK mobiles list London, Guernsey, Jersey and the Isle
of Man: Europe/London), else that country's only zone if it agrees (Irish numbers list
the UK's zones: Europe/Dublin), else the first by name.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

import phonenumbers

from .normalize import phone_type
from .timezones import normalize_timezone

__all__ = [
    "NORTH_AMERICAN_ZONES",
    "north_american_zones",
    "same_clock",
    "why_no_phone_zone",
    "write_north_american_zones",
    "zone_for_phone",
    "zone_for_postal_code",
]

# Countries whose postal codes are ZIPs; the territories' ZIPs are also the US's.
_TERRITORIES = frozenset({"PR", "VI", "GU", "AS", "MP"})
# USPS serves them, but they are countries: their ZIPs are no US lead's.
_FREELY_ASSOCIATED = frozenset({"FM", "MH", "PW"})

_ZIP = re.compile(r"([0-9]{3,5})(?:[- ]?[0-9]{4})?")
# Canada Post uses no D, F, I, O, Q or U, and W and Z only after the first letter.
_POSTAL_CODE = re.compile(
    r"([ABCEGHJ-NPRSTVXY][0-9][ABCEGHJ-NPRSTV-Z])(?:[ -]?[0-9][ABCEGHJ-NPRSTV-Z][0-9])?"
)

# The first letter of a Canadian postal code is its province; the zone of the provinces
# that keep one time, then the areas (by their first two or three characters) that do not.
_CANADA = {
    "A": "America/St_Johns",
    "B": "America/Halifax",
    "C": "America/Halifax",
    "E": "America/Moncton",
    "G": "America/Toronto",
    "H": "America/Toronto",
    "J": "America/Toronto",
    "K": "America/Toronto",
    "L": "America/Toronto",
    "M": "America/Toronto",
    "N": "America/Toronto",
    "P": "America/Toronto",
    "R": "America/Winnipeg",
    "S": "America/Regina",
    "T": "America/Edmonton",
    "V": "America/Vancouver",
    "Y": "America/Whitehorse",
}
_CANADA_MIXED = ("A0K", "A0P", "A0R", "A2V", "G0", "G4T", "P0", "P8", "P9", "S0", "S9V", "V0", "V1")

# Zones are compared over the coming year, a day at a time.
_YEAR_IN_DAYS = 367
_ONE_SECOND = timedelta(seconds=1)

_Clock = tuple[tuple[datetime, timedelta], ...]


def zone_for_postal_code(code: str, country: str | None) -> str | None:
    """The IANA zone of a postal code, or None when it is unknown or spans zones."""
    if country is None or country == "US" or country in _TERRITORIES:
        zip5 = code if len(code) == 5 and code.isascii() and code.isdigit() else _zip5(code)
        if zip5 is not None:
            zones, territories = _zip_table()
            zone = zones.get(zip5)
            if zone is None or country is None or country == "US":
                return zone
            return zone if territories.get(zip5) == country else None
    if country is None or country == "CA":
        return _canadian_zone(code)
    return None


def zone_for_phone(e164: str, kind: str = "") -> str | None:
    """The IANA zone a phone number's geography gives, or None unless it gives one.

    ``kind`` is the number's type (:func:`importer.normalize.phone_type`) when known.
    """
    return _phone_zone(e164, kind)[0]


def why_no_phone_zone(e164: str, kind: str = "") -> str:
    """Why a North American number gives no zone when its area code spans clocks, else ""."""
    return _phone_zone(e164, kind)[1]


def same_clock(first: str, second: str) -> bool:
    """Whether two zones keep the same UTC offset at every moment of the coming year."""
    return first == second or _clock(first) == _clock(second)


# --- postal codes -------------------------------------------------------------------


def _zip5(code: str) -> str | None:
    """The five-digit ZIP of a ZIP or ZIP+4 as written, with the zeros a number drops."""
    match = _ZIP.fullmatch(code.strip())
    return match[1].zfill(5) if match else None


def _canadian_zone(code: str) -> str | None:
    match = _POSTAL_CODE.fullmatch(code.strip().upper())
    if not match:
        return None
    area = match[1]
    zone = _CANADA.get(area[0])
    return None if zone is None or area.startswith(_CANADA_MIXED) else zone


@cache
def _zip_table() -> tuple[dict[str, str], dict[str, str]]:
    """ZIP to zone, and a territory's ZIPs to the territory, from the zipcodes package."""
    data = _zip_data()
    return data.zones, data.territories


@dataclass(frozen=True)
class _ZipData:
    """What one pass over the zipcodes package's ZIPs keeps."""

    #: ZIP to zone, where the ZIP's county keeps one clock.
    zones: dict[str, str]
    #: A territory's ZIPs to the territory.
    territories: dict[str, str]
    #: An area code to the zones of the ZIPs that list it.
    area_zones: dict[str, frozenset[str]]
    #: A place (:func:`_place_key` of its city or an accepted city name, and its state) to
    #: the zones of its ZIPs.
    place_zones: dict[tuple[str, str], frozenset[str]]
    #: A state to the zones of its ZIPs.
    state_zones: dict[str, frozenset[str]]


@cache
def _zip_data() -> _ZipData:
    """One pass over the zipcodes package: ZIPs, area codes and places with their zones."""
    import zipcodes

    # zipcodes' Python functions carry no annotations; this is what similar_to returns.
    similar_to: Callable[[str], list[dict[str, Any]]] = zipcodes.similar_to
    rows: list[tuple[str, str, str, tuple[str, str]]] = []
    clocks: dict[tuple[str, str], set[_Clock]] = {}
    area_zones: dict[str, set[str]] = {}
    place_zones: dict[tuple[str, str], set[str]] = {}
    state_zones: dict[str, set[str]] = {}
    for digit in "0123456789":
        for row in similar_to(digit):
            state = row["state"]
            zone = _canonical(row["timezone"])
            if zone is None or state in _FREELY_ASSOCIATED:
                continue
            county = (state, row["county"] or row["zip_code"])
            rows.append((row["zip_code"], zone, state, county))
            clocks.setdefault(county, set()).add(_clock(zone))
            state_zones.setdefault(state, set()).add(zone)
            for area in row["area_codes"] or ():
                area_zones.setdefault(area, set()).add(zone)
            for city in (row["city"], *(row["acceptable_cities"] or ())):
                if city:
                    place_zones.setdefault((_place_key(city), state), set()).add(zone)
    zones: dict[str, str] = {}
    territories: dict[str, str] = {}
    for zip5, zone, state, county in rows:
        if len(clocks[county]) == 1:
            zones[zip5] = zone
            if state in _TERRITORIES:
                territories[zip5] = state
    return _ZipData(
        zones, territories,
        {area: frozenset(found) for area, found in area_zones.items()},
        {place: frozenset(found) for place, found in place_zones.items()},
        {state: frozenset(found) for state, found in state_zones.items()},
    )  # fmt: skip


# Words that place names shorten (phonenumbers' "Fort Walton Bch", "Port St. Joe"),
# written out so that both sources' names of a place meet.
_PLACE_WORDS = {
    "BCH": "BEACH", "CTR": "CENTER", "CRK": "CREEK", "FT": "FORT", "HTS": "HEIGHTS",
    "JCT": "JUNCTION", "LK": "LAKE", "MT": "MOUNT", "MTN": "MOUNTAIN", "PT": "POINT",
    "SPG": "SPRINGS", "SPGS": "SPRINGS", "SPRGS": "SPRINGS", "ST": "SAINT", "STE": "SAINTE",
    "VLG": "VILLAGE", "N": "NORTH", "S": "SOUTH", "E": "EAST", "W": "WEST",
}  # fmt: skip
_WORD = re.compile(r"[A-Z0-9]+")


def _place_key(name: str) -> str:
    """A place name with case, punctuation and the usual short words set aside."""
    return " ".join(_PLACE_WORDS.get(word, word) for word in _WORD.findall(name.upper()))


# --- phones -------------------------------------------------------------------------

_CALLING_CODES: dict[str, str] = {}


def _phone_zone(e164: str, kind: str) -> tuple[str | None, str]:
    """A number's zone or None, and why not when it is in an area code that spans clocks."""
    digits = e164[1:]
    if e164[:1] != "+" or not (3 <= len(digits) <= 15 and digits.isascii() and digits.isdigit()):
        return None, ""
    code = _calling_code(digits)
    if not code:
        return None, ""
    data, longest = _phone_prefixes()
    for end in range(min(len(digits), longest.get(code, 0)), len(code) - 1, -1):
        prefix = digits[:end]
        if prefix in data:
            break
    else:
        return None, ""  # a code without zones, such as +800
    geographic, national = _prefix_zones(prefix, code)
    why = ""
    if code == "1" and len(digits) == 11:
        geographic, why = _exchange_zone(digits[:7], geographic)
    if geographic == national:
        return geographic, why
    kind = kind or phone_type(e164)
    if kind in _geographic_types(code):
        return geographic, why
    return None if kind == "unknown" else national, ""


def _calling_code(digits: str) -> str:
    """The country calling code an E.164 number's digits begin with, or ``""``."""
    head = digits[:3]
    code = _CALLING_CODES.get(head)
    if code is None:
        # Calling codes are prefix-free: at most one of the three lengths is one.
        code = next(
            (
                head[:size]
                for size in (1, 2, 3)
                if int(head[:size]) in phonenumbers.COUNTRY_CODE_TO_REGION_CODE
            ),
            "",
        )
        _CALLING_CODES[head] = code
    return code


@cache
def _geographic_types(code: str) -> frozenset[str]:
    """The types of number, as phone_type names them, that phonenumbers places by prefix."""
    return frozenset(
        name.lower()
        for name in ("FIXED_LINE", "MOBILE", "FIXED_LINE_OR_MOBILE")
        if phonenumbers.is_number_type_geographical(
            getattr(phonenumbers.PhoneNumberType, name), int(code)
        )
    )


@cache
def _phone_prefixes() -> tuple[dict[str, tuple[str, ...]], dict[str, int]]:
    """phonenumbers' prefix-to-zones data, and each calling code's longest prefix."""
    from phonenumbers.tzdata import TIMEZONE_DATA

    longest: dict[str, int] = {}
    for prefix in TIMEZONE_DATA:
        code = _calling_code(prefix)
        longest[code] = max(longest.get(code, 0), len(prefix))
    return TIMEZONE_DATA, longest


@cache
def _prefix_zones(prefix: str, code: str) -> tuple[str | None, str | None]:
    """The zone of a prefix's list and of its country's whole list, where each gives one."""
    data = _phone_prefixes()[0]
    national = data.get(code)
    return (
        _agreed_zone(data[prefix], code),
        _agreed_zone(national, code) if national else None,
    )


@cache
def _agreed_zone(zones: tuple[str, ...], code: str) -> str | None:
    """The zone a list gives when its zones keep the same clock all year; else None."""
    names = {_canonical(zone) for zone in zones}
    if not names or None in names:
        return None  # Etc/Unknown, or a zone this tzdata does not know
    found = sorted(name for name in names if name is not None)
    if len(found) == 1:
        return found[0]
    clock = _clock(found[0])
    if any(_clock(name) != clock for name in found[1:]):
        return None
    own = _zones_by_country().get(phonenumbers.region_code_for_country_code(int(code)), ())
    in_country = [name for name in found if name in own]
    if in_country:
        return in_country[0]
    if len(own) == 1 and _clock(own[0]) == clock:
        return own[0]
    return found[0]


# --- North American area codes -----------------------------------------------------

# Canada's area codes known to lie in one zone, by the provinces' facts (no package ships
# Canada's exchanges with their zones): the whole province, or the part of Quebec and
# Ontario the code serves, keeps one clock. Alberta's codes take in Lloydminster, which
# keeps Alberta's time on both sides of the border.
_CANADA_ONE_ZONE = {
    "America/Winnipeg": "204 431 584",  # Manitoba
    "America/Edmonton": "368 403 587 780 825",  # Alberta
    "America/Moncton": "428 506",  # New Brunswick
    "America/Halifax": "782 902",  # Nova Scotia and Prince Edward Island
    # Quebec but its east (418, 581, 367), Ontario but its north-west (807)
    "America/Toronto": "263 354 438 450 468 514 579 819 873 "
    "226 249 289 343 365 382 416 437 519 548 613 647 683 705 742 753 905 942",
    "America/Vancouver": "604",  # the Lower Mainland
}
_CANADA_ZONES = {area: zone for zone, areas in _CANADA_ONE_ZONE.items() for area in areas.split()}
# Canada's area codes that take in places on another clock, and the places.
_CANADA_SPANS = {
    "Labrador's Atlantic time and Newfoundland time": "709 879",
    "Eastern time and the Lower North Shore's and Magdalen Islands' Atlantic time":
        "367 418 581",
    "Eastern time and north-western Ontario's Central time": "807",
    "Saskatchewan's time, Lloydminster's Alberta time and Creighton's Central time":
        "306 474 639",
    "Pacific time and the Kootenays' and Peace River country's Mountain time":
        "236 250 257 672 778",
    "the territories' Pacific, Mountain, Central and Eastern times": "867",
}  # fmt: skip
_CANADA_AREA_SPANS = {area: why for why, areas in _CANADA_SPANS.items() for area in areas.split()}
_PLACE = re.compile(r"(.+), ([A-Z]{2})")


#: The file, beside this module, that holds what the sources say of each North American
#: area code (:func:`north_american_zones`).
NORTH_AMERICAN_ZONES = "north_american_zones.json"


@cache
def _exchange_zone(head: str, zone: str | None) -> tuple[str | None, str]:
    """A North American exchange's zone (``head``: 1, area code, exchange), and why not.

    Read from :data:`NORTH_AMERICAN_ZONES`: ``zone`` (phonenumbers' for the exchange)
    stands in an area code that keeps one clock, and in one that spans clocks only for an
    exchange whose zone the sources agree on. An area code the file does not know (newer
    than this version's data) gives none.
    """
    area, exchange = head[1:4], head[4:7]
    one_clock, spans = _north_american_zones()
    if area in one_clock:
        return zone, ""
    span = spans.get(area)
    if span is None:
        if zone is None:
            return None, ""
        return None, (
            f"area code {area} is newer than this version's time-zone data; the zone of its "
            f"exchange {area}-{exchange} is not known"
        )
    why, known = span
    found = known.get(exchange)
    if zone is not None and found is not None and same_clock(found, zone):
        return zone, ""
    return None, f"area code {area} {why}; the zone of its exchange {area}-{exchange} is not known"


@cache
def _north_american_zones() -> tuple[frozenset[str], dict[str, tuple[str, dict[str, str]]]]:
    """The area codes that keep one clock, and those that span clocks (why, known exchanges)."""
    text = resources.files(__package__).joinpath(NORTH_AMERICAN_ZONES).read_text("utf-8")
    doc = json.loads(text)
    spans = {
        area: (
            span["why"],
            {exchange: zone for zone, exchanges in span["zones"].items()
             for exchange in exchanges.split()},
        )
        for area, span in doc["spans"].items()
    }  # fmt: skip
    return frozenset(doc["one_clock"].split()), spans


def north_american_zones() -> dict[str, Any]:
    """What the sources say of each North American area code: the file the tool ships.

    Worked out from phonenumbers' zone and place data and the zipcodes package (a pass
    over all of them: seconds, and some 150 MB), so the tool ships the result and a test
    checks it against the installed packages. ``one_clock``: the area codes known to keep
    one clock; ``spans``: for each other area code, why (``spans Central time and Eastern
    time``) and the exchanges whose zone two sources agree on, by zone.
    """
    areas = set(_area_prefixes()) | set(_zip_data().area_zones) | set(_area_places())
    areas |= set(_CANADA_ZONES) | set(_CANADA_AREA_SPANS)
    areas |= {prefix[1:] for prefix in _geocodes() if prefix[:1] == "1" and len(prefix) == 4}
    one_clock: list[str] = []
    spans: dict[str, Any] = {}
    for area in sorted(areas):
        why = _area_spans(area)
        if not why:
            one_clock.append(area)
            continue
        by_zone: dict[str, list[str]] = {}
        for exchange in range(200, 1000):
            head = f"1{area}{exchange}"
            zone = _head_zone(head)
            found = _exchange_zone_from_sources(head, zone)[0] if zone is not None else None
            if found is not None:
                by_zone.setdefault(found, []).append(str(exchange))
        spans[area] = {
            "why": why,
            "zones": {zone: " ".join(found) for zone, found in sorted(by_zone.items())},
        }
    return {"one_clock": " ".join(one_clock), "spans": spans}


def write_north_american_zones() -> None:
    """Write :data:`NORTH_AMERICAN_ZONES` again from the installed packages' data."""
    path = resources.files(__package__).joinpath(NORTH_AMERICAN_ZONES)
    text = json.dumps(north_american_zones(), indent=1, sort_keys=True) + "\n"
    Path(str(path)).write_text(text, encoding="utf-8")


def _head_zone(head: str) -> str | None:
    """The zone phonenumbers' prefix data gives a North American exchange, if one."""
    data, longest = _phone_prefixes()
    for end in range(min(len(head), longest.get("1", 0)), 0, -1):
        if head[:end] in data:
            return _prefix_zones(head[:end], "1")[0]
    return None


def _exchange_zone_from_sources(head: str, zone: str | None) -> tuple[str | None, str]:
    """A North American exchange's zone as the sources give it, and why not.

    ``zone`` is the zone phonenumbers' prefix data gives, if any. It stands when the area code
    keeps one clock; in an area code that spans clocks, only when the place phonenumbers'
    geocoder names for the exchange is a place of the zipcodes data all of whose ZIPs
    keep that clock: two sources that agree. Canada has no such data: no exchange of an
    area code that spans clocks is known there.
    """
    area, exchange = head[1:4], head[4:7]
    spans = _area_spans(area)
    if not spans:
        return zone, ""
    why = f"area code {area} {spans}; the zone of its exchange {area}-{exchange} is not known"
    if zone is None or _area_region(area) == "CA":
        return None, why
    place = _exchange_place(head)
    zones = _zip_data().place_zones.get(place) if place is not None else None
    if not zones or any(not same_clock(found, zone) for found in zones):
        return None, why
    return zone, ""


@cache
def _area_spans(area: str) -> str:
    """Why an area code is not known to keep one clock ("spans Central time and Eastern
    time"), or "" when it is known to."""
    region = _area_region(area)
    data = _phone_prefixes()[0]
    zones = {
        name
        for prefix in _area_prefixes().get(area, ())
        for zone in data[prefix]
        if (name := _canonical(zone)) is not None
    }
    if region == "CA":
        own = _CANADA_ZONES.get(area)
        if own is not None and all(same_clock(own, zone) for zone in zones):
            return ""
        return "spans " + _CANADA_AREA_SPANS.get(area, "places that may keep different clocks")
    zips = _zip_data()
    listed = zips.area_zones.get(area, frozenset())
    placed = {
        zone for place in _area_places().get(area, ()) for zone in zips.place_zones.get(place, ())
    }
    zones |= listed | placed
    if not listed and not placed and region == "US":
        # An area code the ZIP data does not know yet (a new overlay): the place the
        # geocoder names for the whole of it ("Palm Beach, FL") decides, else its state.
        name = _area_name(area)
        match = _PLACE.fullmatch(name)
        where = zips.place_zones.get((_place_key(match[1]), match[2])) if match else None
        if where:
            spans = _spans(zones | where)
            return f"spans {spans}" if spans else ""
        state = match[2] if match else _state_names().get(name)
        if state is None:
            # Nothing places it: no zone either way, but only a zone given is explained.
            return "is in places the data does not name" if zones else ""
        spans = _spans(zones | zips.state_zones.get(state, frozenset()))
        return f"is not in the ZIP data, and its state {state} spans {spans}" if spans else ""
    spans = _spans(zones)
    return f"spans {spans}" if spans else ""


def _spans(zones: set[str] | frozenset[str]) -> str:
    """The clocks of some zones in words, when there are several; else ""."""
    clocks = sorted({_clock_name(zone) for zone in zones})
    return ", ".join(clocks[:-1]) + " and " + clocks[-1] if len(clocks) > 1 else ""


# The words for North America's clocks, by a zone that keeps each.
_CLOCK_NAMES = {
    "America/St_Johns": "Newfoundland time",
    "America/Halifax": "Atlantic time",
    "America/New_York": "Eastern time",
    "America/Chicago": "Central time",
    "America/Regina": "Central Standard Time all year",
    "America/Denver": "Mountain time",
    "America/Phoenix": "Mountain Standard Time all year",
    "America/Los_Angeles": "Pacific time",
    "America/Anchorage": "Alaska time",
    "America/Adak": "Hawaii-Aleutian time",
    "Pacific/Honolulu": "Hawaii time",
}


@cache
def _clock_name(zone: str) -> str:
    """A zone's clock in words ("Central time"), else the zone's name."""
    return next((words for name, words in _CLOCK_NAMES.items() if same_clock(name, zone)), zone)


@cache
def _area_region(area: str) -> str | None:
    """The country (region code) of a North American area code, from phonenumbers."""
    for exchange in ("234", "555", "200", "456", "789", "321", "987", "654"):
        number = phonenumbers.parse(f"+1{area}{exchange}0123")
        region = phonenumbers.region_code_for_number(number)
        if region is not None:
            return region
    return None


@cache
def _area_prefixes() -> dict[str, tuple[str, ...]]:
    """phonenumbers' zone data prefixes under each North American area code."""
    found: dict[str, list[str]] = {}
    for prefix in _phone_prefixes()[0]:
        if prefix[:1] == "1" and len(prefix) >= 4:
            found.setdefault(prefix[1:4], []).append(prefix)
    return {area: tuple(prefixes) for area, prefixes in found.items()}


def _geocodes() -> dict[str, dict[str, str]]:
    from phonenumbers.geodata import GEOCODE_DATA

    # The geocoder's data is a module-level dict of prefix to {language: place}.
    data: dict[str, dict[str, str]] = GEOCODE_DATA
    return data


def _exchange_place(head: str) -> tuple[str, str] | None:
    """The place (name key, state) phonenumbers' geocoder gives an exchange, if it names one."""
    data = _geocodes()
    for end in range(len(head), 4, -1):
        place = data.get(head[:end])
        if place is not None:
            match = _PLACE.fullmatch(place.get("en", ""))
            return (_place_key(match[1]), match[2]) if match else None
    return None


@cache
def _area_places() -> dict[str, frozenset[tuple[str, str]]]:
    """The places phonenumbers' geocoder gives the exchanges of each area code."""
    found: dict[str, set[tuple[str, str]]] = {}
    for prefix in _geocodes():
        if prefix[:1] == "1" and len(prefix) > 4:
            place = _exchange_place(prefix)
            if place is not None:
                found.setdefault(prefix[1:4], set()).add(place)
    return {area: frozenset(places) for area, places in found.items()}


def _area_name(area: str) -> str:
    """What phonenumbers' geocoder calls an area code as a whole (a state's name)."""
    return _geocodes().get("1" + area, {}).get("en", "")


@cache
def _state_names() -> dict[str, str]:
    """A state's name to its code, learned from area codes and their exchanges' places."""
    votes: dict[str, dict[str, int]] = {}
    for area, places in _area_places().items():
        name = _area_name(area)
        for _, state in places:
            counts = votes.setdefault(name, {})
            counts[state] = counts.get(state, 0) + 1
    return {name: max(counts, key=lambda state: counts[state]) for name, counts in votes.items()}


# --- zones --------------------------------------------------------------------------


@cache
def _known_zones() -> frozenset[str]:
    return frozenset(available_timezones())


@cache
def _canonical(name: str) -> str | None:
    """The current IANA name of a zone name, or None when it names no zone."""
    if name not in _known_zones():
        return None
    found = normalize_timezone(name)
    return found if isinstance(found, str) and found in _known_zones() else None


@cache
def _zones_by_country() -> dict[str, tuple[str, ...]]:
    """The zones tzdata's ``zone.tab`` gives each ISO country code, current names only."""
    try:
        text = resources.files("tzdata").joinpath("zoneinfo", "zone.tab").read_text("utf-8")
    except (ModuleNotFoundError, OSError):
        return {}
    found: dict[str, list[str]] = {}
    for line in text.splitlines():
        fields = line.split("\t")
        if len(fields) >= 3 and not line.startswith("#"):
            zone = _canonical(fields[2])
            if zone is not None:
                found.setdefault(fields[0], []).append(zone)
    return {country: tuple(sorted(set(zones))) for country, zones in found.items()}


@cache
def _year_start() -> datetime:
    return datetime.now(UTC).replace(minute=0, second=0, microsecond=0)


@cache
def _clock(zone: str) -> _Clock:
    """A zone's UTC offset now and each change over the coming year, to the second."""
    info = ZoneInfo(zone)

    def offset(moment: datetime) -> timedelta:
        return moment.astimezone(info).utcoffset() or timedelta(0)

    start = _year_start()
    changes = [(start, offset(start))]
    for day in range(_YEAR_IN_DAYS):
        before, after = start + timedelta(days=day), start + timedelta(days=day + 1)
        current = changes[-1][1]
        if offset(after) == current:
            continue
        while after - before > _ONE_SECOND:
            middle = before + (after - before) / 2
            if offset(middle) == current:
                before = middle
            else:
                after = middle
        changes.append((after, offset(after)))
    return tuple(changes)
