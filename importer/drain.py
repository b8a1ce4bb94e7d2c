"""Drop-folder mode: import every file that arrived in an inbox, then file each one away.

:func:`drain_inbox` takes the supported files of the inbox (CSV, TSV, TXT, XLSX,
XLSM, XLS, ODS; not hidden files, not sub-folders), oldest first, and imports each
one with the same settings. What happens to a file depends on how its import ended:

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
still being written                    -             left for the next drain
=====================================  ============  ======================================

A file is still being written when it was modified less than ``settle_seconds``
ago, or when its size or time changed while it was read. Content already
imported into the same campaign at the same API (by its sha256, whatever the
file's name) is not imported again. The drain's exit status is the most severe of
its files' (0 when the inbox is empty): the highest, except that passing API trouble
(75) ranks just above rows rejected (1), below every status that needs a person
(see :func:`importer.status.severity`). One drain per inbox at a time: a second one
exits at once with ``LockedError`` (exit 4).

Each drain writes ``drain-summary.json`` (every file and its outcome counts) in its
own folder under ``out``, beside the report folder of each file. That folder's name
(``drain-YYYYmmdd-HHMMSS``) is the drain's id: the ``run_id`` of the drain's events.

:func:`drain_options` builds a drain's options from the settings, the same way for
every face.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import sqlite3
import time
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
    MappingColumnError,
)
from .events import emit, run_context
from .ledger import ExclusiveLock, run_key
from .options import CLI_MAPPING, MappingOption, import_options, required_mapping
from .pipeline import ImportOptions, Progress, Summary, run_import
from .reader import ReadOptions
from .status import ExitStatus, most_severe

__all__ = [
    "COUNTS",
    "DELIVERIES_FILE",
    "DRAIN_SUMMARY",
    "SUPPORTED_SUFFIXES",
    "Deliveries",
    "DrainOptions",
    "DrainSummary",
    "FileOutcome",
    "drain_inbox",
    "drain_lock",
    "drain_options",
    "notify",
    "ready_files",
    "watch",
]

SUPPORTED_SUFFIXES = frozenset({".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".xls", ".ods"})
DRAIN_SUMMARY = "drain-summary.json"
DELIVERIES_FILE = "deliveries.sqlite3"
COUNTS = ("total", "accepted", "rejected", "duplicates", "pending")


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


@dataclass
class DrainSummary:
    """The outcome of one drain, as written to drain-summary.json."""

    inbox: str
    started_at: str
    finished_at: str = ""
    files: list[FileOutcome] = field(default_factory=list)
    #: Files left for the next drain because they were still being written.
    not_ready: list[str] = field(default_factory=list)
    exit_status: int = ExitStatus.SUCCESS
    summary_path: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the summary as JSON-ready data."""
        return asdict(self)

    def totals(self) -> dict[str, int]:
        """Row counts added over the files."""
        return {name: sum(f.counts.get(name, 0) for f in self.files) for name in COUNTS}

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
    settings; ``settle_seconds`` and ``state_dir`` come from the settings too.
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
        archive=archive,
        failed=failed,
        out=out,
        settle_seconds=settings["settle_seconds"],
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

    def close(self) -> None:
        """Close the file."""
        self._db.close()


def drain_lock(state_dir: Path, inbox: Path) -> ExclusiveLock:
    """The lock that keeps two drains off the same inbox."""
    digest = hashlib.sha256(str(inbox.resolve()).encode()).hexdigest()[:16]
    return ExclusiveLock(
        state_dir / "locks" / f"drain-{digest}.lock",
        f"another drain of {inbox} is running; this one does nothing (the next scheduled "
        "run picks up what is left)",
    )


def ready_files(inbox: Path, settle_seconds: float, now: float | None = None) -> tuple[
    list[Path], list[Path]
]:  # fmt: skip
    """The inbox's supported files, oldest first: (ready, still being written)."""
    if not inbox.is_dir():
        raise InputFileError(f"inbox {inbox} is not a folder; check the path")
    moment = time.time() if now is None else now
    found = []
    for path in inbox.iterdir():
        if path.name.startswith((".", "~$")) or path.suffix.lower() not in SUPPORTED_SUFFIXES:
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


def drain_inbox(
    options: DrainOptions,
    stop_requested: Callable[[], bool] | None = None,
    skip: Callable[[Path], bool] | None = None,
    progress: Progress | None = None,
    on_file: Callable[[FileOutcome], None] | None = None,
) -> DrainSummary:
    """Import every ready file of the inbox and file it away; return the drain's summary.

    ``stop_requested`` is asked between files (the file in hand is always finished);
    ``skip`` leaves chosen files for later (``--watch`` uses it for files that just
    failed to import). ``progress`` follows each file's import, as in
    :func:`~importer.pipeline.run_import`; ``on_file`` is called with each file's
    outcome as soon as the file is filed away. Raises :class:`LockedError` when
    another drain holds the inbox.
    """
    started = datetime.now(UTC)
    run_dir = options.out_dir / f"drain-{started.strftime('%Y%m%d-%H%M%S')}"
    with run_context(run_dir.name, drain_id=run_dir.name):
        return _drain(options, started, run_dir, stop_requested, skip, progress, on_file)


def _drain(
    options: DrainOptions,
    started: datetime,
    run_dir: Path,
    stop_requested: Callable[[], bool] | None,
    skip: Callable[[Path], bool] | None,
    progress: Progress | None,
    on_file: Callable[[FileOutcome], None] | None,
) -> DrainSummary:
    stop = stop_requested or (lambda: False)
    summary = DrainSummary(str(options.inbox), started.isoformat(timespec="seconds"))
    with drain_lock(options.state_dir, options.inbox):
        ready, waiting = ready_files(options.inbox, options.settle_seconds)
        summary.not_ready = [path.name for path in waiting]
        emit("run_started", f"drain of {options.inbox}: {len(ready)} file(s) ready, "
             f"{len(waiting)} still being written", inbox=str(options.inbox),
             ready=len(ready), not_ready=len(waiting))  # fmt: skip
        for path in waiting:
            emit("file_skipped", f"{path.name}: modified in the last "
                 f"{options.settle_seconds:g} s, left for the next drain",
                 file=path.name)  # fmt: skip
        deliveries = Deliveries(options.state_dir / DELIVERIES_FILE)
        try:
            for path in ready:
                if stop():
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
        summary.finished_at = datetime.now(UTC).isoformat(timespec="seconds")
        summary.summary_path = str(_write_summary(run_dir, summary))
    totals = summary.totals()
    emit("run_finished", f"drain of {options.inbox} finished: {len(summary.files)} file(s), "
         f"{totals['accepted']} accepted, {totals['rejected']} rejected, exit "
         f"{summary.exit_status}", inbox=str(options.inbox), files=len(summary.files),
         exit_status=summary.exit_status, **totals)  # fmt: skip
    return summary


def _drain_file(
    path: Path,
    options: DrainOptions,
    run_dir: Path,
    deliveries: Deliveries,
    progress: Progress | None = None,
) -> FileOutcome | None:
    """Import one file and move it; None when it changed while it was read."""
    before = path.stat()
    sha256 = _sha256(path)
    after = path.stat()
    if (before.st_size, before.st_mtime_ns) != (after.st_size, after.st_mtime_ns):
        emit("file_skipped", f"{path.name}: changed while it was read, left for the next drain",
             file=path.name)  # fmt: skip
        return None
    template = options.template
    key = run_key(sha256=sha256, campaign=template.campaign or "", base_url=template.base_url or "")
    emit("file_started", f"{path.name}: importing", file=path.name, sha256=sha256,
         size_bytes=after.st_size)  # fmt: skip
    first = deliveries.first(key)
    if first is not None:
        note = (f"{path.name} has the same content as {first[0]}, imported on {first[1]}; "
                "it was not imported again")  # fmt: skip
        moved = _move(path, options.archive_dir / _today())
        moved.with_name(moved.name + ".note.txt").write_text(note + "\n", encoding="utf-8")
        emit("duplicate_delivery", note, file=path.name, sha256=sha256, moved_to=str(moved))
        return FileOutcome(path.name, "duplicate_delivery", ExitStatus.SUCCESS, sha256,
                           moved_to=str(moved), message=note)  # fmt: skip
    report_dir = _unique(run_dir / path.name)
    try:
        result = run_import(replace(template, path=path, out_dir=report_dir), progress)
    except ImportIncomplete as exc:
        return _left(path, sha256, exc.exit_status, exc.message, exc.summary, report_dir)
    except (InputFileError, MappingColumnError) as exc:
        return _failed(path, sha256, options, report_dir, exc.exit_status, exc.message)
    except ImporterError as exc:
        return _left(path, sha256, exc.exit_status, exc.message, None, None)
    except Exception as exc:  # a defect on this file must not stop the other files
        message = f"unexpected {type(exc).__name__}: {exc} (a bug in whiteclad-import)"
        return _failed(path, sha256, options, report_dir, ExitStatus.INTERNAL_ERROR, message)
    deliveries.record(key, sha256, path.name, options.inbox)
    moved = _move(path, options.archive_dir / _today())
    counts = _counts(result)
    emit("file_archived", f"{path.name}: {counts['accepted']} accepted, {counts['rejected']} "
         f"rejected, {counts['duplicates']} duplicates; archived to {moved}",
         file=path.name, moved_to=str(moved), ledger_run_id=result.run_id,
         **counts)  # fmt: skip
    return FileOutcome(path.name, "imported", int(result.exit_status), sha256, counts,
                       str(moved), result.out_dir)  # fmt: skip


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
    path: Path, sha256: str, options: DrainOptions, report_dir: Path, status: int, message: str
) -> FileOutcome:
    moved = _move(path, options.failed_dir)
    moved.with_name(moved.name + ".error.txt").write_text(message + "\n", encoding="utf-8")
    reports = None
    if report_dir.exists():
        reports = str(shutil.move(report_dir, _unique(moved.with_name(moved.name + ".reports"))))
    emit("file_failed", f"{path.name}: {message.splitlines()[0]}; moved to {moved}", logging.ERROR,
         file=path.name, exit_status=status, moved_to=str(moved))  # fmt: skip
    return FileOutcome(path.name, "failed", status, sha256, {}, str(moved), reports, message)


def _counts(summary: Summary) -> dict[str, int]:
    return {name: int(getattr(summary, name)) for name in COUNTS}


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
    folder.mkdir(parents=True, exist_ok=True)
    return Path(shutil.move(path, _unique(folder / path.name)))


def _today() -> str:
    return datetime.now().strftime("%Y-%m-%d")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _write_summary(run_dir: Path, summary: DrainSummary) -> Path:
    run_dir.mkdir(parents=True, exist_ok=True)
    path = run_dir / DRAIN_SUMMARY
    summary.summary_path = str(path)
    path.write_text(json.dumps(summary.to_dict(), indent=2, ensure_ascii=False) + "\n", "utf-8")
    return path


def watch(
    options: DrainOptions,
    stop_requested: Callable[[], bool],
    poll_seconds: float = 30.0,
    retry_seconds: float = 600.0,
    sleep: Callable[[float], None] = time.sleep,
    progress: Progress | None = None,
    on_file: Callable[[FileOutcome], None] | None = None,
) -> Iterator[DrainSummary]:
    """Drain the inbox again and again, every ``poll_seconds``, until a stop is asked for.

    A file left in the inbox after a problem is tried again after ``retry_seconds``,
    not at every poll. ``progress`` and ``on_file`` are passed to each drain.
    """
    left_at: dict[Path, float] = {}

    def skip(path: Path) -> bool:
        return time.monotonic() - left_at.get(path, -retry_seconds) < retry_seconds

    while not stop_requested():
        summary = drain_inbox(options, stop_requested, skip, progress, on_file)
        for outcome in summary.files:
            if outcome.outcome == "left":
                left_at[options.inbox / outcome.name] = time.monotonic()
        yield summary
        waited = 0.0
        while waited < poll_seconds and not stop_requested():
            step = min(0.5, poll_seconds - waited)
            sleep(step)
            waited += step


def notify(url: str, summary: DrainSummary, timeout: float = 10.0) -> bool:
    """POST the drain summary to a webhook, Slack-compatible (a ``text`` line first).

    Returns whether the webhook took it; a failure is logged, never raised: the
    drain's own outcome stands.
    """
    import requests

    totals = summary.totals()
    failed = [f.name for f in summary.files if f.outcome in ("failed", "left")]
    text = (
        f"whiteclad-import drain of {summary.inbox}: exit {summary.exit_status}, "
        f"{len(summary.files)} file(s), {totals['accepted']} accepted, {totals['rejected']} "
        f"rejected, {totals['pending']} pending"
        + (f"; needs attention: {', '.join(failed)}" if failed else "")
    )
    try:
        answer = requests.post(url, json={"text": text, "summary": summary.to_dict()},
                               timeout=timeout, allow_redirects=False)  # fmt: skip
        answer.raise_for_status()
    except requests.RequestException as exc:
        emit("notify_failed", f"the webhook did not take the drain summary ({type(exc).__name__})",
             logging.WARNING, error=type(exc).__name__, run_id=summary.drain_id,
             drain_id=summary.drain_id)  # fmt: skip
        return False
    return True
