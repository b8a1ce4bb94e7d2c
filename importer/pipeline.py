"""The import pipeline: read -> map -> validate -> de-duplicate -> (send) -> report.

:func:`run_import` is the library entry point the CLI calls. Data flows one way,
chunk by chunk: the reader yields chunks of source rows, the mapping projects
them onto lead fields, the schema normalizes and validates them, in-file
duplicates are set aside with state carried across chunks, and the report
writer appends each chunk's rows to the report of their outcome. Sending to the
API slots in between de-duplication and reporting.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import pandas as pd
import phonenumbers

from . import __version__
from .dedupe import InFileDuplicates
from .errors import UsageError
from .issues import Issue, join_messages
from .mapping import BoundMapping, Mapping, bind_mapping, load_mapping, project
from .reader import ReadOptions, SourceInfo, open_source
from .reports import OUTCOMES, ChunkOutcome, ReportWriter
from .schema import ValidatedChunk, lead_payload, validate_chunk

DEFAULT_REPORTS_ROOT = Path("whiteclad-reports")


@dataclass(frozen=True)
class ImportOptions:
    """Everything one import needs, as plain values."""

    path: Path
    mapping: str | Path
    out_dir: Path | None = None
    region: str | None = None
    lenient: bool = False
    dry_run: bool = True
    read: ReadOptions = field(default_factory=ReadOptions)


class Progress(Protocol):
    """Receives progress while rows are processed (the CLI shows a bar)."""

    def start(self, total: int, unit: str) -> None:
        """Called once the file is open, with the total in ``unit`` (bytes or rows)."""

    def update(self, position: int, counts: dict[str, int]) -> None:
        """Called after each chunk with the reader's position and the counts so far."""

    def close(self) -> None:
        """Called when processing ends, normally or not."""


@dataclass
class Summary:
    """The outcome of one run, as written to summary.json."""

    total: int
    accepted: int
    rejected: int
    duplicates: int
    pending: int
    dry_run: bool
    warnings: int
    blank_rows: int
    source: dict[str, Any]
    mapping: dict[str, Any]
    region: str | None
    lenient: bool
    rejection_reasons: dict[str, int]
    out_dir: str
    reports: dict[str, str]
    started_at: str
    finished_at: str
    duration_seconds: float
    tool_version: str = __version__

    def to_dict(self) -> dict[str, Any]:
        """Return the summary as JSON-ready data."""
        return asdict(self)

    @property
    def balanced(self) -> bool:
        """True when every row is counted in exactly one outcome."""
        return self.total == self.accepted + self.rejected + self.duplicates + self.pending


def default_out_dir(path: Path, now: datetime | None = None) -> Path:
    """Return ./whiteclad-reports/<file name>-<time>/ for a run on ``path``."""
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    return DEFAULT_REPORTS_ROOT / f"{path.stem}-{stamp}"


def check_region(region: str | None) -> str | None:
    """Return the region code in upper case, or raise UsageError for an unknown one."""
    if region is None:
        return None
    code = region.strip().upper()
    if code not in phonenumbers.SUPPORTED_REGIONS:
        raise UsageError(
            f"--region '{region}' is not a country code phone numbers know; use a two-letter "
            "ISO code such as US, GB, DE or IN"
        )
    return code


def run_import(options: ImportOptions, progress: Progress | None = None) -> Summary:
    """Run one import and write its reports; return the summary."""
    started = datetime.now(UTC)
    clock = time.perf_counter()
    if not options.dry_run:
        raise UsageError(
            "sending leads to the API is not available in this version; add --dry-run to "
            "check the file and see the reports"
        )
    region_option = check_region(options.region)
    mapping = load_mapping(options.mapping)
    region = region_option or mapping.region
    with open_source(options.path, options.read) as source:
        bound = bind_mapping(mapping, source.info.columns, str(options.path))
        out_dir = options.out_dir or default_out_dir(options.path)
        counts: Counter[str] = Counter()
        reasons: Counter[str] = Counter()
        duplicates = InFileDuplicates()
        if progress is not None:
            progress.start(source.info.progress_total, source.info.progress_unit)
        try:
            with ReportWriter(out_dir, source.info.columns, write_leads=options.dry_run) as writer:
                for chunk in source.chunks():
                    projected = project(chunk.frame, bound)
                    validated = validate_chunk(
                        projected,
                        region=region,
                        lenient=options.lenient,
                        extra_values=chunk.extra_values,
                    )
                    outcome = reconcile(chunk.frame, validated, duplicates)
                    writer.write(outcome)
                    counts.update(outcome.counts())
                    counts["total"] += len(chunk.frame)
                    counts["blank_rows"] += chunk.blank_rows
                    counts["warnings"] += sum(
                        1 for issue in validated.issues if issue.severity == "warning"
                    )
                    reasons.update(_row_codes(validated.issues))
                    if progress is not None:
                        progress.update(chunk.progress, {k: counts[k] for k in OUTCOMES})
                summary = _summary(
                    options, source.info, mapping, bound, region, counts, reasons, writer,
                    started, time.perf_counter() - clock,
                )  # fmt: skip
                writer.write_summary(summary.to_dict())
        finally:
            if progress is not None:
                progress.close()
    if not summary.balanced:  # a defect, never a user error: refuse to look successful
        raise AssertionError(f"row counts do not add up: {summary.to_dict()}")
    return summary


def reconcile(
    source: pd.DataFrame, validated: ValidatedChunk, duplicates: InFileDuplicates
) -> ChunkOutcome:
    """Decide each row's outcome: rejected, duplicate, or accepted."""
    leads = validated.leads
    by_row: dict[int, list[Issue]] = {}
    for issue in validated.issues:
        by_row.setdefault(issue.row, []).append(issue)
    rejected_rows = leads.index[validated.rejected.to_numpy()]
    valid = leads.loc[~validated.rejected.to_numpy()]
    duplicate_of = duplicates.find(valid["phone"])
    accepted = valid.drop(index=duplicate_of.index)
    rejected = pd.DataFrame(
        {
            "error": [join_messages(by_row[row]) for row in rejected_rows],
            "error_codes": [
                " ".join(dict.fromkeys(issue.code for issue in by_row[row]))
                for row in rejected_rows
            ],
        },
        index=rejected_rows,
        dtype=object,
    )
    accepted_report = pd.DataFrame(
        {
            "phone_e164": accepted["phone"],
            "warnings": [join_messages(by_row.get(row, [])) for row in accepted.index],
        },
        index=accepted.index,
        dtype=object,
    )
    duplicates_report = pd.DataFrame(
        {"duplicate_of": [f"row {first}" for first in duplicate_of]},
        index=duplicate_of.index,
        dtype=object,
    )
    payloads = [
        (int(row), lead_payload(values))
        for row, values in zip(accepted.index, accepted.to_dict("records"), strict=True)
    ]
    return ChunkOutcome(
        source=source,
        accepted=accepted_report,
        rejected=rejected,
        duplicates=duplicates_report,
        leads=payloads,
    )


def _row_codes(issues: list[Issue]) -> Counter[str]:
    """Count each error code once per row."""
    pairs = {(issue.row, issue.code) for issue in issues if issue.severity == "error"}
    return Counter(code for _, code in pairs)


def _summary(
    options: ImportOptions,
    info: SourceInfo,
    mapping: Mapping,
    bound: BoundMapping,
    region: str | None,
    counts: Counter[str],
    reasons: Counter[str],
    writer: ReportWriter,
    started: datetime,
    seconds: float,
) -> Summary:
    return Summary(
        total=counts["total"],
        accepted=counts["accepted"],
        rejected=counts["rejected"],
        duplicates=counts["duplicates"],
        pending=counts["pending"],
        dry_run=options.dry_run,
        warnings=counts["warnings"],
        blank_rows=counts["blank_rows"],
        source={
            "path": str(options.path),
            "sha256": info.sha256,
            "format": info.format,
            "encoding": info.encoding,
            "delimiter": info.delimiter,
            "sheet": info.sheet,
            "header_row": info.header_row,
            "columns": list(info.columns),
            "size_bytes": info.size_bytes,
        },
        mapping={
            "name": mapping.name,
            "path": str(mapping.path),
            "sha256": mapping.sha256,
            "fields": {key: _describe(src) for key, src in bound.fields.items()},
            "custom_fields": {key: _describe(src) for key, src in bound.custom_fields.items()},
            "absent_optional_columns": list(bound.absent_optional),
        },
        region=region,
        lenient=options.lenient,
        rejection_reasons=dict(sorted(reasons.items(), key=lambda item: (-item[1], item[0]))),
        out_dir=str(writer.out_dir),
        reports={**writer.written(), "summary": str(writer.out_dir / "summary.json")},
        started_at=started.isoformat(timespec="seconds"),
        finished_at=datetime.now(UTC).isoformat(timespec="seconds"),
        duration_seconds=round(seconds, 3),
    )


def _describe(source: Any) -> str:
    if source.column is not None:
        return f"column {source.column}"
    if source.template is not None:
        return f"template {source.template}"
    return f"value {source.value}"
