"""Country cells: ISO codes, calling codes and country names, to phonenumbers region codes.

:func:`normalize_region` reads the per-row country column of a mapping: ISO 3166 alpha-2
and alpha-3 codes (``US``, ``gb``, ``DEU``), calling codes (``+44``, ``44``, ``0044``,
``(+44)``), and names:
ISO's English short and official names in the forms CRMs export (``Korea, Republic of``,
``Netherlands (the)``, ``Viet Nam``), common English names (``UAE``, ``Holland``,
``Ivory Coast``, ``England``, ``America`` for the United States) and the names in every
language phonenumbers knows (``Deutschland``, ``España``). Case, accents, punctuation and
a leading or trailing ``the`` do not matter. A name that means two countries (``Korea``,
``Congo``, ``Virgin Islands``) names none. Only regions phonenumbers can call come out:
``ATA`` (Antarctica) is a country code but names no region.

The ISO 3166-1 table below (alpha-3, alpha-2, English short and official names) lists
all 249 codes of the standard; it was checked against Debian's iso-codes list and
phonenumbers' regions.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import cache, lru_cache

import phonenumbers

__all__ = [
    "country_name",
    "normalize_region",
]

# ISO 3166-1: alpha-3, alpha-2, then the English short name and official names.
_ISO_3166 = """\
ABW AW Aruba
AFG AF Afghanistan|Islamic Republic of Afghanistan
AGO AO Angola|Republic of Angola
AIA AI Anguilla
ALA AX Åland Islands
ALB AL Albania|Republic of Albania
AND AD Andorra|Principality of Andorra
ARE AE United Arab Emirates
ARG AR Argentina|Argentine Republic
ARM AM Armenia|Republic of Armenia
ASM AS American Samoa
ATA AQ Antarctica
ATF TF French Southern Territories
ATG AG Antigua and Barbuda
AUS AU Australia
AUT AT Austria|Republic of Austria
AZE AZ Azerbaijan|Republic of Azerbaijan
BDI BI Burundi|Republic of Burundi
BEL BE Belgium|Kingdom of Belgium
BEN BJ Benin|Republic of Benin
BES BQ Bonaire, Sint Eustatius and Saba
BFA BF Burkina Faso
BGD BD Bangladesh|People's Republic of Bangladesh
BGR BG Bulgaria|Republic of Bulgaria
BHR BH Bahrain|Kingdom of Bahrain
BHS BS Bahamas|Commonwealth of the Bahamas
BIH BA Bosnia and Herzegovina|Republic of Bosnia and Herzegovina
BLM BL Saint Barthélemy
BLR BY Belarus|Republic of Belarus
BLZ BZ Belize
BMU BM Bermuda
BOL BO Bolivia, Plurinational State of|Plurinational State of Bolivia|Bolivia
BRA BR Brazil|Federative Republic of Brazil
BRB BB Barbados
BRN BN Brunei Darussalam
BTN BT Bhutan|Kingdom of Bhutan
BVT BV Bouvet Island
BWA BW Botswana|Republic of Botswana
CAF CF Central African Republic
CAN CA Canada
CCK CC Cocos (Keeling) Islands
CHE CH Switzerland|Swiss Confederation
CHL CL Chile|Republic of Chile
CHN CN China|People's Republic of China
CIV CI Côte d'Ivoire|Republic of Côte d'Ivoire
CMR CM Cameroon|Republic of Cameroon
COD CD Congo, The Democratic Republic of the
COG CG Congo|Republic of the Congo
COK CK Cook Islands
COL CO Colombia|Republic of Colombia
COM KM Comoros|Union of the Comoros
CPV CV Cabo Verde|Republic of Cabo Verde
CRI CR Costa Rica|Republic of Costa Rica
CUB CU Cuba|Republic of Cuba
CUW CW Curaçao
CXR CX Christmas Island
CYM KY Cayman Islands
CYP CY Cyprus|Republic of Cyprus
CZE CZ Czechia|Czech Republic
DEU DE Germany|Federal Republic of Germany
DJI DJ Djibouti|Republic of Djibouti
DMA DM Dominica|Commonwealth of Dominica
DNK DK Denmark|Kingdom of Denmark
DOM DO Dominican Republic
DZA DZ Algeria|People's Democratic Republic of Algeria
ECU EC Ecuador|Republic of Ecuador
EGY EG Egypt|Arab Republic of Egypt
ERI ER Eritrea|the State of Eritrea
ESH EH Western Sahara
ESP ES Spain|Kingdom of Spain
EST EE Estonia|Republic of Estonia
ETH ET Ethiopia|Federal Democratic Republic of Ethiopia
FIN FI Finland|Republic of Finland
FJI FJ Fiji|Republic of Fiji
FLK FK Falkland Islands (Malvinas)
FRA FR France|French Republic
FRO FO Faroe Islands
FSM FM Micronesia, Federated States of|Federated States of Micronesia
GAB GA Gabon|Gabonese Republic
GBR GB United Kingdom|United Kingdom of Great Britain and Northern Ireland
GEO GE Georgia
GGY GG Guernsey
GHA GH Ghana|Republic of Ghana
GIB GI Gibraltar
GIN GN Guinea|Republic of Guinea
GLP GP Guadeloupe
GMB GM Gambia|Republic of the Gambia
GNB GW Guinea-Bissau|Republic of Guinea-Bissau
GNQ GQ Equatorial Guinea|Republic of Equatorial Guinea
GRC GR Greece|Hellenic Republic
GRD GD Grenada
GRL GL Greenland
GTM GT Guatemala|Republic of Guatemala
GUF GF French Guiana
GUM GU Guam
GUY GY Guyana|Republic of Guyana
HKG HK Hong Kong|Hong Kong Special Administrative Region of China
HMD HM Heard Island and McDonald Islands
HND HN Honduras|Republic of Honduras
HRV HR Croatia|Republic of Croatia
HTI HT Haiti|Republic of Haiti
HUN HU Hungary
IDN ID Indonesia|Republic of Indonesia
IMN IM Isle of Man
IND IN India|Republic of India
IOT IO British Indian Ocean Territory
IRL IE Ireland
IRN IR Iran, Islamic Republic of|Islamic Republic of Iran|Iran
IRQ IQ Iraq|Republic of Iraq
ISL IS Iceland|Republic of Iceland
ISR IL Israel|State of Israel
ITA IT Italy|Italian Republic
JAM JM Jamaica
JEY JE Jersey
JOR JO Jordan|Hashemite Kingdom of Jordan
JPN JP Japan
KAZ KZ Kazakhstan|Republic of Kazakhstan
KEN KE Kenya|Republic of Kenya
KGZ KG Kyrgyzstan|Kyrgyz Republic
KHM KH Cambodia|Kingdom of Cambodia
KIR KI Kiribati|Republic of Kiribati
KNA KN Saint Kitts and Nevis
KOR KR Korea, Republic of|South Korea
KWT KW Kuwait|State of Kuwait
LAO LA Lao People's Democratic Republic|Laos
LBN LB Lebanon|Lebanese Republic
LBR LR Liberia|Republic of Liberia
LBY LY Libya
LCA LC Saint Lucia
LIE LI Liechtenstein|Principality of Liechtenstein
LKA LK Sri Lanka|Democratic Socialist Republic of Sri Lanka
LSO LS Lesotho|Kingdom of Lesotho
LTU LT Lithuania|Republic of Lithuania
LUX LU Luxembourg|Grand Duchy of Luxembourg
LVA LV Latvia|Republic of Latvia
MAC MO Macao|Macao Special Administrative Region of China
MAF MF Saint Martin (French part)
MAR MA Morocco|Kingdom of Morocco
MCO MC Monaco|Principality of Monaco
MDA MD Moldova, Republic of|Republic of Moldova|Moldova
MDG MG Madagascar|Republic of Madagascar
MDV MV Maldives|Republic of Maldives
MEX MX Mexico|United Mexican States
MHL MH Marshall Islands|Republic of the Marshall Islands
MKD MK North Macedonia|Republic of North Macedonia
MLI ML Mali|Republic of Mali
MLT MT Malta|Republic of Malta
MMR MM Myanmar|Republic of Myanmar
MNE ME Montenegro
MNG MN Mongolia
MNP MP Northern Mariana Islands|Commonwealth of the Northern Mariana Islands
MOZ MZ Mozambique|Republic of Mozambique
MRT MR Mauritania|Islamic Republic of Mauritania
MSR MS Montserrat
MTQ MQ Martinique
MUS MU Mauritius|Republic of Mauritius
MWI MW Malawi|Republic of Malawi
MYS MY Malaysia
MYT YT Mayotte
NAM NA Namibia|Republic of Namibia
NCL NC New Caledonia
NER NE Niger|Republic of the Niger
NFK NF Norfolk Island
NGA NG Nigeria|Federal Republic of Nigeria
NIC NI Nicaragua|Republic of Nicaragua
NIU NU Niue
NLD NL Netherlands|Kingdom of the Netherlands
NOR NO Norway|Kingdom of Norway
NPL NP Nepal|Federal Democratic Republic of Nepal
NRU NR Nauru|Republic of Nauru
NZL NZ New Zealand
OMN OM Oman|Sultanate of Oman
PAK PK Pakistan|Islamic Republic of Pakistan
PAN PA Panama|Republic of Panama
PCN PN Pitcairn
PER PE Peru|Republic of Peru
PHL PH Philippines|Republic of the Philippines
PLW PW Palau|Republic of Palau
PNG PG Papua New Guinea|Independent State of Papua New Guinea
POL PL Poland|Republic of Poland
PRI PR Puerto Rico
PRK KP Korea, Democratic People's Republic of|Democratic People's Republic of Korea|North Korea
PRT PT Portugal|Portuguese Republic
PRY PY Paraguay|Republic of Paraguay
PSE PS Palestine, State of|the State of Palestine
PYF PF French Polynesia
QAT QA Qatar|State of Qatar
REU RE Réunion
ROU RO Romania
RUS RU Russian Federation
RWA RW Rwanda|Rwandese Republic
SAU SA Saudi Arabia|Kingdom of Saudi Arabia
SDN SD Sudan|Republic of the Sudan
SEN SN Senegal|Republic of Senegal
SGP SG Singapore|Republic of Singapore
SGS GS South Georgia and the South Sandwich Islands
SHN SH Saint Helena, Ascension and Tristan da Cunha
SJM SJ Svalbard and Jan Mayen
SLB SB Solomon Islands
SLE SL Sierra Leone|Republic of Sierra Leone
SLV SV El Salvador|Republic of El Salvador
SMR SM San Marino|Republic of San Marino
SOM SO Somalia|Federal Republic of Somalia
SPM PM Saint Pierre and Miquelon
SRB RS Serbia|Republic of Serbia
SSD SS South Sudan|Republic of South Sudan
STP ST Sao Tome and Principe|Democratic Republic of Sao Tome and Principe
SUR SR Suriname|Republic of Suriname
SVK SK Slovakia|Slovak Republic
SVN SI Slovenia|Republic of Slovenia
SWE SE Sweden|Kingdom of Sweden
SWZ SZ Eswatini|Kingdom of Eswatini
SXM SX Sint Maarten (Dutch part)
SYC SC Seychelles|Republic of Seychelles
SYR SY Syrian Arab Republic|Syria
TCA TC Turks and Caicos Islands
TCD TD Chad|Republic of Chad
TGO TG Togo|Togolese Republic
THA TH Thailand|Kingdom of Thailand
TJK TJ Tajikistan|Republic of Tajikistan
TKL TK Tokelau
TKM TM Turkmenistan
TLS TL Timor-Leste|Democratic Republic of Timor-Leste
TON TO Tonga|Kingdom of Tonga
TTO TT Trinidad and Tobago|Republic of Trinidad and Tobago
TUN TN Tunisia|Republic of Tunisia
TUR TR Türkiye|Republic of Türkiye
TUV TV Tuvalu
TWN TW Taiwan, Province of China|Taiwan
TZA TZ Tanzania, United Republic of|United Republic of Tanzania|Tanzania
UGA UG Uganda|Republic of Uganda
UKR UA Ukraine
UMI UM United States Minor Outlying Islands
URY UY Uruguay|Eastern Republic of Uruguay
USA US United States|United States of America
UZB UZ Uzbekistan|Republic of Uzbekistan
VAT VA Holy See (Vatican City State)
VCT VC Saint Vincent and the Grenadines
VEN VE Venezuela, Bolivarian Republic of|Bolivarian Republic of Venezuela|Venezuela
VGB VG Virgin Islands, British|British Virgin Islands
VIR VI Virgin Islands, U.S.|Virgin Islands of the United States
VNM VN Viet Nam|Socialist Republic of Viet Nam|Vietnam
VUT VU Vanuatu|Republic of Vanuatu
WLF WF Wallis and Futuna
WSM WS Samoa|Independent State of Samoa
YEM YE Yemen|Republic of Yemen
ZAF ZA South Africa|Republic of South Africa
ZMB ZM Zambia|Republic of Zambia
ZWE ZW Zimbabwe|Republic of Zimbabwe
"""

# Names people and CRMs write that ISO does not list.
_MORE_NAMES = {
    "US": ("USA", "U.S.", "U.S.A.", "US of A", "America", "United States"),
    "GB": (
        "UK",
        "U.K.",
        "Great Britain",
        "Britain",
        "England",
        "Scotland",
        "Wales",
        "Northern Ireland",
        "United Kingdom of Great Britain and Northern Ireland",
    ),
    "GR": ("EL",),
    "NL": ("Holland", "The Netherlands"),
    "AE": ("UAE", "U.A.E.", "Emirates", "United Arab Emirates"),
    "CZ": ("Czech Republic", "Czechia"),
    "TR": ("Turkey", "Turkiye"),
    "CI": ("Ivory Coast", "Cote d'Ivoire"),
    "HK": ("Hong Kong SAR", "Hong Kong SAR China", "Hong Kong, China"),
    "MO": ("Macau", "Macao SAR", "Macau SAR", "Macao SAR China", "Macau SAR China"),
    "TW": ("Taiwan", "Chinese Taipei"),
    "MM": ("Burma", "Myanmar (Burma)"),
    "MK": ("Macedonia",),
    "SZ": ("Swaziland",),
    "CV": ("Cape Verde",),
    "KR": ("South Korea", "Korea South", "Republic of Korea"),
    "KP": ("North Korea", "Korea North"),
    "CD": (
        "DR Congo",
        "DRC",
        "Congo-Kinshasa",
        "Democratic Republic of the Congo",
        "Congo DRC",
        "Congo (Dem. Rep.)",
    ),
    "CG": ("Congo-Brazzaville", "Republic of the Congo", "Congo Republic", "Congo (Rep.)"),
    "TL": ("East Timor",),
    "VA": ("Vatican", "Vatican City"),
    "PS": ("Palestine",),
    "LA": ("Lao PDR", "Laos"),
    "RU": ("Russia",),
    "IE": ("Republic of Ireland", "Eire"),
    "BA": ("Bosnia",),
    "FM": ("Micronesia",),
    "VI": ("US Virgin Islands",),
    "VG": ("British Virgin Islands",),
    "XK": ("Kosovo",),
    "AC": ("Ascension Island", "Ascension"),
    "TA": ("Tristan da Cunha",),
}

# Names that mean two countries to the people who write them: they name none.
_AMBIGUOUS = {"korea", "congo", "virgin islands"}


_DROPPED = re.compile(r"[.'\u2019`\u00b4]")
_SPACE = re.compile(r"[\W_]+")


def _fold(text: str) -> str:
    """Casefolded, without accents, dots or apostrophes, ``&`` spelled out, ``St`` as Saint.

    Other punctuation is a space, and a leading or trailing "the" is dropped.
    """
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in text if not unicodedata.combining(c))
    text = _DROPPED.sub("", text.casefold().replace("&", " and "))
    words = ["saint" if word == "st" else word for word in _SPACE.sub(" ", text).split()]
    while words and words[0] == "the":
        words.pop(0)
    while words and words[-1] == "the":
        words.pop()
    return " ".join(words)


def _forms(name: str, *, inner: bool) -> list[str]:
    """The folded ways to read a name, first as written.

    Then "Korea, Republic of" turned around, "Bolivia (Plurinational State of)" turned
    around or without its brackets, and with ``inner`` the bracketed part alone
    ("Myanmar (Burma)").
    """
    forms = [name]
    head, comma, tail = name.partition(",")
    if comma:
        forms.append(f"{tail} {head}")
    bracketed = re.fullmatch(r"(.*?)\(([^()]*)\)(.*)", name)
    if bracketed:
        forms.append(f"{bracketed[2]} {bracketed[1]} {bracketed[3]}")
        forms.append(f"{bracketed[1]} {bracketed[3]}")
        if inner:
            forms.append(bracketed[2])
    folded = (_fold(form) for form in forms)
    return list(dict.fromkeys(form for form in folded if form))


def _index(named: Iterable[tuple[str, Iterable[str]]]) -> dict[str, str]:
    """Folded names to the one region each names.

    A name that stands for two regions is left out. A name read without its brackets
    ("San Martin" of "San Martin (Dutch part)") gives way to a name written that way.
    """
    found: dict[str, set[str]] = {}
    shortened: dict[str, set[str]] = {}
    for region, names in named:
        for name in names:
            for number, form in enumerate(_forms(name, inner=False)):
                target = shortened if number and "(" in name else found
                target.setdefault(form, set()).add(region)
    return {
        name: next(iter(regions))
        for name, regions in {**shortened, **found}.items()
        if len(regions) == 1 and name not in _AMBIGUOUS
    }


@cache
def _iso_rows() -> list[tuple[str, str, list[str]]]:
    rows = []
    for line in _ISO_3166.splitlines():
        alpha3, alpha2, names = line.split(" ", 2)
        rows.append((alpha3, alpha2, names.split("|")))
    return rows


@cache
def _alpha3() -> dict[str, str]:
    """ISO 3166-1 alpha-3 codes to alpha-2 (Kosovo's XKX too, which ISO leaves to users)."""
    return {alpha3: alpha2 for alpha3, alpha2, _ in _iso_rows()} | {"XKX": "XK"}


@cache
def _english_names() -> dict[str, str]:
    """ISO's English names and the common ones, folded, to region codes."""
    iso = [(alpha2, names) for _, alpha2, names in _iso_rows()]
    return _index([*iso, *_MORE_NAMES.items()])


@cache
def _country_names() -> dict[str, str]:
    """Country names in every language phonenumbers knows, folded, to region codes.

    CRM exports (HubSpot, Salesforce, LinkedIn) hold the country as a name such as
    ``United States`` or ``Deutschland``. English names decide where a translation would
    say otherwise.
    """
    from phonenumbers.geodata.locale import LOCALE_DATA

    def names(region: str) -> set[str]:
        translations = LOCALE_DATA[region]
        # "*xx" means "as in language xx"; most languages share a handful of spellings.
        found = {
            translations.get(name[1:], "") if name.startswith("*") else name
            for name in translations.values()
        }
        return found - {""}

    return _index((region, names(region)) for region in LOCALE_DATA) | _english_names()


# A calling code as people write it in a country column: 44, +44, 0044, (+44), (44),
# + 44; the 00 is the international prefix most of the world dials.
_CALLING_CODE = re.compile(r"\(?\s*(?:\+|00)?\s*(\d+)\s*\)?")


@lru_cache(maxsize=4096)
def normalize_region(raw: str) -> str | None:
    """Turn a country cell (``US``, ``DEU``, ``+44``, ``Viet Nam``) into a region code, or None."""
    text = " ".join(raw.split())
    calling = _CALLING_CODE.fullmatch(text)
    digits = calling.group(1) if calling else ""
    if digits:
        if len(digits) > 3:  # calling codes have one to three digits
            return None
        region = phonenumbers.region_code_for_country_code(int(digits))
        return None if region == "ZZ" else region
    code = re.sub(r"[.\s]", "", text)
    if code.isascii() and code.isalpha():
        if len(code) == 3 and _alpha3().get(code.upper()) and _is_a_code(text):
            code = _alpha3()[code.upper()]
        if code.upper() in phonenumbers.SUPPORTED_REGIONS:
            return code.upper()
    names = _country_names()
    for form in _forms(text, inner=True):
        named = names.get(form)
        if named in phonenumbers.SUPPORTED_REGIONS:
            return named
    return None


def _is_a_code(text: str) -> bool:
    """An alpha-3 code in capitals is a code; in lower case it may be a name first.

    ("nga" is Russia in Vietnamese, NGA is Nigeria.)
    """
    return text.isupper() or _fold(text) not in _country_names()


def country_name(region: str) -> str:
    """A region code with its English name for messages, such as ``Mexico (MX)``."""
    from phonenumbers.geodata.locale import LOCALE_DATA

    names = LOCALE_DATA.get(region, {})
    name = names.get("en", "")
    if name.startswith("*"):
        name = names.get(name[1:], "")
    if not name:
        iso = [names for _, alpha2, names in _iso_rows() if alpha2 == region]
        name = iso[0][0] if iso else _MORE_NAMES.get(region, ("",))[0]
    return f"{name} ({region})" if name else region
