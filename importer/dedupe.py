"""In-file duplicates: later rows with a phone already seen in this run.

A run imports into one campaign, so the key is the E.164 phone alone; the first
valid row with a phone wins and later ones are duplicates of it. Only rows that
passed validation take part: a rejected row never hides a later valid one. State
is carried across chunks, so the result does not depend on the chunk size.
"""

from __future__ import annotations

__all__ = [
    "InFileDuplicates",
]


class InFileDuplicates:
    """Remembers the first row of every phone seen so far in the run."""

    def __init__(self) -> None:
        self._first: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self._first)

    def find(self, rows: list[int], phones: list[str]) -> dict[int, int]:
        """Take valid rows and their E.164 phones, in file order.

        Return, for the rows that are duplicates, the row number of the first
        occurrence, and remember the rest.
        """
        duplicate_of: dict[int, int] = {}
        first = self._first
        for row, phone in zip(rows, phones, strict=True):
            seen = first.get(phone)
            if seen is None:
                first[phone] = row
            else:
                duplicate_of[row] = seen
        return duplicate_of
