from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from importer.dedupe import InFileDuplicates, person_key, shared_note

ANA = person_key("Ana", "Lima", "ana@example.com")
BEN = person_key("Ben", "Okoro", "ben@example.com")
CY = person_key("Cy", "Park", "")


def test_first_row_wins_within_and_across_chunks() -> None:
    duplicates = InFileDuplicates()
    assert duplicates.find([2, 3, 4], ["+1", "+2", "+1"]).duplicate_of == {4: 2}
    assert duplicates.find([7, 8, 9], ["+2", "+3", "+3"]).duplicate_of == {7: 3, 9: 8}
    assert len(duplicates) == 3


def test_no_duplicates() -> None:
    found = InFileDuplicates().find([2, 3], ["+1", "+2"])
    assert (found.duplicate_of, found.shared, found.moved) == ({}, set(), {})


def test_the_same_person_twice_is_a_plain_duplicate() -> None:
    found = InFileDuplicates().find([2, 3], ["+1", "+1"], [ANA, ANA], {3: ["+9"]})
    assert found.duplicate_of == {3: 2}
    assert found.note(3) == "row 2"
    assert not found.moved


def test_another_person_on_the_same_number_takes_a_number_of_their_own() -> None:
    duplicates = InFileDuplicates()
    found = duplicates.find([2, 3], ["+100", "+100"], [ANA, BEN], {3: ["+200"]})
    assert found.moved == {3: ("+200", 2)}
    assert not found.duplicate_of
    # The number taken is remembered as Ben's: Ana later on it is another person.
    later = duplicates.find([9], ["+200"], [BEN])
    assert later.duplicate_of == {9: 3}


def test_another_person_with_no_number_of_their_own_is_a_shared_duplicate() -> None:
    found = InFileDuplicates().find([2, 3], ["+100", "+100"], [ANA, BEN])
    assert found.duplicate_of == {3: 2}
    assert found.shared == {3}
    assert found.note(3) == shared_note(2)
    assert found.note(3).startswith("row 2 (") and "company line" in found.note(3)


def test_a_switchboard_shared_across_chunks() -> None:
    duplicates = InFileDuplicates()
    board = "+14155550100"
    assert not duplicates.find([2], [board], [ANA]).duplicate_of
    # A later chunk: Ben has his own mobile, Cy has nothing but the switchboard.
    found = duplicates.find([1001, 1002], [board, board], [BEN, CY], {1001: ["+14155550111"]})
    assert found.moved == {1001: ("+14155550111", 2)}
    assert found.duplicate_of == {1002: 2}
    assert found.shared == {1002}


def test_each_other_number_taken_by_someone_else_is_passed_over() -> None:
    duplicates = InFileDuplicates()
    duplicates.find([2, 3], ["+1", "+2"], [ANA, CY])
    found = duplicates.find([4], ["+1"], [BEN], {4: ["+2", "+3"]})
    assert found.moved == {4: ("+3", 2)}


def test_an_other_number_held_by_the_same_person_is_a_plain_duplicate_of_that_row() -> None:
    duplicates = InFileDuplicates()
    duplicates.find([2, 3], ["+1", "+2"], [ANA, BEN])
    found = duplicates.find([4], ["+1"], [BEN], {4: ["+2"]})
    assert found.duplicate_of == {4: 3}
    assert not found.shared and not found.moved


def test_rows_nobody_can_tell_apart_count_as_the_same_person() -> None:
    found = InFileDuplicates().find([2, 3, 4], ["+1", "+1", "+1"], [ANA, 0, BEN], {3: ["+2"]})
    assert found.duplicate_of == {3: 2, 4: 2}
    assert found.shared == {4}


def test_people_are_their_names_whatever_the_case_accents_and_spacing() -> None:
    assert person_key("José", "Núñez", "a@example.com") == person_key(
        " jose ", "NUNEZ", "other@example.com"
    )
    assert person_key("Ana", "Lima", "") != person_key("Ana", "Silva", "")
    assert person_key(None, None, "Ana@Example.com") == person_key("", "", "ana@example.com")
    assert person_key(None, None, "ana@example.com") != person_key("ana@example.com", "", "")
    assert person_key(None, "", None) == 0


@given(st.lists(st.tuples(st.integers(0, 4), st.integers(0, 3)), max_size=40), st.integers(1, 7))
def test_chunking_never_changes_what_is_found(rows: list[tuple[int, int]], size: int) -> None:
    phones = [f"+{phone}" for phone, _ in rows]
    people = [person for _, person in rows]
    others = {n: [f"+{(phone + 1) % 5}"] for n, (phone, _) in enumerate(rows) if n % 2}
    whole = InFileDuplicates().find(range(len(rows)), phones, people, others)
    chunked = InFileDuplicates()
    duplicate_of: dict[int, int] = {}
    moved: dict[int, tuple[str, int]] = {}
    for start in range(0, len(rows), size):
        part = range(start, min(start + size, len(rows)))
        found = chunked.find(part, phones[part.start : part.stop], people[part.start : part.stop],
                             {n: others[n] for n in part if n in others})  # fmt: skip
        duplicate_of |= found.duplicate_of
        moved |= found.moved
    assert (duplicate_of, moved) == (whole.duplicate_of, whole.moved)
