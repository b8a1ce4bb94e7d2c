"""The Python API for orchestrators: import a file or drain an inbox, get the summary.

These take the same settings as the command line, resolved the same way (keyword
arguments, then ``WHITECLAD_*`` variables, then the profile of the config file,
then defaults; see :mod:`importer.config`), build their options with the same
functions (:func:`importer.options.import_options`, :func:`importer.drain.drain_options`),
return the same summary objects the CLI writes to summary.json and drain-summary.json,
and raise the typed exceptions of :mod:`importer.errors` instead of exiting.

To try them without the real service, run :class:`importer.sandbox.SandboxServer`
and pass its address as ``base_url`` (its credentials in ``WHITECLAD_CLIENT_ID`` and
``WHITECLAD_CLIENT_SECRET``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from .client import resolve_base_url
from .config import Settings, load_settings, retry_given
from .drain import DrainSummary, FileOutcome, drain_inbox, drain_options
from .events import emit
from .options import API_MAPPING, import_options
from .pipeline import Progress, Summary, run_import
from .reader import ReadOptions
from .services import insecure_http_warning

__all__ = ["drain_folder", "import_file"]


def import_file(
    path: str | Path,
    mapping: str | Path | None = None,
    *,
    campaign: str | None = None,
    dry_run: bool = False,
    out_dir: str | Path | None = None,
    region: str | None = None,
    lenient: bool = False,
    send_company_lines: bool = False,
    workbook: bool = True,
    read: ReadOptions | None = None,
    header_row: int | None = None,
    progress: Progress | None = None,
    batch_size: int | None = None,
    rate_limit: int | None = None,
    base_url: str | None = None,
    state_dir: str | Path | None = None,
    fresh: bool = False,
    workers: int | None = None,
    write_leads: bool = False,
    max_retries: int | None = None,
    retry_backoff: float | str | None = None,
    retry_max_backoff: float | str | None = None,
    retry_patience: float | str | None = None,
    insecure_http: bool = False,
    suppress: Sequence[str | Path] | None = None,
    suppress_skip_bad_lines: bool | None = None,
    profile: str | None = None,
    config: str | Path | None = None,
    stop_requested: Callable[[], bool] | None = None,
) -> Summary:
    """Import one file (or check it, with ``dry_run``); return its summary.

    ``read`` says how to read the file (encoding, delimiter, sheet, header row, chunk
    size, largest file); ``header_row``, when given, replaces ``read``'s: the header's
    row number as a spreadsheet shows it (1 = first); None takes the mapping's
    ``header_row``, else finds it. ``progress`` receives the progress of each stage
    (see :class:`importer.pipeline.Progress`). ``max_retries``, ``retry_backoff``,
    ``retry_max_backoff`` and ``retry_patience`` are those of the command line (seconds,
    or text like ``10m``; None takes the profile's, else 20 retries, 1 s doubling up to
    60 s, for at most 5 minutes a request). ``suppress`` names do-not-call
    lists (the profile's ``suppress`` otherwise); a line of one that cannot be read raises
    ``ListError`` unless ``suppress_skip_bad_lines``. Raises ``ImportIncomplete``
    (carrying the summary) when the API stopped the run part-way; calling again with
    the same arguments resumes it. ``send_company_lines`` sends a row whose only number
    is a company line (the mapping's ``company_phone_columns``), with a warning, instead
    of rejecting it.
    """
    settings = _settings(
        {"mapping": mapping, "campaign": campaign, "region": region, "batch_size": batch_size,
         "rate_limit": rate_limit, "base_url": base_url, "state_dir": state_dir,
         "suppress": suppress, "suppress_skip_bad_lines": suppress_skip_bad_lines,
         **retry_given(max_retries, retry_backoff, retry_max_backoff, retry_patience)},
        config, profile,
    )  # fmt: skip
    options = import_options(
        settings,
        Path(path),
        dry_run=dry_run,
        out_dir=None if out_dir is None else Path(out_dir),
        lenient=lenient,
        send_company_lines=send_company_lines,
        read=_read(read, header_row),
        fresh=fresh,
        workers=workers,
        write_leads=write_leads,
        workbook=workbook,
        insecure_http=insecure_http,
        mapping_option=API_MAPPING,
    )
    _warn_insecure(options.base_url, options.insecure_http)
    return run_import(options, progress, stop_requested)


def drain_folder(
    inbox: str | Path,
    mapping: str | Path | None = None,
    *,
    campaign: str | None = None,
    archive: str | Path | None = None,
    failed: str | Path | None = None,
    out: str | Path | None = None,
    settle_seconds: float | None = None,
    region: str | None = None,
    lenient: bool = False,
    read: ReadOptions | None = None,
    header_row: int | None = None,
    batch_size: int | None = None,
    rate_limit: int | None = None,
    base_url: str | None = None,
    state_dir: str | Path | None = None,
    insecure_http: bool = False,
    suppress: Sequence[str | Path] | None = None,
    suppress_skip_bad_lines: bool | None = None,
    max_retries: int | None = None,
    retry_backoff: float | str | None = None,
    retry_max_backoff: float | str | None = None,
    retry_patience: float | str | None = None,
    progress: Progress | None = None,
    on_file: Callable[[FileOutcome], None] | None = None,
    stop_requested: Callable[[], bool] | None = None,
    profile: str | None = None,
    config: str | Path | None = None,
) -> DrainSummary:
    """Import every ready file of ``inbox`` and file each away; return the drain's summary.

    ``read``, ``header_row`` and ``progress`` apply to each file's import as in
    :func:`import_file`; ``on_file`` is called with each file's outcome as soon as the
    file is filed away; ``stop_requested`` is asked between files. ``suppress``,
    ``suppress_skip_bad_lines`` and the retry settings are those of :func:`import_file`;
    a file stopped by passing API trouble is left in the inbox and the next file is tried.
    """
    settings = _settings(
        {"mapping": mapping, "campaign": campaign, "region": region, "batch_size": batch_size,
         "rate_limit": rate_limit, "base_url": base_url, "state_dir": state_dir,
         "settle_seconds": settle_seconds, "suppress": suppress,
         "suppress_skip_bad_lines": suppress_skip_bad_lines,
         **retry_given(max_retries, retry_backoff, retry_max_backoff, retry_patience)},
        config, profile,
    )  # fmt: skip
    options = drain_options(
        settings,
        Path(inbox),
        archive=None if archive is None else Path(archive),
        failed=None if failed is None else Path(failed),
        out=None if out is None else Path(out),
        lenient=lenient,
        read=_read(read, header_row),
        insecure_http=insecure_http,
        mapping_option=API_MAPPING,
    )
    _warn_insecure(options.template.base_url, options.template.insecure_http)
    return drain_inbox(options, stop_requested, progress=progress, on_file=on_file)


def _settings(given: dict[str, Any], config: str | Path | None, profile: str | None) -> Settings:
    for name in ("mapping", "state_dir"):
        if given.get(name) is not None:
            given[name] = str(given[name]) if name == "mapping" else Path(given[name])
    if given.get("suppress") is not None:
        given["suppress"] = tuple(Path(item) for item in given["suppress"]) or None
    return load_settings(given, config=None if config is None else Path(config), profile=profile)


def _read(read: ReadOptions | None, header_row: int | None) -> ReadOptions:
    read = read or ReadOptions()
    return read if header_row is None else replace(read, header_row=header_row)


def _warn_insecure(base_url: str | None, insecure_http: bool) -> None:
    """Log the warning the command line prints when the secret crosses the network."""
    if not insecure_http:
        return
    url = resolve_base_url(base_url)
    warning = insecure_http_warning(url, insecure_http)
    if warning is not None:
        emit("insecure_http", warning, logging.WARNING, base_url=url)
