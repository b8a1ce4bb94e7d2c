"""What a face needs besides an import: the API client, the ledger, a sandbox, listings.

The command line and the local web page call these with plain values and show the
result their own way; none of them prints or exits.

Importing this module stays cheap: the HTTP client (requests), the ledger (SQLite), the
sandbox and the import options (the pipeline, pandas) are imported by the functions that
use them, so that ``whiteclad-import mappings`` and ``config check`` answer at once.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from .config import Settings, check_settings, retry_policy
from .connection import Credentials, is_loopback, resolve_base_url
from .errors import ApiError, MappingError, StartError, UsageError

if TYPE_CHECKING:
    from .client import ApiClient
    from .ledger import Ledger, RunRecord
    from .options import Endpoint

__all__ = [
    "api_client",
    "ask",
    "builtin_mapping_list",
    "config_report",
    "embedded_sandbox",
    "insecure_http_warning",
    "ledger_run",
    "mapping_description",
    "read_ledger",
    "recent_runs",
]

T = TypeVar("T")


def insecure_http_warning(base_url: str, insecure_http: bool) -> str | None:
    """The warning to show when ``insecure_http`` lets the secret cross the network."""
    if insecure_http and base_url.startswith("http://") and not is_loopback(base_url):
        return (
            f"--insecure-http: the client secret goes unencrypted to {base_url}; "
            "use this with test servers only"
        )
    return None


def api_client(settings: Settings, *, insecure_http: bool = False) -> ApiClient:
    """A client for the settings' address, credentials and retries (ConfigError when missing)."""
    from .client import ApiClient

    url = resolve_base_url(settings["base_url"])
    return ApiClient(
        url, settings.credentials(), retry=retry_policy(settings), insecure_http=insecure_http
    )


def ask(call: Callable[[], T]) -> T:
    """Run an API call for an information command; any API failure means nothing was done."""
    try:
        return call()
    except ApiError as exc:
        raise StartError.from_api(exc) from exc


@contextlib.contextmanager
def embedded_sandbox(wanted: bool = True) -> Iterator[Endpoint | None]:
    """Run a sandbox with a temporary database on this machine for the block; its endpoint."""
    if not wanted:
        yield None
        return
    from .options import Endpoint
    from .sandbox import SandboxConfig, SandboxServer

    with SandboxServer(SandboxConfig(), host="127.0.0.1", port=0) as server:
        config = server.config
        yield Endpoint(server.base_url, Credentials(config.client_id, config.client_secret))


def read_ledger(state_dir: Path, read: Callable[[Ledger], T]) -> T:
    """Open the ledger of ``state_dir`` and read from it; UsageError when there is none."""
    from .ledger import LEDGER_FILE, Ledger

    path = state_dir / LEDGER_FILE
    if not path.exists():
        raise UsageError(f"no ledger at {path} yet: no import has been sent from this state dir")
    with Ledger(path) as ledger:
        return read(ledger)


def recent_runs(state_dir: Path, limit: int = 20) -> list[RunRecord]:
    """The most recent runs of the ledger, newest first."""
    return read_ledger(state_dir, lambda ledger: ledger.runs(limit))


def ledger_run(state_dir: Path, run_id: int) -> RunRecord:
    """One run of the ledger; UsageError when it has no such run."""
    run = read_ledger(state_dir, lambda ledger: ledger.run(run_id))
    if run is None:
        raise UsageError(f"no run #{run_id} in the ledger; list them with 'whiteclad-import runs'")
    return run


def config_report(settings: Settings) -> dict[str, Any]:
    """The config file, profile, each setting (secrets masked) with its source, and problems."""
    return {
        "config_file": str(settings.config_path) if settings.config_path else None,
        "profile": settings.profile,
        "settings": {
            name: {"value": value, "source": source} for name, value, source in settings.describe()
        },
        "problems": check_settings(settings),
    }


def builtin_mapping_list() -> dict[str, dict[str, str]]:
    """Each built-in mapping by name, with its description and file.

    The mappings are not loaded, only their descriptions read: ``whiteclad-import
    mappings`` must answer at once (at most 3x the time Python takes to import click),
    and loading them would import jsonschema, which alone takes twice that, and parse
    every file with PyYAML's pure-Python loader, a tenth of a second more. They ship with
    the package and a test checks each against the mapping schema.
    """
    from .mapping import builtin_mappings

    return {
        name: {"description": mapping_description(path), "path": str(path)}
        for name, path in builtin_mappings().items()
    }


#: A one-line plain YAML scalar that reads as text: it starts with a letter and holds
#: no comment, tab or "key: value"; the words below read as booleans or null instead.
_PLAIN_TEXT = re.compile(r"(?!.*: )(?!.*:$)[A-Za-z][^#\t]*")
_NOT_TEXT = frozenset({"y", "n", "yes", "no", "true", "false", "on", "off", "null"})


def mapping_description(path: Path) -> str:
    """A mapping file's ``description:``, read without PyYAML when it is one plain line.

    The line ``description: TEXT`` at the top level, once in the file, with a TEXT that
    YAML reads as that same text (see ``_PLAIN_TEXT``) and no continuation on the next
    line, is taken as it is; any other file is parsed with PyYAML.
    ``tests/test_cli_startup.py`` checks that both ways agree on every built-in mapping.
    """
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    found = [i for i, line in enumerate(lines) if line.startswith("description:")]
    if len(found) == 1 and lines[found[0]].startswith("description: "):
        text = lines[found[0]].removeprefix("description: ").strip()
        after = lines[found[0] + 1] if found[0] + 1 < len(lines) else ""
        if (
            _PLAIN_TEXT.fullmatch(text)
            and text.isprintable()
            and text.lower() not in _NOT_TEXT
            and not after[:1].isspace()
        ):
            return text
    from .yamlfile import read_yaml

    document, _ = read_yaml(path, "mapping", MappingError)
    description = document.get("description", "") if isinstance(document, dict) else ""
    return str(description)
