"""A local HTTP server that behaves like the Whiteclad External Lead Integration API.

Point an integration at the sandbox instead of the real platform to develop and
test it without spending credits or reaching a dialer: it serves every endpoint
of the contract under ``/api/v1/client`` with the same authentication, error
shape, validation, duplicate handling, credits and rate limit, keeps its state
in SQLite, and can misbehave on purpose (failures, dropped connections, latency).

Use it from Python with :class:`SandboxServer` (a background thread, for tests
and demos), from the command line with :func:`serve`, or as an ASGI app with
:func:`create_app` (``uvicorn --factory importer.sandbox:create_app``).

The package, one module per job:

* ``contract``: the sandbox's own copy of the API contract (lead fields,
  priorities, at most 20 tags and 1000 leads, E.164, error types, paging
  limits) and :func:`lead_problems`, the check of one lead against it.
* ``config``: :class:`SandboxConfig` and :class:`SandboxError`.
* ``store``: :class:`SandboxStore`, the SQLite state (campaigns, leads,
  credits, request log) and the seeded campaigns.
* ``ratelimit``: the fixed-window rate limiter and its headers.
* ``faults``: injected failures and throttles, dropped connections, latency.
* ``app``: :func:`create_app`, the FastAPI routes and the gate in front of them.
* ``server``: :class:`ServerThread`, which serves any ASGI app (the sandbox, a
  web page, or a Starlette app mounting both) with uvicorn in a background
  thread on a free loopback port and stops it cleanly; :class:`SandboxServer`
  (the sandbox in such a thread) and :func:`serve` (in the foreground).

The sandbox is the independent judge of the importer: it imports none of the
importer's rules (mapping, normalization, validation, client), only
``importer.errors``, so that its errors belong to the importer's error tree.
``tests/test_sandbox_contract.py`` checks that.

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
* ``POST /_sandbox/outage`` ``{"status": 429, "seconds": 20}``: answer every API
  request with that status (429, 500, 502, 503 or 504; no Retry-After) for that long, or
  for the next ``"requests"`` ones; ``"after_posts": N`` starts it once N more
  ``POST /leads`` were answered. Counted as injected throttles or failures: a burst of
  passing trouble.
* ``POST /_sandbox/campaigns`` ``{"name": ..., "status": "active"}``: add a
  campaign (optional ``"id"``, ``"description"``); answers it, 201.
* ``POST /_sandbox/reset``: forget every lead, request and rate-limit window,
  restore the seeded campaigns and the initial ``credits``.
"""

from .app import SANDBOX_PREFIX, Sandbox, create_app, error_body, sandbox_of
from .config import SandboxConfig, SandboxError
from .contract import API_ENDPOINTS, API_PREFIX, ERROR_TYPES, lead_problems
from .server import SandboxServer, ServerError, ServerThread, banner, serve
from .store import SEED_CAMPAIGNS, SandboxStore

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
    "ServerError",
    "ServerThread",
    "banner",
    "create_app",
    "error_body",
    "lead_problems",
    "sandbox_of",
    "serve",
]
