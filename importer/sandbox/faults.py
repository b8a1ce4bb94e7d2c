"""Misbehaviour on purpose: injected failures and throttles, dropped connections, latency."""

from __future__ import annotations

import asyncio
import logging
import random
import threading
import time
from dataclasses import dataclass

from starlette.types import Message, Send

from .config import SandboxConfig

__all__ = ["ConnectionDropped", "Faults", "drop_connection"]

logger = logging.getLogger("importer.sandbox")


class ConnectionDropped(Exception):
    """Raised mid-answer to make the server break the connection on purpose."""


@dataclass
class _Outage:
    """An outage asked for: its status, how long it lasts, when it begins."""

    status: int
    seconds: float | None
    requests: int | None
    after_posts: int
    ends: float | None = None


class Faults:
    """The faults one sandbox is set to inject, with its own seeded dice."""

    def __init__(self, config: SandboxConfig) -> None:
        self.fail_rate = config.fail_rate
        self.throttle_rate = config.throttle_rate
        self.drop_rate = config.drop_rate
        self.latency = config.latency
        self._random = random.Random(config.seed)
        self._lock = threading.Lock()
        #: An outage asked for through POST /_sandbox/outage, until it is over.
        self._outage: _Outage | None = None

    def start_outage(
        self,
        status: int,
        seconds: float | None = None,
        requests: int | None = None,
        after_posts: int = 0,
    ) -> None:
        """Answer API requests with ``status`` for ``seconds`` or the next ``requests`` ones.

        With ``after_posts``, the outage begins once that many more ``POST /leads`` were
        answered: a run is hit part-way, whatever its speed.
        """
        outage = _Outage(status, seconds, requests, after_posts)
        if after_posts <= 0 and seconds is not None:
            outage.ends = time.monotonic() + seconds
        with self._lock:
            self._outage = outage

    def outage(self, endpoint: str) -> int | None:
        """The status this request gets from the outage under way, or None."""
        with self._lock:
            outage = self._outage
            if outage is None:
                return None
            if outage.after_posts > 0:
                if endpoint == "POST /leads":
                    outage.after_posts -= 1
                    if outage.after_posts == 0 and outage.seconds is not None:
                        outage.ends = time.monotonic() + outage.seconds
                return None
            over = (outage.ends is not None and time.monotonic() >= outage.ends) or (
                outage.requests is not None and outage.requests <= 0
            )
            if over:
                self._outage = None
                return None
            if outage.requests is not None:
                outage.requests -= 1
            return outage.status

    def roll(self, probability: float) -> bool:
        """Return True with the given probability."""
        if probability <= 0.0:
            return False
        if probability >= 1.0:
            return True
        with self._lock:
            return self._random.random() < probability

    def throttle(self) -> bool:
        """Whether to answer this request 429 whatever the quota."""
        return self.roll(self.throttle_rate)

    def fail(self) -> bool:
        """Whether to answer this request 500."""
        return self.roll(self.fail_rate)

    def drop(self) -> bool:
        """Whether to break the connection of this ``POST /leads`` after storing its leads."""
        return self.roll(self.drop_rate)

    async def delay(self) -> None:
        """Wait the configured latency, if any."""
        if self.latency:
            await asyncio.sleep(self.latency)


async def drop_connection(send: Send, message: Message, created: int) -> None:
    """Send half of an answer's body, then break the connection."""
    body = bytes(message.get("body", b""))
    await send({"type": "http.response.body", "body": body[: len(body) // 2], "more_body": True})
    _hide_dropped_connection_tracebacks()
    logger.warning("Sandbox: stored %d lead(s), then dropped the connection (drop_rate).", created)
    raise ConnectionDropped("connection dropped on purpose (drop_rate)")


class _HideDroppedConnections(logging.Filter):
    """Keep the server's log free of tracebacks for connections broken on purpose."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Reject records about a :class:`ConnectionDropped`."""
        return not (record.exc_info and isinstance(record.exc_info[1], ConnectionDropped))


def _hide_dropped_connection_tracebacks() -> None:
    server_log = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, _HideDroppedConnections) for f in server_log.filters):
        server_log.addFilter(_HideDroppedConnections())
