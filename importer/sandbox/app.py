"""The sandbox's web app: the API routes, the gate in front of them, the inspection routes."""

from __future__ import annotations

import hmac
import importlib.metadata
import ipaddress
import math
import re
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic_core import PydanticCustomError
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .config import SandboxConfig
from .contract import (
    API_ENDPOINTS,
    API_PREFIX,
    CONTRACT_PATH,
    DEFAULT_PAGE_LIMIT,
    DEFAULT_PRIORITY,
    ERROR_TYPES,
    MAX_CAMPAIGN_NAME,
    MAX_PAGE_LIMIT,
    MAX_SEARCH_LENGTH,
    OBJECT_ID,
    CampaignStatus,
    contract_file,
    lead_problems,
)
from .faults import ConnectionDropped, Faults, drop_connection
from .ratelimit import Quota, RateLimiter
from .store import InsufficientCreditsError, SandboxStore, now_iso

__all__ = [
    "SANDBOX_PREFIX",
    "LeadBatch",
    "Sandbox",
    "create_app",
    "error_body",
    "sandbox_of",
]

#: Where the inspection endpoints live, beside the API.
SANDBOX_PREFIX = "/_sandbox"

ORGANIZATION = {"id": "org_sandbox", "name": "Whiteclad Sandbox"}


def _version() -> str:
    try:
        return importlib.metadata.version("whiteclad-import")
    except importlib.metadata.PackageNotFoundError:  # run from a checkout, not installed
        return "0"


def _template_pattern(template: str) -> re.Pattern[str]:
    parts = template.split("/")
    return re.compile("/".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts))


_ENDPOINT_PATTERNS = [
    (method, template, _template_pattern(template))
    for method, template in (*API_ENDPOINTS, ("GET", "/openapi.yaml"))
]


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


def _checked_lead(lead: dict[str, Any]) -> dict[str, Any]:
    return {"priority": DEFAULT_PRIORITY, **lead}


def _object_id(value: str) -> str:
    if not OBJECT_ID.fullmatch(value):
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


class _OutageBody(BaseModel):
    """POST /_sandbox/outage: API requests get ``status`` for ``seconds`` or ``requests``."""

    model_config = ConfigDict(extra="forbid")

    status: Literal[429, 500, 502, 503, 504] = 503
    seconds: float | None = Field(default=None, ge=0, le=3600, allow_inf_nan=False)
    requests: int | None = Field(default=None, ge=0)
    after_posts: int = Field(default=0, ge=0)


class _CampaignBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=MAX_CAMPAIGN_NAME)
    status: CampaignStatus = "active"
    description: str = ""
    id: ObjectId | None = None


class Sandbox:
    """The state one sandbox app works on: configuration, storage, rate limit, faults."""

    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.store = SandboxStore(config.db_path, config.credits)
        self.limiter = RateLimiter(config.rate_limit, config.rate_window_seconds)
        self.faults = Faults(config)

    def roll(self, probability: float) -> bool:
        """Return True with the given probability (the fault dice)."""
        return self.faults.roll(probability)

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
        faults = self.sandbox.faults
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
                await faults.delay()
            elif message["type"] == "http.response.body" and context.drop:
                outcome = "dropped"
                await drop_connection(send, message, context.created)
            await send(message)

        try:
            if early is not None:
                await early(scope, receive, send_wrapper)
            else:
                await self.app(scope, receive, send_wrapper)
        except ConnectionDropped:
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
        outage = self.sandbox.faults.outage(self._endpoint(scope))
        if outage == 429:  # no Retry-After: the client backs off on its own clock
            return _error_response(429, "Too many requests (an outage of the sandbox)."), (
                "injected-throttle"
            )
        if outage is not None:
            return _error_response(outage, "Service unavailable (an outage of the sandbox)."), (
                "injected-failure"
            )
        if self.sandbox.faults.throttle():
            context.extra_headers["Retry-After"] = "1"
            message = "Too many requests (throttled on purpose by the sandbox). Retry in 1 s."
            return _error_response(429, message), "injected-throttle"
        if self.sandbox.faults.fail():
            return _error_response(500, "An unexpected error occurred."), "injected-failure"
        self.sandbox.store.touch(now_iso(now))
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
        except InsufficientCreditsError as exc:
            raise _ApiError(
                402,
                f"Insufficient credits: {exc.count} new leads cost {exc.cost:g},"
                f" the balance is {exc.balance:g}. Nothing was created.",
            ) from exc
        context = _context(request)
        context.created = len(result.successful)
        context.drop = sandbox.faults.drop()
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
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE_LIMIT)] = DEFAULT_PAGE_LIMIT,
        status: Annotated[CampaignStatus | None, Query()] = None,
        search: Annotated[str | None, Query(max_length=MAX_SEARCH_LENGTH)] = None,
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
                "resetAt": now_iso(quota.reset_at),
            }
        return _ok({"clientId": config.client_id, **data})

    @router.get("/openapi.yaml")
    async def contract() -> Response:
        text = contract_file().read_text(encoding="utf-8")
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

    @router.post("/outage")
    async def outage(body: _OutageBody) -> Response:
        sandbox.faults.start_outage(body.status, body.seconds, body.requests, body.after_posts)
        return JSONResponse(body.model_dump())

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
        version=_version(),
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
