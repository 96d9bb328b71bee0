"""Webhook signatures: HMAC-SHA256 over the timestamp, the event id and the body.

Header `Maitred-Signature: t=<unix seconds>,v1=<hex digest>`, the digest of
`"{t}.{event id}.{body}"` under the subscription's secret. A consumer recomputes it, compares in
constant time, rejects stale timestamps, and dedupes on the event id.
"""

from __future__ import annotations

import hashlib
import hmac
import time

SIGNATURE_HEADER = "Maitred-Signature"
EVENT_ID_HEADER = "Maitred-Event-Id"
TIMESTAMP_HEADER = "Maitred-Timestamp"
TOLERANCE_SECONDS = 300


def signature(secret: str, timestamp: int, event_id: str, body: bytes) -> str:
    message = f"{timestamp}.{event_id}.".encode() + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, event_id: str, body: bytes) -> str:
    return f"t={timestamp},v1={signature(secret, timestamp, event_id, body)}"


def verify(
    secret: str,
    header: str,
    event_id: str,
    body: bytes,
    now: float | None = None,
    tolerance: int = TOLERANCE_SECONDS,
) -> bool:
    """Whether a delivery is authentic and fresh (what a consumer should check)."""
    try:
        parts = dict(part.split("=", 1) for part in header.split(","))
        timestamp = int(parts["t"])
        given = parts["v1"]
    except (KeyError, ValueError):
        return False
    if abs((time.time() if now is None else now) - timestamp) > tolerance:
        return False
    return hmac.compare_digest(given, signature(secret, timestamp, event_id, body))
