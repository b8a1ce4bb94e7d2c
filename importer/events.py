"""Events for the log: what happened, when, with counts; never a secret.

The library reports what it does through the standard ``logging`` module, on the
``importer.events`` logger: each record's message is a sentence for people and its
``event`` and ``data`` attributes are for machines. Nothing is shown unless the
application installs a handler: the CLI does, with :func:`log_handler`, as text
(the default) or one JSON object per line (``--log-format json``).

Events: ``run_started``, ``run_finished`` (a drain), ``file_started``,
``file_skipped``, ``file_archived``, ``file_failed``, ``file_left``,
``duplicate_delivery``, ``import_finished``, ``batch_sent``, ``batch_result``,
``retry``, ``notify_failed``.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

LOGGER = logging.getLogger("importer.events")
FORMATS = ("text", "json")


def emit(event: str, message: str, level: int = logging.INFO, **data: Any) -> None:
    """Log one event: a sentence and its data (plain JSON values, no secrets)."""
    LOGGER.log(level, message, extra={"event": event, "data": data})


def _timestamp(record: logging.LogRecord) -> str:
    return datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")


class JsonFormatter(logging.Formatter):
    """One JSON object per event: time, level, event, message, then the event's data."""

    def format(self, record: logging.LogRecord) -> str:
        """Render the record as one line of JSON."""
        line: dict[str, Any] = {
            "time": _timestamp(record),
            "level": record.levelname.lower(),
            "event": getattr(record, "event", "message"),
            "message": record.getMessage(),
        }
        for key, value in (getattr(record, "data", None) or {}).items():
            line.setdefault(key, value)
        return json.dumps(line, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """A line per event for people: time, level, message."""

    def format(self, record: logging.LogRecord) -> str:
        """Render the record as one readable line."""
        return f"{_timestamp(record)} {record.levelname:<7} {record.getMessage()}"


def log_handler(
    log_file: Path | None, log_format: str, stream: IO[str] | None = None
) -> logging.Handler:
    """A handler writing events to ``log_file`` (appended) or ``stream``, in ``log_format``."""
    handler: logging.Handler
    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(log_file, encoding="utf-8")
    else:
        handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    return handler
