"""Cell text shared by the reader, the mapping's projection and the reports."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from importer.cells import cell_text, neutralize, restore
from importer.mapping import (
    COUNTRY_COLUMN,
    POSTAL_CODE_COLUMN,
    Mapping,
    Source,
    bind_mapping,
    project,
)


@pytest.mark.parametrize(
    ("cell", "text"),
    [
        ('="02134"', "02134"),
        ('="+1 415 555 0123"', "+1 415 555 0123"),
        ('= "+44 20 7946 0123" ', "+44 20 7946 0123"),
        ('="Ann ""Nan"" Lee"', 'Ann "Nan" Lee'),
        ('="ann@example.com"', "ann@example.com"),
        ('=""', ""),
        ("'02134", "02134"),
        ("\u2019+44 20 7946 0123", "+44 20 7946 0123"),
        ("\u2018(718) 274-5501", "(718) 274-5501"),
        ('\'="02134"', "02134"),
        # Not marks: a formula that is not only a text, an apostrophe that is part of
        # a name, text a spreadsheet would keep as text anyway.
        ("=1+1", "=1+1"),
        ('=A1&"x"', '=A1&"x"'),
        ("'t Hooft", "'t Hooft"),
        ("O\u2019Brien", "O\u2019Brien"),
        ("\u2019s-Hertogenbosch", "\u2019s-Hertogenbosch"),
        ("Ann", "Ann"),
        ("", ""),
    ],
)
def test_a_cell_marked_as_text_is_read_as_its_text(cell: str, text: str) -> None:
    assert cell_text(cell) == text


@given(st.text(max_size=30))
def test_a_report_read_back_gives_the_same_text(cell: str) -> None:
    # A report writes a cell a spreadsheet would read as a formula with a ' before it,
    # and reading the report back takes that off: the text read is the same.
    assert cell_text(restore(neutralize(cell))) == cell_text(cell)


def test_the_projection_reads_marked_cells_as_text_in_every_field() -> None:
    mapping = Mapping(
        name="m",
        path=Path("m.yaml"),
        sha256="",
        fields={
            "phone": Source(column="Phone"),
            "firstName": Source(column="First"),
            "email": Source(column="Email"),
        },
        postal_code=Source(column="Zip"),
        country=Source(column="Country"),
    )
    frame = pd.DataFrame(
        {
            "Phone": ['="+1 415 555 0123"', "\u2019+44 20 7946 0123"],
            "First": ['="Ann"', "'t Hooft"],
            "Email": ['="ann@example.com"', "b@example.com"],
            "Zip": ['="02134"', "'02134"],
            "Country": ['="US"', "(+44)"],
        },
        dtype=object,
    )
    bound = bind_mapping(mapping, tuple(frame.columns), "leads.csv")
    projected = project(frame, bound)
    assert projected["phone"].tolist() == ["+1 415 555 0123", "+44 20 7946 0123"]
    assert projected["firstName"].tolist() == ["Ann", "'t Hooft"]
    assert projected["email"].tolist() == ["ann@example.com", "b@example.com"]
    assert projected[POSTAL_CODE_COLUMN].tolist() == ["02134", "02134"]
    assert projected[COUNTRY_COLUMN].tolist() == ["US", "(+44)"]
    assert frame["Zip"].tolist() == ['="02134"', "'02134"]  # the source rows stay as read
