"""What a face needs besides an import: the API client, the ledger, a sandbox, listings.

The command line and the local web page call these with plain values and show the
result their own way; none of them prints or exits.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from .client import ApiClient, is_loopback, resolve_base_url
from .config import Settings, check_settings
from .errors import ApiError, StartError, UsageError
from .ledger import LEDGER_FILE, Ledger, RunRecord
from .mapping import builtin_mappings, load_mapping
from .options import Endpoint

__all__ = [
    "api_client",
    "ask",
    "builtin_mapping_list",
    "config_report",
    "embedded_sandbox",
    "insecure_http_warning",
    "ledger_run",
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
    """A client for the settings' base URL and credentials (ConfigError when missing)."""
    url = resolve_base_url(settings["base_url"])
    return ApiClient(url, settings.credentials(), insecure_http=insecure_http)


def ask(call: Callable[[], T]) -> T:
    """Run an API call for an information command; any API failure means nothing was done."""
    try:
        return call()
    except ApiError as exc:
        raise StartError(exc.message) from exc


@contextlib.contextmanager
def embedded_sandbox(wanted: bool = True) -> Iterator[Endpoint | None]:
    """Run a sandbox with a temporary database on this machine for the block; its endpoint."""
    if not wanted:
        yield None
        return
    from .client import Credentials
    from .sandbox import SandboxConfig, SandboxServer

    with SandboxServer(SandboxConfig(), host="127.0.0.1", port=0) as server:
        config = server.config
        yield Endpoint(server.base_url, Credentials(config.client_id, config.client_secret))


def read_ledger(state_dir: Path, read: Callable[[Ledger], T]) -> T:
    """Open the ledger of ``state_dir`` and read from it; UsageError when there is none."""
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
    """Each built-in mapping by name, with its description and file."""
    found = {name: load_mapping(name) for name in builtin_mappings()}
    return {name: {"description": m.description, "path": str(m.path)} for name, m in found.items()}
