"""`drain`: a temp inbox of good, rejecting, drifted, repeated and half-written files."""

from __future__ import annotations

import errno
import json
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest

from importer import DrainSummary, ImportIncomplete, drain_folder, import_file
from importer.drain import DrainOptions, drain_inbox, drain_lock, ready_files, watch
from importer.pipeline import ImportOptions
from importer.sandbox import SandboxConfig, SandboxServer
from importer.status import ExitStatus, most_severe, severity

from .helpers import (
    SPRING,
    CliResult,
    UseServer,
    assert_every_row_once,
    leads_file,
    read_report,
    start_outage,
    stored_phones,
    us_numbers,
    write_csv,
)

Run = Callable[..., CliResult]
OLD = time.time() - 3600


def drop(path: Path, phones: list[str], extra: list[list[str]] | None = None) -> Path:
    """A file that arrived an hour ago."""
    leads_file(path, phones, extra)
    os.utime(path, (OLD, OLD))
    return path


@pytest.fixture
def inbox(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sandbox: SandboxServer, use_server: UseServer
) -> Path:
    use_server(sandbox)
    folder = tmp_path / "inbox"
    folder.mkdir()
    return folder


def events(log: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]


def test_drain_files_each_file_where_it_belongs(
    run_cli: Run, inbox: Path, tmp_path: Path, sandbox: SandboxServer
) -> None:
    good = us_numbers(3, start=8000)
    drop(inbox / "1-good.csv", good)
    os.utime(inbox / "1-good.csv", (OLD - 60, OLD - 60))  # the oldest: taken first
    drop(inbox / "2-rejects.csv", us_numbers(2, start=8010), extra=[["N/A", "nobody", ""]])
    drift = write_csv(inbox / "3-drift.csv", [["Phone Number", "first_name"], [good[0], "x"]])
    os.utime(drift, (OLD, OLD))
    (inbox / "4-again.csv").write_bytes((inbox / "1-good.csv").read_bytes())
    os.utime(inbox / "4-again.csv", (OLD + 60, OLD + 60))
    leads_file(inbox / "5-still-writing.csv", us_numbers(1, start=8020))
    (inbox / "notes.pdf").write_bytes(b"%PDF")
    log = tmp_path / "logs" / "drain.log"
    result = run_cli("drain", inbox, "-m", "generic", "-c", SPRING, "--log-file", log,
                     "--log-format", "json")  # fmt: skip
    assert result.exit_code == ExitStatus.CANNOT_START, result.stderr  # the worst: the drift

    day = next((inbox / "archive").iterdir())
    assert sorted(p.name for p in day.iterdir()) == [
        "1-good.csv", "2-rejects.csv", "4-again.csv", "4-again.csv.note.txt"
    ]  # fmt: skip
    assert "same content as 1-good.csv" in (day / "4-again.csv.note.txt").read_text()
    failed = inbox / "failed"
    assert sorted(p.name for p in failed.iterdir()) == ["3-drift.csv", "3-drift.csv.error.txt"]
    error = (failed / "3-drift.csv.error.txt").read_text()
    assert "phone: \"Phone Number\"   # was 'phone'" in error
    assert sorted(p.name for p in inbox.iterdir() if p.is_file()) == [
        "5-still-writing.csv", "notes.pdf"
    ]  # fmt: skip
    assert set(good) <= set(stored_phones(sandbox, SPRING))

    (summary_path,) = (inbox / "reports").glob("drain-*/drain-summary.json")
    summary = json.loads(summary_path.read_text())
    assert summary["exit_status"] == ExitStatus.CANNOT_START
    assert summary["not_ready"] == ["5-still-writing.csv"]
    files = {f["name"]: f for f in summary["files"]}
    assert [f["name"] for f in summary["files"]] == [
        "1-good.csv", "2-rejects.csv", "3-drift.csv", "4-again.csv"
    ]  # fmt: skip
    assert files["1-good.csv"]["counts"] == {
        "total": 3, "accepted": 3, "rejected": 0, "duplicates": 0, "suppressed": 0,
        "pending": 0, "dnc_list": 0, "dnc_cell": 0, "dnc_column": 0,
    }  # fmt: skip
    assert (files["1-good.csv"]["outcome"], files["1-good.csv"]["exit_status"]) == ("imported", 0)
    assert files["2-rejects.csv"]["exit_status"] == ExitStatus.ROWS_REJECTED
    assert files["2-rejects.csv"]["counts"]["rejected"] == 1
    assert files["3-drift.csv"]["outcome"] == "failed"
    assert files["4-again.csv"]["outcome"] == "duplicate_delivery"
    # Each imported file's reports hold every row once.
    assert_every_row_once(Path(files["2-rejects.csv"]["reports"]), 3)

    lines = events(log)
    names = [line["event"] for line in lines]
    assert names[0] == "run_started" and names[-1] == "run_finished"
    for expected in ("file_skipped", "file_started", "batch_sent", "batch_result",
                     "file_archived", "duplicate_delivery", "file_failed"):  # fmt: skip
        assert expected in names
    assert all({"time", "level", "event", "message"} <= line.keys() for line in lines)
    assert lines[-1]["accepted"] == 5 and lines[-1]["exit_status"] == 2
    assert sandbox.config.client_secret not in log.read_text()


def test_an_empty_inbox_exits_0(run_cli: Run, inbox: Path) -> None:
    result = run_cli("drain", inbox, "-m", "generic", "-c", SPRING)
    assert result.exit_code == ExitStatus.SUCCESS, result.stderr
    assert "0 file(s) ready" in result.stderr


def test_a_second_drain_of_the_same_inbox_exits_4(
    run_cli: Run, inbox: Path, state_dir: Path
) -> None:
    drop(inbox / "leads.csv", us_numbers(1, start=8100))
    with drain_lock(state_dir, inbox):
        result = run_cli("drain", inbox, "-m", "generic", "-c", SPRING)
    assert result.exit_code == ExitStatus.BUSY
    assert "another drain of" in result.stderr and f"pid {os.getpid()}" in result.stderr
    assert (inbox / "leads.csv").exists()


def test_rows_left_unsent_keep_the_file_for_the_next_drain(
    run_cli: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, use_server: UseServer
) -> None:
    with SandboxServer(SandboxConfig(rate_limit=0, credits=0), port=0) as broke:
        use_server(broke)
        inbox = tmp_path / "inbox"
        inbox.mkdir()
        drop(inbox / "a.csv", us_numbers(2, start=8200))
        drop(inbox / "b.csv", us_numbers(2, start=8210))
        os.utime(inbox / "b.csv", (OLD + 1, OLD + 1))
        result = run_cli("drain", inbox, "-m", "generic", "-c", SPRING)
        assert result.exit_code == ExitStatus.INCOMPLETE, result.stderr
        assert (inbox / "a.csv").exists() and (inbox / "b.csv").exists()
        (summary_path,) = (inbox / "reports").glob("drain-*/drain-summary.json")
        summary = json.loads(summary_path.read_text())
        assert [(f["name"], f["outcome"]) for f in summary["files"]] == [("a.csv", "left")]
        assert summary["files"][0]["counts"]["pending"] == 2


def test_a_file_stopped_by_passing_api_trouble_is_left_and_the_next_file_is_imported(
    run_cli: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, use_server: UseServer
) -> None:
    monkeypatch.setenv("WHITECLAD_MAX_RETRIES", "2")
    monkeypatch.setenv("WHITECLAD_RETRY_BACKOFF", "0.01")
    with SandboxServer(SandboxConfig(rate_limit=0), port=0) as server:
        use_server(server)
        inbox = tmp_path / "inbox"
        inbox.mkdir()
        first, second = us_numbers(4, start=8300), us_numbers(2, start=8310)
        drop(inbox / "a.csv", first)
        drop(inbox / "b.csv", second)
        os.utime(inbox / "b.csv", (OLD + 1, OLD + 1))
        # Five 503s from a.csv's second batch on: its three tries fail, then b.csv's first
        # two; b.csv's third try gets through.
        start_outage(server, 503, requests=5, after_posts=1)
        result = run_cli("drain", inbox, "-m", "generic", "-c", SPRING, "--batch-size", "2")
        assert result.exit_code == ExitStatus.API_UNAVAILABLE, result.stderr
        assert (inbox / "a.csv").exists() and not (inbox / "b.csv").exists()
        (summary_path,) = (inbox / "reports").glob("drain-*/drain-summary.json")
        summary = json.loads(summary_path.read_text())
        files = {f["name"]: f for f in summary["files"]}
        assert (files["a.csv"]["outcome"], files["a.csv"]["exit_status"]) == ("left", 75)
        assert files["a.csv"]["counts"]["pending"] == 2
        assert (files["b.csv"]["outcome"], files["b.csv"]["counts"]["accepted"]) == ("imported", 2)
        assert sorted(stored_phones(server, SPRING)) == sorted(first[:2] + second)

        # The next drain resumes a.csv: its two pending leads are sent, nothing twice.
        time.sleep(1.1)  # the next drain's own report folder (named by the second)
        again = run_cli("drain", inbox, "-m", "generic", "-c", SPRING, "--batch-size", "2")
        assert again.exit_code == ExitStatus.SUCCESS, again.stderr
        assert not (inbox / "a.csv").exists()
        assert sorted(stored_phones(server, SPRING)) == sorted(first + second)


def test_passing_api_trouble_ranks_below_every_status_that_needs_a_person() -> None:
    order = [ExitStatus.SUCCESS, ExitStatus.ROWS_REJECTED, ExitStatus.API_UNAVAILABLE,
             ExitStatus.CANNOT_START, ExitStatus.INCOMPLETE, ExitStatus.BUSY,
             ExitStatus.INTERNAL_ERROR]  # fmt: skip
    assert sorted(order, key=severity) == order
    assert most_severe(ExitStatus.API_UNAVAILABLE, ExitStatus.CANNOT_START) == 2
    assert most_severe(ExitStatus.ROWS_REJECTED, ExitStatus.API_UNAVAILABLE) == 75


class _Hook(BaseHTTPRequestHandler):
    received: ClassVar[list[dict[str, Any]]] = []

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        self.received.append(json.loads(self.rfile.read(length)))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def webhook() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    received: ClassVar[list[dict[str, Any]]] = []
    handler = type("Hook", (_Hook,), {"received": received})
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook", received
    server.shutdown()
    server.server_close()


def test_notify_url_gets_the_summary_when_rows_are_rejected(
    run_cli: Run, inbox: Path, webhook: tuple[str, list[dict[str, Any]]]
) -> None:
    url, received = webhook
    drop(inbox / "ok.csv", us_numbers(1, start=8300))
    result = run_cli("drain", inbox, "-m", "generic", "-c", SPRING, "--notify-url", url)
    assert result.exit_code == ExitStatus.SUCCESS
    assert received == []  # nothing to say
    drop(inbox / "bad.csv", us_numbers(1, start=8310), extra=[["N/A", "x", ""]])
    result = run_cli("drain", inbox, "-m", "generic", "-c", SPRING, "--notify-url", url)
    assert result.exit_code == ExitStatus.ROWS_REJECTED
    (payload,) = received
    assert payload["text"].startswith("whiteclad-import drain of")
    assert "1 rejected" in payload["text"]
    assert payload["summary"]["files"][0]["name"] == "bad.csv"


def _drain_summary(out: Path) -> dict[str, Any]:
    (path,) = out.glob("drain-*/drain-summary.json")
    return dict(json.loads(path.read_text(encoding="utf-8")))


def test_an_archive_that_cannot_be_written_exits_74_and_is_still_reported(
    run_cli: Run, inbox: Path, tmp_path: Path, webhook: tuple[str, list[dict[str, Any]]]
) -> None:
    url, received = webhook
    # A file where the archive's folder of the day is expected: writes fail for root too.
    archive = tmp_path / "archive"
    archive.mkdir()
    (archive / datetime.now().strftime("%Y-%m-%d")).write_text("not a folder", encoding="utf-8")
    drop(inbox / "a.csv", us_numbers(2, start=8400))
    out = tmp_path / "out"
    log = tmp_path / "drain.log"
    result = run_cli("drain", inbox, "-m", "generic", "-c", SPRING, "--archive", archive,
                     "--out", out, "--notify-url", url, "--log-file", log,
                     "--log-format", "json")  # fmt: skip
    assert result.exit_code == ExitStatus.IO_ERROR, result.stderr
    assert "bug" not in result.stderr
    assert str(archive) in result.stderr
    assert "move the file away" in result.stderr
    summary = _drain_summary(out)
    assert summary["exit_status"] == ExitStatus.IO_ERROR
    assert str(archive) in summary["error"]
    (payload,) = received
    assert "exit 74" in payload["text"]
    assert str(archive) in payload["text"]
    (finished,) = [e for e in events(log) if e["event"] == "run_finished"]
    assert finished["exit_status"] == ExitStatus.IO_ERROR
    assert str(archive) in finished["error"]
    assert not list(out.glob("drain-*/INCOMPLETE.txt"))  # the drain's summary was written


def test_a_drain_that_cannot_write_its_summary_still_notifies_and_logs(
    run_cli: Run,
    inbox: Path,
    tmp_path: Path,
    webhook: tuple[str, list[dict[str, Any]]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import importer.drain

    out = tmp_path / "out"

    def full(run_dir: Path, summary: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(run_dir))

    monkeypatch.setattr(importer.drain, "_write_summary", full)
    url, received = webhook
    drop(inbox / "a.csv", us_numbers(1, start=8420))
    log = tmp_path / "drain.log"
    result = run_cli("drain", inbox, "-m", "generic", "-c", SPRING, "--out", out,
                     "--notify-url", url, "--log-file", log, "--log-format", "json")  # fmt: skip
    assert result.exit_code == ExitStatus.IO_ERROR, result.stderr
    assert str(out) in result.stderr
    assert "free disk space" in result.stderr
    assert "bug" not in result.stderr
    (payload,) = received
    assert "its summary was not written" in payload["text"]
    assert payload["summary"]["summary_error"]
    (finished,) = [e for e in events(log) if e["event"] == "run_finished"]
    assert finished["summary_error"]


def test_a_full_disk_while_a_file_is_imported_leaves_it_and_stops_the_drain(
    run_cli: Run, inbox: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importer.drain

    def full(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", "/srv/leads/state")

    monkeypatch.setattr(importer.drain, "run_import", full)
    drop(inbox / "a.csv", us_numbers(1, start=8460))
    os.utime(inbox / "a.csv", (OLD - 10, OLD - 10))
    drop(inbox / "b.csv", us_numbers(1, start=8470))
    out = tmp_path / "out"
    result = run_cli("drain", inbox, "-m", "generic", "-c", SPRING, "--out", out)
    assert result.exit_code == ExitStatus.IO_ERROR, result.stderr
    summary = _drain_summary(out)
    # Not a defect of the file (it is not moved to failed/), and the next file would meet
    # the same disk: the drain stops there.
    (outcome,) = summary["files"]
    assert (outcome["name"], outcome["outcome"]) == ("a.csv", "left")
    assert "/srv/leads/state (no space left on device): free disk space" in outcome["message"]
    assert (inbox / "a.csv").exists() and (inbox / "b.csv").exists()
    assert not (inbox / "failed").exists()


def test_a_state_folder_that_cannot_be_written_is_reported_with_exit_74(
    run_cli: Run, inbox: Path, tmp_path: Path, webhook: tuple[str, list[dict[str, Any]]]
) -> None:
    url, received = webhook
    state = tmp_path / "state"
    state.mkdir()
    locks = state / "locks"
    locks.write_text("not a folder", encoding="utf-8")  # fails for root too
    drop(inbox / "a.csv", us_numbers(1, start=8480))
    out = tmp_path / "out"
    result = run_cli("drain", inbox, "-m", "generic", "-c", SPRING, "--out", out,
                     "--state-dir", state, "--notify-url", url)  # fmt: skip
    assert result.exit_code == ExitStatus.IO_ERROR, result.stderr
    assert str(locks) in result.stderr
    assert "bug" not in result.stderr
    assert str(locks) in _drain_summary(out)["error"]
    (payload,) = received
    assert "exit 74" in payload["text"]
    assert (inbox / "a.csv").exists()


def test_an_io_failure_needs_a_person_more_than_a_defect_or_passing_trouble() -> None:
    assert most_severe(ExitStatus.IO_ERROR, ExitStatus.API_UNAVAILABLE) == 74
    assert most_severe(ExitStatus.ROWS_REJECTED, ExitStatus.IO_ERROR) == 74
    assert most_severe(ExitStatus.INTERNAL_ERROR, ExitStatus.IO_ERROR) == 74


def test_an_unexpected_exception_in_a_drain_is_summarized_notified_and_exits_70(
    run_cli: Run,
    inbox: Path,
    tmp_path: Path,
    webhook: tuple[str, list[dict[str, Any]]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import importer.drain

    def broken(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(importer.drain, "_drain_file", broken)
    url, received = webhook
    drop(inbox / "a.csv", us_numbers(1, start=8440))
    out = tmp_path / "out"
    result = run_cli("drain", inbox, "-m", "generic", "-c", SPRING, "--out", out,
                     "--notify-url", url)  # fmt: skip
    assert result.exit_code == ExitStatus.INTERNAL_ERROR
    assert "ZeroDivisionError" in result.stderr
    summary = _drain_summary(out)
    assert summary["exit_status"] == ExitStatus.INTERNAL_ERROR
    assert "ZeroDivisionError: boom" in summary["error"]
    (payload,) = received
    assert "exit 70" in payload["text"]
    assert "ZeroDivisionError: boom" in payload["text"]
    assert (inbox / "a.csv").exists()  # left for the next drain


def test_ready_files_are_oldest_first_and_skip_fresh_ones(tmp_path: Path) -> None:
    for name, age in (("b.xlsx", 300), ("a.csv", 200), (".hidden.csv", 900), ("c.tsv", 5)):
        path = tmp_path / name
        path.write_text("phone\n")
        os.utime(path, (time.time() - age, time.time() - age))
    (tmp_path / "sub.csv").mkdir()
    ready, waiting = ready_files(tmp_path, settle_seconds=60)
    assert [p.name for p in ready] == ["b.xlsx", "a.csv"]
    assert [p.name for p in waiting] == ["c.tsv"]


def test_watch_drains_until_stopped(inbox: Path, state_dir: Path, sandbox: SandboxServer) -> None:
    template = ImportOptions(path=inbox, mapping="generic", campaign=SPRING, dry_run=False,
                             base_url=sandbox.base_url, state_dir=state_dir)  # fmt: skip
    options = DrainOptions(inbox, template, state_dir, settle_seconds=0)
    passes: list[DrainSummary] = []
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        if len(sleeps) == 1:  # a file arrives while the watcher waits
            leads_file(inbox / "later.csv", us_numbers(1, start=8400))

    for summary in watch(options, lambda: len(passes) >= 2, poll_seconds=1, sleep=sleep):
        passes.append(summary)
    assert [len(p.files) for p in passes] == [0, 1]
    assert passes[1].files[0].name == "later.csv" and passes[1].files[0].outcome == "imported"


def test_python_api_imports_and_drains(inbox: Path, tmp_path: Path, sandbox: SandboxServer) -> None:
    source = leads_file(tmp_path / "one.csv", us_numbers(2, start=8500))
    summary = import_file(source, "generic", campaign=SPRING, out_dir=tmp_path / "out")
    assert (summary.accepted, summary.exit_status) == (2, ExitStatus.SUCCESS)
    assert json.loads((tmp_path / "out" / "summary.json").read_text())["accepted"] == 2
    drop(inbox / "two.csv", us_numbers(2, start=8510))
    drained = drain_folder(inbox, "generic", campaign=SPRING)
    assert [f.outcome for f in drained.files] == ["imported"]
    assert drained.totals()["accepted"] == 2


def test_python_api_raises_instead_of_exiting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, use_server: UseServer
) -> None:
    with SandboxServer(SandboxConfig(rate_limit=0, credits=0), port=0) as broke:
        use_server(broke)
        source = leads_file(tmp_path / "one.csv", us_numbers(2, start=8600))
        with pytest.raises(ImportIncomplete) as caught:
            import_file(source, "generic", campaign=SPRING, out_dir=tmp_path / "out")
    assert caught.value.exit_status == ExitStatus.INCOMPLETE
    assert caught.value.summary.pending == 2


README = Path(__file__).resolve().parent.parent / "README.md"


def _readme_block(marker: str) -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index("```", text.index(marker))
    body = text[text.index("\n", start) + 1 :]
    return body[: body.index("```")]


def _tool_args(command: str) -> list[str]:
    words = command.split()
    return words[next(i for i, w in enumerate(words) if w.endswith("/whiteclad-import")) + 1 :]


def test_the_readme_nightly_setup_works_as_written(
    run_cli: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sandbox: SandboxServer
) -> None:
    (cron,) = [line for line in _readme_block("<!-- nightly-crontab -->").splitlines()
               if line and not line.startswith("#")]  # fmt: skip
    schedule, command = cron.split()[:5], " ".join(cron.split()[5:])
    assert schedule == ["15", "2", "*", "*", "*"]
    assert command.startswith("cd /srv/leads && ./venv/bin/whiteclad-import drain ")
    systemd = _readme_block("<!-- nightly-systemd -->")
    (exec_start,) = [line for line in systemd.splitlines()
                     if line.startswith("ExecStart=") and "whiteclad-import" in line]  # fmt: skip
    # The template unit's %i is the profile: the same command as cron's for the profile.
    assert _tool_args(exec_start.replace("%i", "nightly")) == _tool_args(command)
    assert "OnCalendar=*-*-* 02:15:00" in systemd
    assert "EnvironmentFile=/etc/whiteclad/%i.env" in systemd
    assert "OnFailure=whiteclad-alert@%n.service" in systemd
    assert "SuccessExitStatus=1 75" in systemd

    # /srv/leads, as the README lays it out: the README's config, an inbox, the variables.
    text = README.read_text(encoding="utf-8")
    start = text.index("```yaml\ndefault_profile: nightly")
    config = text[text.index("\n", start) + 1 : text.index("```", start + 3)]
    config = config.replace("https://api-serve.cllr.ai/api/v1/client", sandbox.base_url)
    config = config.replace("/srv/leads/", f"{tmp_path}/")  # the state, inbox, log, lists
    (tmp_path / "whiteclad.yaml").write_text(config, encoding="utf-8")
    (tmp_path / "dnc").mkdir()
    (tmp_path / "dnc" / "registry.txt").write_text("2125558701\n", encoding="utf-8")
    write_csv(tmp_path / "dnc" / "opt-outs.csv", [["Phone"], ["+1 212 555 8702"]])
    monkeypatch.setenv("ACME_WHITECLAD_ID", sandbox.config.client_id)
    monkeypatch.setenv("ACME_WHITECLAD_SECRET", sandbox.config.client_secret)
    monkeypatch.setenv("WHITECLAD_SETTLE_SECONDS", "0")
    (tmp_path / "inbox").mkdir()
    write_csv(tmp_path / "inbox" / "leads.csv", [["phone_number", "full_name"],
                                                 ["+12125558700", "Ana Lima"],
                                                 ["+12125558701", "On the registry"],
                                                 ["+12125558702", "Opted out"]])  # fmt: skip
    monkeypatch.chdir(tmp_path)
    result = run_cli(*_tool_args(command))
    assert result.exit_code == ExitStatus.SUCCESS, result.stderr
    assert len(list((tmp_path / "inbox" / "archive").glob("*/leads.csv"))) == 1
    assert events(tmp_path / "logs" / "drain.log")[-1]["event"] == "run_finished"
    # The profile's do-not-call lists: the two listed numbers were never sent.
    (suppressed,) = (tmp_path / "inbox").rglob("suppressed.csv")
    assert [row["full_name"] for row in read_report(suppressed)] == ["On the registry",
                                                                     "Opted out"]  # fmt: skip
    assert stored_phones(sandbox, SPRING).count("+12125558701") == 0


def test_a_file_that_changes_while_it_is_read_is_left_for_later(
    inbox: Path, state_dir: Path, sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importer.drain as drain_module

    path = drop(inbox / "growing.csv", us_numbers(1, start=8700))
    real_copy = drain_module._copy_hashing

    def still_writing(target: Path, copy: Path | None) -> str:
        digest = real_copy(target, copy)
        with target.open("a", encoding="utf-8") as handle:  # the exporter appends a row
            handle.write("+12125558701,late,\n")
        return digest

    monkeypatch.setattr(drain_module, "_copy_hashing", still_writing)
    template = ImportOptions(path=inbox, mapping="generic", campaign=SPRING, dry_run=False,
                             base_url=sandbox.base_url, state_dir=state_dir)  # fmt: skip
    summary = drain_module.drain_inbox(DrainOptions(inbox, template, state_dir))
    assert summary.files == [] and summary.not_ready == ["growing.csv"]
    assert summary.exit_status == ExitStatus.SUCCESS
    assert path.exists() and not (inbox / "archive").exists()


def test_every_event_line_carries_its_run_id(
    run_cli: Run, inbox: Path, tmp_path: Path, sandbox: SandboxServer
) -> None:
    drop(inbox / "a.csv", us_numbers(2, start=8800))
    drop(inbox / "b.csv", us_numbers(2, start=8810))
    os.utime(inbox / "b.csv", (OLD + 1, OLD + 1))
    log = tmp_path / "drain.log"
    result = run_cli("drain", inbox, "-m", "generic", "-c", SPRING, "--log-file", log,
                     "--log-format", "json")  # fmt: skip
    assert result.exit_code == ExitStatus.SUCCESS, result.stderr
    (summary_path,) = (inbox / "reports").glob("drain-*/drain-summary.json")
    drain_id = summary_path.parent.name
    lines = events(log)
    assert all("run_id" in line and line["drain_id"] == drain_id for line in lines)
    for line in lines:
        if not line["event"].startswith("batch_"):
            assert line["run_id"] == drain_id, line
    # Each file's batches carry the ledger run of its import, which file_archived names.
    archived = [line for line in lines if line["event"] == "file_archived"]
    ledger_runs = [line["ledger_run_id"] for line in archived]
    assert len(set(ledger_runs)) == 2 and all(isinstance(run, int) for run in ledger_runs)
    batches = [line for line in lines if line["event"].startswith("batch_")]
    assert {line["run_id"] for line in batches} == set(ledger_runs)
    for path in (Path(f["reports"]) for f in json.loads(summary_path.read_text())["files"]):
        assert json.loads((path / "summary.json").read_text())["run_id"] in ledger_runs


def test_an_import_s_event_lines_carry_the_ledger_run_id(
    run_cli: Run, inbox: Path, tmp_path: Path
) -> None:
    source = leads_file(tmp_path / "leads.csv", us_numbers(3, start=8900))
    log, out = tmp_path / "import.log", tmp_path / "out"
    result = run_cli(source, "-m", "generic", "-c", SPRING, "--batch-size", "2", "--out", out,
                     "--log-file", log, "--log-format", "json")  # fmt: skip
    assert result.exit_code == ExitStatus.SUCCESS, result.stderr
    run_id = json.loads((out / "summary.json").read_text())["run_id"]
    lines = events(log)
    assert [line["event"] for line in lines] == ["batch_sent", "batch_result"] * 2
    assert {line["run_id"] for line in lines} == {run_id}


def test_run_context_binds_the_run_id_of_every_event_inside(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from importer.events import emit, run_context

    with caplog.at_level(logging.INFO, logger="importer.events"):
        emit("retry", "outside")
        with run_context("drain-x", drain_id="drain-x"):
            emit("file_started", "in the drain")
            with run_context(7):
                emit("retry", "in an import")
                emit("batch_sent", "explicit", run_id=8)
            emit("file_archived", "back in the drain")
        emit("retry", "outside again")
    seen = [(r.getMessage(), r.data.get("run_id"), r.data.get("drain_id")) for r in caplog.records]  # type: ignore[attr-defined]
    assert seen == [
        ("outside", None, None),
        ("in the drain", "drain-x", "drain-x"),
        ("in an import", 7, "drain-x"),
        ("explicit", 8, "drain-x"),
        ("back in the drain", "drain-x", "drain-x"),
        ("outside again", None, None),
    ]


def test_the_event_log_puts_the_logger_back(tmp_path: Path) -> None:
    from importer.events import LOGGER, emit, event_log

    mine = logging.NullHandler()
    LOGGER.addHandler(mine)
    before = (LOGGER.level, LOGGER.propagate)
    LOGGER.setLevel(logging.ERROR)
    LOGGER.propagate = True
    try:
        log = tmp_path / "events.log"
        with pytest.raises(RuntimeError), event_log(log, "json") as handler:
            assert LOGGER.handlers == [mine, handler]
            assert (LOGGER.level, LOGGER.propagate) == (logging.INFO, False)
            emit("run_started", "inside")
            raise RuntimeError("the run fails")
        assert LOGGER.handlers == [mine]
        assert (LOGGER.level, LOGGER.propagate) == (logging.ERROR, True)
        assert [line["event"] for line in events(log)] == ["run_started"]
        emit("run_finished", "after the block")  # goes nowhere near the file
        assert len(events(log)) == 1
    finally:
        LOGGER.removeHandler(mine)
        LOGGER.setLevel(before[0])
        LOGGER.propagate = before[1]


def test_a_drain_takes_the_output_flags_an_import_takes(
    run_cli: Run, inbox: Path, sandbox: SandboxServer
) -> None:
    from importer.cli import cli

    def flags(name: str) -> set[str]:
        command = cli.commands[name]
        return {option for param in command.params for option in param.opts}

    output = {"--no-progress", "--out", "--log-file", "--log-format", "--state-dir",
              "--max-file-size"}  # fmt: skip
    assert output <= flags("import") and output <= flags("drain")
    # The scheduler's command line, with the flags it passes to an import as well.
    drop(inbox / "leads.csv", us_numbers(1, start=8790))
    result = run_cli("drain", inbox, "-m", "generic", "-c", SPRING, "--no-progress")
    assert result.exit_code == ExitStatus.SUCCESS, result.stderr
    assert len(list((inbox / "archive").glob("*/leads.csv"))) == 1


def test_suppressed_rows_are_in_every_nightly_total(
    run_cli: Run, inbox: Path, tmp_path: Path, webhook: tuple[str, list[dict[str, Any]]]
) -> None:
    url, received = webhook
    phones = us_numbers(4, start=9100)
    listed = tmp_path / "dnc.txt"
    listed.write_text(f"{phones[0]}\n{phones[1]}\n", encoding="utf-8")
    drop(inbox / "night.csv", phones)
    log = tmp_path / "drain.log"
    result = run_cli("drain", inbox, "-m", "generic", "-c", SPRING, "--suppress", listed,
                     "--notify-url", url, "--notify-on", "always", "--log-file", log,
                     "--log-format", "json")  # fmt: skip
    assert result.exit_code == ExitStatus.SUCCESS, result.stderr
    (summary_path,) = (inbox / "reports").glob("drain-*/drain-summary.json")
    summary = json.loads(summary_path.read_text())
    (file,) = summary["files"]
    assert file["counts"]["suppressed"] == 2 and file["counts"]["dnc_list"] == 2
    assert file["counts"]["accepted"] == 2
    lines = events(log)
    (finished,) = [line for line in lines if line["event"] == "run_finished"]
    assert finished["suppressed"] == 2 and finished["dnc_list"] == 2
    assert "2 suppressed" in finished["message"]
    (archived,) = [line for line in lines if line["event"] == "file_archived"]
    assert archived["suppressed"] == 2 and "2 suppressed" in archived["message"]
    (payload,) = received
    assert (
        "2 accepted, 0 rejected, 0 duplicates, 2 suppressed (2 dnc_list), 0 pending"
        in (payload["text"])
    )
    listing = run_cli("runs")
    header, line = listing.stdout.splitlines()[:2]
    numbers = dict(zip(header.split()[3:9], line.split()[4:10], strict=True))
    assert numbers == {"TOTAL": "4", "ACCEPTED": "2", "REJECTED": "0", "DUPS": "0",
                       "SUPPRESSED": "2", "PENDING": "0"}  # fmt: skip


def test_a_few_rejected_rows_do_not_page_and_too_many_do(
    run_cli: Run, inbox: Path, webhook: tuple[str, list[dict[str, Any]]]
) -> None:
    url, received = webhook
    drop(inbox / "mostly-good.csv", us_numbers(20, start=9200), extra=[["N/A", "x", ""]])
    result = run_cli("drain", inbox, "-m", "generic", "-c", SPRING, "--notify-url", url)
    assert result.exit_code == ExitStatus.ROWS_REJECTED
    assert received == []  # 1 of 21 rows: under the default 10%
    drop(inbox / "again.csv", us_numbers(20, start=9230), extra=[["N/A", "x", ""]])
    result = run_cli("drain", inbox, "-m", "generic", "-c", SPRING, "--notify-url", url,
                     "--notify-rejected-over", "0")  # fmt: skip
    assert result.exit_code == ExitStatus.ROWS_REJECTED
    (payload,) = received
    text = payload["text"]
    assert "1 of 21 row(s) were rejected, more than 0 row(s)" in text
    (reports,) = [f["reports"] for f in payload["summary"]["files"]]
    assert f"{Path(reports).resolve()}/rejected.csv" in text


def test_never_means_never(
    run_cli: Run, inbox: Path, webhook: tuple[str, list[dict[str, Any]]]
) -> None:
    url, received = webhook
    drift = write_csv(inbox / "drift.csv", [["Phone Number", "first_name"], ["+12125550100", "x"]])
    os.utime(drift, (OLD, OLD))
    result = run_cli("drain", inbox, "-m", "generic", "-c", SPRING, "--notify-url", url,
                     "--notify-on", "never")  # fmt: skip
    assert result.exit_code == ExitStatus.CANNOT_START, result.stderr
    assert (inbox / "failed" / "drift.csv").exists()  # a failure, and nothing said
    assert received == []
    again = write_csv(inbox / "again.csv", [["Phone Number", "first_name"], ["+12125550101", "x"]])
    os.utime(again, (OLD, OLD))
    result = run_cli("drain", inbox, "-m", "generic", "-c", SPRING, "--notify-url", url)
    assert result.exit_code == ExitStatus.CANNOT_START
    (payload,) = received  # failures, the default
    assert "again.csv (exit 2) was moved to" in payload["text"]


def test_the_alert_names_the_account_the_host_every_count_and_what_to_do(
    run_cli: Run,
    inbox: Path,
    tmp_path: Path,
    sandbox: SandboxServer,
    webhook: tuple[str, list[dict[str, Any]]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import socket

    url, received = webhook
    config = tmp_path / "whiteclad.yaml"
    config.write_text(
        "profiles:\n  acme:\n    mapping: generic\n    campaign: Spring Promo 2026\n"
        f"    base_url: {sandbox.base_url}\n    notify_url: {url}\n",
        encoding="utf-8",
    )
    config.chmod(0o600)  # it holds a secret: the webhook's address
    drift = write_csv(inbox / "drift.csv", [["Phone Number", "first_name"], ["+12125550100", "x"]])
    os.utime(drift, (OLD, OLD))
    drop(inbox / "ok.csv", us_numbers(2, start=9300))
    monkeypatch.chdir(tmp_path)
    result = run_cli("drain", "inbox", "--config", config, "--profile", "acme")
    assert result.exit_code == ExitStatus.CANNOT_START, result.stderr
    (payload,) = received
    text = payload["text"]
    first = text.splitlines()[0]
    assert f"drain of {inbox.resolve()} " in first  # absolute, though given as "inbox"
    assert "profile acme" in first and f"host {socket.gethostname()}" in first
    for count in ("2 accepted", "0 rejected", "0 duplicates", "0 suppressed", "0 pending",
                  "0 file(s) left in the inbox", "1 in failed/"):  # fmt: skip
        assert count in text, count
    failed = (inbox / "failed" / "drift.csv").resolve()
    assert f"moved to {failed}" in text and f"Read {failed}.error.txt" in text
    assert "move it back into the inbox" in text
    summary = payload["summary"]
    assert summary["profile"] == "acme" and summary["host"] == socket.gethostname()
    assert f"Summary: {Path(summary['summary_path']).resolve()}" in text
    assert "-acme-" in summary["summary_path"]


def test_drains_of_two_accounts_started_at_once_get_their_own_ids(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from importer.drain import drain_id

    now = datetime(2026, 12, 8, 3, 0, 0, tzinfo=UTC)
    ids = {drain_id(now, "acme"), drain_id(now, "globex"), drain_id(now, "acme"), drain_id(now)}
    assert len(ids) == 4
    assert all(one.startswith("drain-20261208-030000-") for one in ids)
    assert any("-acme-" in one for one in ids) and any("-globex-" in one for one in ids)
    assert drain_id(now, "../../etc").startswith("drain-20261208-030000-etc-")


def test_every_event_carries_the_profile(
    run_cli: Run, inbox: Path, tmp_path: Path, sandbox: SandboxServer
) -> None:
    config = tmp_path / "whiteclad.yaml"
    config.write_text(
        "profiles:\n  acme:\n    mapping: generic\n    campaign: Spring Promo 2026\n"
        f"    base_url: {sandbox.base_url}\n",
        encoding="utf-8",
    )
    drop(inbox / "a.csv", us_numbers(2, start=9400))
    log = tmp_path / "drain.log"
    result = run_cli("drain", inbox, "--config", config, "--profile", "acme", "--log-file", log,
                     "--log-format", "json")  # fmt: skip
    assert result.exit_code == ExitStatus.SUCCESS, result.stderr
    lines = events(log)
    assert {"run_started", "file_archived", "batch_sent", "run_finished"} <= {
        line["event"] for line in lines
    }
    assert all(line["profile"] == "acme" for line in lines), lines
    source = leads_file(tmp_path / "leads.csv", us_numbers(2, start=9410))
    log = tmp_path / "import.log"
    result = run_cli(source, "--config", config, "--profile", "acme", "--out", tmp_path / "o",
                     "--log-file", log, "--log-format", "json")  # fmt: skip
    assert result.exit_code == ExitStatus.SUCCESS, result.stderr
    lines = events(log)
    assert lines and all(line["profile"] == "acme" for line in lines)


def test_three_accounts_drained_in_the_same_second_keep_their_ids_apart(
    tmp_path: Path, state_dir: Path, sandbox: SandboxServer
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    out = tmp_path / "reports"  # one reports folder for all, as a shared set-up might have

    def drain(profile: str) -> DrainSummary:
        inbox = tmp_path / profile
        inbox.mkdir()
        template = ImportOptions(path=inbox, mapping="generic", campaign=SPRING, dry_run=False,
                                 base_url=sandbox.base_url, state_dir=state_dir)  # fmt: skip
        return drain_inbox(DrainOptions(inbox, template, state_dir, out=out, profile=profile))

    with ThreadPoolExecutor(3) as pool:
        summaries = list(pool.map(drain, ["acme", "globex", "initech"]))
    ids = [summary.drain_id for summary in summaries]
    assert len(set(ids)) == 3, ids
    for profile, summary in zip(["acme", "globex", "initech"], summaries, strict=True):
        assert f"-{profile}-" in str(summary.drain_id) and summary.profile == profile
        written = json.loads(Path(str(summary.summary_path)).read_text())
        assert written["profile"] == profile


def _account_config(tmp_path: Path, base: Path) -> Path:
    """A config file whose profile 'acme' names every folder of its drain."""
    config = tmp_path / "whiteclad.yaml"
    config.write_text(
        "profiles:\n"
        "  acme:\n"
        "    mapping: generic\n"
        f"    campaign: {SPRING}\n"
        f"    inbox: {base / 'inbox'}\n"
        f"    archive_dir: {base / 'done'}\n"
        f"    failed_dir: {base / 'broken'}\n"
        f"    out_dir: {base / 'results'}\n"
        f"    log_file: {base / 'logs' / 'drain.log'}\n"
        f"    state_dir: {base / 'ledger'}\n"
        f"    metrics_file: {base / 'metrics' / 'whiteclad_acme.prom'}\n",
        encoding="utf-8",
    )
    return config


def test_a_profile_names_every_folder_so_drain_profile_is_a_whole_command(
    run_cli: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, inbox: Path
) -> None:
    base = tmp_path / "acme"
    (base / "inbox").mkdir(parents=True)
    drop(base / "inbox" / "good.csv", us_numbers(2, start=6100))
    drift = write_csv(base / "inbox" / "drift.csv", [["Phone Number", "first_name"], ["x", "y"]])
    os.utime(drift, (OLD, OLD))
    monkeypatch.delenv("WHITECLAD_STATE_DIR")  # the profile's state_dir, not the test's
    monkeypatch.setenv("WHITECLAD_CONFIG", str(_account_config(tmp_path, base)))
    result = run_cli("drain", "--profile", "acme")
    assert result.exit_code == ExitStatus.CANNOT_START, result.stderr  # the drifted file
    assert [p.name for p in (base / "done").glob("*/good.csv")] == ["good.csv"]
    assert (base / "broken" / "drift.csv").exists()
    assert len(list((base / "results").glob("drain-*/drain-summary.json"))) == 1
    assert "finished" in (base / "logs" / "drain.log").read_text().splitlines()[-1]
    assert (base / "ledger" / "deliveries.sqlite3").exists()
    assert (base / "metrics" / "whiteclad_acme.prom").exists()
    assert not (inbox / "archive").exists() and not (base / "inbox" / "archive").exists()
    assert not (base / "inbox" / "reports").exists()


def test_the_command_line_overrides_the_profile_s_folders(
    run_cli: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, inbox: Path
) -> None:
    base = tmp_path / "acme"
    drop(inbox / "good.csv", us_numbers(1, start=6120))
    monkeypatch.setenv("WHITECLAD_CONFIG", str(_account_config(tmp_path, base)))
    result = run_cli("drain", inbox, "--profile", "acme", "--archive", tmp_path / "elsewhere")
    assert result.exit_code == ExitStatus.SUCCESS, result.stderr
    assert len(list((tmp_path / "elsewhere").glob("*/good.csv"))) == 1
    assert len(list((base / "results").glob("drain-*/drain-summary.json"))) == 1


def test_a_drain_without_an_inbox_says_where_to_name_one(run_cli: Run) -> None:
    result = run_cli("drain", "-m", "generic", "-c", SPRING)
    assert result.exit_code == ExitStatus.CANNOT_START
    assert "set inbox in the profile" in result.stderr


def test_the_metrics_file_holds_the_last_drain_s_rows_and_keeps_the_last_success(
    run_cli: Run, tmp_path: Path, inbox: Path, use_server: UseServer
) -> None:
    from .test_metrics import parse_metrics

    metrics = tmp_path / "textfile" / "whiteclad_acme.prom"
    drop(inbox / "a.csv", us_numbers(3, start=6140), extra=[["N/A", "nobody", ""]])
    leads_file(inbox / "fresh.csv", us_numbers(1, start=6150))  # still being written: left
    result = run_cli("drain", inbox, "-m", "generic", "-c", SPRING, "--metrics-file", metrics)
    assert result.exit_code == ExitStatus.ROWS_REJECTED, result.stderr
    samples = parse_metrics(metrics.read_text(encoding="utf-8"))
    labels = frozenset({("inbox", str(inbox)), ("profile", "")})
    rows = {dict(key[1])["outcome"]: value for key, value in samples.items()
            if key[0] == "whiteclad_drain_rows"}  # fmt: skip
    assert rows == {"accepted": 3, "rejected": 1, "duplicates": 0, "suppressed": 0, "pending": 0}
    assert samples["whiteclad_drain_exit_status", labels] == 1
    assert samples["whiteclad_drain_inbox_files", labels] == 1
    assert samples["whiteclad_drain_files", labels] == 1
    assert samples["whiteclad_drain_duration_seconds", labels] >= 0
    success = samples["whiteclad_drain_last_success_timestamp_seconds", labels]
    assert abs(success - time.time()) < 120
    assert oct(metrics.stat().st_mode & 0o777) == "0o644"  # the exporter's user reads it

    # A drain stopped by the account (no credits) keeps the last success of the one before.
    os.utime(inbox / "fresh.csv", (OLD, OLD))
    with SandboxServer(SandboxConfig(rate_limit=0, credits=0), port=0) as broke:
        use_server(broke)
        result = run_cli("drain", inbox, "-m", "generic", "-c", SPRING, "--metrics-file", metrics)
    assert result.exit_code == ExitStatus.INCOMPLETE, result.stderr
    samples = parse_metrics(metrics.read_text(encoding="utf-8"))
    assert samples["whiteclad_drain_exit_status", labels] == ExitStatus.INCOMPLETE
    assert samples["whiteclad_drain_last_success_timestamp_seconds", labels] == success
    assert samples["whiteclad_drain_rows", labels | {("outcome", "pending")}] == 1
    assert samples["whiteclad_drain_inbox_files", labels] == 1
