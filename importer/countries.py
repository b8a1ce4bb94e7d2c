"""Country cells: ISO codes, calling codes and country names, to phonenumbers region codes.

:func:`normalize_region` reads the per-row country column of a mapping (``US``,
``gb``, ``UK``, ``+44``, ``Germany``, ``Deutschland``).
"""

from __future__ import annotations

from functools import cache, lru_cache

import phonenumbers

_REGION_ALIASES = {
    "UK": "GB",
    "EL": "GR",
    "USA": "US",
    "U.S.": "US",
    "U.S.A.": "US",
    "UNITED STATES OF AMERICA": "US",
    "ENGLAND": "GB",
    "SCOTLAND": "GB",
    "WALES": "GB",
    "GREAT BRITAIN": "GB",
}


@cache
def _country_names() -> dict[str, str]:
    """Country names in every language phonenumbers knows, casefolded, to region codes.

    CRM exports (HubSpot, Salesforce, LinkedIn) hold the country as a name such as
    ``United States`` or ``Deutschland``; a name that means two regions is left out.
    """
    from phonenumbers.geodata.locale import LOCALE_DATA

    found: dict[str, set[str]] = {}
    for region, names in LOCALE_DATA.items():
        for name in names.values():
            if name.startswith("*"):  # "same as in that language"
                name = names.get(name[1:], "")
            if name:
                found.setdefault(" ".join(name.split()).casefold(), set()).add(region)
    return {name: next(iter(regions)) for name, regions in found.items() if len(regions) == 1}


@lru_cache(maxsize=4096)
def normalize_region(raw: str) -> str | None:
    """Turn a country cell (``US``, ``gb``, ``UK``, ``+44``, ``Germany``) into a region code.

    Returns None when the cell names no country this tool can use.
    """
    value = " ".join(raw.split()).upper()
    value = _REGION_ALIASES.get(value, value)
    if value in phonenumbers.SUPPORTED_REGIONS:
        return value
    digits = value.lstrip("+")
    if digits.isdecimal():
        region = phonenumbers.region_code_for_country_code(int(digits))
        return None if region == "ZZ" else region
    named = _country_names().get(value.casefold())
    return named if named in phonenumbers.SUPPORTED_REGIONS else None
