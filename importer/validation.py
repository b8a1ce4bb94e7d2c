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

In-file duplicates are not decided here: that needs the rows in file order, in
one place (:mod:`importer.dedupe`).
"""

from __future__ import annotations

import multiprocessing
from collections import Counter, deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .issues import Issue, join_messages
from .mapping import BoundMapping, project
from .normalize import Phone, Problem, normalize_region
from .reader import Chunk
from .schema import PhoneBook, PhoneKey, lead_json_rows, validate_chunk

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
    """One verdict per row of a chunk, in row order."""

    numbers: list[int]
    valid: list[bool]
    #: E.164 phone of each valid row ("" for rejected rows).
    phones: list[str]
    #: Rejected rows: every problem, in sentences. Valid rows: their warnings ("" if none).
    notes: list[str]
    #: Rejected rows: the error codes, space-separated ("" for valid rows).
    codes: list[str]
    #: Valid rows: the lead to send, as JSON ("" for rejected rows).
    leads: list[str]
    warnings: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    #: Phone results this chunk added, as plain tuples (they cross processes).
    learned: dict[PhoneKey, PlainResult] = field(default_factory=dict)


#: A phone result as plain values: (e164, extension) or (code, message, None) for a problem.
PlainResult = tuple[str, str | None] | tuple[str, str, None]


def _plain(result: Phone | Problem) -> PlainResult:
    if type(result) is Phone:
        return (result.e164, result.extension)
    assert isinstance(result, Problem)
    return (result.code, result.message, None)


def _result(plain: PlainResult) -> Phone | Problem:
    if len(plain) == 2:
        return Phone(plain[0], plain[1])
    return Problem(plain[0], plain[1] or "")


def validate_rows(
    context: ValidationContext,
    numbers: list[int],
    rows: list[list[str]],
    extra_values: dict[int, list[str]],
    known: dict[PhoneKey, PlainResult] | None = None,
) -> Verdicts:
    """Validate one chunk of source rows and return one verdict per row."""
    frame = pd.DataFrame(
        rows, columns=list(context.columns), index=pd.Index(numbers, name="source_row"),
        dtype=object,
    )  # fmt: skip
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
    rejected = validated.rejected.to_numpy().tolist()
    phones = validated.leads["phone"].tolist()
    valid_at = [at for at, bad in enumerate(rejected) if not bad]
    texts = lead_json_rows(validated.leads, valid_at) if context.leads else [""] * len(valid_at)
    leads = dict(zip(valid_at, texts, strict=True))
    learned = {key: _plain(result) for key, result in book.learned.items()}
    verdicts = Verdicts(numbers, [], [], [], [], [], learned=learned)
    for at, (number, bad) in enumerate(zip(numbers, rejected, strict=True)):
        issues = by_row.get(number)
        verdicts.valid.append(not bad)
        verdicts.notes.append(join_messages(issues) if issues else "")
        if bad:
            assert issues is not None
            verdicts.phones.append("")
            verdicts.codes.append(" ".join(dict.fromkeys(issue.code for issue in issues)))
            verdicts.leads.append("")
            verdicts.reasons.update({issue.code for issue in issues if issue.severity == "error"})
        else:
            verdicts.phones.append(phones[at])
            verdicts.codes.append("")
            verdicts.leads.append(leads[at])
        if issues:
            verdicts.warnings += sum(1 for issue in issues if issue.severity == "warning")
    return verdicts


_CONTEXT: ValidationContext | None = None


def _start_worker(context: ValidationContext) -> None:
    global _CONTEXT
    _CONTEXT = context


def _validate_in_worker(
    numbers: list[int],
    rows: list[list[str]],
    extra_values: dict[int, list[str]],
    known: dict[PhoneKey, PlainResult],
) -> Verdicts:
    assert _CONTEXT is not None
    return validate_rows(_CONTEXT, numbers, rows, extra_values, known)


class ChunkValidator:
    """Validate chunks inline (``workers`` 0 or 1) or in worker processes, in file order."""

    def __init__(self, context: ValidationContext, workers: int = 0) -> None:
        self.context = context
        self.workers = workers
        self.known: dict[PhoneKey, PlainResult] = {}
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

    def close(self) -> None:
        """Stop the worker processes."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def __enter__(self) -> ChunkValidator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def run(self, chunks: Iterable[Chunk]) -> Iterator[tuple[Chunk, Verdicts]]:
        """Yield each chunk with its verdicts, in file order."""
        if self._pool is None:
            for chunk in chunks:
                verdicts = validate_rows(
                    self.context, chunk.numbers, chunk.rows, chunk.extra_values,
                    self._known_for(chunk),
                )  # fmt: skip
                self._remember(verdicts)
                yield chunk, verdicts
            return
        in_flight: deque[tuple[Chunk, Future[Verdicts]]] = deque()
        for chunk in chunks:
            future = self._pool.submit(
                _validate_in_worker, chunk.numbers, chunk.rows, chunk.extra_values,
                self._known_for(chunk),
            )  # fmt: skip
            in_flight.append((chunk, future))
            if len(in_flight) > self.workers:
                yield self._collect(*in_flight.popleft())
        while in_flight:
            yield self._collect(*in_flight.popleft())

    def _collect(self, chunk: Chunk, future: Future[Verdicts]) -> tuple[Chunk, Verdicts]:
        verdicts = future.result()
        self._remember(verdicts)
        return chunk, verdicts

    def _known_for(self, chunk: Chunk) -> dict[PhoneKey, PlainResult]:
        """The phone results already known for this chunk's phone cells."""
        if self._phone_at is None or not self.known:
            return {}
        at, where, default = self._phone_at, self._country_at, self.context.region
        get = self.known.get
        if where is None:
            keys: Iterable[PhoneKey] = ((row[at], default) for row in chunk.rows)
        else:
            keys = ((row[at], normalize_region(row[where]) or default) for row in chunk.rows)
        return {key: found for key in keys if (found := get(key)) is not None}

    def _remember(self, verdicts: Verdicts) -> None:
        room = MAX_KNOWN_PHONES - len(self.known)
        if room <= 0:
            return
        learned: Any = verdicts.learned
        if len(learned) > room:
            learned = dict(list(learned.items())[:room])
        self.known.update(learned)
