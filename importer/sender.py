"""Send validated leads in batches and reconcile the server's answer with the rows.

Rows go out in source order, at most 1000 per request. The answer of each
request is matched to the rows by the E.164 phone that was sent (or, failing
that, by the position the server reports): ``results.successful`` -> accepted
with ``lead_id`` and ``campaign_lead_id``; ``results.failed`` -> rejected with
the server's reason; ``results.duplicates`` -> duplicates, ``duplicate_of`` =
``campaign``. A lead the answer does not mention stays pending, so it is never
silently counted as sent.

A batch rejected whole (400) puts its rows in rejected.csv with the server's
message. Any other API error stops sending: that batch and every row after it
are pending.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .client import ApiClient, CreateLeadsResult, LeadResult
from .errors import ApiError, ApiValidationError
from .reports import ChunkOutcome
from .spool import SpooledRow

API_REJECTED = "api_rejected"
API_BATCH_REJECTED = "api_batch_rejected"


@dataclass
class SendTotals:
    """What sending has done so far."""

    requests: int = 0
    batches: int = 0
    credits_deducted: float = 0.0
    sent: int = 0
    stopped_by: ApiError | None = field(default=None, repr=False)


def send_batch(
    client: ApiClient,
    campaign_id: str,
    rows: list[SpooledRow],
    columns: tuple[str, ...],
    totals: SendTotals,
) -> ChunkOutcome:
    """Post one batch and return where each of its rows went; raises on a stopping error."""
    before = client.requests_made
    credits = 0.0
    try:
        result = client.create_leads(campaign_id, [row.lead for row in rows])
    except ApiValidationError as exc:
        reason = f"the API rejected the whole batch of {len(rows)} leads: {exc.message}"
        rejected = {row.source_row: (reason, API_BATCH_REJECTED) for row in rows}
        outcome = _outcome(rows, columns, rejected=rejected)
    else:
        outcome = reconcile_answer(rows, columns, result)
        credits = result.credits_deducted
    finally:
        totals.requests += client.requests_made - before
    totals.batches += 1
    totals.sent += len(rows)
    totals.credits_deducted += credits
    return outcome


def reconcile_answer(
    rows: list[SpooledRow], columns: tuple[str, ...], result: CreateLeadsResult
) -> ChunkOutcome:
    """Match a POST /leads answer to the rows of the batch."""
    by_phone = {row.phone: row for row in rows}
    claimed: set[int] = set()

    def match(item: LeadResult) -> SpooledRow | None:
        row = by_phone.get(item.phone or "")
        if row is None and item.index is not None and 0 <= item.index < len(rows):
            row = rows[item.index]
        if row is None or row.source_row in claimed:
            return None
        claimed.add(row.source_row)
        return row

    accepted: dict[int, tuple[str | None, str | None, str]] = {}
    rejected: dict[int, tuple[str, str]] = {}
    duplicates: dict[int, str] = {}
    for item in result.successful:
        row = match(item)
        if row is not None:
            accepted[row.source_row] = (item.lead_id, item.campaign_lead_id, row.warnings)
    for item in result.failed:
        row = match(item)
        if row is not None:
            reason = item.error or "no reason given"
            rejected[row.source_row] = (f"the API rejected the lead: {reason}", API_REJECTED)
    for item in result.duplicates:
        row = match(item)
        if row is None:
            continue
        if result.resent:
            # The first try of this batch was stored but its answer was lost: the
            # server now sees this import's own leads.
            note = "created by this import (its first answer was lost and the batch re-sent)"
            warnings = "; ".join(filter(None, [row.warnings, note]))
            accepted[row.source_row] = (item.existing_lead_id, None, warnings)
        else:
            duplicates[row.source_row] = "campaign"
    pending = {
        row.source_row: "the API's answer did not mention this lead; it may not have been "
        "created: import pending.csv again to find out"
        for row in rows
        if row.source_row not in claimed
    }
    return _outcome(rows, columns, accepted, rejected, duplicates, pending)


def pending_outcome(rows: list[SpooledRow], columns: tuple[str, ...], reason: str) -> ChunkOutcome:
    """Put rows that were not sent into pending.csv with a reason."""
    return _outcome(rows, columns, pending={row.source_row: reason for row in rows})


def _outcome(
    rows: list[SpooledRow],
    columns: tuple[str, ...],
    accepted: dict[int, tuple[str | None, str | None, str]] | None = None,
    rejected: dict[int, tuple[str, str]] | None = None,
    duplicates: dict[int, str] | None = None,
    pending: dict[int, str] | None = None,
) -> ChunkOutcome:
    index = pd.Index([row.source_row for row in rows], name="source_row")
    source = pd.DataFrame([row.values for row in rows], columns=list(columns), index=index,
                          dtype=object)  # fmt: skip
    phones = {row.source_row: row.phone for row in rows}
    accepted = accepted or {}
    rejected = rejected or {}
    duplicates = duplicates or {}
    pending = pending or {}

    def frame(data: dict[str, list[Any]], keys: list[int]) -> pd.DataFrame:
        return pd.DataFrame(data, index=pd.Index(keys, name="source_row"), dtype=object)

    ok = list(accepted)
    bad = list(rejected)
    dup = list(duplicates)
    wait = list(pending)
    return ChunkOutcome(
        source=source,
        accepted=frame(
            {
                "phone_e164": [phones[r] for r in ok],
                "warnings": [accepted[r][2] for r in ok],
                "lead_id": [accepted[r][0] for r in ok],
                "campaign_lead_id": [accepted[r][1] for r in ok],
            },
            ok,
        ),
        rejected=frame(
            {"error": [rejected[r][0] for r in bad], "error_codes": [rejected[r][1] for r in bad]},
            bad,
        ),
        duplicates=frame({"duplicate_of": [duplicates[r] for r in dup]}, dup),
        pending=frame(
            {"phone_e164": [phones[r] for r in wait], "reason": [pending[r] for r in wait]}, wait
        ),
    )
