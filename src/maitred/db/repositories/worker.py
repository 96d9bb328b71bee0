"""The worker's statements, across restaurants (as `maitred_worker`, through its own policies).

Every claim is `FOR UPDATE SKIP LOCKED`: several workers share the work and none waits for,
or repeats, another's batch.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from maitred.db.database import Connection

Row = dict[str, Any]

SWEEP = """
WITH expired AS (
    SELECT restaurant_id, hold_id FROM holds
    WHERE expires_at <= now()
    ORDER BY expires_at
    LIMIT %(batch)s
    FOR UPDATE SKIP LOCKED
), gone AS (
    DELETE FROM holds h USING expired e
    WHERE h.restaurant_id = e.restaurant_id AND h.hold_id = e.hold_id
    RETURNING h.restaurant_id, h.hold_id, h.booking_id, h.expires_at
), events AS (
    INSERT INTO capacity_outbox (restaurant_id, aggregate_id, event_type, dedupe_key, payload)
    SELECT restaurant_id, booking_id, 'hold.expired', 'hold.expired:' || hold_id,
           jsonb_build_object('hold_id', hold_id, 'booking_id', booking_id,
                              'expired_at', expires_at)
    FROM gone
    ON CONFLICT (restaurant_id, dedupe_key) DO NOTHING
)
SELECT count(*) AS swept,
       coalesce(max(extract(epoch FROM now() - expires_at)), 0) AS max_lag_seconds,
       coalesce(avg(extract(epoch FROM now() - expires_at)), 0) AS mean_lag_seconds
FROM gone
"""


def sweep_expired_holds(conn: Connection, batch: int) -> Row:
    """Delete one batch of expired holds (their rows go with them) and queue hold.expired for
    each, in one statement; how many, and how late after expiry."""
    row = conn.execute(SWEEP, {"batch": batch}).fetchone()
    assert row is not None
    return row


CLAIM = """
SELECT o.restaurant_id, o.event_id, o.aggregate_id, o.event_type, o.payload, o.attempts,
       o.created_at
FROM capacity_outbox o
WHERE o.status = 'pending' AND o.next_attempt_at <= now()
  AND NOT EXISTS (
      SELECT 1 FROM capacity_outbox earlier
      WHERE earlier.restaurant_id = o.restaurant_id AND earlier.aggregate_id = o.aggregate_id
        AND earlier.status = 'pending'
        AND (earlier.created_at, earlier.event_id) < (o.created_at, o.event_id))
ORDER BY o.created_at, o.event_id
LIMIT %(batch)s
FOR UPDATE OF o SKIP LOCKED
"""


def claim_due_events(conn: Connection, batch: int) -> list[Row]:
    """Due events, each the oldest pending one of its aggregate (a booking's events go out in
    order), locked for this transaction; rows another relay holds are skipped."""
    return conn.execute(CLAIM, {"batch": batch}).fetchall()


def subscriptions_for(conn: Connection, restaurant_id: UUID, event_type: str) -> list[Row]:
    return conn.execute(
        "SELECT subscription_id, url, secret FROM webhook_subscriptions"
        " WHERE restaurant_id = %s AND active"
        " AND (event_types = '{}' OR %s = ANY(event_types))"
        " ORDER BY created_at, subscription_id",
        [restaurant_id, event_type],
    ).fetchall()


def record_attempt(
    conn: Connection,
    restaurant_id: UUID,
    event_id: UUID,
    subscription_id: UUID,
    status_code: int | None,
    error: str | None,
) -> None:
    conn.execute(
        "INSERT INTO webhook_attempts (restaurant_id, event_id, subscription_id, status_code,"
        " error, succeeded) VALUES (%s, %s, %s, %s, %s, %s)",
        [
            restaurant_id,
            event_id,
            subscription_id,
            status_code,
            None if error is None else error[:500],
            error is None,
        ],
    )


def mark_delivered(conn: Connection, restaurant_id: UUID, event_id: UUID) -> None:
    conn.execute(
        "UPDATE capacity_outbox SET status = 'delivered', delivered_at = now(),"
        " attempts = attempts + 1, last_error = NULL"
        " WHERE restaurant_id = %s AND event_id = %s",
        [restaurant_id, event_id],
    )


def mark_failed(
    conn: Connection,
    restaurant_id: UUID,
    event_id: UUID,
    error: str,
    retry_in_seconds: float,
    dead: bool,
) -> None:
    conn.execute(
        "UPDATE capacity_outbox SET attempts = attempts + 1, last_error = %s,"
        " status = CASE WHEN %s THEN 'dead' ELSE 'pending' END,"
        " next_attempt_at = now() + make_interval(secs => %s)"
        " WHERE restaurant_id = %s AND event_id = %s",
        [error[:500], dead, retry_in_seconds, restaurant_id, event_id],
    )


def move_expired_allocations(conn: Connection, batch: int, cutoff: datetime) -> int:
    row = conn.execute(
        "SELECT move_expired_allocations(%s, %s) AS moved", [batch, cutoff]
    ).fetchone()
    assert row is not None
    return int(row["moved"])


def purge(conn: Connection, idempotency_hours: int, delivered_days: int, dead_days: int) -> Row:
    """Delete what retention no longer keeps; how many of each."""
    row = conn.execute(
        """
        WITH keys AS (
            DELETE FROM idempotency_keys
            WHERE created_at < now() - make_interval(hours => %(hours)s) RETURNING 1
        ), delivered AS (
            DELETE FROM capacity_outbox WHERE status = 'delivered'
              AND delivered_at < now() - make_interval(days => %(delivered)s) RETURNING 1
        ), dead AS (
            DELETE FROM capacity_outbox WHERE status = 'dead'
              AND created_at < now() - make_interval(days => %(dead)s) RETURNING 1
        ), logs AS (
            DELETE FROM hold_log WHERE created_at < now() - interval '1 day' RETURNING 1
        )
        SELECT (SELECT count(*) FROM keys) AS idempotency_keys,
               (SELECT count(*) FROM delivered) AS delivered_events,
               (SELECT count(*) FROM dead) AS dead_events,
               (SELECT count(*) FROM logs) AS hold_log
        """,
        {"hours": idempotency_hours, "delivered": delivered_days, "dead": dead_days},
    ).fetchone()
    assert row is not None
    return row
