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
are still collected, only less often; the previous thresholds come back on close.

In-file duplicates are not decided here: that needs the rows in file order, in
one place (:mod:`importer.dedupe`).
"""

from __future__ import annotations

import gc
import marshal
import multiprocessing
from collections import Counter, deque
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

import pandas as pd

from .issues import Issue, join_messages
from .mapping import BoundMapping, project
from .normalize import Phone, PhoneWarning, Problem
from .reader import Chunk
from .reports import columns_to_neutralize
from .schema import PhoneBook, PhoneKey, country_for, lead_json_rows, validate_chunk

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
    #: Valid rows with warnings: the warnings, in sentences.
    warnings: dict[int, str]
    #: Valid rows: the lead to send, as JSON (only when the context asks for leads).
    leads: dict[int, str]
    warning_count: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    #: Phone results this chunk added, by default country and cell, as plain tuples.
    learned: dict[str | None, dict[str, PlainResult]] = field(default_factory=dict)
    #: Positions, among the columns the mapping reads, of those holding a cell that the
    #: reports must neutralize (see :func:`importer.reports.columns_to_neutralize`).
    formula_columns: list[int] = field(default_factory=list)

    def is_valid(self, at: int) -> bool:
        """Whether the row at this position passed validation."""
        return at not in self.rejected


#: A phone result as plain values: (e164, extension), (e164, extension, warning code,
#: warning message) for a phone read with a guess, or (code, message, None) for a problem.
PlainResult = tuple[str, str | None] | tuple[str, str, None] | tuple[str, str | None, str, str]


def _plain(result: Phone | Problem) -> PlainResult:
    if type(result) is Phone:
        if result.warning is not None:
            return (result.e164, result.extension, result.warning.code, result.warning.message)
        return (result.e164, result.extension)
    assert isinstance(result, Problem)
    return (result.code, result.message, None)


def _result(plain: PlainResult) -> Phone | Problem:
    if len(plain) == 2:
        return Phone(plain[0], plain[1])
    if len(plain) == 4:
        return Phone(plain[0], plain[1], PhoneWarning(plain[2], plain[3]))
    return Problem(plain[0], plain[1] or "")


def validate_rows(
    context: ValidationContext,
    numbers: list[int],
    values: Sequence[Sequence[str]],
    extra_values: dict[int, list[str]],
    known: dict[PhoneKey, PlainResult] | None = None,
) -> Verdicts:
    """Validate one chunk and return one verdict per row.

    ``values`` holds the chunk's cells column by column, one sequence for each
    column the mapping reads (:func:`columns_of`).
    """
    names = context.bound.columns_used()
    frame = pd.DataFrame(
        dict(zip(names, values, strict=True)),
        columns=list(names),
        index=pd.Index(numbers, name="source_row"),
        dtype=object,
    )
    book = PhoneBook({key: _result(plain) for key, plain in (known or {}).items()})
    validated = validate_chunk(
        project(frame, context.bound),
        region=context.region,
        lenient=context.lenient,
        extra_values=extra_values,
        phone_book=book,
    )
    by_row: dict[int, list[Issue]] = {}
    for issue in validated.issues:
        by_row.setdefault(issue.row, []).append(issue)
    rejected_at = validated.rejected.to_numpy().tolist()
    phones = validated.leads["phone"].tolist()
    valid_at = [at for at, bad in enumerate(rejected_at) if not bad]
    learned: dict[str | None, dict[str, PlainResult]] = {}
    for (cell, region), result in book.learned.items():
        learned.setdefault(region, {})[cell] = _plain(result)
    verdicts = Verdicts(
        rejected={},
        phones=phones,
        warnings={},
        leads=dict(zip(valid_at, lead_json_rows(validated.leads, valid_at), strict=True))
        if context.leads
        else {},
        learned=learned,
        formula_columns=columns_to_neutralize(values),
    )
    position = {number: at for at, number in enumerate(numbers)} if by_row else {}
    for number, issues in by_row.items():
        at = position[number]
        notes = join_messages(issues)
        if rejected_at[at]:
            phones[at] = ""
            verdicts.rejected[at] = (notes, " ".join(dict.fromkeys(i.code for i in issues)))
            verdicts.reasons.update({issue.code for issue in issues if issue.severity == "error"})
        else:
            verdicts.warnings[at] = notes
        verdicts.warning_count += sum(1 for issue in issues if issue.severity == "warning")
    return verdicts


def columns_of(context: ValidationContext, rows: list[list[str]]) -> list[Sequence[str]]:
    """The cells of the columns the mapping reads, column by column.

    Only these cross to the worker processes, and a column of strings is faster to
    send and to turn into a DataFrame than rows are.
    """
    if not rows:
        return [() for _ in context.bound.columns_used()]
    by_column = list(zip(*rows, strict=True))
    return [by_column[context.columns.index(name)] for name in context.bound.columns_used()]


_CONTEXT: ValidationContext | None = None


def _fewer_collections() -> tuple[int, int, int]:
    """Raise the young-generation threshold (see the module docstring); return the old ones."""
    previous = gc.get_threshold()
    gc.set_threshold(max(previous[0], GC_YOUNG_THRESHOLD), *previous[1:])
    return previous


def _start_worker(context: ValidationContext) -> None:
    global _CONTEXT
    _CONTEXT = context
    _fewer_collections()


def _validate_in_worker(job: bytes) -> bytes:
    assert _CONTEXT is not None
    verdicts = validate_rows(_CONTEXT, *marshal.loads(job))
    return marshal.dumps(_verdict_values(verdicts))


# Chunks and verdicts cross processes as marshal data: lists of strings load about
# twice as fast as from pickle, and both ends are the same interpreter.
def _verdict_values(verdicts: Verdicts) -> tuple[Any, ...]:
    return (
        verdicts.rejected, verdicts.phones, verdicts.warnings, verdicts.leads,
        verdicts.warning_count, dict(verdicts.reasons), verdicts.learned,
        verdicts.formula_columns,
    )  # fmt: skip


def _verdicts_from(data: bytes) -> Verdicts:
    rejected, phones, warnings, leads, warning_count, reasons, learned, formulas = marshal.loads(
        data
    )
    return Verdicts(rejected, phones, warnings, leads, warning_count, Counter(reasons), learned,
                    formulas)  # fmt: skip


class ChunkValidator:
    """Validate chunks inline (``workers`` 0 or 1) or in worker processes, in file order."""

    def __init__(self, context: ValidationContext, workers: int = 0) -> None:
        self.context = context
        self.workers = workers
        #: Phone results of the run, by default country, then by cell.
        self.known: dict[str | None, dict[str, PlainResult]] = {}
        self._known_count = 0
        self._pool: ProcessPoolExecutor | None = None
        if workers > 1:
            # fork: the workers start with everything already imported.
            self._pool = ProcessPoolExecutor(
                max_workers=workers,
                mp_context=multiprocessing.get_context("fork"),
                initializer=_start_worker,
                initargs=(context,),
            )
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
        self._thresholds: tuple[int, int, int] | None = _fewer_collections()

    def close(self) -> None:
        """Stop the worker processes."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        if self._thresholds is not None:
            gc.set_threshold(*self._thresholds)
            self._thresholds = None

    def __enter__(self) -> ChunkValidator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def run(self, chunks: Iterable[Chunk]) -> Iterator[tuple[Chunk, Verdicts]]:
        """Yield each chunk with its verdicts, in file order."""
        if self._pool is None:
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
