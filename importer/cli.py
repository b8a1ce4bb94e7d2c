"""The ``whiteclad-import`` command: parse options, call the library, render, exit.

Exceptions become exit codes in one place, :func:`main`: the project's own
errors print one ``Error: ...`` line (the traceback only with ``--debug``),
click's usage errors keep click's message, Ctrl-C exits 130.

``whiteclad-import FILE --mapping M`` is short for ``whiteclad-import import FILE
--mapping M``: a first argument that is not a command name is taken as a file.

The command line answers at once: ``--help``, ``--version``, ``mappings``, ``config
check`` and every ``COMMAND --help`` take at most 3x the time Python needs to import
click. So this module imports at its top only light modules (the settings, the error
tree, the option values the decorators need); each command imports the heavy ones it
uses (the pipeline and pandas, the HTTP client, the reports, the web page) when it runs.
``tests/test_cli_startup.py`` checks which modules these commands import, and
``bench/bench_startup.py`` times them.
"""

from __future__ import annotations

import contextlib
import json
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import click

from . import __version__
from .config import Settings, load_settings, retry_given
from .connection import MAX_BATCH, resolve_base_url
from .errors import ImporterError, ImportIncomplete, UsageError, storage_error
from .events import FORMATS, bound_fields, event_log
from .phonepolicy import PHONE_TYPES
from .services import (
    api_client,
    ask,
    builtin_mapping_list,
    config_report,
    embedded_sandbox,
    insecure_http_warning,
    ledger_run,
    recent_runs,
)
from .status import ExitStatus, most_severe

if TYPE_CHECKING:
    from .client import ApiClient
    from .drain import DrainSummary
    from .pipeline import ImportOptions, Progress, Summary

__all__ = [
    "ByteSize",
    "DefaultCommandGroup",
    "campaign_command",
    "campaigns_command",
    "cli",
    "config_check_command",
    "config_group",
    "drain_command",
    "end_of_run_text",
    "exit_status",
    "health_command",
    "import_command",
    "main",
    "mapping_check_command",
    "mapping_group",
    "mapping_suggest_command",
    "mappings_command",
    "prune_command",
    "rate_limits_command",
    "run_import",
    "runs_group",
    "runs_show_command",
    "sandbox_command",
    "status_command",
    "ui_command",
]


#: Rows read at a time unless --chunk-rows says otherwise: importer.reader's
#: DEFAULT_CHUNK_ROWS, written out so that --help does not import the reader (and
#: pandas); tests/test_cli_startup.py checks that the two agree.
CHUNK_ROWS = 20_000


class DefaultCommandGroup(click.Group):
    """A group that runs ``import`` when the first argument is not a command."""

    default_command = "import"

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """Insert the default command before a first argument that is not a command."""
        first = next((arg for arg in args if arg != "--debug"), None)
        if first is not None and first not in self.commands and first not in (
            "--help", "-h", "--version"
        ):  # fmt: skip
            position = args.index(first)
            args = [*args[:position], self.default_command, *args[position:]]
        return super().parse_args(ctx, args)


class ByteSize(click.ParamType):  # type: ignore[type-arg]
    """A size in bytes, written as 500MB, 2GB, 1.5GiB or a plain number of bytes."""

    name = "size"
    _UNITS: ClassVar[dict[str, int]] = {
        "": 1, "b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12,
        "kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30, "tib": 1 << 40,
    }  # fmt: skip

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        """Turn '2GB' into 2000000000."""
        if isinstance(value, int):
            return value
        match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*", str(value))
        unit = match.group(2).lower() if match else ""
        if match is None or unit not in self._UNITS:
            self.fail(f"'{value}' is not a size such as 500MB or 2GB", param, ctx)
        return int(float(match.group(1)) * self._UNITS[unit])


def _max_size_option(function: Any) -> Any:
    return click.option(
        "--max-file-size",
        type=ByteSize(),
        default="4GiB",
        show_default=True,
        metavar="SIZE",
        help="Refuse input files larger than this (500MB, 2GB, ...).",
    )(function)


def _header_row_option(function: Any) -> Any:
    return click.option(
        "--header-row",
        type=click.IntRange(min=1),
        metavar="N",
        help="Row number of the header as a spreadsheet shows it (1 = first) [default: the "
        "mapping's header_row, else found automatically].",
    )(function)


def _reject_phone_type_option(function: Any) -> Any:
    return click.option(
        "--reject-phone-type",
        "reject_phone_types",
        multiple=True,
        type=click.Choice(list(PHONE_TYPES)),
        metavar="TYPE",
        help="Reject numbers of this type too (repeatable): "
        f"{', '.join(PHONE_TYPES)}. Premium-rate numbers are always rejected "
        "[default: the profile's reject_phone_types].",
    )(function)


def _no_infer_timezone_option(function: Any) -> Any:
    return click.option(
        "--no-infer-timezone",
        is_flag=True,
        help="Send leads without a time zone without one, instead of the zone of their postal "
        "code or phone number [default: the profile's infer_time_zone, else inferred].",
    )(function)


def _send_company_lines_option(function: Any) -> Any:
    return click.option(
        "--send-company-lines",
        is_flag=True,
        help="Send a row whose only number is the company's main line (the mapping's "
        "company_phone_columns), with a warning, instead of rejecting it.",
    )(function)


def _no_progress_option(function: Any) -> Any:
    return click.option(
        "--no-progress",
        is_flag=True,
        help="Do not show the progress bar (it shows only on a terminal).",
    )(function)


def _suppress_option(function: Any) -> Any:
    function = click.option(
        "--suppress-skip-bad-lines",
        is_flag=True,
        help="Go on past lines of a do-not-call list that cannot be read: they are left out "
        "and counted (summary, report.xlsx). Without it such a line stops the run before "
        "anything is sent [default: the profile's suppress_skip_bad_lines].",
    )(function)
    return click.option(
        "--suppress",
        multiple=True,
        metavar="FILE",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Do-not-call list (repeatable): a text file of numbers, one a line (the registry's "
        "download, also as area code,number), or a CSV or workbook with phone columns, or a "
        ".gz or .zip of them; prefixes as 718*, 718-XXX-XXXX or 718-274-XXXX. A row whose "
        "phone is listed is never sent; a line that cannot be read stops the run [default: "
        "the profile's suppress].",
    )(function)


def _debug_option(function: Any) -> Any:
    return click.option(
        "--debug", is_flag=True, expose_value=False, help="Show the full traceback on errors."
    )(function)


def _base_url_option(function: Any) -> Any:
    function = click.option(
        "--insecure-http",
        is_flag=True,
        help="Allow a plain http:// API address on another machine (test servers only).",
    )(function)
    return click.option(
        "--base-url",
        metavar="URL",
        help="API base URL [default: $WHITECLAD_BASE_URL, else the Whiteclad service].",
    )(function)


def _warn_insecure(base_url: str | None, insecure_http: bool) -> None:
    """Warn when --insecure-http lets the client secret cross the network."""
    if insecure_http:
        warning = insecure_http_warning(resolve_base_url(base_url), insecure_http)
        if warning is not None:
            click.echo(f"Warning: {warning}", err=True)


def _state_dir_option(function: Any) -> Any:
    return click.option(
        "--state-dir",
        type=click.Path(path_type=Path, file_okay=False),
        help="Folder of the run ledger [default: $WHITECLAD_STATE_DIR, else "
        "~/.local/state/whiteclad-import].",
    )(function)


def _settings_options(function: Any) -> Any:
    function = click.option(
        "--profile",
        metavar="NAME",
        help="Profile of the config file to use [default: $WHITECLAD_PROFILE, else the file's "
        "default_profile].",
    )(function)
    return click.option(
        "--config",
        "config_path",
        type=click.Path(path_type=Path, dir_okay=False),
        help="Config file [default: $WHITECLAD_CONFIG, else ./whiteclad.yaml, else "
        "~/.config/whiteclad-import/whiteclad.yaml].",
    )(function)


def _log_options(function: Any) -> Any:
    function = click.option(
        "--log-format",
        type=click.Choice(FORMATS),
        help="Event log format: text, or one JSON object per line [default: text].",
    )(function)
    return click.option(
        "--log-file",
        type=click.Path(path_type=Path, dir_okay=False),
        help="Append the event log to this file (never holds a secret).",
    )(function)


@contextlib.contextmanager
def _event_log(
    log_file: Path | None, log_format: str | None, always: bool, profile: str | None = None
) -> Iterator[None]:
    """Send the library's events to the log file, or to stderr when asked or ``always``;
    every event carries ``profile``."""
    if log_file is None and log_format is None and not always:
        yield
        return
    with event_log(log_file, log_format or "text", sys.stderr), bound_fields(profile=profile):
        yield


def _json_option(function: Any) -> Any:
    return click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")(function)


@click.group(
    cls=DefaultCommandGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(__version__, "--version", prog_name="whiteclad-import")
@_debug_option
def cli() -> None:
    """Import lead lists into the Whiteclad Noble AI dialer, every row accounted for.

    \b
    Example:
      whiteclad-import leads.csv --mapping facebook --dry-run
    """


@cli.command("import")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--mapping",
    "-m",
    metavar="PATH|NAME",
    help="Column mapping: a YAML file, or a built-in name (facebook, hubspot, apollo, ...; "
    "'whiteclad-import mappings' lists them) [default: the profile's].",
)
@click.option(
    "--campaign",
    "-c",
    metavar="ID|NAME",
    help="Campaign to import into: its 24-hex id or its name [default: the mapping's].",
)
@click.option(
    "--dry-run",
    is_flag=True,
    help="Check and normalize every row and write the reports; send nothing, no credentials.",
)
@click.option(
    "--write-leads",
    is_flag=True,
    help="With --dry-run, also write leads.jsonl: the exact lead each accepted row would send.",
)
@click.option(
    "--no-workbook",
    is_flag=True,
    help="Do not write report.xlsx (the CSV reports are always written).",
)
@click.option(
    "--batch-size",
    type=click.IntRange(1, MAX_BATCH),
    help="Leads per request (the API takes at most 1000) [default: 1000].",
)
@click.option(
    "--sandbox",
    "use_sandbox",
    is_flag=True,
    help="Send to an embedded sandbox server on this machine (temporary data, no credentials).",
)
@_base_url_option
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Report folder [default: ./whiteclad-reports/<file>-<time>/].",
)
@click.option(
    "--region",
    metavar="CC",
    help="Default country for phone numbers without a country code (US, GB, ...); "
    "overrides the mapping's region.",
)
@click.option(
    "--lenient",
    is_flag=True,
    help="Drop a bad email, priority, tags or timeZone value (with a warning) instead of "
    "rejecting the row. A bad phone always rejects the row.",
)
@_reject_phone_type_option
@_no_infer_timezone_option
@_send_company_lines_option
@_suppress_option
@click.option("--encoding", help="Text encoding of a CSV file [default: detected].")
@click.option(
    "--delimiter", help="Delimiter of a CSV file: ',', ';', '|' or 'tab' [default: detected]."
)
@click.option(
    "--sheet",
    metavar="NAME|N",
    help="Workbook sheet by name or position (1 = first) [default: the active sheet, else the "
    "first visible one].",
)
@_header_row_option
@click.option(
    "--workers",
    type=click.IntRange(min=0),
    metavar="N",
    help="Processes that validate rows [default: every core, at most 2, for files of 4 MB "
    "or more; 0: this process only].",
)
@click.option(
    "--chunk-rows",
    type=click.IntRange(min=1),
    default=CHUNK_ROWS,
    show_default=True,
    help="Rows processed at a time; bounds memory on large files.",
)
@click.option(
    "--state-dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Folder of the run ledger and locks [default: $WHITECLAD_STATE_DIR, else "
    "~/.local/state/whiteclad-import].",
)
@click.option(
    "--fresh",
    is_flag=True,
    help="Start over instead of resuming an earlier run of the same command.",
)
@click.option(
    "--rate-limit",
    type=click.IntRange(min=0),
    metavar="N",
    help="Requests per minute to pace to (0: no pacing) [default: what the API reports, else 60].",
)
@click.option(
    "--max-retries",
    type=click.IntRange(0, 1000),
    metavar="N",
    help="Retries of a request after a 5xx, a timeout, a dropped connection or a 429 "
    "[default: 20; bounded by --retry-patience].",
)
@click.option(
    "--retry-backoff",
    metavar="DURATION",
    help="First wait before a retry, in seconds or like 2s; it doubles with each retry "
    "(with jitter), up to --retry-max-backoff [default: 1s].",
)
@click.option(
    "--retry-max-backoff",
    metavar="DURATION",
    help="Longest wait between two retries, e.g. 60s or 2m [default: 60s].",
)
@click.option(
    "--retry-patience",
    metavar="DURATION",
    help="Longest time one request is retried, its tries and waits together, e.g. 10m; past "
    "it the run stops with exit 75 and the rows not sent in pending.csv [default: 5m].",
)
@_no_progress_option
@_max_size_option
@_log_options
@_settings_options
@_debug_option
def import_command(
    file: Path,
    mapping: str | None,
    campaign: str | None,
    dry_run: bool,
    write_leads: bool,
    no_workbook: bool,
    batch_size: int | None,
    use_sandbox: bool,
    base_url: str | None,
    insecure_http: bool,
    out_dir: Path | None,
    region: str | None,
    lenient: bool,
    reject_phone_types: tuple[str, ...],
    no_infer_timezone: bool,
    send_company_lines: bool,
    suppress: tuple[Path, ...],
    suppress_skip_bad_lines: bool,
    encoding: str | None,
    delimiter: str | None,
    sheet: str | None,
    header_row: int | None,
    workers: int | None,
    chunk_rows: int,
    state_dir: Path | None,
    fresh: bool,
    rate_limit: int | None,
    max_retries: int | None,
    retry_backoff: str | None,
    retry_max_backoff: str | None,
    retry_patience: str | None,
    no_progress: bool,
    max_file_size: int,
    log_file: Path | None,
    log_format: str | None,
    config_path: Path | None,
    profile: str | None,
) -> None:
    """Import FILE (CSV, TSV, XLSX, XLSM, XLS or ODS) using a column mapping.

    \b
    Credentials come from WHITECLAD_CLIENT_ID and WHITECLAD_CLIENT_SECRET (never from
    the command line); --dry-run and --sandbox need none.

    \b
    Examples:
      whiteclad-import leads.csv --mapping facebook --campaign 65f2a1b2c3d4e5f6a7b8c9d0
      whiteclad-import leads.csv --mapping facebook --dry-run
      whiteclad-import crm.xlsx -m generic --region US --sheet Leads --campaign "Spring Promo"
      whiteclad-import titled.csv -m generic --region US --header-row 3 --dry-run
      whiteclad-import leads.csv --mapping facebook --campaign "Spring Promo 2026" --sandbox
    """
    from .interrupt import graceful_stop
    from .options import import_options
    from .reader import ReadOptions
    from .render import ProgressBar

    stderr = sys.stderr
    settings = load_settings(
        {"mapping": mapping, "campaign": campaign, "region": region, "batch_size": batch_size,
         "base_url": base_url, "state_dir": state_dir, "rate_limit": rate_limit,
         "reject_phone_types": frozenset(reject_phone_types) or None,
         "infer_time_zone": False if no_infer_timezone else None,
         "suppress": suppress or None,
         "suppress_skip_bad_lines": True if suppress_skip_bad_lines else None,
         **retry_given(max_retries, retry_backoff, retry_max_backoff, retry_patience)},
        config=config_path, profile=profile,
    )  # fmt: skip
    read = ReadOptions(
        encoding=encoding,
        delimiter=delimiter,
        sheet=sheet,
        header_row=header_row,
        chunk_rows=chunk_rows,
        max_file_size=max_file_size,
    )
    with embedded_sandbox(use_sandbox and not dry_run) as sandbox:
        options = import_options(
            settings,
            file,
            dry_run=dry_run,
            out_dir=out_dir,
            lenient=lenient,
            send_company_lines=send_company_lines,
            read=read,
            fresh=fresh,
            workers=workers,
            write_leads=write_leads,
            workbook=not no_workbook,
            insecure_http=insecure_http,
            endpoint=sandbox,
        )
        if sandbox is not None:
            click.echo(f"Sandbox: {sandbox.base_url} (temporary data)", err=True)
        _warn_insecure(options.base_url, options.insecure_http)
        progress = ProgressBar(stderr, enabled=not no_progress and stderr.isatty())
        with (
            _event_log(log_file, log_format, always=False, profile=settings.profile),
            graceful_stop(stderr) as stop,
        ):
            summary = run_import(options, progress, stop)
    click.echo(end_of_run_text(summary), err=True)
    click.get_current_context().exit(exit_status(summary))


def run_import(
    options: ImportOptions, progress: Progress | None, stop: Callable[[], bool]
) -> Summary:
    """Run one import with :func:`importer.pipeline.run_import`, imported on first use."""
    from .pipeline import run_import as run

    return run(options, progress, stop)


def end_of_run_text(summary: Summary) -> str:
    """Return the summary printed at the end of an import, with the sheet and header read."""
    from .render import summary_text
    from .workbook import source_lines

    lines = summary_text(summary).splitlines()
    extra = [f"{label}: {text}" for label, text in source_lines(summary.source)]
    at = next((i for i, line in enumerate(lines) if line.startswith("Reports: ")), len(lines))
    return "\n".join([*lines[:at], *extra, *lines[at:]])


@cli.command("sandbox")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8080, show_default=True,
              help="Port to listen on (0: any free port).")  # fmt: skip
@click.option(
    "--db",
    type=click.Path(path_type=Path, dir_okay=False),
    help="SQLite file that keeps campaigns, leads and credits across restarts "
    "[default: a temporary file].",
)
@click.option("--credits", type=click.FloatRange(min=0), default=1000.0, show_default=True,
              help="Credit balance of a new database.")  # fmt: skip
@click.option("--rate-limit", type=click.IntRange(min=0), default=60, show_default=True,
              help="Requests allowed per minute (0: no limit).")  # fmt: skip
@click.option("--fail-rate", type=click.FloatRange(0, 1), default=0.0, show_default=True,
              help="Fraction of requests answered 500.")  # fmt: skip
@click.option("--throttle-rate", type=click.FloatRange(0, 1), default=0.0, show_default=True,
              help="Fraction of requests answered 429 (Retry-After: 1).")  # fmt: skip
@click.option("--drop-rate", type=click.FloatRange(0, 1), default=0.0, show_default=True,
              help="Fraction of POST /leads stored, then left without an answer.")  # fmt: skip
@click.option("--latency", type=click.FloatRange(min=0), default=0.0, show_default=True,
              help="Seconds added to every answer.")  # fmt: skip
@_debug_option
def sandbox_command(
    host: str,
    port: int,
    db: Path | None,
    credits: float,
    rate_limit: int,
    fail_rate: float,
    throttle_rate: float,
    drop_rate: float,
    latency: float,
) -> None:
    """Run a local server that behaves like the Whiteclad lead API, until Ctrl-C.

    It prints its base URL and credentials as export lines, and seeds a few
    campaigns. Point imports at it to try the whole flow without spending credits.

    \b
    Example:
      whiteclad-import sandbox --port 8080 --db sandbox.sqlite3
    """
    from .sandbox import SandboxConfig, serve

    config = SandboxConfig(
        credits=credits,
        rate_limit=rate_limit,
        fail_rate=fail_rate,
        throttle_rate=throttle_rate,
        drop_rate=drop_rate,
        latency=latency,
        db_path=db,
    )
    serve(config, host, port)


@cli.command("ui")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Loopback address to listen on (127.0.0.1, ::1 or localhost).")  # fmt: skip
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True,
              help="Port to listen on (0: any free port).")  # fmt: skip
@click.option("--no-open", is_flag=True, help="Print the link but do not open a browser.")
@click.option("--try", "try_mode", is_flag=True,
              help="Send to a sandbox on this machine (no credentials needed).")  # fmt: skip
@_max_size_option
@_state_dir_option
@_settings_options
@_debug_option
def ui_command(
    host: str,
    port: int,
    no_open: bool,
    try_mode: bool,
    max_file_size: int,
    state_dir: Path | None,
    config_path: Path | None,
    profile: str | None,
) -> None:
    """Open the import page in a browser on this machine, until Ctrl-C.

    It prints a link with a one-time token; upload a file, map its columns, review
    the rows, send them and download the reports. Settings and credentials come from
    the same places as for the other commands.

    \b
    Examples:
      whiteclad-import ui
      whiteclad-import ui --try --no-open
    """
    from .web.server import serve_ui  # the page's dependencies load only for this command

    serve_ui(
        host=host,
        port=port,
        open_browser=not no_open,
        try_mode=try_mode,
        max_file_size=max_file_size,
        state_dir=state_dir,
        config=config_path,
        profile=profile,
    )


@cli.group("runs", invoke_without_command=True)
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True)
@_state_dir_option
@_json_option
@_settings_options
@_debug_option
@click.pass_context
def runs_group(
    ctx: click.Context,
    limit: int,
    state_dir: Path | None,
    as_json: bool,
    config_path: Path | None,
    profile: str | None,
) -> None:
    """List recent imports recorded in the ledger, newest first.

    \b
    Examples:
      whiteclad-import runs
      whiteclad-import runs show 3
    """
    if ctx.invoked_subcommand is not None:
        return
    settings = load_settings({"state_dir": state_dir}, config=config_path, profile=profile)
    runs = recent_runs(settings["state_dir"], limit)
    if as_json:
        _print_json([{**run.__dict__, "latest_status": run.latest_status} for run in runs])
    else:
        from .render import run_table

        click.echo(run_table(runs))


@runs_group.command("show")
@click.argument("run_id", type=int)
@_state_dir_option
@_settings_options
@_debug_option
def runs_show_command(
    run_id: int, state_dir: Path | None, config_path: Path | None, profile: str | None
) -> None:
    """Print one run of the ledger, with its summary, as JSON.

    \b
    Example:
      whiteclad-import runs show 3
    """
    settings = load_settings({"state_dir": state_dir}, config=config_path, profile=profile)
    run = ledger_run(settings["state_dir"], run_id)
    _print_json({**run.__dict__, "latest_status": run.latest_status})


@cli.command("prune")
@click.argument("inbox", required=False, type=click.Path(path_type=Path, file_okay=False))
@click.option("--archive", "archive_dir", type=click.Path(path_type=Path, file_okay=False),
              help="The drain's archive [default: INBOX/archive].")  # fmt: skip
@click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False),
              help="The folder of report folders [default: INBOX/reports].")  # fmt: skip
@click.option("--keep", "keep", multiple=True, metavar="KIND=AGE",
              help="Keep archive, reports or ledger this long, e.g. ledger=180d "
              "[default: the profile's retention].")  # fmt: skip
@click.option("--dry-run", is_flag=True, help="List what would be removed; remove nothing.")
@_state_dir_option
@_json_option
@_settings_options
@_debug_option
def prune_command(
    inbox: Path | None,
    archive_dir: Path | None,
    out_dir: Path | None,
    keep: tuple[str, ...],
    dry_run: bool,
    state_dir: Path | None,
    as_json: bool,
    config_path: Path | None,
    profile: str | None,
) -> None:
    """Remove archived files, report folders and ledger runs older than their limits.

    The limits are the profile's `retention` (archive, reports, ledger: 90d, 12w),
    or --keep. Ledger runs with rows left to send are kept, however old. It says
    what it removed; --dry-run only lists it.

    \b
    Examples:
      whiteclad-import prune inbox --profile nightly
      whiteclad-import prune inbox --keep archive=30d --keep ledger=180d --dry-run
    """
    from .config import parse_retention
    from .retention import prune

    settings = load_settings({"state_dir": state_dir}, config=config_path, profile=profile)
    retention = dict(settings["retention"] or {})
    pairs = [item.partition("=") for item in keep]
    if any(not sep for _, sep, _ in pairs):
        raise UsageError("--keep takes KIND=AGE, such as --keep ledger=180d")
    retention.update(parse_retention({k: v for k, _, v in pairs}, "--keep"))
    if not retention:
        raise UsageError(
            "nothing to prune: set retention (archive, reports, ledger) in the profile, "
            "or give --keep KIND=AGE, such as --keep ledger=180d"
        )
    inbox = inbox or settings["inbox"]
    archive_dir = archive_dir or settings["archive_dir"]
    out_dir = out_dir or settings["out_dir"]
    if inbox is not None:
        archive_dir = archive_dir or inbox / "archive"
        out_dir = out_dir or inbox / "reports"
    result = prune(retention, state_dir=settings["state_dir"], archive_dir=archive_dir,
                   reports_dir=out_dir, dry_run=dry_run)  # fmt: skip
    if as_json:
        _print_json({**result.__dict__, "counts": result.counts(), "retention_days": retention})
    else:
        from .render import prune_text

        click.echo(prune_text(result))


@cli.command("drain")
@click.argument("inbox", required=False, type=click.Path(path_type=Path, file_okay=False))
@click.option("--mapping", "-m", metavar="PATH|NAME",
              help="Column mapping for every file [default: the profile's].")  # fmt: skip
@click.option("--campaign", "-c", metavar="ID|NAME",
              help="Campaign [default: the profile's, else the mapping's].")  # fmt: skip
@click.option("--archive", "archive_dir", type=click.Path(path_type=Path, file_okay=False),
              help="Where imported files go, by day [default: INBOX/archive].")  # fmt: skip
@click.option("--failed", "failed_dir", type=click.Path(path_type=Path, file_okay=False),
              help="Where files that cannot be imported go [default: INBOX/failed].")  # fmt: skip
@click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False),
              help="Where each drain's reports go [default: INBOX/reports].")  # fmt: skip
@click.option("--settle-seconds", type=click.FloatRange(min=0), metavar="SECONDS",
              help="Leave files modified more recently than this for the next run "
              "[default: 60].")  # fmt: skip
@click.option("--metrics-file", type=click.Path(path_type=Path, dir_okay=False),
              help="Rewrite this Prometheus text file at the end of every drain (for the node "
              "exporter's textfile collector).")  # fmt: skip
@click.option("--watch", is_flag=True, help="Keep running; drain whenever files arrive.")
@click.option("--poll", type=click.FloatRange(min=0.1), default=30.0, show_default=True,
              metavar="SECONDS", help="With --watch, how often to look at the inbox.")  # fmt: skip
@click.option("--notify-url", metavar="URL",
              help="POST the drain summary (Slack-compatible JSON) here when a drain needs a "
              "person (see --notify-on).")  # fmt: skip
@click.option("--notify-on", type=click.Choice(["failures", "always", "never"]),
              help="When to POST to --notify-url [default: failures].")  # fmt: skip
@click.option("--notify-rejected-over", metavar="N|P%",
              help="More rejected rows than this (a count, or a share like 5%) make a drain "
              "a failure [default: 10%].")  # fmt: skip
@click.option("--region", metavar="CC", help="Default country for phones without a country code.")
@click.option("--lenient", is_flag=True, help="Drop bad optional values instead of rejecting.")
@_reject_phone_type_option
@_no_infer_timezone_option
@_suppress_option
@click.option("--batch-size", type=click.IntRange(1, MAX_BATCH),
              help="Leads per request [default: 1000].")  # fmt: skip
@click.option("--rate-limit", type=click.IntRange(min=0), metavar="N",
              help="Requests per minute (0: no pacing) [default: the API's].")  # fmt: skip
@_header_row_option
@_base_url_option
@_max_size_option
@_no_progress_option
@_state_dir_option
@_log_options
@_settings_options
@_debug_option
def drain_command(
    inbox: Path | None,
    mapping: str | None,
    campaign: str | None,
    archive_dir: Path | None,
    failed_dir: Path | None,
    out_dir: Path | None,
    metrics_file: Path | None,
    settle_seconds: float | None,
    watch: bool,
    poll: float,
    notify_url: str | None,
    notify_on: str | None,
    notify_rejected_over: str | None,
    region: str | None,
    lenient: bool,
    reject_phone_types: tuple[str, ...],
    no_infer_timezone: bool,
    suppress: tuple[Path, ...],
    suppress_skip_bad_lines: bool,
    batch_size: int | None,
    rate_limit: int | None,
    header_row: int | None,
    base_url: str | None,
    insecure_http: bool,
    max_file_size: int,
    no_progress: bool,
    state_dir: Path | None,
    log_file: Path | None,
    log_format: str | None,
    config_path: Path | None,
    profile: str | None,
) -> None:
    """Import every file that arrived in INBOX, then move each to the archive or failed/.

    Files are taken oldest first; files still being written are left for the next
    run, content imported before is not imported again, and one drain per inbox
    runs at a time (a second exits 4). The exit status is the most severe of the files'
    (the highest, but passing API trouble, 75, ranks just above rejected rows).
    INBOX and every folder can come from the profile (inbox, archive_dir, failed_dir,
    out_dir, log_file, metrics_file, state_dir); options given here win.

    \b
    Examples:
      whiteclad-import drain /srv/leads/inbox --mapping facebook --campaign "Spring Promo 2026"
      whiteclad-import drain --profile acme
      whiteclad-import drain inbox --profile nightly --log-file drain.log --log-format json
      whiteclad-import drain inbox --profile nightly --watch --poll 60
    """
    from .config import parse_notify_on, parse_rejected_over
    from .drain import drain_inbox, drain_options, notify_reasons, should_notify
    from .drain import notify as drain_notify
    from .drain import watch as drain_watch
    from .interrupt import graceful_stop
    from .reader import ReadOptions
    from .render import ProgressBar

    settings = load_settings(
        {"mapping": mapping, "campaign": campaign, "region": region, "batch_size": batch_size,
         "base_url": base_url, "state_dir": state_dir, "rate_limit": rate_limit,
         "settle_seconds": settle_seconds, "notify_url": notify_url, "notify_on": notify_on,
         "notify_rejected_over": notify_rejected_over,
         "reject_phone_types": frozenset(reject_phone_types) or None,
         "infer_time_zone": False if no_infer_timezone else None,
         "suppress": suppress or None,
         "suppress_skip_bad_lines": True if suppress_skip_bad_lines else None,
         "inbox": inbox, "archive_dir": archive_dir, "failed_dir": failed_dir,
         "out_dir": out_dir, "log_file": log_file, "metrics_file": metrics_file},
        config=config_path, profile=profile,
    )  # fmt: skip
    inbox = _inbox(settings)
    options = drain_options(
        settings,
        inbox,
        lenient=lenient,
        read=ReadOptions(max_file_size=max_file_size, header_row=header_row),
        insecure_http=insecure_http,
    )
    _warn_insecure(options.template.base_url, options.template.insecure_http)
    level = parse_notify_on(settings["notify_on"])
    rejected_over = parse_rejected_over(settings["notify_rejected_over"])
    status = 0
    message = "Stopping after the file in hand (Ctrl-C again to stop at once)..."
    # The same bar as an import's, file by file, when a person watches a terminal.
    progress = ProgressBar(sys.stderr, enabled=not no_progress and sys.stderr.isatty())
    log_file = settings["log_file"]

    def notify(summary: DrainSummary) -> None:
        # Called by the drain however it ends (an exception, a full disk, a stop included).
        reasons = notify_reasons(summary, rejected_over)
        # --watch drains every poll: an empty pass is not worth a message, even "always".
        wanted = should_notify(level, reasons) and (summary.files or reasons or not watch)
        if settings["notify_url"] and wanted:
            drain_notify(settings["notify_url"], summary, reasons=reasons)

    with _event_log(log_file, log_format, always=True), graceful_stop(sys.stderr, message) as stop:
        passes = (
            drain_watch(options, stop, poll, progress=progress, on_finish=notify)
            if watch
            else iter([drain_inbox(options, stop, progress=progress, on_finish=notify)])
        )
        for summary in passes:
            status = most_severe(status, summary.exit_status)
            if settings["metrics_file"] is not None:
                _write_drain_metrics(settings["metrics_file"], summary, settings.profile)
            if summary.files or not watch:
                click.echo(f"Drain summary: {summary.summary_path}", err=True)
    click.get_current_context().exit(status)


def _inbox(settings: Settings) -> Path:
    """The inbox: INBOX, else the profile's ``inbox``; UsageError when neither names one."""
    inbox: Path | None = settings["inbox"]
    if inbox is None:
        raise UsageError(
            "no inbox: give INBOX, or set inbox in the profile (then --profile NAME is enough)"
        )
    return inbox


def _write_drain_metrics(path: Path, summary: DrainSummary, profile: str | None) -> None:
    """Rewrite the metrics file of a drain, keeping the last success of earlier drains."""
    from .drain import ready_files
    from .metrics import drain_metrics, last_success, write_metrics

    try:
        ready, waiting = ready_files(Path(summary.inbox), 0.0)
        left = len(ready) + len(waiting)
    except ImporterError:
        left = 0  # the inbox is gone: the summary says why
    metrics = drain_metrics(summary.to_dict(), profile=profile, inbox_files=left,
                            previous=last_success(path))  # fmt: skip
    write_metrics(path, metrics)


@cli.command("health")
@click.argument("inbox", required=False, type=click.Path(path_type=Path, file_okay=False))
@click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False),
              help="The drain's reports folder [default: the profile's out_dir, else "
              "INBOX/reports].")  # fmt: skip
@click.option("--max-age", default="26h", show_default=True, metavar="DURATION",
              help="The last drain must have finished this recently, e.g. 26h or 90m.")  # fmt: skip
@_json_option
@_settings_options
@_debug_option
def health_command(
    inbox: Path | None,
    out_dir: Path | None,
    max_age: str,
    as_json: bool,
    config_path: Path | None,
    profile: str | None,
) -> None:
    """Check that an account's last drain finished lately and needs no one (for monitoring).

    Exits 0 (OK) when the last drain finished within --max-age with exit 0 or 1;
    1 (WARNING) when it left files for passing API trouble (75); 2 (CRITICAL) when no
    drain finished within --max-age (not run, hung, killed) or ever, or the last one
    ended with a status that needs a person; 3 (UNKNOWN) when its summary cannot be
    read or the settings name no inbox. It prints one line, as Nagios, Icinga and
    healthchecks-style checks expect.

    \b
    Examples:
      whiteclad-import health --profile acme
      whiteclad-import health /srv/leads/acme/inbox --max-age 90m
    """
    from .connection import parse_duration
    from .health import Health, HealthStatus, check_health

    try:
        settings = load_settings({"inbox": inbox, "out_dir": out_dir}, config=config_path,
                                 profile=profile)  # fmt: skip
        seconds = parse_duration(max_age, "--max-age")
        folder: Path | None = settings["out_dir"]
        if folder is None:
            folder = _inbox(settings) / "reports"
    except ImporterError as exc:
        # A check that cannot be made is UNKNOWN to a monitor, not a failed drain.
        verdict = Health(HealthStatus.UNKNOWN, f"the check cannot be made: {exc.message}")
        click.echo(verdict.line(profile or "drain"))
        click.get_current_context().exit(int(verdict.status))
    verdict = check_health(folder, seconds)
    if as_json:
        _print_json({**verdict.__dict__, "status": verdict.status.name,
                     "exit_code": int(verdict.status), "profile": settings.profile})  # fmt: skip
    else:
        click.echo(verdict.line(settings.profile or "drain"))
    click.get_current_context().exit(int(verdict.status))


@cli.group("config")
def config_group() -> None:
    """Check the config file and the effective settings.

    \b
    Example:
      whiteclad-import config check --profile nightly
    """


@config_group.command("check")
@_json_option
@_settings_options
@_debug_option
def config_check_command(as_json: bool, config_path: Path | None, profile: str | None) -> None:
    """Show each effective setting and where it came from (secrets masked); check them.

    Exits 2 when a setting cannot be used (an unknown mapping or region, a bad base URL).

    \b
    Examples:
      whiteclad-import config check
      whiteclad-import config check --profile nightly --json
    """
    settings = load_settings(config=config_path, profile=profile)
    report = config_report(settings)
    problems: list[str] = report["problems"]
    if as_json:
        _print_json(report)
    else:
        click.echo(f"config file  {settings.config_path or '(none found)'}")
        click.echo(f"profile      {settings.profile or '(none)'}")
        rows = settings.describe()
        width = max(len(name) for name, _, _ in rows)
        value_width = min(48, max(len(value) for _, value, _ in rows))
        for name, value, source in rows:
            click.echo(f"  {name.ljust(width)}  {value.ljust(value_width)}  {source}")
        for problem in problems:
            click.echo(f"Problem: {problem}", err=True)
    if problems:
        raise click.exceptions.Exit(ExitStatus.CANNOT_START)


# --- mappings -------------------------------------------------------------------------


def _read_options(function: Any) -> Any:
    """--encoding, --delimiter, --sheet and --header-row, for commands that read a lead file."""
    function = _header_row_option(function)
    function = click.option("--sheet", metavar="NAME|N", help="Workbook sheet [default: active].")(
        function
    )
    function = click.option("--delimiter", help="CSV delimiter [default: sniffed].")(function)
    return click.option("--encoding", help="Text encoding of a CSV file [default: detected].")(
        function
    )


@cli.command("mappings")
@_json_option
@_debug_option
def mappings_command(as_json: bool) -> None:
    """List the built-in mappings, one line each.

    \b
    Example:
      whiteclad-import mappings
    """
    found = builtin_mapping_list()
    if as_json:
        _print_json(found)
        return
    width = max(len(name) for name in found)
    for name, mapping in found.items():
        click.echo(f"{name.ljust(width)}  {mapping['description']}")


@cli.group("mapping")
def mapping_group() -> None:
    """Write a mapping for a new kind of file, or preview what a mapping does with one.

    \b
    Examples:
      whiteclad-import mapping suggest export.csv --out export.yaml
      whiteclad-import mapping check export.csv --mapping export.yaml
    """


@mapping_group.command("suggest")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--out", "out_path", type=click.Path(path_type=Path, dir_okay=False),
              help="Write the mapping to this file [default: print it].")  # fmt: skip
@click.option("--force", is_flag=True, help="Overwrite the --out file if it exists.")
@_read_options
@_debug_option
def mapping_suggest_command(
    file: Path,
    out_path: Path | None,
    force: bool,
    encoding: str | None,
    delimiter: str | None,
    sheet: str | None,
    header_row: int | None,
) -> None:
    """Suggest a mapping for FILE from its headers and a sample of its values.

    Each line of the mapping says how sure the match is and why. When a built-in
    mapping reads the file, the mapping's first lines name it.

    \b
    Examples:
      whiteclad-import mapping suggest export.csv
      whiteclad-import mapping suggest export.xlsx --out mine.yaml
      whiteclad-import mapping check export.xlsx --mapping mine.yaml
    """
    from .reader import ReadOptions
    from .suggest import suggest_mapping

    read = ReadOptions(encoding=encoding, delimiter=delimiter, sheet=sheet, header_row=header_row)
    suggestion = suggest_mapping(file, read)
    text = suggestion.to_yaml()
    if out_path is None:
        click.echo(text, nl=False)
    else:
        if out_path.exists() and not force:
            raise UsageError(f"{out_path} exists; choose another --out, or add --force")
        try:
            out_path.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"cannot write {out_path} ({exc.strerror})") from exc
        click.echo(f"Wrote {out_path}. Preview it with:", err=True)
        click.echo(f"  whiteclad-import mapping check {file} --mapping {out_path}", err=True)
    if suggestion.builtin is not None:
        fit = suggestion.builtin
        click.echo(
            f"Note: the built-in mapping '{fit.name}' reads {fit.columns_read} of the file's "
            f"{fit.columns} columns; --mapping {fit.name} may be all you need.",
            err=True,
        )
    if "phone" not in suggestion.fields:
        click.echo("Note: no column looks like a phone number; fill in fields.phone.", err=True)


@mapping_group.command("check")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--mapping", "-m", "mapping_ref", required=True, metavar="PATH|NAME",
              help="Mapping file or built-in mapping name.")  # fmt: skip
@click.option("--region", metavar="CC", help="Default country for phones without a country code.")
@click.option("--rows", type=click.IntRange(1, 50), default=5, show_default=True,
              help="How many rows to show.")  # fmt: skip
@_read_options
@_debug_option
def mapping_check_command(
    file: Path,
    mapping_ref: str,
    region: str | None,
    rows: int,
    encoding: str | None,
    delimiter: str | None,
    sheet: str | None,
    header_row: int | None,
) -> None:
    """Show how MAPPING fills each lead field from FILE: the first values, as read and as sent.

    Nothing is sent. Exits 2 when the mapping does not fit the file's columns.

    \b
    Examples:
      whiteclad-import mapping check hubspot.csv --mapping hubspot
      whiteclad-import mapping check leads.xlsx -m mine.yaml --region US --rows 10
    """
    from .mapping import check_region
    from .reader import ReadOptions
    from .suggest import preview_mapping

    read = ReadOptions(encoding=encoding, delimiter=delimiter, sheet=sheet, header_row=header_row)
    preview = preview_mapping(file, mapping_ref, region=check_region(region), rows=rows,
                              read=read)  # fmt: skip
    click.echo(f"{preview.mapping.label} on {file}, first {preview.rows} rows:")
    for item in preview.fields:
        click.echo(f"\n{item.field}  <- {item.source}")
        for row, before, after in item.samples:
            click.echo(f"  row {row:<5} {_clip(before):<32} -> {after}")
    if preview.absent_optional:
        missing = ", ".join(f"'{c}'" for c in preview.absent_optional)
        click.echo(f"\nOptional columns the file does not have: {missing}")
    if preview.unread:
        click.echo(f"Columns not imported: {', '.join(repr(c) for c in preview.unread)}")
    click.echo(f"\n{preview.rejected} of these {preview.rows} rows would be rejected.")


def _clip(text: str, width: int = 32) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


# --- API information commands -------------------------------------------------------


def _client(
    base_url: str | None, insecure_http: bool, config_path: Path | None, profile: str | None
) -> ApiClient:
    settings = load_settings({"base_url": base_url}, config=config_path, profile=profile)
    client = api_client(settings, insecure_http=insecure_http)
    _warn_insecure(client.base_url, insecure_http)
    return client


def _print_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


@cli.command("campaigns")
@click.option("--status", type=click.Choice(["active", "paused", "completed"]), help="Filter.")
@click.option("--search", metavar="TEXT", help="Only campaigns whose name contains TEXT.")
@_json_option
@_base_url_option
@_settings_options
@_debug_option
def campaigns_command(
    status: str | None,
    search: str | None,
    as_json: bool,
    base_url: str | None,
    insecure_http: bool,
    config_path: Path | None,
    profile: str | None,
) -> None:
    """List the campaigns this client can import into (all pages).

    \b
    Example:
      whiteclad-import campaigns --status active --search spring
    """
    from .render import campaign_table

    with _client(base_url, insecure_http, config_path, profile) as client:
        found = ask(lambda: list(client.iter_campaigns(status=status, search=search)))
    if as_json:
        _print_json([campaign.raw for campaign in found])
    else:
        click.echo(campaign_table(found))


@cli.command("campaign")
@click.argument("campaign_id")
@_json_option
@_base_url_option
@_settings_options
@_debug_option
def campaign_command(
    campaign_id: str,
    as_json: bool,
    base_url: str | None,
    insecure_http: bool,
    config_path: Path | None,
    profile: str | None,
) -> None:
    """Show one campaign with its lead statistics.

    \b
    Example:
      whiteclad-import campaign 65f2a1b2c3d4e5f6a7b8c9d0
    """
    with _client(base_url, insecure_http, config_path, profile) as client:
        campaign = ask(lambda: client.get_campaign(campaign_id))
    if as_json:
        _print_json(campaign.raw)
    else:
        click.echo(_key_values(campaign.raw))


@cli.command("status")
@_json_option
@_base_url_option
@_settings_options
@_debug_option
def status_command(
    as_json: bool,
    base_url: str | None,
    insecure_http: bool,
    config_path: Path | None,
    profile: str | None,
) -> None:
    """Check the connection, the organization and the credit balance.

    \b
    Example:
      whiteclad-import status
    """
    with _client(base_url, insecure_http, config_path, profile) as client:
        status = ask(client.status)
    if as_json:
        _print_json(status.raw)
    else:
        click.echo(f"client        {status.client_id}")
        click.echo(f"organization  {status.organization}")
        click.echo(f"credits       {status.balance if status.balance is not None else '?'}")
        created = status.total_leads_created
        click.echo(f"leads created {created if created is not None else '?'}")


@cli.command("rate-limits")
@_json_option
@_base_url_option
@_settings_options
@_debug_option
def rate_limits_command(
    as_json: bool,
    base_url: str | None,
    insecure_http: bool,
    config_path: Path | None,
    profile: str | None,
) -> None:
    """Show the current consumption of the API's rate limit.

    \b
    Example:
      whiteclad-import rate-limits --json
    """
    with _client(base_url, insecure_http, config_path, profile) as client:
        body = ask(client.rate_limits)
    if as_json:
        _print_json(body)
    else:
        click.echo(_key_values(body.get("data", body)))


def _key_values(data: Any, indent: str = "") -> str:
    """Render nested JSON as indented 'key  value' lines."""
    if not isinstance(data, dict):
        return f"{indent}{data}"
    lines = []
    width = max((len(str(key)) for key in data), default=0)
    for key, value in data.items():
        if isinstance(value, dict):
            lines.append(f"{indent}{key}")
            lines.append(_key_values(value, indent + "  "))
        else:
            shown = ", ".join(map(str, value)) if isinstance(value, list) else value
            lines.append(f"{indent}{str(key).ljust(width)}  {shown}")
    return "\n".join(lines)


def exit_status(summary: Summary) -> ExitStatus:
    """Return the exit status that a finished run's counts call for."""
    return summary.exit_status


def _show_traceback(debug: bool) -> None:
    """Print the traceback of the exception being handled, with --debug."""
    if debug:
        import traceback

        traceback.print_exc()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status (the console script exits with it)."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    try:
        status: Any = cli.main(args=args, prog_name="whiteclad-import", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Interrupted.", err=True)
        return ExitStatus.INTERRUPTED
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        return ExitStatus.INTERRUPTED
    except click.ClickException as exc:
        exc.show()
        return ExitStatus.CANNOT_START
    except ImportIncomplete as exc:
        click.echo(end_of_run_text(exc.summary), err=True)
        _show_traceback(debug)
        click.echo(f"Error: {exc.message}", err=True)
        return exc.exit_status
    except ImporterError as exc:
        _show_traceback(debug)
        click.echo(f"Error: {exc.message}", err=True)
        return exc.exit_status
    except Exception as exc:
        _show_traceback(debug)
        # The machine's trouble (a full or read-only disk, a missing folder), not a defect.
        mapped = storage_error(exc) if isinstance(exc, OSError) else None
        if mapped is not None:
            click.echo(f"Error: {mapped.message}", err=True)
            return mapped.exit_status
        click.echo(
            f"Error: unexpected {type(exc).__name__}: {exc} (this is a bug in whiteclad-import; "
            "run again with --debug and report the traceback)",
            err=True,
        )
        return ExitStatus.INTERNAL_ERROR
    return int(status or 0)
