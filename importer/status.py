"""Exit statuses of the ``whiteclad-import`` command."""

from __future__ import annotations

from enum import IntEnum

__all__ = [
    "ExitStatus",
    "most_severe",
    "severity",
]


class ExitStatus(IntEnum):
    """Process exit codes; schedulers alert on these, so they never change meaning."""

    #: Every row was accepted or set aside as a duplicate.
    SUCCESS = 0
    #: The run finished, and some rows were rejected (see rejected.csv).
    ROWS_REJECTED = 1
    #: Nothing was done: bad usage, unreadable file or mapping.
    CANNOT_START = 2
    #: Stopped part-way by the API (credentials, credits, retries exhausted): the rows not
    #: sent are in pending.csv; running the same command again sends them.
    INCOMPLETE = 3
    #: Another import into the same campaign holds the lock; nothing was done.
    BUSY = 4
    #: Passing trouble at the API (5xx answers, 429s, no answer) outlasted the retry
    #: patience: nothing is wrong with the settings, the file or the account. The rows not
    #: sent are in pending.csv (or nothing was sent); the next run sends them. 75 is
    #: EX_TEMPFAIL of sysexits.h: "try again later".
    API_UNAVAILABLE = 75
    #: A defect in the tool itself (EX_SOFTWARE); the message asks for a bug report.
    INTERNAL_ERROR = 70
    #: The tool could not write (or find) one of its own folders or files: a read-only or
    #: full disk, a missing folder, a file where a folder should be, no permission. The
    #: message names the path and what to do; a person must fix the machine. 74 is
    #: EX_IOERR of sysexits.h.
    IO_ERROR = 74
    #: Stopped by Ctrl-C (128 + SIGINT), as shells expect.
    INTERRUPTED = 130


#: The exit statuses by how much they need a person, least first, where that is not
#: their number: passing API trouble needs no one (the next run resumes), so it ranks
#: above rejected rows (leads are late) and below every status that needs a fix.
_RANK: dict[int, float] = {ExitStatus.API_UNAVAILABLE: 1.5}


def severity(status: int) -> float:
    """How much a status needs a person: its number, but passing API trouble ranks low."""
    return _RANK.get(status, float(status))


def most_severe(first: int, second: int) -> int:
    """The status of the two that needs a person more (a drain reports its worst file's)."""
    return max(first, second, key=severity)
