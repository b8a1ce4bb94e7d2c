"""Seeded benchmark files: lead lists with a realistic mix of phone formats.

About 10% of the rows have an unusable phone (placeholders, Excel's scientific
notation, too short, letters) and about 5% repeat an earlier phone, written
another way. Nothing here is committed: ``make bench`` writes the files under
``bench/data/`` and reuses them while their size and seed match.

    python bench/make_data.py ROWS OUT.csv
    python bench/make_data.py --xlsx ROWS OUT.xlsx
    python bench/make_data.py --realistic ROWS OUT.csv

``--realistic`` writes a file shaped like a real export instead
(:func:`realistic_rows`): eight columns, distinct names, e-mails and numbers, US
numbers written the ways people write them and 12% international numbers.
"""

from __future__ import annotations

import csv
import random
import sys
from collections.abc import Iterator
from pathlib import Path

# Area codes and exchanges that phonenumbers accepts for the US.
US_AREAS = ["201", "202", "206", "212", "213", "305", "312", "404", "415", "503", "512", "617",
            "646", "702", "713", "718", "801", "917"]  # fmt: skip
FIRST = ["Ada", "Bram", "Cleo", "Dara", "Eli", "Fay", "Gus", "Hana", "Ivo", "Jo", "Kai", "Lea"]
LAST = ["Example", "Sample", "Specimen", "Testcase", "Placeholder", "Demo", "Mock", "Dummy"]
TAGS = ["vip", "webinar", "spring-sale", "newsletter", "trial", "partner", "ebook", "event"]
ZONES = ["America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles",
         "Europe/London", "Europe/Berlin", "Asia/Kolkata", "", "", ""]  # fmt: skip
BAD = ["N/A", "-", "", "1.41556E+10", "415-555", "call me", "none", "+1 415 555 012345"]


def us_number(rng: random.Random) -> tuple[str, str, str]:
    """(area code, exchange, line) of a valid US number."""
    return rng.choice(US_AREAS), str(rng.randint(200, 999)), f"{rng.randint(0, 9999):04d}"


def written(rng: random.Random, parts: tuple[str, str, str]) -> str:
    """One US number in one of the ways people write it."""
    area, exchange, line = parts
    style = rng.random()
    if style < 0.2:
        return f"({area}) {exchange}-{line}"
    if style < 0.35:
        return f"{area}.{exchange}.{line}"
    if style < 0.5:
        return f"{area}-{exchange}-{line}"
    if style < 0.6:
        return f"{area}{exchange}{line}"
    if style < 0.75:
        return f"+1 {area} {exchange} {line}"
    if style < 0.85:
        return f"+1{area}{exchange}{line}"
    if style < 0.92:
        return f"p:+1{area}{exchange}{line}"
    return f"001 {area} {exchange} {line}"


FOREIGN = [  # (template, digits to fill): all valid in phonenumbers
    ("+44 20 7946 {}", 4),
    ("+44 7911 {}", 6),
    ("+49 30 {}", 7),
    ("+91 98{}", 8),
    ("+61 491 570 {}", 3),
    ("+33 6 12 {}", 6),
]


def rows(count: int, seed: int = 20261125) -> list[list[str]]:
    """Generate ``count`` data rows (without the header)."""
    rng = random.Random(seed)
    phones: list[tuple[str, str, str]] = []
    out = []
    for i in range(count):
        roll = rng.random()
        if roll < 0.10:
            phone = rng.choice(BAD)
        elif roll < 0.15 and phones:
            phone = written(rng, rng.choice(phones))  # the same number again, written anew
        elif roll < 0.25:
            template, digits = rng.choice(FOREIGN)
            phone = template.format("".join(rng.choice("0123456789") for _ in range(digits)))
        else:
            parts = us_number(rng)
            phones.append(parts)
            phone = written(rng, parts)
        first, last = rng.choice(FIRST), rng.choice(LAST)
        email = f"{first.lower()}.{last.lower()}{i}@example.com"
        tags = ",".join(rng.sample(TAGS, rng.randint(0, 3)))
        out.append(
            [phone, first, last, email, tags, rng.choice(ZONES), f"{rng.randint(0, 99999):05d}"]
        )
    return out


HEADER = ["phone", "first_name", "last_name", "email", "tags", "timezone", "customer_id"]

# --- A file shaped like a real export --------------------------------------------------

#: The header of :func:`realistic_rows`: what a CRM or ad-platform export gives.
REALISTIC_HEADER = ["phone", "first_name", "last_name", "email", "priority", "tags",
                    "timezone", "budget"]  # fmt: skip
_SYLLABLES = ["ka", "ro", "li", "na", "mar", "te", "jo", "an", "el", "sa", "vi", "do", "ber",
              "ta", "mi", "len", "so", "ri", "gan", "tho", "ne", "lu", "ca", "fe"]  # fmt: skip
#: How people and systems write a US number, with how often: (format, weight).
_US_STYLES = [("({a}) {e}-{l}", 25), ("{a}.{e}.{l}", 15), ("+1{a}{e}{l}", 20),
              ("1{a}{e}{l}", 10), ("{a}-{e}-{l}", 15), ("+1 {a} {e} {l}", 10),
              ("{a}{e}{l}", 5)]  # fmt: skip
#: International numbers, written with their country code: (template, digits to fill).
_ABROAD = [("+44 20 7{}", 7), ("+44 7911 {}", 6), ("+49 151 {}", 8), ("+33 6 {}", 8),
           ("+34 6{}", 8), ("+61 4{}", 8), ("+52 55 {}", 8), ("+91 98{}", 8),
           ("+55 11 9{}", 8), ("+353 87 {}", 7)]  # fmt: skip
_PRIORITIES = ["high", "medium", "low", "", "", ""]
_BUDGETS = ["", "$500", "$1,200", "2500", "10000", "$25k", "n/a"]


def _name(rng: random.Random) -> str:
    return "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()


def realistic_rows(count: int, seed: int = 20261129) -> Iterator[list[str]]:
    """Rows like a real export: distinct people, e-mails and numbers, 88% of them US.

    Every number is different (a run finds no duplicates), written the ways people
    write them; about 2% of the phone cells hold nothing usable.
    """
    rng = random.Random(seed)
    areas = [a for a in US_AREAS if a != "555"]
    lines = rng.sample(range(10_000_000), k=min(count, 10_000_000))
    styles, weights = zip(*_US_STYLES, strict=True)
    for i in range(count):
        roll = rng.random()
        line = lines[i % len(lines)]
        if roll < 0.02:
            phone = rng.choice(BAD)
        elif roll < 0.14:
            template, digits = rng.choice(_ABROAD)
            phone = template.format(f"{i:0{digits}d}"[-digits:])
        else:
            # Area codes, exchanges 200-999 that phonenumbers accepts, lines unique per file.
            area = areas[line % len(areas)]
            exchange = str(200 + (line // len(areas)) % 800)
            style = rng.choices(styles, weights)[0]
            phone = style.format(a=area, e=exchange, l=f"{line // 14_400 % 10_000:04d}")
        first, last = _name(rng), _name(rng)
        email = f"{first.lower()}.{last.lower()}.{i}@example.com"
        tags = ",".join(rng.sample(TAGS, rng.randint(0, 2)))
        out = [phone, first, last, email, rng.choice(_PRIORITIES), tags, rng.choice(ZONES),
               rng.choice(_BUDGETS)]  # fmt: skip
        yield out


def write_realistic_csv(count: int, path: Path) -> None:
    """Write the realistic benchmark CSV."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(REALISTIC_HEADER)
        writer.writerows(realistic_rows(count))


def write_csv(count: int, path: Path) -> None:
    """Write a benchmark CSV."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows(count))


def write_xlsx(count: int, path: Path) -> None:
    """Write a benchmark workbook (phones as text, customer ids as numbers)."""
    import openpyxl

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("Leads")
    sheet.append(HEADER)
    for row in rows(count):
        sheet.append([*row[:-1], int(row[-1])])
    workbook.save(path)


if __name__ == "__main__":
    if sys.argv[1] == "--realistic":
        write_realistic_csv(int(sys.argv[2]), Path(sys.argv[3]))
    elif sys.argv[1] == "--xlsx":
        write_xlsx(int(sys.argv[2]), Path(sys.argv[3]))
    else:
        write_csv(int(sys.argv[1]), Path(sys.argv[2]))
