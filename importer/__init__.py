"""Import lead lists into the Whiteclad Noble AI dialer.

The Python API: :func:`import_file` and :func:`drain_folder` return the summaries the
command line writes, and raise the exceptions of :mod:`importer.errors`.
"""

__version__ = "0.1.0"

from .api import drain_folder, import_file
from .drain import DrainSummary
from .errors import ImporterError, ImportIncomplete
from .pipeline import Summary

__all__ = [
    "DrainSummary",
    "ImportIncomplete",
    "ImporterError",
    "Summary",
    "drain_folder",
    "import_file",
]
