"""The scheduler's own health: did an account's last drain finish, lately, and well?

:func:`check_health` reads the drain summaries (``drain-*/drain-summary.json``
under the drain's ``out`` folder) and answers like a monitoring plugin (Nagios,
Icinga; a dead man's switch): the newest drain that finished decides. Only a
summary with a finish time counts, so a drain that was killed, hung or never
started shows as stale once ``max_age`` has passed since the last finish.

=========  ====  =============================================================
status     exit  when
=========  ====  =============================================================
OK         0     the last drain finished within ``max_age`` with exit 0 or 1
WARNING    1     ... with exit 75: passing API trouble left files for the next
CRITICAL   2     no drain finished within ``max_age``, none ever did, or the
                 last one ended with a status that needs a person (2, 3, 4, 70,
                 130, ...)
UNKNOWN    3     the newest summary cannot be read
=========  ====  =============================================================
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import IntEnum
from pathlib import Path
from typing import Any

from .status import ExitStatus

__all__ = [
    "DEFAULT_MAX_AGE",
    "Health",
    "HealthStatus",
    "check_health",
    "last_finished_drain",
]

#: A nightly drain, plus two hours of slack for a long night.
DEFAULT_MAX_AGE = 26 * 3600.0
_SUMMARY = "drain-summary.json"
_FINE = frozenset({ExitStatus.SUCCESS, ExitStatus.ROWS_REJECTED})


class HealthStatus(IntEnum):
    """Exit codes of ``health``, as monitoring plugins use them."""

    OK = 0
    WARNING = 1
    CRITICAL = 2
    UNKNOWN = 3


@dataclass(frozen=True)
class Health:
    """The verdict on an account's drains, with the one line that says why."""

    status: HealthStatus
    message: str
    summary_path: str | None = None
    finished_at: str | None = None
    age_seconds: float | None = None
    exit_status: int | None = None

    def line(self, account: str) -> str:
        """The plugin's output line: ``WHITECLAD ACME CRITICAL - why``."""
        return f"WHITECLAD {account.upper()} {self.status.name} - {self.message}"


def last_finished_drain(out_dir: Path) -> tuple[Path, dict[str, Any]] | None:
    """The newest drain summary under ``out_dir`` that has a finish time, or None.

    Raises ValueError when the newest summary cannot be read as JSON.
    """
    # The folder names hold the start time: the newest first, to stop at the first
    # finish instead of reading every night ever kept.
    for index, path in enumerate(sorted(out_dir.glob(f"drain-*/{_SUMMARY}"), reverse=True)):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            if index == 0:
                raise ValueError(f"{path} cannot be read ({exc}); look at it") from exc
            continue
        if isinstance(data, dict) and _when(data.get("finished_at")) is not None:
            return path, data
        # else: a start marker, or a drain that never finished
    return None


def check_health(
    out_dir: Path, max_age: float = DEFAULT_MAX_AGE, now: float | None = None
) -> Health:
    """Judge an account's drains by the newest finished one under ``out_dir``."""
    moment = datetime.now(UTC).timestamp() if now is None else now
    try:
        found = last_finished_drain(out_dir)
    except ValueError as exc:
        return Health(HealthStatus.UNKNOWN, str(exc))
    if found is None:
        return Health(
            HealthStatus.CRITICAL,
            f"no drain has finished in {out_dir}: check that the timer runs "
            "(systemctl list-timers 'whiteclad-drain@*') and that this is the drain's out folder",
        )
    path, data = found
    finished = _when(data.get("finished_at"))
    assert finished is not None
    age = moment - finished.timestamp()
    status = int(data.get("exit_status", 0))
    facts = Health(HealthStatus.OK, "", str(path), finished.isoformat(), age, status)
    if age > max_age:
        return replace(
            facts,
            status=HealthStatus.CRITICAL,
            message=f"the last drain finished {_span(age)} ago ({finished.isoformat()}), more than "
            f"{_span(max_age)}: it did not run, hangs or was killed; look at the scheduler's "
            f"log (journalctl -u 'whiteclad-drain@*') and {path}",
        )
    if status == ExitStatus.API_UNAVAILABLE:
        return replace(
            facts,
            status=HealthStatus.WARNING,
            message=f"the last drain ({finished.isoformat()}) left files for passing API trouble "
            f"(exit 75); the next drain resumes them; see {path}",
        )
    if status not in _FINE:
        return replace(
            facts,
            status=HealthStatus.CRITICAL,
            message=f"the last drain ({finished.isoformat()}) ended with exit {status}, which "
            f"needs a person: see {path} and the runbook's exit codes",
        )
    return replace(
        facts,
        status=HealthStatus.OK,
        message=f"the last drain finished {_span(age)} ago with exit {status}: {path}",
    )


def _when(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _span(seconds: float) -> str:
    """A duration in the largest whole unit that reads well: 90 min, 26 h, 3 d."""
    if seconds >= 2 * 86400:
        return f"{seconds / 86400:.1f} d"
    if seconds >= 2 * 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 60:.0f} min"
