from __future__ import annotations

from importer.answers import answer_results, batch_rejected, ledger_rows
from importer.client import CreateLeadsResult, LeadResult
from importer.ledger import LedgerRow, ValidRow

COLUMNS = ("phone", "name")


def _rows(*phones: str, uncertain: bool = False) -> list[LedgerRow]:
    return [
        LedgerRow(ValidRow(10 + i, phone, f'{{"phone": "{phone}"}}', [phone, f"n{i}"], ""),
                  "sending", uncertain, None, None, None, None)
        for i, phone in enumerate(phones)
    ]  # fmt: skip


def _answer(
    successful: tuple[LeadResult, ...] = (),
    failed: tuple[LeadResult, ...] = (),
    duplicates: tuple[LeadResult, ...] = (),
    resent: bool = False,
) -> CreateLeadsResult:
    return CreateLeadsResult(list(successful), list(failed), list(duplicates), 0.0, resent, {})


def test_results_are_matched_by_phone_then_by_index() -> None:
    rows = _rows("+1", "+2", "+3", "+4")
    results = answer_results(
        rows,
        _answer(
            successful=(LeadResult("+2", None, "L2", "C2"),),
            failed=(LeadResult(None, 0, error="phone is not E.164"),),
            duplicates=(LeadResult("+3", 2, existing_lead_id="L3"),),
        ),
    )
    assert results[11].state == "accepted"
    assert (results[11].lead_id, results[11].campaign_lead_id) == ("L2", "C2")
    assert results[10].error == "the API rejected the lead: phone is not E.164"
    assert results[12].state == "duplicate"
    assert 13 not in results  # not mentioned: never counted as sent


def test_a_row_is_claimed_once_even_if_the_answer_repeats_it() -> None:
    results = answer_results(
        _rows("+1"),
        _answer(successful=(LeadResult("+1", None, "L1"),), duplicates=(LeadResult("+1", None),)),
    )
    assert [r.state for r in results.values()] == ["accepted"]


def test_duplicates_of_leads_sent_before_are_this_imports_own() -> None:
    answer = _answer(duplicates=(LeadResult("+1", 0, existing_lead_id="L1"),
                                 LeadResult("+2", 1, existing_lead_id="L2")))  # fmt: skip
    for results in (
        answer_results(_rows("+1", "+2", uncertain=True), answer),
        answer_results(_rows("+1", "+2"), _answer(duplicates=answer.duplicates, resent=True)),
    ):
        assert [r.state for r in results.values()] == ["accepted", "accepted"]
        assert [r.lead_id for r in results.values()] == ["L1", "L2"]
        assert "sent again" in (results[10].warnings or "")


def test_batch_rejected_whole() -> None:
    results = batch_rejected(_rows("+1", "+2"), "campaign is paused")
    assert {r.error_code for r in results.values()} == {"api_batch_rejected"}
    assert "batch of 2 leads: campaign is paused" in (results[10].error or "")


def test_ledger_rows_become_report_rows() -> None:
    rows = [
        LedgerRow(ValidRow(2, "+447911123456", "{}", ["+1", "a"], "w", "Europe/London", "phone"),
                  "accepted", False, "L", "C", None, None),
        LedgerRow(ValidRow(3, "+2", "{}", ["+2", "b"], ""), "rejected", False, None, None, "bad",
                  "api_rejected"),
        LedgerRow(ValidRow(4, "+3", "{}", ["+3", "c"], ""), "duplicate", False, None, None, None,
                  None),
        LedgerRow(ValidRow(5, "+4", "{}", ["+4", "d"], ""), "queued", True, None, None,
                  "not sent: out of credits", None),
    ]  # fmt: skip
    out = ledger_rows(rows)
    # The phone's type is read from the number the ledger holds.
    assert out["accepted"] == [
        ["+1", "a", 2, "+447911123456", "mobile", "Europe/London", "phone", "w", "L", "C"]
    ]
    assert out["rejected"] == [["+2", "b", 3, "bad", "api_rejected"]]
    assert out["duplicates"] == [["+3", "c", 4, "campaign"]]
    assert out["pending"] == [["+4", "d", 5, "+4", "not sent: out of credits"]]
