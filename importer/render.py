"""Render results for people: the end-of-run summary and the progress bar."""

from __future__ import annotations

from typing import IO, Any

from tqdm import tqdm

from .pipeline import Summary


def summary_text(summary: Summary, reasons: int = 5) -> str:
    """Return the short human summary printed on stderr at the end of a run."""
    mode = " (dry run: nothing was sent)" if summary.dry_run else ""
    lines = [
        f"{summary.source['path']}: {summary.total} rows{mode}",
        f"  accepted    {summary.accepted:>9}",
        f"  rejected    {summary.rejected:>9}",
        f"  duplicates  {summary.duplicates:>9}",
    ]
    if summary.pending:
        lines.append(f"  pending     {summary.pending:>9}")
    if summary.warnings:
        lines.append(f"  warnings    {summary.warnings:>9}  (values dropped by --lenient)")
    if summary.blank_rows:
        lines.append(f"  blank rows skipped: {summary.blank_rows}")
    if summary.rejection_reasons:
        lines.append("Top rejection reasons:")
        for code, count in list(summary.rejection_reasons.items())[:reasons]:
            lines.append(f"  {count:>9}  {code}")
    lines.append(f"Reports: {summary.out_dir}")
    return "\n".join(lines)


class ProgressBar:
    """A tqdm bar on a stream, showing rows per outcome; silent when disabled."""

    def __init__(self, stream: IO[str], enabled: bool) -> None:
        self._stream = stream
        self._enabled = enabled
        self._bar: tqdm[Any] | None = None
        self._last = 0

    def start(self, total: int, unit: str) -> None:
        """Open the bar (bytes for text files, rows for workbooks)."""
        if not self._enabled:
            return
        self._bar = tqdm(
            total=total or None,
            unit=unit,
            unit_scale=unit == "B",
            file=self._stream,
            desc="validating",
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

    def close(self) -> None:
        """Remove the bar."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None
