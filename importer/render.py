"""Render results for people: the end-of-run summary and the progress bar."""

from __future__ import annotations

from typing import IO, Any

from tqdm import tqdm

from .client import Campaign
from .ledger import RunRecord
from .marks import LIST_CODE
from .pipeline import Summary
from .retention import PruneResult

__all__ = [
    "ProgressBar",
    "campaign_table",
    "prune_text",
    "run_table",
    "summary_text",
]


def summary_text(summary: Summary, reasons: int = 5) -> str:
    """Return the short human summary printed on stderr at the end of a run."""
    mode = " (dry run: nothing was sent)" if summary.dry_run else ""
    lines = [
        f"{summary.source['path']}: {summary.total} rows{mode}",
        f"  accepted    {summary.accepted:>9}",
        f"  rejected    {summary.rejected:>9}",
        f"  duplicates  {summary.duplicates:>9}",
    ]
    # Always shown, 0 included: a do-not-call audit reads it from every run's end.
    why = f"  ({_suppressed_why(summary)})" if summary.suppressed else ""
    lines.append(f"  suppressed  {summary.suppressed:>9}{why}")
    if summary.pending:
        lines.append(f"  pending     {summary.pending:>9}")
    if summary.warnings:
        lines.append(f"  warnings    {summary.warnings:>9}  (see the warnings column)")
    if summary.blank_rows:
        lines.append(f"  blank rows skipped: {summary.blank_rows}")
    skipped = summary.suppression.get("lines_skipped", 0)
    if skipped:
        lines.append(
            f"Do-not-call lists: {skipped} line(s) could not be read and were left out "
            "(--suppress-skip-bad-lines): numbers on them were not checked"
        )
    repeated = summary.source.get("repeated_headers") or []
    if repeated:
        shown = ", ".join(str(row) for row in repeated[:5]) + (", ..." if len(repeated) > 5 else "")
        lines.append(f"  header repeated below, dropped: {len(repeated)} (row {shown})")
    zones = summary.time_zone_sources
    if any(zones.values()):
        lines.append(
            f"Time zones: {zones.get('file', 0)} from the file, {zones.get('postal_code', 0)} "
            f"from postal codes, {zones.get('phone', 0)} from phone numbers, "
            f"{zones.get('none', 0)} without one"
        )
    if summary.rejection_reasons:
        lines.append("Top rejection reasons:")
        for code, count in list(summary.rejection_reasons.items())[:reasons]:
            lines.append(f"  {count:>9}  {code}")
    if summary.campaign:
        lines.append(
            f"Campaign: {summary.campaign['name']} ({summary.campaign['id']}); "
            f"{summary.requests} requests, {summary.credits_deducted:g} credits used"
        )
    lines.append(f"Reports: {summary.out_dir}")
    return "\n".join(lines)


def _suppressed_why(summary: Summary) -> str:
    """Why rows were suppressed: on a list, marked do-not-call in the file, or both."""
    codes = summary.suppressed_codes
    marked = sum(count for code, count in codes.items() if code != LIST_CODE)
    if not marked:
        return "on a do-not-call list"
    listed = summary.suppressed - marked
    if not listed:
        return "marked do-not-call in the file"
    return f"{listed} on a do-not-call list, {marked} marked do-not-call in the file"


def campaign_table(campaigns: list[Campaign]) -> str:
    """Render campaigns as an aligned table: id, status, name."""
    if not campaigns:
        return "No campaigns."
    rows = [("ID", "STATUS", "NAME")] + [(c.id, c.status, c.name) for c in campaigns]
    widths = [max(len(row[i]) for row in rows) for i in range(2)]
    return "\n".join(f"{a.ljust(widths[0])}  {b.ljust(widths[1])}  {c}" for a, b, c in rows)


class ProgressBar:
    """A tqdm bar on a stream, showing rows per outcome; silent when disabled."""

    def __init__(self, stream: IO[str], enabled: bool) -> None:
        self._stream = stream
        self._enabled = enabled
        self._bar: tqdm[Any] | None = None
        self._last = 0

    def start(self, total: int, unit: str, label: str) -> None:
        """Open a bar for one stage (bytes for text files, rows otherwise)."""
        self._last = 0
        if not self._enabled:
            return
        self._bar = tqdm(
            total=total or None,
            unit=unit,
            unit_scale=unit == "B",
            file=self._stream,
            desc=label,
            leave=False,
            dynamic_ncols=True,
        )

    def update(self, position: int, counts: dict[str, int]) -> None:
        """Move the bar to ``position`` and show the counts."""
        if self._bar is None:
            return
        self._bar.update(max(position - self._last, 0))
        self._last = max(position, self._last)
        self._bar.set_postfix(
            ok=counts.get("accepted", 0),
            rejected=counts.get("rejected", 0),
            dup=counts.get("duplicates", 0),
            refresh=False,
        )

    def notice(self, text: str) -> None:
        """Print a line above the bar (or alone when there is no bar)."""
        if self._bar is not None:
            self._bar.write(f"Warning: {text}", file=self._stream)
        else:
            print(f"Warning: {text}", file=self._stream)

    def close(self) -> None:
        """Remove the bar."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def run_table(runs: list[RunRecord]) -> str:
    """Render ledger runs as an aligned table with their outcome counts."""
    if not runs:
        return "No runs."
    header = ["ID", "UPDATED", "STATUS", "TOTAL", "ACCEPTED", "REJECTED", "DUPS", "SUPPRESSED",
              "PENDING", "CAMPAIGN", "FILE"]  # fmt: skip
    rows = [header]
    for run in runs:
        counts = run.summary or {}
        numbers = [str(counts.get(key, "")) for key in
                   ("total", "accepted", "rejected", "duplicates", "suppressed",
                    "pending")]  # fmt: skip
        updated = run.updated_at.replace("T", " ").removesuffix("+00:00")
        status = run.latest_status
        rows.append([str(run.id), updated, status, *numbers, run.campaign_name, run.source_path])
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    )


def prune_text(result: PruneResult) -> str:
    """What a prune removed (or would remove), with counts, paths and the runs it kept."""
    verb = "would remove" if result.dry_run else "removed"
    counts = result.counts()
    lines = [
        f"{verb}: {counts['archive']} archived file(s), {counts['reports']} report folder(s), "
        f"{counts['ledger']} ledger run(s)"
    ]
    lines += [f"  archive  {path}" for path in result.archive]
    lines += [f"  reports  {path}" for path in result.reports]
    lines += [f"  ledger   run #{run['id']} {run['file']} ({run['updated_at']})"
              for run in result.ledger_runs]  # fmt: skip
    if result.kept_pending:
        lines.append(
            f"kept: {counts['kept_pending']} old ledger run(s) with rows left to send; "
            "import their files again to finish them"
        )
        lines += [f"  ledger   run #{run['id']} {run['file']} ({run['updated_at']})"
                  for run in result.kept_pending]  # fmt: skip
    return "\n".join(lines)
