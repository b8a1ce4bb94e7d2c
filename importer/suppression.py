"""Do-not-call lists: numbers a run never sends, read once into a compact cache.

A list is a file of phone numbers that must not be called: a national registry's
download, a team's own list as text, or a CSV or workbook with phone columns.
:func:`load_lists` reads each list and gives a :class:`Suppression` that answers, for
each E.164 number, which list and which line of it holds the number.

Lists fail closed: every line of every list is read, or :func:`load_lists` raises
:class:`~importer.errors.ListError` naming the list, the lines and how to fix them, so
that the run stops before anything is sent. Only ``skip_bad_lines`` (the
``--suppress-skip-bad-lines`` option) goes on without them, and they are counted.

- Text lists hold one entry a line, in any punctuation (``(718) 274-5501``,
  ``+1 718 274 5501``, ``7182745501``), or the registry's flat ``area code,number``
  (``718,2745501``), whatever the file's extension. Blank lines, ``#`` comment lines
  and trailing comments (``7182745501  # asked 2026-02-01``) are not entries.
- A text list whose first line is a header (``Name,Mobile,Home``) is a table: its phone
  columns are those whose header names a phone and that hold a number, and those whose
  cells are mostly numbers; every one of them is listed. Workbooks (``.xlsx``,
  ``.xlsm``, ``.xls``, ``.ods``) are read the same way, every sheet of them.
- Text is UTF-8 (with or without BOM), UTF-16 (with or without BOM) or cp1252, with LF,
  CRLF or CR line ends. ``.gz`` files and ``.zip`` archives are read as they are shipped;
  every file of an archive is a list of its own.
- An entry written without ``+`` is read as North American (the registry's own form)
  when the run has no default country or a North American one. In a run with another
  default country it is read in that country, and also as North American when it has
  that form: both numbers are never called (see :class:`ListInfo.both_readings`).
- Masks make prefixes: X, x, N, n, ``*``, ``#``, ``_`` and ``•`` stand for digits, and
  trailing masked positions cover every number that begins with the digits before them
  (``718-274-XXXX``, ``(718) XXX-XXXX``, ``718*``, ``1-718-*``, ``+1 718*``). A bare
  three-digit entry (``718``) is a North American area code.

The numbers of a list are compiled into a cache in the state folder, two arrays a part
(the numbers as sorted 64-bit integers, and the line of each) that the next run maps
from disk instead of reading the list again: ten million numbers take 80 MB for the
numbers and 40 MB for the lines, mapped, not read. The cache is rebuilt when the list's
size or modification time changes, or the default country or ``skip_bad_lines`` do.
Looking up a chunk of phones is one vectorised binary search.

A list file older than :data:`MAX_LIST_AGE_DAYS` days gets a notice: the US
telemarketing rule (16 CFR 310.4(b)(3)(iv)) wants registry data no older than 31 days.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import re
import shutil
import tempfile
import time
import zipfile
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import numpy as np
import phonenumbers

from .errors import ListError
from .normalize import Phone, normalize_phone
from .private import privately
from .suggest import name_score

__all__ = [
    "CACHE_DIR",
    "MASKS",
    "MAX_LIST_AGE_DAYS",
    "ListInfo",
    "Suppression",
    "load_lists",
    "read_entry",
]

#: Where compiled lists are kept, under the state folder.
CACHE_DIR = "suppression"
MAX_LIST_AGE_DAYS = 31
#: Characters that stand for a hidden digit in a list entry.
MASKS = "XxNn*#_•"
#: Bumped when the cache's format or what is read changes, so that older caches are not read.
_CACHE_VERSION = "2"
_WORKBOOKS = {".xlsx", ".xlsm", ".xls", ".ods"}
#: Bad lines named in an error or notice; the rest are counted.
_SHOWN = 3
_NANP = 10_000_000_000
_PUNCTUATION = re.compile(r"[\s\-.()/\\\u00a0\u2010-\u2015]+")
_MASKED = re.compile(rf"(\d*)([{re.escape(MASKS)}]+)")
_MASK_CHARS = frozenset(MASKS)
_EXTENSION = re.compile(r"\d{7,15}[xX#]\d{1,6}")
_SCIENTIFIC = re.compile(r"[+-]?\d+(?:[.,]\d+)?[eE][+-]?\d+")
#: A trailing comment: "#" after a space, then a word (not a run of masked digits).
_NOT_NUMBERISH = re.compile(rf"[^\d{re.escape(MASKS)}\-.() ]")
_DELIMITERS = "\t,;|"
_AREA_HEADERS = {"areacode", "area", "npa", "ac"}
_PHONE_WORDS = {"home", "work", "office", "landline", "direct", "cell", "mobile", "tel"}
_NOT_PHONE_WORDS = {"email", "mail", "name", "date", "address", "fax", "id"}


class _Bad(Exception):
    """A list entry the tool cannot read, with why in words."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why


@dataclass(frozen=True)
class ListInfo:
    """One list file as a run read it."""

    path: Path
    numbers: int
    prefixes: int
    #: Lines left out (only with ``skip_bad_lines``; otherwise a bad line stops the run).
    lines_skipped: int
    age_days: float
    #: Seconds spent compiling it this run (0.0 when its cache was used).
    compiled_seconds: float
    #: Entries without ``+`` read both in the run's country and as North American.
    both_readings: int = 0
    #: The first lines left out, as "line N 'text': why".
    skipped_examples: tuple[str, ...] = ()


class _List:
    """One part of a list (the file, a sheet, a file of an archive): numbers and prefixes."""

    def __init__(
        self, name: str, numbers: np.ndarray, lines: np.ndarray, prefixes: dict[str, int]
    ) -> None:
        self.name = name
        self.numbers = numbers
        self.lines = lines
        self.prefixes = prefixes
        self._starts = tuple(prefixes)


@dataclass
class _Part:
    """One part of a list as it is compiled."""

    name: str
    numbers: array[int] = field(default_factory=lambda: array("q"))
    lines: array[int] = field(default_factory=lambda: array("i"))
    prefixes: dict[str, int] = field(default_factory=dict)


@dataclass
class _Tally:
    """What compiling a list file found besides numbers: bad lines, double readings."""

    #: The list file's name, left out of the lines named ("line 4", "file b.txt, line 4").
    root: str = ""
    bad: int = 0
    examples: list[str] = field(default_factory=list)
    both: int = 0

    def bad_line(self, where: str, text: str, why: str) -> None:
        self.bad += 1
        if len(self.examples) < _SHOWN:
            where = where.removeprefix(self.root).removeprefix(", ")
            self.examples.append(f"{where} {_quote(text)} {why}")


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
                        found[position] = f"{listed.name}, line {line}"
            if listed.prefixes:
                for position, phone in enumerate(phones):
                    if position not in found and phone and phone[1:].startswith(listed._starts):
                        prefix = next(p for p in listed._starts if phone[1:].startswith(p))
                        found[position] = f"{listed.name}, line {listed.prefixes[prefix]}"
        return found

    @property
    def lines_skipped(self) -> int:
        """Lines of every list left out with ``skip_bad_lines``."""
        return sum(info.lines_skipped for info in self.infos)

    def summary(self) -> dict[str, Any]:
        """The lists as summary.json shows them: numbers, prefixes, lines left out."""
        if not self.infos:
            return {}
        return {
            "lines_skipped": self.lines_skipped,
            "lists": [
                {
                    "path": str(info.path),
                    "numbers": info.numbers,
                    "prefixes": info.prefixes,
                    "lines_skipped": info.lines_skipped,
                    "both_readings": info.both_readings,
                }
                for info in self.infos
            ],
        }

    def notices(self) -> list[str]:
        """Sentences about the lists: stale ones, lines left out, entries read two ways."""
        out = []
        for info in self.infos:
            if info.age_days > MAX_LIST_AGE_DAYS:
                out.append(
                    f"do-not-call list {info.path} is {info.age_days:.0f} days old; the "
                    f"telemarketing rule wants registry data no older than {MAX_LIST_AGE_DAYS} "
                    "days: download it again"
                )
            if info.lines_skipped:
                shown = "; ".join(info.skipped_examples)
                out.append(
                    f"do-not-call list {info.path}: {info.lines_skipped} line(s) could not be "
                    f"read and were left out (--suppress-skip-bad-lines): {shown}; numbers on "
                    "those lines are not suppressed: fix them in the list"
                )
            if info.both_readings:
                out.append(
                    f"do-not-call list {info.path}: {info.both_readings} entries without a "
                    "country code read as numbers of the default country and as North American "
                    "numbers; both are never called: write them with + and the country code to "
                    "say which"
                )
        return out


@privately  # the cache holds the lists' numbers
def load_lists(
    paths: Sequence[Path], region: str | None, state_dir: Path, skip_bad_lines: bool = False
) -> Suppression:
    """Read (or map from their caches) the lists ``paths``, entries without + read in ``region``.

    Raises :class:`ListError` when a line of a list cannot be read, unless
    ``skip_bad_lines``: then the line is left out and counted.
    """
    lists: list[_List] = []
    infos = []
    for path in paths:
        parts, info = _load(Path(path), region, state_dir / CACHE_DIR, skip_bad_lines)
        lists.extend(parts)
        infos.append(info)
    return Suppression(lists, infos)


def read_entry(text: str, region: str | None) -> tuple[list[int], list[str]]:
    """One list entry: the numbers (E.164 digits as integers) and prefixes it holds.

    Raises ValueError with why, in words, when the entry cannot be read.
    """
    try:
        return _Entries(region).read(text)
    except _Bad as bad:
        raise ValueError(bad.why) from None


def _quote(text: str) -> str:
    shown = text if len(text) <= 60 else text[:57] + "..."
    # A binary file given as a list: its control characters are not printed as they are.
    shown = "".join(ch if ch.isprintable() else "\ufffd" for ch in shown)
    return "'" + shown.replace("'", "\u2019") + "'"


class _Entries:
    """Reads list entries in one default country."""

    def __init__(self, region: str | None) -> None:
        # A list without a default country is read as North American: the registry's form.
        self.region = (region or "US").upper()
        self.code = phonenumbers.country_code_for_region(self.region)
        self.nanp = self.code == 1
        metadata = phonenumbers.PhoneMetadata.metadata_for_region(self.region)
        self.trunk = (metadata.national_prefix if metadata else None) or ""
        self.both = 0

    def readable(self, text: str) -> bool:
        """True when ``text`` is an entry (without counting it among double readings)."""
        both = self.both
        try:
            self.read(text)
        except _Bad:
            return False
        finally:
            self.both = both
        return True

    def read(self, raw: str) -> tuple[list[int], list[str]]:
        """The numbers and prefixes of one entry; raises _Bad."""
        text = _uncomment(raw).strip()
        if text.startswith('="') and text.endswith('"'):  # a spreadsheet's text formula
            text = text[2:-1].strip()
        if len(text) > 1 and text[0] == text[-1] == '"':  # a quoted cell of a one-column CSV
            text = text[1:-1].strip()
        text = text.lstrip("'\u2019").strip()
        if not text:
            raise _Bad("holds no number")
        if _SCIENTIFIC.fullmatch(text):
            raise _Bad(
                "lost digits: a spreadsheet saved it in scientific notation; format the "
                "column as text (or as a number with no decimals) and save the list again"
            )
        plus = text.startswith("+")
        compact = _PUNCTUATION.sub("", text[1:] if plus else text)
        if compact.startswith("00") and compact[2:].isdigit():  # 00: the international prefix
            plus, compact = True, compact[2:]
        if _EXTENSION.fullmatch(compact):  # 718-274-5501 x12: the number, not a mask
            return self._numbers(text, plus, compact), []
        masked = _MASKED.fullmatch(compact)
        if masked is not None:
            return [], self._prefixes(masked.group(1), masked.group(2), plus)
        if any(ch in _MASK_CHARS for ch in compact) and all(
            ch.isdigit() or ch in _MASK_CHARS for ch in compact
        ):
            raise _Bad(
                "has masked digits followed by digits: only masks at the end make a prefix "
                "(718-274-XXXX); write the whole number, or end it with the mask"
            )
        if not plus and compact.isdigit() and len(compact) == 3 and compact[0] in "23456789":
            return [], [f"1{compact}"]  # an area code alone
        return self._numbers(text, plus, compact), []

    def _prefixes(self, digits: str, mask: str, plus: bool) -> list[str]:
        star = "*" in mask
        if star and mask != "*":
            raise _Bad("mixes * with other masks: write 718* or 718-XXX-XXXX")
        if plus:
            national = _national_of(digits)
            if national is None:
                raise _Bad("does not begin with a country code after +: write +1 718*")
            if not national:
                raise _Bad("covers a whole country: give at least the area code (+1 718*)")
            if not star and len(digits) + len(mask) > 15:
                raise _Bad("has more digits and masks than a phone number has")
            if not star and digits[0] == "1" and len(national) + len(mask) != 10:
                raise _Bad(
                    "is not a North American number with masked digits (+1 and ten digits and "
                    "masks, as +1 718-274-XXXX, or +1 718*): fix it"
                )
            return [digits]
        out = []
        nanp = self._nanp_prefix(digits, mask)
        if nanp is not None:
            out.append(nanp)
        if not self.nanp:
            national = digits[len(self.trunk) :] if digits.startswith(self.trunk) else digits
            if national and (star or 4 <= len(national) + len(mask) <= 14):
                out.append(f"{self.code}{national}")
        if not out:
            raise _Bad(self._prefix_why(digits, mask))
        if len(out) == 2:
            self.both += 1
        return out

    def _nanp_prefix(self, digits: str, mask: str) -> str | None:
        national = digits[1:] if digits.startswith("1") else digits
        if not national or national[0] not in "23456789":
            return None
        if mask != "*" and len(national) + len(mask) != 10:
            return None
        return f"1{national}"

    def _prefix_why(self, digits: str, mask: str) -> str:
        if not digits:
            return "covers every number: give at least the area code (718*)"
        if self.nanp:
            return (
                "is not a North American number with masked digits (ten digits and masks, as "
                "718-274-XXXX, or 718*): fix it, or write it with + and its country code"
            )
        return "is not a prefix of a phone number: write it with + and its country code"

    def _numbers(self, text: str, plus: bool, compact: str) -> list[int]:
        if plus and len(compact) == 11 and compact[0] == "1" and compact[1] in "23456789":
            return [_NANP + int(compact[1:])]  # as the registry's ten digits: not checked
        if plus:
            read = normalize_phone(text, None)
            if type(read) is Phone:
                return [int(read.e164[1:])]
            raise _Bad("is not a phone number: fix the line, or delete it")
        nanp_form = compact.isdigit() and (
            (len(compact) == 10 and compact[0] in "23456789")
            or (len(compact) == 11 and compact[0] == "1" and compact[1] in "23456789")
        )
        if self.nanp and nanp_form:
            return [_NANP + int(compact[-10:])]
        out = []
        read = normalize_phone(text, self.region)
        if type(read) is Phone:
            out.append(int(read.e164[1:]))
        if nanp_form and not self.nanp and _NANP + int(compact[-10:]) not in out:
            out.append(_NANP + int(compact[-10:]))
        if not out:
            where = "North American" if self.nanp else f"{self.region}"
            raise _Bad(
                f"is not a {where} phone number: fix the line, write it with + and its "
                "country code, or delete it"
            )
        if len(out) == 2:
            self.both += 1
        return out


def _national_of(digits: str) -> str | None:
    """The digits after the country code they begin with, or None when none does."""
    for size in (1, 2, 3):
        if len(digits) >= size and phonenumbers.region_code_for_country_code(
            int(digits[:size])
        ) not in ("ZZ", None):
            return digits[size:]
    return None


def _uncomment(text: str) -> str:
    """The text before a trailing ``# note`` (a "#" that starts a run of masks is no note)."""
    if text.startswith("#"):
        return ""
    at = text.find("#")
    while at > 0:
        rest = text[at + 1 :]
        if text[at - 1].isspace() and (
            not rest or rest[0].isspace() or _NOT_NUMBERISH.search(rest)
        ):
            return text[:at]
        at = text.find("#", at + 1)
    return text


# Reading files -------------------------------------------------------------------------


def _load(path: Path, region: str | None, cache: Path, skip: bool) -> tuple[list[_List], ListInfo]:
    try:
        stat = path.stat()
    except OSError as exc:
        raise ListError(f"--suppress {path}: no such file; check the path") from exc
    if not path.is_file():
        raise ListError(f"--suppress {path}: not a file; give a list file")
    age = (time.time() - stat.st_mtime) / 86_400
    key = hashlib.sha256(
        f"{_CACHE_VERSION}\0{path.resolve()}\0{stat.st_size}\0{stat.st_mtime_ns}\0{region}\0"
        f"{skip}".encode()
    ).hexdigest()[:32]
    base = cache / key
    try:
        meta = json.loads(base.with_suffix(".meta").read_text(encoding="utf-8"))
        lists = []
        for at, part in enumerate(meta["parts"]):
            numbers = np.load(f"{base}.{at}.numbers.npy", mmap_mode="r")
            lines = np.load(f"{base}.{at}.lines.npy", mmap_mode="r")
            # Named as this run names the file: another spelling of its path maps here too.
            name = f"{path}{part['name']}"
            lists.append(_List(name, numbers, lines, dict(part["prefixes"])))
        info = ListInfo(
            path, sum(len(x.numbers) for x in lists), sum(len(x.prefixes) for x in lists),
            int(meta["skipped"]), age, 0.0, int(meta["both"]), tuple(meta["examples"]),
        )  # fmt: skip
        return lists, info
    except (OSError, ValueError, KeyError, TypeError):
        pass
    started = time.perf_counter()
    tally = _Tally(str(path))
    try:
        parts = _compile(path, region, tally)
    except (OSError, EOFError, zipfile.BadZipFile) as exc:  # a download cut short
        raise ListError(
            f"do-not-call list {path} cannot be read to its end ({exc}); download it again"
        ) from exc
    if tally.bad and not skip:
        raise ListError(_bad_lines_message(path, tally))
    if not any(part.numbers or part.prefixes for part in parts):
        # An empty download would scrub nothing, and say nothing: it is no list.
        raise ListError(
            f"do-not-call list {path} holds no number (only blank lines, comments or a header); "
            "check the file, or download the list again"
        )
    cache.mkdir(parents=True, exist_ok=True)
    lists = []
    for at, part in enumerate(parts):
        values = np.frombuffer(part.numbers, dtype=np.int64)
        line_of = np.frombuffer(part.lines, dtype=np.int32)
        order = np.argsort(values, kind="stable")
        values, line_of = values[order], line_of[order]
        if len(values):  # a number listed twice keeps its first line
            first = np.concatenate(([True], values[1:] != values[:-1]))
            values, line_of = values[first], line_of[first]
        np.save(f"{base}.{at}.numbers.npy", values)
        np.save(f"{base}.{at}.lines.npy", line_of)
        lists.append(_List(part.name, values, line_of, part.prefixes))
    meta_text = json.dumps({
        "parts": [{"name": part.name.removeprefix(str(path)), "prefixes": part.prefixes}
                  for part in parts],
        "skipped": tally.bad, "both": tally.both, "examples": tally.examples,
    })  # fmt: skip
    partial = base.with_suffix(".meta.part")
    partial.write_text(meta_text, encoding="utf-8")
    partial.replace(base.with_suffix(".meta"))  # written last: the cache is whole
    seconds = time.perf_counter() - started
    info = ListInfo(
        path, sum(len(x.numbers) for x in lists), sum(len(x.prefixes) for x in lists),
        tally.bad, age, seconds, tally.both, tuple(tally.examples),
    )  # fmt: skip
    return lists, info


def _bad_lines_message(path: Path, tally: _Tally) -> str:
    more = (
        f"; and {tally.bad - len(tally.examples)} more" if tally.bad > len(tally.examples) else ""
    )
    return (
        f"do-not-call list {path}: {tally.bad} line(s) cannot be read, so nothing is sent: "
        f"{'; '.join(tally.examples)}{more}. Fix or delete those lines in the list (or start "
        "them with # to make them comments); to go on without them, add "
        "--suppress-skip-bad-lines (suppress_skip_bad_lines: true in a profile)"
    )


_Opener = Callable[[], IO[bytes]]


def _compile(path: Path, region: str | None, tally: _Tally) -> list[_Part]:
    """Every part of a list file read: the file itself, its sheets, or its archive's files."""
    with path.open("rb") as handle:
        magic = handle.read(4)
    suffix = path.suffix.lower()
    if magic[:2] == b"\x1f\x8b":
        inner = Path(path.name[:-3] if suffix == ".gz" else path.name)

        def opener() -> IO[bytes]:
            return gzip.open(path, "rb")  # type: ignore[return-value]

        return _compile_stream(str(path), inner.suffix.lower(), opener, region, tally)
    if magic == b"PK\x03\x04" and suffix not in _WORKBOOKS:
        return _compile_zip(path, region, tally)
    if suffix in _WORKBOOKS:
        return _workbook_parts(str(path), path, region, tally)
    return [_text_part(str(path), lambda: path.open("rb"), region, tally)]


def _compile_zip(path: Path, region: str | None, tally: _Tally) -> list[_Part]:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ListError(f"do-not-call list {path}: not a zip archive it can read ({exc})") from exc
    parts: list[_Part] = []
    with archive:
        members = [
            info for info in archive.infolist()
            if not info.is_dir() and not info.filename.startswith("__MACOSX/")
            and not Path(info.filename).name.startswith(".")
        ]  # fmt: skip
        if not members:
            raise ListError(f"do-not-call list {path}: the archive holds no file; check it")
        for member in members:
            name = f"{path}, file {member.filename}"

            def opener(member: zipfile.ZipInfo = member) -> IO[bytes]:
                return archive.open(member)

            parts.extend(
                _compile_stream(name, Path(member.filename).suffix.lower(), opener, region, tally)
            )
    return parts


def _compile_stream(
    name: str, suffix: str, opener: _Opener, region: str | None, tally: _Tally
) -> list[_Part]:
    """A list inside a compressed file: text read as it streams, a workbook from a copy."""
    if suffix in (".zip", ".gz"):
        raise ListError(f"do-not-call list {name}: a compressed file inside another; unpack it")
    if suffix not in _WORKBOOKS:
        return [_text_part(name, opener, region, tally)]
    with tempfile.TemporaryDirectory(prefix="whiteclad-dnc-") as folder:
        copy = Path(folder) / f"list{suffix}"
        with opener() as source, copy.open("wb") as target:
            shutil.copyfileobj(source, target)
        return _workbook_parts(name, copy, region, tally)


def _encoding_of(head: bytes) -> str:
    """The encoding of a text list, from its first bytes: a BOM, else UTF-16's zero bytes."""
    if head.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    sample = head[: len(head) - len(head) % 2]
    if sample.count(0) * 4 >= len(sample) > 0:  # Notepad's "Unicode" without its BOM
        return "utf-16-le" if sample[1::2].count(0) > sample[0::2].count(0) else "utf-16-be"
    return "utf-8"


def _text_part(name: str, opener: _Opener, region: str | None, tally: _Tally) -> _Part:
    """A text list read whole; UTF-8 that does not decode is read again as cp1252."""
    with opener() as handle:
        head = handle.read(4096)
    encoding = _encoding_of(head)
    mark = (tally.bad, len(tally.examples), tally.both)
    try:
        return _read_text(name, opener, encoding, region, tally)
    except UnicodeDecodeError:
        if encoding != "utf-8":
            raise ListError(
                f"do-not-call list {name}: its text does not decode as {encoding}; save it "
                "again as UTF-8"
            ) from None
    tally.bad, tally.both = mark[0], mark[2]
    del tally.examples[mark[1] :]
    return _read_text(name, opener, "cp1252", region, tally)


def _read_text(
    name: str, opener: _Opener, encoding: str, region: str | None, tally: _Tally
) -> _Part:
    part = _Part(name)
    entries = _Entries(region)
    fast = entries.nanp
    found, lines = part.numbers, part.lines
    with opener() as raw:
        errors = "replace" if encoding == "cp1252" else "strict"
        handle = io.TextIOWrapper(raw, encoding=encoding, errors=errors, newline=None)
        rows: Iterator[tuple[int, str]] = enumerate(handle, start=1)
        first = True  # only the first line of entries can be a header
        for line, text in rows:
            text = text.strip()
            # The registry's download: ten digits a line, read without the slower path.
            if fast and len(text) == 10 and text.isdigit() and text[0] not in "01":
                found.append(_NANP + int(text))
                lines.append(line)
                first = False
                continue
            if not text or text[0] == "#":
                continue
            cells = _split(text)
            if first and _is_header(cells, entries):
                if len(cells) > 1:
                    _read_table(part, cells, _csv_rows(rows, _delimiter(text)), entries, tally)
                    break
                continue  # a one-column list's header ("phone")
            first = False
            _add(part, line, text, cells, entries, tally)
    tally.both += entries.both
    return part


def _delimiter(text: str) -> str:
    return next((ch for ch in _DELIMITERS if ch in text), ",")


def _split(text: str) -> list[str]:
    """The cells of a line of a list, when it has several; blank cells are not cells."""
    if not any(ch in text for ch in _DELIMITERS):
        return [text]
    cells = next(csv.reader([_uncomment(text)], delimiter=_delimiter(text)), [])
    return [cell.strip() for cell in cells if cell.strip()] or [text]


def _csv_rows(rows: Iterable[tuple[int, str]], delimiter: str) -> Iterator[tuple[int, list[str]]]:
    for line, text in rows:
        if text.strip() and not text.lstrip().startswith("#"):
            yield line, next(csv.reader([text.rstrip("\r\n")], delimiter=delimiter), [])


def _is_header(cells: Sequence[str], entries: _Entries) -> bool:
    """True when a first line is a header: no cell is an entry, and its words name columns.

    A one-column header must name a phone or the list ("phone", "DNC"): any other words
    are a line the tool cannot read, and say so.
    """
    if any(entries.readable(cell) for cell in cells):
        return False
    if len(cells) == 1:
        words = cells[0].lower()
        return _names_phone(cells[0]) or any(w in words for w in ("dnc", "call", "number"))
    return any(sum(ch.isalpha() for ch in cell) >= 2 for cell in cells)


def _add(
    part: _Part, line: int, text: str, cells: Sequence[str], entries: _Entries, tally: _Tally
) -> None:
    """One line of a list without a header: one entry, or the flat ``area code,number``."""
    if len(cells) == 2 and len(cells[0]) == 3 and cells[0].isdigit():
        entry = cells[0] + cells[1]  # the registry's flat download: 718,2745501
    elif len(cells) == 1:
        entry = cells[0]
    else:
        tally.bad_line(
            f"{part.name}, line {line}", text,
            "holds several values: give the list a first line naming its columns (phone, "
            "mobile, home...), or keep one number a line",
        )  # fmt: skip
        return
    _put(part, line, entry, text, entries, tally)


def _put(part: _Part, line: int, entry: str, shown: str, entries: _Entries, tally: _Tally) -> bool:
    """Add one entry's numbers and prefixes to the list; False when it cannot be read."""
    try:
        numbers, prefixes = entries.read(entry)
    except _Bad as bad:
        tally.bad_line(f"{part.name}, line {line}", shown, bad.why)
        return False
    for number in numbers:
        part.numbers.append(number)
        part.lines.append(line)
    for prefix in prefixes:
        part.prefixes.setdefault(prefix, line)
    return True


def _read_table(
    part: _Part,
    columns: Sequence[str],
    rows: Iterator[tuple[int, list[str]]],
    entries: _Entries,
    tally: _Tally,
) -> None:
    """A list with a header: every phone column's cells, joined to an area code column."""
    head: list[tuple[int, list[str]]] = []
    for row in rows:
        head.append(row)
        if len(head) >= 200:
            break
    phones, area = _phone_columns(columns, [cells for _, cells in head], entries)
    if not phones:
        raise ListError(
            f"do-not-call list {part.name}: no column holds phone numbers (columns: "
            f"{', '.join(columns)}); name the phone column 'phone', or give a text file with "
            "one number a line"
        )
    for line, cells in _chain(head, rows):
        _add_cells(part, line, cells, phones, area, entries, tally)


def _chain(
    head: list[tuple[int, list[str]]], rows: Iterator[tuple[int, list[str]]]
) -> Iterator[tuple[int, list[str]]]:
    yield from head
    yield from rows


def _add_cells(
    part: _Part,
    line: int,
    cells: Sequence[str],
    phones: Sequence[int],
    area: int | None,
    entries: _Entries,
    tally: _Tally,
) -> None:
    prefix = cells[area].strip() if area is not None and area < len(cells) else ""
    for at in phones:
        cell = cells[at].strip() if at < len(cells) else ""
        if not cell:
            continue
        entry = prefix + cell if prefix and len(_PUNCTUATION.sub("", cell)) == 7 else cell
        if not _put(part, line, entry, cell, entries, tally):
            return  # one bad cell is one bad line, counted once


def _names_phone(header: str) -> bool:
    words = set(re.findall(r"[a-z]+", header.lower()))
    if words & _NOT_PHONE_WORDS:
        return False
    return name_score(header, "phone") >= 80 or bool(words & _PHONE_WORDS)


def _phone_columns(
    columns: Sequence[str], rows: Sequence[Sequence[str]], entries: _Entries
) -> tuple[list[int], int | None]:
    """The phone columns (by header or by content) and the area code column."""
    area = next(
        (at for at, name in enumerate(columns) if re.sub(r"[^a-z]", "", name.lower())
         in _AREA_HEADERS),
        None,
    )  # fmt: skip

    def share(at: int) -> float | None:
        cells = [row[at].strip() for row in rows if at < len(row) and row[at].strip()]
        if not cells:
            return None
        read = 0
        for row in rows:
            cell = row[at].strip() if at < len(row) else ""
            if not cell:
                continue
            start = row[area].strip() if area is not None and area < len(row) else ""
            entry = start + cell if start and len(_PUNCTUATION.sub("", cell)) == 7 else cell
            read += entries.readable(entry)
        return read / len(cells)

    shares = {at: share(at) for at in range(len(columns)) if at != area}
    # Every column that may hold a listed number is read, and then every cell of it must
    # be a number: one named as a phone and holding any number, or one mostly of numbers.
    chosen = [
        at for at, found in shares.items()
        if (_names_phone(columns[at]) and (found is None or found > 0))
        or (found is not None and found > 0.5)
    ]  # fmt: skip
    return chosen, area


def _workbook_parts(name: str, path: Path, region: str | None, tally: _Tally) -> list[_Part]:
    """Every sheet of a workbook list with cells (hidden ones too: a listed number is listed)."""
    import python_calamine  # only lists that are workbooks need it

    try:
        workbook = python_calamine.CalamineWorkbook.from_path(str(path))
        sheets = []
        for sheet_name in workbook.sheet_names:
            sheet = workbook.get_sheet_by_name(sheet_name)
            first = (sheet.start or (0, 0))[0] + 1
            rows = [
                (first + at, [_cell_text(value) for value in values])
                for at, values in enumerate(sheet.iter_rows())
            ]
            if any(any(cell.strip() for cell in cells) for _, cells in rows):
                sheets.append((sheet_name, rows))
    except (python_calamine.CalamineError, OSError, ValueError) as exc:
        raise ListError(
            f"do-not-call list {name} cannot be read as a workbook ({exc}); save it again from "
            "the spreadsheet, or as a text file with one number a line"
        ) from exc
    parts = []
    for sheet_name, rows in sheets:
        shown = f"{name}, sheet {sheet_name}" if len(sheets) > 1 else name
        parts.append(_sheet_part(shown, rows, region, tally))
    return parts


def _cell_text(value: object) -> str:
    """A workbook cell as the list's entry: whole numbers without a decimal point."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    return "" if value is None else str(value)


def _sheet_part(
    name: str, rows: list[tuple[int, list[str]]], region: str | None, tally: _Tally
) -> _Part:
    """A sheet's phone columns; its first row is a header unless it holds entries."""
    part = _Part(name)
    entries = _Entries(region)
    rows = [(line, cells) for line, cells in rows if any(cell.strip() for cell in cells)]
    columns = rows[0][1]
    if any(entries.readable(cell) for cell in columns if cell.strip()):
        columns = [""] * len(columns)  # no header: the first row holds entries too
    else:
        rows = rows[1:]
    phones, area = _phone_columns(columns, [cells for _, cells in rows[:200]], entries)
    if not phones:
        raise ListError(
            f"do-not-call list {name}: no column holds phone numbers (columns: "
            f"{', '.join(columns)}); name the phone column 'phone', or give a text file "
            "with one number a line"
        )
    for line, cells in rows:
        _add_cells(part, line, cells, phones, area, entries, tally)
    tally.both += entries.both
    return part
