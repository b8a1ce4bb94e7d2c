"""Work that runs in the background while the page shows its progress.

A :class:`Job` runs its work in a thread of its own: an import
(:func:`importer.pipeline.run_import`), the check of every row for the review, or a
change to many rows of it. Its :class:`JobProgress` keeps the stage, position and
counts for the progress fragment to show, so no request waits for the work. Cancel
sets a flag that ``run_import`` polls between batches: the run stops after the
batch in flight, as Ctrl-C does on the command line.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ..errors import ImporterError, ImportIncomplete
from ..pipeline import Summary

__all__ = ["Job", "JobProgress", "Jobs", "Snapshot", "Work"]

#: What a job does: given its progress and its stop flag, return an import's summary,
#: a sentence saying what was done, or None.
Work = Callable[["JobProgress", Callable[[], bool]], "Summary | str | None"]


@dataclass(frozen=True)
class Snapshot:
    """What a job has done so far, read at one moment."""

    stage: str
    unit: str
    position: int
    total: int
    counts: dict[str, int]
    notices: tuple[str, ...]
    batches: int
    running: bool
    cancelling: bool
    error: str | None
    summary: Summary | None
    message: str | None
    started: float
    finished: float | None


@dataclass
class JobProgress:
    """The :class:`importer.pipeline.Progress` of a job, safe to read from other threads."""

    stage: str = "starting"
    unit: str = "rows"
    position: int = 0
    total: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)
    batches: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def start(self, total: int, unit: str, label: str) -> None:
        """A stage starts."""
        with self.lock:
            self.stage, self.unit, self.total, self.position = label, unit, total, 0

    def update(self, position: int, counts: dict[str, int]) -> None:
        """A chunk was checked or a batch was answered."""
        with self.lock:
            self.position = position
            self.counts = dict(counts)
            if self.stage == "sending":
                self.batches += 1

    def step(self, position: int, total: int) -> None:
        """A change to the review's rows has checked ``position`` of its ``total`` rows."""
        with self.lock:
            self.position, self.total = position, total
            self.counts = {"checked": position}

    def close(self) -> None:
        """A stage ends."""

    def notice(self, text: str) -> None:
        """Something the person should read."""
        with self.lock:
            self.notices.append(text)


class Job:
    """One piece of work running in a background thread."""

    def __init__(self, work: Work, on_done: Callable[[Job], None] | None = None) -> None:
        self.progress = JobProgress()
        self.summary: Summary | None = None
        self.message: str | None = None
        self.error: str | None = None
        self.started = time.time()
        self.finished: float | None = None
        self._stop = threading.Event()
        self._on_done = on_done
        self._work = work
        self._thread = threading.Thread(target=self._run, name="whiteclad-web-job", daemon=True)

    def start(self) -> Job:
        """Start the work in its thread."""
        self._thread.start()
        return self

    def _run(self) -> None:
        try:
            result = self._work(self.progress, self._stop.is_set)
            if isinstance(result, str):
                self.message = result
            else:
                self.summary = result
        except ImportIncomplete as exc:
            self.summary, self.error = exc.summary, exc.message
        except ImporterError as exc:
            self.error = exc.message
        except Exception as exc:  # shown on the page instead of lost in the thread
            self.error = (
                f"unexpected {type(exc).__name__}: {exc} (this is a bug in whiteclad-import; "
                "run the same import with the command line and --debug, and report the traceback)"
            )
        finally:
            self.finished = time.time()
            if self._on_done is not None:
                self._on_done(self)

    def cancel(self) -> None:
        """Ask the run to stop after the batch in flight."""
        self._stop.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the run to end; whether it did."""
        self._thread.join(timeout)
        return not self._thread.is_alive()

    @property
    def running(self) -> bool:
        """Whether the run has not ended yet."""
        return self.finished is None

    def snapshot(self) -> Snapshot:
        """What the job has done so far."""
        p = self.progress
        with p.lock:
            return Snapshot(
                stage=p.stage,
                unit=p.unit,
                position=p.position,
                total=p.total,
                counts=dict(p.counts),
                notices=tuple(p.notices),
                batches=p.batches,
                running=self.running,
                cancelling=self._stop.is_set() and self.running,
                error=self.error,
                summary=self.summary,
                message=self.message,
                started=self.started,
                finished=self.finished,
            )


class Jobs:
    """The jobs of the page, one at most per import and kind."""

    def __init__(self) -> None:
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()

    def start(self, key: str, work: Work, on_done: Callable[[Job], None] | None = None) -> Job:
        """Start a job for ``key`` unless one is running; return the running one."""
        with self._lock:
            current = self._jobs.get(key)
            if current is not None and current.running:
                return current
            job = Job(work, on_done)
            self._jobs[key] = job
        return job.start()

    def get(self, key: str) -> Job | None:
        """The last job of ``key``."""
        with self._lock:
            return self._jobs.get(key)

    def cancel_all(self, timeout: float = 30.0) -> None:
        """Ask every running job to stop, and wait for them."""
        with self._lock:
            jobs = list(self._jobs.values())
        for job in jobs:
            job.cancel()
        for job in jobs:
            job.wait(timeout)
