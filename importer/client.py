"""Client of the Whiteclad External Lead Integration API.

One ``requests.Session`` per client (connections are reused), a timeout on every
call, the two credential headers on every request. Every documented error
becomes a typed :class:`~importer.errors.ApiError` whose message tells a
marketing-ops user what to do. Answers whose shape the API document leaves open
(campaign lists and details, rate limits, the items of ``results.failed`` and
``results.duplicates``) are read tolerantly: ``_id`` or ``id``, a list under
``data`` or ``data.campaigns``; the raw body is kept.

Retries: 429 waits for ``Retry-After``; 5xx answers, timeouts and connection
errors are retried with exponential backoff and jitter, up to
:attr:`RetryPolicy.attempts` tries and :attr:`RetryPolicy.patience` seconds for one
request; other 4xx answers are never retried. A POST
whose answer never arrived may have been stored by the server:
:attr:`CreateLeadsResult.resent` tells the caller so it can read "duplicate"
answers about that same batch as "created by this import".

The address checks, the credentials, the batch limit and the retry policy live in
:mod:`importer.connection`, which does not import requests; they are exported here too.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import requests
import requests.adapters
import urllib3
import urllib3.connection
import urllib3.connectionpool

from . import __version__
from .connection import (
    BASE_URL_ENV,
    CAMPAIGN_ID,
    CLIENT_ID_ENV,
    CLIENT_SECRET_ENV,
    DEFAULT_BASE_URL,
    MAX_BATCH,
    Credentials,
    RetryPolicy,
    check_transport,
    is_loopback,
    parse_duration,
    resolve_base_url,
)
from .errors import (
    ApiError,
    ApiValidationError,
    AuthenticationError,
    AuthorizationError,
    NotFoundError,
    PaymentRequiredError,
    RateLimitError,
    ResponseError,
    ServerError,
    TransportError,
)
from .events import emit
from .pacing import Pacer

__all__ = [
    "BASE_URL_ENV",
    "CAMPAIGN_ID",
    "CLIENT_ID_ENV",
    "CLIENT_SECRET_ENV",
    "DEFAULT_BASE_URL",
    "MAX_BATCH",
    "ApiClient",
    "ApiStatus",
    "Campaign",
    "CreateLeadsResult",
    "Credentials",
    "LeadResult",
    "RetryPolicy",
    "check_transport",
    "is_loopback",
    "parse_duration",
    "resolve_base_url",
]


@dataclass(frozen=True)
class Campaign:
    """A campaign as the API describes it; ``raw`` keeps the whole object."""

    id: str
    name: str
    status: str
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class ApiStatus:
    """The answer of GET /status."""

    client_id: str
    organization: str
    balance: float | None
    total_leads_created: int | None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass(frozen=True)
class LeadResult:
    """What the server said about one lead of a batch."""

    phone: str | None
    index: int | None
    lead_id: str | None = None
    campaign_lead_id: str | None = None
    error: str | None = None
    existing_lead_id: str | None = None


@dataclass(frozen=True)
class CreateLeadsResult:
    """The answer of POST /leads, read tolerantly."""

    successful: list[LeadResult]
    failed: list[LeadResult]
    duplicates: list[LeadResult]
    credits_deducted: float
    #: True when the batch was sent again after an answer that never arrived.
    resent: bool
    raw: dict[str, Any] = field(repr=False)


#: Seconds the request being made in this thread may take before its answer starts.
_HEADER_DEADLINE: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "header_deadline", default=None
)


class _DeadlineMixin:
    """Cut a connection whose answer has not started by the request's deadline.

    The read timeout bounds each wait for bytes, so a server that sends a byte of its
    status line or headers now and then would hold the request forever; a timer shuts
    the socket down instead, and the request fails as a dropped connection.
    """

    sock: Any

    def getresponse(self) -> Any:
        """Wait for the answer's start, for at most the request's deadline."""
        deadline = _HEADER_DEADLINE.get()
        timer = threading.Timer(deadline, self._cut) if deadline else None
        if timer is not None:
            timer.daemon = True
            timer.start()
        try:
            return super().getresponse()  # type: ignore[misc]
        finally:
            if timer is not None:
                timer.cancel()

    def _cut(self) -> None:
        sock = self.sock
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


class _HTTPConnection(_DeadlineMixin, urllib3.connection.HTTPConnection):
    pass


class _HTTPSConnection(_DeadlineMixin, urllib3.connection.HTTPSConnection):
    pass


class _HTTPPool(urllib3.connectionpool.HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(urllib3.connectionpool.HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


class _DeadlineAdapter(requests.adapters.HTTPAdapter):
    """requests' adapter, with connections that keep the request's deadline."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        """Build the pool manager with connections that cut a late answer."""
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}


class ApiClient:
    """A session with the lead API at ``base_url``."""

    def __init__(
        self,
        base_url: str,
        credentials: Credentials,
        *,
        timeout: tuple[float, float] = (10.0, 120.0),
        retry: RetryPolicy | None = None,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        pacer: Pacer | None = None,
        insecure_http: bool = False,
        deadline: float = 300.0,
        max_answer_bytes: int = 64 << 20,
    ) -> None:
        check_transport(base_url, insecure_http)
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        #: Seconds one request may take in all, its answer read to the end.
        self.deadline = deadline
        #: The largest answer read; the answer to a batch of 1000 is a few hundred kB.
        self.max_answer_bytes = max_answer_bytes
        self.retry = retry or RetryPolicy()
        #: Spaces requests to the rate limit; no pacing unless one is given.
        self.pacer = pacer or Pacer(limit=0)
        self.requests_made = 0
        self._sleep = sleep
        if session is None:
            session = requests.Session()
            session.mount("https://", _DeadlineAdapter())
            session.mount("http://", _DeadlineAdapter())
        self._session = session
        self._session.headers.update(
            {
                "x-client-id": credentials.client_id,
                "x-client-secret": credentials.client_secret,
                "Content-Type": "application/json",
                "Accept": "application/json",
                "User-Agent": f"whiteclad-import/{__version__}",
            }
        )

    def __repr__(self) -> str:
        return f"ApiClient({self.base_url!r})"

    def close(self) -> None:
        """Close the session's connections."""
        self._session.close()

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- endpoints ----------------------------------------------------------------

    def create_leads(self, campaign_id: str, leads: list[dict[str, Any]]) -> CreateLeadsResult:
        """POST /leads: create up to 1000 leads in a campaign."""
        if not 1 <= len(leads) <= MAX_BATCH:
            raise ValueError(f"a batch holds 1 to {MAX_BATCH} leads, not {len(leads)}")
        body, resent = self._call("POST", "/leads", {"campaignId": campaign_id, "leads": leads})
        data = _dict(body.get("data", body))
        results = _dict(data.get("results"))
        try:
            credits = float(data.get("creditsDeducted") or 0.0)
        except (TypeError, ValueError):
            credits = 0.0
        return CreateLeadsResult(
            successful=[_lead_result(item) for item in _list(results.get("successful"))],
            failed=[_lead_result(item) for item in _list(results.get("failed"))],
            duplicates=[_lead_result(item) for item in _list(results.get("duplicates"))],
            credits_deducted=credits,
            resent=resent,
            raw=body,
        )

    def list_campaigns(
        self,
        *,
        status: str | None = None,
        search: str | None = None,
        page: int = 1,
        limit: int = 100,
    ) -> tuple[list[Campaign], int | None]:
        """GET /campaigns: one page of campaigns, and the number of pages when known."""
        params = {"page": page, "limit": limit, "status": status, "search": search}
        body, _ = self._call("GET", "/campaigns", params=params)
        data = body.get("data")
        if isinstance(data, dict):
            items = _list(data.get("campaigns", data.get("items")))
            pagination = _dict(data.get("pagination") or body.get("pagination"))
        else:
            items = _list(data)
            pagination = _dict(body.get("pagination"))
        pages = pagination.get("pages") or pagination.get("totalPages")
        return [_campaign(item) for item in items], int(pages) if pages else None

    def iter_campaigns(
        self, *, status: str | None = None, search: str | None = None
    ) -> Iterator[Campaign]:
        """Every campaign matching the filters, across all pages."""
        page, limit = 1, 100
        while True:
            campaigns, pages = self.list_campaigns(
                status=status, search=search, page=page, limit=limit
            )
            yield from campaigns
            if not campaigns or (pages is not None and page >= pages) or len(campaigns) < limit:
                return
            page += 1

    def get_campaign(self, campaign_id: str) -> Campaign:
        """GET /campaigns/:id, with its lead statistics in ``raw``."""
        body, _ = self._call("GET", f"/campaigns/{quote(campaign_id, safe='')}")
        data = _dict(body.get("data", body))
        return _campaign(_dict(data.get("campaign", data)))

    def status(self) -> ApiStatus:
        """GET /status: connection, organization and credit balance."""
        body, _ = self._call("GET", "/status")
        data = _dict(body.get("data", body))
        organization = _dict(data.get("organization"))
        usage = _dict(data.get("usage"))
        credits = _dict(data.get("credits"))
        balance = credits.get("balance")
        created = usage.get("totalLeadsCreated")
        return ApiStatus(
            client_id=str(data.get("clientId", "")),
            organization=str(organization.get("name", "")),
            balance=float(balance) if isinstance(balance, int | float) else None,
            total_leads_created=int(created) if isinstance(created, int | float) else None,
            raw=body,
        )

    def rate_limits(self) -> dict[str, Any]:
        """GET /rate-limits: the current consumption of the quota (shape left open)."""
        body, _ = self._call("GET", "/rate-limits")
        return body

    # --- transport ----------------------------------------------------------------

    def _call(
        self,
        method: str,
        path: str,
        payload: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
    ) -> tuple[dict[str, Any], bool]:
        """Send a request with retries; return (JSON body, resent after an unknown fate)."""
        url = self.base_url + path
        unknown_fate = False
        attempt = 0
        spent = 0.0  # seconds this request has taken so far, tries and waits together
        while True:
            attempt += 1
            began = time.monotonic()
            try:
                body = self._once(method, url, payload, params)
                return body, unknown_fate
            except (RateLimitError, ServerError, TransportError) as exc:
                spent += time.monotonic() - began
                # A dropped answer may hide a stored batch; a 5xx means it was not handled.
                if isinstance(exc, TransportError) and exc.sent and method == "POST":
                    unknown_fate = True
                retry_after = exc.retry_after if isinstance(exc, RateLimitError) else None
                wait = self.retry.wait(attempt, spent, retry_after)
                if wait is None:
                    _say_gave_up(exc, attempt, spent)
                    raise
                _retrying(method, path, attempt, wait, exc)
                self._sleep(wait)
                spent += wait

    def _once(
        self,
        method: str,
        url: str,
        payload: dict[str, Any] | None,
        params: dict[str, Any] | None,
    ) -> dict[str, Any]:
        self.pacer.wait()
        self.requests_made += 1
        clean = {key: value for key, value in (params or {}).items() if value is not None}
        started = time.monotonic()
        token = _HEADER_DEADLINE.set(self.deadline)
        try:
            response = self._session.request(
                method,
                url,
                json=payload,
                params=clean or None,
                timeout=self.timeout,
                allow_redirects=False,
                stream=True,
            )
            content = self._body(response, started)
        except requests.exceptions.ConnectTimeout as exc:
            raise TransportError(self._unreachable("the connection timed out"), sent=False) from exc
        except requests.exceptions.Timeout as exc:
            raise TransportError(
                f"{self.base_url} did not answer in time ({self.timeout[1]:.0f} s without a "
                f"byte, or {self.deadline:.0f} s in all)",
                sent=True,
            ) from exc
        except requests.exceptions.ConnectionError as exc:
            sent = not _is_connect_failure(exc)
            reason = "the connection was dropped" if sent else "the connection failed"
            raise TransportError(self._unreachable(reason), sent=sent) from exc
        except requests.exceptions.RequestException as exc:
            raise TransportError(self._unreachable(type(exc).__name__), sent=True) from exc
        finally:
            _HEADER_DEADLINE.reset(token)
        with response:
            self.pacer.observe(response.headers)
            return self._read(response, content)

    def _body(self, response: requests.Response, started: float) -> bytes:
        """Read an answer's body within the request's deadline and size limit.

        The read timeout only bounds the wait for each piece: a server that sends a
        byte now and then would hold the import forever without the deadline.
        """
        parts: list[bytes] = []
        size = 0
        if time.monotonic() - started > self.deadline:  # the headers were cut at the deadline
            response.close()
            raise requests.exceptions.ReadTimeout("deadline")
        try:
            # read1 returns what has arrived, so the deadline is checked as bytes come in.
            while part := response.raw.read1(64 * 1024, decode_content=True):
                parts.append(part)
                size += len(part)
                if size > self.max_answer_bytes:
                    raise ResponseError(
                        f"the API's answer is larger than {self.max_answer_bytes >> 20} MiB; "
                        "it is not read",
                        status=response.status_code,
                    )
                if time.monotonic() - started > self.deadline:
                    raise requests.exceptions.ReadTimeout("deadline")
        except urllib3.exceptions.ReadTimeoutError as exc:
            response.close()
            raise requests.exceptions.ReadTimeout(str(exc)) from exc
        except urllib3.exceptions.HTTPError as exc:  # cut off, or not what it claims to be
            response.close()
            raise TransportError(
                self._unreachable("the connection was dropped during the answer"), sent=True
            ) from exc
        except BaseException:
            response.close()
            raise
        return b"".join(parts)

    def _unreachable(self, reason: str) -> str:
        return f"cannot reach {self.base_url} ({reason}); check the network and --base-url"

    def _read(self, response: requests.Response, content: bytes) -> dict[str, Any]:
        status = response.status_code
        text = content.decode(response.encoding or "utf-8", errors="replace")
        try:
            body: Any = json.loads(text)
        except ValueError:
            body = None
        if 200 <= status < 300:
            if not isinstance(body, dict):
                raise ResponseError(
                    f"the API answered HTTP {status} with something that is not a JSON object; "
                    "run the same command again later",
                    status=status,
                    body=text[:500],
                )
            return body
        if 300 <= status < 400:
            raise ResponseError(
                f"the API answered with a redirect (HTTP {status}) to "
                f"{response.headers.get('Location', '?')}; credentials are not sent on to "
                "another address: check --base-url",
                status=status,
            )
        raise _error_for(status, _message(body, text), body, response.headers)


def _error_for(status: int, message: str, body: Any, headers: Any) -> ApiError:
    said = f" (the API said: {message})" if message else ""
    if status == 400:
        return ApiValidationError(f"the API rejected the request as invalid{said}", status=400,
                                  body=body)  # fmt: skip
    if status == 401:
        return AuthenticationError(
            f"credentials rejected{said}: check {CLIENT_ID_ENV} and {CLIENT_SECRET_ENV}",
            status=401,
            body=body,
        )
    if status == 402:
        return PaymentRequiredError(f"out of credits{said}", status=402, body=body)
    if status == 403:
        return AuthorizationError(
            f"access forbidden{said}: the API refuses this client, often because of an IP "
            "address that is not on the allow-list or missing scopes; ask your Whiteclad "
            "administrator",
            status=403,
            body=body,
        )
    if status == 404:
        return NotFoundError(f"not found{said}", status=404, body=body)
    if status == 429:
        return RateLimitError(
            f"rate limit reached{said}", body=body, retry_after=_retry_after(headers)
        )
    if status >= 500:
        return ServerError(
            f"the Whiteclad API failed (HTTP {status}){said}; run the same command again later",
            status=status,
            body=body,
        )
    return ResponseError(f"unexpected HTTP {status} from the API{said}", status=status, body=body)


def _message(body: Any, text: str) -> str:
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict):
            found = error.get("message") or error.get("type")
            if found:
                return str(found)[:300]
        for key in ("message", "error", "detail"):
            if isinstance(body.get(key), str) and body[key]:
                return str(body[key])[:300]
    return text.strip()[:200]


def _say_gave_up(exc: ApiError, attempts: int, spent: float) -> None:
    """Add to the error's message how long the request was retried (when it was)."""
    if attempts > 1:
        exc.message = (
            f"{exc.message} (still failing after {attempts} tries over {spent:.1f} s: the "
            "retry limits, max_retries and retry_patience, were reached)"
        )
        exc.args = (exc.message,)


def _retrying(method: str, path: str, attempt: int, wait: float, exc: ApiError) -> None:
    emit(
        "retry",
        f"{method} {path} failed ({exc.message}); retry {attempt} in {wait:.1f} s",
        logging.WARNING,
        method=method, path=path, attempt=attempt, wait_seconds=round(wait, 3),
        error=type(exc).__name__,
    )  # fmt: skip


def _retry_after(headers: Any) -> float | None:
    value = headers.get("Retry-After")
    if value is None:
        reset = headers.get("X-RateLimit-Reset")
        try:
            return max(float(reset) - time.time(), 1.0) if reset is not None else None
        except ValueError:
            return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        return None


def _is_connect_failure(exc: requests.exceptions.ConnectionError) -> bool:
    """True when the request never left: the TCP connection itself failed."""
    text = repr(exc)
    return any(
        marker in text
        for marker in ("NewConnectionError", "Connection refused", "Name or service not known",
                       "nodename nor servname", "Failed to resolve", "ConnectTimeout")
    )  # fmt: skip


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _lead_result(item: Any) -> LeadResult:
    if not isinstance(item, dict):
        return LeadResult(phone=_text(item) if isinstance(item, str) else None, index=None)
    index = item.get("index")
    error = item.get("error") or item.get("message") or item.get("reason")
    if isinstance(error, dict):
        error = error.get("message") or error.get("type")
    return LeadResult(
        phone=_text(item.get("phone")),
        index=index if isinstance(index, int) else None,
        lead_id=_text(item.get("leadId") or item.get("_id") or item.get("id")),
        campaign_lead_id=_text(item.get("campaignLeadId")),
        error=_text(error),
        existing_lead_id=_text(item.get("existingLeadId") or item.get("leadId")),
    )


def _campaign(item: Any) -> Campaign:
    data = _dict(item)
    return Campaign(
        id=str(data.get("_id") or data.get("id") or data.get("campaignId") or ""),
        name=str(data.get("name") or ""),
        status=str(data.get("status") or ""),
        raw=data,
    )
