"""Do-not-call lists: each format, area codes, the cache, stale lists, and runs that use them."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import openpyxl
import pytest
import requests

from importer.client import Credentials
from importer.errors import UsageError
from importer.pipeline import ImportOptions, run_import
from importer.sandbox import SandboxServer
from importer.suppression import CACHE_DIR, load_lists

from .helpers import (
    CliResult,
    assert_every_row_once,
    read_report,
    read_summary,
    write_csv,
)

LISTED, OTHER = "+13055552671", "+14155552671"


def _text_list(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_registry_download_and_numbers_in_any_format_are_read(tmp_path: Path) -> None:
    listed = _text_list(tmp_path / "dnc.txt", [
        "# the registry's download, one ten-digit number a line", "3055552671", "",
        "(212) 555-2671", "+44 20 7946 0958", "not a number",
    ])  # fmt: skip
    suppression = load_lists([listed], "US", tmp_path / "state")
    phones = [LISTED, OTHER, "+12125552671", "+442079460958", ""]
    assert suppression.find(phones) == {
        0: f"{listed}, line 2",
        2: f"{listed}, line 4",
        3: f"{listed}, line 5",
    }
    (info,) = suppression.infos
    assert (info.numbers, info.prefixes, info.unread) == (3, 0, 1)
    assert any("1 entries are not phone numbers" in text for text in suppression.notices())


@pytest.mark.parametrize("entry", ["305XXXXXXX", "305xxxxxxx", "305*", "+1305*"])
def test_an_entry_can_cover_a_whole_area_code(tmp_path: Path, entry: str) -> None:
    listed = _text_list(tmp_path / "dnc.txt", ["2125552671", entry])
    suppression = load_lists([listed], "US", tmp_path / "state")
    found = suppression.find([LISTED, "+13059999999", "+13105552671", "+12125552671"])
    assert found == {0: f"{listed}, line 2", 1: f"{listed}, line 2", 3: f"{listed}, line 1"}


def test_a_csv_or_workbook_list_has_its_phone_column_found(tmp_path: Path) -> None:
    csv_list = write_csv(tmp_path / "dnc.csv", [
        ["Name", "Opted out", "Phone Number"], ["Ann", "2026-11-01", "305-555-2671"],
        ["Bo", "2026-11-02", ""], ["Cy", "2026-11-03", "+1 212 555 2671"],
    ])  # fmt: skip
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in (["Who", "Number"], ["Dee", "+1 (415) 555-2671"]):
        sheet.append(row)
    book.save(tmp_path / "dnc.xlsx")
    suppression = load_lists([csv_list, tmp_path / "dnc.xlsx"], "US", tmp_path / "state")
    assert suppression.find([LISTED, "+12125552671", OTHER]) == {
        0: f"{csv_list}, line 2",
        1: f"{csv_list}, line 4",
        2: f"{tmp_path / 'dnc.xlsx'}, line 2",
    }
    no_phone = write_csv(tmp_path / "names.csv", [["Name"], ["Ann"]])
    with pytest.raises(UsageError, match="no column holds phone numbers"):
        load_lists([no_phone], "US", tmp_path / "state")


def test_the_compiled_cache_is_used_until_the_list_changes(tmp_path: Path) -> None:
    listed = _text_list(tmp_path / "dnc.txt", ["3055552671"])
    state = tmp_path / "state"
    (first,) = load_lists([listed], "US", state).infos
    (again,) = load_lists([listed], "US", state).infos
    assert first.compiled_seconds > 0 and again.compiled_seconds == 0.0
    assert len(list((state / CACHE_DIR).glob("*.numbers.npy"))) == 1
    _text_list(listed, ["3055552671", "4155552671"])
    os.utime(listed, (time.time() + 5, time.time() + 5))
    changed = load_lists([listed], "US", state)
    assert changed.infos[0].compiled_seconds > 0 and changed.infos[0].numbers == 2
    assert changed.find([OTHER]) == {0: f"{listed}, line 2"}
    # Another default country reads the same digits differently: another cache.
    assert load_lists([listed], "GB", state).infos[0].compiled_seconds > 0


def test_a_list_older_than_31_days_gets_a_notice(tmp_path: Path) -> None:
    listed = _text_list(tmp_path / "dnc.txt", ["3055552671"])
    old = time.time() - 40 * 86_400
    os.utime(listed, (old, old))
    (notice,) = load_lists([listed], "US", tmp_path / "state").notices()
    assert "40 days old" in notice and "no older than 31 days" in notice


def test_a_missing_list_stops_the_run_before_anything_is_read(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"--suppress .*nothing\.txt: no such file"):
        load_lists([tmp_path / "nothing.txt"], "US", tmp_path / "state")


def _leads(path: Path) -> Path:
    return write_csv(path, [
        ["phone", "first_name"],
        [LISTED, "Listed"],  # row 2: listed, and the first of its number
        [LISTED, "Listed again"],  # row 3: listed too, not a duplicate of a kept row
        [OTHER, "Free"],
        ["+18504321234", "Area code"],
        ["N/A", "Rejected"],
        [OTHER, "Free again"],
    ])  # fmt: skip


def test_a_dry_run_reports_listed_rows_before_duplicates(
    run_cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    listed = _text_list(tmp_path / "dnc.txt", ["3055552671", "850*"])
    source = _leads(tmp_path / "leads.csv")
    out = tmp_path / "out"
    done = run_cli(source, "-m", "generic", "--region", "US", "--dry-run", "--out", out,
                   "--suppress", listed)  # fmt: skip
    assert done.exit_code == 1, done.stderr  # the N/A row
    assert "suppressed          3  (on a do-not-call list)" in done.stderr
    reports = assert_every_row_once(out, 6)
    suppressed = {row["first_name"]: row["suppressed_by"] for row in reports["suppressed"]}
    assert suppressed == {
        "Listed": f"{listed}, line 1",
        "Listed again": f"{listed}, line 1",
        "Area code": f"{listed}, line 2",
    }
    assert [row["first_name"] for row in reports["duplicates"]] == ["Free again"]
    summary = read_summary(out)
    assert summary["suppressed"] == 3
    assert summary["total"] == sum(
        int(summary[k])  # type: ignore[call-overload]
        for k in ("accepted", "rejected", "duplicates", "suppressed", "pending")
    )
    assert (out / "report.xlsx").exists()
    book = openpyxl.load_workbook(out / "report.xlsx", read_only=True)
    assert "Suppressed" in book.sheetnames
    cells = [cell for row in book["Summary"].iter_rows(values_only=True) for cell in row]
    at = cells.index("Suppressed")
    assert cells[at + 1] == 3
    # The Summary sheet also counts leads by where their time zone comes from.
    assert "Time zone from" in cells and cells[cells.index("the phone number") + 1] == 1


def test_no_listed_number_reaches_the_api_and_a_resumed_run_reports_the_same(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    listed = _text_list(tmp_path / "dnc.txt", ["3055552671", "850XXXXXXX"])
    source = _leads(tmp_path / "leads.csv")
    campaign = requests.post(
        sandbox.base_url.split("/api/")[0] + "/_sandbox/campaigns",
        json={"name": "Suppression test", "status": "active"}, timeout=5,
    ).json()["campaign"]["id"]  # fmt: skip
    options = ImportOptions(
        path=source, mapping="generic", region="US", dry_run=False, campaign=campaign,
        base_url=sandbox.base_url, out_dir=tmp_path / "out", state_dir=tmp_path / "state",
        credentials=Credentials(sandbox.config.client_id, sandbox.config.client_secret),
        suppress=(listed,),
    )  # fmt: skip
    summary = run_import(options)
    assert (summary.accepted, summary.rejected, summary.suppressed) == (1, 1, 3)
    root = sandbox.base_url.split("/api/")[0]
    stored = requests.get(f"{root}/_sandbox/leads", params={"campaignId": campaign},
                          timeout=5).json()["leads"]  # fmt: skip
    assert sorted(lead["phone"] for lead in stored) == [OTHER]
    first = assert_every_row_once(tmp_path / "out", 6)
    assert len(first["suppressed"]) == 3
    again = run_import(replace(options, out_dir=tmp_path / "again"))
    assert again.batches == 0 and again.suppressed == 3
    assert read_report(tmp_path / "again" / "suppressed.csv") == first["suppressed"]
