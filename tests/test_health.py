"""`health`: a dead man's switch over the drain summaries, with monitoring-plugin exit codes."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from importer.health import HealthStatus, check_health
from importer.sandbox import SandboxServer
from importer.status import ExitStatus

from .helpers import SPRING, CliResult, UseServer, leads_file, us_numbers

Run = Callable[..., CliResult]
NOW = datetime(2026, 12, 8, 9, 0, tzinfo=UTC).timestamp()
HOUR = 3600.0


def finished(out: Path, hours_ago: float, status: int, name: str | None = None) -> Path:
    """A drain summary as the drain writes it, finished some hours before NOW."""
    at = datetime.fromtimestamp(NOW - hours_ago * HOUR, UTC)
    folder = out / (name or f"drain-{at.strftime('%Y%m%d-%H%M%S')}")
    folder.mkdir(parents=True)
    path = folder / "drain-summary.json"
    path.write_text(json.dumps({"inbox": "/in", "started_at": at.isoformat(timespec="seconds"),
                                "finished_at": at.isoformat(timespec="seconds"),
                                "files": [], "exit_status": status}), encoding="utf-8")  # fmt: skip
    return path


@pytest.mark.parametrize(
    ("hours_ago", "status", "expected"),
    [
        (7, ExitStatus.SUCCESS, HealthStatus.OK),
        (7, ExitStatus.ROWS_REJECTED, HealthStatus.OK),
        (7, ExitStatus.API_UNAVAILABLE, HealthStatus.WARNING),
        (7, ExitStatus.INCOMPLETE, HealthStatus.CRITICAL),
        (7, ExitStatus.CANNOT_START, HealthStatus.CRITICAL),
        (7, ExitStatus.INTERNAL_ERROR, HealthStatus.CRITICAL),
        (30, ExitStatus.SUCCESS, HealthStatus.CRITICAL),  # stale: older than 26 h
    ],
)
def test_the_newest_finished_drain_decides(
    tmp_path: Path, hours_ago: float, status: int, expected: HealthStatus
) -> None:
    finished(tmp_path, 50, ExitStatus.INTERNAL_ERROR)  # an old failure no longer counts
    path = finished(tmp_path, hours_ago, status)
    verdict = check_health(tmp_path, 26 * HOUR, now=NOW)
    assert verdict.status == expected, verdict.message
    assert verdict.summary_path == str(path) and verdict.exit_status == status
    assert str(path) in verdict.message


def test_a_drain_that_never_finished_is_stale_once_the_last_finish_is_too_old(
    tmp_path: Path,
) -> None:
    finished(tmp_path, 30, ExitStatus.SUCCESS)
    # Started 2 hours ago, killed: a folder, maybe a summary without a finish time.
    started = finished(tmp_path, 2, ExitStatus.SUCCESS)
    data = json.loads(started.read_text())
    started.write_text(json.dumps({**data, "finished_at": ""}), encoding="utf-8")
    verdict = check_health(tmp_path, 26 * HOUR, now=NOW)
    assert verdict.status == HealthStatus.CRITICAL
    assert "30.0 h ago" in verdict.message and "was killed" in verdict.message


def test_an_account_that_never_drained_is_critical(tmp_path: Path) -> None:
    verdict = check_health(tmp_path / "reports", 26 * HOUR, now=NOW)
    assert verdict.status == HealthStatus.CRITICAL
    assert "no drain has finished" in verdict.message and "timer" in verdict.message


def test_an_unreadable_newest_summary_is_unknown(tmp_path: Path) -> None:
    finished(tmp_path, 30, ExitStatus.SUCCESS)
    finished(tmp_path, 1, ExitStatus.SUCCESS).write_text("{half", encoding="utf-8")
    assert check_health(tmp_path, 26 * HOUR, now=NOW).status == HealthStatus.UNKNOWN


def _config(tmp_path: Path, inbox: Path) -> Path:
    config = tmp_path / "whiteclad.yaml"
    config.write_text(f"profiles:\n  acme:\n    mapping: generic\n    campaign: {SPRING}\n"
                      f"    inbox: {inbox}\n", encoding="utf-8")  # fmt: skip
    return config


def test_health_of_a_profile_exits_by_its_last_drain(
    run_cli: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sandbox: SandboxServer,
    use_server: UseServer,
) -> None:  # fmt: skip
    inbox = tmp_path / "acme-inbox"
    inbox.mkdir()
    monkeypatch.setenv("WHITECLAD_CONFIG", str(_config(tmp_path, inbox)))
    never = run_cli("health", "--profile", "acme")
    assert never.exit_code == HealthStatus.CRITICAL
    assert never.stdout.startswith("WHITECLAD ACME CRITICAL - no drain has finished")

    use_server(sandbox)
    leads_file(inbox / "a.csv", us_numbers(2, start=6160))
    old = time.time() - 3600
    os.utime(inbox / "a.csv", (old, old))
    assert run_cli("drain", "--profile", "acme").exit_code == ExitStatus.SUCCESS
    fresh = run_cli("health", "--profile", "acme", "--json")
    assert fresh.exit_code == HealthStatus.OK, fresh.stdout
    assert json.loads(fresh.stdout)["status"] == "OK"

    stale = run_cli("health", "--profile", "acme", "--max-age", "0s")
    assert stale.exit_code == HealthStatus.CRITICAL
    assert "more than" in stale.stdout


def test_a_check_without_an_inbox_or_with_a_bad_age_is_unknown(run_cli: Run) -> None:
    result = run_cli("health")
    assert result.exit_code == HealthStatus.UNKNOWN
    assert result.stdout.startswith("WHITECLAD DRAIN UNKNOWN - the check cannot be made: no inbox")
    result = run_cli("health", "inbox", "--max-age", "2x")
    assert result.exit_code == HealthStatus.UNKNOWN and "--max-age" in result.stdout
