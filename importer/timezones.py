"""Time zone cells: IANA names in any spelling, and the names people and CRMs write.

:func:`normalize_timezone` turns one cell into the IANA name the API takes, or a
:class:`~importer.problems.Problem` that says what to write instead. The dialer calls a
lead at the lead's local time, so the rule throughout is: send the zone of the place the
person meant, with its daylight saving, and never a fixed offset the person did not write.

What is read:

- IANA names in any case, with spaces for underscores, or as HubSpot slugs
  (``america_slash_new_york``). Old names and links come out as the zone they stand for
  (``US/Eastern`` -> America/New_York, ``Asia/Calcutta`` -> Asia/Kolkata): the link
  lines of the ``tzdata`` package's ``tzdata.zi`` and its ``zone.tab`` decide which
  names are current. The names that are fixed offsets or US rule sets without a place
  (``EST``, ``MST``, ``HST``, ``EST5EDT``, ``CST6CDT``, ``MST7MDT``, ``PST8PDT``) mean
  the US zone of that name; ``CET``, ``MET``, ``EET``, ``WET`` follow tzdata's links.
  ``Etc/GMT+5`` and the like are kept: whoever wrote one chose a fixed offset.
- US and Canadian abbreviations and their long forms (``EST``, ``EDT``, ``ET``,
  ``Eastern``, ``Eastern Standard Time``, ``Eastern Daylight Time``, ``EST/EDT``, and the
  same for Central, Mountain, Pacific, Alaska, Hawaii, Atlantic, Newfoundland) mean the
  zone with daylight saving: a list that says ``EST`` in July still means New York.
  ``CST`` is US Central, not China, and ``AST`` is Atlantic (Halifax), not Arabia: the
  dialer is US-first (``China Standard Time`` and ``Arabia Standard Time`` written out
  are read). A few others that name one zone are read too (``JST``, ``AEST``, ``CET``).
- ``MST`` and ``Mountain Standard Time`` are America/Denver; ``Arizona``,
  ``MST (Arizona)`` and Windows' ``US Mountain Standard Time`` are America/Phoenix. In
  winter the two agree; in summer either choice is one hour off for the other state, and
  neither keeps every call inside the 8am-9pm window (Denver's clock for an Arizona
  lead calls from 7am; Phoenix's clock for a Colorado lead calls until 10pm). Denver is
  chosen because ``MST`` is written like ``EST``, ``CST`` and ``PST``, which people use
  for their zone all year, because the Mountain zone with DST has more people than
  Arizona, and because Windows and CLDR make the same choice. ``Saskatchewan`` (Central
  time without DST) and ``Puerto Rico`` (Atlantic time without DST) are read the same way.
- ``GMT`` and ``Greenwich Mean Time`` are Europe/London (people who write GMT mostly mean
  UK time, which is BST in summer); ``UTC``, ``Z``, ``GMT+0`` and ``+00:00`` are UTC.
- Windows zone ids (``W. Europe Standard Time``), their daylight names, and Outlook's
  display names (``(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna``,
  also the older ``(GMT-05:00) Eastern Time (US & Canada)``). The ids follow CLDR's
  ``windowsZones.xml`` (Unicode License), written here as tables with current IANA names.
- Offsets (``UTC+05:30``, ``GMT-5``, ``-05:00``): an offset is a place only when every
  zone that is at that offset at any time of the year is at it all year, so that the
  local time is the same whichever of them is meant (``UTC+05:30`` India and Sri Lanka,
  ``UTC+08:00`` China, Singapore, Perth; ``UTC+09:00`` Japan, Korea). Those map to one
  zone; any other offset, such as ``GMT-5`` (Eastern in winter, Central in summer), is
  rejected with ``timezone_offset``.
- ``IST`` (India, Israel, Ireland) and ``BST`` (British Summer Time, Bangladesh) are
  rejected with ``timezone_ambiguous``. Anything else not read is ``timezone_unknown``.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from importlib import resources
from zoneinfo import available_timezones

from .problems import Problem, quote

__all__ = [
    "normalize_timezone",
]

_NOT_ZONES = {"factory", "localtime", "posixrules"}

# IANA names that are not the zone a person means, and what they mean instead. The US
# names are fixed offsets or rule sets without a place; the others are links tzdata
# points to a zone in another country (same clocks today, wrong place).
_CANONICAL = {
    "EST": "America/New_York",
    "EST5EDT": "America/New_York",
    "CST6CDT": "America/Chicago",
    "MST": "America/Denver",
    "MST7MDT": "America/Denver",
    "PST8PDT": "America/Los_Angeles",
    "HST": "Pacific/Honolulu",
    "GMT": "Europe/London",
    "UTC": "UTC",
    "UCT": "UTC",
    "Universal": "UTC",
    "Zulu": "UTC",
    "Greenwich": "UTC",
    "GMT0": "UTC",
    "GMT+0": "UTC",
    "GMT-0": "UTC",
    "Etc/UTC": "UTC",
    "Etc/UCT": "UTC",
    "Etc/Universal": "UTC",
    "Etc/Zulu": "UTC",
    "Etc/GMT": "UTC",
    "Etc/GMT0": "UTC",
    "Etc/GMT+0": "UTC",
    "Etc/GMT-0": "UTC",
    "Etc/Greenwich": "UTC",
    "Iceland": "Atlantic/Reykjavik",
    "Africa/Timbuktu": "Africa/Bamako",
    "Africa/Asmera": "Africa/Asmara",
    "America/Coral_Harbour": "America/Atikokan",
    "America/Virgin": "America/St_Thomas",
    "Antarctica/South_Pole": "Antarctica/McMurdo",
    "Atlantic/Jan_Mayen": "Arctic/Longyearbyen",
    "Pacific/Yap": "Pacific/Chuuk",
    "Pacific/Truk": "Pacific/Chuuk",
    "Pacific/Ponape": "Pacific/Pohnpei",
}

# US and Canadian zones: the word, the zone, and the abbreviations people write for it.
_NORTH_AMERICA = {
    "eastern": ("America/New_York", ("est", "edt", "et")),
    "central": ("America/Chicago", ("cst", "cdt", "ct")),
    "mountain": ("America/Denver", ("mst", "mdt", "mt")),
    "pacific": ("America/Los_Angeles", ("pst", "pdt", "pt")),
    "alaska": ("America/Anchorage", ("akst", "akdt", "akt")),
    "alaskan": ("America/Anchorage", ()),
    "hawaii": ("Pacific/Honolulu", ("hst", "hast")),
    "hawaiian": ("Pacific/Honolulu", ()),
    "hawaii-aleutian": ("Pacific/Honolulu", ()),
    "atlantic": ("America/Halifax", ("ast", "adt")),
    "newfoundland": ("America/St_Johns", ("nst", "ndt")),
}

# Other names that mean one zone. Keys are written as _key() leaves them.
_NAMES = {
    "us eastern": "America/New_York",
    "us central": "America/Chicago",
    "us mountain": "America/Denver",
    "us pacific": "America/Los_Angeles",
    "arizona": "America/Phoenix",
    "arizona time": "America/Phoenix",
    "mst arizona": "America/Phoenix",
    "mountain standard time arizona": "America/Phoenix",
    "mountain time arizona": "America/Phoenix",
    "arizona standard time": "America/Phoenix",
    "saskatchewan": "America/Regina",
    "saskatchewan time": "America/Regina",
    "cst saskatchewan": "America/Regina",
    "central standard time saskatchewan": "America/Regina",
    "puerto rico": "America/Puerto_Rico",
    "ast puerto rico": "America/Puerto_Rico",
    "atlantic standard time puerto rico": "America/Puerto_Rico",
    "z": "UTC",
    "zulu": "UTC",
    "coordinated universal time": "UTC",
    "co-ordinated universal time": "UTC",
    "universal time": "UTC",
    "greenwich mean time": "Europe/London",
    "british summer time": "Europe/London",
    "uk time": "Europe/London",
    "irish standard time": "Europe/Dublin",
    "cet": "Europe/Brussels",
    "cest": "Europe/Brussels",
    "central european time": "Europe/Brussels",
    "central european summer time": "Europe/Brussels",
    "eet": "Europe/Athens",
    "eest": "Europe/Athens",
    "eastern european time": "Europe/Athens",
    "eastern european summer time": "Europe/Athens",
    "western european time": "Europe/Lisbon",
    "western european summer time": "Europe/Lisbon",
    "msk": "Europe/Moscow",
    "moscow time": "Europe/Moscow",
    "moscow standard time": "Europe/Moscow",
    "sast": "Africa/Johannesburg",
    "south african standard time": "Africa/Johannesburg",
    "india time": "Asia/Kolkata",
    "indian standard time": "Asia/Kolkata",
    "india standard time": "Asia/Kolkata",
    "pkt": "Asia/Karachi",
    "pakistan time": "Asia/Karachi",
    "arabia standard time": "Asia/Riyadh",
    "gulf standard time": "Asia/Dubai",
    "gst": "Asia/Dubai",
    "china time": "Asia/Shanghai",
    "china standard time": "Asia/Shanghai",
    "beijing time": "Asia/Shanghai",
    "hkt": "Asia/Hong_Kong",
    "hong kong time": "Asia/Hong_Kong",
    "sgt": "Asia/Singapore",
    "singapore time": "Asia/Singapore",
    "wib": "Asia/Jakarta",
    "jst": "Asia/Tokyo",
    "japan standard time": "Asia/Tokyo",
    "japan time": "Asia/Tokyo",
    "kst": "Asia/Seoul",
    "korea time": "Asia/Seoul",
    "aest": "Australia/Sydney",
    "aedt": "Australia/Sydney",
    "australian eastern standard time": "Australia/Sydney",
    "australian eastern daylight time": "Australia/Sydney",
    "acst": "Australia/Adelaide",
    "acdt": "Australia/Adelaide",
    "australian central standard time": "Australia/Adelaide",
    "australian central daylight time": "Australia/Adelaide",
    "awst": "Australia/Perth",
    "australian western standard time": "Australia/Perth",
    "nzst": "Pacific/Auckland",
    "nzdt": "Pacific/Auckland",
    "new zealand time": "Pacific/Auckland",
    "brasilia time": "America/Sao_Paulo",
    "brt": "America/Sao_Paulo",
}

# Windows zone ids and the zone each stands for (CLDR windowsZones.xml, territory 001),
# with current IANA names; then the "standard names" Windows shows for some of them.
_WINDOWS_ZONES = {
    "Dateline Standard Time": "Etc/GMT+12",
    "UTC-11": "Etc/GMT+11",
    "Aleutian Standard Time": "America/Adak",
    "Hawaiian Standard Time": "Pacific/Honolulu",
    "Marquesas Standard Time": "Pacific/Marquesas",
    "Alaskan Standard Time": "America/Anchorage",
    "UTC-09": "Etc/GMT+9",
    "Pacific Standard Time (Mexico)": "America/Tijuana",
    "UTC-08": "Etc/GMT+8",
    "Pacific Standard Time": "America/Los_Angeles",
    "US Mountain Standard Time": "America/Phoenix",
    "Mountain Standard Time (Mexico)": "America/Mazatlan",
    "Mountain Standard Time": "America/Denver",
    "Yukon Standard Time": "America/Whitehorse",
    "Central America Standard Time": "America/Guatemala",
    "Central Standard Time": "America/Chicago",
    "Easter Island Standard Time": "Pacific/Easter",
    "Central Standard Time (Mexico)": "America/Mexico_City",
    "Canada Central Standard Time": "America/Regina",
    "SA Pacific Standard Time": "America/Bogota",
    "Eastern Standard Time (Mexico)": "America/Cancun",
    "Eastern Standard Time": "America/New_York",
    "Haiti Standard Time": "America/Port-au-Prince",
    "Cuba Standard Time": "America/Havana",
    "US Eastern Standard Time": "America/Indiana/Indianapolis",
    "Turks And Caicos Standard Time": "America/Grand_Turk",
    "Paraguay Standard Time": "America/Asuncion",
    "Atlantic Standard Time": "America/Halifax",
    "Venezuela Standard Time": "America/Caracas",
    "Central Brazilian Standard Time": "America/Cuiaba",
    "SA Western Standard Time": "America/La_Paz",
    "Pacific SA Standard Time": "America/Santiago",
    "Newfoundland Standard Time": "America/St_Johns",
    "Tocantins Standard Time": "America/Araguaina",
    "E. South America Standard Time": "America/Sao_Paulo",
    "SA Eastern Standard Time": "America/Cayenne",
    "Argentina Standard Time": "America/Argentina/Buenos_Aires",
    "Greenland Standard Time": "America/Nuuk",
    "Montevideo Standard Time": "America/Montevideo",
    "Magallanes Standard Time": "America/Punta_Arenas",
    "Saint Pierre Standard Time": "America/Miquelon",
    "Bahia Standard Time": "America/Bahia",
    "UTC-02": "Etc/GMT+2",
    "Azores Standard Time": "Atlantic/Azores",
    "Cape Verde Standard Time": "Atlantic/Cape_Verde",
    "UTC": "UTC",
    "GMT Standard Time": "Europe/London",
    "Greenwich Standard Time": "Atlantic/Reykjavik",
    "Sao Tome Standard Time": "Africa/Sao_Tome",
    "Morocco Standard Time": "Africa/Casablanca",
    "W. Europe Standard Time": "Europe/Berlin",
    "Central Europe Standard Time": "Europe/Budapest",
    "Romance Standard Time": "Europe/Paris",
    "Central European Standard Time": "Europe/Warsaw",
    "W. Central Africa Standard Time": "Africa/Lagos",
    "Jordan Standard Time": "Asia/Amman",
    "GTB Standard Time": "Europe/Bucharest",
    "Middle East Standard Time": "Asia/Beirut",
    "Egypt Standard Time": "Africa/Cairo",
    "E. Europe Standard Time": "Europe/Chisinau",
    "Syria Standard Time": "Asia/Damascus",
    "West Bank Standard Time": "Asia/Hebron",
    "South Africa Standard Time": "Africa/Johannesburg",
    "FLE Standard Time": "Europe/Kyiv",
    "Israel Standard Time": "Asia/Jerusalem",
    "South Sudan Standard Time": "Africa/Juba",
    "Kaliningrad Standard Time": "Europe/Kaliningrad",
    "Sudan Standard Time": "Africa/Khartoum",
    "Libya Standard Time": "Africa/Tripoli",
    "Namibia Standard Time": "Africa/Windhoek",
    "Arabic Standard Time": "Asia/Baghdad",
    "Turkey Standard Time": "Europe/Istanbul",
    "Arab Standard Time": "Asia/Riyadh",
    "Belarus Standard Time": "Europe/Minsk",
    "Russian Standard Time": "Europe/Moscow",
    "E. Africa Standard Time": "Africa/Nairobi",
    "Volgograd Standard Time": "Europe/Volgograd",
    "Iran Standard Time": "Asia/Tehran",
    "Arabian Standard Time": "Asia/Dubai",
    "Astrakhan Standard Time": "Europe/Astrakhan",
    "Azerbaijan Standard Time": "Asia/Baku",
    "Russia Time Zone 3": "Europe/Samara",
    "Mauritius Standard Time": "Indian/Mauritius",
    "Saratov Standard Time": "Europe/Saratov",
    "Georgian Standard Time": "Asia/Tbilisi",
    "Caucasus Standard Time": "Asia/Yerevan",
    "Afghanistan Standard Time": "Asia/Kabul",
    "West Asia Standard Time": "Asia/Tashkent",
    "Ekaterinburg Standard Time": "Asia/Yekaterinburg",
    "Pakistan Standard Time": "Asia/Karachi",
    "Qyzylorda Standard Time": "Asia/Qyzylorda",
    "India Standard Time": "Asia/Kolkata",
    "Sri Lanka Standard Time": "Asia/Colombo",
    "Nepal Standard Time": "Asia/Kathmandu",
    "Central Asia Standard Time": "Asia/Bishkek",
    "Bangladesh Standard Time": "Asia/Dhaka",
    "Omsk Standard Time": "Asia/Omsk",
    "Myanmar Standard Time": "Asia/Yangon",
    "SE Asia Standard Time": "Asia/Bangkok",
    "Altai Standard Time": "Asia/Barnaul",
    "W. Mongolia Standard Time": "Asia/Hovd",
    "North Asia Standard Time": "Asia/Krasnoyarsk",
    "N. Central Asia Standard Time": "Asia/Novosibirsk",
    "Tomsk Standard Time": "Asia/Tomsk",
    "China Standard Time": "Asia/Shanghai",
    "North Asia East Standard Time": "Asia/Irkutsk",
    "Singapore Standard Time": "Asia/Singapore",
    "W. Australia Standard Time": "Australia/Perth",
    "Taipei Standard Time": "Asia/Taipei",
    "Ulaanbaatar Standard Time": "Asia/Ulaanbaatar",
    "Aus Central W. Standard Time": "Australia/Eucla",
    "Transbaikal Standard Time": "Asia/Chita",
    "Tokyo Standard Time": "Asia/Tokyo",
    "North Korea Standard Time": "Asia/Pyongyang",
    "Korea Standard Time": "Asia/Seoul",
    "Yakutsk Standard Time": "Asia/Yakutsk",
    "Cen. Australia Standard Time": "Australia/Adelaide",
    "AUS Central Standard Time": "Australia/Darwin",
    "E. Australia Standard Time": "Australia/Brisbane",
    "AUS Eastern Standard Time": "Australia/Sydney",
    "West Pacific Standard Time": "Pacific/Port_Moresby",
    "Tasmania Standard Time": "Australia/Hobart",
    "Vladivostok Standard Time": "Asia/Vladivostok",
    "Lord Howe Standard Time": "Australia/Lord_Howe",
    "Bougainville Standard Time": "Pacific/Bougainville",
    "Russia Time Zone 10": "Asia/Srednekolymsk",
    "Magadan Standard Time": "Asia/Magadan",
    "Norfolk Standard Time": "Pacific/Norfolk",
    "Sakhalin Standard Time": "Asia/Sakhalin",
    "Central Pacific Standard Time": "Pacific/Guadalcanal",
    "Russia Time Zone 11": "Asia/Kamchatka",
    "New Zealand Standard Time": "Pacific/Auckland",
    "UTC+12": "Etc/GMT-12",
    "Fiji Standard Time": "Pacific/Fiji",
    "Chatham Islands Standard Time": "Pacific/Chatham",
    "UTC+13": "Etc/GMT-13",
    "Tonga Standard Time": "Pacific/Tongatapu",
    "Samoa Standard Time": "Pacific/Apia",
    "Line Islands Standard Time": "Pacific/Kiritimati",
    # The names Windows shows where they differ from the id.
    "Cabo Verde Standard Time": "Atlantic/Cape_Verde",
    "Jerusalem Standard Time": "Asia/Jerusalem",
    "West Bank Gaza Standard Time": "Asia/Hebron",
    "Malay Peninsula Standard Time": "Asia/Singapore",
    "Kamchatka Standard Time": "Asia/Kamchatka",
    "Russia TZ 1 Standard Time": "Europe/Kaliningrad",
    "Russia TZ 2 Standard Time": "Europe/Moscow",
    "Russia TZ 3 Standard Time": "Europe/Samara",
    "Russia TZ 4 Standard Time": "Asia/Yekaterinburg",
    "Russia TZ 5 Standard Time": "Asia/Omsk",
    "Russia TZ 6 Standard Time": "Asia/Krasnoyarsk",
    "Russia TZ 7 Standard Time": "Asia/Irkutsk",
    "Russia TZ 8 Standard Time": "Asia/Yakutsk",
    "Russia TZ 9 Standard Time": "Asia/Vladivostok",
    "Russia TZ 10 Standard Time": "Asia/Srednekolymsk",
    "Russia TZ 11 Standard Time": "Asia/Kamchatka",
}

# Outlook's display names without their "(UTC+hh:mm)" or "(GMT+hh:mm)" prefix, current
# and older wordings, to the Windows id they show.
_OUTLOOK_LABELS = {
    "International Date Line West": "Dateline Standard Time",
    "Aleutian Islands": "Aleutian Standard Time",
    "Hawaii": "Hawaiian Standard Time",
    "Marquesas Islands": "Marquesas Standard Time",
    "Alaska": "Alaskan Standard Time",
    "Baja California": "Pacific Standard Time (Mexico)",
    "Pacific Time (US & Canada)": "Pacific Standard Time",
    "Pacific Time (US & Canada); Tijuana": "Pacific Standard Time",
    "Arizona": "US Mountain Standard Time",
    "Chihuahua, La Paz, Mazatlan": "Mountain Standard Time (Mexico)",
    "La Paz, Mazatlan": "Mountain Standard Time (Mexico)",
    "Mountain Time (US & Canada)": "Mountain Standard Time",
    "Yukon": "Yukon Standard Time",
    "Central America": "Central America Standard Time",
    "Central Time (US & Canada)": "Central Standard Time",
    "Easter Island": "Easter Island Standard Time",
    "Guadalajara, Mexico City, Monterrey": "Central Standard Time (Mexico)",
    "Saskatchewan": "Canada Central Standard Time",
    "Bogota, Lima, Quito": "SA Pacific Standard Time",
    "Bogota, Lima, Quito, Rio Branco": "SA Pacific Standard Time",
    "Chetumal": "Eastern Standard Time (Mexico)",
    "Eastern Time (US & Canada)": "Eastern Standard Time",
    "Haiti": "Haiti Standard Time",
    "Havana": "Cuba Standard Time",
    "Indiana (East)": "US Eastern Standard Time",
    "Turks and Caicos": "Turks And Caicos Standard Time",
    "Asuncion": "Paraguay Standard Time",
    "Atlantic Time (Canada)": "Atlantic Standard Time",
    "Caracas": "Venezuela Standard Time",
    "Cuiaba": "Central Brazilian Standard Time",
    "Georgetown, La Paz, Manaus, San Juan": "SA Western Standard Time",
    "Santiago": "Pacific SA Standard Time",
    "Newfoundland": "Newfoundland Standard Time",
    "Araguaina": "Tocantins Standard Time",
    "Brasilia": "E. South America Standard Time",
    "Cayenne, Fortaleza": "SA Eastern Standard Time",
    "City of Buenos Aires": "Argentina Standard Time",
    "Buenos Aires": "Argentina Standard Time",
    "Greenland": "Greenland Standard Time",
    "Montevideo": "Montevideo Standard Time",
    "Punta Arenas": "Magallanes Standard Time",
    "Saint Pierre and Miquelon": "Saint Pierre Standard Time",
    "Salvador": "Bahia Standard Time",
    "Azores": "Azores Standard Time",
    "Cabo Verde Is.": "Cape Verde Standard Time",
    "Cape Verde Is.": "Cape Verde Standard Time",
    "Coordinated Universal Time": "UTC",
    "Co-ordinated Universal Time": "UTC",
    "Dublin, Edinburgh, Lisbon, London": "GMT Standard Time",
    "Greenwich Mean Time : Dublin, Edinburgh, Lisbon, London": "GMT Standard Time",
    "Monrovia, Reykjavik": "Greenwich Standard Time",
    "Sao Tome": "Sao Tome Standard Time",
    "Casablanca": "Morocco Standard Time",
    "Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna": "W. Europe Standard Time",
    "Belgrade, Bratislava, Budapest, Ljubljana, Prague": "Central Europe Standard Time",
    "Brussels, Copenhagen, Madrid, Paris": "Romance Standard Time",
    "Sarajevo, Skopje, Warsaw, Zagreb": "Central European Standard Time",
    "West Central Africa": "W. Central Africa Standard Time",
    "Amman": "Jordan Standard Time",
    "Athens, Bucharest": "GTB Standard Time",
    "Athens, Bucharest, Istanbul": "GTB Standard Time",
    "Beirut": "Middle East Standard Time",
    "Cairo": "Egypt Standard Time",
    "Chisinau": "E. Europe Standard Time",
    "Damascus": "Syria Standard Time",
    "Gaza, Hebron": "West Bank Standard Time",
    "Harare, Pretoria": "South Africa Standard Time",
    "Helsinki, Kyiv, Riga, Sofia, Tallinn, Vilnius": "FLE Standard Time",
    "Helsinki, Kiev, Riga, Sofia, Tallinn, Vilnius": "FLE Standard Time",
    "Jerusalem": "Israel Standard Time",
    "Juba": "South Sudan Standard Time",
    "Kaliningrad": "Kaliningrad Standard Time",
    "Khartoum": "Sudan Standard Time",
    "Tripoli": "Libya Standard Time",
    "Windhoek": "Namibia Standard Time",
    "Baghdad": "Arabic Standard Time",
    "Istanbul": "Turkey Standard Time",
    "Kuwait, Riyadh": "Arab Standard Time",
    "Minsk": "Belarus Standard Time",
    "Moscow, St. Petersburg": "Russian Standard Time",
    "Moscow, St. Petersburg, Volgograd": "Russian Standard Time",
    "Nairobi": "E. Africa Standard Time",
    "Volgograd": "Volgograd Standard Time",
    "Tehran": "Iran Standard Time",
    "Abu Dhabi, Muscat": "Arabian Standard Time",
    "Astrakhan, Ulyanovsk": "Astrakhan Standard Time",
    "Baku": "Azerbaijan Standard Time",
    "Izhevsk, Samara": "Russia Time Zone 3",
    "Port Louis": "Mauritius Standard Time",
    "Saratov": "Saratov Standard Time",
    "Tbilisi": "Georgian Standard Time",
    "Yerevan": "Caucasus Standard Time",
    "Kabul": "Afghanistan Standard Time",
    "Ashgabat, Tashkent": "West Asia Standard Time",
    "Ekaterinburg": "Ekaterinburg Standard Time",
    "Islamabad, Karachi": "Pakistan Standard Time",
    "Qyzylorda": "Qyzylorda Standard Time",
    "Chennai, Kolkata, Mumbai, New Delhi": "India Standard Time",
    "Sri Jayawardenepura": "Sri Lanka Standard Time",
    "Kathmandu": "Nepal Standard Time",
    "Astana": "Central Asia Standard Time",
    "Dhaka": "Bangladesh Standard Time",
    "Omsk": "Omsk Standard Time",
    "Yangon (Rangoon)": "Myanmar Standard Time",
    "Bangkok, Hanoi, Jakarta": "SE Asia Standard Time",
    "Barnaul, Gorno-Altaysk": "Altai Standard Time",
    "Hovd": "W. Mongolia Standard Time",
    "Krasnoyarsk": "North Asia Standard Time",
    "Novosibirsk": "N. Central Asia Standard Time",
    "Tomsk": "Tomsk Standard Time",
    "Beijing, Chongqing, Hong Kong, Urumqi": "China Standard Time",
    "Beijing, Chongqing, Hong Kong SAR, Urumqi": "China Standard Time",
    "Irkutsk": "North Asia East Standard Time",
    "Kuala Lumpur, Singapore": "Singapore Standard Time",
    "Perth": "W. Australia Standard Time",
    "Taipei": "Taipei Standard Time",
    "Ulaanbaatar": "Ulaanbaatar Standard Time",
    "Eucla": "Aus Central W. Standard Time",
    "Chita": "Transbaikal Standard Time",
    "Osaka, Sapporo, Tokyo": "Tokyo Standard Time",
    "Pyongyang": "North Korea Standard Time",
    "Seoul": "Korea Standard Time",
    "Yakutsk": "Yakutsk Standard Time",
    "Adelaide": "Cen. Australia Standard Time",
    "Darwin": "AUS Central Standard Time",
    "Brisbane": "E. Australia Standard Time",
    "Canberra, Melbourne, Sydney": "AUS Eastern Standard Time",
    "Guam, Port Moresby": "West Pacific Standard Time",
    "Hobart": "Tasmania Standard Time",
    "Vladivostok": "Vladivostok Standard Time",
    "Lord Howe Island": "Lord Howe Standard Time",
    "Bougainville Island": "Bougainville Standard Time",
    "Chokurdakh": "Russia Time Zone 10",
    "Magadan": "Magadan Standard Time",
    "Norfolk Island": "Norfolk Standard Time",
    "Sakhalin": "Sakhalin Standard Time",
    "Solomon Is., New Caledonia": "Central Pacific Standard Time",
    "Magadan, Solomon Is., New Caledonia": "Central Pacific Standard Time",
    "Anadyr, Petropavlovsk-Kamchatsky": "Russia Time Zone 11",
    "Auckland, Wellington": "New Zealand Standard Time",
    "Fiji": "Fiji Standard Time",
    "Chatham Islands": "Chatham Islands Standard Time",
    "Nuku'alofa": "Tonga Standard Time",
    "Samoa": "Samoa Standard Time",
    "Kiritimati Island": "Line Islands Standard Time",
    "Co-ordinated Universal Time-11": "UTC-11",
    "Co-ordinated Universal Time-09": "UTC-09",
    "Co-ordinated Universal Time-08": "UTC-08",
    "Co-ordinated Universal Time-02": "UTC-02",
    "Co-ordinated Universal Time+12": "UTC+12",
    "Co-ordinated Universal Time+13": "UTC+13",
}

# Offsets that name one local time: every zone at that offset at any time of the year is
# at it all year (checked against tzdata by the tests). Minutes east of UTC -> the zone
# sent, the most populous place with that offset.
_SINGLE_PLACE_OFFSETS = {
    -11 * 60: "Pacific/Pago_Pago",
    -(9 * 60 + 30): "Pacific/Marquesas",
    3 * 60 + 30: "Asia/Tehran",
    4 * 60: "Asia/Dubai",
    4 * 60 + 30: "Asia/Kabul",
    5 * 60: "Asia/Karachi",
    5 * 60 + 30: "Asia/Kolkata",
    5 * 60 + 45: "Asia/Kathmandu",
    6 * 60: "Asia/Dhaka",
    6 * 60 + 30: "Asia/Yangon",
    7 * 60: "Asia/Jakarta",
    8 * 60: "Asia/Shanghai",
    8 * 60 + 45: "Australia/Eucla",
    9 * 60: "Asia/Tokyo",
    14 * 60: "Pacific/Kiritimati",
}

# For the message about an offset that is no single place: what it is, and what to write.
_OFFSET_HINTS = {
    -10 * 60: ("Hawaii all year but the Aleutians only in winter", "Pacific/Honolulu"),
    -9 * 60: ("Alaska in winter but the Aleutians in summer", "America/Anchorage"),
    -8 * 60: ("Pacific time in winter but Alaska in summer", "America/Los_Angeles"),
    -7 * 60: ("Mountain time in winter, Pacific in summer, Arizona all year", "America/Denver"),
    -6 * 60: ("Central time in winter but Mountain time in summer", "America/Chicago"),
    -5 * 60: ("Eastern time in winter but Central time in summer", "America/New_York"),
    -4 * 60: ("Atlantic time in winter but Eastern time in summer", "America/Halifax"),
    -(3 * 60 + 30): ("Newfoundland in winter only", "America/St_Johns"),
    -3 * 60: ("Brazil all year but Atlantic Canada only in summer", "America/Sao_Paulo"),
    1 * 60: ("Central Europe in winter but the UK in summer", "Europe/Berlin"),
    2 * 60: ("Eastern Europe in winter but Central Europe in summer", "Europe/Athens"),
    3 * 60: ("Moscow and Istanbul all year but Eastern Europe in summer", "Europe/Moscow"),
    10 * 60: ("Brisbane all year but Sydney only in its winter", "Australia/Sydney"),
    11 * 60: ("Sydney in its summer but the Solomon Islands all year", "Australia/Sydney"),
    12 * 60: ("Fiji all year but New Zealand only in its winter", "Pacific/Auckland"),
    13 * 60: ("Tonga all year but New Zealand only in its summer", "Pacific/Auckland"),
}

# Names that mean different zones to different people.
_AMBIGUOUS = {
    "ist": (
        "India, Israel or Irish Standard Time",
        "Asia/Kolkata, Asia/Jerusalem or Europe/Dublin",
    ),
    "bst": ("British Summer Time or Bangladesh Standard Time", "Europe/London or Asia/Dhaka"),
}

_OFFSET = re.compile(
    r"(?P<prefix>utc|gmt)?(?P<sign>[+-])(?P<hours>\d{1,2})(?::?(?P<minutes>\d{2}))?"
)
_OUTLOOK = re.compile(r"\(\s*(?:utc|gmt)\s*(?P<offset>[+-][\d:\s]+)?\)\s*(?P<label>.+)")
_MINUS_SIGNS = str.maketrans({"\u2212": "-", "\u2013": "-", "\u2012": "-"})


def _key(text: str) -> str:
    """Casefolded, accents and punctuation dropped, ``&`` spelled out, spaces collapsed."""
    text = unicodedata.normalize("NFKD", text.translate(_MINUS_SIGNS))
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = text.replace("&", " and ").replace("_", " ").replace("'", "").replace(".", "")
    return " ".join(re.sub(r"[^\w+\-/]+", " ", text).split())


def _build_names() -> dict[str, str]:
    names: dict[str, str] = {}
    for word, (zone, abbreviations) in _NORTH_AMERICA.items():
        for form in ("", " time", " standard time", " daylight time", " time us and canada"):
            names[word + form] = zone
        for abbreviation in abbreviations:
            names[abbreviation] = zone
    names.update(_NAMES)
    for windows_id, zone in _WINDOWS_ZONES.items():
        # "UTC-08" written alone is an offset, read by the offset rule.
        if not windows_id.startswith("UTC"):
            names.setdefault(_key(windows_id), zone)
    return names


_ALIASES = _build_names()
# Outlook's labels are read only after their "(UTC+hh:mm)" prefix: alone, "Perth" or
# "Cairo" is more likely a city column than a time zone.
_LABELS = {_key(label): _WINDOWS_ZONES[wid] for label, wid in _OUTLOOK_LABELS.items()}


@cache
def _zone_index() -> dict[str, str]:
    zones = {name.casefold(): name for name in available_timezones()}
    for name in _NOT_ZONES:
        zones.pop(name, None)
    return zones


@cache
def _links() -> dict[str, str]:
    """Old IANA names to the current zone, from the tzdata package's link lines.

    A link whose name is itself a current zone (in ``zone.tab``, such as Europe/Oslo) is
    kept: tzdata links it to a zone with the same clocks in another country.
    """
    try:
        data = resources.files("tzdata").joinpath("zoneinfo")
        current = {
            line.split("\t")[2]
            for line in data.joinpath("zone.tab").read_text(encoding="utf-8").splitlines()
            if line and not line.startswith("#")
        }
        lines = data.joinpath("tzdata.zi").read_text(encoding="utf-8").splitlines()
    except (ModuleNotFoundError, OSError, IndexError):
        return {}
    links = {}
    for line in lines:
        fields = line.split()
        if len(fields) == 3 and fields[0] == "L":
            target, name = fields[1], fields[2]
            if target in current and name not in current:
                links[name] = target
    return links


def _canonical(name: str) -> str:
    return _CANONICAL.get(name) or _links().get(name, name)


def _iana(value: str) -> str | None:
    zones = _zone_index()
    key = value.strip().casefold()
    # HubSpot exports zones as slugs such as america_slash_new_york.
    slug = key.replace("_slash_", "/")
    for candidate in (key, slug, slug.replace(" ", "_")):
        if candidate in zones:
            return _canonical(zones[candidate])
    return None


def _offset_minutes(compact: str) -> int | None:
    """Minutes east of UTC for ``utc+05:30``, ``gmt-5``, ``-05:00``; None when not an offset."""
    match = _OFFSET.fullmatch(compact)
    if not match:
        return None
    if not match["prefix"] and match["minutes"] is None:
        return None  # "+7" alone is as likely a calling code as an offset
    hours, minutes = int(match["hours"]), int(match["minutes"] or 0)
    if hours > 14 or minutes not in (0, 15, 30, 45):
        return None
    total = hours * 60 + minutes
    return -total if match["sign"] == "-" else total


def _from_offset(value: str, minutes: int) -> str | Problem:
    if minutes == 0:
        return "UTC"
    if minutes in _SINGLE_PLACE_OFFSETS:
        return _SINGLE_PLACE_OFFSETS[minutes]
    sign = "-" if minutes < 0 else "+"
    shown = f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
    where, example = _OFFSET_HINTS.get(
        minutes, ("used by places whose clocks change on different dates", "Europe/London")
    )
    return Problem(
        "timezone_offset",
        f"timeZone {quote(value)} is an offset, not a place: {shown} is {where}; "
        f"write the zone's name, such as {example}",
    )


def _from_name(key: str) -> str | None:
    zone = _ALIASES.get(key)
    if zone is None and key.endswith(" daylight time"):
        zone = _ALIASES.get(key.removesuffix(" daylight time") + " standard time")
    if zone is None and "/" in key:
        # "EST/EDT", "CET/CEST": every part must name the same zone.
        found = {_ALIASES.get(part.strip()) for part in key.split("/")}
        if len(found) == 1:
            zone = found.pop()
    return zone


def _from_outlook(text: str) -> str | None:
    """The zone of an Outlook display name such as ``(UTC-05:00) Eastern Time (US & Canada)``."""
    match = _OUTLOOK.fullmatch(text)
    if not match:
        return None
    label = match["label"]
    zone = _LABELS.get(_key(label)) or _from_name(_key(label)) or _iana(label)
    if zone:
        return zone
    # An unknown label still names its place when its offset is one place's all year.
    minutes = _offset_minutes("utc" + (match["offset"] or "").replace(" ", ""))
    return _SINGLE_PLACE_OFFSETS.get(minutes) if minutes else None


def normalize_timezone(raw: str) -> str | Problem | None:
    """Return the IANA zone a time zone cell means, or a Problem saying what to write."""
    value = raw.strip()
    if not value:
        return None
    zone = _iana(value)
    if zone:
        return zone
    key = _key(value)
    lowered = " ".join(value.translate(_MINUS_SIGNS).casefold().split())
    zone = _from_name(key) or _from_outlook(lowered)
    if zone:
        return zone
    if key in _AMBIGUOUS:
        meanings, choices = _AMBIGUOUS[key]
        return Problem(
            "timezone_ambiguous",
            f"timeZone {quote(value)} is ambiguous: it may be {meanings}; "
            f"write the zone's name, such as {choices}",
        )
    minutes = _offset_minutes(lowered.replace(" ", ""))
    if minutes is not None:
        return _from_offset(value, minutes)
    return Problem(
        "timezone_unknown",
        f"timeZone {quote(value)} is not a time zone this tool knows; write an IANA name "
        "such as America/New_York or Europe/London, or leave it empty",
    )
