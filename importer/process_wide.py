"""Process-wide settings that a run changes only while it needs them.

Some settings belong to the whole process, not to one run: the garbage
collector's thresholds, the csv module's field size limit. Runs that overlap in
threads of one process share a single change: the first run that needs it makes
it, the last one done puts back the value from before, so nothing stays changed
and no run undoes the setting under another one still running.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Generic, TypeVar

__all__ = ["ProcessWideSetting"]

T = TypeVar("T")


class ProcessWideSetting(Generic[T]):
    """A process-wide value, changed while at least one holder holds it."""

    def __init__(
        self, read: Callable[[], T], write: Callable[[T], object], change: Callable[[T], T]
    ) -> None:
        self._read = read
        self._write = write
        self._change = change
        self._lock = threading.Lock()
        self._holders = 0
        self._before: list[T] = []  # the value to put back, while held

    @property
    def holders(self) -> int:
        """How many holders hold the change now."""
        return self._holders

    def acquire(self) -> None:
        """Hold the change; the first holder makes it."""
        with self._lock:
            if self._holders == 0:
                before = self._read()
                self._write(self._change(before))
                self._before = [before]
            self._holders += 1

    def release(self) -> None:
        """Let go of the change; the last holder puts the earlier value back."""
        with self._lock:
            if self._holders == 0:
                raise RuntimeError("released more often than acquired")
            self._holders -= 1
            if self._holders == 0:
                self._write(self._before.pop())

    @contextmanager
    def held(self) -> Iterator[None]:
        """Hold the change for the block."""
        self.acquire()
        try:
            yield
        finally:
            self.release()
