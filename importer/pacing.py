"""Pace requests to the API's rate limit, so that a healthy run never sees a 429.

The pacer keeps the times of the last ``limit`` requests and waits, before a new
one, until the oldest is more than ``window`` seconds old: at most ``limit``
requests go out in any window, which also keeps within a server's fixed windows.
It uses the whole quota: a burst up to the limit goes out at once. It also
listens to the server: ``X-RateLimit-Remaining: 0`` holds the next request
until ``X-RateLimit-Reset``.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Mapping
from typing import Any

__all__ = [
    "MARGIN",
    "Pacer",
]

#: Slack added to every wait, for the time a request takes to reach the server.
MARGIN = 0.25


class Pacer:
    """At most ``limit`` requests in any ``window`` seconds; ``limit`` 0 means no pacing."""

    def __init__(
        self,
        limit: int = 60,
        window: float = 60.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._clock = clock
        self._wall = wall
        self._sleep = sleep
        self._sent: deque[float] = deque()
        self._hold_until = 0.0
        self.waited = 0.0
        self.configure(limit, window)

    def configure(self, limit: int, window: float) -> None:
        """Change the limit (e.g. to what GET /rate-limits reports)."""
        self.limit = max(0, int(limit))
        self.window = float(window)

    def wait(self) -> None:
        """Block until one more request fits in the limit, and count it."""
        now = self._clock()
        pause = max(0.0, self._hold_until - now)
        if self.limit:
            while self._sent and self._sent[0] <= now - self.window:
                self._sent.popleft()
            if len(self._sent) >= self.limit:
                pause = max(pause, self._sent[0] + self.window + MARGIN - now)
        if pause > 0:
            self._sleep(pause)
            self.waited += pause
        self._sent.append(self._clock())
        while self.limit and len(self._sent) > self.limit:
            self._sent.popleft()

    def observe(self, headers: Mapping[str, Any]) -> None:
        """Read X-RateLimit-Remaining / X-RateLimit-Reset from an answer."""
        remaining = _number(headers.get("X-RateLimit-Remaining"))
        reset = _number(headers.get("X-RateLimit-Reset"))
        if remaining is not None and remaining <= 0 and reset is not None:
            # Reset is a wall-clock time (unix seconds); hold on the monotonic clock.
            self._hold_until = self._clock() + max(0.0, reset - self._wall()) + MARGIN


def _number(value: Any) -> float | None:
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None
