"""The flow in a real browser (Debian's chromium), with a screenshot of each step."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from ..helpers import SAMPLES, SPRING
from .conftest import Web

EXPECTED = json.loads((SAMPLES / "expected.json").read_text(encoding="utf-8"))
VENDORS = ["facebook_lead_ads.csv", "google_ads_leads.csv", "linkedin_leads.csv",
           "hubspot_contacts.csv", "salesforce_leads.csv", "mailchimp_audience.csv",
           "generic_leads.csv"]  # fmt: skip


def _expected(name: str) -> dict[str, int]:
    outcomes = [row["outcome"] for row in EXPECTED[name]["rows"].values()]
    return {k: outcomes.count(k) for k in ("accepted", "rejected", "duplicates")}


def _shot(page: Page, folder: Path, name: str) -> None:
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def _upload(page: Page, web: Web, path: Path) -> None:
    page.goto(web.link())
    page.set_input_files("#file", str(path))
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_role("heading", name="Upload")).to_be_visible()


@pytest.mark.parametrize("sample", VENDORS)
def test_each_vendor_export_is_read_mapped_and_checked(page: Page, web: Web, sample: str) -> None:
    _upload(page, web, SAMPLES / sample)
    page.get_by_role("link", name="Next: map the columns").click()
    mapping = EXPECTED[sample]["mapping"]
    expect(page.locator(f"input[name=mapping][value={mapping}]")).to_be_checked()
    if EXPECTED[sample]["region"]:
        page.fill("#region", EXPECTED[sample]["region"])
    page.get_by_role("button", name="Next: check every row").click()
    expect(page.get_by_test_id("count-total")).to_be_visible(timeout=30_000)
    wanted = _expected(sample)
    expect(page.get_by_test_id("count-valid")).to_have_text(str(wanted["accepted"]))
    expect(page.get_by_test_id("count-rejected")).to_have_text(str(wanted["rejected"]))


def test_the_whole_flow_with_a_fix_in_place_and_a_bulk_fix(
    page: Page, web: Web, screenshots: Path
) -> None:
    page.goto(web.link())
    _shot(page, screenshots, "0-start")
    page.set_input_files("#file", str(SAMPLES / "facebook_lead_ads.csv"))
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_test_id("row-count")).to_have_text("28")
    _shot(page, screenshots, "1-upload")
    page.get_by_role("link", name="Next: map the columns").click()
    page.get_by_label("Send to the sandbox on this machine").check()
    page.select_option("#campaign", label="Spring Promo 2026 (active)")
    _shot(page, screenshots, "2-map")
    page.get_by_role("button", name="Next: check every row").click()
    expect(page.get_by_test_id("count-rejected")).to_have_text("4", timeout=30_000)
    valid = page.get_by_test_id("count-valid").inner_text()
    _shot(page, screenshots, "3-review")
    # A warning marks its cell apart from errors: the samples' 555-01xx numbers are fictional.
    warned = page.locator("td.cell-warn .reason.warning").first
    expect(warned).to_contain_text("is a fictional number")
    # Fix one rejected row in place: the e-mail cell.
    cell = page.locator("td.cell-bad input[name=value]").first
    row = cell.locator("xpath=ancestor::tr")
    number = row.get_attribute("data-row")
    label = cell.get_attribute("aria-label") or ""
    if "email" in label:
        cell.fill("fixed@example.com")
    else:
        cell.fill("+1 415 555 0199")
    cell.locator("xpath=following-sibling::button").click()
    expect(page.locator(f"#row-{number} td.status")).to_contain_text("valid")
    # The counts strip follows the row at once, without a reload.
    expect(page.get_by_test_id("count-rejected")).to_have_text("3")
    expect(page.get_by_test_id("count-valid")).to_have_text(str(int(valid) + 1))
    # htmx keeps the swapped row's old class while it settles: wait for the new one, so
    # the first rejected row is not the one just fixed.
    expect(page.locator(f"#row-{number}")).to_have_class("status-valid")
    skip = page.locator("tr.status-rejected").first.get_by_role("button", name="Skip row")
    skip.click()
    expect(page.get_by_test_id("count-skipped")).to_have_text("1")
    expect(page.get_by_test_id("count-rejected")).to_have_text("2")
    page.reload()
    expect(page.get_by_test_id("count-rejected")).to_have_text("2")
    # A bulk fix from the list, then back.
    fixes = page.get_by_test_id("fix")
    if fixes.count():
        fixes.first.get_by_role("button", name="Apply").click()
        expect(page.get_by_role("status")).to_contain_text(re.compile(r"rows? changed"))
        _shot(page, screenshots, "3b-review-fixed")
    page.get_by_role("link", name="Next: send").click()
    expect(page.get_by_test_id("balance")).to_be_visible()
    expect(page.get_by_test_id("campaign")).to_contain_text("Spring Promo 2026")
    _shot(page, screenshots, "4-send")
    page.get_by_role("button", name=re.compile(r"^Send \d+ leads")).click()
    expect(page.get_by_role("heading", name="Results")).to_be_visible(timeout=60_000)
    expect(page.get_by_test_id("report-accepted")).to_be_visible()
    headers = page.get_by_test_id("report-accepted").locator("thead th")
    expect(headers.nth(0)).to_have_text("Row")
    expect(headers.nth(1)).to_have_text("phone_e164")
    _shot(page, screenshots, "5-results")
    page.get_by_role("link", name="History").click()
    expect(page.get_by_role("heading", name="Past imports")).to_be_visible()
    _shot(page, screenshots, "6-history")


def test_campaigns_are_searched_beside_the_picker_and_enter_never_moves_on(
    page: Page, web: Web
) -> None:
    wanted = web.campaign("Autumn webinar follow-up")
    _upload(page, web, SAMPLES / "facebook_lead_ads.csv")
    page.get_by_role("link", name="Next: map the columns").click()
    page.get_by_label("Send to the sandbox on this machine").check()
    page.select_option("#campaign", label="Spring Promo 2026 (active)")
    # Typing narrows the picker in place; the campaign chosen stays chosen.
    page.get_by_label("Search campaigns").fill("autumn webinar")
    picker = page.locator("#campaign")
    expect(picker.locator("option")).to_have_count(3)
    expect(picker).to_have_value(SPRING)
    expect(picker.locator("option:checked")).to_have_text("Spring Promo 2026 (active)")
    page.select_option("#campaign", value=wanted)
    # Enter in a box keeps the choices and stays on this step.
    page.get_by_label("Default country").fill("US")
    page.get_by_label("Default country").press("Enter")
    expect(page.get_by_role("heading", name="Map the columns")).to_be_visible()
    expect(page.locator("#campaign")).to_have_value(wanted)
    expect(page.get_by_label("Default country")).to_have_value("US")
    page.get_by_role("button", name="Next: check every row").click()
    expect(page.get_by_test_id("count-total")).to_be_visible(timeout=30_000)
    page.get_by_role("link", name="Next: send").click()
    expect(page.get_by_test_id("campaign")).to_contain_text("Autumn webinar follow-up")
    expect(page.get_by_test_id("campaign")).to_contain_text(wanted)


def test_a_script_in_a_cell_is_shown_as_text(page: Page, web: Web, tmp_path: Path) -> None:
    hostile = tmp_path / "hostile.csv"
    hostile.write_text("phone,first_name\n+14155550123,<script>alert(1)</script>\n")
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    _upload(page, web, hostile)
    expect(page.get_by_role("cell", name="<script>alert(1)</script>")).to_be_visible()
    assert dialogs == []


def _field_row(page: Page, preview: Locator, field: str) -> Locator:
    return preview.locator("tbody tr").filter(has=page.get_by_role("rowheader", name=field,
                                                                   exact=True))  # fmt: skip


def test_the_map_step_shows_samples_and_a_preview_as_columns_are_picked(
    page: Page, web: Web
) -> None:
    _upload(page, web, SAMPLES / "generic_leads.csv")
    page.get_by_role("link", name="Next: map the columns").click()
    preview = page.get_by_test_id("map-preview")
    expect(preview).to_be_visible()
    page.get_by_label("The columns picked below").check()
    samples = page.locator("#samples-field_email")
    page.select_option("#field_email", "")
    expect(samples).to_have_text("")
    page.select_option("#field_email", "first_name")
    expect(samples).not_to_have_text("")
    # The preview shows the cell as read and what would be sent: not an address here.
    expect(_field_row(page, preview, "email")).to_contain_text("rejected:")
    expect(_field_row(page, preview, "phone")).to_contain_text("rejected: phone")
    page.fill("#region", "US")
    page.locator("#region").dispatch_event("change")
    expect(_field_row(page, preview, "phone")).to_contain_text("→ +1")


def test_without_javascript_a_dry_run_lands_on_the_results(browser: Browser, web: Web) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(web.link())
    page.get_by_role("button", name="Try it").click()
    page.get_by_role("link", name="Next: map the columns").click()
    page.get_by_role("button", name="Next: check every row").click()
    expect(page.get_by_test_id("count-total")).to_be_visible(timeout=30_000)
    page.get_by_role("link", name="Next: send").click()
    page.get_by_role("button", name="Dry run (send nothing)").click()
    expect(page.get_by_role("heading", name="Results")).to_be_visible(timeout=60_000)
    expect(page.get_by_test_id("report-accepted")).to_be_visible()
    context.close()
