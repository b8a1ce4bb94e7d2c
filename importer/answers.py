"""Read the server's answer to a batch, and turn ledger rows into report rows.

The answer of each POST is matched to the rows by the E.164 phone that was sent
(or, failing that, by the position the server reports): ``results.successful``
-> accepted with ``lead_id`` and ``campaign_lead_id``; ``results.failed`` ->
rejected with the server's reason; ``results.duplicates`` -> duplicate of a lead
already in the campaign. A lead the answer does not mention is not counted as
sent: it stays in the queue, uncertain, and is sent once more on the next run.

A row that is *uncertain* was in a batch whose answer never arrived. The server
may have created it; when it now calls that lead a duplicate, the lead is this
import's own, and is reported as accepted with the lead id the server gives.
"""

from __future__ import annotations

from collections.abc import Sequence

from .client import CreateLeadsResult, LeadResult
from .ledger import ACCEPTED, DUPLICATE, REJECTED, SUPPRESSED, LedgerRow, RowResult
from .marks import LIST_CODE
from .normalize import phone_type
from .reports import ReportRows, empty_rows

__all__ = [
    "API_BATCH_REJECTED",
    "API_REJECTED",
    "RESENT_NOTE",
    "UNMENTIONED",
    "answer_results",
    "batch_rejected",
    "ledger_rows",
]

API_REJECTED = "api_rejected"
API_BATCH_REJECTED = "api_batch_rejected"
UNMENTIONED = (
    "the API's answer did not mention this lead; it is sent once more on the next run to find "
    "out whether it was created"
)
RESENT_NOTE = "created by this import (an earlier answer was lost and the lead sent again)"


def answer_results(rows: Sequence[LedgerRow], result: CreateLeadsResult) -> dict[int, RowResult]:
    """Match a POST /leads answer to the rows of the batch; unmentioned rows are left out."""
    by_phone = {row.valid.phone: row for row in rows}
    results: dict[int, RowResult] = {}

    def match(item: LeadResult) -> LedgerRow | None:
        row = by_phone.get(item.phone or "")
        # The position counts only when the answer names no phone: a phone that was not
        # sent means the answer is about some other lead, whatever position it gives.
        if row is None and not item.phone and item.index is not None:
            row = rows[item.index] if 0 <= item.index < len(rows) else None
        if row is None or row.valid.source_row in results:
            return None
        return row

    for item in result.successful:
        row = match(item)
        if row is not None:
            results[row.valid.source_row] = RowResult(ACCEPTED, item.lead_id, item.campaign_lead_id)
    for item in result.failed:
        row = match(item)
        if row is not None:
            reason = f"the API rejected the lead: {item.error or 'no reason given'}"
            results[row.valid.source_row] = RowResult(
                REJECTED, error=reason, error_code=API_REJECTED
            )
    for item in result.duplicates:
        row = match(item)
        if row is None:
            continue
        if row.uncertain or result.resent:
            warnings = "; ".join(filter(None, [row.valid.warnings, RESENT_NOTE]))
            results[row.valid.source_row] = RowResult(
                ACCEPTED, item.existing_lead_id, None, warnings=warnings
            )
        else:
            results[row.valid.source_row] = RowResult(DUPLICATE)
    return results


def batch_rejected(rows: Sequence[LedgerRow], message: str) -> dict[int, RowResult]:
    """Every row of a batch the API refused whole (400)."""
    reason = f"the API rejected the whole batch of {len(rows)} leads: {message}"
    return {
        row.valid.source_row: RowResult(REJECTED, error=reason, error_code=API_BATCH_REJECTED)
        for row in rows
    }


def ledger_rows(rows: Sequence[LedgerRow]) -> ReportRows:
    """Turn ledger rows into report rows: each row in the report of its state."""
    out = empty_rows()
    for row in rows:
        valid = row.valid
        head = [*valid.values, valid.source_row]
        if row.state == ACCEPTED:
            out["accepted"].append([*head, valid.phone, phone_type(valid.phone), valid.time_zone,
                                    valid.zone_source, valid.warnings, row.lead_id,
                                    row.campaign_lead_id])  # fmt: skip
        elif row.state == REJECTED:
            out["rejected"].append([*head, row.error, row.error_code])
        elif row.state == DUPLICATE:
            out["duplicates"].append([*head, "campaign"])
        elif row.state == SUPPRESSED:
            out["suppressed"].append([*head, valid.phone, row.error or "", LIST_CODE])
        else:
            out["pending"].append([*head, valid.phone, row.error or "not sent yet"])
    return out
