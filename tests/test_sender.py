from __future__ import annotations

from pathlib import Path

import pytest

from importer.client import ApiClient, CreateLeadsResult, Credentials, LeadResult, RetryPolicy
from importer.sandbox import SandboxConfig, SandboxServer
from importer.sender import SendTotals, reconcile_answer, send_batch
from importer.spool import Spool, SpooledRow

COLUMNS = ("phone", "name")


def _rows(*phones: str) -> list[SpooledRow]:
    return [
        SpooledRow(10 + i, phone, {"phone": phone}, [phone, f"n{i}"], "")
        for i, phone in enumerate(phones)
    ]


def _answer(successful=(), failed=(), duplicates=(), resent=False) -> CreateLeadsResult:  # type: ignore[no-untyped-def]
    return CreateLeadsResult(list(successful), list(failed), list(duplicates), 0.0, resent, {})


def test_results_are_matched_by_phone_then_by_index() -> None:
    rows = _rows("+1", "+2", "+3", "+4")
    outcome = reconcile_answer(
        rows,
        COLUMNS,
        _answer(
            successful=[LeadResult("+2", None, "L2", "C2")],
            failed=[LeadResult(None, 0, error="phone is not E.164")],
            duplicates=[LeadResult("+3", 2, existing_lead_id="L3")],
        ),
    )
    assert outcome.accepted.loc[11, "lead_id"] == "L2"
    assert outcome.accepted.loc[11, "campaign_lead_id"] == "C2"
    assert outcome.rejected.loc[10, "error"] == "the API rejected the lead: phone is not E.164"
    assert outcome.duplicates.loc[12, "duplicate_of"] == "campaign"
    # A lead the answer does not mention is never counted as sent.
    assert outcome.pending.index.tolist() == [13]
    assert sum(outcome.counts().values()) == len(rows)
    assert outcome.source.loc[13].tolist() == ["+4", "n3"]


def test_a_row_is_claimed_once_even_if_the_answer_repeats_it() -> None:
    rows = _rows("+1")
    outcome = reconcile_answer(
        rows,
        COLUMNS,
        _answer(successful=[LeadResult("+1", None, "L1")], duplicates=[LeadResult("+1", None)]),
    )
    assert outcome.counts() == {"accepted": 1, "rejected": 0, "duplicates": 0, "pending": 0}


def test_duplicates_of_a_resent_batch_are_this_imports_own() -> None:
    rows = _rows("+1", "+2")
    outcome = reconcile_answer(
        rows,
        COLUMNS,
        _answer(
            duplicates=[
                LeadResult("+1", 0, existing_lead_id="L1"),
                LeadResult("+2", 1, existing_lead_id="L2"),
            ],
            resent=True,
        ),
    )
    assert outcome.accepted["lead_id"].tolist() == ["L1", "L2"]
    assert "re-sent" in outcome.accepted.loc[10, "warnings"]
    assert outcome.duplicates.empty


def test_dropped_answers_are_resent_and_nothing_is_lost(tmp_path: Path) -> None:
    config = SandboxConfig(rate_limit=0, drop_rate=0.5, seed=7)
    phones = [f"+1212555{i:04d}" for i in range(40)]
    with SandboxServer(config, port=0) as server, Spool(tmp_path) as spool:
        spool.add(_rows(*phones))
        client = ApiClient(
            server.base_url,
            Credentials(config.client_id, config.client_secret),
            retry=RetryPolicy(attempts=10, backoff=0.01, max_backoff=0.02),
        )
        totals = SendTotals()
        accepted = 0
        with client:
            for batch in spool.batches(5):
                outcome = send_batch(client, "65f2a1b2c3d4e5f6a7b8c9d0", batch, COLUMNS, totals)
                assert outcome.counts()["accepted"] == len(batch)
                accepted += len(batch)
        stats = server.sandbox.store.stats()
    assert accepted == 40
    assert stats["droppedConnections"] > 0
    assert totals.batches == 8
    assert totals.requests == 8 + stats["droppedConnections"]
    assert stats["leads"]["byCampaign"]["65f2a1b2c3d4e5f6a7b8c9d0"] == 40


def test_spool_gives_rows_back_in_source_order(tmp_path: Path) -> None:
    with Spool(tmp_path) as spool:
        spool.add(reversed(_rows("+1", "+2", "+3")))
        assert len(spool) == 3
        batches = [[row.source_row for row in batch] for batch in spool.batches(2)]
    assert batches == [[10, 11], [12]]
    assert list(tmp_path.iterdir()) == []  # removed on close


@pytest.mark.parametrize("size", [0, 1001])
def test_batch_size_is_bounded(size: int) -> None:
    client = ApiClient("http://127.0.0.1:9", Credentials("a", "b"))
    with client, pytest.raises(ValueError):
        client.create_leads("65f2a1b2c3d4e5f6a7b8c9d0", [{"phone": "+1"}] * size)
