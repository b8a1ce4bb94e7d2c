from __future__ import annotations

import csv
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from importer.reports import ReportWriter, neutralize

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
