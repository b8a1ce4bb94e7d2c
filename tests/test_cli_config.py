"""`config check`, and commands that take their settings from a profile."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from importer.sandbox import SandboxServer
from importer.status import ExitStatus

from .helpers import SPRING, CliResult, assert_every_row_once, leads_file, us_numbers

Run = Callable[..., CliResult]
SECRET = "profile-secret-4f1c"


def nightly_config(folder: Path, server: SandboxServer) -> Path:
    """A profile pointing at the sandbox, its credentials in variables it names."""
    path = folder / "whiteclad.yaml"
    path.write_text(
        "default_profile: nightly\n"
        "profiles:\n"
        "  nightly:\n"
        f"    base_url: {server.base_url}\n"
        "    mapping: generic\n"
        "    campaign: Spring Promo 2026\n"
        "    region: US\n"
        "    batch_size: 2\n"
        "    client_id_env: ACME_ID\n"
        "    client_secret_env: ACME_SECRET\n",
        encoding="utf-8",
    )
    return path


@pytest.fixture
def profile_env(monkeypatch: pytest.MonkeyPatch, sandbox: SandboxServer, tmp_path: Path) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ACME_ID", sandbox.config.client_id)
    monkeypatch.setenv("ACME_SECRET", sandbox.config.client_secret)
    return nightly_config(tmp_path, sandbox)


def test_config_check_shows_values_and_sources(
    run_cli: Run, profile_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WHITECLAD_REGION", "GB")
    result = run_cli("config", "check")
    assert result.exit_code == ExitStatus.SUCCESS, result.stderr
    lines = {line.split()[0]: line for line in result.stdout.splitlines()}
    assert str(profile_env) in lines["config"]
    assert "nightly" in lines["profile"]
    assert "generic" in lines["mapping"] and "profile 'nightly'" in lines["mapping"]
    assert "GB" in lines["region"] and "environment WHITECLAD_REGION" in lines["region"]
    assert "********" in lines["client_secret"] and "ACME_SECRET" in lines["client_secret"]
    assert "1000" not in lines["batch_size"]


def test_config_check_json_masks_the_secret(run_cli: Run, profile_env: Path) -> None:
    result = run_cli("config", "check", "--json")
    assert result.exit_code == ExitStatus.SUCCESS
    data = json.loads(result.stdout)
    assert data["profile"] == "nightly"
    assert data["settings"]["client_secret"]["value"] == "********"
    assert data["settings"]["batch_size"]["value"] == "2"
    assert data["settings"]["batch_size"]["source"].startswith("profile 'nightly'")
    assert data["problems"] == []


def test_config_check_exits_2_on_an_unusable_setting(
    run_cli: Run, profile_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WHITECLAD_MAPPING", "no-such-mapping")
    result = run_cli("config", "check")
    assert result.exit_code == ExitStatus.CANNOT_START
    assert "Problem: mapping (environment WHITECLAD_MAPPING)" in result.stderr


def test_config_check_flags_an_http_address_on_another_machine(
    run_cli: Run, profile_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WHITECLAD_BASE_URL", "http://api.example/api/v1/client")
    result = run_cli("config", "check")
    assert result.exit_code == ExitStatus.CANNOT_START
    assert "Problem: base_url (environment WHITECLAD_BASE_URL)" in result.stderr
    assert "unencrypted" in result.stderr


def test_world_readable_config_with_a_secret_is_refused(
    run_cli: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "whiteclad.yaml"
    path.write_text(f"profiles:\n  p:\n    client_id: a\n    client_secret: {SECRET}\n")
    path.chmod(0o644)
    for args in (["config", "check"], ["status"], ["leads.csv", "-m", "generic", "--dry-run"]):
        result = run_cli(*args)
        assert result.exit_code == ExitStatus.CANNOT_START, args
        assert f"run: chmod 600 {path}" in result.stderr
        assert SECRET not in result.stdout + result.stderr


def test_import_takes_mapping_campaign_and_credentials_from_the_profile(
    run_cli: Run, profile_env: Path, sandbox: SandboxServer, tmp_path: Path
) -> None:
    source = leads_file(tmp_path / "leads.csv", us_numbers(3, start=7100))
    out = tmp_path / "out"
    result = run_cli(source, "--out", out)
    assert result.exit_code == ExitStatus.SUCCESS, result.stderr
    reports = assert_every_row_once(out, 3)
    assert len(reports["accepted"]) == 3
    summary = json.loads((out / "summary.json").read_text())
    assert summary["campaign"]["id"] == SPRING
    assert summary["batches"] == 2  # the profile's batch_size of 2
    assert summary["mapping"]["name"] == "generic"


def test_command_line_beats_the_profile(
    run_cli: Run, profile_env: Path, sandbox: SandboxServer, tmp_path: Path
) -> None:
    source = leads_file(tmp_path / "leads.csv", us_numbers(3, start=7200))
    out = tmp_path / "out"
    result = run_cli(
        source, "--out", out, "--batch-size", "1000", "--campaign", "Webinar Follow-up"
    )
    assert result.exit_code == ExitStatus.SUCCESS, result.stderr
    summary = json.loads((out / "summary.json").read_text())
    assert summary["batches"] == 1
    assert summary["campaign"]["name"] == "Webinar Follow-up"


def test_unknown_profile_exits_2(run_cli: Run, profile_env: Path, tmp_path: Path) -> None:
    result = run_cli("status", "--profile", "prod")
    assert result.exit_code == ExitStatus.CANNOT_START
    assert "has no profile 'prod' (profiles: nightly)" in result.stderr


def test_no_mapping_anywhere_is_a_usage_error(run_cli: Run, tmp_path: Path) -> None:
    source = leads_file(tmp_path / "leads.csv", us_numbers(1))
    result = run_cli(source, "--dry-run", "--out", tmp_path / "out")
    assert result.exit_code == ExitStatus.CANNOT_START
    assert "no mapping: pass --mapping" in result.stderr


@pytest.mark.parametrize(
    ("where", "named"),
    [("environment", "WHITECLAD_REGION 'UK'"), ("profile", "profile 'nightly' in ")],
)
def test_a_region_from_the_settings_is_refused_naming_where_it_came_from(
    run_cli: Run, profile_env: Path, monkeypatch: pytest.MonkeyPatch, where: str, named: str
) -> None:
    if where == "environment":
        monkeypatch.setenv("WHITECLAD_REGION", "UK")
    else:
        profile_env.write_text(profile_env.read_text().replace("region: US", "region: UK"))
    source = leads_file(profile_env.parent / "leads.csv", us_numbers(1))
    for args in ([source, "--dry-run"], ["drain", profile_env.parent / "inbox"]):
        result = run_cli(*args)
        assert result.exit_code == ExitStatus.CANNOT_START, args
        (line,) = result.stderr.strip().splitlines()
        assert line.startswith(f"Error: {named}"), line
        assert line.endswith(
            "'UK' is not a country code phone numbers know; use GB (the ISO code of the "
            "United Kingdom)"
        )
    result = run_cli("config", "check")
    assert result.exit_code == ExitStatus.CANNOT_START
    assert "region 'UK' is not a country code phone numbers know; use GB" in result.stderr


def test_config_check_finds_a_missing_list_and_an_unusable_folder(
    run_cli: Run, profile_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    listed = tmp_path / "dnc.txt"
    listed.write_text("+12125550100\n", encoding="utf-8")
    monkeypatch.setenv("WHITECLAD_SUPPRESS", str(listed))
    monkeypatch.setenv("WHITECLAD_STATE_DIR", str(tmp_path / "state"))  # made on first use
    assert run_cli("config", "check").exit_code == ExitStatus.SUCCESS
    gone = tmp_path / "gone.txt"
    monkeypatch.setenv("WHITECLAD_SUPPRESS", f"{listed}:{gone}")
    result = run_cli("config", "check")
    assert result.exit_code == ExitStatus.CANNOT_START
    assert f"the do-not-call list {gone} does not exist" in result.stderr
    assert str(listed) + " " not in result.stderr
    monkeypatch.setenv("WHITECLAD_SUPPRESS", str(listed))
    (tmp_path / "a-file").write_text("", encoding="utf-8")
    monkeypatch.setenv("WHITECLAD_STATE_DIR", str(tmp_path / "a-file" / "state"))
    result = run_cli("config", "check", "--json")
    assert result.exit_code == ExitStatus.CANNOT_START
    (problem,) = json.loads(result.stdout)["problems"]
    assert problem.startswith("state_dir (environment WHITECLAD_STATE_DIR): the folder ")
    assert "cannot be made" in problem


def test_config_check_checks_every_folder_and_file_a_profile_names(
    run_cli: Run, profile_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (tmp_path / "a-file").write_text("", encoding="utf-8")
    monkeypatch.setenv("WHITECLAD_INBOX", str(inbox))
    monkeypatch.setenv("WHITECLAD_ARCHIVE_DIR", str(tmp_path / "archive"))  # made on first use
    monkeypatch.setenv("WHITECLAD_LOG_FILE", str(tmp_path / "logs" / "drain.log"))
    assert run_cli("config", "check").exit_code == ExitStatus.SUCCESS
    monkeypatch.setenv("WHITECLAD_FAILED_DIR", str(tmp_path / "a-file" / "failed"))
    monkeypatch.setenv("WHITECLAD_METRICS_FILE", str(tmp_path / "a-file" / "whiteclad.prom"))
    result = run_cli("config", "check", "--json")
    assert result.exit_code == ExitStatus.CANNOT_START
    problems = json.loads(result.stdout)["problems"]
    assert [problem.split(" ")[0] for problem in problems] == ["failed_dir", "metrics_file"]
    assert all(str(tmp_path / "a-file") in problem for problem in problems), problems
