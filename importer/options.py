"""Options built once: the effective settings plus a run's own values become ImportOptions.

Every face (the command line, the Python API, the local web page) turns what it was
given into :class:`~importer.pipeline.ImportOptions` with :func:`import_options`, and
into a drain's options with :func:`importer.drain.drain_options`, so that they check
the same things, in the same order, with the same messages.

The settings themselves (mapping, campaign, region, batch size, rate limit, base URL,
state folder, credentials) come from :func:`importer.config.load_settings`: what the
face was given, then ``WHITECLAD_*`` variables, then the profile, then defaults.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from .client import Credentials, RetryPolicy, resolve_base_url
from .config import Settings, retry_policy
from .errors import ImporterError, UsageError
from .mapping import builtin_mappings, check_region
from .pipeline import ImportOptions
from .reader import ReadOptions, open_source
from .suggest import BuiltinFit, best_builtin

__all__ = [
    "API_MAPPING",
    "CLI_MAPPING",
    "Endpoint",
    "MappingOption",
    "builtin_for",
    "import_options",
    "no_mapping_message",
    "required_mapping",
]


@dataclass(frozen=True)
class MappingOption:
    """How a face spells the mapping option in its messages."""

    #: The option, as in "pass --mapping with a YAML file".
    name: str
    #: The option with a built-in name, as in "add --mapping hubspot".
    with_name: str

    def given(self, mapping: str) -> str:
        """The option as written with ``mapping``."""
        return self.with_name.format(name=mapping)


CLI_MAPPING = MappingOption("--mapping", "--mapping {name}")
API_MAPPING = MappingOption("mapping=", "mapping='{name}'")


@dataclass(frozen=True)
class Endpoint:
    """An API address with its credentials, used instead of the settings' (a sandbox)."""

    base_url: str
    credentials: Credentials = field(repr=False)


def builtin_for(
    file: Path, read: ReadOptions | None = None, *, closest: bool = False
) -> BuiltinFit | None:
    """The built-in mapping that fits a file, when its header can be read at all.

    With ``closest``, when none fits: the one that reads the most of it, with ``fits``
    false (see :func:`importer.suggest.best_builtin`).
    """
    try:
        with open_source(file, replace(read or ReadOptions(), chunk_rows=1)) as source:
            return best_builtin(source.info.columns, closest=closest)
    except ImporterError:
        return None  # the import itself reports what is wrong with the file


def no_mapping_message(
    file: Path | None = None, read: ReadOptions | None = None, option: MappingOption = CLI_MAPPING
) -> str:
    """The error for a run without a mapping, naming the built-in one that fits ``file``.

    A built-in is named only when it fits the file: its phone columns and most of the
    file's columns (:func:`importer.suggest.best_builtin`). Otherwise the message says
    that none fits, and why not the closest, and offers ``mapping suggest``.
    """
    builtins = ", ".join(builtin_mappings())
    hint = f"; or run 'whiteclad-import mapping suggest {file or 'FILE'}' to get one written"
    fit = builtin_for(file, read, closest=True) if file is not None else None
    if file is not None and fit is None and file.is_file():
        hint = f" (no built-in mapping fits this file){hint}"
    elif file is not None and fit is not None and not fit.fits:
        hint = (
            f" (no built-in mapping fits this file: {fit.why_not()}); or run "
            f"'whiteclad-import mapping suggest {file} --out {file.with_suffix('.yaml')}' "
            "to get one written"
        )
    elif fit is not None:
        article = "an" if fit.name[:1] in ("a", "e", "i", "o", "u") else "a"
        hint = (
            f". This file looks like {article} '{fit.name}' export: add {option.given(fit.name)} "
            f"(it reads {fit.columns_read} of the file's {fit.columns} columns)"
        )
    return (
        f"no mapping: pass {option.name} with a YAML file or a built-in name ({builtins}), "
        f"or set mapping: in the profile{hint}"
    )


def required_mapping(
    settings: Settings,
    file: Path | None = None,
    read: ReadOptions | None = None,
    option: MappingOption = CLI_MAPPING,
) -> str:
    """The mapping of the settings, or UsageError saying how to give one."""
    mapping = settings["mapping"]
    if not mapping:
        raise UsageError(no_mapping_message(file, read, option))
    return str(mapping)


def import_options(
    settings: Settings,
    path: Path,
    *,
    dry_run: bool = False,
    out_dir: Path | None = None,
    lenient: bool = False,
    send_company_lines: bool = False,
    read: ReadOptions | None = None,
    retry: RetryPolicy | None = None,
    fresh: bool = False,
    workers: int | None = None,
    write_leads: bool = False,
    workbook: bool = True,
    insecure_http: bool = False,
    endpoint: Endpoint | None = None,
    mapping_option: MappingOption = CLI_MAPPING,
) -> ImportOptions:
    """Turn the effective settings and a run's own values into the options of one import.

    Checks, in this order: a mapping is set (else the error names the built-in mapping
    that fits ``path``), the region is a country code, the credentials are there (not
    on a dry run, nor with an ``endpoint``), the base URL is an http(s) address (not on
    a dry run). ``endpoint`` replaces the settings' base URL and credentials (an
    embedded sandbox); ``insecure_http`` counts only when something is sent.
    """
    read = read or ReadOptions()
    mapping = required_mapping(settings, path, read, mapping_option)
    check_region(settings["region"], settings.origin("region"))
    base_url: str | None = settings["base_url"]
    credentials = None
    if endpoint is not None:
        base_url, credentials = endpoint.base_url, endpoint.credentials
    elif not dry_run:
        credentials = settings.credentials()
    if not dry_run:
        base_url = resolve_base_url(base_url)
    return ImportOptions(
        path=path,
        mapping=mapping,
        out_dir=out_dir,
        region=settings["region"],
        lenient=lenient,
        dry_run=dry_run,
        read=read,
        campaign=settings["campaign"],
        batch_size=settings["batch_size"],
        base_url=base_url,
        credentials=credentials,
        retry=retry or retry_policy(settings),
        rate_limit=settings["rate_limit"],
        insecure_http=insecure_http and not dry_run,
        state_dir=settings["state_dir"],
        fresh=fresh,
        write_leads=write_leads,
        workbook=workbook,
        workers=workers,
        reject_phone_types=settings["reject_phone_types"] or frozenset(),
        infer_time_zone=settings["infer_time_zone"] is not False,
        suppress=tuple(settings["suppress"] or ()),
        suppress_skip_bad_lines=bool(settings["suppress_skip_bad_lines"]),
        send_company_lines=send_company_lines,
    )
