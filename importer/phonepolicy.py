"""Which numbers the dialer may call, by the numbering plan's type of each number.

The dialer calls every lead it gets, at the account's cost. :class:`PhonePolicy`
looks at each valid number's type (:func:`importer.normalize.phone_type`) and:

- rejects a **premium-rate** number (US +1 900, UK 09xx and 087x, ...) with
  ``phone_premium_rate``, always: calling it costs money per minute;
- lets **toll-free, shared-cost, UAN, pager and voicemail-only** numbers through with a
  warning (``phone_toll_free``, ``phone_shared_cost``, ...): they rarely reach the
  person, but a business may list its own toll-free line on purpose;
- lets **fictional and test numbers** through with ``phone_fictional``: the NANP's
  555-0100 to 555-0199 in every area code, and the UK drama ranges Ofcom keeps for
  films and radio (020 7946 0xxx, 0113 496 0xxx, ...) that the numbering plan still
  calls valid. Sample files and tests use them, so this is a warning by default;
- rejects any type named in ``reject`` (``--reject-phone-type``,
  ``reject_phone_types:`` in a mapping or a profile) with ``phone_type_rejected``; the
  types are :data:`PHONE_TYPES`.

Mobile, fixed-line, VoIP and personal numbers pass without a word. The plan cannot tell
a US or Canadian mobile from a landline: those are ``fixed_line_or_mobile``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from .problems import Problem

if TYPE_CHECKING:
    from .normalize import Phone, PhoneWarning

__all__ = [
    "PHONE_TYPES",
    "WARNED_TYPES",
    "PhonePolicy",
    "check_phone_types",
    "is_fictional",
]

#: The types a number can have, and what each is called in sentences.
PHONE_TYPES: dict[str, str] = {
    "fixed_line": "a fixed line",
    "mobile": "a mobile number",
    "fixed_line_or_mobile": "a fixed line or a mobile number",
    "toll_free": "a toll-free number",
    "premium_rate": "a premium-rate number",
    "shared_cost": "a shared-cost number",
    "voip": "a VoIP number",
    "personal_number": "a personal (follow-me) number",
    "pager": "a pager number",
    "uan": "a company's universal access number",
    "voicemail": "a voicemail-only number",
    "fictional": "a fictional number, kept for films, samples and tests",
}
#: Types that pass with a warning unless they are rejected.
WARNED_TYPES = frozenset({"toll_free", "shared_cost", "uan", "pager", "voicemail", "fictional"})

# Ofcom's numbers for drama (TV, radio, films), as E.164 prefixes: each is followed by
# three more digits (a thousand numbers each).
_UK_DRAMA = (
    "+442079460", "+441134960", "+441144960", "+441154960", "+441164960", "+441174960",
    "+441214960", "+441314960", "+441414960", "+441514960", "+441614960", "+441914980",
    "+442890180", "+442920180", "+441632960", "+447700900", "+448081570", "+449098790",
    "+443069990",
)  # fmt: skip


def is_fictional(e164: str) -> bool:
    """Whether an E.164 number is in a range kept for fiction and tests (NANP, UK)."""
    if e164.startswith("+1") and len(e164) == 12:
        return e164[5:9] == "5550" and e164[9] == "1"  # NXX-555-0100 to 0199
    return e164.startswith("+44") and len(e164) == 13 and e164.startswith(_UK_DRAMA)


def check_phone_types(names: object, where: str = "--reject-phone-type") -> frozenset[str]:
    """The phone types named, checked against :data:`PHONE_TYPES` (ValueError otherwise)."""
    if names is None:
        return frozenset()
    if isinstance(names, str):
        names = [part for part in names.replace(",", " ").split() if part]
    if not isinstance(names, list | tuple | set | frozenset):
        raise ValueError(f"{where} must be a list of phone types ({', '.join(PHONE_TYPES)})")
    found = {str(name).strip().lower().replace("-", "_") for name in names}
    unknown = sorted(found - set(PHONE_TYPES))
    if unknown:
        raise ValueError(
            f"{where}: {', '.join(unknown)} is not a phone type; use one of "
            f"{', '.join(PHONE_TYPES)}"
        )
    return frozenset(found)


@cache
def _normalize() -> tuple[type[Phone], type[PhoneWarning], Callable[[str], str]]:
    """What :meth:`PhonePolicy.check` needs of :mod:`importer.normalize`, imported once.

    Imported on first use so that the command line can name the types without loading
    phonenumbers for commands that read no phone; then cached, as an import statement
    in the check itself costs a microsecond on every number.
    """
    from .normalize import Phone, PhoneWarning, phone_type

    return Phone, PhoneWarning, phone_type


@dataclass(frozen=True)
class PhonePolicy:
    """The types of number a run rejects; premium-rate numbers always are."""

    reject: frozenset[str] = frozenset()

    def check(self, phone: Phone) -> Phone | Problem:
        """The phone with its type (and a warning about it), or why it is rejected."""
        Phone, PhoneWarning, phone_type = _normalize()
        kind = phone.kind or phone_type(phone.e164)
        fictional = is_fictional(phone.e164)
        shown = phone.e164
        if kind == "premium_rate":
            return Problem(
                "phone_premium_rate",
                f"phone {shown} is a premium-rate number: calling it costs money; this tool "
                "never sends one",
            )
        for name in (kind, "fictional") if fictional else (kind,):
            if name in self.reject:
                return Problem(
                    "phone_type_rejected",
                    f"phone {shown} is {PHONE_TYPES[name]}, a type this run rejects "
                    f"(--reject-phone-type {name})",
                )
        notice = None
        if fictional:
            notice = PhoneWarning(
                "phone_fictional",
                f"phone {shown} is {PHONE_TYPES['fictional']}; it reaches nobody real",
            )
        elif kind in WARNED_TYPES:
            notice = PhoneWarning(
                f"phone_{kind}",
                f"phone {shown} is {PHONE_TYPES[kind]}; it may not reach the person",
            )
        # Built directly: dataclasses.replace costs more than the checks above.
        return Phone(phone.e164, phone.extension, phone.warning, kind, notice)
