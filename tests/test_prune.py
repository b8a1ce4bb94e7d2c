"""`prune`: archived files, report folders and ledger runs older than their limits are removed."""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from importer.config import parse_age, parse_retention
from importer.errors import ConfigError
from importer.ledger import LEDGER_FILE, Ledger, ValidRow
from importer.retention import prune
from importer.sandbox import SandboxServer
from importer.status import ExitStatus

from .helpers import SPRING, CliResult, UseServer, leads_file, us_numbers

Run = Callable[..., CliResult]
DAY = 86_400.0


def age_run(state_dir: Path, run_id: int, days: float) -> None:
    """Make a run of the ledger look last changed ``days`` ago."""
    when = (datetime.now(UTC) - timedelta(days=days)).isoformat(timespec="seconds")
    with sqlite3.connect(state_dir / LEDGER_FILE) as db:
        db.execute("UPDATE runs SET updated_at = ? WHERE id = ?", (when, run_id))


def pending_run(state_dir: Path, name: str) -> int:
    """A run with a row still queued, as an import out of credits leaves it."""
    with Ledger(state_dir / LEDGER_FILE) as ledger:
        run = ledger.start_run(
            f"key-{name}", source_path=name, source_sha256="0", mapping_sha256="0",
            campaign_id=SPRING, campaign_name="Spring", base_url="http://127.0.0.1",
        )  # fmt: skip
        ledger.add_rows(run.id, [ValidRow(2, "+12125550100", "{}", ["x"], "")])
        ledger.set_status(run.id, "stopped")
        return run.id


def rows_of(state_dir: Path, run_id: int) -> int:
    with sqlite3.connect(state_dir / LEDGER_FILE) as db:
        return int(
            db.execute("SELECT count(*) FROM rows WHERE run_id = ?", (run_id,)).fetchone()[0]
        )


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    """An inbox with an old and a recent day of archive, and an old and a recent report folder."""
    folder = tmp_path / "inbox"
    old_day = (datetime.now() - timedelta(days=100)).strftime("%Y-%m-%d")
    new_day = (datetime.now() - timedelta(days=2)).strftime("%Y-%m-%d")
    for day in (old_day, new_day):
        (folder / "archive" / day).mkdir(parents=True)
        (folder / "archive" / day / "leads.csv").write_text("phone\n", encoding="utf-8")
    (folder / "archive" / "kept-by-hand.txt").write_text("mine\n", encoding="utf-8")
    for name, days in (("drain-old", 100), ("drain-new", 2)):
        report = folder / "reports" / name
        report.mkdir(parents=True)
        (report / "accepted.csv").write_text("phone\n", encoding="utf-8")
        moment = time.time() - days * DAY
        for path in (report / "accepted.csv", report):
            os.utime(path, (moment, moment))
    (folder / "failed").mkdir()
    (folder / "failed" / "bad.csv").write_text("x\n", encoding="utf-8")
    return folder


def test_prune_removes_what_is_older_than_its_limit_and_keeps_pending_runs(
    run_cli: Run, tmp_path: Path, state_dir: Path, inbox: Path, sandbox: SandboxServer,
    use_server: UseServer,
) -> None:  # fmt: skip
    use_server(sandbox)
    for name, start in (("old.csv", 9300), ("new.csv", 9310)):
        source = leads_file(tmp_path / name, us_numbers(2, start=start))
        result = run_cli("import", source, "-m", "generic", "-c", SPRING,
                         "--out", tmp_path / f"out-{name}")  # fmt: skip
        assert result.exit_code == 0, result.stderr
    old_run, new_run = 1, 2
    stuck = pending_run(state_dir, "stuck.csv")
    age_run(state_dir, old_run, 200)
    age_run(state_dir, stuck, 400)
    assert rows_of(state_dir, old_run) == 2

    dry = run_cli("prune", inbox, "--keep", "archive=90d", "--keep", "reports=30d",
                  "--keep", "ledger=180d", "--dry-run", "--json")  # fmt: skip
    assert dry.exit_code == 0, dry.stderr
    listed = json.loads(dry.stdout)
    assert listed["counts"] == {"archive": 1, "reports": 1, "ledger": 1, "kept_pending": 1}
    assert rows_of(state_dir, old_run) == 2 and (inbox / "reports" / "drain-old").exists()

    result = run_cli("prune", inbox, "--keep", "archive=90d", "--keep", "reports=30d",
                     "--keep", "ledger=180d")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert "removed: 1 archived file(s), 1 report folder(s), 1 ledger run(s)" in result.stdout
    assert str(inbox / "reports" / "drain-old") in result.stdout
    assert (
        "old.csv" in result.stdout and "kept: 1 old ledger run(s) with rows left" in result.stdout
    )
    assert [p.name for p in sorted((inbox / "archive").iterdir())] == sorted(
        [(datetime.now() - timedelta(days=2)).strftime("%Y-%m-%d"), "kept-by-hand.txt"]
    )
    assert [p.name for p in (inbox / "reports").iterdir()] == ["drain-new"]
    assert (inbox / "failed" / "bad.csv").exists()  # waits for a person
    assert rows_of(state_dir, old_run) == 0
    with Ledger(state_dir / LEDGER_FILE) as ledger:
        assert ledger.run(old_run) is None
        assert ledger.run(new_run) is not None
        assert ledger.run(stuck) is not None and rows_of(state_dir, stuck) == 1
        assert ledger.batches(old_run) == []


def test_prune_reads_the_profiles_retention(
    run_cli: Run, tmp_path: Path, state_dir: Path, inbox: Path
) -> None:
    config = tmp_path / "whiteclad.yaml"
    config.write_text(
        "profiles:\n  nightly:\n    retention: {archive: 12w, reports: 30d}\n", encoding="utf-8"
    )
    result = run_cli("prune", inbox, "--config", config, "--profile", "nightly")
    assert result.exit_code == 0, result.stderr
    assert "removed: 1 archived file(s), 1 report folder(s), 0 ledger run(s)" in result.stdout
    check = run_cli("config", "check", "--config", config, "--profile", "nightly")
    assert "archive=84d, reports=30d" in check.stdout


def test_prune_without_limits_says_how_to_set_them(run_cli: Run, inbox: Path) -> None:
    result = run_cli("prune", inbox)
    assert result.exit_code == ExitStatus.CANNOT_START
    assert "set retention (archive, reports, ledger) in the profile" in result.stderr
    assert (inbox / "reports" / "drain-old").exists()


@pytest.mark.parametrize(("text", "days"), [(90, 90), ("90", 90), ("90d", 90), ("12w", 84)])
def test_ages_are_days_or_weeks(text: object, days: int) -> None:
    assert parse_age(text, "retention.ledger") == days


@pytest.mark.parametrize("text", [0, "-3d", "90 days", "3m", "", True, "²d", "٣d"])
def test_an_age_that_is_not_one_says_how_to_write_it(text: object) -> None:
    with pytest.raises(ConfigError, match="write a number of days such as 90d"):
        parse_age(text, "retention.ledger")


def test_an_unknown_kind_is_named() -> None:
    with pytest.raises(ConfigError, match="unknown kind logs; use archive, reports, ledger"):
        parse_retention({"logs": "30d"}, "retention")


def test_the_library_prunes_only_the_kinds_it_is_given(state_dir: Path, inbox: Path) -> None:
    result = prune({"reports": 30}, state_dir=state_dir, archive_dir=inbox / "archive",
                   reports_dir=inbox / "reports")  # fmt: skip
    assert result.counts() == {"archive": 0, "reports": 1, "ledger": 0, "kept_pending": 0}
    assert len(list((inbox / "archive").iterdir())) == 3


@given(st.one_of(st.text(max_size=12), st.integers(), st.booleans()))
def test_any_age_is_days_or_a_config_error(value: object) -> None:
    try:
        days = parse_age(value, "retention.archive")
    except ConfigError as exc:
        assert "retention.archive" in exc.message
    else:
        assert days >= 1
