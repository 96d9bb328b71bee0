"""The outbox relay: deliver committed events to their restaurant's webhooks, at least once.

Due rows are claimed with `FOR UPDATE SKIP LOCKED` (never "after the last id seen", which skips
rows that commit out of order), each the oldest pending event of its booking so a booking's
events leave in order. A delivery that fails is retried with exponential backoff and full
jitter, and is dead after `max_attempts`. A relay killed between sending and marking leaves the
row pending: it is sent again, and consumers dedupe on the event id.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import structlog

from maitred.db.database import Connection, Database
from maitred.db.repositories import worker as rows
from maitred.jobs.signing import (
    EVENT_ID_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    signature_header,
)
from maitred.settings import WorkerSettings

log = structlog.get_logger("maitred.relay")

Post = Callable[[str, bytes, dict[str, str]], int]


@dataclass
class RelayCounts:
    claimed: int = 0
    delivered: int = 0
    retried: int = 0
    dead: int = 0


def backoff_seconds(attempt: int, base: float, cap: float, rng: random.Random) -> float:
    """Full jitter: uniform in [0, min(cap, base * 2^(attempt-1))]."""
    return rng.uniform(0, min(cap, base * 2 ** max(0, attempt - 1)))


def event_body(event: dict[str, Any]) -> bytes:
    document = {
        "id": str(event["event_id"]),
        "type": event["event_type"],
        "restaurant_id": str(event["restaurant_id"]),
        "created_at": event["created_at"].isoformat(),
        "data": event["payload"],
    }
    return json.dumps(document, separators=(",", ":"), sort_keys=True).encode()


def http_post(timeout: float) -> Post:
    client = httpx.Client(timeout=timeout, follow_redirects=False)

    def post(url: str, body: bytes, headers: dict[str, str]) -> int:
        return client.post(url, content=body, headers=headers).status_code

    return post


def _deliver(conn: Connection, event: dict[str, Any], post: Post) -> str | None:
    """Send the event to every matching subscription; None when all took it, else the error."""
    body = event_body(event)
    event_id = str(event["event_id"])
    failures = []
    for sub in rows.subscriptions_for(conn, event["restaurant_id"], event["event_type"]):
        stamp = int(time.time())
        headers = {
            "Content-Type": "application/json",
            EVENT_ID_HEADER: event_id,
            TIMESTAMP_HEADER: str(stamp),
            SIGNATURE_HEADER: signature_header(sub["secret"], stamp, event_id, body),
        }
        status, error = None, None
        try:
            status = post(sub["url"], body, headers)
            if not 200 <= status < 300:
                error = f"HTTP {status}"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"
        rows.record_attempt(
            conn, event["restaurant_id"], event["event_id"], sub["subscription_id"], status, error
        )
        if error:
            failures.append(f"{sub['url']}: {error}")
    return "; ".join(failures) or None


def relay_batch(
    db: Database, settings: WorkerSettings, post: Post, rng: random.Random | None = None
) -> RelayCounts:
    """Claim one batch of due events and deliver them, in one transaction."""
    rng = rng or random.Random()
    counts = RelayCounts()
    with db.transaction() as conn:
        events = rows.claim_due_events(conn, settings.batch_size)
        counts.claimed = len(events)
        for event in events:
            error = _deliver(conn, event, post)
            if error is None:
                rows.mark_delivered(conn, event["restaurant_id"], event["event_id"])
                counts.delivered += 1
                continue
            attempt = event["attempts"] + 1
            dead = attempt >= settings.max_attempts
            wait = backoff_seconds(
                attempt, settings.backoff_base_seconds, settings.backoff_cap_seconds, rng
            )
            rows.mark_failed(conn, event["restaurant_id"], event["event_id"], error, wait, dead)
            counts.dead += dead
            counts.retried += not dead
            log.warning(
                "delivery_failed",
                event_id=str(event["event_id"]),
                attempt=attempt,
                dead=dead,
                retry_in=round(wait, 2),
            )
    return counts


def relay_until_idle(db: Database, settings: WorkerSettings, post: Post) -> RelayCounts:
    """Relay batches until none is due."""
    total = RelayCounts()
    while True:
        counts = relay_batch(db, settings, post)
        for name in ("claimed", "delivered", "retried", "dead"):
            setattr(total, name, getattr(total, name) + getattr(counts, name))
        if counts.claimed == 0:
            return total
