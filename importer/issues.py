"""Row problems as data: collected while rows are processed, rendered at the end."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem of one row: an error rejects the row, a warning only notes it."""

    row: int
    field: str
    code: str
    message: str
    severity: Severity = "error"


def join_messages(issues: Iterable[Issue]) -> str:
    """Render a row's problems as one readable cell: sentences joined by '; '."""
    return "; ".join(issue.message for issue in issues)
