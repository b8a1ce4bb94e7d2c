"""Time zone cells: IANA names in any spelling, and the aliases people and CRMs write.

:func:`normalize_timezone` turns one cell into the IANA name the API takes, or a
:class:`~importer.problems.Problem` that says what to write instead.
"""

from __future__ import annotations

from functools import lru_cache
from zoneinfo import available_timezones

from .problems import Problem, quote

# Names that are unambiguous in practice but are not IANA names: US time zone words,
# the Windows names some CRMs export, and a few abbreviations that mean one zone only.
_TIMEZONE_ALIASES = {
    "eastern": "America/New_York",
    "eastern time": "America/New_York",
    "us eastern": "America/New_York",
    "eastern standard time": "America/New_York",
    "central": "America/Chicago",
    "central time": "America/Chicago",
    "us central": "America/Chicago",
    "central standard time": "America/Chicago",
    "mountain": "America/Denver",
    "mountain time": "America/Denver",
    "us mountain": "America/Denver",
    "mountain standard time": "America/Denver",
    "pacific": "America/Los_Angeles",
    "pacific time": "America/Los_Angeles",
    "us pacific": "America/Los_Angeles",
    "pacific standard time": "America/Los_Angeles",
    "alaska": "America/Anchorage",
    "alaskan standard time": "America/Anchorage",
    "hawaii": "Pacific/Honolulu",
    "hawaiian standard time": "Pacific/Honolulu",
    "india standard time": "Asia/Kolkata",
    "gmt standard time": "Europe/London",
    "w. europe standard time": "Europe/Berlin",
    "romance standard time": "Europe/Paris",
    "aus eastern standard time": "Australia/Sydney",
    "tokyo standard time": "Asia/Tokyo",
    "china standard time": "Asia/Shanghai",
    "singapore standard time": "Asia/Singapore",
    "e. south america standard time": "America/Sao_Paulo",
    "z": "UTC",
    "zulu": "UTC",
}
_NOT_ZONES = {"factory", "localtime", "posixrules"}


@lru_cache(maxsize=1)
def _zone_index() -> dict[str, str]:
    zones = {name.casefold(): name for name in available_timezones()}
    for name in _NOT_ZONES:
        zones.pop(name, None)
    return zones


def normalize_timezone(raw: str) -> str | Problem | None:
    """Return the IANA name for a time zone (case-insensitive, common aliases); empty is None."""
    value = raw.strip()
    if not value:
        return None
    zones = _zone_index()
    key = value.casefold()
    # HubSpot exports zones as slugs such as america_slash_new_york.
    slug = key.replace("_slash_", "/")
    for candidate in (key, slug, slug.replace(" ", "_")):
        if candidate in zones:
            return zones[candidate]
    alias = _TIMEZONE_ALIASES.get(" ".join(key.replace("_", " ").split()))
    if alias:
        return alias
    return Problem(
        "timezone_unknown",
        f"timeZone {quote(value)} is not an IANA time zone; use a name such as "
        "America/New_York or Europe/London, or leave it empty",
    )
