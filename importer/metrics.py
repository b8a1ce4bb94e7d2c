"""A drain's metrics in Prometheus text format, for the node exporter's textfile collector.

:func:`write_metrics` rewrites one ``.prom`` file at the end of every drain: the
rows of the drain by outcome, its duration, when it finished, when a drain last
succeeded, the files left in the inbox and the drain's exit status, each labelled
by profile and inbox. The file is written under a temporary name in the same
folder and renamed, so the collector never reads half a file. It holds counts
only, never lead data, and is readable by all (0644): the node exporter runs as
its own user.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from .errors import ReportError
from .status import ExitStatus

__all__ = [
    "OUTCOMES",
    "PREFIX",
    "DrainMetrics",
    "drain_metrics",
    "last_success",
    "render_metrics",
    "write_metrics",
]

PREFIX = "whiteclad_drain_"
#: Every row of a drain is in exactly one of these.
OUTCOMES = ("accepted", "rejected", "duplicates", "suppressed", "pending")
#: Exit statuses of a drain that finished with every row accounted for.
_SUCCESS = frozenset({ExitStatus.SUCCESS, ExitStatus.ROWS_REJECTED})
_LAST_SUCCESS = re.compile(rf"^{PREFIX}last_success_timestamp_seconds\{{(.*)\}} (\S+)$", re.M)


@dataclass(frozen=True)
class DrainMetrics:
    """What the metrics file says about one drain of one account."""

    profile: str
    inbox: str
    rows: Mapping[str, int]
    files: int
    duration_seconds: float
    finished_at: float  # Unix time
    exit_status: int
    inbox_files: int
    #: When a drain of this account last finished with every row accounted for (exit 0
    #: or 1); None when none ever did.
    last_success: float | None


def drain_metrics(
    summary: Mapping[str, object], *, profile: str | None, inbox_files: int, previous: float | None
) -> DrainMetrics:
    """Build the metrics of a drain from its summary (as in drain-summary.json)."""
    files = summary.get("files") or []
    assert isinstance(files, list)
    rows = {
        outcome: sum(int((item.get("counts") or {}).get(outcome, 0)) for item in files)
        for outcome in OUTCOMES
    }
    started = datetime.fromisoformat(str(summary["started_at"])).timestamp()
    finished = datetime.fromisoformat(str(summary["finished_at"])).timestamp()
    status = int(str(summary.get("exit_status", 0)))
    return DrainMetrics(
        profile=profile or "",
        inbox=str(summary.get("inbox", "")),
        rows=rows,
        files=len(files),
        duration_seconds=max(0.0, finished - started),
        finished_at=finished,
        exit_status=status,
        inbox_files=inbox_files,
        last_success=finished if status in _SUCCESS else previous,
    )


def render_metrics(metrics: DrainMetrics) -> str:
    """The metrics as Prometheus text exposition format (version 0.0.4)."""
    labels = f'profile="{_escape(metrics.profile)}",inbox="{_escape(metrics.inbox)}"'
    lines: list[str] = []

    def gauge(name: str, help_text: str, values: Sequence[tuple[str, float]]) -> None:
        lines.append(f"# HELP {PREFIX}{name} {help_text}")
        lines.append(f"# TYPE {PREFIX}{name} gauge")
        lines.extend(f"{PREFIX}{name}{{{labels}{extra}}} {_number(v)}" for extra, v in values)

    by_outcome = [(f',outcome="{name}"', metrics.rows.get(name, 0)) for name in OUTCOMES]
    gauge("rows", "Rows of the last drain, by outcome (every row is in exactly one).", by_outcome)
    gauge("files", "Files the last drain imported, filed away or left.", [("", metrics.files)])
    gauge("duration_seconds", "How long the last drain took.", [("", metrics.duration_seconds)])
    gauge("last_finish_timestamp_seconds", "When the last drain finished (Unix time).",
          [("", metrics.finished_at)])  # fmt: skip
    if metrics.last_success is not None:
        gauge("last_success_timestamp_seconds",
              "When a drain last finished with every row accounted for, exit 0 or 1 (Unix time).",
              [("", metrics.last_success)])  # fmt: skip
    gauge("exit_status", "Exit status of the last drain (see the README's exit codes).",
          [("", metrics.exit_status)])  # fmt: skip
    gauge("inbox_files", "Files left in the inbox after the last drain.",
          [("", metrics.inbox_files)])  # fmt: skip
    return "\n".join(lines) + "\n"


def last_success(path: Path) -> float | None:
    """The last success time a metrics file holds (kept by a drain that did not succeed)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    found = _LAST_SUCCESS.search(text)
    try:
        return float(found.group(2)) if found else None
    except ValueError:
        return None


def write_metrics(path: Path, metrics: DrainMetrics) -> Path:
    """Replace the metrics file at once (a temporary file in its folder, then a rename)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(render_metrics(metrics))
            os.chmod(temporary, 0o644)  # counts only; the exporter runs as another user
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise ReportError(
            f"cannot write the metrics file {path} ({exc.strerror or exc}); check that its "
            "folder exists and this user may write there, or change metrics_file"
        ) from exc
    return path


def _escape(value: str) -> str:
    # The text format's label value escapes: backslash, double quote, line feed.
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))
