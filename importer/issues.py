"""Row problems as data: collected while rows are processed, rendered at the end."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "CODE_FIELDS",
    "REJECTION_CODES",
    "Issue",
    "Severity",
    "join_messages",
]

Severity = Literal["error", "warning"]

#: Every code a rejected row can carry, with what it means; the README's table of
#: rejection codes is this table (a test keeps them equal).
REJECTION_CODES: dict[str, str] = {
    "phone_missing": "the phone cell is empty",
    "phone_placeholder": "a placeholder such as `N/A`, `-`, `none`, or Meta's test-lead dummy data",
    "phone_scientific": (
        "Excel turned the number into scientific notation (`1.41556E+10`); its last digits are lost"
    ),
    "phone_no_region": (
        "a number without country code, and no country for the row, no `--region`, no "
        "mapping `region`"
    ),
    "phone_too_short": "too few digits for the country",
    "phone_too_long": "too many digits for the country",
    "phone_invalid_country": "the country code does not exist",
    "phone_invalid": "not a phone number, or not a valid number in its country",
    "phone_ambiguous": (
        "not a valid number of the row's country; read with a country code it would call "
        "another country, but the digits look like a national number with a typo"
    ),
    "phone_fax": "the number is marked as a fax number (`Fax`, `Telefax`, `F:`)",
    "phone_cell_error": (
        "a spreadsheet error value such as `#N/A` or `#REF!`, or a formula saved without its "
        "result (`#NO_VALUE!`), not a number"
    ),
    "phone_masked": (
        "part of the number is hidden by the export (`(718) 274-XXXX`, `•••• 5501`): masked "
        "digits are never guessed; ask for the full number"
    ),
    "phone_premium_rate": "a premium-rate number: calling it costs money",
    "phone_type_rejected": (
        "a type of number the run rejects (`--reject-phone-type`, `reject_phone_types:`)"
    ),
    "phone_company_line": (
        "the row's only valid number is in a column the mapping names a company line "
        "(`company_phone_columns`): a switchboard, not the person; add the person's own "
        "number, or send company lines (`--send-company-lines`)"
    ),
    "country_unknown": (
        "the row's country cell names no country this tool knows; the phone is not read in "
        "the default country instead"
    ),
    "email_invalid": "not a plausible email address",
    "priority_invalid": "not one of low, medium, high, urgent",
    "tags_too_many": "more than 20 different tags",
    "timezone_unknown": "not an IANA time zone or an unambiguous alias",
    "timezone_offset": "a UTC offset (such as `GMT-5`) that places with different daylight-saving "
    "rules share; write the zone's name",
    "timezone_ambiguous": "an abbreviation that means different zones, such as `IST` (India, "
    "Israel, Ireland) or `BST`",
    "row_too_many_values": "the row has more values than the header has columns",
    "row_skipped": "the row was skipped on the review page of `whiteclad-import ui`, so it "
    "was not sent",
    "api_rejected": "the API refused this lead (its reason is in `error`)",
    "api_batch_rejected": "the API refused the whole batch with a 400 (its message is in `error`)",
}

#: The lead field each code's problem is about (codes about the whole row have none).
_CODE_PREFIXES = (
    ("phone_", "phone"),
    ("email_", "email"),
    ("priority_", "priority"),
    ("tags_", "tags"),
    ("timezone_", "timeZone"),
    ("country_", "country"),
)
CODE_FIELDS = {
    code: field
    for code in REJECTION_CODES
    for prefix, field in _CODE_PREFIXES
    if code.startswith(prefix)
}


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem of one row: an error rejects the row, a warning only notes it."""

    row: int
    field: str
    code: str
    message: str
    severity: Severity = "error"


def join_messages(issues: Iterable[Issue]) -> str:
    """Render a row's problems as one readable cell: sentences joined by '; '."""
    return "; ".join(issue.message for issue in issues)
