"""The run ledger, resume, the campaign lock and the runs command."""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest
import requests

from importer.client import Credentials
from importer.errors import ImportIncomplete, LockedError
from importer.ledger import LEDGER_FILE, CampaignLock, Ledger, default_state_dir
from importer.pipeline import ImportOptions, run_import
from importer.sandbox import SandboxConfig, SandboxServer
from importer.status import ExitStatus

from .helpers import (
    SPRING,
    CliResult,
    UseServer,
    assert_every_row_once,
    leads_file,
    posts,
    read_report,
    read_summary,
    set_credits,
    stored_phones,
    us_numbers,
)

Run = Callable[..., CliResult]


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch, use_server: UseServer) -> Iterator[SandboxServer]:
    with SandboxServer(SandboxConfig(rate_limit=0), port=0) as server:
        use_server(server)
        yield server


def test_state_dir_defaults(tmp_path: Path) -> None:
    assert default_state_dir({"WHITECLAD_STATE_DIR": str(tmp_path)}) == tmp_path
    assert default_state_dir({"XDG_STATE_HOME": "/x"}) == Path("/x/whiteclad-import")
    assert default_state_dir({}).parts[-3:] == (".local", "state", "whiteclad-import")


def test_rerun_of_a_finished_import_sends_nothing_and_reports_the_same(
    run_cli: Run, api: SandboxServer, tmp_path: Path, state_dir: Path
) -> None:
    source = leads_file(tmp_path / "leads.csv", us_numbers(7))
    first, second = tmp_path / "one", tmp_path / "two"
    assert run_cli(source, "-m", "generic", "-c", SPRING, "--batch-size", "3",
                   "--out", first).exit_code == ExitStatus.SUCCESS  # fmt: skip
    assert posts(api) == 3
    result = run_cli(source, "-m", "generic", "-c", SPRING, "--out", second)
    assert result.exit_code == ExitStatus.SUCCESS
    assert posts(api) == 3  # nothing sent again
    assert "already answered for" in result.stderr
    assert read_report(first / "accepted.csv") == read_report(second / "accepted.csv")
    assert read_summary(second)["accepted"] == 7
    assert (state_dir / LEDGER_FILE).exists()


def test_resume_after_out_of_credits_sends_only_what_was_pending(
    run_cli: Run, api: SandboxServer, tmp_path: Path
) -> None:
    set_credits(api, 0.045)  # four leads
    phones = us_numbers(10)
    source = leads_file(tmp_path / "leads.csv", phones)
    args = [source, "-m", "generic", "-c", SPRING, "--batch-size", "2"]
    stopped = run_cli(*args, "--out", tmp_path / "one")
    assert stopped.exit_code == ExitStatus.INCOMPLETE
    assert "run the same command again" in stopped.stderr
    assert len(read_report(tmp_path / "one" / "pending.csv")) == 6
    posts_before = posts(api)

    set_credits(api, 100)
    resumed = run_cli(*args, "--out", tmp_path / "two")
    assert resumed.exit_code == ExitStatus.SUCCESS, resumed.stderr
    assert posts(api) - posts_before == 3  # the six pending leads, two per batch
    accepted = read_report(tmp_path / "two" / "accepted.csv")
    assert [row["phone_e164"] for row in accepted] == phones  # the whole file, in order
    assert all(row["lead_id"] for row in accepted)
    assert not (tmp_path / "two" / "pending.csv").exists()
    assert sorted(stored_phones(api, SPRING)) == sorted(phones)


def test_fresh_starts_over(run_cli: Run, api: SandboxServer, tmp_path: Path) -> None:
    source = leads_file(tmp_path / "leads.csv", us_numbers(3))
    run_cli(source, "-m", "generic", "-c", SPRING, "--out", tmp_path / "one")
    result = run_cli(source, "-m", "generic", "-c", SPRING, "--fresh", "--out", tmp_path / "two")
    assert result.exit_code == ExitStatus.SUCCESS
    assert "starting over" in result.stderr
    # Sent again: the campaign already has them.
    assert len(read_report(tmp_path / "two" / "duplicates.csv")) == 3
    assert posts(api) == 2


def test_a_different_campaign_or_region_is_a_different_run(
    run_cli: Run, api: SandboxServer, tmp_path: Path
) -> None:
    source = leads_file(tmp_path / "leads.csv", us_numbers(2))
    run_cli(source, "-m", "generic", "-c", SPRING, "--out", tmp_path / "a")
    result = run_cli(source, "-m", "generic", "-c", "Webinar Follow-up", "--out", tmp_path / "b")
    assert result.exit_code == ExitStatus.SUCCESS
    assert len(read_report(tmp_path / "b" / "accepted.csv")) == 2
    assert posts(api) == 2


def test_second_import_into_the_same_campaign_is_refused(
    run_cli: Run, api: SandboxServer, tmp_path: Path, state_dir: Path
) -> None:
    source = leads_file(tmp_path / "leads.csv", us_numbers(2))
    with CampaignLock(state_dir, SPRING):
        result = run_cli(source, "-m", "generic", "-c", SPRING, "--out", tmp_path / "o")
        assert result.exit_code == ExitStatus.BUSY
        assert "another import into this campaign is running" in result.stderr
        assert "pid " in result.stderr
        with pytest.raises(LockedError):
            CampaignLock(state_dir, SPRING).__enter__()
        # Another campaign is not blocked.
        other = run_cli(source, "-m", "generic", "-c", "Webinar Follow-up", "--out", tmp_path / "w")
        assert other.exit_code == ExitStatus.SUCCESS
    assert posts(api) == 1
    after = run_cli(source, "-m", "generic", "-c", SPRING, "--out", tmp_path / "after")
    assert after.exit_code == ExitStatus.SUCCESS


def test_runs_command(run_cli: Run, api: SandboxServer, tmp_path: Path) -> None:
    empty = run_cli("runs")
    assert empty.exit_code == ExitStatus.CANNOT_START
    assert "no ledger" in empty.stderr
    source = leads_file(tmp_path / "leads.csv", us_numbers(4), extra=[["N/A", "x", ""]])
    run_cli(source, "-m", "generic", "-c", SPRING, "--out", tmp_path / "o")
    listing = run_cli("runs")
    assert listing.exit_code == ExitStatus.SUCCESS
    header, line = listing.stdout.splitlines()[:2]
    assert header.split()[:9] == ["ID", "UPDATED", "STATUS", "TOTAL", "ACCEPTED", "REJECTED",
                                  "DUPS", "SUPPRESSED", "PENDING"]  # fmt: skip
    assert line.split()[0] == "1" and "complete" in line and "Spring Promo 2026" in line
    shown = json.loads(run_cli("runs", "show", "1").stdout)
    assert shown["summary"]["accepted"] == 4
    assert shown["summary"]["rejected"] == 1
    assert shown["campaign_id"] == SPRING
    assert json.loads(run_cli("runs", "--json").stdout)[0]["id"] == 1
    missing = run_cli("runs", "show", "99")
    assert missing.exit_code == ExitStatus.CANNOT_START


def test_ledger_holds_no_secret(run_cli: Run, api: SandboxServer, tmp_path: Path,
                                state_dir: Path) -> None:  # fmt: skip
    source = leads_file(tmp_path / "leads.csv", us_numbers(2))
    run_cli(source, "-m", "generic", "-c", SPRING, "--out", tmp_path / "o")
    data = b"".join(path.read_bytes() for path in state_dir.rglob("*") if path.is_file())
    assert api.config.client_secret.encode() not in data


@pytest.mark.slow
def test_pacing_avoids_429(monkeypatch: pytest.MonkeyPatch, run_cli: Run, tmp_path: Path) -> None:
    config = SandboxConfig(rate_limit=4, rate_window_seconds=1.0)
    with SandboxServer(config, port=0) as server:
        monkeypatch.setenv("WHITECLAD_CLIENT_ID", config.client_id)
        monkeypatch.setenv("WHITECLAD_CLIENT_SECRET", config.client_secret)
        source = leads_file(tmp_path / "leads.csv", us_numbers(12))
        out = tmp_path / "out"
        result = run_cli(source, "-m", "generic", "-c", SPRING, "--batch-size", "1",
                         "--base-url", server.base_url, "--out", out)  # fmt: skip
        stats = requests.get(f"{server.url}/_sandbox/stats", timeout=5).json()
    assert result.exit_code == ExitStatus.SUCCESS, result.stderr
    statuses = {code for codes in stats["requests"]["byEndpoint"].values() for code in codes}
    assert "429" not in statuses
    summary = read_summary(out)
    assert summary["batches"] == 12
    assert summary["paced_seconds"] > 0  # it waited rather than be refused
    # 3 requests before sending (campaign details, rate limits, status) + 12 posts: the
    # whole quota is used, nothing is retried.
    assert summary["requests"] == 15


@pytest.mark.slow
def test_a_server_without_limit_is_not_paced(
    monkeypatch: pytest.MonkeyPatch, run_cli: Run, tmp_path: Path
) -> None:
    config = SandboxConfig(rate_limit=0)  # /rate-limits answers limit: null
    with SandboxServer(config, port=0) as server:
        monkeypatch.setenv("WHITECLAD_CLIENT_ID", config.client_id)
        monkeypatch.setenv("WHITECLAD_CLIENT_SECRET", config.client_secret)
        source = leads_file(tmp_path / "leads.csv", us_numbers(70))
        result = run_cli(source, "-m", "generic", "-c", SPRING, "--batch-size", "1",
                         "--base-url", server.base_url, "--out", tmp_path / "out")  # fmt: skip
    assert result.exit_code == ExitStatus.SUCCESS, result.stderr
    summary = read_summary(tmp_path / "out")
    assert summary["requests"] == 73  # more than the default 60 a minute
    assert summary["paced_seconds"] == 0


def test_a_ledger_of_an_earlier_version_gains_the_new_columns(tmp_path: Path) -> None:
    import sqlite3

    from importer.ledger import Ledger, ValidRow

    path = tmp_path / LEDGER_FILE
    old = sqlite3.connect(path)
    old.executescript(
        "CREATE TABLE rows (run_id INTEGER NOT NULL, source_row INTEGER NOT NULL, "
        "phone TEXT NOT NULL, lead TEXT NOT NULL, cells TEXT NOT NULL, warnings TEXT NOT NULL, "
        "state TEXT NOT NULL, uncertain INTEGER NOT NULL DEFAULT 0, batch_id INTEGER, "
        "lead_id TEXT, campaign_lead_id TEXT, error TEXT, error_code TEXT, "
        "PRIMARY KEY (run_id, source_row));"
        "INSERT INTO rows (run_id, source_row, phone, lead, cells, warnings, state) "
        "VALUES (1, 2, '+14155552671', '{}', '[\"a\"]', '', 'queued');"
    )
    old.close()
    with Ledger(path) as ledger:
        ledger.add_rows(1, [ValidRow(3, "+18504321234", "{}", ["b"], "", "America/Chicago",
                                     "phone")])  # fmt: skip
        (rows,) = list(ledger.rows(1))
    assert [(r.valid.source_row, r.valid.time_zone, r.valid.zone_source) for r in rows] == [
        (2, "", ""), (3, "America/Chicago", "phone")
    ]  # fmt: skip


def _dnc(path: Path, phones: list[str]) -> Path:
    """A do-not-call list holding these E.164 numbers, written as people write them."""
    path.write_text("".join(f"+1 {p[2:5]} {p[5:8]} {p[8:]}\n" for p in phones), encoding="utf-8")
    return path


def test_a_list_changed_before_the_resume_is_applied_to_the_rows_left_to_send(
    run_cli: Run, api: SandboxServer, tmp_path: Path
) -> None:
    set_credits(api, 0.045)  # four leads
    phones = us_numbers(10)
    outsider = us_numbers(1, start=500)
    dnc = _dnc(tmp_path / "dnc.txt", outsider)
    source = leads_file(tmp_path / "leads.csv", phones)
    args = [source, "-m", "generic", "-c", SPRING, "--batch-size", "2", "--suppress", dnc]
    stopped = run_cli(*args, "--out", tmp_path / "one")
    assert stopped.exit_code == ExitStatus.INCOMPLETE, stopped.stderr
    first = {row["phone_e164"]: row for row in read_report(tmp_path / "one" / "accepted.csv")}
    assert list(first) == phones[:4]
    posts_before = posts(api)

    # The registry updates overnight: a lead already sent and a lead left to send are
    # listed now (the list's size and time change too).
    sent_listed, pending_listed = phones[1], phones[6]
    _dnc(dnc, [*outsider, sent_listed, pending_listed])
    set_credits(api, 100)
    resumed = run_cli(*args, "--out", tmp_path / "two")
    assert resumed.exit_code == ExitStatus.SUCCESS, resumed.stderr
    assert "resuming run #1" in resumed.stderr
    assert posts(api) - posts_before == 3  # the five unlisted leads left, two per batch
    # Each lead reached the server once, and the newly listed one never.
    assert sorted(stored_phones(api, SPRING)) == sorted(p for p in phones if p != pending_listed)
    out = tmp_path / "two"
    reports = assert_every_row_once(out, 10)
    assert [row["phone_e164"] for row in reports["suppressed"]] == [pending_listed]
    assert "dnc.txt, line 3" in reports["suppressed"][0]["suppressed_by"]
    accepted = {row["phone_e164"]: row for row in reports["accepted"]}
    assert list(accepted) == [p for p in phones if p != pending_listed]
    assert all(row["lead_id"] for row in accepted.values())
    assert [accepted[p]["lead_id"] for p in phones[:4]] == [first[p]["lead_id"] for p in phones[:4]]
    assert not reports["duplicates"]
    # The lead sent before it was listed cannot be unsent: the person is told to remove it.
    assert "do-not-call list since it was sent" in accepted[sent_listed]["warnings"]
    assert "remove them from the campaign" in resumed.stderr
    summary = read_summary(out)
    assert (summary["accepted"], summary["suppressed"], summary["run_id"]) == (9, 1, 1)
    # Leads by time zone source: the suppressed lead is no longer counted among them.
    assert sum(read_summary(tmp_path / "one")["time_zone_sources"].values()) == 10
    assert sum(summary["time_zone_sources"].values()) == 9

    # Once more: nothing is sent, and the reports are the same.
    again = run_cli(*args, "--out", tmp_path / "three")
    assert again.exit_code == ExitStatus.SUCCESS, again.stderr
    assert posts(api) - posts_before == 3
    assert read_report(tmp_path / "three" / "accepted.csv") == reports["accepted"]
    assert read_report(tmp_path / "three" / "suppressed.csv") == reports["suppressed"]


def test_a_resume_keeps_what_the_first_try_decided_and_suppresses_what_is_listed_now(
    api: SandboxServer, tmp_path: Path
) -> None:
    set_credits(api, 0.025)  # one batch of two
    phones = us_numbers(6)
    # The last row repeats row 5's phone (phones[3]): an in-file duplicate.
    source = leads_file(tmp_path / "leads.csv", phones, [[phones[3], "Again", "a@example.com"]])
    options = ImportOptions(
        path=source, mapping="generic", dry_run=False, campaign=SPRING, batch_size=2,
        base_url=api.base_url, state_dir=tmp_path / "state", out_dir=tmp_path / "one",
        credentials=Credentials(api.config.client_id, api.config.client_secret),
        suppress=(_dnc(tmp_path / "monday.txt", [phones[5]]),),
    )  # fmt: skip
    with pytest.raises(ImportIncomplete) as stopped:
        run_import(options)
    assert (stopped.value.summary.accepted, stopped.value.summary.pending) == (2, 3)

    # Tuesday's list, in another file: it holds a pending lead's number, and no longer
    # the number suppressed on Monday.
    set_credits(api, 100)
    tuesday = _dnc(tmp_path / "tuesday.txt", [phones[3]])
    summary = run_import(replace(options, suppress=(tuesday,), out_dir=tmp_path / "two"))
    assert summary.run_id == stopped.value.summary.run_id
    assert any(text.startswith("resuming run #") for text in summary.notices)
    assert any("1 leads left to send" in text for text in summary.notices)
    reports = assert_every_row_once(tmp_path / "two", 7)
    suppressed = {row["phone_e164"]: row["suppressed_by"] for row in reports["suppressed"]}
    # Suppressed once stays suppressed: a list dropped from the command sends nothing.
    assert list(suppressed) == [phones[3], phones[5]]
    assert suppressed[phones[3]].endswith("tuesday.txt, line 1")
    assert "monday.txt, line 1" in suppressed[phones[5]]
    # The duplicate of the newly listed row stays a duplicate, as first decided.
    assert [row["first_name"] for row in reports["duplicates"]] == ["Again"]
    assert sorted(stored_phones(api, SPRING)) == sorted([phones[0], phones[1], phones[2],
                                                         phones[4]])  # fmt: skip
    assert posts(api) == 3  # Monday's two (the second refused), then one of the two left


def test_an_older_ledger_gains_the_columns_this_version_writes(tmp_path: Path) -> None:
    path = tmp_path / LEDGER_FILE
    with sqlite3.connect(path) as db:  # the rows table as the first version wrote it
        db.execute(
            "CREATE TABLE rows (run_id INTEGER NOT NULL, source_row INTEGER NOT NULL, "
            "phone TEXT NOT NULL, lead TEXT NOT NULL, cells TEXT NOT NULL, "
            "warnings TEXT NOT NULL, state TEXT NOT NULL, uncertain INTEGER NOT NULL DEFAULT 0, "
            "batch_id INTEGER, lead_id TEXT, campaign_lead_id TEXT, error TEXT, error_code TEXT, "
            "PRIMARY KEY (run_id, source_row))"
        )
        db.execute(
            "INSERT INTO rows (run_id, source_row, phone, lead, cells, warnings, state, error) "
            "VALUES (1, 2, '+12125550000', '{}', '[]', '', 'suppressed', 'dnc.txt, line 1')"
        )
    db.close()
    with Ledger(path) as ledger:
        # A row suppressed by an earlier version was suppressed when its file was checked.
        assert ledger.listed_when_checked(1) == {"+12125550000"}
        assert ledger.suppress_queued(1, {2: "other.txt, line 1"}) == 0


def test_the_drain_resumes_a_file_left_by_a_night_out_of_credits_after_the_list_changed(
    run_cli: Run, api: SandboxServer, tmp_path: Path
) -> None:
    set_credits(api, 0.025)  # one batch of two
    phones = us_numbers(6, start=300)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    lead_file = leads_file(inbox / "leads.csv", phones)
    os.utime(lead_file, (1_700_000_000, 1_700_000_000))  # arrived long ago: settled
    dnc = _dnc(tmp_path / "dnc.txt", us_numbers(1, start=900))
    args = ["drain", inbox, "-m", "generic", "-c", SPRING, "--batch-size", "2", "--suppress", dnc]
    first = run_cli(*args)
    assert first.exit_code == ExitStatus.INCOMPLETE, first.stderr
    assert lead_file.exists()  # left in the inbox with its pending rows

    _dnc(dnc, [phones[0], phones[4]])  # one lead sent, one left to send
    set_credits(api, 100)
    second = run_cli(*args)
    assert second.exit_code == ExitStatus.SUCCESS, second.stderr
    assert not lead_file.exists()
    assert "resuming run #1" in second.stderr
    # The night's two posts (the second refused), then the three unlisted leads left.
    assert posts(api) == 4
    assert sorted(stored_phones(api, SPRING)) == sorted(p for p in phones if p != phones[4])
    (out,) = [p.parent for p in (inbox / "reports").glob("drain-*/*/summary.json")
              if json.loads(p.read_text())["pending"] == 0]  # fmt: skip
    reports = assert_every_row_once(out, 6)
    assert [row["phone_e164"] for row in reports["suppressed"]] == [phones[4]]
    accepted = {row["phone_e164"]: row for row in reports["accepted"]}
    assert len(accepted) == 5 and all(row["lead_id"] for row in accepted.values())
    assert "remove this lead from the campaign" in accepted[phones[0]]["warnings"]


def test_runs_show_a_file_s_latest_state(run_cli: Run, tmp_path: Path) -> None:
    state_dir = tmp_path / "state"
    state_dir.mkdir()

    def start(key: str, sha256: str) -> int:
        run = ledger.start_run(key, source_path="leads.csv", source_sha256=sha256,
                               mapping_sha256="m", campaign_id=SPRING, campaign_name="Spring",
                               base_url="https://api.example")  # fmt: skip
        return run.id

    with Ledger(state_dir / LEDGER_FILE) as ledger:
        stopped = start("k1", "aaa")  # left with rows to send
        ledger.set_status(stopped, "stopped", {"total": 3, "pending": 3})
        other = start("k2", "bbb")  # another file, still unfinished
        ledger.set_status(other, "stopped")
        finished = start("k3", "aaa")  # the same file again, other settings: it finished
        ledger.set_status(finished, "complete", {"total": 3, "accepted": 3})
        latest = {run.id: run for run in ledger.runs()}
    assert latest[stopped].finished_by == finished
    assert latest[stopped].latest_status == f"finished by #{finished}"
    assert latest[other].finished_by is None and latest[other].latest_status == "stopped"
    assert latest[finished].latest_status == "complete"
    listing = run_cli("runs", "--state-dir", state_dir)
    rows = {line.split()[0]: line for line in listing.stdout.splitlines()[1:]}
    assert f"finished by #{finished}" in rows[str(stopped)]
    shown = json.loads(run_cli("runs", "show", str(stopped), "--state-dir", state_dir).stdout)
    assert shown["status"] == "stopped" and shown["finished_by"] == finished
    assert shown["latest_status"] == f"finished by #{finished}"
