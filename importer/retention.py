"""Retention: lead data older than its limit is removed, and what was removed is said.

Three kinds, each with its own limit in days (settings ``retention``, command ``prune``):

- ``archive``: a day's folder of the drain's archive (``archive/YYYY-MM-DD/``, named
  by the day the files were filed away) is removed whole once that day is older than
  the limit. Archived files keep their vendor's modification time, so it is not used.
  Other entries of the archive folder are not the tool's and are left.
- ``reports``: a folder of the reports folder (a drain's ``drain-...`` folder, or an
  import's) is removed once nothing in it changed for longer than the limit.
- ``ledger``: a run of the ledger, with its rows and batches, is removed once it has not
  changed for longer than the limit, unless rows are left to send: that run is kept,
  however old, since the next import of its file resumes it.

``failed/`` is never pruned: each file there waits for a person.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from .ledger import LEDGER_FILE, Ledger

__all__ = ["PruneResult", "prune"]


@dataclass
class PruneResult:
    """What a prune removed (or would remove, in a dry run), and what it kept on purpose."""

    dry_run: bool
    archive: list[str] = field(default_factory=list)
    reports: list[str] = field(default_factory=list)
    #: Ledger runs removed: id, file and last change.
    ledger_runs: list[dict[str, object]] = field(default_factory=list)
    #: Old ledger runs kept because rows are left to send.
    kept_pending: list[dict[str, object]] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """How many of each kind were removed."""
        return {
            "archive": len(self.archive),
            "reports": len(self.reports),
            "ledger": len(self.ledger_runs),
            "kept_pending": len(self.kept_pending),
        }


def prune(
    retention: dict[str, int],
    *,
    state_dir: Path,
    archive_dir: Path | None = None,
    reports_dir: Path | None = None,
    dry_run: bool = False,
    now: datetime | None = None,
) -> PruneResult:
    """Remove what is older than ``retention`` (days per kind) and return what it removed."""
    moment = now or datetime.now(UTC)
    result = PruneResult(dry_run)
    if "archive" in retention and archive_dir is not None and archive_dir.is_dir():
        limit = (moment - timedelta(days=retention["archive"])).astimezone().date()  # local days
        for day in sorted(archive_dir.iterdir()):
            when = _day(day.name)
            if day.is_dir() and when is not None and when < limit:
                result.archive.extend(
                    str(path) for path in sorted(day.rglob("*")) if path.is_file()
                )
                _remove(day, dry_run)
    if "reports" in retention and reports_dir is not None and reports_dir.is_dir():
        cutoff = (moment - timedelta(days=retention["reports"])).timestamp()
        for folder in sorted(reports_dir.iterdir()):
            if folder.is_dir() and _newest(folder) < cutoff:
                result.reports.append(str(folder))
                _remove(folder, dry_run)
    ledger_file = state_dir / LEDGER_FILE
    if "ledger" in retention and ledger_file.exists():
        with Ledger(ledger_file) as ledger:
            removed, kept = ledger.prune_runs(
                moment - timedelta(days=retention["ledger"]), dry_run=dry_run
            )
        result.ledger_runs = [_run(run.id, run.source_path, run.updated_at) for run in removed]
        result.kept_pending = [_run(run.id, run.source_path, run.updated_at) for run in kept]
    return result


def _run(run_id: int, source: str, updated_at: str) -> dict[str, object]:
    return {"id": run_id, "file": source, "updated_at": updated_at}


def _day(name: str) -> date | None:
    try:
        return datetime.strptime(name, "%Y-%m-%d").date()
    except ValueError:
        return None


def _newest(folder: Path) -> float:
    """The latest modification time of the folder and everything in it."""
    return max([folder.stat().st_mtime, *(path.lstat().st_mtime for path in folder.rglob("*"))])


def _remove(folder: Path, dry_run: bool) -> None:
    if not dry_run:
        shutil.rmtree(folder)
