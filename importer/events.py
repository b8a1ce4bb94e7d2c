"""Events for the log: what happened, when, with counts; never a secret.

The library reports what it does through the standard ``logging`` module, on the
``importer.events`` logger: each record's message is a sentence for people and its
``event`` and ``data`` attributes are for machines. Nothing is shown unless the
application installs a handler: the CLI does, with :func:`log_handler`, as text
(the default) or one JSON object per line (``--log-format json``).

Events: ``run_started``, ``run_finished`` (a drain), ``file_started``,
``file_skipped``, ``file_archived``, ``file_failed``, ``file_left``,
``duplicate_delivery``, ``import_finished``, ``batch_sent``, ``batch_result``,
``retry``, ``notify_failed``, ``insecure_http``, ``file_stalled``, ``file_grew``.

Every event carries ``run_id``, the id of the run it belongs to, so that the lines of
one run can be picked out of a log that holds many:

* inside an import, once the ledger has the run: the ledger's run id (an integer,
  the one ``whiteclad-import runs show ID`` takes and summary.json holds);
* inside a drain, for the drain's own events (``run_started``, ``file_*``,
  ``duplicate_delivery``, ``run_finished``, ``notify_failed``): the drain id, the name
  of the drain's report folder (``drain-YYYYmmdd-HHMMSS-PROFILE-XXXXXX``, the folder holding
  drain-summary.json). Events of a drain also carry ``drain_id``, so an import's
  events name the drain they ran in; ``file_archived`` and ``file_left`` add
  ``ledger_run_id``, the ledger run of that file's import, when there is one;
* otherwise (a dry run, a retry before the ledger run is opened, an information
  command): null.

Every event also carries ``profile``, the name of the settings profile the command
runs with (null without one), so that the lines of several accounts sharing a host
and a log are told apart: the CLI binds it for the whole command with
:func:`bound_fields`, and a drain binds its own.

The id is bound once per run with :func:`run_context`, which :func:`emit` reads, so
the code emitting an event does not pass it along. A ``run_id`` given to
:func:`emit` wins over the bound one.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Iterator
from contextvars import ContextVar
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from .private import private_dir, private_file, private_writes

__all__ = [
    "FORMATS",
    "LOGGER",
    "JsonFormatter",
    "TextFormatter",
    "bound_fields",
    "emit",
    "event_log",
    "log_handler",
    "run_context",
]

LOGGER = logging.getLogger("importer.events")
FORMATS = ("text", "json")

#: The fields every event of the current run carries (``run_id``, ``drain_id``).
_BOUND: ContextVar[dict[str, Any]] = ContextVar("importer_events_bound")


def emit(event: str, message: str, level: int = logging.INFO, **data: Any) -> None:
    """Log one event: a sentence and its data (plain JSON values, no secrets)."""
    fields = {"run_id": None, "profile": None, **_BOUND.get({}), **data}
    LOGGER.log(level, message, extra={"event": event, "data": fields})


@contextlib.contextmanager
def run_context(run_id: int | str | None, **fields: Any) -> Iterator[None]:
    """Make every event emitted inside the block carry ``run_id`` (and ``fields``)."""
    token = _BOUND.set({**_BOUND.get({}), **fields, "run_id": run_id})
    try:
        yield
    finally:
        _BOUND.reset(token)


@contextlib.contextmanager
def bound_fields(**fields: Any) -> Iterator[None]:
    """Make every event emitted inside the block carry ``fields`` (such as ``profile``)."""
    token = _BOUND.set({**_BOUND.get({}), **fields})
    try:
        yield
    finally:
        _BOUND.reset(token)


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
        private_dir(log_file.parent)
        with private_writes():
            handler = logging.FileHandler(log_file, encoding="utf-8")
        private_file(log_file)  # appended to: it may predate the tool's private modes
    else:
        handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    return handler


@contextlib.contextmanager
def event_log(
    log_file: Path | None, log_format: str = "text", stream: IO[str] | None = None
) -> Iterator[logging.Handler]:
    """Send events to ``log_file`` or ``stream`` inside the block; then put the logger back.

    The logger's handlers, level and propagation are restored as they were, so an
    application's own logging set-up is untouched once the block ends.
    """
    handler = log_handler(log_file, log_format, stream)
    level, propagate = LOGGER.level, LOGGER.propagate
    LOGGER.addHandler(handler)
    LOGGER.setLevel(logging.INFO)
    LOGGER.propagate = False
    try:
        yield handler
    finally:
        LOGGER.removeHandler(handler)
        LOGGER.setLevel(level)
        LOGGER.propagate = propagate
        handler.close()
