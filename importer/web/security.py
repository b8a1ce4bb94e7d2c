"""The page's guard: only this machine's browser, holding the printed link, may use it.

Every request passes :class:`Guard`, in this order:

1. its ``Host`` header must name the address the server listens on (or
   ``localhost`` with the same port): a page on another site that rebinds its own
   name to 127.0.0.1 is refused with 400;
2. a request carrying the one-time token of the printed link trades it for a
   ``SameSite=Strict``, ``HttpOnly`` session cookie (kept :data:`SESSION_DAYS`
   days, see :class:`Tokens`) and is redirected to the same address without the
   token, but only when it is a top-level navigation of this browser (see
   :func:`link_request`): a GET whose Fetch-metadata headers, when the browser
   sends them, say ``Sec-Fetch-Mode: navigate``, ``Sec-Fetch-Dest: document`` and
   ``Sec-Fetch-Site`` ``none`` or ``same-origin``, and which carries no ``Origin``
   of another site. Any other request carrying a link is refused with 403 and the
   link is left unused, so a page of another site cannot burn it (nor get a
   session); a navigation from another site's page gets a page with a button that
   opens the link from this server's own page;
3. a request with neither token nor cookie gets the 403 page that says to open the
   link printed in the terminal;
4. a request that changes something (POST, PUT, PATCH, DELETE) must come from a
   page of this server: its ``Origin`` (else its ``Referer``) must be this
   server's own address, else 403.

Answers carry headers that keep the page out of frames and its addresses (with their ids) out of
other sites' logs.
"""

from __future__ import annotations

import contextlib
import enum
import hashlib
import hmac
import json
import os
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = [
    "COOKIE",
    "SAFE_METHODS",
    "SESSION_DAYS",
    "Guard",
    "LinkRequest",
    "Tokens",
    "is_loopback_host",
    "link_request",
]

COOKIE = "whiteclad_session"
#: How long a session lasts in the browser that opened the link.
SESSION_DAYS = 30
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_HEADERS = [
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"cache-control", b"no-store"),
    (
        b"content-security-policy",
        b"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        b"frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    ),
]


def is_loopback_host(host: str) -> bool:
    """Whether ``host`` is an address of this machine only."""
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class Tokens:
    """The one-time link tokens and the sessions they were traded for.

    A session lasts :data:`SESSION_DAYS` days: the cookie outlives the browser, and
    with a ``store`` the sessions outlive the server too, so closing the browser or
    restarting ``ui`` does not lock the person out. The store keeps only each
    session's SHA-256 and its end (mode 600): reading it gives no cookie. Link tokens
    are never stored: a link works once, and only while the server that printed it runs.
    """

    def __init__(self, store: Path | None = None, days: int = SESSION_DAYS) -> None:
        self._links: set[str] = set()
        #: SHA-256 of each session value -> when it ends (seconds since the epoch).
        self._sessions: dict[str, float] = {}
        self._store = store
        self.max_age = days * 86_400
        self._lock = threading.Lock()
        if store is not None and store.is_file():
            with contextlib.suppress(OSError, ValueError, AttributeError):
                kept = json.loads(store.read_text(encoding="utf-8"))
                now = time.time()
                self._sessions = {
                    str(digest): float(end) for digest, end in kept.items() if float(end) > now
                }

    def new_link(self) -> str:
        """A new one-time token for a link to print."""
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._links.add(token)
        return token

    def known(self, token: str) -> bool:
        """Whether ``token`` is a link token not used yet (it stays unused)."""
        with self._lock:
            return any(hmac.compare_digest(known, token) for known in self._links)

    def trade(self, token: str) -> str | None:
        """Use up a link token; return a new session value, or None for an unknown token."""
        with self._lock:
            for known in list(self._links):
                if hmac.compare_digest(known, token):
                    self._links.discard(known)
                    session = secrets.token_urlsafe(32)
                    self._sessions[_digest(session)] = time.time() + self.max_age
                    self._save()
                    return session
        return None

    def valid(self, session: str) -> bool:
        """Whether a cookie value is a session this server gave, not yet ended."""
        end = self._sessions.get(_digest(session))
        return end is not None and end > time.time()

    def _save(self) -> None:
        if self._store is None:
            return
        now = time.time()
        kept = {digest: end for digest, end in self._sessions.items() if end > now}
        self._store.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        partial = self._store.with_name(self._store.name + ".part")
        handle = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(kept, out)
        partial.replace(self._store)


def _digest(session: str) -> str:
    # A dictionary lookup by hash instead of comparing secrets: the digest of a guess
    # says nothing about the digests kept, so the lookup leaks no timing worth having.
    return hashlib.sha256(session.encode("utf-8", "surrogatepass")).hexdigest()


class Guard:
    """ASGI middleware that applies the checks of the module docstring."""

    def __init__(
        self,
        app: ASGIApp,
        tokens: Tokens,
        render: Callable[[int, str, str | None], bytes] | None = None,
    ) -> None:
        self.app = app
        self.tokens = tokens
        self.render = render or (lambda status, text, link: text.encode())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse the request, trade its token, or pass it on."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        own = _own_hosts(scope)
        host = headers.get("host", "")
        if host.lower() not in own:
            await self._refuse(send, 400, "This page answers only at its own address.")
            return
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        if "token" in query:
            token = query.pop("token")
            location = scope["path"] + ("?" + urlencode(query) if query else "")
            await self._link(send, scope["method"], headers, host, token, location)
            return
        if scope["path"].startswith("/static/") and scope["method"] in SAFE_METHODS:
            # The style sheet and scripts are public code; the refusal page needs them.
            await self.app(scope, receive, _with_headers(send))
            return
        jar = SimpleCookie()
        jar.load(headers.get("cookie", ""))
        morsel = jar.get(COOKIE)
        if morsel is None or not self.tokens.valid(morsel.value):
            await self._refuse(send, 403, _OPEN_LINK)
            return
        if scope["method"] not in SAFE_METHODS and not _same_origin(headers, host):
            await self._refuse(
                send, 403, "This request did not come from this page; it was refused."
            )
            return
        await self.app(scope, receive, _with_headers(send))

    async def _link(
        self, send: Send, method: str, headers: dict[str, str], host: str, token: str,
        location: str,
    ) -> None:  # fmt: skip
        """Trade the link's token on a navigation of this browser; else leave it unused."""
        kind = link_request(method, headers, host)
        if kind is LinkRequest.NAVIGATION:
            session = self.tokens.trade(token)
            if session is None:
                await self._refuse(send, 403, _OPEN_LINK)
                return
            set_cookie = (
                f"{COOKIE}={session}; HttpOnly; SameSite=Strict; Path=/; "
                f"Max-Age={self.tokens.max_age}"
            ).encode()
            await send(
                {
                    "type": "http.response.start",
                    "status": 303,
                    "headers": [
                        (b"location", location.encode()),
                        (b"set-cookie", set_cookie),
                        *_HEADERS,
                    ],
                }
            )
            await send({"type": "http.response.body", "body": b""})
            return
        if kind is LinkRequest.FROM_ANOTHER_SITE and self.tokens.known(token):
            # A link opened from another site's page (a chat, a webmail): the person
            # presses a button of this page, whose navigation is same-origin.
            target = location + ("&" if "?" in location else "?") + urlencode({"token": token})
            await self._refuse(send, 403, _FROM_ANOTHER_SITE, link=target)
            return
        if kind is LinkRequest.REFUSED:
            await self._refuse(send, 403, _NOT_A_NAVIGATION)
            return
        await self._refuse(send, 403, _OPEN_LINK)

    async def _refuse(self, send: Send, status: int, text: str, link: str | None = None) -> None:
        body = self.render(status, text, link)
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"text/html; charset=utf-8"),
                    (b"content-length", str(len(body)).encode()),
                    *_HEADERS,
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


_OPEN_LINK = (
    "Open the link that 'whiteclad-import ui' printed in the terminal (it works once, in one "
    "browser); press Enter in that terminal to get a new one."
)


_NOT_A_NAVIGATION = (
    "The link opens the page only when it is opened in the browser's address bar; this "
    "request came from elsewhere and was refused. The link was not used: open it in the "
    "browser."
)
_FROM_ANOTHER_SITE = (
    "This link was opened from another site's page. The link was not used: press the button "
    "to open whiteclad-import in this browser."
)


class LinkRequest(enum.Enum):
    """What a request carrying a link token is, for the guard."""

    #: A top-level navigation of this browser (or a plain GET of an old browser or curl).
    NAVIGATION = "navigation"
    #: A top-level navigation from another site's page: not traded, a button is offered.
    FROM_ANOTHER_SITE = "from another site"
    #: Anything else (a POST, an image, a script, a fetch): refused, the link kept.
    REFUSED = "refused"


def link_request(method: str, headers: Mapping[str, str], host: str) -> LinkRequest:
    """Whether a request carrying a link may trade it (``headers`` with lower-case names)."""
    if method != "GET":
        return LinkRequest.REFUSED
    origin = headers.get("origin")
    if origin is not None and origin.lower() != f"http://{host}".lower():
        return LinkRequest.REFUSED
    site = headers.get("sec-fetch-site")
    mode = headers.get("sec-fetch-mode")
    dest = headers.get("sec-fetch-dest")
    # Browsers that send Fetch metadata send all of it; what one left out is not assumed.
    if mode is not None and mode != "navigate":
        return LinkRequest.REFUSED
    if dest is not None and dest != "document":
        return LinkRequest.REFUSED
    if site is None or site in {"none", "same-origin"}:
        return LinkRequest.NAVIGATION
    if site in {"cross-site", "same-site"} and mode == "navigate" and dest == "document":
        return LinkRequest.FROM_ANOTHER_SITE
    return LinkRequest.REFUSED


def _own_hosts(scope: Scope) -> set[str]:
    server: Any = scope.get("server") or ("127.0.0.1", 80)
    address, port = str(server[0]), int(server[1])
    shown = f"[{address}]" if ":" in address else address
    return {f"{shown}:{port}".lower(), f"localhost:{port}"}


def _same_origin(headers: dict[str, str], host: str) -> bool:
    own = f"http://{host}".lower()
    origin = headers.get("origin")
    if origin is not None:
        return origin.lower() == own
    referer = headers.get("referer")
    if referer is None:
        return False
    parts = urlsplit(referer)
    return f"{parts.scheme}://{parts.netloc}".lower() == own


def _with_headers(send: Send) -> Send:
    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            present = {name.lower() for name, _ in message.get("headers", [])}
            extra = [(name, value) for name, value in _HEADERS if name not in present]
            message = {**message, "headers": [*message.get("headers", []), *extra]}
        await send(message)

    return wrapped
