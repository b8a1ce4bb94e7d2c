from __future__ import annotations

from importer.dedupe import InFileDuplicates


def test_first_row_wins_within_and_across_chunks() -> None:
    duplicates = InFileDuplicates()
    assert duplicates.find([2, 3, 4], ["+1", "+2", "+1"]) == {4: 2}
    assert duplicates.find([7, 8, 9], ["+2", "+3", "+3"]) == {7: 3, 9: 8}
    assert len(duplicates) == 3


def test_no_duplicates() -> None:
    assert InFileDuplicates().find([2, 3], ["+1", "+2"]) == {}
