"""The exceptions of whiteclad-import: one tree, rooted in :class:`ImporterError`.

Every error the library raises on purpose is a subclass of ``ImporterError``;
third-party errors (YAML, openpyxl/calamine, jsonschema, pandera, I/O) are
wrapped at the edge with ``raise ... from exc`` so callers only ever need to
catch this tree. The CLI maps each branch to an exit code in one place
(``importer.cli``), using :attr:`ImporterError.exit_status`.

::

    ImporterError                 base; exit status CANNOT_START unless stated
    ├── UsageError                bad option values or combinations
    ├── InputFileError            the spreadsheet cannot be read
    │   ├── EmptyFileError        no bytes, only blank lines, or a header and no data
    │   ├── UnsupportedFileError  not a spreadsheet (binary, unknown format)
    │   └── EncodingError         bytes that do not decode (wrong or mixed encodings)
    ├── MappingError              the mapping file is missing, bad YAML or breaks the schema
    │   └── MappingColumnError    the mapping names columns the file does not have
    └── ReportError               the report folder cannot be written

Validation problems of single rows are *not* exceptions: they are data
(:class:`importer.issues.Issue`), collected while the rows are processed and
rendered at the end.
"""

from __future__ import annotations

from .status import ExitStatus


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
    """The mapping names a column that the input file does not have."""


class ReportError(ImporterError):
    """The report folder or one of its files cannot be written."""
