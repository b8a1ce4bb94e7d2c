from __future__ import annotations

import pandas as pd

from importer.dedupe import InFileDuplicates


def _phones(rows: dict[int, str]) -> pd.Series:
    return pd.Series(rows, dtype=object)


def test_first_row_wins_within_and_across_chunks() -> None:
    duplicates = InFileDuplicates()
    first = duplicates.find(_phones({2: "+1", 3: "+2", 4: "+1"}))
    assert first.to_dict() == {4: 2}
    second = duplicates.find(_phones({7: "+2", 8: "+3", 9: "+3"}))
    assert second.to_dict() == {7: 3, 9: 8}
    assert len(duplicates) == 3


def test_no_duplicates_gives_an_empty_series() -> None:
    found = InFileDuplicates().find(_phones({2: "+1", 3: "+2"}))
    assert found.empty
