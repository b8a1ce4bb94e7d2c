"""Validate chunks of rows, here or in a pool of worker processes, results in file order.

:func:`validate_rows` is the whole per-chunk job: project the rows with the
mapping, run the lead schema, and boil the result down to one verdict per row
(its E.164 phone, its errors or warnings, and the lead to send, as JSON). It is
a plain function of plain values, so it runs the same inline or in a worker.

:class:`ChunkValidator` hands chunks to ``workers`` processes (phone
normalization is the hot path and uses every core) and gives the verdicts back
in file order, with at most ``workers + 1`` chunks in flight so memory stays
bounded. It also keeps the run's phone results: each chunk is sent with the
results already known for its phone cells, and what it learns comes back, so a
value is parsed once per run (two chunks in flight at the same time may each
parse a value they share once). The results kept are capped at
:data:`MAX_KNOWN_PHONES`.

While a validator is open, the garbage collector of this process and of the
workers runs its young-generation pass after :data:`GC_YOUNG_THRESHOLD` new
objects instead of Python's default 700: a chunk allocates hundreds of thousands
of short-lived lists and strings that hold no reference cycles, and the default
spent about a third of the run's CPU time scanning them (measured on the
1,000,000-row benchmark: 32 s of CPU with the default, 22 s with this). Cycles
are still collected, only less often. The thresholds belong to the whole process:
validators open at the same time (imports in threads) share the raise, and the
last one closed puts the previous thresholds back.

How the worker processes start depends on the threads of this process. A fork
copies the locks of every thread as they are at that moment, so forking inside a
threaded program (a web server, two imports at once) can leave a worker waiting
for a lock no one will release: there, the workers start from a fork server,
which imports this module (and so pandas and the schema) once and forks each
worker from itself, clean. A process running a single thread (the command line)
has no such locks and forks itself: the workers start with everything imported,
which saves the fork server's start, about 1.2 s of every run that uses workers
(measured on the 2-core development machine). The process-wide default start
method is never changed.

In-file duplicates are not decided here: that needs the rows in file order, in
one place (:mod:`importer.dedupe`).
"""

from __future__ import annotations

import gc
import marshal
import multiprocessing
import threading
from collections import Counter, deque
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from itertools import islice
from typing import Any

import pandas as pd

from .cells import columns_to_neutralize
from .issues import Issue, join_messages
from .mapping import BoundMapping, project
from .normalize import Phone, PhoneWarning, Problem
from .phonepolicy import PhonePolicy
from .process_wide import ProcessWideSetting
from .reader import Chunk
from .schema import PhoneBook, PhoneKey, country_for, lead_json_rows, validate_chunk

__all__ = [
    "GC_THRESHOLDS",
    "GC_YOUNG_THRESHOLD",
    "MAX_KNOWN_PHONES",
    "SKIPPED_CODE",
    "SKIPPED_MESSAGE",
    "ChunkValidator",
    "PlainResult",
    "ValidationContext",
    "Verdicts",
    "columns_of",
    "validate_rows",
]

#: The code and the reason of a row a person chose to leave out.
SKIPPED_CODE = "row_skipped"
SKIPPED_MESSAGE = "skipped on the review page: this row was not sent"

#: Young-generation threshold of the garbage collector while chunks are validated.
GC_YOUNG_THRESHOLD = 100_000

#: Phone results kept for the run (about 150 bytes each); past this, new ones are not kept.
MAX_KNOWN_PHONES = 1_000_000


@dataclass(frozen=True)
class ValidationContext:
    """What validating a chunk needs besides its rows; sent once to each worker."""

    bound: BoundMapping
    columns: tuple[str, ...]
    region: str | None
    lenient: bool
    #: Build each valid row's lead JSON (to send it, or for leads.jsonl).
    leads: bool = True
    #: Rows a person chose to leave out (by row number): rejected as ``row_skipped``
    #: without being looked at, so they are reported like every other row.
    skip_rows: frozenset[int] = frozenset()
    #: Which types of number the run rejects or warns about.
    phone_policy: PhonePolicy = field(default_factory=PhonePolicy)
    #: Give leads without a time zone the zone of their postal code or phone.
    infer_time_zone: bool = True


@dataclass
class Verdicts:
    """The verdict on each row of a chunk, by the row's position in the chunk.

    Kept sparse where most rows have nothing to say (problems, warnings), since
    verdicts cross from the worker processes for every chunk.
    """

    #: Rejected rows: (every problem in sentences, the error codes space-separated).
    rejected: dict[int, tuple[str, str]]
    #: E.164 phone of each row ("" for rejected rows).
    phones: list[str]
    #: The numbering plan's type of each row's phone ("" for rejected rows).
    phone_types: list[str]
    #: Each row's time zone ("" for none, and for rejected rows) and where it came from
    #: ("file", "postal_code", "phone" or "").
    time_zones: list[str]
    zone_sources: list[str]
    #: Valid rows with warnings: the warnings, in sentences.
    warnings: dict[int, str]
    #: Valid rows: the lead to send, as JSON (only when the context asks for leads).
    leads: dict[int, str]
    warning_count: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    #: Phone results this chunk added, by default country and cell, as plain tuples.
    learned: dict[str | None, dict[str, PlainResult]] = field(default_factory=dict)
    #: Positions, among the columns the mapping reads, of those holding a cell that the
    #: reports must neutralize (see :func:`importer.cells.columns_to_neutralize`).
    formula_columns: list[int] = field(default_factory=list)
    #: Who each row is (:func:`importer.dedupe.person_key`); empty when nobody can be told.
    people: list[int] = field(default_factory=list)
    #: Valid rows with more than one valid number: the others, in the mapping's order.
    other_phones: dict[int, tuple[str, ...]] = field(default_factory=dict)
    #: Rows the file marks as not to be called (:mod:`importer.marks`), neither valid
    #: nor rejected: (why, in words, the suppression code). Their phone is the number
    #: beside the mark ("" when there is none).
    marked: dict[int, tuple[str, str]] = field(default_factory=dict)

    def is_valid(self, at: int) -> bool:
        """Whether the row at this position passed validation (a marked row did not)."""
        return at not in self.rejected and at not in self.marked


#: A phone result as plain values: (e164, extension, type, warning code, warning message,
#: notice code, notice message) for a phone, (code, message) for a problem.
PlainResult = (
    tuple[str, str | None, str, str | None, str | None, str | None, str | None] | tuple[str, str]
)


def _plain(result: Phone | Problem) -> PlainResult:
    if type(result) is Phone:
        warning, notice = result.warning, result.notice
        return (
            result.e164, result.extension, result.kind,
            warning.code if warning else None, warning.message if warning else None,
            notice.code if notice else None, notice.message if notice else None,
        )  # fmt: skip
    assert isinstance(result, Problem)
    return (result.code, result.message)


def _result(plain: PlainResult) -> Phone | Problem:
    if len(plain) == 2:
        return Problem(plain[0], plain[1] or "")
    e164, extension, kind, code, message, notice_code, notice_message = plain
    return Phone(
        e164, extension,
        PhoneWarning(code, message or "") if code else None,
        kind,
        PhoneWarning(notice_code, notice_message or "") if notice_code else None,
    )  # fmt: skip


def validate_rows(
    context: ValidationContext,
    numbers: list[int],
    values: Sequence[Sequence[str]],
    extra_values: dict[int, list[str]],
    known: dict[PhoneKey, PlainResult] | None = None,
    prefer: dict[int, str] | None = None,
) -> Verdicts:
    """Validate one chunk and return one verdict per row.

    ``values`` holds the chunk's cells column by column, one sequence for each
    column the mapping reads (:func:`columns_of`). ``prefer`` names, by row number,
    the number to send among a row's valid ones (see :func:`importer.schema.validate_chunk`).
    """
    if context.skip_rows and not context.skip_rows.isdisjoint(numbers):
        return _without_skipped(context, numbers, values, extra_values, known)
    names = context.bound.columns_used()
    frame = pd.DataFrame(
        dict(zip(names, values, strict=True)),
        columns=list(names),
        index=pd.Index(numbers, name="source_row"),
        dtype=object,
    )
    book = PhoneBook(
        {key: _result(plain) for key, plain in (known or {}).items()}, context.phone_policy
    )
    validated = validate_chunk(
        project(frame, context.bound),
        region=context.region,
        lenient=context.lenient,
        extra_values=extra_values,
        phone_book=book,
        infer_time_zone=context.infer_time_zone,
        prefer=prefer,
    )
    by_row: dict[int, list[Issue]] = {}
    for issue in validated.issues:
        by_row.setdefault(issue.row, []).append(issue)
    rejected_at = validated.rejected.to_numpy().tolist()
    phones = validated.leads["phone"].tolist()
    kinds = validated.phone_types
    sources = validated.time_zone_sources
    zones = [zone or "" for zone in validated.leads["timeZone"].tolist()]
    marks = validated.marks
    marked_at = [at for at, number in enumerate(numbers) if number in marks] if marks else []
    if marked_at:
        for at in marked_at:
            phones[at] = phones[at] or ""
            zones[at] = sources[at] = ""
            rejected_at[at] = True  # for the leads below: a marked row is never sent
    valid_at = [at for at, bad in enumerate(rejected_at) if not bad]
    learned: dict[str | None, dict[str, PlainResult]] = {}
    for (cell, region), result in book.learned.items():
        learned.setdefault(region, {})[cell] = _plain(result)
    verdicts = Verdicts(
        rejected={},
        phones=phones,
        phone_types=kinds,
        time_zones=zones,
        zone_sources=sources,
        warnings={},
        leads=dict(zip(valid_at, lead_json_rows(validated.leads, valid_at), strict=True))
        if context.leads
        else {},
        learned=learned,
        formula_columns=columns_to_neutralize(values),
        people=validated.people,
        marked={at: (marks[numbers[at]].message, marks[numbers[at]].code) for at in marked_at},
    )
    by_row_or_others = by_row or validated.other_phones
    position = {number: at for at, number in enumerate(numbers)} if by_row_or_others else {}
    for number, others in validated.other_phones.items():
        at = position[number]
        if not rejected_at[at]:
            verdicts.other_phones[at] = others
    for number, issues in by_row.items():
        at = position[number]
        if rejected_at[at]:
            # What rejects the row, alone: a warning beside it (a toll-free number, say)
            # is not what the person has to fix.
            errors = [issue for issue in issues if issue.severity == "error"]
            phones[at] = kinds[at] = zones[at] = sources[at] = ""
            verdicts.rejected[at] = (
                join_messages(errors),
                " ".join(dict.fromkeys(i.code for i in errors)),
            )
            verdicts.reasons.update({issue.code for issue in errors})
        else:
            verdicts.warnings[at] = join_messages(issues)
        verdicts.warning_count += sum(1 for issue in issues if issue.severity == "warning")
    return verdicts


def _without_skipped(
    context: ValidationContext,
    numbers: list[int],
    values: Sequence[Sequence[str]],
    extra_values: dict[int, list[str]],
    known: dict[PhoneKey, PlainResult] | None,
) -> Verdicts:
    """Validate the rows not skipped; reject the skipped ones as ``row_skipped``."""
    skip = context.skip_rows
    keep = [at for at, number in enumerate(numbers) if number not in skip]
    kept = validate_rows(
        replace(context, skip_rows=frozenset()),
        [numbers[at] for at in keep],
        [[column[at] for at in keep] for column in values],
        {number: extra for number, extra in extra_values.items() if number not in skip},
        known,
    )
    phones = [""] * len(numbers)
    kinds, zones, sources = [""] * len(numbers), [""] * len(numbers), [""] * len(numbers)
    for position, at in enumerate(keep):
        phones[at] = kept.phones[position]
        kinds[at] = kept.phone_types[position]
        zones[at] = kept.time_zones[position]
        sources[at] = kept.zone_sources[position]
    rejected = {keep[position]: verdict for position, verdict in kept.rejected.items()}
    marked = {keep[position]: why for position, why in kept.marked.items()}
    people = [0] * len(numbers) if kept.people else []
    for position, at in enumerate(keep):
        if people:
            people[at] = kept.people[position]
    skipped = [at for at, number in enumerate(numbers) if number in skip]
    rejected.update((at, (SKIPPED_MESSAGE, SKIPPED_CODE)) for at in skipped)
    return Verdicts(
        rejected=rejected,
        phones=phones,
        phone_types=kinds,
        time_zones=zones,
        zone_sources=sources,
        warnings={keep[position]: notes for position, notes in kept.warnings.items()},
        leads={keep[position]: lead for position, lead in kept.leads.items()},
        warning_count=kept.warning_count,
        reasons=kept.reasons + Counter({SKIPPED_CODE: len(skipped)}),
        learned=kept.learned,
        # The skipped rows are reported too: their cells are guarded like the others.
        formula_columns=columns_to_neutralize(values),
        people=people,
        other_phones={keep[position]: o for position, o in kept.other_phones.items()},
        marked=marked,
    )


def columns_of(context: ValidationContext, rows: list[list[str]]) -> list[Sequence[str]]:
    """The cells of the columns the mapping reads, column by column.

    Only these cross to the worker processes, and a column of strings is faster to
    send and to turn into a DataFrame than rows are.
    """
    if not rows:
        return [() for _ in context.bound.columns_used()]
    by_column = list(zip(*rows, strict=True))
    return [by_column[context.columns.index(name)] for name in context.bound.columns_used()]


def _fewer_collections(thresholds: tuple[int, int, int]) -> tuple[int, int, int]:
    """The thresholds with the young generation's raised (see the module docstring)."""
    return (max(thresholds[0], GC_YOUNG_THRESHOLD), *thresholds[1:])


#: The collector's thresholds, raised while at least one validator is open.
GC_THRESHOLDS = ProcessWideSetting(
    gc.get_threshold, lambda values: gc.set_threshold(*values), _fewer_collections
)

_CONTEXT: ValidationContext | None = None


def _start_worker(context: ValidationContext) -> None:
    global _CONTEXT
    _CONTEXT = context
    gc.set_threshold(*_fewer_collections(gc.get_threshold()))  # the worker's own collector


_FORKSERVER_LOCK = threading.Lock()
_FORKSERVER: multiprocessing.context.BaseContext | None = None


def _pool_context() -> multiprocessing.context.BaseContext:
    """How the workers start: a fork when this process runs one thread, else a fork server."""
    global _FORKSERVER
    # Called just before the pool starts: no other thread can appear before the fork
    # (with fork, the pool starts every worker before its own manager thread).
    if threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    with _FORKSERVER_LOCK:
        if _FORKSERVER is None:
            context = multiprocessing.get_context("forkserver")
            # Workers forked from a server that has already imported this module skip
            # importing pandas, phonenumbers and the schema each time.
            context.set_forkserver_preload([__name__])
            _FORKSERVER = context
        return _FORKSERVER


def _validate_in_worker(job: bytes) -> bytes:
    assert _CONTEXT is not None
    verdicts = validate_rows(_CONTEXT, *marshal.loads(job))
    return marshal.dumps(_verdict_values(verdicts))


# Chunks and verdicts cross processes as marshal data: lists of strings load about
# twice as fast as from pickle, and both ends are the same interpreter.
def _verdict_values(verdicts: Verdicts) -> tuple[Any, ...]:
    return (
        verdicts.rejected, verdicts.phones, verdicts.phone_types, verdicts.time_zones,
        verdicts.zone_sources, verdicts.warnings, verdicts.leads,
        verdicts.warning_count, dict(verdicts.reasons), verdicts.learned,
        verdicts.formula_columns, verdicts.people, verdicts.other_phones, verdicts.marked,
    )  # fmt: skip


def _verdicts_from(data: bytes) -> Verdicts:
    (rejected, phones, kinds, zones, sources, warnings, leads, warning_count, reasons, learned,
     formulas, people, other_phones, marked) = marshal.loads(data)  # fmt: skip
    return Verdicts(rejected, phones, kinds, zones, sources, warnings, leads, warning_count,
                    Counter(reasons), learned, formulas, people, other_phones, marked)  # fmt: skip


class ChunkValidator:
    """Validate chunks inline (``workers`` 0 or 1) or in worker processes, in file order."""

    def __init__(self, context: ValidationContext, workers: int = 0) -> None:
        self.context = context
        self.workers = workers
        #: Phone results of the run, by default country, then by cell.
        self.known: dict[str | None, dict[str, PlainResult]] = {}
        self._known_count = 0
        #: Started with the first chunk, so the threads counted are those at that moment.
        self._pool: ProcessPoolExecutor | None = None
        source = context.bound.fields["phone"]
        self._phone_at = (
            context.columns.index(source.column)
            if source.column is not None and source.default is None
            else None
        )
        country = context.bound.country
        self._country_at = (
            context.columns.index(country.column)
            if country is not None and country.column is not None and country.default is None
            else None
        )
        GC_THRESHOLDS.acquire()
        self._holds_thresholds = True

    def close(self) -> None:
        """Stop the worker processes; the last validator closed puts the thresholds back."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        if self._holds_thresholds:
            self._holds_thresholds = False
            GC_THRESHOLDS.release()

    def __enter__(self) -> ChunkValidator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def run(self, chunks: Iterable[Chunk]) -> Iterator[tuple[Chunk, Verdicts]]:
        """Yield each chunk with its verdicts, in file order."""
        if self.workers <= 1:
            for chunk in chunks:
                verdicts = validate_rows(
                    self.context, chunk.numbers, columns_of(self.context, chunk.rows),
                    chunk.extra_values, self._known_for(chunk),
                )  # fmt: skip
                self._remember(verdicts)
                yield chunk, verdicts
            return
        in_flight: deque[tuple[Chunk, Future[bytes]]] = deque()
        for chunk in chunks:
            job = (
                chunk.numbers, columns_of(self.context, chunk.rows), chunk.extra_values,
                self._known_for(chunk),
            )  # fmt: skip
            if self._pool is None:
                self._pool = ProcessPoolExecutor(
                    max_workers=self.workers,
                    mp_context=_pool_context(),
                    initializer=_start_worker,
                    initargs=(self.context,),
                )
            future = self._pool.submit(_validate_in_worker, marshal.dumps(job))
            in_flight.append((chunk, future))
            if len(in_flight) > self.workers:
                yield self._collect(*in_flight.popleft())
        while in_flight:
            yield self._collect(*in_flight.popleft())

    def _collect(self, chunk: Chunk, future: Future[bytes]) -> tuple[Chunk, Verdicts]:
        verdicts = _verdicts_from(future.result())
        self._remember(verdicts)
        return chunk, verdicts

    @property
    def known_count(self) -> int:
        """How many phone results the run keeps."""
        return self._known_count

    def _known_for(self, chunk: Chunk) -> dict[PhoneKey, PlainResult]:
        """The phone results already known for this chunk's phone cells."""
        if self._phone_at is None or not self._known_count:
            return {}
        at, where, default = self._phone_at, self._country_at, self.context.region
        if where is None:
            table = self.known.get(default)
            if not table:
                return {}
            # A set intersection in C: most cells of a chunk are new to the run.
            hits = table.keys() & [row[at] for row in chunk.rows]
            return {(cell, default): table[cell] for cell in hits}
        found: dict[PhoneKey, PlainResult] = {}
        for row in chunk.rows:
            region = country_for(row[where], default)
            result = self.known.get(region, {}).get(row[at])
            if result is not None:
                found[(row[at], region)] = result
        return found

    def _remember(self, verdicts: Verdicts) -> None:
        for region, results in verdicts.learned.items():
            room = MAX_KNOWN_PHONES - self._known_count
            if room <= 0:
                return
            table = self.known.setdefault(region, {})
            before = len(table)
            table.update(results if len(results) <= room else dict(islice(results.items(), room)))
            # Two chunks in flight may both have learned a cell: count what was added.
            self._known_count += len(table) - before
