"""Cell text shared by the reader and the reports.

- Formula marks: a report cell that a spreadsheet would read as a formula is written
  with a leading ``'`` (:func:`neutralize`); reading a report back takes it off
  (:func:`restore`).
- Invisible characters: bidirectional marks, zero-width characters and byte-order
  marks are not part of any name, phone or e-mail; the reader strips them from every
  cell (:data:`INVISIBLE`, :func:`strip_invisible`).
- Text marks: a cell written as a text formula, ``="02134"`` (how programs keep a
  spreadsheet from dropping leading zeros or a ``+``), or with a leading ``'`` or
  ``\u2019`` (the typographic apostrophe that word processors and phones type) before
  what a spreadsheet would read as a number, is read as its text: ``02134``
  (:func:`cell_text`). A leading apostrophe before a letter is part of the text
  (``'t Hooft``).
- Spreadsheet errors: a workbook cell holding an error comes out as its error text
  (:data:`SPREADSHEET_ERRORS`), and a formula cell saved without its result as
  :data:`NO_CACHED_VALUE`, so that a later stage can say so instead of "empty".
"""

from __future__ import annotations

import re
from collections.abc import Sequence

__all__ = [
    "E164",
    "FORMULA_STARTS",
    "HAS_INVISIBLE",
    "INVISIBLE",
    "NO_CACHED_VALUE",
    "SPREADSHEET_ERRORS",
    "TEXT_MARKED",
    "cell_text",
    "columns_to_neutralize",
    "is_cell_error",
    "neutralize",
    "restore",
    "strip_invisible",
]

#: First characters that make a spreadsheet read a cell as a formula.
FORMULA_STARTS = frozenset("=+-@\t\r")
E164 = re.compile(r"\+[1-9]\d{5,14}")

#: Characters that show nothing: bidirectional marks and isolates, zero-width
#: space/joiners, word joiners and invisible operators, the byte-order mark, the soft
#: hyphen and the Mongolian vowel separator. Copying from a web page, Outlook or a
#: right-to-left document brings them along, often around a "+".
INVISIBLE = "".join(
    map(
        chr,
        [0x00AD, 0x061C, 0x180E, *range(0x200B, 0x2010), *range(0x202A, 0x202F),
         *range(0x2060, 0x2065), *range(0x2066, 0x206A), 0xFEFF],
    )
)  # fmt: skip
_INVISIBLE_TABLE = dict.fromkeys(map(ord, INVISIBLE))
HAS_INVISIBLE = re.compile(f"[{INVISIBLE}]")

#: The error texts a spreadsheet shows in a cell whose formula failed.
SPREADSHEET_ERRORS = frozenset(
    {
        "#NULL!",
        "#DIV/0!",
        "#VALUE!",
        "#REF!",
        "#NAME?",
        "#NUM!",
        "#N/A",
        "#GETTING_DATA",
        "#SPILL!",
        "#CALC!",
        "#FIELD!",
        "#BLOCKED!",
        "#CONNECT!",
        "#BUSY!",
        "#UNKNOWN!",
        "#EXTERNAL!",
        "#PYTHON!",
    }
)
#: The text of a formula cell saved without its result (written by a program, not
#: by a spreadsheet, which always saves the result): the value was never computed.
NO_CACHED_VALUE = "#NO_VALUE!"


def neutralize(cell: str) -> str:
    """Prefix a cell a spreadsheet would read as a formula with ``'``; E.164 phones stay."""
    if cell and cell[0] in FORMULA_STARTS and not E164.fullmatch(cell):
        return "'" + cell
    return cell


def restore(cell: str) -> str:
    """Undo :func:`neutralize`: the cell as the user's file had it."""
    if len(cell) > 1 and cell[0] == "'" and cell[1] in FORMULA_STARTS:
        return cell[1:]
    return cell


# ="…": a formula that is only a text, its quotes doubled inside, as Excel writes it.
_TEXT_FORMULA = re.compile(r'\s*=\s*"((?:[^"]|"")*)"\s*')
# A text mark (' or a typographic apostrophe) before what a spreadsheet would read as
# a number or a formula.
_TEXT_MARK = re.compile(r"\s*['\u2018\u2019]\s*(?=[0-9+\-=@(.])")
#: Whether a column joined with a NUL before each cell holds a cell that
#: :func:`cell_text` changes (a cell holding a NUL itself can only add a false alarm).
TEXT_MARKED = re.compile(r"\x00\s*(?:=\s*\"|['\u2018\u2019]\s*[0-9+\-=@(.])")


def cell_text(cell: str) -> str:
    """The text a cell stands for: ``="02134"`` and ``'02134`` are ``02134``, ``'t Hart`` stays."""
    formula = _TEXT_FORMULA.fullmatch(cell)
    if formula is not None:
        return formula.group(1).replace('""', '"')
    mark = _TEXT_MARK.match(cell)
    if mark is not None:
        text = cell[mark.end() :]
        formula = _TEXT_FORMULA.fullmatch(text)  # '="..." is the same text, marked twice
        return formula.group(1).replace('""', '"') if formula is not None else text
    return cell


def strip_invisible(cell: str) -> str:
    """Remove the characters of :data:`INVISIBLE` from a cell."""
    return cell.translate(_INVISIBLE_TABLE)


def is_cell_error(cell: str) -> bool:
    """Whether a cell holds a spreadsheet error or a formula result never computed."""
    text = cell.strip()
    text = text.upper()
    return text in SPREADSHEET_ERRORS or text == NO_CACHED_VALUE


#: The NUL before a cell that :func:`neutralize` would change, in a column joined
#: with a NUL before each cell. A cell holding a NUL itself can only add a false alarm.
_NEEDS_MARK = re.compile(r"\x00(?:[=\-@\t\r]|\+(?![1-9]\d{5,14}(?:\x00|$)))")


def columns_to_neutralize(columns: Sequence[Sequence[str]]) -> list[int]:
    """The positions of the columns (given whole) holding a cell that :func:`neutralize` marks.

    The validation workers run this on the columns they get, so that the report
    writer only goes through the columns that need it, cell by cell.
    """
    return [
        at for at, cells in enumerate(columns) if _NEEDS_MARK.search("\x00" + "\x00".join(cells))
    ]
