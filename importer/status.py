"""Exit statuses of the ``whiteclad-import`` command."""

from __future__ import annotations

from enum import IntEnum

__all__ = [
    "ExitStatus",
]


class ExitStatus(IntEnum):
    """Process exit codes; schedulers alert on these, so they never change meaning."""

    #: Every row was accepted or set aside as a duplicate.
    SUCCESS = 0
    #: The run finished, and some rows were rejected (see rejected.csv).
    ROWS_REJECTED = 1
    #: Nothing was done: bad usage, unreadable file or mapping, unwritable report folder.
    CANNOT_START = 2
    #: Stopped part-way by the API (credentials, credits, retries exhausted): the rows not
    #: sent are in pending.csv; running the same command again sends them.
    INCOMPLETE = 3
    #: Another import into the same campaign holds the lock; nothing was done.
    BUSY = 4
    #: A defect in the tool itself (EX_SOFTWARE); the message asks for a bug report.
    INTERNAL_ERROR = 70
    #: Stopped by Ctrl-C (128 + SIGINT), as shells expect.
    INTERRUPTED = 130
