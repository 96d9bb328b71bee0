"""Holds, and the log the hold rate limits count."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from psycopg.types.json import Jsonb

from maitred.db.database import Connection
from maitred.db.ranges import window_range
from maitred.domain.window import Window

Row = dict[str, Any]

_COLUMNS = (
    "hold_id, booking_id, actor, created_at, expires_at, extended, fingerprint, party_size,"
    " time_window, ttl_seconds, expires_at <= now() AS expired"
)


def insert(
    conn: Connection,
    restaurant_id: UUID,
    booking_id: UUID,
    actor: str,
    ttl_seconds: int,
    party_size: int,
    window: Window,
    fingerprint: dict[str, Any],
) -> Row:
    """A new hold expiring `ttl_seconds` from now by the database clock."""
    row = conn.execute(
        "INSERT INTO holds (restaurant_id, booking_id, actor, expires_at, ttl_seconds,"
        " party_size, time_window, fingerprint)"
        " VALUES (%s, %s, %s, now() + make_interval(secs => %s), %s, %s, %s, %s)"
        f" RETURNING {_COLUMNS}",
        [
            restaurant_id,
            booking_id,
            actor,
            ttl_seconds,
            ttl_seconds,
            party_size,
            window_range(window),
            Jsonb(fingerprint),
        ],
    ).fetchone()
    assert row is not None
    return row


def get(conn: Connection, restaurant_id: UUID, hold_id: UUID, *, lock: bool = False) -> Row | None:
    return conn.execute(
        f"SELECT {_COLUMNS} FROM holds WHERE restaurant_id = %s AND hold_id = %s"
        + (" FOR UPDATE" if lock else ""),
        [restaurant_id, hold_id],
    ).fetchone()


def of_booking(conn: Connection, restaurant_id: UUID, booking_id: UUID) -> list[Row]:
    return conn.execute(
        f"SELECT {_COLUMNS} FROM holds WHERE restaurant_id = %s AND booking_id = %s"
        " ORDER BY created_at",
        [restaurant_id, booking_id],
    ).fetchall()


def delete(conn: Connection, restaurant_id: UUID, hold_id: UUID) -> bool:
    """Delete a hold and (by cascade) its allocation rows."""
    result = conn.execute(
        "DELETE FROM holds WHERE restaurant_id = %s AND hold_id = %s", [restaurant_id, hold_id]
    )
    return result.rowcount == 1


def delete_of_booking(conn: Connection, restaurant_id: UUID, booking_id: UUID) -> list[UUID]:
    rows = conn.execute(
        "DELETE FROM holds WHERE restaurant_id = %s AND booking_id = %s RETURNING hold_id",
        [restaurant_id, booking_id],
    ).fetchall()
    return [row["hold_id"] for row in rows]


def extend(
    conn: Connection, restaurant_id: UUID, hold_id: UUID, seconds: int, max_seconds: int
) -> Row:
    """Expire `seconds` from now, but no later than `max_seconds` after creation; mark the hold
    extended. Its allocation rows follow."""
    row = conn.execute(
        "UPDATE holds SET extended = true, expires_at = greatest(expires_at, least("
        "   now() + make_interval(secs => %s), created_at + make_interval(secs => %s)))"
        f" WHERE restaurant_id = %s AND hold_id = %s RETURNING {_COLUMNS}",
        [seconds, max_seconds, restaurant_id, hold_id],
    ).fetchone()
    assert row is not None
    conn.execute(
        "UPDATE allocations SET expires_at = %s WHERE restaurant_id = %s AND hold_id = %s",
        [row["expires_at"], restaurant_id, hold_id],
    )
    return row


def relax_durability(conn: Connection) -> None:
    """Commit this transaction without waiting for the WAL flush.

    For transactions that write only holds: a hold lives minutes, and one lost to a server crash
    in the last instant before it was flushed is answered as HOLD_NOT_FOUND and quoted again.
    Shorter commits shorten how long an actor's lock is held.
    """
    conn.execute("SET LOCAL synchronous_commit = off")


def lock_actor(conn: Connection, restaurant_id: UUID, actor: str) -> None:
    """Serialise one actor's hold requests, so two at once cannot both pass a limit."""
    conn.execute(
        "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [f"hold:{restaurant_id}:{actor}"]
    )


def recent_for_booking(
    conn: Connection, restaurant_id: UUID, actor: str, booking_id: UUID, seconds: int
) -> Row:
    """How many holds this actor took for this booking in the last `seconds`, and when the
    oldest of them leaves the window (seconds from now)."""
    row = conn.execute(
        "SELECT count(*) AS n, extract(epoch FROM min(created_at)"
        "   + make_interval(secs => %(secs)s) - now()) AS frees_in"
        " FROM hold_log WHERE restaurant_id = %(rid)s AND actor = %(actor)s"
        " AND booking_id = %(bid)s AND created_at > now() - make_interval(secs => %(secs)s)",
        {"rid": restaurant_id, "actor": actor, "bid": booking_id, "secs": seconds},
    ).fetchone()
    assert row is not None
    return row


def live_of_actor(conn: Connection, restaurant_id: UUID, actor: str) -> Row:
    """How many live holds an actor has, and when the first of them expires (seconds)."""
    row = conn.execute(
        "SELECT count(*) AS n, extract(epoch FROM min(expires_at) - now()) AS frees_in"
        " FROM holds WHERE restaurant_id = %s AND actor = %s AND expires_at > now()",
        [restaurant_id, actor],
    ).fetchone()
    assert row is not None
    return row


def log(conn: Connection, restaurant_id: UUID, actor: str, booking_id: UUID) -> None:
    conn.execute(
        "INSERT INTO hold_log (restaurant_id, actor, booking_id) VALUES (%s, %s, %s)",
        [restaurant_id, actor, booking_id],
    )
