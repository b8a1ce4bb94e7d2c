"""Drop-folder mode: import every file that arrived in an inbox, then file each one away.

:func:`drain_inbox` takes the supported files of the inbox (CSV, TSV, TXT, XLSX,
XLSM, XLS, ODS; not hidden files, not upload names such as ``*.part``, not
sub-folders), oldest first, and imports each one with the same settings. What
happens to a file depends on how its import ended:

=====================================  ============  ======================================
import ended                           exit status   the file
=====================================  ============  ======================================
every row accounted for                0 or 1        moved to ``archive/YYYY-MM-DD/``
the same content delivered before      0             moved to the archive, with a ``.note.txt``
the file cannot be used (unreadable,   2             moved to ``failed/`` with its reports
a mapped column missing)                             and a ``.error.txt`` beside it
an unexpected error on this file       70            moved to ``failed/`` the same way
rows left to send (credits,            3             left in the inbox; the drain stops, and
credentials: the account's trouble)                  the next drain resumes it from the ledger
passing API trouble (5xx, 429, no      75            left in the inbox; the drain goes on with
answer) that outlasted the retries                   the next file; the next drain resumes it
the settings are wrong (credentials,   2 (or 4)      left in the inbox; the drain stops
campaign, mapping file, lock held)
grew while it was imported             0 or 1        left in the inbox: its new rows are the
                                                     next drain's (``imported_so_far``)
changed otherwise while imported       2             moved to ``failed/`` with what was sent
still being written                    -             left for the next drain
cut off for longer than the stall      2             left; named in ``stalled``: a person
limit                                                must look
=====================================  ============  ======================================

A file is still being written when it was modified less than ``settle_seconds``
ago, when its size or time changed while it was read, or when its last record is
cut off (:func:`record_state`). A text file is imported from a copy of the bytes
that were hashed, and is checked again (size, time, sha256) before it is archived.
The first bytes of each text file imported are remembered (their length and
sha256): a longer file starting with the same bytes, in the inbox or in the
archive, is the same delivery grown, and only its records after those bytes are
imported, under the same header and with their own row numbers (the records
imported before become blank lines, which the reader skips). Content already
imported into the same campaign at the same API (by its sha256, whatever the
file's name) is not imported again. The drain's exit status is the most severe of
its files' (0 when the inbox is empty): the highest, except that passing API trouble
(75) ranks just above rows rejected (1), below every status that needs a person
(see :func:`importer.status.severity`). One drain per inbox at a time: a second one
exits at once with ``LockedError`` (exit 4).

Each drain writes ``drain-summary.json`` (every file and its outcome counts) in its
own folder under ``out``, beside the report folder of each file. That folder's name
(``drain-YYYYmmdd-HHMMSS-PROFILE-XXXXXX``, see :func:`drain_id`) is the drain's id: the
``run_id`` of the drain's events. The counts include suppressed rows, by why.

After a drain, :func:`notify_reasons` lists what a person must act on (any exit status but
0 and 1, a file failed or left, a stalled upload, more rejected rows than a limit), and
:func:`notify` posts :func:`notify_text` to a webhook; the face decides with
:func:`should_notify` and the ``notify_on`` level whether to call it.
Every drain that got the inbox reports its end, whatever ended it (see
:func:`drain_inbox`); one killed outright is reported by the next drain of the inbox,
from the marker it left in the state folder.

:func:`drain_options` builds a drain's options from the settings, the same way for
every face.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import mmap
import os
import re
import secrets
import shutil
import socket
import sqlite3
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .client import RetryPolicy
from .config import Settings
from .errors import (
    ImporterError,
    ImportIncomplete,
    InputFileError,
    LedgerError,
    LockedError,
    MappingColumnError,
    storage_error,
)
from .events import emit, run_context
from .ledger import ExclusiveLock, run_key
from .marks import SUPPRESSION_CODES
from .options import CLI_MAPPING, MappingOption, import_options, required_mapping
from .pipeline import ImportOptions, Progress, Summary, run_import
from .private import private_dir, private_file, privately
from .reader import ReadOptions
from .reports import INCOMPLETE_FILE, mark_incomplete
from .status import ExitStatus, most_severe

__all__ = [
    "COUNTS",
    "DELIVERIES_FILE",
    "DRAIN_SUMMARY",
    "SUPPORTED_SUFFIXES",
    "UPLOAD_SUFFIXES",
    "Deliveries",
    "DrainOptions",
    "DrainSummary",
    "FileOutcome",
    "ImportedPart",
    "drain_id",
    "drain_inbox",
    "drain_lock",
    "drain_options",
    "notify",
    "notify_reasons",
    "notify_text",
    "ready_files",
    "record_state",
    "should_notify",
    "stalled_after",
    "upload_name",
    "watch",
]

SUPPORTED_SUFFIXES = frozenset({".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".xls", ".ods"})
DRAIN_SUMMARY = "drain-summary.json"
DELIVERIES_FILE = "deliveries.sqlite3"
COUNTS = ("total", "accepted", "rejected", "duplicates", "suppressed", "pending")
#: Why rows were suppressed (suppressed.csv's ``suppressed_code``), counted per file and
#: in total, so that a do-not-call audit can be done from the drain summary alone.
SUPPRESSED_CODES = tuple(SUPPRESSION_CODES)
#: Names uploaders and browsers give a file while it is being written: never taken.
UPLOAD_SUFFIXES = frozenset({".part", ".filepart", ".tmp", ".crdownload"})
TEXT_SUFFIXES = frozenset({".csv", ".tsv", ".txt"})
ZIP_SUFFIXES = frozenset({".xlsx", ".xlsm", ".ods"})
#: An imported file in the archive is watched this long for a writer still appending to it.
ARCHIVE_WATCH_SECONDS = 7 * 24 * 3600.0
#: A quoted field (from a field's start to its closing quote, or to the end of the data)
#: or a line end; the line ends inside a quoted field are part of the field.
_TOKENS = re.compile(rb'(?:(?<=[,;\t|\r\n])|^)"(?:[^"]|"")*+(?:(?P<close>")|\Z)|\r\n|\n|\r')
#: A quoted field, searched from its quote: a file without quotes is checked at the speed
#: of a search.
_QUOTED = re.compile(rb'"(?:[^"]|"")*+(?:(?P<close>")|\Z)')
_FIELD_ENDS = frozenset({b",", b";", b"\t", b"|", b"\r", b"\n"})


@dataclass(frozen=True)
class DrainOptions:
    """One drain: the inbox, where files go, and the import settings every file gets."""

    inbox: Path
    #: Settings of each import; its ``path`` and ``out_dir`` are set per file.
    template: ImportOptions
    state_dir: Path
    archive: Path | None = None  # default: INBOX/archive
    failed: Path | None = None  # default: INBOX/failed
    out: Path | None = None  # default: INBOX/reports
    settle_seconds: float = 60.0
    #: A file whose last record stays cut off this long is a stalled upload (see
    #: :func:`stalled_after`); None: ten times the settle time, at least an hour.
    stall_seconds: float | None = None
    #: The profile the settings came from: named in the drain id, every event and the
    #: notification, so that accounts sharing a host and a log are told apart.
    profile: str | None = None

    @property
    def archive_dir(self) -> Path:
        """Where imported files go (in a folder per day)."""
        return self.archive or self.inbox / "archive"

    @property
    def failed_dir(self) -> Path:
        """Where files that cannot be imported go, with their reports."""
        return self.failed or self.inbox / "failed"

    @property
    def out_dir(self) -> Path:
        """Where each drain's reports and drain-summary.json go."""
        return self.out or self.inbox / "reports"


@dataclass
class FileOutcome:
    """What one file of a drain became."""

    name: str
    outcome: str  # imported | duplicate_delivery | failed | left
    exit_status: int
    sha256: str | None = None
    counts: dict[str, int] = field(default_factory=dict)
    moved_to: str | None = None
    reports: str | None = None
    message: str | None = None
    #: For the rest of a file that grew after it was imported: the bytes already imported,
    #: whose rows were not read again.
    continues_after_byte: int | None = None


@dataclass
class DrainSummary:
    """The outcome of one drain, as written to drain-summary.json."""

    inbox: str
    started_at: str
    finished_at: str = ""
    files: list[FileOutcome] = field(default_factory=list)
    #: Files left for the next drain because they were still being written.
    not_ready: list[str] = field(default_factory=list)
    #: Files left because their last record is cut off (a writer paused mid-line), with why.
    incomplete: list[str] = field(default_factory=list)
    #: Files cut off for longer than the stall limit: an upload a person must look at.
    stalled: list[str] = field(default_factory=list)
    exit_status: int = ExitStatus.SUCCESS
    summary_path: str | None = None
    #: The profile of the drain's settings (None without one) and the host it ran on.
    profile: str | None = None
    host: str = field(default_factory=socket.gethostname)
    #: Why the drain ended before its files were done: an exception's summary, in words.
    error: str | None = None
    #: The drain was asked to stop (SIGTERM, Ctrl-C) with files left for the next drain.
    stopped: str | None = None
    #: Earlier drains of this inbox that started and never finished (killed or crashed).
    unfinished: list[str] = field(default_factory=list)
    #: Why drain-summary.json could not be written, when it could not (the webhook and the
    #: log still tell).
    summary_error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the summary as JSON-ready data."""
        return asdict(self)

    def totals(self) -> dict[str, int]:
        """Row counts added over the files, suppressed rows by code included."""
        names = COUNTS + SUPPRESSED_CODES
        return {name: sum(f.counts.get(name, 0) for f in self.files) for name in names}

    @property
    def drain_id(self) -> str | None:
        """The drain's id: the name of the folder holding drain-summary.json."""
        return Path(self.summary_path).parent.name if self.summary_path else None


def drain_options(
    settings: Settings,
    inbox: Path,
    *,
    archive: Path | None = None,
    failed: Path | None = None,
    out: Path | None = None,
    lenient: bool = False,
    read: ReadOptions | None = None,
    retry: RetryPolicy | None = None,
    insecure_http: bool = False,
    mapping_option: MappingOption = CLI_MAPPING,
) -> DrainOptions:
    """Turn the effective settings and a drain's own values into the drain's options.

    Each file is imported with :func:`importer.options.import_options` of these
    settings; ``settle_seconds``, ``state_dir`` and the folders not given here
    (``archive_dir``, ``failed_dir``, ``out_dir``) come from the settings too.
    """
    required_mapping(settings, option=mapping_option)  # the files are not known yet
    template = import_options(
        settings, inbox, dry_run=False, lenient=lenient, read=read, retry=retry,
        insecure_http=insecure_http, mapping_option=mapping_option,
    )  # fmt: skip
    return DrainOptions(
        inbox,
        template,
        settings["state_dir"],
        archive=archive or settings["archive_dir"],
        failed=failed or settings["failed_dir"],
        out=out or settings["out_dir"],
        settle_seconds=settings["settle_seconds"],
        profile=settings.profile,
    )


class Deliveries:
    """The content hashes already imported, per campaign and API (a small SQLite file)."""

    def __init__(self, path: Path) -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path)
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS deliveries (key TEXT PRIMARY KEY, sha256 TEXT, "
                "name TEXT, inbox TEXT, delivered_at TEXT)"
            )
            # How many bytes of a text delivery were imported, and where the file is now:
            # a longer file starting with the same bytes is that delivery, grown.
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS imported (scope TEXT, prefix_sha256 TEXT, "
                "length INTEGER, name TEXT, header_row INTEGER, location TEXT, "
                "imported_at REAL, done INTEGER, PRIMARY KEY (scope, prefix_sha256, length))"
            )
            private_file(path)  # made 0644 by an earlier version
        except sqlite3.Error as exc:
            raise LedgerError(f"cannot use {path} ({exc}); check --state-dir") from exc

    def first(self, key: str) -> tuple[str, str] | None:
        """(file name, date) of the first delivery of this content, if any."""
        row = self._db.execute(
            "SELECT name, delivered_at FROM deliveries WHERE key = ?", (key,)
        ).fetchone()
        return (row[0], row[1]) if row else None

    def record(self, key: str, sha256: str, name: str, inbox: Path) -> None:
        """Remember an imported content."""
        with self._db:
            self._db.execute(
                "INSERT OR IGNORE INTO deliveries VALUES (?, ?, ?, ?, ?)",
                (key, sha256, name, str(inbox), _now()),
            )

    def record_part(self, scope: str, part: ImportedPart, *, done: bool = True) -> None:
        """Remember that the first ``part.length`` bytes of a text delivery were imported
        (``done``), or that their import was left with rows to send."""
        with self._db:
            self._db.execute(
                "INSERT OR REPLACE INTO imported VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (scope, part.prefix_sha256, part.length, part.name, part.header_row,
                 part.location, time.time(), int(done)),
            )  # fmt: skip

    def move_part(self, scope: str, part: ImportedPart, location: str) -> None:
        """Note where an imported delivery went (the archive)."""
        with self._db:
            self._db.execute(
                "UPDATE imported SET location = ? WHERE scope = ? AND prefix_sha256 = ? "
                "AND length = ?",
                (location, scope, part.prefix_sha256, part.length),
            )

    def parts(self, scope: str, shorter_than: int, *, done: bool = True) -> list[ImportedPart]:
        """The deliveries shorter than a size imported (or left with rows to send), longest
        first."""
        rows = self._db.execute(
            "SELECT name, length, prefix_sha256, header_row, location FROM imported "
            "WHERE scope = ? AND length < ? AND done = ? ORDER BY length DESC",
            (scope, shorter_than, int(done)),
        ).fetchall()
        return [ImportedPart(*row) for row in rows]

    def watched(self, scope: str, since: float) -> dict[str, int]:
        """The locations of deliveries imported since a time, and the length imported of each."""
        rows = self._db.execute(
            "SELECT location, MAX(length) FROM imported WHERE scope = ? AND imported_at >= ? "
            "AND done = 1 GROUP BY location",
            (scope, since),
        ).fetchall()
        return {str(location): int(length) for location, length in rows}

    def close(self) -> None:
        """Close the file."""
        self._db.close()


@dataclass(frozen=True)
class ImportedPart:
    """The first ``length`` bytes of a text delivery, imported (their sha256 and header row)."""

    name: str
    length: int
    prefix_sha256: str
    header_row: int
    location: str


def drain_lock(state_dir: Path, inbox: Path) -> ExclusiveLock:
    """The lock that keeps two drains off the same inbox."""
    digest = hashlib.sha256(str(inbox.resolve()).encode()).hexdigest()[:16]
    return ExclusiveLock(
        state_dir / "locks" / f"drain-{digest}.lock",
        f"another drain of {inbox} is running; this one does nothing (the next scheduled "
        "run picks up what is left)",
    )


def upload_name(name: str) -> bool:
    """Whether a file's name says it is still being uploaded (or is hidden): never taken."""
    lowered = name.lower()
    return name.startswith((".", "~$")) or any(lowered.endswith(s) for s in UPLOAD_SUFFIXES)


def ready_files(inbox: Path, settle_seconds: float, now: float | None = None) -> tuple[
    list[Path], list[Path]
]:  # fmt: skip
    """The inbox's supported files, oldest first: (ready, still being written).

    Upload names (``*.part``, ``*.filepart``, ``*.tmp``, ``*.crdownload``, ``~$*``) and
    dot files are never taken. A ready file has been still for ``settle_seconds``; its
    last record may still be cut off (see :func:`record_state`).
    """
    if not inbox.is_dir():
        raise InputFileError(f"inbox {inbox} is not a folder; check the path")
    moment = time.time() if now is None else now
    found = []
    for path in inbox.iterdir():
        if upload_name(path.name) or path.suffix.lower() not in SUPPORTED_SUFFIXES:
            continue
        try:
            status = path.stat()
        except OSError:
            continue  # moved away meanwhile
        if path.is_file():
            found.append((status.st_mtime, path.name, path))
    found.sort()
    ready = [path for mtime, _, path in found if moment - mtime >= settle_seconds]
    waiting = [path for mtime, _, path in found if moment - mtime < settle_seconds]
    return ready, waiting


def stalled_after(settle_seconds: float, stall_seconds: float | None = None) -> float:
    """Seconds a cut-off file may stay so before it is a stalled upload for a person."""
    return stall_seconds if stall_seconds is not None else max(3600.0, 10 * settle_seconds)


def record_state(path: Path) -> str | None:
    """Why the file's last record is not complete yet, or None when it is.

    A text file must end with a line end, not inside a quoted field; a workbook that is
    a zip (xlsx, xlsm, ods) must open (its central directory, written last, is there).
    """
    suffix = path.suffix.lower()
    if suffix in ZIP_SUFFIXES:
        try:
            with zipfile.ZipFile(path):
                return None
        except (zipfile.BadZipFile, OSError):
            return "the workbook does not open as a whole yet (its end is missing)"
    if suffix not in TEXT_SUFFIXES:
        return None  # an .xls has no end marker to check: the settle time alone decides
    with path.open("rb") as handle:
        if path.stat().st_size == 0:
            return None  # an empty file is refused by the import, with its own words
        with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
            return _text_state(data)


def _text_state(data: bytes | mmap.mmap) -> str | None:
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):  # UTF-16: line ends are two bytes
        return None if data[-2:] in (b"\n\x00", b"\x00\n") else "its last line has no line end"
    if data[-1:] not in (b"\n", b"\r"):
        return "its last line has no line end"
    if _ends_in_quotes(data):
        return "it ends inside a quoted field"
    return None


def _ends_in_quotes(data: bytes | mmap.mmap) -> bool:
    """Whether the data ends inside a quoted field (a quote in a field's middle is a letter)."""
    position = 0
    while (match := _QUOTED.search(data, position)) is not None:
        start = match.start()
        if start and data[start - 1 : start] not in _FIELD_ENDS:
            position = start + 1  # a quote inside a field: searched past, like the reader
            continue
        if match.group("close") is None:
            return True
        position = match.end()
    return False


def _scan(data: bytes | mmap.mmap, start: int, end: int, stop_after: int = -1) -> tuple[
    int, bool, int
]:  # fmt: skip
    """Records ended between start and end: (count, inside quotes at the end, offset).

    With ``stop_after`` the scan stops at the end of that many records; the offset is
    where it stopped.
    """
    count, offset = 0, start
    for match in _TOKENS.finditer(data, start, end):
        if match.group()[:1] == b'"':
            if match.group("close") is None:
                return count, True, end
            continue
        count += 1
        offset = match.end()
        if count == stop_after:
            break
    return count, False, offset


@privately  # reports, notes, archive and failed folders are born 0700/0600
def drain_inbox(
    options: DrainOptions,
    stop_requested: Callable[[], bool] | None = None,
    skip: Callable[[Path], bool] | None = None,
    progress: Progress | None = None,
    on_file: Callable[[FileOutcome], None] | None = None,
    on_finish: Callable[[DrainSummary], None] | None = None,
) -> DrainSummary:
    """Import every ready file of the inbox and file it away; return the drain's summary.

    ``stop_requested`` is asked between files (the file in hand is always finished);
    ``skip`` leaves chosen files for later (``--watch`` uses it for files that just
    failed to import). ``progress`` follows each file's import, as in
    :func:`~importer.pipeline.run_import`; ``on_file`` is called with each file's
    outcome as soon as the file is filed away. Raises :class:`LockedError` when
    another drain holds the inbox.

    Every drain that got the inbox ends reported, whatever ends it (an exception, a
    full disk, a stop): its summary is written, ``run_finished`` is logged and
    ``on_finish`` is called with the summary (the command line's webhook), each tried
    even when another failed; the exception then goes on. A drain killed outright
    leaves its start marker, which the next drain reports in ``unfinished``.
    """
    started = datetime.now(UTC)
    run_dir = options.out_dir / drain_id(started, options.profile)
    summary = DrainSummary(str(options.inbox), started.isoformat(timespec="seconds"),
                           profile=options.profile)  # fmt: skip
    stop = stop_requested or (lambda: False)
    busy = False
    marker: Path | None = None  # set once the drain holds the inbox
    with (
        run_context(run_dir.name, drain_id=run_dir.name, profile=options.profile),
        contextlib.ExitStack() as held,
    ):
        try:
            # Taken inside the try: a state folder that cannot hold the lock is reported
            # like any other I/O failure; the lock is held until the end is reported.
            held.enter_context(drain_lock(options.state_dir, options.inbox))
            marker = _marker_path(options)
            summary.unfinished = _unfinished(marker)
            for line in summary.unfinished:
                emit("drain_unfinished", line, logging.ERROR, inbox=str(options.inbox))
            _mark_started(marker, run_dir, summary)
            _drain(options, summary, run_dir, stop, skip, progress, on_file)
        except LockedError:
            busy = marker is None  # another drain has the inbox: this one did nothing
            raise
        except BaseException as exc:
            summary.error = _stop_words(exc)
            summary.exit_status = most_severe(summary.exit_status, _exit_status_of(exc))
            raise
        finally:
            failure = None if busy else _finish(options, summary, run_dir, marker, on_finish)
        if failure is not None:
            raise failure
    return summary


def drain_id(started: datetime, profile: str | None = None) -> str:
    """A drain's id, unique across accounts: ``drain-YYYYmmdd-HHMMSS-PROFILE-RANDOM``.

    The time sorts the ids; the profile tells the accounts apart in a shared log, and six
    random hex digits keep apart two drains of one account started in the same second.
    """
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", profile or "").strip("._-")[:40]
    middle = f"-{name}" if name else ""
    return f"drain-{started.strftime('%Y%m%d-%H%M%S')}{middle}-{secrets.token_hex(3)}"


def _drain(
    options: DrainOptions,
    summary: DrainSummary,
    run_dir: Path,
    stop: Callable[[], bool],
    skip: Callable[[Path], bool] | None,
    progress: Progress | None,
    on_file: Callable[[FileOutcome], None] | None,
) -> None:
    ready, waiting = ready_files(options.inbox, options.settle_seconds)
    ready = _complete_files(ready, options, summary)
    summary.not_ready += [path.name for path in waiting]
    emit("run_started", f"drain of {options.inbox}: {len(ready)} file(s) ready, "
         f"{len(summary.not_ready)} still being written", inbox=str(options.inbox),
         ready=len(ready), not_ready=len(summary.not_ready))  # fmt: skip
    for line in summary.incomplete:
        emit("file_skipped", line, file=line.split(":")[0])
    for line in summary.stalled:
        emit("file_stalled", line, logging.ERROR, file=line.split(":")[0])
    for path in waiting:
        emit("file_skipped", f"{path.name}: modified in the last "
             f"{options.settle_seconds:g} s, left for the next drain",
             file=path.name)  # fmt: skip
    deliveries = Deliveries(options.state_dir / DELIVERIES_FILE)
    try:
        grown = _grown_in_archive(options, deliveries, summary)
        todo = grown + ready
        for number, path in enumerate(todo):
            if stop():
                _stopped(summary, todo[number:])
                break
            if skip is not None and skip(path):
                continue
            outcome = _drain_file(path, options, run_dir, deliveries, progress)
            if outcome is None:
                summary.not_ready.append(path.name)
                continue
            summary.files.append(outcome)
            if on_file is not None:
                on_file(outcome)
            summary.exit_status = most_severe(summary.exit_status, outcome.exit_status)
            if outcome.outcome == "left" and not _passing(outcome):
                break  # the settings or the account are at fault: the next files would fail too
    finally:
        deliveries.close()


def _marker_path(options: DrainOptions) -> Path:
    """The state folder's note that a drain of this inbox is running (beside its lock)."""
    digest = hashlib.sha256(str(options.inbox.resolve()).encode()).hexdigest()[:16]
    return options.state_dir / "locks" / f"drain-{digest}.running.json"


def _unfinished(marker: Path) -> list[str]:
    """The drain that left its start marker: with the lock held, it can only be a dead one."""
    # The lock is the inbox's (flock, released by the kernel when a process dies): a
    # marker found under it was left by a drain that ended without its finish.
    try:
        text = marker.read_text("utf-8")
    except FileNotFoundError:
        return []
    try:
        found = json.loads(text)
        started, host, pid = found["started_at"], found["host"], found["pid"]
        reports = f"; its partial reports are in {found['reports']}" if found.get("reports") else ""
    except (ValueError, KeyError, TypeError):
        return [f"a drain of this inbox did not finish (its marker {marker} is unreadable): "
                "killed or crashed; its files are resumed now"]  # fmt: skip
    return [f"the drain started at {started} on host {host} (pid {pid}) did not finish: "
            f"killed or crashed; its files are resumed now{reports}"]  # fmt: skip


def _mark_started(marker: Path, run_dir: Path, summary: DrainSummary) -> None:
    """Note the drain's start in the state folder and its report folder, for a kill to show."""
    marker.parent.mkdir(parents=True, exist_ok=True)
    data = {"started_at": summary.started_at, "host": socket.gethostname(), "pid": os.getpid(),
            "inbox": summary.inbox, "reports": str(run_dir.resolve())}  # fmt: skip
    temporary = marker.with_name(marker.name + ".new")
    temporary.write_text(json.dumps(data) + "\n", "utf-8")
    os.replace(temporary, marker)  # a marker is whole or absent
    run_dir.mkdir(parents=True, exist_ok=True)
    mark_incomplete(run_dir)


def _stopped(summary: DrainSummary, left: list[Path]) -> None:
    """Note a stop asked for (SIGTERM, Ctrl-C) that left files for the next drain."""
    names = ", ".join(path.name for path in left)
    summary.stopped = (f"stopped on request (SIGTERM or Ctrl-C) before {len(left)} file(s): "
                       f"{names}; the next drain imports them")  # fmt: skip
    summary.exit_status = most_severe(summary.exit_status, ExitStatus.INTERRUPTED)
    emit("drain_stopped", summary.stopped, logging.WARNING, files=len(left))


def _exit_status_of(exc: BaseException) -> int:
    """The exit status the command line gives an exception (see importer.cli.main)."""
    if isinstance(exc, ImporterError):
        return exc.exit_status
    if isinstance(exc, KeyboardInterrupt):
        return ExitStatus.INTERRUPTED
    if isinstance(exc, OSError) and storage_error(exc) is not None:
        return ExitStatus.IO_ERROR
    return ExitStatus.INTERNAL_ERROR


def _stop_words(exc: BaseException) -> str:
    """What ended the drain, in the words the command line prints for it."""
    if isinstance(exc, ImporterError):
        return exc.message
    if isinstance(exc, KeyboardInterrupt):
        return "stopped at once (Ctrl-C twice); the next drain resumes the file in hand"
    if isinstance(exc, OSError) and (mapped := storage_error(exc)) is not None:
        return mapped.message
    return (f"unexpected {type(exc).__name__}: {exc} (this is a bug in whiteclad-import; run "
            "again with --debug and report the traceback)")  # fmt: skip


def _finish(
    options: DrainOptions,
    summary: DrainSummary,
    run_dir: Path,
    marker: Path | None,
    on_finish: Callable[[DrainSummary], None] | None,
) -> ImporterError | None:
    """Report the drain's end: summary, event, ``on_finish``; each tried whatever the others did.

    Returns the error to raise when the summary could not be written and nothing else
    went wrong (the drain must not look fine).
    """
    summary.finished_at = _now()
    failure: ImporterError | None = None
    try:
        _write_summary(run_dir, summary)
    except Exception as exc:  # whatever it is, the log and the webhook must still tell
        failure = storage_error(exc) if isinstance(exc, OSError) else None
        if failure is None:
            failure = ImporterError(f"cannot write {run_dir / DRAIN_SUMMARY}: {_stop_words(exc)}")
            failure.exit_status = ExitStatus(_exit_status_of(exc))
        failure.__cause__ = exc
        summary.summary_path = None
        summary.summary_error = failure.message
        summary.exit_status = most_severe(summary.exit_status, failure.exit_status)
    totals = summary.totals()
    # A broken log must not keep the webhook from going out.
    with contextlib.suppress(Exception):
        emit("run_finished", f"drain of {options.inbox} finished: {len(summary.files)} file(s), "
             f"{totals['accepted']} accepted, {totals['rejected']} rejected, "
             f"{totals['duplicates']} duplicates, {totals['suppressed']} suppressed, "
             f"{totals['pending']} pending, exit {summary.exit_status}"
             + "".join(f"; {line}" for line in _alerts(summary)),
             logging.ERROR if summary.error or summary.summary_error else logging.INFO,
             inbox=str(options.inbox), files=len(summary.files),
             exit_status=summary.exit_status, error=summary.error,
             unfinished=len(summary.unfinished), summary_error=summary.summary_error,
             **totals)  # fmt: skip
    if on_finish is not None:
        try:
            on_finish(summary)
        except Exception as exc:  # the drain's own outcome stands
            emit("notify_failed", f"the drain's end could not be notified ({exc!r})",
                 logging.WARNING)  # fmt: skip
    # This drain finished: the next one need not report it. When the marker cannot be
    # removed, the next drain reports this one as unfinished: better a false alarm than none.
    if marker is not None:
        with contextlib.suppress(OSError):
            marker.unlink(missing_ok=True)
    return failure


def _alerts(summary: DrainSummary) -> list[str]:
    """The lines a person must read first: why the drain stopped, drains that never ended."""
    lines = [*summary.unfinished]
    if summary.error:
        lines.append(f"the drain stopped: {summary.error}")
    if summary.stopped:
        lines.append(summary.stopped)
    if summary.summary_error:
        lines.append(f"its summary was not written: {summary.summary_error}")
    return lines


def _complete_files(ready: list[Path], options: DrainOptions, summary: DrainSummary) -> list[Path]:
    """The settled files whose last record is complete; the others are noted in the summary."""
    complete = []
    limit = stalled_after(options.settle_seconds, options.stall_seconds)
    for path in ready:
        try:
            why = record_state(path)
            age = time.time() - path.stat().st_mtime
        except OSError:
            continue  # moved away meanwhile
        if why is None:
            complete.append(path)
            continue
        summary.not_ready.append(path.name)
        if age < limit:
            line = (f"{path.name}: {why}: still being uploaded, left for the next drain "
                    f"(a stalled upload after {limit:g} s)")  # fmt: skip
            summary.incomplete.append(line)
            continue
        line = (f"{path.name}: {why}, and it has not changed for {age:.0f} s: a stalled "
                "upload; ask the sender to upload it again whole (write under a .part name, "
                "then rename), or remove it")  # fmt: skip
        summary.stalled.append(line)
        summary.exit_status = max(summary.exit_status, ExitStatus.CANNOT_START)
    return complete


def _grown_in_archive(
    options: DrainOptions, deliveries: Deliveries, summary: DrainSummary
) -> list[Path]:
    """Archived files a writer went on appending to: their rest is imported like a file."""
    grown = []
    since = time.time() - ARCHIVE_WATCH_SECONDS
    for location, length in deliveries.watched(_scope(options.template), since).items():
        path = Path(location)
        if path.parent == options.inbox:
            continue  # still in the inbox: found there
        try:
            status = path.stat()
        except OSError:
            continue  # pruned or moved by a person
        if status.st_size <= length:
            continue
        if time.time() - status.st_mtime < options.settle_seconds or record_state(path):
            summary.not_ready.append(str(path))
            continue
        grown.append(path)
    return grown


def _scope(template: ImportOptions) -> str:
    return run_key(campaign=template.campaign or "", base_url=template.base_url or "")


def _drain_file(
    path: Path,
    options: DrainOptions,
    run_dir: Path,
    deliveries: Deliveries,
    progress: Progress | None = None,
) -> FileOutcome | None:
    """Import one file (or the rest of a grown one) and file it away; None when it changed
    while it was read."""
    text = path.suffix.lower() in TEXT_SUFFIXES
    # One folder per inbox, the same at every drain: the ledger names a file by its copy.
    digest = hashlib.sha256(str(options.inbox.resolve()).encode()).hexdigest()[:16]
    snapshots = options.state_dir / "drain-files" / digest
    try:
        taken = _take(path, snapshots / path.name if text else None)
        if taken is None:
            emit("file_skipped", f"{path.name}: changed while it was read, left for the next "
                 "drain", file=path.name)  # fmt: skip
            return None
        return _import_taken(path, taken, options, run_dir, deliveries, progress)
    finally:
        for copy in (snapshots / path.name, snapshots / "rest" / path.name):
            copy.unlink(missing_ok=True)


@dataclass(frozen=True)
class _Taken:
    """A file as it was read: its size, time and sha256, and the copy that is imported."""

    size: int
    mtime_ns: int
    sha256: str
    copy: Path | None  # text files are imported from a copy, so the rows are those hashed


def _take(path: Path, copy: Path | None) -> _Taken | None:
    before = path.stat()
    sha256 = _copy_hashing(path, copy)
    after = path.stat()
    if (before.st_size, before.st_mtime_ns) != (after.st_size, after.st_mtime_ns):
        return None
    return _Taken(after.st_size, after.st_mtime_ns, sha256, copy)


def _copy_hashing(path: Path, copy: Path | None) -> str:
    """The file's sha256, copying its bytes to ``copy`` on the way."""
    digest = hashlib.sha256()
    if copy is not None:
        copy.parent.mkdir(parents=True, exist_ok=True)
    with path.open("rb") as handle, copy.open("wb") if copy else _Discard() as out:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
            out.write(block)
    return digest.hexdigest()


class _Discard:
    def __enter__(self) -> _Discard:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def write(self, block: bytes) -> None:
        """Drop the block."""


def _import_taken(
    path: Path,
    taken: _Taken,
    options: DrainOptions,
    run_dir: Path,
    deliveries: Deliveries,
    progress: Progress | None,
) -> FileOutcome:
    template = options.template
    sha256 = taken.sha256
    scope = _scope(template)
    key = run_key(sha256=sha256, campaign=template.campaign or "", base_url=template.base_url or "")
    emit("file_started", f"{path.name}: importing", file=path.name, sha256=sha256,
         size_bytes=taken.size)  # fmt: skip
    first = deliveries.first(key)
    in_inbox = path.parent == options.inbox
    if first is not None and in_inbox:
        note = (f"{path.name} has the same content as {first[0]}, imported on {first[1]}; "
                "it was not imported again")  # fmt: skip
        moved = _move(path, options.archive_dir / _today())
        moved.with_name(moved.name + ".note.txt").write_text(note + "\n", encoding="utf-8")
        emit("duplicate_delivery", note, file=path.name, sha256=sha256, moved_to=str(moved))
        return FileOutcome(path.name, "duplicate_delivery", ExitStatus.SUCCESS, sha256,
                           moved_to=str(moved), message=note)  # fmt: skip
    earlier = _earlier_part(taken, scope, deliveries) if taken.copy is not None else None
    unfinished = _earlier_part(taken, scope, deliveries, done=False) if taken.copy else None
    if unfinished is not None and (earlier is None or unfinished.length > earlier.length):
        # Left with rows to send, then grown: its run is finished first, from the same
        # bytes (so the ledger resumes it); the rows after them are the next drain's.
        taken = _cut(taken, unfinished)
        sha256 = taken.sha256
        key = run_key(sha256=sha256, campaign=template.campaign or "",
                      base_url=template.base_url or "")  # fmt: skip
        earlier = _earlier_part(taken, scope, deliveries)
    source = taken.copy or path
    read = template.read
    if earlier is not None:
        try:
            source = _rest_of(taken.copy or path, earlier)
        except InputFileError as exc:
            return _failed(path, sha256, options, None, exc.exit_status, exc.message)
        read = replace(read, header_row=earlier.header_row)
    elif not in_inbox:
        message = (f"{path.name} changed in the archive after it was imported, and it does not "
                   "start with the rows imported: nothing of it was sent; compare it with its "
                   "reports and import the new rows by hand if they are wanted")  # fmt: skip
        return _failed(path, sha256, options, None, ExitStatus.CANNOT_START, message)
    report_dir = _unique(run_dir / path.name)
    try:
        result = run_import(replace(template, path=source, out_dir=report_dir, read=read),
                            progress)  # fmt: skip
    except ImportIncomplete as exc:
        if taken.copy is not None:  # a grown file resumes this run before its new rows
            found = exc.summary.source if isinstance(exc.summary, Summary) else {}
            header_row = earlier.header_row if earlier else int(found.get("header_row") or 1)
            unsent = ImportedPart(path.name, taken.size, sha256, header_row, str(path))
            deliveries.record_part(scope, unsent, done=False)
        return _left(path, sha256, exc.exit_status, exc.message, exc.summary, report_dir)
    except (InputFileError, MappingColumnError) as exc:
        return _failed(path, sha256, options, report_dir, exc.exit_status, exc.message)
    except ImporterError as exc:
        return _left(path, sha256, exc.exit_status, exc.message, None, None)
    except Exception as exc:  # a defect on this file must not stop the other files
        mapped = storage_error(exc) if isinstance(exc, OSError) else None
        if mapped is not None:  # the machine's trouble, not the file's: it waits in the inbox
            return _left(path, sha256, mapped.exit_status, mapped.message, None, None)
        message = f"unexpected {type(exc).__name__}: {exc} (a bug in whiteclad-import)"
        return _failed(path, sha256, options, report_dir, ExitStatus.INTERNAL_ERROR, message)
    deliveries.record(key, sha256, path.name, options.inbox)
    counts = _counts(result)
    part = None
    if taken.copy is not None:
        header_row = earlier.header_row if earlier else int(result.source.get("header_row") or 1)
        part = ImportedPart(path.name, taken.size, sha256, header_row, str(path))
        deliveries.record_part(scope, part)
    after = earlier.length if earlier else None
    changed = _changed_since(path, taken)
    if changed is None:
        moved = _move(path, options.archive_dir / _today()) if in_inbox else path
        if part is not None:
            deliveries.move_part(scope, part, str(moved))
        emit("file_archived", f"{path.name}: {counts['accepted']} accepted, "
             f"{counts['rejected']} rejected, {counts['duplicates']} duplicates, "
             f"{counts['suppressed']} suppressed; archived to {moved}", file=path.name,
             moved_to=str(moved), ledger_run_id=result.run_id, **counts)  # fmt: skip
        return FileOutcome(path.name, "imported", int(result.exit_status), sha256, counts,
                           str(moved), result.out_dir, continues_after_byte=after)  # fmt: skip
    if part is not None and changed == "grew":
        message = (f"{path.name} grew while it was imported: the rows of its first "
                   f"{taken.size} bytes were imported; the rest is imported by the next "
                   "drain, without sending these again")  # fmt: skip
        emit("file_grew", message, logging.WARNING, file=path.name, ledger_run_id=result.run_id,
             **counts)  # fmt: skip
        return FileOutcome(path.name, "imported_so_far", int(result.exit_status), sha256,
                           counts, None, result.out_dir, message, after)  # fmt: skip
    message = (f"{path.name} changed while it was imported (it is no longer the file whose "
               "rows were sent, and it does not start with them): the rows in its reports "
               "were sent; compare the file with them and import the new rows by hand if "
               "they are wanted")  # fmt: skip
    outcome = _failed(path, sha256, options, None, ExitStatus.CANNOT_START, message)
    outcome.counts, outcome.reports = counts, result.out_dir
    return outcome


def _earlier_part(
    taken: _Taken, scope: str, deliveries: Deliveries, *, done: bool = True
) -> ImportedPart | None:
    """The longest imported (or unfinished) delivery this file starts with, if any."""
    assert taken.copy is not None
    with taken.copy.open("rb") as handle:
        for part in deliveries.parts(scope, taken.size, done=done):
            handle.seek(0)
            if _sha256_of(handle, part.length) == part.prefix_sha256:
                return part
    return None


def _cut(taken: _Taken, part: ImportedPart) -> _Taken:
    """The file as it was when ``part`` was read: its copy cut to that length."""
    assert taken.copy is not None
    os.truncate(taken.copy, part.length)
    return _Taken(part.length, taken.mtime_ns, part.prefix_sha256, taken.copy)


def _rest_of(copy: Path, earlier: ImportedPart) -> Path:
    """A file of the header and the rows after the bytes imported before.

    The rows already imported become blank lines, which the reader skips and counts
    as blank: the rows that remain keep their row numbers in the reports.
    """
    data = copy.read_bytes()
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise InputFileError(
            f"{copy.name} grew after it was imported, and its rest cannot be "
            "told apart in UTF-16; export the new rows as a file of their own"
        )
    header_end = _scan(data, 0, len(data), stop_after=earlier.header_row)[2]
    records = _scan(data, header_end, earlier.length)[0] if earlier.length > header_end else 0
    newline = b"\r\n" if data[max(0, header_end - 2) : header_end] == b"\r\n" else b"\n"
    rest = copy.parent / "rest" / copy.name  # under the file's own name: the reports name it
    rest.parent.mkdir(exist_ok=True)
    rest.write_bytes(data[:header_end] + newline * records + data[earlier.length :])
    return rest


def _changed_since(path: Path, taken: _Taken) -> str | None:
    """None when the file is as it was read; "grew" when it starts with those bytes; or
    "changed"."""
    try:
        status = path.stat()
    except OSError:
        return "changed"
    if (status.st_size, status.st_mtime_ns) == (taken.size, taken.mtime_ns):
        return None if _sha256(path) == taken.sha256 else "changed"
    if status.st_size > taken.size:
        with path.open("rb") as handle:
            if _sha256_of(handle, taken.size) == taken.sha256:
                return "grew"
    return "changed"


def _sha256_of(handle: Any, length: int) -> str:
    digest = hashlib.sha256()
    left = length
    while left > 0:
        block = handle.read(min(1 << 20, left))
        if not block:
            break
        digest.update(block)
        left -= len(block)
    return digest.hexdigest()


def _passing(outcome: FileOutcome) -> bool:
    """Whether a file was left for passing API trouble, which the next file may not meet."""
    return outcome.exit_status == ExitStatus.API_UNAVAILABLE


def _left(
    path: Path,
    sha256: str,
    status: int,
    message: str,
    summary: object,
    report_dir: Path | None,
) -> FileOutcome:
    counts = _counts(summary) if isinstance(summary, Summary) else {}
    ledger_run_id = summary.run_id if isinstance(summary, Summary) else None
    then = " (the drain goes on)" if status == ExitStatus.API_UNAVAILABLE else ""
    emit("file_left", f"{path.name}: {message}; left in the inbox for the next drain{then}",
         logging.ERROR, file=path.name, exit_status=status, ledger_run_id=ledger_run_id,
         **counts)  # fmt: skip
    reports = str(report_dir) if report_dir is not None and report_dir.exists() else None
    return FileOutcome(path.name, "left", status, sha256, counts, None, reports, message)


def _failed(
    path: Path,
    sha256: str,
    options: DrainOptions,
    report_dir: Path | None,
    status: int,
    message: str,
) -> FileOutcome:
    moved = _move(path, options.failed_dir)
    moved.with_name(moved.name + ".error.txt").write_text(message + "\n", encoding="utf-8")
    reports = None
    if report_dir is not None and report_dir.exists():
        reports = str(shutil.move(report_dir, _unique(moved.with_name(moved.name + ".reports"))))
    emit("file_failed", f"{path.name}: {message.splitlines()[0]}; moved to {moved}", logging.ERROR,
         file=path.name, exit_status=status, moved_to=str(moved))  # fmt: skip
    return FileOutcome(path.name, "failed", status, sha256, {}, str(moved), reports, message)


def _counts(summary: Summary) -> dict[str, int]:
    counts = {name: int(getattr(summary, name)) for name in COUNTS}
    for code in SUPPRESSED_CODES:
        counts[code] = int(summary.suppressed_codes.get(code, 0))
    return counts


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _unique(path: Path) -> Path:
    """``path``, or ``name-2.ext``, ``name-3.ext``... when it is taken."""
    if not path.exists():
        return path
    for number in range(2, 10_000):
        candidate = path.with_name(f"{path.stem}-{number}{path.suffix}")
        if not candidate.exists():
            return candidate
    raise LedgerError(f"too many files named like {path}; clean up {path.parent}")


def _move(path: Path, folder: Path) -> Path:
    private_dir(folder)
    moved = Path(shutil.move(path, _unique(folder / path.name)))
    return private_file(moved)  # a renamed file keeps its inode, and so the vendor's mode


def _today() -> str:
    return datetime.now().strftime("%Y-%m-%d")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _write_summary(run_dir: Path, summary: DrainSummary) -> Path:
    run_dir.mkdir(parents=True, exist_ok=True)
    path = run_dir / DRAIN_SUMMARY
    summary.summary_path = str(path)
    path.write_text(json.dumps(summary.to_dict(), indent=2, ensure_ascii=False) + "\n", "utf-8")
    (run_dir / INCOMPLETE_FILE).unlink(missing_ok=True)  # the drain is reported
    return path


def watch(
    options: DrainOptions,
    stop_requested: Callable[[], bool],
    poll_seconds: float = 30.0,
    retry_seconds: float = 600.0,
    sleep: Callable[[float], None] = time.sleep,
    progress: Progress | None = None,
    on_file: Callable[[FileOutcome], None] | None = None,
    on_finish: Callable[[DrainSummary], None] | None = None,
) -> Iterator[DrainSummary]:
    """Drain the inbox again and again, every ``poll_seconds``, until a stop is asked for.

    A file left in the inbox after a problem is tried again after ``retry_seconds``,
    not at every poll. ``progress``, ``on_file`` and ``on_finish`` are passed to each drain.
    """
    left_at: dict[Path, float] = {}

    def skip(path: Path) -> bool:
        return time.monotonic() - left_at.get(path, -retry_seconds) < retry_seconds

    while not stop_requested():
        summary = drain_inbox(options, stop_requested, skip, progress, on_file, on_finish)
        for outcome in summary.files:
            if outcome.outcome == "left":
                left_at[options.inbox / outcome.name] = time.monotonic()
        yield summary
        waited = 0.0
        while waited < poll_seconds and not stop_requested():
            step = min(0.5, poll_seconds - waited)
            sleep(step)
            waited += step


#: What a person does about a file left in the inbox, by its exit status.
_LEFT_ADVICE: dict[int, str] = {
    ExitStatus.INCOMPLETE: "add credits or fix the account's credentials; the next drain "
    "sends its pending rows, never the ones already sent",
    ExitStatus.API_UNAVAILABLE: "the API had passing trouble; the next drain resumes it: "
    "nothing to do unless it happens again",
    ExitStatus.CANNOT_START: "fix the settings ('whiteclad-import config check' names the "
    "problem), then drain again",
    ExitStatus.BUSY: "another drain or import of this account was running; the next drain "
    "takes the file",
}


def notify_reasons(
    summary: DrainSummary, rejected_over: tuple[float, bool] | None = None
) -> list[str]:
    """The problems of a drain a person must act on, a sentence each (empty: none).

    A failure is any exit status other than 0 and 1, a stalled upload, a file left in
    the inbox or moved to failed/, and more rejected rows than ``rejected_over`` (a
    count, or a share of the drain's rows when its second item is true).
    """
    # First what ended the drain, and drains that never ended: the lines to read first.
    reasons = [f"{line}." for line in _alerts(summary)]
    for outcome in summary.files:
        reports = f" Reports: {_absolute(outcome.reports)}." if outcome.reports else ""
        why = (outcome.message or "").splitlines()[0] if outcome.message else ""
        if outcome.outcome == "failed":
            moved = _absolute(outcome.moved_to)
            reasons.append(
                f"{outcome.name} (exit {outcome.exit_status}) was moved to {moved}: {why}. Read "
                f"{moved}.error.txt, fix the file, and move it back into the inbox to import "
                f"it again.{reports}"
            )
        elif outcome.outcome == "left":
            advice = _LEFT_ADVICE.get(
                outcome.exit_status, "read the message and the drain's log, then drain again"
            )
            pending = outcome.counts.get("pending", 0)
            rows = f" with {pending} row(s) pending" if pending else ""
            reasons.append(
                f"{outcome.name} (exit {outcome.exit_status}) is left in the inbox{rows}: "
                f"{why}. What to do: {advice}.{reports}"
            )
    for line in summary.stalled:
        reasons.append(f"{line}.")
    if summary.exit_status not in (ExitStatus.SUCCESS, ExitStatus.ROWS_REJECTED) and not reasons:
        reasons.append(
            f"the drain ended with exit {summary.exit_status}; read the drain's log and "
            f"{_absolute(summary.summary_path)}."
        )
    totals = summary.totals()
    if rejected_over is not None and totals["rejected"]:
        limit, share = rejected_over
        rejected, total = totals["rejected"], totals["total"]
        over = rejected * 100 > limit * total if share else rejected > limit
        if over:
            shown = f"{limit:g}% of the rows" if share else f"{limit:g} row(s)"
            files = [f"{_absolute(f.reports)}/rejected.csv" for f in summary.files
                     if f.counts.get("rejected") and f.reports]  # fmt: skip
            reasons.append(
                f"{rejected} of {total} row(s) were rejected, more than {shown}: read the "
                f"reason column of {', '.join(files) or 'rejected.csv'} and ask the sender "
                "for a corrected file, or fix the mapping."
            )
    return reasons


def should_notify(level: str, reasons: list[str]) -> bool:
    """Whether a drain with these problems is notified at ``level`` (failures, always, never)."""
    if level == "never":
        return False
    return level == "always" or bool(reasons)


def notify_text(summary: DrainSummary, reasons: list[str]) -> str:
    """The notification's text: who, where, every count, the absolute paths, what to do."""
    totals = summary.totals()
    who = f"profile {summary.profile}" if summary.profile else "no profile"
    verdict = "needs attention" if reasons else "finished"
    codes = ", ".join(f"{totals[c]} {c}" for c in SUPPRESSED_CODES if totals.get(c))
    left = sum(1 for f in summary.files if f.outcome in ("left", "imported_so_far"))
    left += len(summary.not_ready)
    failed = sum(1 for f in summary.files if f.outcome == "failed")
    lines = [
        f"whiteclad-import drain of {_absolute(summary.inbox)} ({who}, host {summary.host}) "
        f"{verdict}: exit {summary.exit_status}",
        f"{len(summary.files)} file(s): {totals['accepted']} accepted, {totals['rejected']} "
        f"rejected, {totals['duplicates']} duplicates, {totals['suppressed']} suppressed"
        + (f" ({codes})" if codes else "")
        + f", {totals['pending']} pending; {left} file(s) left in the inbox, {failed} in failed/",
    ]
    lines += [f"- {reason}" for reason in reasons]
    lines.append(f"Summary: {_absolute(summary.summary_path)}")
    return "\n".join(lines)


def _absolute(path: str | None) -> str:
    """A path as the person reading the notification can open it: absolute."""
    return os.path.abspath(path) if path else "(none)"


def notify(
    url: str,
    summary: DrainSummary,
    timeout: float = 10.0,
    reasons: list[str] | None = None,
) -> bool:
    """POST the drain summary to a webhook, Slack-compatible (a ``text`` first).

    The text is :func:`notify_text`, with ``reasons`` (default: :func:`notify_reasons`
    without a rejected-rows limit). Returns whether the webhook took it; a failure is
    logged, never raised: the drain's own outcome stands.
    """
    import requests

    text = notify_text(summary, notify_reasons(summary) if reasons is None else reasons)
    try:
        answer = requests.post(url, json={"text": text, "summary": summary.to_dict()},
                               timeout=timeout, allow_redirects=False)  # fmt: skip
        answer.raise_for_status()
    except requests.RequestException as exc:
        emit("notify_failed", f"the webhook did not take the drain summary ({type(exc).__name__})",
             logging.WARNING, error=type(exc).__name__, run_id=summary.drain_id,
             drain_id=summary.drain_id, profile=summary.profile)  # fmt: skip
        return False
    return True
