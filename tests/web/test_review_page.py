"""The review and results steps over plain HTTP: background changes, labels, wording, order."""

from __future__ import annotations

import csv
import io
import json
import re
import threading
import time
from html import unescape
from pathlib import Path

import pytest
import requests

from importer.review import Review

from ..helpers import stored_phones, us_numbers, write_csv
from .conftest import Web
from .test_flow import _map, _send, _start


def _headers(html: str, outcome: str) -> list[str]:
    table = html[html.index(f'data-testid="report-{outcome}"') :]
    head = table[table.index("<thead>") : table.index("</thead>")]
    return [unescape(name) for name in re.findall(r'<th scope="col">(.*?)</th>', head)]


def _upload(web: Web, session: requests.Session, path: Path) -> str:
    with path.open("rb") as handle:
        answer = session.post(f"{web.url}/imports", files={"file": (path.name, handle)}, timeout=30)
    assert answer.status_code == 200, answer.text
    return answer.url.rsplit("/", 2)[-2]


def test_the_results_tables_lead_with_what_a_person_acts_on(web: Web) -> None:
    session = web.client()
    import_id = _start(web, session, "facebook_lead_ads.csv")
    _map(web, session, import_id, mapping="facebook")
    _send(web, session, import_id, "dry_run")
    base = f"{web.url}/imports/{import_id}/results"
    accepted = session.get(base, timeout=10).text
    who = ["phone_number", "first_name", "last_name", "email"]
    assert _headers(accepted, "accepted")[:7] == ["Row", "phone_e164", "lead_id", *who]
    assert "warnings" in _headers(accepted, "accepted")[7:8]
    rejected = session.get(base + "?outcome=rejected", timeout=10).text
    assert _headers(rejected, "rejected")[:7] == ["Row", "error", "error_codes", *who]
    duplicates = session.get(base + "?outcome=duplicates", timeout=10).text
    assert _headers(duplicates, "duplicates")[:3] == ["Row", "duplicate_of", "phone_number"]
    # The row number leads each row, as the file numbers it.
    assert re.search(r'<tr><th scope="row">12</th><td>phone &#39;', rejected)


def test_a_review_of_the_rejected_rows_shows_their_numbers_in_the_file(web: Web) -> None:
    session = web.client()
    import_id = _start(web, session, "facebook_lead_ads.csv")
    _map(web, session, import_id, mapping="facebook")
    run = _send(web, session, import_id, "dry_run")
    originals = [row["source_row"] for row in csv.DictReader(
        io.StringIO((run / "rejected.csv").read_text(encoding="utf-8-sig")))]  # fmt: skip
    answer = session.post(f"{web.url}/imports/{import_id}/fix", data={"run": run.name}, timeout=30)
    fixed = answer.url.rsplit("/", 2)[-2]
    job = web.state.jobs.get(fixed + ":check")
    assert job is not None and job.wait(60) and job.error is None
    page = session.get(f"{web.url}/imports/{fixed}/review?filter=all", timeout=10).text
    shown = re.findall(r'<th scope="row" title="Row (\d+) of the file[^"]*">(\d+)</th>', page)
    assert [b for _, b in shown] == originals and [a for a, _ in shown] == originals
    corrected = session.get(f"{web.url}/imports/{fixed}/review/corrected.csv", timeout=10)
    rows = list(csv.DictReader(io.StringIO(corrected.content.decode("utf-8-sig"))))
    assert [row["source_row"] for row in rows] == originals


def test_a_fixed_report_is_sent_under_the_rows_numbers_in_the_first_file(web: Web) -> None:
    """Rows edited and skipped in a review of rejected.csv keep the first file's numbers."""
    session = web.client()
    import_id = _start(web, session, "facebook_lead_ads.csv")
    _map(web, session, import_id, mapping="facebook")
    first = _send(web, session, import_id, "dry_run")
    rejected = list(csv.DictReader(io.StringIO(
        (first / "rejected.csv").read_text(encoding="utf-8-sig"))))  # fmt: skip
    by_code = {row["error_codes"]: int(row["source_row"]) for row in rejected}
    answer = session.post(
        f"{web.url}/imports/{import_id}/fix", data={"run": first.name}, timeout=30
    )
    fixed = answer.url.rsplit("/", 2)[-2]
    job = web.state.jobs.get(fixed + ":check")
    assert job is not None and job.wait(60) and job.error is None
    # In the review the rows are lines of rejected.csv: line 2 is the first rejected row.
    line = {code: at for at, code in enumerate((row["error_codes"] for row in rejected), 2)}
    base = f"{web.url}/imports/{fixed}/review/rows"
    edit = {"column": "phone_number", "value": "+14155550177"}
    assert session.post(f"{base}/{line['phone_no_region']}", data=edit, timeout=10).ok
    assert session.post(f"{base}/{line['phone_placeholder']}", data={"action": "skip"},
                        timeout=10).ok  # fmt: skip

    again = _send(web, session, fixed, "dry_run")
    where: dict[int, tuple[str, dict[str, str]]] = {}
    for outcome in ("accepted", "rejected", "duplicates"):
        for row in csv.DictReader(io.StringIO(
                (again / f"{outcome}.csv").read_text(encoding="utf-8-sig"))):  # fmt: skip
            assert int(row["source_row"]) not in where, row
            where[int(row["source_row"])] = (outcome, row)
    assert sorted(where) == sorted(by_code.values()), "the first file's numbers, each once"
    assert where[by_code["phone_no_region"]][0] == "accepted"
    assert where[by_code["phone_no_region"]][1]["phone_e164"] == "+14155550177"
    outcome, row = where[by_code["phone_placeholder"]]
    assert (outcome, row["error_codes"]) == ("rejected", "row_skipped")
    assert where[by_code["phone_missing"]][1]["error_codes"] == "phone_missing"
    summary = json.loads((again / "summary.json").read_text(encoding="utf-8"))
    assert (
        summary["total"]
        == len(rejected)
        == sum(summary[k] for k in ("accepted", "rejected", "duplicates", "pending"))
    )


def _no_region_file(tmp_path: Path, phones: int) -> Path:
    numbers = us_numbers(phones + 1)
    rows = [[number[2:], f"Lead {i}"] for i, number in enumerate(numbers[:phones])]
    return write_csv(tmp_path / "local.csv", [["phone", "first_name"], *rows,
                                              [numbers[-1], "Has a code"]])  # fmt: skip


def test_one_row_is_one_row_and_a_command_line_message_gets_a_page_hint(
    web: Web, tmp_path: Path
) -> None:
    session = web.client()
    import_id = _upload(web, session, _no_region_file(tmp_path, 1))
    _map(web, session, import_id, mapping="generic")
    page = unescape(session.get(f"{web.url}/imports/{import_id}/review", timeout=10).text)
    assert "(1 row)" in page and "(1 rows)" not in page
    # The library's sentence is shown as it is, with the page's own way to fix it next to it.
    assert "run with --region (e.g. --region US), or set 'region:' in the mapping" in page
    assert (
        "On this page: set the default country below, or apply the fix "
        "“read it as a United States (US) number”."
    ) in page
    answer = session.post(
        f"{web.url}/imports/{import_id}/review/fix",
        data={"action": "apply", "key": "region:US"},
        timeout=30,
    )
    assert answer.status_code == 200
    assert "1 row changed" in unescape(answer.text)


def test_a_long_change_runs_in_the_background_and_the_page_still_answers(
    web: Web, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    session = web.client()
    import_id = _upload(web, session, _no_region_file(tmp_path, 30))
    _map(web, session, import_id, mapping="generic")
    release = threading.Event()
    apply = Review.apply

    def slow(self: Review, key: str, progress: object = None) -> int:
        release.wait(20)  # as a fix to 200,000 rows takes seconds
        return apply(self, key, progress)  # type: ignore[arg-type]

    monkeypatch.setattr(Review, "apply", slow)
    started = time.monotonic()
    answer = session.post(
        f"{web.url}/imports/{import_id}/review/fix",
        data={"action": "apply", "key": "region:US"},
        timeout=30,
    )
    assert time.monotonic() - started < 5
    assert "Changing the rows" in answer.text  # the progress page, in place of the rows
    assert 'http-equiv="refresh"' in answer.text and "progress?kind=change" in answer.text
    # Other requests answer meanwhile; the rows cannot be changed twice at once.
    assert session.get(f"{web.url}/", timeout=5).status_code == 200
    fragment = session.get(
        f"{web.url}/imports/{import_id}/progress?kind=change",
        headers={"HX-Request": "true"},
        timeout=5,
    )
    assert 'id="progress"' in fragment.text and "applying the fix" in fragment.text
    refused = session.post(
        f"{web.url}/imports/{import_id}/review/rows/2", data={"column": "phone", "value": "x"}
    )
    assert refused.status_code == 400 and "being checked or changed" in refused.text
    release.set()
    job = web.state.jobs.get(import_id + ":change")
    assert job is not None and job.wait(30) and job.error is None
    # Without JavaScript, the progress page's refresh lands on the review with what was done.
    done = session.get(
        f"{web.url}/imports/{import_id}/progress?kind=change", allow_redirects=False, timeout=5
    )
    assert done.status_code == 303 and "done=30%20rows%20changed" in done.headers["location"]
    page = session.get(f"{web.url}{done.headers['location']}", timeout=10)
    assert "30 rows changed" in page.text
    assert 'data-testid="count-valid">31<' in page.text


def test_a_number_shared_under_another_name_says_so_on_the_review_page(web: Web) -> None:
    session = web.client()
    import_id = _start(web, session, "facebook_lead_ads.csv")
    _map(web, session, import_id, mapping="facebook")
    page = session.get(f"{web.url}/imports/{import_id}/review?filter=duplicates", timeout=10)
    rows = {int(found[1]): found[0] for found in re.finditer(
        r'<tr id="row-(\d+)".*?</td>', page.text, flags=re.S)}  # fmt: skip
    # Lena's row 13 has the number Ada's row 2 holds; the file has no other number for her.
    assert set(rows) == {13, 16}
    assert "duplicate of row 2" in rows[13]
    assert "the same number under another name: a company line?" in rows[13]
    # Milo's row 16 has Bram's number (row 3).
    assert "duplicate of row 3" in rows[16] and "company line?" in rows[16]


def test_a_row_the_file_marks_do_not_call_is_never_ready_to_send_on_the_page(web: Web) -> None:
    session = web.client()
    import_id = _start(web, session, "salesforce_leads.csv")
    campaign = web.campaign()
    _map(web, session, import_id, mapping="salesforce", campaign=campaign)
    page = session.get(f"{web.url}/imports/{import_id}/review?filter=suppressed", timeout=10)
    assert 'data-testid="count-suppressed">1</span> not to be called' in page.text
    rows = {int(found[1]): found[0] for found in re.finditer(
        r'<tr id="row-(\d+)".*?</tr>', page.text, flags=re.S)}  # fmt: skip
    assert set(rows) == {8}  # Noa, whose Do Not Call checkbox is checked
    assert "the file&#39;s &#39;DoNotCall&#39; column says &#39;true&#39;" in rows[8]
    run = _send(web, session, import_id, "send")
    results = session.get(f"{web.url}/imports/{import_id}/results", timeout=10).text
    assert 'data-testid="count-suppressed">1</span> not to be called' in results
    assert "+14155550172" not in stored_phones(web.sandbox, campaign)
    with (run / "suppressed.csv").open(encoding="utf-8-sig", newline="") as handle:
        (row,) = list(csv.DictReader(handle))
    assert (row["source_row"], row["phone_e164"], row["suppressed_code"]) == (
        "8", "+14155550172", "dnc_column",
    )  # fmt: skip
