"""The sandbox's own copy of the API contract: what it accepts, refuses and answers.

The values come from the API document (External Lead Integration API) and from
``schemas/openapi.yaml``, which was written from it. The sandbox judges the
importer, so it keeps this copy instead of importing the importer's rules: a
mistake in the importer's rules then shows up as a disagreement with the
sandbox, not as a shared blind spot. ``tests/test_sandbox_contract.py`` checks
this copy against ``schemas/openapi.yaml``.

Where the document leaves a choice open, the value is marked "sandbox's choice".
"""

from __future__ import annotations

import json
import re
import zoneinfo
from functools import cache
from pathlib import Path
from typing import Literal

__all__ = [
    "API_ENDPOINTS",
    "API_PREFIX",
    "CAMPAIGN_STATUSES",
    "CONTRACT_PATH",
    "COST_PER_LEAD",
    "DEFAULT_PAGE_LIMIT",
    "DEFAULT_PRIORITY",
    "DEFAULT_RATE_LIMIT",
    "DEFAULT_RATE_WINDOW_SECONDS",
    "E164",
    "EMAIL",
    "ERROR_TYPES",
    "LEAD_FIELDS",
    "LEAD_STATUSES",
    "MAX_BATCH",
    "MAX_CAMPAIGN_NAME",
    "MAX_EMAIL_LENGTH",
    "MAX_PAGE_LIMIT",
    "MAX_SEARCH_LENGTH",
    "MAX_TAGS",
    "OBJECT_ID",
    "PRIORITIES",
    "TEXT_FIELDS",
    "CampaignStatus",
    "contract_file",
    "lead_problems",
]

#: Every path of the API starts with this (document, "Base URL").
API_PREFIX = "/api/v1/client"
#: Where the sandbox serves ``schemas/openapi.yaml`` (sandbox's choice).
CONTRACT_PATH = f"{API_PREFIX}/openapi.yaml"

#: Every endpoint of the API, relative to ``API_PREFIX`` (document, section 2).
API_ENDPOINTS = (
    ("POST", "/leads"),
    ("GET", "/campaigns"),
    ("GET", "/campaigns/{campaignId}"),
    ("GET", "/status"),
    ("GET", "/rate-limits"),
)

#: The error type of each HTTP status (document, section 3).
ERROR_TYPES = {
    400: "ValidationError",
    401: "AuthenticationError",
    402: "PaymentRequiredError",
    403: "AuthorizationError",
    404: "NotFoundError",
    429: "RateLimitError",
    500: "InternalServerError",
}

#: The fields of one lead of ``POST /leads`` (document, 2.1; openapi ``Lead``).
LEAD_FIELDS = (
    "phone",
    "firstName",
    "lastName",
    "email",
    "priority",
    "leadSource",
    "notes",
    "tags",
    "timeZone",
    "customFields",
)
#: Lead fields that are plain strings (document, 2.1: type String).
TEXT_FIELDS = ("firstName", "lastName", "leadSource", "notes")
#: ``leads[].priority`` (document, 2.1; openapi ``Lead.priority.enum``).
PRIORITIES = ("low", "medium", "high", "urgent")
#: A lead sent without a priority gets this one (document, 2.1: "Default: medium").
DEFAULT_PRIORITY = "medium"
#: ``leads[].tags``: "Max 20 tags" (document, 2.1; openapi ``Lead.tags.maxItems``).
MAX_TAGS = 20
#: Leads per ``POST /leads``: "Max 1000" (document, 2.1; openapi ``leads.maxItems``).
MAX_BATCH = 1000
#: ``leads[].phone`` in E.164 (document, 2.1; openapi ``Lead.phone.pattern``).
#: ``[0-9]``, not ``\d``: ``\d`` also matches digits of other scripts.
E164 = re.compile(r"\+[1-9][0-9]{6,14}")
#: ``campaignId``: 24 hexadecimal characters (document, 2.1; openapi ``ObjectId``).
OBJECT_ID = re.compile(r"[0-9a-fA-F]{24}")
#: ``leads[].email`` must look like an address (openapi ``format: email``; sandbox's
#: choice of how strict: something@something.something, no spaces).
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
#: The longest email address (sandbox's choice: the SMTP limit, RFC 5321). The document
#: gives no other field lengths, so the sandbox checks none.
MAX_EMAIL_LENGTH = 254

#: Campaign statuses, the ``status`` filter of ``GET /campaigns`` (document, 2.2).
CAMPAIGN_STATUSES = ("active", "paused", "completed")
CampaignStatus = Literal["active", "paused", "completed"]
#: Lead statuses counted in ``leadStats.byStatus``; leads start ``pending``
#: (document, 2.1; the other three are sandbox's choice, openapi ``LeadStats``).
LEAD_STATUSES = ("pending", "in_progress", "completed", "failed")
#: ``GET /campaigns`` ``limit``: "Default: 20, Max: 100" (document, 2.2).
DEFAULT_PAGE_LIMIT = 20
MAX_PAGE_LIMIT = 100
#: ``GET /campaigns`` ``search`` and sandbox-made campaign names (sandbox's choice).
MAX_SEARCH_LENGTH = 200
MAX_CAMPAIGN_NAME = 200

#: "Default 60 requests/minute" (document, 2.1 and section 3).
DEFAULT_RATE_LIMIT = 60
DEFAULT_RATE_WINDOW_SECONDS = 60.0
#: Credits per created lead: the document's example answer deducts 0.01 for one lead.
COST_PER_LEAD = 0.01

_PACKAGE_ROOT = Path(__file__).resolve().parent.parent


def contract_file() -> Path:
    """Return ``openapi.yaml``, inside a wheel or in a source checkout."""
    installed = _PACKAGE_ROOT / "_data" / "schemas" / "openapi.yaml"
    if installed.is_file():
        return installed
    return _PACKAGE_ROOT.parent / "schemas" / "openapi.yaml"


@cache
def _time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def lead_problems(lead: object) -> list[str]:
    """Return what is wrong with one lead object of ``POST /leads``; empty when it is fine."""
    if not isinstance(lead, dict):
        return ["a lead must be a JSON object"]
    problems: list[str] = []
    unknown = sorted(str(name) for name in lead if name not in LEAD_FIELDS)
    if unknown:
        problems.append("unknown field(s): " + ", ".join(unknown))
    if "phone" not in lead:
        problems.append("phone is required")
    elif not isinstance(lead["phone"], str):
        problems.append("phone must be a string")
    elif not E164.fullmatch(lead["phone"]):
        problems.append("phone must be in E.164 format, like +14155551234")
    for name in TEXT_FIELDS:
        if name in lead and not isinstance(lead[name], str):
            problems.append(f"{name} must be a string")
    if "email" in lead:
        email = lead["email"]
        if not isinstance(email, str):
            problems.append("email must be a string")
        elif len(email) > MAX_EMAIL_LENGTH or not EMAIL.fullmatch(email):
            problems.append("email is not a valid email address")
    if "priority" in lead:
        priority = lead["priority"]
        if not (isinstance(priority, str) and priority in PRIORITIES):
            problems.append("priority must be one of " + ", ".join(PRIORITIES))
    if "tags" in lead:
        tags = lead["tags"]
        if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
            problems.append("tags must be an array of strings")
        elif len(tags) > MAX_TAGS:
            problems.append(f"tags: at most {MAX_TAGS} tags, got {len(tags)}")
    if "timeZone" in lead:
        zone = lead["timeZone"]
        if not isinstance(zone, str):
            problems.append("timeZone must be a string")
        elif zone not in _time_zones():
            problems.append(f"timeZone {zone!r} is not an IANA time zone name")
    if "customFields" in lead:
        custom = lead["customFields"]
        if not isinstance(custom, dict):
            problems.append("customFields must be an object")
        else:
            try:
                json.dumps(custom, allow_nan=False)
            except ValueError:
                problems.append("customFields must not contain NaN or Infinity")
    return problems
