"""Fault tests: kills, Ctrl-C and a misbehaving server never lose or double-send a lead.

The importer runs as a real process against a real sandbox; the checks read the
reports, the sandbox's stored leads and request counts, and the ledger.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests

from importer.ledger import LEDGER_FILE, Ledger
from importer.sandbox import SandboxConfig, SandboxServer
from importer.status import ExitStatus

from .helpers import SPRING, leads_file, read_report, read_summary, us_numbers

# Whole runs killed and restarted, against a faulty server: minutes, not seconds.
pytestmark = pytest.mark.slow

ROWS = 200
BATCH = 10
OUTCOMES = ("accepted", "rejected", "duplicates", "pending")


def _stats(server: SandboxServer) -> dict[str, object]:
    return dict(requests.get(f"{server.url}/_sandbox/stats", timeout=5).json())


def _stored(server: SandboxServer) -> list[str]:
    body = requests.get(f"{server.url}/_sandbox/leads", params={"campaignId": SPRING}, timeout=5)
    return [lead["phone"] for lead in body.json()["leads"]]


class Importer:
    """The import command as a process, with its environment and arguments."""

    def __init__(self, server: SandboxServer, source: Path, state: Path, *extra: str) -> None:
        self.env = {
            **os.environ,
            "WHITECLAD_BASE_URL": server.base_url,
            "WHITECLAD_CLIENT_ID": server.config.client_id,
            "WHITECLAD_CLIENT_SECRET": server.config.client_secret,
            "WHITECLAD_STATE_DIR": str(state),
        }
        self.args = [sys.executable, "-m", "importer", str(source), "-m", "generic", "-c", SPRING,
                     "--batch-size", str(BATCH), "--no-progress", *extra]  # fmt: skip

    def start(self, out: Path) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [*self.args, "--out", str(out)],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )

    def run(self, out: Path) -> tuple[int, str]:
        process = self.start(out)
        _, err = process.communicate(timeout=120)
        return process.returncode, err.decode()


def _wait_for_posts(server: SandboxServer, process: subprocess.Popen[bytes], count: int) -> None:
    deadline = time.monotonic() + 60
    while int(_stats(server)["leadPosts"]) < count:  # type: ignore[call-overload]
        if process.poll() is not None:
            _, err = process.communicate()
            raise AssertionError(f"the import ended before it could be stopped: {err.decode()}")
        assert time.monotonic() < deadline, "the import made no progress"
        time.sleep(0.01)


def _check_guarantees(server: SandboxServer, out: Path, state: Path, phones: list[str]) -> None:
    """Every row in exactly one report; each lead stored once; no answered batch re-sent."""
    reports = {name: read_report(out / f"{name}.csv") if (out / f"{name}.csv").exists() else []
               for name in OUTCOMES}  # fmt: skip
    rows = [int(row["source_row"]) for found in reports.values() for row in found]
    assert sorted(rows) == list(range(2, 2 + len(phones)))
    assert [row["phone_e164"] for row in reports["accepted"]] == phones
    assert all(row["lead_id"] for row in reports["accepted"])
    summary = read_summary(out)
    assert summary["total"] == summary["accepted"] == len(phones)

    stored = _stored(server)
    assert sorted(stored) == sorted(phones), "each valid lead exactly once in the campaign"

    with Ledger(state / LEDGER_FILE) as ledger:
        (run,) = ledger.runs()
        batches = ledger.batches(run.id)
    answered = [set(rows) for _, batch_state, rows in batches if batch_state == "answered"]
    seen: set[int] = set()
    for rows_of_batch in answered:
        assert not rows_of_batch & seen, "an acknowledged batch was posted again"
        seen |= rows_of_batch
    # A batch is recorded before its POST goes out: a process killed between the two
    # leaves a batch that never reached the server, and its rows are sent again.
    unanswered = sum(1 for _, batch_state, _ in batches if batch_state != "answered")
    posts = int(_stats(server)["leadPosts"])  # type: ignore[call-overload]
    assert len(batches) - unanswered <= posts <= len(batches), "every POST is in the ledger"


@pytest.fixture
def slow_server() -> Iterator[SandboxServer]:
    # The latency keeps each answer in flight long enough to be cut off.
    with SandboxServer(SandboxConfig(rate_limit=0, latency=0.1), port=0) as server:
        yield server


@pytest.mark.parametrize("kill_after", [(2,), (1, 6), (3, 9, 14)])
def test_killed_at_any_point_then_rerun(
    slow_server: SandboxServer, tmp_path: Path, kill_after: tuple[int, ...]
) -> None:
    phones = us_numbers(ROWS)
    state = tmp_path / "state"
    importer = Importer(slow_server, leads_file(tmp_path / "leads.csv", phones), state)
    for number, posts in enumerate(kill_after):
        process = importer.start(tmp_path / f"killed{number}")
        _wait_for_posts(slow_server, process, posts)
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=30)
        assert process.returncode == -signal.SIGKILL
        # The killed run's folder says it is no result, and has no summary to vouch for it.
        killed = tmp_path / f"killed{number}"
        assert "did not finish" in (killed / "INCOMPLETE.txt").read_text(encoding="utf-8")
        assert not (killed / "summary.json").exists()
    code, err = importer.run(tmp_path / "final")
    assert code == ExitStatus.SUCCESS, err
    assert "resuming run #1" in err
    assert not (tmp_path / "final" / "INCOMPLETE.txt").exists()
    _check_guarantees(slow_server, tmp_path / "final", state, phones)


def test_ctrl_c_stops_after_the_batch_in_flight_and_rerun_resumes(
    slow_server: SandboxServer, tmp_path: Path
) -> None:
    phones = us_numbers(ROWS)
    state = tmp_path / "state"
    importer = Importer(slow_server, leads_file(tmp_path / "leads.csv", phones), state)
    process = importer.start(tmp_path / "stopped")
    _wait_for_posts(slow_server, process, 3)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == ExitStatus.INTERRUPTED, err.decode()
    assert "Stopping after the batch in flight" in err.decode()
    stopped = read_summary(tmp_path / "stopped")
    assert stopped["pending"] > 0
    assert stopped["accepted"] + stopped["pending"] == ROWS
    with Ledger(state / LEDGER_FILE) as ledger:
        states = {state for _, state, _ in ledger.batches(1)}
    assert states == {"answered"}, "the batch in flight was recorded"

    code, err2 = importer.run(tmp_path / "final")
    assert code == ExitStatus.SUCCESS, err2
    _check_guarantees(slow_server, tmp_path / "final", state, phones)


def test_a_misbehaving_server(tmp_path: Path) -> None:
    """500s, dropped connections and 429s at 10-30%: the import still completes."""
    config = SandboxConfig(fail_rate=0.2, throttle_rate=0.15, drop_rate=0.2, rate_limit=0,
                           seed=11)  # fmt: skip
    rows = 100
    phones = us_numbers(rows)
    extra = [[phone, "again", ""] for phone in phones[:5]] + [["N/A", "no phone", ""]]
    with SandboxServer(config, port=0) as server:
        state = tmp_path / "state"
        source = leads_file(tmp_path / "leads.csv", phones, extra=extra)
        importer = Importer(server, source, state, "--max-retries", "12",
                            "--retry-backoff", "0.05")  # fmt: skip
        code, err = importer.run(tmp_path / "out")
        stats = _stats(server)
        assert code == ExitStatus.ROWS_REJECTED, err  # the N/A row
        # Every kind of fault happened.
        assert stats["injectedFailures"] and stats["injectedThrottles"]
        assert stats["droppedConnections"]
        summary = read_summary(tmp_path / "out")
        assert (summary["accepted"], summary["duplicates"], summary["rejected"]) == (rows, 5, 1)
        assert sorted(_stored(server)) == sorted(phones)
        with Ledger(state / LEDGER_FILE) as ledger:
            batches = ledger.batches(1)
        assert all(batch_state == "answered" for _, batch_state, _ in batches)
        assert len(batches) == rows // BATCH


class _Hook(BaseHTTPRequestHandler):
    received: list[dict[str, Any]]

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        self.received.append(json.loads(self.rfile.read(length)))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def webhook() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """A local webhook receiver: its URL, and the JSON bodies it received."""
    received: list[dict[str, Any]] = []
    server = HTTPServer(("127.0.0.1", 0), type("Hook", (_Hook,), {"received": received}))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook", received
    server.shutdown()
    server.server_close()


class Drainer(Importer):
    """The drain command as a process, over one inbox."""

    def __init__(self, server: SandboxServer, inbox: Path, state: Path, *extra: str) -> None:
        super().__init__(server, inbox, state)
        self.args = [sys.executable, "-m", "importer", "drain", str(inbox), "-m", "generic",
                     "-c", SPRING, "--batch-size", str(BATCH), "--no-progress",
                     "--settle-seconds", "0", *extra]  # fmt: skip

    def start(self, out: Path) -> subprocess.Popen[bytes]:
        return subprocess.Popen([*self.args, "--out", str(out)], env=self.env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip


def _drain_summary(out: Path) -> dict[str, Any]:
    (path,) = out.glob("drain-*/drain-summary.json")
    return dict(json.loads(path.read_text(encoding="utf-8")))


def test_a_killed_drain_is_reported_by_the_next_which_resumes_its_file(
    slow_server: SandboxServer, tmp_path: Path, webhook: tuple[str, list[dict[str, Any]]]
) -> None:
    url, received = webhook
    phones = us_numbers(ROWS)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    leads_file(inbox / "a.csv", phones)
    state = tmp_path / "state"
    drainer = Drainer(slow_server, inbox, state, "--notify-url", url)
    process = drainer.start(tmp_path / "killed")
    _wait_for_posts(slow_server, process, 3)
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=30)
    assert process.returncode == -signal.SIGKILL
    assert received == []  # a killed process tells no one: the next drain must
    (killed_folder,) = (tmp_path / "killed").glob("drain-*")
    assert (killed_folder / "INCOMPLETE.txt").exists()
    assert not (killed_folder / "drain-summary.json").exists()
    assert (inbox / "a.csv").exists()

    code, err = drainer.run(tmp_path / "next")
    assert code == ExitStatus.SUCCESS, err
    summary = _drain_summary(tmp_path / "next")
    (unfinished,) = summary["unfinished"]
    assert f"(pid {process.pid}) did not finish: killed or crashed" in unfinished
    assert "its files are resumed now" in unfinished
    assert str(killed_folder) in unfinished
    (payload,) = received  # exit 0, yet a person hears of the killed drain
    assert f"(pid {process.pid}) did not finish" in payload["text"]
    # Its file was resumed: every lead stored once, every row in a report of the file.
    (outcome,) = summary["files"]
    assert outcome["outcome"] == "imported"
    assert outcome["counts"]["accepted"] == ROWS
    assert sorted(_stored(slow_server)) == sorted(phones)
    assert not (inbox / "a.csv").exists()

    # The drain after that one has nothing to report: the marker went with its finish.
    received.clear()
    leads_file(inbox / "b.csv", us_numbers(1, start=9500))
    code, err = drainer.run(tmp_path / "after")
    assert code == ExitStatus.SUCCESS, err
    assert _drain_summary(tmp_path / "after")["unfinished"] == []
    assert received == []


def test_sigterm_to_a_drain_finishes_the_file_in_hand_then_reports_the_stop(
    slow_server: SandboxServer, tmp_path: Path, webhook: tuple[str, list[dict[str, Any]]]
) -> None:
    url, received = webhook
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for number, name in enumerate(("a.csv", "b.csv", "c.csv")):
        leads_file(inbox / name, us_numbers(ROWS // 2, start=9000 + number * 100))
        os.utime(inbox / name, (time.time() - 300 + number, time.time() - 300 + number))
    drainer = Drainer(slow_server, inbox, tmp_path / "state", "--notify-url", url)
    process = drainer.start(tmp_path / "out")
    _wait_for_posts(slow_server, process, 2)
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=60)
    assert process.returncode == ExitStatus.INTERRUPTED, err.decode()
    summary = _drain_summary(tmp_path / "out")
    assert [f["name"] for f in summary["files"]] == ["a.csv"]  # the file in hand finished
    assert summary["files"][0]["outcome"] == "imported"
    assert "stopped on request" in summary["stopped"]
    assert "b.csv, c.csv" in summary["stopped"]
    (payload,) = received
    assert "exit 130" in payload["text"]
    assert "stopped on request" in payload["text"]
    assert (inbox / "b.csv").exists() and (inbox / "c.csv").exists()
