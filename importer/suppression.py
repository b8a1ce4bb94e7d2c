"""Do-not-call lists: numbers a run never sends, read once into a compact cache.

A list is a file of phone numbers that must not be called: a national registry's
download (ten-digit numbers, one a line), a team's own list as text, or a CSV or
workbook with a phone column. :func:`load_lists` reads each list with the run's default
country, as the lead file's numbers are read, and gives a :class:`Suppression` that
answers, for each E.164 number, which list and which line of it holds the number.

- A text list holds one entry a line; blank lines and lines starting with ``#`` are
  not entries. Numbers may be written in any format (``(305) 555-0134``,
  ``+1 305 555 0134``, ``3055550134``).
- A CSV or workbook list (by its extension: ``.csv``, ``.tsv``, ``.xlsx``, ...) is read
  by the importer's reader; its phone column is the column whose header names a
  phone, else the one whose values are mostly phone numbers.
- An entry that covers a whole area code or prefix, ``305XXXXXXX`` or ``305*``, holds
  every number that begins with it (read in the default country: +1 305 for US lists).
- An entry that is not a number is left out and counted (:attr:`ListInfo.unread`): a
  list is a safeguard, so one bad line does not stop the run.

The numbers of a list are compiled into a cache in the state folder, two arrays (the
numbers as sorted 64-bit integers, and the line of each) that the next run maps from
disk instead of reading the list again: ten million numbers take 80 MB for the numbers
and 40 MB for the lines, mapped, not read, so the memory they cost is the pages a scrub
touches. The cache is rebuilt when the list's size or modification time changes, or the
default country does. Looking up a chunk of phones is one vectorised binary search.

A list file older than :data:`MAX_LIST_AGE_DAYS` days gets a notice: the US
telemarketing rule (16 CFR 310.4(b)(3)(iv)) wants registry data no older than 31 days.
"""

from __future__ import annotations

import hashlib
import re
import time
from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import phonenumbers

from .errors import UsageError
from .normalize import Phone, normalize_phone
from .reader import ReadOptions, open_source
from .suggest import VALUE_TESTS, name_score

__all__ = [
    "CACHE_DIR",
    "MAX_LIST_AGE_DAYS",
    "ListInfo",
    "Suppression",
    "load_lists",
]

#: Where compiled lists are kept, under the state folder.
CACHE_DIR = "suppression"
MAX_LIST_AGE_DAYS = 31
#: Bumped when the cache's format changes, so that older caches are not read.
_CACHE_VERSION = "1"
_TABLES = {".csv", ".tsv", ".xlsx", ".xlsm", ".xls", ".ods"}
_PREFIX = re.compile(r"\+?(\d{1,14})(?:[xX]+|\*)")
_DIGITS = re.compile(r"\d{10}")


@dataclass(frozen=True)
class ListInfo:
    """One list as a run read it."""

    path: Path
    numbers: int
    prefixes: int
    #: Entries that are no number, left out.
    unread: int
    age_days: float
    #: Seconds spent compiling it this run (0.0 when its cache was used).
    compiled_seconds: float


class _List:
    """One list: its numbers (sorted, with their lines) and its prefixes."""

    def __init__(
        self, path: Path, numbers: np.ndarray, lines: np.ndarray, prefixes: dict[str, int]
    ) -> None:
        self.path = path
        self.numbers = numbers
        self.lines = lines
        self.prefixes = prefixes
        self._starts = tuple(prefixes)


class Suppression:
    """The lists of a run: which of a chunk's phones are on one, and where."""

    def __init__(self, lists: Sequence[_List], infos: Sequence[ListInfo]) -> None:
        self._lists = list(lists)
        self.infos = list(infos)

    def __bool__(self) -> bool:
        return bool(self._lists)

    def find(self, phones: Sequence[str]) -> dict[int, str]:
        """For the E.164 phones given, ``{position: "list file, line N"}`` of those listed."""
        if not self._lists or not phones:
            return {}
        values = np.fromiter((int(p[1:]) if p else -1 for p in phones), np.int64, len(phones))
        found: dict[int, str] = {}
        for listed in self._lists:
            numbers = listed.numbers
            if len(numbers):
                at = np.searchsorted(numbers, values)
                inside = at < len(numbers)
                hit = np.zeros(len(values), dtype=bool)
                hit[inside] = numbers[at[inside]] == values[inside]
                for position in np.flatnonzero(hit).tolist():
                    if position not in found:
                        line = int(listed.lines[at[position]])
                        found[position] = f"{listed.path}, line {line}"
            if listed.prefixes:
                for position, phone in enumerate(phones):
                    if position not in found and phone and phone[1:].startswith(listed._starts):
                        prefix = next(p for p in listed._starts if phone[1:].startswith(p))
                        found[position] = f"{listed.path}, line {listed.prefixes[prefix]}"
        return found

    def notices(self) -> list[str]:
        """Sentences about the lists: stale ones, entries left out."""
        out = []
        for info in self.infos:
            if info.age_days > MAX_LIST_AGE_DAYS:
                out.append(
                    f"suppression list {info.path} is {info.age_days:.0f} days old; the "
                    f"telemarketing rule wants registry data no older than {MAX_LIST_AGE_DAYS} "
                    "days: download it again"
                )
            if info.unread:
                out.append(
                    f"suppression list {info.path}: {info.unread} entries are not phone numbers "
                    "and were left out"
                )
        return out


def load_lists(paths: Sequence[Path], region: str | None, state_dir: Path) -> Suppression:
    """Read (or map from their caches) the lists ``paths``, numbers read in ``region``."""
    lists, infos = [], []
    for path in paths:
        listed, info = _load(Path(path), region, state_dir / CACHE_DIR)
        lists.append(listed)
        infos.append(info)
    return Suppression(lists, infos)


def _load(path: Path, region: str | None, cache: Path) -> tuple[_List, ListInfo]:
    try:
        stat = path.stat()
    except OSError as exc:
        raise UsageError(f"--suppress {path}: no such file; check the path") from exc
    age = (time.time() - stat.st_mtime) / 86_400
    key = hashlib.sha256(
        f"{_CACHE_VERSION}\0{path.resolve()}\0{stat.st_size}\0{stat.st_mtime_ns}\0{region}".encode()
    ).hexdigest()[:32]
    base = cache / key
    try:
        numbers = np.load(f"{base}.numbers.npy", mmap_mode="r")
        lines = np.load(f"{base}.lines.npy", mmap_mode="r")
        meta = (base.with_suffix(".meta")).read_text(encoding="utf-8").split("\n")
        unread = int(meta[0])
        prefixes = {p: int(n) for p, n in (item.split(" ") for item in meta[1:] if item)}
        listed = _List(path, numbers, lines, prefixes)
        return listed, ListInfo(path, len(numbers), len(prefixes), unread, age, 0.0)
    except (OSError, ValueError):
        pass
    started = time.perf_counter()
    found, lines_found, prefixes, unread = _read(path, region)
    values = np.frombuffer(found, dtype=np.int64)
    line_of = np.frombuffer(lines_found, dtype=np.int32)
    order = np.argsort(values, kind="stable")
    values, line_of = values[order], line_of[order]
    if len(values):  # a number listed twice keeps its first line
        first = np.concatenate(([True], values[1:] != values[:-1]))
        values, line_of = values[first], line_of[first]
    cache.mkdir(parents=True, exist_ok=True)
    np.save(f"{base}.numbers.npy", values)
    np.save(f"{base}.lines.npy", line_of)
    meta_text = "\n".join([str(unread), *(f"{p} {n}" for p, n in prefixes.items())])
    partial = base.with_suffix(".meta.part")
    partial.write_text(meta_text, encoding="utf-8")
    partial.replace(base.with_suffix(".meta"))  # written last: the cache is whole
    seconds = time.perf_counter() - started
    info = ListInfo(path, len(values), len(prefixes), unread, age, seconds)
    return _List(path, values, line_of, prefixes), info


def _read(path: Path, region: str | None) -> tuple[array[int], array[int], dict[str, int], int]:
    """Every entry of a list: numbers as integers and their lines, prefixes, unread.

    The numbers go into compact arrays as they are read (12 bytes an entry), so that a
    list of tens of millions compiles in bounded memory.
    """
    entries = _table_entries(path) if path.suffix.lower() in _TABLES else _text_entries(path)
    code = phonenumbers.country_code_for_region(region) if region else 0
    nanp = code == 1
    found, lines = array("q"), array("i")
    prefixes: dict[str, int] = {}
    unread = 0
    for line, text in entries:
        if nanp and len(text) == 10 and _DIGITS.fullmatch(text):  # a registry download's line
            found.append(10_000_000_000 + int(text))
            lines.append(line)
            continue
        prefix = _PREFIX.fullmatch(text.replace(" ", "").replace("-", ""))
        if prefix is not None:
            digits = prefix.group(1)
            if not text.lstrip().startswith("+"):
                if not code:
                    unread += 1
                    continue
                digits = f"{code}{digits}"
            prefixes.setdefault(digits, line)
            continue
        read = normalize_phone(text, region)
        if type(read) is Phone:
            found.append(int(read.e164[1:]))
            lines.append(line)
        else:
            unread += 1
    return found, lines, prefixes, unread


def _text_entries(path: Path) -> Iterator[tuple[int, str]]:
    with path.open(encoding="utf-8-sig", errors="replace") as handle:
        for line, raw in enumerate(handle, start=1):
            text = raw.strip()
            if text and not text.startswith("#"):
                yield line, text


def _table_entries(path: Path) -> Iterator[tuple[int, str]]:
    """The phone column's cells of a CSV or workbook list, with their row numbers."""
    with open_source(path, ReadOptions()) as source:
        at: int | None = None
        for chunk in source.chunks():
            if at is None:
                at = _phone_column(source.info.columns, chunk.rows[:200])
                if at is None:
                    raise UsageError(
                        f"--suppress {path}: no column holds phone numbers; name it 'phone' or "
                        "give a text file with one number a line"
                    )
            for number, cells in zip(chunk.numbers, chunk.rows, strict=True):
                if cells[at].strip():
                    yield number, cells[at].strip()


def _phone_column(columns: Sequence[str], rows: Sequence[Sequence[str]]) -> int | None:
    """The phone column: by its header, else by its values."""
    by_name = max(range(len(columns)), key=lambda at: name_score(columns[at], "phone"))
    if name_score(columns[by_name], "phone") >= 80:
        return by_name
    test = VALUE_TESTS["phone"]
    best, share = None, 0.5
    for at in range(len(columns)):
        cells = [row[at] for row in rows if row[at].strip()]
        if cells:
            found = sum(1 for cell in cells if test(cell)) / len(cells)
            if found > share:
                best, share = at, found
    return best
