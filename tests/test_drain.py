"""The drain and a file still being written: a real slow writer holds the file open."""

from __future__ import annotations

import csv
import io
import os
import threading
import time
import zipfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import importer.drain as drain_module
from importer.drain import DrainOptions, DrainSummary, drain_inbox, ready_files, record_state
from importer.pipeline import ImportOptions
from importer.sandbox import SandboxConfig, SandboxServer
from importer.status import ExitStatus

from .helpers import (
    SPRING,
    UseServer,
    read_report,
    set_credits,
    stored_phones,
    us_numbers,
)

SETTLE = 0.3
HEADER = "phone,first_name,email\n"


def line(phone: str, at: int) -> str:
    return f"{phone},Lead {at},lead{at}@example.com\n"


@pytest.fixture
def server(use_server: UseServer) -> Iterator[SandboxServer]:
    """A sandbox of this test's own: what it stores was sent by this test only."""
    with SandboxServer(SandboxConfig(rate_limit=0), host="127.0.0.1", port=0) as own:
        yield use_server(own)


def options(
    inbox: Path, state_dir: Path, server: SandboxServer, stall_seconds: float | None = None
) -> DrainOptions:
    template = ImportOptions(path=inbox, mapping="generic", campaign=SPRING, dry_run=False,
                             base_url=server.base_url, state_dir=state_dir,
                             workbook=False)  # fmt: skip
    return DrainOptions(inbox, template, state_dir, settle_seconds=SETTLE,
                        stall_seconds=stall_seconds)  # fmt: skip


def drain(inbox: Path, state_dir: Path, server: SandboxServer) -> DrainSummary:
    time.sleep(SETTLE + 0.2)  # the file has been still for the settle time
    return drain_inbox(options(inbox, state_dir, server))


class SlowWriter(threading.Thread):
    """Writes the first part, pauses holding the file open until told, then the rest."""

    def __init__(self, path: Path, first: str, rest: str) -> None:
        super().__init__(daemon=True)
        self.path, self.first, self.rest = path, first, rest
        self.paused, self.go_on, self.done = threading.Event(), threading.Event(), threading.Event()

    def run(self) -> None:
        with self.path.open("w", encoding="utf-8", newline="") as handle:
            handle.write(self.first)
            handle.flush()
            self.paused.set()
            self.go_on.wait(30)
            handle.write(self.rest)
        self.done.set()


def rows_in_reports(summaries: list[DrainSummary]) -> list[str]:
    """Every source_row of every report of the drains, one entry per report line."""
    found = []
    for summary in summaries:
        for outcome in summary.files:
            if outcome.reports is None:
                continue
            for name in ("accepted", "rejected", "duplicates", "suppressed", "pending"):
                report = Path(outcome.reports) / f"{name}.csv"
                if report.exists():
                    found += [row["source_row"] for row in read_report(report)]
    return found


@pytest.fixture
def inbox(tmp_path: Path, state_dir: Path) -> Path:
    folder = tmp_path / "inbox"
    folder.mkdir()
    return folder


def test_a_writer_paused_mid_line_is_left_and_its_whole_file_imported_later(
    inbox: Path, state_dir: Path, server: SandboxServer
) -> None:
    phones = us_numbers(200, start=9000)
    first = HEADER + "".join(line(p, i) for i, p in enumerate(phones[:100])) + phones[100][:7]
    rest = phones[100][7:] + ",Lead 100,lead100@example.com\n"
    rest += "".join(line(p, i) for i, p in enumerate(phones[101:], start=101))
    writer = SlowWriter(inbox / "slow.csv", first, rest)
    writer.start()
    assert writer.paused.wait(10)

    during = drain(inbox, state_dir, server)  # the writer still holds the file open
    assert during.files == [] and during.not_ready == ["slow.csv"]
    assert "slow.csv: its last line has no line end" in during.incomplete[0]
    assert during.exit_status == ExitStatus.SUCCESS and stored_phones(server, SPRING) == []
    assert (inbox / "slow.csv").exists() and not (inbox / "archive").exists()

    writer.go_on.set()
    assert writer.done.wait(10)
    after = drain(inbox, state_dir, server)
    assert [f.outcome for f in after.files] == ["imported"]
    assert after.files[0].counts["accepted"] == 200
    assert sorted(stored_phones(server, SPRING)) == sorted(phones)
    assert sorted(rows_in_reports([during, after]), key=int) == [str(n) for n in range(2, 202)]


def test_a_writer_paused_after_a_whole_line_has_its_rest_imported_from_the_archive(
    inbox: Path, state_dir: Path, server: SandboxServer
) -> None:
    phones = us_numbers(199, start=9300)
    first = HEADER + "".join(line(p, i) for i, p in enumerate(phones[:100]))
    rest = "".join(line(p, i) for i, p in enumerate(phones[100:], start=100))
    writer = SlowWriter(inbox / "slow.csv", first, rest)
    writer.start()
    assert writer.paused.wait(10)

    during = drain(inbox, state_dir, server)  # 100 whole rows: imported, and archived
    assert [f.outcome for f in during.files] == ["imported"]
    assert during.files[0].counts["accepted"] == 100
    archived = Path(str(during.files[0].moved_to))

    writer.go_on.set()  # the writer finishes the file, which is now in the archive
    assert writer.done.wait(10)
    assert archived.read_text(encoding="utf-8").count("\n") == 200

    after = drain(inbox, state_dir, server)
    assert [f.outcome for f in after.files] == ["imported"]
    assert after.files[0].counts == {
        "total": 99, "accepted": 99, "rejected": 0, "duplicates": 0, "suppressed": 0,
        "pending": 0, "dnc_list": 0, "dnc_cell": 0, "dnc_column": 0,
    }  # fmt: skip
    assert after.files[0].continues_after_byte == len(first.encode())
    assert after.files[0].moved_to == str(archived)
    phones_sent = stored_phones(server, SPRING)
    assert sorted(phones_sent) == sorted(phones) and len(phones_sent) == 199
    assert sorted(rows_in_reports([during, after]), key=int) == [str(n) for n in range(2, 201)]

    again = drain(inbox, state_dir, server)  # nothing more to do
    assert again.files == [] and len(stored_phones(server, SPRING)) == 199


def test_a_file_that_grows_while_it_is_imported_is_not_archived_and_its_rest_follows(
    inbox: Path, state_dir: Path, server: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    phones = us_numbers(30, start=9600)
    path = inbox / "growing.csv"
    path.write_text(HEADER + "".join(line(p, i) for i, p in enumerate(phones[:20])), "utf-8")
    real_import = drain_module.run_import

    def writer_goes_on(*args: object, **kwargs: object) -> object:
        result = real_import(*args, **kwargs)  # type: ignore[arg-type]
        with path.open("a", encoding="utf-8") as handle:
            handle.write("".join(line(p, i) for i, p in enumerate(phones[20:], start=20)))
        return result

    monkeypatch.setattr(drain_module, "run_import", writer_goes_on)
    during = drain(inbox, state_dir, server)
    monkeypatch.setattr(drain_module, "run_import", real_import)
    assert [f.outcome for f in during.files] == ["imported_so_far"]
    assert "grew while it was imported" in str(during.files[0].message)
    assert path.exists() and not (inbox / "archive").exists()

    after = drain(inbox, state_dir, server)
    assert [f.outcome for f in after.files] == ["imported"]
    assert after.files[0].counts["accepted"] == 10
    assert sorted(stored_phones(server, SPRING)) == sorted(phones)
    assert sorted(rows_in_reports([during, after]), key=int) == [str(n) for n in range(2, 32)]


def test_a_file_rewritten_while_it_is_imported_goes_to_failed_with_why(
    inbox: Path, state_dir: Path, server: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    phones = us_numbers(5, start=9700)
    path = inbox / "rewritten.csv"
    path.write_text(HEADER + "".join(line(p, i) for i, p in enumerate(phones)), "utf-8")
    real_import = drain_module.run_import

    def writer_rewrites(*args: object, **kwargs: object) -> object:
        result = real_import(*args, **kwargs)  # type: ignore[arg-type]
        path.write_text(HEADER + line(us_numbers(1, start=9800)[0], 0), "utf-8")
        return result

    monkeypatch.setattr(drain_module, "run_import", writer_rewrites)
    summary = drain(inbox, state_dir, server)
    assert [f.outcome for f in summary.files] == ["failed"]
    assert "changed while it was imported" in str(summary.files[0].message)
    assert (inbox / "failed" / "rewritten.csv.error.txt").exists()
    assert not (inbox / "archive").exists()


def test_a_cut_off_file_still_so_after_the_limit_is_a_stalled_upload(
    inbox: Path, state_dir: Path, server: SandboxServer
) -> None:
    (inbox / "stalled.csv").write_text(HEADER + "+1212555", encoding="utf-8")
    time.sleep(SETTLE + 0.2)
    summary = drain_inbox(options(inbox, state_dir, server, stall_seconds=0.1))
    assert summary.exit_status == ExitStatus.CANNOT_START
    assert "stalled upload" in summary.stalled[0] and "rename" in summary.stalled[0]
    assert (inbox / "stalled.csv").exists() and stored_phones(server, SPRING) == []


def test_upload_names_and_dot_files_are_never_taken(tmp_path: Path) -> None:
    names = ["a.csv.part", "b.csv.filepart", "c.csv.tmp", "d.xlsx.crdownload", "~$e.xlsx",
             ".f.csv", "G.CSV.PART", "ok.csv"]  # fmt: skip
    for name in names:
        (tmp_path / name).write_text(HEADER, encoding="utf-8")
        os.utime(tmp_path / name, (0, 0))
    ready, waiting = ready_files(tmp_path, 1.0)
    assert [p.name for p in ready] == ["ok.csv"] and waiting == []


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (HEADER + "+12125550100,Ann,a@x.com\n", None),
        (HEADER + "+12125550100,Ann,a@x.com\r\n", None),
        (HEADER + "+12125550100,Ann,a@x.com", "its last line has no line end"),
        (HEADER + '+12125550100,"Ann\n', "it ends inside a quoted field"),
        (HEADER + '+12125550100,"Ann ""the"" first\nof her name",a@x.com\n', None),
        (HEADER + '+12125550100,O"Brien,a@x.com\n', None),  # a quote inside a field
        (HEADER + '+12125550100,"Ann""\n', "it ends inside a quoted field"),
    ],
)
def test_a_text_file_s_last_record_is_complete_only_after_its_line_end(
    tmp_path: Path, content: str, why: str | None
) -> None:
    path = tmp_path / "leads.csv"
    path.write_bytes(content.encode())
    assert record_state(path) == why


def test_a_workbook_is_complete_only_when_it_opens(tmp_path: Path) -> None:
    whole = tmp_path / "leads.xlsx"
    with zipfile.ZipFile(whole, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>" * 100)
    assert record_state(whole) is None
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(whole.read_bytes()[:-30])  # the central directory is not written yet
    assert record_state(cut) == "the workbook does not open as a whole yet (its end is missing)"


def test_the_rest_keeps_its_row_numbers_after_a_title_row_and_a_quoted_line_end(
    inbox: Path, state_dir: Path, server: SandboxServer
) -> None:
    phones = us_numbers(6, start=9900)
    path = inbox / "titled.csv"
    first = "Leads of the week\n" + HEADER + f'{phones[0]},"Ann\nthe first",a@x.com\n'
    first += "".join(line(p, i) for i, p in enumerate(phones[1:3], start=1))
    path.write_text(first, encoding="utf-8")
    before = drain(inbox, state_dir, server)
    assert before.files[0].counts["accepted"] == 3
    first_rows = read_report(Path(str(before.files[0].reports)) / "accepted.csv")
    assert [row["source_row"] for row in first_rows] == ["3", "4", "5"]
    archived = Path(str(before.files[0].moved_to))
    with archived.open("a", encoding="utf-8") as handle:  # the writer goes on, in the archive
        handle.write("".join(line(p, i) for i, p in enumerate(phones[3:], start=3)))
    after = drain(inbox, state_dir, server)
    assert after.files[0].counts["accepted"] == 3
    (reports,) = [Path(str(f.reports)) for f in after.files]
    assert [row["source_row"] for row in read_report(reports / "accepted.csv")] == ["6", "7", "8"]
    assert sorted(stored_phones(server, SPRING)) == sorted(phones)


def test_a_file_left_with_rows_to_send_then_grown_resumes_its_run_then_imports_the_rest(
    inbox: Path, state_dir: Path, server: SandboxServer
) -> None:
    phones = us_numbers(15, start=9950)
    path = inbox / "credits.csv"
    path.write_text(HEADER + "".join(line(p, i) for i, p in enumerate(phones[:10])), "utf-8")
    set_credits(server, 5 * server.config.cost_per_lead)  # the first batch of 5 only
    small = replace(options(inbox, state_dir, server), template=replace(
        options(inbox, state_dir, server).template, batch_size=5))  # fmt: skip
    time.sleep(SETTLE + 0.2)
    left = drain_inbox(small)
    assert [(f.outcome, f.counts["accepted"], f.counts["pending"]) for f in left.files] == [
        ("left", 5, 5)
    ]
    with path.open("a", encoding="utf-8") as handle:  # the sender adds rows meanwhile
        handle.write("".join(line(p, i) for i, p in enumerate(phones[10:], start=10)))
    set_credits(server, 1000)
    time.sleep(SETTLE + 0.2)
    resumed = drain_inbox(small)
    assert [f.outcome for f in resumed.files] == ["imported_so_far"]
    time.sleep(SETTLE + 0.2)
    rest = drain_inbox(small)
    assert [(f.outcome, f.counts["accepted"]) for f in rest.files] == [("imported", 5)]
    sent = stored_phones(server, SPRING)
    assert sorted(sent) == sorted(phones) and len(sent) == 15
    accepted = rows_in_reports([resumed, rest])
    assert sorted(accepted, key=int) == [str(n) for n in range(2, 17)]


def test_an_archived_file_rewritten_longer_goes_to_failed_and_nothing_is_sent(
    inbox: Path, state_dir: Path, server: SandboxServer
) -> None:
    phones = us_numbers(4, start=9980)
    (inbox / "done.csv").write_text(HEADER + line(phones[0], 0), encoding="utf-8")
    before = drain(inbox, state_dir, server)
    archived = Path(str(before.files[0].moved_to))
    other = HEADER.replace("email", "e-mail") + "".join(line(p, i) for i, p in enumerate(phones))
    archived.write_text(other, encoding="utf-8")
    after = drain(inbox, state_dir, server)
    assert [f.outcome for f in after.files] == ["failed"]
    assert "does not start with the rows imported" in str(after.files[0].message)
    assert not archived.exists() and (inbox / "failed" / "done.csv").exists()
    assert stored_phones(server, SPRING) == [phones[0]]
    assert drain(inbox, state_dir, server).files == []  # reported once


def test_a_utf16_file_that_grew_goes_to_failed_instead_of_being_guessed(
    inbox: Path, state_dir: Path, server: SandboxServer
) -> None:
    phones = us_numbers(2, start=9990)
    path = inbox / "wide.csv"
    path.write_text(HEADER + line(phones[0], 0), encoding="utf-16")
    assert drain(inbox, state_dir, server).files[0].outcome == "imported"
    archived = next((inbox / "archive").glob("*/wide.csv"))
    archived.write_text(HEADER + line(phones[0], 0) + line(phones[1], 1), encoding="utf-16")
    after = drain(inbox, state_dir, server)
    assert [f.outcome for f in after.files] == ["failed"]
    assert "UTF-16" in str(after.files[0].message)
    assert stored_phones(server, SPRING) == [phones[0]]


_CELLS = st.text(alphabet=st.sampled_from(list('ab ,"\n;')), max_size=6)


@given(st.lists(st.lists(_CELLS, min_size=1, max_size=4), min_size=1, max_size=6), st.data())
@settings(max_examples=200, deadline=None)
def test_a_cut_file_ends_in_quotes_exactly_when_the_csv_reader_says_so(
    rows: list[list[str]], data: st.DataObject
) -> None:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    text = buffer.getvalue()
    cut = text[: data.draw(st.integers(min_value=1, max_value=len(text)), label="cut")]
    try:
        list(csv.reader(io.StringIO(cut, newline=""), strict=True))
        open_quote = False
    except csv.Error:
        open_quote = True
    assert drain_module._ends_in_quotes(cut.encode()) == open_quote
