"""The client secret never appears in anything the tool writes or shows.

Every command path runs with a recognisable secret (success, rows rejected, each
kind of failure, --debug, retries, the event log in both formats, the drain, the
information commands); then everything it printed and every file it left is
searched for the secret, and so are the reprs of the objects that hold it.
"""

from __future__ import annotations

import os
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from importer.client import ApiClient, Credentials
from importer.config import load_settings
from importer.errors import AuthenticationError, ConfigError
from importer.ledger import LEDGER_FILE
from importer.pipeline import ImportOptions
from importer.sandbox import SandboxConfig, SandboxServer
from importer.status import ExitStatus

from .helpers import SAMPLES, SPRING, CliResult, us_numbers, write_csv

SECRET = "wc_secret_RADIOACTIVE_7a91f3"
CLIENT = "wc_client_secret_test"
Run = Callable[..., CliResult]


@pytest.fixture(scope="module")
def flaky() -> Iterator[SandboxServer]:
    """A sandbox that knows the secret, and fails and throttles now and then."""
    config = SandboxConfig(client_id=CLIENT, client_secret=SECRET, rate_limit=0,
                           fail_rate=0.3, seed=7)  # fmt: skip
    with SandboxServer(config, host="127.0.0.1", port=0) as server:
        yield server


def _files(root: Path) -> Iterator[Path]:
    for path in root.rglob("*"):
        if path.is_file():
            yield path


@pytest.mark.slow
def test_the_secret_is_in_no_output_and_no_file(
    run_cli: Run, flaky: SandboxServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("WHITECLAD_BASE_URL", flaky.base_url)
    monkeypatch.setenv("WHITECLAD_CLIENT_ID", CLIENT)
    monkeypatch.setenv("WHITECLAD_CLIENT_SECRET", SECRET)
    leads = write_csv(tmp_path / "leads.csv",
                      [["phone", "first_name"], *([n, "Ana"] for n in us_numbers(30, 9300)),
                       ["N/A", "Bo"]])  # fmt: skip
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    write_csv(inbox / "drop.csv", [["phone"], *([n] for n in us_numbers(5, 9400))])
    os.utime(inbox / "drop.csv", (1_000_000_000, 1_000_000_000))
    config = tmp_path / "whiteclad.yaml"
    config.write_text(
        f"profiles:\n  inline:\n    client_id: {CLIENT}\n    client_secret: {SECRET}\n"
        f"    base_url: {flaky.base_url}\n    mapping: generic\n", encoding="utf-8")  # fmt: skip
    config.chmod(0o600)
    runs = [
        (leads, "-m", "generic", "-c", SPRING, "--out", "r1", "--batch-size", "5",
         "--max-retries", "8", "--retry-backoff", "0.01", "--log-file", "r1.log"),
        (leads, "-m", "generic", "-c", SPRING, "--out", "r2", "--debug", "--log-format", "json",
         "--log-file", "r2.jsonl", "--batch-size", "7", "--max-retries", "8",
         "--retry-backoff", "0.01", "--fresh"),
        (leads, "-m", "generic", "-c", "No Such Campaign", "--out", "r3", "--debug"),
        (leads, "-m", "generic", "-c", SPRING, "--out", "r4", "--base-url",
         "http://wc-test.example/api", "--debug"),
        ("drain", inbox, "-m", "generic", "-c", SPRING, "--log-format", "json",
         "--log-file", "drain.jsonl", "--debug"),
        ("status", "--debug"), ("campaigns", "--json"), ("campaign", SPRING, "--json"),
        ("rate-limits",), ("runs", "--json"), ("runs", "show", "1"),
        ("config", "check"), ("config", "check", "--json"),
        ("config", "check", "--config", config, "--profile", "inline", "--json"),
        ("status", "--config", config, "--profile", "inline", "--debug"),
        (leads, "-m", "generic", "--dry-run", "--out", "r5", "--write-leads"),
        ("prune", inbox, "--keep", "ledger=1d", "--keep", "reports=1d", "--dry-run", "--json"),
    ]  # fmt: skip
    seen = []
    for args in runs:
        result = run_cli(*args)
        seen.append((args, result))
        assert result.exit_code != ExitStatus.INTERNAL_ERROR, (args, result.stderr)
    # And with the secret rejected by the server: 401, with --debug.
    monkeypatch.setenv("WHITECLAD_CLIENT_SECRET", SECRET + "_wrong")
    for args in [("status", "--debug"), (leads, "-m", "generic", "-c", SPRING, "--debug")]:
        result = run_cli(*args)
        assert result.exit_code == ExitStatus.CANNOT_START, result.stderr
        seen.append((args, result))
    codes = {result.exit_code for _, result in seen}
    assert {ExitStatus.ROWS_REJECTED, ExitStatus.SUCCESS, ExitStatus.CANNOT_START} <= codes
    assert any("Traceback" in result.stderr for _, result in seen), "--debug ran no traceback"
    logs = (tmp_path / "r1.log").read_text() + (tmp_path / "r2.jsonl").read_text()
    assert "retry" in logs, "no retry was exercised"
    for args, result in seen:
        assert SECRET not in result.stdout + result.stderr, args
    written = list(_files(tmp_path)) + list(_files(Path(os.environ["WHITECLAD_STATE_DIR"])))
    assert any(path.name == LEDGER_FILE for path in written)
    assert any(path.suffix == ".jsonl" for path in written)
    for path in written:
        if path == config:
            continue  # the one place the user put it
        assert SECRET.encode() not in path.read_bytes(), path


def test_no_object_that_holds_the_secret_shows_it() -> None:
    credentials = Credentials(CLIENT, SECRET)
    client = ApiClient("https://api.example/api/v1/client", credentials)
    options = ImportOptions(path=SAMPLES / "generic_leads.csv", mapping="generic",
                            credentials=credentials)  # fmt: skip
    settings = load_settings(env={"WHITECLAD_CLIENT_ID": CLIENT, "WHITECLAD_CLIENT_SECRET": SECRET})
    sandbox = SandboxConfig(client_secret=SECRET)
    for thing in (credentials, client, options, settings, sandbox, settings.describe()):
        assert SECRET not in repr(thing), type(thing)
        assert SECRET not in str(thing), type(thing)
    error = AuthenticationError("credentials rejected", status=401, body={"error": "no"})
    assert SECRET not in "".join(traceback.format_exception(error))
    client.close()


def test_no_command_takes_credentials_as_arguments() -> None:
    from .test_readme import COMMANDS

    for path, command in COMMANDS:
        for param in command.params:
            for option in param.opts:
                assert "secret" not in option and "client-id" not in option, (path, option)
                assert "password" not in option and "token" not in option, (path, option)


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://api.example/api/v1/client", True),
        ("http://127.0.0.1:8080/api/v1/client", True),
        ("http://127.3.4.5/api", True),
        ("http://localhost:8080/api", True),
        ("http://[::1]:8080/api", True),
        ("http://api.example/api/v1/client", False),
        ("http://10.0.0.7/api", False),
        ("http://127.0.0.1.example/api", False),
    ],
)
def test_credentials_are_refused_over_http_to_other_machines(url: str, allowed: bool) -> None:
    credentials = Credentials(CLIENT, SECRET)
    if allowed:
        ApiClient(url, credentials).close()
    else:
        with pytest.raises(ConfigError, match="unencrypted") as caught:
            ApiClient(url, credentials)
        assert caught.value.exit_status == ExitStatus.CANNOT_START
        ApiClient(url, credentials, insecure_http=True).close()  # for a test server


@pytest.mark.slow
def test_insecure_http_says_so(run_cli: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WHITECLAD_CLIENT_ID", CLIENT)
    monkeypatch.setenv("WHITECLAD_CLIENT_SECRET", SECRET)
    refused = run_cli("status", "--base-url", "http://api.example/api")
    assert refused.exit_code == ExitStatus.CANNOT_START
    assert "unencrypted" in refused.stderr and "--insecure-http" in refused.stderr
    # With the flag the warning comes first; the address is then tried. This one is this
    # machine written as an IPv6-mapped address, which the check does not count as
    # loopback, on a port with nothing listening: nothing leaves the machine.
    result = run_cli("status", "--base-url", "http://[::ffff:127.0.0.1]:9/api", "--insecure-http")
    assert result.stderr.startswith("Warning: --insecure-http: the client secret goes unencrypted")
    assert SECRET not in result.stderr
