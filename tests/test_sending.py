"""Sending on its own: a BatchSender against the sandbox server, the ledger as its record."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from importer.client import MAX_BATCH, Credentials
from importer.errors import CampaignError, PaymentRequiredError, StartError
from importer.ledger import ACCEPTED, DUPLICATE, QUEUED, REJECTED, Ledger, ValidRow, run_key
from importer.sandbox import SandboxConfig, SandboxServer
from importer.sending import NOT_SENT_STOPPED, BatchSender

from .helpers import PAUSED, SPRING, posts, stored_phones, us_numbers


def _credentials(server: SandboxServer) -> Credentials:
    return Credentials(server.config.client_id, server.config.client_secret)


def _campaign(server: SandboxServer) -> str:
    """A campaign of its own, so that its leads can be counted exactly."""
    root = server.base_url.split("/api/")[0]
    campaign_id = uuid.uuid4().hex[:24]
    campaign = {"id": campaign_id, "name": f"Sending {campaign_id}", "status": "active"}
    requests.post(f"{root}/_sandbox/campaigns", json=campaign, timeout=5).raise_for_status()
    return campaign_id


def _connect(
    server: SandboxServer,
    campaign: str,
    *,
    batch_size: int = MAX_BATCH,
    rate_limit: int | None = None,
) -> BatchSender:
    return BatchSender.connect(
        campaign, _credentials(server), base_url=server.base_url, batch_size=batch_size,
        rate_limit=rate_limit,
    )  # fmt: skip


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    with Ledger(tmp_path / "ledger.sqlite3") as opened:
        yield opened


def _queue(ledger: Ledger, sender: BatchSender, phones: list[str]) -> int:
    """A ledger run holding these phones as valid rows 2, 3, ..., queued."""
    run = ledger.start_run(
        run_key(source=uuid.uuid4().hex), source_path="leads.csv", source_sha256="0" * 64,
        mapping_sha256="0" * 64, campaign_id=sender.campaign.id,
        campaign_name=sender.campaign.name, base_url=sender.base_url,
    )  # fmt: skip
    rows = [
        ValidRow(2 + i, phone, json.dumps({"phone": phone, "firstName": f"Lead {i}"}),
                 [phone, f"Lead {i}"], "")
        for i, phone in enumerate(phones)
    ]  # fmt: skip
    ledger.add_rows(run.id, rows)
    return run.id


def _states(ledger: Ledger, run_id: int) -> Counter[str]:
    return Counter(row.state for rows in ledger.rows(run_id) for row in rows)


def test_connect_finds_the_campaign_by_id_or_name(sandbox: SandboxServer) -> None:
    with _connect(sandbox, SPRING) as by_id, _connect(sandbox, "Spring Promo 2026") as by_name:
        assert by_id.campaign == by_name.campaign
        assert by_id.campaign.id == SPRING
        assert by_id.base_url == sandbox.base_url


def test_connect_refuses_bad_credentials_and_unknown_campaigns(sandbox: SandboxServer) -> None:
    with pytest.raises(StartError, match="credentials rejected"):
        BatchSender.connect(SPRING, Credentials(sandbox.config.client_id, "wrong"),
                            base_url=sandbox.base_url)  # fmt: skip
    with pytest.raises(CampaignError):
        _connect(sandbox, "No Such Campaign")


def test_connect_paces_to_the_servers_limit_unless_given_one() -> None:
    config = SandboxConfig(rate_limit=120, rate_window_seconds=30)
    with SandboxServer(config, port=0) as server:
        with _connect(server, SPRING) as adopted:
            assert (adopted.client.pacer.limit, adopted.client.pacer.window) == (120, 30.0)
        with _connect(server, SPRING, rate_limit=7) as given:
            assert (given.client.pacer.limit, given.client.pacer.window) == (7, 60.0)


def test_every_queued_row_is_sent_once_in_batches(sandbox: SandboxServer, ledger: Ledger) -> None:
    campaign = _campaign(sandbox)
    phones = us_numbers(25, start=41_000)
    seen: list[tuple[int, int]] = []
    with _connect(sandbox, campaign, batch_size=10) as sender:
        run_id = _queue(ledger, sender, phones)
        before = posts(sandbox)
        result = sender.send(
            ledger, run_id, on_batch=lambda sent, tally: seen.append((sent, tally["accepted"]))
        )
        assert posts(sandbox) - before == 3 == sender.batches
    assert (result.sent, result.error, result.interrupted) == (25, None, False)
    assert seen == [(10, 10), (20, 20), (25, 25)]
    assert _states(ledger, run_id) == {ACCEPTED: 25}
    assert sorted(stored_phones(sandbox, campaign)) == sorted(phones)
    # Each batch was recorded before its POST and answered after it, in source order.
    batches = ledger.batches(run_id)
    assert [state for _, state, _ in batches] == ["answered"] * 3
    assert [rows for _, _, rows in batches] == [list(range(2, 12)), list(range(12, 22)),
                                                list(range(22, 27))]  # fmt: skip
    assert all(row.lead_id for rows in ledger.rows(run_id) for row in rows)
    assert sender.credits > 0


def test_leads_already_in_the_campaign_are_duplicates(
    sandbox: SandboxServer, ledger: Ledger
) -> None:
    campaign = _campaign(sandbox)
    phones = us_numbers(4, start=42_000)
    with _connect(sandbox, campaign) as sender:
        sender.send(ledger, _queue(ledger, sender, phones[:2]))
        again = _queue(ledger, sender, phones)
        sender.send(ledger, again)
    assert _states(ledger, again) == {DUPLICATE: 2, ACCEPTED: 2}


def test_a_stop_request_ends_sending_after_the_batch_in_flight(
    sandbox: SandboxServer, ledger: Ledger
) -> None:
    campaign = _campaign(sandbox)
    with _connect(sandbox, campaign, batch_size=5) as sender:
        run_id = _queue(ledger, sender, us_numbers(20, start=43_000))
        result = sender.send(ledger, run_id, stop_requested=lambda: sender.batches >= 2)
    assert (result.sent, result.interrupted, result.error) == (10, True, None)
    assert _states(ledger, run_id) == {ACCEPTED: 10, QUEUED: 10}
    left = [row for rows in ledger.rows(run_id) for row in rows if row.state == QUEUED]
    assert {row.error for row in left} == {NOT_SENT_STOPPED}
    assert len(stored_phones(sandbox, campaign)) == 10


def test_an_empty_balance_stops_before_any_post(ledger: Ledger) -> None:
    config = SandboxConfig(rate_limit=0, credits=0)
    with SandboxServer(config, port=0) as server, _connect(server, SPRING) as sender:
        run_id = _queue(ledger, sender, us_numbers(3, start=44_000))
        result = sender.send(ledger, run_id)
        assert posts(server) == 0
    assert isinstance(result.error, PaymentRequiredError)
    assert (result.sent, sender.balance) == (0, 0)
    left = [row for rows in ledger.rows(run_id) for row in rows]
    assert {(row.state, row.error) for row in left} == {
        (QUEUED, f"not sent: {result.error.message}")
    }


def test_a_low_balance_is_a_notice_and_sending_goes_on(ledger: Ledger) -> None:
    notices: list[str] = []
    config = SandboxConfig(rate_limit=0, credits=0.02)
    with SandboxServer(config, port=0) as server, _connect(server, SPRING) as sender:
        run_id = _queue(ledger, sender, us_numbers(3, start=45_000))
        sender.send(ledger, run_id, notice=notices.append)
    assert len(notices) == 1 and "may not cover 3 leads" in notices[0]
    assert sender.batches == 1


def test_a_batch_refused_whole_is_rejected_and_sending_goes_on(
    sandbox: SandboxServer, ledger: Ledger
) -> None:
    with _connect(sandbox, PAUSED, batch_size=2) as sender:
        run_id = _queue(ledger, sender, us_numbers(3, start=46_000))
        result = sender.send(ledger, run_id)
    assert (result.sent, result.error) == (3, None)
    assert _states(ledger, run_id) == {REJECTED: 3}
    assert sender.batches == 2


def test_a_batch_size_out_of_range_is_refused(sandbox: SandboxServer) -> None:
    with _connect(sandbox, SPRING) as sender, pytest.raises(ValueError):
        BatchSender(sender.client, sender.campaign, batch_size=0)
