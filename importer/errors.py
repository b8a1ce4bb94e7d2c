"""The exceptions of whiteclad-import: one tree, rooted in :class:`ImporterError`.

Every error the library raises on purpose is a subclass of ``ImporterError``;
third-party errors (YAML, openpyxl/calamine, jsonschema, pandera, I/O) are
wrapped at the edge with ``raise ... from exc`` so callers only ever need to
catch this tree. The CLI maps each branch to an exit code in one place
(``importer.cli``), using :attr:`ImporterError.exit_status`.

::

    ImporterError                 base; exit status CANNOT_START unless stated
    ├── UsageError                bad option values or combinations
    │   └── ListError             a do-not-call list cannot be read whole (or is empty)
    ├── InputFileError            the spreadsheet cannot be read
    │   ├── EmptyFileError        no bytes, only blank lines, or a header and no data
    │   ├── UnsupportedFileError  not a spreadsheet (binary, unknown format)
    │   └── EncodingError         bytes that do not decode (wrong or mixed encodings)
    ├── MappingError              the mapping file is missing, bad YAML or breaks the schema
    │   └── MappingColumnError    the mapping names columns the file does not have
    ├── StorageError              the tool cannot write (or find) its own folders or files:
    │   │                         read-only or full disk, no permission (exit IO_ERROR)
    │   └── ReportError           the report folder cannot be written
    ├── ConfigError               missing credentials, bad base URL
    ├── CampaignError             --campaign matches no campaign, or several
    ├── StartError                the API check before sending failed; nothing was sent
    │                             (exit API_UNAVAILABLE when the API's trouble was passing)
    ├── LedgerError               the ledger in the state directory cannot be used
    ├── LockedError               another import into the campaign holds the lock (exit BUSY)
    ├── ImportIncomplete          the run stopped part-way: the API stopped it (exit
    │                             INCOMPLETE) or a stop was asked for (exit INTERRUPTED);
    │                             carries the summary, the rows not sent are in pending.csv
    └── ApiError                  the API refused a request or could not be reached
        ├── ApiValidationError    400: the request was malformed (a batch rejected whole)
        ├── AuthenticationError   401: credentials rejected
        ├── PaymentRequiredError  402: out of credits
        ├── AuthorizationError    403: forbidden (IP allow-list, scopes)
        ├── NotFoundError         404: unknown campaign
        ├── RateLimitError        429: too many requests (carries Retry-After)  ┐ passing
        ├── ServerError           5xx: the server failed                     │ trouble:
        ├── TransportError        no answer: connection refused or dropped,  │ exit
        │                         timeout                                    ┘ API_UNAVAILABLE
        └── ResponseError         an answer the tool cannot read (not JSON, wrong shape)

An ``ApiError`` that stops a run after rows were read leaves those rows in
``pending.csv`` and makes the run end with ``ExitStatus.INCOMPLETE``, or with
``ExitStatus.API_UNAVAILABLE`` when it is passing trouble (:attr:`ApiError.transient`:
429, 5xx, no answer) that outlasted the retries: then nothing is wrong with the
account, and the next run sends the rest.

Validation problems of single rows are *not* exceptions: they are data
(:class:`importer.issues.Issue`), collected while the rows are processed and
rendered at the end.

An ``OSError`` of the tool's own folders that no stage wrapped (a full disk while the
drain archives a file, say) is mapped by :func:`storage_error` where every exception is
mapped (``importer.cli.main``): it is the machine's trouble, not a defect of the tool.
"""

from __future__ import annotations

import errno
import os
from typing import TYPE_CHECKING

from .status import ExitStatus

__all__ = [
    "ApiError",
    "ApiValidationError",
    "AuthenticationError",
    "AuthorizationError",
    "CampaignError",
    "ConfigError",
    "EmptyFileError",
    "EncodingError",
    "ImportIncomplete",
    "ImporterError",
    "InputFileError",
    "LedgerError",
    "ListError",
    "LockedError",
    "MappingColumnError",
    "MappingError",
    "NotFoundError",
    "PaymentRequiredError",
    "RateLimitError",
    "ReportError",
    "ResponseError",
    "ServerError",
    "StartError",
    "StorageError",
    "TransportError",
    "UnsupportedFileError",
    "UsageError",
    "database_storage_error",
    "storage_error",
]

if TYPE_CHECKING:  # the pipeline imports this module: no import at run time
    from .pipeline import Summary


class ImporterError(Exception):
    """Base of every error raised by whiteclad-import on purpose."""

    exit_status: ExitStatus = ExitStatus.CANNOT_START

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class UsageError(ImporterError):
    """An option has a value the tool cannot use."""


class ListError(UsageError):
    """A do-not-call list cannot be read whole: the run stops before anything is sent."""


class InputFileError(ImporterError):
    """The input spreadsheet cannot be read."""


class EmptyFileError(InputFileError):
    """The input file has no data rows."""


class UnsupportedFileError(InputFileError):
    """The input file is not a spreadsheet the tool can read."""


class EncodingError(InputFileError):
    """The input file's bytes do not decode in the detected or given encoding."""


class MappingError(ImporterError):
    """The mapping file cannot be loaded or does not follow the mapping format."""


class MappingColumnError(MappingError):
    """The mapping names columns that the input file does not have (header drift)."""

    def __init__(
        self,
        message: str,
        missing: tuple[tuple[str, str, str | None], ...] = (),
        found: tuple[str, ...] = (),
    ) -> None:
        super().__init__(message)
        #: (mapping key, column it names, the file's closest column or None) per missing column.
        self.missing = missing
        #: The file's header.
        self.found = found


class StorageError(ImporterError):
    """The tool cannot write or find one of its own folders or files (disk, permissions)."""

    exit_status = ExitStatus.IO_ERROR


class ReportError(StorageError):
    """The report folder or one of its files cannot be written."""


#: The errors of a machine that cannot hold the tool's files, with what a person does.
_STORAGE_ERRNOS: dict[int, str] = {
    errno.EACCES: "make it writable for the user running whiteclad-import",
    errno.EPERM: "make it writable for the user running whiteclad-import",
    errno.EROFS: "mount it writable, or choose a folder on a writable disk",
    errno.ENOSPC: "free disk space on it",
    errno.EDQUOT: "free disk space on it, or raise the user's disk quota",
    errno.ENOENT: "create the folder, or fix the path in the settings or the command line",
    errno.ENOTDIR: "a file stands where a folder is expected: move the file away",
    errno.EEXIST: "a file stands where a folder is expected: move the file away",
    errno.EISDIR: "a folder stands where a file is expected: move the folder away",
    errno.EIO: "check the disk: it reports a hardware or file system error",
}


#: SQLite's primary result codes for a database the disk cannot hold, as the errno
#: whose words fit them (``sqlite3.Error.sqlite_errorcode & 0xFF``).
_SQLITE_ERRNOS: dict[int, int] = {
    3: errno.EACCES,  # SQLITE_PERM
    8: errno.EROFS,  # SQLITE_READONLY
    10: errno.EIO,  # SQLITE_IOERR
    13: errno.ENOSPC,  # SQLITE_FULL
    14: errno.EACCES,  # SQLITE_CANTOPEN
}


def database_storage_error(exc: Exception, path: object) -> StorageError | None:
    """The I/O failure behind a SQLite error of the tool's database at ``path``, if it is one."""
    code = getattr(exc, "sqlite_errorcode", None)
    if not isinstance(code, int) or (code & 0xFF) not in _SQLITE_ERRNOS:
        return None
    number = _SQLITE_ERRNOS[code & 0xFF]
    return storage_error(OSError(number, str(exc), str(path)))


def storage_error(exc: OSError) -> StorageError | None:
    """The words and exit status for an I/O failure of the tool's files; None if not one."""
    if exc.errno not in _STORAGE_ERRNOS:
        return None
    reason = exc.strerror or os.strerror(exc.errno).lower()
    where = exc.filename if exc.filename is not None else "one of the tool's folders"
    if exc.filename2 is not None:
        where = f"{where} or {exc.filename2}"
    error = StorageError(
        f"cannot write to {where} ({reason.lower()}): {_STORAGE_ERRNOS[exc.errno]}; then run "
        "the same command again (what was done is in the ledger and is not done twice)"
    )
    error.__cause__ = exc
    return error


class ConfigError(ImporterError):
    """The tool is not configured to reach the API (credentials, base URL)."""


class CampaignError(ImporterError):
    """``--campaign`` names no campaign, or more than one."""


class ApiError(ImporterError):
    """The API refused a request or could not be reached."""

    exit_status = ExitStatus.INCOMPLETE
    #: Passing trouble at the API (429, 5xx, no answer), retried before it is raised: not
    #: the account's, the settings' or the file's, so a drain goes on with its next file.
    transient = False

    def __init__(self, message: str, *, status: int | None = None, body: object = None) -> None:
        super().__init__(message)
        self.status = status
        self.body = body


class ApiValidationError(ApiError):
    """400: the API called the request malformed."""


class AuthenticationError(ApiError):
    """401: the API rejected the credentials."""


class PaymentRequiredError(ApiError):
    """402: the account is out of credits."""


class AuthorizationError(ApiError):
    """403: the API forbids this client the request (IP allow-list, scopes)."""


class NotFoundError(ApiError):
    """404: the campaign does not exist."""


class RateLimitError(ApiError):
    """429: too many requests; ``retry_after`` says how long to wait, in seconds."""

    exit_status = ExitStatus.API_UNAVAILABLE
    transient = True

    def __init__(
        self, message: str, *, status: int | None = 429, body: object = None,
        retry_after: float | None = None,
    ) -> None:  # fmt: skip
        super().__init__(message, status=status, body=body)
        self.retry_after = retry_after


class ServerError(ApiError):
    """5xx: the server failed to handle the request."""

    exit_status = ExitStatus.API_UNAVAILABLE
    transient = True


class TransportError(ApiError):
    """No answer: the connection failed, was dropped, or timed out."""

    exit_status = ExitStatus.API_UNAVAILABLE
    transient = True

    def __init__(self, message: str, *, sent: bool) -> None:
        super().__init__(message)
        #: True when the request may have reached the server (its fate is unknown).
        self.sent = sent


class ResponseError(ApiError):
    """The API answered with something the tool cannot read."""


class StartError(ImporterError):
    """The API could not be used before anything was sent (credentials, campaign, network)."""

    @classmethod
    def from_api(cls, exc: ApiError, message: str | None = None) -> StartError:
        """The error for an API failure before sending; passing trouble keeps its exit status."""
        text = message or exc.message
        error = cls(text)
        if exc.transient:
            error.exit_status = ExitStatus.API_UNAVAILABLE
            error.message = (
                f"{text} The API's trouble looks passing (nothing is wrong with the settings "
                "or the file): run the same command again later; a scheduled run does"
            )
            error.args = (error.message,)
        return error


class ImportIncomplete(ImporterError):
    """The run stopped part-way; ``summary`` counts what was done, pending.csv holds the rest."""

    exit_status = ExitStatus.INCOMPLETE

    def __init__(self, message: str, summary: Summary) -> None:
        super().__init__(message)
        self.summary = summary


class LedgerError(ImporterError):
    """The run ledger in the state directory cannot be opened or written."""


class LockedError(ImporterError):
    """Another import into the same campaign, from the same state directory, is running."""

    exit_status = ExitStatus.BUSY
