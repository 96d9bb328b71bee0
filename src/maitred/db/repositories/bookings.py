"""Bookings and their allocations."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from maitred.db.database import Connection
from maitred.db.ranges import window_range
from maitred.domain.window import Window

Row = dict[str, Any]


def insert_bookings(conn: Connection, restaurant_id: UUID, bookings: list[Row]) -> None:
    """Bookings as rows with booking_id, ref, party_size, status, local_date, local_time,
    service, service_date, duration_minutes, time_window (a Window), pinned."""
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO bookings (restaurant_id, booking_id, ref, party_size, status,"
            " local_date, local_time, service, service_date, duration_minutes, time_window,"
            " pinned, guest_name)"
            " VALUES (%(restaurant_id)s, %(booking_id)s, %(ref)s, %(party_size)s, %(status)s,"
            " %(local_date)s, %(local_time)s, %(service)s, %(service_date)s,"
            " %(duration_minutes)s, %(time_window)s, %(pinned)s, %(guest_name)s)",
            [
                {
                    "guest_name": None,
                    **b,
                    "time_window": window_range(b["time_window"]),
                    "restaurant_id": restaurant_id,
                }
                for b in bookings
            ],
        )


def insert_assignments(conn: Connection, restaurant_id: UUID, rows: list[Row]) -> None:
    """Assignment allocations as rows of table_id, time_window, group_id, booking_id,
    service_date, and optionally created_by and override_reason."""
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO allocations (restaurant_id, table_id, kind, time_window, group_id,"
            " booking_id, service_date, created_by, override_reason)"
            " VALUES (%(restaurant_id)s, %(table_id)s, 'assignment', %(time_window)s,"
            " %(group_id)s, %(booking_id)s, %(service_date)s, %(created_by)s,"
            " %(override_reason)s)",
            [
                {
                    "created_by": None,
                    "override_reason": None,
                    **row,
                    "time_window": window_range(row["time_window"]),
                    "restaurant_id": restaurant_id,
                }
                for row in rows
            ],
        )


def existing_refs(conn: Connection, restaurant_id: UUID, refs: list[str]) -> set[str]:
    rows = conn.execute(
        "SELECT ref FROM bookings WHERE restaurant_id = %s AND ref = ANY(%s)",
        [restaurant_id, refs],
    ).fetchall()
    return {row["ref"] for row in rows}


def overlapping_allocations(
    conn: Connection, restaurant_id: UUID, table_id: UUID, window: Window
) -> list[Row]:
    """Allocations on a table whose window overlaps the given one (expired holds excluded)."""
    return conn.execute(
        "SELECT allocation_id, kind, time_window, booking_id FROM allocations"
        " WHERE restaurant_id = %s AND table_id = %s AND time_window && %s"
        " AND (kind <> 'hold' OR expires_at > now())",
        [restaurant_id, table_id, window_range(window)],
    ).fetchall()


def day_summary(conn: Connection, restaurant_id: UUID) -> list[Row]:
    """Bookings and covers per service day and service, active bookings only."""
    return conn.execute(
        "SELECT service_date, service, count(*) AS bookings, sum(party_size) AS covers"
        " FROM bookings WHERE restaurant_id = %s"
        " AND status IN ('pending', 'confirmed', 'seated')"
        " GROUP BY service_date, service ORDER BY service_date, service",
        [restaurant_id],
    ).fetchall()
