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
prefixes of E.164 numbers, down to the exchange in North America (+1 850-432 is
Pensacola, Central time; +1 850-222 is Tallahassee, Eastern). As phonenumbers'
``time_zones_for_number`` does, a fixed line (and a mobile in Argentina, Brazil, China,
Indonesia and Mexico, where mobiles have area codes) takes its longest prefix's zones,
any other number (mobiles elsewhere, toll-free numbers) the whole country's, and an
unknown zone is None. The number's type, :func:`~importer.normalize.phone_type`, is
looked up only when those two give different answers; a number is taken to be valid, as
:func:`~importer.normalize.normalize_phone` leaves it, so one whose type would not change
the answer is not checked. The data is imported on the first call (2.5 ms, 0.5 MB).

A list of zones gives a zone only when all of them keep the same UTC offset at every
moment of the coming year: each zone's offset at the first call and every change over
the next 367 days, found a day at a time and then to the second (no zone changes its
clock twice in one day), must be the same. When several agree, the one given is the
zone of the calling code's country (UK mobiles list London, Guernsey, Jersey and the Isle
of Man: Europe/London), else that country's only zone if it agrees (Irish numbers list
the UK's zones: Europe/Dublin), else the first by name.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import cache
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

import phonenumbers

from .normalize import phone_type
from .timezones import normalize_timezone

__all__ = [
    "same_clock",
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
    digits = e164[1:]
    if e164[:1] != "+" or not (3 <= len(digits) <= 15 and digits.isascii() and digits.isdigit()):
        return None
    code = _calling_code(digits)
    if not code:
        return None
    data, longest = _phone_prefixes()
    for end in range(min(len(digits), longest.get(code, 0)), len(code) - 1, -1):
        prefix = digits[:end]
        if prefix in data:
            break
    else:
        return None  # a code without zones, such as +800
    geographic, national = _prefix_zones(prefix, code)
    if geographic == national:
        return geographic
    kind = kind or phone_type(e164)
    if kind in _geographic_types(code):
        return geographic
    return None if kind == "unknown" else national


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
    import zipcodes

    # zipcodes' Python functions carry no annotations; this is what similar_to returns.
    similar_to: Callable[[str], list[dict[str, Any]]] = zipcodes.similar_to
    rows: list[tuple[str, str, str, tuple[str, str]]] = []
    clocks: dict[tuple[str, str], set[_Clock]] = {}
    for digit in "0123456789":
        for row in similar_to(digit):
            state = row["state"]
            zone = _canonical(row["timezone"])
            if zone is None or state in _FREELY_ASSOCIATED:
                continue
            county = (state, row["county"] or row["zip_code"])
            rows.append((row["zip_code"], zone, state, county))
            clocks.setdefault(county, set()).add(_clock(zone))
    zones: dict[str, str] = {}
    territories: dict[str, str] = {}
    for zip5, zone, state, county in rows:
        if len(clocks[county]) == 1:
            zones[zip5] = zone
            if state in _TERRITORIES:
                territories[zip5] = state
    return zones, territories


# --- phones -------------------------------------------------------------------------

_CALLING_CODES: dict[str, str] = {}


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
