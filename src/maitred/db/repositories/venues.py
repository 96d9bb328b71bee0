"""Restaurants, zones, tables, adjacency and policy documents."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from psycopg.types.json import Jsonb

from maitred.db.database import Connection

Row = dict[str, Any]


def insert_restaurant(conn: Connection, restaurant_id: UUID, name: str, timezone: str) -> None:
    conn.execute(
        "INSERT INTO restaurants (restaurant_id, name, timezone) VALUES (%s, %s, %s)",
        [restaurant_id, name, timezone],
    )


def get_restaurant(conn: Connection, restaurant_id: UUID) -> Row | None:
    return conn.execute(
        "SELECT restaurant_id, name, timezone, venue_version, created_at"
        " FROM restaurants WHERE restaurant_id = %s",
        [restaurant_id],
    ).fetchone()


def list_restaurants(conn: Connection) -> list[Row]:
    """The restaurants visible in this transaction (RLS: at most the tenant's own)."""
    return conn.execute("SELECT restaurant_id, name, timezone FROM restaurants").fetchall()


def insert_zones(conn: Connection, restaurant_id: UUID, zones: list[Row]) -> None:
    """Zones as rows of zone_id, name, position."""
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO zones (restaurant_id, zone_id, name, position)"
            " VALUES (%(restaurant_id)s, %(zone_id)s, %(name)s, %(position)s)",
            [{**zone, "restaurant_id": restaurant_id} for zone in zones],
        )


def insert_tables(conn: Connection, restaurant_id: UUID, tables: list[Row]) -> None:
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO dining_tables (restaurant_id, table_id, zone_id, label, capacity,"
            " min_party, max_party, mergeable, active, priority, position)"
            " VALUES (%(restaurant_id)s, %(table_id)s, %(zone_id)s, %(label)s, %(capacity)s,"
            " %(min_party)s, %(max_party)s, %(mergeable)s, %(active)s, %(priority)s,"
            " %(position)s)",
            [{**table, "restaurant_id": restaurant_id} for table in tables],
        )


def insert_edges(conn: Connection, restaurant_id: UUID, edges: list[Row]) -> None:
    """Edges as rows of zone_id, table_a, table_b with table_a < table_b."""
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO adjacency (restaurant_id, zone_id, table_a, table_b)"
            " VALUES (%(restaurant_id)s, %(zone_id)s, %(table_a)s, %(table_b)s)",
            [{**edge, "restaurant_id": restaurant_id} for edge in edges],
        )


def insert_policy(conn: Connection, restaurant_id: UUID, document: dict[str, Any]) -> int:
    """Store a new policy version; returns its number."""
    row = conn.execute(
        "INSERT INTO policies (restaurant_id, version, document)"
        " SELECT %(rid)s, coalesce(max(version), 0) + 1, %(document)s"
        " FROM policies WHERE restaurant_id = %(rid)s"
        " RETURNING version",
        {"rid": restaurant_id, "document": Jsonb(document)},
    ).fetchone()
    assert row is not None
    return int(row["version"])


def current_policy(conn: Connection, restaurant_id: UUID) -> Row | None:
    return conn.execute(
        "SELECT version, document FROM policies WHERE restaurant_id = %s"
        " ORDER BY version DESC LIMIT 1",
        [restaurant_id],
    ).fetchone()


def list_zones(conn: Connection, restaurant_id: UUID) -> list[Row]:
    return conn.execute(
        "SELECT zone_id, name, position FROM zones WHERE restaurant_id = %s"
        " ORDER BY position, name",
        [restaurant_id],
    ).fetchall()


def list_tables(conn: Connection, restaurant_id: UUID) -> list[Row]:
    return conn.execute(
        "SELECT table_id, zone_id, label, capacity, min_party, max_party, mergeable, active,"
        " priority, position FROM dining_tables WHERE restaurant_id = %s"
        " ORDER BY position, label",
        [restaurant_id],
    ).fetchall()


def list_edges(conn: Connection, restaurant_id: UUID) -> list[Row]:
    return conn.execute(
        "SELECT zone_id, table_a, table_b FROM adjacency WHERE restaurant_id = %s",
        [restaurant_id],
    ).fetchall()
