"""What a connection to the Whiteclad API needs, without the HTTP stack.

The API's address (checked: http(s), and no secret over plain http:// to another
machine), the credentials, the largest batch and the retry policy. The command line
reads these while it builds its options, and ``config check`` checks them, so they live
apart from :mod:`importer.client`, which imports requests (about a fifth of a second):
``whiteclad-import --help`` and ``config check`` answer without it.
:mod:`importer.client` exports every name again.
"""

from __future__ import annotations

import ipaddress
import os
import random
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from .errors import ConfigError

__all__ = [
    "BASE_URL_ENV",
    "CAMPAIGN_ID",
    "CLIENT_ID_ENV",
    "CLIENT_SECRET_ENV",
    "DEFAULT_BASE_URL",
    "MAX_BATCH",
    "Credentials",
    "RetryPolicy",
    "check_transport",
    "is_loopback",
    "parse_duration",
    "resolve_base_url",
]

DEFAULT_BASE_URL = "https://api-serve.cllr.ai/api/v1/client"
BASE_URL_ENV = "WHITECLAD_BASE_URL"
CLIENT_ID_ENV = "WHITECLAD_CLIENT_ID"
CLIENT_SECRET_ENV = "WHITECLAD_CLIENT_SECRET"
MAX_BATCH = 1000
CAMPAIGN_ID = re.compile(r"^[0-9a-fA-F]{24}$")


@dataclass(frozen=True)
class Credentials:
    """The client id and secret; the secret never shows in a repr."""

    client_id: str
    client_secret: str = field(repr=False)

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Credentials:
        """Read WHITECLAD_CLIENT_ID / WHITECLAD_CLIENT_SECRET, or raise ConfigError."""
        source = os.environ if env is None else env
        client_id = source.get(CLIENT_ID_ENV, "").strip()
        secret = source.get(CLIENT_SECRET_ENV, "").strip()
        missing = [name for name, value in ((CLIENT_ID_ENV, client_id),
                                            (CLIENT_SECRET_ENV, secret)) if not value]  # fmt: skip
        if missing:
            raise ConfigError(
                f"no API credentials: set {' and '.join(missing)} (from your Whiteclad "
                "administrator), or add --dry-run to check the file without sending"
            )
        return cls(client_id, secret)


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry a request after passing trouble (5xx, 429, no answer).

    Each retry waits ``backoff`` seconds, doubling each time up to ``max_backoff``, with
    jitter; a 429's Retry-After is waited for as the server asks. ``patience`` bounds the
    time one request may take with its retries (tries and waits together): no retry
    starts that would end its wait past it, and the last wait is cut to what is left.
    The defaults ride out about five minutes of trouble per request.
    """

    attempts: int = 21
    backoff: float = 1.0
    max_backoff: float = 60.0
    patience: float = 300.0

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ConfigError(f"a request is tried at least once, not {self.attempts} times")
        for name in ("backoff", "max_backoff", "patience"):
            if not getattr(self, name) >= 0:  # also refuses NaN
                raise ConfigError(f"retry {name} must be 0 seconds or more")

    def delay(self, attempt: int) -> float:
        """Return the wait before retry number ``attempt`` (1-based), with full jitter."""
        ceiling = min(self.max_backoff, self.backoff * 2 ** min(attempt - 1, 64))
        return random.uniform(ceiling / 2, ceiling)

    def wait(self, attempt: int, spent: float, retry_after: float | None = None) -> float | None:
        """The wait before retrying after try ``attempt``, ``spent`` seconds in; None: give up.

        A Retry-After the patience left cannot cover gives up at once: retrying
        earlier than the server asks only meets another 429.
        """
        if attempt >= self.attempts:
            return None
        left = self.patience - spent
        if retry_after is not None:
            return retry_after if retry_after <= left else None
        if left <= 0:
            return None
        return min(self.delay(attempt), left)


_DURATION = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*(ms|s|m|min|h)?\s*$", re.IGNORECASE)
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0}


def parse_duration(value: object, name: str = "duration") -> float:
    """Seconds of a duration: a number of seconds, or text like ``90s``, ``10m``, ``1h``."""
    if isinstance(value, bool):
        raise ConfigError(f"{name}: {value} is not a duration; write e.g. 30s, 10m or 1h")
    if isinstance(value, int | float):
        seconds = float(value)
    else:
        found = _DURATION.match(str(value))
        if found is None:
            raise ConfigError(
                f"{name}: '{value}' is not a duration; write seconds, or e.g. 30s, 10m or 1h"
            )
        seconds = float(found.group(1)) * _UNIT_SECONDS[(found.group(2) or "s").lower()]
    if not seconds >= 0 or seconds == float("inf"):
        raise ConfigError(f"{name}: {value} is not a duration of 0 seconds or more")
    return seconds


def resolve_base_url(option: str | None, env: dict[str, str] | None = None) -> str:
    """Return the base URL: --base-url, else WHITECLAD_BASE_URL, else the documented one."""
    source = os.environ if env is None else env
    url = (option or source.get(BASE_URL_ENV) or DEFAULT_BASE_URL).strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(
            f"base URL '{url}' is not an http(s) address; use e.g. {DEFAULT_BASE_URL}"
        )
    return url


def is_loopback(url: str) -> bool:
    """Whether the URL's host is this machine (localhost, 127.0.0.0/8, ::1)."""
    host = urlsplit(url).hostname or ""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_transport(base_url: str, insecure_http: bool = False) -> None:
    """Refuse to send credentials over plain http:// to another machine.

    The client secret travels in a header of every request: over http:// anyone on
    the way can read it. A sandbox on this machine is fine; ``insecure_http`` lets a
    test server elsewhere be used, and the command line warns when it does.
    """
    if urlsplit(base_url).scheme == "http" and not is_loopback(base_url) and not insecure_http:
        raise ConfigError(
            f"the API address {base_url} is plain http:// on another machine: the client "
            "secret would cross the network unencrypted. Use its https:// address (for a "
            "test server only: --insecure-http)"
        )
