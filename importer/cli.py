"""The ``whiteclad-import`` command: parse options, call the library, render, exit.

Exceptions become exit codes in one place, :func:`main`: the project's own
errors print one ``Error: ...`` line (the traceback only with ``--debug``),
click's usage errors keep click's message, Ctrl-C exits 130.

``whiteclad-import FILE --mapping M`` is short for ``whiteclad-import import FILE
--mapping M``: a first argument that is not a command name is taken as a file.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from . import __version__
from .errors import ImporterError
from .pipeline import ImportOptions, Summary, run_import
from .reader import ReadOptions
from .render import ProgressBar, summary_text
from .status import ExitStatus


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


def _debug_option(function: Any) -> Any:
    return click.option(
        "--debug", is_flag=True, expose_value=False, help="Show the full traceback on errors."
    )(function)


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
    required=True,
    metavar="PATH|NAME",
    help="Column mapping: a YAML file, or a built-in name (facebook, generic).",
)
@click.option(
    "--dry-run",
    is_flag=True,
    help="Check and normalize every row and write the reports; send nothing.",
)
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
@click.option("--encoding", help="Text encoding of a CSV file [default: detected].")
@click.option(
    "--delimiter", help="Delimiter of a CSV file: ',', ';', '|' or 'tab' [default: detected]."
)
@click.option(
    "--sheet",
    metavar="NAME|N",
    help="Workbook sheet by name or position (1 = first) [default: the first sheet].",
)
@click.option(
    "--chunk-rows",
    type=click.IntRange(min=1),
    default=ReadOptions.chunk_rows,
    show_default=True,
    help="Rows processed at a time; bounds memory on large files.",
)
@click.option("--no-progress", is_flag=True, help="Do not show the progress bar.")
@_debug_option
def import_command(
    file: Path,
    mapping: str,
    dry_run: bool,
    out_dir: Path | None,
    region: str | None,
    lenient: bool,
    encoding: str | None,
    delimiter: str | None,
    sheet: str | None,
    chunk_rows: int,
    no_progress: bool,
) -> None:
    """Import FILE (CSV, TSV, XLSX, XLSM, XLS or ODS) using a column mapping.

    \b
    Examples:
      whiteclad-import leads.csv --mapping facebook --dry-run
      whiteclad-import crm.xlsx --mapping generic --region US --sheet Leads --dry-run
    """
    options = ImportOptions(
        path=file,
        mapping=mapping,
        out_dir=out_dir,
        region=region,
        lenient=lenient,
        dry_run=dry_run,
        read=ReadOptions(
            encoding=encoding, delimiter=delimiter, sheet=sheet, chunk_rows=chunk_rows
        ),
    )
    stderr = sys.stderr
    progress = ProgressBar(stderr, enabled=not no_progress and stderr.isatty())
    summary = run_import(options, progress)
    click.echo(summary_text(summary), err=True)
    click.get_current_context().exit(exit_status(summary))


def exit_status(summary: Summary) -> ExitStatus:
    """Return the exit status that a finished run's counts call for."""
    if summary.rejected:
        return ExitStatus.ROWS_REJECTED
    return ExitStatus.SUCCESS


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
    except ImporterError as exc:
        if debug:
            traceback.print_exc()
        click.echo(f"Error: {exc.message}", err=True)
        return exc.exit_status
    except Exception as exc:
        if debug:
            traceback.print_exc()
        click.echo(
            f"Error: unexpected {type(exc).__name__}: {exc} (this is a bug in whiteclad-import; "
            "run again with --debug and report the traceback)",
            err=True,
        )
        return ExitStatus.INTERNAL_ERROR
    return int(status or 0)
