"""The whole offline pipeline on every bundled sample file, checked row by row."""

from __future__ import annotations

import csv
import gc
import hashlib
import importlib.util
import json
from dataclasses import replace
from pathlib import Path

import pytest
import requests

from importer import normalize, validation
from importer.client import Credentials
from importer.dedupe import shared_note
from importer.ledger import LEDGER_FILE, Ledger, run_key
from importer.mapping import bind_mapping, load_mapping
from importer.pipeline import ImportOptions, run_import
from importer.reader import ReadOptions, open_source
from importer.reports import restore
from importer.sandbox import SandboxServer
from importer.validation import ChunkValidator, ValidationContext

from .helpers import (
    SAMPLES,
    SPRING,
    UseServer,
    assert_every_row_once,
    duplicate_note,
    leads_file,
    read_report,
    read_summary,
    stored_phones,
    us_numbers,
)

EXPECTED = json.loads((SAMPLES / "expected.json").read_text(encoding="utf-8"))
REPORTS = ("accepted", "rejected", "duplicates")


def _run(
    name: str, out: Path, chunk_rows: int = 20_000, workers: int = 0
) -> dict[str, list[dict[str, str]]]:
    spec = EXPECTED[name]
    summary = run_import(
        ImportOptions(
            path=SAMPLES / name,
            mapping=spec["mapping"],
            out_dir=out,
            region=spec["region"],
            read=ReadOptions(chunk_rows=chunk_rows),
            write_leads=True,
            workers=workers,
        )
    )
    assert summary.balanced
    return {report: read_report(out / f"{report}.csv") for report in REPORTS}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_row_lands_where_expected(name: str, tmp_path: Path) -> None:
    reports = _run(name, tmp_path)
    marked = tmp_path / "suppressed.csv"  # only when the file marks rows do-not-call
    reports["suppressed"] = read_report(marked) if marked.exists() else []
    expected = {int(row): want for row, want in EXPECTED[name]["rows"].items()}
    data_rows = {row for row, want in expected.items() if want["outcome"] != "blank"}

    seen: dict[int, str] = {}
    for report, rows in reports.items():
        for row in rows:
            number = int(row["source_row"])
            assert number not in seen, f"row {number} is in {seen[number]} and {report}"
            seen[number] = report
    assert set(seen) == data_rows, "every data row in exactly one report"

    summary = read_summary(tmp_path)
    assert summary["total"] == len(data_rows)
    assert summary["total"] == sum(
        int(summary[k]) for k in ("accepted", "rejected", "duplicates", "suppressed", "pending")
    )  # type: ignore[call-overload]
    assert summary["blank_rows"] == sum(1 for w in expected.values() if w["outcome"] == "blank")

    by_row = {int(row["source_row"]): row for rows in reports.values() for row in rows}
    for number, want in expected.items():
        if want["outcome"] == "blank":
            continue
        got = by_row[number]
        outcome = {"accepted": "accepted", "rejected": "rejected", "duplicates": "duplicate",
                   "suppressed": "suppressed"}[seen[number]]  # fmt: skip
        assert outcome == want["outcome"], (number, got)
        if outcome == "accepted":
            assert got["phone_e164"] == want["phone_e164"], number
            if "time_zone" in want:
                assert got["time_zone"] == want["time_zone"], (number, got)
            for words in want.get("warnings", ()):
                assert words in got["warnings"], (number, got["warnings"])
        elif outcome == "rejected":
            assert set(got["error_codes"].split()) == set(want["codes"]), (number, got["error"])
        elif outcome == "suppressed":
            assert (got["phone_e164"], got["suppressed_code"]) == (
                want["phone_e164"], want["code"],
            ), number  # fmt: skip
        else:
            assert got["duplicate_of"] == duplicate_note(want), number


@pytest.mark.parametrize("name", ["generic_leads.csv", "facebook_lead_ads.csv", "leads.xlsx"])
@pytest.mark.parametrize("chunk_rows", [1, 3, 7])
def test_chunking_does_not_change_any_report(name: str, chunk_rows: int, tmp_path: Path) -> None:
    whole = tmp_path / "whole"
    chunked = tmp_path / "chunked"
    _run(name, whole)
    _run(name, chunked, chunk_rows=chunk_rows)
    for report in (*REPORTS, "leads"):
        suffix = ".jsonl" if report == "leads" else ".csv"
        assert (whole / f"{report}{suffix}").read_bytes() == (
            chunked / f"{report}{suffix}"
        ).read_bytes()


def test_report_columns_keep_the_source_columns_in_order(tmp_path: Path) -> None:
    reports = _run("facebook_lead_ads.csv", tmp_path)
    header = list(reports["accepted"][0])
    source_columns = read_summary(tmp_path)["source"]["columns"]  # type: ignore[index]
    assert header == [
        *source_columns,
        "source_row",
        "phone_e164",
        "phone_type",
        "time_zone",
        "time_zone_source",
        "warnings",
        "lead_id",
        "campaign_lead_id",
    ]
    assert list(reports["rejected"][0])[-3:] == ["source_row", "error", "error_codes"]
    assert list(reports["duplicates"][0])[-2:] == ["source_row", "duplicate_of"]


def test_text_survives_untouched_in_the_reports(tmp_path: Path) -> None:
    reports = _run("generic_leads.csv", tmp_path)
    with (SAMPLES / "generic_leads.csv").open(encoding="utf-8", newline="") as handle:
        raw = dict(enumerate(csv.reader(handle), start=1))
    header = raw[1]
    for rows in reports.values():
        for row in rows:
            source = raw[int(row["source_row"])]
            padded = (source + [""] * len(header))[: len(header)]
            # Unchanged, except the ' that keeps a spreadsheet from reading a formula.
            assert [restore(row[column]) for column in header] == padded
    ids = [row["customer_id"] for rows in reports.values() for row in rows]
    assert "000123" in ids  # leading zeros survive
    notes = [row["notes"] for rows in reports.values() for row in rows]
    assert any("\n" in value for value in notes)  # a multi-line cell stays one cell
    summary = read_summary(tmp_path)
    assert (
        summary["source"]["sha256"]
        == hashlib.sha256(  # type: ignore[index]
            (SAMPLES / "generic_leads.csv").read_bytes()
        ).hexdigest()
    )


def test_dry_run_leads_are_exactly_the_accepted_rows(tmp_path: Path) -> None:
    reports = _run("facebook_lead_ads.csv", tmp_path)
    lines = (tmp_path / "leads.jsonl").read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    assert [str(r["source_row"]) for r in records] == [
        row["source_row"] for row in reports["accepted"]
    ]
    assert [r["lead"]["phone"] for r in records] == [
        row["phone_e164"] for row in reports["accepted"]
    ]
    allowed = {"phone", "firstName", "lastName", "email", "priority", "leadSource", "notes",
               "tags", "timeZone", "customFields"}  # fmt: skip
    assert all(set(r["lead"]) <= allowed for r in records)


@pytest.mark.parametrize("name", ["generic_leads.csv", "facebook_lead_ads.csv"])
def test_worker_processes_give_the_same_reports(name: str, tmp_path: Path) -> None:
    inline = tmp_path / "inline"
    pooled = tmp_path / "pooled"
    _run(name, inline)
    _run(name, pooled, chunk_rows=4, workers=2)
    for report in (*REPORTS, "leads"):
        suffix = ".jsonl" if report == "leads" else ".csv"
        assert (inline / f"{report}{suffix}").read_bytes() == (
            pooled / f"{report}{suffix}"
        ).read_bytes()
    assert read_summary(inline)["rejection_reasons"] == read_summary(pooled)["rejection_reasons"]


def _validate_all(
    source: Path, chunk_rows: int, workers: int = 0
) -> tuple[ChunkValidator, list[int]]:
    """Validate a file chunk by chunk; return the validator and the phones each chunk learned."""
    with open_source(source, ReadOptions(chunk_rows=chunk_rows)) as opened:
        bound = bind_mapping(load_mapping("generic"), opened.info.columns, source.name)
        context = ValidationContext(bound, opened.info.columns, "US", False)
        with ChunkValidator(context, workers) as validator:
            learned = [
                sum(map(len, verdicts.learned.values()))
                for _, verdicts in validator.run(opened.chunks())
            ]
    return validator, learned


def test_phone_results_are_shared_across_chunks(tmp_path: Path) -> None:
    source = tmp_path / "leads.csv"
    source.write_text("phone\n" + "(415) 555-0123\n" * 6 + "+1 212 555 0102\n" * 2)
    validator, learned = _validate_all(source, chunk_rows=3)
    # Each distinct cell is normalized once in the run, whichever chunk it is in.
    assert learned == [1, 0, 1]
    assert validator.known_count == 2
    fictional = "is a fictional number, kept for films, samples and tests; it reaches nobody real"
    assert validator.known == {
        "US": {
            cell: (e164, None, "fixed_line_or_mobile", None, None, "phone_fictional",
                   f"phone {e164} {fictional}")
            for cell, e164 in (("(415) 555-0123", "+14155550123"),
                               ("+1 212 555 0102", "+12125550102"))
        }
    }  # fmt: skip


def test_phone_results_kept_are_capped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(validation, "MAX_KNOWN_PHONES", 3)
    source = tmp_path / "leads.csv"
    source.write_text("phone\n" + "".join(f"+1 212 555 01{n:02d}\n" for n in range(8)))
    validator, learned = _validate_all(source, chunk_rows=2)
    assert learned == [2, 2, 2, 2]
    assert validator.known_count == 3
    assert sum(map(len, validator.known.values())) == 3


@pytest.mark.parametrize("workers", [0, 2])
def test_collector_thresholds_come_back(tmp_path: Path, workers: int) -> None:
    before = gc.get_threshold()
    source = tmp_path / "leads.csv"
    source.write_text("phone\n+1 212 555 0100\n")
    validator, _ = _validate_all(source, chunk_rows=1, workers=workers)
    assert gc.get_threshold() == before
    with ChunkValidator(validator.context, workers):
        assert gc.get_threshold()[0] == max(before[0], validation.GC_YOUNG_THRESHOLD)


def test_a_given_header_row_is_part_of_the_run_identity_and_none_changes_nothing(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    source = leads_file(tmp_path / "leads.csv", us_numbers(2, start=9_410))
    state = tmp_path / "ledger"
    base = ImportOptions(
        path=source,
        mapping="generic",
        region="US",
        dry_run=False,
        campaign=SPRING,
        base_url=sandbox.base_url,
        credentials=Credentials(sandbox.config.client_id, sandbox.config.client_secret),
        state_dir=state,
        workbook=False,
    )
    first = run_import(replace(base, out_dir=tmp_path / "a"))
    given = run_import(replace(base, out_dir=tmp_path / "b", read=ReadOptions(header_row=1)))
    assert first.run_id != given.run_id
    parts = {
        "source": hashlib.sha256(source.read_bytes()).hexdigest(),
        "mapping": load_mapping("generic").sha256,
        "region": "US",
        "lenient": "False",
        "campaign": SPRING,
        "base_url": str(first.base_url),
    }
    with Ledger(state / LEDGER_FILE) as ledger:
        keys = {run.id: run.key for run in ledger.runs()}
    assert keys[first.run_id] == run_key(**parts)  # as before header rows could be given
    assert keys[given.run_id] == run_key(**parts, header_row="1")
    again = run_import(replace(base, out_dir=tmp_path / "c"))
    assert again.run_id == first.run_id


def test_the_python_api_takes_the_header_row(
    tmp_path: Path, sandbox: SandboxServer, use_server: UseServer
) -> None:
    from importer.api import drain_folder, import_file

    def titled(path: Path, phones: list[str]) -> Path:
        rows = ["Leads of the week", "phone,first_name", *(f"{p},Lead" for p in phones)]
        path.write_text("\n".join(rows) + "\n", encoding="utf-8")
        return path

    one = titled(tmp_path / "one.csv", us_numbers(2, start=9_420))
    checked = import_file(one, "generic", region="US", dry_run=True, out_dir=tmp_path / "one",
                          header_row=2)  # fmt: skip
    assert (checked.accepted, checked.source["header_row"]) == (2, 2)
    use_server(sandbox)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    titled(inbox / "drop.csv", us_numbers(3, start=9_430))
    drained = drain_folder(inbox, "generic", campaign=SPRING, region="US", settle_seconds=0,
                           header_row=2)  # fmt: skip
    (only,) = drained.files
    assert (only.outcome, only.counts["accepted"]) == ("imported", 3), only


@pytest.mark.parametrize("workers", [0, 2])
def test_rows_left_out_are_rejected_as_skipped_and_nothing_else_changes(
    tmp_path: Path, workers: int
) -> None:
    spec = EXPECTED["generic_leads.csv"]
    rows = {int(n): want for n, want in spec["rows"].items() if want["outcome"] != "blank"}
    # One accepted row, one rejected, one duplicate and the row it duplicates.
    kept_of = {want["of"] for want in rows.values() if want["outcome"] == "duplicate"}
    accepted = next(n for n, w in rows.items() if w["outcome"] == "accepted" and n not in kept_of)
    rejected = next(n for n, w in rows.items() if w["outcome"] == "rejected")
    duplicate = next(n for n, w in rows.items() if w["outcome"] == "duplicate")
    first_of = rows[duplicate]["of"]
    skip = frozenset({accepted, rejected, first_of})
    base = ImportOptions(SAMPLES / "generic_leads.csv", "generic", region="US",
                         read=ReadOptions(chunk_rows=4), workers=workers)  # fmt: skip
    plain = run_import(replace(base, out_dir=tmp_path / "plain"))
    skipping = run_import(replace(base, out_dir=tmp_path / "skip", skip_rows=skip))
    reports = assert_every_row_once(tmp_path / "skip", len(rows))
    by_row = {int(r["source_row"]): (name, r) for name, found in reports.items() for r in found}
    for number in skip:
        name, record = by_row[number]
        assert (name, record["error_codes"], record["error"]) == (
            "rejected", "row_skipped", validation.SKIPPED_MESSAGE
        ), number  # fmt: skip
    # The duplicate of a skipped row is the first of its phone now.
    assert by_row[duplicate][0] == "accepted"
    before = {int(r["source_row"]): name for name, found in
              _reports(tmp_path / "plain").items() for r in found}  # fmt: skip
    assert {n: name for n, (name, _) in by_row.items() if n not in {*skip, duplicate}} == {
        n: name for n, name in before.items() if n not in {*skip, duplicate}
    }
    reasons = dict(plain.rejection_reasons)
    for code in rows[rejected]["codes"]:
        reasons[code] -= 1
    reasons["row_skipped"] = len(skip)
    assert skipping.rejection_reasons == {code: n for code, n in reasons.items() if n}
    assert skipping.accepted == plain.accepted - 2 + 1


def _reports(out: Path) -> dict[str, list[dict[str, str]]]:
    return {name: read_report(out / f"{name}.csv") for name in REPORTS}


def test_rows_left_out_and_row_numbers_from_the_file_are_part_of_the_run_identity(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    source = tmp_path / "corrected.csv"
    phones = us_numbers(3, start=9_420)
    source.write_text(
        "phone,first_name,source_row\n"
        + "".join(f"{p},Lead,{n}\n" for p, n in zip(phones, (4, 9, 30), strict=True))
    )
    base = ImportOptions(
        path=source, mapping="generic", region="US", dry_run=False, campaign=SPRING,
        base_url=sandbox.base_url,
        credentials=Credentials(sandbox.config.client_id, sandbox.config.client_secret),
        state_dir=tmp_path / "ledger", workbook=False,
    )  # fmt: skip
    by_line = run_import(replace(base, out_dir=tmp_path / "a"))
    numbered = replace(base, read=ReadOptions(source_row_numbers=True))
    by_cell = run_import(replace(numbered, out_dir=tmp_path / "b"))
    skipping = replace(numbered, skip_rows=frozenset({9}))
    skipped = run_import(replace(skipping, out_dir=tmp_path / "c"))
    assert len({by_line.run_id, by_cell.run_id, skipped.run_id}) == 3

    def numbers(out: str) -> dict[str, list[int]]:
        found = _reports(tmp_path / out)
        return {name: sorted(int(r["source_row"]) for r in rows) for name, rows in found.items()}

    assert numbers("a")["accepted"] == [2, 3, 4]
    # Sent again to the same campaign: the API answers that they are there already.
    assert numbers("b") == {"accepted": [], "rejected": [], "duplicates": [4, 9, 30]}
    assert numbers("c") == {"accepted": [], "rejected": [9], "duplicates": [4, 30]}
    # The same rows left out again resume the same run: nothing is sent twice.
    again = run_import(replace(skipping, out_dir=tmp_path / "d"))
    assert (again.run_id, again.batches) == (skipped.run_id, 0)


def test_the_api_stores_each_leads_time_zone_from_the_file_postal_code_or_phone(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    source = tmp_path / "leads.csv"
    source.write_text(
        "phone,name,zip,tz\n"
        "+18504327001,Pensacola,,\n"
        "+18502227002,Tallahassee,,\n"
        "+12125557003,Allston,2134,\n"
        "+18502227004,Moved to Pensacola,32501-1234,\n"
        "+14155557005,Own zone,94107,Asia/Calcutta\n"
        "+79161237006,Moscow mobile,,\n"
        "+18504317008,Tallahassee 431,,\n",  # Eastern: phonenumbers' data says Central
        encoding="utf-8",
    )
    mapping = tmp_path / "m.yaml"
    mapping.write_text(
        "fields:\n  phone: phone\n  firstName: name\n  timeZone: {column: tz, optional: true}\n"
        "postal_code: zip\n"
    )
    options = ImportOptions(
        path=source, mapping=mapping, region="US", dry_run=False, campaign=SPRING,
        base_url=sandbox.base_url, out_dir=tmp_path / "out", state_dir=tmp_path / "state",
        credentials=Credentials(sandbox.config.client_id, sandbox.config.client_secret),
    )  # fmt: skip
    summary = run_import(options)
    assert summary.accepted == 7
    assert summary.time_zone_sources == {"file": 1, "postal_code": 2, "phone": 2, "none": 2}
    root = sandbox.base_url.split("/api/")[0]
    answer = requests.get(f"{root}/_sandbox/leads", params={"campaignId": SPRING}, timeout=5)
    body = answer.json()
    leads = body.get("data", body)
    leads = leads.get("leads", leads) if isinstance(leads, dict) else leads
    ours = {"+18504327001", "+18502227002", "+12125557003", "+18502227004", "+14155557005",
            "+79161237006", "+18504317008"}  # fmt: skip
    # The sandbox keeps every field of each lead as it was sent.
    stored = {lead["phone"]: lead["lead"] for lead in leads if lead["phone"] in ours}
    assert {phone: lead.get("timeZone") for phone, lead in stored.items()} == {
        "+18504327001": "America/Chicago",
        "+18502227002": "America/New_York",
        "+12125557003": "America/New_York",
        "+18502227004": "America/Chicago",
        "+14155557005": "Asia/Kolkata",
        "+79161237006": None,
        "+18504317008": None,  # never a guessed zone
    }
    assert stored["+18502227004"]["customFields"]["phone_time_zone"] == "America/New_York"
    report = {row["name"]: row for row in read_report(tmp_path / "out" / "accepted.csv")}
    assert report["Moved to Pensacola"]["time_zone_source"] == "postal_code"
    assert "time_zone_conflict" not in report["Moved to Pensacola"]["warnings"]  # sentences
    assert "America/New_York" in report["Moved to Pensacola"]["warnings"]
    assert report["Moscow mobile"]["time_zone"] == "" == report["Moscow mobile"]["time_zone_source"]
    unknown = report["Tallahassee 431"]
    assert unknown["time_zone"] == "" == unknown["time_zone_source"]
    assert "area code 850 spans Central time and Eastern time" in unknown["warnings"]
    # A run resumed from the ledger reports the same zones and sends nothing again.
    again = run_import(replace(options, out_dir=tmp_path / "again"))
    assert again.batches == 0
    assert read_report(tmp_path / "again" / "accepted.csv") == read_report(
        tmp_path / "out" / "accepted.csv"
    )


# A switchboard shared by several people of one company: row 2 holds it first.
SHARED_ROWS = (
    "Phone,Mobile,First,Last\n"
    "+1 415 555 0100,,Ana,Lima\n"  # 2: the first on the switchboard
    "+1 415 555 0100,+1 212 555 0111,Ben,Okoro\n"  # 3: another person, with a mobile
    "+1 415 555 0100,,Cy,Park\n"  # 4: another person, nothing else
    "(415) 555-0100,,ANA,lima\n"  # 5: Ana again
    "+1 212 555 0111,,Ben,Okoro\n"  # 6: Ben again, on the number he was sent with
    "+1 212 555 0111,+1 212 555 0122,Dee,Ng\n"  # 7: on Ben's mobile, with a number of her own
    "+1 415 555 0100,+1 212 555 0111,Eve,Ray\n"  # 8: her other number is Ben's too
)


def _shared_file(tmp_path: Path) -> tuple[Path, Path]:
    source = tmp_path / "company.csv"
    source.write_text(SHARED_ROWS, encoding="utf-8")
    mapping = tmp_path / "m.yaml"
    mapping.write_text(
        "fields:\n  phone: {columns: [Phone, Mobile]}\n  firstName: First\n  lastName: Last\n"
    )
    return source, mapping


@pytest.mark.parametrize(("chunk_rows", "workers"), [(20_000, 0), (1, 0), (3, 0), (2, 2)])
def test_a_shared_number_is_not_a_duplicate_person(
    tmp_path: Path, chunk_rows: int, workers: int
) -> None:
    source, mapping = _shared_file(tmp_path)
    summary = run_import(
        ImportOptions(
            path=source, mapping=mapping, region="US", out_dir=tmp_path / "out",
            read=ReadOptions(chunk_rows=chunk_rows), workers=workers, write_leads=True,
        )
    )  # fmt: skip
    assert summary.balanced
    assert (summary.total, summary.accepted, summary.duplicates) == (7, 3, 4)
    out = tmp_path / "out"
    accepted = {row["source_row"]: row for row in read_report(out / "accepted.csv")}
    assert {n: row["phone_e164"] for n, row in accepted.items()} == {
        "2": "+14155550100",
        "3": "+12125550111",
        "7": "+12125550122",
    }
    # Ben is sent with his own number: its zone is his, not the switchboard's.
    assert accepted["2"]["time_zone"] == "America/Los_Angeles"
    assert accepted["3"]["time_zone"] == "America/New_York"
    assert "+14155550100 is also the number of row 2" in accepted["3"]["warnings"]
    assert "+12125550111 is also the number of row 3" in accepted["7"]["warnings"]
    assert accepted["2"]["warnings"] == "" or "row" not in accepted["2"]["warnings"]
    duplicates = {row["source_row"]: row["duplicate_of"] for row in read_report(
        out / "duplicates.csv")}  # fmt: skip
    assert duplicates == {
        "4": shared_note(2),
        "5": "row 2",
        "6": "row 3",
        "8": shared_note(2),
    }
    leads = [json.loads(line) for line in (out / "leads.jsonl").read_text().splitlines()]
    sent = {str(item["source_row"]): item["lead"] for item in leads}
    assert sent["3"]["phone"] == "+12125550111"
    assert sent["3"]["timeZone"] == "America/New_York"
    # Each warning is counted once: every row's fictional number, and the two shared ones.
    assert read_summary(out)["warnings"] == 7 + 2


SAME_PEOPLE_ROWS = (
    "Phone,Mobile,First,Last,Email\n"
    "+1 415 555 0100,+1 212 555 0111,Ann M.,Lee,ann@example.com\n"  # 2
    "+1 415 555 0100,+1 212 555 0122,Ann,Lee,ann@example.com\n"  # 3: Ann again
    "+1 415 555 0100,+1 212 555 0133,Bob,Lee,bob@example.com\n"  # 4: another person
    "+1 415 555 0100,+1 212 555 0144,Robert,Lee,BOB@example.com\n"  # 5: Bob again
    "+1 312 555 0100,+1 212 555 0155,Robert,Lee,rob@example.com\n"  # 6
    "+1 312 555 0100,+1 212 555 0166,Bob,Lee,rob@example.com\n"  # 7: Robert again
    "+1 312 555 0100,+1 212 555 0177,Ann Marie,Lee,\n"  # 8: Ann, no e-mail: another person
)


@pytest.mark.parametrize("chunk_rows", [20_000, 1])
def test_the_same_person_on_the_same_number_is_not_sent_again(
    tmp_path: Path, chunk_rows: int
) -> None:
    source = tmp_path / "people.csv"
    source.write_text(SAME_PEOPLE_ROWS, encoding="utf-8")
    mapping = tmp_path / "m.yaml"
    mapping.write_text(
        "fields:\n  phone: {columns: [Phone, Mobile]}\n  firstName: First\n  lastName: Last\n"
        "  email: Email\n"
    )
    summary = run_import(ImportOptions(path=source, mapping=mapping, region="US",
                                       out_dir=tmp_path / "out",
                                       read=ReadOptions(chunk_rows=chunk_rows)))  # fmt: skip
    assert summary.balanced
    out = tmp_path / "out"
    accepted = {row["source_row"]: row["phone_e164"] for row in read_report(out / "accepted.csv")}
    assert accepted == {"2": "+14155550100", "4": "+12125550133", "6": "+13125550100",
                        "8": "+12125550177"}  # fmt: skip
    duplicates = {row["source_row"]: row["duplicate_of"] for row in read_report(
        out / "duplicates.csv")}  # fmt: skip
    assert duplicates == {"3": "row 2", "5": "row 4", "7": "row 6"}


def test_a_shared_number_sends_each_person_their_own_number(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    source, mapping = _shared_file(tmp_path)
    options = ImportOptions(
        path=source, mapping=mapping, region="US", dry_run=False, campaign=SPRING,
        base_url=sandbox.base_url, out_dir=tmp_path / "out", state_dir=tmp_path / "state",
        credentials=Credentials(sandbox.config.client_id, sandbox.config.client_secret),
    )  # fmt: skip
    summary = run_import(options)
    assert (summary.accepted, summary.duplicates) == (3, 4)
    stored = set(stored_phones(sandbox, SPRING))
    assert {"+14155550100", "+12125550111", "+12125550122"} <= stored
    # Run again: the ledger knows the run, nothing is sent twice, the reports are the same.
    again = run_import(replace(options, out_dir=tmp_path / "again"))
    assert (again.accepted, again.duplicates) == (3, 4)
    assert read_report(tmp_path / "again" / "duplicates.csv") == read_report(
        tmp_path / "out" / "duplicates.csv"
    )


def _realistic(path: Path, rows: int) -> Path:
    """The benchmark's file shaped like a real export (bench/make_data.py), ``rows`` long."""
    spec = importlib.util.spec_from_file_location(
        "make_data", Path(__file__).parent.parent / "bench" / "make_data.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.write_realistic_csv(rows, path)
    return path


def test_the_speed_ups_change_no_byte_of_the_csv_reports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = _realistic(tmp_path / "export.csv", 3_000)

    def run(out: Path, **options: object) -> dict[str, bytes]:
        summary = run_import(ImportOptions(path=source, mapping="generic", region="US",
                                           out_dir=out, workers=0, **options))  # type: ignore[arg-type]  # fmt: skip
        assert summary.total == 3_000
        return {name: (out / f"{name}.csv").read_bytes() for name in ("accepted", "rejected",
                                                                        "duplicates")}  # fmt: skip

    fast = run(tmp_path / "fast")
    without_workbook = run(tmp_path / "plain", workbook=False)
    monkeypatch.setattr(normalize, "NANP_FAST_PATH", False)
    slow = run(tmp_path / "slow")
    assert fast == slow == without_workbook
    assert fast["accepted"].count(b"\n") > 2_500  # most rows are valid North American numbers


def test_a_row_moved_to_its_own_number_is_checked_against_the_do_not_call_lists(
    tmp_path: Path,
) -> None:
    source, mapping = _shared_file(tmp_path)
    listed = tmp_path / "dnc.txt"
    listed.write_text("2125550111\n", encoding="utf-8")  # Ben's mobile
    summary = run_import(
        ImportOptions(path=source, mapping=mapping, region="US", out_dir=tmp_path / "out",
                      suppress=(listed,), state_dir=tmp_path / "state")
    )  # fmt: skip
    assert summary.balanced
    out = tmp_path / "out"
    suppressed = {row["source_row"]: row for row in read_report(out / "suppressed.csv")}
    # Ben moves off the switchboard to his mobile, which is listed: he is never sent.
    assert suppressed["3"]["phone_e164"] == "+12125550111"
    assert suppressed["6"]["phone_e164"] == "+12125550111"  # listed before duplicates
    accepted = {row["source_row"] for row in read_report(out / "accepted.csv")}
    assert "3" not in accepted and "2" in accepted
    assert summary.total == sum((summary.accepted, summary.rejected, summary.duplicates,
                                 summary.suppressed, summary.pending))  # fmt: skip
