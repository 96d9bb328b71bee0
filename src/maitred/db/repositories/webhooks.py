"""Webhook subscriptions and the delivery status of a restaurant's events."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from maitred.db.database import Connection

Row = dict[str, Any]


def insert_subscription(
    conn: Connection, restaurant_id: UUID, url: str, secret: str, event_types: list[str]
) -> Row:
    row = conn.execute(
        "INSERT INTO webhook_subscriptions (restaurant_id, url, secret, event_types)"
        " VALUES (%s, %s, %s, %s)"
        " RETURNING subscription_id, url, event_types, active, created_at",
        [restaurant_id, url, secret, event_types],
    ).fetchone()
    assert row is not None
    return row


def list_subscriptions(conn: Connection, restaurant_id: UUID) -> list[Row]:
    return conn.execute(
        "SELECT subscription_id, url, event_types, active, created_at FROM webhook_subscriptions"
        " WHERE restaurant_id = %s ORDER BY created_at, subscription_id",
        [restaurant_id],
    ).fetchall()


def delete_subscription(conn: Connection, restaurant_id: UUID, subscription_id: UUID) -> bool:
    result = conn.execute(
        "DELETE FROM webhook_subscriptions WHERE restaurant_id = %s AND subscription_id = %s",
        [restaurant_id, subscription_id],
    )
    return result.rowcount == 1


def list_events(conn: Connection, restaurant_id: UUID, status: str | None, limit: int) -> list[Row]:
    """Events newest first, with how their deliveries went."""
    return conn.execute(
        "SELECT o.event_id, o.event_type, o.aggregate_id, o.status, o.attempts, o.last_error,"
        " o.next_attempt_at, o.created_at, o.delivered_at,"
        " (SELECT count(*) FROM webhook_attempts a WHERE a.restaurant_id = o.restaurant_id"
        "   AND a.event_id = o.event_id AND NOT a.succeeded) AS failed_attempts"
        " FROM capacity_outbox o WHERE o.restaurant_id = %s"
        " AND (%s::text IS NULL OR o.status = %s::text)"
        " ORDER BY o.created_at DESC, o.event_id LIMIT %s",
        [restaurant_id, status, status, limit],
    ).fetchall()


def redeliver(conn: Connection, restaurant_id: UUID, event_id: UUID) -> bool:
    """Queue an event again now, with a fresh attempt budget."""
    result = conn.execute(
        "UPDATE capacity_outbox SET status = 'pending', attempts = 0, next_attempt_at = now(),"
        " last_error = NULL, delivered_at = NULL"
        " WHERE restaurant_id = %s AND event_id = %s",
        [restaurant_id, event_id],
    )
    return result.rowcount == 1
