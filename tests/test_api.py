"""The Python API: import_file and drain_folder, with progress, read options and the sandbox."""

from __future__ import annotations

import logging
import os
import time
import uuid
from pathlib import Path

import pytest
import requests

from importer import drain_folder, import_file
from importer.drain import FileOutcome
from importer.errors import ConfigError, ImporterError, UsageError
from importer.reader import ReadOptions
from importer.sandbox import SandboxServer
from importer.status import ExitStatus

from .helpers import (
    SAMPLES,
    UseServer,
    assert_every_row_once,
    leads_file,
    read_summary,
    stored_phones,
    us_numbers,
    write_csv,
)


class Recorder:
    """A progress receiver that keeps every call."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, object]] = []

    def start(self, total: int, unit: str, label: str) -> None:
        self.calls.append(("start", label))

    def update(self, position: int, counts: dict[str, int]) -> None:
        self.calls.append(("update", position))

    def close(self) -> None:
        self.calls.append(("close", None))

    def notice(self, text: str) -> None:
        self.calls.append(("notice", text))

    def named(self, name: str) -> list[object]:
        return [value for call, value in self.calls if call == name]


@pytest.fixture
def api_env(
    monkeypatch: pytest.MonkeyPatch, sandbox: SandboxServer, use_server: UseServer
) -> SandboxServer:
    """The shared sandbox, its address and credentials in the variables."""
    use_server(sandbox)
    return sandbox


def campaign(server: SandboxServer, name: str) -> str:
    """A campaign of its own, so that its leads can be counted exactly."""
    root = server.base_url.split("/api/")[0]
    campaign_id = uuid.uuid4().hex[:24]
    body = {"id": campaign_id, "name": name, "status": "active"}
    requests.post(f"{root}/_sandbox/campaigns", json=body, timeout=5).raise_for_status()
    return campaign_id


def test_a_dry_run_of_a_sample_file(tmp_path: Path) -> None:
    out = tmp_path / "out"
    summary = import_file(SAMPLES / "facebook_lead_ads.csv", "facebook", dry_run=True,
                          out_dir=out)  # fmt: skip
    assert summary.dry_run is True and summary.total == 28
    assert (summary.accepted, summary.rejected, summary.duplicates) == (22, 4, 2)
    assert summary.exit_status == ExitStatus.ROWS_REJECTED
    assert_every_row_once(out, 28)


def test_a_real_import_into_the_sandbox_accounts_for_every_row(
    api_env: SandboxServer, tmp_path: Path
) -> None:
    target = campaign(api_env, "Python API 2026")
    phones = us_numbers(4, start=9000)
    source = leads_file(tmp_path / "leads.csv", phones,
                        extra=[["N/A", "nobody", ""], [phones[0], "again", ""]])  # fmt: skip
    out = tmp_path / "out"
    progress = Recorder()
    summary = import_file(source, "generic", campaign=target, out_dir=out, progress=progress,
                          batch_size=3, max_retries=0)  # fmt: skip
    assert (summary.total, summary.accepted, summary.rejected, summary.duplicates) == (6, 4, 1, 1)
    assert summary.pending == 0 and summary.batches == 2
    assert summary.total == summary.accepted + summary.rejected + summary.duplicates + (
        summary.pending
    )  # fmt: skip
    assert_every_row_once(out, 6)
    assert sorted(stored_phones(api_env, target)) == sorted(phones)
    assert summary.run_id is not None and read_summary(out)["run_id"] == summary.run_id
    # The progress receiver saw both stages, each opened and closed.
    assert progress.named("start") == ["validating", "sending"]
    assert len(progress.named("close")) == 2
    assert progress.named("update")


def test_read_options_are_honoured(tmp_path: Path) -> None:
    # The group row above the header looks like a header itself: found, it is taken.
    grouped = write_csv(tmp_path / "grouped.csv", [
        ["Contact", "Owner"], ["phone", "first_name"], ["+14155550123", "Ana"],
        ["(212) 555-0102", "Bo"],
    ])  # fmt: skip
    with pytest.raises(ImporterError, match="phone"):
        import_file(grouped, "generic", region="US", dry_run=True, out_dir=tmp_path / "a")
    summary = import_file(grouped, "generic", region="US", dry_run=True, out_dir=tmp_path / "b",
                          read=ReadOptions(header_row=2))  # fmt: skip
    assert summary.source["header_row"] == 2
    assert (summary.total, summary.accepted) == (2, 2)
    # header_row= is the short way to say the same; it wins over read's.
    again = import_file(grouped, "generic", region="US", dry_run=True, out_dir=tmp_path / "c",
                        read=ReadOptions(header_row=1), header_row=2)  # fmt: skip
    assert again.source["header_row"] == 2

    sheet = import_file(SAMPLES / "leads.xlsx", "generic", region="US", dry_run=True,
                        out_dir=tmp_path / "sheet", read=ReadOptions(sheet="Archive"))  # fmt: skip
    assert sheet.source["sheet"] == "Archive"
    with pytest.raises(ImporterError, match="no sheet"):
        import_file(SAMPLES / "leads.xlsx", "generic", dry_run=True, out_dir=tmp_path / "x",
                    read=ReadOptions(sheet="Nope"))  # fmt: skip

    piped = tmp_path / "piped.txt"
    piped.write_bytes("phone|first_name\n+14155550123|Jos\xe9\n".encode("latin-1"))
    found = import_file(piped, "generic", dry_run=True, out_dir=tmp_path / "piped",
                        read=ReadOptions(encoding="latin-1", delimiter="|"))  # fmt: skip
    assert (found.source["encoding"], found.source["delimiter"]) == ("iso8859-1", "|")
    assert found.accepted == 1


def test_settings_come_from_the_environment_and_arguments_win(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WHITECLAD_MAPPING", "facebook")
    monkeypatch.setenv("WHITECLAD_REGION", "GB")
    source = leads_file(tmp_path / "leads.csv", us_numbers(1, start=9050))
    summary = import_file(source, "generic", region="US", dry_run=True, out_dir=tmp_path / "o")
    assert summary.mapping["name"] == "generic" and summary.region == "US"


def test_no_mapping_is_the_one_message_in_the_api_s_words(tmp_path: Path) -> None:
    with pytest.raises(UsageError) as caught:
        import_file(SAMPLES / "hubspot_contacts.csv", dry_run=True, out_dir=tmp_path / "o")
    message = caught.value.message
    assert message.startswith("no mapping: pass mapping= with a YAML file or a built-in name (")
    assert message.endswith(
        "This file looks like a 'hubspot' export: add mapping='hubspot' (it reads 10 of the "
        "file's 12 columns)"
    )
    assert caught.value.exit_status == ExitStatus.CANNOT_START


@pytest.mark.slow
def test_insecure_http_is_honoured(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("WHITECLAD_CLIENT_ID", "wc_client_test")
    monkeypatch.setenv("WHITECLAD_CLIENT_SECRET", "wc_secret_test")
    source = leads_file(tmp_path / "leads.csv", us_numbers(1, start=9060))
    # This machine written as an IPv6-mapped address, which the transport check does not
    # count as loopback, on a port with nothing listening: nothing leaves the machine.
    url = "http://[::ffff:127.0.0.1]:9/api"
    with pytest.raises(ConfigError, match="unencrypted"):
        import_file(source, "generic", campaign="c", base_url=url, out_dir=tmp_path / "a")
    with (
        caplog.at_level(logging.WARNING, logger="importer.events"),
        pytest.raises(ImporterError) as caught,
    ):
        import_file(source, "generic", campaign="c", base_url=url, out_dir=tmp_path / "b",
                    insecure_http=True, max_retries=0, retry_backoff=0)  # fmt: skip
    assert "unencrypted" not in caught.value.message  # let through, then refused by no server
    (warning,) = [r for r in caplog.records if getattr(r, "event", "") == "insecure_http"]
    assert warning.getMessage().startswith("--insecure-http: the client secret goes unencrypted")
    assert "wc_secret_test" not in caplog.text

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    source.rename(inbox / "leads.csv")
    refused = drain_folder(inbox, "generic", campaign="c", base_url=url, settle_seconds=0)
    (left,) = refused.files
    assert left.outcome == "left" and "unencrypted" in (left.message or "")
    tried = drain_folder(inbox, "generic", campaign="c", base_url=url, settle_seconds=0,
                         insecure_http=True, max_retries=0)  # fmt: skip
    (left,) = tried.files
    assert left.outcome == "left" and "unencrypted" not in (left.message or "")


def test_drain_folder_reports_progress_and_each_file(
    api_env: SandboxServer, tmp_path: Path
) -> None:
    target = campaign(api_env, "Python API drain 2026")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    old = time.time() - 3600
    for index, name in enumerate(("a.csv", "b.csv")):
        leads_file(inbox / name, us_numbers(2, start=9100 + 10 * index),
                   extra=[["N/A", "nobody", ""]])  # fmt: skip
        os.utime(inbox / name, (old + index, old + index))
    progress = Recorder()
    outcomes: list[FileOutcome] = []
    drained = drain_folder(inbox, "generic", campaign=target, progress=progress,
                           on_file=outcomes.append)  # fmt: skip
    assert [f.name for f in outcomes] == ["a.csv", "b.csv"] == [f.name for f in drained.files]
    assert outcomes == drained.files
    assert all(f.outcome == "imported" for f in outcomes)
    assert drained.exit_status == ExitStatus.ROWS_REJECTED
    assert progress.named("start") == ["validating", "sending"] * 2
    totals = drained.totals()
    assert totals == {"total": 6, "accepted": 4, "rejected": 2, "duplicates": 0, "suppressed": 0,
                      "pending": 0, "dnc_list": 0, "dnc_cell": 0, "dnc_column": 0}  # fmt: skip
    for outcome in outcomes:
        assert outcome.reports is not None
        assert_every_row_once(Path(outcome.reports), 3)
    assert drained.drain_id is not None and drained.drain_id.startswith("drain-")


def test_drain_folder_takes_read_options_for_each_file(
    api_env: SandboxServer, tmp_path: Path
) -> None:
    target = campaign(api_env, "Python API titled 2026")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    write_csv(inbox / "titled.csv", [["Export"], ["phone", "first_name"], ["+12125559200", "Al"]])
    os.utime(inbox / "titled.csv", (time.time() - 3600, time.time() - 3600))
    drained = drain_folder(inbox, "generic", campaign=target, read=ReadOptions(header_row=2))
    (outcome,) = drained.files
    assert outcome.outcome == "imported" and outcome.counts["accepted"] == 1
    assert outcome.reports is not None
    assert read_summary(Path(outcome.reports))["source"]["header_row"] == 2  # type: ignore[index]


def test_send_company_lines_sends_the_switchboard_only_rows(tmp_path: Path) -> None:
    source = SAMPLES / "zoominfo_contacts.csv"
    default = import_file(source, "zoominfo", dry_run=True, out_dir=tmp_path / "a")
    sent = import_file(source, "zoominfo", dry_run=True, out_dir=tmp_path / "b",
                       send_company_lines=True)  # fmt: skip
    # Cy and Ed have only the HQ line: rejected, else Cy is sent and Ed shares his line.
    assert sent.rejected == default.rejected - 2
    assert (sent.accepted, sent.duplicates) == (default.accepted + 1, default.duplicates + 1)
    assert_every_row_once(tmp_path / "b", sent.total)
