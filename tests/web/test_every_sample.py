"""The flow works end to end in a real browser, on every bundled sample export.

Each sample is uploaded, mapped, checked, sent to a fresh campaign of the embedded
sandbox, and its results read back through the page. The reports the page offers must
put every row where sample_data/expected.json says, add up, and be the reports the
command line writes for the same file and mapping (sent to another fresh campaign).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from importer.sandbox import SandboxServer

from ..helpers import SAMPLES, CliResult, duplicate_note, stored_phones
from .conftest import Web

EXPECTED = json.loads((SAMPLES / "expected.json").read_text(encoding="utf-8"))
SAMPLES_SENT = ["facebook_lead_ads.csv", "facebook_full_name.csv",
                "facebook_english_headers.csv", "google_ads_leads.csv", "linkedin_leads.csv",
                "hubspot_contacts.csv", "salesforce_leads.csv", "salesforce_report.csv",
                "mailchimp_audience.csv", "generic_leads.csv", "wrong_numbers.csv",
                "hidden_sheet.xlsx", "leads.xlsx", "apollo_contacts.csv",
                "zoominfo_contacts.csv", "pipedrive_people.csv", "zoho_leads.csv",
                "fail_closed.csv"]  # fmt: skip
#: Report file of each outcome expected.json names.
REPORT_OF = {"accepted": "accepted", "rejected": "rejected", "duplicate": "duplicates",
             "suppressed": "suppressed"}  # fmt: skip
REPORTS = ("accepted", "rejected", "duplicates", "suppressed", "pending")
#: Columns that differ between two sends by design: the ids the API gives each lead.
_IDS = ("lead_id", "campaign_lead_id")
#: Long enough for a check or a send on a slow machine.
WAIT_MS = 60_000


@pytest.fixture
def cli(
    web: Web,
    use_server: Callable[[SandboxServer], SandboxServer],
    run_cli: Callable[..., CliResult],
) -> Callable[..., CliResult]:
    """The command line, in-process, sending to the page's sandbox."""
    use_server(web.sandbox)
    return run_cli


# --- driving the page ----------------------------------------------------------------


def _upload_and_map(page: Page, web: Web, sample: str, campaign: str) -> str:
    """Upload a sample, take the mapping the page offers, check every row; the import id."""
    page.goto(web.link())
    page.set_input_files("#file", str(SAMPLES / sample))
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_role("heading", name="Upload")).to_be_visible()
    page.get_by_role("link", name="Next: map the columns").click()
    expect(
        page.locator(f"input[name=mapping][value={EXPECTED[sample]['mapping']}]")
    ).to_be_checked()
    if EXPECTED[sample]["region"]:
        page.fill("#region", EXPECTED[sample]["region"])
    page.get_by_label("Send to the sandbox on this machine").check()
    page.select_option("#campaign", value=campaign)
    page.get_by_role("button", name="Next: check every row").click()
    expect(page.get_by_test_id("count-total")).to_be_visible(timeout=WAIT_MS)
    found = re.search(r"/imports/([^/]+)/review", page.url)
    assert found, page.url
    return found.group(1)


def _send(page: Page, leads: int) -> str:
    """Send from the review page; wait for the results; the run's name."""
    page.get_by_role("link", name="Next: send").click()
    expect(page.get_by_test_id("leads")).to_have_text(str(leads))
    page.get_by_role("button", name=f"Send {leads} leads").click()
    expect(page.get_by_role("heading", name="Results")).to_be_visible(timeout=WAIT_MS)
    expect(page.get_by_test_id("count-total")).to_be_visible()
    href = page.locator("a[href$='/summary.json']").get_attribute("href") or ""
    found = re.search(r"/files/([^/]+)/summary\.json$", href)
    assert found, href
    return found.group(1)


def _download(page: Page, web: Web, import_id: str, run: str, folder: Path) -> Path:
    """The run's reports, downloaded through the page with the browser's session."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("summary.json", *(f"{report}.csv" for report in REPORTS)):
        answer = page.request.get(f"{web.url}/imports/{import_id}/files/{run}/{name}")
        if name in ("pending.csv", "suppressed.csv") and answer.status == 404:
            continue
        assert answer.ok, (name, answer.status)
        (folder / name).write_bytes(answer.body())
    return folder


# --- reading reports -----------------------------------------------------------------


def _records(path: Path) -> list[dict[str, str]]:
    if not path.is_file():
        return []
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


def _rows(path: Path) -> list[list[str]]:
    """A report's rows without the ids the API gave."""
    if not path.is_file():
        return []
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    keep = [i for i, name in enumerate(rows[0]) if name not in _IDS] if rows else []
    return [[row[i] for i in keep if i < len(row)] for row in rows]


def _every_row_once(out: Path) -> dict[int, tuple[str, dict[str, str]]]:
    """The invariant: each row in exactly one report, and the summary adds up; by row."""
    where: dict[int, tuple[str, dict[str, str]]] = {}
    for report in REPORTS:
        for record in _records(out / f"{report}.csv"):
            number = int(record["source_row"])
            assert number not in where, f"row {number} is in {where[number][0]} and {report}"
            where[number] = (report, record)
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["total"] == len(where)
    assert summary["total"] == sum(int(summary[k]) for k in REPORTS)
    for report in REPORTS:
        assert summary[report] == sum(1 for r, _ in where.values() if r == report), report
    return where


def _wanted(sample: str) -> dict[str, int]:
    outcomes = [row["outcome"] for row in EXPECTED[sample]["rows"].values()]
    return {report: outcomes.count(outcome) for outcome, report in REPORT_OF.items()}


# --- the tests -----------------------------------------------------------------------


@pytest.mark.parametrize("sample", SAMPLES_SENT)
def test_each_sample_is_sent_and_its_reports_match_expected_and_the_command_line(
    page: Page,
    web: Web,
    cli: Callable[..., CliResult],
    screenshots: Path,
    tmp_path: Path,
    sample: str,
) -> None:
    spec, wanted = EXPECTED[sample], _wanted(sample)
    campaign = web.campaign()
    import_id = _upload_and_map(page, web, sample, campaign)
    # Review: the counts of the check are those expected.
    expect(page.get_by_test_id("count-total")).to_have_text(str(sum(wanted.values())))
    expect(page.get_by_test_id("count-valid")).to_have_text(str(wanted["accepted"]))
    expect(page.get_by_test_id("count-rejected")).to_have_text(str(wanted["rejected"]))
    expect(page.get_by_test_id("count-duplicates")).to_have_text(str(wanted["duplicates"]))
    # Send, then the results page's counts.
    run = _send(page, wanted["accepted"])
    for report in ("accepted", "rejected", "duplicates"):
        expect(page.get_by_test_id(f"count-{report}")).to_have_text(str(wanted[report]))
    expect(page.get_by_test_id("count-pending")).to_have_count(0)
    expect(page.get_by_test_id("report-accepted")).to_be_visible()
    page.screenshot(path=str(screenshots / f"results-{sample}.png"), full_page=True)

    # The page's reports: every row once, each where expected.json says.
    ours = _download(page, web, import_id, run, tmp_path / "page")
    where = _every_row_once(ours)
    rows = {int(n): want for n, want in spec["rows"].items() if want["outcome"] != "blank"}
    assert set(where) == set(rows), "every data row in exactly one report"
    for number, want in rows.items():
        report, record = where[number]
        assert report == REPORT_OF[want["outcome"]], (number, record)
        if report == "accepted":
            assert record["phone_e164"] == want["phone_e164"], number
            assert record["lead_id"], number
        elif report == "rejected":
            assert set(record["error_codes"].split()) == set(want["codes"]), (number, record)
        elif report == "suppressed":
            got = (record["phone_e164"], record["suppressed_code"])
            assert got == (want["phone_e164"], want["code"]), number
        else:
            assert record["duplicate_of"] == duplicate_note(want), number
    accepted = sorted(record["phone_e164"] for r, record in where.values() if r == "accepted")
    assert sorted(stored_phones(web.sandbox, campaign)) == accepted, "what the sandbox holds"

    # The command line, on the same file and mapping, into another fresh campaign.
    args: list[str | Path] = [SAMPLES / sample, "--mapping", spec["mapping"]]
    if spec["region"]:
        args += ["--region", spec["region"]]
    theirs = tmp_path / "cli"
    done = cli(*args, "--campaign", web.campaign(), "--out", theirs)
    assert done.exit_code == (1 if wanted["rejected"] else 0), done.stderr
    for report in REPORTS:
        assert _rows(ours / f"{report}.csv") == _rows(theirs / f"{report}.csv"), report
    page_summary = json.loads((ours / "summary.json").read_text(encoding="utf-8"))
    cli_summary = json.loads((theirs / "summary.json").read_text(encoding="utf-8"))
    for key in ("total", "accepted", "rejected", "duplicates", "pending", "blank_rows",
                "rejection_reasons"):  # fmt: skip
        assert page_summary[key] == cli_summary[key], key


def test_a_row_fixed_in_place_is_accepted_and_skipped_rows_are_reported_as_skipped(
    page: Page, web: Web, screenshots: Path, tmp_path: Path
) -> None:
    """A fixed row goes out; skipped rows are not sent but are in rejected.csv, numbered."""
    sample = "generic_leads.csv"
    wanted = _wanted(sample)
    total = sum(wanted.values())
    placeholders = sorted(
        int(n) for n, want in EXPECTED[sample]["rows"].items()
        if "phone_placeholder" in want.get("codes", ())
    )  # fmt: skip
    assert len(placeholders) == 4
    import_id = _upload_and_map(page, web, sample, web.campaign())
    expect(page.get_by_test_id("count-rejected")).to_have_text(str(wanted["rejected"]))

    # Fix row 16 in place: its phone is too short; a valid number not in the file.
    assert EXPECTED[sample]["rows"]["16"]["codes"] == ["phone_too_short"]
    page.select_option("#filter", value="code:phone_too_short")
    page.get_by_role("button", name="Show", exact=True).click()
    cell = page.get_by_label("Row 16, phone")
    cell.fill("415-555-0188")
    cell.locator("xpath=following-sibling::button").click()
    expect(page.locator("#row-16 td.status")).to_contain_text("valid")
    page.reload()
    expect(page.get_by_test_id("count-valid")).to_have_text(str(wanted["accepted"] + 1))
    expect(page.get_by_test_id("count-rejected")).to_have_text(str(wanted["rejected"] - 1))

    # Skip the rows whose phone is a placeholder, with the fix for many rows.
    fix = page.get_by_test_id("fix").filter(
        has=page.locator("input[name=key][value='skip:phone_placeholder']")
    )
    expect(fix).to_contain_text("skip the 4 rows with placeholder phones")
    fix.get_by_role("button", name="Apply").click()
    expect(page.get_by_test_id("count-skipped")).to_have_text("4", timeout=WAIT_MS)
    expect(page.get_by_role("status")).to_contain_text("4 rows changed")
    expect(page.get_by_test_id("count-total")).to_have_text(str(total))
    rejected = wanted["rejected"] - 1 - len(placeholders)
    expect(page.get_by_test_id("count-rejected")).to_have_text(str(rejected))
    page.select_option("#filter", value="skipped")
    page.get_by_role("button", name="Show", exact=True).click()
    for number in placeholders:
        expect(page.locator(f"#row-{number} td.status")).to_contain_text("skipped")

    # The corrected file: every row but the skipped ones, with the fix, each with its row.
    answer = page.request.get(f"{web.url}/imports/{import_id}/review/corrected.csv")
    assert answer.ok, answer.status
    corrected = list(csv.DictReader(io.StringIO(answer.body().decode("utf-8-sig"))))
    row_of = {row["customer_id"]: int(row["source_row"]) for row in corrected}
    assert len(row_of) == len(corrected) == total - len(placeholders)
    assert not set(placeholders) & set(row_of.values())
    fixed = next(row for row in corrected if row["source_row"] == "16")
    assert fixed["phone"] == "415-555-0188"

    run = _send(page, wanted["accepted"] + 1)
    expect(page.get_by_test_id("count-total")).to_have_text(str(total))
    expect(page.get_by_test_id("count-accepted")).to_have_text(str(wanted["accepted"] + 1))
    expect(page.get_by_test_id("count-rejected")).to_have_text(str(wanted["rejected"] - 1))
    expect(page.get_by_test_id("count-duplicates")).to_have_text(str(wanted["duplicates"]))
    page.screenshot(path=str(screenshots / "results-generic_leads-fixed.png"), full_page=True)

    # Every row of the uploaded file in exactly one report, under its own row number:
    # the fixed row accepted with its new number, the skipped ones rejected as skipped,
    # every other row where expected.json says.
    where = _every_row_once(_download(page, web, import_id, run, tmp_path / "page"))
    rows = {int(n): want for n, want in EXPECTED[sample]["rows"].items()
            if want["outcome"] != "blank"}  # fmt: skip
    assert set(where) == set(rows)
    for number, want in rows.items():
        report, record = where[number]
        # The same row as in the corrected file downloaded (customer_id is unique here).
        assert row_of.get(record["customer_id"], number) == number, (number, record)
        if number == 16:
            assert (report, record["phone_e164"]) == ("accepted", "+14155550188")
        elif number in placeholders:
            assert (report, record["error_codes"]) == ("rejected", "row_skipped"), number
            assert "skipped on the review page" in record["error"]
        else:
            assert report == REPORT_OF[want["outcome"]], (number, record)
    summary = json.loads((tmp_path / "page" / "summary.json").read_text(encoding="utf-8"))
    assert summary["rejection_reasons"]["row_skipped"] == len(placeholders)
    assert "phone_placeholder" not in summary["rejection_reasons"]
