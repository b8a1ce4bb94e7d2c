"""Valid rows waiting to be sent, kept on disk in source order.

Validation runs over the whole file before the first request, so that the
credit check knows how many leads will go out and nothing is sent for a file
that cannot be read to the end. The rows in between live in a small SQLite
file, so memory stays bounded however large the file is.
"""

from __future__ import annotations

import json
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class SpooledRow:
    """One valid row: where it came from, its original cells and the lead to send."""

    source_row: int
    phone: str
    lead: dict[str, Any]
    values: list[str]
    warnings: str


class Spool:
    """A temporary on-disk queue of valid rows, read back in source order."""

    def __init__(self, directory: Path | None = None) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="whiteclad-spool-", dir=directory)
        self._db = sqlite3.connect(Path(self._dir.name) / "spool.sqlite3")
        self._db.execute("PRAGMA journal_mode=OFF")
        self._db.execute("PRAGMA synchronous=OFF")
        self._db.execute(
            "CREATE TABLE rows (source_row INTEGER PRIMARY KEY, phone TEXT NOT NULL, "
            "lead TEXT NOT NULL, cells TEXT NOT NULL, warnings TEXT NOT NULL)"
        )
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def add(self, rows: Iterable[SpooledRow]) -> None:
        """Append rows (in source order)."""
        records = [
            (row.source_row, row.phone, json.dumps(row.lead), json.dumps(row.values), row.warnings)
            for row in rows
        ]
        self._db.executemany("INSERT INTO rows VALUES (?, ?, ?, ?, ?)", records)
        self._count += len(records)

    def batches(self, size: int) -> Iterator[list[SpooledRow]]:
        """Yield the rows in source order, ``size`` at a time."""
        cursor = self._db.execute(
            "SELECT source_row, phone, lead, cells, warnings FROM rows ORDER BY source_row"
        )
        while True:
            records = cursor.fetchmany(size)
            if not records:
                return
            yield [
                SpooledRow(row, phone, json.loads(lead), json.loads(cells), warnings)
                for row, phone, lead, cells, warnings in records
            ]

    def close(self) -> None:
        """Delete the spool."""
        self._db.close()
        self._dir.cleanup()

    def __enter__(self) -> Spool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
