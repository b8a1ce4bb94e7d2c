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

The same person listed twice stays a plain duplicate. Two rows are the same person
when their names are the same, with case, accents, spaces and punctuation set aside
("Mary-Ann Smith" is "mary ann smith"); when neither row has a name, their e-mails
decide; when either row has neither, nothing tells them apart and they count as the
same person, as before.

People are compared by a 32-bit checksum of that text, which keeps the run's
memory at one integer per number; two different names with the same checksum
(about one pair in four billion) count as one person, the old behaviour.
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
    "shared_note",
    "shared_warning",
]

#: The warning of a row sent with its own other number, its first one being taken.
SHARED_CODE = "phone_shared"


def person_key(first: object, last: object, email: object) -> int:
    """Who a row is, as a number: its name, else its e-mail; 0 when it gives neither."""
    # Runs once per valid row of every file: kept to a few operations in C.
    name = (first if type(first) is str else "") + (last if type(last) is str else "")
    if name:
        letters = _letters(name)
        if letters:
            return zlib.crc32(letters, 1) or 1
    if type(email) is str and email:
        letters = _letters(email)
        if letters:
            return zlib.crc32(letters, 2) or 1
    return 0


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


def _same(one: int, other: int) -> bool:
    return one == other or not one or not other


class InFileDuplicates:
    """Remembers, for every phone seen so far in the run, the first row and its person."""

    def __init__(self) -> None:
        # phone -> row | person << 32: one integer per number.
        self._first: dict[str, int] = {}

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
            if _same(person, holder_person):
                found.duplicate_of[row] = holder
                continue
            for other in others.get(row, ()):
                taken = first.get(other)
                if taken is None:
                    first[other] = row | person << 32
                    found.moved[row] = (other, holder)
                    break
                if _same(person, taken >> 32):
                    found.duplicate_of[row] = taken & 0xFFFFFFFF
                    break
            else:
                found.duplicate_of[row] = holder
                found.shared.add(row)
        return found
