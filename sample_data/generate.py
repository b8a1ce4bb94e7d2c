#!/usr/bin/env python3
"""Generate the bundled sample lead files, the broken test inputs and ``expected.json``.

Deterministic: every value is written out below (the few Meta ids and timestamps come from
a fixed-seed ``random.Random``), there is no network access, and workbook zips are rebuilt
with fixed timestamps so re-running gives the same bytes (the deflate streams of the
workbooks may still differ across zlib/openpyxl/odfpy versions; the CSV files are exact).

All people are synthetic and every phone number sits in a fictional or "drama" range:
US 555-01xx, UK Ofcom drama ranges (020 7946 0xxx; 07700 900xxx is kept only as an
intentionally *invalid* case, because ``phonenumbers`` does not accept it), Australia
0491 570 xxx, and obviously made-up DE/FR/ES/BR/IN/PT/DK/NL/JP/GR numbers. All e-mail
addresses are on example.com / example.org / example.net, except Meta's own test-lead
dummy ``test@fb.com``.

The expected outcome of every row is written by hand next to the row (``expect=...``) and
is *also* recomputed here with a small reference classifier built on ``phonenumbers`` and
``zoneinfo``, after reading the written file back (CSV via the ``csv`` module with the
file's encoding and delimiter, workbooks via ``python_calamine`` when it is installed).
The script stops if the two disagree, so ``expected.json`` matches the bytes on disk.

Run it with a Python that has phonenumbers, openpyxl, xlwt and odfpy (python_calamine
optional but recommended for the read-back check), e.g.::

    python3 -m venv /tmp/genvenv
    /tmp/genvenv/bin/pip install phonenumbers openpyxl xlwt odfpy python-calamine tzdata
    /tmp/genvenv/bin/python sample_data/generate.py
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import random
import re
import struct
import sys
import unicodedata
import zipfile
import zlib
import zoneinfo
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import phonenumbers
from phonenumbers import NumberParseException
from phonenumbers.phonenumberutil import ValidationResult

HERE = Path(__file__).resolve().parent
SEED = 20261102
FIXED_ZIP_TIME = (2026, 11, 2, 12, 0, 0)
FIXED_DOC_TIME = dt.datetime(2026, 11, 2, 12, 0, 0)

GENERIC_HEADER = [
    "phone",
    "first_name",
    "last_name",
    "email",
    "priority",
    "tags",
    "timezone",
    "notes",
    "country",
    "customer_id",
    "budget",
]

META_COMMON = [
    "id",
    "created_time",
    "ad_id",
    "ad_name",
    "adset_id",
    "adset_name",
    "campaign_id",
    "campaign_name",
    "form_id",
    "form_name",
    "is_organic",
    "platform",
    "email",
    "phone_number",
]
META_HEADER = [*META_COMMON, "first_name", "last_name", "what_is_your_budget?",
               "when_should_we_call_you?"]
META_FULLNAME_HEADER = [*META_COMMON, "full_name", "which_product_are_you_interested_in?"]

# Canonical order in which rejection codes are listed in expected.json.
CODE_ORDER = [
    "row_too_many_values",
    "country_unknown",
    "phone_missing",
    "phone_placeholder",
    "phone_scientific",
    "phone_no_region",
    "phone_too_short",
    "phone_too_long",
    "phone_invalid",
    "phone_company_line",
    "email_invalid",
    "priority_invalid",
    "tags_too_many",
    "timezone_unknown",
]


# --------------------------------------------------------------------------------------
# Row specifications
# --------------------------------------------------------------------------------------


@dataclass
class Row:
    """One data row as written, plus the outcome it is meant to have.

    ``expect`` is one of: an E.164 string (accepted), a list of rejection codes,
    ``("dup", key)`` (duplicate of the row carrying ``key``), ``("shared", key)`` (a
    duplicate whose only number is that row's under another name),
    ``("suppressed", code, e164)`` (never sent: the file marks it do-not-call, see
    importer/marks.py; ``e164`` is "" when the cell holds no number) or ``"blank"``.
    ``raw`` (CSV only) is the exact line text to write instead of quoting ``values``.
    """

    values: list[Any]
    expect: Any
    key: str | None = None
    raw: str | None = None
    #: More that expected.json states of an accepted row: ``time_zone``, and ``warnings``
    #: (words its warnings hold).
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Sheet:
    """A header and rows."""

    header: list[str]
    rows: list[Row] = field(default_factory=list)


def dup(key: str) -> tuple[str, str]:
    """Expect a duplicate of the row with ``key``."""
    return ("dup", key)


def shared(key: str) -> tuple[str, str]:
    """Expect a duplicate of the row with ``key`` that is another person sharing its number.

    The row's only valid number is the one the row with ``key`` was sent with, and that
    row has another name (a company's switchboard): expected.json marks it
    ``"shared": true``, and its ``duplicate_of`` says the number is shared with that row.
    """
    return ("shared", key)


def g(
    phone: Any,
    first: str = "",
    last: str = "",
    email: str = "",
    priority: str = "",
    tags: str = "",
    timezone: str = "",
    notes: str = "",
    country: str = "",
    customer_id: str = "",
    budget: str = "",
    *,
    expect: Any,
    key: str | None = None,
) -> Row:
    """Build a generic-header row."""
    vals = [phone, first, last, email, priority, tags, timezone, notes, country,
            customer_id, budget]
    return Row(vals, expect, key)


def raw(line: str, *, expect: Any, key: str | None = None) -> Row:
    """A CSV row written verbatim (used for malformed rows)."""
    return Row([], expect, key, raw=line)


BLANK = Row([], "blank", raw="")


# --- Meta Lead Ads --------------------------------------------------------------------

_meta_rng = random.Random(SEED)
_ADS = [
    ("ag:120200000000000001", "Autumn promo - video", "as:120200000000000011",
     "US 25-54 homeowners", "c:120200000000000021", "Lead gen Q4 2026",
     "f:120200000000000031", "Callback form v2"),
    ("ag:120200000000000002", "Autumn promo - carousel", "as:120200000000000011",
     "US 25-54 homeowners", "c:120200000000000021", "Lead gen Q4 2026",
     "f:120200000000000031", "Callback form v2"),
    ("ag:120200000000000003", "EU retargeting - static", "as:120200000000000012",
     "EU retargeting 30d", "c:120200000000000022", "EU retargeting 2026",
     "f:120200000000000032", "EU contact form"),
]
_PRODUCT_AD = ("ag:120200000000000004", "Product picker - reel", "as:120200000000000013",
               "Interest: home energy", "c:120200000000000023", "Product interest 2026",
               "f:120200000000000033", "Which product form")


def _meta_prefix(n: int, ads: Sequence[tuple[str, ...]], start: dt.datetime) -> list[list[str]]:
    """Return n lists of the 12 Meta bookkeeping columns with increasing times."""
    out = []
    t = start
    for _ in range(n):
        t += dt.timedelta(minutes=_meta_rng.randint(3, 180), seconds=_meta_rng.randint(0, 59))
        lead_id = "l:" + str(_meta_rng.randint(10**15, 10**16 - 1))
        ad = ads[_meta_rng.randrange(len(ads))]
        platform = "ig" if _meta_rng.random() < 0.35 else "fb"
        out.append([lead_id, t.strftime("%Y-%m-%dT%H:%M:%S+0000"), *ad, "false", platform])
    return out


TEST = "<test lead: dummy data for {}>"


def meta_sheet() -> Sheet:
    """facebook_lead_ads.csv: first_name/last_name + two question columns."""
    b1, b2, b3 = "under_$1,000", "$1,000_-_$5,000", "over_$5,000"
    am, pm, ev = "morning", "afternoon", "evening"
    # (email, phone_number, first, last, budget, when, expect, key)
    spec: list[tuple[Any, ...]] = [
        ("ada.example@example.com", "p:+14155550123", "Ada", "Example", b2, am,
         "+14155550123", "ada"),
        ("bram.sample@example.org", "p:+12125550102", "Bram", "Sample", b1, pm,
         "+12125550102", "bram"),
        ("cleo.specimen@example.net", "p:+13125550103", "Cleo", "Specimen", b3, ev,
         "+13125550103", None),
        ("zoe.exemple@example.net", "+33612345678", "Zoë", "Exemple", b2, am,
         "+33612345678", None),
        ("jose.ejemplo@example.com", "p:+34612345679", "José", "Ejemplo", b1, ev,
         "+34612345679", None),
        ("greta.beispiel@example.org", "p:+4915112345678", "Greta", "Müller-Beispiel", b3, pm,
         "+4915112345678", None),
        ("hugo.testfall@example.com", "+442079460123", "Hugo", "Testfall", b2, am,
         "+442079460123", None),
        ("ines.demo@example.net", "p:+61491570111", "Ines", "Demo", b1, pm,
         "+61491570111", None),
        ("joao.exemplo@example.com", "p:+5511987654321", "João", "Exemplo", b2, ev,
         "+5511987654321", None),
        ("kiri.sample@example.org", "p:+919876543210", "Kiri", "Sample", b3, am,
         "+919876543210", None),
        # Meta "test lead" from the Lead Ads Testing Tool.
        ("test@fb.com", TEST.format("phone_number"), TEST.format("first_name"),
         TEST.format("last_name"), TEST.format("what_is_your_budget?"),
         TEST.format("when_should_we_call_you?"), ["phone_placeholder"], None),
        # Same number as Ada, written with spaces and a dash.
        ("lena.example@example.com", "p:+1 415-555-0123", "Lena", "Example", b1, pm,
         shared("ada"), None),
        ("maria.example.com", "p:+16465550104", "Maria", "Ejemplo", b2, am,
         ["email_invalid"], None),
        ("Jo@Example.COM", "p:+14155550105", "Jo", "Example", b1, ev, "+14155550105", None),
        # Exact repeat of Bram's number.
        ("milo.sample@example.net", "p:+12125550102", "Milo", "Sample", b3, pm,
         shared("bram"), None),
        # National number without country code; Meta files have no default region.
        ("nora.placeholder@example.org", "p:4155550177", "Nora", "Placeholder", b1, am,
         ["phone_no_region"], None),
        ("otto.mustermann@example.com", "p:+493023125128", "Otto", "Mustermann", b2, pm,
         "+493023125128", None),
        ("pia.fixture@example.net", "+61491570112", "Pia", "Fixture", b3, ev,
         "+61491570112", None),
        ("quinn.example@example.com", "p:+16465550106", "Quinn", "Example", b1, am,
         "+16465550106", None),
        ("rosa.sample@example.org", "p:+13125550107", "Rosa", "Sample", b2, ev,
         "+13125550107", None),
        ("sami.demo@example.com", "p:+14155550108", "Sami", "Demo", b2, pm,
         "+14155550108", None),
        ("tova.specimen@example.net", "p:+5521998765432", "Tova", "Specimen", b3, am,
         "+5521998765432", None),
        ("uma.example@example.org", "p:+919876543213", "Uma", "Example", b1, pm,
         "+919876543213", None),
        ("vito.esempio@example.com", "p:+33142685300", "Vito", "Esempio", b2, ev,
         "+33142685300", None),
        ("wren.sample@example.net", "", "Wren", "Sample", b1, am, ["phone_missing"], None),
        ("xena.example@example.com", "p:+12125550109", "Xena", "Example", b3, pm,
         "+12125550109", None),
        ("yusuf.demo@example.org", "p:+442079460126", "Yusuf", "Demo", b2, am,
         "+442079460126", None),
        ("zeynep.ornek@example.com", "p:+16465550110", "Zeynep", "Örnek", b1, ev,
         "+16465550110", None),
    ]
    prefixes = _meta_prefix(len(spec), _ADS, dt.datetime(2026, 11, 2, 14, 3, 11))
    prefixes[0][1] = "2026-11-02T14:03:11+0000"
    sheet = Sheet(META_HEADER)
    for pre, (email, phone, first, last, budget, when, expect, key) in zip(
        prefixes, spec, strict=True
    ):
        if first.startswith("<test lead"):
            pre[0] = "l:" + "1" * 16
        sheet.rows.append(Row([*pre, email, phone, first, last, budget, when], expect, key))
    return sheet


def meta_fullname_sheet() -> Sheet:
    """facebook_full_name.csv: full_name + a product question."""
    sp, hp, bs = "solar_panels", "heat_pump", "battery_storage"
    spec: list[tuple[Any, ...]] = [
        ("jane.doe@example.com", "p:+14155550130", "Doe, Jane", sp, "+14155550130", None),
        ("maryann.smith@example.org", "p:+12125550131", "Mary Ann Smith", hp,
         "+12125550131", "maryann"),
        ("zoe.martin@example.net", "+33612345682", "Zoë Exemple-Martin", bs,
         "+33612345682", None),
        ("ada.example@example.com", "p:+13125550132", "Example, Ada", sp, "+13125550132", None),
        ("josemaria@example.com", "p:+34612345681", "José María Ejemplo", hp,
         "+34612345681", None),
        ("test@fb.com", TEST.format("phone_number"), TEST.format("full_name"),
         TEST.format("which_product_are_you_interested_in?"), ["phone_placeholder"], None),
        ("m.a.smith@example.org", "p:+1 (212) 555-0131", "Mary-Ann Smith", hp,
         dup("maryann"), None),
        ("pieter@example.net", "p:+31612345678", "Pieter van der Voorbeeld", bs,
         "+31612345678", None),
        ("greta.beispiel@example.org", "p:+4915112345679", "Greta Müller-Beispiel", sp,
         "+4915112345679", None),
        ("kiri@example.com", "p:+61491570113", "Kiri", hp, "+61491570113", None),
        ("sami.demo@example.com", "p:+14155550134", "  Sami   Demo ", bs, "+14155550134", None),
        ("sami.demo@example", "p:+14155550135", "Sami Demo Jr.", sp, ["email_invalid"], None),
        ("HUGO.TESTFALL@EXAMPLE.NET", "p:+442079460125", "HUGO TESTFALL", hp,
         "+442079460125", None),
        ("ines.demo@example.org", "p:+61491570114", "Dr. Ines Demo", bs, "+61491570114", None),
        ("wang.xiaoming@example.com", "p:+14155550138", "王小明", sp, "+14155550138", None),
        ("joao@example.net", "+5511987654324", "João da Silva Exemplo", hp,
         "+5511987654324", None),
        ("", "p:+16465550139", "Quinn", bs, "+16465550139", None),
        ("ana.ejemplo@example.com", "p:+34911234568", "Ana Ejemplo García", sp,
         "+34911234568", None),
    ]
    prefixes = _meta_prefix(len(spec), [_PRODUCT_AD], dt.datetime(2026, 11, 5, 9, 0, 0))
    sheet = Sheet(META_FULLNAME_HEADER)
    for pre, (email, phone, name, product, expect, key) in zip(prefixes, spec, strict=True):
        if name.startswith("<test lead"):
            pre[0] = "l:" + "2" * 16
        sheet.rows.append(Row([*pre, email, phone, name, product], expect, key))
    return sheet


# --- Generic CSV ----------------------------------------------------------------------

TAGS_21 = ", ".join(f"tag{i:02d}" for i in range(1, 22))
# 22 entries that collapse to exactly 20 after trimming and case-insensitive de-duplication.
TAGS_22_TO_20 = ", ".join([*(f"t{i:02d}" for i in range(1, 21)), "T01", " t02 "])


def generic_sheet() -> Sheet:
    """generic_leads.csv (and the BOM copy): every phone and field quirk."""
    rows = [
        g("(415) 555-0123", "Ada", "Example", "ada@example.com", "High",
          "vip, webinar,,VIP , Spring Sale", "America/New_York",
          "Asked for a callback, after 5pm", "US", "000123", "1500",
          expect="+14155550123", key="ada"),
        g("212.555.0101", "Bram", "Sample", "bram.sample@example.org", "URGENT", "webinar",
          "Europe/London", "", "", "000124", "2,000", expect="+12125550101"),
        g("312-555-0150", "Cleo", "Specimen", "cleo@example.net", "low", "", "", "", "",
          "000125", "", expect="+13125550150"),
        g("646 555 0199", "Dario", "Placeholder", "", "", "", "US/Eastern", "", "", "000126",
          "", expect="+16465550199"),
        g("0044 20 7946 0123", "Edda", "Example", "edda@example.com", "medium", "uk",
          "Europe/London", "Leading 00 international prefix", "", "000127", "",
          expect="+442079460123"),
        g("+1 415-555-0199 ext. 12", "Femi", "Sample", "femi@example.org", "", "", "", "",
          "", "000128", "", expect="+14155550199", key="femi"),
        g("415.555.0198 x34", "Greta", "Specimen", "greta@example.net", "", "", "", "", "",
          "000129", "", expect="+14155550198"),
        g("020 7946 0124", "Hugo", "Testfall", "hugo@example.com", "", "", "Europe/London",
          "", "GB", "000130", "", expect="+442079460124"),
        g("030 23125123", "Ines", "Mustermann", "ines@example.org", "", "", "Europe/Berlin",
          "", "DE", "000131", "", expect="+493023125123"),
        g("0491 570 156", "Jonas", "Demo", "jonas@example.net", "", "",
          "Australia/Sydney", "", "AU", "000132", "", expect="+61491570156"),
        g("N/A", "Kiri", "Example", "kiri@example.com", "", "", "", "", "", "000133", "",
          expect=["phone_placeholder"]),
        g("-", "Lena", "Sample", "lena@example.org", "", "", "", "", "", "000134", "",
          expect=["phone_placeholder"]),
        g("", "Milo", "Specimen", "milo@example.net", "", "", "", "no phone given", "",
          "000135", "", expect=["phone_missing"]),
        g("1.41556E+10", "Nora", "Placeholder", "nora@example.com", "", "", "",
          "Saved from Excel", "", "000136", "", expect=["phone_scientific"]),
        g("415-555", "Otto", "Example", "otto@example.org", "", "", "", "", "", "000137", "",
          expect=["phone_too_short"]),
        g("+1 415 555 012345", "Pia", "Sample", "pia@example.net", "", "", "", "", "",
          "000138", "", expect=["phone_too_long"]),
        g("call me", "Quinn", "Specimen", "quinn@example.com", "", "", "", "", "", "000139",
          "", expect=["phone_invalid"]),
        # Same number as Ada, written another way.
        g("+1 415 555 0123", "Ada", "Example", "ada.example@example.com", "", "", "",
          "second sign-up", "", "000140", "", expect=dup("ada")),
        # Same number as Femi without the extension.
        g("415-555-0199", "Femi", "Sample", "femi@example.org", "", "", "", "", "US",
          "000141", "", expect=dup("femi")),
        g("312-555-0160", "Rosa", "Example", "rosa@example.com", "asap", "", "", "", "",
          "000142", "", expect=["priority_invalid"]),
        g("312-555-0161", "Maria", "Ejemplo", "maria.example.com", "", "", "", "", "",
          "000143", "", expect=["email_invalid"]),
        g("312-555-0162", "Sami", "Demo", "sami@example.net", "", "", "Mars/Olympus", "", "",
          "000144", "", expect=["timezone_unknown"]),
        g("312-555-0163", "Tova", "Specimen", "tova@example.com", "", "", "america/chicago",
          "", "", "000145", "", expect="+13125550163"),
        g("312-555-0164", "Uma", "Example", "uma@example.org", "", "", "Eastern", "", "",
          "000146", "", expect="+13125550164"),
        g("098765 43210", "Vikram", "Udaharan", "vikram@example.net", "", "",
          "Asia/Kolkata", "", "IN", "000147", "", expect="+919876543210"),
        g("646-555-0165", "Wren", "Sample", "wren@example.com", "", TAGS_21, "", "", "",
          "000148", "", expect=["tags_too_many"]),
        g("646-555-0166", "Xena", "Example", "xena@example.org", "", TAGS_22_TO_20, "",
          "22 tag entries, 20 after de-duplication", "", "000149", "",
          expect="+16465550166"),
        g("646-555-0167", "Yusuf", "Demo", "yusuf@example.net", "Medium", "",
          "America/Los_Angeles", 'Line one of the note\nLine two, with a comma and "quotes"',
          "", "000150", "", expect="+16465550167"),
        # Unquoted comma inside notes: every field after notes shifts right by one and the
        # row ends with a non-empty 12th field; the country cell now holds words.
        raw("+1 312 555 0177,Zeynep,Example,zeynep@example.com,medium,webinar,"
            "America/Chicago,Call after lunch, not before 1pm,US,000151,800",
            expect=["row_too_many_values", "country_unknown"]),
        BLANK,
        g("+44 7700 900123", "Ada", "Dramafield", "ada.drama@example.com", "", "", "", "",
          "", "000152", "", expect=["phone_invalid"]),
        g("646-555-0170", "Bram", "Example", "bram @example.com", "asap!", "", "Mars/Olympus",
          "", "", "000153", "",
          expect=["email_invalid", "priority_invalid", "timezone_unknown"]),
        g("none", "Cleo", "Sample", "cleo@localhost", "", "", "", "", "", "000154", "",
          expect=["phone_placeholder", "email_invalid"]),
        # Rejected row (e-mail) whose phone comes back valid later: the later row is the
        # first *valid* occurrence, so it is accepted, not a duplicate.
        g("646-555-0171", "Dario", "Specimen", "dario@localhost", "", "", "", "", "",
          "000155", "", expect=["email_invalid"]),
        g("646.555.0171", "Dario", "Specimen", "dario@example.com", "", "", "", "", "",
          "000156", "", expect="+16465550171"),
        # "+" wins over the row's country column.
        g("+33 6 12 34 56 78", "Zoë", "Exemple", "zoe@example.net", "", "", "Europe/Paris",
          "", "US", "000157", "", expect="+33612345678"),
        # Trailing delimiter: a 12th field that is empty is not "too many values".
        raw("415-555-0140,Edda,Sample,edda.sample@example.org,low,,,,,000158,,",
            expect="+14155550140"),
        # Short row: trailing fields missing entirely.
        raw("415-555-0141,Femi", expect="+14155550141"),
        g("(11) 98765-4322", "João", "Exemplo", "joao@example.com", "", "",
          "America/Sao_Paulo", "", "BR", "000159", "", expect="+5511987654322"),
        g("612 34 56 79", "José", "Ejemplo", "jose@example.net", "", "", "Europe/Madrid", "",
          "ES", "000160", "", expect="+34612345679"),
        g("unknown", "Greta", "Demo", "greta.demo@example.org", "", "", "", "", "", "000161",
          "", expect=["phone_placeholder"]),
        g("  +1 415 555 0143  ", "Hugo", "Example", "hugo.example@example.com", "", "", "",
          "surrounding spaces", "", "000162", "", expect="+14155550143"),
        g("1-415-555-0145", "Ines", "Sample", "ines.sample@example.net", "", "",
          "US/Pacific", "", "", "000163", "", expect="+14155550145"),
        g("+1.415.555.0146", "Jonas", "Specimen", "jonas.s@example.com", "URGENT",
          "vip", "Pacific", "", "", "000164", "", expect="+14155550146"),
    ]
    return Sheet(GENERIC_HEADER, rows)


def european_sheet() -> Sheet:
    """excel_european.csv: cp1252, ';', DE/FR/ES national numbers."""
    rows = [
        g("030 23125124", "Jürgen", "Weiß", "juergen.weiss@example.com", "high",
          "Messe, Herbst", "Europe/Berlin", "Rückruf erbeten, Angebot 2,5 % Rabatt", "DE",
          "000901", "1.500 €", expect="+493023125124", key="juergen"),
        g("0151 23456789", "Grete", "Mustermann", "grete@example.org", "", "",
          "Europe/Berlin", "Preis ca. 12,50 € pro Monat", "DE", "000902", "750 €",
          expect="+4915123456789"),
        g("030/23125126", "Jörg", "Straßburger-Beispiel", "joerg@example.net", "low", "",
          "", "Schrägstrich-Schreibweise", "DE", "000903", "2.000 €",
          expect="+493023125126"),
        g("06 12 34 56 78", "Hélène", "Exemple", "helene@example.com", "medium", "salon",
          "Europe/Paris", "Rappeler après 14h", "FR", "000904", "3.200,50 €",
          expect="+33612345678"),
        g("01 42 68 53 00", "François", "Dupont-Exemple", "francois@example.org", "", "",
          "Europe/Paris", "", "FR", "000905", "", expect="+33142685300"),
        g("+33 (0)6 12 34 56 80", "Amélie", "Exemple", "amelie@example.net", "", "", "", "",
          "FR", "000906", "", expect="+33612345680"),
        g("612 34 56 78", "Begoña", "Ejemplo", "begona@example.com", "urgent", "feria",
          "Europe/Madrid", "Llamar mañana; no antes de las 10", "ES", "000907", "1.250 €",
          expect="+34612345678"),
        g("91 123 45 67", "Íñigo", "Muñoz-Ejemplo", "inigo@example.org", "", "",
          "Europe/Madrid", "", "ES", "000908", "", expect="+34911234567"),
        # Same as Jürgen, written internationally.
        g("+49 30 23125124", "Jürgen", "Weiß", "j.weiss@example.com", "", "", "", "", "DE",
          "000909", "", expect=dup("juergen")),
        g("0049 30 23125125", "Käthe", "Beispiel", "kaethe@example.net", "", "", "", "",
          "DE", "000910", "", expect="+493023125125"),
        g("030 23125127", "Günther", "Testfall", "guenther@example.com", "Hoch", "", "", "",
          "DE", "000911", "", expect=["priority_invalid"]),
        # French national number but no country: parsed with default region US -> invalid.
        g("06 12 34 56 79", "Chloé", "Exemple", "chloe@example.org", "", "", "", "", "",
          "000912", "", expect=["phone_invalid"]),
        g("0176 12345679", "Björn", "Prüfer", "bjoern@example.net", "", "", "Europe/Berlin",
          "Budget 1.000,00 €; evtl. mehr", "DE", "000913", "1.000,00 €",
          expect="+4917612345679"),
        g("0033 6 12 34 56 81", "Noël", "Essai", "noel@example.com", "", "", "", "", "FR",
          "000914", "", expect="+33612345681"),
        g("siehe E-Mail", "Søren", "Prøve", "soeren@example.org", "", "", "", "Telefon fehlt", "DE",
          "000915", "", expect=["phone_invalid"]),
        g("+34 612 34 56 80", "Ñuria", "Ejemplo", "nuria@example.net", "", "", "", "", "",
          "000916", "", expect="+34612345680"),
        g("0151 23456780", "Ludwig", "Groß", "ludwig@example.com", "", "", "",
          "Größe: 2,5 m²", "DE", "000917", "990 €", expect="+4915123456780"),
        g("07 81 23 45 67", "Renée", "Exemple", "renee@example.org", "", "", "", "", "FR",
          "000918", "", expect="+33781234567"),
    ]
    return Sheet(GENERIC_HEADER, rows)


def pipe_sheet() -> Sheet:
    """crm_export_pipe.csv: latin-1, '|', BR/PT/DK names with ç, ã, ø."""
    rows = [
        g("(11) 98765-4325", "João", "Exemplo", "joao.exemplo@example.com", "high", "crm",
          "America/Sao_Paulo", "Cliente desde 2019", "BR", "000301", "R$ 5.000",
          expect="+5511987654325", key="joao"),
        g("(21) 99876-5432", "Conceição", "Amostra", "conceicao@example.org", "", "",
          "America/Sao_Paulo", "", "BR", "000302", "", expect="+5521998765432"),
        g("+55 21 3123-4567", "Gonçalo", "Teste", "goncalo@example.net", "low", "", "", "",
          "", "000303", "", expect="+552131234567"),
        g("912 345 679", "Sebastião", "Exemplo", "sebastiao@example.com", "", "",
          "Europe/Lisbon", "Ligar à tarde", "PT", "000304", "1.200 EUR",
          expect="+351912345679"),
        g("20 12 34 56", "Søren", "Eksempel", "soeren@example.org", "", "",
          "Europe/Copenhagen", "", "DK", "000305", "", expect="+4520123456"),
        g("+45 20 12 34 57", "Bjørn", "Prøve", "bjoern@example.net", "medium", "", "", "",
          "DK", "000306", "", expect="+4520123457"),
        g("06 12 34 56 83", "Françoise", "Exemple", "francoise@example.com", "", "",
          "Europe/Paris", "", "FR", "000307", "", expect="+33612345683"),
        # Same as João, different punctuation.
        g("+55 11 98765 4325", "João", "Exemplo", "joao@example.net", "", "", "", "", "",
          "000308", "", expect=dup("joao")),
        g("null", "Estêvão", "Amostra", "estevao@example.com", "", "", "", "", "BR",
          "000309", "", expect=["phone_placeholder"]),
        g("(415) 555-0150", "Ada", "Example", "ada.crm@example.org", "", "",
          "America/Los_Angeles", "Nota: ação | follow-up", "", "000310", "",
          expect="+14155550150"),
        g("212 555 0151", "Åse", "Prøve", "aase@example.net", "urgent", "", "", "", "",
          "000311", "", expect="+12125550151"),
        g("(11) 3123", "Inês", "Teste", "ines@example.com", "", "", "", "", "BR",
          "000312", "", expect=["phone_too_short"]),
        g("312 555 0152", "Ðorðe", "Primer", "dorde@example.org", "", "", "Europe/Belgrade",
          "", "", "000313", "", expect="+13125550152"),
        g("646 555 0153", "Ulla", "Ørsted-Eksempel", "ulla@example.net", "", "",
          "Europe/Oslo", "", "", "000314", "", expect="+16465550153"),
        g("(11) 98765-4326", "Tomás", "Exemplo", "tomas.example.com", "", "", "", "", "BR",
          "000315", "", expect=["email_invalid"]),
        g("(11) 98765-4327", "Lúcia", "Amostra", "lucia@example.com", "", "",
          "america/sao_paulo", "", "BR", "000316", "", expect="+5511987654327"),
    ]
    return Sheet(GENERIC_HEADER, rows)


def utf16be_sheet() -> Sheet:
    """utf16_be.csv: ~10 rows with characters beyond latin-1."""
    rows = [
        g("+81 3-1234-5678", "花子", "山田", "hanako@example.com", "high", "", "Asia/Tokyo",
          "", "", "000401", "", expect="+81312345678", key="hanako"),
        g("03-1234-5679", "太郎", "山田", "taro@example.org", "", "", "Asia/Tokyo", "", "JP",
          "000402", "", expect="+81312345679"),
        g("+30 21 0123 4567", "Δοκιμή", "Παράδειγμα", "dokimi@example.net", "", "",
          "Europe/Athens", "", "", "000403", "", expect="+302101234567"),
        g("(415) 555-0160", "Ada", "Example", "ada@example.com", "low", "", "",
          "🌞 prefers mornings", "", "000404", "", expect="+14155550160"),
        g("212-555-0161", "Zoë", "Sample", "zoe@example.org", "", "", "", "", "", "000405",
          "", expect="+12125550161"),
        g("0312345678", "Hanako", "Yamada", "h.yamada@example.net", "", "", "", "", "JP",
          "000406", "", expect=shared("hanako")),
        g("N/A", "Иван", "Пример", "ivan@example.com", "", "", "Europe/Moscow", "", "",
          "000407", "", expect=["phone_placeholder"]),
        g("312.555.0162", "Ayşe", "Örnek", "ayse@example.org", "", "", "Europe/Istanbul", "",
          "", "000408", "", expect="+13125550162"),
        g("646 555 0163", "Nguyễn", "Mẫu", "nguyen@example.net", "", "", "Asia/Ho_Chi_Minh",
          "", "", "000409", "", expect="+16465550163"),
        g("+61 491 570 157", "Wiremu", "Tauira", "wiremu@example.com", "", "",
          "Australia/Sydney", "", "", "000410", "", expect="+61491570157"),
    ]
    return Sheet(GENERIC_HEADER, rows)


def workbook_sheets() -> dict[str, Sheet]:
    """leads.xlsx/.xlsm/.xls/.ods: a Leads sheet (first) and an Archive sheet."""
    leads = [
        # Number cells: the digits the user typed, country code included.
        g(14155550123, "Ada", "Example", "ada@example.com", "High", "vip", "America/New_York",
          "stored as a number", "", "000456", "1500", expect="+14155550123", key="ada"),
        g(442079460456, "Bram", "Sample", "bram@example.org", "", "", "Europe/London",
          "UK number stored as a number", "", "000457", "", expect="+442079460456"),
        # National number stored as a number, row country US.
        g(4155550134, "Cleo", "Specimen", "cleo@example.net", "low", "", "", "", "US",
          "000458", "", expect="+14155550134"),
        # UK national number typed as 02079460457; Excel dropped the leading zero.
        g(2079460457, "Dario", "Placeholder", "dario@example.com", "", "", "Europe/London",
          "leading zero lost", "GB", "000459", "", expect="+442079460457"),
        g(493023125127, "Edda", "Mustermann", "edda@example.org", "", "", "Europe/Berlin", "",
          "", "000460", "", expect="+493023125127"),
        g("+1 212 555 0105", "Femi", "Example", "femi@example.net", "URGENT", "", "", "", "",
          "000461", "", expect="+12125550105"),
        g("(312) 555-0106", "Greta", "Sample", "greta@example.com", "", "webinar, vip", "",
          "", "", "000462", "", expect="+13125550106"),
        g("1.41556E+10", "Hugo", "Specimen", "hugo@example.org", "", "", "", "", "",
          "000463", "", expect=["phone_scientific"]),
        g("+1 415-555-0123", "Ada", "Example", "ada2@example.net", "", "", "", "", "",
          "000464", "", expect=dup("ada")),
        g("", "Ines", "Demo", "ines@example.com", "", "", "", "", "", "000465", "",
          expect=["phone_missing"]),
        g("N/A", "Jonas", "Example", "jonas@example.org", "", "", "", "", "", "000466", "",
          expect=["phone_placeholder"]),
        g("030 23125129", "Käthe", "Beispiel", "kaethe@example.net", "", "", "Europe/Berlin",
          "", "DE", "000467", "", expect="+493023125129"),
        g("0491 570 158", "Lena", "Sample", "lena@example.com", "medium", "", "", "", "AU",
          "000468", "", expect="+61491570158"),
        g("415-555-0135", "Milo", "Specimen", "milo@example", "", "", "", "", "",
          "000469", "", expect=["email_invalid"]),
        g("415-555-0136", "Nora", "Example", "nora@example.org", "someday", "", "Mars/Olympus",
          "Line one\nLine two", "", "000470", "",
          expect=["priority_invalid", "timezone_unknown"]),
        g(16465550137, "Otto", "Demo", "otto@example.net", "", "", "US/Central", "", "",
          "000471", "", expect="+16465550137"),
        g("646.555.0138 ext 7", "Pia", "Fixture", "pia@example.com", "", "", "", "", "",
          "000472", "", expect="+16465550138"),
    ]
    archive = [
        g("+1 646 555 0180", "Quinn", "Archive", "quinn.archive@example.com", "low", "2025",
          "", "archived", "", "000480", "", expect="+16465550180"),
        g(16465550181, "Rosa", "Archive", "rosa.archive@example.org", "", "2025", "", "", "",
          "000481", "", expect="+16465550181"),
        g("646-555-0182", "Sami", "Archive", "sami.archive@example.net", "", "2025", "", "",
          "", "000482", "", expect="+16465550182"),
        g("(646) 555-0183", "Tova", "Archive", "tova.archive@example.com", "", "2025", "",
          "", "", "000483", "", expect="+16465550183"),
    ]
    return {"Leads": Sheet(GENERIC_HEADER, leads), "Archive": Sheet(GENERIC_HEADER, archive)}


# --------------------------------------------------------------------------------------
# Reference classifier (mirrors the rules the importer is meant to follow)
# --------------------------------------------------------------------------------------

PLACEHOLDERS = {"n/a", "-", "none", "null", "unknown"}
SCIENTIFIC = re.compile(r"^[+-]?\d+(?:[.,]\d+)?[eE][+-]?\d+$")
TZ_NAMES = zoneinfo.available_timezones()
TZ_LOWER = {n.lower(): n for n in TZ_NAMES}
TZ_WORDS = {"eastern", "central", "mountain", "pacific"}
PRIORITIES = {"low", "medium", "high", "urgent"}


def _parse_checked(text: str, region: str | None) -> tuple[str | None, str | None]:
    """Parse with phonenumbers; return (e164, None) or (None, code)."""
    try:
        num = phonenumbers.parse(text, region)
    except NumberParseException as exc:
        et = exc.error_type
        if et in (NumberParseException.TOO_SHORT_NSN, NumberParseException.TOO_SHORT_AFTER_IDD):
            return None, "phone_too_short"
        if et == NumberParseException.TOO_LONG:
            return None, "phone_too_long"
        if et == NumberParseException.INVALID_COUNTRY_CODE and not text.startswith("+"):
            return None, "phone_no_region"
        return None, "phone_invalid"
    reason = phonenumbers.is_possible_number_with_reason(num)
    if reason == ValidationResult.TOO_SHORT:
        return None, "phone_too_short"
    if reason == ValidationResult.TOO_LONG:
        return None, "phone_too_long"
    if not phonenumbers.is_valid_number(num):
        return None, "phone_invalid"
    return phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164), None


def classify_phone(value: Any, region: str | None) -> tuple[str | None, str | None]:
    """Return (e164, None) or (None, rejection code) for one phone cell."""
    if isinstance(value, float):
        if value != int(value):
            return None, "phone_invalid"
        value = int(value)
    if isinstance(value, int):
        # A number cell: the digits as typed. Try the row's region first, then the
        # digits as an international number (country code typed without "+").
        digits = str(value)
        e164, code = _parse_checked(digits, region) if region else (None, "phone_no_region")
        if e164:
            return e164, None
        e164b, _ = _parse_checked("+" + digits, None)
        return (e164b, None) if e164b else (None, code)
    s = str(value).strip()
    if s.lower().startswith("p:"):
        s = s[2:].strip()
    if not s:
        return None, "phone_missing"
    if s.lower() in PLACEHOLDERS or s.lower().startswith("<test lead"):
        return None, "phone_placeholder"
    if SCIENTIFIC.match(s):
        return None, "phone_scientific"
    if not re.search(r"\d", s):
        return None, "phone_invalid"
    if s.startswith("00"):
        s = "+" + s[2:]
    if not s.startswith("+") and not region:
        return None, "phone_no_region"
    return _parse_checked(s, region)


def email_ok(value: str) -> bool:
    """Empty is fine; otherwise needs '@', no whitespace and a dot in the domain."""
    v = value.strip()
    if not v:
        return True
    if "@" not in v or re.search(r"\s", v):
        return False
    return "." in v.rsplit("@", 1)[1]


def timezone_ok(value: str) -> bool:
    """IANA name (any case) or one of the plain US words."""
    v = value.strip()
    return not v or v in TZ_NAMES or v.lower() in TZ_LOWER or v.lower() in TZ_WORDS


def tags_ok(value: str) -> bool:
    """At most 20 tags after trimming and case-insensitive de-duplication."""
    seen = {t.strip().casefold() for t in value.split(",") if t.strip()}
    return len(seen) <= 20


def classify_records(
    header: list[str], records: list[list[Any]], mapping: str, region: str | None
) -> dict[str, dict[str, Any]]:
    """Classify data records (header excluded) into expected.json row entries."""
    out: dict[str, dict[str, Any]] = {}
    seen: dict[str, tuple[int, str]] = {}
    width = len(header)
    for i, rec in enumerate(records):
        rowno = i + 2
        if not rec or all(str(v).strip() == "" for v in rec):
            out[str(rowno)] = {"outcome": "blank"}
            continue
        codes: list[str] = []
        extra = rec[width:]
        if any(str(v).strip() for v in extra):
            codes.append("row_too_many_values")
        cells = dict(zip(header, [*rec[:width], *[""] * (width - len(rec))], strict=True))
        if mapping == "facebook":
            phone, email = cells["phone_number"], cells["email"]
            prio = tags = tz = ""
            row_region = region
        else:
            phone, email = cells["phone"], cells["email"]
            prio, tags, tz = cells["priority"], cells["tags"], cells["timezone"]
            country = str(cells["country"]).strip()
            row_region = country.upper() if re.fullmatch(r"[A-Za-z]{2}", country) else region
            if country and not re.fullmatch(r"[A-Za-z]{2}", country):
                codes.append("country_unknown")  # never read in the default region instead
                row_region = None
        e164, pcode = (None, None) if row_region is None and codes[-1:] == ["country_unknown"] \
            else classify_phone(phone, row_region)
        if pcode:
            codes.append(pcode)
        if not email_ok(str(email)):
            codes.append("email_invalid")
        if str(prio).strip() and str(prio).strip().lower() not in PRIORITIES:
            codes.append("priority_invalid")
        if not tags_ok(str(tags)):
            codes.append("tags_too_many")
        if not timezone_ok(str(tz)):
            codes.append("timezone_unknown")
        if codes:
            out[str(rowno)] = {"outcome": "rejected",
                               "codes": sorted(codes, key=CODE_ORDER.index)}
        elif e164 in seen:
            first, person = seen[e164]
            out[str(rowno)] = {"outcome": "duplicate", "of": first}
            if person and who(cells) and person != who(cells):
                out[str(rowno)]["shared"] = True  # another person on the number
        else:
            assert e164 is not None
            seen[e164] = (rowno, who(cells))
            out[str(rowno)] = {"outcome": "accepted", "phone_e164": e164}
    return out


def who(cells: dict[str, Any]) -> str:
    """The person a row is, for telling a shared number from the same person twice.

    Their name's letters and digits (lower case, no accents), else their e-mail's.
    """
    def letters(text: Any) -> str:
        plain = unicodedata.normalize("NFKD", str(text).casefold())
        return "".join(c for c in plain if c.isalnum() and not unicodedata.combining(c))
    name = "".join(letters(cells.get(k, "")) for k in ("first_name", "last_name", "full_name"))
    return "n:" + name if name else ("e:" + letters(cells["email"]) if letters(cells.get(
        "email", "")) else "")


def intended(sheet: Sheet, first_row: int = 2) -> dict[str, dict[str, Any]]:
    """Turn the hand-written ``expect`` values into expected.json row entries."""
    keys = {r.key: i + first_row for i, r in enumerate(sheet.rows) if r.key}
    out: dict[str, dict[str, Any]] = {}
    for i, r in enumerate(sheet.rows):
        e = r.expect
        if e == "blank":
            v: dict[str, Any] = {"outcome": "blank"}
        elif isinstance(e, str):
            v = {"outcome": "accepted", "phone_e164": e, **r.extra}
        elif isinstance(e, tuple) and e[0] == "suppressed":
            v = {"outcome": "suppressed", "code": e[1], "phone_e164": e[2]}
        elif isinstance(e, tuple):
            v = {"outcome": "duplicate", "of": keys[e[1]]}
            if e[0] == "shared":
                v["shared"] = True
        else:
            v = {"outcome": "rejected", "codes": list(e)}
        out[str(i + first_row)] = v
    return out


def check(name: str, sheet: Sheet, computed: dict[str, dict[str, Any]]) -> None:
    """Stop if the recomputed outcomes differ from the hand-written ones."""
    want = intended(sheet)
    if want != computed:
        for k in sorted(set(want) | set(computed), key=int):
            if want.get(k) != computed.get(k):
                print(f"{name} row {k}: intended {want.get(k)} computed {computed.get(k)}",
                      file=sys.stderr)
        raise SystemExit(f"{name}: expected outcomes do not match the classifier")


# --- Exports of ad platforms and CRMs -------------------------------------------------
# Written with the headers each vendor uses; their outcomes are the hand-written
# ``expect`` values (the reference classifier above knows only the Meta and generic
# headers). Each is imported with its built-in mapping and no --region: the rows carry
# a country code or a country column.

GOOGLE_ADS_HEADER = ["Lead Id", "Campaign Id", "Campaign Name", "Form Id", "Form Name",
                     "Date", "Full Name", "User Email", "User Phone", "Work Email",
                     "Work Phone", "Postal Code", "Country", "Company Name", "Job Title",
                     "Is Test"]


def google_ads_sheet() -> Sheet:
    """google_ads_leads.csv: User Phone, Work Phone as the fallback, User/Work Email."""
    def row(n: int, name: str, email: str, phone: str, work_email: str, work_phone: str,
            country: str, company: str, expect: Any, key: str | None = None,
            test: str = "FALSE") -> Row:
        lead = f"TeSter-{n:04d}-Lead"
        return Row([lead, "21500000001", "Solar Search - Lead Form", "9001",
                    "Get a quote", f"2026-11-{n:02d} 10:{n:02d}:00", name, email, phone,
                    work_email, work_phone, f"9{n:04d}", country, company, "Buyer", test],
                   expect, key)
    sheet = Sheet(GOOGLE_ADS_HEADER)
    sheet.rows += [
        row(1, "Avery Example", "avery@example.com", "+14155550140", "", "", "US", "",
            "+14155550140", "avery"),
        row(2, "Blake Sample", "", "", "blake@example.org", "+1 212-555-0141", "US",
            "Sample Inc", "+12125550141"),
        row(3, "Casey Demo", "casey@example.net", "555-01", "", "(312) 555-0142", "US", "",
            "+13125550142"),
        row(4, "Devon Ejemplo", "devon@example.com", "020 7946 0140", "", "", "GB", "",
            "+442079460140"),
        row(5, "Emery Test", "emery@example", "+14155550143", "", "", "US", "",
            ["email_invalid"]),
        row(6, "Finley Muster", "finley@example.org", "", "", "", "DE", "", ["phone_missing"]),
        row(7, "Avery Example", "avery.work@example.com", "+1 (415) 555-0140", "", "", "US",
            "", dup("avery")),
        row(8, "Harper Beispiel", "harper@example.net", "0151 12345680", "", "", "DE", "",
            "+4915112345680"),
    ]
    return sheet


LINKEDIN_HEADER = ["Lead ID", "Submitted On", "Campaign Name", "Form Name", "First Name",
                   "Last Name", "Email Address", "Phone Number", "Company Name", "Job Title",
                   "Country/Region", "City", "How many seats do you need?"]


def linkedin_sheet() -> Sheet:
    """linkedin_leads.csv: LinkedIn Lead Gen Forms, country names, a form question."""
    def row(n: int, first: str, last: str, email: str, phone: str, country: str,
            seats: str, expect: Any, key: str | None = None) -> Row:
        return Row([f"urn:li:lead:{700 + n}", f"2026-11-{n:02d}T09:00:00Z", "Q4 Webinar",
                    "Webinar sign-up", first, last, email, phone, "Example Corp", "Manager",
                    country, "Springfield", seats], expect, key)
    sheet = Sheet(LINKEDIN_HEADER)
    sheet.rows += [
        row(1, "Robin", "Example", "robin@example.com", "(646) 555-0150", "United States",
            "10-50", "+16465550150", "robin"),
        row(2, "Sasha", "Beispiel", "sasha@example.org", "030 12345151", "Germany", "5",
            "+493012345151"),
        row(3, "Taylor", "Exemple", "taylor@example.net", "06 12 34 56 90", "France", "",
            "+33612345690"),
        row(4, "Uma", "Sample", "uma@example.com", "0491 570 150", "Australia", "100+",
            "+61491570150"),
        row(5, "Val", "Demo", "val@example.org", "415-555", "United States", "",
            ["phone_too_short"]),
        row(6, "Robin", "Example", "robin@example.com", "+1 646 555 0150", "United States",
            "", dup("robin")),
        row(7, "Wren", "Ejemplo", "wren@example.net", "020 7946 0151", "United Kingdom",
            "20", "+442079460151"),
    ]
    return sheet


HUBSPOT_HEADER = ["Record ID", "First Name", "Last Name", "Email", "Phone Number",
                  "Mobile Phone Number", "Time Zone", "Country/Region", "Lifecycle Stage",
                  "Lead Status", "Contact owner", "Create Date"]


def hubspot_sheet() -> Sheet:
    """hubspot_contacts.csv: HubSpot contacts export, mobile as fallback, zone slugs."""
    def row(n: int, first: str, last: str, email: str, phone: str, mobile: str, zone: str,
            country: str, expect: Any, key: str | None = None) -> Row:
        return Row([str(51000 + n), first, last, email, phone, mobile, zone, country,
                    "lead", "NEW", "Sam Owner", f"2026-11-{n:02d} 08:00"], expect, key)
    sheet = Sheet(HUBSPOT_HEADER)
    sheet.rows += [
        row(1, "Alex", "Example", "alex@example.com", "+1 415 555 0160", "",
            "america_slash_new_york", "United States", "+14155550160", "alex"),
        row(2, "Bo", "Sample", "bo@example.org", "", "(212) 555-0161",
            "america_slash_chicago", "United States", "+12125550161"),
        row(3, "Cam", "Demo", "cam@example.net", "N/A", "+1 312 555 0162",
            "America/Denver", "United States", "+13125550162"),
        row(4, "Dee", "Ejemplo", "dee@example.com", "020 7946 0160", "",
            "europe_slash_london", "United Kingdom", "+442079460160"),
        row(5, "Eli", "Muster", "eli@example.org", "12", "34", "europe_slash_berlin",
            "Germany", ["phone_invalid"]),
        row(6, "Fay", "Test", "fay@example.net", "+1 646 555 0163", "",
            "mars_slash_olympus", "United States", ["timezone_unknown"]),
        row(7, "Gus", "Example", "gus@example.com", "", "+14155550160", "",
            "United States", shared("alex")),
        row(8, "Hal", "Beispiel", "hal@example.org", "", "", "europe_slash_berlin",
            "Germany", ["phone_missing"]),
    ]
    return sheet


SALESFORCE_API_HEADER = ["Id", "FirstName", "LastName", "Company", "Title", "Email",
                         "Phone", "MobilePhone", "LeadSource", "Status", "Country",
                         "CreatedDate", "DoNotCall"]
SALESFORCE_REPORT_HEADER = ["Lead ID", "First Name", "Last Name", "Company / Account",
                            "Title", "Email", "Phone", "Mobile", "Lead Source",
                            "Lead Status", "Country", "Create Date", "Do Not Call"]


def salesforce_sheet(header: list[str], offset: int) -> Sheet:
    """salesforce_leads*.csv: the same leads with API names or with report labels.

    The Do Not Call checkbox is written as the API writes it (false/true) or as a report
    does (0/1); the last lead has it checked, and is never sent.
    """
    def row(n: int, first: str, last: str, email: str, phone: str, mobile: str,
            source: str, country: str, expect: Any, key: str | None = None,
            dnc: bool = False) -> Row:
        checkbox = ("1" if dnc else "0") if offset else ("true" if dnc else "false")
        return Row([f"00Q5g00000{offset + n:05d}AAA", first, last, "Example Ltd", "Owner",
                    email, phone, mobile, source, "Open - Not Contacted", country,
                    f"2026-11-{n:02d}T12:00:00.000Z", checkbox], expect, key)
    base = 70 + offset
    sheet = Sheet(header)
    sheet.rows += [
        row(1, "Ira", "Example", "ira@example.com", f"(415) 555-01{base}", "", "Web",
            "US", f"+141555501{base}", "ira"),
        row(2, "Jo", "Sample", "jo@example.org", "", f"+1 212 555 01{base + 1}",
            "Phone Inquiry", "USA", f"+121255501{base + 1}"),
        row(3, "Kit", "Demo", "kit@example.net", "ext. 12", f"0491 570 1{base}",
            "Partner Referral", "Australia", f"+614915701{base}"),
        row(4, "Lou", "Ejemplo", "lou@example", f"020 7946 0{base + 1:03d}", "", "Web",
            "United Kingdom", ["email_invalid"]),
        row(5, "Max", "Muster", "max@example.org", "", "", "Trade Show", "Germany",
            ["phone_missing"]),
        row(6, "Ira", "Example", "ira.home@example.com", "", f"+1-415-555-01{base}", "Web",
            "US", dup("ira")),
        row(7, "Noa", "Caller", "noa@example.com", f"(415) 555-01{base + 2}", "", "Web", "US",
            ("suppressed", "dnc_column", f"+141555501{base + 2}"), dnc=True),
    ]
    return sheet


MAILCHIMP_HEADER = ["Email Address", "First Name", "Last Name", "Address", "Phone Number",
                    "Birthday", "MEMBER_RATING", "OPTIN_TIME", "OPTIN_IP", "CONFIRM_TIME",
                    "CONFIRM_IP", "LATITUDE", "LONGITUDE", "GMTOFF", "DSTOFF", "TIMEZONE",
                    "CC", "REGION", "LAST_CHANGED", "LEID", "EUID", "NOTES", "TAGS"]


def mailchimp_sheet() -> Sheet:
    """mailchimp_audience.csv: Mailchimp audience export; CC is each row's country."""
    def row(n: int, email: str, first: str, last: str, phone: str, zone: str, cc: str,
            tags: str, expect: Any, key: str | None = None) -> Row:
        return Row([email, first, last, "", phone, "", "3", f"2026-10-{n:02d} 10:00:00",
                    "", f"2026-10-{n:02d} 10:05:00", "", "", "", "", "", zone, cc, "",
                    f"2026-11-{n:02d} 10:00:00", str(90000 + n), f"e{n:09d}", "", tags],
                   expect, key)
    many = ",".join(f'"t{i:02d}"' for i in range(1, 22))
    sheet = Sheet(MAILCHIMP_HEADER)
    sheet.rows += [
        row(1, "nia@example.com", "Nia", "Example", "(415) 555-0180", "America/Los_Angeles",
            "US", '"Customer","VIP"', "+14155550180", "nia"),
        row(2, "oli@example.org", "Oli", "Sample", "020 7946 0180", "Europe/London", "GB",
            '"Newsletter"', "+442079460180"),
        row(3, "pia@example.net", "Pia", "Beispiel", "0151 12345681", "Europe/Berlin", "DE",
            "", "+4915112345681"),
        row(4, "quin@example.com", "Quin", "Demo", "0491 570 181", "Australia/Sydney", "AU",
            '"Customer"', "+61491570181"),
        row(5, "ray@example.org", "Ray", "Test", "4155550182", "", "", '"Customer"',
            ["phone_no_region"]),
        row(6, "sol@example.net", "Sol", "Ejemplo", "(212) 555-0183", "America/New_York",
            "US", many, ["tags_too_many"]),
        row(7, "nia.two@example.com", "Nia", "Example", "+1 415 555 0180", "", "US", "",
            dup("nia")),
    ]
    return sheet


META_ENGLISH_HEADER = ["Id", "Created Time", "Ad Id", "Ad Name", "Campaign Name",
                       "Form Name", "Platform", "Full Name", "Email", "Phone Number",
                       "What is your budget?"]


def meta_english_sheet() -> Sheet:
    """facebook_english_headers.csv: a Meta download saved with English headers."""
    def row(n: int, name: str, email: str, phone: str, budget: str, expect: Any,
            key: str | None = None) -> Row:
        return Row([f"l:{3000000000000000 + n}", f"2026-11-{n:02d}T10:00:00+0000",
                    f"ag:{120200000000000100 + n}", "Winter promo", "Winter 2026",
                    "Winter quote", "fb", name, email, phone, budget], expect, key)
    sheet = Sheet(META_ENGLISH_HEADER)
    sheet.rows += [
        row(1, "Kim Example", "kim@example.com", "p:+14155550190", "$500", "+14155550190",
            "kim"),
        row(2, "Lee Sample", "lee@example.org", "p:+442079460190", "£1,000", "+442079460190"),
        row(3, "Doe, Max", "max@example.net", "p:+4915112345682", "", "+4915112345682"),
        row(4, "Ned Demo", "ned@example", "p:+12125550191", "$200", ["email_invalid"]),
        row(5, "Kim Example", "kim@example.com", "p:+1 415 555 0190", "$500", dup("kim")),
    ]
    return sheet


# --- B2B prospecting tools and sales CRMs ---------------------------------------------
# Many people of one company share its switchboard (Company Phone, Company HQ Phone,
# Organization - Phone, or a Zoho lead's Phone). The built-ins try the person's own
# numbers first and the switchboard last, so these rows are written to fail if the
# switchboard came first: colleagues listing the same switchboard are each accepted
# with their own number; the first person with only the switchboard is accepted with
# it, a later one is a duplicate that shares it (``shared``); the same person listed
# twice is a plain duplicate (``dup``). A row whose first number another person's row
# already holds is sent with its own other number (an accepted row, with a warning).

APOLLO_HEADER = ["First Name", "Last Name", "Title", "Company", "Company Name for Emails",
                 "Email", "Email Status", "Seniority", "Departments", "Contact Owner",
                 "First Phone", "Work Direct Phone", "Home Phone", "Mobile Phone",
                 "Corporate Phone", "Other Phone", "Stage", "Lists", "Last Contacted",
                 "# Employees", "Industry", "Keywords", "Person Linkedin Url", "Website",
                 "City", "State", "Country", "Company City", "Company State",
                 "Company Country", "Company Phone", "Apollo Contact Id", "Apollo Account Id"]

#: Apollo accounts: name, employees, industry, website, city, state, country, phone.
_APOLLO_NORTHWIND = ("Northwind Example", "250", "computer software", "northwind.example.com",
                     "San Francisco", "California", "United States", "+1 415-555-0100")
_APOLLO_CONTOSO = ("Contoso Example", "1200", "financial services", "contoso.example.com",
                   "New York", "New York", "United States", "+1 212-555-0100")
_APOLLO_FABRIKAM = ("Fabrikam Example", "80", "marketing & advertising",
                    "fabrikam.example.net", "London", "England", "United Kingdom",
                    "+44 20 7946 0100")
_APOLLO_WINGTIP = ("Wingtip Example", "40", "logistics & supply chain", "wingtip.example.org",
                   "Sydney", "New South Wales", "Australia", "")
_APOLLO_LITWARE = ("Litware Example", "15", "education", "litware.example.org", "Austin",
                   "Texas", "United States", "")


def apollo_sheet() -> Sheet:
    """apollo_contacts.csv: Apollo.io contacts export; phones written '+1 ... for Excel."""
    accounts = [_APOLLO_NORTHWIND, _APOLLO_CONTOSO, _APOLLO_FABRIKAM, _APOLLO_WINGTIP,
                _APOLLO_LITWARE]

    def q(phone: str) -> str:
        """Apollo's way of writing a phone: with a leading apostrophe (text for Excel)."""
        return f"'{phone}" if phone else ""

    def row(n: int, first: str, last: str, title: str, seniority: str, email: str,
            account: tuple[str, ...], city: str, state: str, country: str, *,
            direct: str = "", mobile: str = "", home: str = "", other: str = "",
            first_phone: str = "", expect: Any, key: str | None = None,
            warnings: list[str] | None = None) -> Row:
        name, size, industry, site, ccity, cstate, ccountry, phone = account
        # Apollo fills Corporate Phone (and Company Phone) from the account: every
        # contact of the company carries its switchboard.
        return Row([first, last, title, f"{name} Inc", name, email,
                    "Verified" if email else "Unavailable", seniority, "Sales",
                    "Sam Owner", q(first_phone), q(direct), q(home), q(mobile),
                    q(phone), q(other), "Cold", "Q4 prospects",
                    f"2026-10-{n:02d}", size, industry, "saas, b2b",
                    f"http://www.linkedin.com/in/example-{first.lower()}-{last.lower()}",
                    f"http://www.{site}", city, state, country, ccity, cstate, ccountry,
                    q(phone), f"6650a1b2c3d4e5f6a7b8c{n:03d}",
                    f"6650f0e0d0c0b0a090807{accounts.index(account):03d}"], expect, key,
                   extra={"warnings": warnings} if warnings else {})
    nw, contoso, fabrikam, wingtip, litware = accounts
    sf = ("San Francisco", "California", "United States")
    ny = ("New York", "New York", "United States")
    sheet = Sheet(APOLLO_HEADER)
    sheet.rows += [
        # Direct line and mobile; First Phone is the direct line.
        row(1, "Ava", "Example", "VP of Sales", "vp", "ava@example.com", nw, *sf,
            direct="+1 415-555-0181", mobile="+1 415-555-0182",
            first_phone="+1 415-555-0181", expect="+14155550181", key="ava"),
        # No direct line: Apollo's First Phone is the corporate line; the mobile wins.
        row(2, "Ben", "Sample", "Account Executive", "senior", "ben@example.com", nw, *sf,
            mobile="+1 415-555-0183", first_phone="+1 415-555-0100",
            expect="+14155550183"),
        row(3, "Cleo", "Demo", "Sales Manager", "manager", "cleo@example.org", nw, *sf,
            direct="+1 415-555-0184", first_phone="+1 415-555-0184", expect="+14155550184",
            key="cleo"),
        # Only the company's line (First Phone copies Corporate Phone): never sent as
        # the person without a word, so rejected.
        row(4, "Dan", "Muster", "Office Manager", "manager", "dan@example.net", nw, *sf,
            first_phone="+1 415-555-0100", expect=["phone_company_line"]),
        # A UK contact whose direct line is written nationally.
        row(5, "Eve", "Ejemplo", "Marketing Director", "director", "eve@example.net",
            fabrikam, "London", "England", "United Kingdom", direct="020 7946 0182",
            first_phone="020 7946 0182", expect="+442079460182"),
        # A direct line with a digit missing: the mobile is called.
        row(6, "Finn", "Test", "Solutions Engineer", "senior", "finn@example.com", nw, *sf,
            direct="+1 415-555-01", mobile="+1 646-555-0185", first_phone="+1 415-555-01",
            expect="+16465550185", warnings=["Work Direct Phone", "is not a valid number",
                                             "the Mobile Phone number is used"]),
        # Only the company's line, like Dan: rejected too.
        row(7, "Gia", "Beispiel", "Receptionist", "entry", "", nw, *sf,
            first_phone="+1 415-555-0100", expect=["phone_company_line"]),
        # Ava again, from another list: the same person twice.
        row(8, "Ava", "Example", "VP of Sales", "vp", "ava@example.com", nw, *sf,
            direct="+1 415-555-0181", first_phone="+1 415-555-0181", expect=dup("ava")),
        row(9, "Hal", "Exemple", "CTO", "c_suite", "hal@example", contoso, *ny,
            direct="+1 212-555-0186", first_phone="+1 212-555-0186",
            expect=["email_invalid"]),
        row(10, "Ivy", "Sample", "Teacher", "entry", "ivy@example.org", litware, "Austin",
            "Texas", "United States", expect=["phone_missing"]),
        # Cleo's direct line is Jay's too (a team line): Jay is called on his mobile.
        row(11, "Jay", "Example", "Sales Development Rep", "entry", "jay@example.com", nw,
            *sf, direct="+1 415-555-0184", mobile="+1 415-555-0187",
            first_phone="+1 415-555-0184", expect="+14155550187"),
        row(12, "Kai", "Demo", "Operations Lead", "senior", "kai@example.net", wingtip,
            "Sydney", "New South Wales", "Australia", mobile="+61 491 570 185",
            first_phone="+61 491 570 185", expect="+61491570185"),
        # Only a home number, besides the company's line: the home number.
        row(13, "Lia", "Example", "Analyst", "entry", "lia@example.org", contoso, *ny,
            home="+1 646-555-0189", first_phone="+1 212-555-0100",
            expect="+16465550189"),
    ]
    return sheet


ZOOMINFO_HEADER = ["ZoomInfo Contact ID", "Last Name", "First Name", "Middle Name",
                   "Salutation", "Job Title", "Management Level", "Department",
                   "Direct Phone Number", "Email Address", "Mobile phone", "Person City",
                   "Person State", "Person Zip Code", "Country", "ZoomInfo Company ID",
                   "Company Name", "Website", "Company HQ Phone", "Revenue (in 000s USD)",
                   "Employees", "Company Street Address", "Company City", "Company State",
                   "Company Zip Code", "Company Country"]

#: ZoomInfo companies: id, name, website, HQ phone, revenue, employees, street, city,
#: state, ZIP, country.
_ZI_CONTOSO = ("1000201", "Contoso Example LLC", "www.contoso.example.com", "(312) 555-0100",
               "125000", "420", "100 Example Plaza", "Chicago", "Illinois", "60601",
               "United States")
_ZI_TAILSPIN = ("1000202", "Tailspin Example Corp", "www.tailspin.example.com",
                "(212) 555-0100", "56000", "210", "1 Sample Street", "New York", "New York",
                "10013", "United States")
_ZI_ADVENTURE = ("1000203", "Adventure Works Example Ltd", "www.adventure.example.net",
                 "+44 20 7946 0100", "9800", "65", "2 Example Lane", "London", "England",
                 "EC1A 1BB", "United Kingdom")
_ZI_WINGTIP = ("1000204", "Wingtip Example Pty Ltd", "www.wingtip.example.org", "", "4100",
               "38", "3 Demo Road", "Sydney", "New South Wales", "2000", "Australia")
_ZI_LITWARE = ("1000205", "Litware Example Inc", "www.litware.example.org", "", "2300",
               "15", "4 Test Avenue", "Austin", "Texas", "78701", "United States")


def zoominfo_sheet() -> Sheet:
    """zoominfo_contacts.csv: ZoomInfo contact export; Company HQ Phone is the switchboard."""
    def row(n: int, first: str, last: str, title: str, level: str, email: str,
            company: tuple[str, ...], city: str, state: str, zip_code: str, country: str, *,
            direct: str = "", mobile: str = "", expect: Any, key: str | None = None) -> Row:
        cid, name, site, hq, revenue, size, street, ccity, cstate, czip, ccountry = company
        return Row([str(4100000000 + n), last, first, "", "", title, level, "Sales", direct,
                    email, mobile, city, state, zip_code, country, cid, name, site, hq,
                    revenue, size, street, ccity, cstate, czip, ccountry], expect, key)
    chicago = ("Chicago", "Illinois", "60601", "United States")
    sheet = Sheet(ZOOMINFO_HEADER)
    sheet.rows += [
        row(1, "Ana", "Example", "VP of Sales", "VP-Level", "ana@example.com", _ZI_CONTOSO,
            *chicago, direct="(312) 555-0191", mobile="(312) 555-0192",
            expect="+13125550191", key="ana"),
        row(2, "Bo", "Sample", "Account Executive", "Non-Manager", "bo@example.com",
            _ZI_CONTOSO, "New York", "New York", "10013", "United States",
            mobile="(646) 555-0193", expect="+16465550193"),
        # Only the HQ line: the company's, not the person's; rejected.
        row(3, "Cy", "Demo", "Director of Operations", "Director", "cy@example.org",
            _ZI_CONTOSO, *chicago, expect=["phone_company_line"]),
        # ZoomInfo gives the HQ line as Di's direct number too: Di is called on her mobile.
        row(4, "Di", "Muster", "Operations Manager", "Manager", "di@example.net",
            _ZI_CONTOSO, *chicago, direct="(312) 555-0100", mobile="(312) 555-0194",
            expect="+13125550194"),
        # Only the HQ line, like Cy: rejected too.
        row(5, "Ed", "Beispiel", "Office Administrator", "Non-Manager", "ed@example.com",
            _ZI_CONTOSO, *chicago, expect=["phone_company_line"]),
        # Ana again: the same person twice.
        row(6, "Ana", "Example", "VP of Sales", "VP-Level", "ana@example.com", _ZI_CONTOSO,
            *chicago, direct="(312) 555-0191", expect=dup("ana")),
        # A direct number with a digit missing: the mobile is called.
        row(7, "Flo", "Exemple", "Engineer", "Non-Manager", "flo@example.org", _ZI_CONTOSO,
            *chicago, direct="(312) 555-019", mobile="(312) 555-0195",
            expect="+13125550195"),
        # A UK contact whose direct line is written nationally.
        row(8, "Gil", "Ejemplo", "Head of Marketing", "Director", "gil@example.net",
            _ZI_ADVENTURE, "London", "England", "EC1A 1BB", "United Kingdom",
            direct="020 7946 0191", expect="+442079460191"),
        row(9, "Hana", "Test", "Controller", "Manager", "hana.example.com", _ZI_TAILSPIN,
            "New York", "New York", "10013", "United States", direct="(212) 555-0196",
            expect=["email_invalid"]),
        row(10, "Ian", "Sample", "Teacher", "Non-Manager", "ian@example.com", _ZI_LITWARE,
            "Austin", "Texas", "78701", "United States", expect=["phone_missing"]),
        row(11, "Jo", "Demo", "Logistics Lead", "Manager", "jo@example.org", _ZI_WINGTIP,
            "Sydney", "New South Wales", "2000", "Australia", mobile="0491 570 190",
            expect="+61491570190"),
        row(12, "Kim", "Example", "CFO", "C-Level", "kim@example.net", _ZI_TAILSPIN,
            "New York", "New York", "10013", "United States", direct="+1 212-555-0197",
            expect="+12125550197"),
    ]
    return sheet


PIPEDRIVE_HEADER = ["Person - ID", "Person - Name", "Person - First name",
                    "Person - Last name", "Person - Organization", "Person - Email - Work",
                    "Person - Email - Home", "Person - Phone - Work", "Person - Phone - Home",
                    "Person - Phone - Mobile", "Person - Phone - Other", "Person - Job title",
                    "Person - Owner", "Person - Label", "Person - Postal address",
                    "Person - Postal address - City/town/village/locality",
                    "Person - Postal address - State/county",
                    "Person - Postal address - ZIP/Postal code",
                    "Person - Postal address - Country", "Organization - Name",
                    "Organization - Phone"]

#: Pipedrive organizations: name, phone (the switchboard).
_PD_TAILSPIN = ("Tailspin Example Inc", "+1 646 555 0100")
_PD_FABRIKAM = ("Fabrikam Example Ltd", "+44 20 7946 0100")
_PD_WINGTIP = ("Wingtip Example Pty Ltd", "")
_PD_NONE = ("", "")
#: Postal addresses: street, city, state, ZIP, country.
_PD_NEW_YORK = ("1 Sample Street", "New York", "New York", "10013", "United States")
_PD_LONDON = ("2 Example Lane", "London", "England", "EC1A 1BB", "United Kingdom")
_PD_SYDNEY = ("3 Demo Road", "Sydney", "New South Wales", "2000", "Australia")
_PD_NOWHERE = ("", "", "", "", "")


def pipedrive_sheet() -> Sheet:
    """pipedrive_people.csv: Pipedrive people export, "Entity - Field - Label" headers."""
    def row(n: int, first: str, last: str, title: str, org: tuple[str, str],
            address: tuple[str, ...], *, work_email: str = "", home_email: str = "",
            work: str = "", home: str = "", mobile: str = "", other: str = "",
            label: str = "", expect: Any, key: str | None = None) -> Row:
        street, city, state, zip_code, country = address
        full = ", ".join(p for p in (street, city, f"{state} {zip_code}".strip(), country) if p)
        return Row([str(100 + n), f"{first} {last}", first, last, org[0], work_email,
                    home_email, work, home, mobile, other, title, "Sam Owner", label, full,
                    city, state, zip_code, country, org[0], org[1]], expect, key)
    ts, ny = _PD_TAILSPIN, _PD_NEW_YORK
    sheet = Sheet(PIPEDRIVE_HEADER)
    sheet.rows += [
        # The office line as Work, her own mobile: the mobile.
        row(1, "Amy", "Example", "Head of Sales", ts, ny, work_email="amy@example.com",
            work="+1 646 555 0100", mobile="+1 646 555 0111", label="Hot lead",
            expect="+16465550111", key="amy"),
        # Only the office line (the organization's, copied as Work): rejected.
        row(2, "Bea", "Sample", "Office Manager", ts, ny, work_email="bea@example.com",
            work="+1 646 555 0100", expect=["phone_company_line"]),
        row(3, "Carl", "Demo", "Buyer", ts, ny, work_email="carl@example.org",
            work="(646) 555-0100", mobile="(646) 555-0112", expect="+16465550112"),
        # No number of her own, only the organization's: rejected, like Bea.
        row(4, "Dora", "Muster", "Assistant", ts, ny, work_email="dora@example.net",
            expect=["phone_company_line"]),
        # Amy again, a second person record: the same person twice.
        row(5, "Amy", "Example", "Head of Sales", ts, ny, home_email="amy.home@example.com",
            mobile="+1 646 555 0111", expect=dup("amy")),
        # A mobile with a digit missing: the work number is called.
        row(6, "Eli", "Beispiel", "Engineer", ts, ny, work_email="eli@example.org",
            mobile="646-555-01", work="+1 212 555 0114", expect="+12125550114"),
        row(7, "Fay", "Exemple", "Designer", ts, ny, work_email="fay@example",
            mobile="+1 212 555 0115", expect=["email_invalid"]),
        row(8, "Gus", "Ejemplo", "Consultant", _PD_NONE, _PD_NOWHERE,
            work_email="gus@example.com", expect=["phone_missing"]),
        row(9, "Hugo", "Test", "Partner", ts, ny, work_email="hugo@example.com",
            mobile="+1 415 555 0116", expect="+14155550116", key="hugo"),
        # Hugo again, with the office line (Bea's) as Work and his own mobile as Other:
        # that mobile is Hugo's row's. The same person twice.
        row(10, "Hugo", "Test", "Partner", ts, ny, work_email="hugo@example.com",
            work="+1 646 555 0100", other="+1 415 555 0116", expect=dup("hugo")),
        # A UK person whose work number is written nationally.
        row(11, "Ivy", "Example", "Director", _PD_FABRIKAM, _PD_LONDON,
            work_email="ivy@example.net", work="020 7946 0111", expect="+442079460111"),
        # The office line (Bea's) as Work, his own home number: the home number.
        row(12, "Jon", "Sample", "Analyst", ts, ny, work_email="jon@example.com",
            work="+1 646 555 0100", home="+1 646 555 0117", expect="+16465550117"),
        row(13, "Kai", "Demo", "Operations", _PD_WINGTIP, _PD_SYDNEY,
            work_email="kai@example.org", mobile="0491 570 111", expect="+61491570111"),
    ]
    return sheet


ZOHO_HEADER = ["Record Id", "Lead Owner", "Company", "First Name", "Last Name", "Designation",
               "Email", "Phone", "Fax", "Mobile", "Website", "Lead Source", "Lead Status",
               "Industry", "No. of Employees", "Annual Revenue", "Email Opt Out", "Salutation",
               "Secondary Email", "Street", "City", "State", "Zip Code", "Country",
               "Description", "Created Time", "Modified Time"]

#: Zoho lead companies: name, website, industry, employees, revenue.
_ZOHO_LITWARE = ("Litware Example Ltd", "www.litware.example.com", "Manufacturing", "300",
                 "45000000")
_ZOHO_CONTOSO = ("Contoso Example LLC", "www.contoso.example.com", "Financial Services",
                 "1200", "210000000")
_ZOHO_FABRIKAM = ("Fabrikam Example Ltd", "www.fabrikam.example.net", "Advertising", "80",
                  "9000000")
_ZOHO_SMALL = ("Example Trading", "", "Retail", "12", "800000")
#: Addresses: street, city, state, ZIP, country.
_ZOHO_CHICAGO = ("100 Example Plaza", "Chicago", "IL", "60601", "United States")
_ZOHO_NEW_YORK = ("1 Sample Street", "New York", "NY", "10013", "United States")
_ZOHO_SF = ("5 Demo Way", "San Francisco", "CA", "94107", "United States")
_ZOHO_LONDON = ("2 Example Lane", "London", "", "EC1A 1BB", "United Kingdom")
_ZOHO_SYDNEY = ("3 Demo Road", "Sydney", "NSW", "2000", "Australia")
_ZOHO_BERLIN = ("Beispielstraße 4", "Berlin", "Berlin", "10115", "Germany")


def zoho_sheet() -> Sheet:
    """zoho_leads.csv: Zoho CRM leads export; many leads of a company share its Phone."""
    def row(n: int, first: str, last: str, title: str, email: str,
            company: tuple[str, ...], address: tuple[str, ...], *, phone: str = "",
            mobile: str = "", fax: str = "", secondary: str = "", source: str = "Cold Call",
            status: str = "Not Contacted", description: str = "", expect: Any,
            key: str | None = None) -> Row:
        name, site, industry, size, revenue = company
        street, city, state, zip_code, country = address
        return Row([f"zcrm_4876876000000{123400 + n}", "Sam Owner", name, first, last, title,
                    email, phone, fax, mobile, site, source, status, industry, size,
                    revenue, "false", "", secondary, street, city, state, zip_code, country,
                    description, f"2026-11-{n:02d} 09:{n:02d}:00",
                    f"2026-11-{n:02d} 16:{n:02d}:00"], expect, key)
    lw, chi = _ZOHO_LITWARE, _ZOHO_CHICAGO
    sheet = Sheet(ZOHO_HEADER)
    sheet.rows += [
        # The company's main line as Phone, her own mobile: the mobile.
        row(1, "Lea", "Example", "Purchasing Manager", "lea@example.com", lw, chi,
            phone="(312) 555-0100", mobile="(312) 555-0121", fax="(312) 555-0199",
            source="Trade Show", description="Met at the Chicago expo",
            expect="+13125550121", key="lea"),
        # Only the company's main line: the first to use it is called on it.
        row(2, "Mo", "Sample", "Plant Manager", "mo@example.com", lw, chi,
            phone="(312) 555-0100", fax="(312) 555-0199", expect="+13125550100", key="mo"),
        row(3, "Nat", "Demo", "Engineer", "nat@example.org", lw, chi, phone="(312) 555-0100",
            mobile="312.555.0122", expect="+13125550122"),
        # Only the company's main line, which Mo's row already has: shared, a duplicate.
        row(4, "Otto", "Muster", "Buyer", "otto@example.net", lw, chi,
            phone="(312) 555-0100", expect=shared("mo")),
        # Lea again (imported twice): the same person twice.
        row(5, "Lea", "Example", "Purchasing Manager", "lea@example.com", lw, chi,
            phone="(312) 555-0100", mobile="+1 312 555 0121", source="Web Download",
            expect=dup("lea")),
        # A placeholder as the mobile: the Phone is called.
        row(6, "Pam", "Beispiel", "Controller", "pam@example.org", _ZOHO_CONTOSO,
            _ZOHO_NEW_YORK, phone="(212) 555-0123", mobile="N/A", expect="+12125550123"),
        row(7, "Quinn", "Exemple", "Founder", "quinn@example", _ZOHO_SMALL, _ZOHO_SF,
            mobile="(415) 555-0124", expect=["email_invalid"]),
        # Only a fax number: a fax is never called.
        row(8, "Rae", "Ejemplo", "Office Manager", "rae@example.net", lw, chi,
            fax="(312) 555-0199", expect=["phone_missing"]),
        # A UK lead whose phone is written nationally.
        row(9, "Sid", "Test", "Media Buyer", "sid@example.com", _ZOHO_FABRIKAM,
            _ZOHO_LONDON, phone="020 7946 0121", status="Contacted", expect="+442079460121"),
        row(10, "Ted", "Demo", "Director", "ted@example.org", _ZOHO_SMALL, _ZOHO_SYDNEY,
            mobile="0491 570 121", expect="+61491570121"),
        row(11, "Uma", "Muster", "Einkauf", "uma@example.net", _ZOHO_SMALL, _ZOHO_BERLIN,
            mobile="0151 12345691", expect="+4915112345691"),
        # No Email, a Secondary Email.
        row(12, "Vic", "Sample", "Analyst", "", _ZOHO_CONTOSO, _ZOHO_NEW_YORK,
            phone="(646) 555-0125", secondary="vic@example.org", expect="+16465550125"),
    ]
    # A mobile with a digit missing: the Phone is called, and the row says why.
    broken = row(13, "Wyn", "Example", "Buyer", "wyn@example.com", _ZOHO_CONTOSO,
                 _ZOHO_NEW_YORK, phone="(646) 555-0126", mobile="(646) 555-012",
                 expect="+16465550126")
    broken.extra["warnings"] = ["Mobile '(646) 555-012' is not a valid number",
                                "the Phone number is used"]
    sheet.rows.append(broken)
    return sheet


# --- Numbers that must never reach the dialer as someone else's -----------------------

#: Lines above the header of wrong_numbers.csv: a title and a blank line, as many CRM
#: and reporting exports write them. The header is row 3, the first data row row 4.
WRONG_NUMBERS_PREAMBLE = ["Lead list export - November 2026", ""]


def wrong_numbers_sheet() -> Sheet:
    """wrong_numbers.csv: typos, annotations, country cells, zone abbreviations, hidden marks."""
    def w(phone: str, first: str, country: str = "", timezone: str = "", notes: str = "", *,
          expect: Any, key: str | None = None) -> Row:
        n = len(rows) + 1
        return g(phone, first, "Example", f"{first.lower()}.{n}@example.com", "", "", timezone,
                 notes, country, f"{900 + n:06d}", "", expect=expect, key=key)
    rows: list[Row] = []
    specs: list[tuple[tuple[Any, ...], dict[str, Any]]] = [
        # One digit too many, written in national format: a typo, not a foreign number.
        (("415-555-01234", "Abel"), {"expect": ["phone_ambiguous"]}),
        (("(202) 555-01730", "Bea"), {"expect": ["phone_ambiguous"]}),
        (("312.555.01981", "Cai"), {"expect": ["phone_ambiguous"]}),
        (("7911 1234567", "Dov", "GB"), {"expect": ["phone_ambiguous"]}),
        # Bare digits one digit away from a number of the row's country: a typo too.
        (("41555501234", "Dee"), {"expect": ["phone_ambiguous"]}),
        # A number cell that lost its "+": read with its country code, with a warning.
        (("447911123456", "Eli"), {"expect": "+447911123456"}),
        # Words beside the number are cut, never turned into digits; a fax is not called.
        (("089 12345 Fax", "Fay", "DE"), {"expect": ["phone_fax"]}),
        (("+49 30 23125128 privat", "Gus"), {"expect": "+493023125128"}),
        (("(415) 555-0613 (cell)", "Hal"), {"expect": "+14155550613"}),
        (("0151 12345681 mobil", "Ivo", "Deutschland"), {"expect": "+4915112345681"}),
        (("Fax: +1 415 555 0179", "Jan"), {"expect": ["phone_fax"]}),
        (("1-800-FLOWERS", "Kim"), {"expect": "+18003569377"}),
        (("415 555 0180 call after 5", "Lea"), {"expect": ["phone_invalid"]}),
        # Country cells: ISO alpha-3 codes and the names CRMs export; unknown ones reject.
        (("55 1234 5679", "Mo", "MEX"), {"expect": "+525512345679"}),
        (("(912) 345-67-89", "Nia", "Russian Federation"), {"expect": "+79123456789"}),
        (("020 7946 0153", "Oz", "GBR"), {"expect": "+442079460153"}),
        (("030 23125129", "Pia", "DEU"), {"expect": "+493023125129"}),
        (("06 12 34 56 71", "Quin", "The Netherlands"), {"expect": "+31612345671"}),
        (("(415) 555-0177", "Rae", "Narnia"), {"expect": ["country_unknown"]}),
        # Zone abbreviations and Outlook names mean the zone with daylight saving.
        (("(415) 555-0181", "Sol", "", "PST"), {"expect": "+14155550181"}),
        (("(212) 555-0182", "Tia", "", "EST"), {"expect": "+12125550182"}),
        (("(312) 555-0183", "Uri", "", "CST"), {"expect": "+13125550183"}),
        (("(212) 555-0184", "Val", "", "(GMT-05:00) Eastern Time (US & Canada)"),
         {"expect": "+12125550184"}),
        (("(212) 555-0185", "Wim", "", "GMT-5"), {"expect": ["timezone_offset"]}),
        # Invisible marks, full-width characters, tel: and (+44) forms.
        (("\u202a+44 20 7946 0154\u202c", "Xia"), {"expect": "+442079460154"}),
        (("\u200b+1 415 555 0186", "Yan"), {"expect": "+14155550186"}),
        (("\uff0b\uff14\uff14 \uff12\uff10 \uff17\uff19\uff14\uff16 \uff10\uff11\uff15\uff15",
          "Zed"), {"expect": "+442079460155"}),
        (("tel:+1-415-555-0187", "Ada"), {"expect": "+14155550187"}),
        (("(+44) 20 7946 0156", "Bo"), {"expect": "+442079460156"}),
        # A spreadsheet error is not a number.
        (("#N/A", "Cy"), {"expect": ["phone_cell_error"]}),
    ]
    for args, kwargs in specs:
        rows.append(w(*args, **kwargs))
    return Sheet(GENERIC_HEADER, rows)


# --- When the tool cannot be sure, it does not send ----------------------------------

FAIL_CLOSED_HEADER = ["phone", "first_name", "last_name", "email", "country", "zip",
                      "do_not_call", "notes"]


def fail_closed_sheet() -> Sheet:
    """fail_closed.csv: masked digits, do-not-call marks, old dialling prefixes, text marks.

    Read with the generic mapping and no default region, so a national number needs its
    row's country. ``time_zone`` (and ``warnings``) in expected.json are checked too.
    """
    rows: list[Row] = []

    def f(phone: str, first: str, last: str = "Example", country: str = "", zip_code: str = "",
          dnc: str = "", notes: str = "", *, expect: Any, key: str | None = None,
          email: str | None = None, **extra: Any) -> None:
        n = len(rows) + 1
        mail = email if email is not None else f"{first.lower()}.{n}@example.com"
        row = Row([phone, first, last, mail, country, zip_code, dnc, notes], expect, key)
        row.extra = extra
        rows.append(row)

    # Masked digits never become digits: the number is hidden, so nobody is called.
    f("(718) 274-XXXX", "Abe", country="US", expect=["phone_masked"])
    f("347-XXX-XXXX", "Bea", country="US", expect=["phone_masked"])
    f("(646) 310-NNNN", "Cal", country="US", expect=["phone_masked"])
    f("+44 161 496 XXXX", "Dot", expect=["phone_masked"])
    # A vanity number is still a number.
    f("1-800-FLOWERS", "Eve", country="US", expect="+18003569377")
    # The file itself says: do not call.
    f("(212) 555-0160 DNC", "Fin", country="US", expect=("suppressed", "dnc_cell", "+12125550160"))
    f("no llamar", "Gil", country="US", expect=("suppressed", "dnc_cell", ""))
    f("(212) 555-0161", "Hen", country="US", dnc="yes",
      expect=("suppressed", "dnc_column", "+12125550161"))
    f("(212) 555-0162", "Ida", country="US", dnc="maybe",
      expect=("suppressed", "dnc_column", "+12125550162"))
    f("(212) 555-0163", "Jon", country="US", dnc="false", expect="+12125550163",
      time_zone="America/New_York")
    # Mexico's old mobile prefixes and Brazil's any-carrier code are read, not lost.
    f("+52 1 55 1234 5680", "Kai", expect="+525512345680")
    f("044 55 1234 5681", "Lia", country="MX", expect="+525512345681")
    f("045 33 1234 5682", "Max", country="MX", expect="+523312345682")
    f("0xx11 91234-5680", "Ned", country="BR", expect="+5511912345680")
    # A calling code in the country column, however it is written.
    f("020 7946 0160", "Oda", country="0044", expect="+442079460160")
    f("020 7946 0161", "Pam", country="(+44)", expect="+442079460161")
    f("020 7946 0162", "Qiu", country="44", expect="+442079460162")
    # Text marks: a typographic apostrophe and a text formula are read as their text.
    f("\u2019+44 20 7946 0163", "Ray", expect="+442079460163")
    f('="+1 415 555 0164"', "Sue", expect="+14155550164")
    # A ZIP kept as text by a spreadsheet still places the lead.
    f("+1 415 555 0165", "Tom", zip_code='="02134"', expect="+14155550165",
      time_zone="America/New_York")
    f("+1 415 555 0166", "Una", zip_code="'02134", expect="+14155550166",
      time_zone="America/New_York")
    # An area code on two clocks gives no zone unless its exchange is known.
    f("+1 850 555 0167", "Vic", expect="+18505550167", time_zone="",
      warnings=["no time zone is sent: area code 850 spans"])
    f("+1 212 555 0168", "Wes", expect="+12125550168", time_zone="America/New_York")
    # The same person, whatever the spelling of the name: never called twice.
    f("+1 415 555 0170", "Ann", "M. Lee", email="ann.lee@example.com", key="ann",
      expect="+14155550170")
    f("+1 415 555 0170", "Ann", "Lee", email="ann.lee@example.com", expect=dup("ann"))
    f("+1 415 555 0171", "Robert", "Stone", email="bob.stone@example.com", key="bob",
      expect="+14155550171")
    f("+1 415 555 0171", "Bob", "Stone", email="bob.stone@example.com", expect=dup("bob"))
    # A formula saved without its result is no number.
    f("#NO_VALUE!", "Xan", expect=["phone_cell_error"])
    # A name mis-decoded before the file was saved is sent as written, with a warning.
    f("+1 212 555 0172", "Jos\u00c3\u00a9", email="jose.example@example.com",
      expect="+12125550172", warnings=["looks like 'Jos\u00e9' read in the wrong encoding"])
    return Sheet(FAIL_CLOSED_HEADER, rows)


def hidden_sheet_sheets() -> tuple[Sheet, Sheet]:
    """hidden_sheet.xlsx: a hidden first sheet with last month's list, then the one to read."""
    old = Sheet(GENERIC_HEADER, [
        g("(415) 555-0190", "Old", "Copy", "old.copy@example.com", expect="+14155550190"),
        g("(415) 555-0191", "Stale", "Copy", "stale.copy@example.com", expect="+14155550191"),
    ])
    leads = Sheet(GENERIC_HEADER, [
        g("(415) 555-0192", "Ana", "Current", "ana.current@example.com", timezone="PST",
          expect="+14155550192"),
        g("020 7946 0157", "Ben", "Current", "ben.current@example.org", country="GBR",
          expect="+442079460157"),
        g("#N/A", "Cy", "Current", "cy.current@example.net", expect=["phone_cell_error"]),
    ])
    return old, leads


def write_hidden_sheet_xlsx(old: Sheet, leads: Sheet, path: Path) -> None:
    """Write the workbook with its first sheet hidden and the second one active."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    wb.properties.creator = "whiteclad sample_data/generate.py"
    wb.properties.created = FIXED_DOC_TIME
    for name, sheet in (("Last month", old), ("Leads", leads)):
        ws = wb.create_sheet(name)
        ws.append(sheet.header)
        for r in sheet.rows:
            ws.append([v if v != "" else None for v in r.values])
    wb["Last month"].sheet_state = "hidden"
    wb.active = 1
    buf = io.BytesIO()
    wb.save(buf)
    path.write_bytes(normalize_zip(buf.getvalue(), _fix_core))


def vendor_exports() -> list[tuple[str, str, Sheet]]:
    """(file name, built-in mapping, sheet) of every vendor export sample."""
    return [
        ("facebook_english_headers.csv", "facebook", meta_english_sheet()),
        ("google_ads_leads.csv", "google_ads", google_ads_sheet()),
        ("linkedin_leads.csv", "linkedin", linkedin_sheet()),
        ("hubspot_contacts.csv", "hubspot", hubspot_sheet()),
        ("salesforce_leads.csv", "salesforce", salesforce_sheet(SALESFORCE_API_HEADER, 0)),
        ("salesforce_report.csv", "salesforce",
         salesforce_sheet(SALESFORCE_REPORT_HEADER, 10)),
        ("mailchimp_audience.csv", "mailchimp", mailchimp_sheet()),
        ("apollo_contacts.csv", "apollo", apollo_sheet()),
        ("zoominfo_contacts.csv", "zoominfo", zoominfo_sheet()),
        ("pipedrive_people.csv", "pipedrive", pipedrive_sheet()),
        ("zoho_leads.csv", "zoho_crm", zoho_sheet()),
    ]


# --------------------------------------------------------------------------------------
# Writers
# --------------------------------------------------------------------------------------


def csv_text(sheet: Sheet, delimiter: str, newline: str) -> str:
    """Render header and rows as delimited text (minimal quoting, raw rows verbatim)."""
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator=newline)
    w.writerow(sheet.header)
    for r in sheet.rows:
        if r.raw is not None:
            buf.write(r.raw + newline)
        else:
            w.writerow(["" if v is None else str(v) for v in r.values])
    return buf.getvalue()


def meta_text(sheet: Sheet) -> str:
    """Meta's download layout: tab separated, no quoting, CRLF."""
    lines = []
    for vals in [sheet.header, *(r.values for r in sheet.rows)]:
        for v in vals:
            assert not re.search(r'[\t\r\n"]', v), v
        lines.append("\t".join(vals))
    return "\r\n".join(lines) + "\r\n"


def read_csv_back(path: Path, encoding: str, delimiter: str) -> tuple[list[str], list[list[str]]]:
    """Read a written CSV with the csv module."""
    with path.open(encoding=encoding, newline="") as fh:
        recs = list(csv.reader(fh, delimiter=delimiter))
    return recs[0], recs[1:]


def normalize_zip(data: bytes, edit: Callable[[str, bytes], bytes] | None = None) -> bytes:
    """Rebuild a zip with fixed timestamps/attributes (optionally editing members)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if edit:
                body = edit(info.filename, body)
            zi = zipfile.ZipInfo(info.filename, date_time=FIXED_ZIP_TIME)
            zi.compress_type = info.compress_type
            zi.external_attr = 0o644 << 16
            zi.create_system = 0
            dst.writestr(zi, body)
    return out.getvalue()


def _fix_core(name: str, body: bytes) -> bytes:
    if name == "docProps/core.xml":
        stamp = FIXED_DOC_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
        body = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rb"\g<1>" + stamp, body)
    return body


def write_xlsx(sheets: dict[str, Sheet], path: Path, macro: bool) -> bytes:
    """Write with openpyxl; for .xlsm switch the workbook part to the macro content type."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    wb.properties.creator = "whiteclad sample_data/generate.py"
    wb.properties.created = FIXED_DOC_TIME
    for name, sheet in sheets.items():
        ws = wb.create_sheet(name)
        ws.append(sheet.header)
        for r in sheet.rows:
            ws.append([v if v != "" else None for v in r.values])
        for row in ws.iter_rows(min_row=2):
            for cell in row:
                if isinstance(cell.value, int):
                    cell.number_format = "0"
                elif isinstance(cell.value, str):
                    cell.number_format = "@"
        ws.column_dimensions["A"].width = 18
    buf = io.BytesIO()
    wb.save(buf)

    def edit(name: str, body: bytes) -> bytes:
        body = _fix_core(name, body)
        if macro and name == "[Content_Types].xml":
            old = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
            new = b"application/vnd.ms-excel.sheet.macroEnabled.main+xml"
            assert old in body
            body = body.replace(old, new)
        return body

    data = normalize_zip(buf.getvalue(), edit)
    path.write_bytes(data)
    return data


def write_xls(sheets: dict[str, Sheet], path: Path) -> None:
    """Write BIFF8 .xls with xlwt (ints become number cells)."""
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    for name, sheet in sheets.items():
        ws = wb.add_sheet(name)
        for c, h in enumerate(sheet.header):
            ws.write(0, c, h)
        for r_i, r in enumerate(sheet.rows, start=1):
            for c, v in enumerate(r.values):
                if v != "":
                    ws.write(r_i, c, v)
    buf = io.BytesIO()
    wb.save(buf)
    path.write_bytes(buf.getvalue())


def write_ods(sheets: dict[str, Sheet], path: Path) -> None:
    """Write .ods with odfpy (ints become float-typed cells)."""
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    doc = OpenDocumentSpreadsheet()
    for name, sheet in sheets.items():
        table = Table(name=name)
        for vals in [sheet.header, *(r.values for r in sheet.rows)]:
            tr = TableRow()
            for v in vals:
                if isinstance(v, int):
                    tc = TableCell(valuetype="float", value=str(v))
                    tc.addElement(P(text=str(v)))
                elif v == "":
                    tc = TableCell()
                else:
                    tc = TableCell(valuetype="string")
                    for line in str(v).split("\n"):
                        tc.addElement(P(text=line))
                tr.addElement(tc)
            table.addElement(tr)
        doc.spreadsheet.addElement(table)
    buf = io.BytesIO()
    doc.write(buf)

    def edit(name: str, body: bytes) -> bytes:
        if name == "meta.xml":
            body = re.sub(rb"<meta:generator>[^<]*</meta:generator>",
                          b"<meta:generator>whiteclad sample_data/generate.py</meta:generator>",
                          body)
        return body

    path.write_bytes(normalize_zip(buf.getvalue(), edit))


def read_workbook_back(path: Path, sheet: str) -> tuple[list[str], list[list[Any]]] | None:
    """Read a sheet with python_calamine (None if it is not installed)."""
    try:
        from python_calamine import CalamineWorkbook
    except ImportError:
        return None
    wb = CalamineWorkbook.from_path(str(path))
    rows = wb.get_sheet_by_name(sheet).to_python()
    header = [str(h) for h in rows[0]]
    return header, [list(r) for r in rows[1:]]


def tiny_png(rng: random.Random) -> bytes:
    """A 12x12 RGB PNG with stored (level 0) deflate: deterministic and full of NULs."""
    w = h = 12
    raw_px = b"".join(b"\x00" + bytes(rng.randrange(256) for _ in range(w * 3)) for _ in range(h))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
            + chunk(b"IDAT", zlib.compress(raw_px, 0)) + chunk(b"IEND", b""))


# --------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------


def main(argv: Iterable[str] | None = None) -> int:
    """Write every sample file, the broken test inputs and expected.json."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=HERE, help="sample_data directory")
    ap.add_argument("--tests-data", type=Path, default=HERE.parent / "tests" / "data",
                    help="directory for the broken inputs")
    args = ap.parse_args(list(argv) if argv is not None else None)
    out: Path = args.out
    tdata: Path = args.tests_data
    out.mkdir(parents=True, exist_ok=True)
    tdata.mkdir(parents=True, exist_ok=True)

    expected: dict[str, Any] = {}

    def record(name: str, mapping: str, region: str | None, sheet: Sheet,
               header: list[str], recs: list[list[Any]]) -> dict[str, Any]:
        assert header == sheet.header, (name, header)
        rows = classify_records(header, recs, mapping, region)
        check(name, sheet, rows)
        entry: dict[str, Any] = {"mapping": mapping, "region": region, "rows": rows}
        expected[name] = entry
        return entry

    # 1-2. Meta Lead Ads downloads: UTF-16 LE with BOM, tab, CRLF.
    for name, sheet in (("facebook_lead_ads.csv", meta_sheet()),
                        ("facebook_full_name.csv", meta_fullname_sheet())):
        p = out / name
        p.write_bytes(b"\xff\xfe" + meta_text(sheet).encode("utf-16-le"))
        record(name, "facebook", None, sheet, *read_csv_back(p, "utf-16", "\t"))

    # 3-4. Generic UTF-8 CSV, without and with BOM.
    gen = generic_sheet()
    text = csv_text(gen, ",", "\n")
    (out / "generic_leads.csv").write_bytes(text.encode("utf-8"))
    (out / "generic_leads_bom.csv").write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    record("generic_leads.csv", "generic", "US", gen,
           *read_csv_back(out / "generic_leads.csv", "utf-8", ","))
    record("generic_leads_bom.csv", "generic", "US", gen,
           *read_csv_back(out / "generic_leads_bom.csv", "utf-8-sig", ","))

    # 5. European Excel CSV: cp1252, semicolon, CRLF.
    eu = european_sheet()
    (out / "excel_european.csv").write_bytes(csv_text(eu, ";", "\r\n").encode("cp1252"))
    record("excel_european.csv", "generic", "US", eu,
           *read_csv_back(out / "excel_european.csv", "cp1252", ";"))

    # 6. CRM export: latin-1, pipe, LF.
    crm = pipe_sheet()
    (out / "crm_export_pipe.csv").write_bytes(csv_text(crm, "|", "\n").encode("latin-1"))
    record("crm_export_pipe.csv", "generic", "US", crm,
           *read_csv_back(out / "crm_export_pipe.csv", "latin-1", "|"))

    # 7. UTF-16 BE with BOM, comma, CRLF.
    be = utf16be_sheet()
    (out / "utf16_be.csv").write_bytes(b"\xfe\xff" + csv_text(be, ",", "\r\n").encode("utf-16-be"))
    record("utf16_be.csv", "generic", "US", be, *read_csv_back(out / "utf16_be.csv", "utf-16", ","))

    # 8. Workbooks.
    wbs = workbook_sheets()
    xlsx_bytes = write_xlsx(wbs, out / "leads.xlsx", macro=False)
    write_xlsx(wbs, out / "leads.xlsm", macro=True)
    write_xls(wbs, out / "leads.xls")
    write_ods(wbs, out / "leads.ods")
    for name in ("leads.xlsx", "leads.xlsm", "leads.xls", "leads.ods"):
        entry: dict[str, Any] | None = None
        other: dict[str, Any] = {}
        for sname, sheet in wbs.items():
            back = read_workbook_back(out / name, sname)
            if back is None:  # no python_calamine: fall back to the written values
                back = (sheet.header, [r.values for r in sheet.rows])
            header, recs = back
            if sname == "Leads":
                entry = record(name, "generic", "US", sheet, header, recs)
            else:
                rows = classify_records(header, recs, "generic", "US")
                check(f"{name}:{sname}", sheet, rows)
                other[sname] = {"rows": rows}
        assert entry is not None
        entry["other_sheets"] = other

    # 9. Vendor exports: UTF-8 (with a BOM, as Excel and most CRMs write it), comma, CRLF.
    for name, mapping, sheet in vendor_exports():
        (out / name).write_bytes(b"\xef\xbb\xbf" + csv_text(sheet, ",", "\r\n").encode())
        header, _ = read_csv_back(out / name, "utf-8-sig", ",")
        assert header == sheet.header, name
        expected[name] = {"mapping": mapping, "region": None, "rows": intended(sheet)}

    # 10. Wrong numbers: a title and a blank line above the header; UTF-8 with a BOM.
    wrong = wrong_numbers_sheet()
    preamble = "".join(line + "\r\n" for line in WRONG_NUMBERS_PREAMBLE)
    text = preamble + csv_text(wrong, ",", "\r\n")
    (out / "wrong_numbers.csv").write_bytes(b"\xef\xbb\xbf" + text.encode())
    header_row = len(WRONG_NUMBERS_PREAMBLE) + 1
    with (out / "wrong_numbers.csv").open(encoding="utf-8-sig", newline="") as fh:
        back = list(csv.reader(fh))
    assert back[header_row - 1] == wrong.header
    expected["wrong_numbers.csv"] = {"mapping": "generic", "region": "US",
                                     "header_row": header_row,
                                     "rows": intended(wrong, header_row + 1)}

    # 10b. When the tool cannot be sure: masks, do-not-call marks, old prefixes, text marks.
    fail = fail_closed_sheet()
    (out / "fail_closed.csv").write_bytes(b"\xef\xbb\xbf" + csv_text(fail, ",", "\r\n").encode())
    header, _ = read_csv_back(out / "fail_closed.csv", "utf-8-sig", ",")
    assert header == fail.header
    expected["fail_closed.csv"] = {"mapping": "generic", "region": None, "rows": intended(fail)}

    # 11. A workbook whose hidden first sheet holds an old copy: the active sheet is read.
    old_sheet, current = hidden_sheet_sheets()
    write_hidden_sheet_xlsx(old_sheet, current, out / "hidden_sheet.xlsx")
    back = read_workbook_back(out / "hidden_sheet.xlsx", "Leads")
    assert back is None or back[0] == current.header
    expected["hidden_sheet.xlsx"] = {"mapping": "generic", "region": "US", "sheet": "Leads",
                                     "rows": intended(current)}

    # 12. Broken inputs.
    (tdata / "empty.csv").write_bytes(b"")
    (tdata / "header_only.csv").write_bytes((",".join(GENERIC_HEADER) + "\n").encode())
    (tdata / "not_a_spreadsheet.csv").write_bytes(tiny_png(random.Random(SEED)))
    (tdata / "corrupt.xlsx").write_bytes(xlsx_bytes[:2000])
    mixed = (",".join(GENERIC_HEADER) + "\n").encode("ascii")
    mixed += "(415) 555-0123,José,Ejemplo,jose@example.com,,,,,,000701,\n".encode()
    mixed += "(415) 555-0124,Zoë,Exemple,zoe@example.org,,,,,,000702,\n".encode()
    mixed += "(415) 555-0125,Begoña,Ejemplo,begona@example.net,,,,,,000703,\n".encode()
    mixed += "(415) 555-0126,Greta,Müller-Beispiel,greta@example.com,,,,,,000704,\n".encode(
        "cp1252")
    mixed += "(415) 555-0127,Jürgen,Weiß,juergen@example.org,,,,,,000705,1.500 €\n".encode(
        "cp1252")
    (tdata / "mixed_encodings.csv").write_bytes(mixed)

    doc = expected
    (out / "expected.json").write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n",
                                       encoding="utf-8")
    print(f"wrote {len(expected)} sample files + expected.json to {out}, broken inputs to {tdata}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
