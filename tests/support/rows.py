"""Rows written straight into the tables, for tests of the schema itself."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from psycopg.types.range import Range

from maitred.db.database import Connection

KINDS = ("hold", "assignment", "block")
SEVEN_PM = datetime(2026, 11, 27, 19, 0, tzinfo=UTC)


def at(minutes: int) -> datetime:
    return SEVEN_PM + timedelta(minutes=minutes)


def table_id(conn: Connection, restaurant_id: UUID, label: str) -> UUID:
    row = conn.execute(
        "SELECT table_id FROM dining_tables WHERE restaurant_id = %s AND label = %s",
        [restaurant_id, label],
    ).fetchone()
    assert row is not None
    return UUID(str(row["table_id"]))


def new_booking(conn: Connection, restaurant_id: UUID, start: datetime, end: datetime) -> UUID:
    booking_id = uuid4()
    conn.execute(
        "INSERT INTO bookings (restaurant_id, booking_id, party_size, local_date, local_time,"
        " service, service_date, time_window)"
        " VALUES (%s, %s, 2, %s, %s, 'dinner', %s, %s)",
        [
            restaurant_id,
            booking_id,
            start.date(),
            start.time(),
            start.date(),
            Range(start, end, "[)"),
        ],
    )
    return booking_id


def allocate(
    conn: Connection, restaurant_id: UUID, table: UUID, kind: str, start: datetime, end: datetime
) -> None:
    """Insert one allocation of a kind, with the booking and hold rows that kind needs."""
    fields: dict[str, Any] = {"booking_id": None, "hold_id": None, "expires_at": None}
    if kind in ("hold", "assignment"):
        fields["booking_id"] = new_booking(conn, restaurant_id, start, end)
    if kind == "hold":
        fields["hold_id"] = uuid4()
        fields["expires_at"] = datetime.now(UTC) + timedelta(minutes=5)
        conn.execute(
            "INSERT INTO holds (restaurant_id, hold_id, booking_id, actor, expires_at)"
            " VALUES (%s, %s, %s, 'test', %s)",
            [restaurant_id, fields["hold_id"], fields["booking_id"], fields["expires_at"]],
        )
    conn.execute(
        "INSERT INTO allocations (restaurant_id, table_id, kind, time_window, group_id,"
        " booking_id, hold_id, expires_at, service_date)"
        " VALUES (%(rid)s, %(table)s, %(kind)s, %(window)s, %(group)s, %(booking_id)s,"
        " %(hold_id)s, %(expires_at)s, %(window_start)s::date)",
        {
            "rid": restaurant_id,
            "table": table,
            "kind": kind,
            "group": uuid4(),
            "window": Range(start, end, "[)"),
            "window_start": start,
            **fields,
        },
    )


NOT_TENANT = {"alembic_version"}


def public_tables(conn: Any) -> list[str]:
    rows = conn.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY 1"
    ).fetchall()
    return [name for (name,) in rows if name not in NOT_TENANT]
