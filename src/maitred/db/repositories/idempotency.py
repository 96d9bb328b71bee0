"""Idempotency records: one per (restaurant, key), holding the request and its response."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from psycopg.types.json import Jsonb

from maitred.db.database import Connection

Row = dict[str, Any]


def try_lock(conn: Connection, restaurant_id: UUID, key: str) -> bool:
    """Claim the key for this transaction; False while another transaction holds it."""
    row = conn.execute(
        "SELECT pg_try_advisory_xact_lock(hashtextextended(%s, 1)) AS locked",
        [f"idempotency:{restaurant_id}:{key}"],
    ).fetchone()
    return bool(row and row["locked"])


def get(conn: Connection, restaurant_id: UUID, key: str) -> Row | None:
    return conn.execute(
        "SELECT request_fingerprint, outcome, response_body, created_at"
        " FROM idempotency_keys WHERE restaurant_id = %s AND idempotency_key = %s",
        [restaurant_id, key],
    ).fetchone()


def save(
    conn: Connection,
    restaurant_id: UUID,
    key: str,
    fingerprint: str,
    outcome: str,
    body: dict[str, Any],
) -> None:
    """Store the response: `outcome` is `ok` or the error code the request ended with."""
    conn.execute(
        "INSERT INTO idempotency_keys (restaurant_id, idempotency_key, request_fingerprint,"
        " outcome, response_body) VALUES (%s, %s, %s, %s, %s)",
        [restaurant_id, key, fingerprint, outcome, Jsonb(body)],
    )
