"""Allocations: the rows the exclusion constraint protects, the one source of occupancy."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any
from uuid import UUID

from maitred.db.database import Connection
from maitred.db.ranges import bracketed, window_range
from maitred.domain.window import Window

Row = dict[str, Any]

_COLUMNS = (
    "allocation_id, table_id, kind, time_window, group_id, booking_id, hold_id, expires_at,"
    " service_date, created_by, override_reason"
)


def live_around(conn: Connection, restaurant_id: UUID, window: Window) -> list[Row]:
    """Allocations overlapping a window (widen it to cover a day), expired holds left out."""
    return conn.execute(
        f"SELECT {_COLUMNS} FROM allocations WHERE restaurant_id = %(rid)s"
        " AND service_date BETWEEN %(first)s AND %(last)s AND time_window && %(window)s"
        " AND (kind <> 'hold' OR expires_at > now())",
        bracketed(restaurant_id, window),
    ).fetchall()


def of_booking(conn: Connection, restaurant_id: UUID, booking_id: UUID) -> list[Row]:
    return conn.execute(
        f"SELECT {_COLUMNS} FROM allocations WHERE restaurant_id = %s AND booking_id = %s",
        [restaurant_id, booking_id],
    ).fetchall()


def of_hold(conn: Connection, restaurant_id: UUID, hold_id: UUID) -> list[Row]:
    return conn.execute(
        f"SELECT {_COLUMNS} FROM allocations WHERE restaurant_id = %s AND hold_id = %s",
        [restaurant_id, hold_id],
    ).fetchall()


def delete_expired_holds_on(
    conn: Connection, restaurant_id: UUID, table_ids: list[UUID], window: Window
) -> int:
    """Remove expired holds occupying these tables in this window, so they never block.

    Deleting the hold deletes all of its allocation rows (on every table it held).
    """
    result = conn.execute(
        "DELETE FROM holds h WHERE h.restaurant_id = %(rid)s AND h.expires_at <= now()"
        " AND h.hold_id IN (SELECT a.hold_id FROM allocations a"
        "   WHERE a.restaurant_id = %(rid)s AND a.kind = 'hold' AND a.table_id = ANY(%(tables)s)"
        "   AND a.service_date BETWEEN %(first)s AND %(last)s AND a.time_window && %(window)s)",
        {"tables": table_ids, **bracketed(restaurant_id, window)},
    )
    return result.rowcount


def day_lock_name(restaurant_id: UUID, day: date) -> str:
    """The name of a service day's write lock (an advisory lock keyed by its hash)."""
    return f"day:{restaurant_id}:{day.isoformat()}"


def lock_days(conn: Connection, restaurant_id: UUID, days: Iterable[date]) -> None:
    """Take the write lock of each service day (in date order), until the transaction ends.

    Every transaction that adds or moves allocations takes its days' locks before it writes, so
    two writers of one restaurant's day never check the exclusion constraint against each
    other's uncommitted rows: the second waits here, then meets only committed rows. Same-day
    writers already queue on that day's `context_versions` row when they commit; taking the
    lock first also ends the deadlocks between two writers' rows and that row.

    A writer takes it before it touches any allocation or hold row, deletes included. One that
    deleted an expired hold first and then waited here could be waited for by the lock's holder,
    whose insert must know whether that deleted row is gone: a deadlock, found only after
    `deadlock_timeout` while the whole day queued behind it. Taking it twice is harmless.
    """
    for day in sorted(set(days)):
        conn.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))",
            [day_lock_name(restaurant_id, day)],
        )


def insert(conn: Connection, restaurant_id: UUID, rows: list[Row]) -> None:
    """Allocation rows: table_id, kind, time_window (Window), group_id, service_date and the
    optional booking_id, hold_id, expires_at, created_by, override_reason."""
    lock_days(conn, restaurant_id, (row["service_date"] for row in rows))
    defaults = {
        "booking_id": None,
        "hold_id": None,
        "expires_at": None,
        "created_by": None,
        "override_reason": None,
    }
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO allocations (restaurant_id, table_id, kind, time_window, group_id,"
            " booking_id, hold_id, expires_at, service_date, created_by, override_reason)"
            " VALUES (%(restaurant_id)s, %(table_id)s, %(kind)s, %(time_window)s, %(group_id)s,"
            " %(booking_id)s, %(hold_id)s, %(expires_at)s, %(service_date)s, %(created_by)s,"
            " %(override_reason)s)",
            [
                {
                    **defaults,
                    **row,
                    "time_window": window_range(row["time_window"]),
                    "restaurant_id": restaurant_id,
                }
                for row in rows
            ],
        )


def hold_to_assignment(
    conn: Connection, restaurant_id: UUID, hold_id: UUID, service_date: date
) -> int:
    """Turn a hold's rows (of its booking's service day) into assignment rows in place: the
    tables are never free between."""
    lock_days(conn, restaurant_id, [service_date])
    return conn.execute(
        "UPDATE allocations SET kind = 'assignment', hold_id = NULL, expires_at = NULL"
        " WHERE restaurant_id = %s AND hold_id = %s AND kind = 'hold'",
        [restaurant_id, hold_id],
    ).rowcount


def delete_assignments(
    conn: Connection, restaurant_id: UUID, booking_id: UUID, table_id: UUID | None = None
) -> int:
    """Remove a booking's assignment rows, on one table or all of them."""
    return conn.execute(
        "DELETE FROM allocations WHERE restaurant_id = %s AND booking_id = %s"
        " AND kind = 'assignment' AND (%s::uuid IS NULL OR table_id = %s::uuid)",
        [restaurant_id, booking_id, table_id, table_id],
    ).rowcount


def move_booking_window(
    conn: Connection, restaurant_id: UUID, booking_id: UUID, window: Window, service_date: date
) -> int:
    """Give a booking's assignment rows a new window (the constraint checks the new one)."""
    lock_days(conn, restaurant_id, [service_date])
    return conn.execute(
        "UPDATE allocations SET time_window = %s, service_date = %s"
        " WHERE restaurant_id = %s AND booking_id = %s AND kind = 'assignment'",
        [window_range(window), service_date, restaurant_id, booking_id],
    ).rowcount


def context_version(conn: Connection, restaurant_id: UUID, service_date: date) -> int:
    """The version of a service day's allocations (0 before any allocation that day)."""
    row = conn.execute(
        "SELECT version FROM context_versions WHERE restaurant_id = %s AND service_date = %s",
        [restaurant_id, service_date],
    ).fetchone()
    return 0 if row is None else int(row["version"])
