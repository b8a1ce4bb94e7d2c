"""The value a normalizer returns when a cell cannot be used."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "Problem",
    "quote",
]


@dataclass(frozen=True, slots=True)
class Problem:
    """Why a value cannot be used: a stable code and a sentence for people."""

    code: str
    message: str


def quote(raw: str) -> str:
    """A cell's text in quotes for a message, cut to 60 characters."""
    shown = raw if len(raw) <= 60 else raw[:57] + "..."
    return f"'{shown}'"
