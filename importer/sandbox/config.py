"""The sandbox's settings and its one error type."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

# The only import from the rest of the importer: the command line turns these two
# into a clean message and an exit status, and callers already catch them.
from ..errors import ImporterError, UsageError
from .contract import COST_PER_LEAD, DEFAULT_RATE_LIMIT, DEFAULT_RATE_WINDOW_SECONDS, MAX_BATCH

__all__ = ["SandboxConfig", "SandboxError"]


class SandboxError(ImporterError):
    """The sandbox cannot start or its database cannot be used."""


@dataclass
class SandboxConfig:
    """How the sandbox behaves: credentials, credits, rate limit, faults, storage."""

    client_id: str = "wc_client_sandbox"
    client_secret: str = field(default="wc_secret_sandbox", repr=False)
    credits: float = 1000.0
    cost_per_lead: float = COST_PER_LEAD
    rate_limit: int = DEFAULT_RATE_LIMIT
    rate_window_seconds: float = DEFAULT_RATE_WINDOW_SECONDS
    fail_rate: float = 0.0
    #: Fraction of requests answered 429 with ``Retry-After: 1``, whatever the quota.
    throttle_rate: float = 0.0
    drop_rate: float = 0.0
    latency: float = 0.0
    seed: int | None = None
    db_path: Path | None = None
    max_batch: int = MAX_BATCH

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
