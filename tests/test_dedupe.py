from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from importer import dedupe
from importer.dedupe import InFileDuplicates, person_key, same_person, shared_note

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
    assert same_person(
        person_key("José", "Núñez", "a@example.com"),
        person_key(" jose ", "NUNEZ", "other@example.com"),
    )
    assert not same_person(person_key("Ana", "Lima", ""), person_key("Ana", "Silva", ""))
    assert person_key(None, None, "Ana@Example.com") == person_key("", "", "ana@example.com")
    assert person_key(None, None, "ana@example.com") != person_key("ana@example.com", "", "")
    assert person_key(None, "", None) == 0


def _same(one: tuple[str, str, str], other: tuple[str, str, str]) -> bool:
    return same_person(person_key(*one), person_key(*other))


@pytest.mark.parametrize(
    ("one", "other"),
    [
        (("Ann M.", "Lee", "ann@example.com"), ("Ann", "Lee", "ann@example.com")),
        (("Robert", "Lee", "bob@example.com"), ("Bob", "Lee", "bob@example.com")),
        (("Ann", "Lee", "ANN@example.com"), ("Anne-Marie", "Leigh", "ann@example.com")),
        (("", "", "ann@example.com"), ("Ann", "Lee", "ann@example.com")),
    ],
)
def test_the_same_e_mail_is_the_same_person_however_the_name_is_spelled(
    one: tuple[str, str, str], other: tuple[str, str, str]
) -> None:
    assert _same(one, other) and _same(other, one)
    # On one number, with a number of their own: a plain duplicate, not sent again.
    found = InFileDuplicates().find(
        [2, 3], ["+1", "+1"], [person_key(*one), person_key(*other)], {3: ["+9"]}
    )
    assert (found.duplicate_of, found.shared, found.moved) == ({3: 2}, set(), {})


def test_the_same_person_as_a_row_sent_on_its_own_number_is_a_duplicate_of_that_row() -> None:
    ann = person_key("Ann", "Lee", "ann@example.com")
    bob = person_key("Bob", "Lee", "bob@example.com")
    robert = person_key("Robert", "Lee", "bob@example.com")
    duplicates = InFileDuplicates()
    found = duplicates.find([2, 3], ["+1", "+1"], [ann, bob], {3: ["+2"]})
    assert found.moved == {3: ("+2", 2)}
    # Another chunk: Bob again on the switchboard, as Robert, with yet another number.
    again = duplicates.find([4], ["+1"], [robert], {4: ["+3"]})
    assert (again.duplicate_of, again.shared, again.moved) == ({4: 3}, set(), {})


@pytest.mark.parametrize(
    ("one", "other"),
    [
        (("Ann M.", "Lee"), ("Ann", "Lee")),
        (("Ann Marie", "Lee"), ("Ann", "Lee")),
        (("Ann", "M. Lee"), ("Ann", "Lee")),
        (("Ann M. Lee", ""), ("Ann", "Lee")),  # the whole name in one cell
        (("A.", "Lee"), ("Ann", "Lee")),  # an initial stands for the name
        (("A. Lee", ""), ("Ann Marie", "Lee")),
        (("Mary Ann", "Smith"), ("Maryann", "Smith")),
        (("Mary-Ann", "Smith"), ("Mary Ann", "Smith")),
        (("J. R. R.", "Tolkien"), ("John", "Tolkien")),
        (("Ann", ""), ("Ann", "Lee")),  # a part left out tells nobody apart
        (("", "Lee"), ("Ann", "Lee")),
        (("李", "明"), ("李", "明")),
        (("Mary", "Ann Smith"), ("Mary-Ann", "Smith")),  # "Mary Ann Smith" split as a full name
        (("Dr. Ines", "Demo"), ("Ines", "Demo")),  # titles and suffixes are set aside
        (("Sami", "Demo Jr."), ("Sami", "Demo")),
        (("Pieter", "van der Voorbeeld"), ("Pieter", "Voorbeeld")),  # the last word decides
    ],
)
def test_middle_names_and_initials_are_set_aside(
    one: tuple[str, str], other: tuple[str, str]
) -> None:
    assert _same((*one, ""), (*other, "")) and _same((*other, ""), (*one, ""))
    # The names decide over different e-mails, as before.
    assert _same((*one, "a@example.com"), (*other, "b@example.com"))


@pytest.mark.parametrize(
    ("one", "other"),
    [
        (("Robert", "Lee"), ("Bob", "Lee")),  # nicknames are not matched
        (("A.", "Lee"), ("Bob", "Lee")),
        (("Ann", "Lee"), ("Ann", "Lee-Smith")),  # a last name is compared whole
        (("Ann", "Lima"), ("Ann", "Silva")),
        (("Mary-Ann", "Smith"), ("Mary", "Smith")),
        (("李", "明"), ("王", "明")),  # a single Chinese character is a name, not an initial
    ],
)
def test_other_names_are_other_people(one: tuple[str, str], other: tuple[str, str]) -> None:
    assert not _same((*one, ""), (*other, ""))
    assert not _same((*one, "a@example.com"), (*other, "b@example.com"))
    assert _same((*one, "a@example.com"), (*other, "A@example.com"))


def test_without_names_the_e_mails_decide() -> None:
    assert not _same(("", "", "a@example.com"), ("", "", "b@example.com"))
    assert not _same(("Ann", "Lee", "a@example.com"), ("", "", "b@example.com"))
    # Nothing to compare: a name on one row, only an e-mail on the other.
    assert _same(("Ann", "Lee", ""), ("", "", "b@example.com"))


_NAME = st.text(alphabet="abcdefghijklmnopqrstuvwxyzéñøł", min_size=2, max_size=8).filter(
    lambda name: name.encode() not in dedupe._TITLES
)


@given(_NAME, _NAME, st.lists(_NAME | st.sampled_from("ABCMJ"), max_size=3), _NAME, _NAME)
def test_a_name_is_the_same_person_with_any_middle_names_case_and_e_mail(
    first: str, last: str, middles: list[str], mail: str, other_mail: str
) -> None:
    plain = person_key(first, last, f"{mail}@example.com")
    dotted = " ".join(f"{middle}." if len(middle) == 1 else middle for middle in middles)
    varied = person_key(f"{first.upper()} {dotted}", f" {last.title()} ",
                        f"{other_mail}@example.org")  # fmt: skip
    assert same_person(plain, varied) and same_person(varied, plain)
    assert same_person(plain, person_key(f"{first[0]}.", last, ""))
    assert 0 <= plain < 1 << 63  # stored as an SQLite integer by the review page


@given(_NAME, _NAME, _NAME, _NAME, _NAME)
def test_the_same_e_mail_is_the_same_person_whatever_the_names(
    first: str, last: str, other_first: str, other_last: str, mail: str
) -> None:
    one = person_key(first, last, f"{mail}@example.com")
    other = person_key(other_first, other_last, f" {mail.upper()}@EXAMPLE.com")
    assert same_person(one, other) and same_person(other, one)


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


@given(st.text(max_size=12), st.text(max_size=12))
def test_the_quick_way_for_plain_names_gives_what_the_whole_rule_gives(
    first: str, last: str
) -> None:
    assert person_key(first, last, "") == dedupe._name_key(first.strip(), last.strip())


@given(st.from_regex(r"[A-Za-z][a-z'-]{1,8}", fullmatch=True),
       st.from_regex(r"[A-Za-z][a-z'-]{1,8}", fullmatch=True))  # fmt: skip
def test_the_quick_way_for_one_word_names_gives_what_the_whole_rule_gives(
    first: str, last: str
) -> None:
    assert person_key(first, last, "") == dedupe._name_key(first, last)
