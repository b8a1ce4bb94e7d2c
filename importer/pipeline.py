"""The import pipeline: read -> map -> validate -> de-duplicate -> (send) -> report.

:func:`run_import` is the library entry point the CLI calls. Data flows one way,
chunk by chunk: the reader yields chunks of source rows, the mapping projects
them onto lead fields, the schema normalizes and validates them, in-file
duplicates are set aside with state carried across chunks, and the report
writer appends each chunk's rows to the report of their outcome.

A dry run stops there. A real import owns a :class:`~importer.sending.BatchSender`
(the API client): the valid rows are queued in the ledger instead of reported,
sent batch by batch, and reported from the ledger with the API's answers.

A stop asked for while the file is checked ends the run after the chunks in
flight: the rows not checked yet are reported in pending.csv (a real import then
sends nothing). A stop asked for while sending ends it after the batch in flight.
Either way the reports hold every row once and :class:`ImportIncomplete` says so.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from . import __version__
from .answers import ledger_rows
from .client import MAX_BATCH, Credentials, RetryPolicy
from .dedupe import InFileDuplicates, shared_warning
from .errors import (
    ApiError,
    ImportIncomplete,
    LedgerError,
    PaymentRequiredError,
    ReportError,
    UsageError,
)
from .events import run_context
from .ledger import (
    ACCEPTED,
    DUPLICATE,
    LEDGER_FILE,
    QUEUED,
    SUPPRESSED,
    CampaignLock,
    Ledger,
    LedgerRow,
    RunRecord,
    ValidRow,
    default_state_dir,
    run_key,
)
from .mapping import Mapping, Source, bind_mapping, check_region, load_mapping
from .marks import LIST_CODE
from .phonepolicy import PhonePolicy
from .private import privately
from .reader import Chunk, ReadOptions, SourceFile, open_source
from .reports import OUTCOMES, ReportRows, ReportWriter, empty_rows
from .sending import NOT_SENT_STOPPED, BatchSender
from .status import ExitStatus
from .suppression import load_lists
from .validation import ChunkValidator, ValidationContext, Verdicts, columns_of, validate_rows
from .workbook import MAX_WORKBOOK_ROWS, write_workbook

__all__ = [
    "DEFAULT_REPORTS_ROOT",
    "MAX_WORKERS",
    "NOT_CHECKED",
    "PARALLEL_MIN_BYTES",
    "ImportOptions",
    "Progress",
    "Summary",
    "default_out_dir",
    "run_import",
]

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
    #: Rows to leave out, by row number: reported as rejected with ``row_skipped``.
    #: The review page passes the rows a person skipped there.
    skip_rows: frozenset[int] = frozenset()
    #: Types of number to reject besides premium-rate ones (see :mod:`importer.phonepolicy`);
    #: the mapping's ``reject_phone_types`` are rejected too.
    reject_phone_types: frozenset[str] = frozenset()
    #: Give leads without a time zone the zone of their postal code or phone number
    #: (the mapping's ``infer_time_zone: false`` turns it off too).
    infer_time_zone: bool = True
    #: Do-not-call lists (see :mod:`importer.suppression`): a row whose phone is on one
    #: is never sent, and is reported in suppressed.csv.
    suppress: tuple[Path, ...] = ()
    #: Go on past lines of a list that cannot be read, leaving them out and counting them;
    #: without it such a line stops the run before anything is sent.
    suppress_skip_bad_lines: bool = False
    #: Send a row whose only number is a company line, with a warning (the mapping's
    #: ``send_company_lines: true`` does too); by default such a row is rejected.
    send_company_lines: bool = False


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
    suppressed: int
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
    #: Suppressed rows by why (suppressed.csv's ``suppressed_code``): on a do-not-call
    #: list, or marked do-not-call in the file (see :mod:`importer.marks`).
    suppressed_codes: dict[str, int] = field(default_factory=dict)
    #: Leads (valid rows, not duplicates) by where their time zone comes from: the file,
    #: their postal code, their phone number, or none.
    time_zone_sources: dict[str, int] = field(default_factory=dict)
    #: The do-not-call lists: numbers, prefixes and lines left out of each, and in all
    #: (``lines_skipped``); empty without lists.
    suppression: dict[str, Any] = field(default_factory=dict)
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
        return self.total == (
            self.accepted + self.rejected + self.duplicates + self.suppressed + self.pending
        )


def default_out_dir(path: Path, now: datetime | None = None) -> Path:
    """Return ./whiteclad-reports/<file name>-<time>/ for a run on ``path``."""
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    return DEFAULT_REPORTS_ROOT / f"{path.stem}-{stamp}"


#: Where a lead's time zone comes from, as summary.json counts them.
ZONE_SOURCES = ("file", "postal_code", "phone", "none")

#: Files smaller than this are validated in this process: starting workers costs more.
PARALLEL_MIN_BYTES = 4 << 20
MAX_WORKERS = 2
#: Why a row is in pending.csv when the run stopped before validating it.
NOT_CHECKED = "not checked: the import was stopped before this row was validated"


@privately  # reports, ledger and caches are born 0600 in folders 0700
def run_import(
    options: ImportOptions,
    progress: Progress | None = None,
    stop_requested: Callable[[], bool] | None = None,
) -> Summary:
    """Run one import: validate every row, send the valid ones (unless a dry run), report.

    A real import is recorded in the ledger of the state directory; running the same
    command again resumes it (see :mod:`importer.ledger`). ``stop_requested`` is
    polled between chunks and batches: when it answers True, the run stops after the
    chunks or the batch in flight are recorded, and raises :class:`ImportIncomplete`
    with the exit status ``INTERRUPTED``. Returns the summary; raises
    :class:`ImportIncomplete` (carrying it) when the run stopped part-way, and other
    :class:`ImporterError` subclasses when it could not start.
    """
    _check_options(options)
    region = check_region(options.region)
    mapping = load_mapping(options.mapping)
    if options.read.header_row is None and mapping.header_row is not None:
        options = replace(options, read=replace(options.read, header_row=mapping.header_row))
    stop = stop_requested or _never
    if options.dry_run:
        with open_source(options.path, options.read) as source:
            run = _Run(options, mapping, region, source, progress, stop)
            summary = _dry_run(run)
    else:
        # The credentials and the campaign are checked before any row is read.
        with (
            _connect(options, mapping) as sender,
            open_source(options.path, options.read) as source,
        ):
            run = _Run(options, mapping, region, source, progress, stop)
            summary = _send_run(run, sender)
    if not summary.balanced:  # a defect, never a user error: refuse to look successful
        raise AssertionError(f"row counts do not add up: {summary.to_dict()}")
    if summary.stopped_by:
        incomplete = ImportIncomplete(summary.stopped_by, summary)
        if run.interrupted:
            incomplete.exit_status = ExitStatus.INTERRUPTED
        elif run.stop_error is not None:
            incomplete.exit_status = run.stop_error.exit_status  # passing trouble: its own
        raise incomplete
    return summary


def _infers(run: _Run) -> bool:
    """Whether the run gives leads without a time zone one (the option and the mapping)."""
    return run.options.infer_time_zone and run.mapping.infer_time_zone


def _never() -> bool:
    return False


def _check_options(options: ImportOptions) -> None:
    if not 1 <= options.batch_size <= MAX_BATCH:
        raise UsageError(f"--batch-size must be between 1 and {MAX_BATCH}")
    if options.rate_limit is not None and options.rate_limit < 0:
        raise UsageError("--rate-limit must be 0 (no pacing) or more requests per minute")
    if options.read.header_row is not None and options.read.header_row < 1:
        raise UsageError(
            "--header-row must be 1 or more: the header's row as a spreadsheet shows it"
        )


def _connect(options: ImportOptions, mapping: Mapping) -> BatchSender:
    """Check the credentials and find the campaign the leads go to."""
    ref = options.campaign or mapping.campaign
    if not ref:
        raise UsageError(
            "--campaign is needed to send leads: a campaign id or name (list them with "
            "'whiteclad-import campaigns'), or add --dry-run to only check the file"
        )
    return BatchSender.connect(
        ref,
        options.credentials or Credentials.from_env(),
        base_url=options.base_url,
        retry=options.retry,
        rate_limit=options.rate_limit,
        insecure_http=options.insecure_http,
        batch_size=options.batch_size,
    )


def _dry_run(run: _Run) -> Summary:
    """Check every row and report it; nothing is sent."""
    columns = run.source.info.columns
    with ReportWriter(run.out_dir, columns, write_leads=run.options.write_leads) as writer:
        checked = _validate(run, writer, None)
        if checked.rest is not None:
            unchecked = _set_aside(run, writer, checked.rest)
            run.interrupted = True
            run.stop_message = (
                f"stopped on request: {unchecked} rows were not checked (see pending.csv); "
                "run the same command again to check the whole file"
            )
    return _finish(run, writer, None)


def _send_run(run: _Run, sender: BatchSender) -> Summary:
    """Check every row into the ledger, send the valid ones, then report every row."""
    state_dir = run.options.state_dir or default_state_dir()
    with (
        CampaignLock(state_dir, sender.campaign.id),
        Ledger(state_dir / LEDGER_FILE) as ledger,
        ReportWriter(run.out_dir, run.source.info.columns, write_leads=False) as writer,
    ):
        record, resumed = _open_run(run, ledger, sender)
        run.run_id = record.id
        if resumed:
            # The file is checked again against the lists as they were when the run was
            # checked, so that its in-file duplicates are decided as they were then (a
            # listed number is never kept as the first of its duplicates); this try's
            # lists are applied to the rows still to send before sending (_apply_lists).
            run.screen = _ListedWhenChecked(ledger.listed_when_checked(record.id))
        with run_context(record.id):  # every event of this run carries its id
            checked = _validate(run, writer, None if resumed else (ledger, record.id))
            if checked.rest is None:
                if resumed and checked.valid != ledger.count(record.id):
                    raise LedgerError(
                        f"the ledger's run #{record.id} holds {ledger.count(record.id)} valid "
                        f"rows but the file now has {checked.valid}; add --fresh to start this "
                        "import over"
                    )
                ledger.set_status(record.id, "sending")
                _send(run, sender, ledger, record.id, resumed)
                _report_ledger(run, writer, ledger, record.id)
            else:
                _stop_before_sending(run, writer, ledger, record.id, checked.rest, resumed)
            writer.close()
            summary = _finish(run, writer, sender)
            if checked.rest is not None and not resumed:
                status = "validating"  # stopped while queueing its rows: the next run starts over
            else:
                status = "complete" if ledger.count(record.id, QUEUED) == 0 else "stopped"
            ledger.set_status(record.id, status, summary.to_dict())
    return summary


def _run_keys(run: _Run, sender: BatchSender) -> tuple[str, list[str]]:
    """The run's key, then the keys earlier versions gave the same run (to find it again)."""
    info, options = run.source.info, run.options
    parts = {
        "source": info.sha256,
        "mapping": run.mapping.sha256,
        "region": run.region or "",
        "lenient": str(options.lenient),
        "campaign": sender.campaign.id,
        "base_url": sender.base_url,
    }
    # Another header row reads other rows; runs without one keep their identity.
    if options.read.header_row is not None:
        parts["header_row"] = str(options.read.header_row)
    # Other row numbers, or other rows left out, make another run of the same file.
    if options.read.source_row_numbers:
        parts["source_row_numbers"] = "yes"
    if not _infers(run):
        parts["infer_time_zone"] = "no"
    # Company lines sent make other rows leads; runs without the flag keep their identity.
    # (The mapping's send_company_lines changes the mapping's content, so its key, already.)
    if options.send_company_lines:
        parts["send_company_lines"] = "yes"
    rejected_types = options.reject_phone_types | run.mapping.reject_phone_types
    if rejected_types:
        parts["reject_phone_types"] = " ".join(sorted(rejected_types))
    if options.skip_rows:
        parts["skip_rows"] = hashlib.sha256(
            " ".join(map(str, sorted(options.skip_rows))).encode()
        ).hexdigest()
    before = dict(parts)  # the parts earlier versions keyed, lists aside
    # Another sheet, encoding or delimiter reads other leads from the same bytes; runs
    # that name none keep their identity (as with the header row).
    for name, value in (("sheet", options.read.sheet), ("encoding", options.read.encoding),
                        ("delimiter", options.read.delimiter)):  # fmt: skip
        if value is not None:
            parts[name] = value
    # The do-not-call lists are not part of the key: they only keep leads from being sent,
    # and registries change daily, so a retry meets new lists; a resume applies them to
    # the rows still to send (see _apply_lists). Earlier versions keyed a run with lists
    # by each list's path, size and time.
    earlier = []
    if run.suppression.infos:
        with_lists = dict(before)
        for at, listed in enumerate(run.suppression.infos):
            stat = listed.path.stat()
            with_lists[f"suppress{at}"] = (
                f"{listed.path.resolve()} {stat.st_size} {stat.st_mtime_ns}"
            )
        earlier.append(run_key(**with_lists))
    return run_key(**parts), earlier


def _open_run(run: _Run, ledger: Ledger, sender: BatchSender) -> tuple[RunRecord, bool]:
    """Find this command's earlier run to resume, or start one; say if it has rows."""
    info, options = run.source.info, run.options
    key, earlier = _run_keys(run, sender)
    found = ledger.find_run(key)
    for old in earlier:
        if found is not None:
            break
        # A run an earlier version recorded is found again, and keyed anew.
        found = ledger.find_run(old)
        if found is not None:
            ledger.rekey(found.id, key)
    if found is not None and options.fresh:
        ledger.supersede(found.id)
        run.notice(f"starting over: run #{found.id} of this file is set aside (--fresh)")
        found = None
    if found is None:
        return ledger.start_run(
            key,
            source_path=str(options.path),
            source_sha256=info.sha256,
            mapping_sha256=run.mapping.sha256,
            campaign_id=sender.campaign.id,
            campaign_name=sender.campaign.name,
            base_url=sender.base_url,
        ), False
    ledger.resume_run(found.id)
    if found.status == "validating":  # stopped before anything was sent: redo it
        ledger.clear_rows(found.id)
        return found, False
    return found, True


def _send(run: _Run, sender: BatchSender, ledger: Ledger, run_id: int, resumed: bool) -> None:
    """Send every queued row of the run; say why any are left."""
    recovered = ledger.recover(run_id)
    listed = _apply_lists(run, ledger, run_id) if resumed else []
    waiting = ledger.count(run_id, QUEUED)
    done = ledger.count(run_id) - waiting
    if resumed:
        again = f" ({recovered} of them got no answer last time)" if recovered else ""
        run.notice(
            f"resuming run #{run_id}: {done} leads were already answered for, "
            f"{waiting} left to send{again}"
        )
    for text in listed:
        run.notice(text)
    if not waiting:
        return

    def progress(sent: int, tally: Counter[str]) -> None:
        run.update(sent, {"accepted": tally["accepted"], "rejected": tally["rejected"],
                          "duplicates": tally["duplicate"]})  # fmt: skip

    with run.stage(waiting, "rows", "sending"):
        result = sender.send(
            ledger, run_id, stop_requested=run.stop_requested, on_batch=progress,
            notice=run.notice,
        )  # fmt: skip
    left = ledger.count(run_id, QUEUED)
    run.interrupted = result.interrupted
    if result.error is not None:
        run.stop_error = result.error
        run.stop_message = _stop_message(result.error, left)
    elif result.interrupted:
        run.stop_message = (
            f"stopped on request after the batch in flight: {left} leads were not sent "
            "(see pending.csv); run the same command again to send them"
        )
    elif left:
        run.stop_message = (
            f"{left} leads got no clear answer from the API (see pending.csv); run the "
            "same command again to send them once more"
        )


def _apply_lists(run: _Run, ledger: Ledger, run_id: int) -> list[str]:
    """On a resume, apply this try's lists to the run's rows; return what to tell the user.

    A row still to send that a list now holds is suppressed: never sent. A row sent in
    an earlier try cannot be taken back: it keeps its outcome, and accepted.csv's
    warnings say it is on a list now, so that it can be removed from the campaign.
    """
    if not run.suppression:
        return []
    newly: dict[int, str] = {}
    unsure: list[int] = []
    sent: list[int] = []
    for rows in ledger.rows(run_id):
        hits = run.suppression.find([row.valid.phone for row in rows])
        for at, where in hits.items():
            row = rows[at]
            number = row.valid.source_row
            if row.state == QUEUED:
                newly[number] = where
                if row.uncertain:  # its batch got no answer: the server may have created it
                    unsure.append(number)
                    newly[number] += (
                        "; a batch holding this lead got no answer, so the campaign may have "
                        "it: look it up there, and remove it"
                    )
            elif row.state in (ACCEPTED, DUPLICATE):
                run.listed_after_sending[number] = where
                sent.append(number)
    out: list[str] = []
    if newly:
        ledger.suppress_queued(run_id, newly)
        text = (
            f"{len(newly)} leads left to send by run #{run_id} are on a do-not-call list now "
            "and are not sent (see suppressed.csv)"
        )
        if unsure:
            text += (
                f"; {len(unsure)} of them ({_rows_named(unsure)}) may be in the campaign "
                "already, as their batch got no answer: look them up there, and remove them"
            )
        out.append(text)
    if sent:
        out.append(
            f"{len(sent)} leads sent to the campaign by run #{run_id} in an earlier try are on "
            f"a do-not-call list now ({_rows_named(sent)}): they cannot be unsent; "
            "remove them from the campaign (accepted.csv's warnings name the list and line)"
        )
    return out


def _rows_named(numbers: list[int]) -> str:
    """Name the first ten source rows given, as in "rows 3, 7, 9"."""
    shown = ", ".join(map(str, numbers[:10])) + (", ..." if len(numbers) > 10 else "")
    return f"row{'s' if len(numbers) > 1 else ''} {shown}"


def _report_ledger(run: _Run, writer: ReportWriter, ledger: Ledger, run_id: int) -> None:
    """Report every valid row of the run where the ledger says it stands."""
    # The leads' zones are counted from the ledger: on a resume, rows suppressed by a
    # list of this try were counted as leads when the file was checked again.
    run.zone_sources = Counter()
    for rows in ledger.rows(run_id):
        for row in rows:
            if row.state != SUPPRESSED:
                run.zone_sources[row.valid.zone_source or "none"] += 1
        if run.listed_after_sending:
            rows = [_warn_listed(run, row) for row in rows]
        run.record(writer, ledger_rows(rows))


def _warn_listed(run: _Run, row: LedgerRow) -> LedgerRow:
    """An accepted row a list holds now, with a warning that says so; other rows as they are."""
    where = run.listed_after_sending.get(row.valid.source_row)
    if where is None or row.state != ACCEPTED:
        return row
    said = f"on a do-not-call list since it was sent ({where}): remove this lead from the campaign"
    warnings = "; ".join(text for text in (row.valid.warnings, said) if text)
    return replace(row, valid=replace(row.valid, warnings=warnings))


def _stop_before_sending(
    run: _Run,
    writer: ReportWriter,
    ledger: Ledger,
    run_id: int,
    unread: Iterator[Chunk],
    resumed: bool,
) -> None:
    """Report a run stopped while the file was checked: nothing more is sent."""
    ledger.note_pending(run_id, NOT_SENT_STOPPED)
    _report_ledger(run, writer, ledger, run_id)
    # A resumed run's ledger holds every valid row of the file, read or not.
    _set_aside(run, writer, unread, _source_rows(ledger, run_id) if resumed else ())
    run.interrupted = True
    run.stop_message = (
        f"stopped on request before sending: {run.counts['pending']} rows were not sent "
        "(see pending.csv); run the same command again to check and send them"
    )


@dataclass
class _Checked:
    """What validating the file found."""

    #: Valid rows, not in-file duplicates.
    valid: int
    #: The chunks not read because a stop was asked for; None when every chunk was read.
    rest: Iterator[Chunk] | None


class _UntilStopped:
    """The file's chunks, until a stop is asked for; the chunks left stay unread."""

    def __init__(self, chunks: Iterator[Chunk], stop_requested: Callable[[], bool]) -> None:
        self.chunks = chunks
        self.stop_requested = stop_requested
        self.stopped = False

    def __iter__(self) -> Iterator[Chunk]:
        while not self.stop_requested():
            chunk = next(self.chunks, None)
            if chunk is None:
                return
            yield chunk
        self.stopped = True


def _validate(run: _Run, writer: ReportWriter, queue: tuple[Ledger, int] | None) -> _Checked:
    """Validate the rows; write rejected and in-file duplicates; queue or report the rest.

    ``queue`` is the ledger run that takes the valid rows; on a dry run they go to
    accepted.csv, and on a resumed run they are in the ledger already.
    """
    info, options, bound = run.source.info, run.options, run.bound
    sending = not options.dry_run
    write_leads = options.write_leads
    context = ValidationContext(
        bound, info.columns, run.region, options.lenient, leads=sending or write_leads,
        skip_rows=options.skip_rows,
        phone_policy=PhonePolicy(options.reject_phone_types | run.mapping.reject_phone_types),
        infer_time_zone=_infers(run),
    )  # fmt: skip
    valid_count = 0
    # The workers look at the columns the mapping reads for cells the reports must
    # neutralize; the report writer goes through those and the columns never sent.
    used_at = [info.columns.index(name) for name in bound.columns_used()]
    unread_at = sorted(set(range(len(info.columns))) - set(used_at))
    feed = _UntilStopped(run.source.chunks(), run.stop_requested)
    with (
        ChunkValidator(context, _workers(options, info.size_bytes)) as validator,
        run.stage(info.progress_total, info.progress_unit, "validating"),
    ):
        for chunk, verdicts in validator.run(feed):
            rows = empty_rows()
            leads: list[str] = []
            queued: list[ValidRow] = []
            rejected, phones, warnings = verdicts.rejected, verdicts.phones, verdicts.warnings
            marked = verdicts.marked  # marked do-not-call in the file: never sent
            numbers = chunk.numbers
            valid_at = [i for i in range(len(numbers)) if i not in rejected and i not in marked]
            # Before duplicates: a listed number is never "kept" as the first of its own.
            listed: dict[int, str] = {}
            if run.screen:
                found = run.screen.find([phones[i] for i in valid_at])
                listed = {valid_at[k]: where for k, where in found.items()}
                valid_at = [i for i in valid_at if i not in listed]
            listed_first = len(listed)
            duplicate_of = _settle_duplicates(run, context, chunk, verdicts, valid_at, listed)
            for i, (number, cells) in enumerate(zip(numbers, chunk.rows, strict=True)):
                if i in rejected:
                    rows["rejected"].append([*cells, number, *rejected[i]])
                elif i in marked:  # decided by the file alone, like a rejection: not in the ledger
                    rows["suppressed"].append([*cells, number, phones[i], *marked[i]])
                elif number in duplicate_of:
                    rows["duplicates"].append([*cells, number, duplicate_of[number]])
                elif i in listed and not sending:
                    rows["suppressed"].append([*cells, number, phones[i], listed[i], LIST_CODE])
                else:
                    zone, source = verdicts.time_zones[i], verdicts.zone_sources[i]
                    if i not in listed:
                        run.zone_sources[source or "none"] += 1
                    if sending:  # a listed row is recorded in the ledger, and never sent
                        queued.append(ValidRow(number, phones[i], verdicts.leads[i], cells,
                                               warnings.get(i, ""), zone, source))  # fmt: skip
                        continue
                    rows["accepted"].append([
                        *cells, number, phones[i], verdicts.phone_types[i], zone, source,
                        warnings.get(i, ""), "", "",
                    ])  # fmt: skip
                    if write_leads:
                        leads.append(f'{{"source_row": {number}, "lead": {verdicts.leads[i]}}}\n')
            valid_count += len(valid_at) - len(duplicate_of) + listed_first
            if queue is not None and queued:
                queue[0].add_rows(queue[1], queued, {numbers[i]: where for i, where in
                                                     listed.items()})  # fmt: skip
            read = [used_at[k] for k in verdicts.formula_columns]
            run.record(writer, rows, leads, check=[*read, *unread_at])
            run.counts["total"] += len(chunk)
            run.counts["blank_rows"] += chunk.blank_rows
            run.counts["warnings"] += verdicts.warning_count
            run.reasons.update(verdicts.reasons)
            run.update(chunk.progress)
    return _Checked(valid_count, feed.chunks if feed.stopped else None)


def _settle_duplicates(
    run: _Run,
    context: ValidationContext,
    chunk: Chunk,
    verdicts: Verdicts,
    valid_at: list[int],
    listed: dict[int, str],
) -> dict[int, str]:
    """Find the chunk's in-file duplicates; return each one's ``duplicate_of``, by row number.

    A row whose number another person's row holds and that has a number of its own
    (see :mod:`importer.dedupe`) is validated again here with that number, and its
    verdict replaced: its phone's type and time zone follow the number. When that
    number is on a do-not-call list, the row joins ``listed``.
    """
    numbers, phones, others = chunk.numbers, verdicts.phones, verdicts.other_phones
    found = run.duplicates.find(
        [numbers[i] for i in valid_at],
        [phones[i] for i in valid_at],
        [verdicts.people[i] for i in valid_at] if verdicts.people else (),
        {numbers[i]: others[i] for i in valid_at if i in others} if others else None,
    )
    notes = {row: found.note(row) for row in found.duplicate_of}
    if not found.moved:
        return notes
    position = {numbers[i]: i for i in valid_at}
    at = [position[number] for number in found.moved]

    def validate(rows: list[int], prefer: dict[int, str] | None) -> Verdicts:
        return validate_rows(
            context, [numbers[i] for i in rows], columns_of(context, [chunk.rows[i] for i in rows]),
            {numbers[i]: chunk.extra_values[numbers[i]] for i in rows
             if numbers[i] in chunk.extra_values},
            prefer=prefer,
        )  # fmt: skip

    again = validate(at, {number: phone for number, (phone, _) in found.moved.items()})
    # The warnings of the number given up are no longer the row's: count them out.
    warned_before = [i for i in at if i in verdicts.warnings]
    verdicts.warning_count += again.warning_count + len(at)
    if warned_before:
        verdicts.warning_count -= validate(warned_before, None).warning_count
    for k, i in enumerate(at):
        number = numbers[i]
        phone, holder = found.moved[number]
        if k in again.rejected:  # the same row with another of its numbers: never differs
            raise AssertionError(f"row {number} rejected with its own other number")
        taken = verdicts.phones[i]
        verdicts.phones[i] = again.phones[k]
        verdicts.phone_types[i] = again.phone_types[k]
        verdicts.time_zones[i] = again.time_zones[k]
        verdicts.zone_sources[i] = again.zone_sources[k]
        if k in again.leads:
            verdicts.leads[i] = again.leads[k]
        said = [again.warnings[k]] if k in again.warnings else []
        verdicts.warnings[i] = "; ".join([*said, shared_warning(taken, holder, phone)])
    if run.screen:
        moved_at = [i for i in at if i not in listed]
        hits = run.screen.find([verdicts.phones[i] for i in moved_at])
        listed.update({moved_at[k]: where for k, where in hits.items()})
    return notes


def _set_aside(
    run: _Run, writer: ReportWriter, chunks: Iterator[Chunk], skip: Iterable[int] = ()
) -> int:
    """Report the rows not validated as pending, except ``skip`` (source rows, ascending).

    Returns how many rows were set aside.
    """
    skipped = iter(skip)
    upcoming = next(skipped, None)
    count = 0
    for chunk in chunks:
        rows = empty_rows()
        for number, cells in zip(chunk.numbers, chunk.rows, strict=True):
            while upcoming is not None and upcoming < number:
                upcoming = next(skipped, None)
            if upcoming != number:
                rows["pending"].append([*cells, number, "", NOT_CHECKED])
        run.record(writer, rows)
        count += len(rows["pending"])
        run.counts["total"] += len(chunk)
        run.counts["blank_rows"] += chunk.blank_rows
    return count


def _source_rows(ledger: Ledger, run_id: int) -> Iterator[int]:
    """The source rows of a ledger run, ascending."""
    for rows in ledger.rows(run_id):
        for row in rows:
            yield row.valid.source_row


def _workers(options: ImportOptions, size_bytes: int) -> int:
    """How many processes validate: as asked, else all cores for large files."""
    if options.workers is not None:
        return options.workers
    if size_bytes < PARALLEL_MIN_BYTES:
        return 0
    return min(os.cpu_count() or 1, MAX_WORKERS)


class _Screen(Protocol):
    """Which phones of a chunk are listed, and where."""

    def __bool__(self) -> bool:
        """True when it can list any phone."""

    def find(self, phones: Sequence[str]) -> dict[int, str]:
        """For the phones given, ``{position: where}`` of those listed."""


class _ListedWhenChecked:
    """The phones a run's lists held when its file was checked, as the ledger recorded them."""

    def __init__(self, phones: set[str]) -> None:
        self.phones = phones

    def __bool__(self) -> bool:
        return bool(self.phones)

    def find(self, phones: Sequence[str]) -> dict[int, str]:
        """For the phones given, ``{position: where}`` of those suppressed when checked."""
        return {
            at: "listed when the run was checked" for at, phone in enumerate(phones)
            if phone in self.phones
        }  # fmt: skip


class _Run:
    """One import while it runs: what it reads, and what it has counted so far."""

    def __init__(
        self,
        options: ImportOptions,
        mapping: Mapping,
        region: str | None,
        source: SourceFile,
        progress: Progress | None,
        stop_requested: Callable[[], bool],
    ) -> None:
        self.options = options
        if options.send_company_lines and not mapping.send_company_lines:
            mapping = replace(mapping, send_company_lines=True)
        self.mapping = mapping
        self.source = source
        self.bound = bind_mapping(mapping, source.info.columns, str(options.path))
        self.region = region or mapping.region
        self.progress = progress
        self.stop_requested = stop_requested
        self.out_dir = options.out_dir or default_out_dir(options.path)
        self.counts: Counter[str] = Counter()
        self.reasons: Counter[str] = Counter()
        self.zone_sources: Counter[str] = Counter()
        self.suppressed_codes: Counter[str] = Counter()
        self.notices: list[str] = []
        self.duplicates = InFileDuplicates()
        self.suppression = load_lists(
            options.suppress,
            self.region,
            options.state_dir or default_state_dir(),
            skip_bad_lines=options.suppress_skip_bad_lines,
        )
        for text in self.suppression.notices():
            self.notice(text)
        #: What the file's rows are checked against: the lists, or on a resume the phones
        #: the run's lists held when it was checked.
        self.screen: _Screen = self.suppression
        #: On a resume: rows sent in an earlier try that a list holds now, and where.
        self.listed_after_sending: dict[int, str] = {}
        self.stage_seconds: dict[str, float] = {}
        self.stop_message: str | None = None
        #: The API error that stopped the sending, if one did.
        self.stop_error: ApiError | None = None
        self.interrupted = False
        self.run_id: int | None = None
        self.started = datetime.now(UTC)
        self.clock = time.perf_counter()
        for notice in source.info.notices:
            self.notice(notice)
        if self.bound.unread:
            shown = ", ".join(f"'{column}'" for column in self.bound.unread)
            self.notice(
                f"{len(self.bound.unread)} column(s) of the file are not in the mapping and are "
                f"not imported: {shown}; add them to the mapping's custom_fields, or to "
                "ignore_columns to silence this"
            )

    @contextlib.contextmanager
    def stage(self, total: int, unit: str, label: str) -> Iterator[None]:
        """Time a stage and show its progress."""
        if self.progress is not None:
            self.progress.start(total, unit, label)
        began = time.perf_counter()
        try:
            yield
        finally:
            self.stage_seconds[label] = round(time.perf_counter() - began, 3)
            if self.progress is not None:
                self.progress.close()

    def update(self, position: int, counts: dict[str, int] | None = None) -> None:
        """Show the progress of the stage."""
        if self.progress is not None:
            self.progress.update(position, counts or {k: self.counts[k] for k in OUTCOMES})

    def notice(self, text: str) -> None:
        """Keep a notice for the summary and show it now."""
        self.notices.append(text)
        if self.progress is not None:
            self.progress.notice(text)

    def record(
        self,
        writer: ReportWriter,
        rows: ReportRows,
        leads: Sequence[str] = (),
        check: Sequence[int] | None = None,
    ) -> None:
        """Write report rows and count them."""
        writer.write(rows, leads, check)
        self.counts.update({name: len(found) for name, found in rows.items()})
        self.suppressed_codes.update(row[-1] for row in rows["suppressed"])


def _finish(run: _Run, writer: ReportWriter, sender: BatchSender | None) -> Summary:
    """With the CSV reports closed: write the workbook, then summary.json."""
    workbook = None
    if run.options.workbook:
        # Every outcome's sheet but Accepted holds all its rows (see importer.workbook).
        most, outcome = max((run.counts[key], key) for key in OUTCOMES if key != "accepted")
        if most > MAX_WORKBOOK_ROWS:
            run.notice(
                f"report.xlsx is not written: {most:,} {outcome} rows is more than a "
                f"spreadsheet shows ({MAX_WORKBOOK_ROWS:,}); the CSV reports have every row"
            )
        else:
            started = time.perf_counter()
            bound = run.bound
            field_columns = {key: source.columns() for key, source in bound.fields.items()}
            if "fullName" in field_columns:
                for name in ("firstName", "lastName"):
                    field_columns.setdefault(name, field_columns["fullName"])
            if bound.country is not None:  # marked on a country_unknown rejection
                field_columns["country"] = bound.country.columns()
            try:
                workbook = write_workbook(
                    writer.out_dir, _summary(run, writer, sender).to_dict(),
                    run.source.info.columns, field_columns,
                )  # fmt: skip
            except ReportError as exc:  # the CSVs are complete: the run did not fail
                run.notice(exc.message)
            run.stage_seconds["workbook"] = round(time.perf_counter() - started, 3)
    summary = _summary(run, writer, sender)
    if workbook is not None:
        summary.reports["workbook"] = str(workbook)
    writer.write_summary(summary.to_dict())
    return summary


def _summary(run: _Run, writer: ReportWriter, sender: BatchSender | None) -> Summary:
    options, info, mapping, bound = run.options, run.source.info, run.mapping, run.bound
    counts = run.counts
    return Summary(
        total=counts["total"],
        accepted=counts["accepted"],
        rejected=counts["rejected"],
        duplicates=counts["duplicates"],
        suppressed=counts["suppressed"],
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
            "repeated_headers": list(info.repeated_headers),
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
        region=run.region,
        lenient=options.lenient,
        rejection_reasons=dict(sorted(run.reasons.items(), key=lambda item: (-item[1], item[0]))),
        time_zone_sources={key: run.zone_sources[key] for key in ZONE_SOURCES},
        suppressed_codes=dict(sorted(run.suppressed_codes.items())),
        suppression=run.suppression.summary(),
        out_dir=str(writer.out_dir),
        reports={**writer.written(), "summary": str(writer.out_dir / "summary.json")},
        started_at=run.started.isoformat(timespec="seconds"),
        finished_at=datetime.now(UTC).isoformat(timespec="seconds"),
        duration_seconds=round(time.perf_counter() - run.clock, 3),
        stage_seconds=dict(run.stage_seconds),
        campaign=(
            {"id": sender.campaign.id, "name": sender.campaign.name} if sender is not None else None
        ),
        base_url=sender.base_url if sender is not None else None,
        requests=sender.requests if sender is not None else 0,
        batches=sender.batches if sender is not None else 0,
        credits_deducted=round(sender.credits, 6) if sender is not None else 0.0,
        credits_balance=sender.balance if sender is not None else None,
        paced_seconds=round(sender.paced_seconds, 3) if sender is not None else 0.0,
        notices=run.notices,
        stopped_by=run.stop_message,
        run_id=run.run_id,
    )


def _stop_message(exc: ApiError, pending: int) -> str:
    if isinstance(exc, PaymentRequiredError):
        return (
            f"{exc.message}: {pending} leads were not sent (see pending.csv); recharge the "
            "account, then run the same command again to send them"
        )
    if exc.transient:
        return (
            f"{exc.message}; {pending} leads were not sent (see pending.csv). This looks like "
            "passing trouble at the API: run the same command again later to send them (a "
            "scheduled run does)"
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
