"""Two imports at once in one process, as a server would run them: neither disturbs the other."""

from __future__ import annotations

import csv
import gc
import multiprocessing
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from importer import validation
from importer.client import Credentials
from importer.errors import ImportIncomplete
from importer.pipeline import ImportOptions, Summary, run_import
from importer.reader import ReadOptions
from importer.sandbox import SandboxServer
from importer.status import ExitStatus

from .helpers import assert_every_row_once, stored_phones, us_numbers, write_csv

ROWS = 1_200
CHUNK_ROWS = 100
BATCH_SIZE = 50
REPORT_FILES = ("accepted.csv", "rejected.csv", "duplicates.csv", "leads.jsonl")


def _leads(path: Path, start: int) -> tuple[Path, list[str]]:
    """ROWS data rows: mostly valid, every 10th without a phone, every 15th a repeat."""
    phones = us_numbers(ROWS, start=start)
    rows = [["phone", "first_name", "email"]]
    for i, phone in enumerate(phones):
        if i % 10 == 9:
            phone = "N/A"
        elif i % 15 == 14:
            phone = phones[i - 7]
        rows.append([phone, f"Lead {i}", f"lead{i}@example.com"])
    write_csv(path, rows)
    valid = sorted({row[0] for row in rows[1:] if row[0] != "N/A"})
    return path, valid


class StopAfter:
    """Progress that asks the run to stop after some updates (chunks or batches)."""

    def __init__(self, updates: int) -> None:
        self.updates = updates
        self.seen = 0
        self.stop = threading.Event()

    def start(self, total: int, unit: str, label: str) -> None:
        pass

    def update(self, position: int, counts: dict[str, int]) -> None:
        self.seen += 1
        if self.seen >= self.updates:
            self.stop.set()

    def close(self) -> None:
        pass

    def notice(self, text: str) -> None:
        pass


def _campaign(server: SandboxServer) -> str:
    root = server.base_url.split("/api/")[0]
    campaign_id = uuid.uuid4().hex[:24]
    requests.post(f"{root}/_sandbox/campaigns", timeout=5,
                  json={"id": campaign_id, "name": f"Concurrent {campaign_id}",
                        "status": "active"}).raise_for_status()  # fmt: skip
    return campaign_id


def _dry_run(path: Path, out: Path, workers: int) -> ImportOptions:
    return ImportOptions(
        path=path, mapping="generic", out_dir=out, region="US", dry_run=True,
        read=ReadOptions(chunk_rows=CHUNK_ROWS), write_leads=True, workbook=False,
        workers=workers,
    )  # fmt: skip


def _send(
    path: Path, out: Path, server: SandboxServer, campaign: str, state: Path
) -> ImportOptions:
    return ImportOptions(
        path=path, mapping="generic", out_dir=out, region="US", dry_run=False,
        read=ReadOptions(chunk_rows=CHUNK_ROWS), campaign=campaign, batch_size=BATCH_SIZE,
        base_url=server.base_url, state_dir=state, workbook=False, workers=0,
        credentials=Credentials(server.config.client_id, server.config.client_secret),
    )  # fmt: skip


def _stopped(options: ImportOptions, progress: StopAfter) -> ImportIncomplete:
    try:
        run_import(options, progress, progress.stop.is_set)
    except ImportIncomplete as exc:
        return exc
    raise AssertionError("the run was not stopped")


def _same_reports(one: Path, other: Path) -> None:
    for name in REPORT_FILES:
        assert (one / name).exists() == (other / name).exists(), name
        if (one / name).exists():
            assert (one / name).read_bytes() == (other / name).read_bytes(), name


def _counts(summary: Summary) -> tuple[object, ...]:
    return (summary.total, summary.accepted, summary.rejected, summary.duplicates,
            summary.pending, summary.warnings, summary.rejection_reasons)  # fmt: skip


@pytest.mark.parametrize(
    ("stop_after", "workers"),
    [(3, 0), (14, 2)],
    ids=["stopped-while-checking", "stopped-while-sending-beside-workers"],
)
def test_two_imports_at_once_one_stopped(
    tmp_path: Path, sandbox: SandboxServer, stop_after: int, workers: int
) -> None:
    thresholds, field_limit = gc.get_threshold(), csv.field_size_limit()
    dry_source, _ = _leads(tmp_path / "dry.csv", start=50_000)
    sent_source, valid = _leads(tmp_path / "sent.csv", start=52_000)
    solo = run_import(_dry_run(dry_source, tmp_path / "solo", workers))

    campaign = _campaign(sandbox)
    state = tmp_path / "state"
    progress = StopAfter(stop_after)
    with ThreadPoolExecutor(max_workers=2) as pool:
        stopped_run = pool.submit(
            _stopped, _send(sent_source, tmp_path / "stopped", sandbox, campaign, state), progress
        )
        whole_run = pool.submit(run_import, _dry_run(dry_source, tmp_path / "whole", workers))
        stopped, whole = stopped_run.result(timeout=300), whole_run.result(timeout=300)

    # The run left alone is exactly what it is on its own.
    _same_reports(tmp_path / "solo", tmp_path / "whole")
    assert _counts(whole) == _counts(solo)
    assert whole.stopped_by is None

    # The stopped run says so, and its reports hold every row exactly once.
    assert stopped.exit_status == ExitStatus.INTERRUPTED
    summary = stopped.summary
    assert summary.stopped_by == stopped.message
    assert summary.pending > 0 and summary.balanced and summary.total == ROWS
    reports = assert_every_row_once(tmp_path / "stopped", ROWS)
    sent = {row["phone_e164"] for row in reports["accepted"]}
    assert sent == set(stored_phones(sandbox, campaign))
    if stop_after < ROWS // CHUNK_ROWS:  # stopped before sending: nothing was sent
        assert not sent and summary.batches == 0
    else:
        assert sent and summary.batches < len(valid) // BATCH_SIZE + 1

    # Nothing process-wide stays changed.
    assert gc.get_threshold() == thresholds
    assert csv.field_size_limit() == field_limit

    # Running the same command again finishes the job: each valid lead sent once.
    again = run_import(_send(sent_source, tmp_path / "again", sandbox, campaign, state))
    assert again.pending == 0 and again.total == ROWS
    assert sorted(stored_phones(sandbox, campaign)) == valid


def test_a_dry_run_stopped_reports_the_rows_not_checked_as_pending(tmp_path: Path) -> None:
    source, _ = _leads(tmp_path / "leads.csv", start=54_000)
    progress = StopAfter(2)
    stopped = _stopped(_dry_run(source, tmp_path / "out", 0), progress)
    assert stopped.exit_status == ExitStatus.INTERRUPTED
    assert stopped.summary.total == ROWS
    assert stopped.summary.pending == ROWS - 2 * CHUNK_ROWS
    assert "not checked" in stopped.message
    reports = assert_every_row_once(tmp_path / "out", ROWS)
    assert {row["reason"] for row in reports["pending"]} == {
        "not checked: the import was stopped before this row was validated"
    }


def test_workers_are_not_forked_from_a_threaded_process() -> None:
    default = multiprocessing.get_start_method(allow_none=True)
    found: list[str] = []
    thread = threading.Thread(
        target=lambda: found.append(validation._pool_context().get_start_method())
    )
    thread.start()
    thread.join()
    assert found == ["forkserver"]
    if threading.active_count() == 1:
        assert validation._pool_context().get_start_method() == "fork"
    assert multiprocessing.get_start_method(allow_none=True) == default
