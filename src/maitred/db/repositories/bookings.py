"""Bookings and their allocations."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from maitred.db.database import Connection
from maitred.db.ranges import bracketed, window_range
from maitred.db.repositories.allocations import lock_days
from maitred.domain.window import Window

Row = dict[str, Any]


def insert_bookings(conn: Connection, restaurant_id: UUID, bookings: list[Row]) -> None:
    """Bookings as rows with booking_id, ref, party_size, status, local_date, local_time,
    service, service_date, duration_minutes, time_window (a Window), pinned."""
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO bookings (restaurant_id, booking_id, ref, party_size, status,"
            " local_date, local_time, service, service_date, duration_minutes, time_window,"
            " pinned, guest_name, created_by)"
            " VALUES (%(restaurant_id)s, %(booking_id)s, %(ref)s, %(party_size)s, %(status)s,"
            " %(local_date)s, %(local_time)s, %(service)s, %(service_date)s,"
            " %(duration_minutes)s, %(time_window)s, %(pinned)s, %(guest_name)s,"
            " %(created_by)s)",
            [
                {
                    "guest_name": None,
                    "created_by": None,
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
    lock_days(conn, restaurant_id, (row["service_date"] for row in rows))
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
        " WHERE restaurant_id = %(rid)s AND table_id = %(table)s"
        " AND service_date BETWEEN %(first)s AND %(last)s AND time_window && %(window)s"
        " AND (kind <> 'hold' OR expires_at > now())",
        {"table": table_id, **bracketed(restaurant_id, window)},
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


_BOOKING = (
    "b.booking_id, b.ref, b.party_size, b.status, b.local_date, b.local_time, b.service,"
    " b.service_date, b.duration_minutes, b.time_window, b.pinned, b.guest_name, b.created_at,"
    " b.updated_at, b.created_by,"
    " coalesce((SELECT array_agg(a.table_id ORDER BY a.table_id) FROM allocations a"
    "   WHERE a.restaurant_id = b.restaurant_id AND a.booking_id = b.booking_id"
    "   AND a.kind = 'assignment'), '{}') AS table_ids"
)


def get(
    conn: Connection, restaurant_id: UUID, booking_id: UUID, *, lock: bool = False
) -> Row | None:
    """A booking with the ids of the tables it is assigned to; `lock` takes its row lock."""
    return conn.execute(
        f"SELECT {_BOOKING} FROM bookings b WHERE b.restaurant_id = %s AND b.booking_id = %s"
        + (" FOR UPDATE OF b" if lock else ""),
        [restaurant_id, booking_id],
    ).fetchone()


def of_day(
    conn: Connection, restaurant_id: UUID, service_date: date, statuses: list[str] | None = None
) -> list[Row]:
    """A service day's bookings (optionally only some statuses), by start time."""
    return conn.execute(
        f"SELECT {_BOOKING} FROM bookings b WHERE b.restaurant_id = %s AND b.service_date = %s"
        " AND (%s::text[] IS NULL OR b.status = ANY(%s::text[]))"
        " ORDER BY lower(b.time_window), b.ref, b.booking_id",
        [restaurant_id, service_date, statuses, statuses],
    ).fetchall()


def around(conn: Connection, restaurant_id: UUID, window: Window) -> list[Row]:
    """Active bookings whose windows overlap a window (widen it to cover a day)."""
    return conn.execute(
        f"SELECT {_BOOKING} FROM bookings b WHERE b.restaurant_id = %(rid)s"
        " AND b.service_date BETWEEN %(first)s AND %(last)s AND b.time_window && %(window)s"
        " AND b.status IN ('pending', 'confirmed', 'seated')",
        bracketed(restaurant_id, window),
    ).fetchall()


def update(conn: Connection, restaurant_id: UUID, booking_id: UUID, **fields: Any) -> None:
    """Set some of a booking's fields (names are this module's, never a caller's input)."""
    allowed = {
        "party_size",
        "status",
        "local_date",
        "local_time",
        "service",
        "service_date",
        "duration_minutes",
        "time_window",
        "pinned",
        "guest_name",
    }
    names = sorted(fields)
    if not names or not set(names) <= allowed:
        raise ValueError(f"cannot update {names}")
    values = {k: window_range(v) if isinstance(v, Window) else v for k, v in fields.items()}
    assignments = ", ".join(f"{name} = %({name})s" for name in names)
    conn.execute(
        f"UPDATE bookings SET {assignments}, updated_at = now()"
        " WHERE restaurant_id = %(rid)s AND booking_id = %(bid)s",
        {**values, "rid": restaurant_id, "bid": booking_id},
    )
