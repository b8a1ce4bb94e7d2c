from __future__ import annotations

import csv
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from importer import cells, reports
from importer.cells import HAS_INVISIBLE, neutralize
from importer.reader import Chunk, open_source
from importer.reports import ReportWriter

_STARTS = st.sampled_from(["", "=", "+", "-", "@", "\t", "\r", "\r\n", "'", '"', ",", "+1", "p:"])
_CELLS = st.builds(lambda start, rest: start + rest, _STARTS, st.text(max_size=12))
_PHONES = st.from_regex(r"\+[1-9][0-9]{5,14}", fullmatch=True)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.one_of(_CELLS, _PHONES), min_size=3, max_size=3), max_size=4))
def test_every_cell_that_could_be_a_formula_is_neutralized_and_no_other(
    tmp_path_factory: object, rows: list[list[str]]
) -> None:
    out = Path(tmp_path_factory.mktemp("reports"))  # type: ignore[attr-defined]
    with ReportWriter(out, ("a", "b", "c"), write_leads=False) as writer:
        writer.write({"rejected": [[*row, n, "error", "code"] for n, row in enumerate(rows)]})
    with (out / "rejected.csv").open(encoding="utf-8-sig", newline="") as handle:
        written = list(csv.reader(handle))[1:]
    assert [line[:3] for line in written] == [[neutralize(cell) for cell in row] for row in rows]


_PLAIN = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), max_size=10
).filter(lambda text: not HAS_INVISIBLE.search(text) and text[:1] != "'")
_ROUND_CELLS = st.builds(lambda start, rest: start + rest, _STARTS, _PLAIN).filter(
    lambda cell: cell[:1] != "'"
)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(st.one_of(_ROUND_CELLS, _PHONES), min_size=2, max_size=2), min_size=1))
def test_a_report_read_back_gives_the_original_cells(
    tmp_path_factory: object, rows: list[list[str]]
) -> None:
    out = Path(tmp_path_factory.mktemp("reports"))  # type: ignore[attr-defined]
    cells = [[f"id{n}", *row] for n, row in enumerate(rows)]  # never a blank row
    with ReportWriter(out, ("id", "notes", "name"), write_leads=False) as writer:
        writer.write({"rejected": [[*row, n, "error", "code"] for n, row in enumerate(cells, 2)]})
    read = [row for chunk in read_chunks(out / "rejected.csv") for row in chunk.rows]
    assert read == cells


def read_chunks(path: Path) -> list[Chunk]:
    with open_source(path) as source:
        return list(source.chunks())


def test_the_formula_marks_are_importable_from_reports_and_cells() -> None:
    assert reports.neutralize is cells.neutralize
    assert reports.restore is cells.restore
    assert reports.FORMULA_STARTS is cells.FORMULA_STARTS


def test_a_report_folder_says_it_is_incomplete_until_its_summary_is_written(
    tmp_path: Path,
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "summary.json").write_text("{}", encoding="utf-8")  # an earlier run's
    with ReportWriter(out, ("a",), write_leads=False) as writer:
        # A run killed now leaves a folder that says so, and no summary to vouch for it.
        assert "did not finish" in (out / "INCOMPLETE.txt").read_text(encoding="utf-8")
        assert "run the same" in (out / "INCOMPLETE.txt").read_text(encoding="utf-8")
        assert not (out / "summary.json").exists()
        writer.write(reports.empty_rows())
    writer.write_summary({"total": 0})
    assert not (out / "INCOMPLETE.txt").exists()
    assert (out / "summary.json").exists()
