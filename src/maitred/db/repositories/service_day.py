"""The service day's rows: blocks, a day's bars for the timeline, locking a day's bookings,
freeing the tables a re-optimisation moves bookings off."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from maitred.db.database import Connection
from maitred.db.ranges import bracketed, window_range
from maitred.db.repositories.allocations import lock_days
from maitred.domain.booking import ACTIVE_STATUSES
from maitred.domain.window import Window

Row = dict[str, Any]

_ACTIVE = sorted(status.value for status in ACTIVE_STATUSES)


def insert_block(
    conn: Connection,
    restaurant_id: UUID,
    group_id: UUID,
    table_ids: list[UUID],
    window: Window,
    service_date: date,
    reason: str | None,
    created_by: str,
) -> None:
    """One `block` allocation per table, all sharing `group_id`."""
    lock_days(conn, restaurant_id, [service_date])
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO allocations (restaurant_id, table_id, kind, time_window, group_id,"
            " service_date, reason, created_by)"
            " VALUES (%(rid)s, %(table_id)s, 'block', %(window)s, %(group_id)s,"
            " %(service_date)s, %(reason)s, %(created_by)s)",
            [
                {
                    "rid": restaurant_id,
                    "table_id": table_id,
                    "window": window_range(window),
                    "group_id": group_id,
                    "service_date": service_date,
                    "reason": reason,
                    "created_by": created_by,
                }
                for table_id in table_ids
            ],
        )


_BLOCK = "group_id, table_id, time_window, service_date, reason, created_by, created_at"


def block_rows(conn: Connection, restaurant_id: UUID, group_id: UUID) -> list[Row]:
    """The rows of one block (one per table), none when there is no such block."""
    return conn.execute(
        f"SELECT {_BLOCK} FROM allocations"
        " WHERE restaurant_id = %s AND group_id = %s AND kind = 'block' ORDER BY table_id",
        [restaurant_id, group_id],
    ).fetchall()


def delete_block(conn: Connection, restaurant_id: UUID, group_id: UUID) -> int:
    return conn.execute(
        "DELETE FROM allocations WHERE restaurant_id = %s AND group_id = %s AND kind = 'block'",
        [restaurant_id, group_id],
    ).rowcount


def blocks_of_day(conn: Connection, restaurant_id: UUID, service_date: date) -> list[Row]:
    """The rows of the blocks created for a local date, by start."""
    return conn.execute(
        f"SELECT {_BLOCK} FROM allocations"
        " WHERE restaurant_id = %s AND service_date = %s AND kind = 'block'"
        " ORDER BY lower(time_window), group_id, table_id",
        [restaurant_id, service_date],
    ).fetchall()


def live_on_tables(
    conn: Connection, restaurant_id: UUID, table_ids: list[UUID], window: Window
) -> list[Row]:
    """Live allocations (expired holds left out) on these tables overlapping a window."""
    return conn.execute(
        "SELECT table_id, kind, time_window, booking_id, hold_id, group_id FROM allocations"
        " WHERE restaurant_id = %(rid)s AND table_id = ANY(%(tables)s)"
        " AND service_date BETWEEN %(first)s AND %(last)s AND time_window && %(window)s"
        " AND (kind <> 'hold' OR expires_at > now())",
        {"tables": table_ids, **bracketed(restaurant_id, window)},
    ).fetchall()


def bars(conn: Connection, restaurant_id: UUID, window: Window) -> list[Row]:
    """Every live allocation overlapping a window, with what a timeline shows of it: the
    booking's ref, party and status, and a hold's seconds left by the database clock."""
    return conn.execute(
        "SELECT a.table_id, a.kind, a.time_window, a.group_id, a.booking_id, a.hold_id,"
        "   a.expires_at, a.reason, a.created_by,"
        "   ceil(extract(epoch FROM a.expires_at - now()))::integer AS seconds_left,"
        "   b.ref, b.party_size, b.status, b.pinned, b.guest_name"
        " FROM allocations a LEFT JOIN bookings b"
        "   ON b.restaurant_id = a.restaurant_id AND b.booking_id = a.booking_id"
        " WHERE a.restaurant_id = %(rid)s AND a.service_date BETWEEN %(first)s AND %(last)s"
        " AND a.time_window && %(window)s AND (a.kind <> 'hold' OR a.expires_at > now())"
        " ORDER BY lower(a.time_window), a.table_id",
        bracketed(restaurant_id, window),
    ).fetchall()


def database_now(conn: Connection) -> datetime:
    """The database clock (the transaction's start), the clock holds expire by."""
    row = conn.execute("SELECT now() AS now").fetchone()
    assert row is not None
    now: datetime = row["now"]
    return now


def lock_day_bookings(conn: Connection, restaurant_id: UUID, service_date: date) -> int:
    """Lock a service day's active bookings, in id order (so two lockers never deadlock):
    nobody assigns, holds or changes one of them until this transaction ends."""
    rows = conn.execute(
        "SELECT booking_id FROM bookings"
        " WHERE restaurant_id = %s AND service_date = %s AND status = ANY(%s)"
        " ORDER BY booking_id FOR UPDATE",
        [restaurant_id, service_date, _ACTIVE],
    ).fetchall()
    return len(rows)


def delete_expired_holds(conn: Connection, restaurant_id: UUID, window: Window) -> int:
    """Remove the expired holds that still have rows in a window (with their rows), so they
    never block a whole day's writes."""
    return conn.execute(
        "DELETE FROM holds h WHERE h.restaurant_id = %(rid)s AND h.expires_at <= now()"
        " AND h.hold_id IN (SELECT a.hold_id FROM allocations a"
        "   WHERE a.restaurant_id = %(rid)s AND a.kind = 'hold'"
        "   AND a.service_date BETWEEN %(first)s AND %(last)s AND a.time_window && %(window)s)",
        bracketed(restaurant_id, window),
    ).rowcount


def delete_assignments_of(conn: Connection, restaurant_id: UUID, booking_ids: list[UUID]) -> int:
    """Remove these bookings' assignment rows in one statement: a re-optimisation frees the
    tables it moves bookings off before it seats anyone on them (delete, then insert)."""
    if not booking_ids:
        return 0
    return conn.execute(
        "DELETE FROM allocations WHERE restaurant_id = %s AND booking_id = ANY(%s)"
        " AND kind = 'assignment'",
        [restaurant_id, booking_ids],
    ).rowcount
