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


# Venue setup: one row at a time, each change inside the caller's transaction ------------------


def lock_restaurant(conn: Connection, restaurant_id: UUID) -> int | None:
    """Lock the restaurant row for a venue change; its venue version, None when invisible.

    Every venue change bumps this row (by trigger) anyway: taking the lock first serialises a
    restaurant's venue changes in one order, so two of them never deadlock on their tables.
    """
    row = conn.execute(
        "SELECT venue_version FROM restaurants WHERE restaurant_id = %s FOR NO KEY UPDATE",
        [restaurant_id],
    ).fetchone()
    return None if row is None else int(row["venue_version"])


def venue_version(conn: Connection, restaurant_id: UUID) -> int:
    row = conn.execute(
        "SELECT venue_version FROM restaurants WHERE restaurant_id = %s", [restaurant_id]
    ).fetchone()
    assert row is not None
    return int(row["venue_version"])


def update_restaurant(conn: Connection, restaurant_id: UUID, name: str, timezone: str) -> bool:
    """Rename or move the restaurant; bumps the venue version (the venue carries both).

    Returns whether anything changed.
    """
    result = conn.execute(
        "UPDATE restaurants SET name = %(name)s, timezone = %(timezone)s,"
        " venue_version = venue_version + 1"
        " WHERE restaurant_id = %(rid)s AND (name, timezone) IS DISTINCT FROM"
        " (%(name)s::text, %(timezone)s::text)",
        {"rid": restaurant_id, "name": name, "timezone": timezone},
    )
    return result.rowcount > 0


_ZONE_VIEW = (
    "SELECT z.zone_id, z.name, z.position,"
    " (SELECT count(*) FROM dining_tables t"
    "   WHERE t.restaurant_id = z.restaurant_id AND t.zone_id = z.zone_id) AS tables"
    " FROM zones z WHERE z.restaurant_id = %(rid)s"
)


def zones_with_counts(conn: Connection, restaurant_id: UUID) -> list[Row]:
    """Zones with how many tables each has, in floor order."""
    return conn.execute(
        _ZONE_VIEW + " ORDER BY z.position, z.name", {"rid": restaurant_id}
    ).fetchall()


def get_zone(conn: Connection, restaurant_id: UUID, zone_id: UUID) -> Row | None:
    """One zone with its table count."""
    return conn.execute(
        _ZONE_VIEW + " AND z.zone_id = %(zone)s", {"rid": restaurant_id, "zone": zone_id}
    ).fetchone()


def next_zone_position(conn: Connection, restaurant_id: UUID) -> int:
    row = conn.execute(
        "SELECT coalesce(max(position) + 1, 0) AS next FROM zones WHERE restaurant_id = %s",
        [restaurant_id],
    ).fetchone()
    assert row is not None
    return int(row["next"])


def update_zone(conn: Connection, restaurant_id: UUID, zone: Row) -> None:
    """Write a zone row (zone_id, name, position)."""
    conn.execute(
        "UPDATE zones SET name = %(name)s, position = %(position)s"
        " WHERE restaurant_id = %(rid)s AND zone_id = %(zone_id)s",
        {**zone, "rid": restaurant_id},
    )


def delete_zones(conn: Connection, restaurant_id: UUID, zone_ids: list[UUID]) -> int:
    result = conn.execute(
        "DELETE FROM zones WHERE restaurant_id = %s AND zone_id = ANY(%s)",
        [restaurant_id, zone_ids],
    )
    return result.rowcount


_TABLE_VIEW = (
    "SELECT t.table_id, t.label, t.zone_id, z.name AS zone, t.capacity, t.min_party,"
    " t.max_party, t.mergeable, t.active, t.priority, t.position"
    " FROM dining_tables t JOIN zones z USING (restaurant_id, zone_id)"
    " WHERE t.restaurant_id = %(rid)s"
)


def tables_with_zones(conn: Connection, restaurant_id: UUID) -> list[Row]:
    """Tables with their zone's name, in floor order (zone, then position, then label)."""
    return conn.execute(
        _TABLE_VIEW + " ORDER BY z.position, z.name, t.position, t.label", {"rid": restaurant_id}
    ).fetchall()


def get_table(
    conn: Connection, restaurant_id: UUID, table_id: UUID, *, lock: bool = False
) -> Row | None:
    """One table with its zone's name; `lock` holds off allocations and edges until commit."""
    if lock:
        conn.execute(
            "SELECT 1 FROM dining_tables WHERE restaurant_id = %s AND table_id = %s FOR UPDATE",
            [restaurant_id, table_id],
        )
    return conn.execute(
        _TABLE_VIEW + " AND t.table_id = %(table)s", {"rid": restaurant_id, "table": table_id}
    ).fetchone()


def lock_tables(conn: Connection, restaurant_id: UUID, table_ids: list[UUID]) -> None:
    """Lock tables about to be deleted: no allocation or edge can reach them until commit."""
    conn.execute(
        "SELECT 1 FROM dining_tables WHERE restaurant_id = %s AND table_id = ANY(%s)"
        " ORDER BY table_id FOR UPDATE",
        [restaurant_id, table_ids],
    )


def next_table_position(conn: Connection, restaurant_id: UUID, zone_id: UUID) -> int:
    row = conn.execute(
        "SELECT coalesce(max(position) + 1, 0) AS next FROM dining_tables"
        " WHERE restaurant_id = %s AND zone_id = %s",
        [restaurant_id, zone_id],
    ).fetchone()
    assert row is not None
    return int(row["next"])


def update_tables(conn: Connection, restaurant_id: UUID, tables: list[Row]) -> None:
    """Write whole table rows (the columns of insert_tables) over the rows with their ids."""
    with conn.cursor() as cur:
        cur.executemany(
            "UPDATE dining_tables SET zone_id = %(zone_id)s, label = %(label)s,"
            " capacity = %(capacity)s, min_party = %(min_party)s, max_party = %(max_party)s,"
            " mergeable = %(mergeable)s, active = %(active)s, priority = %(priority)s,"
            " position = %(position)s"
            " WHERE restaurant_id = %(rid)s AND table_id = %(table_id)s",
            [{**table, "rid": restaurant_id} for table in tables],
        )


def delete_tables(conn: Connection, restaurant_id: UUID, table_ids: list[UUID]) -> int:
    """Delete tables; their edges go with them (foreign key cascade)."""
    result = conn.execute(
        "DELETE FROM dining_tables WHERE restaurant_id = %s AND table_id = ANY(%s)",
        [restaurant_id, table_ids],
    )
    return result.rowcount


def live_allocation_counts(
    conn: Connection, restaurant_id: UUID, table_ids: list[UUID]
) -> dict[UUID, dict[str, int]]:
    """Allocations per table and kind, past ones included; expired holds never count."""
    rows = conn.execute(
        "SELECT table_id, kind, count(*) AS n FROM allocations"
        " WHERE restaurant_id = %s AND table_id = ANY(%s)"
        " AND (kind <> 'hold' OR expires_at > now())"
        " GROUP BY table_id, kind",
        [restaurant_id, table_ids],
    ).fetchall()
    counts: dict[UUID, dict[str, int]] = {}
    for row in rows:
        counts.setdefault(row["table_id"], {})[row["kind"]] = int(row["n"])
    return counts


def delete_expired_holds_of_tables(
    conn: Connection, restaurant_id: UUID, table_ids: list[UUID]
) -> int:
    """Remove expired holds on these tables (at any time), so they never keep a table alive."""
    result = conn.execute(
        "DELETE FROM holds h WHERE h.restaurant_id = %(rid)s AND h.expires_at <= now()"
        " AND h.hold_id IN (SELECT a.hold_id FROM allocations a"
        "   WHERE a.restaurant_id = %(rid)s AND a.kind = 'hold'"
        "   AND a.table_id = ANY(%(tables)s))",
        {"rid": restaurant_id, "tables": table_ids},
    )
    return result.rowcount


_EDGE_VIEW = (
    "SELECT e.zone_id, e.table_a, e.table_b, a.label AS label_a, b.label AS label_b"
    " FROM adjacency e"
    " JOIN dining_tables a ON a.restaurant_id = e.restaurant_id AND a.table_id = e.table_a"
    " JOIN dining_tables b ON b.restaurant_id = e.restaurant_id AND b.table_id = e.table_b"
    " WHERE e.restaurant_id = %(rid)s"
)


def edges_with_labels(conn: Connection, restaurant_id: UUID) -> list[Row]:
    return conn.execute(
        _EDGE_VIEW + " ORDER BY least(a.label, b.label), greatest(a.label, b.label)",
        {"rid": restaurant_id},
    ).fetchall()


def edges_of_table(conn: Connection, restaurant_id: UUID, table_id: UUID) -> list[Row]:
    return conn.execute(
        _EDGE_VIEW + " AND %(table)s IN (e.table_a, e.table_b)"
        " ORDER BY least(a.label, b.label), greatest(a.label, b.label)",
        {"rid": restaurant_id, "table": table_id},
    ).fetchall()


def delete_edges(conn: Connection, restaurant_id: UUID, pairs: list[tuple[UUID, UUID]]) -> int:
    """Delete edges given as (table_a, table_b) with table_a < table_b."""
    with conn.cursor() as cur:
        cur.executemany(
            "DELETE FROM adjacency WHERE restaurant_id = %s AND table_a = %s AND table_b = %s",
            [(restaurant_id, a, b) for a, b in pairs],
        )
        return cur.rowcount


def policy_versions(conn: Connection, restaurant_id: UUID) -> list[Row]:
    """Every stored policy version, newest first."""
    return conn.execute(
        "SELECT version, created_at FROM policies WHERE restaurant_id = %s ORDER BY version DESC",
        [restaurant_id],
    ).fetchall()
