"""Send the valid rows of a run to the API in batches, recording every step in the ledger.

:class:`BatchSender` owns the API client of one import. :meth:`BatchSender.connect`
checks the credentials and finds the campaign before any row is read, and adopts
the pace the server reports (``GET /rate-limits``) unless one was given.
:meth:`BatchSender.send` reads the balance, then posts the run's queued rows in
source order, batch by batch: the ledger records each batch before its POST and
the answer after it (read by :mod:`importer.answers`), so a run stopped at any
point can be resumed without sending a lead twice.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from .answers import UNMENTIONED, answer_results, batch_rejected
from .campaigns import resolve_campaign
from .client import MAX_BATCH, ApiClient, Campaign, Credentials, RetryPolicy, resolve_base_url
from .errors import (
    ApiError,
    ApiValidationError,
    PaymentRequiredError,
    ResponseError,
    TransportError,
)
from .events import emit
from .ledger import QUEUED, Ledger, LedgerRow
from .pacing import Pacer

__all__ = [
    "DEFAULT_RATE_LIMIT",
    "ESTIMATED_CREDITS_PER_LEAD",
    "NOT_SENT_STOPPED",
    "BatchSender",
    "SendResult",
]

#: Requests per minute when neither the options nor the server say.
DEFAULT_RATE_LIMIT = 60
#: The price of one lead in the API document's example, used only to warn early.
ESTIMATED_CREDITS_PER_LEAD = 0.01
#: Why the rows left are not sent when a stop was asked for.
NOT_SENT_STOPPED = "not sent: the import was stopped"


@dataclass
class SendResult:
    """How sending a run's queued rows ended."""

    #: Rows posted (whatever the answer).
    sent: int = 0
    #: The error that stopped sending before every row was sent (e.g. out of credits).
    error: ApiError | None = None
    #: True when sending stopped because a stop was asked for.
    interrupted: bool = False


def _no_notice(text: str) -> None:
    """Drop a notice nobody asked to see."""


class BatchSender:
    """Sends the queued rows of ledger runs to one campaign, batch by batch."""

    def __init__(self, client: ApiClient, campaign: Campaign, batch_size: int = MAX_BATCH) -> None:
        if not 1 <= batch_size <= MAX_BATCH:
            raise ValueError(f"batch_size must be between 1 and {MAX_BATCH}")
        self.client = client
        self.campaign = campaign
        self.batch_size = batch_size
        #: Batches posted so far.
        self.batches = 0
        #: Credits the answers said were deducted.
        self.credits = 0.0
        #: The balance ``GET /status`` reported before sending, if it was read.
        self.balance: float | None = None

    @classmethod
    def connect(
        cls,
        campaign: str,
        credentials: Credentials,
        *,
        base_url: str | None = None,
        retry: RetryPolicy | None = None,
        rate_limit: int | None = None,
        insecure_http: bool = False,
        batch_size: int = MAX_BATCH,
    ) -> BatchSender:
        """Check the credentials, find the campaign (id or name) and set the pace."""
        limit = DEFAULT_RATE_LIMIT if rate_limit is None else rate_limit
        client = ApiClient(
            resolve_base_url(base_url),
            credentials,
            retry=retry or RetryPolicy(),
            pacer=Pacer(limit=limit, window=60.0),
            insecure_http=insecure_http,
        )
        try:
            found = resolve_campaign(client, campaign)
            if rate_limit is None:
                _adopt_server_rate_limit(client)
            return cls(client, found, batch_size)
        except BaseException:
            client.close()
            raise

    @property
    def base_url(self) -> str:
        """The API's base URL."""
        return self.client.base_url

    @property
    def requests(self) -> int:
        """HTTP requests made so far, retries included."""
        return self.client.requests_made

    @property
    def paced_seconds(self) -> float:
        """Seconds spent waiting so as to stay within the rate limit."""
        return self.client.pacer.waited

    def close(self) -> None:
        """Close the API client's connections."""
        self.client.close()

    def __enter__(self) -> BatchSender:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def send(
        self,
        ledger: Ledger,
        run_id: int,
        *,
        stop_requested: Callable[[], bool] = lambda: False,
        on_batch: Callable[[int, Counter[str]], None] | None = None,
        notice: Callable[[str], None] = _no_notice,
    ) -> SendResult:
        """Send every queued row of a run in source order; stop on a request or an error.

        ``stop_requested`` is asked before each batch; ``on_batch`` gets the rows posted
        so far and the answers' states counted so far after each batch. The rows left
        queued are given the reason they were not sent.
        """
        waiting = ledger.count(run_id, QUEUED)
        outcome = SendResult(error=self.check_credits(waiting, notice))
        tally: Counter[str] = Counter()
        after = -1
        while outcome.error is None:
            if stop_requested():
                outcome.interrupted = True
                break
            rows = ledger.next_batch(run_id, self.batch_size, after)
            if not rows:
                break
            after = rows[-1].valid.source_row
            outcome.error = self.post(ledger, run_id, rows, tally)
            outcome.sent += len(rows)
            if on_batch is not None:
                on_batch(outcome.sent, tally)
        if outcome.error is not None:
            ledger.note_pending(run_id, f"not sent: {outcome.error.message}")
        elif outcome.interrupted:
            ledger.note_pending(run_id, NOT_SENT_STOPPED)
        return outcome

    def check_credits(
        self, waiting: int, notice: Callable[[str], None] = _no_notice
    ) -> ApiError | None:
        """Read the balance; return the error to stop on when it is visibly empty."""
        try:
            status = self.client.status()
        except ApiError as exc:
            return exc
        self.balance = status.balance
        if status.balance is None:
            return None
        if status.balance <= 0:
            return PaymentRequiredError(f"out of credits (balance {status.balance:g})")
        needed = waiting * ESTIMATED_CREDITS_PER_LEAD
        if status.balance < needed:
            notice(
                f"credit balance {status.balance:g} may not cover {waiting} leads (about "
                f"{needed:g} at {ESTIMATED_CREDITS_PER_LEAD} per lead); leads not sent when it "
                "runs out will be in pending.csv"
            )
        return None

    def post(
        self, ledger: Ledger, run_id: int, rows: list[LedgerRow], tally: Counter[str]
    ) -> ApiError | None:
        """Post one batch, recorded before and answered after; return an error that stops."""
        batch_id = ledger.begin_batch(run_id, rows)
        self.batches += 1
        number = self.batches
        emit("batch_sent", f"batch {number}: sending {len(rows)} leads",
             batch=number, leads=len(rows), run_id=run_id)  # fmt: skip
        try:
            leads = [json.loads(row.valid.lead) for row in rows]
            result = self.client.create_leads(self.campaign.id, leads)
        except ApiValidationError as exc:
            results = batch_rejected(rows, exc.message)
            ledger.finish_batch(run_id, batch_id, results, exc.body, UNMENTIONED)
            tally["rejected"] += len(results)
            emit("batch_result", f"batch {number}: rejected whole ({exc.message})",
                 batch=number, run_id=run_id, rejected=len(results))  # fmt: skip
            return None
        except ApiError as exc:
            # A dropped connection or an unreadable answer may hide created leads.
            unknown = isinstance(exc, ResponseError) or (
                isinstance(exc, TransportError) and exc.sent
            )
            ledger.refuse_batch(run_id, batch_id, f"not sent: {exc.message}", uncertain=unknown)
            emit("batch_result", f"batch {number}: not sent ({exc.message})",
                 logging.WARNING, batch=number, run_id=run_id, pending=len(rows),
                 error=type(exc).__name__)  # fmt: skip
            return exc
        results = answer_results(rows, result)
        ledger.finish_batch(run_id, batch_id, results, result.raw, UNMENTIONED)
        self.credits += result.credits_deducted
        states = Counter(r.state for r in results.values())
        tally.update(states)
        emit("batch_result", f"batch {number}: " + ", ".join(
            f"{count} {state}" for state, count in sorted(states.items())),
             batch=number, run_id=run_id, **dict(states))  # fmt: skip
        return None


def _adopt_server_rate_limit(client: ApiClient) -> None:
    """Pace to what GET /rate-limits reports, where it answers; a null limit means none."""
    try:
        body = client.rate_limits()
    except ApiError:
        return  # optional: the default pace stands
    data = body.get("data", body)
    if not isinstance(data, dict):
        return
    limit, window = data.get("limit"), data.get("windowSeconds") or data.get("window")
    if isinstance(limit, int | float) and limit > 0:
        seconds = float(window) if isinstance(window, int | float) and window > 0 else 60.0
        client.pacer.configure(int(limit), seconds)
    elif "limit" in data and not limit:  # the server says there is no limit
        client.pacer.configure(0, 60.0)
