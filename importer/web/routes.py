"""The page's steps, one URL each: upload, map, review, send, results; and the history.

Each handler parses the request, calls :mod:`importer.web.flow` (the library), and
renders a template. State lives in the import's folder on the server, so reloading
a step or going back shows the same thing. Steps that read the file or the review run
in a worker thread, and changes to many rows run as background jobs
(:mod:`importer.web.jobs`), so a large file never holds up the other requests.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import ImmutableMultiDict

from ..client import Campaign
from ..errors import ImporterError, UsageError
from ..mapping import builtin_mappings, load_mapping
from ..options import builtin_for
from ..reader import ReadOptions
from ..reports import OUTCOMES
from ..review import FILTERS, BulkFix, Review
from ..sending import ESTIMATED_CREDITS_PER_LEAD
from ..services import recent_runs
from ..suggest import Preview, suggest_mapping
from . import flow
from .app import WebState, web_state
from .jobs import Job
from .mappings import (
    FORM_FIELDS,
    PHONE_SLOTS,
    custom_from_suggestion,
    fitting_saved,
    mapping_yaml,
    save_mapping,
)
from .uploads import BadUpload, TooLarge, human_size, receive_upload
from .workspace import ImportState, private_dir

__all__ = ["STEPS", "router"]

router = APIRouter()

#: The steps, in order: (path part, label).
STEPS = (("upload", "Upload"), ("map", "Map"), ("review", "Review and fix"),
         ("send", "Send"), ("results", "Results"))  # fmt: skip
_RUN = re.compile(r"check|dry-run|send-\d{8}-\d{6}")


def _go(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


def _load(web: WebState, import_id: str) -> ImportState:
    return web.workspace.load(import_id)


def _text(form: ImmutableMultiDict[str, Any], name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _step_page(
    web: WebState, request: Request, name: str, state: ImportState, step: str, **context: Any
) -> HTMLResponse:
    return web.page(name, request, state=state, steps=STEPS, step=step, **context)


# --- start ---------------------------------------------------------------------------


@router.get("/", response_class=HTMLResponse)
async def home(request: Request) -> Response:
    """The first page: upload a file, try a sample, or open an earlier import."""
    web = web_state(request)
    samples = []
    if web.config.samples_dir is not None and web.config.samples_dir.is_dir():
        samples = sorted(p.name for p in web.config.samples_dir.glob("*.csv"))
    return web.page(
        "home.html", request, imports=web.workspace.recent(), samples=samples,
        max_size=human_size(web.config.max_file_size),
    )  # fmt: skip


async def _receive(request: Request, state: ImportState) -> Response | None:
    """Stream the uploaded file into the import's folder; an error page when it cannot be."""
    web = web_state(request)
    folder = private_dir(web.workspace.folder(state.id) / "upload-in-progress")
    limit = web.config.max_file_size
    try:
        declared = int(request.headers.get("content-length") or 0)
        if declared > limit + 64 * 1024:
            raise TooLarge
        upload = await receive_upload(
            request.headers.get("content-type", ""), request.stream(), folder, limit
        )
    except TooLarge:
        shutil.rmtree(folder, ignore_errors=True)
        return web.page(
            "error.html", request, status=413,
            error=f"the file is more than the {human_size(limit)} this page reads "
            "(--max-file-size); start 'whiteclad-import ui' with a larger --max-file-size "
            "if the file is right",
            back="/",
        )  # fmt: skip
    except BadUpload as exc:
        shutil.rmtree(folder, ignore_errors=True)
        return web.page("error.html", request, status=400, error=str(exc), back="/")
    assert upload.path is not None
    source = web.workspace.folder(state.id) / "source"
    shutil.rmtree(source, ignore_errors=True)
    folder.rename(source)
    state.file_name = upload.file_name
    state.read = {}
    web.workspace.save(state)
    return None


@router.post("/imports")
async def new_import(request: Request) -> Response:
    """Start an import with an uploaded file."""
    web = web_state(request)
    state = web.workspace.create()
    state.sandbox = web.config.try_mode
    failed = await _receive(request, state)
    if failed is not None:
        web.workspace.delete(state.id)
        return failed
    return _go(f"/imports/{state.id}/upload")


@router.post("/imports/sample")
async def sample_import(request: Request) -> Response:
    """Start an import of a bundled sample export, sent to the sandbox (try it)."""
    web = web_state(request)
    form = await request.form()
    name = _text(form, "sample")
    folder = web.config.samples_dir
    if folder is None or name not in {p.name for p in folder.glob("*.csv")}:
        raise UsageError(f"there is no sample named '{name}'")
    state = web.workspace.create()
    state.sandbox = True
    state.file_name = name
    if name.startswith("generic"):
        state.region = "US"
    source = private_dir(web.workspace.folder(state.id) / "source")
    shutil.copyfile(folder / name, source / name)
    web.workspace.save(state)
    return _go(f"/imports/{state.id}/upload")


@router.get("/imports/{import_id}")
async def open_import(request: Request, import_id: str) -> Response:
    """An import opens at its upload step."""
    _load(web_state(request), import_id)
    return _go(f"/imports/{import_id}/upload")


@router.post("/imports/{import_id}/delete")
async def delete_import(request: Request, import_id: str) -> Response:
    """Remove the import's folder: the file, the mapping, the reports."""
    web = web_state(request)
    job = web.jobs.get(import_id + ":send")
    if job is not None and job.running:
        raise UsageError("this import is sending; cancel it first, then delete it")
    web.workspace.delete(import_id)
    return _go("/?deleted=1")


# --- 1. upload -----------------------------------------------------------------------


@router.get("/imports/{import_id}/upload", response_class=HTMLResponse)
async def upload_page(request: Request, import_id: str) -> Response:
    """What the reader found in the file, and its first rows."""
    return await run_in_threadpool(_upload_page, request, import_id)


def _upload_page(request: Request, import_id: str) -> Response:
    web = web_state(request)
    state = _load(web, import_id)
    facts, error = None, None
    try:
        facts = flow.file_facts(web.workspace.source(state), flow.read_options(web, state))
    except ImporterError as exc:
        error = _clean(web, exc.message)
    return _step_page(web, request, "upload.html", state, "upload", facts=facts, error=error,
                      max_size=human_size(web.config.max_file_size))  # fmt: skip


@router.post("/imports/{import_id}/upload")
async def replace_file(request: Request, import_id: str) -> Response:
    """Replace the import's file with another upload."""
    web = web_state(request)
    state = _load(web, import_id)
    failed = await _receive(request, state)
    return failed or _go(f"/imports/{import_id}/upload")


@router.post("/imports/{import_id}/read")
async def set_read(request: Request, import_id: str) -> Response:
    """Change how the file is read: sheet, header row, encoding, delimiter."""
    web = web_state(request)
    state = _load(web, import_id)
    form = await request.form()
    header = _text(form, "header_row")
    if header and not header.isdigit():
        raise UsageError(
            "--header-row must be 1 or more: the header's row as a spreadsheet shows it"
        )
    state.read = {
        "sheet": _text(form, "sheet") or None,
        "header_row": int(header) if header else None,
        "encoding": _text(form, "encoding") or None,
        "delimiter": _text(form, "delimiter") or None,
    }
    web.workspace.save(state)
    return _go(f"/imports/{import_id}/upload")


def _clean(web: WebState, message: str) -> str:
    return message.replace(str(web.workspace.root) + "/", "")


# --- 2. map --------------------------------------------------------------------------


@router.get("/imports/{import_id}/map", response_class=HTMLResponse)
async def map_page(request: Request, import_id: str) -> Response:
    """The mapping: a built-in or saved one that fits, or columns picked for each field."""
    return await run_in_threadpool(_map_page, request, import_id)


def _map_page(request: Request, import_id: str) -> Response:
    web = web_state(request)
    state = _load(web, import_id)
    path, read = web.workspace.source(state), flow.read_options(web, state)
    suggestion = suggest_mapping(path, read)
    fit = builtin_for(path, read)
    saved = fitting_saved(web.mappings_dir, suggestion.columns)
    if state.mapping is None:
        state.mapping = str(saved[0].path) if saved else fit.name if fit is not None else "custom"
        state.custom = custom_from_suggestion(suggestion)
        web.workspace.save(state)
    samples = _samples(path, read)
    preview, preview_error = _preview(web, state, state.mapping or "custom", state.custom,
                                      state.region)  # fmt: skip
    confidence = {
        target: choices[0].reason() for target, choices in suggestion.fields.items() if choices
    }
    query = request.query_params.get("q", "")
    found, campaign_error = _campaigns(web, state, query)
    return _step_page(
        web, request, "map.html", state, "map", suggestion=suggestion, fit=fit, saved=saved,
        builtins=list(builtin_mappings()), samples=samples, confidence=confidence,
        form_fields=FORM_FIELDS, phone_slots=PHONE_SLOTS, campaigns=found,
        campaign_error=campaign_error, query=query, chosen=state.campaign or "",
        chosen_label=_label(web, state, state.campaign or "", found),
        saved_as=request.query_params.get("saved"), preview=preview, preview_error=preview_error,
    )  # fmt: skip


def _samples(path: Path, read: ReadOptions) -> dict[str, list[str]]:
    """Up to three filled values of each column, from the file's first rows."""
    columns, rows = flow.first_rows(path, read)
    return {
        column: [cells[at] for cells in rows if cells[at].strip()][:3]
        for at, column in enumerate(columns)
    }


def _preview(
    web: WebState, state: ImportState, choice: str, custom: dict[str, Any], region: str | None
) -> tuple[Preview | None, str | None]:
    """What the chosen mapping makes of the first rows; or why it cannot be shown."""
    path, read = web.workspace.source(state), flow.read_options(web, state)
    if choice == "custom" and not custom.get("phone"):
        return None, "pick a column for the phone to see the preview"
    try:
        if choice != "custom":
            return flow.mapping_preview(path, read, choice, region), None
        text = mapping_yaml(custom, description=f"Made on the page for {state.file_name}")
        folder = web.workspace.folder(state.id)
        with tempfile.NamedTemporaryFile("w", suffix=".yaml", dir=folder, encoding="utf-8") as f:
            f.write(text)
            f.flush()
            return flow.mapping_preview(path, read, f.name, region), None
    except ImporterError as exc:
        return None, _clean(web, exc.message)


@router.get("/imports/{import_id}/map/samples", response_class=HTMLResponse)
async def map_samples(request: Request, import_id: str) -> Response:
    """The sample values of the column picked for one field (a fragment)."""
    return await run_in_threadpool(_map_samples, request, import_id)


def _map_samples(request: Request, import_id: str) -> Response:
    web = web_state(request)
    state = _load(web, import_id)
    slot = request.query_params.get("slot", "")
    if not re.fullmatch(r"phone_\d|field_\w+", slot):
        raise UsageError(f"there is no field '{slot}'")
    column = request.query_params.get(slot, "")
    samples = _samples(web.workspace.source(state), flow.read_options(web, state))
    return HTMLResponse(web.render("_samples.html", request, slot=slot,
                                   values=samples.get(column, [])))  # fmt: skip


@router.get("/imports/{import_id}/map/campaigns", response_class=HTMLResponse)
async def map_campaigns(request: Request, import_id: str) -> Response:
    """The campaign picker with the campaigns a search finds (a fragment)."""
    return await run_in_threadpool(_map_campaigns, request, import_id)


def _map_campaigns(request: Request, import_id: str) -> Response:
    web = web_state(request)
    state = _load(web, import_id)
    found, error = _campaigns(web, state, request.query_params.get("q", ""))
    chosen = request.query_params.get("campaign", state.campaign or "")
    return HTMLResponse(web.render("_campaigns.html", request, state=state, campaigns=found,
                                   campaign_error=error, chosen=chosen,
                                   chosen_label=_label(web, state, chosen, found)))  # fmt: skip


def _campaigns(web: WebState, state: ImportState, query: str) -> tuple[list[Campaign], str | None]:
    """The campaigns a search finds, or why they could not be listed."""
    try:
        return flow.campaigns(web, state, query), None
    except ImporterError as exc:
        return [], exc.message


def _label(web: WebState, state: ImportState, chosen: str, found: list[Campaign]) -> str:
    """How the picker names the campaign chosen when a search does not list it."""
    if not chosen or any(c.id == chosen for c in found):
        return chosen
    if chosen == state.campaign and state.campaign_name:
        return state.campaign_name
    try:
        campaign = flow.campaign_for(web, state, chosen)
    except ImporterError:
        return chosen
    return chosen if campaign is None else f"{campaign.name} ({campaign.status})"


@router.get("/imports/{import_id}/map/preview", response_class=HTMLResponse)
async def map_preview(request: Request, import_id: str) -> Response:
    """The preview of the mapping as the form stands now, not yet kept (a fragment)."""
    return await run_in_threadpool(_map_preview, request, import_id)


def _map_preview(request: Request, import_id: str) -> Response:
    web = web_state(request)
    state = _load(web, import_id)
    choice, custom = _choices(web, state, request.query_params)
    region = _text(request.query_params, "region").upper() or None
    preview, error = _preview(web, state, choice, custom, region)
    return HTMLResponse(web.render("_map_preview.html", request, state=state, preview=preview,
                                   preview_error=error))  # fmt: skip


def _choices(
    web: WebState, state: ImportState, form: ImmutableMultiDict[str, Any]
) -> tuple[str, dict[str, Any]]:
    """The mapping the form chose, and the columns it picked for each lead field."""
    choice = _text(form, "mapping") or "custom"
    if choice == "other":
        choice = _text(form, "mapping_other") or "custom"
    if choice != "custom" and choice not in builtin_mappings():
        saved = {str(m.path) for m in fitting_saved(web.mappings_dir, ())} | {
            str(p) for p in web.mappings_dir.glob("*.yaml")
        }
        if choice not in saved:
            raise UsageError(f"there is no mapping '{choice}'")
    custom: dict[str, Any] = {
        "phone": [_text(form, f"phone_{n}") for n in range(1, PHONE_SLOTS + 1)],
        "unmapped": _text(form, "unmapped") or "ignore",
        "tags_split": state.custom.get("tags_split"),
    }
    custom["phone"] = [column for column in custom["phone"] if column]
    for name in FORM_FIELDS:
        custom[name] = _text(form, f"field_{name}") or None
    return choice, custom


@router.post("/imports/{import_id}/map")
async def set_map(request: Request, import_id: str) -> Response:
    """Keep the mapping choices; save the mapping, or go on to check the file."""
    web = web_state(request)
    state = _load(web, import_id)
    form = await request.form()
    choice, custom = _choices(web, state, form)
    state.mapping = choice
    state.custom = custom
    state.region = _text(form, "region").upper() or None
    campaign = _text(form, "campaign")
    sandbox = form.get("sandbox") == "on"
    if campaign != state.campaign or sandbox != state.sandbox:
        state.campaign, state.campaign_name = campaign or None, None
    state.sandbox = sandbox
    folder = web.workspace.folder(state.id)
    text = mapping_yaml(custom, description=f"Made on the page for {state.file_name}")
    (folder / "mapping.yaml").write_text(text, encoding="utf-8")
    web.workspace.save(state)
    action = _text(form, "action")
    if action == "search":  # the campaign search, or Enter in a box of the form
        query = _text(form, "q")
        return _go(f"/imports/{import_id}/map" + (f"?q={quote(query)}" if query else "")
                   + "#campaign")  # fmt: skip
    if state.campaign and state.campaign_name is None:
        # The name shown from now on, and a name that picks no campaign said at once.
        found = await run_in_threadpool(flow.campaign_for, web, state, state.campaign)
        if found is not None:
            state.campaign, state.campaign_name = found.id, found.name
            web.workspace.save(state)
    if action == "save":
        if choice != "custom":
            raise UsageError("only a mapping made with the column pickers can be saved")
        try:
            path = save_mapping(web.mappings_dir, _text(form, "name"), text)
        except ValueError as exc:
            raise UsageError(str(exc)) from exc
        load_mapping(path)  # a mapping the command line could not read is not kept quiet
        return _go(f"/imports/{import_id}/map?saved={path}")
    if action == "preview":  # without JavaScript: the page shows the preview
        return _go(f"/imports/{import_id}/map#preview")
    load_mapping(flow.mapping_ref(web, state))
    _start_check(web, state)
    return _go(f"/imports/{import_id}/review")


# --- 3. review -----------------------------------------------------------------------


#: The jobs that change the review's rows; while one runs, the rows are not shown or changed.
_REVIEW_JOBS = ("check", "change")
#: How long a request waits for a change to end before it shows the progress page instead.
_QUICK_SECONDS = 0.6


def _busy(web: WebState, import_id: str) -> tuple[str, Job] | None:
    """The job changing the import's review, when one runs: (its kind, the job)."""
    for kind in _REVIEW_JOBS:
        job = web.jobs.get(f"{import_id}:{kind}")
        if job is not None and job.running:
            return kind, job
    return None


def _refuse_when_busy(web: WebState, import_id: str) -> None:
    if _busy(web, import_id) is not None:
        raise UsageError(
            "the rows are being checked or changed; wait until that is done, then try again"
        )


def _start_check(web: WebState, state: ImportState) -> Job:
    busy = _busy(web, state.id)
    if busy is not None and busy[0] == "change":
        _refuse_when_busy(web, state.id)
    return web.jobs.start(state.id + ":check", flow.review_work(web, state))


def _review(web: WebState, state: ImportState) -> Review:
    review = flow.open_review(web, state)
    if review is None:
        raise UsageError("the rows have not been checked yet: choose the mapping (step 2, Map)")
    return review


@router.post("/imports/{import_id}/check")
async def check(request: Request, import_id: str) -> Response:
    """Read and check every row again with the chosen mapping (the changes start over)."""
    web = web_state(request)
    _start_check(web, _load(web, import_id))
    return _go(f"/imports/{import_id}/review")


@router.get("/imports/{import_id}/review", response_class=HTMLResponse)
async def review_page(request: Request, import_id: str) -> Response:
    """Every row checked: counts, a filtered page of rows with their problems, fixes."""
    return await run_in_threadpool(_review_page, request, import_id)


def _review_page(request: Request, import_id: str) -> Response:
    web = web_state(request)
    state = _load(web, import_id)
    busy = _busy(web, import_id)
    if busy is not None:
        kind, running = busy
        return _step_page(web, request, "progress_page.html", state, "review",
                          job=running.snapshot(), kind=kind)  # fmt: skip
    job = web.jobs.get(import_id + ":check")
    review = flow.open_review(web, state)
    if review is None:
        error = job.error if job is not None else None
        return _step_page(web, request, "review.html", state, "review", review=None,
                          error=error and _clean(web, error))  # fmt: skip
    with review:
        wanted = request.query_params.get("filter", "problems")
        filter_ = wanted if wanted in FILTERS or wanted.startswith("code:") else "problems"
        number = max(_int(request, "page", 1), 1)
        size = web.config.page_rows
        page = review.page(filter_, (number - 1) * size, size)
        find = {k: request.query_params.get(k, "") for k in ("column", "find", "replace")}
        preview = None
        if find["column"] and find["find"]:
            preview = review.preview_replace(find["column"], find["find"], find["replace"])
        # Columns with a problem on this page come first, so the cells to fix are in view.
        marked = {p.column for row in page.rows for p in row.problems if p.column}
        columns = [c for c in review.columns if c in marked]
        columns += [c for c in review.columns if c not in marked]
        # Finding the fixes reads every phone without a country code: on a large file just
        # edited, the page comes at once and the fixes follow (htmx); without JS, on request.
        fixes = review.found_fixes()
        if fixes is None and request.query_params.get("fixes") == "now":
            fixes = review.bulk_fixes()
        return _step_page(
            web, request, "review.html", state, "review", review=review, columns=columns,
            counts=review.counts(), page=page, filter=filter_, filters=FILTERS,
            number=number, pages=max(1, -(-page.matching // size)),
            fixes=fixes, history=review.history(), find=find, preview=preview,
            message=request.query_params.get("done"), region_fix=_region_fix(fixes),
            error=request.query_params.get("failed"),
        )  # fmt: skip


def _region_fix(fixes: list[BulkFix] | None) -> BulkFix | None:
    """The first fix that reads numbers without a country code as one country's."""
    return next((fix for fix in fixes or () if fix.key.startswith("region:")), None)


@router.get("/imports/{import_id}/review/fixes", response_class=HTMLResponse)
async def review_fixes(request: Request, import_id: str) -> Response:
    """The fixes for many rows, as a fragment: found while the rest of the page is shown."""
    return await run_in_threadpool(_review_fixes, request, import_id)


def _review_fixes(request: Request, import_id: str) -> Response:
    web = web_state(request)
    state = _load(web, import_id)
    if _busy(web, import_id) is not None:
        return HTMLResponse("")
    with _review(web, state) as review:
        return HTMLResponse(
            web.render("_fixes.html", request, state=state, fixes=review.bulk_fixes())
        )


@router.post("/imports/{import_id}/review/rows/{source_row}", response_class=HTMLResponse)
async def edit_row(request: Request, import_id: str, source_row: int) -> Response:
    """Change one cell (or skip the row) and show the row checked again, with the counts."""
    web = web_state(request)
    state = _load(web, import_id)
    form = await request.form()
    _refuse_when_busy(web, import_id)
    with _review(web, state) as review:
        action = _text(form, "action")
        if action in ("skip", "keep"):
            row = review.skip(source_row, action == "skip")
        else:
            column = _text(form, "column")
            value = form.get("value")
            row = review.edit(source_row, column, value if isinstance(value, str) else "")
        if request.headers.get("hx-request"):
            columns = _text(form, "columns").split("\x1f") if _text(form, "columns") else []
            if sorted(columns) != sorted(review.columns):
                columns = list(review.columns)
            # The counts strip is swapped out of band, so it agrees with the row at once.
            return HTMLResponse(
                web.render("_row.html", request, state=state, row=row, columns=columns)
                + web.render("_review_counts.html", request, counts=review.counts(), oob=True)
            )
    return _go(f"/imports/{import_id}/review?{request.url.query}")


@router.post("/imports/{import_id}/review/fix")
async def review_fix(request: Request, import_id: str) -> Response:
    """Apply a bulk fix, a find-and-replace, a default country, or undo the last change.

    Each runs in the background: on a large file it takes seconds, and the page shows
    its progress meanwhile; a quick one lands straight back on the review.
    """
    web = web_state(request)
    state = _load(web, import_id)
    form = await request.form()
    values = {key: value for key, value in form.items() if isinstance(value, str)}
    _review(web, state).close()  # says so when the rows were not checked yet
    _refuse_when_busy(web, import_id)
    work = flow.change_work(web, state, _text(form, "action"), values)
    job = web.jobs.start(import_id + ":change", work)
    if await asyncio.to_thread(job.wait, _QUICK_SECONDS):
        return _after_change(import_id, job)
    return _go(f"/imports/{import_id}/review")


def _after_change(import_id: str, job: Job) -> Response:
    if job.error is not None:
        raise ImporterError(job.error)
    return _go(f"/imports/{import_id}/review?done={quote(job.message or '')}")


@router.get("/imports/{import_id}/review/corrected.csv")
async def corrected(request: Request, import_id: str) -> Response:
    """The corrected file: every row not skipped, with the edits."""
    web = web_state(request)
    state = _load(web, import_id)
    name = f"{Path(state.file_name).stem}-corrected.csv"
    folder = private_dir(web.workspace.folder(state.id) / "corrected")
    with _review(web, state) as review:  # says so when the rows were not checked yet
        path = await run_in_threadpool(review.export, folder / name)
    return FileResponse(path, filename=name, content_disposition_type="attachment")


def _int(request: Request, name: str, default: int) -> int:
    value = request.query_params.get(name, "")
    return int(value) if value.isdigit() else default


# --- 4. send -------------------------------------------------------------------------


@router.get("/imports/{import_id}/send", response_class=HTMLResponse)
async def send_page(request: Request, import_id: str) -> Response:
    """Before sending: where to, how many credits, the balance; or the send in progress."""
    return await run_in_threadpool(_send_page, request, import_id)


def _send_page(request: Request, import_id: str) -> Response:
    web = web_state(request)
    state = _load(web, import_id)
    job = web.jobs.get(import_id + ":send")
    if job is not None and job.running:
        return _step_page(web, request, "progress_page.html", state, "send",
                          job=job.snapshot(), kind="send")  # fmt: skip
    review = flow.open_review(web, state)
    counts = None
    if review is not None:
        with review:
            counts = review.counts()
    balance, status_error = None, None
    if state.campaign:
        try:
            balance = flow.status_for(web, state).balance
        except ImporterError as exc:
            status_error = exc.message
    leads = counts.valid if counts is not None else None
    needed = None if leads is None else round(leads * ESTIMATED_CREDITS_PER_LEAD, 2)
    return _step_page(
        web, request, "send.html", state, "send", counts=counts, leads=leads, needed=needed,
        balance=balance, status_error=status_error, price=ESTIMATED_CREDITS_PER_LEAD,
        error=job.error if job is not None and job.summary is None else None,
    )  # fmt: skip


@router.post("/imports/{import_id}/send")
async def send(request: Request, import_id: str) -> Response:
    """Start a dry run or a real send in the background."""
    web = web_state(request)
    state = _load(web, import_id)
    form = await request.form()
    _refuse_when_busy(web, import_id)
    dry_run = _text(form, "action") != "send"
    name = "dry-run" if dry_run else time.strftime("send-%Y%m%d-%H%M%S")
    out = web.workspace.folder(state.id) / name
    work = flow.send_work(web, state, dry_run=dry_run, out_dir=out)
    if not dry_run and not (state.campaign or load_mapping(flow.mapping_ref(web, state)).campaign):
        raise UsageError("choose the campaign to send to (step 2, Map), or make a dry run")
    state.last_run, state.last_dry_run = name, dry_run
    web.workspace.save(state)
    web.jobs.start(import_id + ":send", work)
    return _go(f"/imports/{import_id}/send")


@router.get("/imports/{import_id}/progress", response_class=HTMLResponse)
async def progress(request: Request, import_id: str) -> Response:
    """The progress of a job; when it is done, the page it lands on.

    htmx polls it for the fragment (and is sent on with ``HX-Redirect``); without
    JavaScript the progress page reloads it (meta refresh) as a whole page, and a
    finished job answers with a redirect.
    """
    web = web_state(request)
    state = _load(web, import_id)
    wanted = request.query_params.get("kind", "send")
    kind = wanted if wanted in (*_REVIEW_JOBS, "send") else "send"
    job = web.jobs.get(f"{import_id}:{kind}")
    if job is None or not job.running:
        done_at = _done_at(import_id, kind, job)
        if request.headers.get("hx-request"):
            return HTMLResponse("", headers={"HX-Redirect": done_at})
        return _go(done_at)
    step = "send" if kind == "send" else "review"
    if not request.headers.get("hx-request"):
        return _step_page(web, request, "progress_page.html", state, step,
                          job=job.snapshot(), kind=kind)  # fmt: skip
    return HTMLResponse(web.render("_progress.html", request, job=job.snapshot(), kind=kind,
                                   state=state))  # fmt: skip


def _done_at(import_id: str, kind: str, job: Job | None) -> str:
    """Where a finished job sends the page: the review, or the results of the run."""
    if kind == "send":
        return f"/imports/{import_id}/results"
    base = f"/imports/{import_id}/review"
    if kind == "change" and job is not None:
        if job.error is not None:
            return f"{base}?failed={quote(job.error)}"
        return f"{base}?done={quote(job.message or '')}"
    return base


@router.post("/imports/{import_id}/cancel")
async def cancel(request: Request, import_id: str) -> Response:
    """Stop the running send after the batch in flight."""
    web = web_state(request)
    for kind in ("send", "check"):
        job = web.jobs.get(f"{import_id}:{kind}")
        if job is not None and job.running:
            job.cancel()
    if request.headers.get("hx-request"):
        return await progress(request, import_id)
    return _go(f"/imports/{import_id}/send")


# --- 5. results ----------------------------------------------------------------------


@router.get("/imports/{import_id}/results", response_class=HTMLResponse)
async def results_page(request: Request, import_id: str) -> Response:
    """What the API did with every row, paged, with the reports to download."""
    return await run_in_threadpool(_results_page, request, import_id)


def _results_page(request: Request, import_id: str) -> Response:
    web = web_state(request)
    state = _load(web, import_id)
    run = request.query_params.get("run") or state.last_run
    if run is None or not _RUN.fullmatch(run):
        return _step_page(web, request, "results.html", state, "results", run=None)
    out = web.workspace.folder(state.id) / run
    outcome = request.query_params.get("outcome", "accepted")
    mapping = flow.mapping_ref(web, state) if state.mapping else None
    page = flow.report_page(out, outcome, _int(request, "page", 1), web.config.page_rows, mapping)
    files = [name for name in flow.REPORT_FILES if (out / name).is_file()]
    job = web.jobs.get(import_id + ":send")
    return _step_page(
        web, request, "results.html", state, "results", run=run, summary=flow.run_summary(out),
        report=page, files=files, outcomes=OUTCOMES,
        error=job.error if job is not None and run == state.last_run else None,
    )  # fmt: skip


@router.get("/imports/{import_id}/files/{run}/{name}")
async def download(request: Request, import_id: str, run: str, name: str) -> Response:
    """A report file, as the pipeline wrote it."""
    web = web_state(request)
    _load(web, import_id)
    path = web.workspace.folder(import_id) / run / name
    if not _RUN.fullmatch(run) or name not in flow.REPORT_FILES or not path.is_file():
        return web.page("error.html", request, status=404, error="no such report", back="/")
    return FileResponse(path, filename=name, content_disposition_type="attachment")


@router.post("/imports/{import_id}/fix")
async def fix_rejected(request: Request, import_id: str) -> Response:
    """Start a new import of the rejected rows, with the same mapping, to fix and send again."""
    web = web_state(request)
    state = _load(web, import_id)
    form = await request.form()
    run = _text(form, "run") or state.last_run or ""
    rejected = web.workspace.folder(state.id) / run / "rejected.csv"
    if not _RUN.fullmatch(run) or not rejected.is_file():
        raise UsageError("this run has no rejected rows to fix")
    fixed = web.workspace.create()
    fixed.file_name = f"{Path(state.file_name).stem}-rejected.csv"
    fixed.mapping, fixed.custom = state.mapping, state.custom
    fixed.region, fixed.campaign, fixed.sandbox = state.region, state.campaign, state.sandbox
    fixed.fixes = state.id
    folder = web.workspace.folder(fixed.id)
    shutil.copyfile(rejected, private_dir(folder / "source") / fixed.file_name)
    mapping = web.workspace.folder(state.id) / "mapping.yaml"
    if mapping.is_file():
        shutil.copyfile(mapping, folder / "mapping.yaml")
    web.workspace.save(fixed)
    _start_check(web, fixed)
    return _go(f"/imports/{fixed.id}/review")


# --- history -------------------------------------------------------------------------


@router.get("/history", response_class=HTMLResponse)
async def history(request: Request) -> Response:
    """Past imports: the page's own, and every run of the ledger with its counts."""
    web = web_state(request)
    try:
        runs = recent_runs(web.state_dir, 50)
    except UsageError:
        runs = []
    root = str(web.workspace.root) + "/"
    links: dict[int, str] = {}
    for run in runs:
        out = str((run.summary or {}).get("out_dir", ""))
        if out.startswith(root):
            parts = out[len(root):].split("/")  # fmt: skip
            if len(parts) == 2 and web.workspace.exists(parts[0]):
                links[run.id] = f"/imports/{parts[0]}/results?run={parts[1]}"
    return web.page("history.html", request, runs=runs, links=links,
                    imports=web.workspace.recent(50))  # fmt: skip
