"""Do-not-call marks in the lead file: a phone cell that says DNC, a do-not-call column."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
import requests
from hypothesis import given
from hypothesis import strategies as st

from importer.client import Credentials
from importer.errors import MappingError
from importer.mapping import bind_mapping, load_mapping, parse_mapping
from importer.marks import (
    CELL_CODE,
    COLUMN_CODE,
    PHRASES,
    column_mark,
    flag_value,
    phone_mark,
    phone_marks,
    status_says_do_not_call,
)
from importer.pipeline import ImportOptions, run_import
from importer.reader import ReadOptions
from importer.review import Review
from importer.sandbox import SandboxServer

from .helpers import CliResult, assert_every_row_once, read_report, read_summary, write_csv

# --- the phone cell ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "phrase", "rest"),
    [
        ("718-274-5501 DNC", "DNC", "718-274-5501"),
        ("DNC", "DNC", ""),
        ("(DNC) 718 274 5501", "DNC", "718 274 5501"),
        ("718 274 5501 - do not call", "do not call", "718 274 5501"),
        ("do-not-call", "do-not-call", ""),
        ("D.N.C. +1 718 274 5501", "D.N.C", "+1 718 274 5501"),
        ("don't call 718 274 5501", "don't call", "718 274 5501"),
        ("no llamar", "no llamar", ""),
        ("+34 612 345 678 (No contactar)", "No contactar", "+34 612 345 678"),
        ("0151 2345678 nicht anrufen", "nicht anrufen", "0151 2345678"),
        ("06 12 34 56 78 NE PAS APPELER", "NE PAS APPELER", "06 12 34 56 78"),
        ("não ligar", "não ligar", ""),
        ("Nao Ligar", "Nao Ligar", ""),
        ("non chiamare", "non chiamare", ""),
        ("niet bellen", "niet bellen", ""),
        ("Mobile: 07700 900123 [TPS]", "TPS", "Mobile: 07700 900123"),
    ],
)
def test_a_phone_cell_that_says_do_not_call_is_marked(cell: str, phrase: str, rest: str) -> None:
    assert phone_mark(cell) == (phrase, rest)


@pytest.mark.parametrize(
    "cell",
    ["+1 415 555 0100", "(415) 555-0100 (cell)", "1-800-FLOWERS", "415 555 0100 ext. 12",
     "Handy: 0151 2345678", "N/A", "no", "No. 4155550100", "Fax 4155550100", "Donald",
     "dncx", "555-DNCA"],
)  # fmt: skip
def test_other_words_in_a_phone_cell_are_no_mark(cell: str) -> None:
    assert phone_mark(cell) is None


@given(
    digits=st.from_regex(r"[2-9][0-9]{2}[2-9][0-9]{6}", fullmatch=True),
    phrase=st.sampled_from(PHRASES),
    before=st.booleans(),
    upper=st.booleans(),
)
def test_a_mark_beside_any_number_leaves_the_number(
    digits: str, phrase: str, before: bool, upper: bool
) -> None:
    said = phrase.upper() if upper else phrase
    cell = f"({said}) {digits}" if before else f"{digits} {said}"
    found = phone_mark(cell)
    assert found is not None
    assert found[1] == digits
    assert found[0].replace(" ", "").casefold() == said.replace(" ", "").casefold()


@given(
    st.lists(
        st.one_of(
            st.text(alphabet="0123456789 +-().xXpP:ÃãÉéＤＮＣｄ", max_size=20),
            st.builds(lambda p, n: f"{n} {p}", st.sampled_from(PHRASES), st.text("0123456789")),
            st.sampled_from(["DNC", "N/A", "Handy: 0151", "+1 415 555 0100", "İstanbul 212"]),
        ),
        max_size=30,
    )
)
def test_the_fast_look_over_a_chunk_finds_what_each_cell_says(cells: list[str]) -> None:
    assert phone_marks(cells) == {
        cell: found for cell in set(cells) if (found := phone_mark(cell)) is not None
    }


# --- a do-not-call column ----------------------------------------------------------------


@pytest.mark.parametrize(
    "cell", ["true", "TRUE", "1", "yes", "Y", "x", "X", "checked", "✓", "DNC", "Do Not Call",
             "opted out", "Opt-Out", "unsubscribed", "1.0", "ja", "oui", "sí"],
)  # fmt: skip
def test_a_flag_that_says_yes_means_do_not_call(cell: str) -> None:
    assert flag_value(cell) is True


@pytest.mark.parametrize("cell", ["", " ", "false", "FALSE", "0", "no", "N", "unchecked", "nein"])
def test_a_flag_that_says_no_or_nothing_means_may_call(cell: str) -> None:
    assert flag_value(cell) is False
    assert column_mark("Do Not Call", cell) is None


@pytest.mark.parametrize("cell", ["maybe", "-", "2026-01-04", "pending", "?"])
def test_a_flag_that_says_something_else_is_not_trusted(cell: str) -> None:
    assert flag_value(cell) is None
    mark = column_mark("Do Not Call", cell)
    assert mark is not None and mark.code == COLUMN_CODE
    assert "neither yes nor no" in mark.message and "write true or false" in mark.message


@pytest.mark.parametrize(
    ("cell", "marked"),
    [("Do Not Call", True), ("DNC", True), ("Opted out", True), ("Open - Not Contacted", False),
     ("Working", False), ("Attempted to Contact", False), ("", False), ("Unqualified", False)],
)  # fmt: skip
def test_a_status_column_marks_only_do_not_call_phrases(cell: str, marked: bool) -> None:
    assert status_says_do_not_call(cell) is marked
    assert (column_mark("Lead Status", cell, status=True) is not None) is marked


# --- the mapping ------------------------------------------------------------------------


def test_the_mapping_names_do_not_call_columns_which_are_never_sent(tmp_path: Path) -> None:
    mapping = parse_mapping(
        {"fields": {"phone": "Phone"}, "do_not_call": {"columns": ["Do Not Call", "DNC"],
                                                       "optional": True},
         "do_not_call_status": "Status", "unmapped": "custom_fields"},
        tmp_path / "m.yaml",
    )  # fmt: skip
    bound = bind_mapping(mapping, ("Phone", "DoNotCall", "Status", "Company"), "leads.csv")
    assert bound.do_not_call is not None and bound.do_not_call.columns() == ["DoNotCall"]
    assert bound.do_not_call_status is not None
    assert bound.do_not_call_status.columns() == ["Status"]
    assert set(bound.custom_fields) == {"Company"}  # the flag and the status are read, not sent
    assert {"DoNotCall", "Status"} <= set(bound.columns_used())


def test_a_do_not_call_key_takes_columns_only(tmp_path: Path) -> None:
    with pytest.raises(MappingError, match="do_not_call"):
        parse_mapping(
            {"fields": {"phone": "Phone"}, "do_not_call": {"value": "true"}}, tmp_path / "m.yaml"
        )


# --- runs ---------------------------------------------------------------------------------

MAPPING = """\
fields:
  phone: {columns: [phone, mobile]}
  firstName: first_name
do_not_call: {column: Do Not Call, optional: true}
do_not_call_status: {column: status, optional: true}
"""


def _leads(tmp_path: Path) -> tuple[Path, Path]:
    mapping = tmp_path / "dnc.yaml"
    mapping.write_text(MAPPING, encoding="utf-8")
    source = write_csv(tmp_path / "leads.csv", [
        ["phone", "mobile", "first_name", "Do Not Call", "status"],
        ["718-274-5501 DNC", "", "Cell", "", "Open"],  # 2
        ["DNC", "", "Only", "", ""],  # 3: no number at all, still not to be called
        ["(DNC) 718 274 5502", "", "Bracket", "false", ""],  # 4
        ["718 274 5503", "", "Flag", "true", ""],  # 5
        ["718 274 5504", "", "Unclear", "maybe", ""],  # 6
        ["718 274 5505", "", "Status", "0", "Do not call"],  # 7
        ["718 274 5506", "917 555 0123 no llamar", "Mobile", "", ""],  # 8
        ["718 274 5507", "", "Free", "no", "Working"],  # 9
        ["718 274 5501", "", "Same number", "", ""],  # 10: the marked row kept nothing
        ["N/A", "", "Rejected", "", ""],  # 11
    ])  # fmt: skip
    return source, mapping


WANT = {
    "Cell": ("+17182745501", CELL_CODE, "the phone cell says 'DNC'"),
    "Only": ("", CELL_CODE, "the phone cell says 'DNC'"),
    "Bracket": ("+17182745502", CELL_CODE, "the phone cell says 'DNC'"),
    "Flag": ("+17182745503", COLUMN_CODE, "the file's 'Do Not Call' column says 'true'"),
    "Unclear": ("+17182745504", COLUMN_CODE, "the file's 'Do Not Call' column says 'maybe'"),
    "Status": ("+17182745505", COLUMN_CODE, "the file's 'status' column says 'Do not call'"),
    "Mobile": ("+17182745506", CELL_CODE, "the phone cell says 'no llamar'"),
}


def _check_suppressed(rows: list[dict[str, str]]) -> None:
    got = {row["first_name"]: row for row in rows}
    assert set(got) == set(WANT)
    for name, (phone, code, said) in WANT.items():
        row = got[name]
        assert (row["phone_e164"], row["suppressed_code"]) == (phone, code), name
        assert row["suppressed_by"].startswith(said), name


def test_a_dry_run_reports_marked_rows_as_suppressed(
    run_cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    source, mapping = _leads(tmp_path)
    out = tmp_path / "out"
    done = run_cli(source, "-m", mapping, "--region", "US", "--dry-run", "--out", out)
    assert done.exit_code == 1, done.stderr  # the N/A row
    assert "suppressed          7  (marked do-not-call in the file)" in done.stderr
    reports = assert_every_row_once(out, 10)
    _check_suppressed(reports["suppressed"])
    assert [row["first_name"] for row in reports["accepted"]] == ["Free", "Same number"]
    assert [row["first_name"] for row in reports["rejected"]] == ["Rejected"]
    assert not reports["duplicates"]
    summary = read_summary(out)
    assert summary["suppressed_codes"] == {CELL_CODE: 4, COLUMN_CODE: 3}
    assert summary["rejection_reasons"] == {"phone_placeholder": 1}


def test_no_marked_row_reaches_the_api_and_a_resumed_run_reports_the_same(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    source, mapping = _leads(tmp_path)
    root = sandbox.base_url.split("/api/")[0]
    campaign = requests.post(f"{root}/_sandbox/campaigns",
                             json={"name": "Marks test", "status": "active"},
                             timeout=5).json()["campaign"]["id"]  # fmt: skip
    options = ImportOptions(
        path=source, mapping=mapping, region="US", dry_run=False, campaign=campaign,
        base_url=sandbox.base_url, out_dir=tmp_path / "out", state_dir=tmp_path / "state",
        credentials=Credentials(sandbox.config.client_id, sandbox.config.client_secret),
    )  # fmt: skip
    summary = run_import(options)
    assert (summary.accepted, summary.rejected, summary.suppressed) == (2, 1, 7)
    stored = requests.get(f"{root}/_sandbox/leads", params={"campaignId": campaign},
                          timeout=5).json()["leads"]  # fmt: skip
    assert sorted(lead["phone"] for lead in stored) == ["+17182745501", "+17182745507"]
    first = assert_every_row_once(tmp_path / "out", 10)
    _check_suppressed(first["suppressed"])
    again = run_import(replace(options, out_dir=tmp_path / "again"))
    assert again.batches == 0 and again.suppressed == 7
    assert read_report(tmp_path / "again" / "suppressed.csv") == first["suppressed"]


@pytest.mark.parametrize("workers", [0, 2])
def test_the_review_never_shows_a_marked_row_as_ready_to_send(
    tmp_path: Path, workers: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    from importer import review as review_module

    if workers:
        monkeypatch.setattr(review_module, "PARALLEL_MIN_BYTES", 0)
    source, mapping = _leads(tmp_path)
    review = Review.build(tmp_path / "review", source, str(mapping), region="US")
    counts = review.counts()
    assert (counts.valid, counts.rejected, counts.suppressed, counts.duplicates) == (2, 1, 7, 0)
    rows = {view.cells["first_name"]: view for view in review.page("suppressed", 0, 100).rows}
    assert set(rows) == set(WANT)
    for name, (phone, code, said) in WANT.items():
        (problem,) = rows[name].problems
        assert (rows[name].phone_e164 or "", problem.code) == (phone, code), name
        assert problem.message.startswith(said) and problem.severity == "suppressed"
    assert rows["Flag"].problems[0].column == "Do Not Call"
    assert rows["Cell"].problems[0].column == "phone"
    # Taking the mark out of the cell is a person's decision: the row is then sendable.
    assert review.edit(2, "phone", "718-274-5501").status == "valid"
    assert review.row(10).status == "duplicate"
    assert review.edit(2, "phone", "DNC 718-274-5501").status == "suppressed"
    assert review.row(10).status == "valid"


def test_the_built_in_mappings_read_their_exports_do_not_call_columns() -> None:
    salesforce = bind_mapping(load_mapping("salesforce"), ("Phone", "DoNotCall"), "leads.csv")
    assert salesforce.do_not_call is not None
    assert salesforce.do_not_call.columns() == ["DoNotCall"]
    report = bind_mapping(load_mapping("salesforce"), ("Phone", "Do Not Call"), "report.csv")
    assert report.do_not_call is not None and report.do_not_call.columns() == ["Do Not Call"]


def test_a_phone_cell_saying_dnc_is_suppressed_not_rejected_as_too_long(
    run_cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    source = write_csv(tmp_path / "leads.csv", [
        ["phone", "first_name"], ["718-274-5501 DNC", "Marked"], ["718-274-5502", "Free"],
    ])  # fmt: skip
    out = tmp_path / "out"
    done = run_cli(source, "-m", "generic", "--region", "US", "--dry-run", "--out", out)
    assert done.exit_code == 0, done.stderr
    reports = assert_every_row_once(out, 2)
    assert not reports["rejected"]
    (row,) = reports["suppressed"]
    assert (row["first_name"], row["phone_e164"], row["suppressed_code"]) == (
        "Marked", "+17182745501", CELL_CODE,
    )  # fmt: skip


@pytest.mark.parametrize(("workers", "chunk_rows"), [(0, 3), (2, 2)])
def test_worker_processes_and_chunks_suppress_the_same_rows(
    tmp_path: Path, workers: int, chunk_rows: int
) -> None:
    source, mapping = _leads(tmp_path)
    whole = run_import(ImportOptions(path=source, mapping=mapping, region="US",
                                     out_dir=tmp_path / "whole"))  # fmt: skip
    split = run_import(ImportOptions(
        path=source, mapping=mapping, region="US", out_dir=tmp_path / "split",
        workers=workers, read=ReadOptions(chunk_rows=chunk_rows),
    ))  # fmt: skip
    assert whole.suppressed_codes == split.suppressed_codes == {CELL_CODE: 4, COLUMN_CODE: 3}
    for report in ("accepted", "rejected", "suppressed"):
        assert read_report(tmp_path / "whole" / f"{report}.csv") == read_report(
            tmp_path / "split" / f"{report}.csv"
        ), report
