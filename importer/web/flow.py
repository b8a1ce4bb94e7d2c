"""The library calls behind each step, with plain values in and out (no HTTP here).

Each function calls what the command line calls: the reader for what a file holds,
:func:`importer.options.builtin_for` and :func:`importer.suggest.suggest_mapping`
for the mapping, :func:`importer.options.import_options` for a run's options, the
API client for campaigns and the balance, and reads the reports the pipeline wrote.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ..campaigns import resolve_campaign
from ..cells import restore
from ..client import ApiClient, ApiStatus, Campaign
from ..errors import CampaignError, ImporterError, UsageError
from ..mapping import bind_mapping, check_region, load_mapping
from ..options import Endpoint, import_options
from ..pipeline import ImportOptions, Summary, run_import
from ..reader import ReadOptions, SourceInfo, open_source
from ..reports import OUTCOMES
from ..review import Review
from ..services import api_client
from ..suggest import Preview, preview_mapping
from .app import WebState, count
from .jobs import JobProgress, Work
from .workspace import ImportState, private_dir

__all__ = [
    "REPORT_FILES",
    "FileFacts",
    "ReportPage",
    "campaign_for",
    "campaigns",
    "change_work",
    "client_for",
    "file_facts",
    "first_rows",
    "lead_columns",
    "mapping_preview",
    "mapping_ref",
    "open_review",
    "options_for",
    "read_options",
    "report_page",
    "review_folder",
    "review_work",
    "run_summary",
    "send_work",
    "status_for",
]

#: The report files the page lets a person download, in the order shown.
REPORT_FILES = ("accepted.csv", "rejected.csv", "duplicates.csv", "suppressed.csv", "pending.csv",
                "report.xlsx", "summary.json")  # fmt: skip
PREVIEW_ROWS = 8


@dataclass(frozen=True)
class FileFacts:
    """What the reader found in a file, and its first rows as they will be imported."""

    info: SourceInfo
    rows: int
    first: list[tuple[int, list[str]]]


def read_options(web: WebState, state: ImportState) -> ReadOptions:
    """How to read the import's file: what the person set, within the page's size limit."""
    given = state.read
    header = given.get("header_row")
    return ReadOptions(
        encoding=given.get("encoding") or None,
        delimiter=given.get("delimiter") or None,
        sheet=given.get("sheet") or None,
        header_row=int(header) if header else None,
        max_file_size=web.config.max_file_size,
    )


def first_rows(path: Path, read: ReadOptions) -> tuple[tuple[str, ...], list[list[str]]]:
    """The file's columns and its first rows, read without reading the rest."""
    with open_source(path, replace(read, chunk_rows=PREVIEW_ROWS)) as source:
        chunk = next(iter(source.chunks()), None)
        return source.info.columns, chunk.rows if chunk is not None else []


def mapping_preview(
    path: Path, read: ReadOptions, mapping: str | Path, region: str | None
) -> Preview:
    """What a mapping makes of the file's first rows, before and after normalizing."""
    return preview_mapping(path, mapping, region=region, rows=3, read=read)


def file_facts(path: Path, read: ReadOptions) -> FileFacts:
    """Read the whole file once: its facts, its row count, its first rows."""
    rows = 0
    first: list[tuple[int, list[str]]] = []
    with open_source(path, read) as source:
        for chunk in source.chunks():
            rows += len(chunk)
            for number, cells in zip(chunk.numbers, chunk.rows, strict=True):
                if len(first) >= PREVIEW_ROWS:
                    break
                first.append((number, cells))
        info = source.info
    return FileFacts(info, rows, first)


def mapping_ref(web: WebState, state: ImportState) -> str:
    """The mapping to run with: a built-in's name or a mapping file's path."""
    if state.mapping == "custom":
        return str(web.workspace.folder(state.id) / "mapping.yaml")
    if not state.mapping:
        raise ImporterError("choose a mapping first (step 2, Map)")
    return state.mapping


def _endpoint(web: WebState, state: ImportState) -> Endpoint | None:
    return web.sandbox() if state.sandbox else None


def options_for(
    web: WebState, state: ImportState, *, dry_run: bool, out_dir: Path, path: Path | None = None
) -> ImportOptions:
    """The options of a run of this import, built as the command line builds them."""
    settings = web.settings(
        {"mapping": mapping_ref(web, state), "campaign": state.campaign, "region": state.region}
    )
    return import_options(
        settings,
        path or web.workspace.source(state),
        dry_run=dry_run,
        out_dir=out_dir,
        read=read_options(web, state),
        endpoint=_endpoint(web, state),
    )


def client_for(web: WebState, state: ImportState) -> ApiClient:
    """A client of the API this import sends to (ConfigError without credentials)."""
    endpoint = _endpoint(web, state)
    if endpoint is not None:
        return ApiClient(endpoint.base_url, endpoint.credentials)
    return api_client(web.settings())


def campaigns(web: WebState, state: ImportState, search: str | None = None) -> list[Campaign]:
    """The campaigns this import can go to, all pages."""
    with client_for(web, state) as client:
        return list(client.iter_campaigns(search=search or None))


def campaign_for(web: WebState, state: ImportState, ref: str) -> Campaign | None:
    """The campaign an id or a name picks, as the command line resolves --campaign.

    None when the API cannot be asked (no credentials, say): the choice is kept as
    given and checked when the leads are sent. A name that matches no campaign, or
    several, raises :class:`~importer.errors.CampaignError`.
    """
    try:
        with client_for(web, state) as client:
            return resolve_campaign(client, ref)
    except CampaignError:
        raise
    except ImporterError:
        return None


def status_for(web: WebState, state: ImportState) -> ApiStatus:
    """GET /status of the API this import sends to."""
    with client_for(web, state) as client:
        return client.status()


@dataclass(frozen=True)
class ReportPage:
    """One page of one report CSV."""

    outcome: str
    columns: list[str]
    rows: list[list[str]]
    total: int
    page: int
    pages: int


#: The columns a person acts on first in each report, before the columns of the file.
_LEADING = {
    "accepted": ("source_row", "phone_e164", "lead_id", "*", "warnings"),
    "rejected": ("source_row", "error", "error_codes", "*"),
    "duplicates": ("source_row", "duplicate_of", "*"),
    "suppressed": ("source_row", "suppressed_by", "suppressed_code", "phone_e164", "*"),
    "pending": ("source_row", "reason", "*"),
}
#: The lead fields whose columns are shown first ("*" above): who the lead is.
_WHO = ("phone", "firstName", "lastName", "fullName", "email")


def lead_columns(mapping: str | Path, columns: list[str]) -> list[str]:
    """The file's columns a mapping reads the phone, the name and the e-mail from."""
    try:
        bound = bind_mapping(load_mapping(mapping), tuple(columns), "report")
    except ImporterError:  # a mapping changed since the run: the page shows the file's order
        return []
    found: list[str] = []
    for name in _WHO:
        source = bound.fields.get(name)
        if source is not None:
            found += [column for column in source.columns() if column not in found]
    return found


def _ordered(outcome: str, columns: list[str], who: list[str]) -> list[int]:
    """The report's columns in the order shown: what to act on first, then the rest."""
    order: list[str] = []
    for name in _LEADING.get(outcome, ("source_row", "*")):
        wanted = who if name == "*" else [name]
        order += [c for c in wanted if c in columns and c not in order]
    order += [c for c in columns if c not in order]
    return [columns.index(c) for c in order]


def report_page(
    out_dir: Path, outcome: str, page: int, size: int, mapping: str | Path | None = None
) -> ReportPage:
    """Rows ``page`` (1 = first) of ``<outcome>.csv`` in a report folder."""
    if outcome not in OUTCOMES:
        outcome = "accepted"
    path = out_dir / f"{outcome}.csv"
    columns: list[str] = []
    rows: list[list[str]] = []
    total = 0
    start = (max(page, 1) - 1) * size
    if path.is_file():
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            columns = next(reader, [])
            for index, row in enumerate(reader):
                if start <= index < start + size:
                    rows.append(row)
                total += 1
    pages = max(1, -(-total // size))
    order = _ordered(outcome, columns, lead_columns(mapping, columns) if mapping else [])
    # The report guards cells a spreadsheet would run; the page shows them as the file had them.
    rows = [[restore(row[at]) if at < len(row) else "" for at in order] for row in rows]
    columns = [columns[at] for at in order]
    return ReportPage(outcome, columns, rows, total, min(max(page, 1), pages), pages)


def run_summary(out_dir: Path) -> dict[str, Any] | None:
    """The summary.json of a report folder, if written."""
    path = out_dir / "summary.json"
    if not path.is_file():
        return None
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def review_folder(web: WebState, state: ImportState) -> Path:
    """Where the import's review keeps its rows."""
    return web.workspace.folder(state.id) / "review"


def review_work(web: WebState, state: ImportState) -> Work:
    """The work of reading and checking every row for the review."""
    folder, source = review_folder(web, state), web.workspace.source(state)
    mapping, read, region = mapping_ref(web, state), read_options(web, state), state.region

    def work(progress: JobProgress, stop: Callable[[], bool]) -> None:
        progress.start(0, "rows", "checking")

        def seen(rows: int) -> None:
            progress.update(rows, {"checked": rows})

        built = Review.build(folder, source, mapping, region=region, read=read, progress=seen)
        with built:
            progress.start(0, "rows", "finding the fixes")
            built.bulk_fixes()  # kept with the rows, so the page shows them at once

    return work


def open_review(web: WebState, state: ImportState) -> Review | None:
    """The import's review, when it was built (by this version: else it is checked again)."""
    try:
        return Review.open(review_folder(web, state))
    except (FileNotFoundError, ValueError):
        return None


def change_work(web: WebState, state: ImportState, action: str, form: Mapping[str, str]) -> Work:
    """The work of one change to many rows of the review: a fix, a replace, a country, undo."""
    folder, import_id = review_folder(web, state), state.id

    def keep_region(region: str | None) -> None:
        kept = web.workspace.load(import_id)
        kept.region = region
        web.workspace.save(kept)

    change: Callable[[Review, Callable[[int, int], None]], str]
    if action == "apply":
        key = form.get("key", "")
        label = "applying the fix"

        def change(review: Review, seen: Callable[[int, int], None]) -> str:
            return count(review.apply(key, seen), "row") + " changed"

    elif action == "replace":
        column, find, by = form.get("column", ""), form.get("find", ""), form.get("replace", "")
        if not find:
            raise UsageError("write the text to find")
        label = "replacing"

        def change(review: Review, seen: Callable[[int, int], None]) -> str:
            return count(review.replace(column, find, by, seen), "row") + " changed"

    elif action == "region":
        region = check_region(form.get("region") or None, "the default country")
        label = "checking every row again"

        def change(review: Review, seen: Callable[[int, int], None]) -> str:
            review.set_region(region, seen)
            keep_region(region)
            return f"default country: {region or 'none'}"

    elif action == "undo":
        label = "undoing the last change"

        def change(review: Review, seen: Callable[[int, int], None]) -> str:
            undone = review.undo(seen)
            keep_region(review.region)
            return f"undone: {undone}" if undone else "nothing to undo"

    else:
        raise UsageError(f"unknown action '{action}'")

    def work(progress: JobProgress, stop: Callable[[], bool]) -> str:
        progress.start(0, "rows", label)
        with Review.open(folder) as review:
            message = change(review, progress.step)
            progress.start(0, "rows", "finding the fixes")
            review.bulk_fixes()  # kept with the rows, so the page shows them at once
        return message

    return work


def send_work(web: WebState, state: ImportState, *, dry_run: bool, out_dir: Path) -> Work:
    """The work of a run of this import: the corrected file first, when there is one.

    A review with changes, or of a report whose rows carry their original numbers, is
    written out (in the job, since a big file takes seconds) with every row, the
    skipped ones included: the run reports those as ``row_skipped`` and numbers the
    rows as the page showed them, so every row of the file is in one report.
    """
    options = options_for(web, state, dry_run=dry_run, out_dir=out_dir)
    target = web.workspace.folder(state.id) / "corrected" / f"{Path(state.file_name).stem}.csv"

    def work(progress: JobProgress, stop: Callable[[], bool]) -> Summary:
        run = options
        review = open_review(web, state)
        if review is not None:
            with review:
                if review.history() or review.labelled:
                    progress.start(0, "rows", "writing the corrected file")
                    private_dir(target.parent)
                    corrected = review.export_to_send(target)
                    run = replace(
                        options,
                        path=corrected.path,
                        read=corrected.read_options(options.read.max_file_size),
                        skip_rows=corrected.skipped,
                    )
        return run_import(run, progress, stop)

    return work
