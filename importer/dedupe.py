"""In-file duplicates: later rows with a phone already seen in this run.

A run imports into one campaign, so the key is the E.164 phone alone; the first
valid row with a phone wins and later ones are duplicates of it. Only rows that
passed validation take part: a rejected row never hides a later valid one. State
is carried across chunks, so the result does not depend on the chunk size.

A number is not always one person's. Lists from prospecting tools and CRMs give
many people of one company the same switchboard, so a later row whose number is
already taken by a *different person* is not simply a duplicate of them:

- when the row has another valid number of its own (a later column of the
  mapping's phone list) that no other person holds, it is sent with that number,
  with a ``phone_shared`` warning;
- when it has none, it is a duplicate, and its ``duplicate_of`` says the number
  is shared with row N under another name (a company line?), not just ``row N``.

The same person listed twice stays a plain duplicate, and so does a later row of a
person who was sent on a number of their own, another person holding the first. Two
rows are the same person when nothing tells them apart:

- the same e-mail is the same person, however the name is spelled ("Robert Lee" and
  "Bob Lee" with one address);
- else the names decide when both rows have one: the same first name and last name,
  with case, accents and punctuation set aside, titles and suffixes ("Dr.", "Jr.") and
  middle names and initials left out ("Ann M. Lee" and "Ann Marie Lee" are "Ann Lee").
  The last word is the last name, whichever cell holds it (a full name "Mary Ann Smith"
  is split as "Mary" and "Ann Smith"); the first names together meet too ("Mary Ann" is
  "Maryann" is "Mary-Ann"). A first name written as its initial stands for any name
  with that initial ("A. Lee" is "Ann Lee", not "Bob Lee"), and a part one row leaves
  out tells nobody apart ("Lee" alone is "Ann Lee");
- else, when neither row has a name, the e-mails decide;
- else (a row with neither, or one row with only a name and the other only an e-mail)
  nothing tells them apart, and they count as the same person: the side on which nobody
  is called twice.

Nicknames are not matched: "Bob Lee" and "Robert Lee" with different or no e-mails are
two people. A person is kept as one integer of 63 bits (the review page stores it as an
SQLite integer): a 16-bit checksum of the e-mail, 16 of the last name, 14 of the first
name, 12 of the first names together and 5 for the initial. Two different e-mails or
names with the same checksums count as one person, on the same safe side.
"""

from __future__ import annotations

import unicodedata
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

__all__ = [
    "SHARED_CODE",
    "Found",
    "InFileDuplicates",
    "person_key",
    "same_person",
    "shared_note",
    "shared_warning",
]

#: The warning of a row sent with its own other number, its first one being taken.
SHARED_CODE = "phone_shared"


def person_key(first: object, last: object, email: object) -> int:
    """Who a row is, as a number (:func:`same_person` compares two); 0 when it gives nothing."""
    # Runs once per valid row of every file: the usual name, one ASCII word in each of the
    # two cells, is worked out in a few operations in C.
    first = first if type(first) is str else ""
    last = last if type(last) is str else ""
    if first.isascii() and last.isascii():
        firsts = first.encode().translate(_ASCII_WORDS, b"-'").split()
        lasts = last.encode().translate(_ASCII_WORDS, b"-'").split()
        if (
            len(firsts) == 1 and len(lasts) == 1 and len(firsts[0]) > 1 and len(lasts[0]) > 1
            and firsts[0] not in _TITLES and lasts[0] not in _TITLES
        ):  # fmt: skip
            word = firsts[0]
            key = (
                (zlib.crc32(lasts[0], 3) % _LAST_MOD + 1) << _LAST_AT
                | (zlib.crc32(word, 4) % _FIRST_MOD + 1) << _FIRST_AT
                | (zlib.crc32(word, 5) % _FIRSTS_MOD + 1) << _FIRSTS_AT
                | (word[0] % _INITIAL_MOD + 1) << _INITIAL_AT
            )
        else:
            key = _name_key(first.strip(), last.strip())
    else:
        key = _name_key(first.strip(), last.strip())
    if type(email) is str and email:
        letters = _letters(email)
        if letters:
            key |= zlib.crc32(letters, 2) % _EMAIL_MOD + 1
    return key


def same_person(one: int, other: int) -> bool:
    """Whether two :func:`person_key` values are the same person, or cannot be told apart."""
    if one == other or not one or not other:
        return True
    mail_one, mail_other = one & _EMAIL_MASK, other & _EMAIL_MASK
    if mail_one and mail_one == mail_other:
        return True
    name_one, name_other = one & ~_EMAIL_MASK, other & ~_EMAIL_MASK
    if name_one and name_other:
        return _same_name(name_one, name_other)
    # No names on one side at least: the e-mails decide when both rows have one.
    return not (mail_one and mail_other)


# A person's bits: e-mail, last name, first name, all first names together, initial.
_EMAIL_AT, _EMAIL_BITS = 0, 16
_LAST_AT, _LAST_BITS = 16, 16
_FIRST_AT, _FIRST_BITS = 32, 14
_FIRSTS_AT, _FIRSTS_BITS = 46, 12
_INITIAL_AT, _INITIAL_BITS = 58, 5
_EMAIL_MASK = _EMAIL_MOD = (1 << _EMAIL_BITS) - 1
_LAST_MOD, _FIRST_MOD = (1 << _LAST_BITS) - 1, (1 << _FIRST_BITS) - 1
_FIRSTS_MOD, _INITIAL_MOD = (1 << _FIRSTS_BITS) - 1, (1 << _INITIAL_BITS) - 1


def _part(key: int, at: int, bits: int) -> int:
    return (key >> at) & ((1 << bits) - 1)


def _same_name(one: int, other: int) -> bool:
    """Whether two names agree wherever both give a part."""
    last_one, last_other = _part(one, _LAST_AT, _LAST_BITS), _part(other, _LAST_AT, _LAST_BITS)
    if last_one and last_other and last_one != last_other:
        return False
    first_one = _part(one, _FIRST_AT, _FIRST_BITS)
    first_other = _part(other, _FIRST_AT, _FIRST_BITS)
    if first_one and first_other:
        return first_one == first_other or (
            _part(one, _FIRSTS_AT, _FIRSTS_BITS) == _part(other, _FIRSTS_AT, _FIRSTS_BITS)
        )
    initial_one = _part(one, _INITIAL_AT, _INITIAL_BITS)
    initial_other = _part(other, _INITIAL_AT, _INITIAL_BITS)
    return not (initial_one and initial_other and initial_one != initial_other)


def _name_key(first: str, last: str) -> int:
    """The name bits of a person: first name, all first names, initial and last name."""
    if not first and not last:
        return 0
    head = [word for word in _words(first) if word not in _TITLES]
    tail = [word for word in _words(last) if word not in _TITLES]
    firsts = [word for word in head if not _is_initial(word)]
    lasts = [word for word in tail if not _is_initial(word)]
    if lasts:
        # Middle names go to either cell ("Mary" "Ann Smith" as a full name is split).
        firsts, surname = firsts + lasts[:-1], lasts[-1]
    elif not tail and len(head) > 1 and not _is_initial(head[-1]):
        # The whole name in one cell ("Ann M. Lee", "A. Lee"): its last word is the last name.
        firsts, surname = firsts[:-1], firsts[-1]
    else:
        surname = b""
    key = 0
    if surname:
        key |= (zlib.crc32(surname, 3) % _LAST_MOD + 1) << _LAST_AT
    if firsts:
        key |= (zlib.crc32(firsts[0], 4) % _FIRST_MOD + 1) << _FIRST_AT
        key |= (zlib.crc32(b"".join(firsts), 5) % _FIRSTS_MOD + 1) << _FIRSTS_AT
    if head:
        key |= (head[0][0] % _INITIAL_MOD + 1) << _INITIAL_AT
    return key


# Titles and suffixes, which say nothing of who a person is.
_TITLES = frozenset(b"mr mrs ms miss mx dr prof sir jr sr ii iii iv".split())


def _is_initial(word: bytes) -> bool:
    """A single letter of an alphabet: an initial (a single Chinese character is a name)."""
    if len(word) == 1:
        return word.isalpha()
    if len(word) > 4 or word[0] < 0x80:
        return False
    letter = word.decode()
    return (
        len(letter) == 1
        and letter.isalpha()
        and unicodedata.name(letter, "").startswith(_ALPHABETS)
    )


_ALPHABETS = ("LATIN", "GREEK", "CYRILLIC")
# Joined within a word ("Mary-Ann", "O'Brien"); anything else that is no letter parts words.
_JOINERS = "-'\u2019\u2010\u2011"
_JOINERS_TABLE = str.maketrans("", "", _JOINERS)
# ASCII names, all in C: upper case to lower, what is no letter or digit to a space.
_ASCII_WORDS = bytes(ord(chr(c).lower()) if chr(c).isalnum() else ord(" ") for c in range(256))


def _words(text: str) -> list[bytes]:
    """A name's words, in order, lower case and without accents, as UTF-8."""
    if not text:
        return []
    if text.isascii():
        return text.encode().translate(_ASCII_WORDS, b"-'").split()
    plain = unicodedata.normalize("NFKD", text.casefold().translate(_JOINERS_TABLE))
    return (
        "".join(ch if ch.isalnum() else " " for ch in plain if not unicodedata.combining(ch))
        .encode()
        .split()
    )


def _letters(text: str) -> bytes:
    """Letters and digits only, lower case, no accents: "Mary-Ann" is b"maryann"."""
    if text.isascii():
        return text.encode().lower().translate(None, _NOT_ALNUM)
    plain = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in plain if ch.isalnum() and not unicodedata.combining(ch)).encode()


_NOT_ALNUM = bytes(c for c in range(128) if not chr(c).isalnum())


def shared_note(row: int) -> str:
    """The ``duplicate_of`` of a row whose only number another person's row holds."""
    return f"row {row} (the same number under another name: a company line?)"


def shared_warning(phone: str, row: int, own: str) -> str:
    """The warning of a row sent with its own other number."""
    return (
        f"{phone} is also the number of row {row}, another person (a company line?): "
        f"this row's own number {own} is used"
    )


@dataclass
class Found:
    """What :meth:`InFileDuplicates.find` decides for the rows of one chunk."""

    #: Duplicate rows: the row that holds their number.
    duplicate_of: dict[int, int] = field(default_factory=dict)
    #: The duplicates whose number a different person's row holds.
    shared: set[int] = field(default_factory=set)
    #: Rows sent with another number of their own: (that number, the row holding theirs).
    moved: dict[int, tuple[str, int]] = field(default_factory=dict)

    def note(self, row: int) -> str:
        """A duplicate's ``duplicate_of`` in the reports: ``row N``, or :func:`shared_note`."""
        holder = self.duplicate_of[row]
        return shared_note(holder) if row in self.shared else f"row {holder}"


class InFileDuplicates:
    """Remembers, for every phone seen so far in the run, the first row and its person."""

    def __init__(self) -> None:
        # phone -> row | person << 32: one integer per number.
        self._first: dict[str, int] = {}
        # phone -> the rows (row | person << 32) that gave it first and were sent with a
        # number of their own, another person holding it: few, on shared lines only.
        self._moved: dict[str, list[int]] = {}

    def __len__(self) -> int:
        return len(self._first)

    def find(
        self,
        rows: Sequence[int],
        phones: Sequence[str],
        people: Sequence[int] = (),
        others: Mapping[int, Sequence[str]] | None = None,
    ) -> Found:
        """Take valid rows, their E.164 phones and people, in file order; decide duplicates.

        ``people`` holds each row's :func:`person_key` (empty: nobody is told apart).
        ``others`` holds, by row, the row's other valid numbers in the mapping's order.
        The numbers the rows are sent with are remembered for the rows that follow.
        """
        found = Found()
        first = self._first
        people = people or [0] * len(rows)
        others = others or {}
        for row, phone, person in zip(rows, phones, people, strict=True):
            held = first.get(phone)
            if held is None:
                first[phone] = row | person << 32
                continue
            holder, holder_person = held & 0xFFFFFFFF, held >> 32
            if same_person(person, holder_person):
                found.duplicate_of[row] = holder
                continue
            # The same person as a row that gave this number and was sent with its own.
            before = next(
                (item for item in self._moved.get(phone, ()) if same_person(person, item >> 32)),
                None,
            )
            if before is not None:
                found.duplicate_of[row] = before & 0xFFFFFFFF
                continue
            for other in others.get(row, ()):
                taken = first.get(other)
                if taken is None:
                    first[other] = row | person << 32
                    found.moved[row] = (other, holder)
                    self._moved.setdefault(phone, []).append(row | person << 32)
                    break
                if same_person(person, taken >> 32):
                    found.duplicate_of[row] = taken & 0xFFFFFFFF
                    break
            else:
                found.duplicate_of[row] = holder
                found.shared.add(row)
        return found
