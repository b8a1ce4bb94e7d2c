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
import json
import logging
import os
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from . import __version__
from .campaigns import resolve_campaign
from .client import MAX_BATCH, ApiClient, Campaign, Credentials, RetryPolicy, resolve_base_url
from .dedupe import InFileDuplicates
from .errors import (
    ApiError,
    ApiValidationError,
    ImportIncomplete,
    LedgerError,
    PaymentRequiredError,
    ReportError,
    ResponseError,
    TransportError,
    UsageError,
)
from .events import emit
from .ledger import (
    LEDGER_FILE,
    QUEUED,
    CampaignLock,
    Ledger,
    LedgerRow,
    RunRecord,
    ValidRow,
    default_state_dir,
    run_key,
)
from .mapping import BoundMapping, Mapping, Source, bind_mapping, check_region, load_mapping
from .pacing import Pacer
from .reader import Chunk, ReadOptions, SourceFile, open_source
from .reports import OUTCOMES, ReportRows, ReportWriter, empty_rows
from .sender import UNMENTIONED, answer_results, batch_rejected, ledger_rows
from .status import ExitStatus
from .validation import ChunkValidator, ValidationContext
from .workbook import MAX_WORKBOOK_ROWS, write_workbook

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
    #: Requests per minute; None: what GET /rate-limits reports, else 60.
    rate_limit: int | None = None
    #: Where the ledger lives; None: $WHITECLAD_STATE_DIR, else the XDG state folder.
    state_dir: Path | None = None
    #: Start over instead of resuming an earlier run of the same command.
    fresh: bool = False
    #: Processes that validate rows; None: every core (at most 2) for files of 4 MB or more.
    workers: int | None = None
    #: On a dry run, also write leads.jsonl: the exact lead each accepted row would send.
    write_leads: bool = False
    #: Also write report.xlsx (skipped above 1,000,000 rows).
    workbook: bool = True
    #: Send credentials over plain http:// to another machine (test servers only).
    insecure_http: bool = False


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
    #: Seconds spent in each stage: validating, sending.
    stage_seconds: dict[str, float] = field(default_factory=dict)
    campaign: dict[str, str] | None = None
    base_url: str | None = None
    requests: int = 0
    batches: int = 0
    credits_deducted: float = 0.0
    credits_balance: float | None = None
    #: Seconds spent waiting so as to stay within the rate limit.
    paced_seconds: float = 0.0
    notices: list[str] = field(default_factory=list)
    stopped_by: str | None = None
    #: The ledger's run id, for 'whiteclad-import runs show ID'.
    run_id: int | None = None
    tool_version: str = __version__

    def to_dict(self) -> dict[str, Any]:
        """Return the summary as JSON-ready data."""
        return asdict(self)

    @property
    def exit_status(self) -> ExitStatus:
        """The exit status these counts call for: pending rows, then rejected rows."""
        if self.pending:
            return ExitStatus.INCOMPLETE
        if self.rejected:
            return ExitStatus.ROWS_REJECTED
        return ExitStatus.SUCCESS

    @property
    def balanced(self) -> bool:
        """True when every row is counted in exactly one outcome."""
        return self.total == self.accepted + self.rejected + self.duplicates + self.pending


def default_out_dir(path: Path, now: datetime | None = None) -> Path:
    """Return ./whiteclad-reports/<file name>-<time>/ for a run on ``path``."""
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    return DEFAULT_REPORTS_ROOT / f"{path.stem}-{stamp}"


#: The price of one lead in the API document's example, used only to warn early.
ESTIMATED_CREDITS_PER_LEAD = 0.01


DEFAULT_RATE_LIMIT = 60
#: Files smaller than this are validated in this process: starting workers costs more.
PARALLEL_MIN_BYTES = 4 << 20
MAX_WORKERS = 2


def run_import(
    options: ImportOptions,
    progress: Progress | None = None,
    stop_requested: Callable[[], bool] | None = None,
) -> Summary:
    """Run one import: validate every row, send the valid ones (unless a dry run), report.

    A real import is recorded in the ledger of the state directory; running the same
    command again resumes it (see :mod:`importer.ledger`). ``stop_requested`` is
    polled between chunks and batches: when it answers True, the run stops after the
    batch in flight is recorded. Returns the summary; raises :class:`ImportIncomplete`
    (carrying it) when the run stopped part-way, and other :class:`ImporterError`
    subclasses when it could not start.
    """
    if not 1 <= options.batch_size <= MAX_BATCH:
        raise UsageError(f"--batch-size must be between 1 and {MAX_BATCH}")
    if options.rate_limit is not None and options.rate_limit < 0:
        raise UsageError("--rate-limit must be 0 (no pacing) or more requests per minute")
    if options.read.header_row is not None and options.read.header_row < 1:
        raise UsageError(
            "--header-row must be 1 or more: the header's row as a spreadsheet shows it"
        )
    region_option = check_region(options.region)
    mapping = load_mapping(options.mapping)
    if options.read.header_row is None and mapping.header_row is not None:
        options = replace(options, read=replace(options.read, header_row=mapping.header_row))
    client, campaign = _connect(options, mapping)
    try:
        with open_source(options.path, options.read) as source:
            bound = bind_mapping(mapping, source.info.columns, str(options.path))
            run = _Run(options, mapping, bound, region_option or mapping.region, source,
                       client, campaign, progress, stop_requested or (lambda: False))  # fmt: skip
            summary = run.execute()
    finally:
        if client is not None:
            client.close()
    if not summary.balanced:  # a defect, never a user error: refuse to look successful
        raise AssertionError(f"row counts do not add up: {summary.to_dict()}")
    if summary.stopped_by:
        incomplete = ImportIncomplete(summary.stopped_by, summary)
        if run.interrupted:
            incomplete.exit_status = ExitStatus.INTERRUPTED
        raise incomplete
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
    limit = DEFAULT_RATE_LIMIT if options.rate_limit is None else options.rate_limit
    client = ApiClient(
        resolve_base_url(options.base_url),
        credentials,
        retry=options.retry,
        pacer=Pacer(limit=limit, window=60.0),
        insecure_http=options.insecure_http,
    )
    try:
        campaign = resolve_campaign(client, ref)
        if options.rate_limit is None:
            _adopt_server_rate_limit(client)
        return client, campaign
    except BaseException:
        client.close()
        raise


def _adopt_server_rate_limit(client: ApiClient) -> None:
    """Pace to what GET /rate-limits reports, where it answers; a null limit means none."""
    try:
        body = client.rate_limits()
    except ApiError:
        return  # optional: the default pace stands
    data = body.get("data", body)
    if not isinstance(data, dict):
        return
    limit, window = data.get("limit"), data.get("windowSeconds") or data.get("window")
    if isinstance(limit, int | float) and limit > 0:
        seconds = float(window) if isinstance(window, int | float) and window > 0 else 60.0
        client.pacer.configure(int(limit), seconds)
    elif "limit" in data and not limit:  # the server says there is no limit
        client.pacer.configure(0, 60.0)


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
        stop_requested: Callable[[], bool],
    ) -> None:
        self.options = options
        self.mapping = mapping
        self.bound = bound
        self.region = region
        self.source = source
        self.client = client
        self.campaign = campaign
        self.progress = progress
        self.stop_requested = stop_requested
        self.counts: Counter[str] = Counter()
        self.reasons: Counter[str] = Counter()
        self.notices: list[str] = []
        self.balance: float | None = None
        self.credits = 0.0
        self.batches = 0
        self.stop_message: str | None = None
        self.interrupted = False
        self.run_id: int | None = None
        self.duplicates = InFileDuplicates()
        self.stage_seconds: dict[str, float] = {}
        self.started = datetime.now(UTC)
        self.clock = time.perf_counter()

    def execute(self) -> Summary:
        out_dir = self.options.out_dir or default_out_dir(self.options.path)
        columns = self.source.info.columns
        for notice in self.source.info.notices:
            self._notice(notice)
        if self.bound.unread:
            shown = ", ".join(f"'{column}'" for column in self.bound.unread)
            self._notice(
                f"{len(self.bound.unread)} column(s) of the file are not in the mapping and are "
                f"not imported: {shown}; add them to the mapping's custom_fields, or to "
                "ignore_columns to silence this"
            )
        if self.client is None:
            with ReportWriter(out_dir, columns, write_leads=self.options.write_leads) as writer:
                self._validate(writer, None)
            return self._finish(writer)
        state_dir = self.options.state_dir or default_state_dir()
        assert self.campaign is not None
        with (
            CampaignLock(state_dir, self.campaign.id),
            Ledger(state_dir / LEDGER_FILE) as ledger,
            ReportWriter(out_dir, columns, write_leads=False) as writer,
        ):
            run, has_rows = self._open_run(ledger)
            self.run_id = run.id
            valid = self._validate(writer, None if has_rows else (ledger, run.id))
            if has_rows and valid != ledger.count(run.id):
                raise LedgerError(
                    f"the ledger's run #{run.id} holds {ledger.count(run.id)} valid rows but "
                    f"the file now has {valid}; add --fresh to start this import over"
                )
            ledger.set_status(run.id, "sending")
            self._send(ledger, run.id, has_rows)
            for rows in ledger.rows(run.id):
                self._record(writer, ledger_rows(rows))
            writer.close()
            summary = self._finish(writer)
            done = ledger.count(run.id, QUEUED) == 0
            ledger.set_status(run.id, "complete" if done else "stopped", summary.to_dict())
        return summary

    def _open_run(self, ledger: Ledger) -> tuple[RunRecord, bool]:
        """Find this command's earlier run to resume, or start one; say if it has rows."""
        assert self.client is not None and self.campaign is not None
        info = self.source.info
        parts = {
            "source": info.sha256,
            "mapping": self.mapping.sha256,
            "region": self.region or "",
            "lenient": str(self.options.lenient),
            "campaign": self.campaign.id,
            "base_url": self.client.base_url,
        }
        # Another header row reads other rows; runs without one keep their identity.
        if self.options.read.header_row is not None:
            parts["header_row"] = str(self.options.read.header_row)
        key = run_key(**parts)
        run = ledger.find_run(key)
        if run is not None and self.options.fresh:
            ledger.supersede(run.id)
            self._notice(f"starting over: run #{run.id} of this file is set aside (--fresh)")
            run = None
        if run is None:
            return ledger.start_run(
                key,
                source_path=str(self.options.path),
                source_sha256=info.sha256,
                mapping_sha256=self.mapping.sha256,
                campaign_id=self.campaign.id,
                campaign_name=self.campaign.name,
                base_url=self.client.base_url,
            ), False
        ledger.resume_run(run.id)
        if run.status == "validating":  # stopped before anything was sent: redo it
            ledger.clear_rows(run.id)
            return run, False
        return run, True

    def _validate(self, writer: ReportWriter, queue: tuple[Ledger, int] | None) -> int:
        """Validate every row; write rejected and in-file duplicates; queue or report the rest.

        Returns the number of valid rows. ``queue`` is the ledger run that takes them;
        with a dry run they go to accepted.csv, and on a resumed run they are there already.
        """
        info = self.source.info
        sending = self.client is not None
        context = ValidationContext(
            self.bound,
            info.columns,
            self.region,
            self.options.lenient,
            leads=sending or self.options.write_leads,
        )
        valid_count = 0
        write_leads = self.options.write_leads
        # The workers look at the columns the mapping reads for cells the reports must
        # neutralize; the report writer goes through those and the columns never sent.
        used_at = [info.columns.index(name) for name in self.bound.columns_used()]
        unread_at = sorted(set(range(len(info.columns))) - set(used_at))
        with (
            ChunkValidator(context, self._workers()) as validator,
            self._stage(info.progress_total, info.progress_unit, "validating"),
        ):
            for chunk, verdicts in validator.run(self._chunks()):
                rows = empty_rows()
                leads: list[str] = []
                queued: list[ValidRow] = []
                rejected, phones, warnings = verdicts.rejected, verdicts.phones, verdicts.warnings
                numbers = chunk.numbers
                valid_at = [i for i in range(len(numbers)) if i not in rejected]
                duplicate_of = self.duplicates.find(
                    [numbers[i] for i in valid_at], [phones[i] for i in valid_at]
                )
                for i, (number, cells) in enumerate(zip(numbers, chunk.rows, strict=True)):
                    if i in rejected:
                        rows["rejected"].append([*cells, number, *rejected[i]])
                    elif number in duplicate_of:
                        rows["duplicates"].append([*cells, number, f"row {duplicate_of[number]}"])
                    elif sending:
                        queued.append(ValidRow(number, phones[i], verdicts.leads[i], cells,
                                               warnings.get(i, "")))  # fmt: skip
                    else:
                        rows["accepted"].append(
                            [*cells, number, phones[i], warnings.get(i, ""), "", ""]
                        )
                        if write_leads:
                            leads.append(
                                f'{{"source_row": {number}, "lead": {verdicts.leads[i]}}}\n'
                            )
                valid_count += len(valid_at) - len(duplicate_of)
                if queue is not None and queued:
                    queue[0].add_rows(queue[1], queued)
                read = [used_at[k] for k in verdicts.formula_columns]
                self._record(writer, rows, leads, check=[*read, *unread_at])
                self.counts["total"] += len(chunk)
                self.counts["blank_rows"] += chunk.blank_rows
                self.counts["warnings"] += verdicts.warning_count
                self.reasons.update(verdicts.reasons)
                self._update(chunk.progress)
        return valid_count

    def _chunks(self) -> Iterator[Chunk]:
        """The file's chunks; stops the run when a stop was asked for."""
        for chunk in self.source.chunks():
            if self.stop_requested():
                raise KeyboardInterrupt
            yield chunk

    def _workers(self) -> int:
        """How many processes validate: as asked, else all cores for large files."""
        if self.options.workers is not None:
            return self.options.workers
        if self.source.info.size_bytes < PARALLEL_MIN_BYTES:
            return 0
        return min(os.cpu_count() or 1, MAX_WORKERS)

    @contextlib.contextmanager
    def _stage(self, total: int, unit: str, label: str) -> Iterator[None]:
        if self.progress is not None:
            self.progress.start(total, unit, label)
        began = time.perf_counter()
        try:
            yield
        finally:
            self.stage_seconds[label] = round(time.perf_counter() - began, 3)
            if self.progress is not None:
                self.progress.close()

    def _update(self, position: int, counts: dict[str, int] | None = None) -> None:
        if self.progress is not None:
            self.progress.update(position, counts or {k: self.counts[k] for k in OUTCOMES})

    def _notice(self, text: str) -> None:
        self.notices.append(text)
        if self.progress is not None:
            self.progress.notice(text)

    def _record(
        self,
        writer: ReportWriter,
        rows: ReportRows,
        leads: Sequence[str] = (),
        check: Sequence[int] | None = None,
    ) -> None:
        writer.write(rows, leads, check)
        self.counts.update({name: len(found) for name, found in rows.items()})

    def _send(self, ledger: Ledger, run_id: int, resumed: bool) -> None:
        """Send every queued row of the run, batch by batch, recording each step."""
        assert self.client is not None and self.campaign is not None
        recovered = ledger.recover(run_id)
        waiting = ledger.count(run_id, QUEUED)
        done = ledger.count(run_id) - waiting
        if resumed:
            again = f" ({recovered} of them got no answer last time)" if recovered else ""
            self._notice(
                f"resuming run #{run_id}: {done} leads were already answered for, "
                f"{waiting} left to send{again}"
            )
        if not waiting:
            return
        stop = self._check_credits(waiting)
        sent = 0
        tally: Counter[str] = Counter()
        with self._stage(waiting, "rows", "sending"):
            after = -1
            while stop is None:
                if self.stop_requested():
                    self.interrupted = True
                    break
                rows = ledger.next_batch(run_id, self.options.batch_size, after)
                if not rows:
                    break
                after = rows[-1].valid.source_row
                stop = self._post(ledger, run_id, rows, tally)
                sent += len(rows)
                self._update(sent, {"accepted": tally["accepted"], "rejected": tally["rejected"],
                                    "duplicates": tally["duplicate"]})  # fmt: skip
        left = ledger.count(run_id, QUEUED)
        if stop is not None:
            ledger.note_pending(run_id, f"not sent: {stop.message}")
            self.stop_message = _stop_message(stop, left)
        elif self.interrupted:
            ledger.note_pending(run_id, "not sent: the import was stopped")
            self.stop_message = (
                f"stopped on request after the batch in flight: {left} leads were not sent "
                "(see pending.csv); run the same command again to send them"
            )
        elif left:
            self.stop_message = (
                f"{left} leads got no clear answer from the API (see pending.csv); run the "
                "same command again to send them once more"
            )

    def _post(
        self, ledger: Ledger, run_id: int, rows: list[LedgerRow], tally: Counter[str]
    ) -> ApiError | None:
        """Send one batch and record the answer; return the error that stops the run, if any."""
        assert self.client is not None and self.campaign is not None
        batch_id = ledger.begin_batch(run_id, rows)
        self.batches += 1
        emit("batch_sent", f"batch {self.batches}: sending {len(rows)} leads",
             batch=self.batches, leads=len(rows), run_id=run_id)  # fmt: skip
        try:
            leads = [json.loads(row.valid.lead) for row in rows]
            result = self.client.create_leads(self.campaign.id, leads)
        except ApiValidationError as exc:
            results = batch_rejected(rows, exc.message)
            ledger.finish_batch(run_id, batch_id, results, exc.body, UNMENTIONED)
            tally["rejected"] += len(results)
            emit("batch_result", f"batch {self.batches}: rejected whole ({exc.message})",
                 batch=self.batches, run_id=run_id, rejected=len(results))  # fmt: skip
            return None
        except ApiError as exc:
            # A dropped connection or an unreadable answer may hide created leads.
            unknown = isinstance(exc, ResponseError) or (
                isinstance(exc, TransportError) and exc.sent
            )
            ledger.refuse_batch(run_id, batch_id, f"not sent: {exc.message}", uncertain=unknown)
            emit("batch_result", f"batch {self.batches}: not sent ({exc.message})",
                 logging.WARNING, batch=self.batches, run_id=run_id, pending=len(rows),
                 error=type(exc).__name__)  # fmt: skip
            return exc
        results = answer_results(rows, result)
        ledger.finish_batch(run_id, batch_id, results, result.raw, UNMENTIONED)
        self.credits += result.credits_deducted
        states = Counter(r.state for r in results.values())
        tally.update(states)
        emit("batch_result", f"batch {self.batches}: " + ", ".join(
            f"{count} {state}" for state, count in sorted(states.items())),
             batch=self.batches, run_id=run_id, **dict(states))  # fmt: skip
        return None

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

    def _finish(self, writer: ReportWriter) -> Summary:
        """With the CSV reports closed: write the workbook, then summary.json."""
        workbook = None
        if self.options.workbook:
            if self.counts["total"] > MAX_WORKBOOK_ROWS:
                self._notice(
                    f"report.xlsx is not written: {self.counts['total']:,} rows is more than a "
                    f"spreadsheet shows ({MAX_WORKBOOK_ROWS:,}); the CSV reports have every row"
                )
            else:
                started = time.perf_counter()
                field_columns = {key: source.columns() for key, source in self.bound.fields.items()}
                if "fullName" in field_columns:
                    for name in ("firstName", "lastName"):
                        field_columns.setdefault(name, field_columns["fullName"])
                if self.bound.country is not None:  # marked on a country_unknown rejection
                    field_columns["country"] = self.bound.country.columns()
                try:
                    workbook = write_workbook(
                        writer.out_dir, self._summary(writer).to_dict(), self.source.info.columns,
                        field_columns,
                    )  # fmt: skip
                except ReportError as exc:  # the CSVs are complete: the run did not fail
                    self._notice(exc.message)
                self.stage_seconds["workbook"] = round(time.perf_counter() - started, 3)
        summary = self._summary(writer)
        if workbook is not None:
            summary.reports["workbook"] = str(workbook)
        writer.write_summary(summary.to_dict())
        return summary

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
                "sheets": [
                    {"name": sheet.name, "rows": sheet.rows, "hidden": sheet.hidden}
                    for sheet in info.sheets
                ],
                "header_row": info.header_row,
                "header_detected": info.header_detected,
                "skipped_rows": list(info.skipped_rows),
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
                "unread_columns": list(bound.unread),
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
            stage_seconds=dict(self.stage_seconds),
            campaign=(
                {"id": self.campaign.id, "name": self.campaign.name}
                if self.campaign is not None
                else None
            ),
            base_url=self.client.base_url if self.client is not None else None,
            requests=self.client.requests_made if self.client is not None else 0,
            batches=self.batches,
            credits_deducted=round(self.credits, 6),
            credits_balance=self.balance,
            paced_seconds=round(self.client.pacer.waited, 3) if self.client is not None else 0.0,
            notices=self.notices,
            stopped_by=self.stop_message,
            run_id=self.run_id,
        )


def _stop_message(exc: ApiError, pending: int) -> str:
    if isinstance(exc, PaymentRequiredError):
        return (
            f"{exc.message}: {pending} leads were not sent (see pending.csv); recharge the "
            "account, then run the same command again to send them"
        )
    return (
        f"{exc.message}; {pending} leads were not sent (see pending.csv): once that is fixed, "
        "run the same command again to send them"
    )


def _describe(source: Source) -> str:
    if source.column is not None:
        return f"column {source.column}"
    if source.template is not None:
        return f"template {source.template}"
    return f"value {source.value}"
