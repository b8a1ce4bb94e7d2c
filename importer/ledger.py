"""The run ledger: what was sent, what the server answered, and what is still to send.

One SQLite file (WAL mode) in the state directory records every real import:

- ``runs``: one per import, identified by a key made of what decides who the leads
  are and where they go: the file's content hash, the mapping's content, the
  validation settings (region, lenient, ...), the campaign and the base URL. Running
  the same command on the same file finds its run again, even when the do-not-call
  lists changed in between (they are not part of the key: a resume applies the lists
  of the day to the rows still queued, see :meth:`Ledger.suppress_queued`).
- ``rows``: the valid rows of a run, with their original cells and the lead
  they send, and their state: ``queued`` (not sent), ``sending`` (in a batch whose
  answer has not been recorded), ``accepted``, ``rejected``, ``duplicate`` or
  ``suppressed`` (on a do-not-call list: never sent; ``listed_on_resume`` tells a row
  found on a list only when the run was resumed from one found when it was checked).
- ``batches``: every POST, written as ``sending`` (with its payload hash) and
  committed *before* the request goes out, then updated with the server's
  answer (kept whole) as soon as it arrives.

Every write is committed before the importer moves on, so a run killed at any
point leaves a ledger that says exactly which batches were acknowledged. On the
next run, rows of a batch whose answer never arrived go back to ``queued`` with
``uncertain`` set: they are sent once more, and leads the server then calls
duplicates are this import's own (accepted), not duplicates.

Secrets are never stored here: no headers, only payloads and answers.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .errors import LedgerError, LockedError, database_storage_error, storage_error
from .private import private_dir, private_file, private_writes

__all__ = [
    "FINAL_STATES",
    "LEDGER_FILE",
    "STATE_DIR_ENV",
    "SUPPRESSED",
    "CampaignLock",
    "ExclusiveLock",
    "Ledger",
    "LedgerRow",
    "RowResult",
    "RunRecord",
    "ValidRow",
    "default_state_dir",
    "payload_hash",
    "run_key",
]

LEDGER_FILE = "ledger.sqlite3"
STATE_DIR_ENV = "WHITECLAD_STATE_DIR"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL,
    status TEXT NOT NULL,
    source_path TEXT NOT NULL,
    source_sha256 TEXT NOT NULL,
    mapping_sha256 TEXT NOT NULL,
    campaign_id TEXT NOT NULL,
    campaign_name TEXT NOT NULL,
    base_url TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 1,
    summary TEXT
);
CREATE INDEX IF NOT EXISTS runs_by_key ON runs (key);
CREATE TABLE IF NOT EXISTS rows (
    run_id INTEGER NOT NULL REFERENCES runs (id),
    source_row INTEGER NOT NULL,
    phone TEXT NOT NULL,
    lead TEXT NOT NULL,
    cells TEXT NOT NULL,
    warnings TEXT NOT NULL,
    state TEXT NOT NULL,
    uncertain INTEGER NOT NULL DEFAULT 0,
    batch_id INTEGER,
    lead_id TEXT,
    campaign_lead_id TEXT,
    error TEXT,
    error_code TEXT,
    time_zone TEXT NOT NULL DEFAULT '',
    zone_source TEXT NOT NULL DEFAULT '',
    listed_on_resume INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (run_id, source_row)
);
CREATE INDEX IF NOT EXISTS rows_by_state ON rows (run_id, state, source_row);
CREATE TABLE IF NOT EXISTS batches (
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL REFERENCES runs (id),
    state TEXT NOT NULL,
    size INTEGER NOT NULL,
    source_rows TEXT NOT NULL,
    payload_sha256 TEXT NOT NULL,
    sent_at TEXT NOT NULL,
    answered_at TEXT,
    answer TEXT
);
"""

#: Columns of ``rows`` added since the first version, added to older ledgers when opened.
_ADDED_ROW_COLUMNS = {
    "time_zone": "TEXT NOT NULL DEFAULT ''",
    "zone_source": "TEXT NOT NULL DEFAULT ''",
    # 1: suppressed by a list that changed after the run was checked (see suppress_queued).
    "listed_on_resume": "INTEGER NOT NULL DEFAULT 0",
}
_ROW_COLUMNS = (
    "run_id, source_row, phone, lead, cells, warnings, state, uncertain, batch_id, lead_id, "
    "campaign_lead_id, error, error_code, time_zone, zone_source"
)

QUEUED, SENDING = "queued", "sending"
ACCEPTED, REJECTED, DUPLICATE = "accepted", "rejected", "duplicate"
#: A row whose phone is on a do-not-call list: recorded, never sent (``error`` says where).
SUPPRESSED = "suppressed"
FINAL_STATES = (ACCEPTED, REJECTED, DUPLICATE, SUPPRESSED)


@dataclass(frozen=True)
class ValidRow:
    """One valid row: where it came from, its original cells and the lead to send."""

    source_row: int
    phone: str
    #: The lead to send, as JSON text.
    lead: str
    values: list[str]
    warnings: str
    #: The lead's time zone ("" for none) and where it came from (see the reports).
    time_zone: str = ""
    zone_source: str = ""


class ExclusiveLock:
    """An exclusive lock on a file: a second holder refuses at once with LockedError.

    The lock file says which process holds it; the lock itself is the kernel's
    (``flock``), so it is released when the process ends, however it ends.
    """

    def __init__(self, path: Path, busy: str) -> None:
        self.path = path
        #: What the second holder is told, before "(pid N, since T)".
        self.busy = busy
        self._handle: Any = None

    def __enter__(self) -> ExclusiveLock:
        import fcntl

        try:
            private_dir(self.path.parent)
            with private_writes():
                handle = self.path.open("a+", encoding="utf-8")
        except OSError as exc:
            mapped = storage_error(exc)  # a full or read-only disk is the machine's (exit 74)
            if mapped is not None:
                raise mapped from exc
            raise LedgerError(
                f"cannot create the lock {self.path} ({exc.strerror}); check --state-dir"
            ) from exc
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            raise LockedError(f"{self.busy} ({holder})") from exc
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}, since {_now()}")
        handle.flush()
        self._handle = handle
        return self

    def __exit__(self, *exc: object) -> None:
        if self._handle is not None:
            self._handle.close()  # closing releases the lock
            self._handle = None


class CampaignLock(ExclusiveLock):
    """An exclusive lock per state directory and campaign: imports never interleave."""

    def __init__(self, state_dir: Path, campaign_id: str) -> None:
        super().__init__(
            state_dir / "locks" / f"{campaign_id}.lock",
            f"another import into this campaign is running from {state_dir}; wait for it to "
            "finish, then run the command again",
        )


def default_state_dir(env: dict[str, str] | None = None) -> Path:
    """Return $WHITECLAD_STATE_DIR, else $XDG_STATE_HOME/whiteclad-import, else ~/.local/state/."""
    source = os.environ if env is None else env
    if source.get(STATE_DIR_ENV):
        return Path(source[STATE_DIR_ENV]).expanduser()
    base = source.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base).expanduser() / "whiteclad-import"


def run_key(**parts: str) -> str:
    """Identify a run by what decides its leads: file, mapping, settings, campaign, URL."""
    text = json.dumps(parts, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def payload_hash(leads: Sequence[str]) -> str:
    """Return the sha256 of a batch's leads (JSON texts), as recorded before it is sent."""
    return hashlib.sha256("\n".join(leads).encode()).hexdigest()


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class RunRecord:
    """One run of the ledger."""

    id: int
    key: str
    status: str
    source_path: str
    campaign_id: str
    campaign_name: str
    base_url: str
    created_at: str
    updated_at: str
    attempts: int
    summary: dict[str, Any] | None
    #: A later run that finished the same file (same content, campaign and API) while this
    #: one was left unfinished (a start over, other settings): the file's latest state.
    finished_by: int | None = None

    @property
    def latest_status(self) -> str:
        """The run's status, or ``finished by #N`` when a later run finished its file."""
        return self.status if self.finished_by is None else f"finished by #{self.finished_by}"


@dataclass(frozen=True)
class LedgerRow:
    """A valid row of a run, with where it stands."""

    valid: ValidRow
    state: str
    uncertain: bool
    lead_id: str | None
    campaign_lead_id: str | None
    error: str | None
    error_code: str | None


@dataclass(frozen=True)
class RowResult:
    """What one batch's answer says about one row."""

    state: str
    lead_id: str | None = None
    campaign_lead_id: str | None = None
    error: str | None = None
    error_code: str | None = None
    warnings: str | None = None


class Ledger:
    """The ledger file of one state directory."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            private_dir(path.parent)
            # SQLite makes the -wal, -shm and -journal files with the database's mode.
            with private_writes():
                self._db = sqlite3.connect(path, timeout=30, isolation_level=None)
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.execute("PRAGMA synchronous=FULL")
                self._db.executescript(_SCHEMA)
                self._add_columns()
            for name in ("", "-wal", "-shm", "-journal"):  # made 0644 by an earlier version
                if Path(f"{path}{name}").exists():
                    private_file(Path(f"{path}{name}"))
        except (OSError, sqlite3.Error) as exc:
            # A full or read-only disk is the machine's trouble (exit 74), not the ledger's.
            mapped = (
                storage_error(exc)
                if isinstance(exc, OSError)
                else database_storage_error(exc, path)
            )
            raise mapped or LedgerError(
                f"cannot use the ledger {path} ({exc}); check --state-dir and its permissions"
            ) from exc

    def _add_columns(self) -> None:
        """Give a ledger written by an earlier version the columns this one writes."""
        have = {row[1] for row in self._db.execute("PRAGMA table_info(rows)")}
        for name, declaration in _ADDED_ROW_COLUMNS.items():
            if name not in have:
                self._db.execute(f"ALTER TABLE rows ADD COLUMN {name} {declaration}")

    def close(self) -> None:
        """Close the file."""
        self._db.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _write(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Cursor:
        try:
            return self._db.execute(sql, params)
        except sqlite3.Error as exc:
            raise database_storage_error(exc, self.path) or LedgerError(
                f"cannot write the ledger {self.path} ({exc})"
            ) from exc

    def _transaction(self) -> _Transaction:
        return _Transaction(self._db, self.path)

    # --- runs ---------------------------------------------------------------------

    def find_run(self, key: str) -> RunRecord | None:
        """Return the latest run with this key that was not started over, if any."""
        found = self._db.execute(
            "SELECT * FROM runs WHERE key = ? AND status != 'superseded' ORDER BY id DESC LIMIT 1",
            (key,),
        ).fetchone()
        return None if found is None else self._record(found)

    def start_run(
        self,
        key: str,
        *,
        source_path: str,
        source_sha256: str,
        mapping_sha256: str,
        campaign_id: str,
        campaign_name: str,
        base_url: str,
    ) -> RunRecord:
        """Record a new run (status ``validating``)."""
        now = _now()
        cursor = self._write(
            "INSERT INTO runs (key, status, source_path, source_sha256, mapping_sha256, "
            "campaign_id, campaign_name, base_url, created_at, updated_at) "
            "VALUES (?, 'validating', ?, ?, ?, ?, ?, ?, ?, ?)",
            (key, source_path, source_sha256, mapping_sha256, campaign_id, campaign_name,
             base_url, now, now),
        )  # fmt: skip
        run = self.run(int(cursor.lastrowid or 0))
        assert run is not None
        return run

    def rekey(self, run_id: int, key: str) -> None:
        """Give a run the key this version computes (an earlier version keyed it otherwise)."""
        self._write("UPDATE runs SET key = ?, updated_at = ? WHERE id = ?", (key, _now(), run_id))

    def resume_run(self, run_id: int) -> None:
        """Count one more attempt at a run."""
        self._write(
            "UPDATE runs SET attempts = attempts + 1, updated_at = ? WHERE id = ?", (_now(), run_id)
        )

    def supersede(self, run_id: int) -> None:
        """Mark a run as started over (``--fresh``): it is never resumed again."""
        self._write(
            "UPDATE runs SET status = 'superseded', updated_at = ? WHERE id = ?", (_now(), run_id)
        )

    def set_status(self, run_id: int, status: str, summary: dict[str, Any] | None = None) -> None:
        """Record a run's status, and its summary when it has one."""
        text = None if summary is None else json.dumps(summary)
        self._write(
            "UPDATE runs SET status = ?, updated_at = ?, summary = COALESCE(?, summary) "
            "WHERE id = ?",
            (status, _now(), text, run_id),
        )

    def run(self, run_id: int) -> RunRecord | None:
        """Return one run by id, with the later run that finished its file, if any."""
        found = self._db.execute("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone()
        return None if found is None else self._latest(self._record(found))

    def runs(self, limit: int = 20) -> list[RunRecord]:
        """Return the most recent runs, newest first, each with its file's latest state."""
        found = self._db.execute("SELECT * FROM runs ORDER BY id DESC LIMIT ?", (limit,))
        return [self._latest(self._record(row)) for row in found.fetchall()]

    def _latest(self, run: RunRecord) -> RunRecord:
        """The run, with ``finished_by`` set when it is unfinished and a later run of the same
        file, campaign and API is complete: that run sent its leads."""
        if run.status == "complete":
            return run
        found = self._db.execute(
            "SELECT MIN(later.id) FROM runs AS later JOIN runs AS this ON this.id = ? "
            "WHERE later.id > this.id AND later.status = 'complete' "
            "AND later.source_sha256 = this.source_sha256 "
            "AND later.campaign_id = this.campaign_id AND later.base_url = this.base_url",
            (run.id,),
        ).fetchone()
        return run if not found or found[0] is None else replace(run, finished_by=int(found[0]))

    def prune_runs(
        self, before: datetime, *, dry_run: bool = False
    ) -> tuple[list[RunRecord], list[RunRecord]]:
        """Remove runs last changed before ``before``, with their rows and batches.

        A run that still has rows to send (queued or in a batch without an answer) is
        kept, however old: the next import of its file resumes it. Returns the runs
        removed (or that would be, with ``dry_run``) and the old runs kept for that.
        """
        cutoff = before.astimezone(UTC).isoformat(timespec="seconds")
        old = [
            self._record(row)
            for row in self._db.execute(
                "SELECT * FROM runs WHERE updated_at < ? ORDER BY id", (cutoff,)
            ).fetchall()
        ]
        pending = {
            run_id
            for (run_id,) in self._db.execute(
                "SELECT DISTINCT run_id FROM rows WHERE run_id IN "
                "(SELECT id FROM runs WHERE updated_at < ?) AND state IN (?, ?)",
                (cutoff, QUEUED, SENDING),
            )
        }
        removed = [run for run in old if run.id not in pending]
        kept = [run for run in old if run.id in pending]
        if removed and not dry_run:
            # Deleted leads are overwritten in the file, not left in its free pages.
            self._write("PRAGMA secure_delete = ON")
            with self._transaction() as db:
                for run in removed:
                    for table in ("rows", "batches"):
                        db.execute(f"DELETE FROM {table} WHERE run_id = ?", (run.id,))
                    db.execute("DELETE FROM runs WHERE id = ?", (run.id,))
            self._write("PRAGMA wal_checkpoint(TRUNCATE)")
        return removed, kept

    def _record(self, row: tuple[Any, ...]) -> RunRecord:
        (run_id, key, status, source_path, _sha, _mapping, campaign_id, campaign_name,
         base_url, created, updated, attempts, summary) = row  # fmt: skip
        return RunRecord(
            id=run_id,
            key=key,
            status=status,
            source_path=source_path,
            campaign_id=campaign_id,
            campaign_name=campaign_name,
            base_url=base_url,
            created_at=created,
            updated_at=updated,
            attempts=attempts,
            summary=json.loads(summary) if summary else None,
        )

    # --- rows ---------------------------------------------------------------------

    def clear_rows(self, run_id: int) -> None:
        """Forget a run's rows (its validation did not finish, nothing was sent)."""
        self._write("DELETE FROM rows WHERE run_id = ?", (run_id,))

    def add_rows(
        self, run_id: int, rows: Sequence[ValidRow], suppressed: dict[int, str] | None = None
    ) -> None:
        """Queue valid rows of a run (one transaction); ``suppressed`` rows are only recorded.

        ``suppressed`` gives, by source row, the list and line that holds the row's phone.
        """
        listed = suppressed or {}
        records = [
            (run_id, row.source_row, row.phone, row.lead,
             json.dumps(row.values, ensure_ascii=False), row.warnings,
             SUPPRESSED if row.source_row in listed else QUEUED, row.time_zone,
             row.zone_source, listed.get(row.source_row))
            for row in rows
        ]  # fmt: skip
        with self._transaction() as db:
            db.executemany(
                "INSERT INTO rows (run_id, source_row, phone, lead, cells, warnings, state, "
                "time_zone, zone_source, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                records,
            )

    def count(self, run_id: int, *states: str) -> int:
        """Count a run's rows, in the given states (all when none are given)."""
        sql = "SELECT COUNT(*) FROM rows WHERE run_id = ?"
        params: list[Any] = [run_id]
        if states:
            sql += f" AND state IN ({', '.join('?' * len(states))})"
            params.extend(states)
        return int(self._db.execute(sql, params).fetchone()[0])

    def listed_when_checked(self, run_id: int) -> set[str]:
        """The phones of a run's rows suppressed when the file was checked (not on a resume)."""
        found = self._db.execute(
            "SELECT DISTINCT phone FROM rows WHERE run_id = ? AND state = ? "
            "AND listed_on_resume = 0",
            (run_id, SUPPRESSED),
        )
        return {phone for (phone,) in found.fetchall()}

    def suppress_queued(self, run_id: int, listed: dict[int, str]) -> int:
        """Suppress queued rows a list holds on a resume; return how many.

        ``listed`` gives, by source row, why (recorded as the row's error); rows no longer
        queued (acknowledged, or suppressed already) are left as they are.
        """
        with self._transaction() as db:
            done = 0
            for source_row, why in listed.items():
                done += db.execute(
                    "UPDATE rows SET state = ?, error = ?, listed_on_resume = 1 "
                    "WHERE run_id = ? AND source_row = ? AND state = ?",
                    (SUPPRESSED, why, run_id, source_row, QUEUED),
                ).rowcount
        return done

    def recover(self, run_id: int) -> int:
        """Requeue rows whose batch never got an answer, as uncertain; return how many."""
        with self._transaction() as db:
            lost = db.execute(
                "UPDATE rows SET state = ?, uncertain = 1, error = NULL WHERE run_id = ? "
                "AND state = ?",
                (QUEUED, run_id, SENDING),
            ).rowcount
            db.execute(
                "UPDATE batches SET state = 'unanswered' WHERE run_id = ? AND state = 'sending'",
                (run_id,),
            )
        return int(lost)

    def next_batch(self, run_id: int, size: int, after: int) -> list[LedgerRow]:
        """Return up to ``size`` queued rows after source row ``after``, in source order."""
        found = self._db.execute(
            f"SELECT {_ROW_COLUMNS} FROM rows WHERE run_id = ? AND state = ? AND source_row > ? "
            "ORDER BY source_row LIMIT ?",
            (run_id, QUEUED, after, size),
        )
        return [self._row(row) for row in found.fetchall()]

    def rows(self, run_id: int, chunk: int = 5000) -> Iterator[list[LedgerRow]]:
        """Yield every row of a run in source order, ``chunk`` at a time."""
        after = -1
        while True:
            found = self._db.execute(
                f"SELECT {_ROW_COLUMNS} FROM rows WHERE run_id = ? AND source_row > ? "
                "ORDER BY source_row "
                "LIMIT ?",
                (run_id, after, chunk),
            ).fetchall()
            if not found:
                return
            yield [self._row(row) for row in found]
            after = found[-1][1]

    def _row(self, row: tuple[Any, ...]) -> LedgerRow:
        (_run, source_row, phone, lead, cells, warnings, state, uncertain, _batch, lead_id,
         campaign_lead_id, error, error_code, time_zone, zone_source) = row  # fmt: skip
        return LedgerRow(
            valid=ValidRow(
                source_row, phone, lead, json.loads(cells), warnings, time_zone, zone_source
            ),
            state=state,
            uncertain=bool(uncertain),
            lead_id=lead_id,
            campaign_lead_id=campaign_lead_id,
            error=error,
            error_code=error_code,
        )

    # --- batches ------------------------------------------------------------------

    def begin_batch(self, run_id: int, rows: Sequence[LedgerRow]) -> int:
        """Record a batch as ``sending`` before it goes out; return its id."""
        digest = payload_hash([row.valid.lead for row in rows])
        with self._transaction() as db:
            cursor = db.execute(
                "INSERT INTO batches (run_id, state, size, source_rows, payload_sha256, sent_at) "
                "VALUES (?, 'sending', ?, ?, ?, ?)",
                (run_id, len(rows), json.dumps([r.valid.source_row for r in rows]), digest, _now()),
            )
            batch_id = int(cursor.lastrowid or 0)
            db.executemany(
                "UPDATE rows SET state = ?, batch_id = ? WHERE run_id = ? AND source_row = ?",
                [(SENDING, batch_id, run_id, row.valid.source_row) for row in rows],
            )
        return batch_id

    def finish_batch(
        self,
        run_id: int,
        batch_id: int,
        results: dict[int, RowResult],
        answer: Any,
        unanswered_reason: str,
    ) -> None:
        """Record the server's answer: each row's result; rows it did not mention stay uncertain."""
        with self._transaction() as db:
            db.execute(
                "UPDATE batches SET state = 'answered', answered_at = ?, answer = ? WHERE id = ?",
                (_now(), json.dumps(answer), batch_id),
            )
            db.executemany(
                "UPDATE rows SET state = ?, lead_id = ?, campaign_lead_id = ?, error = ?, "
                "error_code = ?, warnings = COALESCE(?, warnings), uncertain = 0 "
                "WHERE run_id = ? AND source_row = ?",
                [(r.state, r.lead_id, r.campaign_lead_id, r.error, r.error_code, r.warnings,
                  run_id, row) for row, r in results.items()],
            )  # fmt: skip
            db.execute(
                "UPDATE rows SET state = ?, uncertain = 1, error = ? WHERE run_id = ? "
                "AND batch_id = ? AND state = ?",
                (QUEUED, unanswered_reason, run_id, batch_id, SENDING),
            )

    def refuse_batch(self, run_id: int, batch_id: int, reason: str, *, uncertain: bool) -> None:
        """Put a batch's rows back in the queue: the server refused it, or its fate is unknown."""
        with self._transaction() as db:
            db.execute(
                "UPDATE batches SET state = ?, answered_at = ? WHERE id = ?",
                ("unanswered" if uncertain else "refused", _now(), batch_id),
            )
            db.execute(
                "UPDATE rows SET state = ?, error = ?, uncertain = MAX(uncertain, ?) "
                "WHERE run_id = ? AND batch_id = ? AND state = ?",
                (QUEUED, reason, int(uncertain), run_id, batch_id, SENDING),
            )

    def note_pending(self, run_id: int, reason: str) -> None:
        """Give every queued row of a run the reason it was not sent."""
        self._write(
            "UPDATE rows SET error = ? WHERE run_id = ? AND state = ? AND error IS NULL",
            (reason, run_id, QUEUED),
        )

    def batches(self, run_id: int) -> list[tuple[int, str, list[int]]]:
        """Return a run's batches as (id, state, source rows), oldest first."""
        found = self._db.execute(
            "SELECT id, state, source_rows FROM batches WHERE run_id = ? ORDER BY id", (run_id,)
        )
        return [(batch, state, json.loads(rows)) for batch, state, rows in found.fetchall()]


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT, turning SQLite errors into LedgerError."""

    def __init__(self, db: sqlite3.Connection, path: Path) -> None:
        self._db = db
        self._path = path

    def __enter__(self) -> sqlite3.Connection:
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise database_storage_error(exc, self._path) or LedgerError(
                f"cannot write the ledger {self._path} ({exc})"
            ) from exc
        return self._db

    def __exit__(self, exc_type: type[BaseException] | None, *rest: object) -> None:
        if exc_type is None:
            try:
                self._db.execute("COMMIT")
            except sqlite3.Error as exc:
                self._db.execute("ROLLBACK")
                raise database_storage_error(exc, self._path) or LedgerError(
                    f"cannot write the ledger {self._path} ({exc})"
                ) from exc
        else:
            self._db.execute("ROLLBACK")
            if issubclass(exc_type, sqlite3.Error):
                raise LedgerError(f"cannot write the ledger {self._path}") from rest[0]  # type: ignore[misc]
