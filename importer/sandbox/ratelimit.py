"""The rate limit: fixed windows per client, and the headers that report them."""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

__all__ = ["Quota", "RateLimiter"]


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
