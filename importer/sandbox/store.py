"""The sandbox's state in SQLite: campaigns, leads, credits, the request log."""

from __future__ import annotations

import json
import secrets
import shutil
import sqlite3
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .config import SandboxError
from .contract import LEAD_STATUSES

__all__ = [
    "SEED_CAMPAIGNS",
    "BatchResult",
    "InsufficientCreditsError",
    "SandboxStore",
    "SeedCampaign",
    "money",
    "new_id",
    "now_iso",
]


@dataclass(frozen=True)
class SeedCampaign:
    """A campaign every new sandbox database starts with."""

    id: str
    name: str
    status: str
    description: str
    created_at: str


SEED_CAMPAIGNS = (
    SeedCampaign(
        "65f2a1b2c3d4e5f6a7b8c9d0",
        "Spring Promo 2026",
        "active",
        "Spring offer for new subscribers.",
        "2026-03-01T09:00:00.000Z",
    ),
    SeedCampaign(
        "65f2a1b2c3d4e5f6a7b8c9d1",
        "Webinar Follow-up",
        "active",
        "Calls to people who registered for the product webinar.",
        "2026-02-10T09:00:00.000Z",
    ),
    SeedCampaign(
        "65f2a1b2c3d4e5f6a7b8c9d2",
        "Winter Renewals",
        "paused",
        "Renewal reminders, paused until the new price list.",
        "2025-12-01T09:00:00.000Z",
    ),
    SeedCampaign(
        "65f2a1b2c3d4e5f6a7b8c9d3",
        "Black Friday 2025",
        "completed",
        "Black Friday offer, finished.",
        "2025-10-20T09:00:00.000Z",
    ),
)


class InsufficientCreditsError(Exception):
    """The balance cannot pay for the leads a request would create."""

    def __init__(self, count: int, cost: float, balance: float) -> None:
        super().__init__(f"{count} leads cost {cost}, the balance is {balance}")
        self.count = count
        self.cost = cost
        self.balance = balance


def now_iso(timestamp: float | None = None) -> str:
    """Return a moment (now by default) as ISO 8601 in UTC, to the millisecond."""
    moment = datetime.fromtimestamp(time.time() if timestamp is None else timestamp, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def new_id() -> str:
    """Return a new 24-hex id, time first like a MongoDB ObjectId."""
    return f"{int(time.time()):08x}{secrets.token_hex(8)}"


def money(value: float) -> float:
    """Round an amount of credits."""
    # Credits are decimal amounts; rounding keeps 0.1 + 0.2 from showing as 0.30000000000000004.
    return round(value, 6)


_SCHEMA = """
CREATE TABLE IF NOT EXISTS campaigns (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    status TEXT NOT NULL,
    description TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS leads (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    campaign_lead_id TEXT NOT NULL UNIQUE,
    lead_id TEXT NOT NULL,
    campaign_id TEXT NOT NULL REFERENCES campaigns (id),
    phone TEXT NOT NULL,
    status TEXT NOT NULL,
    data TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (campaign_id, phone)
);
CREATE INDEX IF NOT EXISTS leads_by_phone ON leads (phone);
CREATE TABLE IF NOT EXISTS account (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    credits REAL NOT NULL,
    total_leads_created INTEGER NOT NULL,
    last_used_at TEXT
);
CREATE TABLE IF NOT EXISTS requests (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    method TEXT NOT NULL,
    endpoint TEXT NOT NULL,
    path TEXT NOT NULL,
    status INTEGER NOT NULL,
    outcome TEXT NOT NULL,
    client_id TEXT
);
"""

# SQLite allows a limited number of ? in one statement.
_SQL_CHUNK = 500


@dataclass
class BatchResult:
    """What one ``POST /leads`` stored."""

    successful: list[dict[str, Any]]
    duplicates: list[dict[str, Any]]
    credits_deducted: float


class SandboxStore:
    """The sandbox's state in one SQLite file; every method may be called from any thread."""

    def __init__(self, path: Path | None, initial_credits: float) -> None:
        self._initial_credits = initial_credits
        self._temp_dir: Path | None = None
        if path is None:
            self._temp_dir = Path(tempfile.mkdtemp(prefix="whiteclad-sandbox-"))
            path = self._temp_dir / "sandbox.db"
        self.path = Path(path)
        self._lock = threading.RLock()
        self.closed = False
        try:
            self._conn = sqlite3.connect(path, check_same_thread=False)
        except sqlite3.Error as exc:
            self._remove_temp_dir()
            raise SandboxError(f"Sandbox: cannot open the database {path}: {exc}") from exc
        self._conn.row_factory = sqlite3.Row
        try:
            with self._conn:
                self._conn.execute("PRAGMA journal_mode = WAL")
                self._conn.execute("PRAGMA synchronous = NORMAL")
                self._conn.executescript(_SCHEMA)
            self._seed_if_new()
        except sqlite3.Error as exc:
            self.close()
            raise SandboxError(f"Sandbox: {path} is not a usable sandbox database: {exc}") from exc

    def _seed_if_new(self) -> None:
        with self._lock, self._conn:
            if self._conn.execute("SELECT COUNT(*) FROM account").fetchone()[0]:
                return
            self._conn.execute(
                "INSERT INTO account (id, credits, total_leads_created, last_used_at)"
                " VALUES (1, ?, 0, NULL)",
                (money(self._initial_credits),),
            )
            self._conn.executemany(
                "INSERT OR IGNORE INTO campaigns VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (c.id, c.name, c.status, c.description, c.created_at, c.created_at)
                    for c in SEED_CAMPAIGNS
                ],
            )

    def close(self) -> None:
        """Close the database; a temporary database is deleted."""
        with self._lock:
            if self.closed:
                return
            self.closed = True
            self._conn.close()
            self._remove_temp_dir()

    def _remove_temp_dir(self) -> None:
        if self._temp_dir is not None:
            shutil.rmtree(self._temp_dir, ignore_errors=True)

    # campaigns

    def campaigns(self) -> list[dict[str, Any]]:
        """Return every campaign with its lead count, newest first."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT c.*, (SELECT COUNT(*) FROM leads l WHERE l.campaign_id = c.id) AS total"
                " FROM campaigns c ORDER BY c.created_at DESC, c.id"
            ).fetchall()
        return [_campaign_json(row) for row in rows]

    def campaign(self, campaign_id: str) -> dict[str, Any] | None:
        """Return one campaign with its lead count, or None."""
        with self._lock:
            row = self._conn.execute(
                "SELECT c.*, (SELECT COUNT(*) FROM leads l WHERE l.campaign_id = c.id) AS total"
                " FROM campaigns c WHERE c.id = ?",
                (campaign_id.lower(),),
            ).fetchone()
        return None if row is None else _campaign_json(row)

    def lead_stats(self, campaign_id: str) -> dict[str, Any]:
        """Return the number of leads of a campaign, in total and by lead status."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT status, COUNT(*) FROM leads WHERE campaign_id = ? GROUP BY status",
                (campaign_id.lower(),),
            ).fetchall()
        by_status = dict.fromkeys(LEAD_STATUSES, 0)
        by_status.update({status: count for status, count in rows})
        return {"total": sum(by_status.values()), "byStatus": by_status}

    def add_campaign(
        self, name: str, status: str, description: str = "", campaign_id: str | None = None
    ) -> dict[str, Any]:
        """Create a campaign and return it; an existing id raises ``ValueError``."""
        campaign_id = (campaign_id or new_id()).lower()
        now = now_iso()
        with self._lock, self._conn:
            try:
                self._conn.execute(
                    "INSERT INTO campaigns VALUES (?, ?, ?, ?, ?, ?)",
                    (campaign_id, name, status, description, now, now),
                )
            except sqlite3.IntegrityError as exc:
                raise ValueError(f"a campaign with id {campaign_id} exists already") from exc
        created = self.campaign(campaign_id)
        assert created is not None
        return created

    # leads

    def add_leads(
        self, campaign_id: str, leads: Sequence[tuple[int, dict[str, Any]]], cost_per_lead: float
    ) -> BatchResult:
        """Store the leads that are not duplicates and take their cost from the credits.

        ``leads`` are (index in the request, checked lead). Either every new
        lead is stored and paid for, or none is (:class:`InsufficientCreditsError`).
        """
        campaign_id = campaign_id.lower()
        phones = sorted({lead["phone"] for _, lead in leads})
        with self._lock:
            in_campaign = self._lead_ids(phones, campaign_id)
            anywhere = self._lead_ids(phones, None)
            seen: dict[str, str] = {}
            duplicates: list[dict[str, Any]] = []
            new: list[tuple[dict[str, Any], str, str]] = []
            for index, lead in leads:
                phone = lead["phone"]
                existing = in_campaign.get(phone) or seen.get(phone)
                if existing is not None:
                    duplicates.append({"index": index, "phone": phone, "existingLeadId": existing})
                    continue
                lead_id = anywhere.get(phone) or new_id()
                seen[phone] = lead_id
                new.append((lead, lead_id, new_id()))
            cost = money(len(new) * cost_per_lead)
            balance = self.account()["credits"]
            if new and cost > balance + 1e-9:
                raise InsufficientCreditsError(len(new), cost, balance)
            now = now_iso()
            with self._conn:
                self._conn.executemany(
                    "INSERT INTO leads (campaign_lead_id, lead_id, campaign_id, phone, status,"
                    " data, created_at) VALUES (?, ?, ?, ?, 'pending', ?, ?)",
                    [
                        (cl_id, lead_id, campaign_id, lead["phone"], json.dumps(lead), now)
                        for lead, lead_id, cl_id in new
                    ],
                )
                self._conn.execute(
                    "UPDATE account SET credits = ?, total_leads_created = total_leads_created + ?",
                    (money(balance - cost), len(new)),
                )
        successful = [
            {"phone": lead["phone"], "leadId": lead_id, "campaignLeadId": cl_id}
            for lead, lead_id, cl_id in new
        ]
        return BatchResult(successful, duplicates, cost)

    def _lead_ids(self, phones: Sequence[str], campaign_id: str | None) -> dict[str, str]:
        found: dict[str, str] = {}
        for start in range(0, len(phones), _SQL_CHUNK):
            chunk = phones[start : start + _SQL_CHUNK]
            marks = ", ".join("?" * len(chunk))
            if campaign_id is None:
                sql = (
                    f"SELECT phone, MIN(lead_id) FROM leads WHERE phone IN ({marks}) GROUP BY phone"
                )
                params: tuple[str, ...] = tuple(chunk)
            else:
                sql = (
                    f"SELECT phone, lead_id FROM leads WHERE campaign_id = ? AND phone IN ({marks})"
                )
                params = (campaign_id, *chunk)
            found.update({phone: lead_id for phone, lead_id in self._conn.execute(sql, params)})
        return found

    def leads(self, campaign_id: str | None = None) -> list[dict[str, Any]]:
        """Return the stored leads, oldest first, of one campaign or of all."""
        sql = "SELECT * FROM leads"
        params: tuple[str, ...] = ()
        if campaign_id is not None:
            sql += " WHERE campaign_id = ?"
            params = (campaign_id.lower(),)
        with self._lock:
            rows = self._conn.execute(sql + " ORDER BY seq", params).fetchall()
        return [
            {
                "leadId": row["lead_id"],
                "campaignLeadId": row["campaign_lead_id"],
                "campaignId": row["campaign_id"],
                "phone": row["phone"],
                "status": row["status"],
                "createdAt": row["created_at"],
                "lead": json.loads(row["data"]),
            }
            for row in rows
        ]

    # account

    def account(self) -> dict[str, Any]:
        """Return the credit balance, the number of leads created and the last use."""
        with self._lock:
            row = self._conn.execute(
                "SELECT credits, total_leads_created, last_used_at FROM account"
            ).fetchone()
        return {
            "credits": float(row["credits"]),
            "total_leads_created": int(row["total_leads_created"]),
            "last_used_at": row["last_used_at"],
        }

    def set_credits(self, balance: float) -> None:
        """Set the credit balance."""
        with self._lock, self._conn:
            self._conn.execute("UPDATE account SET credits = ?", (money(balance),))

    def touch(self, moment: str) -> None:
        """Record a use of the API client."""
        with self._lock, self._conn:
            self._conn.execute("UPDATE account SET last_used_at = ?", (moment,))

    # request log

    def log_request(
        self,
        method: str,
        endpoint: str,
        path: str,
        status: int,
        outcome: str,
        client_id: str | None,
    ) -> None:
        """Append one answered (or dropped) request to the log."""
        with self._lock, self._conn:
            self._conn.execute(
                "INSERT INTO requests (at, method, endpoint, path, status, outcome, client_id)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (now_iso(), method, endpoint, path, status, outcome, client_id),
            )

    def requests(self) -> list[dict[str, Any]]:
        """Return the request log, oldest first."""
        with self._lock:
            rows = self._conn.execute("SELECT * FROM requests ORDER BY id").fetchall()
        return [
            {
                "at": row["at"],
                "endpoint": row["endpoint"],
                "path": row["path"],
                "status": row["status"],
                "outcome": row["outcome"],
            }
            for row in rows
        ]

    def stats(self) -> dict[str, Any]:
        """Return counts of requests and stored leads, for tests and curious people."""
        with self._lock:
            by_endpoint: dict[str, dict[str, int]] = {}
            total = 0
            for endpoint, status, count in self._conn.execute(
                "SELECT endpoint, status, COUNT(*) FROM requests GROUP BY endpoint, status"
            ):
                by_endpoint.setdefault(endpoint, {})[str(status)] = count
                total += count
            outcomes = dict(
                self._conn.execute("SELECT outcome, COUNT(*) FROM requests GROUP BY outcome")
            )
            lead_posts = self._conn.execute(
                "SELECT COUNT(*) FROM requests WHERE endpoint = 'POST /leads'"
            ).fetchone()[0]
            per_campaign = dict(
                self._conn.execute(
                    "SELECT campaign_id, COUNT(*) FROM leads GROUP BY campaign_id ORDER BY 1"
                )
            )
        account = self.account()
        return {
            "requests": {"total": total, "byEndpoint": by_endpoint},
            "leadPosts": lead_posts,
            "injectedFailures": outcomes.get("injected-failure", 0),
            "injectedThrottles": outcomes.get("injected-throttle", 0),
            "droppedConnections": outcomes.get("dropped", 0),
            "leads": {"total": sum(per_campaign.values()), "byCampaign": per_campaign},
            "credits": {"balance": account["credits"]},
            "totalLeadsCreated": account["total_leads_created"],
        }

    def reset(self) -> None:
        """Forget leads, requests and usage; restore the seeded campaigns and credits."""
        with self._lock:
            with self._conn:
                for table in ("leads", "requests", "campaigns", "account"):
                    self._conn.execute(f"DELETE FROM {table}")
            self._seed_if_new()


def _campaign_json(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "name": row["name"],
        "status": row["status"],
        "description": row["description"],
        "totalLeads": int(row["total"]),
        "createdAt": row["created_at"],
        "updatedAt": row["updated_at"],
    }
