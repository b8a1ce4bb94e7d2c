"""Where the built-in mappings and the schemas live, installed or in a source checkout."""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "data_dir",
]

_PACKAGE = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """Return the folder ``mappings`` or ``schemas`` shipped with the tool."""
    installed = _PACKAGE / "_data" / name  # inside a wheel
    if installed.is_dir():
        return installed
    return _PACKAGE.parent / name  # a source checkout or an editable install
