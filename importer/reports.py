"""The reconciler's output: one report file per outcome, appended chunk by chunk.

Every data row of the input lands in exactly one of ``accepted.csv``,
``rejected.csv``, ``duplicates.csv`` or ``pending.csv`` (written only when rows
could not be sent). Each report row carries the source row's original columns,
unchanged and in their original order, then ``source_row`` and the columns of
that report. The CSVs are UTF-8 with a byte-order mark, so that Excel shows
accented names correctly, and a report can be imported again as it is.

Nothing from the user's file can run as a formula when a report is opened in a
spreadsheet: a source cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or
a carriage return is written with a leading ``'`` (:func:`neutralize`), except
a phone number in E.164 form (``+14155550123``), which no spreadsheet reads as a
formula and which must stay importable as it is. The workbook
(:mod:`importer.workbook`) takes the cells back without the ``'`` and writes
them as text, and the reader takes the ``'`` off when a report is imported again.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType
from typing import IO, Any

# The formula marks are imported under their own names: callers import them from here.
from .cells import E164 as _E164
from .cells import FORMULA_STARTS as FORMULA_STARTS
from .cells import neutralize as neutralize
from .cells import restore as restore
from .errors import ReportError

__all__ = [
    "INCOMPLETE_FILE",
    "LEADS_FILE",
    "OUTCOMES",
    "REPORT_COLUMNS",
    "SUMMARY_FILE",
    "ReportRows",
    "ReportWriter",
    "empty_rows",
    "mark_incomplete",
]

OUTCOMES = ("accepted", "rejected", "duplicates", "suppressed", "pending")
#: Columns each report adds after the source columns and ``source_row``.
REPORT_COLUMNS: dict[str, tuple[str, ...]] = {
    "accepted": (
        "phone_e164",
        "phone_type",
        "time_zone",
        "time_zone_source",
        "warnings",
        "lead_id",
        "campaign_lead_id",
    ),
    "rejected": ("error", "error_codes"),
    "duplicates": ("duplicate_of",),
    "suppressed": ("phone_e164", "suppressed_by", "suppressed_code"),
    "pending": ("phone_e164", "reason"),
}
LEADS_FILE = "leads.jsonl"


def _neutralize_rows(rows: list[list[Any]], positions: Iterable[int]) -> None:
    """Neutralize the source cells at these positions of report rows, in place."""
    starts, e164 = FORMULA_STARTS, _E164.fullmatch  # looked up once: this runs per cell
    for at in positions:
        for row in rows:
            cell = row[at]
            if cell and cell[0] in starts and not e164(cell):
                row[at] = "'" + cell


SUMMARY_FILE = "summary.json"
#: Written first into a report folder and removed once its summary is written: a folder
#: that holds it is what a run left when it was killed or crashed, never a result.
INCOMPLETE_FILE = "INCOMPLETE.txt"
INCOMPLETE_TEXT = (
    "This run did not finish (it was killed, crashed, or could not write its reports):\n"
    "the report files in this folder are partial and are not a result.\n"
    "The rows it checked and sent are in the ledger of its state folder; run the same\n"
    "command again to resume it (a drain resumes it by itself at its next run).\n"
)


#: Report rows of a chunk, by outcome: each row is the source cells, then
#: ``source_row``, then the columns of that report (:data:`REPORT_COLUMNS`).
ReportRows = dict[str, list[list[Any]]]


def mark_incomplete(folder: Path) -> Path:
    """Write INCOMPLETE.txt into a report folder: removed when the run's summary is written."""
    path = folder / INCOMPLETE_FILE
    path.write_text(INCOMPLETE_TEXT, "utf-8")
    return path


def empty_rows() -> ReportRows:
    """Return a ReportRows with an empty list per outcome."""
    return {name: [] for name in OUTCOMES}


class ReportWriter:
    """Appends chunk outcomes to the report files of one run."""

    def __init__(self, out_dir: Path, columns: tuple[str, ...], *, write_leads: bool) -> None:
        self.out_dir = out_dir
        self.columns = columns
        self._handles: dict[str, IO[str]] = {}
        self._buffer = io.StringIO()
        self._csv = csv.writer(self._buffer)
        self._leads: IO[str] | None = None
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
            # Before any report file: a killed run's folder must say it is no result, and
            # an earlier run's summary.json must not vouch for this run's partial files.
            mark_incomplete(out_dir)
            (out_dir / SUMMARY_FILE).unlink(missing_ok=True)
            for name in ("accepted", "rejected", "duplicates"):
                self._open(name)
            # Left by an earlier run into the same folder, and not (yet) written by this
            # one: a report must never mix two runs.
            stale = [
                "pending.csv",
                "suppressed.csv",
                "report.xlsx",
                *([] if write_leads else [LEADS_FILE]),
            ]
            for name in stale:
                (out_dir / name).unlink(missing_ok=True)
            if write_leads:
                self._leads = (out_dir / LEADS_FILE).open("w", encoding="utf-8", newline="\n")
        except OSError as exc:
            self.close()
            raise ReportError(
                f"cannot write reports to {out_dir} ({exc.strerror}); choose another folder "
                "with --out"
            ) from exc

    def path(self, name: str) -> Path:
        """Return the path of one report file (``accepted``, ``rejected``, ...)."""
        return self.out_dir / f"{name}.csv"

    def written(self) -> dict[str, str]:
        """Return the report files written so far, by outcome."""
        return {name: str(self.path(name)) for name in self._handles}

    def _open(self, name: str) -> None:
        handle = self.path(name).open("w", encoding="utf-8-sig", newline="")
        csv.writer(handle).writerow([*self.columns, "source_row", *REPORT_COLUMNS[name]])
        self._handles[name] = handle

    def write(
        self, rows: ReportRows, leads: Iterable[str] = (), check: Iterable[int] | None = None
    ) -> None:
        """Append report rows, and on dry runs the lines of leads.jsonl.

        ``check`` names the source columns that may hold a cell to neutralize, when the
        caller knows (the others are known to hold none); by default every one.
        """
        positions = range(len(self.columns)) if check is None else sorted(set(check))
        try:
            for name in OUTCOMES:
                found = rows.get(name)
                if not found:
                    continue
                if name not in self._handles:
                    self._open(name)
                _neutralize_rows(found, positions)
                self._handles[name].write(self._render(found))
            if self._leads is not None:
                self._leads.writelines(leads)
        except OSError as exc:
            raise ReportError(f"cannot write reports to {self.out_dir} ({exc.strerror})") from exc

    def _render(self, rows: list[list[Any]]) -> str:
        """Rows as CSV text, rendered in memory: one write per chunk, not per row."""
        self._buffer.seek(0)
        self._buffer.truncate()
        self._csv.writerows(rows)
        return self._buffer.getvalue()

    def write_summary(self, summary: dict[str, Any]) -> Path:
        """Write summary.json and return its path."""
        path = self.out_dir / SUMMARY_FILE
        try:
            path.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", "utf-8")
            (self.out_dir / INCOMPLETE_FILE).unlink(missing_ok=True)  # the run is reported
        except OSError as exc:
            raise ReportError(f"cannot write {path} ({exc.strerror})") from exc
        return path

    def close(self) -> None:
        """Flush and close every report file."""
        for handle in self._handles.values():
            handle.close()
        if self._leads is not None:
            self._leads.close()
            self._leads = None

    def __enter__(self) -> ReportWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
