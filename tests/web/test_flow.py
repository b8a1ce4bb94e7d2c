"""The steps over plain HTTP, and the page's reports against the command line's."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
import requests

from importer.sandbox import SandboxServer

from ..helpers import SAMPLES, CliResult
from .conftest import SECRET, Web

#: Columns that differ between two sends by design: the ids the API gives each lead.
_IDS = ("lead_id", "campaign_lead_id")


def _start(web: Web, session: requests.Session, sample: str) -> str:
    answer = session.post(f"{web.url}/imports/sample", data={"sample": sample}, timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.url.rsplit("/", 2)[-2]


def _map(web: Web, session: requests.Session, import_id: str, **fields: str) -> None:
    assert session.get(f"{web.url}/imports/{import_id}/map", timeout=30).status_code == 200
    data = {"action": "next", "sandbox": "on", **fields}
    answer = session.post(f"{web.url}/imports/{import_id}/map", data=data, timeout=30)
    assert answer.status_code == 200, answer.text
    job = web.state.jobs.get(import_id + ":check")
    assert job is not None and job.wait(60) and job.error is None, job.error if job else None


def _send(web: Web, session: requests.Session, import_id: str, action: str) -> Path:
    answer = session.post(
        f"{web.url}/imports/{import_id}/send", data={"action": action}, timeout=30
    )
    assert answer.status_code == 200, answer.text
    job = web.state.jobs.get(import_id + ":send")
    assert job is not None and job.wait(120)
    state = web.state.workspace.load(import_id)
    assert state.last_run is not None
    return web.state.workspace.folder(import_id) / state.last_run


def _rows(path: Path, drop: tuple[str, ...] = ()) -> list[list[str]]:
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    keep = [i for i, name in enumerate(rows[0]) if name not in drop] if rows else []
    return [[row[i] for i in keep if i < len(row)] for row in rows]


@pytest.fixture
def cli_env(web: Web, use_server: Callable[[SandboxServer], SandboxServer]) -> Web:
    use_server(web.sandbox)
    return web


def test_a_dry_run_from_the_page_writes_the_command_lines_reports(
    cli_env: Web, run_cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    web = cli_env
    session = web.client()
    import_id = _start(web, session, "generic_leads.csv")
    _map(web, session, import_id, mapping="generic", region="US")
    page = _send(web, session, import_id, "dry_run")
    cli = run_cli(SAMPLES / "generic_leads.csv", "--mapping", "generic", "--region", "US",
                  "--dry-run", "--out", tmp_path / "cli")  # fmt: skip
    assert cli.exit_code == 1, cli.stderr
    for name in ("accepted.csv", "rejected.csv", "duplicates.csv"):
        assert (page / name).read_bytes() == (tmp_path / "cli" / name).read_bytes(), name
    download = session.get(f"{web.url}/imports/{import_id}/files/dry-run/rejected.csv", timeout=10)
    assert download.content == (page / "rejected.csv").read_bytes()
    assert "attachment" in download.headers["content-disposition"]


def test_a_send_from_the_page_matches_the_command_line(
    cli_env: Web, run_cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    web = cli_env
    session = web.client()
    import_id = _start(web, session, "facebook_lead_ads.csv")
    _map(web, session, import_id, mapping="facebook", campaign=web.campaign())
    page = _send(web, session, import_id, "send")
    results = session.get(f"{web.url}/imports/{import_id}/results", timeout=10)
    assert results.status_code == 200
    other = web.campaign()
    cli = run_cli(SAMPLES / "facebook_lead_ads.csv", "--mapping", "facebook", "--campaign", other,
                  "--out", tmp_path / "cli")  # fmt: skip
    assert cli.exit_code == 1, cli.stderr
    for name in ("accepted.csv", "rejected.csv", "duplicates.csv"):
        assert _rows(page / name, _IDS) == _rows(tmp_path / "cli" / name, _IDS), name
    ours = json.loads((page / "summary.json").read_text())
    theirs = json.loads((tmp_path / "cli" / "summary.json").read_text())
    for key in ("total", "accepted", "rejected", "duplicates", "pending", "rejection_reasons"):
        assert ours[key] == theirs[key], key
    # A second send of the same file resumes through the ledger: nothing is sent again.
    again = _send(web, session, import_id, "send")
    assert json.loads((again / "summary.json").read_text())["batches"] == 0
    assert _rows(again / "accepted.csv") == _rows(page / "accepted.csv")


def test_no_answer_of_a_whole_session_holds_the_secret(web: Web) -> None:
    session = web.client()
    bodies: list[bytes] = []
    session.hooks["response"].append(
        lambda r, *a, **k: bodies.append(r.content + str(r.headers).encode())
    )
    import_id = _start(web, session, "hubspot_contacts.csv")
    for step in ("upload", "map"):
        session.get(f"{web.url}/imports/{import_id}/{step}", timeout=30)
    _map(web, session, import_id, mapping="hubspot", campaign=web.campaign())
    for step in ("review", "send"):
        session.get(f"{web.url}/imports/{import_id}/{step}", timeout=30)
    run = _send(web, session, import_id, "send")
    for url in ("results", "results?outcome=rejected", "progress", "../../history"):
        session.get(f"{web.url}/imports/{import_id}/{url}", timeout=30)
    for name in ("accepted.csv", "summary.json", "report.xlsx"):
        session.get(f"{web.url}/imports/{import_id}/files/{run.name}/{name}", timeout=30)
    session.get(f"{web.url}/imports/{import_id}/review/corrected.csv", timeout=30)
    assert len(bodies) > 10
    assert not [body for body in bodies if SECRET.encode() in body]


def test_a_profiles_do_not_call_list_is_used_by_the_page_and_its_rows_counted(
    web: Web, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    listed = tmp_path / "dnc.txt"
    listed.write_text("# opted out\n+1 415 555 0123\n", encoding="utf-8")
    settings = web.state.config.settings
    monkeypatch.setattr(web.state.config, "settings",
                        lambda given: settings({**given, "suppress": (listed,)}))  # fmt: skip
    session = web.client()
    import_id = _start(web, session, "facebook_lead_ads.csv")
    _map(web, session, import_id, mapping="facebook")
    run = _send(web, session, import_id, "dry_run")
    rows = list(csv.DictReader(io.StringIO(
        (run / "suppressed.csv").read_text(encoding="utf-8-sig"))))  # fmt: skip
    # Row 13 repeats row 2's number: listed too, not a duplicate of a kept row.
    assert [(row["source_row"], row["phone_e164"], row["suppressed_by"]) for row in rows] == [
        ("2", "+14155550123", f"{listed}, line 2"), ("13", "+14155550123", f"{listed}, line 2")
    ]  # fmt: skip
    summary = json.loads((run / "summary.json").read_text())
    outcomes = ("accepted", "rejected", "duplicates", "suppressed", "pending")
    assert summary["suppressed"] == 2 and summary["total"] == sum(summary[k] for k in outcomes)
    page = session.get(f"{web.url}/imports/{import_id}/results", timeout=10).text
    assert 'data-testid="count-suppressed">2</span> on a do-not-call list' in page
    tab = session.get(f"{web.url}/imports/{import_id}/results?outcome=suppressed", timeout=10)
    assert "line 2" in tab.text


def test_the_page_counts_the_lines_of_a_list_left_out(
    web: Web, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    listed = tmp_path / "dnc.txt"
    listed.write_text("+1 415 555 0123\n2.12432E+09\n", encoding="utf-8")
    settings = web.state.config.settings
    given = {"suppress": (listed,), "suppress_skip_bad_lines": True}
    monkeypatch.setattr(web.state.config, "settings",
                        lambda asked: settings({**asked, **given}))  # fmt: skip
    session = web.client()
    import_id = _start(web, session, "facebook_lead_ads.csv")
    _map(web, session, import_id, mapping="facebook")
    run = _send(web, session, import_id, "dry_run")
    assert json.loads((run / "summary.json").read_text())["suppression"]["lines_skipped"] == 1
    page = session.get(f"{web.url}/imports/{import_id}/results", timeout=10).text
    assert 'data-testid="count-dnc-lines-skipped">1</span> do-not-call list line not read' in page
    assert "line 2 &#39;2.12432E+09&#39; lost digits" in page
