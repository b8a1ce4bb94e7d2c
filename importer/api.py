"""The Python API for orchestrators: import a file or drain an inbox, get the summary.

These take the same settings as the command line, resolved the same way (keyword
arguments, then ``WHITECLAD_*`` variables, then the profile of the config file,
then defaults; see :mod:`importer.config`), return the same summary objects the
CLI writes to summary.json and drain-summary.json, and raise the typed exceptions
of :mod:`importer.errors` instead of exiting.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from .client import resolve_base_url
from .config import load_settings
from .drain import DrainOptions, DrainSummary, drain_inbox
from .errors import UsageError
from .mapping import check_region
from .pipeline import ImportOptions, Summary, run_import
from .reader import ReadOptions


def import_file(
    path: str | Path,
    mapping: str | Path | None = None,
    *,
    campaign: str | None = None,
    dry_run: bool = False,
    out_dir: str | Path | None = None,
    region: str | None = None,
    lenient: bool = False,
    workbook: bool = True,
    header_row: int | None = None,
    profile: str | None = None,
    config: str | Path | None = None,
    stop_requested: Callable[[], bool] | None = None,
) -> Summary:
    """Import one file (or check it, with ``dry_run``); return its summary.

    ``header_row`` is the header's row number as a spreadsheet shows it (1 = first);
    None takes the mapping's ``header_row``, else finds it. Raises ``ImportIncomplete``
    (carrying the summary) when the API stopped the run part-way; calling again with
    the same arguments resumes it.
    """
    settings = load_settings(
        {"mapping": None if mapping is None else str(mapping), "campaign": campaign,
         "region": region},
        config=None if config is None else Path(config), profile=profile,
    )  # fmt: skip
    if not settings["mapping"]:
        raise UsageError("no mapping: pass mapping= or set mapping: in the profile")
    check_region(settings["region"], settings.origin("region"))
    options = ImportOptions(
        path=Path(path),
        mapping=settings["mapping"],
        out_dir=None if out_dir is None else Path(out_dir),
        region=settings["region"],
        lenient=lenient,
        dry_run=dry_run,
        campaign=settings["campaign"],
        batch_size=settings["batch_size"],
        base_url=resolve_base_url(settings["base_url"]),
        credentials=None if dry_run else settings.credentials(),
        rate_limit=settings["rate_limit"],
        state_dir=settings["state_dir"],
        workbook=workbook,
        read=ReadOptions(header_row=header_row),
    )
    return run_import(options, None, stop_requested)


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
    header_row: int | None = None,
    profile: str | None = None,
    config: str | Path | None = None,
) -> DrainSummary:
    """Import every ready file of ``inbox`` and file each away; return the drain's summary."""
    settings = load_settings(
        {"mapping": None if mapping is None else str(mapping), "campaign": campaign,
         "region": region, "settle_seconds": settle_seconds},
        config=None if config is None else Path(config), profile=profile,
    )  # fmt: skip
    if not settings["mapping"]:
        raise UsageError("no mapping: pass mapping= or set mapping: in the profile")
    check_region(settings["region"], settings.origin("region"))
    template = ImportOptions(
        path=Path(inbox),
        mapping=settings["mapping"],
        region=settings["region"],
        dry_run=False,
        campaign=settings["campaign"],
        batch_size=settings["batch_size"],
        base_url=resolve_base_url(settings["base_url"]),
        credentials=settings.credentials(),
        rate_limit=settings["rate_limit"],
        state_dir=settings["state_dir"],
        read=ReadOptions(header_row=header_row),
    )
    options = DrainOptions(
        Path(inbox),
        template,
        settings["state_dir"],
        archive=None if archive is None else Path(archive),
        failed=None if failed is None else Path(failed),
        out=None if out is None else Path(out),
        settle_seconds=settings["settle_seconds"],
    )
    return drain_inbox(options)
