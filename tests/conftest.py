"""Shared fixtures: a clean environment, a CLI runner that goes through main(), a sandbox."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from importer.cli import main
from importer.sandbox import SandboxConfig, SandboxServer

from .helpers import SAMPLES, TEST_DATA, TEST_RETRY, CliResult


@pytest.fixture(autouse=True)
def state_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own ledger folder and no settings from the user's environment.

    Nothing is written to the user's state dir, and their config file is not read.
    """
    for name in list(os.environ):
        if name.startswith("WHITECLAD_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    folder = tmp_path / "state"
    monkeypatch.setenv("WHITECLAD_STATE_DIR", str(folder))
    # A night's patience (minutes of retries) would make every test of an unreachable
    # or failing server wait minutes: tests retry three times, a few seconds in all,
    # unless they set the retry settings themselves (tests of the defaults unset these).
    for name, value in TEST_RETRY.items():
        monkeypatch.setenv(name, value)
    return folder


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., CliResult]:
    """Run the real command line in-process, as the console script does."""

    def run(*args: str | Path) -> CliResult:
        code = main([str(arg) for arg in args])
        captured = capsys.readouterr()
        return CliResult(int(code), captured.out, captured.err)

    return run


@pytest.fixture
def samples() -> Path:
    return SAMPLES


@pytest.fixture
def test_data() -> Path:
    return TEST_DATA


@pytest.fixture(scope="session")
def sandbox() -> Iterator[SandboxServer]:
    """One sandbox API server on a free loopback port for the whole session (no rate limit).

    Shared: create your own campaign (POST /_sandbox/campaigns) to get exact counts,
    and start your own short-lived SandboxServer to change credits, limits or faults.
    """
    with SandboxServer(SandboxConfig(rate_limit=0), host="127.0.0.1", port=0) as server:
        yield server


@pytest.fixture
def use_server(monkeypatch: pytest.MonkeyPatch) -> Callable[[SandboxServer], SandboxServer]:
    """Point the environment (base URL and credentials) at a sandbox server, as a user would."""

    def use(server: SandboxServer) -> SandboxServer:
        monkeypatch.setenv("WHITECLAD_BASE_URL", server.base_url)
        monkeypatch.setenv("WHITECLAD_CLIENT_ID", server.config.client_id)
        monkeypatch.setenv("WHITECLAD_CLIENT_SECRET", server.config.client_secret)
        return server

    return use
