"""Stop an import cleanly on Ctrl-C or SIGTERM: finish the batch in flight, then stop.

The first signal only asks the run to stop (the ledger records the batch in
flight, the reports are written, the rows not sent go to pending.csv); a second
Ctrl-C stops at once. Running the same command again resumes either way.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import IO, Any

__all__ = [
    "graceful_stop",
]


@contextmanager
def graceful_stop(
    stream: IO[str],
    message: str = "Stopping after the batch in flight (Ctrl-C again to stop at once)...",
) -> Iterator[Callable[[], bool]]:
    """Install SIGINT/SIGTERM handlers for the block; yield a 'stop requested?' check."""
    requested = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield requested.is_set  # signals only reach the main thread
        return

    def handle(signum: int, frame: FrameType | None) -> None:
        if requested.is_set() and signum == signal.SIGINT:
            raise KeyboardInterrupt
        requested.set()
        print("\n" + message, file=stream, flush=True)

    previous: dict[signal.Signals, Any] = {}
    for signum in (signal.SIGINT, signal.SIGTERM):
        previous[signum] = signal.signal(signum, handle)
    try:
        yield requested.is_set
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
