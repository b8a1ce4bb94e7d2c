"""Real imports: the command line against the real sandbox server on loopback."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests

from importer.answers import answer_results
from importer.client import ApiClient, Credentials
from importer.ledger import LedgerRow, ValidRow
from importer.sandbox import SandboxConfig, SandboxServer
from importer.status import ExitStatus

from .helpers import (
    PAUSED,
    SPRING,
    WEBINAR,
    CliResult,
    UseServer,
    assert_every_row_once,
    leads_file,
    posts,
    read_report,
    read_summary,
    set_credits,
    start_outage,
    stats,
    stored_phones,
    us_numbers,
)

Run = Callable[..., CliResult]


@pytest.fixture
def server() -> Iterator[SandboxServer]:
    """A fresh sandbox per test that changes credits or campaigns."""
    with SandboxServer(SandboxConfig(rate_limit=0), host="127.0.0.1", port=0) as running:
        yield running


@pytest.fixture
def api_env(
    monkeypatch: pytest.MonkeyPatch, server: SandboxServer, use_server: UseServer
) -> SandboxServer:
    use_server(server)
    return server


def test_clean_import(run_cli: Run, api_env: SandboxServer, tmp_path: Path) -> None:
    phones = us_numbers(5)
    source = leads_file(tmp_path / "leads.csv", phones)
    out = tmp_path / "out"
    result = run_cli(source, "-m", "generic", "--campaign", SPRING, "--out", out)
    assert result.exit_code == ExitStatus.SUCCESS, result.stderr
    reports = assert_every_row_once(out, 5)
    accepted = reports["accepted"]
    assert [row["phone_e164"] for row in accepted] == phones
    assert all(len(row["lead_id"]) == 24 and len(row["campaign_lead_id"]) == 24 for row in accepted)
    assert sorted(stored_phones(api_env, SPRING)) == sorted(phones)
    summary = read_summary(out)
    assert summary["campaign"] == {"id": SPRING, "name": "Spring Promo 2026"}
    assert summary["dry_run"] is False
    assert summary["credits_deducted"] == pytest.approx(0.05)
    assert summary["batches"] == 1
    assert summary["requests"] >= 3  # campaign check, credit check, one POST
    assert not (out / "leads.jsonl").exists()
    assert "Campaign: Spring Promo 2026" in result.stderr


def test_server_side_duplicates(run_cli: Run, api_env: SandboxServer, tmp_path: Path) -> None:
    first = leads_file(tmp_path / "first.csv", us_numbers(3))
    run_cli(first, "-m", "generic", "-c", SPRING, "--out", tmp_path / "one")
    second = leads_file(tmp_path / "second.csv", us_numbers(4, start=1))  # 2 overlap
    out = tmp_path / "two"
    result = run_cli(second, "-m", "generic", "-c", SPRING, "--out", out)
    assert result.exit_code == ExitStatus.SUCCESS
    reports = assert_every_row_once(out, 4)
    assert [row["duplicate_of"] for row in reports["duplicates"]] == ["campaign", "campaign"]
    assert len(reports["accepted"]) == 2
    assert len(stored_phones(api_env, SPRING)) == 5


def test_in_file_and_invalid_rows_are_never_sent(
    run_cli: Run, api_env: SandboxServer, tmp_path: Path
) -> None:
    phones = us_numbers(3)
    source = leads_file(tmp_path / "leads.csv", phones,
                        extra=[[phones[0], "Lead 0", ""], ["N/A", "nobody", ""]])  # fmt: skip
    out = tmp_path / "out"
    result = run_cli(source, "-m", "generic", "-c", SPRING, "--out", out)
    assert result.exit_code == ExitStatus.ROWS_REJECTED
    reports = assert_every_row_once(out, 5)
    assert reports["duplicates"][0]["duplicate_of"] == "row 2"
    assert sorted(stored_phones(api_env, SPRING)) == sorted(phones)


def test_per_lead_failures_from_the_server(api_env: SandboxServer) -> None:
    rows = [
        LedgerRow(ValidRow(2, "+12125550100", '{"phone": "+12125550100"}', ["x"], ""),
                  "sending", False, None, None, None, None),
        LedgerRow(ValidRow(3, "+12125550101", '{"phone": "+12125550101", "timeZone": "Mars/X"}',
                           ["y"], ""), "sending", False, None, None, None, None),
    ]  # fmt: skip
    credentials = Credentials(api_env.config.client_id, api_env.config.client_secret)
    with ApiClient(api_env.base_url, credentials) as client:
        answer = client.create_leads(SPRING, [json.loads(row.valid.lead) for row in rows])
    results = answer_results(rows, answer)
    assert results[2].state == "accepted"
    assert results[3].state == "rejected"
    assert (results[3].error or "").startswith("the API rejected the lead:")
    assert results[3].error_code == "api_rejected"


def test_batches_split_at_1000(run_cli: Run, api_env: SandboxServer, tmp_path: Path) -> None:
    source = leads_file(tmp_path / "leads.csv", us_numbers(2500))
    out = tmp_path / "out"
    result = run_cli(source, "-m", "generic", "-c", SPRING, "--out", out)
    assert result.exit_code == ExitStatus.SUCCESS
    assert posts(api_env) == 3
    assert read_summary(out)["batches"] == 3
    assert len(stored_phones(api_env, SPRING)) == 2500
    assert_every_row_once(out, 2500)


def test_batch_size_option(run_cli: Run, api_env: SandboxServer, tmp_path: Path) -> None:
    source = leads_file(tmp_path / "leads.csv", us_numbers(10))
    result = run_cli(source, "-m", "generic", "-c", SPRING, "--batch-size", "4",
                     "--out", tmp_path / "out")  # fmt: skip
    assert result.exit_code == ExitStatus.SUCCESS
    assert posts(api_env) == 3
    too_big = run_cli(source, "-m", "generic", "-c", SPRING, "--batch-size", "1001")
    assert too_big.exit_code == ExitStatus.CANNOT_START


def test_out_of_credits_mid_run(run_cli: Run, api_env: SandboxServer, tmp_path: Path) -> None:
    set_credits(api_env, 0.025)  # two leads at 0.01
    source = leads_file(tmp_path / "leads.csv", us_numbers(5))
    out = tmp_path / "out"
    result = run_cli(source, "-m", "generic", "-c", SPRING, "--batch-size", "2", "--out", out)
    assert result.exit_code == ExitStatus.INCOMPLETE
    assert "Warning: credit balance" in result.stderr
    assert "out of credits" in result.stderr
    assert "3 leads were not sent" in result.stderr
    reports = assert_every_row_once(out, 5)
    assert len(reports["accepted"]) == 2
    assert len(reports["pending"]) == 3
    assert all(row["phone_e164"] for row in reports["pending"])
    assert read_summary(out)["stopped_by"]
    assert len(stored_phones(api_env, SPRING)) == 2

    # Recharged, the pending rows are imported on their own.
    set_credits(api_env, 10)
    again = tmp_path / "again"
    retry = run_cli(out / "pending.csv", "-m", "generic", "-c", SPRING, "--out", again)
    assert retry.exit_code == ExitStatus.SUCCESS
    assert len(read_report(again / "accepted.csv")) == 3
    assert len(stored_phones(api_env, SPRING)) == 5


def test_empty_balance_sends_nothing(run_cli: Run, api_env: SandboxServer, tmp_path: Path) -> None:
    set_credits(api_env, 0)
    source = leads_file(tmp_path / "leads.csv", us_numbers(3))
    out = tmp_path / "out"
    result = run_cli(source, "-m", "generic", "-c", SPRING, "--out", out)
    assert result.exit_code == ExitStatus.INCOMPLETE
    assert posts(api_env) == 0
    assert len(assert_every_row_once(out, 3)["pending"]) == 3


def test_wrong_credentials(
    run_cli: Run, api_env: SandboxServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WHITECLAD_CLIENT_SECRET", "wc_secret_wrong")
    source = leads_file(tmp_path / "leads.csv", us_numbers(2))
    result = run_cli(source, "-m", "generic", "-c", SPRING, "--out", tmp_path / "out")
    assert result.exit_code == ExitStatus.CANNOT_START
    assert "credentials rejected" in result.stderr
    assert "WHITECLAD_CLIENT_SECRET" in result.stderr
    assert "wc_secret_wrong" not in result.stderr
    assert posts(api_env) == 0


def test_missing_credentials(run_cli: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WHITECLAD_CLIENT_ID", raising=False)
    monkeypatch.delenv("WHITECLAD_CLIENT_SECRET", raising=False)
    source = leads_file(tmp_path / "leads.csv", us_numbers(1))
    result = run_cli(source, "-m", "generic", "-c", SPRING)
    assert result.exit_code == ExitStatus.CANNOT_START
    assert "WHITECLAD_CLIENT_ID" in result.stderr


def test_unknown_campaign(run_cli: Run, api_env: SandboxServer, tmp_path: Path) -> None:
    source = leads_file(tmp_path / "leads.csv", us_numbers(2))
    result = run_cli(source, "-m", "generic", "-c", "aaaaaaaaaaaaaaaaaaaaaaaa", "--out", tmp_path)
    assert result.exit_code == ExitStatus.CANNOT_START
    assert "does not exist" in result.stderr
    assert posts(api_env) == 0


def test_campaign_by_name(run_cli: Run, api_env: SandboxServer, tmp_path: Path) -> None:
    source = leads_file(tmp_path / "leads.csv", us_numbers(2))
    out = tmp_path / "out"
    result = run_cli(source, "-m", "generic", "-c", "webinar follow-up", "--out", out)
    assert result.exit_code == ExitStatus.SUCCESS, result.stderr
    assert read_summary(out)["campaign"]["id"] == WEBINAR  # type: ignore[index]
    assert len(stored_phones(api_env, WEBINAR)) == 2


@pytest.mark.parametrize(("name", "message"), [("Nope Campaign", "no campaign is named"),
                                                ("2026", "matches 1")])  # fmt: skip
def test_campaign_name_errors(
    run_cli: Run, api_env: SandboxServer, tmp_path: Path, name: str, message: str
) -> None:
    root = api_env.base_url.split("/api/")[0]
    requests.post(f"{root}/_sandbox/campaigns", json={"name": "Autumn 2026", "status": "active"},
                  timeout=5).raise_for_status()  # fmt: skip
    source = leads_file(tmp_path / "leads.csv", us_numbers(1))
    result = run_cli(source, "-m", "generic", "-c", name)
    if name == "2026":
        # "2026" matches "Spring Promo 2026" and "Autumn 2026": ambiguous, both listed.
        assert "matches 2 campaigns" in result.stderr
        assert "Spring Promo 2026" in result.stderr and "Autumn 2026" in result.stderr
    else:
        assert message in result.stderr
    assert result.exit_code == ExitStatus.CANNOT_START
    assert posts(api_env) == 0


def test_paused_campaign_rejects_the_batch(
    run_cli: Run, api_env: SandboxServer, tmp_path: Path
) -> None:
    source = leads_file(tmp_path / "leads.csv", us_numbers(3))
    out = tmp_path / "out"
    result = run_cli(source, "-m", "generic", "-c", PAUSED, "--out", out)
    assert result.exit_code == ExitStatus.ROWS_REJECTED
    reports = assert_every_row_once(out, 3)
    assert {row["error_codes"] for row in reports["rejected"]} == {"api_batch_rejected"}
    assert "paused" in reports["rejected"][0]["error"]


def test_dry_run_sends_nothing_and_needs_no_credentials(
    run_cli: Run, api_env: SandboxServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("WHITECLAD_CLIENT_SECRET")
    before = stats(api_env)
    source = leads_file(tmp_path / "leads.csv", us_numbers(3))
    result = run_cli(source, "-m", "generic", "-c", SPRING, "--dry-run", "--out", tmp_path / "o")
    assert result.exit_code == ExitStatus.SUCCESS
    assert stats(api_env)["requests"] == before["requests"]
    assert stored_phones(api_env, SPRING) == []


def test_embedded_sandbox(run_cli: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WHITECLAD_CLIENT_ID", raising=False)
    monkeypatch.delenv("WHITECLAD_CLIENT_SECRET", raising=False)
    source = leads_file(tmp_path / "leads.csv", us_numbers(4))
    out = tmp_path / "out"
    result = run_cli(source, "-m", "generic", "-c", "Spring Promo 2026", "--sandbox", "--out", out)
    assert result.exit_code == ExitStatus.SUCCESS, result.stderr
    assert "Sandbox: http://127.0.0.1:" in result.stderr
    assert len(assert_every_row_once(out, 4)["accepted"]) == 4


# --- information commands ---------------------------------------------------------


def test_campaigns_command(run_cli: Run, api_env: SandboxServer) -> None:
    result = run_cli("campaigns")
    assert result.exit_code == ExitStatus.SUCCESS
    assert SPRING in result.stdout and "Spring Promo 2026" in result.stdout
    active = run_cli("campaigns", "--status", "paused", "--json")
    assert [c["name"] for c in json.loads(active.stdout)] == ["Winter Renewals"]
    found = run_cli("campaigns", "--search", "webinar")
    assert "Webinar Follow-up" in found.stdout and "Spring" not in found.stdout


def test_campaign_command(run_cli: Run, api_env: SandboxServer) -> None:
    result = run_cli("campaign", SPRING)
    assert result.exit_code == ExitStatus.SUCCESS
    assert "Spring Promo 2026" in result.stdout
    missing = run_cli("campaign", "aaaaaaaaaaaaaaaaaaaaaaaa")
    assert missing.exit_code == ExitStatus.CANNOT_START
    assert missing.stderr.startswith("Error: not found")


def test_status_and_rate_limits_commands(run_cli: Run, api_env: SandboxServer) -> None:
    status = run_cli("status")
    assert status.exit_code == ExitStatus.SUCCESS
    assert api_env.config.client_id in status.stdout
    assert "credits" in status.stdout
    as_json = run_cli("status", "--json")
    assert json.loads(as_json.stdout)["data"]["credits"]["balance"] > 0
    limits = run_cli("rate-limits", "--json")
    assert limits.exit_code == ExitStatus.SUCCESS
    assert json.loads(limits.stdout)["success"] is True


def test_information_commands_need_credentials(
    run_cli: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("WHITECLAD_CLIENT_ID", raising=False)
    result = run_cli("status")
    assert result.exit_code == ExitStatus.CANNOT_START
    assert "WHITECLAD_CLIENT_ID" in result.stderr


#: Retry settings on a small time scale: a few seconds of patience, short waits, and far
#: more tries than the three the tests run with otherwise (and than the old default).
QUICK_RETRIES = ("--max-retries", "200", "--retry-backoff", "0.02", "--retry-max-backoff",
                 "0.1s")  # fmt: skip


def test_a_burst_of_429s_shorter_than_the_patience_is_ridden_out(
    run_cli: Run, api_env: SandboxServer, tmp_path: Path
) -> None:
    source = leads_file(tmp_path / "leads.csv", us_numbers(6))
    out = tmp_path / "out"
    # Every request is refused for a second and a half from the start: the campaign
    # lookup before anything is sent is retried until the burst is over.
    start_outage(api_env, 429, seconds=1.5)
    result = run_cli(source, "-m", "generic", "-c", SPRING, "--batch-size", "2", "--out", out,
                     *QUICK_RETRIES, "--retry-patience", "20s")  # fmt: skip
    assert result.exit_code == ExitStatus.SUCCESS, result.stderr
    assert len(assert_every_row_once(out, 6)["accepted"]) == 6
    assert stats(api_env)["injectedThrottles"] > 4  # more than a few tries were needed
    assert len(stored_phones(api_env, SPRING)) == 6


def test_passing_api_trouble_longer_than_the_patience_exits_75_with_pending_rows(
    run_cli: Run, api_env: SandboxServer, tmp_path: Path
) -> None:
    source = leads_file(tmp_path / "leads.csv", us_numbers(6))
    out = tmp_path / "out"
    # 503s for a minute from the second batch on; the patience is a fraction of a second.
    start_outage(api_env, 503, seconds=60, after_posts=1)
    result = run_cli(source, "-m", "generic", "-c", SPRING, "--batch-size", "2", "--out", out,
                     *QUICK_RETRIES, "--retry-patience", "0.3")  # fmt: skip
    assert result.exit_code == ExitStatus.API_UNAVAILABLE == 75
    assert "4 leads were not sent" in result.stderr
    assert "passing trouble at the API" in result.stderr
    assert "retry_patience" in result.stderr
    reports = assert_every_row_once(out, 6)
    assert (len(reports["accepted"]), len(reports["pending"])) == (2, 4)

    # Once the API is back, the same command sends the rest and only the rest.
    start_outage(api_env, 503, requests=0)
    again = run_cli(source, "-m", "generic", "-c", SPRING, "--batch-size", "2",
                    "--out", tmp_path / "again")  # fmt: skip
    assert again.exit_code == ExitStatus.SUCCESS, again.stderr
    assert len(stored_phones(api_env, SPRING)) == 6


def test_passing_trouble_before_anything_is_sent_exits_75(
    run_cli: Run, api_env: SandboxServer, tmp_path: Path
) -> None:
    source = leads_file(tmp_path / "leads.csv", us_numbers(2))
    start_outage(api_env, 502, seconds=60)
    result = run_cli(source, "-m", "generic", "-c", SPRING, "--out", tmp_path / "out",
                     *QUICK_RETRIES, "--retry-patience", "0.2")  # fmt: skip
    assert result.exit_code == ExitStatus.API_UNAVAILABLE
    assert "Nothing was sent" in result.stderr and "run the same command again" in result.stderr
    assert posts(api_env) == 0
