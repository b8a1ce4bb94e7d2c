"""Import lead lists into the Whiteclad Noble AI dialer.

The Python API: :func:`import_file` and :func:`drain_folder` return the summaries the
command line writes, and raise the exceptions of :mod:`importer.errors`.

The names below are loaded on first use, so that ``import importer`` and
``import importer.errors`` stay cheap: pandas, pandera and the HTTP client are imported
only by the modules that need them.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = [
    "DrainSummary",
    "ImportIncomplete",
    "ImporterError",
    "Summary",
    "__version__",
    "drain_folder",
    "import_file",
]

# Where each exported name lives: read on first access by __getattr__.
_EXPORTS = {
    "DrainSummary": "drain",
    "ImportIncomplete": "errors",
    "ImporterError": "errors",
    "Summary": "pipeline",
    "drain_folder": "api",
    "import_file": "api",
}

if TYPE_CHECKING:
    from .api import drain_folder, import_file
    from .drain import DrainSummary
    from .errors import ImporterError, ImportIncomplete
    from .pipeline import Summary


def __getattr__(name: str) -> Any:
    """Load an exported name from its module the first time it is asked for."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'importer' has no attribute {name!r}")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """The module's names, the lazily loaded exports included."""
    return sorted({*globals(), *__all__})
