"""The transactional outbox: events written in the transaction of the change they describe."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from psycopg.types.json import Jsonb

from maitred.db.database import Connection


def add(
    conn: Connection,
    restaurant_id: UUID,
    aggregate_id: UUID,
    event_type: str,
    dedupe_key: str,
    payload: dict[str, Any],
) -> None:
    """Queue an event; a second event with the same dedupe key is dropped."""
    conn.execute(
        "INSERT INTO capacity_outbox (restaurant_id, aggregate_id, event_type, dedupe_key,"
        " payload) VALUES (%s, %s, %s, %s, %s)"
        " ON CONFLICT (restaurant_id, dedupe_key) DO NOTHING",
        [restaurant_id, aggregate_id, event_type, dedupe_key, Jsonb(payload)],
    )
