#!/usr/bin/env python3
"""Write the do-not-call samples of ``sample_data/dnc/``: the same entries in every format.

Each list holds the same four entries, numbers of ``sample_data/generic_leads.csv``:
three numbers and one exchange written with masks (646 555 01XX), so that each list
suppresses the same rows of that file. ``dnc/expected.json`` names, for each list file,
the rows of the lead file it suppresses. Deterministic: the gzip and zip members carry
fixed times, and the workbook's own times are fixed too (its deflate bytes may still
change with another openpyxl or zlib). Run it with a Python that has openpyxl::

    python3 sample_data/generate_dnc.py
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "dnc"
#: The lead file, its mapping and region, and the rows every list suppresses: 415 555 0123
#: (row 2, and row 19 that repeats it), 212 555 0101 (row 3), 312 555 0150 (row 4), and
#: the exchange 646 555 01XX (rows 5, 28, 29 and 36; row 27 is rejected before any list is
#: looked at).
LEADS = {"file": "generic_leads.csv", "mapping": "generic", "region": "US"}
SUPPRESSED = [2, 3, 4, 5, 19, 28, 29, 36]
#: (area code, the rest, a name): the entries of every list.
ENTRIES = [("415", "5550123", "Ada"), ("212", "5550101", "Bram"), ("312", "5550150", "Cleo"),
           ("646", "55501XX", "Dario's office")]  # fmt: skip
FIXED = (2026, 1, 1, 0, 0, 0)


def _written(area: str, rest: str, style: int) -> str:
    """An entry as people write it, in one of four punctuations."""
    head, tail = rest[:3], rest[3:]
    return [f"({area}) {head}-{tail}", f"{area}-{head}-{tail}", f"+1 {area} {head} {tail}",
            f"{area}.{head}.{tail}"][style % 4]  # fmt: skip


def _plain(newline: str = "\n", notes: bool = True) -> str:
    lines = ["# Do-not-call list: one number a line, in any punctuation", ""]
    for at, (area, rest, name) in enumerate(ENTRIES):
        entry = _written(area, rest, at)
        lines.append(f"{entry}  # {name}, asked 2026-02-0{at + 1}" if notes else entry)
    return newline.join(lines) + newline


def _flat() -> str:
    return "".join(f"{area},{rest}\n" for area, rest, _ in ENTRIES)


def _table() -> list[list[str]]:
    """A CRM export: a person a row, their numbers in Mobile, Home or Work."""
    rows = [["Name", "Mobile", "Home", "Work", "Opted out on"]]
    for at, (area, rest, name) in enumerate(ENTRIES):
        cells = ["", "", ""]
        cells[at % 3] = _written(area, rest, at)
        rows.append([name, *cells, f"2026-02-0{at + 1}"])
    return rows


def _csv(rows: list[list[str]], delimiter: str = ",") -> str:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(zipfile.ZipInfo(name, FIXED), data, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def _xlsx(rows: list[list[str]]) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Do not call"
    for row in rows:
        sheet.append(row)
    raw = io.BytesIO()
    book.save(raw)
    members = {}
    with zipfile.ZipFile(raw) as archive:
        for name in archive.namelist():
            data = archive.read(name)
            if name == "docProps/core.xml":  # the times of saving: fixed, for the same bytes
                data = re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", b"2026-01-01T00:00:00Z", data)
            members[name] = data
    return _zip(members)


def files() -> dict[str, bytes]:
    """Every sample list, by file name: the same entries in each format."""
    plain = _plain()
    return {
        "one_a_line.txt": plain.encode("utf-8"),
        "registry_flat.txt": _flat().encode("ascii"),
        "registry_flat.csv": _flat().replace("\n", "\r\n").encode("ascii"),
        "with_header.csv": _csv(_table()).encode("utf-8"),
        "with_header.xlsx": _xlsx(_table()),
        "with_header_semicolon.csv": _csv(
            [[cell.replace("Dario", "Darío") for cell in row] for row in _table()], ";"
        ).encode("cp1252"),
        "with_header.tsv": _csv(_table(), "\t").encode("utf-8"),
        "notepad_unicode.txt": b"\xff\xfe" + _plain("\r\n").encode("utf-16-le"),
        "utf16_no_bom.txt": _plain("\r\n", notes=False).encode("utf-16-le"),
        "utf8_bom_crlf.txt": b"\xef\xbb\xbf" + _plain("\r\n").encode("utf-8"),
        "cp1252_cr.txt": _plain("\r").replace("Dario's", "Darío’s").encode("cp1252"),
        "registry_flat.txt.gz": gzip.compress(_flat().encode("ascii"), mtime=0),
        "registry.zip": _zip({
            "dnc/first_two.txt": "".join(f"{a}{r}\n" for a, r, _ in ENTRIES[:2]).encode(),
            "dnc/the_rest.csv": "".join(f"{a},{r}\n" for a, r, _ in ENTRIES[2:]).encode(),
        }),  # fmt: skip
    }


def main() -> int:
    """Write the lists and dnc/expected.json."""
    OUT.mkdir(exist_ok=True)
    written = files()
    for name, data in written.items():
        (OUT / name).write_bytes(data)
    expected = {"leads": LEADS, "lists": {name: SUPPRESSED for name in sorted(written)}}
    (OUT / "expected.json").write_text(json.dumps(expected, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {len(written)} do-not-call lists and expected.json to {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
