"""API keys, stored as hashes only."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from maitred.db.database import Connection

Row = dict[str, Any]


def insert_key(
    conn: Connection, restaurant_id: UUID, key_hash: str, prefix: str, role: str, name: str | None
) -> Row:
    row = conn.execute(
        "INSERT INTO api_keys (restaurant_id, key_hash, prefix, role, name)"
        " VALUES (%s, %s, %s, %s, %s)"
        " RETURNING key_id, prefix, role, name, created_at, revoked_at",
        [restaurant_id, key_hash, prefix, role, name],
    ).fetchone()
    assert row is not None
    return row


def find_by_hash(conn: Connection, key_hash: str) -> Row | None:
    """The live key with this hash, whatever its restaurant (the lookup policy admits it)."""
    conn.execute("SELECT set_config('app.api_key_hash', %s, true)", [key_hash])
    return conn.execute(
        "SELECT restaurant_id, key_id, role, prefix FROM api_keys"
        " WHERE key_hash = %s AND revoked_at IS NULL",
        [key_hash],
    ).fetchone()


def list_keys(conn: Connection, restaurant_id: UUID) -> list[Row]:
    return conn.execute(
        "SELECT key_id, prefix, role, name, created_at, revoked_at FROM api_keys"
        " WHERE restaurant_id = %s ORDER BY created_at",
        [restaurant_id],
    ).fetchall()


def revoke_key(conn: Connection, restaurant_id: UUID, key_id: UUID) -> bool:
    result = conn.execute(
        "UPDATE api_keys SET revoked_at = now()"
        " WHERE restaurant_id = %s AND key_id = %s AND revoked_at IS NULL",
        [restaurant_id, key_id],
    )
    return result.rowcount == 1
