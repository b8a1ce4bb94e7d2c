"""The import pipeline: read -> map -> validate -> de-duplicate -> (send) -> report.

:func:`run_import` is the library entry point the CLI calls. Data flows one way,
chunk by chunk: the reader yields chunks of source rows, the mapping projects
them onto lead fields, the schema normalizes and validates them, in-file
duplicates are set aside with state carried across chunks, and the report
writer appends each chunk's rows to the report of their outcome. Sending to the
API slots in between de-duplication and reporting.
"""

from __future__ import annotations

import contextlib
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import pandas as pd
import phonenumbers

from . import __version__
from .campaigns import resolve_campaign
from .client import MAX_BATCH, ApiClient, Campaign, Credentials, RetryPolicy, resolve_base_url
from .dedupe import InFileDuplicates
from .errors import (
    ApiError,
    ImportIncomplete,
    PaymentRequiredError,
    UsageError,
)
from .issues import Issue, join_messages
from .mapping import BoundMapping, Mapping, bind_mapping, load_mapping, project
from .reader import ReadOptions, SourceFile, open_source
from .reports import OUTCOMES, ChunkOutcome, ReportWriter
from .schema import ValidatedChunk, lead_payload, validate_chunk
from .sender import SendTotals, pending_outcome, send_batch
from .spool import Spool, SpooledRow

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
    #: Campaign id or name; falls back to the mapping's ``campaign``.
    campaign: str | None = None
    batch_size: int = MAX_BATCH
    #: None: --base-url's environment fallback, then the documented URL.
    base_url: str | None = None
    #: None: read from WHITECLAD_CLIENT_ID / WHITECLAD_CLIENT_SECRET.
    credentials: Credentials | None = field(default=None, repr=False)
    retry: RetryPolicy = field(default_factory=RetryPolicy)


class Progress(Protocol):
    """Receives progress while rows are processed (the CLI shows a bar)."""

    def start(self, total: int, unit: str, label: str) -> None:
        """Called as a stage starts, with its total in ``unit`` (bytes or rows)."""

    def update(self, position: int, counts: dict[str, int]) -> None:
        """Called after each chunk or batch with the position and the counts so far."""

    def close(self) -> None:
        """Called when a stage ends, normally or not."""

    def notice(self, text: str) -> None:
        """Called with something the user should read now (e.g. a credit warning)."""


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
    campaign: dict[str, str] | None = None
    base_url: str | None = None
    requests: int = 0
    batches: int = 0
    credits_deducted: float = 0.0
    credits_balance: float | None = None
    notices: list[str] = field(default_factory=list)
    stopped_by: str | None = None
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


#: The price of one lead in the API document's example, used only to warn early.
ESTIMATED_CREDITS_PER_LEAD = 0.01


def run_import(options: ImportOptions, progress: Progress | None = None) -> Summary:
    """Run one import: validate every row, send the valid ones (unless a dry run), report.

    Returns the summary; raises :class:`ImportIncomplete` (carrying it) when the API
    stopped the run part-way, and other :class:`ImporterError` subclasses when the run
    could not start.
    """
    if not 1 <= options.batch_size <= MAX_BATCH:
        raise UsageError(f"--batch-size must be between 1 and {MAX_BATCH}")
    region_option = check_region(options.region)
    mapping = load_mapping(options.mapping)
    client, campaign = _connect(options, mapping)
    try:
        with open_source(options.path, options.read) as source:
            bound = bind_mapping(mapping, source.info.columns, str(options.path))
            run = _Run(options, mapping, bound, region_option or mapping.region, source,
                       client, campaign, progress)  # fmt: skip
            summary = run.execute()
    finally:
        if client is not None:
            client.close()
    if not summary.balanced:  # a defect, never a user error: refuse to look successful
        raise AssertionError(f"row counts do not add up: {summary.to_dict()}")
    if summary.stopped_by:
        raise ImportIncomplete(summary.stopped_by, summary)
    return summary


def _connect(options: ImportOptions, mapping: Mapping) -> tuple[ApiClient | None, Campaign | None]:
    """Check credentials and the campaign before any row is read; nothing on a dry run."""
    if options.dry_run:
        return None, None
    ref = options.campaign or mapping.campaign
    if not ref:
        raise UsageError(
            "--campaign is needed to send leads: a campaign id or name (list them with "
            "'whiteclad-import campaigns'), or add --dry-run to only check the file"
        )
    credentials = options.credentials or Credentials.from_env()
    client = ApiClient(resolve_base_url(options.base_url), credentials, retry=options.retry)
    try:
        return client, resolve_campaign(client, ref)
    except BaseException:
        client.close()
        raise


class _Run:
    """The state of one import while it runs."""

    def __init__(
        self,
        options: ImportOptions,
        mapping: Mapping,
        bound: BoundMapping,
        region: str | None,
        source: SourceFile,
        client: ApiClient | None,
        campaign: Campaign | None,
        progress: Progress | None,
    ) -> None:
        self.options = options
        self.mapping = mapping
        self.bound = bound
        self.region = region
        self.source = source
        self.client = client
        self.campaign = campaign
        self.progress = progress
        self.counts: Counter[str] = Counter()
        self.reasons: Counter[str] = Counter()
        self.totals = SendTotals()
        self.notices: list[str] = []
        self.balance: float | None = None
        self.stop_message: str | None = None
        self.duplicates = InFileDuplicates()
        self.started = datetime.now(UTC)
        self.clock = time.perf_counter()

    def execute(self) -> Summary:
        info = self.source.info
        out_dir = self.options.out_dir or default_out_dir(self.options.path)
        sending = self.client is not None
        with contextlib.ExitStack() as stack:
            writer = stack.enter_context(
                ReportWriter(out_dir, info.columns, write_leads=not sending)
            )
            spool = stack.enter_context(Spool()) if sending else None
            with self._stage(info.progress_total, info.progress_unit, "validating"):
                for chunk in self.source.chunks():
                    projected = project(chunk.frame, self.bound)
                    validated = validate_chunk(
                        projected,
                        region=self.region,
                        lenient=self.options.lenient,
                        extra_values=chunk.extra_values,
                    )
                    outcome = reconcile(chunk.frame, validated, self.duplicates)
                    if spool is not None:
                        spool.add(_spooled(chunk.frame, outcome))
                        outcome.accepted = outcome.accepted.iloc[0:0]
                        outcome.leads = []
                    self._record(writer, outcome)
                    self.counts["total"] += len(chunk.frame)
                    self.counts["blank_rows"] += chunk.blank_rows
                    self.counts["warnings"] += sum(
                        1 for issue in validated.issues if issue.severity == "warning"
                    )
                    self.reasons.update(_row_codes(validated.issues))
                    self._update(chunk.progress)
            interrupted = False
            if spool is not None and len(spool):
                try:
                    self._send(spool, writer)
                except KeyboardInterrupt:
                    interrupted = True
            summary = self._summary(writer)
            writer.write_summary(summary.to_dict())
        if interrupted:
            raise KeyboardInterrupt
        return summary

    @contextlib.contextmanager
    def _stage(self, total: int, unit: str, label: str) -> Iterator[None]:
        if self.progress is not None:
            self.progress.start(total, unit, label)
        try:
            yield
        finally:
            if self.progress is not None:
                self.progress.close()

    def _update(self, position: int) -> None:
        if self.progress is not None:
            self.progress.update(position, {k: self.counts[k] for k in OUTCOMES})

    def _notice(self, text: str) -> None:
        self.notices.append(text)
        if self.progress is not None:
            self.progress.notice(text)

    def _record(self, writer: ReportWriter, outcome: ChunkOutcome) -> None:
        writer.write(outcome)
        self.counts.update(outcome.counts())

    def _send(self, spool: Spool, writer: ReportWriter) -> None:
        assert self.client is not None and self.campaign is not None
        columns = self.source.info.columns
        waiting = len(spool)
        batches = spool.batches(self.options.batch_size)
        stop: ApiError | None = None
        try:
            stop = self._check_credits(waiting)
            if stop is None:
                with self._stage(waiting, "rows", "sending"):
                    for rows in batches:
                        try:
                            outcome = send_batch(
                                self.client, self.campaign.id, rows, columns, self.totals
                            )
                        except ApiError as exc:
                            stop = exc
                            self._record(writer, pending_outcome(rows, columns, _why(exc)))
                            break
                        self._record(writer, outcome)
                        self._update(self.totals.sent)
        except KeyboardInterrupt:
            stop = None
            reason = "the import was interrupted before this lead was sent"
            for rows in batches:
                self._record(writer, pending_outcome(rows, columns, reason))
            self.stop_message = (
                f"interrupted: {self.counts['pending']} leads were not sent (see pending.csv)"
            )
            raise
        finally:
            if stop is not None:
                for rows in batches:
                    self._record(writer, pending_outcome(rows, columns, _why(stop)))
                self.stop_message = _stop_message(stop, self.counts["pending"])

    def _check_credits(self, waiting: int) -> ApiError | None:
        """Read the balance; stop before sending when it is visibly empty."""
        assert self.client is not None
        try:
            status = self.client.status()
        except ApiError as exc:
            return exc
        self.balance = status.balance
        if status.balance is None:
            return None
        if status.balance <= 0:
            return PaymentRequiredError(f"out of credits (balance {status.balance:g})")
        needed = waiting * ESTIMATED_CREDITS_PER_LEAD
        if status.balance < needed:
            self._notice(
                f"credit balance {status.balance:g} may not cover {waiting} leads (about "
                f"{needed:g} at {ESTIMATED_CREDITS_PER_LEAD} per lead); leads not sent when it "
                "runs out will be in pending.csv"
            )
        return None

    def _summary(self, writer: ReportWriter) -> Summary:
        options, info, mapping, bound = self.options, self.source.info, self.mapping, self.bound
        counts = self.counts
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
            region=self.region,
            lenient=options.lenient,
            rejection_reasons=dict(
                sorted(self.reasons.items(), key=lambda item: (-item[1], item[0]))
            ),
            out_dir=str(writer.out_dir),
            reports={**writer.written(), "summary": str(writer.out_dir / "summary.json")},
            started_at=self.started.isoformat(timespec="seconds"),
            finished_at=datetime.now(UTC).isoformat(timespec="seconds"),
            duration_seconds=round(time.perf_counter() - self.clock, 3),
            campaign=(
                {"id": self.campaign.id, "name": self.campaign.name}
                if self.campaign is not None
                else None
            ),
            base_url=self.client.base_url if self.client is not None else None,
            requests=self.client.requests_made if self.client is not None else 0,
            batches=self.totals.batches,
            credits_deducted=round(self.totals.credits_deducted, 6),
            credits_balance=self.balance,
            notices=self.notices,
            stopped_by=self.stop_message,
        )


def _why(exc: ApiError) -> str:
    return f"not sent: {exc.message}"


def _stop_message(exc: ApiError, pending: int) -> str:
    if isinstance(exc, PaymentRequiredError):
        return (
            f"{exc.message}: {pending} leads were not sent (see pending.csv); recharge the "
            "account, then import pending.csv with the same options"
        )
    return (
        f"{exc.message}; {pending} leads were not sent (see pending.csv): once that is fixed, "
        "import pending.csv with the same options"
    )


def _spooled(source: pd.DataFrame, outcome: ChunkOutcome) -> list[SpooledRow]:
    """The accepted rows of a chunk, with their cells and lead, ready to be sent."""
    accepted = outcome.accepted
    cells = source.loc[accepted.index].to_numpy().tolist()
    leads = dict(outcome.leads)
    return [
        SpooledRow(int(row), str(phone), leads[int(row)], values, str(warnings))
        for row, phone, warnings, values in zip(
            accepted.index, accepted["phone_e164"], accepted["warnings"], cells, strict=True
        )
    ]


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


def _describe(source: Any) -> str:
    if source.column is not None:
        return f"column {source.column}"
    if source.template is not None:
        return f"template {source.template}"
    return f"value {source.value}"
