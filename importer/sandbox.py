"""A local HTTP server that behaves like the Whiteclad External Lead Integration API.

Point an integration at the sandbox instead of the real platform to develop and
test it without spending credits or reaching a dialer: it serves every endpoint
of the contract under ``/api/v1/client`` with the same authentication, error
shape, validation, duplicate handling, credits and rate limit, keeps its state
in SQLite, and can misbehave on purpose (failures, dropped connections, latency).

Use it from Python with :class:`SandboxServer` (a background thread, for tests
and demos), from the command line with :func:`serve`, or as an ASGI app with
:func:`create_app` (``uvicorn --factory importer.sandbox:create_app``).

The contract it follows is ``schemas/openapi.yaml``, also served at
``GET /api/v1/client/openapi.yaml`` (no credentials needed). Where the API
leaves a choice open, the sandbox does this:

* Authentication: ``x-client-id`` and ``x-client-secret`` must both match on
  every endpoint, else 401 ``AuthenticationError``. It is checked first, before
  the rate limit and before the body is read.
* Errors: one shape everywhere, ``{"success": false, "error": {"type": ...,
  "message": ...}}``, plus ``"details"`` (a list of ``{"field", "message"}``)
  on request validation errors. A request the framework cannot parse (bad
  JSON, a missing field, a wrong type, a query parameter out of range) is a 400
  ``ValidationError``; an unknown path, or a known path with the wrong method,
  is a 404 ``NotFoundError``.
* ``POST /leads``: the body is checked first (400): ``campaignId`` must be 24
  hex digits, ``leads`` an array of 1 to ``max_batch`` items, no other fields.
  Then the campaign must exist (404) and be ``active`` (400 ``ValidationError``
  "campaign ... is paused"). Each lead is then checked on its own: one with a
  problem (phone not E.164, a field of the wrong type, an unknown priority,
  more than 20 tags, a time zone that is not an IANA name, an unknown field)
  goes to ``results.failed`` as ``{"index", "phone", "error"}`` and does not
  stop the others. A lead whose phone is already in the campaign, or appeared
  earlier in the same request, goes to ``results.duplicates`` as ``{"index",
  "phone", "existingLeadId"}``. The rest are created with status ``pending``.
  A phone already known in another campaign keeps its ``leadId``; each campaign
  entry gets its own ``campaignLeadId``.
* Credits: each created lead costs ``cost_per_lead``. If the balance cannot pay
  for every lead the request would create, the answer is 402
  ``PaymentRequiredError`` and nothing is created (no partial batch).
* Rate limit: ``rate_limit`` requests per ``rate_window_seconds`` per client,
  over every authenticated endpoint (``GET /rate-limits`` included), in a fixed
  window that opens with the first request after the previous window ended.
  Every authenticated answer carries ``X-RateLimit-Limit``,
  ``X-RateLimit-Remaining`` and ``X-RateLimit-Reset`` (unix seconds when the
  window ends); a 429 ``RateLimitError`` adds ``Retry-After`` (whole seconds,
  at least 1). Rejected requests do not use quota. A ``rate_limit`` of 0 means
  no limit, and then no ``X-RateLimit-*`` headers are sent. Windows live in
  memory: a restart starts afresh.
* Faults, after authentication and the rate limit: with probability
  ``throttle_rate`` a request is answered 429 ``RateLimitError`` with
  ``Retry-After: 1`` whatever the quota; with probability ``fail_rate`` it is
  answered 500 ``InternalServerError``; neither reads or stores anything. With
  probability ``drop_rate`` a ``POST /leads`` that would be answered 201
  stores its leads and takes the credits, then the connection breaks halfway
  through the body, so the client cannot know what happened; ``latency``
  seconds are waited after the work is done and before the answer is sent, so
  a client that times out does not know either.
* ``GET /campaigns`` lists every status unless ``status`` is given, newest
  first; ``search`` is a case-insensitive substring of the name; ``limit``
  above 100 is a 400, not clamped.
* State (campaigns, leads, credits, usage, the request log) lives in the SQLite
  file ``db_path`` and survives a restart. ``credits`` only sets the balance
  of a new database: use ``POST /_sandbox/credits`` to change it later.

Seeded into a new database (fixed ids, so examples and tests can name them):

==========================  ==================  =========
id                          name                status
==========================  ==================  =========
65f2a1b2c3d4e5f6a7b8c9d0    Spring Promo 2026   active
65f2a1b2c3d4e5f6a7b8c9d1    Webinar Follow-up   active
65f2a1b2c3d4e5f6a7b8c9d2    Winter Renewals     paused
65f2a1b2c3d4e5f6a7b8c9d3    Black Friday 2025   completed
==========================  ==================  =========

Inspection endpoints, not part of the API: under ``/_sandbox``, no credentials,
answered only to loopback clients (403 ``AuthorizationError`` otherwise), not
counted in the rate limit, the request log or the latency. They answer plain
JSON objects, without the API's ``success``/``data`` envelope:

* ``GET /_sandbox/stats``: requests by endpoint and status code, the number of
  ``POST /leads``, injected failures, throttles and dropped connections, leads stored per
  campaign, the credit balance.
* ``GET /_sandbox/leads?campaignId=...``: the stored leads (all campaigns
  without ``campaignId``), oldest first, with every field sent.
* ``GET /_sandbox/requests``: the request log, oldest first.
* ``POST /_sandbox/credits`` ``{"balance": 12.5}``: set the credit balance.
* ``POST /_sandbox/campaigns`` ``{"name": ..., "status": "active"}``: add a
  campaign (optional ``"id"``, ``"description"``); answers it, 201.
* ``POST /_sandbox/reset``: forget every lead, request and rate-limit window,
  restore the seeded campaigns and the initial ``credits``.
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import json
import logging
import math
import random
import re
import secrets
import shlex
import shutil
import signal
import socket
import sqlite3
import sys
import tempfile
import threading
import time
import zoneinfo
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from types import TracebackType
from typing import Annotated, Any, Literal, Self, TextIO

import uvicorn
from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic_core import PydanticCustomError
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import __version__
from .errors import ImporterError, UsageError
from .mapping import LEAD_FIELDS as MAPPED_FIELDS
from .normalize import MAX_TAGS, PRIORITIES
from .resources import data_dir

__all__ = [
    "API_ENDPOINTS",
    "API_PREFIX",
    "ERROR_TYPES",
    "SANDBOX_PREFIX",
    "SEED_CAMPAIGNS",
    "Sandbox",
    "SandboxConfig",
    "SandboxError",
    "SandboxServer",
    "SandboxStore",
    "banner",
    "create_app",
    "error_body",
    "lead_problems",
    "sandbox_of",
    "serve",
]

API_PREFIX = "/api/v1/client"
SANDBOX_PREFIX = "/_sandbox"
CONTRACT_PATH = f"{API_PREFIX}/openapi.yaml"

ORGANIZATION = {"id": "org_sandbox", "name": "Whiteclad Sandbox"}
CampaignStatus = Literal["active", "paused", "completed"]
LEAD_STATUSES = ("pending", "in_progress", "completed", "failed")
LEAD_FIELDS = (*MAPPED_FIELDS, "customFields")

#: Every endpoint of the API, relative to ``API_PREFIX`` (the contract file is extra).
API_ENDPOINTS = (
    ("POST", "/leads"),
    ("GET", "/campaigns"),
    ("GET", "/campaigns/{campaignId}"),
    ("GET", "/status"),
    ("GET", "/rate-limits"),
)


def _template_pattern(template: str) -> re.Pattern[str]:
    parts = template.split("/")
    return re.compile("/".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts))


_ENDPOINT_PATTERNS = [
    (method, template, _template_pattern(template))
    for method, template in (*API_ENDPOINTS, ("GET", "/openapi.yaml"))
]

ERROR_TYPES = {
    400: "ValidationError",
    401: "AuthenticationError",
    402: "PaymentRequiredError",
    403: "AuthorizationError",
    404: "NotFoundError",
    429: "RateLimitError",
    500: "InternalServerError",
}

_OBJECT_ID = re.compile(r"[0-9a-fA-F]{24}")
# [0-9], not \d: \d also matches digits of other scripts.
_E164 = re.compile(r"\+[1-9][0-9]{6,14}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_TEXT_FIELDS = ("firstName", "lastName", "leadSource", "notes")

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SeedCampaign:
    """A campaign every new sandbox database starts with."""

    id: str
    name: str
    status: str
    description: str
    created_at: str


SEED_CAMPAIGNS = (
    SeedCampaign(
        "65f2a1b2c3d4e5f6a7b8c9d0",
        "Spring Promo 2026",
        "active",
        "Spring offer for new subscribers.",
        "2026-03-01T09:00:00.000Z",
    ),
    SeedCampaign(
        "65f2a1b2c3d4e5f6a7b8c9d1",
        "Webinar Follow-up",
        "active",
        "Calls to people who registered for the product webinar.",
        "2026-02-10T09:00:00.000Z",
    ),
    SeedCampaign(
        "65f2a1b2c3d4e5f6a7b8c9d2",
        "Winter Renewals",
        "paused",
        "Renewal reminders, paused until the new price list.",
        "2025-12-01T09:00:00.000Z",
    ),
    SeedCampaign(
        "65f2a1b2c3d4e5f6a7b8c9d3",
        "Black Friday 2025",
        "completed",
        "Black Friday offer, finished.",
        "2025-10-20T09:00:00.000Z",
    ),
)


@dataclass
class SandboxConfig:
    """How the sandbox behaves: credentials, credits, rate limit, faults, storage."""

    client_id: str = "wc_client_sandbox"
    client_secret: str = field(default="wc_secret_sandbox", repr=False)
    credits: float = 1000.0
    cost_per_lead: float = 0.01
    rate_limit: int = 60
    rate_window_seconds: float = 60.0
    fail_rate: float = 0.0
    #: Fraction of requests answered 429 with ``Retry-After: 1``, whatever the quota.
    throttle_rate: float = 0.0
    drop_rate: float = 0.0
    latency: float = 0.0
    seed: int | None = None
    db_path: Path | None = None
    max_batch: int = 1000

    def __post_init__(self) -> None:
        problems = []
        if not self.client_id or not self.client_secret:
            problems.append("the client id and secret must not be empty")
        for name in ("fail_rate", "throttle_rate", "drop_rate"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                problems.append(f"{name} must be between 0 and 1")
        for name in ("credits", "cost_per_lead", "latency"):
            if not getattr(self, name) >= 0:
                problems.append(f"{name} must be 0 or more")
        if self.rate_limit < 0:
            problems.append("rate_limit must be 0 (no limit) or more")
        if not self.rate_window_seconds > 0:
            problems.append("rate_window_seconds must be more than 0")
        if self.max_batch < 1:
            problems.append("max_batch must be 1 or more")
        if problems:
            raise UsageError("Sandbox: " + "; ".join(problems) + ".")


class SandboxError(ImporterError):
    """The sandbox cannot start or its database cannot be used."""


class _ApiError(Exception):
    """An error answer of the API, in the documented shape."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        details: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.details = details
        self.headers = headers


class _ConnectionDropped(Exception):
    """Raised mid-answer to make the server break the connection on purpose."""


class _InsufficientCreditsError(Exception):
    """The balance cannot pay for the leads a request would create."""

    def __init__(self, count: int, cost: float, balance: float) -> None:
        super().__init__(f"{count} leads cost {cost}, the balance is {balance}")
        self.count = count
        self.cost = cost
        self.balance = balance


def _now_iso(timestamp: float | None = None) -> str:
    moment = datetime.fromtimestamp(time.time() if timestamp is None else timestamp, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _new_id() -> str:
    """Return a new 24-hex id, time first like a MongoDB ObjectId."""
    return f"{int(time.time()):08x}{secrets.token_hex(8)}"


def _money(value: float) -> float:
    # Credits are decimal amounts; rounding keeps 0.1 + 0.2 from showing as 0.30000000000000004.
    return round(value, 6)


def error_body(status: int, message: str, details: list[dict[str, str]] | None = None) -> Any:
    """Return the JSON body of an error answer with the given HTTP status."""
    error: dict[str, Any] = {"type": ERROR_TYPES.get(status, ERROR_TYPES[500]), "message": message}
    if details:
        error["details"] = details
    return {"success": False, "error": error}


def _error_response(
    status: int,
    message: str,
    *,
    details: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    return JSONResponse(error_body(status, message, details), status_code=status, headers=headers)


def _ok(data: Any, status: int = 200) -> JSONResponse:
    return JSONResponse({"success": True, "data": data}, status_code=status)


# -- storage ------------------------------------------------------------------------------

_SCHEMA = """
CREATE TABLE IF NOT EXISTS campaigns (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    status TEXT NOT NULL,
    description TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS leads (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    campaign_lead_id TEXT NOT NULL UNIQUE,
    lead_id TEXT NOT NULL,
    campaign_id TEXT NOT NULL REFERENCES campaigns (id),
    phone TEXT NOT NULL,
    status TEXT NOT NULL,
    data TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (campaign_id, phone)
);
CREATE INDEX IF NOT EXISTS leads_by_phone ON leads (phone);
CREATE TABLE IF NOT EXISTS account (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    credits REAL NOT NULL,
    total_leads_created INTEGER NOT NULL,
    last_used_at TEXT
);
CREATE TABLE IF NOT EXISTS requests (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    method TEXT NOT NULL,
    endpoint TEXT NOT NULL,
    path TEXT NOT NULL,
    status INTEGER NOT NULL,
    outcome TEXT NOT NULL,
    client_id TEXT
);
"""

# SQLite allows a limited number of ? in one statement.
_SQL_CHUNK = 500


@dataclass
class BatchResult:
    """What one ``POST /leads`` stored."""

    successful: list[dict[str, Any]]
    duplicates: list[dict[str, Any]]
    credits_deducted: float


class SandboxStore:
    """The sandbox's state in one SQLite file; every method may be called from any thread."""

    def __init__(self, path: Path | None, initial_credits: float) -> None:
        self._initial_credits = initial_credits
        self._temp_dir: Path | None = None
        if path is None:
            self._temp_dir = Path(tempfile.mkdtemp(prefix="whiteclad-sandbox-"))
            path = self._temp_dir / "sandbox.db"
        self.path = Path(path)
        self._lock = threading.RLock()
        self.closed = False
        try:
            self._conn = sqlite3.connect(path, check_same_thread=False)
        except sqlite3.Error as exc:
            self._remove_temp_dir()
            raise SandboxError(f"Sandbox: cannot open the database {path}: {exc}") from exc
        self._conn.row_factory = sqlite3.Row
        try:
            with self._conn:
                self._conn.execute("PRAGMA journal_mode = WAL")
                self._conn.execute("PRAGMA synchronous = NORMAL")
                self._conn.executescript(_SCHEMA)
            self._seed_if_new()
        except sqlite3.Error as exc:
            self.close()
            raise SandboxError(f"Sandbox: {path} is not a usable sandbox database: {exc}") from exc

    def _seed_if_new(self) -> None:
        with self._lock, self._conn:
            if self._conn.execute("SELECT COUNT(*) FROM account").fetchone()[0]:
                return
            self._conn.execute(
                "INSERT INTO account (id, credits, total_leads_created, last_used_at)"
                " VALUES (1, ?, 0, NULL)",
                (_money(self._initial_credits),),
            )
            self._conn.executemany(
                "INSERT OR IGNORE INTO campaigns VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (c.id, c.name, c.status, c.description, c.created_at, c.created_at)
                    for c in SEED_CAMPAIGNS
                ],
            )

    def close(self) -> None:
        """Close the database; a temporary database is deleted."""
        with self._lock:
            if self.closed:
                return
            self.closed = True
            self._conn.close()
            self._remove_temp_dir()

    def _remove_temp_dir(self) -> None:
        if self._temp_dir is not None:
            shutil.rmtree(self._temp_dir, ignore_errors=True)

    # campaigns

    def campaigns(self) -> list[dict[str, Any]]:
        """Return every campaign with its lead count, newest first."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT c.*, (SELECT COUNT(*) FROM leads l WHERE l.campaign_id = c.id) AS total"
                " FROM campaigns c ORDER BY c.created_at DESC, c.id"
            ).fetchall()
        return [_campaign_json(row) for row in rows]

    def campaign(self, campaign_id: str) -> dict[str, Any] | None:
        """Return one campaign with its lead count, or None."""
        with self._lock:
            row = self._conn.execute(
                "SELECT c.*, (SELECT COUNT(*) FROM leads l WHERE l.campaign_id = c.id) AS total"
                " FROM campaigns c WHERE c.id = ?",
                (campaign_id.lower(),),
            ).fetchone()
        return None if row is None else _campaign_json(row)

    def lead_stats(self, campaign_id: str) -> dict[str, Any]:
        """Return the number of leads of a campaign, in total and by lead status."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT status, COUNT(*) FROM leads WHERE campaign_id = ? GROUP BY status",
                (campaign_id.lower(),),
            ).fetchall()
        by_status = dict.fromkeys(LEAD_STATUSES, 0)
        by_status.update({status: count for status, count in rows})
        return {"total": sum(by_status.values()), "byStatus": by_status}

    def add_campaign(
        self, name: str, status: str, description: str = "", campaign_id: str | None = None
    ) -> dict[str, Any]:
        """Create a campaign and return it; an existing id raises ``ValueError``."""
        campaign_id = (campaign_id or _new_id()).lower()
        now = _now_iso()
        with self._lock, self._conn:
            try:
                self._conn.execute(
                    "INSERT INTO campaigns VALUES (?, ?, ?, ?, ?, ?)",
                    (campaign_id, name, status, description, now, now),
                )
            except sqlite3.IntegrityError as exc:
                raise ValueError(f"a campaign with id {campaign_id} exists already") from exc
        created = self.campaign(campaign_id)
        assert created is not None
        return created

    # leads

    def add_leads(
        self, campaign_id: str, leads: Sequence[tuple[int, dict[str, Any]]], cost_per_lead: float
    ) -> BatchResult:
        """Store the leads that are not duplicates and take their cost from the credits.

        ``leads`` are (index in the request, checked lead). Either every new
        lead is stored and paid for, or none is (:class:`_InsufficientCreditsError`).
        """
        campaign_id = campaign_id.lower()
        phones = sorted({lead["phone"] for _, lead in leads})
        with self._lock:
            in_campaign = self._lead_ids(phones, campaign_id)
            anywhere = self._lead_ids(phones, None)
            seen: dict[str, str] = {}
            duplicates: list[dict[str, Any]] = []
            new: list[tuple[dict[str, Any], str, str]] = []
            for index, lead in leads:
                phone = lead["phone"]
                existing = in_campaign.get(phone) or seen.get(phone)
                if existing is not None:
                    duplicates.append({"index": index, "phone": phone, "existingLeadId": existing})
                    continue
                lead_id = anywhere.get(phone) or _new_id()
                seen[phone] = lead_id
                new.append((lead, lead_id, _new_id()))
            cost = _money(len(new) * cost_per_lead)
            balance = self.account()["credits"]
            if new and cost > balance + 1e-9:
                raise _InsufficientCreditsError(len(new), cost, balance)
            now = _now_iso()
            with self._conn:
                self._conn.executemany(
                    "INSERT INTO leads (campaign_lead_id, lead_id, campaign_id, phone, status,"
                    " data, created_at) VALUES (?, ?, ?, ?, 'pending', ?, ?)",
                    [
                        (cl_id, lead_id, campaign_id, lead["phone"], json.dumps(lead), now)
                        for lead, lead_id, cl_id in new
                    ],
                )
                self._conn.execute(
                    "UPDATE account SET credits = ?, total_leads_created = total_leads_created + ?",
                    (_money(balance - cost), len(new)),
                )
        successful = [
            {"phone": lead["phone"], "leadId": lead_id, "campaignLeadId": cl_id}
            for lead, lead_id, cl_id in new
        ]
        return BatchResult(successful, duplicates, cost)

    def _lead_ids(self, phones: Sequence[str], campaign_id: str | None) -> dict[str, str]:
        found: dict[str, str] = {}
        for start in range(0, len(phones), _SQL_CHUNK):
            chunk = phones[start : start + _SQL_CHUNK]
            marks = ", ".join("?" * len(chunk))
            if campaign_id is None:
                sql = (
                    f"SELECT phone, MIN(lead_id) FROM leads WHERE phone IN ({marks}) GROUP BY phone"
                )
                params: tuple[str, ...] = tuple(chunk)
            else:
                sql = (
                    f"SELECT phone, lead_id FROM leads WHERE campaign_id = ? AND phone IN ({marks})"
                )
                params = (campaign_id, *chunk)
            found.update({phone: lead_id for phone, lead_id in self._conn.execute(sql, params)})
        return found

    def leads(self, campaign_id: str | None = None) -> list[dict[str, Any]]:
        """Return the stored leads, oldest first, of one campaign or of all."""
        sql = "SELECT * FROM leads"
        params: tuple[str, ...] = ()
        if campaign_id is not None:
            sql += " WHERE campaign_id = ?"
            params = (campaign_id.lower(),)
        with self._lock:
            rows = self._conn.execute(sql + " ORDER BY seq", params).fetchall()
        return [
            {
                "leadId": row["lead_id"],
                "campaignLeadId": row["campaign_lead_id"],
                "campaignId": row["campaign_id"],
                "phone": row["phone"],
                "status": row["status"],
                "createdAt": row["created_at"],
                "lead": json.loads(row["data"]),
            }
            for row in rows
        ]

    # account

    def account(self) -> dict[str, Any]:
        """Return the credit balance, the number of leads created and the last use."""
        with self._lock:
            row = self._conn.execute(
                "SELECT credits, total_leads_created, last_used_at FROM account"
            ).fetchone()
        return {
            "credits": float(row["credits"]),
            "total_leads_created": int(row["total_leads_created"]),
            "last_used_at": row["last_used_at"],
        }

    def set_credits(self, balance: float) -> None:
        """Set the credit balance."""
        with self._lock, self._conn:
            self._conn.execute("UPDATE account SET credits = ?", (_money(balance),))

    def touch(self, moment: str) -> None:
        """Record a use of the API client."""
        with self._lock, self._conn:
            self._conn.execute("UPDATE account SET last_used_at = ?", (moment,))

    # request log

    def log_request(
        self,
        method: str,
        endpoint: str,
        path: str,
        status: int,
        outcome: str,
        client_id: str | None,
    ) -> None:
        """Append one answered (or dropped) request to the log."""
        with self._lock, self._conn:
            self._conn.execute(
                "INSERT INTO requests (at, method, endpoint, path, status, outcome, client_id)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (_now_iso(), method, endpoint, path, status, outcome, client_id),
            )

    def requests(self) -> list[dict[str, Any]]:
        """Return the request log, oldest first."""
        with self._lock:
            rows = self._conn.execute("SELECT * FROM requests ORDER BY id").fetchall()
        return [
            {
                "at": row["at"],
                "endpoint": row["endpoint"],
                "path": row["path"],
                "status": row["status"],
                "outcome": row["outcome"],
            }
            for row in rows
        ]

    def stats(self) -> dict[str, Any]:
        """Return counts of requests and stored leads, for tests and curious people."""
        with self._lock:
            by_endpoint: dict[str, dict[str, int]] = {}
            total = 0
            for endpoint, status, count in self._conn.execute(
                "SELECT endpoint, status, COUNT(*) FROM requests GROUP BY endpoint, status"
            ):
                by_endpoint.setdefault(endpoint, {})[str(status)] = count
                total += count
            outcomes = dict(
                self._conn.execute("SELECT outcome, COUNT(*) FROM requests GROUP BY outcome")
            )
            lead_posts = self._conn.execute(
                "SELECT COUNT(*) FROM requests WHERE endpoint = 'POST /leads'"
            ).fetchone()[0]
            per_campaign = dict(
                self._conn.execute(
                    "SELECT campaign_id, COUNT(*) FROM leads GROUP BY campaign_id ORDER BY 1"
                )
            )
        account = self.account()
        return {
            "requests": {"total": total, "byEndpoint": by_endpoint},
            "leadPosts": lead_posts,
            "injectedFailures": outcomes.get("injected-failure", 0),
            "injectedThrottles": outcomes.get("injected-throttle", 0),
            "droppedConnections": outcomes.get("dropped", 0),
            "leads": {"total": sum(per_campaign.values()), "byCampaign": per_campaign},
            "credits": {"balance": account["credits"]},
            "totalLeadsCreated": account["total_leads_created"],
        }

    def reset(self) -> None:
        """Forget leads, requests and usage; restore the seeded campaigns and credits."""
        with self._lock:
            with self._conn:
                for table in ("leads", "requests", "campaigns", "account"):
                    self._conn.execute(f"DELETE FROM {table}")
            self._seed_if_new()


def _campaign_json(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "name": row["name"],
        "status": row["status"],
        "description": row["description"],
        "totalLeads": int(row["total"]),
        "createdAt": row["created_at"],
        "updatedAt": row["updated_at"],
    }


# -- rate limit and faults -----------------------------------------------------------------


@dataclass(frozen=True)
class Quota:
    """Where one client stands in its rate-limit window after a request."""

    allowed: bool
    limit: int
    used: int
    window_seconds: float
    reset_at: float

    @property
    def remaining(self) -> int:
        """Requests left in the current window."""
        return max(0, self.limit - self.used)

    def headers(self) -> dict[str, str]:
        """Return the ``X-RateLimit-*`` headers sent with every authenticated answer."""
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(math.ceil(self.reset_at)),
        }

    def retry_after(self, now: float) -> int:
        """Return the whole seconds to wait before the window ends, at least 1."""
        return max(1, math.ceil(self.reset_at - now))


class RateLimiter:
    """Fixed windows per client: ``limit`` requests, then wait for the window to end."""

    def __init__(self, limit: int, window_seconds: float) -> None:
        self.limit = limit
        self.window_seconds = window_seconds
        self._windows: dict[str, tuple[float, int]] = {}
        self._lock = threading.Lock()

    def hit(self, client: str, now: float) -> Quota | None:
        """Count one request of ``client``; None when there is no limit."""
        if self.limit == 0:
            return None
        with self._lock:
            start, used = self._windows.get(client, (now, 0))
            if now >= start + self.window_seconds:
                start, used = now, 0
            allowed = used < self.limit
            if allowed:
                used += 1
            self._windows[client] = (start, used)
        return Quota(allowed, self.limit, used, self.window_seconds, start + self.window_seconds)

    def reset(self) -> None:
        """Forget every window."""
        with self._lock:
            self._windows.clear()


class _Dice:
    def __init__(self, seed: int | None) -> None:
        self._random = random.Random(seed)
        self._lock = threading.Lock()

    def roll(self, probability: float) -> bool:
        if probability <= 0.0:
            return False
        if probability >= 1.0:
            return True
        with self._lock:
            return self._random.random() < probability


class _HideDroppedConnections(logging.Filter):
    """Keep the server's log free of tracebacks for connections broken on purpose."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Reject records about a :class:`_ConnectionDropped`."""
        return not (record.exc_info and isinstance(record.exc_info[1], _ConnectionDropped))


def _hide_dropped_connection_tracebacks() -> None:
    server_log = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, _HideDroppedConnections) for f in server_log.filters):
        server_log.addFilter(_HideDroppedConnections())


# -- lead validation ---------------------------------------------------------------------


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
    elif not _E164.fullmatch(lead["phone"]):
        problems.append("phone must be in E.164 format, like +14155551234")
    for name in _TEXT_FIELDS:
        if name in lead and not isinstance(lead[name], str):
            problems.append(f"{name} must be a string")
    if "email" in lead:
        email = lead["email"]
        if not isinstance(email, str):
            problems.append("email must be a string")
        elif len(email) > 254 or not _EMAIL.fullmatch(email):
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


def _checked_lead(lead: dict[str, Any]) -> dict[str, Any]:
    return {"priority": "medium", **lead}


def _object_id(value: str) -> str:
    if not _OBJECT_ID.fullmatch(value):
        raise PydanticCustomError("object_id", "must be a 24-character hexadecimal id")
    return value.lower()


ObjectId = Annotated[str, AfterValidator(_object_id)]


class LeadBatch(BaseModel):
    """The body of ``POST /leads``; each lead is checked on its own afterwards."""

    model_config = ConfigDict(extra="forbid")

    campaignId: ObjectId
    leads: list[Any]


class _CreditsBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    balance: float = Field(ge=0, allow_inf_nan=False)


class _CampaignBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    status: CampaignStatus = "active"
    description: str = ""
    id: ObjectId | None = None


# -- the application ---------------------------------------------------------------------


class Sandbox:
    """The state one sandbox app works on: configuration, storage, rate limit, fault dice."""

    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.store = SandboxStore(config.db_path, config.credits)
        self.limiter = RateLimiter(config.rate_limit, config.rate_window_seconds)
        self._dice = _Dice(config.seed)

    def roll(self, probability: float) -> bool:
        """Return True with the given probability (the fault dice)."""
        return self._dice.roll(probability)

    def reset(self) -> None:
        """Return to the state of a new database."""
        self.store.reset()
        self.limiter.reset()

    def close(self) -> None:
        """Close the storage."""
        self.store.close()


@dataclass
class _RequestContext:
    """What the gate learned about a request, shared with the endpoint."""

    client_id: str | None = None
    quota: Quota | None = None
    drop: bool = False
    created: int = 0
    extra_headers: dict[str, str] = field(default_factory=dict)


def _context(request: Request) -> _RequestContext:
    context = request.scope.get("state", {}).get("sandbox")
    return context if isinstance(context, _RequestContext) else _RequestContext()


def _is_loopback(scope: Scope) -> bool:
    client = scope.get("client")
    if not client:
        return True
    try:
        return ipaddress.ip_address(client[0]).is_loopback
    except ValueError:
        # Not an address: an in-process test client or a Unix socket, local either way.
        return True


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


def _same(given: str | None, expected: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


class _Gate:
    """ASGI middleware in front of the API: auth, rate limit, faults, latency, the log.

    It runs before FastAPI reads the body, so a request with bad credentials is
    a 401 whatever its body, and an injected failure happens before any work.
    """

    def __init__(self, app: ASGIApp, sandbox: Sandbox) -> None:
        self.app = app
        self.sandbox = sandbox

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI event."""
        path = scope.get("path", "")
        if scope["type"] != "http" or not (path == API_PREFIX or path.startswith(API_PREFIX + "/")):
            if (
                scope["type"] == "http"
                and path.startswith(SANDBOX_PREFIX)
                and not _is_loopback(scope)
            ):
                response = _error_response(403, "The /_sandbox endpoints answer loopback only.")
                await response(scope, receive, send)
                return
            await self.app(scope, receive, send)
            return
        await self._api(scope, receive, send)

    async def _api(self, scope: Scope, receive: Receive, send: Send) -> None:
        config = self.sandbox.config
        store = self.sandbox.store
        context = _RequestContext()
        scope.setdefault("state", {})["sandbox"] = context
        outcome = "answered"
        status = 500
        started = False
        early: Response | None = None

        if _path(scope) != CONTRACT_PATH:
            early, outcome = self._admit(scope, context)

        async def send_wrapper(message: Message) -> None:
            nonlocal status, started, outcome
            if message["type"] == "http.response.start":
                started = True
                status = int(message["status"])
                headers = MutableHeaders(scope=message)
                for name, value in context.extra_headers.items():
                    headers[name] = value
                if context.quota is not None:
                    for name, value in context.quota.headers().items():
                        headers[name] = value
                if config.latency:
                    await asyncio.sleep(config.latency)
            elif message["type"] == "http.response.body" and context.drop:
                body = bytes(message.get("body", b""))
                await send(
                    {
                        "type": "http.response.body",
                        "body": body[: len(body) // 2],
                        "more_body": True,
                    }
                )
                outcome = "dropped"
                _hide_dropped_connection_tracebacks()
                logger.warning(
                    "Sandbox: stored %d lead(s), then dropped the connection (drop_rate).",
                    context.created,
                )
                raise _ConnectionDropped("connection dropped on purpose (drop_rate)")
            await send(message)

        try:
            if early is not None:
                await early(scope, receive, send_wrapper)
            else:
                await self.app(scope, receive, send_wrapper)
        except _ConnectionDropped:
            raise
        except Exception:
            outcome = "error"
            if not started:
                await _error_response(500, "An unexpected error occurred.")(
                    scope, receive, send_wrapper
                )
            raise
        finally:
            if not store.closed:
                store.log_request(
                    scope["method"],
                    self._endpoint(scope),
                    _path(scope),
                    status,
                    outcome,
                    context.client_id,
                )

    def _admit(self, scope: Scope, context: _RequestContext) -> tuple[Response | None, str]:
        """Authenticate, count against the rate limit, roll for a failure."""
        config = self.sandbox.config
        client_id = _header(scope, b"x-client-id")
        client_secret = _header(scope, b"x-client-secret")
        if client_id is None or client_secret is None:
            missing = [
                name
                for name, value in (("x-client-id", client_id), ("x-client-secret", client_secret))
                if value is None
            ]
            message = f"Missing API credentials: send the {' and '.join(missing)} header(s)."
            return _error_response(401, message), "rejected"
        if not (_same(client_id, config.client_id) and _same(client_secret, config.client_secret)):
            return _error_response(401, "Invalid API credentials."), "rejected"
        context.client_id = client_id
        now = time.time()
        quota = self.sandbox.limiter.hit(client_id, now)
        context.quota = quota
        if quota is not None and not quota.allowed:
            context.extra_headers["Retry-After"] = str(quota.retry_after(now))
            message = (
                f"Too many requests: at most {quota.limit} per {quota.window_seconds:g} seconds."
                f" Retry in {quota.retry_after(now)} s."
            )
            return _error_response(429, message), "rejected"
        if self.sandbox.roll(config.throttle_rate):
            context.extra_headers["Retry-After"] = "1"
            message = "Too many requests (throttled on purpose by the sandbox). Retry in 1 s."
            return _error_response(429, message), "injected-throttle"
        if self.sandbox.roll(config.fail_rate):
            return _error_response(500, "An unexpected error occurred."), "injected-failure"
        self.sandbox.store.touch(_now_iso(now))
        return None, "answered"

    @staticmethod
    def _endpoint(scope: Scope) -> str:
        """Name the endpoint of a request like ``GET /campaigns/{campaignId}``, for the stats."""
        method = scope["method"]
        path = _path(scope).removeprefix(API_PREFIX) or "/"
        for known_method, template, pattern in _ENDPOINT_PATTERNS:
            if method == known_method and pattern.fullmatch(path):
                return f"{method} {template}"
        return f"{method} {path}"


def _path(scope: Scope) -> str:
    return str(scope.get("path", ""))


# Pydantic's wording for the usual mistakes, in the API's words (JSON, not Python).
_PLAIN_MESSAGES = {
    "missing": "is required",
    "extra_forbidden": "is not a known field",
    "list_type": "must be an array",
    "string_type": "must be a string",
    "dict_type": "must be a JSON object",
    "model_attributes_type": "must be a JSON object",
    "int_parsing": "must be an integer",
    "int_type": "must be an integer",
    "float_parsing": "must be a number",
    "float_type": "must be a number",
}


def _validation_details(request: Request, exc: RequestValidationError) -> _ApiError:
    details: list[dict[str, str]] = []
    content_type = request.headers.get("content-type", "")
    for error in exc.errors():
        loc = [str(part) for part in error.get("loc", ())]
        where = loc[1:] if loc and loc[0] in ("body", "query", "path", "header") else loc
        if error.get("type") == "json_invalid":
            name = "body"
            message = f"the body is not valid JSON ({error.get('ctx', {}).get('error', '')})"
        elif loc == ["body"] and error.get("type") == "missing":
            name, message = "body", "a JSON body with campaignId and leads is required"
        elif loc == ["body"] and "json" not in content_type:
            name, message = "body", "send the body as JSON, with Content-Type: application/json"
        else:
            name = ".".join(where) or "body"
            message = _PLAIN_MESSAGES.get(str(error.get("type")), str(error.get("msg", "")))
        details.append({"field": name, "message": message})
    summary = "; ".join(f"{item['field']}: {item['message']}" for item in details)
    return _ApiError(400, f"Invalid request: {summary}.", details=details)


async def _handle_api_error(request: Request, exc: Exception) -> Response:
    if isinstance(exc, RequestValidationError):
        exc = _validation_details(request, exc)
    if isinstance(exc, StarletteHTTPException):
        if exc.status_code in (404, 405):
            message = f"No endpoint {request.method} {request.url.path}."
            exc = _ApiError(404, message)
        else:
            status = exc.status_code if exc.status_code in ERROR_TYPES else 400
            exc = _ApiError(status, str(exc.detail))
    if isinstance(exc, _ApiError):
        return _error_response(exc.status, exc.message, details=exc.details, headers=exc.headers)
    return _error_response(500, "An unexpected error occurred.")


def _page(items: list[dict[str, Any]], page: int, limit: int) -> tuple[list[Any], dict[str, int]]:
    total = len(items)
    chunk = items[(page - 1) * limit : page * limit]
    return chunk, {"page": page, "limit": limit, "total": total, "pages": math.ceil(total / limit)}


def _api_routes(sandbox: Sandbox) -> APIRouter:
    router = APIRouter()
    config = sandbox.config
    store = sandbox.store

    @router.post("/leads", status_code=201)
    async def create_leads(batch: LeadBatch, request: Request) -> Response:
        count = len(batch.leads)
        if count == 0:
            raise _ApiError(400, "leads must contain at least one lead.")
        if count > config.max_batch:
            raise _ApiError(
                400, f"leads: at most {config.max_batch} leads per request, got {count}."
            )
        campaign = store.campaign(batch.campaignId)
        if campaign is None:
            raise _ApiError(404, f"Campaign {batch.campaignId} does not exist.")
        if campaign["status"] != "active":
            raise _ApiError(
                400,
                f"Campaign {batch.campaignId} is {campaign['status']}:"
                " leads can only be added to active campaigns.",
            )
        failed: list[dict[str, Any]] = []
        valid: list[tuple[int, dict[str, Any]]] = []
        for index, lead in enumerate(batch.leads):
            problems = lead_problems(lead)
            if problems:
                phone = lead.get("phone") if isinstance(lead, dict) else None
                failed.append(
                    {
                        "index": index,
                        "phone": phone if isinstance(phone, str) else None,
                        "error": "; ".join(problems),
                    }
                )
            else:
                valid.append((index, _checked_lead(lead)))
        try:
            result = store.add_leads(batch.campaignId, valid, config.cost_per_lead)
        except _InsufficientCreditsError as exc:
            raise _ApiError(
                402,
                f"Insufficient credits: {exc.count} new leads cost {exc.cost:g},"
                f" the balance is {exc.balance:g}. Nothing was created.",
            ) from exc
        context = _context(request)
        context.created = len(result.successful)
        context.drop = sandbox.roll(config.drop_rate)
        return _ok(
            {
                "successful": len(result.successful),
                "failed": len(failed),
                "duplicates": len(result.duplicates),
                "creditsDeducted": result.credits_deducted,
                "results": {
                    "successful": result.successful,
                    "failed": failed,
                    "duplicates": result.duplicates,
                },
            },
            status=201,
        )

    @router.get("/campaigns")
    async def list_campaigns(
        page: Annotated[int, Query(ge=1)] = 1,
        limit: Annotated[int, Query(ge=1, le=100)] = 20,
        status: Annotated[CampaignStatus | None, Query()] = None,
        search: Annotated[str | None, Query(max_length=200)] = None,
    ) -> Response:
        campaigns = store.campaigns()
        if status is not None:
            campaigns = [c for c in campaigns if c["status"] == status]
        if search:
            needle = search.casefold()
            campaigns = [c for c in campaigns if needle in c["name"].casefold()]
        chunk, pagination = _page(campaigns, page, limit)
        return _ok({"campaigns": chunk, "pagination": pagination})

    @router.get("/campaigns/{campaignId}")
    async def campaign_details(campaignId: ObjectId) -> Response:
        campaign = store.campaign(campaignId)
        if campaign is None:
            raise _ApiError(404, f"Campaign {campaignId} does not exist.")
        return _ok({"campaign": {**campaign, "leadStats": store.lead_stats(campaignId)}})

    @router.get("/status")
    async def api_status() -> Response:
        account = store.account()
        return _ok(
            {
                "clientId": config.client_id,
                "organization": dict(ORGANIZATION),
                "usage": {
                    "totalLeadsCreated": account["total_leads_created"],
                    "lastUsedAt": account["last_used_at"],
                },
                "credits": {"balance": account["credits"]},
            }
        )

    @router.get("/rate-limits")
    async def rate_limits(request: Request) -> Response:
        quota = _context(request).quota
        window = config.rate_window_seconds
        if quota is None:
            data: dict[str, Any] = {
                "limit": None,
                "remaining": None,
                "used": 0,
                "windowSeconds": window,
                "reset": None,
                "resetAt": None,
            }
        else:
            data = {
                "limit": quota.limit,
                "remaining": quota.remaining,
                "used": quota.used,
                "windowSeconds": window,
                "reset": math.ceil(quota.reset_at),
                "resetAt": _now_iso(quota.reset_at),
            }
        return _ok({"clientId": config.client_id, **data})

    @router.get("/openapi.yaml")
    async def contract() -> Response:
        text = (data_dir("schemas") / "openapi.yaml").read_text(encoding="utf-8")
        return Response(text, media_type="application/yaml")

    return router


def _sandbox_routes(sandbox: Sandbox) -> APIRouter:
    router = APIRouter()
    store = sandbox.store

    @router.get("/stats")
    async def stats() -> Response:
        return JSONResponse(store.stats())

    @router.get("/leads")
    async def leads(campaignId: str | None = None) -> Response:
        return JSONResponse({"leads": store.leads(campaignId)})

    @router.get("/requests")
    async def requests_log() -> Response:
        return JSONResponse({"requests": store.requests()})

    @router.post("/credits")
    async def set_credits(body: _CreditsBody) -> Response:
        store.set_credits(body.balance)
        return JSONResponse({"balance": store.account()["credits"]})

    @router.post("/campaigns", status_code=201)
    async def add_campaign(body: _CampaignBody) -> Response:
        try:
            campaign = store.add_campaign(body.name, body.status, body.description, body.id)
        except ValueError as exc:
            raise _ApiError(400, str(exc)) from exc
        return JSONResponse({"campaign": campaign}, status_code=201)

    @router.post("/reset")
    async def reset() -> Response:
        sandbox.reset()
        return JSONResponse({"reset": True})

    return router


def create_app(config: SandboxConfig | None = None) -> FastAPI:
    """Build the sandbox API app; its database is open until the app shuts down."""
    sandbox = Sandbox(config or SandboxConfig())

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            sandbox.close()

    app = FastAPI(
        title="Whiteclad External Lead Integration API (sandbox)",
        version=__version__,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        lifespan=lifespan,
        exception_handlers={
            _ApiError: _handle_api_error,
            RequestValidationError: _handle_api_error,
            StarletteHTTPException: _handle_api_error,
            Exception: _handle_api_error,
        },
    )
    app.state.sandbox = sandbox
    app.include_router(_api_routes(sandbox), prefix=API_PREFIX)
    app.include_router(_sandbox_routes(sandbox), prefix=SANDBOX_PREFIX)
    app.add_middleware(_Gate, sandbox=sandbox)
    return app


def sandbox_of(app: FastAPI) -> Sandbox:
    """Return the state of an app made by :func:`create_app`."""
    sandbox = getattr(app.state, "sandbox", None)
    if not isinstance(sandbox, Sandbox):
        raise TypeError("not an app made by importer.sandbox.create_app")
    return sandbox


# -- running it ----------------------------------------------------------------------------


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        return socket.create_server((host, port), family=family)
    except OSError as exc:
        raise SandboxError(
            f"Sandbox: cannot listen on {host}:{port}: {exc.strerror or exc}"
        ) from exc


def _client_host(host: str) -> str:
    """Return the host a client on this machine should use to reach ``host``."""
    if host in ("0.0.0.0", ""):
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host else host


def _uvicorn_config(app: FastAPI, *, own_logging: bool) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        http="h11",
        ws="none",
        loop="asyncio",
        lifespan="on",
        log_level="warning",
        access_log=False,
        # Embedded in another program (tests, a demo), leave its logging set-up alone.
        log_config=uvicorn.config.LOGGING_CONFIG if own_logging else None,
        timeout_graceful_shutdown=2,
    )


class SandboxServer:
    """The sandbox API served by uvicorn in a background thread.

    ::

        with SandboxServer(SandboxConfig(credits=5)) as server:
            requests.get(server.base_url + "/status", headers=server.auth_headers)
    """

    def __init__(
        self, config: SandboxConfig | None = None, host: str = "127.0.0.1", port: int = 0
    ) -> None:
        self.config = config or SandboxConfig()
        self.host = host
        self._requested_port = port
        self._port: int | None = None
        self._app: FastAPI | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None
        self._failure: BaseException | None = None

    def start(self, timeout: float = 10.0) -> Self:
        """Start serving and return once the server accepts connections."""
        if self._thread is not None:
            return self
        sock = _bind(self.host, self._requested_port)
        try:
            app = create_app(self.config)
        except BaseException:
            sock.close()
            raise
        server = uvicorn.Server(_uvicorn_config(app, own_logging=False))
        self._socket, self._app, self._server = sock, app, server
        self._port = int(sock.getsockname()[1])
        self._failure = None
        self._thread = threading.Thread(
            target=self._run,
            args=(server, sock),
            name=f"whiteclad-sandbox-{self._port}",
            daemon=True,  # a server someone forgot to stop must not keep the program alive
        )
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                failure = self._failure
                self.stop()
                raise SandboxError(f"Sandbox: the server did not start: {failure!r}")
            time.sleep(0.005)
        return self

    def _run(self, server: uvicorn.Server, sock: socket.socket) -> None:
        try:
            server.run(sockets=[sock])
        except BaseException as exc:  # kept for start() to report, not lost in the thread
            self._failure = exc

    def stop(self) -> None:
        """Stop serving; wait for the thread, close the socket and the database."""
        server, thread = self._server, self._thread
        if server is not None and thread is not None:
            server.should_exit = True
            thread.join(timeout=10)
            if thread.is_alive():
                server.force_exit = True
                thread.join(timeout=5)
        if self._socket is not None:
            self._socket.close()
        if self._app is not None:
            sandbox_of(self._app).close()
        self._server = self._thread = self._socket = self._app = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The port the server listens on."""
        if self._port is None:
            raise SandboxError("Sandbox: the server is not started.")
        return self._port

    @property
    def url(self) -> str:
        """The server's root URL, where ``/_sandbox/...`` lives."""
        return f"http://{_client_host(self.host)}:{self.port}"

    @property
    def base_url(self) -> str:
        """The API's base URL, like ``http://127.0.0.1:PORT/api/v1/client``."""
        return self.url + API_PREFIX

    @property
    def auth_headers(self) -> dict[str, str]:
        """The two credential headers of the configured client."""
        return {"x-client-id": self.config.client_id, "x-client-secret": self.config.client_secret}

    @property
    def sandbox(self) -> Sandbox:
        """The running sandbox's state (storage, rate limiter), readable from any thread."""
        if self._app is None:
            raise SandboxError("Sandbox: the server is not started.")
        return sandbox_of(self._app)

    @property
    def db_path(self) -> Path:
        """The SQLite file of the running sandbox."""
        return self.sandbox.store.path


def banner(config: SandboxConfig, base_url: str, sandbox: Sandbox) -> str:
    """Return what :func:`serve` prints on start: exports, campaigns, settings."""
    account = sandbox.store.account()
    lines = [
        f"Whiteclad API sandbox on {base_url}",
        f"Contract: {base_url}/openapi.yaml",
        "",
        f"export WHITECLAD_BASE_URL={shlex.quote(base_url)}",
        f"export WHITECLAD_CLIENT_ID={shlex.quote(config.client_id)}",
        f"export WHITECLAD_CLIENT_SECRET={shlex.quote(config.client_secret)}",
        "",
        "Campaigns:",
    ]
    lines += [
        f"  {c['id']}  {c['status']:<9}  {c['totalLeads']:>6} leads  {c['name']}"
        for c in sandbox.store.campaigns()
    ]
    limit = (
        f"{config.rate_limit} requests per {config.rate_window_seconds:g} s"
        if config.rate_limit
        else "none"
    )
    faults = [
        text
        for text, value in (
            (f"fail rate {config.fail_rate:g}", config.fail_rate),
            (f"throttle rate {config.throttle_rate:g}", config.throttle_rate),
            (f"drop rate {config.drop_rate:g}", config.drop_rate),
            (f"latency {config.latency:g} s", config.latency),
        )
        if value
    ]
    database = (
        str(sandbox.store.path) if config.db_path is not None else "temporary, deleted on exit"
    )
    lines += [
        "",
        f"Credits: {account['credits']:g} ({config.cost_per_lead:g} per lead)",
        f"Rate limit: {limit}",
        f"Faults: {', '.join(faults) or 'none'}",
        f"Database: {database}",
        f"Inspect: {base_url.removesuffix(API_PREFIX)}{SANDBOX_PREFIX}/stats",
        "",
        "Press Ctrl-C to stop.",
    ]
    return "\n".join(lines)


@contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """Make SIGTERM end :func:`serve` like Ctrl-C, so the database is closed cleanly."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def serve(
    config: SandboxConfig,
    host: str = "127.0.0.1",
    port: int = 8080,
    *,
    out: TextIO | None = None,
) -> None:
    """Serve the sandbox API in the foreground until Ctrl-C (or SIGTERM)."""
    out = out or sys.stdout
    sock = _bind(host, port)
    try:
        app = create_app(config)
    except BaseException:
        sock.close()
        raise
    sandbox = sandbox_of(app)
    try:
        bound_port = int(sock.getsockname()[1])
        base_url = f"http://{_client_host(host)}:{bound_port}{API_PREFIX}"
        print(banner(config, base_url, sandbox), file=out, flush=True)
        server = uvicorn.Server(_uvicorn_config(app, own_logging=True))
        with _sigterm_as_interrupt(), suppress(KeyboardInterrupt):
            server.run(sockets=[sock])
    finally:
        sock.close()
        sandbox.close()
    print("Sandbox stopped.", file=out, flush=True)
